"""# Whole data sets

`ll.attribute_many` explains every row of a table in one planned pass (tree paths walk
each tree once per way the rows go through it); `ll.explain_many` is the same as a live
widget: mean |attribution| bars, a beeswarm and a dependence scatter, filled in chunk by
chunk. With `n_jobs=` the chunks run in processes, with `client=` on a Dask cluster, and
with `out=` each chunk is written as Parquet as it finishes.
"""

# %%
import numpy as np
import pandas as pd
from sklearn.ensemble import GradientBoostingRegressor

import limelight as ll

rng = np.random.default_rng(0)
X = pd.DataFrame(rng.normal(size=(500, 6)), columns=[f"x{i}" for i in range(6)])
y = X.x0 * 2 + X.x1 * X.x2 + rng.normal(0, 0.3, 500)
model = GradientBoostingRegressor(n_estimators=30, max_depth=3, random_state=0).fit(X, y)

# %%
# Every row, as arrays and as a frame; row `i` is what `ll.attribute` gives for it.
ex = ll.attribute_many(model, X, background=X.iloc[:100])
print(ex.values.shape)
ex.to_frame().head()

# %%
# The same, as a widget; its saved page is the summary of every row.
ll.explain_many(model, X, background=X.iloc[:100])

# %%
# On a Dask cluster (`pip install 'limelight[dask]'`), not run here:
#
# ```python
# from dask.distributed import Client
# ll.attribute_many(model, X, background=X.iloc[:100], client=Client(n_workers=2))
# ```

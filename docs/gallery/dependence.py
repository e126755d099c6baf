"""# Dependence and ICE

Partial dependence: the model's average output as one feature moves over its range (on
scikit-learn's grid), with the individual curves (ICE) of every row behind it. Curves
that cross say the feature interacts with others; `centered=True` starts every curve at
zero so their shapes compare.
"""

# %%
import numpy as np
import pandas as pd
from sklearn.ensemble import RandomForestRegressor

import limelight as ll

rng = np.random.default_rng(0)
X = pd.DataFrame(rng.uniform(-2, 2, size=(300, 3)), columns=["age", "income", "dose"])
y = np.sin(X.age) * X.income + X.dose
model = RandomForestRegressor(n_estimators=20, max_depth=6, random_state=0).fit(X, y)

# %%
d = ll.dependence(model, X, "age", centered=True, grid_resolution=30)
d.wait()
d.to_frame().head()

# %%
d

# %%
# Two features at once: the average surface.
ll.dependence(model, X, ["age", "income"], grid_resolution=15)

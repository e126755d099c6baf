"""# Explore a data set

`ll.explore` shows every row of a table at once: a sortable table and a scatter
coloured by prediction or error. Select a row (click it, or set `.selected`) and its
explanation streams into the panel beside them; permutation importance and a beeswarm of
local attributions are computed once in the background.
"""

# %%
import numpy as np
import pandas as pd
from sklearn.ensemble import RandomForestRegressor

import limelight as ll

rng = np.random.default_rng(0)
X = pd.DataFrame(rng.normal(size=(300, 5)), columns=["rooms", "age", "area", "floor", "view"])
y = 3 * X.rooms + 2 * X.area - X.age + rng.normal(0, 0.5, 300)
model = RandomForestRegressor(n_estimators=20, max_depth=5, random_state=0).fit(X, y)

# %%
# The saved page holds the selected row's explanation, as the panel shows it.
ex = ll.explore(model, X, y, sample=50, random_state=0)
ex.selected = 7
ex.wait()
ex

"""# Interactions

Pairwise Shapley interaction values, in shap's convention: `values[row, output, i, j]` is
half the Shapley interaction index of features i and j, the diagonal holds the main
effects, and each matrix row sums to that feature's Shapley value. Interventional over
the background, exact by the trees of tree ensembles, by every coalition for any model
up to 12 features, or sampled.
"""

# %%
# A model whose output has one real interaction, `price × quantity`, and an additive
# term.
import numpy as np
import pandas as pd
import xgboost as xgb

import limelight as ll

rng = np.random.default_rng(0)
X = pd.DataFrame(rng.uniform(0, 2, size=(600, 4)), columns=["price", "quantity", "season", "promo"])
y = X.price * X.quantity + 0.5 * X.season + rng.normal(0, 0.05, 600)
model = xgb.XGBRegressor(n_estimators=60, max_depth=3).fit(X, y)

# %%
# The strongest pairs over 100 rows, by mean |value|; the view is a heatmap with them.
r = ll.interactions(model, X.iloc[:100], background=X.iloc[100:200])
print(r.values.shape)
r.top_pairs(3)

# %%
r

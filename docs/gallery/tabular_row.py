"""# One row of a table

Why did the model predict this for this row? `ll.explain` answers with Shapley values:
one number per column, in the model's output units, that add up to the prediction minus
the base value (the mean prediction over the background). Tree ensembles (XGBoost,
LightGBM, CatBoost, scikit-learn's forests and boosting) are read from their trees,
exactly; any other model by coalitions (exact up to 12 columns, Leverage SHAP above).
"""

# %%
# A small data set with named columns: the outcome rises with `income` and `age` and
# falls with `debt`; `noise` plays no part (and gets about zero below).
import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

import limelight as ll

rng = np.random.default_rng(0)
n = 1000
X = pd.DataFrame(
    {
        "income": rng.normal(50, 15, n),
        "age": rng.integers(20, 70, n).astype(float),
        "debt": rng.normal(10, 5, n),
        "noise": rng.normal(0, 1, n),
    }
)
score = 0.08 * (X.income - 50) + 0.04 * (X.age - 45) - 0.3 * (X.debt - 10)
y = (score + rng.normal(0, 0.3, n) > 0).astype(int)

# %%
# A scikit-learn gradient boosting classifier, explained by its trees. Its title says the
# scale: a boosted classifier is explained on its log-odds (`model_output="proba"` for
# probabilities).
gbm = GradientBoostingClassifier(n_estimators=40, max_depth=2, random_state=0).fit(X, y)
ll.explain(gbm, X.iloc[3], background=X.iloc[:100])

# %%
# XGBoost and LightGBM are read from their own tree dumps, missing values routed as the
# library routes them; the values are exact, so the title has no standard error.
import lightgbm as lgb
import xgboost as xgb

xgb_model = xgb.XGBClassifier(n_estimators=40, max_depth=2, learning_rate=0.2).fit(X, y)
e = ll.attribute(xgb_model, X.iloc[3], background=X.iloc[:100])
print(e.method, e.params["output_scale"], np.round(e.values, 3))
lgb_model = lgb.LGBMClassifier(n_estimators=40, num_leaves=4, learning_rate=0.2, verbose=-1).fit(
    X, y
)
ll.explain(lgb_model, X.iloc[3], background=X.iloc[:100])

# %%
# A pipeline with a `ColumnTransformer`: attributions are per *original* column, a
# one-hot encoded category counting as its one column.
X2 = X.assign(region=rng.choice(["north", "south", "east"], n))
pipe = make_pipeline(
    ColumnTransformer(
        [
            ("num", StandardScaler(), ["income", "age", "debt", "noise"]),
            ("cat", OneHotEncoder(), ["region"]),
        ]
    ),
    LogisticRegression(),
).fit(X2, y)
ll.explain(pipe, X2.iloc[3], background=X2.iloc[:100])

# %%
# Any model as a function of a batch, with a sampled estimator: here Leverage SHAP on a
# 20-column function (`method="kernel"` and `method="msr"` take the same options). The
# title gives the largest standard error.
W = rng.normal(size=20)
f = lambda B: np.tanh(np.asarray(B) @ W)
Z = rng.normal(size=(200, 20))
ll.explain(f, Z[0], background=Z[:50], method="leverage", max_evals=600, random_state=0)

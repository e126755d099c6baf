"""# Structure

A collapsible diagram of a model: a scikit-learn pipeline's steps and the columns each
`ColumnTransformer` branch takes, with fitted facts (trees, depth, coefficients); a torch
module's tree with the output shape of every layer (from one forward pass on an example)
and its parameter counts.
"""

# %%
import numpy as np
import pandas as pd
import torch
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import RandomForestClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

import limelight as ll

rng = np.random.default_rng(0)
X = pd.DataFrame(
    {"a": rng.normal(size=100), "b": rng.normal(size=100), "city": rng.choice(["x", "y"], 100)}
)
y = (X.a > 0).astype(int)
pipe = make_pipeline(
    ColumnTransformer([("num", StandardScaler(), ["a", "b"]), ("cat", OneHotEncoder(), ["city"])]),
    RandomForestClassifier(n_estimators=10, max_depth=3, random_state=0),
).fit(X, y)
ll.structure(pipe)

# %%
net = torch.nn.Sequential(
    torch.nn.Conv2d(1, 4, 3, padding=1),
    torch.nn.ReLU(),
    torch.nn.Flatten(),
    torch.nn.Linear(4 * 64, 10),
)
s = ll.structure(net, example=torch.zeros(1, 1, 8, 8))
s.to_frame()

# %%
s

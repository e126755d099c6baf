"""# Surrogate rules

A shallow decision tree fitted to the model's own predictions: its rules are a global
summary you can read, and its fidelity (measured on held-out rows, against the model)
says how far to trust them. The slider in the view refits at another depth.
"""

# %%
import numpy as np
import pandas as pd
from sklearn.ensemble import GradientBoostingClassifier

import limelight as ll

rng = np.random.default_rng(0)
X = pd.DataFrame(rng.normal(size=(400, 4)), columns=["tenure", "spend", "visits", "age"])
y = ((X.tenure > 0) & (X.spend > -0.5) | (X.visits > 1.2)).astype(int)
model = GradientBoostingClassifier(n_estimators=30, random_state=0).fit(X, y)

# %%
s = ll.surrogate(model, X, max_depth=3)
s.wait()
print(f"fidelity {s.fidelity:.2f}")
print("\n".join(s.rules[:4]))
s

"""# Feature elimination

Which columns can the model do without? `ll.feature_elimination` drops them one at a
time (scikit-learn's RFECV for models with importances, permutation importance
otherwise), cross-validates each step and charts the score against the number kept; the
recommendation is the smallest set within `tolerance` of the best score.
"""

# %%
import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression

import limelight as ll

rng = np.random.default_rng(0)
X = pd.DataFrame(rng.normal(size=(300, 6)), columns=[f"f{i}" for i in range(6)])
y = (X.f0 - 2 * X.f1 + X.f2 > 0).astype(int)

# %%
r = ll.feature_elimination(LogisticRegression().fit(X, y), X, y, cv=3)
r.wait()
print("keep", r.recommended)
r

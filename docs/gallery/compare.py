"""# Compare methods

Methods disagree, and the disagreement is information. `ll.compare` runs several methods
on one row and shows them side by side, with one row of agreement per pair: Spearman
rank correlation, the overlap of their top features, and how many signs differ.
"""

# %%
import numpy as np
from sklearn.svm import SVR

import limelight as ll

rng = np.random.default_rng(0)
X = rng.normal(size=(300, 6))
y = X[:, 0] + 2 * X[:, 1] * X[:, 2] + np.sin(X[:, 3])
model = SVR(C=3.0).fit(X, y)

# %%
w = ll.compare(model, X[0], methods=["exact", "kernel", "lime"], background=X[:50], random_state=0)
exps, agreement = w.wait()
print(agreement)
w

"""# Quality badges

Every explanation carries its quality, shown as a badge row under the view:
additivity (do the values add up to prediction − base value?), the standard error of
sampled values, and deletion / insertion curves (hide the features from the most to the
least attributed: a faithful ranking makes the output fall fast), each beside random
orders.
"""

# %%
import numpy as np
from sklearn.ensemble import RandomForestClassifier

import limelight as ll

rng = np.random.default_rng(0)
X = rng.normal(size=(300, 8))
y = (X[:, 0] + X[:, 1] - X[:, 2] > 0).astype(int)
model = RandomForestClassifier(n_estimators=20, max_depth=4, random_state=0).fit(X, y)

# %%
e = ll.attribute(model, X[0], background=X[:50], method="kernel", max_evals=300, random_state=0)
q = e.quality.compute()
print(q.verdict)
print("additivity", q.additivity, "stderr", q.stderr)
print("deletion area", round(q.deletion, 3), "random", round(q.random_deletion, 3))
e

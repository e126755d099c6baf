"""# Exports and privacy

Every view saves as a self-contained HTML page (interactive, opens from `file://` with no
network and no kernel), PNG, SVG or versioned JSON, from code or from the view's
Snapshot control. `include_data=False` leaves the raw input out (feature values, the
text's words, the picture's pixels) and keeps the attributions.
"""

# %%
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression

import limelight as ll

rng = np.random.default_rng(0)
X = pd.DataFrame(rng.normal(size=(200, 4)), columns=["salary", "age", "score", "zip"])
y = (X.salary + X.score > 0).astype(int)
model = LogisticRegression().fit(X, y)
e = ll.attribute(model, X.iloc[0], background=X)

# %%
out = Path(tempfile.mkdtemp())
for name in ["row.html", "row.png", "row.svg", "row.json"]:
    path = e.save(out / name)
    print(f"{name:9s} {path.stat().st_size / 1024:8.1f} KB")
again = ll.load(out / "row.json")
print("the same numbers after a round trip:", bool(np.allclose(again.values, e.values)))

# %%
# Without the raw input: the feature values are gone, the attributions stay.
private = ll.load(e.save(out / "private.json", include_data=False))
print(private.data, private.params["data_omitted"])
e

"""# Images

Saliency maps drawn over the picture: red raised the class shown, blue lowered it. A
torch module gets integrated gradients by default; occlusion, segment Shapley values and
LIME need only a function of a batch.
"""

# %%
# A small CNN trained for a few seconds on scikit-learn's digits, enlarged from 8×8 to
# 24×24 pixels.
import numpy as np
import torch
from sklearn.datasets import load_digits

import limelight as ll

torch.manual_seed(0)
X, y = load_digits(return_X_y=True)
X = np.kron((X / 16.0).reshape(-1, 1, 8, 8), np.ones((3, 3))).astype(np.float32)
net = torch.nn.Sequential(
    torch.nn.Conv2d(1, 8, 3, padding=1),
    torch.nn.ReLU(),
    torch.nn.MaxPool2d(3),
    torch.nn.Flatten(),
    torch.nn.Linear(8 * 64, 10),
)
opt = torch.optim.Adam(net.parameters(), lr=3e-3)
xt, yt = torch.from_numpy(X[:1000]), torch.from_numpy(y[:1000])
for epoch in range(3):
    for idx in torch.randperm(1000).split(64):
        opt.zero_grad()
        torch.nn.functional.cross_entropy(net(xt[idx]), yt[idx]).backward()
        opt.step()
net.eval()
with torch.no_grad():
    accuracy = (net(torch.from_numpy(X[1000:])).argmax(1).numpy() == y[1000:]).mean()
print(f"held-out accuracy {accuracy:.2f}")
digits = [str(d) for d in range(10)]

# %%
# Integrated gradients (checked for completeness: the map adds up to f(x) − f(baseline)).
ll.explain(net, X[1510], model_output="softmax", output_names=digits, output=int(y[1510]))

# %%
# Occlusion: slide a 3×3 patch (one pixel of the original digit), record the drop of the
# class's probability.
ll.explain(
    net,
    X[1510],
    method="occlusion",
    window=3,
    stride=3,
    output_names=digits,
    model_output="softmax",
    output=int(y[1510]),
)

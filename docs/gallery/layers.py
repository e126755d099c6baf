"""# Layers

Inside a torch network: per layer, histograms of its weights (and of their gradients,
given a target), the first convolution filters, the activation maps over the picture,
and mean / std / zero fraction / dead units.
"""

# %%
import torch

import limelight as ll

torch.manual_seed(0)
net = torch.nn.Sequential(
    torch.nn.Conv2d(1, 4, 3, padding=1),
    torch.nn.ReLU(),
    torch.nn.Flatten(),
    torch.nn.Linear(4 * 64, 10),
)
x = torch.rand(1, 1, 8, 8)

# %%
w = ll.layers(net, x, target=torch.tensor([3]))
w.to_frame()

# %%
w

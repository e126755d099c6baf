"""# Training monitor

`ll.monitor()` shows training curves live while a loop (or a thread, or a Keras
callback, or a watch on a torch module's weight and gradient norms) logs to it; it sends
only new points, batched, and draws on canvases.
"""

# %%
import numpy as np

import limelight as ll

mon = ll.monitor(title="two learning rates", display=False)
rng = np.random.default_rng(0)
for lr in (1e-3, 1e-2):
    loss = 2.0
    for step in range(200):
        loss = loss * (1 - 30 * lr / (1 + step / 20)) + 0.02 * rng.normal()
        mon.log(step, loss=max(loss, 0.05), run=f"lr={lr:g}")
mon.to_frame().tail()

# %%
mon

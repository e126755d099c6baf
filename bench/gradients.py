"""Integrated gradients on small ReLU nets: limelight beside captum, in one process.

Models (random weights, seeded; ReLU, so the gradient along the path jumps where a unit
switches and the quadrature converges slowly): a 2-conv CNN on 3x32x32, a 3-conv CNN on
1x28x28, a 4-layer MLP on 1x16x16 images. Baseline 0, the predicted class's output.

Part 1: captum's completeness error |Σ attr - (f(x) - f(0))| / |f(x) - f(0)| at equal
steps for method="riemann_trapezoid" and "gausslegendre" (medians over images).
Part 1b: gradient rows until 1% for doubled Gauss-Legendre runs (what limelight does) and
for a 50-node Gauss-Legendre try followed by nested trapezoids (re-using every point).
Part 2: limelight's ``ll.attribute(net, img, method="integrated_gradients")`` (default
n_steps=50, completeness check on: steps are refined while the error is over 1%) beside
captum's ``IntegratedGradients(net).attribute(x, target=t, n_steps=50)`` (Gauss-Legendre,
one forward/backward over all steps): time ratio (goal <= 2) and both relative errors.

    python bench/gradients.py      # ~1 minute on 2 cores
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
warnings.filterwarnings("ignore")

import torch
from captum.attr import IntegratedGradients

import limelight as ll

torch.set_num_threads(1)


def nets():
    nn = torch.nn
    torch.manual_seed(0)
    cnn3 = nn.Sequential(
        nn.Conv2d(3, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(32 * 64, 64), nn.ReLU(), nn.Linear(64, 10),
    )  # fmt: skip
    cnn1 = nn.Sequential(
        nn.Conv2d(1, 8, 3), nn.ReLU(), nn.Conv2d(8, 16, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 16, 3), nn.ReLU(), nn.AdaptiveAvgPool2d(4), nn.Flatten(),
        nn.Linear(256, 10),
    )  # fmt: skip
    mlp = nn.Sequential(
        nn.Flatten(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU(),
        nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 5),
    )  # fmt: skip
    return {
        "cnn 3x32x32": (cnn3.eval(), (3, 32, 32)),
        "cnn 1x28x28": (cnn1.eval(), (1, 28, 28)),
        "mlp 1x16x16": (mlp.eval(), (1, 16, 16)),
    }


def images(shape, n, seed):
    return np.random.default_rng(seed).random((n, *shape)).astype(np.float32)


def gap_of(net, x, t):
    with torch.no_grad():
        return float(net(x)[0, t] - net(torch.zeros_like(x))[0, t])


def captum_rel(net, img, t, steps, method):
    x = torch.from_numpy(img)[None]
    a = IntegratedGradients(net).attribute(x, baselines=0.0, target=t, n_steps=steps, method=method)
    g = gap_of(net, x, t)
    return abs(float(a.sum()) - g) / abs(g)


def path_slopes(net, x, t, alphas):
    """d f(alpha x) / d alpha at each alpha (the integrand of completeness), one pass."""
    a = torch.tensor(alphas, dtype=torch.float32).view(-1, *([1] * (x.dim() - 1)))
    z = (a * x).requires_grad_(True)
    (g,) = torch.autograd.grad(net(z)[:, t].sum(), z)
    return (g * x).sum(dim=tuple(range(1, x.dim()))).double().numpy()


def rows_to_one_percent(net, img, t):
    """Gradient rows each refinement needs to reach 1%: Gauss-Legendre doubled from 50
    (no node shared: 50, 150, 350, 750, 1550) and nested trapezoids from 64 intervals
    after a 50-node Gauss-Legendre try (every earlier point re-used: 50 + 65, 129...)."""
    x = torch.from_numpy(img)[None]
    gap = gap_of(net, x, t)

    def gl(n):
        nodes, w = np.polynomial.legendre.leggauss(n)
        return abs(0.5 * w @ path_slopes(net, x, t, 0.5 * (nodes + 1)) - gap) / abs(gap)

    def trap(m):
        w = np.full(m + 1, 1 / m)
        w[[0, -1]] /= 2
        return abs(w @ path_slopes(net, x, t, np.linspace(0, 1, m + 1)) - gap) / abs(gap)

    first_gl = next((c for n, c in zip((50, 100, 200, 400, 800), (50, 150, 350, 750, 1550))
                     if gl(n) <= 0.01), np.inf)  # fmt: skip
    if first_gl == 50:
        return 50, 50
    mixed = next((50 + c for m, c in zip((64, 128, 256, 512), (65, 129, 257, 513))
                  if trap(m) <= 0.01), np.inf)  # fmt: skip
    return first_gl, mixed


def main() -> None:
    n_images = int(sys.argv[1]) if len(sys.argv) > 1 else 8
    models = nets()
    print("Part 1: captum's completeness error / gap at equal steps (median over images)")
    steps = (16, 32, 50, 64, 100, 128, 200)
    print(f"{'model':13} {'method':18} " + " ".join(f"{s:>7d}" for s in steps))
    for name, (net, shape) in models.items():
        imgs = images(shape, n_images, 1)
        with torch.no_grad():
            ts = net(torch.from_numpy(imgs)).argmax(1).tolist()
        for method in ("riemann_trapezoid", "gausslegendre"):
            row = [
                statistics.median(captum_rel(net, im, t, s, method) for im, t in zip(imgs, ts))
                for s in steps
            ]
            print(f"{name:13} {method:18} " + " ".join(f"{v:7.4f}" for v in row), flush=True)
    print()
    print("Part 1b: gradient rows to reach 1% (per image; inf: not within the budget)")
    for name, (net, shape) in models.items():
        imgs = images(shape, n_images, 2)
        with torch.no_grad():
            ts = net(torch.from_numpy(imgs)).argmax(1).tolist()
        pairs = [rows_to_one_percent(net, im, t) for im, t in zip(imgs, ts)]
        print(f"{name:13} GL doubled: {[p[0] for p in pairs]}")
        print(f"{'':13} GL 50 then nested trapezoid: {[p[1] for p in pairs]}", flush=True)
    print()
    print("Part 2: limelight (completeness check on) / captum 50 steps, medians over images")
    print(
        f"{'model':13} {'ll s':>8} {'captum s':>9} {'ratio':>6} {'ll err':>7} "
        f"{'captum err':>10} {'ll steps run':>12} {'over 1%':>7}"
    )
    for name, (net, shape) in models.items():
        imgs = images(shape, n_images, 2)
        ig = IntegratedGradients(net)
        rows = []
        for img in imgs:
            x = torch.from_numpy(img)[None]
            with torch.no_grad():
                t = int(net(x).argmax(1))
            ll.attribute(net, img, method="integrated_gradients", output=t)  # warm
            t0 = time.perf_counter()
            e = ll.attribute(net, img, method="integrated_gradients", output=t)
            t_ll = time.perf_counter() - t0
            t0 = time.perf_counter()
            a = ig.attribute(x, baselines=0.0, target=t, n_steps=50)
            t_c = time.perf_counter() - t0
            g = gap_of(net, x, t)
            rows.append(
                (
                    t_ll,
                    t_c,
                    t_ll / t_c,
                    abs(float(e.values.sum()) - g) / abs(g),
                    abs(float(a.sum()) - g) / abs(g),
                    e.params.get("steps_run", e.params.get("n_steps")),
                )
            )
        med = [statistics.median(c) for c in zip(*rows)]
        over = sum(r[3] > 0.01 for r in rows)
        print(
            f"{name:13} {med[0]:8.4f} {med[1]:9.4f} {med[2]:6.2f} {med[3]:7.4f} "
            f"{med[4]:10.4f} {med[5]:12.0f} {over:4d}/{len(rows)}",
            flush=True,
        )


if __name__ == "__main__":
    main()

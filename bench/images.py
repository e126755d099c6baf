"""Image explainers beside captum on the same networks, one process, medians.

    python bench/images.py            # ~2-3 minutes on 2 cores

Networks (random weights; timing only): a digits-style CNN on 1x28x28 and a small conv
net on 3x224x224. For each method: captum's time, limelight's time (the explainer run;
planning, which adds one probe forward, is shown separately), and the best plain torch
batched forward (+backward for gradient methods) over the same rows, trying several batch
sizes. "overhead" = limelight / best plain torch; "vs captum" = limelight / captum.
Every timing is a median over rounds that run each contender once, interleaved.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import statistics
import time
import warnings

import numpy as np
import torch
from captum.attr import IntegratedGradients, NoiseTunnel, Occlusion, Saliency

from limelight.api import plan

THREADS = 1
torch.set_num_threads(THREADS)
warnings.filterwarnings("ignore")


def digits_cnn():
    torch.manual_seed(0)
    return torch.nn.Sequential(
        torch.nn.Conv2d(1, 16, 3, padding=1),
        torch.nn.ReLU(),
        torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(16, 32, 3, padding=1),
        torch.nn.ReLU(),
        torch.nn.MaxPool2d(2),
        torch.nn.Flatten(),
        torch.nn.Linear(32 * 7 * 7, 10),
    ).eval()


def conv224():
    torch.manual_seed(0)
    return torch.nn.Sequential(
        torch.nn.Conv2d(3, 16, 5, stride=2, padding=2),
        torch.nn.ReLU(),
        torch.nn.Conv2d(16, 32, 3, stride=2, padding=1),
        torch.nn.ReLU(),
        torch.nn.Conv2d(32, 64, 3, stride=2, padding=1),
        torch.nn.ReLU(),
        torch.nn.Conv2d(64, 64, 3, stride=2, padding=1),
        torch.nn.ReLU(),
        torch.nn.AdaptiveAvgPool2d(1),
        torch.nn.Flatten(),
        torch.nn.Linear(64, 100),
    ).eval()


def plain_runs(net, x, rows, target, *, grad, sizes):
    """Plain torch passes over ``rows`` copies of x, one callable per batch size."""
    runs = {}
    for b in sizes:
        b = min(b, rows)
        chunks = [b] * (rows // b) + ([rows % b] if rows % b else [])
        batches = [x.repeat(c, 1, 1, 1) for c in chunks]

        def run(batches=batches):
            for xb in batches:
                if grad:
                    xb = xb.detach().requires_grad_(True)
                    torch.autograd.grad(net(xb)[:, target].sum(), xb)
                else:
                    with torch.inference_mode():
                        net(xb)

        runs[b] = run
    return runs


def interleaved(fns, repeats):
    """Median seconds of each callable, run in rounds (each once per round, after a
    warm-up) so that the machine's slow spells fall on all of them alike."""
    for fn in fns.values():
        fn()
    times = {k: [] for k in fns}
    for _ in range(repeats):
        for k, fn in fns.items():
            t0 = time.perf_counter()
            fn()
            times[k].append(time.perf_counter() - t0)
    return {k: statistics.median(v) for k, v in times.items()}


def bench(name, net, x, repeats):
    xn = x[0].numpy()
    with torch.no_grad():
        target = int(net(x).argmax())
    h = x.shape[-1]
    win, stride = (4, 2) if h == 28 else (16, 8)
    n_occ = (-(-(h - win) // stride) + 1) ** 2
    cases = [
        (
            "Saliency",
            1,
            True,
            lambda: Saliency(net).attribute(x, target=target),
            {"method": "saliency"},
        ),
        (
            "IntegratedGradients (50)",
            50,
            True,
            lambda: IntegratedGradients(net).attribute(x, target=target, n_steps=50),
            {"method": "integrated_gradients", "n_steps": 50},
        ),
        (
            "NoiseTunnel SmoothGrad (20)",
            20,
            True,
            lambda: NoiseTunnel(Saliency(net)).attribute(
                x, nt_type="smoothgrad", nt_samples=20, stdevs=0.15, target=target
            ),
            {"method": "smoothgrad", "n_samples": 20, "noise": 0.15, "random_state": 0},
        ),
        (
            f"Occlusion {win}/{stride} (captum 1 per call)",
            n_occ,
            False,
            lambda: Occlusion(net).attribute(
                x,
                sliding_window_shapes=(x.shape[1], win, win),
                strides=(x.shape[1], stride, stride),
                target=target,
            ),
            {"method": "occlusion", "window": win, "stride": stride},
        ),
        (
            f"Occlusion {win}/{stride} (captum 32 per call)",
            n_occ,
            False,
            lambda: Occlusion(net).attribute(
                x,
                sliding_window_shapes=(x.shape[1], win, win),
                strides=(x.shape[1], stride, stride),
                target=target,
                perturbations_per_eval=32,
            ),
            {"method": "occlusion", "window": win, "stride": stride},
        ),
    ]
    print(f"\n## {name}: input {tuple(x.shape[1:])}, torch threads {THREADS}, medians of {repeats}")
    print(
        "| method | rows | captum ms | limelight ms (+plan) | best plain ms (batch) | "
        "overhead | vs captum |"
    )
    print("|---|---|---|---|---|---|---|")
    for label, rows, grad, cap, opts in cases:
        p = plan(net, xn, output=[target], **opts)
        sizes = (1,) if rows == 1 else (5, 10, 20, 32, 64, rows)
        plain = plain_runs(net, x, rows, target, grad=grad, sizes=sizes)
        t = interleaved(
            {
                "captum": cap,
                "plan": lambda opts=opts: plan(net, xn, output=[target], **opts),
                "ll": p.run,
                **{f"plain{b}": fn for b, fn in plain.items()},
            },
            repeats,
        )
        b = min(plain, key=lambda b: t[f"plain{b}"])
        t_best, t_ll, t_cap = t[f"plain{b}"], t["ll"], t["captum"]
        print(
            f"| {label} | {rows} | {t_cap * 1e3:.1f} | {t_ll * 1e3:.1f} (+{t['plan'] * 1e3:.1f}) "
            f"| {t_best * 1e3:.1f} ({b}) | {t_ll / t_best:.2f} | {t_ll / t_cap:.2f} |"
        )


if __name__ == "__main__":
    rng = np.random.default_rng(0)
    t0 = time.perf_counter()
    bench(
        "digits CNN",
        digits_cnn(),
        torch.from_numpy(rng.random((1, 1, 28, 28), dtype=np.float32)),
        repeats=7,
    )
    bench(
        "conv net 224",
        conv224(),
        torch.from_numpy(rng.random((1, 3, 224, 224), dtype=np.float32)),
        repeats=3,
    )
    print(f"\ntotal {time.perf_counter() - t0:.0f} s")

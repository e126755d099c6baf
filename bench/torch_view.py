"""What a run's own view of a torch module costs (models/_torch_state.py).

Every explanation of a torch module calls a shallow copy of it (own flags, hooks and
``requires_grad``; the same weight storage). Medians over --repeats of:

- building the view of a ~10M-parameter MLP (40 blocks of Linear 512x512 + LayerNorm +
  ReLU, 161 modules) and of a 2-layer BERT-size stack of 150 small modules;
- ``copy.deepcopy`` of the same module (what copying the weights would cost), and the ratio;
- one forward pass of a 64-row batch, for scale;
- the extra memory: bytes of weight storage the view allocates (0: it shares storage).

    python bench/torch_view.py --repeats 20
"""

from __future__ import annotations

import argparse
import copy
import statistics
import time

import torch

from limelight.models._torch_state import ModuleView


def median_ms(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1e3


def models() -> dict[str, torch.nn.Module]:
    torch.manual_seed(0)
    mlp = torch.nn.Sequential(
        *[
            torch.nn.Sequential(torch.nn.Linear(512, 512), torch.nn.LayerNorm(512), torch.nn.ReLU())
            for _ in range(40)
        ]
    )
    wide = torch.nn.Sequential(*[torch.nn.Linear(64, 64) for _ in range(150)])
    return {"mlp 10M": mlp, "150 small layers": wide}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=20)
    args = ap.parse_args()
    torch.set_num_threads(1)
    print(f"{'model':18} {'params':>10} {'modules':>8} {'view ms':>8} {'deepcopy ms':>12} "
          f"{'ratio':>7} {'forward ms':>11} {'new bytes':>10}")  # fmt: skip
    for name, net in models().items():
        n = sum(p.numel() for p in net.parameters())
        view = median_ms(lambda net=net: ModuleView(net), args.repeats)
        deep = median_ms(lambda net=net: copy.deepcopy(net), max(3, args.repeats // 4))
        width = next(net.parameters()).shape[1]
        x = torch.randn(64, width)
        with torch.no_grad():
            fwd = median_ms(lambda net=net, x=x: net(x), args.repeats)
        v = ModuleView(net).module
        ptrs = {p.data_ptr() for p in net.parameters()}
        new = sum(p.numel() * p.element_size() for p in v.parameters() if p.data_ptr() not in ptrs)
        modules = sum(1 for _ in net.modules())
        print(f"{name:18} {n:>10,} {modules:>8} {view:>8.2f} {deep:>12.1f} "
              f"{deep / view:>6.0f}x {fwd:>11.2f} {new:>10}")  # fmt: skip


if __name__ == "__main__":
    main()

"""Run a user's torch module in eval mode and give it back exactly as it was.

Explanations must not change the user's objects: the ``training`` flag of the module and
of every sub-module (a frozen batch-norm inside a training model keeps its own flag), and
the ``requires_grad`` of parameters, which gradient passes switch off (no parameter
gradients are needed, and none are accumulated into ``.grad``).

    >>> import torch                                              # doctest: +SKIP
    >>> net = torch.nn.Sequential(torch.nn.Dropout(0.5)).train()  # doctest: +SKIP
    >>> with evaluating(net):                                     # doctest: +SKIP
    ...     net.training
    False
    >>> net.training                                              # doctest: +SKIP
    True
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


@contextmanager
def evaluating(module: Any, *, freeze: bool = False) -> Iterator[Any]:
    """``module`` in eval mode (parameters not requiring grad with ``freeze``), restored
    after, even when the body raises."""
    subs = list(module.modules()) if hasattr(module, "modules") else []
    flags = [m.training for m in subs]
    params = list(module.parameters()) if freeze and hasattr(module, "parameters") else []
    grads = [p.requires_grad for p in params]
    try:
        for m in subs:
            m.training = False  # what .eval() does, without calling user overrides
        for p in params:
            p.requires_grad_(False)
        yield module
    finally:
        for m, f in zip(subs, flags):
            m.training = f
        for p, g in zip(params, grads):
            p.requires_grad_(g)

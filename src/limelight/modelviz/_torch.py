"""torch modules as structure nodes: the module tree, output shapes recorded by forward
hooks during one pass on an example (hooks removed and every module's ``training`` flag
restored afterwards), parameter counts per module and in total, trainable vs frozen."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any

import numpy as np

from ..errors import InputError, ModelError


def is_module(obj: Any) -> bool:
    return any(
        c.__module__.startswith("torch.nn") and c.__name__ == "Module" for c in type(obj).__mro__
    )


def _shape(out: Any) -> list | None:
    """The output's shape: a tensor's, else a list of its parts' (tuples, dicts, HF outputs)."""
    if hasattr(out, "shape") and hasattr(out, "dtype"):
        return [int(s) for s in out.shape]
    if isinstance(out, dict) or hasattr(out, "to_tuple"):
        parts = [_shape(v) for v in out.values()]
    elif isinstance(out, (tuple, list)):
        parts = [_shape(v) for v in out]
    else:
        return None
    parts = [p for p in parts if p is not None]
    return parts or None


def as_input(example: Any):
    """``(args, kwargs)`` to call the module with: tensors as they are, numpy arrays as
    float32 tensors, tuples as several arguments, dicts as keyword arguments."""
    import torch

    def conv(v):
        if isinstance(v, np.ndarray):
            return torch.as_tensor(v, dtype=torch.float32 if v.dtype.kind == "f" else None)
        return v

    if isinstance(example, dict):
        return (), {k: conv(v) for k, v in example.items()}
    if isinstance(example, (tuple, list)):
        return tuple(conv(v) for v in example), {}
    return (conv(example),), {}


@contextmanager
def evaluating(net: Any):
    """Eval mode (no batch-norm statistics updated, no dropout) for the duration; each
    module's own ``training`` flag is put back afterwards, mixed states included."""
    flags = {m: m.training for m in net.modules()}
    net.eval()
    try:
        yield
    finally:
        for m, flag in flags.items():
            m.training = flag


def forward(net: Any, example: Any, hook_modules: dict[str, Any], hook) -> Any:
    """Run ``net`` on ``example`` once with ``hook(name, module, output)`` on the given
    modules; the hooks are removed whatever happens."""
    import torch

    args, kwargs = as_input(example)
    handles = [
        m.register_forward_hook(lambda mod, _i, out, name=name: hook(name, mod, out))
        for name, m in hook_modules.items()
    ]
    try:
        with evaluating(net), torch.no_grad():
            return net(*args, **kwargs)
    except Exception as exc:
        raise ModelError(
            f"the module raised on the example: {type(exc).__name__}: {exc}",
            fix="pass example= as one batch the module accepts, e.g. torch.zeros(1, 3, 32, 32)",
        ) from exc
    finally:
        for h in handles:
            h.remove()


def nodes(net: Any, example: Any = None) -> tuple[list[dict], int, int]:
    """Every module as a node (depth-first), with the total and trainable parameter counts
    (each shared tensor counted once)."""
    named = dict(net.named_modules(remove_duplicate=False))
    shapes: dict[str, list] = {}
    if example is not None:

        def record(name, _mod, out):
            shapes.setdefault(name, _shape(out))

        forward(net, example, {n: m for n, m in named.items()}, record)
    # each module's unique parameters, merged bottom-up (pre-order reversed: children first)
    below: dict[str, dict[int, Any]] = {name: {} for name in named}
    for name in reversed(list(named)):
        mine = below[name]
        for p in named[name].parameters(recurse=False):
            mine.setdefault(id(p), p)
        if name:
            parent = below[name.rsplit(".", 1)[0] if "." in name else ""]
            for k, p in mine.items():
                parent.setdefault(k, p)
    rows = []
    for name, mod in named.items():
        own = list(mod.parameters(recurse=False))
        seen = below[name]
        rows.append(
            {
                "id": name or "(model)",
                "name": name.rsplit(".", 1)[-1] if name else type(net).__name__,
                "type": type(mod).__name__,
                "parent": None
                if not name
                else (name.rsplit(".", 1)[0] if "." in name else "(model)"),
                "depth": 0 if not name else name.count(".") + 1,
                "own_params": sum(p.numel() for p in own),
                "params": sum(p.numel() for p in seen.values()),
                "trainable": sum(p.numel() for p in seen.values() if p.requires_grad),
                "output_shape": shapes.get(name),
                "facts": _facts(mod),
            }
        )
    unique = {id(p): p for p in net.parameters()}
    total = sum(p.numel() for p in unique.values())
    trainable = sum(p.numel() for p in unique.values() if p.requires_grad)
    return rows, total, trainable


def _facts(mod: Any) -> dict:
    """A layer's configuration in a few words (kernel size, features...)."""
    out = {}
    for key in (
        "in_features",
        "out_features",
        "in_channels",
        "out_channels",
        "kernel_size",
        "stride",
        "padding",
        "num_embeddings",
        "embedding_dim",
        "num_heads",
        "p",
    ):
        v = vars(mod).get(key)  # plain attributes: no nn.Module.__getattr__ miss
        if isinstance(v, (int, float, tuple)) and not isinstance(v, bool):
            out[key] = list(v) if isinstance(v, tuple) else v
    return out


def named_module(net: Any, name: str) -> Any:
    named = dict(net.named_modules())
    key = "" if name == "(model)" else name
    if key not in named:
        raise InputError(
            f"the module has no layer named {name!r}",
            fix="use a name from ll.structure(net).to_frame()['name']",
        )
    return named[key]

"""torch modules as structure nodes: the module tree (walked without recursion, so any
depth of nesting; a layer used twice is shown at its second place as shared, its
parameters counted once), output shapes recorded by forward hooks during one pass on an
example, parameter counts per module and in total, trainable vs frozen.

The pass runs on the run's own eval-mode view of the module (:mod:`..models._torch_state`):
the user's flags, hooks and ``.grad`` are never touched."""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

from ..errors import InputError, ModelError
from ..models._torch_state import ModuleView


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


def _children(m: Any) -> list[tuple[str, Any]]:
    mods = getattr(m, "_modules", None)
    if isinstance(mods, dict):  # every slot, a module met twice included
        return [(k, v) for k, v in mods.items() if v is not None]
    return list(m.named_children())  # TorchScript's own module dictionary


def walk(net: Any) -> list[tuple[str, Any, str | None]]:
    """``(name, module, first_name)`` in depth-first order (``named_modules``' order).
    A module met again is listed at its new place with ``first_name`` (where it was first
    met), and its children are not walked twice; ``first_name`` is None otherwise."""
    out: list[tuple[str, Any, str | None]] = []
    first: dict[int, str] = {}
    stack: list[tuple[str, Any]] = [("", net)]
    while stack:  # an explicit stack: no recursion limit on the nesting depth
        name, m = stack.pop()
        if id(m) in first:
            out.append((name, m, first[id(m)]))
            continue
        first[id(m)] = name
        out.append((name, m, None))
        for k, sub in reversed(_children(m)):
            stack.append((f"{name}.{k}" if name else k, sub))
    return out


def _parent(name: str) -> str:
    return name.rsplit(".", 1)[0] if "." in name else ""


def refuse_script(net: Any, what: str) -> None:
    """A clear error where a TorchScript module would be run with hooks."""
    import torch

    if isinstance(net, torch.jit.ScriptModule):
        raise InputError(
            f"a TorchScript module runs its layers inside compiled code, so {what} cannot "
            "be recorded",
            fix="pass the nn.Module from before torch.jit.script/trace, or leave the input "
            "out to see the structure and weights only",
        )


def forward(net: Any, example: Any, hook_modules: dict[str, Any], hook) -> Any:
    """Run the eval-mode view of ``net`` on ``example`` once with ``hook(name, module,
    output)`` on the given modules (theirs in the view; the user's get none)."""
    import torch

    refuse_script(net, "the output of each layer")
    view = ModuleView(net)
    args, kwargs = as_input(example)
    handles = [
        view.of(m).register_forward_hook(lambda mod, _i, out, name=name: hook(name, mod, out))
        for name, m in hook_modules.items()
    ]
    try:
        with torch.no_grad():
            return view.module(*args, **kwargs)
    except RecursionError:
        raise ModelError(
            "the module nests its layers deeper than Python's recursion limit "
            f"({sys.getrecursionlimit()}), so its forward pass cannot run",
            fix="leave the input out to see the structure and weights only, or raise "
            "sys.setrecursionlimit() before calling the model",
        ) from None
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
    walked = walk(net)
    shapes: dict[str, list] = {}
    if example is not None:

        def record(name, _mod, out):
            shapes.setdefault(name, _shape(out))

        firsts = {name: m for name, m, again in walked if again is None}
        forward(net, example, firsts, record)
        for name, _m, again in walked:  # a shared layer: its first call's shape
            if again is not None and again in shapes:
                shapes[name] = shapes[again]
    tensors: dict[int, Any] = {}
    below: dict[str, set[int]] = {}  # each module's unique parameters, children merged
    for name, m, again in reversed(walked):  # pre-order reversed: children first
        if again is not None:
            continue
        mine = below.setdefault(name, set())
        for p in m.parameters(recurse=False):
            tensors.setdefault(id(p), p)
            mine.add(id(p))
        if name:
            below.setdefault(_parent(name), set()).update(mine)
    for name, _m, again in walked:  # a shared layer's parameters, also under its new parents
        if again is not None:
            below[name] = set(below[again])
            up = name
            while up:
                up = _parent(up)
                below.setdefault(up, set()).update(below[name])
    rows = []
    for name, mod, again in walked:
        seen = [tensors[i] for i in below[name]]
        rows.append(
            {
                "id": name or "(model)",
                "name": name.rsplit(".", 1)[-1] if name else type(net).__name__,
                "type": type(mod).__name__,
                "parent": None if not name else (_parent(name) or "(model)"),
                "depth": 0 if not name else name.count(".") + 1,
                "own_params": sum(p.numel() for p in mod.parameters(recurse=False)),
                "params": sum(p.numel() for p in seen),
                "trainable": sum(p.numel() for p in seen if p.requires_grad),
                "output_shape": shapes.get(name),
                "facts": _facts(mod),
                "shared_with": again,
            }
        )
    return rows, rows[0]["params"], rows[0]["trainable"]


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
    named = {n: m for n, m, _again in walk(net)}
    key = "" if name == "(model)" else name
    if key not in named:
        raise InputError(
            f"the module has no layer named {name!r}",
            fix="use a name from ll.structure(net).to_frame()['name']",
        )
    return named[key]

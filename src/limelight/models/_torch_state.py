"""A run's own view of a user's torch module: the same weights, its own state.

An explanation runs in a background thread while the user keeps working on their model,
so it must never change what they can see of it: ``training`` flags, ``requires_grad``,
hooks, ``.grad``. :class:`ModuleView` copies the module tree shallowly (each sub-module a
new object whose ``__dict__`` is a copy, hook dictionaries included) and gives it new
``nn.Parameter`` objects on the *same storage* (no weight is copied: a few ms for a
10M-parameter model of 160 layers, see bench/torch_view.py). The view is in eval mode
and its parameters do not require grad (gradient methods need gradients of the input
only), while the user's module keeps its own flags. Weights the user changes in place
during the run (an ``optimizer.step``, a ``load_state_dict``) would mix two models in one
explanation: their version counters are read at each call and a change is reported as a
:class:`ModelError`. Keras models and ``torch.jit.trace`` modules are called as they are
(nothing of them is changed); a scripted module is copied by TorchScript itself.

    >>> import torch                                              # doctest: +SKIP
    >>> net = torch.nn.Sequential(torch.nn.Dropout(0.5)).train()  # doctest: +SKIP
    >>> view = ModuleView(net)                                    # doctest: +SKIP
    >>> view.module.training, net.training                        # doctest: +SKIP
    (False, True)
"""

from __future__ import annotations

import copy
import threading
import types
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ..errors import InputError, MethodError, ModelError
from ._detect import is_torch_module

_OWN = ("_parameters", "_buffers", "_modules")


class ModuleView:
    """``module``: the run's copy of ``user`` (or ``user`` itself when it is a plain
    callable, not a module). ``of(sub)`` maps one of the user's sub-modules to the copy's;
    ``parameters`` lists the user's unique parameters (walked without recursion, so a
    2000-deep nest of modules is fine). With ``grad``, the copy's parameters require grad
    where the user's do (for gradients with respect to the weights: ``ll.layers``)."""

    def __init__(self, user: Any, *, grad: bool = False) -> None:
        self.user = user
        self._grad = grad  # the copy's parameters require grad as the user's do
        self._copies: dict[int, Any] = {}
        self.parameters: list[Any] = []
        self._originals: list[Any] = []
        # the user's parameters, whose version counters an in-place change bumps (buffers
        # are left out: a module may update its own in eval mode, a cache or a counter)
        self._tracked: list[Any] = []
        # a Keras model (torch backend) calls its own variables, whatever the copy holds;
        # it is called with training=False and nothing of it is changed
        own = is_torch_module(user) and not _is_keras(user) and not _is_traced(user)
        self.module = self._view(user) if own else user
        self._versions = self._read()

    def of(self, sub: Any) -> Any:
        """The view's copy of the user's sub-module ``sub`` (or ``sub`` if it is already
        part of the view); an :class:`InputError` for a module that is not in the model."""
        if id(sub) in self._copies:
            return self._copies[id(sub)]
        if any(c is sub for c in self._copies.values()) or not self._copies:
            return sub
        raise InputError(
            f"the {type(sub).__name__} given is not a layer of this model",
            fix="pass one of the model's own sub-modules (or its dotted name)",
        )

    @contextmanager
    def calling(self) -> Iterator[Any]:
        """The view, for one call; a clear :class:`ModelError` if the user's weights changed
        in place meanwhile (which also explains a torch error about in-place changes)."""
        try:
            yield self.module
        except Exception:
            self.check()  # a change in the weights is the cause worth naming
            raise
        self.check()

    def check(self) -> None:
        if self._versions and self._read() != self._versions:
            raise ModelError(
                "the model's weights changed while this explanation ran (a training step, "
                "load_state_dict or an in-place edit in another cell), so no single model "
                "was explained",
                fix="let the explanation finish (e.wait()) before training again, or explain "
                "a snapshot: ll.explain(copy.deepcopy(net), x)",
            )

    def _read(self) -> int:
        total = 0
        for t in self._tracked:
            try:
                total += t._version
            except (RuntimeError, AttributeError):  # inference tensors have no counter
                pass
        return total

    def _view(self, root: Any) -> Any:
        import torch

        params: dict[int, Any] = {}
        top = self._copy(root, params)
        stack = [_unwrap(root)]
        while stack:  # iterative: nesting depth is not bounded by Python's recursion limit
            m = stack.pop()
            if isinstance(m, torch.jit.ScriptModule):
                continue  # copied with its whole tree (its C++ copy)
            kids = {}
            for name, sub in m._modules.items():
                if sub is not None and id(sub) not in self._copies:
                    self._copy(sub, params)
                    stack.append(_unwrap(sub))
                kids[name] = None if sub is None else self._copies[id(sub)]
            c = self._copies[id(m)]
            c.__dict__["_modules"] = kids
            if hasattr(type(c), "_init_flat_weights"):  # RNNs keep a list of their weights
                c._init_flat_weights()
        self.parameters = list({id(p): p for p in self._originals}.values())
        self._tracked.extend(self.parameters)
        return top

    def _copy(self, wrapper: Any, params: dict[int, Any]) -> Any:
        import torch

        m = _unwrap(wrapper)  # torch.compile's wrapper calls the original: view that one
        if id(m) in self._copies:
            c = self._copies[id(wrapper)] = self._copies[id(m)]
            return c
        if isinstance(m, torch.jit.ScriptModule):
            c = copy.copy(m)  # a C++ copy: own flags, the same parameter tensors
            c.eval()
            self._originals.extend(m.parameters())
        else:
            d = dict(m.__dict__)
            for k, v in d.items():  # hook dictionaries and the like: the view's own
                if k.startswith("_") and k not in _OWN and isinstance(v, (dict, set)):
                    d[k] = v.copy()  # dict, OrderedDict or set: the same type
            d["_buffers"] = dict(m._buffers)
            d["_parameters"] = {n: self._param(p, params) for n, p in m._parameters.items()}
            d["training"] = False
            c = _blank(m)
            object.__setattr__(c, "__dict__", d)
            forward = d.get("forward")
            if isinstance(forward, types.MethodType) and forward.__self__ is m:
                d["forward"] = types.MethodType(forward.__func__, c)
        self._copies[id(m)] = self._copies[id(wrapper)] = c
        return c

    def _param(self, p: Any, params: dict[int, Any]) -> Any:
        import torch

        if p is None:
            return None
        if id(p) not in params:
            self._originals.append(p)
            if isinstance(p, torch.nn.parameter.UninitializedParameter):
                raise InputError(
                    "the model has lazy layers that were never run, so it has no weights yet",
                    fix="call the model once on an example input before explaining it",
                )
            # a plain Parameter: a new one on the same storage; a subclass (quantized
            # weights carry their own state) is shared as it is, and left untouched
            plain = type(p) is torch.nn.Parameter
            wants = self._grad and p.requires_grad
            params[id(p)] = torch.nn.Parameter(p.detach(), requires_grad=wants) if plain else p
        return params[id(p)]


def _is_traced(obj: Any) -> bool:
    """A ``torch.jit.trace`` module: its graph (dropout included) was fixed when traced,
    and a Python copy of it would share its sub-modules, so it is called as it is."""
    import torch

    return isinstance(obj, torch.jit.ScriptModule) and not isinstance(
        obj, torch.jit.RecursiveScriptModule
    )


def hook(layer: Any, fn: Any, *, purpose: str) -> Any:
    """``layer.register_forward_hook(fn)`` acting in this thread only, or a clear
    :class:`MethodError` where TorchScript allows no hook."""
    refuse_script(layer, purpose)
    return layer.register_forward_hook(only_this_thread(fn))


def refuse_script(layer: Any, purpose: str) -> None:
    import torch

    if isinstance(layer, torch.jit.ScriptModule):
        raise MethodError(
            f"{purpose} needs a hook on a layer, and a TorchScript module takes no hooks",
            fix="explain the original nn.Module (before torch.jit.script/trace), or use "
            "method='occlusion', 'shapley' or 'lime'",
        )


def _is_keras(obj: Any) -> bool:
    return any(c.__module__.split(".")[0] == "keras" for c in type(obj).__mro__)


def _unwrap(m: Any) -> Any:
    while type(m).__name__ == "OptimizedModule" and "_orig_mod" in m._modules:
        m = m._modules["_orig_mod"]
    return m


def _blank(m: Any) -> Any:
    """A new object of ``m``'s class with nothing set (its ``__dict__`` comes next)."""
    try:
        return object.__new__(type(m))
    except TypeError:  # a class with its own __new__
        return copy.copy(m)


def only_this_thread(fn: Any) -> Any:
    """A forward hook that acts only in the thread that registered it (so a run's hook
    never reaches another run of the same view)."""
    me = threading.get_ident()

    def hook(mod: Any, inp: Any, out: Any) -> Any:
        return fn(mod, inp, out) if threading.get_ident() == me else None

    return hook

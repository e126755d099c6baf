"""The one table of methods: for each modality, the names ``method=`` takes, the class
each builds, and the options that class accepts (its keyword-only constructor arguments).

A planner asks :func:`build` for an explainer from a name and the caller's options, or
:func:`configured` for one the caller built (``method=KernelShap(max_evals=500)``); an
option no method takes gets an :class:`~limelight.errors.InputError` listing those it does.

    >>> from limelight.explainers import KernelShap
    >>> build("tabular", "kernel", {"max_evals": 500}, random_state=0).max_evals
    500
    >>> options_of(KernelShap)
    ['batch_size', 'groups', 'max_evals', 'random_state', 'rows_per_call', 'tol']
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from .. import _warn
from ..errors import InputError, MethodError
from .algorithms import (
    Algorithm,
    GradientXInput,
    IntegratedGradients,
    LeverageShap,
    Lime,
    MsrShap,
    Occlusion,
    SampledShapley,
)
from .base import Explainer, options_of
from .gradients import GradCam, Saliency, SmoothGrad
from .kernel import KernelShap
from .shapley import ExactShapley
from .text import HierarchicalShapley
from .tree import TreeShap
from .trees.native import LibraryTreeShap


@dataclass(frozen=True)
class Method:
    """One ``method=`` name: the public class it names, other names for it, whether it
    needs gradients (a torch model); ``impl``: the class that runs on the modality's
    input (the public class itself, or for an :class:`~.algorithms.Algorithm` of several
    inputs its implementation there)."""

    name: str
    cls: type
    aliases: tuple[str, ...] = ()
    gradients: bool = False
    impl: type = Explainer
    modality: str = ""

    @property
    def title(self) -> str:
        """The public class's name, and the input for an algorithm of several inputs."""
        several = issubclass(self.cls, Algorithm) and len(self.cls.implementations) > 1
        return self.cls.__name__ + (f" on {self.modality} input" if several else "")


_TABLE: dict[str, tuple[Method, ...]] = {
    "tabular": (
        Method("exact", ExactShapley),
        Method("tree", TreeShap),
        Method("kernel", KernelShap, ("kernel_shap",)),
        Method("lime", Lime),
        Method("tree_path_dependent", LibraryTreeShap),
        Method("leverage", LeverageShap, ("leverage_shap",)),
        Method("msr", MsrShap, ("regression_msr",)),
        Method("integrated_gradients", IntegratedGradients, ("ig",), gradients=True),
    ),
    "text": (
        Method("occlusion", Occlusion, ("leave_one_out",)),
        Method("shapley", SampledShapley, ("permutation",)),
        Method("leverage", LeverageShap, ("leverage_shap",)),
        Method("msr", MsrShap, ("regression_msr",)),
        Method("hierarchical", HierarchicalShapley, ("partition",)),
        Method("lime", Lime),
        Method("gradient_x_input", GradientXInput, ("grad_x_input",), gradients=True),
        Method("integrated_gradients", IntegratedGradients, ("ig",), gradients=True),
    ),
    "image": (
        Method("occlusion", Occlusion),
        Method("shapley", SampledShapley, ("segment_shapley", "kernel_shap")),
        Method("leverage", LeverageShap, ("leverage_shap",)),
        Method("msr", MsrShap, ("regression_msr",)),
        Method("lime", Lime),
        Method("saliency", Saliency, ("gradient", "vanilla_gradient"), gradients=True),
        Method(
            "gradient_x_input", GradientXInput, ("input_x_gradient", "grad_x_input"), gradients=True
        ),
        Method("integrated_gradients", IntegratedGradients, ("ig",), gradients=True),
        Method("smoothgrad", SmoothGrad, ("noise_tunnel",), gradients=True),
        Method("gradcam", GradCam, ("grad_cam",), gradients=True),
    ),
}


def _implementation(cls: type, modality: str) -> type:
    return cls.implementations[modality] if issubclass(cls, Algorithm) else cls


#: for each modality, its ``method=`` names; ``entry.impl`` runs there
METHODS: dict[str, tuple[Method, ...]] = {
    modality: tuple(
        replace(e, impl=_implementation(e.cls, modality), modality=modality) for e in entries
    )
    for modality, entries in _TABLE.items()
}


def lookup(modality: str, method: str) -> Method:
    """The entry for a name or alias, or a MethodError listing the names."""
    for entry in METHODS[modality]:
        if method == entry.name or method in entry.aliases:
            return entry
    names = [e.name for e in METHODS[modality]]
    what = (
        f"method {method!r} for tabular data"
        if modality == "tabular"
        else (f"{modality} method {method!r}")
    )
    raise MethodError(f"unknown {what}", fix=f"use 'auto' or one of {names}")


def entry_of(modality: str, explainer: Explainer) -> Method:
    """The entry of an explainer object (or of a subclass of a registered explainer), or a
    MethodError when it is of another modality."""
    # the nearest registered class in the object's MRO: a user's subclass of KernelShap is
    # a kernel explainer (exact class first, so ExactShapley is not taken for a subclass);
    # an implementation's object (the deprecated TokenLeverage, say) is its entry's too
    for klass in type(explainer).__mro__:
        for entry in METHODS[modality]:
            if klass is entry.cls or klass is entry.impl:
                return entry
    names = sorted({e.cls.__name__ for e in METHODS[modality]})
    raise MethodError(
        f"{type(explainer).__name__} does not explain {modality} data",
        fix=f"pass one of {names} (from limelight.explainers) or a method name",
    )


def check_options(
    modality: str,
    entry: Method | None,
    options: dict,
    inputs: tuple[str, ...],
    *,
    warn: bool = True,
) -> dict:
    """The options of ``options`` that ``entry``'s method takes (None: "auto", any method
    of the modality). An option no method of the modality takes is an InputError listing
    the ones this method takes; one that only other methods take is dropped with a
    warning (a budget given to leave-one-out, say)."""
    everything = sorted({o for e in METHODS[modality] for o in options_of(e.impl)})
    valid = everything if entry is None else options_of(entry.impl)
    unknown = sorted(set(options) - set(everything))
    if unknown:
        what = f"method {entry.title}" if entry is not None else f"{modality} methods"
        raise InputError(
            f"unknown option(s) {unknown} for {what}",
            fix=f"it takes {valid}; every {modality} explanation also takes {sorted(inputs)}",
        )
    unused = sorted(set(options) - set(valid))
    if unused and warn:
        _warn.warn(f"{entry.title} does not use {unused} (it takes {valid}); ignored")
    return {k: v for k, v in options.items() if k in valid}


def check_random_state(random_state: Any) -> None:
    """An InputError unless ``random_state`` is None, a non-negative int or a Generator."""
    if random_state is None or isinstance(random_state, np.random.Generator):
        return
    ok = isinstance(random_state, (int, np.integer)) and not isinstance(random_state, bool)
    if not ok or random_state < 0:
        raise InputError(
            f"random_state={random_state!r} is not a seed",
            fix="pass a non-negative integer (or None, or a numpy Generator)",
        )


def build(
    modality: str,
    method: str,
    options: dict,
    *,
    random_state: Any = None,
    inputs: tuple[str, ...] = (),
) -> Explainer:
    """The explainer ``method`` names, configured with ``options`` (checked first;
    ``inputs``: the modality's other options, named in the error)."""
    entry = lookup(modality, method)
    given = check_options(modality, entry, options, inputs)
    kwargs = {k: v for k, v in given.items() if v is not None}  # None: the default
    if "random_state" in options_of(entry.impl) and random_state is not None:
        kwargs.setdefault("random_state", random_state)
    return entry.impl(**kwargs)


def check_request(
    modality: str,
    method: Any,
    options: dict,
    inputs: tuple[str, ...],
    random_state: Any,
) -> None:
    """Refuse, before any work, a bad seed, an unknown method or option, or options given
    beside an explainer object (``options`` loses a stray ``modality`` key)."""
    options.pop("modality", None)
    check_random_state(random_state)
    if isinstance(method, Explainer):
        configured(modality, method, options)
    else:
        entry = None if method == "auto" else lookup(modality, method)
        check_options(modality, entry, options, inputs, warn=False)


def configured(modality: str, explainer: Explainer, options: dict) -> Explainer:
    """The object that runs the caller's explainer object on ``modality`` input: a copy
    (the plan may set its targets; the caller's object is never changed), or for one of
    the algorithms of several inputs its implementation there, built from its options (a
    user's subclass stays itself, and runs that implementation). Options beside it are
    an error, as they would be ignored."""
    entry_of(modality, explainer)
    if options:
        raise InputError(
            f"options {sorted(options)} were given beside an explainer object",
            fix=f"configure the object instead: {type(explainer).__name__}("
            f"{', '.join(f'{k}=...' for k in sorted(options))})",
        )
    if type(explainer) in PUBLIC:  # the planner and the views see what runs, as before
        return explainer.implementation(modality)
    if isinstance(explainer, Algorithm):
        explainer.implementation(modality)  # an option that input does not use: now
    return copy.copy(explainer)


#: the algorithms of several inputs, by their public classes
PUBLIC = frozenset(
    e.cls for entries in METHODS.values() for e in entries if issubclass(e.cls, Algorithm)
)

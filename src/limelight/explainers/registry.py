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
import functools
import inspect
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import _warn
from ..errors import InputError, MethodError
from .base import Explainer
from .game_shapley import SegmentLeverage, SegmentMsr, TokenLeverage, TokenMsr
from .gradients import GradCam, GradientXInput, IntegratedGradients, Saliency, SmoothGrad
from .kernel import KernelShap
from .leverage import LeverageShap
from .lime_tabular import Lime
from .msr import MsrShap
from .occlusion import ImageOcclusion
from .segments import SegmentLime, SegmentShapley
from .shapley import ExactShapley
from .tabular_gradients import TabularIntegratedGradients
from .text import HierarchicalShapley, SampledShapley, TokenOcclusion
from .text_gradients import TokenGradientXInput, TokenIntegratedGradients
from .text_lime import TextLime
from .tree import TreeShap
from .trees.native import LibraryTreeShap

# options the planner sets from other arguments, never a caller's option
PLANNER_SET = ("targets",)


@dataclass(frozen=True)
class Method:
    """One ``method=`` name: the class it builds, other names for it, whether it needs
    gradients (a torch model)."""

    name: str
    cls: type
    aliases: tuple[str, ...] = ()
    gradients: bool = False


METHODS: dict[str, tuple[Method, ...]] = {
    "tabular": (
        Method("exact", ExactShapley),
        Method("tree", TreeShap),
        Method("kernel", KernelShap, ("kernel_shap",)),
        Method("lime", Lime),
        Method("tree_path_dependent", LibraryTreeShap),
        Method("leverage", LeverageShap, ("leverage_shap",)),
        Method("msr", MsrShap, ("regression_msr",)),
        Method("integrated_gradients", TabularIntegratedGradients, ("ig",), gradients=True),
    ),
    "text": (
        Method("occlusion", TokenOcclusion, ("leave_one_out",)),
        Method("shapley", SampledShapley, ("permutation",)),
        Method("leverage", TokenLeverage, ("leverage_shap",)),
        Method("msr", TokenMsr, ("regression_msr",)),
        Method("hierarchical", HierarchicalShapley, ("partition",)),
        Method("lime", TextLime),
        Method("gradient_x_input", TokenGradientXInput, ("grad_x_input",), gradients=True),
        Method("integrated_gradients", TokenIntegratedGradients, ("ig",), gradients=True),
    ),
    "image": (
        Method("occlusion", ImageOcclusion),
        Method("shapley", SegmentShapley, ("segment_shapley", "kernel_shap")),
        Method("leverage", SegmentLeverage, ("leverage_shap",)),
        Method("msr", SegmentMsr, ("regression_msr",)),
        Method("lime", SegmentLime),
        Method("saliency", Saliency, ("gradient", "vanilla_gradient"), gradients=True),
        Method(
            "gradient_x_input", GradientXInput, ("input_x_gradient", "grad_x_input"), gradients=True
        ),
        Method("integrated_gradients", IntegratedGradients, ("ig",), gradients=True),
        Method("smoothgrad", SmoothGrad, ("noise_tunnel",), gradients=True),
        Method("gradcam", GradCam, ("grad_cam",), gradients=True),
    ),
}


def options_of(cls: type) -> list[str]:
    """The options ``cls`` takes: its keyword-only constructor arguments, sorted."""
    return list(_options_of(cls))


@functools.lru_cache(maxsize=256)  # inspect.signature cost ~0.4 ms a plan, 19 calls each
def _options_of(cls: type) -> tuple[str, ...]:
    names: set[str] = set()
    for klass in cls.__mro__:  # a subclass passing **kw on to its base takes the base's too
        init = klass.__dict__.get("__init__")
        if init is None:
            continue
        params = inspect.signature(init).parameters.values()
        names |= {p.name for p in params if p.kind is p.KEYWORD_ONLY}
        if not any(p.kind is p.VAR_KEYWORD for p in params):
            break
    return tuple(sorted(names - set(PLANNER_SET)))


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
    # a kernel explainer (exact class first, so ExactShapley is not taken for a subclass)
    for klass in type(explainer).__mro__:
        for entry in METHODS[modality]:
            if klass is entry.cls:
                return entry
    names = [e.cls.__name__ for e in METHODS[modality]]
    raise MethodError(
        f"{type(explainer).__name__} does not explain {modality} data",
        fix=f"pass one of {names} (from limelight.explainers) or a method name",
    )


def check_options(
    modality: str, cls: type | None, options: dict, inputs: tuple[str, ...], *, warn: bool = True
) -> dict:
    """The options of ``options`` that ``cls`` takes (None: "auto", any method of the
    modality). An option no method of the modality takes is an InputError listing the
    ones this method takes; one that only other methods take is dropped with a warning
    (a budget given to leave-one-out, say)."""
    everything = sorted({o for e in METHODS[modality] for o in options_of(e.cls)})
    valid = everything if cls is None else options_of(cls)
    unknown = sorted(set(options) - set(everything))
    if unknown:
        what = f"method {cls.__name__}" if cls is not None else f"{modality} methods"
        raise InputError(
            f"unknown option(s) {unknown} for {what}",
            fix=f"it takes {valid}; every {modality} explanation also takes {sorted(inputs)}",
        )
    unused = sorted(set(options) - set(valid))
    if unused and warn:
        _warn.warn(f"{cls.__name__} does not use {unused} (it takes {valid}); ignored")
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
    given = check_options(modality, entry.cls, options, inputs)
    kwargs = {k: v for k, v in given.items() if v is not None}  # None: the default
    if "random_state" in options_of(entry.cls) and random_state is not None:
        kwargs.setdefault("random_state", random_state)
    return entry.cls(**kwargs)


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
        cls = None if method == "auto" else lookup(modality, method).cls
        check_options(modality, cls, options, inputs, warn=False)


def configured(modality: str, explainer: Explainer, options: dict) -> Explainer:
    """A copy of the caller's explainer object (the plan may set its targets; the caller's
    object is never changed); options beside it are an error, as they would be ignored."""
    entry_of(modality, explainer)
    if options:
        raise InputError(
            f"options {sorted(options)} were given beside an explainer object",
            fix=f"configure the object instead: {type(explainer).__name__}("
            f"{', '.join(f'{k}=...' for k in sorted(options))})",
        )
    return copy.copy(explainer)

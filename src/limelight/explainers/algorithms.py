"""One class per algorithm, for any input: ``LeverageShap(max_evals=500)`` explains the
columns (or feature groups) of a table, the tokens of a text and the segments of an
image, as captum's classes take any tensor.

The class holds the algorithm's options; :attr:`Algorithm.implementations` names the code
that runs on each kind of input, built from those options when the input is known (the
planner's :func:`~limelight.explainers.registry.configured`, or :meth:`Explainer.explain`
on an instance). An option that kind of input does not use is an
:class:`~limelight.errors.InputError` at the call, naming the option, the input and the
options that apply. ``max_evals`` (the coalitions evaluated) is also the budget's name on
texts and images, where each coalition is one model row (their ``budget``).

    >>> LeverageShap(max_evals=500, random_state=0).max_evals
    500
    >>> LeverageShap(max_evals=500).implementation("text").budget
    500
    >>> Occlusion(window=4).implementation("text")
    Traceback (most recent call last):
    ...
    limelight.errors.InputError: Occlusion does not use ['window'] on text input. Fix: on text input it takes ['batch_size']; ['window'] apply to image input.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

from ..errors import InputError, MethodError
from ..explanation import Explanation
from ..inputs.image import ImageInstance
from ..inputs.text import TextInstance
from ..models.base import Model
from .base import Explainer, options_of
from .game_shapley import SegmentLeverage, SegmentMsr, TokenLeverage, TokenMsr
from .gradients import ImageGradientXInput, ImageIntegratedGradients
from .leverage import TabularLeverage
from .lime_tabular import TabularLime
from .msr import TabularMsr
from .occlusion import ImageOcclusion
from .segments import SegmentLime, SegmentShapley
from .tabular_gradients import TabularIntegratedGradients
from .text import TokenOcclusion, TokenShapley
from .text_gradients import TokenGradientXInput, TokenIntegratedGradients
from .text_lime import TextLime

#: the budget's name on each kind of input, for the algorithms counted in coalitions
_BUDGET = {"text": {"max_evals": "budget"}, "image": {"max_evals": "budget"}}


def modality_of(instance: Any) -> str:
    """The kind of input an instance read by :mod:`limelight.inputs` is."""
    if isinstance(instance, TextInstance):
        return "text"
    if isinstance(instance, ImageInstance):
        return "image"
    return "tabular"


class Algorithm(Explainer):
    """An algorithm's options, for any kind of input it explains (the players: a table's
    columns or feature groups, a text's tokens, an image's segments or pixels).

    ``implementations``: for each kind of input, the class that runs there;
    ``spellings``: for each kind, options given here under another name there.
    """

    implementations: ClassVar[dict[str, type[Explainer]]] = {}
    spellings: ClassVar[dict[str, dict[str, str]]] = {}
    targets: Any = None  # an image plan sets the outputs that get a map

    def __init__(self, **options: Any) -> None:
        takes = options_of(type(self))
        unknown = sorted(set(options) - set(takes))
        if unknown:
            raise InputError(
                f"unknown option(s) {unknown} for {type(self).__name__}",
                fix=f"it takes {self._each()}",
            )
        self._options = dict(options)
        for key, value in options.items():
            setattr(self, key, value)  # readable, and recorded by params()
        fits = [m for m in self.implementations if not self._unused(m)]
        if not fits:
            raise InputError(
                f"{type(self).__name__} takes {sorted(options)} together on no input",
                fix=f"it takes {self._each()}",
            )
        for modality in fits:  # the values are checked now, where the options apply
            self.implementation(modality)

    @classmethod
    def options_for(cls, modality: str) -> list[str]:
        """The options this algorithm takes on ``modality`` input."""
        spelled = cls.spellings.get(modality, {})
        return sorted(set(options_of(cls.implementations[modality])) | set(spelled))

    def _each(self) -> str:
        return "; ".join(f"on {m} input {self.options_for(m)}" for m in self.implementations)

    def _spelled(self, modality: str) -> dict[str, Any]:
        """The options under the names ``modality``'s implementation takes."""
        names = self.spellings.get(modality, {})
        out: dict[str, Any] = {}
        given: dict[str, str] = {}  # the implementation's name: the one given
        for key, value in self._options.items():
            name = names.get(key, key)
            if name in out:
                ours = key if key != name else given[name]  # max_evals, say, for budget
                raise InputError(
                    f"{ours}= and {name}= are one option of {type(self).__name__} on "
                    f"{modality} input",
                    fix=f"give only {ours}=",
                )
            out[name], given[name] = value, key
        return out

    def _unused(self, modality: str) -> list[str]:
        spelled = self.spellings.get(modality, {})
        takes = set(options_of(self.implementations[modality]))
        return sorted(k for k in self._options if spelled.get(k, k) not in takes)

    def implementation(self, modality: str) -> Explainer:
        """The object that runs this algorithm on ``modality`` input, with these options
        (an InputError naming the options that input does not use)."""
        if modality not in self.implementations:
            raise MethodError(
                f"{type(self).__name__} does not explain {modality} data",
                fix=f"it explains {sorted(self.implementations)} input; pass another "
                "explainer from limelight.explainers or a method name",
            )
        unused = self._unused(modality)
        if unused:
            where = [m for m in self.implementations if m != modality and not self._with(m, unused)]
            elsewhere = f"; {unused} apply to {' and '.join(where)} input" if where else ""
            raise InputError(
                f"{type(self).__name__} does not use {unused} on {modality} input",
                fix=f"on {modality} input it takes {self.options_for(modality)}{elsewhere}",
            )
        return self.implementations[modality](**self._spelled(modality))

    def _with(self, modality: str, names: list[str]) -> list[str]:
        """Which of ``names`` ``modality`` input does not take."""
        return sorted(set(names) - set(self.options_for(modality)))

    def _runner(self, instance: Any) -> Explainer:
        """The implementation for ``instance``, carrying what a plan set on this object."""
        runner = self.implementation(modality_of(instance))
        runner.watched = self.watched
        if self.targets is not None:
            runner.targets = self.targets
        seed = getattr(self, "random_state", None)
        if seed is not None and hasattr(runner, "random_state"):
            runner.random_state = seed
        return runner

    def check(self, model: Model, instance: Any) -> None:
        self._runner(instance).check(model, instance)

    def stream(self, model: Model, instance: Any) -> Iterator[Explanation]:
        return self._runner(instance).stream(model, instance)

    def __repr__(self) -> str:
        given = ", ".join(f"{k}={v!r}" for k, v in self._options.items())
        return f"{type(self).__name__}({given})"

    def __copy__(self) -> Algorithm:
        new = object.__new__(type(self))
        new.__dict__.update(self.__dict__)
        new._options = dict(self._options)
        return new


class LeverageShap(Algorithm):
    """Leverage SHAP: Shapley values from a leverage-sampled regression over coalitions,
    with standard errors, stopping early at ``tol``. Tables: ``max_evals`` coalitions
    (each a model row per background row), ``tol``, ``groups``, ``rows_per_call``,
    ``batch_size``, ``random_state``; texts: ``max_evals`` (or ``budget``) model rows,
    ``tol``, ``batch_size``, ``adjust``; images: the same over ``segments``
    (``n_segments``, ``baseline``).

        >>> LeverageShap(max_evals=300, random_state=0).implementation("tabular").name
        'leverage'
    """

    name = "leverage"
    random_state = None
    implementations = {"tabular": TabularLeverage, "text": TokenLeverage, "image": SegmentLeverage}
    spellings = _BUDGET


class MsrShap(LeverageShap):
    """Regression-adjusted Monte Carlo Shapley values on Leverage SHAP's coalitions
    (``adjust="tree"`` or ``"linear"``); options as :class:`LeverageShap`."""

    name = "msr"
    implementations = {"tabular": TabularMsr, "text": TokenMsr, "image": SegmentMsr}


class SampledShapley(Algorithm):
    """Shapley values from random orders of the players (antithetic pairs), with
    standard errors; every sample adds up to f(x) − f(all hidden). Texts: ``max_evals``
    (or ``budget``) model rows, ``batch_size``, ``random_state``; images: the same over
    ``segments`` (``n_segments``, ``baseline``)."""

    name = "shapley"
    random_state = None
    implementations = {"text": TokenShapley, "image": SegmentShapley}
    spellings = _BUDGET


class Lime(Algorithm):
    """LIME: a weighted ridge fit to the model on random masks of the players. Tables:
    ``n_samples``, ``kernel_width``, ``alpha``, ``batch_size``, ``rows_per_call``,
    ``random_state``; texts and images: ``n_samples`` (or ``budget``), ``kernel_width``,
    ``alpha``, ``batch_size``, ``random_state`` (images: ``segments``, ...)."""

    name = "lime"
    random_state = None
    implementations = {"tabular": TabularLime, "text": TextLime, "image": SegmentLime}
    spellings = {"text": {"n_samples": "budget"}, "image": {"n_samples": "budget"}}


class Occlusion(Algorithm):
    """Each player hidden in turn: a text's tokens (``batch_size``), an image's patches
    (``window``, ``stride``, ``baseline``, ``batch_size``)."""

    name = "occlusion"
    implementations = {"text": TokenOcclusion, "image": ImageOcclusion}


class IntegratedGradients(Algorithm):
    """Integrated gradients (torch and Keras models): ``n_steps`` Gauss–Legendre nodes,
    doubled up to ``max_steps`` while completeness misses by over 1%, from ``baseline``
    (tables: the background mean; images: 0, ``"mean"``, ``"blur"`` or an array) or
    ``baseline_id`` (texts: a token id in the embedding), ``batch_size``."""

    name = "integrated_gradients"
    implementations = {
        "tabular": TabularIntegratedGradients,
        "text": TokenIntegratedGradients,
        "image": ImageIntegratedGradients,
    }


class GradientXInput(Algorithm):
    """Gradient × (input − baseline) (torch models): images ``baseline``, texts
    ``baseline_id`` in the embedding; ``batch_size``."""

    name = "gradient_x_input"
    implementations = {"text": TokenGradientXInput, "image": ImageGradientXInput}

"""Agreement between explainers: run several methods on one instance and measure how
much their attributions agree, pair by pair.

- ``spearman``: rank correlation of the attributions (signed) of the explained output.
- ``top_k``: the share of the ``k`` largest-|attribution| features the two have in common.
- ``sign_disagreements``: features both methods call important (|value| above 5% of the
  method's largest) with opposite signs.

:class:`Comparison` holds the explanations and that table: what ``ll.compare_methods``
returns (in the caller's thread) and ``ll.compare(...).wait()`` gives.

    >>> import numpy as np
    >>> a, b = np.array([3.0, 2.0, 1.0, 0.5]), np.array([0.5, 1.0, 2.0, 3.0])
    >>> agreement(a, a, k=2)["spearman"], agreement(a, b, k=2)["spearman"]
    (1.0, -1.0)
"""

from __future__ import annotations

from itertools import combinations
from numbers import Integral
from typing import Any, NamedTuple

import numpy as np

from ..errors import InputError, MethodError
from ..explainers.base import Explainer
from ..explanation import Explanation
from . import results as _results

TOP_K = 5
COLUMNS = [
    "method_a",
    "method_b",
    "spearman",
    "top_k",
    "k",
    "n_sign_disagreements",
    "sign_disagreements",
]
IMPORTANT = 0.05  # a value above 5% of a method's largest |value| counts for sign checks


def _ranks(v: np.ndarray) -> np.ndarray:
    from scipy.stats import rankdata

    return rankdata(v)


def agreement(
    a: np.ndarray, b: np.ndarray, *, k: int = TOP_K, names: list[str] | None = None
) -> dict[str, Any]:
    """Spearman correlation, top-k overlap and sign disagreements of two attribution
    vectors of one output."""
    a, b = np.asarray(a, float).ravel(), np.asarray(b, float).ravel()
    if a.shape != b.shape:
        raise InputError(
            f"attributions of {a.size} and {b.size} values",
            fix="compare explanations of the same instance",
        )
    ra, rb = _ranks(a), _ranks(b)
    if np.std(ra) == 0 or np.std(rb) == 0:
        rho = float("nan")
    else:
        rho = float(np.corrcoef(ra, rb)[0, 1])
    k = max(1, min(int(k), a.size))
    ta = set(np.argsort(-np.abs(a), kind="stable")[:k].tolist())
    tb = set(np.argsort(-np.abs(b), kind="stable")[:k].tolist())
    big_a = np.abs(a) > IMPORTANT * max(np.abs(a).max(), 1e-300)
    big_b = np.abs(b) > IMPORTANT * max(np.abs(b).max(), 1e-300)
    flip = np.flatnonzero(big_a & big_b & (np.sign(a) != np.sign(b)))
    label = (lambda j: names[j]) if names is not None else str
    return {
        "spearman": round(rho, 12),
        "top_k": len(ta & tb) / k,
        "k": k,
        "sign_disagreements": [label(int(j)) for j in flip],
    }


def _method_name(m: Any, i: int) -> str:
    if isinstance(m, str):
        return m
    return getattr(m, "name", None) or f"{type(m).__name__} {i}"


# the default methods by modality: two Shapley estimators of different kinds and LIME
DEFAULTS = {
    "text": ("shapley", "leverage", "lime"),
    "image": ("occlusion", "shapley", "lime"),
}


def default_methods(model: Any, x: Any, *, background: Any = None, **options: Any) -> list[str]:
    """Exact Shapley values, Kernel SHAP and LIME for a row of up to 12 features (Leverage
    SHAP instead of exact above, as ``method="auto"``); each modality's own otherwise."""
    from ..inputs import detect_modality, normalise
    from ..inputs._polars import from_polars
    from ..plans.tabular import AUTO_EXACT_MAX

    kind = detect_modality(normalise(x, model), options.get("modality"), from_polars(background))
    if kind != "tabular":
        return list(DEFAULTS[kind])
    from ..api import plan

    names = {k: v for k, v in options.items() if k in ("feature_names", "model_output")}
    d = plan(model, x, background=background, method="lime", **names).instance.d
    return ["exact" if d <= AUTO_EXACT_MAX else "leverage", "kernel", "lime"]


def run_methods(
    model: Any,
    x: Any,
    methods: list[Any],
    *,
    background: Any = None,
    random_state: int | None = None,
    **options: Any,
):
    """Yield ``(label, explanation)`` for each method (a name or an explainer object)."""
    from ..api import plan

    if isinstance(methods, (str, bytes)) or not hasattr(methods, "__iter__"):
        raise MethodError(
            f"methods={methods!r}", fix="pass a list of methods, e.g. ['exact', 'kernel']"
        )
    methods = list(methods)
    if len(methods) < 2:
        raise MethodError(
            f"{len(methods)} method(s) to compare: agreement is measured between pairs",
            fix="pass two methods or more, e.g. methods=['exact', 'kernel', 'lime']",
        )
    seen: dict[str, int] = {}
    for i, m in enumerate(methods):
        label = _method_name(m, i)
        seen[label] = seen.get(label, 0) + 1
        if seen[label] > 1:
            label = f"{label} ({seen[label]})"
        if isinstance(m, str):
            p = plan(
                model, x, background=background, method=m, random_state=random_state, **options
            )
        elif isinstance(m, Explainer) or hasattr(m, "stream"):
            p = plan(model, x, background=background, random_state=random_state, **options)
            m.check(p.model, p.instance)  # refused now, not when the run gets to it
            p = type(p)(model=p.model, instance=p.instance, explainer=m)
        else:
            raise MethodError(
                f"methods[{i}] is a {type(m).__name__}",
                fix="give method names ('exact', 'lime'...) or explainer objects",
            )
        yield label, p


def table(
    labels: list[str], exps: list[Explanation], *, k: int = TOP_K, output: int | str | None = None
):
    """The agreement DataFrame: one row per pair of methods."""
    import pandas as pd

    rows = []
    first = exps[0]
    i = first.output_index(output)
    name = first.output_names[i]
    names = list(first.feature_names) if first.feature_names is not None else None
    for (la, ea), (lb, eb) in combinations(zip(labels, exps), 2):
        va = _values(ea, name, i)
        vb = _values(eb, name, i)
        got = agreement(va, vb, k=k, names=names if names and len(names) == va.size else None)
        rows.append(
            {
                "method_a": la,
                "method_b": lb,
                **got,
                "n_sign_disagreements": len(got["sign_disagreements"]),
            }
        )
    return pd.DataFrame(rows, columns=COLUMNS)


def plan_comparison(
    model: Any,
    x: Any,
    methods: list[Any] | None = None,
    *,
    background: Any = None,
    top_k: int = TOP_K,
    random_state: int | None = None,
    **options: Any,
) -> tuple[list[tuple[str, Any]], int]:
    """Every method planned now (``(label, plan)`` each) and ``top_k`` checked, so bad
    input fails at the call, for :func:`limelight.compare_methods` and ``ll.compare`` alike."""
    if isinstance(top_k, (bool, np.bool_)) or not isinstance(top_k, Integral) or top_k < 1:
        raise InputError(f"top_k={top_k!r}", fix="use a whole number of features >= 1")
    if methods is None:
        methods = default_methods(model, x, background=background, **options)
    plans = list(
        run_methods(model, x, methods, background=background, random_state=random_state, **options)
    )
    return plans, int(top_k)


class Comparison(NamedTuple):
    """Several methods' explanations of one instance and how far they agree: what
    :func:`limelight.compare_methods` returns and ``ll.compare(...).wait()`` gives. It unpacks
    as ``explanations, agreement = ...``; ``to_frame()`` is the agreement table (one row
    per pair of methods); ``.save("c.json")`` and ``ll.load`` keep both.

        >>> import numpy as np, limelight as ll
        >>> X = np.random.default_rng(0).normal(size=(30, 3))
        >>> c = ll.compare_methods(lambda B: B @ [1.0, 2.0, -1.0], X[0], ["exact", "exact"], background=X)
        >>> c
        Comparison(methods=['exact', 'exact (2)'], output 'output', spearman 1.000 to 1.000)
        >>> exps, table = c; list(exps)
        ['exact', 'exact (2)']
    """

    explanations: dict[str, Explanation]
    agreement: Any  # a pandas DataFrame, one row per pair of methods

    @property
    def methods(self) -> list[str]:
        """The methods' labels, in the order they ran."""
        return list(self.explanations)

    def to_frame(self):
        """The agreement table: ``method_a``, ``method_b``, ``spearman``, ``top_k``, ``k``,
        ``n_sign_disagreements``, ``sign_disagreements``."""
        return self.agreement.copy()

    def __repr__(self) -> str:
        rho = self.agreement["spearman"].astype(float)
        first = next(iter(self.explanations.values()), None)
        out = first.output_names[first.output_index(None)] if first is not None else "?"
        span = f"spearman {rho.min():.3f} to {rho.max():.3f}" if rho.notna().any() else ""
        return f"Comparison(methods={self.methods}, output {out!r}, {span})"

    def __eq__(self, other: object) -> bool:
        return _results.same(self, other)

    def __ne__(self, other: object) -> bool:
        return not self == other

    __hash__ = None  # type: ignore[assignment]

    def save(self, path: Any, *, overwrite: bool = True, include_data: bool = True):
        """Write ``.json`` (``ll.load`` reads it back); ``include_data=False`` leaves each
        explanation's raw input out."""
        if include_data:
            return _results.save_json(self, path, overwrite=overwrite)
        from ..export import redact

        exps = {k: redact(e) for k, e in self.explanations.items()}
        return _results.save_json(Comparison(exps, self.agreement), path, overwrite=overwrite)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: the header, each explanation's dict, the agreement rows."""
        return {
            **_results.header("comparison"),
            "explanations": {k: e.to_dict() for k, e in self.explanations.items()},
            "agreement": self.agreement.to_dict("records"),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Comparison:
        """Inverse of :meth:`to_dict` (a null Spearman read back as NaN)."""
        import pandas as pd

        exps = {k: _loaded(e) for k, e in d["explanations"].items()}
        frame = pd.DataFrame(d["agreement"], columns=COLUMNS)
        frame = frame.astype({"spearman": float, "top_k": float, "k": int})
        return cls(exps, frame.astype({"n_sign_disagreements": int}))


def _loaded(d: dict) -> Explanation:
    exp = Explanation.from_dict(d)
    if isinstance(exp.quality, dict):  # the quality numbers it was saved with
        from ..quality import Quality

        exp.quality = Quality.from_dict(exp.quality)
    return exp


def _values(exp: Explanation, name: str, fallback: int) -> np.ndarray:
    i = exp.output_names.index(name) if name in exp.output_names else fallback
    return np.asarray(exp.values[i], float).ravel()

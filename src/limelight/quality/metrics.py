"""The field's standard explanation-quality metrics, each with the exact definition and
parameters beside its number (``e.quality.sparseness.params``), following Quantus's
definitions (Hedström et al., 2023):

- **faithfulness_correlation** (Bhatt et al., 2020): over ``n_subsets`` random subsets S of
  ``subset_size`` players, the Pearson correlation between ``sum(phi[S])`` and the output
  drop ``f(x) - f(x with S hidden)`` (hidden as the quality curves hide them: features
  from the background, tokens masked, segments set to the baseline).
- **max_sensitivity** (Yeh et al., 2019): the largest ``||phi(x + d) - phi(x)|| / ||phi(x)||``
  over ``samples`` draws of ``d`` uniform in the L-inf ball of ``radius`` (per feature, in
  units of its background standard deviation unless ``scale=None``), re-running the
  explanation's own method and options (and seed) at each point.
- **sparseness** (Chalasani et al., 2020): the Gini index of ``|phi|`` (0: uniform, ``1 - 1/n``:
  one player holds it all). **complexity**: the entropy of ``|phi| / sum|phi|`` (nats).
- **randomisation** (Adebayo et al., 2018): the Spearman correlation between ``phi`` and
  the explanation of a copy of the model whose layers are re-drawn from the top,
  cumulatively; it passes when the fully randomised model's explanation correlates
  below ``threshold`` (an explanation that ignores the model fails).
- **stability**: ``seeds`` runs of a sampling method with different ``random_state``: the
  mean pairwise Spearman correlation and the largest difference relative to
  ``|f(x) - base|``.

A one-hot attribution is as sparse as ``d`` players allow:

    >>> sparseness(np.eye(4)[0]).value, round(complexity(np.ones(4)).value, 6)
    (0.75, 1.386294)
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

import numpy as np

from ..errors import InputError, MethodError

NAMES = (
    "faithfulness_correlation",
    "max_sensitivity",
    "sparseness",
    "complexity",
    "randomisation",
    "stability",
)


@dataclass
class Metric:
    """One metric's ``value`` (None where it does not apply: ``note`` says why), the
    ``params`` that define it, ``passed`` for the checks that pass or fail, ``detail``
    (per layer, per seed), and the ``seconds`` it took."""

    name: str
    value: float | None
    params: dict[str, Any] = field(default_factory=dict)
    passed: bool | None = None
    detail: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0
    note: str = ""

    def __float__(self) -> float:
        return float("nan") if self.value is None else float(self.value)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "value": self.value,
            "params": dict(self.params),
            "passed": self.passed,
            "detail": dict(self.detail),
            "seconds": self.seconds,
            "note": self.note,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Metric:
        keys = ("name", "value", "params", "passed", "detail", "seconds", "note")
        found = {k: d[k] for k in keys if d.get(k) is not None}
        return cls(**{"value": float("nan"), **found})  # a NaN value was written as null


def _flat(phi: Any) -> np.ndarray:
    a = np.abs(np.nan_to_num(np.asarray(phi, float).reshape(-1)))
    return a


def sparseness(phi: Any) -> Metric:
    """Gini index of ``|phi|``: ``sum_i (2i - n - 1) a_(i) / (n sum a)``, ``a`` sorted up."""
    a = np.sort(_flat(phi))
    n, total = len(a), a.sum()
    value = float(np.sum((2 * np.arange(1, n + 1) - n - 1) * a) / (n * total)) if total else None
    params = {"definition": "Gini index of |phi| (Chalasani et al. 2020)", "players": n}
    return Metric("sparseness", value, params, note="" if total else "every value is 0")


def complexity(phi: Any) -> Metric:
    """Entropy (nats) of ``|phi| / sum|phi|``: 0 for one player, ``log n`` for uniform."""
    a = _flat(phi)
    total = a.sum()
    value = None
    if total:
        p = a[a > 0] / total
        value = float(-(p * np.log(p)).sum())
    params = {"definition": "entropy of |phi|/sum|phi| in nats (Bhatt et al. 2020)"}
    params["players"] = len(a)
    return Metric("complexity", value, params, note="" if total else "every value is 0")


def faithfulness_correlation(
    players: Any, *, subset_size: int | None = None, n_subsets: int = 100, seed: int = 0
) -> Metric:
    """Pearson correlation of ``sum(phi[S])`` and ``f(x) - f(x without S)`` over random
    subsets of ``subset_size`` players (default: a quarter of them, at least one)."""
    phi = np.asarray(players.scores, float)
    n = len(phi)
    size = max(1, n // 4) if subset_size is None else int(subset_size)
    if not 1 <= size <= n or int(n_subsets) < 2:
        raise InputError(
            f"subset_size={subset_size}, n_subsets={n_subsets} for {n} players",
            fix=f"use 1 <= subset_size <= {n} and n_subsets >= 2",
        )
    rng = np.random.default_rng(seed)
    hidden = np.zeros((int(n_subsets), n), bool)
    for row in hidden:
        row[rng.choice(n, size, replace=False)] = True
    out = np.asarray(players.evaluate(np.vstack([np.ones((1, n), bool), ~hidden])), float)
    drop, summed = out[0] - out[1:], hidden.astype(float) @ phi
    value, note = None, ""
    if np.std(drop) == 0 or np.std(summed) == 0:
        note = "the drops or the sums do not vary over the subsets: no correlation"
    else:
        value = float(np.corrcoef(summed, drop)[0, 1])
    params = {
        "definition": "Pearson(sum phi[S], f(x) - f(x with S hidden)) (Bhatt et al. 2020)",
        "subset_size": size,
        "n_subsets": int(n_subsets),
        "baseline": players.baseline,
        "seed": seed,
    }
    return Metric("faithfulness_correlation", value, params, note=note)


def _norm(v: np.ndarray, norm: str) -> float:
    return float(np.abs(v).max(initial=0.0) if norm == "linf" else np.linalg.norm(v))


def max_sensitivity(
    rerun: Any,
    *,
    radius: float = 0.1,
    samples: int = 10,
    norm: str = "l2",
    scale: Any = "std",
    seed: int = 0,
) -> Metric:
    """``max_k ||phi(x + d_k) - phi(x)|| / ||phi(x)||``, ``d_k`` uniform in
    ``[-radius s_j, radius s_j]`` per numeric feature (``s_j``: its background standard
    deviation, or 1 with ``scale=None``)."""
    if norm not in ("l2", "linf"):
        raise InputError(f"norm={norm!r}", fix="use norm='l2' or 'linf'")
    if not radius > 0 or int(samples) < 1:
        raise InputError(f"radius={radius}, samples={samples}", fix="use radius > 0, samples >= 1")
    x, s = rerun.numeric_point(scale)
    phi = rerun.phi
    rng = np.random.default_rng(seed)
    deltas = rng.uniform(-1.0, 1.0, size=(int(samples), len(x))) * radius * s
    denom = _norm(phi, norm)
    ratios = [_norm(rerun.at(x + d) - phi, norm) / (denom or 1.0) for d in deltas]
    params = {
        "definition": "max ||phi(x+d) - phi(x)|| / ||phi(x)||, d uniform in an L-inf ball "
        "(Yeh et al. 2019)",
        "radius": radius,
        "scale": "background std per feature" if scale == "std" else "absolute",
        "samples": int(samples),
        "norm": norm,
        "seed": seed,
        "method": rerun.method,
    }
    note = "" if denom else "phi(x) is 0: the ratio is taken against 1"
    return Metric("max_sensitivity", float(max(ratios)), params, note=note)


def _spearman(a: np.ndarray, b: np.ndarray) -> float:
    from scipy.stats import spearmanr

    if np.array_equal(a, b):  # equal runs: 1 exactly (scipy can give 1 - 2e-16)
        return 1.0
    if np.ptp(a) == 0 or np.ptp(b) == 0:
        return 1.0 if np.allclose(a, b) else 0.0
    return float(spearmanr(a, b).statistic)


def randomisation(rerun: Any, *, threshold: float = 0.5, seed: int = 0) -> Metric:
    """Spearman correlation of ``phi`` with the explanation of a copy of the model whose
    parameterised layers are re-initialised from the top, cumulatively (Adebayo et al.)."""
    layers = []
    for name, phi_r in rerun.randomised(seed):
        layers.append((name, _spearman(rerun.phi, phi_r)))
    last = layers[-1][1]
    params = {
        "definition": "Spearman(phi, phi of the model with its top layers re-drawn, "
        "cumulatively) (Adebayo et al. 2018)",
        "order": "top down, cumulative",
        "reinit": "each layer's reset_parameters() (torch's default initialisation)",
        "similarity": "Spearman rank correlation of the signed values",
        "threshold": threshold,
        "seed": seed,
        "method": rerun.method,
    }
    detail = {"layers": [n for n, _ in layers], "correlations": [c for _, c in layers]}
    return Metric("randomisation", last, params, passed=bool(last < threshold), detail=detail)


def stability(rerun: Any, *, seeds: int = 5) -> Metric:
    """Mean pairwise Spearman correlation of ``seeds`` runs with different
    ``random_state`` (deterministic methods: the same options rerun), and the largest
    absolute difference between runs relative to ``|f(x) - base|``."""
    if int(seeds) < 2:
        raise InputError(f"seeds={seeds}", fix="use seeds >= 2")
    used, runs = rerun.seeded_runs(int(seeds))
    pairs = list(combinations(range(len(runs)), 2))
    rho = float(np.mean([_spearman(runs[i], runs[j]) for i, j in pairs]))
    spread = max(float(np.abs(runs[i] - runs[j]).max(initial=0.0)) for i, j in pairs)
    scale = rerun.delta or float(np.abs(rerun.phi).max(initial=0.0)) or 1.0
    params = {
        "definition": "mean pairwise Spearman over runs with different random_state",
        "seeds": used,
        "runs": len(runs),
        "method": rerun.method,
    }
    detail = {"max_abs_diff": spread / scale, "relative_to": "|f(x) - base|"}
    return Metric("stability", rho, params, detail=detail)


def measure(name: str, source: Any, **params: Any) -> Metric:
    """Compute metric ``name`` for ``source`` (a :class:`~.reruns.Source`)."""
    if name not in NAMES:
        raise InputError(f"no quality metric named {name!r}", fix=f"use one of {NAMES}")
    t0 = time.perf_counter()
    if name in ("sparseness", "complexity"):
        m = (sparseness if name == "sparseness" else complexity)(source.phi, **params)
    elif name == "faithfulness_correlation":
        m = faithfulness_correlation(source.players(), **params)
    else:
        rerun = source.rerun(name)
        fn = {"max_sensitivity": max_sensitivity, "randomisation": randomisation}
        m = fn.get(name, stability)(rerun, **params)
    m.seconds = round(time.perf_counter() - t0, 4)
    return m


def not_applicable(name: str, exc: MethodError) -> Metric:
    return Metric(name, None, note=exc.problem + (f" ({exc.fix})" if exc.fix else ""))

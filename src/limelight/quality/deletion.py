"""The deletion and insertion curves of one explanation's ranking of its players, and of
random orders, in one batched call of :class:`~.players.Players`'s ``evaluate``."""

from __future__ import annotations

from typing import Any

import numpy as np

from .players import Players

MAX_STEPS = 20  # points per curve: players are removed in this many equal steps at most
N_RANDOM = 4  # random orders (each gives a deletion and, reversed, an insertion curve)


def _grid(n: int) -> np.ndarray:
    steps = min(n, MAX_STEPS)
    return np.unique((np.arange(steps + 1) * n) // steps)


def _area(fr: np.ndarray, g: np.ndarray) -> float:
    return float(np.sum((g[1:] + g[:-1]) / 2 * np.diff(fr)))


def curves(p: Players, *, n_random: int = N_RANDOM, random_state: Any = 0) -> dict[str, Any]:
    """Deletion and insertion curves of ``p``'s ranking and of random orders, in one call."""
    n = len(p.scores)
    ks = _grid(n)
    # the players that push the output towards the prediction first (when it lies below
    # the reference, those are the negative ones)
    direction = 1.0 if p.scores.sum() >= 0 else -1.0
    order = np.argsort(-direction * p.scores, kind="stable")
    rng = np.random.default_rng(random_state)
    randoms = [rng.permutation(n) for _ in range(n_random)]

    def hidden_first(o: np.ndarray, keep_first: bool) -> np.ndarray:
        rank = np.empty(n, int)
        rank[o] = np.arange(n)
        first = rank[None, :] < ks[:, None]  # (steps, n): the first k of the order
        return first if keep_first else ~first

    masks = [hidden_first(order, False), hidden_first(order, True)]
    masks += [hidden_first(r, False) for r in randoms]
    out = np.asarray(p.evaluate(np.concatenate(masks)), dtype=float).reshape(len(masks), -1)
    full, empty = out[0, 0], out[0, -1]
    # scaled by the largest move from "all hidden" (|f(x) - f(empty)| when no subset
    # overshoots), so a prediction near the reference does not blow the areas up
    span = np.sign(full - empty or 1.0) * np.abs(out - empty).max()
    fr = ks / n
    if abs(span) < 1e-12 * max(1.0, abs(full)):
        nan = float("nan")
        return {
            "deletion": nan,
            "insertion": nan,
            "random_deletion": nan,
            "random_insertion": nan,
            "players": n,
            "extra_rows": int(out.size * p.rows),
            "curves": {"fractions": fr.tolist()},
        }
    g = (out - empty) / span
    rnd_del = g[2:].mean(axis=0)
    # a random order's deletion read backwards is a random order's insertion
    rnd_ins = g[2:, ::-1].mean(axis=0)
    fr_ins = 1 - fr[::-1]
    return {
        "deletion": round(_area(fr, g[0]), 6),
        "insertion": round(_area(fr, g[1]), 6),
        "random_deletion": round(_area(fr, rnd_del), 6),
        "random_insertion": round(_area(fr_ins, rnd_ins), 6),
        "players": n,
        "extra_rows": int(out.size * p.rows),
        "curves": {
            "fractions": fr.tolist(),
            "deletion": g[0].tolist(),
            "insertion": g[1].tolist(),
            "random_deletion": rnd_del.tolist(),
            "random_insertion_fractions": fr_ins.tolist(),
            "random_insertion": rnd_ins.tolist(),
        },
    }

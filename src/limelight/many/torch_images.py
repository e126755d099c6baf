"""Many images through one torch module: the gradients (and predictions) that several
images' explainers ask for at once go to the module as one batch.

Each image is planned and explained as ``ll.attribute`` does it; its model is a stand-in
whose calls wait in a :class:`GradPool` until every image being explained is waiting,
then run together: predictions of one input size concatenated, gradient requests with the
same number of targets as one forward pass and one backward pass per target (the target
of each row picked with ``gather``; integrated gradients' weights applied per row and
summed per image). Only the thread that empties the pool touches the module, and planning
(the probe call) holds the pool's lock, so the module is never run from two threads at
once, and each call goes through the run's own view of it (:mod:`..models._torch_state`),
so the user's module is never changed. A request
that fails is retried alone, so an image the model fails on fails alone.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._cancel import check as check_cancelled
from ..errors import Cancelled, LimelightError
from .batch import CallPool
from .item_run import _Item


class GradPool(CallPool):
    """A :class:`CallPool` of torch requests: ``("predict", model)``, ``("grad", model,
    targets, weights)`` joined with their like; ``("call", fn)`` run alone."""

    def __init__(self) -> None:
        super().__init__(None, n_outputs=0)

    def _groups(self, reqs: list[Any]) -> list[list[Any]]:
        groups: dict[tuple, list[Any]] = {}
        for r in reqs:
            kind = r.fn[0]
            if kind == "grad":
                key = (kind, len(r.fn[2]), r.fn[3] is None, np.shape(r.batch)[1:])
            elif kind == "predict":
                key = (kind, np.shape(r.batch)[1:])
            else:
                key = (kind, id(r))
            groups.setdefault(key, []).append(r)
        return list(groups.values())

    def _run(self, group: list[Any]) -> None:
        try:
            kind = group[0].fn[0]
            if kind == "call":
                group[0].out = group[0].fn[1]()
                return
            outs = _joint_gradients(group) if kind == "grad" else _joint_predict(group)
            for r, out in zip(group, outs):
                r.out = out
            self.calls += 1
            self.rows += sum(len(r.batch) for r in group if r.batch is not None)
        except Cancelled:
            raise  # the run stops: every thread
        except (LimelightError, Exception) as exc:  # noqa: BLE001 - this image's failure
            if len(group) == 1:
                group[0].error = exc
                return
            for r in group:  # find the requests that fail: each alone
                self._run([r])


def _slices(group: list[Any]) -> list[slice]:
    out, a = [], 0
    for r in group:
        out.append(slice(a, a + len(r.batch)))
        a += len(r.batch)
    return out


def _joint_predict(group: list[Any]) -> list[np.ndarray]:
    model = group[0].fn[1]
    batch = group[0].batch if len(group) == 1 else np.concatenate([r.batch for r in group])
    out = model.predict(batch)
    return [out[s] for s in _slices(group)]


def _joint_gradients(group: list[Any]) -> list[tuple[np.ndarray, np.ndarray]]:
    """``TorchModel.gradients`` of every request in one forward and one backward pass per
    target position; each row's own target picked, weights per row, sums per request."""
    from ..models.base import check_finite
    from ..models.torch import differentiate

    tm = group[0].fn[1]
    torch = tm._torch
    parts = _slices(group)
    batch = group[0].batch if len(group) == 1 else np.concatenate([r.batch for r in group])
    targets = np.concatenate([np.tile(r.fn[2], (len(r.batch), 1)) for r in group])
    weighted = group[0].fn[3] is not None
    with torch.enable_grad(), tm.view.calling():
        x = tm.tensor(batch, grad=True)
        out = tm.forward(x)
        w = None
        if weighted:
            w = torch.as_tensor(np.concatenate([r.fn[3] for r in group]), dtype=out.dtype)
        grads = []
        m = targets.shape[1]
        for j in range(m):
            idx = torch.as_tensor(targets[:, j], device=out.device)[:, None]
            picked = out.gather(1, idx)[:, 0]
            y = picked.sum() if w is None else (picked * w).sum()
            (g,) = differentiate(y, x, retain_graph=j < m - 1)
            grads.append(g.detach())
    scores = out.detach().to("cpu", torch.float64).numpy()
    results = []
    for s, r in zip(parts, group):
        gs = [g[s] if not weighted else g[s].sum(0) for g in grads]
        g = gs[0][None] if len(gs) == 1 else torch.stack(gs)
        g = check_finite(g.to("cpu", torch.float32).numpy(), "had gradients of", len(r.batch))
        results.append((g, scores[s]))
    return results


class PooledTorch:
    """One image's torch model as its explainer sees it: every call goes to the pool."""

    def __init__(self, pool: GradPool, inner: Any) -> None:
        self._pool, self._inner = pool, inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def predict(self, batch: Any) -> np.ndarray:
        check_cancelled()
        return self._pool.request(np.asarray(batch), ("predict", self._inner))

    def gradients(self, batch: np.ndarray, targets: Any, *, weights: Any = None):
        check_cancelled()
        spec = ("grad", self._inner, [int(t) for t in targets], weights)
        g, out = self._pool.request(np.asarray(batch), spec)
        self._inner.calls += 1
        self._inner.rows += len(batch)
        return g, out

    def layer_gradients(self, *args: Any) -> Any:
        return self._pool.request(None, ("call", lambda: self._inner.layer_gradients(*args)))


class TorchItem(_Item):
    """``ll.attribute`` of one image with its model calls pooled; planned under the
    pool's lock (the probe runs the module)."""

    def __init__(self, options: dict[str, Any], module: Any, pool: GradPool) -> None:
        super().__init__("image", options, lambda: module)
        self.pool = pool

    def explain(self, _model: Any, x: Any) -> Any:
        from ..plans import plan

        with self.pool.cv:
            p = plan(self.make(), x, modality="image", **self.options)
        p.model = PooledTorch(self.pool, p.model)
        return p.run()

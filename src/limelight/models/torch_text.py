"""PyTorch text classifiers with an embedding layer (optional ``torch`` extra).

The adapter tokenizes strings with the user's Hugging Face-style tokenizer, pads, runs
the module without gradients for perturbation methods, and exposes
:meth:`TorchTextModel.embedding_gradients` for gradient methods: the embedding layer's
output is swapped (by a forward hook) for the points on which gradients are wanted.

    >>> model = TorchTextModel(net, tokenizer=tok)          # doctest: +SKIP
    >>> model.predict(["a fine film"]).shape                # doctest: +SKIP
    (1, 2)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .._cancel import check as check_cancelled
from ..errors import InputError, ModelError
from ._torch_state import ModuleView, hook
from .base import Model
from .torch import differentiate


class TorchTextModel(Model):
    """A torch module called on padded token ids ``(n, L)`` returning ``(n, k)`` scores.

    ``output``: ``"softmax"`` (probabilities; default), ``"sigmoid"`` or ``"logits"``.
    ``embedding``: the ``nn.Embedding`` to attribute through (default: the first one).
    The module may return a tensor or an object with ``.logits``.
    """

    kind = "torch"
    differentiable = True

    def __init__(
        self,
        module: Any,
        *,
        tokenizer: Any,
        embedding: Any = None,
        output: str = "softmax",
        output_names: Sequence[str] | None = None,
        batch_size: int = 64,
        device: Any = None,
    ) -> None:
        import torch

        if output not in ("softmax", "sigmoid", "logits"):
            raise InputError(
                f"unknown output {output!r}", fix="use 'softmax', 'sigmoid' or 'logits'"
            )
        if tokenizer is None or not callable(tokenizer):
            raise InputError(
                "a torch model needs the tokenizer that made its token ids",
                fix="pass tokenizer=... (a Hugging Face-style tokenizer returning input_ids "
                "and, with return_offsets_mapping=True, offset_mapping)",
            )
        self.view = ModuleView(module)  # the run's own eval-mode copy, the user's weights
        self.module = self.view.module
        self.tokenizer = tokenizer
        self.output = output
        self.batch_size = int(batch_size)
        self.embedding = (
            self.view.of(embedding) if embedding is not None else _first_embedding(self.module)
        )
        pad = getattr(tokenizer, "pad_token_id", None)
        self.pad_id = int(pad) if pad is not None else 0
        self._torch = torch
        params = self.view.parameters
        self.device = (
            torch.device(device)
            if device is not None
            else params[0].device
            if params
            else torch.device("cpu")
        )
        super().__init__(list(output_names) if output_names is not None else [])

    # -- perturbation path: strings in, scores out -------------------------------------------
    def ids(self, texts: Sequence[str]) -> np.ndarray:
        """Padded token ids ``(n, L)`` for strings, made by the tokenizer one by one."""
        rows = [list(np.asarray(self.tokenizer(t)["input_ids"]).reshape(-1)) for t in texts]
        width = max(1, max(len(r) for r in rows))
        out = np.full((len(rows), width), self.pad_id, dtype=np.int64)
        for i, r in enumerate(rows):
            out[i, : len(r)] = r
        return out

    def _predict(self, batch: Any) -> np.ndarray:
        torch = self._torch
        texts = list(batch)
        outs = []
        with torch.no_grad(), self.view.calling():
            for start in range(0, len(texts), self.batch_size):
                outs.append(self._batch_scores(texts[start : start + self.batch_size]))
        out = np.concatenate(outs).astype(float)
        if not self.output_names:
            self.output_names = [str(i) for i in range(out.shape[1])]
        return out

    def _batch_scores(self, texts: list[str]) -> np.ndarray:
        ids = self._torch.as_tensor(self.ids(texts), device=self.device)
        return self._scores(self._forward(ids)).to("cpu", self._torch.float64).numpy()

    # -- gradient path ------------------------------------------------------------------------
    def embedding_gradients(
        self,
        ids: np.ndarray,
        *,
        alphas: np.ndarray,
        baseline_id: int | None = None,
        outputs: Sequence[int] | None = None,
        gradients: bool = True,
    ) -> tuple[np.ndarray | None, np.ndarray, np.ndarray]:
        """Gradients of the ``outputs`` (default every one) at ``base + alpha * (emb -
        base)`` for each alpha: one backward pass per output (none with
        ``gradients=False``: the scores only, grads None).

        Returns ``(grads (len(alphas), k, L, D), emb - base (L, D), scores (len(alphas), k))``
        over those k outputs; ``base`` is the embedding of ``baseline_id`` (one id for every position, or an
        array of ids, one per position), or zeros when it is None.
        """
        check_cancelled()
        with self.view.calling():
            if gradients:
                return self._embedding_gradients(ids, alphas, baseline_id, outputs, gradients)
            with self._torch.no_grad():
                return self._embedding_gradients(ids, alphas, baseline_id, outputs, gradients)

    def _embedding_gradients(self, ids, alphas, baseline_id, outputs, grad):
        torch = self._torch
        ids_t = torch.as_tensor(np.asarray(ids, dtype=np.int64).reshape(1, -1), device=self.device)
        with torch.no_grad():
            emb = self.embedding(ids_t)[0]
            if baseline_id is None:
                base = torch.zeros_like(emb)
            else:
                b = torch.as_tensor(np.asarray(baseline_id, dtype=np.int64), device=self.device)
                base = self.embedding(b.reshape(-1).expand(ids_t.shape[1]).reshape(1, -1))[0]
        delta = emb - base
        a = torch.as_tensor(np.asarray(alphas), dtype=emb.dtype, device=emb.device)
        a = a.reshape(-1, 1, 1)
        points = (base.unsqueeze(0) + a * delta.unsqueeze(0)).detach().requires_grad_(grad)
        handle = hook(self.embedding, lambda m, i, o: points, purpose="a gradient method")
        try:
            scores = self._scores(self._forward(ids_t.expand(len(a), -1)))
        finally:
            handle.remove()
        if not self.output_names:
            self.output_names = [str(i) for i in range(scores.shape[1])]
        chosen = list(range(scores.shape[1])) if outputs is None else list(outputs)
        scores = scores[:, chosen]
        k = len(chosen)
        if not grad:
            self.calls += 1
            self.rows += len(a)
            cpu = lambda t: t.to("cpu", torch.float64).numpy()  # noqa: E731
            return None, cpu(delta), cpu(scores)
        grads = []
        for j in range(k):
            (g,) = differentiate(scores[:, j].sum(), points, retain_graph=j < k - 1)
            grads.append(g)
        self.calls += 1
        self.rows += len(a)
        return (
            torch.stack(grads, dim=1).to("cpu", torch.float64).numpy(),
            delta.to("cpu", torch.float64).numpy(),
            scores.detach().to("cpu", torch.float64).numpy(),
        )

    def _forward(self, ids: Any) -> Any:
        try:
            out = self.module(ids)
        except Exception as exc:
            raise ModelError(
                f"the torch module raised {type(exc).__name__}: {exc} on token ids of shape "
                f"{tuple(ids.shape)}",
                fix="make the module accept a LongTensor of token ids (batch, length)",
            ) from exc
        out = getattr(out, "logits", out)
        if out.ndim == 1:
            out = out[:, None]
        return out

    def _scores(self, logits: Any) -> Any:
        if self.output == "softmax":
            return logits.softmax(dim=-1)
        if self.output == "sigmoid":
            return logits.sigmoid()
        return logits


def _first_embedding(module: Any) -> Any:
    import torch

    for sub in module.modules():
        if isinstance(sub, torch.nn.Embedding):
            return sub
    raise InputError(
        f"{type(module).__name__} has no torch.nn.Embedding layer",
        fix="pass embedding=<the layer that turns token ids into vectors>",
    )

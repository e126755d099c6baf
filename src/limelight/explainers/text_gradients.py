"""Gradient methods on token embeddings: gradient × input and integrated gradients.

Work on a :class:`~limelight.models.torch_text.TorchTextModel`. A token's value is the
sum over embedding dimensions of ``gradient × (embedding - baseline)``; special tokens
(empty offsets) are dropped, and sub-word pieces are summed into words when the instance
grouped them.

    >>> TokenIntegratedGradients(n_steps=32).n_steps
    32
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from ..errors import InputError, MethodError
from ..explanation import Explanation
from ..inputs.text import TextInstance
from ..models.base import Model
from .text import TextExplainer


class _EmbeddingGradients(TextExplainer):
    def __init__(self, *, baseline_id: int | None = None, batch_size: int = 16) -> None:
        super().__init__(batch_size=batch_size)
        self.baseline_id = baseline_id

    def _check(self, model: Model, instance: TextInstance) -> np.ndarray:
        if not getattr(model, "differentiable", False) or not hasattr(model, "embedding_gradients"):
            raise MethodError(
                f"{self.name} needs a torch model with an embedding layer",
                fix="use method='shapley', 'occlusion' or 'lime' for this model",
            )
        if "ids" not in instance.extras:
            raise InputError(
                "the text was not tokenized with the model's tokenizer",
                fix="pass tokenizer=<the Hugging Face-style tokenizer the model was trained with>",
            )
        return instance.extras["ids"]

    def _to_tokens(self, instance: TextInstance, per_id: np.ndarray) -> np.ndarray:
        """(k, n_ids) values -> (k, n_tokens): drop special tokens, sum grouped pieces."""
        kept = per_id[:, instance.extras["keep"]]
        groups = instance.extras.get("groups")
        if groups is None:
            return kept
        out = np.zeros((per_id.shape[0], len(instance)))
        np.add.at(out.T, groups, kept.T)
        return out

    def _final(self, model, instance, values, *, base, pred, n_evals, done, completeness):
        exp = self._explanation(
            model,
            instance,
            self._to_tokens(instance, values),
            base=base,
            pred=pred,
            n_evals=n_evals,
            done=done,
        )
        exp.extras["completeness_error"] = completeness
        return exp


class TokenGradientXInput(_EmbeddingGradients):
    """Gradient of each output times the token's embedding (minus the baseline's).

    >>> TokenGradientXInput().name
    'gradient_x_input'
    """

    name = "gradient_x_input"

    def stream(self, model: Model, instance: TextInstance) -> Iterator[Explanation]:
        ids = self._check(model, instance)
        grads, delta, scores = model.embedding_gradients(
            ids, alphas=np.array([0.0, 1.0]), baseline_id=self.baseline_id
        )
        values = np.einsum("kld,ld->kl", grads[1], delta)
        base, pred = scores[0], scores[1]
        err = np.abs(values.sum(axis=1) - (pred - base))
        yield self._final(
            model, instance, values, base=base, pred=pred, n_evals=2, done=True, completeness=err
        )


class TokenIntegratedGradients(_EmbeddingGradients):
    """Integrated gradients from the baseline embedding (zeros, or ``baseline_id``'s).

    Gauss–Legendre nodes on [0, 1] (``n_steps`` of them), evaluated ``batch_size`` at a
    time in an interleaved order so each partial is a coarser estimate of the same
    integral. ``extras["completeness_error"]`` is |sum of values - (f(x) - f(baseline))|
    before special tokens are dropped.

        >>> TokenIntegratedGradients(n_steps=50, baseline_id=0).baseline_id
        0
    """

    name = "integrated_gradients"

    def __init__(
        self, *, n_steps: int = 50, baseline_id: int | None = None, batch_size: int = 16
    ) -> None:
        super().__init__(baseline_id=baseline_id, batch_size=batch_size)
        if n_steps < 1:
            raise InputError(f"n_steps={n_steps}", fix="use n_steps >= 1")
        self.n_steps = int(n_steps)

    def stream(self, model: Model, instance: TextInstance) -> Iterator[Explanation]:
        ids = self._check(model, instance)
        nodes, weights = np.polynomial.legendre.leggauss(self.n_steps)
        alphas, weights = 0.5 * (nodes + 1.0), 0.5 * weights
        order = np.concatenate([np.arange(0, self.n_steps, 2), np.arange(1, self.n_steps, 2)])
        _, _, ends = model.embedding_gradients(  # the path's ends: scores, no backward pass
            ids, alphas=np.array([0.0, 1.0]), baseline_id=self.baseline_id, gradients=False
        )
        base, pred = ends[0], ends[1]
        acc, wsum, n_evals = None, 0.0, 2
        for start in range(0, self.n_steps, self.batch_size):
            idx = order[start : start + self.batch_size]
            grads, delta, _ = model.embedding_gradients(
                ids, alphas=alphas[idx], baseline_id=self.baseline_id
            )
            part = np.einsum("s,skld->kld", weights[idx], grads)
            acc = part if acc is None else acc + part
            wsum += weights[idx].sum()
            n_evals += len(idx)
            values = np.einsum("kld,ld->kl", acc / wsum, delta)
            err = np.abs(values.sum(axis=1) - (pred - base))
            yield self._final(
                model,
                instance,
                values,
                base=base,
                pred=pred,
                n_evals=n_evals,
                done=start + self.batch_size >= self.n_steps,
                completeness=err,
            )

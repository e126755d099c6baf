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
from ._completeness import MAX_STEPS, refined
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

    def _baseline(self, model: Model, ids: np.ndarray):
        """``baseline_id``, else the model's own default (transformers: special tokens
        kept, pad elsewhere), else None (zero embeddings)."""
        if self.baseline_id is not None:
            return self.baseline_id
        default = getattr(model, "baseline_ids", None)
        return None if default is None else default(ids)

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
        if self.name == "integrated_gradients":  # the only one of the two that adds up
            exp.params["additivity"] = _additivity(instance, values, pred - base)
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
            ids, alphas=np.array([0.0, 1.0]), baseline_id=self._baseline(model, ids)
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
    before special tokens are dropped; over 1% of the gap, the steps double up to
    ``max_steps`` (then a :class:`~limelight.explainers._completeness.CompletenessWarning`).

        >>> TokenIntegratedGradients(n_steps=50, baseline_id=0).baseline_id
        0
    """

    name = "integrated_gradients"

    def __init__(
        self,
        *,
        n_steps: int = 50,
        max_steps: int = MAX_STEPS,
        baseline_id: int | None = None,
        batch_size: int = 16,
    ) -> None:
        super().__init__(baseline_id=baseline_id, batch_size=batch_size)
        if n_steps < 1:
            raise InputError(f"n_steps={n_steps}", fix="use n_steps >= 1")
        self.n_steps = int(n_steps)
        self.max_steps = max(int(max_steps), self.n_steps)

    def stream(self, model: Model, instance: TextInstance) -> Iterator[Explanation]:
        ids = self._check(model, instance)
        baseline = self._baseline(model, ids)
        _, _, ends = model.embedding_gradients(
            ids, alphas=np.array([0.0, 1.0]), baseline_id=baseline, gradients=False
        )
        run = lambda steps: self._run(model, instance, ids, baseline, ends, steps)  # noqa: E731
        return refined(run, self.n_steps, self.max_steps)

    def _run(self, model, instance, ids, baseline, ends, n_steps: int) -> Iterator[Explanation]:
        nodes, weights = np.polynomial.legendre.leggauss(n_steps)
        alphas, weights = 0.5 * (nodes + 1.0), 0.5 * weights
        order = np.concatenate([np.arange(0, n_steps, 2), np.arange(1, n_steps, 2)])
        base, pred = ends[0], ends[1]
        acc, wsum, n_evals = None, 0.0, 2
        for start in range(0, n_steps, self.batch_size):
            idx = order[start : start + self.batch_size]
            grads, delta, _ = model.embedding_gradients(
                ids, alphas=alphas[idx], baseline_id=baseline
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
                done=start + self.batch_size >= n_steps,
                completeness=err,
            )


def _additivity(instance: TextInstance, per_id: np.ndarray, gap: np.ndarray) -> str:
    """What the shown values add up to, in words (the view's additivity line)."""
    keep = instance.extras["keep"]
    hidden = np.setdiff1d(np.arange(per_id.shape[1]), keep)
    share = per_id[:, hidden].sum(axis=1) if len(hidden) else np.zeros(len(gap))
    if len(hidden) == 0 or np.all(np.abs(share) <= 1e-9 + 1e-6 * np.abs(gap)):
        return "the token values add up to f(text) - f(baseline)" + (
            "; the special tokens ([CLS], [SEP]...) stay in the baseline" if len(hidden) else ""
        )
    return (
        f"the token values and the {len(hidden)} special tokens' share "
        f"({', '.join(f'{v:+.3g}' for v in share)}, not shown) add up to "
        "f(text) - f(baseline)"
    )

"""Hugging Face transformers text classifiers: a ``PreTrainedModel`` with its tokenizer, or
a ``pipeline("text-classification")`` (its model and tokenizer are used directly).

Batches are tokenized together, padded, and carry their ``attention_mask``, so padding
never changes an output: a document scores the same alone or in a batch. Inputs go to
the model's device (or ``device=``). Gradient methods attribute through the word
embeddings; the default baseline keeps the special tokens (``[CLS]``, ``[SEP]``) and
puts the pad token at every other position, so the values over the shown tokens add up
to ``f(text) - f(baseline)``.

    >>> m = HFTextModel(model, tokenizer=tok)             # doctest: +SKIP
    >>> m.predict(["a fine film", "dull"]).shape          # doctest: +SKIP
    (2, 2)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..errors import InputError, ModelError
from .torch_text import TorchTextModel


def _has_class(obj: Any, module_prefix: str, name: str) -> bool:
    return any(
        c.__module__.startswith(module_prefix) and c.__name__ == name for c in type(obj).__mro__
    )


def is_hf_model(obj: Any) -> bool:
    """True for a transformers ``PreTrainedModel`` (checked without importing it)."""
    return _has_class(obj, "transformers", "PreTrainedModel")


def is_hf_pipeline(obj: Any) -> bool:
    """True for a transformers ``Pipeline`` object."""
    return _has_class(obj, "transformers", "Pipeline")


def unwrap_pipeline(pipe: Any, tokenizer: Any = None) -> tuple[Any, Any, str]:
    """``(model, tokenizer, output)`` of a text-classification pipeline, with the score
    function the pipeline applies (``"softmax"``, ``"sigmoid"`` or ``"logits"``)."""
    task = getattr(pipe, "task", "text-classification")
    if task not in ("text-classification", "sentiment-analysis", None):
        raise ModelError(
            f"a {task!r} pipeline is not a text classifier",
            fix="pass a pipeline('text-classification', ...) or its model with tokenizer=",
        )
    if tokenizer is not None and tokenizer is not pipe.tokenizer:
        raise InputError(
            "tokenizer= was given with a pipeline, which has its own",
            fix="drop tokenizer= (the pipeline's tokenizer is used)",
        )
    fn = str(getattr(getattr(pipe, "function_to_apply", None), "value", "none")).lower()
    if fn == "none":  # what the pipeline decides from the config when not told
        cfg = pipe.model.config
        multi = cfg.problem_type == "multi_label_classification" or cfg.num_labels == 1
        fn = "sigmoid" if multi else "softmax"
    output = {"softmax": "softmax", "sigmoid": "sigmoid"}.get(fn, "logits")
    return pipe.model, pipe.tokenizer, output


def label_names(model: Any) -> list[str] | None:
    """The classes' names from ``model.config.id2label`` (in class order), if it has them."""
    id2label = getattr(getattr(model, "config", None), "id2label", None)
    if not id2label:
        return None
    return [str(id2label[i]) for i in sorted(id2label)]


class HFTextModel(TorchTextModel):
    """A transformers sequence classifier called on padded batches with attention masks.

    ``output``: ``"softmax"`` (default), ``"sigmoid"`` or ``"logits"``; ``output_names``
    default to the config's ``id2label``. Special tokens stay at their places in the
    gradient baseline (:meth:`baseline_ids`).
    """

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
        if tokenizer is None:
            raise InputError(
                f"a {type(module).__name__} needs the tokenizer it was trained with",
                fix="pass tokenizer=AutoTokenizer.from_pretrained(<the same checkpoint>), "
                "or a transformers pipeline",
            )
        if not getattr(tokenizer, "is_fast", False):
            raise InputError(
                f"the {type(tokenizer).__name__} is not a fast tokenizer, so it gives no "
                "character offsets to put highlights on the text",
                fix="load it with AutoTokenizer.from_pretrained(..., use_fast=True)",
            )
        if embedding is None:
            embedding = module.get_input_embeddings()
        super().__init__(
            module,
            tokenizer=tokenizer,
            embedding=embedding,
            output=output,
            output_names=output_names or label_names(module),
            batch_size=batch_size,
            device=device,
        )
        self.max_length = _max_length(module, tokenizer)

    def baseline_ids(self, ids: np.ndarray) -> np.ndarray:
        """The default gradient baseline: special tokens kept, every other id the pad id."""
        special = set(getattr(self.tokenizer, "all_special_ids", []))
        keep = np.isin(np.asarray(ids), sorted(special))
        return np.where(keep, ids, self.pad_id).astype(np.int64)

    def ids(self, texts: Sequence[str]) -> np.ndarray:
        return np.asarray(self._encode(list(texts))["input_ids"].cpu())

    def _encode(self, texts: list[str]) -> Any:
        enc = self.tokenizer(
            texts,
            padding=True,
            truncation=self.max_length is not None,
            max_length=self.max_length,
            return_tensors="pt",
        )
        return {k: v.to(self.device) for k, v in enc.items() if k != "token_type_ids"}

    def _batch_scores(self, texts: list[str]) -> np.ndarray:
        enc = self._encode(texts)
        logits = self._forward(enc["input_ids"], enc["attention_mask"])
        return self._scores(logits).to("cpu", self._torch.float64).numpy()

    def _forward(self, ids: Any, mask: Any = None) -> Any:
        if mask is None:  # the gradient path: one document, repeated, nothing padded
            mask = self._torch.ones_like(ids)
        try:
            out = self.module(input_ids=ids, attention_mask=mask)
        except Exception as exc:
            raise ModelError(
                f"the model raised {type(exc).__name__}: {exc} on token ids of shape "
                f"{tuple(ids.shape)}",
                fix="check that the tokenizer is the one the model was trained with",
            ) from exc
        out = getattr(out, "logits", out)
        return out[:, None] if out.ndim == 1 else out


def _max_length(module: Any, tokenizer: Any) -> int | None:
    """The most tokens the model takes (its position embeddings), if known."""
    limits = [
        getattr(getattr(module, "config", None), "max_position_embeddings", None),
        getattr(tokenizer, "model_max_length", None),
    ]
    limits = [int(v) for v in limits if isinstance(v, int) and 0 < v < 1_000_000]
    return min(limits) if limits else None

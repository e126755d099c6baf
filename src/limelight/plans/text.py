"""Planning a text explanation: tokenize, adapt the model, probe it, choose the method.

>>> from limelight.api import plan
>>> p = plan(lambda xs: [[s.count("good")] for s in xs], "a good day",
...          method="occlusion")
>>> p.run().values.tolist()
[[0.0, 1.0, 0.0]]
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import InputError, MethodError, ModelError
from ..explainers.base import Explainer
from ..explainers.registry import (
    Method,
    build,
    check_request,
    configured,
    entry_of,
    lookup,
    options_of,
)
from ..inputs.text import tokenize
from ..models._detect import is_torch_module
from ..models.hf import HFTextModel, is_hf_model, is_hf_pipeline, unwrap_pipeline
from ..models.text import TextModel, TextOutputs
from ..models.torch_text import TorchTextModel
from . import Plan
from .outputs import choose_outputs

#: the options every text explanation takes beside its method's
INPUT_OPTIONS = (
    "tokenizer",
    "tokens",
    "spans",
    "group_subwords",
    "masking",
    "mask_token",
    "output_names",
    "model_output",
    "embedding",
    "device",
)
LONG_TEXT = 300  # tokens; above this "auto" uses the hierarchical method
# "auto" below LONG_TEXT: Leverage SHAP from this many model rows per token, permutation
# Shapley below. Measured (bench/text.py, 201 tokens, 10 seeds, equal rows): at 8 per token
# recall@10 1.00 vs 0.98 and 0.85x the error; at 4, 1.00 vs 0.96 but 1.08x; at 2 Leverage
# is underdetermined (recall 0.10)
LEVERAGE_ROWS_PER_TOKEN = 8


def plan(
    model: Any,
    x: Any,
    *,
    background: Any = None,
    method: str | Explainer = "auto",
    output: Any = None,
    random_state: int | None = None,
    tokenizer: Any = None,
    tokens: Any = None,
    spans: Any = None,
    group_subwords: bool = False,
    masking: str = "remove",
    mask_token: str | None = None,
    output_names: Any = None,
    model_output: str = "auto",
    embedding: Any = None,
    device: Any = None,
    **options: Any,
) -> Plan:
    """Validate a text explanation and choose its explainer.

    ``method``: ``"auto"`` (integrated gradients for torch models, hierarchical Shapley
    above 300 tokens, sampled Shapley otherwise), ``"occlusion"``, ``"shapley"``,
    ``"hierarchical"``, ``"lime"``, ``"gradient_x_input"``, ``"integrated_gradients"``,
    or an explainer object. ``masking``: ``"remove"`` drops masked tokens, ``"token"``
    puts ``mask_token`` there. Method options: ``budget`` (most model rows for sampling
    methods, default 2000), ``batch_size``, ``n_steps``, ``max_steps`` (integrated
    gradients double ``n_steps`` up to it, default 400, while they miss completeness by
    over 1%), ``baseline_id``, ... ``model``: also a transformers ``PreTrainedModel`` (with
    ``tokenizer=``) or a text-classification ``pipeline`` (:mod:`limelight.models.hf`);
    ``device=`` for torch models.
    """
    check_request("text", method, options, INPUT_OPTIONS, random_state)
    if background is not None:
        raise InputError(
            "text explanations do not use a background",
            fix="leave background=None; choose masking='remove' or masking='token' instead",
        )
    adapted = None
    if is_hf_pipeline(model) or is_hf_model(model):
        adapted, tokenizer = _hf(model, tokenizer, embedding, output_names, model_output, device)
    instance = tokenize(
        x,
        tokenizer=tokenizer,
        tokens=tokens,
        spans=spans,
        group_subwords=group_subwords,
        masking=masking,
        mask_token=mask_token,
    )
    if adapted is not None:
        _check_length(adapted, instance)
    elif is_torch_module(model):
        adapted = TorchTextModel(
            model,
            tokenizer=tokenizer,
            embedding=embedding,
            output_names=output_names,
            device=device,
        )
    else:
        if device is not None:
            raise InputError("device= only applies to torch models", fix="drop device=")
        if embedding is not None:
            raise InputError("embedding= only applies to torch models", fix="drop embedding=")
        adapted = TextModel.from_any(model, output_names=output_names, output=model_output)
    entry = _method(method, adapted, len(instance), options.get("budget", 2000))
    scores = _probe(adapted, instance, gradient=entry.gradients)
    chosen = choose_outputs(adapted.output_names, output, scores=scores)
    used = adapted if chosen == list(range(adapted.n_outputs)) else TextOutputs(adapted, chosen)
    if isinstance(method, Explainer):
        explainer = configured("text", method, {})
    else:
        if method == "auto":  # options any text method takes: the chosen one's are used
            options = {k: v for k, v in options.items() if k in options_of(entry.impl)}
        explainer = build(
            "text", entry.name, options, random_state=random_state, inputs=INPUT_OPTIONS
        )
    explainer.check(used, instance)
    return Plan(model=used, instance=instance, explainer=explainer)


def _hf(model, tokenizer, embedding, output_names, model_output, device):
    """A transformers model or pipeline, adapted, and the tokenizer to split the text."""
    output = "softmax"
    if is_hf_pipeline(model):
        model, tokenizer, output = unwrap_pipeline(model, tokenizer)
    if model_output != "auto":
        output = {"proba": "softmax", "decision": "logits"}.get(model_output, model_output)
    adapted = HFTextModel(
        model,
        tokenizer=tokenizer,
        embedding=embedding,
        output=output,
        output_names=output_names,
        device=device,
    )
    return adapted, tokenizer


def _check_length(model: Any, instance: Any) -> None:
    n, limit = len(instance.extras.get("ids", [])), model.max_length
    if limit is not None and n > limit:
        raise InputError(
            f"the text is {n} tokens long and the model takes at most {limit}",
            fix=f"explain a shorter passage (under {limit} tokens), e.g. one paragraph",
        )


def _method(method: str | Explainer, model: Any, n_tokens: int, budget: Any = 2000) -> Method:
    if isinstance(method, Explainer):
        entry = entry_of("text", method)
    elif method == "auto":
        if model.kind == "torch":
            return lookup("text", "integrated_gradients")
        if n_tokens > LONG_TEXT:
            return lookup("text", "hierarchical")
        sampled = isinstance(budget, int) and budget >= LEVERAGE_ROWS_PER_TOKEN * n_tokens
        return lookup("text", "leverage" if sampled else "shapley")
    else:
        entry = lookup("text", method)
    if entry.gradients and model.kind != "torch":
        raise MethodError(
            f"{entry.name} needs gradients, and this model is a {type(model).__name__} "
            "without them",
            fix="use method='shapley', 'occlusion' or 'lime', or pass a torch module",
        )
    return entry


def _probe(model: Any, instance: Any, *, gradient: bool) -> np.ndarray:
    """One call on the text and one on perturbed copies, so failures show in the caller's
    cell. Returns the model's outputs on the text."""
    try:
        full = model.predict([instance.text])
    except ModelError as exc:
        raise ModelError(exc.problem, fix="check that the model takes a list of raw strings") from (
            exc.__cause__
        )
    if not np.all(np.isfinite(full)):
        raise ModelError(
            "the model returned NaN or infinite scores for the text",
            fix="return finite numbers",
        )
    if gradient:
        return full[0]
    n = len(instance)
    masks = np.ones((2, n), dtype=bool)
    masks[0, 0] = False
    masks[1] = False
    try:
        model.predict(instance.perturb(masks))
    except ModelError as exc:
        raise ModelError(
            "the model accepts the text but rejects a perturbed copy (with tokens "
            f"{'removed' if instance.masking == 'remove' else 'replaced by ' + repr(instance.mask_token)})"
            f": {exc.problem}",
            fix="make the model accept any string (including an empty one), or try "
            "masking='token' with a mask_token the model knows",
        ) from exc.__cause__
    model.calls, model.rows = 0, 0  # the probe is not part of the explanation's cost
    return full[0]

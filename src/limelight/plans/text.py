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
from ..explainers.text import HierarchicalShapley, Occlusion, SampledShapley
from ..explainers.text_lime import TextLime
from ..inputs.text import tokenize
from ..models.hf import HFTextModel, is_hf_model, is_hf_pipeline, unwrap_pipeline
from ..models.text import TextModel
from ..models.torch_text import TorchTextModel, is_torch_module
from . import Plan

METHODS = {
    "occlusion": "occlusion",
    "leave_one_out": "occlusion",
    "shapley": "shapley",
    "permutation": "shapley",
    "hierarchical": "hierarchical",
    "partition": "hierarchical",
    "lime": "lime",
    "gradient_x_input": "gradient_x_input",
    "grad_x_input": "gradient_x_input",
    "integrated_gradients": "integrated_gradients",
    "ig": "integrated_gradients",
}
GRADIENT_METHODS = ("gradient_x_input", "integrated_gradients")
LONG_TEXT = 300  # tokens; above this "auto" uses the hierarchical method


def plan(
    model: Any,
    x: Any,
    *,
    background: Any = None,
    method: str = "auto",
    output: int | str | None = None,
    random_state: int | None = None,
    tokenizer: Any = None,
    tokens: Any = None,
    spans: Any = None,
    group_subwords: bool = False,
    masking: str = "remove",
    mask_token: str | None = None,
    budget: int | None = None,
    batch_size: int | None = None,
    output_names: Any = None,
    model_output: str = "auto",
    n_steps: int = 50,
    max_steps: int | None = None,
    baseline_id: int | None = None,
    embedding: Any = None,
    device: Any = None,
) -> Plan:
    """Validate a text explanation and choose its explainer.

    ``method``: ``"auto"`` (integrated gradients for torch models, hierarchical Shapley
    above 300 tokens, sampled Shapley otherwise), ``"occlusion"``, ``"shapley"``,
    ``"hierarchical"``, ``"lime"``, ``"gradient_x_input"``, ``"integrated_gradients"``.
    ``masking``: ``"remove"`` drops masked tokens, ``"token"`` puts ``mask_token`` there.
    ``budget``: most model rows for sampling methods (default 2000). ``model``: also a
    transformers ``PreTrainedModel`` (with ``tokenizer=``) or a text-classification
    ``pipeline`` (see :mod:`limelight.models.hf`); ``device=`` for torch models.
    ``max_steps``: integrated gradients double ``n_steps`` up to this (default 400) while
    they miss completeness by over 1%.
    """
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
            model, tokenizer=tokenizer, embedding=embedding, output_names=output_names,
            device=device,
        )
    else:
        if device is not None:
            raise InputError("device= only applies to torch models", fix="drop device=")
        if embedding is not None:
            raise InputError("embedding= only applies to torch models", fix="drop embedding=")
        adapted = TextModel.from_any(model, output_names=output_names, output=model_output)
    name = _method(method, adapted, len(instance))
    _probe(adapted, instance, gradient=name in GRADIENT_METHODS)
    if output is not None:
        _check_output(output, adapted.output_names)
    explainer = _explainer(
        name,
        budget=budget,
        batch_size=batch_size,
        n_steps=n_steps,
        max_steps=max_steps,
        baseline_id=baseline_id,
        random_state=random_state,
        n=len(instance),
    )
    return Plan(model=adapted, instance=instance, explainer=explainer)


def _method(method: str, model: Any, n_tokens: int) -> str:
    if method == "auto":
        if model.kind == "torch":
            return "integrated_gradients"
        return "hierarchical" if n_tokens > LONG_TEXT else "shapley"
    if method not in METHODS:
        raise MethodError(
            f"unknown text method {method!r}",
            fix=f"use one of {sorted(set(METHODS.values()))} (or 'auto')",
        )
    name = METHODS[method]
    if name in GRADIENT_METHODS and model.kind != "torch":
        raise MethodError(
            f"{name} needs gradients, and this model is a {type(model).__name__} without them",
            fix="use method='shapley', 'occlusion' or 'lime', or pass a torch module",
        )
    return name


def _hf(model, tokenizer, embedding, output_names, model_output, device):
    """A transformers model or pipeline, adapted, and the tokenizer to split the text."""
    output = "softmax"
    if is_hf_pipeline(model):
        model, tokenizer, output = unwrap_pipeline(model, tokenizer)
    if model_output != "auto":
        output = {"proba": "softmax", "decision": "logits"}.get(model_output, model_output)
    adapted = HFTextModel(model, tokenizer=tokenizer, embedding=embedding, output=output,
                          output_names=output_names, device=device)
    return adapted, tokenizer


def _check_length(model: Any, instance: Any) -> None:
    n, limit = len(instance.extras.get("ids", [])), model.max_length
    if limit is not None and n > limit:
        raise InputError(
            f"the text is {n} tokens long and the model takes at most {limit}",
            fix=f"explain a shorter passage (under {limit} tokens), e.g. one paragraph",
        )


def _explainer(
    name: str, *, budget, batch_size, n_steps, max_steps, baseline_id, random_state, n
):
    from ..explainers.text import check_budget

    extra = {} if batch_size is None else {"batch_size": int(batch_size)}
    if name == "occlusion":
        return Occlusion(**extra)
    if name == "shapley":
        b = check_budget(2000 if budget is None else budget, minimum=2 + 2 * max(n - 1, 1))
        return SampledShapley(budget=b, random_state=random_state, **extra)
    if name == "hierarchical":
        b = check_budget(2000 if budget is None else budget, minimum=2 if n == 1 else 6)
        return HierarchicalShapley(budget=b, **extra)
    if name == "lime":
        b = check_budget(2000 if budget is None else budget, minimum=max(10, n // 4))
        return TextLime(budget=b, random_state=random_state, **extra)
    from ..explainers.text_gradients import GradientXInput, IntegratedGradients

    if name == "gradient_x_input":
        return GradientXInput(baseline_id=baseline_id, **extra)
    if max_steps is not None:
        extra["max_steps"] = int(max_steps)
    return IntegratedGradients(n_steps=n_steps, baseline_id=baseline_id, **extra)


def _probe(model: Any, instance: Any, *, gradient: bool) -> None:
    """One call on the text and one on perturbed copies, so failures show in the caller's cell."""
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
        return
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


def _check_output(output: Any, names: list[str]) -> None:
    if isinstance(output, str):
        if output not in names:
            raise InputError(f"no output named {output!r}", fix=f"use one of {names}")
    elif not -len(names) <= int(output) < len(names):
        raise InputError(
            f"output {output} is out of range for {len(names)} outputs",
            fix=f"use 0..{len(names) - 1} or a name in {names}",
        )

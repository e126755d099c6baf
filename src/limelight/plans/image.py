"""Planning an image explanation: read the picture, adapt the model, probe, choose.

>>> import numpy as np
>>> from limelight.api import plan
>>> img = np.zeros((8, 8)); img[:4, :4] = 1.0
>>> p = plan(lambda b: b[:, :4, :4].sum(axis=(1, 2)), img, method="occlusion", window=4,
...          stride=4)
>>> p.run().values[0, ::4, ::4].tolist()
[[16.0, 0.0], [0.0, 0.0]]
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._warn import warn
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
from ..inputs.image import fit_channels, read_image
from ..models._detect import is_keras_model, is_torch_module
from ..models.torch import ImageFunction, TorchModel
from . import Plan
from .outputs import choose_outputs, output_index

#: the options every image explanation takes beside its method's
INPUT_OPTIONS = ("transform", "layout", "model_output", "output_names", "device")


def plan(
    model: Any,
    x: Any,
    *,
    background: Any = None,
    method: str | Explainer = "auto",
    output: Any = None,
    random_state: int | None = None,
    transform: Any = None,
    layout: str | None = None,
    model_output: str = "raw",
    output_names: Any = None,
    device: Any = None,
    outputs: Any = None,
    **options: Any,
) -> Plan:
    """Validate an image explanation and choose its explainer.

    ``model``: a torch module (gradients available) or ``f(images) -> scores``. ``x``: HW,
    HWC, CHW or (1, ...) array, torch tensor or PIL image. ``transform``: the model's
    preprocessing, called on ``x`` as given; the map is drawn on the original picture.
    ``method``: ``"auto"`` (integrated gradients for torch modules, occlusion otherwise),
    ``"saliency"``, ``"gradient_x_input"``, ``"integrated_gradients"``, ``"smoothgrad"``,
    ``"gradcam"``, ``"occlusion"``, ``"shapley"`` or ``"lime"`` (over ``segments``:
    ``"grid"``, ``"slic"`` or a label array), or an explainer object. ``output``: which
    outputs get a map (the rule in :mod:`limelight.plans.outputs`); ``outputs=`` is its
    deprecated old name.
    """
    check_request("image", method, options, INPUT_OPTIONS, random_state)
    if background is not None:
        raise InputError(
            "image explanations do not take a background",
            fix="leave background=None; set what hidden pixels become with baseline=",
        )
    keras_model = is_keras_model(model)  # on the torch backend also a torch module
    torch_model = is_torch_module(model) and not keras_model
    inst = read_image(
        x, transform=transform, layout=layout, layout_hint="torch" if torch_model else "keep"
    )
    if keras_model:
        from ..models.keras import fit_input, keras_image_model

        adapted = keras_image_model(
            model, output=model_output, output_names=output_names, device=device
        )
        inst = fit_input(inst, model)
    elif torch_model:
        adapted = TorchModel(model, output=model_output, output_names=output_names, device=device)
        inst = fit_channels(inst, adapted.first_conv_channels())
    else:
        if model_output != "raw":
            raise InputError(
                f"model_output={model_output!r} only applies to torch modules",
                fix="apply softmax inside your function",
            )
        adapted = ImageFunction(model, output_names=output_names)
    entry = _method(method, adapted)
    scores = _probe(adapted, inst)
    if isinstance(method, Explainer):
        explainer = configured("image", method, {})
    else:
        explainer = build(
            "image",
            entry.name,
            _only(entry, options, method),
            random_state=random_state,
            inputs=INPUT_OPTIONS,
        )
    explainer.targets = _targets(adapted.output_names, scores, output, outputs)
    explainer.check(adapted, inst)
    return Plan(model=adapted, instance=inst, explainer=explainer)


def _only(entry: Method, options: dict, method: Any) -> dict:
    """For "auto", the options the chosen method takes (any image method's are accepted)."""
    if method != "auto":
        return options
    return {k: v for k, v in options.items() if k in options_of(entry.impl)}


def _method(method: str | Explainer, model: Any) -> Method:
    if isinstance(method, Explainer):
        entry = entry_of("image", method)
    elif method == "auto":
        return lookup("image", "integrated_gradients" if model.differentiable else "occlusion")
    else:
        entry = lookup("image", method)
    if entry.gradients and not model.differentiable:
        raise MethodError(
            f"{entry.name} needs gradients, and this model is a plain function without them",
            fix="use method='occlusion' (or 'shapley' / 'lime' over segments), or pass the "
            "torch module itself",
        )
    return entry


def _probe(model: Any, inst: Any) -> np.ndarray:
    """One call on the image, so a model that rejects it fails in the caller's cell."""
    try:
        model.bind(inst.input)
    except ModelError as exc:
        ch = inst.n_channels
        raise ModelError(
            f"{exc.problem} (the model input is {tuple(inst.input.shape)} with {ch} channel(s))",
            fix="check the layout (layout='CHW'/'HWC'), the channel count and the size the "
            "model expects, or pass transform= with the model's preprocessing",
        ) from exc.__cause__
    out = model.predict(inst.input[None])
    model.calls, model.rows = 0, 0  # the probe is not part of the explanation's cost
    if not np.all(np.isfinite(out)):
        raise ModelError(
            "the model returned NaN or infinite scores for the image",
            fix="check the model and its preprocessing",
        )
    inst.extras["probe"] = out[0]
    return out[0]


def _targets(names: list[str], scores: np.ndarray, output: Any, outputs: Any) -> list[int]:
    """The outputs that get a map: ``output=`` by the one rule; the deprecated ``outputs=``
    (``"auto"``, ``"all"``, an index, a name or a list) as before, ``output`` put first."""
    if outputs is None:
        return choose_outputs(names, output, scores=scores)
    warn(
        "outputs= is deprecated: output= takes a name, an index or a list of them",
        DeprecationWarning,
    )
    if isinstance(outputs, str) and outputs == "all":
        chosen = list(range(len(names)))
    elif isinstance(outputs, str) and outputs == "auto":
        chosen = choose_outputs(names, None, scores=scores)
    else:
        chosen = choose_outputs(names, outputs)
    if output is not None:
        i = output_index(names, output)
        if i not in chosen:
            chosen = [i, *chosen]
    return chosen

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

from ..errors import InputError, MethodError, ModelError
from ..explainers import gradients as G
from ..explainers.occlusion import Occlusion
from ..explainers.segments import SegmentLime, SegmentShapley
from ..inputs.image import fit_channels, read_image
from ..models.keras import is_keras_model
from ..models.torch import ImageFunction, TorchModel, is_torch_module
from . import Plan

METHODS = {
    "occlusion": "occlusion",
    "shapley": "shapley",
    "segment_shapley": "shapley",
    "kernel_shap": "shapley",
    "lime": "lime",
    "saliency": "saliency",
    "gradient": "saliency",
    "vanilla_gradient": "saliency",
    "gradient_x_input": "gradient_x_input",
    "input_x_gradient": "gradient_x_input",
    "grad_x_input": "gradient_x_input",
    "integrated_gradients": "integrated_gradients",
    "ig": "integrated_gradients",
    "smoothgrad": "smoothgrad",
    "noise_tunnel": "smoothgrad",
    "gradcam": "gradcam",
    "grad_cam": "gradcam",
}
GRADIENT_METHODS = ("saliency", "gradient_x_input", "integrated_gradients", "smoothgrad", "gradcam")
MAX_AUTO_OUTPUTS = 10  # above this many outputs, explain the top 5 unless outputs= says


def plan(
    model: Any,
    x: Any,
    *,
    background: Any = None,
    method: str = "auto",
    output: int | str | None = None,
    random_state: int | None = None,
    transform: Any = None,
    layout: str | None = None,
    model_output: str = "raw",
    output_names: Any = None,
    outputs: Any = "auto",
    batch_size: int | None = None,
    window: Any = None,
    stride: Any = None,
    baseline: Any = None,
    segments: Any = "grid",
    n_segments: int = 49,
    budget: int | None = None,
    n_steps: int = 50,
    max_steps: int | None = None,
    n_samples: int = 20,
    noise: float = 0.15,
    layer: Any = None,
    abs: bool = True,
    alpha: float = 1.0,
    device: Any = None,
) -> Plan:
    """Validate an image explanation and choose its explainer.

    ``model``: a torch module (gradients available) or ``f(images) -> scores``. ``x``: HW,
    HWC, CHW or (1, ...) array, torch tensor or PIL image. ``transform``: the model's
    preprocessing, called on ``x`` as given; the map is drawn on the original picture.
    ``method``: ``"auto"`` (integrated gradients for torch modules, occlusion otherwise),
    ``"saliency"``, ``"gradient_x_input"``, ``"integrated_gradients"``, ``"smoothgrad"``,
    ``"gradcam"``, ``"occlusion"``, ``"shapley"`` or ``"lime"`` (over ``segments``:
    ``"grid"``, ``"slic"`` or a label array). ``outputs``: which outputs get a map
    (``"auto"``: all up to 10, else the top 5; ``"all"``; or a list of indices/names).
    ``alpha``: LIME's ridge penalty (1.0, as lime).
    """
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
    name = _method(method, adapted)
    _probe(adapted, inst)
    targets = _targets(adapted, inst, outputs, output)
    explainer = _explainer(
        name,
        targets=targets,
        batch_size=batch_size,
        window=window,
        stride=stride,
        baseline=baseline,
        segments=segments,
        n_segments=n_segments,
        budget=budget,
        n_steps=n_steps,
        max_steps=max_steps,
        n_samples=n_samples,
        noise=noise,
        layer=layer,
        abs=abs,
        alpha=alpha,
        random_state=random_state,
    )
    if name == "gradcam":
        adapted.find_layer(layer)  # a bad layer name fails here, not in the thread
    return Plan(model=adapted, instance=inst, explainer=explainer)


def _method(method: str, model: Any) -> str:
    if method == "auto":
        return "integrated_gradients" if model.differentiable else "occlusion"
    if method not in METHODS:
        raise MethodError(
            f"unknown image method {method!r}",
            fix=f"use one of {sorted(set(METHODS.values()))} (or 'auto')",
        )
    name = METHODS[method]
    if name in GRADIENT_METHODS and not model.differentiable:
        raise MethodError(
            f"{name} needs gradients, and this model is a plain function without them",
            fix="use method='occlusion' (or 'shapley' / 'lime' over segments), or pass the "
            "torch module itself",
        )
    return name


def _probe(model: Any, inst: Any) -> None:
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


def _index(o: Any, names: list[str]) -> int:
    if isinstance(o, str):
        if o not in names:
            raise InputError(f"no output named {o!r}", fix=f"use one of {names[:20]}")
        return names.index(o)
    i = int(o)
    if not -len(names) <= i < len(names):
        raise InputError(
            f"output {i} is out of range for {len(names)} outputs", fix=f"use 0..{len(names) - 1}"
        )
    return i % len(names)


def _targets(model: Any, inst: Any, outputs: Any, output: Any) -> list[int] | None:
    names, k = model.output_names, len(model.output_names)
    if isinstance(outputs, str) and outputs == "all":
        chosen = list(range(k))
    elif isinstance(outputs, str) and outputs == "auto":
        if k <= MAX_AUTO_OUTPUTS:
            chosen = list(range(k))
        else:
            chosen = [int(i) for i in np.argsort(-inst.extras["probe"], kind="stable")[:5]]
    elif isinstance(outputs, (str, int, np.integer)):
        chosen = [_index(outputs, names)]
    else:
        chosen = [_index(o, names) for o in outputs]
    if output is not None:
        i = _index(output, names)
        if i not in chosen:
            chosen = [i, *chosen]
    return chosen


def _explainer(
    name,
    *,
    targets,
    batch_size,
    window,
    stride,
    baseline,
    segments,
    n_segments,
    budget,
    n_steps,
    max_steps,
    n_samples,
    noise,
    layer,
    abs,
    alpha,
    random_state,
):
    common = {"targets": targets, "batch_size": batch_size}
    if name == "occlusion":
        return Occlusion(
            window=window, stride=stride, baseline=0.0 if baseline is None else baseline, **common
        )
    if name in ("shapley", "lime"):
        extra = {"alpha": alpha} if name == "lime" else {}
        cls = SegmentShapley if name == "shapley" else SegmentLime
        return cls(
            **extra,
            segments=segments,
            n_segments=n_segments,
            baseline="mean" if baseline is None else baseline,
            budget=1024 if budget is None else budget,
            random_state=random_state,
            **common,
        )
    base = 0.0 if baseline is None else baseline
    if name == "saliency":
        return G.Saliency(abs=abs, **common)
    if name == "gradient_x_input":
        return G.GradientXInput(baseline=base, **common)
    if name == "integrated_gradients":
        steps = {} if max_steps is None else {"max_steps": int(max_steps)}
        return G.IntegratedGradients(n_steps=n_steps, baseline=base, **common, **steps)
    if name == "smoothgrad":
        return G.SmoothGrad(
            n_samples=n_samples, noise=noise, abs=abs, random_state=random_state, **common
        )
    return G.GradCAM(layer=layer, **common)

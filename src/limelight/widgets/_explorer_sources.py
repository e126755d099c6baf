"""The explorer's texts and images: reading the data set, predicting every item, and the
plan for one row. (Tables are the explorer's own: ``explorer.py``.)

    >>> plan_row  # doctest: +ELLIPSIS
    <function plan_row at ...>
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import InputError
from ._explorer_data import pca2, text_coordinates, thumb_side, thumbnail

TEXT_CHUNK = 1_000  # documents per model call (text models can be large)
IMAGE_CHUNK = 64  # images per model call when predicting the whole data set
TEXT_PREVIEW = 300  # characters of each document shown in the table


def plan_row(model: Any, x: Any, method: Any, random_state: Any, options: dict):
    """``(model, instance, explainer)`` for one text or image."""
    from ..plans import plan

    p = plan(model, x, method=method, random_state=random_state, **options)
    return p.model, p.instance, p.explainer


def init_texts(ex: Any, model: Any, xy, background: Any) -> None:
    """A list of documents: the table shows the text, the scatter a 2-D LSA of TF-IDF."""
    from ..plans import plan

    if background is not None:
        raise InputError(
            "text explanations do not use a background",
            fix="leave background=None (masking= chooses how words are removed)",
        )
    if xy is not None:
        raise InputError(
            "xy= picks two columns of a table; texts have none",
            fix="drop xy= (texts are placed by their words)",
        )
    ex._raw_model = model_for_texts(model, ex._options)  # torch modules stay as they are
    ex._plan = plan(
        ex._raw_model, ex._X[0], method=ex._method, random_state=ex._random_state, **ex._options
    )
    # every output of the model (the plan's model may be a view of the chosen ones)
    ex._adapted = getattr(ex._plan.model, "inner", ex._plan.model)
    outs = [ex._adapted.predict(ex._X[a : a + TEXT_CHUNK]) for a in range(0, ex._n, TEXT_CHUNK)]
    ex._set_outputs(np.concatenate(outs, axis=0))
    ex._publish(
        text_coordinates(ex._X), ["LSA 1", "LSA 2"], texts=[t[:TEXT_PREVIEW] for t in ex._X]
    )


def init_images(ex: Any, model: Any, xy, background: Any) -> None:
    """A stack of images: thumbnails in the table, the scatter a PCA of the thumbnails."""
    from ..inputs.image import fit_channels, read_image
    from ..models._detect import is_torch_module
    from ..plans import plan

    if background is not None or xy is not None:
        raise InputError(
            "image data sets take neither background= nor xy=",
            fix="drop them (baseline= sets what hidden pixels become)",
        )
    ex._raw_model = model
    ex._plan = plan(
        model, ex._X[0], method=ex._method, random_state=ex._random_state, **ex._options
    )
    ex._adapted = ex._plan.model
    torch_model = is_torch_module(model)
    read = {k: ex._options[k] for k in ("transform", "layout") if k in ex._options}
    channels = ex._adapted.first_conv_channels() if torch_model else None
    outs, thumbs = [], []
    side = None
    for a in range(0, ex._n, IMAGE_CHUNK):
        batch = []
        for i in range(a, min(a + IMAGE_CHUNK, ex._n)):
            inst = read_image(ex._X[i], layout_hint="torch" if torch_model else "keep", **read)
            inst = fit_channels(inst, channels)
            batch.append(inst.input)
            if side is None:
                side = thumb_side(ex._n, inst.picture)
            thumbs.append(thumbnail(inst.picture, side))
        outs.append(ex._adapted.predict(np.stack(batch)))
    ex._set_outputs(np.concatenate(outs, axis=0))
    thumbs_arr = np.stack(thumbs)  # (n, side, side, c) uint8
    ex._publish(
        pca2(thumbs_arr.reshape(ex._n, -1).astype(np.float32), standardise=False),
        ["PC 1", "PC 2"],
        thumbs=thumbs_arr,
    )


def model_for_texts(model: Any, options: dict) -> Any:
    """A text model for any callable or pipeline (torch modules stay as they are); the
    model options are taken out of ``options``."""
    from ..models._detect import is_torch_module
    from ..models.text import TextModel

    if is_torch_module(model):
        return model
    keys = ("output_names", "model_output")
    opts = {k: options.pop(k) for k in keys if k in options}
    return TextModel.from_any(
        model, output_names=opts.get("output_names"), output=opts.get("model_output", "auto")
    )


def row_stream(make, i: int, cache: dict, served):
    """Row ``i``'s explanation, streamed; the final one is cached. (Holds no explorer.)"""
    model, inst, explainer = make()
    for exp in explainer.stream(model, inst):
        if exp.done:
            cache[i] = exp
            served.set()
        yield exp

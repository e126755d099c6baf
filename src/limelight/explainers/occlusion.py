"""Occlusion: slide a window over the image, hide it, and record how much each output
drops. Same semantics as captum's ``Occlusion`` with a window spanning all channels: a
pixel's value is the mean output drop over the windows that cover it (pixels no window
covers get 0), and each channel of it would get that same value in captum.

    >>> import numpy as np
    >>> from limelight.inputs.image import read_image
    >>> from limelight.models.torch import ImageFunction
    >>> img = np.zeros((4, 4)); img[:2, :2] = 1.0
    >>> model = ImageFunction(lambda b: b[:, :2, :2].sum(axis=(1, 2))).bind(img.astype("f4"))
    >>> e = ImageOcclusion(window=2, stride=2).explain(model, read_image(img))
    >>> e.values[0].tolist()[0]
    [4.0, 4.0, 0.0, 0.0]
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from ..errors import InputError
from ..explanation import Explanation
from ..inputs.image import ImageInstance, baseline_image
from ..models.base import Model
from ._image import ImageExplainer, json_safe


def _pair(v: Any, name: str) -> tuple[int, int]:
    a, b = (v, v) if np.isscalar(v) else tuple(v)[-2:]
    if int(a) < 1 or int(b) < 1:
        raise InputError(f"{name}={v!r}", fix=f"use a positive {name} in pixels")
    return int(a), int(b)


class ImageOcclusion(ImageExplainer):
    """Sliding-window occlusion.

    ``window`` and ``stride`` in pixels (int or ``(h, w)``; default: an eighth of the
    shorter side, stride half of it); ``baseline``: 0, ``"mean"``, ``"blur"`` or an array.
    Windows are evaluated ``batch_size`` per model call; a partial after each call.
    """

    name = "occlusion"
    max_batch = 64

    def __init__(
        self,
        *,
        window: Any = None,
        stride: Any = None,
        baseline: Any = 0.0,
        targets=None,
        batch_size: int | None = None,
    ) -> None:
        super().__init__(targets=targets, batch_size=batch_size)
        self.window = window
        self.stride = stride
        self._baseline = baseline
        self.baseline = json_safe(baseline)

    def geometry(self, h: int, w: int) -> tuple[tuple[int, int], tuple[int, int], list]:
        """Window, stride and the top-left corners of every window position."""
        default = max(1, min(h, w) // 8)
        wh, ww = _pair(self.window if self.window is not None else default, "window")
        if wh > h or ww > w:
            raise InputError(
                f"a {wh}×{ww} window does not fit a {h}×{w} image",
                fix=f"use window <= {min(h, w)}",
            )
        stride = self.stride if self.stride is not None else (max(1, wh // 2), max(1, ww // 2))
        sh, sw = _pair(stride, "stride")
        # as captum: ceil((h - wh) / sh) + 1 positions, the last one clipped at the edge
        ys = [i * sh for i in range(-(-(h - wh) // sh) + 1)]
        xs = [i * sw for i in range(-(-(w - ww) // sw) + 1)]
        corners = [(y, x) for y in ys for x in xs]
        return (wh, ww), (sh, sw), corners

    def stream(self, model: Model, instance: ImageInstance) -> Iterator[Explanation]:
        x = instance.input
        h, w = instance.spatial_shape
        (wh, ww), _, corners = self.geometry(h, w)
        base_img = baseline_image(instance, self._baseline).astype(x.dtype)
        axis = instance.channel_axis

        def region(y: int, x0: int) -> tuple:
            ys, xs = slice(y, y + wh), slice(x0, x0 + ww)
            return (slice(None), ys, xs) if axis == 0 else (ys, xs)

        ends = model.predict(np.stack([x, base_img]))
        pred, base = ends[0], ends[1]
        targets = self._targets(len(pred))
        total = np.zeros((len(targets), h, w))
        count = np.zeros((h, w))
        n_evals, budget = 2, len(corners) + 2
        bs, due = self._batch(instance), self._pacer()
        # one buffer of copies of x: per batch only the windows are written, then restored
        buffer = np.repeat(x[None], min(bs, len(corners)), axis=0)
        for start in range(0, len(corners), bs):
            chunk = corners[start : start + bs]
            regions = [region(y, x0) for y, x0 in chunk]
            for i, r in enumerate(regions):
                buffer[(i, *r)] = base_img[r]
            drops = pred[targets][None, :] - model.predict(buffer[: len(chunk)])[:, targets]
            for i, r in enumerate(regions):
                buffer[(i, *r)] = x[r]
            for (y, x0), d in zip(chunk, drops):
                total[:, y : y + wh, x0 : x0 + ww] += d[:, None, None]
                count[y : y + wh, x0 : x0 + ww] += 1
            n_evals += len(chunk)
            if not due(start + bs >= len(corners)):
                continue
            values = total / np.maximum(count, 1)
            yield self._explanation(
                model,
                instance,
                values,
                pred=pred,
                base=base,
                n_evals=n_evals,
                done=start + bs >= len(corners),
                budget=budget,
                extras={"coverage": count.copy()},
            )

"""Images as instances: layouts, the user's preprocessing, segmentations and masking.

An :class:`ImageInstance` keeps two pictures: ``picture`` (what the user gave, as
``(H, W)`` or ``(H, W, C)``, drawn under the heat map) and ``input`` (one model input,
float32, after the user's ``transform``). Explainers perturb and differentiate ``input``.

    >>> import numpy as np
    >>> inst = read_image(np.zeros((8, 6, 3), dtype=np.uint8), layout_hint="torch")
    >>> inst.input.shape, inst.picture.shape, inst.channel_axis
    ((3, 8, 6), (8, 6, 3), 0)
    >>> grid_segments(4, 4, n_segments=4).tolist()[0]
    [0, 0, 1, 1]
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import InputError

LAYOUTS = ("HW", "HWC", "CHW")
_CHANNELS = (1, 3, 4)


@dataclass
class ImageInstance:
    """One picture ready for explainers.

    ``picture``: the original, ``(H, W)`` or ``(H, W, C)`` (uint8 or float), for display.
    ``input``: the model's input for this one image (float32, no batch axis).
    ``channel_axis``: where channels sit in ``input`` (``None`` for a 2-D input).
    """

    picture: np.ndarray
    input: np.ndarray
    channel_axis: int | None
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def spatial_shape(self) -> tuple[int, int]:
        """``(h, w)`` of the model input (the heat map's resolution)."""
        shape = list(self.input.shape)
        if self.channel_axis is not None:
            shape.pop(self.channel_axis)
        return int(shape[0]), int(shape[1])

    @property
    def n_channels(self) -> int:
        return 1 if self.channel_axis is None else int(self.input.shape[self.channel_axis])

    def to_channels_last(self, arr: np.ndarray) -> np.ndarray:
        """``(..., *input.shape)`` -> ``(..., h, w, c)`` (c = 1 for 2-D inputs)."""
        if self.channel_axis is None:
            return arr[..., None]
        if self.channel_axis == 0:
            return np.moveaxis(arr, -3, -1)
        return arr

    def spatial_mask(self, masks: np.ndarray) -> np.ndarray:
        """Boolean ``(n, h, w)`` masks -> ``(n, *input.shape)`` broadcastable over channels."""
        if self.channel_axis is None:
            return masks
        if self.channel_axis == 0:
            return masks[:, None, :, :]
        return masks[:, :, :, None]


def _to_array(x: Any) -> tuple[np.ndarray, bool]:
    """(array, came_from_torch)."""
    if type(x).__module__.startswith("PIL."):
        return np.asarray(x), False
    if type(x).__module__.startswith("torch"):
        return x.detach().cpu().numpy(), True
    try:
        return np.asarray(x), False
    except Exception:  # noqa: BLE001 - any unconvertible object
        raise InputError(
            f"cannot read a {type(x).__name__} as an image",
            fix="pass a numpy array (HW, HWC or CHW), a torch tensor or a PIL image",
        ) from None


def guess_layout(arr: np.ndarray, *, prefer_chw: bool = False) -> str:
    """``"HW"``, ``"HWC"`` or ``"CHW"`` for a 2-D or 3-D array (ambiguous: HWC, or CHW
    when ``prefer_chw``, as for torch tensors).

        >>> guess_layout(np.zeros((3, 32, 32))), guess_layout(np.zeros((32, 32, 3)))
        ('CHW', 'HWC')
    """
    if arr.ndim == 2:
        return "HW"
    first, last = arr.shape[0] in _CHANNELS, arr.shape[-1] in _CHANNELS
    if first and last:
        return "CHW" if prefer_chw else "HWC"
    if first:
        return "CHW"
    if last:
        return "HWC"
    raise InputError(
        f"an image of shape {arr.shape} has no channel axis of size 1, 3 or 4",
        fix="pass HW, HWC or CHW with 1 (gray), 3 (RGB) or 4 (RGBA) channels, or layout=",
    )


def read_image(
    x: Any,
    *,
    transform: Callable[[Any], Any] | None = None,
    layout: str | None = None,
    layout_hint: str = "keep",
) -> ImageInstance:
    """Read the user's picture and make the model input.

    ``layout``: ``"HW"``, ``"HWC"`` or ``"CHW"`` to override the guess. ``transform``:
    the model's preprocessing, called on the picture exactly as given (PIL stays PIL);
    its result is the model input. Without one, ``layout_hint="torch"`` makes a
    channels-first float input (uint8 divided by 255, RGBA loses alpha only if the model
    wants 3 channels, see :func:`fit_channels`); ``"keep"`` keeps the given layout and scale.
    """
    arr, from_torch = _to_array(x)
    if arr.ndim == 4 or (arr.ndim == 3 and layout == "HW"):
        if arr.shape[0] != 1:
            raise InputError(
                f"got a batch of {arr.shape[0]} images; limelight explains one at a time",
                fix="pass one image, e.g. x[0]",
            )
        arr = arr[0]
    if arr.ndim not in (2, 3):
        raise InputError(
            f"an image needs 2 or 3 dimensions (HW, HWC, CHW), got shape {arr.shape}",
            fix="pass one image as an array of shape (H, W), (H, W, C) or (C, H, W)",
        )
    if layout is not None and layout not in LAYOUTS:
        raise InputError(f"unknown layout {layout!r}", fix=f"use one of {LAYOUTS}")
    # ambiguous tiny shapes (3, 4, 4): channels-first for torch modules, as torch does
    lay = layout or guess_layout(arr, prefer_chw=from_torch or layout_hint == "torch")
    if lay == "HW" and arr.ndim != 2 or lay != "HW" and arr.ndim != 3:
        raise InputError(f"layout {lay!r} does not fit shape {arr.shape}", fix="fix layout=")
    if arr.dtype == bool or not (np.issubdtype(arr.dtype, np.number)):
        raise InputError(f"image pixels of dtype {arr.dtype}", fix="pass uint8 or float pixels")
    if not np.all(np.isfinite(arr)):
        bad = int(np.size(arr) - np.isfinite(arr).sum())
        raise InputError(
            f"the image has {bad} NaN or infinite pixel values",
            fix="replace them first, e.g. np.nan_to_num(image)",
        )
    # a copy: the explanation must not change when the user edits their array later
    picture = np.array(np.moveaxis(arr, 0, -1) if lay == "CHW" else arr, copy=True)
    h, w = picture.shape[:2]
    if h < 2 or w < 2:
        raise InputError(
            f"the image is {h}×{w} pixels; a saliency map needs at least 2×2",
            fix="pass the full picture, not a single pixel",
        )
    if transform is not None:
        model_in, t_torch = _to_array(transform(x))
        if model_in.ndim == 4 and model_in.shape[0] == 1:
            model_in = model_in[0]
        model_in = np.asarray(model_in, dtype=np.float32)
        if model_in.ndim == 2:
            axis = None
        else:
            in_lay = guess_layout(model_in, prefer_chw=t_torch or layout_hint == "torch")
            axis = 0 if in_lay == "CHW" else 2
        return ImageInstance(picture, model_in, axis, {"layout": lay, "transform": True})
    if layout_hint == "torch":
        model_in = np.asarray(picture, dtype=np.float32)
        if picture.dtype == np.uint8:
            model_in = model_in / np.float32(255.0)
        model_in = model_in[None] if model_in.ndim == 2 else np.moveaxis(model_in, -1, 0)
        return ImageInstance(picture, np.ascontiguousarray(model_in), 0, {"layout": lay})
    axis = None if lay == "HW" else (0 if lay == "CHW" else 2)
    return ImageInstance(picture, np.asarray(arr, dtype=np.float32), axis, {"layout": lay})


def fit_channels(inst: ImageInstance, expected: int | None) -> ImageInstance:
    """Check the input's channel count against what the model's first layer expects.

    An RGBA picture loses its alpha channel when the model wants 3; anything else that
    does not fit raises :class:`InputError` naming both counts and the fix.
    """
    if expected is None or inst.n_channels == expected:
        return inst
    if inst.n_channels == 4 and expected == 3 and inst.channel_axis is not None:
        rgb = np.take(inst.input, [0, 1, 2], axis=inst.channel_axis)
        return ImageInstance(inst.picture, rgb, inst.channel_axis, dict(inst.extras))
    hint = {
        (3, 1): "convert it to grayscale first (PIL: image.convert('L'))",
        (1, 3): "convert it to RGB first (PIL: image.convert('RGB'))",
    }.get((inst.n_channels, expected), "pass transform= that makes the model's input")
    raise InputError(
        f"the image has {inst.n_channels} channel(s) but the model expects {expected}",
        fix=hint,
    )


# -- segmentations -----------------------------------------------------------------------
def grid_segments(h: int, w: int, *, n_segments: int = 64, cell: int | None = None) -> np.ndarray:
    """Labels ``(h, w)`` int32 of a regular grid of about ``n_segments`` square-ish cells
    (or cells of ``cell`` pixels)."""
    if cell is None:
        cell = max(1, round(float(np.sqrt(h * w / max(1, n_segments)))))
    rows = np.arange(h) // cell
    cols = np.arange(w) // cell
    n_cols = int(cols[-1]) + 1
    return (rows[:, None] * n_cols + cols[None, :]).astype(np.int32)


def superpixels(picture: np.ndarray, *, n_segments: int = 50, compactness: float = 10.0):
    """SLIC superpixel labels ``(h, w)`` int32, numbered 0..S-1 (needs scikit-image).

    >>> labels = superpixels(np.random.default_rng(0).random((32, 32, 3)))  # doctest: +SKIP
    """
    try:
        from skimage.segmentation import slic
    except ImportError:  # pragma: no cover - depends on the environment
        raise InputError(
            "superpixels need scikit-image, which is not installed",
            fix="pip install scikit-image, or use segments='grid'",
        ) from None
    img = np.asarray(picture, dtype=np.float64)
    if img.ndim == 3 and img.shape[-1] == 4:
        img = img[..., :3]
    if img.max() > 1.0:
        img = img / 255.0
    channel_axis = -1 if img.ndim == 3 and img.shape[-1] == 3 else None
    if img.ndim == 3 and channel_axis is None:
        img = img[..., 0]
    labels = slic(
        img,
        n_segments=n_segments,
        compactness=compactness,
        start_label=0,
        channel_axis=channel_axis,
    )
    _, labels = np.unique(labels, return_inverse=True)
    return labels.reshape(img.shape[:2]).astype(np.int32)


def make_segments(inst: ImageInstance, segments: Any = "grid", *, n_segments: int = 50):
    """Labels at the model input's resolution: ``"grid"``, ``"slic"``/``"superpixels"`` or a
    user ``(h, w)`` integer array."""
    h, w = inst.spatial_shape
    if isinstance(segments, str):
        if segments == "grid":
            return grid_segments(h, w, n_segments=n_segments)
        if segments in ("slic", "superpixels"):
            if inst.picture.shape[:2] == (h, w):
                return superpixels(inst.picture, n_segments=n_segments)
            return superpixels(inst.to_channels_last(inst.input), n_segments=n_segments)
        raise InputError(f"unknown segments {segments!r}", fix="use 'grid', 'slic' or an array")
    labels = np.asarray(segments)
    if labels.shape != (h, w) or not np.issubdtype(labels.dtype, np.integer):
        raise InputError(
            f"segments must be an integer array of shape {(h, w)}, got {labels.dtype} "
            f"{labels.shape}",
            fix="pass one label per pixel of the model input, or segments='grid'",
        )
    _, labels = np.unique(labels, return_inverse=True)
    return labels.reshape(h, w).astype(np.int32)


def baseline_image(inst: ImageInstance, baseline: Any = 0.0) -> np.ndarray:
    """The replacement for hidden pixels: ``0``/a number, ``"mean"`` (per channel) or
    ``"blur"`` (a box blur), or an array of the input's shape."""
    x = inst.input
    if isinstance(baseline, str):
        if baseline == "mean":
            if inst.channel_axis is None:
                return np.full_like(x, x.mean())
            axes = tuple(a for a in range(3) if a != inst.channel_axis)
            return np.broadcast_to(x.mean(axis=axes, keepdims=True), x.shape).copy()
        if baseline == "blur":
            return _box_blur(inst)
        raise InputError(f"unknown baseline {baseline!r}", fix="use 0, 'mean', 'blur' or an array")
    base = np.asarray(baseline, dtype=np.float32)
    try:
        return np.broadcast_to(base, x.shape).astype(np.float32)
    except ValueError:
        raise InputError(
            f"a baseline of shape {base.shape} does not fit the input {x.shape}",
            fix="pass a number or an array shaped like the model input",
        ) from None


def _box_blur(inst: ImageInstance) -> np.ndarray:
    img = inst.to_channels_last(inst.input).astype(np.float64)
    h, w = img.shape[:2]
    r = max(1, min(h, w) // 16)
    pad = np.pad(img, ((r, r), (r, r), (0, 0)), mode="edge")
    c = np.cumsum(np.cumsum(pad, 0), 1)
    c = np.pad(c, ((1, 0), (1, 0), (0, 0)))
    k = 2 * r + 1
    out = (c[k:, k:] - c[:-k, k:] - c[k:, :-k] + c[:-k, :-k]) / (k * k)
    out = out[:h, :w].astype(np.float32)
    if inst.channel_axis is None:
        return out[..., 0]
    return np.moveaxis(out, -1, 0) if inst.channel_axis == 0 else out

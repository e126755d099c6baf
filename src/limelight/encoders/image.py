"""Widget state for an image explanation: the picture as RGBA uint8 and one float32 map
per explained output, both crossing as binary buffers; names and numbers in ``_meta``.

    >>> import numpy as np
    >>> from limelight.explanation import Explanation
    >>> e = Explanation(values=np.zeros((2, 4, 4)), base_values=[0, 0], prediction=[0.2, 0.8],
    ...                 output_names=["cat", "dog"], data=np.zeros((8, 8), np.uint8),
    ...                 modality="image", method="occlusion")
    >>> meta, arrays = encode(e)
    >>> meta["predicted"], arrays["picture"].shape, arrays["values"].dtype.name
    (1, (8, 8, 4), 'float32')
"""

from __future__ import annotations

import numpy as np

from ..errors import InputError
from ..explanation import Explanation


def picture_rgba(picture: np.ndarray) -> np.ndarray:
    """Any HW / HWC (1, 3 or 4 channels), uint8 or float picture -> ``(H, W, 4)`` uint8.

    Values in [0, 1] are scaled by 255, values in [0, 255] kept, anything else stretched
    min..max (a normalised tensor still shows as a picture).
    """
    p = np.asarray(picture)
    if p.ndim == 3 and p.shape[-1] == 1:
        p = p[..., 0]
    if p.dtype != np.uint8:
        f = p.astype(np.float64)
        lo, hi = float(f.min()), float(f.max())
        if lo >= 0.0 and hi <= 1.0:
            f = f * 255.0
        elif lo >= 0.0 and hi <= 255.0:
            pass  # already 0..255
        else:
            f = (f - lo) / (hi - lo or 1.0) * 255.0
        p = np.clip(np.rint(f), 0, 255).astype(np.uint8)
    h, w = p.shape[:2]
    out = np.empty((h, w, 4), dtype=np.uint8)
    out[..., 3] = 255
    if p.ndim == 2:
        out[..., :3] = p[..., None]
    elif p.shape[-1] == 3:
        out[..., :3] = p
    elif p.shape[-1] == 4:
        out[:] = p
    else:
        raise InputError(f"a picture with {p.shape[-1]} channels", fix="use 1, 3 or 4 channels")
    return out


#: the longest side of a picture as views and exports store it (a 4000 x 4000 photo crosses
#: as 1000 x 1000: 4 MB, not 64 MB), and the values all maps may hold together (as
#: float32 at most 5 MB): one map keeps up to 1024 px a side, ten maps about 350
PICTURE_SIDE = 1024
MAP_VALUES = 1_200_000


def map_side_for(n_maps: int) -> int:
    """The longest side each of ``n_maps`` maps is stored at."""
    return int(min(PICTURE_SIDE, (MAP_VALUES / max(1, n_maps)) ** 0.5))


def shrink(a: np.ndarray, side: int) -> np.ndarray:
    """``a`` (H, W[, C]) averaged over whole blocks until its longest side is at most
    ``side`` (a block's mean keeps a map's total sign and a photo's colours).

        >>> shrink(np.arange(16.0).reshape(4, 4), 2).tolist()
        [[2.5, 4.5], [10.5, 12.5]]
    """
    h, w = a.shape[:2]
    f = int(np.ceil(max(h, w) / side))
    if f <= 1:
        return a
    H, W = -(-h // f) * f, -(-w // f) * f
    if (H, W) != (h, w):  # edge rows repeated up to whole blocks
        a = np.pad(a, [(0, H - h), (0, W - w)] + [(0, 0)] * (a.ndim - 2), mode="edge")
    # f * f strided adds of whole (H/f, W/f) planes: fast where a reduction over short
    # axes of a reshaped block view is not (2 s against 0.1 s for a 4000 px photo)
    out = np.zeros((H // f, W // f, *a.shape[2:]), dtype=np.float32)
    for i in range(f):
        for j in range(f):
            out += a[i::f, j::f]
    out /= f * f
    return out.astype(a.dtype) if a.dtype.kind == "f" else np.rint(out).astype(a.dtype)


def at_display_size(
    exp: Explanation, picture_side: int = PICTURE_SIDE, map_side: int | None = None
) -> Explanation:
    """The explanation as views and exports show it: the picture at most
    :data:`PICTURE_SIDE` pixels a side, each output's map block-averaged to at most
    ``map_side`` (default :func:`map_side_for` the number of maps). Small images come back
    unchanged; ``params["shown_at"]`` records the sizes when they changed. The user's own
    Explanation keeps full resolution."""
    values = np.asarray(exp.values)
    if map_side is None:
        map_side = map_side_for(len(values) if values.ndim == 3 else 1)
    picture = None if exp.data is None else np.asarray(exp.data)
    big_map = values.ndim == 3 and max(values.shape[1:]) > map_side
    big_pic = picture is not None and picture.ndim >= 2 and max(picture.shape[:2]) > picture_side
    if not (big_map or big_pic):
        return exp
    changes: dict = {"params": {**exp.params, "shown_at": {}}}
    if big_pic:
        changes["data"] = shrink(picture, picture_side)
        changes["params"]["shown_at"]["picture"] = [
            list(picture.shape[:2]),
            list(changes["data"].shape[:2]),
        ]
    if big_map:
        changes["values"] = np.stack([shrink(v, map_side) for v in values])
        if exp.stderr is not None and np.shape(exp.stderr) == values.shape:
            changes["stderr"] = np.stack([shrink(v, map_side) for v in np.asarray(exp.stderr)])
        elif exp.stderr is not None:
            changes["stderr"] = None
        changes["params"]["shown_at"]["map"] = [
            list(values.shape[1:]),
            list(changes["values"].shape[1:]),
        ]
    return exp.with_(**changes)


def encode(exp: Explanation) -> tuple[dict, dict[str, np.ndarray]]:
    """``(meta, arrays)`` for the image view. Output names stay plain strings; the view
    writes them with ``textContent`` only."""
    values = np.asarray(exp.values)
    if exp.modality != "image" or values.ndim != 3 or exp.data is None:
        raise InputError(
            f"a {exp.modality} explanation with values of shape {values.shape} cannot use the "
            "image view",
            fix="pass an Explanation made from an image (values of shape (k, h, w))",
        )
    exp = at_display_size(exp)
    values = np.asarray(exp.values)
    picture = picture_rgba(exp.data)
    maps = np.nan_to_num(values.astype(np.float32), nan=0.0, posinf=0.0, neginf=0.0)
    meta = {
        "modality": "image",
        "output_names": list(exp.output_names),
        "method": exp.method,
        "predicted": exp.output_index(None),
        "n_evals": int(exp.n_evals),
        "budget": exp.params.get("budget"),
        "done": bool(exp.done),
        "map_shape": [int(values.shape[1]), int(values.shape[2])],
        "picture_shape": [int(picture.shape[0]), int(picture.shape[1])],
        # integrated gradients that did not add up within the step budget say so
        "notes": [str(exp.params["completeness_note"])]
        if exp.params.get("completeness_note")
        else [],
    }
    arrays = {
        "values": maps,
        "picture": picture,
        "prediction": np.asarray(exp.prediction, dtype=np.float32),
        "base_values": np.asarray(exp.base_values, dtype=np.float32),
    }
    if exp.stderr is not None and np.shape(exp.stderr) == values.shape:
        arrays["stderr"] = np.nan_to_num(np.asarray(exp.stderr, dtype=np.float32), nan=0.0)
    return meta, arrays

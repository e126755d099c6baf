"""Many images at once: ``attribute_many(model, images, ...)`` over a stack ``(n, H, W[,
C])`` or a list of images.

The first image is planned as ``ll.attribute`` plans it (the model adapted and probed,
the method and its segmentation settings chosen); then every image runs the same planning
and explainer seeded ``row_seed(seed, i)``, in a few threads whose model calls (occlusion
windows, segment coalitions, the probes) a :class:`~limelight.many.batch.CallPool` joins
into large batches, images of one size together; a torch module's gradients too
(:mod:`limelight.many.torch_images`). So item ``i`` equals
``ll.attribute(model, images[i], random_state=ex.seeds[i])`` (to float32 rounding for
gradients taken in a larger batch); an image the model fails on fails alone. Keras models
are explained one image after another.

    >>> import numpy as np, limelight as ll
    >>> imgs = np.zeros((2, 4, 4)); imgs[1, :2, :2] = 1.0
    >>> f = lambda b: b[:, :2, :2].sum(axis=(1, 2))
    >>> ex = ll.attribute_many(f, imgs, method="occlusion", window=2, stride=2)
    >>> [float(e.values[0].sum()) for e in ex]
    [0.0, 16.0]
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .batch import CallPool
from .item_run import base_seed, run_items
from .items import ItemExplanations, plan_first
from .plan import row_seed


def attribute_images(
    model: Any,
    images: Any,
    *,
    method: Any = "auto",
    output: Any = None,
    random_state: int | None = None,
    **options: Any,
) -> ItemExplanations:
    """The explanation of every image (see the module's docstring)."""
    from ..models.torch import ImageFunction, TorchModel
    from ..plans import plan
    from .torch_images import GradPool, TorchItem

    items = list(images)
    base = base_seed(random_state)
    first = plan_first(
        items,
        lambda i: plan(
            model,
            items[i],
            method=method,
            output=output,
            random_state=row_seed(base, i),
            modality="image",
            **options,
        ),
    )
    targets = list(first.explainer.targets)
    rest = {**options, "method": method, "output": targets}
    if isinstance(first.model, TorchModel):  # its calls pooled, the module one thread's
        pool = GradPool()
        return run_items(
            items,
            first,
            None,
            pool,
            modality="image",
            base=base,
            options=rest,
            job=lambda opts: TorchItem(opts, model, pool),
        )
    if not isinstance(first.model, ImageFunction):  # keras: one image at a time
        return run_items(
            items, first, lambda: model, None, modality="image", base=base, options=rest
        )
    k = first.model.n_outputs
    by_shape: dict[tuple, list[int]] = {}
    for i, x in enumerate(items):  # one pool per input size: their batches concatenate
        by_shape.setdefault(tuple(np.shape(x)), []).append(i)
    results: list[Any] = [None] * len(items)
    errors, seeds = [""] * len(items), [0] * len(items)
    calls = rows = 0
    for idx in by_shape.values():
        pool = CallPool(model, n_outputs=k)
        part = run_items(
            [items[i] for i in idx],
            first,
            lambda pool=pool: pool.request,  # plan wraps it as it wraps the model
            pool,
            modality="image",
            base=base,
            options=rest,
            positions=idx,
        )
        for j, i in enumerate(idx):
            results[i], errors[i], seeds[i] = part.items[j], part.errors[j], part.seeds[j]
        calls, rows = calls + pool.calls, rows + pool.rows
    return ItemExplanations(
        results,
        errors=errors,
        seeds=seeds,
        method=first.explainer.name,
        params={"model_calls": calls, "model_rows": rows},
    )

"""`TabularContext`: everything one tabular explanation knows about its model, in one
object the plan builds and hands to the explainer as its model.

It owns what used to hide on other objects: the adapted model, the outputs computed
(``output=``), the pipeline split and the background as the split's leading steps
output it, the probe's outputs, the trees :class:`~limelight.explainers.TreeShap` reads,
and the call counters. Every instance it is given shares its background (the planned
instance, or one :meth:`TabularContext.row` made).

    >>> import numpy as np
    >>> from limelight.inputs.tabular import read_instance
    >>> from limelight.models.tabular import TabularModel
    >>> f = lambda X: np.c_[X.sum(axis=1), -X.sum(axis=1)]
    >>> adapter = TabularModel(f, output_names=["up", "down"])
    >>> ctx = TabularContext(adapter, read_instance(np.ones(2), np.zeros((3, 2))), columns=[1])
    >>> ctx.output_names, ctx.predict(np.ones((1, 2))).tolist()
    (['down'], [[-2.0]])
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from ..inputs.groups import GroupedInstance, ungroup
from ..inputs.tabular import TabularInstance
from . import tabular as adapters
from .base import Model
from .pipeline_split import PipelineSplit, dense, pipeline_split
from .tabular import TabularModel


@dataclass
class ReadableTrees:
    """A tree ensemble whose leaf values sum to the model's outputs (checked on x and the
    background), and whether it reads the columns the pipeline's leading steps output
    (``through_split``) or the input columns."""

    ensemble: Any  # limelight.explainers.trees.ensemble.TreeEnsemble
    through_split: bool


class TabularContext(Model):
    """The model side of one tabular explanation (see the module docstring).

    ``predict(batch)`` gives the chosen outputs (``columns``; None: all) of the adapted
    model, counted here; :meth:`predict_hybrids` / :meth:`predict_paired` build hybrid
    rows after a pipeline's per-column steps when that is cheaper (same numbers).
    """

    def __init__(
        self,
        adapter: TabularModel,
        instance: TabularInstance,
        *,
        columns: Sequence[int] | None = None,
    ) -> None:
        self.adapter = adapter
        #: the planned row and its background
        self.instance = instance
        self.kind = adapter.kind
        #: what the outputs are ("probability", "log-odds", ...; None: not said)
        self.output_scale = getattr(adapter, "output_scale", None)
        #: a pipeline's leading per-column steps and the rest (None for other models)
        self.split: PipelineSplit | None = pipeline_split(adapter.estimator, adapter.output_kind)
        #: whether the split gives the whole pipeline's numbers (None: not checked yet)
        self.split_ok: bool | None = None
        #: the background through the split's leading steps, once
        self.background_space: np.ndarray | None = None
        #: the last row through them (the row, and it in the split's columns): an
        #: explainer's calls on one row transform it once
        self.last_space: tuple[TabularInstance, TabularInstance] | None = None
        #: the model's outputs (every column) on x and on each background row, from the
        #: plan's probe (None when it probed x only)
        self.probed: tuple[np.ndarray, np.ndarray] | None = None
        #: the trees TreeShap reads (None when the model is not a readable ensemble)
        self.trees: ReadableTrees | None = None
        self.columns: list[int] | None = None
        super().__init__(list(adapter.output_names))
        self.select(columns)

    def select(self, columns: Sequence[int] | None) -> None:
        """Compute only these outputs (indices of the adapter's; None: all of them)."""
        names = self.adapter.output_names
        if columns is not None and list(columns) == list(range(len(names))):
            columns = None  # every output, in order: nothing to pick
        self.columns = None if columns is None else [int(c) for c in columns]
        self.output_names = list(names) if columns is None else [names[c] for c in self.columns]

    def row(self, x_cols: list[Any]) -> TabularInstance:
        """Another row over the same background (the explorer's rows), in its groups."""
        if isinstance(self.instance, GroupedInstance):
            return self.instance.with_row(x_cols)
        return replace(self.instance, x=np.asarray(x_cols, dtype=object), x_cols=list(x_cols))

    # -- model calls -------------------------------------------------------------------
    def _pick(self, out: np.ndarray) -> np.ndarray:
        return out if self.columns is None else out[:, self.columns]

    def _predict(self, batch: Any) -> np.ndarray:
        return self._pick(self.adapter.predict(batch))

    def _counted(self, batch: Any) -> np.ndarray:
        """The split's rest on ``batch`` (rows after the leading steps), counted."""
        out = self.adapter.call(self.split.fn, batch)
        for m in (self, self.adapter):
            m.calls += 1
            m.rows += len(batch)
        return self._pick(out)

    def predict_hybrids(self, inst: TabularInstance, masks: np.ndarray, rows: Any = slice(None)):
        """``predict(inst.cross(masks, rows))``, the same numbers, cheaper for pipelines
        that start with scalers or a column transformer."""
        inst, masks = ungroup(inst, masks)  # feature groups: their columns' masks
        n = len(masks) * len(np.arange(inst.m)[rows])
        space = self.model_space(inst) if self._worth(n) else None
        if space is None:
            return self.predict(inst.cross(masks, rows))
        return self._counted(space.cross(self._owned(masks), rows))

    def predict_paired(self, inst: TabularInstance, masks: np.ndarray, rows: np.ndarray):
        """``predict(inst.paired(masks, rows))`` (LIME's samples), as :meth:`predict_hybrids`."""
        inst, masks = ungroup(inst, masks)
        space = self.model_space(inst) if self._worth(len(masks)) else None
        if space is None:
            return self.predict(inst.paired(masks, rows))
        return self._counted(space.paired(self._owned(masks), rows))

    def _owned(self, masks: np.ndarray) -> np.ndarray:
        """The masks over the split's columns (each column its owner's; a copy of every
        mask only when some column is not its own input's)."""
        masks, owner = np.asarray(masks, dtype=bool), self.split.owner
        same = len(owner) == masks.shape[1] and np.array_equal(owner, np.arange(len(owner)))
        return masks if same else masks[:, owner]

    def _worth(self, rows: int) -> bool:
        """Whether a call of ``rows`` hybrid rows should take the pipeline shortcut: enough
        rows to gain, and a dense block small enough (wide one-hot outputs stay sparse
        through the whole pipeline instead)."""
        split = self.split
        return (
            split is not None
            and rows >= adapters.SHORTCUT_MIN_ROWS
            and rows * len(split.owner) <= adapters.SHORTCUT_MAX_VALUES
        )

    def row_outputs(self, inst: TabularInstance) -> np.ndarray:
        """The chosen outputs on ``inst``'s row ``(1, k)``: the probe's for the planned row."""
        if self.probed is not None and _same_row(inst, self.instance):
            return self._pick(self.probed[0])
        return self.predict(inst.x_batch())

    def background_outputs(self) -> np.ndarray:
        """The chosen outputs on every background row ``(m, k)`` (probed once)."""
        if self.probed is None:
            inst = self.instance
            x_out = self.adapter.predict(inst.x_batch())
            bg = self.adapter.predict(inst.cross(np.zeros((1, inst.d), bool)))
            self.probed = (x_out, bg)
            self.calls, self.rows = self.calls + 2, self.rows + 1 + inst.m
        return self._pick(self.probed[1])

    # -- the pipeline's leading steps ----------------------------------------------------
    def model_space(self, inst: TabularInstance) -> TabularInstance | None:
        """``inst`` with x and the background passed through the pipeline's leading
        per-column steps (one column per output column), or None when the model has none or
        they failed the check. Hybrid rows there take ``masks[:, split.owner]``."""
        split = self.split
        if split is None or self.split_ok is False:
            return None
        if self.last_space is not None and _same_row(inst, self.last_space[0]):
            return self.last_space[1]
        D = len(split.owner)
        try:
            xt = dense(split.prefix.transform(inst.x_batch()))[0]
            if self.background_space is None:
                self.background_space = dense(split.prefix.transform(inst.background_batch()))
            bgt = self.background_space
        except Exception:  # noqa: BLE001 - the shortcut is optional: the whole pipeline works
            self.split_ok = False
            return None
        if xt.shape != (D,) or bgt.shape != (inst.m, D) or split.owner.max() >= inst.d:
            self.split_ok = False
            return None
        space = replace(
            inst,
            x=xt,
            feature_names=[f"c{c}" for c in range(D)],
            frame=False,
            x_cols=list(xt),
            bg_cols=list(bgt.T),
        )
        if self.split_ok is None:  # once: the shortcut gives the pipeline's numbers
            self.split_ok = self._split_agrees(inst, space)
        if not self.split_ok:
            return None
        self.last_space = (inst, space)
        return space

    def _split_agrees(self, inst: TabularInstance, space: TabularInstance) -> bool:
        """Whether the rest of the pipeline on ``space`` gives the whole pipeline's outputs.
        Masks from the bits of each column's index (and their complements): every two
        columns are split by one of them, so a transform that mixes columns shows."""
        split = self.split
        bits = (
            np.arange(inst.d)[None, :] >> np.arange(max(1, (inst.d - 1).bit_length()))[:, None]
        ) & 1
        masks = np.concatenate([bits, 1 - bits]).astype(bool)
        rows = slice(0, min(inst.m, 4))
        try:
            want = np.asarray(self.adapter.fn(inst.cross(masks, rows)), dtype=float)
            got = np.asarray(split.fn(space.cross(masks[:, split.owner], rows)), dtype=float)
        except Exception:  # noqa: BLE001
            return False
        return bool(
            want.shape == got.shape
            and np.allclose(got, want, rtol=1e-9, atol=1e-12, equal_nan=True)
        )

    # -- what the trees see ------------------------------------------------------------
    def tree_view(self, inst: TabularInstance) -> TabularInstance | None:
        """``inst`` as the trees see it (through the split when they read its outputs)."""
        if self.trees is None or not self.trees.through_split:
            return inst
        return self.model_space(inst)

    def tree_owner(self) -> np.ndarray | None:
        """For each column the trees read, the input feature it comes from (None: itself)."""
        return self.split.owner if self.trees is not None and self.trees.through_split else None


def _same_row(a: TabularInstance, b: TabularInstance) -> bool:
    if a is b:
        return True
    if len(a.x_cols) != len(b.x_cols):
        return False
    return all(u is v or u == v for u, v in zip(a.x_cols, b.x_cols))

"""`Explorer`: a whole data set in one widget — table, scatter, filters — with the
explanation of the selected row in a panel below, and global views (permutation
importance, a beeswarm of local attributions over a sample) computed once in the
background. The panel is an :class:`ExplanationWidget` the explorer holds (``.panel``)
and the browser draws inside the explorer's view: selecting a row restarts the panel's
run without waiting for the previous row's batch.

    >>> import numpy as np
    >>> from sklearn.linear_model import LinearRegression
    >>> X = np.random.default_rng(0).normal(size=(50, 3))
    >>> ex = Explorer(LinearRegression().fit(X, X @ [1.0, 2.0, 3.0]), X, sample=0)
    >>> ex.selected = 4; ex.wait().values.shape
    (1, 3)
"""

from __future__ import annotations

import threading
from typing import Any

import anywidget
import numpy as np
import traitlets

from ..errors import InputError, WaitTimeout
from ..explanation import Explanation
from ..inputs.groups import column_instance
from . import ExplanationWidget, _buffers, _esm, send_snapshot
from . import _explorer_global as global_views
from ._display import StaticDisplay
from ._explorer_data import attribution_table, coordinates, outcomes, table_columns
from ._explorer_filters import check_input, normalise_filters, visible_rows
from ._explorer_picture import ExplorerPicture
from ._explorer_sources import init_images, init_texts, plan_row, row_stream

TABLE_COLUMNS = 12  # feature columns sent for the table
PREDICT_CHUNK = 20_000  # rows per model call when predicting the whole data set
NO_FILTERS = {"misclassified": False, "classes": None, "prediction": None}


def _is_frame(obj: Any) -> bool:
    return type(obj).__name__ == "DataFrame" and hasattr(obj, "columns")


class Explorer(ExplorerPicture, StaticDisplay, anywidget.AnyWidget):
    """Browse a data set and explain any row of it: click a point or a row (or set
    ``.selected``) and the panel streams that row's explanation; finished ones are cached.

    ``.explanation`` is the selected row's (latest) explanation, ``.explanations`` a
    DataFrame of every cached one (rows: instance index, columns: features, values for each
    row's predicted output), ``.visible`` the indices the current ``filters`` keep,
    ``.panel`` the :class:`ExplanationWidget` showing the selected row.
    """

    _esm = _esm("explorer.js")
    _view = traitlets.Unicode("explorer").tag(sync=True)
    panel = anywidget.WidgetTrait().tag(sync=True)
    _data_meta = traitlets.Dict().tag(sync=True)
    _data_arrays = traitlets.Dict().tag(sync=True)
    _global_meta = traitlets.Dict().tag(sync=True)
    _global_arrays = traitlets.Dict().tag(sync=True)
    selected = traitlets.Int(None, allow_none=True).tag(sync=True)
    #: ``{"misclassified": bool, "classes": [class index, ...] | None,
    #: "prediction": [lo, hi] | None}``; the browser edits it too
    filters = traitlets.Dict().tag(sync=True)

    def __init__(
        self,
        model: Any,
        X: Any,
        y: Any = None,
        *,
        background: Any = None,
        method: str = "auto",
        sample: int = 200,
        random_state: int | None = None,
        xy: tuple[str, str] | None = None,
        **options: Any,
    ) -> None:
        from ..inputs._polars import from_polars
        from ..plans import plan

        X, y, background = from_polars(X), from_polars(y), from_polars(background)
        self._modality, X, y_arr, n = check_input(X, y, sample)
        super().__init__(
            panel=ExplanationWidget()
        )  # after the cheap checks: bad input opens no widget
        self._X, self._y, self._n = X, y_arr, n
        self._frame = _is_frame(X)
        self._options = dict(options)
        self._method, self._random_state, self._sample = method, random_state, int(sample)
        self._cache: dict[int, Explanation] = {}
        self._first_served = threading.Event()
        self._global_done = threading.Event()
        self._global_error: BaseException | None = None
        self._closed = threading.Event()
        self.global_: dict = {"importance": None, "swarm": None}
        self.on_msg(self._on_message)
        if self._modality != "tabular":
            (init_texts if self._modality == "text" else init_images)(self, model, xy, background)
            self.filters = dict(NO_FILTERS)
            self._global_done.set()  # no global views for texts and images yet
            return
        # the background defaults to X, summarised as ll.attribute summarises it (the same
        # seeded summary: a row here gets the numbers ll.attribute gives it)
        bg = X if background is None else background
        # one plan (model adapted and probed, background summarised) for every row
        self._plan = plan(
            model, self._row(0), background=bg, method=method, random_state=random_state, **options
        )
        self._adapted = self._plan.model.adapter  # every output, whatever output= chose
        self._inst0 = self._plan.instance
        self._columns = self._column_store()
        self._predict_all()
        self._send_data(xy)
        self.filters = dict(NO_FILTERS)
        if self._sample > 0 or self._y is not None:
            global_views.start(self)
        else:
            self._global_done.set()

    # -- data ---------------------------------------------------------------------------------
    def _row(self, i: int) -> Any:
        return self._X.iloc[i] if self._frame else np.asarray(self._X)[i]

    def _column_store(self) -> list[np.ndarray]:
        """X's columns in the order the plan's instance uses (for building any row cheaply)."""
        names = column_instance(self._inst0).feature_names  # columns, also under groups
        if self._frame:
            cols = getattr(self._adapted, "feature_names", None) or [c for c in self._X.columns]
            by_str = {str(c): c for c in self._X.columns}
            return [self._X[by_str.get(str(c), c)].to_numpy() for c in cols][: len(names)]
        arr = np.asarray(self._X, dtype=float)
        return [arr[:, j] for j in range(arr.shape[1])]

    def _instance(self, i: int, ctx=None):
        """Row ``i`` over the background of ``ctx`` (a plan's context; default the explorer's)."""
        return (ctx or self._plan.model).row([c[i] for c in self._columns])

    def _batch(self, start: int, stop: int) -> Any:
        if self._frame:
            return self._inst0.assemble([c[start:stop] for c in self._columns])
        return np.stack([c[start:stop] for c in self._columns], axis=1)

    def _predict_all(self) -> None:
        outs = [
            self._adapted.predict(self._batch(a, min(a + PREDICT_CHUNK, self._n)))
            for a in range(0, self._n, PREDICT_CHUNK)
        ]
        self._set_outputs(np.concatenate(outs, axis=0))

    def _set_outputs(self, outputs: np.ndarray) -> None:
        """Predicted class (or value), its score, the label and the error of every row."""
        self.outputs_ = outputs
        (self.classifier_, self.predicted_, self._score, self.label_, self.error_) = outcomes(
            outputs, self._adapted.output_names, self._adapted.kind, self._y
        )

    def _publish(
        self,
        coords: np.ndarray,
        axes: list[str],
        *,
        table=None,
        columns=(),
        categories=None,
        texts=None,
        thumbs=None,
    ) -> None:
        """The data set's state for the browser: metadata and binary arrays."""
        meta = {
            "n": self._n,
            "columns": list(columns),
            "categories": categories or {},
            "modality": self._modality,
            "kind": "classifier" if self.classifier_ else "regressor",
            "output_names": list(self._adapted.output_names),
            "axes": axes,
            "has_label": self._y is not None,
        }
        if texts is not None:
            meta["texts"] = texts
        arrays = {
            "table": table if table is not None else np.zeros((self._n, 0), np.float32),
            "xy": np.asarray(coords, dtype=np.float32),
            "pred": self.predicted_.astype(np.float32),
            "score": self._score.astype(np.float32),
            "label": self.label_.astype(np.float32),
            "error": self.error_.astype(np.float32),
        }
        if thumbs is not None:
            arrays["thumbs"] = thumbs
        with self.hold_sync():
            self._data_meta = meta
            self._data_arrays = _buffers(arrays)

    def _send_data(self, xy: tuple[str, str] | None) -> None:
        names = list(column_instance(self._inst0).feature_names)  # the table shows columns
        shown = names[:TABLE_COLUMNS]
        table, categories = table_columns(self._columns[: len(shown)], shown)
        coords, axes = self._coordinates(names, xy)
        self._publish(coords, axes, table=table, columns=shown, categories=categories)

    def _coordinates(self, names: list[str], xy) -> tuple[np.ndarray, list[str]]:
        return coordinates(self._columns, names, xy, self._score)

    # -- selection ----------------------------------------------------------------------------
    @traitlets.validate("selected")
    def _check_selected(self, proposal):
        i = proposal["value"]
        if i is None:
            return None
        if isinstance(i, (bool, np.bool_)) or not -self._n <= int(i) < self._n:
            raise InputError(
                f"there is no row {i} in this data set of {self._n} rows",
                fix=f"select an index from 0 to {self._n - 1}",
            )
        return int(i) % self._n

    @traitlets.validate("filters")
    def _check_filters(self, proposal):
        names = list(self._adapted.output_names) if hasattr(self, "_adapted") else []
        return normalise_filters(proposal["value"], names)

    @traitlets.observe("selected")
    def _on_selected(self, change) -> None:
        """Show row ``i`` in the panel: from the cache, or a new run that replaces the one
        in progress without waiting for it (it ends its batch in the background)."""
        i, panel = change["new"], self.panel
        if i is None:
            panel._replace_run(clear=True).finished.set()
            return
        panel.snapshot_suffix = f"-row{i}"
        if i in self._cache:
            panel.show(self._cache[i])
            self._first_served.set()
            return
        if self._modality == "tabular":
            model, inst, explainer = self._plan.model, self._instance(i), self._plan.explainer

            def make():
                return model, inst, explainer
        else:
            args = (
                self._raw_model,
                self._X[i],
                self._method,
                self._random_state,
                dict(self._options),
            )

            def make():
                return plan_row(*args)

        cache, served = self._cache, self._first_served
        panel.run(lambda: row_stream(make, i, cache, served), view=self._modality, restart=True)

    def _on_message(self, _widget, content, _buffers) -> None:
        if not isinstance(content, dict):
            return
        kind = content.get("type")
        if kind == "ready":
            self.send_state(
                [
                    "_view",
                    "panel",
                    "_data_meta",
                    "_data_arrays",
                    "_global_meta",
                    "_global_arrays",
                    "selected",
                    "filters",
                ]
            )
        elif kind == "snapshot":  # the selected row's explanation, off the message loop
            threading.Thread(target=send_snapshot, args=(self, content), daemon=True).start()
        elif kind == "cancel":
            self.cancel()

    # -- the panel, as the explorer's own -------------------------------------------------------
    @property
    def explanation(self) -> Explanation | None:
        """The selected row's latest explanation (partial while it runs)."""
        return self.panel.explanation

    @property
    def running(self) -> bool:
        """Whether the selected row's explanation is still computing."""
        return self.panel.running

    def wait(self, timeout: float | None = None) -> Explanation:
        """Block until the selected row's explanation is final (see ExplanationWidget.wait);
        with no row selected, a LimelightError that says so (``wait_global`` waits for the
        data set's views)."""
        self._check_selection("to wait for")
        return self.panel.wait(timeout)

    def cancel(self) -> None:
        """Stop the selected row's run after its batch in progress."""
        self.panel.cancel()

    @property
    def _panel(self) -> str:
        return self.panel._view

    @property
    def _meta(self) -> dict:
        return self.panel._meta

    @property
    def _arrays(self) -> dict:
        return self.panel._arrays

    @property
    def _progress(self) -> dict:
        return self.panel._progress

    # -- Python API ---------------------------------------------------------------------------
    @property
    def visible(self) -> np.ndarray:
        """Indices of the rows the current ``filters`` keep (as the table and scatter do)."""
        return visible_rows(
            self.filters,
            self._n,
            has_labels=self._y is not None,
            classifier=self.classifier_,
            error=self.error_,
            predicted=self.predicted_,
            score=self._score,
        )

    @property
    def explanations(self):
        """Cached attributions as a DataFrame: a row per explained instance (index), a column
        per feature, each row's values for its predicted output."""
        return self.explanations_for(None)

    def explanations_for(self, output: int | str | None = None):
        """Like :attr:`explanations` for one output (name or index) of every row."""
        if self._modality == "image":
            raise InputError(
                "an attribution table is for tabular and text data sets",
                fix="use .explanation (or ex._cache[i]) for an image's map",
            )
        pick = lambda exp, i: self._output_for(exp, i, output)  # noqa: E731
        names = [] if self._modality == "text" else self._inst0.feature_names
        return attribution_table(self._cache, self._modality, names, pick)

    def _output_for(self, exp: Explanation, i: int, output: int | str | None) -> int:
        if output is not None:
            return exp.output_index(output)
        k = int(self.predicted_[i]) if self.classifier_ else 0
        return k if exp.n_outputs > 1 else 0

    def wait_global(self, timeout: float | None = None) -> dict:
        """Block until the global views are computed; returns ``{"importance": Explanation
        or None, "swarm": Explanations or None}`` (the beeswarm's rows, computed by
        ``attribute_many``; ``swarm.row`` their row numbers in ``X``)."""
        if not self._global_done.wait(timeout):
            raise WaitTimeout(
                f"the global views are still running after {timeout} s",
                fix="wait longer, or w.cancel() them",
            )
        if self._global_error is not None:
            raise self._global_error
        return dict(self.global_)

    def close(self) -> None:
        """Stop the running explanation and the global views, and close the widget."""
        closed = getattr(self, "_closed", None)  # (a widget that failed to build has none)
        if closed is not None:
            closed.set()
        panel = self._trait_values.get("panel")
        if panel is not None:
            panel.close()
        super().close()

    def to_frame(self, output: int | str | None = None):
        """The explained rows' attributions (as :meth:`explanations_for`), without waiting."""
        return self.explanations_for(output)

    def snapshot(self, format: str = "html", *, kind: str | None = None) -> tuple[str, bytes]:
        """``(file name, bytes)`` of the selected row's explanation (see ExplanationWidget)."""
        self._check_selection()
        return self.panel.snapshot(format, kind=kind)

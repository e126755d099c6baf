"""`Explorer`: a whole tabular data set in one widget — table, scatter, filters — with the
explanation of the selected row in a panel below (the same streaming machinery as
`ExplanationWidget`), and global views (permutation importance, a beeswarm of local
attributions over a sample) computed once in the background.

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

import numpy as np
import traitlets

from ..errors import InputError, LimelightError
from ..explanation import Explanation
from . import CHART_VIEWS, ExplanationWidget, _buffers
from ._explorer_data import (
    is_images,
    is_texts,
    outcomes,
    pca2,
    table_columns,
    text_coordinates,
    thumb_side,
    thumbnail,
)

TABLE_COLUMNS = 12  # feature columns sent for the table
PREDICT_CHUNK = 20_000  # rows per model call when predicting the whole data set
SWARM_BACKGROUND = 10  # background rows for the beeswarm's cheap local attributions
TEXT_CHUNK = 1_000  # documents per model call (text models can be large)
IMAGE_CHUNK = 64  # images per model call when predicting the whole data set
TEXT_PREVIEW = 300  # characters of each document shown in the table
BACKGROUND_FROM = 5_000  # rows of X the default background is summarised from


def _is_frame(obj: Any) -> bool:
    return type(obj).__name__ == "DataFrame" and hasattr(obj, "columns")


class Explorer(ExplanationWidget):
    """Browse a data set and explain any row of it: click a point or a row (or set
    ``.selected``) and the panel streams that row's explanation; finished ones are cached.

    ``.explanation`` is the selected row's (latest) explanation, ``.explanations`` a
    DataFrame of every cached one (rows: instance index, columns: features, values for each
    row's predicted output), ``.visible`` the indices the current ``filters`` keep.
    """

    _panel = traitlets.Unicode("").tag(sync=True)
    _data_meta = traitlets.Dict().tag(sync=True)
    _data_arrays = traitlets.Dict().tag(sync=True)
    _global_meta = traitlets.Dict().tag(sync=True)
    _global_arrays = traitlets.Dict().tag(sync=True)
    selected = traitlets.Int(None, allow_none=True).tag(sync=True)
    #: ``{"misclassified": bool, "classes": [class index, ...] | None,
    #: "prediction": [lo, hi] | None}``; the browser edits it too
    filters = traitlets.Dict().tag(sync=True)

    def __init__(self, model: Any, X: Any, y: Any = None, *, background: Any = None,
                 method: str = "auto", sample: int = 200, random_state: int | None = None,
                 xy: tuple[str, str] | None = None, **options: Any) -> None:
        from ..inputs._polars import from_polars
        from ..plans import plan

        X, y, background = from_polars(X), from_polars(y), from_polars(background)
        n = len(X) if X is not None else 0
        if X is None or n == 0:
            raise InputError("X is empty", fix="pass the data set to explore (rows of features)")
        self._modality = "text" if is_texts(X) else "image" if is_images(X) else "tabular"
        if self._modality == "text":
            X = [str(t) for t in X]
        elif self._modality == "tabular" and (
                isinstance(X, (list, str)) or (isinstance(X, np.ndarray) and X.ndim != 2)):
            raise InputError(
                f"X must be a table of rows (a DataFrame or a 2-D array), texts or images, got "
                f"{type(X).__name__}{'' if not isinstance(X, np.ndarray) else f' of shape {X.shape}'}",
                fix="pass a DataFrame, an (n_rows, n_features) array, a list of strings or an "
                "(n, H, W[, C]) array of images")
        y_arr = None
        if y is not None:
            y_arr = np.asarray(y.to_numpy() if hasattr(y, "to_numpy") else y)
            if y_arr.ndim != 1 or len(y_arr) != n:
                raise InputError(f"X has {n} rows but y has {len(y_arr)}",
                                 fix="pass one label per row of X")
        if int(sample) < 0:
            raise InputError(f"sample={sample}", fix="use sample >= 0 (0 skips the beeswarm)")
        super().__init__()  # after the cheap checks: bad input opens no widget
        self._X, self._y, self._n = X, y_arr, n
        self._frame = _is_frame(X)
        self._options = dict(options)
        self._method, self._random_state, self._sample = method, random_state, int(sample)
        self._cache: dict[int, Explanation] = {}
        self._select_lock = threading.Lock()
        self._first_served = threading.Event()
        self._global_done = threading.Event()
        self._global_error: BaseException | None = None
        self._closed = threading.Event()
        self.global_: dict = {"importance": None, "swarm": None}
        self._view = "explorer"
        if self._modality == "text":
            self._init_texts(model, xy, background)
            return
        if self._modality == "image":
            self._init_images(model, xy, background)
            return
        bg = X if background is None else background
        if background is None and n > BACKGROUND_FROM:  # the summary needs a sample, not all
            keep = np.sort(np.random.default_rng(random_state).choice(n, BACKGROUND_FROM, False))
            bg = X.iloc[keep] if self._frame else np.asarray(X)[keep]
        # one plan (model adapted and probed, background summarised) for every row
        self._plan = plan(model, self._row(0), background=bg, method=method,
                          random_state=random_state, **options)
        self._adapted = self._plan.model.adapter  # every output, whatever output= chose
        self._inst0 = self._plan.instance
        self._columns = self._column_store()
        self._predict_all()
        self._send_data(xy)
        self.filters = {"misclassified": False, "classes": None, "prediction": None}
        if self._sample > 0 or self._y is not None:
            threading.Thread(target=self._global_work, daemon=True,
                             name="limelight-explorer-global").start()
        else:
            self._global_done.set()

    # -- data ---------------------------------------------------------------------------------
    def _init_texts(self, model: Any, xy, background: Any) -> None:
        """A list of documents: the table shows the text, the scatter a 2-D LSA of TF-IDF."""
        from ..plans import plan

        if background is not None:
            raise InputError("text explanations do not use a background",
                             fix="leave background=None (masking= chooses how words are removed)")
        if xy is not None:
            raise InputError("xy= picks two columns of a table; texts have none",
                             fix="drop xy= (texts are placed by their words)")
        self._raw_model = self._model_for_texts(model)  # torch modules stay as they are
        self._plan = plan(self._raw_model, self._X[0], method=self._method,
                          random_state=self._random_state, **self._options)
        # every output of the model (the plan's model may be a view of the chosen ones)
        self._adapted = getattr(self._plan.model, "inner", self._plan.model)
        outs = [self._adapted.predict(self._X[a:a + TEXT_CHUNK])
                for a in range(0, self._n, TEXT_CHUNK)]
        self._set_outputs(np.concatenate(outs, axis=0))
        self._publish(text_coordinates(self._X), ["LSA 1", "LSA 2"],
                      texts=[t[:TEXT_PREVIEW] for t in self._X])
        self.filters = {"misclassified": False, "classes": None, "prediction": None}
        self._global_done.set()  # no global views for texts yet

    def _init_images(self, model: Any, xy, background: Any) -> None:
        """A stack of images: thumbnails in the table, the scatter a PCA of the thumbnails."""
        from ..inputs.image import fit_channels, read_image
        from ..models.torch import is_torch_module
        from ..plans import plan

        if background is not None or xy is not None:
            raise InputError("image data sets take neither background= nor xy=",
                             fix="drop them (baseline= sets what hidden pixels become)")
        self._raw_model = model
        self._plan = plan(model, self._X[0], method=self._method,
                          random_state=self._random_state, **self._options)
        self._adapted = self._plan.model
        torch_model = is_torch_module(model)
        read = {k: self._options[k] for k in ("transform", "layout") if k in self._options}
        channels = self._adapted.first_conv_channels() if torch_model else None
        outs, thumbs = [], []
        side = None
        for a in range(0, self._n, IMAGE_CHUNK):
            batch = []
            for i in range(a, min(a + IMAGE_CHUNK, self._n)):
                inst = read_image(self._X[i], layout_hint="torch" if torch_model else "keep",
                                  **read)
                inst = fit_channels(inst, channels)
                batch.append(inst.input)
                if side is None:
                    side = thumb_side(self._n, inst.picture)
                thumbs.append(thumbnail(inst.picture, side))
            outs.append(self._adapted.predict(np.stack(batch)))
        self._set_outputs(np.concatenate(outs, axis=0))
        thumbs_arr = np.stack(thumbs)  # (n, side, side, c) uint8
        self._publish(pca2(thumbs_arr.reshape(self._n, -1).astype(np.float32), standardise=False),
                      ["PC 1", "PC 2"], thumbs=thumbs_arr)
        self.filters = {"misclassified": False, "classes": None, "prediction": None}
        self._global_done.set()  # no global views for images yet

    def _model_for_texts(self, model: Any) -> Any:
        from ..models.text import TextModel
        from ..models.torch_text import is_torch_module

        if is_torch_module(model):
            return model
        keys = ("output_names", "model_output")
        opts = {k: self._options.pop(k) for k in keys if k in self._options}
        return TextModel.from_any(model, output_names=opts.get("output_names"),
                                  output=opts.get("model_output", "auto"))

    def _row(self, i: int) -> Any:
        return self._X.iloc[i] if self._frame else np.asarray(self._X)[i]

    def _column_store(self) -> list[np.ndarray]:
        """X's columns in the order the plan's instance uses (for building any row cheaply)."""
        names = self._inst0.feature_names
        if self._frame:
            cols = getattr(self._adapted, "feature_names", None) or [
                c for c in self._X.columns]
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
        outs = [self._adapted.predict(self._batch(a, min(a + PREDICT_CHUNK, self._n)))
                for a in range(0, self._n, PREDICT_CHUNK)]
        self._set_outputs(np.concatenate(outs, axis=0))

    def _set_outputs(self, outputs: np.ndarray) -> None:
        """Predicted class (or value), its score, the label and the error of every row."""
        self.outputs_ = outputs
        (self.classifier_, self.predicted_, self._score, self.label_,
         self.error_) = outcomes(outputs, self._adapted.output_names, self._adapted.kind, self._y)

    def _publish(self, coords: np.ndarray, axes: list[str], *, table=None, columns=(),
                 categories=None, texts=None, thumbs=None) -> None:
        """The data set's state for the browser: metadata and binary arrays."""
        meta = {
            "n": self._n, "columns": list(columns), "categories": categories or {},
            "modality": self._modality, "kind": "classifier" if self.classifier_ else "regressor",
            "output_names": list(self._adapted.output_names), "axes": axes,
            "has_label": self._y is not None,
        }
        if texts is not None:
            meta["texts"] = texts
        arrays = {
            "table": table if table is not None else np.zeros((self._n, 0), np.float32),
            "xy": np.asarray(coords, dtype=np.float32),
            "pred": self.predicted_.astype(np.float32), "score": self._score.astype(np.float32),
            "label": self.label_.astype(np.float32), "error": self.error_.astype(np.float32),
        }
        if thumbs is not None:
            arrays["thumbs"] = thumbs
        with self.hold_sync():
            self._data_meta = meta
            self._data_arrays = _buffers(arrays)

    def _send_data(self, xy: tuple[str, str] | None) -> None:
        names = list(self._inst0.feature_names)
        shown = names[:TABLE_COLUMNS]
        table, categories = table_columns(self._columns[: len(shown)], shown)
        coords, axes = self._coordinates(names, xy)
        self._publish(coords, axes, table=table, columns=shown, categories=categories)

    def _coordinates(self, names: list[str], xy) -> tuple[np.ndarray, list[str]]:
        """Two chosen columns, else a PCA of the standardised numeric columns."""
        numeric = [j for j, c in enumerate(self._columns)
                   if np.issubdtype(np.asarray(c).dtype, np.number)]
        if xy is not None:
            missing = [c for c in xy if c not in names]
            if len(xy) != 2 or missing:
                raise InputError(f"xy={xy!r} does not name two columns of X",
                                 fix=f"use two of {names[:20]}")
            a, b = (names.index(c) for c in xy)
            return np.stack([np.asarray(self._columns[a], float),
                             np.asarray(self._columns[b], float)], axis=1), list(xy)
        if len(numeric) >= 2:
            M = np.stack([np.asarray(self._columns[j], dtype=float) for j in numeric], axis=1)
            return pca2(M), ["PC 1", "PC 2"]
        first = np.asarray(self._columns[numeric[0]], float) if numeric else np.zeros(self._n)
        return np.stack([first, self._score], axis=1), [
            names[numeric[0]] if numeric else "", "prediction"]

    # -- selection ----------------------------------------------------------------------------
    @traitlets.validate("selected")
    def _check_selected(self, proposal):
        i = proposal["value"]
        if i is None:
            return None
        if isinstance(i, (bool, np.bool_)) or not -self._n <= int(i) < self._n:
            raise InputError(f"there is no row {i} in this data set of {self._n} rows",
                             fix=f"select an index from 0 to {self._n - 1}")
        return int(i) % self._n

    @traitlets.validate("filters")
    def _check_filters(self, proposal):
        f = dict(proposal["value"] or {})
        unknown = sorted(set(f) - {"misclassified", "classes", "prediction"})
        if unknown:
            raise InputError(f"unknown filter(s) {unknown}",
                             fix="use 'misclassified' (bool), 'classes' (list of class indices "
                             "or names) and 'prediction' ([low, high], None for open)")
        names = list(self._adapted.output_names) if hasattr(self, "_adapted") else []
        if f.get("classes") is not None:
            classes = f["classes"]
            classes = [classes] if isinstance(classes, (str, int)) else list(classes)
            out = []
            for c in classes:
                if isinstance(c, str) and c in names:
                    out.append(names.index(c))
                elif isinstance(c, (int, np.integer)) and 0 <= int(c) < len(names):
                    out.append(int(c))
                else:
                    raise InputError(f"no class {c!r} to filter by", fix=f"use one of {names[:20]}")
            f["classes"] = out
        rng = f.get("prediction")
        if rng is not None:
            try:
                lo, hi = rng
                f["prediction"] = [None if lo is None else float(lo),
                                   None if hi is None else float(hi)]
            except (TypeError, ValueError):
                raise InputError(f"prediction filter {rng!r}",
                                 fix="give [low, high] (None for an open end)") from None
        f["misclassified"] = bool(f.get("misclassified", False))
        return f

    @traitlets.observe("selected")
    def _on_selected(self, change) -> None:
        i = change["new"]
        with self._select_lock:
            self.cancel()
            if self._thread is not None:
                self._thread.join(timeout=30)
            # `.explanation` is the selected row's: never the previous row's while this one starts
            self._latest = None
            if i is None:
                return
            if i in self._cache:
                exp = self._cache[i]
                self._latest = exp
                self._show(exp, elapsed=0.0, status="done")
                self._first_served.set()
                return
            self.run(lambda: self._stream(i), view=self._modality)

    def _stream(self, i: int):
        if self._modality in ("text", "image"):
            from ..plans import plan

            p = plan(self._raw_model, self._X[i], method=self._method, random_state=self._random_state,
                     **self._options)
            model, inst, explainer = p.model, p.instance, p.explainer
        else:
            model, inst, explainer = self._plan.model, self._instance(i), self._plan.explainer
        for exp in explainer.stream(model, inst):
            if exp.done:
                self._cache[i] = exp
                self._first_served.set()
            yield exp

    def _set_view(self, view: str) -> None:
        """The root stays the explorer; the explanation's view goes to the panel."""
        if view in CHART_VIEWS and not self._specs:
            from ..charts import specs

            self._specs = specs()
        if view != self._panel:
            self._panel = view

    def _on_message(self, widget, content, buffers) -> None:
        if isinstance(content, dict) and content.get("type") == "ready":
            keys = ["_view", "_panel", "_meta", "_arrays", "_specs", "_progress", "output_index",
                    "_data_meta", "_data_arrays", "_global_meta", "_global_arrays", "selected",
                    "filters"]
            self.send_state(keys)
            return
        super()._on_message(widget, content, buffers)

    # -- Python API ---------------------------------------------------------------------------
    @property
    def visible(self) -> np.ndarray:
        """Indices of the rows the current ``filters`` keep (as the table and scatter do)."""
        keep = np.ones(self._n, dtype=bool)
        f = self.filters or {}
        if f.get("misclassified"):
            if self._y is None:
                raise InputError("filtering misclassified rows needs labels",
                                 fix="pass y to explore(model, X, y)")
            keep &= self.error_ > 0 if self.classifier_ else np.zeros(self._n, bool)
        classes = f.get("classes")
        if classes is not None and self.classifier_:
            keep &= np.isin(self.predicted_, [int(c) for c in classes])
        rng = f.get("prediction")
        if rng is not None:
            lo, hi = (-np.inf if rng[0] is None else rng[0]), (np.inf if rng[1] is None else rng[1])
            keep &= (self._score >= lo) & (self._score <= hi)
        return np.flatnonzero(keep)

    @property
    def explanations(self):
        """Cached attributions as a DataFrame: a row per explained instance (index), a column
        per feature, each row's values for its predicted output."""
        return self.explanations_for(None)

    def explanations_for(self, output: int | str | None = None):
        """Like :attr:`explanations` for one output (name or index) of every row."""
        import pandas as pd

        rows = sorted(self._cache)
        if self._modality == "image":
            raise InputError("an attribution table is for tabular and text data sets",
                             fix="use .explanation (or ex._cache[i]) for an image's map")
        if self._modality == "text":  # tokens differ by document: one row per token
            recs = []
            for i in rows:
                exp = self._cache[i]
                k = self._output_for(exp, i, output)
                recs += [(i, j, t, float(v)) for j, (t, v) in
                         enumerate(zip(exp.feature_names or [], exp.values[k]))]
            return pd.DataFrame(recs, columns=["index", "position", "token", "value"])
        names = list(self._inst0.feature_names)
        data = np.zeros((len(rows), len(names)))
        for r, i in enumerate(rows):
            exp = self._cache[i]
            data[r] = exp.values[self._output_for(exp, i, output)]
        return pd.DataFrame(data, index=pd.Index(rows, name="index"), columns=names)

    def _output_for(self, exp: Explanation, i: int, output: int | str | None) -> int:
        if output is not None:
            return exp.output_index(output)
        k = int(self.predicted_[i]) if self.classifier_ else 0
        return k if exp.n_outputs > 1 else 0

    def wait_global(self, timeout: float | None = None) -> dict:
        """Block until the global views are computed; returns ``{"importance": Explanation
        or None, "swarm": (indices, values (rows, outputs, features))}``."""
        if not self._global_done.wait(timeout):
            raise TimeoutError(f"the global views are still running after {timeout} s")
        if self._global_error is not None:
            raise self._global_error
        return dict(self.global_)

    def close(self) -> None:
        """Stop the running explanation and the global views, and close the widget."""
        closed = getattr(self, "_closed", None)  # (a widget that failed to build has none)
        if closed is not None:
            closed.set()
            self.cancel()
        super().close()

    # -- global views -------------------------------------------------------------------------
    def _global_work(self) -> None:
        try:
            self._first_served.wait(timeout=1.0)  # let a first click go first
            meta = {"features": list(self._inst0.feature_names), "status": "running"}
            arrays: dict[str, np.ndarray] = {}
            if self._y is not None and not self._closed.is_set():
                from ..plans.importance import plan_importance

                p = plan_importance(self._adapted, self._X, self._y,
                                    random_state=self._random_state)
                imp = p.run()
                self.global_["importance"] = imp
                arrays["importance"] = imp.values[0]
                arrays["importance_std"] = (imp.stderr[0] if imp.stderr is not None
                                            else np.zeros(imp.values.shape[1]))
                meta["importance_metric"] = imp.params.get("scoring", "")
                self._global_meta, self._global_arrays = dict(meta), _buffers(arrays)
            if self._sample > 0:
                self._swarm(meta, arrays)
            meta["status"] = "done"
            self._global_meta, self._global_arrays = dict(meta), _buffers(arrays)
        except BaseException as exc:  # shown in the global view, re-raised by wait_global()
            self._global_error = exc
            msg = str(exc) if isinstance(exc, LimelightError) else f"{type(exc).__name__}: {exc}"
            self._global_meta = {**self._global_meta, "status": "error", "message": msg}
        finally:
            self._global_done.set()

    def _swarm(self, meta: dict, arrays: dict) -> None:
        """Local attributions over a sample of rows, cheaply: a small background, exact
        Shapley up to 10 features (or from the trees' paths for tree ensembles), else
        Kernel SHAP with a few hundred coalitions."""
        from ..explainers.shapley import ExactShapley, KernelShap
        from ..explainers.tree import TreeShap
        from ..plans import plan

        rng = np.random.default_rng(self._random_state)
        s = min(self._sample, self._n)
        rows = np.sort(rng.choice(self._n, s, replace=False)) if s < self._n else np.arange(s)
        bg = self._inst0.background_batch()
        options = {k: v for k, v in self._options.items()
                   if k in ("feature_names", "output_names", "model_output")}
        k = self._adapted.n_outputs
        small = plan(self._adapted, self._row(0), background=bg, method="auto",
                     background_size=SWARM_BACKGROUND, random_state=self._random_state,
                     output=list(range(k)), **options)
        d = small.instance.d
        explainer = ExactShapley() if d <= 10 else KernelShap(
            max_evals=min(2 * d + 256, 600), random_state=self._random_state)
        if isinstance(small.explainer, TreeShap):  # exact at any width, m + 1 rows a row
            explainer = small.explainer
        values = np.zeros((s, k, d), dtype=np.float32)
        every = max(1, s // 10)
        for r, i in enumerate(rows):
            if self._closed.is_set():
                return
            values[r] = explainer.explain(small.model, self._instance(int(i), small.model)).values
            if (r + 1) % every == 0 or r + 1 == s:
                feat = np.stack([self._feature_code(j, rows[: r + 1]) for j in range(d)], axis=1)
                arrays.update(swarm_values=values[: r + 1], swarm_index=rows[: r + 1]
                              .astype(np.int32), swarm_feature=feat.astype(np.float32))
                meta["swarm_done"] = r + 1
                meta["swarm_total"] = s
                self._global_meta, self._global_arrays = dict(meta), _buffers(arrays)
        self.global_["swarm"] = (rows, values)

    def _feature_code(self, j: int, rows: np.ndarray) -> np.ndarray:
        """A feature's values scaled to [0, 1] by rank within the data (dot colours)."""
        col = np.asarray(self._columns[j])
        if not np.issubdtype(col.dtype, np.number):
            return np.full(len(rows), np.nan)
        col = col.astype(float)
        lo, hi = np.nanpercentile(col, [5, 95])
        return np.clip((col[rows] - lo) / (hi - lo if hi > lo else 1.0), 0, 1)

    # -- snapshots: the selected row's explanation, as the panel shows it ----------------------
    def _check_selection(self) -> None:
        if self.selected is None:
            raise LimelightError("no row is selected, so there is no explanation to export",
                                 fix="click a row (or set ex.selected = i) first")

    def save(self, path: Any, *, include_data: bool = True, **options: Any):
        """Save the selected row's explanation (``.html``, ``.png``, ``.svg``, ``.json``),
        as the panel shows it; the data set view is not part of the file."""
        self._check_selection()
        return super().save(path, include_data=include_data, **options)

    def snapshot(self, format: str = "html", *, kind: str | None = None) -> tuple[str, bytes]:
        self._check_selection()
        return super().snapshot(format, kind=kind)

    def _snapshot_stem(self, exp: Explanation) -> str:
        return f"{super()._snapshot_stem(exp)}-row{self.selected}"

    def __repr__(self) -> str:
        return f"Explorer({self._n} rows, selected={self.selected})"

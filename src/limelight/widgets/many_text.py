"""`TextsWidget`: explanations of many texts, filled in chunk by chunk: the tokens with the
largest mean |attribution| over their occurrences (click one for the texts it appears in, by
its attribution there), and one text drawn with its tokens coloured (click a match, or set
``.selected``). Progress, ETA and Cancel as the other widgets.

    >>> import limelight as ll
    >>> f = lambda xs: [[s.count("good") - s.count("bad")] for s in xs]
    >>> w = ll.explain_many(f, ["a good day", "bad, bad news"], method="occlusion")
    >>> [e.values[0].tolist() for e in w.wait()]
    [[0.0, 1.0, 0.0], [-1.0, 0.0, -1.0, 0.0]]
"""

from __future__ import annotations

import threading
import time
from typing import Any

import anywidget
import numpy as np
import traitlets

from .._warn import from_user
from ..errors import Cancelled, LimelightError
from ..many.items import ItemExplanations, token_key
from . import _esm
from ._background import BackgroundRun
from ._display import StaticDisplay, importance_picture

TOP_TOKENS = 30  # tokens the view lists
MATCHES = 20  # texts listed for a clicked token


class TextsWidget(BackgroundRun, StaticDisplay, anywidget.AnyWidget):
    """The live summary of ``attribute_many`` over texts (see :func:`explain_texts`):
    ``.wait()`` gives the :class:`~limelight.many.items.ItemExplanations`, ``.cancel()``
    stops after the chunk being computed, ``.selected`` is the text shown."""

    _CANCELLED_FIX = "read .explanations for the texts done"
    _esm = _esm("many.js")
    _view = traitlets.Unicode("many_text").tag(sync=True)
    _meta = traitlets.Dict().tag(sync=True)
    _tokens = traitlets.Dict().tag(sync=True)
    _matches = traitlets.Dict().tag(sync=True)
    _item = traitlets.Dict().tag(sync=True)
    _progress = traitlets.Dict().tag(sync=True)
    output_index = traitlets.Int(0).tag(sync=True)
    selected = traitlets.Int(None, allow_none=True).tag(sync=True)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._parts: list[ItemExplanations] = []
        self._sums: dict[str, np.ndarray] = {}  # token -> [sum |v| per output..., count]
        self._init_run()
        self._lock = threading.Lock()
        self.on_msg(self._on_message)
        self.observe(self._show_item, names=["selected"])
        self.observe(self._push_tokens, names=["output_index"])

    @property
    def explanations(self) -> ItemExplanations | None:
        """The texts explained so far, in order."""
        with self._lock:
            parts = list(self._parts)
        return ItemExplanations.concat(parts) if parts else None

    def _static_picture(self) -> str | None:
        with self._lock:
            sums = dict(self._sums)
        if not sums:
            return None
        o = self.output_index
        mean = {t: float(v[o]) / max(float(v[-1]), 1.0) for t, v in sums.items()}
        top = sorted(mean, key=lambda t: -mean[t])[:TOP_TOKENS]
        outputs = self._meta.get("output_names", [""])
        title = (
            f"limelight · {self._meta.get('method', '')} · mean |attribution| per token · "
            f"{outputs[o] if o < len(outputs) else ''}"
        )
        return importance_picture(top, [mean[t] for t in top], title)

    def _display_key(self) -> Any:
        return (self._run_status(), self.output_index)

    def to_html(self, *, title: str | None = None) -> str:
        """One self-contained page of the view as it stands (the top tokens, the text shown
        and its matches); opens from ``file://``, no kernel."""
        from ..export import page

        state = {
            "_view": "many_text",
            "_meta": dict(self._meta),
            "_tokens": dict(self._tokens),
            "_matches": dict(self._matches),
            "_item": dict(self._item),
            "_arrays": {},
            "_progress": dict(self._progress),
            "output_index": self.output_index,
            "selected": self.selected,
            "_static": True,
        }
        title = title or f"limelight: {self._meta.get('method', '')} explanations of many texts"
        return page(state, title=title, chart=False)

    def save(self, path: Any, *, overwrite: bool = True, partial: bool = False, **options: Any):
        """Write the texts: ``.html`` (the view, offline), ``.svg`` / ``.png`` (the top
        tokens), ``.json`` (every text's tokens and values) or ``.parquet`` (see
        ``ItemExplanations.save``). A run still going is waited for (as :meth:`wait`);
        ``partial=True`` writes the texts done."""
        from .._atomic import write_atomic
        from ._lifecycle import target_first

        target = target_first(path, overwrite)
        if not partial:
            self.wait()
        if target.suffix.lower() in (".html", ".htm"):
            return write_atomic(
                target, self.to_html(title=options.get("title")), overwrite=overwrite
            )
        options["overwrite"] = overwrite
        ex = self.explanations
        if ex is None:
            raise LimelightError("no text is explained yet", fix="w.wait() first, then save")
        if str(path).lower().endswith((".svg", ".png")):
            options.setdefault("output", self.output_index)
        return ex.save(path, **options)

    def run(self, run: Any, chunk_size: int) -> TextsWidget:
        """Explain the texts of ``run`` (a :class:`~limelight.many.text.TextRun`) in a
        background thread, ``chunk_size`` at a time."""
        n = len(run.texts)
        self._meta = {
            "output_names": run.output_names,
            "n_items": n,
            "method": run.first.explainer.name,
        }
        self._progress = {"status": "running", "n_evals": 0, "budget": n, "unit": "texts"}
        self._finished.clear()
        args = (run, max(1, int(chunk_size)))
        threading.Thread(
            target=from_user(self._work), args=args, daemon=True, name="limelight-texts"
        ).start()
        return self

    def _work(self, run: Any, chunk: int) -> None:
        from .._cancel import cancellable

        n, t0, status = len(run.texts), time.perf_counter(), "done"
        try:
            with cancellable(self._cancel):
                for a in range(0, n, chunk):
                    if self._cancel.is_set():
                        status = "cancelled"
                        break
                    self._add(run.explain(range(a, min(n, a + chunk))))
                    self._progress_now(t0, n, "running")
        except Cancelled:
            status = "cancelled"
        except BaseException as exc:  # shown in the widget, raised by wait()
            self._error, status = exc, "error"
        finally:
            self._progress_now(t0, n, status)
            self._finished.set()

    def _add(self, part: ItemExplanations) -> None:
        with self._lock:
            self._parts.append(part)
            for e in part.items:
                if e is None:
                    continue
                for tok, v in zip(e.feature_names, np.abs(e.values).T):
                    key = token_key(tok)
                    if key:
                        acc = self._sums.setdefault(key, np.zeros(len(v) + 1))
                        acc[:-1] += v
                        acc[-1] += 1
        self._push_tokens()

    def _push_tokens(self, _change: Any = None) -> None:
        o = self.output_index
        with self._lock:
            means = [(k, float(s[o] / s[-1]), int(s[-1])) for k, s in self._sums.items()]
        means.sort(key=lambda t: -t[1])
        top = means[:TOP_TOKENS]
        self._tokens = {
            "tokens": [t for t, _, _ in top],
            "mean_abs": [m for _, m, _ in top],
            "count": [c for _, _, c in top],
        }

    def _progress_now(self, t0: float, n: int, status: str) -> None:
        done = sum(len(p) for p in self._parts)
        elapsed = time.perf_counter() - t0
        p = {"status": status, "n_evals": done, "budget": n, "unit": "texts"}
        p["elapsed"] = round(elapsed, 2)
        if status == "running" and done:
            p["eta"] = round(elapsed / done * (n - done), 1)
        ex = self._error
        if status == "error":
            p["message"] = (
                str(ex) if isinstance(ex, LimelightError) else f"{type(ex).__name__}: {ex}"
            )
        failed = sum(int((~q.ok).sum()) for q in self._parts)
        with self.hold_sync():
            self._meta = {**self._meta, "failed": failed}
            self._progress = p

    def matches(self, token: str) -> list[dict]:
        """The texts done that contain ``token``, by its |attribution| there, largest first."""
        key, o, found = token_key(token), self.output_index, []
        ex = self.explanations
        for i, e in enumerate(ex.items if ex is not None else []):
            if e is None:
                continue
            vals = [v for t, v in zip(e.feature_names, e.values[o]) if token_key(t) == key]
            if vals:
                v = max(vals, key=abs)
                found.append({"item": i, "value": float(v), "snippet": str(e.data)[:140]})
        found.sort(key=lambda m: -abs(m["value"]))
        return found[:MATCHES]

    def _show_item(self, _change: Any = None) -> None:
        ex, i = self.explanations, self.selected
        if ex is None or i is None or not 0 <= i < len(ex):
            self._item = {}
            return
        e, o = ex.items[i], self.output_index
        if e is None:
            self._item = {"item": int(i), "error": str(ex.errors[i])}
            return
        self._item = {
            "item": int(i),
            "text": str(e.data),
            "tokens": list(e.feature_names),
            "spans": e.spans.tolist(),
            "values": [float(v) for v in e.values[o]],
            "prediction": float(e.prediction[o]),
            "base": float(e.base_values[o]),
        }

    def _on_message(self, _widget: Any, content: Any, _buffers: Any) -> None:
        if not isinstance(content, dict):
            return
        kind = content.get("type")
        if kind == "cancel":
            self.cancel()
        elif kind == "select":
            self.selected = int(content["item"])
        elif kind == "token":
            token = str(content.get("token", ""))
            self._matches = {"token": token, "items": self.matches(token)}
        elif kind == "ready":
            self.send_state(["_view", "_meta", "_tokens", "_matches", "_item", "_progress"])


def explain_texts(model: Any, texts: Any, *, chunk_size: int = 32, **options: Any) -> TextsWidget:
    """Like ``attribute_many`` on a list of texts, as a widget that fills in chunk by chunk
    (planning, and any error in the arguments, happen here).

        >>> w = ll.explain_many(pipe, reviews, method="shapley")   # doctest: +SKIP
        >>> w.selected = 4   # that text, its tokens coloured          # doctest: +SKIP
    """
    from ..many.text import TextRun

    return TextsWidget().run(TextRun(model, list(texts), **options), chunk_size)

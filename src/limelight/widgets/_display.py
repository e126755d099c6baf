"""What a limelight output leaves in a saved notebook: beside the live widget, a static
picture of the result and one honest line of text, updated in place when the run ends.

A notebook is read more often than it is run (GitHub, nbviewer, nbconvert HTML, a
JupyterLab without its kernel), and those readers draw no widgets: they show the next
mimetype of the same output, ``text/html`` then ``text/plain``. So every widget displays
itself with a display id, and when its run ends (done, cancelled or failed) the output is
replaced by one whose picture and text are the final ones. The picture is made once per
state, in the thread that finished the run (never the user's), and kept under
``MAX_PICTURE_BYTES``.

Updates sent while no cell runs may be dropped by a front end (nbclient and JupyterLab
attach output to the cell that is executing), so the first cell that ends afterwards sends
them again. ``limelight.options.static_pictures = False`` (or the environment variable
``LIMELIGHT_STATIC_PICTURES=0``) turns all of it off: the plain widget output, no picture.

    >>> from limelight.explanation import Explanation
    >>> from limelight.widgets import ExplanationWidget
    >>> e = Explanation(values=[[0.5, -0.25]], base_values=[1.0], prediction=[1.25],
    ...                 output_names=["y"], feature_names=["a", "b"], method="exact")
    >>> w = ExplanationWidget.from_explanation(e)
    >>> bundle = w._display_bundle()
    >>> bundle["text/plain"]
    'explanation (tabular, exact, done): 2 features, top a +0.5'
    >>> 'class="limelight-static"' in bundle["text/html"]
    True
"""

from __future__ import annotations

import html
import threading
import uuid
import weakref
from typing import Any

from .._options import options
from ._lifecycle import Lifecycle

#: the largest picture an output keeps (a saved notebook stays small)
MAX_PICTURE_BYTES = 100_000
TERMINAL = ("done", "cancelled", "error")


_shown: weakref.WeakSet = weakref.WeakSet()  # widgets displayed with a display id
_state = {"hooks": False, "cell_running": False}
_lock = threading.Lock()


def _ipython() -> Any:
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with ipywidgets
        return None
    return get_ipython()


def _pre_cell(*_args: Any) -> None:
    _state["cell_running"] = True


def _post_cell(*_args: Any) -> None:
    """At the end of every cell (the user's thread, a cell is still attached): send the
    outputs that changed since they were last sent, or that were sent while no cell ran."""
    for widget in list(_shown):
        try:
            if widget._display_key() != widget._sent_key or widget._resend:
                widget._refresh_display()
        except Exception:  # noqa: BLE001,S112 - a picture must never break the user's cell
            continue
    _state["cell_running"] = False


def _ensure_hooks(ip: Any) -> None:
    with _lock:
        if _state["hooks"]:
            return
        ip.events.register("pre_run_cell", _pre_cell)
        ip.events.register("post_run_cell", _post_cell)
        _state["hooks"] = True
        _state["cell_running"] = True  # we are called from inside a cell


def _too_big(picture: str) -> bool:
    return len(picture.encode("utf-8")) > MAX_PICTURE_BYTES


class StaticDisplay(Lifecycle):
    """Mixin for every limelight widget (put it before ``AnyWidget``). A subclass gives
        ``_static_picture()`` (sanitised HTML of what it shows, or None) and ``_describe()`` (one
        line: what it is and how it ended); ``_run_status()`` defaults to ``_progress``'s. Its base,
    :class:`~limelight.widgets._lifecycle.Lifecycle`, gives every widget the same verbs."""

    _display_ids: list[str]
    _sent_key: Any = None
    _resend = False
    _picture_cache: tuple[Any, str | None] | None = None

    # -- what a subclass says -------------------------------------------------------------
    def _run_status(self) -> str:
        progress = getattr(self, "_progress", None) or {}
        return str(progress.get("status") or "ready")

    def _static_picture(self) -> str | None:
        svg = getattr(self, "_svg", None)
        return None if svg is None else f'<div class="limelight-static">{svg()}</div>'

    def _describe(self) -> str:
        return f"{type(self).__name__} ({self._run_status()})"

    def _display_key(self) -> Any:
        """Changes whenever the picture would: the run's status by default."""
        return self._run_status()

    # -- display --------------------------------------------------------------------------
    def __repr__(self) -> str:
        return self._describe()

    def _picture(self) -> str | None:
        key = self._display_key()
        cached = self._picture_cache
        if cached is not None and cached[0] == key:
            return cached[1]
        try:
            picture = self._static_picture()
        except Exception as exc:  # noqa: BLE001 - the text says what happened
            picture = f"<pre>{html.escape(f'(no picture: {type(exc).__name__}: {exc})')}</pre>"
        if picture is not None and _too_big(picture):
            picture = _smaller(picture)
        self._picture_cache = (key, picture)
        return picture

    def _display_bundle(self) -> dict:
        """The output's data: the widget view, the picture (once there is one) and the text."""
        return self._bundle()[0]

    def _bundle(self) -> tuple[dict, dict]:
        bundle = super()._repr_mimebundle_()  # type: ignore[misc]
        data, meta = bundle if isinstance(bundle, tuple) else (bundle, {})
        data = dict(data)
        data["text/plain"] = self._describe()
        picture = self._picture() if options.static_pictures else None
        if picture is not None:
            data["text/html"] = picture
        elif options.static_pictures:
            data["text/html"] = (
                f'<div class="limelight-static"><pre>{html.escape(self._describe())}</pre></div>'
            )
        return data, dict(meta or {})

    def _repr_mimebundle_(self, **kwargs: Any) -> tuple[dict, dict]:
        """For front ends that ask for a bundle (marimo, nbconvert's own display)."""
        return self._bundle()

    def _ipython_display_(self) -> None:
        from IPython.display import display

        # the metadata is anywidget's: in Colab it names the widget manager that draws us
        data, meta = self._bundle()
        ip = _ipython()
        if not options.static_pictures or ip is None or not hasattr(ip, "events"):
            display(data, metadata=meta, raw=True)
            return
        if not hasattr(self, "_display_ids") or not isinstance(self._display_ids, list):
            self._display_ids = []
        display_id = uuid.uuid4().hex
        self._display_ids.append(display_id)
        self._sent_key, self._resend = self._display_key(), False
        _shown.add(self)
        _ensure_hooks(ip)
        self._watch_run_end()
        display(data, metadata=meta, raw=True, display_id=display_id)

    def _refresh_display(self) -> None:
        """Replace every output of this widget with its present picture and text."""
        ids = list(getattr(self, "_display_ids", []))
        if not ids or not options.static_pictures:
            return
        from IPython.display import update_display

        key = self._display_key()
        data, meta = self._bundle()
        for display_id in ids:
            update_display(data, metadata=meta, raw=True, display_id=display_id)
        self._sent_key = key
        self._resend = not _state["cell_running"]

    def _watch_run_end(self) -> None:
        source = self._status_source()
        if source is None or getattr(self, "_watching", False):
            return
        self._watching = True
        me = weakref.ref(self)

        def on_progress(change: dict) -> None:
            widget = me()
            new = (change.get("new") or {}).get("status")
            if widget is None or new not in TERMINAL:
                return
            threading.Thread(target=_refresh_later, args=(me,), daemon=True).start()

        source.observe(on_progress, names="_progress")

    def _status_source(self) -> Any:
        """The object whose ``_progress`` trait says how the run goes."""
        traits = getattr(self, "traits", None)
        return self if traits is not None and "_progress" in traits() else None


def _refresh_later(ref: weakref.ref) -> None:
    # the status flips just before the run's last fields are set: let them land
    threading.Event().wait(0.05)
    widget = ref()
    if widget is None:
        return
    try:
        if widget._display_key() != widget._sent_key:
            widget._refresh_display()
    except Exception:  # noqa: BLE001,S110 - the next cell's end tries again
        pass


def _smaller(picture: str) -> str:
    """A picture over the size limit: its SVG as a PNG if that fits, else a note."""
    start, end = picture.find("<svg"), picture.rfind("</svg>")
    if start >= 0 and end > start:
        try:
            import base64

            from ..export import _vl_convert

            png = _vl_convert().svg_to_png(picture[start : end + 6], scale=1)
            if len(png) * 4 // 3 < MAX_PICTURE_BYTES:
                data = base64.b64encode(png).decode("ascii")
                return (
                    f'<div class="limelight-static"><img src="data:image/png;base64,{data}"/></div>'
                )
        except Exception:  # noqa: BLE001,S110 - fall through to the note
            pass
    return (
        '<div class="limelight-static"><pre>(the picture is larger than '
        f"{MAX_PICTURE_BYTES // 1000} KB: save the view as .html to keep it)</pre></div>"
    )


def importance_picture(names: list[str], values: Any, title: str) -> str:
    """Scriptless bars of a global importance (mean |attribution|), names escaped."""
    import numpy as np

    from ..explanation import Explanation
    from ..export.draw import bars_html

    values = np.asarray(values, dtype=float).reshape(1, -1)
    exp = Explanation(
        values=values,
        base_values=[0.0],
        prediction=[0.0],
        output_names=["mean |attribution|"],
        feature_names=[str(n) for n in names],
        modality="importance",
    )
    return (
        '<div class="limelight-static"><div style="font:12px sans-serif;color:#555">'
        f"{html.escape(title)}</div>{bars_html(exp)}</div>"
    )

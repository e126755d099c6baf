"""What an explorer's output leaves in a saved notebook: the global importance and the
selected row's explanation as scriptless pictures, and one line of text (see
:mod:`limelight.widgets._display`)."""

from __future__ import annotations

from typing import Any


class ExplorerPicture:
    """Mixin for :class:`~limelight.widgets.explorer.Explorer` (before ``StaticDisplay``)."""

    def _status_source(self) -> Any:
        return self.panel

    def _display_key(self) -> Any:
        return (self._run_status(), self.selected, self._global_done.is_set())

    def _static_picture(self) -> str | None:
        from ..export import static_html

        parts = []
        imp = self.global_.get("importance")
        if imp is not None:
            parts.append(static_html(imp))
        if self.panel.explanation is not None:
            parts.append(static_html(self.panel.explanation))
        return "".join(parts) or None

    def _describe(self) -> str:
        row = "" if self.selected is None else f", row {self.selected}: "
        panel = self.panel._describe() if self.selected is not None else ""
        return f"explorer ({self._n} rows{row}{panel})"

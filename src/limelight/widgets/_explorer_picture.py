"""What an explorer's output leaves in a saved notebook (the global importance and the
selected row's explanation as scriptless pictures, and one line of text: see
:mod:`limelight.widgets._display`), and what its files hold (``save``, ``snapshot``)."""

from __future__ import annotations

from typing import Any

from ..errors import LimelightError


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

    # -- snapshots: the selected row's explanation, as the panel shows it ----------------------
    def _check_selection(self, what: str = "to export") -> None:
        if self.selected is None:
            raise LimelightError(
                f"no row is selected, so there is no explanation {what}",
                fix="click a row (or set ex.selected = i) first; with labels (y=) an explorer "
                "saves its data set's importance while no row is selected",
            )

    def save(self, path: Any, *, include_data: bool = True, overwrite: bool = True, **options: Any):
        """Save the selected row's explanation (``.html``, ``.png``, ``.svg``, ``.json``),
        as the panel shows it; with no row selected, the data set's feature importance
        (waiting for it, as ``wait_global``). Written whole or not at all;
        ``overwrite=False`` refuses to replace an existing file."""
        if self.selected is None and self._modality != "image":
            from ._lifecycle import target_first

            target_first(path, overwrite)
            importance = self.wait_global()["importance"]
            if importance is not None:
                from . import ExplanationWidget

                panel = ExplanationWidget.from_explanation(importance)
                return panel.save(path, include_data=include_data, overwrite=overwrite, **options)
        self._check_selection()
        return self.panel.save(path, include_data=include_data, overwrite=overwrite, **options)

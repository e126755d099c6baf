"""`CompareWidget`: several explainers on one instance, side by side (each drawn by its
modality's own view), with the agreement table below.

    >>> import numpy as np
    >>> X = np.random.default_rng(0).normal(size=(30, 3))
    >>> w = CompareWidget(lambda B: B @ [1.0, 2.0, -1.0], X[0], ["exact", "exact"],
    ...                   background=X).run_now()
    >>> w.agreement[["method_a", "method_b", "spearman"]].values.tolist()
    [['exact', 'exact (2)', 1.0]]
"""

from __future__ import annotations

import re
from typing import Any

from ..explanation import Explanation
from ..inspection.agreement import TOP_K, Comparison, plan_comparison, table
from . import CHART_VIEWS, encode
from .views import ViewWidget


class CompareWidget(ViewWidget):
    """``.wait()`` -> a :class:`~limelight.inspection.agreement.Comparison` (it unpacks as
    ``(explanations, agreement)``); ``.agreement`` the DataFrame (one row per pair of
    methods), ``.explanations`` by method."""

    view_name = "compare"
    title = "limelight: explainers compared"

    def __init__(
        self,
        model: Any,
        x: Any,
        methods: list[Any] | None,
        *,
        background: Any = None,
        top_k: int = TOP_K,
        random_state: int | None = None,
        **options: Any,
    ) -> None:
        super().__init__()
        # every plan is made now, so bad input fails in the caller's cell
        self._plans, self._k = plan_comparison(
            model,
            x,
            methods,
            background=background,
            top_k=top_k,
            random_state=random_state,
            **options,
        )
        self.explanations: dict[str, Explanation] = {}
        self._agreement = None

    def wait(self, timeout: float | None = None) -> Comparison:
        """Block until every method finished: the :class:`~limelight.inspection.agreement.Comparison`
        (explanations by method, agreement), as :func:`limelight.compare_methods` returns it."""
        self._wait(timeout)
        return Comparison(self.explanations, self._agreement)

    @property
    def agreement(self):
        """One row per pair: ``spearman``, ``top_k`` overlap, the sign disagreements."""
        self._wait()
        return self._agreement

    def _compute(self, push) -> None:
        labels = [label for label, _ in self._plans]
        for label, p in self._plans:
            for exp in p.stream():
                self.explanations[label] = exp
                if exp.done:
                    break
            self._publish(labels)
        done = [self.explanations[label] for label in labels]
        self._agreement = table(labels, done, k=self._k)
        self._publish(labels)

    def _publish(self, labels: list[str]) -> None:
        panels, arrays = [], {}
        for i, label in enumerate(labels):
            exp = self.explanations.get(label)
            if exp is None:
                panels.append({"label": label, "view": None})
                continue
            view, meta, arr = encode(exp)
            panels.append({"label": label, "view": view, "meta": meta, "arrays": sorted(arr)})
            for name, a in arr.items():
                arrays[f"m{i}:{name}"] = a
        rows = None if self._agreement is None else self._agreement.to_dict("records")
        meta = {
            "panels": panels,
            "agreement": rows,
            "k": self._k,
            "charts": any(p.get("view") in CHART_VIEWS for p in panels),
        }
        with self.hold_sync():
            self._meta = meta
            self._arrays = arrays

    def _on_view_message(self, content: dict) -> None:
        if content.get("type") == "quality" and self._agreement is not None:
            for exp in self.explanations.values():  # a panel's "check faithfulness"
                if exp.quality is not None:
                    exp.quality.compute()
            self._publish(list(self.explanations))

    def page_state(self) -> dict:
        import base64

        state = super().page_state()
        state["_arrays"] = {
            k: {
                "b64": base64.b64encode(bytes(v["view"])).decode("ascii"),
                "dtype": v["dtype"],
                "shape": v["shape"],
            }
            for k, v in self._arrays.items()
        }
        return state

    def _json(self) -> dict:
        exps, agree = self.wait()
        return {
            "view": "compare",
            "explanations": {k: e.to_dict() for k, e in exps.items()},
            "agreement": agree.to_dict("records"),
        }

    def _svg(self) -> str:
        from ..export import to_svg

        exps, agree = self.wait()
        parts, x, height = [], 0, 0
        for label, exp in exps.items():
            svg = to_svg(exp)
            w, h = _size(svg)
            parts.append(
                f'<text x="{x + 4}" y="14" font-family="sans-serif" font-size="13">'
                f"{_esc(label)}</text>" + svg.replace("<svg", f'<svg x="{x}" y="20"', 1)
            )
            x += w + 16
            height = max(height, h)
        lines = [
            f"{r['method_a']} vs {r['method_b']}: Spearman {r['spearman']:.3f}, "
            f"top-{r['k']} overlap {r['top_k']:.2f}, "
            f"{r['n_sign_disagreements']} sign disagreements"
            for r in agree.to_dict("records")
        ]
        y = height + 40
        text = "".join(
            f'<text x="4" y="{y + 16 * i}" font-family="sans-serif" '
            f'font-size="12">{_esc(line)}</text>'
            for i, line in enumerate(lines)
        )
        total_h = y + 16 * len(lines) + 8
        return (
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{max(x, 400)}" '
            f'height="{total_h}">{"".join(parts)}{text}</svg>'
        )


def _size(svg: str) -> tuple[int, int]:
    head = svg.split(">", 1)[0]
    w = re.search(r'width="([\d.]+)', head)
    h = re.search(r'height="([\d.]+)', head)
    return int(float(w.group(1))) if w else 400, int(float(h.group(1))) if h else 300


def _esc(s: str) -> str:
    import html

    return html.escape(str(s))


def compare(
    model: Any,
    x: Any,
    *,
    methods: list[Any] | None = None,
    background: Any = None,
    top_k: int = TOP_K,
    random_state: int | None = None,
    **options: Any,
) -> CompareWidget:
    """Run ``methods`` (names or explainer objects, two or more) on ``x`` and show them
    side by side with their agreement; returns a widget at once (the blocking twin,
    :func:`limelight.compare_methods`, returns the same ``Comparison`` as ``.wait()``). By
    default, for a row:
    ``["exact", "kernel", "lime"]`` up to 12 features, ``["leverage", "kernel", "lime"]``
    above (exact Shapley values grow as 2**d); for a text ``["shapley", "leverage",
    "lime"]``, for an image ``["occlusion", "shapley", "lime"]``.

        >>> w = ll.compare(model, x, methods=["exact", "kernel", "lime"], background=X)  # doctest: +SKIP
        >>> exps, agreement = w.wait()                                                  # doctest: +SKIP
    """
    w = CompareWidget(
        model,
        x,
        None if methods is None else methods,
        background=background,
        top_k=top_k,
        random_state=random_state,
        **options,
    )
    return w.start()

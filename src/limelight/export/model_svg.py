"""SVG pictures of the model views for PNG/SVG exports and scriptless viewers: training
curves (a panel per metric, a colour per run), histograms, and the structure as rows.
Every user string is escaped."""

from __future__ import annotations

from typing import Any

import numpy as np

from .model_views import esc

COLORS = [
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
]
FONT = 'font-family="system-ui,sans-serif" font-size="11"'
TITLE = 'font-family="system-ui,sans-serif" font-size="13" font-weight="600"'


def smooth(values: np.ndarray, weight: float) -> np.ndarray:
    """TensorBoard's debiased exponential moving average (``weight`` in [0, 1))."""
    if weight <= 0:
        return values
    out = np.empty_like(values, dtype=np.float64)
    acc, n = 0.0, 0
    for i, v in enumerate(values):
        if not np.isfinite(v):
            out[i] = v
            continue
        acc = acc * weight + (1 - weight) * v
        n += 1
        out[i] = acc / (1 - weight**n)
    return out


def _wrap(width: int, height: int, body: list[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}"><rect width="100%" height="100%" fill="#fff"/>'
        + "".join(body)
        + "</svg>"
    )


def _panel(x0: float, y0: float, w: float, h: float, title: str, lines: list, log: bool) -> list:
    """One metric: axes box, min/max labels, a polyline per run."""
    body = [
        f'<text x="{x0}" y="{y0 - 6}" {FONT} font-weight="600">{esc(title)}</text>',
        f'<rect x="{x0}" y="{y0}" width="{w}" height="{h}" fill="none" stroke="#bbb"/>',
    ]
    pts = [(s, v) for _, s, v in lines]
    if not pts:
        return body
    xs = np.concatenate([s for s, _ in pts])
    ys = np.concatenate([v for _, v in pts])
    ys = np.log10(ys[ys > 0]) if log else ys[np.isfinite(ys)]
    if xs.size == 0 or ys.size == 0:
        return body
    xlo, xhi = float(xs.min()), float(xs.max()) or 1.0
    ylo, yhi = float(ys.min()), float(ys.max())
    xhi, yhi = (xhi if xhi > xlo else xlo + 1), (yhi if yhi > ylo else ylo + 1)
    for color, s, v in lines:
        v = np.log10(np.where(v > 0, v, np.nan)) if log else v
        px = x0 + (s - xlo) / (xhi - xlo) * w
        py = y0 + h - (v - ylo) / (yhi - ylo) * h
        keep = np.isfinite(py)
        coords = " ".join(f"{a:.1f},{b:.1f}" for a, b in zip(px[keep], py[keep], strict=True))
        body.append(
            f'<polyline points="{coords}" fill="none" stroke="{color}" stroke-width="1.5"/>'
        )
    lab = (lambda t: f"1e{t:.2g}") if log else (lambda t: f"{t:.4g}")
    body += [
        f'<text x="{x0 + 3}" y="{y0 + 11}" {FONT} fill="#555">{lab(yhi)}</text>',
        f'<text x="{x0 + 3}" y="{y0 + h - 3}" {FONT} fill="#555">{lab(ylo)}</text>',
        f'<text x="{x0 + w}" y="{y0 + h + 13}" {FONT} fill="#555" text-anchor="end">'
        f"step {xhi:g}</text>",
    ]
    return body


def curves(
    frame: Any,
    *,
    title: str = "",
    log_scale: bool = False,
    smoothing: float = 0.0,
    width: int = 720,
) -> str:
    metrics = list(dict.fromkeys(frame["metric"])) if len(frame) else []
    runs = list(dict.fromkeys(frame["run"])) if len(frame) else []
    cols = min(3, max(1, len(metrics)))
    pw, ph = (width - 40) / cols - 20, 160
    rows = (len(metrics) + cols - 1) // cols
    top = 40 + 18 * (1 if runs else 0)
    body = [f'<text x="20" y="20" {TITLE}>{esc(title or "training curves")}</text>']
    for i, run in enumerate(runs):
        body.append(
            f'<text x="{20 + 120 * i}" y="38" {FONT} fill="{COLORS[i % 10]}">● {esc(run)}</text>'
        )
    for k, metric in enumerate(metrics):
        sub = frame[frame["metric"] == metric]
        lines = []
        for i, run in enumerate(runs):
            r = sub[sub["run"] == run].sort_values("step", kind="stable")
            if len(r):
                lines.append(
                    (
                        COLORS[i % 10],
                        r["step"].to_numpy(float),
                        smooth(r["value"].to_numpy(float), smoothing),
                    )
                )
        x0 = 20 + (k % cols) * (pw + 20)
        y0 = top + 20 + (k // cols) * (ph + 40)
        body += _panel(x0, y0, pw, ph, metric, lines, log_scale)
    return _wrap(width, int(top + 20 + rows * (ph + 40) + 10), body)


def histograms(items: list[tuple[str, np.ndarray, np.ndarray]], width: int = 720) -> str:
    """A small bar chart per ``(title, counts, edges)``."""
    cols = 3
    pw, ph = (width - 40) / cols - 20, 90
    body = []
    for k, (title, counts, edges) in enumerate(items):
        x0 = 20 + (k % cols) * (pw + 20)
        y0 = 30 + (k // cols) * (ph + 46)
        body.append(f'<text x="{x0}" y="{y0 - 6}" {FONT} font-weight="600">{esc(title)}</text>')
        top = max(int(np.max(counts)), 1) if len(counts) else 1
        bw = pw / max(len(counts), 1)
        for i, c in enumerate(counts):
            bh = ph * float(c) / top
            body.append(
                f'<rect x="{x0 + i * bw:.1f}" y="{y0 + ph - bh:.1f}" '
                f'width="{max(bw - 1, 0.5):.1f}" height="{bh:.1f}" fill="#1f77b4"/>'
            )
        body.append(
            f'<text x="{x0}" y="{y0 + ph + 13}" {FONT} fill="#555">{edges[0]:.3g}</text>'
            f'<text x="{x0 + pw}" y="{y0 + ph + 13}" {FONT} fill="#555" '
            f'text-anchor="end">{edges[-1]:.3g}</text>'
        )
    rows = (len(items) + cols - 1) // cols
    return _wrap(width, int(30 + rows * (ph + 46)), body)


def structure_rows(rows: list[dict], title: str, width: int = 720) -> str:
    """The structure as an indented list: name, type, output shape, parameters."""
    body = [f'<text x="20" y="20" {TITLE}>{esc(title)}</text>']
    for i, r in enumerate(rows):
        y = 42 + 18 * i
        x = 20 + 16 * r["depth"]
        body.append(
            f'<text x="{x}" y="{y}" {FONT}><tspan font-weight="600">{esc(r["label"])}'
            f'</tspan> <tspan fill="#555">{esc(r["type"])}</tspan></text>'
            f'<text x="{width - 180}" y="{y}" {FONT} fill="#555">{esc(r["shape"])}</text>'
            f'<text x="{width - 20}" y="{y}" {FONT} text-anchor="end">{esc(r["params"])}'
            f"</text>"
        )
    return _wrap(width, 42 + 18 * len(rows), body)

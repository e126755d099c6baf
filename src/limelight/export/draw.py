"""Pictures of text and image explanations drawn in Python, with the live views' colours.

Text: an SVG of the tokens on coloured backgrounds (the text view's 20 bins per sign,
blue (33, 102, 172) <- white -> red (178, 24, 43), black or white text by contrast).
Image: the picture with the diverging heat map over it at opacity 0.6, composited in
numpy exactly as the image view's canvas does, written by a small zlib PNG writer.

    >>> import numpy as np
    >>> png = write_png(np.zeros((2, 3, 4), np.uint8))
    >>> png_size(png)
    (3, 2)
"""

from __future__ import annotations

import html
import struct
import zlib

import numpy as np

from ..explanation import Explanation

NEG = (33, 102, 172)
POS = (178, 24, 43)
WHITE = (255, 255, 255)
IMAGE_WHITE = (247, 247, 247)  # the image view's diverging midpoint
BINS = 20
OPACITY = 0.6
TEXT_LINES = 120  # lines of a text picture (PNG/SVG): about 10,000 characters, 3,000 px


# -- PNG ------------------------------------------------------------------------------------
def write_png(rgba: np.ndarray) -> bytes:
    """PNG bytes of an ``(H, W, 4)`` uint8 array (no pillow needed)."""
    a = np.ascontiguousarray(rgba, dtype=np.uint8)
    h, w = a.shape[:2]
    raw = np.concatenate([np.zeros((h, 1), np.uint8), a.reshape(h, w * 4)], axis=1).tobytes()

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    ihdr = struct.pack(">IIBBBBB", w, h, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(raw, 6))
        + chunk(b"IEND", b"")
    )


def png_size(png: bytes) -> tuple[int, int]:
    """``(width, height)`` read from a PNG's IHDR chunk."""
    if png[:8] != b"\x89PNG\r\n\x1a\n" or png[12:16] != b"IHDR":
        raise ValueError("not a PNG")
    return struct.unpack(">II", png[16:24])


# -- text -----------------------------------------------------------------------------------
def _mix(a, b, t):
    return tuple(round(x + (y - x) * t) for x, y in zip(a, b))


def _luminance(rgb) -> float:
    def lin(c):
        s = c / 255
        return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = rgb
    return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b)


def token_colours(value: float, scale: float) -> tuple[tuple[int, int, int], str]:
    """(fill, text colour) of a token, as the text view colours it on a white page."""
    if not np.isfinite(value) or not scale > 0:
        b = 0
    else:
        b = round(max(-1.0, min(1.0, value / scale)) * BINS)
    fill = _mix(WHITE, NEG if b < 0 else POS, (abs(b) / BINS) ** 0.8)
    return fill, "#000" if _luminance(fill) > 0.179 else "#fff"


def text_scale(values: np.ndarray) -> float:
    finite = np.abs(values[np.isfinite(values)])
    return float(np.percentile(finite, 99.5)) if finite.size else 1.0


def _segments(exp: Explanation) -> list[tuple[str, int | None]]:
    """The document as (text, token index or None) pieces: gaps between tokens kept."""
    tokens = list(exp.feature_names or [])
    text = exp.data if isinstance(exp.data, str) else None
    if text is None or exp.spans is None:
        out: list[tuple[str, int | None]] = []
        for t, tok in enumerate(tokens):
            if t:
                out.append((" ", None))
            out.append((tok, t))
        return out
    if not tokens:
        tokens = [text[s:e] for s, e in exp.spans]
    out, last = [], 0
    for t, (s, e) in enumerate(np.asarray(exp.spans).tolist()):
        if s > last:
            out.append((text[last:s], None))
        out.append((tokens[t], t))
        last = max(last, e)
    if last < len(text):
        out.append((text[last:], None))
    return out


def text_svg(
    exp: Explanation, output: int | str | None = None, *, width: int = 720, font_size: int = 14
) -> str:
    """An SVG of a text explanation: header, legend and the wrapped, coloured document."""
    o = exp.output_index(output)
    values = np.asarray(exp.values, dtype=float).reshape(exp.n_outputs, -1)
    scale = text_scale(values)
    char_w = 0.6 * font_size  # monospace advance, so wrapping is predictable without fonts
    line_h = round(font_size * 1.7)
    pad = 10
    max_chars = max(8, int((width - 2 * pad) // char_w))
    # lay the pieces out on lines (a piece longer than a line is cut)
    lines: list[list[tuple[str, int | None]]] = [[]]
    col = 0
    for piece, t in _segments(exp):
        parts = piece.split("\n")
        for k, part in enumerate(parts):
            if k:
                lines.append([])
                col = 0
            while part:
                room = max_chars - col
                if len(part) > room and col and t is not None and len(part) <= max_chars:
                    lines.append([])
                    col, room = 0, max_chars
                chunk, part = part[:room], part[room:]
                if t is None and col == 0:
                    chunk = chunk.lstrip(" ")
                if chunk:
                    lines[-1].append((chunk, t))
                    col += len(chunk)
                if part:
                    lines.append([])
                    col = 0
    cut = ""
    if len(lines) > TEXT_LINES:  # a picture of a book is unreadable and slow to rasterise
        drawn = {t for line in lines[:TEXT_LINES] for _, t in line if t is not None}
        hidden = values.shape[1] - len(drawn)
        lines = lines[:TEXT_LINES] + [[]]
        cut = f"… {hidden} more tokens: see the HTML or JSON export"
    top = pad + 3 * line_h
    height = top + len(lines) * line_h + pad
    esc = html.escape
    predicted = exp.output_index(None)
    head = (
        f"predicted: {exp.output_names[predicted]} ({exp.prediction[predicted]:.3f})"
        f" · explaining: {exp.output_names[o]} = {exp.prediction[o]:.3f} · {exp.method}"
    )
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="DejaVu Sans Mono, monospace" '
        f'font-size="{font_size}">',
        f'<rect width="{width}" height="{height}" fill="#fff"/>',
        f'<text x="{pad}" y="{pad + font_size}" fill="#222">{esc(head)}</text>',
        '<defs><linearGradient id="ll-legend"><stop offset="0" stop-color="rgb(33,102,172)"/>'
        '<stop offset="0.5" stop-color="#fff"/><stop offset="1" stop-color="rgb(178,24,43)"/>'
        "</linearGradient></defs>",
        f'<text x="{pad}" y="{pad + line_h + font_size}" fill="#222" font-size="12">'
        f"{esc(f'{-scale:+.3g}')}</text>",
        f'<rect x="{pad + 60}" y="{pad + line_h + 4}" width="140" height="10" '
        'fill="url(#ll-legend)" stroke="#ccc"/>',
        f'<text x="{pad + 206}" y="{pad + line_h + font_size}" fill="#222" font-size="12">'
        f"{esc(f'{scale:+.3g}')} · red pushes toward {esc(exp.output_names[o])}, blue away</text>",
    ]
    for i, line in enumerate(lines):
        y = top + i * line_h
        x = pad
        for chunk, t in line:
            w = len(chunk) * char_w
            colour = "#222"
            if t is not None:
                fill, colour = token_colours(values[o, t], scale)
                out.append(
                    f'<rect x="{x:.1f}" y="{y + 2}" width="{w:.1f}" '
                    f'height="{line_h - 4}" rx="3" fill="rgb{fill}"/>'
                )
            out.append(
                f'<text x="{x:.1f}" y="{y + line_h - 8}" fill="{colour}" '
                f'xml:space="preserve">{esc(chunk)}</text>'
            )
            x += w
    if cut:
        out.append(
            f'<text x="{pad}" y="{top + (len(lines) - 1) * line_h + line_h - 8}" '
            f'fill="#555" font-style="italic">{esc(cut)}</text>'
        )
    out.append("</svg>")
    return "\n".join(out)


def text_html(exp: Explanation, output: int | str | None = None) -> str:
    """Scriptless HTML of a text explanation (inline styles, every string escaped)."""
    o = exp.output_index(output)
    values = np.asarray(exp.values, dtype=float).reshape(exp.n_outputs, -1)
    scale = text_scale(values)
    parts = []
    for piece, t in _segments(exp):
        if t is None:
            parts.append(html.escape(piece))
            continue
        fill, colour = token_colours(values[o, t], scale)
        parts.append(
            f'<span style="background:rgb{fill};color:{colour};border-radius:3px" '
            f'title="{values[o, t]:.4g}">{html.escape(piece)}</span>'
        )
    return (
        '<div style="white-space:pre-wrap;line-height:1.7;font-family:sans-serif">'
        + "".join(parts)
        + "</div>"
    )


# -- image ----------------------------------------------------------------------------------
def _lut() -> np.ndarray:
    stops = np.array([NEG, IMAGE_WHITE, POS], dtype=float)
    pos = np.arange(256) / 255 * 2
    k = np.minimum(1, np.floor(pos)).astype(int)
    t = (pos - k)[:, None]
    return np.round(stops[k] + (stops[k + 1] - stops[k]) * t).astype(np.uint8)


def image_scale(values: np.ndarray, q: float = 0.98) -> float:
    """The q-quantile of |values| over non-zero pixels (the view's outlier normalisation)."""
    m = np.abs(values[np.isfinite(values)])
    m = m[m > 0]
    return float(np.quantile(m, q)) if m.size else 1.0


def image_rgba(
    exp: Explanation, output: int | str | None = None, *, opacity: float = OPACITY
) -> np.ndarray:
    """The image view's overlay as an ``(H, W, 4)`` uint8 array at the picture's size."""
    from ..encoders.image import at_display_size, picture_rgba

    o = exp.output_index(output)
    # the one map drawn, at display size (a 4000 px photo is drawn at 1024 px)
    one = at_display_size(exp.with_(values=np.asarray(exp.values)[o : o + 1], stderr=None))
    values = np.nan_to_num(np.asarray(one.values, dtype=float)[0], posinf=0.0, neginf=0.0)
    exp = one
    if exp.data is None:
        picture = np.full(values.shape + (4,), 128, np.uint8)
        picture[..., 3] = 255
    else:
        picture = picture_rgba(exp.data)
    h, w = picture.shape[:2]
    # the heat map stretched to the picture (nearest pixel)
    rows = np.minimum(values.shape[0] - 1, (np.arange(h) * values.shape[0]) // h)
    cols = np.minimum(values.shape[1] - 1, (np.arange(w) * values.shape[1]) // w)
    v = values[np.ix_(rows, cols)]
    scale = image_scale(values)
    t = np.clip(v / scale, -1, 1)
    heat = _lut()[np.round((t + 1) * 127.5).astype(int)].astype(float)
    alpha = (np.round(np.abs(t) * 255) / 255 * opacity)[..., None]
    rgb = picture[..., :3].astype(float) * (1 - alpha) + heat * alpha
    out = picture.copy()
    out[..., :3] = np.clip(np.round(rgb), 0, 255).astype(np.uint8)
    return out


def upscale(rgba: np.ndarray, scale: int) -> np.ndarray:
    """Nearest-pixel enlargement: small pictures (digits) grow to about 320 px, then x scale."""
    h, w = rgba.shape[:2]
    f = max(1, min(8, 320 // max(w, 1))) * max(1, int(scale))
    return np.repeat(np.repeat(rgba, f, axis=0), f, axis=1)


# -- bars (the notebook's scriptless fallback for charts) --------------------------------------
BAR_ROWS = 12  # features drawn; the rest are summed into one row, as the view does
BAR_PX = 220


def bars_html(exp: Explanation, output: int | str | None = None, *, top: int = BAR_ROWS) -> str:
    """Scriptless HTML bars of a tabular or importance explanation (inline styles, every
    name escaped): no altair, no vl-convert, a few milliseconds.

        >>> e = Explanation(values=[[0.5, -0.25]], base_values=[1.0], prediction=[1.25],
        ...                 output_names=["y"], feature_names=["a", "<b>"])
        >>> page = bars_html(e)
        >>> "&lt;b&gt;" in page, "<b>" in page, page.count('class="ll-bar"')
        (True, False, 2)
    """
    from .._format import format_value

    o = exp.output_index(output)
    values = np.nan_to_num(np.asarray(exp.values, dtype=float).reshape(exp.n_outputs, -1)[o])
    names = list(exp.feature_names or [f"x{j}" for j in range(len(values))])
    if exp.modality == "tabular" and exp.data is not None:
        shown = np.asarray(exp.data, dtype=object).reshape(-1)
        names = [f"{n} = {format_value(v)}" for n, v in zip(names, shown)]
    order = np.argsort(-np.abs(values), kind="stable")
    keep, rest = (order[:top], order[top:]) if len(order) > top + 1 else (order, order[:0])
    rows = [(names[j], float(values[j])) for j in keep]
    if len(rest):
        rows.append((f"{len(rest)} other features", float(values[rest].sum())))
    scale = max((abs(v) for _, v in rows), default=0.0) or 1.0
    cells = []
    for name, v in rows:
        colour = f"rgb{NEG if v < 0 else POS}"
        width = round(BAR_PX * abs(v) / scale)
        cells.append(
            f'<tr class="ll-bar"><td style="text-align:right;padding-right:6px">'
            f'{html.escape(name)}</td><td><div style="background:{colour};height:12px;'
            f'width:{width}px"></div></td><td style="padding-left:6px">{v:+.4g}</td></tr>'
        )
    note = ""
    if exp.modality == "tabular":
        note = (
            f"<div>base value {float(np.ravel(exp.base_values)[o]):.4g} → prediction "
            f"{float(np.ravel(exp.prediction)[o]):.4g}</div>"
        )
    return (
        f'<div style="font:12px sans-serif">{note}<table style="border-collapse:collapse">'
        + "".join(cells)
        + "</table></div>"
    )

// The explorer's arithmetic, kept apart from the DOM so it can be tested alone: filtering,
// sorting, the virtual table's visible window, nearest-point picking, the beeswarm layout.

/**
 * Indices of the rows the filters keep (ascending). `data`: {n, pred, score, error};
 * `filters`: {misclassified, classes: [class index] | null, prediction: [lo, hi] | null}.
 */
export function filterIndices(data, filters) {
  const f = filters || {};
  const { n, pred, score, error } = data;
  const classes = Array.isArray(f.classes) ? new Set(f.classes.map(Number)) : null;
  const range = Array.isArray(f.prediction) ? f.prediction : null;
  const lo = range && range[0] !== null && range[0] !== undefined ? range[0] : -Infinity;
  const hi = range && range[1] !== null && range[1] !== undefined ? range[1] : Infinity;
  const out = new Uint32Array(n);
  let k = 0;
  for (let i = 0; i < n; i++) {
    if (f.misclassified && !(error && error[i] > 0)) continue;
    if (classes && data.classifier && !classes.has(pred[i])) continue;
    if (range && !(score[i] >= lo && score[i] <= hi)) continue;
    out[k++] = i;
  }
  return out.subarray(0, k);
}

/**
 * `rows` (indices) ordered by `key(i)` (a typed array or a function), stable, NaN last;
 * `dir` 1 ascending, -1 descending. Returns a new Uint32Array.
 */
export function sortRows(rows, key, dir = 1) {
  const get = typeof key === "function" ? key : (i) => key[i];
  const n = rows.length;
  const keys = new Float64Array(n);
  for (let r = 0; r < n; r++) keys[r] = get(rows[r]);
  const pos = new Uint32Array(n);
  for (let r = 0; r < n; r++) pos[r] = r;
  pos.sort((a, b) => {
    const x = keys[a];
    const y = keys[b];
    const xn = Number.isNaN(x);
    const yn = Number.isNaN(y);
    if (xn || yn) return xn === yn ? a - b : xn ? 1 : -1;
    return x === y ? a - b : (x < y ? -1 : 1) * dir;
  });
  const out = new Uint32Array(n);
  for (let r = 0; r < n; r++) out[r] = rows[pos[r]];
  return out;
}

/** The rows a scrolled table must draw: [start, end) with `overscan` rows either side. */
export function visibleRange(scrollTop, rowHeight, viewHeight, total, overscan = 4) {
  const first = Math.floor(Math.max(0, scrollTop) / rowHeight);
  const count = Math.ceil(viewHeight / rowHeight) + 1;
  return {
    start: Math.max(0, first - overscan),
    end: Math.min(total, first + count + overscan),
  };
}

/**
 * The candidate nearest (Euclidean, in screen pixels) to (px, py): `sx`, `sy` screen
 * coordinates indexed by row, `rows` the candidates. Returns -1 when none lies within
 * `maxDist` pixels.
 */
export function nearestPoint(sx, sy, rows, px, py, maxDist = Infinity) {
  let best = -1;
  let bestD = maxDist * maxDist;
  for (let r = 0; r < rows.length; r++) {
    const i = rows[r];
    const dx = sx[i] - px;
    const dy = sy[i] - py;
    const d = dx * dx + dy * dy;
    if (d < bestD || (d === bestD && best === -1)) {
      bestD = d;
      best = i;
    }
  }
  return best;
}

/** [min, max] of the finite values (a tiny pad when they are all equal). */
export function extent(values, stride = 1, offset = 0) {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = offset; i < values.length; i += stride) {
    const v = values[i];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (!(lo <= hi)) return [0, 1];
  if (lo === hi) return [lo - 0.5, hi + 0.5];
  return [lo, hi];
}

/**
 * Beeswarm positions: for each dot (row r of `values`, shape (s, k, d), output `k`, the
 * features listed in `features`), x in pixels from the value and y stacked around its
 * feature's line so dots in the same pixel column do not overlap (up to the band height).
 */
export function swarmLayout(values, s, k, d, out, features, width, band, dot = 3) {
  let lo = Infinity;
  let hi = -Infinity;
  for (const j of features) {
    for (let r = 0; r < s; r++) {
      const v = values[(r * k + out) * d + j];
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  const m = Math.max(Math.abs(lo), Math.abs(hi)) || 1;
  const x0 = 4;
  const scale = (width - 8) / (2 * m);
  const xs = new Float32Array(s * features.length);
  const ys = new Float32Array(s * features.length);
  const half = Math.max(1, Math.floor(band / 2 / dot));
  features.forEach((j, f) => {
    const counts = new Map();
    for (let r = 0; r < s; r++) {
      const v = values[(r * k + out) * d + j];
      const x = x0 + (v + m) * scale;
      const bin = Math.round(x / dot);
      const c = counts.get(bin) || 0;
      counts.set(bin, c + 1);
      const level = Math.ceil(c / 2) % (half + 1);
      const off = (c % 2 === 1 ? 1 : -1) * level * dot;
      xs[f * s + r] = x;
      ys[f * s + r] = band * f + band / 2 + off;
    }
  });
  return { xs, ys, zero: x0 + m * scale, max: m };
}

/** `[r, g, b]` and an alpha as a CSS colour. */
export function rgb(c, a = 1) {
  return `rgba(${c[0]},${c[1]},${c[2]},${a})`;
}

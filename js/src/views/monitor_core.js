// The monitor's data side, no DOM: a store of series that grows by chunks of new points
// (duplicates skipped by their global start index), the debiased moving average, and
// per-pixel min/max decimation so a million points draw as a few thousand segments.

const TYPES = { float64: Float64Array, float32: Float32Array, int32: Int32Array };

// Raw bytes (a message's DataView or ArrayBuffer) are read as `Type`; a typed array of
// another type (an export's decoded float32 steps) is converted, not reinterpreted.
function typed(buf, Type) {
  if (!buf) return new Type(0);
  if (buf instanceof Type) return buf;
  if (buf instanceof DataView) return new Type(buf.buffer, buf.byteOffset, buf.byteLength / Type.BYTES_PER_ELEMENT);
  if (ArrayBuffer.isView(buf)) return Type.from(buf);
  if (buf instanceof ArrayBuffer) return new Type(buf);
  return Type.from(buf);
}

/** One (run, metric) line: steps and values in growable typed arrays. */
class Line {
  constructor(run, metric) {
    this.run = run;
    this.metric = metric;
    this.n = 0;
    this.steps = new Float64Array(256);
    this.values = new Float64Array(256); // float64 as logged: 1e300 is not float32's
  }
  push(step, value) {
    if (this.n === this.steps.length) {
      const s = new Float64Array(this.n * 2);
      s.set(this.steps);
      this.steps = s;
      const v = new Float64Array(this.n * 2);
      v.set(this.values);
      this.values = v;
    }
    this.steps[this.n] = step;
    this.values[this.n] = value;
    this.n += 1;
  }
}

export class SeriesStore {
  constructor() {
    this.total = 0; // points held, in the kernel's order
    this.lines = [];
    this.version = 0;
  }

  /** Add a chunk `{start, n, series}` with buffers [steps f64, series i32, values f64];
   * returns how many points were new. A chunk past the end (a gap) is refused (-1). */
  append(msg, buffers) {
    const start = Number(msg.start || 0);
    const n = Number(msg.n || 0);
    if (start > this.total) return -1;
    for (let i = this.lines.length; i < (msg.series || []).length; i++) {
      const [run, metric] = msg.series[i];
      this.lines.push(new Line(String(run), String(metric)));
    }
    const steps = typed(buffers[0], TYPES.float64);
    const series = typed(buffers[1], TYPES.int32);
    const values = typed(buffers[2], TYPES.float64);
    const skip = this.total - start;
    for (let i = skip; i < n; i++) this.lines[series[i]]?.push(steps[i], values[i]);
    const added = Math.max(0, n - skip);
    this.total += added;
    if (added) this.version += 1;
    return added;
  }

  metrics() {
    return [...new Set(this.lines.map((l) => l.metric))];
  }

  runs() {
    return [...new Set(this.lines.map((l) => l.run))];
  }
}

/** TensorBoard's debiased exponential moving average; NaNs pass through. */
export function ema(values, n, weight) {
  const out = new Float64Array(n);
  if (!(weight > 0)) {
    out.set(values.subarray(0, n));
    return out;
  }
  let acc = 0;
  let k = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) {
      out[i] = v;
      continue;
    }
    acc = acc * weight + (1 - weight) * v;
    k += 1;
    out[i] = acc / (1 - weight ** k);
  }
  return out;
}

/**
 * The points to draw between x0 and x1 on `width` pixels: all of them when few, else per
 * pixel column the first, min, max and last value (the line looks the same).
 * Returns flat [x, y, x, y...] in data units.
 */
export function decimate(steps, values, n, x0, x1, width) {
  let lo = 0;
  while (lo < n && steps[lo] < x0) lo++;
  lo = Math.max(0, lo - 1);
  let hi = n;
  while (hi > 0 && steps[hi - 1] > x1) hi--;
  hi = Math.min(n, hi + 1);
  const count = hi - lo;
  if (count <= width * 4) {
    const out = new Float64Array(count * 2);
    for (let i = lo; i < hi; i++) {
      out[(i - lo) * 2] = steps[i];
      out[(i - lo) * 2 + 1] = values[i];
    }
    return out;
  }
  const out = [];
  const span = x1 - x0 || 1;
  let col = -1;
  let first, min, max, last, minAt, maxAt, firstAt, lastAt;
  const flush = () => {
    if (col < 0) return;
    const pts = [
      [firstAt, first],
      [minAt, min],
      [maxAt, max],
      [lastAt, last],
    ].sort((a, b) => a[0] - b[0]);
    for (const [x, y] of pts) out.push(x, y);
  };
  for (let i = lo; i < hi; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) continue;
    const c = Math.floor(((steps[i] - x0) / span) * width);
    if (c !== col) {
      flush();
      col = c;
      first = min = max = last = v;
      firstAt = minAt = maxAt = lastAt = steps[i];
      continue;
    }
    if (v < min) {
      min = v;
      minAt = steps[i];
    }
    if (v > max) {
      max = v;
      maxAt = steps[i];
    }
    last = v;
    lastAt = steps[i];
  }
  flush();
  return Float64Array.from(out);
}

/** About `count` round tick values between lo and hi. */
export function ticks(lo, hi, count = 4) {
  if (!(hi > lo)) return [lo];
  const step0 = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(step0));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= step0) || step0;
  const out = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) out.push(Number(t.toPrecision(12)));
  return out;
}

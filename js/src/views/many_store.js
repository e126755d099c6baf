// The points of a many-rows run in the page, one store per widget model (every display of
// the widget shares it). `_arrays` (a finished run, a saved notebook, an export) sets every
// point; while the run goes, the kernel sends `append` messages with only the new chunk's
// points as binary buffers, copied onto the end of growing typed arrays; a `full` message
// (the reply to a view that asked, or another output) replaces them. An append that does
// not start where the store ends is skipped (already held) or asks for everything (a gap).
import { decodeArray } from "../buffers.js";

const STORES = new WeakMap();

function grow(arr, need) {
  if (arr.length >= need) return arr;
  const out = new arr.constructor(Math.max(need, arr.length * 2, 64));
  out.set(arr);
  return out;
}

/** An empty store for `d` features. */
export function emptyStore(d = 0) {
  return {
    n: 0,
    d,
    epoch: -1,
    values: new Float32Array(0),
    data: new Float32Array(0),
    prediction: new Float32Array(0),
    row: new Int32Array(0),
    meanAbs: new Float32Array(d),
    failed: 0,
    asked: false,
    subs: new Set(),
  };
}

/** Copy `count` points (typed arrays `values`, `data` (count×d), `prediction`, `row`) to
 * the end of the store. */
export function appendPoints(store, parts, count) {
  const { d } = store;
  const n = store.n + count;
  store.values = grow(store.values, n * d);
  store.data = grow(store.data, n * d);
  store.prediction = grow(store.prediction, n);
  store.row = grow(store.row, n);
  if (count) {
    store.values.set(parts.values.subarray(0, count * d), store.n * d);
    store.data.set(parts.data.subarray(0, count * d), store.n * d);
    if (parts.prediction) store.prediction.set(parts.prediction.subarray(0, count), store.n);
    store.row.set(parts.row.subarray(0, count), store.n);
  }
  store.n = n;
}

function decoded(entries, buffers) {
  const out = {};
  for (const [name, e] of Object.entries(entries)) {
    out[name] = decodeArray(buffers ? { ...e, view: buffers[e.buffer] } : e);
  }
  return out;
}

function notify(store) {
  for (const f of store.subs) f();
}

/** Replace the store's points with `_arrays` (every point of a finished run). */
export function resetFromArrays(store, arrays) {
  const parts = decoded(arrays || {});
  if (!parts.values || !parts.row) return false;
  const count = parts.row.length;
  store.d = count ? parts.values.length / count : store.d;
  store.n = 0;
  appendPoints(store, parts, count);
  if (parts.mean_abs) store.meanAbs = Float32Array.from(parts.mean_abs);
  return true;
}

/** Apply one `append` or `full` message; returns "applied", "held" or "gap". */
export function applyMessage(store, msg, buffers) {
  if (msg.type === "full") {
    store.n = 0;
    store.epoch = msg.epoch;
    store.asked = false;
  } else if (store.epoch === -1 && store.n === 0 && msg.start === 0) {
    // the run's first chunk reaching a store that holds nothing yet: take it, and its
    // epoch, without waiting for the reply to the store's request (a kernel busy with the
    // user's cell, `display(w); w.wait()`, sends none until the cell ends)
    store.epoch = msg.epoch;
  } else if (msg.epoch !== store.epoch || msg.start > store.n) {
    return "gap";
  } else if (msg.start < store.n) {
    return "held";
  }
  appendPoints(store, decoded(msg.arrays, buffers), msg.count);
  store.meanAbs = Float32Array.from(msg.mean_abs);
  store.failed = msg.failed;
  return "applied";
}

/** The store of `model` (made on first use, listening to the model from then on). `d` is
 * the number of features. */
export function storeOf(model, d) {
  let store = STORES.get(model);
  if (store) return store;
  store = emptyStore(d);
  STORES.set(model, store);
  const ask = () => {
    if (store.asked) return;
    store.asked = true; // one request until the full reply comes
    model.send({ type: "points" });
  };
  model.on("change:_arrays", () => {
    if (resetFromArrays(store, model.get("_arrays"))) notify(store);
  });
  model.on("msg:custom", (msg, buffers) => {
    if (!msg || (msg.type !== "append" && msg.type !== "full")) return;
    const got = applyMessage(store, msg, buffers);
    if (got === "applied") notify(store);
    else if (got === "gap") ask();
  });
  if (!resetFromArrays(store, model.get("_arrays"))) ask(); // a run going, or not started
  return store;
}

/** The store's points as `(n, d)` views (no copy). */
export function pointsOf(store) {
  const { n, d } = store;
  return {
    n,
    d,
    values: store.values.subarray(0, n * d),
    data: store.data.subarray(0, n * d),
    prediction: store.prediction.subarray(0, n),
    row: store.row.subarray(0, n),
    meanAbs: store.meanAbs,
  };
}

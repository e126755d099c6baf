// The monitor's points on the page, held by the widget's model for as long as it lives.
// A kernel busy with the user's cell reads no message from the browser, so nothing here
// waits for a reply: the kernel sends every chunk unasked, anywidget's `initialize` runs
// when the model is created (before any view, and before the chunks that follow it are
// handled), and every view draws from the same feed, so a view that attaches late (a
// second display, an output re-created at a cell's end) shows all the points at once.
// The widget's state at creation (or at a page's restore) carries the history in
// `_history`; a chunk past the end (something missed) asks the kernel for the rest once.
import { decodeArray } from "../buffers.js";
import { SeriesStore } from "./monitor_core.js";

const FEEDS = new Map(); // the widget's `_uid` -> its feed

function load(store, arrays, series, start = 0) {
  if (!arrays?.step) return;
  const steps = decodeArray(arrays.step);
  store.append({ start, n: steps.length, series: series || [] }, [
    steps,
    decodeArray(arrays.series),
    decodeArray(arrays.value),
  ]);
}

/** A feed of `model`'s points: `{store, subscribe(f) -> off, close()}`. */
export function createFeed(model) {
  const store = new SeriesStore();
  const listeners = new Set();
  let asked = -1;
  const ask = () => {
    if (asked === store.total) return; // once per gap: the kernel answers when it is free
    asked = store.total;
    model.send({ type: "ready", have: store.total });
  };
  const onMessage = (msg, buffers) => {
    if (msg?.type !== "points") return;
    const added = store.append(msg, buffers || []);
    if (added < 0) ask();
    if (added > 0) for (const f of listeners) f();
  };
  model.on("msg:custom", onMessage);
  // an export's points (`_arrays`), or the history at creation (`_history`)
  load(store, model.get("_arrays"), model.get("_meta")?.series);
  const history = model.get("_history") || {};
  load(store, history, history.names);
  if (Number(history.total || 0) > store.total) ask();
  return {
    store,
    ask,
    subscribe(f) {
      listeners.add(f);
      return () => listeners.delete(f);
    },
    close() {
      model.off("msg:custom", onMessage);
      listeners.clear();
    },
  };
}

/** anywidget's model hook: the feed exists from the widget's creation. */
export function initialize({ model }) {
  const uid = model.get("_uid");
  if (!uid) return undefined;
  const feed = createFeed(model);
  FEEDS.set(uid, feed);
  return () => {
    feed.close();
    if (FEEDS.get(uid) === feed) FEEDS.delete(uid);
  };
}

/** The feed a view draws from: the model's own, else (a host that ran no `initialize`,
 * an export) one of the view's, which asks the kernel for the points it missed. */
export function feedFor(model) {
  const shared = FEEDS.get(model.get("_uid"));
  if (shared) return { feed: shared, owned: false };
  const feed = createFeed(model);
  if (model.get("_uid")) feed.ask();
  return { feed, owned: true };
}

// A stand-in for the widget model (anywidget's get/set/on/off/save_changes/send) for pages
// with no kernel (HTML snapshots) and for tests: `set` fires the `change:` listeners, `send`
// goes to `onSend` (or is recorded in `sent`), `saved` counts save_changes calls.
export function standInModel(state, { onSend } = {}) {
  const listeners = {};
  const model = {
    saved: 0,
    sent: [],
    listeners,
    get: (k) => state[k],
    set(k, v) {
      state[k] = v;
      for (const f of listeners[`change:${k}`] || []) f();
    },
    on(ev, f) {
      listeners[ev] = [...(listeners[ev] || []), f];
    },
    off(ev, f) {
      listeners[ev] = (listeners[ev] || []).filter((g) => g !== f);
    },
    save_changes() {
      model.saved += 1;
    },
    send(msg) {
      if (onSend) onSend(msg);
      else model.sent.push(msg);
    },
  };
  return model;
}

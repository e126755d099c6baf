"""Bytes the explain_many widget sends while a run streams: each push now carries only the
new chunks' points; before, every push resent the summary of every row so far.

    python bench/many_widget_bytes.py   # 100k rows x 30 features, chunks of 1,000 rows

Chunks are synthetic (the bytes do not depend on the method); the widget's own push code
sends them, with ``_send`` counting the buffers instead of a comm.
"""

from __future__ import annotations

import numpy as np

from limelight.explanations import Explanations
from limelight.widgets import many
from limelight.widgets._many_stream import Stream, summary_arrays


def chunks(n_rows: int, chunk: int, d: int):
    rng = np.random.default_rng(0)
    for s in range(0, n_rows, chunk):
        m = min(chunk, n_rows - s)
        yield Explanations(
            values=rng.normal(size=(m, 1, d)),
            base_values=np.zeros((m, 1)),
            prediction=rng.normal(size=(m, 1)),
            output_names=["y"],
            feature_names=[f"f{j}" for j in range(d)],
            data=rng.normal(size=(m, d)),
            row=np.arange(s, s + m),
        )


def main(n_rows: int = 100_000, chunk: int = 1000, d: int = 30) -> None:
    sent: list[int] = []
    w = many.ManyWidget()
    w._send = lambda msg, buffers=None: sent.append(
        (msg.get("method"), sum(len(b) for b in buffers or []))
    )
    w._stream = Stream(n_rows, 1)
    before, parts, done = [], [], 0
    for ex in chunks(n_rows, chunk, d):
        w._stream.add(ex)
        parts.append(ex)
        done += len(ex)
        w._push(done, n_rows, 1.0, "running")  # a push per chunk (the widget pushes less often)
        arrays = summary_arrays(Explanations.concat(parts), 0, n_rows)  # the old push
        before.append(sum(a.nbytes for a in arrays.values()))
    w._push(done, n_rows, 1.0, "done")
    pushes = [b for kind, b in sent if kind == "custom"]
    final = sum(b for kind, b in sent if kind != "custom")
    print(f"{n_rows:,} rows x {d} features, {len(pushes)} pushes of {chunk:,} rows")
    print(
        f"per push: now {max(pushes) / 1e6:.3f} MB at most; before up to {max(before) / 1e6:.1f} MB"
    )
    print(
        f"whole run: now {(sum(pushes) + final) / 1e6:.1f} MB (with the final snapshot {final / 1e6:.1f} MB);"
        f" before {sum(before) / 1e6:.0f} MB"
    )


if __name__ == "__main__":
    main()

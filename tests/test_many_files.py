"""attribute_many's files: a resumed run uses a chunk only when this run wrote it for these
rows of X; ``ll.load(out)`` reads the chunks the manifest lists, each row once; damaged or
foreign files give a SchemaError naming the file; runs of other names are not joined; an
unpicklable model is named in a short message and leaves no folder; a DataFrame X for a
model fitted on arrays is read as ``ll.attribute`` reads one of its rows."""

from __future__ import annotations

import glob
import json
import os
import shutil
import tempfile
import threading

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LinearRegression

import limelight as ll
from limelight.errors import InputError, ModelError, SchemaError
from limelight.explanations import Explanations

RNG = np.random.default_rng(0)
X = RNG.normal(size=(40, 4))
OTHER = RNG.normal(size=(40, 4))
W = np.array([1.0, -2.0, 3.0, 0.5])
BG = X[:8]
KW = dict(background=BG, method="exact", chunk_size=10)


def linear(B):
    return np.asarray(B, dtype=float) @ W


def reversed_linear(B):
    return np.asarray(B, dtype=float) @ W[::-1]


def closed_form(model_w, rows):
    """Exact Shapley values of a linear model: w_j (x_j - mean of the background's x_j)."""
    return (rows - BG.mean(axis=0)) * model_w


def test_a_run_to_a_folder_loads_back_to_the_closed_form(tmp_path):
    ll.attribute_many(linear, X, out=tmp_path / "run", **KW)
    back = ll.load(tmp_path / "run")
    assert back.row.tolist() == list(range(40))
    np.testing.assert_allclose(back.values[:, 0], closed_form(W, X), atol=1e-9)
    manifest = json.loads((tmp_path / "run" / "_manifest.json").read_text())
    assert sorted(manifest["chunks"], key=int) == ["0", "1", "2", "3"]


def test_resume_refuses_chunks_written_for_other_rows_of_x(tmp_path):
    out = tmp_path / "run"
    ll.attribute_many(linear, X, out=out, **KW)
    (out / "part-000003.parquet").unlink()  # interrupted before the last chunk
    with pytest.raises(InputError, match="rows 0-9 of X are not the rows part-000000"):
        ll.attribute_many(linear, OTHER, out=out, resume=True, **KW)
    killed = out / ".part-000003.parquet.k2j4x8.tmp"  # what a kill mid-write leaves
    killed.write_bytes(b"PAR1 half a chunk")
    resumed = ll.attribute_many(linear, X, out=out, resume=True, **KW)  # the same X: fine
    np.testing.assert_allclose(resumed.values[:, 0], closed_form(W, X), atol=1e-9)
    assert not killed.exists()


def test_resume_refuses_a_chunk_copied_from_another_models_run(tmp_path):
    mine, theirs = tmp_path / "mine", tmp_path / "theirs"
    ll.attribute_many(linear, X, out=mine, **KW)
    ll.attribute_many(reversed_linear, X, out=theirs, **KW)
    (mine / "part-000003.parquet").unlink()
    shutil.copy(theirs / "part-000001.parquet", mine / "part-000001.parquet")
    with pytest.raises(InputError, match="part-000001.parquet .* not written by this run"):
        ll.attribute_many(linear, X, out=mine, resume=True, **KW)
    with pytest.raises(SchemaError, match="part-000001.parquet .* not written by the run"):
        ll.load(mine)
    (mine / "part-000001.parquet").unlink()  # the fix the message gives
    resumed = ll.attribute_many(linear, X, out=mine, resume=True, **KW)
    np.testing.assert_allclose(resumed.values[:, 0], closed_form(W, X), atol=1e-9)


def test_a_copied_chunk_file_is_not_read_twice(tmp_path):
    out = tmp_path / "run"
    ll.attribute_many(linear, X, out=out, **KW)
    shutil.copy(out / "part-000001.parquet", out / "part-000001 (copy).parquet")
    shutil.copy(out / "part-000001.parquet", out / "part-000004.parquet")
    back = ll.load(out)
    assert len(back) == 40 and back.row.tolist() == list(range(40))
    np.testing.assert_allclose(back.values[:, 0], closed_form(W, X), atol=1e-9)
    resumed = ll.attribute_many(linear, X, out=out, resume=True, **KW)
    assert len(resumed) == 40


def test_loading_an_interrupted_run_says_it_is_incomplete(tmp_path):
    out = tmp_path / "run"
    ll.attribute_many(linear, X, out=out, **KW)
    (out / "part-000001.parquet").unlink()
    with pytest.warns(UserWarning, match="incomplete: 30 of its 40 rows") as caught:
        back = ll.load(out)
    assert caught[0].filename == __file__  # points at the user's line
    assert back.row.tolist() == [*range(10), *range(20, 40)]
    np.testing.assert_allclose(back.values[:, 0], closed_form(W, X[back.row]), atol=1e-9)


def truncate(path, keep=300):
    path.write_bytes(path.read_bytes()[:keep])


def test_truncated_and_foreign_files_are_named(tmp_path):
    ex = ll.attribute_many(linear, X, **KW)
    whole = ex.save(tmp_path / "ex.parquet")
    truncate(whole)
    with pytest.raises(SchemaError, match="ex.parquet is damaged"):
        ll.load(whole)
    text = tmp_path / "notes.parquet"
    text.write_text("not parquet")
    with pytest.raises(SchemaError, match="notes.parquet is damaged"):
        ll.load(text)
    foreign = tmp_path / "pandas.parquet"
    pd.DataFrame({"a": [1.0, 2.0]}).to_parquet(foreign)
    with pytest.raises(SchemaError, match="pandas.parquet has no limelight metadata"):
        ll.load(foreign)

    out = tmp_path / "run"
    ll.attribute_many(linear, X, out=out, **KW)
    truncate(out / "part-000002.parquet")
    with pytest.raises(SchemaError, match="part-000002.parquet is damaged"):
        ll.load(out)
    with pytest.raises(SchemaError, match="part-000002.parquet is damaged"):
        ll.attribute_many(linear, X, out=out, resume=True, **KW)


def test_a_truncated_manifest_is_named_on_load_and_resume(tmp_path):
    out = tmp_path / "run"
    ll.attribute_many(linear, X, out=out, **KW)
    truncate(out / "_manifest.json", keep=40)
    with pytest.raises(SchemaError, match="_manifest.json .* is damaged"):
        ll.load(out)
    with pytest.raises(SchemaError, match="_manifest.json .* is damaged"):
        ll.attribute_many(linear, X, out=out, resume=True, **KW)


def test_concat_refuses_runs_of_other_features_or_outputs():
    a = ll.attribute_many(linear, X[:5], **KW)
    renamed = ll.attribute_many(linear, X[5:10], feature_names=list("pqrs"), **KW)
    with pytest.raises(InputError, match="part 1 has feature names"):
        Explanations.concat([a, renamed])
    two = ll.attribute_many(lambda B: np.stack([linear(B), -linear(B)], 1), X[5:10], **KW)
    with pytest.raises(InputError, match="part 1 has output names"):
        Explanations.concat([a, two])
    both = Explanations.concat([a, ll.attribute_many(linear, X[5:10], **KW)])
    np.testing.assert_allclose(both.values[:, 0], closed_form(W, X[:10]), atol=1e-9)


def _run_folders():
    return set(glob.glob(os.path.join(tempfile.gettempdir(), "limelight-run-*")))


def test_an_unpicklable_model_is_named_briefly_and_leaves_no_folder():
    lock = threading.Lock()

    def locked(B):
        with lock:
            return linear(B)

    before = _run_folders()
    with pytest.raises(ModelError, match="could not be pickled for n_jobs.*n_jobs=1") as err:
        ll.attribute_many(locked, X, n_jobs=2, **KW)
    assert len(str(err.value)) < 400  # the reason, not the plan's arrays
    assert _run_folders() == before
    np.testing.assert_allclose(  # n_jobs=1, as the message says, works
        ll.attribute_many(locked, X, n_jobs=1, **KW).values[:, 0], closed_form(W, X), atol=1e-9
    )


def test_a_dataframe_for_a_model_fitted_on_arrays_is_accepted_as_attribute_accepts_it():
    lin = LinearRegression().fit(X, linear(X))
    frame = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    many = ll.attribute_many(lin, frame, **KW)
    one = ll.attribute(lin, frame.iloc[[3]], background=BG, method="exact")
    np.testing.assert_allclose(many[3].values, one.values, atol=1e-12)
    np.testing.assert_allclose(many.values[:, 0], closed_form(lin.coef_, X), atol=1e-9)
    with pytest.raises(InputError, match="3 features but the model expects 4"):
        ll.attribute_many(lin, frame[["a", "b", "c"]], **KW)


@pytest.mark.slow
def test_an_unpicklable_model_on_dask_is_named_without_the_plan():
    distributed = pytest.importorskip("distributed")
    lock = threading.Lock()

    def locked(B):
        with lock:
            return linear(B)

    cluster = distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None
    )
    try:
        with distributed.Client(cluster) as client:
            with pytest.raises(ModelError, match="could not be pickled for Dask") as err:
                ll.attribute_many(locked, X, client=client, **KW)
    finally:
        cluster.close()
    assert len(str(err.value)) < 400 and "array(" not in str(err.value)

"""torch modules on tabular rows (every tabular method, integrated gradients against
captum, Shapley values against brute-force enumeration) and polars frames wherever pandas
ones are accepted."""

import numpy as np
import pytest
from references import brute_force_shapley

import limelight as ll
from limelight.errors import MethodError

torch = pytest.importorskip("torch")
captum_attr = pytest.importorskip("captum.attr")

D = 5


@pytest.fixture()
def mlp():
    torch.manual_seed(0)
    net = torch.nn.Sequential(
        torch.nn.Linear(D, 16),
        torch.nn.Tanh(),
        torch.nn.Dropout(0.3),  # on in training mode: explanations must switch it off
        torch.nn.Linear(16, 3),
    )
    return net.train()


@pytest.fixture()
def data():
    rng = np.random.default_rng(0)
    return rng.normal(size=(40, D)), rng.normal(size=D)


def eval_fn(net):
    def f(rows):
        was = net.training
        net.eval()
        with torch.no_grad():
            out = net(torch.as_tensor(rows, dtype=torch.float32)).numpy()
        net.train(was)
        return out.astype(float)

    return f


def test_exact_shapley_of_a_torch_mlp_equals_brute_force(mlp, data):
    bg, x = data
    e = ll.attribute(mlp, x, background=bg, method="exact")
    ref = brute_force_shapley(eval_fn(mlp), x, bg)  # (d, k)
    np.testing.assert_allclose(e.values, np.asarray(ref), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(e.prediction, eval_fn(mlp)(x[None])[0], atol=1e-6)
    assert mlp.training and all(p.requires_grad for p in mlp.parameters())


def test_softmax_outputs_and_names(mlp, data):
    bg, x = data
    e = ll.attribute(mlp, x, background=bg, method="exact", model_output="proba",
                     output_names=["a", "b", "c"])  # fmt: skip
    ref = brute_force_shapley(lambda r: _softmax(eval_fn(mlp)(r)), x, bg)
    np.testing.assert_allclose(e.values, np.asarray(ref), rtol=1e-5, atol=1e-6)
    assert e.output_names == ["a", "b", "c"]


def _softmax(z):
    z = np.exp(z - z.max(axis=1, keepdims=True))
    return z / z.sum(axis=1, keepdims=True)


@pytest.mark.parametrize("method", ["kernel", "lime"])
def test_sampling_methods_run_on_torch_rows(mlp, data, method):
    bg, x = data
    e = ll.attribute(mlp, x, background=bg, method=method, random_state=0, output=1)
    assert e.values.shape == (1, D) and np.isfinite(e.values).all()
    if method == "kernel":  # the Shapley values again, up to sampling error
        ref = np.asarray(brute_force_shapley(eval_fn(mlp), x, bg))[1]
        np.testing.assert_allclose(e.values[0], ref, atol=0.05 * np.abs(ref).max())
    assert mlp.training


def test_integrated_gradients_on_rows_match_captum(mlp, data):
    bg, x = data
    e = ll.attribute(mlp, x, background=bg, method="integrated_gradients", n_steps=50)
    base = torch.as_tensor(bg.mean(axis=0)[None], dtype=torch.float32)
    mlp.eval()
    ig = captum_attr.IntegratedGradients(mlp)
    for t in range(3):
        ref = ig.attribute(torch.as_tensor(x[None], dtype=torch.float32), baselines=base,
                           target=t, n_steps=50)  # fmt: skip
        np.testing.assert_allclose(e.values[t], ref[0].detach().numpy(), rtol=1e-4, atol=1e-6)
    gap = e.prediction - e.base_values
    assert np.all(np.abs(e.values.sum(axis=1) - gap) <= 0.01 * np.abs(gap) + 1e-6)
    assert e.params["baseline"] == "background mean"


def test_integrated_gradients_need_a_differentiable_model(data):
    bg, x = data
    with pytest.raises(
        MethodError, match="need a differentiable model; this one is a plain function"
    ):
        ll.attribute(lambda r: r.sum(axis=1), x, background=bg, method="integrated_gradients")


def test_permutation_importance_and_the_explorer_take_a_torch_model(mlp, data):
    bg, _ = data
    y = bg[:, 0] > 0
    imp = ll.permutation_importance(mlp, bg, y.astype(float), scoring=lambda t, o: -np.mean(
        (o[:, 0] - t) ** 2), n_repeats=2, random_state=0).wait()  # fmt: skip
    assert imp.values.shape[-1] == D
    ex = ll.explore(mlp, bg, sample=0, method="exact")
    ex.selected = 2
    got = ex.wait()
    ref = np.asarray(brute_force_shapley(eval_fn(mlp), bg[2], bg))
    np.testing.assert_allclose(got.values, ref, rtol=1e-5, atol=1e-6)
    assert mlp.training


# -- polars ------------------------------------------------------------------------------
pl = pytest.importorskip("polars")


@pytest.fixture()
def frames():
    import pandas as pd
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(1)
    df = pd.DataFrame(rng.normal(size=(60, 3)), columns=["age", "income", "score"])
    y = (df["age"] + 0.5 * df["income"] > 0).astype(int)
    return df, y, LogisticRegression().fit(df, y)


def test_a_polars_row_and_background_explain_like_pandas(frames):
    df, _, model = frames
    pdf = pl.from_pandas(df)
    want = ll.attribute(model, df.iloc[[4]], background=df, method="exact")
    got = ll.attribute(model, pdf[4], background=pdf, method="exact")
    np.testing.assert_allclose(got.values, want.values, rtol=1e-12)
    assert got.feature_names == ["age", "income", "score"]


def test_explore_and_permutation_importance_take_polars(frames):
    df, y, model = frames
    pdf, py = pl.from_pandas(df), pl.Series("y", y.to_numpy())
    ex = ll.explore(model, pdf, py, sample=0, method="exact")
    ex.selected = 3
    got = ex.wait()
    want = ll.attribute(model, df.iloc[[3]], background=df, method="exact")
    np.testing.assert_allclose(got.values, want.values, rtol=1e-9)
    imp = ll.permutation_importance(model, pdf, py, n_repeats=2, random_state=0).wait()
    ref = ll.permutation_importance(model, df, y, n_repeats=2, random_state=0).wait()
    np.testing.assert_allclose(imp.values, ref.values)
    assert imp.feature_names == ["age", "income", "score"]


def test_a_torch_module_is_adapted_by_its_own_adapter_never_as_a_plain_callable(mlp, data):
    from limelight.errors import ModelError
    from limelight.models.adapt import tabular_model
    from limelight.models.tabular import TabularModel
    from limelight.models.torch_tabular import TorchTabularModel

    X, _ = data
    adapted = tabular_model(mlp)
    assert isinstance(adapted, TorchTabularModel)
    assert np.allclose(adapted.predict(X[:4]), eval_fn(mlp)(X[:4]), atol=1e-6)
    with pytest.raises(ModelError, match="tabular_model"):
        TabularModel.from_any(mlp)  # the sklearn/callable path would call it on arrays

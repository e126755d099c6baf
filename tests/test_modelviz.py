"""ll.structure and ll.layers against hand computations, torch's own hooks and
scikit-learn's fitted attributes; the user's module is left exactly as it was."""

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import RandomForestClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

import limelight as ll
from limelight.errors import InputError, ModelError


def cnn():
    torch.manual_seed(0)
    return torch.nn.Sequential(
        torch.nn.Conv2d(3, 8, 3, padding=1),
        torch.nn.BatchNorm2d(8),
        torch.nn.ReLU(),
        torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(8, 4, 5),
        torch.nn.ReLU(),
        torch.nn.Flatten(),
        torch.nn.Dropout(0.5),
        torch.nn.Linear(4 * 10 * 10, 10),
    )


def frame_data():
    rng = np.random.default_rng(0)
    X = pd.DataFrame(
        {
            "age": rng.normal(size=60),
            "<b>income</b>": rng.normal(size=60),
            "city": rng.choice(["a", "b", "c"], 60),
            "kind": rng.choice(["x", "y"], 60),
            "id": np.arange(60.0),
        }
    )
    return X, (X["age"] > 0).astype(int)


def test_column_transformer_lists_every_column_in_its_branch():
    X, y = frame_data()
    ct = ColumnTransformer(
        [
            ("num", make_pipeline(SimpleImputer(), StandardScaler()), ["age", "<b>income</b>"]),
            ("cat", OneHotEncoder(), [2, 3]),  # by position: reported by name
        ],
        remainder="passthrough",
    )
    pipe = Pipeline([("prep", ct), ("rf", RandomForestClassifier(7, max_depth=3, random_state=0))])
    pipe.fit(X, y)
    f = ll.structure(pipe).to_frame().set_index("name")
    assert f.loc["prep/num", "columns"] == ["age", "<b>income</b>"]
    assert f.loc["prep/cat", "columns"] == ["city", "kind"]
    assert f.loc["prep/remainder", "columns"] == ["id"]  # what passthrough keeps
    # every input column is routed to exactly one branch
    routed = sum((f.loc[b, "columns"] for b in ["prep/num", "prep/cat", "prep/remainder"]), [])
    assert sorted(routed) == sorted(X.columns)
    assert list(f.loc[["prep/num/simpleimputer", "prep/num/standardscaler"], "type"]) == [
        "SimpleImputer",
        "StandardScaler",
    ]
    # the forest's facts are its fitted trees'
    rf = pipe.named_steps["rf"]
    node = ll.structure(pipe).structure.node("rf")
    assert node.facts["n_trees"] == 7
    assert node.facts["max_depth"] == max(t.tree_.max_depth for t in rf.estimators_)
    assert node.params == sum(t.tree_.node_count for t in rf.estimators_)
    # output widths from get_feature_names_out: 2 scaled + 3 + 2 one-hot + 1 passthrough
    assert f.loc["prep", "output_shape"] == (None, 8)


def test_linear_coefficient_count():
    X, y = frame_data()
    pipe = make_pipeline(StandardScaler(), LogisticRegression()).fit(X[["age", "id"]], y)
    node = ll.structure(pipe).structure.node("logisticregression")
    assert node.facts["n_coefficients"] == 2 and node.params == 3  # 2 coefficients + intercept


def test_cnn_shapes_and_parameter_counts_equal_a_hand_computation():
    net = cnn()
    f = ll.structure(net, example=torch.zeros(2, 3, 28, 28)).to_frame().set_index("name")
    # 28 -conv3 pad1-> 28 -pool2-> 14 -conv5-> 14 - 5 + 1 = 10; 4 x 10 x 10 = 400
    assert f.loc["0", "output_shape"] == (2, 8, 28, 28)
    assert f.loc["3", "output_shape"] == (2, 8, 14, 14)
    assert f.loc["4", "output_shape"] == (2, 4, 10, 10)
    assert f.loc["6", "output_shape"] == (2, 400)
    hand = {"0": 3 * 8 * 9 + 8, "1": 2 * 8, "4": 8 * 4 * 25 + 4, "8": 400 * 10 + 10}
    for name, n in hand.items():
        assert f.loc[name, "parameters"] == n
    assert f.loc["(model)", "parameters"] == sum(hand.values())


def test_cnn_with_the_wrong_linear_size_is_a_model_error():
    with pytest.raises(ModelError, match="example"):
        ll.structure(cnn(), example=torch.zeros(1, 3, 32, 32))  # flatten gives 576, not 400


def test_frozen_and_shared_parameters():
    net = cnn()
    for p in net[0].parameters():
        p.requires_grad_(False)
    s = ll.structure(net).structure
    assert s.total_params == s.node("(model)").params
    assert s.total_params - s.trainable_params == 3 * 8 * 9 + 8
    shared = torch.nn.Linear(4, 4)
    tied = torch.nn.Sequential(shared, torch.nn.ReLU(), shared)
    assert ll.structure(tied).structure.total_params == 20  # counted once


def test_module_state_is_restored():
    net = cnn()
    net.train()
    net[1].eval()  # mixed flags stay mixed
    before = {k: v.clone() for k, v in net.state_dict().items()}
    flags = [m.training for m in net.modules()]
    x = torch.randn(4, 3, 28, 28)
    ll.structure(net, example=x)
    ll.layers(net, x, target=torch.tensor([0, 1, 2, 3]))
    assert [m.training for m in net.modules()] == flags
    assert all(torch.equal(before[k], v) for k, v in net.state_dict().items())  # BN stats too
    assert all(not m._forward_hooks and not m._forward_pre_hooks for m in net.modules())
    assert all(p.grad is None for p in net.parameters())


def test_repeated_blocks_share_a_signature():
    block = lambda: torch.nn.Sequential(torch.nn.Linear(8, 8), torch.nn.GELU())  # noqa: E731
    net = torch.nn.Sequential(*[block() for _ in range(12)], torch.nn.Linear(8, 2))
    s = ll.structure(net, example=torch.zeros(1, 8)).structure
    sigs = [n.signature for n in s.nodes if n.depth == 1]
    assert len(set(sigs[:12])) == 1 and sigs[12] != sigs[0]


def test_weight_histograms_sum_to_the_parameter_count():
    net = cnn()
    w = ll.layers(net, torch.randn(2, 3, 28, 28))
    total = sum(int(c.sum()) for c, _ in w.histograms.values())
    assert total == sum(p.numel() for p in net.parameters())
    counts, edges = w.histograms["4"]
    ref, _ = np.histogram(
        np.concatenate(
            [net[4].weight.detach().numpy().ravel(), net[4].bias.detach().numpy().ravel()]
        ),
        bins=edges,
    )
    assert np.array_equal(counts, ref)
    assert w.report.filters["0"].shape == (8, 3, 3, 3)
    assert np.array_equal(w.report.filters["0"], net[0].weight.detach().numpy())


def test_activation_maps_equal_a_forward_hooks_output():
    net = cnn()
    x = torch.randn(3, 3, 28, 28)
    seen = {}
    h = net[5].register_forward_hook(lambda m, i, o: seen.setdefault("out", o.detach().clone()))
    net.eval()
    with torch.no_grad():
        net(x)
    h.remove()
    w = ll.layers(net, x, layer="5")
    assert w.report.conv_layer == "5"
    np.testing.assert_array_equal(w.activations["5"], seen["out"][0].numpy())
    out = seen["out"].numpy()
    stats = w.to_frame().loc["5"]
    assert stats["fraction_zero"] == pytest.approx((out == 0).mean())
    assert stats["mean"] == pytest.approx(out.mean(), rel=1e-5)
    dead = (~(out != 0).any(axis=(0, 2, 3))).mean()
    assert stats["dead_fraction"] == pytest.approx(dead)
    # the widget sends the maps of the selected layer
    w.selected = "5"
    assert w._arrays["maps"]["shape"] == [4, 10, 10]
    assert w._arrays["image"]["shape"] == [28, 28, 3]


def test_gradient_histograms_equal_autograd():
    net = cnn()
    x, y = torch.randn(4, 3, 28, 28), torch.tensor([0, 1, 2, 3])
    w = ll.layers(net, x, target=y)
    net.eval()
    loss = torch.nn.functional.cross_entropy(net(x), y)
    g = torch.autograd.grad(loss, [net[8].weight, net[8].bias])
    counts, edges = w.report.gradients["8"]
    ref, _ = np.histogram(np.concatenate([t.numpy().ravel() for t in g]), bins=edges)
    assert np.array_equal(counts, ref) and counts.sum() == 4010


def test_structure_selection_shows_the_layers_weights():
    net = cnn()
    w = ll.structure(net, example=torch.randn(1, 3, 28, 28))
    w.selected = "4"
    assert w._detail["params"] == 8 * 4 * 25 + 4
    assert w._arrays["filters"]["shape"] == [4, 1, 5, 5]
    assert w._arrays["maps"]["shape"] == [4, 10, 10]
    with pytest.raises(InputError, match="no layer"):
        w.selected = "nope"


def test_bad_inputs():
    with pytest.raises(InputError, match="structure"):
        ll.structure(object())
    with pytest.raises(InputError, match="torch"):
        ll.layers(LogisticRegression())
    with pytest.raises(InputError, match="no layer named"):
        ll.layers(cnn(), torch.randn(1, 3, 28, 28), layer="zzz")


def test_exports_escape_names_and_hold_the_data(tmp_path):
    X, y = frame_data()
    ct = ColumnTransformer([("<i>num</i>", StandardScaler(), ["age", "<b>income</b>"])])
    w = ll.structure(make_pipeline(ct, LogisticRegression()).fit(X, y))
    svg = w.snapshot("svg")[1].decode()
    assert "<b>income" not in svg and "&lt;i&gt;num&lt;/i&gt;" in svg
    page = w.save(tmp_path / "s.html").read_text()
    assert "<i>num</i>" not in page and "<b>" not in page.split("</noscript>")[1]
    static = w._repr_mimebundle_()[0]["text/html"]  # for nbconvert / GitHub
    assert "&lt;i&gt;num&lt;/i&gt;" in static and "<i>" not in static
    import json

    assert json.loads(w.snapshot("json")[1])["nodes"][2]["columns"] == ["age", "<b>income</b>"]


def test_a_thousand_module_transformer_folds_into_repeated_layers():
    transformers = pytest.importorskip("transformers")
    torch.manual_seed(0)
    cfg = transformers.BertConfig(
        vocab_size=100,
        hidden_size=16,
        num_hidden_layers=64,
        num_attention_heads=2,
        intermediate_size=32,
    )
    net = transformers.BertModel(cfg).eval()
    ids = torch.randint(0, 100, (2, 7))
    s = ll.structure(net, example={"input_ids": ids}).structure
    assert len(s.nodes) == len(list(net.named_modules(remove_duplicate=False))) > 1000
    layers = [n for n in s.nodes if n.parent == "encoder.layer"]
    assert len(layers) == 64 and len({n.signature for n in layers}) == 1
    assert s.node("encoder.layer.5.intermediate.dense").output_shape == [2, 7, 32]
    assert s.total_params == sum(p.numel() for p in net.parameters())

"""What the user is told points at the truth: a warning names the user's line (the call,
or the line that started a run in limelight's threads), never limelight's own code; the
progress never reads more evaluations done than in all; the LIME panel does not put an
equals sign between unequal numbers."""

import warnings
from pathlib import Path

import numpy as np
import pytest

import limelight as ll
from limelight.api import plan
from limelight.encoders.tabular import encode

torch = pytest.importorskip("torch")

HERE = Path(__file__).resolve()
X = np.random.default_rng(0).normal(size=(40, 3))
OPTS = {"background": X, "method": "exact", "max_evals": 10}  # exact takes no max_evals
COMPARE = {"methods": ["exact", "kernel"], "background": X, "max_evals": 64}


def line_of(marker: str) -> int:
    """The line of this file that ends with ``# warns: marker``."""
    lines = HERE.read_text().splitlines()
    return next(i for i, t in enumerate(lines, 1) if t.rstrip().endswith(f"# warns: {marker}"))


def linear(A):
    return np.asarray(A) @ [1.0, 2.0, 3.0]


def sharp_net():
    """A saturated tanh network: two integrated-gradients steps miss completeness."""
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(3, 16), torch.nn.Tanh(), torch.nn.Linear(16, 1))
    with torch.no_grad():
        net[0].weight.mul_(30)
    return net


def sites(seen, category):
    return {(Path(w.filename).resolve(), w.lineno) for w in seen if w.category is category}


def test_an_ignored_option_warns_at_the_users_call_on_every_path():
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        ll.attribute(linear, X[0], **OPTS)  # warns: attribute
        ll.explain(linear, X[0], **OPTS).wait(60)  # warns: explain
        ll.attribute_many(linear, X[:3], **OPTS)  # warns: attribute_many
        ll.explain_many(linear, X[:3], **OPTS).wait(60)  # warns: explain_many
        ll.compare(linear, X[0], **COMPARE).wait(60)  # warns: compare
    names = ("attribute", "explain", "attribute_many", "explain_many", "compare")
    want = {(HERE, line_of(name)) for name in names}
    assert sites(seen, UserWarning) == want
    assert all("does not use ['max_evals']" in str(w.message) for w in seen)


def test_a_warning_raised_in_a_run_thread_points_at_the_line_that_started_it():
    from limelight.explainers._completeness import CompletenessWarning

    net, Xf = sharp_net(), X.astype(np.float32)
    ig = {"background": Xf, "method": "integrated_gradients", "n_steps": 1, "max_steps": 2}
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        ll.attribute(net, Xf[0], **ig)  # warns: ig attribute
        w = ll.explain(net, Xf[0], **ig)  # warns: ig explain
        w.wait(60)
        many = ll.explain_many(net, Xf[:3], **ig)  # warns: ig explain_many
        many.wait(60)
    assert w.explanation.params["completeness_note"]  # it did miss: the warning is real
    want = {(HERE, line_of(m)) for m in ("ig attribute", "ig explain", "ig explain_many")}
    assert sites(seen, CompletenessWarning) == want


class SharpImage(torch.nn.Module):
    """Class 1's logit jumps at half the image's brightness: the steps must double."""

    def forward(self, x):
        z = 80.0 * (x.mean(dim=(1, 2, 3)) - 0.25)
        return torch.stack([torch.zeros_like(z), z], dim=1).softmax(dim=1)


def test_integrated_gradients_progress_never_counts_past_its_total():
    img = np.full((6, 6), 0.5, dtype=np.float32)
    p = plan(SharpImage(), img, method="integrated_gradients", n_steps=4, max_steps=64)
    p.explainer.batch_size, p.explainer.partial_seconds = 2, 0  # a partial after every batch
    parts = list(p.stream())
    assert parts[-1].params["n_steps"] > 4  # the steps doubled
    assert all(q.n_evals <= q.params["budget"] for q in parts)
    assert parts[-1].params["budget"] == parts[-1].n_evals  # done: every evaluation counted
    w = ll.explain(SharpImage(), img, method="integrated_gradients", n_steps=4, max_steps=64)
    w.wait(60)
    assert w._progress["n_evals"] <= w._progress["budget"]


def test_the_lime_panel_says_lime_is_not_additive():
    def bumpy(A):
        A = np.asarray(A)
        return np.sin(3 * A[:, 0]) * A[:, 1] + A[:, 2] ** 2

    lime = ll.attribute(bumpy, X[0], background=X, method="lime", random_state=0)
    gap = float(lime.prediction[0] - lime.base_values[0])
    assert abs(float(lime.values.sum()) - gap) > 1e-3  # the numbers differ: no "=" between them
    assert encode(lime)[0]["sum_caveat"] == "LIME is not additive"
    exact = ll.attribute(bumpy, X[0], background=X, method="exact")
    assert abs(float(exact.values.sum()) - float(exact.prediction[0] - exact.base_values[0])) < 1e-9
    assert encode(exact)[0]["sum_caveat"] == ""  # additive: the view may say "="

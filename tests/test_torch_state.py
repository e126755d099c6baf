"""A background explanation never changes what the user sees of their torch module.

While ``ll.explain`` runs in its thread (held mid-forward by a gate, so the overlap is
certain), the notebook's thread reads the module's training flags, ``requires_grad``,
hooks, ``.grad``, device and dtype as the user left them, ``ll.structure`` counts the real
trainable parameters, a training step works, and a second explanation of the same
Hugging Face model gives the numbers it gives alone. Weights changed in place during a
run are reported, not mixed into one explanation."""

from __future__ import annotations

import threading

import numpy as np
import pytest

import limelight as ll
from limelight.errors import ModelError

torch = pytest.importorskip("torch")


class Gate:
    """Holds the first background forward until released (the user's thread never waits)."""

    def __init__(self) -> None:
        self.entered, self.released = threading.Event(), threading.Event()

    def __call__(self, *_args) -> None:
        if threading.current_thread() is not threading.main_thread():
            self.entered.set()
            assert self.released.wait(30), "the test never released the run"


class Net(torch.nn.Module):
    def __init__(self, d: int = 4) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.body = torch.nn.Sequential(
            torch.nn.Linear(d, 8), torch.nn.BatchNorm1d(8), torch.nn.Tanh(), torch.nn.Dropout(0.3)
        )
        self.head = torch.nn.Linear(8, 2)
        self.gate = Gate()

    def forward(self, x):
        self.gate()
        return self.head(self.body(x))


def observe(net):
    """Everything a user can read of the module's state."""
    return (
        [m.training for m in net.modules()],
        [p.requires_grad for p in net.parameters()],
        [(len(m._forward_hooks), len(m._forward_pre_hooks)) for m in net.modules()],
        [None if p.grad is None else p.grad.clone() for p in net.parameters()],
        [(p.device, p.dtype) for p in net.parameters()],
    )


def same(a, b) -> bool:
    grads_a, grads_b = a[3], b[3]
    if a[:3] != b[:3] or a[4] != b[4]:
        return False
    return all(
        (g is None and h is None) or (g is not None and h is not None and torch.equal(g, h))
        for g, h in zip(grads_a, grads_b)
    )


def user_net():
    net = Net().train()
    net.body[1].eval()  # a frozen batch-norm inside a training model keeps its own flag
    net.body[0].bias.requires_grad_(False)
    net.head.weight.grad = torch.full_like(net.head.weight, 0.5)  # left by the user's step
    seen = []
    net.head.register_forward_hook(lambda m, i, o: seen.append(1))
    return net, seen


X = np.random.default_rng(0).normal(size=(3, 4)).astype(np.float32)


@pytest.mark.parametrize("method", ["integrated_gradients", "kernel"])
def test_the_module_reads_as_the_user_left_it_while_a_run_holds_it(method):
    net, _ = user_net()
    before = observe(net)
    drift: list[str] = []
    stop = threading.Event()

    def watch():  # another thread reading the module all through the run
        while not stop.is_set():
            if not same(observe(net), before):
                drift.append("changed")
            stop.wait(0.002)

    watcher = threading.Thread(target=watch)
    watcher.start()
    w = ll.explain(net, X[0], background=X, method=method, random_state=0)
    assert net.gate.entered.wait(30)  # the run is inside the module's forward now
    try:
        assert same(observe(net), before)
        s = ll.structure(net).structure  # the model view reads the real flags
        want = sum(p.numel() for p in net.parameters() if p.requires_grad)
        assert s.trainable_params == want < s.total_params
        assert net.training and not net.body[1].training
    finally:
        net.gate.released.set()
    e = w.wait(60)
    stop.set()
    watcher.join()
    assert drift == [] and same(observe(net), before)
    # the numbers are the eval-mode model's (no dropout, running batch-norm statistics)
    net.eval()
    with torch.no_grad():
        want_pred = net(torch.from_numpy(X[:1])).numpy()[0]
    np.testing.assert_allclose(e.prediction, want_pred, rtol=1e-5, atol=1e-6)


def test_a_training_step_while_a_run_holds_the_module_works_and_the_run_says_why_it_stops():
    net, _ = user_net()
    opt = torch.optim.SGD([p for p in net.parameters() if p.requires_grad], lr=0.1)
    w = ll.explain(net, X[0], background=X, method="integrated_gradients", n_steps=8, max_steps=8)
    assert net.gate.entered.wait(30)
    try:
        old = net.head.weight.detach().clone()
        opt.zero_grad()
        loss = net(torch.from_numpy(np.repeat(X, 2, axis=0))).sum()  # training mode
        loss.backward()  # the user's parameters still require grad
        opt.step()
        assert not torch.equal(old, net.head.weight)
        assert net.head.weight.grad is not None and net.head.weight.grad.abs().sum() > 0
    finally:
        net.gate.released.set()
    with pytest.raises(ModelError, match="weights changed while this explanation ran"):
        w.wait(60)  # two models' weights in one explanation: refused, with the fix
    assert net.training


def test_two_runs_of_one_module_at_once_each_give_their_own_numbers():
    net, _ = user_net()
    opts = {"background": X, "method": "integrated_gradients", "n_steps": 16}
    alone = ll.attribute(net, X[1], **opts)
    first = ll.explain(net, X[0], **opts)
    assert net.gate.entered.wait(30)
    try:  # the first run holds its forward while the second runs to the end
        second = ll.attribute(net, X[1], **opts)
    finally:
        net.gate.released.set()
    np.testing.assert_allclose(second.values, alone.values, rtol=1e-6)
    e = first.wait(60)
    again = ll.attribute(net, X[0], **opts)
    np.testing.assert_allclose(e.values, again.values, rtol=1e-6)


class ImageNet(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.conv = torch.nn.Conv2d(1, 3, 3, padding=1)
        self.drop = torch.nn.Dropout(0.5)
        self.fc = torch.nn.Linear(3 * 36, 2)
        self.gate = Gate()

    def forward(self, x):
        self.gate()
        return self.fc(self.drop(torch.relu(self.conv(x))).flatten(1))


@pytest.mark.parametrize("method", ["gradcam", "integrated_gradients"])
def test_an_image_run_leaves_hooks_flags_and_grads_to_the_user(method):
    net = ImageNet().train()
    net.conv.weight.grad = torch.ones_like(net.conv.weight)
    before = observe(net)
    img = np.random.default_rng(1).random((6, 6)).astype(np.float32)
    layer = {"layer": net.conv} if method == "gradcam" else {}  # the user's own layer object
    w = ll.explain(net, img, method=method, **layer)
    assert net.gate.entered.wait(30)
    try:  # Grad-CAM's hook sits on the run's copy of the layer, not on the user's
        assert same(observe(net), before)
    finally:
        net.gate.released.set()
    e = w.wait(60)
    assert same(observe(net), before)
    net.eval()
    with torch.no_grad():
        want = net(torch.from_numpy(img)[None, None]).numpy()[0]
    np.testing.assert_allclose(e.prediction, want[: len(e.prediction)], rtol=1e-5, atol=1e-6)


def test_a_layer_that_is_not_part_of_the_model_is_refused_at_the_call():
    net = ImageNet()
    net.gate.released.set()
    with pytest.raises(ll.errors.InputError, match="not a layer of this model"):
        ll.attribute(net, np.zeros((6, 6), np.float32), method="gradcam",
                     layer=torch.nn.Conv2d(1, 3, 3))  # fmt: skip


def test_a_hugging_face_model_explained_twice_at_once():
    pytest.importorskip("transformers")
    import tiny_bert

    tok = tiny_bert.tokenizer()
    net = tiny_bert.model(tok)  # training mode, as built from a config
    gate = Gate()
    net.classifier.register_forward_hook(lambda m, i, o: gate())
    long_text, short_text = "a fine film with a dull end and a fine cast", "dull film"
    opts = {"tokenizer": tok, "method": "integrated_gradients", "n_steps": 8, "max_steps": 8}
    alone = ll.attribute(net, short_text, **opts)
    first = ll.explain(net, long_text, **opts)
    assert gate.entered.wait(60)
    try:  # the first run's embedding hook is in place; a second, shorter text runs now
        second = ll.attribute(net, short_text, **opts)
        assert net.training and all(p.requires_grad for p in net.parameters())
        assert len(net.get_input_embeddings()._forward_hooks) == 0
    finally:
        gate.released.set()
    np.testing.assert_allclose(second.values, alone.values, rtol=1e-5, atol=1e-7)
    e = first.wait(120)
    np.testing.assert_allclose(e.values, ll.attribute(net, long_text, **opts).values,
                               rtol=1e-5, atol=1e-7)  # fmt: skip
    assert net.training

"""A small CNN trained in seconds on scikit-learn's digits gives sensible maps: deleting
pixels in the map's order destroys the prediction faster than deleting them at random."""

import numpy as np
import pytest

import limelight as ll

torch = pytest.importorskip("torch")


@pytest.fixture(scope="module")
def digits_cnn():
    from sklearn.datasets import load_digits

    torch.manual_seed(0)
    X, y = load_digits(return_X_y=True)
    X = (X / 16.0).reshape(-1, 1, 8, 8).astype(np.float32)
    net = torch.nn.Sequential(
        torch.nn.Conv2d(1, 8, 3, padding=1),
        torch.nn.ReLU(),
        torch.nn.Conv2d(8, 16, 3, padding=1),
        torch.nn.ReLU(),
        torch.nn.Flatten(),
        torch.nn.Linear(16 * 64, 10),
    )
    opt = torch.optim.Adam(net.parameters(), lr=3e-3)
    xt, yt = torch.from_numpy(X[:1500]), torch.from_numpy(y[:1500])
    gen = torch.Generator().manual_seed(0)
    for _ in range(8):
        for idx in torch.randperm(1500, generator=gen).split(64):
            opt.zero_grad()
            torch.nn.functional.cross_entropy(net(xt[idx]), yt[idx]).backward()
            opt.step()
    net.eval()
    with torch.no_grad():
        acc = (net(torch.from_numpy(X[1500:])).argmax(1).numpy() == y[1500:]).mean()
    assert acc > 0.9
    return net, X[1500:1512]


def deletion_auc(net, img, order, target, step=4):
    """Mean probability of ``target`` as pixels are zeroed in ``order`` (lower: better map)."""
    flat = img.reshape(-1)
    rows = []
    for n in range(0, flat.size + 1, step):
        x = flat.copy()
        x[order[:n]] = 0.0
        rows.append(x.reshape(img.shape))
    with torch.no_grad():
        p = torch.softmax(net(torch.from_numpy(np.stack(rows))), 1)[:, target].numpy()
    return float(p.mean())


@pytest.mark.parametrize(
    "method", ["integrated_gradients", "occlusion", "gradient_x_input", "shapley"]
)
def test_maps_beat_random_on_the_deletion_curve(digits_cnn, method):
    net, images = digits_cnn
    rng = np.random.default_rng(0)
    ours, rand = [], []
    opts = {"window": 2, "stride": 1} if method == "occlusion" else {}
    if method == "shapley":
        opts = {"segments": "grid", "n_segments": 16, "budget": 400, "random_state": 0}
    for img in images:
        e = ll.attribute(net, img, method=method, model_output="softmax", **opts)
        t = e.output_index(None)
        target = e.params["targets"][t]
        order = np.argsort(-e.values[t].reshape(-1), kind="stable")
        ours.append(deletion_auc(net, img, order, target))
        rand.append(
            np.mean([deletion_auc(net, img, rng.permutation(64), target) for _ in range(5)])
        )
    assert np.mean(ours) < 0.7 * np.mean(rand), (np.mean(ours), np.mean(rand))


def test_predicted_class_and_names_reach_the_explanation(digits_cnn):
    net, images = digits_cnn
    e = ll.attribute(
        net,
        images[0],
        method="saliency",
        model_output="softmax",
        output_names=[str(d) for d in range(10)],
    )
    assert e.output_names == [str(d) for d in range(10)]
    assert e.prediction.sum() == pytest.approx(1.0)
    with torch.no_grad():
        ref = net(torch.from_numpy(images[:1])).argmax(1).item()
    assert e.output_index(None) == ref

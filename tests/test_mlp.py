"""The MLP: backpropagation against finite differences and mlx.core.grad, training on digits, errors."""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pytest

import dotkit as dk
from dotkit.errors import DtypeError, InputValueError, ShapeError
from dotkit.models.mlp import MLP

# The chapter's recipe (chapters/02_neurons.md): split seed 0, network seed 0.
CHAPTER = {"sizes": [64, 256, 10], "seed": 0, "epochs": 20, "lr": 0.1, "batch_size": 32}


def rel_error(a, b) -> float:
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(a) + np.linalg.norm(b), 1e-300))


def small_problem(seed: int = 0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(7, 5)), rng.integers(0, 3, size=7)


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid", "gelu"])
def test_gradients_match_finite_differences(activation) -> None:
    X, y = small_problem()
    net = MLP([5, 6, 4, 3], activation=activation, init="xavier", seed=1, backend="numpy")
    grads = net.gradients(X, y)
    params = {k: np.array(v, dtype=np.float64) for k, v in net.params.items()}
    eps = 1e-6
    for name, value in params.items():
        numeric = np.zeros_like(value)
        for idx in np.ndindex(value.shape):
            for sign in (1, -1):
                bumped = dict(params)
                bumped[name] = value.copy()
                bumped[name][idx] += sign * eps
                numeric[idx] += sign * net.set_params(bumped).loss(X, y) / (2 * eps)
        net.set_params(params)
        err = rel_error(grads[name], numeric)
        assert err < 1e-4, f"{activation} {name}: relative error {err:.2e}"


def _mlx_loss(mx, net: MLP, X, y):
    """The same network's loss in plain mlx ops, for mlx.core.grad."""
    acts = {"relu": lambda z: mx.maximum(z, 0.0), "tanh": mx.tanh, "sigmoid": mx.sigmoid,
            "gelu": lambda z: 0.5 * z * (1 + mx.erf(z / math.sqrt(2.0)))}[net.activation]
    layers = len(net.weights)

    def loss(params):
        a = X
        for i in range(1, layers + 1):
            z = a @ params[f"W{i}"].T + params[f"b{i}"]
            a = acts(z) if i < layers else z
        picked = mx.take_along_axis(a, y[:, None], axis=1)[:, 0]
        return mx.mean(mx.logsumexp(a, axis=1) - picked)

    return loss


@pytest.mark.parametrize("activation", ["relu", "tanh", "gelu"])
def test_gradients_equal_mlx_grad(activation) -> None:
    mx = pytest.importorskip("mlx.core")
    Xn, yn = small_problem(3)
    net = MLP([5, 8, 3], activation=activation, seed=2, backend="mlx")
    X, y = mx.array(Xn.astype(np.float32)), mx.array(yn.astype(np.int32))
    reference = mx.grad(_mlx_loss(mx, net, X, y))(net.params)
    mine = net.gradients(X, y)
    assert set(mine) == set(reference) == {"W1", "b1", "W2", "b2"}
    for name in mine:
        np.testing.assert_allclose(np.array(mine[name]), np.array(reference[name]), rtol=1e-4, atol=1e-6)
        assert rel_error(np.array(mine[name]), np.array(reference[name])) < 1e-5


def test_same_seed_same_network_on_every_backend(backend) -> None:
    X, y = small_problem(4)
    a = MLP([5, 4, 3], seed=9, backend=backend)
    b = MLP([5, 4, 3], seed=9, backend="numpy")
    for k in a.params:
        np.testing.assert_allclose(dk.to_numpy(a.params[k]), b.params[k], rtol=1e-6, atol=1e-7)
    ga, gb = a.gradients(X, y), b.gradients(X, y)
    for k in ga:
        np.testing.assert_allclose(dk.to_numpy(ga[k]), gb[k], rtol=1e-4, atol=1e-6)


def test_reaches_97_percent_on_digits(backend) -> None:
    from dotkit.datasets.digits import load_digits

    d = load_digits(test_size=0.25, seed=0)
    net = MLP(CHAPTER["sizes"], seed=CHAPTER["seed"], backend=backend)
    net.fit(d.X_train, d.y_train, epochs=CHAPTER["epochs"], lr=CHAPTER["lr"],
            batch_size=CHAPTER["batch_size"], progress=False)
    assert len(net.history_) == CHAPTER["epochs"]
    assert net.history_[-1] < net.history_[0] / 10
    accuracy = net.score(d.X_test, d.y_test)
    assert accuracy >= 0.97, f"{backend.name}: test accuracy {accuracy:.4f}"


def test_predictions(backend) -> None:
    X, y = small_problem(5)
    net = MLP([5, 8, 3], seed=0, backend=backend).fit(X, y, epochs=30, lr=0.1, batch_size=4, progress=False)
    proba = dk.to_numpy(net.predict_proba(X))
    assert proba.shape == (7, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)
    pred = dk.to_numpy(net.predict(X))
    np.testing.assert_array_equal(pred, proba.argmax(axis=1))
    assert net.score(X, y) == pytest.approx(np.mean(pred == y))
    assert net.score(X, y) == 1.0  # seven points, a net with 8 hidden units: memorised


def test_bad_inputs_get_clear_errors() -> None:
    X, y = small_problem()
    net = MLP([5, 4, 3], backend="numpy")
    with pytest.raises(ShapeError, match=r"takes 5 features.*X.shape=\(7, 4\)"):
        net.predict(X[:, :4])
    with pytest.raises(InputValueError, match=r"\[0, 3\).*max=3"):
        net.fit(X, np.where(y == 0, 3, y), progress=False)
    with pytest.raises(InputValueError, match="min=-1"):
        net.gradients(X, np.full(7, -1))
    with pytest.raises(DtypeError, match="non-integer"):
        net.fit(X, y + 0.5, progress=False)
    with pytest.raises(ShapeError, match="7 samples but y has 6"):
        net.fit(X, y[:6], progress=False)
    bad = X.copy()
    bad[2, 1] = np.nan
    with pytest.raises(InputValueError, match="NaN or infinity"):
        net.fit(bad, y, progress=False)
    with pytest.raises(InputValueError, match="NaN or infinity"):
        net.predict(np.full((1, 5), np.inf))
    with pytest.raises(InputValueError, match="lr must be a finite number > 0"):
        net.fit(X, y, lr=0, progress=False)
    with pytest.raises(InputValueError, match="lr"):
        net.fit(X, y, lr=float("nan"), progress=False)
    with pytest.raises(InputValueError, match="epochs"):
        net.fit(X, y, epochs=0, progress=False)
    with pytest.raises(InputValueError, match="batch_size"):
        net.fit(X, y, batch_size=2.5, progress=False)
    with pytest.raises(InputValueError, match="momentum"):
        net.fit(X, y, momentum=1.0, progress=False)


def test_bad_inputs_on_every_backend(backend) -> None:
    X, y = small_problem()
    net = MLP([5, 4, 3], backend=backend)
    Xb = dk.asarray(X, backend=backend)
    with pytest.raises(ShapeError, match="takes 5 features"):
        net.fit(dk.asarray(X[:, :3], backend=backend), y, progress=False)
    with pytest.raises(InputValueError, match="NaN or infinity"):
        net.predict_proba(dk.asarray(np.where(X > 1, np.inf, X), backend=backend))
    with pytest.raises(InputValueError, match=r"\[0, 3\)"):
        net.gradients(Xb, dk.asarray(y + 3, backend=backend))


@pytest.mark.parametrize("sizes", [[10], [], [4, 0, 2], [4, 2.5, 2], [4, 1], "abc", 5])
def test_bad_sizes(sizes) -> None:
    with pytest.raises(InputValueError, match="sizes"):
        MLP(sizes)


def test_bad_activation_and_init() -> None:
    with pytest.raises(InputValueError, match="unknown activation"):
        MLP([3, 2], activation="softplus")
    with pytest.raises(InputValueError, match="init"):
        MLP([3, 2], init="zeros")
    assert MLP([3, 2], init="xavier_uniform").sizes == [3, 2]
    assert float(np.abs(MLP([300, 2], init=0.001).weights[0]).max()) < 0.01


def test_a_diverging_run_says_so() -> None:
    X, y = small_problem()
    with np.errstate(all="ignore"), pytest.raises(InputValueError, match="loss became nan.*learning rate"):
        MLP([5, 16, 3], seed=0, backend="numpy").fit(X * 1e3, y, epochs=5, lr=1e100, batch_size=7, progress=False)


def test_importing_models_is_cheap() -> None:
    code = (
        "import sys, dotkit.models as m; "
        "assert not any(k in sys.modules for k in ('dotkit.models.mlp', 'dotkit.models.mf', "
        "'dotkit.models.minilm', 'mlx', 'sklearn')), sorted(sys.modules); "
        "m.MLP; assert 'dotkit.models.mlp' in sys.modules and 'dotkit.models.mf' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_numerical_gradients_method_agrees_and_restores_the_weights() -> None:
    from dotkit.models.mlp import relative_error

    X, y = small_problem(6)
    net = MLP([5, 4, 3], activation="gelu", seed=3, backend="numpy")
    before = {k: v.copy() for k, v in net.params.items()}
    numeric, exact = net.numerical_gradients(X, y), net.gradients(X, y)
    for k in exact:
        assert relative_error(numeric[k], exact[k]) < 1e-6
        np.testing.assert_array_equal(net.params[k], before[k])
    assert relative_error([1.0, 0.0], [0.0, 1.0]) == pytest.approx(2 ** 0.5 / 2)


def test_validation_curve_is_the_held_out_loss_and_does_not_change_training() -> None:
    X, y = small_problem(3)
    X_val, y_val = small_problem(4)
    plain = MLP([5, 6, 3], seed=2, backend="numpy").fit(X, y, epochs=4, batch_size=3, progress=False)
    watched = MLP([5, 6, 3], seed=2, backend="numpy").fit(X, y, epochs=4, batch_size=3, progress=False,
                                                          validation=(X_val, y_val))
    assert plain.val_history_ == [] and len(watched.val_history_) == 4
    assert watched.history_ == plain.history_
    assert watched.val_history_[-1] == pytest.approx(watched.loss(X_val, y_val), rel=1e-12)
    assert plain.val_accuracy_ == [] and len(watched.val_accuracy_) == 4
    assert watched.val_accuracy_[-1] == pytest.approx(watched.score(X_val, y_val), abs=1e-12)
    with pytest.raises(InputValueError, match="validation must be a pair"):
        plain.fit(X, y, epochs=1, progress=False, validation=X_val)


def test_backward_pass_skips_the_first_layers_input_gradient(monkeypatch) -> None:
    import dotkit.models.mlp as mlp_module

    calls = []
    real = mlp_module.dense_grads

    def spy(xp, delta, x, W, *, need_dx=True):
        calls.append(need_dx)
        return real(xp, delta, x, W, need_dx=need_dx)

    monkeypatch.setattr(mlp_module, "dense_grads", spy)
    X, y = small_problem()
    MLP([5, 6, 4, 3], seed=0, backend="numpy").gradients(X, y)
    assert calls == [True, True, False]  # top layer first; the first layer's δW is never formed

"""Focal cross-entropies, Dice and Tversky: NumPy references, gradients, lookup, configs, errors."""
import numpy as np
import pytest

import numnet
from numnet import losses
from numnet.utils import gradient_check

EPS = 1e-7
rng = np.random.default_rng(0)
Y_BIN = (rng.random((6, 5)) > 0.5).astype(np.float64)
P_BIN = rng.uniform(0.02, 0.98, (6, 5))
LOGITS = rng.normal(size=(6, 5)) * 3
Y_CAT = np.eye(5)[rng.integers(0, 5, 6)]
SW = rng.uniform(0.1, 2.0, 6)


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _softmax(x):
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def ref_bfce(y, p, balance=False, alpha=0.25, gamma=2.0, from_logits=False, ls=0.0):
    y = y * (1 - ls) + 0.5 * ls
    p = _sigmoid(p) if from_logits else p
    pc = np.clip(p, EPS, 1 - EPS)
    bce = -(y * np.log(pc) + (1 - y) * np.log(1 - pc))
    p_t = y * p + (1 - y) * (1 - p)
    out = (1 - p_t) ** gamma * bce
    if balance:
        out = out * (y * alpha + (1 - y) * (1 - alpha))
    return out.mean(axis=-1)


def ref_cfce(y, p, alpha=0.25, gamma=2.0, from_logits=False, ls=0.0):
    y = y * (1 - ls) + ls / y.shape[-1]
    p = _softmax(p) if from_logits else p
    p = np.clip(p / p.sum(axis=-1, keepdims=True), EPS, 1 - EPS)
    return (np.asarray(alpha) * (1 - p) ** gamma * -y * np.log(p)).sum(axis=-1)


def ref_dice(y, p, axis=None):
    return 1 - 2 * (y * p).sum(axis=axis) / (y.sum(axis=axis) + p.sum(axis=axis) + EPS)


def ref_tversky(y, p, alpha=0.5, beta=0.5, axis=None):
    tp = (y * p).sum(axis=axis)
    return 1 - tp / (tp + alpha * (y * (1 - p)).sum(axis=axis) + beta * ((1 - y) * p).sum(axis=axis) + EPS)


@pytest.mark.parametrize("kwargs", [{}, {"apply_class_balancing": True, "alpha": 0.4}, {"gamma": 0.0},
                                    {"label_smoothing": 0.2, "gamma": 1.5}])
def test_binary_focal_matches_numpy(kwargs):
    ref_kw = {"balance": kwargs.get("apply_class_balancing", False), "alpha": kwargs.get("alpha", 0.25),
              "gamma": kwargs.get("gamma", 2.0), "ls": kwargs.get("label_smoothing", 0.0)}
    np.testing.assert_allclose(losses.binary_focal_crossentropy(Y_BIN, P_BIN, **kwargs).data,
                               ref_bfce(Y_BIN, P_BIN, **ref_kw), rtol=1e-10)
    np.testing.assert_allclose(losses.binary_focal_crossentropy(Y_BIN, LOGITS, from_logits=True, **kwargs).data,
                               ref_bfce(Y_BIN, LOGITS, from_logits=True, **ref_kw), rtol=1e-10)
    loss = losses.BinaryFocalCrossentropy(**kwargs)
    expected = np.sum(ref_bfce(Y_BIN, P_BIN, **ref_kw) * SW) / 6
    np.testing.assert_allclose(loss(Y_BIN, P_BIN, sample_weight=SW).data, expected, rtol=1e-10)


def test_binary_focal_gamma_zero_is_binary_crossentropy():
    np.testing.assert_allclose(losses.binary_focal_crossentropy(Y_BIN, P_BIN, gamma=0.0).data,
                               losses.binary_crossentropy(Y_BIN, P_BIN).data, rtol=1e-12)


@pytest.mark.parametrize("kwargs", [{}, {"alpha": 0.7, "gamma": 1.0}, {"label_smoothing": 0.1},
                                    {"alpha": [0.1, 0.2, 0.3, 0.4, 0.5]}])
def test_categorical_focal_matches_numpy(kwargs):
    ref_kw = {"alpha": kwargs.get("alpha", 0.25), "gamma": kwargs.get("gamma", 2.0),
              "ls": kwargs.get("label_smoothing", 0.0)}
    np.testing.assert_allclose(losses.categorical_focal_crossentropy(Y_CAT, P_BIN, **kwargs).data,
                               ref_cfce(Y_CAT, P_BIN, **ref_kw), rtol=1e-10)
    np.testing.assert_allclose(
        losses.categorical_focal_crossentropy(Y_CAT, LOGITS, from_logits=True, **kwargs).data,
        ref_cfce(Y_CAT, LOGITS, from_logits=True, **ref_kw), rtol=1e-10)
    loss = losses.CategoricalFocalCrossentropy(reduction="sum", **kwargs)
    np.testing.assert_allclose(loss(Y_CAT, P_BIN, sample_weight=SW).data,
                               np.sum(ref_cfce(Y_CAT, P_BIN, **ref_kw) * SW), rtol=1e-10)


def test_dice_and_tversky_match_numpy():
    np.testing.assert_allclose(losses.dice(Y_BIN, P_BIN).data, ref_dice(Y_BIN, P_BIN), rtol=1e-12)
    np.testing.assert_allclose(losses.dice(Y_BIN, P_BIN, axis=1).data, ref_dice(Y_BIN, P_BIN, 1), rtol=1e-12)
    np.testing.assert_allclose(losses.tversky(Y_BIN, P_BIN, 0.7, 0.3).data, ref_tversky(Y_BIN, P_BIN, 0.7, 0.3),
                               rtol=1e-12)
    np.testing.assert_allclose(losses.tversky(Y_BIN, P_BIN, axis=(1,)).data, ref_dice(Y_BIN, P_BIN, 1), rtol=1e-6)
    loss = losses.Dice(axis=1, reduction="mean_with_sample_weight")
    np.testing.assert_allclose(loss(Y_BIN, P_BIN, sample_weight=SW).data,
                               np.sum(ref_dice(Y_BIN, P_BIN, 1) * SW) / SW.sum(), rtol=1e-12)
    np.testing.assert_allclose(losses.Tversky(alpha=0.2, beta=0.8)(Y_BIN, P_BIN).data,
                               ref_tversky(Y_BIN, P_BIN, 0.2, 0.8), rtol=1e-12)
    y = Y_BIN.reshape(2, 3, 5, 1)
    p = P_BIN.reshape(2, 3, 5, 1)
    np.testing.assert_allclose(losses.dice(y, p, axis=(1, 2, 3)).data, ref_dice(y, p, (1, 2, 3)), rtol=1e-12)


@pytest.mark.parametrize("fn,kwargs,pred", [
    (losses.binary_focal_crossentropy, {}, P_BIN),
    (losses.binary_focal_crossentropy, {"apply_class_balancing": True, "label_smoothing": 0.1}, P_BIN),
    (losses.binary_focal_crossentropy, {"from_logits": True, "gamma": 1.5}, LOGITS),
    (losses.categorical_focal_crossentropy, {"alpha": [0.1, 0.2, 0.3, 0.4, 0.5]}, P_BIN),
    (losses.categorical_focal_crossentropy, {"from_logits": True, "label_smoothing": 0.2}, LOGITS),
    (losses.dice, {"axis": 1}, P_BIN),
    (losses.tversky, {"alpha": 0.7, "beta": 0.3}, P_BIN),
])
def test_gradients_float64(fn, kwargs, pred):
    target = Y_CAT if fn is losses.categorical_focal_crossentropy else Y_BIN
    assert gradient_check(lambda p: fn(target, p, **kwargs), [pred.copy()]) < 1e-6


def test_float32_stays_float32():
    for fn in (losses.binary_focal_crossentropy, losses.categorical_focal_crossentropy, losses.dice,
               losses.tversky):
        assert fn(Y_CAT.astype(np.float32), P_BIN.astype(np.float32)).dtype == np.float32


@pytest.mark.parametrize("cls,kwargs", [
    (losses.BinaryFocalCrossentropy, {"apply_class_balancing": True, "alpha": 0.3, "gamma": 1.0,
                                      "from_logits": True, "label_smoothing": 0.1, "axis": -1}),
    (losses.CategoricalFocalCrossentropy, {"alpha": [0.5, 0.5, 1.0, 1.0, 2.0], "gamma": 3.0}),
    (losses.Dice, {"axis": (1,)}),
    (losses.Tversky, {"alpha": 0.9, "beta": 0.1, "axis": None}),
])
def test_config_round_trip(cls, kwargs):
    loss = cls(**kwargs)
    config = loss.get_config()
    for key, value in kwargs.items():
        assert config[key] == value
    clone = losses.deserialize(losses.serialize(loss))
    assert type(clone) is cls and clone.get_config() == config
    y, p = (Y_CAT, P_BIN) if cls is not losses.BinaryFocalCrossentropy else (Y_BIN, LOGITS)
    np.testing.assert_array_equal(clone(y, p).data, loss(y, p).data)


def test_get_by_name():
    for name in ("binary_focal_crossentropy", "categorical_focal_crossentropy", "dice", "tversky"):
        assert losses.get(name) is getattr(losses, name)
    for cls in (losses.BinaryFocalCrossentropy, losses.CategoricalFocalCrossentropy, losses.Dice,
                losses.Tversky):
        assert isinstance(losses.get(cls.__name__), cls)
    wrapped = losses.as_loss("dice")
    np.testing.assert_allclose(wrapped(Y_BIN, P_BIN).data, ref_dice(Y_BIN, P_BIN), rtol=1e-12)


def test_compile_and_fit_with_focal_loss():
    numnet.utils.set_random_seed(0)
    x = rng.normal(size=(64, 3)).astype(np.float32)
    y = (x[:, :1] + x[:, 1:2] > 0).astype(np.float32)
    model = numnet.Sequential([numnet.Input((3,)), numnet.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=numnet.optimizers.Adam(0.05), loss="binary_focal_crossentropy")
    history = model.fit(x, y, epochs=15, batch_size=16, verbose=0)
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]


@pytest.mark.parametrize("call,match", [
    (lambda: losses.BinaryFocalCrossentropy(alpha=1.5), r"`alpha`.*alpha=1.5"),
    (lambda: losses.BinaryFocalCrossentropy(gamma=-1), r"`gamma`.*gamma=-1"),
    (lambda: losses.CategoricalFocalCrossentropy(label_smoothing=2), r"`label_smoothing`.*label_smoothing=2"),
    (lambda: losses.CategoricalFocalCrossentropy(alpha=[[1.0]]), r"`alpha`"),
    (lambda: losses.categorical_focal_crossentropy(Y_CAT, P_BIN, alpha=[1.0, 2.0]), r"`alpha`.*\(5\).*2 values"),
    (lambda: losses.BinaryFocalCrossentropy(axis=1.0), r"`axis`.*axis=1.0"),
    (lambda: losses.Dice(axis="x"), r"`axis`.*axis='x'"),
    (lambda: losses.Tversky(beta=-0.1), r"`beta`.*beta=-0.1"),
    (lambda: losses.dice(Y_BIN, P_BIN[:, :3]), r"dice.*y_true.shape=\(6, 5\).*y_pred.shape=\(6, 3\)"),
    (lambda: losses.binary_focal_crossentropy(Y_BIN, P_BIN[:3]), r"y_true.shape=\(6, 5\)"),
])
def test_bad_arguments_are_named(call, match):
    with pytest.raises(ValueError, match=match):
        call()

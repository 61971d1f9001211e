"""Losses against NumPy references written here, Keras reduction rules, gradients, bad input."""
import numpy as np
import pytest

from numnet import losses
from numnet.autograd import Tensor
from numnet.utils import gradient_check

EPS = 1e-7
RNG = np.random.default_rng(1234)


# ----- NumPy references (float64) -------------------------------------------------------------
def ref_mse(t, p):
    return np.mean((t - p) ** 2, axis=-1)


def ref_mae(t, p):
    return np.mean(np.abs(t - p), axis=-1)


def ref_mape(t, p):
    return 100 * np.mean(np.abs(t - p) / np.maximum(np.abs(t), EPS), axis=-1)


def ref_msle(t, p):
    return np.mean((np.log(np.maximum(p, EPS) + 1) - np.log(np.maximum(t, EPS) + 1)) ** 2, axis=-1)


def ref_huber(t, p, delta=1.0):
    e = np.abs(p - t)
    return np.mean(np.where(e <= delta, 0.5 * e ** 2, delta * e - 0.5 * delta ** 2), axis=-1)


def ref_log_cosh(t, p):
    return np.mean(np.log(np.cosh(p - t)), axis=-1)


def ref_cosine(t, p, axis=-1):
    tn = t / np.linalg.norm(t, axis=axis, keepdims=True)
    pn = p / np.linalg.norm(p, axis=axis, keepdims=True)
    return -np.sum(tn * pn, axis=axis)


def ref_bce(t, p, from_logits=False, label_smoothing=0.0):
    t = t * (1 - label_smoothing) + 0.5 * label_smoothing
    if from_logits:
        p = 1 / (1 + np.exp(-p))
    p = np.clip(p, EPS, 1 - EPS)
    return -np.mean(t * np.log(p) + (1 - t) * np.log(1 - p), axis=-1)


def ref_cce(t, p, from_logits=False, label_smoothing=0.0):
    t = t * (1 - label_smoothing) + label_smoothing / t.shape[-1]
    if from_logits:
        e = np.exp(p - p.max(-1, keepdims=True))
        p = e / e.sum(-1, keepdims=True)
        return -np.sum(t * np.log(p), axis=-1)
    p = np.clip(p / p.sum(-1, keepdims=True), EPS, 1 - EPS)
    return -np.sum(t * np.log(p), axis=-1)


def ref_scce(labels, p, from_logits=False):
    return ref_cce(np.eye(p.shape[-1])[labels], p, from_logits)


def ref_kld(t, p):
    t, p = np.clip(t, EPS, 1), np.clip(p, EPS, 1)
    return np.sum(t * np.log(t / p), axis=-1)


def ref_poisson(t, p):
    return np.mean(p - t * np.log(p + EPS), axis=-1)


def _signed(t):
    return 2 * t - 1 if np.all((t == 0) | (t == 1)) else t


def ref_hinge(t, p):
    return np.mean(np.maximum(1 - _signed(t) * p, 0), axis=-1)


def ref_squared_hinge(t, p):
    return np.mean(np.maximum(1 - _signed(t) * p, 0) ** 2, axis=-1)


def ref_categorical_hinge(t, p):
    return np.maximum(np.max((1 - t) * p, axis=-1) - np.sum(t * p, axis=-1) + 1, 0)


# ----- data -------------------------------------------------------------------------------------
N, C = 6, 4


def onehot(n=N, c=C):
    return np.eye(c)[RNG.integers(0, c, n)]


def probs(n=N, c=C):
    x = RNG.random((n, c)) + 0.1
    return x / x.sum(-1, keepdims=True)


def binary(n=N, c=C):
    return RNG.integers(0, 2, (n, c)).astype(np.float64)


def reals(n=N, c=C):
    return RNG.normal(size=(n, c))


def positives(n=N, c=C):
    return RNG.random((n, c)) * 2 + 0.2


def away_from(t, lo, hi, kink=None, gap=0.05):
    """Random predictions in [lo, hi] kept `gap` away from `kink(t)` (for gradient checks)."""
    p = RNG.uniform(lo, hi, t.shape)
    if kink is not None:
        k = kink(t)
        close = np.abs(p - k) < gap
        p = np.where(close, k + np.sign(p - k + 1e-12) * 2 * gap, p)
    return p


# (name, class factory, function, reference, y_true maker, y_pred maker for value + grad tests)
CASES = [
    ("mse", losses.MeanSquaredError, losses.mean_squared_error, ref_mse, reals, reals),
    ("mae", losses.MeanAbsoluteError, losses.mean_absolute_error, ref_mae, reals,
     lambda: None),
    ("mape", losses.MeanAbsolutePercentageError, losses.mean_absolute_percentage_error, ref_mape, positives,
     lambda: None),
    ("msle", losses.MeanSquaredLogarithmicError, losses.mean_squared_logarithmic_error, ref_msle, positives,
     positives),
    ("huber", losses.Huber, losses.huber, ref_huber, reals, lambda: None),
    ("log_cosh", losses.LogCosh, losses.log_cosh, ref_log_cosh, reals, reals),
    ("cosine_similarity", losses.CosineSimilarity, losses.cosine_similarity, ref_cosine, reals, reals),
    ("binary_crossentropy", losses.BinaryCrossentropy, losses.binary_crossentropy, ref_bce, binary,
     lambda: RNG.uniform(0.05, 0.95, (N, C))),
    ("categorical_crossentropy", losses.CategoricalCrossentropy, losses.categorical_crossentropy, ref_cce, onehot,
     probs),
    ("kl_divergence", losses.KLDivergence, losses.kl_divergence, ref_kld, probs, probs),
    ("poisson", losses.Poisson, losses.poisson, ref_poisson, positives, positives),
    ("hinge", losses.Hinge, losses.hinge, ref_hinge, binary, lambda: None),
    ("squared_hinge", losses.SquaredHinge, losses.squared_hinge, ref_squared_hinge, binary, reals),
    ("categorical_hinge", losses.CategoricalHinge, losses.categorical_hinge, ref_categorical_hinge, onehot,
     lambda: None),
]


def make_pred(name, t, maker):
    """Predictions for `name`, away from kinks so that finite differences are valid."""
    if name == "mae":
        return away_from(t, -2, 2, kink=lambda t: t)
    if name == "mape":
        return away_from(t, 0.1, 3, kink=lambda t: t)
    if name == "huber":
        p = away_from(t, -3, 3, kink=lambda t: t + 1.0)
        return np.where(np.abs(np.abs(p - t) - 1.0) < 0.05, t + 0.5, p)
    if name == "hinge":
        return away_from(t, -2, 2, kink=lambda t: 1 / _signed(t))
    if name == "categorical_hinge":
        p = reals()
        p += 0.3 * np.arange(C)  # distinct entries: the max of (1 - t) * p is unique
        return p
    return maker()


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_function_matches_reference(case):
    name, _, fn, ref, make_true, make_pred_ = case
    t = make_true()
    p = make_pred(name, t, make_pred_)
    out = fn(t, Tensor(p))
    assert out.shape == (N,)
    np.testing.assert_allclose(out.data, ref(t, p), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_class_reductions_and_sample_weight(case):
    name, cls, _, ref, make_true, make_pred_ = case
    t = make_true()
    p = make_pred(name, t, make_pred_)
    sw = RNG.random(N) + 0.5
    per_sample = ref(t, p)
    assert np.isclose(cls()(t, Tensor(p)).item(), per_sample.mean(), rtol=1e-10)
    assert np.isclose(cls(reduction="sum")(t, Tensor(p), sample_weight=sw).item(), (per_sample * sw).sum(), rtol=1e-10)
    # Keras 3: 'sum_over_batch_size' divides by the number of elements, not by the sum of the weights.
    assert np.isclose(cls()(t, Tensor(p), sample_weight=sw).item(), (per_sample * sw).sum() / N, rtol=1e-10)
    assert np.isclose(cls()(t, Tensor(p), sample_weight=sw[:, None]).item(), (per_sample * sw).sum() / N,
                      rtol=1e-10)
    assert np.isclose(cls(reduction="mean_with_sample_weight")(t, Tensor(p), sample_weight=sw).item(),
                      (per_sample * sw).sum() / sw.sum(), rtol=1e-10)
    none = cls(reduction=None)(t, Tensor(p), sample_weight=sw)
    np.testing.assert_allclose(none.data, per_sample * sw, rtol=1e-10)
    assert cls(reduction="none")(t, Tensor(p)).shape == (N,)


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_gradient_check_float64(case):
    name, cls, _, _, make_true, make_pred_ = case
    t = make_true()
    p = make_pred(name, t, make_pred_)
    sw = RNG.random(N) + 0.5
    loss = cls()
    err = gradient_check(lambda x: loss(t, x, sample_weight=sw), [p])
    assert err < 1e-6, f"{name}: relative gradient error {err}"


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_float32_stays_float32(case):
    name, cls, _, _, make_true, make_pred_ = case
    t = make_true()
    p = Tensor(make_pred(name, t, make_pred_).astype(np.float32), requires_grad=True)
    out = cls()(t, p, sample_weight=np.ones(N))
    assert out.dtype == np.float32
    out.backward()
    assert p.grad.dtype == np.float32


@pytest.mark.parametrize("label_smoothing", [0.0, 0.2])
@pytest.mark.parametrize("from_logits", [False, True])
def test_binary_crossentropy_options(from_logits, label_smoothing):
    t = binary()
    p = reals() * 3 if from_logits else RNG.uniform(0.05, 0.95, (N, C))
    loss = losses.BinaryCrossentropy(from_logits=from_logits, label_smoothing=label_smoothing)
    assert np.isclose(loss(t, Tensor(p)).item(), ref_bce(t, p, from_logits, label_smoothing).mean(), rtol=1e-9)
    assert gradient_check(lambda x: loss(t, x), [p]) < 1e-6


def test_binary_crossentropy_clips_like_keras_and_extreme_logits_are_finite():
    t = np.array([[1.0], [0.0]])
    out = losses.binary_crossentropy(t, Tensor(np.array([[0.0], [1.0]])))
    np.testing.assert_allclose(out.data, -np.log(EPS) * np.ones(2), rtol=1e-6)
    x = Tensor(np.array([[200.0], [-200.0]]), requires_grad=True)
    v = losses.BinaryCrossentropy(from_logits=True)(t[::-1], x)
    v.backward()
    assert np.isclose(v.item(), 200.0) and np.all(np.isfinite(x.grad))


def test_binary_crossentropy_rank1_targets_against_column_predictions():
    t = RNG.integers(0, 2, N).astype(np.float64)
    p = RNG.uniform(0.05, 0.95, (N, 1))
    out = losses.binary_crossentropy(t, Tensor(p))
    np.testing.assert_allclose(out.data, ref_bce(t[:, None], p), rtol=1e-10)


@pytest.mark.parametrize("label_smoothing", [0.0, 0.1])
@pytest.mark.parametrize("from_logits", [False, True])
def test_categorical_crossentropy_options(from_logits, label_smoothing):
    t = onehot()
    p = reals() * 2 if from_logits else probs()
    loss = losses.CategoricalCrossentropy(from_logits=from_logits, label_smoothing=label_smoothing)
    assert np.isclose(loss(t, Tensor(p)).item(), ref_cce(t, p, from_logits, label_smoothing).mean(), rtol=1e-9)
    assert gradient_check(lambda x: loss(t, x), [p]) < 1e-6


def test_categorical_crossentropy_renormalises_probabilities_and_axis():
    t = onehot()
    raw = RNG.random((N, C)) + 0.1  # not normalised: Keras divides by the sum first
    np.testing.assert_allclose(losses.categorical_crossentropy(t, Tensor(raw)).data, ref_cce(t, raw), rtol=1e-10)
    assert gradient_check(lambda x: losses.categorical_crossentropy(t, x), [raw]) < 1e-6
    out = losses.categorical_crossentropy(t.T, Tensor(raw.T), axis=0)
    np.testing.assert_allclose(out.data, ref_cce(t, raw), rtol=1e-10)
    assert gradient_check(lambda x: losses.categorical_crossentropy(t.T, x, axis=0), [raw.T.copy()]) < 1e-6


@pytest.mark.parametrize("from_logits", [False, True])
def test_sparse_categorical_crossentropy(from_logits):
    labels = RNG.integers(0, C, N)
    p = reals() if from_logits else probs()
    loss = losses.SparseCategoricalCrossentropy(from_logits=from_logits)
    expected = ref_scce(labels, p, from_logits)
    assert np.isclose(loss(labels, Tensor(p)).item(), expected.mean(), rtol=1e-10)
    assert np.isclose(loss(labels[:, None], Tensor(p)).item(), expected.mean(), rtol=1e-10)
    assert gradient_check(lambda x: loss(labels, x), [p]) < 1e-6
    # Sequence output: labels (N, T), predictions (N, T, C).
    lab3 = RNG.integers(0, C, (N, 3))
    p3 = RNG.normal(size=(N, 3, C)) if from_logits else RNG.random((N, 3, C)) + 0.1
    out = losses.sparse_categorical_crossentropy(lab3, Tensor(p3), from_logits=from_logits)
    np.testing.assert_allclose(out.data, ref_scce(lab3, p3, from_logits), rtol=1e-10)


@pytest.mark.parametrize("from_logits", [False, True])
def test_sparse_categorical_crossentropy_ignore_class(from_logits):
    labels = np.array([0, 2, -1, 1, -1, 3])
    p = reals() if from_logits else probs()
    valid = labels != -1
    per = ref_scce(np.where(valid, labels, 0), p, from_logits) * valid
    loss = losses.SparseCategoricalCrossentropy(from_logits=from_logits, ignore_class=-1)
    # Keras divides by the number of non-ignored entries.
    assert np.isclose(loss(labels, Tensor(p)).item(), per.sum() / valid.sum(), rtol=1e-10)
    sw = RNG.random(N) + 0.5
    assert np.isclose(loss(labels, Tensor(p), sample_weight=sw).item(), (per * sw).sum() / valid.sum(), rtol=1e-10)
    assert np.isclose(losses.SparseCategoricalCrossentropy(from_logits=from_logits, ignore_class=-1,
                                                           reduction="sum")(labels, Tensor(p)).item(), per.sum())
    x = Tensor(p, requires_grad=True)
    loss(labels, x).backward()
    assert np.all(x.grad[~valid] == 0)
    assert gradient_check(lambda x: loss(labels, x), [p]) < 1e-6
    np.testing.assert_allclose(
        losses.sparse_categorical_crossentropy(labels, Tensor(p), from_logits=from_logits, ignore_class=-1).data,
        per, rtol=1e-10)


def test_sparse_labels_out_of_range():
    with pytest.raises(ValueError, match=r"\[0, 4\)"):
        losses.SparseCategoricalCrossentropy()(np.array([0, 1, 4, 0, 1, 2]), Tensor(probs()))
    with pytest.raises(ValueError, match="class ids"):
        losses.sparse_categorical_crossentropy(np.zeros((N, 2)), Tensor(probs()))


def test_hinge_keeps_signed_labels_and_cosine_axis():
    t = RNG.choice([-1.0, 1.0], (N, C))
    p = reals()
    np.testing.assert_allclose(losses.hinge(t, Tensor(p)).data, np.mean(np.maximum(1 - t * p, 0), -1), rtol=1e-12)
    t2, p2 = reals(), reals()
    np.testing.assert_allclose(losses.cosine_similarity(t2, Tensor(p2), axis=0).data, ref_cosine(t2, p2, axis=0),
                               rtol=1e-10)
    assert gradient_check(lambda x: losses.CosineSimilarity(axis=0)(t2, x), [p2]) < 1e-6


def test_huber_delta_and_known_value():
    t, p = reals(), reals() * 2
    assert np.isclose(losses.Huber(delta=0.5)(t, Tensor(p)).item(), ref_huber(t, p, 0.5).mean(), rtol=1e-10)
    # Keras's documented example.
    out = losses.huber(np.array([[0.0, 1.0], [0.0, 0.0]]), Tensor(np.array([[0.6, 0.4], [0.4, 0.6]])))
    assert np.isclose(out.data.mean(), 0.155)


def test_rank1_inputs_follow_keras():
    t, p = RNG.normal(size=5), RNG.normal(size=5)
    # Rank-1 targets/predictions: the per-sample loss is the mean over the only axis (Keras 3).
    assert np.isclose(losses.MeanSquaredError()(t, Tensor(p)).item(), np.mean((t - p) ** 2))
    assert np.isclose(losses.MeanSquaredError()(t, Tensor(p[:, None])).item(), np.mean((t - p) ** 2))


def test_integer_targets_and_array_predictions():
    t = RNG.integers(0, 3, (N, C))
    p = RNG.normal(size=(N, C)).astype(np.float32)
    out = losses.MeanSquaredError()(t, p)
    assert out.dtype == np.float32 and np.isclose(out.item(), np.mean((t - p) ** 2), rtol=1e-6)


def test_shape_mismatch_names_both_shapes():
    with pytest.raises(ValueError, match=r"y_true.shape=\(6, 3\).*y_pred.shape=\(6, 4\)"):
        losses.MeanSquaredError()(np.zeros((6, 3)), Tensor(np.zeros((6, 4))))
    with pytest.raises(ValueError, match=r"\(6, 3\).*\(6, 4\)"):
        losses.categorical_crossentropy(np.zeros((6, 3)), Tensor(np.ones((6, 4))))
    with pytest.raises(ValueError, match="sample_weight"):
        losses.MeanSquaredError()(np.zeros((6, 4)), Tensor(np.zeros((6, 4))), sample_weight=np.ones(5))


def test_bad_reduction():
    with pytest.raises(ValueError, match="reduction"):
        losses.MeanSquaredError(reduction="average")


def test_get_aliases_and_unknown_names():
    assert losses.get("mse") is losses.mean_squared_error
    assert losses.get("mae") is losses.mean_absolute_error
    assert losses.get("kld") is losses.kl_divergence
    assert losses.get("logcosh") is losses.log_cosh and losses.get("log_cosh") is losses.log_cosh
    for name in ["mape", "msle", "binary_crossentropy", "categorical_crossentropy",
                 "sparse_categorical_crossentropy", "huber", "hinge", "poisson", "cosine_similarity"]:
        assert callable(losses.get(name))
    assert isinstance(losses.get("MeanSquaredError"), losses.MeanSquaredError)
    assert isinstance(losses.get(losses.Huber), losses.Huber)
    inst = losses.Huber(delta=2.0)
    assert losses.get(inst) is inst
    wrapped = losses.as_loss("mse")
    assert isinstance(wrapped, losses.Loss) and wrapped.name == "mean_squared_error"
    assert np.isclose(wrapped(np.ones((2, 2)), Tensor(np.zeros((2, 2)))).item(), 1.0)
    assert losses.get(None) is None
    with pytest.raises(ValueError, match=r"Could not interpret loss identifier: 'msqe'.*mean_squared_error"):
        losses.get("msqe")


def test_serialize_roundtrip():
    for obj in [losses.BinaryCrossentropy(from_logits=True, label_smoothing=0.1),
                losses.CategoricalCrossentropy(axis=1, reduction="sum"),
                losses.SparseCategoricalCrossentropy(ignore_class=255, name="scce"),
                losses.Huber(delta=0.3), losses.CosineSimilarity(axis=0), losses.MeanSquaredError()]:
        config = losses.serialize(obj)
        back = losses.deserialize(config)
        assert type(back) is type(obj) and back.get_config() == obj.get_config()
        assert losses.get(config).get_config() == obj.get_config()
    wrapper = losses.LossFunctionWrapper(losses.huber, delta=0.5)
    back = losses.deserialize(losses.serialize(wrapper))
    assert back.fn is losses.huber and back.get_config() == wrapper.get_config()
    with pytest.raises(ValueError, match="Unknown loss"):
        losses.deserialize({"class_name": "os.system", "config": {}})


def test_custom_loss_subclass_with_elementwise_values():
    class Quartic(losses.Loss):
        def call(self, y_true, y_pred):
            d = y_pred - Tensor(np.asarray(y_true, dtype=y_pred.dtype))
            return d * d * d * d  # one value per element: reduced over all of them

    t, p = reals(), reals()
    assert np.isclose(Quartic()(t, Tensor(p)).item(), np.mean((p - t) ** 4))
    sw = RNG.random(N)
    assert np.isclose(Quartic()(t, Tensor(p), sample_weight=sw).item(), np.mean((p - t) ** 4 * sw[:, None]))
    assert gradient_check(lambda x: Quartic(reduction="sum")(t, x, sample_weight=sw), [p]) < 1e-6

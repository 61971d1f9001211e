"""Metrics against NumPy references, exact aggregation over batches, confusion metrics, resolution."""
import math

import numpy as np
import pytest

from numnet import metrics
from numnet.autograd import Tensor

RNG = np.random.default_rng(7)
N, C = 1000, 5


def batches(n, size=128):
    return [slice(i, min(i + size, n)) for i in range(0, n, size)]


def feed(metric, y_true, y_pred, sample_weight=None, size=128):
    for s in batches(len(y_true), size):
        metric.update_state(y_true[s], y_pred[s], None if sample_weight is None else sample_weight[s])
    return metric.result()


# ----- data ----------------------------------------------------------------------------------
LABELS = RNG.integers(0, C, N)
ONEHOT = np.eye(C)[LABELS]
LOGITS = RNG.normal(size=(N, C)).astype(np.float32)
PROBS = (np.exp(LOGITS) / np.exp(LOGITS).sum(-1, keepdims=True)).astype(np.float32)
BIN_TRUE = RNG.integers(0, 2, (N, 1)).astype(np.float32)
BIN_PRED = np.clip(BIN_TRUE * 0.3 + RNG.random((N, 1)) * 0.7, 0, 1).astype(np.float32)
REG_TRUE = RNG.normal(size=(N, 3)).astype(np.float32)
REG_PRED = (REG_TRUE + RNG.normal(size=(N, 3)) * 0.5).astype(np.float32)
WEIGHTS = RNG.random(N)


def wmean(values, w=None):
    values = np.asarray(values, dtype=np.float64)
    return values.mean() if w is None else (values * w).sum() / w.sum()


# ----- references --------------------------------------------------------------------------------
def ref_cce(t, p):
    p = np.clip(p / p.sum(-1, keepdims=True), 1e-7, 1 - 1e-7)
    return -(t * np.log(p)).sum(-1)


def ref_bce(t, p):
    p = np.clip(p, 1e-7, 1 - 1e-7)
    return -(t * np.log(p) + (1 - t) * np.log(1 - p)).mean(-1)


MEAN_CASES = [
    ("binary_accuracy", lambda: metrics.BinaryAccuracy(), BIN_TRUE, BIN_PRED,
     lambda t, p: (t[:, 0] == (p[:, 0] > 0.5))),
    ("binary_accuracy_0.3", lambda: metrics.BinaryAccuracy(threshold=0.3), BIN_TRUE, BIN_PRED,
     lambda t, p: (t[:, 0] == (p[:, 0] > 0.3))),
    ("accuracy", lambda: metrics.Accuracy(), LABELS, RNG.integers(0, C, N),
     lambda t, p: t == p),
    ("categorical_accuracy", lambda: metrics.CategoricalAccuracy(), ONEHOT, PROBS,
     lambda t, p: t.argmax(-1) == p.argmax(-1)),
    ("sparse_categorical_accuracy", lambda: metrics.SparseCategoricalAccuracy(), LABELS, PROBS,
     lambda t, p: t == p.argmax(-1)),
    ("sparse_categorical_accuracy_col", lambda: metrics.SparseCategoricalAccuracy(), LABELS[:, None], PROBS,
     lambda t, p: t[:, 0] == p.argmax(-1)),
    ("top_k", lambda: metrics.TopKCategoricalAccuracy(k=2), ONEHOT, PROBS,
     lambda t, p: np.array([np.sum(row > row[i]) < 2 for row, i in zip(p, t.argmax(-1))])),
    ("sparse_top_k", lambda: metrics.SparseTopKCategoricalAccuracy(k=3), LABELS, PROBS,
     lambda t, p: np.array([np.sum(row > row[int(i)]) < 3 for row, i in zip(p, t)])),
    ("mse", lambda: metrics.MeanSquaredError(), REG_TRUE, REG_PRED, lambda t, p: ((t - p) ** 2).mean(-1)),
    ("mae", lambda: metrics.MeanAbsoluteError(), REG_TRUE, REG_PRED, lambda t, p: np.abs(t - p).mean(-1)),
    ("mape", lambda: metrics.MeanAbsolutePercentageError(), REG_TRUE, REG_PRED,
     lambda t, p: 100 * (np.abs(t - p) / np.maximum(np.abs(t), 1e-7)).mean(-1)),
    ("msle", lambda: metrics.MeanSquaredLogarithmicError(), np.abs(REG_TRUE), np.abs(REG_PRED),
     lambda t, p: ((np.log(np.maximum(p, 1e-7) + 1) - np.log(np.maximum(t, 1e-7) + 1)) ** 2).mean(-1)),
    ("cosine", lambda: metrics.CosineSimilarity(), REG_TRUE, REG_PRED,
     lambda t, p: (t * p).sum(-1) / np.linalg.norm(t, axis=-1) / np.linalg.norm(p, axis=-1)),
    ("logcosh", lambda: metrics.LogCoshError(), REG_TRUE, REG_PRED, lambda t, p: np.log(np.cosh(p - t)).mean(-1)),
    ("bce", lambda: metrics.BinaryCrossentropy(), BIN_TRUE, BIN_PRED, ref_bce),
    ("bce_logits", lambda: metrics.BinaryCrossentropy(from_logits=True), ONEHOT, LOGITS,
     lambda t, p: ref_bce(t, 1 / (1 + np.exp(-p.astype(np.float64))))),
    ("cce", lambda: metrics.CategoricalCrossentropy(), ONEHOT, PROBS, ref_cce),
    ("cce_logits", lambda: metrics.CategoricalCrossentropy(from_logits=True), ONEHOT, LOGITS,
     lambda t, p: ref_cce(t, np.exp(p) / np.exp(p).sum(-1, keepdims=True))),
    ("scce", lambda: metrics.SparseCategoricalCrossentropy(), LABELS, PROBS,
     lambda t, p: ref_cce(np.eye(C)[t.astype(int)], p)),
    ("kld", lambda: metrics.KLDivergence(), PROBS[::-1].copy(), PROBS,
     lambda t, p: (t * np.log(t / p)).sum(-1)),
    ("poisson", lambda: metrics.Poisson(), np.abs(REG_TRUE), np.abs(REG_PRED),
     lambda t, p: (p - t * np.log(p + 1e-7)).mean(-1)),
    ("hinge", lambda: metrics.Hinge(), ONEHOT, LOGITS, lambda t, p: np.maximum(1 - (2 * t - 1) * p, 0).mean(-1)),
    ("squared_hinge", lambda: metrics.SquaredHinge(), ONEHOT, LOGITS,
     lambda t, p: (np.maximum(1 - (2 * t - 1) * p, 0) ** 2).mean(-1)),
    ("categorical_hinge", lambda: metrics.CategoricalHinge(), ONEHOT, LOGITS,
     lambda t, p: np.maximum(((1 - t) * p).max(-1) - (t * p).sum(-1) + 1, 0)),
]


@pytest.mark.parametrize("case", MEAN_CASES, ids=[c[0] for c in MEAN_CASES])
def test_mean_metrics_against_reference_batched_weighted_and_reset(case):
    _, make, t, p, ref = case
    per_sample = np.asarray(ref(np.asarray(t, np.float64), np.asarray(p, np.float64)), dtype=np.float64)
    m = make()
    batched = feed(m, t, p)
    assert isinstance(batched, float)
    assert batched == pytest.approx(per_sample.mean(), rel=1e-5, abs=1e-6)
    whole = make()
    whole.update_state(t, p)
    assert batched == pytest.approx(whole.result(), rel=1e-12, abs=1e-12)
    m.reset_state()
    assert m.result() == 0.0
    assert feed(m, t, p, WEIGHTS) == pytest.approx(wmean(per_sample, WEIGHTS), rel=1e-5, abs=1e-6)


def test_accepts_tensors_and_keras_example_values():
    m = metrics.SparseCategoricalAccuracy()
    m.update_state(Tensor(np.array([2, 1], dtype=np.float32)),
                   Tensor(np.array([[0.1, 0.6, 0.3], [0.05, 0.95, 0]], dtype=np.float32), requires_grad=True))
    assert m.result() == 0.5
    m = metrics.TopKCategoricalAccuracy(k=1)
    m.update_state([[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]])
    assert m.result() == 0.5
    m = metrics.BinaryAccuracy()
    m.update_state([[1], [1], [0], [0]], [[0.98], [1], [0], [0.6]])
    assert m.result() == 0.75


def test_top_k_ties_count_as_in():
    y = np.array([2])
    p = np.array([[0.3, 0.3, 0.3, 0.1]])
    assert metrics.sparse_top_k_categorical_accuracy(y, p, k=1)[0] == 1.0
    assert metrics.sparse_top_k_categorical_accuracy(np.array([3]), p, k=3)[0] == 0.0


def test_mean_sum_and_weights():
    m = metrics.Mean()
    m.update_state([1.0, 2.0, 3.0])
    m.update_state([[4.0, 6.0]], sample_weight=[2.0])  # rank-2 values are averaged per sample
    assert m.result() == pytest.approx((1 + 2 + 3 + 2 * 5) / 5)
    assert [float(v) for v in m.variables] == [16.0, 5.0]
    s = metrics.Sum()
    s.update_state([1.0, 2.0], sample_weight=[3.0, 0.5])
    assert s.result() == 4.0
    m = metrics.Mean()
    with pytest.raises(ValueError, match="sample_weight"):
        m.update_state([1.0, 2.0, 3.0], sample_weight=[1.0, 2.0])


def test_root_mean_squared_error():
    m = metrics.RootMeanSquaredError()
    assert feed(m, REG_TRUE, REG_PRED) == pytest.approx(math.sqrt(np.mean((REG_TRUE - REG_PRED) ** 2)), rel=1e-6)
    m.reset_state()
    per = ((REG_TRUE.astype(np.float64) - REG_PRED) ** 2).mean(-1)
    assert feed(m, REG_TRUE, REG_PRED, WEIGHTS) == pytest.approx(math.sqrt(wmean(per, WEIGHTS)), rel=1e-6)
    with pytest.raises(ValueError, match=r"\(2, 3\).*\(2, 4\)"):
        m.update_state(np.zeros((2, 3)), np.zeros((2, 4)))


# ----- confusion metrics ------------------------------------------------------------------------
def test_precision_recall_hand_computed():
    y_true = np.array([0, 1, 1, 1, 0, 1])
    y_pred = np.array([0.9, 0.8, 0.3, 0.6, 0.2, 0.5])
    # at 0.5: predicted positive = {0, 1, 3}; tp = {1, 3} -> 2, fp = {0} -> 1, fn = {2, 5} -> 2
    p, r = metrics.Precision(), metrics.Recall()
    p.update_state(y_true, y_pred)
    r.update_state(y_true, y_pred)
    assert p.result() == pytest.approx(2 / 3) and r.result() == pytest.approx(2 / 4)
    w = np.array([1.0, 2.0, 3.0, 0.5, 1.0, 4.0])
    p, r = metrics.Precision(), metrics.Recall()
    p.update_state(y_true, y_pred, sample_weight=w)
    r.update_state(y_true, y_pred, sample_weight=w)
    assert p.result() == pytest.approx((2.0 + 0.5) / (2.0 + 0.5 + 1.0))
    assert r.result() == pytest.approx((2.0 + 0.5) / (2.0 + 0.5 + 3.0 + 4.0))
    many = metrics.Precision(thresholds=[0.1, 0.55, 0.85])
    many.update_state(y_true, y_pred)
    np.testing.assert_allclose(many.result(), [4 / 6, 2 / 3, 0 / 1])
    assert metrics.Recall().result() == 0.0


def test_precision_top_k_and_class_id():
    y_true = np.array([[0, 0, 1, 1], [1, 0, 0, 0]])
    y_pred = np.array([[0.1, 0.4, 0.3, 0.2], [0.5, 0.1, 0.7, 0.2]])
    p = metrics.Precision(top_k=2)
    p.update_state(y_true, y_pred)
    # top-2 per row: row0 {1, 2} -> tp 1 (class 2), fp 1; row1 {0, 2} -> tp 1, fp 1
    assert p.result() == pytest.approx(2 / 4)
    r = metrics.Recall(class_id=2)
    r.update_state(y_true, y_pred)
    assert r.result() == pytest.approx(0.0)  # class 2 in row0 has 0.3 (not > 0.5)
    p = metrics.Precision(class_id=2)
    p.update_state(y_true, y_pred)
    assert p.result() == pytest.approx(0.0)  # row1 predicts class 2 (0.7) but it is negative
    counts = [metrics.TruePositives(), metrics.FalsePositives(), metrics.TrueNegatives(), metrics.FalseNegatives()]
    for m in counts:
        m.update_state(y_true, y_pred)
    # > 0.5 only row1's 0.7 (0.5 itself is not > 0.5): tp 0, fp 1; 5 negatives -> tn 4; 3 positives -> fn 3
    assert [m.result() for m in counts] == [0.0, 1.0, 4.0, 3.0]


def keras_auc_reference(y, p, num_thresholds=200, curve="ROC", summation="interpolation", w=None):
    """A direct transcription of the documented algorithm: counts at explicit thresholds."""
    eps = 1e-7
    thr = np.array([0 - eps] + [(i + 1) / (num_thresholds - 1) for i in range(num_thresholds - 2)] + [1 + eps])
    w = np.ones_like(p, dtype=np.float64) if w is None else w
    pos = y > 0
    tp = np.array([(w * (pos & (p > t))).sum() for t in thr])
    fp = np.array([(w * (~pos & (p > t))).sum() for t in thr])
    fn = np.array([(w * (pos & ~(p > t))).sum() for t in thr])
    tn = np.array([(w * (~pos & ~(p > t))).sum() for t in thr])
    div = lambda a, b: np.divide(a, b, out=np.zeros_like(a), where=b != 0)  # noqa: E731
    if curve == "PR" and summation == "interpolation":
        # integrate precision over recall with TP and P = TP + FP linear between thresholds
        total = 0.0
        for i in range(num_thresholds - 1):
            ts = np.linspace(0, 1, 4001)
            tp_t = tp[i + 1] + (tp[i] - tp[i + 1]) * ts
            p_t = (tp[i + 1] + fp[i + 1]) + ((tp[i] + fp[i]) - (tp[i + 1] + fp[i + 1])) * ts
            prec = div(tp_t, p_t)
            recall_step = (tp[i] - tp[i + 1]) / (tp[0] + fn[0])
            total += np.trapezoid(prec, ts) * recall_step
        return total
    recall = div(tp, tp + fn)
    x, yv = (div(fp, fp + tn), recall) if curve == "ROC" else (recall, div(tp, tp + fp))
    if summation == "interpolation":
        h = (yv[:-1] + yv[1:]) / 2
    elif summation == "minoring":
        h = np.minimum(yv[:-1], yv[1:])
    else:
        h = np.maximum(yv[:-1], yv[1:])
    return float(np.sum((x[:-1] - x[1:]) * h))


@pytest.mark.parametrize("curve,summation", [("ROC", "interpolation"), ("ROC", "minoring"), ("ROC", "majoring"),
                                             ("PR", "interpolation"), ("PR", "minoring"), ("PR", "majoring")])
def test_auc_against_reference_and_batching(curve, summation):
    y = BIN_TRUE[:, 0]
    p = BIN_PRED[:, 0].astype(np.float64)
    expected = keras_auc_reference(y, p, 200, curve, summation)
    m = metrics.AUC(curve=curve, summation_method=summation)
    batched = feed(m, BIN_TRUE, BIN_PRED)
    assert batched == pytest.approx(expected, rel=1e-6, abs=1e-9)
    whole = metrics.AUC(curve=curve, summation_method=summation)
    whole.update_state(BIN_TRUE, BIN_PRED)
    assert whole.result() == pytest.approx(batched, rel=1e-12)
    m.reset_state()
    assert feed(m, BIN_TRUE, BIN_PRED, WEIGHTS) == pytest.approx(
        keras_auc_reference(y, p, 200, curve, summation, WEIGHTS), rel=1e-6, abs=1e-9)


def test_auc_roc_close_to_exact_rank_auc_and_options():
    y, p = BIN_TRUE[:, 0], BIN_PRED[:, 0]
    pos, neg = p[y == 1], p[y == 0]
    exact = (np.sum(pos[:, None] > neg[None, :]) + 0.5 * np.sum(pos[:, None] == neg[None, :])) / (len(pos) * len(neg))
    m = metrics.AUC(num_thresholds=2000)
    m.update_state(BIN_TRUE, BIN_PRED)
    assert m.result() == pytest.approx(exact, abs=2e-3)
    # from_logits applies a sigmoid first.
    logits = np.log(np.clip(p, 1e-6, 1 - 1e-6) / (1 - np.clip(p, 1e-6, 1 - 1e-6)))
    a, b = metrics.AUC(from_logits=True), metrics.AUC()
    a.update_state(y, logits)
    b.update_state(y, p)
    assert a.result() == pytest.approx(b.result(), abs=1e-3)
    # Tiny known case: perfectly separated -> 1.0; inverted -> 0.0.
    m = metrics.AUC()
    m.update_state([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9])
    assert m.result() == pytest.approx(1.0)
    m = metrics.AUC()
    m.update_state([1, 1, 0, 0], [0.1, 0.2, 0.8, 0.9])
    assert m.result() == pytest.approx(0.0)


def test_auc_multi_label():
    y = (RNG.random((300, 3)) > 0.5).astype(np.float32)
    p = np.clip(y * 0.3 + RNG.random((300, 3)) * 0.7, 0, 1)
    m = metrics.AUC(multi_label=True)
    m.update_state(y, p)
    per_label = [keras_auc_reference(y[:, j], p[:, j].astype(np.float32).astype(np.float64)) for j in range(3)]
    assert m.result() == pytest.approx(np.mean(per_label), rel=1e-6)
    lw = [0.2, 0.3, 0.5]
    m = metrics.AUC(multi_label=True, label_weights=lw)
    m.update_state(y, p)
    assert m.result() == pytest.approx(np.dot(per_label, lw), rel=1e-6)


def test_confusion_metric_bad_input():
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        metrics.Precision(thresholds=[0.5, 1.5])
    with pytest.raises(ValueError, match="num_thresholds"):
        metrics.AUC(num_thresholds=1)
    with pytest.raises(ValueError, match="curve"):
        metrics.AUC(curve="XYZ")
    with pytest.raises(ValueError, match="summation_method"):
        metrics.AUC(summation_method="sum")
    with pytest.raises(ValueError, match=r"\(3,\).*\(4,\)"):
        metrics.Recall().update_state(np.zeros(3), np.zeros(4))


# ----- resolution, config -------------------------------------------------------------------------
@pytest.mark.parametrize("true_shape,pred_shape,expected", [
    ((32, 1), (32, 1), metrics.BinaryAccuracy),
    ((32,), (32, 1), metrics.BinaryAccuracy),
    ((32,), (32, 10), metrics.SparseCategoricalAccuracy),
    ((32, 1), (32, 10), metrics.SparseCategoricalAccuracy),
    ((32, 10), (32, 10), metrics.CategoricalAccuracy),
    ((32, 7), (32, 7, 10), metrics.SparseCategoricalAccuracy),
])
def test_accuracy_resolution_rule(true_shape, pred_shape, expected):
    assert metrics.accuracy_class_for(true_shape, pred_shape) is expected
    for name in ("accuracy", "acc"):
        m = metrics.resolve(name, true_shape, pred_shape)
        assert type(m) is expected and m.name == name
    ce = metrics.resolve("crossentropy", true_shape, pred_shape)
    assert ce.name == "crossentropy" and "Crossentropy" in type(ce).__name__


def test_get_names_aliases_and_unknown():
    assert isinstance(metrics.get("mse"), metrics.MeanSquaredError)
    assert isinstance(metrics.get("mae"), metrics.MeanAbsoluteError)
    assert isinstance(metrics.get("rmse"), metrics.RootMeanSquaredError)
    for name, cls in [("binary_accuracy", metrics.BinaryAccuracy), ("categorical_accuracy", metrics.CategoricalAccuracy),
                      ("sparse_categorical_accuracy", metrics.SparseCategoricalAccuracy),
                      ("top_k_categorical_accuracy", metrics.TopKCategoricalAccuracy),
                      ("sparse_top_k_categorical_accuracy", metrics.SparseTopKCategoricalAccuracy),
                      ("auc", metrics.AUC), ("precision", metrics.Precision), ("recall", metrics.Recall),
                      ("AUC", metrics.AUC), ("root_mean_squared_error", metrics.RootMeanSquaredError)]:
        assert type(metrics.get(name)) is cls
    m = metrics.resolve("mse", (4, 1), (4, 1))
    assert m.name == "mse"
    custom = metrics.resolve(lambda t, p: np.abs(np.asarray(t) - np.asarray(p)), (4,), (4,))
    custom.update_state([1.0, 2.0], [1.5, 2.0])
    assert custom.result() == 0.25
    with pytest.raises(ValueError, match=r"Could not interpret metric identifier: 'acuracy'.*binary_accuracy"):
        metrics.get("acuracy")


def test_config_roundtrip():
    for m in [metrics.BinaryAccuracy(threshold=0.7, name="ba"), metrics.TopKCategoricalAccuracy(k=3),
              metrics.Precision(thresholds=[0.3, 0.6], class_id=1), metrics.Recall(top_k=2),
              metrics.AUC(num_thresholds=50, curve="PR", from_logits=True), metrics.AUC(thresholds=[0.2, 0.4]),
              metrics.CategoricalCrossentropy(from_logits=True, label_smoothing=0.1), metrics.Mean(name="loss"),
              metrics.RootMeanSquaredError(), metrics.MeanMetricWrapper(metrics.binary_accuracy, threshold=0.2)]:
        back = metrics.deserialize(metrics.serialize(m))
        assert type(back) is type(m) and back.get_config() == m.get_config()
        assert back.name == m.name

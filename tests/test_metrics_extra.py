"""F-scores, R2, IoU family, rate-at-constraint metrics and metric function aliases, against NumPy."""
import json

import numpy as np
import pytest

import numnet
from numnet import metrics

rng = np.random.default_rng(0)
Y = (rng.random((30, 4)) > 0.6).astype(np.float64)
P = rng.random((30, 4))
SW = rng.uniform(0.1, 2.0, 30)


def _batches(metric, *arrays, splits=(7, 19)):
    for part in zip(*(np.split(a, splits) for a in arrays)):
        metric.update_state(*part)
    return metric.result()


def _at_once(metric, *arrays):
    metric.update_state(*arrays)
    return metric.result()


def ref_fbeta(y, p, beta, threshold, average, w):
    pred = (p > threshold) if threshold is not None else ((p >= p.max(-1, keepdims=True)) & (np.abs(p) > 1e-9))
    pred, w = pred.astype(float), w[:, None]
    tp, fp, fn = (pred * y * w).sum(0), (pred * (1 - y) * w).sum(0), ((1 - pred) * y * w).sum(0)
    if average == "micro":
        tp, fp, fn = tp.sum(), fp.sum(), fn.sum()
    prec, rec = tp / (tp + fp + 1e-7), tp / (tp + fn + 1e-7)
    f = (1 + beta ** 2) * prec * rec / (beta ** 2 * prec + rec + 1e-7)
    if average == "weighted":
        support = (y * w).sum(0)
        return np.sum(f * support / (support.sum() + 1e-7))
    return np.mean(f) if average else f


@pytest.mark.parametrize("average", [None, "micro", "macro", "weighted"])
@pytest.mark.parametrize("threshold", [None, 0.45])
def test_fbeta_matches_numpy_in_batches(average, threshold):
    expected = ref_fbeta(Y, P, 2.0, threshold, average, SW)
    got = _batches(metrics.FBetaScore(average=average, beta=2.0, threshold=threshold), Y, P, SW)
    np.testing.assert_allclose(got, expected, rtol=1e-12)
    f1 = _at_once(metrics.F1Score(average=average, threshold=threshold), Y, P)
    np.testing.assert_allclose(f1, ref_fbeta(Y, P, 1.0, threshold, average, np.ones(30)), rtol=1e-12)


def ref_r2(y, p, w, aggregation, num_regressors):
    w = np.broadcast_to(w[:, None], y.shape)
    mean = (y * w).sum(0) / w.sum(0)
    total = ((y - mean) ** 2 * w).sum(0)
    raw = 1 - ((y - p) ** 2 * w).sum(0) / total
    r2 = {None: raw, "uniform_average": raw.mean(),
          "variance_weighted_average": np.sum(total * raw) / total.sum()}[aggregation]
    if num_regressors:
        n = y.size
        r2 = 1 - (1 - r2) * (n - 1) / (n - num_regressors - 1)
    return r2


@pytest.mark.parametrize("aggregation", [None, "uniform_average", "variance_weighted_average"])
@pytest.mark.parametrize("num_regressors", [0, 3])
def test_r2_matches_numpy_in_batches(aggregation, num_regressors):
    y = rng.normal(size=(30, 3))
    p = y + rng.normal(size=(30, 3)) * 0.5
    got = _batches(metrics.R2Score(aggregation, num_regressors), y, p, SW)
    np.testing.assert_allclose(got, ref_r2(y, p, SW, aggregation, num_regressors), rtol=1e-10)
    whole = _at_once(metrics.R2Score(aggregation, num_regressors), y, p, SW)
    np.testing.assert_allclose(got, whole, rtol=1e-12)


def test_r2_constant_target_and_too_many_regressors():
    m = metrics.R2Score(class_aggregation=None)
    m.update_state(np.array([[1.0, 2.0], [1.0, 3.0], [1.0, 5.0]]), np.array([[1.0, 2.0], [2.0, 3.0], [1.0, 4.0]]))
    assert m.result()[0] == 0.0
    m = metrics.R2Score(num_regressors=5)
    m.update_state(np.array([[1.0], [2.0], [4.0]]), np.array([[1.0], [2.0], [3.0]]))
    with pytest.warns(UserWarning, match="num_regressors=5"):
        np.testing.assert_allclose(m.result(), 1 - 1 / (42 / 9), rtol=1e-12)


def ref_iou(yt, yp, w, n, ids):
    cm = np.zeros((n, n))
    np.add.at(cm, (yt.ravel(), yp.ravel()), w.ravel())
    tp = np.diag(cm)
    den = cm.sum(0) + cm.sum(1) - tp
    iou = [tp[i] / den[i] for i in ids if den[i]]
    return np.sum(iou) / len(iou) if iou else 0.0


def test_iou_family_matches_numpy():
    yt = rng.integers(0, 4, (10, 6))
    yp = rng.integers(0, 4, (10, 6))
    w = rng.integers(0, 3, (10, 6)).astype(float)
    got = _batches(metrics.IoU(4, [0, 2]), yt, yp, w, splits=(3, 8))
    np.testing.assert_allclose(got, ref_iou(yt, yp, w, 4, [0, 2]), rtol=1e-12)
    np.testing.assert_allclose(_at_once(metrics.MeanIoU(4), yt, yp), ref_iou(yt, yp, np.ones_like(w), 4, range(4)),
                               rtol=1e-12)
    keep = yt != 1
    np.testing.assert_allclose(_at_once(metrics.MeanIoU(4, ignore_class=1), yt, yp, w),
                               ref_iou(yt[keep], yp[keep], w[keep], 4, range(4)), rtol=1e-12)
    frac = rng.random((10, 6))
    np.testing.assert_allclose(_at_once(metrics.IoU(4, [1, 3], dtype="float32"), yt, yp, frac),
                               ref_iou(yt, yp, frac, 4, [1, 3]), rtol=1e-12)
    scores = rng.random((10, 6, 4))
    onehot = np.eye(4)[yt]
    expected = ref_iou(yt, scores.argmax(-1), np.ones_like(w), 4, range(4))
    np.testing.assert_allclose(_at_once(metrics.OneHotMeanIoU(4), onehot, scores), expected, rtol=1e-12)
    np.testing.assert_allclose(_at_once(metrics.MeanIoU(4, sparse_y_pred=False), yt, scores), expected, rtol=1e-12)
    np.testing.assert_allclose(_at_once(metrics.OneHotIoU(4, [2]), onehot, scores),
                               ref_iou(yt, scores.argmax(-1), np.ones_like(w), 4, [2]), rtol=1e-12)
    ybin = (P > 0.5).astype(int)
    np.testing.assert_allclose(_at_once(metrics.BinaryIoU(threshold=0.3), ybin, P),
                               ref_iou(ybin, (P >= 0.3).astype(int), np.ones_like(P), 2, [0, 1]), rtol=1e-12)


def _rates(y, p, w, thresholds):
    out = []
    for t in thresholds:
        pos = p > t
        tp, fp = np.sum(w * pos * y), np.sum(w * pos * (1 - y))
        fn, tn = np.sum(w * ~pos * y), np.sum(w * ~pos * (1 - y))
        div = lambda a, b: a / b if b else 0.0  # noqa: E731
        out.append((div(tp, tp + fn), div(tp, tp + fp), div(tn, tn + fp)))
    return np.array(out)  # recall, precision, specificity per threshold


@pytest.mark.parametrize("cls,value,constrained,dependent", [
    (metrics.PrecisionAtRecall, 0.7, 0, 1), (metrics.RecallAtPrecision, 0.5, 1, 0),
    (metrics.SensitivityAtSpecificity, 0.6, 2, 0), (metrics.SpecificityAtSensitivity, 0.8, 0, 2),
])
def test_rate_at_constraint_matches_numpy(cls, value, constrained, dependent):
    y = Y[:, 0]
    p = np.clip(0.4 * y + 0.6 * P[:, 1], 0, 1).astype(np.float32).astype(np.float64)
    n = 11
    thresholds = [-1e-7] + [(i + 1) / (n - 1) for i in range(n - 2)] + [1 + 1e-7]
    rates = _rates(y, p, SW, np.float32(thresholds))
    ok = rates[:, constrained] >= value
    expected = rates[ok, dependent].max() if ok.any() else 0.0
    got = _batches(cls(value, num_thresholds=n), y, p, SW)
    np.testing.assert_allclose(got, expected, rtol=1e-9)
    per_class = _at_once(cls(value, num_thresholds=n, class_id=1), Y, np.clip(P, 0, 1))
    assert per_class == _at_once(cls(value, num_thresholds=n), Y[:, 1], P[:, 1])


@pytest.mark.parametrize("metric", [
    metrics.F1Score(average="macro", threshold=0.3), metrics.FBetaScore(beta=0.5),
    metrics.R2Score(class_aggregation=None, num_regressors=1), metrics.IoU(3, [0, 2], ignore_class=1),
    metrics.MeanIoU(3, sparse_y_pred=False), metrics.BinaryIoU([1], threshold=0.2), metrics.OneHotIoU(3, [1]),
    metrics.OneHotMeanIoU(5), metrics.PrecisionAtRecall(0.3, num_thresholds=7, class_id=2),
    metrics.RecallAtPrecision(0.4), metrics.SensitivityAtSpecificity(0.5), metrics.SpecificityAtSensitivity(0.6),
])
def test_config_round_trip_through_json(metric):
    config = json.loads(json.dumps(metrics.serialize(metric)))
    clone = metrics.deserialize(config)
    assert type(clone) is type(metric) and clone.get_config() == metric.get_config()


def test_names_and_get():
    assert metrics.IoU(2, [0]).name == "io_u" and metrics.MeanIoU(2).name == "mean_io_u"
    assert metrics.F1Score().name == "f1_score" and metrics.FBetaScore().name == "fbeta_score"
    for name in ("F1Score", "f1_score", "R2Score", "r2_score"):
        assert isinstance(metrics.get(name), metrics.Metric)
    assert isinstance(metrics.get({"class_name": "MeanIoU", "config": {"num_classes": 3}}), metrics.MeanIoU)


def test_metric_functions_are_the_loss_functions():
    for name in ("binary_crossentropy", "binary_focal_crossentropy", "categorical_crossentropy",
                 "categorical_focal_crossentropy", "categorical_hinge", "hinge", "huber", "kl_divergence",
                 "log_cosh", "mean_absolute_error", "mean_absolute_percentage_error", "mean_squared_error",
                 "mean_squared_logarithmic_error", "poisson", "sparse_categorical_crossentropy", "squared_hinge"):
        assert getattr(metrics, name) is getattr(numnet.losses, name)
    for name in ("binary_accuracy", "categorical_accuracy", "sparse_categorical_accuracy",
                 "top_k_categorical_accuracy", "sparse_top_k_categorical_accuracy"):
        assert callable(getattr(metrics, name))
    wrapped = metrics.MeanMetricWrapper(metrics.mean_squared_error)
    wrapped.update_state(Y, P)
    np.testing.assert_allclose(wrapped.result(), np.mean((Y - P) ** 2), rtol=1e-6)


def test_compile_with_new_metrics():
    x = rng.normal(size=(32, 3)).astype(np.float32)
    y = np.eye(3, dtype=np.float32)[rng.integers(0, 3, 32)]
    model = numnet.Sequential([numnet.Input((3,)), numnet.layers.Dense(3, activation="softmax")])
    model.compile(optimizer="sgd", loss="categorical_focal_crossentropy",
                  metrics=[metrics.F1Score(average="macro"), metrics.OneHotMeanIoU(3)])
    logs = model.evaluate(x, y, verbose=0, return_dict=True)
    assert 0.0 <= logs["f1_score"] <= 1.0 and 0.0 <= logs["one_hot_mean_io_u"] <= 1.0


@pytest.mark.parametrize("call,match", [
    (lambda: metrics.F1Score(average="mean"), r"`average`.*average='mean'"),
    (lambda: metrics.FBetaScore(beta=0), r"`beta`.*beta=0"),
    (lambda: metrics.F1Score(threshold=1.5), r"`threshold`.*threshold=1.5"),
    (lambda: metrics.F1Score().update_state(np.ones(3), np.ones(3)), r"2D.*y_true.shape=\(3,\)"),
    (lambda: metrics.R2Score(class_aggregation="max"), r"`class_aggregation`.*class_aggregation='max'"),
    (lambda: metrics.R2Score(num_regressors=-1), r"`num_regressors`.*num_regressors=-1"),
    (lambda: metrics.R2Score().update_state(np.ones(3), np.ones(3)), r"2D.*y_true.shape=\(3,\)"),
    (lambda: metrics.IoU(3, [0, 3]), r"target class id 3.*\[0, 3\)"),
    (lambda: metrics.MeanIoU(0), r"`num_classes`.*num_classes=0"),
    (lambda: metrics.MeanIoU(2).update_state(np.array([0, 2]), np.array([0, 1])), r"y_true.*class id 2"),
    (lambda: metrics.MeanIoU(2).update_state(np.zeros(3), np.zeros(4)), r"y_true.shape=\(3,\).*y_pred.shape"),
    (lambda: metrics.PrecisionAtRecall(1.5), r"`recall`.*recall=1.5"),
    (lambda: metrics.SpecificityAtSensitivity(0.5, num_thresholds=0), r"`num_thresholds`.*num_thresholds=0"),
])
def test_bad_input_is_named(call, match):
    with pytest.raises(ValueError, match=match):
        call()

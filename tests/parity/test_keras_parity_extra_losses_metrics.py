"""Parity with Keras 3 (JAX backend) for the added activations, losses and metrics."""
import numpy as np
import pytest

keras = pytest.importorskip("keras")
import numnet  # noqa: E402

rng = np.random.default_rng(3)
X = rng.normal(size=(4, 6)).astype(np.float32) * 2
Y = (rng.random((8, 4)) > 0.5).astype(np.float32)
P = rng.random((8, 4)).astype(np.float32)
L = (rng.normal(size=(8, 4)) * 10).astype(np.float32)
OH = np.eye(4, dtype=np.float32)[rng.integers(0, 4, 8)]
SW = rng.random(8).astype(np.float32)


@pytest.mark.parametrize("name,kwargs", [
    ("celu", {"alpha": 1.5}), ("glu", {}), ("hard_tanh", {}), ("hard_shrink", {}), ("soft_shrink", {}),
    ("tanh_shrink", {}), ("squareplus", {"b": 2}), ("sparse_plus", {}), ("sparse_sigmoid", {}),
    ("log_sigmoid", {}), ("threshold", {"threshold": 0.2, "default_value": -1.0}),
])
def test_activations(name, kwargs):
    expected = np.asarray(getattr(keras.activations, name)(X, **kwargs))
    np.testing.assert_allclose(getattr(numnet.activations, name)(X, **kwargs).data, expected, rtol=1e-5, atol=1e-6)


def test_sparsemax_with_one_winner():
    # Keras 3.15's sparsemax is only a projection when one entry survives (see the report); compare there.
    x = np.array([[1.0, 2.0, 3.0, 0.5], [4.0, -1.0, 0.2, 0.0]], dtype=np.float32)
    np.testing.assert_allclose(numnet.activations.sparsemax(x).data, np.asarray(keras.activations.sparsemax(x)))


@pytest.mark.parametrize("name,kwargs,y,p", [
    ("BinaryFocalCrossentropy", {}, Y, P),
    ("BinaryFocalCrossentropy", {"apply_class_balancing": True, "alpha": 0.3, "label_smoothing": 0.1}, Y, P),
    ("BinaryFocalCrossentropy", {"from_logits": True, "gamma": 1.5}, Y, L),
    ("CategoricalFocalCrossentropy", {}, OH, P),
    ("CategoricalFocalCrossentropy", {"from_logits": True, "label_smoothing": 0.2, "alpha": 0.5}, OH, L),
    ("Dice", {}, Y, P), ("Dice", {"axis": 1}, Y, P),
    ("Tversky", {"alpha": 0.7, "beta": 0.3}, Y, P), ("Tversky", {"axis": 1, "alpha": 0.2, "beta": 0.8}, Y, P),
])
def test_losses(name, kwargs, y, p):
    k = getattr(keras.losses, name)(**kwargs)
    n = getattr(numnet.losses, name)(**kwargs)
    np.testing.assert_allclose(n(y, p).data, np.asarray(k(y, p)), rtol=1e-5)
    if kwargs.get("axis", -1) is not None:
        np.testing.assert_allclose(n(y, p, sample_weight=SW).data, np.asarray(k(y, p, sample_weight=SW)), rtol=1e-5)
    for key, value in n.get_config().items():
        assert k.get_config()[key] == value


def _run(metric, batches):
    for b in batches:
        metric.update_state(*b)
    return np.asarray(metric.result())


yi = rng.integers(0, 4, (6, 5))
pi = rng.integers(0, 4, (6, 5))
wi = rng.integers(0, 3, (6, 5)).astype(np.float32)
yr = rng.normal(size=(8, 3)).astype(np.float32)
pr = yr + rng.normal(size=(8, 3)).astype(np.float32) * 0.5
yb = (rng.random(40) > 0.5).astype(np.float32)
pb = np.clip(0.3 * yb + 0.7 * rng.random(40), 0, 1).astype(np.float32)


@pytest.mark.parametrize("name,kwargs,batches", [
    ("F1Score", {"average": "macro"}, [(Y[:3], P[:3], SW[:3]), (Y[3:], P[3:], SW[3:])]),
    ("FBetaScore", {"beta": 2.0, "threshold": 0.4}, [(Y, P)]),
    ("FBetaScore", {"average": "weighted"}, [(Y, P, SW)]),
    ("FBetaScore", {"average": "micro", "threshold": 0.6}, [(Y, P, SW)]),
    ("R2Score", {}, [(yr[:3], pr[:3]), (yr[3:], pr[3:])]),
    ("R2Score", {"class_aggregation": "variance_weighted_average", "num_regressors": 2}, [(yr, pr, SW)]),
    ("IoU", {"num_classes": 4, "target_class_ids": [0, 3], "ignore_class": 2}, [(yi, pi, wi)]),
    ("MeanIoU", {"num_classes": 4}, [(yi[:2], pi[:2]), (yi[2:], pi[2:])]),
    ("BinaryIoU", {"threshold": 0.4}, [(Y, P)]),
    ("OneHotMeanIoU", {"num_classes": 4}, [(np.eye(4)[yi], rng.random((6, 5, 4)))]),
    ("PrecisionAtRecall", {"recall": 0.6}, [(yb[:10], pb[:10]), (yb[10:], pb[10:])]),
    ("RecallAtPrecision", {"precision": 0.7, "num_thresholds": 9}, [(yb, pb, rng.random(40))]),
    ("SensitivityAtSpecificity", {"specificity": 0.5}, [(yb, pb)]),
    ("SpecificityAtSensitivity", {"sensitivity": 0.8, "class_id": 1}, [(Y, P)]),
])
def test_metrics(name, kwargs, batches):
    k = _run(getattr(keras.metrics, name)(**kwargs), batches)
    n = _run(getattr(numnet.metrics, name)(**kwargs), batches)
    np.testing.assert_allclose(n, k, rtol=1e-5, atol=1e-7)
    kc = getattr(keras.metrics, name)(**kwargs).get_config()
    nc = getattr(numnet.metrics, name)(**kwargs).get_config()
    skip = ("dtype", "name")  # Keras numbers the names of repeated instances
    assert {key: kc[key] for key in nc if key not in skip} == {key: v for key, v in nc.items() if key not in skip}

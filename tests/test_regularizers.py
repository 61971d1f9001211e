"""numnet.regularizers: penalty values, gradients, lookup, configs and layer integration."""
import numpy as np
import pytest

from numnet import regularizers
from numnet.autograd import Tensor
from numnet.layers import Dense
from numnet.utils import gradient_check

W = np.array([[1.0, -2.0], [0.5, 3.0]])


def test_penalty_values():
    assert float(regularizers.L1(0.1)(Tensor(W)).data) == pytest.approx(0.1 * 6.5)
    assert float(regularizers.L2(0.2)(Tensor(W)).data) == pytest.approx(0.2 * 14.25)
    assert float(regularizers.L1L2(l1=0.1, l2=0.2)(Tensor(W)).data) == pytest.approx(0.65 + 2.85)
    assert float(regularizers.L1L2()(Tensor(W)).data) == 0.0
    assert regularizers.L2(2.0)(Tensor(np.ones((5, 5), np.float32))).data == pytest.approx(50.0)


def test_defaults_match_keras():
    assert regularizers.L1().l1 == 0.01
    assert regularizers.L2().l2 == 0.01
    r = regularizers.L1L2()
    assert (r.l1, r.l2) == (0.0, 0.0)
    assert regularizers.get("l2").l2 == 0.01 and regularizers.get("l1").l1 == 0.01


def test_float32_and_scalar():
    out = regularizers.L1L2(0.01, 0.01)(Tensor(W.astype(np.float32)))
    assert out.shape == () and out.dtype == np.float32


@pytest.mark.parametrize("reg", [regularizers.L1(0.3), regularizers.L2(0.7), regularizers.L1L2(0.2, 0.4),
                                 regularizers.OrthogonalRegularizer(0.5), regularizers.OrthogonalRegularizer(0.5, "columns")])
def test_gradients(reg):
    x = np.random.default_rng(0).uniform(0.2, 1.0, (3, 4)) * np.array([1, -1, 1, -1])
    assert gradient_check(lambda t: reg(t), [x]) < 1e-6


def test_orthogonal_regularizer_value():
    ortho = np.eye(3)
    assert float(regularizers.OrthogonalRegularizer(1.0)(Tensor(ortho)).data) == pytest.approx(0.0)
    x = np.array([[1.0, 0.0], [1.0, 0.0]])  # identical rows: cosine 1 for the single pair
    assert float(regularizers.OrthogonalRegularizer(1.0)(Tensor(x)).data) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="2-D"):
        regularizers.OrthogonalRegularizer()(Tensor(np.ones(3)))


def test_get_serialize_errors():
    assert regularizers.get(None) is None
    for name, cls in [("l1", regularizers.L1), ("l2", regularizers.L2), ("l1_l2", regularizers.L1L2),
                      ("L2", regularizers.L2), ("orthogonal_regularizer", regularizers.OrthogonalRegularizer)]:
        assert type(regularizers.get(name)) is cls
    fn = lambda w: w.sum()  # noqa: E731
    assert regularizers.get(fn) is fn
    with pytest.raises(ValueError) as err:
        regularizers.get("l3")
    assert "l3" in str(err.value) and "l1_l2" in str(err.value)
    with pytest.raises(ValueError, match="non-negative"):
        regularizers.L2(-1.0)
    for obj in [regularizers.L1(0.3), regularizers.L2(0.5), regularizers.L1L2(0.1, 0.2),
                regularizers.OrthogonalRegularizer(0.2, "columns")]:
        clone = regularizers.deserialize(regularizers.serialize(obj))
        assert type(clone) is type(obj) and clone.get_config() == obj.get_config()
    assert regularizers.serialize(regularizers.L2(0.5)) == {"class_name": "L2", "config": {"l2": 0.5}}


def test_layer_collects_weight_penalties():
    layer = Dense(3, kernel_initializer="ones", bias_initializer="ones",
                  kernel_regularizer=regularizers.L1(0.01), bias_regularizer="l2")
    layer(np.ones((2, 5), np.float32))
    values = sorted(float(l.data) for l in layer.losses)
    assert values == pytest.approx(sorted([0.01 * 15, 0.01 * 3]))
    total = layer.losses[0] + layer.losses[1]
    total.backward()
    np.testing.assert_allclose(layer.kernel.grad, 0.01 * np.ones((5, 3)))
    np.testing.assert_allclose(layer.bias.grad, 0.02 * np.ones(3))

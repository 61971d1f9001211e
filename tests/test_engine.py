"""The autograd engine: Tensor, backward, graph modes, memory, dtypes, operators."""
import gc
import weakref

import numpy as np
import pytest

import numnet
from numnet import Tensor, Variable, ops
from numnet.utils import gradient_check

TOL = 1e-6


def rand(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


# ----- Tensor basics ----------------------------------------------------------------------
def test_tensor_properties():
    t = Tensor(np.arange(6, dtype=np.float32).reshape(2, 3))
    assert t.shape == (2, 3) and t.ndim == 2 and t.size == 6 and t.dtype == np.float32
    assert t.T.shape == (3, 2)
    np.testing.assert_array_equal(t.T.data, t.data.T)
    assert t.numpy() is t.data
    assert Tensor(3.5).item() == 3.5 and isinstance(Tensor(3.5).item(), float)
    with pytest.raises(ValueError, match="item"):
        t.item()
    assert len(t) == 2 and t.is_leaf
    assert "Tensor(" in repr(t)


def test_dtype_rules():
    assert Tensor(1.5).dtype == np.float32
    assert Tensor(3).dtype == np.float32
    assert Tensor([[1, 2], [3, 4]]).dtype == np.float32
    assert Tensor(np.zeros(2, dtype=np.float64)).dtype == np.float64
    assert Tensor(np.zeros(2, dtype=np.int64)).dtype == np.int64
    assert Tensor(np.zeros(2, dtype=np.int32)).dtype == np.int32
    assert Tensor([1, 2], dtype="float64").dtype == np.float64
    assert Tensor(np.array([True])).dtype == np.bool_
    with pytest.raises(TypeError, match="floating-point"):
        Tensor(np.arange(3), requires_grad=True)


def test_non_numeric_data_is_a_type_error():
    with pytest.raises(TypeError, match="numeric"):
        Tensor(np.array(["a", "b"]))
    with pytest.raises(TypeError, match="numeric"):
        Tensor({"a": 1})
    with pytest.raises(TypeError, match="numeric"):
        ops.add(np.array(["a"]), 1.0)
    with pytest.raises(TypeError, match="numeric"):
        ops.sum(np.array([None, 1.0], dtype=object))


def test_detach_zero_grad_and_retain_grad():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    y = x * 3
    d = y.detach()
    assert not d.requires_grad and d.is_leaf and d.data is y.data
    y.retain_grad()
    z = (y * y).sum()
    z.backward()
    np.testing.assert_allclose(y.grad, 2 * y.data)
    np.testing.assert_allclose(x.grad, 18 * x.data)
    x.zero_grad()
    assert x.grad is None
    x.grad = np.ones(2)
    x.grad = None
    assert x.grad is None


# ----- arithmetic and operators -----------------------------------------------------------
BINARY = [
    ("add", ops.add), ("subtract", ops.subtract), ("multiply", ops.multiply),
    ("divide", ops.divide), ("power", ops.power),
]
SHAPES = [((3, 4), (3, 4)), ((3, 1), (1, 4)), ((2, 3, 4), (4,)), ((4,), (2, 3, 4)), ((), (2, 3))]


@pytest.mark.parametrize("sa,sb", SHAPES, ids=str)
@pytest.mark.parametrize("name,fn", BINARY, ids=[b[0] for b in BINARY])
def test_binary_arithmetic_gradients_with_broadcasting(name, fn, sa, sb):
    a = np.abs(rand(*sa, seed=1)) + 0.5  # positive base for power, away from 0 for divide
    b = rand(*sb, seed=2)
    if name == "divide":
        b = np.abs(b) + 0.5
    out = fn(Tensor(a), Tensor(b))
    np.testing.assert_allclose(out.data, getattr(np, name)(a, b))
    assert out.shape == np.broadcast_shapes(sa, sb)
    assert gradient_check(fn, [a, b]) < TOL


def test_unary_negative_and_operators():
    a = rand(3, 4)
    assert gradient_check(lambda t: -t, [a]) < TOL
    assert gradient_check(lambda t: (t * 2 - 1) / 3 + t ** 2, [a]) < TOL
    assert gradient_check(lambda t: 2 - t, [a]) < TOL
    assert gradient_check(lambda t: 1 / (t * t + 1), [a]) < TOL
    assert gradient_check(lambda t: 2.0 ** t, [a]) < TOL


def test_reflected_operators_return_tensors():
    t = Tensor(np.array([1.0, 2.0], dtype=np.float32), requires_grad=True)
    arr = np.array([3.0, 4.0], dtype=np.float32)
    for out, expected in [
        (2 - t, [1.0, 0.0]), (arr * t, [3.0, 8.0]), (arr + t, [4.0, 6.0]),
        (arr - t, [2.0, 2.0]), (arr / t, [3.0, 2.0]), (2 ** t, [2.0, 4.0]),
        (np.ones((2, 2), dtype=np.float32) @ t, [3.0, 3.0]),
    ]:
        assert isinstance(out, Tensor) and out.requires_grad
        np.testing.assert_allclose(out.data, expected)
        assert out.dtype == np.float32
    assert isinstance(+t, Tensor)


def test_python_and_numpy_scalars_do_not_upcast_float32():
    t = Tensor(np.ones(3, dtype=np.float32), requires_grad=True)
    for out in (t * 2.5, 2.5 * t, t + 1, t / 3.0, t ** 2, t * np.float64(2.0), np.float64(2.0) * t, 1.0 - t):
        assert out.dtype == np.float32


def test_comparisons_return_non_differentiable_bool_tensors():
    a = Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    for out, expected in [
        (a < 2, [True, False, False]), (a <= 2, [True, True, False]), (a > 2, [False, False, True]),
        (a >= 2, [False, True, True]), (a == 2, [False, True, False]), (a != 2, [True, False, True]),
        (2 > a, [True, False, False]),
    ]:
        assert isinstance(out, Tensor) and out.dtype == np.bool_ and not out.requires_grad
        np.testing.assert_array_equal(out.data, expected)


def test_getitem_basic_and_advanced_gradients():
    x = rand(4, 5)
    assert gradient_check(lambda t: t[1:3, ::2], [x]) < TOL
    assert gradient_check(lambda t: t[[0, 0, 3, 0]], [x]) < TOL
    assert gradient_check(lambda t: t[[0, 0, 1], [2, 2, 4]], [x]) < TOL
    assert gradient_check(lambda t: t[:, [4, 4, 1]], [x]) < TOL
    assert gradient_check(lambda t: t[Tensor(np.array([1, 1]))], [x]) < TOL
    t = Tensor(x, requires_grad=True)
    t[[2, 2, 2]].sum().backward()
    expected = np.zeros_like(x)
    expected[2] = 3
    np.testing.assert_array_equal(t.grad, expected)


def test_getitem_bad_index():
    with pytest.raises(IndexError, match=r"get_item: .*\(2, 3\)"):
        Tensor(np.zeros((2, 3)))[5]


# ----- backward ---------------------------------------------------------------------------
def test_long_chain_backward_has_no_recursion_limit():
    x = Tensor(np.array(1.0), requires_grad=True)
    y = x
    for _ in range(10_000):
        y = y * 1.0001
    y.backward()
    np.testing.assert_allclose(x.grad, 1.0001 ** 10_000, rtol=1e-6)


def test_gradients_accumulate_across_backward_calls():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    (x * x).sum().backward()
    (x * 3).sum().backward()
    np.testing.assert_allclose(x.grad, 2 * x.data + 3)


def test_shared_subexpression_gradients_add_up():
    x = Tensor(np.array([1.5, -2.0]), requires_grad=True)
    y = x * 2
    z = (y * y + y).sum()
    z.backward()
    np.testing.assert_allclose(x.grad, 2 * (2 * y.data + 1))


def test_backward_twice_needs_retain_graph():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="retain_graph"):
        y.backward()
    z = (x * x).sum()
    x.zero_grad()
    z.backward(retain_graph=True)
    z.backward()
    np.testing.assert_allclose(x.grad, 4 * x.data)


def test_non_scalar_backward_needs_grad():
    x = Tensor(np.ones((2, 3)), requires_grad=True)
    y = x * 2
    with pytest.raises(ValueError, match=r"backward: .*shape \(2, 3\)"):
        y.backward()
    with pytest.raises(ValueError, match=r"backward: grad has shape \(3,\)"):
        y.backward(np.ones(3))
    y.backward(np.full((2, 3), 0.5))
    np.testing.assert_allclose(x.grad, 1.0)


def test_backward_on_tensor_without_grad_raises():
    with pytest.raises(ValueError, match="does not require grad"):
        Tensor(np.ones(1)).backward()


def test_leaf_backward():
    x = Tensor(np.array(2.0), requires_grad=True)
    x.backward()
    assert x.grad == 1.0


# ----- grad modes -------------------------------------------------------------------------
def test_no_grad_context_records_nothing():
    x = Tensor(np.ones(3), requires_grad=True)
    with numnet.no_grad():
        assert not numnet.is_grad_enabled()
        y = ops.exp(x * 2).sum()
    assert numnet.is_grad_enabled()
    assert not y.requires_grad and y._ctx is None


def test_no_grad_decorator_and_enable_grad_inside():
    x = Tensor(np.ones(3), requires_grad=True)

    @numnet.no_grad()
    def predict(t):
        return (t * 2).sum()

    assert not predict(x).requires_grad
    assert numnet.is_grad_enabled()
    with numnet.no_grad():
        with numnet.enable_grad():
            y = (x * 2).sum()
        z = x * 2
    assert y.requires_grad and not z.requires_grad
    y.backward()
    np.testing.assert_allclose(x.grad, 2.0)


def test_no_grad_restores_state_after_exception():
    with pytest.raises(KeyError):
        with numnet.no_grad():
            raise KeyError("x")
    assert numnet.is_grad_enabled()


# ----- dtypes end to end ------------------------------------------------------------------
def test_float32_graph_stays_float32_end_to_end():
    rng = np.random.default_rng(0)
    x = Tensor(rng.standard_normal((8, 5)).astype(np.float32))
    w1 = Variable(rng.standard_normal((5, 6)) * 0.3, name="w1")
    b1 = Variable(np.zeros(6), name="b1")
    w2 = Variable(rng.standard_normal((6, 3)) * 0.3, name="w2")
    assert w1.dtype == b1.dtype == w2.dtype == np.float32
    steps = []

    def keep(t):
        t.retain_grad()
        steps.append(t)
        return t

    h = keep(x @ w1)
    h = keep(h + b1)
    h = keep(ops.gelu(h, approximate=False))
    h = keep(ops.tanh(h) * 0.5 + ops.sigmoid(h) - 1)
    h = keep(ops.relu(h) + ops.softplus(h) + ops.elu(h) + ops.silu(h))
    h = keep(ops.concatenate([h, ops.square(h)], axis=1))
    logits = keep(ops.matmul(h[:, :6], w2))
    lse = keep(ops.logsumexp(logits, axis=1, keepdims=True))
    logp = keep(logits - lse)
    loss = keep(-ops.mean(ops.take_along_axis(logp, np.array([[0]] * 8), axis=1)) + ops.var(h) * 0.01
                + ops.std(h, axis=0).sum() * 0.01 + ops.max(h) * 0.0 + ops.einsum("ij,ij->", h, h) * 1e-3)
    loss.backward()
    for t in steps:
        assert t.data.dtype == np.float32, t
        assert t.grad is not None and t.grad.dtype == np.float32
    for v in (w1, b1, w2):
        assert v.grad.dtype == np.float32 and v.grad.shape == v.shape


# ----- memory -----------------------------------------------------------------------------
def test_backward_releases_graph_buffers():
    x = Tensor(np.ones((4, 4)), requires_grad=True)
    intermediate = ops.exp(x * 2)
    ref = weakref.ref(intermediate)
    loss = (intermediate * 3).sum()
    node = loss._ctx
    del intermediate
    gc.collect()
    assert ref() is not None  # still held by the graph
    loss.backward()
    gc.collect()
    assert ref() is None  # freed once backward has used it
    assert node.inputs is None and node.__dict__ == {}


def test_retain_graph_keeps_buffers():
    x = Tensor(np.ones(3), requires_grad=True)
    y = ops.exp(x)
    loss = y.sum()
    loss.backward(retain_graph=True)
    assert loss._ctx.inputs is not None and y._ctx.__dict__


def test_no_graph_kept_under_no_grad():
    x = Tensor(np.ones(3), requires_grad=True)
    with numnet.no_grad():
        y = ops.exp(x)
    ref = weakref.ref(y)
    z = y * 2
    assert z._ctx is None
    del y
    gc.collect()
    assert ref() is None


# ----- Variable and gradient_check --------------------------------------------------------
def test_variable_assign_and_trainable():
    v = Variable(np.zeros((2, 2)), name="kernel")
    assert v.requires_grad and v.trainable and v.dtype == np.float32 and v.name == "kernel"
    v.assign(np.ones((2, 2)))
    np.testing.assert_array_equal(v.data, 1.0)
    with pytest.raises(ValueError, match=r"kernel.*\(3,\).*\(2, 2\)"):
        v.assign(np.ones(3))
    v.trainable = False
    assert not v.requires_grad


def test_gradient_check_detects_wrong_gradient_and_rejects_float32():
    class WrongSquare(numnet.Function):
        def forward(self, x):
            self.x = x
            return x * x

        def backward(self, grad):
            return (grad * self.x,)  # should be 2x

    assert gradient_check(WrongSquare.apply, [rand(3)]) > 0.1
    with pytest.raises(TypeError, match="float64"):
        gradient_check(ops.exp, [np.ones(3, dtype=np.float32)])


def test_custom_function_with_params_checks():
    x = rand(3, 4)
    w = Tensor(rand(4, 2, seed=5))
    assert gradient_check(lambda t: ops.tanh(t @ w), [x], params=[w]) < TOL


def test_integer_tensors_with_python_numbers():
    i = Tensor(np.arange(3))
    assert (i + 1).dtype == np.int64 and (2 - i).dtype == np.int64
    assert (i * 0.5).dtype == np.float32  # like PyTorch/Keras: float32, not float64
    assert (i / 2).dtype == np.float32
    np.testing.assert_allclose((i / 2).data, [0, 0.5, 1])
    assert (Tensor(np.array([True, False])) * 1.0).dtype == np.float32


def test_cast_gradient_flows_back_in_the_input_dtype():
    x = Tensor(np.array([1.5, -2.0]), requires_grad=True)
    y = ops.cast(x, "float32")
    assert y.dtype == np.float32 and y.requires_grad
    (y * y).sum().backward()
    assert x.grad.dtype == np.float64
    np.testing.assert_allclose(x.grad, 2 * x.data)
    assert gradient_check(lambda t: ops.cast(t, "float64") * 2, [rand(3)]) < TOL
    as_int = ops.cast(x, "int32")
    assert as_int.dtype == np.int32 and not as_int.requires_grad  # integer results are constants

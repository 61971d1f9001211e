"""Optimizers: hand-computed Keras 3 updates, minimisation with autograd, state, config, bad input."""
import math

import numpy as np
import pytest

from numnet import optimizers
from numnet.autograd import Tensor, Variable
from numnet.optimizers import schedules

W0 = np.array([1.0, -2.0, 0.5])
G1 = np.array([0.3, -1.2, 2.0])
G2 = np.array([-0.5, 0.4, 1.0])


def var(value=W0, dtype=np.float64):
    return Variable(np.array(value, dtype=dtype), name="w", dtype=dtype)


def run(opt, grads, w=None):
    w = var() if w is None else w
    for g in grads:
        opt.apply_gradients([(np.array(g), w)])
    return w.data


# Learning rates are stored as float32 (as Keras does), so the hand computations use rates
# that float32 represents exactly.
LR = 0.125
SMALL_LR = 2.0 ** -7


def close(a, b):
    np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


# ----- one or two steps against hand computations ------------------------------------------------
def test_sgd_plain_momentum_nesterov():
    lr = LR
    close(run(optimizers.SGD(lr), [G1, G2]), W0 - lr * G1 - lr * G2)
    m1 = -lr * G1
    m2 = 0.9 * m1 - lr * G2
    close(run(optimizers.SGD(lr, momentum=0.9), [G1, G2]), W0 + m1 + m2)
    w1 = W0 + 0.9 * m1 - lr * G1
    w2 = w1 + 0.9 * m2 - lr * G2
    close(run(optimizers.SGD(lr, momentum=0.9, nesterov=True), [G1, G2]), w2)


def adam_reference(grads, lr=SMALL_LR, b1=0.9, b2=0.999, eps=1e-7, amsgrad=False, wd=0.0):
    w, m, v, vhat = W0.copy(), np.zeros(3), np.zeros(3), np.zeros(3)
    for t, g in enumerate(grads, start=1):
        w = w - w * wd * lr
        alpha = lr * math.sqrt(1 - b2 ** t) / (1 - b1 ** t)
        m = m + (g - m) * (1 - b1)
        v = v + (g * g - v) * (1 - b2)
        vhat = np.maximum(vhat, v)
        w = w - m * alpha / (np.sqrt(vhat if amsgrad else v) + eps)
    return w


def test_adam_and_amsgrad():
    grads = [G1 * 3, G2, G2 * 0.1]  # shrinking gradients: v decreases, so AMSGrad differs
    close(run(optimizers.Adam(SMALL_LR), grads), adam_reference(grads))
    close(run(optimizers.Adam(SMALL_LR, amsgrad=True), grads), adam_reference(grads, amsgrad=True))
    ams = run(optimizers.Adam(SMALL_LR, beta_2=0.5, amsgrad=True), grads)
    close(ams, adam_reference(grads, b2=0.5, amsgrad=True))
    assert not np.allclose(ams, adam_reference(grads, b2=0.5))
    close(run(optimizers.Adam(2 * SMALL_LR, beta_1=0.8, beta_2=0.99, epsilon=1e-3), grads),
          adam_reference(grads, lr=2 * SMALL_LR, b1=0.8, b2=0.99, eps=1e-3))


def test_adamw_decoupled_weight_decay():
    grads = [G1, G2]
    close(run(optimizers.AdamW(SMALL_LR, weight_decay=0.1), grads), adam_reference(grads, wd=0.1))
    close(run(optimizers.AdamW(SMALL_LR), grads), adam_reference(grads, wd=0.004))


def test_weight_decay_on_sgd_and_exclusion():
    w = var()
    b = Variable(np.array([1.0, 2.0]), name="bias", dtype=np.float64)
    opt = optimizers.SGD(LR, weight_decay=0.5)
    opt.exclude_from_weight_decay(var_names=["bias"])
    opt.apply_gradients([(G1, w), (np.array([0.1, 0.1]), b)])
    close(w.data, W0 - W0 * 0.5 * LR - LR * G1)
    close(b.data, np.array([1.0, 2.0]) - LR * 0.1)
    with pytest.raises(ValueError, match="before the optimizer is built"):
        opt.exclude_from_weight_decay(var_names=["w"])


def test_clipnorm_clipvalue_global_clipnorm():
    lr = LR
    n1 = np.linalg.norm(G1)
    close(run(optimizers.SGD(lr, clipnorm=1.0), [G1]), W0 - lr * G1 / n1)
    close(run(optimizers.SGD(lr, clipnorm=10.0), [G1]), W0 - lr * G1)  # under the norm: unchanged
    close(run(optimizers.SGD(lr, clipvalue=0.5), [G1]), W0 - lr * np.clip(G1, -0.5, 0.5))
    # global_clipnorm: the norm over all variables together.
    a, b = var(), Variable(np.array([3.0, 4.0]), dtype=np.float64)
    gb = np.array([3.0, -4.0])
    total = math.sqrt(np.sum(G1 ** 2) + np.sum(gb ** 2))
    opt = optimizers.SGD(lr, global_clipnorm=2.0)
    opt.apply_gradients([(G1, a), (gb, b)])
    close(a.data, W0 - lr * G1 * 2.0 / total)
    close(b.data, np.array([3.0, 4.0]) - lr * gb * 2.0 / total)
    # clipnorm applies per variable.
    a, b = var(), Variable(np.array([3.0, 4.0]), dtype=np.float64)
    optimizers.SGD(lr, clipnorm=2.0).apply_gradients([(G1, a), (gb, b)])
    close(a.data, W0 - lr * G1 * 2.0 / max(n1, 2.0))
    close(b.data, np.array([3.0, 4.0]) - lr * gb * 2.0 / 5.0)


def rmsprop_reference(grads, lr=SMALL_LR, rho=0.9, momentum=0.0, eps=1e-7, centered=False):
    w, v, a, mom = W0.copy(), np.zeros(3), np.zeros(3), np.zeros(3)
    for g in grads:
        v = rho * v + (1 - rho) * g * g
        if centered:
            a = rho * a + (1 - rho) * g
            denom = v - a * a + eps
        else:
            denom = v + eps
        inc = lr * g / np.sqrt(denom)
        if momentum:
            mom = momentum * mom + inc
            w = w - mom
        else:
            w = w - inc
    return w


@pytest.mark.parametrize("momentum,centered", [(0.0, False), (0.5, False), (0.0, True), (0.5, True)])
def test_rmsprop(momentum, centered):
    grads = [G1, G2]
    got = run(optimizers.RMSprop(SMALL_LR, momentum=momentum, centered=centered), grads)
    close(got, rmsprop_reference(grads, momentum=momentum, centered=centered))


def test_adagrad():
    acc = np.full(3, 0.1)
    w = W0.copy()
    for g in [G1, G2]:
        acc = acc + g * g
        w = w - 0.0625 * g / np.sqrt(acc + 1e-7)
    close(run(optimizers.Adagrad(0.0625), [G1, G2]), w)
    acc = np.full(3, 0.5)
    w = W0 - 0.0625 * G1 / np.sqrt(acc + G1 * G1 + 1e-3)
    close(run(optimizers.Adagrad(0.0625, initial_accumulator_value=0.5, epsilon=1e-3), [G1]), w)


def test_adadelta():
    rho, eps, lr = 0.95, 1e-7, 1.0
    w, ag, ad = W0.copy(), np.zeros(3), np.zeros(3)
    for g in [G1, G2]:
        ag = rho * ag + (1 - rho) * g * g
        delta = -np.sqrt(ad + eps) * g / np.sqrt(ag + eps)
        ad = rho * ad + (1 - rho) * delta * delta
        w = w + lr * delta
    close(run(optimizers.Adadelta(lr), [G1, G2]), w)


def test_adamax():
    b1, b2, eps, lr = 0.9, 0.999, 1e-7, SMALL_LR
    w, m, u = W0.copy(), np.zeros(3), np.zeros(3)
    for t, g in enumerate([G1, G2 * 5], start=1):
        m = m + (g - m) * (1 - b1)
        u = np.maximum(b2 * u, np.abs(g))
        w = w - lr * m / ((1 - b1 ** t) * (u + eps))
    close(run(optimizers.Adamax(lr), [G1, G2 * 5]), w)


def test_nadam():
    b1, b2, eps, lr = 0.9, 0.999, 1e-7, SMALL_LR
    w, m, v, u_prod = W0.copy(), np.zeros(3), np.zeros(3), 1.0
    for t, g in enumerate([G1, G2], start=1):
        u_t = b1 * (1 - 0.5 * 0.96 ** t)
        u_next = b1 * (1 - 0.5 * 0.96 ** (t + 1))
        u_prod = u_prod * u_t
        m = m + (g - m) * (1 - b1)
        v = v + (g * g - v) * (1 - b2)
        m_hat = u_next * m / (1 - u_prod * u_next) + (1 - u_t) * g / (1 - u_prod)
        v_hat = v / (1 - b2 ** t)
        w = w - m_hat * lr / (np.sqrt(v_hat) + eps)
    opt = optimizers.Nadam(lr)
    close(run(opt, [G1, G2]), w)
    assert np.isclose(opt.variables[-1], u_prod)


# ----- real minimisation with autograd ------------------------------------------------------------
def rosenbrock(w):
    x, y = w[0], w[1]
    return (1 - x) * (1 - x) + 10 * (y - x * x) * (y - x * x)


ROSENBROCK = [
    (optimizers.SGD, dict(learning_rate=0.01, momentum=0.9)),
    (optimizers.SGD, dict(learning_rate=0.005, momentum=0.9, nesterov=True)),
    (optimizers.Adam, dict(learning_rate=0.05)),
    (optimizers.AdamW, dict(learning_rate=0.05, weight_decay=0.001)),
    (optimizers.Nadam, dict(learning_rate=0.05)),
    (optimizers.RMSprop, dict(learning_rate=0.01)),
    (optimizers.RMSprop, dict(learning_rate=0.005, momentum=0.5, centered=True)),
    (optimizers.Adagrad, dict(learning_rate=0.3)),
    (optimizers.Adadelta, dict(learning_rate=10.0)),
    (optimizers.Adamax, dict(learning_rate=0.1)),
]


@pytest.mark.parametrize("cls,kwargs", ROSENBROCK, ids=[f"{c.__name__}-{i}" for i, (c, _) in enumerate(ROSENBROCK)])
def test_minimises_rosenbrock_like_function(cls, kwargs):
    w = Variable(np.array([-1.0, 1.5], dtype=np.float32), name="xy")
    opt = cls(**kwargs)
    opt.build([w])
    start = rosenbrock(w).item()
    for _ in range(400):
        loss = rosenbrock(w)
        loss.backward()
        opt.step()
        opt.zero_grad()
    end = rosenbrock(w).item()
    assert w.data.dtype == np.float32
    assert end < 0.02 * start, f"{cls.__name__}{kwargs}: loss {start:.3f} -> {end:.4f}"


# ----- API ------------------------------------------------------------------------------------------
def test_apply_forms_step_zero_grad_and_iterations():
    w = Variable(np.ones(3), dtype=np.float64)
    b = Variable(np.zeros(2), dtype=np.float64)
    opt = optimizers.SGD(0.5)
    assert opt.apply_gradients(zip([Tensor(np.ones(3)), np.ones(2)], [w, b])) == 1
    close(w.data, np.full(3, 0.5))
    opt.apply([np.ones(3), np.ones(2)])  # default: the built variables
    close(b.data, np.full(2, -1.0))
    with pytest.warns(UserWarning, match="Gradients do not exist"):
        opt.apply([None, np.ones(2)], [w, b])
    assert opt.iterations == 3
    w.grad, b.grad = np.full(3, 2.0), None
    opt.step()
    close(w.data, np.full(3, -1.0))
    close(b.data, np.full(2, -1.5))
    assert opt.iterations == 4
    opt.zero_grad()
    assert w.grad is None
    opt.step()  # nothing to do: no iteration counted
    assert opt.iterations == 4
    with pytest.raises(ValueError, match="no gradients"):
        opt.apply([None, None], [w, b])
    with pytest.raises(ValueError, match=r"shape \(2,\).*shape \(3,\)"):
        opt.apply_gradients([(np.ones(2), w)])
    with pytest.raises(ValueError, match="not one of the variables"):
        opt.apply_gradients([(np.ones(1), Variable(np.ones(1)))])
    with pytest.raises(RuntimeError, match="build"):
        optimizers.Adam().step()


def test_updates_in_place_float32_state_and_order():
    w1 = Variable(np.ones((2, 3), dtype=np.float32), name="kernel")
    w2 = Variable(np.ones(3, dtype=np.float32), name="bias")
    data_before = w1.data
    opt = optimizers.Adam()
    opt.apply_gradients([(np.ones((2, 3), dtype=np.float32), w1), (np.ones(3, dtype=np.float32), w2)])
    assert w1.data is data_before and w1.data.dtype == np.float32
    shapes = [v.shape for v in opt.variables]
    # iterations, learning rate, then (momentum, velocity) variable by variable.
    assert shapes == [(), (), (2, 3), (2, 3), (3,), (3,)]
    assert opt.variables[0].dtype == np.int64 and int(opt.variables[0]) == 1
    assert all(v.dtype == np.float32 for v in opt.variables[1:])
    grads_f64 = [np.ones((2, 3)), np.ones(3)]
    opt.apply(grads_f64)
    assert w1.data.dtype == np.float32


def test_state_roundtrip_continues_identically():
    def make():
        return Variable(np.array([0.5, -1.0, 2.0], dtype=np.float32))

    a, b = make(), make()
    opt_a, opt_b = optimizers.Adam(SMALL_LR, amsgrad=True), optimizers.Adam(SMALL_LR, amsgrad=True)
    for g in [G1, G2]:
        opt_a.apply_gradients([(g, a)])
    opt_b.build([b])
    b.assign(a.data)
    opt_b.set_state(opt_a.get_state())
    assert opt_b.iterations == 2
    for g in [G2, G1]:
        opt_a.apply_gradients([(g, a)])
        opt_b.apply_gradients([(g, b)])
    np.testing.assert_array_equal(a.data, b.data)
    store = {}
    opt_a.save_own_variables(store)
    opt_c = optimizers.Adam(SMALL_LR, amsgrad=True)
    opt_c.build([make()])
    opt_c.load_own_variables(store)
    assert all(np.array_equal(x, y) for x, y in zip(opt_c.variables, opt_a.variables))


def test_set_state_validates_before_changing_anything():
    w = Variable(np.ones(3, dtype=np.float32))
    opt = optimizers.Adam()
    opt.apply_gradients([(np.ones(3), w)])
    before = opt.get_state()
    bad_count = before[:-1]
    with pytest.raises(ValueError, match="state arrays"):
        opt.set_state(bad_count)
    bad_shape = [np.full_like(x, 7) for x in before[:-1]] + [np.zeros(4, dtype=np.float32)]
    with pytest.raises(ValueError, match=r"shape \(4,\), expected \(3,\)"):
        opt.set_state(bad_shape)
    assert all(np.array_equal(x, y) for x, y in zip(opt.get_state(), before))
    unbuilt = optimizers.Adam()
    with pytest.raises(ValueError, match="build it"):
        unbuilt.set_state(before)


def test_learning_rate_property_and_schedule():
    opt = optimizers.SGD(0.1)
    assert np.isclose(opt.learning_rate, 0.1)
    opt.learning_rate = 0.05
    w = var()
    opt.apply_gradients([(G1, w)])
    close(w.data, W0 - np.float32(0.05) * G1)
    assert np.isclose(opt.get_config()["learning_rate"], 0.05)
    with pytest.raises(ValueError, match="learning_rate"):
        opt.learning_rate = -1.0

    sched = schedules.ExponentialDecay(0.1, decay_steps=1, decay_rate=0.5)
    opt = optimizers.SGD(sched)
    w = var()
    expected = W0.copy()
    for step, g in enumerate([G1, G2, G1]):
        assert np.isclose(opt.learning_rate, 0.1 * 0.5 ** step)
        opt.apply_gradients([(g, w)])
        expected = expected - np.float64(np.float32(0.1 * 0.5 ** step)) * g
    close(w.data, expected)
    with pytest.raises(TypeError, match="not settable"):
        opt.learning_rate = 0.01
    assert len(opt.variables) == 1  # no learning-rate state for a schedule
    opt.learning_rate = schedules.ExponentialDecay(1.0, 10, 0.9)  # replacing by a schedule is allowed
    assert np.isclose(opt.learning_rate, 0.9 ** 0.3)


def test_config_roundtrip_and_get():
    for opt in [optimizers.SGD(0.2, momentum=0.5, nesterov=True, clipnorm=1.0),
                optimizers.Adam(amsgrad=True, global_clipnorm=2.0), optimizers.AdamW(weight_decay=0.01),
                optimizers.Nadam(beta_1=0.8), optimizers.RMSprop(centered=True, momentum=0.3, clipvalue=0.1),
                optimizers.Adagrad(initial_accumulator_value=0.2), optimizers.Adadelta(rho=0.9),
                optimizers.Adamax(epsilon=1e-5),
                optimizers.Adam(schedules.CosineDecay(0.1, 100, warmup_target=0.2, warmup_steps=5))]:
        config = optimizers.serialize(opt)
        back = optimizers.deserialize(config)
        assert type(back) is type(opt) and back.get_config() == opt.get_config()
        assert type(optimizers.get(config)) is type(opt)
    assert isinstance(optimizers.get("adam"), optimizers.Adam)
    assert isinstance(optimizers.get("SGD"), optimizers.SGD)
    assert isinstance(optimizers.get("RMSprop"), optimizers.RMSprop)
    assert optimizers.get("sgd").learning_rate == np.float32(0.01)
    opt = optimizers.Nadam()
    assert optimizers.get(opt) is opt
    with pytest.raises(ValueError, match=r"'adamm'.*adadelta, adagrad, adam, adamax, adamw, nadam, rmsprop, sgd"):
        optimizers.get("adamm")
    with pytest.raises(ValueError, match="Valid names"):
        optimizers.deserialize({"class_name": "Adamm", "config": {}})


def test_keras_defaults():
    assert optimizers.SGD().get_config()["learning_rate"] == pytest.approx(0.01)
    adam = optimizers.Adam()
    assert (adam.beta_1, adam.beta_2, adam.epsilon, adam.amsgrad) == (0.9, 0.999, 1e-7, False)
    assert adam.name == "adam" and optimizers.SGD().name == "SGD"
    assert optimizers.AdamW().weight_decay == 0.004
    rms = optimizers.RMSprop()
    assert (float(rms.learning_rate), rms.rho, rms.momentum, rms.epsilon, rms.centered) == \
        (pytest.approx(0.001), 0.9, 0.0, 1e-7, False)
    ada = optimizers.Adagrad()
    assert (ada.initial_accumulator_value, ada.epsilon) == (0.1, 1e-7)
    assert (optimizers.Adadelta().rho, optimizers.Adadelta().epsilon) == (0.95, 1e-7)


@pytest.mark.parametrize("make,match", [
    (lambda: optimizers.SGD(-0.1), "learning_rate"),
    (lambda: optimizers.Adam(learning_rate=float("nan")), "learning_rate"),
    (lambda: optimizers.Adam(beta_1=1.0), "beta_1"),
    (lambda: optimizers.Adam(beta_2=-0.1), "beta_2"),
    (lambda: optimizers.Nadam(beta_1=1.5), "beta_1"),
    (lambda: optimizers.Adamax(beta_2=1.0), "beta_2"),
    (lambda: optimizers.SGD(momentum=1.5), "momentum"),
    (lambda: optimizers.RMSprop(rho=1.0), "rho"),
    (lambda: optimizers.Adagrad(epsilon=-1), "epsilon"),
    (lambda: optimizers.SGD(clipnorm=1.0, clipvalue=1.0), "only one"),
    (lambda: optimizers.SGD(clipnorm=-1.0), "clipnorm"),
    (lambda: optimizers.AdamW(weight_decay=None), "weight_decay"),
    (lambda: optimizers.SGD(weight_decay=-0.1), "weight_decay"),
    (lambda: optimizers.SGD(lr=0.1), "not recognized"),
    (lambda: optimizers.SGD(gradient_accumulation_steps=1), "gradient_accumulation_steps"),
])
def test_bad_arguments(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_ema_and_finalize():
    w = var()
    opt = optimizers.SGD(LR, use_ema=True, ema_momentum=0.5)
    opt.apply_gradients([(G1, w)])
    w1 = W0 - LR * G1
    close(opt.variables[2], w1)  # first step: the average is the variable itself
    opt.apply_gradients([(G2, w)])
    w2 = w1 - LR * G2
    close(opt.variables[2], 0.5 * w1 + 0.5 * w2)
    close(w.data, w2)
    opt.finalize_variable_values([w])
    close(w.data, 0.5 * w1 + 0.5 * w2)


def test_gradient_accumulation():
    w = var()
    opt = optimizers.SGD(LR, gradient_accumulation_steps=2)
    opt.apply_gradients([(G1, w)])
    close(w.data, W0)  # accumulated only
    opt.apply_gradients([(G2, w)])
    close(w.data, W0 - LR * (G1 + G2) / 2)
    assert opt.iterations == 1  # Keras counts real updates (calls // steps)
    assert int(opt.variables[0]) == 2  # the stored counter counts calls
    close(opt.variables[2], np.zeros(3))


def test_constraint_applied_after_update():
    w = var()
    w.constraint = lambda v: np.clip(v.data, -0.5, 0.5)
    optimizers.SGD(LR).apply_gradients([(G1, w)])
    close(w.data, np.clip(W0 - LR * G1, -0.5, 0.5))

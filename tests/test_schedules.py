"""Learning-rate schedules against their formulas, serialization, and use inside optimizers."""
import math

import numpy as np
import pytest

from numnet import optimizers
from numnet.autograd import Variable
from numnet.optimizers import schedules


def approx(x):
    return pytest.approx(x, rel=1e-6, abs=1e-9)


@pytest.mark.parametrize("step", [0, 1, 7, 10, 25, 1000])
def test_exponential_decay(step):
    assert schedules.ExponentialDecay(0.1, 10, 0.5)(step) == approx(0.1 * 0.5 ** (step / 10))
    assert schedules.ExponentialDecay(0.1, 10, 0.5, staircase=True)(step) == approx(0.1 * 0.5 ** (step // 10))


@pytest.mark.parametrize("step", [0, 1, 7, 10, 25, 1000])
def test_inverse_time_decay(step):
    assert schedules.InverseTimeDecay(0.2, 5, 0.5)(step) == approx(0.2 / (1 + 0.5 * step / 5))
    assert schedules.InverseTimeDecay(0.2, 5, 0.5, staircase=True)(step) == approx(0.2 / (1 + 0.5 * (step // 5)))


def test_piecewise_constant_boundaries_are_inclusive_on_the_left_value():
    s = schedules.PiecewiseConstantDecay([10, 20], [1.0, 0.5, 0.1])
    assert [float(s(t)) for t in (0, 10, 11, 20, 21, 100)] == [1.0, 1.0, 0.5, 0.5, approx(0.1), approx(0.1)]
    with pytest.raises(ValueError, match="length of `values`"):
        schedules.PiecewiseConstantDecay([10, 20], [1.0, 0.5])
    with pytest.raises(ValueError, match="increasing"):
        schedules.PiecewiseConstantDecay([20, 10], [1.0, 0.5, 0.1])


@pytest.mark.parametrize("step", [0, 3, 50, 100, 150])
def test_cosine_decay(step):
    def expected(t, alpha):
        t = min(t, 100)
        return 0.1 * ((1 - alpha) * 0.5 * (1 + math.cos(math.pi * t / 100)) + alpha)

    assert schedules.CosineDecay(0.1, 100)(step) == approx(expected(step, 0.0))
    assert schedules.CosineDecay(0.1, 100, alpha=0.2)(step) == approx(expected(step, 0.2))


@pytest.mark.parametrize("step", [0, 5, 9, 10, 60, 110, 500])
def test_cosine_decay_with_warmup(step):
    s = schedules.CosineDecay(0.0, 100, warmup_target=0.2, warmup_steps=10)
    if step < 10:
        expected = 0.2 * step / 10
    else:
        t = min(step - 10, 100)
        expected = 0.2 * 0.5 * (1 + math.cos(math.pi * t / 100))
    assert s(step) == approx(expected)


@pytest.mark.parametrize("step", [0, 4, 10, 15, 30, 35, 70])
def test_polynomial_and_restarts(step):
    p = schedules.PolynomialDecay(0.1, 10, end_learning_rate=0.01, power=2.0)
    t = min(step, 10)
    assert p(step) == approx((0.1 - 0.01) * (1 - t / 10) ** 2 + 0.01)
    r = schedules.CosineDecayRestarts(1.0, 10, t_mul=2.0, m_mul=0.5)
    # periods 10, 20, 40 starting at steps 0, 10, 30
    start, length, i = 0, 10, 0
    while step >= start + length:
        start, length, i = start + length, length * 2, i + 1
    frac = (step - start) / length
    assert r(step) == approx(0.5 ** i * 0.5 * (1 + math.cos(math.pi * frac)))


def test_returns_float32_and_validation():
    assert isinstance(schedules.ExponentialDecay(0.1, 10, 0.9)(3), np.float32)
    with pytest.raises(ValueError, match="decay_steps"):
        schedules.ExponentialDecay(0.1, 0, 0.9)
    with pytest.raises(ValueError, match="decay_steps"):
        schedules.CosineDecay(0.1, -5)


def test_serialization_roundtrip():
    for s in [schedules.ExponentialDecay(0.1, 10, 0.5, staircase=True),
              schedules.PiecewiseConstantDecay([5], [0.1, 0.01]),
              schedules.InverseTimeDecay(0.1, 3, 0.2),
              schedules.CosineDecay(0.1, 50, alpha=0.1, warmup_target=0.3, warmup_steps=4),
              schedules.PolynomialDecay(0.1, 20, cycle=True),
              schedules.CosineDecayRestarts(0.1, 7)]:
        back = schedules.deserialize(schedules.serialize(s))
        assert type(back) is type(s) and back.get_config() == s.get_config()
        assert [float(back(t)) for t in range(0, 60, 7)] == [float(s(t)) for t in range(0, 60, 7)]
    with pytest.raises(ValueError, match="Unknown learning rate schedule"):
        schedules.deserialize({"class_name": "Nope", "config": {}})


@pytest.mark.parametrize("opt_cls", [optimizers.SGD, optimizers.Adam, optimizers.RMSprop])
def test_optimizer_uses_schedule_at_iterations(opt_cls):
    """Each update uses the schedule evaluated at the iteration count before the update."""
    sched = schedules.PiecewiseConstantDecay([1, 2], [0.5, 0.25, 0.125])
    seen = []

    class Recording(schedules.LearningRateSchedule):
        def __call__(self, step):
            seen.append(int(step))
            return sched(step)

        def get_config(self):
            return {}

    w_sched = Variable(np.array([1.0, -1.0]), dtype=np.float64)
    w_manual = Variable(np.array([1.0, -1.0]), dtype=np.float64)
    opt_sched = opt_cls(learning_rate=Recording())
    opt_manual = opt_cls(learning_rate=0.5)
    grads = [np.array([0.3, -0.7]), np.array([1.0, 0.2]), np.array([-0.4, 0.9]), np.array([0.1, 0.1])]
    for step, g in enumerate(grads):
        opt_manual.learning_rate = float(sched(step))
        opt_sched.apply_gradients([(g, w_sched)])
        opt_manual.apply_gradients([(g, w_manual)])
    assert sorted(set(seen)) == [0, 1, 2, 3]
    np.testing.assert_allclose(w_sched.data, w_manual.data, rtol=1e-12)

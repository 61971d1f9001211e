"""numnet.random: keras.random's sampling functions and SeedGenerator, reproducible and float32 by default."""
import numpy as np
import pytest

import numnet as keras
from numnet import random as nr
from numnet.utils import gradient_check, set_random_seed


def test_normal_shape_dtype_and_moments():
    x = nr.normal((200, 100), mean=2.0, stddev=3.0, seed=1)
    assert isinstance(x, keras.Tensor) and x.shape == (200, 100) and x.data.dtype == np.float32
    assert abs(x.data.mean() - 2.0) < 0.1 and abs(x.data.std() - 3.0) < 0.1
    assert nr.normal((3,), dtype="float64").data.dtype == np.float64
    assert nr.normal(4).shape == (4,)


def test_int_seed_repeats_and_seed_generator_advances():
    np.testing.assert_array_equal(nr.uniform((5,), seed=7).data, nr.uniform((5,), seed=7).data)
    gen = nr.SeedGenerator(42)
    a, b = nr.uniform((5,), seed=gen).data, nr.uniform((5,), seed=gen).data
    assert not np.array_equal(a, b)
    gen2 = nr.SeedGenerator(42)
    np.testing.assert_array_equal(nr.uniform((5,), seed=gen2).data, a)
    np.testing.assert_array_equal(nr.uniform((5,), seed=gen2).data, b)
    state = gen.next()
    assert state.data.dtype == np.uint32 and state.shape == (2,) and state.data[1] == 2


def test_set_random_seed_makes_unseeded_draws_reproducible():
    def draws():
        gen = nr.SeedGenerator()
        return [nr.normal((3,)).data, nr.randint((3,), 0, 100).data, nr.normal((3,), seed=gen).data,
                nr.dropout(np.ones(6, dtype=np.float32), 0.5).data]

    set_random_seed(123)
    first = draws()
    set_random_seed(123)
    second = draws()
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)


def test_seed_generator_config_round_trip_and_errors():
    gen = nr.SeedGenerator(5)
    again = nr.SeedGenerator.from_config(gen.get_config())
    np.testing.assert_array_equal(nr.normal((4,), seed=gen).data, nr.normal((4,), seed=again).data)
    for bad in (-1, 1.5, "x", True):
        with pytest.raises(ValueError, match="seed"):
            nr.SeedGenerator(bad)
        with pytest.raises(ValueError, match="seed"):
            nr.normal((2,), seed=bad)


def test_uniform_and_randint_bounds():
    u = nr.uniform((10000,), minval=-2.0, maxval=3.0, seed=0).data
    assert u.dtype == np.float32 and u.min() >= -2.0 and u.max() < 3.0 and abs(u.mean() - 0.5) < 0.05
    with pytest.raises(ValueError, match="floating-point"):
        nr.uniform((2,), dtype="int32")
    r = nr.randint((10000,), 3, 7, seed=0).data
    assert r.dtype == np.int32 and set(np.unique(r)) == {3, 4, 5, 6}
    assert nr.randint((2,), 0, 5, dtype="int64").data.dtype == np.int64
    with pytest.raises(ValueError, match="maxval"):
        nr.randint((2,), 5, 5)
    with pytest.raises(ValueError, match="integer"):
        nr.randint((2,), 0, 5, dtype="float32")
    with pytest.raises(ValueError, match="shape"):
        nr.uniform((2, -1))


def test_truncated_normal_stays_within_two_stddev():
    t = nr.truncated_normal((20000,), mean=1.0, stddev=0.5, seed=3).data
    assert t.dtype == np.float32 and t.min() >= 0.0 and t.max() <= 2.0
    assert abs(t.mean() - 1.0) < 0.02 and 0.3 < t.std() < 0.5  # truncation shrinks the spread (~0.44)


def test_dropout_mask_scale_and_gradient():
    x = keras.Tensor(np.ones((100, 100), dtype=np.float32), requires_grad=True)
    y = nr.dropout(x, 0.25, seed=0)
    kept = y.data != 0
    assert abs(kept.mean() - 0.75) < 0.02
    np.testing.assert_allclose(y.data[kept], 1 / 0.75, rtol=1e-6)
    y.sum().backward()
    np.testing.assert_allclose(x.grad, kept / 0.75, rtol=1e-6)
    rows = nr.dropout(np.ones((4, 50), dtype=np.float32), 0.5, noise_shape=(4, 1), seed=1).data
    assert all(len(set(r)) == 1 for r in rows)
    err = gradient_check(lambda t: nr.dropout(t, 0.3, seed=2), [np.random.default_rng(0).normal(size=(4, 5))])
    assert err < 1e-6
    with pytest.raises(ValueError, match="rate"):
        nr.dropout(np.ones(3, dtype=np.float32), 1.0)


def test_shuffle_permutes_along_an_axis_and_is_differentiable():
    x = np.arange(20, dtype=np.float32).reshape(5, 4)
    s = nr.shuffle(x, seed=0).data
    assert sorted(map(tuple, s)) == sorted(map(tuple, x)) and not np.array_equal(s, x)
    c = nr.shuffle(x, axis=1, seed=0).data
    np.testing.assert_array_equal(np.sort(c, axis=1), x)
    err = gradient_check(lambda t: nr.shuffle(t, axis=0, seed=4), [np.random.default_rng(1).normal(size=(6, 3))])
    assert err < 1e-6
    with pytest.raises(ValueError, match="axis"):
        nr.shuffle(x, axis=2)


def test_categorical_follows_the_probabilities():
    logits = np.log([[0.25, 0.75], [1.0, 1e-9]])
    s = nr.categorical(logits, 20000, seed=0).data
    assert s.shape == (2, 20000) and s.dtype == np.int32
    assert abs(s[0].mean() - 0.75) < 0.02 and (s[1] == 0).all()
    with pytest.raises(ValueError, match="2-D"):
        nr.categorical(np.zeros(3), 2)


def test_gamma_beta_binomial_means():
    g = nr.gamma((20000,), alpha=3.0, seed=0).data
    assert g.dtype == np.float32 and abs(g.mean() - 3.0) < 0.1
    b = nr.beta((20000,), alpha=2.0, beta=6.0, seed=0).data
    assert b.min() >= 0 and b.max() <= 1 and abs(b.mean() - 0.25) < 0.01
    n = nr.binomial((20000,), counts=10, probabilities=0.3, seed=0).data
    assert n.dtype == np.float32 and abs(n.mean() - 3.0) < 0.05 and np.all(n == np.round(n))
    with pytest.raises(ValueError, match="alpha"):
        nr.gamma((2,), alpha=0.0)
    with pytest.raises(ValueError, match="probabilities"):
        nr.binomial((2,), 5, 1.5)

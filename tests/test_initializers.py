"""numnet.initializers: variances match each scheme's formula, seeding, dtypes, lookup, configs."""
import numpy as np
import pytest

from numnet import initializers
from numnet.utils import set_random_seed

DENSE = (400, 600)          # fan_in 400, fan_out 600
CONV = (3, 3, 32, 64)       # fan_in 288, fan_out 576
FANS = {DENSE: (400, 600), CONV: (288, 576)}

# name -> (variance as a function of (fan_in, fan_out), distribution, scale for uniform limit)
SCHEMES = {
    "glorot_uniform": (lambda i, o: 2.0 / (i + o), "uniform"),
    "glorot_normal": (lambda i, o: 2.0 / (i + o), "normal"),
    "he_uniform": (lambda i, o: 2.0 / i, "uniform"),
    "he_normal": (lambda i, o: 2.0 / i, "normal"),
    "lecun_uniform": (lambda i, o: 1.0 / i, "uniform"),
    "lecun_normal": (lambda i, o: 1.0 / i, "normal"),
}


def _var_tolerance(n):
    # the relative standard error of a sample variance is about sqrt(2 / n) (bounded kurtosis here)
    return 6 * np.sqrt(2.0 / n)


@pytest.mark.parametrize("shape", [DENSE, CONV])
@pytest.mark.parametrize("name", sorted(SCHEMES))
def test_variance_matches_formula(name, shape):
    formula, dist = SCHEMES[name]
    fan_in, fan_out = FANS[shape]
    expected = formula(fan_in, fan_out)
    w = initializers.get(name)(shape)
    assert w.shape == shape and w.dtype == np.float32
    assert abs(w.var() / expected - 1) < _var_tolerance(w.size)
    assert abs(w.mean()) < 6 * np.sqrt(expected / w.size)
    if dist == "uniform":
        limit = np.sqrt(3 * expected)
        assert np.abs(w).max() <= limit and np.abs(w).max() > 0.99 * limit
    else:  # truncated at two standard deviations of the pre-truncation normal
        bound = 2 * np.sqrt(expected) / 0.87962566103423978
        assert np.abs(w).max() <= bound * (1 + 1e-6) and np.abs(w).max() > 0.95 * bound


def test_compute_fans():
    assert initializers.compute_fans(DENSE) == (400, 600)
    assert initializers.compute_fans(CONV) == (288, 576)
    assert initializers.compute_fans((5, 16, 8)) == (80, 40)
    assert initializers.compute_fans((7,)) == (7, 7)
    assert initializers.compute_fans(()) == (1, 1)


@pytest.mark.parametrize("mode,fan", [("fan_in", 288), ("fan_out", 576), ("fan_avg", 432)])
@pytest.mark.parametrize("dist", ["truncated_normal", "untruncated_normal", "uniform"])
def test_variance_scaling(mode, fan, dist):
    w = initializers.VarianceScaling(scale=3.0, mode=mode, distribution=dist, seed=5)(CONV)
    assert abs(w.var() / (3.0 / fan) - 1) < _var_tolerance(w.size)


def test_simple_random_initializers():
    n = (300, 400)
    w = initializers.RandomNormal(mean=1.0, stddev=0.5, seed=1)(n)
    assert abs(w.mean() - 1.0) < 0.01 and abs(w.std() - 0.5) < 0.01
    w = initializers.RandomUniform(minval=-1.0, maxval=3.0, seed=1)(n)
    assert w.min() >= -1.0 and w.max() < 3.0 and abs(w.var() - 16 / 12) < 0.02
    w = initializers.TruncatedNormal(mean=0.0, stddev=2.0, seed=1)(n)
    assert np.abs(w).max() <= 4.0 and abs(w.std() - 2.0 * 0.8796) < 0.02
    w = initializers.get("uniform")(n)
    assert w.min() >= -0.05 and w.max() < 0.05


@pytest.mark.parametrize("shape", [(6, 4), (4, 6), (3, 3, 2, 5)])
def test_orthogonal(shape):
    w = initializers.Orthogonal(gain=2.0, seed=3)(shape).astype(np.float64)
    m = w.reshape(-1, shape[-1])
    gram = m.T @ m if m.shape[0] >= m.shape[1] else m @ m.T
    np.testing.assert_allclose(gram, 4.0 * np.eye(gram.shape[0]), atol=1e-5)
    with pytest.raises(ValueError, match="at least 2-D"):
        initializers.Orthogonal()((5,))


def test_constant_initializers():
    assert (initializers.Zeros()((2, 3)) == 0).all()
    assert (initializers.get("ones")((4,)) == 1).all()
    c = initializers.Constant(2.5)((2, 2))
    assert c.dtype == np.float32 and (c == 2.5).all()
    np.testing.assert_array_equal(initializers.Identity(gain=3.0)((2, 3)), 3 * np.eye(2, 3))
    with pytest.raises(ValueError, match="2-D"):
        initializers.Identity()((2, 2, 2))


def test_dtypes():
    for name in ["glorot_uniform", "he_normal", "orthogonal", "zeros", "ones", "identity", "truncated_normal"]:
        init = initializers.get(name)
        assert init((4, 4)).dtype == np.float32
        assert init((4, 4), dtype="float64").dtype == np.float64


def test_seeded_initializers_are_reproducible():
    for cls in [initializers.GlorotUniform, initializers.HeNormal, initializers.LecunNormal,
                initializers.RandomNormal, initializers.Orthogonal]:
        a, b = cls(seed=7)((5, 6)), cls(seed=7)((5, 6))
        np.testing.assert_array_equal(a, b)
        assert not np.array_equal(a, cls(seed=8)((5, 6)))
        np.testing.assert_array_equal(a, cls(seed=7)((5, 6)))  # calling again repeats, as Keras


def test_unseeded_follow_global_seed():
    init = initializers.GlorotUniform()
    set_random_seed(11)
    a1, a2 = init((5, 6)), init((5, 6))
    set_random_seed(11)
    b1, b2 = init((5, 6)), init((5, 6))
    np.testing.assert_array_equal(a1, b1)
    np.testing.assert_array_equal(a2, b2)
    assert not np.array_equal(a1, a2)


def test_string_aliases():
    expected = {
        "glorot_uniform": initializers.GlorotUniform, "glorot_normal": initializers.GlorotNormal,
        "he_uniform": initializers.HeUniform, "he_normal": initializers.HeNormal,
        "lecun_uniform": initializers.LecunUniform, "lecun_normal": initializers.LecunNormal,
        "zeros": initializers.Zeros, "zero": initializers.Zeros, "ones": initializers.Ones,
        "one": initializers.Ones, "constant": initializers.Constant, "uniform": initializers.RandomUniform,
        "normal": initializers.RandomNormal, "random_normal": initializers.RandomNormal,
        "random_uniform": initializers.RandomUniform, "truncated_normal": initializers.TruncatedNormal,
        "orthogonal": initializers.Orthogonal, "Orthogonal": initializers.Orthogonal,
        "identity": initializers.Identity, "variance_scaling": initializers.VarianceScaling,
        "GlorotUniform": initializers.GlorotUniform,
    }
    for name, cls in expected.items():
        assert type(initializers.get(name)) is cls, name


def test_get_errors_and_passthrough():
    assert initializers.get(None) is None
    fn = lambda shape, dtype=None: np.zeros(shape)  # noqa: E731
    assert initializers.get(fn) is fn
    assert isinstance(initializers.get(initializers.HeNormal), initializers.HeNormal)
    with pytest.raises(ValueError) as err:
        initializers.get("glorot_unifrom")
    assert "glorot_unifrom" in str(err.value) and "glorot_uniform" in str(err.value) and "he_normal" in str(err.value)
    with pytest.raises(ValueError):
        initializers.get(42)
    with pytest.raises(ValueError, match="mode"):
        initializers.VarianceScaling(mode="fan_sideways")
    with pytest.raises(ValueError, match="scale"):
        initializers.VarianceScaling(scale=-1.0)
    with pytest.raises(ValueError, match="seed"):
        initializers.GlorotUniform(seed="abc")


def test_config_round_trip():
    objs = [initializers.GlorotUniform(seed=1), initializers.HeNormal(), initializers.Constant(3.0),
            initializers.RandomNormal(0.5, 2.0, seed=3), initializers.RandomUniform(-2, 2),
            initializers.TruncatedNormal(stddev=0.1), initializers.Orthogonal(gain=0.5, seed=2),
            initializers.Identity(2.0), initializers.Zeros(),
            initializers.VarianceScaling(2.0, "fan_out", "uniform", seed=9)]
    for obj in objs:
        config = initializers.serialize(obj)
        clone = initializers.deserialize(config)
        assert type(clone) is type(obj) and clone.get_config() == obj.get_config()
        if getattr(obj, "seed", None) is not None or type(obj).__name__ in ("Constant", "Identity", "Zeros"):
            np.testing.assert_array_equal(clone((3, 4)), obj((3, 4)))
    assert initializers.serialize(initializers.GlorotUniform(seed=1)) == {
        "class_name": "GlorotUniform", "config": {"seed": 1}}

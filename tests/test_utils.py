"""numnet.utils data helpers: to_categorical, normalize, PyDataset (and the package's exports)."""
import math

import numpy as np
import pytest

import numnet
from numnet import utils
from numnet.utils import PyDataset, normalize, to_categorical


def test_exports():
    for name in ("gradient_check", "set_random_seed", "clear_session", "to_categorical", "normalize", "PyDataset"):
        assert name in utils.__all__ and hasattr(utils, name)
    assert utils.gradient_check is numnet.autograd.gradcheck.gradient_check
    with pytest.raises(AttributeError, match="no_such_helper"):
        utils.no_such_helper


def test_clear_session_restarts_automatic_names():
    utils.clear_session()
    assert numnet.layers.Dense(1).name == "dense"
    assert numnet.layers.Dense(1).name == "dense_1"
    utils.clear_session()
    assert numnet.layers.Dense(1).name == "dense"


# ----------------------------------------------------------------------------- to_categorical

def test_to_categorical_matches_eye_reference():
    labels = np.array([3, 0, 9, 4, 4, 1])
    out = to_categorical(labels, num_classes=10)
    assert out.dtype == np.float32 and out.shape == (6, 10)
    np.testing.assert_array_equal(out, np.eye(10, dtype=np.float32)[labels])


def test_to_categorical_infers_num_classes_as_max_plus_one():
    out = to_categorical([0, 2, 1, 2])
    assert out.shape == (4, 3)
    np.testing.assert_array_equal(out.argmax(-1), [0, 2, 1, 2])
    assert to_categorical([5]).shape == (1, 6)


def test_to_categorical_trailing_dim_of_one_is_dropped():
    column = np.array([[1], [0], [2]], dtype=np.uint8)
    np.testing.assert_array_equal(to_categorical(column), to_categorical(column.ravel()))
    assert to_categorical(column).shape == (3, 3)


def test_to_categorical_higher_rank_and_scalar():
    labels = np.random.default_rng(0).integers(0, 4, size=(2, 3, 5))
    out = to_categorical(labels, num_classes=4)
    assert out.shape == (2, 3, 5, 4)
    np.testing.assert_array_equal(out, np.eye(4, dtype=np.float32)[labels])
    np.testing.assert_array_equal(to_categorical(2, num_classes=3), [0.0, 0.0, 1.0])
    assert to_categorical(np.array([1]), 2).shape == (1, 2)  # a (1,) vector keeps its axis


def test_to_categorical_accepts_whole_floats_bools_and_tensors():
    np.testing.assert_array_equal(to_categorical(np.array([True, False])), [[0, 1], [1, 0]])
    np.testing.assert_array_equal(to_categorical([1.0, 0.0]), [[0, 1], [1, 0]])
    np.testing.assert_array_equal(to_categorical(numnet.Tensor(np.array([2.0, 0.0], np.float32)), 3),
                                  [[0, 0, 1], [1, 0, 0]])


def test_to_categorical_negative_labels_named():
    with pytest.raises(ValueError, match=r"labels must be >= 0, got -3, -1"):
        to_categorical([0, -1, 2, -3], num_classes=4)


def test_to_categorical_labels_too_large_named():
    with pytest.raises(ValueError, match=r"labels must be < num_classes=3, got 3, 7"):
        to_categorical([0, 7, 3, 1], num_classes=3)


@pytest.mark.parametrize("num_classes", [0, -2, 2.5, True, "3"])
def test_to_categorical_bad_num_classes(num_classes):
    with pytest.raises(ValueError, match="num_classes must be a positive integer"):
        to_categorical([0, 1], num_classes=num_classes)


def test_to_categorical_bad_labels():
    with pytest.raises(ValueError, match=r"whole numbers, got 0.5"):
        to_categorical([0.5, 1.0])
    with pytest.raises(ValueError, match="whole numbers"):
        to_categorical([np.nan])
    with pytest.raises(TypeError, match="integer class labels"):
        to_categorical(["a", "b"])
    with pytest.raises(ValueError, match="empty"):
        to_categorical([])
    assert to_categorical([], num_classes=3).shape == (0, 3)


# ----------------------------------------------------------------------------- normalize

def reference_normalize(x, axis, order):
    x = np.asarray(x, dtype=np.float64)
    norm = np.linalg.norm(x, ord=order, axis=axis, keepdims=True)
    return x / np.where(norm == 0, 1, norm)


@pytest.mark.parametrize("axis", [-1, 0, 1, 2])
@pytest.mark.parametrize("order", [2, 1, np.inf])
def test_normalize_matches_reference(axis, order):
    x = np.random.default_rng(1).normal(size=(3, 4, 5)).astype(np.float32)
    out = normalize(x, axis=axis, order=order)
    assert out.dtype == np.float32 and out.shape == x.shape
    np.testing.assert_allclose(out, reference_normalize(x, axis, order), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(np.linalg.norm(out.astype(np.float64), ord=order, axis=axis), 1.0, rtol=1e-6)


def test_normalize_default_is_l2_over_last_axis():
    out = normalize(np.array([[3.0, 4.0], [0.0, 2.0]], np.float32))
    np.testing.assert_allclose(out, [[0.6, 0.8], [0.0, 1.0]], rtol=1e-7)


def test_normalize_dtypes_and_zero_rows():
    x = np.array([[0, 0, 0], [1, 2, 2]])
    out = normalize(x)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, [[0, 0, 0], [1 / 3, 2 / 3, 2 / 3]], rtol=1e-6)
    assert normalize(x.astype(np.float64)).dtype == np.float64
    assert normalize([[1.0, 1.0]]).shape == (1, 2)
    original = np.array([[3.0, 4.0]], np.float32)
    normalize(original)
    np.testing.assert_array_equal(original, [[3.0, 4.0]])  # a copy, input untouched


def test_normalize_bad_input():
    with pytest.raises(ValueError, match=r"axis 2 is out of range for an input of shape \(2, 2\)"):
        normalize(np.ones((2, 2)), axis=2)
    with pytest.raises(TypeError, match="numeric"):
        normalize(np.array(["a"]))


# ----------------------------------------------------------------------------- PyDataset

class Batches(PyDataset):
    def __init__(self, x, y, batch_size, **kwargs):
        super().__init__(**kwargs)
        self.x, self.y, self.batch_size = x, y, batch_size
        self.epochs_ended = 0

    def __len__(self):
        return math.ceil(len(self.x) / self.batch_size)

    def __getitem__(self, index):
        if not 0 <= index < len(self):
            raise IndexError(index)
        part = slice(index * self.batch_size, (index + 1) * self.batch_size)
        return self.x[part], self.y[part]

    def on_epoch_end(self):
        self.epochs_ended += 1


def test_py_dataset_len_getitem_and_iteration():
    x, y = np.arange(20).reshape(10, 2), np.arange(10)
    data = Batches(x, y, batch_size=4)
    assert len(data) == 3 and data.num_batches == 3
    assert [len(b[0]) for b in data] == [4, 4, 2]
    np.testing.assert_array_equal(np.concatenate([b[1] for b in data]), y)
    np.testing.assert_array_equal(data[1][0], x[4:8])
    data.on_epoch_end()
    data.on_epoch_begin()
    assert data.epochs_ended == 1


def test_py_dataset_constructor_arguments():
    data = Batches(np.zeros(4), np.zeros(4), 2, workers=3, use_multiprocessing=True, max_queue_size=5)
    assert (data.workers, data.use_multiprocessing, data.max_queue_size) == (3, True, 5)
    default = Batches(np.zeros(4), np.zeros(4), 2)
    assert (default.workers, default.use_multiprocessing, default.max_queue_size) == (1, False, 10)
    with pytest.raises(TypeError, match="unexpected keyword"):
        Batches(np.zeros(4), np.zeros(4), 2, wokers=2)
    with pytest.raises(ValueError, match="workers must be a positive integer, got 0"):
        Batches(np.zeros(4), np.zeros(4), 2, workers=0)
    with pytest.raises(ValueError, match="max_queue_size"):
        Batches(np.zeros(4), np.zeros(4), 2, max_queue_size=-1)
    with pytest.raises(TypeError, match="use_multiprocessing must be a bool"):
        Batches(np.zeros(4), np.zeros(4), 2, use_multiprocessing="yes")
    data.workers = 2
    assert data.workers == 2


def test_py_dataset_without_super_init_gets_defaults():
    class NoInit(PyDataset):
        def __len__(self):
            return 1

        def __getitem__(self, index):
            return np.zeros(1)

    data = NoInit()
    assert (data.workers, data.use_multiprocessing, data.max_queue_size) == (1, False, 10)


def test_py_dataset_contract_errors_and_endless():
    with pytest.raises(NotImplementedError, match="__getitem__"):
        PyDataset()[0]
    with pytest.raises(NotImplementedError, match="__len__"):
        PyDataset().num_batches

    class Endless(PyDataset):
        num_batches = None

        def __getitem__(self, index):
            return index

    batches = iter(Endless())
    assert [next(batches) for _ in range(5)] == [0, 1, 2, 3, 4]

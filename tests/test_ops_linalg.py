"""matmul, dot, tensordot, outer, einsum: values vs NumPy, gradients, errors."""
import numpy as np
import pytest

from numnet import Tensor, ops
from numnet.utils import gradient_check

TOL = 1e-6


def rand(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def check(fn, ref, shapes):
    arrays = [rand(*s, seed=i) for i, s in enumerate(shapes)]
    out = fn(*[Tensor(a) for a in arrays])
    np.testing.assert_allclose(out.data, ref(*arrays), rtol=1e-12, atol=1e-12)
    assert gradient_check(fn, arrays) < TOL


@pytest.mark.parametrize("sa,sb", [
    ((3, 4), (4, 5)), ((4,), (4, 5)), ((3, 4), (4,)), ((4,), (4,)),
    ((2, 3, 4), (4, 5)), ((2, 1, 3, 4), (5, 4, 2)), ((3, 4), (2, 4, 5)),
])
def test_matmul(sa, sb):
    check(ops.matmul, np.matmul, [sa, sb])
    check(lambda a, b: a @ b, np.matmul, [sa, sb])


@pytest.mark.parametrize("sa,sb", [
    ((), (3, 4)), ((3,), (3,)), ((3, 4), (4,)), ((2, 3), (3, 4)),
    ((2, 3, 4), (4,)), ((2, 3, 4), (5, 4, 6)), ((4,), (2, 4, 3)),
])
def test_dot(sa, sb):
    check(ops.dot, np.dot, [sa, sb])


@pytest.mark.parametrize("sa,sb,axes", [
    ((2, 3, 4), (3, 4, 5), 2), ((2, 3), (3, 4), 1), ((2, 3), (4, 5), 0),
    ((2, 3, 4), (4, 2, 5), ([0, 2], [1, 0])), ((3, 4, 2), (2, 3), ([2, 0], [0, 1])),
    ((3, 4), (4, 3), ([-1], [0])),
])
def test_tensordot(sa, sb, axes):
    check(lambda a, b: ops.tensordot(a, b, axes=axes), lambda a, b: np.tensordot(a, b, axes=axes), [sa, sb])


def test_outer():
    check(ops.outer, np.outer, [(3,), (2, 2)])


EINSUM = [
    ("ij,jk->ik", [(3, 4), (4, 5)]),
    ("ij,jk", [(3, 4), (4, 5)]),
    ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]),
    ("bhqd,bhkd->bhqk", [(2, 2, 3, 4), (2, 2, 5, 4)]),
    ("ij->ji", [(3, 4)]),
    ("ij->j", [(3, 4)]),
    ("ij->", [(3, 4)]),
    ("ii->i", [(4, 4)]),
    ("ii", [(4, 4)]),
    ("iij->ij", [(3, 3, 2)]),
    ("i,i->", [(5,), (5,)]),
    ("i,j->ij", [(3,), (4,)]),
    ("ij,ij->ij", [(3, 1), (3, 4)]),
    ("ijk,k->ij", [(2, 3, 4), (4,)]),
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 5)]),
    ("ij,jk,k->i", [(2, 3), (3, 4), (4,)]),
    ("ij,kl->", [(2, 3), (4, 5)]),
    ("...ij,...jk->...ik", [(2, 3, 4), (2, 4, 5)]),
    ("...ij,...jk->...ik", [(1, 3, 4), (5, 4, 2)]),
    ("...ij,jk", [(2, 2, 3, 4), (4, 5)]),
    ("i...->...", [(3, 2, 4)]),
    ("ii,ij->j", [(3, 3), (3, 4)]),
]


@pytest.mark.parametrize("spec,shapes", EINSUM, ids=[e[0] + str(len(e[1])) for e in EINSUM])
def test_einsum(spec, shapes):
    check(lambda *xs: ops.einsum(spec, *xs), lambda *xs: np.einsum(spec, *xs), shapes)


def test_einsum_float32():
    a = Tensor(rand(3, 4).astype(np.float32), requires_grad=True)
    b = Tensor(rand(4, 5).astype(np.float32), requires_grad=True)
    out = ops.einsum("ij,jk->ik", a, b)
    assert out.dtype == np.float32
    out.sum().backward()
    assert a.grad.dtype == np.float32 and b.grad.dtype == np.float32


def test_float32_products_stay_float32():
    a = Tensor(rand(2, 3, 4).astype(np.float32), requires_grad=True)
    b = Tensor(rand(4, 3).astype(np.float32), requires_grad=True)
    for out in (ops.dot(a, b), ops.tensordot(a, b, axes=1), a @ b):
        assert out.dtype == np.float32
        a.zero_grad()
        b.zero_grad()
        out.sum().backward()
        assert a.grad.dtype == np.float32 and b.grad.dtype == np.float32


def test_errors_name_op_and_shapes():
    with pytest.raises(ValueError, match=r"matmul: .*\(3, 4\) and \(5, 6\)"):
        ops.matmul(np.zeros((3, 4)), np.zeros((5, 6)))
    with pytest.raises(ValueError, match=r"matmul: .*\(2, 3, 4\) and \(5, 4, 2\)"):
        ops.matmul(np.zeros((2, 3, 4)), np.zeros((5, 4, 2)))
    with pytest.raises(ValueError, match=r"matmul: .*\(2, 3, 4\) and \(3, 4, 2\)"):
        Tensor(np.zeros((2, 3, 4))) @ np.zeros((3, 4, 2))
    with pytest.raises(ValueError, match=r"dot: shapes \(3, 4\) and \(3,\) are not aligned"):
        ops.dot(np.zeros((3, 4)), np.zeros(3))
    with pytest.raises(ValueError, match=r"tensordot: shapes \(2, 3\) and \(4, 5\) are not aligned"):
        ops.tensordot(np.zeros((2, 3)), np.zeros((4, 5)), axes=1)
    with pytest.raises(ValueError, match=r"einsum: operand 1 has shape \(4,\)"):
        ops.einsum("ij,jk->ik", np.zeros((3, 4)), np.zeros(4))
    with pytest.raises(ValueError, match=r"einsum: cannot apply 'ij,jk->ik' to shapes \(3, 4\), \(5, 6\)"):
        ops.einsum("ij,jk->ik", np.zeros((3, 4)), np.zeros((5, 6)))
    with pytest.raises(ValueError, match=r"einsum: subscripts 'ij,jk' name 2 operands but 1"):
        ops.einsum("ij,jk", np.zeros((3, 4)))
    with pytest.raises(ValueError, match=r"einsum: output subscripts"):
        ops.einsum("ij->iz", np.zeros((3, 4)))
    with pytest.raises(TypeError, match="numeric"):
        ops.matmul(np.array([["a"]]), np.zeros((1, 1)))

"""numnet vs PyTorch as the oracle where the definitions coincide: convolution and pooling
(forward and gradients, through NHWC <-> NCHW transposes), the engine's basic ops, and
optimizer steps (SGD with momentum/Nesterov, Adam, AdamW, Adagrad, RMSprop).

Skipped where torch is not installed.
"""
import numpy as np
import pytest

torch = pytest.importorskip("torch")
F = torch.nn.functional

import numnet  # noqa: E402
from numnet import layers as nl  # noqa: E402

torch.set_default_dtype(torch.float32)


def _randn(*shape, seed=0, scale=1.0):
    return (np.random.default_rng(seed).standard_normal(shape) * scale).astype(np.float32)


def _close(actual, expected, atol=1e-5, rtol=1e-5, what=""):
    actual = np.asarray(getattr(actual, "data", actual))
    expected = expected.detach().numpy() if isinstance(expected, torch.Tensor) else np.asarray(expected)
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape} vs torch {expected.shape}"
    np.testing.assert_allclose(actual, expected, atol=atol, rtol=rtol, err_msg=what)


def _nchw(a):
    return np.ascontiguousarray(np.transpose(a, (0, 3, 1, 2)))


def _nhwc(t):
    return t.detach().numpy().transpose(0, 2, 3, 1)


def _backward_both(n_out, t_out, upstream_nhwc, to_torch=_nchw):
    (n_out * numnet.Tensor(upstream_nhwc)).sum().backward()
    (t_out * torch.from_numpy(to_torch(upstream_nhwc))).sum().backward()


# ----------------------------------------------------------------------------- convolution
CONV = [
    dict(kernel=3, stride=1, padding=0, dilation=1, groups=1),
    dict(kernel=3, stride=2, padding=0, dilation=1, groups=1),
    dict(kernel=(3, 2), stride=(2, 1), padding=0, dilation=1, groups=1),
    dict(kernel=3, stride=1, padding="same", dilation=1, groups=1),
    dict(kernel=3, stride=1, padding="same", dilation=2, groups=1),
    dict(kernel=2, stride=1, padding=0, dilation=(2, 3), groups=1),
    dict(kernel=3, stride=1, padding=0, dilation=1, groups=2),
]


@pytest.mark.parametrize("cfg", CONV, ids=[str(c) for c in CONV])
def test_conv2d_forward_and_grads(cfg):
    x = _randn(2, 9, 8, 4, seed=1)
    layer = nl.Conv2D(6, cfg["kernel"], strides=cfg["stride"], dilation_rate=cfg["dilation"], groups=cfg["groups"],
                      padding="same" if cfg["padding"] == "same" else "valid")
    layer(x)
    kernel, bias = _randn(*layer.kernel.shape, seed=2), _randn(6, seed=3)
    layer.set_weights([kernel, bias])

    tx = torch.from_numpy(_nchw(x)).requires_grad_(True)
    tw = torch.from_numpy(np.ascontiguousarray(kernel.transpose(3, 2, 0, 1))).requires_grad_(True)
    tb = torch.from_numpy(bias).requires_grad_(True)
    t_out = F.conv2d(tx, tw, tb, stride=cfg["stride"], padding=cfg["padding"], dilation=cfg["dilation"],
                     groups=cfg["groups"])
    nx = numnet.Tensor(x, requires_grad=True)
    n_out = layer(nx)
    _close(n_out, _nhwc(t_out), atol=1e-4, what="conv2d forward")
    _backward_both(n_out, t_out, _randn(*n_out.shape, seed=4))
    _close(nx.grad, _nhwc(tx.grad), atol=1e-4, what="conv2d grad x")
    _close(layer.kernel.grad, tw.grad.numpy().transpose(2, 3, 1, 0), atol=1e-4, what="conv2d grad kernel")
    _close(layer.bias.grad, tb.grad, atol=1e-4, what="conv2d grad bias")


@pytest.mark.parametrize("stride,dilation,padding", [(1, 1, 0), (2, 1, 0), (1, 2, "same"), (1, 1, "same")])
def test_conv1d_forward_and_grads(stride, dilation, padding):
    x = _randn(3, 11, 4, seed=5)
    kernel = _randn(3, 4, 5, seed=6)
    nx, nk = numnet.Tensor(x, requires_grad=True), numnet.Tensor(kernel, requires_grad=True)
    n_out = numnet.ops.conv(nx, nk, strides=stride, dilation_rate=dilation,
                            padding="same" if padding == "same" else "valid")
    tx = torch.from_numpy(np.ascontiguousarray(x.transpose(0, 2, 1))).requires_grad_(True)
    tk = torch.from_numpy(np.ascontiguousarray(kernel.transpose(2, 1, 0))).requires_grad_(True)
    t_out = F.conv1d(tx, tk, stride=stride, dilation=dilation, padding=padding)
    _close(n_out, t_out.detach().numpy().transpose(0, 2, 1), atol=1e-4, what="conv1d forward")
    up = _randn(*n_out.shape, seed=7)
    (n_out * numnet.Tensor(up)).sum().backward()
    (t_out * torch.from_numpy(np.ascontiguousarray(up.transpose(0, 2, 1)))).sum().backward()
    _close(nx.grad, tx.grad.numpy().transpose(0, 2, 1), atol=1e-4, what="conv1d grad x")
    _close(nk.grad, tk.grad.numpy().transpose(2, 1, 0), atol=1e-4, what="conv1d grad kernel")


# ----------------------------------------------------------------------------- pooling
@pytest.mark.parametrize("kind", ["max", "avg"])
@pytest.mark.parametrize("pool,stride", [(2, 2), (3, 2), (3, 1), ((2, 3), (1, 2))])
def test_pool2d_valid_forward_and_grad(kind, pool, stride):
    x = _randn(2, 7, 8, 3, seed=8)
    x[0, 0, 0, 0] = x[0, 0, 1, 0]  # a tie inside a max window
    nx = numnet.Tensor(x, requires_grad=True)
    op = numnet.ops.max_pool if kind == "max" else numnet.ops.average_pool
    n_out = op(nx, pool, strides=stride, padding="valid")
    tx = torch.from_numpy(_nchw(x)).requires_grad_(True)
    t_out = (F.max_pool2d if kind == "max" else F.avg_pool2d)(tx, pool, stride)
    _close(n_out, _nhwc(t_out), what=f"{kind}_pool forward")
    _backward_both(n_out, t_out, _randn(*n_out.shape, seed=9))
    # numnet and torch both route a max's gradient to one element; with the tie they may pick
    # different ones, so compare the sum over each window's inputs plus every untied element
    if kind == "max":
        tied = np.zeros(x.shape, bool)
        tied[0, 0, :2, 0] = True
        _close(nx.grad[~tied], _nhwc(tx.grad)[~tied], what="max_pool grad (untied)")
        _close(nx.grad[tied].sum(), _nhwc(tx.grad)[tied].sum(), what="max_pool grad (tie)")
    else:
        _close(nx.grad, _nhwc(tx.grad), what="avg_pool grad")


@pytest.mark.parametrize("pool,size", [(3, 7), (2, 8), (5, 9)])
def test_pool2d_same_stride1_matches_torch_symmetric_padding(pool, size):
    """With stride 1 and an odd window, 'same' padding is symmetric: torch can express it
    (count_include_pad=False matches Keras's average over the real elements)."""
    if pool % 2 == 0:
        pytest.skip("an even window pads asymmetrically, which torch's pooling cannot express")
    x = _randn(2, size, size, 3, seed=10)
    pad = pool // 2
    for kind in ("max", "avg"):
        nx = numnet.Tensor(x, requires_grad=True)
        op = numnet.ops.max_pool if kind == "max" else numnet.ops.average_pool
        n_out = op(nx, pool, strides=1, padding="same")
        tx = torch.from_numpy(_nchw(x)).requires_grad_(True)
        if kind == "max":
            t_out = F.max_pool2d(tx, pool, 1, padding=pad)
        else:
            t_out = F.avg_pool2d(tx, pool, 1, padding=pad, count_include_pad=False)
        _close(n_out, _nhwc(t_out), what=f"{kind} same forward")
        _backward_both(n_out, t_out, _randn(*n_out.shape, seed=11))
        _close(nx.grad, _nhwc(tx.grad), what=f"{kind} same grad")


# ----------------------------------------------------------------------------- engine ops
def test_mlp_cross_entropy_forward_backward():
    x = _randn(8, 5, seed=12)
    w1, b1, w2, b2 = _randn(5, 7, seed=13), _randn(7, seed=14), _randn(7, 3, seed=15), _randn(3, seed=16)
    labels = np.random.default_rng(17).integers(0, 3, 8)
    n = [numnet.Tensor(a, requires_grad=True) for a in (w1, b1, w2, b2)]
    t = [torch.from_numpy(a).requires_grad_(True) for a in (w1, b1, w2, b2)]
    h = numnet.ops.relu(numnet.ops.matmul(x, n[0]) + n[1])
    logits = numnet.ops.matmul(h, n[2]) + n[3]
    loss = numnet.ops.mean(numnet.ops.sparse_categorical_crossentropy(labels, logits, from_logits=True))
    loss.backward()
    th = torch.relu(torch.from_numpy(x) @ t[0] + t[1])
    tloss = F.cross_entropy(th @ t[2] + t[3], torch.from_numpy(labels))
    tloss.backward()
    _close(loss, tloss, what="loss")
    for a, b, name in zip(n, t, ["w1", "b1", "w2", "b2"]):
        _close(a.grad, b.grad, what=f"grad {name}")


@pytest.mark.parametrize("name,tfn", [
    ("log_softmax", lambda v: torch.log_softmax(v, -1)), ("softmax", lambda v: torch.softmax(v, -1)),
    ("sigmoid", torch.sigmoid), ("tanh", torch.tanh), ("softplus", F.softplus), ("elu", F.elu),
    ("selu", F.selu), ("silu", F.silu), ("gelu", lambda v: F.gelu(v, approximate="tanh")),
    ("relu6", F.relu6), ("hard_sigmoid", F.hardsigmoid), ("hard_silu", F.hardswish),
    ("log_sigmoid", F.logsigmoid), ("softsign", F.softsign), ("logsumexp", lambda v: torch.logsumexp(v, -1)),
])
def test_elementwise_ops_and_grads(name, tfn):
    x = _randn(4, 6, seed=18, scale=3.0)
    nx = numnet.Tensor(x, requires_grad=True)
    kwargs = {"axis": -1} if name == "logsumexp" else {}
    n_out = getattr(numnet.ops, name)(nx, **kwargs)
    tx = torch.from_numpy(x).requires_grad_(True)
    t_out = tfn(tx)
    _close(n_out, t_out, what=name)
    up = _randn(*t_out.shape, seed=19)
    (n_out * numnet.Tensor(up)).sum().backward()
    (t_out * torch.from_numpy(up)).sum().backward()
    _close(nx.grad, tx.grad, atol=1e-5, rtol=1e-4, what=f"grad {name}")


def test_binary_crossentropy_with_logits():
    z = _randn(6, 3, seed=20, scale=4.0)
    y = (np.random.default_rng(21).random((6, 3)) > 0.5).astype(np.float32)
    nz = numnet.Tensor(z, requires_grad=True)
    loss = numnet.ops.mean(numnet.ops.binary_crossentropy(y, nz, from_logits=True))
    loss.backward()
    tz = torch.from_numpy(z).requires_grad_(True)
    tloss = F.binary_cross_entropy_with_logits(tz, torch.from_numpy(y))
    tloss.backward()
    _close(loss, tloss, what="bce with logits")
    _close(nz.grad, tz.grad, what="grad bce with logits")


# ----------------------------------------------------------------------------- optimizers
OPTIMIZERS = [
    ("SGD", dict(learning_rate=0.1), lambda p: torch.optim.SGD(p, lr=0.1)),
    ("SGD", dict(learning_rate=0.1, momentum=0.9), lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9)),
    ("SGD", dict(learning_rate=0.1, momentum=0.9, nesterov=True),
     lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True)),
    # Keras puts epsilon outside the bias-corrected sqrt(v); with a negligible epsilon the
    # two definitions coincide.
    ("Adam", dict(learning_rate=0.01, epsilon=1e-12), lambda p: torch.optim.Adam(p, lr=0.01, eps=1e-12)),
    ("Adam", dict(learning_rate=0.01, beta_1=0.8, beta_2=0.95, epsilon=1e-12),
     lambda p: torch.optim.Adam(p, lr=0.01, betas=(0.8, 0.95), eps=1e-12)),
    ("Adam", dict(learning_rate=0.01, epsilon=1e-12, amsgrad=True),
     lambda p: torch.optim.Adam(p, lr=0.01, eps=1e-12, amsgrad=True)),
    ("AdamW", dict(learning_rate=0.01, weight_decay=0.1, epsilon=1e-12),
     lambda p: torch.optim.AdamW(p, lr=0.01, weight_decay=0.1, eps=1e-12)),
    ("Adagrad", dict(learning_rate=0.1, initial_accumulator_value=0.1, epsilon=1e-12),
     lambda p: torch.optim.Adagrad(p, lr=0.1, initial_accumulator_value=0.1, eps=1e-12)),
    ("RMSprop", dict(learning_rate=0.01, rho=0.9, epsilon=1e-12),
     lambda p: torch.optim.RMSprop(p, lr=0.01, alpha=0.9, eps=1e-12)),
    ("RMSprop", dict(learning_rate=0.01, rho=0.9, momentum=0.5, epsilon=1e-12),
     lambda p: torch.optim.RMSprop(p, lr=0.01, alpha=0.9, momentum=0.5, eps=1e-12)),
]


@pytest.mark.parametrize("name,kwargs,make_torch", OPTIMIZERS, ids=[f"{n}{k}" for n, k, _ in OPTIMIZERS])
def test_optimizer_steps_match_torch(name, kwargs, make_torch):
    inits = [_randn(3, 4, seed=30), _randn(4, seed=31)]
    nvars = [numnet.Variable(w) for w in inits]
    tparams = [torch.nn.Parameter(torch.from_numpy(w.copy())) for w in inits]
    nopt = getattr(numnet.optimizers, name)(**kwargs)
    topt = make_torch(tparams)
    for step in range(6):
        grads = [_randn(*w.shape, seed=40 + 10 * step + i) for i, w in enumerate(inits)]
        nopt.apply_gradients(zip(grads, nvars))
        for p, g in zip(tparams, grads):
            p.grad = torch.from_numpy(g)
        topt.step()
        for i, (a, b) in enumerate(zip(nvars, tparams)):
            _close(a.data, b, atol=1e-6, rtol=1e-5, what=f"{name}{kwargs} step {step} var {i}")


def test_pytorch_style_step_and_zero_grad():
    w = numnet.Variable(_randn(3, 2, seed=50))
    tw = torch.nn.Parameter(torch.from_numpy(w.data.copy()))
    x = _randn(5, 3, seed=51)
    opt = numnet.optimizers.SGD(learning_rate=0.1, momentum=0.9)
    opt.build([w])
    topt = torch.optim.SGD([tw], lr=0.1, momentum=0.9)
    for _ in range(3):
        opt.zero_grad()
        topt.zero_grad()
        w.requires_grad = True
        numnet.ops.mean(numnet.ops.square(numnet.ops.matmul(x, w))).backward()
        torch.mean(torch.square(torch.from_numpy(x) @ tw)).backward()
        _close(w.grad, tw.grad, what="grad")
        opt.step()
        topt.step()
        _close(w.data, tw, atol=1e-6, what="weights after step()")

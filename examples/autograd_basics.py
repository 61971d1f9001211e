"""The autograd engine on its own: Tensors, backward, no_grad, a custom Function, gradient checks.

numnet's layers and models sit on a small reverse-mode automatic-differentiation engine,
usable directly, much like PyTorch's:

1. Tensors record the operations applied to them; `backward()` fills `.grad`.
2. `no_grad()` turns recording off (inference, manual updates).
3. A new differentiable operation is a `Function` subclass with `forward` and `backward`
   on NumPy arrays; `gradient_check` compares its backward with finite differences.
4. With these pieces, gradient descent fits a line.

    python examples/autograd_basics.py

Environment variables:
    NUMNET_EXAMPLE_EPOCHS   number of gradient-descent steps in part 4, in hundreds (default 2)
"""
import os

import numpy as np

import numnet
from numnet import Function, Tensor, ops
from numnet.utils import gradient_check


class SmoothAbs(Function):
    """sqrt(x^2 + eps^2) - eps: like |x|, but smooth at 0 (a "pseudo-Huber" penalty)."""

    def forward(self, x, eps=0.1):
        self.x, self.root = x, np.sqrt(x * x + eps * eps)
        return self.root - eps

    def backward(self, grad):
        return (grad * self.x / self.root,)    # one gradient per positional input


def smooth_abs(x, eps=0.1):
    """The public function: `Function.apply` runs forward and records the node."""
    return SmoothAbs.apply(x, eps=eps)


def main():
    steps = 100 * int(os.environ.get("NUMNET_EXAMPLE_EPOCHS") or 2)
    numnet.utils.set_random_seed(0)

    # 1. Tensors and backward --------------------------------------------------------------
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True)            # float32 by default
    y = (x * x).sum() + 3 * x.mean()                           # y = sum(x^2) + 3 mean(x)
    y.backward()                                               # dy/dx = 2x + 1
    print("x.grad:", x.grad, x.grad.dtype)
    print(f"gradient of sum(x^2) + 3 mean(x) correct: {np.allclose(x.grad, 2 * x.data + 1)}")

    # Gradients accumulate until cleared, as in PyTorch.
    w = Tensor(np.ones((2, 3), "float32"), requires_grad=True)
    v = Tensor(np.arange(3, dtype="float32"))
    ops.matmul(w, v).sum().backward()
    ops.matmul(w, v).sum().backward()
    print("accumulated w.grad (two backward calls):", w.grad.tolist())
    w.grad = None

    # 2. no_grad: nothing is recorded ----------------------------------------------------------
    with numnet.no_grad():
        z = x * 2
    print(f"inside no_grad, result requires grad: {z.requires_grad}")

    # 3. A custom Function and the gradient check ------------------------------------------------
    t = Tensor([-2.0, 0.0, 0.5], requires_grad=True)
    smooth_abs(t).sum().backward()
    print("smooth_abs grad:", np.round(t.grad, 4))
    inputs = [np.random.default_rng(0).normal(size=(4, 5))]   # gradient checks run in float64
    error = gradient_check(lambda a: smooth_abs(a, eps=0.1), inputs)
    print(f"smooth_abs max relative error: {error:.2e}")
    error_ops = gradient_check(lambda a: ops.tanh(a @ a.T).mean(axis=0), inputs)
    print(f"tanh(a @ a.T) max relative error: {error_ops:.2e}")
    print(f"gradient check passed: {error < 1e-6 and error_ops < 1e-6}")

    # 4. Fit y = 3x + 2 with plain gradient descent and a robust loss -----------------------------
    rng = np.random.default_rng(0)
    xs = rng.uniform(-1, 1, size=(200, 1)).astype("float32")
    ys = 3 * xs + 2 + 0.05 * rng.standard_normal((200, 1)).astype("float32")
    weight = numnet.Variable(np.zeros((1, 1), "float32"), name="weight")
    bias = numnet.Variable(np.zeros((1,), "float32"), name="bias")
    for step in range(steps):
        loss = smooth_abs(xs @ weight + bias - ys).mean()
        loss.backward()
        with numnet.no_grad():
            for p in (weight, bias):
                p.assign(p.data - 0.1 * p.grad)
                p.grad = None
        if step % 50 == 0:
            print(f"step {step:4d} - loss: {float(loss.data):.4f}")
    w_fit, b_fit = float(weight.data[0, 0]), float(bias.data[0])
    print(f"learned w={w_fit:.3f} b={b_fit:.3f} (true 3, 2)")
    print(f"line recovered: {abs(w_fit - 3) < 0.05 and abs(b_fit - 2) < 0.05}")


if __name__ == "__main__":
    main()

"""Where numnet's training time goes: `python bench/profile_training.py [w1|w2] [--samples N]`.

Profiles one `fit` epoch of W1 (MLP) or W2 (CNN) with cProfile after a warm-up epoch and
prints the functions with the most own time, plus the share of the epoch spent inside BLAS
matrix multiplication.

cProfile does not see NumPy's `matmul` (a ufunc) nor the C dispatchers of `dot`/`tensordot`/
`einsum`, so before numnet is imported these NumPy functions are replaced by thin Python
wrappers that cProfile does see (named ``blas_matmul`` etc.); a wrapper's own time is the
time inside BLAS (plus a call's few hundred nanoseconds of overhead). Run with the thread
count pinned, e.g. ``OMP_NUM_THREADS=2 OPENBLAS_NUM_THREADS=2 python bench/profile_training.py``.
"""
from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))

import numpy as np  # noqa: E402

BLAS_WRAPPERS = ("blas_matmul", "blas_dot", "blas_tensordot", "blas_einsum")


def _install_blas_wrappers() -> None:
    """Route np.matmul/dot/tensordot/einsum through Python functions cProfile can time."""
    matmul, dot, tensordot, einsum = np.matmul, np.dot, np.tensordot, np.einsum

    def blas_matmul(*args, **kwargs):
        return matmul(*args, **kwargs)

    def blas_dot(*args, **kwargs):
        return dot(*args, **kwargs)

    def blas_tensordot(*args, **kwargs):  # calls np.dot inside: counted once, here
        return tensordot(*args, **kwargs)

    def blas_einsum(*args, **kwargs):
        return einsum(*args, **kwargs)

    np.matmul, np.dot, np.tensordot, np.einsum = blas_matmul, blas_dot, blas_tensordot, blas_einsum


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("workload", nargs="?", default="w1", choices=["w1", "w2"])
    parser.add_argument("--samples", type=int, default=None)
    parser.add_argument("--top", type=int, default=15)
    args = parser.parse_args()

    _install_blas_wrappers()
    import numnet
    import workloads

    numnet.utils.set_random_seed(0)
    if args.workload == "w1":
        model, (x, y) = workloads.numnet_mlp(512), workloads.mlp_data(args.samples or 60000)
    else:
        model, (x, y) = workloads.numnet_cnn(), workloads.cnn_data(args.samples or 10000)
    model.compile(optimizer=numnet.optimizers.Adam(learning_rate=1e-3), loss="sparse_categorical_crossentropy")
    model.fit(x[:2048], y[:2048], batch_size=128, epochs=1, verbose=0)
    profiler = cProfile.Profile()
    c0, t0 = time.process_time(), time.perf_counter()
    profiler.enable()
    model.fit(x, y, batch_size=128, epochs=1, verbose=0)
    profiler.disable()
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0

    stats = pstats.Stats(profiler)
    total = stats.total_tt
    blas = {name: tt for (_, _, name), (_, _, tt, _, _) in stats.stats.items() if name in BLAS_WRAPPERS}
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(args.top)
    print(out.getvalue())
    detail = ", ".join(f"{k} {v:.2f} s" for k, v in sorted(blas.items(), key=lambda kv: -kv[1]))
    print(f"{args.workload}: one epoch {wall:.2f} s wall (cpu/wall {cpu / max(wall, 1e-9):.2f}); "
          f"profiled total {total:.2f} s, inside BLAS matrix multiplication {sum(blas.values()):.2f} s "
          f"= {100 * sum(blas.values()) / total:.1f}% ({detail})")


if __name__ == "__main__":
    main()

"""Where numnet's training time goes: `python bench/profile_training.py [w1|w2] [--samples N]`.

Profiles one `fit` epoch of W1 (MLP) or W2 (CNN) with cProfile after a warm-up epoch and
prints the functions with the most own time, plus the share spent inside BLAS matrix
multiplication (NumPy's matmul/dot/tensordot/einsum builtins).
"""
from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))

BLAS_NAMES = ("matmul", "dot", "tensordot", "einsum", "vdot", "inner")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("workload", nargs="?", default="w1", choices=["w1", "w2"])
    parser.add_argument("--samples", type=int, default=None)
    parser.add_argument("--top", type=int, default=15)
    args = parser.parse_args()

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
    profiler.enable()
    model.fit(x, y, batch_size=128, epochs=1, verbose=0)
    profiler.disable()

    stats = pstats.Stats(profiler)
    total = stats.total_tt
    blas = sum(tt for (file, _, name), (_, _, tt, _, _) in stats.stats.items()
               if file == "~" and any(f"{b}" in name for b in BLAS_NAMES))
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(args.top)
    print(out.getvalue())
    print(f"{args.workload}: total {total:.2f} s, inside BLAS matrix multiplication {blas:.2f} s "
          f"= {100 * blas / total:.1f}%")


if __name__ == "__main__":
    main()

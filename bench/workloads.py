"""One benchmark workload in one fresh process; prints a JSON line with its timings.

Run by bench/run.py (which pins the thread count in the environment before this process
imports NumPy or PyTorch). Usage:
    python bench/workloads.py --framework numnet|torch --workload w1|w2|w3_mlp|w3_cnn|scale
        [--width 512] [--batch 128] [--samples 60000] [--epochs 3] [--threads 2]
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))


def peak_rss_mb() -> float:
    """Peak resident set size of this process, in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def mlp_data(samples: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    x = rng.random((samples, 784), dtype=np.float32)
    y = rng.integers(0, 10, size=samples).astype(np.int64)
    return x, y


def cnn_data(samples: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    x = rng.random((samples, 28, 28, 1), dtype=np.float32)
    y = rng.integers(0, 10, size=samples).astype(np.int64)
    return x, y


# ----- numnet ------------------------------------------------------------------------------
def numnet_mlp(width: int):
    import numnet
    from numnet import layers

    return numnet.Sequential([
        layers.Input(shape=(784,)),
        layers.Dense(width, activation="relu"),
        layers.Dense(width, activation="relu"),
        layers.Dense(10, activation="softmax"),
    ])


def numnet_cnn():
    import numnet
    from numnet import layers

    return numnet.Sequential([
        layers.Input(shape=(28, 28, 1)),
        layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Conv2D(64, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Flatten(),
        layers.Dropout(0.5),
        layers.Dense(10, activation="softmax"),
    ])


def run_numnet(args) -> dict:
    import numnet

    numnet.utils.set_random_seed(0)
    if args.workload in ("w1", "w3_mlp", "scale"):
        model, (x, y) = numnet_mlp(args.width), mlp_data(args.samples)
    else:
        model, (x, y) = numnet_cnn(), cnn_data(args.samples)
    model.compile(optimizer=numnet.optimizers.Adam(learning_rate=1e-3),
                  loss="sparse_categorical_crossentropy")
    times, cpu = [], []
    for _ in range(args.epochs + 1):  # the first is the warm-up
        c0, t0 = time.process_time(), time.perf_counter()
        if args.workload.startswith("w3"):
            model.predict(x, batch_size=args.batch, verbose=0)
        else:
            model.fit(x, y, batch_size=args.batch, epochs=1, verbose=0, shuffle=True)
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return {"times": times[1:], "cpu": cpu[1:]}


# ----- PyTorch ------------------------------------------------------------------------------
def run_torch(args) -> dict:
    import torch
    from torch import nn

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    if args.workload in ("w1", "w3_mlp", "scale"):
        model = nn.Sequential(nn.Linear(784, args.width), nn.ReLU(), nn.Linear(args.width, args.width), nn.ReLU(),
                              nn.Linear(args.width, 10))
        x, y = mlp_data(args.samples)
    else:
        model = nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, 64, 3), nn.ReLU(),
                              nn.MaxPool2d(2), nn.Flatten(), nn.Dropout(0.5), nn.Linear(1600, 10))
        x, y = cnn_data(args.samples)
        x = np.ascontiguousarray(x.transpose(0, 3, 1, 2))
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
    loss_fn = nn.CrossEntropyLoss()
    n = len(xt)
    times, cpu = [], []
    for _ in range(args.epochs + 1):
        c0, t0 = time.process_time(), time.perf_counter()
        if args.workload.startswith("w3"):
            model.eval()
            with torch.no_grad():
                outs = [torch.softmax(model(xt[i:i + args.batch]), dim=1) for i in range(0, n, args.batch)]
                torch.cat(outs).numpy()
        else:
            model.train()
            perm = torch.randperm(n)
            for i in range(0, n, args.batch):
                idx = perm[i:i + args.batch]
                optimizer.zero_grad(set_to_none=True)
                loss = loss_fn(model(xt[idx]), yt[idx])
                loss.backward()
                optimizer.step()
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return {"times": times[1:], "cpu": cpu[1:]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--framework", choices=["numnet", "torch"], required=True)
    parser.add_argument("--workload", choices=["w1", "w2", "w3_mlp", "w3_cnn", "scale"], required=True)
    parser.add_argument("--width", type=int, default=512)
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--samples", type=int, default=60000)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    result = (run_numnet if args.framework == "numnet" else run_torch)(args)
    result["peak_rss_mb"] = peak_rss_mb()
    print(json.dumps(result))


if __name__ == "__main__":
    main()

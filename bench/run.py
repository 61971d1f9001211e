"""numnet vs PyTorch, side by side on this machine: `python bench/run.py [--quick]`.

Every workload runs in its own fresh process, numnet and PyTorch alternating (A B A B),
with the BLAS/OpenMP thread count pinned to the same value for both. Each process runs one
uncounted warm-up epoch and `--epochs` counted ones; the figure is the median of all
counted epochs. Prints a table (times, ratio numnet/PyTorch, peak RSS, CPU/wall) and writes
the same as JSON (bench/results/latest.json unless --out is given). Without PyTorch
installed (`pip install torch==2.13.0`), only numnet's column is filled.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import time
from typing import Dict, List, Optional

HERE = os.path.dirname(os.path.abspath(__file__))


def run_one(framework: str, workload: str, threads: int, **opts: int) -> dict:
    env = dict(os.environ)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = str(threads)
    cmd = [sys.executable, os.path.join(HERE, "workloads.py"), "--framework", framework, "--workload", workload,
           "--threads", str(threads)] + [f"--{k}={v}" for k, v in opts.items()]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"{framework} {workload} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def measure(workload: str, frameworks: List[str], rounds: int, threads: int, **opts: int) -> Dict[str, dict]:
    """Alternate the frameworks `rounds` times; merge each framework's counted epochs."""
    merged: Dict[str, dict] = {f: {"times": [], "cpu": [], "peak_rss_mb": 0.0} for f in frameworks}
    for _ in range(rounds):
        for f in frameworks:
            r = run_one(f, workload, threads, **opts)
            merged[f]["times"] += r["times"]
            merged[f]["cpu"] += r["cpu"]
            merged[f]["peak_rss_mb"] = max(merged[f]["peak_rss_mb"], r["peak_rss_mb"])
    for f, m in merged.items():
        m["median_s"] = statistics.median(m["times"])
        m["cpu_per_wall"] = sum(m["cpu"]) / max(sum(m["times"]), 1e-12)
    return merged


def ratio(a: Optional[float], b: Optional[float]) -> Optional[float]:
    return None if a is None or b is None or b == 0 else a / b


def fmt(v: Optional[float], spec: str = ".3f") -> str:
    return "-" if v is None else format(v, spec)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="tiny sizes: checks the benchmark runs, measures nothing")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=3, help="counted epochs per process (after one warm-up)")
    parser.add_argument("--rounds", type=int, default=2, help="A B alternations per workload")
    parser.add_argument("--no-torch", action="store_true", help="run numnet only")
    parser.add_argument("--skip-scaling", action="store_true")
    parser.add_argument("--out", default=os.path.join(HERE, "results", "latest.json"))
    args = parser.parse_args()

    has_torch = importlib.util.find_spec("torch") is not None and not args.no_torch
    frameworks = ["numnet", "torch"] if has_torch else ["numnet"]
    if args.quick:
        sizes = {"w1": 512, "w2": 256, "w3": 512, "scale": 256}
        args.epochs, args.rounds = 1, 1
        widths, batches = [128], [32, 128]
    else:
        sizes = {"w1": 60000, "w2": 10000, "w3": 10000, "scale": 8192}
        widths, batches = [128, 512, 2048], [32, 128, 512]
    common = {"epochs": args.epochs}
    rows = []
    started = time.time()
    load_before = os.getloadavg() if hasattr(os, "getloadavg") else None
    plan = [
        ("W1 train epoch (MLP)", "w1", {"samples": sizes["w1"]}),
        ("W2 train epoch (CNN)", "w2", {"samples": sizes["w2"]}),
        ("W3 predict (MLP)", "w3_mlp", {"samples": sizes["w3"]}),
        ("W3 predict (CNN)", "w3_cnn", {"samples": sizes["w3"]}),
    ]
    for label, workload, opts in plan:
        res = measure(workload, frameworks, args.rounds, args.threads, **common, **opts)
        rows.append({"figure": label, "workload": workload, "samples": opts["samples"], **{
            f"{f}_s": res[f]["median_s"] for f in res}, **{f"{f}_rss_mb": res[f]["peak_rss_mb"] for f in res},
            **{f"{f}_cpu_per_wall": res[f]["cpu_per_wall"] for f in res}})
        print(f"  done: {label}", file=sys.stderr, flush=True)
    scaling = []
    if not args.skip_scaling:
        for width in widths:
            for batch in batches:
                res = measure("scale", frameworks, 1, args.threads, **common,  # one round per scaling point
                              samples=sizes["scale"], width=width, batch=batch)
                entry = {"width": width, "batch": batch}
                for f in res:
                    entry[f"{f}_samples_per_s"] = sizes["scale"] / res[f]["median_s"]
                    entry[f"{f}_cpu_per_wall"] = res[f]["cpu_per_wall"]
                scaling.append(entry)
                print(f"  done: scaling width={width} batch={batch}", file=sys.stderr, flush=True)

    print(f"\nnumnet vs PyTorch, {args.threads} threads, median of {args.epochs * args.rounds} counted epochs"
          f"{' (QUICK: sizes too small to mean anything)' if args.quick else ''}")
    print(f"{'figure':<24}{'numnet s':>10}{'torch s':>10}{'ratio':>8}{'nn RSS MB':>11}{'pt RSS MB':>11}{'nn cpu/wall':>12}{'pt cpu/wall':>12}")
    for r in rows:
        r["ratio"] = ratio(r.get("numnet_s"), r.get("torch_s"))
        r["rss_ratio"] = ratio(r.get("numnet_rss_mb"), r.get("torch_rss_mb"))
        print(f"{r['figure']:<24}{fmt(r.get('numnet_s')):>10}{fmt(r.get('torch_s')):>10}{fmt(r['ratio'], '.2f'):>8}"
              f"{fmt(r.get('numnet_rss_mb'), '.0f'):>11}{fmt(r.get('torch_rss_mb'), '.0f'):>11}"
              f"{fmt(r.get('numnet_cpu_per_wall'), '.2f'):>12}{fmt(r.get('torch_cpu_per_wall'), '.2f'):>12}")
    w2 = next(r for r in rows if r["workload"] == "w2")
    print(f"{'peak RSS during W2':<24}{'':>10}{'':>10}{fmt(w2['rss_ratio'], '.2f'):>8}")
    if scaling:
        print("\nScaling (W1 MLP, samples/s; ratio = numnet time / PyTorch time)")
        print(f"{'width':>6}{'batch':>7}{'numnet':>10}{'torch':>10}{'ratio':>8}{'nn cpu/wall':>12}{'pt cpu/wall':>12}")
        for s in scaling:
            s["ratio"] = ratio(s.get("torch_samples_per_s"), s.get("numnet_samples_per_s"))
            print(f"{s['width']:>6}{s['batch']:>7}{fmt(s.get('numnet_samples_per_s'), '.0f'):>10}"
                  f"{fmt(s.get('torch_samples_per_s'), '.0f'):>10}{fmt(s['ratio'], '.2f'):>8}"
                  f"{fmt(s.get('numnet_cpu_per_wall'), '.2f'):>12}{fmt(s.get('torch_cpu_per_wall'), '.2f'):>12}")
    load_after = os.getloadavg() if hasattr(os, "getloadavg") else None
    if load_before is not None:
        print(f"\nmachine load average (1 min) before {load_before[0]:.2f}, after {load_after[0]:.2f} "
              f"on {os.cpu_count()} CPUs: other processes compete with the benchmark when it exceeds the threads")
    report = {"threads": args.threads, "quick": args.quick, "epochs": args.epochs, "rounds": args.rounds,
              "frameworks": frameworks, "figures": rows, "scaling": scaling, "wall_s": time.time() - started,
              "load_average_before": load_before, "load_average_after": load_after}
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    tmp = args.out + ".tmp"
    with open(tmp, "w") as fh:
        json.dump(report, fh, indent=2)
    os.replace(tmp, args.out)
    print(f"\nwrote {args.out}")


if __name__ == "__main__":
    main()

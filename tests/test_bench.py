"""The benchmark keeps working: `bench/run.py --quick` runs end to end and writes its report.

Quick mode measures nothing (tiny sizes); it checks that every workload and the scaling
sweep run in fresh processes and that the table and the JSON come out. PyTorch is left out
(`--no-torch`) so the test needs no benchmark-only dependency and stays fast.
"""
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_quick_benchmark_runs_and_writes_json(tmp_path):
    out = tmp_path / "quick.json"
    proc = subprocess.run([sys.executable, os.path.join(ROOT, "bench", "run.py"), "--quick", "--no-torch",
                           "--threads", "1", "--out", str(out)],
                          capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "W1 train epoch" in proc.stdout and "Scaling" in proc.stdout
    report = json.loads(out.read_text())
    assert report["quick"] is True and report["frameworks"] == ["numnet"]
    assert [r["workload"] for r in report["figures"]] == ["w1", "w2", "w3_mlp", "w3_cnn"]
    for row in report["figures"]:
        assert row["numnet_s"] > 0 and row["numnet_rss_mb"] > 0
    assert report["scaling"] and all(s["numnet_samples_per_s"] > 0 for s in report["scaling"])

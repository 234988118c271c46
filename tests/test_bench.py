"""tools/bench runs (small sizes) and reports every tier's result in JSON
with correct checksums; the instruction counter works.  Benchmarks report:
nothing here looks at a time."""
import json
import os
import subprocess
import sys

import pytest

from mp import ROOT

BENCH = os.path.join(ROOT, "tools", "bench")
sys.path.insert(0, BENCH)


def test_bench_quick_json():
    pytest.importorskip("wasmtime")
    r = subprocess.run([sys.executable, BENCH, "--quick", "--reps", "2",
                        "--tiers", "interp,jit,aot,wasmtime",
                        "--workloads", "fib,crc32,matmul_f64", "--json", "-"],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    d = json.loads(r.stdout)
    assert d["tiers"] == ["interp", "jit", "aot", "wasmtime"]
    assert set(d["workloads"]) == {"fib", "crc32", "matmul_f64"}
    for name, w in d["workloads"].items():
        assert w["instrs"] > 1000, name
        for tier in d["tiers"]:
            run = w["runs"][tier]
            assert "error" not in run, (name, tier, run)
            assert run["best"] > 0 and len(run["times"]) >= 1
    m = d["machine"]
    assert m["cpu"] and m["uname"] and m["date"]


def test_instr_count_and_table():
    pytest.importorskip("wasmtime")
    import bench
    e = bench.load_expected()["fib"]
    wasm = os.path.join(BENCH, "workloads", e["file"])
    # fib(n) executes a fixed number of instructions, growing with n
    a = bench.instr_count(wasm, e, 10)
    b = bench.instr_count(wasm, e, 15)
    assert 0 < a < b
    assert bench.instr_count(wasm, e, 10) == a
    res = {"machine": {}, "quick": True, "workloads": {
        "fib": {"n": 15, "instrs": 2000, "runs": {
            "aot": {"best": 0.001, "times": [0.001]},
            "wasm3": {"best": 0.0005, "times": [0.0005]},
            "interp": {"error": "x"}}}}}
    t1, t2 = bench.table(res, ["interp", "aot", "wasm3"])
    assert "| fib | 0.0M | - | 1.00 ms (500 ns) | 0.50 ms (250 ns) |" in t1
    assert "| aot time / wasm3 time | 2.00x | 2.00x |" in t2

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
    r = subprocess.run([sys.executable, BENCH, "--quick", "--reps", "2", "--ports", "x64",
                        "--tiers", "interp,jit,aot,wasmtime",
                        "--workloads", "fib,crc32,matmul_f64", "--json", "-"],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    d = json.loads(r.stdout)
    assert d["tiers"] == ["interp", "jit", "aot", "wasmtime"]
    assert d["ports"] == ["x64"]
    assert set(d["workloads"]) == {"fib", "crc32", "matmul_f64"}
    import bench
    for name, w in d["workloads"].items():
        assert w["instrs"] > 1000, name
        assert w["alloc_instrs"] > 1000, name
        for tier in d["tiers"]:
            run = w["runs"][tier]
            assert "error" not in run, (name, tier, run)
            assert run["best"] > 0 and len(run["times"]) >= 1
            if tier != "wasmtime":
                # gc.mem_alloc deltas of run(0) and run(small n)
                assert len(run["alloc"]) == 2 and bench.alloc_rate(run, w) >= 0, run
    # the portable interpreter allocates per instruction, compiled i32 code not
    assert bench.alloc_rate(d["workloads"]["fib"]["runs"]["interp"], d["workloads"]["fib"]) > 0
    assert bench.alloc_rate(d["workloads"]["crc32"]["runs"]["aot"], d["workloads"]["crc32"]) == 0
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
        "fib": {"n": 15, "instrs": 2000, "class": "calls", "alloc_instrs": 4000, "runs": {
            "aot": {"best": 0.001, "times": [0.001], "alloc": [64, 64]},
            "aot/32": {"best": 0.003, "times": [0.003], "alloc": [64, 464]},
            "wasm3": {"best": 0.0005, "times": [0.0005]},
            "interp": {"error": "x"}}}}}
    t1, t2, t3 = bench.tables(res, ["interp", "aot", "wasm3"])
    assert "| fib | calls | 0.0M | - | 1.00 ms (500 ns) | 0.50 ms (250 ns) |" in t1
    assert "| fib | - | 2.00x |" in t2
    assert "| fib | - | 0 |" in t3
    t1, t2, t3 = bench.tables(res, ["interp", "aot", "wasm3"], "unix32")
    assert "| fib | calls | 0.0M | - | 3.00 ms (1500 ns) |" in t1
    assert "| fib | - | 6.00x |" in t2
    assert "| fib | - | 100 |" in t3

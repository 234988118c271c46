"""RAM footprint: the runtime, compiled to .mpy as a board would hold it,
runs a 20 KB module inside an RP2040-class heap (micropython -X
heapsize=192K on the unix port, where objects are twice a board's size)."""
import os
import subprocess

import pytest

from mp import MICROPYTHON, ROOT

BIG = os.path.join(ROOT, "tests", "wasm", "big.wasm")


def reference_result(n):
    wasmtime = pytest.importorskip("wasmtime")
    store = wasmtime.Store()
    module = wasmtime.Module.from_file(store.engine, BIG)
    inst = wasmtime.Instance(store, module, [])
    return inst.exports(store)["run"](store, n)


SCRIPT = r"""
import gc, sys
sys.path.insert(0, %r)
gc.collect()
base = gc.mem_alloc()
import wamr_mpy
from wamr_mpy import instance, interp, loader, validator
gc.collect()
print("mem_alloc after import:", gc.mem_alloc() - base)
wamr_mpy.init()                  # the board's memory policy (GC threshold)
mod = wamr_mpy.load(%r)          # by path: bodies stay in the file
inst = mod.instantiate(stack_size=4096, memory_limit=4096)
gc.collect()
print("mem_free after instantiate:", gc.mem_free())
print("result:", inst.call("run", %d))
gc.collect()
print("mem_free at end:", gc.mem_free())
"""


def test_20k_module_runs_in_192k_heap(mpy_runtime):
    assert os.path.getsize(BIG) >= 20000
    n = 300
    want = reference_result(n)
    env = dict(os.environ)
    # RP2040-class settings: a bounded cache of decoded function bodies.
    env["WAMR_CONFIG"] = "CODE_CACHE_WORDS=4000"
    env.pop("MICROPYPATH", None)
    r = subprocess.run([MICROPYTHON, "-X", "heapsize=192K", "-c", SCRIPT % (mpy_runtime, BIG, n)],
                       capture_output=True, timeout=300, env=env, cwd=mpy_runtime)
    out = r.stdout.decode()
    print(out)
    assert r.returncode == 0, out + r.stderr.decode()
    lines = dict(l.split(": ", 1) for l in out.splitlines() if ": " in l)
    assert int(lines["result"]) == want
    assert int(lines["mem_alloc after import"]) > 0

"""Malformed-input robustness of the loader/validator on the MicroPython unix
port: only LoadError/ValidationError (or a loaded module), never another
exception, a MemoryError or a hang (> 2 s per input)."""
import os
import re

from mp import ROOT, run_mp

INPUTS = [
    "tools/bench/workloads/crc32.wasm",
    "tools/bench/workloads/sha256.wasm",
    "tools/bench/workloads/coremark_mix.wasm",
    "tests/wasm/native_calls.wasm",
    "tests/wasm/side_demo.wasm",
]


def test_malformed_inputs_only_raise_load_or_validation_errors():
    files = [p for p in INPUTS if os.path.exists(os.path.join(ROOT, p))]
    assert len(files) >= 4, files
    r = run_mp(script=os.path.join(ROOT, "tests", "fuzz_load.py"),
               args=["20261126", "500"] + files, heapsize="64M", timeout=900)
    out = r.stdout.decode()
    assert r.returncode == 0, out + r.stderr.decode()
    m = re.search(r"fuzz: (\d+) inputs, (\d+) loaded, (\d+) errors, (\d+) violations", out)
    assert m, out
    total, loaded, errors, bad = (int(x) for x in m.groups())
    print(m.group(0))
    assert bad == 0, "\n".join(l for l in out.splitlines() if l.startswith("VIOLATION"))
    assert total >= 2000
    # Most mutants must actually be rejected (the harness really mutates).
    assert errors > total // 2

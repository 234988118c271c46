"""The WebAssembly spec suite on the other tiers, on the MicroPython unix
port: the fast (viper) interpreter, AOT-compiled modules (every module
compiled to an x64 .mpy with the wamrc generator + mpy-cross, then loaded)
and the JIT.  Both must pass at the level of the
portable interpreter: no failure outside tests/spec/known_failures.txt and
no fewer passes than tests/spec/baseline.json."""
import os
import sys

import pytest

from mp import ROOT

HERE = os.path.join(ROOT, "tests", "spec")
sys.path.insert(0, HERE)
sys.path.insert(0, ROOT)

import driver  # noqa: E402
import run_spec  # noqa: E402
from wamr_mpy import compiler_mpy  # noqa: E402

pytestmark = pytest.mark.spec


def _run(tier, monkeypatch, opts=None):
    try:
        files = driver.list_files(())
    except driver.SpecDataMissing as e:
        pytest.fail(str(e))
    monkeypatch.setenv("WAMR_TIER", tier)
    if opts:
        monkeypatch.setenv("WAMR_AOT_OPTS", opts)
    else:
        monkeypatch.delenv("WAMR_AOT_OPTS", raising=False)
    if tier == "aot":
        p = compiler_mpy.find_mpy_cross()
        if os.path.sep in p and not os.path.exists(p):
            pytest.skip("mpy-cross not installed")
        monkeypatch.setenv("WAMR_MPY_CROSS", p)
    results = driver.run_suite(files)
    table = run_spec.format_table(results)
    print(table)
    known = driver.load_known()
    baseline = driver.load_baseline()
    c = driver.compare(results, known, baseline, True)
    problems = ["new failure on tier %s: %s  %s" % (tier, k, v) for k, v in c["new"]]
    if c["below"]:
        problems.append("tier %s: %s" % (tier, c["below"]))
    assert not problems, "\n".join(problems[:40] + [table.splitlines()[-1]])


def test_spec_fast(monkeypatch, spec_json):
    _run("fast", monkeypatch)


def test_spec_aot(monkeypatch, spec_json):
    _run("aot", monkeypatch)


def test_spec_jit(monkeypatch, spec_json):
    _run("jit", monkeypatch)


@pytest.mark.full
def test_spec_aot_board_paths(monkeypatch, spec_json):
    """x64 code generated the way the 32-bit board targets need it
    (alignment-checked byte paths, float arithmetic through the float
    module).  make test runs those paths on 32-bit code itself
    (tests/test_unix32.py, tests/test_unix32_arm.py: the whole suite on aot,
    with i64 as pairs of 32-bit words), so this x64 run is in make
    test-full only."""
    _run("aot", monkeypatch, "strict,helperfloat")

"""Soft-float mode (config.SOFT_FLOAT = 1: f32/f64 as bit patterns, every
float operation in integer arithmetic, as on the rp2/esp32/stm32/zephyr
ports whose float is binary32), forced on the unix port with
WAMR_CONFIG=SOFT_FLOAT=1, must pass the float spec files at the same level
as native floats: no failure that the native run does not have
(tests/spec/known_failures.txt) and, per file, at least as many passes as
the native baseline (tests/spec/baseline.json)."""
import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "spec"))

import driver  # noqa: E402
import run_spec  # noqa: E402
from mp import check_mp  # noqa: E402

pytestmark = [pytest.mark.spec, pytest.mark.host_only]

SOFT = {"WAMR_CONFIG": "SOFT_FLOAT=1"}
FLOAT_SPEC = ("f32", "f32_bitwise", "f32_cmp", "f64", "f64_bitwise", "f64_cmp",
              "conversions", "float_exprs", "float_literals", "float_memory", "float_misc")


def test_soft_mode_is_in_force():
    out = check_mp(
        "from wamr_mpy import config, fmode as F\n"
        "one = F.f64_from_bits(0x3FF0000000000000)\n"
        "print(config.SOFT_FLOAT, F.SOFT_FLOAT, type(one).__name__,"
        " hex(F.f64_to_bits(F.f64_add(one, one))))", env=SOFT)
    assert out.split() == ["1", "1", "int", "0x4000000000000000"]


def test_float_spec_files_in_soft_mode(monkeypatch, spec_json):
    try:
        files = driver.list_files(FLOAT_SPEC)
    except driver.SpecDataMissing as e:
        pytest.fail(str(e))
    monkeypatch.setenv("WAMR_CONFIG", SOFT["WAMR_CONFIG"])
    results = driver.run_suite(files)
    table = run_spec.format_table(results)
    print(table)
    baseline = driver.load_baseline()
    if baseline is None:
        pytest.fail("no tests/spec/baseline.json (the native run's numbers)")
    c = driver.compare(results, driver.load_known(), baseline, full=False)
    problems = ["soft float only: %s  %s" % (k, v) for k, v in c["new"]]
    if c["below"]:
        problems.append("soft float " + c["below"])
    if problems:
        shown = problems[:40]
        if len(problems) > len(shown):
            shown.append("... and %d more" % (len(problems) - len(shown)))
        pytest.fail("\n".join(shown + ["", table.splitlines()[-1]]), pytrace=False)

"""The WebAssembly spec suites on the MicroPython unix port (all 2.0 files,
the 3.0 files of spec3_ci_files) and on CPython (a subset of 2.0 by default;
WAMR_SPEC_CPYTHON=all runs every file):
the 2.0 suite (../shared/spec) and the 3.0 suite (../shared/spec3; skipped
when that data is missing).

Fails when an assertion fails that the suite's known failures
(tests/spec/known_failures.txt, known_failures_spec3.txt) do not list, when
a listed reason is still TODO, or when the number passed falls below the
suite's baseline (baseline.json, baseline_spec3.json), in total or per file.
Listed failures that now pass are reported ("fixed, remove from list")
without failing.
"""
import os
import sys
import warnings

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import driver  # noqa: E402
import run_spec  # noqa: E402

pytestmark = pytest.mark.spec

# Files that exercise every command kind and value kind (NaNs, refs,
# linking, traps, malformed/invalid binaries) for the CPython run.
CPYTHON_SUBSET = ["i32", "i64", "f32_bitwise", "conversions", "float_exprs",
                  "names", "linking", "imports", "ref_null", "table_grow",
                  "memory_grow", "binary", "call_indirect", "traps", "start",
                  "data", "elem", "call", "utf8-invalid-encoding"]


def _files(names=None):
    try:
        return driver.list_files(names or ())
    except driver.SpecDataMissing as e:
        pytest.fail(str(e))


def _check(results, full, suite="spec"):
    table = run_spec.format_table(results, kinds=True)
    print(table)
    known = driver.load_known(driver.known_path(suite))
    baseline = driver.load_baseline(driver.baseline_path(suite))
    c = driver.compare(results, known, baseline, full)
    problems = []
    if baseline is None:
        problems.append("no %s: run tools/spectest --suite %s --update-baseline"
                        % (os.path.relpath(driver.baseline_path(suite)), suite))
    for k, v in c["new"]:
        problems.append("new failure (not in %s): %s  %s" % (driver.SUITES[suite][2], k, v))
    for k in c["todo"]:
        problems.append("%s: reason for %s is still TODO" % (driver.SUITES[suite][2], k))
    if c["below"]:
        problems.append(c["below"])
    for k in c["fixed"]:
        warnings.warn("spec %s passes now: fixed, remove from %s" % (k, driver.SUITES[suite][2]))
    if problems:
        shown = problems[:60]
        if len(problems) > len(shown):
            shown.append("... and %d more" % (len(problems) - len(shown)))
        pytest.fail("\n".join(shown + ["", table.splitlines()[-1]]), pytrace=False)


def test_spec_micropython(spec_json):
    _check(driver.run_suite(_files()), full=True)


def test_spec_cpython(spec_json):
    if os.environ.get("WAMR_SPEC_CPYTHON") == "all":
        files = _files()
    else:
        files = _files(CPYTHON_SUBSET)
    _check(driver.run_suite(files, python=True), full=False)


# Files where the Python-value API has to keep float bits (-0.0, NaN
# payloads, signalling NaNs) and globals: `tools/spectest --python-values`
# runs the whole suite this way.
PYTHON_VALUES_SUBSET = ["f32", "f64", "f32_bitwise", "f64_bitwise", "float_exprs",
                        "float_misc", "select", "global", "conversions", "linking"]


def test_spec_python_values(spec_json, monkeypatch):
    """Through Instance.call / Global.value / non-raw host functions, the
    same results as through call_raw (the same known failures and baseline)."""
    monkeypatch.setenv("WAMR_SPEC_VALUES", "python")
    _check(driver.run_suite(_files(PYTHON_VALUES_SUBSET)), full=False)


# make test runs the part of the 3.0 suite that CI time allows: not the
# files whose source is the 2.0 suite's file byte for byte
# (test_spec_micropython runs those), nor these: million-step tail-call and
# memory loops on the interpreter (tests/test_wasm3.py checks that tail
# calls run in constant stack), the 64-bit twins of 2.0 files whose 64-bit
# addressing address64, memory_trap64, table_init64 ... check, and data1's
# large memories.  `make spec` runs every file.
SPEC3_SLOW = ("return_call", "return_call_ref", "return_call_indirect", "memory_grow64",
              "memory_fill64", "memory_init64", "memory_copy64", "table_copy64", "data1")


def spec3_ci_files():
    files = driver.list_files((), "spec3")
    wast3 = os.path.join(os.path.dirname(driver.spec_json_dir("spec3")), "wast")
    try:
        wast2 = os.path.join(os.path.dirname(driver.spec_json_dir("spec")), "wast")
    except driver.SpecDataMissing:
        wast2 = None
    out = []
    for p in files:
        name = os.path.basename(p)[:-5]
        if name in SPEC3_SLOW:
            continue
        if wast2 and _same_file(os.path.join(wast3, name + ".wast"),
                                os.path.join(wast2, name + ".wast")):
            continue
        out.append(p)
    return out


def _same_file(a, b):
    if not (os.path.isfile(a) and os.path.isfile(b)):
        return False
    with open(a, "rb") as f, open(b, "rb") as g:
        return f.read() == g.read()


def test_spec3_micropython(spec3_json):
    _check(driver.run_suite(spec3_ci_files(), suite="spec3"), full=False, suite="spec3")

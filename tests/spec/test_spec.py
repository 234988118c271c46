"""The WebAssembly spec suite on the MicroPython unix port (all files) and on
CPython (a subset by default; WAMR_SPEC_CPYTHON=all runs every file).

Fails when an assertion fails that tests/spec/known_failures.txt does not
list, when a listed reason is still TODO, or when the number passed falls
below tests/spec/baseline.json.  Listed failures that now pass are reported
("fixed, remove from list") without failing.
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


def _check(results, full):
    table = run_spec.format_table(results)
    print(table)
    known = driver.load_known()
    baseline = driver.load_baseline()
    c = driver.compare(results, known, baseline, full)
    problems = []
    if baseline is None:
        problems.append("no tests/spec/baseline.json: run tools/spectest --update-baseline")
    for k, v in c["new"]:
        problems.append("new failure (not in known_failures.txt): %s  %s" % (k, v))
    for k in c["todo"]:
        problems.append("known_failures.txt: reason for %s is still TODO" % k)
    if c["below"]:
        problems.append(c["below"])
    for k in c["fixed"]:
        warnings.warn("spec %s passes now: fixed, remove from known_failures.txt" % k)
    if problems:
        shown = problems[:60]
        if len(problems) > len(shown):
            shown.append("... and %d more" % (len(problems) - len(shown)))
        pytest.fail("\n".join(shown + ["", table.splitlines()[-1]]), pytrace=False)


def test_spec_micropython():
    _check(driver.run_suite(_files()), full=True)


def test_spec_cpython():
    if os.environ.get("WAMR_SPEC_CPYTHON") == "all":
        files = _files()
    else:
        files = _files(CPYTHON_SUBSET)
    _check(driver.run_suite(files, python=True), full=False)

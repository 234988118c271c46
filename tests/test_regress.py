"""Regression cases found by the differential test (tests/regress/*.wat).

Each file is a small module plus its expected outcomes, one per comment
line (raw values: ints, float bit patterns, 0x allowed):

    ;; call EXPORT ARG... -> RESULT...      (no RESULT: no results)
    ;; call EXPORT ARG... -> trap MESSAGE
    ;; instantiate -> trap MESSAGE          (instantiation must trap)
    ;; modes: hard soft                     (float modes to run; default both)

The calls run in order on one instance, on the MicroPython unix port,
through tests/diff_driver.py, for every tier in $WAMR_TIER (default
"interp") and each float mode.  When wasmtime is installed the expected
values are also checked against it, so a wrong expectation cannot hide.
"""
import glob
import json
import os
import shutil
import subprocess
import tempfile

import pytest

from mp import need_tool
import test_differential as td

HERE = os.path.dirname(os.path.abspath(__file__))
CASES = sorted(glob.glob(os.path.join(HERE, "regress", "*.wat")))


def parse_case(path):
    calls, expect, modes, inst = [], [], ("hard", "soft"), None
    for line in open(path):
        line = line.strip()
        if not line.startswith(";;"):
            continue
        body = line[2:].strip()
        if body.startswith("modes:"):
            modes = tuple(body[6:].split())
        elif body.startswith("instantiate ->"):
            inst = body.split("->", 1)[1].strip()
            assert inst.startswith("trap "), path
            inst = inst[5:]
        elif body.startswith("call "):
            lhs, rhs = body[5:].split("->")
            w = lhs.split()
            calls.append((w[0], [int(x, 0) for x in w[1:]]))
            rhs = rhs.strip()
            if rhs.startswith("trap "):
                expect.append(("trap", rhs[5:]))
            else:
                expect.append(("r", [int(x, 0) for x in rhs.split()]))
    return calls, expect, modes, inst


def compile_wat(path, workdir):
    out = os.path.join(workdir, os.path.basename(path)[:-4] + ".wasm")
    tool = need_tool("wat2wasm")
    subprocess.run([tool, path, "-o", out], check=True, capture_output=True)
    return out


def _tiers():
    return [t.strip() for t in os.environ.get("WAMR_TIER", "interp").split(",") if t.strip()]


def _items():
    items = []
    for path in CASES:
        modes = parse_case(path)[2]
        for tier in _tiers():
            for mode in modes:
                items.append(pytest.param(path, tier, mode,
                                          id="%s-%s-%s" % (os.path.basename(path)[:-4], tier, mode)))
    return items


def test_cases_parse():
    if not CASES:
        pytest.skip("tests/regress/ holds no cases yet")
    for path in CASES:
        calls, expect, modes, inst = parse_case(path)
        assert calls or inst, "%s: no expectations" % path


@pytest.mark.parametrize("path,tier,mode", _items())
def test_regress(path, tier, mode):
    calls, expect, modes, inst = parse_case(path)
    workdir = tempfile.mkdtemp(prefix="wamrreg-")
    try:
        wasm = compile_wat(path, workdir)
        mods = [{"id": 0, "wasm": wasm, "calls": calls}]
        if tier == "aot":
            errs = td.compile_aot(mods, mode == "soft")
            assert not errs, errs
        ours = td.run_ours(mods, tier, mode == "soft", workdir)[0]
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    oinst, recs = ours
    if oinst["inst"] == "unavailable":
        pytest.skip("tier %s is not available" % tier)
    if inst is not None:
        assert oinst == {"inst": "trap", "msg": inst}
        return
    assert oinst["inst"] == "ok", oinst
    assert len(recs) == len(calls), recs
    for (name, args), (kind, want), got in zip(calls, expect, recs):
        what = "%s %s(%s)" % (os.path.basename(path), name, ", ".join(hex(a) for a in args))
        assert "error" not in got, "%s: %s" % (what, got["error"])
        if kind == "trap":
            assert got.get("trap") == want, "%s: expected trap %r, got %s" % (
                what, want, json.dumps(got))
        else:
            assert got.get("r") == want, "%s: expected %s, got %s" % (
                what, [hex(x) for x in want], json.dumps(got))


@pytest.mark.parametrize("path", CASES, ids=[os.path.basename(p)[:-4] for p in CASES])
def test_expectations_match_wasmtime(path):
    """The expected values in the .wat files agree with the reference."""
    pytest.importorskip("wasmtime")
    calls, expect, modes, inst = parse_case(path)
    wasm = td.wat_to_wasm(open(path).read())
    exports = td._exports_of(wasm)
    rinst, recs = td.run_reference(wasm, calls, exports)
    if inst is not None:
        assert rinst["inst"] == "trap"
        return
    for (name, args), (kind, want), got in zip(calls, expect, recs):
        if kind == "trap":
            assert td.trap_ok(got.get("trap"), want), (name, args, got, want)
        else:
            assert got.get("r") == want, (name, args, got, want)

"""The spec data (tests/spec/testsuite.py): `tools/spectest --testsuite DIR`
builds it from a WebAssembly/testsuite checkout, the runner finds it, and
without it every test that needs it skips with a one-line hint."""
import filecmp
import os
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import driver  # noqa: E402
import testsuite  # noqa: E402
from mp import ROOT, need_tool  # noqa: E402

SPECTEST = os.path.join(ROOT, "tools", "spectest")

ADD = """(module
  (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add))
(assert_return (invoke "add" (i32.const 1) (i32.const 2)) (i32.const 3))
(assert_malformed (module quote "(func") "unexpected end")
"""


def _checkout(tmp_path):
    """A stand-in for a testsuite checkout: core files, a SIMD file, the
    license and the other things a checkout holds."""
    d = tmp_path / "testsuite"
    (d / "proposals" / "x").mkdir(parents=True)
    (d / "add.wast").write_text(ADD)
    (d / "nop.wast").write_text("(module (func (export \"f\")))\n"
                                "(assert_return (invoke \"f\"))\n")
    (d / "simd_add.wast").write_text("(module)\n")
    (d / "proposals" / "x" / "y.wast").write_text("(module)\n")
    (d / "LICENSE").write_text("the testsuite's license\n")
    (d / "README.md").write_text("readme\n")
    return d


def _spectest(*args, env=None):
    return subprocess.run([sys.executable, SPECTEST] + list(args), capture_output=True,
                          text=True, timeout=300, env=dict(os.environ, **(env or {})))


def test_build_from_a_checkout(tmp_path):
    need_tool("wast2json")
    out = tmp_path / "data"
    r = _spectest("--testsuite", str(_checkout(tmp_path)), "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert "2 files" in r.stderr
    assert sorted(os.listdir(out)) == ["LICENSE", "README.md", "json", "wast"]
    assert sorted(os.listdir(out / "wast")) == ["add.wast", "nop.wast"]
    assert sorted(os.listdir(out / "json")) == ["add", "nop"]
    assert sorted(os.listdir(out / "json" / "add")) == ["add.0.wasm", "add.1.wat", "add.json"]
    assert (out / "json" / "add" / "add.json").read_text().startswith(
        '{"source_filename": "add.wast",')
    # the runner takes it from $WASM_SPEC_DIR and passes it
    r = _spectest("--python", "-q", env={"WASM_SPEC_DIR": str(out)})
    assert "spec: 4/4" in r.stdout, r.stdout + r.stderr


def test_build_goes_to_build_spec_by_default(tmp_path, monkeypatch):
    """Without $WASM_SPEC_DIR, --testsuite writes build/spec, where the
    runner finds it (after ../shared/spec)."""
    need_tool("wast2json")
    monkeypatch.delenv("WASM_SPEC_DIR", raising=False)
    monkeypatch.setattr(driver, "ROOT", str(tmp_path / "repo"))
    monkeypatch.setattr(driver, "_shared_dirs", lambda: [str(tmp_path / "shared")])
    with pytest.raises(driver.SpecDataMissing) as e:
        driver.spec_json_dir()
    assert e.value.hint == testsuite.hint("spec", "WASM_SPEC_DIR", "spec")
    assert str(tmp_path / "repo" / "build" / "spec") in str(e.value)
    assert driver.main(["--testsuite", str(_checkout(tmp_path))]) == 0
    assert driver.spec_json_dir() == str(tmp_path / "repo" / "build" / "spec" / "json")
    assert os.path.isfile(tmp_path / "repo" / "build" / "spec" / "wast" / "add.wast")


def test_build_refuses_what_is_not_a_checkout(tmp_path):
    r = _spectest("--testsuite", str(tmp_path), "--out", str(tmp_path / "o"))
    assert r.returncode == 1
    assert "not a WebAssembly/testsuite checkout" in r.stderr
    assert "Traceback" not in r.stderr
    assert not (tmp_path / "o" / "json").exists()


def test_rebuild_is_byte_for_byte(spec_json, tmp_path):
    """The data's own wast/ files (the testsuite's, see README.md) give the
    data back, byte for byte, with this machine's wast2json."""
    need_tool("wast2json")
    wast = os.path.join(os.path.dirname(spec_json), "wast")
    if not os.path.isdir(wast):
        pytest.skip("the spec data at %s has no wast/ folder" % os.path.dirname(spec_json))
    out = tmp_path / "data"
    testsuite.build(wast, str(out), log=lambda s: None)
    cmp = filecmp.dircmp(str(out / "json"), spec_json)
    diffs = []

    def walk(c, rel):
        diffs.extend(os.path.join(rel, n) for n in c.left_only + c.right_only + c.funny_files)
        _, mismatch, errors = filecmp.cmpfiles(c.left, c.right, c.common_files, shallow=False)
        diffs.extend(os.path.join(rel, n) for n in mismatch + errors)
        for n, sub in c.subdirs.items():
            walk(sub, os.path.join(rel, n))
    walk(cmp, "")
    assert len(os.listdir(spec_json)) >= 90
    assert not diffs, diffs[:20]


def test_spec_tests_skip_without_the_data(tmp_path):
    """What a fresh clone without ../shared sees: every test that needs the
    data skips with the one-line hint and none fails."""
    env = dict(os.environ, WASM_SPEC_DIR=str(tmp_path / "nowhere"),
               WASM_SPEC3_DIR=str(tmp_path / "nowhere3"))
    env.pop("PYTEST_XDIST_WORKER", None)
    r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-n", "0", "-p", "no:cacheprovider",
                        "-m", "spec", "-rs", "tests"],
                       cwd=ROOT, capture_output=True, text=True, timeout=600, env=env)
    out = r.stdout
    assert r.returncode == 0, out[-3000:]
    skipped = [l for l in out.splitlines() if l.startswith("SKIPPED")]
    hint = testsuite.hint("spec", "WASM_SPEC_DIR", "spec")
    hinted = sum(int(l.split("[")[1].split("]")[0]) for l in skipped if hint in l)
    assert hinted >= 15, out[-3000:]
    assert "failed" not in out.splitlines()[-1], out[-3000:]

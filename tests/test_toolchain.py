"""Half a toolchain skips instead of failing (tests/toolchain.py): a test that
builds apps checks every part it needs (clang-14 and wasm-ld-14 and
wasi-libc ...), names the missing Debian package, and does not fail."""
import os
import shlex
import subprocess
import sys

import pytest

import toolchain
from mp import ROOT

pytestmark = pytest.mark.host_only


@pytest.fixture
def fresh(monkeypatch):
    monkeypatch.setattr(toolchain, "_cache", {})
    for var in ("WASM_CC_CLANG", "WASM_CC_CLANGXX", "RUSTC"):
        monkeypatch.delenv(var, raising=False)
    return toolchain


def _bin(tmp_path, monkeypatch, **tools):
    """PATH = a folder holding only `tools` (name -> target path or script
    text)."""
    d = tmp_path / "bin"
    d.mkdir()
    for name, what in tools.items():
        p = d / name.replace("_", "-")
        if what.startswith("#!"):
            p.write_text(what)
            p.chmod(0o755)
        else:
            p.symlink_to(what)
    monkeypatch.setenv("PATH", str(d))
    return d


def test_clang_without_its_linker(fresh, tmp_path, monkeypatch):
    if not os.path.exists("/usr/bin/clang-14"):
        pytest.skip("clang-14 not installed")
    _bin(tmp_path, monkeypatch, clang_14="/usr/bin/clang-14")
    why = fresh.missing("c")
    assert why.startswith("wasm-ld-14 not found (c): apt-get install -y lld-14"), why
    for part in ("c++", "wasi", "pic"):
        assert "lld-14" in fresh.missing(part)


def test_linker_without_clang(fresh, tmp_path, monkeypatch):
    _bin(tmp_path, monkeypatch, wasm_ld_14="/bin/true")
    assert "apt-get install -y clang-14" in fresh.missing("c")


def test_clang_and_linker_without_wasi_libc(fresh, monkeypatch):
    if fresh.missing("c"):
        pytest.skip(fresh.missing("c"))
    monkeypatch.setattr(fresh, "WASI_SYSROOT", ("/nonexistent/wasm32-wasi/libc.a",))
    assert fresh.missing("c") is None
    why = fresh.missing("wasi")
    assert "apt-get install -y wasi-libc" in why, why
    with pytest.raises(pytest.skip.Exception) as e:
        fresh.need("c", "wasi")
    assert "wasi-libc" in str(e.value)


def test_rust_without_rust_lld(fresh, tmp_path, monkeypatch):
    rustc = tmp_path / "rustc"
    rustc.write_text("#!/bin/sh\necho /usr\n")
    rustc.chmod(0o755)
    monkeypatch.setenv("RUSTC", str(rustc))
    _bin(tmp_path, monkeypatch, rust_lld=str(tmp_path / "dangling"))
    assert "apt-get install -y lld-14" in fresh.missing("rust")


def test_a_part_that_is_there_but_does_not_build(fresh, tmp_path, monkeypatch):
    """Every program present, but clang cannot link: the probe build says so."""
    broken = "#!/bin/sh\necho 'clang: error: unable to execute command: wasm-ld' >&2\nexit 1\n"
    _bin(tmp_path, monkeypatch, clang_14=broken, wasm_ld_14="/bin/true")
    monkeypatch.setenv("WASM_CC_CLANG", str(tmp_path / "bin" / "clang-14"))
    why = fresh.missing("c")
    assert why.startswith("c toolchain does not build a probe (wasm-cc exited 1: clang: error"), why


def test_the_whole_toolchain_works_here(fresh):
    """On this machine (make test installs every package) each part builds."""
    gone = {p: fresh.missing(p) for p in ("c", "c++", "wasi", "pic", "rust", "wat")}
    if any(gone.values()):
        pytest.skip("; ".join(v for v in gone.values() if v))
    assert gone == dict.fromkeys(gone)


def _hidden_run(hide, args, tmp_path):
    """pytest `args` in a private mount namespace where the paths in `hide`
    are gone (files: /dev/null bound over them; folders: an empty tmpfs), as
    on a machine without those packages."""
    if os.geteuid() != 0:
        pytest.skip("hiding installed packages needs root (a private mount namespace)")
    if subprocess.run(["unshare", "-m", "true"], capture_output=True).returncode != 0:
        pytest.skip("unshare -m does not work here")
    script = ["set -e"]
    for p in hide:
        if not os.path.exists(p):
            pytest.skip("%s is not installed, nothing to hide" % p)
        script.append(("mount -t tmpfs none %s" if os.path.isdir(p) else
                       "mount --bind /dev/null %s") % p)
    script.append("exec " + shlex.join([sys.executable, "-m", "pytest", "-q", "-n", "0", "-p",
                                        "no:cacheprovider", "-rs"] + args))
    env = dict(os.environ)
    env.pop("PYTEST_XDIST_WORKER", None)
    return subprocess.run(["unshare", "-m", "sh", "-c", "\n".join(script)], cwd=ROOT,
                          capture_output=True, text=True, timeout=900, env=env)


def test_tests_skip_without_lld(tmp_path):
    """clang-14 installed, lld-14 not: every C/C++/Rust build test skips
    naming lld-14, none fails."""
    r = _hidden_run([os.path.realpath("/usr/bin/wasm-ld-14")],
                    ["tests/test_samples.py", "tests/test_app_e2e.py", "-k",
                     "test_build and not assemblyscript or test_framework_end_to_end"],
                    tmp_path)
    out = r.stdout
    assert r.returncode == 0, out[-3000:]
    skips = [l for l in out.splitlines() if l.startswith("SKIPPED")]
    for sample in ("hello", "cpp", "customized", "wasi_files", "side_module", "rust"):
        assert any("%s: " % sample in l and "lld-14" in l for l in skips), (sample, out[-3000:])
    assert any("test_app_e2e" in l and "lld-14" in l for l in skips), out[-3000:]
    # the samples written in WAT (wat, exceptions) need no lld
    wat = [d for d in os.listdir(os.path.join(ROOT, "samples"))
           if os.path.exists(os.path.join(ROOT, "samples", d, "app.wat"))]
    assert wat and "%d passed" % len(wat) in out.splitlines()[-1], (wat, out[-3000:])


def test_tests_skip_without_wasi_libc(tmp_path):
    r = _hidden_run(["/usr/lib/wasm32-wasi"],
                    ["tests/test_samples.py", "-k", "test_build and (wasi_files or hello)"],
                    tmp_path)
    out = r.stdout
    assert r.returncode == 0, out[-3000:]
    assert any(l.startswith("SKIPPED") and "wasi_files: " in l and "wasi-libc" in l
               for l in out.splitlines()), out[-3000:]
    assert "1 passed, 1 skipped" in out.splitlines()[-1], out[-3000:]


# fixtures of tests/wasm/wasmfix.py, one per kind of build: libc-builtin C,
# WASI C, an emcc-style side module
FIXTURE_TESTS = ["tests/test_libc_heap.py::test_double_free_and_foreign_pointer_trap",
                 "tests/test_cli.py::test_wasi_app_exit_code_dir_and_env",
                 "tests/test_cli.py::test_side_module_runs"]


def test_fixtures_fall_back_without_lld(tmp_path):
    """clang-14 without lld-14: the wasm fixtures are the committed .wasm
    files (they failed linking before)."""
    r = _hidden_run([os.path.realpath("/usr/bin/wasm-ld-14")], FIXTURE_TESTS, tmp_path)
    assert r.returncode == 0, r.stdout[-3000:]
    assert "3 passed" in r.stdout.splitlines()[-1], r.stdout[-3000:]


def test_fixtures_fall_back_without_wasi_libc(tmp_path):
    r = _hidden_run(["/usr/lib/wasm32-wasi"], FIXTURE_TESTS, tmp_path)
    assert r.returncode == 0, r.stdout[-3000:]
    assert "3 passed" in r.stdout.splitlines()[-1], r.stdout[-3000:]

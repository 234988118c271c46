"""Shared pytest setup: `tests/` on sys.path (so every test, also in
subdirectories, can `from mp import run_mp, check_mp`) and the markers."""
import os
import sys

import pytest

# --target DEVICE (tests/target_plugin.py): run MicroPython tests on a board.
pytest_plugins = ["target_plugin"]

TESTS = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(TESTS)
if TESTS not in sys.path:
    sys.path.insert(0, TESTS)


def pytest_configure(config):
    config.addinivalue_line("markers", "spec: the WebAssembly spec suite (slow)")
    config.addinivalue_line("markers", "slow: takes more than a few seconds")


@pytest.fixture
def root():
    return ROOT


@pytest.fixture(scope="session")
def mpy_runtime(tmp_path_factory):
    """wamr_mpy compiled to .mpy for the MicroPython under test, as a board
    holds it (importing sources would spend a small heap on compiling the
    runtime).  Returns the folder that holds wamr_mpy/."""
    import subprocess
    from mp import need_tool, native_arch
    cross = need_tool("mpy-cross")
    arch = native_arch()
    out = tmp_path_factory.mktemp("mpy_runtime")
    src = os.path.join(ROOT, "wamr_mpy")
    for dirpath, dirs, files in os.walk(src):
        dst = os.path.join(str(out), "wamr_mpy", os.path.relpath(dirpath, src))
        os.makedirs(dst, exist_ok=True)
        for f in files:
            if f.endswith(".py"):
                subprocess.run([cross, "-march=" + arch, "-o", os.path.join(dst, f[:-3] + ".mpy"),
                                os.path.join(dirpath, f)], check=True, cwd=dirpath)
    return str(out)

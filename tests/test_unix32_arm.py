"""The runtime on 32-bit ARM Thumb-2 code: ports/unix32 built for ARM Linux
(ARMv7-A, Thumb-2 native emitter, VFP, single-precision float like the
boards) with clang-14 and run by qemu-arm in user mode.  Native code from
@viper/@native and .mpy files is Thumb-2 here, as on a Cortex-M board; the
i386 build (tests/test_unix32.py) runs x86 code.

The executable comes from $WAMR_MICROPYTHON_ARM, else build/unix32-armhf/
(built here with `ports/unix32/build.sh armhf` when missing; `make test`
installs the toolchain).  Without it the tests skip and say what is missing.
"""
import os
import subprocess

import pytest

from mp import ROOT
from test_unix32 import CHEAP, check_spec_suite, mp32  # noqa: F401 (mp32: a fixture)


@pytest.fixture(scope="module")
def mparm():
    exe = os.environ.get("WAMR_MICROPYTHON_ARM") or \
        os.path.join(ROOT, "build", "unix32-armhf", "micropython")
    if not os.path.exists(exe):
        import fcntl
        os.makedirs(os.path.join(ROOT, "build"), exist_ok=True)
        with open(os.path.join(ROOT, "build", ".unix32.lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if os.path.exists(exe):
                return exe
            r = subprocess.run([os.path.join(ROOT, "ports", "unix32", "build.sh"), "armhf"],
                               capture_output=True, text=True, timeout=900)
        if r.returncode != 0:
            if "armhf needs" in r.stderr:
                pytest.skip(r.stderr.strip()[-300:])
            pytest.fail("ports/unix32/build.sh armhf failed:\n" + r.stdout[-2000:]
                        + r.stderr[-2000:])
    return exe


def test_it_is_32_bit_thumb2_with_single_float(mparm):
    r = subprocess.run([mparm, "-c", """
import sys, micropython
from wamr_mpy import config
from wamr_mpy.aot import native_arch
@micropython.viper
def wrap(x: int) -> int:
    return x + 1
print(sys.maxsize, wrap(0x7fffffff), 1.0 + 1e-8 == 1.0, config.SOFT_FLOAT, native_arch())
"""], capture_output=True, text=True, timeout=120, env=dict(os.environ, MICROPYPATH=ROOT))
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.split() == ["2147483647", "-2147483648", "True", "1", "armv7emdp"], r.stdout


FULL = os.environ.get("WAMR_BOARDS_FULL") == "1"


# The whole suite on every tier, made cheap enough for `make test` (docs/
# boards.md has the figures): under QEMU user mode the CPU goes to the
# runtime itself.  CHEAP (tests/test_unix32.py) halves it, and on aot each
# module is compiled by the i386 build of the same port (same
# configuration: 32-bit words, single float), natively, for armv7emsp,
# instead of by the emulated runtime; a module that does not compile there
# is compiled in the runner.  `make test-boards-full` (WAMR_BOARDS_FULL=1)
# runs it as x86 did before: a process per file, 128 MiB, every module
# compiled in the emulated runner.


# aot: every module compiled by mpy-cross -march=armv7emsp (the Cortex-M4F /
# M33 boards' arch), which this armv7emdp port imports as MicroPython does.
@pytest.mark.parametrize("tier", ["interp", "fast", "jit", "aot"])
def test_spec_suite_on_arm(mparm, tier, tmp_path, spec_json, request):
    """The whole spec suite on Thumb-2 code, with the known failures of x86
    (tests/test_unix32.py)."""
    options = []
    if not FULL:
        options = list(CHEAP)
        if tier == "aot":
            try:
                options += ["--aot-compiler", request.getfixturevalue("mp32")]
            except pytest.skip.Exception:
                pass            # no i386 build here: the runner compiles
    check_spec_suite(mparm, tier, tmp_path, spec_json, {"WAMR_AOT_ARCH": "armv7emsp"},
                     file_timeout=1200, options=options)

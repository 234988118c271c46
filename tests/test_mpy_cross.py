"""Every module under wamr_mpy/ compiles with mpy-cross for the board
architectures: xtensawin (ESP32/S2/S3), armv6m (RP2040), armv7emsp
(RP2350, Cortex-M4F).  Catches what only the cross compiler rejects, e.g.
viper literals of 2**30 or more."""
import glob
import os
import subprocess

import pytest

from mp import ROOT, need_tool

ARCHES = ("xtensawin", "armv6m", "armv7emsp")
MODULES = sorted(os.path.relpath(p, ROOT) for p in glob.glob(
    os.path.join(ROOT, "wamr_mpy", "**", "*.py"), recursive=True))


def test_there_are_modules():
    assert "wamr_mpy/errors.py" in MODULES


@pytest.mark.parametrize("arch", ARCHES)
@pytest.mark.parametrize("module", MODULES)
def test_mpy_cross(module, arch, tmp_path):
    mpy_cross = need_tool("mpy-cross")
    out = tmp_path / "out.mpy"
    r = subprocess.run([mpy_cross, "-march=" + arch, "-s", module, "-o", str(out),
                        os.path.join(ROOT, module)],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, "mpy-cross -march=%s %s:\n%s%s" % (arch, module, r.stdout, r.stderr)
    data = out.read_bytes()
    assert data[:2] == b"M\x06", "not an .mpy v6 file: %r" % data[:4]

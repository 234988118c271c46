"""Every module imports on the MicroPython unix port: wamr_mpy/** as a
package, ports/<port>/** with that port directory on the path.  Modules that
need hardware or run something on import are skipped by the explicit list
below (glob patterns on the path, with the reason)."""
import fnmatch
import glob
import os

import pytest

from mp import ROOT, run_mp

SKIP = [
    ("wamr_mpy/__main__.py", "the command line: runs on import (tested by the CLI tests)"),
    ("ports/*/main.py", "board start-up script: starts the app framework on import"),
    ("ports/*/boot.py", "board start-up script: runs on import"),
    ("ports/*/manifest*.py", "freeze manifest for MicroPython's build, not a module"),
    ("ports/esp32/*", "needs the esp32 port's machine/esp32/network modules"),
    ("ports/rp2/*", "needs the rp2 port's machine/rp2 modules"),
    ("ports/zephyr/*", "needs the zephyr port's machine/zephyr modules"),
]


def _skip_reason(rel):
    for pat, why in SKIP:
        if fnmatch.fnmatch(rel, pat):
            return why
    return None


def _modules():
    out = []
    for p in sorted(glob.glob(os.path.join(ROOT, "wamr_mpy", "**", "*.py"), recursive=True)):
        rel = os.path.relpath(p, ROOT)
        name = rel[:-3].replace(os.sep, ".")
        if name.endswith(".__init__"):
            name = name[:-len(".__init__")]
        out.append((rel, name, None))
    for p in sorted(glob.glob(os.path.join(ROOT, "ports", "*", "**", "*.py"), recursive=True)):
        rel = os.path.relpath(p, ROOT)
        parts = rel.split(os.sep)
        portdir = os.path.join(ROOT, parts[0], parts[1])
        name = ".".join(parts[2:])[:-3]
        if name.endswith(".__init__"):
            name = name[:-len(".__init__")]
        out.append((rel, name, portdir))
    return out


MODULES = _modules()


@pytest.mark.parametrize("rel,name,portdir", MODULES, ids=[m[0] for m in MODULES])
def test_import(rel, name, portdir):
    why = _skip_reason(rel)
    if why:
        pytest.skip(why)
    r = run_mp("import %s\nprint('imported', %r)" % (name, name),
               path=[portdir] if portdir else (), timeout=60)
    out = r.stdout.decode("utf-8", "replace")
    assert r.returncode == 0 and out.strip().endswith("imported %s" % name), (
        "import %s failed on MicroPython (exit %d):\n%s%s" % (
            name, r.returncode, out, r.stderr.decode("utf-8", "replace")))

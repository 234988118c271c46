"""The app manager on the emulated boards (ports/qemu), driven over the
board's UART by tools/host_tool -D as on a real board: install, query,
request, uninstall.  QEMU's serial line is a pseudo-terminal here.

The boards' MicroPython core has no asyncio (the PyPI sources have no
extmod/): their firmware carries ports/qemu/asyncio.py, which
tests/asyncio_cases.py checks against MicroPython's own asyncio on the
unix port.
"""
import json
import os
import subprocess
import sys

import pytest

from mp import MICROPYTHON, ROOT
from test_qemu import need_board

sys.path.insert(0, os.path.join(ROOT, "tools"))
import qemuboard as qb  # noqa: E402

APP = os.path.join(ROOT, "samples", "request_response", "request_handler.wasm")


def test_port_asyncio_runs_like_micropythons(tmp_path):
    """The same trace from MicroPython's asyncio and from the port's."""
    script = os.path.join(ROOT, "tests", "asyncio_cases.py")
    with open(os.path.join(ROOT, "ports", "qemu", "asyncio.py")) as f:
        (tmp_path / "port_asyncio.py").write_text(f.read())
    runs = []
    for mod in ("asyncio", "port_asyncio"):
        r = subprocess.run([MICROPYTHON, script, mod], capture_output=True, timeout=60,
                           env=dict(os.environ, MICROPYPATH="%s:.frozen" % tmp_path))
        assert r.returncode == 0, (mod, r.stdout, r.stderr)
        runs.append(r.stdout.decode())
    if "can't cancel self" not in runs[0]:
        pytest.skip("this micropython has no asyncio of its own to compare with")
    assert runs[1] == runs[0]
    assert runs[0].rstrip().endswith("run raised KeyError('main',)")


def host_tool(dev, *args, timeout=60):
    return subprocess.run([os.path.join(ROOT, "tools", "host_tool"), "-D", dev,
                           "-t", "30000"] + list(args), capture_output=True, text=True,
                          timeout=timeout)


@pytest.mark.parametrize("board", qb.BOARDS)
def test_host_tool_manages_apps_over_the_uart(board):
    pytest.importorskip("serial")       # host_tool -D needs pyserial
    need_board(board)
    proc, dev, free = qb.start_app_manager(board)
    print("%s: %d bytes of heap free with the app framework imported" % (board, free))
    try:
        r = host_tool(dev, "-i", "request_handler", "-f", APP)
        assert r.returncode == 65, r.stdout + r.stderr      # 2.01 created
        r = host_tool(dev, "-q")
        assert r.returncode == 69, r.stdout + r.stderr      # 2.05 content
        assert "request_handler" in r.stdout, r.stdout
        r = host_tool(dev, "-r", "/app/request_handler/url1", "-A", "GET")
        assert r.returncode == 69, r.stdout + r.stderr
        body = json.loads(r.stdout[r.stdout.index("{"):])
        assert body.get("key1") == "value1", r.stdout
        r = host_tool(dev, "-u", "request_handler")
        assert r.returncode == 66, r.stdout + r.stderr      # 2.02 deleted
        r = host_tool(dev, "-q")
        assert r.returncode == 69 and "request_handler" not in r.stdout, r.stdout
    finally:
        proc.kill()
        proc.wait()

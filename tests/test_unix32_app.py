"""The app manager on ports/unix32 (a real 32-bit, single-float
MicroPython) over TCP: its own socket and select.poll (modsocket.c,
modselect.c) and ports/qemu/asyncio.py with asyncio_tcp.py, since the
PyPI core has neither extmod/ nor asyncio.  Driven by tools/host_tool as
tests/test_app_e2e.py drives the 64-bit unix port, with that file's
device and flood helpers."""
import os
import socket
import time

from mp import ROOT
from test_unix32 import mp32  # noqa: F401  (the fixture)
from test_app_e2e import (device_factory, _install_request_uninstall,  # noqa: F401
                          flood_and_check, json_of, prebuilt)
import pytest

# the port's asyncio (and its TCP part) after the runtime on the path
PATH = {"MICROPYPATH": os.pathsep.join([ROOT, os.path.join(ROOT, "ports", "qemu")])}


@pytest.fixture
def dev32(mp32, device_factory):  # noqa: F811
    return lambda: device_factory(exe=mp32, env=PATH, heapsize="2M")


def test_host_tool_manages_apps_over_tcp(dev32):
    """install, query, request, uninstall, query over TCP on unix32."""
    dev = dev32()
    rc, out = dev.tool("-i", "rh", "-f", prebuilt("request_handler"))
    assert rc == 65, out                                    # 2.01 created
    rc, out = dev.tool("-q")
    assert rc == 69 and '"rh"' in out, out
    rc, out = dev.tool("-r", "/app/rh/url1", "-A", "GET")
    assert rc == 69 and json_of(out)["key2"] == "value2", out
    rc, out = dev.tool("-u", "rh")
    assert rc == 66, out                                    # 2.02 deleted
    rc, out = dev.tool("-q")
    assert rc == 69 and '"rh"' not in out, out
    assert "[handler] url1 called" in dev.stdout() + dev.stderr()


def test_link_cap_over_tcp(dev32):
    """Forty connections that each hold a half-sent frame: the manager
    keeps APP_MAX_LINKS (32) and closes the other 8 at once; when the 40
    go, a host tool is served."""
    dev = dev32()
    held = []
    try:
        for i in range(40):
            s = socket.create_connection(("127.0.0.1", dev.port), 10)
            s.sendall(b"\x12\x34\x00\x02\x00\x00\x10\x00")     # 4 KiB promised
            s.setblocking(False)
            held.append(s)
        closed = set()
        deadline = time.monotonic() + 20
        while len(closed) < 8 and time.monotonic() < deadline:
            for s in held:
                try:
                    if s not in closed and s.recv(1) == b"":
                        closed.add(s)
                except BlockingIOError:
                    pass
                except OSError:
                    closed.add(s)
            time.sleep(0.05)
        time.sleep(0.3)             # a ninth would be closed by now
        for s in held:
            try:
                if s not in closed and s.recv(1) == b"":
                    closed.add(s)
            except (BlockingIOError, InterruptedError):
                pass
            except OSError:
                closed.add(s)
        print("40 links: %d closed by the device after %.1f s" % (len(closed), time.monotonic() - deadline + 20))
        assert len(closed) == 8, dev.stderr()
        assert "refused: 32 links open (APP_MAX_LINKS)" in dev.stderr()
    finally:
        for s in held:
            s.close()
    dev.wait_err("links: 8 refused while full|dropping an unfinished frame", 10)
    _install_request_uninstall(dev)


def test_connection_flood_on_unix32(dev32):
    """tests/test_app_e2e.py's 3,000 connection attempts at once, then
    install/request/uninstall: links capped, fds back, RSS back."""
    flood_and_check(dev32(), 3000, 3.0)

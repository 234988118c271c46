"""The app manager on ports/unix32 (a real 32-bit, single-float
MicroPython) over TCP: its own socket and select.poll (modsocket.c,
modselect.c) and ports/qemu/asyncio.py with asyncio_tcp.py, since the
PyPI core has neither extmod/ nor asyncio.  Driven by tools/host_tool as
tests/test_app_e2e.py drives the 64-bit unix port, with that file's
device and flood helpers."""
import os
import re
import socket
import time

from mp import ROOT
from test_unix32 import mp32  # noqa: F401  (the fixture)
from test_app_e2e import (device_factory, _install_request_uninstall,  # noqa: F401
                          flood_and_check, json_of, prebuilt)
import pytest

# the port's asyncio (and its TCP part) after the runtime on the path
PATH = {"MICROPYPATH": os.pathsep.join([ROOT, os.path.join(ROOT, "ports", "qemu")])}


def test_socket_and_poll_on_unix32(mp32):  # noqa: F811
    """select.poll over sockets, a stream without fd (io.IOBase) and a
    socket closed while registered (reported at once, so the asyncio task
    waiting on it wakes: it used to spin in poll for ever); a TCP echo
    through asyncio_tcp; a refused connect is an OSError."""
    from test_unix32 import run32
    out = run32(mp32, r"""
import io, select, socket, asyncio
s = socket.socket()
p = select.poll()
p.register(s, select.POLLIN)
s.close()
print("closed", p.poll(1000)[0][1] & (select.POLLERR | select.POLLHUP) != 0)
class Ready(io.IOBase):
    def ioctl(self, req, arg):
        return select.POLLIN if req == 3 else 0
q = select.poll()
q.register(Ready(), select.POLLIN)
print("ioctl", q.poll(1000)[0][1])
async def echo(r, w):
    w.write(b"echo:" + await r.read(100))
    await w.drain()
    w.close()
async def main():
    srv = await asyncio.start_server(echo, "127.0.0.1", 0)
    port = socket.sockaddr(srv.s.getsockname())[2]
    r, w = await asyncio.open_connection("127.0.0.1", port)
    w.write(b"hi")
    await w.drain()
    print("echo", await r.read(-1))
    w.close()
    srv.close()
    try:
        await asyncio.open_connection("127.0.0.1", port)
    except OSError as e:
        print("refused", e.errno)
asyncio.run(main())
""", env=PATH, timeout=60)
    assert out.split("\n")[:4] == ["closed True", "ioctl 1", "echo b'echo:hi'", "refused 111"], out


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
    # the device sees the 40 go in its own time: a host tool may be
    # refused until it has
    deadline = time.monotonic() + 20
    while dev.tool("-q")[0] != 69:
        assert time.monotonic() < deadline, dev.stderr()
        time.sleep(0.2)
    # 8, and any host tool refused while the 32 were still open
    assert int(re.search(r"links: (\d+) refused while full", dev.stderr()).group(1)) >= 8
    _install_request_uninstall(dev)


def test_connection_flood_on_unix32(dev32):
    """tests/test_app_e2e.py's 3,000 connection attempts at once, then
    install/request/uninstall: links capped, fds back, RSS back."""
    flood_and_check(dev32(), 3000, 3.0)


# Started instead of wamr_mpy.app (Device(module=...)): the manager with a
# task that writes the heap after a collection to stderr every 250 ms.
HEAP_REPORT = r"""import gc, sys, asyncio
import wamr_mpy.app.__main__ as M
serve = M.serve


async def report():
    while True:
        gc.collect()
        sys.stderr.write("heap in use %d free %d\n" % (gc.mem_alloc(), gc.mem_free()))
        await asyncio.sleep_ms(250)


async def serve_reporting(o):
    asyncio.create_task(report())
    await serve(o)
M.serve = serve_reporting
sys.exit(M.main(sys.argv[1:] + ["--no-port"]))
"""

SAMPLES = (("timer", "timer"), ("rh", "request_handler"), ("pub", "event_publisher"))


def _three_apps(dev):
    """Installs the three samples; returns the heap in use after each step
    (idle, then each install) and what the apps answered."""

    def in_use():
        time.sleep(0.6)         # two reports after the step
        return int(re.findall(r"heap in use (\d+)", dev.stderr())[-1])
    steps = [("idle", in_use())]
    for name, sample in SAMPLES:
        rc, out = dev.tool("-i", name, "-f", prebuilt(sample))
        steps.append((name, in_use() if rc == 65 else None))
    rc, out = dev.tool("-r", "/app/rh/url1", "-A", "GET")
    answered = {"rh": rc == 69 and json_of(out).get("key1") == "value1"}
    rc, out = dev.tool("-s", "alert/overheat", "-a", "2500")
    answered["pub"] = out.count("alert/overheat") >= 2
    answered["timer"] = "Timer update" in dev.stdout() + dev.stderr()
    return steps, answered


@pytest.mark.full
@pytest.mark.parametrize("runtime", ["frozen", "mpy"])
def test_manager_and_three_samples_on_esp32_generic(mp32, tmp_path, device_factory,  # noqa: F811
                                                    runtime):
    """Issue 15's ESP32_GENERIC point on this port: the app manager (TCP)
    with the timer, request_handler and event_publisher samples, the
    board's build (APP_MAX_APPS raised to 3) with the runtime frozen or as
    .mpy files in RAM (asyncio frozen, as in MicroPython's esp32
    firmware).  Prints the heap in use at each step, in a heap big enough
    for all three, and how far the board's own 110 KiB heap gets.  Figures:
    docs/boards.md."""
    from boardtest import build
    from test_unix32 import board_manifest, frozen_firmware, mpy_lib
    info = build("ESP32_GENERIC", tmp_path / "b", "-D", "APP_MAX_APPS=3")
    qemu = os.path.join(ROOT, "ports", "qemu")
    lines = ["module(%r, base_path=%r)" % (m, qemu) for m in ("asyncio.py", "asyncio_tcp.py")]
    if runtime == "frozen":
        lines += [l for l in board_manifest(tmp_path / "b") if "app_port" not in l]
        path = [".frozen"]
    else:
        path = [str(mpy_lib(info, tmp_path / "b" / "src", tmp_path / "lib")), ".frozen"]
    exe = frozen_firmware(tmp_path, lines)
    (tmp_path / "heap_report.py").write_text(HEAP_REPORT)
    env = {"MICROPYPATH": os.pathsep.join(path + [str(tmp_path)])}
    board = 110 * 1024
    big = "256K" if runtime == "frozen" else "400K"
    # cwd: not the repository, whose wamr_mpy/ sys.path's "" would find
    dev = device_factory(exe=exe, env=env, heapsize=big, module="heap_report",
                         cwd=str(tmp_path))
    steps, answered = _three_apps(dev)
    print("%s runtime, %s heap: in use %s; answered %s" % (runtime, big, steps, answered))
    assert all(v is not None for _, v in steps) and all(answered.values()), dev.stderr()
    print("%s runtime: %d bytes over the board's 110 KiB heap with three apps" % (
        runtime, steps[-1][1] - board))
    try:
        small = device_factory(exe=exe, env=env, heapsize="110K", module="heap_report",
                         cwd=str(tmp_path))
    except AssertionError as e:
        print("%s runtime, 110 KiB: the manager does not start: %s" % (
            runtime, str(e).strip().splitlines()[-1]))
    else:
        steps, answered = _three_apps(small)
        print("%s runtime, 110 KiB heap: in use %s; answered %s" % (runtime, steps, answered))
        assert small.proc.poll() is None, small.stderr()

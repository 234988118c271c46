"""tools/host_tool.py against a scripted fake device (CPython): the frames
it sends for each operation (WAMR host_tool's URLs and message types), its
output, exit codes, JSON <-> attr container conversion and the progress
bar.  The real device: test_app_e2e.py."""
import json
import os
import socket
import subprocess
import sys
import threading
import time

import pytest

from mp import ROOT

sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "tools"))
import host_tool  # noqa: E402
from wamr_mpy.app import protocol as P  # noqa: E402
from wamr_mpy.app import attr  # noqa: E402

HOST_TOOL = os.path.join(ROOT, "tools", "host_tool.py")


class FakeDevice:
    """Accepts one connection, records the frames, answers each request
    with reply(request) -> list of frames to send back."""

    def __init__(self, reply):
        self.srv = socket.socket()
        self.srv.bind(("127.0.0.1", 0))
        self.srv.listen(1)
        self.port = self.srv.getsockname()[1]
        self.reply = reply
        self.frames = []
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        conn, _ = self.srv.accept()
        conn.settimeout(10)
        fr = P.Framer()

        def on_frame(t, payload):
            req = P.unpack_request(payload)
            self.frames.append((t, req))
            for out in self.reply(req):
                conn.sendall(out)
            return True
        try:
            while True:
                d = conn.recv(65536)
                if not d:
                    break
                fr.feed(d, on_frame)
        except OSError:
            pass
        conn.close()
        self.srv.close()


def respond(status, payload=b"", fmt=P.FMT_ATTR):
    def reply(req):
        return [P.encode_frame(P.TYPE_RESPONSE, P.pack_response(
            P.Response(status, fmt, payload, req.mid, req.sender)))]
    return reply


def tool(dev_port, *args, timeout=30):
    r = subprocess.run([sys.executable, HOST_TOOL, "-P", str(dev_port)] +
                       list(args), capture_output=True, text=True,
                       timeout=timeout)
    return r.returncode, r.stdout, r.stderr


def test_install_frame(tmp_path):
    wasm = tmp_path / "a.wasm"
    wasm.write_bytes(b"\0asm\1\0\0\0" + bytes(range(256)) * 40)
    dev = FakeDevice(respond(P.CREATED))
    rc, out, err = tool(dev.port, "-i", "app1", "-f", str(wasm), "--heap",
                        "8192", "--timers", "3", "--watchdog", "500",
                        "--progress")
    assert rc == 65, (out, err)
    assert out == "\nresponse status 65\n"
    t, req = dev.frames[0]
    assert t == P.TYPE_INSTALL
    assert req.url == "/applet?name=app1&heap=8192&timers=3&wd=500"
    assert (req.action, req.fmt) == (P.PUT, P.FMT_RAW)
    assert req.payload == wasm.read_bytes()
    assert "100%" in err and "#" * 40 in err          # the progress bar


def test_non_wasm_install_is_a_plain_request(tmp_path):
    f = tmp_path / "a.bin"
    f.write_bytes(b"not wasm")
    dev = FakeDevice(respond(P.INTERNAL_ERROR, attr.encode(
        "", {"error message": "Install WASM app failed: invalid wasm file."})))
    rc, out, err = tool(dev.port, "-i", "x", "-f", str(f))
    assert rc == 160
    assert dev.frames[0][0] == P.TYPE_REQUEST
    assert out == ('\nresponse status 160\n{\n\t"error message":\t'
                   '"Install WASM app failed: invalid wasm file."\n}')


@pytest.mark.parametrize("args,url,action", [
    (["-u", "app1"], "/applet?name=app1", P.DELETE),
    (["-q"], "/applet", P.GET),
    (["-qapp1"], "/applet?name=app1", P.GET),
    (["-q", "app1"], "/applet?name=app1", P.GET),
    (["-r", "/app/a/url1", "-A", "post"], "/app/a/url1", P.POST),
    (["-s", "/alert/overheat"], "/event/alert/overheat", P.PUT),
    (["-s", "alert/overheat"], "/event/alert/overheat", P.PUT),
    (["-d", "/alert/overheat"], "/event/alert/overheat", P.DELETE),
])
def test_operation_urls(args, url, action):
    dev = FakeDevice(respond(P.CONTENT))
    rc, out, err = tool(dev.port, *args)
    assert rc == 69, err
    t, req = dev.frames[0]
    assert (t, req.url, req.action) == (P.TYPE_REQUEST, url, action)


def test_request_payload_json_and_response_json(tmp_path):
    p = tmp_path / "p.json"
    p.write_text(json.dumps({"n": 3, "x": 1.5, "ok": True, "s": "hi",
                             "arr": [1, 2, 255], "skip": None}))
    body = attr.encode("r", [("i", attr.INT, -5), ("f", attr.FLOAT, 0.25),
                             ("b", attr.BOOLEAN, False),
                             ("a", attr.BYTEARRAY, b"\x01\xff"),
                             ("l", attr.INT64, 1 << 40)])
    dev = FakeDevice(respond(P.CONTENT, body))
    rc, out, err = tool(dev.port, "-r", "/res", "-A", "PUT", "-p", str(p))
    assert rc == 69, err
    req = dev.frames[0][1]
    assert req.fmt == P.FMT_ATTR
    tag, items = attr.decode(req.payload)
    assert items == [("n", attr.DOUBLE, 3.0), ("x", attr.DOUBLE, 1.5),
                     ("ok", attr.BOOLEAN, True), ("s", attr.STRING, "hi"),
                     ("arr", attr.BYTEARRAY, b"\x01\x02\xff")]
    assert out.startswith("\nresponse status 69\n")
    assert json.loads(out[out.index("{"):]) == {
        "i": -5, "f": 0.25, "b": False, "a": [1, -1], "l": 1 << 40}


def test_events_while_alive_and_other_mids_ignored():
    def reply(req):
        ev = P.Request("alert/overheat", P.EVENT, P.FMT_ATTR,
                       attr.encode("", {"t": 1}), 99, 3)
        other = P.Response(160, 0, b"", req.mid + 1, 0)
        return [P.encode_frame(P.TYPE_RESPONSE, P.pack_response(other)),
                P.encode_frame(P.TYPE_REQUEST, P.pack_request(ev))[:10],
                P.encode_frame(P.TYPE_REQUEST, P.pack_request(ev))[10:] +
                P.encode_frame(P.TYPE_RESPONSE, P.pack_response(
                    P.Response(69, 0, b"", req.mid, 0))) +
                b"garbage" + P.encode_frame(P.TYPE_REQUEST,
                                            P.pack_request(ev))]
    dev = FakeDevice(reply)
    rc, out, err = tool(dev.port, "-s", "/alert/overheat", "-a", "500")
    assert rc == 69, err
    assert out.count("received an event alert/overheat") == 2
    assert "response status 160" not in out


def test_timeout_and_unreachable():
    dev = FakeDevice(lambda req: [])
    rc, out, err = tool(dev.port, "-q", "-t", "300")
    assert rc == 2 and "operation timeout" in out
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    rc, out, err = tool(port, "-q")
    assert rc == 255 and "cannot connect" in err


@pytest.mark.parametrize("args", [
    ["-i", "x"],                    # no -f
    ["-r", "/x"],                   # no -A
    ["-r", "/x", "-A", "FETCH"],
    ["-q", "-u", "x"],              # two operations
    ["-q", "--heap", "10"],
    [],
])
def test_bad_arguments(args):
    r = subprocess.run([sys.executable, HOST_TOOL] + args,
                       capture_output=True, text=True)
    assert r.returncode == 2 and "usage" in r.stderr


def test_json2attr_and_back():
    a = host_tool.json2attr({"a": 1, "b": [1, 2], "c": "s", "d": False})
    assert attr.decode(a)[1] == [("a", attr.DOUBLE, 1.0),
                                 ("b", attr.BYTEARRAY, b"\1\2"),
                                 ("c", attr.STRING, "s"),
                                 ("d", attr.BOOLEAN, False)]
    assert host_tool.attr2json(a) == {"a": 1.0, "b": [1, 2], "c": "s",
                                      "d": False}
    with pytest.raises(host_tool.ToolError):
        host_tool.json2attr([1, 2])
    text = host_tool.json_text({"k": 1})
    assert text == '{\n\t"k":\t1\n}'


def test_wrapper_script():
    r = subprocess.run([os.path.join(ROOT, "tools", "host_tool"), "--help"],
                       capture_output=True, text=True)
    assert r.returncode == 0 and "host_tool -i NAME -f FILE" in r.stdout


def test_waits_for_a_device_that_starts_later():
    """`micropython -m wamr_mpy.app &` then host_tool at once (README): the
    device may not listen yet; host_tool tries again until its timeout."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    p = subprocess.Popen([sys.executable, HOST_TOOL, "-P", str(port), "-q"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(1)
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", port))
    srv.listen(1)
    srv.settimeout(20)
    try:
        conn, _ = srv.accept()
        conn.close()
        out, err = p.communicate(timeout=30)
    finally:
        srv.close()
        if p.poll() is None:
            p.kill()
    assert "cannot connect" not in err

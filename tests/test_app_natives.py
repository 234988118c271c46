"""The framework natives and handler conventions with real wasm, without a
C toolchain: a hand-written WAT app that calls the natives directly and
exports emcc-style names (`_on_init`, `_on_request`, ...), run in-process
on the MicroPython unix port with the real VM."""
import subprocess

from mp import check_mp, need_tool

WAT = r"""
(module
  (import "env" "wasm_register_resource" (func $reg (param i32)))
  (import "env" "wasm_response_send" (func $send (param i32 i32) (result i32)))
  (import "env" "wasm_post_request" (func $post (param i32 i32)))
  (import "env" "wasm_sub_event" (func $sub (param i32)))
  (import "env" "wasm_create_timer" (func $tcreate (param i32 i32 i32) (result i32)))
  (import "env" "wasm_timer_cancel" (func $tcancel (param i32)))
  (import "env" "wasm_get_sys_tick_ms" (func $tick (result i32)))
  (import "env" "wasm_sensor_open" (func $sopen (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "/ping\00")
  (data (i32.const 32) "news\00")
  (data (i32.const 40) "sensor_test\00")
  ;; a packed EVENT request for "news" (18-byte header + "news\00")
  (data (i32.const 200) "\01\06\00\00\00\00\00\07\00\00\00\00\00\05\00\00\00\00news\00")
  (global $fired (mut i32) (i32.const 0))
  (global $events (mut i32) (i32.const 0))
  (global $timer (mut i32) (i32.const 0))
  (global $t0 (mut i32) (i32.const 0))
  (func (export "_on_init")
    (call $reg (i32.const 16))
    (call $sub (i32.const 32))
    (global.set $timer (call $tcreate (i32.const 20) (i32.const 1) (i32.const 1)))
    (global.set $t0 (call $tick)))
  (func (export "_on_timer_callback") (param $id i32)
    (global.set $fired (i32.add (global.get $fired) (i32.const 1)))
    (if (i32.ge_u (global.get $fired) (i32.const 5))
      (then (call $tcancel (local.get $id)))))
  ;; /ping answers 2.05 with 12 bytes: fired, events, elapsed ms (little-endian)
  ;; an event counts; a request with action PUT publishes "news"
  (func (export "_on_request") (param $buf i32) (param $len i32)
    (if (i32.eq (i32.load8_u offset=1 (local.get $buf)) (i32.const 6))
      (then (global.set $events (i32.add (global.get $events) (i32.const 1)))
            (return)))
    (if (i32.eq (i32.load8_u offset=1 (local.get $buf)) (i32.const 3))
      (then (call $post (i32.const 200) (i32.const 23))))
    (i32.store8 (i32.const 64) (i32.const 1))
    (i32.store8 (i32.const 65) (i32.const 69))
    (i32.store16 (i32.const 66) (i32.const 0))
    (i32.store (i32.const 68) (i32.load offset=4 (local.get $buf)))
    (i32.store (i32.const 72) (i32.load offset=8 (local.get $buf)))
    (i32.store (i32.const 76) (i32.const 0x0c000000))
    (i32.store (i32.const 80) (global.get $fired))
    (i32.store (i32.const 84) (global.get $events))
    (i32.store (i32.const 88) (i32.sub (call $tick) (global.get $t0)))
    (drop (call $send (i32.const 64) (i32.const 28))))
  ;; a sensor that does not exist gives 0xFFFFFFFF
  (func (export "probe_sensor") (result i32)
    (call $sopen (i32.const 32) (i32.const 0)))
  (func (export "open_sensor") (result i32)
    (call $sopen (i32.const 40) (i32.const 0)))
)
"""

SCRIPT = r"""
import asyncio, struct
from wamr_mpy.app.__main__ import make_manager
from wamr_mpy.app import protocol as P

async def main():
    mgr = make_manager(None, quiet=True, port_module=True)
    got = []
    class L:
        name = "t"; alive = True
        def send(self, d):
            P.Framer().feed(d, lambda t, p: got.append((t, p)) or True)
    link = L()
    mgr.add_link(link)
    wasm = open(WASM, "rb").read()
    def send(url, action=P.GET, mid=1, t=P.TYPE_REQUEST, payload=b""):
        mgr.feed(link, P.encode_frame(t, P.pack_request(
            P.Request(url, action, 0, payload, mid))))
    send("/applet?name=w", P.PUT, 1, P.TYPE_INSTALL, wasm)
    send("/event/news", P.PUT, 2)
    await asyncio.sleep_ms(300)
    send("/ping", P.GET, 3)
    send("/app/w/ping", P.PUT, 4)        # publishes "news" to itself + host
    await asyncio.sleep_ms(100)
    send("/ping", P.GET, 5)
    await asyncio.sleep_ms(100)
    resp = dict((r.mid, r) for r in [P.unpack_response(p) for t, p in got
                                     if t == P.TYPE_RESPONSE])
    print("install", resp[1].status, "sub", resp[2].status)
    f, e, ms = struct.unpack("<iii", resp[3].payload)
    print("ping", resp[3].status, f, e, ms >= 100)
    f, e, ms = struct.unpack("<iii", resp[5].payload)
    print("ping2", f, e)
    evs = [P.unpack_request(p) for t, p in got if t == P.TYPE_REQUEST]
    print("host events", [(ev.url, ev.sender) for ev in evs])
    app = mgr.app_by_name("w")
    inst = app.runner.inst
    print("sensor", inst.call("probe_sensor"), inst.call("open_sensor"))
    print("timers left", len(app.timers), app.timers.active(1))

asyncio.run(main())
"""


def test_wat_app_uses_natives_directly(tmp_path):
    wat2wasm = need_tool("wat2wasm")
    src = tmp_path / "w.wat"
    src.write_text(WAT)
    wasm = tmp_path / "w.wasm"
    subprocess.run([wat2wasm, str(src), "-o", str(wasm)], check=True)
    out = check_mp("WASM = %r\n" % str(wasm) + SCRIPT)
    lines = out.strip().split("\n")
    assert lines[0] == "install 65 sub 69"
    # the 20 ms periodic timer fired 5 times, then the app cancelled it
    assert lines[1] == "ping 69 5 0 True"
    assert lines[2] == "ping2 5 1"
    assert lines[3] == "host events [('news', 1)]"
    # sensor ids: -1 (0xFFFFFFFF as a signed i32) for no such sensor
    assert lines[4] == "sensor -1 1"
    assert lines[5] == "timers left 1 False"


# ---- the connection natives (WAMR's connection API) ------------------------

CONN_WAT = r"""
(module
  (import "env" "wasm_open_connection" (func $open (param i32 i32 i32) (result i32)))
  (import "env" "wasm_close_connection" (func $close (param i32)))
  (import "env" "wasm_send_on_connection" (func $send (param i32 i32 i32) (result i32)))
  (import "env" "wasm_config_connection" (func $config (param i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "TCP\00")
  (data (i32.const 24) "UDP\00")
  (data (i32.const 32) "FOO\00")
  (data (i32.const 100) "%(tcp)s")
  (data (i32.const 300) "%(udp)s")
  (data (i32.const 500) "%(dest)s")
  (global $events (mut i32) (i32.const 0))
  (global $last_h (mut i32) (i32.const 0))
  (global $last_len (mut i32) (i32.const -1))
  (func (export "on_init"))
  (func (export "open") (param i32 i32 i32) (result i32)
    (call $open (local.get 0) (local.get 1) (local.get 2)))
  (func (export "send") (param i32 i32 i32) (result i32)
    (call $send (local.get 0) (local.get 1) (local.get 2)))
  (func (export "config") (param i32 i32 i32) (result i32)
    (call $config (local.get 0) (local.get 1) (local.get 2)))
  (func (export "close") (param i32) (call $close (local.get 0)))
  (func (export "on_connection_data") (param $h i32) (param $buf i32) (param $len i32)
    (global.set $events (i32.add (global.get $events) (i32.const 1)))
    (global.set $last_h (local.get $h))
    (global.set $last_len (local.get $len)))
  (func (export "events") (result i32) (global.get $events))
  (func (export "last_h") (result i32) (global.get $last_h))
  (func (export "last_len") (result i32) (global.get $last_len))
)
"""

CONN_SCRIPT = r"""
import asyncio
from wamr_mpy.app.__main__ import make_manager
from wamr_mpy.app import protocol as P
import sys

async def main():
    mgr = make_manager(None, quiet=True, port_module=False)
    LOG = []
    mgr.log = LOG.append
    if hasattr(mgr.connections, "log"):
        mgr.connections.log = LOG.append
        mgr.connections.limit = 2
    class L:
        name = "t"; alive = True
        def send(self, d):
            pass
    link = L()
    mgr.add_link(link)
    mgr.feed(link, P.encode_frame(P.TYPE_INSTALL, P.pack_request(P.Request(
        "/applet?name=c", P.PUT, 0, open(WASM, "rb").read(), 1))))
    app = mgr.app_by_name("c")
    i = app.runner.inst
    out = {}
    out["foo"] = i.call("open", 32, 100, N_TCP)
    out["garbage"] = i.call("open", 16, 0, 7)
    h = i.call("open", 16, 100, N_TCP)      # TCP to a closed port
    out["tcp"] = h > 0
    await asyncio.sleep_ms(300)
    out["refused"] = (i.call("events"), i.call("last_h") == h,
                      i.call("last_len"), mgr.connections.owned_by(app.id))
    h2 = i.call("open", 16, 100, N_TCP)
    out["config_tcp"] = i.call("config", h2, 500, N_DEST)
    u = i.call("open", 24, 300, N_UDP)
    out["udp_send_nowhere"] = i.call("send", u, 16, 3)
    out["udp_config"] = i.call("config", u, 500, N_DEST)
    out["udp_send"] = i.call("send", u, 16, 3)
    out["limit"] = i.call("open", 24, 300, N_UDP)
    i.call("close", u)
    out["closed_send"] = i.call("send", u, 16, 3)
    out["open"] = len(mgr.connections.owned_by(app.id))
    mgr.feed(link, P.encode_frame(P.TYPE_REQUEST, P.pack_request(P.Request(
        "/applet?name=c", P.DELETE, 0, b"", 2))))
    out["after_uninstall"] = mgr.connections.owned_by(app.id)
    out["log"] = [m for m in LOG if "connection" in m or "APP_" in m]
    out["module"] = "wamr_mpy.app.connections" in sys.modules
    print(repr(out))

asyncio.run(main())
"""


def _conn_app(tmp_path):
    import os
    import socket
    import sys
    sys.path.insert(0, os.path.dirname(os.path.dirname(__file__)))
    from wamr_mpy.app import attr
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    closed = s.getsockname()[1]
    s.close()
    blobs = {"tcp": attr.encode("", {"address": "127.0.0.1", "port": closed}),
             "udp": attr.encode("", {"bind port": 0}),
             "dest": attr.encode("", {"address": "127.0.0.1", "port": closed})}
    wat = CONN_WAT % dict((k, "".join("\\%02x" % b for b in v))
                          for k, v in blobs.items())
    src = tmp_path / "c.wat"
    src.write_text(wat)
    wasm = tmp_path / "c.wasm"
    subprocess.run([need_tool("wat2wasm"), str(src), "-o", str(wasm)],
                   check=True)
    return ("WASM = %r\nN_TCP = %d\nN_UDP = %d\nN_DEST = %d\n" % (
        str(wasm), len(blobs["tcp"]), len(blobs["udp"]), len(blobs["dest"]))
        + CONN_SCRIPT)


def test_connection_natives(tmp_path):
    out = eval(check_mp(_conn_app(tmp_path)).strip().split("\n")[-1])
    assert out["foo"] == -1 and out["garbage"] == -1
    # a TCP connection the peer refuses: the app hears it closed (len 0)
    # and it is gone
    assert out["tcp"] and out["refused"] == (1, True, 0, [])
    assert out["config_tcp"] == 0                 # only UDP has a config
    assert out["udp_send_nowhere"] == -1          # no address set yet
    assert out["udp_config"] == 1 and out["udp_send"] == 3
    assert out["limit"] == -1                     # APP_MAX_CONNECTIONS (2)
    assert out["closed_send"] == -1 and out["open"] == 1
    assert out["after_uninstall"] == []
    assert any("APP_MAX_CONNECTIONS" in m for m in out["log"]), out["log"]
    assert any("no 'FOO' connections" in m for m in out["log"]), out["log"]


def test_connection_natives_off(tmp_path):
    out = eval(check_mp(_conn_app(tmp_path),
                        env={"WAMR_CONFIG": "APP_CONNECTIONS=0"})
               .strip().split("\n")[-1])
    assert out["tcp"] is False and out["udp_config"] == 0
    assert out["udp_send"] == -1 and not out["module"]
    assert out["log"][0] == ("c: wasm_open_connection refused: "
                             "APP_CONNECTIONS is off in this build")
    assert all("refused: APP_CONNECTIONS is off" in m for m in out["log"])

"""The app framework's optional parts (Kconfig APP_MESSAGING, APP_TIMERS,
APP_SENSORS, APP_STORE, APP_WATCHDOG, TRANSPORT_*), each turned off.

Run on the MicroPython unix port with WAMR_CONFIG overrides of
wamr_mpy/config.py: the part's module is never imported, apps built against
the full app API still install and run, and what the part would do fails
cleanly (WAMR's "none" values to the app, 5.01 to requesters, a log line).
Then tools/build: a board configuration without a part leaves its module
out of the build, and the build of a board without any of them runs.
"""
import json
import os
import subprocess
import sys

import pytest

from mp import MICROPYTHON, ROOT, check_mp, need_tool, run_mp

sys.path.insert(0, ROOT)
from wamr_mpy.app import protocol as P  # noqa: E402

SAMPLES = os.path.join(ROOT, "samples")

# Imports every framework native (an app built against the full SDK) and
# exports one function per feature so the script can call the natives
# directly; on_request answers 2.05 (DELETE traps), on_response keeps the
# status of the app's own request.
PROBE_WAT = r"""
(module
  (import "env" "wasm_register_resource" (func $reg (param i32)))
  (import "env" "wasm_response_send" (func $send (param i32 i32) (result i32)))
  (import "env" "wasm_post_request" (func $post (param i32 i32)))
  (import "env" "wasm_sub_event" (func $sub (param i32)))
  (import "env" "wasm_create_timer" (func $tcreate (param i32 i32 i32) (result i32)))
  (import "env" "wasm_timer_destroy" (func $tdestroy (param i32)))
  (import "env" "wasm_timer_cancel" (func $tcancel (param i32)))
  (import "env" "wasm_timer_restart" (func $trestart (param i32 i32)))
  (import "env" "wasm_get_sys_tick_ms" (func $tick (result i32)))
  (import "env" "wasm_sensor_open" (func $sopen (param i32 i32) (result i32)))
  (import "env" "wasm_sensor_config" (func $scfg (param i32 i32 i32 i32) (result i32)))
  (import "env" "wasm_sensor_config_with_attr_container"
    (func $scfga (param i32 i32 i32) (result i32)))
  (import "env" "wasm_sensor_close" (func $sclose (param i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "/probe\00")
  (data (i32.const 32) "news\00")
  (data (i32.const 40) "probe_sensor\00")
  ;; EVENT "news" (18-byte header + "news\00")
  (data (i32.const 200) "\01\06\00\00\00\00\00\07\00\00\00\00\00\05\00\00\00\00news\00")
  ;; GET "/probe", mid 9
  (data (i32.const 240) "\01\01\00\00\00\00\00\09\00\00\00\00\00\07\00\00\00\00/probe\00")
  (global $fired (mut i32) (i32.const 0))
  (global $sevents (mut i32) (i32.const 0))
  (global $events (mut i32) (i32.const 0))
  (global $resp (mut i32) (i32.const -2))
  (func (export "on_init")
    (call $reg (i32.const 16))
    (call $sub (i32.const 32)))
  (func (export "timer") (result i32)
    (call $tcreate (i32.const 10) (i32.const 1) (i32.const 1)))
  (func (export "timer_ops") (param $id i32)
    (call $trestart (local.get $id) (i32.const 10))
    (call $tcancel (local.get $id))
    (call $tdestroy (local.get $id)))
  (func (export "tick") (result i32) (call $tick))
  (func (export "sensor") (result i32) (call $sopen (i32.const 40) (i32.const 0)))
  (func (export "sensor_cfg") (param $id i32) (result i32)
    (call $scfg (local.get $id) (i32.const 20) (i32.const 0) (i32.const 0)))
  (func (export "sensor_cfg_attr") (param $id i32) (result i32)
    (call $scfga (local.get $id) (i32.const 0) (i32.const 0)))
  (func (export "sensor_close") (param $id i32) (result i32)
    (call $sclose (local.get $id)))
  (func (export "publish") (call $post (i32.const 200) (i32.const 23)))
  (func (export "ask") (call $post (i32.const 240) (i32.const 25)))
  (func (export "fired") (result i32) (global.get $fired))
  (func (export "sevents") (result i32) (global.get $sevents))
  (func (export "events") (result i32) (global.get $events))
  (func (export "resp") (result i32) (global.get $resp))
  (func (export "on_timer_callback") (param i32)
    (global.set $fired (i32.add (global.get $fired) (i32.const 1))))
  (func (export "on_sensor_event") (param i32 i32 i32)
    (global.set $sevents (i32.add (global.get $sevents) (i32.const 1))))
  (func (export "on_response") (param $buf i32) (param $len i32)
    (global.set $resp (i32.load8_u offset=1 (local.get $buf))))
  (func (export "on_request") (param $buf i32) (param $len i32)
    (if (i32.eq (i32.load8_u offset=1 (local.get $buf)) (i32.const 6))
      (then (global.set $events (i32.add (global.get $events) (i32.const 1)))
            (return)))
    (if (i32.eq (i32.load8_u offset=1 (local.get $buf)) (i32.const 4))
      (then unreachable))
    ;; response: version 1, 2.05, fmt 0, the request's mid and sender, no payload
    (i32.store8 (i32.const 64) (i32.const 1))
    (i32.store8 (i32.const 65) (i32.const 69))
    (i32.store16 (i32.const 66) (i32.const 0))
    (i32.store (i32.const 68) (i32.load offset=4 (local.get $buf)))
    (i32.store (i32.const 72) (i32.load offset=8 (local.get $buf)))
    (i32.store (i32.const 76) (i32.const 0))
    (drop (call $send (i32.const 64) (i32.const 16))))
)
"""

# The device side, in one MicroPython process: a manager with the real VM,
# the framework natives and a host link that records what it is sent.
HARNESS = r"""
import sys, asyncio
from wamr_mpy import config
from wamr_mpy.app import protocol as P, attr, natives
from wamr_mpy.app.manager import Manager

LOG = []

class Link:
    name = "host"; alive = True
    def __init__(self):
        self.frames = []
    def send(self, d):
        P.Framer().feed(d, lambda t, p: self.frames.append((t, p)) or True)
    def status(self, mid):
        for t, p in self.frames:
            if t == P.TYPE_RESPONSE:
                r = P.unpack_response(p)
                if r.mid == mid:
                    return r.status
    def response(self, mid):
        for t, p in self.frames:
            if t == P.TYPE_RESPONSE and P.unpack_response(p).mid == mid:
                return P.unpack_response(p)
    def events(self):
        return [P.unpack_request(p).url for t, p in self.frames
                if t == P.TYPE_REQUEST]

def make(store=None):
    mgr = Manager(store=store, log=LOG.append)
    natives.register(mgr)
    link = Link()
    mgr.add_link(link)
    mgr.start()
    return mgr, link

def send(mgr, link, url, action=P.GET, mid=1, payload=b"",
         t=P.TYPE_REQUEST):
    mgr.feed(link, P.encode_frame(t, P.pack_request(
        P.Request(url, action, 0, payload, mid))))

def install(mgr, link, name, path, mid, query=""):
    with open(path, "rb") as f:
        wasm = f.read()
    send(mgr, link, "/applet?name=" + name + query, P.PUT, mid, wasm,
         P.TYPE_INSTALL)
    return link.status(mid)

def logged(text):
    return len([m for m in LOG if text in m])

def modules():
    return sorted(k[len("wamr_mpy.app."):] for k in sys.modules
                  if k.startswith("wamr_mpy.app."))

def out(key, value):
    print("@%s=%r" % (key, value))

async def main():
BODY
    out("modules", modules())

asyncio.run(main())
"""

ALL_PARTS = ("messaging", "timers", "sensors", "store", "watchdog", "connections")


def wamr_config(**opts):
    return ",".join("%s=%d" % (k, v) for k, v in sorted(opts.items()))


@pytest.fixture(scope="module")
def probe(tmp_path_factory):
    wat2wasm = need_tool("wat2wasm")
    d = tmp_path_factory.mktemp("probe")
    (d / "probe.wat").write_text(PROBE_WAT)
    subprocess.run([wat2wasm, str(d / "probe.wat"), "-o", str(d / "probe.wasm")],
                   check=True)
    return str(d / "probe.wasm")


def device(body, config="", **kw):
    """Run `body` (inside `async def main()` of HARNESS); returns
    (results dict, app output lines)."""
    code = HARNESS.replace("BODY", "\n".join(
        "    " + ln for ln in body.strip("\n").split("\n")))
    env = {"WAMR_CONFIG": config} if config else {"WAMR_CONFIG": ""}
    text = check_mp(code, env=env, **kw)
    res, app = {}, []
    for ln in text.splitlines():
        if ln.startswith("@"):
            k, _, v = ln[1:].partition("=")
            res[k] = eval(v)
        else:
            app.append(ln)
    return res, app


# The same scenario for every configuration: install the probe, use each
# feature, report what came back.
PROBE_RUN = r"""
PROBE = %r
mgr, link = make()
out("install", install(mgr, link, "probe", PROBE, 1))
app = mgr.app_by_name("probe")
inst = app.runner.inst
if config.APP_SENSORS:
    from wamr_mpy.app.sensors import Sensor
    mgr.sensors.add(Sensor("probe_sensor", 0, lambda s: {"v": 1}, None, 1000))
else:
    class S:
        name = "probe_sensor"; instance = 0
    mgr.sensors.add(S())
tid = inst.call("timer")
inst.call("timer") if not config.APP_TIMERS else None
sid = inst.call("sensor")
out("timer", tid)
out("sensor", sid)
out("sensor_cfg", inst.call("sensor_cfg", sid))
send(mgr, link, "/probe", P.GET, 2)                   # by resource
send(mgr, link, "/app/probe/x", P.GET, 3)             # by app name
send(mgr, link, "/event/news", P.PUT, 4)              # host subscribes
send(mgr, link, "/nobody", P.GET, 5)
send(mgr, link, "/applet?name=probe", P.GET, 6)
await asyncio.sleep_ms(50)
inst.call("publish")
inst.call("ask")
await asyncio.sleep_ms(250)
out("fired", inst.call("fired"))
out("sevents", inst.call("sevents"))
out("events", inst.call("events"))
out("ask", inst.call("resp"))
out("host_events", link.events())
out("status", [link.status(m) for m in (2, 3, 4, 5, 6)])
out("query", attr.to_dict(link.response(6).payload))
inst.call("timer_ops", tid)
out("sensor_close", inst.call("sensor_close", sid))
out("sensor_cfg_attr", inst.call("sensor_cfg_attr", sid))
out("fuel", app.fuel)
send(mgr, link, "/app/probe/boom", P.DELETE, 7)       # the handler traps
await asyncio.sleep_ms(50)
out("trap", link.status(7))
out("alive", [a.name for a in mgr.apps])
out("log", LOG)
"""


def run_probe(probe, **off):
    return device(PROBE_RUN % probe, wamr_config(**off))[0]


def test_everything_on(probe):
    """The reference: with every part on the probe gets what it asks for."""
    r = run_probe(probe)
    assert r["install"] == 65
    assert r["timer"] == 1 and r["sensor"] == 1 and r["sensor_cfg"] == 1
    assert r["fired"] >= 5 and r["sevents"] >= 5
    assert r["status"] == [69, 69, 69, 132, 69]
    assert r["events"] == 1 and r["host_events"] == ["news"]
    assert r["ask"] == 69
    assert r["query"]["timers"] == 8 and r["fuel"] > 0
    assert r["trap"] == 160 and r["alive"] == ["probe"]
    for part in ("messaging", "timers", "sensors", "watchdog"):
        assert part in r["modules"]
    assert "disabled" not in r["modules"]


def test_timers_off(probe):
    r = run_probe(probe, APP_TIMERS=0)
    assert "timers" not in r["modules"]
    assert r["install"] == 65
    # wasm_create_timer gives WAMR's invalid id (-1 as i32); nothing fires;
    # destroy/cancel/restart of it are harmless
    assert r["timer"] == -1 and r["fired"] == 0
    assert r["query"]["timers"] == 0
    # one log line per app and native, however often it is called
    assert [m for m in r["log"] if "wasm_create_timer" in m] == [
        "probe: wasm_create_timer refused: APP_TIMERS is off in this build"]
    assert any("wasm_timer_restart refused" in m for m in r["log"])
    # the rest is untouched
    assert r["sensor"] == 1 and r["sevents"] >= 5
    assert r["status"] == [69, 69, 69, 132, 69] and r["host_events"] == ["news"]


def test_sensors_off(probe):
    r = run_probe(probe, APP_SENSORS=0)
    assert "sensors" not in r["modules"]
    assert r["install"] == 65
    assert r["sensor"] == -1 and r["sensor_cfg"] == 0 and r["sevents"] == 0
    assert r["sensor_close"] == 0 and r["sensor_cfg_attr"] == 0
    assert "sensors are off in this build (APP_SENSORS): probe_sensor/0 not " \
        "registered" in r["log"]
    assert "probe: wasm_sensor_open refused: APP_SENSORS is off in this build" \
        in r["log"]
    assert r["timer"] == 1 and r["fired"] >= 5
    assert r["status"] == [69, 69, 69, 132, 69]


def test_messaging_off(probe):
    r = run_probe(probe, APP_MESSAGING=0)
    assert "messaging" not in r["modules"]
    assert r["install"] == 65
    # /probe (a resource), /event/news (host subscription) and /nobody: 5.01;
    # the app by name and /applet still work
    assert r["status"] == [161, 69, 161, 161, 69]
    # the app's own request to /probe gets 5.01 as its response
    assert r["ask"] == 161
    # the published event is dropped, with a log line; nobody receives it
    assert r["events"] == 0 and r["host_events"] == []
    assert "pub/sub is off in this build (APP_MESSAGING): event news dropped" \
        in r["log"]
    assert "probe: wasm_register_resource refused: APP_MESSAGING is off in " \
        "this build" in r["log"]
    assert "probe: wasm_sub_event refused: APP_MESSAGING is off in this " \
        "build" in r["log"]
    assert r["timer"] == 1 and r["fired"] >= 5 and r["sevents"] >= 5


def test_watchdog_off(probe):
    r = run_probe(probe, APP_WATCHDOG=0)
    assert "watchdog" not in r["modules"]
    assert r["install"] == 65
    # no budget: handlers run unbounded; a trap is still answered 5.00 and
    # the app stays installed
    assert r["fuel"] is None and r["query"]["fuel"] == 0
    assert r["trap"] == 160 and r["alive"] == ["probe"]
    assert r["status"] == [69, 69, 69, 132, 69]


def test_everything_off(probe):
    r = run_probe(probe, **dict(("APP_" + p.upper(), 0) for p in ALL_PARTS))
    assert r["modules"] == ["attr", "clock", "disabled", "install_stream",
                            "manager", "natives", "protocol", "runner"]
    assert r["install"] == 65
    assert (r["timer"], r["sensor"], r["fired"], r["sevents"]) == (-1, -1, 0, 0)
    assert r["status"] == [161, 69, 161, 161, 69]
    assert r["trap"] == 160 and r["alive"] == ["probe"]


# ---- the C samples (WAMR 2019 app API, prebuilt) with a part off -------------

def test_c_samples_with_parts_off():
    """The SDK's API turns the refusals into what WAMR apps expect: NULL
    timers and sensors, a 5.01 response for a resource nobody may serve."""
    body = r"""
mgr, link = make()
S = %r
out("i1", install(mgr, link, "timer", S + "/timer/timer.wasm", 1))
out("i2", install(mgr, link, "sensor", S + "/sensor/sensor.wasm", 2))
out("i3", install(mgr, link, "request_handler",
                  S + "/request_response/request_handler.wasm", 3))
out("i4", install(mgr, link, "request_sender",
                  S + "/request_response/request_sender.wasm", 4))
await asyncio.sleep_ms(200)
send(mgr, link, "/app/request_handler/url1", P.GET, 5)
await asyncio.sleep_ms(100)
out("by_name", link.status(5))
for mid, name in ((6, "timer"), (7, "sensor")):
    send(mgr, link, "/applet?name=" + name, P.DELETE, mid)
out("deleted", [link.status(6), link.status(7)])
out("log", LOG)
""" % SAMPLES
    r, app = device(body, wamr_config(APP_TIMERS=0, APP_SENSORS=0,
                                      APP_MESSAGING=0))
    assert [r["i1"], r["i2"], r["i3"], r["i4"]] == [65] * 4
    assert r["deleted"] == [66, 66]
    assert "Timer stopped after 0 updates" in app
    assert "[sensor] cannot open sensor_test" in app
    assert "[sensor] closed after 0 events" in app
    assert "[sender] to the app by name: status 69, fmt 99, payload length 100" in app
    assert any(ln.startswith("[sender] to the resource: status 161") for ln in app)
    assert r["by_name"] == 69
    assert "timer: wasm_create_timer refused: APP_TIMERS is off in this build" in r["log"]
    assert "request_handler: wasm_register_resource refused: APP_MESSAGING is " \
        "off in this build" in r["log"]
    for part in ("timers", "sensors", "messaging"):
        assert part not in r["modules"]


# ---- the store ---------------------------------------------------------------

def test_store_off(probe, tmp_path):
    """--store DIR with APP_STORE off: apps live in RAM, DIR is never
    touched, a restart comes back empty."""
    store = str(tmp_path / "apps")
    body = r"""
from wamr_mpy.app.__main__ import make_manager
mgr = make_manager(%r, port_module=False)
out("store", mgr.store is None)
link = Link()
mgr.add_link(link)
mgr.start()
out("install", install(mgr, link, "probe", %r, 1))
send(mgr, link, "/app/probe/x", P.GET, 2)
await asyncio.sleep_ms(50)
out("served", link.status(2))
mgr.shutdown()
mgr2 = make_manager(%r, quiet=True, port_module=False)
out("restored", mgr2.boot())
""" % (store, probe, store)
    r, app = device(body, wamr_config(APP_STORE=0))
    assert "store" not in r["modules"]
    assert r["store"] is True and r["install"] == 65 and r["served"] == 69
    assert r["restored"] == []
    assert not os.path.exists(store)
    # the same with the store on keeps the app
    r, app = device(body)
    assert r["store"] is False
    assert "store" in r["modules"] and r["restored"] == ["probe"]
    assert os.path.exists(os.path.join(store, "probe.wasm"))


@pytest.mark.host_only
def test_unix_port_drivers_with_sensors_off():
    """The unix port's app_port registers simulated sensors: with the sensor
    framework off each is refused with a log line and nothing breaks."""
    body = r"""
from wamr_mpy.app.__main__ import make_manager, load_port
mgr, link = make()
load_port(mgr)
send(mgr, link, "/applet", P.GET, 1)
out("query", link.status(1))
out("log", LOG)
"""
    r, _ = device(body, wamr_config(APP_SENSORS=0))
    assert r["query"] == 69
    for name in ("sensor_test", "temperature"):
        assert "sensors are off in this build (APP_SENSORS): %s/0 not registered" \
            % name in r["log"]


# ---- transports --------------------------------------------------------------

STDIO_MAIN = r"""
import sys
from wamr_mpy.app.__main__ import main
rc = main(["--stdio", "--no-port", "--quiet"])
sys.stderr.write("MODULES %s\n" % sorted(
    k for k in sys.modules if k.startswith("wamr_mpy.app.transport")))
sys.exit(rc)
"""


def _frames(data):
    got = []
    P.Framer().feed(data, lambda t, p: got.append(P.unpack_response(p)) or True)
    return got


def _stdio_input():
    with open(os.path.join(SAMPLES, "request_response", "request_handler.wasm"), "rb") as f:
        wasm = f.read()
    return (P.encode_frame(P.TYPE_INSTALL, P.pack_request(P.Request(
        "/applet?name=rh", P.PUT, P.FMT_RAW, wasm, 1))) +
        P.encode_frame(P.TYPE_REQUEST, P.pack_request(P.Request(
            "/app/rh/url1", P.GET, 0, b"", 2))))


@pytest.mark.host_only
@pytest.mark.parametrize("tcp", [1, 0])
def test_stdio_imports_only_its_transport(tcp):
    r = run_mp(STDIO_MAIN, input=_stdio_input(),
               env={"WAMR_CONFIG": wamr_config(TRANSPORT_TCP=tcp)})
    err = r.stderr.decode()
    assert r.returncode == 0, err + r.stdout.decode()
    assert [(x.mid, x.status) for x in _frames(r.stdout)] == [(1, 65), (2, 69)]
    assert "MODULES ['wamr_mpy.app.transport', 'wamr_mpy.app.transport_file']" in err


@pytest.mark.host_only
def test_transport_that_is_off_is_refused():
    env = dict(os.environ)
    env["MICROPYPATH"] = ROOT + os.pathsep + ".frozen"
    env["WAMR_CONFIG"] = "TRANSPORT_TCP=0"
    r = subprocess.run([MICROPYTHON, "-m", "wamr_mpy.app"], cwd=ROOT, env=env,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 2
    assert "--tcp: the TCP transport is off in this build (TRANSPORT_TCP)" in r.stderr
    env["WAMR_CONFIG"] = "TRANSPORT_STDIO=0"
    for args in (["--stdio"], ["--uart", "/dev/null"]):
        r = subprocess.run([MICROPYTHON, "-m", "wamr_mpy.app"] + args, cwd=ROOT,
                           env=env, capture_output=True, text=True, timeout=60)
        assert r.returncode == 2
        assert "transport is off in this build (TRANSPORT_STDIO)" in r.stderr
    # the embedding API says the same
    out = check_mp(r"""
import asyncio
from wamr_mpy.app import transport
async def main():
    try:
        await transport.serve_tcp(None, "127.0.0.1", 0)
    except transport.TransportOff as e:
        print("off:", e)
asyncio.run(main())
""", env={"WAMR_CONFIG": "TRANSPORT_TCP=0"})
    assert out.strip() == "off: the TCP transport is off in this build (TRANSPORT_TCP)"


# ---- tools/build -------------------------------------------------------------

APP_MODULES = {"app/messaging.py": "APP_MESSAGING", "app/timers.py": "APP_TIMERS",
               "app/sensors.py": "APP_SENSORS", "app/store.py": "APP_STORE",
               "app/watchdog.py": "APP_WATCHDOG",
               "app/transport_tcp.py": "TRANSPORT_TCP"}


def _build(tmp_path, off):
    from boardtest import build
    cfg = tmp_path / "defconfig"
    cfg.write_text("".join("# CONFIG_%s is not set\n" % o for o in off))
    out = tmp_path / "build"
    return str(out), build("UNIX", out, "--config", str(cfg))


@pytest.mark.host_only
def test_build_without_sensors_drops_the_module(tmp_path):
    from boardtest import wb
    out, info = _build(tmp_path, ["APP_SENSORS"])
    assert info["config"]["APP_SENSORS"] is False
    assert "app/sensors.py" in info["dropped"]
    assert "app/sensors.py" not in info["modules"]
    assert info["kept"] == []
    for rel in ("app/timers.py", "app/messaging.py", "app/manager.py", "app/disabled.py"):
        assert rel in info["modules"], rel
    assert not os.path.exists(os.path.join(out, "mpy", "lib", "wamr_mpy", "app", "sensors.mpy"))
    with open(os.path.join(out, "fs.img"), "rb") as f:
        files = wb.read_lfs(f.read(), wb.load_board("UNIX").fs_block_size)
    assert "/lib/wamr_mpy/app/manager.mpy" in files
    assert "/lib/wamr_mpy/app/sensors.mpy" not in files
    # the folded manager no longer imports it
    with open(os.path.join(out, "src", "wamr_mpy", "app", "manager.py")) as f:
        assert "if False:\n    from .sensors import Sensors" in f.read()


@pytest.mark.host_only
def test_build_without_optional_parts_runs(tmp_path):
    """Every optional part off: none of their modules is built, and the
    build's .mpy files (alone on sys.path, with the port's drivers) serve
    an app over stdio."""
    out, info = _build(tmp_path, list(APP_MODULES.values()))
    assert info["kept"] == []
    for rel in APP_MODULES:
        assert rel in info["dropped"] and rel not in info["modules"], rel
    for rel in ("app/manager.py", "app/disabled.py", "app/transport.py",
                "app/transport_file.py"):
        assert rel in info["modules"], rel
    lib = os.path.join(out, "mpy", "lib")
    env = dict(os.environ)
    env["MICROPYPATH"] = lib + os.pathsep + ".frozen"
    env.pop("WAMR_CONFIG", None)
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    code = ("import sys\nfrom wamr_mpy.app.__main__ import main\n"
            "rc = main(['--stdio', '--store', 'apps'])\n"
            "import wamr_mpy\n"
            "sys.stderr.write('FROM %s\\n' % wamr_mpy.__file__)\n"
            "sys.stderr.write('MODULES %s\\n' % sorted(sys.modules))\n"
            "sys.exit(rc)\n")
    r = subprocess.run([MICROPYTHON, "-c", code], cwd=str(run_dir), env=env,
                       input=_stdio_input(), capture_output=True, timeout=120)
    err = r.stderr.decode()
    assert r.returncode == 0, err + r.stdout.decode()
    assert "FROM %s" % os.path.join(lib, "wamr_mpy", "__init__.mpy") in err
    assert [(x.mid, x.status) for x in _frames(r.stdout)] == [(1, 65), (2, 69)]
    assert "the app store is off in this build (APP_STORE)" in err
    assert "rh: wasm_register_resource refused: APP_MESSAGING is off" in err
    mods = json.loads(err.split("MODULES ")[1].split("\n")[0].replace("'", '"'))
    for rel in APP_MODULES:
        assert "wamr_mpy." + rel[:-3].replace("/", ".") not in mods
    assert not os.path.exists(run_dir / "apps")


def test_documented_defaults_match_the_config():
    """Every plain number in docs/app-framework.md's configuration table is
    what the unix configuration holds (Kconfig's default) and what the
    manager falls back to when a board's config.py lacks the name."""
    import re
    from wamr_mpy import config
    with open(os.path.join(ROOT, "docs", "app-framework.md")) as f:
        doc = f.read()
    with open(os.path.join(ROOT, "wamr_mpy", "app", "manager.py")) as f:
        mgr = f.read()
    fallback = dict((m.group(1), eval(m.group(2))) for m in re.finditer(
        r'cfg\("(\w+)", ([\d *]+)\)', mgr))
    checked = []
    for m in re.finditer(r"^\| `(APP_\w+)` \| ([^|]+) \|", doc, re.M):
        name, text = m.group(1), m.group(2).strip()
        v = re.fullmatch(r"(\d+)( MiB)?", text)
        if v is None:
            continue
        value = int(v.group(1)) * (1024 * 1024 if v.group(2) else 1)
        if hasattr(config, name):
            assert getattr(config, name) == value, (name, text)
        if name in fallback:
            assert fallback[name] == value, (name, text, fallback[name])
        checked.append(name)
    assert "APP_WATCHDOG_FUEL" in checked and "APP_HEAP_SIZE" in checked

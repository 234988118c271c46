"""App manager logic on the MicroPython unix port, without wasm: a fake
runner stands in for the VM so routing, queues, events, the watchdog
policy, timers, sensors and the store are checked on their own.  (The same
paths with real wasm apps: test_app_e2e.py.)"""

from mp import check_mp

PRELUDE = r"""
import asyncio
from wamr_mpy.app import protocol as P, attr
from wamr_mpy.app.manager import Manager
from wamr_mpy.app.runner import InstallError, HandlerError

LOG = []
CALLS = []

class FakeRunner:
    # wasm = b"\0asm\1\0\0\0" + kind; kinds: echo, spin, trap, bad,
    # trapinit, silent
    def __init__(self, mgr, app):
        self.mgr = mgr
        self.app = app
        self.inst = None
        self.generation = 0

    def start(self, wasm):
        if isinstance(wasm, str):           # installed from the store
            with open(wasm, "rb") as f:
                wasm = f.read(64)
        self.kind = bytes(wasm[8:]).decode().rstrip("\0")
        if self.kind == "bad":
            raise InstallError("load WASM file failed: bad")
        if self.kind == "trapinit":
            raise HandlerError("on_init", "unreachable")
        if self.kind == "spininit":
            raise HandlerError("on_init", "out of fuel", True)
        self.mgr.resources.register("/" + self.app.name, self.app.id)
        CALLS.append(("init", self.app.name))

    def request(self, packed):
        req = P.unpack_request(packed)
        CALLS.append(("req", self.app.name, req.url, req.action, req.sender))
        if self.kind == "spin" and req.url.endswith("spin"):
            raise HandlerError("on_request", "out of fuel", True)
        if self.kind == "trap":
            raise HandlerError("on_request", "integer divide by zero")
        if self.kind == "silent" or req.action == P.EVENT:
            return
        self.mgr.app_send_response(self.app, P.Response(
            P.CONTENT, P.FMT_RAW, ("%s:%s" % (self.app.name, req.url)).encode(),
            req.mid, req.sender))

    def response(self, packed):
        r = P.unpack_response(packed)
        CALLS.append(("resp", self.app.name, r.status, r.mid))

    def timer(self, tid):
        CALLS.append(("timer", self.app.name, tid))

    def sensor(self, sid, payload):
        CALLS.append(("sensor", self.app.name, sid, attr.to_dict(payload)))

    def stop(self, call_destroy=True):
        CALLS.append(("stop", self.app.name, call_destroy))
        return None


class Link:
    def __init__(self, name="h"):
        self.name = name
        self.alive = True
        self.frames = []
        self.framer = None

    def send(self, data):
        out = []
        def on_frame(t, p):
            if t == P.TYPE_RESPONSE:
                out.append(("resp", P.unpack_response(p)))
            else:
                out.append(("event", P.unpack_request(p)))
            return True
        P.Framer().feed(data, on_frame)
        self.frames.extend(out)

    def responses(self):
        return [f[1] for f in self.frames if f[0] == "resp"]

    def events(self):
        return [f[1] for f in self.frames if f[0] == "event"]

    def status(self, mid):
        for r in self.responses():
            if r.mid == mid:
                return r.status
        return None

def wasm(kind):
    return b"\0asm\1\0\0\0" + kind.encode()

def req(link, mgr, url, action=P.GET, payload=b"", mid=1, fmt=0,
        t=P.TYPE_REQUEST):
    mgr.feed(link, P.encode_frame(t, P.pack_request(
        P.Request(url, action, fmt, payload, mid))))

def install(link, mgr, name, kind="echo", mid=100, extra=""):
    req(link, mgr, "/applet?name=%s%s" % (name, extra), P.PUT, wasm(kind),
        mid, P.FMT_RAW, P.TYPE_INSTALL)
    return link.status(mid)

def make(**kw):
    mgr = Manager(log=LOG.append, runner=FakeRunner, **kw)
    link = Link()
    mgr.add_link(link)
    return mgr, link

async def settle(ms=50):
    await asyncio.sleep_ms(ms)
"""


def run(body):
    code = PRELUDE + "\nasync def main():\n" + "\n".join(
        "    " + ln for ln in body.strip("\n").split("\n")) + \
        "\nasyncio.run(main())\nprint('DONE')\n"
    out = check_mp(code)
    assert out.rstrip().endswith("DONE"), out
    return out


def test_install_query_uninstall_and_errors():
    run(r"""
mgr, link = make()
assert install(link, mgr, "a") == P.CREATED
assert install(link, mgr, "b", mid=101, extra="&heap=4096&timers=2&wd=50") \
    == P.CREATED
# WAMR 2019 answers every app-manager error 5.00 + "error message"
E = P.INTERNAL_ERROR
assert install(link, mgr, "a", mid=102) == E                  # duplicate
assert install(link, mgr, "bad/name", mid=103) == E
assert install(link, mgr, "c", "bad", mid=104) == E
assert install(link, mgr, "d", "trapinit", mid=105) == E
assert install(link, mgr, "e", mid=106, extra="&type=jeff") == E
assert install(link, mgr, "f", mid=107, extra="&heap=x") == E
req(link, mgr, "/applet?name=g", P.PUT, b"\0aot1234", 108, P.FMT_RAW)
assert link.status(108) == E
req(link, mgr, "/applet?name=g", P.PUT, b"", 109)
assert link.status(109) == E
# an install frame must carry PUT /applet
req(link, mgr, "/other", P.PUT, wasm("echo"), 110, t=P.TYPE_INSTALL)
assert link.status(110) == E
def message(mid):
    r = [r for r in link.responses() if r.mid == mid][0]
    assert r.fmt == P.FMT_ATTR
    return attr.to_dict(r.payload)["error message"]
assert message(102) == "Install WASM app failed: app already installed."
assert message(106) == "Applet Management failed: invalid module type."
assert message(109) == "Install WASM app failed: invalid wasm file."
assert message(110) == "install frame must be PUT /applet"
# failed installs are logged and use up no app id
assert "install of c failed: load WASM file failed: bad" in LOG, LOG
assert install(link, mgr, "h", mid=111) == P.CREATED
assert mgr.app_by_name("h").id == 3
req(link, mgr, "/applet?name=h", P.DELETE, mid=112)
assert [a.name for a in mgr.apps] == ["a", "b"]
b = mgr.app_by_name("b")
assert (b.heap, b.timers_max, b.wd, b.fuel) == (4096, 2, 50,
                                                50 * mgr.fuel_per_ms)
# failed starts leave nothing behind
assert mgr.resources.lookup("/d") is None
req(link, mgr, "/applet", P.GET, mid=200)
r = [r for r in link.responses() if r.mid == 200][0]
assert r.status == P.CONTENT and r.fmt == P.FMT_ATTR
tag, items = attr.decode(r.payload)
assert tag == "Applets Info"
assert attr.to_dict(r.payload) == {"num": 2, "applet1": "a", "heap1":
                                   mgr.heap_default, "applet2": "b",
                                   "heap2": 4096}
req(link, mgr, "/applet?name=b", P.GET, mid=201)
r = [r for r in link.responses() if r.mid == 201][0]
d = attr.to_dict(r.payload)
assert d["name"] == "b" and d["heap"] == 4096 and d["timers"] == 2
req(link, mgr, "/applet?name=zz", P.GET, mid=202)
assert link.status(202) == E
assert message(202) == "Query Applet failed: the app is not found."
req(link, mgr, "/applet?name=a", P.POST, mid=203)
assert link.status(203) == E
assert message(203) == "Invalid request of applet: invalid action"
req(link, mgr, "/applet?name=a", P.DELETE, mid=204)
assert link.status(204) == P.DELETED
req(link, mgr, "/applet?name=a", P.DELETE, mid=205)
assert link.status(205) == E
assert message(205) == "Uninstall WASM app failed: no app found."
assert [a.name for a in mgr.apps] == ["b"]
assert ("stop", "a", True) in CALLS
assert mgr.resources.lookup("/a") is None
# error responses carry WAMR's "error message" attribute
r = [r for r in link.responses() if r.mid == 205][0]
assert "no app found" in attr.to_dict(r.payload)["error message"]
""")


def test_no_room_for_a_request_is_answered():
    """A request whose copy does not fit in RAM gets a 5.00 "out of
    memory" response with its mid, the link stays up and the next request
    is served.  (MemoryError is raised on purpose here: unpack_request
    stands in for the allocation that fails.)  An install is received as it
    arrives: without a store it needs one buffer of its size, and when that
    does not fit it is answered at once, before its bytes come."""
    run(r"""
mgr, link = make()
assert install(link, mgr, "a", mid=299) == P.CREATED
real = P.unpack_request
def no_room(buf):
    raise MemoryError("memory allocation failed, allocating 5345 bytes")
P.unpack_request = no_room
req(link, mgr, "/app/a/x", P.PUT, b"x" * 5000, 300, P.FMT_RAW)
P.unpack_request = real
r = [r for r in link.responses() if r.mid == 300][0]
assert r.status == P.INTERNAL_ERROR
assert "out of memory" in attr.to_dict(r.payload)["error message"]
# an install of 100 MB (the limit raised for the test): its head only
mgr.max_app_size = 100000000
frame = P.encode_frame(P.TYPE_INSTALL, P.pack_request(P.Request(
    "/applet?name=big", P.PUT, P.FMT_RAW, b"", 301)))
head = bytearray(frame[:8 + 18 + 17])
head[4:8] = (len(frame) - 8 + 100000000).to_bytes(4, "big")
head[8 + 14:8 + 18] = (100000000).to_bytes(4, "big")
mgr.feed(link, head + b"\0asm")
r = [r for r in link.responses() if r.mid == 301][0]
assert attr.to_dict(r.payload) == {"error message": "Install WASM app "
                                   "failed: out of memory for a 100000000-byte app"}
assert "install of big failed: out of memory for a 100000000-byte app" in LOG
link.framer.abort()
assert install(link, mgr, "b", mid=302) == P.CREATED
assert [a.name for a in mgr.apps] == ["a", "b"]
""")

def test_max_apps():
    run(r"""
mgr, link = make()
mgr.max_apps = 2
assert install(link, mgr, "a") == P.CREATED
assert install(link, mgr, "b", mid=101) == P.CREATED
assert install(link, mgr, "c", mid=102) == P.INTERNAL_ERROR
assert len(mgr.apps) == 2
""")


def test_routing_and_responses():
    run(r"""
mgr, link = make()
install(link, mgr, "a")
install(link, mgr, "b", mid=101)
mgr.resources.register("/a/deep", mgr.app_by_name("b").id)
await settle()
req(link, mgr, "/app/a/x/y", mid=1)         # by app name
req(link, mgr, "/a?q=1", mid=2)             # resource table
req(link, mgr, "/a/deep/er", mid=3)          # longest match wins
req(link, mgr, "/nothing", mid=4)
req(link, mgr, "/app/zz/x", mid=5)
req(link, mgr, "/app/a", mid=6)              # no resource part
await settle()
got = dict((r.mid, (r.status, r.payload)) for r in link.responses())
assert got[1] == (P.CONTENT, b"a:x/y"), got
assert got[2] == (P.CONTENT, b"a:/a?q=1")
assert got[3] == (P.CONTENT, b"b:/a/deep/er")
assert got[4][0] == P.NOT_FOUND     # nobody serves it (WAMR: no answer)
# no such app: WAMR's 5.00 (for /app/a without a resource WAMR was silent)
assert got[5][0] == P.INTERNAL_ERROR and got[6][0] == P.INTERNAL_ERROR
assert attr.to_dict(got[5][1]) == {
    "error message": "Send request to applet failed: invalid applet name"}
# app to app: the response goes to the sending app's queue
a = mgr.app_by_name("a")
r = P.Request("/b", P.PUT, 0, b"", 77)
mgr.app_post_request(a, r)
await settle()
assert ("req", "b", "/b", P.PUT, a.id) in CALLS
assert ("resp", "a", P.CONTENT, 77) in CALLS
# apps may query but not manage
mgr.app_post_request(a, P.Request("/applet?name=b", P.DELETE, 0, b"", 78))
mgr.app_post_request(a, P.Request("/applet", P.GET, 0, b"", 79))
mgr.app_post_request(a, P.Request("/event/x", P.PUT, 0, b"", 80))
await settle()
assert ("resp", "a", P.INTERNAL_ERROR, 78) in CALLS
assert ("resp", "a", P.CONTENT, 79) in CALLS
assert ("resp", "a", P.INTERNAL_ERROR, 80) in CALLS
assert mgr.app_by_name("b") is not None
""")


def test_responses_go_back_to_the_asking_link():
    run(r"""
mgr, h1 = make()
h2 = Link("h2")
mgr.add_link(h2)
install(h1, mgr, "a")
await settle()
req(h2, mgr, "/a", mid=42)
await settle()
assert h2.status(42) == P.CONTENT
assert h1.status(42) is None
""")


def test_events_to_apps_and_host():
    run(r"""
mgr, link = make()
install(link, mgr, "pub")
install(link, mgr, "sub", mid=101)
await settle()
sub = mgr.app_by_name("sub")
pub = mgr.app_by_name("pub")
assert mgr.events.subscribe("alert/overheat", sub.id)
req(link, mgr, "/event/alert/overheat", P.PUT, mid=5)
assert link.status(5) == P.CONTENT
payload = attr.encode("event", {"warning": "hot"})
mgr.app_post_request(pub, P.Request("/alert/overheat", P.EVENT,
                                    P.FMT_ATTR, payload, 9))
await settle()
assert ("req", "sub", "/alert/overheat", P.EVENT, pub.id) in CALLS
ev = link.events()
assert len(ev) == 1 and ev[0].url == "/alert/overheat"
assert attr.to_dict(ev[0].payload) == {"warning": "hot"}
# events get no responses
assert not [c for c in CALLS if c[0] == "resp"]
req(link, mgr, "/event/alert/overheat", P.DELETE, mid=6)
assert link.status(6) == P.CONTENT
mgr.app_post_request(pub, P.Request("alert/overheat", P.EVENT, 0, b"", 10))
await settle()
assert len(link.events()) == 1
# the /applets event on install and uninstall
req(link, mgr, "/event/applets", P.PUT, mid=7)
install(link, mgr, "c", mid=102)
evs = [e for e in link.events() if e.url == "/applets"]
assert len(evs) == 1
d = attr.to_dict(evs[0].payload)
assert d["num"] == 3 and d["applet3"] == "c"
req(link, mgr, "/applet?name=sub", P.DELETE, mid=8)
evs = [e for e in link.events() if e.url == "/applets"]
assert attr.to_dict(evs[-1].payload)["num"] == 2
# the uninstalled app's subscriptions went with it
assert mgr.events.subscribers("alert/overheat") == []
req(link, mgr, "/event/x", P.GET, mid=11)
assert link.status(11) == P.INTERNAL_ERROR
""")


def test_queue_limit_and_traps():
    run(r"""
mgr, link = make()
install(link, mgr, "s", "silent")
install(link, mgr, "t", "trap", mid=101)
await settle()
s = mgr.app_by_name("s")
n = s.queue.limit
for i in range(n + 3):
    req(link, mgr, "/s", mid=1000 + i)
# the queue took `limit` requests; the rest got 5.03 right away
busy = [r for r in link.responses() if r.status == P.SERVICE_UNAVAILABLE]
assert len(busy) == 3, len(busy)
await settle(100)
assert len([c for c in CALLS if c[0] == "req" and c[1] == "s"]) == n
# a trap in a handler answers the pending request with 5.00
req(link, mgr, "/t", mid=7)
await settle()
assert link.status(7) == P.INTERNAL_ERROR
r = [r for r in link.responses() if r.mid == 7][0]
assert "integer divide by zero" in attr.to_dict(r.payload)["error message"]
assert mgr.app_by_name("t").traps == 1
""")


def test_watchdog_restart_then_uninstall():
    run(r"""
mgr, link = make()
mgr.max_restarts = 2
install(link, mgr, "spin", "spin")
install(link, mgr, "ok", mid=101)
await settle()
req(link, mgr, "/event/watchdog", P.PUT, mid=2)
for i in range(3):
    req(link, mgr, "/app/spin/spin", mid=10 + i)
    req(link, mgr, "/ok", mid=20 + i)
    await settle()
    # the runaway request is answered with 5.00, the other app answers
    assert link.status(10 + i) == P.INTERNAL_ERROR
    assert link.status(20 + i) == P.CONTENT
wd = [attr.to_dict(e.payload) for e in link.events() if e.url == "/watchdog"]
assert [w["action"] for w in wd] == ["restarted", "restarted", "uninstalled"]
assert [w["trips"] for w in wd] == [1, 2, 3]
assert mgr.app_by_name("spin") is None
assert mgr.app_by_name("ok") is not None
assert CALLS.count(("init", "spin")) == 3       # installed + 2 restarts
assert mgr.stats["trips"] == 3
""")


def test_watchdog_policy_uninstall_and_on_init():
    run(r"""
mgr, link = make()
mgr.policy = "uninstall"
install(link, mgr, "spin", "spin")
await settle()
req(link, mgr, "/app/spin/spin", mid=10)
await settle()
assert link.status(10) == P.INTERNAL_ERROR
assert mgr.app_by_name("spin") is None
# a runaway on_init fails the install
assert install(link, mgr, "x", "spininit", mid=11) == P.INTERNAL_ERROR
r = [r for r in link.responses() if r.mid == 11][0]
assert "watchdog" in attr.to_dict(r.payload)["error message"]
""")


def test_timers():
    run(r"""
from wamr_mpy.app.timers import TimerSet, INVALID
fired = []
ts = TimerSet(1, 3, lambda owner, tid: fired.append(tid))
a = ts.create(30, True, True)
b = ts.create(50, False, False)
c = ts.create(10, False, True)
assert (a, b, c) == (1, 2, 3)
assert ts.create(10, False, True) == INVALID      # limit 3
await asyncio.sleep_ms(335)
assert fired.count(3) == 1                        # one-shot
na = fired.count(1)
assert 4 <= na <= 12, na      # ~11 in 335 ms; fewer when the machine is loaded
assert fired.count(2) == 0                        # not started
assert ts.restart(2, 20)
await asyncio.sleep_ms(60)
assert fired.count(2) == 1
assert ts.cancel(1)
n = fired.count(1)
await asyncio.sleep_ms(100)
assert fired.count(1) == n                        # cancelled
assert ts.restart(1, 0)                           # keeps its 30 ms
await asyncio.sleep_ms(100)
assert fired.count(1) > n
assert ts.destroy(1) and not ts.destroy(1)
assert not ts.restart(1, 10)
assert ts.create(10, False, False) == 4           # a slot is free again
ts.close()
assert len(ts) == 0
""")


def test_timer_messages_are_coalesced():
    run(r"""
mgr, link = make()
install(link, mgr, "a")
a = mgr.app_by_name("a")
tid = a.timers.create(5, True, True)
# nobody runs the app loop for a while: at most one pending timer message
import time
time.sleep_ms(60)
await asyncio.sleep_ms(0)
await asyncio.sleep_ms(0)
assert sum(1 for i in a.queue.items if i and i[0] == "timer") <= 1
await settle(100)
assert CALLS.count(("timer", "a", tid)) >= 2
req(link, mgr, "/applet?name=a", P.DELETE, mid=9)
n = CALLS.count(("timer", "a", tid))
await settle(50)
assert CALLS.count(("timer", "a", tid)) == n      # timers died with it
""")


VCLOCK = r"""
from wamr_mpy.app import sensors as SENS
class VClock:
    # the sensors' clock, advanced by the test: readings come at exact
    # virtual times however slow the machine is
    def __init__(self):
        self.now = 0
    def ticks(self):
        return self.now
    async def sleep(self, ms):
        end = self.now + ms
        while self.now < end:
            await asyncio.sleep_ms(0)
    async def advance(self, ms):
        for i in range(ms):
            self.now += 1
            for k in range(4):
                await asyncio.sleep_ms(0)
        for k in range(8):          # let the app queues catch up
            await asyncio.sleep_ms(0)
clock = VClock()
SENS.ticks_ms = clock.ticks
SENS.sleep_ms = clock.sleep
"""


def test_sensors():
    run(VCLOCK + r"""
from wamr_mpy.app.sensors import Sensor, INVALID
mgr, link = make()
reads = []
def read(s):
    reads.append(1)
    return {"v": len(reads)}
cfgs = []
def config(s, cfg):
    cfgs.append(cfg)
    return True
s = mgr.sensors.add(Sensor("temp", 0, read, config, 40))
install(link, mgr, "a")
install(link, mgr, "b", mid=101)
a = mgr.app_by_name("a")
b = mgr.app_by_name("b")
assert mgr.sensors.open(a.id, "nope", 0) == INVALID
sid = mgr.sensors.open(a.id, "temp", 0)
assert sid == s.id
assert mgr.sensors.open(a.id, "temp", 0) == INVALID      # already open
await clock.advance(130)                     # readings at 40, 80, 120
ev = [c for c in CALLS if c[0] == "sensor"]
assert [(c[1], c[3]) for c in ev] == [("a", {"v": 1}), ("a", {"v": 2}),
                                      ("a", {"v": 3})], ev
assert mgr.sensors.open(b.id, "temp", 0) == sid
assert mgr.sensors.config(b.id, sid, 20, 1, 2)
assert cfgs[-1] == {"interval": 20, "bit_cfg": 1, "delay": 2}
assert mgr.sensors.config_attr(b.id, sid, attr.encode("", {"x": 1}))
assert cfgs[-1] == {"x": 1}
CALLS.clear()
await clock.advance(200)                     # a: 160..320, b: 150..330
na = len([c for c in CALLS if c[0] == "sensor" and c[1] == "a"])
nb = len([c for c in CALLS if c[0] == "sensor" and c[1] == "b"])
assert (na, nb) == (5, 10), (na, nb)           # each at its own interval
assert mgr.sensors.config(a.id, sid, 0, 0, 0)  # pause a
CALLS.clear()
await clock.advance(120)
assert not [c for c in CALLS if c[0] == "sensor" and c[1] == "a"]
assert len([c for c in CALLS if c[0] == "sensor" and c[1] == "b"]) == 6
req(link, mgr, "/applet?name=b", P.DELETE, mid=5)   # b's client goes too
assert not s.clients.get(b.id)
CALLS.clear()
await clock.advance(100)
assert not [c for c in CALLS if c[0] == "sensor"]
assert s.task is None                          # nobody listening: no reads
assert mgr.sensors.close(a.id, sid)
""")


def test_unix_port_simulated_sensor_resource():
    run(r"""
import sys
sys.path.append("ports/unix")
import app_port
mgr, link = make()
sims = app_port.setup(mgr)
assert mgr.sensors.find("sensor_test", 0) is not None
req(link, mgr, "/sim/sensor?name=temperature", P.PUT,
    attr.encode("", {"temperature": 41.5}), 3, P.FMT_ATTR)
assert link.status(3) == P.CHANGED
s = mgr.sensors.find("temperature", 0)
d = attr.to_dict(s.read_payload())
assert d["temperature"] == 41.5 and d["seq"] == 1
req(link, mgr, "/sim/sensor?name=temperature", P.GET, mid=4)
r = [r for r in link.responses() if r.mid == 4][0]
assert attr.to_dict(r.payload)["temperature"] == 41.5
req(link, mgr, "/sim/sensor?name=nope", P.GET, mid=5)
assert link.status(5) == P.NOT_FOUND
# readings=N: exactly N more readings, then none until the next PUT
req(link, mgr, "/sim/sensor?name=temperature&readings=2", P.PUT, mid=6)
assert link.status(6) == P.CHANGED
got = [s.read_payload() for i in range(4)]
assert [attr.to_dict(g)["seq"] for g in got[:2]] == [2, 3]
assert got[2:] == [None, None]
req(link, mgr, "/sim/sensor?name=temperature&readings=x", P.PUT, mid=7)
assert link.status(7) == P.BAD_REQUEST
""")


def test_board_port_sensors_with_fake_hardware():
    run(r"""
import sys
class FakeADC:
    def __init__(self, ch):
        assert ch == 4
    def read_u16(self):
        return 14000                      # ~0.705 V -> ~27 C
class FakeMachine:
    ADC = FakeADC
sys.modules["machine"] = FakeMachine
class FakeEsp32:
    @staticmethod
    def raw_temperature():
        return 122                        # Fahrenheit -> 50 C
sys.modules["esp32"] = FakeEsp32
sys.path.append("ports/rp2")
import app_port as rp2
sys.path.pop()
del sys.modules["app_port"]
sys.path.append("ports/esp32")
import app_port as esp
mgr, link = make()
rp2.setup(mgr)
d = attr.to_dict(mgr.sensors.find("temperature", 0).read_payload())
assert 26 < d["temperature"] < 28 and d["raw"] == 14000, d
mgr2, link2 = make()
esp.setup(mgr2)
d = attr.to_dict(mgr2.sensors.find("temperature", 0).read_payload())
assert abs(d["temperature"] - 50) < 0.01, d
""")


def test_link_garbage_and_expiry():
    run(r"""
import struct
mgr, link = make()
mgr.link_quiet_ms = 100
mgr.start()             # housekeeping: notices the quiet line
install(link, mgr, "a")
await settle()
# a header whose length lies swallows a real request...
mgr.feed(link, P.LEADING + struct.pack(">HI", 2, 5000) + b"junk")
req(link, mgr, "/a", mid=31)
await settle()
assert link.status(31) is None
# ...until the line has been quiet; then its bytes are rescanned
await settle(400)
assert link.status(31) == P.CONTENT
assert link.framer.dropped >= 4      # "junk" and the abandoned header
""")


def test_make_manager_applies_the_memory_policy():
    """The device (make_manager, used by `-m wamr_mpy.app` and a board's
    main.py) calls wamr_mpy.init() first, as the CLI does: on a small heap
    a GC threshold, and MEMORY_LIMIT set aside for the first app before the
    framework's modules fill the heap."""
    out = check_mp(r"""
import gc
from wamr_mpy import memory
from wamr_mpy.app.__main__ import make_manager
heap = gc.mem_free() + gc.mem_alloc()
mgr = make_manager(None, True, False)
print([len(b) for b in memory._reserved], gc.threshold() == heap // 16)
""", heapsize="1M", env={"WAMR_CONFIG": "MEMORY_LIMIT=32768"})
    assert out.split() == ["[32768]", "True"], out


def test_runner_releases_module_bytes_once_decoded():
    """With UNLOAD_LOADER every body is decoded at load, so an app on the
    portable interpreter does not keep its module's bytes (a copy the size
    of the .wasm per app); without it, bodies are decoded on first call and
    the bytes stay."""
    # (module (memory 1) (func (export "on_init"))
    #         (func (export "f") (param i32) (result i32) i32.const 7))
    app = ("0061736d0100000001090260000060017f017f03030200010503010001070f02"
           "076f6e5f696e69740000016600010a090202000b040041070b")
    code = r"""
import binascii, sys
from wamr_mpy.app.manager import Manager
from wamr_mpy.app import protocol as P
mgr = Manager(log=lambda m: None)
w = binascii.unhexlify(%r)
app = mgr._install("/applet?name=a", w, persist=False)
m = app.runner.module._m
print(m.data is None, app.runner.inst.call("f", 0))
""" % app
    on = check_mp(code, env={"WAMR_CONFIG": "UNLOAD_LOADER=1,APP_WATCHDOG=0"})
    off = check_mp(code, env={"WAMR_CONFIG": "UNLOAD_LOADER=0,APP_WATCHDOG=0"})
    assert on.split() == ["True", "7"], on
    assert off.split() == ["False", "7"], off


def test_install_whose_start_function_never_ends():
    """The watchdog's fuel bounds an app's start function too (it ran
    unbounded and hung the whole manager); the install is refused and the
    manager goes on."""
    from wasmbin import MAGIC, leb, name, section, vec
    body = b"\x00\x03\x40\x0c\x00\x0b\x0b"       # loop br 0 end end
    wasm = (MAGIC + section(1, vec([b"\x60\x00\x00"])) + section(3, vec([b"\x00", b"\x00"])) +
            section(7, vec([name("on_init") + b"\x00\x01"])) + section(8, leb(0)) +
            section(10, vec([leb(len(body)) + body, b"\x02\x00\x0b"])))
    good = wasm.replace(section(8, leb(0)), b"")
    out = check_mp(r"""
import binascii
from wamr_mpy.app.manager import Manager
from wamr_mpy.app.runner import InstallError
mgr = Manager(log=lambda m: None)
try:
    mgr._install("/applet?name=a&wd=50", binascii.unhexlify(%r), persist=False)
    print("installed")
except InstallError as e:
    print(e.message)
app = mgr._install("/applet?name=b", binascii.unhexlify(%r), persist=False)
print([a.name for a in mgr.apps])
""" % (wasm.hex(), good.hex()))
    assert out.splitlines() == ["instantiate failed: out of fuel", "['b']"], out


def test_link_limit():
    run(r"""
mgr, link = make()
mgr.max_links = 3
more = [Link("l%d" % i) for i in range(4)]
assert mgr.add_link(more[0]) and mgr.add_link(more[1])
assert not mgr.add_link(more[2]) and not mgr.add_link(more[3])
assert [l.name for l in mgr.links] == ["h", "l0", "l1"]
assert mgr.stats["refused_links"] == 2
assert [m for m in LOG if "refused" in m] == [
    "link l2 refused: 3 links open (APP_MAX_LINKS); refusing more until "
    "one closes"]
mgr.remove_link(more[0])
assert mgr.add_link(more[2])
assert LOG[-1] == "links: 2 refused while full"
# the links that are in still work
req(more[2], mgr, "/applet", P.GET, mid=9)
assert more[2].status(9) == P.CONTENT
""")


def test_install_that_does_not_fit_the_flash():
    """Installs stream into the store: one larger than the free space is
    refused before its bytes are read, one that runs the filesystem out
    while it is written (LittleFS needs room for its metadata too) fails
    with the filesystem's error; either way 5.00 with the reason, no
    partial app, and the next install works."""
    from test_app_store import LFS
    run(LFS + r"""
from wamr_mpy.app.store import Store
import os
bdev = RAMBlockDev(4096, 16)                 # 64 KiB of flash
vfs.VfsLfs2.mkfs(bdev)
vfs.mount(vfs.VfsLfs2(bdev), "/lfs")
mgr, link = make(store=Store("/lfs/apps"))
st = os.statvfs("/lfs/apps")
free = st[0] * st[4]
def message(mid):
    r = [r for r in link.responses() if r.mid == mid][0]
    return r.status, attr.to_dict(r.payload)["error message"]
req(link, mgr, "/applet?name=big", P.PUT, wasm("echo") + bytes(free), 1,
    P.FMT_RAW, P.TYPE_INSTALL)
status, msg = message(1)
assert status == P.INTERNAL_ERROR and "no room for" in msg, msg
# room when it starts, none half way (the filesystem's own ENOSPC, as
# test_app_store.py gets it from LittleFS, stands in here)
frame = P.encode_frame(P.TYPE_INSTALL, P.pack_request(P.Request(
    "/applet?name=big", P.PUT, P.FMT_RAW, wasm("echo") + bytes(free // 2), 2)))
mgr.feed(link, frame[:2000])
class Full:
    def __init__(self, f):
        self.f = f
    def write(self, data):
        raise OSError(28)
    def close(self):
        self.f.close()
w = link.framer._sink.w
w.f = Full(w.f)
mgr.feed(link, frame[2000:])
status, msg = message(2)
assert status == P.INTERNAL_ERROR and "saving the app failed" in msg, msg
assert "28" in msg or "ENOSPC" in msg, msg
assert os.listdir("/lfs/apps") == []
assert mgr.apps == [] and mgr.receiving == []
assert install(link, mgr, "small", mid=3) == P.CREATED
assert sorted(os.listdir("/lfs/apps")) == ["apps.idx", "small.wasm"]
""")


def test_install_streams_and_its_link_going_away(tmp_path):
    """While an install is arriving its name is taken (a second install of
    it on another link is refused), and when its link goes away half way
    the partial file is removed and the name is free again."""
    run(r"""
from wamr_mpy.app.store import Store
import os
D = %r
mgr, link = make(store=Store(D))
other = Link("o")
mgr.add_link(other)
frame = P.encode_frame(P.TYPE_INSTALL, P.pack_request(P.Request(
    "/applet?name=a", P.PUT, P.FMT_RAW, wasm("echo") + bytes(3000), 1)))
mgr.feed(link, frame[:1000])
assert os.listdir(D) == ["a.wasm.tmp"] and mgr.receiving == ["a"]
assert install(other, mgr, "a", mid=2) == P.INTERNAL_ERROR
mgr.feed(link, frame[1000:])
assert link.status(1) == P.CREATED and mgr.receiving == []
assert sorted(os.listdir(D)) == ["a.wasm", "apps.idx"]
frame = frame.replace(b"name=a", b"name=b")
mgr.feed(other, frame[:1000])
mgr.remove_link(other)                       # the host went away
assert sorted(os.listdir(D)) == ["a.wasm", "apps.idx"]
assert mgr.receiving == [] and "install of b abandoned after" in LOG[-1]
assert install(link, mgr, "b", mid=3) == P.CREATED
""" % str(tmp_path / "store"))

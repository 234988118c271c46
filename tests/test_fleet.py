"""Fleet management through an MQTT broker (docs/fleet.md): app-manager
devices on the MicroPython unix port behind Debian's mosquitto (started
here with a password file and the fleet ACL), driven by tools/host_tool
--mqtt and tools/fleet.  `make test-fleet` runs a bigger soak."""

import hashlib
import os
import subprocess
import sys
import time

import pytest

from mp import ROOT, need_tool
import mqtt_fleet as F
from test_unix32 import mp32, run32  # noqa: F401 (a fixture)
from host_mqtt import short

HANDLER = os.path.join(ROOT, "samples", "request_response",
                       "request_handler.wasm")
PUBLISHER = os.path.join(ROOT, "samples", "pubsub", "event_publisher.wasm")
FLEET = os.path.join(ROOT, "tools", "host_mqtt.py")     # tools/fleet


def need_broker():
    if F.mosquitto_path() is None:
        pytest.skip("mosquitto not installed (make test installs it)")
    need_tool("mosquitto_passwd")
    pytest.importorskip("paho.mqtt.client",
                        reason="paho-mqtt missing (tools/setup installs it)")


@pytest.fixture
def fleet(tmp_path):
    """(make(devices, **kw) -> (broker, fleet)); everything stops at the
    end, device logs are printed on failure."""
    need_broker()
    made = []

    def make(devices, heapsize="512K", tls=False):
        b = F.Broker(tmp_path, devices, tls).start()
        fl = F.Fleet(b, tmp_path, heapsize)
        made.append((b, fl))
        return b, fl
    yield make
    for b, fl in made:
        fl.stop()
        b.stop()


def sha(path_or_bytes):
    data = path_or_bytes if isinstance(path_or_bytes, bytes) else \
        open(path_or_bytes, "rb").read()
    return "sha256:" + hashlib.sha256(data).hexdigest()


def version2(tmp_path):
    """request_handler.wasm with a custom section: the same app, another
    version (another checksum)."""
    data = open(HANDLER, "rb").read()
    name = b"version"
    body = bytes([len(name)]) + name + b"2"
    path = tmp_path / "handler-v2.wasm"
    path.write_bytes(data + b"\x00" + bytes([len(body)]) + body)
    return str(path)


def ok(r):
    assert r.returncode == 0, "exit %d\n%s\n%s" % (r.returncode, r.stdout,
                                                   r.stderr)
    return r.stdout


def app_sums(presence, dev):
    return {a["name"]: a.get("sum") for a in presence[dev]["apps"]}


# ---- acceptance: 50 devices on one broker ---------------------------------

def test_fifty_devices_install_request_query(fleet):
    """50 devices (512 KiB heaps): one command installs an app on all,
    each answers a request, presence lists 50, a query prints the table."""
    devs = ["dev%02d" % i for i in range(50)]
    b, fl = fleet(devs)
    for d in devs:
        fl.start(d, groups=["lab"] if int(d[3:]) % 2 else ["lab", "even"])
    p, took = F.wait_online(b, devs)
    print("50 devices online %.1f s after start" % took)
    assert len([d for d in p if p[d]["online"]]) == 50
    assert p["dev07"]["board"] == "UNIX" and p["dev07"]["apps"] == []
    assert p["dev07"]["heap_free"] > 0 and "wamr-mpy" in p["dev07"]["runtime"]

    t0 = time.monotonic()
    out = ok(F.host_tool(b, "--group", "lab", "-i", "handler", "-f",
                         HANDLER, "-t", "60000"))
    print("installed on 50 in %.1f s" % (time.monotonic() - t0))
    rows = F.table(out)
    assert sorted(rows) == devs
    assert all(st.startswith("65 ") for st, _ in rows.values())
    assert out.rstrip().endswith("50 devices: 50 ok, 0 failed")

    out = ok(F.host_tool(b, "--devices", "dev*", "-r", "/app/handler/url1",
                         "-A", "GET", "-t", "60000"))
    rows = F.table(out)
    assert len(rows) == 50
    assert all(st.startswith("69 ") and '"key1":"value1"' in res
               for st, res in rows.values())

    p = F.presence(b)
    online = [d for d in p if p[d]["online"]]
    assert len(online) == 50
    assert all(app_sums(p, d) == {"handler": sha(HANDLER)} for d in online)
    # the presence list as an operator sees it
    out = ok(subprocess.run([sys.executable, FLEET] + b.host_args() +
                            ["list"], capture_output=True, text=True,
                            timeout=120))
    listed = [ln for ln in out.splitlines() if ln.startswith("dev")]
    assert len(listed) == 50 and all(
        " online " in ln and "handler@" + short(sha(HANDLER)) in ln
        for ln in listed), out
    assert out.rstrip().endswith("50 devices: 50 online, 0 offline"), out

    r = F.host_tool(b, "--devices", "dev*", "-q", "--progress")
    out = ok(r)
    assert "] 50/50 devices, 0 failed" in r.stderr
    rows = F.table(out)
    assert len(rows) == 50 and all(r == ("69 2.05", "1 app: handler")
                                   for r in rows.values())
    # a group is the devices whose presence names it
    out = ok(F.host_tool(b, "--group", "even", "-q"))
    assert sorted(F.table(out)) == devs[0::2]


# ---- one device, every host_tool operation ---------------------------------

def test_one_device_like_tcp(fleet, tmp_path):
    b, fl = fleet(["solo", "gone"])
    fl.start("solo")
    fl.start("gone")
    F.wait_online(b, ["solo", "gone"])
    # an install streams into the store as it arrives (as over TCP): one
    # over the app size limit is refused without being held in the 512 KiB
    # heap; any other message over the frame limit (1 MiB) is skipped in
    # pieces and answered from its header
    big = tmp_path / "big.wasm"
    big.write_bytes(b"\0asm" + bytes(1200 * 1024))
    r = F.host_tool(b, "--device", "solo", "-i", "big", "-f", str(big))
    assert r.returncode == 160 and "app is 1228804 bytes, limit 1048576" \
        in r.stdout, r.stdout + r.stderr
    (tmp_path / "big.json").write_text('{"a": [%s]}' % ",".join(
        ["1"] * (1100 * 1024)))
    r = F.host_tool(b, "--device", "solo", "-r", "/x", "-A", "PUT", "-p",
                    str(tmp_path / "big.json"))
    assert r.returncode == 160 and "over the link limit of 1048576" in \
        r.stdout, r.stdout + r.stderr
    r = F.host_tool(b, "--device", "solo", "-q")
    assert r.returncode == 69 and '"num":\t0' in r.stdout
    r = F.host_tool(b, "--device", "solo", "-i", "pub", "-f", PUBLISHER)
    assert r.returncode == 65, r.stdout + r.stderr
    r = F.host_tool(b, "--device", "solo", "-i", "pub", "-f", PUBLISHER)
    assert r.returncode == 160 and "already installed" in r.stdout
    # events: subscribe the host, keep listening 2.5 s
    r = F.host_tool(b, "--device", "solo", "-s", "alert/overheat", "-a",
                    "2500")
    assert r.returncode == 69, r.stdout + r.stderr
    assert "received an event alert/overheat" in r.stdout
    # tools/fleet events: subscribes the host on the device, then prints
    r = subprocess.run([sys.executable, FLEET] + b.host_args() + [
        "events", "--devices", "solo", "-a", "2500", "alert/overheat"],
        capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "solo: received an event alert/overheat {" in r.stdout
    r = F.host_tool(b, "--device", "solo", "-r", "/nothing", "-A", "GET")
    assert r.returncode == 132
    r = F.host_tool(b, "--device", "solo", "-u", "pub")
    assert r.returncode == 66
    # a device that went away: its last will says offline
    fl.kill("gone")
    deadline = time.monotonic() + 60
    while F.presence(b).get("gone", {}).get("online"):
        assert time.monotonic() < deadline, "no last will"
        time.sleep(0.2)
    r = F.host_tool(b, "--device", "gone", "-q")
    assert r.returncode == 255 and "offline" in r.stderr
    r = F.host_tool(b, "--devices", "solo,gone,nobody", "-q", "-t", "1500")
    assert r.returncode == 1
    rows = F.table(r.stdout)
    assert rows["solo"][0] == "69 2.05"
    assert rows["gone"] == ("-", "offline")
    assert rows["nobody"] == ("-", "timeout (1500 ms)")
    # an id that is no device id (a topic wildcard or level in it) is
    # refused before anything is sent
    for bad in ("x#", "x+", "a/b", "a.b"):
        r = F.host_tool(b, "--devices", "solo," + bad, "-q")
        assert r.returncode == 255 and r.stdout == "" and \
            "--devices: %r is no device id" % bad in r.stderr, r.stderr


# ---- security ---------------------------------------------------------------------

def test_acl_and_addressing(fleet):
    """A device's credentials cannot read another device's requests nor
    publish as it; wrong or missing credentials are refused; a device never
    acts on a retained request."""
    b, fl = fleet(["alice", "bob"])
    fl.start("alice")
    F.wait_online(b, ["alice"])
    # bob's credentials: subscribe to alice's requests and try to answer
    spy = b.client("bob")
    assert not spy.result[0].is_failure
    _, mid = spy.subscribe([("wamr/alice/request", 1), ("wamr/#", 1)])
    time.sleep(0.5)
    op = b.client()
    op.subscribe([("wamr/alice/response", 1), ("wamr/alice/presence", 1)])
    time.sleep(0.5)
    r = F.host_tool(b, "--device", "alice", "-q")
    assert r.returncode == 69
    # publishing as alice: a fake response and a fake presence; and as the
    # operator: an install on alice
    from wamr_mpy.app import protocol as P
    spy.publish("wamr/alice/response", b"forged", qos=1).wait_for_publish(5)
    spy.publish("wamr/alice/presence", b'{"id":"alice","online":false}',
                qos=1, retain=True).wait_for_publish(5)
    spy.publish("wamr/alice/request", P.pack_request(P.Request(
        "/applet?name=evil", P.PUT, P.FMT_RAW, open(HANDLER, "rb").read(),
        78)), qos=1).wait_for_publish(5)
    time.sleep(1.0)
    with spy.lock:
        seen = [t for t, _, _ in spy.got]
    assert not any(t.startswith("wamr/alice/") for t in seen), seen
    with op.lock:
        payloads = [p for t, p, _ in op.got]
    assert b"forged" not in payloads
    assert F.presence(b)["alice"] == dict(F.presence(b)["alice"], online=True,
                                          apps=[])
    spy.disconnect()
    op.disconnect()
    for user, pw in (("alice", "wrong"), ("mallory", "x")):
        c = b.client(user, pw)
        assert c.result and c.result[0].is_failure, (user, c.result)
        c.loop_stop()

    # a retained install waiting on bob's request topic is not acted on
    # when bob connects
    req = P.Request("/applet?name=stale", P.PUT, P.FMT_RAW,
                    open(HANDLER, "rb").read(), 77)
    op = b.client()
    op.publish("wamr/bob/request", P.pack_request(req), qos=1,
               retain=True).wait_for_publish(5)
    op.disconnect()
    fl.start("bob")
    p, _ = F.wait_online(b, ["bob"])
    time.sleep(1.0)
    assert F.presence(b)["bob"]["apps"] == []
    assert "ignoring a retained request" in fl.log("bob")
    r = F.host_tool(b, "--device", "bob", "-q")
    assert r.returncode == 69 and '"num":\t0' in r.stdout


# ---- staged rollout, kill -9 mid-install, rollback ---------------------------

def test_rollout_waves_kill_and_rollback(fleet, tmp_path):
    devs = ["dev%02d" % i for i in range(10)]
    v1, v2 = HANDLER, version2(tmp_path)
    b, fl = fleet(devs)
    for d in devs:
        fl.start(d, groups=["field"])
    F.wait_online(b, devs)
    ok(F.host_tool(b, "--group", "field", "-i", "handler", "-f", v1))

    # devices that will be killed inside the replace: paused at a step of
    # the store (tests/test_app_store.py does the same for installs)
    pause = {"dev00": "replace-staged", "dev01": "replace-staged",
             "dev02": "index-written", "dev03": "index-written",
             "dev04": "replace-committed"}
    for d, point in pause.items():
        fl.kill(d)
        fl.start(d, groups=["field"], env={"WAMR_APP_STORE_PAUSE": point})
    F.wait_online(b, devs)

    # wave 1 is dev00 alone (10%), it never answers: the rollout stops
    r = F.host_tool(b, "--group", "field", "-i", "handler", "-f", v2,
                    "--waves", "10,100", "--max-failures", "0", "-t", "3000")
    assert r.returncode == 1
    rows = F.table(r.stdout)
    assert rows["dev00"] == ("-", "timeout (3000 ms)")
    assert all(res.startswith("skipped: wave 1 had 1 failure")
               for d, (st, res) in rows.items() if d != "dev00")

    # the whole group at once: the paused ones time out, the rest replace
    r = F.host_tool(b, "--group", "field", "-i", "handler", "-f", v2,
                    "--replace", "-t", "5000")
    assert r.returncode == 1
    rows = F.table(r.stdout)
    for d in devs:
        if d in pause:
            assert rows[d][1] == "timeout (5000 ms)", (d, rows[d])
        else:
            assert rows[d][0] == "65 2.01" and rows[d][1] == \
                "version %s, previous %s kept" % (short(sha(v2)),
                                                  short(sha(v1))), rows[d]
    for d in pause:
        log = fl.log(d)
        assert "STORE-PAUSE " + pause[d] in log, (d, log)
        fl.kill(d)              # SIGKILL, inside the replace
    for d in pause:
        fl.start(d, groups=["field"])
    p, _ = F.wait_online(b, devs)
    want = {"dev00": v1, "dev01": v1, "dev02": v1, "dev03": v1, "dev04": v2}
    for d in devs:
        assert app_sums(p, d) == {"handler": sha(want.get(d, v2))}, (d, p[d])

    # the fleet table shows who runs which version
    out = ok(subprocess.run([sys.executable, FLEET] + b.host_args() +
                            ["list", "--group", "field"], capture_output=True,
                            text=True, timeout=120))
    for d in devs:
        line = next(ln for ln in out.splitlines() if ln.startswith(d + " "))
        assert "handler@" + short(sha(want.get(d, v2))) in line, line
    # and every device answers with whichever it has
    out = ok(F.host_tool(b, "--group", "field", "-r", "/app/handler/url1",
                         "-A", "GET"))
    assert all(st == "69 2.05" for st, _ in F.table(out).values())

    # finishing the rollout: the ones at v2 say so, the rest replace
    out = ok(F.host_tool(b, "--group", "field", "-i", "handler", "-f", v2,
                         "--waves", "50,100"))
    p = F.presence(b)
    assert all(app_sums(p, d) == {"handler": sha(v2)} for d in devs)

    # rollback: everyone back to v1; a second rollback has nothing left
    out = ok(F.host_tool(b, "--group", "field", "--rollback", "handler"))
    assert all(st == "68 2.04" for st, _ in F.table(out).values())
    p = F.presence(b)
    assert all(app_sums(p, d) == {"handler": sha(v1)} for d in devs)
    r = F.host_tool(b, "--devices", "dev05", "--rollback", "handler")
    assert r.returncode == 1 and "no previous version" in r.stdout
    out = ok(F.host_tool(b, "--group", "field", "-r", "/app/handler/url1",
                         "-A", "GET"))
    assert len(F.table(out)) == 10


# ---- the broker goes away -------------------------------------------------------

def test_broker_restart(fleet):
    """Devices reconnect with back-off (each wait at most
    APP_MQTT_BACKOFF_MAX_MS) and serve again."""
    devs = ["d%d" % i for i in range(6)]
    b, fl = fleet(devs)
    for d in devs:
        fl.start(d)
    F.wait_online(b, devs)
    ok(F.host_tool(b, "--devices", "d*", "-i", "handler", "-f", HANDLER))
    b.stop()
    time.sleep(3.0)         # several failed attempts: the delay grows
    t0 = time.monotonic()
    b.start()
    p, took = F.wait_online(b, devs)
    print("broker back: all %d devices online again after %.1f s" % (
        len(devs), time.monotonic() - t0))
    out = ok(F.host_tool(b, "--devices", "d*", "-r", "/app/handler/url1",
                         "-A", "GET"))
    assert all(st == "69 2.05" for st, _ in F.table(out).values())
    from wamr_mpy import config
    for d in devs:
        waits = [int(ln.rsplit(" ", 2)[-2]) for ln in fl.log(d).splitlines()
                 if "retrying in" in ln]
        assert len(waits) >= 2, fl.log(d)
        assert max(waits) <= config.APP_MQTT_BACKOFF_MAX_MS
        assert fl.log(d).count("connected to 127.0.0.1") == 2


def test_dropped_sessions_back_off(fleet):
    """Two devices with one id (a cloned board configuration): the broker
    drops each one when the other connects.  A session that ends at once
    is a failed attempt, so each device's delay keeps doubling up to
    APP_MQTT_BACKOFF_MAX_MS (it was a reconnect every 250-500 ms, for
    ever: 11 connections a device in 8 s)."""
    from wamr_mpy import config
    b, fl = fleet(["twin"])
    fl.start("twin", name="twin-a")
    fl.start("twin", name="twin-b")

    def waits(name):
        return [int(ln.rsplit(" ", 2)[-2]) for ln in
                fl.log(name).splitlines() if "retrying in" in ln]
    deadline = time.monotonic() + 60
    while min(len(waits("twin-a")), len(waits("twin-b"))) < 4:
        assert time.monotonic() < deadline, (fl.log("twin-a"),
                                             fl.log("twin-b"))
        time.sleep(0.5)
    for name in ("twin-a", "twin-b"):
        log = fl.log(name)
        print("%s: %d connections, waits %s" % (
            name, log.count("connected to"), waits(name)))
        assert "the broker closed the connection; retrying in" in log, log
        w = waits(name)[:4]
        # the k-th wait is a random time in [d/2, d], d = MIN * 2**k
        for k, ms in enumerate(w):
            d = min(config.APP_MQTT_BACKOFF_MIN_MS << k,
                    config.APP_MQTT_BACKOFF_MAX_MS)
            assert d // 2 <= ms <= d, (k, w, log)


def test_tls(fleet, tmp_path):
    """Devices and host tools over TLS, the broker verified against the
    CA; a device given another CA does not connect."""
    need_tool("openssl")
    b, fl = fleet(["sec1", "sec2"], tls=True)
    fl.start("sec1")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048",
                    "-nodes", "-keyout", str(tmp_path / "other.key"), "-out",
                    str(tmp_path / "other.crt"), "-days", "30", "-subj",
                    "/CN=another CA"], check=True, capture_output=True,
                   timeout=120)
    fl.start("sec2", cafile=str(tmp_path / "other.crt"))
    F.wait_online(b, ["sec1"])
    r = F.host_tool(b, "--devices", "sec1", "-i", "handler", "-f", HANDLER)
    assert r.returncode == 0, r.stdout + r.stderr
    r = F.host_tool(b, "--device", "sec1", "-r", "/app/handler/url1", "-A",
                    "GET")
    assert r.returncode == 69 and '"key1":\t"value1"' in r.stdout
    deadline = time.monotonic() + 60
    while "retrying in" not in fl.log("sec2"):
        assert time.monotonic() < deadline, fl.log("sec2")
        time.sleep(0.2)
    assert "not correctly signed" in fl.log("sec2")
    assert "sec2" not in F.presence(b)


def test_install_streams_into_the_store(fleet, tmp_path):
    """An install over MQTT goes into the app store as it arrives: a 1 MB
    app installs on a 1.5 MiB heap (received whole, the same message ran
    out of memory there and on a 2 MiB heap)."""
    data = open(HANDLER, "rb").read()
    name = b"pad"
    body = bytes([len(name)]) + name + bytes(1000 * 1024)
    size = len(body)
    leb = bytearray()
    while size > 0x7F:
        leb.append((size & 0x7F) | 0x80)
        size >>= 7
    leb.append(size)
    big = tmp_path / "big.wasm"
    big.write_bytes(data + b"\x00" + bytes(leb) + body)
    b, fl = fleet(["roomy"], heapsize="1536K")
    fl.start("roomy")
    F.wait_online(b, ["roomy"])
    r = F.host_tool(b, "--device", "roomy", "-i", "big", "-f", str(big),
                    "-t", "60000")
    assert r.returncode == 65, r.stdout + r.stderr + fl.log("roomy")
    r = F.host_tool(b, "--device", "roomy", "-r", "/app/big/url1", "-A",
                    "GET")
    assert r.returncode == 69
    assert app_sums(F.presence(b), "roomy") == {"big": sha(big.read_bytes())}


def test_replace_and_rollback_over_tcp(tmp_path):
    """--replace and --rollback are the device's, not MQTT's: the same over
    a TCP link."""
    from test_app_e2e import free_port
    from mp import MICROPYTHON
    port = free_port()
    env = dict(os.environ, MICROPYPATH=os.pathsep.join([ROOT, ".frozen"]))
    dev = subprocess.Popen([MICROPYTHON, "-X", "heapsize=512K", "-m",
                            "wamr_mpy.app", "--tcp", "127.0.0.1:%d" % port,
                            "--store", str(tmp_path / "apps"), "--quiet"],
                           cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
    try:
        tool = [sys.executable, F.HOST_TOOL, "-P", str(port)]
        deadline = time.monotonic() + 120
        while True:
            r = subprocess.run(tool + ["-q"], capture_output=True,
                               text=True, timeout=60)
            if r.returncode == 69 or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        v1, v2 = HANDLER, version2(tmp_path)

        def run(want, *args):
            r = subprocess.run(tool + ["-t", "30000"] + list(args),
                               capture_output=True, text=True, timeout=120)
            assert r.returncode == want, (args, r.stdout, r.stderr)
            return r.stdout
        run(65, "-i", "handler", "-f", v1)
        out = run(65, "-i", "handler", "-f", v2, "--replace")
        assert '"prev":\t"%s"' % sha(v1) in out
        assert '"sum":\t"%s"' % sha(v1) in run(68, "--rollback", "handler")
        assert "no previous version" in run(160, "--rollback", "handler")
        run(69, "-r", "/app/handler/url1", "-A", "GET")
    finally:
        dev.kill()
        dev.wait(10)


# ---- the documented production broker, the board configuration --------------

def test_production_broker_config(fleet, tmp_path):
    """docs/fleet.md's production mosquitto file (its paths moved here, its
    port a free one) loads and serves: a device over TLS with its own
    password, the operator over TLS, the documented ACL, and the retained
    presence kept across a broker restart (persistence)."""
    need_tool("openssl")
    b, fl = fleet(["pump-17"], tls=True)
    b.stop()
    conf = F.doc_block("# /etc/mosquitto/conf.d/wamr.conf")
    d = str(tmp_path)
    for old, new in (("/etc/mosquitto/wamr.passwd", b.pwfile),
                     ("/etc/mosquitto/wamr.acl", b.aclfile),
                     ("/etc/mosquitto/certs/", d + "/"),
                     ("/var/lib/mosquitto/", d + "/"),
                     ("listener 8883\n", "listener %d 127.0.0.1\n" % b.port)):
        assert old in conf, "docs/fleet.md's wamr.conf has no %r" % old
        conf = conf.replace(old, new)
    with open(b.conf, "w") as f:
        # started as root mosquitto would switch to user mosquitto, who
        # cannot read the test's private folder
        f.write(conf + "user %s\n" % __import__("pwd").getpwuid(
            os.getuid()).pw_name)
    b.start()
    fl.start("pump-17", groups=["field"])
    F.wait_online(b, ["pump-17"])
    ok(F.host_tool(b, "--group", "field", "-i", "handler", "-f", HANDLER))
    r = F.host_tool(b, "--device", "pump-17", "-r", "/app/handler/url1",
                    "-A", "GET")
    assert r.returncode == 69 and '"key1":\t"value1"' in r.stdout
    spy = b.client("pump-17")      # the device's credentials: its own only
    spy.publish("wamr/other/presence", b'{"id":"other","online":true}',
                qos=1, retain=True).wait_for_publish(5)
    spy.disconnect()
    fl.kill("pump-17")              # the last will: offline, retained
    deadline = time.monotonic() + 60
    while F.presence(b).get("pump-17", {}).get("online"):
        assert time.monotonic() < deadline, "no last will"
        time.sleep(0.2)
    b.stop()
    b.start()
    p = F.presence(b)
    assert p.get("pump-17") == {"id": "pump-17", "online": False,
                                "groups": ["field"]}, p
    assert "other" not in p


def test_device_from_board_config(fleet, tmp_path):
    """A board's MQTT settings (Kconfig APP_MQTT_*, tools/build) start the
    device through main.py's run_from_config(); an ESP32 build with the
    MQTT transport holds its modules for the board's arch (boards leave
    them out by default: tests/test_build.py)."""
    from boardtest import build
    b, fl = fleet(["board1"])
    opts = ["-D", "APP_MANAGER=y", "-D", "TRANSPORT_MQTT=y",
            "-D", "APP_TRANSPORT_IS_MQTT=y"]
    dev = ["-D", "APP_MQTT_HOST=127.0.0.1", "-D", "APP_MQTT_PORT=%d" % b.port,
           "-D", "APP_MQTT_DEVICE_ID=board1", "-D", "APP_MQTT_USER=board1",
           "-D", "APP_MQTT_PASSWORD_FILE=" + b.secret("board1"),
           "-D", "APP_MQTT_GROUPS=field,lab",
           "-D", "APP_STORE_DIR=" + str(tmp_path / "apps")]
    out = str(tmp_path / "unix")
    build("UNIX", out, *(opts + dev))
    p = F.start_configured_device(out, str(tmp_path), str(tmp_path / "board1.log"))
    try:
        pr, _ = F.wait_online(b, ["board1"], timeout=60)
        assert pr["board1"]["groups"] == ["field", "lab"]
        ok(F.host_tool(b, "--group", "lab", "-i", "handler", "-f", HANDLER))
        r = F.host_tool(b, "--device", "board1", "-r", "/app/handler/url1",
                        "-A", "GET")
        assert r.returncode == 69, r.stdout + r.stderr
        assert os.listdir(str(tmp_path / "apps"))
        # uninstall on a group, as install, query and request
        out = ok(F.host_tool(b, "--group", "field", "-u", "handler"))
        assert F.table(out) == {"board1": ("66 2.02", "")}, out
        assert F.presence(b)["board1"]["apps"] == []
    finally:
        p.kill()
        p.wait(10)
    mods = ("app/mqtt.py", "app/transport_mqtt.py", "app/presence.py")
    info = build("ESP32_GENERIC", str(tmp_path / "esp32"),
                 *(opts + ["-D", "APP_MQTT_TLS=y"]))
    assert set(mods) <= set(info["modules"])
    assert info["config"]["APP_TRANSPORT"] == "mqtt"
    for m in mods:
        with open(os.path.join(str(tmp_path / "esp32"), "mpy", "lib",
                               "wamr_mpy", m[:-3] + ".mpy"), "rb") as f:
            assert f.read(1) == b"M"


ADDRESSING = r"""
from wamr_mpy.app import transport_mqtt as T

class Mgr:
    frames = []
    def log(self, msg):
        print(msg)
    def on_frame(self, link, t, payload):
        self.frames.append(bytes(payload))
        return True
    def _open_stream(self, *args):
        print("stream opened")

m = Mgr()
d = T.Device(m, "127.0.0.1", device_id="me")
d._on_message("wamr/other/request", b"A", False, False)
d._on_message("wamr/me/request/x", b"B", False, False)
d._on_message("wamr/me/request", b"C", True, False)
print(d._on_stream("wamr/other/request", False, b"D" * 40, 99999) is T._DROP)
print(d._on_stream("wamr/me/request", True, b"E" * 40, 99999) is T._DROP)
d._on_oversize("wamr/other/request", b"F" * 40, 99999)
d._on_message("wamr/me/request", b"G", False, False)
print(m.frames, d.ignored)

# what the manager sends: a response to the response topic, an event to
# event/<url> with the characters a topic cannot hold made '_'
from wamr_mpy.app import protocol as P
sent = []
d.client.publish = lambda topic, body, retain=False: sent.append(
    (topic, bytes(body))) or True
resp = P.pack_response(P.Response(P.CONTENT, P.FMT_RAW, b"ok", 7))
d.link.send(P.encode_frame(P.TYPE_RESPONSE, resp))
ev = P.pack_request(P.Request("/alert/over+heat#1", 6, P.FMT_RAW, b"hot", 8))
d.link.send(P.encode_frame(P.TYPE_REQUEST, ev))
print(sent == [("wamr/me/response", resp), ("wamr/me/event/alert/over_heat_1",
                                            ev)], d.link.dropped)
"""


def test_device_acts_on_its_own_live_requests_only():
    """What the broker delivers on another topic (a broker without the
    ACL, a wildcard someone added) or retained is dropped, whole or
    streamed; only a live message on the device's request topic reaches
    the manager.  What the manager sends goes to the device's response and
    event topics.  (Over a real broker: test_acl_and_addressing.)"""
    from mp import check_mp
    check_addressing(check_mp(ADDRESSING).split("\n"))


def test_device_acts_on_its_own_live_requests_only_on_unix32(mp32):
    check_addressing(run32(mp32, ADDRESSING).split("\n"))


def check_addressing(out):
    assert out[:7] == [
        "mqtt me: ignoring a message on wamr/other/request",
        "mqtt me: ignoring a message on wamr/me/request/x",
        "mqtt me: ignoring a retained request",
        "mqtt me: ignoring a message on wamr/other/request", "True",
        "mqtt me: ignoring a retained request", "True"], out
    assert out[7:10] == ["mqtt me: ignoring a message on wamr/other/request",
                         "[b'G'] 6", "True 0"], out


# The device's MQTT client reading a broker's packets (fed in pieces of at
# most 100 bytes, as a socket hands them over; the coroutines driven by
# hand, so no socket or asyncio is needed): a streamed 2.2 MB message (a
# 4-byte remaining length), a retained small one, one over max_size, the
# PUBACKs of the QoS 1 ones, remaining lengths at each size boundary.
CLIENT_PACKETS = r"""from wamr_mpy.app import mqtt as M


class Reader:
    # at most 100 bytes a read, as a socket hands them over
    def __init__(self, data):
        self.d = memoryview(data)
        self.i = 0

    async def readexactly(self, n):
        b = bytes(self.d[self.i:self.i + n])
        self.i += n
        return b

    async def readinto(self, mv):
        k = min(len(mv), len(self.d) - self.i, 100)
        mv[:k] = self.d[self.i:self.i + k]
        self.i += k
        return k


class Writer:
    def __init__(self):
        self.out = bytearray()

    def write(self, b):
        self.out += b


class Wake:
    def set(self):
        pass


class Sink:
    def __init__(self, head):
        self.n = len(head)
        self.s = sum(head)

    def write(self, mv):
        self.n += len(mv)
        self.s += sum(mv)

    def end(self):
        print("streamed", self.n, self.s)

    def abort(self):
        print("aborted")


def drive(coro):
    try:
        while True:
            coro.send(None)
    except StopIteration as e:
        return e.value


def publish(topic, payload, qos=0, retain=False):
    t = M._utf8(topic)
    pid = b"\x12\x34" if qos else b""
    body = t + pid + payload
    return bytes([M.PUBLISH | (qos << 1) | retain]) + M._varlen(len(body)) + body


big = (bytes(range(251)) * 8765)[:2200000]   # a 4-byte remaining length
data = publish("wamr/me/request", big, qos=1) + \
    publish("wamr/me/request", b"small", retain=True) + \
    publish("wamr/me/request", bytes(300), qos=1)
c = M.Client("me", "broker", max_size=256)
c.reader = Reader(data)
c.writer = Writer()
c._wake = Wake()
c.on_stream = lambda topic, retain, head, n: Sink(head) if n > 1000000 else None
c.on_message = lambda topic, p, retain, dup: print("message", topic, bytes(p), retain)
c.on_oversize = lambda topic, head, n: print("oversize", topic, len(head), n)
for _ in range(3):
    first, n = drive(c._read_packet())
    print("packet", hex(first), n)
    drive(c._on_publish(first, n))
print("acks", bytes(c.writer.out))
print("sum", sum(big))
print("varlen", [bytes(M._varlen(n)) for n in (0, 127, 128, 16383, 16384, 2097151, 2097152, 268435455)])
try:
    c.reader = Reader(b"\x30\xff\xff\xff\xff\x01")
    drive(c._read_packet())
except M.MqttError as e:
    print(e)
"""


def client_packets_expected():
    big = (bytes(range(251)) * 8765)[:2200000]
    return [
        "packet 0x32 2200019", "streamed 2200000 %d" % sum(big),
        "packet 0x31 22", "message wamr/me/request b'small' True",
        "packet 0x32 319", "oversize wamr/me/request 300 300",
        r"acks b'@\x02\x124@\x02\x124'", "sum %d" % sum(big),
        r"varlen [b'\x00', b'\x7f', b'\x80\x01', b'\xff\x7f', "
        r"b'\x80\x80\x01', b'\xff\xff\x7f', b'\x80\x80\x80\x01', "
        r"b'\xff\xff\xff\x7f']",
        "mqtt: malformed remaining length"]


def test_client_packets():
    from mp import check_mp
    out = check_mp(CLIENT_PACKETS, heapsize="16M").splitlines()
    assert out == client_packets_expected()


def test_client_packets_on_unix32(mp32):
    """The same on a 32-bit single-float port (31-bit small ints).  The
    unix32 port has no socket or asyncio, so the transport itself runs on
    the 64-bit unix port only (the tests above)."""
    out = run32(mp32, CLIENT_PACKETS, heapsize="16M").splitlines()
    assert out == client_packets_expected()

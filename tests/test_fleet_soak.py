"""A longer fleet soak behind `make test-fleet` (skipped in `make test`):
WAMR_FLEET_SOAK_DEVICES devices (default 100) go through rounds of staged
replaces with devices killed at random moments (no pause hooks), broker
restarts and rollbacks.  After every round each device runs one of the two
versions, never none, and answers a request.  Also here: a broker that
goes silent without closing the connection."""

import os
import random
import time

import pytest

import mqtt_fleet as F
from test_fleet import HANDLER, app_sums, fleet, ok, sha, version2  # noqa

N = int(os.environ.get("WAMR_FLEET_SOAK_DEVICES", "100"))
ROUNDS = int(os.environ.get("WAMR_FLEET_SOAK_ROUNDS", "3"))


@pytest.mark.skipif(not os.environ.get("WAMR_FLEET_SOAK"),
                    reason="the fleet soak runs with `make test-fleet`")
def test_fleet_soak(fleet, tmp_path):
    rnd = random.Random(int(os.environ.get("WAMR_FLEET_SOAK_SEED", "1")))
    devs = ["s%03d" % i for i in range(N)]
    v1, v2 = HANDLER, version2(tmp_path)
    b, fl = fleet(devs)
    for d in devs:
        fl.start(d, groups=["soak"])
    p, took = F.wait_online(b, devs, timeout=600)
    print("%d devices online after %.1f s" % (N, took))
    ok(F.host_tool(b, "--group", "soak", "-i", "handler", "-f", v1, "-t",
                   "120000"))
    for rnd_no in range(ROUNDS):
        new = v2 if rnd_no % 2 == 0 else v1
        victims = rnd.sample(devs, max(1, N // 10))
        proc = F.host_tool_bg(b, "--group", "soak", "-i", "handler", "-f",
                              new, "--waves", "10,100", "--max-failures",
                              "50%", "-t", "20000")
        for d in victims:
            time.sleep(rnd.uniform(0.0, 0.3))
            fl.kill(d)
        out, err = proc.communicate(timeout=900)
        print("round %d: %s" % (rnd_no, out.strip().splitlines()[-1]))
        if rnd_no == 1:
            b.stop()
            time.sleep(2.0)
            b.start()
        for d in victims:
            fl.start(d, groups=["soak"])
        p, took = F.wait_online(b, devs, timeout=600)
        print("round %d: all online again after %.1f s" % (rnd_no, took))
        for d in devs:
            assert app_sums(p, d)["handler"] in (sha(v1), sha(v2)), p[d]
        out = ok(F.host_tool(b, "--group", "soak", "-r", "/app/handler/url1",
                             "-A", "GET", "-t", "60000"))
        assert len(F.table(out)) == N
        # the rest of the fleet catches up before the next round
        ok(F.host_tool(b, "--group", "soak", "-i", "handler", "-f", new,
                       "--replace", "-t", "120000"))
    out = ok(F.host_tool(b, "--group", "soak", "--rollback", "handler",
                         "-t", "120000"))
    assert all(st == "68 2.04" for st, _ in F.table(out).values())


@pytest.mark.skipif(not os.environ.get("WAMR_FLEET_SOAK"),
                    reason="runs with `make test-fleet`")
def test_silent_broker(fleet, tmp_path):
    """A broker that goes silent without closing the connection (NAT, a
    frozen host: SIGSTOP here) is given up after 1.5 keep-alive periods
    (APP_MQTT_KEEPALIVE=5: 7.5 s) and the device reconnects once it
    answers again."""
    import signal
    from boardtest import build
    b, fl = fleet(["board1"])
    out = str(tmp_path / "unix")
    build("UNIX", out, "-D", "APP_MANAGER=y", "-D", "TRANSPORT_MQTT=y",
          "-D", "APP_TRANSPORT_IS_MQTT=y", "-D", "APP_MQTT_HOST=127.0.0.1",
          "-D", "APP_MQTT_PORT=%d" % b.port, "-D", "APP_MQTT_DEVICE_ID=board1",
          "-D", "APP_MQTT_USER=board1",
          "-D", "APP_MQTT_PASSWORD_FILE=" + b.secret("board1"),
          "-D", "APP_MQTT_KEEPALIVE=5",
          "-D", "APP_STORE_DIR=" + str(tmp_path / "apps"))
    logpath = str(tmp_path / "board1.log")
    p = F.start_configured_device(out, str(tmp_path), logpath)

    def text():
        with open(logpath) as f:
            return f.read()
    try:
        F.wait_online(b, ["board1"], timeout=60)
        t0 = time.monotonic()
        b.proc.send_signal(signal.SIGSTOP)
        try:
            while "no answer from the broker for 7 s" not in text():
                assert time.monotonic() - t0 < 60, text()
                time.sleep(0.2)
            print("silent broker given up after %.1f s" % (
                time.monotonic() - t0))
        finally:
            b.proc.send_signal(signal.SIGCONT)
        deadline = time.monotonic() + 60
        while text().count("connected to 127.0.0.1") < 2:
            assert time.monotonic() < deadline, text()
            time.sleep(0.2)
        r = F.host_tool(b, "--device", "board1", "-q")
        assert r.returncode == 69, r.stdout + r.stderr
    finally:
        p.kill()
        p.wait(10)

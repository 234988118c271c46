"""host_tool's MQTT side: one device, or many at once, behind a broker.

`host_tool --mqtt BROKER[:PORT] --device ID ...` runs any host_tool
operation on one device through the broker, with the output and exit code
it has over TCP.  `--devices PATTERNS` / `--group NAME` run it on every
matching device at once and print a per-device table (exit code 1 when any
device failed); `--waves` installs in stages.  Run as a script (tools/fleet)
it lists the devices and follows their events.  Topic layout and payloads: docs/fleet.md and
wamr_mpy/app/transport_mqtt.py.
"""

import fnmatch
import json
import math
import os
import queue
import random
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from wamr_mpy.app import protocol as P  # noqa: E402
from wamr_mpy.app import attr  # noqa: E402

FAILED_EXIT_CODE = 1


class ToolError(Exception):
    pass


def add_arguments(ap):
    """host_tool's options for MQTT (its parser gets them all)."""
    g = ap.add_argument_group("MQTT (docs/fleet.md)")
    g.add_argument("--mqtt", metavar="BROKER[:PORT]",
                   help="reach the device(s) through this MQTT broker")
    g.add_argument("--device", metavar="ID", help="the device's id")
    g.add_argument("--devices", metavar="PATTERNS",
                   help="every device whose id matches one of these "
                   "comma-separated shell patterns (from presence; ids "
                   "without * ? [ are taken even when not present)")
    g.add_argument("--group", metavar="NAME",
                   help="every device whose presence lists group NAME")
    g.add_argument("--user", help="broker user name")
    g.add_argument("--password-file", metavar="FILE",
                   help="file holding the broker password")
    g.add_argument("--tls", action="store_true", help="TLS to the broker")
    g.add_argument("--cafile", metavar="FILE",
                   help="CA certificate that signs the broker's")
    g.add_argument("--prefix", default="wamr", help="topic prefix "
                   "(default wamr)")
    g.add_argument("--parallel", type=int, default=16, metavar="N",
                   help="devices with a request in flight at once "
                   "(default 16)")
    g.add_argument("--waves", metavar="PERCENTS",
                   help="install in stages: cumulative percentages of the "
                   "devices, e.g. 10,100; implies --replace")
    g.add_argument("--max-failures", metavar="N[%]", default="0",
                   help="stop a staged install when more devices than this "
                   "(a count, or a percentage of those tried) failed "
                   "(default 0)")


def check_arguments(ap, a):
    many = a.devices or a.group
    if (a.device or many) and not a.mqtt:
        ap.error("--device/--devices/--group go with --mqtt")
    if a.mqtt and not (a.device or many):
        ap.error("--mqtt needs --device ID, --devices PATTERNS or --group")
    if a.device and many:
        ap.error("--device names one device; --devices/--group many")
    if a.mqtt and (a.uart or a.address != "127.0.0.1" or a.port != 8888):
        ap.error("--mqtt replaces -S/-P/-D")
    if a.waves is not None:
        if not a.install or not many:
            ap.error("--waves goes with -i and --devices/--group")
        try:
            waves = [float(x) for x in a.waves.split(",") if x]
        except ValueError:
            ap.error("--waves wants percentages like 10,100")
        if not waves or waves[-1] != 100 or waves != sorted(waves) or \
                waves[0] <= 0:
            ap.error("--waves wants increasing percentages ending in 100")
        a.waves = waves
        a.replace = True
    m = a.max_failures.rstrip("%")
    if not m.isdigit():
        ap.error("--max-failures wants N or N%")


# ---- the broker connection ------------------------------------------------

def parse_broker(text, tls=False):
    host, _, port = text.rpartition(":")
    if not host:
        return text, 8883 if tls else 1883
    try:
        return host, int(port)
    except ValueError:
        raise ToolError("--mqtt wants BROKER[:PORT], got %r" % text)


class Broker:
    """A paho-mqtt client whose messages land in a queue (paho's network
    thread fills it; the tool's thread reads it)."""

    def __init__(self, a, timeout=5.0):
        try:
            import paho.mqtt.client as mqtt
        except ImportError:
            raise ToolError("--mqtt needs paho-mqtt (tools/setup installs "
                            "it: pip install -r requirements.txt)")
        self.prefix = a.prefix
        self.q = queue.Queue()
        self.connected = threading.Event()
        self.lost = False
        self.refused = None
        self.cv = threading.Condition()
        self.subacks = {}
        cid = "host-%08x" % random.getrandbits(32)
        self.client_id = cid
        c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=cid,
                        protocol=mqtt.MQTTv311, clean_session=True)
        if a.user:
            pw = None
            if a.password_file:
                try:
                    with open(a.password_file) as f:
                        pw = f.read().strip()
                except OSError as e:
                    raise ToolError("cannot read %s: %s" % (a.password_file,
                                                            e))
            c.username_pw_set(a.user, pw)
        if a.tls:
            c.tls_set(ca_certs=a.cafile)
        c.on_connect = self._on_connect
        c.on_disconnect = self._on_disconnect
        c.on_message = self._on_message
        c.on_subscribe = self._on_subscribe
        host, port = parse_broker(a.mqtt, a.tls)
        try:
            c.connect(host, port, keepalive=30)
        except (OSError, ValueError) as e:
            raise ToolError("cannot connect to the broker %s:%d: %s" % (
                host, port, e))
        c.loop_start()
        self.c = c
        if not self.connected.wait(timeout) or self.refused:
            self.close()
            raise ToolError("the broker %s:%d %s" % (
                host, port, "refused the connection: %s" % self.refused
                if self.refused else "did not answer"))

    def _on_connect(self, c, ud, flags, rc, props=None):
        if rc.is_failure:
            self.refused = str(rc)
        self.connected.set()

    def _on_disconnect(self, c, ud, flags, rc, props=None):
        self.lost = True
        self.q.put(None)

    def _on_message(self, c, ud, msg):
        self.q.put((msg.topic, msg.payload, msg.retain))

    def _on_subscribe(self, c, ud, mid, codes, props=None):
        with self.cv:
            self.subacks[mid] = codes
            self.cv.notify_all()

    def topic(self, device, what):
        return "%s/%s/%s" % (self.prefix, device, what)

    def subscribe(self, topics, timeout=5.0):
        _, mid = self.c.subscribe([(t, 1) for t in topics])
        with self.cv:
            if not self.cv.wait_for(lambda: mid in self.subacks, timeout):
                raise ToolError("the broker did not confirm the "
                                "subscription to %s" % ", ".join(topics))
            codes = self.subacks.pop(mid)
        for code in codes:
            if code.is_failure:
                raise ToolError("the broker refused the subscription to %s"
                                " (not authorized?)" % ", ".join(topics))

    def publish(self, topic, payload, qos=1):
        info = self.c.publish(topic, bytes(payload), qos=qos)
        return info

    def get(self, timeout):
        """(topic, payload, retain), None when the connection is lost,
        False on timeout."""
        try:
            return self.q.get(timeout=max(timeout, 0))
        except queue.Empty:
            return False

    def presence(self, wait=3.0):
        """{device id: presence dict} from the retained presence messages.
        The broker sends retained messages right after the SUBACK; a
        message to ourselves sent after it marks their end."""
        self.subscribe([self.topic("+", "presence")])
        sync = "%s/_sync/%s" % (self.prefix, self.client_id)
        self.subscribe([sync])
        self.publish(sync, b"", qos=0)
        out = {}
        end = time.monotonic() + wait
        while True:
            m = self.get(end - time.monotonic())
            if m is None:
                raise ToolError("the broker closed the connection")
            if m is False:
                break
            topic, payload, _ = m
            if topic == sync:
                break
            parts = topic.split("/")
            try:
                info = json.loads(payload)
            except ValueError:
                continue
            if len(parts) >= 3 and isinstance(info, dict):
                out[parts[-2]] = info
        self.c.unsubscribe(sync)
        return out

    def close(self):
        try:
            self.c.disconnect()
            self.c.loop_stop()
        except Exception:
            pass


# ---- one device: a connection for host_tool's session -----------------------

class DeviceConn:
    """host_tool's connection interface (send/recv/close) over MQTT: link
    frames out are unwrapped into request messages, response and event
    messages come back wrapped in link frames."""

    def __init__(self, a):
        if not is_device_id(a.device):
            raise ToolError("--device %r: ids are letters, digits, _ and -"
                            % a.device)
        self.b = Broker(a, max(a.timeout / 1000.0, 1.0))
        self.device = a.device
        info = self.b.presence().get(a.device)
        if info is not None and not info.get("online"):
            self.b.close()
            raise ToolError("device %s is offline (its last will)" %
                            a.device)
        self.t_req = self.b.topic(a.device, "request")
        self.t_resp = self.b.topic(a.device, "response")
        self.t_event = self.b.topic(a.device, "event/")
        self.b.subscribe([self.t_resp, self.t_event + "#"])
        self.out = bytearray()

    def send(self, data):
        self.out += data
        while len(self.out) >= P.FRAME_HEADER_LEN:
            size = int.from_bytes(self.out[4:8], "big")
            end = P.FRAME_HEADER_LEN + size
            if len(self.out) < end:
                return
            self.b.publish(self.t_req, self.out[P.FRAME_HEADER_LEN:end])
            del self.out[:end]

    def recv(self, timeout):
        end = time.monotonic() + max(timeout, 0)
        while True:
            m = self.b.get(end - time.monotonic())
            if m is None:
                return None
            if m is False:
                return b""
            topic, payload, retain = m
            if topic == self.t_resp:
                return P.encode_frame(P.TYPE_RESPONSE, payload)
            if topic.startswith(self.t_event):
                return P.encode_frame(P.TYPE_REQUEST, payload)

    def close(self):
        self.b.close()


# ---- many devices ---------------------------------------------------------------

def is_device_id(s):
    """A device id as devices take it (transport_mqtt.Device): one topic
    level without MQTT wildcards."""
    return P.valid_name(s) and "." not in s


def select(presence, patterns=None, group=None):
    """Sorted device ids: matching `patterns` (comma-separated globs; a
    plain id counts even without presence) and in `group`."""
    ids = set()
    if patterns:
        for p in [x for x in patterns.split(",") if x]:
            if any(c in p for c in "*?["):
                ids.update(d for d in presence if fnmatch.fnmatchcase(d, p))
            elif is_device_id(p):
                ids.add(p)
            else:
                # it would become a topic with a wildcard or another level
                raise ToolError("--devices: %r is no device id (letters, "
                                "digits, _ and -)" % p)
    else:
        ids.update(presence)
    if group:
        ids = set(d for d in ids if group in
                  (presence.get(d) or {}).get("groups", ()))
    return sorted(ids)


def ok_status(status):
    return status is not None and 64 <= status < 96     # CoAP 2.xx


class Result:
    def __init__(self, device):
        self.device = device
        self.status = None
        self.text = ""
        self.failed = False
        self.reqs = None
        self.sent_at = None
        self.mid = None


def summarize(resp):
    """A one-line digest of a response's payload for the table."""
    if not resp.payload:
        return ""
    if resp.fmt != P.FMT_ATTR:
        return "%d bytes" % len(resp.payload)
    try:
        obj = dict((k, v) for k, t, v in attr.decode(resp.payload)[1])
    except ValueError:
        return "(undecodable payload)"
    if "error message" in obj:
        return obj["error message"]
    if "num" in obj and "applet1" in obj or obj.get("num") == 0:
        names = [obj["applet%d" % i] for i in range(1, int(obj["num"]) + 1)
                 if "applet%d" % i in obj]
        return "%d app%s: %s" % (len(names), "" if len(names) == 1 else "s",
                                 ", ".join(names))
    if "sum" in obj:
        text = "version %s" % short(obj["sum"])
        if "prev" in obj:
            text += ", previous %s kept" % short(obj["prev"])
        return text
    return json.dumps(obj, separators=(",", ":"), default=str)


def short(csum):
    """sha256:<64 hex> -> its first 12 hex digits."""
    return csum.split(":")[-1][:12]


class Progress:
    def __init__(self, total, show):
        self.total = total
        self.show = show
        self.done = 0
        self.failed = 0

    def step(self, failed):
        self.done += 1
        self.failed += bool(failed)
        if not self.show:
            return
        width = 30
        fill = int(width * self.done / max(self.total, 1))
        sys.stderr.write("\r[%s%s] %d/%d devices, %d failed" % (
            "#" * fill, "." * (width - fill), self.done, self.total,
            self.failed))
        if self.done >= self.total:
            sys.stderr.write("\n")
        sys.stderr.flush()


def run_batch(b, devices, results, reqs, parallel, timeout, progress):
    """Send `reqs` (packed requests, in order) to each device, at most
    `parallel` devices waiting at once; fill results[device]."""
    pending = list(devices)
    waiting = {}                # device -> Result
    resp_topic = {}
    for d in devices:
        r = results[d]
        r.reqs = list(reqs)
        resp_topic[b.topic(d, "response")] = d

    def fire(r):
        mid, data = r.reqs.pop(0)
        r.mid = mid
        r.sent_at = time.monotonic()
        b.publish(b.topic(r.device, "request"), data)
        waiting[r.device] = r

    def finish(r, failed):
        waiting.pop(r.device, None)
        r.failed = failed
        progress.step(failed)

    while pending or waiting:
        while pending and len(waiting) < parallel:
            fire(results[pending.pop(0)])
        now = time.monotonic()
        soonest = min(r.sent_at + timeout for r in waiting.values())
        m = b.get(soonest - now)
        if m is None:
            for r in list(waiting.values()):
                r.text = "broker connection lost"
                finish(r, True)
            for d in pending:
                results[d].text = "broker connection lost"
                results[d].failed = True
            return
        if m is not False:
            topic, payload, retain = m
            d = resp_topic.get(topic)
            r = waiting.get(d)
            if r is None:
                continue
            try:
                resp = P.unpack_response(payload)
            except P.ProtocolError:
                continue
            if resp.mid != r.mid:
                continue
            r.status = resp.status
            r.text = summarize(resp)
            if not ok_status(resp.status) or not r.reqs:
                finish(r, not ok_status(resp.status))
            else:
                fire(r)
        now = time.monotonic()
        for r in list(waiting.values()):
            if now - r.sent_at >= timeout:
                r.text = "timeout (%d ms)" % (timeout * 1000)
                finish(r, True)


def wave_sizes(n, waves):
    out = []
    done = 0
    for pct in waves:
        upto = max(min(n, int(math.ceil(n * pct / 100.0))), done + 1)
        if upto > done:
            out.append(upto - done)
            done = upto
        if done >= n:
            break
    return out


def too_many(failed, tried, limit):
    if limit.endswith("%"):
        return failed * 100 > float(limit[:-1]) * tried
    return failed > int(limit)


def print_table(results, out, presence):
    rows = [("DEVICE", "STATUS", "RESULT")]
    for d in sorted(results):
        r = results[d]
        st = "%d %s" % (r.status, P.status_name(r.status)) \
            if r.status is not None else "-"
        rows.append((d, st, r.text))
    w0 = max(len(x[0]) for x in rows)
    w1 = max(len(x[1]) for x in rows)
    for row in rows:
        out.write("%-*s  %-*s  %s\n" % (w0, row[0], w1, row[1], row[2]))
    bad = sum(1 for r in results.values() if r.failed)
    out.write("%d device%s: %d ok, %d failed\n" % (
        len(results), "" if len(results) == 1 else "s",
        len(results) - bad, bad))


def run_op(b, presence, devices, reqs, a, out):
    """Send `reqs` [(mid, packed request)] to `devices` (in waves when
    a.waves), print the table; returns the exit code."""
    results = {d: Result(d) for d in devices}
    live = []
    for d in devices:
        info = presence.get(d)
        if info is not None and not info.get("online"):
            results[d].text = "offline"
            results[d].failed = True
        else:
            live.append(d)
    show = a.progress if a.progress is not None else sys.stderr.isatty()
    progress = Progress(len(live), show)
    timeout = a.timeout / 1000.0
    waves = wave_sizes(len(live), a.waves) if a.waves else [len(live)]
    start = 0
    for i, size in enumerate(waves):
        batch = live[start:start + size]
        start += size
        run_batch(b, batch, results, reqs, max(a.parallel, 1), timeout,
                  progress)
        failed = sum(1 for d in live[:start] if results[d].failed)
        if a.waves and start < len(live) and \
                too_many(failed, start, a.max_failures):
            for d in live[start:]:
                results[d].text = "skipped: wave %d had %d failure%s" % (
                    i + 1, failed, "" if failed == 1 else "s")
                results[d].failed = True
            if show:
                sys.stderr.write("\n")
            break
    print_table(results, out, presence)
    return FAILED_EXIT_CODE if any(r.failed for r in results.values()) \
        else 0


def connect_fleet(a):
    """(broker, presence, selected device ids)."""
    b = Broker(a)
    try:
        presence = b.presence()
        devices = select(presence, a.devices, a.group)
        if not devices:
            raise ToolError("no device matches %s" % (
                "group " + a.group if a.group and not a.devices else
                a.devices or "(no presence messages)"))
        b.subscribe([b.topic("+", "response")])
    except BaseException:
        b.close()
        raise
    return b, presence, devices


def run_many(a, build_requests, out=sys.stdout):
    """A host_tool operation on many devices; returns the exit code."""
    b, presence, devices = connect_fleet(a)
    try:
        reqs = [(req.mid, P.pack_request(req))
                for _, req, _ in build_requests(a)]
        return run_op(b, presence, devices, reqs, a, out)
    finally:
        b.close()


# ---- tools/fleet ------------------------------------------------------------------

FLEET_USAGE = """fleet: the devices behind an MQTT broker (docs/fleet.md)

  fleet --mqtt BROKER[:PORT] [broker options] list [--devices P] [--group G]
      a table of the devices from their presence messages
  fleet --mqtt BROKER[:PORT] [broker options] events [--devices P]
        [--group G] [-a MS] [URLS]
      print the events of the selected devices (all by default); with
      URLS (comma-separated, as host_tool -s) first subscribe the host to
      them on each device
"""


def fleet_args(argv):
    import argparse
    ap = argparse.ArgumentParser(
        prog="fleet", description=FLEET_USAGE,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mqtt", metavar="BROKER[:PORT]", required=True)
    ap.add_argument("--user")
    ap.add_argument("--password-file", metavar="FILE")
    ap.add_argument("--tls", action="store_true")
    ap.add_argument("--cafile", metavar="FILE")
    ap.add_argument("--prefix", default="wamr")
    sub = ap.add_subparsers(dest="cmd", required=True)
    for name in ("list", "events"):
        p = sub.add_parser(name)
        p.add_argument("--devices", metavar="PATTERNS")
        p.add_argument("--group", metavar="NAME")
    ev = sub.choices["events"]
    ev.add_argument("urls", nargs="?", metavar="URLS")
    ev.add_argument("-a", "--alive", type=int, default=0, metavar="MS",
                    help="stop after MS milliseconds (default: Ctrl-C)")
    ev.add_argument("-t", "--timeout", type=int, default=5000, metavar="MS")
    a = ap.parse_args(argv)
    a.waves = None
    a.progress = None
    a.parallel = 16
    return a


def fleet_list(a, out):
    b = Broker(a)
    try:
        presence = b.presence()
    finally:
        b.close()
    rows = [("DEVICE", "STATE", "BOARD", "RUNTIME", "HEAP FREE", "GROUPS",
             "APPS")]
    for d in select(presence, a.devices, a.group):
        p = presence.get(d)
        if p is None:
            rows.append((d, "unknown", "", "", "", "", ""))
            continue
        apps = []
        for x in p.get("apps", ()):
            t = x.get("name", "?")
            if x.get("sum"):
                t += "@" + short(x["sum"])
            if x.get("prev"):
                t += " (prev " + short(x["prev"]) + ")"
            apps.append(t)
        rows.append((d, "online" if p.get("online") else "offline",
                     str(p.get("board", "")), str(p.get("runtime", "")),
                     str(p.get("heap_free", "")),
                     ",".join(p.get("groups", ())), " ".join(apps)))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for r in rows:
        out.write("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip()
                  + "\n")
    up = sum(1 for r in rows[1:] if r[1] == "online")
    out.write("%d device%s: %d online, %d offline\n" % (
        len(rows) - 1, "" if len(rows) == 2 else "s", up, len(rows) - 1 - up))
    return 0


def fleet_events(a, out):
    b, presence, devices = connect_fleet(a)
    try:
        wanted = set(devices)
        b.subscribe([b.topic("+", "event/#")])
        code = 0
        if a.urls:
            mid = random.randint(1, 0x7FFFFFFF)
            reqs = []
            for u in [x for x in a.urls.split(",") if x]:
                url = ("/event" if u.startswith("/") else "/event/") + u
                reqs.append((mid, P.pack_request(P.Request(
                    url, P.PUT, P.FMT_ATTR, b"", mid))))
                mid = (mid % 0x7FFFFFFF) + 1
            code = run_op(b, presence, devices, reqs, a, out)
        end = time.monotonic() + a.alive / 1000.0 if a.alive > 0 else None
        while end is None or time.monotonic() < end:
            m = b.get(1.0 if end is None else end - time.monotonic())
            if m is None:
                raise ToolError("the broker closed the connection")
            if m is False:
                continue
            topic, payload, _ = m
            parts = topic.split("/", 3)
            if len(parts) < 4 or parts[1] not in wanted or \
                    parts[2] != "event":
                continue
            try:
                ev = P.unpack_request(payload)
            except P.ProtocolError:
                continue
            text = ""
            if ev.fmt == P.FMT_ATTR and ev.payload:
                try:
                    text = json.dumps(dict(
                        (k, v) for k, t, v in attr.decode(ev.payload)[1]),
                        default=str)
                except ValueError:
                    text = "(undecodable attr container)"
            out.write("%s: received an event %s %s\n" % (parts[1], ev.url,
                                                           text))
            out.flush()
        return code
    finally:
        b.close()


def fleet_main(argv=None):
    a = fleet_args(sys.argv[1:] if argv is None else argv)
    try:
        if a.cmd == "list":
            return fleet_list(a, sys.stdout)
        return fleet_events(a, sys.stdout)
    except ToolError as e:
        sys.stderr.write("fleet: %s\n" % e)
        return 255


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import entry
    sys.exit(entry.run("fleet", fleet_main))

#!/usr/bin/env python3
"""host_tool: manage apps on a wamr-mpy device (WAMR host_tool compatible).

Usage:
  host_tool -i NAME -f FILE [--heap N] [--timers N] [--watchdog MS] [opts]
  host_tool -u NAME [opts]
  host_tool -q[NAME] [opts]
  host_tool -r URL -A GET|PUT|POST|DELETE [-p PAYLOAD.json] [opts]
  host_tool -s URLS [opts]          subscribe the host to event(s)
  host_tool -d URLS [opts]          unsubscribe
  host_tool --rollback NAME [opts]  back to the version -i --replace kept

  -i ... --replace                  install, or replace an installed app
                                    keeping the running version until the
                                    new one has started (needs the store)
  --mqtt BROKER[:PORT] --device ID | --devices PATTERNS | --group NAME
                                    through an MQTT broker, one device or
                                    many (see --help, docs/fleet.md)

Control options:
  -S ADDR, --address ADDR   device TCP address (default 127.0.0.1)
  -P PORT, --port PORT      device TCP port (default 8888)
  -D DEV, --uart DEV        serial device instead of TCP (pyserial)
  -B BAUD, --baudrate BAUD  serial baud rate (default 115200)
  -t MS, --timeout MS       wait this long for the device to accept the
                            connection and for the response (default 5000)
  -a MS, --alive MS         keep listening (events) this long after the
                            response (default 0)
  -o FILE, --output FILE    also append the output to FILE
  -U PORT, --udp PORT       also send the output to UDP 127.0.0.1:PORT
  --progress/--no-progress  progress bar while installing (default: when
                            stderr is a terminal)

The exit code is the response status (65 created, 66 deleted, 69 content,
132 nobody serves the URL, 160 any app-manager error, with its "error
message", ...), 2 on timeout and 255 when the device cannot be reached.  JSON payloads become attr
containers (numbers as double, true/false, strings, arrays of numbers as
byte arrays) and attr-container responses and events are printed as JSON,
as WAMR's host_tool does.
"""

import argparse
import json
import os
import random
import select
import socket
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from wamr_mpy.app import protocol as P  # noqa: E402
from wamr_mpy.app import attr  # noqa: E402
import host_mqtt  # noqa: E402

TIMEOUT_EXIT_CODE = 2
CONNECT_EXIT_CODE = 255


class ToolError(Exception):
    pass


# ---- JSON <-> attr container ------------------------------------------------

def json2attr(obj, tag=""):
    """WAMR's conversion: numbers -> double, booleans, strings, arrays of
    numbers -> byte array (int8); other values are skipped."""
    if not isinstance(obj, dict):
        raise ToolError("payload JSON must be an object")
    items = []
    for k, v in obj.items():
        if isinstance(v, bool):
            items.append((k, attr.BOOLEAN, v))
        elif isinstance(v, (int, float)):
            items.append((k, attr.DOUBLE, float(v)))
        elif isinstance(v, str):
            items.append((k, attr.STRING, v))
        elif isinstance(v, list):
            arr = bytearray()
            for x in v:
                if not isinstance(x, (int, float)) or isinstance(x, bool):
                    break
                arr.append(int(x) & 0xFF)
            if arr:
                items.append((k, attr.BYTEARRAY, bytes(arr)))
    return attr.encode(tag, items)


def attr2json(payload):
    out = {}
    for k, t, v in attr.decode(payload)[1]:
        if t == attr.BYTEARRAY:
            out[k] = [b - 256 if b > 127 else b for b in v]
        elif t == attr.FLOAT:
            out[k] = float("%.7g" % v)
        else:
            out[k] = v
    return out


def json_text(obj):
    # cJSON_Print style: tab indentation, ":\t" after keys
    return json.dumps(obj, indent="\t", separators=(",", ":\t"),
                      ensure_ascii=False)


# ---- connections --------------------------------------------------------------

class TcpConn:
    def __init__(self, addr, port, timeout):
        # a device started a moment ago (`micropython -m wamr_mpy.app &`
        # then host_tool) may not listen yet: a refused connection is tried
        # again until the timeout
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.s = socket.create_connection((addr, port),
                                                  timeout=max(timeout, 0.5))
                break
            except ConnectionRefusedError as e:
                if time.monotonic() >= deadline:
                    raise ToolError("cannot connect to %s:%d: %s" % (addr, port, e))
                time.sleep(0.1)
            except OSError as e:
                raise ToolError("cannot connect to %s:%d: %s" % (addr, port, e))
        self.s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def send(self, data):
        self.s.sendall(data)

    def recv(self, timeout):
        r, _, _ = select.select([self.s], [], [], max(timeout, 0))
        if not r:
            return b""
        try:
            d = self.s.recv(65536)
        except OSError:
            return None
        return d if d else None

    def close(self):
        try:
            self.s.close()
        except OSError:
            pass


class SerialConn:
    def __init__(self, dev, baud):
        try:
            import serial
        except ImportError:
            raise ToolError("serial devices need pyserial "
                            "(pip install pyserial)")
        try:
            self.s = serial.Serial(dev, baud, timeout=0)
        except (OSError, serial.SerialException) as e:
            raise ToolError("cannot open %s: %s" % (dev, e))

    def send(self, data):
        self.s.write(data)
        self.s.flush()

    def recv(self, timeout):
        r, _, _ = select.select([self.s.fileno()], [], [], max(timeout, 0))
        if not r:
            return b""
        return self.s.read(self.s.in_waiting or 1)

    def close(self):
        try:
            self.s.close()
        except OSError:
            pass


# ---- the tool -----------------------------------------------------------------

class Output:
    def __init__(self, path=None, udp_port=None):
        self.path = path
        self.udp = None
        self.udp_port = udp_port
        if udp_port:
            self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)

    def write(self, text):
        sys.stdout.write(text)
        sys.stdout.flush()
        if self.path:
            with open(self.path, "a") as f:
                f.write(text)
        if self.udp:
            self.udp.sendto(text.encode(), ("127.0.0.1", self.udp_port))

    def message(self, header, fmt, payload):
        text = header
        if fmt == P.FMT_ATTR and payload:
            try:
                text += json_text(attr2json(payload))
            except ValueError as e:
                text += "(undecodable attr container: %s)" % e
        self.write(text)


def progress(done, total, stream=sys.stderr):
    width = 40
    frac = done / total if total else 1.0
    fill = int(width * frac)
    stream.write("\rinstalling [%s%s] %3d%% %d/%d bytes" % (
        "#" * fill, "." * (width - fill), int(frac * 100), done, total))
    if done >= total:
        stream.write("\n")
    stream.flush()


def send_frame(conn, msg_type, payload, show_progress=False):
    head = P.frame_header(msg_type, len(payload))
    if not show_progress:
        conn.send(head + payload)
        return
    conn.send(head)
    step = 4096
    for off in range(0, len(payload), step):
        conn.send(payload[off:off + step])
        progress(min(off + step, len(payload)), len(payload))
    if not payload:
        progress(0, 0)


def build_requests(a):
    """[(frame type, Request, is_install)] for the chosen operation."""
    mid = random.randint(1, 0x7FFFFFFF)
    if a.install:
        url = "/applet?name=%s" % a.install
        if a.type:
            url += "&type=%s" % a.type
        if a.heap and a.heap > 0:
            url += "&heap=%d" % a.heap
        if a.timers and a.timers > 0:
            url += "&timers=%d" % a.timers
        if a.watchdog and a.watchdog > 0:
            url += "&wd=%d" % a.watchdog
        if a.replace:
            url += "&replace=1"
        try:
            with open(a.file, "rb") as f:
                wasm = f.read()
        except OSError as e:
            raise ToolError("cannot read %s: %s" % (a.file, e.strerror or e))
        req = P.Request(url, P.PUT, P.FMT_RAW, wasm, mid)
        is_wasm = (a.type in (None, "wasm")) and wasm[:4] == b"\0asm"
        return [(P.TYPE_INSTALL if is_wasm else P.TYPE_REQUEST, req, True)]
    if a.rollback:
        return [(P.TYPE_REQUEST, P.Request(
            "/applet?name=%s&rollback=1" % a.rollback, P.POST, P.FMT_ATTR,
            b"", mid), False)]
    if a.uninstall:
        url = "/applet?name=%s" % a.uninstall
        if a.type:
            url += "&type=%s" % a.type
        return [(P.TYPE_REQUEST, P.Request(url, P.DELETE, P.FMT_ATTR, b"",
                                           mid), False)]
    if a.query is not None:
        url = "/applet?name=%s" % a.query if a.query else "/applet"
        return [(P.TYPE_REQUEST, P.Request(url, P.GET, P.FMT_ATTR, b"", mid),
                 False)]
    if a.request:
        payload = b""
        if a.payload:
            try:
                with open(a.payload) as f:
                    obj = json.load(f)
            except (OSError, ValueError) as e:
                raise ToolError("cannot read JSON payload %s: %s" % (
                    a.payload, getattr(e, "strerror", None) or e))
            payload = json2attr(obj)
        return [(P.TYPE_REQUEST, P.Request(a.request, P.ACTIONS[a.action],
                                           P.FMT_ATTR, payload, mid), False)]
    urls = a.register if a.register else a.deregister
    action = P.PUT if a.register else P.DELETE
    out = []
    for u in [x for x in urls.split(",") if x]:
        url = ("/event" if u.startswith("/") else "/event/") + u
        out.append((P.TYPE_REQUEST, P.Request(url, action, P.FMT_ATTR, b"",
                                              mid), False))
        mid = (mid % 0x7FFFFFFF) + 1
    return out


def run(a):
    # the app file is read before connecting: a wrong path says so at once
    # instead of after a device that is not there yet has been waited for
    reqs = build_requests(a)
    if a.mqtt:
        conn = host_mqtt.DeviceConn(a)
    elif a.uart:
        conn = SerialConn(a.uart, a.baudrate)
    else:
        conn = TcpConn(a.address, a.port, a.timeout / 1000.0)
    sess = Session(conn, Output(a.output, a.udp),
                   bool(a.register or a.deregister))
    status = None
    try:
        show = a.progress if a.progress is not None else sys.stderr.isatty()
        for msg_type, req, is_install in reqs:
            send_frame(conn, msg_type, P.pack_request(req),
                       show and is_install)
            status = sess.wait_response(req.mid, a.timeout / 1000.0)
            if status in (TIMEOUT_EXIT_CODE, CONNECT_EXIT_CODE):
                break
        if status not in (None, TIMEOUT_EXIT_CODE, CONNECT_EXIT_CODE) \
                and a.alive > 0:
            sess.linger(a.alive / 1000.0)
    finally:
        conn.close()
    return status


class Session:
    """Frames from the device: the response we wait for, and events."""

    def __init__(self, conn, out, listen_events):
        self.conn = conn
        self.out = out
        self.listen_events = listen_events
        self.framer = P.Framer()
        self.mid = None
        self.response = None

    def on_frame(self, t, payload):
        if t == P.TYPE_RESPONSE:
            try:
                r = P.unpack_response(payload)
            except P.ProtocolError:
                return False
            if self.mid is not None and r.mid == self.mid and \
                    self.response is None:
                self.response = r
                self.out.message("\nresponse status %d\n" % r.status,
                                 r.fmt, r.payload)
            return True
        if t == P.TYPE_REQUEST:
            try:
                ev = P.unpack_request(payload)
            except P.ProtocolError:
                return False
            if self.listen_events:
                self.out.message("\nreceived an event %s\n" % ev.url,
                                 ev.fmt, ev.payload)
            return True
        return False

    def _pump(self, timeout):
        data = self.conn.recv(timeout)
        if data is None:
            return False
        if data:
            self.framer.feed(data, self.on_frame)
        return True

    def wait_response(self, mid, seconds):
        self.mid = mid
        self.response = None
        deadline = time.monotonic() + seconds
        while self.response is None:
            left = deadline - time.monotonic()
            if left <= 0:
                self.out.write("operation timeout\n")
                return TIMEOUT_EXIT_CODE
            if not self._pump(min(left, 1.0)):
                self.out.write("connection closed by the device\n")
                return CONNECT_EXIT_CODE
        return self.response.status

    def linger(self, seconds):
        self.mid = None
        end = time.monotonic() + seconds
        while True:
            left = end - time.monotonic()
            if left <= 0 or not self._pump(min(left, 1.0)):
                return


def parse_args(argv):
    ap = argparse.ArgumentParser(
        prog="host_tool", add_help=False,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=__doc__)
    op = ap.add_mutually_exclusive_group(required=True)
    op.add_argument("-i", "--install", metavar="NAME")
    op.add_argument("-u", "--uninstall", metavar="NAME")
    op.add_argument("-q", "--query", metavar="NAME", nargs="?", const="")
    op.add_argument("-r", "--request", metavar="URL")
    op.add_argument("-s", "--register", metavar="URLS")
    op.add_argument("-d", "--deregister", metavar="URLS")
    op.add_argument("--rollback", metavar="NAME")
    ap.add_argument("-f", "--file")
    ap.add_argument("-A", "--action", type=str.upper,
                    choices=sorted(P.ACTIONS))
    ap.add_argument("-p", "--payload")
    ap.add_argument("--type")
    ap.add_argument("--heap", type=int)
    ap.add_argument("--timers", type=int)
    ap.add_argument("--watchdog", type=int, metavar="MS")
    ap.add_argument("--replace", action="store_true")
    ap.add_argument("-S", "--address", default="127.0.0.1")
    ap.add_argument("-P", "--port", type=int, default=8888)
    ap.add_argument("-D", "--uart", "--uart_device", dest="uart")
    ap.add_argument("-B", "--baudrate", type=int, default=115200)
    ap.add_argument("-t", "--timeout", type=int, default=5000)
    ap.add_argument("-a", "--alive", type=int, default=0)
    ap.add_argument("-o", "--output")
    ap.add_argument("-U", "--udp", type=int)
    ap.add_argument("--progress", dest="progress", action="store_true",
                    default=None)
    ap.add_argument("--no-progress", dest="progress", action="store_false")
    ap.add_argument("-h", "--help", action="help")
    host_mqtt.add_arguments(ap)
    a = ap.parse_args(argv)
    host_mqtt.check_arguments(ap, a)
    if a.install and not a.file:
        ap.error("-i needs -f FILE")
    if a.request and not a.action:
        ap.error("-r needs -A ACTION")
    if a.file and not a.install:
        ap.error("-f goes with -i")
    if (a.action or a.payload) and not a.request:
        ap.error("-A/-p go with -r")
    if (a.heap or a.timers or a.watchdog or a.replace) and not a.install:
        ap.error("--heap/--timers/--watchdog/--replace go with -i")
    return a


def main(argv=None):
    a = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        if a.devices or a.group:
            return host_mqtt.run_many(a, build_requests)
        status = run(a)
    except (ToolError, host_mqtt.ToolError) as e:
        sys.stderr.write("host_tool: %s\n" % e)
        return CONNECT_EXIT_CODE
    return CONNECT_EXIT_CODE if status is None else status


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import entry
    sys.exit(entry.run("host_tool", main))

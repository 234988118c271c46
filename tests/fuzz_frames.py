"""tools/fuzz frames: fuzzed link frames to the app manager (`micropython -m
wamr_mpy.app`) over its TCP transport (or --stdio), each one read before
the next (CPython host side).

fuzz_frames(rnd, wasm, count) makes the frames (tests/test_app_e2e.py's
fuzzed link test uses it too): random bytes, mutated, truncated and
lying frames, bad versions, oversized claims, garbage URLs and attribute
containers, valid requests, and (`extended`) installs of mutated modules
with install parameters, uninstalls, queries, replace/rollback, events and
requests to the installed apps.

Seed S sends FRAMES frames of random.Random(S) on a new link.  After each
frame the harness sends a probe (GET /applet with a mid of its own) and
waits for its answer, so every frame has been through the manager's framer
and handler before the next.  A frame that leaves the framer in the middle
of a frame (a length that lies) is completed first with zero bytes, as
many as a copy of the framer on this side says it waits for (one in 64 is
left for the manager's quiet-line expiry instead).  Findings: the manager
process dying, a probe not answered within LIMIT CPU seconds of the
manager (or BLOCKED wall seconds), an error answer or log line that
reports an exception (internal error, start failed, housekeeping, a link's
non-OSError exception, a traceback)."""
import os
import random
import re
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import types

import fuzz_host as H

sys.path.insert(0, H.ROOT)
from wamr_mpy.app import protocol as P  # noqa: E402
from wamr_mpy.app import attr  # noqa: E402

CAMPAIGN = "frames"
FRAMES = 100            # frames per seed
LIMIT = 30              # manager CPU seconds for one frame and its probe
BLOCKED = 600           # wall seconds
PROBE = 0x5EED0000
APP = os.path.join(H.ROOT, "samples", "request_response", "request_handler.wasm")
INSTALLS = ("samples/timer/timer.wasm", "samples/pubsub/event_publisher.wasm",
            "samples/pubsub/event_subscriber.wasm", "samples/request_response/request_sender.wasm",
            "samples/sensor/sensor.wasm", "samples/hello/hello.wasm")
# log lines of the manager that report an exception it caught
DEFECT_LOG = re.compile(r"internal error|housekeeping: |start failed: |Traceback|"
                        r"resource \S+ failed: |link \S+: (?!OSError)[A-Za-z]+\(")


def _frame(t, payload):
    return P.encode_frame(t, payload)


def _req(url, action, fmt=0, payload=b"", mid=0):
    return P.pack_request(P.Request(url, action, fmt, payload, mid))


def fuzz_frames(rnd, wasm, count, extended=False, installs=()):
    """`count` frames (bytes each) from random.Random `rnd`; `wasm` is the
    app the link test has installed (request_handler); `extended` adds the
    kinds that install, remove and address other apps (named fz0..fz3),
    with packages from `installs` (bytes), often mutated."""
    valid = [
        _frame(P.TYPE_REQUEST, _req("/applet", P.GET, P.FMT_ATTR, b"", 1)),
        _frame(P.TYPE_REQUEST, _req("/app/request_handler/url1", P.GET, 0, b"", 2)),
        _frame(P.TYPE_REQUEST, _req("/url2", P.DELETE, P.FMT_ATTR,
                                    attr.encode("", {"a": 1.5}), 3)),
        _frame(P.TYPE_REQUEST, _req("/event/fuzz", P.PUT, P.FMT_ATTR, b"", 4)),
        _frame(P.TYPE_RESPONSE, P.pack_response(P.Response(69, 0, b"x", 5, 6))),
    ]
    install = _req("/applet?name=fz", P.PUT, P.FMT_RAW, wasm, 7)
    out = []
    for i in range(count):
        k = rnd.randrange(12 if extended else 9)
        if k == 0:      # random bytes
            out.append(bytes(rnd.randrange(256) for _ in range(rnd.randrange(1, 64))))
        elif k == 1:    # mutated valid frame
            v = bytearray(rnd.choice(valid))
            for _ in range(rnd.randrange(1, 5)):
                v[rnd.randrange(len(v))] = rnd.randrange(256)
            out.append(bytes(v))
        elif k == 2:    # truncated frame
            v = rnd.choice(valid)
            out.append(v[:rnd.randrange(1, len(v))])
        elif k == 3:    # bad version
            v = bytearray(rnd.choice(valid))
            v[8] = rnd.choice([0, 2, 255])
            out.append(bytes(v))
        elif k == 4:    # length that lies (short), followed by a real frame
            v = rnd.choice(valid)
            body = v[8:]
            lie = len(body) + rnd.randrange(1, 200)
            out.append(P.LEADING + struct.pack(">HI", P.TYPE_REQUEST, lie) + body)
        elif k == 5:    # oversized payload claim
            out.append(P.LEADING + struct.pack(
                ">HI", rnd.choice([2, 3, 4]), rnd.randrange(P.MAX_FRAME + 1, 1 << 32)))
        elif k == 6:    # request with garbage URL / payload
            url = bytes(rnd.randrange(1, 256) for _ in range(rnd.randrange(0, 30)))
            pl = bytes(rnd.randrange(256) for _ in range(rnd.randrange(20)))
            body = struct.pack(P.REQ_HEADER, 1, rnd.randrange(256), rnd.randrange(65536),
                               rnd.randrange(1 << 32), 0, len(url) + 1, len(pl)) + url + b"\0" + pl
            out.append(_frame(rnd.choice([2, 4]), body))
        elif k == 7:    # garbage attr container payload
            a = bytearray(attr.encode("t", {"k": "v", "n": 3}))
            for _ in range(rnd.randrange(1, 4)):
                a[rnd.randrange(len(a))] = rnd.randrange(256)
            out.append(_frame(P.TYPE_REQUEST, _req("/app/request_handler/url1", P.POST,
                                                   P.FMT_ATTR, bytes(a), 9)))
        elif k == 8:    # a valid frame (some mutated installs, rarely)
            if rnd.randrange(100) == 0:
                v = bytearray(install)
                v[rnd.randrange(18 + 20, len(v))] ^= 0xFF
                out.append(_frame(P.TYPE_INSTALL, bytes(v)))
            else:
                out.append(rnd.choice(valid))
        elif k == 9:    # an install, with parameters, of a module often mutated
            out.append(_install(rnd, installs or (wasm,)))
        elif k == 10:   # the other /applet requests
            name = "fz%d" % rnd.randrange(4)
            url, act = rnd.choice([("/applet?name=%s" % name, P.DELETE),
                                   ("/applet?name=%s" % name, P.GET),
                                   ("/applet?name=%s&rollback=1" % name, P.POST),
                                   ("/applet?name=%s&type=aot" % name, P.PUT),
                                   ("/applet?name=%s" % name, P.POST),
                                   ("/applet?name=", P.DELETE),
                                   ("/applet?name=%s&replace=1" % name, P.PUT)])
            pl = b""
            if act == P.PUT:
                pl = rnd.choice(installs or (wasm,))
            out.append(_frame(rnd.choice([P.TYPE_REQUEST, P.TYPE_REQUEST, P.TYPE_INSTALL]),
                              _req(url, act, P.FMT_RAW, pl, rnd.randrange(1 << 32))))
        else:           # events, requests to apps, attribute payloads
            url = rnd.choice(["/app/fz%d/x" % rnd.randrange(4), "/event/alert/overheat",
                              "/event/fz", "/alert/overheat", "/app/", "/app/fz0",
                              "/sys/x", "/app/request_handler/url1?q=1"])
            act = rnd.choice([P.GET, P.POST, P.PUT, P.DELETE, P.EVENT, 0, 7, 255])
            items = {"i": rnd.randrange(-2 ** 31, 2 ** 31), "s": "x" * rnd.randrange(40),
                     "f": rnd.random(), "b": bytes(rnd.randrange(256) for _ in range(8))}
            pl = attr.encode("t", items)
            out.append(_frame(P.TYPE_REQUEST, _req(url, act, rnd.choice([0, P.FMT_ATTR,
                                                                          P.FMT_RAW]),
                                                   pl, rnd.randrange(1 << 32))))
    return out


def _install(rnd, packages):
    from wasm_mutate import Rng, mutate
    wasm = rnd.choice(packages)
    if rnd.randrange(3):
        r = Rng(rnd.getrandbits(32) or 1)
        for _ in range(1 + rnd.randrange(2)):
            wasm = mutate(r, wasm)[1]
    q = "name=fz%d" % rnd.randrange(4)
    for key, vals in (("heap", ("0", "1", "-5", "99999999999", "x", "65536")),
                      ("timers", ("0", "-1", "1000", "y")), ("wd", ("0", "1", "-1", "10"))):
        if rnd.randrange(3) == 0:
            q += "&%s=%s" % (key, rnd.choice(vals))
    return _frame(P.TYPE_INSTALL if rnd.randrange(2) else P.TYPE_REQUEST,
                  _req("/applet?" + q, P.PUT, P.FMT_RAW, wasm, rnd.randrange(1 << 32)))


# ------------------------------------------------------------ the framer's copy

def _shadow_frame(t, payload):
    """What Manager.on_frame answers the framer (False: rescan)."""
    try:
        if t == P.TYPE_REQUEST or t == P.TYPE_INSTALL:
            P.unpack_request(payload)
            return True
        if t == P.TYPE_RESPONSE:
            P.unpack_response(payload)
            return True
    except P.ProtocolError:
        pass
    return False


def _shadow_stream(t, prefix, size):
    """What Manager._open_stream does with a frame's head: a sink for an
    install (PUT /applet), else None."""
    if P.install_head(prefix, size) is None:
        return None
    # a sink that keeps nothing
    return types.SimpleNamespace(write=len, end=tuple, abort=tuple)


def new_shadow():
    return P.Framer(P.MAX_FRAME, _shadow_stream)


def filler(sh, data):
    """Feeds `data` to the framer copy `sh`; the zero bytes that then take
    it out of the middle of a frame."""
    sh.feed(data, _shadow_frame)
    out = b""
    for _ in range(16):
        if not sh.busy():
            break
        st = sh.state
        if st == sh.HEADER:
            need = 6 - len(sh._head)
        elif st == sh.BODY:
            need = len(sh._body) - sh._pos
        elif st == sh.PREFIX:
            need = sh._need - sh._pos
        elif st == sh.STREAM:
            need = sh._size - sh._pos
        else:
            need = 1        # a lone 0x12 while hunting
        z = bytes(max(need, 1))
        sh.feed(z, _shadow_frame)
        out += z
    return out


# ------------------------------------------------------------------ the device

class Device:
    """The manager process and one link to it (TCP or its stdin/stdout)."""

    def __init__(self, workdir, transport="tcp"):
        self.transport = transport
        self.log = []
        self.lock = threading.Lock()
        self.cond = threading.Condition(self.lock)
        self.answers = {}           # probe mid -> response
        self.bad = []               # error answers that report an exception
        self.responses = 0
        self.sock = None
        store = os.path.join(workdir, "store")
        os.makedirs(store, exist_ok=True)
        import mp
        cmd = [mp.MICROPYTHON, "-X", "heapsize=8M", "-m", "wamr_mpy.app", "--store", store,
               "--no-port"]
        if transport == "tcp":
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
            s.close()
            cmd += ["--tcp", "127.0.0.1:%d" % self.port]
        else:
            cmd += ["--stdio"]
        root = os.environ.get("WAMR_DIFF_ROOT")     # another tree (tests plant defects)
        env = dict(os.environ, MICROPYPATH=os.pathsep.join(([root] if root else []) +
                                                           [H.ROOT, ".frozen"]))
        self.proc = subprocess.Popen(cmd, cwd=workdir, env=env, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        threading.Thread(target=self._read_log, daemon=True).start()
        self.out = []               # the last lines the apps printed (tcp)
        self.printed = 0            # bytes the apps printed (tcp)
        if transport == "tcp":
            # the apps' output: unread, it filled the pipe after a few
            # thousand frames and the manager blocked writing to it
            threading.Thread(target=self._read_out, daemon=True).start()
        ready = "listening on" if transport == "tcp" else "serving on stdio"
        end = time.time() + 120
        while not any(ready in x for x in self.snapshot_log()):
            if self.proc.poll() is not None or time.time() > end:
                raise RuntimeError("the manager did not start: %s" % "".join(self.log)[-2000:])
            time.sleep(0.05)
        if transport == "stdio":
            threading.Thread(target=self._read_link, args=(self.proc.stdout.read1,),
                             daemon=True).start()

    def _read_log(self):
        for line in iter(self.proc.stderr.readline, b""):
            with self.lock:
                self.log.append(line.decode("utf-8", "replace"))

    def _read_out(self):
        for line in iter(self.proc.stdout.readline, b""):
            with self.lock:
                self.printed += len(line)
                self.out.append(line.decode("utf-8", "replace"))
                del self.out[:-200]

    def snapshot_log(self):
        with self.lock:
            return list(self.log)

    def connect(self):
        """A new link (TCP); the stdio link is the process's."""
        if self.transport != "tcp":
            return
        self.close_link()
        s = socket.create_connection(("127.0.0.1", self.port), timeout=60)
        s.settimeout(None)
        self.sock = s
        threading.Thread(target=self._read_link, args=(lambda n, s=s: s.recv(n),),
                         daemon=True).start()

    def close_link(self):
        if self.sock is not None:
            try:
                self.sock.close()
            except OSError:
                pass
            self.sock = None

    def _read_link(self, recv):
        fr = P.Framer()

        def on_frame(t, p):
            if t != P.TYPE_RESPONSE:
                return True
            try:
                r = P.unpack_response(p)
            except P.ProtocolError:
                return False
            with self.cond:
                self.responses += 1
                if r.status == P.INTERNAL_ERROR:
                    try:
                        msg = str(attr.to_dict(r.payload).get("error message", ""))
                    except Exception:
                        msg = ""
                    if "internal error" in msg or "start failed" in msg:
                        self.bad.append(msg)
                if (r.mid >> 16) == PROBE >> 16:
                    self.answers[r.mid] = r
                    self.cond.notify_all()
            return True
        while True:
            try:
                d = recv(65536)
            except (OSError, ValueError):
                break
            if not d:
                break
            fr.feed(d, on_frame)

    def send(self, data):
        if self.transport == "tcp":
            self.sock.sendall(data)
        else:
            self.proc.stdin.write(data)
            self.proc.stdin.flush()

    def wait_answer(self, mid):
        """None when the probe `mid` was answered, else what went wrong."""
        import test_differential as td
        t0 = time.time()
        c0 = td.cpu_seconds(self.proc.pid)
        with self.cond:
            while mid not in self.answers:
                self.cond.wait(0.5)
                if mid in self.answers:
                    break
                if self.proc.poll() is not None:
                    return "the manager died (exit %s)" % self.proc.returncode
                c = td.cpu_seconds(self.proc.pid)
                if c is not None and c0 is not None and c - c0 > LIMIT:
                    return "hang: no answer to the probe after %ds of the manager's CPU" % LIMIT
                if time.time() - t0 > BLOCKED:
                    return "hang: no answer to the probe in %ds" % BLOCKED
            del self.answers[mid]
        return None

    def stop(self):
        self.close_link()
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(30)
        for f in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            try:
                f.close()
            except OSError:
                pass


def _packages():
    out = []
    for p in INSTALLS:
        path = os.path.join(H.ROOT, p)
        if os.path.exists(path):
            with open(path, "rb") as f:
                out.append(f.read())
    return tuple(out)


def run(budget, tiers, out_dir, stats=None, transport="tcp", frames=FRAMES, log=print):
    """`tiers` is not used (apps run on the manager's default tier)."""
    st = stats or H.Stats(CAMPAIGN)
    with open(APP, "rb") as f:
        wasm = f.read()
    pk = _packages()
    first = budget.next
    workdir = tempfile.mkdtemp(prefix="wamrframes-")
    dev = None
    mid = PROBE
    try:
        for seeds in H.batches(budget, 1, st, log):
            s = seeds[0]
            if dev is None:
                dev = Device(workdir, transport)
                st.add("manager starts")
                dev.connect()
                dev.send(_frame(P.TYPE_INSTALL, _req("/applet?name=request_handler", P.PUT,
                                                     P.FMT_RAW, wasm, 1)))
            else:
                dev.connect()
            st.add("seeds")
            rnd = random.Random(s)
            frs = fuzz_frames(rnd, wasm, frames, True, pk)
            sh = new_shadow()
            nlog = len(dev.snapshot_log())
            problem = None
            for k, fr in enumerate(frs):
                fill = filler(sh, fr)
                mid = PROBE | ((mid + 1) & 0xFFFF)
                probe = _frame(P.TYPE_REQUEST, _req("/applet", P.GET, 0, b"", mid))
                if fill and rnd.randrange(64) == 0:
                    # left to the manager's expiry of a quiet line
                    dev.send(fr)
                    st.add("frames left to expire")
                    time.sleep(1.5)
                    dev.send(probe)
                else:
                    dev.send(fr + fill + probe)
                    st.add("filler bytes", len(fill))
                problem = dev.wait_answer(mid)
                sh = new_shadow()   # answered: the manager's framer is idle
                st.add("frames")
                new = dev.snapshot_log()[nlog:]
                nlog += len(new)
                logged = [x.strip() for x in new if DEFECT_LOG.search(x)]
                with dev.lock:
                    answered, dev.bad = dev.bad, []
                if problem is None and (logged or answered):
                    problem = (logged + answered)[0]
                if problem is not None:
                    _finding(st, s, k, frs, problem, dev, out_dir, log)
                    if dev.proc.poll() is not None or problem.startswith("hang"):
                        st.add("responses", dev.responses)
                        dev.stop()
                        dev = None
                    break
    finally:
        if dev is not None:
            st.add("responses", dev.responses)
            dev.stop()
        import shutil
        shutil.rmtree(workdir, ignore_errors=True)
    st.seeds = (first, budget.next)
    return st


def _finding(st, seed, k, frs, problem, dev, out_dir, log):
    f = H.Finding(CAMPAIGN, seed, problem, "at frame %d of the seed (%d bytes: %s)" % (
        k, len(frs[k]), frs[k][:48].hex()), None, H.replay_command(CAMPAIGN, seed))
    blob = b"".join(struct.pack(">I", len(x)) + x for x in frs[:k + 1])
    f.files = H.save(out_dir, CAMPAIGN, "seed%d.frames" % seed, blob,
                     {"seed": seed, "frame": k, "problem": problem,
                      "log": dev.snapshot_log()[-40:]})
    st.findings.append(f)
    log(f.line())

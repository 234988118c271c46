"""A test fleet: Debian's mosquitto on 127.0.0.1 (a free port) with a
password file and the ACL of docs/fleet.md, and app-manager devices on the
MicroPython unix port connected to it (tests/test_fleet.py)."""

import json
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time

from mp import MICROPYTHON, ROOT
from test_app_e2e import free_port

sys.path.insert(0, os.path.join(ROOT, "tools"))

HOST_TOOL = os.path.join(ROOT, "tools", "host_tool.py")

def start_configured_device(build_out, cwd, logpath):
    """A device as a board starts it: main.py's run_from_config() with the
    configuration tools/build wrote into build_out (output in logpath)."""
    log = open(logpath, "wb")
    try:
        return subprocess.Popen([MICROPYTHON, "-X", "heapsize=512K", "-c",
                                 "from wamr_mpy import app; app.run_from_config()"],
                                cwd=cwd, stdout=log, stderr=log, env=dict(
                                    os.environ, MICROPYPATH=os.pathsep.join(
                                        [os.path.join(build_out, "src"), ".frozen"])))
    finally:
        log.close()


def doc_block(first_line):
    """The fenced block of docs/fleet.md that starts with `first_line`: the
    tests run the documented broker files, not copies of them."""
    with open(os.path.join(ROOT, "docs", "fleet.md")) as f:
        text = f.read()
    found = [m.group(1) for m in re.finditer(r"^```\w*\n(.*?)^```", text,
                                             re.M | re.S)
             if m.group(1).startswith(first_line)]
    assert len(found) == 1, "docs/fleet.md: %d blocks start with %r" % (
        len(found), first_line)
    return found[0]


# The ACL of docs/fleet.md: the operator (the "user" line) reads and writes
# the whole tree; a device (user name = device id) reads its own request
# topic and writes its own response, event and presence topics, nothing else.
ACL = doc_block("# mosquitto acl_file")
OPERATOR = re.search(r"^user (\S+)$", ACL, re.M).group(1)


def mosquitto_path():
    return shutil.which("mosquitto") or next(
        (p for p in ("/usr/sbin/mosquitto",) if os.path.exists(p)), None)


class Broker:
    """mosquitto with authentication and the fleet ACL; users are the
    operator and one per device id."""

    def __init__(self, workdir, devices, tls=False):
        self.dir = str(workdir)
        self.port = free_port()
        self.tls = tls
        self.proc = None
        self.passwords = {OPERATOR: OPERATOR + "-secret"}
        for d in devices:
            self.passwords[d] = "pw-" + d
        self.pwfile = os.path.join(self.dir, "passwd")
        with open(self.pwfile, "w") as f:
            for u, p in self.passwords.items():
                f.write("%s:%s\n" % (u, p))
        # hash the plain "user:password" lines in place, one call for all
        subprocess.run(["mosquitto_passwd", "-U", self.pwfile], check=True,
                       capture_output=True, timeout=120)
        self.aclfile = os.path.join(self.dir, "acl")
        with open(self.aclfile, "w") as f:
            f.write(ACL)
        tls_conf = ""
        if tls:
            self.cafile = self.make_certs()
            tls_conf = "certfile %s\nkeyfile %s\n" % (
                os.path.join(self.dir, "broker.crt"),
                os.path.join(self.dir, "broker.key"))
        self.conf = os.path.join(self.dir, "mosquitto.conf")
        self.log = os.path.join(self.dir, "mosquitto.log")
        with open(self.conf, "w") as f:
            f.write("listener %d 127.0.0.1\n" % self.port + tls_conf +
                    "allow_anonymous false\n"
                    "password_file %s\n"
                    "acl_file %s\n"
                    "persistence false\n"
                    "max_connections 1000\n"
                    # started as root mosquitto would switch to user
                    # mosquitto, who cannot read the test's private folder
                    "user %s\n" % (self.pwfile, self.aclfile,
                                   pwd.getpwuid(os.getuid()).pw_name))
        for u, p in self.passwords.items():
            with open(self.secret(u), "w") as f:
                f.write(p + "\n")

    def make_certs(self):
        """A CA and the broker's certificate for 127.0.0.1 (openssl)."""
        def ossl(*args):
            subprocess.run(["openssl"] + list(args), check=True,
                           capture_output=True, cwd=self.dir, timeout=120)
        ossl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
             "ca.key", "-out", "ca.crt", "-days", "30", "-subj",
             "/CN=wamr test CA")
        ossl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "broker.key",
             "-out", "broker.csr", "-subj", "/CN=127.0.0.1")
        with open(os.path.join(self.dir, "san.ext"), "w") as f:
            f.write("subjectAltName=IP:127.0.0.1\n")
        ossl("x509", "-req", "-in", "broker.csr", "-CA", "ca.crt", "-CAkey",
             "ca.key", "-CAcreateserial", "-out", "broker.crt", "-days", "30",
             "-extfile", "san.ext")
        return os.path.join(self.dir, "ca.crt")

    def secret(self, user):
        return os.path.join(self.dir, "pw-%s.txt" % user)

    @property
    def address(self):
        return "127.0.0.1:%d" % self.port

    def start(self):
        logf = open(self.log, "ab")
        self.proc = subprocess.Popen([mosquitto_path(), "-c", self.conf],
                                     stdout=logf, stderr=logf)
        logf.close()
        end = time.monotonic() + 20
        while time.monotonic() < end:
            try:
                socket.create_connection(("127.0.0.1", self.port), 0.5).close()
                return self
            except OSError:
                if self.proc.poll() is not None:
                    break
                time.sleep(0.05)
        raise RuntimeError("mosquitto did not start:\n" + open(self.log).read())

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self.proc = None

    def host_args(self):
        return ["--mqtt", self.address, "--user", OPERATOR,
                "--password-file", self.secret(OPERATOR)] + (["--tls", "--cafile", self.cafile]
                                        if self.tls else [])

    def client(self, user=OPERATOR, password=None):
        """A connected paho client (for checks the host tool does not do);
        messages collect in client.got as (topic, payload, retain)."""
        import paho.mqtt.client as mqtt
        c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2,
                        client_id="test-%s-%d" % (user, time.monotonic_ns()),
                        protocol=mqtt.MQTTv311)
        c.username_pw_set(user, self.passwords.get(user) if password is None
                          else password)
        c.got = []
        c.lock = threading.Lock()
        c.result = []

        def on_message(cl, ud, msg):
            with c.lock:
                c.got.append((msg.topic, bytes(msg.payload), msg.retain))

        def on_connect(cl, ud, flags, rc, props=None):
            c.result.append(rc)
        c.on_message = on_message
        c.on_connect = on_connect
        if self.tls:
            c.tls_set(ca_certs=self.cafile)
        c.connect("127.0.0.1", self.port)
        c.loop_start()
        end = time.monotonic() + 10
        while not c.result and time.monotonic() < end:
            time.sleep(0.02)
        return c


class Fleet:
    """Device processes (the app manager over MQTT), one store each."""

    def __init__(self, broker, workdir, heapsize="1M"):
        self.broker = broker
        self.dir = str(workdir)
        self.heapsize = heapsize
        self.procs = {}

    def store(self, dev):
        return os.path.join(self.dir, "store-" + dev)

    def start(self, dev, groups=(), env=None, cafile=None, name=None):
        """Device `dev`; `name` (default: dev) names its process and log,
        for a second device with the same id."""
        name = name or dev
        cmd = [MICROPYTHON, "-X", "heapsize=" + self.heapsize, "-m",
               "wamr_mpy.app", "--mqtt", self.broker.address, "--device", dev,
               "--user", dev, "--password-file", self.broker.secret(dev),
               "--store", self.store(dev)]
        if self.broker.tls:
            cmd += ["--tls", "--cafile", cafile or self.broker.cafile]
        for g in groups:
            cmd += ["--group", g]
        e = dict(os.environ)
        e["MICROPYPATH"] = os.pathsep.join([ROOT, ".frozen"])
        # the test's sockets and pids are not the only ones on the machine:
        # keep the devices' logs for the failure message
        e.update(env or {})
        log = open(os.path.join(self.dir, "dev-%s.log" % name), "ab")
        self.procs[name] = subprocess.Popen(cmd, cwd=ROOT, env=e, stdout=log,
                                           stderr=log)
        log.close()

    def kill(self, dev, sig=signal.SIGKILL):
        p = self.procs.pop(dev)
        p.send_signal(sig)
        p.wait(10)

    def log(self, dev):
        try:
            with open(os.path.join(self.dir, "dev-%s.log" % dev), "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def stop(self):
        for dev in list(self.procs):
            p = self.procs.pop(dev)
            if p.poll() is None:
                p.kill()
            p.wait(10)


def presence(broker, wait=3.0):
    """{device: presence dict} as the host tool reads it."""
    import host_mqtt

    class A:
        prefix = "wamr"
        user = OPERATOR
        password_file = broker.secret(OPERATOR)
        tls = broker.tls
        cafile = getattr(broker, "cafile", None)
        mqtt = broker.address
    b = host_mqtt.Broker(A())
    try:
        return b.presence(wait)
    finally:
        b.close()


def wait_online(broker, devices, timeout=120):
    """Wait until every device in `devices` is online in its presence;
    returns the presence map and the seconds it took."""
    t0 = time.monotonic()
    want = set(devices)
    while True:
        p = presence(broker)
        up = set(d for d, info in p.items() if info.get("online"))
        if want <= up:
            return p, time.monotonic() - t0
        if time.monotonic() - t0 > timeout:
            raise AssertionError("not online after %d s: %s" % (
                timeout, sorted(want - up)))
        time.sleep(0.3)


def host_tool(broker, *args, timeout=300):
    """Run tools/host_tool.py through the broker as the operator."""
    cmd = [sys.executable, HOST_TOOL] + broker.host_args() + list(args)
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                       cwd=ROOT)
    return r


def host_tool_bg(broker, *args):
    """tools/host_tool.py through the broker, running in the background."""
    cmd = [sys.executable, HOST_TOOL] + broker.host_args() + list(args)
    return subprocess.Popen(cmd, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=ROOT)


def table(stdout):
    """{device: (status text, result text)} from a fleet result table."""
    rows = {}
    lines = stdout.splitlines()
    head = next(i for i, ln in enumerate(lines) if ln.startswith("DEVICE"))
    col1 = lines[head].index("STATUS")
    col2 = lines[head].index("RESULT")
    for ln in lines[head + 1:]:
        if " device" in ln and ln[0].isdigit():
            break
        rows[ln[:col1].strip()] = (ln[col1:col2].strip(), ln[col2:].strip())
    return rows


def load_json(text):
    return json.loads(text)

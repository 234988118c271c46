# MQTT transport (TRANSPORT_MQTT): the device is a client of a broker and
# the host tools reach it through the broker, so a fleet behind NAT needs
# no inbound connection.  Same WAMR packets as the other links, one per
# MQTT message (the link frame's header is left out: MQTT frames them):
#
#   <prefix>/<id>/request      host -> device   a packed request
#   <prefix>/<id>/response     device -> host   a packed response
#   <prefix>/<id>/event/<url>  device -> host   a packed event (request)
#   <prefix>/<id>/presence     device, retained JSON (presence.py); the
#                              last will sets it offline
#
# The device subscribes to its own request topic only, acts on nothing
# else (another topic, a retained message: a stale install must never run
# when a device comes back) and reconnects with exponential back-off plus
# jitter, so a restarted broker is not hit by the whole fleet at once.
# Layout, payloads and the broker's ACL: docs/fleet.md.

try:
    import asyncio
except ImportError:             # pragma: no cover
    asyncio = None

from .. import config
from . import protocol as P
from . import presence
from .mqtt import Client, MqttError
from .clock import sleep_ms, ticks_ms, ticks_diff


def cfg(name, default):
    return getattr(config, name, default)


def default_device_id():
    """machine.unique_id() in hex on a board; the unix port has none."""
    try:
        import machine
        import binascii
        return "wamr-" + binascii.hexlify(machine.unique_id()).decode()
    except (ImportError, AttributeError):
        return None


def _jitter(ms):
    """A random delay in [ms/2, ms]: devices started (or dropped) together
    spread their reconnects."""
    try:
        import os
        r = os.urandom(2)
        r = (r[0] << 8) | r[1]
    except (ImportError, AttributeError, OSError):
        import random
        r = random.getrandbits(16)
    return ms // 2 + (ms // 2) * r // 65535


def _der(data):
    """The first certificate of a PEM file as DER (MicroPython's ssl takes
    DER); DER as it is."""
    if not data.lstrip().startswith(b"-----BEGIN"):
        return data
    import binascii
    body = data.split(b"-----BEGIN", 1)[1].split(b"-----END", 1)[0]
    return binascii.a2b_base64(b"".join(body.split(b"\n")[1:]))


def ssl_context(cafile=None):
    """TLS to the broker, verifying it against `cafile` (one CA
    certificate, PEM or DER, on the device's filesystem) when given."""
    import ssl
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    if cafile:
        with open(cafile, "rb") as f:
            ctx.load_verify_locations(cadata=_der(f.read()))
        ctx.verify_mode = ssl.CERT_REQUIRED
    else:
        ctx.verify_mode = ssl.CERT_NONE
    return ctx


def _topic_part(url):
    # '+', '#' and NUL cannot appear in a topic name
    url = url.lstrip("/")
    for c in "+#\0":
        url = url.replace(c, "_")
    return url


class _Drop:
    """Where a message the device does not act on goes."""

    def write(self, mv):
        pass

    def end(self):
        pass

    def abort(self):
        pass


_DROP = _Drop()


class MqttLink:
    """The manager's link to the host tools behind the broker.  It lives as
    long as the transport: while the broker connection is down, what the
    manager sends is dropped (MQTT QoS 0; the host times out and retries)."""

    def __init__(self, dev):
        self.name = "mqtt"
        self.alive = True
        self.dev = dev
        self.dropped = 0

    def send(self, data):
        # `data` is a link frame: 8-byte header, then the packet
        t = (data[2] << 8) | data[3]
        body = memoryview(data)[P.FRAME_HEADER_LEN:]
        if t == P.TYPE_RESPONSE:
            topic = self.dev.t_response
        else:
            url_len = (body[12] << 8) | body[13]
            url = bytes(body[P.REQ_HEADER_LEN:P.REQ_HEADER_LEN + url_len - 1])
            topic = self.dev.t_event + _topic_part(url.decode())
        if not self.dev.client.publish(topic, body):
            self.dropped += 1

    def close(self):
        self.alive = False


class Device:
    def __init__(self, mgr, host, port=1883, device_id=None, user=None,
                 password=None, ssl=None, groups=(), prefix=None):
        self.mgr = mgr
        self.id = device_id or cfg("APP_MQTT_DEVICE_ID", "") or \
            default_device_id()
        if not self.id or not P.valid_name(self.id) or "." in self.id:
            raise ValueError("transport_mqtt: device id %r: use letters, "
                             "digits, '_' and '-'" % (self.id,))
        prefix = prefix or cfg("APP_MQTT_PREFIX", "wamr")
        base = "%s/%s/" % (prefix, self.id)
        self.t_request = base + "request"
        self.t_response = base + "response"
        self.t_event = base + "event/"
        self.t_presence = base + "presence"
        self.groups = list(groups)
        self.backoff_min = cfg("APP_MQTT_BACKOFF_MIN_MS", 500)
        self.backoff_max = cfg("APP_MQTT_BACKOFF_MAX_MS", 8000)
        self.presence_ms = cfg("APP_MQTT_PRESENCE_S", 60) * 1000
        self.client = Client(self.id, host, port, user, password,
                             cfg("APP_MQTT_KEEPALIVE", 30), ssl,
                             (self.t_presence,
                              presence.offline(self.id, self.groups), True),
                             cfg("APP_MAX_FRAME", P.MAX_FRAME))
        self.client.on_message = self._on_message
        self.client.on_oversize = self._on_oversize
        self.client.on_stream = self._on_stream
        self.link = MqttLink(self)
        self.connects = 0
        self.ignored = 0

    def log(self, msg):
        self.mgr.log("mqtt %s: %s" % (self.id, msg))

    # ---------------------------------------------------------- inbound

    def _addressed(self, topic, retain):
        if topic != self.t_request:
            self.ignored += 1
            self.log("ignoring a message on %s" % topic)
            return False
        if retain:
            # a retained request was stored by the broker for whoever comes
            # next: acting on it would replay an old command
            self.ignored += 1
            self.log("ignoring a retained request")
            return False
        return True

    def _on_message(self, topic, payload, retain, dup):
        if not self._addressed(topic, retain):
            return
        if not self.mgr.on_frame(self.link, P.TYPE_REQUEST, payload):
            self.log("malformed request (%d bytes) dropped" % len(payload))

    def _on_stream(self, topic, retain, head, size):
        """An install (PUT /applet) goes into the store as it arrives, as
        over the other links: no RAM copy of the package."""
        if not self._addressed(topic, retain):
            return _DROP
        if len(head) < P.REQ_HEADER_LEN:
            return None
        end = P.REQ_HEADER_LEN + ((head[12] << 8) | head[13])
        if end > len(head):
            return None         # a URL this long: received whole
        sink = self.mgr._open_stream(self.link, P.TYPE_REQUEST,
                                     bytes(head[:end]), size)
        if sink is not None:
            sink.write(memoryview(head)[end:])
        return sink

    def _on_oversize(self, topic, head, size):
        if not self._addressed(topic, False) or len(head) < P.REQ_HEADER_LEN:
            return
        req = P.request_head(head)
        req.sender = P.ID_HOST
        limit = self.client.max_size
        if size > limit:
            msg = "a %d-byte request is over the link limit of %d bytes " \
                "(APP_MAX_FRAME)" % (size, limit)
        else:
            msg = "out of memory for a %d-byte request" % size
        self.log(msg)
        self.mgr._remember_mid(req.mid, self.link)
        self.mgr.respond(req, P.INTERNAL_ERROR, msg=msg)

    # ---------------------------------------------------------- presence

    def publish_presence(self):
        try:
            self.client.publish(self.t_presence, presence.online(
                self.mgr, self.id, self.groups).encode(), retain=True)
        except Exception as e:      # never let a report stop the link
            self.log("presence: %r" % (e,))

    async def _presence_loop(self):
        while True:
            await sleep_ms(self.presence_ms)
            self.publish_presence()

    # ---------------------------------------------------------- session

    async def serve(self):
        """Connect, serve, reconnect with back-off; forever."""
        if not self.mgr.add_link(self.link):
            raise OSError("transport_mqtt: the manager refused the MQTT link "
                          "(APP_MAX_LINKS, or the heap is full)")
        self.mgr.watchers.append(self.publish_presence)
        ticker = None
        if self.presence_ms > 0:
            ticker = asyncio.create_task(self._presence_loop())
        delay = self.backoff_min
        try:
            while True:
                c = self.client
                try:
                    await c.connect()
                except Exception as e:     # MqttError, or a TLS failure
                    c.close()
                    why = str(e)
                else:
                    self.connects += 1
                    began = ticks_ms()
                    c.subscribe(self.t_request, 1)
                    self.publish_presence()
                    self.log("connected to %s:%d" % (c.host, c.port))
                    why = "mqtt: connection ended"
                    try:
                        await c.run()
                    except Exception as e:
                        why = str(e)
                    # only a session that lasted a keep-alive period starts
                    # the back-off again: one the broker ends at once
                    # (another device with this id, a refused subscription)
                    # is a failed attempt, or such devices would reconnect
                    # twice a second for ever
                    if ticks_diff(ticks_ms(), began) >= c.keepalive * 1000:
                        delay = self.backoff_min
                wait = _jitter(delay)
                # (TLS errors come with line breaks)
                self.log("%s; retrying in %d ms" % (" ".join(why.split()),
                                                    wait))
                await sleep_ms(wait)
                delay = min(delay * 2, self.backoff_max)
        finally:
            # no DISCONNECT: the socket's end makes the broker publish the
            # last will (offline presence)
            if ticker is not None:
                ticker.cancel()
            self.client.close()


def parse_broker(text, default_port=1883):
    """"HOST[:PORT]" -> (host, port)."""
    host, _, port = text.rpartition(":")
    if not host or "]" in port:
        return text, default_port
    try:
        return host, int(port)
    except ValueError:
        raise ValueError("--mqtt wants HOST[:PORT], got %r" % text)


def board_options():
    """(broker, keyword options of serve_mqtt) from config.py (boards)."""
    broker = "%s:%d" % (cfg("APP_MQTT_HOST", ""), cfg("APP_MQTT_PORT", 1883))
    pw = cfg("APP_MQTT_PASSWORD", "")
    pw_file = cfg("APP_MQTT_PASSWORD_FILE", "")
    if pw_file:
        pw = read_secret(pw_file)
    groups = [x for x in cfg("APP_MQTT_GROUPS", "").split(",") if x]
    return broker, {"user": cfg("APP_MQTT_USER", "") or None,
                    "password": pw or None,
                    "tls": bool(cfg("APP_MQTT_TLS", False)),
                    "cafile": cfg("APP_MQTT_CAFILE", "") or None,
                    "groups": groups}


def read_secret(path):
    with open(path) as f:
        return f.read().strip()


async def serve_mqtt(mgr, broker, device_id=None, user=None, password=None,
                     tls=False, cafile=None, groups=(), prefix=None):
    host, port = parse_broker(broker, 8883 if tls else 1883)
    ctx = ssl_context(cafile) if tls else None
    dev = Device(mgr, host, port, device_id, user, password, ctx, groups,
                 prefix)
    await dev.serve()


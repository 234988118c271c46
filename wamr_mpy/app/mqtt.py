# MQTT 3.1.1 client on asyncio streams, for the MQTT transport
# (TRANSPORT_MQTT).  Only what a device needs: CONNECT with credentials
# and a last will, SUBSCRIBE, PUBLISH at QoS 0 out and QoS 0/1 in (PUBACK),
# PINGREQ keep-alive (no DISCONNECT: a device that stops lets the broker
# publish its last will).  Written here rather than taken from a
# package: micropython-umqtt.simple blocks the event loop (blocking socket
# calls) and pip cannot install its upip-format sdists; aiomqttc does not
# run on the unix port (see docs/fleet.md).
#
# Inbound messages are read into one buffer of exactly their size, or
# handed piece by piece to a sink that on_stream returns for their first
# bytes (an app install goes straight into the app store that way); one over
# `max_size` is skipped in chunks and reported through on_oversize with its
# first bytes, so the caller can answer it instead of dying of MemoryError.

import struct

try:
    import asyncio
except ImportError:             # pragma: no cover
    asyncio = None

from .clock import ticks_ms, ticks_diff

CONNECT = 0x10
CONNACK = 0x20
PUBLISH = 0x30
PUBACK = 0x40
SUBSCRIBE = 0x82
SUBACK = 0x90
PINGREQ = 0xC0
PINGRESP = 0xD0

REFUSED = ("", "unacceptable protocol version", "identifier rejected",
           "server unavailable", "bad user name or password",
           "not authorized")

PREFIX = 512            # first bytes of a message, read before deciding


class MqttError(Exception):
    pass


def _utf8(s):
    b = s.encode() if isinstance(s, str) else bytes(s)
    return struct.pack(">H", len(b)) + b


def _varlen(n):
    # MQTT's "remaining length": 7 bits a byte, low first
    out = bytearray()
    while n > 0x7F:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return out


class Client:
    """One broker connection.  connect() then subscribe(), then run()
    until the connection ends (returns or raises); publish() at any time
    while connected (False when not)."""

    def __init__(self, client_id, host, port=1883, user=None, password=None,
                 keepalive=30, ssl=None, will=None, max_size=1 << 20):
        self.client_id = client_id
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.keepalive = keepalive
        self.ssl = ssl
        self.will = will            # (topic, payload bytes, retain) or None
        self.max_size = max_size
        self.reader = None
        self.writer = None
        self.connected = False
        self._pid = 0
        self._last_tx = 0
        self._last_rx = 0
        self._wake = None
        self.on_message = None      # (topic str, payload, retain, dup)
        self.on_oversize = None     # (topic str, first bytes, size)
        # (topic str, retain, first bytes, size) -> a sink that takes the
        # rest of the message as it arrives, or None to receive it whole
        self.on_stream = None

    # ------------------------------------------------------------ packets

    def _packet(self, first, body):
        return bytes([first]) + _varlen(len(body)) + body

    async def _read_byte(self):
        b = await self.reader.readexactly(1)
        return b[0]

    async def _read_packet(self):
        """(first byte, remaining length); the body is left to read."""
        first = await self._read_byte()
        n = 0
        shift = 0
        while True:
            b = await self._read_byte()
            n |= (b & 0x7F) << shift
            if not b & 0x80:
                break
            shift += 7
            if shift > 21:
                raise MqttError("mqtt: malformed remaining length")
        self._last_rx = ticks_ms()
        return first, n

    async def _read_into(self, buf):
        mv = memoryview(buf)
        got = 0
        while got < len(buf):
            k = await self.reader.readinto(mv[got:])
            if not k:
                raise MqttError("mqtt: connection closed by the broker")
            got += k
        self._last_rx = ticks_ms()

    async def _skip(self, n):
        chunk = bytearray(min(n, 512))
        while n > 0:
            k = min(n, len(chunk))
            await self._read_into(memoryview(chunk)[:k])
            n -= k

    def _write(self, data):
        self.writer.write(data)
        self._last_tx = ticks_ms()
        self._wake.set()

    # ------------------------------------------------------------ session

    async def connect(self, timeout_ms=10000):
        self._wake = asyncio.Event()
        try:
            await self._connect(timeout_ms)
        except asyncio.TimeoutError:
            self.close()
            raise MqttError("mqtt: %s:%d did not answer in %d ms" % (
                self.host, self.port, timeout_ms))
        except (OSError, EOFError) as e:
            # a refused non-blocking connect shows at the first write
            self.close()
            raise MqttError("mqtt: cannot connect to %s:%d: %s" % (
                self.host, self.port, e))
        self.connected = True
        self._last_rx = self._last_tx = ticks_ms()

    async def _connect(self, timeout_ms):
        self.reader, self.writer = await asyncio.wait_for(
            asyncio.open_connection(self.host, self.port, ssl=self.ssl),
            timeout_ms / 1000)
        flags = 0x02                # clean session: no stale requests
        tail = _utf8(self.client_id)
        if self.will is not None:
            topic, msg, retain = self.will
            flags |= 0x04 | (0x20 if retain else 0)
            tail += _utf8(topic) + _utf8(msg)
        if self.user:
            flags |= 0x80
            tail += _utf8(self.user)
            if self.password is not None:
                flags |= 0x40
                tail += _utf8(self.password)
        body = _utf8("MQTT") + bytes([4, flags]) + \
            struct.pack(">H", self.keepalive) + tail
        self.writer.write(self._packet(CONNECT, body))
        await self.writer.drain()
        first, n = await asyncio.wait_for(self._read_packet(),
                                          timeout_ms / 1000)
        if first != CONNACK or n != 2:
            raise MqttError("mqtt: expected CONNACK, got packet 0x%02x" %
                            first)
        ack = bytearray(2)
        await self._read_into(ack)
        if ack[1]:
            self.close()
            why = REFUSED[ack[1]] if ack[1] < len(REFUSED) else \
                "code %d" % ack[1]
            raise MqttError("mqtt: %s:%d refused the connection: %s" % (
                self.host, self.port, why))

    def subscribe(self, topic, qos=1):
        """Sends SUBSCRIBE; the SUBACK is checked by run()."""
        self._pid = (self._pid % 0xFFFF) + 1
        self._write(self._packet(SUBSCRIBE, struct.pack(">H", self._pid) +
                                 _utf8(topic) + bytes([qos])))

    def publish(self, topic, payload, retain=False):
        if not self.connected:
            return False
        t = _utf8(topic)
        head = bytes([PUBLISH | (1 if retain else 0)]) + \
            _varlen(len(t) + len(payload))
        try:
            self._write(head + t + bytes(payload))
        except OSError:
            self.connected = False
            return False
        return True

    async def run(self):
        """Serve the connection until it ends; raises MqttError with the
        reason."""
        self._err = None
        done = asyncio.Event()

        async def guard(coro):
            try:
                await coro
                self._err = self._err or MqttError("mqtt: connection ended")
            except asyncio.CancelledError:
                return
            except Exception as e:
                self._err = self._err or e
            done.set()
        tasks = [asyncio.create_task(guard(self._reader_loop())),
                 asyncio.create_task(guard(self._drainer())),
                 asyncio.create_task(guard(self._pinger()))]
        try:
            await done.wait()
        finally:
            self.connected = False
            for t in tasks:
                t.cancel()
            self.close()
        err = self._err
        if isinstance(err, MqttError):
            raise err
        if isinstance(err, EOFError):
            raise MqttError("mqtt: the broker closed the connection")
        raise MqttError("mqtt: connection lost: %r" % (err,))

    async def _reader_loop(self):
        while True:
            first, n = await self._read_packet()
            kind = first & 0xF0
            if kind == PUBLISH:
                await self._on_publish(first, n)
            elif kind == SUBACK:
                body = bytearray(n)
                await self._read_into(body)
                if n < 3 or body[2] & 0x80:
                    raise MqttError("mqtt: the broker refused the "
                                    "subscription (not authorized?)")
            elif kind == PINGRESP or kind == PUBACK:
                await self._skip(n)
            else:
                raise MqttError("mqtt: unexpected packet 0x%02x" % first)

    async def _on_publish(self, first, n):
        qos = (first >> 1) & 3
        hb = bytearray(2)
        await self._read_into(hb)
        tlen = (hb[0] << 8) | hb[1]
        traw = bytearray(tlen)
        await self._read_into(traw)
        n -= 2 + tlen
        pid = None
        if qos:
            await self._read_into(hb)
            pid = bytes(hb)
            n -= 2
        topic = bytes(traw).decode()
        retain = bool(first & 1)
        head = bytearray(min(n, PREFIX))
        await self._read_into(head)
        sink = None
        if self.on_stream is not None and n > len(head):
            sink = self.on_stream(topic, retain, head, n)
        if sink is not None:
            await self._stream(sink, n - len(head))
            payload = head = None
        else:
            payload = None
            if n <= self.max_size:
                try:
                    payload = bytearray(n)
                except MemoryError:
                    payload = None
            if payload is None:
                await self._skip(n - len(head))
            else:
                payload[:len(head)] = head
                await self._read_into(memoryview(payload)[len(head):])
        if pid is not None:
            self._write(bytes([PUBACK, 2]) + pid)
        if payload is not None:
            if self.on_message is not None:
                self.on_message(topic, payload, retain, bool(first & 0x08))
        elif head is not None and self.on_oversize is not None:
            self.on_oversize(topic, head, n)

    async def _stream(self, sink, n):
        """The rest of a message to `sink` (write(memoryview), end(), or
        abort() when the connection ends first), in small pieces."""
        chunk = bytearray(min(n, 512))
        mv = memoryview(chunk)
        try:
            while n > 0:
                k = min(n, len(chunk))
                await self._read_into(mv[:k])
                sink.write(mv[:k])
                n -= k
        except BaseException:
            sink.abort()
            raise
        sink.end()

    async def _drainer(self):
        while True:
            await self._wake.wait()
            self._wake.clear()
            await self.writer.drain()

    async def _pinger(self):
        ka = self.keepalive * 1000
        while True:
            await asyncio.sleep(1)
            now = ticks_ms()
            if ticks_diff(now, self._last_rx) > ka * 3 // 2:
                # the broker is gone without a FIN (NAT, power loss)
                raise MqttError("mqtt: no answer from the broker for %d s"
                                % (ka * 3 // 2000))
            if ticks_diff(now, self._last_tx) >= ka // 2:
                self._write(bytes([PINGREQ, 0]))

    def close(self):
        w = self.writer
        if w is not None:
            try:
                w.close()
            except OSError:
                pass

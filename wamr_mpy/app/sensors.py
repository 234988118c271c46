# Sensor framework (WAMR's runtime_sensor.c on asyncio).
#
# A port registers sensors: Sensor(name, instance, read, config, interval).
# `read(sensor)` returns the reading as a dict / list of attr items (encoded
# with the sensor's tag) or as ready attr-container bytes, or None for "no
# reading".  `config(sensor, attrs)` gets a dict from
# wasm_sensor_config_with_attr_container (and {"interval", "bit_cfg",
# "delay"} from wasm_sensor_config) and returns True when accepted.
# Apps open a sensor (its id, or 0xFFFFFFFF), configure their interval and
# receive every reading as an attr container through on_sensor_event.  Each
# client gets events at its own interval (interval 0 pauses it); the sensor
# is read at the shortest interval among its clients and only while it has
# clients.

try:
    import asyncio
except ImportError:             # pragma: no cover
    asyncio = None

from . import attr
from .clock import ticks_ms, ticks_diff, ticks_add, sleep_ms

INVALID = 0xFFFFFFFF


class Sensor:
    def __init__(self, name, instance=0, read=None, config=None,
                 interval=1000, description="", tag=None):
        self.name = name
        self.instance = instance
        self.read_fn = read
        self.config_fn = config
        self.default_interval = interval
        self.description = description
        self.tag = tag if tag is not None else name
        self.id = 0
        self.clients = {}       # owner -> [interval, bit_cfg, delay, last]
        self.task = None
        self.reads = 0
        self.errors = 0

    def read_payload(self):
        """One reading as attr-container bytes (or None)."""
        v = self.read_fn(self) if self.read_fn else None
        if v is None:
            return None
        if isinstance(v, (bytes, bytearray)):
            return bytes(v)
        return attr.encode(self.tag, v)

    def read_interval(self):
        best = 0
        for c in self.clients.values():
            if c[0] > 0 and (best == 0 or c[0] < best):
                best = c[0]
        return best


class Sensors:
    def __init__(self, deliver, log=None):
        """deliver(owner, sensor_id, payload_bytes) queues an event."""
        self.deliver = deliver
        self.log = log or (lambda *a: None)
        self._sensors = []
        self._next = 0

    def add(self, sensor):
        if self.find(sensor.name, sensor.instance) is not None:
            raise ValueError("sensors: %s/%d is already registered" % (
                sensor.name, sensor.instance))
        self._next += 1
        sensor.id = self._next
        self._sensors.append(sensor)
        return sensor

    def all(self):
        return list(self._sensors)

    def find(self, name, instance=0):
        for s in self._sensors:
            if s.name == name and s.instance == instance:
                return s
        return None

    def by_id(self, sid):
        sid &= 0xFFFFFFFF
        for s in self._sensors:
            if s.id == sid:
                return s
        return None

    # -- app side ----------------------------------------------------------

    def open(self, owner, name, instance):
        s = self.find(name, instance)
        if s is None or owner in s.clients:
            return INVALID
        s.clients[owner] = [s.default_interval, 0, 0, ticks_ms()]
        self._reschedule(s)
        return s.id

    def config(self, owner, sid, interval, bit_cfg, delay):
        s = self.by_id(sid)
        if s is None:
            return False
        c = s.clients.get(owner)
        if c is None:
            return False
        c[0] = max(0, interval)
        c[1] = bit_cfg
        c[2] = delay
        c[3] = ticks_ms()
        if s.config_fn is not None:
            try:
                s.config_fn(s, {"interval": interval, "bit_cfg": bit_cfg,
                                "delay": delay})
            except Exception as e:
                self.log("sensor %s: config failed: %s" % (s.name, e))
        self._reschedule(s)
        return True

    def config_attr(self, owner, sid, payload):
        s = self.by_id(sid)
        if s is None or owner not in s.clients or s.config_fn is None:
            return False
        try:
            cfg = attr.to_dict(payload)
        except ValueError:
            return False
        try:
            ok = bool(s.config_fn(s, cfg))
        except Exception as e:
            self.log("sensor %s: config failed: %s" % (s.name, e))
            return False
        if "interval" in cfg and isinstance(cfg["interval"], (int, float)):
            s.clients[owner][0] = max(0, int(cfg["interval"]))
            self._reschedule(s)
        return ok

    def close(self, owner, sid):
        s = self.by_id(sid)
        if s is None:
            return False
        s.clients.pop(owner, None)
        self._reschedule(s)
        return True

    def close_all(self, owner):
        for s in self._sensors:
            if owner in s.clients:
                del s.clients[owner]
                self._reschedule(s)

    def stop(self):
        for s in self._sensors:
            if s.task is not None:
                s.task.cancel()
                s.task = None

    # -- reading -----------------------------------------------------------

    def _reschedule(self, s):
        if s.task is not None:
            s.task.cancel()
            s.task = None
        if s.read_interval() > 0:
            s.task = asyncio.create_task(self._run(s))

    async def _run(self, s):
        me = s.task
        while s.task is me:
            iv = s.read_interval()
            if iv <= 0:
                break
            # sleep until the earliest client is due
            now = ticks_ms()
            wait = iv
            for c in s.clients.values():
                if c[0] > 0:
                    left = c[0] - ticks_diff(now, c[3])
                    if left < wait:
                        wait = left
            await sleep_ms(wait if wait > 0 else 0)
            if s.task is not me:
                return
            now = ticks_ms()
            due = [o for o, c in s.clients.items()
                   if c[0] > 0 and ticks_diff(now, c[3]) >= c[0]]
            if not due:
                continue
            try:
                payload = s.read_payload()
                s.reads += 1
            except Exception as e:
                s.errors += 1
                self.log("sensor %s: read failed: %s" % (s.name, e))
                payload = None
            for o in due:
                c = s.clients.get(o)
                if c is None:
                    continue
                # keep each client's phase; skip ticks it fell behind on
                c[3] = now if ticks_diff(now, c[3]) >= 2 * c[0] else \
                    ticks_add(c[3], c[0])
                if payload is not None:
                    self.deliver(o, s.id, payload)
        if s.task is me:
            s.task = None

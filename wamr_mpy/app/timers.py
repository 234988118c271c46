# App timers on asyncio (WAMR's wasm_create_timer / _cancel / _restart /
# _destroy).  Each app owns a TimerSet with at most `limit` timers; ids start
# at 1 per app.  An active timer is one asyncio task; when it expires the
# set calls on_fire(owner, timer_id) (the manager queues the app's
# on_timer_callback).  Periodic timers keep their phase (next expiry =
# previous expiry + interval) so counts over time do not drift; when the
# loop falls behind by more than one interval the missed ticks are skipped.

try:
    import asyncio
except ImportError:             # pragma: no cover
    asyncio = None

from .clock import ticks_ms, ticks_diff, ticks_add, sleep_ms

INVALID = 0xFFFFFFFF


class Timer:
    def __init__(self, tid, interval, periodic):
        self.id = tid
        self.interval = interval
        self.periodic = periodic
        self.task = None
        self.fired = 0


class TimerSet:
    def __init__(self, owner, limit, on_fire):
        self.owner = owner
        self.limit = limit
        self.on_fire = on_fire
        self._timers = {}
        self._next_id = 0

    def __len__(self):
        return len(self._timers)

    def create(self, interval, periodic, auto_start):
        """New timer id, or INVALID when the app has `limit` timers."""
        if len(self._timers) >= self.limit:
            return INVALID
        self._next_id = (self._next_id + 1) & 0xFFFFFFFF
        if self._next_id in (0, INVALID):
            self._next_id = 1
        while self._next_id in self._timers:
            self._next_id += 1
        t = Timer(self._next_id, max(0, interval), bool(periodic))
        self._timers[t.id] = t
        if auto_start:
            self._start(t)
        return t.id

    def get(self, tid):
        return self._timers.get(tid & 0xFFFFFFFF)

    def active(self, tid):
        t = self.get(tid)
        return t is not None and t.task is not None

    def cancel(self, tid):
        """Stop a timer, keeping it for a later restart."""
        t = self.get(tid)
        if t is None:
            return False
        was = t.task is not None
        self._stop(t)
        return was

    def restart(self, tid, interval):
        """(Re)start a timer; interval > 0 replaces the stored one."""
        t = self.get(tid)
        if t is None:
            return False
        if interval > 0:
            t.interval = interval
        self._stop(t)
        self._start(t)
        return True

    def destroy(self, tid):
        t = self._timers.pop(tid & 0xFFFFFFFF, None)
        if t is None:
            return False
        self._stop(t)
        return True

    def close(self):
        for t in self._timers.values():
            self._stop(t)
        self._timers = {}

    def _stop(self, t):
        if t.task is not None:
            task = t.task
            t.task = None
            try:
                task.cancel()
            except Exception:   # already finished
                pass

    def _start(self, t):
        t.task = asyncio.create_task(self._run(t))

    async def _run(self, t):
        me = t.task
        interval = t.interval
        if t.periodic and interval < 1:
            interval = 1        # a 0 ms periodic timer would starve the loop
        expiry = ticks_add(ticks_ms(), interval)
        while t.task is me and me is not None:
            d = ticks_diff(expiry, ticks_ms())
            if d > 0:
                await sleep_ms(d)
            else:
                await sleep_ms(0)
            if t.task is not me:
                return
            t.fired += 1
            if not t.periodic:
                t.task = None
            self.on_fire(self.owner, t.id)
            if not t.periodic:
                return
            expiry = ticks_add(expiry, interval)
            if ticks_diff(ticks_ms(), expiry) > interval:
                expiry = ticks_add(ticks_ms(), interval)

# A small asyncio for the emulated boards' firmware (ports/qemu), whose
# MicroPython core (the PyPI sources: py/ and shared/, no extmod/) has none.
# tools/build freezes it with the port's other modules when the app manager
# is built in (APP_MANAGER); no other port has it, so it never shadows a
# real asyncio.  It holds only what wamr_mpy.app calls on a board: run,
# create_task, current_task, Task (await, cancel, done), Event, sleep,
# sleep_ms, wait_for, TimeoutError, CancelledError, and StreamReader /
# StreamWriter over a stream that answers select.poll (machine.UART, files).
# start_server and open_connection live in asyncio_tcp.py, which only a
# port with sockets carries (ports/unix32); these boards have no network.
#
# Coroutines are generators.  A task runs until its coroutine yields:
# None means "run me again" (sleep(0)), _PARK means the task has put itself
# in a wait list (sleepers, an Event, a Task's waiters, a stream) and is
# resumed by whoever empties that list.  A parked task records its list in
# t.wq and its entry in t.we, so cancel() can take it out and throw
# CancelledError into it at its next step.

import select
import sys
from time import sleep_ms as _delay, ticks_add, ticks_diff, ticks_ms


class CancelledError(BaseException):
    pass


class TimeoutError(Exception):
    pass


_PARK = object()
_ready = []             # tasks to step, in order
_sleepers = []          # (deadline ticks, task)
_io = {}                # stream -> [reading task, writing task]
_poller = None
_cur = None


class Task:
    def __init__(self, coro):
        self.coro = coro
        self._done = False
        self.value = None
        self.exc = None         # how the coroutine ended
        self.thr = None         # exception to throw in at the next step
        self.queued = False
        self.waiters = []       # tasks awaiting this one
        self.wq = None
        self.we = None

    def done(self):
        return self._done

    def cancel(self):
        if self._done:
            return False
        if self is _cur:
            # as MicroPython's asyncio: the caller knows it is stopping
            raise RuntimeError("can't cancel self")
        self.thr = CancelledError()
        _unpark(self)
        _enqueue(self)
        return True

    def __iter__(self):
        if not self._done:
            _park(self.waiters, _cur)
            yield _PARK
        if self.exc is not None:
            raise self.exc
        return self.value

    __await__ = __iter__


def _enqueue(t):
    if not t.queued:
        t.queued = True
        _ready.append(t)


def _wake_all(ts):
    for t in ts:
        t.wq = None
        _enqueue(t)


def _park(wq, t, entry=None):
    t.wq = wq
    t.we = t if entry is None else entry
    if wq is not _io:
        wq.append(t.we)


def _unpark(t):
    wq = t.wq
    if wq is None:
        return
    t.wq = None
    if wq is _io:
        s, w = t.we
        e = _io[s]
        e[w] = None
        _io_update(s, e)
    else:
        try:
            wq.remove(t.we)
        except ValueError:
            pass
    t.we = None


def _io_update(s, e):
    m = (select.POLLIN if e[0] is not None else 0) | \
        (select.POLLOUT if e[1] is not None else 0)
    if m:
        _poller.register(s, m)
    else:
        del _io[s]
        _poller.unregister(s)


def _finish(t, value, exc):
    t._done = True
    t.value = value
    t.exc = exc
    w = t.waiters
    t.waiters = []
    _wake_all(w)
    if exc is not None and not w and not isinstance(exc, CancelledError) \
            and t is not _main:
        print("asyncio: exception in a task nobody awaits")
        sys.print_exception(exc)


def _step(t):
    global _cur
    _cur = t
    exc = t.thr
    t.thr = None
    try:
        if exc is not None:
            r = t.coro.throw(exc)
        else:
            r = t.coro.send(None)
    except StopIteration as e:
        _finish(t, e.args[0] if e.args else None, None)
    except BaseException as e:
        _finish(t, None, e)
    else:
        if r is not _PARK:
            _enqueue(t)
    _cur = None


def create_task(coro):
    t = Task(coro)
    _enqueue(t)
    return t


def current_task():
    if _cur is None:
        raise RuntimeError("asyncio: no task is running")
    return _cur


def sleep_ms(ms):
    ms = int(ms)
    if ms > 0:
        t = _cur
        _park(_sleepers, t, (ticks_add(ticks_ms(), ms), t))
        yield _PARK
    else:
        yield


def sleep(s):
    return sleep_ms(s * 1000)


class Event:
    def __init__(self):
        self.state = False
        self.waiting = []

    def is_set(self):
        return self.state

    def set(self):
        self.state = True
        w = self.waiting
        self.waiting = []
        _wake_all(w)

    def clear(self):
        self.state = False

    def wait(self):
        if not self.state:
            _park(self.waiting, _cur)
            yield _PARK
        return True


async def wait_for(aw, timeout):
    if timeout is None:
        return await aw
    t = aw if isinstance(aw, Task) else create_task(aw)
    fired = []

    async def expire():
        await sleep(timeout)
        fired.append(1)
        t.cancel()
    k = create_task(expire())
    try:
        return await t
    except CancelledError:
        if fired and t._done:
            raise TimeoutError()
        t.cancel()              # we were cancelled ourselves
        raise
    finally:
        k.cancel()


def _io_wait(s, w):
    e = _io.get(s)
    if e is None:
        e = _io[s] = [None, None]
    if e[w] is not None:
        raise RuntimeError("asyncio: two tasks wait to %s one stream"
                           % ("write" if w else "read"))
    e[w] = _cur
    _park(_io, _cur, (s, w))
    _io_update(s, e)
    yield _PARK


class Stream:
    """Both ends of a stream (MicroPython's asyncio has one class too)."""

    def __init__(self, s, e=None):
        self.s = s
        self.e = e or {}
        self.out = b""

    def get_extra_info(self, v):
        return self.e[v]

    async def read(self, n=-1):
        got = b""
        while True:
            await _io_wait(self.s, 0)
            d = self.s.read(n)
            if n >= 0:
                if d is not None:       # None: not ready after all
                    return d
            elif not d:
                return got
            else:
                got += d

    async def readexactly(self, n):
        got = b""
        while len(got) < n:
            d = await self.read(n - len(got))
            if not d:
                raise EOFError
            got += d
        return got

    async def readline(self):
        got = b""
        while not got.endswith(b"\n"):
            await _io_wait(self.s, 0)
            d = self.s.readline()
            if not d:
                break
            got += d
        return got

    def write(self, buf):
        self.out += buf

    async def drain(self):
        while self.out:
            await _io_wait(self.s, 1)
            n = self.s.write(self.out)
            if n:
                self.out = self.out[n:]

    def close(self):
        c = getattr(self.s, "close", None)     # machine.UART has none
        if c is not None:
            c()

    async def wait_closed(self):
        pass

    async def aclose(self):
        self.close()


StreamReader = Stream
StreamWriter = Stream


def start_server(cb, host, port, backlog=5):
    from asyncio_tcp import start_server
    return start_server(cb, host, port, backlog)


def open_connection(host, port, ssl=None):
    from asyncio_tcp import open_connection
    return open_connection(host, port, ssl)


_main = None


def run(coro):
    """Run `coro` until it ends (other tasks run while it does); returns
    its value or raises its exception."""
    global _poller, _main
    _ready.clear()
    _sleepers.clear()
    _io.clear()
    _poller = select.poll()
    _main = create_task(coro)
    while not _main._done:
        if _ready:
            wait = 0
        elif _sleepers:
            now = ticks_ms()
            wait = min(ticks_diff(d, now) for d, _ in _sleepers)
            if wait < 0:
                wait = 0
        elif _io:
            wait = -1
        else:
            raise RuntimeError("asyncio: the main task waits for nothing "
                               "that can wake it")
        if _io:
            for s, ev in _poller.poll(wait):
                e = _io.get(s)
                if e is None:
                    continue
                for w, bits in ((0, select.POLLIN), (1, select.POLLOUT)):
                    t = e[w]
                    if t is not None and ev & (bits | select.POLLERR |
                                               select.POLLHUP):
                        e[w] = None
                        t.wq = None
                        _enqueue(t)
                if e[0] is None or e[1] is None:
                    _io_update(s, e)
        elif wait > 0:
            _delay(wait)
        if _sleepers:
            now = ticks_ms()
            for ent in [x for x in _sleepers if ticks_diff(x[0], now) <= 0]:
                _sleepers.remove(ent)
                ent[1].wq = None
                _enqueue(ent[1])
        for _ in range(len(_ready)):
            t = _ready.pop(0)
            t.queued = False
            if not t._done:
                _step(t)
    m = _main
    _main = None
    if m.exc is not None:
        raise m.exc
    return m.value

# Millisecond clock helpers that work on MicroPython and CPython.

import time

try:
    ticks_ms = time.ticks_ms
    ticks_diff = time.ticks_diff
    ticks_add = time.ticks_add
except AttributeError:          # CPython (unit tests, host tool)
    def ticks_ms():
        return int(time.monotonic() * 1000) & 0x3FFFFFFF

    def ticks_diff(a, b):
        d = (a - b) & 0x3FFFFFFF
        return d - 0x40000000 if d & 0x20000000 else d

    def ticks_add(a, d):
        return (a + d) & 0x3FFFFFFF

try:
    import asyncio
except ImportError:             # pragma: no cover
    asyncio = None


def sleep_ms(ms):
    f = getattr(asyncio, "sleep_ms", None)
    if f is not None:
        return f(ms)
    return asyncio.sleep(ms / 1000)


# A 32-bit millisecond counter for apps (wasm_get_sys_tick_ms).  MicroPython's
# ticks wrap at 2**30; apps compute elapsed times with 32-bit wrap-around, so
# we extend the ticks into our own counter.  tick32() must be called at least
# every few days to keep up; the manager's housekeeping task does.
_last = ticks_ms()
_ms = 0


def tick32():
    global _last, _ms
    now = ticks_ms()
    d = ticks_diff(now, _last)
    if d > 0:
        _ms = (_ms + d) & 0xFFFFFFFF
        _last = now
    return _ms

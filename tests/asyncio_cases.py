# The asyncio calls wamr_mpy.app makes, as a trace that MicroPython's own
# asyncio and ports/qemu/asyncio.py must print alike (tests/test_asyncio_port.py).
# usage: micropython tests/asyncio_cases.py MODULE   (asyncio or the port's)
import sys

asyncio = __import__(sys.argv[1] if len(sys.argv) > 1 else "asyncio")
log = []


def out(*a):
    print(*a)


async def worker(name, ms, n):
    for i in range(n):
        await asyncio.sleep_ms(ms)
        out("tick", name, i)
    return name + "-done"


async def order():
    a = asyncio.create_task(worker("a", 30, 3))
    b = asyncio.create_task(worker("b", 50, 2))
    out("await a", await a)
    out("await b", await b)
    out("done", a.done(), b.done())


async def events():
    ev = asyncio.Event()

    async def waiter(i):
        await ev.wait()
        out("woken", i, ev.is_set())
    ts = [asyncio.create_task(waiter(i)) for i in range(3)]
    await asyncio.sleep(0)
    out("set")
    ev.set()
    for t in ts:
        await t
    ev.clear()
    out("cleared", ev.is_set())


async def cancels():
    async def sleeper():
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            out("sleeper cancelled")
            raise

    async def ev_waiter(ev):
        try:
            await ev.wait()
        finally:
            out("ev_waiter finally")
    t = asyncio.create_task(sleeper())
    await asyncio.sleep_ms(10)
    t.cancel()
    try:
        await t
    except asyncio.CancelledError:
        out("await cancelled task: CancelledError")
    ev = asyncio.Event()
    t2 = asyncio.create_task(ev_waiter(ev))
    await asyncio.sleep_ms(5)
    t2.cancel()
    await asyncio.sleep_ms(5)
    out("t2 done", t2.done())
    ev.set()            # nobody left to wake
    await asyncio.sleep_ms(5)

    async def selfcancel():
        try:
            asyncio.current_task().cancel()
        except RuntimeError as e:
            out("self-cancel:", e)
    await asyncio.create_task(selfcancel())
    # a task cancelled before it ever ran
    t3 = asyncio.create_task(worker("never", 1, 1))
    t3.cancel()
    try:
        await t3
    except asyncio.CancelledError:
        out("cancelled before start")


async def errors():
    async def bad():
        await asyncio.sleep_ms(1)
        raise ValueError("boom")
    try:
        await asyncio.create_task(bad())
    except ValueError as e:
        out("caught", e)


async def timeouts():
    try:
        await asyncio.wait_for(worker("slow", 100, 5), 0.05)
    except asyncio.TimeoutError:
        out("timed out")
    out("wait_for", await asyncio.wait_for(worker("quick", 5, 1), 1))


async def main():
    await order()
    await events()
    await cancels()
    await errors()
    await timeouts()
    return 42


out("run", asyncio.run(main()))


async def fails():
    await asyncio.sleep_ms(1)
    raise KeyError("main")
try:
    asyncio.run(fails())
except KeyError as e:
    out("run raised", repr(e))

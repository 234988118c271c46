# Host links: TCP server (unix port, boards with network), UART (boards),
# and a file descriptor pair (a pty or the process's stdin/stdout on the
# unix port).  A link hands received bytes to Manager.feed() and sends the
# manager's frames; each keeps its own framer (set by Manager.add_link).

import sys

try:
    import asyncio
except ImportError:             # pragma: no cover
    asyncio = None


class StreamLink:
    """A link over an asyncio stream (socket, machine.UART)."""

    def __init__(self, name, writer):
        self.name = name
        self.writer = writer
        self.alive = True
        self.error = None
        self._ev = asyncio.Event()
        self._task = asyncio.create_task(self._drainer())

    def send(self, data):
        if not self.alive:
            return
        self.writer.write(data)
        self._ev.set()

    async def _drainer(self):
        try:
            while self.alive:
                await self._ev.wait()
                self._ev.clear()
                await self.writer.drain()
        except Exception as e:
            # the peer went away (or worse): the reader loop ends the link
            self.error = e
            self.alive = False

    def close(self):
        self.alive = False
        self._ev.set()


class FileLink:
    """A link whose output is a blocking file (pty, stdout).  Like a UART
    without flow control it never waits long for a host that is not
    reading: output that cannot be written within `timeout_ms` is dropped
    (the host resynchronises on the next frame)."""

    CHUNK = 256

    def __init__(self, name, wfile, timeout_ms=1000):
        self.name = name
        self.f = wfile
        self.alive = True
        self.timeout_ms = timeout_ms
        self.dropped = 0
        try:
            import select
            self._poll = select.poll()
            self._poll.register(wfile, select.POLLOUT)
        except Exception:
            self._poll = None

    def send(self, data):
        if not self.alive:
            return
        # (no flush(): FileIO writes are unbuffered and the unix port's
        # flush() is an fsync(), which fails on ttys and pipes)
        mv = memoryview(data)
        try:
            while len(mv):
                if self._poll is not None and \
                        not self._poll.poll(self.timeout_ms):
                    break
                n = self.f.write(mv[:self.CHUNK])
                if n is None:
                    n = 0
                mv = mv[n:]
        except OSError:
            pass
        self.dropped += len(mv)

    def close(self):
        self.alive = False


async def _pump(mgr, link, reader):
    """Feed everything `reader` delivers into the manager until EOF."""
    try:
        while link.alive:
            data = await reader()
            if not data:
                break
            mgr.feed(link, data)
    except Exception as e:
        mgr.log("link %s: %r" % (link.name, e))
    finally:
        err = getattr(link, "error", None)
        if err is not None:
            mgr.log("link %s: %r" % (link.name, err))
        mgr.remove_link(link)
        link.close()


async def serve_tcp(mgr, host="127.0.0.1", port=8888):
    """Start the TCP server; returns the asyncio server."""
    count = [0]

    async def client(reader, writer):
        count[0] += 1
        link = StreamLink("tcp%d" % count[0], writer)
        mgr.add_link(link)

        async def rd():
            return await reader.read(2048)
        await _pump(mgr, link, rd)
        try:
            writer.close()
            await writer.wait_closed()
        except Exception:
            pass

    return await asyncio.start_server(client, host, port)


def _byte_reader(rfile, chunk=4096):
    """Reader for blocking files (the unix port's FileIO.read(n) waits for
    all n bytes): wait for readability, then take bytes one by one while
    the descriptor stays readable."""
    import select
    poller = select.poll()
    poller.register(rfile, select.POLLIN)
    sreader = asyncio.StreamReader(rfile)

    async def rd():
        first = await sreader.read(1)
        if not first:
            return first
        buf = bytearray(first)
        while len(buf) < chunk:
            ready = poller.poll(0)
            if not ready or not (ready[0][1] & select.POLLIN):
                break
            b = rfile.read(1)
            if not b:
                break
            buf += b
        return buf
    return rd


async def serve_file(mgr, rfile, wfile, name="file", byte_wise=True):
    """Serve one link over a pair of file objects until EOF."""
    link = FileLink(name, wfile)
    mgr.add_link(link)
    if byte_wise:
        rd = _byte_reader(rfile)
    else:
        sreader = asyncio.StreamReader(rfile)

        async def rd():
            return await sreader.read(512)
    await _pump(mgr, link, rd)


async def serve_uart(mgr, uart, name="uart"):
    """Boards: a machine.UART (non-blocking reads return what is there)."""
    link = StreamLink(name, asyncio.StreamWriter(uart, {}))
    mgr.add_link(link)
    sreader = asyncio.StreamReader(uart)

    async def rd():
        return await sreader.read(512)
    await _pump(mgr, link, rd)


def open_device(path):
    """Open a tty/pty device for reading and writing (unix port)."""
    return open(path, "r+b")


def stdio_files():
    return (getattr(sys.stdin, "buffer", sys.stdin),
            getattr(sys.stdout, "buffer", sys.stdout))

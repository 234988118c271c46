# File links (TRANSPORT_STDIO): one host over a pair of blocking files -
# the process's stdin/stdout, or on the unix port a pty or serial device
# (`--uart DEV`).

import sys

try:
    import asyncio
except ImportError:             # pragma: no cover
    asyncio = None

from .transport import serve_link


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


def byte_reader(rfile, chunk=4096):
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
    if byte_wise:
        rd = byte_reader(rfile)
    else:
        sreader = asyncio.StreamReader(rfile)

        async def rd():
            return await sreader.read(512)
    if not await serve_link(mgr, link, rd):
        mgr.log("%s: not served" % name)


def open_device(path):
    """Open a tty/pty device for reading and writing (unix port)."""
    return open(path, "r+b")


def stdio_files():
    return (getattr(sys.stdin, "buffer", sys.stdin),
            getattr(sys.stdout, "buffer", sys.stdout))

# Connections for apps (APP_CONNECTIONS): WAMR's connection API on asyncio.
#
# An app opens a connection by type name with an attr container of
# arguments and gets a handle (0xFFFFFFFF when it cannot be opened):
#   "TCP"   {"address": host, "port": n}     a TCP client
#   "UDP"   {"bind port": n}                 a UDP socket; sends go to the
#           address/port set with config ({"address": host, "port": n})
#   "UART"  {"device": name, "baudrate": n}  a serial line (unix port: a
#           tty or pty path; boards: machine.UART id)
# Each type is a Kconfig option (APP_CONN_TCP, _UDP, _UART).  Data that
# arrives is read on the event loop, 256 bytes at most at a time, and
# queued to the app like its other events: the runtime calls the app's
# on_connection_data(handle, buf, len); len 0 (buf 0) means the peer
# closed a TCP connection, which is then closed.  Sends never wait: they
# are queued (up to OUT_MAX bytes per connection, -1 beyond) and written
# as the socket takes them.  An app's connections close with it.

try:
    import asyncio
except ImportError:             # pragma: no cover
    asyncio = None

from .. import config
from . import attr

INVALID = 0xFFFFFFFF
READ_MAX = 256          # bytes per event (WAMR's was 256 too)
OUT_MAX = 4096          # bytes waiting to be sent per connection


class Conn:
    def __init__(self, owner, kind):
        self.owner = owner
        self.kind = kind
        self.handle = 0
        self.stream = None      # asyncio stream (sockets, machine.UART)
        self.sock = None
        self.file = None        # unix UART: the device file
        self.read = None        # and its reader
        self.dest = None        # UDP: where sends go
        self.task = None
        self.out = bytearray()
        self._wake = asyncio.Event()
        self.writer = None
        self.closed = False


def _addr(host, port, kind):
    import socket
    t = socket.SOCK_STREAM if kind == "TCP" else socket.SOCK_DGRAM
    return socket.getaddrinfo(host, port, 0, t)[0][-1]


class Connections:
    def __init__(self, deliver, log, limit):
        """deliver(owner, handle, data) queues an event for the app (data
        b"" for a closed connection)."""
        self.deliver = deliver
        self.log = log
        self.limit = limit
        self.conns = {}
        self._next = 0

    def _new_handle(self):
        while True:
            self._next = (self._next + 1) & 0x7FFFFFFF or 1
            if self._next not in self.conns:
                return self._next

    # -- natives ---------------------------------------------------------

    def open(self, owner, kind, args):
        """The new connection's handle, or INVALID (logged)."""
        mine = [c for c in self.conns.values() if c.owner == owner]
        if len(mine) >= self.limit:
            self.log("connections: app %d has %d open (APP_MAX_CONNECTIONS)"
                     % (owner, len(mine)))
            return INVALID
        try:
            a = attr.to_dict(args) if args else {}
        except ValueError as e:
            self.log("connections: %s arguments: %s" % (kind, e))
            return INVALID
        c = Conn(owner, kind)
        try:
            if kind == "TCP" and config.APP_CONN_TCP:
                self._open_tcp(c, a)
            elif kind == "UDP" and config.APP_CONN_UDP:
                self._open_udp(c, a)
            elif kind == "UART" and config.APP_CONN_UART:
                self._open_uart(c, a)
            else:
                self.log("connections: no %r connections in this build "
                         "(APP_CONN_TCP/UDP/UART)" % kind)
                return INVALID
        except (OSError, KeyError, ValueError, TypeError, IndexError) as e:
            self.log("connections: %s %r failed: %r" % (kind, a, e))
            self._drop(c)
            return INVALID
        c.handle = self._new_handle()
        self.conns[c.handle] = c
        c.task = asyncio.create_task(self._reader(c))
        return c.handle

    def close(self, owner, handle):
        c = self.conns.get(handle & 0xFFFFFFFF)
        if c is None or c.owner != owner:
            return False
        self._close(c)
        return True

    def send(self, owner, handle, data):
        """Bytes taken (all of them), or -1."""
        c = self.conns.get(handle & 0xFFFFFFFF)
        if c is None or c.owner != owner or c.closed:
            return -1
        n = len(data)
        if c.kind == "UDP":
            if c.dest is None:
                return -1
            try:
                return c.sock.sendto(data, c.dest)
            except OSError:
                return -1
        if len(c.out) + n > OUT_MAX:
            return -1
        c.out += data
        if c.writer is None:
            c.writer = asyncio.create_task(self._writer(c))
        c._wake.set()
        return n

    def config(self, owner, handle, args):
        c = self.conns.get(handle & 0xFFFFFFFF)
        if c is None or c.owner != owner or c.kind != "UDP":
            return False
        try:
            a = attr.to_dict(args)
            c.dest = _addr(a["address"], int(a["port"]), "UDP")
        except (OSError, KeyError, ValueError, TypeError, IndexError) as e:
            self.log("connections: UDP config failed: %r" % (e,))
            return False
        return True

    def close_all(self, owner):
        for c in list(self.conns.values()):
            if c.owner == owner:
                self._close(c)

    def stop(self):
        for c in list(self.conns.values()):
            self._close(c)

    def owned_by(self, owner):
        return [h for h, c in self.conns.items() if c.owner == owner]

    # -- the types ------------------------------------------------------

    def _open_tcp(self, c, a):
        import socket
        addr = _addr(a["address"], int(a["port"]), "TCP")
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        c.sock = s
        s.setblocking(False)
        try:
            s.connect(addr)
        except OSError as e:
            if e.errno not in (115, 119):       # EINPROGRESS (Linux, lwIP)
                raise
        c.stream = asyncio.StreamReader(s)

    def _open_udp(self, c, a):
        import socket
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        c.sock = s
        s.bind(_addr("0.0.0.0", int(a["bind port"]), "UDP"))
        s.setblocking(False)
        c.stream = asyncio.StreamReader(s)

    def _open_uart(self, c, a):
        dev = a["device"]
        baud = int(a["baudrate"])
        if config.PORT == "unix":
            # a tty or pty path; the baud rate is the device's own (the
            # unix port has no termios)
            f = open(dev, "r+b")
            c.file = f
            from .transport_file import byte_reader
            c.read = byte_reader(f, READ_MAX)
        else:
            import machine
            u = machine.UART(int(dev), baudrate=baud, timeout=0)
            c.file = u
            c.stream = asyncio.StreamReader(u)

    # -- the event loop side ---------------------------------------------

    async def _reader(self, c):
        try:
            while not c.closed:
                if c.stream is not None:
                    data = await c.stream.read(READ_MAX)
                else:
                    data = await c.read()
                if c.closed:
                    return
                if not data:
                    if c.kind == "UDP":
                        continue
                    break
                self.deliver(c.owner, c.handle, bytes(data))
        except Exception as e:
            if c.closed:
                return
            self.log("connections: %s %d: %r" % (c.kind, c.handle, e))
        # the peer closed it (or it failed): tell the app, then close
        if not c.closed:
            self.deliver(c.owner, c.handle, b"")
            self._close(c, from_reader=True)

    async def _writer(self, c):
        try:
            while not c.closed:
                if not c.out:
                    c._wake.clear()
                    await c._wake.wait()
                    continue
                data = bytes(c.out)
                c.out = bytearray()
                if c.stream is not None:
                    c.stream.write(data)
                    await c.stream.drain()
                else:
                    c.file.write(data)
        except Exception as e:
            if not c.closed:
                self.log("connections: %s %d: send failed: %r" % (
                    c.kind, c.handle, e))

    def _drop(self, c):
        for x in (c.stream, c.sock, c.file):
            if x is not None:
                try:
                    x.close()
                except Exception:
                    pass

    def _close(self, c, from_reader=False):
        if c.closed:
            return
        c.closed = True
        self.conns.pop(c.handle, None)
        # no task may wait on a socket that is closed under it
        if c.task is not None and not from_reader:
            c.task.cancel()
        if c.writer is not None:
            c.writer.cancel()
        self._drop(c)

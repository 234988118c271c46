# Host links: TCP server (unix port, boards with network), UART (boards),
# and file links (the process's stdin/stdout, or a pty / serial device on
# the unix port).  A link hands received bytes to Manager.feed() and sends
# the manager's frames; each keeps its own framer (set by
# Manager.add_link).
#
# Each transport is a module of its own, imported only when it is started,
# so a board carries only the ones its configuration selects:
#   transport_tcp.py   TRANSPORT_TCP
#   transport_uart.py  TRANSPORT_UART (machine.UART)
#   transport_file.py  TRANSPORT_STDIO (on the unix port also --uart DEV)
#   transport_mqtt.py  TRANSPORT_MQTT (a client of an MQTT broker: fleets)
# This module holds what they share and the entry points; starting a
# transport the build left out raises TransportOff.  A transport hands each
# new link to serve_link(), which refuses it when the manager is full
# (APP_MAX_LINKS) and pumps it otherwise.

try:
    import asyncio
except ImportError:             # pragma: no cover
    asyncio = None

from .. import config


class TransportOff(ValueError):
    def __init__(self, what, option):
        super().__init__("the %s transport is off in this build (%s)" % (
            what, option))


class StreamLink:
    """A link over an asyncio stream (socket, machine.UART)."""

    def __init__(self, name, writer):
        self.name = name
        self.writer = writer
        self.alive = True
        self.error = None
        self._ev = asyncio.Event()
        self._task = None       # started by the first send (refused links
        # never get one)

    def send(self, data):
        if not self.alive:
            return
        self.writer.write(data)
        if self._task is None:
            self._task = asyncio.create_task(self._drainer())
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


async def serve_link(mgr, link, reader):
    """Serve a new link until EOF: False at once when the manager refuses
    it (the link is closed)."""
    if not mgr.add_link(link):
        link.close()
        return False
    await pump(mgr, link, reader)
    return True


async def pump(mgr, link, reader):
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


# ------------------------------------------------------------ entry points

def file_links():
    """True when file links (stdio; on the unix port a pty or serial
    device) are built in."""
    return bool(config.TRANSPORT_STDIO or (
        config.TRANSPORT_UART and config.PORT == "unix"))


async def serve_tcp(mgr, host="127.0.0.1", port=8888):
    """Start the TCP server; returns the asyncio server."""
    if not config.TRANSPORT_TCP:
        raise TransportOff("TCP", "TRANSPORT_TCP")
    from .transport_tcp import serve_tcp as serve
    return await serve(mgr, host, port)


async def serve_uart(mgr, uart, name="uart"):
    """Boards: serve one host over a machine.UART until it fails."""
    if not config.TRANSPORT_UART:
        raise TransportOff("UART", "TRANSPORT_UART")
    from .transport_uart import serve_uart as serve
    await serve(mgr, uart, name)


async def serve_file(mgr, rfile, wfile, name="file", byte_wise=True):
    """Serve one link over a pair of file objects until EOF."""
    if not file_links():
        raise TransportOff("stdio", "TRANSPORT_STDIO")
    from .transport_file import serve_file as serve
    await serve(mgr, rfile, wfile, name, byte_wise)


async def serve_mqtt(mgr, broker, **kw):
    """Serve the host tools behind an MQTT broker ("HOST[:PORT]"), with
    reconnects, forever (transport_mqtt.serve_mqtt has the options)."""
    if not getattr(config, "TRANSPORT_MQTT", False):
        raise TransportOff("MQTT", "TRANSPORT_MQTT")
    from .transport_mqtt import serve_mqtt as serve
    await serve(mgr, broker, **kw)


def open_device(path):
    """Open a tty/pty device for reading and writing (unix port)."""
    if not file_links():
        raise TransportOff("stdio", "TRANSPORT_STDIO")
    from .transport_file import open_device as op
    return op(path)


def stdio_files():
    """(stdin, stdout) as binary files."""
    if not file_links():
        raise TransportOff("stdio", "TRANSPORT_STDIO")
    from .transport_file import stdio_files as files
    return files()

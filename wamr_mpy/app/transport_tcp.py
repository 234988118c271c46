# TCP transport (TRANSPORT_TCP): any number of host tools, one link each.

try:
    import asyncio
except ImportError:             # pragma: no cover
    asyncio = None

from .transport import StreamLink, pump


async def serve_tcp(mgr, host="127.0.0.1", port=8888):
    """Start the TCP server; returns the asyncio server."""
    count = [0]

    async def client(reader, writer):
        count[0] += 1
        link = StreamLink("tcp%d" % count[0], writer)
        mgr.add_link(link)

        async def rd():
            return await reader.read(2048)
        await pump(mgr, link, rd)
        try:
            writer.close()
            await writer.wait_closed()
        except Exception:
            pass

    return await asyncio.start_server(client, host, port)

# TCP transport (TRANSPORT_TCP): any number of host tools, one link each.

try:
    import asyncio
except ImportError:             # pragma: no cover
    asyncio = None

from .transport import StreamLink, serve_link


async def serve_tcp(mgr, host="127.0.0.1", port=8888):
    """Start the TCP server; returns the asyncio server.  Connections
    beyond the manager's APP_MAX_LINKS are closed as soon as they are
    accepted (the host sees the connection end)."""
    count = [0]

    async def client(reader, writer):
        count[0] += 1
        link = StreamLink("tcp%d" % count[0], writer)

        async def rd():
            return await reader.read(2048)
        await serve_link(mgr, link, rd)
        try:
            writer.close()
            await writer.wait_closed()
        except Exception:
            pass

    # a backlog of the link cap: host tools connecting in a burst are
    # queued, not dropped by the kernel and retried a second later
    return await asyncio.start_server(client, host, port,
                                      backlog=mgr.max_links)

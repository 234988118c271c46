# UART transport (TRANSPORT_UART): one host over a board's machine.UART
# (opened with timeout=0, so reads return what is there).

try:
    import asyncio
except ImportError:             # pragma: no cover
    asyncio = None

from .transport import StreamLink, pump


async def serve_uart(mgr, uart, name="uart"):
    link = StreamLink(name, asyncio.StreamWriter(uart, {}))
    mgr.add_link(link)
    sreader = asyncio.StreamReader(uart)

    async def rd():
        return await sreader.read(512)
    await pump(mgr, link, rd)

# UART transport (TRANSPORT_UART): one host over a board's machine.UART
# (opened with timeout=0, so reads return what is there).

try:
    import asyncio
except ImportError:             # pragma: no cover
    asyncio = None

from .transport import StreamLink, serve_link


async def serve_uart(mgr, uart, name="uart"):
    link = StreamLink(name, asyncio.StreamWriter(uart, {}))
    sreader = asyncio.StreamReader(uart)

    async def rd():
        return await sreader.read(512)
    if not await serve_link(mgr, link, rd):
        # the caller serves the line again: not in a busy loop
        await asyncio.sleep_ms(1000)

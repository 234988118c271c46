# TCP for asyncio.py (start_server, open_connection) on a port whose core
# has `socket` and `select` but no asyncio of its own: ports/unix32.  A
# module of its own so the boards without a network (TRANSPORT_TCP off)
# do not carry it; asyncio.start_server/open_connection import it when
# first called.  Streams are asyncio.Stream over a non-blocking socket.

import socket

from asyncio import Stream, _io_wait, create_task

_EINPROGRESS = 115      # Linux; connect() on a non-blocking socket


class Server:
    def __init__(self, s):
        self.s = s
        self.task = None

    async def _accept(self, cb):
        while True:
            await _io_wait(self.s, 0)
            try:
                c, addr = self.s.accept()
            except OSError:
                # the peer gave up before we took it (ECONNABORTED), or
                # no fds left (EMFILE): try again at the next readiness
                continue
            c.setblocking(False)
            st = Stream(c, {"peername": addr})
            create_task(cb(st, st))

    def close(self):
        if self.task is not None:
            self.task.cancel()
            self.task = None
        self.s.close()

    async def wait_closed(self):
        pass

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc):
        self.close()


def _addr(host, port):
    return socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM)[0]


async def start_server(cb, host, port, backlog=5):
    ai = _addr(host, port)
    s = socket.socket(ai[0], socket.SOCK_STREAM)
    try:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(ai[-1])
        s.listen(backlog)
        s.setblocking(False)
    except BaseException:
        s.close()
        raise
    srv = Server(s)
    srv.task = create_task(srv._accept(cb))
    return srv


async def open_connection(host, port, ssl=None):
    if ssl:
        raise ValueError("asyncio_tcp.open_connection: no TLS on this port")
    ai = _addr(host, port)
    s = socket.socket(ai[0], socket.SOCK_STREAM)
    s.setblocking(False)
    try:
        try:
            s.connect(ai[-1])
        except OSError as e:
            if e.errno != _EINPROGRESS:
                raise
        await _io_wait(s, 1)
        # a refused connect is writable with an error: a zero-length
        # send reports it now rather than at the first write
        s.send(b"")
    except BaseException:
        s.close()
        raise
    st = Stream(s, {"peername": ai[-1]})
    return st, st

# Wire format of WAMR's 2019 app framework, shared by the device (MicroPython)
# and tools/host_tool.py (CPython).
#
# Link frame (both directions): 0x12 0x34, type u16 BE, payload size u32 BE,
# payload.  Packed request: version 1, action u8, fmt u16, mid u32, sender
# u32, url_len u16 (with the NUL), payload_len u32 (18 bytes, BE), URL + NUL,
# payload.  Packed response: version, status u8, fmt u16, mid u32, receiver
# u32, payload_len u32 (16 bytes, BE), payload.

import struct

# Link message types (host_link.h).
TYPE_REQUEST = 2
TYPE_RESPONSE = 3
TYPE_INSTALL = 4

LEADING = b"\x12\x34"
FRAME_HEADER_LEN = 8
MAX_FRAME = 1024 * 1024

# CoAP methods.
GET = 1
POST = 2
PUT = 3
DELETE = 4
EVENT = 6

ACTIONS = {"GET": GET, "POST": POST, "PUT": PUT, "DELETE": DELETE}

# CoAP status codes: class * 32 + detail.
CREATED = 65
DELETED = 66
VALID = 67
CHANGED = 68
CONTENT = 69
BAD_REQUEST = 128
UNAUTHORIZED = 129
FORBIDDEN = 131
NOT_FOUND = 132
METHOD_NOT_ALLOWED = 133
NOT_ACCEPTABLE = 134
ENTITY_TOO_LARGE = 141
UNSUPPORTED_MEDIA_TYPE = 143
INTERNAL_ERROR = 160
NOT_IMPLEMENTED = 161
SERVICE_UNAVAILABLE = 163
GATEWAY_TIMEOUT = 164

# Payload formats (shared_utils.h).
FMT_RAW = 98
FMT_ATTR = 99

# Well-known ids (app_manager.h) as unsigned 32-bit values.
ID_HOST = 0xFFFFFFFD
ID_APP_MGR = 0xFFFFFFFE
ID_NONE = 0xFFFFFFFF

VERSION = 1
REQ_HEADER = ">BBHIIHI"
REQ_HEADER_LEN = 18
RESP_HEADER = ">BBHIII"
RESP_HEADER_LEN = 16


class ProtocolError(ValueError):
    pass


class Request:
    """A decoded request or event.  `payload` is bytes (b"" when empty)."""

    def __init__(self, url, action=GET, fmt=0, payload=b"", mid=0,
                 sender=0):
        self.url = url
        self.action = action
        self.fmt = fmt
        self.payload = payload
        self.mid = mid
        self.sender = sender

    def __repr__(self):
        return "Request(%r, action=%d, fmt=%d, mid=%d, sender=%d, %d bytes)" % (
            self.url, self.action, self.fmt, self.mid, self.sender,
            len(self.payload))


class Response:
    def __init__(self, status, fmt=0, payload=b"", mid=0, receiver=0):
        self.status = status
        self.fmt = fmt
        self.payload = payload
        self.mid = mid
        self.receiver = receiver

    def __repr__(self):
        return "Response(%d, fmt=%d, mid=%d, receiver=%d, %d bytes)" % (
            self.status, self.fmt, self.mid, self.receiver, len(self.payload))


def _u32(v):
    return v & 0xFFFFFFFF


def pack_request(req):
    url = req.url.encode() if isinstance(req.url, str) else bytes(req.url)
    payload = req.payload or b""
    if len(url) + 1 > 0xFFFF:
        raise ProtocolError("pack_request: url too long")
    head = struct.pack(REQ_HEADER, VERSION, req.action & 0xFF, req.fmt & 0xFFFF,
                       _u32(req.mid), _u32(req.sender), len(url) + 1,
                       len(payload))
    return head + url + b"\0" + bytes(payload)


def unpack_request(buf):
    """bytes/memoryview -> Request; ProtocolError when malformed (the same
    checks as WAMR's unpack_request, plus a UTF-8 check of the URL)."""
    req = unpack_request_head(buf, len(buf))
    start = len(buf) - req.payload_len
    req.payload = bytes(memoryview(buf)[start:])
    return req


def unpack_request_head(buf, size):
    """The Request of a `size`-byte packed request from its first bytes
    (header and URL; the payload is not needed and is left b"", its length
    in `payload_len`); ProtocolError when malformed."""
    n = len(buf)
    if n < REQ_HEADER_LEN:
        raise ProtocolError("request: %d bytes, header needs 18" % n)
    ver, action, fmt, mid, sender, url_len, plen = struct.unpack_from(
        REQ_HEADER, buf, 0)
    if ver != VERSION:
        raise ProtocolError("request: bad version %d" % ver)
    if size != REQ_HEADER_LEN + url_len + plen:
        raise ProtocolError("request: size %d, header says %d" % (
            size, REQ_HEADER_LEN + url_len + plen))
    if url_len == 0 or n < REQ_HEADER_LEN + url_len or \
            buf[REQ_HEADER_LEN + url_len - 1] != 0:
        raise ProtocolError("request: url not NUL-terminated")
    # a slice of a memoryview: one copy, not a slice and then a copy
    raw = bytes(memoryview(buf)[REQ_HEADER_LEN:REQ_HEADER_LEN + url_len - 1])
    if b"\0" in raw:
        raise ProtocolError("request: NUL inside url")
    try:
        url = raw.decode()
    except UnicodeError:
        raise ProtocolError("request: url is not UTF-8")
    req = Request(url, action, fmt, b"", mid, sender)
    req.payload_len = plen
    return req


def install_head(prefix, size):
    """The Request of a `size`-byte frame whose first bytes are `prefix`
    when it is an install (PUT /applet, received as it arrives), else
    None."""
    try:
        req = unpack_request_head(prefix, size)
    except ProtocolError:
        return None
    if req.action != PUT or not check_url_start(req.url, "/applet"):
        return None
    return req


def request_head(buf):
    """The Request of a frame whose header unpack_request accepted, without
    its URL and payload (to answer one whose copy did not fit in RAM)."""
    ver, action, fmt, mid, sender, url_len, plen = struct.unpack_from(
        REQ_HEADER, buf, 0)
    return Request("", action, fmt, b"", mid, sender)


def pack_response(resp):
    payload = resp.payload or b""
    head = struct.pack(RESP_HEADER, VERSION, resp.status & 0xFF,
                       resp.fmt & 0xFFFF, _u32(resp.mid), _u32(resp.receiver),
                       len(payload))
    return head + bytes(payload)


def unpack_response(buf):
    n = len(buf)
    if n < RESP_HEADER_LEN:
        raise ProtocolError("response: %d bytes, header needs 16" % n)
    ver, status, fmt, mid, receiver, plen = struct.unpack_from(
        RESP_HEADER, buf, 0)
    if ver != VERSION:
        raise ProtocolError("response: bad version %d" % ver)
    if n != RESP_HEADER_LEN + plen:
        raise ProtocolError("response: size %d, header says %d" % (
            n, RESP_HEADER_LEN + plen))
    return Response(status, fmt, bytes(buf[RESP_HEADER_LEN:]), mid, receiver)


def frame_header(msg_type, size):
    return LEADING + struct.pack(">HI", msg_type & 0xFFFF, size)


def encode_frame(msg_type, payload):
    return frame_header(msg_type, len(payload)) + bytes(payload)


def _alloc(size):
    try:
        return bytearray(size)
    except MemoryError:
        pass
    try:
        import gc
        gc.collect()
        return bytearray(size)
    except (MemoryError, ImportError):
        return None


class Framer:
    """Incremental link-frame receiver with resynchronisation.

    feed(data, on_frame) calls on_frame(type, payload) for every complete
    frame.  Bytes that are not part of a frame are skipped while hunting for
    0x12 0x34; a frame larger than `max_size` is dropped right after its
    header (its body is then hunted through like garbage, as WAMR does).
    When on_frame returns False (the payload is malformed) the frame's bytes
    after its sync pair are scanned again before the rest of the stream, so
    real frames swallowed by a header whose length lied are recovered.
    expire(on_frame) does the same for a frame that stopped arriving (the
    caller decides when the line has been quiet long enough).

    With `stream`, a request or install frame is offered before its body
    is buffered: stream(type, prefix, size) gets the frame's first bytes
    (the packed request's header and URL) and its size, and returns a sink
    or None.  A sink gets the rest of the frame as it arrives
    (sink.write(memoryview), which must copy what it keeps), then
    sink.end(); sink.abort() when the frame does not complete (expire(),
    abort()).  With None the frame is buffered as usual.  A streamed frame
    is not rescanned: its bytes are gone."""

    HUNT = 0
    HEADER = 1
    BODY = 2
    PREFIX = 3
    STREAM = 4

    def __init__(self, max_size=MAX_FRAME, stream=None):
        self.max_size = max_size
        self.stream = stream
        self.dropped = 0        # bytes skipped while hunting
        self.oversized = 0      # frames dropped for size
        self.rejected = 0       # frames the user found malformed
        self._reset()

    def _reset(self):
        self.state = self.HUNT
        self._half = False      # the last hunted byte was 0x12
        self._head = bytearray()
        self._type = 0
        self._body = None       # BODY: the frame; PREFIX: its first bytes
        self._pos = 0
        self._size = 0
        self._need = 0          # PREFIX: bytes wanted
        self._sink = None

    def busy(self):
        """True in the middle of a frame."""
        return self.state != self.HUNT or self._half

    def partial(self):
        """Bytes of the unfinished frame after its sync pair (of a streamed
        one, its header)."""
        if self.state == self.HEADER or self.state == self.STREAM:
            return bytes(self._head)
        if self.state == self.BODY or self.state == self.PREFIX:
            return bytes(self._head) + bytes(
                memoryview(self._body)[:self._pos])
        return b""

    def abort(self):
        """Drop the frame in progress (the link is going away)."""
        sink = self._sink
        self._reset()
        if sink is not None:
            sink.abort()

    def feed(self, data, on_frame):
        # An explicit stack instead of recursion: a rejected frame may hold
        # another frame that is rejected too, and so on.
        if not isinstance(data, (bytes, bytearray)):
            data = bytes(data)
        stack = [[data, 0]]
        while stack:
            top = stack[-1]
            fr = self._step(top)
            if fr is None:
                stack.pop()
            elif fr[0] is None:
                # bytes taken for a prefix that are to be hunted through
                stack.append([fr[1], 0])
            elif not on_frame(fr[0], fr[1]):
                # rescan header then body (no copy of the body: it is ours)
                self.rejected += 1
                stack.append([fr[1], 0])
                stack.append([struct.pack(">HI", fr[0], len(fr[1])), 0])

    def expire(self, on_frame):
        """Abandon an unfinished frame and rescan its bytes."""
        if not self.busy():
            return
        if self.state == self.STREAM:
            self.abort()
            return
        head = bytes(self._head)
        body = None
        if self.state == self.BODY or self.state == self.PREFIX:
            body = memoryview(self._body)[:self._pos]
        self._reset()
        self.feed(head, on_frame)
        if body is not None:
            self.feed(bytearray(body), on_frame)

    def _step(self, top):
        """Consume top[0] from top[1] until a frame completes (returned as
        (type, payload)) or the data runs out (None)."""
        data = top[0]
        i = top[1]
        n = len(data)
        mv = memoryview(data)
        while i < n:
            st = self.state
            if st == self.HUNT:
                if self._half:
                    self._half = False
                    if data[i] == 0x34:
                        i += 1
                        self.state = self.HEADER
                        self._head = bytearray()
                        continue
                j = data.find(b"\x12", i)
                if j < 0:
                    self.dropped += n - i
                    i = n
                    break
                self.dropped += j - i
                i = j + 1
                self._half = True
            elif st == self.HEADER:
                take = min(6 - len(self._head), n - i)
                self._head += mv[i:i + take]
                i += take
                if len(self._head) == 6:
                    t, size = struct.unpack(">HI", self._head)
                    if size == 0:
                        self._reset()
                        top[1] = i
                        return (t, b"")
                    if self.stream is not None and size > REQ_HEADER_LEN \
                            and (t == TYPE_INSTALL or t == TYPE_REQUEST):
                        self._type = t
                        self._size = size
                        self._body = bytearray(REQ_HEADER_LEN)
                        self._pos = 0
                        self._need = REQ_HEADER_LEN
                        self.state = self.PREFIX
                        continue
                    body = None
                    if size <= self.max_size:
                        body = _alloc(size)
                    if body is None:
                        # too big, or no RAM for it: skip it as WAMR skips
                        # oversized frames (its bytes are hunted through)
                        self.oversized += 1
                        self._reset()
                    else:
                        self._type = t
                        self._body = body
                        self._pos = 0
                        self.state = self.BODY
            elif st == self.PREFIX:
                take = min(self._need - self._pos, n - i)
                self._body[self._pos:self._pos + take] = mv[i:i + take]
                self._pos += take
                i += take
                if self._pos < self._need:
                    continue
                if self._need == REQ_HEADER_LEN:
                    url_len = (self._body[12] << 8) | self._body[13]
                    if url_len and REQ_HEADER_LEN + url_len < self._size:
                        self._need = REQ_HEADER_LEN + url_len
                        self._body += bytearray(url_len)
                        continue
                fr = self._offer()
                if fr is not None:
                    top[1] = i
                    return fr
            elif st == self.STREAM:
                take = min(self._size - self._pos, n - i)
                self._sink.write(mv[i:i + take])
                self._pos += take
                i += take
                if self._pos == self._size:
                    sink = self._sink
                    self._reset()
                    sink.end()
            else:
                size = len(self._body)
                take = min(size - self._pos, n - i)
                self._body[self._pos:self._pos + take] = mv[i:i + take]
                self._pos += take
                i += take
                if self._pos == size:
                    fr = (self._type, self._body)
                    self._reset()
                    top[1] = i
                    return fr
        top[1] = i
        return None

    def _offer(self):
        """The prefix is in: stream the frame, or buffer it; returns bytes
        to hunt through (as (None, bytes)) when it can be neither."""
        prefix = self._body
        sink = self.stream(self._type, bytes(prefix), self._size)
        if sink is not None:
            self._sink = sink
            self._body = None
            self.state = self.STREAM
            if self._pos == self._size:
                self._reset()
                sink.end()
            return None
        body = None
        if self._size <= self.max_size:
            body = _alloc(self._size)
        if body is None:
            self.oversized += 1
            self._reset()
            return (None, bytes(prefix))
        body[:len(prefix)] = prefix
        self._body = body
        self.state = self.BODY
        return None


# ---- URL helpers (WAMR's check_url_start / match_url / find_key_value) -------

def check_url_start(url, leading):
    """0 when `url` does not start with the path `leading`, else the offset
    of what follows it (past a '/' or '?' separator).  A leading '/' on
    either side is ignored and a trailing '/' on `leading` too: "/abc"
    matches "/abc", "abc/x", "/abc?q" but not "/abcd"."""
    off = 0
    if leading.startswith("/"):
        leading = leading[1:]
    if url.startswith("/"):
        url = url[1:]
        off = 1
    if leading.endswith("/"):
        leading = leading[:-1]
    n = len(leading)
    if n == 0:
        return 0
    if len(url) == n:
        return off + n if url == leading else 0
    if len(url) < n or not url.startswith(leading):
        return 0
    if url[n] != "/" and url[n] != "?":
        return 0
    return off + n + 1


def match_url(pattern, url):
    """"/a" matches "/a" only; "/a/" matches "/a" and "/a/..."; "/a*" any url
    starting with "/a"; "/a/*" anything under "/a/" but not "/a"."""
    if pattern.startswith("/"):
        pattern = pattern[1:]
    if url.startswith("/"):
        url = url[1:]
    if url.endswith("/"):
        url = url[:-1]
    if not url or not pattern:
        return False
    if pattern.endswith("/"):
        p = pattern[:-1]
        return url == p or url.startswith(p + "/")
    if pattern.endswith("*"):
        return url.startswith(pattern[:-1])
    return url == pattern


def query_of(url, leading):
    """The part of `url` after `leading` and its separator ("" if none)."""
    off = check_url_start(url, leading)
    return url[off:] if off else ""


def find_key_value(text, key, delimiter="&"):
    """Value of key=value in "k1=v1&k2=v2", or None."""
    for part in text.split(delimiter):
        part = part.strip()
        if part.startswith(key + "="):
            return part[len(key) + 1:]
    return None


_NAME_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-."


def valid_name(name):
    """An app name (`/applet?name=`): ASCII letters, digits, '_-.', no
    leading '.', at most 64 characters (names become file names in the
    app store)."""
    if not isinstance(name, str) or not name or len(name) > 64:
        return False
    for c in name:
        if c not in _NAME_CHARS:
            return False
    return name[0] != "."


def status_name(status):
    return "%d.%02d" % (status >> 5, status & 31)

"""Wire format of the app framework (WAMR 2019): packed requests/responses,
link framing with resynchronisation, URL rules, attr containers.

The codec is shared by the device (MicroPython) and tools/host_tool.py
(CPython): the checks run on CPython directly and the same script runs on
the MicroPython unix port."""
import os
import random
import struct
import sys

import pytest

from mp import ROOT, check_mp

sys.path.insert(0, ROOT)
from wamr_mpy.app import protocol as P  # noqa: E402
from wamr_mpy.app import attr  # noqa: E402


# ---- byte layouts written out by hand from WAMR's description --------------

def test_request_layout():
    req = P.Request("/applet?name=a", P.PUT, P.FMT_RAW, b"\0asm\1\0\0\0",
                    0x01020304, 0xFFFFFFFD)
    b = P.pack_request(req)
    url = b"/applet?name=a"
    assert b[:18] == bytes([1, 3, 0, 98, 1, 2, 3, 4, 0xFF, 0xFF, 0xFF, 0xFD,
                            0, len(url) + 1, 0, 0, 0, 8])
    assert b[18:18 + len(url) + 1] == url + b"\0"
    assert b[18 + len(url) + 1:] == b"\0asm\1\0\0\0"
    r = P.unpack_request(b)
    assert (r.url, r.action, r.fmt, r.mid, r.sender, r.payload) == (
        "/applet?name=a", 3, 98, 0x01020304, 0xFFFFFFFD, b"\0asm\1\0\0\0")


def test_response_layout():
    b = P.pack_response(P.Response(69, 99, b"xyz", 7, 0xFFFFFFFD))
    assert b == bytes([1, 69, 0, 99, 0, 0, 0, 7, 0xFF, 0xFF, 0xFF, 0xFD,
                       0, 0, 0, 3]) + b"xyz"
    r = P.unpack_response(b)
    assert (r.status, r.fmt, r.mid, r.receiver, r.payload) == (
        69, 99, 7, 0xFFFFFFFD, b"xyz")


def test_frame_layout():
    f = P.encode_frame(P.TYPE_RESPONSE, b"abc")
    assert f == b"\x12\x34\x00\x03\x00\x00\x00\x03abc"


@pytest.mark.parametrize("bad", [
    b"",                                           # empty
    bytes([1, 1, 0, 0]) + bytes(10),               # short header
    bytes([2, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0]) + b"a\0",
    bytes([1, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0]) + b"a\0",
    bytes([1, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0]) + b"ab",
    bytes([1, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
    bytes([1, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 2, 0, 0, 0, 5]) + b"a\0",
    bytes([1, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0]) + b"\0a\0",
    bytes([1, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0]) + b"\xff\0",
])
def test_malformed_requests_rejected(bad):
    with pytest.raises(P.ProtocolError):
        P.unpack_request(bad)


def test_malformed_responses_rejected():
    good = P.pack_response(P.Response(65, 0, b"", 1, 2))
    for bad in (good[:-1], b"\2" + good[1:], good + b"x",
                good[:12] + b"\0\0\0\1"):
        with pytest.raises(P.ProtocolError):
            P.unpack_response(bad)


# ---- framing ------------------------------------------------------------------

def _collect(framer, data):
    out = []

    def on_frame(t, payload):
        if t == P.TYPE_REQUEST:
            try:
                out.append(P.unpack_request(payload).mid)
            except P.ProtocolError:
                return False
            return True
        return False
    framer.feed(data, on_frame)
    return out


def _req_frame(mid):
    return P.encode_frame(P.TYPE_REQUEST, P.pack_request(
        P.Request("/x", P.GET, 0, b"p%d" % mid, mid)))


def test_framer_split_anywhere():
    data = b"".join(_req_frame(m) for m in range(1, 6))
    for cut in range(1, len(data)):
        f = P.Framer()
        got = _collect(f, data[:cut]) + _collect(f, data[cut:])
        assert got == [1, 2, 3, 4, 5], cut


def test_framer_resync_after_garbage():
    f = P.Framer()
    # a sync pair whose header claims ~7 MB (dropped as oversized), then junk
    data = b"\x12\x12\x34" + b"\x00" * 3 + b"junk\x12" + _req_frame(9)
    assert _collect(f, data) == [9]
    assert f.oversized == 1
    assert _collect(f, b"zz" + _req_frame(3) + b"\x12" + _req_frame(4)) \
        == [3, 4]


def test_framer_expire_recovers_unfinished_frame():
    # a header promising 200 bytes that never come, then real frames
    f = P.Framer()
    data = P.LEADING + struct.pack(">HI", P.TYPE_REQUEST, 200) + \
        _req_frame(1) + _req_frame(2)
    assert _collect(f, data) == []
    assert f.busy()
    out = []

    def on_frame(t, p):
        try:
            out.append(P.unpack_request(p).mid)
            return True
        except P.ProtocolError:
            return False
    f.expire(on_frame)
    assert out == [1, 2]
    assert not f.busy()


def test_framer_lying_length_recovers_swallowed_frames():
    lie = P.LEADING + struct.pack(">HI", P.TYPE_REQUEST, 60) + b"junk"
    data = lie + _req_frame(1) + _req_frame(2) + _req_frame(3)
    f = P.Framer()
    assert _collect(f, data) == [1, 2, 3]
    assert f.rejected >= 1


def test_framer_drops_oversized():
    f = P.Framer(max_size=100)
    big = P.LEADING + struct.pack(">HI", P.TYPE_REQUEST, 101) + b"\0" * 101
    assert _collect(f, big + _req_frame(5)) == [5]
    assert f.oversized == 1


class Sink:
    def __init__(self):
        self.data = bytearray()
        self.ended = self.aborted = False

    def write(self, mv):
        self.data += mv

    def end(self):
        self.ended = True

    def abort(self):
        self.aborted = True


def test_framer_streams_offered_frames_in_pieces():
    """With `stream`, an install is offered with its request head and its
    payload goes to the sink as it arrives (never buffered whole); frames
    the stream declines are buffered and delivered as usual."""
    payload = bytes(range(256)) * 40
    inst = P.encode_frame(P.TYPE_INSTALL, P.pack_request(P.Request(
        "/applet?name=a", P.PUT, P.FMT_RAW, payload, 7)))
    other = P.encode_frame(P.TYPE_REQUEST, P.pack_request(P.Request(
        "/x", P.GET, 0, b"abc", 8)))
    sinks, offers, got = [], [], []

    def stream(t, prefix, size):
        req = P.unpack_request_head(prefix, size)
        offers.append((t, req.url, req.mid, req.payload_len))
        if req.url.startswith("/applet"):
            sinks.append(Sink())
            return sinks[-1]
        return None
    fr = P.Framer(1024, stream)          # smaller than the install
    data = b"junk" + inst + other
    for i in range(0, len(data), 7):
        fr.feed(data[i:i + 7], lambda t, p: got.append((t, bytes(p))) or True)
    assert offers == [(P.TYPE_INSTALL, "/applet?name=a", 7, len(payload)),
                      (P.TYPE_REQUEST, "/x", 8, 3)]
    assert sinks[0].data == payload and sinks[0].ended
    assert got == [(P.TYPE_REQUEST, other[8:])]
    # a frame that stops arriving, or a link that goes away, aborts it
    fr.feed(inst[:100], None)
    fr.expire(None)
    assert sinks[-1].aborted and not sinks[-1].ended and not fr.busy()
    fr.feed(inst[:100], None)
    fr.abort()
    assert sinks[-1].aborted and len(sinks) == 3


def test_framer_declined_oversized_stream_is_hunted_through():
    """A declined frame too big to buffer is dropped and the bytes taken
    for its head are hunted through like the rest of it."""
    big = P.encode_frame(P.TYPE_REQUEST, P.pack_request(P.Request(
        "/x", P.PUT, 0, bytes(2000), 1)))
    small = P.encode_frame(P.TYPE_REQUEST, P.pack_request(P.Request(
        "/y", P.GET, 0, b"", 2)))
    got = []
    fr = P.Framer(1024, lambda t, prefix, size: None)
    fr.feed(big + small, lambda t, p: got.append(P.unpack_request(p).url)
            or True)
    assert got == ["/y"] and fr.oversized == 1


def test_framer_fuzz_never_raises():
    rnd = random.Random(1234)
    f = P.Framer(max_size=4096)
    valid = [_req_frame(m) for m in range(1, 50)]
    for i in range(3000):
        kind = rnd.randrange(4)
        if kind == 0:
            data = bytes(rnd.randrange(256) for _ in range(rnd.randrange(40)))
        elif kind == 1:
            v = bytearray(rnd.choice(valid))
            for _ in range(rnd.randrange(1, 4)):
                v[rnd.randrange(len(v))] = rnd.randrange(256)
            data = bytes(v)
        elif kind == 2:
            data = rnd.choice(valid)[:rnd.randrange(1, 20)]
        else:
            data = P.LEADING + struct.pack(">HI", rnd.randrange(6),
                                           rnd.randrange(1 << 32))
        _collect(f, data)
    f.expire(lambda t, p: True)
    assert _collect(f, b"".join(valid[:3])) == [1, 2, 3]


# ---- URL rules (check_url_start / match_url / find_key_value) -------------------

@pytest.mark.parametrize("url,lead,off", [
    ("/abc", "/abc", 4), ("/abc/cde", "/abc", 5), ("/abc/", "/abc", 5),
    ("/abc?x=1", "/abc", 5), ("/ab", "/abc", 0), ("/abcd", "/abc", 0),
    ("abc", "/abc", 3), ("/abc", "abc/", 4), ("/applet?name=a", "/applet", 8),
    ("/event/alert/x", "/event/", 7), ("/x", "/", 0), ("", "/abc", 0),
])
def test_check_url_start(url, lead, off):
    assert P.check_url_start(url, lead) == off


@pytest.mark.parametrize("pattern,url,ok", [
    ("/abcd", "/abcd", True), ("/abcd", "/abcd/e", False),
    ("/abcd/", "/abcd", True), ("/abcd/", "/abcd/e", True),
    ("/abcd/", "/abcde", False), ("/abcd*", "/abcdef", True),
    ("/abcd/*", "/abcd/x", True), ("/abcd/*", "/abcd", False),
    ("/a", "/", False),
])
def test_match_url(pattern, url, ok):
    assert P.match_url(pattern, url) == ok


def test_find_key_value():
    q = "name=app1&heap=8192&wd=100"
    assert P.find_key_value(q, "name") == "app1"
    assert P.find_key_value(q, "heap") == "8192"
    assert P.find_key_value(q, "wd") == "100"
    assert P.find_key_value(q, "timers") is None
    assert P.find_key_value("a=1;b=2", "b", ";") == "2"


# ---- attr containers -------------------------------------------------------------

def test_attr_layout():
    b = attr.encode("t", [("k", attr.INT, 258)])
    # flags, total (from itself), tag len, tag, count, key len, key, type, v
    assert b == (b"\0\0" + struct.pack("<I", 4 + 2 + 2 + 2 + 2 + 2 + 1 + 4) +
                 b"\2\0t\0\1\0\2\0k\0\2" + struct.pack("<i", 258))


def test_attr_roundtrip_all_types():
    items = [("s", attr.SHORT, -2), ("i", attr.INT, -70000),
             ("l", attr.INT64, -(1 << 40)), ("b", attr.BYTE, -3),
             ("u", attr.UINT16, 65535), ("f", attr.FLOAT, 1.5),
             ("d", attr.DOUBLE, -2.25), ("z", attr.BOOLEAN, True),
             ("str", attr.STRING, "h\u00e9llo"),
             ("arr", attr.BYTEARRAY, b"\0\1\xff")]
    tag, got = attr.decode(attr.encode("tag", items))
    assert tag == "tag"
    assert got == items


def test_attr_inference_and_replace():
    d = attr.to_dict(attr.encode("", {"a": 1, "b": 2.5, "c": "x", "d": True,
                                      "e": b"\1", "f": 1 << 40}))
    assert d == {"a": 1, "b": 2.5, "c": "x", "d": True, "e": b"\1",
                 "f": 1 << 40}
    tag, items = attr.decode(attr.encode("", [("k", 1), ("k", 2)]))
    assert items == [("k", attr.INT, 2)]


def test_attr_decodes_wamr_spare_room():
    # WAMR's containers carry unused room counted in the total length
    b = bytearray(attr.encode("x", {"k": "v"}))
    total = struct.unpack_from("<I", b, 2)[0] + 100
    struct.pack_into("<I", b, 2, total)
    b += bytes(100)
    assert attr.to_dict(bytes(b)) == {"k": "v"}


def test_attr_malformed():
    good = attr.encode("tag", {"key": "value", "n": 5})
    for cut in range(len(good)):
        with pytest.raises(attr.AttrError):
            attr.decode(good[:cut])
    bad = bytearray(good)
    bad[-5] = 42            # type byte of "n" -> unknown type
    with pytest.raises(attr.AttrError):
        attr.decode(bytes(bad))


def test_attr_dump_text():
    text = attr.dump(attr.encode("wasm app response payload",
                                 [("key1", "value1"), ("n", attr.INT, 26)]))
    assert text == ("Attribute container dump:\n"
                    "Tag: wasm app response payload\n"
                    "Attribute list:\n"
                    "  key: key1, type: string, value: value1\n"
                    "  key: n, type: int, value: 0x1a\n\n")


# ---- the same codec on MicroPython -------------------------------------------------

MP_SCRIPT = r"""
from wamr_mpy.app import protocol as P, attr
import struct
req = P.Request("/a/b?x=1", P.POST, 99, attr.encode("t", {"k": 1, "f": 0.5}),
                0xFFFFFFFF, 0xFFFFFFFD)
b = P.pack_request(req)
r = P.unpack_request(b)
print(r.url, r.action, r.fmt, r.mid, r.sender, attr.to_dict(r.payload))
print(P.unpack_response(P.pack_response(P.Response(160, 99, b"e", 3, 4))).status)
frames = []
def on_frame(t, p):
    try:
        frames.append(P.unpack_request(p).mid)
        return True
    except P.ProtocolError:
        return False
f = P.Framer()
lie = P.LEADING + struct.pack(">HI", 2, 60) + b"junk"
one = P.encode_frame(2, P.pack_request(P.Request("/x", 1, 0, b"", 11)))
two = P.encode_frame(2, P.pack_request(P.Request("/y", 1, 0, b"", 12)))
data = b"\x00\x12" + lie + one + two + two
for i in range(len(data)):
    f.feed(data[i:i + 1], on_frame)
print(frames)
print(P.check_url_start("/event/alert/x", "/event/"), P.match_url("/a/*", "/a/b"))
items = [("s", attr.SHORT, -2), ("l", attr.INT64, -(1 << 40)),
         ("f", attr.FLOAT, 1.5), ("z", attr.BOOLEAN, False),
         ("a", attr.BYTEARRAY, b"\xff")]
print(attr.decode(attr.encode("", items))[1] == items)
"""


def test_codec_on_micropython():
    out = check_mp(MP_SCRIPT)
    assert out.split("\n")[:6] == [
        "/a/b?x=1 2 99 4294967295 4294967293 {'k': 1, 'f': 0.5}",
        "160",
        "[11, 12, 12]",
        "7 True",
        "True",
        "",
    ]

# attr_container: WAMR's typed key/value payload (format FMT_ATTR = 99).
#
# Serialized form (little-endian, as WAMR apps write it on wasm32):
#   flags u16 | total_len u32 | tag_len u16 | tag NUL | attr_num u16 | attrs
# total_len counts from itself to the end of the buffer (WAMR leaves spare
# room there; we write none).  Each attribute: key_len u16 (with NUL), key
# NUL, type u8, value: SHORT i16, INT i32, INT64 i64, BYTE i8, UINT16 u16,
# FLOAT f32, DOUBLE f64, BOOLEAN u8, STRING len u16 (with NUL) + bytes NUL,
# BYTEARRAY len u32 + bytes.
# Shared by the device and tools/host_tool.py (CPython).

import struct

SHORT = 1
INT = 2
INT64 = 3
BYTE = 4
UINT16 = 5
FLOAT = 6
DOUBLE = 7
BOOLEAN = 8
STRING = 9
BYTEARRAY = 10

TYPE_NAMES = ("", "short", "int", "int64", "byte", "uint16", "float",
              "double", "bool", "string", "bytearray")

# struct code per fixed-size type (index = type)
_FMT = ("", "<h", "<i", "<q", "<b", "<H", "<f", "<d", "<B")
_SIZE = (0, 2, 4, 8, 1, 2, 4, 8, 1)

READONLY = 4        # flags bit 2


class AttrError(ValueError):
    pass


def _infer(value):
    if isinstance(value, bool):
        return BOOLEAN
    if isinstance(value, int):
        if -0x80000000 <= value <= 0x7FFFFFFF:
            return INT
        return INT64
    if isinstance(value, float):
        return DOUBLE
    if isinstance(value, str):
        return STRING
    if isinstance(value, (bytes, bytearray, memoryview)):
        return BYTEARRAY
    raise AttrError("attr: no attribute type for %r" % (value,))


def _check_key(key):
    if not isinstance(key, str) or not key:
        raise AttrError("attr: bad key %r" % (key,))
    k = key.encode()
    if b"\0" in k:
        raise AttrError("attr: NUL in key %r" % key)
    return k


def _enc_value(t, value):
    if t == BOOLEAN:
        return b"\1" if value else b"\0"
    if 1 <= t <= 8:
        if t == FLOAT or t == DOUBLE:
            return struct.pack(_FMT[t], float(value))
        v = int(value)
        if t == SHORT:
            v = ((v + 0x8000) & 0xFFFF) - 0x8000
        elif t == INT:
            v = ((v + 0x80000000) & 0xFFFFFFFF) - 0x80000000
        elif t == INT64:
            v = ((v + 0x8000000000000000) & 0xFFFFFFFFFFFFFFFF) \
                - 0x8000000000000000
        elif t == BYTE:
            v = ((v + 0x80) & 0xFF) - 0x80
        elif t == UINT16:
            v &= 0xFFFF
        return struct.pack(_FMT[t], v)
    if t == STRING:
        b = value.encode() if isinstance(value, str) else bytes(value)
        if b"\0" in b:
            raise AttrError("attr: NUL inside string value")
        if len(b) + 1 > 0xFFFF:
            raise AttrError("attr: string value too long")
        return struct.pack("<H", len(b) + 1) + b + b"\0"
    if t == BYTEARRAY:
        b = bytes(value)
        return struct.pack("<I", len(b)) + b
    raise AttrError("attr: bad attribute type %r" % (t,))


def encode(tag="", items=(), flags=0):
    """Serialize an attr container.  `items` is a dict (types inferred:
    bool, int -> INT or INT64, float -> DOUBLE, str, bytes) or a sequence
    of (key, value) or (key, type, value)."""
    t = tag.encode() if isinstance(tag, str) else bytes(tag)
    if b"\0" in t:
        raise AttrError("attr: NUL in tag")
    if isinstance(items, dict):
        items = list(items.items())
    parts = []
    keys = {}
    for it in items:
        if len(it) == 3:
            key, typ, value = it
        else:
            key, value = it
            typ = _infer(value)
        k = _check_key(key)
        rec = struct.pack("<H", len(k) + 1) + k + b"\0" + bytes((typ,)) + \
            _enc_value(typ, value)
        # setting a key twice replaces it, as attr_container_set_* does
        if key in keys:
            parts[keys[key]] = rec
        else:
            keys[key] = len(parts)
            parts.append(rec)
    if len(parts) > 0xFFFF:
        raise AttrError("attr: too many attributes")
    body = b"".join(parts)
    total = 4 + 2 + len(t) + 1 + 2 + len(body)
    return (struct.pack("<HIH", flags & 0xFFFF, total, len(t) + 1) + t +
            b"\0" + struct.pack("<H", len(parts)) + body)


def _cstr(buf, start, length, what):
    if length == 0:
        raise AttrError("attr: empty %s" % what)
    raw = bytes(buf[start:start + length])
    if raw[-1] != 0:
        raise AttrError("attr: %s not NUL-terminated" % what)
    raw = raw[:-1]
    z = raw.find(b"\0")
    if z >= 0:
        raw = raw[:z]
    try:
        return raw.decode()
    except UnicodeError:
        raise AttrError("attr: %s is not UTF-8" % what)


def decode(buf):
    """Parse a serialized container -> (tag, [(key, type, value), ...]).
    Every length is checked against the buffer; AttrError when malformed."""
    n = len(buf)
    if n < 8:
        raise AttrError("attr: %d bytes, header needs 8" % n)
    flags, total, tag_len = struct.unpack_from("<HIH", buf, 0)
    end = 2 + total
    if total < 8 or end > n:
        raise AttrError("attr: total length %d does not fit %d bytes" % (
            total, n))
    p = 8
    if p + tag_len + 2 > end:
        raise AttrError("attr: tag runs past the end")
    tag = _cstr(buf, p, tag_len, "tag") if tag_len else ""
    p += tag_len
    num = struct.unpack_from("<H", buf, p)[0]
    p += 2
    items = []
    for i in range(num):
        if p + 2 > end:
            raise AttrError("attr: attribute %d runs past the end" % i)
        klen = struct.unpack_from("<H", buf, p)[0]
        p += 2
        if p + klen + 1 > end:
            raise AttrError("attr: key %d runs past the end" % i)
        key = _cstr(buf, p, klen, "key")
        p += klen
        t = buf[p]
        p += 1
        if 1 <= t <= 8:
            size = _SIZE[t]
            if p + size > end:
                raise AttrError("attr: value of %r runs past the end" % key)
            v = struct.unpack_from(_FMT[t], buf, p)[0]
            if t == BOOLEAN:
                v = v != 0
            p += size
        elif t == STRING:
            if p + 2 > end:
                raise AttrError("attr: value of %r runs past the end" % key)
            slen = struct.unpack_from("<H", buf, p)[0]
            p += 2
            if p + slen > end:
                raise AttrError("attr: value of %r runs past the end" % key)
            v = _cstr(buf, p, slen, "string") if slen else ""
            p += slen
        elif t == BYTEARRAY:
            if p + 4 > end:
                raise AttrError("attr: value of %r runs past the end" % key)
            blen = struct.unpack_from("<I", buf, p)[0]
            p += 4
            if p + blen > end:
                raise AttrError("attr: value of %r runs past the end" % key)
            v = bytes(buf[p:p + blen])
            p += blen
        else:
            raise AttrError("attr: key %r has unknown type %d" % (key, t))
        items.append((key, t, v))
    return tag, items


def to_dict(buf):
    """{key: value} of a serialized container (the tag is dropped)."""
    d = {}
    for k, t, v in decode(buf)[1]:
        d[k] = v
    return d


def get(buf, key, default=None):
    for k, t, v in decode(buf)[1]:
        if k == key:
            return v
    return default


def dump(buf):
    """Text like WAMR's attr_container_dump()."""
    tag, items = decode(buf)
    lines = ["Attribute container dump:", "Tag: %s" % tag, "Attribute list:"]
    for k, t, v in items:
        if t == STRING:
            s = "string, value: %s" % v
        elif t == BYTEARRAY:
            s = "byte array, length: %d" % len(v)
        elif t in (FLOAT, DOUBLE):
            s = "%s, value: %f" % (TYPE_NAMES[t], v)
        elif t == BOOLEAN:
            s = "bool, value: 0x%x" % (1 if v else 0)
        else:
            bits = (0, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFFFFFFFFFF, 0xFF,
                    0xFFFF)[t]
            s = "%s, value: 0x%x" % (TYPE_NAMES[t], v & bits)
        lines.append("  key: %s, type: %s" % (k, s))
    return "\n".join(lines) + "\n\n"

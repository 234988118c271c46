"""A few helpers to write wasm binaries by hand in tests (CPython and
MicroPython): LEB128, names, vectors, sections."""

MAGIC = b"\0asm\x01\0\0\0"


def leb(n):
    """Unsigned LEB128."""
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def name(s):
    b = s.encode() if isinstance(s, str) else s
    return leb(len(b)) + b


def vec(items):
    return leb(len(items)) + b"".join(items)


def section(sid, body):
    return bytes((sid,)) + leb(len(body)) + body

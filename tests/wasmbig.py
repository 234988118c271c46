"""Big generated modules for the compiler's scale tests (CPython)."""


def _leb(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def _sleb(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if (n == 0 and not b & 0x40) or (n == -1 and b & 0x40):
            out.append(b)
            return bytes(out)
        out.append(b | 0x80)


def _section(sid, body):
    return bytes([sid]) + _leb(len(body)) + body


def many_functions(n):
    """A module of n functions (i32) -> i32: function i returns its argument,
    except every 100th, which returns function i - 1 of it plus i; exports
    "last" (function n - 1).  About 6 bytes per function (100,000 functions:
    600 KB)."""
    types = _leb(1) + b"\x60\x01\x7f\x01\x7f"
    funcs = _leb(n) + b"\x00" * n
    exports = _leb(1) + _leb(4) + b"last" + b"\x00" + _leb(n - 1)
    bodies = bytearray(_leb(n))
    for i in range(n):
        if i % 100 == 99:
            code = b"\x00\x20\x00\x10" + _leb(i - 1) + b"\x41" + _sleb(i) + b"\x6a\x0b"
        else:
            code = b"\x00\x20\x00\x0b"
        bodies += _leb(len(code)) + code
    return (b"\x00asm\x01\x00\x00\x00" + _section(1, types) + _section(3, funcs) +
            _section(7, exports) + _section(10, bytes(bodies)))

# Byte-level decoding of the wasm binary format: LEB128, names, limits.
# One Reader walks the module; `end` bounds the current section or body so
# that running past it is reported the way the spec's reference does.

from .errors import LoadError
from . import config


def _bad(msg, pos):
    raise LoadError(msg, pos, "reader")


class Reader:
    # Reads are bounded by the end of the input, not by the current section:
    # the spec reports an overrun as "section size mismatch" after the fact,
    # and running out of input inside a section with `eof_msg`.
    eof_msg = None

    def __init__(self, data, pos=0, end=None):
        self.data = data
        self.pos = pos
        self.end = len(data) if end is None else end

    def _eof(self):
        _bad(self.eof_msg or "unexpected end", self.pos)

    def eof(self):
        return self.pos >= self.end

    def u8(self):
        p = self.pos
        if p >= self.end:
            self._eof()
        self.pos = p + 1
        return self.data[p]

    def bytes(self, n):
        p = self.pos
        if n > self.end - p:
            self._eof()
        self.pos = p + n
        return self.data[p:p + n]

    def u32(self):
        data = self.data
        p = self.pos
        end = self.end
        if p < end:
            b = data[p]
            if b < 0x80:
                self.pos = p + 1
                return b
        result = 0
        shift = 0
        while True:
            if p >= end:
                self.pos = p
                self._eof()
            b = data[p]
            p += 1
            if shift == 28:
                if b & 0x80:
                    _bad("integer representation too long", p - 1)
                if b & 0x70:
                    _bad("integer too large", p - 1)
            result |= (b & 0x7F) << shift
            if not b & 0x80:
                self.pos = p
                return result
            shift += 7

    if config.WASM_MEMORY64:
        def u64(self):
            """Unsigned LEB128 of at most 64 bits (memory64 limits and offsets)."""
            data = self.data
            p = self.pos
            end = self.end
            result = 0
            shift = 0
            while True:
                if p >= end:
                    self.pos = p
                    self._eof()
                b = data[p]
                p += 1
                if shift == 63:
                    if b & 0x80:
                        _bad("integer representation too long", p - 1)
                    if b & 0x7E:
                        _bad("integer too large", p - 1)
                result |= (b & 0x7F) << shift
                if not b & 0x80:
                    self.pos = p
                    return result
                shift += 7

    def _sleb(self, bits):
        data = self.data
        p = self.pos
        end = self.end
        result = 0
        shift = 0
        last = (bits - 1) // 7 * 7  # shift of the final permitted byte
        while True:
            if p >= end:
                self.pos = p
                self._eof()
            b = data[p]
            p += 1
            if shift == last:
                if b & 0x80:
                    _bad("integer representation too long", p - 1)
                # Unused high bits must all equal the sign bit.
                used = bits - last          # payload bits in this byte
                rest = (b & 0x7F) >> (used - 1)
                if rest != 0 and rest != (0x7F >> (used - 1)):
                    _bad("integer too large", p - 1)
            result |= (b & 0x7F) << shift
            shift += 7
            if not b & 0x80:
                self.pos = p
                if b & 0x40:
                    result -= 1 << shift
                return result

    def s32(self):
        return self._sleb(32)

    def s33(self):
        return self._sleb(33)

    def s64(self):
        return self._sleb(64)

    def vec(self):
        """A vector's length, capped at one more than the bytes left: every
        element takes at least one byte, so iterating the capped length ends
        in the same error the full one would, and range() accepts it on a
        32-bit port (a length of 2**31 or more is no machine word there)."""
        return self.cap(self.u32())

    def cap(self, n):
        left = self.end - self.pos + 1
        return n if n <= left else left

    def u32_le(self):
        b = self.bytes(4)
        return b[0] | (b[1] << 8) | (b[2] << 16) | (b[3] << 24)

    def u64_le(self):
        lo = self.u32_le()
        return lo | (self.u32_le() << 32)

    def name(self):
        n = self.u32()
        p = self.pos
        if n > self.end - p:
            _bad("length out of bounds", p)
        raw = self.bytes(n)
        if not utf8_valid(raw):
            _bad("malformed UTF-8 encoding", p)
        return str(raw, "utf-8")


class FileBytes:
    """A module file that the loader indexes and slices like bytes, read
    through a window of WINDOW bytes: the file is never in RAM at once
    (on a board, a module may be larger than the heap)."""

    WINDOW = 512

    def __init__(self, path):
        import os
        self.f = open(path, "rb")
        self.n = os.stat(path)[6]
        self.base = 0
        self.buf = b""

    def __len__(self):
        return self.n

    def _fill(self, a, b):
        self.f.seek(a)
        return self.f.read(b - a)

    def __getitem__(self, k):
        if isinstance(k, int):
            i = k - self.base
            if 0 <= i < len(self.buf):
                return self.buf[i]
            if not 0 <= k < self.n:
                raise IndexError("FileBytes index out of range")
            self.base = k
            self.buf = self._fill(k, min(k + self.WINDOW, self.n))
            return self.buf[0]
        a = 0 if k.start is None else max(0, min(k.start, self.n))
        b = self.n if k.stop is None else max(0, min(k.stop, self.n))
        if b <= a:
            return b""
        i = a - self.base
        if i >= 0 and b - self.base <= len(self.buf):
            return self.buf[i:b - self.base]
        if b - a > self.WINDOW:
            return self._fill(a, b)
        self.base = a
        self.buf = self._fill(a, min(a + self.WINDOW, self.n))
        return self.buf[:b - a]

    def close(self):
        self.f.close()


_VALTYPES = (0x7F, 0x7E, 0x7D, 0x7C, 0x70, 0x6F)


def valtype(r):
    p = r.pos
    t = r.u8()
    if t in _VALTYPES:
        return t
    if config.WASM_SIMD and t == 0x7B:
        return t
    if config.WASM_TYPES3:
        # 3.0 value types (reftypes.py)
        from .reftypes import valtype3
        return valtype3(r, t, p)
    _bad("SIMD (v128) is not supported" if t == 0x7B else "malformed value type", p)


def reftype(r):
    p = r.pos
    t = r.u8()
    if t == 0x70 or t == 0x6F:
        return t
    if config.WASM_TYPES3:
        r.pos = p
        from .reftypes import reftype as reftype3
        return reftype3(r)
    _bad("malformed reference type", p)


def utf8_valid(b):
    """Strict UTF-8 (no overlongs, no surrogates, <= U+10FFFF)."""
    i = 0
    n = len(b)
    while i < n:
        c = b[i]
        if c < 0x80:
            i += 1
            continue
        if 0xC2 <= c <= 0xDF:
            k = 1
            lo, hi = 0x80, 0xBF
        elif c == 0xE0:
            k = 2
            lo, hi = 0xA0, 0xBF
        elif 0xE1 <= c <= 0xEC or c == 0xEE or c == 0xEF:
            k = 2
            lo, hi = 0x80, 0xBF
        elif c == 0xED:
            k = 2
            lo, hi = 0x80, 0x9F
        elif c == 0xF0:
            k = 3
            lo, hi = 0x90, 0xBF
        elif 0xF1 <= c <= 0xF3:
            k = 3
            lo, hi = 0x80, 0xBF
        elif c == 0xF4:
            k = 3
            lo, hi = 0x80, 0x8F
        else:
            return False
        if i + k >= n:
            return False
        d = b[i + 1]
        if d < lo or d > hi:
            return False
        for j in range(i + 2, i + k + 1):
            if b[j] & 0xC0 != 0x80:
                return False
        i += k + 1
    return True

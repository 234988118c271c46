"""Mutations of wasm modules for the loader fuzzers (CPython and MicroPython):
tests/fuzz_load.py runs them on the device, tools/fuzz (tests/fuzz_mutants.py)
makes them on the host and runs them on every tier.

`mutate(rng, data)` -> (description, bytes): one random change.  The random
source is a 32-bit xorshift, so a seed gives the same mutant on every port
and on CPython."""

from wasmbin import leb

# Opcodes worth planting in code: control flow, calls, locals, memory and
# table access, constants, the prefixes (0xfc bulk/sat, 0xfd SIMD, 0xfb GC)
# and the 3.0 ones (try_table, throw, return_call, br_on_null...).
OPCODES = bytes((0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x08, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E,
                 0x0F, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x1A, 0x1B, 0x1C, 0x1F, 0x20,
                 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x28, 0x29, 0x2D, 0x36, 0x37, 0x3F,
                 0x40, 0x41, 0x42, 0x43, 0x44, 0x45, 0x6D, 0x7F, 0xA7, 0xD0, 0xD1, 0xD2,
                 0xD3, 0xD4, 0xD5, 0xD6, 0xFB, 0xFC, 0xFD, 0xFF))
# LEB128 values at the edges of what decoders hold: 0, 1, 2^31 +- 1,
# 2^32 - 1, 5-byte encodings with junk in the unused bits, 2^20 and up.
EDGE = (0, 1, 0x7F, 0x80, 0x3FFF, 0xFFFF, 0x10000, 0x7FFFFFFF, 0x80000000,
        0xFFFFFFFF, 1 << 20, 1 << 24, 1 << 28)


class Rng:
    # xorshift32: the same sequence on every port.
    def __init__(self, seed):
        self.x = (seed & 0xFFFFFFFF) or 1

    def next(self):
        x = self.x
        x ^= (x << 13) & 0xFFFFFFFF
        x ^= x >> 17
        x ^= (x << 5) & 0xFFFFFFFF
        self.x = x
        return x

    def below(self, n):
        return self.next() % n


def _skip_leb(data, i, end):
    while i < end and data[i] & 0x80:
        i += 1
    return i + 1


def _read_leb(data, i, end):
    v = 0
    shift = 0
    while i < end:
        b = data[i]
        i += 1
        v |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            break
    return v, i


def sections(data):
    """[(id, start of the header, start of the payload, end)] of the
    sections that parse."""
    out = []
    i = 8
    n = len(data)
    while i < n:
        h = i
        size, i = _read_leb(data, i + 1, n)
        if i + size > n:
            break
        out.append((data[h], h, i, i + size))
        i += size
    return out


def _edge(rng):
    v = EDGE[rng.below(len(EDGE))]
    if rng.below(4) == 0:
        # an over-long encoding of the same value
        b = bytearray(leb(v))
        b[-1] |= 0x80
        return bytes(b) + b"\x00"
    return leb(v)


def _section_mutation(rng, data, secs):
    kind = rng.below(5)
    sid, h, a, b = secs[rng.below(len(secs))]
    whole = data[h:b]
    if kind == 0:       # the same section twice
        return "dup-section %d" % sid, data[:b] + whole + data[b:]
    if kind == 1:       # a section dropped
        return "drop-section %d" % sid, data[:h] + data[b:]
    if kind == 2:       # a section moved to the end
        return "move-section %d" % sid, data[:h] + data[b:] + whole
    if kind == 3:       # the section's id changed
        new = rng.below(20) if rng.below(4) else rng.below(256)
        return "section-id %d->%d" % (sid, new), data[:h] + bytes((new,)) + data[h + 1:]
    # the section's element count (its first LEB) set to an edge value
    body = _edge(rng) + data[_skip_leb(data, a, b):b]
    return "count %d" % sid, data[:h] + bytes((sid,)) + leb(len(body)) + body + data[b:]


def _bodies(data, secs):
    """(code section, [(start, end) of each body's bytes]) or None."""
    for sec in secs:
        if sec[0] == 10 and sec[3] > sec[2]:
            n, i = _read_leb(data, sec[2], sec[3])
            out = []
            for _ in range(n):
                if i >= sec[3]:
                    # a count past the bodies (a "count" mutation: up to
                    # 2^32) must not list empty bodies at the end
                    break
                size, i = _read_leb(data, i, sec[3])
                if i + size > sec[3]:
                    break
                out.append((i, i + size))
                i += size
            if out:
                return sec, out
    return None


def _sleb(v):
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        if (v == 0 and not b & 0x40) or (v == -1 and b & 0x40):
            out.append(b)
            return bytes(out)
        out.append(b | 0x80)


# Constants for i32/i64.const immediates.
SCONST = (0, -1, 1, 0x7FFFFFFF, -0x80000000, 0xFFFF, 0x10000, -0x10000, 0x7FFFFFFFFFFFFFFF,
          -0x8000000000000000, 65535 * 65536, 16)


def _body_mutation(rng, data, code):
    """A change inside one function body; the body and section sizes are
    rewritten to fit, so the change reaches the validator and the tiers."""
    sec, bodies = code
    a, e = bodies[rng.below(len(bodies))]
    body = bytes(data[a:e])
    n = len(body)
    kind = rng.below(6)
    p = rng.below(n) if n else 0
    if kind == 0 and n:
        op = OPCODES[rng.below(len(OPCODES))]
        what, new = "op %02x" % op, body[:p] + bytes((op,)) + body[p + 1:]
    elif kind == 1:
        op = OPCODES[rng.below(len(OPCODES))]
        what, new = "insert-op %02x" % op, body[:p] + bytes((op,)) + body[p:]
    elif kind == 2 and n:
        # the immediate of an i32/i64.const (or of whatever 0x41/0x42 is)
        ks = [i for i in range(n - 1) if body[i] == 0x41 or body[i] == 0x42]
        if ks:
            k = ks[rng.below(len(ks))]
            q = _skip_leb(body, k + 1, n)
            what, new = "const", body[:k + 1] + _sleb(SCONST[rng.below(len(SCONST))]) + body[q:]
        else:
            what, new = "imm", body[:p] + _edge(rng) + body[p + 1:]
    elif kind == 3 and n:
        q = p + 1 + rng.below(min(16, n - p))
        what, new = "cut", body[:p] + body[q:]
    elif kind == 4 and n:
        q = p + 1 + rng.below(min(16, n - p))
        r = rng.below(n)
        what, new = "copy", body[:r] + body[p:q] + body[r:]
    elif n:
        what, new = "imm", body[:p] + _edge(rng) + body[p + 1:]
    else:
        what, new = "byte", bytes((rng.below(256),))
    sid, h, sa, se = sec
    payload = bytearray()
    _cnt, i = _read_leb(data, sa, se)
    payload += data[sa:i]
    for ba, be in bodies:
        chunk = new if ba == a else data[ba:be]
        payload += leb(len(chunk)) + chunk
    payload += data[bodies[-1][1]:se]     # whatever followed the bodies
    return "body %s@%d" % (what, a + p), (data[:h] + bytes((10,)) + leb(len(payload)) +
                                         bytes(payload) + data[se:])


def mutate(rng, data):
    """One mutation of `data` (bytes, at least 9 long) -> (what, bytes)."""
    n = len(data)
    kind = rng.below(14)
    b = bytearray(data)
    if kind == 0:
        for _ in range(1 + rng.below(4)):
            b[8 + rng.below(n - 8)] = rng.below(256)
        return "flip", bytes(b)
    if kind == 1:
        p = 8 + rng.below(n - 8)
        junk = bytes(rng.below(128) | 0x80 for _ in range(rng.below(12))) + bytes((rng.below(128),))
        return "leb@%d" % p, bytes(b[:p]) + junk + bytes(b[p:])
    if kind == 2:
        # Huge declared count or size.
        p = 8 + rng.below(n - 8)
        big = leb(0xFFFFFFFF - rng.below(16)) if rng.below(2) else leb(1 << (20 + rng.below(12)))
        return "huge@%d" % p, bytes(b[:p]) + big + bytes(b[p + 1:])
    if kind == 3:
        p = 8 + rng.below(n - 8)
        q = p + rng.below(min(64, n - p))
        return "splice@%d" % p, bytes(b[:p]) + bytes(b[q:])
    if kind == 4:
        # A run of bytes copied elsewhere (instructions, types, names).
        p = 8 + rng.below(n - 8)
        q = p + 1 + rng.below(min(32, n - p))
        r = 8 + rng.below(n - 8)
        return "copy@%d->%d" % (p, r), bytes(b[:r]) + bytes(b[p:q]) + bytes(b[r:])
    secs = sections(data)
    if kind >= 9:
        # (most likely: a change that keeps the module well formed)
        code = _bodies(data, secs)
        if code:
            return _body_mutation(rng, data, code)
    if kind == 7 and secs:
        return _section_mutation(rng, data, secs)
    # Memory or table limits at the edges (flags: max, shared, 64-bit).
    lims = [x for x in secs if x[0] in (4, 5) and x[3] > x[2] + 1]
    if lims:
        sid, h, a, e = lims[rng.below(len(lims))]
        # the first entry's limits (a table's come after its type)
        p = _skip_leb(data, a, e) + (1 if sid == 4 else 0)
        if p < e:
            q = _skip_leb(data, p + 1, e)
            if data[p] & 1:
                q = _skip_leb(data, q, e)
            flags = (0, 1, 2, 3, 4, 5, 7)[rng.below(7)]
            lim = bytes((flags,)) + _edge(rng) + (_edge(rng) if flags & 1 else b"")
            body = data[a:p] + lim + data[q:e]
            return "limits %d" % sid, (data[:h] + bytes((sid,)) + leb(len(body)) +
                                       body + data[e:])
    b[8 + rng.below(n - 8)] = rng.below(256)
    return "flip", bytes(b)


def mutants(rng, data, count):
    """Every truncation of `data`, then `count` random mutants."""
    n = len(data)
    for i in range(n):
        yield "trunc %d" % i, data[:i]
    for _ in range(count):
        yield mutate(rng, data)

"""Feeds malformed modules to wamr_mpy.load under MicroPython (or CPython).

Usage: micropython tests/fuzz_load.py SEED COUNT FILE.wasm...

Inputs: every truncation of each valid module, random byte flips, random
LEB128 garbage spliced into section headers, and huge declared counts.  The
only acceptable outcomes are a Module, LoadError or ValidationError, within
2 s per input.  Prints one line per violation and a summary line
`fuzz: N inputs, K loaded, E errors, V violations`.
"""
import sys
import time

try:
    import gc
except ImportError:
    gc = None

import wamr_mpy
from wamr_mpy import LoadError, ValidationError
from wasmbin import leb


def ticks():
    if hasattr(time, "ticks_ms"):
        return time.ticks_ms()
    return int(time.time() * 1000)


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


def mutants(rng, data, count):
    n = len(data)
    # Every truncation (cheap ones first).
    for i in range(n):
        yield "trunc %d" % i, data[:i]
    for k in range(count):
        kind = rng.below(4)
        b = bytearray(data)
        if kind == 0:
            for _ in range(1 + rng.below(4)):
                b[8 + rng.below(n - 8)] = rng.below(256)
            yield "flip", bytes(b)
        elif kind == 1:
            p = 8 + rng.below(n - 8)
            junk = bytes(rng.below(128) | 0x80 for _ in range(rng.below(12))) + bytes((rng.below(128),))
            yield "leb@%d" % p, bytes(b[:p]) + junk + bytes(b[p:])
        elif kind == 2:
            # Huge declared count or size right after a section header.
            p = 8 + rng.below(n - 8)
            big = leb(0xFFFFFFFF - rng.below(16)) if rng.below(2) else leb(1 << (20 + rng.below(12)))
            yield "huge@%d" % p, bytes(b[:p]) + big + bytes(b[p + 1:])
        else:
            p = 8 + rng.below(n - 8)
            q = p + rng.below(min(64, n - p))
            yield "splice@%d" % p, bytes(b[:p]) + bytes(b[q:])


def main():
    seed = int(sys.argv[1])
    count = int(sys.argv[2])
    rng = Rng(seed)
    total = loaded = errors = bad = 0
    for path in sys.argv[3:]:
        with open(path, "rb") as f:
            data = f.read()
        for what, blob in mutants(rng, data, count):
            total += 1
            t0 = ticks()
            try:
                wamr_mpy.load(blob)
                loaded += 1
            except (LoadError, ValidationError):
                errors += 1
            except Exception as e:
                bad += 1
                print("VIOLATION %s %s: %s: %s" % (path, what, type(e).__name__, e))
            dt = ticks() - t0
            if dt > 2000:
                bad += 1
                print("VIOLATION %s %s: took %d ms" % (path, what, dt))
            if gc and total % 200 == 0:
                gc.collect()
    print("fuzz: %d inputs, %d loaded, %d errors, %d violations" % (total, loaded, errors, bad))


main()

"""Feeds malformed modules to wamr_mpy.load under MicroPython (or CPython).

Usage: micropython tests/fuzz_load.py SEED COUNT FILE.wasm...

Inputs: every truncation of each valid module, then COUNT mutants of it
(tests/wasm_mutate.py: byte flips, LEB128 garbage, huge counts, splices,
planted opcodes and immediates, sections duplicated, dropped, moved or
renumbered, memory and table limits at the edges).  The
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
from wasm_mutate import Rng, mutants


def ticks():
    if hasattr(time, "ticks_ms"):
        return time.ticks_ms()
    return int(time.time() * 1000)


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

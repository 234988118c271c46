#!/usr/bin/env python3
"""Measure the workloads' checksums with wasmtime and write expected.json.

    python tools/bench/workloads/make_expected.py [--check]

Each checksum is cross-checked before it is written: against a native build
of the same C source with the host's cc (when one is installed) and, where
the workload is simple enough, against an independent Python model
(hashlib, zlib, plain Python).  --check compares against the committed
expected.json instead of writing it.
"""
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zlib

import wasmtime

HERE = os.path.dirname(os.path.abspath(__file__))

# name -> (default n, small n for slow tiers, description)
WORKLOADS = {
    "fib": (25, 15, "recursive Fibonacci: fib(n)"),
    "sieve": (500000, 5000, "segmented sieve of Eratosthenes: primes below n"),
    "crc32": (64, 2, "CRC-32 over n passes of a 4 KiB buffer"),
    "matmul_int": (64, 12, "i32 matrix multiply, order n"),
    "matmul_f64": (64, 12, "f64 matrix multiply, order n"),
    "sha256": (1024, 8, "SHA-256 of n 64-byte blocks"),
    "quicksort": (10000, 500, "quicksort of n i32 keys"),
    "coremark_mix": (50, 2, "CoreMark-style list/matrix/state/CRC mix, n iterations"),
}

M32 = 0xFFFFFFFF


def wasm_run(name, n):
    engine = wasmtime.Engine()
    store = wasmtime.Store(engine)
    module = wasmtime.Module.from_file(engine, os.path.join(HERE, name + ".wasm"))
    if len(module.imports):
        raise SystemExit("%s.wasm has imports" % name)
    inst = wasmtime.Instance(store, module, [])
    run = inst.exports(store)["run"]
    first = run(store, n) & M32
    again = run(store, n) & M32
    if first != again:
        raise SystemExit("%s: run(%d) is not repeatable" % (name, n))
    return first


def native_run(name, n, tmp):
    cc = shutil.which("cc") or shutil.which("gcc") or shutil.which("clang-14")
    if not cc:
        return None
    exe = os.path.join(tmp, name)
    if not os.path.exists(exe):
        main = os.path.join(tmp, name + "_main.c")
        with open(main, "w") as f:
            f.write('#include <stdio.h>\n#include <stdlib.h>\n#include <stdint.h>\n'
                    'uint32_t run(int32_t);\n'
                    'int main(int c, char **v) { printf("%u\\n", '
                    'run(atoi(v[1]))); return 0; }\n')
        subprocess.run([cc, "-O1", "-fno-strict-aliasing", "-ffp-contract=off",
                        "-o", exe, os.path.join(HERE, name + ".c"), main],
                       check=True)
    out = subprocess.run([exe, str(n)], capture_output=True, text=True, check=True)
    return int(out.stdout)


# ---- independent Python models ----

def lcg(state):
    return (state * 1664525 + 1013904223) & M32


def mix(h, v):
    return (h ^ ((v + 0x9E3779B9 + (h << 6) + (h >> 2)) & M32)) & M32


def model_fib(n):
    a, b = 0, 1
    for _ in range(n):
        a, b = b, a + b
    return a & M32


def model_sieve(n):
    if n < 3:
        return 0
    flags = bytearray([1]) * n
    flags[0] = flags[1] = 0
    for i in range(2, int(n ** 0.5) + 1):
        if flags[i]:
            flags[i * i::i] = bytes(len(range(i * i, n, i)))
    primes = [i for i in range(n) if flags[i]]
    return mix(len(primes), sum(primes) & M32)


def model_crc32(n):
    seed, buf = 12345, bytearray(4096)
    for i in range(4096):
        seed = lcg(seed)
        buf[i] = seed >> 24
    return zlib.crc32(bytes(buf) * n) & M32


def model_sha256(n):
    msg = bytes((i * 31 + (i >> 8)) & 0xFF for i in range(n * 64))
    return int.from_bytes(hashlib.sha256(msg).digest()[:4], "big")


def s32(v):
    return v - (1 << 32) if v & 0x80000000 else v


def model_quicksort(n):
    n = min(n, 12000)
    seed, keys = 2024, []
    for _ in range(n):
        seed = lcg(seed)
        keys.append(s32(seed))
    h = 0
    for k in sorted(keys):
        h = mix(h, k & M32)
    return h


def model_matmul_int(n):
    n = min(n, 64)
    seed, A, B = 42, [], []
    for _ in range(n * n):
        seed = lcg(seed)
        A.append((seed >> 20) - 2048)
        seed = lcg(seed)
        B.append((seed >> 20) - 2048)
    h = 0
    for i in range(n):
        for j in range(n):
            s = sum(A[i * n + k] * B[k * n + j] for k in range(n))
            h = mix(h, s & M32)
    return h


def model_matmul_f64(n):
    import struct
    n = min(n, 64)
    seed, A, B = 7, [], []
    for _ in range(n * n):
        seed = lcg(seed)
        A.append(s32(seed >> 16) / 4096.0 - 8.0)
        seed = lcg(seed)
        B.append(1.0 / ((seed >> 24) + 1.5))
    h = 0
    for i in range(n):
        for j in range(n):
            s = 0.0
            for k in range(n):
                s += A[i * n + k] * B[k * n + j]
            u = struct.unpack("<Q", struct.pack("<d", s))[0]
            h = mix(h, (u ^ (u >> 32)) & M32)
    return h


MODELS = {
    "fib": model_fib, "sieve": model_sieve, "crc32": model_crc32,
    "sha256": model_sha256, "quicksort": model_quicksort,
    "matmul_int": model_matmul_int, "matmul_f64": model_matmul_f64,
}


def measure():
    result = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, (n, small, desc) in WORKLOADS.items():
            checks = {}
            for size in (small, n):
                got = wasm_run(name, size)
                native = native_run(name, size, tmp)
                if native is not None and native != got:
                    raise SystemExit("%s(%d): wasmtime %d != native %d"
                                     % (name, size, got, native))
                model = MODELS.get(name)
                if model is not None and model(size) != got:
                    raise SystemExit("%s(%d): wasmtime %d != Python model %d"
                                     % (name, size, got, model(size)))
                checks[str(size)] = got
                print("%-13s run(%d) = %d (0x%08x)%s%s" % (
                    name, size, got, got,
                    "" if native is None else ", native cc agrees",
                    "" if model is None else ", Python model agrees"))
            result[name] = {
                "file": name + ".wasm",
                "export": "run",
                "description": desc,
                "n": n,
                "checksum": checks[str(n)],
                "small_n": small,
                "small_checksum": checks[str(small)],
            }
    return result


def main(argv):
    result = measure()
    path = os.path.join(HERE, "expected.json")
    if "--check" in argv:
        with open(path) as f:
            committed = json.load(f)
        if committed != result:
            print("expected.json is out of date")
            return 1
        print("expected.json matches")
        return 0
    with open(path, "w") as f:
        json.dump(result, f, indent=2)
        f.write("\n")
    print("wrote", path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

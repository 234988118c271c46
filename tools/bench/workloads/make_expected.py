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
    "xxhash64": (256, 4, "XXH64-style 64-bit hash of a 4 KiB buffer, 2n times"),
    "mix64": (30, 1, "64-bit FNV-1a / splitmix64 / xorshift / rotate mix, 1000n rounds"),
    "iir_f32": (32, 1, "f32 biquad IIR filtering and RMS of n 1024-sample blocks"),
    "nbody_f64": (20, 1, "f64 5-body gravity integration, 100n steps"),
    "calls": (25, 1, "small direct and indirect calls with i32/i64 arguments, 1000n rounds"),
    "simd_blend": (100, 2, "the SIMD sample's image filter (WebAssembly SIMD) on two 64x64 "
                   "8-bit images, n times"),
    "scalar_blend": (100, 2, "the same filter as plain C loops (simd_blend's scalar twin), "
                     "n times"),
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
                        "-o", exe, os.path.join(HERE, name + ".c"), main, "-lm"],
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


M64 = (1 << 64) - 1


def rotl64(x, r):
    r &= 63
    return ((x << r) | (x >> (64 - r))) & M64 if r else x


XP1, XP2, XP3, XP4, XP5 = (0x9E3779B185EBCA87, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9,
                           0x85EBCA77C2B2AE63, 0x27D4EB2F165667C5)


def _xround(acc, v):
    return (rotl64((acc + v * XP2) & M64, 31) * XP1) & M64


def _xxh64(b, seed):
    n = len(b)
    p = 0
    rd = lambda i, k: int.from_bytes(b[i:i + k], "little")  # noqa: E731
    if n >= 32:
        v = [(seed + XP1 + XP2) & M64, (seed + XP2) & M64, seed, (seed - XP1) & M64]
        while p + 32 <= n:
            for k in range(4):
                v[k] = _xround(v[k], rd(p + 8 * k, 8))
            p += 32
        h = (rotl64(v[0], 1) + rotl64(v[1], 7) + rotl64(v[2], 12) + rotl64(v[3], 18)) & M64
        for k in range(4):
            h = ((h ^ _xround(0, v[k])) * XP1 + XP4) & M64
    else:
        h = (seed + XP5) & M64
    h = (h + n) & M64
    while p + 8 <= n:
        h ^= _xround(0, rd(p, 8))
        h = (rotl64(h, 27) * XP1 + XP4) & M64
        p += 8
    if p + 4 <= n:
        h ^= (rd(p, 4) * XP1) & M64
        h = (rotl64(h, 23) * XP2 + XP3) & M64
        p += 4
    while p < n:
        h ^= (b[p] * XP5) & M64
        h = (rotl64(h, 11) * XP1) & M64
        p += 1
    h ^= h >> 33
    h = (h * XP2) & M64
    h ^= h >> 29
    h = (h * XP3) & M64
    return h ^ (h >> 32)


def model_xxhash64(n):
    seed, buf = 99, bytearray(4096)
    for i in range(4096):
        seed = lcg(seed)
        buf[i] = seed >> 24
    buf = bytes(buf)
    h = 0
    for _ in range(n):
        h = _xxh64(buf, h)
        h = _xxh64(buf[3:], h)
    return mix(h & M32, h >> 32)


def _popcount(x):
    return bin(x).count("1")


def model_mix64(n):
    s, fnv, x, acc, bits = 0x0123456789ABCDEF, 0xCBF29CE484222325, 88172645463325252, 0, 0
    for _ in range(n * 1000):
        s = (s + 0x9E3779B97F4A7C15) & M64
        z = s
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
        r = z ^ (z >> 31)
        for k in range(4):
            fnv = ((fnv ^ ((r >> (8 * k)) & 0xFF)) * 0x100000001B3) & M64
        x ^= (x << 13) & M64
        x ^= x >> 7
        x ^= (x << 17) & M64
        acc = (acc + rotl64(x ^ fnv, r >> 58) + (1 if r < x else 0)) & M64
        if acc >> 63:
            acc ^= r >> 3
        clz = 64 - len(bin(r | 1)) + 2
        t = x | (1 << 63)
        ctz = len(bin(t & -t)) - 3
        bits = (bits + _popcount(acc) + clz + ctz) & M32
    return mix(mix(mix(acc & M32, acc >> 32), fnv & M32), bits)


def _f32(x):
    import struct
    return struct.unpack("<f", struct.pack("<f", x))[0]


def _fbits(x):
    import struct
    return struct.unpack("<I", struct.pack("<f", x))[0]


def model_iir_f32(n):
    import math
    f = _f32
    c = [f(x) for x in (0.2929, 0.5858, 0.2929, -0.0, 0.1716)]
    d = [f(x) for x in (0.0976, 0.1953, 0.0976, -0.9428, 0.3333)]
    z = [0.0, 0.0, 0.0, 0.0]

    def step(q, zi, x):
        y = f(f(q[0] * x) + z[zi])
        z[zi] = f(f(f(q[1] * x) - f(q[3] * y)) + z[zi + 1])
        z[zi + 1] = f(f(q[2] * x) - f(q[4] * y))
        return y
    seed, h, rms, peak = 5, 0, 0.0, 0.0
    k01, k025, k99, k999 = f(0.01), f(0.25), f(0.99), f(0.999)
    out = [0.0] * 1024
    for blk in range(n):
        inp = []
        for i in range(1024):
            tri = (i & 127) if (i & 255) < 128 else 127 - (i & 127)
            seed = lcg(seed)
            inp.append(f(f(f(float(seed >> 22)) * k01) + f(float(tri) * k025)))
        for i in range(1024):
            out[i] = step(d, 2, step(c, 0, inp[i]))
        for y in out:
            rms = f(f(rms * k99) + f(f(y * y) * k01))
            peak = y if y > peak else f(peak * k999)
        h = mix(h, _fbits(f(math.sqrt(rms))))
        h = mix(h, _fbits(peak))
        h = mix(h, _fbits(out[blk & 1023]))
    return h


def _dfold(x):
    import struct
    u = struct.unpack("<Q", struct.pack("<d", x))[0]
    return (u ^ (u >> 32)) & M32


def model_nbody_f64(n):
    import math
    p0 = [(0, 0, 0), (4.84, -1.16, -0.10), (8.34, 4.12, -0.40), (12.89, -15.11, -0.22),
          (15.37, -25.91, 0.17)]
    v0 = [(0, 0, 0), (0.606, 2.81, -0.025), (-1.01, 1.82, 0.008), (1.08, 0.868, -0.010),
          (0.979, 0.594, -0.034)]
    m = [39.47, 0.0377, 0.0113, 0.00172, 0.00203]
    p = [[float(c) for c in b] for b in p0]
    v = [[float(c) for c in b] for b in v0]
    nb = 5

    def energy():
        e = 0.0
        for i in range(nb):
            e += 0.5 * m[i] * (v[i][0] * v[i][0] + v[i][1] * v[i][1] + v[i][2] * v[i][2])
            for j in range(i + 1, nb):
                dx, dy, dz = (p[i][k] - p[j][k] for k in range(3))
                e -= m[i] * m[j] / math.sqrt(dx * dx + dy * dy + dz * dz)
        return e
    h = _dfold(energy())
    dt = 0.01
    for _ in range(n * 100):
        for i in range(nb):
            for j in range(i + 1, nb):
                dx, dy, dz = (p[i][k] - p[j][k] for k in range(3))
                d2 = dx * dx + dy * dy + dz * dz
                mag = dt / (d2 * math.sqrt(d2))
                for k, dk in enumerate((dx, dy, dz)):
                    v[i][k] -= dk * m[j] * mag
                for k, dk in enumerate((dx, dy, dz)):
                    v[j][k] += dk * m[i] * mag
        for i in range(nb):
            for k in range(3):
                p[i][k] += dt * v[i][k]
    h = mix(h, _dfold(energy()))
    for k in range(nb):
        h = mix(h, _dfold(p[k][0]) ^ _dfold(v[k][1]))
    return h


def model_calls(n):
    ops = [lambda a, b: (a + b) & M32, lambda a, b: a ^ ((b << 3) & M32),
           lambda a, b: (a - (b >> 1)) & M32, lambda a, b: (a * (b | 1)) & M32]

    def lo32(a):
        return (a ^ (a >> 40)) & M32

    def lane(h, a, r):
        c = max(-0x200000, min(0x200000, (r >> 8) - 0x400000))
        a = (a * 31 + (c & M32) + (r << 32)) & M64
        h = ops[r >> 30](h, lo32(a))
        return (h + c * 3 + (r & 0xFFFF) * -7) & M32, a
    seed, h, g, a, b = 3, 0, 1, 1, 2
    for _ in range(n * 1000):
        seed = lcg(seed)
        h, a = lane(h, a, seed)
        seed = lcg(seed)
        g, b = lane(g, b, seed)
    return mix(mix(h, g), lo32(a ^ b))


def model_blend(n):
    x, a, b = 12345, bytearray(4096), bytearray(4096)
    for i in range(4096):
        x = (x * 1103515245 + 12345) & M32
        a[i] = x >> 24
        b[i] = (x >> 16) & 0xFF
    out = bytes(4096)
    for r in range(n):
        k = (r + 40) & 0xFF
        out = bytes(min(255, ((p + q + 1) >> 1) + k) for p, q in zip(a, b))
    h = 2166136261
    for v in out:
        h = ((h ^ v) * 16777619) & M32
    return h


MODELS = {
    "fib": model_fib, "sieve": model_sieve, "crc32": model_crc32,
    "sha256": model_sha256, "quicksort": model_quicksort,
    "matmul_int": model_matmul_int, "matmul_f64": model_matmul_f64,
    "xxhash64": model_xxhash64, "mix64": model_mix64, "iir_f32": model_iir_f32,
    "nbody_f64": model_nbody_f64, "calls": model_calls,
    "simd_blend": model_blend, "scalar_blend": model_blend,
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

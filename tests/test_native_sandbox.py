"""Sandbox: generated native calls with out-of-range `*`/`~`/`$` arguments
(negative, past the end, wrapping 2**32, unterminated strings), to test
natives and to the built-in libc, all trap with "out of bounds memory
access" before the native runs, change nothing, and leave the instance
working."""
import os
import random
import sys

import pytest

from mp import check_mp
from test_native import REGISTER

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "wasm"))
import wasmfix  # noqa: E402

RUN = 40          # length of the unterminated run at the end of memory


def _cases():
    """(export, args); an arg is an int or ("E", k) meaning memsize + k."""
    rnd = random.Random(20240611)
    E = lambda k: ("E", k)  # noqa: E731
    cases = []
    # (*~): ranges that end past the memory, negative, wrapping 2**32
    for k in range(0, 17):
        cases.append(("w_buf", [E(-k), k + 1]))
        cases.append(("w_addr", [E(-k), k + 1 + rnd.randrange(100)]))
    for a in (-1, -16, -65536, -2 ** 31, 2 ** 31 - 1):
        cases.append(("w_buf", [a, 1]))
        cases.append(("w_addr", [a, 0]))
    for ln in (-1, -2 ** 31, 2 ** 31 - 1, E(1)):
        cases.append(("w_buf", [0, ln]))
        cases.append(("w_buf", [rnd.randrange(1, 1000), ln]))
    for k in (1, 16, 256, 4096):
        # addr + len wraps to a small number when computed mod 2**32
        cases.append(("w_buf", [-k, k + 16]))
        cases.append(("w_addr", [-k, k + 100]))
    # ($): unterminated run to the end, past the end, negative
    for k in range(1, RUN + 1, 3):
        cases.append(("w_str", [E(-k)]))
    for a in (E(0), E(5), -1, -100, 2 ** 31 - 1):
        cases.append(("w_str", [a]))
    # (*)
    for a in (E(0), E(1), E(1000), -1, -2 ** 31, 2 ** 31 - 1):
        cases.append(("w_ptr", [a]))
    # ($*~) with one bad part
    cases.append(("w_two", [E(-3), 200, 4]))
    cases.append(("w_two", [16, E(-2), 4]))
    cases.append(("w_two", [16, 200, -1]))
    # built-in libc
    for k in (1, 4, 10, 31):
        cases.append(("w_memcpy", [E(-k), 16, k + 1]))
        cases.append(("w_memcpy", [200, E(-k), k + 1]))
        cases.append(("w_memset", [E(-k), 0, k + 1]))
        cases.append(("w_memcmp", [E(-k), 16, k + 1]))
        cases.append(("w_memcmp", [16, E(-k), k + 1]))
        cases.append(("w_memchr", [E(-k), 0, k + 1]))
        cases.append(("w_strncpy", [E(-k), 16, k + 1]))
        cases.append(("w_snprintf", [E(-k), 64, 32, 48]))
    for k in range(1, 8):
        cases.append(("w_sprintf", [E(-k), 32, 48]))      # writes 8: "7-hello\0"
    for k in range(0, 16, 2):
        cases.append(("w_clock_gettime", [0, E(-k)]))     # writes 16
    for a in (-1, -1000, 2 ** 31):
        cases.append(("w_memcpy", [a, 16, 4]))
        cases.append(("w_memcpy", [200, a, 4]))
        cases.append(("w_memset", [a, 0, 4]))
    cases.append(("w_memcpy", [200, 16, -1]))
    cases.append(("w_memset", [200, 0, -1]))
    cases.append(("w_memcmp", [16, 32, -8]))
    for k in (1, 7, 20, RUN):
        cases.append(("w_strlen", [E(-k)]))
        cases.append(("w_strcpy", [200, E(-k)]))
        cases.append(("w_strcmp", [16, E(-k)]))
        cases.append(("w_strncmp", [E(-k), E(-k), 100]))
        cases.append(("w_strdup", [E(-k)]))
        cases.append(("w_atoi", [E(-k)]))
        cases.append(("w_strtol", [E(-k), 0, 10]))
        cases.append(("w_puts", [E(-k)]))
        cases.append(("w_printf", [E(-k), 48]))
    for k in (1, 2, 3):
        cases.append(("w_strcpy", [E(-k), 16]))             # "hello\0" is 6
        cases.append(("w_strtol", [16, E(-k), 10]))         # endptr is 4
    # printf reading its va_list past the end / a %s pointing at the run
    for k in (1, 2, 3, 5, 7):
        cases.append(("w_printf", [32, E(-k)]))             # "%d-%s"
    cases.append(("w_printf", [32, 300]))                   # 300: (7, run)
    cases.append(("w_printf", [64, 400]))                   # 400: (pad, f64 past end)
    cases.append(("w_printf", [32, -4]))
    # random ranges that overrun the end by 1..4096 bytes
    for _ in range(60):
        j = rnd.randrange(0, 5000)
        over = j + rnd.randrange(1, 4097)
        name = rnd.choice(["w_buf", "w_addr", "w_memcpy", "w_memset", "w_memchr",
                           "w_memcmp", "w_strncpy", "w_snprintf"])
        if name in ("w_buf", "w_addr"):
            args = [E(-j), over]
        elif name == "w_memcpy":
            args = rnd.choice([[E(-j), 16, over], [100, E(-j), over]])
        elif name in ("w_memset", "w_memchr"):
            args = [E(-j), 0, over]
        elif name == "w_memcmp":
            args = [E(-j), E(-j), over]
        elif name == "w_strncpy":
            args = [E(-j), 16, over]
        else:
            args = [E(-j), over, 32, 48]
        cases.append((name, args))
    return cases


def test_sandbox_bad_native_calls(tmp_path_factory):
    fx = wasmfix.Fixtures(tmp_path_factory.mktemp("wasm"))
    path = fx.get("native_calls.wasm")
    cases = _cases()
    assert len(cases) >= 200
    out = check_mp(REGISTER + r"""
import struct
from wamr_mpy import native
inst = load(%r)
native.module_free(inst, native.module_malloc(inst, 8))   # heap placed: size now final
m = inst.memory.data
n = len(m)
RUN = %d
m[n - RUN:n] = b"x" * RUN
struct.pack_into("<ii", m, 300, 7, n - RUN)
struct.pack_into("<i", m, 400, 0)
struct.pack_into("<I", m, 300 + 8, 0)
# the f64 for "%%f" at 408 would need 8 bytes: put the va_list so it ends past memory
struct.pack_into("<i", m, 400, 0)
before = bytes(m)
cases = %r
ok = bad = 0
for name, args in cases:
    a = [n + x[1] if isinstance(x, tuple) else x for x in args]
    if name == "w_printf" and args == [64, 400]:
        a = [64, n - 4]
    c0 = calls[0]
    r = trap(inst.call, name, *a)
    if r != "TRAP out of bounds memory access":
        print("NOTRAP", name, a, r)
        bad += 1
        m[:] = before
    elif calls[0] != c0:
        print("RAN", name, a)
        bad += 1
    elif m != before:
        print("WROTE", name, a)
        bad += 1
        m[:] = before
    elif inst.call("sum", 16, 5) != 532:
        print("BROKEN after", name, a)
        bad += 1
    else:
        ok += 1
print("ok", ok, "bad", bad)
# the same natives with good arguments still work afterwards
print("after", inst.call("w_buf", 16, 5), inst.call("w_str", 16), inst.call("w_strlen", 16),
      inst.call("w_memcpy", 200, 16, 6), bytes(m[200:205]), calls[0])
""" % (path, RUN, cases))
    lines = out.splitlines()
    assert lines[-2] == "ok %d bad 0" % len(cases), out
    assert lines[-1] == "after 532 5 5 200 b'hello' %d" % 2, out

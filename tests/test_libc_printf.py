"""The built-in libc's printf family and string functions.

Differential: tests/wasm/printf_cases.c and libc_cases.c are built twice,
freestanding (libc imported from "env", run by wamr_mpy on MicroPython) and
for wasm32-wasi (wasi-libc, run by wasmtime from PyPI); the outputs must be
the same bytes."""
import os
import random
import struct
import sys

import pytest

from mp import run_mp, check_mp

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "wasm"))
import wasmfix  # noqa: E402


@pytest.fixture(scope="module")
def fx(tmp_path_factory):
    return wasmfix.Fixtures(tmp_path_factory.mktemp("wasm"))


def _wamr(path):
    r = run_mp("from wamr_mpy.cli import main\nsys.exit(main([%r]))" % path)
    assert r.returncode == 0, r.stdout + r.stderr
    return r.stdout


@pytest.mark.parametrize("name", ["printf_cases", "libc_cases"])
def test_differential_vs_wasi_libc(fx, name):
    pytest.importorskip("wasmtime")
    ours = _wamr(fx.get(name + ".wasm"))
    ref, code = wasmfix.run_wasmtime(fx.get(name + "_wasi.wasm"))
    assert code == 0
    lines = ours.splitlines()
    if name == "printf_cases":
        # >= 30 numbered case lines, with %f/%e/%g among them
        assert len([ln for ln in lines if ln[:1].isdigit()]) >= 30
        assert b"3.1415926536e+00" in ours and b"1.23457e+06" in ours
    assert ours == ref, "\n".join(
        "ours %r\nref  %r" % (a, b) for a, b in zip(ours.splitlines(), ref.splitlines())
        if a != b)


# -- vformat directly against a memory bytearray ------------------------------

def _random_doubles(n):
    rnd = random.Random(7)
    vals = [0.0, -0.0, 0.5, 1.5, 2.5, 1e-5, 9.9999995, 1e300, 5e-324, 1 / 3.0,
            999999.5, 0.05, 1e21, 123456789.0]
    for _ in range(n):
        vals.append(rnd.uniform(-1e6, 1e6))
        vals.append(10 ** rnd.uniform(-30, 30))
        bits = rnd.getrandbits(64)
        v = struct.unpack("<d", struct.pack("<Q", bits))[0]
        if v == v and abs(v) != float("inf"):
            vals.append(v)
    return vals


FFMTS = ["%f", "%e", "%g", "%.0f", "%.0e", "%.0g", "%.3f", "%10.4e", "%-12.5g|",
         "%+08.2f", "% .3e", "%#.0f", "%#.0e", "%#g", "%#.3g", "%.17g", "%.20e", "%G",
         "%E", "%.1g", "%012.3e", "%.30f"]


def test_float_formats_match_cpython():
    """CPython's %-formatting of floats is exact (C semantics), so it is a
    reference for every case where it follows C (finite values)."""
    vals = _random_doubles(40)
    code = r"""
import struct
from wamr_mpy.libc_printf import vformat
mem = bytearray(64)
vals = %r
fmts = %r
for v in vals:
    struct.pack_into("<d", mem, 8, v)
    print("|".join(str(vformat(mem, f.encode(), 8), "ascii") for f in fmts))
""" % ([struct.unpack("<Q", struct.pack("<d", v))[0] for v in vals], FFMTS)
    code = code.replace('struct.pack_into("<d", mem, 8, v)', 'struct.pack_into("<Q", mem, 8, v)')
    out = check_mp(code).splitlines()
    assert len(out) == len(vals)
    for v, line in zip(vals, out):
        assert line == "|".join(f % v for f in FFMTS), v


def test_int_char_string_and_pointer_formats():
    out = check_mp(r"""
import struct
from wamr_mpy.libc_printf import vformat
mem = bytearray(256)
mem[200:206] = b"hello\0"
def f(fmt, *words):
    struct.pack_into("<%dI" % len(words), mem, 16, *[w & 0xFFFFFFFF for w in words])
    b = vformat(mem, fmt.encode(), 16)
    return str(b, "ascii") if max(b) < 128 else repr(b)
print(f("[%p] [%p]", 0x101ac, 0))
print(f("[%#x] [%#o] [%#08x] [%x]", 0, 0, 255, -1))
print(f("[%s] [%.2s] [%7.3s] [%-7s|] [%s]", 200, 200, 200, 200, 0))
print(f("[%5c] [%-3c|] [%c]", 65, 66, 0x1FF))
print(f("[%n] [%d]", 100, 5))
print(f("[%lld] [%llu] [%d]", 0, 0x80000000, 0xFFFFFFFF, 0xFFFFFFFF, 9))
print(f("[%hhd] [%hd] [%hhx]", 0x1FF, 0x18000, 0x1234))
print(f("[%y] [%"))
print(f("[%*.*f]", 9, 2, 0, 0x40091EB8))
print(f("[%Lf] [%La]", 0, 0, 0, 0x3FFF8000, 0, 0, 0, 0x3FFF8000))
""")
    lines = out.splitlines()
    assert lines[0] == "[0x000101ac] [0x00000000]"        # WAMR's %p
    assert lines[1] == "[0] [0] [0x0000ff] [ffffffff]"
    assert lines[2] == "[hello] [he] [    hel] [hello  |] [(null)]"
    assert lines[3] == "b'[    A] [B  |] [\\xff]'"
    assert lines[4] == "[] [5]"                          # %n writes nothing
    assert lines[5] == "[-9223372036854775808] [18446744073709551615] [9]"
    assert lines[6] == "[-1] [-32768] [34]"
    assert lines[7] == "[%y] [%"
    assert lines[8] == "[     3.14]"
    assert lines[9] == "[1.500000] [0x1.8p+0]"


def test_bounds_of_format_and_args():
    out = check_mp(r"""
from wamr_mpy.libc_printf import vformat, c_string
from wamr_mpy.errors import Trap
mem = bytearray(32)
mem[0:6] = b"%d %s\0"
mem[24:32] = b"abcdefgh"        # unterminated to the end
def t(fn, *a):
    try:
        return fn(*a)
    except Trap as e:
        return "TRAP " + e.message
print(t(vformat, mem, b"%d", 30))          # int past the end
print(t(vformat, mem, b"%f", 28))          # double past the end
print(t(vformat, mem, b"%s", 12))          # pointer -> run without NUL
import struct
struct.pack_into("<I", mem, 12, 24)
print(t(vformat, mem, b"%s", 12))
print(t(vformat, mem, b"%.4s", 12))        # precision: no NUL needed
print(t(vformat, mem, b"%.9s", 12))
print(t(c_string, mem, 24), t(c_string, mem, 0), t(c_string, mem, 40))
""")
    lines = out.splitlines()
    oob = "TRAP out of bounds memory access"
    assert lines[0] == oob and lines[1] == oob
    assert lines[3] == oob
    assert lines[4] == "b'abcd'"
    assert lines[5] == oob
    assert lines[6] == "%s b'%%d %%s' %s" % (oob, oob)

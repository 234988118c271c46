"""wamr_mpy.numeric (integer helpers) and wamr_mpy.hardfloat (the native-double
float module).

Expected values come from wasmtime (tests/numeric_ref.py builds the tables)
and from the spec's JSON files; tests/numeric_check.py checks a mode against
a table under MicroPython (the target) and under CPython."""
import os
import random
import sys

import pytest

import numeric_ref as R
from mp import ROOT, check_mp, run_mp
from numeric_ref import CHECKER, checked_count, run_checker

DOC = os.path.join(ROOT, "docs", "internals.md")
sys.path.insert(0, ROOT)


# ------------------------------------------------------- against wasmtime

@pytest.mark.slow
@pytest.mark.parametrize("interp", ["micropython", "cpython"])
def test_native_against_wasmtime(interp):
    pytest.importorskip("wasmtime")
    table = R.table("ref")
    ok, out = run_checker(interp, "native", table)
    assert ok, out
    assert checked_count(out) > 100000, out


@pytest.mark.parametrize("interp", ["micropython", "cpython"])
def test_native_spec_json(interp, spec_json):
    table = R.table("spec", spec_json)
    ok, out = run_checker(interp, "native", table)
    assert ok, out
    assert checked_count(out) > 5000, out


def test_reference_tables_cover_every_op():
    pytest.importorskip("wasmtime")
    names = set()
    codes = set()
    with open(R.table("ref")) as f:
        for line in f:
            p = line.split()
            if p[0] == "C":
                names.add(p[1])
                codes.add(p[-1][0])
    assert names == set(R.OPS)
    assert codes == set("=NAT")


def test_checker_reports_wrong_results(tmp_path):
    # the checker must fail on a wrong expectation, a missing trap and a
    # wrong NaN class
    t = tmp_path / "bad.txt"
    t.write_text("S f32_add f32 f32 -> f32\n"
                 "C f32_add 3f800000 3f800000 =40000001\n"
                 "C f32_add 7f800000 ff800000 A\n"
                 "S i32_div_s i32 i32 -> i32\n"
                 "C i32_div_s 1 1 Tinteger_divide_by_zero\n"
                 "C i32_div_s 1 0 =0\n")
    for mode in ("native", "soft"):
        r = run_mp(script=CHECKER, args=(mode, str(t), "10"))
        out = r.stdout.decode()
        assert r.returncode == 1, out
        assert "checked 4 failed 3" in out, out
        assert "expected =40000001 got 40000000" in out, out


# --------------------------------------------------------------- interface

def test_interface_complete_on_micropython():
    names = R.interface_names(DOC)
    assert len(names) >= 82
    ints = ["wrap32", "wrap64", "u32", "u64", "i32_div_s", "i64_div_u", "i32_rem_s",
            "i64_rem_u", "i32_clz", "i64_ctz", "i64_popcnt", "i32_rotl", "i64_rotr",
            "i32_shr_u", "i64_shl", "i32_mul", "extend8_s", "extend16_s",
            "i64_extend32_s", "i64_extend_i32_u", "i32_wrap_i64", "i32_lt_u"]
    out = check_mp(
        "from wamr_mpy import numeric as N, hardfloat as H, softfloat as S\n"
        "for n in %r:\n"
        "    if not hasattr(H, n): print('hardfloat lacks', n)\n"
        "    if not hasattr(S, n): print('softfloat lacks', n)\n"
        "for n in %r:\n"
        "    if not hasattr(N, n): print('numeric lacks', n)\n"
        "print('done')\n" % (names, ints))
    assert out.strip() == "done", out


def test_fmode_default_is_native():
    out = check_mp(
        "from wamr_mpy import fmode, numeric, hardfloat, config\n"
        "print(config.SOFT_FLOAT, fmode.SOFT_FLOAT, fmode.f32_add is hardfloat.f32_add,\n"
        "      fmode.i32_div_s is numeric.i32_div_s)\n")
    assert out.split() == ["0", "0", "True", "True"]


def test_fmode_forced_soft():
    names = R.interface_names(DOC)
    out = check_mp(
        "import wamr_mpy.config as c\n"
        "c.SOFT_FLOAT = 1\n"
        "from wamr_mpy import fmode, softfloat, numeric\n"
        "bad = [n for n in %r if getattr(fmode, n) is not getattr(softfloat, n)]\n"
        "print(fmode.SOFT_FLOAT, bad, fmode.i32_div_s is numeric.i32_div_s)\n" % (names,))
    assert out.split() == ["1", "[]", "True"]


# ------------------------------------------------------------ integer part

def test_int_helpers_cpython():
    from wamr_mpy import numeric as N
    from wamr_mpy.errors import Trap, DIV_ZERO, INT_OVERFLOW
    r = random.Random(7)
    vals = [0, 1, -1, 2**31 - 1, -2**31, 2**31, 2**32 - 1, 2**32, 2**63 - 1, -2**63,
            2**63, 2**64 - 1, 2**64, -2**64, 3 * 2**70 + 5]
    vals += [r.getrandbits(r.randrange(1, 90)) * r.choice((1, -1)) for _ in range(300)]
    for x in vals:
        w32 = x & 0xffffffff
        w32 = w32 - 2**32 if w32 >= 2**31 else w32
        w64 = x & 0xffffffffffffffff
        w64 = w64 - 2**64 if w64 >= 2**63 else w64
        assert N.wrap32(x) == w32 and N.wrap64(x) == w64
        assert N.u32(w32) == x & 0xffffffff and N.u64(w64) == x & 0xffffffffffffffff
    with pytest.raises(Trap) as e:
        N.i32_div_s(5, 0)
    assert e.value.kind == DIV_ZERO and e.value.message == "integer divide by zero"
    with pytest.raises(Trap) as e:
        N.i64_div_s(-2**63, -1)
    assert e.value.kind == INT_OVERFLOW and e.value.message == "integer overflow"
    assert N.i32_rem_s(-2**31, -1) == 0 and N.i64_rem_s(-2**63, -1) == 0


def test_trap_kinds_on_micropython():
    out = check_mp(
        "from wamr_mpy import fmode as N\n"
        "from wamr_mpy.errors import Trap\n"
        "for f, a in ((N.i32_div_u, (1, 0)), (N.i64_rem_s, (1, 0)),\n"
        "             (N.i32_div_s, (-2**31, -1)), (N.i32_trunc_f64_s, (float('nan'),)),\n"
        "             (N.i64_trunc_f32_u, (-1.0,))):\n"
        "    try:\n"
        "        f(*a)\n"
        "        print('no trap')\n"
        "    except Trap as e:\n"
        "        print(e.kind, e.message)\n")
    assert out.splitlines() == ["2 integer divide by zero", "2 integer divide by zero",
                                "3 integer overflow", "4 invalid conversion to integer",
                                "3 integer overflow"]


# ----------------------------------------------------- float bits and memory

def _patterns(t, n=300):
    r = random.Random(t)
    if t == "f32":
        sp = R._f32_specials()
        rnd = [r.getrandbits(32) for _ in range(n)]
        # every NaN shape: signalling/quiet, both signs, payload extremes
        rnd += [s | 0x7f800000 | m for s in (0, 0x80000000)
                for m in (1, 2, 0x3fffff, 0x400000, 0x400001, 0x7fffff, 0x200000, 0x155555)]
    else:
        sp = R._f64_specials()
        rnd = [r.getrandbits(64) for _ in range(n)]
        rnd += [s | 0x7ff0000000000000 | m for s in (0, 1 << 63)
                for m in (1, 0x7ffffffffffff, 0x8000000000000, 0xfffffffffffff, 0x4000000000000)]
    return sp + rnd


BITS_SCRIPT = """
import struct
import wamr_mpy.config as c
c.SOFT_FLOAT = %d
from wamr_mpy import fmode as M
bad = []
buf = bytearray(16)
for u in %r:
    x = M.%s_from_bits(u)
    if M.%s_to_bits(x) != u: bad.append(('bits', u))
    struct.pack_into('<%s', buf, 3, u)
    y = M.%s_load(buf, 3)
    M.%s_store(buf, 8, y)
    if struct.unpack_from('<%s', buf, 8)[0] != u: bad.append(('mem', u))
    s = u - (1 << %d) if u >> (%d - 1) else u
    if M.%s_to_bits(M.%s_reinterpret_i%s(s)) != u: bad.append(('reinterpret', u))
    if M.i%s_reinterpret_%s(x) != s: bad.append(('reinterpret back', u))
print(len(bad), bad[:5])
"""


@pytest.mark.parametrize("t", ["f32", "f64"])
@pytest.mark.parametrize("soft", [0, 1])
def test_bits_memory_roundtrip_exact(t, soft):
    """from_bits/to_bits, load/store and reinterpret keep every bit, NaN
    payloads and signalling NaNs included."""
    w = int(t[1:])
    fmt = "I" if w == 32 else "Q"
    code = BITS_SCRIPT % (soft, _patterns(t), t, t, fmt, t, t, fmt, w, w,
                          t, t, w, w, t)
    out = check_mp(code)
    assert out.strip() == "0 []", out


def test_native_from_py_to_py():
    out = check_mp(
        "from wamr_mpy import hardfloat as N\n"
        "import struct\n"
        "print(hex(N.f32_to_bits(N.f32_from_py(0.1))), hex(N.f64_to_bits(N.f64_from_py(0.1))))\n"
        "print(hex(N.f32_to_bits(N.f32_from_py(1e39))), hex(N.f32_to_bits(N.f32_from_py(3))))\n"
        "print(N.f32_to_py(N.f32_from_bits(0x3fc00000)), N.f64_to_py(N.f64_from_bits(0xc004000000000000)))\n")
    assert out.split() == ["0x3dcccccd", "0x3fb999999999999a", "0x7f800000", "0x40400000",
                           "1.5", "-2.5"]


def test_native_f32_values_stay_binary32():
    """Every f32 result of the native module must be a double that is exactly
    a binary32 value (the checker verifies this on every f32 result too);
    here: sums whose double result is not."""
    out = check_mp(
        "from wamr_mpy import hardfloat as N\n"
        "a = N.f32_from_bits(0x3f800000); b = N.f32_from_bits(0x33800001)\n"
        "print(hex(N.f32_to_bits(N.f32_add(a, b))), hex(N.f64_to_bits(N.f32_add(a, b))))\n")
    assert out.split() == ["0x3f800001", "0x3ff0000020000000"]

# Checks a float module against a table of expected results.  Runs under
# MicroPython (the target) and CPython:
#
#     micropython tests/numeric_check.py MODE TABLE [MAXFAIL]
#
# MODE: "native" or "soft" (sets wamr_mpy.config.SOFT_FLOAT before importing
# wamr_mpy.fmode, so it also exercises the mode switch), "softv" (soft, with
# the arithmetic on the viper routines: SOFT_FLOAT_VIPER), or "fast" (the fast
# tier's viper float operations, through tests/fast_float_view.py) or
# "fastloop" (the same, each one a wasm function run by the fast tier).  TABLE lines
# (hex numbers without 0x; written by tests/numeric_ref.py):
#
#     S name ptype... -> rtype     signature of an op
#     C name arg... expect         one case; expect is
#         =HEX   exact result bits (unsigned)
#         N      a NaN with the canonical payload (either sign)
#         A      an arithmetic NaN (quiet bit set, any payload)
#         Tmsg   a Trap whose message is msg (underscores for spaces)
#
# Prints "checked N failed F" and up to MAXFAIL failure lines; exit status 1
# on any failure.
import sys

mode = sys.argv[1]
table = sys.argv[2]
maxfail = int(sys.argv[3]) if len(sys.argv) > 3 else 20

import wamr_mpy.config as _cfg
_cfg.SOFT_FLOAT = 1 if mode in ("soft", "softv", "fast", "fastloop") else 0
_cfg.SOFT_FLOAT_VIPER = mode == "softv"
from wamr_mpy import fmode as M
from wamr_mpy.errors import Trap
if mode in ("fast", "fastloop"):
    import fast_float_view as M
    if mode == "fastloop":
        M.use_loop()

assert M.SOFT_FLOAT == _cfg.SOFT_FLOAT
SOFT = M.SOFT_FLOAT

_M32 = 0xffffffff
_M64 = 0xffffffffffffffff


def arg_i32(u):
    return ((u + 0x80000000) & _M32) - 0x80000000


def arg_i64(u):
    return ((u + 0x8000000000000000) & _M64) - 0x8000000000000000


def res_i32(r):
    if not isinstance(r, int) or not (-0x80000000 <= r < 0x80000000):
        raise ValueError("non-canonical i32 %r" % (r,))
    return r & _M32


def res_i64(r):
    if not isinstance(r, int) or not (-0x8000000000000000 <= r < 0x8000000000000000):
        raise ValueError("non-canonical i64 %r" % (r,))
    return r & _M64


def res_f32(r):
    if SOFT:
        res_i32(r)
    else:
        if not isinstance(r, float):
            raise ValueError("f32 not a float: %r" % (r,))
        # the double must be exactly the one f32_from_bits gives for its bits
        if M.f64_to_bits(M.f32_from_bits(M.f32_to_bits(r))) != M.f64_to_bits(r):
            raise ValueError("f32 not representable: %x" % M.f64_to_bits(r))
    return M.f32_to_bits(r)


def res_f64(r):
    if SOFT:
        res_i64(r)
    elif not isinstance(r, float):
        raise ValueError("f64 not a float: %r" % (r,))
    return M.f64_to_bits(r)


ARG = {"i32": arg_i32, "i64": arg_i64, "f32": M.f32_from_bits, "f64": M.f64_from_bits}
RES = {"i32": res_i32, "i64": res_i64, "f32": res_f32, "f64": res_f64}


def nan_ok(rt, bits, canonical):
    if rt == "f32":
        e, q, c = 0x7f800000, 0x400000, 0x7fc00000
        bits &= _M32
        m = 0x7fffffff
    else:
        e, q, c = 0x7ff0000000000000, 0x8000000000000, 0x7ff8000000000000
        m = 0x7fffffffffffffff
    if (bits & e) != e or not (bits & (e ^ m)):
        return False
    if canonical:
        return (bits & m) == c
    return bool(bits & q)


def lines(path):
    # MicroPython's line iteration reads a byte per syscall: read blocks,
    # small ones: after 280,000 calls (traps among them) the heap has no
    # 64 KB hole left at some heap sizes
    rest = ""
    with open(path) as f:
        while True:
            blk = f.read(4096)
            if not blk:
                break
            ls = (rest + blk).split("\n")
            rest = ls.pop()
            for ln in ls:
                yield ln
    yield rest


sigs = {}
checked = 0
failed = 0
for line in lines(table):
    p = line.split()
    if not p:
        continue
    if p[0] == "S":
        fn = getattr(M, p[1], None)
        if fn is None:
            print("MISSING", p[1])
            failed += 1
        sigs[p[1]] = (fn, [ARG[t] for t in p[2:-2]], p[-1], RES[p[-1]])
        continue
    name = p[1]
    fn, convs, rt, conv = sigs[name]
    if fn is None:
        continue
    args = [convs[i](int(p[2 + i], 16)) for i in range(len(convs))]
    exp = p[-1]
    checked += 1
    got = None
    err = None
    try:
        r = fn(*args)
        got = conv(r)
    except Trap as e:
        got = "T" + e.message.replace(" ", "_")
    except Exception as e:
        err = "%s: %s" % (type(e).__name__, e)
    ok = False
    if err is None:
        if exp[0] == "=":
            ok = got == int(exp[1:], 16)
        elif exp[0] == "T":
            ok = got == exp
        elif not isinstance(got, str):
            ok = nan_ok(rt, got, exp == "N")
    if not ok:
        failed += 1
        if failed <= maxfail:
            if err is None:
                err = got if isinstance(got, str) else "%x" % got
            print("FAIL", name, " ".join(p[2:-1]), "expected", exp, "got", err)

print("checked", checked, "failed", failed)
sys.exit(1 if failed else 0)

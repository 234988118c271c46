"""SIMD (v128, fixed-width and relaxed SIMD): the decoder against wat2wasm's
encoding of every instruction, v128 values through the embedding API and
the CLI, the same results on every tier, and a build without SIMD.  (The
lane semantics: the spec suite's simd_*.wast and relaxed_*.wast files,
tests/spec/test_spec.py::test_spec3_micropython.)"""
import os
import subprocess
import sys

import pytest

from mp import ROOT, MICROPYTHON, check_mp, need_tool, wat

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
from simd_names import NAMES  # noqa: E402
from wamr_mpy import simd_ops as S  # noqa: E402

_TN = {0x7F: "i32", 0x7E: "i64", 0x7D: "f32", 0x7C: "f64", 0x7B: "v128"}


def _all_ops_wat(subs):
    """One function per instruction, its operands from its params."""
    funcs = []
    for sub in subs:
        form, d = S.form(sub)
        pops, push = S.types(sub)
        imm = ""
        if form == S.CONST:
            imm = " i32x4 1 2 3 4"
        elif form == S.SHUFFLE:
            imm = " " + " ".join(str(31 - k) for k in range(16))
        elif form in (S.EXTRACT, S.REPLACE, S.LOAD_LANE, S.STORE_LANE):
            imm = " 1"
        params = " ".join(_TN[t] for t in pops)
        res = "(result %s)" % _TN[push] if push else ""
        gets = " ".join("local.get %d" % i for i in range(len(pops)))
        funcs.append("(func (param %s) %s %s %s%s)" % (params, res, gets, NAMES[sub], imm))
    return "(module (memory 1)\n%s)\n" % "\n".join(funcs)


# wabt 1.0.32 writes the relaxed dot products under older names
_WABT_LACKS = (0x112, 0x113)


def test_decoder_matches_wat2wasm(tmp_path):
    """Every SIMD instruction wat2wasm encodes decodes to the same
    sub-opcode, immediates and types here (the module validates, and the
    emitter sees the instructions in order)."""
    subs = [s for s in sorted(NAMES) if s not in _WABT_LACKS]
    path = wat(tmp_path, name="all", text=_all_ops_wat(subs))
    out = check_mp(r"""
from wamr_mpy.loader import load
from wamr_mpy.validator import walk_body, NullEmitter
m = load(open(%r, "rb").read())
seen = []
class E(NullEmitter):
    def op(self, op, imm, pops, push):
        if op >= 0xFD000:
            seen.append("%%x:%%s" %% (op - 0xFD000, str(imm).replace(" ", "") if not isinstance(imm, bytes) else imm.hex()))
for i in range(m.n_bodies):
    walk_body(m, i, E())
print(" ".join(seen))
""" % path)
    got = out.split()
    assert [int(x.split(":")[0], 16) for x in got] == subs
    byname = dict(zip(subs, [x.split(":", 1)[1] for x in got]))
    assert byname[0x0C] == "01000000020000000300000004000000"
    assert byname[0x0D] == bytes(31 - k for k in range(16)).hex()
    assert byname[0x15] == "1" and byname[0x22] == "1"
    assert byname[0x54] == "(0,1,0)"       # (offset, lane, memory)
    assert byname[0x00] == "(0,0,0)"


INVALID = [
    # (what, body, result, expected error)
    ("lane index", "(i32x4.extract_lane 4 (v128.const i64x2 0 0))", "i32",
     "invalid lane index"),
    ("shuffle lane", "(i8x16.shuffle 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 32 "
     "(v128.const i64x2 0 0) (v128.const i64x2 0 0))", "v128", "invalid lane index"),
    ("operand type", "(i32x4.add (v128.const i64x2 0 0) (i32.const 1))", "v128",
     "type mismatch"),
    ("alignment", "(v128.load align=32 (i32.const 0))", "v128",
     "alignment must not be larger than natural"),
]


@pytest.mark.parametrize("what,body,res,msg", INVALID, ids=[c[0] for c in INVALID])
def test_invalid(tmp_path, what, body, res, msg):
    tool = need_tool("wat2wasm")
    src = tmp_path / "bad.wat"
    src.write_text("(module (memory 1) (func (result %s) %s))" % (res, body))
    out = tmp_path / "bad.wasm"
    subprocess.run([tool, "--enable-all", "--no-check", str(src), "-o", str(out)],
                   check=True)
    r = check_mp(r"""
import wamr_mpy
try:
    wamr_mpy.load(open(%r, "rb").read())
    print("loaded")
except wamr_mpy.ValidationError as e:
    print("invalid:", e.message)
""" % str(out))
    assert r.strip() == "invalid: " + msg


def test_malformed_opcode():
    """An unknown SIMD opcode is malformed, named like the spec's."""
    body = b"\x00\xfd\x9a\x01\x0b"        # 0xfd 154 (a gap in the table)
    code = b"\x0a" + bytes([len(body) + 2, 1, len(body)]) + body
    mod = b"\0asm\x01\0\0\0\x01\x04\x01\x60\0\0\x03\x02\x01\0" + code
    out = check_mp(r"""
import wamr_mpy
try:
    wamr_mpy.load(%r)
except wamr_mpy.LoadError as e:
    print(e.message)
""" % mod)
    assert out.strip() == "illegal opcode fd 154"


KERNELS = r"""
(module
  (import "env" "host_swap" (func $host_swap (param v128) (result v128)))
  (memory (export "memory") 1)
  (global $gv (export "gv") (mut v128) (v128.const i32x4 1 2 3 4))
  (table 2 funcref)
  (elem (i32.const 0) $addv $subv)
  (type $vv (func (param v128 v128) (result v128)))
  (func $addv (type $vv) (i32x4.add (local.get 0) (local.get 1)))
  (func $subv (type $vv) (i32x4.sub (local.get 0) (local.get 1)))
  (func (export "indirect") (param i32 v128 v128) (result v128)
    (call_indirect (type $vv) (local.get 1) (local.get 2) (local.get 0)))
  ;; a 2.0 function calling one that uses v128 inside
  (func (export "dot") (param $a i32) (param $b i32) (param $n i32) (result i32)
    (call $dotv (local.get $a) (local.get $b) (local.get $n)))
  (func $dotv (param $a i32) (param $b i32) (param $n i32) (result i32) (local $acc v128)
    (block $done
      (loop $l
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $acc (i32x4.add (local.get $acc)
          (i32x4.mul (v128.load (local.get $a)) (v128.load (local.get $b)))))
        (local.set $a (i32.add (local.get $a) (i32.const 16)))
        (local.set $b (i32.add (local.get $b) (i32.const 16)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $l)))
    (i32.add (i32.add (i32x4.extract_lane 0 (local.get $acc)) (i32x4.extract_lane 1 (local.get $acc)))
             (i32.add (i32x4.extract_lane 2 (local.get $acc)) (i32x4.extract_lane 3 (local.get $acc)))))
  (func (export "bright") (param $p i32) (param $n i32) (param $k i32) (local $kv v128)
    (local.set $kv (i8x16.splat (local.get $k)))
    (loop $l
      (v128.store (local.get $p) (i8x16.add_sat_u (v128.load (local.get $p)) (local.get $kv)))
      (local.set $p (i32.add (local.get $p) (i32.const 16)))
      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1))))))
  (func (export "mix") (param v128 v128 f32) (result v128 i32)
    (f32x4.replace_lane 2 (f32x4.mul (local.get 0) (local.get 1)) (local.get 2))
    (i8x16.bitmask (i8x16.shuffle 15 14 13 12 11 10 9 8 7 6 5 4 3 2 1 0 (local.get 0) (local.get 1))))
  (func (export "getg") (result v128) (global.get $gv))
  (func (export "setg") (param v128) (global.set $gv (local.get 0)))
  (func (export "via_host") (param v128) (result v128) (call $host_swap (local.get 0)))
  (func (export "sel") (param v128 v128 i32) (result v128)
    (select (local.get 0) (local.get 1) (local.get 2)))
  (func (export "oob") (param i32) (result v128) (v128.load offset=16 (local.get 0)))
)
"""

RUN_KERNELS = r"""
import wamr_mpy, struct
tier = %r
path = %r
def host_swap(v):
    return (v >> 64) | ((v & ((1 << 64) - 1)) << 64)
imports = {"env": {"host_swap": wamr_mpy.HostFunc(host_swap, "v", "v")}}
mod = wamr_mpy.load(path if path.endswith(".mpy") else open(path, "rb").read())
inst = mod.instantiate(imports, tier=tier) if tier != "aot" else mod.instantiate(imports)
mem = inst.exports["memory"].data
for i in range(64):
    struct.pack_into("<i", mem, 4 * i, i - 20)
    struct.pack_into("<i", mem, 256 + 4 * i, 3 * i + 1)
out = []
out.append(inst.call("dot", 0, 256, 16))
v1 = (1 << 96) | (2 << 64) | (3 << 32) | 4
v2 = (10 << 96) | (20 << 64) | (30 << 32) | 40
out.append(hex(inst.call("indirect", 0, v1, v2)))
out.append(hex(inst.call_raw("indirect", [1, bytes(range(16)), v1])[0]))
for i in range(32):
    mem[512 + i] = 8 * i
inst.call("bright", 512, 2, 100)
out.append(bytes(mem[512:544]).hex())
one = 0x3f800000
two = 0x40000000
a = one | (two << 32) | (one << 64) | (two << 96)
r = inst.call("mix", a, a, 0.5)
out.append("%%x %%d" %% r)
out.append(hex(inst.call("getg")))
inst.call("setg", -1)
out.append(hex(inst.call("getg")))
out.append(hex(inst.exports["gv"].value))
out.append(hex(inst.call("via_host", v1)))
out.append(hex(inst.call("sel", v1, v2, 0)))
try:
    inst.call("oob", 65536 - 20)
except wamr_mpy.Trap as e:
    out.append(e.message)
print("\n".join(str(x) for x in out))
"""


def _expected():
    dot = sum((i - 20) * (3 * i + 1) for i in range(64))
    mask = 0xFFFFFFFF
    dot = ((dot + (1 << 31)) & mask) - (1 << 31)
    v1 = [4, 3, 2, 1]
    v2 = [40, 30, 20, 10]

    def vec(lanes):
        r = 0
        for i, x in enumerate(lanes):
            r |= (x & mask) << (32 * i)
        return r
    bright = bytes(min(255, 8 * i + 100) for i in range(32)).hex()
    # mix: lanes (1, 4, 1, 4) as f32, lane 2 replaced by 0.5; bitmask of
    # the reversed bytes of a: sign bits of 0x3f800000 / 0x40000000 bytes
    mixed = vec([0x3f800000, 0x40800000, 0x3f000000, 0x40800000])
    a = bytes.fromhex("0000803f" "00000040" "0000803f" "00000040")
    rev = a[::-1]
    bm = sum(1 << i for i in range(16) if rev[i] & 0x80)
    src = bytes(range(16))
    return [
        str(dot),
        hex(vec([44, 33, 22, 11])),
        hex(vec([(int.from_bytes(src[4 * i:4 * i + 4], "little") - v1[i]) for i in range(4)])),
        bright,
        "%x %d" % (mixed, bm),
        hex(vec([1, 2, 3, 4])),
        hex((1 << 128) - 1),
        hex((1 << 128) - 1),
        hex((vec(v1) >> 64) | ((vec(v1) & ((1 << 64) - 1)) << 64)),
        hex(vec(v2)),
        "out of bounds memory access",
    ]


@pytest.fixture(scope="module")
def kernels(tmp_path_factory):
    return wat(tmp_path_factory.mktemp("simd"), name="kernels", text=KERNELS)


@pytest.mark.parametrize("tier", ["interp", "fast", "jit", "aot"])
def test_kernels_every_tier(kernels, tier, tmp_path):
    """v128 through params, results, locals, globals, select, call_indirect,
    host imports and memory; a 2.0 function calling a SIMD one: the same
    results on every tier."""
    path = kernels
    if tier == "aot":
        r = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "wamrc"), "-q",
                            kernels, "-o", str(tmp_path / "kernels.mpy")],
                           capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        path = str(tmp_path / "kernels.mpy")
    out = check_mp(RUN_KERNELS % (tier, path))
    assert out.split("\n")[:-1] == _expected()


def test_v128_values_api(kernels):
    """call/call_raw take an int (mod 2**128) or 16 bytes and give an int;
    a HostFunc sees ints; Global values too; bad values are refused."""
    out = check_mp(r"""
import wamr_mpy
seen = []
def host_swap(v):
    seen.append(v)
    return bytes(range(16))
mod = wamr_mpy.load(open(%r, "rb").read())
inst = mod.instantiate({"env": {"host_swap": wamr_mpy.HostFunc(host_swap, "v", "v", raw=True)}})
print(hex(inst.call("via_host", -1)), hex(seen[0]))
print(inst.call_raw("sel", [bytes(16), 5, 1]))
g = wamr_mpy.Global("v", 7, mutable=True)
print(g.value, g.raw, g.type)
try:
    inst.call("sel", b"short", 0, 1)
except TypeError as e:
    print("TypeError", e)
""" % kernels)
    lines = out.split("\n")
    assert lines[0] == "%s %s" % (hex(int.from_bytes(bytes(range(16)), "little")),
                                  hex((1 << 128) - 1))
    assert lines[1] == "[0]"
    assert lines[2] == "7 7 v"
    assert lines[3].startswith("TypeError") and "16 bytes" in lines[3]


def test_cli_v128(tmp_path):
    """`-f` takes a v128 as iwasm does (two u64, low first, joined by a
    backslash) and prints it the same way."""
    path = wat(tmp_path, name="cli", text="(module (func (export \"sel\") (param v128 v128 i32) "
                    "(result v128 i32) (select (local.get 0) (local.get 1) (local.get 2)) "
                    "(local.get 2)))")
    r = subprocess.run([MICROPYTHON, "-m", "wamr_mpy", "-f", "sel", path,
                        "0x1\\0x2", "3\\4", "1"], capture_output=True, cwd=ROOT)
    assert r.stdout.decode() == "<0x0000000000000001 0x0000000000000002>:v128,0x1:i32\n", \
        r.stderr.decode()
    r = subprocess.run([MICROPYTHON, "-m", "wamr_mpy", "-f", "sel", path,
                        "0x1", "3\\4", "0"], capture_output=True, cwd=ROOT)
    assert r.returncode != 0 and b"invalid input argument 0" in r.stdout + r.stderr


def test_simd_off(kernels, tmp_path):
    """With WASM_SIMD off a v128 module is malformed, like in a build
    without SIMD; a 2.0 module never imports the SIMD modules."""
    out = check_mp(r"""
import sys, wamr_mpy
try:
    wamr_mpy.load(open(%r, "rb").read())
except wamr_mpy.LoadError as e:
    print(e.message)
""" % kernels, env={"WAMR_CONFIG": "WASM_SIMD=0"})
    assert out.strip() == "SIMD (v128) is not supported"
    plain = wat(tmp_path, name="plain", text="(module (func (export \"f\") (result i32) "
                     "(i32.const 1)))")
    out = check_mp(r"""
import sys, wamr_mpy
for tier in ("interp", "fast", "jit"):
    wamr_mpy.load(open(%r, "rb").read()).instantiate(tier=tier).call("f")
print(sorted(m for m in sys.modules if "simd" in m))
""" % plain)
    assert out.strip() == "[]"

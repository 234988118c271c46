"""Floats through the Python-value API keep their bits: -0.0 and NaN payloads
(signalling ones too) in Instance.call arguments and results, non-raw
HostFunc arguments and results, Global(...) and the Global.value setter, in
both float modes.  The spec suite runs this way too (`tools/spectest
--python-values`, tests/spec/test_spec.py)."""
import subprocess

import pytest

from mp import check_mp, need_tool

WAT = r"""
(module
  (import "h" "f32" (func $h32 (result f32)))
  (import "h" "f64" (func $h64 (result f64)))
  (import "h" "take" (func $take (param f32 f64)))
  (func (export "b32") (param f32) (result i32) (i32.reinterpret_f32 (local.get 0)))
  (func (export "b64") (param f64) (result i64) (i64.reinterpret_f64 (local.get 0)))
  (func (export "of32") (param i32) (result f32) (f32.reinterpret_i32 (local.get 0)))
  (func (export "of64") (param i64) (result f64) (f64.reinterpret_i64 (local.get 0)))
  (func (export "h32") (result i32) (i32.reinterpret_f32 (call $h32)))
  (func (export "h64") (result i64) (i64.reinterpret_f64 (call $h64)))
  (func (export "give") (param i32 i64)
    (call $take (f32.reinterpret_i32 (local.get 0)) (f64.reinterpret_i64 (local.get 1))))
)
"""

# f32 bits, f64 bits
CASES = [
    (0x80000000, 0x8000000000000000),   # -0.0
    (0x00000000, 0x0000000000000000),   # +0.0
    (0x7FC00000, 0x7FF8000000000000),   # canonical NaN
    (0xFFC00001, 0xFFF8000000000001),   # negative quiet NaN with payload
    (0x7F800001, 0x7FF0000000000001),   # signalling NaN
    (0xFFA00000, 0xFFF4000000000000),   # negative signalling NaN
    (0x80000001, 0x8000000000000001),   # negative subnormal
    (0xFF800000, 0xFFF0000000000000),   # -inf
]

RUN = r"""
import struct
import wamr_mpy
from wamr_mpy import HostFunc, Global

def f32(b):
    # the Python value of an f32 (docs/embedding.md): NaN s|0xff|m -> double s|0x7ff|m<<29
    if b & 0x7F800000 == 0x7F800000 and b & 0x7FFFFF:
        d = ((b & 0x80000000) << 32) | 0x7FF0000000000000 | ((b & 0x7FFFFF) << 29)
        return struct.unpack("<d", struct.pack("<Q", d))[0]
    return struct.unpack("<f", struct.pack("<I", b))[0]

def f64(b):
    return struct.unpack("<d", struct.pack("<Q", b))[0]

def bits64(x):
    return struct.unpack("<Q", struct.pack("<d", x))[0]

def bits32(x):
    if x != x:
        d = bits64(x)
        return ((d >> 32) & 0x80000000) | 0x7F800000 | ((d >> 29) & 0x7FFFFF)
    return struct.unpack("<I", struct.pack("<f", x))[0]

ret = [0.0, 0.0]
took = []
imports = {"h": {
    "f32": HostFunc(lambda: ret[0], "", "f"),
    "f64": HostFunc(lambda: ret[1], "", "F"),
    "take": HostFunc(lambda a, b: took.append((a, b)), "fF", ""),
}}
inst = wamr_mpy.load(open(%r, "rb").read()).instantiate(imports=imports, tier=%r)
bad = 0
for b32, b64 in %r:
    got = [
        ("call arg f32", inst.call("b32", f32(b32)) & 0xFFFFFFFF, b32),
        ("call arg f64", inst.call("b64", f64(b64)) & 0xFFFFFFFFFFFFFFFF, b64),
        ("call result f32", bits32(inst.call("of32", b32)), b32),
        ("call result f64", bits64(inst.call("of64", b64)), b64),
    ]
    ret[0] = f32(b32)
    ret[1] = f64(b64)
    got.append(("host result f32", inst.call("h32") & 0xFFFFFFFF, b32))
    got.append(("host result f64", inst.call("h64") & 0xFFFFFFFFFFFFFFFF, b64))
    inst.call("give", b32, b64)
    a, b = took.pop()
    got.append(("host arg f32", bits32(a), b32))
    got.append(("host arg f64", bits64(b), b64))
    got.append(("Global f32", Global("f", f32(b32)).raw, b32))
    got.append(("Global f64", Global("F", f64(b64)).raw, b64))
    g = Global("f", 1.0, True)
    h = Global("F", 1.0, True)
    g.value = f32(b32)
    h.value = f64(b64)
    got.append(("Global.value= f32", g.raw, b32))
    got.append(("Global.value= f64", h.raw, b64))
    got.append(("Global.value f32", bits32(Global("f", raw=b32).value), b32))
    got.append(("Global.value f64", bits64(Global("F", raw=b64).value), b64))
    for what, have, want in got:
        if have != want:
            print("BAD", what, hex(want), "->", hex(have))
            bad += 1
print("checked", len(got) * %d, "bad", bad)
"""


@pytest.fixture(scope="module")
def wasm(tmp_path_factory):
    wat2wasm = need_tool("wat2wasm")
    d = tmp_path_factory.mktemp("pyvals")
    (d / "m.wat").write_text(WAT)
    subprocess.run([wat2wasm, str(d / "m.wat"), "-o", str(d / "m.wasm")], check=True)
    return str(d / "m.wasm")


@pytest.mark.parametrize("tier,soft", [("interp", "0"), ("interp", "1"), ("fast", "0"),
                                       ("jit", "0")])
def test_float_bits_survive_python_values(wasm, tier, soft):
    out = check_mp(RUN % (wasm, tier, CASES, len(CASES)),
                   env={"WAMR_CONFIG": "SOFT_FLOAT=%s" % soft})
    assert out.splitlines()[-1] == "checked %d bad 0" % (14 * len(CASES)), out

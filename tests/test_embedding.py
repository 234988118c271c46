"""The embedding API (docs/embedding.md), run on the MicroPython unix port."""
import os
import subprocess

import pytest

from mp import check_mp, need_tool

WAT = r"""
(module
  (import "env" "twice" (func $twice (param i32) (result i32)))
  (import "env" "boom" (func $boom (param i32)))
  (import "env" "fsum" (func $fsum (param f64 f32) (result f64)))
  (memory (export "memory") 1 4)
  (global $g (export "g") (mut i32) (i32.const 7))
  (global (export "k") i64 (i64.const -5))
  (table (export "tab") 2 funcref)
  (elem (i32.const 0) $add $div)
  (data (i32.const 16) "hello")
  (func $add (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
  (func $div (export "div") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
  (func (export "add64") (param i64 i64) (result i64) (i64.add (local.get 0) (local.get 1)))
  (func (export "swap") (param i32 f32) (result f32 i32) (local.get 1) (local.get 0))
  (func (export "fdiv") (param f64 f64) (result f64) (f64.div (local.get 0) (local.get 1)))
  (func (export "f32id") (param f32) (result f32) (local.get 0))
  (func (export "call_twice") (param i32) (result i32) (call $twice (local.get 0)))
  (func (export "call_boom") (param i32) (call $boom (local.get 0)))
  (func (export "call_fsum") (result f64) (call $fsum (f64.const 1.5) (f32.const 0.25)))
  (func (export "load8") (param i32) (result i32) (i32.load8_u (local.get 0)))
  (func (export "getg") (result i32) (global.get $g))
  (func (export "incg") (global.set $g (i32.add (global.get $g) (i32.const 1))))
  (func (export "indirect") (param i32 i32 i32) (result i32)
    (call_indirect (param i32 i32) (result i32) (local.get 1) (local.get 2) (local.get 0)))
  (func $rec (export "rec") (param i32) (result i32) (call $rec (i32.add (local.get 0) (i32.const 1))))
  (func (export "spin") (loop $l (br $l)))
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "unreach") unreachable)
)
"""


@pytest.fixture(scope="module")
def wasm(tmp_path_factory):
    tool = need_tool("wat2wasm")
    d = tmp_path_factory.mktemp("emb")
    src = d / "t.wat"
    src.write_text(WAT)
    out = d / "t.wasm"
    subprocess.run([tool, str(src), "-o", str(out)], check=True)
    return str(out)


PRELUDE = r"""
import wamr_mpy
from wamr_mpy import HostFunc, Trap, LinkError
data = open(%r, "rb").read()
mod = wamr_mpy.load(data)
seen = []
def boom(x):
    raise ValueError("bad value %%d" %% x)
imports = {"env": {
    "twice": lambda x: 2 * x,                         # plain callable: declared type
    "boom": HostFunc(boom, "i", ""),
    "fsum": HostFunc(lambda a, b: a + b, "Ff", "F"),
}}
inst = mod.instantiate(imports)
"""


def run(wasm, body):
    return check_mp(PRELUDE % wasm + body)


def test_calls_values_and_results(wasm):
    out = run(wasm, r"""
print(inst.call("add", 2, 3), inst.call("add", 0x7fffffff, 1))
print(inst.call("add64", 2**63 - 1, 1), inst.call("add64", -1, -1))
print(inst.call("swap", 4, 1.5))
print(inst.call("fdiv", 1.0, 4.0), inst.call("f32id", 0.1) == 0.10000000149011612)
f = inst.lookup_function("add")
print(f.type.sig, f(40, 2), inst.call(f, 1, 1), inst.lookup_function("nope"))
print(inst.call_raw("add", [0xffffffff, 0]), inst.call_raw("f32id", [0x7fa00001]))
""")
    assert out.splitlines() == [
        "5 -2147483648",
        "-9223372036854775808 -2",
        "(1.5, 4)",
        "0.25 True",
        "(ii)i 42 2 None",
        "[4294967295] [2141192193]",
    ]


def test_memory_globals_tables(wasm):
    out = run(wasm, r"""
m = inst.memory
print(m.size, bytes(m.data[16:21]), inst.exports["memory"] is m)
m.data[100] = 42
print(inst.call("load8", 100))
print(inst.call("grow", 1), m.size, len(m.data), m.grow(1), m.grow(5))
g = inst.exports["g"]
print(g.value, inst.call("getg"))
g.value = 41
inst.call("incg")
print(g.value, inst.call("getg"), inst.exports["k"].value, inst.exports["k"].raw)
try:
    inst.exports["k"].value = 1
except AttributeError as e:
    print("immutable")
t = inst.exports["tab"]
print(t.size, t.get(0).type.sig, inst.call("indirect", 1, 7, 2))
t.set(0, t.get(1))
print(inst.call("indirect", 0, 9, 3))
""")
    assert out.splitlines() == [
        "1 b'hello' True",
        "42",
        "1 2 131072 2 -1",
        "7 7",
        "42 42 -5 18446744073709551611",
        "immutable",
        "2 (ii)i 3",
        "3",
    ]


def test_host_functions(wasm):
    out = run(wasm, r"""
print(inst.call("call_twice", 21), inst.call("call_fsum"))
try:
    inst.call("call_boom", 3)
except Trap as e:
    print("trap:", e.message)
print(inst.call("call_twice", 5))
""")
    assert out.splitlines() == ["42 1.75", "trap: boom: bad value 3", "10"]


def test_traps_leave_instance_usable(wasm):
    out = run(wasm, r"""
for name, args in (("div", (1, 0)), ("div", (-2**31, -1)), ("unreach", ()),
                   ("load8", (65536 * 2,)), ("indirect", (5, 1, 1)), ("rec", (0,))):
    try:
        inst.call(name, *args)
        print("no trap")
    except Trap as e:
        print(e.message, e.kind)
print(inst.call("div", 7, 2))
inst.set_fuel(10000)
try:
    inst.call("spin")
except Trap as e:
    print(e.message)
inst.set_fuel(None)
print(inst.call("add", 1, 2))
""")
    assert out.splitlines() == [
        "integer divide by zero 2",
        "integer overflow 3",
        "unreachable 1",
        "out of bounds memory access 5",
        "undefined element 5 9",
        "call stack exhausted 10",
        "3",
        "out of fuel",
        "3",
    ]


def test_link_errors(wasm):
    out = run(wasm, r"""
for imps in ({}, {"env": {"twice": HostFunc(lambda x: x, "I", "I"), "boom": 1, "fsum": 2}}):
    try:
        mod.instantiate(imps)
    except LinkError as e:
        print(e.message)
""")
    assert out.splitlines() == ["unknown import", "incompatible import type"]


def test_wamr_style_api(wasm):
    out = run(wasm, r"""
import gc
wamr_mpy.init()
env = wamr_mpy.create_exec_env(inst, 16384)
f = wamr_mpy.lookup_function(inst, "add64")
argv = [0xffffffff, 0, 1, 0]          # i64 0xffffffff + 1, low word first
print(wamr_mpy.call_wasm(inst, env, f, argv), argv[:2])
argv = [1, 0]
print(wamr_mpy.call_wasm(inst, env, wamr_mpy.lookup_function(inst, "div"), argv),
      wamr_mpy.get_exception(inst))
wamr_mpy.clear_exception(inst)
print(wamr_mpy.get_exception(inst))
wamr_mpy.destroy_exec_env(env)
# twice: the first round also imports what the runtime imports lazily
# (decoder, EXT handlers), which stays; the second measures the module alone
for _ in range(2):
    gc.collect()
    before = gc.mem_free()
    big = wamr_mpy.load(data)
    i2 = wamr_mpy.instantiate(big, 8192, 0, imports)
    i2.call("grow", 2)
    gc.collect()
    held = before - gc.mem_free()
    wamr_mpy.deinstantiate(i2)
    wamr_mpy.unload(big)
    i2 = big = None
    gc.collect()
    freed = gc.mem_free() - (before - held)
print(held > 3 * 65536, freed > held - 4096)
wamr_mpy.destroy()
""")
    assert out.splitlines() == ["True [0, 1]", "False integer divide by zero", "None", "True True"]


def test_validation_messages_say_what_is_wrong():
    """The validator's message gives the whole rule, not the spec file's
    abbreviation of it (a start function with a parameter: issue 11)."""
    from wasmbin import MAGIC, section, vec
    bad_start = (MAGIC + section(1, vec([b"\x60\x01\x7f\x00"])) + section(3, vec([b"\x00"])) +
                 section(8, b"\x00") + section(10, vec([b"\x02\x00\x0b"])))
    out = check_mp(r"""
import wamr_mpy
from wamr_mpy import ValidationError
try:
    wamr_mpy.load(%r)
    print("loaded")
except ValidationError as e:
    print(e.message)
""" % bad_start)
    assert out.strip() == "start function must not have parameters or results", out

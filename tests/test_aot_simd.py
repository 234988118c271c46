"""The AOT code generator's v128 (wamr_mpy/compiler_simd.py: four 32-bit
words per value, packed-lane arithmetic) against wasmtime, instruction by
instruction, on lane values at the edges (0, 1, 0x7f, 0x80, 0xff, ...) and
random ones: a .mpy from tools/wamrc for x64 on the unix port and for x86 on
ports/unix32 (when built), and every function compiled (none left to the
interpreter)."""
import os
import random
import subprocess
import sys

import pytest

from mp import ROOT, check_mp

BIN = ("v128.and v128.andnot v128.or v128.xor i8x16.add i8x16.add_sat_u i8x16.sub "
       "i8x16.sub_sat_u i8x16.avgr_u i16x8.add i16x8.add_sat_u i16x8.sub i16x8.sub_sat_u "
       "i16x8.avgr_u i16x8.mul i32x4.add i32x4.sub i32x4.mul i32x4.dot_i16x8_s").split()
for _s in ("i8x16", "i16x8", "i32x4"):
    BIN += ["%s.%s" % (_s, c) for c in
            "eq ne lt_s lt_u gt_s gt_u le_s le_u ge_s ge_u".split()]

LD_A = "(v128.load (i32.const 0))"
LD_B = "(v128.load (i32.const 16))"


def _funcs():
    f = {}
    for op in BIN:
        f[op] = "(v128.store (i32.const 64) (%s %s %s))" % (op, LD_A, LD_B)
    for x in ("i16x8.extend_low_i8x16_s", "i16x8.extend_high_i8x16_s",
              "i16x8.extend_low_i8x16_u", "i16x8.extend_high_i8x16_u",
              "i32x4.extend_low_i16x8_s", "i32x4.extend_high_i16x8_s",
              "i32x4.extend_low_i16x8_u", "i32x4.extend_high_i16x8_u"):
        f[x] = "(v128.store (i32.const 64) (%s %s))" % (x, LD_A)
    f["i8x16.shuffle"] = ("(v128.store (i32.const 64) (i8x16.shuffle "
                          "0 17 2 31 4 5 16 7 30 9 10 11 3 3 15 28 %s %s))" % (LD_A, LD_B))
    f["i8x16.shuffle on itself"] = (
        "(local $a v128) (local.set $a %s) (v128.store (i32.const 64) (i8x16.shuffle "
        "15 14 13 12 11 10 9 8 7 6 5 4 3 2 1 0 (local.get $a) (local.get $a)))" % LD_A)
    f["v128.not"] = "(v128.store (i32.const 64) (v128.not %s))" % LD_A
    f["v128.bitselect"] = ("(v128.store (i32.const 64) (v128.bitselect %s %s "
                           "(v128.load (i32.const 32))))" % (LD_A, LD_B))
    for s in ("i8x16", "i16x8", "i32x4"):
        f[s + ".splat"] = "(v128.store (i32.const 64) (%s.splat (i32.load (i32.const 0))))" % s
    for s, lanes, sfx in (("i8x16", (0, 5, 15), ("_s", "_u")), ("i16x8", (0, 3, 7), ("_s", "_u")),
                          ("i32x4", (0, 1, 2, 3), ("",))):
        for x in sfx:
            for ln in lanes:
                f["%s.extract_lane%s %d" % (s, x, ln)] = (
                    "(i32.store (i32.const 64) (%s.extract_lane%s %d %s))" % (s, x, ln, LD_A))
    f["i32x4.replace_lane 2"] = ("(v128.store (i32.const 64) (i32x4.replace_lane 2 %s "
                                 "(i32.load (i32.const 16))))" % LD_A)
    f["v128.any_true"] = "(i32.store (i32.const 64) (v128.any_true %s))" % LD_A
    f["i8x16.bitmask"] = "(i32.store (i32.const 64) (i8x16.bitmask %s))" % LD_A
    for op in ("shl", "shr_s", "shr_u"):
        f["i32x4." + op] = ("(v128.store (i32.const 64) (i32x4.%s %s (i32.load (i32.const 48))))"
                            % (op, LD_A))
    for op in ("v128.load offset=1", "v128.load8_splat offset=3", "v128.load16_splat offset=3",
               "v128.load32_splat offset=3", "v128.load32_zero offset=5",
               "v128.load64_zero offset=7"):
        f[op] = "(v128.store (i32.const 64) (%s (i32.const 0)))" % op
    # a v128 local living across a loop and a tee (stack values at joins)
    f["loop"] = ("(local $a v128) (local $i i32) (local.set $a %s) "
                 "(loop $l (local.set $a (i8x16.add_sat_u (local.tee $a (local.get $a)) %s)) "
                 "(br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) "
                 "(i32.const 3)))) (v128.store (i32.const 64) (i32x4.add (local.get $a) %s))"
                 % (LD_A, LD_B, LD_A))
    return f


def _wat(funcs):
    body = "".join('(func (export "f%d") %s)\n' % (i, funcs[k]) for i, k in enumerate(funcs))
    return '(module (memory (export "memory") 1)\n%s)' % body


def _inputs(n):
    rnd = random.Random(17)
    edge = (0, 1, 0x7F, 0x80, 0x81, 0xFE, 0xFF)
    out = []
    for i in range(n):
        if i < 6:
            b = bytes(rnd.choice(edge) for j in range(48))
        else:
            b = bytes(rnd.randrange(256) for j in range(48))
        out.append(b + bytes((rnd.randrange(40), 0, 0, 0)))
    return out


RUN = r"""
import wamr_mpy
inst = wamr_mpy.load(%(mpy)r).instantiate()
mem = inst.memory.data
for data in %(inputs)r:
    row = []
    for i in range(%(n)d):
        mem[0:52] = data
        inst.call("f%%d" %% i)
        row.append(bytes(mem[64:80]).hex())
    print(" ".join(row))
"""


@pytest.fixture(scope="module")
def case(tmp_path_factory):
    wasmtime = pytest.importorskip("wasmtime")
    funcs = _funcs()
    wasm = wasmtime.wat2wasm(_wat(funcs))
    d = tmp_path_factory.mktemp("simd")
    path = str(d / "ops.wasm")
    with open(path, "wb") as f:
        f.write(wasm)
    store = wasmtime.Store()
    inst = wasmtime.Instance(store, wasmtime.Module(store.engine, wasm), [])
    ex = inst.exports(store)
    mem = ex["memory"]
    inputs = _inputs(16)
    want = []
    for data in inputs:
        row = []
        for i in range(len(funcs)):
            mem.write(store, data, 0)
            mem.write(store, bytes(16), 64)
            ex["f%d" % i](store)
            row.append(bytes(mem.read(store, 64, 80)).hex())
        want.append(row)
    return funcs, path, inputs, want, d


def _check(case, arch, exe):
    funcs, path, inputs, want, d = case
    mpy = str(d / ("ops_%s.mpy" % arch))
    r = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "wamrc"), "-v",
                        "-march=" + arch, "-o", mpy, path], capture_output=True, text=True,
                       timeout=300)
    said = r.stdout + r.stderr
    assert r.returncode == 0, said
    # every function compiled: none left to the interpreter
    assert "interpreted" not in said and "%d functions compiled" % len(funcs) in said, said
    code = RUN % {"mpy": mpy, "inputs": [bytes(b) for b in inputs], "n": len(funcs)}
    # compare the bytes each function writes (an i32 result: the first 4)
    out = check_mp(code, **exe).split("\n")
    names = list(funcs)
    bad = []
    for row, (got, exp) in enumerate(zip(out, want)):
        got = got.split()
        for i, name in enumerate(names):
            w = 8 if "(i32.store" in funcs[name] else 32
            if got[i][:w] != exp[i][:w]:
                bad.append((name, inputs[row][:16].hex(), inputs[row][16:32].hex(),
                            got[i][:w], exp[i][:w]))
    assert not bad, bad[:10]
    assert len(out) >= len(inputs)


def test_simd_ops_on_the_unix_port(case):
    _check(case, "x64", {})


def test_simd_ops_on_unix32(case):
    exe = os.environ.get("WAMR_MICROPYTHON32") or \
        os.path.join(ROOT, "build", "unix32-single", "micropython")
    if not os.path.exists(exe):
        pytest.skip("ports/unix32 not built (ports/unix32/build.sh; tests/test_unix32.py "
                    "builds it)")
    import mp
    old = mp.MICROPYTHON
    mp.MICROPYTHON = exe
    try:
        _check(case, "x86", {"heapsize": "16M"})
    finally:
        mp.MICROPYTHON = old


def test_an_instruction_not_compiled_leaves_its_function_to_the_interpreter(tmp_path):
    """f32x4.add is not compiled: its function runs on the interpreter (wamrc
    says which and why), the module's other SIMD function is compiled, and
    both give wasmtime's results."""
    wasmtime = pytest.importorskip("wasmtime")
    wat = ('(module (memory (export "memory") 1)'
           ' (func (export "f0") (v128.store (i32.const 64) (f32x4.add %s %s)))'
           ' (func (export "f1") (v128.store (i32.const 64) (i8x16.add %s %s))))'
           % (LD_A, LD_B, LD_A, LD_B))
    path = str(tmp_path / "m.wasm")
    with open(path, "wb") as f:
        f.write(wasmtime.wat2wasm(wat))
    mpy = str(tmp_path / "m.mpy")
    r = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "wamrc"), "-v", "-o", mpy,
                        path], capture_output=True, text=True, timeout=300)
    said = r.stdout + r.stderr
    assert r.returncode == 0, said
    assert "1 function compiled" in said and \
        "function 0 interpreted: v128: SIMD instruction 0xfd 228 is not compiled" in said, said
    data = bytes(range(0, 96, 2)) + bytes(4)
    store = wasmtime.Store()
    inst = wasmtime.Instance(store, wasmtime.Module.from_file(store.engine, path), [])
    ex = inst.exports(store)
    want = []
    for i in range(2):
        ex["memory"].write(store, data, 0)
        ex["f%d" % i](store)
        want.append(bytes(ex["memory"].read(store, 64, 80)).hex())
    out = check_mp(RUN % {"mpy": mpy, "inputs": [data], "n": 2})
    assert out.split() == want

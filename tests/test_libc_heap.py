"""The app heap behind libc malloc/free (wamr_mpy/heap.py)."""
import os
import sys

import pytest

from mp import check_mp
from test_native import REGISTER

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "wasm"))
import wasmfix  # noqa: E402


@pytest.fixture(scope="module")
def fx(tmp_path_factory):
    return wasmfix.Fixtures(tmp_path_factory.mktemp("wasm"))


def test_allocator_invariants():
    """Random malloc/free/realloc on a Heap; after every step the used blocks
    are disjoint, aligned, inside the region, and used + free == size."""
    out = check_mp(r"""
from wamr_mpy.heap import Heap
h = Heap(1003, 20000)
print("region", h.base, h.end)
seed = [1]
def rnd(n):
    seed[0] = (seed[0] * 1103515245 + 12345) & 0x7FFFFFFF
    return (seed[0] >> 8) % n
live = {}
bad = 0
for step in range(3000):
    op = rnd(10)
    if op < 5 or not live:
        n = rnd(700)
        a = h.malloc(n)
        if a:
            live[a] = n
    elif op < 8:
        a = list(live)[rnd(len(live))]
        h.release(a)
        del live[a]
    else:
        a = list(live)[rnd(len(live))]
        n = rnd(900)
        if h.try_grow(a, n):
            live[a] = n
    # invariants
    blocks = sorted((a, h.size_of(a)) for a in live)
    end = h.base
    for a, n in blocks:
        if a % 8 or a < end or a + n > h.end or n < live[a]:
            bad += 1
        end = a + n
    free_total = sum(h.free[i] for i in range(1, len(h.free), 2))
    if free_total + h.in_use != h.end - h.base:
        bad += 1
    fl = h.free
    for i in range(0, len(fl) - 2, 2):
        if fl[i] + fl[i + 1] >= fl[i + 2]:    # sorted and coalesced
            bad += 1
for a in list(live):
    h.release(a)
print("bad", bad, "free-list", h.free, "in_use", h.in_use)
print("checks", h.check_free(h.base), h.check_free(h.base + 4), h.check_free(7))
""")
    lines = out.splitlines()
    assert lines[0] == "region 1008 21000"
    assert lines[1] == "bad 0 free-list [1008, 19992] in_use 0"
    assert lines[2] == "checks double free double free invalid pointer"


def test_double_free_and_foreign_pointer_trap(fx):
    path = fx.get("heap_app.wasm")
    out = check_mp(r"""
import wamr_mpy
from wamr_mpy.errors import Trap
inst = wamr_mpy.load(open(%r, "rb").read()).instantiate()
def t(*a):
    try:
        return inst.call(*a)
    except Trap as e:
        return "TRAP " + e.message
hb = inst.exports["__heap_base"].value
p = t("alloc", 100)
q = t("alloc", 10)
print("placed", p >= hb, p %% 8, len(inst.memory.data) // 65536)
print("free", t("release", p))
print("double", t("release", p) == "TRAP free(): double free 0x%%x" %% p)
print("foreign", t("release", 16), t("release", q + 4) == "TRAP free(): invalid pointer 0x%%x" %% (q + 4))
print("null", t("release", 0))
print("still", t("stress", 2000), t("alloc", 1 << 20), t("alloc", 16) > 0)
""" % path)
    lines = out.splitlines()
    # the heap sits after __heap_base inside the existing two pages
    assert lines[0] == "placed True 0 2"
    assert lines[1] == "free None"
    assert lines[2] == "double True"
    assert lines[3] == "foreign TRAP free(): invalid pointer 0x10 True"
    assert lines[4] == "null None"
    assert lines[5] == "still 1 0 True"


def test_heap_size_zero_and_appended_heap(fx):
    path = fx.get("native_calls.wasm")     # no __heap_base export
    out = check_mp(REGISTER + r"""
mod = wamr_mpy.load(open(%r, "rb").read())
i0 = mod.instantiate(heap_size=0)
print("zero", i0.call("w_malloc", 1), len(i0.memory.data) // 65536)
i1 = mod.instantiate(heap_size=100000)
a = i1.call("w_malloc", 90000)
print("big", a >= 65536, len(i1.memory.data) // 65536, i1.call("w_malloc", 20000))
print("calloc-overflow", i1.call("w_calloc", 0x10000, 0x10001))
b = i1.call("w_calloc", 10, 10)
m = i1.memory.data
m[b:b + 100] = b"z" * 100
c = i1.call("w_realloc", b, 10)
print("shrink-in-place", c == b, bytes(m[c:c + 10]))
print("realloc-null", i1.call("w_realloc", 0, 8) > 0)
""" % path)
    lines = out.splitlines()
    assert lines[0] == "zero 0 1"
    assert lines[1] == "big True 3 0"
    assert lines[2] == "calloc-overflow 0"
    assert lines[3] == "shrink-in-place True b'zzzzzzzzzz'"
    assert lines[4] == "realloc-null True"


def test_module_malloc_uses_app_allocator(tmp_path):
    if not wasmfix.shutil.which("wat2wasm"):
        pytest.skip("wat2wasm missing")
    wat = tmp_path / "own.wat"
    # a bump allocator exported as malloc/free: module_malloc must use it
    wat.write_text("""
(module
  (memory (export "memory") 1)
  (global $top (mut i32) (i32.const 4096))
  (global $frees (export "frees") (mut i32) (i32.const 0))
  (func (export "malloc") (param i32) (result i32)
    (global.get $top)
    (global.set $top (i32.add (global.get $top) (local.get 0))))
  (func (export "free") (param i32)
    (global.set $frees (i32.add (global.get $frees) (i32.const 1)))))
""")
    wasm = tmp_path / "own.wasm"
    wasmfix._run(["wat2wasm", str(wat), "-o", str(wasm)])
    out = check_mp(r"""
import wamr_mpy
from wamr_mpy import native
inst = wamr_mpy.load(open(%r, "rb").read()).instantiate()
a = native.module_malloc(inst, 10)
b = native.module_dup_data(inst, b"abc")
native.module_free(inst, a)
print(a, b, bytes(inst.memory.data[b:b + 3]), inst.exports["frees"].value,
      len(inst.memory.data) // 65536)
""" % str(wasm))
    assert out.strip() == "4096 4106 b'abc' 1 1"

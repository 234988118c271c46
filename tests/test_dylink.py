"""emcc/clang side modules (wamr_mpy/dylink.py)."""
import os
import sys

import pytest

from mp import check_mp

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "wasm"))
import wasmfix  # noqa: E402


@pytest.fixture(scope="module")
def fx(tmp_path_factory):
    return wasmfix.Fixtures(tmp_path_factory.mktemp("wasm"))


def test_parse_dylink_sections():
    out = check_mp(r"""
from wamr_mpy import dylink
from wamr_mpy.errors import LoadError
# dylink.0: MEM_INFO(mem 300, align 2^4, table 7, align 0), NEEDED ["libc.so"],
# and an unknown subsection 9 that is skipped
v0 = bytes([1, 5, 0xAC, 0x02, 4, 7, 0]) + bytes([2, 9, 1, 7]) + b"libc.so" + \
    bytes([9, 2, 0xAA, 0xBB])
d = dylink.parse([("name", b""), ("dylink.0", v0)])
print(d.mem_size, d.mem_align, d.table_size, d.table_align, d.needed)
old = bytes([0x80, 0x01, 3, 2, 0, 0])
d = dylink.parse([("dylink", old)])
print(d.mem_size, d.mem_align, d.table_size, d.table_align, d.needed)
print(dylink.parse([("producers", b"x")]))
try:
    dylink.parse([("dylink.0", bytes([1, 10, 1]))])
except LoadError as e:
    print("LoadError", e.message)
""")
    lines = out.splitlines()
    assert lines[0] == "300 4 7 0 ['libc.so']"
    assert lines[1] == "128 3 2 0 []"
    assert lines[2] == "None"
    assert lines[3].startswith("LoadError dylink: subsection 1 runs past the end")


def test_side_module_through_api(fx):
    path = fx.get("side_demo.wasm")
    out = check_mp(r"""
import wamr_mpy
from wamr_mpy import dylink, native
chunks = []
native.set_stdout(chunks.append)
mod = wamr_mpy.load(open(%r, "rb").read())
print("side", dylink.is_side_module(mod))
inst = dylink.instantiate(mod, heap_size=4096, aux_stack=8192)
argv = native.module_malloc(inst, 8)
s = native.module_dup_data(inst, b"api\0")
inst.memory.data[argv:argv + 8] = s.to_bytes(4, "little") + bytes(4)
r = inst.call("main", 1, argv)
native.set_stdout(None)
print("main", r)
print("bases", inst.memory_base, inst.table_base)
counter = inst.memory_base + inst.exports["counter"].value
print("counter", int.from_bytes(inst.memory.data[counter:counter + 4], "little"))
print("heap", inst.heap.base >= inst.memory_base + 8192, inst.heap.end - inst.heap.base)
print(b"".join(chunks).decode())
""" % path)
    lines = out.splitlines()
    assert lines[0] == "side True"
    assert lines[1] == "main 0"
    assert lines[2] == "bases 1024 1"
    assert lines[3] == "counter 6"                 # 5 + argc, through GOT/relocations
    assert lines[4] == "heap True 4096"
    assert lines[5] == "side_demo: argc=1 arg1=- counter=6 *ptr=30"
    assert lines[6] == "side_demo: ops 42 25 g(9)=81 apply=16 len=7 heap ok"
    assert lines[7] == "side_demo: float 0.667"
    assert lines[8] == "side_demo: done"           # puts through a GOT.func table slot


def test_plain_module_is_not_a_side_module(fx):
    out = check_mp(r"""
import wamr_mpy
from wamr_mpy import dylink
mod = wamr_mpy.load(open(%r, "rb").read())
print(dylink.is_side_module(mod))
try:
    dylink.instantiate(mod)
except wamr_mpy.LinkError as e:
    print("LinkError", e.message)
""" % fx.get("cli_funcs.wasm"))
    assert out.splitlines() == ["False", "LinkError dylink: module has no dylink.0 section"]

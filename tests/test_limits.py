"""Sizes a compiler can produce but the spec tests never reach, on the
MicroPython unix port: a function with far more distinct constants than the
interpreter keeps in frame slots (interp_code.MAX_KSLOTS)."""
import struct

import pytest

from mp import check_mp, wat

N = 20000


def _consts_wat():
    i32 = [(i * 7919 - 40000000) for i in range(N)]
    i64 = [(i * 1000000007 - (1 << 62)) for i in range(N)]
    lines = ['(module', ' (func (export "s32") (result i32)', '  i32.const 0']
    lines += ['  i32.const %d i32.add' % v for v in i32]
    lines += [' )', ' (func (export "s64") (result i64)', '  i64.const 0']
    lines += ['  i64.const %d i64.add' % v for v in i64]
    # f32/f64 constants beyond the slots: summed as exact binary fractions
    lines += [' )', ' (func (export "sf") (result i64)', '  f64.const 0']
    lines += ['  f64.const %d.25 f64.add f32.const -%d.5 f64.promote_f32 f64.add' % (i, i)
              for i in range(N)]
    lines += ['  i64.reinterpret_f64', ' )', ')']
    w32 = (sum(i32) + 0x80000000) % (1 << 32) - 0x80000000
    w64 = (sum(i64) + (1 << 63)) % (1 << 64) - (1 << 63)
    f = struct.unpack("<q", struct.pack("<d", sum(0.25 - 0.5 for _ in range(N))))[0]
    return "\n".join(lines) + "\n", (w32, w64, f)


@pytest.mark.parametrize("tier", ["interp", "fast"])
def test_function_with_20000_distinct_constants(tmp_path, tier):
    text, expect = _consts_wat()
    wasm = wat(tmp_path, text, "k")
    out = check_mp(
        "import wamr_mpy\n"
        "i = wamr_mpy.load(open(%r, 'rb').read()).instantiate(tier=%r)\n"
        "print(i.call('s32'), i.call('s64'), i.call('sf'))\n" % (str(wasm), tier),
        heapsize="64M", timeout=600)
    assert out.split() == [str(v) for v in expect], out


REC_WAT = """(module
 (func $r (export "r") (param i32) (result i32)
  local.get 0
  i32.eqz
  if (result i32)
   i32.const 0
  else
   local.get 0 i32.const 1 i32.sub call $r i32.const 1 i32.add
  end))
"""


def test_wasm_stack_grows_with_depth_up_to_stack_size(tmp_path):
    """The portable interpreter's stack starts at 256 slots and grows as
    calls go deeper, up to STACK_SIZE // 8 slots (and a frame per 8 of
    them); past that a call traps
    "call stack exhausted" (not MemoryError), and the instance still runs.
    A small STACK_SIZE starts (and stays) below 256."""
    wasm = wat(tmp_path, REC_WAT, "r")
    out = check_mp("""
import wamr_mpy
m = wamr_mpy.load(open(%r, 'rb').read())
i = m.instantiate(stack_size=65536, tier="interp")
print(i.call("r", 1), len(i.env.s), len(i.env.fr))
print(i.call("r", 900), len(i.env.s) > 256, len(i.env.s) <= 8192)
try:
    i.call("r", 1000000)
    print("no trap")
except wamr_mpy.Trap as e:
    print("trap", e.message, len(i.env.s), len(i.env.fr))
print(i.call("r", 5))
j = m.instantiate(stack_size=1024, tier="interp")
print(j.call("r", 3), len(j.env.s))
try:
    j.call("r", 100)
except wamr_mpy.Trap as e:
    print("trap", e.message, len(j.env.s))
""" % str(wasm), heapsize="8M")
    lines = out.splitlines()
    assert lines[0] == "1 256 128", out
    assert lines[1] == "900 True True", out
    assert lines[2] == "trap call stack exhausted 8192 4096", out
    assert lines[3] == "5", out
    assert lines[4] == "3 128", out
    assert lines[5] == "trap call stack exhausted 128", out


def test_reserved_linear_memory_gives_way_to_loading_and_instantiating(tmp_path):
    """init() sets linear memory aside before the heap fragments; a module
    that does not load or instantiate beside it comes first (on the
    emulated ESP32-C3 the reservation left no room for an aot module, and
    the import of the instance code failed as a bare MemoryError)."""
    wasm = wat(tmp_path, "(module (memory 1)" + "".join(
        '(func (export "f%d") (param i32) (result i32) local.get 0 i32.const %d i32.add)'
        % (i, i) for i in range(60)) + ")")
    out = check_mp(
        "import gc, wamr_mpy\n"
        "from wamr_mpy import memory\n"
        "data = open(%r, 'rb').read()\n"
        "def squeeze():\n"
        "    # the largest block the heap has, set aside\n"
        "    gc.collect()\n"
        "    n = gc.mem_free()\n"
        "    while n > 0 and not memory._reserved:\n"
        "        n -= 2048\n"
        "        wamr_mpy.init(n)\n"
        "    return len(memory._reserved)\n"
        "for bad in (-1, 'x', 1.5):\n"
        "    try:\n"
        "        wamr_mpy.init(bad)\n"
        "        print('accepted', bad)\n"
        "    except ValueError as e:\n"
        "        assert 'wamr_mpy.init: reserve' in str(e), e\n"
        "r1 = squeeze()\n"
        "m = wamr_mpy.load(data)\n"
        "r2 = squeeze()\n"
        "inst = m.instantiate(tier='interp')\n"
        "print(r1, r2, len(memory._reserved), inst.call('f7', 5))\n" % str(wasm),
        heapsize="1M", env={"WAMR_CONFIG": "MEMORY_LIMIT=0"})
    # both reservations were made, and both gave way
    assert out.split() == ["1", "1", "0", "12"], out


def test_a_fresh_memory_after_many_instances_on_a_small_heap(tmp_path):
    """A long-running program (the app manager, a spec run on a board)
    makes and drops instances: each new one still gets its linear memory
    and can grow it on a 512 KiB heap (64-bit objects).  The interpreter's bounded record of
    decoded bodies once kept every dead instance (and its memory) alive,
    and memory.grow built a temporary of the whole growth."""
    wasm = wat(tmp_path, """(module (memory 1 4)
      (func $f (param i32) (result i32) local.get 0 i32.const 3 i32.mul)
      (func $g (param i32) (result i32) local.get 0 call $f i32.const 1 i32.add)
      (func (export "run") (param i32) (result i32)
        (i32.store (i32.const 65532) (call $g (local.get 0)))
        (drop (memory.grow (i32.const 1)))
        (i32.add (memory.size) (i32.load (i32.const 65532)))))""")
    out = check_mp(
        "import gc, wamr_mpy\n"
        "wamr_mpy.init()\n"
        "data = open(%r, 'rb').read()\n"
        "bad = []\n"
        "for i in range(40):\n"
        "    inst = wamr_mpy.load(data).instantiate()\n"
        "    r = inst.call('run', i)\n"
        "    if r != 2 + 3 * i + 1:\n"
        "        bad.append(r)\n"
        "    inst = None\n"
        "    if i == 0:\n"
        "        gc.collect()\n"
        "        base = gc.mem_alloc()\n"
        "gc.collect()\n"
        "print(len(bad), gc.mem_alloc() - base, bad[:3])\n" % str(wasm),
        heapsize="512K", env={"WAMR_CONFIG": "CODE_CACHE_WORDS=8192,DEFAULT_TIER=interp"})
    bad, grown = map(int, out.split()[:2])
    assert bad == 0, out
    # nothing of the dropped instances stays (each had a 128 KiB memory)
    assert grown < 16384, out

"""wamr_mpy.softfloat: the integer-only float module for ports whose float
is binary32.  Same tables as tests/test_numeric.py (wasmtime reference and
spec JSON), checked in soft mode under MicroPython and CPython, plus checks
that the module never computes with Python floats."""
import ast
import os
import sys

import pytest

import numeric_ref as R
from mp import ROOT, check_mp
from numeric_ref import checked_count, run_checker

SOFTS = [os.path.join(ROOT, "wamr_mpy", m + ".py")
         for m in ("softfloat", "softfloat_int", "softfloat_viper")]
sys.path.insert(0, ROOT)


@pytest.mark.slow
@pytest.mark.parametrize("interp", ["micropython", "cpython"])
def test_soft_against_wasmtime(interp):
    pytest.importorskip("wasmtime")
    ok, out = run_checker(interp, "soft", R.table("ref"))
    assert ok, out
    assert checked_count(out) > 100000, out


@pytest.mark.parametrize("interp", ["micropython", "cpython"])
def test_soft_spec_json(interp, spec_json):
    ok, out = run_checker(interp, "soft", R.table("spec", spec_json))
    assert ok, out
    assert checked_count(out) > 5000, out


def test_soft_viper_spec_json(spec_json):
    """softfloat_viper.py (SOFT_FLOAT_VIPER: the arithmetic on vfloat's
    viper routines, 64-bit words here; tests/test_unix32.py runs the 32-bit
    ones) gives the same bits as the spec."""
    ok, out = run_checker("micropython", "softv", R.table("spec", spec_json))
    assert ok, out
    assert checked_count(out) > 5000, out


@pytest.mark.full
def test_soft_viper_against_wasmtime():
    pytest.importorskip("wasmtime")
    ok, out = run_checker("micropython", "softv", R.table("ref"))
    assert ok, out
    assert checked_count(out) > 100000, out


def test_no_float_arithmetic_in_softfloat():
    """Outside the *_from_py/*_to_py boundary the module has no float
    literals, no true division, no float()/math calls."""
    boundary = {"f32_from_py", "f32_to_py", "f64_from_py", "f64_to_py"}
    bad = []

    def walk(node, fn):
        if isinstance(node, ast.FunctionDef):
            fn = node.name
        if fn not in boundary:
            if isinstance(node, ast.Constant) and isinstance(node.value, float):
                bad.append((fn, node.lineno, "float literal"))
            if isinstance(node, (ast.BinOp, ast.AugAssign)) and isinstance(node.op, ast.Div):
                bad.append((fn, node.lineno, "true division"))
            if isinstance(node, ast.Name) and node.id in ("float", "math"):
                bad.append((fn, node.lineno, node.id))
            if isinstance(node, ast.Import) and any(a.name == "math" for a in node.names):
                bad.append((fn, node.lineno, "import math"))
        for child in ast.iter_child_nodes(node):
            walk(child, fn)

    for path in SOFTS:
        walk(ast.parse(open(path).read()), None)
    # the import-time width probe is the one allowed float use
    bad = [b for b in bad if b[0] is not None]
    assert bad == []


def test_soft_from_py_to_py():
    out = check_mp(
        "from wamr_mpy import softfloat as S\n"
        "print(S._DOUBLE, hex(S.f32_to_bits(S.f32_from_py(0.1))),\n"
        "      hex(S.f64_to_bits(S.f64_from_py(0.1))), hex(S.f32_to_bits(S.f32_from_py(-1e39))))\n"
        "print(S.f32_to_py(S.f32_from_bits(0x3fc00000)), S.f64_to_py(S.f64_from_bits(0xc004000000000000)))\n"
        "print(S.f64_to_py(S.f64_div(S.f64_from_py(1.0), S.f64_from_py(3.0))) == 1.0 / 3.0)\n")
    assert out.split() == ["True", "0x3dcccccd", "0x3fb999999999999a", "0xff800000",
                           "1.5", "-2.5", "True"]


def test_soft_from_py_binary32_port_path():
    """On a port whose float is binary32 (_DOUBLE False) f64 values cross
    the API boundary as binary32: from_py widens exactly, to_py rounds to
    nearest binary32.  Simulated on the unix port by clearing _DOUBLE."""
    out = check_mp(
        "from wamr_mpy import softfloat as S\n"
        "S._DOUBLE = False\n"
        "x = S.f64_from_py(S.f32_to_py(S.f32_from_py(0.1)))\n"
        "print(hex(S.f64_to_bits(x)))\n"
        "third = S.f64_div(S.f64_from_bits(0x3ff0000000000000), S.f64_from_bits(0x4008000000000000))\n"
        "print(hex(S.f32_to_bits(S.f32_from_py(S.f64_to_py(third)))))\n"
        "print(hex(S.f64_to_bits(S.f64_from_py(float('inf')))))\n")
    # 0.1f widened exactly; 1/3 rounded to binary32 (0x3eaaaaab)
    assert out.split() == ["0x3fb99999a0000000", "0x3eaaaaab", "0x7ff0000000000000"]


def test_soft_small_heap():
    """Soft f64 work allocates bigints; it must run in a board-sized heap."""
    # leave ~12 KB of heap free after the imports (a ballast takes the rest)
    out = check_mp(
        "from wamr_mpy import softfloat as S\n"
        "import gc\n"
        "gc.collect()\n"
        # the list is made whole first: growing it while the heap fills
        # fragments the heap (a 512-byte block was not found with 15 KB
        # free), and smaller blocks fill what 512-byte ones cannot
        "ballast = [None] * 2048\n"
        "n = 0\n"
        "for size in (512, 64):\n"
        "    try:\n"
        "        while gc.mem_free() > 13 * 1024 and n < 2048:\n"
        "            ballast[n] = bytearray(size)\n"
        "            n += 1\n"
        "    except MemoryError:\n"
        "        pass\n"
        "gc.collect()\n"
        "print(gc.mem_free() // 1024)\n"
        "x = S.f64_from_bits(0x3ff0000000000001)\n"
        "s = 0\n"
        "for i in range(300):\n"
        "    s = S.f64_add(S.f64_mul(s, x), S.f64_sqrt(S.f64_convert_i32_s(i)))\n"
        "    t = S.f32_div(S.f32_convert_i32_s(i + 1), S.f32_from_bits(0x40490fdb))\n"
        "print(hex(S.f64_to_bits(s)), hex(S.f32_to_bits(t)))\n", heapsize="256K")
    # same computation with the native module (C doubles) as the reference
    ref = check_mp(
        "from wamr_mpy import hardfloat as N\n"
        "x = N.f64_from_bits(0x3ff0000000000001)\n"
        "s = 0.0\n"
        "for i in range(300):\n"
        "    s = N.f64_add(N.f64_mul(s, x), N.f64_sqrt(N.f64_convert_i32_s(i)))\n"
        "    t = N.f32_div(N.f32_convert_i32_s(i + 1), N.f32_from_bits(0x40490fdb))\n"
        "print(hex(N.f64_to_bits(s)), hex(N.f32_to_bits(t)))\n")
    free, out = out.split("\n", 1)
    assert int(free) <= 13
    assert out == ref


def frame_sizes(path):
    """{function: (N_STATE, N_EXC_STACK)} from the unix port's bytecode dump
    (`micropython -v -v FILE` prints it while compiling; running the module
    as a script then fails on its relative imports, which is fine)."""
    import subprocess
    from mp import MICROPYTHON
    r = subprocess.run([MICROPYTHON, "-v", "-v", path], capture_output=True, timeout=60)
    out = (r.stdout + r.stderr).decode("utf-8", "replace")
    sizes = {}
    name = None
    state = None
    for line in out.splitlines():
        if "code block '" in line:
            name = line.split("code block '")[1].split("'")[0]
        elif line.startswith("(N_STATE "):
            state = int(line.split()[1].rstrip(")"))
        elif line.startswith("(N_EXC_STACK ") and name:
            sizes[name] = (state, int(line.split()[1].rstrip(")")))
    return sizes


@pytest.mark.parametrize("module", ["numeric", "hardfloat", "softfloat", "softfloat_int",
                                    "softfloat_viper"])
def test_frames_fit_on_the_c_stack(module):
    """MicroPython allocates a call's frame (locals + value stack) on the
    heap when it needs more than 11 slots or has try blocks; with the bigint
    allocations of soft float that made calls 10x slower.  Every function
    of the numeric modules must stay within the limit."""
    sizes = frame_sizes(os.path.join(ROOT, "wamr_mpy", module + ".py"))
    if not sizes:
        pytest.skip("this micropython build prints no bytecode dump")
    assert "i32_div_s" in sizes or "f32_add" in sizes or "f32_abs" in sizes
    big = dict((n, s) for n, s in sizes.items()
               if n != "<module>" and (s[0] > 11 or s[1] > 0))
    assert big == {}

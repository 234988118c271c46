"""Native API export (wamr_mpy/native.py) on the MicroPython unix port:
signature strings, argument conversion and checks, traps, helpers."""
import os
import sys

import pytest

from mp import check_mp

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "wasm"))
import wasmfix  # noqa: E402


@pytest.fixture(scope="module")
def fx(tmp_path_factory):
    return wasmfix.Fixtures(tmp_path_factory.mktemp("wasm"))


# Natives for module "test" used by native_calls.wasm; `calls` counts the
# times a native body actually ran.
REGISTER = r"""
import wamr_mpy
from wamr_mpy import native, fmode
from wamr_mpy.errors import Trap
calls = [0]
seen = []

def t_buf(inst, view, n):
    calls[0] += 1
    seen.append(("buf", bytes(view), n))
    return sum(view)

def t_str(inst, s):
    calls[0] += 1
    seen.append(("str", s))
    return len(s)

def t_ptr(inst, view):
    calls[0] += 1
    seen.append(("ptr", len(view), view[0]))
    return view[0]

def t_two(inst, s, view, n):
    calls[0] += 1
    view[0:n] = bytes(n)
    return len(s) * 1000 + n

def t_mix(inst, a, b, c, d):
    calls[0] += 1
    seen.append(("mix", a, b, c, d))
    return a + b + c + d

def t_raise(inst):
    calls[0] += 1
    raise ValueError("native failed on purpose")

def t_addr(inst, addr, n):
    calls[0] += 1
    return addr + n

native.register_natives("test", [
    ("buf", t_buf, "(*~)i"),
    ("str", t_str, "($)i"),
    ("ptr", t_ptr, "(*)i"),
    ("two", t_two, "($*~)i"),
    ("mix", t_mix, "(iIfF)F"),
    ("raise", t_raise, "()i"),
    ("addr", t_addr, "(*~)i", True),
])

def load(path, **kw):
    return wamr_mpy.load(open(path, "rb").read()).instantiate(**kw)

def trap(fn, *args):
    try:
        r = fn(*args)
    except Trap as e:
        return "TRAP " + e.message
    return r
"""


def test_signature_parsing():
    out = check_mp(r"""
from wamr_mpy import native
good = ["()", "()i", "(i)", "(iIfF)F", "(*~)i", "($)i", "(*)", "(*~*~$i)I",
        "($$*)i", "(*~$*)i"]
for s in good:
    print("ok", s, native.parse_signature(s))
bad = ["", "i", "(", "(x)i", "(~)i", "(i~)i", "($~)i", "(*)ii", "(*)*", "(i)$",
       "(i", "ii)", None, 5]
for s in bad:
    try:
        native.parse_signature(s)
        print("accepted", s)
    except ValueError as e:
        print("rejected", repr(s))
# registration checks the whole table before registering anything
try:
    native.register_natives("m", [("a", lambda i: 0, "()i"), ("b", lambda i: 0, "(q)")])
    print("table accepted")
except ValueError as e:
    print("table rejected:", e)
print("a registered:", native.lookup("m", "a") is not None)
try:
    @native.export("(*~~)i")
    def f(inst, a, b):
        return 0
    print("decorator accepted")
except ValueError as e:
    print("decorator rejected")
try:
    native.register_natives("m", [("c", 42, "()i")])
except ValueError as e:
    print("not callable rejected")
@native.export("(ii)i", name="adder", module="calc")
def add(inst, a, b):
    return a + b
hf = native.lookup("calc", "adder")
print("sig", hf.type.sig, hf.name)
print("unknown", native.lookup("calc", "nothing"), native.lookup("nomod", "x"))
""")
    lines = out.splitlines()
    assert sum(1 for ln in lines if ln.startswith("ok ")) == 10
    assert "ok (*~)i ('*~', 'i')" in lines
    assert "ok (*) ('*', '')" in lines
    assert sum(1 for ln in lines if ln.startswith("rejected")) == 14
    assert not any(ln.startswith("accepted") for ln in lines)
    assert any(ln.startswith("table rejected: native: m.b:") for ln in lines)
    assert "a registered: False" in lines
    assert "decorator rejected" in lines
    assert "not callable rejected" in lines
    assert "sig (ii)i calc.adder" in lines
    assert "unknown None None" in lines


def test_native_calls_from_wasm(fx):
    path = fx.get("native_calls.wasm")
    out = check_mp(REGISTER + r"""
inst = load(%r)
m = inst.memory.data
print("buf", inst.call("w_buf", 16, 5), seen[-1])
print("buf0", inst.call("w_buf", 65536, 0), seen[-1])
print("str", inst.call("w_str", 16), seen[-1])
m[100:104] = b"a\xffb\x00"
print("str-bad-utf8", inst.call("w_str", 100), repr(seen[-1][1]))
print("ptr", inst.call("w_ptr", 17), seen[-1])
m[200:204] = b"wxyz"
print("two", inst.call("w_two", 16, 200, 3), bytes(m[200:204]))
print("mix", inst.call("w_mix", -5, 1 << 40, 1.5, 0.25), seen[-1])
n = calls[0]
print("raise", trap(inst.call, "w_raise"), calls[0] - n)
print("after-raise", inst.call("sum", 16, 5))
print("addr", inst.call("w_addr", 1000, 24))
print("calls", calls[0])
""" % path)
    lines = out.splitlines()
    assert lines[0] == "buf 532 ('buf', b'hello', 5)"
    assert lines[1] == "buf0 0 ('buf', b'', 0)"
    assert lines[2] == "str 5 ('str', 'hello')"
    assert lines[3] == "str-bad-utf8 3 'a\\ufffdb'"
    assert lines[4] == "ptr 101 ('ptr', 65519, 101)"
    assert lines[5] == "two 5003 b'\\x00\\x00\\x00z'"
    assert lines[6] == "mix 1099511627772.75 ('mix', -5, 1099511627776, 1.5, 0.25)"
    assert lines[7] == "raise TRAP native failed on purpose 1"
    assert lines[8] == "after-raise 532"
    assert lines[9] == "addr 1024"


def test_native_helpers(fx):
    path = fx.get("native_calls.wasm")
    out = check_mp(REGISTER + r"""
inst = load(%r)
n = len(inst.memory.data)
v = native.validate_app_addr
print("validate", v(inst, 0, n), v(inst, 1, n), v(inst, n, 0), v(inst, n - 4, 4),
      v(inst, n - 4, 5), v(inst, -1, 1), v(inst, 0xFFFFFFF0, 0x20), v(inst, 0, -1))
s = native.validate_app_str_addr
print("str", s(inst, 16), s(inst, 65530), s(inst, n), s(inst, -1))
view = native.addr_app_to_native(inst, 16)
print("to_native", bytes(view[:5]), len(view) == n - 16,
      native.addr_app_to_native(inst, n + 1))
print("to_app", native.addr_native_to_app(inst, view), native.addr_native_to_app(inst, view, 3),
      native.addr_native_to_app(inst, view[4:9]), native.addr_native_to_app(inst, memoryview(bytearray(8))))
a = native.module_malloc(inst, 100)
b = native.module_dup_data(inst, b"dup!\0")
print("malloc", a > 0, b > a, bytes(inst.memory.data[b:b + 5]))
print("sizes", len(inst.memory.data) // 65536)
native.module_free(inst, a)
native.module_free(inst, b)
print("refree", trap(native.module_free, inst, a))
print("huge", native.module_malloc(inst, 1 << 30))
""" % path)
    lines = out.splitlines()
    assert lines[0] == "validate True False True True False False False False"
    assert lines[1] == "str True False False False"
    assert lines[2] == "to_native b'hello' True None"
    assert lines[3] == "to_app 16 19 20 None"
    assert lines[4] == "malloc True True b'dup!\\x00'"
    # one 64 KiB page appended for the default 16 KiB heap (no __heap_base)
    assert lines[5] == "sizes 2"
    assert lines[6].startswith("refree TRAP free(): double free 0x")
    assert lines[7] == "huge 0"


def test_user_native_overrides_builtin_and_aliases(fx):
    path = fx.get("native_calls.wasm")
    out = check_mp(REGISTER + r"""
from wamr_mpy import native
print("alias", native.lookup("env", "iprintf") is native.lookup("env", "printf"),
      native.lookup("env", "_malloc") is native.lookup("env", "malloc"),
      native.lookup("env", "__strdup") is not None,
      native.lookup("env", "siprintf") is native.lookup("env", "sprintf"))
@native.export("($)i")
def strlen(inst, s):
    return 1000 + len(s)
inst = load(%r)
print("override", inst.call("w_strlen", 16))
native.unregister_natives("env", ["strlen"])
inst2 = load(%r)
print("restored", inst2.call("w_strlen", 16))
""" % (path, path))
    lines = out.splitlines()
    assert lines[0] == "alias True True True True"
    assert lines[1] == "override 1005"
    assert lines[2] == "restored 5"


def test_unknown_native_is_link_error(tmp_path):
    wat = tmp_path / "u.wat"
    wat.write_text('(module (import "env" "no_such_native" (func (param i32))))')
    wasm = tmp_path / "u.wasm"
    if not wasmfix.shutil.which("wat2wasm"):
        pytest.skip("wat2wasm missing")
    wasmfix._run(["wat2wasm", str(wat), "-o", str(wasm)])
    out = check_mp(r"""
import wamr_mpy
try:
    wamr_mpy.load(open(%r, "rb").read()).instantiate()
except wamr_mpy.LinkError as e:
    print("LinkError", e.message)
""" % str(wasm))
    assert out.strip() == "LinkError unknown import"


def test_wrong_type_for_builtin_is_link_error(tmp_path):
    if not wasmfix.shutil.which("wat2wasm"):
        pytest.skip("wat2wasm missing")
    wat = tmp_path / "w.wat"
    wat.write_text('(module (import "env" "strlen" (func (param i64) (result i32))))')
    wasm = tmp_path / "w.wasm"
    wasmfix._run(["wat2wasm", str(wat), "-o", str(wasm)])
    out = check_mp(r"""
import wamr_mpy
try:
    wamr_mpy.load(open(%r, "rb").read()).instantiate()
except wamr_mpy.LinkError as e:
    print("LinkError", e.message)
""" % str(wasm))
    assert out.strip() == "LinkError incompatible import type"


def test_builtin_libc_entries_are_made_for_imported_names_only():
    """libc registers a text table (name, signature, implementation):
    native.lookup makes an entry for the names an app imports, and string.h
    / ctype.h (libc_string) come into RAM only when one of theirs is
    imported.  A name is matched whole (abort is not abortStackOverflow),
    aliases name their implementation, and unknown names are not found."""
    out = check_mp(r"""
import sys
from wamr_mpy import native
p = native.lookup("env", "printf")
print(p.type.sig, "wamr_mpy.libc_string" in sys.modules, len(native._builtin["env"]))
print(native.lookup("env", "abort").type.sig, native.lookup("env", "abortStackOverflow").type.sig)
print(native.lookup("env", "vsnprintf").type.sig, native.lookup("env", "iprintf") is p)
print(native.lookup("env", "nosuch"), native.lookup("env", "strlenx"), native.lookup("env", "str"),
      native.lookup("env", "puts ($)i\nputchar"), native.lookup("env", ""))
s = native.lookup("env", "strlen")
print(s.type.sig, "wamr_mpy.libc_string" in sys.modules)
print(native.lookup("env", "isdigit").type.sig, native.lookup("env", "memmove").type.sig)
from wamr_mpy import libc_string
print(native._builtin["env"]["memmove"][0] is libc_string.memcpy)
""")
    assert out.splitlines() == [
        "(ii)i False 1",
        "() (i)",
        "(iiii)i True",
        "None None None None None",
        "(i)i True",
        "(i)i (iii)i",
        "True",
    ], out

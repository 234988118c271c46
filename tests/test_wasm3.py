"""WebAssembly 3.0 at the embedding API: a wasm exception crossing host
functions both ways (errors.WasmException, Instance.throw), an uncaught one
leaving a call, tail calls (in constant stack), on every tier (fast/jit/aot leave the functions
that use 3.0 features to the interpreter); a build with the 3.0 options off
refuses such a module.  (The instructions' semantics: the 3.0 spec suite,
tests/spec/test_spec.py::test_spec3_micropython.)

wabt 1.0.32 and binaryen 108 on this machine do not assemble try_table, so
the module is encoded here."""
import os
import subprocess
import sys

import pytest

from mp import ROOT, check_mp


def _u(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _vec(items):
    return _u(len(items)) + b"".join(items)


def _name(s):
    return _u(len(s)) + s.encode()


def _sec(i, payload):
    return bytes((i,)) + _u(len(payload)) + payload


def _body(code):
    b = b"\x00" + code + b"\x0b"      # no locals
    return _u(len(b)) + b


# (module
#   (type (func (param i32)))                          ;; 0
#   (type (func (param i32) (result i32)))             ;; 1
#   (import "env" "h" (func $h (type 0)))              ;; func 0
#   (tag $e (export "e") (type 0))
#   (func (export "f") (type 1)                        ;; 1: catches $e from $h
#     (block $c (result i32)
#       (try_table (catch $e $c) (call $h (local.get 0)))
#       (i32.const -1)))
#   (func (export "t") (type 0) (throw $e (local.get 0)))           ;; 2
#   (func (export "tc") (type 1) (return_call $g (local.get 0)))    ;; 3
#   (func $g (type 1) (i32.add (local.get 0) (i32.const 1)))       ;; 4
#   (func (export "plain") (type 1) (call $g (local.get 0)))       ;; 5: no 3.0
#   (func $count (export "count") (type 1)                          ;; 6
#     (if (result i32) (i32.eqz (local.get 0)) (then (i32.const 0))
#       (else (return_call $count (i32.sub (local.get 0) (i32.const 1))))))
#   (func $deep (export "deep") (type 1)                            ;; 7: the same by call
#     (if (result i32) (i32.eqz (local.get 0)) (then (i32.const 0))
#       (else (call $deep (i32.sub (local.get 0) (i32.const 1)))))))
MODULE = (
    b"\0asm\1\0\0\0"
    + _sec(1, _vec([b"\x60\x01\x7f\x00", b"\x60\x01\x7f\x01\x7f"]))
    + _sec(2, _vec([_name("env") + _name("h") + b"\x00\x00"]))
    + _sec(3, _vec([b"\x01", b"\x00", b"\x01", b"\x01", b"\x01", b"\x01", b"\x01"]))
    + _sec(13, _vec([b"\x00\x00"]))
    + _sec(7, _vec([_name("f") + b"\x00\x01", _name("t") + b"\x00\x02",
                    _name("tc") + b"\x00\x03", _name("plain") + b"\x00\x05",
                    _name("count") + b"\x00\x06", _name("deep") + b"\x00\x07",
                    _name("e") + b"\x04\x00"]))
    + _sec(10, _vec([
        _body(b"\x02\x7f" b"\x1f\x40\x01\x00\x00\x00" b"\x20\x00\x10\x00" b"\x0b"
              b"\x41\x7f" b"\x0b"),
        _body(b"\x20\x00\x08\x00"),
        _body(b"\x20\x00\x12\x04"),
        _body(b"\x20\x00\x41\x01\x6a"),
        _body(b"\x20\x00\x10\x04"),
        _body(b"\x20\x00\x45\x04\x7f\x41\x00\x05\x20\x00\x41\x01\x6b\x12\x06\x0b"),
        _body(b"\x20\x00\x45\x04\x7f\x41\x00\x05\x20\x00\x41\x01\x6b\x10\x07\x0b"),
    ]))
)

RUN = r"""
import wamr_mpy
tier = %r
path = %r
inst = None
mode = ["throw"]
def h(v):
    if mode[0] == "throw":
        # a host function throws into the wasm code that called it
        raise inst.throw("e", [v * 2])
    if mode[0] == "pass":
        # a wasm exception raised by wasm code the host calls passes through
        inst.call("t", v + 1)
    return None
imports = {"env": {"h": wamr_mpy.HostFunc(h, "i", "")}}
mod = wamr_mpy.load(path if path.endswith(".mpy") else open(path, "rb").read())
inst = mod.instantiate(imports, tier=tier) if tier != "aot" else mod.instantiate(imports)
print(inst.call("f", 21))
mode[0] = "pass"
print(inst.call("f", 6))
mode[0] = "none"
print(inst.call("f", 6))
try:
    inst.call("t", 5)
    print("no exception")
except wamr_mpy.WasmException as e:
    print("WasmException", e.values, e.tag is inst.exports["e"])
print(inst.call("tc", 41), inst.call("plain", 1))
# tail calls in constant stack: as deep by call exhausts the stack
print(inst.call("count", 30000))
try:
    inst.call("deep", 30000)
    print("no trap")
except wamr_mpy.Trap as e:
    print("Trap", e.message)
"""
EXPECTED = ["42", "7", "-1", "WasmException [5] True", "42 2", "0",
            "Trap call stack exhausted"]


@pytest.fixture(scope="module")
def eh_wasm(tmp_path_factory):
    p = tmp_path_factory.mktemp("wasm3") / "eh.wasm"
    p.write_bytes(MODULE)
    return str(p)


@pytest.mark.parametrize("tier", ["interp", "fast", "jit", "aot"])
def test_exceptions_across_host_functions_every_tier(eh_wasm, tier, tmp_path):
    path = eh_wasm
    if tier == "aot":
        r = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "wamrc"), "-q",
                            eh_wasm, "-o", str(tmp_path / "eh.mpy")],
                           capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        path = str(tmp_path / "eh.mpy")
    out = check_mp(RUN % (tier, path))
    assert out.split("\n")[:-1] == EXPECTED


def test_a_build_without_3_0_refuses_the_module(eh_wasm):
    """With the 3.0 options off (as on the small boards) the module is a
    clear load error, not a crash."""
    out = check_mp(r"""
import wamr_mpy
try:
    wamr_mpy.load(open(%r, "rb").read())
    print("loaded")
except wamr_mpy.WasmError as e:
    print(type(e).__name__, e)
""" % eh_wasm, env={"WAMR_CONFIG": "WASM_EXCEPTIONS=0,WASM_TAIL_CALL=0,WASM_TYPED_REFS=0,"
                    "WASM_GC=0,WASM_TYPES3=0,WASM_MULTI_MEMORY=0,WASM_MEMORY64=0,"
                    "WASM_EXTENDED_CONST=0,WASM_3=0"})
    assert out.startswith("LoadError"), out

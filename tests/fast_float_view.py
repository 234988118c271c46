# The fast tier's float operations behind the soft float interface of
# docs/internals.md (f32/f64 as signed canonical bit patterns), for
# tests/numeric_check.py:
#
#   mode "fast": interp_fast_float.fop called directly;
#   mode "fastloop": each operation a wasm function run by the fast tier
#     (operands and result reinterpreted from/to integers), so the loop's own
#     f64 paths and its calls of fop are checked too.
#
# Operations fop does not cover (the loop's own abs/neg/copysign,
# reinterpretations, the integer helpers) come from the soft float module.
from array import array

import wamr_mpy.config as _cfg
_cfg.SOFT_FLOAT = 1
from wamr_mpy import fmode as _F  # noqa: E402
from wamr_mpy.errors import Trap  # noqa: E402
from wamr_mpy.interp_fast_float import fop  # noqa: E402

SOFT_FLOAT = 1
_X = array("i", [0] * 24)
_TRAPS = {3: "integer overflow", 4: "invalid conversion to integer"}
_W = {"i32": 1, "f32": 1, "i64": 2, "f64": 2}


def _s32(v):
    return ((v & 0xffffffff) ^ 0x80000000) - 0x80000000


def _op(code, params, result):
    pw = [_W[t] for t in params]
    rw = _W[result]

    def f(*args):
        _X[0] = code
        for k in range(len(args)):
            _X[1 + 2 * k] = _s32(args[k])
            if pw[k] == 2:
                _X[2 + 2 * k] = _s32(args[k] >> 32)
        r = fop(_X)
        if r:
            raise Trap(_TRAPS[r], r)
        if rw == 1:
            return _X[1]
        return (_X[2] << 32) | (_X[1] & 0xffffffff)
    return f


def _table():
    t = {}
    for p, base in (("f32", 0x5B), ("f64", 0x61)):
        for i, o in enumerate(("eq", "ne", "lt", "gt", "le", "ge")):
            t[p + "_" + o] = (base + i, (p, p), "i32")
    for p, base in (("f32", 0x8D), ("f64", 0x9B)):
        for i, o in enumerate(("ceil", "floor", "trunc", "nearest", "sqrt")):
            t[p + "_" + o] = (base + i, (p,), p)
        for i, o in enumerate(("add", "sub", "mul", "div", "min", "max")):
            t[p + "_" + o] = (base + 5 + i, (p, p), p)
    code = 0xA8
    for i in ("i32", "i64"):
        for p in ("f32", "f64"):
            for s in ("s", "u"):
                t["%s_trunc_%s_%s" % (i, p, s)] = (code, (p,), i)
                t["%s_trunc_sat_%s_%s" % (i, p, s)] = (0xC0 + code - 0xA8 - (2 if code > 0xAB else 0),
                                                      (p,), i)
                code += 1
        code = 0xAE
    code = 0xB2
    for p in ("f32", "f64"):
        for i in ("i32", "i64"):
            for s in ("s", "u"):
                t["%s_convert_%s_%s" % (p, i, s)] = (code, (i,), p)
                code += 1
        code = 0xB7
    t["f32_demote_f64"] = (0xB6, ("f64",), "f32")
    t["f64_promote_f32"] = (0xBB, ("f32",), "f64")
    return t


# -- mode "fastloop": a wasm module with one function per operation ----------

_VT = {"i32": 0x7F, "i64": 0x7E, "f32": 0x7F, "f64": 0x7E}


def _module(table):
    from wasmbin import MAGIC, leb, name, section, vec
    types = []
    funcs = []
    exports = []
    bodies = []
    for n, (fname, (code, params, result)) in enumerate(sorted(table.items())):
        types.append(b"\x60" + vec([bytes((_VT[t],)) for t in params])
                     + vec([bytes((_VT[result],))]))
        funcs.append(leb(n))
        exports.append(name(fname) + b"\x00" + leb(n))
        body = bytearray(b"\x00")                   # no locals
        for i, t in enumerate(params):
            body += b"\x20" + leb(i)
            if t == "f32":
                body.append(0xBE)                   # f32.reinterpret_i32
            elif t == "f64":
                body.append(0xBF)                   # f64.reinterpret_i64
        if code >= 0xC0:
            body += b"\xFC" + leb(code - 0xC0)      # trunc_sat
        else:
            body.append(code)
        if result == "f32":
            body.append(0xBC)                       # i32.reinterpret_f32
        elif result == "f64":
            body.append(0xBD)                       # i64.reinterpret_f64
        body.append(0x0B)
        bodies.append(leb(len(body)) + bytes(body))
    return (MAGIC + section(1, vec(types)) + section(3, vec(funcs))
            + section(7, vec(exports)) + section(10, vec(bodies)))


def use_loop():
    """Every operation through the fast tier's loop (mode "fastloop")."""
    import wamr_mpy
    table = _table()
    inst = wamr_mpy.load(_module(table)).instantiate(tier="fast")
    g = globals()
    for name in table:
        g[name] = _wasm_op(inst, name)


def _wasm_op(inst, name):
    def f(*args):
        return inst.call(name, *args)
    return f


for _name in dir(_F):
    if not _name.startswith("_"):
        globals()[_name] = getattr(_F, _name)
for _name, (_code, _params, _result) in _table().items():
    globals()[_name] = _op(_code, _params, _result)

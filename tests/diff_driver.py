# MicroPython side of the differential test (tests/test_differential.py).
#
#     micropython tests/diff_driver.py JOB.json [FIRST]
#
# JOB.json: {"tier": "interp", "modules": [{"id": ..., "wasm": PATH,
# "calls": [[EXPORT, [RAW ARGS]], ...]}, ...]}.  Runs the modules from index
# FIRST on, in this one process, and prints one JSON line per event:
#   {"m": ID, "inst": "ok" | "trap" | "error" | "unavailable", "msg": ...}
#   {"m": ID, "c": K, "r": [RAW RESULTS]} or "trap": MESSAGE (and "where":
#   the trap's where, e.g. "native env.strlen" for a native that raised) or
#   "error": TEXT (an exception that is not a Trap: a bug), plus after each
#   call "s": the results of the "state" export, "h": a hash of memory
#   and "log": what the module's logging imports were given during it.
# The host compares these lines with wasmtime's.
# Options for modules that are not known to be valid or to terminate
# (tools/fuzz): job "fuel" bounds instantiation and every call; a module's
# "calls": "auto" calls every exported function with zeros, "lenient": true
# skips calls ({"skip": 1}) to exports that are gone or changed arity.
import sys
try:
    from json import dumps, load
except ImportError:  # firmware without json (ports/qemu): the host sends no
    # JSON there (tests/test_qemu_diff.py) and reads these lines
    def dumps(v):
        if isinstance(v, dict):
            return "{" + ", ".join("%s: %s" % (dumps(k), dumps(x)) for k, x in v.items()) + "}"
        if isinstance(v, (list, tuple)):
            return "[" + ", ".join(dumps(x) for x in v) + "]"
        if v is None:
            return "null"
        if v is True or v is False:
            return "true" if v else "false"
        if isinstance(v, str):
            return '"' + "".join(c if 31 < ord(c) < 127 and c not in '"\\' else
                                 "\\u%04x" % ord(c) for c in v) + '"'
        return str(v)

try:
    import hashlib
    import binascii

    def mem_hash(data):
        return binascii.hexlify(hashlib.sha256(data).digest()).decode()[:16]
except ImportError:  # ports without hashlib (e.g. ports/unix32): CRC-32
    _crc_t = None

    def mem_hash(data):
        global _crc_t
        if _crc_t is None:
            from array import array
            _crc_t = array("I", [0] * 256)
            for i in range(256):
                c = i
                for _ in range(8):
                    c = (c >> 1) ^ 0xEDB88320 if c & 1 else c >> 1
                _crc_t[i] = c
        if _crc_fast is not None:
            return "crc:%08x" % _crc_fast(_crc_t, data, len(data))
        t = _crc_t
        c = 0xFFFFFFFF
        for b in data:
            c = t[(c ^ b) & 0xFF] ^ (c >> 8)
        return "crc:%08x" % (c ^ 0xFFFFFFFF)

    # The same CRC as native code where MicroPython has it: in Python a
    # hash of 2 pages takes seconds under QEMU (tests/test_qemu_diff.py).
    # Compiled by exec so that a port without the native emitter keeps the
    # loop above.
    _crc_fast = None
    try:
        _ns = {}
        exec("""
import micropython
@micropython.viper
def crc(t: ptr32, d: ptr8, n: int) -> uint:
    c = uint(0xFFFFFFFF)
    i = 0
    while i < n:
        c = uint(t[int((c ^ uint(d[i])) & uint(0xFF))]) ^ (c >> 8)
        i += 1
    return c ^ uint(0xFFFFFFFF)
""", _ns)
        _crc_fast = _ns["crc"]
    except Exception:
        pass

try:
    from os import getenv
    _root = getenv("WAMR_DIFF_ROOT")   # test another tree (a snapshot)
    if _root:
        sys.path.insert(0, _root)
except ImportError:
    pass

import wamr_mpy
from wamr_mpy import Trap

# an uncaught wasm exception (Kconfig WASM_EXCEPTIONS) is recorded as a trap
# with this message, as the reference's "thrown Wasm exception"
WasmException = getattr(wamr_mpy, "WasmException", None)
UNCAUGHT = "uncaught wasm exception"


def out(d):
    sys.stdout.write(dumps(d))
    sys.stdout.write("\n")


def err_text(e):
    return "%s: %s" % (type(e).__name__, e)


M64 = 0xFFFFFFFFFFFFFFFF
LETTER = {"i32": "i", "i64": "I", "f32": "f", "f64": "F", "v128": "v"}
MASK = {"i32": 0xFFFFFFFF, "f32": 0xFFFFFFFF, "v128": (1 << 128) - 1}


def host_results(salt, args, rtypes):
    """What every generated host function computes (test_differential.py
    has the same function for wasmtime)."""
    h = salt
    for a in args:
        h = (h * 1000003 + (a & M64)) & M64
    res = []
    for t in rtypes:
        h = (h * 1000003 + 12345) & M64
        res.append(h & 0xFFFFFFFF if t == "i32" else h)
    return res


LOG = []     # [import name, [raw args]] of "log" host functions


def make_host(name, params, results, kind, salt):
    def fn(*args):
        if kind == "log":
            # raw values as unsigned bits, as the reference logs them
            LOG.append([name, [a & MASK.get(t, M64) for a, t in zip(args, params)]])
            return None
        if kind == "trap" and (not args or args[0] & 1):
            raise RuntimeError("host trap")
        r = host_results(salt, args, results)
        if not r:
            return None
        return r[0] if len(r) == 1 else tuple(r)
    return wamr_mpy.HostFunc(fn, "".join(LETTER[t] for t in params),
                             "".join(LETTER[t] for t in results), raw=True, name=name)


def make_imports(spec):
    if not spec:
        return None
    env = {}
    for name, params, results, kind, salt in spec["funcs"]:
        env[name] = make_host(name, params, results, kind, salt)
    for name, t, bits, mut in spec.get("globals", ()):
        env[name] = wamr_mpy.Global(LETTER[t], raw=bits, mutable=mut)
    if spec.get("memory"):
        env["mem"] = wamr_mpy.Memory(spec["memory"][0], spec["memory"][1])
    if spec.get("table"):
        env["tab"] = wamr_mpy.Table("funcref", spec["table"][0], spec["table"][1])
    return {spec.get("module", "env"): env}


def memory_export(inst):
    mem = inst.exports.get("mem")
    return inst.exports.get("memory") if mem is None else mem


def auto_calls(inst):
    out = []
    for name in sorted(inst.exports):
        f = inst.lookup_function(name)
        if f is not None:
            out.append([name, [0] * len(f.type.params)])
    return out


def instantiate(mod, imports, tier, fuel=None):
    """-> (instance, None) or (None, record fields of the failure)."""
    try:
        if fuel is not None:
            return mod.instantiate(imports, tier=tier, fuel=fuel), None
        return mod.instantiate(imports, tier=tier), None
    except ValueError as e:
        if "not available" in str(e) or "unknown tier" in str(e):
            return None, {"inst": "unavailable", "msg": str(e)}
        return None, {"inst": "error", "msg": err_text(e)}
    except Trap as e:
        rec = {"inst": "trap", "msg": e.message}
        if e.where:
            rec["where"] = e.where
        env = imports and imports.get("env")
        if env and "mem" in env:
            # segments written before the trap stay in an imported memory
            rec["h"] = mem_hash(env["mem"].data)
        return None, rec
    except Exception as e:
        if WasmException is not None and isinstance(e, WasmException):
            return None, {"inst": "trap", "msg": UNCAUGHT}
        return None, {"inst": "error", "msg": err_text(e)}


def read_file(path):
    """The whole file, read in one piece: MicroPython's read() without a
    size grows its buffer 256 bytes at a time, quadratic in the size (a
    33 MB mutant took minutes and counted as a hang of the runtime)."""
    with open(path, "rb") as f:
        f.seek(0, 2)
        n = f.tell()
        f.seek(0)
        return f.read(n)


def run_module(m, tier, fuel=None):
    """Instance 0, and for "dual" modules instance 1 sharing instance 0's
    imports (memory, table, globals) with some host functions replaced by
    instance 0's exports ("link")."""
    mid = m["id"]
    # the board's memory policy, as the CLI and any program applies it
    # (wasm_runtime_init): without its frequent collections on a 128 KiB
    # heap, long-lived objects were left spread over it and a 2.4 KB module
    # found no 2.8 KB block with 69 KB free); "reserve": 0 when the
    # modules have no linear memory (the small boards' generator options)
    wamr_mpy.init(m.get("reserve"))
    if m["wasm"].endswith(".mpy"):
        data = m["wasm"]        # wamrc output: loaded from its file
    else:
        data = read_file(m["wasm"])
    try:
        mod = wamr_mpy.load(data)
        imports = make_imports(m.get("imports"))
    except Exception as e:
        out({"m": mid, "inst": "error", "msg": "load: " + err_text(e)})
        return
    del LOG[:]
    inst, fail = instantiate(mod, imports, tier, fuel)
    insts = [inst]
    if inst is not None and m.get("dual"):
        imp2 = None
        if imports is not None:
            env2 = dict(imports["env"])
            link = m.get("link") or {}
            for host, export in link.items():
                env2[host] = inst.exports[export]
            if link and "tab" in env2:
                # not shared: through a shared table instance 0 could reach
                # its own exports again (unbounded recursion)
                t = m["imports"]["table"]
                env2["tab"] = wamr_mpy.Table("funcref", t[0], t[1])
            imp2 = {"env": env2}
        inst2, fail = instantiate(mod, imp2, tier, fuel)
        if fail is not None:
            fail["which"] = 1
        insts.append(inst2)
    if fail is not None:
        fail["m"] = mid
        out(fail)
        return
    out({"m": mid, "inst": "ok"})
    calls = m["calls"]
    if calls == "auto":
        calls = auto_calls(insts[0])
    for k, call in enumerate(calls):
        name, args = call[0], call[1]
        inst = insts[call[2] if len(call) > 2 else 0]
        rec = {"m": mid, "c": k}
        if m.get("lenient"):
            f = inst.lookup_function(name)
            if f is None or len(f.type.params) != len(args):
                rec["skip"] = 1
                out(rec)
                continue
        del LOG[:]
        try:
            if fuel is not None:
                inst.set_fuel(fuel)
            rec["r"] = inst.call_raw(name, args)
        except Trap as e:
            rec["trap"] = e.message
            if e.where:
                rec["where"] = e.where
        except Exception as e:
            if WasmException is not None and isinstance(e, WasmException):
                rec["trap"] = UNCAUGHT
            else:
                rec["error"] = err_text(e)
        if LOG:
            rec["log"] = LOG[:]
        try:
            if fuel is not None:
                inst.set_fuel(fuel)
            if inst.lookup_function("state") is not None:
                rec["s"] = inst.call_raw("state", [])
            mem = memory_export(inst)
            if mem is not None:
                rec["h"] = mem_hash(mem.data)
        except Exception as e:
            rec["error"] = rec.get("error", "") + " state: " + err_text(e)
        out(rec)


def main():
    with open(sys.argv[1]) as f:
        job = load(f)
    first = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    tier = job.get("tier") or None
    fuel = job.get("fuel")
    mods = job["modules"]
    from wamr_mpy import fmode
    out({"soft_float": fmode.SOFT_FLOAT})
    for i in range(first, len(mods)):
        out({"start": i})
        run_module(mods[i], tier, fuel)
    out({"done": len(mods)})


if __name__ == "__main__":
    main()

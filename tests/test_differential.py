"""Differential test: random valid modules (tests/wasmgen.py) run under
wasmtime (the reference, in CPython) and under wamr_mpy on the MicroPython
unix port (tests/diff_driver.py, many modules per process); every call's
results, traps, globals, table/memory sizes and memory contents must agree.

Environment:
  WAMR_DIFF_SEEDS   modules per tier in hard-float mode (default 384; soft-
                    float mode runs a quarter of that); e.g. 500 for a long run
  WAMR_DIFF_SEED0   first seed (default 0)
  WAMR_TIER         tiers to test, comma separated (default "interp"; e.g.
                    "interp,fast,jit,aot"); a tier whose instantiate raises
                    ValueError "not available" is skipped
  WAMR_DIFF_MODES   "hard", "soft" or "hard,soft" (default both)
  WAMR_DIFF_SAVE    directory where the .wat of every mismatching module is
                    written (default: none)
  WAMR_DIFF_ROOT    test the wamr_mpy package of another tree (e.g. a
                    `git archive HEAD` snapshot while the work tree is in flux)

As a program (docs/testing-differential.md):
  python tests/test_differential.py --seeds 0:2000 --tier interp --soft -j 2
  python tests/test_differential.py --wat file.wat --call w0 1 2
"""
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

import wasmgen  # noqa: E402
from mp import run_mp, ROOT  # noqa: E402

DRIVER = os.path.join(HERE, "diff_driver.py")
CHUNK = 12                  # modules per pytest item / MicroPython process
REF_FUEL = 50000000

# wasmtime trap code name -> spec messages our runtime may give for it.
TRAP_MESSAGES = {
    # (out of memory): the interpreter's stack found no heap to grow into
    "STACK_OVERFLOW": ("call stack exhausted", "call stack exhausted (out of memory)"),
    "MEMORY_OUT_OF_BOUNDS": ("out of bounds memory access",),
    "HEAP_MISALIGNED": ("out of bounds memory access",),
    "TABLE_OUT_OF_BOUNDS": ("out of bounds table access", "undefined element"),
    "INDIRECT_CALL_TO_NULL": ("uninitialized element", "undefined element"),
    "BAD_SIGNATURE": ("indirect call type mismatch",),
    "INTEGER_OVERFLOW": ("integer overflow",),
    "INTEGER_DIVISION_BY_ZERO": ("integer divide by zero",),
    "BAD_CONVERSION_TO_INTEGER": ("invalid conversion to integer",),
    "UNREACHABLE": ("unreachable",),
    "HOST": ("host trap",),         # a host function raised (both sides)
    "EXCEPTION": ("uncaught wasm exception",),  # diff_driver.py: a WasmException
}


# ---------------------------------------------------------------- reference

_ENGINE = None
# wasmtime-py hands a host function's exception to the caller through
# shared state: two threads running wasmtime at once can get each other's
# exceptions (seen as spurious "host trap"s), so the reference runs one
# module at a time.
_REF_LOCK = threading.Lock()


def engine():
    global _ENGINE
    if _ENGINE is None:
        import wasmtime
        cfg = wasmtime.Config()
        cfg.consume_fuel = True
        cfg.cranelift_nan_canonicalization = False
        _ENGINE = wasmtime.Engine(cfg)
    return _ENGINE


def wat_to_wasm(text):
    import wasmtime
    return bytes(wasmtime.wat2wasm(text))


def mem_hash(data):
    """sha256 prefix as the driver prints it, and the CRC-32 it prints on
    ports without hashlib (tests/diff_driver.py)."""
    import zlib
    data = bytes(data)
    return "%s|crc:%08x" % (hashlib.sha256(data).hexdigest()[:16], zlib.crc32(data))


def _same_mem(ref_h, our_h):
    if ref_h is None or our_h is None:
        return ref_h is our_h
    sha, crc = ref_h.split("|")
    return our_h == (crc if our_h.startswith("crc:") else sha)


def _trap_name(e):
    code = getattr(e, "trap_code", None)
    if code is not None:
        return code.name
    if "thrown Wasm exception" in str(e):
        return "EXCEPTION"      # an uncaught wasm exception (no trap code)
    return "OTHER: " + str(e).splitlines()[0]


def _signed(v, t):
    w = 32 if t in ("i32", "f32") else 64
    v &= (1 << w) - 1
    return v - (1 << w) if v >> (w - 1) else v


def _unsigned(v, t):
    if v is None:
        return None
    if isinstance(v, float):
        return float_bits(v, t)
    if t == "v128":
        return v & M128
    w = 32 if t in ("i32", "f32") else 64
    return v & ((1 << w) - 1)


# A NaN result or logged float: wasmtime's Python API hands floats over as
# Python floats (an f32 NaN's payload does not survive), and the spec lets
# arithmetic give any NaN, so modules that do not canonicalise their NaNs
# (tools/fuzz ttf) are compared with every NaN as this marker.
NAN = -1


def is_nan_bits(v, t):
    if t == "f32":
        return (v & 0x7F800000) == 0x7F800000 and v & 0x7FFFFF
    if t == "f64":
        return (v >> 52 & 0x7FF) == 0x7FF and v & 0xFFFFFFFFFFFFF
    return False


def float_bits(x, t):
    """A Python float from wasmtime -> its bit pattern (NAN for a NaN)."""
    import math
    import struct
    if math.isnan(x):
        return NAN
    if t == "f32":
        return struct.unpack("<I", struct.pack("<f", x))[0]
    return struct.unpack("<Q", struct.pack("<d", x))[0]


def _ref_arg(v, t):
    """A raw argument (ints, float bit patterns) as wasmtime takes it."""
    import struct
    if t == "f32":
        return struct.unpack("<f", struct.pack("<I", v & 0xFFFFFFFF))[0]
    if t == "f64":
        return struct.unpack("<d", struct.pack("<Q", v & M64))[0]
    return _signed(v, t)


M64 = 0xFFFFFFFFFFFFFFFF
M128 = (1 << 128) - 1


# wasmtime's Python API cannot pass v128 values ("unimplemented v128
# type"), so a v128 crosses it as two i64 (lane 0 first) through a small
# wasm module in between: `wide` lists the types as they cross.
def _wide(types):
    return [w for t in types for w in (("i64", "i64") if t == "v128" else (t,))]


def _v128_shim_wat(params, results, outward):
    """A module importing "f" and exporting "f".  outward: the import has
    the v128 signature and the export the wide one (to call a wasm
    export); else the other way round (a host function wasm calls)."""
    inner_p, inner_r = (params, results) if outward else (_wide(params), _wide(results))
    outer_p, outer_r = (_wide(params), _wide(results)) if outward else (params, results)
    body = []
    k = 0
    for t in params:            # outer params -> inner args
        if t != "v128":
            body.append("local.get %d" % k)
        elif outward:
            body += ["v128.const i64x2 0 0", "local.get %d" % k, "i64x2.replace_lane 0",
                     "local.get %d" % (k + 1), "i64x2.replace_lane 1"]
            k += 1
        else:
            body += ["local.get %d" % k, "i64x2.extract_lane 0",
                     "local.get %d" % k, "i64x2.extract_lane 1"]
        k += 1
    body.append("call $f")
    # inner results -> locals (popped last first) -> outer results
    locs = list(inner_r)
    first = len(outer_p)
    body += ["local.set %d" % (first + i) for i in reversed(range(len(locs)))]
    i = 0
    for t in results:
        if t != "v128":
            body.append("local.get %d" % (first + i))
        elif outward:
            body += ["local.get %d" % (first + i), "i64x2.extract_lane 0",
                     "local.get %d" % (first + i), "i64x2.extract_lane 1"]
        else:
            body += ["v128.const i64x2 0 0", "local.get %d" % (first + i),
                     "i64x2.replace_lane 0", "local.get %d" % (first + i + 1),
                     "i64x2.replace_lane 1"]
            i += 1
        i += 1

    def sig(ps, rs):
        return "(param %s) (result %s)" % (" ".join(ps), " ".join(rs))
    return ('(module (import "" "f" (func $f %s)) (func (export "f") %s %s %s))'
            % (sig(inner_p, inner_r), sig(outer_p, outer_r),
               "(local %s)" % " ".join(locs) if locs else "", "\n".join(body)))


_SHIMS = {}


def _v128_shim(store, func, params, results, outward):
    import wasmtime
    key = (tuple(params), tuple(results), outward)
    mod = _SHIMS.get(key)
    if mod is None:
        mod = _SHIMS[key] = wasmtime.Module(engine(), _v128_shim_wat(params, results, outward))
    return wasmtime.Instance(store, mod, [func]).exports(store)["f"]


def _v128_join(vals, types):
    """Wide raw values -> one raw value per type (v128 as a 128-bit int)."""
    out, k = [], 0
    for t in types:
        if t == "v128":
            out.append((vals[k] & M64) | (vals[k + 1] & M64) << 64)
            k += 2
        else:
            out.append(vals[k])
            k += 1
    return out


def _v128_split(vals, types):
    out = []
    for v, t in zip(vals, types):
        out += [v & M64, v >> 64 & M64] if t == "v128" else [v]
    return out


def host_results(salt, args, rtypes):
    """What every generated host function computes (diff_driver.py has
    the same function for our runtime)."""
    h = salt
    for a in args:
        h = (h * 1000003 + (a & M64)) & M64
    res = []
    for t in rtypes:
        h = (h * 1000003 + 12345) & M64
        res.append(h & 0xFFFFFFFF if t == "i32" else h)
    return res


class HostTrap(Exception):
    pass


def _valtype(t):
    import wasmtime
    return getattr(wasmtime.ValType, t)()


def _make_imports(store, module, spec, log=None):
    """wasmtime externs for the imports `spec` describes (diff_driver.py's
    make_imports builds the same for our runtime); "log" host functions
    append [name, [args]] to `log` (floats as bits)."""
    import wasmtime
    if not spec:
        return []
    env = {}
    for name, params, results, kind, salt in spec["funcs"]:
        def fn(*args, kind=kind, salt=salt, results=results, name=name, params=params):
            if kind == "log":
                args = _v128_join([_unsigned(a, t) for a, t in zip(args, _wide(params))],
                                  params)
                log.append([name, args])
                return None
            if kind == "trap" and (not args or args[0] & 1):
                raise HostTrap("host trap")
            r = [_signed(v, t) for v, t in zip(host_results(salt, args, results), results)]
            if not r:
                return None
            return r[0] if len(r) == 1 else r
        ft = wasmtime.FuncType([_valtype(t) for t in _wide(params)],
                               [_valtype(t) for t in _wide(results)])
        env[name] = wasmtime.Func(store, ft, fn)
        if "v128" in params or "v128" in results:
            env[name] = _v128_shim(store, env[name], params, results, False)
    for name, t, bits, mut in spec.get("globals", ()):
        if t == "f32":
            import struct
            v = wasmtime.Val.f32(struct.unpack("<f", struct.pack("<I", bits))[0])
        elif t == "f64":
            import struct
            v = wasmtime.Val.f64(struct.unpack("<d", struct.pack("<Q", bits))[0])
        else:
            v = getattr(wasmtime.Val, t)(_signed(bits, t))
        env[name] = wasmtime.Global(store, wasmtime.GlobalType(_valtype(t), mut), v)
    if spec.get("memory"):
        lo, hi = spec["memory"]
        env["mem"] = wasmtime.Memory(store, wasmtime.MemoryType(wasmtime.Limits(lo, hi)))
    if spec.get("table"):
        lo, hi = spec["table"]
        env["tab"] = wasmtime.Table(store, wasmtime.TableType(wasmtime.ValType.funcref(),
                                                             wasmtime.Limits(lo, hi)), None)
    return [env[i.name] for i in module.imports]


def _ref_instantiate(store, module, externs):
    """-> (instance, None) or (None, failure record)."""
    import wasmtime
    try:
        return wasmtime.Instance(store, module, externs), None
    except wasmtime.Trap as e:
        rec = {"inst": "trap", "msg": _trap_name(e)}
    except HostTrap:
        rec = {"inst": "trap", "msg": "HOST"}
    except wasmtime.WasmtimeError as e:
        rec = {"inst": "trap", "msg": "OTHER: " + str(e).splitlines()[0]}
    for x, i in zip(externs, module.imports):
        if i.name == "mem":
            rec["h"] = mem_hash(x.read(store, 0, x.data_len(store)))
    return None, rec


def run_reference(wasm, calls, exports, imports=None, dual=False, link=None):
    """Runs the calls under wasmtime; returns records shaped like the
    driver's lines (trap messages are wasmtime trap code names).  A call
    (name, args, 1) goes to the second instance of a `dual` module, which
    shares the first one's imports except the host functions that `link`
    maps to the first instance's exports."""
    import wasmtime
    eng = engine()
    store = wasmtime.Store(eng)
    store.set_fuel(REF_FUEL)
    module = wasmtime.Module(eng, wasm)
    log = []
    externs = _make_imports(store, module, imports, log)
    inst, fail = _ref_instantiate(store, module, externs)
    insts = [inst]
    if inst is not None and dual:
        ex0 = inst.exports(store)
        ext2 = [ex0[link[i.name]] if link and i.name in link else x
                for x, i in zip(externs, module.imports)]
        if link and imports.get("table"):
            # as in diff_driver.py: no table shared with linked instances
            lo, hi = imports["table"]
            t = wasmtime.Table(store, wasmtime.TableType(wasmtime.ValType.funcref(),
                                                         wasmtime.Limits(lo, hi)), None)
            ext2 = [t if i.name == "tab" else x for x, i in zip(ext2, module.imports)]
        inst2, fail = _ref_instantiate(store, module, ext2)
        if fail is not None:
            fail["which"] = 1
        insts.append(inst2)
    if fail is not None:
        return fail, []
    names = [x.name for x in module.exports]
    memname = "mem" if "mem" in names else "memory" if "memory" in names else None
    views = []
    for inst in insts:
        ex = inst.exports(store)
        state = ex["state"] if "state" in names else None
        views.append((ex, ex[memname] if memname else None, state,
                      [str(t) for t in state.type(store).results] if state else None))
    recs = []
    for k, call in enumerate(calls):
        name, args = call[0], call[1]
        ex, mem, state, st_types = views[call[2] if len(call) > 2 else 0]
        rec = {"c": k}
        params, results = exports[name]
        store.set_fuel(REF_FUEL)
        del log[:]
        fn = ex[name]
        if "v128" in params or "v128" in results:
            fn = _v128_shim(store, fn, params, results, True)
        try:
            r = fn(store, *[_ref_arg(a, t)
                            for a, t in zip(_v128_split(args, params), _wide(params))])
            if r is None:
                r = []
            elif not isinstance(r, list):
                r = [r]
            rec["r"] = _v128_join([_unsigned(v, t) for v, t in zip(r, _wide(results))],
                                  results)
        except wasmtime.Trap as e:
            rec["trap"] = _trap_name(e)
        except HostTrap:
            rec["trap"] = "HOST"
        except wasmtime.WasmtimeError as e:
            rec["trap"] = "OTHER: " + str(e).splitlines()[0]
        if log:
            rec["log"] = list(log)
        if state is not None:
            s = state(store)
            if s is None:
                s = []
            elif not isinstance(s, list):
                s = [s]
            rec["s"] = [_unsigned(v, t) for v, t in zip(s, st_types)]
        if mem is not None:
            rec["h"] = mem_hash(mem.read(store, 0, mem.data_len(store)))
        recs.append(rec)
    return {"inst": "ok"}, recs


# ---------------------------------------------------------------- ours

def run_ours(modules, tier, soft, workdir, timeout=None, fuel=None, per_module=None,
             heapsize="64M"):
    """modules: [{"id", "wasm" (path), "calls"}].  Runs them all on the
    MicroPython unix port (restarting after a crash or a hang); returns
    {id: (inst_record, [call records])}.  fuel: the driver's job option
    (bounds every call of modules that may not terminate); per_module:
    CPU seconds one module may take (default MODULE_TIMEOUT)."""
    job = os.path.join(workdir, "job-%s-%s.json" % (tier, "soft" if soft else "hard"))
    with open(job, "w") as f:
        json.dump({"tier": tier, "modules": modules, "fuel": fuel}, f)
    env = {"WAMR_CONFIG": "SOFT_FLOAT=1"} if soft else {"WAMR_CONFIG": ""}
    if os.environ.get("WAMR_DIFF_ROOT"):
        env["WAMR_DIFF_ROOT"] = os.environ["WAMR_DIFF_ROOT"]
    res = {}
    first = 0
    per_module = (per_module or MODULE_TIMEOUT) * (2 if soft else 1)
    while first < len(modules):
        cur = None
        text, failure = _drive(job, first, env, per_module, len(modules) - first, timeout,
                               heapsize)
        done = False
        for line in text.splitlines():
            if not line.startswith("{"):
                continue
            try:
                d = json.loads(line)
            except ValueError:
                continue
            if "start" in d:
                cur = d["start"]
                continue
            if "done" in d:
                done = True
                continue
            if "soft_float" in d:
                if bool(d["soft_float"]) != bool(soft):
                    raise AssertionError("driver runs with SOFT_FLOAT=%s, wanted %s"
                                         % (d["soft_float"], soft))
                continue
            mid = d.pop("m")
            if "inst" in d:
                res[mid] = (d, [])
            else:
                res[mid][1].append(d)
        if done:
            break
        if cur is None:
            cur = first
        mid = modules[cur]["id"]
        entry = res.setdefault(mid, ({"inst": "ok"}, []))
        entry[1].append({"c": len(entry[1]), "error": "driver died: %s" % (failure,)})
        first = cur + 1
    return res


MODULE_TIMEOUT = 60     # CPU seconds one module may take (x2 in soft-float mode)
# A module whose process neither finishes nor uses CPU for this many times
# MODULE_TIMEOUT is blocked (a loaded machine stretches wall time, not CPU).
BLOCKED_FACTOR = 20


def cpu_seconds(pid):
    """CPU time (user + system) of process `pid` so far, None where /proc
    does not say."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def _drive(job, first, env, per_module, count, timeout, heapsize="64M", script=DRIVER):
    """Runs the driver (`script`: tests/diff_driver.py or another that
    prints {"start": i} before item i) from item `first`; returns (stdout
    text, failure or None).  On the unix port a watchdog kills the process when one
    module uses more than per_module seconds of CPU (a hang; wall time
    where /proc is missing), so the rest of the batch still runs."""
    import mp
    if mp.TARGET is not None or timeout:
        t = timeout or per_module * count + 20
        try:
            r = run_mp(script=script, args=(job, str(first)), timeout=t, env=env,
                       heapsize=heapsize)
        except subprocess.TimeoutExpired as e:
            return (e.stdout or b"").decode("utf-8", "replace"), "timeout after %ds" % t
        tail = (r.stdout[-2000:] + r.stderr[-2000:]).decode("utf-8", "replace")
        return (r.stdout.decode("utf-8", "replace"),
                None if r.returncode == 0 else "exit %d: %s" % (r.returncode, tail))
    import queue
    import threading
    import time
    e = dict(os.environ)
    e["MICROPYPATH"] = os.pathsep.join(
        ([os.environ["WAMR_DIFF_ROOT"]] if os.environ.get("WAMR_DIFF_ROOT") else []) +
        [ROOT, ".frozen", "~/.micropython/lib"])
    e.update(env)
    p = subprocess.Popen([mp.MICROPYTHON, "-X", "heapsize=" + heapsize, script, job, str(first)],
                         stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, cwd=ROOT, env=e)
    q = queue.Queue()

    def reader():
        for line in p.stdout:
            q.put(line)
        q.put(None)
    th = threading.Thread(target=reader, daemon=True)
    th.start()
    lines = []
    failure = None

    def progress():
        return time.time(), cpu_seconds(p.pid)
    t0, c0 = progress()
    while True:
        try:
            line = q.get(timeout=0.5)
        except queue.Empty:
            now, cpu = progress()
            if cpu is not None and c0 is not None:
                hung = cpu - c0 > per_module or now - t0 > per_module * BLOCKED_FACTOR
            else:
                hung = now - t0 > per_module
            if hung:
                p.kill()
                failure = "hang: no progress for %ds of CPU (%ds wall)" % (
                    per_module, now - t0)
                th.join(5)
                break
            continue
        if line is None:
            break
        line = line.decode("utf-8", "replace")
        lines.append(line)
        if line.startswith('{"start"'):
            t0, c0 = progress()
    p.wait()
    err = p.stderr.read().decode("utf-8", "replace")
    if failure is None and p.returncode != 0:
        failure = "exit %d: %s" % (p.returncode, ("".join(lines[-5:]) + err)[-3000:])
    return "".join(lines), failure


# ---------------------------------------------------------------- compare

def trap_ok(ref, ours):
    if ref == "HOST" and ours:
        # interp.call_host prefixes the host function's name ("h1: host trap")
        return ours.endswith("host trap")
    if ours and ours.startswith(("undefined element ", "uninitialized element ")):
        ours = ours.rsplit(" ", 1)[0]     # the table index the message ends with
    return ours in TRAP_MESSAGES.get(ref, ())


def compare(g, ref, ours):
    """Differences between the reference's and our records of one module."""
    rinst, rrecs = ref
    oinst, orecs = ours
    diffs = []
    if oinst["inst"] == "unavailable":
        return diffs
    if rinst["inst"] != oinst["inst"] or not _same_mem(rinst.get("h"), oinst.get("h")):
        diffs.append("instantiate: wasmtime %s, ours %s" % (rinst, oinst))
        return diffs
    for k, rr in enumerate(rrecs):
        name, args = g.calls[k][:2]
        what = "call %d %s(%s)%s" % (k, name, ", ".join(hex(a) for a in args),
                                     " on instance 1" if len(g.calls[k]) > 2 else "")
        if k >= len(orecs):
            diffs.append("%s: no result from our runtime" % what)
            break
        orr = orecs[k]
        if "error" in orr:
            diffs.append("%s: our runtime raised %s" % (what, orr["error"]))
            break
        if "trap" in rr or "trap" in orr:
            if not ("trap" in rr and "trap" in orr and trap_ok(rr["trap"], orr["trap"])):
                diffs.append("%s: wasmtime %s, ours %s" % (
                    what, rr.get("trap") or _hexl(rr.get("r")), orr.get("trap") or _hexl(orr.get("r"))))
        elif rr["r"] != orr["r"]:
            diffs.append("%s: wasmtime %s, ours %s" % (what, _hexl(rr["r"]), _hexl(orr["r"])))
        if rr.get("s") != orr.get("s"):
            diffs.append("%s: state (globals, table/memory sizes) wasmtime %s, ours %s"
                         % (what, _hexl(rr.get("s")), _hexl(orr.get("s"))))
        if not _same_mem(rr.get("h"), orr.get("h")):
            diffs.append("%s: memory contents differ" % what)
        if rr.get("log") != orr.get("log"):
            diffs.append("%s: logged wasmtime %s, ours %s" % (what, rr.get("log"), orr.get("log")))
        if diffs:
            break       # later calls usually differ as a consequence
    return diffs


def _hexl(v):
    if v is None:
        return "None"
    return "[" + ", ".join(hex(x) for x in v) + "]"


# ---------------------------------------------------------------- a batch

def prepare(seeds, workdir, opts=None):
    """Generates and runs under wasmtime; writes the .wasm files.  Returns
    (gens, refs, modules-for-the-driver, skipped)."""
    gens, refs, mods, skipped = {}, {}, [], []
    for seed in seeds:
        g = wasmgen.generate(seed, opts)
        wasm = wat_to_wasm(g.wat)
        with _REF_LOCK:
            ref = run_reference(wasm, g.calls, g.exports, g.imports, g.dual, g.link)
        if any(r.get("trap") == "OUT_OF_FUEL" for r in ref[1]):
            skipped.append(seed)    # would be a generator bug: loops are bounded
            continue
        path = os.path.join(workdir, "m%d.wasm" % seed)
        with open(path, "wb") as f:
            f.write(wasm)
        gens[seed] = g
        refs[seed] = ref
        mods.append({"id": seed, "wasm": path, "calls": g.calls, "imports": g.imports,
                     "dual": g.dual, "link": g.link})
    return gens, refs, mods, skipped


def compile_aot(mods, soft=False, limit=None, arch=None):
    """tier "aot": compiles each module with the wamrc machinery
    (wamr_mpy.compiler_mpy, mpy-cross) and points the driver at the .mpy;
    soft: f64 through fmode, as `wamrc --soft-float` (a soft-float port
    refuses native-double code); limit: seconds one module may take (in the
    main thread: a hang of the compiler becomes an error "hang").
    Returns {seed: error text} for modules the compiler rejected."""
    root = os.environ.get("WAMR_DIFF_ROOT") or ROOT
    if root not in sys.path:
        sys.path.insert(0, root)
    import mp
    import signal
    from wamr_mpy import compiler, compiler_mpy
    errors = {}
    arch = arch or mp.native_arch()
    alarm = limit and threading.current_thread() is threading.main_thread()

    class Hang(Exception):
        pass

    def ring(*_):
        raise Hang("compiling took more than %ds" % limit)
    old = signal.signal(signal.SIGALRM, ring) if alarm else None
    try:
        for m in mods:
            with open(m["wasm"], "rb") as f:
                data = f.read()
            try:
                if alarm:
                    signal.alarm(int(limit))
                target = compiler.Target(arch, inline_float=False if soft else None)
                mpy, info = compiler_mpy.build(data, arch, os.path.basename(m["wasm"]),
                                               target=target)
            except Exception as e:
                errors[m["id"]] = "wamrc: %s: %s" % (type(e).__name__, e)
                continue
            finally:
                if alarm:
                    signal.alarm(0)
            m["wasm"] = m["wasm"][:-5] + ".mpy"
            with open(m["wasm"], "wb") as f:
                f.write(mpy)
    finally:
        if alarm:
            signal.signal(signal.SIGALRM, old)
    return errors


def run_batch(seeds, tier="interp", soft=False, opts=None, workdir=None, save=None):
    """Returns (list of (seed, diffs), stats dict)."""
    own = workdir is None
    if own:
        workdir = tempfile.mkdtemp(prefix="wamrdiff-")
    try:
        gens, refs, mods, skipped = prepare(seeds, workdir, opts)
        aot_errors = {}
        if tier == "aot":
            aot_errors = compile_aot(mods, soft)
        ours = run_ours([m for m in mods if m["id"] not in aot_errors], tier, soft, workdir)
        for seed, msg in aot_errors.items():
            ours[seed] = ({"inst": "error", "msg": msg}, [])
        bad = []
        stats = {"modules": len(mods), "calls": 0, "traps": 0, "unavailable": 0,
                 "skipped": skipped}
        for m in mods:
            seed = m["id"]
            o = ours.get(seed, ({"inst": "error", "msg": "no output"}, []))
            if o[0]["inst"] == "unavailable":
                stats["unavailable"] += 1
                continue
            stats["calls"] += len(refs[seed][1])
            stats["traps"] += sum(1 for r in refs[seed][1] if "trap" in r)
            d = compare(gens[seed], refs[seed], o)
            if d:
                bad.append((seed, d))
                if save:
                    os.makedirs(save, exist_ok=True)
                    with open(os.path.join(save, "seed%d.wat" % seed), "w") as f:
                        f.write(gens[seed].wat)
                        f.write(";; calls: %r\n" % (gens[seed].calls,))
                        f.write(";; setup: %s\n" % json.dumps(_setup(gens[seed])))
                        for line in d:
                            f.write(";; %s\n" % line)
        return bad, stats
    finally:
        if own:
            shutil.rmtree(workdir, ignore_errors=True)


# ---------------------------------------------------------------- pytest

def _config():
    n = int(os.environ.get("WAMR_DIFF_SEEDS", "384"))
    seed0 = int(os.environ.get("WAMR_DIFF_SEED0", "0"))
    tiers = [t.strip() for t in os.environ.get("WAMR_TIER", "interp").split(",") if t.strip()]
    modes = [m.strip() for m in os.environ.get("WAMR_DIFF_MODES", "hard,soft").split(",") if m.strip()]
    items = []
    for tier in tiers:
        for mode in modes:
            count = n if mode == "hard" else max(CHUNK, n // 4)
            base = seed0 if mode == "hard" else seed0 + 1000000
            for start in range(0, count, CHUNK):
                items.append((tier, mode, base + start, min(CHUNK, count - start)))
    return items


def _ids(item):
    return "%s-%s-%d" % (item[0], item[1], item[2])


try:
    import pytest
except ImportError:  # running as a program without pytest
    pytest = None

if pytest is not None:
    @pytest.mark.parametrize("item", _config(), ids=_ids)
    def test_differential(item):
        pytest.importorskip("wasmtime")
        tier, mode, first, count = item
        bad, stats = run_batch(range(first, first + count), tier, mode == "soft",
                               save=os.environ.get("WAMR_DIFF_SAVE"))
        if stats["unavailable"]:
            pytest.skip("tier %s is not available in this build" % tier)
        assert stats["calls"] > 0
        # loops and recursion are bounded by construction: wasmtime never
        # runs out of fuel on a generated module
        assert not stats["skipped"], "generator made non-terminating modules: %s" % stats["skipped"]
        assert not bad, "\n".join(
            "seed %d (python tests/wasmgen.py %d > m.wat): %s" % (s, s, "; ".join(d))
            for s, d in bad)


# ---------------------------------------------------------------- reducer

def _setup(g):
    return {"imports": g.imports, "dual": g.dual, "link": g.link}


def _parse_saved(path):
    """A file written by --save: the module text, its call list and the
    instantiation setup (imports, second instance)."""
    import ast
    text = open(path).read()
    calls = None
    setup = {}
    for line in text.splitlines():
        if line.startswith(";; calls: "):
            calls = ast.literal_eval(line[len(";; calls: "):])
        if line.startswith(";; setup: "):
            setup = json.loads(line[len(";; setup: "):])
    wat = "\n".join(x for x in text.splitlines() if not x.startswith(";;")) + "\n"
    return wat, calls, setup


def _exports_of(wasm):
    import wasmtime
    mod = wasmtime.Module(engine(), wasm)
    ex = {}
    for e in mod.exports:
        if isinstance(e.type, wasmtime.FuncType):
            ex[e.name] = (tuple(str(t) for t in e.type.params),
                          tuple(str(t) for t in e.type.results))
    return ex


def _kind(diffs):
    """A coarse signature of a mismatch, kept while reducing."""
    d = diffs[0]
    for k in ("raised", "instantiate", "state", "memory", "no result"):
        if k in d:
            return k
    return "result"


def reduce_case(wat, calls, tier="interp", soft=False, log=print, setup=None):
    """Shrinks a mismatching module (WAT lines and call list) while the
    same kind of mismatch remains.  Candidates are run in batches, one
    MicroPython process per batch."""
    workdir = tempfile.mkdtemp(prefix="wamrred-")

    class G:
        pass

    def evaluate(cands):
        """cands: [(lines, calls)] -> index of the first that still shows
        the mismatch, or None."""
        mods, meta = [], []
        for i, (lines, cl) in enumerate(cands):
            text = "\n".join(lines) + "\n"
            try:
                wasm = wat_to_wasm(text)
                ex = _exports_of(wasm)
                if any(c[0] not in ex for c in cl):
                    continue
                ref = run_reference(wasm, cl, ex, setup.get("imports"),
                                    setup.get("dual"), setup.get("link"))
            except Exception:
                continue
            if any(r.get("trap") == "OUT_OF_FUEL" for r in ref[1]):
                continue
            path = os.path.join(workdir, "c%d.wasm" % i)
            with open(path, "wb") as f:
                f.write(wasm)
            mods.append(dict(setup, id=i, wasm=path, calls=cl))
            meta.append((i, ref))
        if not mods:
            return None
        # another tier's mismatch must stay that tier's: the portable
        # interpreter has to agree with the reference on the candidate, so
        # reduction cannot drift to differences the spec leaves open (NaN
        # signs once the generator's canonicalisation is cut away)
        base = run_ours(mods, "interp", soft, workdir) if tier != "interp" else None
        errs = compile_aot(mods, soft) if tier == "aot" else {}
        ours = run_ours([m for m in mods if m["id"] not in errs], tier, soft, workdir)
        for i, msg in errs.items():
            ours[i] = ({"inst": "error", "msg": msg}, [])
        for i, ref in meta:
            g = G()
            g.calls = cands[i][1]
            o = ours.get(i)
            if o is None:
                continue
            d = compare(g, ref, o)
            if d and _kind(d) == kind:
                if base is not None and (i not in base or compare(g, ref, base[i])):
                    continue
                return i
        return None

    lines = wat.rstrip("\n").split("\n")
    # the original mismatch
    g = G()
    g.calls = calls
    kind = None
    wasm = wat_to_wasm(wat)
    setup = setup or {}
    ref = run_reference(wasm, calls, _exports_of(wasm), setup.get("imports"),
                        setup.get("dual"), setup.get("link"))
    path = os.path.join(workdir, "orig.wasm")
    with open(path, "wb") as f:
        f.write(wasm)
    mods = [dict(setup, id=0, wasm=path, calls=calls)]
    errs = compile_aot(mods, soft) if tier == "aot" else {}
    if errs:
        d = compare(g, ref, ({"inst": "error", "msg": errs[0]}, []))
    else:
        d = compare(g, ref, run_ours(mods, tier, soft, workdir)[0])
    if not d:
        log("no mismatch to reduce")
        return wat, calls
    kind = _kind(d)
    log("mismatch kind %s: %s" % (kind, d[0]))
    # 1. calls: up to the first mismatching one, then drop earlier ones
    if d[0].startswith("call "):
        calls = calls[:int(d[0].split()[1]) + 1]
    i = 0
    while i < len(calls) - 1:
        c = calls[:i] + calls[i + 1:]
        if evaluate([(lines, c)]) is not None:
            calls = c
        else:
            i += 1
    log("calls: %r" % (calls,))

    def try_each(make):
        """make(lines) -> list of candidate line lists; applies the first
        that keeps the mismatch, repeatedly, until none does."""
        nonlocal lines
        skip = 0
        while True:
            cands = [c for c in make(lines) if c != lines]
            found = False
            for pos in range(min(skip, len(cands)), len(cands), 24):
                chunk = cands[pos:pos + 24]
                j = evaluate([(c, calls) for c in chunk])
                if j is not None:
                    lines = chunk[j]
                    skip = pos + j      # earlier candidates did not work
                    found = True
                    break
            if not found:
                return
            log("%d lines" % len(lines))

    def funcs(ls):
        """(start, end) line ranges of the module's fields."""
        out = []
        i = 1
        while i < len(ls) - 1:
            if ls[i].startswith("  ("):
                j = i + 1
                while j < len(ls) - 1 and not ls[j].startswith("  ("):
                    j += 1
                out.append((i, j))
                i = j
            else:
                i += 1
        return out

    def drop_fields(ls):
        return [ls[:a] + ls[b:] for a, b in funcs(ls)]

    def stub_bodies(ls):
        import re
        out = []
        for a, b in funcs(ls):
            head = ls[a]
            if not head.startswith("  (func") or b - a < 2:
                continue
            m = re.search(r"\(result ([^)]*)\)", head)
            res = m.group(1).split() if m else []
            body = ["    " + wasmgen._default(t) for t in res]
            if body:
                body[-1] += ")"
                out.append(ls[:a + 1] + body + ls[b:])
            else:
                out.append(ls[:a] + [head + ")"] + ls[b:])
        return out

    def blocks(ls):
        out = []
        for i, l in enumerate(ls):
            t = l.strip()
            if t.split(" ")[0] in ("block", "loop", "if"):
                ind = len(l) - len(l.lstrip())
                for j in range(i + 1, len(ls)):
                    lj = ls[j]
                    if len(lj) - len(lj.lstrip()) == ind and lj.strip().startswith("end"):
                        if lj.strip() == "end":
                            out.append(ls[:i] + ls[j + 1:])
                        break
        return out

    def chunks(n):
        def make(ls):
            return [ls[:i] + ls[i + n:] for i in range(1, len(ls) - n)
                    if not ls[i].startswith("  (") and not ls[i + n - 1].endswith(")")]
        return make

    try_each(drop_fields)
    try_each(stub_bodies)
    try_each(blocks)
    before = None
    while before != len(lines):
        before = len(lines)
        for n in (12, 8, 6, 5, 4, 3, 2, 1):
            try_each(chunks(n))
        try_each(drop_fields)
    shutil.rmtree(workdir, ignore_errors=True)
    return "\n".join(lines) + "\n", calls


# ---------------------------------------------------------------- CLI

def _cli():
    import argparse
    import concurrent.futures
    import time
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seeds", default="0:100", help="FIRST:END (END exclusive)")
    ap.add_argument("--tier", default="interp")
    ap.add_argument("--soft", action="store_true", help="soft-float mode (softfloat.py)")
    ap.add_argument("-j", "--jobs", type=int, default=2)
    ap.add_argument("--chunk", type=int, default=25)
    ap.add_argument("--save", default=None, help="write mismatching modules here")
    ap.add_argument("--wat", default=None, help="run one .wat file instead")
    ap.add_argument("--call", nargs="+", action="append", default=[],
                    help="with --wat: EXPORT ARG... (raw ints, 0x ok)")
    ap.add_argument("--reduce", default=None,
                    help="shrink a module saved by --save; writes FILE.min.wat")
    a = ap.parse_args()
    if a.reduce:
        wat, calls, setup = _parse_saved(a.reduce)
        wat, calls = reduce_case(wat, calls, a.tier, a.soft, setup=setup)
        out = a.reduce[:-4] + ".min.wat" if a.reduce.endswith(".wat") else a.reduce + ".min.wat"
        with open(out, "w") as f:
            f.write(wat)
            f.write(";; calls: %r\n" % (calls,))
            f.write(";; setup: %s\n" % json.dumps(setup))
        print(wat)
        print(";; calls: %r" % (calls,))
        print("written to", out)
        return 0
    if a.wat:
        return _cli_wat(a)
    lo, hi = (int(x) for x in a.seeds.split(":"))
    chunks = [range(s, min(s + a.chunk, hi)) for s in range(lo, hi, a.chunk)]
    t0 = time.time()
    tot = {"modules": 0, "calls": 0, "traps": 0, "bad": 0, "skipped": 0}
    with concurrent.futures.ThreadPoolExecutor(a.jobs) as ex:
        futs = [ex.submit(run_batch, c, a.tier, a.soft, None, None, a.save) for c in chunks]
        for fu in concurrent.futures.as_completed(futs):
            bad, st = fu.result()
            for k in ("modules", "calls", "traps"):
                tot[k] += st[k]
            tot["skipped"] += len(st["skipped"])
            tot["bad"] += len(bad)
            for s, d in bad:
                print("seed %d: %s" % (s, "\n    ".join(d)), flush=True)
    print("%(modules)d modules, %(calls)d calls (%(traps)d trapping), "
          "%(bad)d mismatching modules, %(skipped)d skipped" % tot,
          "in %.0fs" % (time.time() - t0))
    return 1 if tot["bad"] else 0


def _cli_wat(a):
    text = open(a.wat).read()
    wasm = wat_to_wasm(text)
    import wasmtime
    mod = wasmtime.Module(engine(), wasm)
    exports = {}
    for e in mod.exports:
        if isinstance(e.type, wasmtime.FuncType):
            exports[e.name] = (tuple(str(t) for t in e.type.params),
                               tuple(str(t) for t in e.type.results))
    calls = [(c[0], [int(x, 0) & 0xFFFFFFFFFFFFFFFF for x in c[1:]]) for c in a.call]

    class G:
        pass
    g = G()
    g.calls = calls
    ref = run_reference(wasm, calls, exports)
    workdir = tempfile.mkdtemp(prefix="wamrdiff-")
    try:
        path = os.path.join(workdir, "m.wasm")
        with open(path, "wb") as f:
            f.write(wasm)
        mods = [{"id": 0, "wasm": path, "calls": calls}]
        errs = compile_aot(mods, a.soft) if a.tier == "aot" else {}
        if errs:
            ours = ({"inst": "error", "msg": errs[0]}, [])
        else:
            ours = run_ours(mods, a.tier, a.soft, workdir)[0]
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print("wasmtime:", json.dumps(ref))
    print("ours:    ", json.dumps(ours))
    d = compare(g, ref, ours)
    print("\n".join(d) if d else "same")
    return 1 if d else 0


if __name__ == "__main__":
    sys.exit(_cli())

"""tools/fuzz ttf: binaryen's `wasm-opt -ttf` modules on every tier against
wasmtime (CPython host side; the machinery of tests/test_differential.py).

Seed S: 1-8 KiB of random bytes from random.Random(S), which `wasm-opt
-ttf` turns into a valid module with the WebAssembly 2.0 features this
runtime has (no SIMD, no reference types: binaryen 108 writes typed
function references with them), with --denan so arithmetic NaNs (whose
bits the spec leaves open) become 0.  Its functions log values through
imports "fuzzing-support" "log-i32|i64|f32|f64"; every exported function
is called after "hangLimitInitializer" (binaryen's loop and recursion
budget), with arguments from edge-value lists.  Each tier must agree with
wasmtime on every call: results (NaN as NaN), traps, what was logged and
the memory; a tier that fails to load or instantiate what wasmtime runs,
any other exception, a crash or a hang is a finding."""
import os
import random
import re
import shutil
import struct
import subprocess
import tempfile

import fuzz_host as H
import test_differential as td

CAMPAIGN = "ttf"
FEATURES = ["--mvp-features", "--enable-sign-ext", "--enable-mutable-globals",
            "--enable-nontrapping-float-to-int", "--enable-bulk-memory", "--enable-multivalue"]
# --features 3.0: what binaryen 108 turns on of WebAssembly 3.0.  Its -ttf
# writes SIMD, return_call and tags with these, but never try/throw (its
# exception handling is the legacy try/catch proposal anyway, which
# wasmtime 50 does not take) nor a 64-bit memory, and it has no multiple
# memories: rewrite3() adds those two to the module afterwards.
FEATURES3 = FEATURES + ["--enable-simd", "--enable-tail-call", "--enable-exception-handling",
                        "--enable-memory64"]
LIMIT = 60          # CPU seconds per module
BATCH = 8           # modules per MicroPython process

_I32 = (0, 1, 0xFFFFFFFF, 0x7FFFFFFF, 0x80000000, 0x10000, 0xFFFF, 7)
_I64 = (0, 1, 0xFFFFFFFFFFFFFFFF, 0x7FFFFFFFFFFFFFFF, 0x8000000000000000, 1 << 32, 0xFFFFFFFF)


def _f32(x):
    return struct.unpack("<I", struct.pack("<f", x))[0]


def _f64(x):
    return struct.unpack("<Q", struct.pack("<d", x))[0]


# floats that survive wasmtime's Python API exactly (no NaNs)
_F32 = tuple(_f32(x) for x in (0.0, -0.0, 1.0, -1.5, 3.4028234663852886e38, 1.401298464324817e-45,
                               float("inf"), float("-inf"), 2147483648.0, 0.5))
_F64 = tuple(_f64(x) for x in (0.0, -0.0, 1.0, -1.5, 1.7976931348623157e308, 5e-324,
                               float("inf"), float("-inf"), 9223372036854775808.0, 0.5))
_V128 = (0, (1 << 128) - 1, 1 << 127, 0x80000000800000008000000080000000,
         0x7FC000003F800000FF800000BF800000, 0x3FF0000000000000FFF0000000000000,
         0x0123456789ABCDEFFEDCBA9876543210, 0x00FF00FF7FFF8000FFFF0001807F0180)
_EDGE = {"i32": _I32, "i64": _I64, "f32": _F32, "f64": _F64, "v128": _V128}


def wasm_opt():
    return shutil.which("wasm-opt")


def generate(seed, workdir, features="2.0"):
    """The module of seed `seed` (bytes) and its text (wabt 1.0.32 cannot
    read try_table back), or None when binaryen fails."""
    rnd = random.Random(seed)
    data = bytes(rnd.getrandbits(8) for _ in range(rnd.randrange(1024, 8192)))
    src = os.path.join(workdir, "r%d.dat" % seed)
    out = os.path.join(workdir, "t%d.wasm" % seed)
    with open(src, "wb") as f:
        f.write(data)
    flags = FEATURES3 if features == "3.0" else FEATURES
    r = subprocess.run([wasm_opt(), "-ttf", src] + flags + ["--denan", "-o", out],
                       capture_output=True, timeout=120)
    if r.returncode != 0 or not os.path.exists(out):
        return None
    if features == "3.0":
        with open(out, "rb") as f:
            text = rewrite3(wat_text(f.read()), random.Random(seed ^ 0x3000))
        import wasmtime
        wasm = bytes(wasmtime.wat2wasm(text))
        with open(out, "wb") as f:
            f.write(wasm)
        return wasm, text
    with open(out, "rb") as f:
        wasm = f.read()
    return wasm, wat_text(wasm)


_MEMOP = re.compile(r"^(\s*)((?:i32|i64|f32|f64|v128)\.(?:load|store)\S*|"
                    r"memory\.(?:size|grow|fill|copy|init))\b(.*)$")
_SIMD_NAN = re.compile(r"^(\s*)(f32x4|f64x2)\.(?:add|sub|mul|div|min|max|sqrt|ceil|floor|trunc|"
                       r"nearest|relaxed_\w+|demote_f64x2_zero|promote_low_f32x4)(\)*)\s*$")
_CALL = re.compile(r"^(\s*)(call (\d+)|call_indirect (?:\d+ )?\(type (\d+)\))(\)?)\s*$")
CAUGHT = 0x7E5C       # what a try_table's handler logs (log-i32)
_ZERO = {"i32": "i32.const 0", "i64": "i64.const 0", "f32": "f32.const 0",
         "f64": "f64.const 0", "v128": "v128.const i64x2 0 0"}
_SCRATCH = ("(local $t_i32 i32) (local $t_a i32) (local $t_n i32) (local $t_i64 i64) "
            "(local $t_f32 f32) (local $t_f64 f64) (local $t_v128 v128)")
# what an i32 address (size, length) becomes for a 64-bit memory: the
# operands under the address are saved to scratch locals and put back
_TO64 = {
    "load": (["i64.extend_i32_u"], []),
    "size": ([], ["i32.wrap_i64"]),
    "grow": (["i64.extend_i32_u"], ["i32.wrap_i64"]),
    "fill": (["local.set $t_n", "local.set $t_a", "i64.extend_i32_u", "local.get $t_a",
              "local.get $t_n", "i64.extend_i32_u"], []),
    "copy": (["local.set $t_n", "local.set $t_a", "i64.extend_i32_u", "local.get $t_a",
              "i64.extend_i32_u", "local.get $t_n", "i64.extend_i32_u"], []),
    "init": (["local.set $t_n", "local.set $t_a", "i64.extend_i32_u", "local.get $t_a",
              "local.get $t_n"], []),
}


def rewrite3(wat, rnd):
    """binaryen's module (wasm2wat text) with memory 0 made 64-bit (3 in 4
    modules) and a second memory (3 in 5; 64-bit in half of them) that
    about a third of the memory instructions use instead, 4 in 5 calls
    whose results are returned at once made tail calls, and NaN lanes of
    SIMD float arithmetic made 0.  In 3 of 4 modules also exceptions: a tag,
    `throw` instead of some `unreachable`s and at function entries (half of
    them) when binaryen's hang limit has a given value, and 2 in 5 of the
    other direct calls in a try_table whose catch_all logs CAUGHT and gives
    zeros.  Addresses keep their values
    (zero-extended), so the module's behaviour stays that of a 32-bit one;
    what changes is the instructions: i64 addresses, sizes and lengths,
    memory indices, return_call(_indirect).  wasmtime runs the same
    rewritten module."""
    types, fsig, imports = _func_types(wat)
    log = [k for k, im in enumerate(imports) if im[:2] == ("fuzzing-support", "log-i32")]
    m64 = [rnd.random() < 0.75, rnd.random() < 0.5]
    two = rnd.random() < 0.6
    exc = rnd.random() < 0.75
    out = []
    lines = wat.split("\n")
    results = None      # of the function being rewritten
    i = 0
    while i < len(lines):
        ln = lines[i]
        i += 1
        st = ln.lstrip()
        if exc and ln == "(module":
            out += [ln, "  (tag $x (param i32))"]
            continue
        if exc and st == "unreachable" and rnd.random() < 0.6:
            ind = ln[:len(ln) - len(st)]
            out += [ind + "i32.const %d" % rnd.randrange(100), ind + "throw $x"]
            continue
        m = _CALL.match(ln)
        if m is not None:
            # a call whose results the function returns at once: most of
            # them become tail calls (binaryen 108 writes few)
            ind, call, n, t, end = m.groups()
            callee = fsig[int(n)] if n is not None else types[int(t)]
            nxt = lines[i].strip() if i < len(lines) else ""
            if callee[1] == results and (end or nxt == "return") and rnd.random() < 0.8:
                out.append(ind + "return_" + call + end)
                i += 0 if end else 1
                continue
            if exc and n is not None and rnd.random() < 0.4:
                # the call in a try_table whose catch_all gives the
                # callee's results as zeros
                ps, rs = callee
                p = " (param %s)" % " ".join(ps) if ps else ""
                r = " (result %s)" % " ".join(rs) if rs else ""
                out += [ind + "block" + p + r, ind + "  block" + p,
                        ind + "    try_table%s%s (catch_all 0)" % (p, r),
                        ind + "      " + call, ind + "    end", ind + "    br 1",
                        ind + "  end"]
                if log:     # the handler ran: logged, so both sides must agree on it
                    out += [ind + "  i32.const %d" % CAUGHT, ind + "  call %d" % log[0]]
                out += [ind + "  " + _ZERO[t] for t in rs]
                out.append(ind + "end" + end)
                continue
        if st.startswith("(func ") and ln.count("(") > ln.count(")"):
            results = fsig[int(_FUNC.match(ln).group(1))][1]
            out.append(ln)
            while i < len(lines) and lines[i].lstrip().startswith("(local "):
                out.append(lines[i])
                i += 1
            out.append("    " + _SCRATCH)
            body = [x.strip() for x in lines[i:i + 2]]
            if exc and len(body) == 2 and body[0].startswith("global.get ") and \
                    body[1] == "i32.eqz" and rnd.random() < 0.5:
                # binaryen's hang limit (10 after hangLimitInitializer, one
                # less per call and loop iteration) at K: throw
                k = rnd.randrange(1, 10)
                out += ["    " + x for x in (body[0], "i32.const %d" % k, "i32.eq", "if",
                                             "  i32.const %d" % k, "  throw $x", "end")]
            continue
        if st.startswith("(memory "):
            lo_hi = st[len("(memory "):].split(";)", 1)[1].strip().rstrip(")")
            out.append("  (memory %s%s)" % ("i64 " if m64[0] else "", lo_hi))
            if two:
                out.append("  (memory $m1 %s%s)" % ("i64 " if m64[1] else "", lo_hi))
            continue
        if st.startswith("(data ") and m64[0]:
            out.append(ln.replace("(i32.const ", "(i64.const ", 1))
            continue
        m = _SIMD_NAN.match(ln)
        if m is not None:
            # binaryen 108's --denan leaves SIMD alone: a NaN lane becomes
            # 0 here, as --denan does with scalars (the spec leaves the
            # sign and payload of an arithmetic NaN open)
            # (before the parens that end the function, where it ends one)
            end = m.group(3)
            out += [ln.rstrip()[:len(ln.rstrip()) - len(end)]] + [m.group(1) + x for x in (
                "local.tee $t_v128", "local.get $t_v128", "local.get $t_v128",
                m.group(2) + ".eq", "v128.and" + end)]
            continue
        m = _MEMOP.match(ln)
        if m is None:
            out.append(ln)
            continue
        ind, op, rest = m.groups()
        mem = 1 if two and rnd.random() < 0.35 else 0
        if mem:
            op += " $m1 $m1" if op == "memory.copy" else " $m1"
        if m64[mem]:
            kind = op.split(".")[1].split(" ")[0]
            if kind.startswith("load") and "_lane" not in kind:
                kind = "load"
            elif kind.startswith(("load", "store")):
                # the value (a v128 for lane loads) sits on the address
                vt = "v128" if "_lane" in kind else op.split(".")[0]
                kind = None
                pre, post = ["local.set $t_" + vt, "i64.extend_i32_u",
                             "local.get $t_" + vt], []
            if kind:
                pre, post = _TO64[kind]
            out += [ind + x for x in pre]
            out.append(ind + op + rest)
            out += [ind + x for x in post]
        else:
            out.append(ind + op + rest)
    return "\n".join(out)


def wat_text(wasm):
    """wabt's text of a module (wasm2wat)."""
    r = subprocess.run(["wasm2wat", "--enable-all", "-"], input=wasm, capture_output=True,
                       timeout=120)
    if r.returncode != 0:
        raise ValueError("wasm2wat: " + r.stderr.decode(errors="replace")[:200])
    return r.stdout.decode(errors="replace")


_TYPE = re.compile(r"^\s*\(type \(;(\d+);\) \(func(.*)\)\)\s*$", re.M)
_IMPORT = re.compile(r'^\s*\(import "([^"]*)" "([^"]*)" \((\w+) \(;\d+;\)(?: \(type (\d+)\))?',
                     re.M)
_FUNC = re.compile(r"^\s*\(func \(;(\d+);\) \(type (\d+)\)", re.M)
_EXPORT = re.compile(r'^\s*\(export "([^"]*)" \(func (\d+)\)\)', re.M)


def _sig(text):
    """(params, results) of a "(param ...) (result ...)" text."""
    ps, rs = [], []
    for kind, ts in re.findall(r"\((param|result)([^()]*)\)", text):
        (ps if kind == "param" else rs).extend(ts.split())
    return tuple(ps), tuple(rs)


def _func_types(text):
    """{type index: (params, results)}, [(params, results) of function i]
    and the function imports [(module, name, params, results)]."""
    types = {int(n): _sig(body) for n, body in _TYPE.findall(text)}
    fsig, imports = [], []
    for mod, name, kind, t in _IMPORT.findall(text):
        if kind == "func":
            fsig.append(types[int(t)])
            imports.append((mod, name) + types[int(t)])
        else:
            imports.append((mod, name, None, None))
    fsig += [types[int(t)] for _, t in sorted((int(i), t) for i, t in _FUNC.findall(text))]
    return types, fsig, imports


def signatures(text):
    """Function imports [(module, name, params, results)] and exports
    {name: (params, results)} from wasm2wat text: wasmtime's Python API
    aborts the process when asked for a v128 value type."""
    _, fsig, imports = _func_types(text)
    return imports, {name: fsig[int(i)] for name, i in _EXPORT.findall(text)}


def describe(seed, wasm, text):
    """(exports {name: (params, results)}, imports spec, calls) or a reason
    to skip the module (str).  `text`: the module's (wasm2wat) text."""
    import wasmtime
    wasmtime.Module(td.engine(), wasm)      # raises when wasmtime refuses it
    imports, exports = signatures(text)
    funcs = []
    for mod, name, ps, rs in imports:
        if mod != "fuzzing-support" or ps is None or rs:
            return "import %s.%s" % (mod, name)
        funcs.append((name, list(ps), [], "log", 0))
    for name, (ps, rs) in exports.items():
        if any(t not in _EDGE for t in ps + rs):
            return "export %s has a reference type" % name
    rnd = random.Random(seed ^ 0x5EED)
    calls = []
    reset = "hangLimitInitializer" in exports
    for name in sorted(exports):
        if name == "hangLimitInitializer":
            continue
        for _ in range(2):
            if reset:
                calls.append(("hangLimitInitializer", []))
            calls.append((name, [rnd.choice(_EDGE[t]) for t in exports[name][0]]))
    return exports, {"module": "fuzzing-support", "funcs": funcs}, calls


def _nan(v, t):
    return td.NAN if td.is_nan_bits(v, t) else v


def _nan_marks(exports, imports, recs, calls):
    """Raw results and logged floats with NaNs as td.NAN, on either side
    (wasmtime's Python API hands floats over as Python floats; v128 values
    cross it as bits and are compared as bits)."""
    ptypes = {f[0]: f[1] for f in imports["funcs"]}
    for r in recs:
        name = calls[r["c"]][0] if r.get("c", len(calls)) < len(calls) else None
        if "r" in r and name in exports:
            rt = exports[name][1]
            r["r"] = [_nan(v, t) for v, t in zip(r["r"], rt)]
        for entry in r.get("log", ()):
            ts = ptypes.get(entry[0], ())
            entry[1] = [_nan(v, t) for v, t in zip(entry[1], ts)]


class _G:
    pass


def check(mods, tier, workdir, limit):
    """Runs `mods` (prepared modules) on `tier`; {seed: [differences]}."""
    drv = [{"id": m["id"], "wasm": m["path"], "calls": m["calls"], "imports": m["imports"]}
           for m in mods]
    soft = H.port_soft()
    errs = td.compile_aot(drv, soft=soft, limit=limit) if tier == "aot" else {}
    ours = td.run_ours([d for d in drv if d["id"] not in errs], tier, soft, workdir,
                       per_module=limit)
    for i, msg in errs.items():
        ours[i] = ({"inst": "error", "msg": msg}, [])
    out = {}
    for m in mods:
        o = ours.get(m["id"], ({"inst": "error", "msg": "driver died: no output"}, []))
        if o[0].get("inst") == "unavailable":
            out[m["id"]] = None
            continue
        _nan_marks(m["exports"], m["imports"], o[1], m["calls"])
        g = _G()
        g.calls = m["calls"]
        out[m["id"]] = td.compare(g, m["ref"], o)
    return out


def _features_used(text):
    """Names of the 3.0 features a module's text shows (for the figures)."""
    used = [name for name, pat in (("simd", " v128"), ("return_call", "return_call"),
                                   ("tag", "(tag "), ("throw", "throw "),
                                   ("try_table", "try_table"), ("memory64", "\n  (memory i64 "))
            if pat in text]
    return used + (["two memories"] if text.count("\n  (memory ") > 1 else [])


def run(budget, tiers, out_dir, stats=None, limit=LIMIT, log=print, features="2.0"):
    st = stats or H.Stats(CAMPAIGN)
    if wasm_opt() is None:
        log("ttf: wasm-opt (binaryen) is not installed: skipped")
        st.add("skipped: no wasm-opt")
        return st
    first = budget.next
    for seeds in H.batches(budget, BATCH, st, log):
        workdir = tempfile.mkdtemp(prefix="wamrttf-")
        try:
            mods = []
            for s in seeds:
                st.add("seeds")
                gen = generate(s, workdir, features)
                if gen is None:
                    st.add("binaryen failed")
                    continue
                wasm, text = gen
                try:
                    d = describe(s, wasm, text)
                except Exception as e:     # wasmtime refuses what binaryen wrote
                    st.add("wasmtime refused")
                    log("ttf seed %d: wasmtime refused the module: %s" % (s, str(e)[:200]))
                    continue
                if isinstance(d, str):
                    st.add("skipped")
                    continue
                exports, imports, calls = d
                with td._REF_LOCK:
                    ref = td.run_reference(wasm, calls, exports, imports)
                _nan_marks(exports, imports, ref[1], calls)
                if any(r.get("trap") == "OUT_OF_FUEL" for r in ref[1]):
                    st.add("skipped: wasmtime ran out of fuel")
                    continue
                path = os.path.join(workdir, "t%d.wasm" % s)
                mods.append({"id": s, "path": path, "wasm": wasm, "calls": calls,
                             "imports": imports, "exports": exports, "ref": ref})
                st.add("modules")
                st.add("calls", len(calls))
                if features == "3.0":
                    for name in _features_used(text):
                        st.add("with " + name)
                    st.add("uncaught exceptions",
                           sum(r.get("trap") == "EXCEPTION" for r in ref[1]))
                    st.add("caught exceptions", sum(e == ["log-i32", [CAUGHT]]
                                                    for r in ref[1] for e in r.get("log", ())))
            for tier in tiers:
                res = check(mods, tier, workdir, limit)
                for m in mods:
                    d = res.get(m["id"])
                    if d is None:
                        st.add("tier %s unavailable" % tier)
                        continue
                    st.add("runs")
                    if d:
                        _finding(st, m, tier, d, workdir, out_dir, limit, log, features)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
    st.seeds = (first, budget.next)
    return st


def _finding(st, m, tier, diffs, workdir, out_dir, limit, log, features):
    again = check([m], tier, workdir, limit).get(m["id"])
    f = H.Finding(CAMPAIGN, m["id"], diffs[0], "; ".join(diffs[1:3]), tier,
                  H.replay_command(CAMPAIGN, m["id"], tier,
                                   ("--features", features) if features != "2.0" else ()))
    f.confirmed = bool(again)
    f.files = H.save(out_dir, CAMPAIGN, "seed%d-%s.wasm" % (m["id"], tier), m["wasm"],
                     {"seed": m["id"], "tier": tier, "differences": diffs, "again": again,
                      "calls": m["calls"], "imports": m["imports"],
                      "replay": "python tests/test_differential.py --wat FILE.wat --call ..."})
    st.findings.append(f)
    log(f.line())

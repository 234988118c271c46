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
import shutil
import struct
import subprocess
import tempfile

import fuzz_host as H
import test_differential as td

CAMPAIGN = "ttf"
FEATURES = ["--mvp-features", "--enable-sign-ext", "--enable-mutable-globals",
            "--enable-nontrapping-float-to-int", "--enable-bulk-memory", "--enable-multivalue"]
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
_EDGE = {"i32": _I32, "i64": _I64, "f32": _F32, "f64": _F64}


def wasm_opt():
    return shutil.which("wasm-opt")


def generate(seed, workdir):
    """The module of seed `seed` (bytes), or None when binaryen fails."""
    rnd = random.Random(seed)
    data = bytes(rnd.getrandbits(8) for _ in range(rnd.randrange(1024, 8192)))
    src = os.path.join(workdir, "r%d.dat" % seed)
    out = os.path.join(workdir, "t%d.wasm" % seed)
    with open(src, "wb") as f:
        f.write(data)
    r = subprocess.run([wasm_opt(), "-ttf", src] + FEATURES + ["--denan", "-o", out],
                       capture_output=True, timeout=120)
    if r.returncode != 0 or not os.path.exists(out):
        return None
    with open(out, "rb") as f:
        return f.read()


def describe(seed, wasm):
    """(exports {name: (params, results)}, imports spec, calls) or a reason
    to skip the module (str)."""
    import wasmtime
    mod = wasmtime.Module(td.engine(), wasm)
    funcs = []
    for i in mod.imports:
        t = i.type
        if i.module != "fuzzing-support" or not isinstance(t, wasmtime.FuncType) or t.results:
            return "import %s.%s" % (i.module, i.name)
        funcs.append((i.name, [str(p) for p in t.params], [], "log", 0))
    exports = {}
    for e in mod.exports:
        if isinstance(e.type, wasmtime.FuncType):
            ps = tuple(str(p) for p in e.type.params)
            rs = tuple(str(r) for r in e.type.results)
            if any(t not in _EDGE for t in ps + rs):
                return "export %s has a reference type" % e.name
            exports[e.name] = (ps, rs)
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


def _nan_marks(exports, imports, recs):
    """Our raw results and logged floats with NaNs as td.NAN (as the
    reference records them)."""
    ptypes = {f[0]: f[1] for f in imports["funcs"]}
    for r in recs:
        name = r.get("_name")
        if "r" in r and name in exports:
            rt = exports[name][1]
            r["r"] = [td.NAN if td.is_nan_bits(v, t) else v for v, t in zip(r["r"], rt)]
        for entry in r.get("log", ()):
            ts = ptypes.get(entry[0], ())
            entry[1] = [td.NAN if td.is_nan_bits(v, t) else v for v, t in zip(entry[1], ts)]


class _G:
    pass


def check(mods, tier, workdir, limit):
    """Runs `mods` (prepared modules) on `tier`; {seed: [differences]}."""
    drv = [{"id": m["id"], "wasm": m["path"], "calls": m["calls"], "imports": m["imports"]}
           for m in mods]
    errs = td.compile_aot(drv, limit=limit) if tier == "aot" else {}
    ours = td.run_ours([d for d in drv if d["id"] not in errs], tier, False, workdir,
                       per_module=limit)
    for i, msg in errs.items():
        ours[i] = ({"inst": "error", "msg": msg}, [])
    out = {}
    for m in mods:
        o = ours.get(m["id"], ({"inst": "error", "msg": "driver died: no output"}, []))
        if o[0].get("inst") == "unavailable":
            out[m["id"]] = None
            continue
        for r in o[1]:
            if "c" in r and r["c"] < len(m["calls"]):
                r["_name"] = m["calls"][r["c"]][0]
        _nan_marks(m["exports"], m["imports"], o[1])
        for r in o[1]:
            r.pop("_name", None)
        g = _G()
        g.calls = m["calls"]
        out[m["id"]] = td.compare(g, m["ref"], o)
    return out


def run(budget, tiers, out_dir, stats=None, limit=LIMIT, log=print):
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
                wasm = generate(s, workdir)
                if wasm is None:
                    st.add("binaryen failed")
                    continue
                try:
                    d = describe(s, wasm)
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
                if any(r.get("trap") == "OUT_OF_FUEL" for r in ref[1]):
                    st.add("skipped: wasmtime ran out of fuel")
                    continue
                path = os.path.join(workdir, "t%d.wasm" % s)
                mods.append({"id": s, "path": path, "wasm": wasm, "calls": calls,
                             "imports": imports, "exports": exports, "ref": ref})
                st.add("modules")
                st.add("calls", len(calls))
            for tier in tiers:
                res = check(mods, tier, workdir, limit)
                for m in mods:
                    d = res.get(m["id"])
                    if d is None:
                        st.add("tier %s unavailable" % tier)
                        continue
                    st.add("runs")
                    if d:
                        _finding(st, m, tier, d, workdir, out_dir, limit, log)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
    st.seeds = (first, budget.next)
    return st


def _finding(st, m, tier, diffs, workdir, out_dir, limit, log):
    again = check([m], tier, workdir, limit).get(m["id"])
    f = H.Finding(CAMPAIGN, m["id"], diffs[0], "; ".join(diffs[1:3]), tier,
                  H.replay_command(CAMPAIGN, m["id"], tier))
    f.confirmed = bool(again)
    f.files = H.save(out_dir, CAMPAIGN, "seed%d-%s.wasm" % (m["id"], tier), m["wasm"],
                     {"seed": m["id"], "tier": tier, "differences": diffs, "again": again,
                      "calls": m["calls"], "imports": m["imports"],
                      "replay": "python tests/test_differential.py --wat FILE.wat --call ..."})
    st.findings.append(f)
    log(f.line())

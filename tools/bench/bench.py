"""Benchmark driver (CPython): every workload of tools/bench/workloads on
every wamr_mpy tier (portable interpreter, fast interpreter, JIT, AOT .mpy)
on the MicroPython unix port (x64) and on ports/unix32 (a 32-bit,
single-float MicroPython, as on the boards), and, in the same run, the same
.wasm under wasm3 (pywasm3) and wasmtime.

    python3 tools/bench [--quick] [--reps N] [--rounds N] [--tiers a,b]
                        [--ports x64,unix32] [--workloads a,b]
                        [--runtime DIR] [--json FILE|-] [--update-md]

Time is the best (minimum) of several calls of `run(n)` after a warm-up call
(which also JIT-compiles where a runtime compiles), measured inside the
runtime's own process (MicroPython: time.ticks_us around inst.call; wasm3 /
wasmtime: time.perf_counter around the call), so start-up, loading and
compiling are excluded.  The executed wasm instruction count comes from
wasmtime's fuel with fuel metering on (1 per instruction; nop, drop, block,
loop, end and else count 0), so "ns/instr" is time / that count.  Every run's
checksum is checked against expected.json.

Allocation: with garbage collection disabled, gc.mem_alloc() before and
after run(small n) and run(0) (after the warm-up); the difference between
the two, per 1000 executed instructions of the difference, is the heap the
wasm work itself allocates (the call's own fixed cost cancels out).
Benchmarks report; nothing here asserts a time.  See BENCHMARKS.md.
"""
import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
WORK = os.path.join(HERE, "workloads")
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "tests"))

MP_TIERS = ("interp", "fast", "jit", "aot")
REF = ("wasm3", "wasmtime")
ALL = MP_TIERS + REF
# MicroPython ports: name -> -march of its native code.  A port's tiers are
# keyed "tier" on x64 (the default unix port) and "tier/32" on unix32.
PORTS = {"x64": "x64", "unix32": "x86"}
SUFFIX = {"x64": "", "unix32": "/32"}

# What each workload stresses (the tables are read per class, not as one
# mean: i32 loops and i64/float/call code behave very differently).
CLASS = {"fib": "calls (recursion)", "calls": "calls", "sieve": "i32, memory",
         "crc32": "i32, memory", "matmul_int": "i32, memory", "sha256": "i32",
         "quicksort": "i32, memory, calls", "coremark_mix": "i32 mix",
         "xxhash64": "i64, memory", "mix64": "i64", "iir_f32": "f32",
         "matmul_f64": "f64, memory", "nbody_f64": "f64 (div, sqrt)",
         "simd_blend": "v128 (8-bit lanes)", "scalar_blend": "i32, memory"}
# Workloads using WebAssembly SIMD (wasm3 implements none) and the pairs of a
# SIMD kernel and its scalar twin (same work, same checksum) whose time ratio
# is printed: the SIMD sample's image filter (samples/simd/blend.h).
SIMD_WORKLOADS = ("simd_blend",)
TWINS = (("simd_blend", "scalar_blend"),)

MP_SCRIPT = r"""
import sys, gc, time
sys.path.insert(0, %(root)r)
import wamr_mpy
tier = %(tier)r
if tier == "aot":
    mod = wamr_mpy.load(%(mpy)r)
    inst = mod.instantiate()
else:
    mod = wamr_mpy.load(open(%(wasm)r, "rb").read())
    inst = mod.instantiate(tier=tier)
inst.call("run", %(small)d)
inst.call("run", 0)
al = []
for n in (0, %(small)d):
    gc.collect()
    gc.disable()
    a = gc.mem_alloc()
    inst.call("run", n)
    al.append(gc.mem_alloc() - a)
    gc.enable()
print("ALLOC", al[0], al[1])


def cpu_us():
    # this process's user + system time (Linux /proc, in 1/100 s)
    f = open("/proc/self/stat")
    p = f.read().split(") ")[1].split()
    f.close()
    return (int(p[11]) + int(p[12])) * 10000


def wall_us():
    return time.ticks_us()


clock = cpu_us if %(cpu)r else wall_us
# CPU time ticks in 10 ms: time batches of calls that take 0.3 s or more
k = 0
t = clock()
while True:
    r = inst.call("run", %(n)d)
    k += 1
    if not %(cpu)r or clock() - t >= 300000:
        break
times = []
total = 0
for i in range(%(reps)d):
    gc.collect()
    t = clock()
    for j in range(k):
        r = inst.call("run", %(n)d)
    dt = (clock() - t) / k
    times.append(dt)
    total += dt * k
    if total > %(budget_us)d:
        break
print("RESULT", r & 0xffffffff, " ".join(str(x) for x in times))
"""


def load_expected():
    with open(os.path.join(WORK, "expected.json")) as f:
        return json.load(f)


def micropython(port="x64"):
    if port == "unix32":
        return os.environ.get("WAMR_MICROPYTHON32") or \
            os.path.join(ROOT, "build", "unix32-single", "micropython")
    from mp import MICROPYTHON
    return MICROPYTHON


def have_port(port):
    return port == "x64" or os.path.exists(micropython(port))


def have_fast():
    return os.path.exists(os.path.join(ROOT, "wamr_mpy", "interp_fast.py"))


def build_aot(wasm, outdir, arch="x64", root=ROOT):
    """The .mpy of `wasm` made by `root`'s tools/wamrc (so an older checkout
    is measured with its own compiler)."""
    # a module name: a port without vfs.mount imports it from the file
    p = os.path.join(outdir, "%s_%s.mpy" % (os.path.basename(wasm)[:-5], arch))
    r = subprocess.run([sys.executable, os.path.join(root, "tools", "wamrc"), "-q",
                        "-march=" + arch, "-o", p, wasm], capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError((r.stdout + r.stderr).strip()[-300:])
    return p


def run_mp(tier, wasm, mpy, e, n, reps, budget, timeout, port="x64", root=ROOT, cpu=True):
    """(checksum, times, (alloc bytes of run(0), of run(small n))), error."""
    code = MP_SCRIPT % {"root": root, "tier": tier, "mpy": mpy, "wasm": wasm,
                        "small": e["small_n"], "n": n, "reps": reps,
                        "budget_us": int(budget * 1e6), "cpu": bool(cpu)}
    env = dict(os.environ)
    env["MICROPYPATH"] = root
    try:
        r = subprocess.run([micropython(port), "-X", "heapsize=64M", "-c", code],
                           capture_output=True, text=True, timeout=timeout, env=env, cwd=root)
    except subprocess.TimeoutExpired:
        return None, "timeout after %ds" % timeout
    alloc = None
    for line in r.stdout.splitlines():
        if line.startswith("ALLOC "):
            alloc = tuple(int(x) for x in line.split()[1:])
        if line.startswith("RESULT "):
            parts = line.split()
            return (int(parts[1]), [float(x) / 1e6 for x in parts[2:]], alloc), None
    return None, ((r.stdout + r.stderr).strip().splitlines()[-1:] or
                  ["exit %d" % r.returncode])[0]


def run_wasm3(wasm, e, n, reps, budget, cpu=True):
    import wasm3
    env = wasm3.Environment()
    rt = env.new_runtime(64 * 1024)
    rt.load(env.parse_module(open(wasm, "rb").read()))
    f = rt.find_function(e["export"])
    f(e["small_n"])
    return _time_calls(lambda: f(n), reps, budget, cpu)


def run_wasmtime(wasm, e, n, reps, budget, cpu=True):
    import wasmtime
    store = wasmtime.Store()
    inst = wasmtime.Instance(store, wasmtime.Module.from_file(store.engine, wasm), [])
    f = inst.exports(store)[e["export"]]
    f(store, e["small_n"])
    return _time_calls(lambda: f(store, n), reps, budget, cpu)


def _time_calls(call, reps, budget, cpu=True):
    clock = time.process_time if cpu else time.perf_counter
    k = 0
    t = clock()
    while True:
        r = call()
        k += 1
        if not cpu or clock() - t >= 0.3:
            break
    times = []
    total = 0.0
    for i in range(reps):
        t = clock()
        for j in range(k):
            r = call()
        dt = (clock() - t) / k
        times.append(dt)
        total += dt * k
        if total > budget:
            break
    return (r & 0xFFFFFFFF, times, None), None


def instr_count(wasm, e, n):
    """Executed wasm instructions of run(n): wasmtime's fuel."""
    try:
        import wasmtime
    except ImportError:
        return None
    cfg = wasmtime.Config()
    cfg.consume_fuel = True
    eng = wasmtime.Engine(cfg)
    store = wasmtime.Store(eng)
    store.set_fuel(1 << 62)
    inst = wasmtime.Instance(store, wasmtime.Module.from_file(eng, wasm), [])
    f = inst.exports(store)[e["export"]]
    a = store.get_fuel()
    f(store, n)
    return a - store.get_fuel()


def mp_version(port):
    try:
        return subprocess.run(
            [micropython(port), "-c", "import sys; v = sys.implementation.version; "
             "print('v%d.%d.%d' % v[:3], sys.version.split(';')[-1].strip())"],
            capture_output=True, text=True, timeout=30).stdout.strip() or "?"
    except Exception:
        return "?"


def machine(ports=("x64",)):
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        load = "%.2f %.2f %.2f" % os.getloadavg()
    except OSError:
        load = "?"
    return {"cpu": cpu, "cores": os.cpu_count(), "uname": " ".join(platform.uname()),
            "date": datetime.datetime.now().strftime("%Y-%m-%d %H:%M"),
            "python": platform.python_version(), "micropython": mp_version("x64"),
            "micropython32": mp_version("unix32") if "unix32" in ports else None,
            "load": load}


def run_all(tiers, workloads, quick=False, reps=7, budget=3.0, timeout=900, log=None,
            ports=("x64",), root=ROOT, cpu=True):
    E = load_expected()
    results = {"machine": machine(ports), "quick": quick, "ports": list(ports),
               "workloads": {}}
    tmp = tempfile.mkdtemp(prefix="wamr_bench_")
    for name in workloads:
        e = E[name]
        wasm = os.path.join(WORK, e["file"])
        n = e["small_n"] if quick else e["n"]
        want = e["small_checksum"] if quick else e["checksum"]
        w = {"n": n, "instrs": instr_count(wasm, e, n), "runs": {}, "class": CLASS.get(name),
             "alloc_instrs": _diff(instr_count(wasm, e, e["small_n"]), instr_count(wasm, e, 0))}
        results["workloads"][name] = w
        for port in ports:
            mpy = None
            for tier in tiers:
                if tier not in MP_TIERS and port != "x64":
                    continue          # the reference runtimes run once, on the host
                key = tier + SUFFIX[port]
                err = None
                res = None
                if tier == "wasm3" and name in SIMD_WORKLOADS:
                    w["runs"][key] = {"error": "not supported (wasm3 has no SIMD)"}
                    continue
                try:
                    if tier in MP_TIERS:
                        if tier == "aot" and mpy is None:
                            mpy = build_aot(wasm, tmp, PORTS[port], root)
                        res, err = run_mp(tier, wasm, mpy, e, n,
                                          reps if tier != "interp" else 1, budget, timeout,
                                          port, root, cpu)
                    elif tier == "wasm3":
                        res, err = run_wasm3(wasm, e, n, reps, budget, cpu)
                    elif tier == "wasmtime":
                        res, err = run_wasmtime(wasm, e, n, reps, budget, cpu)
                except ImportError as ex:
                    err = "not installed (%s)" % ex
                except Exception as ex:
                    err = "%s: %s" % (type(ex).__name__, ex)
                if res is not None:
                    got, times, alloc = res
                    if got != want:
                        err = "wrong checksum %d (expected %d)" % (got, want)
                        res = None
                if res is None:
                    run = {"error": err}
                else:
                    run = {"best": min(times), "times": times}
                    if alloc is not None:
                        run["alloc"] = list(alloc)
                w["runs"][key] = run
                if log:
                    if res is None:
                        log("%-13s %-11s %s" % (name, key, err))
                    else:
                        log("%-13s %-11s %9.2f ms (best of %d)%s" % (
                            name, key, min(times) * 1e3, len(times),
                            "" if alloc is None else ", %s B/kinstr allocated" % _fmt_alloc(
                                alloc_rate(run, w))))
    return results


def _diff(a, b):
    return a - b if a is not None and b is not None else None


def alloc_rate(run, w):
    """Heap bytes the wasm work allocates per 1000 executed instructions."""
    al = run.get("alloc")
    if not al or not w.get("alloc_instrs"):
        return None
    return max(0, al[1] - al[0]) * 1000.0 / w["alloc_instrs"]


def merge(a, b):
    """Keeps, per workload and runtime, every time and the best of both."""
    for name, w in b["workloads"].items():
        wa = a["workloads"].setdefault(name, w)
        if wa is w:
            continue
        for tier, r in w["runs"].items():
            ra = wa["runs"].get(tier)
            if ra is None or "error" in ra:
                wa["runs"][tier] = r
            elif "error" not in r:
                ra["times"] = ra["times"] + r["times"]
                ra["best"] = min(ra["times"])
    return a


def _ratio(a, b):
    return a / b if a and b else None


def summarize(results, keys):
    rows = []
    for name, w in results["workloads"].items():
        row = {"workload": name, "class": w.get("class") or "", "n": w["n"],
               "instrs": w["instrs"], "t": {}, "ns": {}, "alloc": {}}
        for k in keys:
            r = w["runs"].get(k, {})
            t = r.get("best")
            row["t"][k] = t
            row["ns"][k] = t * 1e9 / w["instrs"] if t and w["instrs"] else None
            row["alloc"][k] = alloc_rate(r, w)
        rows.append(row)
    return rows


def _fmt_t(t):
    if t is None:
        return "-"
    if t >= 1:
        return "%.2f s" % t
    return "%.1f ms" % (t * 1e3) if t >= 0.01 else "%.2f ms" % (t * 1e3)


def _fmt_x(x):
    if x is None:
        return "-"
    if x >= 100:
        return "%.0fx" % x
    return "%.1fx" % x if x >= 10 else "%.2fx" % x


def _fmt_alloc(a):
    if a is None:
        return "-"
    if a == 0:
        return "0"
    return "%.0f" % a if a >= 10 else "%.1f" % a if a >= 0.1 else "<0.1"


def port_keys(tiers, port):
    ks = [t + SUFFIX[port] for t in tiers if t in MP_TIERS]
    if port == "x64":
        ks += [t for t in tiers if t in REF]
    return ks


def tables(results, tiers, port="x64"):
    """Markdown tables for one port: times (and ns per instruction), time
    over wasm3's, heap allocated per 1000 instructions."""
    keys = port_keys(tiers, port)
    mp = [k for k in keys if k.split("/")[0] in MP_TIERS]
    rows = summarize(results, keys + (["wasm3"] if "wasm3" in tiers else []))
    head = ["workload", "what", "instrs"] + keys
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        cells = [r["workload"], r["class"],
                 "%.1fM" % (r["instrs"] / 1e6) if r["instrs"] else "-"]
        for k in keys:
            tt = r["t"][k]
            cells.append("-" if tt is None else "%s (%s ns)" % (_fmt_t(tt), _fmt_ns(r["ns"][k])))
        out.append("| " + " | ".join(cells) + " |")
    ratio = []
    if "wasm3" in tiers:
        ks = [k for k in keys if k != "wasm3"]
        ratio = ["| workload | " + " | ".join("%s / wasm3" % k for k in ks) + " |",
                 "|" + "---|" * (len(ks) + 1)]
        for r in rows:
            ratio.append("| " + " | ".join([r["workload"]] + [
                _fmt_x(_ratio(r["t"][k], r["t"]["wasm3"])) for k in ks]) + " |")
    alloc = ["| workload | " + " | ".join(mp) + " |", "|" + "---|" * (len(mp) + 1)]
    for r in rows:
        alloc.append("| " + " | ".join([r["workload"]] + [_fmt_alloc(r["alloc"][k])
                                                        for k in mp]) + " |")
    return "\n".join(out), "\n".join(ratio), "\n".join(alloc)


def twin_lines(results, tiers, port="x64"):
    """Per SIMD workload and tier: its time, its scalar twin's and the ratio
    (how many times faster the SIMD build is)."""
    out = []
    for simd, scalar in TWINS:
        ws = results["workloads"].get(simd)
        wt = results["workloads"].get(scalar)
        if not ws or not wt:
            continue
        for k in port_keys(tiers, port):
            a = ws["runs"].get(k, {}).get("best")
            b = wt["runs"].get(k, {}).get("best")
            if a and b:
                out.append("%s vs %s on %s: %s vs %s (scalar / SIMD time: %s)"
                           % (simd, scalar, k, _fmt_t(a), _fmt_t(b), _fmt_x(b / a)))
    return out


def table(results, tiers, port="x64"):
    t1, t2, t3 = tables(results, tiers, port)
    return t1, t2


def _fmt_ns(ns):
    if ns is None:
        return "-"
    return "%.0f" % ns if ns >= 100 else ("%.1f" % ns if ns >= 1 else "%.2f" % ns)


MD_HEAD = """# Benchmarks

Generated by `python3 tools/bench --update-md` (tools/bench/bench.py): the
workloads of `tools/bench/workloads` (freestanding C compiled to wasm32 with
clang-14, see their README) on every wamr_mpy tier, on the MicroPython unix
port (x86-64, 64-bit words, double floats) and on `ports/unix32` (32-bit
words, 31-bit small ints, single-precision floats: the boards' arithmetic;
f64 through soft float), and the same `.wasm` under wasm3 (PyPI `pywasm3`,
the fastest C interpreter) and wasmtime (PyPI, a JIT), in one run.

What each workload measures (its class column): `i32` loops over memory
(sieve, crc32, matmul_int, sha256, quicksort, coremark_mix), 64-bit integer
code (`xxhash64`: a 64-bit hash over memory; `mix64`: 64-bit multiply,
rotate, shift, compare and bit counts in registers), floating point
(`iir_f32`: single-precision filtering with sqrt; `matmul_f64`: double
loads and multiply-adds; `nbody_f64`: double arithmetic with division and
sqrt) and calls (`fib`: recursion; `calls`: small direct and indirect calls
with i32 and i64 arguments).  Read the tables per workload: the classes
behave very differently and no single mean describes them.

How it is measured: each cell is the best (minimum) time of several calls of
`run(n)` after a warm-up call, timed inside the runtime's process (load and
compile times excluded; the JIT tier compiles during the warm-up), with the
checksum of every call checked.  `ns` is nanoseconds per executed wasm
instruction, the instruction count being wasmtime's fuel (1 per instruction;
`nop`, `drop`, `block`, `loop`, `end`, `else` count 0).  The portable
interpreter is timed once per workload and round (seconds per call).  The
machine is shared with other jobs, so the best of several calls and of
`--rounds` whole runs is reported; expect noise of tens of percent between
runs.  Allocation: heap bytes allocated per 1000 executed wasm instructions
(`gc.mem_alloc()` deltas with collection disabled, run(small n) minus
run(0), so the call's own fixed cost cancels out); 0 means the loops
allocate nothing.

Tiers: `interp` portable interpreter, `fast` viper fast interpreter, `jit`
the AOT code generator at run time, `aot` a `tools/wamrc` `.mpy` (x64 on the
unix port, x86 on unix32; docs/aot.md).  A `/32` suffix marks a tier on
ports/unix32.
"""


KEPT_AFTER = "\n## Results"    # the generated part; later "## " sections are kept


def write_md(results, tiers, path):
    m = results["machine"]
    parts = [MD_HEAD, "\n## Results\n\nMachine: %s (%s cores), `%s`, %s; CPython %s; "
             "MicroPython %s%s; load average at start %s.%s\n" % (
                 m["cpu"], m["cores"], m["uname"], m["date"], m["python"], m["micropython"],
                 (" (unix32: %s)" % m["micropython32"]) if m.get("micropython32") else "",
                 m["load"], " Small sizes (--quick)." if results["quick"] else "")]
    for port in results.get("ports", ["x64"]):
        t1, t2, t3 = tables(results, tiers, port)
        title = "x86-64 unix port" if port == "x64" else \
            "ports/unix32 (32-bit words, single-precision float)"
        parts.append("\n### %s\n\nTime per call (ns per wasm instruction):\n\n%s\n" % (title, t1))
        if t2 and port == "x64":
            parts.append("\nTime over wasm3's (below 1: faster than wasm3):\n\n%s\n" % t2)
        parts.append("\nHeap allocated per 1000 wasm instructions (bytes):\n\n%s\n" % t3)
        tw = twin_lines(results, tiers, port)
        if tw:
            parts.append("\nSIMD against its scalar twin (the same C without -msimd128, same "
                         "work and checksum; best time per call of `run(n)`):\n\n%s\n"
                         % "\n".join("- " + ln for ln in tw))
    # hand-written sections after the results (measurements of one change,
    # run separately) stay
    try:
        with open(path) as f:
            old = f.read()
        k = old.find(KEPT_AFTER)
        k = old.find("\n## ", k + 1) if k >= 0 else -1
        if k >= 0:
            parts.append(old[k:])
    except OSError:
        pass
    with open(path, "w") as f:
        f.write("".join(parts))


def main(argv=None):
    E = load_expected()
    ap = argparse.ArgumentParser(prog="tools/bench", description=__doc__.split("\n\n")[0])
    ap.add_argument("--tiers", default=",".join(ALL),
                    help="comma list of %s (default: all available)" % ", ".join(ALL))
    ap.add_argument("--workloads", default=",".join(E), help="comma list (default: all)")
    ap.add_argument("--ports", default=None,
                    help="MicroPython ports to run the tiers on: x64 (the unix port), "
                         "unix32 (ports/unix32, $WAMR_MICROPYTHON32; default: both when "
                         "unix32 is built)")
    ap.add_argument("--runtime", metavar="DIR", default=ROOT,
                    help="the wamr_mpy checkout to measure (default: this one), e.g. an "
                         "older commit's worktree for before/after figures")
    ap.add_argument("--quick", action="store_true",
                    help="small sizes (minutes, not tens of minutes)")
    ap.add_argument("--reps", type=int, default=7, help="calls per measurement (best is kept)")
    ap.add_argument("--budget", type=float, default=3.0,
                    help="stop repeating a measurement after this many seconds")
    ap.add_argument("--rounds", type=int, default=1,
                    help="run everything this many times, keep each cell's best "
                         "(a shared machine: other jobs steal time)")
    ap.add_argument("--timeout", type=int, default=900, help="seconds per MicroPython run")
    ap.add_argument("--clock", choices=("cpu", "wall"), default="cpu",
                    help="cpu (default): the process's CPU time over batches of calls of "
                         "at least 0.3 s (steady on a shared machine); wall: elapsed time "
                         "of each call")
    ap.add_argument("--json", metavar="FILE", help="write all numbers as JSON (- for stdout)")
    ap.add_argument("--update-md", action="store_true", help="rewrite BENCHMARKS.md")
    a = ap.parse_args(argv)
    tiers = [t for t in a.tiers.split(",") if t]
    for t in tiers:
        if t not in ALL:
            ap.error("unknown tier %s" % t)
    if "fast" in tiers and not have_fast():
        tiers.remove("fast")
    wl = [w for w in a.workloads.split(",") if w]
    for w in wl:
        if w not in E:
            ap.error("unknown workload %s (have: %s)" % (w, ", ".join(E)))
    if a.ports is None:
        ports = [p for p in PORTS if have_port(p)]
    else:
        ports = [p for p in a.ports.split(",") if p]
        for p in ports:
            if p not in PORTS:
                ap.error("unknown port %s (have: %s)" % (p, ", ".join(PORTS)))
            if not have_port(p):
                ap.error("port %s: %s not found (ports/unix32/build.sh builds it)"
                         % (p, micropython(p)))
    quiet = a.json == "-"
    log = None if quiet else (lambda s: print(s, file=sys.stderr, flush=True))
    results = None
    for i in range(max(1, a.rounds)):
        r = run_all(tiers, wl, a.quick, a.reps, a.budget, a.timeout, log, ports,
                    os.path.abspath(a.runtime), a.clock == "cpu")
        results = r if results is None else merge(results, r)
    results["tiers"] = tiers
    results["clock"] = a.clock
    results["rounds"] = max(1, a.rounds)
    if a.json:
        text = json.dumps(results, indent=1)
        if a.json == "-":
            print(text)
        else:
            with open(a.json, "w") as f:
                f.write(text + "\n")
    if not quiet:
        for port in ports:
            for t in tables(results, tiers, port):
                if t:
                    print(t)
                    print()
            for ln in twin_lines(results, tiers, port):
                print(ln)
    if a.update_md:
        write_md(results, tiers, os.path.join(ROOT, "BENCHMARKS.md"))
    bad = [(n, t) for n, w in results["workloads"].items() for t, r in w["runs"].items()
           if "error" in r and not (r["error"] or "").startswith(("not installed",
                                                                   "not supported"))]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    import entry
    sys.exit(entry.run("bench", main))

"""Benchmark driver (CPython): every workload of tools/bench/workloads on
every wamr_mpy tier on the MicroPython unix port (portable interpreter,
fast interpreter, JIT, AOT x64 .mpy) and, in the same run, the same .wasm
under wasm3 (pywasm3) and wasmtime.

    python3 tools/bench [--quick] [--reps N] [--rounds N] [--tiers a,b]
                        [--workloads a,b] [--json FILE|-] [--update-md]

Time is the best (minimum) of several calls of `run(n)` after a warm-up call
(which also JIT-compiles where a runtime compiles), measured inside the
runtime's own process (MicroPython: time.ticks_us around inst.call; wasm3 /
wasmtime: time.perf_counter around the call), so start-up, loading and
compiling are excluded.  The executed wasm instruction count comes from
wasmtime's fuel with fuel metering on (1 per instruction; nop, drop, block,
loop, end and else count 0), so "ns/instr" is time / that count.  Every run's
checksum is checked against expected.json.  Benchmarks report; nothing here
asserts a time.  See BENCHMARKS.md.
"""
import argparse
import datetime
import json
import math
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
times = []
total = 0
r = None
for i in range(%(reps)d):
    gc.collect()
    t = time.ticks_us()
    r = inst.call("run", %(n)d)
    dt = time.ticks_diff(time.ticks_us(), t)
    times.append(dt)
    total += dt
    if total > %(budget_us)d:
        break
print("RESULT", r & 0xffffffff, " ".join(str(x) for x in times))
"""


def load_expected():
    with open(os.path.join(WORK, "expected.json")) as f:
        return json.load(f)


def micropython():
    from mp import MICROPYTHON
    return MICROPYTHON


def have_fast():
    return os.path.exists(os.path.join(ROOT, "wamr_mpy", "interp_fast.py"))


def build_aot(wasm, outdir):
    from wamr_mpy import compiler_mpy
    data = open(wasm, "rb").read()
    mpy, info = compiler_mpy.build(data, "x64", os.path.basename(wasm))
    p = os.path.join(outdir, os.path.basename(wasm)[:-5] + ".mpy")
    with open(p, "wb") as f:
        f.write(mpy)
    return p, info


def run_mp(tier, wasm, mpy, e, n, reps, budget, timeout):
    code = MP_SCRIPT % {"root": ROOT, "tier": tier, "mpy": mpy, "wasm": wasm,
                        "small": e["small_n"], "n": n, "reps": reps,
                        "budget_us": int(budget * 1e6)}
    env = dict(os.environ)
    env["MICROPYPATH"] = ROOT
    try:
        r = subprocess.run([micropython(), "-X", "heapsize=64M", "-c", code],
                           capture_output=True, text=True, timeout=timeout, env=env, cwd=ROOT)
    except subprocess.TimeoutExpired:
        return None, "timeout after %ds" % timeout
    for line in r.stdout.splitlines():
        if line.startswith("RESULT "):
            parts = line.split()
            return (int(parts[1]), [int(x) / 1e6 for x in parts[2:]]), None
    return None, (r.stdout + r.stderr).strip().splitlines()[-1:] or ["exit %d" % r.returncode]


def run_wasm3(wasm, e, n, reps, budget):
    import wasm3
    env = wasm3.Environment()
    rt = env.new_runtime(64 * 1024)
    rt.load(env.parse_module(open(wasm, "rb").read()))
    f = rt.find_function(e["export"])
    f(e["small_n"])
    return _time_calls(lambda: f(n), reps, budget)


def run_wasmtime(wasm, e, n, reps, budget):
    import wasmtime
    store = wasmtime.Store()
    inst = wasmtime.Instance(store, wasmtime.Module.from_file(store.engine, wasm), [])
    f = inst.exports(store)[e["export"]]
    f(store, e["small_n"])
    return _time_calls(lambda: f(store, n), reps, budget)


def _time_calls(call, reps, budget):
    times = []
    total = 0.0
    r = None
    for i in range(reps):
        t = time.perf_counter()
        r = call()
        dt = time.perf_counter() - t
        times.append(dt)
        total += dt
        if total > budget:
            break
    return (r & 0xFFFFFFFF, times), None


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


def machine():
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
    try:
        mpv = subprocess.run([micropython(), "-c", "import sys; v = sys.implementation.version; "
                              "print('v%d.%d.%d' % v[:3], sys.version.split(';')[-1].strip())"],
                             capture_output=True, text=True, timeout=30).stdout.strip()
    except Exception:
        mpv = "?"
    return {"cpu": cpu, "cores": os.cpu_count(), "uname": " ".join(platform.uname()),
            "date": datetime.datetime.now().strftime("%Y-%m-%d %H:%M"),
            "python": platform.python_version(), "micropython": mpv, "load": load}


def geomean(xs):
    xs = [x for x in xs if x and x > 0]
    if not xs:
        return None
    return math.exp(sum(math.log(x) for x in xs) / len(xs))


def run_all(tiers, workloads, quick=False, reps=7, budget=3.0, timeout=900, log=None):
    E = load_expected()
    results = {"machine": machine(), "quick": quick, "workloads": {}}
    tmp = tempfile.mkdtemp(prefix="wamr_bench_")
    for name in workloads:
        e = E[name]
        wasm = os.path.join(WORK, e["file"])
        n = e["small_n"] if quick else e["n"]
        want = e["small_checksum"] if quick else e["checksum"]
        w = {"n": n, "instrs": instr_count(wasm, e, n), "runs": {}}
        results["workloads"][name] = w
        mpy = None
        for tier in tiers:
            err = None
            res = None
            try:
                if tier in MP_TIERS:
                    if tier == "aot" and mpy is None:
                        mpy, info = build_aot(wasm, tmp)
                    res, err = run_mp(tier, wasm, mpy, e, n, reps if tier != "interp" else 1,
                                      budget, timeout)
                elif tier == "wasm3":
                    res, err = run_wasm3(wasm, e, n, reps, budget)
                elif tier == "wasmtime":
                    res, err = run_wasmtime(wasm, e, n, reps, budget)
            except ImportError as ex:
                err = "not installed (%s)" % ex
            except Exception as ex:
                err = "%s: %s" % (type(ex).__name__, ex)
            if res is not None:
                got, times = res
                if got != want:
                    err = "wrong checksum %d (expected %d)" % (got, want)
                    res = None
            run = {"error": err} if res is None else {"best": min(times), "times": times}
            w["runs"][tier] = run
            if log:
                if res is None:
                    log("%-13s %-9s %s" % (name, tier, err))
                else:
                    log("%-13s %-9s %9.2f ms (best of %d)" % (name, tier, min(times) * 1e3,
                                                               len(times)))
    return results


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


def summarize(results, tiers):
    rows = []
    for name, w in results["workloads"].items():
        row = {"workload": name, "n": w["n"], "instrs": w["instrs"], "t": {}, "ns": {}}
        for tier in tiers:
            r = w["runs"].get(tier, {})
            t = r.get("best")
            row["t"][tier] = t
            row["ns"][tier] = t * 1e9 / w["instrs"] if t and w["instrs"] else None
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


def table(results, tiers):
    rows = summarize(results, tiers)
    head = ["workload", "instrs"] + ["%s" % t for t in tiers]
    out = []
    out.append("| " + " | ".join(head) + " |")
    out.append("|" + "---|" * len(head))
    for r in rows:
        cells = [r["workload"], "%.1fM" % (r["instrs"] / 1e6) if r["instrs"] else "-"]
        for t in tiers:
            tt = r["t"][t]
            ns = r["ns"][t]
            cells.append("-" if tt is None else "%s (%s ns)" % (_fmt_t(tt), _fmt_ns(ns)))
        out.append("| " + " | ".join(cells) + " |")
    # ratios
    comps = []
    if "aot" in tiers and "interp" in tiers:
        comps.append(("aot vs interp (speed-up)", "interp", "aot"))
    if "jit" in tiers and "interp" in tiers:
        comps.append(("jit vs interp (speed-up)", "interp", "jit"))
    if "fast" in tiers and "interp" in tiers:
        comps.append(("fast vs interp (speed-up)", "interp", "fast"))
    for t in ("aot", "jit", "fast", "interp", "wasmtime"):
        if t in tiers and "wasm3" in tiers:
            comps.append(("%s time / wasm3 time" % t, t, "wasm3"))
    ratio_lines = []
    if comps:
        head2 = ["ratio"] + [r["workload"] for r in rows] + ["geomean"]
        ratio_lines.append("| " + " | ".join(head2) + " |")
        ratio_lines.append("|" + "---|" * len(head2))
        for label, a, b in comps:
            xs = [_ratio(r["t"][a], r["t"][b]) for r in rows]
            ratio_lines.append("| " + " | ".join([label] + [_fmt_x(x) for x in xs] +
                                                 [_fmt_x(geomean(xs))]) + " |")
    return "\n".join(out), "\n".join(ratio_lines)


def _fmt_ns(ns):
    if ns is None:
        return "-"
    return "%.0f" % ns if ns >= 100 else ("%.1f" % ns if ns >= 1 else "%.2f" % ns)


MD_HEAD = """# Benchmarks

Generated by `python3 tools/bench --update-md` (tools/bench/bench.py): the
workloads of `tools/bench/workloads` (freestanding C compiled to wasm32 with
clang-14, see their README) on every wamr_mpy tier on the MicroPython unix
port, and the same `.wasm` under wasm3 (PyPI `pywasm3`, the fastest C
interpreter) and wasmtime (PyPI, a JIT), in one run.

How it is measured: each cell is the best (minimum) time of several calls of
`run(n)` after a warm-up call, timed inside the runtime's process (load and
compile times excluded; the JIT tier compiles during the warm-up), with the
checksum of every call checked.  `ns` is nanoseconds per executed wasm
instruction, the instruction count being wasmtime's fuel (1 per instruction;
`nop`, `drop`, `block`, `loop`, `end`, `else` count 0).  The portable
interpreter is timed once per workload and round (seconds per call).  The
machine is shared with other jobs, so the best of several calls and of
`--rounds` whole runs is reported; expect noise of tens of percent between
runs.

Tiers: `interp` portable interpreter, `fast` viper fast interpreter, `jit`
the AOT code generator at run time, `aot` a `tools/wamrc` x64 `.mpy`
(docs/aot.md).
"""


def write_md(results, tiers, path):
    m = results["machine"]
    t1, t2 = table(results, tiers)
    txt = MD_HEAD + "\n## Results\n\nMachine: %s (%s cores), `%s`, %s; CPython %s; MicroPython %s; " \
        "load average at start %s.%s\n\n%s\n\nRatios (time of the first over time of the second; " \
        "above 1 means the second is faster for `/ wasm3` rows, and \"speed-up\" is interp " \
        "time over the tier's time):\n\n%s\n" % (
            m["cpu"], m["cores"], m["uname"], m["date"], m["python"], m["micropython"],
            m["load"], " Small sizes (--quick)." if results["quick"] else "", t1, t2)
    with open(path, "w") as f:
        f.write(txt)


def main(argv=None):
    E = load_expected()
    ap = argparse.ArgumentParser(prog="tools/bench", description=__doc__.split("\n\n")[0])
    ap.add_argument("--tiers", default=",".join(ALL),
                    help="comma list of %s (default: all available)" % ", ".join(ALL))
    ap.add_argument("--workloads", default=",".join(E), help="comma list (default: all)")
    ap.add_argument("--quick", action="store_true", help="small sizes (seconds, not minutes)")
    ap.add_argument("--reps", type=int, default=7, help="calls per measurement (best is kept)")
    ap.add_argument("--budget", type=float, default=3.0,
                    help="stop repeating a measurement after this many seconds")
    ap.add_argument("--rounds", type=int, default=1,
                    help="run everything this many times, keep each cell's best "
                         "(a shared machine: other jobs steal time)")
    ap.add_argument("--timeout", type=int, default=900, help="seconds per MicroPython run")
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
    quiet = a.json == "-"
    log = None if quiet else (lambda s: print(s, file=sys.stderr, flush=True))
    results = None
    for i in range(max(1, a.rounds)):
        r = run_all(tiers, wl, a.quick, a.reps, a.budget, a.timeout, log)
        results = r if results is None else merge(results, r)
    results["tiers"] = tiers
    results["rounds"] = max(1, a.rounds)
    if a.json:
        text = json.dumps(results, indent=1)
        if a.json == "-":
            print(text)
        else:
            with open(a.json, "w") as f:
                f.write(text + "\n")
    if not quiet:
        t1, t2 = table(results, tiers)
        print(t1)
        print()
        print(t2)
    if a.update_md:
        write_md(results, tiers, os.path.join(ROOT, "BENCHMARKS.md"))
    bad = [(n, t) for n, w in results["workloads"].items() for t, r in w["runs"].items()
           if "error" in r and not (r["error"] or "").startswith("not installed")]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    import entry
    sys.exit(entry.run("bench", main))

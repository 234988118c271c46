"""Host side (CPython) of the spec runner: finds the spec data, runs every
file through run_spec.py in its own subprocess (MicroPython unix port by
default, or CPython), in parallel, and compares the outcome with the
committed baseline and known-failures list.  `tools/spectest` is its CLI.
"""
import argparse
import collections
import concurrent.futures
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
from mp import MICROPYTHON  # noqa: E402

RUNNER = os.path.join(HERE, "run_spec.py")
KNOWN_FAILURES = os.path.join(HERE, "known_failures.txt")
BASELINE = os.path.join(HERE, "baseline.json")
DEFAULT_SPEC_DIR = os.path.join(os.path.dirname(ROOT), "shared", "spec")
DEFAULT_HEAPSIZE = "128M"
DEFAULT_TIMEOUT = 300


class SpecDataMissing(Exception):
    pass


# ----------------------------------------------------------------- files

def spec_json_dir():
    """The directory holding NAME/NAME.json: `$WASM_SPEC_DIR` (the spec
    root with json/ in it, or the json directory itself), else
    ../shared/spec/json next to the repository."""
    env = os.environ.get("WASM_SPEC_DIR")
    base = env if env else DEFAULT_SPEC_DIR
    looked = [os.path.join(base, "json"), base]
    for cand in looked:
        if os.path.isdir(cand) and any(
                os.path.isfile(os.path.join(cand, d, d + ".json"))
                for d in os.listdir(cand)):
            return os.path.abspath(cand)
    how = ("$WASM_SPEC_DIR=%s" % env) if env else (
        "the default (../shared/spec relative to the repo root; "
        "set $WASM_SPEC_DIR to use another)")
    raise SpecDataMissing(
        "spec test data not found: looked for NAME/NAME.json in %s, from %s"
        % (" and ".join(os.path.abspath(p) for p in looked), how))


def list_files(selection=()):
    """Spec JSON paths.  `selection` items may be names (`i32`, `i32.wast`),
    .json paths or directories; empty means every file."""
    if not selection:
        d = spec_json_dir()
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
        p = os.path.join(spec_json_dir(), name, name + ".json")
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
            ln = int(rest)
            res.add(ln, None)
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


def run_one(path, python=False, heapsize=DEFAULT_HEAPSIZE, timeout=DEFAULT_TIMEOUT):
    cmd = runner_command(path, python, heapsize)
    env = dict(os.environ)
    env["MICROPYPATH"] = os.pathsep.join([ROOT, ".frozen"])
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


def run_suite(files, python=False, jobs=None, heapsize=DEFAULT_HEAPSIZE,
              timeout=DEFAULT_TIMEOUT, progress=None):
    """Run `files` in parallel; results come back in the order of `files`."""
    jobs = jobs or int(os.environ.get("WAMR_SPEC_JOBS", 0)) or os.cpu_count() or 1
    # biggest files first so the slow ones do not end up last on one core
    order = sorted(files, key=lambda p: -os.path.getsize(p))
    results = {}
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as ex:
        futs = {ex.submit(run_one, p, python, heapsize, timeout): p for p in order}
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
    return [results[p] for p in files]


# -------------------------------------------------- known failures, baseline

def failure_key(res, line):
    return "%s:%d" % (res.source, line)


def load_known(path=KNOWN_FAILURES):
    """Ordered dict key -> reason from `file.wast:line  reason` lines."""
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
            if ":" not in key:
                raise ValueError("%s:%d: expected `file.wast:line  reason`" % (path, n))
            known[key] = parts[1].strip() if len(parts) > 1 else ""
    return known


def load_baseline(path=BASELINE):
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return json.load(f)


def compare(results, known, baseline, full):
    """-> dict with `new` [(key, reason)], `fixed` [key], `todo` [key],
    `below` (text or None) for the pytest test and --check."""
    failing = {}
    for r in results:
        for line, kind, reason, _ in r.failures:
            failing.setdefault(failure_key(r, line), "%s: %s" % (kind, reason))
    ran = set(r.source for r in results)
    new = [(k, v) for k, v in failing.items() if k not in known]
    fixed = [k for k in known if k.rsplit(":", 1)[0] in ran and k not in failing]
    todo = [k for k, v in known.items() if not v or v.upper().startswith("TODO")]
    below = None
    passed = sum(r.passed for r in results)
    total = sum(r.total for r in results)
    if baseline is not None:
        if full:
            if passed < baseline["passed"]:
                below = "spec: %d/%d is below the baseline %d/%d" % (
                    passed, total, baseline["passed"], baseline["total"])
        else:
            bad = []
            for r in results:
                b = baseline.get("files", {}).get(r.name)
                if b and r.passed < b["passed"]:
                    bad.append("%s %d < %d" % (r.name, r.passed, b["passed"]))
            if bad:
                below = "below the baseline: " + ", ".join(bad)
    return {"new": new, "fixed": fixed, "todo": todo, "below": below,
            "passed": passed, "total": total}


def update_baseline(results, runner_name, known_path=KNOWN_FAILURES, baseline_path=BASELINE):
    """Rewrite baseline.json and known_failures.txt from `results`, keeping
    existing reasons; new entries get reason TODO (to be filled in by a
    person: the pytest test fails while any TODO is left)."""
    known = load_known(known_path)
    base = load_baseline(baseline_path) or {"files": {}}
    ran = set(r.source for r in results)
    entries = collections.OrderedDict()
    for k, v in known.items():
        if k.rsplit(":", 1)[0] not in ran:
            entries[k] = v
    for r in results:
        base["files"][r.name] = {"passed": r.passed, "total": r.total}
        for line, kind, reason, _ in r.failures:
            k = failure_key(r, line)
            if k not in entries:
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
        return (f, int(ln))
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
# tests/spec/test_spec.py fails on any failure not listed here and while any
# reason still starts with TODO.  `tools/spectest --update-baseline` rewrites
# this file (keeping the reasons of lines that still fail) and baseline.json.
"""


# ------------------------------------------------------------------ CLI

def main(argv=None):
    ap = argparse.ArgumentParser(
        prog="tools/spectest",
        description="Run the WebAssembly spec tests on the MicroPython unix port "
                    "(or CPython with --python). Spec data: $WASM_SPEC_DIR or "
                    "../shared/spec next to the repository.")
    ap.add_argument("files", nargs="*", help="spec names (i32, f32.wast), .json files or dirs; default all")
    ap.add_argument("--python", action="store_true", help="run the runner on CPython instead of MicroPython")
    ap.add_argument("--json", metavar="FILE", help="write per-file numbers (and failures) as JSON")
    ap.add_argument("-v", "--verbose", action="store_true", help="list every failure with its line")
    ap.add_argument("-j", "--jobs", type=int, default=0, help="parallel processes (default: cores)")
    ap.add_argument("--timeout", type=int, default=DEFAULT_TIMEOUT, help="seconds per file (default %(default)s)")
    ap.add_argument("--heapsize", default=DEFAULT_HEAPSIZE, help="MicroPython heap (default %(default)s)")
    ap.add_argument("--update-baseline", action="store_true",
                    help="rewrite tests/spec/baseline.json and known_failures.txt from this run")
    ap.add_argument("-q", "--quiet", action="store_true", help="no progress lines")
    a = ap.parse_args(argv)
    # SIGTERM (e.g. from `kill`) unwinds like Ctrl-C so the runners are killed
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        files = list_files(a.files)
    except SpecDataMissing as e:
        print("spectest: %s" % e, file=sys.stderr)
        return 2
    if not a.python and not os.path.exists(MICROPYTHON) and "/" in MICROPYTHON:
        print("spectest: MicroPython not found at %s (run tools/setup)" % MICROPYTHON, file=sys.stderr)
        return 2
    progress = None if a.quiet else (lambda s: print(s, file=sys.stderr, flush=True))
    results = run_suite(files, a.python, a.jobs, a.heapsize, a.timeout, progress)
    if a.verbose:
        for r in results:
            for line, kind, reason, _ in r.failures:
                print("%s:%d: %s: %s" % (r.source, line, kind, reason))
        print()
    if a.json:
        s = run_spec.summary_dict(results)
        s["runner"] = "cpython" if a.python else "micropython"
        with open(a.json, "w") as f:
            json.dump(s, f, indent=1)
    if a.update_baseline:
        base, entries = update_baseline(results, "cpython" if a.python else "micropython")
        todo = sum(1 for v in entries.values() if v.startswith("TODO"))
        print("updated %s (%d/%d) and %s (%d entries, %d TODO)" % (
            os.path.relpath(BASELINE), base["passed"], base["total"],
            os.path.relpath(KNOWN_FAILURES), len(entries), todo), file=sys.stderr)
    else:
        full = not a.files
        c = compare(results, load_known(), load_baseline(), full)
        for k, v in c["new"]:
            print("NEW FAILURE %s  %s" % (k, v), file=sys.stderr)
        for k in c["fixed"]:
            print("fixed, remove from known_failures.txt: %s" % k, file=sys.stderr)
        if c["below"]:
            print(c["below"], file=sys.stderr)
    print(run_spec.format_table(results))
    if a.update_baseline:
        return 0
    return 1 if (c["new"] or c["below"]) else 0


if __name__ == "__main__":
    sys.exit(main())

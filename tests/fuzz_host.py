"""What the campaigns of tools/fuzz share (CPython): findings, where their
inputs are saved, the command that replays one, figures, time budgets, and
which outcomes the runtime documents.

A finding is confirmed by running its input again alone before it counts;
one that does not repeat (a hang on an overloaded machine) is reported as
unconfirmed and not counted."""
import json
import os
import re
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

from mp import ROOT  # noqa: E402

_SOFT = []


def port_soft():
    """Whether the MicroPython in use has single-precision floats (such a
    port runs in soft-float mode, as wamr_mpy/config.py decides), e.g.
    ports/unix32: the campaigns' drivers and their aot code must be
    soft-float there."""
    if not _SOFT:
        import subprocess
        import mp
        r = subprocess.run([mp.MICROPYTHON, "-c", "print(float('1.00000001') == 1.0)"],
                           capture_output=True, text=True, timeout=60)
        _SOFT.append(r.stdout.strip() == "True")
    return _SOFT[0]


# Exceptions the embedding API documents (docs/embedding.md); anything else
# reaching the embedder is a defect.
DOCUMENTED = ("LoadError", "ValidationError", "LinkError", "Trap", "WasmError", "ProcExit")
_ERR = re.compile(r"(?:^|: )([A-Za-z_][A-Za-z0-9_]*): ")


def error_type(text):
    """The exception type of a driver's "Type: message" text (after a
    "load: " or " state: " prefix)."""
    for prefix in ("load: ", "wamrc: "):
        if text.startswith(prefix):
            text = text[len(prefix):]
    m = re.match(r"([A-Za-z_][A-Za-z0-9_]*): ", text)
    return m.group(1) if m else text.split(":")[0]


def undocumented(text):
    """None when every exception named in `text` (a driver's error text,
    possibly two joined by " state: ") is documented, else the first
    one that is not."""
    for part in text.split(" state: "):
        part = part.strip()
        if not part:
            continue
        if part.startswith("driver died"):
            return part
        t = error_type(part)
        if t not in DOCUMENTED:
            return t
    return None


def hidden_error(message, where=None):
    """A trap that stands for a Python exception inside the runtime: the
    portable interpreter's "internal error", or a built-in native that
    raised something else than a Trap (native.py turns that into a trap
    whose `where` is "native MODULE.NAME"; built-in natives trap
    deliberately only with Trap)."""
    if message and "internal error" in message:
        return message
    if where and where.startswith("native "):
        return "%s raised: %s" % (where, message)
    return None


class Finding:
    def __init__(self, campaign, seed, what, detail, tier=None, replay=None):
        self.campaign = campaign
        self.seed = seed
        self.tier = tier
        self.what = what
        self.detail = detail
        self.replay = replay
        self.files = []
        self.confirmed = True

    def line(self):
        t = " tier %s" % self.tier if self.tier else ""
        head = "%s seed %s%s: %s" % (self.campaign, self.seed, t, self.what)
        if not self.confirmed:
            head += " (did not repeat when run again alone: not counted)"
        out = [head]
        if self.detail:
            out.append("    " + self.detail[:600].replace("\n", "\n    "))
        if self.replay:
            out.append("    replay: " + self.replay)
        for f in self.files:
            rel = os.path.relpath(f, ROOT)
            out.append("    input:  " + (f if rel.startswith("..") else rel))
        return "\n".join(out)


def replay_command(campaign, seed, tier=None, extra=()):
    cmd = ["tools/fuzz", campaign, "--seeds", "%d:%d" % (seed, seed + 1)]
    if tier:
        cmd += ["--tier", tier]
    mp = os.environ.get("WAMR_MICROPYTHON")
    if mp:
        cmd += ["--micropython", mp]
    return " ".join(list(cmd) + list(extra))


def save(out_dir, campaign, name, data, meta=None):
    """Writes a failing input under OUT/CAMPAIGN/ (and META as NAME.json);
    returns the paths."""
    d = os.path.join(out_dir, campaign)
    os.makedirs(d, exist_ok=True)
    path = os.path.join(d, name)
    with open(path, "wb" if isinstance(data, (bytes, bytearray)) else "w") as f:
        f.write(data)
    paths = [path]
    if meta is not None:
        mp = os.path.join(d, name.rsplit(".", 1)[0] + ".json")
        with open(mp, "w") as f:
            json.dump(meta, f, indent=1, default=str)
        paths.append(mp)
    return paths


class Stats:
    """Counters of one campaign, printed as one line."""

    def __init__(self, name):
        self.name = name
        self.c = {}
        self.findings = []
        self.t0 = time.time()
        self.seeds = None

    def tick(self, log, every=60):
        """A progress line (the summary so far) once in `every` seconds."""
        now = time.time()
        if now - getattr(self, "_last", self.t0) >= every:
            self._last = now
            log("  ... " + self.summary())

    def add(self, key, n=1):
        self.c[key] = self.c.get(key, 0) + n

    def get(self, key):
        return self.c.get(key, 0)

    def confirmed(self):
        return [f for f in self.findings if f.confirmed]

    def summary(self):
        keys = sorted(self.c)
        parts = ["%s %d" % (k, self.c[k]) for k in keys]
        seeds = " seeds %d:%d," % self.seeds if self.seeds else ""
        return "%s:%s %s; %d findings (%d unconfirmed) in %.0fs" % (
            self.name, seeds, ", ".join(parts), len(self.confirmed()),
            len(self.findings) - len(self.confirmed()), time.time() - self.t0)


def batches(budget, size, st, log):
    """The seed batches of a campaign, with a progress line now and then."""
    while True:
        seeds = budget.batch(size)
        if seeds is None:
            return
        st.tick(log)
        yield seeds


class Budget:
    """Seeds FIRST..END (END None: no end) in batches until the time is up."""

    def __init__(self, first, end, seconds):
        self.next = first
        self.end = end
        self.deadline = time.time() + seconds if seconds else None

    def batch(self, size):
        if self.deadline is not None and time.time() >= self.deadline:
            return None
        if self.end is not None:
            size = min(size, self.end - self.next)
        if size <= 0:
            return None
        r = range(self.next, self.next + size)
        self.next += size
        return r

    def left(self):
        return None if self.deadline is None else self.deadline - time.time()


def drive(script, job, count, per_item, heapsize="64M", env=None):
    """Runs a driver `script` (it prints {"start": i} before item i of its
    job and {"done": n} at the end) over items 0..count-1, starting it again
    after the item a crash or a hang stopped.  Returns ({index: [records
    printed for it]}, {index: failure text})."""
    import json as _json
    import test_differential as td
    recs, fails = {}, {}
    first = 0
    while first < count:
        text, failure = td._drive(job, first, env or {"WAMR_CONFIG": ""}, per_item,
                                  count - first, None, heapsize, script)
        cur = None
        done = False
        for line in text.splitlines():
            if not line.startswith("{"):
                continue
            try:
                d = _json.loads(line)
            except ValueError:
                continue
            if "start" in d:
                cur = d["start"]
            elif "done" in d:
                done = True
            elif cur is not None:
                recs.setdefault(cur, []).append(d)
        if done:
            break
        cur = first if cur is None else cur
        fails[cur] = failure or "driver stopped without a reason"
        first = cur + 1
    return recs, fails

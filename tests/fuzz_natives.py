"""tools/fuzz native: the built-in libc ("env") and WASI natives called from
wasm with hostile arguments (CPython host side of
tests/fuzz_native_driver.py).

Seed S: CALLS calls of random natives on tier TIERS[S % len(TIERS)], with
pointers past the end of memory, near 2^32 and unterminated, lengths near
2^32, random and huge fds, iovecs that reach out of memory, and paths that
try to leave the preopened folder (.., absolute paths, a symlink to a
folder outside, a symlink to the parent).  Allowed: a result, a trap, an
exit.  Findings: any other exception, an "out of bounds memory access" trap
that changed memory, linear memory holding the contents or names of what
is outside the box, any change outside the box, a crash or a hang."""
import json
import os
import shutil
import tempfile

import fuzz_host as H
from mp import check_mp

CAMPAIGN = "native"
CALLS = 40              # calls per seed
BATCH = 50              # seeds per MicroPython process
LIMIT = 60              # CPU seconds per seed
MARKER = "OUTSIDE-9f3c2e"
DRIVER = os.path.join(H.HERE, "fuzz_native_driver.py")

LIST = r"""
from wamr_mpy import native
sigs = native.signatures()
print(sorted((m, n, sigs[m][n]) for m in ("env", "wasi_snapshot_preview1") for n in sigs[m]))
"""


def natives():
    return [list(x) for x in eval(check_mp(LIST).splitlines()[0])]


def make_dir(top):
    """box.tmpl/ (what the guest may touch, reset before each seed), outside/
    with the marker, and symlinks out of the box."""
    box = os.path.join(top, "box.tmpl")
    out = os.path.join(top, "outside")
    os.makedirs(os.path.join(box, "sub"))
    os.makedirs(os.path.join(box, "d", "e"))
    os.makedirs(out)
    with open(os.path.join(box, "ok.txt"), "w") as f:
        f.write("ok\n" * 40)
    with open(os.path.join(box, "sub", "x"), "w") as f:
        f.write("x")
    with open(os.path.join(out, "secret"), "w") as f:
        f.write(MARKER + " secret\n")
    with open(os.path.join(out, MARKER), "w") as f:
        f.write(MARKER)
    os.symlink("../outside", os.path.join(box, "lnk"))
    os.symlink("..", os.path.join(box, "up"))
    os.symlink(os.path.join(out, "secret"), os.path.join(box, "abs"))
    os.symlink("ok.txt", os.path.join(box, "in_link"))
    shutil.copytree(out, os.path.join(top, "outside.tmpl"), symlinks=True)
    shutil.copytree(box, os.path.join(top, "box"), symlinks=True)


_MODULE = {}


def module(workdir):
    """(path of the module importing every native, the natives)."""
    if "nat" not in _MODULE:
        from test_native_addrs import build_module
        nat = natives()
        _MODULE["nat"] = nat
        _MODULE["wasm"] = build_module([tuple(x) for x in nat])
    path = os.path.join(workdir, "natives.wasm")
    with open(path, "wb") as f:
        f.write(_MODULE["wasm"])
    return path, _MODULE["nat"]


def run_seeds(seeds, tier, calls=CALLS, limit=LIMIT):
    """[(seed, record or None, failure or None)] of seeds on `tier`."""
    top = tempfile.mkdtemp(prefix="wamrnat-")
    try:
        make_dir(top)
        wasm, nat = module(top)
        if tier == "aot":
            import test_differential as td
            mods = [{"id": 0, "wasm": wasm}]
            err = td.compile_aot(mods, limit=600).get(0)
            if err:
                return [(s, None, err) for s in seeds]
            wasm = mods[0]["wasm"]
        job = os.path.join(top, "job.json")
        with open(job, "w") as f:
            json.dump({"wasm": wasm, "natives": nat, "tier": tier, "seeds": list(seeds),
                       "calls": calls, "dir": top, "marker": MARKER}, f)
        recs, fails = H.drive(DRIVER, job, len(seeds), limit)
        out = []
        for i, s in enumerate(seeds):
            r = [x for x in recs.get(i, ()) if "seed" in x]
            out.append((s, r[0] if r else None, fails.get(i)))
        return out
    finally:
        shutil.rmtree(top, ignore_errors=True)


def problems(rec, fail):
    out = []
    if fail:
        out.append("driver died: " + fail)
    elif rec is None:
        out.append("no record")
    else:
        out.extend("call %d: %s" % (k, t) for k, t in rec["bad"])
    return out


def run(budget, tiers, out_dir, stats=None, calls=CALLS, limit=LIMIT, log=print):
    st = stats or H.Stats(CAMPAIGN)
    first = budget.next
    for seeds in H.batches(budget, BATCH, st, log):
        by_tier = {}
        for s in seeds:
            by_tier.setdefault(tiers[s % len(tiers)], []).append(s)
        for tier, ss in by_tier.items():
            for s, rec, fail in run_seeds(ss, tier, calls, limit):
                st.add("seeds")
                if rec is not None:
                    for k in ("calls", "traps", "exits"):
                        st.add(k, rec[k])
                bad = problems(rec, fail)
                if bad:
                    again = problems(*run_seeds([s], tier, calls, limit)[0][1:])
                    f = H.Finding(CAMPAIGN, s, bad[0], "; ".join(bad[1:4]), tier,
                                  H.replay_command(CAMPAIGN, s, tier))
                    f.confirmed = bool(again)
                    f.files = H.save(out_dir, CAMPAIGN, "seed%d-%s.txt" % (s, tier),
                                     "\n".join(bad) + "\n", None)
                    st.findings.append(f)
                    log(f.line())
    st.seeds = (first, budget.next)
    return st

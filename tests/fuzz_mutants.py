"""tools/fuzz load: mutated modules on every tier (CPython host side).

Seed S makes one mutant: 1 (5 in 8), 2 or 3 mutations (tests/wasm_mutate.py) of a corpus
module - a tests/wasmgen.py module (with its imports and calls) or a .wasm
of the repository (calls: every export with zeros) - and runs it on tier
TIERS[S % len(TIERS)]: load, instantiate, every call, under a fuel limit
(tests/diff_driver.py; "aot": compiled first by the wamrc machinery on the
host, which must give documented errors too).  Allowed outcomes: a module,
the documented errors, traps; anything else, a crash of MicroPython or more
than LIMIT CPU seconds for one module is a finding."""
import glob
import os
import shutil
import tempfile

import fuzz_host as H
import test_differential as td
import wasmgen
from wasm_mutate import Rng, mutate

CAMPAIGN = "load"
CORPUS_GEN = 40         # wasmgen modules in the corpus
FUEL = 20000            # per call and for instantiation
LIMIT = 30              # CPU seconds per module
BATCH = 120             # mutants per MicroPython process
CORPUS_FILES = ("tools/bench/workloads/*.wasm", "tests/wasm/*.wasm", "samples/*/*.wasm")
SKIP_FILES = ("big.wasm",)      # minutes per mutant on the portable interpreter


class Base:
    def __init__(self, name, wasm, calls="auto", imports=None):
        self.name = name
        self.wasm = wasm
        self.calls = calls
        self.imports = imports


_CORPUS = []


def corpus():
    """The base modules, in a fixed order (seed S mutates one of them)."""
    if _CORPUS:
        return _CORPUS
    for s in range(CORPUS_GEN):
        g = wasmgen.generate(s)
        calls = [list(c) for c in g.calls if len(c) < 3]    # one instance
        _CORPUS.append(Base("wasmgen %d" % s, td.wat_to_wasm(g.wat), calls, g.imports))
    for pat in CORPUS_FILES:
        for p in sorted(glob.glob(os.path.join(H.ROOT, pat))):
            if os.path.basename(p) in SKIP_FILES:
                continue
            with open(p, "rb") as f:
                _CORPUS.append(Base(os.path.relpath(p, H.ROOT), f.read()))
    return _CORPUS


def make(seed, tiers):
    """(tier, base, [mutations], bytes) of seed `seed`."""
    cs = corpus()
    tier = tiers[seed % len(tiers)]
    base = cs[(seed // len(tiers)) % len(cs)]
    rng = Rng((seed * 0x9E3779B1 + 0x7F4A7C15) & 0xFFFFFFFF)
    data = base.wasm
    whats = []
    k = rng.below(8)
    for _ in range(1 if k < 5 else 2 if k < 7 else 3):
        if len(data) < 9:
            break
        what, data = mutate(rng, data)
        whats.append(what)
    return tier, base, whats, data


def problems(inst, recs):
    """What in one module's driver records is outside the documented
    outcomes."""
    out = []
    if inst.get("inst") == "error":
        t = H.undocumented(inst.get("msg", ""))
        if t:
            out.append("instantiate: %s" % inst.get("msg"))
    elif inst.get("inst") == "trap":
        t = H.hidden_error(inst.get("msg"), inst.get("where"))
        if t:
            out.append("instantiate: %s" % t)
    for r in recs:
        if "error" in r:
            t = H.undocumented(r["error"])
            if t:
                out.append("call %s: %s" % (r.get("c"), r["error"]))
        elif "trap" in r:
            t = H.hidden_error(r["trap"], r.get("where"))
            if t:
                out.append("call %s: %s" % (r.get("c"), t))
    return out


def _run(mods, tier, workdir, limit):
    soft = H.port_soft()
    errs = td.compile_aot(mods, soft=soft, limit=limit) if tier == "aot" else {}
    res = td.run_ours([m for m in mods if m["id"] not in errs], tier, soft, workdir,
                      fuel=FUEL, per_module=limit)
    for i, msg in errs.items():
        res[i] = ({"inst": "error", "msg": msg}, [])
    return res


def run(budget, tiers, out_dir, stats=None, limit=LIMIT, log=print):
    st = stats or H.Stats(CAMPAIGN)
    first = budget.next
    for seeds in H.batches(budget, BATCH, st, log):
        workdir = tempfile.mkdtemp(prefix="wamrfuzz-")
        try:
            by_tier = {}
            made = {}
            for s in seeds:
                tier, base, whats, data = make(s, tiers)
                made[s] = (tier, base, whats, data)
                path = os.path.join(workdir, "s%d.wasm" % s)
                with open(path, "wb") as f:
                    f.write(data)
                by_tier.setdefault(tier, []).append(
                    {"id": s, "wasm": path, "calls": base.calls, "imports": base.imports,
                     "lenient": True})
            for tier, mods in by_tier.items():
                res = _run(mods, tier, workdir, limit)
                for m in mods:
                    s = m["id"]
                    st.add("mutants")
                    st.add("on " + tier)
                    inst, recs = res.get(s, ({"inst": "error", "msg": "driver died: no output"},
                                             []))
                    _count(st, inst, recs)
                    bad = problems(inst, recs)
                    if bad:
                        _finding(st, s, made[s], bad, out_dir, limit, log)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
    st.seeds = (first, budget.next)
    return st


def _count(st, inst, recs):
    k = inst.get("inst")
    if k == "error":
        st.add("rejected " + H.error_type(inst.get("msg", "")))
    elif k == "trap":
        st.add("instantiation traps")
    elif k == "unavailable":
        st.add("tier unavailable")
    elif k == "ok":
        st.add("instantiated")
        for r in recs:
            if "skip" in r:
                continue
            st.add("calls")
            if "trap" in r:
                st.add("call traps")


def _finding(st, seed, made, bad, out_dir, limit, log):
    tier, base, whats, data = made
    # run it again alone: does it repeat?
    workdir = tempfile.mkdtemp(prefix="wamrfuzz-")
    try:
        path = os.path.join(workdir, "s%d.wasm" % seed)
        with open(path, "wb") as f:
            f.write(data)
        res = _run([{"id": seed, "wasm": path, "calls": base.calls, "imports": base.imports,
                     "lenient": True}], tier, workdir, limit)
        again = problems(*res.get(seed, ({"inst": "ok"}, [])))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    f = H.Finding(CAMPAIGN, seed, bad[0], "mutant of %s by %s" % (base.name, ", ".join(whats)),
                  tier, H.replay_command(CAMPAIGN, seed, tier))
    f.confirmed = bool(again)
    f.files = H.save(out_dir, CAMPAIGN, "seed%d-%s.wasm" % (seed, tier), data,
                     {"seed": seed, "tier": tier, "base": base.name, "mutations": whats,
                      "problems": bad, "again": again, "calls": base.calls,
                      "imports": base.imports})
    st.findings.append(f)
    log(f.line())

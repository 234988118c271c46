#!/usr/bin/env python3
"""tools/fuzz: fuzz the runtime on the MicroPython unix port (or another
MicroPython) with seeds and a time budget (docs/testing-differential.md).

  tools/fuzz [CAMPAIGN...] [--seeds FIRST:END] [--time SECONDS] [--tier T,...]

Campaigns (default: all four, one after the other, each with --time):
  load     mutated modules, loaded, instantiated and called on every tier
  ttf      binaryen `wasm-opt -ttf` modules, every tier against wasmtime
  native   libc and WASI natives called with hostile pointers, lengths,
           fds and paths
  frames   fuzzed app-manager frames over TCP (or --transport stdio), each
           one read by the manager before the next

A seed gives the same input every time.  Each finding prints the command
that replays it and its input is saved under --out (build/fuzz).  Exit
status 1 when a campaign found something, 0 otherwise."""
import argparse
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "tests"))

import entry  # noqa: E402

CAMPAIGNS = ("load", "ttf", "native", "frames")
TIERS = "interp,fast,jit,aot"


def parse_seeds(text):
    a, _, b = text.partition(":")
    first = int(a or 0)
    end = int(b) if b else None
    if end is not None and end <= first:
        raise argparse.ArgumentTypeError("--seeds FIRST:END wants END > FIRST")
    return first, end


def main(argv=None):
    ap = argparse.ArgumentParser(prog="tools/fuzz", description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog=__doc__.split("\n\n", 1)[1])
    ap.add_argument("campaigns", nargs="*", metavar="CAMPAIGN",
                    help="load, ttf, native, frames (default: all)")
    ap.add_argument("--seeds", type=parse_seeds, default=None,
                    help="FIRST:END (END exclusive; FIRST: for no end; default 0:100)")
    ap.add_argument("--time", type=float, default=None,
                    help="seconds per campaign (stops at the end of a batch)")
    ap.add_argument("--tier", default=TIERS, help="tiers, comma separated (default %s)" % TIERS)
    ap.add_argument("--micropython", default=None,
                    help="MicroPython to run (default: the .venv unix port), e.g. "
                         "build/unix32-single/micropython")
    ap.add_argument("--out", default=os.path.join(ROOT, "build", "fuzz"),
                    help="where failing inputs are saved (default build/fuzz)")
    ap.add_argument("--features", default="2.0", choices=("2.0", "3.0"),
                    help="ttf: the WebAssembly features binaryen may use (default 2.0; "
                         "3.0: also SIMD, tail calls, tags, memory64, two memories)")
    ap.add_argument("--transport", default="tcp", choices=("tcp", "stdio"),
                    help="frames: the manager's link (default tcp)")
    a = ap.parse_args(argv)
    try:
        sys.stdout.reconfigure(line_buffering=True)     # findings as they come
    except AttributeError:
        pass
    camps = a.campaigns or list(CAMPAIGNS)
    for c in camps:
        if c not in CAMPAIGNS:
            ap.error("unknown campaign %r (one of %s)" % (c, ", ".join(CAMPAIGNS)))
    if a.micropython:
        os.environ["WAMR_MICROPYTHON"] = os.path.abspath(a.micropython)
    import mp
    if a.micropython:
        mp.MICROPYTHON = os.environ["WAMR_MICROPYTHON"]
    import fuzz_host as H
    first, end = a.seeds if a.seeds else (0, None if a.time else 100)
    tiers = [t.strip() for t in a.tier.split(",") if t.strip()]
    found = 0
    for c in camps:
        budget = H.Budget(first, end, a.time)
        print("%s: seeds %d:%s%s, tiers %s" % (c, first, "" if end is None else end,
                                               ", %gs" % a.time if a.time else "",
                                               ",".join(tiers)), flush=True)
        st = campaign(c).run(budget, tiers, a.out, **extra(c, a))
        print(st.summary(), flush=True)
        found += len(st.confirmed())
    return 1 if found else 0


def campaign(name):
    return __import__({"load": "fuzz_mutants", "ttf": "fuzz_ttf", "native": "fuzz_natives",
                       "frames": "fuzz_frames"}[name])


def extra(name, a):
    if name == "frames":
        return {"transport": a.transport}
    if name == "ttf":
        return {"features": a.features}
    return {}


if __name__ == "__main__":
    sys.exit(entry.run("fuzz", main))

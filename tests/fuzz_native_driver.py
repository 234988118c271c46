# MicroPython side of `tools/fuzz native` (tests/fuzz_natives.py): hostile
# calls of the built-in libc and WASI natives.
#
#     micropython tests/fuzz_native_driver.py JOB.json [FIRST]
#
# JOB.json: {"wasm": PATH (a module importing every native, export cK calls
# native K: tests/test_native_addrs.py's build_module), "natives": [[module,
# name, signature]], "tier", "seeds": [S...], "calls": N, "dir": the work
# folder (box/ is the preopened folder, reset from box.tmpl/ before each
# seed; outside/ and the folder itself must not change), "marker": text of
# the files outside}.  Runs the seeds from index FIRST on and prints JSON
# lines: {"start": i} then {"seed": S, "calls", "traps", "exits", "bad":
# [[call index, text]...]}, and {"done": n}.
#
# Per seed: fresh memory contents (paths, iovecs, buffers, an unterminated
# run at the end), a fresh WASI context and heap, then N calls of random
# natives with arguments drawn from hostile lists by signature letter.
# A call may return, trap or exit; anything else is bad, and so is an "out
# of bounds memory access" trap that changed memory, linear memory holding
# the marker (something outside was read), or any change outside box/.
import sys
import os
import json

import wamr_mpy
from wamr_mpy import native, wasi
from wamr_mpy.errors import Trap, ProcExit
from wasm_mutate import Rng

HOSTILE = (0x80000000, 0xFFFFFFF0, 0xFFFFFFFC, 0xFFFFFFFF)
LENGTHS = (0, 1, 2, 4, 8, 16, 255, 4096, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0xFFFFFFF8)
FDS = (0, 1, 2, 3, 4, 5, 6, 7, 9, 64, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF)
I64 = (0, 1, 2, 0xFFFFFFFFFFFFFFFF, 0x8000000000000000, 0x7FFFFFFFFFFFFFFF, 0x100000000,
       0xFFFFFFFF, 1 << 40, 1000000000)
STR_AT = 1024           # strings
IOV_AT = 4096           # iovec / ciovec arrays
BUF_AT = 8192           # buffers
TAIL = 48               # unterminated bytes at the end of memory


def out(d):
    sys.stdout.write(json.dumps(d))
    sys.stdout.write("\n")


def paths(outside):
    p = [b"", b".", b"..", b"ok.txt", b"sub", b"sub/../ok.txt", b"../outside/secret",
         b"lnk/secret", b"lnk", b"up/outside/secret", b"sub/x", b"new.txt", b"d", b"/", b"//",
         outside + b"/secret", b"ok.txt/", b"a" * 255, b"b" * 300, b"\xff\xfe", b"sub/\x00x",
         b"./././ok.txt", b"sub/../../outside/secret", b"box", b"d/e", b"ok.txt/..",
         b"sub/.", b"sub//ok.txt"]
    return p


def layout(rng, m, strs):
    """Fills memory for one seed; returns the addresses of the strings."""
    n = len(m)
    for i in range(0, n, 4):
        x = rng.next()
        m[i] = x & 0xFF
        m[i + 1] = (x >> 8) & 0xFF
        m[i + 2] = (x >> 16) & 0xFF
        m[i + 3] = x >> 24
    addrs = []
    a = STR_AT
    for s in strs:
        if a + len(s) + 1 > IOV_AT:
            break
        m[a:a + len(s)] = s
        m[a + len(s)] = 0
        addrs.append(a)
        a += len(s) + 1
    # iovecs: mostly sane, some reaching past the end or wrapping
    for k in range(32):
        q = IOV_AT + 8 * k
        r = rng.below(8)
        if r < 5:
            ptr, ln = BUF_AT + 64 * rng.below(64), rng.below(96)
        elif r == 5:
            ptr, ln = n - rng.below(16), 1 + rng.below(64)
        elif r == 6:
            ptr, ln = HOSTILE[rng.below(len(HOSTILE))], rng.below(16)
        else:
            ptr, ln = rng.below(n), LENGTHS[rng.below(len(LENGTHS))]
        for j in range(4):
            m[q + j] = (ptr >> (8 * j)) & 0xFF
            m[q + 4 + j] = (ln >> (8 * j)) & 0xFF
    for i in range(n - TAIL, n):
        m[i] = 0x41 + (i & 15)
    return addrs


def pointer(rng, n, addrs, string):
    r = rng.below(10)
    if r < 2:
        return HOSTILE[rng.below(len(HOSTILE))]
    if r == 2:
        return n - rng.below(TAIL + 8)
    if r == 3:
        return 0
    if r < 6 and string:
        return addrs[rng.below(len(addrs))]
    if r < 6:
        return IOV_AT + 8 * rng.below(16)
    if r < 8:
        return BUF_AT + 8 * rng.below(512)
    return rng.below(n)


def args_for(rng, sig, n, addrs, is_wasi):
    params = sig[1:sig.index(")")]
    out_ = []
    for i in range(len(params)):
        c = params[i]
        if c == "*" or c == "$":
            out_.append(pointer(rng, n, addrs, c == "$" or (i + 1 < len(params) and
                                                            params[i + 1] == "~")))
        elif c == "~":
            r = rng.below(4)
            if r == 0:
                out_.append(LENGTHS[rng.below(len(LENGTHS))])
            elif r == 1:
                out_.append(n - (out_[-1] if out_ and out_[-1] < n else 0) + rng.below(3) - 1)
            else:
                out_.append(rng.below(40))
        elif c == "i":
            r = rng.below(6)
            if r < 2 and is_wasi:
                out_.append(FDS[rng.below(len(FDS))])
            elif r == 2:
                out_.append(HOSTILE[rng.below(len(HOSTILE))])
            elif r == 3:
                out_.append(rng.next())
            elif r == 4:
                out_.append(pointer(rng, n, addrs, False))
            else:
                out_.append(rng.below(64))
        elif c == "I":
            if rng.below(3):
                out_.append(I64[rng.below(len(I64))])
            else:
                out_.append((rng.next() << 32) | rng.next())
        elif c == "f":
            out_.append((0.0, -1.5, 1e30, float("inf"), float("nan"))[rng.below(5)])
        else:
            out_.append((0.0, -1.5, 1e300, float("-inf"), float("nan"))[rng.below(5)])
    return out_


def snapshot(d):
    """Names, kinds and contents of everything under folder d (what must
    not change outside the box)."""
    items = []
    try:
        ents = sorted(os.ilistdir(d))
    except OSError as e:
        return [("?", d, str(e))]
    for e in ents:
        p = d + "/" + e[0]
        if e[1] == 0x4000:
            items.append(("d", p))
            items.extend(snapshot(p))
        elif e[1] == 0xA000:
            items.append(("l", p))
        else:
            try:
                with open(p, "rb") as f:
                    items.append(("f", p, f.read()))
            except OSError as ex:
                items.append(("f", p, str(ex)))
    return items


def watched(top):
    """Everything in the work folder but the box."""
    out_ = []
    for e in sorted(os.ilistdir(top)):
        if e[0] in ("box", "job.json"):
            continue
        p = top + "/" + e[0]
        out_.append((e[0], e[1]))
        if e[1] == 0x4000:
            out_.extend(snapshot(p))
    return out_


def main():
    with open(sys.argv[1]) as f:
        job = json.load(f)
    first = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    top = job["dir"]
    marker = job["marker"].encode()
    natives = job["natives"]
    path = job["wasm"]
    mod = wamr_mpy.load(path if path.endswith(".mpy") else open(path, "rb").read())
    native.set_stdout(lambda b: None)
    native.set_stderr(lambda b: None)
    # sleeps are what poll_oneoff was asked for, not hangs: skip the waiting
    wasi._sleep_ns = lambda ns: None
    strs = paths((top + "/outside").encode())
    before = watched(top)
    seeds = job["seeds"]
    for idx in range(first, len(seeds)):
        seed = seeds[idx]
        out({"start": idx})
        os.system("rm -rf '%s/box' && cp -a '%s/box.tmpl' '%s/box'" % (top, top, top))
        rng = Rng((seed * 0x9E3779B1 + 0x1234567) & 0xFFFFFFFF)
        inst = mod.instantiate(heap_size=4096, tier=job.get("tier"))
        ctx = wasi.WasiCtx(args=["fuzz", "x"], env=["A=1"], dirs=[("box", top + "/box")],
                           stdin=lambda n: b"input\n"[:n], stdout=lambda b: None,
                           stderr=lambda b: None)
        ctx.bind(inst)
        m = inst.memory.data
        n = len(m)
        addrs = layout(rng, m, strs)
        rec = {"seed": seed, "calls": 0, "traps": 0, "exits": 0, "bad": []}
        for k in range(job["calls"]):
            j = rng.below(len(natives))
            mname, name, sig = natives[j]
            args = args_for(rng, sig, n, addrs, mname != "env")
            snap = bytes(m)
            rec["calls"] += 1
            what = None
            try:
                inst.call("c%d" % j, *args)
            except Trap as e:
                rec["traps"] += 1
                if e.message == "out of bounds memory access" and bytes(m) != snap:
                    what = "trapped out of bounds after changing memory"
                elif e.where and e.where.startswith("native "):
                    # native.py turned a Python exception into this trap
                    what = "raised (as a trap): %s" % e.message
                elif "internal error" in e.message:
                    what = e.message
            except ProcExit:
                rec["exits"] += 1
            except Exception as e:
                what = "%s: %s" % (type(e).__name__, e)
            if m.find(marker) >= 0:
                what = (what or "") + " linear memory holds what is outside the box"
                m[:] = bytes(n)
            if what:
                rec["bad"].append([k, "%s.%s%s(%s): %s" % (
                    mname, name, sig, ", ".join(hex(a) if isinstance(a, int) else repr(a)
                                                 for a in args), what)])
        ctx.close_all()
        after = watched(top)
        if after != before:
            rec["bad"].append([-1, "outside the box changed: %r" % (
                [x for x in after if x not in before] + [x for x in before if x not in after])[:2000]])
            os.system("rm -rf '%s/outside' && cp -a '%s/outside.tmpl' '%s/outside'" % (top, top, top))
            before = watched(top)
        out(rec)
    out({"done": len(seeds)})


main()

"""Per-call cost of hot numeric functions on the MicroPython unix port
(not a test: prints figures; nothing asserts on time).

    python tests/numeric_bench.py [native|soft] [N]

runs, per function, `micropython tests/numeric_bench.py --loop MODE NAME N`
(a loop of N calls) and reports the child's CPU time (user + system, best of
3), so other load on the machine barely matters.  "over call" subtracts the
same loop calling a do-nothing function of the same arity.
"""
import sys

# name -> operands (built from Python floats/ints in the chosen mode)
CASES = (
    ("f64_add", "f64", "f64"), ("f64_mul", "f64", "f64"), ("f64_div", "f64", "f64"),
    ("f64_lt", "f64", "f64"), ("f64_min", "f64", "f64"), ("f64_sqrt", "f64"),
    ("f64_nearest", "f64"), ("f64_floor", "f64"),
    ("f32_add", "f32", "f32"), ("f32_mul", "f32", "f32"), ("f32_div", "f32", "f32"),
    ("f32_lt", "f32", "f32"), ("f32_sqrt", "f32"), ("f32_demote_f64", "f64"),
    ("f64_promote_f32", "f32"), ("f64_convert_i32_s", "i"), ("f32_convert_i32_s", "i"),
    ("i32_trunc_f64_s", "f64"),
    ("i32_div_s", "i", "d"), ("i32_div_u", "i", "d"), ("i32_rem_s", "i", "d"),
    ("i32_mul", "i", "d"), ("i32_shr_u", "i", "s"), ("i32_rotl", "i", "s"),
    ("i32_clz", "i"), ("i32_popcnt", "i"), ("i64_div_s", "I", "d"), ("i64_mul", "I", "d"),
)


def _loop(mode, name, n):
    import wamr_mpy.config as cfg
    cfg.SOFT_FLOAT = 1 if mode == "soft" else 0
    from wamr_mpy import fmode as M
    vals = {"f64": M.f64_from_py(1.2345678901234), "f32": M.f32_from_py(7.654321e-3),
            "i": -123456789, "I": -123456789123, "d": 1000, "s": 7}
    args = [vals["f64"], vals["f64"]]
    if name.startswith("nop"):
        arity = int(name[3:])
        f = (lambda a: a) if arity == 1 else (lambda a, b: a)
    else:
        for c in CASES:
            if c[0] == name:
                args = [vals[k] for k in c[1:]]
        f = getattr(M, name)
        arity = len(args)
    if arity == 1:
        a = args[0]
        for _ in range(n):
            f(a)
    else:
        a, b = args
        for _ in range(n):
            f(a, b)


def _driver(mode, n):
    import os
    import resource
    import subprocess
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path.insert(0, here)
    from mp import MICROPYTHON, ROOT
    env = dict(os.environ, MICROPYPATH=ROOT)

    def cpu(name, count):
        best = None
        for _ in range(3):
            r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
            subprocess.run([MICROPYTHON, os.path.abspath(__file__), "--loop", mode, name,
                            str(count)], env=env, check=True)
            r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
            t = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
            best = t if best is None else min(best, t)
        return best

    start = cpu("nop2", 0)
    bare = {1: cpu("nop1", n) - start, 2: cpu("nop2", n) - start}
    print("mode %s, %d calls each: bare call %.0f ns (1 arg) %.0f ns (2 args)"
          % (mode, n, bare[1] / n * 1e9, bare[2] / n * 1e9))
    for c in CASES:
        t = cpu(c[0], n) - start
        print("%-20s %7.0f ns per call, %7.0f ns over the call"
              % (c[0], t / n * 1e9, (t - bare[len(c) - 1]) / n * 1e9))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--loop":
        _loop(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    else:
        mode = sys.argv[1] if len(sys.argv) > 1 else "native"
        n = int(sys.argv[2]) if len(sys.argv) > 2 else (300000 if mode == "native" else 30000)
        _driver(mode, n)

"""`micropython -m wamr_mpy` (wamr_mpy/cli.py), the iwasm-like CLI."""
import os
import subprocess
import sys

import pytest

from mp import MICROPYTHON, ROOT, run_mp, check_mp

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "wasm"))
import wasmfix  # noqa: E402


@pytest.fixture(scope="module")
def fx(tmp_path_factory):
    return wasmfix.Fixtures(tmp_path_factory.mktemp("wasm"))


def wamr(*args, cwd=ROOT, input=b""):
    """The real command line: micropython -m wamr_mpy ... (cwd on sys.path
    supplies wamr_mpy when cwd is the repo root; elsewhere MICROPYPATH)."""
    env = dict(os.environ)
    env["MICROPYPATH"] = ROOT + os.pathsep + ".frozen"
    r = subprocess.run([MICROPYTHON, "-m", "wamr_mpy"] + list(args), capture_output=True,
                       cwd=str(cwd), env=env, input=input, timeout=300)
    return r.returncode, r.stdout.decode(), r.stderr.decode()


def test_from_repo_root_without_micropypath(fx):
    # what the README tells users to run: from the repository root the
    # current directory is on MicroPython's sys.path
    env = dict(os.environ)
    env.pop("MICROPYPATH", None)
    r = subprocess.run([MICROPYTHON, "-m", "wamr_mpy", "-f", "add",
                        fx.get("cli_funcs.wasm"), "40", "2"],
                       capture_output=True, cwd=ROOT, env=env, timeout=120)
    assert r.returncode == 0 and r.stdout == b"0x2a:i32\n", r


@pytest.mark.parametrize("func,args,out", [
    ("add", ["40", "2"], "0x2a:i32"),
    ("add", ["0x10", "010"], "0x18:i32"),            # strtoul base 0: hex, octal
    ("neg", ["5"], "0xfffffffb:i32"),
    ("neg", ["-1"], "0x1:i32"),
    ("add64", ["0x7fffffffffffffff", "1"], "0x8000000000000000:i64"),
    ("fmul", ["1.5", "2.25"], "3.375:f32"),
    ("fmul", ["0.1", "1"], "0.1:f32"),
    ("dsqrt", ["2"], "1.414214:f64"),
    ("dsqrt", ["1e300"], "1e+150:f64"),
    ("multi", ["-7"], "0xfffffff9:i32,0xfffffffffffffff9:i64,-2.333333:f64"),
    ("nothing", [], ""),
    ("fbits", ["-nan:0x123"], "0xff800123:i32"),
    ("fbits", ["inf"], "0x7f800000:i32"),
    ("dbits", ["-0"], "0x8000000000000000:i64"),
    ("null", [], "func:ref.null"),
])
def test_function_results(fx, func, args, out):
    rc, so, se = wamr("-f", func, fx.get("cli_funcs.wasm"), *args)
    assert (rc, so) == (0, out + "\n"), se


@pytest.mark.parametrize("func,args,msg", [
    ("div", ["1", "0"], "Exception: integer divide by zero"),
    ("div", ["-2147483648", "-1"], "Exception: integer overflow"),
    ("deep", ["1"], "Exception: call stack exhausted"),
    ("add", ["1"], "Exception: invalid input argument count"),
    ("add", ["x", "1"], "Exception: invalid input argument 0: x"),
    ("add", ["1", ""], "Exception: invalid input argument 1"),
    ("fmul", ["1.5", "2.5q"], "Exception: invalid input argument 1: 2.5q"),
    ("nope", [], "Exception: lookup function nope failed"),
])
def test_function_errors(fx, func, args, msg):
    rc, so, se = wamr("-f", func, fx.get("cli_funcs.wasm"), *args)
    assert rc == 1
    assert so == msg + "\n"
    assert "Traceback" not in so + se


def test_main_with_argv_and_exit_codes(fx):
    app = fx.get("cli_main.wasm")
    rc, so, se = wamr(app, "a", "b c")
    assert rc == 3          # main's return value
    assert so == "argv[0]=%s\nargv[1]=a\nargv[2]=b c\n" % app
    rc, so, se = wamr(app, "exit", "42")
    assert rc == 42 and so.endswith("argv[2]=42\n")
    rc, so, se = wamr(app, "trap")
    assert rc == 1 and so.endswith("Exception: unreachable\n")
    rc, so, se = wamr("--heap-size=0", app)
    assert rc == 1 and so == "Exception: allocate memory failed\n"


def test_load_and_link_errors_are_one_line(fx, tmp_path):
    rc, so, se = wamr(str(tmp_path / "missing.wasm"))
    assert rc == 1 and so == ""
    assert se.count("\n") == 1 and "missing.wasm" in se and "Traceback" not in se
    bad = tmp_path / "bad.wasm"
    bad.write_bytes(b"\0asm\x01\0\0\0\x01\x05")        # truncated type section
    rc, so, se = wamr(str(bad))
    assert rc == 1 and so == "" and se.count("\n") == 1 and "bad.wasm" in se
    assert "Traceback" not in se
    bad.write_bytes(b"not wasm at all")
    rc, so, se = wamr(str(bad))
    assert rc == 1 and se.count("\n") == 1 and "magic" in se
    if wasmfix.shutil.which("wat2wasm"):
        wat = tmp_path / "imp.wat"
        wat.write_text('(module (import "env" "no_such_fn" (func)) (func (export "main")))')
        wasmfix._run(["wat2wasm", str(wat), "-o", str(tmp_path / "imp.wasm")])
        rc, so, se = wamr(str(tmp_path / "imp.wasm"))
        assert rc == 1 and se.count("\n") == 1 and "unknown import" in se
        assert "no_such_fn" in se


def test_options(fx):
    funcs = fx.get("cli_funcs.wasm")
    rc, so, se = wamr("--version")
    assert rc == 0 and so.startswith("wamr_mpy ") and "interp" in so
    tiers = so.split("tiers: ")[1].split(")")[0].split(", ")
    for t in tiers:
        if t == "aot":
            continue            # runs wamrc output, not a .wasm
        rc, so, se = wamr("--tier=" + t, "-f", "add", funcs, "1", "2")
        assert (rc, so) == (0, "0x3:i32\n"), (t, se)
    for t in ("interp", "fast", "jit"):
        if t not in tiers:
            rc, so, se = wamr("--tier", t, "-f", "add", funcs, "1", "2")
            assert rc == 2 and so == "" and "tier %r is not available" % t in se
    rc, so, se = wamr("--tier=warp", funcs)
    assert rc == 2 and "unknown tier 'warp'" in se
    rc, so, se = wamr("--stack-size=4096", "--heap-size", "0x1000", "-f", "add", funcs, "1", "2")
    assert (rc, so) == (0, "0x3:i32\n")
    rc, so, se = wamr("--stack-size=lots", funcs)
    assert rc == 2 and "--stack-size" in se
    rc, so, se = wamr("--bogus", funcs)
    assert rc == 2 and "unknown option --bogus" in se
    rc, so, se = wamr()
    assert rc == 2 and so.startswith("Usage: micropython -m wamr_mpy")
    rc, so, se = wamr("--help")
    assert rc == 0 and "--dir=DIR" in so and "-f FUNC" in so
    rc, so, se = wamr("--env=novalue", funcs)
    assert rc == 2 and "--env" in se


def test_small_stack_exhaustion(fx):
    rc, so, se = wamr("--stack-size=2048", "-f", "deep", fx.get("cli_funcs.wasm"), "0")
    assert rc == 1 and so == "Exception: call stack exhausted\n"


def test_wasi_app_exit_code_dir_and_env(fx, tmp_path):
    (tmp_path / "work").mkdir()
    rc, so, se = wamr("--dir=work", "--env=GREETING=cli", fx.get("wasi_misc.wasm"), "wamr",
                      cwd=tmp_path, input=b"abc")
    assert rc == 3, so + se
    assert "GREETING=cli MISSING=unset" in so and "stdin 3 bytes" in so
    rc, so, se = wamr("--map-dir=work::.", fx.get("wasi_misc.wasm"), cwd=tmp_path)
    assert rc == 3 and "list work: . .. a.txt" in so


def test_side_module_runs(fx):
    rc, so, se = wamr(fx.get("side_demo.wasm"), "x")
    assert rc == 0, so + se
    assert "side_demo: argc=2" in so


def _f32_bits_exact(t):
    """Nearest f32 of the decimal t, ties to even (exact, via Fraction)."""
    import struct
    from fractions import Fraction
    neg, f = t.startswith("-"), abs(Fraction(t))

    def val(b):
        return Fraction(struct.unpack("<f", struct.pack("<I", b))[0])
    lo, hi = 0, 0x7F800000
    while lo < hi:
        mid = (lo + hi) // 2
        if val(mid) < f:
            lo = mid + 1
        else:
            hi = mid
    if lo == 0x7F800000:
        b = 0x7F800000 if f >= val(0x7F7FFFFF) + Fraction(2) ** 103 else 0x7F7FFFFF
    elif lo == 0:
        b = 0
    else:
        da, dc = f - val(lo - 1), val(lo) - f
        b = lo - 1 if da < dc or (da == dc and (lo - 1) % 2 == 0) else lo
    return b | (0x80000000 if neg else 0)


def test_float_arguments_are_parsed_exactly():
    """f32/f64 command-line arguments are parsed in integer arithmetic, so a
    single-precision port (rp2, esp32) reads doubles exactly too, and f32s
    are not rounded twice (decimal -> double -> float)."""
    import json
    import random
    import struct
    rnd = random.Random(20261126)
    texts = ["1e300", "4.9e-324", "2.4703282292062327e-324", "2.4703282292062328e-324",
             "1.7976931348623157e308", "1.7976931348623159e308", "0.1", "-0", ".5", "5.",
             "3.4028235e38", "3.4028236e38", "1.4e-45", "7e-46", "7.1e-46",
             "16777217", "9007199254740993", "123456789012345678901234567890",
             "1.00000005960464477539062500000001"]
    for _ in range(600):
        k = rnd.random()
        if k < 0.4:
            texts.append("%.*e" % (rnd.randint(0, 20),
                                   rnd.uniform(-1, 1) * 10.0 ** rnd.randint(-330, 307)))
        elif k < 0.7:
            x = struct.unpack("<d", struct.pack("<Q", rnd.getrandbits(64)))[0]
            if x == x and abs(x) != float("inf"):
                texts.append(repr(x))
        else:
            x = struct.unpack("<f", struct.pack("<I", rnd.getrandbits(32)))[0]
            if x == x and abs(x) != float("inf"):
                texts.append("%.*g" % (rnd.randint(1, 12), x))
    cases = [[t, _f32_bits_exact(t), struct.unpack("<Q", struct.pack("<d", float(t)))[0]]
             for t in texts]
    cases += [["0x1p-1074", None, 1], ["0x1.fffffffffffff8p1023", None, 0x7FF0000000000000],
              ["-inf", 0xFF800000, 0xFFF0000000000000], ["nan", 0x7FC00000, 0x7FF8000000000000],
              ["nan:0x200001", 0x7FA00001, 0x7FF0000000200001]]
    bad = ["", "e5", "1e", "1.2.3", "0x", "1 2", "--1", "inf:0x1", "1_0"]
    r = run_mp("""
import json
from wamr_mpy.cli_func import _parse_float
cases, bad = json.loads(%r)
n = 0
for t, b32, b64 in cases:
    for bits, want in ((32, b32), (64, b64)):
        if want is not None:
            got = _parse_float(t, bits)
            if got != want:
                print("MISMATCH", t, bits, got, want)
            n += 1
for t in bad:
    for bits in (32, 64):
        if _parse_float(t, bits) is not None:
            print("MISMATCH", repr(t), bits, "accepted")
print("checked", n)
""" % json.dumps([cases, bad]), heapsize="16M", timeout=300)
    out = r.stdout.decode()
    assert r.returncode == 0, out + r.stderr.decode()
    assert "MISMATCH" not in out, out
    assert int(out.split()[-1]) == 2 * len(cases) - 2, out


def test_init_sets_aside_one_buffer_per_size():
    """wamr_mpy.init() runs once per CLI run (a board's main.py runs every
    app in /apps in turn): a run that fails before instantiating leaves its
    buffer for the next instead of adding another each time."""
    out = check_mp(r"""
import wamr_mpy
from wamr_mpy import cli, memory
for i in range(3):
    wamr_mpy.init()
print([len(b) for b in memory._reserved])
print(cli.main(["/nonexistent.wasm"]), cli.main(["/nonexistent.wasm"]))
print([len(b) for b in memory._reserved])
""", heapsize="1M", env={"WAMR_CONFIG": "MEMORY_LIMIT=16384"})
    lines = out.splitlines()
    assert lines[0] == "[16384]" and lines[-1] == "[16384]", out

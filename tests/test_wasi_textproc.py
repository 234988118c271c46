"""A >= 50 KB WASI C program (tests/wasm/textproc.c: statistics, word
frequencies, regex grep, sort, CSV, base64, wrap, transforms) run by
wamr_mpy on MicroPython, compared with wasmtime, and run on a small heap."""
import os
import random
import sys

import pytest

from mp import run_mp

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "wasm"))
import wasmfix  # noqa: E402

COMMANDS = [
    ["stats", "data/text.txt"],
    ["freq", "data/text.txt", "8"],
    ["grep", "-i", "^the.*g$", "data/text.txt"],
    ["grep", "\\w+@\\w+", "data/text.txt"],
    ["grep", "[0-9]+ [a-f]", "data/text.txt"],
    ["sort", "data/text.txt", "-u"],
    ["sort", "data/table.csv", "-n", "-r"],
    ["csv", "data/table.csv", "1"],
    ["csv", "data/table.csv", "2"],
    ["b64", "data/text.txt", "data/text.b64"],
    ["wrap", "data/text.txt", "33"],
    ["tr", "data/text.txt", "rot13"],
    ["tr", "data/text.txt", "reverse"],
    ["report", "data/text.txt", "data/report.txt"],
]


def _make_data(d):
    rnd = random.Random(3)
    words = ("the quick brown fox jumps over lazy dog while running and singing into "
             "a bright morning with 42 friends mail me at bob@example or alice@test "
             "quickly The THE 7 cafe deadbeef").split()
    lines = [" ".join(rnd.choice(words) for _ in range(rnd.randint(0, 14)))
             for _ in range(120)]
    (d / "text.txt").write_text("\n".join(lines) + "\n")
    rows = ["name,qty,price"]
    for i in range(50):
        rows.append('"item %d, ""special""",%d,%.2f' % (i, rnd.randint(1, 100),
                                                       rnd.uniform(0.5, 99.9)))
    rows.append("broken,row,x1")
    (d / "table.csv").write_text("\n".join(rows) + "\n")


def _mp_batch(wasm, cwd, heapsize=None, commands=COMMANDS):
    """All commands in one MicroPython process through the CLI's main()."""
    code = r"""
from wamr_mpy.cli import main
for args in %r:
    print("@@@ " + " ".join(args))
    rc = main(["--stack-size=16384", "--dir=data", %r] + args)
    print("@@@ rc=%%d" %% rc)
""" % (commands, wasm)
    r = run_mp(code, cwd=str(cwd), heapsize=heapsize, timeout=600)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr
    text = {}
    rcs = {}
    cur = None
    for ln in r.stdout.decode().splitlines():
        if ln.startswith("@@@ rc="):
            rcs[cur] = int(ln[7:])
            cur = None
        elif ln.startswith("@@@ "):
            cur = ln[4:]
            text[cur] = ""
        elif cur is not None:
            text[cur] += ln + "\n"
    return dict((k, (text[k], rcs.get(k))) for k in text)


def test_textproc_matches_wasmtime(tmp_path_factory):
    pytest.importorskip("wasmtime")
    fx = wasmfix.Fixtures(tmp_path_factory.mktemp("wasm"))
    wasm = fx.get("textproc.wasm")
    assert os.path.getsize(wasm) >= 50 * 1024
    a = tmp_path_factory.mktemp("ours")
    b = tmp_path_factory.mktemp("ref")
    for d in (a, b):
        (d / "data").mkdir()
        _make_data(d / "data")
    ours = _mp_batch(wasm, a)
    for args in COMMANDS:
        ref, code = wasmfix.run_wasmtime(wasm, args=args, dirs=["data"], cwd=str(b))
        got, rc = ours[" ".join(args)]
        assert rc == code, args
        assert got.rstrip("\n") == ref.decode().rstrip("\n"), args
    for f in ("text.b64", "report.txt"):
        assert (a / "data" / f).read_bytes() == (b / "data" / f).read_bytes()
    assert "round trip ok" in ours["b64 data/text.txt data/text.b64"][0]


def test_textproc_runs_in_512k(tmp_path_factory):
    fx = wasmfix.Fixtures(tmp_path_factory.mktemp("wasm"))
    wasm = fx.get("textproc.wasm")
    assert os.path.getsize(wasm) >= 50 * 1024
    d = tmp_path_factory.mktemp("small")
    (d / "data").mkdir()
    _make_data(d / "data")
    cmds = [["stats", "data/text.txt"], ["report", "data/text.txt", "data/report.txt"]]
    ours = _mp_batch(wasm, d, heapsize="512K", commands=cmds)
    assert ours["stats data/text.txt"][1] == 0, ours
    assert ours["stats data/text.txt"][0].startswith("lines 120 words ")
    assert ours["report data/text.txt data/report.txt"][1] == 0, ours
    assert (d / "data" / "report.txt").read_text().startswith("== report for data/text.txt")

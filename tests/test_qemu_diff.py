"""Generated modules (tests/wasmgen.py) on the emulated boards against
wasmtime, as tests/test_differential.py does on the unix port: each module
goes to the board as a RAM file (on tier aot compiled on the host for the
board's arch), tests/diff_driver.py's run_module runs it there with the
board's own configuration (soft floats, its limits) and prints one JSON line
per event, which the host compares with wasmtime's results.

WAMR_QEMU_DIFF_SEEDS sets the number of modules per board and tier (100,
in `make test` and `make test-boards-full`).  A module takes 0.1-0.9 s of
QEMU CPU, most of it the runtime running the module's calls; the module and
the command reach the board through semihosting (over the UART their bytes
cost more than running them).

What the board's heap cannot hold is counted, not compared: a module (or
its .mpy) that does not load, and a call that ran out of heap ("out of
memory") or of call stack where wasmtime's did not; the calls before it are
compared, and at most a quarter of the modules may end so.
"""
import json
import os
import subprocess
import sys
import tempfile

import pytest

from test_qemu import BOARDS, need_board
from mp import ROOT

sys.path.insert(0, os.path.join(ROOT, "tools"))
import qemuboard as qb  # noqa: E402

FULL = os.environ.get("WAMR_BOARDS_FULL") == "1"
N = int(os.environ.get("WAMR_QEMU_DIFF_SEEDS", "100"))
SEED0 = 5000000

# The generator's options per board: memories of one page on the 400 KiB
# board (a module with a second instance of it grown to 2 pages each needs
# 256 KiB in two blocks, which that heap does not have after the runtime:
# memory.grow then rightly fails where wasmtime grows); none on the small
# boards, whose memories are capped at MEMORY_LIMIT while the generated code
# reaches the whole page (their loads, stores and traps past the limit are
# the spec subset's business)
GEN_OPTS = {"QEMU_RPI_PICO": {"memory": 0}, "QEMU_RPI_PICO2": {"max_pages": 1},
            "QEMU_ESP32_C3": {"memory": 0}}


def driver_mpy():
    """tests/diff_driver.py as bytecode, compiled here (the board's heap
    would compile it otherwise)."""
    import wamrboard
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "diff_driver.mpy")
        subprocess.run([wamrboard.find_mpy_cross(), "-o", out,
                        os.path.join(ROOT, "tests", "diff_driver.py")], check=True)
        with open(out, "rb") as f:
            return f.read()


def run_on_board(board, tier, mods):
    """{id: (inst record, [call records])} from the board."""
    res = {}
    b = None
    drv = driver_mpy()
    # on the small heaps each module on a fresh one (a soft reset), as each
    # spec file: what one module leaves (interned names, fragments) made the
    # next one's load fail on the 128 KiB board
    fresh = int(qb.board_json(board)["heap"].rstrip("K")) < 256
    try:
        for m in mods:
            if b is not None and fresh:
                b.soft_reset()
            if b is None or fresh:
                if b is None:
                    b = qb.QemuBoard(board)
                b.put_file("diff/diff_driver.mpy", drv)
                b.check("import sys\nsys.path.insert(0, '/host/diff')\n"
                        "import diff_driver, gc\n_hostfs.files.clear()\n")
            name = os.path.basename(m["wasm"])
            with open(m["wasm"], "rb") as f:
                data = f.read()
            try:
                # an aot .mpy read from the host as it loads: in a RAM
                # file its bytes took the heap its code needs
                path = b.put_file("diff/" + name, data, ram=not name.endswith(".mpy"))
            except qb.BoardError as e:
                # (a MemoryError; the board is in step, the next one loads)
                res[m["id"]] = ({"inst": "error", "msg": "board: %s" % e}, [])
                continue
            job = dict(m, wasm=path)
            if GEN_OPTS[board].get("memory") == 0:
                job["reserve"] = 0     # no module has a linear memory
            try:
                out, err = b.exec_file("diff_driver.run_module(%r, %r)\n"
                                  "_hostfs.files.clear()\ngc.collect()\n"
                                  % (job, None if tier == "aot" else tier), 300)
            except qb.BoardError as e:
                res[m["id"]] = ({"inst": "error", "msg": "board: %s" % e}, [])
                b.close()
                b = None
                continue
            for line in out.decode("utf-8", "replace").splitlines():
                line = line.strip()
                if not line.startswith("{"):
                    continue
                d = json.loads(line)
                mid = d.pop("m")
                if "inst" in d:
                    res[mid] = (d, [])
                else:
                    res[mid][1].append(d)
            if err:
                rec = res.setdefault(m["id"], ({"inst": "ok"}, []))
                rec[1].append({"error": "board: " + err.decode("utf-8", "replace")[-300:]})
    finally:
        if b is not None:
            b.close()
    return res


def out_of_room(ref_calls, our_calls):
    """Index of the first call that ran out of the board's heap (wasmtime
    never does), or of call stack where wasmtime's did not, or None."""
    for k, (r, o) in enumerate(zip(ref_calls, our_calls)):
        t = o.get("trap") or ""
        if t.startswith("out of memory") or (t.startswith("call stack exhausted") and
                                             r.get("trap") != "STACK_OVERFLOW"):
            return k
    return None


# Board-only defects found here, for the engineer of that tier: strict, so
# the test says when the fix has landed and the mark must go
DEFECTS = {}


@pytest.mark.parametrize("tier", ["interp", "fast", "aot"])
@pytest.mark.parametrize("board", BOARDS)
def test_generated_modules_agree_with_wasmtime(board, tier, tmp_path, request):
    pytest.importorskip("wasmtime")
    if (board, tier) in DEFECTS:
        request.applymarker(pytest.mark.xfail(reason=DEFECTS[board, tier], strict=True))
    need_board(board)
    import test_differential as td
    import wasmgen
    opts = wasmgen.Options(**GEN_OPTS[board])
    gens, refs, mods, skipped = td.prepare(range(SEED0, SEED0 + N), str(tmp_path), opts)
    errors = {}
    if tier == "aot":
        errors = td.compile_aot(mods, soft=True, arch=qb.board_json(board)["mpy_arch"])
    ours = run_on_board(board, tier, [m for m in mods if m["id"] not in errors])
    for seed, msg in errors.items():
        ours[seed] = ({"inst": "error", "msg": msg}, [])
    bad = []
    calls = 0
    nofit = 0
    why = []
    for m in mods:
        o = ours.get(m["id"], ({"inst": "error", "msg": "no output"}, []))
        if o[0]["inst"] == "error" and any(t in o[0].get("msg", "") for t in (
                "MemoryError", "cannot allocate", "out of memory")) or any(
                "diff_driver.py" in c.get("error", "") and "MemoryError" in c["error"]
                for c in o[1]):
            # (or the board side's own output found no room after a call)
            # the board's heap, not a wrong result: counted, bounded below
            nofit += 1
            why.append("%d: %s" % (m["id"], (o[0].get("msg") or str(o[1][-1:]))[-160:]))
            continue
        ref = refs[m["id"]]
        k = out_of_room(ref[1], o[1])
        if k is not None:
            # compared up to the call that found no room
            nofit += 1
            why.append("%d: call %d: %s" % (m["id"], k, o[1][k]["trap"][:160]))
            ref, o = (ref[0], ref[1][:k]), (o[0], o[1][:k])
        calls += len(ref[1])
        d = td.compare(gens[m["id"]], ref, o)
        if d:
            bad.append((m["id"], d))
    print("%s %s: %d modules, %d calls compared, %d did not fit the heap, %d differ" % (
        board, tier, len(mods), calls, nofit, len(bad)))
    assert len(mods) + len(skipped) == N and calls > 0
    assert nofit <= N // 4, "%d of %d modules did not fit the heap:\n%s" % (
        nofit, N, "\n".join(why))
    assert not bad, "\n".join("seed %d: %s" % (s, "; ".join(d)[:600]) for s, d in bad[:10])

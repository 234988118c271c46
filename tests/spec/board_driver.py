"""Host side of the spec runner on an emulated board (tools/qemuboard.py):
reads each spec JSON file here and sends the board one command at a time
(tests/spec/board_side.py runs it there), each module's binary as a RAM file
of its own that is dropped after use.  On tier aot the host compiles each
module for the board's arch (wamrc's generator and mpy-cross) and sends the
.mpy; a module that fails to compile with a load or validation error is sent
as .wasm, whose loader raises the same error on the board.

    python3 tests/spec/board_driver.py BOARD TIER FILE... [--json OUT]
"""
import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "tools"))
sys.path.insert(0, ROOT)

import driver  # noqa: E402
import run_spec  # noqa: E402
import qemuboard as qb  # noqa: E402

# commands per raw-REPL exec (each is sent as a Python literal)
BATCH = 16
MODULE_KINDS = ("module", "assert_invalid", "assert_malformed", "assert_unlinkable",
                "assert_uninstantiable")


class BoardSpec:
    def __init__(self, board, tier):
        self.board = board
        self.tier = tier
        self.arch = qb.board_json(board)["mpy_arch"]
        self.b = None

    def start(self):
        self.b = qb.QemuBoard(self.board)
        for name in ("run_spec.py", "board_side.py"):
            with open(os.path.join(HERE, name), "rb") as f:
                self.b.put_file("spec/" + name, f.read())
        # run_spec imports json at its top; the board side never parses
        # JSON, and firmware without a json module gets an empty one
        self.b.put_file("spec/json.py", b"")
        setup = ("import sys\nsys.path.insert(0, '/host/spec')\n"
                 "try:\n import json\nexcept ImportError:\n pass\n"
                 "import board_side\n")
        if self.tier != "aot":
            setup += "import wamr_mpy.config\nwamr_mpy.config.DEFAULT_TIER = %r\n" % self.tier
        self.b.check(setup)

    def stop(self):
        if self.b is not None:
            self.b.close()
            self.b = None

    def binary(self, folder, filename):
        with open(os.path.join(folder, filename), "rb") as f:
            data = f.read()
        if self.tier != "aot" or not filename.endswith(".wasm"):
            return data
        from wamr_mpy.compiler_mpy import build
        from wamr_mpy.errors import LoadError, ValidationError
        try:
            mpy, _ = build(data, self.arch)
            return mpy
        except (LoadError, ValidationError):
            return data

    def run_file(self, path, timeout=600):
        if self.b is None:
            self.start()
        t0 = time.monotonic()
        with open(path) as f:
            data = json.load(f)
        name = run_spec.path_stem(path)
        folder = os.path.dirname(path)
        source = data.get("source_filename", name + ".wast")
        chunks = []
        status = None
        try:
            out = self.b.check("board_side.begin(%r, %r, '/host/m')" % (name, source))
            chunks.append(out)
            batch = []
            for cmd in data["commands"]:
                if not run_spec.is_counted(cmd):
                    continue
                fn = cmd.get("filename")
                if cmd.get("type") in MODULE_KINDS and fn:
                    chunks.append(self.flush(batch, timeout))
                    self.b.put_file("m/" + fn, self.binary(folder, fn))
                    chunks.append(self.flush([cmd], timeout))
                    self.b.check("_hostfs.files.pop(%r, None)" % ("m/" + fn))
                else:
                    batch.append(cmd)
                    if len(batch) >= BATCH:
                        chunks.append(self.flush(batch, timeout))
            chunks.append(self.flush(batch, timeout))
            chunks.append(self.b.check("board_side.end()"))
        except qb.BoardError as e:
            status = run_spec.one_line(str(e), 200)
            self.stop()
        res = driver.parse_stream(path, "".join(chunks).replace("\r\n", "\n"), status)
        res.seconds = time.monotonic() - t0
        return res

    def flush(self, batch, timeout):
        if not batch:
            return ""
        code = "".join("board_side.step(%r)\n" % (c,) for c in batch)
        del batch[:]
        out, err = self.b.exec(code, timeout)
        if err:
            raise qb.BoardError("board_side: %s" % err.decode("utf-8", "replace")[-500:])
        return out.decode("utf-8", "replace")


def run(board, tier, files, progress=None):
    bs = BoardSpec(board, tier)
    results = []
    try:
        for p in files:
            r = bs.run_file(p)
            results.append(r)
            if progress:
                progress("%s %s %-24s %5d/%-5d %6.1fs %s" % (
                    board, tier, r.name, r.passed, r.total, r.seconds, r.error or ""))
    finally:
        bs.stop()
    return results


def main(argv):
    out_json = None
    if "--json" in argv:
        i = argv.index("--json")
        out_json = argv[i + 1]
        del argv[i:i + 2]
    if len(argv) < 2:
        print(__doc__.strip())
        return 2
    board, tier, names = argv[0], argv[1], argv[2:]
    files = driver.list_files(names)
    results = run(board, tier, files, lambda s: print(s, file=sys.stderr, flush=True))
    for r in results:
        for line, kind, reason, _ in r.failures:
            print("%s:%d: %s: %s" % (r.source, line, kind, reason))
    print(run_spec.format_table(results))
    if out_json:
        with open(out_json, "w") as f:
            json.dump(run_spec.summary_dict(results), f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

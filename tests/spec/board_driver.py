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

# The files `make test` runs on each emulated board and tier (tests/
# test_qemu_spec.py): every instruction class - integer and float numerics,
# conversions (saturating, sign extension), locals and globals, select,
# blocks, branches and br_table (switch), calls and call_indirect
# (func_ptrs), traps, loads and stores, memory.size/grow, bulk memory,
# tables and references - in files small enough for QEMU in CI.
SUBSET = ("i32", "i64", "float_misc", "f32_bitwise", "conversions", "int_exprs",
          "local_tee", "global", "select", "block", "loop", "if", "br_if", "switch",
          "return", "call", "func_ptrs", "unreachable", "load", "store", "memory_grow",
          "bulk", "table_grow", "table_get", "ref_is_null", "ref_func", "traps",
          "endianness")

# What `make test` runs on each board and tier (tests/test_qemu_spec.py):
# 29 files, every instruction class, a sample of each file's assertions:
#   i32, i64 numerics (with sign extension) - i32, i64
#   f32/f64 arithmetic, min/max, rounding, sqrt - float_misc
#   f32/f64 comparisons - f32_cmp, f64_cmp; bitwise (abs, neg, copysign) - f32_bitwise
#   conversions, reinterpret, saturating truncation - conversions
#   locals, globals, select - local_tee, global, select
#   block, loop, if, br_if, br_table, return - block, loop, if, br_if, switch, return
#   call, call_indirect - call, func_ptrs; unreachable and traps - unreachable, traps
#   loads and stores (all widths, both endiannesses of access) - load, store, endianness
#   memory.size/grow - memory_size; bulk memory - bulk
#   table.get/set/grow/size, ref.null/is_null/func - table_get, table_grow, ref_is_null, ref_func
# The board takes 2-8 ms of QEMU CPU per assertion (its runtime: the
# commands and modules reach it through semihosting) and ~0.1 s per file
# (a soft reset and the harness imported again).  A stride of N runs every
# Nth assertion; modules, registers and actions always run.  Files whose
# assertions build on each other's state (globals set then read, memories
# and tables grown then sized, bulk memory) run whole: a sample of them
# would skip the assertion that changes the state a later one checks.
# memory_grow.wast is not here: it takes 15-30 s a tier on the 400 KiB
# board (memories grown to their limit); memory_size.wast has the same
# instructions and the whole suite (make test-boards-full) runs it.
QUICK = {"i32": 40, "i64": 40, "float_misc": 40, "f32_cmp": 100, "f64_cmp": 100,
         "f32_bitwise": 30, "conversions": 40, "local_tee": 12,
         "global": 1, "select": 16, "block": 25, "loop": 12, "if": 25, "br_if": 12,
         "switch": 5, "return": 8, "call": 9, "func_ptrs": 4, "unreachable": 6,
         "load": 10, "store": 7, "endianness": 6, "memory_size": 1, "bulk": 1,
         "table_grow": 1, "table_get": 1, "ref_is_null": 2, "ref_func": 1, "traps": 4}


def load_known(board):
    """{file.wast:line: (tiers or None, reason)} from tests/spec/
    known_failures_BOARD.txt: what fails on that board because of its
    limits (a reason starting `[aot]` or `[interp,fast]` holds on those
    tiers only; then `~`: it depends on the heap's layout)."""
    out = {}
    path = os.path.join(HERE, "known_failures_%s.txt" % board)
    for key, reason in driver.load_known(path).items():
        tiers = None
        if reason.startswith("["):
            tag, reason = reason[1:].split("]", 1)
            tiers = tuple(t.strip() for t in tag.split(","))
        out[key] = (tiers, reason.strip())
    return out


def known_for(board, tier, heap_only=False):
    """The lines listed for `tier`; heap_only: those marked `~` (they depend
    on the heap's layout and may pass)."""
    return {k for k, (tiers, why) in load_known(board).items()
            if (tiers is None or tier in tiers) and (not heap_only or why.startswith("~"))}
MODULE_KINDS = ("module", "assert_invalid", "assert_malformed", "assert_unlinkable",
                "assert_uninstantiable")


_HARNESS = {}


def harness_mpy(name):
    """tests/spec/NAME.py as bytecode (mpy-cross, no native code): the board
    imports it without compiling, which would take its heap."""
    if name not in _HARNESS:
        import subprocess
        import tempfile
        import wamrboard
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, name + ".mpy")
            subprocess.run([wamrboard.find_mpy_cross(), "-o", out,
                            os.path.join(HERE, name + ".py")], check=True)
            with open(out, "rb") as f:
                _HARNESS[name] = f.read()
    return _HARNESS[name]


# The host's compile of a module for the board runs with the board's
# configuration (its WASM_* options): this process has the unix port's, where
# the 3.0 options are on and bytes the board refuses (a memory index in
# place of memory.size's reserved byte, memory64's wider LEB128 fields) make a
# valid module.  One server process per board and tier, fed module by module.
_COMPILE_SERVER = r"""
import sys
from wamr_mpy.compiler_mpy import build
from wamr_mpy.errors import LoadError, ValidationError
arch = sys.argv[1]
inp = sys.stdin.buffer
out = sys.stdout.buffer
while True:
    head = inp.read(4)
    if len(head) < 4:
        break
    data = inp.read(int.from_bytes(head, "little"))
    try:
        r = b"M" + build(data, arch)[0]
    except (LoadError, ValidationError):
        r = b"W"
    except Exception as e:
        r = b"E" + ("%s: %s" % (type(e).__name__, e)).encode()
    out.write(len(r).to_bytes(4, "little") + r)
    out.flush()
"""


def board_options(board):
    """WAMR_CONFIG items of the board's WebAssembly options, from the
    config.py its firmware's build generated."""
    path = os.path.join(qb.BUILD, board, "runtime", "src", "wamr_mpy", "config.py")
    items = []
    with open(path) as f:
        for line in f:
            name, eq, value = line.partition("#")[0].partition("=")
            name = name.strip()
            if eq and name.startswith("WASM_"):
                items.append("%s=%d" % (name, value.strip() in ("True", "1")))
    return ",".join(items)


class _Compiler:
    def __init__(self, board, arch):
        import subprocess
        env = dict(os.environ, WAMR_CONFIG=board_options(board))
        self.p = subprocess.Popen([sys.executable, "-c", _COMPILE_SERVER, arch], cwd=ROOT,
                                  env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE)

    def build(self, data):
        """The .mpy, or None for a module the board's loader refuses."""
        self.p.stdin.write(len(data).to_bytes(4, "little") + data)
        self.p.stdin.flush()
        head = self.p.stdout.read(4)
        if len(head) < 4:
            raise RuntimeError("board_driver: the compile server stopped")
        r = self.p.stdout.read(int.from_bytes(head, "little"))
        if r[:1] == b"E":
            raise RuntimeError("board_driver: compiling for the board: " + r[1:].decode())
        return r[1:] if r[:1] == b"M" else None

    def close(self):
        self.p.stdin.close()
        self.p.wait()


class BoardSpec:
    def __init__(self, board, tier):
        self.board = board
        self.tier = tier
        info = qb.board_json(board)
        self.arch = info["mpy_arch"]
        # fewer commands per exec on small heaps: the batch's source and
        # its compiled code take the heap the modules need
        self.batch = BATCH if int(info["heap"].rstrip("K")) >= 256 else 4
        self.b = None
        self.compiler = None

    def start(self):
        self.b = qb.QemuBoard(self.board)
        self.setup()

    def setup(self):
        for name in ("run_spec", "board_side"):
            self.b.put_file("spec/%s.mpy" % name, harness_mpy(name))
        # run_spec imports json at its top; the board side never parses
        # JSON, and firmware without a json module gets an empty one
        self.b.put_file("spec/json.py", b"")
        setup = ("import sys\nsys.path.insert(0, '/host/spec')\n"
                 "try:\n import json\nexcept ImportError:\n pass\n"
                 "import board_side\n"
                 # imported: their bytes leave the small heap
                 "_hostfs.files.clear()\n"
                 "import gc\ngc.collect()\n")
        if self.tier != "aot":
            setup += "import wamr_mpy.config\nwamr_mpy.config.DEFAULT_TIER = %r\n" % self.tier
        self.b.check(setup)

    def stop(self):
        if self.b is not None:
            self.b.close()
            self.b = None
        if self.compiler is not None:
            self.compiler.close()
            self.compiler = None

    def binary(self, folder, filename):
        with open(os.path.join(folder, filename), "rb") as f:
            data = f.read()
        if self.tier != "aot" or not filename.endswith(".wasm"):
            return data
        if self.compiler is None:
            self.compiler = _Compiler(self.board, self.arch)
        return self.compiler.build(data) or data

    def run_file(self, path, timeout=600, stride=1):
        """run_spec's result for the file; with `stride` N, of every Nth
        counted assertion (res.ran: their lines)."""
        # each file on a fresh heap (a soft reset), as each is a process of
        # its own on the unix port: on a 192 KiB heap what one file leaves
        # behind (interned strings, lazily imported modules) fragments the
        # heap so that the next one's linear memories find no block
        if self.b is None:
            self.start()
        else:
            self.b.soft_reset()
            self.setup()
        t0 = time.monotonic()
        with open(path) as f:
            data = json.load(f)
        name = run_spec.path_stem(path)
        folder = os.path.dirname(path)
        source = data.get("source_filename", name + ".wast")
        chunks = []
        ran = set()
        status = None
        try:
            out = self.b.check("board_side.begin(%r, %r, '/host/m')" % (name, source))
            chunks.append(out)
            batch = []
            seen = 0
            for cmd in data["commands"]:
                if not run_spec.is_counted(cmd):
                    continue
                if cmd.get("type", "").startswith("assert_"):
                    seen += 1
                    if (seen - 1) % stride:
                        continue
                ran.add(cmd.get("line", 0))
                fn = cmd.get("filename")
                if cmd.get("type") in MODULE_KINDS and fn:
                    chunks.append(self.flush(batch, timeout))
                    data = self.binary(folder, fn)
                    if data[:4] != b"\0asm" and fn.endswith(".wasm"):
                        # an aot .mpy: read from the host as it loads (in a
                        # RAM file its bytes took the heap its code needs)
                        fn = fn[:-5] + ".mpy"
                        cmd = dict(cmd, filename=fn)
                        self.b.put_file("m/" + fn, data, ram=False)
                    else:
                        self.b.put_file("m/" + fn, data)
                    chunks.append(self.flush([cmd], timeout))
                    self.b.check("_hostfs.remove(%r)" % ("m/" + fn))
                else:
                    batch.append(cmd)
                    if len(batch) >= self.batch:
                        chunks.append(self.flush(batch, timeout))
            chunks.append(self.flush(batch, timeout))
            chunks.append(self.b.check("board_side.end()"))
        except qb.BoardError as e:
            status = run_spec.one_line(str(e), 200)
            self.stop()
        res = driver.parse_stream(path, "".join(chunks).replace("\r\n", "\n"), status)
        res.seconds = time.monotonic() - t0
        res.ran = ran
        return res

    def run_file_once_more(self, path, timeout=600, stride=1):
        """run_file, and once again on a rebooted board when the board
        itself failed (QEMU gone, the raw REPL out of step): that is the
        emulation, not the runtime, and the second result stands."""
        res = self.run_file(path, timeout, stride)
        if res.error:
            first = res.error
            self.stop()
            res = self.run_file(path, timeout, stride)
            res.retried = first
        return res

    def flush(self, batch, timeout):
        if not batch:
            return ""
        code = "".join("board_side.step(%r)\n" % (c,) for c in batch)
        del batch[:]
        # through semihosting: over the UART the commands' bytes were most
        # of an assertion's cost
        out, err = self.b.exec_file(code, timeout)
        if err:
            raise qb.BoardError("board_side: %s" % err.decode("utf-8", "replace")[-500:])
        return out.decode("utf-8", "replace")


def run(board, tier, files, progress=None, strides=None):
    """Each file's result (res.tier: its tier); `strides`: {file name: N}
    (QUICK), every Nth counted assertion of those files; `tier`: a tier, or
    {file name: tier}."""
    tiers = tier if isinstance(tier, dict) else {}
    bs = BoardSpec(board, tier if not tiers else "interp")
    results = []
    try:
        for p in files:
            name = run_spec.path_stem(p)
            # each file starts on a fresh heap (run_file), so it may have a
            # tier of its own
            if tiers:
                bs.tier = tiers[name]
            r = bs.run_file_once_more(p, stride=(strides or {}).get(name, 1))
            r.tier = bs.tier
            results.append(r)
            if progress:
                again = getattr(r, "retried", None)
                progress("%s %s %-24s %5d/%-5d %6.1fs %s%s" % (
                    board, r.tier, r.name, r.passed, r.total, r.seconds, r.error or "",
                    " (run again after: %s)" % again if again else ""))
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

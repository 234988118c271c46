"""Every command block of README.md and docs/*.md runs here, as written.

The convention (docs/writing-docs.md says the same for people writing docs):

* A fenced block tagged `sh` is a command block.  It runs with bash
  (`set -e -o pipefail`) from the root of a scratch copy of the repository
  (tracked and untracked files, not ignored ones), with `.venv/bin` first
  on PATH (the state after `. .venv/bin/activate`), and must exit 0.  Each
  block runs in a private network and process namespace when the machine
  allows it (root): the default port 8888 is the block's own, and servers
  started with `&` end with the block.  The blocks of one file run in order
  in the same scratch copy, so a later block may use what an earlier one
  built.
* A block tagged `console` shows output: `$ COMMAND` lines (a line ending
  in `\\` continues on the next) each followed by the output they must give
  (stdout and stderr together), compared line by line (runs of blanks count
  as one blank); a line `...` stands for any number of lines, `...` within
  a line for any text, and a last line `[exit N]` says the command exits N
  (otherwise 0).  A command ending in `&` runs in the background (a server
  for the next commands): the next command starts once it has printed
  something (at most 60 s), and its output is not compared.
* Other tags (`text`, `python`, `c`, `wat`, `json`, ...) and untagged blocks
  are not run.  But a `text` or untagged block whose first line is a
  command (starting with `tools/`, `make`, `micropython`, `.venv/`,
  `mpremote`, `pytest`, `git`, `python` or `$ `) fails the test, unless that
  line is a synopsis (`[options]`, `A | B`, `...`) or a diagram (`-->`):
  tag it `sh` or `console`, or list it in NOT_RUN.
  `python` blocks must compile.
* What a block may take for granted: `app.wasm` in the repository root is a
  stand-in for "your app" (a copy of samples/hello/hello.wasm); a serial
  device `/dev/ttyACM0` or `/dev/ttyUSB0` is a virtual board (tools/vboard,
  the same one for the whole file, with the runtime installed); a BOOTSEL drive is mounted at
  /media/doc-test/RPI-RP2; $WASM_SPEC_DIR points at the spec data.  A block
  using tools/spectest (spec data) or tools/wasm-cc (clang) skips, with the
  usual one-line hint, where those are missing.
* Blocks that cannot run as written here are listed below, each with its
  reason: NOT_RUN (not run at all: keep it short) and RUN_AS (run with a
  substitution, e.g. a dry run of a command that would flash hardware or
  re-run this suite).  An entry that matches no block fails the test, so
  the lists follow the docs.
"""
import glob
import os
import re
import shutil
import subprocess
import sys
import time

import pytest

import toolchain
from mp import ROOT

pytestmark = pytest.mark.host_only

DOCS = ["README.md"] + sorted(os.path.relpath(p, ROOT)
                              for p in glob.glob(os.path.join(ROOT, "docs", "*.md")))

# (file, the block's first line starts with): why it is not run
NOT_RUN = {
    ("README.md", "git clone https://github.com/WebAssembly/testsuite"):
        "needs github.com; tests/spec/test_testsuite.py runs tools/spectest --testsuite",
    ("docs/boards.md", "make -C micropython/ports/stm32"):
        "builds MicroPython firmware: MicroPython's source tree and an ARM toolchain",
    ("docs/boards.md", "tools/build ESP32_GENERIC --firmware"):
        "needs MicroPython's ESP32 firmware file and an ESP32 for esptool; tests/test_build.py "
        "builds and merges with a stand-in firmware, tests/test_flash* run tools/flash",
    ("README.md", "tools/qemu QEMU_RPI_PICO samples/hello/hello.wasm"):
        "builds three MicroPython firmwares for QEMU (minutes, MicroPython's sources from "
        "PyPI); tests/test_qemu.py runs tools/qemu on each board",
    ("README.md", "tools/qemu --app-manager QEMU_RPI_PICO2 --link build/pico2.tty"):
        "builds a MicroPython firmware for QEMU (minutes) and serves until Ctrl-C; "
        "tests/test_qemu_app.py runs these host_tool commands against the board",
    # fleet.md: a broker with accounts and an ACL at broker:1883; fleet.md's "A fleet
    # on one machine" block runs the same commands against a local mosquitto, and
    # tests/test_fleet.py runs them against brokers set up that way
    ("docs/fleet.md", "micropython -m wamr_mpy.app --mqtt broker.example"): "an MQTT broker",
    ("docs/fleet.md", "tools/host_tool --mqtt broker:1883 --user ops --password-file ops.pw "
                      "--device pump-17 -q"): "an MQTT broker",
    ("docs/fleet.md", "$ tools/host_tool --mqtt broker:1883"): "an MQTT broker and 3 devices",
    ("docs/fleet.md", "tools/host_tool --mqtt broker:1883 --user ops --password-file ops.pw "
                      "--group field -i handler -f v2.wasm --waves"): "an MQTT broker",
}

# (file or "*", regular expression, replacement, why): applied to the blocks
# of that file before they run; each must match at least once.
RUN_AS = [
    ("*", r"^tools/menuconfig ([^#\n]*?)\s*(#.*)?$",
     r"printf Q | TERM=xterm script -qec 'tools/menuconfig \1' /dev/null",
     "a terminal menu: it runs in a pseudo-terminal and is quit at once (Q)"),
    ("README.md", r"^make test\b", "make -n test",
     "the suite this test is part of: only that the target exists and what it runs"),
    ("README.md", r"^make bench\s*(#.*)?$", "make -n bench",
     "minutes of benchmarks; the BENCH_ARGS=--quick line runs the same path"),
    ("README.md", r"^make bench BENCH_ARGS=--quick\b[^#\n]*", 'make bench BENCH_ARGS="--quick '
     '--workloads fib --reps 1" ',
     "minutes of benchmarks (tests/test_bench.py runs --quick): one workload, every tier, "
     "through the make target"),
    ("README.md", r"^tools/spectest\s*(#.*)?$", "tools/spectest -q i32 f32",
     "the whole suite runs in tests/spec/test_spec.py; here two files"),
    ("docs/testing-differential.md", r"^make test\b", "make -n test",
     "the suite this test is part of"),
    ("docs/testing-differential.md", r"(test_differential\.py --seeds) 0:\d+", r"\1 0:12",
     "campaigns of hours: here 12 modules"),
    ("docs/testing-differential.md",
     r"^(WAMR_DIFF_SEEDS=\d+ )?(WAMR_TIER=\S+ )?(\.venv/bin/python -m pytest[^#\n]*?)\s*(#.*)?$",
     r"WAMR_DIFF_SEEDS=12 \2\3 --collect-only -q",
     "test files of make test (minutes here): only that the command line is valid (collected)"),
    ("*", r"^(pytest --target [^#\n]*?)\s*(#.*)?$", r"\1 --collect-only -q",
     "test files of make test on a device (minutes); tests/test_mpremote.py runs the --target "
     "runner on a virtual board: here only that the command line is valid (collected)"),
    ("docs/boards.md", r"/tmp/vboard0", "{scratch}/vboard0",
     "a link of the block's own (/tmp is shared with other runs)"),
]

BLOCK_TIMEOUT = 600
SERIAL = ("/dev/ttyACM0", "/dev/ttyUSB0")
COMMAND_START = re.compile(r"^\s*(\$ |tools/[\w.-]+(\s|$)|make\s|micropython\s|\.venv/|"
                           r"mpremote\s|pytest\s|git\s|python3?\s)")
SYNOPSIS = re.compile(r"\[[^\]]*\]|\S \| \S|\.\.\.|-->|<--")


class Block:
    def __init__(self, path, line, lang, text):
        self.path, self.line, self.lang, self.text = path, line, lang, text

    @property
    def first(self):
        for ln in self.text.splitlines():
            if ln.strip():
                return ln.strip()
        return ""

    def where(self):
        return "%s:%d" % (self.path, self.line)


FENCE = re.compile(r"^(\s*)(`{3,}|~{3,})\s*([^\s`]*)[^`]*$")


def blocks(path):
    """The fenced blocks of a markdown file (indented ones in lists too)."""
    with open(os.path.join(ROOT, path)) as f:
        lines = f.read().split("\n")
    out = []
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        indent, fence, lang = len(m.group(1)), m.group(2), m.group(3).lower()
        j = i + 1
        body = []
        while j < len(lines) and not (lines[j].strip().startswith(fence[0] * len(fence)) and
                                      lines[j].strip().strip(fence[0]) == ""):
            body.append(lines[j][indent:] if lines[j][:indent].strip() == "" else lines[j])
            j += 1
        out.append(Block(path, i + 1, lang, "\n".join(body) + "\n"))
        i = j + 1
    return out


# ------------------------------------------------------------ the scratch copy

def scratch_copy(dest):
    """The repository's files as a user's checkout has them, .venv linked."""
    files = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                           cwd=ROOT, capture_output=True, check=True).stdout.split(b"\0")
    for rel in files:
        if not rel:
            continue
        rel = rel.decode()
        src = os.path.join(ROOT, rel)
        if rel == ".venv" or not os.path.lexists(src):
            continue
        dst = os.path.join(dest, rel)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        if os.path.islink(src):
            os.symlink(os.readlink(src), dst)
        else:
            shutil.copy2(src, dst)
    os.symlink(os.path.realpath(os.path.join(ROOT, ".venv")), os.path.join(dest, ".venv"))
    shutil.copyfile(os.path.join(ROOT, "samples", "hello", "hello.wasm"),
                    os.path.join(dest, "app.wasm"))


_NS = {}


def namespaces():
    """The unshare prefix for a private network, pid and mount namespace, or
    None where the machine does not allow it."""
    if "ns" not in _NS:
        cmd = ["unshare", "--net", "--pid", "--fork", "--mount-proc", "--kill-child"]
        try:
            ok = subprocess.run(cmd + ["true"], capture_output=True, timeout=30).returncode == 0
        except (OSError, subprocess.TimeoutExpired):
            ok = False
        _NS["ns"] = cmd if ok else None
    return _NS["ns"]


# run inside the namespaces before each block
NS_PRELUDE = """ip link set lo up 2>/dev/null || true
if mount -t tmpfs doc-test /media 2>/dev/null; then
    mkdir -p /media/doc-test/RPI-RP2
    echo 'Board-ID: RPI-RP2' > /media/doc-test/RPI-RP2/INFO_UF2.TXT
fi
"""


def spec_data(suite="spec"):
    if os.path.join(ROOT, "tests", "spec") not in sys.path:
        sys.path.insert(0, os.path.join(ROOT, "tests", "spec"))
    import driver
    try:
        return driver.spec_json_dir(suite), None
    except driver.SpecDataMissing as e:
        return None, e.hint


def needs(block, spec=True):
    """Why `block` cannot run on this machine (the usual skip hints), or None.
    spec=False: the run leaves the spec tests out (make test-fast)."""
    text = block.text
    if re.search(r"tools/spectest(?![^\n]*--testsuite)|make spec", text):
        if not spec:
            return "a spec test, and this run leaves them out (-m 'not spec')"
        for suite in ["spec"] + (["spec3"] if re.search(r"spec3|--suite all|make spec", text)
                                 else []):
            data, hint = spec_data(suite)
            if data is None:
                return hint
    if "tools/wasm-cc" in text:
        parts = ["c"] + (["wasi"] if "--wasi" in text else [])
        for p in parts:
            why = toolchain.missing(p)
            if why:
                return why
    if namespaces() is None and ("&" in text or "wamr_mpy.app" in text):
        return "a block with a server needs a private network namespace (unshare, as root)"
    return None


class Board:
    """A virtual board standing in for /dev/ttyACM0 in one file's blocks,
    with the runtime installed in its /lib as on a flashed board."""

    def __init__(self, scratch):
        import importlib.machinery
        import importlib.util
        self.link = os.path.join(scratch, ".doc-test-tty")
        flash = os.path.join(scratch, ".doc-test-board")
        os.makedirs(flash)
        loader = importlib.machinery.SourceFileLoader("mprun", os.path.join(ROOT, "tools", "mprun"))
        mprun = importlib.util.module_from_spec(importlib.util.spec_from_loader("mprun", loader))
        loader.exec_module(mprun)
        mprun.install_into(flash, scratch)
        self.proc = subprocess.Popen(
            [sys.executable, os.path.join(ROOT, "tools", "vboard"), "--link", self.link,
             "--dir", flash, "--no-main"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        line = self.proc.stdout.readline()
        assert line.startswith(b"vboard: ready"), line

    def close(self):
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def run_script(script, cwd, env, timeout=BLOCK_TIMEOUT):
    ns = namespaces()
    if ns:
        cmd = ns + ["bash", "-c", NS_PRELUDE + script]
    else:
        cmd = ["bash", "-c", script]
    try:
        r = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=timeout)
        return r.returncode, r.stdout.decode("utf-8", "replace")
    except subprocess.TimeoutExpired as e:
        return "timeout after %ds" % timeout, (e.stdout or b"").decode("utf-8", "replace")


def block_env(scratch):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PYTEST", "WAMR_", "MICROPY")) and k not in ("VIRTUAL_ENV",)}
    venv = os.path.join(scratch, ".venv")
    env["PATH"] = os.path.join(venv, "bin") + os.pathsep + env.get("PATH", "")
    env["VIRTUAL_ENV"] = venv
    for suite, var in (("spec", "WASM_SPEC_DIR"), ("spec3", "WASM_SPEC3_DIR")):
        data, _ = spec_data(suite)
        if data:
            env[var] = data
    return env


# ----------------------------------------------------------------- console

def console_steps(text):
    """[(command, [expected lines], exit code)] of a console block."""
    steps = []
    lines = text.rstrip("\n").split("\n")
    i = 0
    while i < len(lines):
        ln = lines[i]
        if not ln.startswith("$ "):
            raise ValueError("console block: %r is output with no command before it" % ln)
        cmd = ln[2:]
        while cmd.endswith("\\") and i + 1 < len(lines):
            i += 1
            cmd = cmd + "\n" + lines[i]
        i += 1
        out = []
        while i < len(lines) and not lines[i].startswith("$ "):
            out.append(lines[i])
            i += 1
        code = 0
        if out and re.match(r"^\[exit \d+\]$", out[-1]):
            code = int(out.pop()[6:-1])
        steps.append((cmd, out, code))
    return steps


STEP = "\x01doc-test %s %d %s\x01"


def run_console(steps, scratch, env):
    """Runs the steps of a console block in one shell (a command ending in
    `&` runs in the background, its output goes to .doc-test-bg.log and is
    not compared); yields (command, expected, wanted exit, output lines,
    exit)."""
    script = []
    for i, (cmd, _, _) in enumerate(steps):
        script.append("printf '\\n%s\\n'" % (STEP % ("step", i, "")))
        bg = re.match(r"^(.*[^&])&\s*(#[^\n]*)?$", cmd)
        if bg:
            log = ".doc-test-bg%d.log" % i
            script.append("{ %s ; } > %s 2>&1 &" % (bg.group(1), log))
            script.append("for _ in $(seq 600); do [ -s %s ] && break; sleep 0.1; done" % log)
        else:
            script.append("{ %s\n} 2>&1" % cmd)
        script.append("printf '\\n%s\\n' \"$?\"" % (STEP % ("exit", i, "%s")))
    code, out = run_script("\n".join(script), scratch, env)
    for i, (cmd, expected, want) in enumerate(steps):
        start = out.find(STEP % ("step", i, "") + "\n")
        m = re.compile(re.escape("\n" + STEP % ("exit", i, "@")).replace("@", r"(\d+)")).search(
            out, max(start, 0))
        if start < 0 or m is None:
            yield cmd, expected, want, out.split("\n")[-40:], "none (the block ended: %s)" % code
            return
        got = out[start + len(STEP % ("step", i, "")) + 1:m.start()]
        if got.endswith("\n"):
            got = got[:-1]
        yield cmd, expected, want, got.split("\n") if got else [], int(m.group(1))


def line_matches(exp, got):
    """Runs of blanks count as one; `...` in a line stands for any text."""
    e, g = " ".join(exp.split()), " ".join(got.split())
    if "..." in e:
        return re.fullmatch(".*".join(re.escape(p) for p in e.split("...")), g) is not None
    return e == g


def output_matches(expected, got):
    """Line by line; a line `...` matches any number of lines."""
    def match(ei, gi):
        if ei == len(expected):
            return gi == len(got)
        if expected[ei].strip() == "...":
            return any(match(ei + 1, k) for k in range(gi, len(got) + 1))
        return gi < len(got) and line_matches(expected[ei], got[gi]) and match(ei + 1, gi + 1)
    return match(0, 0)


# --------------------------------------------------------------- checks

def looks_like_commands(block):
    """The first line of a block that is not run (text / untagged) when it is
    a command, not a synopsis or a diagram."""
    first = block.first
    if COMMAND_START.match(first) and not SYNOPSIS.search(first):
        return [first]
    return []


def not_run_reason(block):
    for (path, first), why in NOT_RUN.items():
        if path == block.path and block.first.startswith(first):
            return why
    return None


def adapted(block, scratch):
    text = block.text
    for path, pattern, repl, _ in RUN_AS:
        if path in (block.path, "*"):
            text = re.sub(pattern, repl.replace("{scratch}", scratch), text, flags=re.M)
    return text


def check_file(path, scratch, spec=True):
    """Runs the blocks of `path`; returns (problems, skipped, timings)."""
    problems, skipped, timings = [], [], []
    env = block_env(scratch)
    board = None
    try:
        for b in blocks(path):
            if b.lang == "python":
                try:
                    compile(b.text, b.where(), "exec")
                except SyntaxError as e:
                    problems.append("%s: python block does not compile: %s" % (b.where(), e))
                continue
            if b.lang not in ("sh", "console"):
                if b.lang in ("", "text") and looks_like_commands(b) and not_run_reason(b) is None:
                    problems.append("%s: commands in a block that is not run (tag it sh or console,"
                                    " see tests/test_docs.py): %s" % (b.where(),
                                                                     looks_like_commands(b)[0]))
                continue
            if not_run_reason(b):
                skipped.append("%s: %s" % (b.where(), not_run_reason(b)))
                continue
            why = needs(b, spec)
            if why:
                skipped.append("%s: %s" % (b.where(), why))
                continue
            text = adapted(b, scratch)
            if any(dev in text for dev in SERIAL):
                if board is None:
                    board = Board(scratch)
                for dev in SERIAL:
                    text = text.replace(dev, board.link)
            started = time.monotonic()
            if b.lang == "sh":
                code, out = run_script("set -e -o pipefail\n" + text, scratch, env)
                timings.append("%s: %.1f s" % (b.where(), time.monotonic() - started))
                if code != 0:
                    problems.append("%s: exit %s after %.0f s\n%s\n--- output (end)\n%s" % (
                        b.where(), code, time.monotonic() - started, b.text.rstrip(),
                        out[-3000:]))
                continue
            try:
                steps = console_steps(text)
            except ValueError as e:
                problems.append("%s: %s" % (b.where(), e))
                continue
            for n, (cmd, expected, want, got, code) in enumerate(run_console(steps, scratch, env)):
                if code != want or not output_matches(expected, got):
                    problems.append("%s: $ %s\n--- wanted (exit %d)\n%s\n--- got (exit %s)\n%s" % (
                        b.where(), cmd, want, "\n".join(expected), code, "\n".join(got)))
            timings.append("%s: %.1f s" % (b.where(), time.monotonic() - started))
    finally:
        if board is not None:
            board.close()
    return problems, skipped, timings


def test_lists_match_the_docs():
    """Every NOT_RUN entry names one existing block, every RUN_AS entry
    changes at least one."""
    for (path, first), why in NOT_RUN.items():
        found = [b for b in blocks(path) if b.first.startswith(first)]
        assert len(found) == 1, "NOT_RUN (%s, %r) matches %d blocks" % (path, first, len(found))
        assert why
    for path, pattern, _, why in RUN_AS:
        assert why and (path in DOCS or path == "*")
        assert any(re.search(pattern, b.text, re.M) for d in (DOCS if path == "*" else [path])
                   for b in blocks(d) if b.lang in ("sh", "console")), \
            "RUN_AS entry (%s, %r) matches no block any more" % (path, pattern)


@pytest.mark.parametrize("path", DOCS)
def test_doc_blocks_run(path, tmp_path, request):
    scratch = str(tmp_path / "repo")
    os.makedirs(scratch)
    scratch_copy(scratch)
    marks = request.config.getoption("-m") or ""
    problems, skipped, timings = check_file(path, scratch,
                                            spec=not re.search(r"not\s+spec\b", marks))
    for s in skipped:
        print("not run: " + s)
    for t in timings:
        print("ran: " + t)
    assert not problems, "\n\n".join(problems)

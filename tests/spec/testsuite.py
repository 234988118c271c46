"""The 2.0 spec test data: how `tools/spectest --testsuite DIR` builds it from
a WebAssembly/testsuite checkout, and the one line saying so when the
runner (driver.spec_json_dir) finds no data.

The data is not in this repository.  Its layout (as in ../shared/spec):
  wast/NAME.wast                 the testsuite's core files, SIMD left out
  json/NAME/NAME.json, NAME.N.wasm, NAME.N.wat
                                 `wast2json NAME.wast` (wabt, default features)
  LICENSE, README.md             the testsuite's license, where the data is from
Commit 4f77306 of the testsuite with Debian 12's wabt 1.0.32 gives the data
the baseline (tests/spec/baseline.json) was measured on, byte for byte.
"""
import os
import shutil
import subprocess
import tempfile

KNOWN_COMMIT = "4f77306"
KNOWN_WABT = "1.0.32"


def hint(suite, var, folder):
    """One line: where the runner looked for a suite's data and how to get
    it."""
    where = "$%s, ../shared/%s or build/%s" % (var, folder, folder)
    if suite == "spec":
        return ("spec test data not found (%s): tools/spectest --testsuite DIR builds it "
                "from a WebAssembly/testsuite checkout (README.md, Spec tests)" % where)
    return ("%s test data not found (%s): the 3.0 suite of a WebAssembly/testsuite checkout "
            "converted by wasm-tools json-from-wast (README.md, Spec tests)" % (suite, where))


def wast_names(checkout):
    """Core test files of a testsuite checkout: its top-level .wast files
    without the SIMD ones (the runtime has no SIMD)."""
    return sorted(n[:-5] for n in os.listdir(checkout)
                  if n.endswith(".wast") and not n.startswith("simd_"))


def wabt_version(wast2json):
    r = subprocess.run([wast2json, "--version"], capture_output=True, text=True)
    return r.stdout.strip()


def checkout_commit(checkout):
    """The checkout's git commit, or None when it is not a git checkout."""
    try:
        r = subprocess.run(["git", "-C", checkout, "rev-parse", "HEAD"],
                           capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return r.stdout.strip() if r.returncode == 0 else None


README = """# WebAssembly spec testsuite (data)

Built by wamr-mpy's `tools/spectest --testsuite` from a WebAssembly/testsuite
checkout (commit %s) with wabt %s: `wast/NAME.wast` are its %d core files
(SIMD left out), `json/NAME/` the output of `wast2json NAME.wast` (default
features).  License: LICENSE.
"""


def build(checkout, out, wast2json="wast2json", log=print):
    """Builds the data from `checkout` into `out` (replacing its wast/ and
    json/).  Returns the number of files converted.  Raises ValueError on a
    folder that is not a testsuite checkout and RuntimeError when wast2json
    is missing or fails."""
    checkout = os.path.abspath(checkout)
    names = wast_names(checkout) if os.path.isdir(checkout) else []
    if not names:
        raise ValueError("%s holds no .wast files: not a WebAssembly/testsuite checkout "
                         "(git clone https://github.com/WebAssembly/testsuite)" % checkout)
    tool = shutil.which(wast2json)
    if tool is None:
        raise RuntimeError("%s not found (Debian: apt-get install wabt)" % wast2json)
    version = wabt_version(tool)
    commit = checkout_commit(checkout)
    if version != KNOWN_WABT:
        log("spectest: wabt %s (the baseline's data was made by %s)" % (version, KNOWN_WABT))
    if commit and not commit.startswith(KNOWN_COMMIT):
        log("spectest: testsuite commit %s (the baseline's data is from %s)"
            % (commit[:7], KNOWN_COMMIT))
    out = os.path.abspath(out)
    os.makedirs(out, exist_ok=True)
    # built aside and moved in at the end: an interrupted build leaves no
    # half-filled json/ that the runner would take for the data
    tmp = tempfile.mkdtemp(prefix=".testsuite-", dir=out)
    try:
        wast = os.path.join(tmp, "wast")
        os.mkdir(wast)
        for n in names:
            shutil.copyfile(os.path.join(checkout, n + ".wast"), os.path.join(wast, n + ".wast"))
        for n in names:
            d = os.path.join(tmp, "json", n)
            os.makedirs(d)
            # relative input name: wast2json records it as source_filename
            r = subprocess.run([tool, n + ".wast", "-o", os.path.join(d, n + ".json")],
                               cwd=wast, capture_output=True, text=True)
            if r.returncode != 0:
                raise RuntimeError("wast2json %s.wast failed: %s" % (n, r.stderr.strip()[:500]))
        with open(os.path.join(tmp, "README.md"), "w") as f:
            f.write(README % (commit[:7] if commit else "unknown", version, len(names)))
        lic = os.path.join(checkout, "LICENSE")
        if os.path.isfile(lic):
            shutil.copyfile(lic, os.path.join(tmp, "LICENSE"))
        for part in ("wast", "json", "LICENSE", "README.md"):
            dst = os.path.join(out, part)
            if os.path.isdir(dst):
                shutil.rmtree(dst)
            elif os.path.exists(dst):
                os.remove(dst)
            if os.path.exists(os.path.join(tmp, part)):
                os.rename(os.path.join(tmp, part), dst)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    log("spectest: %d files from %s%s -> %s" % (
        len(names), checkout, " (commit %s)" % commit[:7] if commit else "", out))
    return len(names)

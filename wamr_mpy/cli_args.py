# The CLI's options: parsing, usage text and the execution-tier choice.
# Imported by cli.main() only until the options are read (docs/cli.md).

USAGE = """Usage: micropython -m wamr_mpy [options] app.wasm|app.mpy [args...]
options:
  -f FUNC, --function=FUNC  call FUNC with the args (parsed by its types)
                            instead of _start/main, print its results
  --stack-size=N            wasm stack size in bytes (default %d)
  --heap-size=N             app heap for libc malloc in bytes (default %d)
  --dir=DIR                 give WASI access to host directory DIR
  --map-dir=GUEST::HOST     ... to HOST, seen by the app as GUEST
  --env=KEY=VALUE           set a WASI environment variable
  --tier=NAME               execution tier: %s
  --version                 print the version and the available tiers
  -h, --help                this text"""

# Execution tiers: name -> a function giving the extra instantiate()
# keyword arguments, or None when the tier is not in this build.  Adding a
# tier is one entry here.  "aot" runs wamrc output (an .mpy file): loading
# one selects it.


TIERS = (
    ("interp", lambda: {"tier": "interp"}),
    ("fast", lambda: {"tier": "fast"}),
    ("jit", lambda: {"tier": "jit"}),
    ("aot", lambda: {}),
)
# Without --tier a .wasm runs on the first of these the port has (the JIT
# is not among them: compiling on first call makes short runs slower).


DEFAULT_TIERS = ("fast", "interp")


def _default_tiers():
    # The fast tier keeps more decoded code in RAM; below 1 MiB of heap the
    # portable interpreter, whose code cache is bounded, is the safer default.
    import gc
    try:
        heap = gc.mem_free() + gc.mem_alloc()
    except AttributeError:      # CPython
        return DEFAULT_TIERS
    return DEFAULT_TIERS if heap >= 1024 * 1024 else ("interp",)


def _tier_ok(name):
    """The tier's module is in this build and the port can run it."""
    try:
        if name == "fast":
            __import__("wamr_mpy.interp_fast")
        elif name == "jit":
            from . import jit
            return jit.available()
        elif name == "aot":
            from . import aot
            return aot.native_arch() is not None
    except ImportError:
        return False
    return True


def _tier_on(name):
    """The tier's Kconfig switch.  Spelled out (not getattr by name) so a
    board's build folds the values in and never imports config.py."""
    from . import config
    return {"interp": config.TIER_INTERP, "fast": config.TIER_FAST, "jit": config.TIER_JIT,
            "aot": config.TIER_AOT}.get(name, True)


class UsageError(Exception):
    pass


def available_tiers():
    out = []
    for name, make in TIERS:
        if make is not None and _tier_on(name) and _tier_ok(name):
            out.append(name)
    return out


def _int_opt(name, v):
    try:
        n = int(v, 0)
    except ValueError:
        n = -1
    if n < 0:
        raise UsageError("%s needs a byte count, got %r" % (name, v))
    return n


def parse_args(argv):
    o = {"func": None, "stack": None, "heap": None, "dirs": [], "env": [],
         "tier": None, "version": False, "help": False, "file": None,
         "args": []}
    i = 0
    while i < len(argv):
        a = argv[i]
        if not a.startswith("-") or a == "-":
            break
        name, eq, val = a.partition("=")
        takes = name in ("-f", "--function", "--stack-size", "--heap-size",
                         "--dir", "--map-dir", "--env", "--tier")
        if takes and not eq:
            i += 1
            if i >= len(argv):
                raise UsageError("%s needs a value" % name)
            val = argv[i]
        if name in ("-f", "--function"):
            o["func"] = val
        elif name == "--stack-size":
            o["stack"] = _int_opt(name, val)
        elif name == "--heap-size":
            o["heap"] = _int_opt(name, val)
        elif name == "--dir":
            if not val:
                raise UsageError("--dir needs a directory")
            o["dirs"].append(val)
        elif name == "--map-dir":
            guest, sep, host = val.partition("::")
            if not sep or not guest or not host:
                raise UsageError("--map-dir needs GUEST::HOST, got %r" % val)
            o["dirs"].append((guest, host))
        elif name == "--env":
            k, sep, v = val.partition("=")
            if not sep or not k:
                raise UsageError('--env needs "key=value", got %r' % val)
            o["env"].append(val)
        elif name == "--tier":
            o["tier"] = val
        elif name == "--version":
            o["version"] = True
        elif name in ("-h", "--help"):
            o["help"] = True
        elif name == "--":
            i += 1
            break
        else:
            raise UsageError("unknown option %s" % a)
        i += 1
    if i < len(argv):
        o["file"] = argv[i]
        o["args"] = argv[i + 1:]
    return o


def tier_kwargs(tier):
    names = [n for n, m in TIERS]
    if tier is None:
        # Probe only until one fits: probing imports the tier's code, and
        # on a small heap every module counts.
        for n in _default_tiers():
            if _tier_on(n) and _tier_ok(n):
                return dict(TIERS)[n]()
        return {}
    if tier not in names:
        raise UsageError("unknown tier %r (tiers: %s)" % (tier, ", ".join(names)))
    if not (_tier_on(tier) and _tier_ok(tier)):
        raise UsageError("tier %r is not available in this build (available: %s)"
                         % (tier, ", ".join(available_tiers())))
    for n, make in TIERS:
        if n == tier:
            return make()
    return {}

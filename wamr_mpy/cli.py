# `micropython -m wamr_mpy [options] app.wasm [args...]`, like WAMR's iwasm.
# See docs/cli.md.

import sys

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


class UsageError(Exception):
    pass


def _config():
    from . import config
    return config


def available_tiers():
    cfg = _config()
    out = []
    for name, make in TIERS:
        flag = getattr(cfg, "TIER_" + name.upper(), True)
        if make is not None and flag and _tier_ok(name):
            out.append(name)
    return out


def _err(msg):
    try:
        sys.stderr.write("wamr_mpy: " + msg + "\n")
    except AttributeError:
        print("wamr_mpy: " + msg)


def _out(s):
    from . import native
    native.write_stdout(s.encode())


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


def _tier_kwargs(tier):
    names = [n for n, m in TIERS]
    if tier is None:
        # Probe only until one fits: probing imports the tier's code, and
        # on a small heap every module counts.
        cfg = _config()
        for n in _default_tiers():
            if getattr(cfg, "TIER_" + n.upper(), True) and _tier_ok(n):
                return dict(TIERS)[n]()
        return {}
    if tier not in names:
        raise UsageError("unknown tier %r (tiers: %s)" % (tier, ", ".join(names)))
    if not (getattr(_config(), "TIER_" + tier.upper(), True) and _tier_ok(tier)):
        raise UsageError("tier %r is not available in this build (available: %s)"
                         % (tier, ", ".join(available_tiers())))
    for n, make in TIERS:
        if n == tier:
            return make()
    return {}


def main(argv=None):
    """Runs the CLI; returns the process exit code."""
    try:
        return _main(argv)
    except OSError as e:
        # stdout closed under us (`... | head`): end quietly, like a C
        # program killed by SIGPIPE.
        if e.args and e.args[0] == 32:
            return 141
        raise


def _main(argv):
    if argv is None:
        argv = sys.argv[1:]
    cfg = _config()
    # Before anything else is imported (memory policy for small heaps).
    import wamr_mpy
    wamr_mpy.init()
    try:
        o = parse_args(argv)
        if o["version"]:
            import wamr_mpy
            _out("wamr_mpy %s (tiers: %s)\n" % (wamr_mpy.__version__,
                                                 ", ".join(available_tiers())))
            return 0
        if o["help"] or o["file"] is None:
            _out(USAGE % (cfg.STACK_SIZE, cfg.HEAP_SIZE,
                          "|".join(n for n, m in TIERS)) + "\n")
            return 0 if o["help"] else 2
        kw = _tier_kwargs(o["tier"])
    except UsageError as e:
        _err(str(e))
        return 2
    return run(o, kw)


def _load(path):
    import wamr_mpy
    try:
        open(path, "rb").close()
    except OSError as e:
        _err("cannot open %s: %s" % (path, _oserr(e)))
        return None
    try:
        # By path: function bodies stay in the file until first called.
        return wamr_mpy.load(path)
    except wamr_mpy.WasmError as e:
        _err("%s: %s" % (path, e))
    except MemoryError:
        _err("%s: out of memory while loading" % path)
    return None


def _oserr(e):
    n = getattr(e, "errno", None)
    try:
        import errno
        name = errno.errorcode.get(n)
    except (ImportError, AttributeError):
        name = None
    if n == 2:
        return "no such file"
    return name or str(e)


def _imports_wasi(mod):
    for m, n, k in mod.imports:
        if m == "wasi_snapshot_preview1":
            return True
    return False


def _is_side_module(mod):
    for name, _ in mod.custom_sections:
        if name == "dylink.0" or name == "dylink":
            return True
    return False


def run(o, kw=None):
    from .errors import Trap, ProcExit, LinkError, WasmError
    import gc
    path = o["file"]
    # Import what instantiation needs before the module's big allocations,
    # and collect before the linear memory (one contiguous block) is made:
    # on a small heap fragmentation decides whether that block fits.  With
    # UNLOAD_LOADER the decoder leaves RAM after loading: importing the
    # rest only then keeps the two sets from being in RAM together (the
    # linear memory was reserved by init()).
    from . import config
    if not getattr(config, "UNLOAD_LOADER", False):
        from . import instance, native  # noqa: F401
    mod = _load(path)
    if mod is not None:
        from . import instance, native  # noqa: F401,F811
    if mod is None:
        return 1
    if getattr(mod._m, "aot", None) is not None:
        # wamrc output runs on the aot tier only
        if o.get("tier") not in (None, "aot"):
            _err("%s: a compiled module (.mpy) runs on tier aot, not %s"
                 % (path, o["tier"]))
            return 2
        kw = {}
    elif o.get("tier") == "aot":
        _err("%s: tier aot runs modules compiled by tools/wamrc (.mpy)" % path)
        return 2
    ctx = None
    if _imports_wasi(mod):
        from . import wasi
        ctx = wasi.WasiCtx([path] + o["args"], o["env"], o["dirs"])
        wasi.set_next(ctx)
    gc.collect()
    side = _is_side_module(mod)
    try:
        if side:
            from . import dylink
            inst = dylink.instantiate(mod, None, o["stack"], o["heap"])
        else:
            inst = mod.instantiate(None, o["stack"], o["heap"], **(kw or {}))
    except LinkError as e:
        _err("%s: %s" % (path, e))
        return 1
    except Trap as e:
        _out("Exception: %s\n" % e.message)
        return 1
    except ProcExit as e:
        return e.code & 0xFF
    except WasmError as e:
        _err("%s: %s" % (path, e))
        return 1
    except MemoryError:
        _err("%s: out of memory while instantiating" % path)
        return 1
    if ctx is not None:
        wasi.set_next(None)
        ctx.bind(inst)
    try:
        if not side:            # dylink.instantiate ran the constructors
            _init_app(inst)
        if o["func"] is not None:
            return _call_func(inst, o["func"], o["args"])
        return _run_main(inst, [path] + o["args"])
    except ProcExit as e:
        return e.code & 0xFF
    except Trap as e:
        _out("Exception: %s\n" % e.message)
        return 1
    except MemoryError:
        _out("Exception: out of memory\n")
        return 1
    finally:
        if ctx is not None:
            ctx.close_all()


def _init_app(inst):
    """A module without _start (built with --no-entry, or a WASI reactor)
    gets its C/C++ constructors run once before anything else, as a
    command's _start would: _initialize when exported, else
    __wasm_call_ctors."""
    if inst.lookup_function("_start") is not None:
        return
    for name in ("_initialize", "__wasm_call_ctors"):
        f = inst.lookup_function(name)
        if f is not None and not f.type.params and not f.type.results:
            inst.call(f)
            return


def _run_main(inst, args):
    from . import native
    from .errors import Trap
    f = inst.lookup_function("_start")
    if f is not None:
        inst.call(f)
        return 0
    for name in ("main", "__main_argc_argv", "_main"):
        f = inst.lookup_function(name)
        if f is not None:
            break
    if f is None:
        raise Trap("lookup the entry point symbol (like _start, main, _main, "
                   "__main_argc_argv) failed")
    t = f.type
    if len(t.params) not in (0, 2) or len(t.results) > 1 or \
            t.sig not in ("()", "()i", "(ii)", "(ii)i"):
        raise Trap("invalid function type of main function")
    if t.params:
        argv = _put_argv(inst, args, native)
        if argv is None:
            raise Trap("allocate memory failed")
        r = inst.call(f, len(args), argv)
    else:
        r = inst.call(f)
    return (r or 0) & 0xFF


def _put_argv(inst, args, native):
    """argv strings then the pointer array, in the app heap (like WAMR)."""
    bs = [a.encode() + b"\0" for a in args]
    strsize = (sum(len(b) for b in bs) + 3) & ~3
    base = native.module_malloc(inst, strsize + 4 * (len(bs) + 1))
    if not base:
        return None
    data = inst.memory.data
    p = base
    ptrs = base + strsize
    for i, b in enumerate(bs):
        data[p:p + len(b)] = b
        data[ptrs + 4 * i:ptrs + 4 * i + 4] = p.to_bytes(4, "little")
        p += len(b)
    data[ptrs + 4 * len(bs):ptrs + 4 * len(bs) + 4] = bytes(4)
    return ptrs


# ---- -f FUNC ----------------------------------------------------------------

def _call_func(inst, name, args):
    from .errors import Trap
    f = inst.lookup_function(name)
    if f is None:
        raise Trap("lookup function %s failed" % name)
    t = f.type
    if len(args) != len(t.params):
        raise Trap("invalid input argument count")
    raw = []
    for i in range(len(args)):
        raw.append(_parse_arg(t.params[i], args[i], i))
    res = inst.call_raw(f, raw)
    parts = []
    for i in range(len(t.results)):
        parts.append(_format_result(t.results[i], res[i]))
    _out(",".join(parts) + "\n")
    return 0


def _strtoul(s, bits):
    """C strtoul(s, &end, 0) for the whole string; None if not a number."""
    t = s.strip()
    neg = False
    if t[:1] in ("-", "+"):
        neg = t[0] == "-"
        t = t[1:]
    if not t:
        return None
    try:
        if t[:2] in ("0x", "0X"):
            v = int(t[2:], 16)
        elif len(t) > 1 and t[0] == "0":
            v = int(t[1:], 8)
        else:
            v = int(t, 10)
    except ValueError:
        return None
    m = (1 << bits) - 1
    if v > m:
        v = m
    return (-v) & m if neg else v


def _parse_float(s, bits):
    """strtof/strtod, plus iwasm's "nan:0xPAYLOAD" and "-nan" forms.
    Returns the raw bit pattern or None."""
    t = s.strip()
    payload = None
    if ":" in t:
        t, _, p = t.partition(":")
        payload = _strtoul(p, 64)
        if payload is None:
            return None
    b = _text_to_bits(t, bits)
    if b is None or payload is None:
        return b
    fb = 23 if bits == 32 else 52
    if (b >> fb) & ((1 << (bits - 1 - fb)) - 1) != (1 << (bits - 1 - fb)) - 1 or \
            not b & ((1 << fb) - 1):
        return None     # a payload only goes with nan
    return (b >> fb << fb) | (payload & ((1 << fb) - 1))


def _nbits(n):
    k = 4 * len("%x" % n)
    while k and not n >> (k - 1):
        k -= 1
    return k


def _text_to_bits(t, bits):
    """C's strtof/strtod of the whole string t (decimal or 0x hex, inf,
    infinity, nan) -> the nearest f32/f64 bit pattern (round to nearest,
    ties to even), computed in integers: a port whose float is single
    precision cannot parse a double through float().  None if t is not a
    number."""
    p, ebits = (24, 8) if bits == 32 else (53, 11)
    bias = (1 << (ebits - 1)) - 1
    sign = 0
    if t[:1] in ("-", "+"):
        if t[0] == "-":
            sign = 1 << (bits - 1)
        t = t[1:]
    t = t.lower()
    inf = ((1 << ebits) - 1) << (p - 1)
    if t in ("inf", "infinity"):
        return sign | inf
    if t == "nan":
        return sign | inf | (1 << (p - 2))
    base, ech = 10, "e"
    if t[:2] == "0x":
        base, ech, t = 16, "p", t[2:]
    mant, _, ex = t.partition(ech)
    ip, _, fp = mant.partition(".")
    digits = ip + fp
    if not digits or (ech in t and not ex):
        return None
    try:
        m = int(digits, base)
        x = int(ex) if ex else 0
    except ValueError:
        return None
    if "-" in digits or "+" in digits or " " in t or "_" in t:
        return None
    if m == 0:
        return sign
    # value = m * base**x2 (hex: the exponent is binary, a hex digit is 4 bits)
    if base == 16:
        x2 = x - 4 * len(fp)
        mag = x2 + _nbits(m)
        if mag > 1100:
            return sign | inf
        if mag < -1200:
            return sign
        num, den = (m << x2, 1) if x2 >= 0 else (m, 1 << -x2)
    else:
        x10 = x - len(fp)
        mag = x10 + len(digits.lstrip("0"))
        if mag > 330:
            return sign | inf
        if mag < -360:
            return sign
        num, den = (m * 10 ** x10, 1) if x10 >= 0 else (m, 10 ** -x10)
    emin = 2 - bias - p         # the exponent of the smallest subnormal
    e = _nbits(num) - _nbits(den) - p
    if e < emin:
        e = emin
    while True:
        if e >= 0:
            d = den << e
            q, r = divmod(num, d)
        else:
            d = den
            q, r = divmod(num << -e, d)
        if q >> p:
            e += 1
        elif not q >> (p - 1) and e > emin:
            e -= 1
        else:
            break
    if 2 * r > d or (2 * r == d and q & 1):
        q += 1
        if q >> p:
            q >>= 1
            e += 1
    if not q >> (p - 1):
        return sign | q             # subnormal (or rounded up to the smallest normal)
    be = e + p - 1 + bias
    if be >= (1 << ebits) - 1:
        return sign | inf
    return sign | (be << (p - 1)) | (q - (1 << (p - 1)))


def _parse_arg(t, s, i):
    from .errors import Trap
    from .func import I32, I64, F32, F64, FUNCREF, EXTERNREF
    if s == "":
        raise Trap("invalid input argument %d" % i)
    if t == I32 or t == I64:
        v = _strtoul(s, 32 if t == I32 else 64)
    elif t == F32 or t == F64:
        v = _parse_float(s, 32 if t == F32 else 64)
    elif t in (FUNCREF, EXTERNREF) and s in ("null", "NULL"):
        return None
    else:
        v = None
    if v is None:
        raise Trap("invalid input argument %d: %s" % (i, s))
    return v


def _format_result(t, v):
    from .func import I32, I64, F32, F64, FUNCREF, EXTERNREF
    from .libc_printf import format_float_bits
    if t == I32:
        return "0x%x:i32" % (v & 0xFFFFFFFF)
    if t == I64:
        return "0x%x:i64" % (v & 0xFFFFFFFFFFFFFFFF)
    if t == F32:
        return format_float_bits(v, 4, "g", 7) + ":f32"
    if t == F64:
        return format_float_bits(v, 8, "g", 7) + ":f64"
    if t == FUNCREF:
        return "func:ref.null" if v is None else "%s:ref.func" % (
            getattr(v, "idx", "?"),)
    if v is None:
        return "extern:ref.null"
    return "%r:ref.extern" % (v,)

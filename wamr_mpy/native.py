# Exporting Python functions to wasm apps (WAMR's native API export).
#
# A registration maps (module name, field name) to a Python function and a
# WAMR signature string.  At link time instance.py asks lookup() for every
# import it was not given explicitly; lookup() builds (and caches) a HostFunc
# that converts and bounds-checks the app's arguments before the Python
# function runs.  See docs/native.md.

import sys
from .errors import Trap, ProcExit, out_of_memory
from .func import HostFunc

_M32 = 0xFFFFFFFF
_OOB = "out of bounds memory access"

# module name -> {field name: entry}; entry = [fn, sig, pass_addr, HostFunc]
_user = {}
_builtin = {}
_tables = {}    # module name -> (text, lib): see register_builtin
# Built-in libraries imported on first lookup of their module name.
_LIBS = {"env": "libc", "wasi_snapshot_preview1": "wasi"}
_loaded = {}

# clang/emcc spellings of libc names (integer-only printf variants).
_ALIASES = {
    "iprintf": "printf", "siprintf": "sprintf", "sniprintf": "snprintf",
    "viprintf": "vprintf", "vsiprintf": "vsprintf", "vsniprintf": "vsnprintf",
    "__small_printf": "printf", "__small_sprintf": "sprintf",
}


# ---- signatures -------------------------------------------------------------

def parse_signature(sig):
    """'(i*~$)i' -> (param letters, result letters).  Raises ValueError
    naming the problem for a malformed signature."""
    if not isinstance(sig, str) or len(sig) < 2 or sig[0] != "(":
        raise ValueError("native: signature %r must look like '(..)r'" % (sig,))
    close = sig.find(")")
    if close < 0:
        raise ValueError("native: signature %r lacks ')'" % sig)
    params = sig[1:close]
    result = sig[close + 1:]
    prev = ""
    for i in range(len(params)):
        c = params[i]
        if c not in "iIfF*~$":
            raise ValueError("native: signature %r: bad parameter letter %r"
                             % (sig, c))
        if c == "~" and prev != "*":
            raise ValueError("native: signature %r: '~' must follow '*'" % sig)
        prev = c
    if len(result) > 1 or (result and result not in "iIfF"):
        raise ValueError("native: signature %r: bad result %r" % (sig, result))
    return params, result


def wasm_letters(params):
    """Signature parameter letters -> wasm type letters ('*~$' are i32)."""
    out = ""
    for c in params:
        out += "i" if c in "*~$" else c
    return out


# ---- registration -----------------------------------------------------------

def _add(table, module, name, fn, sig, pass_addr):
    if not isinstance(name, str) or not name:
        raise ValueError("native: bad function name %r" % (name,))
    # A built-in library may name its function "module.function": that
    # module is imported when an app first imports the name.
    if not (callable(fn) or (table is _builtin and isinstance(fn, str))):
        raise ValueError("native: %s.%s is not callable" % (module, name))
    parse_signature(sig)
    d = table.get(module)
    if d is None:
        d = table[module] = {}
    d[name] = [fn, sig, pass_addr, None]


def register_natives(module, entries, pass_addr=False):
    """Register [(name, fn, sig), ...] (an entry may carry a 4th item, its own
    pass_addr flag) for wasm module name `module`.  Later registrations of
    the same name replace earlier ones; user registrations win over the
    built-in libc/WASI ones.  Everything is checked before anything is
    registered."""
    checked = []
    for e in entries:
        if len(e) not in (3, 4):
            raise ValueError("native: entry %r must be (name, fn, sig)" % (e,))
        pa = e[3] if len(e) == 4 else pass_addr
        try:
            parse_signature(e[2])
        except ValueError as ex:
            raise ValueError("native: %s.%s: %s" % (module, e[0], ex))
        checked.append((e[0], e[1], e[2], pa))
    for name, fn, sig, pa in checked:
        _add(_user, module, name, fn, sig, pa)
    return True


def unregister_natives(module, names=None):
    """Forget user registrations for `module` (all, or the given names)."""
    d = _user.get(module)
    if d is None:
        return
    if names is None:
        del _user[module]
        return
    for n in names:
        d.pop(n, None)


def export(sig, name=None, module="env", pass_addr=False):
    """Decorator: @native.export("(*~)i") registers the function under its
    own name (or `name`) for module "env" (or `module`)."""
    parse_signature(sig)

    def deco(fn):
        _add(_user, module, name or fn.__name__, fn, sig, pass_addr)
        return fn
    return deco


def register_builtin(module, entries, lib=None):
    """Used by the built-in libraries (libc, wasi): same as register_natives
    but into the table searched after the user's.  Entries: (name, fn, sig)
    with addresses passed as ints (pass_addr); or a text of lines
    "name sig [function]", the function (default: the name) being in module
    `lib` or named "module.function": then an entry is made only when an
    app imports the name, so sixty functions cost RAM for the few used."""
    if isinstance(entries, str):
        _tables[module] = (entries, lib)
        return
    for e in entries:
        _add(_builtin, module, e[0], e[1], e[2], True)


def _from_table(module, name):
    t, lib = _tables[module]
    if " " in name or "\n" in name:
        return None             # import names are arbitrary strings
    i = t.find("\n" + name + " ")
    if i < 0:
        return None
    j = t.find("\n", i + 1)
    f = t[i + 1:j if j > 0 else len(t)].split()
    fn = f[2] if len(f) > 2 else name
    from . import config
    if fn.startswith("libc_string.") and not getattr(config, "LIBC_STRING", True):
        return None             # not in this build: the import stays unresolved
    _add(_builtin, module, name, fn if "." in fn else lib + "." + fn, f[1], True)
    return _builtin[module][name]


def _load_lib(module):
    lib = _LIBS.get(module)
    if lib is None or module in _loaded:
        return
    _loaded[module] = True
    from . import config
    if lib == "libc" and getattr(config, "LIBC_BUILTIN", True):
        from . import libc  # noqa: F401  (registers itself)
    elif lib == "wasi" and getattr(config, "LIBC_WASI", True):
        from . import wasi
        wasi.register()


def _find(module, name):
    d = _user.get(module)
    if d is not None:
        e = d.get(name)
        if e is not None:
            return e
    _load_lib(module)
    d = _builtin.get(module)
    e = d.get(name) if d is not None else None
    if e is None and module in _tables:
        e = _from_table(module, name)
    return e


def lookup(module, name):
    """HostFunc for import module.name, or None.  For module "env" a name is
    also found without its leading underscore (emcc) and under clang's
    integer-only printf aliases (iprintf -> printf)."""
    e = _find(module, name)
    if e is None and module == "env":
        alt = name
        while alt.startswith("_") and e is None:
            alt = alt[1:]
            e = _find(module, alt)
            if e is None and alt in _ALIASES:
                e = _find(module, _ALIASES[alt])
        if e is None and name in _ALIASES:
            e = _find(module, _ALIASES[name])
    if e is None:
        return None
    hf = e[3]
    if hf is None:
        fn = e[0]
        if isinstance(fn, str):
            mod, _, attr = fn.partition(".")
            fn = e[0] = getattr(__import__("wamr_mpy." + mod, None, None, (attr,)), attr)
        hf = e[3] = _make_hostfunc(module, name, fn, e[1], e[2])
    return hf


def signatures(module=None):
    """{module: {name: signature}} of every native an app can import: user
    registrations, and the built-in libraries with their whole tables (this
    loads them).  Tests walk it so that no native escapes a check."""
    for m in _LIBS:
        if module is None or m == module:
            _load_lib(m)
    out = {}
    for tab in (_builtin, _user):
        for m in tab:
            if module is None or m == module:
                d = out.setdefault(m, {})
                for name in tab[m]:
                    d[name] = tab[m][name][1]
    for m in _tables:
        if module is None or m == module:
            d = out.setdefault(m, {})
            for ln in _tables[m][0].split("\n"):
                f = ln.split()
                if len(f) > 1 and f[0] not in (_user.get(m) or {}):
                    d[f[0]] = f[1]
    return out


def registered(module=None):
    """{module: [names]} of user registrations (for diagnostics)."""
    out = {}
    for m in _user:
        if module is None or m == module:
            out[m] = sorted(_user[m])
    return out


# ---- calling ----------------------------------------------------------------

def _error_text(e):
    msg = str(e)
    if not msg:
        msg = type(e).__name__
    return msg


def _make_hostfunc(module, name, fn, sig, pass_addr):
    params, result = parse_signature(sig)
    where = "native %s.%s" % (module, name)
    # Positions needing a check: (index, kind) with kind '*~', '*' or '$'.
    checks = []
    i = 0
    while i < len(params):
        c = params[i]
        if c == "*":
            if i + 1 < len(params) and params[i + 1] == "~":
                checks.append((i, 2))
                i += 1
            else:
                checks.append((i, 1))
        elif c == "$":
            checks.append((i, 3))
        i += 1
    checks = tuple(checks)

    if not checks:
        def call(inst, *args):
            try:
                return fn(inst, *args)
            except (Trap, ProcExit):
                raise
            except MemoryError as e:
                # the documented out-of-memory trap (a printf field of
                # 71 million characters), not a native that failed
                raise out_of_memory(Trap, where, e)
            except Exception as e:
                raise Trap(_error_text(e), where=where)
    else:
        def call(inst, *args):
            args = _convert(inst, args, checks, pass_addr)
            try:
                return fn(inst, *args)
            except (Trap, ProcExit):
                raise
            except MemoryError as e:
                # the documented out-of-memory trap (a printf field of
                # 71 million characters), not a native that failed
                raise out_of_memory(Trap, where, e)
            except Exception as e:
                raise Trap(_error_text(e), where=where)

    return HostFunc(call, wasm_letters(params), result, pass_instance=True,
                    name=module + "." + name)


def u32(v):
    """An i32 as the unsigned 32-bit number it stands for.  Arguments arrive
    signed (or unsigned, by tier); no bigint masking, as 0xFFFFFFFF is not
    a small int on 32-bit ports."""
    return v + 0x100000000 if v < 0 else v


def check(data, addr, n):
    """The bounds check of every native (signature checks, libc, WASI):
    [addr, addr + n) must lie inside the app memory `data`, both taken as
    unsigned 32-bit.  A signed address would pass a plain comparison and
    then index a bytearray from its end.  Returns the unsigned address;
    traps "out of bounds memory access" otherwise."""
    if addr < 0:
        addr += 0x100000000
    if n < 0:
        n += 0x100000000
    if addr + n > len(data):
        raise Trap(_OOB)
    return addr


def _convert(inst, args, checks, pass_addr):
    """Check every address argument against the app memory; trap before the
    native runs when one is out of range."""
    mem = getattr(inst, "memory", None)
    if mem is None:
        raise Trap(_OOB)
    data = mem.data
    n = len(data)
    out = list(args)
    for i, kind in checks:
        a = out[i]
        if kind == 2:
            ln = u32(out[i + 1])
            a = check(data, a, ln)
            out[i + 1] = ln
            out[i] = a if pass_addr else memoryview(data)[a:a + ln]
        elif kind == 1:
            # WAMR's rule for a '*' without a length: one byte
            a = check(data, a, 1)
            out[i] = a if pass_addr else memoryview(data)[a:]
        else:
            a = u32(a)
            e = data.find(b"\0", a) if a < n else -1
            if e < 0:
                raise Trap(_OOB)
            out[i] = a if pass_addr else decode(data[a:e])
    return out


def decode(b):
    """UTF-8 bytes -> str; an invalid byte becomes U+FFFD (MicroPython's
    decode ignores errors='replace')."""
    try:
        return str(b, "utf-8")
    except UnicodeError:
        pass
    out = []
    i = 0
    n = len(b)
    while i < n:
        c = b[i]
        if c < 0x80:
            out.append(chr(c))
            i += 1
            continue
        ln = 2 if 0xC2 <= c < 0xE0 else 3 if 0xE0 <= c < 0xF0 else \
            4 if 0xF0 <= c < 0xF5 else 0
        if ln and i + ln <= n:
            try:
                out.append(str(b[i:i + ln], "utf-8"))
                i += ln
                continue
            except UnicodeError:
                pass
        out.append("\ufffd")
        i += 1
    return "".join(out)


# ---- address helpers (WAMR's wasm_runtime_* pointer API) ---------------------

def _data(inst):
    mem = getattr(inst, "memory", None)
    return None if mem is None else mem.data


def validate_app_addr(inst, addr, size):
    """True when [addr, addr+size) lies inside the app's linear memory."""
    data = _data(inst)
    if data is None:
        return False
    addr &= _M32
    if size < 0:
        size &= _M32
    return addr + size <= len(data)


def validate_app_str_addr(inst, addr):
    """True when a NUL-terminated string starts at addr inside the memory."""
    data = _data(inst)
    if data is None:
        return False
    addr &= _M32
    return addr < len(data) and data.find(b"\0", addr) >= 0


def addr_app_to_native(inst, addr):
    """A memoryview of the app memory from addr to its end, or None when
    addr is outside.  The view is invalid after the memory grows."""
    data = _data(inst)
    if data is None:
        return None
    addr &= _M32
    if addr > len(data):
        return None
    return memoryview(data)[addr:]


try:
    from uctypes import addressof as _addressof
except ImportError:
    _addressof = None


def addr_native_to_app(inst, view, offset=0):
    """The app address of view[offset] for a memoryview made by
    addr_app_to_native() or passed for a '*' argument, or None when the view
    is not part of the app memory.  Without uctypes (CPython) only views
    that run to the end of the memory (addr_app_to_native, '*' without '~')
    can be mapped back."""
    data = _data(inst)
    if data is None:
        return None
    n = len(data)
    if _addressof is not None:
        a = _addressof(view) - _addressof(data)
        if a < 0 or a + len(view) > n:
            return None
    else:
        a = n - len(view)
        if a < 0:
            return None
    return a + offset


def module_malloc(inst, size):
    """Allocate `size` bytes in the app heap; app address, 0 on failure."""
    from . import heap
    return heap.module_malloc(inst, size)


def module_free(inst, addr):
    from . import heap
    heap.module_free(inst, addr)


def module_dup_data(inst, data):
    """Copy bytes into a fresh app heap block; its app address (0 when the
    heap is exhausted)."""
    from . import heap
    a = heap.module_malloc(inst, len(data))
    if a:
        inst.memory.data[a:a + len(data)] = data
    return a


# ---- standard output sink (libc printf/puts and WASI fds 1, 2) ---------------

def _default_out(data):
    try:
        sys.stdout.buffer.write(data)
    except AttributeError:
        sys.stdout.write(str(data, "utf-8") if isinstance(data, bytes)
                         else data)


def _default_err(data):
    try:
        sys.stderr.buffer.write(data)
    except AttributeError:
        sys.stderr.write(str(data, "utf-8"))


stdout = _default_out
stderr = _default_err


def set_stdout(fn=None):
    """Route app output (bytes) to fn(bytes); None restores sys.stdout."""
    global stdout
    stdout = fn or _default_out


def set_stderr(fn=None):
    global stderr
    stderr = fn or _default_err


def write_stdout(data):
    stdout(data)


def write_stderr(data):
    stderr(data)

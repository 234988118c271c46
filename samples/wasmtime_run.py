#!/usr/bin/env python3
"""Run a sample under wasmtime (PyPI) as an independent reference.

    python samples/wasmtime_run.py [--dir=DIR] [--map-dir=GUEST::HOST] [--env=K=V] \
        [--stub NAME=VALUE] app.wasm [args...]

WASI modules (importing wasi_snapshot_preview1) run on wasmtime's WASI.
libc-builtin modules get a small CPython implementation of the runtime's
built-in libc natives (printf family, malloc, string functions, ...), so the
apps can be checked without wamr-mpy.  This is a test aid, not the runtime:
pointers printed by %p and malloc addresses differ from wamr_mpy's.

`--stub NAME=VALUE` defines env.NAME as a native returning VALUE (an int),
e.g. for a vendor native such as customized().
"""
import os
import struct
import sys
import time

import wasmtime


class Exit(Exception):
    def __init__(self, code):
        Exception.__init__(self, "exit(%d)" % code)
        self.code = code


class Libc:
    """The libc-builtin natives over one instance's memory."""

    def __init__(self, out):
        self.out = out
        self.mem = None
        self.store = None
        self.brk = 0
        self.sizes = {}
        self.freed = set()

    # memory helpers
    def read(self, addr, n):
        return bytes(self.mem.read(self.store, addr, addr + n))

    def write(self, addr, b):
        self.mem.write(self.store, b, addr)

    def cstr(self, addr):
        size = self.mem.data_len(self.store)
        out = bytearray()
        while True:
            if addr >= size:
                raise RuntimeError("unterminated string")
            c = self.mem.read(self.store, addr, addr + 1)[0]
            if c == 0:
                return bytes(out)
            out.append(c)
            addr += 1

    def u32(self, addr):
        return struct.unpack("<I", self.read(addr, 4))[0]

    # heap: bump allocator above __heap_base, growing memory as needed
    def malloc(self, n):
        n = max(8, (n + 7) & ~7)
        p = (self.brk + 7) & ~7
        end = p + n
        size = self.mem.data_len(self.store)
        if end > size:
            self.mem.grow(self.store, (end - size + 65535) // 65536)
        self.brk = end
        self.sizes[p] = n
        return p

    def free(self, p):
        if p == 0:
            return
        if p not in self.sizes or p in self.freed:
            raise RuntimeError("free: bad pointer 0x%x" % p)
        self.freed.add(p)

    # printf
    def format(self, fmt, va):
        out = bytearray()
        i = 0
        n = len(fmt)
        while i < n:
            c = fmt[i]
            if c != 0x25:
                out.append(c)
                i += 1
                continue
            j = i + 1
            while j < n and fmt[j] in b"-+ 0#":
                j += 1
            flags = fmt[i + 1:j].decode()
            width = ""
            if j < n and fmt[j] == 0x2A:
                va = (va + 3) & ~3
                width = str(struct.unpack("<i", self.read(va, 4))[0])
                va += 4
                j += 1
            else:
                while j < n and 0x30 <= fmt[j] <= 0x39:
                    width += chr(fmt[j])
                    j += 1
            prec = ""
            if j < n and fmt[j] == 0x2E:
                j += 1
                prec = "."
                if j < n and fmt[j] == 0x2A:
                    va = (va + 3) & ~3
                    prec += str(struct.unpack("<i", self.read(va, 4))[0])
                    va += 4
                    j += 1
                else:
                    while j < n and 0x30 <= fmt[j] <= 0x39:
                        prec += chr(fmt[j])
                        j += 1
            length = ""
            while j < n and fmt[j] in b"hlLqjzt":
                length += chr(fmt[j])
                j += 1
            if j >= n:
                out += fmt[i:]
                break
            conv = chr(fmt[j])
            j += 1
            spec = "%" + flags + width + prec
            if conv == "%":
                out.append(0x25)
            elif conv in "diuxXoc":
                if length in ("ll", "q", "j"):
                    va = (va + 7) & ~7
                    v = struct.unpack("<Q", self.read(va, 8))[0]
                    va += 8
                    bits = 64
                else:
                    va = (va + 3) & ~3
                    v = struct.unpack("<I", self.read(va, 4))[0]
                    va += 4
                    bits = 32
                    if length == "h":
                        bits = 16
                        v &= 0xFFFF
                    elif length == "hh":
                        bits = 8
                        v &= 0xFF
                if conv in "di" and v >> (bits - 1):
                    v -= 1 << bits
                if conv == "c":
                    s = ("%" + flags + width + "s") % chr(v & 0xFF)
                    out += s.encode("latin-1")
                    i = j
                    continue
                py = {"u": "d"}.get(conv, conv)
                out += ((spec + py) % v).encode()
            elif conv in "eEfFgG":
                va = (va + 7) & ~7
                v = struct.unpack("<d", self.read(va, 8))[0]
                va += 8
                out += ((spec + conv) % v).encode()
            elif conv == "s":
                va = (va + 3) & ~3
                p = self.u32(va)
                va += 4
                s = self.cstr(p)
                if prec:
                    s = s[: int(prec[1:] or "0")]
                w = int(width or "0")
                pad = b" " * max(0, w - len(s))
                out += s + pad if "-" in flags else pad + s
            elif conv == "p":
                va = (va + 3) & ~3
                out += ("0x%08x" % self.u32(va)).encode()
                va += 4
            else:
                raise RuntimeError("printf: unsupported conversion %r" % conv)
            i = j
        return bytes(out)

    def emit(self, b):
        self.out.write(b)
        self.out.flush()
        return len(b)

    def store_str(self, dst, b, limit=None):
        if limit is not None:
            if limit == 0:
                return
            b = b[: limit - 1]
        self.write(dst, b + b"\0")


def libc_imports(module, libc, stubs, extra=None):
    """wasmtime externs for module's env imports; `extra` maps more names
    to Python callables taking the raw wasm arguments."""
    i32 = wasmtime.ValType.i32()
    i64 = wasmtime.ValType.i64()
    L = libc

    def fmt(f, va):
        return L.format(L.cstr(f), va)

    def strncpy(d, s, n):
        b = L.cstr(s)[:n]
        L.write(d, b + b"\0" * (n - len(b)))
        return d

    def memcmp(a, b, n):
        x, y = L.read(a, n), L.read(b, n)
        return (x > y) - (x < y)

    def strcmp(a, b):
        x, y = L.cstr(a), L.cstr(b)
        return (x > y) - (x < y)

    def strncmp(a, b, n):
        x, y = L.cstr(a)[:n], L.cstr(b)[:n]
        return (x > y) - (x < y)

    def strchr(s, c):
        b = L.cstr(s) + b"\0"
        k = b.find(bytes([c & 0xFF]))
        return 0 if k < 0 else s + k

    def strstr(h, nd):
        k = L.cstr(h).find(L.cstr(nd))
        return 0 if k < 0 else h + k

    def strdup(s):
        b = L.cstr(s)
        p = L.malloc(len(b) + 1)
        L.write(p, b + b"\0")
        return p

    def calloc(n, m):
        p = L.malloc(n * m)
        L.write(p, b"\0" * (n * m))
        return p

    def realloc(p, n):
        q = L.malloc(n)
        if p:
            old = L.sizes[p]
            L.write(q, L.read(p, min(old, n)))
            L.free(p)
        return q

    def memmove(d, s, n):
        L.write(d, L.read(s, n))
        return d

    def abort(*a):
        raise RuntimeError("abort")

    def exit_(code):
        raise Exit(code)

    def snprintf(d, n, f, va):
        b = fmt(f, va)
        L.store_str(d, b, n)
        return len(b)

    def sprintf(d, f, va):
        b = fmt(f, va)
        L.store_str(d, b)
        return len(b)

    def atoi(s):
        t = L.cstr(s).strip()
        k = 1 if t[:1] in (b"-", b"+") else 0
        while k < len(t) and 0x30 <= t[k] <= 0x39:
            k += 1
        try:
            return int(t[:k])
        except ValueError:
            return 0

    def clock_gettime(clk, tp):
        ns = time.monotonic_ns() if clk == 1 else time.time_ns()
        L.write(tp, struct.pack("<qi4x", ns // 10**9, ns % 10**9))
        return 0

    def strtol(s, endp, base, unsigned=False):
        t = L.cstr(s)
        k = len(t) - len(t.lstrip())
        body = t[k:]
        try:
            v = int(body.split()[0] if body else b"", base)
            used = len(body.split()[0])
        except (ValueError, IndexError):
            v, used = 0, -k
        if endp:
            L.write(endp, struct.pack("<I", s + k + used))
        return v & 0xFFFFFFFF if unsigned else v

    def ctype(pred):
        return lambda c: 1 if 0 <= c < 128 and pred(chr(c)) else 0

    table = {
        "printf": lambda f, va: L.emit(fmt(f, va)),
        "vprintf": lambda f, va: L.emit(fmt(f, va)),
        "sprintf": sprintf, "vsprintf": sprintf,
        "snprintf": snprintf, "vsnprintf": snprintf,
        "puts": lambda s: L.emit(L.cstr(s) + b"\n"),
        "putchar": lambda c: (L.emit(bytes([c & 0xFF])), c)[1],
        "malloc": L.malloc, "calloc": calloc, "realloc": realloc,
        "free": lambda p: L.free(p),
        "memcpy": memmove, "memmove": memmove,
        "memset": lambda p, c, n: (L.write(p, bytes([c & 0xFF]) * n), p)[1],
        "memcmp": memcmp,
        "memchr": lambda s, c, n: (lambda k: 0 if k < 0 else s + k)(
            L.read(s, n).find(bytes([c & 0xFF]))),
        "strlen": lambda s: len(L.cstr(s)),
        "strcpy": lambda d, s: (L.write(d, L.cstr(s) + b"\0"), d)[1],
        "strncpy": strncpy, "strcmp": strcmp, "strncmp": strncmp,
        "strchr": strchr, "strstr": strstr, "strdup": strdup,
        "atoi": atoi, "abort": abort, "exit": exit_,
        "strtol": strtol,
        "strtoul": lambda s, e, b: strtol(s, e, b, True),
        "strncasecmp": lambda a, b, n: (lambda x, y: (x > y) - (x < y))(
            L.cstr(a)[:n].lower(), L.cstr(b)[:n].lower()),
        "clock": lambda: time.process_time_ns(),
        "clock_gettime": clock_gettime,
        "isalpha": ctype(str.isalpha), "isdigit": ctype(str.isdigit),
        "isspace": ctype(lambda ch: ch in " \t\n\v\f\r"),
        "isupper": ctype(str.isupper),
        "isxdigit": ctype(lambda ch: ch in "0123456789abcdefABCDEF"),
        "isalnum": ctype(str.isalnum),
        "isprint": ctype(lambda ch: " " <= ch <= "~"),
        "isgraph": ctype(lambda ch: " " < ch <= "~"),
        "tolower": lambda c: c + 32 if 65 <= c <= 90 else c,
        "toupper": lambda c: c - 32 if 97 <= c <= 122 else c,
    }
    for name, value in stubs.items():
        table[name] = (lambda v: (lambda *a: v))(value)
    table.update(extra or {})

    externs = []
    for imp in module.imports:
        if imp.module != "env" or not isinstance(imp.type, wasmtime.FuncType):
            raise RuntimeError("unsupported import %s.%s" % (imp.module, imp.name))
        fn = table.get(imp.name)
        if fn is None:
            raise RuntimeError("no reference native for env.%s" % imp.name)
        ft = imp.type

        def wrap(fn=fn, ft=ft):
            def call(*args):
                args = [a & 0xFFFFFFFF if str(t) == "i32" else a
                        for a, t in zip(args, ft.params)]
                r = fn(*args)
                if ft.results:
                    r = r or 0
                    if str(ft.results[0]) == "i32":
                        r &= 0xFFFFFFFF
                        if r >= 1 << 31:
                            r -= 1 << 32
                    return r
                return None
            return call
        externs.append(wasmtime.Func(L.store, ft, wrap()))
    return externs


def run(path, args=(), dirs=(), stubs=None, out=None, env=()):
    """Run app at `path`; returns the exit code.  Output goes to `out`
    (a binary stream; default stdout)."""
    out = out or sys.stdout.buffer
    engine = wasmtime.Engine()
    store = wasmtime.Store(engine)
    module = wasmtime.Module.from_file(engine, path)
    if any(i.module == "wasi_snapshot_preview1" for i in module.imports):
        linker = wasmtime.Linker(engine)
        linker.define_wasi()
        cfg = wasmtime.WasiConfig()
        cfg.argv = [os.path.basename(path)] + list(args)
        cfg.inherit_stdout()
        cfg.inherit_stderr()
        cfg.env = [tuple(kv.split("=", 1)) for kv in env]
        for d in dirs:
            if isinstance(d, tuple):
                cfg.preopen_dir(d[1], d[0])
            else:
                cfg.preopen_dir(d, d)
        store.set_wasi(cfg)
        inst = linker.instantiate(store, module)
        out.flush()
        try:
            inst.exports(store)["_start"](store)
        except wasmtime.ExitTrap as e:
            return e.code
        return 0

    libc = Libc(out)
    libc.store = store
    inst = wasmtime.Instance(store, module, libc_imports(module, libc, stubs or {}))
    exports = inst.exports(store)
    libc.mem = exports["memory"]
    try:
        hb = exports["__heap_base"]
        libc.brk = hb.value(store)
    except KeyError:
        libc.brk = libc.mem.data_len(store)
    try:
        ctors = exports["__wasm_call_ctors"]
    except KeyError:
        ctors = None
    try:
        if ctors is not None:
            ctors(store)
        main = exports["main"]
        nparams = len(main.type(store).params)
        argv = [os.path.basename(path)] + list(args)
        if nparams == 2:
            ptrs = []
            for a in argv:
                b = a.encode() + b"\0"
                p = libc.malloc(len(b))
                libc.write(p, b)
                ptrs.append(p)
            arr = libc.malloc(4 * (len(ptrs) + 1))
            libc.write(arr, struct.pack("<%dI" % (len(ptrs) + 1), *(ptrs + [0])))
            r = main(store, len(argv), arr)
        else:
            r = main(store)
        return (r or 0) & 0xFF
    except Exit as e:
        return e.code & 0xFF
    except (wasmtime.Trap, wasmtime.WasmtimeError) as e:
        cause = e
        while cause is not None and not isinstance(cause, Exit):
            cause = cause.__cause__ or cause.__context__
        if isinstance(cause, Exit):
            return cause.code & 0xFF
        raise


def main(argv):
    dirs, stubs, env = [], {}, []
    while argv and argv[0].startswith("--"):
        a = argv.pop(0)
        if a.startswith("--dir="):
            dirs.append(a[6:])
        elif a.startswith("--map-dir="):
            guest, _, host = a[10:].partition("::")
            dirs.append((guest, host))
        elif a.startswith("--env="):
            env.append(a[6:])
        elif a == "--stub":
            name, _, v = argv.pop(0).partition("=")
            stubs[name] = int(v or "0", 0)
        else:
            sys.exit("unknown option %s" % a)
    if not argv:
        sys.exit(__doc__)
    return run(argv[0], argv[1:], dirs, stubs, env=env)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

# WASI preview1 ("wasi_snapshot_preview1") for the MicroPython runtime.
#
# Per-instance state lives in a WasiCtx (args, environment, preopened
# directories, the fd table).  Bind one with ctx.bind(inst) before running
# `_start`; an unbound instance gets an empty context (stdio only) on first
# use.  Path operations (wasi_fs.py) are confined to the preopened
# directories.  Every preview1 function links: the ones not implemented
# return ENOSYS (52).  A pointer argument outside the app memory traps with
# "out of bounds memory access".  See docs/wasi.md.

import sys
import time
from struct import pack_into, unpack_from
from . import native
from .errors import Trap, ProcExit

MODULE = "wasi_snapshot_preview1"
_OOB = "out of bounds memory access"

# errno
SUCCESS = 0
E2BIG = 1
EACCES = 2
EBADF = 8
EEXIST = 20
EFAULT = 21
EINVAL = 28
EIO = 29
EISDIR = 31
ELOOP = 32
ENAMETOOLONG = 37
ENOENT = 44
ENOSYS = 52
ENOTDIR = 54
ENOTEMPTY = 55
ENOTSUP = 58
EOVERFLOW = 61
EPERM = 63
ESPIPE = 70
ENOTCAPABLE = 76

# filetype
FT_UNKNOWN = 0
FT_CHAR = 2
FT_DIR = 3
FT_FILE = 4
FT_SYMLINK = 7

RIGHTS_ALL = 0x1FFFFFFF
R_FD_READ = 1 << 1
R_FD_SEEK = 1 << 2
R_FD_WRITE = 1 << 6

# host errno (Linux numbering, as MicroPython's OSError reports) -> WASI
_HOST_ERRNO = {1: EPERM, 2: ENOENT, 5: EIO, 9: EBADF, 13: EACCES, 17: EEXIST,
               18: 75, 20: ENOTDIR, 21: EISDIR, 22: EINVAL, 24: 33, 27: 22,
               28: 51, 30: 69, 36: ENAMETOOLONG, 39: ENOTEMPTY, 40: ELOOP,
               95: ENOTSUP, 66: ENOTEMPTY}


def host_errno(e):
    n = getattr(e, "errno", None)
    if n is None and e.args:
        n = e.args[0]
    return _HOST_ERRNO.get(n, EIO)


class Fd:
    """An open descriptor.  kind: FT_CHAR (stdio), FT_DIR or FT_FILE.
    Directories keep their position inside a preopen as (root, rel):
    root is the preopen's host path, rel the list of components below it;
    `ident` is the directory's (inode, device) when it was opened and `hold`
    the directory held open where the port can (wasi_fs.py)."""

    def __init__(self, kind, rights=RIGHTS_ALL, inheriting=RIGHTS_ALL):
        self.kind = kind
        self.rights = rights
        self.inheriting = inheriting
        self.flags = 0
        self.file = None
        self.root = None
        self.rel = None
        self.preopen = None     # guest name (bytes) for preopened dirs
        self.stream = None      # stdio: 0 in, 1 out, 2 err
        self.ident = None
        self.hold = None

    def close(self):
        for h in (self.file, self.hold):
            if h is not None:
                h.close()
        self.file = self.hold = None

    def host_path(self):
        return join(self.root, self.rel)


def join(root, rel):
    if not rel:
        return root
    return root + "/" + "/".join(rel)


class WasiCtx:
    """args: list of str/bytes (args[0] is the program name); env: list of
    "K=V" or dict; dirs: list of host dirs (guest name = the same string)
    or (guest_name, host_dir) pairs.  stdout/stderr: callables taking bytes
    (default: native.write_stdout / write_stderr); stdin: a stream with
    readline(n)/read(n) (default sys.stdin.buffer)."""

    def __init__(self, args=(), env=(), dirs=(), stdin=None, stdout=None,
                 stderr=None):
        self.args = [_b(a) for a in args]
        if isinstance(env, dict):
            env = ["%s=%s" % (k, env[k]) for k in env]
        self.env = [_b(e) for e in env]
        self.stdin = stdin
        self.stdout = stdout
        self.stderr = stderr
        self.exit_code = None
        self.fds = {}
        for i in range(3):
            f = Fd(FT_CHAR)
            f.stream = i
            self.fds[i] = f
        for d in dirs:
            if isinstance(d, (tuple, list)):
                guest, host = d
            else:
                guest = host = d
            self.preopen(host, guest)

    def preopen(self, host, guest=None):
        host = _s(host)
        if guest is None:
            guest = host
        while len(host) > 1 and host.endswith("/"):
            host = host[:-1]
        f = Fd(FT_DIR)
        f.root = host
        f.rel = []
        f.preopen = _b(guest)
        from . import wasi_fs
        wasi_fs.pin(f)
        fd = self.alloc(f)
        return fd

    def alloc(self, f):
        fd = 3
        while fd in self.fds:
            fd += 1
        self.fds[fd] = f
        return fd

    def bind(self, inst):
        inst._wasi = self
        return self

    def close_all(self):
        for fd in list(self.fds):
            try:
                self.fds.pop(fd).close()
            except OSError:
                pass


def _b(s):
    return s if isinstance(s, bytes) else str(s).encode()


def _s(s):
    return s if isinstance(s, str) else native.decode(s)


_next = [None]


def set_next(ctx):
    """The next instance that uses WASI without a bound context gets `ctx`
    (lets a context reach code that runs during instantiation)."""
    _next[0] = ctx


def ctx_of(inst):
    c = getattr(inst, "_wasi", None)
    if c is None:
        c = _next[0]
        if c is None:
            c = WasiCtx()
        else:
            _next[0] = None
        inst._wasi = c
    return c


# ---- memory helpers ---------------------------------------------------------

def mem(inst):
    m = getattr(inst, "memory", None)
    if m is None:
        raise Trap(_OOB)
    return m.data


check = native.check      # unsigned address and length; returns the address


def put32(data, addr, v):
    pack_into("<I", data, check(data, addr, 4), v & 0xFFFFFFFF)


def put64(data, addr, v):
    pack_into("<Q", data, check(data, addr, 8), v & 0xFFFFFFFFFFFFFFFF)


def get_bytes(data, addr, n):
    n &= 0xFFFFFFFF
    a = check(data, addr, n)
    return bytes(data[a:a + n])


def iovecs(data, iovs, n):
    """[(buf, len)] of an iovec array, every buffer checked."""
    n &= 0xFFFFFFFF
    a = check(data, iovs, 8 * n)
    out = []
    for i in range(n):
        buf, ln = unpack_from("<II", data, a + 8 * i)
        check(data, buf, ln)
        out.append((buf, ln))
    return out


def get_fd(inst, fd):
    return ctx_of(inst).fds.get(fd)


# ---- args, environment ------------------------------------------------------

def _sizes(data, lst, count_ptr, size_ptr):
    # both checked before either is written: a trap leaves memory as it was
    check(data, count_ptr, 4)
    check(data, size_ptr, 4)
    put32(data, count_ptr, len(lst))
    put32(data, size_ptr, sum(len(x) + 1 for x in lst))
    return SUCCESS


def _strings(data, lst, ptrs, buf):
    ptrs &= 0xFFFFFFFF
    buf &= 0xFFFFFFFF
    check(data, ptrs, 4 * len(lst))
    check(data, buf, sum(len(x) + 1 for x in lst))
    for i, s in enumerate(lst):
        pack_into("<I", data, ptrs + 4 * i, buf)
        data[buf:buf + len(s)] = s
        data[buf + len(s)] = 0
        buf += len(s) + 1
    return SUCCESS


def args_sizes_get(inst, argc, size):
    return _sizes(mem(inst), ctx_of(inst).args, argc, size)


def args_get(inst, argv, buf):
    return _strings(mem(inst), ctx_of(inst).args, argv, buf)


def environ_sizes_get(inst, cnt, size):
    return _sizes(mem(inst), ctx_of(inst).env, cnt, size)


def environ_get(inst, envp, buf):
    return _strings(mem(inst), ctx_of(inst).env, envp, buf)


# ---- clocks, random, process --------------------------------------------------

_mono = [0, 0]      # last ticks_us, accumulated microseconds


def mono_ns():
    if hasattr(time, "ticks_us"):
        t = time.ticks_us()
        if _mono[0]:
            d = time.ticks_diff(t, _mono[0])
            if d > 0:
                _mono[1] += d
        _mono[0] = t
        return _mono[1] * 1000
    return int(time.time() * 1e9)


def now_ns(clock_id):
    if clock_id == 0:
        if hasattr(time, "time_ns"):
            return time.time_ns()
        return int(time.time() * 1e9)
    return mono_ns()


def clock_res_get(inst, clock_id, out):
    if not 0 <= clock_id <= 3:
        return EINVAL
    put64(mem(inst), out, 1000)
    return SUCCESS


def clock_time_get(inst, clock_id, precision, out):
    if not 0 <= clock_id <= 3:
        return EINVAL
    put64(mem(inst), out, now_ns(clock_id))
    return SUCCESS


def random_get(inst, buf, n):
    data = mem(inst)
    n &= 0xFFFFFFFF
    a = check(data, buf, n)
    data[a:a + n] = _random_bytes(n)
    return SUCCESS


def _random_bytes(n):
    try:
        import os
        return os.urandom(n)
    except (ImportError, AttributeError):
        import random
        return bytes(random.getrandbits(8) for _ in range(n))


def proc_exit(inst, code):
    code &= 0xFFFFFFFF
    ctx_of(inst).exit_code = code
    raise ProcExit(code)


def sched_yield(inst):
    return SUCCESS


def poll_oneoff(inst, sin, sout, nsubs, nevents):
    data = mem(inst)
    nsubs &= 0xFFFFFFFF
    if nsubs == 0:
        return EINVAL
    a = check(data, sin, 48 * nsubs)
    o = check(data, sout, 32 * nsubs)
    check(data, nevents, 4)
    subs = []
    wait = None
    ready_fd = False
    for i in range(nsubs):
        p = a + 48 * i
        ud, tag = unpack_from("<QB", data, p)
        if tag == 0:
            cid = unpack_from("<I", data, p + 16)[0]
            timeout, _prec, flags = unpack_from("<QQH", data, p + 24)
            if flags & 1:
                rel = timeout - now_ns(cid)
            else:
                rel = timeout
            if rel < 0:
                rel = 0
            subs.append((ud, 0, rel, 0))
            if wait is None or rel < wait:
                wait = rel
        elif tag in (1, 2):
            fd = unpack_from("<I", data, p + 16)[0]
            err = SUCCESS if get_fd(inst, fd) is not None else EBADF
            subs.append((ud, tag, 0, err))
            ready_fd = True
        else:
            return EINVAL
    if not ready_fd and wait:
        _sleep_ns(wait)
    n = 0
    for ud, tag, rel, err in subs:
        if tag == 0 and (ready_fd and rel > 0 or rel > wait):
            continue
        q = o + 32 * n
        data[q:q + 32] = bytes(32)
        pack_into("<QHB", data, q, ud, err, tag)
        n += 1
    put32(data, nevents, n)
    return SUCCESS


def _sleep_ns(ns):
    us = ns // 1000
    if hasattr(time, "sleep_us"):
        while us > 0:
            step = us if us < 1000000 else 1000000
            time.sleep_us(step)
            us -= step
    else:
        time.sleep(us / 1e6)


# ---- fds ---------------------------------------------------------------------

def fd_write(inst, fd, iovs, n, nwritten):
    f = get_fd(inst, fd)
    if f is None:
        return EBADF
    data = mem(inst)
    vec = iovecs(data, iovs, n)
    check(data, nwritten, 4)
    total = 0
    if f.kind == FT_CHAR:
        if f.stream == 0:
            return EBADF
        ctx = ctx_of(inst)
        out = ctx.stdout if f.stream == 1 else ctx.stderr
        if out is None:
            out = native.write_stdout if f.stream == 1 else native.write_stderr
        chunks = []
        for buf, ln in vec:
            chunks.append(bytes(data[buf:buf + ln]))
            total += ln
        if total:
            out(b"".join(chunks))
    elif f.kind == FT_FILE:
        if not f.rights & R_FD_WRITE:
            return EBADF
        try:
            for buf, ln in vec:
                if ln:
                    f.file.write(bytes(data[buf:buf + ln]))
                total += ln
        except OSError as e:
            return host_errno(e)
    else:
        return EBADF
    put32(data, nwritten, total)
    return SUCCESS


def _stdin_read(ctx, n):
    s = ctx.stdin
    if s is None:
        s = getattr(sys.stdin, "buffer", sys.stdin)
    if callable(s):
        return s(n)
    if hasattr(s, "readline"):
        b = s.readline(n)
    else:
        b = s.read(n)
    if isinstance(b, str):
        b = b.encode()
    return b or b""


def fd_read(inst, fd, iovs, n, nread):
    f = get_fd(inst, fd)
    if f is None:
        return EBADF
    data = mem(inst)
    vec = iovecs(data, iovs, n)
    check(data, nread, 4)
    total = 0
    if f.kind == FT_CHAR:
        if f.stream != 0:
            return EBADF
        ctx = ctx_of(inst)
        for buf, ln in vec:
            if not ln:
                continue
            b = _stdin_read(ctx, ln)
            data[buf:buf + len(b)] = b
            total += len(b)
            if len(b) < ln:
                break
    elif f.kind == FT_FILE:
        if not f.rights & R_FD_READ:
            return EBADF
        try:
            for buf, ln in vec:
                if not ln:
                    continue
                k = f.file.readinto(memoryview(data)[buf:buf + ln]) or 0
                total += k
                if k < ln:
                    break
        except OSError as e:
            return host_errno(e)
    else:
        return EISDIR
    put32(data, nread, total)
    return SUCCESS


def fd_pread(inst, fd, iovs, n, offset, nread):
    return _positioned(inst, fd, iovs, n, offset, nread, fd_read)


def fd_pwrite(inst, fd, iovs, n, offset, nwritten):
    return _positioned(inst, fd, iovs, n, offset, nwritten, fd_write)


def _positioned(inst, fd, iovs, n, offset, out, op):
    f = get_fd(inst, fd)
    if f is None:
        return EBADF
    if f.kind != FT_FILE:
        return ESPIPE
    if offset < 0:
        return EINVAL
    try:
        old = f.file.tell()
        f.file.seek(offset)
        try:
            return op(inst, fd, iovs, n, out)
        finally:
            f.file.seek(old)
    except OSError as e:
        return host_errno(e)
    except OverflowError:
        # an offset of 2**31 or more on a 32-bit port
        return EOVERFLOW


def fd_seek(inst, fd, offset, whence, newoff):
    f = get_fd(inst, fd)
    if f is None:
        return EBADF
    data = mem(inst)
    check(data, newoff, 8)
    if f.kind == FT_CHAR:
        return ESPIPE
    if f.kind != FT_FILE:
        return EBADF
    if whence not in (0, 1, 2):
        return EINVAL
    try:
        if whence == 1:
            target = f.file.tell() + offset
        elif whence == 2:
            target = f.file.seek(0, 2) + offset
        else:
            target = offset
        if target < 0:
            return EINVAL
        pos = f.file.seek(target, 0)
        if pos is None:
            pos = f.file.tell()
    except OSError as e:
        return host_errno(e)
    except OverflowError:
        # a position of 2**31 or more on a 32-bit port
        return EOVERFLOW
    put64(data, newoff, pos)
    return SUCCESS


def fd_tell(inst, fd, out):
    f = get_fd(inst, fd)
    if f is None:
        return EBADF
    if f.kind != FT_FILE:
        return ESPIPE
    put64(mem(inst), out, f.file.tell())
    return SUCCESS


def fd_close(inst, fd):
    ctx = ctx_of(inst)
    f = ctx.fds.pop(fd, None)
    if f is None:
        return EBADF
    try:
        f.close()
    except OSError as e:
        return host_errno(e)
    return SUCCESS


def fd_sync(inst, fd):
    f = get_fd(inst, fd)
    if f is None:
        return EBADF
    if f.file is not None:
        try:
            f.file.flush()
        except OSError as e:
            return host_errno(e)
    return SUCCESS


def fd_advise(inst, fd, offset, ln, advice):
    if get_fd(inst, fd) is None:
        return EBADF
    return SUCCESS if 0 <= advice <= 5 else EINVAL


def fd_fdstat_get(inst, fd, out):
    f = get_fd(inst, fd)
    if f is None:
        return EBADF
    data = mem(inst)
    a = check(data, out, 24)
    data[a:a + 24] = bytes(24)
    pack_into("<BxH", data, a, f.kind, f.flags)
    pack_into("<QQ", data, a + 8, f.rights, f.inheriting)
    return SUCCESS


def fd_fdstat_set_flags(inst, fd, flags):
    f = get_fd(inst, fd)
    if f is None:
        return EBADF
    if flags & ~0x1F:
        return EINVAL
    f.flags = flags
    return SUCCESS


def fd_fdstat_set_rights(inst, fd, base, inheriting):
    f = get_fd(inst, fd)
    if f is None:
        return EBADF
    base &= 0xFFFFFFFFFFFFFFFF
    inheriting &= 0xFFFFFFFFFFFFFFFF
    # rights may only shrink
    if base & ~f.rights or inheriting & ~f.inheriting:
        return ENOTCAPABLE
    f.rights = base
    f.inheriting = inheriting
    return SUCCESS


def fd_prestat_get(inst, fd, out):
    f = get_fd(inst, fd)
    if f is None or f.preopen is None:
        return EBADF
    data = mem(inst)
    a = check(data, out, 8)
    pack_into("<BxxxI", data, a, 0, len(f.preopen))
    return SUCCESS


def fd_prestat_dir_name(inst, fd, path, ln):
    f = get_fd(inst, fd)
    if f is None or f.preopen is None:
        return EBADF
    data = mem(inst)
    ln &= 0xFFFFFFFF
    name = f.preopen
    if ln < len(name):
        return ENAMETOOLONG
    a = check(data, path, len(name))
    data[a:a + len(name)] = name
    return SUCCESS


def fd_renumber(inst, fd, to):
    ctx = ctx_of(inst)
    f = ctx.fds.get(fd)
    if f is None or to not in ctx.fds:
        return EBADF
    if fd != to:
        fd_close(inst, to)
        ctx.fds[to] = ctx.fds.pop(fd)
    return SUCCESS


# ---- table -------------------------------------------------------------------

# every preview1 function: name -> parameter letters of a native signature
# (docs/native.md; result: an i32 errno, none for proc_exit).  Addresses are
# '*' (one byte checked here, the function checks the whole extent) and a
# byte buffer with its length '*~', so native.py takes every address as
# unsigned 32-bit and traps before the function runs.
SIGNATURES = {
    "args_get": "**", "args_sizes_get": "**", "environ_get": "**",
    "environ_sizes_get": "**", "clock_res_get": "i*", "clock_time_get": "iI*",
    "fd_advise": "iIIi", "fd_allocate": "iII", "fd_close": "i",
    "fd_datasync": "i", "fd_fdstat_get": "i*", "fd_fdstat_set_flags": "ii",
    "fd_fdstat_set_rights": "iII", "fd_filestat_get": "i*",
    "fd_filestat_set_size": "iI", "fd_filestat_set_times": "iIIi",
    "fd_pread": "i*iI*", "fd_prestat_get": "i*", "fd_prestat_dir_name": "i*~",
    "fd_pwrite": "i*iI*", "fd_read": "i*i*", "fd_readdir": "i*~I*",
    "fd_renumber": "ii", "fd_seek": "iIi*", "fd_sync": "i", "fd_tell": "i*",
    "fd_write": "i*i*", "path_create_directory": "i*~",
    "path_filestat_get": "ii*~*", "path_filestat_set_times": "ii*~IIi",
    "path_link": "ii*~i*~", "path_open": "ii*~iIIi*", "path_readlink": "i*~*~*",
    "path_remove_directory": "i*~", "path_rename": "i*~i*~",
    "path_symlink": "*~i*~", "path_unlink_file": "i*~", "poll_oneoff": "**i*",
    "proc_exit": "i", "proc_raise": "i", "sched_yield": "", "random_get": "*~",
    "sock_accept": "ii*", "sock_recv": "i*ii**", "sock_send": "i*ii*",
    "sock_shutdown": "ii",
}

IMPLEMENTED = {
    "args_get": args_get, "args_sizes_get": args_sizes_get,
    "environ_get": environ_get, "environ_sizes_get": environ_sizes_get,
    "clock_res_get": clock_res_get, "clock_time_get": clock_time_get,
    "fd_advise": fd_advise, "fd_close": fd_close, "fd_datasync": fd_sync,
    "fd_fdstat_get": fd_fdstat_get, "fd_fdstat_set_flags": fd_fdstat_set_flags,
    "fd_fdstat_set_rights": fd_fdstat_set_rights, "fd_pread": fd_pread,
    "fd_prestat_get": fd_prestat_get,
    "fd_prestat_dir_name": fd_prestat_dir_name, "fd_pwrite": fd_pwrite,
    "fd_read": fd_read, "fd_renumber": fd_renumber, "fd_seek": fd_seek,
    "fd_sync": fd_sync, "fd_tell": fd_tell, "fd_write": fd_write,
    "poll_oneoff": poll_oneoff, "proc_exit": proc_exit,
    "sched_yield": sched_yield, "random_get": random_get,
}


def _enosys(name):
    def f(inst, *args):
        return ENOSYS
    return f


def register():
    """Registers every preview1 function with native.py (called by
    native.lookup on first use of the module name)."""
    from . import wasi_fs
    impl = dict(IMPLEMENTED)
    impl.update(wasi_fs.FUNCTIONS)
    table = []
    for name in SIGNATURES:
        sig = "(" + SIGNATURES[name] + ")" + ("" if name == "proc_exit" else "i")
        fn = impl.get(name) or _enosys(name)
        table.append((name, fn, sig))
    native.register_builtin(MODULE, table)

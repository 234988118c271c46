# WASI path operations, confined to the preopened directories.
#
# A guest path is resolved component by component below the directory fd it
# is relative to: absolute paths and ".." above that directory fail with
# ENOTCAPABLE; every component is looked up in its parent with os.ilistdir,
# which reports the entry's type and inode without following a link, and a
# symbolic link is never followed (MicroPython has no readlink, so a link's
# target cannot be checked): a path through a link, or opening a link, fails
# with ENOTCAPABLE.  Only removing/renaming the link itself (no-follow
# operations) is allowed, as that cannot reach outside.
#
# A name that was checked must not be re-resolved by the OS to something
# else (another process renaming a directory or swapping a link in between).
# Where the port can (the unix port on Linux: open() takes a directory and
# /proc/self/fd/N names an open file), every directory is pinned: held open,
# and the names inside it are reached through /proc/self/fd/N, which the
# kernel resolves from the open directory itself, as openat() would.  A
# directory fd keeps naming its directory after renames, like a real one.
# Each directory entered is compared (inode, device) with what its parent
# listed, and each file opened with what was listed before it is used, so a
# swap between the check and the open is caught; files are created under an
# unguessable name and renamed into place, and truncated only after that
# check (through /proc), so open() never creates or truncates through a link.
# Elsewhere (boards: LittleFS/FAT have no links; a host without /proc) a
# directory fd is its path: every use walks it again from the preopen root
# (no link, each directory the one listed, the last the one opened).
# docs/wasi.md says what remains.

import os
from struct import pack_into
from .wasi import (ctx_of, mem, check, put32, get_bytes, host_errno,
                   join, Fd, SUCCESS, EBADF, EEXIST, EINVAL, EISDIR, ELOOP,
                   ENOENT, ENOTDIR, ENOTCAPABLE, FT_CHAR, FT_DIR, FT_FILE,
                   FT_SYMLINK, FT_UNKNOWN, R_FD_READ, R_FD_WRITE)

EILSEQ = 25
_PROC = "/proc/self/fd/"

_S_IFMT = 0xF000
_MODE_FT = {0x4000: FT_DIR, 0x8000: FT_FILE, 0xA000: FT_SYMLINK,
            0x2000: FT_CHAR, 0x6000: 1, 0xC000: 6, 0x1000: FT_UNKNOWN}

# Directories held open (see above): True/False, None = probe on first use.
HOLD = None


def _ft(mode):
    return _MODE_FT.get(mode & _S_IFMT, FT_UNKNOWN)


def holding():
    global HOLD
    if HOLD is None:
        HOLD = False
        try:
            h = open(".", "rb")
            try:
                st = os.stat(_PROC + str(h.fileno()))
                HOLD = st[1] == os.stat(".")[1]
            finally:
                h.close()
        except (OSError, AttributeError, ValueError):
            pass
    return HOLD


def _proc(fobj):
    return _PROC + str(fobj.fileno())


def _close(fobj):
    if fobj is not None:
        try:
            fobj.close()
        except OSError:
            pass


def entry(dirpath, name):
    """(FT_* type, inode) of entry `name` in host directory dirpath without
    following a link; (None, 0) when absent.  Inode 0: not reported."""
    if hasattr(os, "ilistdir"):
        try:
            it = os.ilistdir(dirpath)
        except OSError:
            return None, 0
        for e in it:
            if e[0] == name:
                t = e[1]
                ino = e[2] if len(e) > 2 else 0
                if not t:
                    # no d_type from this filesystem: stat (follows links)
                    try:
                        st = os.stat(dirpath + "/" + name)
                    except OSError:
                        return None, 0
                    t = st[0]
                    ino = st[1]
                return _ft(t), ino
        return None, 0
    try:
        st = os.lstat(dirpath + "/" + name)
    except OSError:
        return None, 0
    return _ft(st[0]), st[1]


def _ident(st):
    return (st[1], st[2])


def enter(top, name, ino):
    """Directory `name`, listed in directory `top` = (base, ident, hold) as a
    directory with inode `ino`: its (base, ident, hold), held open when the
    port can, or None when what the OS reached is not what was listed (a
    link swapped in, another directory renamed there, a mount point)."""
    path = top[0] + "/" + name
    h = None
    try:
        if holding():
            h = open(path, "rb")
            base = _proc(h)
        else:
            base = path
        st = os.stat(base)
    except OSError:
        _close(h)
        return None
    if _ft(st[0]) != FT_DIR or (ino and st[1] != ino) or \
            (top[1] is not None and st[2] != top[1][1]):
        _close(h)
        return None
    return (base, _ident(st), h)


def pin(f):
    """Hold preopen Fd f's directory and note its identity (WasiCtx.preopen).
    A directory that cannot be opened now is walked by path later."""
    try:
        st = os.stat(f.root)
    except OSError:
        return
    f.ident = _ident(st)
    if holding():
        try:
            h = open(f.root, "rb")
        except OSError:
            return
        if _ident(os.stat(_proc(h))) == f.ident:
            f.hold = h
        else:
            _close(h)


def start(f):
    """(errno, (base, ident, hold)) of dir Fd f at this moment: its held
    directory (hold None: not the walk's to close), or its path walked
    again from the preopen root (hold: what the walk opened, or None)."""
    if f.hold is not None:
        return SUCCESS, (_proc(f.hold), f.ident, None)
    try:
        top = (f.root, _ident(os.stat(f.root)), None)
    except OSError as e:
        return host_errno(e), None
    for c in f.rel:
        t, ino = entry(top[0], c)
        nxt = None
        if t == FT_DIR:
            nxt = enter(top, c, ino)
        _close(top[2])
        if nxt is None:
            return (ENOTCAPABLE if t == FT_SYMLINK else ENOENT), None
        top = nxt
    if f.ident is not None and top[1] != f.ident:
        # the directory at this path is no longer the one opened
        _close(top[2])
        return ENOENT, None
    return SUCCESS, top


class Walk:
    """A path resolved below dir Fd `fd`: `dirs` are the directories from
    the fd's own down to the leaf's parent, as (base, ident, hold) (names
    inside are reached as base + "/" + name); `leaf` the last component
    (None when the path names dirs[-1] itself), `typ` its type (None:
    absent), `ino` its listed inode; `rel` the components from the preopen
    root (for new directory fds)."""

    def __init__(self, fd, top):
        self.fd = fd
        self.dirs = [top]
        self.leaf = None
        self.typ = FT_DIR
        self.ino = 0
        self.rel = list(fd.rel)

    def parent(self):
        return self.dirs[-1][0]

    def host(self):
        if self.leaf is None:
            return self.dirs[-1][0]
        return self.dirs[-1][0] + "/" + self.leaf

    def close(self):
        for d in self.dirs:
            _close(d[2])
        self.dirs = []


def resolve(ctx, fd, path, follow):
    """-> (errno, Walk or None).  Close the Walk after use."""
    f = ctx.fds.get(fd)
    if f is None:
        return EBADF, None
    if f.kind != FT_DIR:
        return ENOTDIR, None
    try:
        p = str(path, "utf-8")
    except UnicodeError:
        return EILSEQ, None
    if not p:
        return ENOENT, None
    if p[0] == "/":
        return ENOTCAPABLE, None
    if "\0" in p:
        return EINVAL, None
    err, top = start(f)
    if err:
        return err, None
    w = Walk(f, top)
    err = _walk(w, p, follow)
    if err:
        w.close()
        return err, None
    return SUCCESS, w


def _walk(w, p, follow):
    comps = p.split("/")
    # index of the last component that names something
    last = len(comps) - 1
    while last >= 0 and comps[last] in ("", "."):
        last -= 1
    dirs = w.dirs
    for i in range(last + 1):
        c = comps[i]
        if c == "" or c == ".":
            continue
        if w.leaf is not None:
            # the previous component is an intermediate one: enter it
            if w.typ != FT_DIR:
                return ENOTDIR
            d = enter(dirs[-1], w.leaf, w.ino)
            if d is None:
                return ENOTCAPABLE
            dirs.append(d)
            w.rel.append(w.leaf)
            w.leaf = None
        if c == "..":
            if len(dirs) <= 1:
                return ENOTCAPABLE
            _close(dirs.pop()[2])
            w.rel.pop()
            w.typ = FT_DIR
            continue
        t, ino = entry(dirs[-1][0], c)
        if t is None:
            if i == last:
                w.leaf, w.typ, w.ino = c, None, 0
                return SUCCESS
            return ENOENT
        if t == FT_SYMLINK and (i != last or follow):
            return ENOTCAPABLE
        w.leaf, w.typ, w.ino = c, t, ino
    if p.endswith("/") and w.typ not in (FT_DIR, None):
        return ENOTDIR
    return SUCCESS


def _path(inst, fd, ptr, ln, follow):
    data = mem(inst)
    p = get_bytes(data, ptr, ln)
    return resolve(ctx_of(inst), fd, p, follow)


def _same(fobj, w):
    """True when open file fobj is the entry w listed (no swap between the
    check and the open); always True where files cannot be identified."""
    if not holding() or not w.ino:
        return True
    try:
        st = os.stat(_proc(fobj))
    except OSError:
        return False
    return st[1] == w.ino and st[2] == w.dirs[-1][1][1]


def _reopen(fobj, mode, path):
    """The file open in fobj again with `mode` (truncating or appending
    modes act on that very file, not on whatever `path` names now)."""
    if holding():
        return open(_proc(fobj), mode)
    return open(path, mode)


def _tmp_name():
    try:
        b = os.urandom(8)
    except (AttributeError, OSError):
        import random
        b = bytes(random.getrandbits(8) for _ in range(8))
    return ".wasi-" + "".join("%02x" % x for x in b)


def _create(w, mode, excl):
    """Create the absent leaf of w and open it with `mode`: made under an
    unguessable name in the pinned parent (so no link can be waiting
    there), then renamed to the leaf (a rename replaces a link at the name,
    it never writes through it).  Without held directories: by path."""
    if not holding():
        if mode == "rb":
            open(w.host(), "wb").close()
        return open(w.host(), mode)
    tmp = w.parent() + "/" + _tmp_name()
    first = open(tmp, "w+b" if "+" in mode else "wb")
    try:
        if excl and entry(w.parent(), w.leaf)[0] is not None:
            raise OSError(17)
        os.rename(tmp, w.host())
    except OSError:
        _close(first)
        try:
            os.remove(tmp)
        except OSError:
            pass
        raise
    if mode in ("wb", "w+b"):
        return first
    try:
        return _reopen(first, mode, w.host())
    finally:
        _close(first)


# ---- open --------------------------------------------------------------------

O_CREAT = 1
O_DIRECTORY = 2
O_EXCL = 4
O_TRUNC = 8
FD_APPEND = 1


def path_open(inst, fd, dirflags, path, path_len, oflags, rights, inheriting,
              fdflags, opened):
    data = mem(inst)
    check(data, opened, 4)
    err, w = _path(inst, fd, path, path_len, dirflags & 1)
    if err:
        return err
    try:
        return _open(inst, data, w, oflags, rights, inheriting, fdflags, opened)
    finally:
        w.close()


def _open(inst, data, w, oflags, rights, inheriting, fdflags, opened):
    parent = w.fd
    typ = w.typ
    rights &= 0xFFFFFFFFFFFFFFFF
    inheriting &= 0xFFFFFFFFFFFFFFFF
    rights &= parent.inheriting
    inheriting &= parent.inheriting
    want_r = rights & R_FD_READ
    want_w = rights & R_FD_WRITE
    trunc = oflags & O_TRUNC
    if typ == FT_SYMLINK:
        return ELOOP
    created = False
    if typ is None:
        if not oflags & O_CREAT:
            return ENOENT
        if oflags & O_DIRECTORY:
            return EINVAL
        created = True
    elif oflags & O_CREAT and oflags & O_EXCL:
        return EEXIST
    ctx = ctx_of(inst)
    if typ == FT_DIR:
        if want_w or trunc:
            return EISDIR
        if w.leaf is None:
            d = w.dirs[-1]
            h = None
            if holding():
                try:
                    h = open(d[0], "rb")
                except OSError as e:
                    return host_errno(e)
            d = (d[0], d[1], h)
        else:
            d = enter(w.dirs[-1], w.leaf, w.ino)
            if d is None:
                return ENOTCAPABLE
            w.rel.append(w.leaf)
        nf = Fd(FT_DIR, rights, inheriting)
        nf.root = parent.root
        nf.rel = w.rel
        nf.ident = d[1]
        nf.hold = d[2]
        put32(data, opened, ctx.alloc(nf))
        return SUCCESS
    if oflags & O_DIRECTORY:
        return ENOTDIR
    if fdflags & FD_APPEND:
        mode = "a+b" if want_r else "ab"
    elif want_w:
        if trunc or created:
            mode = "w+b" if want_r else "wb"
        else:
            mode = "r+b"
    else:
        mode = "rb"
    host = w.host()
    try:
        if created:
            fobj = _create(w, mode, oflags & O_EXCL)
        else:
            # open without creating or truncating, check it is what was
            # listed, only then truncate or append (on that file)
            fobj = open(host, "r+b" if want_w or mode[0] == "a" else "rb")
            if not _same(fobj, w):
                _close(fobj)
                return ENOTCAPABLE
            if mode not in ("rb", "r+b"):
                first = fobj
                try:
                    fobj = _reopen(first, mode, host)
                finally:
                    _close(first)
    except OSError as e:
        return host_errno(e)
    nf = Fd(FT_FILE, rights, inheriting)
    nf.file = fobj
    nf.root = parent.root
    nf.rel = w.rel + [w.leaf]
    nf.flags = fdflags & 0x1F
    put32(data, opened, ctx.alloc(nf))
    return SUCCESS


# ---- stat ----------------------------------------------------------------------

def _write_filestat(data, buf, st, ft):
    a = check(data, buf, 64)
    data[a:a + 64] = bytes(64)
    if st is None:
        data[a + 16] = ft
        return
    mode, ino, dev, nlink, _uid, _gid, size, at, mt, ct = st[:10]
    pack_into("<QQB", data, a, dev & 0xFFFFFFFFFFFFFFFF,
              ino & 0xFFFFFFFFFFFFFFFF, ft)
    pack_into("<QQQQQ", data, a + 24, nlink, size & 0xFFFFFFFFFFFFFFFF,
              _ns(at), _ns(mt), _ns(ct))


def _ns(t):
    t = int(t)
    return t * 1000000000 if t > 0 else 0


def fd_filestat_get(inst, fd, buf):
    ctx = ctx_of(inst)
    f = ctx.fds.get(fd)
    if f is None:
        return EBADF
    data = mem(inst)
    if f.kind == FT_CHAR:
        _write_filestat(data, buf, None, FT_CHAR)
        return SUCCESS
    try:
        if f.file is not None:
            try:
                f.file.flush()
            except (OSError, AttributeError):
                pass
            # the open file itself where the port can name it
            st = os.stat(_proc(f.file) if holding() else f.host_path())
        else:
            err, d = start(f)
            if err:
                return err
            try:
                st = os.stat(d[0])
            finally:
                _close(d[2])
    except OSError as e:
        return host_errno(e)
    _write_filestat(data, buf, st, _ft(st[0]))
    return SUCCESS


def path_filestat_get(inst, fd, flags, path, path_len, buf):
    err, w = _path(inst, fd, path, path_len, flags & 1)
    if err:
        return err
    data = mem(inst)
    try:
        if w.typ is None:
            check(data, buf, 64)
            return ENOENT
        if w.typ == FT_SYMLINK:
            _write_filestat(data, buf, None, FT_SYMLINK)
            return SUCCESS
        try:
            st = os.stat(w.host())
        except OSError as e:
            return host_errno(e)
        if w.leaf is not None and w.ino and holding() and st[1] != w.ino:
            return ENOTCAPABLE      # not what was listed: a swap in between
        _write_filestat(data, buf, st, _ft(st[0]))
        return SUCCESS
    finally:
        w.close()


# ---- directories -----------------------------------------------------------------

def fd_readdir(inst, fd, buf, buf_len, cookie, bufused):
    f = ctx_of(inst).fds.get(fd)
    if f is None:
        return EBADF
    if f.kind != FT_DIR:
        return ENOTDIR
    data = mem(inst)
    buf_len &= 0xFFFFFFFF
    a = check(data, buf, buf_len)
    check(data, bufused, 4)
    if cookie < 0:
        return EINVAL
    err, d = start(f)
    if err:
        return err
    host = d[0]
    entries = [(".", FT_DIR, 0), ("..", FT_DIR, 0)]
    try:
        for e in os.ilistdir(host) if hasattr(os, "ilistdir") else \
                _cpython_ilistdir(host):
            t = e[1]
            entries.append((e[0], _ft(t) if t else FT_UNKNOWN,
                            e[2] if len(e) > 2 else 0))
    except OSError as e:
        return host_errno(e)
    finally:
        _close(d[2])
    used = 0
    i = cookie
    while i < len(entries) and used < buf_len:
        name, ft, ino = entries[i]
        nb = name.encode()
        ent = bytearray(24 + len(nb))
        pack_into("<QQIB", ent, 0, i + 1, ino & 0xFFFFFFFFFFFFFFFF, len(nb), ft)
        ent[24:] = nb
        k = min(len(ent), buf_len - used)
        data[a + used:a + used + k] = ent[:k]
        used += k
        i += 1
    put32(data, bufused, used)
    return SUCCESS


def _cpython_ilistdir(host):
    for n in os.listdir(host):
        st = os.lstat(host + "/" + n)
        yield n, st.st_mode & _S_IFMT, st.st_ino


# mkdir, unlink, rmdir and rename act on the leaf name inside its pinned
# parent and never follow a link at the leaf.

def path_create_directory(inst, fd, path, path_len):
    err, w = _path(inst, fd, path, path_len, False)
    if err:
        return err
    try:
        if w.typ is not None:
            return EEXIST
        os.mkdir(w.host())
    except OSError as e:
        return host_errno(e)
    finally:
        w.close()
    return SUCCESS


def path_unlink_file(inst, fd, path, path_len):
    err, w = _path(inst, fd, path, path_len, False)
    if err:
        return err
    try:
        if w.typ is None:
            return ENOENT
        if w.typ == FT_DIR:
            return EISDIR
        os.remove(w.host())
    except OSError as e:
        return host_errno(e)
    finally:
        w.close()
    return SUCCESS


def path_remove_directory(inst, fd, path, path_len):
    err, w = _path(inst, fd, path, path_len, False)
    if err:
        return err
    try:
        if w.typ is None:
            return ENOENT
        if w.typ != FT_DIR:
            return ENOTDIR
        if w.leaf is None:
            return EINVAL
        os.rmdir(w.host())
    except OSError as e:
        return host_errno(e)
    finally:
        w.close()
    return SUCCESS


def path_rename(inst, fd, old, old_len, fd2, new, new_len):
    err, w1 = _path(inst, fd, old, old_len, False)
    if err:
        return err
    w2 = None
    try:
        if w1.typ is None:
            return ENOENT
        err, w2 = _path(inst, fd2, new, new_len, False)
        if err:
            return err
        t1 = w1.typ
        t2 = w2.typ
        if w1.leaf is None or w2.leaf is None:
            return EINVAL
        if w1.fd.root != w2.fd.root:
            # different preopens may live on different filesystems
            return 75   # EXDEV
        if t2 == FT_DIR and t1 != FT_DIR:
            return EISDIR
        if t2 is not None and t2 != FT_DIR and t1 == FT_DIR:
            return ENOTDIR
        os.rename(w1.host(), w2.host())
    except OSError as e:
        return host_errno(e)
    finally:
        w1.close()
        if w2 is not None:
            w2.close()
    return SUCCESS


FUNCTIONS = {
    "path_open": path_open,
    "fd_filestat_get": fd_filestat_get,
    "path_filestat_get": path_filestat_get,
    "fd_readdir": fd_readdir,
    "path_create_directory": path_create_directory,
    "path_unlink_file": path_unlink_file,
    "path_remove_directory": path_remove_directory,
    "path_rename": path_rename,
}

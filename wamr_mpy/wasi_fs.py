# WASI path operations, confined to the preopened directories.
#
# A guest path is resolved component by component against the directory fd
# it is relative to: absolute paths and ".." above that directory fail with
# ENOTCAPABLE; every component is looked up in its parent with os.ilistdir,
# which reports the directory-entry type, and a symbolic link is never
# followed (MicroPython has no readlink, so a link's target cannot be
# checked): a path through a link, or opening a link, fails with
# ENOTCAPABLE.  Only removing/renaming the link itself (no-follow lookups)
# is allowed, as that cannot reach outside.

import os
from struct import pack_into
from .wasi import (ctx_of, mem, check, put32, get_bytes, host_errno,
                   join, Fd, SUCCESS, EBADF, EEXIST, EINVAL, EISDIR, ELOOP,
                   ENOENT, ENOTDIR, ENOTCAPABLE, FT_CHAR, FT_DIR, FT_FILE,
                   FT_SYMLINK, FT_UNKNOWN, R_FD_READ, R_FD_WRITE)

EILSEQ = 25

_S_IFMT = 0xF000
_MODE_FT = {0x4000: FT_DIR, 0x8000: FT_FILE, 0xA000: FT_SYMLINK,
            0x2000: FT_CHAR, 0x6000: 1, 0xC000: 6, 0x1000: FT_UNKNOWN}


def _ft(mode):
    return _MODE_FT.get(mode & _S_IFMT, FT_UNKNOWN)


def lookup(dirpath, name):
    """Type (FT_*) of entry `name` in host directory dirpath without
    following a link, or None when absent."""
    if hasattr(os, "ilistdir"):
        try:
            it = os.ilistdir(dirpath)
        except OSError:
            return None
        for e in it:
            if e[0] == name:
                t = e[1]
                if not t:
                    # no d_type from this filesystem: stat (follows links)
                    try:
                        t = os.stat(dirpath + "/" + name)[0]
                    except OSError:
                        return None
                return _ft(t)
        return None
    try:
        return _ft(os.lstat(dirpath + "/" + name)[0])
    except OSError:
        return None


def resolve(ctx, fd, path, follow):
    """-> (errno, dir Fd, rel components, type or None if absent)."""
    f = ctx.fds.get(fd)
    if f is None:
        return EBADF, None, None, None
    if f.kind != FT_DIR:
        return ENOTDIR, None, None, None
    try:
        p = str(path, "utf-8")
    except UnicodeError:
        return EILSEQ, None, None, None
    if not p:
        return ENOENT, None, None, None
    if p[0] == "/":
        return ENOTCAPABLE, None, None, None
    if "\0" in p:
        return EINVAL, None, None, None
    comps = p.split("/")
    # index of the last component that names something
    last = len(comps) - 1
    while last >= 0 and comps[last] in ("", "."):
        last -= 1
    base = len(f.rel)
    rel = list(f.rel)
    typ = FT_DIR
    for i in range(last + 1):
        c = comps[i]
        if c == "" or c == ".":
            continue
        if typ != FT_DIR:
            return ENOTDIR, None, None, None
        if c == "..":
            if len(rel) <= base:
                return ENOTCAPABLE, None, None, None
            rel.pop()
            continue
        t = lookup(join(f.root, rel), c)
        if t is None:
            if i == last:
                rel.append(c)
                return SUCCESS, f, rel, None
            return ENOENT, None, None, None
        if t == FT_SYMLINK:
            if i == last and not follow:
                rel.append(c)
                return SUCCESS, f, rel, FT_SYMLINK
            return ENOTCAPABLE, None, None, None
        rel.append(c)
        typ = t
    if p.endswith("/") and typ not in (FT_DIR, None):
        return ENOTDIR, None, None, None
    return SUCCESS, f, rel, typ


def _path(inst, fd, ptr, ln, follow):
    data = mem(inst)
    p = get_bytes(data, ptr, ln)
    return resolve(ctx_of(inst), fd, p, follow)


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
    err, parent, rel, typ = _path(inst, fd, path, path_len, dirflags & 1)
    if err:
        return err
    rights &= 0xFFFFFFFFFFFFFFFF
    inheriting &= 0xFFFFFFFFFFFFFFFF
    rights &= parent.inheriting
    inheriting &= parent.inheriting
    host = join(parent.root, rel)
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
        nf = Fd(FT_DIR, rights, inheriting)
        nf.root = parent.root
        nf.rel = rel
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
        if created:
            try:
                open(host, "wb").close()
            except OSError as e:
                return host_errno(e)
        mode = "rb"
    try:
        fobj = open(host, mode)
    except OSError as e:
        return host_errno(e)
    nf = Fd(FT_FILE, rights, inheriting)
    nf.file = fobj
    nf.root = parent.root
    nf.rel = rel
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
    if f.file is not None:
        try:
            f.file.flush()
        except (OSError, AttributeError):
            pass
    try:
        st = os.stat(f.host_path())
    except OSError as e:
        return host_errno(e)
    _write_filestat(data, buf, st, _ft(st[0]))
    return SUCCESS


def path_filestat_get(inst, fd, flags, path, path_len, buf):
    err, parent, rel, typ = _path(inst, fd, path, path_len, flags & 1)
    if err:
        return err
    data = mem(inst)
    if typ is None:
        check(data, buf, 64)
        return ENOENT
    if typ == FT_SYMLINK:
        _write_filestat(data, buf, None, FT_SYMLINK)
        return SUCCESS
    try:
        st = os.stat(join(parent.root, rel))
    except OSError as e:
        return host_errno(e)
    _write_filestat(data, buf, st, _ft(st[0]))
    return SUCCESS


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
    host = f.host_path()
    entries = [(".", FT_DIR, 0), ("..", FT_DIR, 0)]
    try:
        for e in os.ilistdir(host) if hasattr(os, "ilistdir") else \
                _cpython_ilistdir(host):
            t = e[1]
            entries.append((e[0], _ft(t) if t else FT_UNKNOWN,
                            e[2] if len(e) > 2 else 0))
    except OSError as e:
        return host_errno(e)
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


def path_create_directory(inst, fd, path, path_len):
    err, parent, rel, typ = _path(inst, fd, path, path_len, False)
    if err:
        return err
    if typ is not None:
        return EEXIST
    try:
        os.mkdir(join(parent.root, rel))
    except OSError as e:
        return host_errno(e)
    return SUCCESS


def path_unlink_file(inst, fd, path, path_len):
    err, parent, rel, typ = _path(inst, fd, path, path_len, False)
    if err:
        return err
    if typ is None:
        return ENOENT
    if typ == FT_DIR:
        return EISDIR
    try:
        os.remove(join(parent.root, rel))
    except OSError as e:
        return host_errno(e)
    return SUCCESS


def path_remove_directory(inst, fd, path, path_len):
    err, parent, rel, typ = _path(inst, fd, path, path_len, False)
    if err:
        return err
    if typ is None:
        return ENOENT
    if typ != FT_DIR:
        return ENOTDIR
    if len(rel) <= len(parent.rel):
        return EINVAL
    try:
        os.rmdir(join(parent.root, rel))
    except OSError as e:
        return host_errno(e)
    return SUCCESS


def path_rename(inst, fd, old, old_len, fd2, new, new_len):
    err, p1, rel1, t1 = _path(inst, fd, old, old_len, False)
    if err:
        return err
    if t1 is None:
        return ENOENT
    err, p2, rel2, t2 = _path(inst, fd2, new, new_len, False)
    if err:
        return err
    if len(rel1) <= len(p1.rel) or len(rel2) <= len(p2.rel):
        return EINVAL
    if p1.root != p2.root:
        # different preopens may live on different filesystems
        return 75   # EXDEV
    if t2 == FT_DIR and t1 != FT_DIR:
        return EISDIR
    if t2 is not None and t2 != FT_DIR and t1 == FT_DIR:
        return ENOTDIR
    try:
        os.rename(join(p1.root, rel1), join(p2.root, rel2))
    except OSError as e:
        return host_errno(e)
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

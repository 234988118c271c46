# Installed apps on the device filesystem, written so that a power loss at
# any moment leaves either the old or the new set of apps.
#
# Layout in the store directory:
#   apps.idx      index: one line per app, the only file that says what is
#                 installed ("wamr-apps 1", then "app NAME SIZE SUM HEAP
#                 TIMERS WD ok [FILE]", then "end COUNT"); "prev ..." lines
#                 (same fields) name the previous version of a replaced app
#   NAME.wasm     the module bytes of an indexed app; NAME~1.wasm and
#                 NAME~2.wasm hold a replacement and the kept previous
#                 version ('~' is never in an app name)
#   *.tmp         a write in progress (deleted at boot)
# Install: write NAME.wasm.tmp (streamed as the package arrives, through a
# Writer, so no copy of the module is held in RAM), rename it to NAME.wasm,
# start the app from that file, then write apps.idx.tmp and rename it over
# apps.idx (the commit point).  Uninstall: rewrite the index without the
# app, then delete its files.  Replace (stage + commit_replace): write the
# new module to a file no index line names, start it, then one index write
# makes it current and keeps the old one as "prev"; rollback is one index
# write the other way.  At boot, files the index does not name are
# leftovers of an interrupted operation and are deleted; an indexed file
# whose size or checksum is wrong is skipped (reported, not loaded).

import os

try:
    import hashlib
except ImportError:             # pragma: no cover
    hashlib = None
try:
    import binascii
except ImportError:             # pragma: no cover
    binascii = None

from .protocol import valid_name

INDEX = "apps.idx"
MAGIC = "wamr-apps 1"


class StoreError(Exception):
    pass


class Sum:
    """A running checksum (the best the port has), fed chunk by chunk."""

    def __init__(self):
        if hashlib is not None and hasattr(hashlib, "sha256"):
            self.kind = "sha256"
            self.h = hashlib.sha256()
        elif binascii is not None and hasattr(binascii, "crc32"):
            self.kind = "crc32"
            self.v = 0
        else:
            self.kind = "adler32"
            self.v = 1

    def update(self, data):
        if self.kind == "sha256":
            self.h.update(data)
        elif self.kind == "crc32":
            self.v = binascii.crc32(data, self.v)
        else:
            s1, s2 = self.v & 0xFFFF, self.v >> 16
            for b in data:
                s1 = (s1 + b) % 65521
                s2 = (s2 + s1) % 65521
            self.v = (s2 << 16) | s1
        return self

    def result(self):
        if self.kind == "sha256":
            return "sha256:" + "".join("%02x" % b for b in self.h.digest())
        return "%s:%08x" % (self.kind, self.v & 0xFFFFFFFF)


def checksum(data):
    return Sum().update(data).result()


CHUNK = 1024        # file reads while checking a module


def file_checksum(path):
    """(size, checksum) of a file, read in small chunks."""
    s = Sum()
    n = 0
    buf = bytearray(CHUNK)
    mv = memoryview(buf)
    with open(path, "rb") as f:
        while True:
            k = f.readinto(buf)
            if not k:
                break
            s.update(mv[:k])
            n += k
    return n, s.result()


def free_bytes(path):
    """Bytes free on the filesystem holding `path`, or None if unknown."""
    statvfs = getattr(os, "statvfs", None)
    if statvfs is None:
        return None
    try:
        st = statvfs(path)
    except OSError:
        return None
    return st[0] * st[4]


def _exists(path):
    try:
        os.stat(path)
        return True
    except OSError:
        return False


def _remove(path):
    try:
        os.remove(path)
    except OSError:
        pass


def _pause(point):
    """Test hook: with WAMR_APP_STORE_PAUSE=<point> in the environment (unix
    port) the store announces the point on stderr and stalls, so a test can
    kill the process exactly there."""
    getenv = getattr(os, "getenv", None)
    if getenv is None or getenv("WAMR_APP_STORE_PAUSE") != point:
        return
    import sys
    import time
    sys.stderr.write("STORE-PAUSE %s\n" % point)
    try:
        sys.stderr.flush()
    except AttributeError:
        pass
    time.sleep(3600)


class Entry:
    def __init__(self, name, size, csum, heap, timers, wd, file=None):
        self.name = name
        self.size = size
        self.sum = csum
        self.heap = heap
        self.timers = timers
        self.wd = wd
        self.file = file or name + ".wasm"


class Writer:
    """Receives one app's module into NAME.wasm.tmp piece by piece;
    finish() renames it to NAME.wasm (not yet installed: only the index
    says that) and returns (size, checksum); discard() removes what was
    written.  Errors of the filesystem (a full flash: OSError 28) raise
    from write() or finish() with the temporary file already removed."""

    def __init__(self, store, name, file=None):
        self.store = store
        self.name = name
        self.file = file or name + ".wasm"
        self.tmp = store._path(self.file + ".tmp")
        self.dst = store._path(self.file)
        self.sum = Sum()
        self.size = 0
        self.f = open(self.tmp, "wb")

    def write(self, data):
        try:
            n = self.f.write(data)
            if n is not None and n != len(data):
                raise OSError(28)
        except BaseException:
            self.discard()
            raise
        self.sum.update(data)
        half = self.size < (self.store.pause_at or 0)
        self.size += len(data)
        if half and self.size >= self.store.pause_at:
            _pause("app-half-written")

    def finish(self):
        try:
            self.f.close()
        except BaseException:
            self.discard()
            raise
        self.f = None
        _pause("app-written")
        try:
            self.store._replace(self.tmp, self.dst)
        except BaseException:
            self.discard()
            raise
        _pause("app-renamed")
        return self.size, self.sum.result()

    def discard(self):
        if self.f is not None:
            try:
                self.f.close()
            except OSError:
                pass
            self.f = None
        _remove(self.tmp)
        _remove(self.dst)


class Store:
    def __init__(self, root, log=None):
        self.root = root.rstrip("/") or "/"
        self.log = log or (lambda *a: None)
        self._ensure_dir()
        self.entries = []
        self.prevs = {}         # name -> Entry of the kept previous version
        self.problems = []
        self.pause_at = None    # test hook: size of "app-half-written"

    def _path(self, name):
        return self.root + "/" + name

    def _ensure_dir(self):
        absolute = self.root.startswith("/")
        cur = ""
        for p in self.root.split("/"):
            if not p:
                continue
            cur = (cur + "/" + p) if (cur or absolute) else p
            if not _exists(cur):
                try:
                    os.mkdir(cur)
                except OSError as e:
                    raise StoreError("store: cannot create %s: %s" % (cur, e))

    # -- index ---------------------------------------------------------------

    def _read_index(self):
        """([current Entry], {name: previous Entry})"""
        path = self._path(INDEX)
        if not _exists(path):
            return [], {}
        with open(path, "r") as f:
            lines = f.read().split("\n")
        if not lines or lines[0] != MAGIC:
            raise StoreError("store: %s has a bad header" % path)
        out = []
        prevs = {}
        ended = False
        for ln in lines[1:]:
            if not ln:
                continue
            w = ln.split(" ")
            if w[0] == "end" and len(w) == 2:
                if int(w[1]) != len(out):
                    raise StoreError("store: %s count mismatch" % path)
                ended = True
                break
            if w[0] not in ("app", "prev") or len(w) not in (8, 9) or \
                    not valid_name(w[1]) or w[7] != "ok":
                raise StoreError("store: %s: bad line %r" % (path, ln))
            e = Entry(w[1], int(w[2]), w[3], int(w[4]), int(w[5]),
                      int(w[6]) if w[6] != "-" else None,
                      w[8] if len(w) == 9 else None)
            if w[0] == "app":
                out.append(e)
            else:
                prevs[e.name] = e
        if not ended:
            raise StoreError("store: %s is truncated" % path)
        return out, prevs

    def _write_index(self, entries, prevs=None):
        if prevs is None:
            prevs = self.prevs
        lines = [MAGIC]
        for kind, es in (("app", entries), ("prev", prevs.values())):
            for e in es:
                ln = "%s %s %d %s %d %d %s ok" % (
                    kind, e.name, e.size, e.sum, e.heap, e.timers,
                    "-" if e.wd is None else str(e.wd))
                if e.file != e.name + ".wasm" or kind == "prev":
                    ln += " " + e.file
                lines.append(ln)
        lines.append("end %d" % len(entries))
        tmp = self._path(INDEX + ".tmp")
        with open(tmp, "w") as f:
            f.write("\n".join(lines) + "\n")
        _pause("index-written")
        self._replace(tmp, self._path(INDEX))

    def _replace(self, src, dst):
        try:
            os.rename(src, dst)
        except OSError:
            # filesystems whose rename does not replace (FAT): the window
            # between remove and rename is covered by the .tmp at boot
            _remove(dst)
            os.rename(src, dst)

    # -- API -----------------------------------------------------------------

    def load(self):
        """Read the index, clean leftovers; returns [(Entry, path of the
        module)] for every app whose file checks out (checked in small
        chunks: no module is read into RAM here)."""
        self.problems = []
        try:
            self.entries, self.prevs = self._read_index()
        except (StoreError, ValueError, OSError) as e:
            # a torn index cannot come from our own writes (rename is the
            # commit); keep the file for inspection and start empty
            self.problems.append(str(e))
            self.log(str(e))
            try:
                os.rename(self._path(INDEX), self._path(INDEX + ".bad"))
            except OSError:
                pass
            self.entries, self.prevs = [], {}
        if _exists(self._path(INDEX + ".tmp")) and \
                not _exists(self._path(INDEX)) and not self.entries:
            # crashed between remove and rename on a non-replacing fs
            try:
                os.rename(self._path(INDEX + ".tmp"), self._path(INDEX))
                self.entries, self.prevs = self._read_index()
            except (StoreError, ValueError, OSError) as e:
                self.problems.append(str(e))
                self.entries, self.prevs = [], {}
        names = {}
        for e in self.entries + list(self.prevs.values()):
            names[e.file] = e
        for fn in os.listdir(self.root):
            if fn == INDEX or fn == INDEX + ".bad":
                continue
            if fn.endswith(".tmp") or (fn.endswith(".wasm") and
                                       fn not in names):
                self.log("store: removing leftover %s" % fn)
                _remove(self._path(fn))
        out = []
        for e in self.entries:
            path = self._path(e.file)
            try:
                size, csum = file_checksum(path)
            except OSError as ex:
                self.problems.append("store: %s: %s" % (e.name, ex))
                continue
            if size != e.size or csum != e.sum:
                self.problems.append("store: %s: checksum mismatch" % e.name)
                self.log("store: %s: checksum mismatch, not loaded" % e.name)
                continue
            out.append((e, path))
        return out

    def names(self):
        return [e.name for e in self.entries]

    def get(self, name):
        for e in self.entries:
            if e.name == name:
                return e
        return None

    def file(self, e):
        """The module file of Entry `e` (indexed or staged)."""
        return self._path(e.file)

    def path(self, name, prev=False):
        """The module file of installed app `name` (of its kept previous
        version with prev=True); None if there is none."""
        e = self.prevs.get(name) if prev else self.get(name)
        if e is None:
            return None
        return self._path(e.file)

    def read(self, name):
        e = self.get(name)
        if e is None:
            return None
        with open(self._path(e.file), "rb") as f:
            data = f.read()
        if len(data) != e.size or checksum(data) != e.sum:
            raise StoreError("store: %s: checksum mismatch" % name)
        return data

    def writer(self, name, size=None, file=None):
        """A Writer for app `name`'s module (into `file`, by default
        NAME.wasm); StoreError when the name is bad or `size` bytes do not
        fit on the filesystem."""
        if not valid_name(name):
            raise StoreError("store: bad app name %r" % name)
        free = free_bytes(self.root)
        if size is not None and free is not None and size > free:
            raise StoreError("store: no room for %d bytes (%d free on %s)"
                             % (size, free, self.root))
        w = Writer(self, name, file)
        if size is not None:
            self.pause_at = size // 2
        return w

    def commit(self, name, size, csum, heap, timers, wd):
        """Record a module written by a Writer as installed (the commit
        point); on failure the module file is removed."""
        e = Entry(name, size, csum, heap, timers, wd)
        entries = [x for x in self.entries if x.name != name] + [e]
        try:
            self._write_index(entries)
        except BaseException:
            _remove(self._path(INDEX + ".tmp"))
            _remove(self._path(name + ".wasm"))
            raise
        self.entries = entries
        _pause("committed")

    def save(self, name, data, heap, timers, wd):
        """Write and commit a module held in RAM."""
        w = self.writer(name, len(data))
        w.write(data)
        size, csum = w.finish()
        self.commit(name, size, csum, heap, timers, wd)

    def remove(self, name):
        if self.get(name) is None:
            return False
        gone = [x for x in self.entries if x.name == name]
        prevs = dict(self.prevs)
        prev = prevs.pop(name, None)
        entries = [x for x in self.entries if x.name != name]
        self._write_index(entries, prevs)
        self.entries, self.prevs = entries, prevs
        _pause("uninstall-committed")
        for e in gone + ([prev] if prev else []):
            _remove(self._path(e.file))
        return True

    # -- replace and roll back -----------------------------------------------

    def stage_writer(self, name, size=None):
        """A Writer for a new version of installed app `name`, into a file
        no index line names: until commit_replace the index still says the
        old version (a power loss leaves it)."""
        used = [e.file for e in self.entries + list(self.prevs.values())
                if e.name == name]
        for fn in (name + ".wasm", name + "~1.wasm", name + "~2.wasm"):
            if fn not in used:
                break
        return self.writer(name, size, fn)

    def staged(self, w, size, csum, heap, timers, wd):
        """The Entry of a version a stage_writer finished."""
        _pause("replace-staged")
        return Entry(w.name, size, csum, heap, timers, wd, w.file)

    def stage(self, name, data, heap, timers, wd):
        """stage_writer for a module held in RAM; returns its Entry."""
        w = self.stage_writer(name, len(data))
        w.write(data)
        size, csum = w.finish()
        return self.staged(w, size, csum, heap, timers, wd)

    def discard(self, staged):
        """Drop a staged version that did not start."""
        _remove(self._path(staged.file))

    def commit_replace(self, staged):
        """Make `staged` the current version; the one it replaces becomes
        the kept previous version (the one before that is deleted)."""
        name = staged.name
        old = self.get(name)
        older = self.prevs.get(name)
        entries = [staged if x.name == name else x for x in self.entries]
        prevs = dict(self.prevs)
        if old is not None:
            prevs[name] = old
        self._write_index(entries, prevs)
        self.entries, self.prevs = entries, prevs
        _pause("replace-committed")
        if older is not None and older.file not in (staged.file, old.file):
            _remove(self._path(older.file))

    def commit_rollback(self, name):
        """Make the kept previous version of `name` current again (the
        rolled-back version is deleted)."""
        prev = self.prevs.get(name)
        cur = self.get(name)
        if prev is None or cur is None:
            raise StoreError("store: %s has no previous version" % name)
        entries = [prev if x.name == name else x for x in self.entries]
        prevs = dict(self.prevs)
        del prevs[name]
        self._write_index(entries, prevs)
        self.entries, self.prevs = entries, prevs
        _pause("rollback-committed")
        _remove(self._path(cur.file))

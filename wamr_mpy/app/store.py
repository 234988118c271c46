# Installed apps on the device filesystem, written so that a power loss at
# any moment leaves either the old or the new set of apps.
#
# Layout in the store directory:
#   apps.idx      index: one line per app, the only file that says what is
#                 installed ("wamr-apps 1", then "app NAME SIZE SUM HEAP
#                 TIMERS WD", then "end COUNT")
#   NAME.wasm     the module bytes of an indexed app
#   *.tmp         a write in progress (deleted at boot)
# Install: write NAME.wasm.tmp, rename it to NAME.wasm, then write
# apps.idx.tmp and rename it over apps.idx (the commit point).  Uninstall:
# rewrite the index without the app, then delete its file.  At boot,
# files the index does not name are leftovers of an interrupted operation
# and are deleted; an indexed file whose size or checksum is wrong is
# skipped (reported, not loaded).

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


def checksum(data):
    if hashlib is not None and hasattr(hashlib, "sha256"):
        h = hashlib.sha256(data).digest()
        return "sha256:" + "".join("%02x" % b for b in h)
    if binascii is not None and hasattr(binascii, "crc32"):
        return "crc32:%08x" % (binascii.crc32(data) & 0xFFFFFFFF)
    s1, s2 = 1, 0
    for b in data:
        s1 = (s1 + b) % 65521
        s2 = (s2 + s1) % 65521
    return "adler32:%08x" % ((s2 << 16) | s1)


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
    def __init__(self, name, size, csum, heap, timers, wd):
        self.name = name
        self.size = size
        self.sum = csum
        self.heap = heap
        self.timers = timers
        self.wd = wd


class Store:
    def __init__(self, root, log=None):
        self.root = root.rstrip("/") or "/"
        self.log = log or (lambda *a: None)
        self._ensure_dir()
        self.entries = []
        self.problems = []

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
        path = self._path(INDEX)
        if not _exists(path):
            return []
        with open(path, "r") as f:
            lines = f.read().split("\n")
        if not lines or lines[0] != MAGIC:
            raise StoreError("store: %s has a bad header" % path)
        out = []
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
            if w[0] != "app" or len(w) != 8 or not valid_name(w[1]):
                raise StoreError("store: %s: bad line %r" % (path, ln))
            out.append(Entry(w[1], int(w[2]), w[3], int(w[4]), int(w[5]),
                             int(w[6]) if w[6] != "-" else None))
            if w[7] != "ok":
                raise StoreError("store: %s: bad line %r" % (path, ln))
        if not ended:
            raise StoreError("store: %s is truncated" % path)
        return out

    def _write_index(self, entries):
        lines = [MAGIC]
        for e in entries:
            lines.append("app %s %d %s %d %d %s ok" % (
                e.name, e.size, e.sum, e.heap, e.timers,
                "-" if e.wd is None else str(e.wd)))
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
        """Read the index, clean leftovers; returns [(Entry, wasm bytes)]
        for every app whose file checks out."""
        self.problems = []
        try:
            self.entries = self._read_index()
        except (StoreError, ValueError, OSError) as e:
            # a torn index cannot come from our own writes (rename is the
            # commit); keep the file for inspection and start empty
            self.problems.append(str(e))
            self.log(str(e))
            try:
                os.rename(self._path(INDEX), self._path(INDEX + ".bad"))
            except OSError:
                pass
            self.entries = []
        if _exists(self._path(INDEX + ".tmp")) and \
                not _exists(self._path(INDEX)) and not self.entries:
            # crashed between remove and rename on a non-replacing fs
            try:
                os.rename(self._path(INDEX + ".tmp"), self._path(INDEX))
                self.entries = self._read_index()
            except (StoreError, ValueError, OSError) as e:
                self.problems.append(str(e))
                self.entries = []
        names = {}
        for e in self.entries:
            names[e.name + ".wasm"] = e
        for fn in os.listdir(self.root):
            if fn == INDEX or fn == INDEX + ".bad":
                continue
            if fn.endswith(".tmp") or (fn.endswith(".wasm") and
                                       fn not in names):
                self.log("store: removing leftover %s" % fn)
                _remove(self._path(fn))
        out = []
        for e in self.entries:
            try:
                with open(self._path(e.name + ".wasm"), "rb") as f:
                    data = f.read()
            except OSError as ex:
                self.problems.append("store: %s: %s" % (e.name, ex))
                continue
            if len(data) != e.size or checksum(data) != e.sum:
                self.problems.append("store: %s: checksum mismatch" % e.name)
                self.log("store: %s: checksum mismatch, not loaded" % e.name)
                continue
            out.append((e, data))
        return out

    def names(self):
        return [e.name for e in self.entries]

    def get(self, name):
        for e in self.entries:
            if e.name == name:
                return e
        return None

    def read(self, name):
        e = self.get(name)
        if e is None:
            return None
        with open(self._path(name + ".wasm"), "rb") as f:
            data = f.read()
        if len(data) != e.size or checksum(data) != e.sum:
            raise StoreError("store: %s: checksum mismatch" % name)
        return data

    def save(self, name, data, heap, timers, wd):
        if not valid_name(name):
            raise StoreError("store: bad app name %r" % name)
        data = bytes(data)
        e = Entry(name, len(data), checksum(data), heap, timers, wd)
        tmp = self._path(name + ".wasm.tmp")
        try:
            with open(tmp, "wb") as f:
                half = len(data) // 2
                f.write(data[:half])
                _pause("app-half-written")
                f.write(data[half:])
        except BaseException:
            # e.g. a full filesystem: no .tmp is left behind until the next
            # start
            _remove(tmp)
            raise
        _pause("app-written")
        self._replace(tmp, self._path(name + ".wasm"))
        _pause("app-renamed")
        entries = [x for x in self.entries if x.name != name] + [e]
        self._write_index(entries)
        self.entries = entries
        _pause("committed")

    def remove(self, name):
        if self.get(name) is None:
            return False
        entries = [x for x in self.entries if x.name != name]
        self._write_index(entries)
        self.entries = entries
        _pause("uninstall-committed")
        _remove(self._path(name + ".wasm"))
        return True

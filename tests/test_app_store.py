"""The app store (wamr_mpy/app/store.py) on the MicroPython unix port: a
directory on the host filesystem and a LittleFS volume (what boards use)
on a RAM block device.  Every state an interrupted install or uninstall can
leave behind loads as the old or the new set of apps, never a partial
one."""
from mp import check_mp

PRELUDE = r"""
import os
from wamr_mpy.app.store import Store, StoreError, checksum, valid_name, INDEX

def ls(d):
    return sorted(os.listdir(d))

def names(st):
    return sorted(e.name for e, path in st.load())

def loaded(st):
    # load() gives each app's file (checked); what it holds
    out = []
    for e, path in st.load():
        with open(path, "rb") as f:
            out.append((e, f.read()))
    return out

def fresh(d):
    try:
        for f in os.listdir(d):
            os.remove(d + "/" + f)
    except OSError:
        pass
    return Store(d)
"""


def run(body, tmp_path, **kw):
    code = PRELUDE + "\nD = %r\n" % str(tmp_path / "store") + body + \
        "\nprint('DONE')\n"
    out = check_mp(code, **kw)
    assert out.rstrip().endswith("DONE"), out
    return out


LFS = r"""
import vfs

class RAMBlockDev:
    def __init__(self, block_size, num_blocks):
        self.block_size = block_size
        self.data = bytearray(block_size * num_blocks)
    def readblocks(self, block_num, buf, offset=0):
        addr = block_num * self.block_size + offset
        buf[:] = self.data[addr:addr + len(buf)]
    def writeblocks(self, block_num, buf, offset=None):
        if offset is None:
            for i in range(len(buf) // self.block_size):
                self.ioctl(6, block_num + i)
            offset = 0
        addr = block_num * self.block_size + offset
        self.data[addr:addr + len(buf)] = buf
    def ioctl(self, op, arg):
        if op == 4:
            return len(self.data) // self.block_size
        if op == 5:
            return self.block_size
        if op == 6:
            addr = arg * self.block_size
            self.data[addr:addr + self.block_size] = b"\xff" * self.block_size
            return 0

"""


def test_save_load_remove(tmp_path):
    run(r"""
st = fresh(D)
assert names(st) == []
a = b"\0asm\1\0\0\0" + bytes(range(200))
st.save("one", a, 8192, 4, None)
st.save("two", a + b"x", 4096, 2, 250)
assert ls(D) == [INDEX, "one.wasm", "two.wasm"]
st2 = Store(D)
got = dict((e.name, (e, data)) for e, data in loaded(st2))
assert sorted(got) == ["one", "two"]
e, data = got["two"]
assert data == a + b"x" and (e.heap, e.timers, e.wd) == (4096, 2, 250)
assert got["one"][0].wd is None
assert st2.read("one") == a
assert st2.remove("one") and not st2.remove("one")
assert ls(D) == [INDEX, "two.wasm"]
assert names(Store(D)) == ["two"]
assert valid_name("app_1-x.y") and not valid_name("../x")
assert not valid_name(".hidden") and not valid_name("a b")
assert not valid_name("x" * 65) and not valid_name("")
assert checksum(b"abc") != checksum(b"abd")
""", tmp_path)


def test_interrupted_states(tmp_path):
    run(r"""
a = b"\0asm\1\0\0\0old"
b = b"\0asm\1\0\0\0new"
def base():
    st = fresh(D)
    st.save("old", a, 1024, 1, None)
    return st
def write(name, data):
    with open(D + "/" + name, "wb") as f:
        f.write(data)

# power lost while the new app's temp file was written
base(); write("new.wasm.tmp", b[:5])
st = Store(D)
assert names(st) == ["old"] and ls(D) == [INDEX, "old.wasm"]
# ... after the rename, before the index was committed
base(); write("new.wasm", b)
assert names(Store(D)) == ["old"] and ls(D) == [INDEX, "old.wasm"]
# ... while the new index was written (not yet renamed)
base(); write("new.wasm", b); write(INDEX + ".tmp", b"wamr-apps 1\napp ne")
assert names(Store(D)) == ["old"] and ls(D) == [INDEX, "old.wasm"]
# an uninstall interrupted after the index commit leaves only a file
st = base(); st.save("new", b, 1024, 1, None)
st._write_index([e for e in st.entries if e.name != "new"])
assert names(Store(D)) == ["old"] and ls(D) == [INDEX, "old.wasm"]
# a damaged app file is not loaded (and reported)
st = base(); st.save("new", b, 1024, 1, None)
write("new.wasm", b[:-1] + b"X")
st = Store(D)
assert names(st) == ["old"] and "checksum" in st.problems[0]
# a torn index (cannot come from our writes) is set aside, not trusted
base()
with open(D + "/" + INDEX) as f:
    text = f.read()
write(INDEX, text[:text.find("end")].encode())      # no "end" line
st = Store(D)
assert names(st) == [] and st.problems
assert INDEX + ".bad" in ls(D)
""", tmp_path)


def test_store_on_littlefs(tmp_path):
    run(LFS + r"""
bdev = RAMBlockDev(4096, 64)
vfs.VfsLfs2.mkfs(bdev)
vfs.mount(vfs.VfsLfs2(bdev), "/lfs")
st = Store("/lfs/apps")
a = b"\0asm\1\0\0\0" + bytes(5000)
st.save("one", a, 8192, 4, None)
st.save("two", a, 8192, 4, 100)
st.remove("one")
st.save("one", a + b"!", 8192, 4, None)      # same name again
vfs.umount("/lfs")
vfs.mount(vfs.VfsLfs2(bdev), "/lfs")         # "reboot"
st = Store("/lfs/apps")
got = dict((e.name, data) for e, data in loaded(st))
assert sorted(got) == ["one", "two"] and got["one"] == a + b"!"
assert sorted(os.listdir("/lfs/apps")) == [INDEX, "one.wasm", "two.wasm"]
""", tmp_path)


def test_full_flash_leaves_no_partial_app(tmp_path):
    """A module that does not fit is refused with a clear error before it
    is written (the filesystem's free space), and a write that runs out of
    room anyway (OSError 28) leaves the volume as it was: no
    NAME.wasm.tmp, the old apps intact."""
    run(LFS + r"""
bdev = RAMBlockDev(4096, 16)                 # 64 KiB of flash
vfs.VfsLfs2.mkfs(bdev)
vfs.mount(vfs.VfsLfs2(bdev), "/lfs")
st = Store("/lfs/apps")
a = b"\0asm\1\0\0\0" + bytes(8000)
st.save("one", a, 8192, 4, None)
try:
    st.save("big", a + bytes(100000), 8192, 4, None)
    raise SystemExit("saved 108 KB on 64 KiB of flash")
except StoreError as e:
    assert "no room for 108008 bytes" in str(e), e
assert sorted(os.listdir("/lfs/apps")) == [INDEX, "one.wasm"]
# the size unknown in advance: the write itself fails
w = st.writer("big")
try:
    for i in range(40):
        w.write(bytes(4096))
    raise SystemExit("wrote 160 KiB on 64 KiB of flash")
except OSError as e:
    assert e.errno == 28, e                  # ENOSPC
assert sorted(os.listdir("/lfs/apps")) == [INDEX, "one.wasm"]
st = Store("/lfs/apps")
assert [(e.name, data == a) for e, data in loaded(st)] == [("one", True)]
st.save("two", a, 8192, 4, None)             # the space came back
""", tmp_path)


def test_failed_rename_leaves_no_tmp(tmp_path):
    """A save whose last step fails (the rename of NAME.wasm.tmp: a
    filesystem error) raises and leaves the store as it was, no
    NAME.wasm.tmp until the next start."""
    run(r"""
st = fresh(D)
st.save("one", b"\0asm\1\0\0\0", 8192, 4, None)
before = ls(D)
real = st._replace
def failing(src, dst):
    if src.endswith(".wasm.tmp"):
        raise OSError(5)
    real(src, dst)
st._replace = failing
try:
    st.save("two", b"\0asm\1\0\0\0" + bytes(100), 8192, 4, None)
    raise SystemExit("saved with a failing rename")
except OSError as e:
    assert e.args[0] == 5, e
assert ls(D) == before, ls(D)
assert names(Store(D)) == ["one"]
""", tmp_path)

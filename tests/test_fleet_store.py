"""The app store's versions (wamr_mpy/app/store.py: stage, commit_replace,
commit_rollback) on the MicroPython unix port: what a fresh boot finds
after each step, and which files remain."""

from mp import ROOT, check_mp
from test_unix32 import mp32, run32  # noqa: F401 (a fixture)

CODE = r"""
import os
from wamr_mpy.app.store import Store
d = %r

def content(path):
    with open(path, "rb") as f:
        return f.read()

def boot():
    t = Store(d)
    got = [(e.name, content(path)) for e, path in t.load()]
    prev = content(t.path("a", prev=True)) if "a" in t.prevs else None
    print("boot", got, prev, sorted(os.listdir(d)))
    return t

s = Store(d)
s.load()
s.save("a", b"v1", 1024, 2, None)
st = s.stage("a", b"v2", 1024, 2, 50)
print("staged", st.file)
s = boot()                      # not committed: v1, the staged file gone
st = s.stage("a", b"v2", 1024, 2, 50)
s.commit_replace(st)
s = boot()                      # v2 current, v1 kept
st = s.stage("a", b"v3", 1024, 2, None)
print("staged", st.file)
s.commit_replace(st)
s = boot()                      # v3 current, v2 kept, v1 deleted
s.commit_rollback("a")
s = boot()                      # v2 again, nothing kept
try:
    s.commit_rollback("a")
except Exception as e:
    print("error", e)
s.remove("a")
s = boot()
"""


EXPECTED = [
        "staged a~1.wasm",
        "boot [('a', b'v1')] None ['a.wasm', 'apps.idx']",
        "boot [('a', b'v2')] b'v1' ['a.wasm', 'apps.idx', 'a~1.wasm']",
        "staged a~2.wasm",
        "boot [('a', b'v3')] b'v2' ['apps.idx', 'a~1.wasm', 'a~2.wasm']",
        "boot [('a', b'v2')] None ['apps.idx', 'a~1.wasm']",
        "error store: a has no previous version",
        "boot [] None ['apps.idx']",
]


def test_store_versions(tmp_path):
    assert check_mp(CODE % str(tmp_path / "st")).splitlines() == EXPECTED
    idx = (tmp_path / "st" / "apps.idx").read_text()
    assert idx == "wamr-apps 1\nend 0\n"


def test_store_versions_on_unix32(mp32, tmp_path):
    """The same on the 32-bit port (no hashlib there: CRC or Adler sums)."""
    assert run32(mp32, "import sys\nsys.path.insert(0, %r)\n" % ROOT +
                 CODE % str(tmp_path / "st")).splitlines() == EXPECTED


def test_store_reads_the_plain_index(tmp_path):
    """An index written before versions existed (8 fields) still loads."""
    st = tmp_path / "st"
    st.mkdir()
    (st / "b.wasm").write_bytes(b"xy")
    out = check_mp("from wamr_mpy.app.store import Store, checksum\n"
                   "d = %r\n"
                   "with open(d + '/apps.idx', 'w') as f:\n"
                   "    f.write('wamr-apps 1\\napp b 2 %%s 1024 4 - ok\\n'\n"
                   "            'end 1\\n' %% checksum(b'xy'))\n"
                   "s = Store(d)\n"
                   "print([(e.name, e.file, p) for e, p in s.load()])\n"
                   % str(st))
    assert out.strip() == "[('b', 'b.wasm', %r)]" % str(st / "b.wasm")


REPLACES = r"""
import asyncio, gc
from wamr_mpy.app.__main__ import make_manager
from wamr_mpy.app import protocol as P

class Link:
    name = "test"
    alive = True

    def send(self, data):
        print(P.unpack_response(data[8:]).status)

    def close(self):
        pass

async def main():
    mgr = make_manager(%r, quiet=True, port_module=False)
    mgr.start()
    link = Link()
    mgr.add_link(link)
    versions = [open(p, "rb").read() for p in %r]
    def frame(url, wasm):
        return P.encode_frame(2, P.pack_request(P.Request(url, P.PUT,
                                                          P.FMT_RAW, wasm, 1)))
    mgr.feed(link, frame("/applet?name=h", versions[0]))
    for i in range(8):
        await asyncio.sleep_ms(20)
        mgr.feed(link, frame("/applet?name=h&replace=1", versions[1 - i %% 2]))
    await asyncio.sleep_ms(20)
    gc.collect()

asyncio.run(main())
"""


def test_replaces_in_a_row_on_a_small_heap(tmp_path):
    """Eight streamed replaces on a 512 KiB heap: each new version gets the
    old one's linear memory (memory.hand_down)."""
    from test_fleet import HANDLER, version2
    code = REPLACES % (str(tmp_path / "st"), [HANDLER, version2(tmp_path)])
    assert check_mp(code, heapsize="512K").split() == ["65"] * 9

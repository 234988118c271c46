# Replacing an installed app by a new version, and rolling back (APP_STORE).
#
#   PUT  /applet?name=N&replace=1 + wasm   install N, or replace it keeping
#                                           the running version as previous
#   POST /applet?name=N&rollback=1         back to the previous version
#
# The store keeps the old version current until the new one has started
# (on_init returned): the new module is staged in a file of its own (as it
# arrives, like an install: ReplaceStream), the
# old app is stopped (its URLs must be free for the new one), the new one
# is started from its file, and only then one index write makes it
# current.  A new version that does not start is dropped and the old one
# started again; a power loss at any point boots the old or the new
# version, never neither.  Every failure answers 5.00 with a message, as
# the manager's other errors do.

import gc

from .. import memory
from . import protocol as P
from . import attr
from .runner import InstallError
from .store import checksum, StoreError

ERROR = P.INTERNAL_ERROR


def _url(e):
    url = "/applet?name=%s&heap=%d&timers=%d" % (e.name, e.heap, e.timers)
    if e.wd is not None:
        url += "&wd=%d" % e.wd
    return url


def _versions(cur, prev):
    items = [("sum", attr.STRING, cur.sum)]
    if prev is not None:
        items.append(("prev", attr.STRING, prev.sum))
    return attr.encode("Applet Version", items)


def _stop(mgr, app):
    """Stop `app`; returns its linear memories' buffers, zeroed and set
    aside for the next version (its memory of the same size takes one
    instead of looking for a free block of that size, which on a board's
    heap is often no longer there)."""
    inst = getattr(app.runner, "inst", None)
    bufs = []
    if inst is not None and inst.memories:
        # its own memories, not imported ones (still someone else's)
        skip = getattr(getattr(inst, "module", None), "n_mem_imports", 0)
        bufs = [m.data for m in inst.memories[skip:]]
    inst = None
    mgr._stop_app(app)
    app.runner = None
    for b in bufs:
        memory.hand_down(b)
    gc.collect()
    return bufs


def _forget(bufs):
    for b in bufs:
        memory.take_back(b)


def _start(mgr, url, e):
    """Start the stored version `e` (its module is read from its file)."""
    return mgr._install(url, mgr.store.file(e), persist=False, size=e.size)


def _restart(mgr, e):
    """Start the stored version `e` again after a failed switch; None, or
    why it failed."""
    try:
        _start(mgr, _url(e), e)
        return None
    except InstallError as ex:
        mgr.log("upgrade: restarting %s failed: %s" % (e.name, ex.message))
        return ex.message


def _current(mgr, req):
    """(name, running app, its store Entry) for a replace; the Entry is
    None when there is nothing stored to replace."""
    name = P.find_key_value(P.query_of(req.url, "/applet"), "name")
    app = mgr.app_by_name(name) if name else None
    return name, app, mgr.store.get(name) if app is not None else None


def _fail(mgr, req, message):
    mgr.respond(req, ERROR, msg="Replace WASM app failed: " + message)


def replace(mgr, req):
    """A replace whose package came whole."""
    name, app, cur = _current(mgr, req)
    if cur is None:
        mgr.install(req)            # nothing (stored) to replace
        return
    wasm = req.payload
    if wasm and checksum(wasm) == cur.sum:
        mgr.respond(req, P.CREATED, _versions(cur, mgr.store.prevs.get(name)))
        return
    if bytes(wasm[:4]) != b"\0asm":
        _fail(mgr, req, "invalid wasm package type.")
        return
    try:
        staged = mgr.store.stage(name, wasm, cur.heap, cur.timers, cur.wd)
    except (OSError, StoreError) as e:
        _fail(mgr, req, "store: %s" % e)
        return
    _switch(mgr, req, app, cur, staged)


def replace_stream(mgr, req, size):
    """The framer's sink for a replace: staged into the store as it
    arrives (an install when there is nothing to replace)."""
    name, app, cur = _current(mgr, req)
    if cur is None:
        from .install_stream import InstallStream
        return InstallStream(mgr, req, size)
    return ReplaceStream(mgr, req, size, app, cur)


class ReplaceStream:
    def __init__(self, mgr, req, size, app, cur):
        self.mgr = mgr
        self.req = req
        self.app = app
        self.cur = cur
        self.name = cur.name
        self.head = bytearray()     # the package's first bytes: its type
        self.w = None
        self.done = False
        why = mgr.type_error(req.url)
        if why is not None:
            self._fail(why)
            return
        if self.name in mgr.receiving:
            self._fail("a version of %s is arriving already" % self.name)
            return
        try:
            self.w = mgr.store.stage_writer(self.name, size)
        except (OSError, StoreError) as e:
            self._fail("store: %s" % e)
            return
        mgr.receiving.append(self.name)

    def _release(self):
        if self.name in self.mgr.receiving:
            self.mgr.receiving.remove(self.name)

    def _fail(self, message):
        self._release()
        if self.w is not None:
            self.w.discard()
            self.w = None
        if not self.done:
            self.done = True
            _fail(self.mgr, self.req, message)

    def write(self, mv):
        if len(self.head) < 4:
            self.head += mv[:4 - len(self.head)]
        if self.done:
            return              # refused: the rest is read and dropped
        try:
            self.w.write(mv)
        except Exception as e:
            self.w = None       # it removed its file
            self._fail("store: %s" % e)

    def end(self):
        if self.done:
            return
        w = self.w
        try:
            size, csum = w.finish()
        except Exception as e:
            self._fail("store: %s" % e)
            return
        self._release()
        self.done = True
        self.w = None
        cur = self.cur
        store = self.mgr.store
        staged = store.staged(w, size, csum, cur.heap, cur.timers, cur.wd)
        if csum == cur.sum:
            store.discard(staged)
            self.mgr.respond(self.req, P.CREATED,
                             _versions(cur, store.prevs.get(self.name)))
        elif bytes(self.head[:4]) != b"\0asm":
            store.discard(staged)
            _fail(self.mgr, self.req, "invalid wasm package type.")
        else:
            _switch(self.mgr, self.req, self.app, cur, staged)
        self.app = None

    def abort(self):
        """The message will not complete (the link went away)."""
        if not self.done:
            self.done = True
            self._release()
            self.mgr.log("replace of %s abandoned" % self.name)
        if self.w is not None:
            self.w.discard()
            self.w = None


def _switch(mgr, req, app, cur, staged):
    """Stop `app` (version `cur`), start `staged`; commit it, or restart
    `cur` when it does not start."""
    store = mgr.store
    bufs = _stop(mgr, app)
    try:
        new = _start(mgr, req.url, staged)
    except InstallError as e:
        store.discard(staged)
        gc.collect()
        why = _restart(mgr, cur)
        _forget(bufs)
        _fail(mgr, req, "%s; %s" % (
            e.message, "kept the previous version" if why is None else
            "the previous version did not restart either: " + why))
        mgr.post_applets_event()
        return
    _forget(bufs)
    staged.heap, staged.timers, staged.wd = new.heap, new.timers_max, new.wd
    try:
        store.commit_replace(staged)
    except (OSError, StoreError) as e:
        # the new version runs; the old one is what boots
        mgr.log("upgrade: committing %s failed: %s" % (staged.name, e))
    mgr.log("replaced %s (id %d)" % (staged.name, new.id))
    mgr.respond(req, P.CREATED, _versions(staged, cur))
    mgr.post_applets_event()


def rollback(mgr, req):
    name = P.find_key_value(P.query_of(req.url, "/applet"), "name")
    store = mgr.store
    prev = store.prevs.get(name) if name else None
    cur = store.get(name) if name else None
    if prev is None or cur is None:
        mgr.respond(req, ERROR, msg="Rollback failed: no previous version "
                    "of %s is kept" % name)
        return
    app = mgr.app_by_name(name)
    bufs = _stop(mgr, app) if app is not None else []
    app = None
    why = _restart(mgr, prev)
    if why is not None:
        _restart(mgr, cur)
    _forget(bufs)
    if why is not None:
        mgr.respond(req, ERROR, msg="Rollback failed: the previous version "
                    "did not start: " + why)
        mgr.post_applets_event()
        return
    try:
        store.commit_rollback(name)
    except (OSError, StoreError) as e:
        mgr.log("upgrade: committing the rollback of %s failed: %s" % (
            name, e))
    mgr.log("rolled %s back" % name)
    mgr.respond(req, P.CHANGED, _versions(prev, None))
    mgr.post_applets_event()

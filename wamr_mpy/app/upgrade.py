# Replacing an installed app by a new version, and rolling back (APP_STORE).
#
#   PUT  /applet?name=N&replace=1 + wasm   install N, or replace it keeping
#                                           the running version as previous
#   POST /applet?name=N&rollback=1         back to the previous version
#
# The store keeps the old version current until the new one has started
# (on_init returned): the new module is staged in a file of its own, the
# old app is stopped (its URLs must be free for the new one), the new one
# is started from its file, and only then one index write makes it
# current.  A new version that does not start is dropped and the old one
# started again; a power loss at any point boots the old or the new
# version, never neither.  Every failure answers 5.00 with a message, as
# the manager's other errors do.

import gc

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
    mgr._stop_app(app)
    # the stopped instance's linear memory must be free before the next
    # one asks for its own (a heap the size of a board's fragments)
    app.runner = None
    gc.collect()


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


def replace(mgr, req):
    name = P.find_key_value(P.query_of(req.url, "/applet"), "name")
    app = mgr.app_by_name(name) if name else None
    store = mgr.store
    cur = store.get(name) if app is not None else None
    if cur is None:
        mgr.install(req)            # nothing (stored) to replace
        return
    wasm = req.payload
    if wasm and checksum(wasm) == cur.sum:
        mgr.respond(req, P.CREATED, _versions(cur, store.prevs.get(name)))
        return
    if bytes(wasm[:4]) != b"\0asm":
        mgr.respond(req, ERROR, msg="Replace WASM app failed: invalid wasm "
                    "package type.")
        return
    try:
        staged = store.stage(name, wasm, cur.heap, cur.timers, cur.wd)
    except (OSError, StoreError) as e:
        mgr.respond(req, ERROR, msg="Replace WASM app failed: store: %s" % e)
        return
    _stop(mgr, app)
    app = None
    try:
        new = _start(mgr, req.url, staged)
    except InstallError as e:
        store.discard(staged)
        gc.collect()
        why = _restart(mgr, cur)
        mgr.respond(req, ERROR, msg="Replace WASM app failed: %s; %s" % (
            e.message, "kept the previous version" if why is None else
            "the previous version did not restart either: " + why))
        mgr.post_applets_event()
        return
    staged.heap, staged.timers, staged.wd = new.heap, new.timers_max, new.wd
    try:
        store.commit_replace(staged)
    except (OSError, StoreError) as e:
        # the new version runs; the old one is what boots
        mgr.log("upgrade: committing %s failed: %s" % (name, e))
    mgr.log("replaced %s (id %d)" % (name, new.id))
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
    if app is not None:
        _stop(mgr, app)
        app = None
    why = _restart(mgr, prev)
    if why is not None:
        _restart(mgr, cur)
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

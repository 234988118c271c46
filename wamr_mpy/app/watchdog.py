# What the watchdog does when a handler runs out of fuel (APP_WATCHDOG).
# The budget itself is set per call by runner.py; this is the policy: the
# pending request gets 5.00, the trip is logged and published as event
# "/watchdog", and the app is restarted (a fresh instance, on_init again,
# queued requests kept) or uninstalled per APP_WATCHDOG_POLICY and
# APP_WATCHDOG_MAX_RESTARTS.

from . import protocol as P
from . import attr
from .runner import InstallError


def trip(mgr, app, err, req=None):
    """`app`'s handler err.handler ran out of fuel while serving `req`
    (None for timers, sensor events, responses)."""
    app.trips += 1
    mgr.stats["trips"] += 1
    mgr.log("watchdog: %s stopped in %s (fuel budget %s)" % (
        app.name, err.handler, app.fuel))
    if req is not None and req.mid not in (app.sent_mids or ()):
        mgr.respond(req, P.INTERNAL_ERROR,
                    msg="watchdog: app %s ran out of fuel in %s" % (
                        app.name, err.handler))
    # policy "restart", or anything else ("stop", "uninstall"): remove
    restart = mgr.policy == "restart" and app.trips <= mgr.max_restarts
    action = "restarted" if restart else "uninstalled"
    if restart and not restart_app(mgr, app):
        action = "uninstalled"
        restart = False
    if not restart:
        mgr._stop_app(app)
        if mgr.store is not None:
            try:
                mgr.store.remove(app.name)
            except Exception as e:
                mgr.log("store: %s" % e)
        mgr.post_applets_event()
    if mgr.events.is_registered("/watchdog"):
        mgr.post_event("/watchdog", attr.encode("watchdog", [
            ("name", attr.STRING, app.name),
            ("handler", attr.STRING, err.handler),
            ("action", attr.STRING, action),
            ("trips", attr.INT, app.trips)]))


def restart_app(mgr, app):
    """A fresh instance of `app` from its module (kept in RAM, or read back
    from the store); False when that is not possible."""
    wasm = app.wasm
    if wasm is None and mgr.store is not None:
        wasm = mgr.store.path(app.name)
    if wasm is None:
        return False
    err = app.runner.stop()
    if err is not None:
        mgr.log("%s: %s" % (app.name, err))
    mgr._cleanup_app(app)
    # requests can be served by the new instance; responses, timer and
    # sensor events belonged to the old one
    app.queue.keep(lambda i: i is not None and i[0] == "req")
    try:
        mgr._start_app(app, wasm)
    except InstallError as e:
        mgr.log("restart %s failed: %s" % (app.name, e.message))
        return False
    mgr.log("watchdog: %s restarted" % app.name)
    return True

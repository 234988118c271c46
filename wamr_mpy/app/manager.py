# The app manager: WAMR's 2019 app-mgr on asyncio.
#
# Host links deliver frames (feed); requests from the host are handled here:
# /applet (install PUT, uninstall DELETE, query GET), /event/<url>
# (host subscribes PUT / unsubscribes DELETE), /app/<name>/<url> (to one
# app), anything else by the resource table.  Every app has its own bounded
# queue and task; its handlers run to completion one at a time, each under
# a fuel budget (the watchdog), so a runaway handler traps instead of
# hanging the device.  A tripped app is reported (event "watchdog") and
# restarted or uninstalled per configuration (watchdog.py).
#
# Optional parts follow the board's configuration (Kconfig APP_*): a board
# build folds `config.APP_X` into True/False, so the import of a part the
# board leaves out disappears with it.  In its place a stand-in from
# disabled.py refuses what the part would do; the natives tell the app
# (natives.py).  Without APP_MESSAGING the manager still serves /applet and
# requests addressed to an app by name (/app/NAME/...); other URLs get
# 5.01 and published events are dropped.  Without APP_STORE apps live in
# RAM (__main__.py), without APP_WATCHDOG handlers run without a budget.

import sys

try:
    import asyncio
except ImportError:             # pragma: no cover
    asyncio = None
try:
    from gc import mem_free
except ImportError:             # pragma: no cover
    mem_free = None

from .. import config
from . import protocol as P
from . import attr
from .clock import ticks_ms, ticks_diff, tick32, sleep_ms
from .runner import WasmRunner, InstallError, HandlerError, fuel_supported

if config.APP_MESSAGING:
    from .messaging import Resources, Events
if config.APP_TIMERS:
    from .timers import TimerSet
if config.APP_SENSORS:
    from .sensors import Sensors
if config.APP_WATCHDOG:
    from . import watchdog
if config.APP_CONNECTIONS:
    from .connections import Connections
if not (config.APP_MESSAGING and config.APP_TIMERS and config.APP_SENSORS
        and config.APP_CONNECTIONS):
    from . import disabled

OFF = "%s is off in this build (%s)"

# WAMR 2019's app manager answers every error of its own (install,
# uninstall, query, /event/, /app/NAME) 5.00 with an "error message";
# WAMR's host_tool and scripts built on it go by that status.
ERROR = P.INTERNAL_ERROR

# A new link is refused while less heap than this is free: a link costs
# about 2 KiB on the unix port (1 KiB on 32-bit boards), and the unix
# port's select.poll crashes (SIGSEGV in modselect.c) when registering a
# socket runs the heap out.
LINK_HEAP_RESERVE = 4096


def _log_stderr(msg):
    try:
        sys.stderr.write("app-mgr: %s\n" % msg)
    except Exception:
        print("app-mgr:", msg)


class AppQueue:
    """Bounded FIFO with an awaitable get (MicroPython has no
    asyncio.Queue)."""

    def __init__(self, limit):
        self.limit = limit
        self.items = []
        self.ev = asyncio.Event()
        self.dropped = 0

    def put(self, item, force=False):
        if len(self.items) >= self.limit and not force:
            self.dropped += 1
            return False
        self.items.append(item)
        self.ev.set()
        return True

    async def get(self):
        while not self.items:
            self.ev.clear()
            await self.ev.wait()
        return self.items.pop(0)

    def keep(self, pred):
        self.items = [i for i in self.items if pred(i)]

    def __len__(self):
        return len(self.items)


class App:
    def __init__(self, mgr, aid, name, heap, timers, wd, fuel):
        self.mgr = mgr
        self.id = aid
        self.name = name
        self.heap = heap
        self.timers_max = timers
        self.wd = wd
        self.fuel = fuel
        self.queue = AppQueue(getattr(config, "APP_QUEUE_LEN", 16))
        if config.APP_TIMERS:
            self.timers = TimerSet(aid, timers, mgr._timer_fired)
        else:
            self.timers = disabled.NoTimers()
        self.pending_timers = {}
        self.task = None
        self.alive = True
        self.runner = None
        self.wasm = None        # for watchdog restarts without a store
        self.trips = 0
        self.handled = 0
        self.traps = 0
        self.sent_mids = None   # response mids sent during a request handler


class Manager:
    def __init__(self, store=None, log=None, runner=WasmRunner):
        self.log = log or _log_stderr
        self.store = store
        self.runner_factory = runner
        self.apps = []
        self.links = []
        self.receiving = []     # names of apps whose package is arriving
        self._by_inst = {}
        self._next_id = 1
        self._mid = 0
        self._host_mids = []    # [(mid, link)] for routing responses back
        if config.APP_MESSAGING:
            self.resources = Resources(getattr(config, "APP_MAX_RESOURCES", 16))
            self.events = Events(getattr(config, "APP_MAX_EVENTS", 16))
        else:
            self.resources = disabled.NoResources()
            self.events = disabled.NoEvents()
        if config.APP_SENSORS:
            self.sensors = Sensors(self._sensor_event, self.log)
        else:
            self.sensors = disabled.NoSensors(self.log)
        if config.APP_CONNECTIONS:
            self.connections = Connections(self._connection_event, self.log,
                                           getattr(config, "APP_MAX_CONNECTIONS", 2))
        else:
            self.connections = disabled.NoConnections()
        self.max_apps = getattr(config, "APP_MAX_APPS", 8)
        self.heap_default = getattr(config, "APP_HEAP_SIZE", 8192)
        self.heap_min = getattr(config, "APP_HEAP_SIZE_MIN", 1024)
        self.heap_max = getattr(config, "APP_HEAP_SIZE_MAX", 1024 * 1024)
        self.timers_max = getattr(config, "APP_MAX_TIMERS", 8) if config.APP_TIMERS \
            else 0
        # wasm operand/frame stack per app (the VM's STACK_SIZE default is
        # sized for big programs; framework apps are event handlers)
        self.stack_size = getattr(config, "APP_STACK_SIZE", 16384)
        self.max_app_size = getattr(config, "APP_MAX_APP_SIZE", P.MAX_FRAME)
        self.watchdog = config.APP_WATCHDOG
        self.fuel_default = getattr(config, "APP_WATCHDOG_FUEL", 500000)
        # fuel units per millisecond of `wd=`: measured ~150 on the unix
        # port (a tight loop, one unit per back-edge); boards are slower
        self.fuel_per_ms = getattr(config, "APP_FUEL_PER_MS", 150)
        self.policy = getattr(config, "APP_WATCHDOG_POLICY", "restart")
        self.max_restarts = getattr(config, "APP_WATCHDOG_MAX_RESTARTS", 3)
        self.link_quiet_ms = getattr(config, "APP_LINK_TIMEOUT_MS", 1000)
        self.max_links = getattr(config, "APP_MAX_LINKS", 4)
        self.stats = {"frames": 0, "bad_frames": 0, "requests": 0,
                      "trips": 0, "refused_links": 0}
        self._refusing = 0      # links refused since the last one was let in
        self.watchers = []      # called after every install/uninstall
        self._house = None

    # ------------------------------------------------------------------ ids

    def next_mid(self):
        self._mid = (self._mid + 1) & 0xFFFFFFFF
        return self._mid

    def app_by_id(self, aid):
        aid &= 0xFFFFFFFF
        for a in self.apps:
            if a.id == aid:
                return a
        return None

    def app_by_name(self, name):
        for a in self.apps:
            if a.name == name:
                return a
        return None

    def bind_instance(self, inst, app):
        self._by_inst[id(inst)] = app

    def unbind_instance(self, inst):
        self._by_inst.pop(id(inst), None)

    def app_of(self, inst):
        app = self._by_inst.get(id(inst))
        if app is None:
            raise ValueError("app framework: the calling instance is not an "
                             "installed app")
        return app

    # ---------------------------------------------------------------- links

    def _open_stream(self, link, t, prefix, size):
        """The framer has the request head of a `size`-byte frame: an
        install (PUT /applet) is received as it arrives, into the store,
        by an InstallStream; anything else is left to be buffered (None)."""
        req = P.install_head(prefix, size)
        if req is None:
            return None
        self.stats["frames"] += 1
        self.stats["requests"] += 1
        req.sender = P.ID_HOST
        self._remember_mid(req.mid, link)
        if self._versions(req, P.query_of(req.url, "/applet")):
            from .upgrade import replace_stream
            return replace_stream(self, req, size - len(prefix))
        from .install_stream import InstallStream
        return InstallStream(self, req, size - len(prefix))

    def add_link(self, link):
        """Serve `link`; False when it is refused (APP_MAX_LINKS links are
        open, or the heap is short): the transport then closes it, so a
        flood of connections cannot exhaust the heap."""
        why = None
        if len(self.links) >= self.max_links:
            why = "%d links open (APP_MAX_LINKS)" % len(self.links)
        elif mem_free is not None and mem_free() < LINK_HEAP_RESERVE:
            why = "%d bytes of heap free" % mem_free()
        if why is not None:
            if not self._refusing:
                self.log("link %s refused: %s; refusing more until one "
                         "closes" % (link.name, why))
            self._refusing += 1
            self.stats["refused_links"] += 1
            return False
        if self._refusing:
            self.log("links: %d refused while full" % self._refusing)
            self._refusing = 0
        def stream(t, prefix, size):
            return self._open_stream(link, t, prefix, size)
        link.framer = P.Framer(getattr(config, "APP_MAX_FRAME", P.MAX_FRAME), stream)
        link.last_rx = ticks_ms()
        self.links.append(link)
        return True

    def remove_link(self, link):
        fr = getattr(link, "framer", None)
        if fr is not None:
            fr.abort()          # an install arriving on it is dropped
        link.alive = False
        if link in self.links:
            self.links.remove(link)
        self._host_mids = [m for m in self._host_mids if m[1] is not link]

    def feed(self, link, data):
        """Bytes from a host link."""
        link.last_rx = ticks_ms()

        def on_frame(t, payload):
            return self.on_frame(link, t, payload)
        try:
            link.framer.feed(data, on_frame)
        except Exception as e:
            # e.g. MemoryError building a response: drop the partial frame
            # state and keep the link
            self.log("link %s: %r" % (link.name, e))
            link.framer.abort()

    def _expire_links(self):
        now = ticks_ms()
        for link in list(self.links):
            fr = link.framer
            if fr.busy() and ticks_diff(now, link.last_rx) > \
                    self.link_quiet_ms:
                self.log("link %s: dropping an unfinished frame" % link.name)

                def on_frame(t, payload, link=link):
                    return self.on_frame(link, t, payload)
                fr.expire(on_frame)

    def on_frame(self, link, t, payload):
        """One complete frame from the host; False when it is malformed (the
        framer then rescans its bytes)."""
        self.stats["frames"] += 1
        if t == P.TYPE_REQUEST or t == P.TYPE_INSTALL:
            try:
                req = P.unpack_request(payload)
            except P.ProtocolError:
                self.stats["bad_frames"] += 1
                return False
            except MemoryError:
                # no room for the request's copy (a big install on a small
                # heap): answer from its header, do not leave the host
                # waiting for a response that never comes
                self._out_of_memory(link, payload)
                return True
            req.sender = P.ID_HOST
            try:
                if t == P.TYPE_INSTALL and not (
                        P.check_url_start(req.url, "/applet") and
                        req.action == P.PUT):
                    self.respond(req, ERROR,
                                 msg="install frame must be PUT /applet")
                else:
                    self.host_request(req, link)
            except Exception as e:   # never let one request kill the link
                self.log("internal error on %s: %r" % (req.url, e))
                try:
                    self.respond(req, P.INTERNAL_ERROR,
                                 msg="internal error: %s" % e)
                except Exception:
                    pass
            return True
        if t == P.TYPE_RESPONSE:
            try:
                P.unpack_response(payload)
            except P.ProtocolError:
                self.stats["bad_frames"] += 1
                return False
            return True         # responses from the host are not used
        self.stats["bad_frames"] += 1
        return False

    def _out_of_memory(self, link, frame):
        req = P.request_head(frame)
        req.sender = P.ID_HOST
        msg = "out of memory for a %d-byte request" % len(frame)
        self.log("link %s: %s" % (link.name, msg))
        self._remember_mid(req.mid, link)
        self.respond(req, P.INTERNAL_ERROR, msg=msg)

    def _remember_mid(self, mid, link):
        self._host_mids.append((mid, link))
        if len(self._host_mids) > 32:
            self._host_mids.pop(0)

    def to_host(self, msg_type, payload, mid=None):
        data = P.encode_frame(msg_type, payload)
        if mid is not None:
            for i in range(len(self._host_mids) - 1, -1, -1):
                m, link = self._host_mids[i]
                if m == mid:
                    del self._host_mids[i]
                    if link.alive:
                        self._send(link, data)
                        return
                    break
        for link in list(self.links):
            self._send(link, data)

    def _send(self, link, data):
        try:
            link.send(data)
        except Exception as e:
            self.log("link %s: send failed: %s" % (link.name, e))
            self.remove_link(link)

    # ------------------------------------------------------- host requests

    def host_request(self, req, link=None):
        self.stats["requests"] += 1
        if link is not None:
            self._remember_mid(req.mid, link)
        url = req.url
        if P.check_url_start(url, "/applet") > 0:
            self._applet(req)
        elif P.check_url_start(url, "/event/") > 0:
            self._host_event_reg(req)
        else:
            self.dispatch(req)

    def type_error(self, url):
        """Why an /applet request's type= is refused, or None."""
        mtype = P.find_key_value(P.query_of(url, "/applet"), "type")
        if mtype not in (None, "", "wasm"):
            return "Applet Management failed: invalid module type."
        return None

    def _applet(self, req):
        q = P.query_of(req.url, "/applet")
        why = self.type_error(req.url)
        if why is not None:
            self.respond(req, ERROR, msg=why)
        elif self._versions(req, q):
            # new versions that keep the previous one (upgrade.py)
            from . import upgrade
            if req.action == P.PUT:
                upgrade.replace(self, req)
            else:
                upgrade.rollback(self, req)
        elif req.action == P.PUT:
            self.install(req)
        elif req.action == P.DELETE:
            self.uninstall(req)
        elif req.action == P.GET:
            self.query(req, P.find_key_value(q, "name") or None)
        else:
            self.respond(req, ERROR,
                         msg="Invalid request of applet: invalid action")

    def _versions(self, req, q):
        """A replace (PUT ...&replace=1) or rollback (POST ...&rollback=1)
        request, for a manager with a store."""
        return config.APP_STORE and self.store is not None and (
            (req.action == P.PUT and P.find_key_value(q, "replace")) or
            (req.action == P.POST and P.find_key_value(q, "rollback")))

    def _host_event_reg(self, req):
        if not config.APP_MESSAGING:
            self.respond(req, P.NOT_IMPLEMENTED,
                         msg=OFF % ("pub/sub", "APP_MESSAGING"))
            return
        off = P.check_url_start(req.url, "/event/")
        url = req.url[off:]
        if req.action == P.PUT:
            ok = self.events.subscribe(url, P.ID_HOST)
        elif req.action == P.DELETE:
            ok = self.events.unsubscribe(url, P.ID_HOST)
        else:
            self.respond(req, ERROR,
                         msg="Handle event request failed: invalid action")
            return
        if ok:
            self.respond(req, P.CONTENT)
        else:
            self.respond(req, ERROR, msg="Handle event request failed.")

    # ---------------------------------------------------------- app admin

    def _int_param(self, q, key):
        v = P.find_key_value(q, key)
        if v is None or v == "":
            return None
        try:
            return int(v)
        except ValueError:
            raise InstallError("invalid %s=%s" % (key, v))

    def install(self, req):
        """An install whose package came whole (not streamed)."""
        try:
            app = self._install(req.url, req.payload)
        except InstallError as e:
            self.install_failed(req, e.message)
            return
        self.installed(req, app)

    def installed(self, req, app):
        self.log("installed %s (id %d)" % (app.name, app.id))
        self.respond(req, P.CREATED)
        self.post_applets_event()

    def install_failed(self, req, message, lead="Install WASM app failed: "):
        self.log("install of %s failed: %s" % (P.find_key_value(
            P.query_of(req.url, "/applet"), "name"), message))
        self.respond(req, ERROR, msg=lead + message)

    def check_install(self, url, size):
        """The checks an install passes before its package is looked at;
        returns the app's name, raises InstallError."""
        name = P.find_key_value(P.query_of(url, "/applet"), "name")
        if not name:
            raise InstallError("invalid app name.")
        if not P.valid_name(name):
            raise InstallError("invalid app name %r." % name)
        if self.app_by_name(name) is not None or name in self.receiving:
            raise InstallError("app already installed.")
        if len(self.apps) >= self.max_apps:
            raise InstallError("exceed max app installations.")
        if not size:
            raise InstallError("invalid wasm file.")
        if size > self.max_app_size:
            raise InstallError("app is %d bytes, limit %d"
                               % (size, self.max_app_size))
        return name

    def check_package(self, head):
        """The first bytes of a package say what it is."""
        if bytes(head[:4]) != b"\0asm":
            if bytes(head[:4]) == b"\0aot":
                raise InstallError("AOT packages are not supported.")
            raise InstallError("invalid wasm package type.")

    def _install(self, url, wasm, persist=True, size=None):
        """Install from `wasm`: the module's bytes, or the path of its file
        in the store (written there as it arrived, or at an earlier boot;
        `size` bytes, already checked)."""
        in_store = isinstance(wasm, str)
        name = self.check_install(url, size if in_store else len(wasm))
        if not in_store:
            self.check_package(wasm)
        q = P.query_of(url, "/applet")
        heap = self._int_param(q, "heap")
        heap = self.heap_default if heap is None else \
            min(max(heap, self.heap_min), self.heap_max)
        timers = self._int_param(q, "timers")
        timers = self.timers_max if timers is None or timers <= 0 else \
            min(timers, self.timers_max)
        wd = self._int_param(q, "wd")
        if wd is not None and wd <= 0:
            wd = None
        app = self._new_app(name, heap, timers, wd)
        try:
            self._start_app(app, wasm)
        except BaseException:
            self._drop_app(app)
            self._give_back_id(app)
            raise
        if persist and self.store is not None and not in_store:
            try:
                self.store.save(name, wasm, heap, timers, wd)
            except Exception as e:
                self.remove_failed(app)
                raise InstallError("saving the app failed: %s" % e)
        if self.store is None and self.watchdog and \
                self.policy == "restart":
            app.wasm = wasm
        app.task = asyncio.create_task(self._app_loop(app))
        return app

    def remove_failed(self, app):
        """Take back an app whose install failed after it started."""
        self._stop_app(app)
        self._give_back_id(app)

    def _new_app(self, name, heap, timers, wd):
        aid = self._next_id
        self._next_id += 1
        if self._next_id >= 0xFFFFFFF0:
            self._next_id = 1
        fuel = None
        if self.watchdog:
            fuel = self.fuel_default if wd is None else wd * self.fuel_per_ms
        app = App(self, aid, name, heap, timers, wd, fuel)
        self.apps.append(app)
        return app

    def _give_back_id(self, app):
        """A failed install does not use up an id (installs run one at a
        time, so the id it took is the last one handed out)."""
        if self._next_id == app.id + 1:
            self._next_id = app.id

    def _start_app(self, app, wasm):
        app.runner = self.runner_factory(self, app)
        try:
            app.runner.start(wasm)
        except HandlerError as e:
            if e.fuel:
                self.stats["trips"] += 1
                raise InstallError("watchdog: %s ran out of fuel" % e.handler)
            raise InstallError("%s trapped: %s" % (
                e.handler, e.message))
        except InstallError:
            raise
        except Exception as e:
            raise InstallError("start failed: %r" % (e,))
        if self.watchdog and app.fuel is not None and \
                app.runner.inst is not None and \
                not fuel_supported(app.runner.inst):
            self.log("warning: the VM has no fuel counter; the watchdog "
                     "cannot stop %s" % app.name)

    def _cleanup_app(self, app):
        """Forget everything the app registered (its instance stays)."""
        self.resources.unregister_owner(app.id)
        self.events.unsubscribe(None, app.id)
        self.sensors.close_all(app.id)
        self.connections.close_all(app.id)
        app.timers.close()
        app.pending_timers = {}

    def _drop_app(self, app):
        """Remove an app whose start failed (no on_destroy)."""
        self._cleanup_app(app)
        if app.runner is not None:
            app.runner.stop(call_destroy=False)
        if app in self.apps:
            self.apps.remove(app)

    def _stop_app(self, app):
        """Stop a running app: on_destroy, then drop it."""
        app.alive = False
        cur = None
        try:
            cur = asyncio.current_task()
        except Exception:
            pass
        if app.task is not None and app.task is not cur:
            app.task.cancel()
        app.task = None
        app.queue.put(None, force=True)     # wake the loop if it is ours
        # on_destroy first (it may still close sensors, cancel timers...),
        # then forget whatever the app left registered
        if app.runner is not None:
            err = app.runner.stop()
            if err is not None:
                self.log("%s: %s" % (app.name, err))
        self._cleanup_app(app)
        if app in self.apps:
            self.apps.remove(app)

    def uninstall(self, req):
        name = P.find_key_value(P.query_of(req.url, "/applet"), "name")
        if not name:
            self.respond(req, ERROR,
                         msg="Uninstall WASM app failed: invalid app name.")
            return
        app = self.app_by_name(name)
        if app is None:
            self.respond(req, ERROR,
                         msg="Uninstall WASM app failed: no app found.")
            return
        self._stop_app(app)
        if self.store is not None:
            try:
                self.store.remove(name)
            except Exception as e:
                self.log("store: removing %s failed: %s" % (name, e))
        self.log("uninstalled %s" % name)
        self.respond(req, P.DELETED)
        self.post_applets_event()

    def query(self, req, name=None):
        items = []
        if name is None:
            items.append(("num", attr.INT, len(self.apps)))
            i = 0
            for a in self.apps:
                i += 1
                items.append(("applet%d" % i, attr.STRING, a.name))
                items.append(("heap%d" % i, attr.INT, a.heap))
        else:
            a = self.app_by_name(name)
            if a is None:
                self.respond(req, ERROR,
                             msg="Query Applet failed: the app is not found.")
                return
            items.append(("name", attr.STRING, a.name))
            items.append(("heap", attr.INT, a.heap))
            items.append(("timers", attr.INT, a.timers_max))
            items.append(("wd", attr.INT, a.wd or 0))
            items.append(("fuel", attr.INT64, a.fuel or 0))
            items.append(("restarts", attr.INT, a.trips))
            items.append(("queued", attr.INT, len(a.queue)))
        self.respond(req, P.CONTENT, attr.encode("Applets Info", items),
                     P.FMT_ATTR)

    def applets_payload(self, tag="All Applets"):
        items = [("num", attr.INT, len(self.apps))]
        i = 0
        for a in self.apps:
            i += 1
            items.append(("applet%d" % i, attr.STRING, a.name))
            items.append(("heap%d" % i, attr.INT, a.heap))
        return attr.encode(tag, items)

    def post_applets_event(self):
        for w in self.watchers:
            w()
        if self.events.is_registered("/applets"):
            self.post_event("/applets", self.applets_payload())

    def post_event(self, url, payload, fmt=P.FMT_ATTR):
        ev = P.Request(url, P.EVENT, fmt, payload, self.next_mid(),
                       P.ID_APP_MGR)
        self.publish(ev)

    # ------------------------------------------------------------- routing

    def register_resource(self, url, handler):
        """A manager-side resource: handler(request) is called for requests
        to `url` from the host or apps; it replies with mgr.respond().
        False when the URL is taken (or messaging is off)."""
        if not config.APP_MESSAGING:
            self.log(OFF % ("messaging", "APP_MESSAGING") +
                     ": resource %s not registered" % url)
            return False
        return self.resources.register(url, P.ID_APP_MGR, handler)

    def respond(self, req, status, payload=b"", fmt=P.FMT_ATTR, msg=None):
        """Reply to `req`'s sender (nothing for events)."""
        if req.action == P.EVENT:
            return
        if msg is not None:
            payload = attr.encode("", [("error message", attr.STRING, msg)])
            fmt = P.FMT_ATTR
        self.send_response(P.Response(status, fmt, payload, req.mid,
                                      req.sender))

    def send_response(self, resp):
        rcv = resp.receiver & 0xFFFFFFFF
        if rcv == P.ID_HOST:
            self.to_host(P.TYPE_RESPONSE, P.pack_response(resp), resp.mid)
            return
        app = self.app_by_id(rcv)
        if app is None:
            self.log("dropping a response for unknown receiver %d" % rcv)
            return
        if not app.queue.put(("resp", resp)):
            self.log("%s: queue full, response dropped" % app.name)

    def dispatch(self, req):
        """Route a request (or event) from the host or an app."""
        url = req.url
        off = P.check_url_start(url, "/app/")
        if off > 0:
            rest = url[off:]
            cut = rest.find("/")
            name = rest if cut < 0 else rest[:cut]
            app = self.app_by_name(name) if cut > 0 else None
            if app is None:
                self.respond(req, ERROR, msg="Send request to applet "
                             "failed: invalid applet name")
                return
            fwd = P.Request(rest[cut + 1:], req.action, req.fmt, req.payload,
                            req.mid, req.sender)
            self.post_request(app, fwd)
            return
        if req.action == P.EVENT:
            self.publish(req)
            return
        r = self.resources.lookup(url)
        if r is None:
            if config.APP_MESSAGING:
                self.respond(req, P.NOT_FOUND,
                             msg="no resource for %s" % url)
            else:
                self.respond(req, P.NOT_IMPLEMENTED, msg=OFF % (
                    "messaging", "APP_MESSAGING") + ": only /applet and "
                    "/app/NAME/... are served")
            return
        owner = r[1]
        if owner == P.ID_APP_MGR:
            try:
                r[2](req)
            except Exception as e:
                self.log("resource %s failed: %r" % (r[0], e))
                self.respond(req, P.INTERNAL_ERROR, msg=str(e))
            return
        app = self.app_by_id(owner)
        if app is None:
            self.respond(req, P.NOT_FOUND, msg="no resource for %s" % url)
            return
        self.post_request(app, req)

    def post_request(self, app, req):
        if not app.alive or not app.queue.put(("req", req)):
            self.respond(req, P.SERVICE_UNAVAILABLE,
                         msg="app %s cannot take requests now" % app.name)

    def publish(self, ev):
        if not config.APP_MESSAGING:
            self.log(OFF % ("pub/sub", "APP_MESSAGING") +
                     ": event %s dropped" % ev.url)
            return
        for sub in self.events.subscribers(ev.url):
            if sub == P.ID_HOST:
                self.to_host(P.TYPE_REQUEST, P.pack_request(ev))
            else:
                app = self.app_by_id(sub)
                if app is not None and app.alive:
                    if not app.queue.put(("req", ev)):
                        self.log("%s: queue full, event dropped" % app.name)

    # ------------------------------------------------- calls from natives

    def app_post_request(self, app, req):
        req.sender = app.id
        if P.check_url_start(req.url, "/applet") > 0 or \
                P.check_url_start(req.url, "/event/") > 0:
            if req.action == P.GET and \
                    P.check_url_start(req.url, "/applet") > 0:
                self.query(req, P.find_key_value(
                    P.query_of(req.url, "/applet"), "name") or None)
            else:
                self.respond(req, ERROR,
                             msg="apps cannot manage apps or host events")
            return
        self.dispatch(req)

    def app_send_response(self, app, resp):
        if app.sent_mids is not None:
            app.sent_mids.append(resp.mid)
        self.send_response(resp)

    def _timer_fired(self, owner, tid):
        app = self.app_by_id(owner)
        if app is None or not app.alive or tid in app.pending_timers:
            return
        if app.queue.put(("timer", tid)):
            app.pending_timers[tid] = True

    def _sensor_event(self, owner, sid, payload):
        app = self.app_by_id(owner)
        if app is not None and app.alive:
            app.queue.put(("sensor", sid, payload))

    def _connection_event(self, owner, handle, data):
        app = self.app_by_id(owner)
        if app is not None and app.alive:
            if not app.queue.put(("conn", handle, data)):
                self.log("%s: queue full, connection data dropped" % app.name)

    # ------------------------------------------------------------ app loop

    async def _app_loop(self, app):
        q = app.queue
        while app.alive:
            item = await q.get()
            if item is None or not app.alive:
                break
            try:
                self._handle(app, item)
            except Exception as e:
                self.log("%s: internal error: %r" % (app.name, e))
            await sleep_ms(0)

    def _handle(self, app, item):
        kind = item[0]
        app.handled += 1
        req = None
        try:
            if kind == "req":
                req = item[1]
                app.sent_mids = []
                app.runner.request(P.pack_request(req))
            elif kind == "resp":
                app.runner.response(P.pack_response(item[1]))
            elif kind == "timer":
                app.pending_timers.pop(item[1], None)
                if app.timers.get(item[1]) is not None:
                    app.runner.timer(item[1])
            elif kind == "sensor":
                app.runner.sensor(item[1], item[2])
            elif kind == "conn":
                app.runner.connection(item[1], item[2])
        except HandlerError as e:
            app.traps += 1
            if e.fuel and config.APP_WATCHDOG:
                watchdog.trip(self, app, e, req)
            else:
                self.log("%s: %s" % (app.name, e))
                if req is not None and req.mid not in (app.sent_mids or ()):
                    self.respond(req, P.INTERNAL_ERROR, msg="app %s: %s" % (
                        app.name, e))
        finally:
            app.sent_mids = None

    # ----------------------------------------------------------------- boot

    def boot(self):
        """Reinstall the apps saved in the store."""
        if self.store is None:
            return []
        done = []
        for e, path in self.store.load():
            url = "/applet?name=%s&heap=%d&timers=%d" % (e.name, e.heap,
                                                         e.timers)
            if e.wd is not None:
                url += "&wd=%d" % e.wd
            try:
                self._install(url, path, persist=False, size=e.size)
                done.append(e.name)
                self.log("restored %s" % e.name)
            except InstallError as ex:
                self.log("restoring %s failed: %s" % (e.name, ex.message))
        if done:
            self.post_applets_event()
        return done

    def start(self):
        if self._house is None:
            self._house = asyncio.create_task(self._housekeeping())

    async def _housekeeping(self):
        while True:
            await sleep_ms(200)
            tick32()
            try:
                self._expire_links()
            except Exception as e:
                self.log("housekeeping: %r" % (e,))

    def shutdown(self):
        for app in list(self.apps):
            self._stop_app(app)
        self.sensors.stop()
        self.connections.stop()
        if self._house is not None:
            self._house.cancel()
            self._house = None

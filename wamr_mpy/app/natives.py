# The framework's native API for apps (module "env"), with WAMR 2019's
# names and signatures (native_interface.h):
#   wasm_register_resource(url)                       ($)
#   wasm_response_send(buf, size) -> bool             (*~)i
#   wasm_post_request(buf, size)                      (*~)
#   wasm_sub_event(url)                               ($)
#   wasm_create_timer(interval, periodic, auto) -> id (iii)i
#   wasm_timer_destroy(id) / _cancel(id)              (i)
#   wasm_timer_restart(id, interval)                  (ii)
#   wasm_get_sys_tick_ms() -> u32                     ()i
#   wasm_sensor_open(name, instance) -> id            ($i)i
#   wasm_sensor_config(id, interval, bit_cfg, delay)  (iiii)i
#   wasm_sensor_config_with_attr_container(id, buf, len)  (i*~)i
#   wasm_sensor_close(id) -> bool                     (i)i
#   wasm_open_connection(name, args, len) -> handle   ($*~)i
#   wasm_close_connection(handle)                     (i)
#   wasm_send_on_connection(handle, buf, len) -> n    (i*~)i
#   wasm_config_connection(handle, cfg, len) -> bool  (i*~)i
# Buffers are bounds-checked by wamr_mpy.native before these run; a
# malformed packet is refused (false / ignored) like WAMR did.
#
# Every native is registered whatever the board's configuration, so an app
# built against the full SDK always links.  Those of a part the board
# leaves out (APP_MESSAGING: resources and event subscriptions, APP_TIMERS,
# APP_SENSORS, APP_CONNECTIONS) refuse with the value the real one gives
# when it cannot serve (timer/sensor/connection id 0xFFFFFFFF, false,
# nothing) and log why, once per app and native.  The real versions sit under `if config.APP_X:` so a
# board build drops them.

from .. import config
from .. import native
from . import protocol as P
from .clock import tick32

_mgr = None
_told = []      # (app id, native) already reported as off


def _app(inst):
    return _mgr.app_of(inst)


def _s32(v):
    v &= 0xFFFFFFFF
    return v - 0x100000000 if v & 0x80000000 else v


def _off(name, option, result=None):
    """The native `name` of a part that is off: log and return `result`."""
    def refuse(inst, *args):
        app = _app(inst)
        key = (app.id, name)
        if key not in _told:
            if len(_told) < 64:
                _told.append(key)
            _mgr.log("%s: %s refused: %s is off in this build" % (
                app.name, name, option))
        return result
    return refuse


if config.APP_MESSAGING:
    def wasm_register_resource(inst, url):
        app = _app(inst)
        if not _mgr.resources.register(url, app.id):
            _mgr.log("%s: cannot register resource %r" % (app.name, url))

    def wasm_sub_event(inst, url):
        app = _app(inst)
        if not _mgr.events.subscribe(url, app.id):
            _mgr.log("%s: cannot subscribe %r" % (app.name, url))
else:
    wasm_register_resource = _off("wasm_register_resource", "APP_MESSAGING")
    wasm_sub_event = _off("wasm_sub_event", "APP_MESSAGING")


def wasm_response_send(inst, buf, size):
    app = _app(inst)
    try:
        resp = P.unpack_response(buf)
    except P.ProtocolError as e:
        _mgr.log("%s: bad response packet: %s" % (app.name, e))
        return 0
    _mgr.app_send_response(app, resp)
    return 1


def wasm_post_request(inst, buf, size):
    app = _app(inst)
    try:
        req = P.unpack_request(buf)
    except P.ProtocolError as e:
        _mgr.log("%s: bad request packet: %s" % (app.name, e))
        return
    _mgr.app_post_request(app, req)


if config.APP_TIMERS:
    def wasm_create_timer(inst, interval, is_period, auto_start):
        app = _app(inst)
        return _s32(app.timers.create(interval, is_period != 0,
                                      auto_start != 0))

    def wasm_timer_destroy(inst, tid):
        app = _app(inst)
        app.timers.destroy(tid)
        app.pending_timers.pop(tid & 0xFFFFFFFF, None)

    def wasm_timer_cancel(inst, tid):
        _app(inst).timers.cancel(tid)

    def wasm_timer_restart(inst, tid, interval):
        _app(inst).timers.restart(tid, interval)
else:
    wasm_create_timer = _off("wasm_create_timer", "APP_TIMERS", -1)
    wasm_timer_destroy = _off("wasm_timer_destroy", "APP_TIMERS")
    wasm_timer_cancel = _off("wasm_timer_cancel", "APP_TIMERS")
    wasm_timer_restart = _off("wasm_timer_restart", "APP_TIMERS")


def wasm_get_sys_tick_ms(inst):
    return _s32(tick32())


if config.APP_SENSORS:
    def wasm_sensor_open(inst, name, instance):
        app = _app(inst)
        return _s32(_mgr.sensors.open(app.id, name, instance))

    def wasm_sensor_config(inst, sid, interval, bit_cfg, delay):
        app = _app(inst)
        return 1 if _mgr.sensors.config(app.id, sid, interval, bit_cfg,
                                        delay) else 0

    def wasm_sensor_config_with_attr_container(inst, sid, buf, size):
        app = _app(inst)
        return 1 if _mgr.sensors.config_attr(app.id, sid, bytes(buf)) else 0

    def wasm_sensor_close(inst, sid):
        app = _app(inst)
        return 1 if _mgr.sensors.close(app.id, sid) else 0
else:
    wasm_sensor_open = _off("wasm_sensor_open", "APP_SENSORS", -1)
    wasm_sensor_config = _off("wasm_sensor_config", "APP_SENSORS", 0)
    wasm_sensor_config_with_attr_container = _off(
        "wasm_sensor_config_with_attr_container", "APP_SENSORS", 0)
    wasm_sensor_close = _off("wasm_sensor_close", "APP_SENSORS", 0)


if config.APP_CONNECTIONS:
    def wasm_open_connection(inst, name, buf, size):
        app = _app(inst)
        return _s32(_mgr.connections.open(app.id, name, bytes(buf)))

    def wasm_close_connection(inst, handle):
        _mgr.connections.close(_app(inst).id, handle)

    def wasm_send_on_connection(inst, handle, buf, size):
        return _mgr.connections.send(_app(inst).id, handle, bytes(buf))

    def wasm_config_connection(inst, handle, buf, size):
        app = _app(inst)
        return 1 if _mgr.connections.config(app.id, handle, bytes(buf)) \
            else 0
else:
    wasm_open_connection = _off("wasm_open_connection", "APP_CONNECTIONS", -1)
    wasm_close_connection = _off("wasm_close_connection", "APP_CONNECTIONS")
    wasm_send_on_connection = _off("wasm_send_on_connection",
                                   "APP_CONNECTIONS", -1)
    wasm_config_connection = _off("wasm_config_connection",
                                  "APP_CONNECTIONS", 0)


TABLE = (
    ("wasm_register_resource", wasm_register_resource, "($)"),
    ("wasm_response_send", wasm_response_send, "(*~)i"),
    ("wasm_post_request", wasm_post_request, "(*~)"),
    ("wasm_sub_event", wasm_sub_event, "($)"),
    ("wasm_create_timer", wasm_create_timer, "(iii)i"),
    ("wasm_timer_destroy", wasm_timer_destroy, "(i)"),
    # WAMR's native table spelled it this way for a while
    ("wasm_timer_destory", wasm_timer_destroy, "(i)"),
    ("wasm_timer_cancel", wasm_timer_cancel, "(i)"),
    ("wasm_timer_restart", wasm_timer_restart, "(ii)"),
    ("wasm_get_sys_tick_ms", wasm_get_sys_tick_ms, "()i"),
    ("wasm_sensor_open", wasm_sensor_open, "($i)i"),
    ("wasm_sensor_config", wasm_sensor_config, "(iiii)i"),
    ("wasm_sensor_config_with_attr_container",
     wasm_sensor_config_with_attr_container, "(i*~)i"),
    ("wasm_sensor_close", wasm_sensor_close, "(i)i"),
    ("wasm_open_connection", wasm_open_connection, "($*~)i"),
    ("wasm_close_connection", wasm_close_connection, "(i)"),
    ("wasm_send_on_connection", wasm_send_on_connection, "(i*~)i"),
    ("wasm_config_connection", wasm_config_connection, "(i*~)i"),
)


def register(mgr):
    """Point the natives at `mgr` and register them for module "env"."""
    global _mgr
    _mgr = mgr
    native.register_natives("env", TABLE)

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
# Buffers are bounds-checked by wamr_mpy.native before these run; a
# malformed packet is refused (false / ignored) like WAMR did.

from .. import native
from . import protocol as P
from .clock import tick32

_mgr = None


def _app(inst):
    return _mgr.app_of(inst)


def _s32(v):
    v &= 0xFFFFFFFF
    return v - 0x100000000 if v & 0x80000000 else v


def wasm_register_resource(inst, url):
    app = _app(inst)
    if not _mgr.resources.register(url, app.id):
        _mgr.log("%s: cannot register resource %r" % (app.name, url))


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


def wasm_sub_event(inst, url):
    app = _app(inst)
    if not _mgr.events.subscribe(url, app.id):
        _mgr.log("%s: cannot subscribe %r" % (app.name, url))


def wasm_create_timer(inst, interval, is_period, auto_start):
    app = _app(inst)
    return _s32(app.timers.create(interval, is_period != 0, auto_start != 0))


def wasm_timer_destroy(inst, tid):
    app = _app(inst)
    app.timers.destroy(tid)
    app.pending_timers.pop(tid & 0xFFFFFFFF, None)


def wasm_timer_cancel(inst, tid):
    _app(inst).timers.cancel(tid)


def wasm_timer_restart(inst, tid, interval):
    _app(inst).timers.restart(tid, interval)


def wasm_get_sys_tick_ms(inst):
    return _s32(tick32())


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
)


def register(mgr):
    """Point the natives at `mgr` and register them for module "env"."""
    global _mgr
    _mgr = mgr
    native.register_natives("env", TABLE)

# One installed wasm app inside the VM: load, instantiate, call its
# handlers under the watchdog's fuel budget, tear down.
#
# Handlers (exported with or without a leading '_', as WAMR's emcc-built
# apps had them): on_init(), on_destroy(), on_request(buf, len),
# on_response(buf, len), on_timer_callback(id), on_sensor_event(id, buf,
# len), on_connection_data(handle, buf, len) (buf 0, len 0: closed).  Request/response/sensor data is copied into the app heap for the
# call (native.module_dup_data) and freed afterwards, as WAMR did.

from .. import errors
from .. import native

HANDLERS = ("on_init", "on_destroy", "on_request", "on_response",
            "on_timer_callback", "on_sensor_event", "on_connection_data")


class InstallError(Exception):
    """An install that failed; the manager answers it 5.00 with `message`
    (WAMR's app manager answers every error that way)."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


class HandlerError(Exception):
    """A handler did not complete.  `fuel` is True when the watchdog stopped
    it (the fuel budget ran out)."""

    def __init__(self, handler, message, fuel=False):
        super().__init__("%s: %s" % (handler, message))
        self.handler = handler
        self.message = message
        self.fuel = fuel


def _set_fuel(inst, n):
    f = getattr(inst, "set_fuel", None)
    if f is not None:
        f(n)
    else:
        inst.fuel = n


def fuel_supported(inst):
    return hasattr(inst, "set_fuel") or hasattr(inst, "fuel")


class WasmRunner:
    def __init__(self, mgr, app):
        self.mgr = mgr
        self.app = app
        self.module = None
        self.inst = None
        self.funcs = {}
        self.fuel_left = None

    def start(self, wasm):
        import wamr_mpy
        try:
            self.module = wamr_mpy.load(wasm)
        except errors.WasmError as e:
            raise InstallError("load WASM file failed: %s" % e)
        except MemoryError:
            raise InstallError("load WASM file failed: out of memory")
        try:
            # the watchdog's budget bounds the start function too: one
            # that never ends would stop the whole manager
            self.inst = self.module.instantiate(
                stack_size=self.mgr.stack_size, heap_size=self.app.heap,
                fuel=self.app.fuel)
        except errors.WasmError as e:
            raise InstallError("instantiate failed: %s" % e)
        except MemoryError:
            raise InstallError("instantiate failed: out of memory")
        _set_fuel(self.inst, None)      # each handler call sets its own
        m = getattr(self.module, "_m", None)
        if m is not None and self.inst.tier == "interp" and None not in m.codes:
            # Every body is decoded (UNLOAD_LOADER) and the app runs on the
            # portable interpreter: the module's bytes are not read again.
            m.data = None
        self.mgr.bind_instance(self.inst, self.app)
        for h in HANDLERS:
            f = self.inst.lookup_function(h)
            if f is None:
                f = self.inst.lookup_function("_" + h)
            self.funcs[h] = f
        if self.funcs["on_init"] is None:
            raise InstallError("the app exports no on_init")
        ctors = self.inst.lookup_function("__wasm_call_ctors")
        if ctors is not None:
            self._call("__wasm_call_ctors", ctors)
        self._call("on_init", self.funcs["on_init"])

    def has(self, handler):
        return self.funcs.get(handler) is not None

    def _call(self, handler, f, *args):
        budget = self.app.fuel
        if budget is not None:
            _set_fuel(self.inst, budget)
        try:
            return self.inst.call(f, *args)
        except errors.Trap as e:
            raise HandlerError(handler, e.message,
                               e.kind == errors.OUT_OF_FUEL)
        except errors.ProcExit as e:
            raise HandlerError(handler, "app called exit(%d)" % e.code)
        except MemoryError:
            raise HandlerError(handler, "out of memory")
        finally:
            if budget is not None:
                self.fuel_left = getattr(self.inst, "fuel", None)
                try:
                    _set_fuel(self.inst, None)
                except Exception:
                    pass

    def _deliver(self, handler, data, *lead):
        f = self.funcs.get(handler)
        if f is None:
            raise HandlerError(handler, "the app exports no %s" % handler)
        addr = native.module_dup_data(self.inst, data)
        if not addr:
            raise HandlerError(handler, "app heap exhausted (%d bytes)" %
                               len(data))
        try:
            args = lead + (addr, len(data))
            self._call(handler, f, *args)
        finally:
            try:
                native.module_free(self.inst, addr)
            except Exception:
                pass    # a trapped app may have wrecked its heap

    def request(self, packed):
        self._deliver("on_request", packed)

    def response(self, packed):
        self._deliver("on_response", packed)

    def timer(self, tid):
        f = self.funcs.get("on_timer_callback")
        if f is None:
            raise HandlerError("on_timer_callback",
                               "the app exports no on_timer_callback")
        self._call("on_timer_callback", f, tid)

    def sensor(self, sid, payload):
        self._deliver("on_sensor_event", payload, sid)

    def connection(self, handle, data):
        if data:
            self._deliver("on_connection_data", data, handle)
            return
        f = self.funcs.get("on_connection_data")
        if f is None:
            raise HandlerError("on_connection_data",
                               "the app exports no on_connection_data")
        self._call("on_connection_data", f, handle, 0, 0)

    def stop(self, call_destroy=True):
        """Call on_destroy (errors are returned, not raised) and drop the
        instance."""
        err = None
        if self.inst is not None:
            f = self.funcs.get("on_destroy")
            if call_destroy and f is not None:
                try:
                    self._call("on_destroy", f)
                except HandlerError as e:
                    err = e
            self.mgr.unbind_instance(self.inst)
            try:
                self.inst.deinstantiate()
            except Exception:
                pass
        if self.module is not None:
            try:
                self.module.unload()
            except Exception:
                pass
        self.inst = None
        self.module = None
        self.funcs = {}
        return err

# The device: micropython -m wamr_mpy.app [--tcp HOST:PORT | --uart DEV |
# --stdio | --mqtt BROKER --device ID] [--store DIR] [--quiet]
#
# Default transport: TCP 127.0.0.1:8888 (WAMR host_tool's default).  With
# --stdio the link is the process's stdin/stdout and app output (printf)
# goes to stderr.  Port-specific drivers (sensors, ...) come from a module
# named `app_port` (ports/<port>/app_port.py, found on sys.path or in the
# repository next to wamr_mpy) whose setup(manager) is called at start.
# Parts the configuration leaves out (config.py: APP_STORE, TRANSPORT_*, ...)
# are not imported: --store then keeps apps in RAM only (with a log line)
# and a transport that is off is refused with a message.

import sys

import asyncio

USAGE = """usage: micropython -m wamr_mpy.app [--tcp HOST:PORT | --uart DEV |
                                     --stdio | --mqtt BROKER[:PORT]]
                                     [--store DIR] [--quiet]
  --tcp HOST:PORT   listen for host tools (default 127.0.0.1:8888)
  --uart DEV        serve one host over a serial device or pty
  --stdio           serve one host over stdin/stdout (app output -> stderr)
  --mqtt BROKER[:PORT]  be device --device ID of a fleet behind an MQTT
                    broker (docs/fleet.md); with --user NAME,
                    --password-file FILE, --tls [--cafile FILE],
                    --group NAME (repeatable), --prefix TOPIC
  --store DIR       keep installed apps in DIR and reinstall them at start
  --no-port         do not load the port's drivers (app_port)
  --quiet           no manager log on stderr"""

_PORT_DIRS = {"linux": "unix", "darwin": "unix", "freebsd": "unix"}
# --mqtt's companions: option -> its key in the options
_MQTT_OPTS = {"--device": "device_id", "--user": "user",
              "--password-file": "password_file", "--cafile": "cafile",
              "--prefix": "prefix"}


def parse_args(argv):
    o = {"mode": "tcp", "host": "127.0.0.1", "port": 8888, "dev": None,
         "store": None, "quiet": False, "port_module": True, "mqtt": {}}
    i = 0
    while i < len(argv):
        a = argv[i]

        def val():
            if i + 1 >= len(argv):
                raise ValueError("%s needs a value" % a)
            return argv[i + 1]
        if a == "--tcp":
            hp = val()
            i += 1
            cut = hp.rfind(":")
            port = hp[cut + 1:]
            # the socket layer would take 99999 modulo 65536 without a word
            if cut < 0 or not port.isdigit() or int(port) > 65535:
                raise ValueError("--tcp wants HOST:PORT (PORT 0-65535), got %r" % hp)
            o["mode"] = "tcp"
            o["host"] = hp[:cut] or "0.0.0.0"
            o["port"] = int(port)
        elif a == "--uart":
            o["mode"] = "uart"
            o["dev"] = val()
            i += 1
        elif a == "--stdio":
            o["mode"] = "stdio"
        elif a == "--mqtt":
            o["mode"] = "mqtt"
            o["broker"] = val()
            i += 1
        elif a in _MQTT_OPTS:
            o["mqtt"][_MQTT_OPTS[a]] = val()
            i += 1
        elif a == "--group":
            o["mqtt"]["groups"] = o["mqtt"].get("groups", ()) + (val(),)
            i += 1
        elif a == "--tls":
            o["mqtt"]["tls"] = True
        elif a == "--store":
            o["store"] = val()
            i += 1
        elif a == "--quiet":
            o["quiet"] = True
        elif a == "--no-port":
            o["port_module"] = False
        elif a in ("-h", "--help"):
            print(USAGE)
            raise SystemExit(0)
        else:
            raise ValueError("unknown option %r" % a)
        i += 1
    if o["mqtt"] and o["mode"] != "mqtt":
        raise ValueError("--device/--user/--group/... go with --mqtt")
    return o


def _import_port(mgr):
    """app_port; None when there is none, False when it does not load (e.g.
    it needs a part of the framework that is off; logged)."""
    try:
        import app_port
        return app_port
    except ImportError as e:
        # "no module named 'app_port'" means there is none here
        if "app_port" not in str(e):
            mgr.log("port drivers (app_port) not loaded: %s" % e)
            return False
    return None


def load_port(mgr):
    """Import app_port (the port's drivers) and run its setup(mgr)."""
    app_port = _import_port(mgr)
    if app_port is None:
        # the unix port from a checkout: ports/<port>/ next to wamr_mpy
        d = _PORT_DIRS.get(sys.platform, sys.platform)
        try:
            import wamr_mpy
            parts = wamr_mpy.__file__.split("/")
            root = "/".join(parts[:-2]) or "."
            path = root + "/ports/" + d
            if path not in sys.path:
                sys.path.append(path)
        except (AttributeError, IndexError):
            return None
        app_port = _import_port(mgr)
    if not app_port:
        return None
    app_port.setup(mgr)
    return app_port


def make_manager(store_dir=None, quiet=False, port_module=True):
    # The board's memory policy (GC threshold, MEMORY_LIMIT set aside for
    # the first app) before the framework's modules fill the heap.
    import wamr_mpy
    wamr_mpy.init()
    from .. import config
    from .manager import Manager
    from . import natives
    log = None
    if quiet:
        def log(msg):
            pass
    store = None
    if store_dir and config.APP_STORE:
        from .store import Store
        store = Store(store_dir, log=log)
    mgr = Manager(store=store, log=log)
    if store_dir and store is None:
        mgr.log("the app store is off in this build (APP_STORE): apps "
                "live in RAM only, %s is not used" % store_dir)
    natives.register(mgr)
    if port_module:
        load_port(mgr)
    return mgr


def transport_off(mode):
    """Why `mode` ("tcp", "uart", "stdio") cannot run here, or None."""
    from .. import config
    from .transport import file_links
    if mode == "tcp" and not config.TRANSPORT_TCP:
        return "the TCP transport is off in this build (TRANSPORT_TCP)"
    if mode == "mqtt":
        if not getattr(config, "TRANSPORT_MQTT", False):
            return "the MQTT transport is off in this build (TRANSPORT_MQTT)"
        return None
    if mode != "tcp" and not file_links():
        return "the stdio/device transport is off in this build " \
            "(TRANSPORT_STDIO)"
    return None


class StartError(Exception):
    """A store, device or address given on the command line that cannot be
    used: one line for the user, not a traceback."""


def _start_error(what, e):
    from ..errors import os_error_text
    return StartError("%s: %s" % (what, os_error_text(e)))


async def serve(o):
    from . import transport
    from .. import config
    store_errors = (OSError,)
    if o["store"] and config.APP_STORE:
        from .store import StoreError
        store_errors = (OSError, StoreError)
    try:
        mgr = make_manager(o["store"], o["quiet"], o["port_module"])
        if o["mode"] == "stdio":
            from .. import native
            native.set_stdout(native.write_stderr)
        mgr.start()
        mgr.boot()
    except store_errors as e:
        if not isinstance(e, OSError):
            raise StartError(str(e))
        raise _start_error("--store %s" % o["store"], e)
    if o["mode"] == "tcp":
        try:
            await transport.serve_tcp(mgr, o["host"], o["port"])
        except OSError as e:
            raise _start_error("--tcp %s:%d" % (o["host"], o["port"]), e)
        mgr.log("listening on %s:%d" % (o["host"], o["port"]))
        while True:
            await asyncio.sleep(3600)
    elif o["mode"] == "mqtt":
        kw = dict(o["mqtt"])
        pw = kw.pop("password_file", None)
        if pw is not None:
            from .transport_mqtt import read_secret
            kw["password"] = read_secret(pw)
        await transport.serve_mqtt(mgr, o["broker"], **kw)
    elif o["mode"] == "uart":
        try:
            f = transport.open_device(o["dev"])
        except OSError as e:
            raise _start_error("--uart %s" % o["dev"], e)
        mgr.log("serving on %s" % o["dev"])
        await transport.serve_file(mgr, f, f, o["dev"])
    else:
        rf, wf = transport.stdio_files()
        mgr.log("serving on stdio")
        await transport.serve_file(mgr, rf, wf, "stdio")
    mgr.shutdown()


def main(argv=None):
    if argv is None:
        argv = sys.argv[1:]
    try:
        o = parse_args(argv)
    except ValueError as e:
        sys.stderr.write("wamr_mpy.app: %s\n%s\n" % (e, USAGE))
        return 2
    why = transport_off(o["mode"])
    if why is not None:
        sys.stderr.write("wamr_mpy.app: --%s: %s\n" % (o["mode"], why))
        return 2
    try:
        asyncio.run(serve(o))
    except KeyboardInterrupt:
        sys.stderr.write("wamr_mpy.app: interrupted\n")
        return 130
    except StartError as e:
        sys.stderr.write("wamr_mpy.app: %s\n" % e)
        return 1
    return 0


def run_from_config():
    """Boards (main.py): transport and store from config.py.  Names read
    (with defaults): APP_TRANSPORT ("uart" or "tcp"; default uart when
    TRANSPORT_UART else tcp), APP_UART_ID (0), APP_UART_BAUD (115200),
    APP_UART_TX / APP_UART_RX (pins or None), APP_TCP_HOST ("0.0.0.0"),
    APP_TCP_PORT (8888), APP_STORE_DIR ("/apps", None to disable); for
    "mqtt" the APP_MQTT_* names (transport_mqtt.board_options)."""
    from .. import config
    mode = getattr(config, "APP_TRANSPORT", None) or (
        "uart" if getattr(config, "TRANSPORT_UART", False) else "tcp")
    store = getattr(config, "APP_STORE_DIR", "/apps") \
        if getattr(config, "APP_STORE", True) else None

    async def run():
        from . import transport
        try:
            mgr = make_manager(store)
        except Exception as e:
            from .store import StoreError
            if store is None or not isinstance(e, (OSError, StoreError)):
                raise
            # a board without the filesystem the store needs (the emulated
            # boards): apps live in RAM, and the host can still manage them
            mgr = make_manager(None)
            mgr.log("%s: apps live in RAM only" % e)
        mgr.start()
        mgr.boot()
        if (mode == "uart" and not config.TRANSPORT_UART) or \
                (mode == "mqtt" and not getattr(config, "TRANSPORT_MQTT", 0)) or \
                (mode == "tcp" and not config.TRANSPORT_TCP):
            # installed apps still run; nobody can manage them
            mgr.log("no host link: the %s transport is off in this build"
                    % mode)
            while True:
                await asyncio.sleep(3600)
        if mode == "uart":
            import machine
            kw = {"baudrate": getattr(config, "APP_UART_BAUD", 0) or 115200,
                  "timeout": 0}
            if getattr(config, "APP_UART_TX", None) is not None:
                kw["tx"] = getattr(config, "APP_UART_TX", None)
                kw["rx"] = getattr(config, "APP_UART_RX", None)
            uart = machine.UART(getattr(config, "APP_UART_ID", 0), **kw)
            while True:
                await transport.serve_uart(mgr, uart)
        elif mode == "mqtt":
            from .transport_mqtt import board_options
            broker, kw = board_options()
            await transport.serve_mqtt(mgr, broker, **kw)
        else:
            host = getattr(config, "APP_TCP_HOST", "0.0.0.0")
            await transport.serve_tcp(mgr, host, getattr(config, "APP_TCP_PORT", 8888))
            while True:
                await asyncio.sleep(3600)
    asyncio.run(run())


if __name__ == "__main__":
    sys.exit(main())

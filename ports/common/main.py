# main.py (wamr-mpy; tools/build puts it at the root of the board's
# filesystem): runs after boot.py when the board resets into its REPL.
#
# With the application framework built in (tools/menuconfig: Application
# framework) it starts the app manager on the transport chosen there; apps
# installed with host_tool are kept in APP_STORE_DIR and come back after a
# reset.  Without it, every .wasm in /apps (tools/build --app) runs once, in
# name order.  Ctrl-C at the REPL stops either.
from wamr_mpy import config


def run_apps(folder="apps"):
    import os
    try:
        names = sorted(n for n in os.listdir(folder) if n.endswith(".wasm"))
    except OSError:
        return
    from wamr_mpy import cli
    for n in names:
        try:
            cli.main([folder + "/" + n])
        except Exception as e:
            print("main.py: %s: %s" % (n, e))


if config.APP_MANAGER:
    from wamr_mpy import app
    app.run_from_config()
elif config.CLI:
    run_apps()

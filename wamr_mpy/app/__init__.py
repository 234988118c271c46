# WAMR's 2019 application framework on asyncio: app manager, messaging,
# timers, sensors, watchdog, app store and host links.  See
# docs/app-framework.md.  Submodules are imported on demand so a board only
# pays for what it uses.


def main(argv=None):
    """`micropython -m wamr_mpy.app [options]` (see __main__.py)."""
    from .__main__ import main as _main
    return _main(argv)


def run_from_config():
    """Boards: run the manager with the transport chosen in config.py."""
    from .__main__ import run_from_config as _run
    return _run()

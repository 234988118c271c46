"""How every tools/ command starts and ends: `sys.exit(entry.run("wamrc",
main, ...))`.  No Python traceback reaches a user for Ctrl-C (one line
"PROG: interrupted", exit 130 as a shell reports SIGINT), for a file that
cannot be used (one line with the file and the reason, exit 1) or for a
closed stdout (`tool | head`: quiet, exit 141 as SIGPIPE).  Other errors
are bugs and keep their traceback.  Runs on CPython and MicroPython (wamrc).
"""
import sys

EPIPE = 32


def _say(prog, msg):
    try:
        sys.stderr.write("%s: %s\n" % (prog, msg))
    except Exception:
        pass


def run(prog, main, *args):
    try:
        return main(*args)
    except KeyboardInterrupt:
        _say(prog, "interrupted")
        return 130
    except OSError as e:
        code = e.args[0] if e.args else None
        if getattr(e, "errno", code) == EPIPE:
            try:
                # nothing more goes to the closed pipe, not even at exit
                import os
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            except Exception:
                pass
            return 141
        name = getattr(e, "filename", None)
        if name is None:
            raise
        _say(prog, "%s: %s" % (name, getattr(e, "strerror", None) or e))
        return 1

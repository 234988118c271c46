# micropython -m wamr_mpy [options] app.wasm [args...]  (docs/cli.md)
import sys
try:
    from wamr_mpy.cli import main
except KeyboardInterrupt:           # Ctrl-C while starting (cli.main: later)
    sys.stderr.write("wamr_mpy: interrupted\n")
    sys.exit(130)

sys.exit(main(sys.argv[1:]))

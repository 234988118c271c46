# micropython -m wamr_mpy [options] app.wasm [args...]  (docs/cli.md)
import sys
from wamr_mpy.cli import main

sys.exit(main(sys.argv[1:]))

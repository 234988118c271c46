# `python3 tools/bench ...`: the benchmark driver (bench.py).
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from bench import main  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import entry  # noqa: E402

sys.exit(entry.run("bench", main))

"""Shared pytest setup: `tests/` on sys.path (so every test, also in
subdirectories, can `from mp import run_mp, check_mp`) and the markers."""
import os
import sys

import pytest

# --target DEVICE (tests/target_plugin.py): run MicroPython tests on a board.
pytest_plugins = ["target_plugin"]

TESTS = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(TESTS)
if TESTS not in sys.path:
    sys.path.insert(0, TESTS)


def pytest_configure(config):
    config.addinivalue_line("markers", "spec: the WebAssembly spec suite (slow)")
    config.addinivalue_line("markers", "slow: takes more than a few seconds")


@pytest.fixture
def root():
    return ROOT

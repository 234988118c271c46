"""The spec suite on the emulated boards (ports/qemu, tools/qemuboard.py):
tests/spec/board_driver.py sends one command at a time to the board's
frozen runtime.  `make test` runs board_driver.QUICK (29 files, every
instruction class, a sample of the assertions of the files that do not build
state) on each board and tier, one test each (aot modules are compiled on
the host for the board's arch); `make test-boards-full` (WAMR_BOARDS_FULL=1)
the whole suite on every board and tier, its results in
build/boards-full/BOARD-TIER.json (docs/boards.md).

What fails because of a board's limits (a 1-page memory capped at
MEMORY_LIMIT, MAX_MEMORY_PAGES, the heap) is listed with its reason in
tests/spec/known_failures_BOARD.txt (`file.wast:*`: any line of that file,
for modules that do not fit the heap).  A listed line that passes fails the
test too (the list only shrinks by being edited, so it says what is true),
except a line marked `~`: it depends on the heap's layout (a grown memory
finding room, a module fitting), which any change to the runtime shifts.
"""
import os
import sys

import pytest

from test_qemu import BOARDS, need_board
from mp import ROOT

sys.path.insert(0, os.path.join(ROOT, "tests", "spec"))
import board_driver  # noqa: E402
import driver  # noqa: E402

FULL = os.environ.get("WAMR_BOARDS_FULL") == "1"
TIERS = ("interp", "fast", "aot")


def check(board, tier, results):
    """Failures beyond the board's and the general known lists, and listed
    lines that pass, of `results` on `tier`."""
    failed = set()
    for r in results:
        for line, kind, reason, _ in r.failures:
            failed.add("%s:%d" % (r.source, line))
    names = {r.source for r in results}
    listed = board_driver.known_for(board, tier)
    # `file.wast:*`: any line of the file may fail (modules that do not fit)
    whole = {k[:-2] for k in listed if k.endswith(":*") and k[:-2] in names}
    # a sampled file (QUICK) checks the listed lines it ran
    ran = {"%s:%d" % (r.source, ln) for r in results for ln in r.ran}
    known = {k for k in listed if k in ran and not k.endswith(":*")}
    known |= {k for k in failed if k.split(":")[0] in whole}
    passed = sum(r.passed for r in results)
    total = sum(r.total for r in results)
    print("%s %s: %d/%d in %d files, %d known board failures" % (
        board, tier, passed, total, len(results), len(known)))
    reasons = {"%s:%d" % (r.source, line): reason
               for r in results for line, kind, reason, _ in r.failures}
    # and what fails everywhere (tests/spec/known_failures.txt; its own
    # tests keep that list true)
    everywhere = {k for k in driver.load_known() if k.split(":")[0] in names}
    bad = []
    new = sorted(failed - known - everywhere)
    if new:
        bad.append("failing on %s %s beyond tests/spec/known_failures_%s.txt:\n%s" % (
            board, tier, board, "\n".join("%s  %s" % (k, reasons[k]) for k in new[:40])))
    # lines marked `~` depend on the heap's layout: they may pass
    heap = board_driver.known_for(board, tier, heap_only=True)
    stale = sorted(((known - failed) | {f + ":*" for f in whole
                                        if not any(k.startswith(f + ":") for k in failed)})
                   - heap)
    if stale:
        bad.append("passing now on %s %s: remove from tests/spec/known_failures_%s.txt:\n%s"
                   % (board, tier, board, "\n".join(stale[:40])))
    return bad, total


def board_results(board, tier, spec_json):
    names = sorted(os.listdir(spec_json)) if FULL else sorted(board_driver.QUICK)
    files = driver.list_files([os.path.join(spec_json, n) for n in names
                               if os.path.isdir(os.path.join(spec_json, n))])
    results = board_driver.run(board, tier, files, strides=None if FULL else board_driver.QUICK)
    if FULL:
        # the whole suite's results, for docs/boards.md
        import json
        import run_spec
        out = os.path.join(ROOT, "build", "boards-full")
        os.makedirs(out, exist_ok=True)
        with open(os.path.join(out, "%s-%s.json" % (board, tier)), "w") as f:
            json.dump(run_spec.summary_dict(results), f, indent=1)
        print(run_spec.format_table(results))
    # the known lists cover SUBSET and QUICK: outside them a full run reports
    return [r for r in results if r.name in board_driver.SUBSET or r.name in board_driver.QUICK]


@pytest.mark.skipif(FULL, reason="make test-boards-full runs test_whole_suite_on_the_board")
@pytest.mark.parametrize("tier", TIERS)
@pytest.mark.parametrize("board", BOARDS)
def test_spec_on_the_board(board, tier, spec_json):
    """board_driver.QUICK on one board and tier."""
    need_board(board)
    results = board_results(board, tier, spec_json)
    bad, total = check(board, tier, results)
    assert not bad, "\n".join(bad)
    assert len(results) >= 20 and total > 300, (len(results), total)


@pytest.mark.skipif(not FULL, reason="the whole suite: make test-boards-full")
@pytest.mark.parametrize("tier", TIERS)
@pytest.mark.parametrize("board", BOARDS)
def test_whole_suite_on_the_board(board, tier, spec_json):
    need_board(board)
    results = board_results(board, tier, spec_json)
    bad, total = check(board, tier, results)
    assert not bad, "\n".join(bad)
    assert total > 4000, total

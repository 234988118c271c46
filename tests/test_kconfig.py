"""The Kconfig menu, the generated wamr_mpy/config.py and tools/menuconfig."""
import importlib.machinery
import importlib.util
import os
import shutil
import subprocess
import time

import pytest

from boardtest import ROOT, TOOLS, wb, tool, check_tool, build
from mp import check_mp, run_mp

# Names other modules import from wamr_mpy.config: they must stay.
STABLE = {
    "BOARD": str, "TIER_INTERP": bool, "TIER_FAST": bool, "TIER_AOT": bool,
    "TIER_JIT": bool, "DEFAULT_TIER": str, "SOFT_FLOAT": int, "STACK_SIZE": int,
    "HEAP_SIZE": int, "MAX_MEMORY_PAGES": int, "MAX_TABLE_SIZE": int,
    "LIBC_BUILTIN": bool, "LIBC_WASI": bool, "APP_MANAGER": bool,
    "APP_MESSAGING": bool, "APP_TIMERS": bool, "APP_SENSORS": bool, "APP_STORE": bool,
    "APP_WATCHDOG": bool, "APP_MAX_APPS": int, "APP_MAX_TIMERS": int,
    "APP_MAX_RESOURCES": int, "APP_QUEUE_LEN": int, "APP_WATCHDOG_FUEL": int,
    "TRANSPORT_TCP": bool, "TRANSPORT_UART": bool, "TRANSPORT_STDIO": bool,
}


def build_tool():
    loader = importlib.machinery.SourceFileLoader("wamr_build_tool", os.path.join(TOOLS, "build"))
    spec = importlib.util.spec_from_loader(loader.name, loader)
    mod = importlib.util.module_from_spec(spec)
    loader.exec_module(mod)
    return mod


def values(board, sets=()):
    b = wb.load_board(board)
    kconf, warnings = wb.load_config(b, sets=sets)
    return dict((n, v) for n, v, _, _ in wb.config_values(kconf, b)), warnings


@pytest.mark.parametrize("board", wb.list_boards())
def test_kconfig_and_defconfig_load_cleanly(board):
    vals, warnings = values(board)
    assert warnings == [], warnings
    b = wb.load_board(board)
    assert vals["BOARD"] == board and vals["PORT"] == b.port
    assert vals["SOFT_FLOAT"] == (1 if b.float_bits == 32 else 0)
    assert vals["HAS_NATIVE_EMITTER"] == b.native_emitter
    for name, typ in STABLE.items():
        assert isinstance(vals[name], typ), (name, vals[name])


def test_committed_config_is_the_generated_unix_default():
    want = build_tool().default_config_text()
    with open(os.path.join(ROOT, "wamr_mpy", "config.py")) as f:
        have = f.read()
    assert have == want, "wamr_mpy/config.py is out of date: run tools/build --default-config"


def test_config_imports_on_micropython():
    out = check_mp("from wamr_mpy import config\n"
                   "print(config.BOARD, config.SOFT_FLOAT, config.STACK_SIZE, config.TIER_INTERP)")
    assert out.split() == ["UNIX", "0", "65536", "True"]


@pytest.mark.host_only
def test_wamr_config_environment_override():
    out = check_mp("from wamr_mpy import config\n"
                   "print(config.SOFT_FLOAT, config.TIER_JIT, config.APP_TCP_HOST)",
                   env={"WAMR_CONFIG": "SOFT_FLOAT=1,TIER_JIT=n,APP_TCP_HOST=10.0.0.1"})
    assert out.split() == ["1", "False", "10.0.0.1"]
    r = run_mp("from wamr_mpy import config", env={"WAMR_CONFIG": "NO_SUCH_OPTION=1"})
    assert r.returncode == 1 and b"WAMR_CONFIG: unknown option NO_SUCH_OPTION" in r.stdout


def test_dependencies_follow_the_board():
    # no native emitter (Zephyr): neither the viper interpreter nor the JIT
    vals, _ = values("NRF52840DK")
    assert not vals["TIER_FAST"] and not vals["TIER_JIT"] and vals["TIER_INTERP"]
    for opt in ("TIER_FAST", "TIER_JIT"):
        with pytest.raises(wb.BuildError, match="HAS_NATIVE_EMITTER"):
            values("NRF52840DK", [(opt, "y")])
    vals, _ = values("RPI_PICO", [("TIER_FAST", "y")])
    assert vals["TIER_FAST"]
    # binary32 float ports cannot select native doubles
    with pytest.raises(wb.BuildError, match="HAS_DOUBLE_FLOAT"):
        values("RPI_PICO", [("FLOAT_NATIVE", "y")])
    vals, _ = values("UNIX", [("FLOAT_SOFT", "y")])
    assert vals["SOFT_FLOAT"] == 1
    # app framework parts need the manager; UART transport needs a UART
    vals, _ = values("UNIX", [("APP_MANAGER", "n")])
    assert not any(vals[n] for n in ("APP_TIMERS", "APP_SENSORS", "APP_STORE", "TRANSPORT_TCP"))
    assert vals["APP_MAX_TIMERS"] == 0
    with pytest.raises(wb.BuildError, match="HAS_UART"):
        values("UNIX", [("TRANSPORT_UART", "y")])
    vals, _ = values("RPI_PICO")
    assert vals["TRANSPORT_UART"] and not vals["TRANSPORT_TCP"] and vals["APP_TRANSPORT"] == "uart"
    # ranges and unknown names
    with pytest.raises(wb.BuildError, match="range"):
        values("UNIX", [("STACK_SIZE", "10")])
    with pytest.raises(wb.BuildError, match="unknown option"):
        values("UNIX", [("NOT_AN_OPTION", "y")])


def test_toggle_option_and_rebuild(tmp_path):
    out = tmp_path / "b"
    info = build("UNIX", out)
    assert "wasi.py" in info["modules"] and info["config"]["LIBC_WASI"] is True
    info = build("UNIX", out, "-D", "LIBC_WASI=n")
    assert info["config"]["LIBC_WASI"] is False
    assert "wasi.py" in info["dropped"] and "wasi.py" not in info["modules"]
    assert not (out / "src" / "wamr_mpy" / "wasi.py").exists()
    assert not (out / "mpy" / "lib" / "wamr_mpy" / "wasi.mpy").exists()
    cfg = (out / "src" / "wamr_mpy" / "config.py").read_text()
    assert "\nLIBC_WASI = False" in cfg
    # the choice is kept in build/BOARD/.config for the next build ...
    info = build("UNIX", out)
    assert info["config"]["LIBC_WASI"] is False
    # ... and savedefconfig writes it as the board's minimal defaults
    check_tool("savedefconfig", "UNIX", "--out", out, "-o", tmp_path / "defconfig")
    assert (tmp_path / "defconfig").read_text().strip() == "# CONFIG_LIBC_WASI is not set"
    # --pristine starts from the defconfig again
    info = build("UNIX", out, "--pristine")
    assert info["config"]["LIBC_WASI"] is True


def test_build_rejects_impossible_option(tmp_path):
    r = tool("build", "NRF52840DK", "--out", tmp_path, "-D", "TIER_JIT=y")
    assert r.returncode == 1
    assert "cannot set TIER_JIT=y on board NRF52840DK" in r.stderr
    assert "HAS_NATIVE_EMITTER" in r.stderr


def _tmux(*args):
    return subprocess.run(["tmux"] + list(args), capture_output=True, text=True)


def _screen(session):
    return _tmux("capture-pane", "-t", session, "-p").stdout


def _wait_screen(session, text, timeout=20):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        s = _screen(session)
        if text in s:
            return s
        time.sleep(0.1)
    raise AssertionError("%r not on the screen:\n%s" % (text, _screen(session)))


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux not installed")
def test_menuconfig_in_a_terminal(tmp_path):
    """Drive tools/menuconfig in tmux: jump to an option, toggle it, save,
    quit; then build with the saved configuration."""
    out = tmp_path / "b"
    session = "wamr-menuconfig-%d" % os.getpid()
    cmd = "%s %s UNIX --out %s; sleep 30" % (
        os.environ.get("PYTHON", __import__("sys").executable),
        os.path.join(TOOLS, "menuconfig"), out)
    assert _tmux("new-session", "-d", "-s", session, "-x", "120", "-y", "40", cmd).returncode == 0
    try:
        _wait_screen(session, "Execution tiers")
        _tmux("send-keys", "-t", session, "/")
        _wait_screen(session, "Jump to")
        _tmux("send-keys", "-t", session, "-l", "LIBC_WASI")
        _wait_screen(session, 'LIBC_WASI(=y) "WASI preview1 subset"')
        _tmux("send-keys", "-t", session, "Enter")
        _wait_screen(session, "[*] WASI preview1 subset")
        _tmux("send-keys", "-t", session, " ")
        _wait_screen(session, "[ ] WASI preview1 subset")
        _tmux("send-keys", "-t", session, "S")
        _wait_screen(session, "Filename to save configuration to")
        _tmux("send-keys", "-t", session, "Enter")
        _wait_screen(session, "Configuration saved to")
        _tmux("send-keys", "-t", session, "Enter")
        _tmux("send-keys", "-t", session, "Q")
        _wait_screen(session, "menuconfig: saved in")
    finally:
        _tmux("kill-session", "-t", session)
    assert "# CONFIG_LIBC_WASI is not set" in (out / ".config").read_text()
    info = build("UNIX", out)
    assert info["config"]["LIBC_WASI"] is False and "wasi.py" in info["dropped"]


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux not installed")
def test_menuconfig_hides_what_the_board_cannot_do(tmp_path):
    session = "wamr-menuconfig-z-%d" % os.getpid()
    cmd = "%s %s NRF52840DK --out %s; sleep 30" % (
        __import__("sys").executable, os.path.join(TOOLS, "menuconfig"), tmp_path)
    assert _tmux("new-session", "-d", "-s", session, "-x", "120", "-y", "40", cmd).returncode == 0
    try:
        _wait_screen(session, "Execution tiers")
        _tmux("send-keys", "-t", session, "Down")
        _tmux("send-keys", "-t", session, "Enter")
        s = _wait_screen(session, "Portable interpreter")
        assert "Fast interpreter" not in s and "On-device JIT" not in s
        assert "AOT module loader" in s
    finally:
        _tmux("kill-session", "-t", session)

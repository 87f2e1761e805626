"""Helpers that drive the real OCI clients (skopeo, podman, buildah, containerd's ctr,
umoci) with private, per-test configuration: nothing under /etc or $HOME is written.
"""

import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

POLICY = '{"default":[{"type":"insecureAcceptAnything"}]}'


def run(cmd, timeout=300, env=None, check=True, input=None, cwd=None):
    """Run cmd (list); on failure raise AssertionError showing the command and output."""
    try:
        p = subprocess.run([str(c) for c in cmd], capture_output=True, text=True,
                           timeout=timeout, env=env, input=input, cwd=cwd,
                           stdin=None if input is not None else subprocess.DEVNULL)
    except subprocess.TimeoutExpired as e:
        raise AssertionError(f"timed out after {timeout}s: {' '.join(map(str, cmd))}\n"
                             f"{(e.stdout or '')[-2000:]}\n{(e.stderr or '')[-2000:]}")
    if check and p.returncode != 0:
        raise AssertionError(f"exit {p.returncode}: {' '.join(map(str, cmd))}\n"
                             f"--- stdout\n{p.stdout[-4000:]}\n--- stderr\n{p.stderr[-4000:]}")
    return p


def layout_digest(layout, index=0):
    """Top-level manifest digest of an OCI layout (its index.json entry)."""
    return json.loads((Path(layout) / "index.json").read_text())["manifests"][index]["digest"]


def layout_entry(layout, tag):
    for m in json.loads((Path(layout) / "index.json").read_text())["manifests"]:
        if m.get("annotations", {}).get("org.opencontainers.image.ref.name") == tag:
            return m
    raise KeyError(f"{tag} not in {layout}/index.json")


def layout_blob(layout, digest):
    algo, hexd = digest.split(":", 1)
    return (Path(layout) / "blobs" / algo / hexd).read_bytes()


def layout_blobs(layout):
    """{digest: size} of every blob file in the layout."""
    out = {}
    for algo_dir in (Path(layout) / "blobs").iterdir():
        for f in algo_dir.iterdir():
            out[f"{algo_dir.name}:{f.name}"] = f.stat().st_size
    return out


def child_manifest(layout, arch, variant=None):
    """Digest of the platform child of the layout's top-level index."""
    index = json.loads(layout_blob(layout, layout_digest(layout)))
    for m in index["manifests"]:
        p = m.get("platform", {})
        if p.get("architecture") == arch and (variant is None or p.get("variant") == variant):
            return m["digest"]
    raise KeyError(f"no {arch}/{variant} in index")


class ContainersEnv:
    """Per-test configuration for the containers/* tools (skopeo, podman, buildah):
    registries.conf marking the given registries insecure, a permissive policy.json,
    vfs storage under the test's own directory, and a containers.conf that works
    without systemd.  Use .env for subprocesses and .skopeo(...) for skopeo."""

    def __init__(self, root: Path, registries):
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        (self.root / "tmp").mkdir(exist_ok=True)
        regs = "".join(f'[[registry]]\nlocation = "{r}"\ninsecure = true\n' for r in registries)
        (self.root / "registries.conf").write_text(f"unqualified-search-registries = []\n{regs}")
        (self.root / "policy.json").write_text(POLICY)
        (self.root / "storage.conf").write_text(
            f'[storage]\ndriver = "vfs"\ngraphroot = "{self.root}/storage"\n'
            f'runroot = "{self.root}/run"\n')
        try:
            import resource
            hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
            hard = 1048576 if hard == resource.RLIM_INFINITY else hard
        except Exception:
            hard = 4096
        (self.root / "containers.conf").write_text(
            '[containers]\nnetns = "host"\n'
            f'default_ulimits = ["nofile=1024:{hard}", "nproc=1024:1024"]\n'
            '[engine]\ncgroup_manager = "cgroupfs"\nevents_logger = "file"\nruntime = "runc"\n')
        self.env = dict(os.environ)
        self.env.update({
            "CONTAINERS_REGISTRIES_CONF": str(self.root / "registries.conf"),
            "CONTAINERS_STORAGE_CONF": str(self.root / "storage.conf"),
            "CONTAINERS_CONF": str(self.root / "containers.conf"),
            "TMPDIR": str(self.root / "tmp"),
        })
        # no credentials from the machine (~/.docker, $XDG_RUNTIME_DIR): only --creds
        (self.root / "auth.json").write_text('{"auths": {}}')
        self.env["REGISTRY_AUTH_FILE"] = str(self.root / "auth.json")

    def skopeo_cmd(self, *args):
        return ["skopeo", "--policy", self.root / "policy.json",
                "--registries-conf", self.root / "registries.conf", *args]

    def skopeo(self, *args, timeout=300, check=True):
        return run(self.skopeo_cmd(*args), timeout=timeout, env=self.env, check=check)

    def tool(self, name, *args, timeout=300, check=True):
        return run([name, *args], timeout=timeout, env=self.env, check=check)

    def cleanup(self):
        """vfs storage has no mounts: removing the folder removes everything."""
        shutil.rmtree(self.root, ignore_errors=True)


class Containerd:
    """A private containerd (own root, state and socket, no CRI) started for the tests
    and stopped again by its PID."""

    def __init__(self, log_dir: Path):
        # unix socket paths are limited to ~107 bytes: keep the folder short
        self.dir = Path(tempfile.mkdtemp(prefix="pc-ctrd-"))
        self.sock = self.dir / "containerd.sock"
        self.log = Path(log_dir) / "containerd.log"
        (self.dir / "config.toml").write_text(f"""version = 2
root = "{self.dir}/root"
state = "{self.dir}/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "{self.sock}"
[ttrpc]
  address = "{self.sock}.ttrpc"
[debug]
  address = ""
[metrics]
  address = ""
""")
        self.logf = open(self.log, "ab")
        self.proc = subprocess.Popen(["containerd", "--config", str(self.dir / "config.toml")],
                                     stdout=self.logf, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"containerd exited ({self.proc.returncode}), see {self.log}")
            if self.sock.exists() and run(self.ctr_cmd("version"), check=False,
                                          timeout=10).returncode == 0:
                return
            time.sleep(0.2)
        self.stop()
        raise AssertionError(f"containerd did not start, see {self.log}")

    def ctr_cmd(self, *args):
        return ["ctr", "-a", self.sock, *args]

    def ctr(self, *args, timeout=300, check=True):
        return run(self.ctr_cmd(*args), timeout=timeout, check=check)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=20)
        self.logf.close()
        shutil.rmtree(self.dir, ignore_errors=True)

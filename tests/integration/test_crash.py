"""Crash safety: what the server acknowledged survives a SIGKILL, and nothing half-written
is ever served.

Several clients push at once (raw-HTTP uploads of random multi-MiB blobs, streamed slowly
so the kill lands mid-upload, in all three upload styles; and skopeo pushing real
images); the server is SIGKILLed mid-way and restarted on the same data dir.  Then:
  * every blob whose PUT got 201 GETs back with exactly its bytes (sha256 and size);
  * every manifest whose PUT got 201 resolves, by tag and by digest, to its bytes;
  * every skopeo push that exited 0 resolves to the image's digest and pulls back intact;
  * a blob whose upload was not acknowledged is either unknown (404) or complete:
    HEAD never reports, and GET never serves, partial or wrong bytes.
"""

import os
import random
import subprocess
import threading
import time

import pytest

from clients import ContainersEnv, layout_entry
from regclient import CONNECTION_ERRORS, Registry, make_manifest, random_config, sha256
from support import ocitool_verify, require_tools

ROUNDS = 3
RAW_PUSHERS = 4
MiB = 1 << 20


class Ledger:
    """What was sent and what was acknowledged (thread-safe)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.blobs = {}          # (repo, digest) -> size, upload started
        self.blobs_acked = set()
        self.manifests = {}      # (repo, tag) -> digest, PUT sent
        self.manifests_acked = set()
        self.skopeo_acked = []   # (repo, tag, digest)
        self.errors = []         # unexpected answers while the server was up

    def sent_blob(self, repo, digest, size):
        with self.lock:
            self.blobs[(repo, digest)] = size

    def ack_blob(self, repo, digest):
        with self.lock:
            self.blobs_acked.add((repo, digest))

    def sent_manifest(self, repo, tag, digest):
        with self.lock:
            self.manifests[(repo, tag)] = digest

    def ack_manifest(self, repo, tag):
        with self.lock:
            self.manifests_acked.add((repo, tag))

    def error(self, msg):
        with self.lock:
            self.errors.append(msg)


def raw_pusher(srv, ledger, stop, idx, rnd):
    """Push images of one random 1-4 MiB layer, slowly, until stop or the server dies."""
    reg = Registry(srv.addr, srv.user, srv.password, timeout=30)
    repo = f"crash/raw{idx}"
    rng = random.Random(f"{idx}-{rnd}")
    modes = ("put", "patch", "chunked")
    for n in range(200):
        if stop.is_set():
            return
        layer = os.urandom(rng.randint(1 * MiB, 4 * MiB))
        config = random_config(f"{repo}:{rnd}-{n}")
        try:
            for blob in (layer, config):
                d = sha256(blob)
                ledger.sent_blob(repo, d, len(blob))
                r = reg.upload_blob(repo, blob, mode=modes[(n + idx) % 3], chunk=256 * 1024,
                                    delay=0.01)
                if r.status == 201:
                    ledger.ack_blob(repo, d)
                elif not stop.is_set():
                    ledger.error(f"upload {repo} {d}: {r}")
                    return
            body = make_manifest(config, [layer])
            tag = f"r{rnd}-{idx}-{n}"
            ledger.sent_manifest(repo, tag, sha256(body))
            r = reg.put_manifest(repo, tag, body)
            if r.status == 201:
                ledger.ack_manifest(repo, tag)
            elif not stop.is_set():
                ledger.error(f"manifest PUT {repo}:{tag}: {r}")
                return
        except CONNECTION_ERRORS:
            return  # the server was killed


def skopeo_pusher(srv, cenv, images, ledger, stop, rnd):
    names = ["debian-app", "node-app", "debian-base"]
    for n in range(50):
        if stop.is_set():
            return
        name = names[(n + rnd) % len(names)]
        repo, tag = f"crash/skopeo-{name}", f"r{rnd}-{n}"
        cmd = [str(a) for a in cenv.skopeo_cmd(
            "copy", "--quiet", "--all", "--preserve-digests", "--dest-tls-verify=false",
            "--dest-creds", srv.creds, f"oci:{images.layout(name)}:latest",
            f"docker://{srv.addr}/{repo}:{tag}")]
        p = subprocess.Popen(cmd, env=cenv.env, stdin=subprocess.DEVNULL,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 120
        while p.poll() is None and not stop.is_set() and time.monotonic() < deadline:
            time.sleep(0.05)
        if p.poll() is None:
            time.sleep(0.5)   # killed server: let skopeo notice; then end it
            if p.poll() is None:
                p.kill()
            p.wait(timeout=30)
            return
        err = p.stderr.read().decode(errors="replace")
        if p.returncode == 0:
            with ledger.lock:
                ledger.skopeo_acked.append((repo, tag, images.digest(name)))
        elif not stop.is_set():
            ledger.error(f"skopeo push {repo}:{tag} failed while the server was up: {err[-500:]}")
            return


def check_blob(reg, repo, digest, size, problems, must_exist):
    h = reg.blob_head(repo, digest)
    if h.status == 404 and not must_exist:
        return
    if h.status != 200:
        problems.append(f"HEAD {repo} {digest}: {h.status}")
        return
    if int(h.header("content-length", -1)) != size:
        problems.append(f"HEAD {repo} {digest}: Content-Length {h.header('content-length')} "
                        f"!= {size} (partial blob visible)")
    st, _, got, n = reg.get_stream_digest(f"/v2/{repo}/blobs/{digest}")
    if (st, got, n) != (200, digest, size):
        problems.append(f"GET {repo} {digest}: status {st}, {n} bytes hashing to {got}")


def verify(srv, cenv, ledger, tmp_path, rnd):
    reg = srv.registry
    problems = []
    with ledger.lock:
        blobs = dict(ledger.blobs)
        acked = set(ledger.blobs_acked)
        manifests = dict(ledger.manifests)
        macked = set(ledger.manifests_acked)
        skopeo_acked = list(ledger.skopeo_acked)
    for (repo, digest), size in blobs.items():
        check_blob(reg, repo, digest, size, problems, must_exist=(repo, digest) in acked)
    for (repo, tag), digest in manifests.items():
        r = reg.get_manifest(repo, tag)
        if (repo, tag) in macked or r.status != 404:
            if r.status != 200 or sha256(r.body) != digest or \
                    r.header("docker-content-digest") != digest:
                problems.append(f"GET {repo}:{tag} ({'acked' if (repo, tag) in macked else 'not acked'}):"
                                f" {r.status}, body {sha256(r.body)}, want {digest}")
        if (repo, tag) in macked:
            r = reg.get_manifest(repo, digest)
            if r.status != 200 or sha256(r.body) != digest:
                problems.append(f"GET {repo}@{digest}: {r.status}")
    for repo, tag, digest in skopeo_acked:
        r = reg.get_manifest(repo, tag)
        if r.status != 200 or sha256(r.body) != digest:
            problems.append(f"skopeo-pushed {repo}:{tag}: {r.status} {sha256(r.body)} != {digest}")
    assert not problems, f"after SIGKILL in round {rnd}:\n" + "\n".join(problems[:40])
    # The last image skopeo finished pulls back whole (every blob, every diff_id).
    if skopeo_acked:
        repo, tag, digest = skopeo_acked[-1]
        dest = tmp_path / f"pulled-{rnd}"
        cenv.skopeo("copy", "--quiet", "--src-tls-verify=false", "--src-creds", srv.creds,
                    f"docker://{srv.addr}/{repo}:{tag}", f"oci:{dest}:x")
        ocitool_verify(dest)
        assert layout_entry(dest, "x")["digest"] == digest


def test_sigkill_during_pushes_loses_nothing_acknowledged(server_factory, images, tmp_path):
    require_tools("skopeo")
    srv = server_factory("crash")
    cenv = ContainersEnv(tmp_path / "containers", [srv.addr])
    ledger = Ledger()
    rng = random.Random(1234)
    try:
        for rnd in range(ROUNDS):
            stop = threading.Event()
            start_acks = len(ledger.manifests_acked) + len(ledger.skopeo_acked)
            threads = [threading.Thread(target=raw_pusher, args=(srv, ledger, stop, i, rnd),
                                        daemon=True) for i in range(RAW_PUSHERS)]
            threads.append(threading.Thread(target=skopeo_pusher, daemon=True,
                                            args=(srv, cenv, images, ledger, stop, rnd)))
            for t in threads:
                t.start()
            # let some pushes complete, then kill at a random moment mid-traffic
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and \
                    len(ledger.manifests_acked) + len(ledger.skopeo_acked) - start_acks < 4:
                time.sleep(0.05)
            time.sleep(rng.uniform(0.2, 1.2))
            srv.kill()
            stop.set()
            for t in threads:
                t.join(timeout=120)
                assert not t.is_alive(), "a pusher did not stop"
            assert not ledger.errors, "\n".join(ledger.errors[:20])
            assert len(ledger.manifests_acked) + len(ledger.skopeo_acked) > start_acks, \
                "no push was acknowledged before the kill"
            with ledger.lock:
                print(f"round {rnd}: blobs sent {len(ledger.blobs)}, acked {len(ledger.blobs_acked)};"
                      f" manifests sent {len(ledger.manifests)}, acked {len(ledger.manifests_acked)};"
                      f" skopeo pushes acked {len(ledger.skopeo_acked)}")
            srv.start()
            verify(srv, cenv, ledger, tmp_path, rnd)
        # still fully usable after the crashes
        reg = srv.registry
        layer = os.urandom(MiB)
        config = random_config("after")
        for b in (layer, config):
            assert reg.upload_blob("crash/after", b).status == 201
        assert reg.put_manifest("crash/after", "v1", make_manifest(config, [layer])).status == 201
    finally:
        cenv.cleanup()


@pytest.mark.portcullis_only
def test_sigterm_exits_0_and_keeps_data(server_factory):
    """SIGTERM (with an upload in flight) ends the server with status 0, promptly; a
    restart serves what was pushed before."""
    srv = server_factory("term")
    reg = srv.registry
    layer = os.urandom(2 * MiB)
    config = random_config("term")
    for b in (layer, config):
        assert reg.upload_blob("term/a", b).status == 201
    body = make_manifest(config, [layer])
    assert reg.put_manifest("term/a", "v1", body).status == 201

    slow = threading.Thread(daemon=True, target=lambda: _quiet(
        lambda: reg.upload_blob("term/a", os.urandom(4 * MiB), mode="patch", chunk=64 * 1024,
                                delay=0.05)))
    slow.start()
    time.sleep(0.5)
    t0 = time.monotonic()
    rc = srv.stop(timeout=30)
    assert rc == 0, f"exit status after SIGTERM: {rc}"
    assert time.monotonic() - t0 < 30
    slow.join(timeout=60)

    srv.start()
    r = srv.registry.get_manifest("term/a", "v1")
    assert r.status == 200 and r.body == body
    st, _, got, n = srv.registry.get_stream_digest(f"/v2/term/a/blobs/{sha256(layer)}")
    assert (st, got, n) == (200, sha256(layer), len(layer))


def _quiet(fn):
    try:
        fn()
    except CONNECTION_ERRORS:
        pass

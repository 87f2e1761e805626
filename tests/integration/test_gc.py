"""`portcullis gc` while `serve` runs: unreferenced blobs and abandoned uploads go,
everything a tagged manifest references stays, and a gc racing with pushes never takes
anything a client was told is stored.

What counts as acknowledged here is a manifest PUT answered 201: from then on the
manifest and every blob it references must stay until the manifest is deleted.  A blob
that no manifest references yet is garbage once older than --grace; with --grace 0 a
push racing gc may therefore have to upload again (its manifest PUT then gets 400
MANIFEST_BLOB_UNKNOWN, or its upload session 404) - but it must never get a 201 for a
manifest whose blobs gc removes.  Upload sessions idle for longer than --upload-grace are
abandoned and removed."""

import os
import random
import threading
import time

import pytest

from regclient import CONNECTION_ERRORS, make_manifest, random_config, sha256
from support import TARGET

KiB, MiB = 1 << 10, 1 << 20


def UPLOAD_GRACE(seconds):
    """Uploads have their own idle time before gc takes them (`--upload-grace`,
    default 24 h); Distribution's offline gc has no such option."""
    return ["--upload-grace", seconds] if TARGET == "portcullis" else []


def push(reg, repo, tag, layers, config):
    for b in (config, *layers):
        r = reg.upload_blob(repo, b)
        assert r.status == 201, f"upload to {repo}: {r}"
    body = make_manifest(config, layers)
    r = reg.put_manifest(repo, tag, body)
    assert r.status == 201, f"manifest {repo}:{tag}: {r}"
    return body, sha256(body)


def assert_intact(reg, repo, data):
    st, _, got, n = reg.get_stream_digest(f"/v2/{repo}/blobs/{sha256(data)}")
    assert (st, got, n) == (200, sha256(data), len(data)), f"{repo}: blob {sha256(data)} damaged or gone"


def assert_gone(reg, repo, data):
    d = sha256(data)
    assert reg.blob_head(repo, d).status == 404, f"{repo}: {d} still there (HEAD)"
    assert reg.blob_get(repo, d).status == 404, f"{repo}: {d} still there (GET)"


def test_gc_removes_deleted_image_keeps_tagged(server_factory):
    srv = server_factory("gc")
    reg = srv.registry
    common = os.urandom(1 * MiB)
    a_only = [os.urandom(512 * KiB), os.urandom(512 * KiB)]
    b_only = [os.urandom(512 * KiB)]
    ca, cb = random_config("gc/a"), random_config("gc/b")
    _, da = push(reg, "gc/a", "v1", [common, *a_only], ca)
    body_b, db = push(reg, "gc/b", "v1", [common, *b_only], cb)
    loose = os.urandom(256 * KiB)            # uploaded, never referenced
    assert reg.upload_blob("gc/b", loose).status == 201

    assert reg.delete_manifest("gc/a", da).status == 202
    assert reg.get_manifest("gc/a", "v1").status == 404
    before = {sha256(x): reg.blob_head("gc/a", sha256(x)).status for x in [*a_only, ca]}
    time.sleep(1.5)   # ages are kept in whole seconds: let "older than 0 s" be true

    srv.gc("--grace", "0", "--dry-run")
    after = {sha256(x): reg.blob_head("gc/a", sha256(x)).status for x in [*a_only, ca]}
    assert after == before, "gc --dry-run changed what is served"
    assert_intact(reg, "gc/b", loose)

    srv.gc("--grace", "0")
    for x in [*a_only, ca]:
        assert_gone(reg, "gc/a", x)
        assert_gone(reg, "gc/b", x)
    assert_gone(reg, "gc/b", loose)
    # the still-tagged image is whole, the shared layer included
    r = reg.get_manifest("gc/b", "v1")
    assert r.status == 200 and r.body == body_b and r.header("docker-content-digest") == db
    for x in [common, *b_only, cb]:
        assert_intact(reg, "gc/b", x)
    # no stale "exists" state: a mount of a collected blob is refused (falls back to an
    # upload), and the same bytes can be pushed again
    gone = sha256(a_only[0])
    r = reg.request("POST", f"/v2/gc/c/blobs/uploads/?mount={gone}&from=gc/a")
    assert r.status == 202, f"mount of a collected blob: {r}"
    assert reg.upload_blob("gc/c", a_only[0]).status == 201
    assert_intact(reg, "gc/c", a_only[0])


@pytest.mark.portcullis_only
def test_gc_removes_abandoned_upload(server_factory):
    srv = server_factory("gcup")
    reg = srv.registry
    data = os.urandom(1 * MiB)
    r = reg.start_upload("gc/up")
    assert r.status == 202
    r = reg.request("PATCH", r.header("location"), body=data[:512 * KiB])
    assert r.status == 202
    loc = r.header("location")
    assert reg.request("GET", loc).status == 204
    time.sleep(2.5)

    srv.gc("--grace", "1", *UPLOAD_GRACE("1"))
    r = reg.request("GET", loc)
    assert r.status == 404 and "BLOB_UPLOAD_UNKNOWN" in r.error_codes(), f"upload status: {r}"
    r = reg.request("PATCH", loc, body=data[512 * KiB:])
    assert r.status == 404, f"PATCH to a collected upload: {r}"
    r = reg.request("PUT", reg._with_digest(loc, sha256(data)))
    assert r.status == 404, f"PUT to a collected upload: {r}"
    assert reg.blob_head("gc/up", sha256(data)).status == 404


@pytest.mark.portcullis_only
def test_gc_grace_keeps_recent_blobs_and_uploads(server_factory):
    srv = server_factory("gcgrace")
    reg = srv.registry
    loose, config = os.urandom(512 * KiB), random_config("grace")
    assert reg.upload_blob("gc/grace", loose).status == 201
    part = os.urandom(1 * MiB)
    r = reg.start_upload("gc/grace")
    r = reg.request("PATCH", r.header("location"), body=part[:300 * KiB])
    assert r.status == 202
    loc = r.header("location")

    srv.gc("--grace", "3600")     # the default --upload-grace (24 h) keeps the upload
    assert_intact(reg, "gc/grace", loose)
    r = reg.request("PATCH", loc, body=part[300 * KiB:])
    assert r.status == 202, f"upload in progress did not survive gc: {r}"
    r = reg.request("PUT", reg._with_digest(r.header("location", loc), sha256(part)))
    assert r.status == 201, r
    assert reg.upload_blob("gc/grace", config).status == 201
    assert reg.put_manifest("gc/grace", "v1", make_manifest(config, [loose, part])).status == 201
    assert_intact(reg, "gc/grace", part)


@pytest.mark.portcullis_only
def test_gc_during_pushes_loses_nothing_acknowledged(server_factory):
    """3 pushers and a gc loop (--grace 0) at once.  The pushers delete some of their
    images (garbage for gc) and later push new images that reuse layers of deleted ones
    the way real clients do: HEAD the blob, skip the upload when it is there.  That is
    the dangerous race - gc has judged the blob unreferenced, the client has seen it
    exist - and the server must resolve it: either the manifest PUT fails, or the blob
    stays."""
    srv = server_factory("gcrace")
    reg = srv.registry
    lock = threading.Lock()
    acked = {}        # (repo, tag) -> (manifest digest, [blobs])
    deleted = {}      # (repo, digest) -> bytes, blobs of manifests deleted with 202
    problems, stats = [], {"retries": 0, "gc_runs": 0, "reused": 0}
    done = threading.Event()
    deadline = time.monotonic() + 90

    def ensure_blob(repo, data):
        """Upload unless the registry says it has the blob (as clients do)."""
        if reg.blob_head(repo, sha256(data)).status == 200:
            return None
        return reg.upload_blob(repo, data)

    def pusher(i):
        rng = random.Random(i)
        repo = f"gcrace/p{i}"
        mine, graveyard = [], []
        try:
            for n in range(300):
                # at least 30 images each, and go on until gc has run 3 times meanwhile
                if time.monotonic() > deadline or (n >= 30 and stats["gc_runs"] >= 3):
                    return
                time.sleep(0.05)
                if graveyard and rng.random() < 0.5:
                    layer = graveyard.pop(0)       # a layer of an image deleted earlier
                    with lock:
                        stats["reused"] += 1
                else:
                    layer = os.urandom(rng.randint(256 * KiB, 1 * MiB))
                config = random_config(f"{repo}:{n}")
                body = make_manifest(config, [layer])
                for attempt in range(5):
                    bad = [r for r in (ensure_blob(repo, config), ensure_blob(repo, layer))
                           if r is not None and r.status != 201]
                    if bad:
                        if bad[0].status == 404 and "BLOB_UPLOAD_UNKNOWN" in bad[0].error_codes():
                            with lock:
                                stats["retries"] += 1
                            continue  # gc collected the session: upload again
                        problems.append(f"upload {repo}: {bad[0]}")
                        return
                    r = reg.put_manifest(repo, f"t{n}", body)
                    if r.status == 201:
                        with lock:
                            acked[(repo, f"t{n}")] = (sha256(body), [config, layer])
                        mine.append((f"t{n}", sha256(body), [config, layer]))
                        break
                    if r.status == 400 and "MANIFEST_BLOB_UNKNOWN" in r.error_codes():
                        with lock:
                            stats["retries"] += 1
                        continue  # gc took a blob before the manifest came: push again
                    problems.append(f"manifest {repo}:t{n}: {r}")
                    return
                else:
                    problems.append(f"{repo}:t{n}: no success after 5 attempts")
                    return
                if n % 3 == 2:    # make garbage: delete an older image of ours
                    tag, digest, blobs = mine.pop(0)
                    with lock:
                        acked.pop((repo, tag))
                    r = reg.delete_manifest(repo, digest)
                    if r.status != 202:
                        problems.append(f"DELETE {repo}@{digest}: {r}")
                        return
                    with lock:
                        for b in blobs:
                            deleted[(repo, sha256(b))] = b
                    graveyard.append(blobs[1])
        except CONNECTION_ERRORS as e:
            problems.append(f"{repo}: connection failed: {e!r} (did the server die?)")

    def collector():
        for _ in range(100):
            if done.is_set():
                return
            p = srv.gc("--grace", "0", *UPLOAD_GRACE("0"), check=False, timeout=120)
            if p.returncode != 0:
                problems.append(f"gc exited {p.returncode}: {p.stderr[-1000:]}")
                return
            with lock:
                stats["gc_runs"] += 1
            time.sleep(0.05)

    pushers = [threading.Thread(target=pusher, args=(i,), daemon=True) for i in range(3)]
    gc_thread = threading.Thread(target=collector, daemon=True)
    gc_thread.start()
    for t in pushers:
        t.start()
    for t in pushers:
        t.join(timeout=180)
        assert not t.is_alive(), "a pusher hung"
    done.set()
    gc_thread.join(timeout=180)
    assert not gc_thread.is_alive(), "gc hung"
    assert not problems, "\n".join(problems[:20])
    assert stats["gc_runs"] >= 3, f"gc ran only {stats['gc_runs']} times during the pushes"
    assert srv.running(), "the server died"

    time.sleep(1.5)   # whole-second ages: the last deleted images become collectable
    srv.gc("--grace", "0")
    in_use = set()
    for (repo, tag), (digest, blobs) in acked.items():
        r = reg.get_manifest(repo, tag)
        assert r.status == 200 and sha256(r.body) == digest, f"acknowledged {repo}:{tag} lost: {r}"
        for b in blobs:
            assert_intact(reg, repo, b)
            in_use.add((repo, sha256(b)))
    for key, b in deleted.items():
        if key not in in_use:
            assert_gone(reg, key[0], b)
    print(f"acked {len(acked)}, deleted blobs {len(deleted)}, gc runs {stats['gc_runs']}, "
          f"layers reused {stats['reused']}, retries {stats['retries']}")

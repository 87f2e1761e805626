"""OCI Distribution Spec 1.1: subject and the referrers API (end-12a, end-12b)."""
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from api_helpers import *  # noqa: E402,F401,F403

SBOM = "application/vnd.example.sbom.v1"
SIG = "application/vnd.example.signature.v1"
SIG_CONFIG = "application/vnd.example.signature.config.v1+json"


def _referrers(api, repo, digest, query=""):
    r = api.get(f"/v2/{repo}/referrers/{digest}{query}")
    assert_status(r, 200)
    # "The Content-Type header MUST be set to application/vnd.oci.image.index.v1+json"
    assert media_type_of(r) == OCI_INDEX, f"referrers Content-Type:\n{r}"
    doc = r.json()
    assert doc.get("schemaVersion") == 2, str(r)
    assert doc.get("mediaType") == OCI_INDEX, str(r)
    assert isinstance(doc.get("manifests"), list), str(r)
    return r, doc


def _all_referrers(api, repo, digest, query=""):
    """Follow Link rel=next (the spec requires it when one page is not enough)."""
    r, doc = _referrers(api, repo, digest, query)
    out = list(doc["manifests"])
    for _ in range(MAX_PAGES):
        nxt = next_link(r)
        if not nxt:
            return r, out
        r = api.get(resolve_link(f"/v2/{repo}/referrers/{digest}", nxt))
        assert_status(r, 200)
        out += r.json()["manifests"]
    raise AssertionError("referrers pagination does not end")


def _by_digest(descs):
    return {d["digest"]: d for d in descs}


def _assert_descriptor(desc, image, artifact_type):
    assert desc["mediaType"] == image.media_type, desc
    assert desc["size"] == image.size, desc
    assert desc["digest"] == image.digest, desc
    if artifact_type is None:
        assert "artifactType" not in desc or desc["artifactType"] in ("", None), desc
    else:
        assert desc.get("artifactType") == artifact_type, desc
    # "The descriptors MUST include annotations from the image manifest or index."
    want = image.doc.get("annotations") or {}
    assert (desc.get("annotations") or {}) == want, desc


def _subject(api, repo, ref="image"):
    image = make_image()
    api.push_image(repo, image, ref=ref)
    return image


@distribution_deviation("no referrers API (404), no OCI-Subject header")
def test_put_with_subject_returns_oci_subject(api, api_repo):
    subject = _subject(api, api_repo)
    art = make_artifact(SBOM, subject=subject.descriptor())
    for blob in art.blobs:
        api.upload_blob(api_repo, blob)
    r = api.put_manifest(api_repo, art.digest, art.manifest, art.media_type)
    assert_status(r, 201)
    # "a registry implementation that supports the referrers API MUST respond with
    # the response header OCI-Subject: <subject digest>"
    assert r.header("OCI-Subject") == subject.digest, str(r)
    assert_digest_header(r, art.digest)


def test_put_without_subject_has_no_oci_subject(api, api_repo):
    image = make_image()
    r = api.push_image(api_repo, image, ref="plain")
    assert r.header("OCI-Subject") is None, str(r)


@distribution_deviation("no referrers API (404), no OCI-Subject header")
def test_referrers_lists_artifacts_with_type_and_annotations(api, api_repo):
    subject = _subject(api, api_repo)
    sbom = make_artifact(SBOM, subject=subject.descriptor(),
                         annotations={"org.opencontainers.image.created": "2024-01-01T00:00:00Z",
                                      "org.example.sbom.format": "json"})
    # no artifactType: the descriptor takes the config mediaType
    sig = make_artifact(None, subject=subject.descriptor(), config_media_type=SIG_CONFIG,
                        config=b'{"sig":"' + token().encode() + b'"}',
                        annotations={"org.example.signature.fingerprint": "abcd"})
    # an index as a referrer, with an artifactType
    idx_typed = make_index([make_image()], artifact_type="application/vnd.example.bundle.v1",
                           subject=subject.descriptor(), annotations={"org.example.k": "v"})
    # an index referrer without artifactType: "the artifactType MUST be omitted"
    idx_plain = make_index([make_image()], subject=subject.descriptor(),
                           annotations={"org.example.n": token()})
    # an image (classic config) referrer without artifactType: config mediaType
    img_ref = make_image(subject=subject.descriptor(), annotations={"org.example.img": "1"})
    for art in (sbom, sig, idx_typed, idx_plain, img_ref):
        r = api.push_image(api_repo, art)
        assert r.header("OCI-Subject") == subject.digest, str(r)
    # unrelated manifests must not show up
    api.push_image(api_repo, make_artifact(SBOM), ref="unrelated")
    _, descs = _all_referrers(api, api_repo, subject.digest)
    got = _by_digest(descs)
    want = {a.digest for a in (sbom, sig, idx_typed, idx_plain, img_ref)}
    assert set(got) == want, f"referrers {sorted(got)} != {sorted(want)}"
    _assert_descriptor(got[sbom.digest], sbom, SBOM)
    _assert_descriptor(got[sig.digest], sig, SIG_CONFIG)
    _assert_descriptor(got[idx_typed.digest], idx_typed, "application/vnd.example.bundle.v1")
    _assert_descriptor(got[idx_plain.digest], idx_plain, None)
    _assert_descriptor(got[img_ref.digest], img_ref, OCI_CONFIG)


@distribution_deviation("no referrers API (404), no OCI-Subject header")
def test_referrers_artifact_type_filter(api, api_repo):
    subject = _subject(api, api_repo)
    sbom1 = make_artifact(SBOM, subject=subject.descriptor())
    sbom2 = make_artifact(SBOM, subject=subject.descriptor())
    sig = make_artifact(SIG, subject=subject.descriptor())
    for art in (sbom1, sbom2, sig):
        api.push_image(api_repo, art)
    r, descs = _all_referrers(api, api_repo, subject.digest, f"?artifactType={SBOM}")
    # The registry SHOULD support the filter; Portcullis does, so it must say so.
    assert r.header("OCI-Filters-Applied") == "artifactType", str(r)
    assert set(_by_digest(descs)) == {sbom1.digest, sbom2.digest}
    r, descs = _all_referrers(api, api_repo, subject.digest, f"?artifactType={SIG}")
    assert r.header("OCI-Filters-Applied") == "artifactType", str(r)
    assert set(_by_digest(descs)) == {sig.digest}
    r, descs = _all_referrers(api, api_repo, subject.digest, "?artifactType=application/vnd.none")
    assert r.header("OCI-Filters-Applied") == "artifactType", str(r)
    assert descs == []


@distribution_deviation("no referrers API (404), no OCI-Subject header")
def test_referrers_unfiltered_has_no_filters_header(api, api_repo):
    subject = _subject(api, api_repo)
    api.push_image(api_repo, make_artifact(SBOM, subject=subject.descriptor()))
    r, _ = _referrers(api, api_repo, subject.digest)
    assert r.header("OCI-Filters-Applied") is None, str(r)


@distribution_deviation("no referrers API (404), no OCI-Subject header")
def test_referrers_of_unknown_subject_is_empty_200(api, api_repo):
    api.push_image(api_repo, make_image(), ref="t")
    # "MUST return a 200 OK ... MUST NOT return a 404"; no referrers: empty list.
    _, doc = _referrers(api, api_repo, sha256(random_bytes(30)))
    assert doc["manifests"] == []


@distribution_deviation("no referrers API (404), no OCI-Subject header")
def test_referrers_of_subject_without_referrers_is_empty(api, api_repo):
    subject = _subject(api, api_repo)
    _, doc = _referrers(api, api_repo, subject.digest)
    assert doc["manifests"] == []


@distribution_deviation("no referrers API (404), no OCI-Subject header")
def test_referrers_pushed_before_subject(api, api_repo):
    # "A registry MUST accept a manifest that includes a subject field referencing
    # another manifest that does not yet exist in the repository."
    subject = make_image()
    art = make_artifact(SBOM, subject=subject.descriptor())
    r = api.push_image(api_repo, art, ref="early")
    assert r.header("OCI-Subject") == subject.digest, str(r)
    _, descs = _all_referrers(api, api_repo, subject.digest)
    assert set(_by_digest(descs)) == {art.digest}
    api.push_image(api_repo, subject, ref="image")
    _, descs = _all_referrers(api, api_repo, subject.digest)
    assert set(_by_digest(descs)) == {art.digest}


@distribution_deviation("no referrers API (404), no OCI-Subject header")
def test_referrers_of_index_subject(api, api_repo):
    index = make_index([make_image(), make_image()])
    api.push_image(api_repo, index, ref="multi")
    art = make_artifact(SIG, subject=index.descriptor())
    r = api.push_image(api_repo, art)
    assert r.header("OCI-Subject") == index.digest, str(r)
    _, descs = _all_referrers(api, api_repo, index.digest)
    assert set(_by_digest(descs)) == {art.digest}


@distribution_deviation("no referrers API (404), no OCI-Subject header")
def test_referrers_are_scoped_to_the_repository(api, api_repo):
    subject = make_image()
    api.push_image(api_repo, subject, ref="image")
    other = unique_repo()
    api.push_image(other, subject, ref="image")
    art = make_artifact(SBOM, subject=subject.descriptor())
    api.push_image(api_repo, art)
    _, descs = _all_referrers(api, other, subject.digest)
    assert descs == [], "referrer of another repository listed"


@distribution_deviation("no referrers API (404), no OCI-Subject header")
def test_deleted_referrer_disappears(api, api_repo):
    subject = _subject(api, api_repo)
    keep = make_artifact(SBOM, subject=subject.descriptor())
    gone = make_artifact(SBOM, subject=subject.descriptor())
    api.push_image(api_repo, keep)
    api.push_image(api_repo, gone)
    assert_status(api.delete(f"/v2/{api_repo}/manifests/{gone.digest}"), 202)
    _, descs = _all_referrers(api, api_repo, subject.digest)
    assert set(_by_digest(descs)) == {keep.digest}


@distribution_deviation("no referrers API (404), no OCI-Subject header")
def test_tagged_referrer_listed_once(api, api_repo):
    subject = _subject(api, api_repo)
    art = make_artifact(SBOM, subject=subject.descriptor())
    api.push_image(api_repo, art, ref="sbom")
    assert_status(api.put_manifest(api_repo, "sbom2", art.manifest, art.media_type), 201)
    _, descs = _all_referrers(api, api_repo, subject.digest)
    assert [d["digest"] for d in descs] == [art.digest]


def test_referrer_subject_with_missing_blobs_still_validated(api, api_repo):
    # The subject may be missing, but the artifact's own blobs may not.
    subject = make_image()
    art = make_artifact(SBOM, subject=subject.descriptor())
    r = api.put_manifest(api_repo, art.digest, art.manifest, art.media_type)
    assert_error(r, 400, "MANIFEST_BLOB_UNKNOWN")


@distribution_deviation("no referrers API (404), no OCI-Subject header")
@pytest.mark.parametrize("bad", ["sha256:" + "a" * 63, "sha256:xyz", "notadigest"])
def test_referrers_invalid_digest_is_400(api, api_repo, bad):
    # "If the request is invalid, such as a <digest> with an invalid syntax, a
    # 400 Bad Request MUST be returned."
    api.push_image(api_repo, make_image(), ref="t")
    r = api.get(f"/v2/{api_repo}/referrers/{bad}")
    assert_status(r, 400)
    assert_error(r, 400, "DIGEST_INVALID", "MANIFEST_INVALID", "NAME_INVALID")


@distribution_deviation("no referrers API (404), no OCI-Subject header")
def test_referrers_many_referrers_all_listed(api, api_repo):
    subject = _subject(api, api_repo)
    arts = [make_artifact(SBOM, subject=subject.descriptor()) for _ in range(12)]
    # the artifacts share the empty config; each has its own layer
    for art in arts:
        api.push_image(api_repo, art)
    _, descs = _all_referrers(api, api_repo, subject.digest)
    assert set(_by_digest(descs)) == {a.digest for a in arts}
    assert len(descs) == len(arts), "duplicates in the referrers list"

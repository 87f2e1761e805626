"""A small raw OCI Distribution client for the integration tests (stdlib only).

Every request opens its own connection, so one Registry object can be shared by many
threads.  Bodies may be bytes or an iterable of byte chunks (streamed with an explicit
Content-Length, optionally with a pause between chunks to keep an upload in flight).
"""

import base64
import hashlib
import http.client
import json
import os
import time
import urllib.parse

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
ACCEPT_ALL = ", ".join([OCI_MANIFEST, OCI_INDEX, DOCKER_MANIFEST, DOCKER_LIST])

# Errors that mean "the server went away" (killed, restarting, connection reset).
CONNECTION_ERRORS = (OSError, http.client.HTTPException)


def sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers  # lower-case name -> last value
        self.body = body

    def header(self, name, default=None):
        return self.headers.get(name.lower(), default)

    def json(self):
        return json.loads(self.body)

    def error_codes(self):
        """OCI error codes in the body ({"errors":[{"code":...}]}), [] if none."""
        try:
            return [e.get("code") for e in json.loads(self.body).get("errors", [])]
        except (ValueError, AttributeError):
            return []

    def __repr__(self):
        return f"<Response {self.status} {self.body[:300]!r}>"


class Registry:
    def __init__(self, addr, user=None, password=None, timeout=60):
        self.addr = addr  # "127.0.0.1:PORT"
        self.user = user
        self.password = password
        self.timeout = timeout

    def with_auth(self, user, password):
        return Registry(self.addr, user, password, self.timeout)

    def anonymous(self):
        return Registry(self.addr, None, None, self.timeout)

    # ------------------------------------------------------------------ plumbing
    def _target(self, url):
        """Path+query for a path or absolute URL (Location headers may be either)."""
        if url.startswith("http://") or url.startswith("https://"):
            u = urllib.parse.urlsplit(url)
            return u.path + (("?" + u.query) if u.query else "")
        return url

    def request(self, method, url, body=None, headers=None, auth=True, delay=0.0,
                length=None, read_body=True):
        """One HTTP request.  body: bytes, or an iterable of bytes chunks (then give
        length, and optionally delay seconds between chunks).  Returns a Response."""
        hdrs = dict(headers or {})
        if auth and self.user is not None:
            tok = base64.b64encode(f"{self.user}:{self.password}".encode()).decode()
            hdrs["Authorization"] = "Basic " + tok
        conn = http.client.HTTPConnection(self.addr, timeout=self.timeout)
        try:
            path = self._target(url)
            if body is None or isinstance(body, (bytes, bytearray)):
                if body is None and method in ("PUT", "POST", "PATCH"):
                    hdrs.setdefault("Content-Length", "0")
                conn.request(method, path, body=body, headers=hdrs)
            else:
                hdrs["Content-Length"] = str(length)
                conn.putrequest(method, path, skip_accept_encoding=True)
                for k, v in hdrs.items():
                    conn.putheader(k, v)
                conn.endheaders()
                for chunk in body:
                    conn.send(chunk)
                    if delay:
                        time.sleep(delay)
            resp = conn.getresponse()
            headers_out = {k.lower(): v for k, v in resp.getheaders()}
            data = resp.read() if (read_body and method != "HEAD") else b""
            return Response(resp.status, headers_out, data)
        finally:
            conn.close()

    def get_stream_digest(self, url, auth=True):
        """GET, hashing the body as it arrives.  Returns (status, headers, sha256, size)."""
        hdrs = {}
        if auth and self.user is not None:
            tok = base64.b64encode(f"{self.user}:{self.password}".encode()).decode()
            hdrs["Authorization"] = "Basic " + tok
        conn = http.client.HTTPConnection(self.addr, timeout=self.timeout)
        try:
            conn.request("GET", self._target(url), headers=hdrs)
            resp = conn.getresponse()
            headers_out = {k.lower(): v for k, v in resp.getheaders()}
            h = hashlib.sha256()
            n = 0
            while True:
                chunk = resp.read(1 << 20)
                if not chunk:
                    break
                h.update(chunk)
                n += len(chunk)
            return resp.status, headers_out, "sha256:" + h.hexdigest(), n
        finally:
            conn.close()

    # ------------------------------------------------------------------ API
    def ping(self, auth=True):
        return self.request("GET", "/v2/", auth=auth)

    def start_upload(self, repo, auth=True):
        r = self.request("POST", f"/v2/{repo}/blobs/uploads/", auth=auth)
        return r

    @staticmethod
    def _with_digest(location, digest):
        sep = "&" if "?" in location else "?"
        return f"{location}{sep}digest={urllib.parse.quote(digest, safe=':')}"

    def upload_blob(self, repo, data, mode="put", chunk=256 * 1024, delay=0.0, auth=True):
        """Upload data as a blob of repo.  mode:
          put     POST, then one PUT ?digest= with the whole body (containerd)
          patch   POST, one PATCH with the whole body, empty PUT ?digest= (containers/image)
          chunked POST, several PATCHes with Content-Range, empty PUT ?digest=
        Returns the final Response (201 on success) or the first failing one."""
        digest = sha256(data)
        r = self.start_upload(repo, auth=auth)
        if r.status != 202:
            return r
        loc = r.header("location")
        pieces = [data[i:i + chunk] for i in range(0, len(data), chunk)] or [b""]
        if mode == "put":
            return self.request("PUT", self._with_digest(loc, digest), body=iter(pieces),
                                length=len(data), delay=delay, auth=auth,
                                headers={"Content-Type": "application/octet-stream"})
        if mode == "patch":
            r = self.request("PATCH", loc, body=iter(pieces), length=len(data), delay=delay,
                             auth=auth, headers={"Content-Type": "application/octet-stream"})
            if r.status != 202:
                return r
            loc = r.header("location", loc)
        elif mode == "chunked":
            off = 0
            for p in pieces:
                r = self.request("PATCH", loc, body=p, auth=auth, headers={
                    "Content-Type": "application/octet-stream",
                    "Content-Range": f"{off}-{off + len(p) - 1}"})
                if r.status != 202:
                    return r
                loc = r.header("location", loc)
                off += len(p)
                if delay:
                    time.sleep(delay)
        else:
            raise ValueError(mode)
        return self.request("PUT", self._with_digest(loc, digest), auth=auth)

    def blob_head(self, repo, digest, auth=True):
        return self.request("HEAD", f"/v2/{repo}/blobs/{digest}", auth=auth)

    def blob_get(self, repo, digest, auth=True):
        return self.request("GET", f"/v2/{repo}/blobs/{digest}", auth=auth)

    def put_manifest(self, repo, ref, body, media_type=OCI_MANIFEST, auth=True):
        return self.request("PUT", f"/v2/{repo}/manifests/{ref}", body=body, auth=auth,
                            headers={"Content-Type": media_type})

    def get_manifest(self, repo, ref, accept=ACCEPT_ALL, auth=True):
        return self.request("GET", f"/v2/{repo}/manifests/{ref}", auth=auth,
                            headers={"Accept": accept})

    def head_manifest(self, repo, ref, accept=ACCEPT_ALL, auth=True):
        return self.request("HEAD", f"/v2/{repo}/manifests/{ref}", auth=auth,
                            headers={"Accept": accept})

    def delete_manifest(self, repo, digest, auth=True):
        return self.request("DELETE", f"/v2/{repo}/manifests/{digest}", auth=auth)

    def tags(self, repo, auth=True):
        return self.request("GET", f"/v2/{repo}/tags/list", auth=auth)


# ---------------------------------------------------------------------- content
def random_config(tag=""):
    """A small, unique, valid image config."""
    cfg = {"architecture": "amd64", "os": "linux",
           "config": {"Labels": {"portcullis.itest": tag or os.urandom(8).hex()}},
           "rootfs": {"type": "layers", "diff_ids": []}}
    return json.dumps(cfg, sort_keys=True, separators=(",", ":")).encode()


def make_manifest(config: bytes, layers, annotations=None) -> bytes:
    """OCI image manifest bytes for config + layers (list of bytes or (digest, size))."""
    def desc(mt, item):
        if isinstance(item, (bytes, bytearray)):
            return {"mediaType": mt, "digest": sha256(item), "size": len(item)}
        d, n = item
        return {"mediaType": mt, "digest": d, "size": n}
    m = {"schemaVersion": 2, "mediaType": OCI_MANIFEST,
         "config": desc(OCI_CONFIG, config),
         "layers": [desc(OCI_LAYER_GZIP, l) for l in layers]}
    if annotations:
        m["annotations"] = annotations
    return json.dumps(m, separators=(",", ":")).encode()


def push_image(reg: Registry, repo, tag, layers, config=None, mode="put", annotations=None):
    """Upload config + layers and PUT the manifest under tag.  Returns
    (manifest_bytes, manifest_digest, final_response)."""
    config = config if config is not None else random_config(f"{repo}:{tag}")
    for blob in [config, *layers]:
        r = reg.upload_blob(repo, blob, mode=mode)
        assert r.status == 201, f"blob upload to {repo} failed: {r}"
    body = make_manifest(config, layers, annotations)
    r = reg.put_manifest(repo, tag, body)
    return body, sha256(body), r

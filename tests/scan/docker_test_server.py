#!/usr/bin/python3
"""Servers for the docker:// source tests (docker_source_test.cpp).

  token --cert OUT --user U --password P --service S --issuer I
      A Docker token server: signs RS256 JWTs with a fresh key whose self-signed
      certificate it writes to OUT (the registry's rootcertbundle) and sends in
      the x5c header. GET /token with the right Basic credentials grants the
      actions asked for in `scope`; without credentials it grants nothing (the
      registry then answers 401); with wrong ones it answers 401.

  hostile
      A fake registry that misbehaves by repository name (see HOSTILE below),
      for the error paths no real registry takes.

Both listen on 127.0.0.1 on a free port and print "PORT <n>" when ready."""

import base64
import datetime
import hashlib
import json
import sys
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def make_signer(cert_path):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "portcullis test token signer")])
    now = datetime.datetime.utcnow()
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    with open(cert_path, "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
    x5c = base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()

    def sign(claims):
        header = {"typ": "JWT", "alg": "RS256", "x5c": [x5c]}
        signing_input = (b64url(json.dumps(header).encode()) + "." +
                         b64url(json.dumps(claims).encode())).encode()
        sig = key.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())
        return signing_input.decode() + "." + b64url(sig)
    return sign


def token_handler(args, sign):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *a):
            pass

        def do_GET(self):
            url = urlparse(self.path)
            q = parse_qs(url.query)
            auth = self.headers.get("Authorization", "")
            user = None
            if auth.startswith("Basic "):
                given = base64.b64decode(auth[6:]).decode(errors="replace")
                if given != f"{args['user']}:{args['password']}":
                    return self.reply(401, {"details": "wrong credentials"})
                user = args["user"]
            access = []
            for scope in q.get("scope", []):
                parts = scope.split(":")
                if user and len(parts) == 3 and parts[0] == "repository":
                    access.append({"type": "repository", "name": parts[1],
                                   "actions": parts[2].split(",")})
            now = int(time.time())
            token = sign({"iss": args["issuer"], "sub": user or "", "aud": q.get("service", [""])[0],
                          "exp": now + 600, "nbf": now - 30, "iat": now,
                          "jti": str(uuid.uuid4()), "access": access})
            self.reply(200, {"token": token, "expires_in": 600})

        def reply(self, status, obj):
            body = json.dumps(obj).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
    return Handler


MANIFEST = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                       "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                                  "digest": "sha256:" + "0" * 64, "size": 2},
                       "layers": []}).encode()
BLOB = b"0123456789" * 1000
BLOB_DIGEST = "sha256:" + hashlib.sha256(BLOB).hexdigest()


class Hostile(BaseHTTPRequestHandler):
    """/v2/<case>/..., case one of: endless, biglen, hugeheader, badtoken, notoken,
    accesstoken, basic, truncated, stall, redirect; /realm/<case> is their token realm;
    /s3/blob serves BLOB only to a request without Authorization."""
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def send(self, status, body=b"", headers=()):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def challenge(self, case):
        host = self.headers.get("Host")
        self.send(401, b'{"errors":[{"code":"UNAUTHORIZED","message":"log in"}]}',
                  [("WWW-Authenticate", f'Bearer realm="http://{host}/realm/{case}",service="hostile"')])

    def do_GET(self):
        parts = urlparse(self.path).path.split("/")
        auth = self.headers.get("Authorization", "")
        if parts[1] == "realm":
            answers = {"badtoken": b"<html>not json", "notoken": b'{"expires_in": 5}',
                       "accesstoken": b'{"access_token": "opaque-123"}',
                       "crlf": b'{"token": "a\\r\\nX-Evil: 1"}'}
            return self.send(200, answers.get(parts[2], b"{}"), [("Content-Type", "application/json")])
        if parts[1] == "s3":
            if auth:
                return self.send(400, b"Authorization sent to the storage host")
            return self.send(200, BLOB)
        case = parts[2] if len(parts) > 2 else ""
        if case == "endless":
            self.send_response(200)
            self.send_header("Content-Type", "application/vnd.oci.image.manifest.v1+json")
            self.send_header("Connection", "close")
            self.end_headers()
            try:
                while True:
                    self.wfile.write(b" " * 65536)
            except OSError:
                return
        if case == "biglen":
            self.send_response(200)
            self.send_header("Content-Length", str(10**12))
            self.end_headers()
            return
        if case == "hugeheader":
            self.send_response(200)
            self.send_header("X-Huge", "a" * (2 * 1024 * 1024))
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if case in ("badtoken", "notoken", "crlf"):
            return self.challenge(case)
        if case == "accesstoken":
            if auth != "Bearer opaque-123":
                return self.challenge(case)
            return self.send(200, MANIFEST, [("Content-Type", "application/vnd.oci.image.manifest.v1+json")])
        if case in ("basic", "redirect"):
            if auth != "Basic " + base64.b64encode(b"u:p").decode():
                return self.send(401, b"", [("WWW-Authenticate", 'Basic realm="hostile"')])
            if case == "redirect":
                port = self.server.server_address[1]
                return self.send(307, b"", [("Location", f"http://localhost:{port}/s3/blob?X-Sig=secret")])
            return self.send(200, MANIFEST, [("Content-Type", "application/vnd.oci.image.manifest.v1+json")])
        if case == "truncated":
            self.send_response(200)
            self.send_header("Content-Length", str(len(BLOB)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(BLOB[:100])
            self.wfile.flush()
            self.close_connection = True
            return
        if case == "stall":
            self.send_response(200)
            self.send_header("Content-Length", str(len(BLOB)))
            self.end_headers()
            self.wfile.write(BLOB[:100])
            self.wfile.flush()
            time.sleep(30)
            return
        self.send(404, b'{"errors":[{"code":"NAME_UNKNOWN","message":"no such case"}]}')


def main(argv):
    mode = argv[1]
    if mode == "token":
        args = dict(zip([a.lstrip("-").replace("-", "_") for a in argv[2::2]], argv[3::2]))
        handler = token_handler(args, make_signer(args["cert"]))
    else:
        handler = Hostile
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    print(f"PORT {server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main(sys.argv)

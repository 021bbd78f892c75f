#!/usr/bin/env python3
"""fakereg.py: a small registry on 127.0.0.1 that misbehaves on purpose.

It serves one image (any repository name, tag "latest", and by digest): a
gzip layer holding 2 MiB of pseudo-random bytes, its config and manifest.

Usage: fakereg.py --mode MODE --port-file FILE [--log FILE]

Modes:
  good        a correct registry (plain HTTP, no auth)
  baddigest   the layer's bytes do not match the digest in the manifest
  drop        the first GET of the layer closes the connection half-way;
              later GETs honour Range (206)
  norange     like drop, but the server ignores Range and resends it all
  sizelie     the manifest gives the layer a size 1000 bytes smaller than it is
  bearer      token auth: /v2/ answers 401 Bearer realm=.../token; the token
              service wants basic auth tester:s3cret
  redirect    blobs answer 307 to /storage/<digest>
  bigmanifest the manifest is 5 MiB of JSON
  err500      every manifest GET fails with 500 and an error JSON
  artifact    the manifest's config is not an image config (a Helm chart)

Uploads (POST .../blobs/uploads/, then PUT to the Location with ?digest=)
work in every mode: the Location is relative and carries a query of its own,
except in mode "absupload", where it is an absolute URL.  A PUT whose body
does not match its digest gets 400 DIGEST_INVALID.

The port is written to --port-file once the server listens.  Requests are
logged one per line to --log ("METHOD PATH RANGE AUTH").
"""

import argparse
import base64
import gzip
import hashlib
import http.server
import os
import io
import json
import random
import re
import socket
import sys
import tarfile
import threading

USER, PASSWORD, TOKEN = "tester", "s3cret", "tok-123"


def sha(b):
    return "sha256:" + hashlib.sha256(b).hexdigest()


def build_image():
    rnd = random.Random(42)
    data = rnd.randbytes(2 * 1024 * 1024)
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tf:
        ti = tarfile.TarInfo("hello.bin")
        ti.size, ti.mode, ti.mtime = len(data), 0o644, 0
        tf.addfile(ti, io.BytesIO(data))
        ti = tarfile.TarInfo("hello.txt")
        msg = b"hello from fakereg\n"
        ti.size, ti.mode, ti.mtime = len(msg), 0o644, 0
        tf.addfile(ti, io.BytesIO(msg))
    tar = raw.getvalue()
    layer = gzip.compress(tar, mtime=0)
    config = json.dumps({
        "created": "2024-01-01T00:00:00Z", "architecture": "amd64", "os": "linux",
        "config": {"Cmd": ["/bin/sh"]},
        "rootfs": {"type": "layers", "diff_ids": [sha(tar)]},
        "history": [{"created": "2024-01-01T00:00:00Z", "created_by": "fakereg"}],
    }, sort_keys=True).encode()
    return layer, config


class State:
    def __init__(self, mode, log):
        self.mode = mode
        self.log = log
        self.lock = threading.Lock()
        self.dropped = False
        layer, config = build_image()
        self.blobs = {sha(layer): layer, sha(config): config}
        self.layer_digest = sha(layer)
        served = layer
        if mode == "baddigest":
            served = bytearray(layer)
            served[len(served) // 2] ^= 0xFF
            served = bytes(served)
        self.served = {sha(layer): served, sha(config): config}
        size = len(layer) - 1000 if mode == "sizelie" else len(layer)
        manifest = {
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                       "digest": sha(config), "size": len(config)},
            "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                        "digest": sha(layer), "size": size}],
        }
        if mode == "artifact":
            manifest["config"]["mediaType"] = "application/vnd.cncf.helm.config.v1+json"
        if mode == "bigmanifest":
            manifest["annotations"] = {"padding": "x" * (5 * 1024 * 1024)}
        self.manifest = json.dumps(manifest, indent=2).encode()
        self.manifest_digest = sha(self.manifest)

    def record(self, line):
        if self.log:
            with self.lock, open(self.log, "a") as f:
                f.write(line + "\n")


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fakereg/1"

    def log_message(self, fmt, *args):
        pass

    def reply(self, status, body=b"", ctype="application/json", headers=()):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Docker-Distribution-API-Version", "registry/2.0")
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def error(self, status, code, message, headers=()):
        body = json.dumps({"errors": [{"code": code, "message": message}]}).encode()
        self.reply(status, body, headers=headers)

    def authorized(self):
        st = self.server.state
        if st.mode != "bearer":
            return True
        if self.headers.get("Authorization") == "Bearer " + TOKEN:
            return True
        port = self.server.server_address[1]
        self.error(401, "UNAUTHORIZED", "authentication required", headers=[
            ("WWW-Authenticate",
             'Bearer realm="http://127.0.0.1:%d/token",service="fakereg",scope="repository:x:pull"' % port)])
        return False

    def token(self):
        want = "Basic " + base64.b64encode(("%s:%s" % (USER, PASSWORD)).encode()).decode()
        if self.headers.get("Authorization") != want:
            self.error(401, "UNAUTHORIZED", "bad credentials")
            return
        self.reply(200, json.dumps({"access_token": TOKEN, "expires_in": 300}).encode())

    def do_HEAD(self):
        self.do_GET()

    def body(self):
        n = int(self.headers.get("Content-Length", "0"))
        return self.rfile.read(n) if n else b""

    def do_POST(self):
        st = self.server.state
        st.record("POST %s - %s" % (self.path, "auth" if self.headers.get("Authorization") else "-"))
        self.body()
        if not self.authorized():
            return
        m = re.match(r"^/v2/(.+)/blobs/uploads/$", self.path)
        if not m:
            return self.error(404, "NAME_UNKNOWN", "no such endpoint")
        loc = "/v2/%s/blobs/uploads/u1?_state=s1" % m.group(1)
        if st.mode == "absupload":
            loc = "http://127.0.0.1:%d%s" % (self.server.server_address[1], loc)
        self.reply(202, b"", headers=[("Location", loc), ("Docker-Upload-UUID", "u1")])

    def do_PUT(self):
        st = self.server.state
        st.record("PUT %s - %s" % (self.path, "auth" if self.headers.get("Authorization") else "-"))
        data = self.body()
        if not self.authorized():
            return
        path, _, query = self.path.partition("?")
        params = dict(p.split("=", 1) for p in query.split("&") if "=" in p)
        if re.match(r"^/v2/(.+)/blobs/uploads/u1$", path):
            from urllib.parse import unquote
            digest = unquote(params.get("digest", ""))
            if params.get("_state") != "s1":
                return self.error(400, "BLOB_UPLOAD_INVALID", "the upload's own query was lost")
            if sha(data) != digest:
                return self.error(400, "DIGEST_INVALID", "provided digest did not match uploaded content")
            st.served[digest] = data
            return self.reply(201, b"", headers=[("Location", "/v2/x/blobs/" + digest)])
        m = re.match(r"^/v2/(.+)/manifests/([^/]+)$", path)
        if m:
            st.pushed_manifest = data
            return self.reply(201, b"", headers=[("Docker-Content-Digest", sha(data))])
        self.error(404, "NAME_UNKNOWN", "no such endpoint")

    def do_GET(self):
        st = self.server.state
        st.record("%s %s %s %s" % (self.command, self.path, self.headers.get("Range", "-"),
                                   "auth" if self.headers.get("Authorization") else "-"))
        path = self.path.split("?")[0]
        if path.startswith("/token"):
            return self.token()
        if path.startswith("/storage/"):
            return self.blob(path[len("/storage/"):])
        if path == "/v2/" or path == "/v2":
            if not self.authorized():
                return
            return self.reply(200, b"{}")
        if not self.authorized():
            return
        m = re.match(r"^/v2/(.+)/manifests/([^/]+)$", path)
        if m:
            ref = m.group(2)
            if st.mode == "err500":
                return self.error(500, "UNKNOWN", "the storage backend is on fire")
            if ref not in ("latest", st.manifest_digest):
                return self.error(404, "MANIFEST_UNKNOWN", "manifest unknown")
            return self.reply(200, st.manifest, "application/vnd.oci.image.manifest.v1+json",
                              [("Docker-Content-Digest", st.manifest_digest)])
        m = re.match(r"^/v2/(.+)/blobs/([^/]+)$", path)
        if m:
            if st.mode == "redirect":
                return self.reply(307, b"", headers=[("Location", "/storage/" + m.group(2))])
            return self.blob(m.group(2))
        self.error(404, "NAME_UNKNOWN", "no such endpoint")

    def blob(self, digest):
        st = self.server.state
        body = st.served.get(digest)
        if body is None:
            return self.error(404, "BLOB_UNKNOWN", "blob unknown to registry")
        rng = self.headers.get("Range")
        start = 0
        if rng and st.mode != "norange":
            m = re.match(r"bytes=(\d+)-$", rng)
            start = int(m.group(1)) if m else 0
        if st.mode in ("drop", "norange") and digest == st.layer_digest and self.command == "GET":
            with st.lock:
                first = not st.dropped
                st.dropped = True
            if first:
                # promise everything, send half, hang up
                self.send_response(200)
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body[: len(body) // 2])
                self.wfile.flush()
                self.connection.shutdown(socket.SHUT_RDWR)
                self.close_connection = True
                return
        if start:
            part = body[start:]
            return self.reply(206, part, "application/octet-stream",
                              [("Content-Range", "bytes %d-%d/%d" % (start, len(body) - 1, len(body)))])
        self.reply(200, body, "application/octet-stream", [("Docker-Content-Digest", digest)])


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # clients hanging up mid-answer are part of the tests


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mode", default="good")
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log")
    a = ap.parse_args()
    srv = Server(("127.0.0.1", 0), Handler)
    srv.state = State(a.mode, a.log)
    with open(a.port_file + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))

    os.rename(a.port_file + ".tmp", a.port_file)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())

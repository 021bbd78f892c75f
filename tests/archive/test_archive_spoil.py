#!/usr/bin/env python3
"""test_archive_spoil.py LAYOUT ENTRY HOW: spoils index.json manifests[ENTRY]
of the OCI layout LAYOUT so that it still plans but fails once committed,
every blob digest staying right (the archive tests load it):

  bad-layer   its last layer becomes a gzip layer that is not the diff id its
              config names
  artifact    its config gets a media type that is not an image config's
"""
import gzip
import hashlib
import io
import json
import os
import sys
import tarfile


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    lay, entry, how = sys.argv[1], int(sys.argv[2]), sys.argv[3]

    def path(d):
        return os.path.join(lay, "blobs", "sha256", d[7:])

    def put(data):
        d = "sha256:" + hashlib.sha256(data).hexdigest()
        with open(path(d), "wb") as f:
            f.write(data)
        return d, len(data)

    with open(os.path.join(lay, "index.json")) as f:
        idx = json.load(f)
    e = idx["manifests"][entry]
    with open(path(e["digest"]), "rb") as f:
        man = json.load(f)
    if how == "bad-layer":
        buf, data = io.BytesIO(), b"not the layer the config names\n"
        with tarfile.open(fileobj=buf, mode="w") as t:
            ti = tarfile.TarInfo("spoiled")
            ti.size = len(data)
            t.addfile(ti, io.BytesIO(data))
        layer = man["layers"][-1]
        layer["digest"], layer["size"] = put(gzip.compress(buf.getvalue(), mtime=0))
        layer["mediaType"] = "application/vnd.oci.image.layer.v1.tar+gzip"
    elif how == "artifact":
        man["config"]["mediaType"] = "application/vnd.example.thing.v1+json"
    else:
        sys.exit("unknown way to spoil: " + how)
    e["digest"], e["size"] = put(json.dumps(man).encode())
    with open(os.path.join(lay, "index.json"), "w") as f:
        json.dump(idx, f)


if __name__ == "__main__":
    main()

/* Internal API of the registry module: a client of the OCI distribution
 * protocol over libcurl (manifests, blobs, uploads), with Bearer-token and
 * basic auth, podman's auth.json, TLS verified by default, and retries that
 * resume a dropped blob download.  It knows nothing about the image store:
 * the image module hands it sinks and sources. */
#ifndef CK_REGISTRY_H
#define CK_REGISTRY_H

#include "core/core.h"
#include <containerkit/image.h>

typedef struct ck__registry ck__registry;

/* A session with one repository of one registry ("127.0.0.1:5000",
 * "library/busybox").  Credentials come from opts, else the auth file.  TLS
 * is verified unless opts->tls_verify is 0, or it is -1 and the host is in
 * the context's insecure_registries (then plain HTTP is tried too, as
 * podman does). */
int ck__reg_open(ck__registry **out, ck_context *ctx, const char *registry, const char *repo,
                      const ck_registry_options *opts);
void ck__reg_free(ck__registry *r);
/* Declares that the session will write (push): every request then asks for
 * a token with push scope, so a repository that does not exist yet can be
 * probed and written with one token. */
void ck__reg_set_push(ck__registry *r);

/* GETs a manifest by tag or digest, accepting OCI and Docker manifests and
 * indexes.  `*digest` is "sha256:HEX" of the body (checked against `ref`
 * when `ref` is a digest, and against Docker-Content-Digest when sent).
 * CK_ENOTFOUND for a missing tag or repository, CK_EAUTH for refused
 * credentials, CK_ENETWORK for transport failures: each message names the
 * registry, the repository and the cause. */
int ck__reg_get_manifest(char **body, size_t *len, char **media_type, char **digest, ck__registry *r,
                              const char *ref);

/* Receives blob bytes.  `write` returns CK_OK or an error that stops the
 * download.  `offset` tells how many bytes the sink holds already: after a
 * dropped connection the download resumes there with a Range request. */
typedef struct ck__blob_sink {
	int (*write)(void *payload, const void *data, size_t len);
	uint64_t (*offset)(void *payload);
	void *payload;
} ck__blob_sink;

/* Downloads blob `digest` of `size` bytes (-1 unknown) into `sink`, retrying
 * up to 5 times after a dropped connection.  The caller verifies the digest
 * (the image store's writer does). */
int ck__reg_get_blob(ck__registry *r, const char *digest, int64_t size, const ck__blob_sink *sink,
                          ck_progress_fn progress, void *payload);

/* HEAD of a blob: *exists is true if the registry has it. */
int ck__reg_blob_exists(bool *exists, ck__registry *r, const char *digest);

/* Uploads the blob stored at `path` (`size` bytes, digest `digest`). */
int ck__reg_put_blob(ck__registry *r, const char *digest, const char *path, int64_t size,
                          ck_progress_fn progress, void *payload);

/* PUTs a manifest under `ref` (a tag or its digest). */
int ck__reg_put_manifest(ck__registry *r, const char *ref, const char *body, size_t len,
                              const char *media_type);

/* Checks credentials against the registry's /v2/ endpoint (and its token
 * service), without storing them. */
int ck__reg_check_login(ck_context *ctx, const char *registry, const char *username, const char *password,
                             const ck_registry_options *opts);

/* ---- auth.json (auth.c) ---- */
/* The auth file to use: opts->authfile, $REGISTRY_AUTH_FILE, then
 * $XDG_RUNTIME_DIR/containers/auth.json (unset: /run/containers/UID/auth.json)
 * for writing; reading also falls back to
 * $XDG_CONFIG_HOME/containers/auth.json and ~/.docker/config.json (an
 * explicit authfile or $REGISTRY_AUTH_FILE is the only file read).  Lookup
 * takes "registry[/repo]" and prefers the most specific key ("host/ns/repo",
 * then "host/ns", then "host"), as podman does; keys are compared without
 * scheme or trailing "/v1/", and docker.io's aliases are one registry.
 * CK_ENOTFOUND when nothing matches. */
int ck__auth_lookup(char **username, char **password, const ck_registry_options *opts, const char *registry);
int ck__auth_store(const ck_registry_options *opts, const char *registry, const char *username,
                   const char *password);
int ck__auth_remove(const ck_registry_options *opts, const char *registry); /* NULL: all */

#endif

/* Registries: the options of every registry operation (pull, push, login,
 * auto-update), the progress callback of transfers and unpacks, and the
 * stored credentials (login, logout).  Pull and push are in image.h.
 * It declares no handle: the options struct belongs to the caller. */
#ifndef CONTAINERKIT_REGISTRY_H
#define CONTAINERKIT_REGISTRY_H

#include "common.h"

CK_BEGIN_DECLS

/** Progress of a transfer or an unpack.  `phase` is "copy" (a blob moving
 *  in or out), "unpack" (a layer being extracted), "skip" (a blob already
 *  present) or "write" (a manifest or an archive entry).  `digest` names the
 *  blob ("sha256:..."), or is NULL.  `total` is 0 when unknown.  Called on
 *  the calling thread; strings are valid only during the call. */
typedef void (*ck_progress_fn)(const char *phase, const char *digest, uint64_t done, uint64_t total,
                               void *payload);

#define CK_REGISTRY_OPTIONS_VERSION 1

/** Options for registry operations (pull, push, login).  Every NULL or -1
 *  field means "the default". */
typedef struct ck_registry_options {
	unsigned int version;       /**< CK_REGISTRY_OPTIONS_VERSION */
	int tls_verify;             /**< 1 verify, 0 do not, -1 default (verify unless the registry is
	                                 listed in `insecure_registries`) */
	const char *username;       /**< credentials; NULL: from the auth file */
	const char *password;
	const char *authfile;       /**< auth.json to read and write; NULL: podman's locations */
	const char *cert_dir;       /**< directory of CA certificates (*.crt) for the registry; NULL:
	                                 /etc/containers/certs.d/HOST[:PORT] when it exists */
	const char *platform;       /**< "os/arch[/variant]" to select from an index; NULL: this host */
	ck_progress_fn progress;    /**< progress callback, or NULL */
	void *progress_payload;
} ck_registry_options;

#define CK_REGISTRY_OPTIONS_INIT { CK_REGISTRY_OPTIONS_VERSION, -1, NULL, NULL, NULL, NULL, NULL, NULL, NULL }

/** Initialises `opts` for the given struct version; CK_EVERSION if unknown. */
CK_EXTERN int ck_registry_options_init(ck_registry_options *opts, unsigned int version);

/** Checks the credentials against `registry` ("host[:port]") and stores them
 *  in the auth file (podman's auth.json format). */
CK_EXTERN int ck_registry_login(ck_context *ctx, const char *registry, const char *username,
                                const char *password, const ck_registry_options *opts);

/** Removes stored credentials for `registry` (NULL: all of them). */
CK_EXTERN int ck_registry_logout(ck_context *ctx, const char *registry, const ck_registry_options *opts);

CK_END_DECLS

#endif

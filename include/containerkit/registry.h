/* Registries: the options of every registry operation (pull, push, login,
 * auto-update), the progress callback of transfers and unpacks, and the
 * stored credentials (login, logout).  Pull and push are in image.h.
 * It declares no handle: the options struct belongs to the caller. */
#ifndef CONTAINERKIT_REGISTRY_H
#define CONTAINERKIT_REGISTRY_H

#include "common.h"

CK_BEGIN_DECLS

/** Superseded by ck_image_progress_fn, whose struct can grow (see
 *  deprecated.h); kept for ck_registry_options.progress and ck_image_load().
 *  Progress of a transfer or an unpack.  `phase` is "copy" (a blob moving
 *  in or out), "unpack" (a layer being extracted), "skip" (a blob already
 *  present) or "write" (a manifest or an archive entry).  `digest` names the
 *  blob ("sha256:..."), or is NULL.  `total` is 0 when unknown.  Called on
 *  the calling thread; strings are valid only during the call. */
typedef void (*ck_progress_fn)(const char *phase, const char *digest, uint64_t done, uint64_t total,
                               void *payload);

#define CK_IMAGE_PROGRESS_VERSION 1

/** Progress of a pull, a push or a load.  The library fills it; fields are
 *  only ever appended, and `version` says which a caller may read.  It and
 *  its strings are valid only during the callback.  Since 1.1. */
typedef struct ck_image_progress {
	unsigned int version;   /**< CK_IMAGE_PROGRESS_VERSION of the library that made it */
	/** "copy" (a blob moving in or out), "unpack" (a layer being
	 *  extracted), "skip" (a blob already there) or "write" (a manifest or
	 *  an archive entry stored) */
	const char *phase;
	const char *object;     /**< the blob's or manifest's digest ("sha256:..."); "" when none */
	uint64_t bytes_done;    /**< of this object, in this phase */
	uint64_t bytes_total;   /**< 0 when not known */
	uint64_t objects_done;  /**< objects (blobs and manifests) finished so far in this operation */
	uint64_t objects_total; /**< how many it has (a pull or push knows once it has the manifest); 0 when not known */
} ck_image_progress;

/** Receives progress, on the calling thread.  Since 1.1. */
typedef void (*ck_image_progress_fn)(const ck_image_progress *progress, void *payload);

#define CK_REGISTRY_OPTIONS_VERSION 2

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
	ck_progress_fn progress;    /**< superseded by `transfer_progress` (deprecated.h); NULL */
	void *progress_payload;
	/* Version 2 (1.1). */
	ck_image_progress_fn transfer_progress; /**< progress callback, or NULL */
	void *transfer_payload;                 /**< handed to transfer_progress */
} ck_registry_options;

#define CK_REGISTRY_OPTIONS_INIT { CK_REGISTRY_OPTIONS_VERSION, -1, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL }

/** Initialises `opts` for the given struct version (1, or 2 since 1.1:
 *  `transfer_progress`); CK_EVERSION if unknown.  Every function that takes
 *  the options accepts both versions. */
CK_EXTERN int ck_registry_options_init(ck_registry_options *opts, unsigned int version);

/** Checks the credentials against `registry` ("host[:port]") and stores them
 *  in the auth file (podman's auth.json format). */
CK_EXTERN int ck_registry_login(ck_context *ctx, const char *registry, const char *username,
                                const char *password, const ck_registry_options *opts);

/** Removes stored credentials for `registry` (NULL: all of them). */
CK_EXTERN int ck_registry_logout(ck_context *ctx, const char *registry, const ck_registry_options *opts);

CK_END_DECLS

#endif

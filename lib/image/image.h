/* Internal API of the image module, shared by its files and by the modules
 * above it (rootfs, archive, registry, container, pod, system, autoupdate):
 * references, manifests and configs, image records, their names and users,
 * commits, and the images made here.  It includes the layer module's.
 *
 * In the state store: kind CK__KIND_IMAGE records (id = config digest hex)
 * and bucket "images.tags" (normalized name -> image id); the blobs and
 * layers they name are lib/layer's. */
#ifndef CK_IMAGE_H
#define CK_IMAGE_H

#include "layer/layer.h"

/* ---- references (ref.c) ---- */
typedef struct ck__ref {
	char *registry; /* "docker.io", "localhost", "127.0.0.1:5000" */
	char *repo;     /* "library/busybox" */
	char *tag;      /* "latest" when neither tag nor digest was given; NULL with a digest only */
	char *digest;   /* "sha256:HEX" or NULL */
} ck__ref;
/* Parses a fully qualified or short reference.  A name without a registry
 * gets `default_registry` (NULL: "localhost" for local names is NOT implied;
 * callers expand short names with ck__ref_candidates).  Uppercase repository
 * names, bad tags and bad digests fail with CK_EINVAL naming the problem. */
int ck__ref_parse(ck__ref *out, const char *text, const char *default_registry);
/* "registry/repo:tag", "registry/repo@digest" or "registry/repo:tag@digest". */
char *ck__ref_string(const ck__ref *ref);
/* "registry/repo" */
char *ck__ref_repo_string(const ck__ref *ref);
void ck__ref_free(ck__ref *ref);
/* True when `text` has no registry part ("busybox", "library/busybox"). */
bool ck__ref_is_short(const char *text);
/* The fully qualified names to try for `text`: itself when qualified; for a
 * short name, "localhost/NAME" then each search registry (docker.io adds
 * "library/" to one-component names). */
int ck__ref_candidates(char ***out, const ck_context *ctx, const char *text);

/* ---- manifests and configs (manifest.c) ---- */
#define CK_MT_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define CK_MT_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define CK_MT_OCI_CONFIG "application/vnd.oci.image.config.v1+json"
#define CK_MT_OCI_LAYER "application/vnd.oci.image.layer.v1.tar"
#define CK_MT_OCI_LAYER_GZIP "application/vnd.oci.image.layer.v1.tar+gzip"
#define CK_MT_OCI_LAYER_ZSTD "application/vnd.oci.image.layer.v1.tar+zstd"
#define CK_MT_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define CK_MT_DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
#define CK_MT_DOCKER_CONFIG "application/vnd.docker.container.image.v1+json"
#define CK_MT_DOCKER_LAYER "application/vnd.docker.image.rootfs.diff.tar.gzip"

typedef struct ck__descriptor {
	char *media_type;
	char *digest;
	int64_t size;
	char *platform_os, *platform_arch, *platform_variant; /* index entries only */
} ck__descriptor;

typedef struct ck__manifest {
	char *media_type;          /* CK_MT_OCI_MANIFEST or CK_MT_DOCKER_MANIFEST */
	ck__descriptor config;
	ck__descriptor *layers;
	size_t n_layers;
} ck__manifest;

typedef struct ck__index {
	char *media_type;          /* CK_MT_OCI_INDEX or CK_MT_DOCKER_LIST */
	ck__descriptor *manifests;
	size_t n_manifests;
} ck__index;

/* The media type of a manifest-like document: its mediaType field, or
 * inferred from its shape.  CK_ECORRUPT for malformed JSON or the wrong type
 * of any field, naming `what` and the field. */
int ck__manifest_kind(char **media_type, const char *json, size_t len, const char *what);
int ck__manifest_parse(ck__manifest **out, const char *json, size_t len, const char *what);
void ck__manifest_free(ck__manifest *m);
/* Writing manifests (manifest.c): opens one in `g` (schemaVersion,
 * mediaType, the config's descriptor) and then its "layers" array, which
 * the caller fills with ck__manifest_gen_desc and ends with
 * ck__manifest_gen_close. */
void ck__manifest_gen_open(yajl_gen g, const char *media_type, const char *config_type, const char *config,
                           int64_t config_size);
void ck__manifest_gen_desc(yajl_gen g, const char *media_type, const char *digest, int64_t size);
void ck__manifest_gen_close(yajl_gen g);
/* Finishes `g` (freeing it) and stores the JSON as a blob: `*digest` gets
 * its digest, and `*size` (if not NULL) its length. */
int ck__image_put_json(char **digest, int64_t *size, ck_context *ctx, yajl_gen g);
int ck__index_parse(ck__index **out, const char *json, size_t len, const char *what);
void ck__index_free(ck__index *idx);
/* Picks the entry for "os/arch[/variant]" (NULL: this host).  CK_ENOTFOUND
 * listing the platforms there are. */
int ck__index_select(const ck__descriptor **out, const ck__index *idx, const char *platform);
/* Validates an image config and extracts what records need: diff ids in
 * order, created time, os/arch, and the history. */
typedef struct ck__image_config {
	char **diff_ids;           /* NULL-terminated, "sha256:HEX" */
	int64_t created;           /* seconds, 0 if absent */
	char *os, *arch;
} ck__image_config;
int ck__image_config_parse(ck__image_config *out, const char *json, size_t len, const char *what);
void ck__image_config_free(ck__image_config *c);

/* ---- image records (record.c, image.c) ---- */
/* Registers the image whose manifest (and its config and layer blobs) is in
 * the blob store: checks every blob's presence and size, unpacks the layers
 * (diff ids checked against the config), then inserts the record and the
 * names in one transaction.  If the image exists already it just gains the
 * names.  `names` are normalized references, NULL-terminated (may be NULL). */
int ck__image_commit(ck_image **out, ck_context *ctx, const char *manifest_digest, const char *const *names,
                     ck_progress_fn progress, void *payload);
/* Resolves a name, id, id prefix or digest reference to an image id. */
int ck__image_resolve(char **id, ck_context *ctx, const char *ref);
/* The same; `*name` gets the full name it was found under
 * ("localhost/busybox:latest" for "busybox"), or NULL for an id. */
int ck__image_resolve_named(char **id, char **name, ck_context *ctx, const char *ref);
/* The same inside the caller's transaction. */
int ck__image_resolve_txn(char **id, ck_state_txn *txn, const char *ref);
/* What ck__image_commit_tree() puts in the new image's config: the
 * container's settings with the --change instructions applied.  Arrays are
 * NULL-terminated; cmd/entrypoint NULL keep the base image's. */
typedef struct ck__commit_cfg {
	const char *name;          /* as the user gave it, or NULL: untagged */
	const char *author, *message, *created_by;
	bool docker;               /* docker v2s2 media types, else OCI */
	char **env, **cmd, **entrypoint, **exposed, **volumes;
	char **label_keys, **label_vals;
	const char *workdir, *user, *stop_signal;
} ck__commit_cfg;
/* A new image: base image `base_id`'s layers, plus the tree `upper` (an
 * overlay upper directory; NULL: an empty layer) as one more layer, and
 * its config changed as `c` says.  Nothing is left of it on failure. */
int ck__image_commit_tree(ck_image **out, ck_context *ctx, const char *base_id, const char *upper,
                          const ck__commit_cfg *c);
/* The manifest of image `id`: its bytes, digest and media type. */
int ck__image_manifest(char **json, size_t *len, char **digest, char **media_type, ck_context *ctx,
                       const char *id);
/* Marks or unmarks image `id` as used by `user` (a container or rootfs
 * owner), inside the caller's write transaction. */
int ck__image_add_user(ck_state_txn *txn, const char *id, const char *user);
int ck__image_remove_user(ck_state_txn *txn, const char *id, const char *user);

/* ---- images made here (import.c, synth.c) ---- */
/* Imports a layer tarball as a one-layer image named `norm` (normalized;
 * NULL: no name), with `entrypoint` (NULL-terminated, or NULL) in its
 * config and `created_by` in its history. */
/* After a failed import or commit of a one-layer image: the manifest,
 * config and layer it stored go again unless another image uses them; the
 * thread's error is kept (import.c).  `what` names the operation. */
void ck__image_undo_one_layer(ck_context *ctx, const char *what, char *manifest, char *config, char *layer,
                              char *diff_id);
int ck__image_import_tar(ck_image **out, ck_context *ctx, const char *tarball, const char *norm,
                         const char *const *entrypoint, const char *created_by);
/* The image `name` (normalized), made on first use from one host file: a
 * layer holding `host_path` at `image_path` (mode 0755, owned by root),
 * written with libarchive and imported as above.  Nothing is pulled.  An
 * image of that name that exists already is returned as it is. */
int ck__image_from_file(ck_image **out, ck_context *ctx, const char *name, const char *host_path,
                        const char *image_path, const char *const *entrypoint);

/* ---- commits (record.c) ---- */
/* One image of a commit: its manifest in the blob store, the names it gets
 * (any form ck__image_name_normalize takes; NULL-terminated, or NULL), and
 * how messages name it ("x.tar: manifest.json[2] (localhost/a:1)"; NULL:
 * by its manifest). */
typedef struct ck__commit_item {
	const char *manifest_digest;
	const char *const *names;
	const char *what;
} ck__commit_item;
/* Registers `n` images at once, all or none.  First every item is checked
 * (manifest, config, every blob's presence and size) and its layers are
 * unpacked (diff ids checked against the config): blobs and layers are
 * content-addressed, so nothing is visible yet.  Then every record, name
 * and tag move of every item is written in ONE state transaction, so a
 * failure, or a kill, at any moment leaves either all of them or none.  An
 * image that exists already just gains its names.  A failure names its
 * item.  `out` (if not NULL) receives n handles in item order, which the
 * caller frees; all are NULL on failure.  Holds the image store lock
 * (shared) throughout; a caller that stored blobs for the commit should
 * hold it from before it stored them. */
int ck__image_commit_all(ck_image **out, ck_context *ctx, const ck__commit_item *items, size_t n,
                         ck_progress_fn progress, void *payload);

/* ---- lookups (image.c) ---- */
/* Reads the record of `id` into a handle. */
int ck__image_load(ck_image **out, ck_context *ctx, const char *id);

/* ---- the image store lock (record.c) ----
 * <root>/images/images.lock: held shared from the first layer unpack of a
 * commit until its record is written, exclusively while blobs and layers
 * that no record references are deleted (rmi, prune, check --repair). */
int ck__image_store_lock(ck__lock *lk, ck_context *ctx, bool exclusive, int timeout_ms);

/* ---- removal (remove.c) ---- */
/* Deletes the blobs and layers of `gone` (an image whose record is gone)
 * that no remaining image references; NULL digests are skipped.  Takes the
 * store lock exclusively.  Best effort: failures are logged. */
void ck__image_gc(ck_context *ctx, const ck_image *gone);
/* One layer of an image: its blob, diff id, media type and sizes. */
typedef struct ck__image_layer {
	char *digest, *diff_id, *media_type;
	int64_t size;           /* the blob's size */
	uint64_t unpacked_size; /* bytes in the unpacked layer */
} ck__image_layer;
/* The same for what a failed operation stored without recording an image
 * (archive loads): each layer's diff id and blob digest, either may be
 * NULL.  `what` names the operation in messages. */
void ck__image_gc_layers(ck_context *ctx, const char *what, const ck__image_layer *layers, size_t n);

/* ---- consistency (check.c) ---- */
/* Reports (and with r->repair fixes) images whose blobs or layers are
 * missing (CK_CHECK_DAMAGED_IMAGE; a missing layer whose blob is there is
 * unpacked again), blobs and layers no image uses (CK_CHECK_LEFTOVER,
 * removed under the image store lock; blobs only when older than 10
 * minutes, since a pull may not have committed them yet), and dead
 * temporary entries of images/tmp. */
int ck__image_check(ck_context *ctx, ck__check_report *r);

/* ---- versioned progress (progress.c) ---- */
/* Relays the transfer code's plain callback to a ck_image_progress_fn
 * (and to an old-style callback set beside it), counting objects. */
typedef struct ck__image_progress {
	ck_image_progress_fn fn;
	void *payload;
	ck_progress_fn old;
	void *old_payload;
	uint64_t objects_done, objects_total;
	char **finished; /* digests counted */
	size_t n_finished;
} ck__image_progress;
void ck__image_progress_relay(const char *phase, const char *digest, uint64_t done, uint64_t total, void *self);
void ck__image_progress_free(ck__image_progress *r);
/* Adds `objects` to the total when the options report through a relay. */
void ck__image_progress_expect(const ck_registry_options *opts, uint64_t objects);
/* `*dst` = `src` (NULL: defaults) at the current version, its progress
 * routed through `relay` when it has a transfer_progress; CK_EVERSION for
 * a version this library does not know.  Free the relay afterwards. */
int ck__image_options_load(ck_registry_options *dst, ck__image_progress *relay, const ck_registry_options *src);

#endif

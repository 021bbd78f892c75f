/* Internal API of the image module, shared by its files and by the modules
 * above it (container, system): the blob store, layers, references,
 * manifests, image records and root filesystems.
 *
 * On disk, under the storage root:
 *   images/blobs/sha256/<hex>     content-addressed blobs, written once, verified on the way in
 *   images/tmp/                   blobs and layers being written (leftovers are removed by
 *                                 the next operation or by ck system check --repair)
 *   images/layers/<diffid-hex>/   one unpacked layer per diff id, shared by every image
 *   rootfs/<owner>/{upper,work,merged}  root filesystems (ck_rootfs)
 * In the state store: kind CK__KIND_IMAGE records (id = config digest hex),
 * bucket "images.tags" (normalized name -> image id), and rootfs records in
 * bucket "rootfs" (owner -> {"image": id, "overlay": bool}). */
#ifndef CK_IMAGE_H
#define CK_IMAGE_H

#include "state/state.h"

/* ---- digests (digest.c) ---- */
/* Validates "sha256:<64 lowercase hex>" and copies the hex part; CK_EINVAL
 * naming the string otherwise (CK_EUNSUPPORTED for another algorithm). */
int ck__digest_parse(const char *digest, char hex[65]);

/* ---- blob store (blob.c) ---- */
char *ck__image_path(const ck_context *ctx, const char *rel); /* <root>/images/<rel> */
char *ck__blob_path(const ck_context *ctx, const char *digest); /* NULL if invalid or OOM */
bool ck__blob_exists(const ck_context *ctx, const char *digest);
/* Streams a blob in: hashes while writing to images/tmp/, then on commit
 * checks the digest (and the expected size when >= 0), fsyncs, and renames
 * it into place.  A blob that exceeds its expected size fails at once. */
typedef struct ck__blob_writer ck__blob_writer;
int ck__blob_writer_new(ck__blob_writer **out, ck_context *ctx, const char *expected_digest,
                        int64_t expected_size);
int ck__blob_writer_write(ck__blob_writer *w, const void *data, size_t len);
uint64_t ck__blob_writer_offset(const ck__blob_writer *w);
/* Verifies and stores; `*digest` (if not NULL) gets "sha256:HEX".  Frees w. */
int ck__blob_writer_commit(char **digest, ck__blob_writer *w);
/* Discards the temporary file.  Frees w; accepts NULL. */
void ck__blob_writer_abort(ck__blob_writer *w);
/* Small blobs in one call (manifests, configs). */
int ck__blob_put(char **digest, ck_context *ctx, const void *data, size_t len, const char *expected_digest);
/* Reads a blob of at most `max` bytes, verifying its digest. */
int ck__blob_read(char **data, size_t *len, ck_context *ctx, const char *digest, size_t max);
int ck__blob_remove(ck_context *ctx, const char *digest);

/* ---- layers (layer*.c) ---- */
/* Unpacks layer blob `blob_digest` (tar, gzip or zstd) into
 * images/layers/<diffid-hex>, computing the diff id (SHA-256 of the
 * uncompressed tar) as it reads and checking it against `expected_diff_id`
 * when given.  Every entry stays inside the layer directory; whiteouts are
 * recorded for overlay (character device 0/0 and trusted.overlay.opaque, or
 * their user.* forms when rootless); owners, modes, times, xattrs, hardlinks
 * and symlinks are kept.  Limits: ck__layer_limits.  Atomic: built under
 * images/tmp and renamed.  Already unpacked: returns at once.  `*diff_id`
 * gets "sha256:HEX". */
typedef struct ck__layer_limits {
	uint64_t max_bytes;   /* total uncompressed size; 0 = default (CK_LAYER_MAX_BYTES env or 64 GiB) */
	uint64_t max_entries; /* 0 = default (10 million) */
} ck__layer_limits;
int ck__layer_unpack(char **diff_id, ck_context *ctx, const char *blob_digest, const char *expected_diff_id,
                     const ck__layer_limits *limits, ck_progress_fn progress, void *payload);
char *ck__layer_path(const ck_context *ctx, const char *diff_id);
bool ck__layer_exists(const ck_context *ctx, const char *diff_id);
int ck__layer_remove(ck_context *ctx, const char *diff_id);

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
/* The directories of an image's unpacked layers, topmost first (as overlay
 * wants them); `record` is the image's record JSON, or NULL to read it. */
int ck__image_layer_dirs(char ***out, size_t *n, ck_context *ctx, const char *image_id, const char *record);
void ck__image_layer_dirs_free(char **dirs, size_t n);

/* ---- trees as tar streams (tree_tar.c) and a root filesystem's changes
 * (rootfs_diff.c) ---- */
/* Writes the tree under `dir` to `out_fd` as a tar stream (pax), entries
 * sorted by name.  With CK__TAR_LAYER, `dir` is an overlay upper directory:
 * its whiteouts become ".wh.NAME" entries and opaque directories get
 * ".wh..wh..opq", as the OCI layer format has them. */
#define CK__TAR_LAYER 1u
int ck__tar_tree(int out_fd, const char *dir, unsigned flags);
/* Whether something is mounted on the root filesystem's path (another
 * device than its directory; rootfs_mount.c). */
bool ck__rootfs_mounted(const ck_rootfs *r);
/* The same from an open directory: only its entry `name` (and what is
 * under it, entries named from `name`), or with NULL all its entries. */
int ck__tar_tree_at(int out_fd, int dirfd, const char *name, unsigned flags);
/* Unpacks the tar stream read from `in_fd` beneath `rootfd`, safely as a
 * layer is (nothing lands outside it); `rootless`: no devices, no owners.
 * `what` names the stream in errors. */
int ck__untar_at(int in_fd, int rootfd, bool rootless, const char *what);
/* One change of a root filesystem against its image: kind 'A' (added),
 * 'C' (changed) or 'D' (deleted), and the absolute path. */
typedef struct ck__change {
	char kind;
	char *path;
} ck__change;
/* The changes of root filesystem `id` (its upper directory against the
 * image's layers), sorted by path; none when it was never prepared.
 * CK_EUNSUPPORTED for a copied (not overlay) root filesystem. */
int ck__rootfs_changes(ck__change **out, size_t *n, ck_context *ctx, const char *id);
void ck__changes_free(ck__change *c, size_t n);
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
/* The upper directory of root filesystem `id` (new string); CK_ENOTFOUND
 * when it was never prepared, CK_EUNSUPPORTED when it is a copy. */
int ck__rootfs_upper(char **out, ck_context *ctx, const char *id);
/* Reads `file` (absolute in the image) through layer directories as their
 * overlay mount would show it, following links inside the image.
 * CK_ENOTFOUND when it does not exist there; at most `max` bytes. */
int ck__image_read_file(char **out, size_t *len, char **dirs, size_t n, const char *file, size_t max,
                        bool rootless);
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

/* ---- root filesystems (rootfs.c) ---- */
/* The container module uses the public ck_rootfs_* functions. */
/* Unmounts and deletes rootfs/<id> when it has no record (a prepare killed
 * before it wrote one); CK_OK when there is nothing. */
int ck__rootfs_discard(ck_context *ctx, const char *id);
/* ck_rootfs_prepare() with flags: CK__ROOTFS_VOLATILE mounts the overlay
 * "volatile" (the upper layer is never synced, not even at unmount: for a
 * container that goes with its run, as podman does for --rm). */
#define CK__ROOTFS_VOLATILE 1u
/* CK__ROOTFS_RECORD_LATER: a new root filesystem's record (and the image's
 * mark) is left to the caller, who writes it with ck__rootfs_record_put()
 * in a commit of its own (one commit fewer).  Until then, a crash leaves a
 * directory without a record, which the next prepare of the owner, or
 * ck__rootfs_discard(), deletes. */
#define CK__ROOTFS_RECORD_LATER 2u
int ck__rootfs_prepare(ck_rootfs **out, ck_context *ctx, const char *image, const char *id, unsigned flags);
/* Writes the record of a root filesystem prepared with
 * CK__ROOTFS_RECORD_LATER (nothing for one that had its record), in `txn`;
 * CK_ENOTFOUND when its image is gone meanwhile. */
int ck__rootfs_record_put(ck_state_txn *txn, const ck_rootfs *rootfs);
/* A release in three steps, for a caller that deletes its own record in
 * the same commit as the root filesystem's and may delete the files later:
 * ck__rootfs_release_aside() unmounts and moves rootfs/<id> to a trash
 * directory whose lock it holds (*out NULL: no directory);
 * ck__rootfs_record_delete() deletes the record and the image's mark, in
 * the caller's transaction (no record: nothing to do);
 * ck__rootfs_trash_finish() deletes the trash (NULL: nothing), and logs a
 * failure: the next removal's sweep retries.  A crash between the steps
 * leaves a record without a directory, which a release handles, or a
 * trash, which the sweep deletes. */
typedef struct ck__rootfs_trash ck__rootfs_trash;
int ck__rootfs_release_aside(ck__rootfs_trash **out, ck_rootfs *rootfs);
int ck__rootfs_record_delete(ck_state_txn *txn, const char *id);
void ck__rootfs_trash_finish(ck__rootfs_trash *trash);
/* Whether a removal is deleting rootfs/<name> (it holds the trash's lock). */
bool ck__rootfs_trash_busy(ck_context *ctx, const char *name);
/* Deletes rootfs/<name> (a ".trash-*" left by a removal) unless a removal
 * is deleting it right now (CK_EBUSY). */
int ck__rootfs_trash_remove(ck_context *ctx, const char *name);

/* ---- consistency (check.c) ---- */
/* Reports (and with r->repair fixes) images whose blobs or layers are
 * missing (CK_CHECK_DAMAGED_IMAGE; a missing layer whose blob is there is
 * unpacked again), blobs and layers no image uses (CK_CHECK_LEFTOVER,
 * removed under the image store lock; blobs only when older than 10
 * minutes, since a pull may not have committed them yet), and dead
 * temporary entries of images/tmp. */
int ck__image_check(ck_context *ctx, ck__check_report *r);

#endif

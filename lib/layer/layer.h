/* Internal API of the content store and layers (lib/layer), for the modules
 * above it (image, rootfs, archive, registry, container, system): digests,
 * blobs, unpacked layers, temporary directories, trees as tar streams, files
 * read through a stack of layers, and the owners of a rootless store.
 *
 * On disk, under the storage root:
 *   images/blobs/sha256/<hex>     content-addressed blobs, written once, verified on the way in
 *   images/tmp/                   blobs and layers being written (leftovers are removed by
 *                                 the next operation or by ck system check --repair)
 *   images/layers/<diffid-hex>/   one unpacked layer per diff id, shared by every image */
#ifndef CK_LAYER_H
#define CK_LAYER_H

#include "state/state.h"
#include "runtime/runtime.h"

/* ---- digests (digest.c) ---- */
/* Validates "sha256:<64 lowercase hex>" and copies the hex part; CK_EINVAL
 * naming the string otherwise (CK_EUNSUPPORTED for another algorithm). */
int ck__digest_parse(const char *digest, char hex[65]);

/* ---- blob store (blob.c) ---- */
char *ck__store_path(const ck_context *ctx, const char *rel); /* <root>/images/<rel> */
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

/* ---- private temporary directories (tmpdir.c) ----
 * images/tmp/<op>-<pid>-<16 hex>/, made and locked by ck__store_tmp_mkdir
 * (blob.c's convention: the owner holds flock on the directory).  Besides
 * blob.c's sweep (unlocked and a minute old), one whose pid is dead and
 * whose lock is free is removed at once. */
typedef struct ck__tmpdir {
	char *path;
	int fd;            /* holds the lock */
} ck__tmpdir;
#define CK__TMPDIR_INIT { NULL, -1 }
int ck__tmpdir_create(ck__tmpdir *t, ck_context *ctx, const char *op);
/* Removes the directory, then drops the lock.  Accepts an empty t. */
void ck__tmpdir_remove(ck__tmpdir *t);
/* Whether `name` (an entry of images/tmp) is <op>-<pid>-<16 hex>. */
bool ck__tmpdir_name_parse(const char *name, long *pid);
/* blob.c's sweep plus the dead-pid rule; returns how many entries went.
 * Never fails and never changes the caller's error. */
size_t ck__tmpdir_sweep(ck_context *ctx);

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

/* ---- streaming SHA-256 (digest.c) ---- */
typedef struct ck__sha256 {
	void *md; /* EVP_MD_CTX */
} ck__sha256;
int ck__sha256_init(ck__sha256 *h);
void ck__sha256_update(ck__sha256 *h, const void *data, size_t len);
/* Writes the hex digest and frees the state; CK_EIO if libcrypto failed. */
int ck__sha256_final(ck__sha256 *h, char hex[65]);
void ck__sha256_free(ck__sha256 *h); /* accepts a zeroed or finalised one */

/* ---- reading through a stack of layers (lookup.c) ---- */
/* The directories of an image's unpacked layers, topmost first (as overlay
 * wants them); `record` is the image's record JSON, or NULL to read it. */
int ck__layer_dirs(char ***out, size_t *n, ck_context *ctx, const char *image_id, const char *record);
void ck__layer_dirs_free(char **dirs, size_t n);

/* Reads `file` (absolute in the image) through layer directories as their
 * overlay mount would show it, following links inside the image.
 * CK_ENOTFOUND when it does not exist there; at most `max` bytes. */
int ck__layer_read_file(char **out, size_t *len, char **dirs, size_t n, const char *file, size_t max,
                        bool rootless);

/* ---- trees as tar streams (tree_tar.c) ---- */
/* Writes the tree under `dir` to `out_fd` as a tar stream (pax), entries
 * sorted by name.  With CK__TAR_LAYER, `dir` is an overlay upper directory:
 * its whiteouts become ".wh.NAME" entries and opaque directories get
 * ".wh..wh..opq", as the OCI layer format has them. */
#define CK__TAR_LAYER 1u
int ck__tar_tree(int out_fd, const char *dir, unsigned flags);
/* The same from an open directory: only its entry `name` (and what is
 * under it, entries named from `name`), or with NULL all its entries. */
int ck__tar_tree_at(int out_fd, int dirfd, const char *name, unsigned flags);
/* Unpacks the tar stream read from `in_fd` beneath `rootfd`, safely as a
 * layer is (nothing lands outside it); `rootless`: no devices, no owners.
 * `what` names the stream in errors. */
int ck__untar_at(int in_fd, int rootfd, bool rootless, const char *what);

/* ---- a rootless store (layer_userns.c, layer_idmap.c) ----
 * Removing what a rootless store holds, whose files may be owned by the
 * user's subordinate ids (layers shifted into them, and files that
 * containers made in their root filesystems), which only a process in the
 * user's namespace can remove. */
/* Removes `name` in `dirfd` (AT_FDCWD and a path will do): a file or a
 * whole tree; missing is fine.  For a rootless store, what the user cannot
 * remove is removed in the store's user namespace (ck-userns).  `shown`
 * names it in messages. */
int ck__store_remove(ck_context *ctx, int dirfd, const char *name, const char *shown);

/* For `ck system reset`, under the exclusive store lock: removes the
 * layers, images/tmp and the root filesystems, in the user namespace where
 * needed, so that what remains is the user's own to delete. */
int ck__store_clear(ck_context *ctx);

/* The jobs of ck-userns, run in the namespace it entered (argv: the job's
 * words, see layer_userns.c); returns its exit status. */
int ck__layer_userns_main(int argc, char **argv);

/* ---- owners in a rootless store (layer_idmap.c) ---- */
/* A rootless store records in images/idmap how it holds owners: shifted
 * into the user's subordinate ids (podman's mapping, ck__host_idmaps), or
 * "none" (the files are the user's, the owners in override_stat), for a
 * user without subordinate ids or a store made before shifting existed. */
typedef struct ck__shift {
	bool on;  /* files are owned in the mapping below; work on them runs in it */
	ck__idmap uid[2], gid[2];
	size_t n_uid, n_gid;
} ck__shift;
/* For unpacking and copying: the store's way, recorded at the first call
 * with `create` (from the user's ranges, if any).  Off for a rootful store.
 * CK_ESTATE naming `ck system reset` when the store is shifted by a mapping
 * that is not this user's. */
int ck__layer_shift(ck__shift *out, ck_context *ctx, bool create);
/* For removing, the mappings to try: attempt 0 is the recorded one, else
 * the user's (containers make files owned by subordinate ids in root
 * filesystems even of an unshifted store); attempt 1 the user's, when it
 * differs from the recorded one that newuidmap may no longer allow.  False
 * (and off) when there is no such mapping, or for a rootful store. */
bool ck__layer_shift_for_removal(ck__shift *out, ck_context *ctx, int attempt);
/* "uid 0:1000:1,1:100000:65536 gid ..." for messages, into buf. */
void ck__layer_shift_describe(char *buf, size_t size, const ck__shift *sh);

typedef struct ck__unpack_job ck__unpack_job; /* layer_int.h */
/* A job of ck-userns (see ck__layer_userns_main for the words), fds
 * handed over as 4, 5, ...; `progress` gets the unpack progress. */
int ck__layer_job(char **result, ck_context *ctx, const ck__shift *sh, char *const *argv, const int *fds,
                  size_t n_fds, const ck__unpack_job *progress);

/* ---- copying a layer stack (layer_copy.c) ---- */
/* Copies layer directories `layers` (base first) into the empty directory
 * `dest`, applying each layer's whiteouts and opaque directories to what
 * the layers below put there, as overlay would show it.  Owners, modes,
 * times, xattrs, hardlinks (within a layer), symlinks, devices and fifos are
 * kept. */
int ck__layer_copy_stack(const char *dest, char *const *layers, size_t n, bool rootless, bool shifted);

#endif

/* Private to the content store and layers
 * (lib/layer): the images/tmp area, safe path resolution beneath a layer
 * root, extracting entries, the unpack job, and the removal jobs run in the
 * store's user namespace. */
#ifndef CK_LAYER_LAYER_INT_H
#define CK_LAYER_LAYER_INT_H

#include "layer/layer.h"

#include <sys/stat.h>

/* ---- images/tmp (blob.c) ---- */
/* Every temporary entry under images/tmp (a blob file or a layer directory)
 * is held with flock(LOCK_EX) by its writer for as long as it is being
 * written.  An entry that can be locked and is older than a minute belongs
 * to a writer that died, and ck__store_tmp_sweep removes it. */
int ck__store_tmp_dir(char **out, ck_context *ctx); /* creates it */
/* Creates and locks a new directory images/tmp/<prefix>-<random>; `*fd` is
 * its O_RDONLY|O_DIRECTORY descriptor (holding the lock). */
int ck__store_tmp_mkdir(char **path, int *fd, ck_context *ctx, const char *prefix);
/* Removes the dead entries of images/tmp; returns how many were removed. */
int ck__store_tmp_sweep(ck_context *ctx);
extern int ck__image_tmp_stale_seconds; /* 60; tests lower it */

/* ---- paths beneath a root (layer_path.c) ---- */
/* Splits an archive entry name into a clean relative path: leading "./" and
 * repeated or trailing slashes go; "." alone is the root ("" out).
 * CK_EINVAL, naming the entry, for an absolute path, a ".." component, an
 * empty or over-long name. */
int ck__layer_clean_path(char **out, const char *name, const char *what);
/* Opens directory `rel` (a clean relative path, "" for the root) beneath
 * `rootfd` as O_PATH, never leaving the root: openat2(RESOLVE_BENEATH |
 * RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV), or, where openat2 is missing, a
 * walk of O_NOFOLLOW opens that refuses every symbolic link.  With `create`,
 * missing directories are made (mode 0755).  Returns the fd or -errno
 * (-EXDEV for an escape, -ELOOP for a refused link). */
int ck__beneath_open_dir(int rootfd, const char *rel, bool create);
/* Tests force the manual walk with this (openat2 otherwise). */
extern bool ck__beneath_force_walk;
/* Removes `name` in `dirfd` (a file or a whole tree); missing is fine. */
int ck__rm_at(int dirfd, const char *name, const char *shown);

/* ---- extracting entries (layer_entry.c) ---- */
struct archive;
struct archive_entry;
struct ck__deferred_dir;
typedef struct ck__extract {
	int rootfd;        /* the layer directory being built (O_RDONLY|O_DIRECTORY) */
	bool rootless;     /* no devices, set-id bits stripped, user.* xattrs; and
	                    * unless shifted, no chown (owners in override_stat) */
	bool shifted;      /* rootless, run in the store's user namespace: owners set */
	uint32_t uid_end, gid_end; /* shifted: the container ids that are mapped */
	const char *what;  /* "layer sha256:..." for messages */
	uint64_t file_bytes, max_bytes; /* sum of regular file sizes, and its limit */
	bool root_seen;    /* the archive had an entry for "." */
	struct ck__deferred_dir *dirs; /* modes and times applied last */
	size_t n_dirs, cap_dirs;
} ck__extract;
/* Creates the entry `e` beneath x->rootfd, reading its data from `a`. */
int ck__extract_entry(ck__extract *x, struct archive *a, struct archive_entry *e);
/* Applies directory modes and times, children first.  Frees the list. */
int ck__extract_finish(ck__extract *x);
void ck__extract_free(ck__extract *x);

/* ---- overlay conventions (layer_path.c) ---- */
#define CK__WHITEOUT_PREFIX ".wh."
#define CK__WHITEOUT_OPAQUE ".wh..wh..opq"
#define CK__XATTR_OVERRIDE "user.containers.override_stat"
/* "trusted.overlay.opaque" or "user.overlay.opaque" for a rootless store. */
const char *ck__overlay_xattr(bool rootless, const char *what);
/* True for a whiteout as stored in a layer (char device 0/0, or a regular
 * file carrying the overlay whiteout xattr). */
bool ck__is_whiteout(int dirfd, const char *name, const struct stat *st, bool rootless);
/* True when the directory carries the opaque xattr with value "y". */
bool ck__is_opaque(int dirfd, const char *name, bool rootless);
/* Xattrs a layer must never carry from an archive, nor copy: the overlay
 * namespace (redirects and metacopy would reach outside the layer) and our
 * own ownership override. */
bool ck__xattr_reserved(const char *name);

/* ---- the part of an unpack that writes the layer's files (layer.c) ---- */
struct ck__unpack_job {
	const char *what;        /* "layer sha256:..." for messages */
	const char *blob_digest; /* for the progress callback */
	char blob_hex[65], want_hex[65]; /* want_hex "" when the diff id is not known */
	const char *tmp;         /* the locked directory under images/tmp being filled */
	const char *layers;      /* images/layers */
	uint64_t max_bytes, max_entries;
	bool rootless, shifted;
	uint32_t uid_end, gid_end;
	ck_progress_fn progress;
	void *payload;
};
/* Extracts the blob read from `blob_fd` into `rootfd` (j->tmp), checks both
 * digests and renames the directory to images/layers/<diff hex>, which
 * `diff_hex` gets.  On failure j->tmp is removed and the error set. */
int ck__layer_unpack_at(char diff_hex[65], int blob_fd, int rootfd, const ck__unpack_job *j);

/* ---- jobs in the store's user namespace (layer_userns.c) ---- */
/* A removal job (move, remove) under the mappings for removal in turn;
 * CK_EPERM naming root as the one who can remove what no mapping of this
 * user covers. */
int ck__layer_removal_job(ck_context *ctx, char *const *argv, const char *shown);
/* The unpack of j (tmp and layers set) in the user namespace. */
int ck__layer_unpack_shifted(char diff_hex[65], ck_context *ctx, const ck__shift *sh, int blob_fd, int rootfd,
                             const ck__unpack_job *j);

#endif

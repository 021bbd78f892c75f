/* Internal API of the root filesystems (lib/rootfs), for the container
 * module: prepared, recorded, released and discarded root filesystems, and
 * their changes against their image.  The public calls are ck_rootfs_*.
 *
 * On disk: rootfs/<owner>/{upper,work,merged} under the storage root; in the
 * state store, records in bucket "rootfs" (owner -> {"image": id,
 * "overlay": bool}). */
#ifndef CK_ROOTFS_H
#define CK_ROOTFS_H

#include "image/image.h"

/* ---- changes and the upper directory (rootfs_diff.c, rootfs.c) ---- */
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
/* Whether something is mounted on the root filesystem's path (another
 * device than its directory; rootfs_mount.c). */
bool ck__rootfs_mounted(const ck_rootfs *r);
/* The upper directory of root filesystem `id` (new string); CK_ENOTFOUND
 * when it was never prepared, CK_EUNSUPPORTED when it is a copy. */
int ck__rootfs_upper(char **out, ck_context *ctx, const char *id);

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

#endif

/* Root filesystems: an image's layers prepared for a container (an overlay
 * mount with an upper directory of its own, or a copy where overlay cannot
 * be used), kept by owner id in the state store.
 *
 * A ck_rootfs handle is not thread-safe; it may be used from one thread at a
 * time.  The path it returns is borrowed and lives as long as the handle. */
#ifndef CONTAINERKIT_ROOTFS_H
#define CONTAINERKIT_ROOTFS_H

#include "common.h"

CK_BEGIN_DECLS

/** A prepared root filesystem: the image's layers as overlay lower
 *  directories plus an upper directory of its own, mounted at a path.
 *  Where overlay is unavailable the layers are copied instead. */
typedef struct ck_rootfs ck_rootfs;

/** Prepares and mounts the root filesystem of owner `id` (a container id, or
 *  any [a-zA-Z0-9_.-]+ name) from `image`.  Preparing an id that exists
 *  already mounts it again and keeps its upper directory. */
CK_EXTERN int ck_rootfs_prepare(ck_rootfs **out, ck_context *ctx, const char *image, const char *id);
/** Where the root filesystem is mounted.  Borrowed. */
CK_EXTERN const char *ck_rootfs_path(const ck_rootfs *rootfs);
/** 1 if it is an overlay mount, 0 if a copy. */
CK_EXTERN int ck_rootfs_is_overlay(const ck_rootfs *rootfs);
/** Opens the root filesystem of owner `id` prepared earlier, possibly by
 *  another process.  CK_ENOTFOUND if there is none. */
CK_EXTERN int ck_rootfs_lookup(ck_rootfs **out, ck_context *ctx, const char *id);
/** Unmounts it; when `remove` is non-zero, also deletes its upper directory
 *  and its record.  The handle must still be freed. */
CK_EXTERN int ck_rootfs_release(ck_rootfs *rootfs, int remove);
/** Releases the handle only (the mount stays).  Accepts NULL. */
CK_EXTERN void ck_rootfs_free(ck_rootfs *rootfs);

CK_END_DECLS

#endif

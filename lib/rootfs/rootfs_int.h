/* Private to the root filesystems (rootfs.c, rootfs_mount.c): the handle,
 * and how a root filesystem is mounted and unmounted. */
#ifndef CK_ROOTFS_ROOTFS_INT_H
#define CK_ROOTFS_ROOTFS_INT_H

#include "rootfs/rootfs.h"

struct ck_rootfs {
	ck_context *ctx;
	char *id, *image, *dir, *path;
	bool overlay;
	bool unrecorded; /* mounted with CK__ROOTFS_RECORD_LATER: the record is the caller's to write */
};

/* rootfs_mount.c */
/* Mounts overlay of `lowers` (topmost first) at r->path, with r->dir's
 * upper and work directories; CK_EUNSUPPORTED (message set) when overlay
 * cannot be used here. */
int ck__rootfs_mount_overlay(ck_rootfs *r, char **lowers, size_t n, unsigned flags);
/* Mounts, or copies where overlay cannot be used (or CK_ROOTFS_FORCE_COPY
 * says so), the layers at r->path; sets r->overlay.  May reorder lowers. */
int ck__rootfs_materialize(ck_rootfs *r, char **lowers, size_t n, unsigned flags);
/* Unmounts r->path if something is mounted there. */
int ck__rootfs_unmount(ck_rootfs *r);

#endif

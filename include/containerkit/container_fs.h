/* A container's root filesystem seen from the host (podman's mount,
 * unmount, diff, export and init) and a new image made from it (commit).
 * Since 1.1.  A container handle is used from one thread at a time, as
 * container.h says. */
#ifndef CONTAINERKIT_CONTAINER_FS_H
#define CONTAINERKIT_CONTAINER_FS_H

#include "common.h"
#include "container.h"

CK_BEGIN_DECLS

/* ------------------------------------------------------ root filesystem */

/** Mounts the container's root filesystem (prepared from its image if it
 *  never ran) and gives where, as `podman mount`: `*path` belongs to the
 *  caller (ck_free()).  It stays mounted until ck_container_unmount_rootfs() or
 *  the container's removal.  In a rootless store the root filesystem is a
 *  copy, and `*path` is that directory.  Since 1.1. */
CK_EXTERN int ck_container_mount_rootfs(char **path, ck_container *ctr);
/** Unmounts it, as `podman unmount`.  A running container keeps its root
 *  filesystem mounted (the call then does nothing); one that was never
 *  mounted is not an error.  Since 1.1. */
CK_EXTERN int ck_container_unmount_rootfs(ck_container *ctr);
/** Where the container's root filesystem is mounted now (a running
 *  container's, or one ck_container_mount_rootfs() mounted), without
 *  mounting anything: `*path` (ck_free()), or NULL when it is not mounted.
 *  A root filesystem that is a copy (rootless, or no overlay) counts as
 *  mounted from its preparation to its release.  Since 1.1. */
CK_EXTERN int ck_container_rootfs_mounted(char **path, const ck_container *ctr);

/** The kinds of change ck_container_diff() reports (docker's numbers). */
typedef enum ck_change_kind {
	CK_CHANGE_MODIFIED = 0, /**< "C": in the image, and changed (or a directory with changes) */
	CK_CHANGE_ADDED = 1,    /**< "A": not in the image */
	CK_CHANGE_DELETED = 2   /**< "D": in the image, deleted */
} ck_container_change_kind;

/** What a container changed in its root filesystem; immutable, may be read
 *  from several threads. */
typedef struct ck_change_list ck_container_change_list;

/** The paths the container added, changed or deleted against its image,
 *  sorted by path, as `podman diff` lists them (read from its overlay upper
 *  directory; a container that never ran has none).  `*out` belongs to the
 *  caller (ck_container_change_list_free()).  CK_EUNSUPPORTED when its root
 *  filesystem is a copy (the vfs storage driver), which keeps no record of
 *  changes.  Since 1.1. */
CK_EXTERN int ck_container_diff(ck_container_change_list **out, ck_container *ctr);
/** The number of changes. */
CK_EXTERN size_t ck_container_change_list_count(const ck_container_change_list *list);
/** Change `i`'s absolute path in the container, or NULL past the end.
 *  Borrowed: lives as long as the list. */
CK_EXTERN const char *ck_container_change_list_path(const ck_container_change_list *list, size_t i);
/** Change `i`'s kind (a ck_container_change_kind), or -1 past the end. */
CK_EXTERN int ck_container_change_list_kind(const ck_container_change_list *list, size_t i);
/** Frees the list; NULL is ignored. */
CK_EXTERN void ck_container_change_list_free(ck_container_change_list *list);

/** Prepares what a start needs on disk, as `podman init`: mounts the root
 *  filesystem and makes the container's directories and files, checking
 *  its configuration against the host.  The status stays "created": ck
 *  has no "initialized" state, since its OCI runtime creates and starts
 *  the container in one go at ck_container_start().  CK_ESTATE unless the
 *  container is created or exited.  Since 1.1. */
CK_EXTERN int ck_container_init(ck_container *ctr);

/** Writes the container's root filesystem (as its processes see it, without
 *  its volumes) to `fd` as a tar stream, as `podman export`.  The
 *  descriptor is the caller's and is not closed.  Since 1.1. */
CK_EXTERN int ck_container_export(ck_container *ctr, int fd);

/* ---------------------------------------------------------------- commit */

#define CK_CONTAINER_COMMIT_OPTIONS_VERSION 1
#define CK_COMMIT_FORMAT_OCI 0    /**< OCI manifest and config (podman's default) */
#define CK_COMMIT_FORMAT_DOCKER 1 /**< docker schema 2 manifest and config */

/** Options for ck_container_commit(). */
typedef struct ck_commit_options {
	unsigned int version;       /**< CK_CONTAINER_COMMIT_OPTIONS_VERSION */
	const char *name;           /**< the new image's name (normalized as ck_image_lookup()); NULL: none */
	const char *author;         /**< the config's "author" */
	const char *message;        /**< the comment of the new history entry */
	/** Dockerfile instructions applied to the config, NULL-terminated (or
	 *  NULL): CMD, ENTRYPOINT (JSON array or shell form), ENV (K=V... or
	 *  K V), EXPOSE, LABEL (K=V...), STOPSIGNAL, USER, VOLUME, WORKDIR.
	 *  ONBUILD is refused (CK_EUNSUPPORTED); anything else is CK_EINVAL. */
	const char *const *changes;
	int pause;                  /**< pause a running container while its changes are read */
	int format;                 /**< CK_COMMIT_FORMAT_OCI or CK_COMMIT_FORMAT_DOCKER */
} ck_container_commit_options;

#define CK_CONTAINER_COMMIT_OPTIONS_INIT { CK_CONTAINER_COMMIT_OPTIONS_VERSION, NULL, NULL, NULL, NULL, 0, CK_COMMIT_FORMAT_OCI }

/** Initialises `opts` for `version`; CK_EVERSION if unknown.  Since 1.1. */
CK_EXTERN int ck_container_commit_options_init(ck_container_commit_options *opts, unsigned int version);

/** Makes a new image from the container, as `podman commit`: the image's
 *  layers plus one layer holding what the container changed (its overlay
 *  upper directory; an empty layer if it never ran), and a config with the
 *  container's settings (environment, command, entrypoint, working
 *  directory, user, labels, exposed ports) and `opts->changes` applied,
 *  and one more history entry.  `opts` may be NULL.  `*out` belongs to the
 *  caller (ck_image_free()).  The changes are checked before anything is
 *  written; on failure nothing of the new image is left.  CK_EUNSUPPORTED
 *  for a container whose root filesystem is a copy (vfs).  Since 1.1. */
CK_EXTERN int ck_container_commit(ck_image **out, ck_container *ctr, const ck_container_commit_options *opts);

CK_END_DECLS

#endif

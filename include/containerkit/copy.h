/* Copying files between the host and containers, and between containers,
 * with podman cp's ownership and its tar streams.  Since 1.1.
 * Thread safety: as container.h: the container handles passed in are used
 * from one thread at a time; copies on different handles may run at once. */
#ifndef CONTAINERKIT_COPY_H
#define CONTAINERKIT_COPY_H

#include "common.h"
#include "container.h"

CK_BEGIN_DECLS

/** ck_container_copy_to_v2() and the others below: keep the owners that
 *  the source has (podman's cp --archive=false).  Without it, what lands in
 *  a container is owned by the user the container runs as (podman's
 *  default, --archive).  A rootless caller's copies are its own (the
 *  container's root) either way. */
#define CK_COPY_KEEP_OWNERS 1u
/** ck_container_copy_to() with podman's ownership: `flags` 0 or
 *  CK_COPY_KEEP_OWNERS (another bit is CK_EINVAL).  Since 1.1. */
CK_EXTERN int ck_container_copy_to_v2(ck_container *ctr, const char *src, const char *dest, unsigned int flags);
/** Copies `src` of container `from` to `dest` in container `to` (which may
 *  be the same), as `podman cp A:SRC B:DEST`: into `dest` when it is an
 *  existing directory, else as `dest`; paths are resolved in each
 *  container's root, as ck_container_copy_to() does.  `flags` as
 *  ck_container_copy_to_v2().  Since 1.1. */
CK_EXTERN int ck_container_copy_between(ck_container *from, const char *src, ck_container *to, const char *dest,
                                        unsigned int flags);
/** Writes `src` of the container to `fd` as a tar stream (pax), as `podman
 *  cp CTR:SRC -` does: entries named from the last component of `src`
 *  (a file "hostname", a directory "d", "d/a", ...), owners as the
 *  container has them.  `fd` stays open.  Since 1.1. */
CK_EXTERN int ck_container_copy_tar_out(ck_container *ctr, const char *src, int fd);
/** Unpacks the tar stream (plain or compressed) read from `fd` into the
 *  existing directory `dest` of the container, as `podman cp - CTR:DEST`
 *  does; a `dest` that is not a directory is CK_EINVAL.  Entries are
 *  checked as image layers are (none lands outside `dest`).  `flags` as
 *  ck_container_copy_to_v2().  Since 1.1. */
CK_EXTERN int ck_container_copy_tar_in(ck_container *ctr, int fd, const char *dest, unsigned int flags);

CK_END_DECLS

#endif

/* For other modules: removing what a rootless store holds, whose files may be
 * owned by the user's subordinate ids (layers shifted into them, and files
 * that containers made in their root filesystems), which only a process in
 * the user's namespace can remove.  Implemented in layer_userns.c. */
#ifndef CK_IMAGE_SHIFT_H
#define CK_IMAGE_SHIFT_H

#include "image/image.h"

/* Removes `name` in `dirfd` (AT_FDCWD and a path will do): a file or a
 * whole tree; missing is fine.  For a rootless store, what the user cannot
 * remove is removed in the store's user namespace (ck-userns).  `shown`
 * names it in messages. */
int ck__store_remove(ck_context *ctx, int dirfd, const char *name, const char *shown);

/* For `ck system reset`, under the exclusive store lock: removes the
 * layers, images/tmp and the root filesystems, in the user namespace where
 * needed, so that what remains is the user's own to delete. */
int ck__image_store_clear(ck_context *ctx);

/* The jobs of ck-userns, run in the namespace it entered (argv: the job's
 * words, see layer_userns.c); returns its exit status. */
int ck__layer_userns_main(int argc, char **argv);

#endif

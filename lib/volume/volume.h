/* Internal API of the volume module for the modules above it (system and
 * container): the on-disk consistency check of volumes. */
#ifndef CK_VOLUME_H
#define CK_VOLUME_H

#include "state/state.h"

/* Compares the volume records with the directories under <root>/volumes and
 * reports CK_CHECK_ORPHAN_VOLUME_DIR, CK_CHECK_MISSING_VOLUME_DIR and
 * CK_CHECK_LEFTOVER problems into `r`; when r->repair, adopts orphan
 * directories as volumes (their data is kept), recreates missing ones and
 * deletes the leftovers of interrupted removals. */
int ck__volume_check(ck_context *ctx, ck__check_report *r);

/* Adds or removes container `id` in the users of volume `name`, inside the
 * caller's write transaction (users.c).  Adding to a volume that does not
 * exist fails with CK_ENOTFOUND; removing from one is a no-op. */
int ck__volume_add_user(ck_state_txn *txn, const char *name, const char *id);
int ck__volume_remove_user(ck_state_txn *txn, const char *name, const char *id);
/* Removes a volume by exact name (volume.c): record, then directory;
 * CK_EINUSE while a container uses it unless `force`. */
int ck__volume_remove_name(ck_context *ctx, const char *name, bool force);
/* <root>/volumes/<name>/_data (the name is validated). */
int ck__volume_path(char **out, const ck_context *ctx, const char *name);

#endif

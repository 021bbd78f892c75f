/* Internal API of the volume module for the modules above it (system,
 * and later container): the on-disk consistency check of volumes. */
#ifndef CK_VOLUME_H
#define CK_VOLUME_H

#include "state/state.h"

/* Compares the volume records with the directories under <root>/volumes and
 * reports CK_CHECK_ORPHAN_VOLUME_DIR, CK_CHECK_MISSING_VOLUME_DIR and
 * CK_CHECK_LEFTOVER problems into `r`; when r->repair, adopts orphan
 * directories as volumes (their data is kept), recreates missing ones and
 * deletes the leftovers of interrupted removals. */
int ck__volume_check(ck_context *ctx, ck__check_report *r);

#endif

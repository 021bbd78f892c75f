/* What the auto-update module offers the modules above it (lib/system): the
 * check for what interrupted updates left behind. */
#ifndef CK_AUTOUPDATE_MODULE_H
#define CK_AUTOUPDATE_MODULE_H

#include "core/core.h"
#include "state/state.h"

/* Reports (CK_CHECK_AUTOUPDATE_PREVIOUS) each stopped container left aside
 * as NAME.ck-autoupdate-previous by an update that did not finish (one in
 * progress holds its lock and is skipped).  With r->repair: when the
 * container under NAME runs, the previous one is removed (volumes stay);
 * when there is none, the previous one is renamed back and started; when it
 * exists but does not run, it is removed and the previous one put back. */
int ck__au_leftover_check(ck_context *ctx, ck__check_report *r);

#endif

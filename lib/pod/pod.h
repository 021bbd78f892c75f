/* Internal API of the pod module for the modules above it (system). */
#ifndef CK_POD_H
#define CK_POD_H

#include "state/state.h"

/* Reports (and with r->repair fixes) containers whose pod is gone
 * (CK_CHECK_MISSING_POD: taken out of it), pods whose infra container is
 * gone (CK_CHECK_MISSING_INFRA: the pod goes, its containers stay) and
 * membership entries of containers that are gone (CK_CHECK_LEFTOVER). */
int ck__pod_check(ck_context *ctx, ck__check_report *r);

#endif

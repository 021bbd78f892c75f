/* Acting on units of the systemd that runs this host (or this container) as
 * PID 1, for the modules above: auto-update restarts a container's unit. */
#ifndef CK_SYSTEMD_SYSTEMCTL_H
#define CK_SYSTEMD_SYSTEMCTL_H

#include "core/core.h"

/* Whether systemd is PID 1 here (sd_booted()'s test: /run/systemd/system)
 * and systemctl can be found to talk to it. */
bool ck__systemd_running(void);

/* Runs `systemctl VERB UNIT` and waits for it (restart waits for the unit's
 * start job: for Type=notify until READY=1).  CK_OK when it exits 0; else
 * CK_ERUNTIME naming the verb, the unit, the exit status and what
 * systemctl said. */
int ck__systemctl_unit(ck_context *ctx, const char *verb, const char *unit);

#endif

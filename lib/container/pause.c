/* Pausing and resuming a running container (podman pause/unpause): the OCI
 * runtime freezes its cgroup, and the record says so until it is resumed. */
#define _GNU_SOURCE
#include "container_int.h"

#include <string.h>

static int set_paused(ck__ctr_state *st, void *payload)
{
	bool pause = *(bool *)payload;

	if (strcmp(st->status, "running") != 0)
		return ck__error_set(CK_ESTATE, "container state changed to %s meanwhile", st->status);
	st->paused = pause;
	return CK_OK;
}

int ck__ctr_pause_id(ck_context *ctx, const char *id, bool pause)
{
	const char *verb = pause ? "pause" : "unpause";
	ck__ctr_config cfg;
	ck__ctr_state st;
	ck__runtime rt;
	ck__host host;
	int rc;

	if ((rc = ck__ctr_read(&cfg, &st, ctx, id)) != CK_OK)
		return rc;
	bool running = !strcmp(st.status, "running") && ck__ctr_monitor_alive(&st);
	if (!running)
		rc = ck__error_set(CK_ESTATE, "cannot %s container %s: it is %s, not running", verb, cfg.name,
		                   st.status);
	else if (st.paused == pause)
		rc = ck__error_set(CK_ESTATE, "cannot %s container %s: it is %s", verb, cfg.name,
		                   pause ? "already paused" : "not paused");
	else if ((rc = ck__host_probe(&host)) == CK_OK && host.rootless && host.cgroup_mode != CK__CGROUP_V2)
		/* the freezer is a cgroup, and rootless containers get none on v1 */
		rc = ck__error_set(CK_EUNSUPPORTED, "cannot %s container %s: a rootless container has no cgroup "
		                                    "to freeze on a cgroup v1 host (run it as root, or on cgroup v2)",
		                   verb, cfg.name);
	if (rc == CK_OK && (rc = ck__ctr_runtime_open(&rt, ctx, &cfg)) == CK_OK) {
		if ((rc = ck__runtime_pause(&rt, id, pause)) != CK_OK)
			rc = ck__error_wrap(rc, "cannot %s container %s", verb, cfg.name);
		else if ( (rc = ck__ctr_update(ctx, id, set_paused, &pause)) != CK_OK) {
			/* the record could not say so: leave the container as it was */
			int err = rc;
			char msg[512];
			snprintf(msg, sizeof(msg), "%s", ck_error_last()->message);
			if (ck__runtime_pause(&rt, id, !pause) != CK_OK)
				ck__error_clear();
			rc = ck__error_set(err, "cannot %s container %s: %s", verb, cfg.name, msg);
		}
		ck__runtime_close(&rt);
		if (rc == CK_OK)
			ck__ctr_event(ctx, &cfg, verb, -1);
	}
	ck__ctr_config_free(&cfg);
	ck__ctr_state_free(&st);
	return rc;
}

static int pause_handle(ck_container *ctr, bool pause)
{
	ck__lock lk = CK__LOCK_INIT;
	int rc;

	CK__CTR_FULL(ctr);
	if ((rc = ck__ctr_lock(&lk, ctr->ctx, ctr->cfg.id)) != CK_OK)
		return rc;
	rc = ck__ctr_pause_id(ctr->ctx, ctr->cfg.id, pause);
	ck__lock_release(&lk);
	if (rc == CK_OK)
		rc = ck__ctr_load(ctr, ctr->ctx, ctr->cfg.id);
	return rc;
}

int ck_container_pause(ck_container *ctr)
{
	CK_ENTER();
	if (!ctr)
		return ck__error_set(CK_EINVAL, "ck_container_pause: ctr is NULL");
	return pause_handle(ctr, true);
}

int ck_container_unpause(ck_container *ctr)
{
	CK_ENTER();
	if (!ctr)
		return ck__error_set(CK_EINVAL, "ck_container_unpause: ctr is NULL");
	return pause_handle(ctr, false);
}

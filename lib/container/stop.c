/* Ending a run: stop (stop signal, then SIGKILL after the timeout), kill
 * and restart.  The monitor records every exit; these functions signal
 * through the runtime and then wait for the record to say so (wait.c),
 * holding no transaction while they wait. */
#define _GNU_SOURCE
#include "container_int.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

/* ---- stop ---- */

static int request_stop(ck__ctr_state *st, void *payload)
{
	st->stop_requested = true;
	if (!strcmp(st->status, "running"))
		snprintf(st->status, sizeof(st->status), "stopping");
	return CK_OK;
}

/* Signals; a failure ("already gone", "still being created") is only
 * logged: the monitor records the end, or sees the stop request when it
 * starts the container. */
static int signal_ctr(const ck__runtime *rt, const char *id, int sig, bool all)
{
	if (ck__runtime_kill(rt, id, sig, all) != CK_OK)
		ck__error_clear();
	return CK_OK;
}

/* Stops a container whose lock the caller holds; `timeout_s` < 0: its own. */
static int stop_locked(ck_context *ctx, const char *id, int timeout_s)
{
	ck__ctr_config cfg;
	ck__ctr_state st, end;
	ck__runtime rt;
	int rc;

	if ((rc = ck__ctr_read(&cfg, &st, ctx, id)) != CK_OK)
		return rc;
	if (!(ck__ctr_status_live(st.status) || st.pid > 0)) {
		rc = CK_OK;
		goto out;
	}
	if (!ck__ctr_monitor_alive(&st)) {
		rc = ck__ctr_reconcile(ctx, id, NULL);
		goto out;
	}
	if ((rc = ck__ctr_update(ctx, id, request_stop, NULL)) != CK_OK ||
	    (rc = ck__ctr_runtime_open(&rt, ctx, &cfg)) != CK_OK)
		goto out;
	if (timeout_s < 0)
		timeout_s = (int)cfg.stop_timeout;
	rc = timeout_s > 0 ? signal_ctr(&rt, id, cfg.stop_signal ? cfg.stop_signal : SIGTERM, false) : CK_OK;
	/* A frozen process gets its signal only once thawed (podman signals,
	 * then unpauses, too). */
	if (rc == CK_OK && st.paused && ck__runtime_pause(&rt, id, false) != CK_OK) {
		ck__log(ctx, CK_LOG_WARN, "container %s: resume before stop: %s", cfg.name, ck_error_last()->message);
		ck__error_clear();
	}
	if (rc == CK_OK) {
		rc = timeout_s > 0 ? ck__ctr_wait_stopped(ctx, id, timeout_s * 1000, &end) : CK_ETIMEOUT;
		if (rc == CK_ETIMEOUT) {
			ck__error_clear();
			if (timeout_s > 0)
				ck__log(ctx, CK_LOG_INFO, "container %s did not stop within %d s of signal %d; sending SIGKILL",
				        cfg.name, timeout_s, cfg.stop_signal);
			if ((rc = signal_ctr(&rt, id, SIGKILL, true)) == CK_OK)
				rc = ck__ctr_wait_stopped(ctx, id, 30000, &end);
		}
		if (rc == CK_OK) {
			if (end.monitor_pid > 0 && (ck__ctr_status_live(end.status) || end.pid > 0))
				rc = ck__ctr_reconcile(ctx, id, NULL); /* the monitor died meanwhile */
			ck__ctr_state_free(&end);
		}
	}
	ck__runtime_close(&rt);
	if (rc == CK_OK)
		ck__ctr_event(ctx, &cfg, "stop", -1);
out:
	if (rc != CK_OK && rc != CK_ENOTFOUND)
		rc = ck__error_wrap(rc, "cannot stop container %s", cfg.name);
	ck__ctr_config_free(&cfg);
	ck__ctr_state_free(&st);
	return rc;
}

int ck__ctr_stop_id(ck_context *ctx, const char *id, int timeout_s, bool locked)
{
	ck__lock lk = CK__LOCK_INIT;
	int rc;

	if (!locked && (rc = ck__ctr_lock(&lk, ctx, id)) != CK_OK)
		return rc;
	rc = stop_locked(ctx, id, timeout_s);
	ck__lock_release(&lk);
	return rc;
}

int ck_container_stop(ck_container *ctr, int timeout_s)
{
	int rc;

	CK_ENTER();
	if (!ctr)
		return ck__error_set(CK_EINVAL, "ck_container_stop: ctr is NULL");
	CK__CTR_FULL(ctr);
	rc = ck__ctr_stop_id(ctr->ctx, ctr->cfg.id, timeout_s, false);
	if (rc == CK_OK)
		rc = ck__ctr_load(ctr, ctr->ctx, ctr->cfg.id);
	return rc;
}

int ck_container_kill(ck_container *ctr, int signal)
{
	ck__ctr_state st;
	ck__runtime rt;
	int rc;

	CK_ENTER();
	if (!ctr)
		return ck__error_set(CK_EINVAL, "ck_container_kill: ctr is NULL");
	CK__CTR_FULL(ctr);
	if (signal < 1 || signal > 64)
		return ck__error_set(CK_EINVAL, "invalid signal %d: out of range 1..64", signal);
	if ((rc = ck__ctr_read(NULL, &st, ctr->ctx, ctr->cfg.id)) != CK_OK)
		return rc;
	bool running = !strcmp(st.status, "running") || !strcmp(st.status, "stopping");
	bool alive = ck__ctr_monitor_alive(&st);
	ck__ctr_state_free(&st);
	if (!running || !alive)
		return ck__error_set(CK_ESTATE, "cannot kill container %s: it is not running", ctr->cfg.name);
	if ((rc = ck__ctr_runtime_open(&rt, ctr->ctx, &ctr->cfg)) != CK_OK)
		return rc;
	rc = ck__runtime_kill(&rt, ctr->cfg.id, signal, signal == SIGKILL);
	ck__runtime_close(&rt);
	if (rc == CK_OK) {
		char sig[16];
		snprintf(sig, sizeof(sig), "%d", signal);
		const char *attrs[] = { "signal", sig, NULL };
		ck__event_write(ctr->ctx, "container", "kill", ctr->cfg.id, ctr->cfg.name, ctr->cfg.image_name, attrs, -1);
	} else if (rc == CK_ESTATE || rc == CK_ENOTFOUND) {
		rc = ck__error_set(CK_ESTATE, "cannot kill container %s: it is not running", ctr->cfg.name);
	}
	return rc;
}

int ck_container_restart(ck_container *ctr, int timeout_s)
{
	int rc;

	CK_ENTER();
	if (!ctr)
		return ck__error_set(CK_EINVAL, "ck_container_restart: ctr is NULL");
	CK__CTR_FULL(ctr);
	if ((rc = ck__ctr_stop_id(ctr->ctx, ctr->cfg.id, timeout_s, false)) != CK_OK)
		return rc;
	if ((rc = ck__ctr_start(ctr)) == CK_OK)
		ck__ctr_event(ctr->ctx, &ctr->cfg, "restart", -1);
	return rc;
}


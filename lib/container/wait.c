/* Waiting for a run to end (ck_container_wait, and the record-watching
 * wait that stop uses), and the reconciliation of a container whose
 * monitor died: its record is brought in line with what is left. */
#define _GNU_SOURCE
#include "container_int.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

/* Whether nobody holds the container's lock (so a "starting" or
 * "creating" record is left over from a process that died). */
static bool lock_free(ck_context *ctx, const char *id)
{
	ck__lock lk = CK__LOCK_INIT;
	char *dir = ck__runroot_path(ctx, "locks"), *path = dir ? ck__asprintf("%s/container-%s.lock", dir, id) : NULL;
	bool free_ = false;

	if (path && ck__lock_acquire(&lk, path, true, 0) == CK_OK) {
		free_ = true;
		ck__lock_release(&lk);
	}
	ck__error_clear();
	free(path);
	free(dir);
	return free_;
}

int ck__ctr_wait_stopped(ck_context *ctx, const char *id, int timeout_ms, ck__ctr_state *out)
{
	int64_t deadline = ck__mono_ns() + (int64_t)timeout_ms * 1000000;
	ck__ctr_watch w;
	int nap = 5, rc;

	ck__ctr_state_init(out, "exited");
	ck__ctr_watch_open(&w, ctx, id);
	for (;;) {
		ck__ctr_state st;
		if ((rc = ck__ctr_read(NULL, &st, ctx, id)) != CK_OK)
			break;
		/* The monitor owns the container until it clears monitor_pid. */
		bool monitor = st.monitor_pid > 0 && ck__ctr_monitor_alive(&st);
		bool live = ck__ctr_status_live(st.status) || st.pid > 0 || monitor;
		bool gone = live && ((st.monitor_pid > 0 && !monitor) ||
		                     (st.monitor_pid == 0 && !strcmp(st.status, "starting") && lock_free(ctx, id)));
		if (!live || gone) {
			*out = st;
			break;
		}
		int64_t left = (deadline - ck__mono_ns()) / 1000000;
		if (timeout_ms >= 0 && left <= 0) {
			ck__ctr_state_free(&st);
			rc = ck__error_set(CK_ETIMEOUT, "container %.12s is still running after %d ms", id, timeout_ms);
			break;
		}
		int slice = timeout_ms < 0 ? -1 : (int)left;
		/* The monitor signals its exit FIFO once it has recorded the
		 * end, and its death ends the wait as well. */
		if (!monitor || !ck__ctr_watch_wait(&w, st.monitor_pid, st.monitor_start, slice)) {
			/* No monitor to watch (a start that has not registered it,
			 * or a monitor without an exit FIFO): look again soon. */
			if (slice < 0 || slice > 500)
				slice = 500;
			if (st.pid > 0 && ck__proc_alive(st.pid, st.init_start)) {
				ck__proc_wait_gone(st.pid, slice);
				nap = 2;
			} else {
				ck__sleep_ms(nap < slice ? nap : slice);
				if (nap < 50)
					nap *= 2;
			}
		}
		ck__ctr_state_free(&st);
	}
	ck__ctr_watch_close(&w);
	return rc;
}

struct exited_args {
	const char *why;
	bool never_started;
};

static int mark_exited(ck__ctr_state *st, void *payload)
{
	struct exited_args *a = payload;

	if (!ck__ctr_status_live(st->status) && st->pid == 0)
		return CK_OK;
	if (!strcmp(st->status, "removing") || !strcmp(st->status, "creating"))
		;
	else if (a->never_started)
		snprintf(st->status, sizeof(st->status), "created");
	else
		snprintf(st->status, sizeof(st->status), "exited");
	st->pid = 0;
	st->monitor_pid = 0;
	st->monitor_start = 0;
	if (!a->never_started) {
		st->exit_code = -1;
		st->finished_at = ck__now_ns();
	}
	free(st->error);
	st->error = ck__strdup(a->why);
	return st->error || !a->why ? CK_OK : ck__oom();
}

int ck__ctr_reconcile(ck_context *ctx, const char *id, bool *fixed)
{
	ck__ctr_config cfg;
	ck__ctr_state st;
	ck__runtime rt;
	int rc;

	if (fixed)
		*fixed = false;
	if ((rc = ck__ctr_read(&cfg, &st, ctx, id)) != CK_OK)
		return rc;
	bool live = ck__ctr_status_live(st.status) || st.pid > 0;
	if (!live || ck__ctr_monitor_alive(&st)) {
		ck__ctr_config_free(&cfg);
		ck__ctr_state_free(&st);
		return CK_OK;
	}
	struct exited_args a = { NULL, st.started_at == 0 && st.monitor_pid == 0 };
	if (ck__ctr_runtime_open(&rt, ctx, &cfg) == CK_OK) {
		/* Whatever of it still runs has no monitor to log or reap it. */
		if (st.pid > 0 && ck__proc_alive(st.pid, st.init_start)) {
			if (ck__runtime_kill(&rt, id, SIGKILL, true) != CK_OK)
				ck__log(ctx, CK_LOG_WARN, "container %.12s: %s", id, ck_error_last()->message);
			if (!ck__proc_wait_gone(st.pid, 10000))
				ck__log(ctx, CK_LOG_WARN, "container %.12s: its init %d outlived SIGKILL", id, st.pid);
		}
		if (ck__runtime_delete(&rt, id, true) != CK_OK)
			ck__log(ctx, CK_LOG_WARN, "container %.12s: %s", id, ck_error_last()->message);
		ck__runtime_close(&rt);
	} else {
		ck__log(ctx, CK_LOG_WARN, "container %.12s: %s", id, ck_error_last()->message);
	}
	ck__error_clear();
	/* What the monitor would have torn down after the exit. */
	if ((rc = ck__ctr_slirp_cleanup(ctx, id)) != CK_OK || (rc = ck__net_teardown(ctx, id)) != CK_OK) {
		rc = ck__error_wrap(rc, "cannot tear down the network of container %s", cfg.name);
		ck__ctr_config_free(&cfg);
		ck__ctr_state_free(&st);
		return rc;
	}
	a.why = a.never_started ? "the start was interrupted" : "its monitor died; the exit code is unknown";
	rc = ck__ctr_update(ctx, id, mark_exited, &a);
	if (rc == CK_OK) {
		ck__log(ctx, CK_LOG_INFO, "container %s (%.12s): %s", cfg.name, id, a.why);
		if (!a.never_started)
			ck__ctr_event(ctx, &cfg, "died", -1);
		if (fixed)
			*fixed = true;
	}
	ck__ctr_config_free(&cfg);
	ck__ctr_state_free(&st);
	return rc;
}

/* ---- wait ---- */

struct died_args {
	const char *id;
	int code;
	bool found;
};

static int died_fn(const char *json, void *payload)
{
	struct died_args *a = payload;
	yajl_val v;
	long long code;

	if (!json || !(v = yajl_tree_parse(json, NULL, 0)))
		return 0;
	const char *id = ck__json_str(v, "ID");
	if (id && !strcmp(id, a->id) && ck__json_int(v, "ContainerExitCode", &code)) {
		a->code = (int)code;
		a->found = true;
	}
	yajl_tree_free(v);
	return 0;
}

/* The exit code of a removed container, from its last "died" event. */
static int exit_from_events(int *code, ck_context *ctx, const char *id)
{
	char filter[80];
	const char *filters[] = { "type=container", "event=died", filter, NULL };
	ck_events_options o = CK_EVENTS_OPTIONS_INIT;
	struct died_args a = { id, -1, false };
	int rc;

	snprintf(filter, sizeof(filter), "container=%s", id);
	o.filters = filters;
	if ((rc = ck_events_read(ctx, &o, died_fn, &a)) != CK_OK)
		return rc;
	if (!a.found)
		return ck__error_set(CK_ENOTFOUND, "container %.12s was removed before its exit was recorded", id);
	*code = a.code;
	return CK_OK;
}

int ck__ctr_wait(int *exit_code, ck_container *ctr, int timeout_ms)
{
	int64_t deadline;
	int rc;

	if (exit_code)
		*exit_code = -1;
	CK__CTR_FULL(ctr);
	deadline = ck__mono_ns() + (int64_t)timeout_ms * 1000000;
	for (;;) {
		ck__ctr_state st;
		int left = timeout_ms < 0 ? -1 : (int)((deadline - ck__mono_ns()) / 1000000);
		if (timeout_ms >= 0 && left < 0)
			left = 0;
		rc = ck__ctr_wait_stopped(ctr->ctx, ctr->cfg.id, left, &st);
		if (rc == CK_ENOTFOUND) {
			int code = -1;
			if (exit_from_events(&code, ctr->ctx, ctr->cfg.id) != CK_OK)
				return ck__error_set(CK_ENOTFOUND, "container %s (%.12s) no longer exists", ctr->cfg.name,
				                     ctr->cfg.id);
			if (exit_code)
				*exit_code = code;
			return CK_OK;
		}
		if (rc != CK_OK)
			return rc;
		bool gone = ck__ctr_status_live(st.status) || st.pid > 0;
		bool created = !strcmp(st.status, "created") || !strcmp(st.status, "creating");
		int code = st.exit_code;
		ck__ctr_state_free(&st);
		if (gone) {
			ck__lock lk = CK__LOCK_INIT;
			if ((rc = ck__ctr_lock(&lk, ctr->ctx, ctr->cfg.id)) != CK_OK)
				return rc;
			rc = ck__ctr_reconcile(ctr->ctx, ctr->cfg.id, NULL);
			ck__lock_release(&lk);
			if (rc != CK_OK)
				return rc;
			continue;
		}
		if (created) /* never run: podman 4.3 answers at once, with 0 */
			code = 0;
		if (exit_code)
			*exit_code = code;
		ck__ctr_load(ctr, ctr->ctx, ctr->cfg.id);
		ck__error_clear();
		return CK_OK;
	}
}

int ck_container_wait(int *exit_code, ck_container *ctr, int timeout_ms)
{
	CK_ENTER();
	if (exit_code)
		*exit_code = -1;
	if (!ctr)
		return ck__error_set(CK_EINVAL, "ck_container_wait: ctr is NULL");
	return ck__ctr_wait(exit_code, ctr, timeout_ms);
}

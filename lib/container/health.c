/* Healthchecks: one run of a container's check (through the runtime's exec,
 * as `ck exec`), its result recorded in the container's state (status,
 * failing streak, the last results) with an event on each change, the
 * on-failure action, and the typed reads and the wait. */
#define _GNU_SOURCE
#include "container_int.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

struct ck_container_health {
	ck_health_status status;
	unsigned int streak;
	size_t n;
	struct {
		int64_t start, end;
		int exit_code;
		char *output;
	} log[CK__HEALTH_LOG_MAX];
};

void ck__ctr_health_reset(ck__ctr_state *st, const ck__ctr_config *c)
{
	st->health_restart = false;
	if (!c->health_test) {
		st->health[0] = '\0';
		return;
	}
	snprintf(st->health, sizeof(st->health), "starting");
	st->health_streak = 0;
}

/* ---- the log of results, JSON in the state ---- */

static void health_free_log(ck_container_health *h)
{
	for (size_t i = 0; i < h->n; i++)
		free(h->log[i].output);
	h->n = 0;
}

static int parse_log(ck_container_health *h, const char *json)
{
	yajl_val tree = NULL;
	int rc;

	if (!json || !*json)
		return CK_OK;
	if ((rc = ck__json_parse(&tree, json, "container health log", CK_ECORRUPT)) != CK_OK)
		return rc;
	if (YAJL_IS_ARRAY(tree)) {
		size_t len = tree->u.array.len, from = len > CK__HEALTH_LOG_MAX ? len - CK__HEALTH_LOG_MAX : 0;
		for (size_t i = from; i < len; i++) {
			yajl_val e = tree->u.array.values[i];
			const char *out = ck__json_str(e, "output");
			h->log[h->n].start = ck__ctr_json_int(e, "start", 0);
			h->log[h->n].end = ck__ctr_json_int(e, "end", 0);
			h->log[h->n].exit_code = (int)ck__ctr_json_int(e, "exit_code", -1);
			if (!(h->log[h->n].output = strdup(out ? out : ""))) {
				rc = ck__oom();
				break;
			}
			h->n++;
		}
	}
	yajl_tree_free(tree);
	return rc;
}

static int gen_log(char **out, const ck_container_health *h)
{
	yajl_gen g = ck__json_gen_new(false);

	if (!g)
		return ck__oom();
	yajl_gen_array_open(g);
	for (size_t i = 0; i < h->n; i++) {
		yajl_gen_map_open(g);
		ck__json_key_int(g, "start", h->log[i].start);
		ck__json_key_int(g, "end", h->log[i].end);
		ck__json_key_int(g, "exit_code", h->log[i].exit_code);
		ck__json_key_str(g, "output", h->log[i].output);
		yajl_gen_map_close(g);
	}
	yajl_gen_array_close(g);
	return ck__json_gen_finish(out, g);
}

/* ---- one run ---- */

struct record_args {
	const ck__ctr_config *c;
	int64_t start, end;
	int exit_code;
	const char *output;
	ck_health_status before, after;
	ck_health_status result; /* this run's: healthy, starting (a failure in the start period), unhealthy */
	bool recorded;
};

static int record_fn(ck__ctr_state *st, void *payload)
{
	struct record_args *a = payload;
	ck_container_health h = { 0 };
	char *json = NULL;
	int rc;

	a->before = a->after = ck__health_status_parse(st->health);
	/* Stopped or restarted meanwhile: this result is stale. */
	if (strcmp(st->status, "running") != 0 || st->started_at > a->start)
		return CK_OK;
	if ((rc = parse_log(&h, st->health_log)) != CK_OK)
		return rc;
	if (h.n == CK__HEALTH_LOG_MAX) {
		free(h.log[0].output);
		memmove(&h.log[0], &h.log[1], (CK__HEALTH_LOG_MAX - 1) * sizeof(h.log[0]));
		h.n--;
	}
	h.log[h.n].start = a->start;
	h.log[h.n].end = a->end;
	h.log[h.n].exit_code = a->exit_code;
	if (!(h.log[h.n].output = strdup(a->output))) {
		health_free_log(&h);
		return ck__oom();
	}
	h.n++;
	rc = gen_log(&json, &h);
	health_free_log(&h);
	if (rc != CK_OK)
		return rc;
	free(st->health_log);
	st->health_log = json;
	ck_health_status now = a->before == CK_HEALTH_NONE ? CK_HEALTH_STARTING : a->before;
	a->result = a->exit_code == 0 ? CK_HEALTH_HEALTHY : CK_HEALTH_STARTING;
	if (a->exit_code == 0) {
		now = CK_HEALTH_HEALTHY;
		st->health_streak = 0;
	} else if (a->start - st->started_at >= a->c->health_start_period) {
		a->result = CK_HEALTH_UNHEALTHY;
		/* Failures in the start period do not count (podman's rule). */
		st->health_streak++;
		if (st->health_streak >= (unsigned int)(a->c->health_retries > 0 ? a->c->health_retries : 1))
			now = CK_HEALTH_UNHEALTHY;
	}
	snprintf(st->health, sizeof(st->health), "%s", ck_health_status_name(now));
	if (now == CK_HEALTH_UNHEALTHY && a->before != now && a->c->health_on_failure == CK_HEALTH_ON_FAILURE_RESTART)
		st->health_restart = true;
	a->after = now;
	a->recorded = true;
	return CK_OK;
}

static void health_event(ck_context *ctx, const ck__ctr_config *c, ck_health_status status)
{
	const char **attrs = calloc(2 * c->labels.n + 5, sizeof(*attrs));
	size_t k = 0;

	if (!attrs)
		return;
	attrs[k++] = "image";
	attrs[k++] = c->image_name;
	attrs[k++] = "health_status";
	attrs[k++] = ck_health_status_name(status);
	for (size_t i = 0; i < c->labels.n; i++) {
		attrs[k++] = c->labels.keys[i];
		attrs[k++] = c->labels.vals[i];
	}
	ck__event_write(ctx, "container", "health_status", c->id, c->name, c->image_name, attrs, -2);
	free(attrs);
}

/* The action of --health-on-failure once it turned unhealthy; its failure
 * is logged, the check's result stands. */
static void on_failure(ck_context *ctx, const ck__ctr_config *c)
{
	ck__runtime rt;
	int rc = CK_OK;

	switch (c->health_on_failure) {
	case CK_HEALTH_ON_FAILURE_KILL:
	case CK_HEALTH_ON_FAILURE_RESTART: /* the monitor runs it again: the state says so */
		if ((rc = ck__ctr_runtime_open(&rt, ctx, c)) == CK_OK) {
			rc = ck__runtime_kill(&rt, c->id, SIGKILL, true);
			ck__runtime_close(&rt);
		}
		break;
	case CK_HEALTH_ON_FAILURE_STOP:
		rc = ck__ctr_stop_id(ctx, c->id, -1, false);
		break;
	default:
		return;
	}
	ck__log(ctx, rc == CK_OK ? CK_LOG_INFO : CK_LOG_WARN, "container %s is unhealthy: on-failure action %d%s%s",
	        c->name, c->health_on_failure, rc == CK_OK ? " done" : ": ", rc == CK_OK ? "" : ck_error_last()->message);
	ck__error_clear();
}

int ck__ctr_health_check(ck_health_status *status, ck_health_status *result, ck_context *ctx,
                         const ck__ctr_config *c)
{
	ck_exec_options opts = CK_EXEC_OPTIONS_INIT;
	const char *sh[] = { "/bin/sh", "-c", NULL, NULL };
	const char *const *argv;
	char out[CK__HEALTH_OUTPUT_MAX + 1] = "";
	bool timed_out = false;
	int code = -1, rc, fd;

	*status = CK_HEALTH_NONE;
	if (result)
		*result = CK_HEALTH_NONE;
	if (!c->health_test || !c->health_test[0] || !c->health_test[1])
		return ck__error_set(CK_ENOTFOUND, "container %s has no healthcheck", c->name);
	if (!strcmp(c->health_test[0], "CMD-SHELL")) {
		sh[2] = c->health_test[1];
		argv = sh;
	} else {
		argv = (const char *const *)c->health_test + 1;
	}
	/* Output goes to a memory file: a pipe could fill while the exec is
	 * waited for. */
	if ((fd = memfd_create("ck-health", MFD_CLOEXEC)) < 0)
		return ck__error_errno(CK_EIO, "healthcheck of %s: memfd_create", c->name);
	opts.stdout_fd = opts.stderr_fd = fd;
	int64_t start = ck__now_ns();
	int timeout_ms = c->health_timeout > 0 ? (int)(c->health_timeout / 1000000) : 0;
	rc = ck__ctr_exec(&code, &timed_out, ctx, c, argv, &opts, false, timeout_ms);
	int64_t end = ck__now_ns();
	if (rc == CK_ESTATE || rc == CK_ENOTFOUND || rc == CK_ENOMEM) {
		close(fd);
		return rc;
	}
	ssize_t n = pread(fd, out, CK__HEALTH_OUTPUT_MAX, 0);
	out[n > 0 ? n : 0] = '\0';
	close(fd);
	if (timed_out) {
		code = -1;
		snprintf(out, sizeof(out), "healthcheck command exceeded its timeout of %lld ms",
		         (long long)(c->health_timeout / 1000000));
	} else if (rc != CK_OK) {
		/* The command could not run: a failed check, not an error. */
		code = -1;
		snprintf(out, sizeof(out), "%s", ck_error_last()->message);
		ck__error_clear();
	}
	struct record_args a = { c, start, end, code, out, CK_HEALTH_NONE, CK_HEALTH_NONE, CK_HEALTH_NONE, false };
	if ((rc = ck__ctr_update_relaxed(ctx, c->id, record_fn, &a)) != CK_OK)
		return rc;
	if (!a.recorded)
		return ck__error_set(CK_ESTATE, "container %s stopped while its healthcheck ran", c->name);
	*status = a.after;
	if (result)
		*result = a.result;
	if (a.after != a.before) {
		health_event(ctx, c, a.after);
		ck__log(ctx, CK_LOG_INFO, "container %s: %s", c->name, ck_health_status_name(a.after));
		if (a.after == CK_HEALTH_UNHEALTHY)
			on_failure(ctx, c);
	}
	return CK_OK;
}

/* ---- the public side ---- */

int ck_container_healthcheck_run(ck_health_status *status, ck_container *ctr)
{
	ck_health_status st = CK_HEALTH_NONE, result = CK_HEALTH_NONE;
	int rc;

	CK_ENTER();
	if (status)
		*status = CK_HEALTH_NONE;
	if (!ctr)
		return ck__error_set(CK_EINVAL, "ck_container_healthcheck_run: ctr is NULL");
	CK__CTR_FULL(ctr);
	if (!ctr->cfg.health_test)
		return ck__error_set(CK_ENOTFOUND, "container %s has no healthcheck defined", ctr->cfg.name);
	rc = ck__ctr_health_check(&st, &result, ctr->ctx, &ctr->cfg);
	if (rc == CK_ESTATE)
		rc = ck__error_set(CK_ESTATE, "container %s is not running", ctr->cfg.name);
	if (status)
		*status = result;
	return rc;
}

int ck_container_healthcheck_config(ck_healthcheck_config *out, ck_container *ctr)
{
	CK_ENTER();
	if (!out || !ctr)
		return ck__error_set(CK_EINVAL, "ck_container_healthcheck_config: an argument is NULL");
	if (out->version == 0 || out->version > CK_HEALTHCHECK_CONFIG_VERSION)
		return ck__error_set(CK_EVERSION, "ck_healthcheck_config version %u is not known", out->version);
	CK__CTR_FULL(ctr);
	unsigned int version = out->version;
	memset(out, 0, sizeof(*out));
	out->version = version;
	out->test = (const char *const *)ctr->cfg.health_test;
	if (out->test) {
		out->interval_ns = ctr->cfg.health_interval;
		out->timeout_ns = ctr->cfg.health_timeout;
		out->start_period_ns = ctr->cfg.health_start_period;
		out->retries = (unsigned int)ctr->cfg.health_retries;
		out->on_failure = (ck_health_on_failure)ctr->cfg.health_on_failure;
	}
	return CK_OK;
}

const char *ck_container_sdnotify(ck_container *ctr)
{
	if (!ctr || ck__ctr_full(ctr) != CK_OK)
		return "conmon";
	return ctr->cfg.sdnotify && *ctr->cfg.sdnotify ? ctr->cfg.sdnotify : "conmon";
}

ck_health_status ck_container_health_status(const ck_container *ctr)
{
	return ctr ? ck__health_status_parse(ctr->st.health) : CK_HEALTH_NONE;
}

int ck_container_health_read(ck_container_health **out, ck_container *ctr)
{
	ck_container_health *h;
	ck__ctr_state st;
	int rc;

	CK_ENTER();
	if (!out || !ctr)
		return ck__error_set(CK_EINVAL, "ck_container_health_read: an argument is NULL");
	*out = NULL;
	CK__CTR_FULL(ctr);
	if ((rc = ck__ctr_read(NULL, &st, ctr->ctx, ctr->cfg.id)) != CK_OK)
		return rc;
	if (!(h = calloc(1, sizeof(*h)))) {
		ck__ctr_state_free(&st);
		return ck__oom();
	}
	h->status = ck__health_status_parse(st.health);
	h->streak = st.health_streak;
	rc = parse_log(h, st.health_log);
	ck__ctr_state_free(&st);
	if (rc != CK_OK) {
		ck_container_health_free(h);
		return rc;
	}
	*out = h;
	return CK_OK;
}

ck_health_status ck_container_health_get_status(const ck_container_health *health)
{
	return health ? health->status : CK_HEALTH_NONE;
}

unsigned int ck_container_health_failing_streak(const ck_container_health *health)
{
	return health ? health->streak : 0;
}

size_t ck_container_health_log_count(const ck_container_health *health)
{
	return health ? health->n : 0;
}

int ck_container_health_log_entry(ck_health_log_entry *out, const ck_container_health *health, size_t index)
{
	CK_ENTER();
	if (!out || !health)
		return ck__error_set(CK_EINVAL, "ck_container_health_log_entry: an argument is NULL");
	if (out->version == 0 || out->version > CK_HEALTH_LOG_ENTRY_VERSION)
		return ck__error_set(CK_EVERSION, "ck_health_log_entry version %u is not known", out->version);
	if (index >= health->n)
		return ck__error_set(CK_ENOTFOUND, "health log entry %zu: there are %zu", index, health->n);
	out->start_ns = health->log[index].start;
	out->end_ns = health->log[index].end;
	out->exit_code = health->log[index].exit_code;
	out->output = health->log[index].output;
	return CK_OK;
}

void ck_container_health_free(ck_container_health *health)
{
	if (!health)
		return;
	health_free_log(health);
	free(health);
}

int ck_container_health_wait(ck_health_status *status, ck_container *ctr, unsigned int mask, int timeout_ms)
{
	int64_t deadline = timeout_ms < 0 ? 0 : ck__mono_ns() + (int64_t)timeout_ms * 1000000;
	int nap = 10, rc;

	CK_ENTER();
	if (status)
		*status = CK_HEALTH_NONE;
	if (!ctr)
		return ck__error_set(CK_EINVAL, "ck_container_health_wait: ctr is NULL");
	if (!mask || mask >= CK_HEALTH_MASK(4))
		return ck__error_set(CK_EINVAL, "ck_container_health_wait: mask 0x%x names no health status", mask);
	CK__CTR_FULL(ctr);
	if (!ctr->cfg.health_test && !(mask & CK_HEALTH_MASK(CK_HEALTH_NONE)))
		return ck__error_set(CK_ENOTFOUND, "container %s has no healthcheck to wait for", ctr->cfg.name);
	for (;;) {
		ck__ctr_state st;
		if ((rc = ck__ctr_read(NULL, &st, ctr->ctx, ctr->cfg.id)) != CK_OK)
			return rc;
		ck_health_status now = ck__health_status_parse(st.health);
		bool live = ck__ctr_status_live(st.status) && ck__ctr_monitor_alive(&st);
		ck__ctr_state_free(&st);
		if (status)
			*status = now;
		if (mask & CK_HEALTH_MASK(now))
			break;
		if (!live) {
			ck_container_refresh(ctr);
			return ck__error_set(CK_ESTATE, "container %s is not running (health: %s)", ctr->cfg.name,
			                     ck_health_status_name(now));
		}
		if (deadline && ck__mono_ns() >= deadline) {
			ck_container_refresh(ctr);
			return ck__error_set(CK_ETIMEOUT, "container %s: health still %s after %d ms", ctr->cfg.name,
			                     ck_health_status_name(now), timeout_ms);
		}
		ck__sleep_ms(nap);
		nap = nap < 200 ? nap * 2 : 200;
	}
	return ck_container_refresh(ctr);
}

/* What a pod does to its containers: start (infra first), stop, kill and
 * remove (members first, infra last), prune.  A failure on one container
 * does not keep the others from being tried; the first is returned. */
#define _GNU_SOURCE
#include "pod_int.h"

#include <stdlib.h>
#include <string.h>

typedef int (*ctr_op)(ck_container *c, void *arg);

/* Runs `op` on each of `ids`; the first error is kept (with its message). */
static int each(ck_context *ctx, char *const *ids, ctr_op op, void *arg, int *first, char *msg, size_t size)
{
	for (size_t i = 0; ids && ids[i]; i++) {
		ck_container *c = NULL;
		int rc = ck_container_lookup(&c, ctx, ids[i]);
		if (rc == CK_OK)
			rc = op(c, arg);
		if (rc == CK_ENOTFOUND)
			rc = CK_OK; /* removed meanwhile */
		if (rc != CK_OK && *first == CK_OK) {
			*first = rc;
			snprintf(msg, size, "%s", ck_error_last()->message);
		}
		ck_container_free(c);
	}
	return *first;
}

static int finish(int rc, const char *msg, const char *what, const char *name)
{
	if (rc == CK_OK) {
		ck__error_clear();
		return CK_OK;
	}
	return ck__error_set(rc, "cannot %s pod %s: %s", what, name, msg);
}

/* Re-reads the handle after an operation whose result is `rc`; a failure's
 * message survives the refresh (a public call, which clears it). */
static int refresh_after(ck_pod *pod, int rc)
{
	if (rc == CK_OK)
		return ck_pod_refresh(pod) != CK_OK ? ck_error_last()->code : CK_OK;
	char *msg = ck__strdup(ck_error_last()->message);
	ck_pod_refresh(pod);
	ck__error_set(rc, "%s", msg ? msg : "the operation failed");
	free(msg);
	return rc;
}

static int op_start(ck_container *c, void *arg)
{
	return ck_container_start(c);
}

int ck_pod_start(ck_pod *pod)
{
	char msg[1024] = "";
	int first = CK_OK, rc;

	CK_ENTER();
	if (!pod)
		return ck__error_set(CK_EINVAL, "ck_pod_start: pod is NULL");
	if ((rc = ck_pod_refresh(pod)) != CK_OK)
		return rc;
	if (!pod->members[0] && !pod->infra_id)
		return ck__error_set(CK_ESTATE, "cannot start pod %s: it has no containers", pod->cfg.name);
	char *infra[2] = { pod->infra_id, NULL };
	each(pod->ctx, infra, op_start, NULL, &first, msg, sizeof(msg));
	if (first == CK_OK)
		each(pod->ctx, pod->members, op_start, NULL, &first, msg, sizeof(msg));
	return refresh_after(pod, finish(first, msg, "start", pod->cfg.name));
}

static int op_stop(ck_container *c, void *arg)
{
	return ck_container_stop(c, *(int *)arg);
}

int ck_pod_stop(ck_pod *pod, int timeout_s)
{
	char msg[1024] = "";
	int first = CK_OK, rc;

	CK_ENTER();
	if (!pod)
		return ck__error_set(CK_EINVAL, "ck_pod_stop: pod is NULL");
	if ((rc = ck_pod_refresh(pod)) != CK_OK)
		return rc;
	char *infra[2] = { pod->infra_id, NULL };
	each(pod->ctx, pod->members, op_stop, &timeout_s, &first, msg, sizeof(msg));
	each(pod->ctx, infra, op_stop, &timeout_s, &first, msg, sizeof(msg));
	return refresh_after(pod, finish(first, msg, "stop", pod->cfg.name));
}

int ck_pod_restart(ck_pod *pod, int timeout_s)
{
	int rc;

	CK_ENTER();
	if ((rc = ck_pod_stop(pod, timeout_s)) != CK_OK)
		return rc;
	return ck_pod_start(pod);
}

static int op_kill(ck_container *c, void *arg)
{
	if (strcmp(ck_container_status(c), "running") != 0)
		return CK_OK;
	int rc = ck_container_kill(c, *(int *)arg);
	return rc == CK_ESTATE ? CK_OK : rc; /* exited meanwhile */
}

int ck_pod_kill(ck_pod *pod, int signal)
{
	char msg[1024] = "";
	int first = CK_OK, rc;

	CK_ENTER();
	if (!pod)
		return ck__error_set(CK_EINVAL, "ck_pod_kill: pod is NULL");
	if (signal <= 0 || signal > 64)
		return ck__error_set(CK_EINVAL, "ck_pod_kill: invalid signal %d", signal);
	if ((rc = ck_pod_refresh(pod)) != CK_OK)
		return rc;
	if (pod->state != CK_POD_RUNNING && pod->state != CK_POD_DEGRADED)
		return ck__error_set(CK_ESTATE, "cannot kill pod %s: no container of it runs", pod->cfg.name);
	char *infra[2] = { pod->infra_id, NULL };
	each(pod->ctx, pod->members, op_kill, &signal, &first, msg, sizeof(msg));
	each(pod->ctx, infra, op_kill, &signal, &first, msg, sizeof(msg));
	return finish(first, msg, "kill", pod->cfg.name);
}

/* ---- pause ---- */

struct pause_arg {
	bool pause;
	size_t done;
};

/* Only the containers in the state the change applies to: a pod whose
 * members have partly exited pauses what still runs, as podman does. */
static int op_pause(ck_container *c, void *arg)
{
	struct pause_arg *a = arg;
	const char *st = ck_container_status(c);

	if (strcmp(st, a->pause ? "running" : "paused") != 0)
		return CK_OK;
	a->done++;
	return a->pause ? ck_container_pause(c) : ck_container_unpause(c);
}

static int pod_pause(ck_pod *pod, bool pause)
{
	const char *verb = pause ? "pause" : "unpause";
	struct pause_arg a = { pause, 0 };
	char msg[1024] = "";
	int first = CK_OK, rc;

	if ((rc = ck_pod_refresh(pod)) != CK_OK)
		return rc;
	char *infra[2] = { pod->infra_id, NULL };
	/* the infra holds the namespaces: frozen last, thawed first */
	if (!pause)
		each(pod->ctx, infra, op_pause, &a, &first, msg, sizeof(msg));
	each(pod->ctx, pod->members, op_pause, &a, &first, msg, sizeof(msg));
	if (pause)
		each(pod->ctx, infra, op_pause, &a, &first, msg, sizeof(msg));
	if (first == CK_OK && a.done == 0)
		return ck__error_set(CK_ESTATE, "cannot %s pod %s: no container of it is %s", verb, pod->cfg.name,
		                     pause ? "running" : "paused");
	if ((rc = finish(first, msg, verb, pod->cfg.name)) == CK_OK && ck_pod_refresh(pod) != CK_OK)
		ck__error_clear(); /* the snapshot stays as it was; the pause happened */
	return rc;
}

int ck_pod_pause(ck_pod *pod)
{
	CK_ENTER();
	if (!pod)
		return ck__error_set(CK_EINVAL, "ck_pod_pause: pod is NULL");
	return pod_pause(pod, true);
}

int ck_pod_unpause(ck_pod *pod)
{
	CK_ENTER();
	if (!pod)
		return ck__error_set(CK_EINVAL, "ck_pod_unpause: pod is NULL");
	return pod_pause(pod, false);
}

/* ---- removal ---- */

struct delete_args {
	const char *id, *name;
	bool members_left;
};

/* The record goes only once no container is left in the pod: one that
 * joined while the others were being removed is removed in the next turn. */
static int delete_fn(ck_state_txn *txn, void *payload)
{
	struct delete_args *a = payload;
	char **ids = NULL, *infra = NULL;
	int rc = ck__pod_members(&ids, &infra, txn, a->id);

	a->members_left = rc == CK_OK && (ids || infra);
	ck_strv_free(ids);
	free(infra);
	if (rc != CK_OK || a->members_left)
		return rc == CK_OK ? CK_EBUSY : rc;
	return ck__rec_delete(txn, CK__KIND_POD, a->id, a->name);
}

static bool any_running(ck_context *ctx, char *const *ids, char **which)
{
	for (size_t i = 0; ids && ids[i]; i++) {
		ck_container *c = NULL;
		bool run = false;
		if (ck_container_lookup(&c, ctx, ids[i]) == CK_OK) {
			const char *st = ck_container_status(c);
			run = strcmp(st, "created") && strcmp(st, "exited") && strcmp(st, "creating");
			if (run)
				*which = strdup(ck_container_name(c));
		}
		ck_container_free(c);
		if (run)
			return true;
	}
	ck__error_clear();
	return false;
}

int ck__pod_remove_id(ck_context *ctx, const char *id, bool force)
{
	ck__ctr_leftovers *later = NULL;
	ck_pod *pod = NULL;
	char *which = NULL;
	int rc;

	for (int turn = 0; turn < 5; turn++) {
		if ((rc = ck__pod_load(&pod, ctx, id)) != CK_OK)
			return rc;
		char *infra[2] = { pod->infra_id, NULL };
		if (!force && (any_running(ctx, pod->members, &which) || any_running(ctx, infra, &which))) {
			rc = ck__error_set(CK_ESTATE, "cannot remove pod %s: its container %s is running (stop the pod "
			                              "first, or remove it with force)", pod->cfg.name,
			                   which ? which : "?");
			free(which);
			ck_pod_free(pod);
			return rc;
		}
		/* Members first: they live in the infra's namespaces. */
		for (size_t i = 0; pod->members[i]; i++)
			if ((rc = ck__ctr_remove_id(ctx, pod->members[i], true, false, false)) != CK_OK && rc != CK_ENOTFOUND)
				goto out;
		/* The infra's record goes in a relaxed commit, made durable by
		 * the pod's own below; its directories go after that.  A power
		 * cut in between may bring the infra back "removing", which
		 * `pod rm -f` or the check finishes. */
		if (pod->infra_id && (rc = ck__ctr_remove_deferred(&later, ctx, pod->infra_id)) != CK_OK &&
		    rc != CK_ENOTFOUND)
			goto out;
		ck__error_clear();
		struct delete_args da = { pod->cfg.id, pod->cfg.name, false };
		rc = ck__state_write(ctx, delete_fn, &da);
		ck__ctr_leftovers_finish(later);
		later = NULL;
		if (rc != CK_EBUSY)
			break;
		ck_pod_free(pod);
		pod = NULL;
	}
	if (rc == CK_EBUSY)
		rc = ck__error_set(CK_EBUSY, "containers keep joining the pod");
	if (rc == CK_OK)
		ck__log(ctx, CK_LOG_DEBUG, "pod %s (%.12s): removed", pod->cfg.name, pod->cfg.id);
out:
	if (rc != CK_OK && rc != CK_ESTATE)
		rc = ck__error_wrap(rc, "cannot remove pod %s", pod ? pod->cfg.name : id);
	ck_pod_free(pod);
	return rc;
}

int ck_pod_remove(ck_pod *pod, unsigned int flags)
{
	CK_ENTER();
	if (!pod)
		return ck__error_set(CK_EINVAL, "ck_pod_remove: pod is NULL");
	if (flags & ~CK_REMOVE_FORCE)
		return ck__error_set(CK_EINVAL, "ck_pod_remove: unknown flags 0x%x", flags & ~CK_REMOVE_FORCE);
	int rc = ck__pod_remove_id(pod->ctx, pod->cfg.id, (flags & CK_REMOVE_FORCE) != 0);
	if (rc == CK_ENOTFOUND)
		rc = ck__rec_ref_error(CK_ENOTFOUND, CK__KIND_POD, pod->cfg.name);
	return rc;
}

int ck_pod_prune(char ***removed, ck_context *ctx)
{
	ck_pod **list = NULL;
	size_t n = 0;
	char **ids = NULL;
	int rc;

	CK_ENTER();
	if (removed)
		*removed = NULL;
	if ((rc = ck_pod_list(&list, &n, ctx, NULL)) != CK_OK)
		return rc;
	for (size_t i = 0; i < n && rc == CK_OK; i++) {
		if (list[i]->state == CK_POD_RUNNING || list[i]->state == CK_POD_DEGRADED ||
		    list[i]->state == CK_POD_PAUSED)
			continue;
		rc = ck__pod_remove_id(ctx, list[i]->cfg.id, false);
		if (rc == CK_ESTATE || rc == CK_ENOTFOUND) { /* started or removed meanwhile */
			ck__error_clear();
			rc = CK_OK;
			continue;
		}
		if (rc == CK_OK)
			rc = ck__strv_push(&ids, list[i]->cfg.id);
	}
	ck_pod_list_free(list, n);
	if (rc == CK_OK && removed)
		*removed = ids;
	else
		ck_strv_free(ids);
	return rc;
}

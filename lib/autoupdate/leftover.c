/* The previous containers that an interrupted in-place update leaves aside
 * (stopped, named NAME.ck-autoupdate-previous): `system check` reports them,
 * and its repair and the next auto-update put things right, deciding by the
 * container now under NAME. */
#define _GNU_SOURCE
#include "autoupdate_int.h"
#include "container/container.h"
#include "state/state.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int ck__au_lock(ck__lock *lk, ck_context *ctx, const char *name)
{
	char *dir = ck__runroot_path(ctx, "locks"), *path = NULL;
	int rc;

	if (!dir)
		return ck__oom();
	if ((rc = ck__mkdir_p(dir, 0700)) == CK_OK)
		rc = (path = ck__asprintf("%s/autoupdate-%s.lock", dir, name)) ? ck__lock_acquire(lk, path, true, 0)
		                                                              : ck__oom();
	free(path);
	free(dir);
	if (rc == CK_EBUSY)
		return ck__error_set(CK_EBUSY, "another auto-update of %s is in progress", name);
	return rc;
}

/* The name `aside` was made from, or NULL when it is not such a name. */
static char *base_of(const char *aside)
{
	size_t n = strlen(aside), k = strlen(CK__AU_ASIDE_SUFFIX);

	if (n <= k || strcmp(aside + n - k, CK__AU_ASIDE_SUFFIX) != 0)
		return NULL;
	return strndup(aside, n - k);
}

/* What the container under the base name says about the update. */
enum situation {
	NEW_RUNS,  /* the update took the name and runs: the previous one is obsolete */
	NO_NEW,    /* interrupted before the new container was made: put the previous one back */
	NEW_DEAD   /* made but not running: remove it, put the previous one back */
};

/* Puts `prev` back under `base` and starts it unless it runs (an update
 * only ever moves a running container aside).  The image name is left as it is, so that the
 * next auto-update tries again. */
static int put_back(ck_container *prev, const char *base)
{
	int rc;

	if ((rc = ck_container_rename(prev, base)) != CK_OK)
		return rc;
	if (!strcmp(ck_container_status(prev), "running"))
		return CK_OK;
	/* Killed in the middle of its stop: the container may still run, and
	 * cannot be started until that stop is finished. */
	if (!strcmp(ck_container_status(prev), "stopping") && (rc = ck_container_stop(prev, 0)) != CK_OK)
		return rc;
	return ck_container_start(prev);
}

static int resolve(ck_context *ctx, ck_container *prev, const char *base, enum situation sit, ck_container *nu)
{
	int rc;

	switch (sit) {
	case NEW_RUNS:
		return ck_container_remove(prev, CK_REMOVE_FORCE); /* never its volumes */
	case NEW_DEAD:
		if ((rc = ck_container_remove(nu, CK_REMOVE_FORCE)) != CK_OK)
			return rc;
		/* fall through */
	case NO_NEW:
		return put_back(prev, base);
	}
	(void)ctx;
	return CK_OK;
}

/* One container; `r` NULL: the auto-update's own pass (repair, no report). */
static void one(ck_context *ctx, ck__check_report *r, ck_container *prev)
{
	char *base = base_of(ck_container_name(prev)), *detail = NULL, prev_id[65];
	ck_container *nu = NULL;
	ck__lock lk = CK__LOCK_INIT;
	enum situation sit;
	bool repair = r ? r->repair : true, repaired = false;
	const char *hint;

	if (!base)
		return;
	snprintf(prev_id, sizeof(prev_id), "%s", ck_container_id(prev));
	if (ck__au_lock(&lk, ctx, base) != CK_OK) {
		ck__error_clear(); /* an update in progress holds it: not a leftover */
		free(base);
		return;
	}
	if (ck_container_lookup(&nu, ctx, base) != CK_OK) {
		ck__error_clear();
		sit = NO_NEW;
	} else
		sit = !strcmp(ck_container_status(nu), "running") ? NEW_RUNS : NEW_DEAD;
	/* Running aside and nothing under the name: interrupted between the
	 * rename and the stop; the rename back is the whole repair. */
	if (!strcmp(ck_container_status(prev), "running") && sit != NO_NEW) {
		char what[400];
		snprintf(what, sizeof(what), "container %s runs under the name an auto-update gives the previous "
		         "container it moves aside", ck_container_name(prev));
		if (r)
			ck__check_add_hint(r, CK_CHECK_AUTOUPDATE_PREVIOUS, prev_id, what,
			                   "rename it (ck rename) or remove it (ck rm -f)", false, false);
		goto out;
	}
	if (sit == NEW_RUNS)
		detail = ck__asprintf("%s is the previous container of an interrupted auto-update of %s; container "
		                      "%.12s runs under that name, so the update had taken its place: it is to be "
		                      "removed (its volumes stay)", ck_container_name(prev), base, ck_container_id(nu));
	else if (sit == NO_NEW)
		detail = ck__asprintf("%s is the previous container of an auto-update of %s interrupted before the new "
		                      "container was made: it is to be renamed back to %s%s", ck_container_name(prev),
		                      base, base, strcmp(ck_container_status(prev), "running") ? " and started" : "");
	else
		detail = ck__asprintf("%s is the previous container of an interrupted auto-update of %s; container "
		                      "%.12s under that name is %s: it is to be removed, and the previous one renamed "
		                      "back and started", ck_container_name(prev), base, ck_container_id(nu),
		                      ck_container_status(nu));
	if (repair) {
		if (resolve(ctx, prev, base, sit, nu) == CK_OK)
			repaired = true;
		else if (detail) {
			char *more = ck__asprintf("%s (the repair failed: %s)", detail, ck_error_last()->message);
			free(detail);
			detail = more;
		}
		if (!r)
			ck__log(ctx, repaired ? CK_LOG_INFO : CK_LOG_WARN, "auto-update: %s%s", detail ? detail : base,
			        repaired ? " (done)" : "");
	}
	hint = repaired ? NULL : "run 'ck system check --repair' or 'ck auto-update'";
	if (r)
		ck__check_add_hint(r, CK_CHECK_AUTOUPDATE_PREVIOUS, prev_id, detail ? detail : base, hint, true,
		                   repaired);
out:
	ck__lock_release(&lk);
	ck_container_free(nu);
	free(detail);
	free(base);
}

static int scan(ck_context *ctx, ck__check_report *r)
{
	ck_container **list = NULL;
	size_t n = 0;
	int rc;

	if ((rc = ck_container_list(&list, &n, ctx, CK_CONTAINER_LIST_ALL, NULL)) != CK_OK)
		return rc;
	for (size_t i = 0; i < n; i++)
		one(ctx, r, list[i]);
	ck_container_list_free(list, n);
	return CK_OK;
}

int ck__au_leftover_check(ck_context *ctx, ck__check_report *r)
{
	return scan(ctx, r);
}

int ck__au_leftovers(ck_context *ctx)
{
	return scan(ctx, NULL);
}

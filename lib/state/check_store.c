/* The check of the store as a whole: its marker, and whether the backend's
 * files open and pass their own integrity check.  Every finding names the
 * file and the next step: a migration's backup to restore, or a reset. */
#define _GNU_SOURCE
#include "state_int.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>

static const char reset_step[] = "start over with an empty store: 'ck system reset --force' (this removes every "
                                 "container, image and volume)";

size_t ck__state_find_stores(char names[][32], size_t max, const ck_context *ctx)
{
	char *sdir = ck__state_dir(ctx);
	DIR *d = sdir ? opendir(sdir) : NULL;
	struct dirent *de;
	size_t n = 0;

	while (d && (de = readdir(d))) {
		const ck_backend_ops *ops = ck_backend_find(de->d_name);
		char *main_file;

		if (!ops || strlen(de->d_name) >= 32)
			continue;
		main_file = ck__asprintf("%s/%s/%s", sdir, de->d_name, ops->files()[0]);
		if (main_file && ck__path_exists(main_file) && n < max)
			snprintf(names[n++], 32, "%s", de->d_name);
		free(main_file);
	}
	if (d)
		closedir(d);
	free(sdir);
	return n;
}

bool ck__marker_exists(const ck_context *ctx)
{
	char *marker = ck__root_path(ctx, "state/backend");
	bool found = marker && ck__path_exists(marker);
	free(marker);
	return found;
}

/* The newest backup a migration left (<root>/state/<backend>.backup-<time>),
 * and the backend it belongs to; NULL if there is none. */
static char *newest_backup(const char *sdir, char *backend, size_t size)
{
	DIR *d = opendir(sdir);
	struct dirent *de;
	char best[256] = "";

	while (d && (de = readdir(d))) {
		const char *dot = strstr(de->d_name, ".backup-");
		char name[32];

		if (!dot || (size_t)(dot - de->d_name) >= sizeof(name) || strlen(de->d_name) >= sizeof(best))
			continue;
		snprintf(name, sizeof(name), "%.*s", (int)(dot - de->d_name), de->d_name);
		if (!ck_backend_find(name))
			continue;
		/* Time stamps sort as text; ".N" suffixes of one second as numbers. */
		if (!*best || strverscmp(strstr(de->d_name, ".backup-"), strstr(best, ".backup-")) > 0) {
			snprintf(best, sizeof(best), "%s", de->d_name);
			snprintf(backend, size, "%s", name);
		}
	}
	if (d)
		closedir(d);
	return *best ? ck__path_join(sdir, best) : NULL;
}

char *ck__state_restore_hint(const ck_context *ctx, const char *current)
{
	char *sdir = ck__state_dir(ctx), *backup, *cur = NULL, *target = NULL, *out = NULL;
	char b[32] = "";
	ck__buf buf = { 0 };

	if (!sdir)
		return NULL;
	if (!(backup = newest_backup(sdir, b, sizeof(b)))) {
		out = ck__asprintf("no backup of the store is kept in %s; %s", sdir, reset_step);
		free(sdir);
		return out;
	}
	cur = current && *current ? ck__path_join(sdir, current) : NULL;
	target = ck__path_join(sdir, b);
	ck__buf_printf(&buf, "restore the backup %s that a migration left (changes made since then are lost): "
	                     "with no other ck command running, run '", backup);
	/* The damaged store is moved aside, not deleted: it may still hold
	 * something worth salvaging. */
	if (cur && ck__path_exists(cur))
		ck__buf_printf(&buf, "mv %s %s.damaged && ", cur, cur);
	if (target && (!cur || strcmp(cur, target) != 0) && ck__path_exists(target))
		ck__buf_printf(&buf, "mv %s %s.old && ", target, target);
	ck__buf_printf(&buf, "mv %s %s && echo %s > %s/backend'; or %s", backup, target ? target : "?", b, sdir,
	               reset_step);
	out = ck__buf_take(&buf);
	free(target);
	free(cur);
	free(backup);
	free(sdir);
	return out;
}

char *ck__check_unreadable_record_hint(const ck_context *ctx, ck__kind kind, const char *id)
{
	char *restore = ck__state_restore_hint(ctx, ck_context_db_backend(ctx));
	char *out = restore ? ck__asprintf("no ck command removes a record it cannot read: delete the key \"%s\" "
	                                   "of the buckets \"%s\" and \"%s\" through the state API "
	                                   "(containerkit/sys/state.h: ck_state_txn_delete); or %s",
	                                   id, ck__kind_bucket(kind), ck__kind_state_bucket(kind), restore)
	                    : NULL;
	free(restore);
	return out;
}

struct finding {
	ck__check_report *r;
	const char *file, *hint;
	size_t count;
};

static void backend_problem(const char *detail, void *payload)
{
	struct finding *f = payload;
	char *full = NULL;

	/* Every finding names the damaged file, whatever the backend said. */
	if (!strstr(detail, f->file))
		full = ck__asprintf("%s: %s", f->file, detail);
	ck__check_add_hint(f->r, CK_CHECK_INTEGRITY, "state store", full ? full : detail, f->hint, false, false);
	f->count++;
	free(full);
}

/* A name a backend may register: [a-z0-9]+. */
static bool well_formed(const char *name)
{
	return strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789") == strlen(name);
}

/* A marker that is missing or names no backend.  When exactly one backend's
 * directory holds a store, writing its name again loses nothing. */
static int check_marker(char *backend, size_t size, ck_context *ctx, ck__check_report *r, const char *why,
                        bool may_rewrite)
{
	char names[4][32], *marker = ck__root_path(ctx, "state/backend"), *detail = NULL, *hint = NULL;
	size_t n = ck__state_find_stores(names, 4, ctx);
	bool repaired = false;
	ck__lock lk = CK__LOCK_INIT;
	int rc = CK_ECORRUPT;

	if (!marker)
		return ck__oom();
	if (n == 1 && !may_rewrite) {
		/* A well-formed name may be a backend that another program
		 * registers: never overwrite it. */
		detail = ck__asprintf("%s %s", marker, why);
		hint = ck__asprintf("open the store from the program that registers the \"%s\" backend; or, if "
		                    "%s/state/%s is the store in use, write its name: 'echo %s > %s'",
		                    backend, ck_context_root(ctx), names[0], names[0], marker);
		n = 0; /* not repairable */
	} else if (n == 1) {
		char *dir = ck__state_backend_dir(ctx, names[0]);
		detail = ck__asprintf("%s %s; %s holds a %s store", marker, why, dir ? dir : "?", names[0]);
		hint = ck__asprintf("run 'ck system check --repair' to write \"%s\" into %s", names[0], marker);
		free(dir);
		/* Only an exclusive hold proves nobody else is creating a store. */
		if (r->repair && ck__state_lock_exclusive(&lk, ctx, 5000) == CK_OK &&
		    ck__state_marker_write(ctx, names[0]) == CK_OK) {
			repaired = true;
			snprintf(backend, size, "%s", names[0]);
			rc = CK_OK;
		}
		ck__lock_release(&lk);
	} else if (n > 1) {
		detail = ck__asprintf("%s %s, and both %s and %s hold a store", marker, why, names[0], names[1]);
		hint = ck__asprintf("write the name of the store in use into %s ('echo %s > %s' or 'echo %s > %s')",
		                    marker, names[0], marker, names[1], marker);
	} else if (!may_rewrite) {
		detail = ck__asprintf("%s %s", marker, why);
		hint = ck__asprintf("open the store from the program that registers the \"%s\" backend", backend);
	} else {
		detail = ck__asprintf("%s %s, and no backend's directory in %s/state holds a store", marker, why,
		                      ck_context_root(ctx));
		hint = ck__state_restore_hint(ctx, NULL);
	}
	ck__error_clear();
	if (!detail || !hint)
		rc = ck__oom();
	else
		ck__check_add_hint(r, CK_CHECK_INTEGRITY, "state/backend", detail, hint, n == 1, repaired);
	free(detail);
	free(hint);
	free(marker);
	return rc;
}

int ck__check_store(ck_context *ctx, ck__check_report *r)
{
	const ck_backend_ops *ops = NULL;
	ck_backend *be = NULL;
	char backend[32] = "", names[4][32], *dir = NULL, *file = NULL, *hint = NULL, *why = NULL;
	int rc = ck__state_marker_read(backend, sizeof(backend), ctx);

	if (rc == CK_ENOTFOUND && ck__state_find_stores(names, 4, ctx) == 0) {
		ck__error_clear();
		return CK_ENOTFOUND; /* no store yet: nothing to check */
	}
	if (rc == CK_ENOTFOUND)
		why = ck__strdup("is missing");
	else if (rc == CK_ECORRUPT)
		why = ck__strdup("is empty or does not name a state backend (it holds something other than a "
		                 "backend's name)");
	else if (rc == CK_OK && ck__backend_lookup(&ops, backend) != CK_OK)
		why = ck__asprintf("does not name a known state backend: %s", ck_error_last()->message);
	if (!why && (rc == CK_ENOTFOUND || rc == CK_ECORRUPT || (rc == CK_OK && !ops)))
		return ck__oom();
	if (why) {
		ck__error_clear();
		rc = check_marker(backend, sizeof(backend), ctx, r, why, !*backend || !well_formed(backend));
		free(why);
		if (rc != CK_OK || ck__backend_lookup(&ops, backend) != CK_OK)
			return rc == CK_OK ? CK_ECORRUPT : rc;
	} else if (rc != CK_OK) {
		return rc; /* the marker cannot be read (permissions, I/O): not a finding */
	}
	if (!(dir = ck__state_backend_dir(ctx, backend)) || !(file = ck__path_join(dir, ops->files()[0])) ||
	    !(hint = ck__state_restore_hint(ctx, backend))) {
		rc = ck__oom();
		goto out;
	}
	struct finding f = { r, file, hint, 0 };
	rc = ops->open(&be, dir, 0);
	if (rc == CK_ENOTFOUND) {
		char *detail = ck__asprintf("%s is %s, but %s/state/backend names the %s backend", file,
		                            ck__path_exists(file) ? "empty (it holds no store)" : "missing",
		                            ck_context_root(ctx), backend);
		backend_problem(detail ? detail : file, &f);
		free(detail);
		rc = CK_ECORRUPT;
	} else if (rc != CK_OK) {
		backend_problem(ck_error_last()->message, &f);
	} else {
		rc = ops->check(be, backend_problem, &f);
		ops->close(be);
		/* A check that failed without a finding (I/O, a lock held too
		 * long) still leaves the records unchecked: say why. */
		if (rc != CK_OK && rc != CK_ENOMEM && f.count == 0)
			backend_problem(ck_error_last()->message, &f);
	}
	if (rc != CK_OK && rc != CK_ENOMEM)
		rc = CK_ECORRUPT;
out:
	ck__error_clear();
	free(hint);
	free(file);
	free(dir);
	return rc;
}

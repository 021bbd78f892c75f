/* The volume part of `ck system check`: records and directories under
 * <root>/volumes must match one to one, with no .trash- leftovers. */
#define _GNU_SOURCE
#include "volume_int.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int names_fn(const char *id, const char *config, const char *state, void *payload)
{
	return ck__strv_push((char ***)payload, id);
}

static int names_txn(ck_state_txn *txn, void *payload)
{
	char ***names = payload;

	ck_strv_free(*names); /* the body may run more than once */
	*names = NULL;
	return ck__rec_foreach(txn, CK__KIND_VOLUME, names_fn, payload);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool has_name(char **sorted, size_t n, const char *name)
{
	return n && bsearch(&name, sorted, n, sizeof(*sorted), cmp_str) != NULL;
}

/* The entries of <root>/volumes, sorted; none if it does not exist. */
static int read_entries(char ***out, const char *base)
{
	DIR *d = opendir(base);
	struct dirent *de;
	int rc = CK_OK;

	*out = NULL;
	if (!d)
		return errno == ENOENT ? CK_OK : ck__error_errno(CK_EIO, "cannot read %s", base);
	while (rc == CK_OK && (de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			rc = ck__strv_push(out, de->d_name);
	closedir(d);
	if (rc == CK_OK && *out)
		qsort(*out, ck__strv_len(*out), sizeof(**out), cmp_str);
	return rc;
}

static int exists_fn(ck_state_txn *txn, void *payload)
{
	return ck__rec_get(NULL, NULL, txn, CK__KIND_VOLUME, (const char *)payload);
}

static int insert_fn(ck_state_txn *txn, void *payload)
{
	char **a = payload;
	return ck__rec_insert(txn, CK__KIND_VOLUME, a[0], NULL, a[1], CK__VOLUME_STATE_EMPTY);
}

/* Turns an orphan directory into a volume with driver local and no labels,
 * keeping its data and dating it by the directory's mtime. */
static int adopt(ck_context *ctx, const char *name)
{
	ck__lock lk = CK__LOCK_INIT;
	ck__strmap none = { 0 };
	char *dir = NULL, *data = NULL, *config = NULL;
	struct stat st;
	int rc;

	if ((rc = ck__volume_lock(&lk, ctx, name)) != CK_OK)
		return rc;
	rc = ck__state_read(ctx, exists_fn, (void *)name);
	if (rc == CK_OK)
		goto out; /* created meanwhile: nothing left to adopt */
	if (rc != CK_ENOTFOUND)
		goto out;
	if ((rc = ck__volume_dir(&dir, ctx, name)) != CK_OK ||
	    (rc = ck__volume_data_dir(&data, ctx, name)) != CK_OK)
		goto out;
	if (stat(dir, &st) < 0) {
		rc = ck__error_errno(CK_EIO, "cannot stat %s", dir);
		goto out;
	}
	if ((rc = ck__volume_mkdir(data, 0755, true)) != CK_OK)
		goto out;
	if ((rc = ck__volume_config_json(&config, name, "local", &none, data, (int64_t)st.st_mtime)) != CK_OK)
		goto out;
	char *args[2] = { (char *)name, config };
	rc = ck__state_write(ctx, insert_fn, args);
	if (rc == CK_EEXISTS)
		rc = CK_OK;
out:
	ck__lock_release(&lk);
	free(dir);
	free(data);
	free(config);
	return rc;
}

/* Records a problem, repairing it first when asked and possible. */
static void report_hint(ck__check_report *r, const char *kind, const char *object, const char *detail,
                        const char *hint, int (*fix)(ck_context *, const char *), ck_context *ctx,
                        const char *arg)
{
	bool repaired = false;
	char *full = NULL;

	if (fix && r->repair) {
		int rc = fix(ctx, arg);
		repaired = rc == CK_OK;
		if (!repaired)
			full = ck__asprintf("%s (repair failed: %s)", detail, ck_error_last()->message);
		ck__error_clear();
	}
	ck__check_add_hint(r, kind, object, full ? full : detail, hint, fix != NULL, repaired);
	free(full);
}

#define report(r, kind, object, detail, fix, ctx, arg) report_hint(r, kind, object, detail, NULL, fix, ctx, arg)

static int fix_trash(ck_context *ctx, const char *path)
{
	return ck__rm_rf(path);
}

static int fix_missing(ck_context *ctx, const char *name)
{
	int rc = ck__volume_ensure_dir(ctx, name, false);
	return rc == CK_ENOTFOUND ? CK_OK : rc; /* removed meanwhile */
}

static int check_entry(ck_context *ctx, ck__check_report *r, const char *base, const char *name,
                       char **records, size_t nrec)
{
	char *path = ck__path_join(base, name), *detail = NULL, *hint = NULL;
	struct stat st;

	if (!path)
		return ck__oom();
	if (lstat(path, &st) < 0)
		goto out; /* gone since the listing */
	if (ck__str_has_prefix(name, ".trash-")) {
		detail = ck__asprintf("%s is left over from an interrupted volume removal", path);
		if (detail)
			report(r, CK_CHECK_LEFTOVER, name, detail, fix_trash, ctx, path);
	} else if (!S_ISDIR(st.st_mode)) {
		detail = ck__asprintf("%s is not a volume directory", path);
		hint = ck__asprintf("remove %s by hand if it is not needed ('rm %s')", path, path);
		if (detail)
			report_hint(r, CK_CHECK_LEFTOVER, name, detail, hint, NULL, ctx, NULL);
	} else if (ck__validate_name(name, "volume") != CK_OK) {
		ck__error_clear();
		detail = ck__asprintf("directory %s has no volume record, and its name is not a valid "
		                      "volume name", path);
		hint = ck__asprintf("rename %s to a valid volume name ([a-zA-Z0-9][a-zA-Z0-9_.-]*), then run "
		                    "'ck system check --repair' to adopt it; or remove it by hand", path);
		if (detail)
			report_hint(r, CK_CHECK_ORPHAN_VOLUME_DIR, name, detail, hint, NULL, ctx, NULL);
	} else if (!has_name(records, nrec, name)) {
		detail = ck__asprintf("directory %s has no volume record; repair adopts it as a volume "
		                      "and keeps its data", path);
		if (detail)
			report(r, CK_CHECK_ORPHAN_VOLUME_DIR, name, detail, adopt, ctx, name);
	} else {
		goto out;
	}
	if (!detail) {
		free(path);
		return ck__oom();
	}
out:
	free(detail);
	free(hint);
	free(path);
	return CK_OK;
}

static int check_record(ck_context *ctx, ck__check_report *r, const char *name)
{
	char *data = NULL, *detail;

	if (ck__volume_data_dir(&data, ctx, name) != CK_OK) {
		detail = ck__asprintf("volume record \"%s\" has an invalid name: %s", name,
		                      ck_error_last()->message);
		ck__error_clear();
		if (!detail)
			return ck__oom();
		char *hint = ck__check_unreadable_record_hint(ctx, CK__KIND_VOLUME, name);
		report_hint(r, CK_CHECK_BAD_RECORD, name, detail, hint, NULL, ctx, NULL);
		free(hint);
		free(detail);
		return CK_OK;
	}
	if (!ck__is_dir(data)) {
		detail = ck__asprintf("volume \"%s\" has no directory %s; repair creates it empty", name,
		                      data);
		if (!detail) {
			free(data);
			return ck__oom();
		}
		report(r, CK_CHECK_MISSING_VOLUME_DIR, name, detail, fix_missing, ctx, name);
		free(detail);
	}
	free(data);
	return CK_OK;
}

int ck__volume_check(ck_context *ctx, ck__check_report *r)
{
	char **records = NULL, **entries = NULL, *base = NULL;
	size_t nrec;
	int rc;

	if (r->unreadable)
		return CK_OK; /* without trustworthy records, every directory would look orphaned */
	if ((rc = ck__state_read(ctx, names_txn, &records)) != CK_OK)
		goto out;
	nrec = ck__strv_len(records);
	if (nrec)
		qsort(records, nrec, sizeof(*records), cmp_str);
	if ((rc = ck__volume_base(&base, ctx)) != CK_OK || (rc = read_entries(&entries, base)) != CK_OK)
		goto out;
	for (size_t i = 0; entries && entries[i] && rc == CK_OK; i++)
		rc = check_entry(ctx, r, base, entries[i], records, nrec);
	for (size_t i = 0; i < nrec && rc == CK_OK; i++)
		rc = check_record(ctx, r, records[i]);
out:
	ck_strv_free(records);
	ck_strv_free(entries);
	free(base);
	return rc;
}

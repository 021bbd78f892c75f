/* The container part of `ck system check`: containers left by interrupted
 * operations, containers whose monitor died, and container directories,
 * root filesystems and runtime state that no record owns.  Repairs take
 * the container's lock (without waiting: a held lock means an operation
 * is in progress, which is not a problem). */
#define _GNU_SOURCE
#include "container_int.h"
#include "rootfs/rootfs.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

typedef struct rec {
	char *id, *name;
	ck__ctr_state st;
} rec;

struct scan {
	rec *list;
	size_t n, cap;
};

static void scan_clear(struct scan *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->list[i].id);
		free(s->list[i].name);
		ck__ctr_state_free(&s->list[i].st);
	}
	free(s->list);
	memset(s, 0, sizeof(*s));
}

static int scan_one(const char *id, const char *config, const char *state, void *payload)
{
	struct scan *s = payload;
	yajl_val t = NULL;
	rec r = { 0 };

	if (!state || ck__ctr_state_parse(&r.st, state) != CK_OK) {
		ck__error_clear(); /* the state check reports these */
		ck__ctr_state_free(&r.st);
		return 0;
	}
	if (ck__json_parse(&t, config, "container record", CK_ECORRUPT) != CK_OK)
		ck__error_clear();
	r.id = strdup(id);
	r.name = strdup(t && ck__json_str(t, "name") ? ck__json_str(t, "name") : id);
	yajl_tree_free(t);
	if (r.id && r.name && s->n == s->cap) {
		rec *nl = realloc(s->list, (s->cap ? 2 * s->cap : 32) * sizeof(rec));
		if (nl) {
			s->list = nl;
			s->cap = s->cap ? 2 * s->cap : 32;
		}
	}
	if (!r.id || !r.name || s->n == s->cap) {
		free(r.id);
		free(r.name);
		ck__ctr_state_free(&r.st);
		return ck__oom();
	}
	s->list[s->n++] = r;
	return 0;
}

static int scan_txn(ck_state_txn *txn, void *payload)
{
	scan_clear(payload);
	return ck__rec_foreach(txn, CK__KIND_CONTAINER, scan_one, payload);
}

static bool has_record(const struct scan *s, const char *id)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->list[i].id, id))
			return true;
	return false;
}

static int exists_txn(ck_state_txn *txn, void *payload)
{
	return ck__rec_get(NULL, NULL, txn, CK__KIND_CONTAINER, (const char *)payload);
}

/* Asked again under the container's lock: the scan may be older than a
 * create that finished meanwhile. */
static bool record_exists(ck_context *ctx, const char *id)
{
	int rc = ck__state_read(ctx, exists_txn, (void *)id);
	ck__error_clear();
	return rc != CK_ENOTFOUND;
}

static bool try_lock(ck__lock *lk, ck_context *ctx, const char *id)
{
	char *path = ck__asprintf("%s/locks/container-%s.lock", ctx->runroot, id);
	char *dir = ck__runroot_path(ctx, "locks");
	bool ok = path && dir && ck__mkdir_p(dir, 0700) == CK_OK && ck__lock_acquire(lk, path, true, 0) == CK_OK;
	ck__error_clear();
	free(path);
	free(dir);
	return ok;
}

static void problem(ck__check_report *r, const char *kind, const char *id, const char *name, const char *what,
                    bool repaired, const char *failure)
{
	char *detail = ck__asprintf("container %s (%.12s): %s%s%s", name, id, what, failure ? "; repair failed: " : "",
	                            failure ? failure : "");
	ck__check_add(r, kind, id, detail ? detail : what, true, repaired);
	free(detail);
}

static void check_record(ck_context *ctx, ck__check_report *r, const rec *c)
{
	const ck__ctr_state *st = &c->st;
	bool live = ck__ctr_status_live(st->status) || st->pid > 0;
	bool half = !strcmp(st->status, "creating") || !strcmp(st->status, "removing");
	bool starting = !strcmp(st->status, "starting") && st->monitor_pid == 0;
	ck__lock lk = CK__LOCK_INIT;
	const char *what, *kind;

	if (!half && !(live && (starting || !ck__ctr_monitor_alive(st))))
		return;
	/* An operation in progress holds the lock: nothing is wrong then. */
	if (!try_lock(&lk, ctx, c->id))
		return;
	if (half) {
		kind = CK_CHECK_LEFTOVER;
		what = st->status[0] == 'c' ? "left half-made by an interrupted create; it can be removed"
		                            : "left by an interrupted removal; the removal can be finished";
	} else if (starting) {
		kind = CK_CHECK_LEFTOVER;
		what = "left by an interrupted start; it can be reset";
	} else {
		kind = CK_CHECK_MONITOR_GONE;
		what = "its monitor process died while it ran; it can be stopped and marked exited (exit code unknown)";
	}
	bool repaired = false;
	const char *failure = NULL;
	if (r->repair) {
		int rc = half ? ck__ctr_remove_id(ctx, c->id, true, st->status[0] == 'c', true)
		              : ck__ctr_reconcile(ctx, c->id, NULL);
		repaired = rc == CK_OK;
		failure = repaired ? NULL : ck_error_last()->message;
	}
	problem(r, kind, c->id, c->name, what, repaired, failure);
	ck__error_clear();
	ck__lock_release(&lk);
}

static bool is_id(const char *s)
{
	return strlen(s) == 64 && ck__is_hex(s, 64);
}

/* Directories named after containers that have no record. */
static void check_dirs(ck_context *ctx, ck__check_report *r, const struct scan *s, const char *base, const char *what)
{
	DIR *d = opendir(base);

	for (struct dirent *de; d && (de = readdir(d));) {
		ck__lock lk = CK__LOCK_INIT;
		if (!is_id(de->d_name) || has_record(s, de->d_name) || !try_lock(&lk, ctx, de->d_name))
			continue;
		if (record_exists(ctx, de->d_name)) {
			ck__lock_release(&lk);
			continue;
		}
		char *path = ck__path_join(base, de->d_name);
		char *detail = ck__asprintf("%s %s belongs to no container; it can be deleted", what, path ? path : "");
		bool repaired = r->repair && path && ck__rm_rf(path) == CK_OK;
		ck__check_add(r, CK_CHECK_LEFTOVER, de->d_name, detail ? detail : what, true, repaired);
		ck__error_clear();
		free(detail);
		free(path);
		ck__lock_release(&lk);
	}
	if (d)
		closedir(d);
}

struct owners {
	char **ids;
};

static int owner_fn(const char *key, const void *val, size_t len, void *payload)
{
	struct owners *o = payload;
	return is_id(key) ? ck__strv_push(&o->ids, key) : 0;
}

static int owners_txn(ck_state_txn *txn, void *payload)
{
	struct owners *o = payload;
	ck_strv_free(o->ids);
	o->ids = NULL;
	int rc = ck__txn_scan(txn, "rootfs", "", owner_fn, o);
	if (rc == CK_ENOTFOUND) {
		ck__error_clear();
		rc = CK_OK;
	}
	return rc;
}

/* Root filesystems made for a container id that has no record. */
static void check_rootfs(ck_context *ctx, ck__check_report *r, const struct scan *s)
{
	struct owners o = { NULL };

	if (ck__state_read(ctx, owners_txn, &o) != CK_OK) {
		ck__error_clear();
		return;
	}
	for (size_t i = 0; o.ids && o.ids[i]; i++) {
		ck__lock lk = CK__LOCK_INIT;
		if (has_record(s, o.ids[i]) || !try_lock(&lk, ctx, o.ids[i]))
			continue;
		if (record_exists(ctx, o.ids[i])) {
			ck__lock_release(&lk);
			continue;
		}
		bool repaired = false;
		if (r->repair) {
			ck_rootfs *fs = NULL;
			repaired = ck_rootfs_lookup(&fs, ctx, o.ids[i]) == CK_OK && ck_rootfs_release(fs, 1) == CK_OK;
			ck_rootfs_free(fs);
		}
		problem(r, CK_CHECK_LEFTOVER, o.ids[i], o.ids[i], "a root filesystem that belongs to no container; it "
		        "can be unmounted and deleted", repaired, NULL);
		ck__error_clear();
		ck__lock_release(&lk);
	}
	ck_strv_free(o.ids);
}

static int rootfs_rec_txn(ck_state_txn *txn, void *payload)
{
	char *val = NULL;
	int rc = ck__txn_get(&val, NULL, txn, "rootfs", (const char *)payload);
	free(val);
	return rc;
}

/* Directories under <root>/rootfs named after a container that has no
 * record and no root filesystem record: a prepare killed before it wrote
 * its record.  They may still be mounted. */
static void check_rootfs_dirs(ck_context *ctx, ck__check_report *r, const struct scan *s)
{
	char *base = ck__root_path(ctx, "rootfs");
	DIR *d = base ? opendir(base) : NULL;

	for (struct dirent *de; d && (de = readdir(d));) {
		ck__lock lk = CK__LOCK_INIT, rlk = CK__LOCK_INIT;
		if (ck__str_has_prefix(de->d_name, ".trash-")) {
			/* A root filesystem whose removal was interrupted (as the image
			 * module's own sweep treats them). */
			int rc = CK_OK;
			if (r->repair)
				rc = ck__rootfs_trash_remove(ctx, de->d_name);
			else if (ck__rootfs_trash_busy(ctx, de->d_name))
				rc = CK_EBUSY;
			if (rc != CK_EBUSY) /* busy: a removal in progress, not a leftover */
				ck__check_add(r, CK_CHECK_LEFTOVER, de->d_name, "the rest of a root filesystem whose removal "
				              "was interrupted; it can be deleted", true, r->repair && rc == CK_OK);
			ck__error_clear();
			continue;
		}
		if (!is_id(de->d_name) || has_record(s, de->d_name) || !try_lock(&lk, ctx, de->d_name))
			continue;
		int rc = ck__lock_object(&rlk, ctx, "rootfs", de->d_name);
		if (rc == CK_OK)
			rc = ck__state_read(ctx, rootfs_rec_txn, de->d_name);
		ck__error_clear();
		if (rc == CK_ENOTFOUND && !record_exists(ctx, de->d_name)) {
			char *dir = ck__path_join(base, de->d_name), *merged = dir ? ck__path_join(dir, "merged") : NULL;
			bool repaired = false;
			if (r->repair && merged) {
				if (umount2(merged, UMOUNT_NOFOLLOW) < 0 && errno == EBUSY)
					umount2(merged, MNT_DETACH | UMOUNT_NOFOLLOW);
				repaired = ck__store_remove(ctx, AT_FDCWD, dir, dir) == CK_OK;
			}
			problem(r, CK_CHECK_LEFTOVER, de->d_name, de->d_name, "a root filesystem directory left by an "
			        "interrupted create; it can be unmounted and deleted", repaired, NULL);
			ck__error_clear();
			free(dir);
			free(merged);
		}
		ck__lock_release(&rlk);
		ck__lock_release(&lk);
	}
	if (d)
		closedir(d);
	free(base);
}

/* Containers the OCI runtimes still know that have no record. */
static void check_runtime_state(ck_context *ctx, ck__check_report *r, const struct scan *s)
{
	static const char *const runtimes[] = { "crun", "runc", NULL };

	for (size_t k = 0; runtimes[k]; k++) {
		char *base = ck__asprintf("%s/runtime/%s", ctx->runroot, runtimes[k]);
		DIR *d = base ? opendir(base) : NULL;
		for (struct dirent *de; d && (de = readdir(d));) {
			ck__lock lk = CK__LOCK_INIT;
			ck__runtime rt;
			struct stat fst;
			/* The runtime module's log of an invocation whose process died. */
			if (!strncmp(de->d_name, "log-", 4) && fstatat(dirfd(d), de->d_name, &fst, 0) == 0 &&
			    S_ISREG(fst.st_mode) && fst.st_mtime < time(NULL) - 600) {
				bool repaired = r->repair && unlinkat(dirfd(d), de->d_name, 0) == 0;
				ck__check_add(r, CK_CHECK_LEFTOVER, de->d_name, "an OCI runtime's log file left by a process "
				              "that died; it can be deleted", true, repaired);
				continue;
			}
			if (!is_id(de->d_name) || has_record(s, de->d_name) || !try_lock(&lk, ctx, de->d_name))
				continue;
			if (record_exists(ctx, de->d_name)) {
				ck__lock_release(&lk);
				continue;
			}
			bool repaired = false;
			if (r->repair && ck__runtime_open(&rt, ctx, runtimes[k]) == CK_OK) {
				repaired = ck__runtime_delete(&rt, de->d_name, true) == CK_OK;
				ck__runtime_close(&rt);
			}
			if (r->repair && !repaired) {
				/* A delete that was killed half-way leaves state the runtime
				 * cannot read any more; the directory is ours (--root). */
				char *dir = ck__path_join(base, de->d_name);
				repaired = dir && ck__rm_rf(dir) == CK_OK;
				free(dir);
			}
			char what[96];
			snprintf(what, sizeof(what), "%s still has this container, which has no record; it can be deleted",
			         runtimes[k]);
			problem(r, CK_CHECK_LEFTOVER, de->d_name, de->d_name, what, repaired, NULL);
			ck__error_clear();
			ck__lock_release(&lk);
		}
		if (d)
			closedir(d);
		free(base);
	}
}

int ck__container_check(ck_context *ctx, ck__check_report *r)
{
	struct scan s = { 0 };
	char *dirs = NULL, *runs = NULL;
	int rc = ck__state_read(ctx, scan_txn, &s);

	if (rc == CK_ENOTFOUND) {
		ck__error_clear();
		rc = CK_OK;
	}
	if (rc != CK_OK) {
		scan_clear(&s);
		return rc;
	}
	for (size_t i = 0; i < s.n; i++)
		check_record(ctx, r, &s.list[i]);
	/* The records again: a repair may have removed some. */
	if ((rc = ck__state_read(ctx, scan_txn, &s)) == CK_OK) {
		if ((dirs = ck__root_path(ctx, "containers")) && (runs = ck__runroot_path(ctx, "containers"))) {
			check_dirs(ctx, r, &s, dirs, "the directory");
			check_dirs(ctx, r, &s, runs, "the run directory");
		}
		check_rootfs(ctx, r, &s);
		check_rootfs_dirs(ctx, r, &s);
		check_runtime_state(ctx, r, &s);
		/* After the records: a repaired container has torn its network down. */
		rc = ck__net_check(ctx, r, ck__ctr_net_owner, NULL);
	}
	free(dirs);
	free(runs);
	scan_clear(&s);
	return rc;
}

/* The network part of `system check`: attachments whose container no
 * longer runs (a monitor killed before its teardown), namespace files
 * without an attachment, and addresses and users whose container is gone.
 * Repairs tear down and delete; a network record is never deleted. */
#define _GNU_SOURCE
#include "net_int.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct pairs {
	char **keys, **vals;
};

static int pair_one(const char *key, const void *val, size_t len, void *payload)
{
	struct pairs *p = payload;
	char *v = strndup(val, len);
	int rc = v ? ck__strv_push(&p->keys, key) : ck__oom();

	if (rc == CK_OK)
		rc = ck__strv_push(&p->vals, v);
	free(v);
	return rc;
}

struct snap {
	struct pairs attach, ipam, users;
};

static void snap_free(struct snap *s)
{
	struct pairs *all[] = { &s->attach, &s->ipam, &s->users };
	for (size_t i = 0; i < 3; i++) {
		ck_strv_free(all[i]->keys);
		ck_strv_free(all[i]->vals);
		all[i]->keys = all[i]->vals = NULL;
	}
}

static int snap_fn(ck_state_txn *txn, void *payload)
{
	struct snap *s = payload;
	int rc;

	snap_free(s);
	rc = ck__net_scan(txn, CK__NET_B_ATTACH, "", pair_one, &s->attach);
	if (rc == CK_OK)
		rc = ck__net_scan(txn, CK__NET_B_IPAM, "", pair_one, &s->ipam);
	if (rc == CK_OK)
		rc = ck__net_scan(txn, CK__NET_B_USERS, "", pair_one, &s->users);
	return rc;
}

static int del_fn(ck_state_txn *txn, void *payload)
{
	const char *const *kv = payload; /* bucket, key, expected value (or NULL) */
	char *v = NULL;
	int rc = ck__txn_get(&v, NULL, txn, kv[0], kv[1]);

	if (rc == CK_OK && (!kv[2] || !strcmp(v, kv[2])))
		rc = ck__txn_del(txn, kv[0], kv[1]);
	free(v);
	if (rc == CK_ENOTFOUND) {
		ck__error_clear();
		rc = CK_OK;
	}
	return rc;
}

static bool in(char **v, const char *s)
{
	for (size_t i = 0; v && v[i]; i++)
		if (!strcmp(v[i], s))
			return true;
	return false;
}

int ck__net_check(ck_context *ctx, ck__check_report *r, ck__net_owner_fn owner, void *payload)
{
	struct snap s;
	char *dir = NULL, detail[512];
	int rc;

	memset(&s, 0, sizeof(s));
	if ((rc = ck__state_read(ctx, snap_fn, &s)) != CK_OK)
		goto out;
	/* Attachments of containers that are gone or no longer run. */
	for (size_t i = 0; s.attach.keys && s.attach.keys[i]; i++) {
		const char *id = s.attach.keys[i];
		int o = owner(ctx, id, payload);
		if (o == 2)
			continue;
		bool repaired = r->repair && ck__net_teardown(ctx, id) == CK_OK;
		snprintf(detail, sizeof(detail), "container %.12s %s but keeps its network namespace and addresses%s",
		         id, o == 0 ? "no longer exists" : "is not running",
		         r->repair && !repaired ? ck_error_last()->message : "");
		ck__check_add(r, CK_CHECK_LEFTOVER, id, detail, true, repaired);
		ck__error_clear();
	}
	snap_free(&s);
	if ((rc = ck__state_read(ctx, snap_fn, &s)) != CK_OK)
		goto out;
	/* Addresses without the attachment that took them. */
	for (size_t i = 0; s.ipam.keys && s.ipam.keys[i]; i++) {
		if (in(s.attach.keys, s.ipam.vals[i]))
			continue;
		const char *kv[] = { CK__NET_B_IPAM, s.ipam.keys[i], s.ipam.vals[i] };
		bool repaired = r->repair && ck__state_write(ctx, del_fn, kv) == CK_OK;
		snprintf(detail, sizeof(detail), "address %s is allocated to container %.12s, which has no network "
		         "attachment; it can be released", s.ipam.keys[i], s.ipam.vals[i]);
		ck__check_add(r, CK_CHECK_ORPHAN_STATE, s.ipam.keys[i], detail, true, repaired);
		ck__error_clear();
	}
	/* Users (containers marked on a network) that are gone. */
	for (size_t i = 0; s.users.keys && s.users.keys[i]; i++) {
		const char *slash = strrchr(s.users.keys[i], '/');
		if (!slash || owner(ctx, slash + 1, payload) != 0)
			continue;
		const char *kv[] = { CK__NET_B_USERS, s.users.keys[i], NULL };
		bool repaired = r->repair && ck__state_write(ctx, del_fn, kv) == CK_OK;
		snprintf(detail, sizeof(detail), "network %.*s is marked used by container %.12s, which does not exist; "
		         "the mark can be removed", (int)(slash - s.users.keys[i]), s.users.keys[i], slash + 1);
		ck__check_add(r, CK_CHECK_ORPHAN_STATE, s.users.keys[i], detail, true, repaired);
		ck__error_clear();
	}
	/* Namespace files without an attachment. */
	if ((dir = ck__netns_dir(ctx))) {
		DIR *d = opendir(dir);
		struct dirent *de;
		while (d && (de = readdir(d))) {
			if (!ck__str_has_prefix(de->d_name, "ck-") || in(s.attach.keys, de->d_name + 3))
				continue;
			if (owner(ctx, de->d_name + 3, payload) == 2) /* being set up now */
				continue;
			char *path = ck__path_join(dir, de->d_name);
			bool repaired = path && r->repair && ck__netns_remove(path) == CK_OK;
			snprintf(detail, sizeof(detail), "network namespace %s has no attachment; it can be removed",
			         path ? path : de->d_name);
			ck__check_add(r, CK_CHECK_LEFTOVER, de->d_name, detail, true, repaired);
			ck__error_clear();
			free(path);
		}
		if (d)
			closedir(d);
	}
	/* slirp4netns processes that outlived their container's run. */
	if ((rc = ck__slirp_check(ctx, r, owner, payload)) != CK_OK)
		goto out;
	/* Host-wide leases of the namespaces removed above are stale now. */
	if (r->repair && ck__net_leases_prune(ctx) != CK_OK) {
		ck__log(ctx, CK_LOG_WARN, "%s", ck_error_last()->message);
		ck__error_clear();
	}
out:
	free(dir);
	snap_free(&s);
	return rc;
}

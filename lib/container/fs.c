/* A container's root filesystem from outside: mount and unmount it (podman
 * mount/unmount), list what the container changed in it (diff), and write
 * it as a tar stream (export). */
#define _GNU_SOURCE
#include "container_int.h"
#include "rootfs/rootfs.h"

#include <stdlib.h>
#include <string.h>

struct ck_change_list {
	ck__change *v;
	size_t n;
};

/* The root filesystem, mounted (prepared on first use, as a start would). */
static int mounted_root(char **path, ck_container *ctr)
{
	ck_rootfs *fs = NULL;
	int rc = ck_rootfs_prepare(&fs, ctr->ctx, ctr->cfg.image_id, ctr->cfg.id);

	if (rc == CK_OK && !(*path = ck__strdup(ck_rootfs_path(fs))))
		rc = ck__oom();
	ck_rootfs_free(fs);
	return rc;
}

int ck_container_mount_rootfs(char **path, ck_container *ctr)
{
	ck__lock lk = CK__LOCK_INIT;
	int rc;

	CK_ENTER();
	if (!path)
		return ck__error_set(CK_EINVAL, "ck_container_mount_rootfs: path is NULL");
	*path = NULL;
	if (!ctr)
		return ck__error_set(CK_EINVAL, "ck_container_mount_rootfs: ctr is NULL");
	CK__CTR_FULL(ctr);
	if ((rc = ck__ctr_lock(&lk, ctr->ctx, ctr->cfg.id)) != CK_OK)
		return rc;
	if ((rc = mounted_root(path, ctr)) != CK_OK)
		rc = ck__error_wrap(rc, "cannot mount container %s", ctr->cfg.name);
	ck__lock_release(&lk);
	return rc;
}

int ck_container_rootfs_mounted(char **path, const ck_container *ctr)
{
	ck_rootfs *fs = NULL;
	int rc;

	CK_ENTER();
	if (!path)
		return ck__error_set(CK_EINVAL, "ck_container_rootfs_mounted: path is NULL");
	*path = NULL;
	if (!ctr)
		return ck__error_set(CK_EINVAL, "ck_container_rootfs_mounted: ctr is NULL");
	rc = ck_rootfs_lookup(&fs, ctr->ctx, ctr->cfg.id);
	if (rc == CK_ENOTFOUND) { /* never prepared, or released */
		ck__error_clear();
		return CK_OK;
	}
	/* A copy has no mount to look at: it is there until it is released. */
	if (rc == CK_OK && (!ck_rootfs_is_overlay(fs) || ck__rootfs_mounted(fs)) &&
	    !(*path = ck__strdup(ck_rootfs_path(fs))))
		rc = ck__oom();
	ck_rootfs_free(fs);
	return rc;
}

/* unmount and init: `op` runs on the container's root filesystem under the
 * container's lock, with its state just read; `*fs` is freed here. */
typedef int (*rootfs_op)(ck_container *ctr, const ck__ctr_state *st, ck_rootfs **fs);

static int with_rootfs(ck_container *ctr, const char *fn, rootfs_op op)
{
	ck__lock lk = CK__LOCK_INIT;
	ck__ctr_state st;
	ck_rootfs *fs = NULL;
	int rc;

	CK_ENTER();
	if (!ctr)
		return ck__error_set(CK_EINVAL, "%s: ctr is NULL", fn);
	CK__CTR_FULL(ctr);
	if ((rc = ck__ctr_lock(&lk, ctr->ctx, ctr->cfg.id)) != CK_OK)
		return rc;
	if ((rc = ck__ctr_read(NULL, &st, ctr->ctx, ctr->cfg.id)) == CK_OK) {
		rc = op(ctr, &st, &fs);
		ck__ctr_state_free(&st);
	}
	ck_rootfs_free(fs);
	ck__lock_release(&lk);
	return rc;
}

static int unmount_op(ck_container *ctr, const ck__ctr_state *st, ck_rootfs **fs)
{
	int rc;

	if (ck__ctr_status_live(st->status) && ck__ctr_monitor_alive(st))
		return CK_OK; /* it stays mounted while the container runs, as podman's does */
	rc = ck_rootfs_lookup(fs, ctr->ctx, ctr->cfg.id);
	if (rc == CK_ENOTFOUND) { /* never mounted */
		ck__error_clear();
		rc = CK_OK;
	} else if (rc == CK_OK && (rc = ck_rootfs_release(*fs, 0)) != CK_OK) {
		rc = ck__error_wrap(rc, "cannot unmount container %s", ctr->cfg.name);
	}
	return rc;
}

int ck_container_unmount_rootfs(ck_container *ctr)
{
	return with_rootfs(ctr, "ck_container_unmount_rootfs", unmount_op);
}

int ck_container_diff(ck_change_list **out, ck_container *ctr)
{
	ck_change_list *l;
	int rc;

	CK_ENTER();
	if (!out)
		return ck__error_set(CK_EINVAL, "ck_container_diff: out is NULL");
	*out = NULL;
	if (!ctr)
		return ck__error_set(CK_EINVAL, "ck_container_diff: ctr is NULL");
	CK__CTR_FULL(ctr);
	if (!(l = calloc(1, sizeof(*l))))
		return ck__oom();
	if ((rc = ck__rootfs_changes(&l->v, &l->n, ctr->ctx, ctr->cfg.id)) != CK_OK) {
		free(l);
		return ck__error_wrap(rc, "cannot list the changes of container %s", ctr->cfg.name);
	}
	*out = l;
	return CK_OK;
}

size_t ck_container_change_list_count(const ck_change_list *list)
{
	return list ? list->n : 0;
}

const char *ck_container_change_list_path(const ck_change_list *list, size_t i)
{
	return list && i < list->n ? list->v[i].path : NULL;
}

int ck_container_change_list_kind(const ck_change_list *list, size_t i)
{
	if (!list || i >= list->n)
		return -1;
	switch (list->v[i].kind) {
	case 'A': return CK_CHANGE_ADDED;
	case 'D': return CK_CHANGE_DELETED;
	default: return CK_CHANGE_MODIFIED;
	}
}

void ck_container_change_list_free(ck_change_list *list)
{
	if (list) {
		ck__changes_free(list->v, list->n);
		free(list);
	}
}

int ck_container_export(ck_container *ctr, int fd)
{
	ck__lock lk = CK__LOCK_INIT;
	char *path = NULL;
	int rc;

	CK_ENTER();
	if (!ctr)
		return ck__error_set(CK_EINVAL, "ck_container_export: ctr is NULL");
	if (fd < 0)
		return ck__error_set(CK_EINVAL, "ck_container_export: invalid descriptor %d", fd);
	CK__CTR_FULL(ctr);
	/* the lock only while mounting: a long export must not hold up a stop */
	if ((rc = ck__ctr_lock(&lk, ctr->ctx, ctr->cfg.id)) != CK_OK)
		return rc;
	rc = mounted_root(&path, ctr);
	ck__lock_release(&lk);
	if (rc == CK_OK)
		rc = ck__tar_tree(fd, path, 0);
	if (rc != CK_OK)
		rc = ck__error_wrap(rc, "cannot export container %s", ctr->cfg.name);
	free(path);
	return rc;
}

static int init_op(ck_container *ctr, const ck__ctr_state *st, ck_rootfs **fs)
{
	int rc;

	if (strcmp(st->status, "created") != 0 && strcmp(st->status, "exited") != 0)
		return ck__error_set(CK_ESTATE, "cannot initialize container %s: it is %s (only a created or "
		                                "exited container can be)", ctr->cfg.name, st->status);
	/* What a start needs on disk; the start makes the /etc files and the
	 * bundle again (they depend on the moment: a pod's infra pid). */
	rc = ck_rootfs_prepare(fs, ctr->ctx, ctr->cfg.image_id, ctr->cfg.id);
	if (rc == CK_OK && (rc = ck__ctr_materialize(ctr->ctx, &ctr->cfg, ck_rootfs_path(*fs), NULL)) == CK_OK)
		rc = ck__ctr_check_bundle(ctr->ctx, &ctr->cfg);
	if (rc != CK_OK)
		return ck__error_wrap(rc, "cannot initialize container %s", ctr->cfg.name);
	ck__ctr_event(ctr->ctx, &ctr->cfg, "init", -1);
	return CK_OK;
}

int ck_container_init(ck_container *ctr)
{
	return with_rootfs(ctr, "ck_container_init", init_op);
}

/* The names these functions had before 1.1 (deprecated.h). */
CK__ALIAS(ck_change_list_count, ck_container_change_list_count);
CK__ALIAS(ck_change_list_path, ck_container_change_list_path);
CK__ALIAS(ck_change_list_kind, ck_container_change_list_kind);
CK__ALIAS(ck_change_list_free, ck_container_change_list_free);

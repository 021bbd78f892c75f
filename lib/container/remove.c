/* Removing a container.  The record is marked "removing" first and deleted
 * last, after the runtime's container and the directories are gone and the
 * root filesystem is unmounted and moved aside, so that an interrupted
 * removal is still visible and `ck rm -f` (or `ck system check --repair`)
 * finishes it.  The root filesystem's record goes in the commit of the
 * container's; its files are deleted after it (a crash leaves a trash
 * directory, which the next removal sweeps away).  The monitor of a --rm
 * container defers the deletion of the directories too, until the exit
 * code has reached the attach clients (ck__ctr_remove_deferred()). */
#define _GNU_SOURCE
#include "container_int.h"
#include "rootfs/rootfs.h"
#include "volume/volume.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static int mark_removing(ck__ctr_state *st, void *payload)
{
	snprintf(st->status, sizeof(st->status), "removing");
	st->stop_requested = true;
	return CK_OK;
}

struct ck__ctr_leftovers {
	ck_context *ctx;
	ck__rootfs_trash *trash;
	char *dir, *run; /* the container's directories, when their deletion is deferred */
	ck__lock lk;     /* the container's lock, held until they are gone: `system check`
	                  * leaves alone the directories of a locked container */
};

struct delete_args {
	const ck__ctr_config *cfg;
};

static int delete_fn(ck_state_txn *txn, void *payload)
{
	struct delete_args *a = payload;
	const ck__ctr_config *c = a->cfg;
	int rc = ck__rec_delete(txn, CK__KIND_CONTAINER, c->id, c->name && *c->name ? c->name : NULL);

	if (rc == CK_OK)
		rc = ck__rootfs_record_delete(txn, c->id);
	if (rc == CK_OK && c->pod && *c->pod)
		rc = ck__pod_member_del(txn, c->pod, c->id);

	if (rc == CK_OK && c->image_id && *c->image_id) {
		rc = ck__image_remove_user(txn, c->image_id, c->id);
		if (rc == CK_ENOTFOUND) { /* the image went first (forced removal) */
			ck__error_clear();
			rc = CK_OK;
		}
	}
	if (rc == CK_OK)
		rc = ck__net_remove_users(txn, c->id, c->nets, c->n_nets);
	for (size_t i = 0; i < c->n_mounts && rc == CK_OK; i++)
		if (c->mounts[i].type == CK__MNT_VOLUME && c->mounts[i].source)
			rc = ck__volume_remove_user(txn, c->mounts[i].source, c->id);
	return rc;
}

/* SIGKILL straight to the init of a container in a PID namespace of its
 * own, where it takes every process of the container with it: what the
 * runtime's `kill --all` does, without a runtime process (about 10 ms of
 * runc's start-up).  Only for the init recorded (a pidfd pins the process,
 * then its start time proves it is the same one); false for anything else
 * (a frozen container, a shared or the host's PID namespace, a process this
 * user may not signal), which the runtime kills. */
static bool kill_own_init(const ck__ctr_config *cfg, const ck__ctr_state *st)
{
	if (st->paused || st->pid <= 0 || !st->init_start || (cfg->extra.pid && *cfg->extra.pid) ||
	    (!cfg->pod_infra_self && ck__ctr_pod_shares_ns(cfg->pod_shares, "pid")))
		return false;
	int fd = (int)syscall(SYS_pidfd_open, st->pid, 0);
	if (fd < 0)
		return false;
	bool ok = ck__proc_start_time(st->pid) == st->init_start &&
	          syscall(SYS_pidfd_send_signal, fd, SIGKILL, NULL, 0) == 0;
	close(fd);
	return ok;
}

/* Kills what still runs and waits for the monitor to record the end.
 * `was_paused`: the record said "paused" before it was marked "removing"
 * (which drops the flag): the init is frozen, and a signal reaches it only
 * once the runtime thaws it. */
static int end_run(ck_context *ctx, const ck__ctr_config *cfg, bool was_paused)
{
	ck__ctr_state st, end;
	ck__runtime rt;
	int rc;

	if ((rc = ck__ctr_read(NULL, &st, ctx, cfg->id)) != CK_OK)
		return rc;
	bool live = st.pid > 0 || (st.monitor_pid > 0 && ck__ctr_monitor_alive(&st));
	bool monitor = ck__ctr_monitor_alive(&st), paused = st.paused || was_paused;
	bool killed = live && monitor && !paused && kill_own_init(cfg, &st);
	ck__ctr_state_free(&st);
	if (!live)
		return CK_OK;
	if (!monitor)
		return ck__ctr_reconcile(ctx, cfg->id, NULL);
	if (killed)
		goto wait;
	if ((rc = ck__ctr_runtime_open(&rt, ctx, cfg)) != CK_OK)
		return rc;
	/* A kill that fails (the monitor is still creating it, or it has just
	 * exited) is not the end: the monitor sees "removing" and stops it. */
	if (ck__runtime_kill(&rt, cfg->id, SIGKILL, true) != CK_OK) {
		ck__log(ctx, CK_LOG_DEBUG, "container %.12s: %s", cfg->id, ck_error_last()->message);
		ck__error_clear();
	}
	/* a frozen container dies only once thawed */
	if (paused && ck__runtime_pause(&rt, cfg->id, false) != CK_OK)
		ck__error_clear();
	ck__runtime_close(&rt);
wait:
	if ((rc = ck__ctr_wait_stopped(ctx, cfg->id, 30000, &end)) == CK_OK) {
		if (end.pid > 0 || ck__ctr_status_live(end.status))
			rc = ck__ctr_reconcile(ctx, cfg->id, NULL);
		ck__ctr_state_free(&end);
	}
	return rc;
}

/* Everything but the record: the runtime's container, the root filesystem
 * (unmounted and moved aside, or gone), and the directories unless `lo`
 * takes them for later. */
static int remove_files(ck__ctr_leftovers *lo, ck_context *ctx, const ck__ctr_config *cfg, bool defer_dirs)
{
	ck_rootfs *rootfs = NULL;
	ck__runtime rt;
	char *dir = NULL, *run = NULL;
	int rc;

	/* The runtime's state is looked at before a command is run for it:
	 * after a clean exit there is none. */
	if (ck__ctr_runtime_open(&rt, ctx, cfg) == CK_OK) {
		if (ck__runtime_has(&rt, cfg->id) && ck__runtime_delete(&rt, cfg->id, true) != CK_OK)
			ck__log(ctx, CK_LOG_WARN, "container %.12s: %s", cfg->id, ck_error_last()->message);
		ck__runtime_close(&rt);
	}
	ck__error_clear(); /* a runtime that is gone has nothing of it */
	/* The monitor tears the network down after the exit; one that died
	 * before it did leaves it to this. */
	if ((rc = ck__ctr_slirp_cleanup(ctx, cfg->id)) != CK_OK || (rc = ck__net_teardown(ctx, cfg->id)) != CK_OK)
		return ck__error_wrap(rc, "cannot remove the network of container %s", cfg->name);
	rc = ck_rootfs_lookup(&rootfs, ctx, cfg->id);
	if (rc == CK_OK)
		rc = ck__rootfs_release_aside(&lo->trash, rootfs);
	else if (rc == CK_ENOTFOUND) /* never started, or a start killed halfway */
		rc = ck__rootfs_discard(ctx, cfg->id);
	ck_rootfs_free(rootfs);
	if (rc != CK_OK)
		return ck__error_wrap(rc, "cannot remove the root filesystem of container %s", cfg->name);
	if (!(dir = ck__ctr_dir(ctx, cfg->id)) || !(run = ck__ctr_rundir(ctx, cfg->id)))
		rc = ck__oom();
	if (rc == CK_OK && defer_dirs) {
		lo->dir = dir;
		lo->run = run;
		return CK_OK;
	}
	if (rc == CK_OK)
		rc = ck__rm_rf(dir);
	if (rc == CK_OK)
		rc = ck__rm_rf(run);
	free(dir);
	free(run);
	return rc;
}

void ck__ctr_leftovers_finish(ck__ctr_leftovers *lo)
{
	if (!lo)
		return;
	ck__rootfs_trash_finish(lo->trash);
	const char *paths[] = { lo->dir, lo->run };
	for (size_t i = 0; i < 2; i++) {
		if (paths[i] && ck__rm_rf(paths[i]) != CK_OK) {
			ck__log(lo->ctx, CK_LOG_WARN, "%s is left for `system check --repair`: %s", paths[i],
			        ck_error_last()->message);
			ck__error_clear();
		}
	}
	ck__lock_release(&lo->lk);
	free(lo->dir);
	free(lo->run);
	free(lo);
}

static int remove_id(ck__ctr_leftovers **later, ck_context *ctx, const char *id, bool force, bool volumes,
                     bool locked)
{
	ck__ctr_leftovers *lo = calloc(1, sizeof(*lo));
	ck__lock lk = CK__LOCK_INIT;
	ck__ctr_config cfg;
	ck__ctr_state st;
	int rc;

	if (!lo)
		return ck__oom();
	lo->ctx = ctx;
	lo->lk = (ck__lock)CK__LOCK_INIT;
	if (!locked && (rc = ck__ctr_lock(&lk, ctx, id)) != CK_OK) {
		free(lo);
		return rc;
	}
	if ((rc = ck__ctr_read(&cfg, &st, ctx, id)) != CK_OK) {
		ck__lock_release(&lk);
		free(lo);
		return rc;
	}
	/* Running: its monitor or at least its init is alive. */
	bool running = (ck__ctr_status_live(st.status) || st.pid > 0) &&
	               (ck__ctr_monitor_alive(&st) || (st.pid > 0 && ck__proc_alive(st.pid, st.init_start)));
	if (!force && running) {
		rc = ck__error_set(CK_ESTATE, "cannot remove container %s: it is %s (stop it first, or remove it "
		                              "with force)", cfg.name, st.status);
		goto out;
	}
	if (!force && !locked && !strcmp(st.status, "creating")) {
		rc = ck__error_set(CK_ESTATE, "container %s was left half-made by an interrupted create; remove it "
		                              "with force", cfg.name);
		goto out;
	}
	/* A --rm container's monitor marked it in the commit of its exit. */
	bool marked = !strcmp(st.status, "removing") && st.stop_requested;
	if ((!marked && (rc = ck__ctr_update(ctx, id, mark_removing, NULL)) != CK_OK) ||
	    (rc = end_run(ctx, &cfg, st.paused)) != CK_OK || (rc = remove_files(lo, ctx, &cfg, later != NULL)) != CK_OK)
		goto out;
	/* The monitor's removal of a --rm container commits relaxed: after a
	 * power cut it may come back "removing", which rm -f or the check
	 * finishes; a removal asked for (ck rm) is durable. */
	struct delete_args da = { &cfg };
	if ((rc = (later ? ck__state_write_relaxed : ck__state_write)(ctx, delete_fn, &da)) != CK_OK)
		goto out;
	for (size_t i = 0; volumes && i < cfg.n_mounts; i++) {
		const ck__mnt *m = &cfg.mounts[i];
		if (m->type != CK__MNT_VOLUME || !m->anonymous || !m->source)
			continue;
		if (ck__volume_remove_name(ctx, m->source, false) != CK_OK && ck_error_last()->code != CK_ENOTFOUND)
			ck__log(ctx, CK_LOG_WARN, "container %s: its anonymous volume %s was kept: %s", cfg.name,
			        m->source, ck_error_last()->message);
		ck__error_clear();
	}
	if (strcmp(st.status, "creating") != 0)
		ck__ctr_event(ctx, &cfg, "remove", -1);
	ck__log(ctx, CK_LOG_DEBUG, "container %s (%.12s): removed", cfg.name, id);
out:
	if (rc != CK_OK && rc != CK_ESTATE)
		rc = ck__error_wrap(rc, "cannot remove container %s", cfg.name);
	ck__ctr_config_free(&cfg);
	ck__ctr_state_free(&st);
	/* A failure keeps the record: what was moved aside goes now. */
	if (later && rc == CK_OK) {
		lo->lk = lk;
		*later = lo;
	} else {
		ck__lock_release(&lk);
		ck__ctr_leftovers_finish(lo);
	}
	return rc;
}

int ck__ctr_remove_id(ck_context *ctx, const char *id, bool force, bool volumes, bool locked)
{
	return remove_id(NULL, ctx, id, force, volumes, locked);
}

int ck__ctr_remove_deferred(ck__ctr_leftovers **later, ck_context *ctx, const char *id)
{
	*later = NULL;
	return remove_id(later, ctx, id, true, true, false);
}

static int pod_exists_fn(ck_state_txn *txn, void *payload)
{
	char *config = NULL;
	int rc = ck__rec_get(&config, NULL, txn, CK__KIND_POD, payload);
	free(config);
	return rc;
}

int ck_container_remove(ck_container *ctr, unsigned int flags)
{
	int rc;

	CK_ENTER();
	if (!ctr)
		return ck__error_set(CK_EINVAL, "ck_container_remove: ctr is NULL");
	CK__CTR_FULL(ctr);
	if (flags & ~(CK_REMOVE_FORCE | CK_REMOVE_VOLUMES))
		return ck__error_set(CK_EINVAL, "ck_container_remove: unknown flags 0x%x",
		                     flags & ~(CK_REMOVE_FORCE | CK_REMOVE_VOLUMES));
	/* The pod holds its namespaces in its infra container: they go together. */
	if (ctr->cfg.pod_infra_self && ctr->cfg.pod && *ctr->cfg.pod) {
		rc = ck__state_read(ctr->ctx, pod_exists_fn, ctr->cfg.pod);
		if (rc == CK_OK)
			return ck__error_set(CK_ESTATE, "container %s is the infra container of pod %.12s; remove the "
			                                "pod instead (ck pod rm)", ctr->cfg.name, ctr->cfg.pod);
		if (rc != CK_ENOTFOUND)
			return rc;
		ck__error_clear();
	}
	rc = ck__ctr_remove_id(ctr->ctx, ctr->cfg.id, (flags & CK_REMOVE_FORCE) != 0,
	                       (flags & CK_REMOVE_VOLUMES) != 0, false);
	if (rc == CK_ENOTFOUND)
		rc = ck__rec_ref_error(CK_ENOTFOUND, CK__KIND_CONTAINER, ctr->cfg.name);
	return rc;
}

static int ids_fn(const char *id, const char *config, const char *state, void *payload)
{
	return ck__strv_push((char ***)payload, id);
}

static int ids_txn(ck_state_txn *txn, void *payload)
{
	ck_strv_free(*(char ***)payload);
	*(char ***)payload = NULL;
	return ck__rec_foreach(txn, CK__KIND_CONTAINER, ids_fn, payload);
}

int ck__ctr_remove_all(ck_context *ctx)
{
	char **ids = NULL;
	int rc = ck__state_read(ctx, ids_txn, &ids);

	if (rc != CK_OK) {
		ck__error_clear();
		return CK_OK;
	}
	for (size_t i = 0; ids && ids[i] && rc == CK_OK; i++) {
		rc = ck__ctr_remove_id(ctx, ids[i], true, true, false);
		if (rc == CK_ENOTFOUND) {
			ck__error_clear();
			rc = CK_OK;
		}
	}
	ck_strv_free(ids);
	return rc;
}

/* Updating one container without systemd: it is made again from its own
 * record, from the image its name points to now, under the same name; the
 * previous container waits aside (renamed, then stopped) until the new one has
 * passed the gate, and comes back, with the previous image tagged again
 * under the name, when it does not.  Volumes are never removed on any path:
 * both containers name the same ones, and removals here never ask for
 * CK_REMOVE_VOLUMES. */
#define _GNU_SOURCE
#include "autoupdate_int.h"
#include "container/container.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int ck__au_reason(ck__au_item *it, const char *what)
{
	char *r = ck__asprintf("%s: %s", what, ck_error_last()->message);

	if (!r)
		return ck__oom();
	free(it->reason);
	it->reason = r;
	it->e.reason = r;
	return CK_OK;
}

/* With a healthcheck: the new container must turn healthy within its start
 * period plus one interval (the first scheduled check may come only then)
 * plus that check's own time limit (a check is an exec, which takes its
 * time, more so under load), or within `timeout_s` when the caller gave one;
 * unhealthy, an exit, or the time running out fails it. */
static int gate_health(ck_container *now, const ck_healthcheck_config *hc, unsigned int timeout_s)
{
	ck_health_status st = CK_HEALTH_NONE;
	int64_t check_ns = hc->timeout_ns > 0 ? hc->timeout_ns : (int64_t)30 * 1000000000;
	int64_t limit_ms = timeout_s ? (int64_t)timeout_s * 1000
	                             : (hc->start_period_ns + hc->interval_ns + check_ns) / 1000000;
	int rc;

	if (limit_ms < 1000)
		limit_ms = 1000;
	if (limit_ms > INT32_MAX)
		limit_ms = INT32_MAX;
	rc = ck_container_health_wait(&st, now, CK_HEALTH_MASK(CK_HEALTH_HEALTHY) | CK_HEALTH_MASK(CK_HEALTH_UNHEALTHY),
	                              (int)limit_ms);
	if (rc == CK_OK && st == CK_HEALTH_HEALTHY)
		return CK_OK;
	if (rc == CK_OK)
		return ck__error_set(CK_ESTATE, "the new container %.12s turned unhealthy", ck_container_id(now));
	if (rc == CK_ETIMEOUT)
		return ck__error_set(CK_ETIMEOUT, "the new container %.12s did not turn healthy within %lld ms",
		                     ck_container_id(now), (long long)limit_ms);
	if (rc == CK_ESTATE)
		return ck__error_set(CK_ESTATE, "the new container %.12s stopped running (exit code %d) before it "
		                                "turned healthy", ck_container_id(now), ck_container_exit_code(now));
	return rc;
}

int ck__au_gate(ck_context *ctx, ck_container *ctr, unsigned int timeout_s)
{
	ck_healthcheck_config hc = CK_HEALTHCHECK_CONFIG_INIT;
	ck_container *now = NULL;
	unsigned int period = timeout_s ? timeout_s : CK__AUTOUPDATE_GATE_DEFAULT;
	char id[65];
	unsigned int restarts;
	int code = -1, rc;

	snprintf(id, sizeof(id), "%s", ck_container_id(ctr));
	if ((rc = ck_container_lookup(&now, ctx, id)) != CK_OK)
		return ck__error_wrap(rc, "the new container %.12s went away", id);
	if (strcmp(ck_container_status(now), "running") != 0) {
		rc = ck__error_set(CK_ESTATE, "the new container %.12s is %s (exit code %d) right after its start", id,
		                   ck_container_status(now), ck_container_exit_code(now));
		goto out;
	}
	if ((rc = ck_container_healthcheck_config(&hc, now)) != CK_OK)
		goto out;
	if (hc.test) {
		rc = gate_health(now, &hc, timeout_s);
		goto out;
	}
	restarts = ck_container_restart_count(now);
	/* The monitor wakes the waiter when it records an exit; a container
	 * its restart policy brings back is not seen to exit, so the restart
	 * count is compared afterwards too. */
	rc = ck_container_wait(&code, now, (int)(period * 1000));
	if (rc == CK_OK) {
		rc = ck__error_set(CK_ESTATE, "the new container %.12s exited with code %d within %u s of its start",
		                   id, code, period);
		goto out;
	}
	if (rc != CK_ETIMEOUT)
		goto out;
	ck_container_free(now);
	now = NULL;
	if ((rc = ck_container_lookup(&now, ctx, id)) != CK_OK)
		return ck__error_wrap(rc, "the new container %.12s went away", id);
	if (strcmp(ck_container_status(now), "running") != 0)
		rc = ck__error_set(CK_ESTATE, "the new container %.12s is %s after %u s", id, ck_container_status(now),
		                   period);
	else if (ck_container_restart_count(now) != restarts)
		rc = ck__error_set(CK_ESTATE, "the new container %.12s was restarted %u times within %u s of its start",
		                   id, ck_container_restart_count(now) - restarts, period);
	else
		rc = CK_OK;
out:
	ck_container_free(now);
	return rc;
}

/* What a replacement holds while it runs. */
typedef struct job {
	ck_context *ctx;
	ck__au_item *it;
	const ck_autoupdate_options *o;
	char old_id[65], name[256], aside[300];
	char *image_name;    /* the name to tag the previous image under again */
	char *old_image;     /* the previous image's id */
	bool was_running, stopped, renamed, retag;
} job;

static int lookup_id(ck_container **out, job *j, const char *id)
{
	return ck_container_lookup(out, j->ctx, id);
}

void ck__au_add_reason(ck__au_item *it, const char *what)
{
	char *r = ck__asprintf("%s; %s: %s", it->reason ? it->reason : "", what, ck_error_last()->message);

	if (r) {
		free(it->reason);
		it->reason = r;
		it->e.reason = r;
	}
}

/* Puts the previous container and image back, as far as it can; a step
 * that fails is added to the reason, the others still run. */
static void restore(job *j, const char *new_id)
{
	ck_container *c = NULL;
	char what[800];

	if (new_id && lookup_id(&c, j, new_id) == CK_OK) {
		if (ck_container_remove(c, CK_REMOVE_FORCE) != CK_OK) {
			snprintf(what, sizeof(what), "removing the new container %.12s", new_id);
			ck__au_add_reason(j->it, what);
		}
		ck_container_free(c);
		c = NULL;
	}
	if (j->retag) {
		ck_image *img = NULL;
		if (ck_image_lookup(&img, j->ctx, j->old_image) != CK_OK || ck_image_tag(img, j->image_name) != CK_OK) {
			snprintf(what, sizeof(what), "tagging image %.12s as %s again", j->old_image, j->image_name);
			ck__au_add_reason(j->it, what);
		}
		ck_image_free(img);
	}
	if (lookup_id(&c, j, j->old_id) != CK_OK) {
		ck__au_add_reason(j->it, "finding the previous container");
		return;
	}
	if (j->renamed && ck_container_rename(c, j->name) != CK_OK) {
		snprintf(what, sizeof(what), "renaming %s back to %s", j->aside, j->name);
		ck__au_add_reason(j->it, what);
	}
	if (j->stopped && j->was_running && ck_container_start(c) != CK_OK)
		ck__au_add_reason(j->it, "starting the previous container again");
	ck_container_free(c);
}

/* Brings the image under the name up to date: a pull for the registry
 * policy (the previous image keeps its id, and is used by the previous
 * container, so nothing removes it), nothing for the local policy, whose
 * name points to the new image already. */
int ck__au_fetch(ck_context *ctx, const ck_autoupdate_options *o, int policy, const char *ref)
{
	ck_registry_options ro = CK_REGISTRY_OPTIONS_INIT;

	if (policy != CK__AU_REGISTRY)
		return CK_OK;
	ro.tls_verify = o->tls_verify;
	ro.authfile = o->authfile;
	return ck_image_pull(NULL, ctx, ref, &ro);
}

/* The aside name must be free.  A stopped container under it is what an
 * interrupted update left while the container under the name runs (only
 * running containers are updated): obsolete, so it goes, volumes kept.  A
 * running one is someone's own, and is not touched. */
static int aside_free(job *j)
{
	ck_container *c = NULL;
	int rc = ck_container_lookup(&c, j->ctx, j->aside);

	if (rc == CK_ENOTFOUND) {
		ck__error_clear();
		return CK_OK;
	}
	if (rc != CK_OK)
		return rc;
	if (!strcmp(ck_container_status(c), "running"))
		rc = ck__error_set(CK_EEXISTS, "container %s runs under the name the previous container would be moved "
		                               "aside to; rename or remove it", j->aside);
	else if ((rc = ck_container_remove(c, CK_REMOVE_FORCE)) == CK_OK)
		ck__log(j->ctx, CK_LOG_INFO, "auto-update of %s: removed %s, left by an interrupted update", j->name,
		        j->aside);
	ck_container_free(c);
	return rc;
}

void ck__au_replace(ck__au_item *it, ck_context *ctx, ck_container *ctr, int policy, const ck_autoupdate_options *o)
{
	job j = { .ctx = ctx, .it = it, .o = o };
	ck__lock lk = CK__LOCK_INIT;
	ck_container_spec *spec = NULL;
	ck_container *old = NULL, *nu = NULL;
	const char *ref = NULL;
	char new_id[65] = "";
	int rc;

	it->e.result = CK_AUTOUPDATE_FAILED;
	snprintf(j.old_id, sizeof(j.old_id), "%s", ck_container_id(ctr));
	snprintf(j.name, sizeof(j.name), "%s", ck_container_name(ctr));
	snprintf(j.aside, sizeof(j.aside), "%s" CK__AU_ASIDE_SUFFIX, j.name);
	j.was_running = !strcmp(ck_container_status(ctr), "running");
	if (!(j.old_image = ck__strdup(ck_container_image_id(ctr))) ||
	    !(j.image_name = ck__strdup(ck_container_image_name(ctr)))) {
		ck__oom();
		ck__au_reason(it, "cannot update");
		goto out;
	}
	/* Everything that can fail without changing anything comes first.  The
	 * lock tells `system check` that the container aside is in use. */
	if ((rc = ck__au_lock(&lk, ctx, j.name)) != CK_OK) {
		ck__au_reason(it, "cannot update");
		goto out;
	}
	if ((rc = aside_free(&j)) != CK_OK) {
		ck__au_reason(it, "cannot update");
		goto out;
	}
	if ((rc = ck__ctr_image_ref(&ref, ctr)) != CK_OK || (rc = ck__ctr_spec_from_record(&spec, ctr)) != CK_OK) {
		ck__au_reason(it, "cannot re-create the container from its record");
		goto out;
	}
	if ((rc = ck__au_fetch(ctx, o, policy, ref)) != CK_OK) {
		ck__au_reason(it, "cannot pull the new image");
		goto out;
	}
	j.retag = true; /* from here the name points to the new image */
	/* Renamed before it is stopped: a process killed at any point after
	 * this leaves the aside name, which `system check` finds; a container
	 * stopped under its own name would look like any stopped one. */
	if ((rc = lookup_id(&old, &j, j.old_id)) != CK_OK || (rc = ck_container_rename(old, j.aside)) != CK_OK) {
		ck__au_reason(it, "cannot rename the previous container aside");
		goto fail;
	}
	j.renamed = true;
	if ((rc = ck_container_stop(old, -1)) != CK_OK) {
		ck__au_reason(it, "cannot stop the container");
		goto fail;
	}
	j.stopped = true;
	if ((rc = ck_container_create(&nu, ctx, spec)) != CK_OK) {
		ck__au_reason(it, "cannot create the new container");
		goto fail;
	}
	snprintf(new_id, sizeof(new_id), "%s", ck_container_id(nu));
	if ((rc = ck_container_start(nu)) != CK_OK) {
		ck__au_reason(it, "cannot start the new container");
		goto fail;
	}
	if ((rc = ck__au_gate(ctx, nu, o->gate_seconds)) != CK_OK) {
		ck__au_reason(it, "the update failed");
		goto fail;
	}
	/* Good: the previous container goes, its volumes stay. */
	if (ck_container_remove(old, CK_REMOVE_FORCE) != CK_OK)
		ck__log(ctx, CK_LOG_WARN, "auto-update of %s: cannot remove the previous container %.12s (%s): %s",
		        j.name, j.old_id, j.aside, ck_error_last()->message);
	it->e.result = CK_AUTOUPDATE_UPDATED;
	goto set_id;
fail:
	if (o->rollback) {
		restore(&j, new_id[0] ? new_id : NULL);
		it->e.result = CK_AUTOUPDATE_ROLLED_BACK;
		goto out;
	}
	/* No rollback: the new container stays as it ended, the previous one
	 * goes (when there is a new one to take its name). */
	if (new_id[0] && old && ck_container_remove(old, CK_REMOVE_FORCE) != CK_OK)
		ck__log(ctx, CK_LOG_WARN, "auto-update of %s: cannot remove the previous container %.12s: %s", j.name,
		        j.old_id, ck_error_last()->message);
	else if (!new_id[0])
		restore(&j, NULL);
set_id:
	if (new_id[0]) {
		char *id = strdup(new_id);
		if (id) {
			free(it->id);
			it->id = id;
			it->e.container_id = id;
		}
	}
out:
	ck__lock_release(&lk);
	ck_container_free(old);
	ck_container_free(nu);
	ck_container_spec_free(spec);
	free(j.old_image);
	free(j.image_name);
}

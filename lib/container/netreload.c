/* `network reload`: the bridge networks of running containers set up again
 * (after a firewall flush), by the network module's driver.  This side
 * finds which container holds the namespace (a pod member's is its infra's,
 * a container:ID's is that container's) and keeps the container from
 * starting or stopping meanwhile (its lock). */
#define _GNU_SOURCE
#include "container_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Reloads container `id` if it runs.  `*skipped` (if not NULL) is set when
 * it does not run; without it, that is an error. */
static int reload_id(ck_context *ctx, const char *id, bool *skipped)
{
	ck__lock lk = CK__LOCK_INIT;
	ck__ctr_config cfg;
	ck__ctr_state st;
	int rc;

	if ((rc = ck__ctr_lock(&lk, ctx, id)) != CK_OK)
		return rc;
	if ((rc = ck__ctr_read(&cfg, &st, ctx, id)) != CK_OK) {
		ck__lock_release(&lk);
		return rc;
	}
	bool running = !strcmp(st.status, "running") && ck__ctr_monitor_alive(&st);
	if (!running && skipped)
		*skipped = true;
	else if (!running)
		rc = ck__error_set(CK_ESTATE, "container %s is not running: its network is set up at its start",
		                   cfg.name);
	else if (strcmp(cfg.network, "bridge") != 0)
		rc = ck__error_set(CK_EINVAL, "container %s has network mode \"%s\": only bridge networks have "
		                              "firewall rules to reload", cfg.name, cfg.network);
	else
		rc = ck__net_reload(ctx, id, cfg.name);
	ck__ctr_config_free(&cfg);
	ck__ctr_state_free(&st);
	ck__lock_release(&lk);
	return rc;
}

/* The container whose namespace `ref`'s network is (new string). */
static int owner_of(char **id, ck_context *ctx, const char *ref)
{
	ck_container *ctr = NULL;
	int rc, depth = 0;
	char *cur = strdup(ref);

	*id = NULL;
	if (!cur)
		return ck__oom();
	for (;;) {
		ck_container_free(ctr);
		ctr = NULL;
		if ((rc = ck_container_lookup(&ctr, ctx, cur)) != CK_OK || (rc = ck__ctr_full(ctr)) != CK_OK)
			break;
		const ck__ctr_config *c = &ctr->cfg;
		const char *next = NULL;
		if (c->pod && *c->pod && !c->pod_infra_self && c->pod_infra && *c->pod_infra &&
		    ck__ctr_pod_shares_ns(c->pod_shares, "net"))
			next = c->pod_infra;
		else if (ck__str_has_prefix(c->network, "container:"))
			next = c->network + strlen("container:");
		if (!next) {
			rc = (*id = strdup(c->id)) ? CK_OK : ck__oom();
			break;
		}
		/* container:A of container:B of ...: a chain ends, a loop would not. */
		if (++depth > 16) {
			rc = ck__error_set(CK_EINVAL, "container %s: too many containers in its network chain", ref);
			break;
		}
		free(cur);
		if (!(cur = strdup(next))) {
			rc = ck__oom();
			break;
		}
	}
	ck_container_free(ctr);
	free(cur);
	return rc;
}

int ck_network_reload(char ***reloaded, ck_context *ctx, const char *const *containers)
{
	char **ids = NULL, **done = NULL, saved[1024] = "";
	int rc = CK_OK, first = CK_OK;

	CK_ENTER();
	if (reloaded)
		*reloaded = NULL;
	if (!ctx)
		return ck__error_set(CK_EINVAL, "ck_network_reload: ctx is NULL");
	if (containers) {
		for (size_t i = 0; containers[i] && rc == CK_OK; i++) {
			char *id = NULL;
			if ((rc = owner_of(&id, ctx, containers[i])) == CK_OK) {
				rc = ck__strv_push(&ids, id);
				free(id);
			}
		}
		if (rc != CK_OK) {
			ck_strv_free(ids);
			return rc;
		}
	} else if ((rc = ck__net_attached_ids(&ids, ctx)) != CK_OK) {
		return rc;
	}
	/* One container's failure does not keep the others' rules away; the
	 * first error is the one reported. */
	for (size_t i = 0; ids && ids[i]; i++) {
		bool seen = false, skipped = false;
		for (size_t k = 0; k < i && !seen; k++)
			seen = !strcmp(ids[k], ids[i]);
		if (seen)
			continue;
		rc = reload_id(ctx, ids[i], containers ? NULL : &skipped);
		if (rc == CK_ENOTFOUND && !containers) { /* removed meanwhile */
			ck__error_clear();
			continue;
		}
		if (rc == CK_OK && !skipped)
			rc = ck__strv_push(&done, ids[i]);
		if (rc != CK_OK && first == CK_OK) {
			first = rc;
			snprintf(saved, sizeof(saved), "%s", ck_error_last()->message);
		}
		ck__error_clear();
	}
	ck_strv_free(ids);
	if (first != CK_OK) {
		ck__error_set(first, "%s", saved);
		if (!reloaded)
			ck_strv_free(done);
		else
			*reloaded = done;
		return first;
	}
	if (reloaded)
		*reloaded = done;
	else
		ck_strv_free(done);
	return CK_OK;
}

/* The container handle: lookup, refresh, the getters, and the per-container
 * lock. */
#define _GNU_SOURCE
#include "container_int.h"

#include <stdlib.h>
#include <string.h>

int ck__ctr_lock(ck__lock *lk, ck_context *ctx, const char *id)
{
	return ck__lock_object(lk, ctx, "container", id);
}

static void set_status_view(ck_container *ctr)
{
	ctr->status = ctr->st.status;
	/* A live status needs a live monitor ("starting" has none yet while
	 * the starter holds the lock). */
	if (ck__ctr_status_live(ctr->st.status) && ctr->st.monitor_pid > 0 && !ck__ctr_monitor_alive(&ctr->st))
		ctr->status = "unknown";
	else if (ctr->st.paused && !strcmp(ctr->st.status, "running"))
		ctr->status = "paused";
}

static int handle_new(ck_container **out, ck_context *ctx, const char *id, const char *config, const char *state,
                      bool summary)
{
	ck_container *ctr = calloc(1, sizeof(*ctr));
	int rc;

	*out = NULL;
	if (!ctr)
		return ck__oom();
	ctr->ctx = ctx;
	if (summary && !(ctr->record = strdup(config))) {
		free(ctr);
		return ck__oom();
	}
	rc = summary ? ck__ctr_config_parse_summary(&ctr->cfg, config) : ck__ctr_config_parse(&ctr->cfg, config);
	if (rc != CK_OK) {
		free(ctr->record);
		free(ctr);
		return ck__error_wrap(rc, "container %.12s", id);
	}
	if (state)
		rc = ck__ctr_state_parse(&ctr->st, state);
	else
		ck__ctr_state_init(&ctr->st, "exited");
	if (rc != CK_OK) {
		ck_container_free(ctr);
		return ck__error_wrap(rc, "container %.12s", id);
	}
	set_status_view(ctr);
	*out = ctr;
	return CK_OK;
}

int ck__ctr_handle(ck_container **out, ck_context *ctx, const char *id, const char *config, const char *state)
{
	return handle_new(out, ctx, id, config, state, false);
}

int ck__ctr_handle_summary(ck_container **out, ck_context *ctx, const char *id, const char *config,
                           const char *state)
{
	return handle_new(out, ctx, id, config, state, true);
}

int ck__ctr_full(ck_container *ctr)
{
	int rc;

	if (!ctr->record)
		return CK_OK;
	if ((rc = ck__ctr_config_complete(&ctr->cfg, ctr->record)) != CK_OK)
		return ck__error_wrap(rc, "container %.12s", ctr->cfg.id);
	free(ctr->record);
	ctr->record = NULL;
	return CK_OK;
}

int ck__ctr_load(ck_container *ctr, ck_context *ctx, const char *ref)
{
	char *id = NULL, *config = NULL, *state = NULL;
	ck_container *fresh = NULL;
	int rc = ck__rec_read_ref(&id, &config, &state, ctx, CK__KIND_CONTAINER, ref);

	if (rc == CK_OK)
		rc = ck__ctr_handle(&fresh, ctx, id, config, state);
	free(id);
	free(config);
	free(state);
	if (rc != CK_OK)
		return rc;
	ck__ctr_config_free(&ctr->cfg);
	ck__ctr_state_free(&ctr->st);
	free(ctr->record);
	ctr->record = NULL;
	free(ctr->port_maps); /* they pointed into the old config */
	ctr->port_maps = NULL;
	ctr->ctx = ctx;
	ctr->cfg = fresh->cfg;
	ctr->st = fresh->st;
	set_status_view(ctr);
	free(fresh);
	return CK_OK;
}

int ck_container_lookup(ck_container **out, ck_context *ctx, const char *ref)
{
	char *id = NULL, *config = NULL, *state = NULL;
	int rc;

	CK_ENTER();
	if (!out)
		return ck__error_set(CK_EINVAL, "ck_container_lookup: out is NULL");
	*out = NULL;
	if (!ctx)
		return ck__error_set(CK_EINVAL, "ck_container_lookup: ctx is NULL");
	if (!ref || !*ref)
		return ck__error_set(CK_EINVAL, "ck_container_lookup: the container is %s", ref ? "empty" : "NULL");
	rc = ck__rec_read_ref(&id, &config, &state, ctx, CK__KIND_CONTAINER, ref);
	if (rc == CK_OK)
		rc = ck__ctr_handle(out, ctx, id, config, state);
	free(id);
	free(config);
	free(state);
	return rc;
}

int ck_container_refresh(ck_container *ctr)
{
	char id[65];

	CK_ENTER();
	if (!ctr)
		return ck__error_set(CK_EINVAL, "ck_container_refresh: ctr is NULL");
	snprintf(id, sizeof(id), "%s", ctr->cfg.id);
	int rc = ck__ctr_load(ctr, ctr->ctx, id);
	if (rc == CK_ENOTFOUND)
		rc = ck__error_set(CK_ENOTFOUND, "container %s (%.12s) no longer exists", ctr->cfg.name, id);
	return rc;
}

void ck_container_free(ck_container *ctr)
{
	if (!ctr)
		return;
	ck__ctr_config_free(&ctr->cfg);
	ck__ctr_state_free(&ctr->st);
	free(ctr->record);
	free(ctr->port_maps);
	free(ctr);
}

const char *ck_container_id(const ck_container *ctr)
{
	return ctr ? ctr->cfg.id : NULL;
}

const char *ck_container_name(const ck_container *ctr)
{
	return ctr ? ctr->cfg.name : NULL;
}

const char *ck_container_image_name(const ck_container *ctr)
{
	return ctr ? ctr->cfg.image_name : NULL;
}

const char *ck_container_image_id(const ck_container *ctr)
{
	return ctr ? ctr->cfg.image_id : NULL;
}

const char *ck_container_status(const ck_container *ctr)
{
	return ctr ? ctr->status : NULL;
}

const char *const *ck_container_command(const ck_container *ctr)
{
	return ctr ? (const char *const *)ctr->cfg.args : NULL;
}

const char *ck_container_label(const ck_container *ctr, const char *key)
{
	return ctr && key ? ck__strmap_get(&ctr->cfg.labels, key) : NULL;
}

int ck_container_pid(const ck_container *ctr)
{
	return ctr && (!strcmp(ctr->status, "running") || !strcmp(ctr->status, "paused")) ? ctr->st.pid : 0;
}

int ck_container_exit_code(const ck_container *ctr)
{
	return ctr ? ctr->st.exit_code : -1;
}

int64_t ck_container_created(const ck_container *ctr)
{
	return ctr ? ctr->cfg.created : 0;
}

int64_t ck_container_started_at(const ck_container *ctr)
{
	return ctr ? ctr->st.started_at : 0;
}

int64_t ck_container_finished_at(const ck_container *ctr)
{
	return ctr ? ctr->st.finished_at : 0;
}

unsigned int ck_container_restart_count(const ck_container *ctr)
{
	return ctr ? ctr->st.restart_count : 0;
}

const char *ck_container_pod_id(const ck_container *ctr)
{
	return ctr && ctr->cfg.pod && *ctr->cfg.pod ? ctr->cfg.pod : NULL;
}

const char *ck_container_runtime(const ck_container *ctr)
{
	return ctr ? ctr->cfg.runtime : NULL;
}

int ck_container_ports(char ***out, const ck_container *ctr)
{
	CK_ENTER();
	if (!out)
		return ck__error_set(CK_EINVAL, "ck_container_ports: out is NULL");
	*out = NULL;
	if (!ctr)
		return ck__error_set(CK_EINVAL, "ck_container_ports: ctr is NULL");
	return ck__ports_lines(out, ctr->cfg.ports, ctr->cfg.n_ports);
}

int ck_container_create_command(char ***out, const ck_container *ctr)
{
	ck__ctr_config full = { 0 };
	char *const *src;
	int rc;

	CK_ENTER();
	if (!out)
		return ck__error_set(CK_EINVAL, "ck_container_create_command: out is NULL");
	*out = NULL;
	if (!ctr)
		return ck__error_set(CK_EINVAL, "ck_container_create_command: ctr is NULL");
	src = ctr->cfg.create_command;
	/* A listing's handle holds only the summary: read the rest aside. */
	if (ctr->record) {
		if ((rc = ck__ctr_config_parse(&full, ctr->record)) != CK_OK)
			return ck__error_wrap(rc, "container %.12s", ctr->cfg.id);
		src = full.create_command;
	}
	if ((rc = ck__strv_dup(out, (const char *const *)src)) == CK_OK && !*out &&
	    !(*out = calloc(1, sizeof(char *))))
		rc = ck__oom();
	ck__ctr_config_free(&full);
	return rc;
}

int ck__ctr_unit_facts_read(ck__ctr_unit_facts *out, const ck_container *ctr)
{
	ck__ctr_config full = { 0 };
	const ck__ctr_config *c = &ctr->cfg;
	int rc = CK_OK;

	memset(out, 0, sizeof(*out));
	if (ctr->record) {
		if ((rc = ck__ctr_config_parse(&full, ctr->record)) != CK_OK)
			return ck__error_wrap(rc, "container %.12s", ctr->cfg.id);
		c = &full;
	}
	out->stop_timeout = c->stop_timeout;
	out->restart_max = c->restart_max;
	if (!(out->restart_policy = strdup(c->restart_policy ? c->restart_policy : "no")) ||
	    (rc = ck__strv_dup(&out->env, (const char *const *)c->env)) != CK_OK ||
	    (!out->env && !(out->env = calloc(1, sizeof(char *)))))
		rc = rc ? rc : ck__oom();
	ck__ctr_config_free(&full);
	if (rc != CK_OK)
		ck__ctr_unit_facts_free(out);
	return rc;
}

void ck__ctr_unit_facts_free(ck__ctr_unit_facts *f)
{
	free(f->restart_policy);
	ck_strv_free(f->env);
	memset(f, 0, sizeof(*f));
}

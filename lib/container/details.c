/* Typed reads of a container's configuration beyond the listing's summary:
 * its mounts as a list of versioned entries, and its hostname, user,
 * working directory, entrypoint, environment, labels and policies (restart,
 * removal on exit).  The inspect JSON renders the mounts from the same list. */
#define _GNU_SOURCE
#include "container_int.h"

#include <stdlib.h>
#include <string.h>

struct ck_container_mount_list {
	ck_container_mount *m;
	size_t n;
};

void ck_container_mount_list_free(ck_container_mount_list *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++) {
		free((char *)l->m[i].source);
		free((char *)l->m[i].destination);
		free((char *)l->m[i].name);
		free((char *)l->m[i].mode);
		for (size_t k = 0; l->m[i].options && l->m[i].options[k]; k++)
			free((char *)l->m[i].options[k]);
		free((void *)l->m[i].options);
	}
	free(l->m);
	free(l);
}

static char *dup0(const char *s)
{
	return strdup(s ? s : "");
}

static int fill_mount(ck_container_mount *out, const ck_container *c, const ck__mnt *m)
{
	size_t n = 0;
	char mode[2] = { m->relabel, 0 };

	out->version = CK_CONTAINER_MOUNT_VERSION;
	out->type = m->type == CK__MNT_VOLUME ? CK_MOUNT_VOLUME : m->type == CK__MNT_TMPFS ? CK_MOUNT_TMPFS
	                                                                                 : CK_MOUNT_BIND;
	out->read_only = m->ro;
	if (m->type == CK__MNT_VOLUME)
		out->source = ck__asprintf("%s/volumes/%s/_data", c->ctx->root, m->source ? m->source : "");
	else
		out->source = dup0(m->type == CK__MNT_TMPFS ? "tmpfs" : m->source);
	out->destination = dup0(m->destination);
	out->name = m->type == CK__MNT_VOLUME ? dup0(m->source) : NULL;
	out->mode = dup0(mode);
	while (m->options && m->options[n])
		n++;
	const char **opts = calloc(n + 1, sizeof(char *));
	out->options = opts;
	if (!out->source || !out->destination || (m->type == CK__MNT_VOLUME && !out->name) || !out->mode || !opts)
		return CK_ENOMEM;
	for (size_t i = 0; i < n; i++)
		if (!(opts[i] = strdup(m->options[i])))
			return CK_ENOMEM;
	return CK_OK;
}

int ck__ctr_mounts(ck_container_mount_list **out, const ck_container *c)
{
	ck_container_mount_list *l;

	*out = NULL;
	if (!(l = calloc(1, sizeof(*l))) || !(l->m = calloc(c->cfg.n_mounts + 1, sizeof(*l->m)))) {
		free(l);
		return ck__oom();
	}
	for (size_t i = 0; i < c->cfg.n_mounts; i++) {
		int rc = fill_mount(&l->m[i], c, &c->cfg.mounts[i]);
		l->n = i + 1; /* what was filled is freed with the list */
		if (rc != CK_OK) {
			ck_container_mount_list_free(l);
			return ck__oom();
		}
	}
	*out = l;
	return CK_OK;
}

int ck_container_mounts_read(ck_container_mount_list **out, const ck_container *ctr)
{
	CK_ENTER();
	if (!out)
		return ck__error_set(CK_EINVAL, "ck_container_mounts_read: out is NULL");
	*out = NULL;
	if (!ctr)
		return ck__error_set(CK_EINVAL, "ck_container_mounts_read: ctr is NULL");
	CK__CTR_FULL((ck_container *)ctr);
	return ck__ctr_mounts(out, ctr);
}

size_t ck_container_mount_list_count(const ck_container_mount_list *l)
{
	return l ? l->n : 0;
}

const ck_container_mount *ck_container_mount_list_byindex(const ck_container_mount_list *l, size_t i)
{
	return l && i < l->n ? &l->m[i] : NULL;
}

/* The full record for an accessor that cannot report an error: NULL (the
 * thread's error says why) when it cannot be read. */
static const ck__ctr_config *full(const ck_container *ctr)
{
	if (!ctr || ck__ctr_full((ck_container *)ctr) != CK_OK)
		return NULL;
	return &ctr->cfg;
}

const char *ck_container_hostname(const ck_container *ctr)
{
	const ck__ctr_config *c = full(ctr);
	return c ? c->hostname : NULL;
}

const char *ck_container_user(const ck_container *ctr)
{
	const ck__ctr_config *c = full(ctr);
	return c ? c->user : NULL;
}

const char *ck_container_workdir(const ck_container *ctr)
{
	const ck__ctr_config *c = full(ctr);
	return c ? c->workdir : NULL;
}

const char *ck_container_restart_policy(const ck_container *ctr)
{
	const ck__ctr_config *c = full(ctr);
	return c ? (c->restart_policy ? c->restart_policy : "no") : NULL;
}

int ck_container_restart_max(const ck_container *ctr)
{
	const ck__ctr_config *c = full(ctr);
	return c ? (c->restart_max > 0 ? c->restart_max : 0) : -1;
}

int ck_container_auto_remove(const ck_container *ctr)
{
	const ck__ctr_config *c = full(ctr);
	return c ? (c->remove ? 1 : 0) : -1;
}

const char *ck_container_network_mode(const ck_container *ctr)
{
	const ck__ctr_config *c = full(ctr);
	return c ? (c->network ? c->network : "none") : NULL;
}

const char *const *ck_container_entrypoint(const ck_container *ctr)
{
	static const char *const empty[] = { NULL };
	const ck__ctr_config *c = full(ctr);
	return c ? (c->entrypoint ? (const char *const *)c->entrypoint : empty) : NULL;
}

const char *const *ck_container_env(const ck_container *ctr)
{
	static const char *const empty[] = { NULL };
	const ck__ctr_config *c = full(ctr);
	return c ? (c->env ? (const char *const *)c->env : empty) : NULL;
}

size_t ck_container_label_count(const ck_container *ctr)
{
	return ctr ? ctr->cfg.labels.n : 0;
}

int ck_container_label_byindex(const char **key, const char **value, const ck_container *ctr, size_t i)
{
	CK_ENTER();
	if (!ctr || i >= ctr->cfg.labels.n)
		return ck__error_set(CK_ENOTFOUND, "no label %zu (the container has %zu)", i, ctr ? ctr->cfg.labels.n : 0);
	if (key)
		*key = ctr->cfg.labels.keys[i];
	if (value)
		*value = ctr->cfg.labels.vals[i];
	return CK_OK;
}

size_t ck_container_port_count(const ck_container *ctr)
{
	return ctr ? ctr->cfg.n_ports : 0;
}

const ck_port_mapping *ck_container_port_byindex(const ck_container *ctr, size_t i)
{
	ck_container *c = (ck_container *)ctr; /* the typed copies are made once, on the handle */

	if (!ctr || i >= ctr->cfg.n_ports)
		return NULL;
	if (!c->port_maps) {
		if (!(c->port_maps = calloc(ctr->cfg.n_ports, sizeof(*c->port_maps))))
			return NULL;
		for (size_t k = 0; k < ctr->cfg.n_ports; k++) {
			const ck__port *p = &ctr->cfg.ports[k];
			c->port_maps[k] = (ck_port_mapping){ CK_PORT_MAPPING_VERSION, p->host_ip ? p->host_ip : "",
				                             p->host_port, p->container_port, p->range ? p->range : 1,
				                             p->protocol };
		}
	}
	return &c->port_maps[i];
}

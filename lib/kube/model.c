/* The kube model's memory (kube_int.h) and the public report of what a
 * play made or a down removed. */
#define _GNU_SOURCE
#include "kube_int.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

struct ck_kube_report {
	char **pod_ids, **pod_names, **ctr_ids, **ctr_names, **volumes;
};

void *ck__kube_grow(void **arr, size_t *n, size_t size)
{
	char *a = realloc(*arr, (*n + 1) * size);
	if (!a)
		return NULL;
	*arr = a;
	memset(a + *n * size, 0, size);
	return a + (*n)++ * size;
}

static void free_container(kcontainer *c)
{
	free(c->name);
	free(c->image);
	free(c->workdir);
	ck_strv_free(c->command);
	ck_strv_free(c->args);
	for (size_t i = 0; i < c->n_env; i++) {
		free(c->env[i].name);
		free(c->env[i].value);
		free(c->env[i].cm);
		free(c->env[i].cm_key);
	}
	free(c->env);
	for (size_t i = 0; i < c->n_env_from; i++)
		free(c->env_from[i].cm);
	free(c->env_from);
	for (size_t i = 0; i < c->n_ports; i++) {
		free(c->ports[i].host_ip);
		free(c->ports[i].protocol);
	}
	free(c->ports);
	for (size_t i = 0; i < c->n_mounts; i++) {
		free(c->mounts[i].name);
		free(c->mounts[i].path);
	}
	free(c->mounts);
	ck_strv_free(c->cap_add);
	ck_strv_free(c->cap_drop);
}

void ck__kube_model_free(kmodel *m)
{
	for (size_t i = 0; i < m->n_pods; i++) {
		kpod *p = &m->pods[i];
		free(p->name);
		free(p->kind);
		free(p->restart);
		free(p->hostname);
		ck__strmap_free(&p->labels);
		ck__strmap_free(&p->annotations);
		for (size_t c = 0; c < p->n_ctrs; c++)
			free_container(&p->ctrs[c]);
		free(p->ctrs);
		for (size_t v = 0; v < p->n_vols; v++) {
			free(p->vols[v].name);
			free(p->vols[v].path);
			free(p->vols[v].type);
			free(p->vols[v].claim);
		}
		free(p->vols);
	}
	free(m->pods);
	for (size_t i = 0; i < m->n_cms; i++) {
		free(m->cms[i].name);
		ck__strmap_free(&m->cms[i].data);
	}
	free(m->cms);
	for (size_t i = 0; i < m->n_claims; i++) {
		free(m->claims[i].name);
		ck__strmap_free(&m->claims[i].labels);
	}
	free(m->claims);
	memset(m, 0, sizeof(*m));
}

const kconfigmap *ck__kube_configmap(const kmodel *m, const char *name)
{
	/* the last one of a name wins: a --configmap file read after the YAML */
	for (size_t i = m->n_cms; i-- > 0;)
		if (!strcmp(m->cms[i].name, name))
			return &m->cms[i];
	return NULL;
}

int ck__kube_report_new(ck_kube_report **out)
{
	return (*out = calloc(1, sizeof(**out))) ? CK_OK : ck__oom();
}

int ck__kube_report_add(ck_kube_report *r, int what, const char *id, const char *name)
{
	int rc;
	switch (what) {
	case 0:
		if ((rc = ck__strv_push(&r->pod_ids, id)) != CK_OK)
			return rc;
		return ck__strv_push(&r->pod_names, name);
	case 1:
		if ((rc = ck__strv_push(&r->ctr_ids, id)) != CK_OK)
			return rc;
		return ck__strv_push(&r->ctr_names, name);
	default: return ck__strv_push(&r->volumes, name);
	}
}

size_t ck_kube_report_pod_count(const ck_kube_report *r)
{
	return r ? ck__strv_len(r->pod_ids) : 0;
}

static const char *at(char *const *v, size_t i)
{
	return i < ck__strv_len(v) ? v[i] : NULL;
}

const char *ck_kube_report_pod_id(const ck_kube_report *r, size_t i)
{
	return r ? at(r->pod_ids, i) : NULL;
}

const char *ck_kube_report_pod_name(const ck_kube_report *r, size_t i)
{
	return r ? at(r->pod_names, i) : NULL;
}

size_t ck_kube_report_container_count(const ck_kube_report *r)
{
	return r ? ck__strv_len(r->ctr_ids) : 0;
}

const char *ck_kube_report_container_id(const ck_kube_report *r, size_t i)
{
	return r ? at(r->ctr_ids, i) : NULL;
}

const char *ck_kube_report_container_name(const ck_kube_report *r, size_t i)
{
	return r ? at(r->ctr_names, i) : NULL;
}

size_t ck_kube_report_volume_count(const ck_kube_report *r)
{
	return r ? ck__strv_len(r->volumes) : 0;
}

const char *ck_kube_report_volume_name(const ck_kube_report *r, size_t i)
{
	return r ? at(r->volumes, i) : NULL;
}

void ck_kube_report_free(ck_kube_report *r)
{
	if (!r)
		return;
	ck_strv_free(r->pod_ids);
	ck_strv_free(r->pod_names);
	ck_strv_free(r->ctr_ids);
	ck_strv_free(r->ctr_names);
	ck_strv_free(r->volumes);
	free(r);
}

int ck_kube_play_options_init(ck_kube_play_options *opts, unsigned int version)
{
	CK_ENTER();
	if (!opts)
		return ck__error_set(CK_EINVAL, "ck_kube_play_options_init: opts is NULL");
	if (version < 1 || version > CK_KUBE_PLAY_OPTIONS_VERSION)
		return ck__error_set(CK_EVERSION, "ck_kube_play_options version %u is not known (this library has %u)",
		                     version, CK_KUBE_PLAY_OPTIONS_VERSION);
	/* a version 1 caller's struct ends before `registry` */
	ck_kube_play_options d = CK_KUBE_PLAY_OPTIONS_INIT;
	d.version = version;
	memcpy(opts, &d, version == 1 ? offsetof(ck_kube_play_options, registry) : sizeof(d));
	return CK_OK;
}

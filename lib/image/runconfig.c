/* The run-time defaults an image's config gives its containers (user,
 * working directory, entrypoint, command, environment, labels, ports,
 * volumes, stop signal) as a typed handle: ck_image_config_read. */
#define _GNU_SOURCE
#include "image/image_int.h"

#include <stdlib.h>
#include <string.h>

struct ck_image_config {
	char *user, *workdir, *stop_signal, *author;
	char **entrypoint, **cmd, **env, **ports, **volumes; /* NULL-terminated, never NULL */
	char **label_keys, **label_vals;                    /* parallel */
	size_t n_labels;
};

static void strv_free(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

void ck_image_config_free(ck_image_config *c)
{
	if (!c)
		return;
	free(c->user);
	free(c->workdir);
	free(c->stop_signal);
	free(c->author);
	strv_free(c->entrypoint);
	strv_free(c->cmd);
	strv_free(c->env);
	strv_free(c->ports);
	strv_free(c->volumes);
	for (size_t i = 0; i < c->n_labels; i++) {
		free(c->label_keys[i]);
		free(c->label_vals[i]);
	}
	free(c->label_keys);
	free(c->label_vals);
	free(c);
}

/* A string array (or, for an object such as ExposedPorts, its keys). */
static int strings(char ***out, yajl_val v)
{
	size_t n = YAJL_IS_ARRAY(v) ? v->u.array.len : YAJL_IS_OBJECT(v) ? v->u.object.len : 0;

	if (!(*out = calloc(n + 1, sizeof(char *))))
		return CK_ENOMEM;
	for (size_t i = 0, k = 0; i < n; i++) {
		const char *s = YAJL_IS_ARRAY(v) ? (YAJL_IS_STRING(v->u.array.values[i]) ?
		                                    v->u.array.values[i]->u.string : NULL)
		                                 : v->u.object.keys[i];
		if (s && !((*out)[k++] = strdup(s)))
			return CK_ENOMEM;
	}
	return CK_OK;
}

static int dup_or_null(char **out, const char *s)
{
	*out = NULL;
	return s && !(*out = strdup(s)) ? CK_ENOMEM : CK_OK;
}

static int fill(ck_image_config *c, yajl_val cfg)
{
	yajl_val rc_ = ck__json_obj(cfg, "config"), labels = ck__json_obj(rc_, "Labels");
	int rc;

	if ((rc = dup_or_null(&c->user, ck__json_str(rc_, "User"))) != CK_OK ||
	    (rc = dup_or_null(&c->workdir, ck__json_str(rc_, "WorkingDir"))) != CK_OK ||
	    (rc = dup_or_null(&c->stop_signal, ck__json_str(rc_, "StopSignal"))) != CK_OK ||
	    (rc = dup_or_null(&c->author, ck__json_str(cfg, "author"))) != CK_OK ||
	    (rc = strings(&c->entrypoint, ck__json_arr(rc_, "Entrypoint"))) != CK_OK ||
	    (rc = strings(&c->cmd, ck__json_arr(rc_, "Cmd"))) != CK_OK ||
	    (rc = strings(&c->env, ck__json_arr(rc_, "Env"))) != CK_OK ||
	    (rc = strings(&c->ports, ck__json_obj(rc_, "ExposedPorts"))) != CK_OK ||
	    (rc = strings(&c->volumes, ck__json_obj(rc_, "Volumes"))) != CK_OK)
		return rc;
	size_t n = labels ? labels->u.object.len : 0;
	if (!(c->label_keys = calloc(n + 1, sizeof(char *))) || !(c->label_vals = calloc(n + 1, sizeof(char *))))
		return CK_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		yajl_val v = labels->u.object.values[i];
		if (!(c->label_keys[c->n_labels] = strdup(labels->u.object.keys[i])) ||
		    !(c->label_vals[c->n_labels] = strdup(YAJL_IS_STRING(v) ? v->u.string : ""))) {
			free(c->label_keys[c->n_labels]);
			return CK_ENOMEM;
		}
		c->n_labels++;
	}
	return CK_OK;
}

int ck_image_config_read(ck_image_config **out, const ck_image *img)
{
	ck_image_config *c;
	yajl_val cfg = NULL;
	int rc;

	CK_ENTER();
	if (!out)
		return ck__error_set(CK_EINVAL, "ck_image_config_read: out is NULL");
	*out = NULL;
	if (!img)
		return ck__error_set(CK_EINVAL, "ck_image_config_read: img is NULL");
	if ((rc = ck__image_read_config(&cfg, img)) != CK_OK)
		return rc;
	if (!(c = calloc(1, sizeof(*c))) || (rc = fill(c, cfg)) != CK_OK) {
		ck_image_config_free(c);
		yajl_tree_free(cfg);
		return ck__oom();
	}
	yajl_tree_free(cfg);
	*out = c;
	return CK_OK;
}

const char *ck_image_config_user(const ck_image_config *c)
{
	return c ? c->user : NULL;
}

const char *ck_image_config_workdir(const ck_image_config *c)
{
	return c ? c->workdir : NULL;
}

const char *ck_image_config_stop_signal(const ck_image_config *c)
{
	return c ? c->stop_signal : NULL;
}

const char *ck_image_config_author(const ck_image_config *c)
{
	return c ? c->author : NULL;
}

const char *const *ck_image_config_entrypoint(const ck_image_config *c)
{
	return c ? (const char *const *)c->entrypoint : NULL;
}

const char *const *ck_image_config_cmd(const ck_image_config *c)
{
	return c ? (const char *const *)c->cmd : NULL;
}

const char *const *ck_image_config_env(const ck_image_config *c)
{
	return c ? (const char *const *)c->env : NULL;
}

const char *const *ck_image_config_exposed_ports(const ck_image_config *c)
{
	return c ? (const char *const *)c->ports : NULL;
}

const char *const *ck_image_config_volumes(const ck_image_config *c)
{
	return c ? (const char *const *)c->volumes : NULL;
}

size_t ck_image_config_label_count(const ck_image_config *c)
{
	return c ? c->n_labels : 0;
}

int ck_image_config_label_byindex(const char **key, const char **value, const ck_image_config *c, size_t i)
{
	CK_ENTER();
	if (!c || i >= c->n_labels)
		return ck__error_set(CK_ENOTFOUND, "no label %zu (the image has %zu)", i, c ? c->n_labels : 0);
	if (key)
		*key = c->label_keys[i];
	if (value)
		*value = c->label_vals[i];
	return CK_OK;
}

const char *ck_image_config_label(const ck_image_config *c, const char *key)
{
	for (size_t i = 0; c && key && i < c->n_labels; i++)
		if (!strcmp(c->label_keys[i], key))
			return c->label_vals[i];
	return NULL;
}

int ck_image_repo_digests(char ***out, const ck_image *img)
{
	int rc;

	CK_ENTER();
	if (!out)
		return ck__error_set(CK_EINVAL, "ck_image_repo_digests: out is NULL");
	*out = NULL;
	if (!img)
		return ck__error_set(CK_EINVAL, "ck_image_repo_digests: img is NULL");
	if ((rc = ck__image_repo_digests(out, img)) == CK_OK && !*out && !(*out = calloc(1, sizeof(char *))))
		rc = ck__oom();
	return rc;
}

const char *ck_image_os(const ck_image *img)
{
	return img ? img->os : NULL;
}

const char *ck_image_architecture(const ck_image *img)
{
	return img ? img->arch : NULL;
}

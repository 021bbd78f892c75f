/* An ordered map of unique string keys to strings (labels, options, env),
 * with its JSON object form; shared by volumes and containers. */
#include "core.h"

#include <stdlib.h>
#include <string.h>

int ck__strmap_set(ck__strmap *m, const char *key, const char *val)
{
	char *v = ck__strdup(val ? val : "");
	char *k;

	if (!v)
		return ck__oom();
	for (size_t i = 0; i < m->n; i++) {
		if (strcmp(m->keys[i], key) == 0) {
			free(m->vals[i]);
			m->vals[i] = v;
			return CK_OK;
		}
	}
	char **nk = realloc(m->keys, (m->n + 1) * sizeof(*nk));
	if (nk)
		m->keys = nk;
	char **nv = nk ? realloc(m->vals, (m->n + 1) * sizeof(*nv)) : NULL;
	if (nv)
		m->vals = nv;
	if (!nk || !nv || !(k = ck__strdup(key))) {
		free(v);
		return ck__oom();
	}
	m->keys[m->n] = k;
	m->vals[m->n] = v;
	m->n++;
	return CK_OK;
}

const char *ck__strmap_get(const ck__strmap *m, const char *key)
{
	for (size_t i = 0; i < m->n; i++)
		if (strcmp(m->keys[i], key) == 0)
			return m->vals[i];
	return NULL;
}

void ck__strmap_free(ck__strmap *m)
{
	for (size_t i = 0; i < m->n; i++) {
		free(m->keys[i]);
		free(m->vals[i]);
	}
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof(*m));
}

void ck__strmap_gen(yajl_gen g, const ck__strmap *m)
{
	yajl_gen_map_open(g);
	for (size_t i = 0; i < m->n; i++)
		ck__json_key_str(g, m->keys[i], m->vals[i]);
	yajl_gen_map_close(g);
}

int ck__strmap_from_json(ck__strmap *m, yajl_val obj)
{
	if (!obj || !YAJL_IS_OBJECT(obj))
		return CK_OK;
	for (size_t i = 0; i < obj->u.object.len; i++) {
		yajl_val v = obj->u.object.values[i];
		if (!YAJL_IS_STRING(v))
			continue;
		int rc = ck__strmap_set(m, obj->u.object.keys[i], v->u.string);
		if (rc != CK_OK)
			return rc;
	}
	return CK_OK;
}

/* Manifests, indexes and image configs: parsing with yajl_tree and
 * validating every field that the store relies on, with messages that name
 * the document and the field ("manifest sha256:...: layers[2].size is not
 * an integer"); and manifests written for commit, import and save.  Image
 * configs and platforms are in config.c. */
#define _GNU_SOURCE
#include "image/image_int.h"

#include <stdlib.h>
#include <string.h>

#define MT_DOCKER_SCHEMA1 "application/vnd.docker.distribution.manifest.v1+json"
#define MT_DOCKER_SCHEMA1_SIGNED "application/vnd.docker.distribution.manifest.v1+prettyjws"

yajl_val ck__doc_member(yajl_val obj, const char *key)
{
	if (!obj || !YAJL_IS_OBJECT(obj))
		return NULL;
	for (size_t i = 0; i < obj->u.object.len; i++)
		if (!strcmp(obj->u.object.keys[i], key))
			return obj->u.object.values[i];
	return NULL;
}

static const char *type_name(yajl_val v)
{
	if (YAJL_IS_STRING(v))
		return "a string";
	if (YAJL_IS_NUMBER(v))
		return "a number";
	if (YAJL_IS_OBJECT(v))
		return "an object";
	if (YAJL_IS_ARRAY(v))
		return "an array";
	if (YAJL_IS_TRUE(v) || YAJL_IS_FALSE(v))
		return "a boolean";
	return "null";
}

/* "what: field problem" as CK_ECORRUPT.  `field` is a path such as
 * "layers[2].size"; `problem` ends the sentence. */
static int bad_field(const char *what, const char *field, const char *problem)
{
	return ck__error_set(CK_ECORRUPT, "%s: %s %s", what, field, problem);
}

int ck__doc_wrong_type(const char *what, const char *field, const char *want, yajl_val v)
{
	char problem[128];

	snprintf(problem, sizeof(problem), "is not %s (it is %s)", want, type_name(v));
	return bad_field(what, field, problem);
}

/* Field names are built into a fixed buffer: prefix + "." + key. */
static void field_name(char *buf, size_t size, const char *prefix, const char *key)
{
	if (prefix && *prefix)
		snprintf(buf, size, "%s.%s", prefix, key);
	else
		snprintf(buf, size, "%s", key);
}

/* The kinds of member the ck__doc_* readers take. */
typedef enum { WANT_STRING, WANT_INTEGER, WANT_OBJECT, WANT_ARRAY } want;

static bool is_wanted(yajl_val v, want w)
{
	switch (w) {
	case WANT_STRING:
		return YAJL_IS_STRING(v);
	case WANT_INTEGER:
		return YAJL_IS_INTEGER(v);
	case WANT_OBJECT:
		return YAJL_IS_OBJECT(v);
	default:
		return YAJL_IS_ARRAY(v);
	}
}

/* Member `key` of `obj` if it is of kind `w`; a missing (or null) one gives
 * NULL, or an error when `required`. */
static int typed_member(yajl_val *out, const char *what, yajl_val obj, const char *prefix, const char *key,
                        bool required, want w)
{
	static const char *const names[] = { "a string", "an integer", "an object", "an array" };
	yajl_val v = ck__doc_member(obj, key);
	char f[160];

	*out = NULL;
	field_name(f, sizeof(f), prefix, key);
	if (!v || YAJL_IS_NULL(v))
		return required ? bad_field(what, f, "is missing") : CK_OK;
	if (!is_wanted(v, w))
		return ck__doc_wrong_type(what, f, names[w], v);
	*out = v;
	return CK_OK;
}

/* A string member; `required` makes a missing (or null) one an error. */
int ck__doc_str(const char **out, const char *what, yajl_val obj, const char *prefix, const char *key,
                   bool required)
{
	yajl_val v;
	int rc = typed_member(&v, what, obj, prefix, key, required, WANT_STRING);

	*out = v ? v->u.string : NULL;
	return rc;
}

int ck__doc_int(long long *out, bool *present, const char *what, yajl_val obj, const char *prefix,
                   const char *key, bool required)
{
	yajl_val v;
	int rc = typed_member(&v, what, obj, prefix, key, required, WANT_INTEGER);

	*present = v != NULL;
	if (v)
		*out = YAJL_GET_INTEGER(v);
	return rc;
}

/* An object or array member; missing or null gives NULL unless required. */
int ck__doc_typed(yajl_val *out, const char *what, yajl_val obj, const char *prefix, const char *key,
                     bool required, bool want_array)
{
	return typed_member(out, what, obj, prefix, key, required, want_array ? WANT_ARRAY : WANT_OBJECT);
}

static int check_digest(const char *what, const char *field, const char *digest)
{
	int rc = ck__digest_parse(digest, NULL);

	if (rc == CK_OK)
		return CK_OK;
	return ck__error_wrap(rc == CK_EUNSUPPORTED ? rc : CK_ECORRUPT, "%s: %s", what, field);
}

/* Every value of an optional string map (annotations, labels) is a string. */
int ck__doc_string_map(const char *what, yajl_val obj, const char *prefix, const char *key)
{
	yajl_val m;
	char f[160], g[320];
	int rc = ck__doc_typed(&m, what, obj, prefix, key, false, false);

	if (rc != CK_OK || !m)
		return rc;
	field_name(f, sizeof(f), prefix, key);
	for (size_t i = 0; i < m->u.object.len; i++) {
		if (!YAJL_IS_STRING(m->u.object.values[i])) {
			snprintf(g, sizeof(g), "%s[\"%.100s\"]", f, m->u.object.keys[i]);
			return ck__doc_wrong_type(what, g, "a string", m->u.object.values[i]);
		}
	}
	return CK_OK;
}

static void descriptor_clear(ck__descriptor *d)
{
	free(d->media_type);
	free(d->digest);
	free(d->platform_os);
	free(d->platform_arch);
	free(d->platform_variant);
	memset(d, 0, sizeof(*d));
}

static int copy_str(char **out, const char *s)
{
	*out = NULL;
	if (!s)
		return CK_OK;
	*out = ck__strdup(s);
	return *out ? CK_OK : ck__oom();
}

/* {"mediaType","digest","size"[,"platform"]} at `field`. */
static void descriptors_free(ck__descriptor *d, size_t n)
{
	for (size_t i = 0; i < n; i++)
		descriptor_clear(&d[i]);
	free(d);
}

static int parse_descriptor(ck__descriptor *d, const char *what, yajl_val v, const char *field,
                            bool with_platform)
{
	const char *mt, *digest, *s;
	long long size = 0;
	bool present;
	char f[160];
	yajl_val plat;
	int rc;

	memset(d, 0, sizeof(*d));
	if (!YAJL_IS_OBJECT(v))
		return ck__doc_wrong_type(what, field, "an object", v);
	if ((rc = ck__doc_str(&mt, what, v, field, "mediaType", true)) != CK_OK ||
	    (rc = ck__doc_str(&digest, what, v, field, "digest", true)) != CK_OK ||
	    (rc = ck__doc_int(&size, &present, what, v, field, "size", true)) != CK_OK)
		return rc;
	field_name(f, sizeof(f), field, "digest");
	if ((rc = check_digest(what, f, digest)) != CK_OK)
		return rc;
	field_name(f, sizeof(f), field, "size");
	if (size < 0)
		return bad_field(what, f, "is negative");
	if ((rc = ck__doc_string_map(what, v, field, "annotations")) != CK_OK)
		return rc;
	if ((rc = copy_str(&d->media_type, mt)) != CK_OK || (rc = copy_str(&d->digest, digest)) != CK_OK)
		goto fail;
	d->size = size;
	if (with_platform) {
		if ((rc = ck__doc_typed(&plat, what, v, field, "platform", false, false)) != CK_OK)
			goto fail;
		if (plat) {
			field_name(f, sizeof(f), field, "platform");
			if ((rc = ck__doc_str(&s, what, plat, f, "os", true)) != CK_OK ||
			    (rc = copy_str(&d->platform_os, s)) != CK_OK ||
			    (rc = ck__doc_str(&s, what, plat, f, "architecture", true)) != CK_OK ||
			    (rc = copy_str(&d->platform_arch, s)) != CK_OK ||
			    (rc = ck__doc_str(&s, what, plat, f, "variant", false)) != CK_OK ||
			    (rc = copy_str(&d->platform_variant, s)) != CK_OK)
				goto fail;
		}
	}
	return CK_OK;
fail:
	descriptor_clear(d);
	return rc;
}

/* yajl_tree wants NUL-terminated text; documents arrive with a length. */
int ck__doc_parse(yajl_val *tree, const char *json, size_t len, const char *what)
{
	char *text;
	int rc;

	*tree = NULL;
	if (!json)
		return ck__error_set(CK_ECORRUPT, "%s is empty", what);
	if (memchr(json, '\0', len))
		return ck__error_set(CK_ECORRUPT, "%s is not valid JSON: it contains a NUL byte", what);
	if (!(text = strndup(json, len)))
		return ck__oom();
	rc = ck__json_parse(tree, text, what, CK_ECORRUPT);
	free(text);
	if (rc == CK_OK && !YAJL_IS_OBJECT(*tree)) {
		rc = ck__error_set(CK_ECORRUPT, "%s is not a JSON object (it is %s)", what, type_name(*tree));
		yajl_tree_free(*tree);
		*tree = NULL;
	}
	return rc;
}

static int check_schema_version(const char *what, yajl_val tree)
{
	long long v = 0;
	bool present;
	int rc = ck__doc_int(&v, &present, what, tree, NULL, "schemaVersion", true);

	if (rc == CK_OK && v != 2) {
		if (v == 1)
			return ck__error_set(CK_EUNSUPPORTED, "%s: Docker schema 1 manifests are not supported "
			                                      "(schemaVersion is 1)", what);
		return bad_field(what, "schemaVersion", "is not 2");
	}
	return rc;
}

static const char *infer_kind(yajl_val tree)
{
	long long v;
	bool present;

	if (ck__doc_member(tree, "manifests"))
		return CK_MT_OCI_INDEX;
	if (ck__doc_member(tree, "config") || ck__doc_member(tree, "layers"))
		return CK_MT_OCI_MANIFEST;
	if (ck__doc_int(&v, &present, "", tree, NULL, "schemaVersion", false) == CK_OK && present && v == 1)
		return MT_DOCKER_SCHEMA1;
	ck__error_clear();
	return NULL;
}

int ck__manifest_kind(char **media_type, const char *json, size_t len, const char *what)
{
	yajl_val tree;
	const char *mt;
	int rc;

	*media_type = NULL;
	if ((rc = ck__doc_parse(&tree, json, len, what)) != CK_OK)
		return rc;
	if ((rc = ck__doc_str(&mt, what, tree, NULL, "mediaType", false)) == CK_OK && !mt && !(mt = infer_kind(tree)))
		rc = ck__error_set(CK_ECORRUPT, "%s is neither an image manifest nor an index (it has no "
		                                "mediaType, config, layers or manifests)", what);
	if (rc == CK_OK && !(*media_type = ck__strdup(mt)))
		rc = ck__oom();
	yajl_tree_free(tree);
	return rc;
}

void ck__manifest_free(ck__manifest *m)
{
	if (!m)
		return;
	free(m->media_type);
	descriptor_clear(&m->config);
	descriptors_free(m->layers, m->n_layers);
	free(m);
}

/* Parses the descriptor array `list` (member `field` of `what`) into a new
 * array; `*n` counts those parsed, so that a failure frees what was made. */
static int parse_descriptors(ck__descriptor **out, size_t *n, const char *what, yajl_val list, const char *field,
                             bool platform)
{
	char f[64];
	int rc;

	if (list->u.array.len && !(*out = calloc(list->u.array.len, sizeof(**out))))
		return ck__oom();
	for (size_t i = 0; i < list->u.array.len; i++) {
		snprintf(f, sizeof(f), "%s[%zu]", field, i);
		if ((rc = parse_descriptor(&(*out)[i], what, list->u.array.values[i], f, platform)) != CK_OK)
			return rc;
		++*n;
	}
	return CK_OK;
}

int ck__manifest_parse(ck__manifest **out, const char *json, size_t len, const char *what)
{
	ck__manifest *m = NULL;
	yajl_val tree, cfg, layers;
	const char *mt;
	int rc;

	*out = NULL;
	if ((rc = ck__doc_parse(&tree, json, len, what)) != CK_OK)
		return rc;
	if ((rc = ck__doc_str(&mt, what, tree, NULL, "mediaType", false)) != CK_OK)
		goto out;
	if (mt && (!strcmp(mt, CK_MT_OCI_INDEX) || !strcmp(mt, CK_MT_DOCKER_LIST))) {
		rc = ck__error_set(CK_EINVAL, "%s is an image index (%s), not a manifest: select a platform's "
		                              "manifest from it first", what, mt);
		goto out;
	}
	if (mt && (!strcmp(mt, MT_DOCKER_SCHEMA1) || !strcmp(mt, MT_DOCKER_SCHEMA1_SIGNED))) {
		rc = ck__error_set(CK_EUNSUPPORTED, "%s: Docker schema 1 manifests (%s) are not supported",
		                   what, mt);
		goto out;
	}
	if (mt && strcmp(mt, CK_MT_OCI_MANIFEST) && strcmp(mt, CK_MT_DOCKER_MANIFEST)) {
		rc = ck__error_set(CK_EUNSUPPORTED, "%s has media type \"%s\", which is not an image manifest",
		                   what, mt);
		goto out;
	}
	if ((rc = check_schema_version(what, tree)) != CK_OK ||
	    (rc = ck__doc_typed(&cfg, what, tree, NULL, "config", true, false)) != CK_OK ||
	    (rc = ck__doc_typed(&layers, what, tree, NULL, "layers", true, true)) != CK_OK ||
	    (rc = ck__doc_string_map(what, tree, NULL, "annotations")) != CK_OK)
		goto out;
	if (!(m = calloc(1, sizeof(*m)))) {
		rc = ck__oom();
		goto out;
	}
	if ((rc = copy_str(&m->media_type, mt ? mt : CK_MT_OCI_MANIFEST)) != CK_OK ||
	    (rc = parse_descriptor(&m->config, what, cfg, "config", false)) != CK_OK ||
	    (rc = parse_descriptors(&m->layers, &m->n_layers, what, layers, "layers", false)) != CK_OK)
		goto out;
	*out = m;
	m = NULL;
out:
	ck__manifest_free(m);
	yajl_tree_free(tree);
	return rc;
}

void ck__index_free(ck__index *idx)
{
	if (!idx)
		return;
	free(idx->media_type);
	descriptors_free(idx->manifests, idx->n_manifests);
	free(idx);
}

int ck__index_parse(ck__index **out, const char *json, size_t len, const char *what)
{
	ck__index *idx = NULL;
	yajl_val tree, list;
	const char *mt;
	int rc;

	*out = NULL;
	if ((rc = ck__doc_parse(&tree, json, len, what)) != CK_OK)
		return rc;
	if ((rc = ck__doc_str(&mt, what, tree, NULL, "mediaType", false)) != CK_OK)
		goto out;
	if (mt && strcmp(mt, CK_MT_OCI_INDEX) && strcmp(mt, CK_MT_DOCKER_LIST)) {
		rc = ck__error_set(CK_EINVAL, "%s has media type \"%s\", which is not an image index", what, mt);
		goto out;
	}
	if ((rc = check_schema_version(what, tree)) != CK_OK ||
	    (rc = ck__doc_typed(&list, what, tree, NULL, "manifests", true, true)) != CK_OK ||
	    (rc = ck__doc_string_map(what, tree, NULL, "annotations")) != CK_OK)
		goto out;
	if (!(idx = calloc(1, sizeof(*idx)))) {
		rc = ck__oom();
		goto out;
	}
	if ((rc = copy_str(&idx->media_type, mt ? mt : CK_MT_OCI_INDEX)) != CK_OK ||
	    (rc = parse_descriptors(&idx->manifests, &idx->n_manifests, what, list, "manifests", true)) != CK_OK)
		goto out;
	*out = idx;
	idx = NULL;
out:
	ck__index_free(idx);
	yajl_tree_free(tree);
	return rc;
}


void ck__manifest_gen_desc(yajl_gen g, const char *media_type, const char *digest, int64_t size)
{
	yajl_gen_map_open(g);
	ck__json_key_str(g, "mediaType", media_type);
	ck__json_key_str(g, "digest", digest);
	ck__json_key_int(g, "size", size);
	yajl_gen_map_close(g);
}

void ck__manifest_gen_open(yajl_gen g, const char *media_type, const char *config_type, const char *config,
                           int64_t config_size)
{
	yajl_gen_map_open(g);
	ck__json_key_int(g, "schemaVersion", 2);
	ck__json_key_str(g, "mediaType", media_type);
	ck__json_key(g, "config");
	ck__manifest_gen_desc(g, config_type, config, config_size);
	ck__json_key(g, "layers");
	yajl_gen_array_open(g);
}

void ck__manifest_gen_close(yajl_gen g)
{
	yajl_gen_array_close(g);
	yajl_gen_map_close(g);
}

int ck__image_put_json(char **digest, int64_t *size, ck_context *ctx, yajl_gen g)
{
	char *json = NULL;
	int rc;

	if ((rc = ck__json_gen_finish(&json, g)) != CK_OK)
		return rc;
	if (size)
		*size = (int64_t)strlen(json);
	rc = ck__blob_put(digest, ctx, json, strlen(json), NULL);
	free(json);
	return rc;
}

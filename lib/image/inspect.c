/* Describing an image: `podman image inspect`'s JSON shape, built from the
 * record and the image config in the blob store, and the history. */
#define _GNU_SOURCE
#include "image/image_int.h"

#include <stdlib.h>
#include <string.h>

#define CONFIG_MAX (32u << 20)

int ck__image_read_config(yajl_val *tree, const ck_image *img)
{
	char *json = NULL, what[96];
	size_t len = 0;
	int rc;

	*tree = NULL;
	rc = ck__blob_read(&json, &len, img->ctx, img->config_digest, CONFIG_MAX);
	if (rc != CK_OK)
		return ck__error_wrap(rc, "image %.12s: cannot read its config (`ck system check` tells what "
		                          "is damaged)", img->id);
	snprintf(what, sizeof(what), "image config %.80s", img->config_digest);
	rc = ck__doc_parse(tree, json, len, what);
	free(json);
	return rc;
}

static void key_str_or_empty(yajl_gen g, const char *key, const char *val)
{
	ck__json_key_str(g, key, val ? val : "");
}

static void emit_or(yajl_gen g, const char *key, yajl_val v, bool array)
{
	ck__json_key(g, key);
	if (v) {
		ck__json_emit(g, v);
	} else if (array) {
		yajl_gen_array_open(g);
		yajl_gen_array_close(g);
	} else {
		yajl_gen_null(g);
	}
}

/* RepoDigests: "repo@digest" for every repository the image is named in. */
int ck__image_repo_digests(char ***out, const ck_image *img)
{
	int rc = CK_OK;

	*out = NULL;
	for (char **n = img->names; rc == CK_OK && *n; n++) {
		ck__ref ref;
		char *repo, *s;
		if (ck__ref_parse(&ref, *n, NULL) != CK_OK) {
			ck__error_clear();
			continue;
		}
		repo = ck__ref_repo_string(&ref);
		s = repo ? ck__asprintf("%s@%s", repo, ref.digest ? ref.digest : img->digest) : NULL;
		rc = s ? ck__strv_add_unique(out, s, NULL) : ck__oom();
		free(repo);
		free(s);
		ck__ref_free(&ref);
	}
	return rc;
}

static void emit_graph_driver(yajl_gen g, const ck_image *img)
{
	ck__buf lower = { 0 };
	char *upper = NULL, *lows;

	ck__json_key(g, "GraphDriver");
	yajl_gen_map_open(g);
	ck__json_key_str(g, "Name", "overlay");
	ck__json_key(g, "Data");
	yajl_gen_map_open(g);
	for (size_t i = img->n_layers; i-- > 0;) {
		char *p = ck__layer_path(img->ctx, img->layers[i].diff_id);
		if (!p)
			continue;
		if (i + 1 == img->n_layers)
			upper = p;
		else {
			ck__buf_printf(&lower, "%s%s", lower.len ? ":" : "", p);
			free(p);
		}
	}
	/* (ck__buf_take of an empty buffer does not terminate it.) */
	lows = lower.len ? ck__buf_take(&lower) : NULL;
	if (lows)
		ck__json_key_str(g, "LowerDir", lows);
	if (upper)
		ck__json_key_str(g, "UpperDir", upper);
	yajl_gen_map_close(g);
	yajl_gen_map_close(g);
	free(lows);
	free(upper);
}

int ck_image_inspect(char **out, const ck_image *img)
{
	yajl_val cfg = NULL, rcfg;
	char **digests = NULL, created[40];
	const char *cstr;
	yajl_gen g;
	int rc;

	CK_ENTER();
	if (!out)
		return ck__error_set(CK_EINVAL, "ck_image_inspect: out is NULL");
	*out = NULL;
	if (!img)
		return ck__error_set(CK_EINVAL, "ck_image_inspect: img is NULL");
	if ((rc = ck__image_read_config(&cfg, img)) != CK_OK || (rc = ck__image_repo_digests(&digests, img)) != CK_OK)
		goto out;
	if (!(g = ck__json_gen_new(false))) {
		rc = ck__oom();
		goto out;
	}
	rcfg = ck__json_obj(cfg, "config");
	cstr = ck__json_str(cfg, "created");
	ck__rfc3339(created, sizeof(created), img->created * 1000000000);
	yajl_gen_map_open(g);
	ck__json_key_str(g, "Id", img->id);
	ck__json_key_str(g, "Digest", img->digest);
	ck__json_key(g, "RepoTags");
	yajl_gen_array_open(g);
	for (char **n = img->names; *n; n++)
		if (!strchr(*n, '@'))
			ck__json_str_val(g, *n);
	yajl_gen_array_close(g);
	ck__json_key(g, "RepoDigests");
	yajl_gen_array_open(g);
	for (char **d = digests; d && *d; d++)
		ck__json_str_val(g, *d);
	yajl_gen_array_close(g);
	ck__json_key_str(g, "Parent", "");
	key_str_or_empty(g, "Comment", ck__json_str(cfg, "comment"));
	ck__json_key_str(g, "Created", cstr ? cstr : created);
	ck__json_key(g, "Config");
	if (rcfg) {
		ck__json_emit(g, rcfg);
	} else {
		yajl_gen_map_open(g);
		yajl_gen_map_close(g);
	}
	key_str_or_empty(g, "Version", ck__json_str(cfg, "docker_version"));
	key_str_or_empty(g, "Author", ck__json_str(cfg, "author"));
	ck__json_key_str(g, "Architecture", img->arch ? img->arch : "");
	ck__json_key_str(g, "Os", img->os ? img->os : "");
	if (img->variant)
		ck__json_key_str(g, "Variant", img->variant);
	ck__json_key_int(g, "Size", (long long)img->size);
	ck__json_key_int(g, "VirtualSize", (long long)img->size);
	emit_graph_driver(g, img);
	ck__json_key(g, "RootFS");
	yajl_gen_map_open(g);
	ck__json_key_str(g, "Type", "layers");
	ck__json_key(g, "Layers");
	yajl_gen_array_open(g);
	for (size_t i = 0; i < img->n_layers; i++)
		ck__json_str_val(g, img->layers[i].diff_id);
	yajl_gen_array_close(g);
	yajl_gen_map_close(g);
	emit_or(g, "Labels", ck__json_obj(rcfg, "Labels"), false);
	ck__json_key(g, "Annotations");
	yajl_gen_map_open(g);
	yajl_gen_map_close(g);
	ck__json_key_str(g, "ManifestType", img->manifest_media_type ? img->manifest_media_type : "");
	key_str_or_empty(g, "User", ck__json_str(rcfg, "User"));
	emit_or(g, "History", ck__json_arr(cfg, "history"), true);
	ck__json_key(g, "NamesHistory");
	yajl_gen_array_open(g);
	yajl_gen_array_close(g);
	yajl_gen_map_close(g);
	rc = ck__json_gen_finish(out, g);
out:
	ck_strv_free(digests);
	if (cfg)
		yajl_tree_free(cfg);
	return rc;
}

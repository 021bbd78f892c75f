/* The load plan: which images an archive holds, their names, and the blobs
 * each one needs, checked against each other before anything is stored. */
#define _GNU_SOURCE
#include "archive_int.h"

#include <stdlib.h>
#include <string.h>

#define CONFIG_MAX ((size_t)16 << 20)

yajl_val ck__arc_json_get(yajl_val obj, const char *key)
{
	const char *path[] = { key, NULL };
	return yajl_tree_get(obj, path, yajl_t_any);
}

/* Reads and parses a JSON entry of the archive. */
int ck__arc_read_json(yajl_val *out, ck__arc *a, const char *name, size_t max)
{
	ck__arc_entry *e;
	char *text = NULL, *what = NULL;
	size_t len;
	int rc;

	*out = NULL;
	if ((rc = ck__arc_get(&e, a, name, name)) < 0 || (rc = ck__arc_read(&text, &len, a, e, max)) < 0)
		return rc;
	if (strlen(text) != len)
		rc = ck__error_set(CK_ECORRUPT, "%s: %s: not JSON (it contains a NUL byte)", a->path, name);
	else if (!(what = ck__asprintf("%s: %s", a->path, name)))
		rc = ck__oom();
	else
		rc = ck__json_parse(out, text, what, CK_ECORRUPT);
	free(what);
	free(text);
	return rc;
}

void ck__arc_plan_free(ck__arc_plan *p)
{
	for (size_t i = 0; i < p->n; i++) {
		ck__arc_image *img = &p->v[i];
		free(img->what);
		free(img->manifest_digest);
		free(img->manifest);
		free(img->config_digest);
		ck_strv_free(img->names);
		free(img->blobs);
		ck_strv_free(img->layer_digests);
		ck_strv_free(img->diff_ids);
	}
	free(p->v);
	p->v = NULL;
	p->n = 0;
}

int ck__arc_plan_image(ck__arc_image **out, ck__arc_plan *p, const char *manifest_digest)
{
	ck__arc_image *v;

	for (size_t i = 0; i < p->n; i++)
		if (!strcmp(p->v[i].manifest_digest, manifest_digest)) {
			*out = &p->v[i];
			return CK_OK;
		}
	if (!(v = realloc(p->v, (p->n + 1) * sizeof(*v))))
		return ck__oom();
	p->v = v;
	*out = &v[p->n];
	memset(*out, 0, sizeof(**out));
	if (!((*out)->manifest_digest = ck__strdup(manifest_digest)))
		return ck__oom();
	p->n++;
	return CK_OK;
}

int ck__arc_plan_add_name(ck__arc_image *img, ck__arc *a, const char *name, const char *default_registry,
                          const char *what)
{
	ck__ref ref = { 0 };
	char *full = NULL;
	int rc;

	/* podman normalizes every loaded name so that one without a registry
	 * is local ("foo:1" -> "localhost/foo:1"), and docker.io's
	 * one-component names get "library/". */
	if ((rc = ck__ref_parse(&ref, name, default_registry)) < 0)
		return ck__error_wrap(rc, "%s: %s: image name \"%s\"", a->path, what, name);
	if (ref.registry && !strcmp(ref.registry, "docker.io") && ref.repo && !strchr(ref.repo, '/')) {
		char *r = ck__asprintf("library/%s", ref.repo);
		if (!r) {
			ck__ref_free(&ref);
			return ck__oom();
		}
		free(ref.repo);
		ref.repo = r;
	}
	full = ck__ref_string(&ref);
	ck__ref_free(&ref);
	if (!full)
		return ck__oom();
	for (size_t i = 0; img->names && img->names[i]; i++)
		if (!strcmp(img->names[i], full)) {
			free(full);
			return CK_OK;
		}
	rc = ck__strv_push(&img->names, full);
	free(full);
	return rc;
}

/* Whether content starting with `m` is compressed (by its magic number). */
static bool is_compressed(const ck__arc_entry *e)
{
	static const unsigned char gz[] = { 0x1f, 0x8b }, zs[] = { 0x28, 0xb5, 0x2f, 0xfd },
	                           xz[] = { 0xfd, '7', 'z', 'X', 'Z', 0x00 }, bz[] = { 'B', 'Z', 'h' };

	return (e->magic_len >= sizeof(gz) && !memcmp(e->magic, gz, sizeof(gz))) ||
	       (e->magic_len >= sizeof(zs) && !memcmp(e->magic, zs, sizeof(zs))) ||
	       (e->magic_len >= sizeof(xz) && !memcmp(e->magic, xz, sizeof(xz))) ||
	       (e->magic_len >= sizeof(bz) && !memcmp(e->magic, bz, sizeof(bz)));
}

int ck__arc_plan_fill(ck__arc_image *img, ck__arc *a, ck__arc_entry *config, char *const *layer_digests,
                      ck__arc_entry *const *layers, size_t n_layers, const char *what)
{
	ck__image_config cfg = { 0 };
	char *json = NULL, *cwhat = ck__asprintf("%s: %s: config %s", a->path, what, config->name);
	size_t len = 0, n_diff;
	int rc;

	if (!cwhat)
		return ck__oom();
	if ((rc = ck__arc_read(&json, &len, a, config, CONFIG_MAX)) < 0 ||
	    (rc = ck__image_config_parse(&cfg, json, len, cwhat)) < 0)
		goto out;
	n_diff = ck__strv_len(cfg.diff_ids);
	if (n_diff != n_layers) {
		rc = ck__error_set(CK_ECORRUPT, "%s: %s: the config lists %zu layers (rootfs.diff_ids) but the "
		                   "manifest has %zu", a->path, what, n_diff, n_layers);
		goto out;
	}
	for (size_t i = 0; i < n_layers; i++) {
		/* An uncompressed layer is its own diff id: check it now rather
		 * than after it has been stored. */
		if (layers[i]->magic_len && !is_compressed(layers[i]) && strcmp(layers[i]->digest, cfg.diff_ids[i])) {
			rc = ck__error_set(CK_EDIGEST, "%s: %s: layer %zu (%s) has digest %s but the config expects diff "
			                   "id %s", a->path, what, i + 1, layers[i]->name, layers[i]->digest,
			                   cfg.diff_ids[i]);
			goto out;
		}
	}
	if (!(img->config_digest = ck__strdup(config->digest)) || !(img->what = ck__strdup(what)) ||
	    !(img->blobs = calloc(n_layers + 1, sizeof(*img->blobs)))) {
		rc = ck__oom();
		goto out;
	}
	img->blobs[img->n_blobs++] = config;
	for (size_t i = 0; i < n_layers; i++) {
		img->blobs[img->n_blobs++] = layers[i];
		if ((rc = ck__strv_push(&img->layer_digests, layer_digests[i])) < 0 ||
		    (rc = ck__strv_push(&img->diff_ids, cfg.diff_ids[i])) < 0)
			goto out;
	}
out:
	ck__image_config_free(&cfg);
	free(json);
	free(cwhat);
	return rc;
}

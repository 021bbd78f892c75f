/* Planning the load of a docker-archive (`docker save` / `podman save`
 * format): manifest.json's items, their RepoTags, and a registry manifest
 * made for each image, since the archive carries none. */
#define _GNU_SOURCE
#include "archive_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MANIFEST_JSON_MAX ((size_t)16 << 20)
#define MT_DOCKER_LAYER_TAR "application/vnd.docker.image.rootfs.diff.tar"

static const unsigned char zstd_magic[] = { 0x28, 0xb5, 0x2f, 0xfd }, gzip_magic[] = { 0x1f, 0x8b };

static bool has_magic(const ck__arc_entry *e, const unsigned char *m, size_t n)
{
	return e->magic_len >= n && !memcmp(e->magic, m, n);
}

/* A manifest for the config and layers as they are in the archive: Docker
 * schema 2 (as podman makes), or OCI when a layer is zstd, which schema 2
 * cannot name.  Layers are usually plain tars, and say so. */
static int build_manifest(char **out, size_t *len, ck__arc *a, const ck__arc_entry *config,
                          ck__arc_entry *const *layers, size_t n, const char *what)
{
	bool oci = false;
	yajl_gen g;
	int rc;

	for (size_t i = 0; i < n; i++) {
		const ck__arc_entry *l = layers[i];
		if (has_magic(l, zstd_magic, sizeof(zstd_magic)))
			oci = true;
		else if (l->magic_len >= 3 && !has_magic(l, gzip_magic, sizeof(gzip_magic)) &&
		         (l->magic[0] == 0xfd || !memcmp(l->magic, "BZh", 3)))
			return ck__error_set(CK_EUNSUPPORTED, "%s: %s: layer %s is compressed with xz or bzip2; only "
			                     "plain, gzip and zstd layers are supported", a->path, what, l->name);
	}
	if (!(g = ck__json_gen_new(false)))
		return ck__oom();
	yajl_gen_map_open(g);
	ck__json_key_int(g, "schemaVersion", 2);
	ck__json_key_str(g, "mediaType", oci ? CK_MT_OCI_MANIFEST : CK_MT_DOCKER_MANIFEST);
	ck__json_key(g, "config");
	yajl_gen_map_open(g);
	ck__json_key_str(g, "mediaType", oci ? CK_MT_OCI_CONFIG : CK_MT_DOCKER_CONFIG);
	ck__json_key_int(g, "size", (long long)config->size);
	ck__json_key_str(g, "digest", config->digest);
	yajl_gen_map_close(g);
	ck__json_key(g, "layers");
	yajl_gen_array_open(g);
	for (size_t i = 0; i < n; i++) {
		const ck__arc_entry *l = layers[i];
		bool gz = has_magic(l, gzip_magic, sizeof(gzip_magic)), zs = has_magic(l, zstd_magic, sizeof(zstd_magic));
		const char *mt = oci ? (zs ? CK_MT_OCI_LAYER_ZSTD : gz ? CK_MT_OCI_LAYER_GZIP : CK_MT_OCI_LAYER)
		                     : (gz ? CK_MT_DOCKER_LAYER : MT_DOCKER_LAYER_TAR);
		yajl_gen_map_open(g);
		ck__json_key_str(g, "mediaType", mt);
		ck__json_key_int(g, "size", (long long)l->size);
		ck__json_key_str(g, "digest", l->digest);
		yajl_gen_map_close(g);
	}
	yajl_gen_array_close(g);
	yajl_gen_map_close(g);
	rc = ck__json_gen_finish(out, g);
	if (rc == CK_OK)
		*len = strlen(*out);
	return rc;
}

static int plan_item(ck__arc_plan *p, ck__arc *a, yajl_val item, size_t i)
{
	yajl_val cfg_name, tags, layer_names;
	ck__arc_entry *config, **layers = NULL;
	char **layer_digests = NULL, *manifest = NULL, digest[72], what[320];
	ck__arc_image *img;
	size_t n = 0, mlen = 0;
	int rc = CK_OK;

	snprintf(what, sizeof(what), "manifest.json[%zu]", i);
	if (!YAJL_IS_OBJECT(item))
		return ck__error_set(CK_ECORRUPT, "%s: %s: expected an object", a->path, what);
	cfg_name = ck__arc_json_get(item, "Config");
	tags = ck__arc_json_get(item, "RepoTags");
	layer_names = ck__arc_json_get(item, "Layers");
	if (!YAJL_IS_STRING(cfg_name))
		return ck__error_set(CK_ECORRUPT, "%s: %s: \"Config\" must be a string", a->path, what);
	if (!YAJL_IS_ARRAY(layer_names))
		return ck__error_set(CK_ECORRUPT, "%s: %s: \"Layers\" must be an array of strings", a->path, what);
	if (tags && !YAJL_IS_NULL(tags) && !YAJL_IS_ARRAY(tags))
		return ck__error_set(CK_ECORRUPT, "%s: %s: \"RepoTags\" must be an array of strings", a->path, what);
	if (YAJL_IS_ARRAY(tags) && tags->u.array.len && YAJL_IS_STRING(tags->u.array.values[0]))
		/* from here on, messages name the image too */
		snprintf(what, sizeof(what), "manifest.json[%zu] (%.256s)", i,
		         YAJL_GET_STRING(tags->u.array.values[0]));
	if (ck__arc_json_get(item, "LayerSources"))
		return ck__error_set(CK_EUNSUPPORTED, "%s: %s: foreign layers (\"LayerSources\") are not supported",
		                     a->path, what);
	n = layer_names->u.array.len;
	if ((rc = ck__arc_get(&config, a, YAJL_GET_STRING(cfg_name), what)) < 0)
		return rc;
	if (!(layers = calloc(n + 1, sizeof(*layers))) || !(layer_digests = calloc(n + 1, sizeof(*layer_digests)))) {
		rc = ck__oom();
		goto out;
	}
	for (size_t l = 0; l < n; l++) {
		yajl_val v = layer_names->u.array.values[l];
		if (!YAJL_IS_STRING(v)) {
			rc = ck__error_set(CK_ECORRUPT, "%s: %s: \"Layers\"[%zu] must be a string", a->path, what, l);
			goto out;
		}
		if ((rc = ck__arc_get(&layers[l], a, YAJL_GET_STRING(v), what)) < 0)
			goto out;
		layer_digests[l] = layers[l]->digest;
	}
	if ((rc = build_manifest(&manifest, &mlen, a, config, layers, n, what)) < 0)
		goto out;
	char hex[65];
	if ((rc = ck__sha256_hex(hex, manifest, mlen)) < 0)
		goto out;
	snprintf(digest, sizeof(digest), "sha256:%s", hex);
	if ((rc = ck__arc_plan_image(&img, p, digest)) < 0)
		goto out;
	if (!img->config_digest) {
		if ((rc = ck__arc_plan_fill(img, a, config, layer_digests, layers, n, what)) < 0)
			goto out;
		img->manifest = manifest;
		img->manifest_len = mlen;
		manifest = NULL;
	}
	for (size_t t = 0; tags && YAJL_IS_ARRAY(tags) && t < tags->u.array.len; t++) {
		yajl_val v = tags->u.array.values[t];
		char twhat[360];
		snprintf(twhat, sizeof(twhat), "%s: RepoTags[%zu]", what, t);
		if (!YAJL_IS_STRING(v)) {
			rc = ck__error_set(CK_ECORRUPT, "%s: %s must be a string", a->path, twhat);
			goto out;
		}
		if ((rc = ck__arc_plan_add_name(img, a, YAJL_GET_STRING(v), "localhost", twhat)) < 0)
			goto out;
	}
out:
	free(manifest);
	free(layers);
	free(layer_digests);
	return rc;
}

int ck__arc_plan_docker(ck__arc_plan *p, ck__arc *a)
{
	yajl_val items = NULL;
	int rc;

	if ((rc = ck__arc_read_json(&items, a, "manifest.json", MANIFEST_JSON_MAX)) < 0)
		return rc;
	if (!YAJL_IS_ARRAY(items))
		rc = ck__error_set(CK_ECORRUPT, "%s: manifest.json: expected a JSON array", a->path);
	else if (items->u.array.len == 0)
		rc = ck__error_set(CK_ECORRUPT, "%s: manifest.json lists no images", a->path);
	for (size_t i = 0; rc == CK_OK && i < items->u.array.len; i++)
		rc = plan_item(p, a, items->u.array.values[i], i);
	yajl_tree_free(items);
	return rc;
}

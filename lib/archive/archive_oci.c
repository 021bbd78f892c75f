/* Planning the load of an OCI layout (oci-archive or directory): index.json's
 * entries, their names from annotations, and the blobs behind them. */
#define _GNU_SOURCE
#include "archive_int.h"

#include <stdlib.h>
#include <string.h>

#define INDEX_MAX ((size_t)16 << 20)
#define MANIFEST_MAX ((size_t)4 << 20)
#define REF_NAME "org.opencontainers.image.ref.name"
#define CONTAINERD_NAME "io.containerd.image.name" /* buildkit and docker write it (podman#12560) */

/* The manifest behind an index.json entry: itself, or the one for this host
 * when it is an image index (one level deep). */
static int resolve_manifest(ck__manifest **m, ck__arc_entry **me, ck__arc *a, const char *digest, int64_t size,
                            const char *what)
{
	char *json = NULL, *kind = NULL, *mwhat = NULL, *sub = NULL;
	const ck__descriptor *d;
	ck__index *idx = NULL;
	size_t len;
	int rc = CK_OK;

	*m = NULL;
	for (int depth = 0; depth < 2; depth++) {
		free(json);
		free(kind);
		free(mwhat);
		json = kind = NULL;
		if (!(mwhat = ck__asprintf("%s: %s: manifest %s%s", a->path, what, digest,
		                           depth ? " (for this platform)" : ""))) {
			rc = ck__oom();
			break;
		}
		if ((rc = ck__arc_blob(me, a, digest, size, what)) < 0 ||
		    (rc = ck__arc_read(&json, &len, a, *me, MANIFEST_MAX)) < 0 ||
		    (rc = ck__manifest_kind(&kind, json, len, mwhat)) < 0)
			break;
		if (strcmp(kind, CK_MT_OCI_INDEX) && strcmp(kind, CK_MT_DOCKER_LIST)) {
			rc = ck__manifest_parse(m, json, len, mwhat);
			break;
		}
		rc = depth ? ck__error_set(CK_EUNSUPPORTED, "%s: an index nested in an index", mwhat) : CK_OK;
		if (rc == CK_OK && (rc = ck__index_parse(&idx, json, len, mwhat)) == CK_OK &&
		    (rc = ck__index_select(&d, idx, NULL)) < 0)
			ck__error_wrap(rc, "%s", mwhat);
		if (rc == CK_OK && !(sub = ck__strdup(d->digest)))
			rc = ck__oom();
		if (rc < 0)
			break;
		digest = sub;
		size = d->size;
	}
	ck__index_free(idx);
	free(sub);
	free(json);
	free(kind);
	free(mwhat);
	return rc;
}

static int plan_entry(ck__arc_plan *p, ck__arc *a, yajl_val m, size_t i)
{
	char what[320];
	yajl_val digest, size, mt, ann;
	const char *name = NULL;
	ck__manifest *man = NULL;
	ck__arc_entry *me, *config, **layers = NULL;
	char **layer_digests = NULL;
	ck__arc_image *img;
	int rc;

	snprintf(what, sizeof(what), "index.json manifests[%zu]", i);
	if (!YAJL_IS_OBJECT(m))
		return ck__error_set(CK_ECORRUPT, "%s: %s: expected an object", a->path, what);
	digest = ck__arc_json_get(m, "digest");
	size = ck__arc_json_get(m, "size");
	mt = ck__arc_json_get(m, "mediaType");
	ann = ck__arc_json_get(m, "annotations");
	if (!YAJL_IS_STRING(digest))
		return ck__error_set(CK_ECORRUPT, "%s: %s: \"digest\" must be a string", a->path, what);
	if (size && !YAJL_IS_INTEGER(size))
		return ck__error_set(CK_ECORRUPT, "%s: %s: \"size\" must be an integer", a->path, what);
	if (size && YAJL_GET_INTEGER(size) < 0)
		return ck__error_set(CK_ECORRUPT, "%s: %s: \"size\" is negative", a->path, what);
	if (mt && !YAJL_IS_STRING(mt))
		return ck__error_set(CK_ECORRUPT, "%s: %s: \"mediaType\" must be a string", a->path, what);
	if (ann && !YAJL_IS_OBJECT(ann))
		return ck__error_set(CK_ECORRUPT, "%s: %s: \"annotations\" must be an object", a->path, what);
	if (ann) {
		yajl_val v = ck__arc_json_get(ann, CONTAINERD_NAME);
		if (!v || (YAJL_IS_STRING(v) && !*YAJL_GET_STRING(v)))
			v = ck__arc_json_get(ann, REF_NAME);
		if (v && !YAJL_IS_STRING(v))
			return ck__error_set(CK_ECORRUPT, "%s: %s: annotation %s must be a string", a->path, what,
			                     ck__arc_json_get(ann, CONTAINERD_NAME) == v ? CONTAINERD_NAME : REF_NAME);
		if (v && *YAJL_GET_STRING(v))
			name = YAJL_GET_STRING(v);
	}
	if (name) /* from here on, messages name the image too */
		snprintf(what, sizeof(what), "index.json manifests[%zu] (%.256s)", i, name);
	if ((rc = resolve_manifest(&man, &me, a, YAJL_GET_STRING(digest), size ? YAJL_GET_INTEGER(size) : -1,
	                           what)) < 0)
		return rc;
	if ((rc = ck__arc_plan_image(&img, p, me->digest)) < 0)
		goto out;
	if (!img->config_digest) {
		char lwhat[360];
		img->manifest_entry = me;
		snprintf(lwhat, sizeof(lwhat), "%s: config", what);
		if ((rc = ck__arc_blob(&config, a, man->config.digest, man->config.size, lwhat)) < 0)
			goto out;
		if (!(layers = calloc(man->n_layers + 1, sizeof(*layers))) ||
		    !(layer_digests = calloc(man->n_layers + 1, sizeof(*layer_digests)))) {
			rc = ck__oom();
			goto out;
		}
		for (size_t l = 0; l < man->n_layers; l++) {
			snprintf(lwhat, sizeof(lwhat), "%s: layer %zu", what, l + 1);
			if ((rc = ck__arc_blob(&layers[l], a, man->layers[l].digest, man->layers[l].size, lwhat)) < 0)
				goto out;
			layer_digests[l] = man->layers[l].digest;
		}
		if ((rc = ck__arc_plan_fill(img, a, config, layer_digests, layers, man->n_layers, what)) < 0)
			goto out;
	}
	if (name)
		rc = ck__arc_plan_add_name(img, a, name, "localhost", what);
out:
	free(layers);
	free(layer_digests);
	ck__manifest_free(man);
	return rc;
}

int ck__arc_plan_oci(ck__arc_plan *p, ck__arc *a)
{
	yajl_val layout = NULL, index = NULL, v, manifests;
	int rc;

	if ((rc = ck__arc_read_json(&layout, a, "oci-layout", 64 * 1024)) < 0)
		return rc;
	v = YAJL_IS_OBJECT(layout) ? ck__arc_json_get(layout, "imageLayoutVersion") : NULL;
	if (!v || !YAJL_IS_STRING(v)) {
		rc = ck__error_set(CK_ECORRUPT, "%s: oci-layout: expected an object with a string "
		                   "\"imageLayoutVersion\"", a->path);
		goto out;
	}
	const char *version = YAJL_GET_STRING(v);
	if (!version || strcmp(version, "1.0.0")) {
		rc = ck__error_set(CK_EUNSUPPORTED, "%s: oci-layout: imageLayoutVersion \"%s\" is not supported "
		                   "(only 1.0.0)", a->path, version ? version : "");
		goto out;
	}
	if ((rc = ck__arc_read_json(&index, a, "index.json", INDEX_MAX)) < 0)
		goto out;
	if (!YAJL_IS_OBJECT(index)) {
		rc = ck__error_set(CK_ECORRUPT, "%s: index.json: expected a JSON object", a->path);
		goto out;
	}
	manifests = ck__arc_json_get(index, "manifests");
	if (!manifests || !YAJL_IS_ARRAY(manifests)) {
		rc = ck__error_set(CK_ECORRUPT, "%s: index.json: \"manifests\" must be an array", a->path);
		goto out;
	}
	if (manifests->u.array.len == 0) {
		rc = ck__error_set(CK_ECORRUPT, "%s: index.json lists no images", a->path);
		goto out;
	}
	for (size_t i = 0; rc == CK_OK && i < manifests->u.array.len; i++)
		rc = plan_entry(p, a, manifests->u.array.values[i], i);
out:
	yajl_tree_free(layout);
	yajl_tree_free(index);
	return rc;
}

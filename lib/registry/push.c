/* ck_image_push: a local image's manifest, config and layers to a
 * registry.  Blobs the registry has are skipped; the manifest goes last and
 * unchanged, so the image keeps its digest and id on the other side. */
#define _GNU_SOURCE
#include "image/image.h"
#include "registry/registry.h"

#include <stdlib.h>
#include <string.h>

static void progress(const ck_registry_options *opts, const char *phase, const char *digest, uint64_t done,
                     uint64_t total)
{
	if (opts && opts->progress)
		opts->progress(phase, digest, done, total, opts->progress_payload);
}

static int push_blob(ck__registry *reg, ck_context *ctx, const ck__descriptor *d, const ck_registry_options *opts)
{
	bool exists = false;
	char *path;
	int rc;

	if ((rc = ck__registry_blob_exists(&exists, reg, d->digest)) != CK_OK)
		return rc;
	if (exists) {
		progress(opts, "skip", d->digest, (uint64_t)d->size, (uint64_t)d->size);
		return CK_OK;
	}
	if (!(path = ck__blob_path(ctx, d->digest)))
		return ck__error_set(CK_ECORRUPT, "the manifest names an invalid blob digest \"%s\"", d->digest);
	if (!ck__path_exists(path))
		rc = ck__error_set(CK_ECORRUPT, "blob %s is missing from the store (run ck system check)", d->digest);
	else
		rc = ck__registry_put_blob(reg, d->digest, path, d->size, opts ? opts->progress : NULL,
		                           opts ? opts->progress_payload : NULL);
	free(path);
	return rc;
}

/* The destination: `dest`; else the reference the image was named by, as
 * the user wrote it (a second tag pushes as that tag, not as the first
 * name); else, for an image given by id, its first name. */
static int destination(ck__ref *out, ck_context *ctx, const char *image, const char *named, const char *dest)
{
	ck_image *img = NULL;
	const char *const *names;
	int rc;

	if (dest) {
		static const char *const others[] = { "oci:", "oci-archive:", "docker-archive:", "dir:",
			                              "containers-storage:", "docker-daemon:", NULL };
		if (ck__str_has_prefix(dest, "docker://"))
			dest += 9;
		for (int i = 0; others[i]; i++)
			if (ck__str_has_prefix(dest, others[i]))
				return ck__error_set(CK_EUNSUPPORTED, "cannot push to %s: only registries (docker://) "
				                     "are supported; ck save writes archives", dest);
		return ck__ref_parse(out, dest, "docker.io");
	}
	if (named)
		return ck__ref_parse(out, named, NULL);
	if ((rc = ck_image_lookup(&img, ctx, image)) != CK_OK)
		return rc;
	names = ck_image_names(img);
	if (!names || !names[0])
		rc = ck__error_set(CK_EINVAL, "image %s has no name: give a destination to push it to", image);
	else
		rc = ck__ref_parse(out, names[0], NULL);
	ck_image_free(img);
	return rc;
}

int ck_image_push(char **digest, ck_context *ctx, const char *image, const char *dest,
                  const ck_registry_options *opts)
{
	char *id = NULL, *named = NULL, *json = NULL, *mdigest = NULL, *mt = NULL, *where = NULL, what[600];
	ck__ref ref = { 0 };
	ck__manifest *m = NULL;
	ck__registry *reg = NULL;
	ck_registry_options loaded;
	ck__image_progress relay;
	size_t len = 0;
	int rc;

	CK_ENTER();
	if (digest)
		*digest = NULL;
	if (!ctx || !image || !*image)
		return ck__error_set(CK_EINVAL, "ck_image_push: %s is NULL or empty", !ctx ? "ctx" : "image");
	if ((rc = ck__registry_options_load(&loaded, &relay, opts)) != CK_OK)
		return rc;
	opts = &loaded;
	if ((rc = ck__image_resolve_named(&id, &named, ctx, image)) != CK_OK) {
		ck__image_progress_free(&relay);
		return rc;
	}
	if ((rc = destination(&ref, ctx, image, named, dest)) != CK_OK)
		goto out;
	CK_ENTER(); /* ck_image_lookup may have run */
	if (!(where = ck__ref_string(&ref))) {
		rc = ck__oom();
		goto out;
	}
	if ((rc = ck__image_manifest(&json, &len, &mdigest, &mt, ctx, id)) != CK_OK)
		goto out;
	if (ref.digest && strcmp(ref.digest, mdigest) != 0) {
		rc = ck__error_set(CK_EINVAL, "cannot push image %s as %s: its manifest digest is %s", image, where,
		                   mdigest);
		goto out;
	}
	snprintf(what, sizeof(what), "the manifest of image %s", id);
	if ((rc = ck__manifest_parse(&m, json, len, what)) != CK_OK)
		goto out;
	if ((rc = ck__registry_open(&reg, ctx, ref.registry, ref.repo, opts)) != CK_OK)
		goto out;
	ck__registry_set_push(reg);
	ck__image_progress_expect(opts, m->n_layers + 2); /* the layers, the config and the manifest */
	for (size_t i = 0; i < m->n_layers && rc == CK_OK; i++)
		rc = push_blob(reg, ctx, &m->layers[i], opts);
	if (rc == CK_OK)
		rc = push_blob(reg, ctx, &m->config, opts);
	if (rc == CK_OK)
		rc = ck__registry_put_manifest(reg, ref.tag ? ref.tag : ref.digest, json, len,
		                               mt && *mt ? mt : m->media_type);
	if (rc == CK_OK)
		progress(opts, "write", mdigest, len, len);
	if (rc == CK_OK && digest) {
		*digest = mdigest;
		mdigest = NULL;
	}
out:
	if (rc != CK_OK && rc != CK_ENOMEM)
		ck__error_wrap(rc, "pushing %s to %s", image, where ? where : dest ? dest : "its registry");
	ck__registry_free(reg);
	ck__manifest_free(m);
	ck__ref_free(&ref);
	free(where);
	free(id);
	free(named);
	free(json);
	free(mdigest);
	free(mt);
	ck__image_progress_free(&relay);
	return rc;
}

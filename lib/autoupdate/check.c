/* Whether a labelled container's image changed: the registry policy asks the
 * registry for the manifest its image name points to now, the local policy
 * looks the name up in the local store. */
#define _GNU_SOURCE
#include "autoupdate_int.h"
#include "container/container.h"
#include "image/image.h"
#include "registry/registry.h"

#include <stdlib.h>
#include <string.h>

/* The digest of the manifest `ref` names in its registry, an index resolved
 * to this platform's entry as a pull would. */
static int remote_digest(char **out, ck_context *ctx, const ck__ref *ref, const ck_autoupdate_options *o)
{
	ck_registry_options ro = CK_REGISTRY_OPTIONS_INIT;
	ck__registry *reg = NULL;
	ck__index *idx = NULL;
	const ck__descriptor *d;
	char *body = NULL, *mt = NULL, *kind = NULL, *digest = NULL, what[512];
	size_t len = 0;
	int rc;

	*out = NULL;
	ro.tls_verify = o->tls_verify;
	ro.authfile = o->authfile;
	snprintf(what, sizeof(what), "the manifest of %s/%s:%s", ref->registry, ref->repo, ref->tag);
	if ((rc = ck__reg_open(&reg, ctx, ref->registry, ref->repo, &ro)) != CK_OK ||
	    (rc = ck__reg_get_manifest(&body, &len, &mt, &digest, reg, ref->tag)) != CK_OK ||
	    (rc = ck__manifest_kind(&kind, body, len, what)) != CK_OK)
		goto out;
	if (strcmp(kind, CK_MT_OCI_INDEX) != 0 && strcmp(kind, CK_MT_DOCKER_LIST) != 0) {
		*out = digest;
		digest = NULL;
		goto out;
	}
	if ((rc = ck__index_parse(&idx, body, len, what)) != CK_OK || (rc = ck__index_select(&d, idx, NULL)) != CK_OK)
		goto out;
	if (!(*out = strdup(d->digest)))
		rc = ck__oom();
out:
	ck__index_free(idx);
	ck__reg_free(reg);
	free(body);
	free(mt);
	free(kind);
	free(digest);
	return rc;
}

static int check_registry(bool *pending, ck_context *ctx, ck_container *ctr, const char *name,
                          const ck_autoupdate_options *o)
{
	ck__ref ref = { 0 };
	ck_image *img = NULL;
	char *remote = NULL;
	int rc;

	if (ck__ref_is_short(name))
		return ck__error_set(CK_EINVAL, "image \"%s\" is not fully qualified: the registry policy needs "
		                                "a name with its registry (REGISTRY/REPOSITORY:TAG), or use the "
		                                "local policy", name);
	if ((rc = ck__ref_parse(&ref, name, NULL)) != CK_OK)
		return rc;
	if (ref.digest && !ref.tag) {
		rc = ck__error_set(CK_EINVAL, "image \"%s\" is pinned by digest: there is no newer image to "
		                              "look for; name it by tag", name);
		goto out;
	}
	if ((rc = ck_image_lookup(&img, ctx, ck_container_image_id(ctr))) != CK_OK) {
		rc = ck__error_wrap(rc, "the container's image %.12s", ck_container_image_id(ctr));
		goto out;
	}
	if ((rc = remote_digest(&remote, ctx, &ref, o)) != CK_OK)
		goto out;
	*pending = strcmp(remote, ck_image_digest(img) ? ck_image_digest(img) : "") != 0;
out:
	free(remote);
	ck_image_free(img);
	ck__ref_free(&ref);
	return rc;
}

static int check_local(bool *pending, char **new_id, ck_context *ctx, ck_container *ctr, const char *name)
{
	char *id = NULL;
	int rc = ck__image_resolve(&id, ctx, name);

	if (rc == CK_ENOTFOUND)
		return ck__error_set(CK_ENOTFOUND, "image \"%s\" is not in the local store any more", name);
	if (rc != CK_OK)
		return rc;
	*pending = strcmp(id, ck_container_image_id(ctr)) != 0;
	if (new_id)
		*new_id = id;
	else
		free(id);
	return CK_OK;
}

int ck__au_check(bool *pending, char **new_id, ck_context *ctx, ck_container *ctr, int policy,
                 const ck_autoupdate_options *o)
{
	const char *name = NULL;
	int rc;

	*pending = false;
	if (new_id)
		*new_id = NULL;
	if ((rc = ck__ctr_image_ref(&name, ctr)) != CK_OK)
		return rc;
	if (policy == CK__AU_REGISTRY)
		return check_registry(pending, ctx, ctr, name, o);
	return check_local(pending, new_id, ctx, ctr, name);
}

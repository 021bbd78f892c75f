/* The public image reference: podman's parsing and normalisation rules
 * (ref.c) as a handle with typed parts, so that callers never cut names up
 * themselves. */
#define _GNU_SOURCE
#include "image/image.h"

#include <stdlib.h>
#include <string.h>

struct ck_image_reference {
	ck__ref ref;
	char *name; /* registry/repo[:tag][@digest] */
	char *repo; /* registry/repo */
};

void ck_image_reference_free(ck_image_reference *r)
{
	if (!r)
		return;
	ck__ref_free(&r->ref);
	free(r->name);
	free(r->repo);
	free(r);
}

int ck_image_reference_parse(ck_image_reference **out, const char *text, const char *default_registry)
{
	ck_image_reference *r;
	int rc;

	CK_ENTER();
	if (!out)
		return ck__error_set(CK_EINVAL, "ck_image_reference_parse: out is NULL");
	*out = NULL;
	if (!text)
		return ck__error_set(CK_EINVAL, "ck_image_reference_parse: text is NULL");
	if (ck__str_has_prefix(text, "docker://"))
		text += 9;
	if (!(r = calloc(1, sizeof(*r))))
		return ck__oom();
	if ((rc = ck__ref_parse(&r->ref, text, default_registry ? default_registry : "docker.io")) != CK_OK) {
		ck_image_reference_free(r);
		return rc;
	}
	if (!(r->name = ck__ref_string(&r->ref)) || !(r->repo = ck__ref_repo_string(&r->ref))) {
		ck_image_reference_free(r);
		return ck__oom();
	}
	*out = r;
	return CK_OK;
}

const char *ck_image_reference_name(const ck_image_reference *r)
{
	return r ? r->name : NULL;
}

const char *ck_image_reference_registry(const ck_image_reference *r)
{
	return r ? r->ref.registry : NULL;
}

const char *ck_image_reference_repository(const ck_image_reference *r)
{
	return r ? r->ref.repo : NULL;
}

const char *ck_image_reference_repository_name(const ck_image_reference *r)
{
	return r ? r->repo : NULL;
}

const char *ck_image_reference_tag(const ck_image_reference *r)
{
	return r ? r->ref.tag : NULL;
}

const char *ck_image_reference_digest(const ck_image_reference *r)
{
	return r ? r->ref.digest : NULL;
}

int ck_image_reference_is_short(const char *text)
{
	if (text && ck__str_has_prefix(text, "docker://"))
		return 0;
	return text && *text && ck__ref_is_short(text);
}

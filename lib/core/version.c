/* Run-time version and feature queries, and the one way versioned structs
 * of one layout are initialised. */
#include "core.h"

#include <string.h>

static const char *const features[] = {
	CK_FEATURE_BACKEND_SQLITE,
	CK_FEATURE_BACKEND_LMDB,
	CK_FEATURE_RUNTIME_CRUN,
	CK_FEATURE_RUNTIME_RUNC,
	NULL,
};

const char *ck_version(void)
{
	return CK_VERSION_STRING;
}

int ck_version_number(void)
{
	return CK_VERSION_NUMBER;
}

int ck_feature_enabled(const char *name)
{
	CK_ENTER();
	if (!name)
		return 0;
	for (int i = 0; features[i]; i++)
		if (!strcmp(features[i], name))
			return 1;
	return 0;
}

const char *const *ck_features(void)
{
	return features;
}

int ck__versioned_init(void *out, const void *init, size_t size, unsigned int version, unsigned int known,
                       const char *who, const char *type)
{
	CK_ENTER();
	if (!out)
		return ck__error_set(CK_EINVAL, "%s is NULL", who);
	if (version == 0 || version > known)
		return ck__error_set(CK_EVERSION, "%s version %u is not known", type, version);
	if (init)
		memcpy(out, init, size);
	else
		memset(out, 0, size);
	*(unsigned int *)out = version; /* every versioned struct starts with it */
	return CK_OK;
}

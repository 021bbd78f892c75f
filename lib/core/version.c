/* Run-time version and feature queries. */
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

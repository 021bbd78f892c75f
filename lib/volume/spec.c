/* Volume specs: the builder handed to ck_volume_create(). */
#include "volume_int.h"

#include <stdlib.h>
#include <string.h>

int ck_volume_spec_new(ck_volume_spec **out)
{
	ck_volume_spec *spec;

	CK_ENTER();
	if (!out)
		return ck__error_set(CK_EINVAL, "ck_volume_spec_new: out is NULL");
	*out = NULL;
	spec = calloc(1, sizeof(*spec));
	if (!spec)
		return ck__oom();
	spec->driver = ck__strdup("local");
	if (!spec->driver) {
		free(spec);
		return ck__oom();
	}
	*out = spec;
	return CK_OK;
}

void ck_volume_spec_free(ck_volume_spec *spec)
{
	if (!spec)
		return;
	free(spec->name);
	free(spec->driver);
	ck__strmap_free(&spec->labels);
	free(spec);
}

int ck_volume_spec_set_name(ck_volume_spec *spec, const char *name)
{
	char *copy;
	int rc;

	CK_ENTER();
	if (!spec)
		return ck__error_set(CK_EINVAL, "ck_volume_spec_set_name: spec is NULL");
	if (!name)
		return ck__error_set(CK_EINVAL, "ck_volume_spec_set_name: name is NULL");
	if ((rc = ck__validate_name(name, "volume")) != CK_OK)
		return rc;
	if (!(copy = ck__strdup(name)))
		return ck__oom();
	free(spec->name);
	spec->name = copy;
	return CK_OK;
}

int ck_volume_spec_set_driver(ck_volume_spec *spec, const char *driver)
{
	CK_ENTER();
	if (!spec)
		return ck__error_set(CK_EINVAL, "ck_volume_spec_set_driver: spec is NULL");
	if (!driver)
		return ck__error_set(CK_EINVAL, "ck_volume_spec_set_driver: driver is NULL");
	if (strcmp(driver, "local") != 0)
		return ck__error_set(CK_EUNSUPPORTED,
		                     "volume driver \"%s\" is not supported: only \"local\" is", driver);
	/* Already "local": nothing else can be set. */
	return CK_OK;
}

static int check_label_key(const char *key, size_t len)
{
	if (len == 0)
		return ck__error_set(CK_EINVAL, "invalid volume label: the key is empty");
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)key[i] < 32 || key[i] == '=')
			return ck__error_set(CK_EINVAL,
			                     "invalid volume label key \"%.*s\": it must not contain '=' "
			                     "or control characters",
			                     (int)len, key);
	return CK_OK;
}

int ck_volume_spec_set_label(ck_volume_spec *spec, const char *key, const char *value)
{
	int rc;

	CK_ENTER();
	if (!spec)
		return ck__error_set(CK_EINVAL, "ck_volume_spec_set_label: spec is NULL");
	if (!key)
		return ck__error_set(CK_EINVAL, "ck_volume_spec_set_label: key is NULL");
	if (!value)
		return ck__error_set(CK_EINVAL, "ck_volume_spec_set_label: value is NULL (use \"\")");
	if ((rc = check_label_key(key, strlen(key))) != CK_OK)
		return rc;
	return ck__strmap_set(&spec->labels, key, value);
}

int ck_volume_spec_add_label_string(ck_volume_spec *spec, const char *key_value)
{
	const char *eq;
	char *key;
	int rc;

	CK_ENTER();
	if (!spec)
		return ck__error_set(CK_EINVAL, "ck_volume_spec_add_label_string: spec is NULL");
	if (!key_value)
		return ck__error_set(CK_EINVAL, "ck_volume_spec_add_label_string: label is NULL");
	eq = strchr(key_value, '=');
	if (!eq)
		eq = key_value + strlen(key_value);
	if ((rc = check_label_key(key_value, (size_t)(eq - key_value))) != CK_OK) {
		if (eq == key_value)
			return ck__error_set(CK_EINVAL, "invalid volume label \"%s\": the key is empty "
			                                "(use KEY=VALUE)", key_value);
		return rc;
	}
	key = strndup(key_value, (size_t)(eq - key_value));
	if (!key)
		return ck__oom();
	rc = ck__strmap_set(&spec->labels, key, *eq ? eq + 1 : "");
	free(key);
	return rc;
}

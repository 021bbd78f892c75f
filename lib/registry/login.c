/* ck_registry_login / ck_registry_logout: credentials checked against the
 * registry, then kept in podman's auth.json. */
#define _GNU_SOURCE
#include "image/image.h"
#include "registry/registry.h"

#include <stdlib.h>
#include <string.h>

/* "https://host:port/" -> "host:port", as podman accepts it. */
static int registry_name(char **out, const char *text)
{
	size_t n;

	*out = NULL;
	if (!text || !*text)
		return ck__error_set(CK_EINVAL, "no registry given");
	if (ck__str_has_prefix(text, "https://"))
		text += 8;
	else if (ck__str_has_prefix(text, "http://"))
		text += 7;
	if (!(*out = ck__strdup(text)))
		return ck__oom();
	n = strlen(*out);
	while (n && (*out)[n - 1] == '/')
		(*out)[--n] = '\0';
	if (!n || strpbrk(*out, "/ \t\r\n?#@")) {
		int rc = ck__error_set(CK_EINVAL, "invalid registry \"%s\": give HOST[:PORT] only", text);
		free(*out);
		*out = NULL;
		return rc;
	}
	return CK_OK;
}

int ck_registry_login(ck_context *ctx, const char *registry, const char *username, const char *password,
                      const ck_registry_options *opts)
{
	char *reg = NULL;
	int rc;

	CK_ENTER();
	if (!ctx)
		return ck__error_set(CK_EINVAL, "ck_registry_login: ctx is NULL");
	if (!username || !*username)
		return ck__error_set(CK_EINVAL, "logging in: a user name is required");
	if (!password || !*password)
		return ck__error_set(CK_EINVAL, "logging in: a password is required");
	if (strchr(username, ':'))
		return ck__error_set(CK_EINVAL, "logging in: the user name may not contain ':'");
	if (opts && (opts->version == 0 || opts->version > CK_REGISTRY_OPTIONS_VERSION))
		return ck__error_set(CK_EVERSION, "unknown ck_registry_options version %u", opts->version);
	if ((rc = registry_name(&reg, registry)) != CK_OK)
		return rc;
	if ((rc = ck__registry_check_login(ctx, reg, username, password, opts)) == CK_OK)
		rc = ck__auth_store(opts, reg, username, password);
	free(reg);
	return rc;
}

int ck_registry_logout(ck_context *ctx, const char *registry, const ck_registry_options *opts)
{
	char *reg = NULL;
	int rc;

	CK_ENTER();
	(void)ctx;
	if (opts && (opts->version == 0 || opts->version > CK_REGISTRY_OPTIONS_VERSION))
		return ck__error_set(CK_EVERSION, "unknown ck_registry_options version %u", opts->version);
	if (registry && (rc = registry_name(&reg, registry)) != CK_OK)
		return rc;
	rc = ck__auth_remove(opts, reg);
	free(reg);
	return rc;
}

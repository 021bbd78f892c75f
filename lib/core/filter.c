/* podman's --filter KEY=VALUE lists, parsed once for every kind of object
 * (containers, pods, images, volumes, networks), and the label= test they
 * all share. */
#define _GNU_SOURCE
#include "core.h"

#include <stdlib.h>
#include <string.h>

/* "a, b, c" for the error that lists the known keys. */
static void known_keys(char *buf, size_t size, const char *const *keys)
{
	size_t len = 0;

	buf[0] = '\0';
	for (size_t k = 0; keys[k] && len < size; k++)
		len += (size_t)snprintf(buf + len, size - len, "%s%s", k ? ", " : "", keys[k]);
}

int ck__filters_parse(const char *kind, const char *const *keys, unsigned int flags,
                      const char *const *filters, ck__filter_fn fn, void *payload)
{
	int rc = CK_OK;

	for (size_t i = 0; filters && filters[i] && rc == CK_OK; i++) {
		const char *flt = filters[i], *eq = strchr(flt, '=');
		size_t klen = eq ? (size_t)(eq - flt) : 0, k;
		char known[256];

		if (!eq || eq == flt)
			return ck__error_set(CK_EINVAL, "invalid %s filter \"%s\": use KEY=VALUE", kind, flt);
		for (k = 0; keys[k]; k++)
			if (strlen(keys[k]) == klen && !strncmp(keys[k], flt, klen))
				break;
		if (!keys[k]) {
			known_keys(known, sizeof(known), keys);
			return ck__error_set(CK_EINVAL, "invalid %s filter \"%s\": unknown key \"%.*s\" (known: %s)",
			                     kind, flt, (int)klen, flt, known);
		}
		if ((flags & CK__FILTER_NONEMPTY) && !eq[1])
			return ck__error_set(CK_EINVAL, "invalid %s filter \"%s\": the value is empty", kind, flt);
		if ((flags & CK__FILTER_NONEMPTY) && !strcmp(keys[k], "label") && eq[1] == '=')
			return ck__error_set(CK_EINVAL, "invalid %s filter \"%s\": the label key is empty", kind, flt);
		if (fn)
			rc = fn(k, eq + 1, flt, payload);
	}
	return rc;
}

int ck__filter_bool(bool *out, const char *kind, const char *flt, const char *val)
{
	if (!strcmp(val, "true") || !strcmp(val, "1"))
		*out = true;
	else if (!strcmp(val, "false") || !strcmp(val, "0"))
		*out = false;
	else
		return ck__error_set(CK_EINVAL, "invalid %s filter \"%s\": %.*s takes true or false", kind, flt,
		                     (int)(strchr(flt, '=') - flt), flt);
	return CK_OK;
}

bool ck__label_filter_match(const char *want, ck__label_get_fn get, const void *obj)
{
	const char *eq = strchr(want, '='), *have;
	char *key;
	bool match;

	if (!eq)
		return get(obj, want) != NULL;
	/* Out of memory, the label cannot be looked up: it does not match. */
	if (!(key = strndup(want, (size_t)(eq - want))))
		return false;
	have = get(obj, key);
	match = have && !strcmp(have, eq + 1);
	free(key);
	return match;
}

static const char *strmap_get(const void *map, const char *key)
{
	return ck__strmap_get(map, key);
}

bool ck__label_filter_match_map(const char *want, const ck__strmap *labels)
{
	return ck__label_filter_match(want, strmap_get, labels);
}

/* Environment from -e arguments and env files, with podman's rules: "K=V",
 * a bare "K" copied from the caller's environment, "K*" copying every
 * variable with that prefix, '#' comments and blank lines in files. */
#define _GNU_SOURCE
#include "container_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

extern char **environ;

#define WHITESPACE " \t\n\r\v\f"
#define ENVFILE_MAX (16u << 20)

/* Copies the caller's variables whose names start with `prefix`. */
static int copy_prefixed(ck__strmap *env, const char *prefix)
{
	size_t plen = strlen(prefix);

	for (char **e = environ; e && *e; e++) {
		const char *eq = strchr(*e, '=');
		if (!eq || (size_t)(eq - *e) < plen || strncmp(*e, prefix, plen) != 0)
			continue;
		char *key = strndup(*e, (size_t)(eq - *e));
		if (!key)
			return ck__oom();
		int rc = ck__strmap_set(env, key, eq + 1);
		free(key);
		if (rc != CK_OK)
			return rc;
	}
	return CK_OK;
}

/* One variable definition; `text` has its leading whitespace removed. */
static int apply(ck__strmap *env, const char *text, char *why, size_t why_size)
{
	const char *eq = strchr(text, '=');
	size_t nlen = eq ? (size_t)(eq - text) : strlen(text);
	char *name;
	int rc;

	if (nlen == 0) {
		snprintf(why, why_size, "\"%.80s\" has no variable name", text);
		return CK_EINVAL;
	}
	if (!(name = strndup(text, nlen)))
		return ck__oom();
	if (strpbrk(name, WHITESPACE)) {
		snprintf(why, why_size, "the name \"%.80s\" contains whitespace", name);
		free(name);
		return CK_EINVAL;
	}
	if (eq) {
		rc = ck__strmap_set(env, name, eq + 1);
	} else if (name[nlen - 1] == '*') {
		name[nlen - 1] = '\0';
		rc = copy_prefixed(env, name);
	} else {
		const char *v = getenv(name);
		rc = v ? ck__strmap_set(env, name, v) : CK_OK;
	}
	free(name);
	return rc;
}

int ck__env_apply(ck__strmap *env, const char *text, const char *where)
{
	char why[256];
	int rc = apply(env, text, why, sizeof(why));

	if (rc == CK_EINVAL)
		return ck__error_set(CK_EINVAL, "%s: %s", where, why);
	return rc;
}

int ck__envfile_read(ck__strmap *env, const char *path)
{
	char *text = NULL, *save = NULL, why[256];
	size_t len = 0;
	unsigned int lineno = 0;
	int rc;

	if ((rc = ck__read_file(&text, &len, path, ENVFILE_MAX)) != CK_OK)
		return ck__error_wrap(rc, "cannot read env file %s", path);
	if (memchr(text, '\0', len)) {
		free(text);
		return ck__error_set(CK_EINVAL, "env file %s: it contains a NUL byte (not a text file)", path);
	}
	/* strtok would merge empty lines and lose the line numbers. */
	for (char *line = text; line && rc == CK_OK; line = save) {
		char *nl = strchr(line, '\n');
		save = nl ? nl + 1 : NULL;
		if (nl)
			*nl = '\0';
		else if (!*line)
			break;
		lineno++;
		size_t n = strlen(line);
		if (n && line[n - 1] == '\r')
			line[n - 1] = '\0';
		line += strspn(line, WHITESPACE);
		if (!*line || *line == '#')
			continue;
		rc = apply(env, line, why, sizeof(why));
		if (rc == CK_EINVAL)
			rc = ck__error_set(CK_EINVAL, "env file %s, line %u: %s", path, lineno, why);
	}
	free(text);
	return rc;
}

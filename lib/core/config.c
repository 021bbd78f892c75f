/* containerkit.conf: a flat file of `key = value` lines (values may be
 * double-quoted), with `#` comments.  Every mistake names the file and line. */
#define _GNU_SOURCE
#include "core_int.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static const char *const known_keys[] = { "root", "runroot", "db_backend", "runtime", "log_level",
	"search_registries", "insecure_registries", NULL };

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	size_t n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

static int set_value(ck__config *cfg, const char *key, const char *val)
{
	char **slot = NULL;

	if (!strcmp(key, "root"))
		slot = &cfg->root;
	else if (!strcmp(key, "runroot"))
		slot = &cfg->runroot;
	else if (!strcmp(key, "db_backend"))
		slot = &cfg->db_backend;
	else if (!strcmp(key, "runtime"))
		slot = &cfg->runtime;
	else if (!strcmp(key, "log_level"))
		slot = &cfg->log_level;
	else if (!strcmp(key, "search_registries"))
		slot = &cfg->search_registries;
	else if (!strcmp(key, "insecure_registries"))
		slot = &cfg->insecure_registries;
	if (!slot)
		return CK_ENOTFOUND;
	free(*slot);
	*slot = ck__strdup(val);
	return *slot ? CK_OK : ck__oom();
}

int ck__config_parse(ck__config *cfg, const char *path, const char *text)
{
	char *copy = ck__strdup(text), *save = NULL, *line;
	int lineno = 0, rc = CK_OK;

	if (!copy)
		return ck__oom();
	/* strtok_r would merge empty lines and break the numbering. */
	for (line = copy; line && rc == CK_OK; line = save) {
		char *nl = strchr(line, '\n'), *eq, *key, *val;
		save = nl ? nl + 1 : NULL;
		if (nl)
			*nl = '\0';
		lineno++;
		line = trim(line);
		if (!*line || *line == '#')
			continue;
		if (*line == '[') {
			rc = ck__error_set(CK_ECONFIG, "%s:%d: sections are not used; write 'key = value' lines",
			                   path, lineno);
			break;
		}
		eq = strchr(line, '=');
		if (!eq) {
			rc = ck__error_set(CK_ECONFIG, "%s:%d: expected 'key = value', got \"%.60s\"", path,
			                   lineno, line);
			break;
		}
		*eq = '\0';
		key = trim(line);
		val = trim(eq + 1);
		if (*val == '"') {
			size_t n = strlen(val);
			if (n < 2 || val[n - 1] != '"') {
				rc = ck__error_set(CK_ECONFIG, "%s:%d: unterminated quoted value for '%s'", path,
				                   lineno, key);
				break;
			}
			val[n - 1] = '\0';
			val++;
		}
		for (const unsigned char *p = (const unsigned char *)val; *p; p++)
			if (*p < 32) {
				rc = ck__error_set(CK_ECONFIG, "%s:%d: control character in the value of '%s'",
				                   path, lineno, key);
				break;
			}
		if (rc != CK_OK)
			break;
		rc = set_value(cfg, key, val);
		if (rc == CK_ENOTFOUND) {
			ck__buf known = { 0 };
			for (int i = 0; known_keys[i]; i++)
				ck__buf_printf(&known, "%s%s", i ? ", " : "", known_keys[i]);
			char *k = ck__buf_take(&known);
			rc = ck__error_set(CK_ECONFIG, "%s:%d: unknown key '%.60s' (known keys: %s)", path,
			                   lineno, key, k ? k : "");
			free(k);
		}
	}
	free(copy);
	return rc;
}

int ck__config_load(ck__config *cfg, const char *path, bool must_exist)
{
	char *text = NULL;
	size_t len = 0;
	int rc = ck__read_file(&text, &len, path, 1 << 20);

	if (rc == CK_ENOTFOUND && !must_exist) {
		ck__error_clear();
		return CK_ENOTFOUND;
	}
	if (rc != CK_OK)
		return ck__error_wrap(CK_ECONFIG, "cannot read configuration file");
	if (strlen(text) != len)
		rc = ck__error_set(CK_ECONFIG, "%s: contains a NUL byte; it is not a text file", path);
	else
		rc = ck__config_parse(cfg, path, text);
	free(text);
	return rc;
}

void ck__config_free(ck__config *cfg)
{
	free(cfg->root);
	free(cfg->runroot);
	free(cfg->db_backend);
	free(cfg->runtime);
	free(cfg->log_level);
	free(cfg->search_registries);
	free(cfg->insecure_registries);
	memset(cfg, 0, sizeof(*cfg));
}

int ck__parse_log_level(const char *s, int *out)
{
	static const char *const names[] = { "error", "warn", "info", "debug", "trace" };
	for (int i = 0; i < 5; i++)
		if (!strcasecmp(s, names[i])) {
			*out = i;
			return CK_OK;
		}
	if (!strcasecmp(s, "warning")) {
		*out = CK_LOG_WARN;
		return CK_OK;
	}
	if (!strcasecmp(s, "fatal") || !strcasecmp(s, "panic")) {
		*out = CK_LOG_ERROR;
		return CK_OK;
	}
	return ck__error_set(CK_ECONFIG, "invalid log level \"%s\" (use error, warn, info, debug or trace)", s);
}

/* The unit set handle, writing units into a directory, and the quoting of
 * Exec lines (systemd.service(5), "Command lines"). */
#define _GNU_SOURCE
#include "systemd_int.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int ck__units_add(ck_systemd_units *u, const char *name, char *content)
{
	if (!content)
		return ck__oom();
	if (u->n == u->cap) {
		size_t cap = u->cap ? u->cap * 2 : 4;
		char **n = realloc(u->names, cap * sizeof(*n));
		if (n)
			u->names = n;
		char **c = n ? realloc(u->contents, cap * sizeof(*c)) : NULL;
		if (!n || !c) {
			free(content);
			return ck__oom();
		}
		u->contents = c;
		u->cap = cap;
	}
	if (!(u->names[u->n] = strdup(name))) {
		free(content);
		return ck__oom();
	}
	u->contents[u->n++] = content;
	return CK_OK;
}

bool ck__units_has(const ck_systemd_units *u, const char *name)
{
	for (size_t i = 0; i < u->n; i++)
		if (!strcmp(u->names[i], name))
			return true;
	return false;
}

size_t ck_systemd_units_count(const ck_systemd_units *units)
{
	return units ? units->n : 0;
}

const char *ck_systemd_units_name(const ck_systemd_units *units, size_t i)
{
	return units && i < units->n ? units->names[i] : NULL;
}

const char *ck_systemd_units_content(const ck_systemd_units *units, size_t i)
{
	return units && i < units->n ? units->contents[i] : NULL;
}

/* Adds the space-separated unit names of one WantedBy=/RequiredBy= value to
 * *list; an empty value empties the list, as systemd reads it. */
static int install_values(char ***list, const char *val, size_t len)
{
	if (len == 0) {
		for (size_t i = 0; *list && (*list)[i]; i++)
			free((*list)[i]);
		if (*list)
			(*list)[0] = NULL;
		return CK_OK;
	}
	char *copy = strndup(val, len), *save = NULL;
	int rc = copy ? CK_OK : ck__oom();
	for (char *t = copy ? strtok_r(copy, " \t", &save) : NULL; t && rc == CK_OK; t = strtok_r(NULL, " \t", &save))
		rc = ck__strv_push(list, t);
	free(copy);
	return rc;
}

int ck_systemd_units_install(char ***wanted_by, char ***required_by, const ck_systemd_units *units, size_t i)
{
	char **w = NULL, **r = NULL;
	int rc = CK_OK;

	CK_ENTER();
	if (wanted_by)
		*wanted_by = NULL;
	if (required_by)
		*required_by = NULL;
	if (!units)
		return ck__error_set(CK_EINVAL, "ck_systemd_units_install: units is NULL");
	if (i >= units->n)
		return ck__error_set(CK_ENOTFOUND, "no unit %zu (the set has %zu)", i, units->n);
	if (!(w = calloc(1, sizeof(*w))) || !(r = calloc(1, sizeof(*r)))) {
		free(w);
		return ck__oom();
	}
	/* The library wrote the text, one key a line, so reading its [Install]
	 * section back is exact; callers get the names, not the syntax. */
	bool in_install = false;
	for (const char *p = units->contents[i]; p && *p && rc == CK_OK;) {
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);
		if (len && p[0] == '[')
			in_install = len == 9 && !strncmp(p, "[Install]", 9);
		else if (in_install && len >= 9 && !strncmp(p, "WantedBy=", 9))
			rc = install_values(&w, p + 9, len - 9);
		else if (in_install && len >= 11 && !strncmp(p, "RequiredBy=", 11))
			rc = install_values(&r, p + 11, len - 11);
		p = eol ? eol + 1 : NULL;
	}
	if (rc != CK_OK) {
		ck_strv_free(w);
		ck_strv_free(r);
		return rc;
	}
	if (wanted_by)
		*wanted_by = w;
	else
		ck_strv_free(w);
	if (required_by)
		*required_by = r;
	else
		ck_strv_free(r);
	return CK_OK;
}

void ck_systemd_units_free(ck_systemd_units *units)
{
	if (!units)
		return;
	for (size_t i = 0; i < units->n; i++) {
		free(units->names[i]);
		free(units->contents[i]);
	}
	free(units->names);
	free(units->contents);
	free(units);
}

int ck_systemd_units_write(char ***paths, const ck_systemd_units *units, const char *dir)
{
	char **written = NULL, *abs = NULL;
	int rc = CK_OK;

	CK_ENTER();
	if (paths)
		*paths = NULL;
	if (!units || !dir)
		return ck__error_set(CK_EINVAL, "ck_systemd_units_write: %s is NULL", !units ? "units" : "dir");
	if (!(abs = realpath(dir, NULL)))
		return ck__error_errno(CK_EIO, "cannot write units into %s", dir);
	if (!(written = calloc(units->n + 1, sizeof(*written)))) {
		free(abs);
		return ck__oom();
	}
	for (size_t i = 0; i < units->n && rc == CK_OK; i++) {
		char *p = ck__path_join(abs, units->names[i]);
		if (!p) {
			rc = ck__oom();
			break;
		}
		rc = ck__write_file_atomic(p, units->contents[i], strlen(units->contents[i]), 0644);
		if (rc != CK_OK) {
			rc = ck__error_wrap(rc, "writing unit %s", p);
			free(p);
			break;
		}
		written[i] = p;
	}
	if (rc != CK_OK) {
		/* all or nothing: a half-written set would start half a pod */
		for (size_t i = 0; written[i]; i++)
			unlink(written[i]);
		ck_strv_free(written);
		written = NULL;
	}
	free(abs);
	if (paths)
		*paths = written;
	else
		ck_strv_free(written);
	return rc;
}

static void exec_arg(ck__buf *b, const char *arg, bool keep_pct, bool keep_dollar)
{
	bool quote = !*arg || strpbrk(arg, " \t\n\"'\\") != NULL;

	/* a lone ";" would separate two commands */
	if (!strcmp(arg, ";")) {
		ck__buf_puts(b, "\\;");
		return;
	}
	if (quote)
		ck__buf_puts(b, "\"");
	for (const char *p = arg; *p; p++) {
		switch (*p) {
		case '$': ck__buf_puts(b, keep_dollar ? "$" : "$$"); break;
		case '%': ck__buf_puts(b, keep_pct ? "%" : "%%"); break;
		case '"': ck__buf_puts(b, "\\\""); break;
		case '\\': ck__buf_puts(b, "\\\\"); break;
		case '\n': ck__buf_puts(b, "\\n"); break;
		case '\t': ck__buf_puts(b, "\\t"); break;
		default: ck__buf_add(b, p, 1); break;
		}
	}
	if (quote)
		ck__buf_puts(b, "\"");
}

void ck__exec_arg(ck__buf *b, const char *arg)
{
	exec_arg(b, arg, false, false);
}

void ck__exec_arg_quote(ck__buf *b, const char *arg)
{
	exec_arg(b, arg, true, true);
}

void ck__env_arg(ck__buf *b, const char *arg)
{
	exec_arg(b, arg, false, true);
}

void ck__cmd_add(ck__cmd *c, const char *arg, int raw)
{
	if (c->oom)
		return;
	/* args stays NULL-terminated, so that it reads as an argv */
	if (c->n + 1 >= c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 16;
		char **a = realloc(c->args, cap * sizeof(*a));
		if (a)
			c->args = a;
		unsigned char *r = a ? realloc(c->raw, cap * sizeof(*r)) : NULL;
		if (!a || !r) {
			c->oom = true;
			return;
		}
		c->raw = r;
		c->cap = cap;
	}
	if (!(c->args[c->n] = strdup(arg))) {
		c->oom = true;
		return;
	}
	c->raw[c->n++] = (unsigned char)raw;
	c->args[c->n] = NULL;
}

void ck__cmd_addv(ck__cmd *c, const char *const *args, int raw)
{
	for (size_t i = 0; args && args[i]; i++)
		ck__cmd_add(c, args[i], raw);
}

void ck__cmd_render(ck__buf *b, const ck__cmd *c)
{
	if (c->oom) {
		b->oom = true;
		return;
	}
	for (size_t i = 0; i < c->n; i++) {
		if (i)
			ck__buf_puts(b, c->args[i][0] == '-' ? " \\\n\t" : " ");
		if (c->raw[i] == CK__ARG_RAW)
			ck__buf_puts(b, c->args[i]);
		else
			exec_arg(b, c->args[i], c->raw[i] == CK__ARG_QUOTE, c->raw[i] == CK__ARG_QUOTE);
	}
}

void ck__cmd_free(ck__cmd *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->args[i]);
	free(c->args);
	free(c->raw);
	memset(c, 0, sizeof(*c));
}

int ck__systemd_executable(char **out, const ck_systemd_options *opts)
{
	char buf[PATH_MAX];

	*out = NULL;
	if (opts->executable) {
		if (opts->executable[0] != '/')
			return ck__error_set(CK_EINVAL, "the program that units run must be an absolute path, not \"%s\"",
			                     opts->executable);
		return (*out = strdup(opts->executable)) ? CK_OK : ck__oom();
	}
	ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
	if (n <= 0)
		return ck__error_errno(CK_EIO, "cannot find the program that units should run (/proc/self/exe)");
	buf[n] = '\0';
	return (*out = strdup(buf)) ? CK_OK : ck__oom();
}

int ck_systemd_options_init(ck_systemd_options *opts, unsigned int version)
{
	static const ck_systemd_options init = CK_SYSTEMD_OPTIONS_INIT;

	return ck__versioned_init(opts, &init, sizeof(init), version, CK_SYSTEMD_OPTIONS_VERSION,
	                          "ck_systemd_options_init: opts", "ck_systemd_options");
}

int ck__systemd_opts(ck_systemd_options *out, const ck_systemd_options *opts)
{
	static const char *const policies[] = { "no", "on-success", "on-failure", "on-abnormal", "on-watchdog",
		                                "on-abort", "always", NULL };

	if (!opts) {
		*out = (ck_systemd_options)CK_SYSTEMD_OPTIONS_INIT;
		return CK_OK;
	}
	if (opts->version == 0 || opts->version > CK_SYSTEMD_OPTIONS_VERSION)
		return ck__error_set(CK_EVERSION, "ck_systemd_options version %u is not known", opts->version);
	*out = *opts;
	if (out->restart_policy) {
		bool ok = false;
		for (size_t i = 0; policies[i] && !ok; i++)
			ok = !strcmp(policies[i], out->restart_policy);
		if (!ok)
			return ck__error_set(CK_EINVAL, "%s is not a valid restart policy (use no, on-success, "
			                                "on-failure, on-abnormal, on-watchdog, on-abort or always)",
			                     out->restart_policy);
	}
	for (const char *const *e = out->env; e && *e; e++)
		if (!strchr(*e, '=') || **e == '=')
			return ck__error_set(CK_EINVAL, "environment \"%s\" for the units is not KEY=VALUE", *e);
	return CK_OK;
}

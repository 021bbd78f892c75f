/* Reading unit files as systemd does (systemd.syntax(7)): [Section]
 * headers, Key=Value entries, comments starting with # or ;, and lines
 * continued by a trailing backslash; and splitting a value into words with
 * systemd's quoting. */
#define _GNU_SOURCE
#include "ini.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		s[--n] = '\0';
	return s;
}

static int add_entry(ck__ini *ini, const char *section, const char *key, const char *value, unsigned int line)
{
	if (ini->n == ini->cap) {
		size_t cap = ini->cap ? ini->cap * 2 : 16;
		ck__ini_entry *e = realloc(ini->entries, cap * sizeof(*e));
		if (!e)
			return ck__oom();
		ini->entries = e;
		ini->cap = cap;
	}
	ck__ini_entry *e = &ini->entries[ini->n];
	e->section = strdup(section);
	e->key = strdup(key);
	e->value = strdup(value);
	e->line = line;
	if (!e->section || !e->key || !e->value) {
		free(e->section);
		free(e->key);
		free(e->value);
		return ck__oom();
	}
	ini->n++;
	return CK_OK;
}

static int parse_text(ck__ini *ini, char *text)
{
	char section[128] = "";
	ck__buf logical = { 0 };
	unsigned int lineno = 0, start = 0;
	bool continuing = false;
	int rc = CK_OK;

	for (char *save = NULL, *raw = text; raw && rc == CK_OK; raw = save) {
		char *nl = strchr(raw, '\n');
		save = nl ? nl + 1 : NULL;
		if (nl)
			*nl = '\0';
		lineno++;
		char *line = trim(raw);
		/* comment lines are skipped, also inside a continued entry */
		if (*line == '#' || *line == ';')
			continue;
		if (!continuing) {
			if (!*line)
				continue;
			start = lineno;
		}
		size_t len = strlen(line);
		bool more = len && line[len - 1] == '\\';
		if (more)
			line[--len] = '\0';
		ck__buf_add(&logical, line, len);
		if (more) {
			ck__buf_puts(&logical, " ");
			continuing = true;
			if (save)
				continue;
		}
		continuing = false;
		char *entry = ck__buf_take(&logical);
		if (!entry)
			return ck__oom();
		char *e = trim(entry);
		if (*e == '[') {
			char *end = strchr(e, ']');
			if (!end || end[1] || end == e + 1 || (size_t)(end - e) >= sizeof(section))
				rc = ck__error_set(CK_EINVAL, "%s:%u: bad section header \"%s\"", ini->path, start, e);
			else
				snprintf(section, sizeof(section), "%.*s", (int)(end - e - 1), e + 1);
		} else {
			char *eq = strchr(e, '=');
			if (!eq)
				rc = ck__error_set(CK_EINVAL, "%s:%u: \"%s\" is not KEY=VALUE", ini->path, start, e);
			else if (!*section)
				rc = ck__error_set(CK_EINVAL, "%s:%u: \"%s\" comes before any [section]", ini->path, start, e);
			else {
				*eq = '\0';
				char *key = trim(e), *val = trim(eq + 1);
				if (!*key)
					rc = ck__error_set(CK_EINVAL, "%s:%u: an entry without a key", ini->path, start);
				else
					rc = add_entry(ini, section, key, val, start);
			}
		}
		free(entry);
	}
	ck__buf_free(&logical);
	return rc;
}

int ck__ini_read(ck__ini *ini, const char *path)
{
	FILE *f;
	ck__buf b = { 0 };
	char chunk[4096];
	size_t n;
	int rc;

	memset(ini, 0, sizeof(*ini));
	if (!(ini->path = strdup(path)))
		return ck__oom();
	if (!(f = fopen(path, "re"))) {
		rc = ck__error_errno(CK_EIO, "cannot read %s", path);
		ck__ini_free(ini);
		return rc;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		ck__buf_add(&b, chunk, n);
	bool bad = ferror(f);
	fclose(f);
	char *text = ck__buf_take(&b);
	if (bad)
		rc = ck__error_set(CK_EIO, "cannot read %s", path);
	else if (!text)
		rc = ck__oom();
	else
		rc = parse_text(ini, text);
	free(text);
	if (rc != CK_OK)
		ck__ini_free(ini);
	return rc;
}

void ck__ini_free(ck__ini *ini)
{
	for (size_t i = 0; i < ini->n; i++) {
		free(ini->entries[i].section);
		free(ini->entries[i].key);
		free(ini->entries[i].value);
	}
	free(ini->entries);
	free(ini->path);
	memset(ini, 0, sizeof(*ini));
}

int ck__ini_words(char ***out, const char *value, const ck__ini *ini, unsigned int line)
{
	char **v = NULL;
	ck__buf w = { 0 };
	const char *p = value;
	int rc = CK_OK;

	*out = NULL;
	while (rc == CK_OK) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		bool any = false;
		while (*p && *p != ' ' && *p != '\t') {
			if (*p == '"' || *p == '\'') {
				char q = *p++;
				while (*p && *p != q) {
					if (q == '"' && *p == '\\' && p[1]) {
						p++;
						char c = *p == 'n' ? '\n' : *p == 't' ? '\t' : *p;
						ck__buf_add(&w, &c, 1);
					} else {
						ck__buf_add(&w, p, 1);
					}
					p++;
				}
				if (!*p) {
					rc = ck__error_set(CK_EINVAL, "%s:%u: unbalanced quoting in \"%s\"", ini->path, line,
					                   value);
					break;
				}
				p++;
			} else if (*p == '\\' && p[1]) {
				ck__buf_add(&w, p + 1, 1);
				p += 2;
			} else {
				ck__buf_add(&w, p++, 1);
			}
			any = true;
		}
		if (rc != CK_OK)
			break;
		char *word = any ? ck__buf_take(&w) : NULL;
		if (any && !word) {
			rc = ck__oom();
			break;
		}
		if (word) {
			rc = ck__strv_push(&v, word);
			free(word);
		}
	}
	ck__buf_free(&w);
	if (rc == CK_OK && !v && !(v = calloc(1, sizeof(*v))))
		rc = ck__oom();
	if (rc != CK_OK) {
		ck_strv_free(v);
		return rc;
	}
	*out = v;
	return CK_OK;
}

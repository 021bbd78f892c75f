/* Image references in podman's grammar,
 * [registry[:port]/]repo[:tag][@sha256:hex], their normalization
 * ("docker.io/busybox" -> "docker.io/library/busybox:latest") and the
 * expansion of short names through the search registries. */
#define _GNU_SOURCE
#include "image/image.h"

#include <stdlib.h>
#include <string.h>

#define NAME_MAX_LEN 255 /* registry/repo, as docker's reference package */
#define TAG_MAX_LEN 128

static bool is_lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool is_alnum(char c)
{
	return is_lower_alnum(c) || (c >= 'A' && c <= 'Z');
}

static int bad(const char *text, const char *fmt, const char *arg)
{
	char what[512];

	snprintf(what, sizeof(what), fmt, arg ? arg : "");
	return ck__error_set(CK_EINVAL, "invalid reference \"%s\": %s", text, what);
}

/* The first path component names a registry when it looks like a host:
 * it has a '.' or a ':' (a port), or it is "localhost". */
static bool looks_like_registry(const char *comp, size_t len)
{
	return memchr(comp, '.', len) || memchr(comp, ':', len) ||
	       (len == 9 && !strncmp(comp, "localhost", 9));
}

/* host[:port], where host is dot-separated labels of [A-Za-z0-9-] that
 * neither start nor end with '-', or a bracketed IPv6 address. */
static int check_registry(const char *text, const char *reg, size_t len)
{
	size_t i = 0, host_end;
	const char *colon;

	if (reg[0] == '[') {
		const char *close = memchr(reg, ']', len);
		if (!close || close == reg + 1)
			return bad(text, "the registry's IPv6 address is not closed by ']'", NULL);
		for (const char *p = reg + 1; p < close; p++)
			if (!(ck__is_hex(p, 1) || (*p >= 'A' && *p <= 'F') || *p == ':' || *p == '.'))
				return bad(text, "the registry's IPv6 address has a character that is not allowed",
				           NULL);
		host_end = (size_t)(close - reg) + 1;
		if (host_end < len && reg[host_end] != ':')
			return bad(text, "the registry has characters after its IPv6 address", NULL);
	} else {
		colon = memchr(reg, ':', len);
		host_end = colon ? (size_t)(colon - reg) : len;
		if (host_end == 0)
			return bad(text, "the registry has an empty host name", NULL);
		while (i < host_end) {
			size_t start = i;
			while (i < host_end && reg[i] != '.') {
				if (!is_alnum(reg[i]) && reg[i] != '-')
					return bad(text, "the registry host may only have letters, digits, '-' and '.'",
					           NULL);
				i++;
			}
			if (i == start)
				return bad(text, "the registry host has an empty label (two dots in a row, or a "
				                 "dot at an end)", NULL);
			if (reg[start] == '-' || reg[i - 1] == '-')
				return bad(text, "a label of the registry host starts or ends with '-'", NULL);
			if (i < host_end)
				i++; /* the dot */
			if (i == host_end && reg[i - 1] == '.')
				return bad(text, "the registry host ends with a dot", NULL);
		}
	}
	if (host_end < len) {
		size_t digits = len - host_end - 1;
		if (digits == 0)
			return bad(text, "the registry's port is empty", NULL);
		if (digits > 5)
			return bad(text, "the registry's port is not a port number", NULL);
		for (size_t j = host_end + 1; j < len; j++)
			if (reg[j] < '0' || reg[j] > '9')
				return bad(text, "the registry's port is not a number", NULL);
		if (atoi(reg + host_end + 1) > 65535 || atoi(reg + host_end + 1) == 0)
			return bad(text, "the registry's port is out of range (1-65535)", NULL);
	}
	return CK_OK;
}

/* Path components: [a-z0-9]+ joined by '.', '_', '__' or runs of '-',
 * separated by '/'. */
static int check_path(const char *text, const char *path, size_t len)
{
	size_t i = 0;

	if (len == 0)
		return bad(text, "the repository name is empty", NULL);
	while (i < len) {
		if (path[i] == '/')
			return bad(text, "the repository name has an empty path component", NULL);
		for (;;) {
			size_t run = i;
			while (i < len && is_lower_alnum(path[i]))
				i++;
			if (i == run) {
				if (i < len && path[i] >= 'A' && path[i] <= 'Z')
					return bad(text, "repository name must be lowercase", NULL);
				if (i < len && (path[i] == '.' || path[i] == '_' || path[i] == '-'))
					return bad(text, "a path component of the repository must start and end with a "
					                 "lowercase letter or digit, and separators ('.', '_', '__', '-') "
					                 "must sit between them", NULL);
				if (i == len || path[i] == '/')
					return bad(text, "the repository name has an empty path component", NULL);
				goto bad_char;
			}
			if (i == len || path[i] == '/')
				break;
			if (path[i] >= 'A' && path[i] <= 'Z')
				return bad(text, "repository name must be lowercase", NULL);
			if (path[i] == '.')
				i++;
			else if (path[i] == '_')
				i += (i + 1 < len && path[i + 1] == '_') ? 2 : 1;
			else if (path[i] == '-')
				while (i < len && path[i] == '-')
					i++;
			else
				goto bad_char;
			if (i == len || !is_lower_alnum(path[i])) {
				if (i < len && path[i] >= 'A' && path[i] <= 'Z')
					return bad(text, "repository name must be lowercase", NULL);
				return bad(text, "a path component of the repository must start and end with a "
				                 "lowercase letter or digit, and separators ('.', '_', '__', '-') "
				                 "must sit between them", NULL);
			}
		}
		if (i < len) {
			i++; /* the slash */
			if (i == len)
				return bad(text, "the repository name ends with '/'", NULL);
		}
	}
	return CK_OK;
bad_char: {
	char c[8];
	unsigned char ch = (unsigned char)path[i];
	if (ch > 32 && ch < 127)
		snprintf(c, sizeof(c), "'%c'", ch);
	else
		snprintf(c, sizeof(c), "0x%02x", ch);
	return bad(text, "the repository name has the character %s, which is not allowed", c);
}
}

static int check_tag(const char *text, const char *tag)
{
	size_t len = strlen(tag);

	if (len == 0)
		return bad(text, "the tag after ':' is empty", NULL);
	if (len > TAG_MAX_LEN)
		return bad(text, "the tag is longer than 128 characters", NULL);
	for (size_t i = 0; i < len; i++) {
		char c = tag[i];
		if (is_alnum(c) || c == '_' || (i > 0 && (c == '.' || c == '-')))
			continue;
		if (i == 0 && (c == '.' || c == '-'))
			return bad(text, "the tag must start with a letter, a digit or '_'", NULL);
		return bad(text, "the tag may only have letters, digits, '_', '.' and '-'", NULL);
	}
	return CK_OK;
}

void ck__ref_free(ck__ref *ref)
{
	if (!ref)
		return;
	free(ref->registry);
	free(ref->repo);
	free(ref->tag);
	free(ref->digest);
	memset(ref, 0, sizeof(*ref));
}

static int check_chars(const char *text)
{
	for (const char *p = text; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c <= 32 || c >= 127)
			return ck__error_set(CK_EINVAL, "invalid reference \"%s\": it has %s at position %zu", text,
			                     c == ' ' ? "a space" : "a control or non-ASCII character",
			                     (size_t)(p - text) + 1);
	}
	return CK_OK;
}

int ck__ref_parse(ck__ref *out, const char *text, const char *default_registry)
{
	const char *at, *name_end, *slash, *colon, *path;
	size_t name_len, reg_len = 0, path_len;
	char hex[65];
	int rc;

	memset(out, 0, sizeof(*out));
	if (!text || !*text)
		return ck__error_set(CK_EINVAL, "invalid reference: the reference is empty");
	if ((rc = check_chars(text)) != CK_OK)
		return rc;
	at = strchr(text, '@');
	if (at && strchr(at + 1, '@'))
		return bad(text, "it has more than one '@'", NULL);
	if (at) {
		if (!at[1])
			return bad(text, "the digest after '@' is empty", NULL);
		if ((rc = ck__digest_parse(at + 1, hex)) != CK_OK)
			return ck__error_wrap(rc, "invalid reference \"%s\"", text);
	}
	name_end = at ? at : text + strlen(text);
	/* A ':' after the last '/' starts the tag; one before it is a port. */
	slash = NULL;
	for (const char *p = text; p < name_end; p++)
		if (*p == '/')
			slash = p;
	colon = NULL;
	for (const char *p = slash ? slash : text; p < name_end; p++)
		if (*p == ':')
			colon = p;
	name_len = (size_t)((colon ? colon : name_end) - text);
	if (name_len == 0)
		return bad(text, "the repository name is empty", NULL);

	slash = memchr(text, '/', name_len);
	path = text;
	if (slash && looks_like_registry(text, (size_t)(slash - text))) {
		reg_len = (size_t)(slash - text);
		if ((rc = check_registry(text, text, reg_len)) != CK_OK)
			return rc;
		path = slash + 1;
	}
	path_len = name_len - (size_t)(path - text);
	if ((rc = check_path(text, path, path_len)) != CK_OK)
		return rc;
	if (colon) {
		char tag[TAG_MAX_LEN + 2];
		size_t tl = (size_t)(name_end - colon - 1);
		if (tl > TAG_MAX_LEN)
			return bad(text, "the tag is longer than 128 characters", NULL);
		memcpy(tag, colon + 1, tl);
		tag[tl] = '\0';
		if ((rc = check_tag(text, tag)) != CK_OK)
			return rc;
		if (!(out->tag = ck__strdup(tag)))
			goto oom;
	}

	if (reg_len) {
		out->registry = strndup(text, reg_len);
		if (!out->registry)
			goto oom;
		if (!strcmp(out->registry, "index.docker.io")) {
			free(out->registry);
			if (!(out->registry = ck__strdup("docker.io")))
				goto oom;
		}
	} else if (default_registry) {
		if (!(out->registry = ck__strdup(default_registry)))
			goto oom;
	}
	/* Docker Hub keeps official images under "library/". */
	if (out->registry && !strcmp(out->registry, "docker.io") && !memchr(path, '/', path_len))
		out->repo = ck__asprintf("library/%.*s", (int)path_len, path);
	else
		out->repo = strndup(path, path_len);
	if (!out->repo)
		goto oom;
	if ((out->registry ? strlen(out->registry) + 1 : 0) + strlen(out->repo) > NAME_MAX_LEN) {
		ck__ref_free(out);
		return bad(text, "the name is longer than 255 characters", NULL);
	}
	if (at && !(out->digest = ck__strdup(at + 1)))
		goto oom;
	if (!out->tag && !out->digest && !(out->tag = ck__strdup("latest")))
		goto oom;
	return CK_OK;
oom:
	ck__ref_free(out);
	return ck__oom();
}

char *ck__ref_string(const ck__ref *ref)
{
	return ck__asprintf("%s%s%s%s%s%s%s", ref->registry ? ref->registry : "", ref->registry ? "/" : "",
	                    ref->repo, ref->tag ? ":" : "", ref->tag ? ref->tag : "", ref->digest ? "@" : "",
	                    ref->digest ? ref->digest : "");
}

char *ck__ref_repo_string(const ck__ref *ref)
{
	return ck__asprintf("%s%s%s", ref->registry ? ref->registry : "", ref->registry ? "/" : "", ref->repo);
}

bool ck__ref_is_short(const char *text)
{
	const char *end, *slash;

	if (!text)
		return true;
	end = strchr(text, '@');
	if (!end)
		end = text + strlen(text);
	slash = memchr(text, '/', (size_t)(end - text));
	return !slash || !looks_like_registry(text, (size_t)(slash - text));
}

static int push_unique(char ***v, char *s)
{
	int rc = CK_OK;

	if (!s)
		return ck__oom();
	for (char **p = *v; p && *p; p++)
		if (!strcmp(*p, s))
			goto out;
	rc = ck__strv_push(v, s);
out:
	free(s);
	return rc;
}

int ck__ref_candidates(char ***out, const ck_context *ctx, const char *text)
{
	ck__ref ref;
	char **v = NULL;
	int rc;

	*out = NULL;
	if (!ck__ref_is_short(text)) {
		if ((rc = ck__ref_parse(&ref, text, NULL)) != CK_OK)
			return rc;
		rc = push_unique(&v, ck__ref_string(&ref));
		ck__ref_free(&ref);
	} else {
		if ((rc = ck__ref_parse(&ref, text, "localhost")) != CK_OK)
			return rc;
		rc = push_unique(&v, ck__ref_string(&ref));
		ck__ref_free(&ref);
		for (char **r = ctx ? ctx->search_registries : NULL; rc == CK_OK && r && *r; r++) {
			if (!**r)
				continue;
			if ((rc = ck__ref_parse(&ref, text, *r)) != CK_OK)
				break;
			rc = push_unique(&v, ck__ref_string(&ref));
			ck__ref_free(&ref);
		}
	}
	if (rc != CK_OK) {
		ck_strv_free(v);
		return rc;
	}
	*out = v;
	return CK_OK;
}

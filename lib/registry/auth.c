/* Credentials in podman's auth.json ({"auths":{"host:port":{"auth":
 * base64("user:pass")}}}): where the file lives, looking an entry up (the
 * most specific "host/namespace" key first), and storing or removing one
 * while keeping every other entry and key as it was. */
#define _GNU_SOURCE
#include "registry_int.h"

#include <errno.h>
#include "core/libcrypto.h"
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int ck__base64_encode(char **out, const void *data, size_t len)
{
	*out = NULL;
	if (ck__crypto_require() != CK_OK)
		return CK_EUNSUPPORTED;
	*out = malloc(4 * ((len + 2) / 3) + 1);
	if (!*out)
		return ck__oom();
	EVP_EncodeBlock((unsigned char *)*out, data, (int)len);
	return CK_OK;
}

int ck__base64_decode(char **out, size_t *len, const char *text)
{
	size_t n = strlen(text), pad = 0;
	int got;

	*out = NULL;
	if (n % 4 != 0 || n > (1u << 20))
		return ck__error_set(CK_EINVAL, "not valid base64");
	if (ck__crypto_require() != CK_OK)
		return CK_EUNSUPPORTED;
	if (n && text[n - 1] == '=')
		pad++;
	if (n > 1 && text[n - 2] == '=')
		pad++;
	if (!(*out = malloc(n / 4 * 3 + 1)))
		return ck__oom();
	got = EVP_DecodeBlock((unsigned char *)*out, (const unsigned char *)text, (int)n);
	if (got < 0 || (size_t)got < pad) {
		free(*out);
		*out = NULL;
		return ck__error_set(CK_EINVAL, "not valid base64");
	}
	*len = (size_t)got - pad;
	(*out)[*len] = '\0';
	return CK_OK;
}

/* ---- where the file is ---- */

/* The file written by login and read first: opts->authfile,
 * $REGISTRY_AUTH_FILE, then the per-user runtime file.  *only is set when
 * that file is the only one to read (an explicit choice). */
static char *primary_path(const ck_registry_options *opts, bool *only)
{
	const char *env = getenv("REGISTRY_AUTH_FILE"), *rt = getenv("XDG_RUNTIME_DIR");

	*only = true;
	if (opts && opts->authfile && *opts->authfile)
		return ck__strdup(opts->authfile);
	if (env && *env)
		return ck__strdup(env);
	*only = false;
	if (rt && *rt)
		return ck__asprintf("%s/containers/auth.json", rt);
	return ck__asprintf("/run/containers/%u/auth.json", (unsigned)getuid());
}

static int read_paths(char ***out, const ck_registry_options *opts)
{
	const char *home = getenv("HOME"), *xdg = getenv("XDG_CONFIG_HOME");
	bool only;
	char *p = primary_path(opts, &only);
	char **v = NULL;
	int rc = p ? ck__strv_push(&v, p) : ck__oom();

	free(p);
	if (rc == CK_OK && !only) {
		char *a = xdg && *xdg ? ck__asprintf("%s/containers/auth.json", xdg)
		          : home && *home ? ck__asprintf("%s/.config/containers/auth.json", home) : NULL;
		char *b = home && *home ? ck__asprintf("%s/.docker/config.json", home) : NULL;
		if (a)
			rc = ck__strv_push(&v, a);
		if (rc == CK_OK && b)
			rc = ck__strv_push(&v, b);
		free(a);
		free(b);
	}
	if (rc != CK_OK) {
		ck_strv_free(v);
		return rc;
	}
	*out = v;
	return CK_OK;
}

/* Reads and parses an auth file; *doc stays NULL when it does not exist. */
static int load(yajl_val *doc, const char *path)
{
	char *text = NULL;
	size_t len;
	char what[600];
	int rc;

	*doc = NULL;
	rc = ck__read_file(&text, &len, path, 16u << 20);
	if (rc == CK_ENOTFOUND) {
		ck__error_clear();
		return CK_OK;
	}
	if (rc != CK_OK)
		return ck__error_wrap(rc, "reading the auth file");
	snprintf(what, sizeof(what), "auth file %s", path);
	rc = ck__json_parse(doc, text, what, CK_ECONFIG);
	free(text);
	if (rc == CK_OK && !YAJL_IS_OBJECT(*doc)) {
		yajl_tree_free(*doc);
		*doc = NULL;
		rc = ck__error_set(CK_ECONFIG, "auth file %s is not a JSON object", path);
	}
	return rc;
}

/* ---- keys ---- */

/* A key as podman reads it: no scheme, no trailing "/" or docker's "/v1/",
 * and docker.io under one name. */
static char *normalize_key(const char *key)
{
	char *k;
	size_t n;

	if (ck__str_has_prefix(key, "https://"))
		key += 8;
	else if (ck__str_has_prefix(key, "http://"))
		key += 7;
	if (!(k = ck__strdup(key)))
		return NULL;
	n = strlen(k);
	while (n && k[n - 1] == '/')
		k[--n] = '\0';
	if (n > 3 && (!strcmp(k + n - 3, "/v1") || !strcmp(k + n - 3, "/v2")))
		k[n - 3] = '\0';
	if (!strcmp(k, "index.docker.io") || !strcmp(k, "registry-1.docker.io")) {
		free(k);
		return ck__strdup("docker.io");
	}
	return k;
}

static bool key_matches(const char *key, const char *want)
{
	char *k = normalize_key(key);
	bool eq = k && !strcmp(k, want);
	free(k);
	return eq;
}

static int decode_entry(char **user, char **pass, yajl_val entry, const char *key, const char *path)
{
	const char *auth = ck__json_str(entry, "auth");
	char *plain = NULL, *colon;
	size_t len;

	if (!auth || !*auth)
		return CK_ENOTFOUND;
	if (ck__base64_decode(&plain, &len, auth) != CK_OK || !(colon = memchr(plain, ':', len)) ||
	    colon == plain) {
		free(plain);
		return ck__error_set(CK_ECONFIG, "auth file %s: the entry for \"%s\" is not base64 of \"user:password\"",
		                     path, key);
	}
	*colon = '\0';
	*user = ck__strdup(plain);
	*pass = ck__strdup(colon + 1);
	explicit_bzero(plain, len);
	free(plain);
	if (!*user || !*pass) {
		free(*user);
		free(*pass);
		*user = *pass = NULL;
		return ck__oom();
	}
	return CK_OK;
}

int ck__auth_lookup(char **username, char **password, const ck_registry_options *opts, const char *registry)
{
	char **paths = NULL, *want = NULL;
	int rc;

	*username = *password = NULL;
	if ((rc = read_paths(&paths, opts)) != CK_OK)
		return rc;
	if (!(want = normalize_key(registry))) {
		ck_strv_free(paths);
		return ck__oom();
	}
	rc = CK_ENOTFOUND;
	for (size_t f = 0; paths[f] && rc == CK_ENOTFOUND; f++) {
		yajl_val doc = NULL, auths;
		int lrc = load(&doc, paths[f]);

		if (lrc != CK_OK) {
			rc = lrc;
			break;
		}
		auths = ck__json_obj(doc, "auths");
		/* "host/ns/repo", then "host/ns", then "host" */
		char *scope = ck__strdup(want);
		while (scope && auths && rc == CK_ENOTFOUND) {
			for (size_t i = 0; i < auths->u.object.len && rc == CK_ENOTFOUND; i++)
				if (key_matches(auths->u.object.keys[i], scope))
					rc = decode_entry(username, password, auths->u.object.values[i],
					                  auths->u.object.keys[i], paths[f]);
			char *slash = strrchr(scope, '/');
			if (!slash)
				break;
			*slash = '\0';
		}
		if (!scope)
			rc = ck__oom();
		free(scope);
		yajl_tree_free(doc);
	}
	free(want);
	ck_strv_free(paths);
	if (rc == CK_ENOTFOUND)
		ck__error_set(CK_ENOTFOUND, "no credentials for %s", registry);
	return rc;
}

/* Rewrites the auth file with `registry` set to `auth` (NULL: removed; a
 * NULL registry removes every entry). */
static int rewrite(const ck_registry_options *opts, const char *registry, const char *auth, bool *found)
{
	bool only;
	char *path = primary_path(opts, &only), *want = NULL, *text = NULL, *dir = NULL, *slash;
	yajl_val doc = NULL, auths;
	yajl_gen g = NULL;
	int rc;

	*found = false;
	if (!path)
		return ck__oom();
	if (registry && !(want = normalize_key(registry))) {
		free(path);
		return ck__oom();
	}
	if ((rc = load(&doc, path)) != CK_OK)
		goto out;
	if (!doc && !auth) {
		rc = CK_OK; /* nothing stored, nothing to remove */
		goto out;
	}
	auths = ck__json_obj(doc, "auths");
	if (!(g = ck__json_gen_new(true))) {
		rc = ck__oom();
		goto out;
	}
	yajl_gen_map_open(g);
	ck__json_key(g, "auths");
	yajl_gen_map_open(g);
	for (size_t i = 0; auths && i < auths->u.object.len; i++) {
		if (!want || key_matches(auths->u.object.keys[i], want)) {
			*found = true;
			continue;
		}
		ck__json_key(g, auths->u.object.keys[i]);
		ck__json_emit(g, auths->u.object.values[i]);
	}
	if (auth) {
		ck__json_key(g, want);
		yajl_gen_map_open(g);
		ck__json_key_str(g, "auth", auth);
		yajl_gen_map_close(g);
	}
	yajl_gen_map_close(g);
	for (size_t i = 0; doc && i < doc->u.object.len; i++) {
		if (!strcmp(doc->u.object.keys[i], "auths"))
			continue;
		if (!want && !strcmp(doc->u.object.keys[i], "credHelpers"))
			continue; /* logout --all forgets helpers too, as podman does */
		ck__json_key(g, doc->u.object.keys[i]);
		ck__json_emit(g, doc->u.object.values[i]);
	}
	yajl_gen_map_close(g);
	if ((rc = ck__json_gen_finish(&text, g)) != CK_OK)
		goto out;
	if (!auth && !*found && want) {
		rc = CK_OK;
		goto out;
	}
	if (!(dir = ck__strdup(path))) {
		rc = ck__oom();
		goto out;
	}
	if ((slash = strrchr(dir, '/')) && slash != dir) {
		*slash = '\0';
		if ((rc = ck__mkdir_p(dir, 0700)) != CK_OK)
			goto out;
	}
	if ((rc = ck__write_file_atomic(path, text, strlen(text), 0600)) != CK_OK)
		rc = ck__error_wrap(rc, "writing the auth file %s", path);
out:
	if (text)
		explicit_bzero(text, strlen(text));
	free(text);
	free(dir);
	yajl_tree_free(doc);
	free(want);
	free(path);
	return rc;
}

int ck__auth_store(const ck_registry_options *opts, const char *registry, const char *username,
                   const char *password)
{
	char *plain = ck__asprintf("%s:%s", username, password), *b64 = NULL;
	bool found;
	int rc;

	if (!plain)
		return ck__oom();
	rc = ck__base64_encode(&b64, plain, strlen(plain));
	explicit_bzero(plain, strlen(plain));
	free(plain);
	if (rc == CK_OK)
		rc = rewrite(opts, registry, b64, &found);
	if (b64)
		explicit_bzero(b64, strlen(b64));
	free(b64);
	return rc;
}

int ck__auth_remove(const ck_registry_options *opts, const char *registry)
{
	bool found;
	int rc = rewrite(opts, registry, NULL, &found);

	if (rc == CK_OK && registry && !found)
		return ck__error_set(CK_ENOTFOUND, "not logged into %s", registry);
	return rc;
}

/* A session with one repository of one registry: libcurl's global set-up,
 * the TLS policy (verified by default, certs.d CA directories, insecure
 * registries) and the credentials, decided once when the session opens. */
#define _GNU_SOURCE
#include "registry_int.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc = CURLE_FAILED_INIT;

static void curl_init(void)
{
	curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* Registry names as podman accepts them: "docker.io" and its aliases are
 * one registry, reached at registry-1.docker.io. */
static const char *endpoint_of(const char *registry)
{
	if (!strcmp(registry, "docker.io") || !strcmp(registry, "index.docker.io"))
		return "registry-1.docker.io";
	return registry;
}

static bool listed(char *const *list, const char *registry)
{
	for (size_t i = 0; list && list[i]; i++)
		if (!strcmp(list[i], registry))
			return true;
	return false;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n > m && !strcmp(s + n - m, suffix);
}

/* The CA bundle of the session: curl's default roots plus every *.crt in
 * `dir` (podman's certs.d layout), so that a registry's own CA is trusted
 * next to the system's.  A *.cert with its *.key is a client certificate. */
static int load_cert_dir(ck__registry *r, const char *dir)
{
	const curl_version_info_data *vi = curl_version_info(CURLVERSION_NOW);
	char **names = NULL;
	ck__buf ca = { 0 };
	struct dirent *de;
	DIR *d = opendir(dir);
	int rc = CK_OK;
	size_t n;

	if (!d)
		return CK_OK; /* as podman: a missing directory adds nothing */
	while ((de = readdir(d)))
		if ((has_suffix(de->d_name, ".crt") || has_suffix(de->d_name, ".cert")) &&
		    ck__strv_push(&names, de->d_name) != CK_OK) {
			closedir(d);
			ck_strv_free(names);
			return CK_ENOMEM;
		}
	closedir(d);
	n = ck__strv_len(names);
	if (n)
		qsort(names, n, sizeof(*names), cmp_str);
	for (size_t i = 0; i < n && rc == CK_OK; i++) {
		char *path = ck__path_join(dir, names[i]), *data = NULL;
		size_t len = 0;

		if (!path) {
			rc = ck__oom();
			break;
		}
		if (has_suffix(names[i], ".cert")) {
			/* client certificate: needs its key beside it */
			char *key = ck__asprintf("%.*s.key", (int)(strlen(path) - 5), path);
			if (!key) {
				rc = ck__oom();
			} else if (!ck__path_exists(key)) {
				rc = ck__error_set(CK_ECONFIG, "client certificate %s has no key %s", path, key);
				free(key);
			} else {
				free(r->client_cert);
				free(r->client_key);
				r->client_cert = path;
				r->client_key = key;
				path = NULL;
			}
			free(path);
			continue;
		}
		if ((rc = ck__read_file(&data, &len, path, 4u << 20)) != CK_OK) {
			rc = ck__error_wrap(rc == CK_ENOTFOUND ? CK_ECONFIG : rc, "reading CA certificate");
		} else {
			ck__buf_add(&ca, data, len);
			ck__buf_add(&ca, "\n", 1);
		}
		free(data);
		free(path);
	}
	ck_strv_free(names);
	if (rc == CK_OK && ca.len) {
		/* the system roots first, so a certs.d entry only adds trust */
		char *sys = NULL;
		size_t len = 0;
		if (vi->age >= CURLVERSION_SEVENTH && vi->cainfo &&
		    ck__read_file(&sys, &len, vi->cainfo, 64u << 20) == CK_OK) {
			ck__buf prefix = { 0 };
			ck__buf_add(&prefix, sys, len);
			ck__buf_add(&prefix, "\n", 1);
			ck__buf_add(&prefix, ca.data, ca.len);
			ck__buf_free(&ca);
			ca = prefix;
		}
		free(sys);
		ck__error_clear();
		r->ca_len = ca.len;
		if (!(r->ca_blob = ck__buf_take(&ca)))
			rc = CK_ENOMEM;
	}
	ck__buf_free(&ca);
	return rc;
}

/* podman's places for a registry's certificates, most specific first. */
static int default_cert_dir(ck__registry *r)
{
	const char *home = getenv("HOME"), *xdg = getenv("XDG_CONFIG_HOME");
	char *dirs[3] = { NULL, NULL, NULL };
	int rc = CK_OK;

	if (r->ctx->rootless) {
		if (xdg && *xdg)
			dirs[0] = ck__asprintf("%s/containers/certs.d/%s", xdg, r->registry);
		else if (home && *home)
			dirs[0] = ck__asprintf("%s/.config/containers/certs.d/%s", home, r->registry);
	}
	dirs[1] = ck__asprintf("/etc/containers/certs.d/%s", r->registry);
	dirs[2] = ck__asprintf("/etc/docker/certs.d/%s", r->registry);
	for (int i = 0; i < 3; i++)
		if (dirs[i] && ck__is_dir(dirs[i])) {
			rc = load_cert_dir(r, dirs[i]);
			break;
		}
	for (int i = 0; i < 3; i++)
		free(dirs[i]);
	return rc;
}

int ck__registry_open(ck__registry **out, ck_context *ctx, const char *registry, const char *repo,
                      const ck_registry_options *opts)
{
	ck__registry *r;
	int rc = CK_OK;

	*out = NULL;
	if (!registry || !*registry || strchr(registry, '/') || strpbrk(registry, " \t\r\n?#@"))
		return ck__error_set(CK_EINVAL, "invalid registry name \"%s\"", registry ? registry : "");
	if (opts && (opts->version == 0 || opts->version > CK_REGISTRY_OPTIONS_VERSION))
		return ck__error_set(CK_EVERSION, "unknown ck_registry_options version %u", opts->version);
	if ((rc = ck__curl_require()) != CK_OK)
		return rc;
	pthread_once(&curl_once, curl_init);
	if (curl_init_rc != CURLE_OK)
		return ck__error_set(CK_ENETWORK, "initialising libcurl: %s", curl_easy_strerror(curl_init_rc));
	if (!(r = calloc(1, sizeof(*r))))
		return ck__oom();
	r->ctx = ctx;
	r->scheme = "https";
	r->registry = ck__strdup(registry);
	r->endpoint = ck__strdup(endpoint_of(registry));
	r->repo = repo ? ck__strdup(repo) : NULL;
	if (!r->registry || !r->endpoint || (repo && !r->repo)) {
		rc = ck__oom();
		goto fail;
	}
	if (opts && opts->tls_verify == 0)
		r->verify = false;
	else if (opts && opts->tls_verify == 1)
		r->verify = true;
	else
		r->verify = !listed(ctx->insecure_registries, registry);
	r->insecure = !r->verify;

	if (opts && opts->cert_dir) {
		if (!ck__is_dir(opts->cert_dir))
			ck__log(ctx, CK_LOG_WARN, "certificate directory %s does not exist; ignored", opts->cert_dir);
		rc = load_cert_dir(r, opts->cert_dir);
	} else {
		rc = default_cert_dir(r);
	}
	if (rc != CK_OK)
		goto fail;

	if (opts && (opts->username || opts->password)) {
		if (!opts->username || !opts->password || !*opts->username) {
			rc = ck__error_set(CK_EINVAL, "credentials for %s need both a user name and a password",
			                   registry);
			goto fail;
		}
		r->username = ck__strdup(opts->username);
		r->password = ck__strdup(opts->password);
		if (!r->username || !r->password) {
			rc = ck__oom();
			goto fail;
		}
	} else {
		char *scope = repo ? ck__asprintf("%s/%s", registry, repo) : ck__strdup(registry);
		if (!scope) {
			rc = ck__oom();
			goto fail;
		}
		rc = ck__auth_lookup(&r->username, &r->password, opts, scope);
		free(scope);
		if (rc == CK_ENOTFOUND)
			rc = CK_OK;
		if (rc != CK_OK)
			goto fail;
		ck__error_clear();
	}
	if (!(r->curl = curl_easy_init())) {
		rc = ck__error_set(CK_ENOMEM, "libcurl could not create a handle");
		goto fail;
	}
	*out = r;
	return CK_OK;
fail:
	ck__registry_free(r);
	return rc;
}

void ck__registry_free(ck__registry *r)
{
	if (!r)
		return;
	if (r->curl)
		curl_easy_cleanup(r->curl);
	free(r->registry);
	free(r->endpoint);
	free(r->repo);
	free(r->ca_blob);
	free(r->client_cert);
	free(r->client_key);
	free(r->username);
	if (r->password) {
		explicit_bzero(r->password, strlen(r->password));
		free(r->password);
	}
	free(r->realm);
	free(r->service);
	free(r->token);
	free(r);
}

void ck__registry_set_push(ck__registry *r)
{
	r->writing = true;
}

char *ck__reg_url(const ck__registry *r, const char *fmt, ...)
{
	ck__buf b = { 0 };
	va_list ap;
	char tail[2048];

	va_start(ap, fmt);
	vsnprintf(tail, sizeof(tail), fmt, ap);
	va_end(ap);
	ck__buf_printf(&b, "%s://%s/v2/", r->scheme, r->endpoint);
	if (r->repo && *tail)
		ck__buf_printf(&b, "%s/", r->repo);
	ck__buf_puts(&b, tail);
	return ck__buf_take(&b);
}

void ck__reg_tls(ck__registry *r, CURL *c)
{
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, r->verify ? 1L : 0L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, r->verify ? 2L : 0L);
	if (r->ca_blob) {
		struct curl_blob blob = { r->ca_blob, r->ca_len, CURL_BLOB_NOCOPY };
		curl_easy_setopt(c, CURLOPT_CAINFO_BLOB, &blob);
	}
	if (r->client_cert) {
		curl_easy_setopt(c, CURLOPT_SSLCERT, r->client_cert);
		curl_easy_setopt(c, CURLOPT_SSLKEY, r->client_key);
	}
}

const char *ck__reg_name(const ck__registry *r, char *buf, size_t size)
{
	if (r->repo)
		snprintf(buf, size, "%s/%s", r->registry, r->repo);
	else
		snprintf(buf, size, "%s", r->registry);
	return buf;
}

/* The small endpoints of the distribution API: manifests (GET with every
 * manifest type we understand, PUT), blob HEAD, and the login check. */
#define _GNU_SOURCE
#include "registry_int.h"

#include <stdlib.h>
#include <string.h>

static const char *const accept_manifests =
	"Accept: application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json, "
	"application/vnd.docker.distribution.manifest.v2+json, "
	"application/vnd.docker.distribution.manifest.list.v2+json";

static bool valid_ref(const char *ref)
{
	/* a tag ([A-Za-z0-9_][A-Za-z0-9_.-]{0,127}) or an algorithm:hex digest */
	size_t n = strlen(ref);
	if (!n || n > 200 || ref[0] == '.' || ref[0] == '-')
		return false;
	for (const char *p = ref; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		      *p == '_' || *p == '.' || *p == '-' || *p == ':'))
			return false;
	return true;
}

static char *media_type_of(const char *content_type)
{
	size_t n;
	if (!content_type)
		return ck__strdup("");
	n = strcspn(content_type, "; ");
	return strndup(content_type, n);
}

int ck__reg_get_manifest(char **body, size_t *len, char **media_type, char **digest, ck__registry *r,
                              const char *ref)
{
	ck__req req = { .method = "GET", .max = CK__REG_MAX_MANIFEST };
	struct curl_slist *hdrs = NULL;
	char name[512], what[512], hex[65], *url = NULL, *d = NULL, *mt = NULL;
	int rc;

	*body = NULL;
	*len = 0;
	if (media_type)
		*media_type = NULL;
	if (digest)
		*digest = NULL;
	ck__reg_name(r, name, sizeof(name));
	if (!ref || !valid_ref(ref))
		return ck__error_set(CK_EINVAL, "invalid tag or digest \"%s\" for %s", ref ? ref : "", name);
	snprintf(what, sizeof(what), "reading manifest %s of", ref);
	if ((rc = ck__reg_ready(r)) != CK_OK)
		return rc;
	if (!(hdrs = curl_slist_append(NULL, accept_manifests)) || !(url = ck__reg_url(r, "manifests/%s", ref))) {
		curl_slist_free_all(hdrs);
		return ck__oom();
	}
	req.headers = hdrs;
	req.url = url;
	rc = ck__reg_do_retry(r, &req);
	if (rc != CK_OK)
		goto out;
	if (req.truncated) {
		rc = ck__error_set(CK_ECORRUPT, "%s %s: the manifest is larger than %u bytes", what, name,
		                   CK__REG_MAX_MANIFEST);
		goto out;
	}
	if (req.cc != CURLE_OK) {
		rc = ck__reg_curl_error(r, &req, what);
		goto out;
	}
	if (req.status != 200) {
		rc = ck__reg_http_error(r, &req, what);
		goto out;
	}
	if ((rc = ck__sha256_hex(hex, req.resp.data ? req.resp.data : "", req.resp.len)) != CK_OK)
		goto out;
	if (!(d = ck__asprintf("sha256:%s", hex)) || !(mt = media_type_of(req.content_type))) {
		rc = ck__oom();
		goto out;
	}
	if (ck__str_has_prefix(ref, "sha256:") && strcmp(ref, d) != 0) {
		rc = ck__error_set(CK_EDIGEST, "%s %s: the registry sent a manifest whose digest is %s", what, name, d);
		goto out;
	}
	if (req.docker_digest && ck__str_has_prefix(req.docker_digest, "sha256:") && strcmp(req.docker_digest, d)) {
		rc = ck__error_set(CK_EDIGEST, "%s %s: the manifest's digest is %s but the registry says %s", what,
		                   name, d, req.docker_digest);
		goto out;
	}
	if (!strcmp(mt, "application/vnd.docker.distribution.manifest.v1+prettyjws") ||
	    !strcmp(mt, "application/vnd.docker.distribution.manifest.v1+json")) {
		rc = ck__error_set(CK_EUNSUPPORTED, "%s %s: Docker schema 1 manifests are not supported; push the "
		                   "image again with a current tool", what, name);
		goto out;
	}
	*len = req.resp.len;
	if (!(*body = ck__buf_take(&req.resp))) {
		rc = CK_ENOMEM;
		goto out;
	}
	if (media_type) {
		*media_type = mt;
		mt = NULL;
	}
	if (digest) {
		*digest = d;
		d = NULL;
	}
out:
	free(d);
	free(mt);
	free(url);
	curl_slist_free_all(hdrs);
	ck__req_free(&req);
	return rc;
}

int ck__reg_put_manifest(ck__registry *r, const char *ref, const char *body, size_t len,
                              const char *media_type)
{
	ck__req req = { .method = "PUT", .push = true, .body = body, .body_len = len };
	struct curl_slist *hdrs = NULL;
	char name[512], what[512], *ct, *url = NULL;
	int rc;

	ck__reg_name(r, name, sizeof(name));
	if (!ref || !valid_ref(ref))
		return ck__error_set(CK_EINVAL, "invalid tag or digest \"%s\" for %s", ref ? ref : "", name);
	snprintf(what, sizeof(what), "writing manifest %s to", ref);
	if ((rc = ck__reg_ready(r)) != CK_OK)
		return rc;
	if (!(ct = ck__asprintf("Content-Type: %s", media_type)) || !(hdrs = curl_slist_append(NULL, ct)) ||
	    !(url = ck__reg_url(r, "manifests/%s", ref))) {
		free(ct);
		curl_slist_free_all(hdrs);
		return ck__oom();
	}
	req.headers = hdrs;
	req.url = url;
	rc = ck__reg_do_retry(r, &req);
	if (rc == CK_OK && req.cc != CURLE_OK)
		rc = ck__reg_curl_error(r, &req, what);
	else if (rc == CK_OK && req.status != 201 && req.status != 200)
		rc = ck__reg_http_error(r, &req, what);
	free(ct);
	free(url);
	curl_slist_free_all(hdrs);
	ck__req_free(&req);
	return rc;
}

int ck__reg_blob_exists(bool *exists, ck__registry *r, const char *digest)
{
	ck__req req = { .method = "HEAD", .push = r->writing };
	char what[512], *url;
	int rc;

	*exists = false;
	snprintf(what, sizeof(what), "checking for blob %s in", digest);
	if ((rc = ck__reg_ready(r)) != CK_OK)
		return rc;
	if (!(url = ck__reg_url(r, "blobs/%s", digest)))
		return CK_ENOMEM;
	req.url = url;
	rc = ck__reg_do_retry(r, &req);
	if (rc == CK_OK && req.cc != CURLE_OK)
		rc = ck__reg_curl_error(r, &req, what);
	else if (rc == CK_OK && req.status == 200)
		*exists = true;
	else if (rc == CK_OK && req.status != 404)
		rc = ck__reg_http_error(r, &req, what);
	free(url);
	ck__req_free(&req);
	return rc;
}

int ck__reg_check_login(ck_context *ctx, const char *registry, const char *username, const char *password,
                             const ck_registry_options *opts)
{
	ck_registry_options o = CK_REGISTRY_OPTIONS_INIT;
	ck__registry *r = NULL;
	ck__req req = { .method = "GET" };
	char *url = NULL;
	int rc;

	if (opts)
		o = *opts;
	o.username = username;
	o.password = password;
	if ((rc = ck__reg_open(&r, ctx, registry, NULL, &o)) != CK_OK)
		return rc;
	if ((rc = ck__reg_ready(r)) != CK_OK)
		goto out;
	if (!(url = ck__reg_url(r, "%s", ""))) {
		rc = CK_ENOMEM;
		goto out;
	}
	req.url = url;
	/* the first request learns the challenge; a Bearer registry is asked
	 * for a token with the credentials (no scope), as docker login does */
	if ((rc = ck__reg_do(r, &req)) != CK_OK)
		goto out;
	if (r->auth == CK__AUTH_BEARER) {
		if ((rc = ck__reg_fetch_token(r, NULL, 1)) != CK_OK)
			goto out;
		char *hdr = ck__asprintf("Authorization: Bearer %s", r->token);
		rc = hdr ? ck__reg_perform(r, &req, hdr, NULL, NULL) : ck__oom();
		free(hdr);
		if (rc != CK_OK)
			goto out;
	}
	if (req.cc != CURLE_OK)
		rc = ck__reg_curl_error(r, &req, "logging in to");
	else if (req.status == 401)
		rc = ck__error_set(CK_EAUTH, "logging in to %s: invalid username/password for user \"%s\" (HTTP 401)",
		                   registry, username);
	else if (req.status != 200)
		rc = ck__reg_http_error(r, &req, "logging in to");
out:
	free(url);
	ck__req_free(&req);
	ck__reg_free(r);
	return rc;
}

/* One HTTP exchange with a registry over the session's curl handle: the
 * scheme probe (GET /v2/, https then http for insecure registries), auth
 * challenges (Basic and Bearer tokens), and errors that name the registry,
 * the repository and the cause. */
#define _GNU_SOURCE
#include "registry_int.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* Forgets the headers of a response: a new request's, or a new response
 * within one request (a redirect, a 100 Continue). */
static void forget_headers(ck__req *req)
{
	free(req->location);
	free(req->content_type);
	free(req->docker_digest);
	free(req->content_range);
	free(req->www_authenticate);
	req->location = req->content_type = req->docker_digest = req->content_range = NULL;
	req->www_authenticate = NULL;
	req->content_length = -1;
}

void ck__req_reset(ck__req *req)
{
	ck__buf_free(&req->resp);
	forget_headers(req);
	req->status = 0;
	req->truncated = false;
	req->cc = CURLE_OK;
	req->sent = 0;
}

void ck__req_free(ck__req *req)
{
	ck__req_reset(req);
}

static bool is_2xx(long status)
{
	return status >= 200 && status < 300;
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *payload)
{
	ck__req *req = payload;
	size_t len = size * nmemb, max = req->max ? req->max : CK__REG_MAX_SMALL;

	if (req->write && is_2xx(req->status))
		return req->write(req->write_payload, data, len);
	if (req->resp.len + len > max) {
		req->truncated = true;
		return 0; /* stops the transfer: the answer is too big to be what we asked for */
	}
	ck__buf_add(&req->resp, data, len);
	return req->resp.oom ? 0 : len;
}

static char *header_value(const char *line, size_t len, const char *name)
{
	size_t n = strlen(name);
	const char *v, *end = line + len;

	if (len <= n || strncasecmp(line, name, n) != 0 || line[n] != ':')
		return NULL;
	v = line + n + 1;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
		end--;
	return strndup(v, (size_t)(end - v));
}

static void keep(char **slot, char *value)
{
	if (!value)
		return;
	free(*slot);
	*slot = value;
}

static size_t on_header(char *line, size_t size, size_t nmemb, void *payload)
{
	ck__req *req = payload;
	size_t len = size * nmemb;
	char *v;

	if (len > 5 && !strncmp(line, "HTTP/", 5)) {
		/* a new response (after a redirect or a 100 Continue): forget the last one */
		const char *sp = memchr(line, ' ', len);
		req->status = sp ? strtol(sp + 1, NULL, 10) : 0;
		forget_headers(req);
		return len;
	}
	keep(&req->location, header_value(line, len, "Location"));
	keep(&req->content_type, header_value(line, len, "Content-Type"));
	keep(&req->docker_digest, header_value(line, len, "Docker-Content-Digest"));
	keep(&req->content_range, header_value(line, len, "Content-Range"));
	if ((v = header_value(line, len, "Content-Length"))) {
		req->content_length = strtoll(v, NULL, 10);
		free(v);
	}
	if ((v = header_value(line, len, "WWW-Authenticate"))) {
		/* Bearer wins over Basic when a registry offers both */
		if (!req->www_authenticate || !strncasecmp(v, "Bearer", 6))
			keep(&req->www_authenticate, v);
		else
			free(v);
	}
	return len;
}

static size_t on_read(char *buf, size_t size, size_t nmemb, void *payload)
{
	ck__req *req = payload;
	size_t n = fread(buf, 1, size * nmemb, req->upload);

	if (n == 0 && ferror(req->upload))
		return CURL_READFUNC_ABORT;
	req->sent += n;
	if (req->read_progress)
		req->read_progress(req->read_payload, req->sent);
	return n;
}

static int on_debug(CURL *c, curl_infotype type, char *data, size_t size, void *payload)
{
	ck__registry *r = payload;
	(void)c;
	if (type == CURLINFO_TEXT || type == CURLINFO_HEADER_OUT || type == CURLINFO_HEADER_IN) {
		while (size && (data[size - 1] == '\n' || data[size - 1] == '\r'))
			size--;
		/* never log credentials */
		if (type == CURLINFO_HEADER_OUT || !strncasecmp(data, "Authorization:", 14)) {
			const char *nl = memchr(data, '\r', size);
			size = nl ? (size_t)(nl - data) : size;
		}
		ck__log(r->ctx, CK_LOG_TRACE, "curl %s %.*s",
		        type == CURLINFO_TEXT ? "*" : type == CURLINFO_HEADER_OUT ? ">" : "<", (int)size, data);
	}
	return 0;
}

int ck__reg_perform(ck__registry *r, ck__req *req, const char *auth_header, const char *user,
                    const char *pass)
{
	CURL *c = r->curl;
	struct curl_slist *hdrs = NULL, *h;
	char ua[64];
	int rc = CK_OK;

	ck__req_reset(req);
	curl_easy_reset(c);
	r->errbuf[0] = '\0';
	for (const struct curl_slist *s = req->headers; s; s = s->next)
		if ((h = curl_slist_append(hdrs, s->data)))
			hdrs = h;
		else
			rc = CK_ENOMEM;
	if (auth_header && (h = curl_slist_append(hdrs, auth_header)))
		hdrs = h;
	else if (auth_header)
		rc = CK_ENOMEM;
	/* a registry that does not speak 100-continue would stall each upload */
	if ((h = curl_slist_append(hdrs, "Expect:")))
		hdrs = h;
	if (rc != CK_OK) {
		curl_slist_free_all(hdrs);
		return ck__oom();
	}
	snprintf(ua, sizeof(ua), "containerkit/%s", ck_version());
	curl_easy_setopt(c, CURLOPT_URL, req->url);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_USERAGENT, ua);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, r->errbuf);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(c, CURLOPT_MAXREDIRS, 10L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 30L);
	/* a stalled transfer counts as dropped */
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 60L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, req);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, req);
	if (r->ctx && r->ctx->log_level >= CK_LOG_TRACE) {
		curl_easy_setopt(c, CURLOPT_DEBUGFUNCTION, on_debug);
		curl_easy_setopt(c, CURLOPT_DEBUGDATA, r);
		curl_easy_setopt(c, CURLOPT_VERBOSE, 1L);
	}
	ck__reg_tls(r, c);
	if (user) {
		curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(c, CURLOPT_USERNAME, user);
		curl_easy_setopt(c, CURLOPT_PASSWORD, pass ? pass : "");
	}
	if (!strcmp(req->method, "HEAD")) {
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	} else if (req->upload) {
		rewind(req->upload);
		curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read);
		curl_easy_setopt(c, CURLOPT_READDATA, req);
		curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)req->upload_size);
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, req->method);
	} else if (req->body || !strcmp(req->method, "POST") || !strcmp(req->method, "PUT")) {
		curl_easy_setopt(c, CURLOPT_POST, 1L);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, req->body ? req->body : "");
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, req->method);
	} else if (strcmp(req->method, "GET") != 0) {
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, req->method);
	}
	req->cc = curl_easy_perform(c);
	curl_slist_free_all(hdrs);
	ck__log(r->ctx, CK_LOG_DEBUG, "%s %s -> %ld%s%s", req->method, req->url, req->status,
	        req->cc != CURLE_OK ? ": " : "", req->cc != CURLE_OK ? curl_easy_strerror(req->cc) : "");
	if (req->resp.oom)
		return ck__oom();
	return CK_OK;
}

/* ---- auth challenges ---- */

int ck__reg_parse_challenge(enum ck__reg_auth *scheme, char **realm, char **service, const char *value)
{
	const char *p = value;

	*scheme = CK__AUTH_NONE;
	*realm = *service = NULL;
	if (!strncasecmp(p, "Bearer", 6) && (p[6] == ' ' || !p[6]))
		*scheme = CK__AUTH_BEARER;
	else if (!strncasecmp(p, "Basic", 5) && (p[5] == ' ' || !p[5]))
		*scheme = CK__AUTH_BASIC;
	else
		return CK_OK;
	while (*p && *p != ' ')
		p++;
	while (*p) {
		const char *k, *ke;
		ck__buf v = { 0 };

		while (*p == ' ' || *p == ',' || *p == '\t')
			p++;
		k = p;
		while (*p && *p != '=' && *p != ',' && *p != ' ')
			p++;
		ke = p;
		if (*p != '=')
			continue;
		p++;
		if (*p == '"') {
			for (p++; *p && *p != '"'; p++) {
				if (*p == '\\' && p[1])
					p++;
				ck__buf_add(&v, p, 1);
			}
			if (*p == '"')
				p++;
		} else {
			const char *vs = p;
			while (*p && *p != ',' && *p != ' ')
				p++;
			ck__buf_add(&v, vs, (size_t)(p - vs));
		}
		ck__buf_add(&v, "", 0);
		if (v.oom) {
			ck__buf_free(&v);
			free(*realm);
			free(*service);
			*realm = *service = NULL;
			return ck__oom();
		}
		if ((size_t)(ke - k) == 5 && !strncasecmp(k, "realm", 5)) {
			free(*realm);
			*realm = ck__buf_take(&v);
		} else if ((size_t)(ke - k) == 7 && !strncasecmp(k, "service", 7)) {
			free(*service);
			*service = ck__buf_take(&v);
		}
		ck__buf_free(&v);
	}
	return CK_OK;
}

static int learn_challenge(ck__registry *r, const char *value)
{
	enum ck__reg_auth scheme;
	char *realm, *service;
	int rc = ck__reg_parse_challenge(&scheme, &realm, &service, value);

	if (rc != CK_OK)
		return rc;
	if (scheme == CK__AUTH_NONE) {
		char name[512];
		return ck__error_set(CK_EAUTH, "%s: the registry asks for an unsupported authentication scheme (%s)",
		                     ck__reg_name(r, name, sizeof(name)), value);
	}
	if (scheme == CK__AUTH_BEARER && (!realm || !*realm)) {
		char name[512];
		free(realm);
		free(service);
		return ck__error_set(CK_EAUTH, "%s: the registry's Bearer challenge has no realm (%s)",
		                     ck__reg_name(r, name, sizeof(name)), value);
	}
	r->auth = scheme;
	free(r->realm);
	free(r->service);
	r->realm = realm;
	r->service = service;
	return CK_OK;
}

static int url_escape(ck__buf *b, const char *s)
{
	char *e = curl_easy_escape(NULL, s, 0);
	if (!e)
		return ck__oom();
	ck__buf_puts(b, e);
	curl_free(e);
	return CK_OK;
}

int ck__reg_fetch_token(ck__registry *r, const char *scope, int scope_level)
{
	ck__req req = { .method = "GET" };
	ck__buf url = { 0 };
	char name[512], *u;
	yajl_val doc = NULL;
	const char *tok;
	int rc;

	ck__reg_name(r, name, sizeof(name));
	ck__buf_puts(&url, r->realm);
	ck__buf_puts(&url, strchr(r->realm, '?') ? "&" : "?");
	if (r->service) {
		ck__buf_puts(&url, "service=");
		url_escape(&url, r->service);
	}
	if (scope) {
		ck__buf_puts(&url, r->service ? "&scope=" : "scope=");
		url_escape(&url, scope);
	}
	if (!scope && r->username) {
		ck__buf_puts(&url, "&account=");
		url_escape(&url, r->username);
	}
	if (!(u = ck__buf_take(&url)))
		return CK_ENOMEM;
	req.url = u;
	rc = ck__reg_perform(r, &req, NULL, r->username, r->password);
	if (rc == CK_OK && req.cc != CURLE_OK) {
		rc = ck__reg_curl_error(r, &req, "requesting a token from the token service for");
	} else if (rc == CK_OK && (req.status == 401 || req.status == 403)) {
		if (r->username)
			rc = ck__error_set(CK_EAUTH, "%s: the token service %s refused the credentials of user \"%s\" "
			                   "(HTTP %ld)", name, r->realm, r->username, req.status);
		else
			rc = ck__error_set(CK_EAUTH, "%s: the token service %s requires credentials (HTTP %ld); "
			                   "log in first or pass a user name and password", name, r->realm,
			                   req.status);
	} else if (rc == CK_OK && !is_2xx(req.status)) {
		/* a token service that is not found is a broken registry, not a missing image */
		rc = ck__reg_http_error(r, &req, "requesting a token from the token service for");
		if (rc == CK_ENOTFOUND)
			rc = ck__error_wrap(CK_ENETWORK, "token service %s", r->realm);
	} else if (rc == CK_OK) {
		rc = ck__json_parse(&doc, req.resp.data ? req.resp.data : "", "the token service's answer",
		                    CK_ENETWORK);
		tok = rc == CK_OK ? ck__json_str(doc, "token") : NULL;
		if (rc == CK_OK && (!tok || !*tok))
			tok = ck__json_str(doc, "access_token");
		if (rc == CK_OK && (!tok || !*tok))
			rc = ck__error_set(CK_EAUTH, "%s: the token service %s answered without a token", name,
			                   r->realm);
		if (rc == CK_OK) {
			free(r->token);
			if (!(r->token = ck__strdup(tok)))
				rc = ck__oom();
			r->token_scope = scope_level;
		}
		yajl_tree_free(doc);
	}
	ck__req_free(&req);
	free(u);
	return rc;
}

/* ---- the first contact: scheme and challenge ---- */

static int ping(ck__registry *r)
{
	static const char *const schemes[] = { "https", "http" };
	char first_err[512] = "";
	int rc = CK_OK;

	for (int i = 0; i < (r->insecure ? 2 : 1); i++) {
		ck__req req = { .method = "GET" };
		char *url;

		r->scheme = schemes[i];
		if (!(url = ck__reg_url(r, "%s", "")))
			return CK_ENOMEM;
		req.url = url;
		rc = ck__reg_perform(r, &req, NULL, NULL, NULL);
		if (rc == CK_OK && req.cc != CURLE_OK) {
			rc = ck__reg_curl_error(r, &req, "connecting to the registry");
			if (i == 0)
				snprintf(first_err, sizeof(first_err), "%s", ck_error_last()->message);
		} else if (rc == CK_OK) {
			if (req.status == 401 && req.www_authenticate)
				rc = learn_challenge(r, req.www_authenticate);
			r->pinged = rc == CK_OK;
		}
		ck__req_free(&req);
		free(url);
		if (rc != CK_ENETWORK)
			break;
	}
	if (rc == CK_ENETWORK && first_err[0] && r->insecure) {
		char second[512];
		snprintf(second, sizeof(second), "%s", ck_error_last()->message);
		rc = ck__error_set(CK_ENETWORK, "%s; over plain HTTP: %s", first_err, second);
	}
	if (rc != CK_OK)
		r->scheme = "https";
	return rc;
}

static char *auth_header(ck__registry *r, int level)
{
	if (r->auth == CK__AUTH_BEARER && r->token && r->token_scope >= level)
		return ck__asprintf("Authorization: Bearer %s", r->token);
	return NULL;
}

int ck__reg_ready(ck__registry *r)
{
	return r->pinged ? CK_OK : ping(r);
}

int ck__reg_do(ck__registry *r, ck__req *req)
{
	int level = req->push || r->writing ? 2 : 1, rc;
	char name[512];

	if (!r->pinged && (rc = ping(r)) != CK_OK)
		return rc;
	ck__reg_name(r, name, sizeof(name));
	for (int attempt = 0;; attempt++) {
		char *hdr = NULL, *scope = NULL;
		bool basic = r->auth == CK__AUTH_BASIC && r->username;

		if (r->auth == CK__AUTH_BEARER && r->repo && (!r->token || r->token_scope < level)) {
			scope = ck__asprintf("repository:%s:%s", r->repo, level == 2 ? "pull,push" : "pull");
			if (!scope)
				return ck__oom();
			rc = ck__reg_fetch_token(r, scope, level);
			free(scope);
			if (rc != CK_OK)
				return rc;
		}
		hdr = auth_header(r, level);
		if (r->auth == CK__AUTH_BEARER && !hdr && r->token)
			return ck__oom();
		rc = ck__reg_perform(r, req, hdr, basic ? r->username : NULL, basic ? r->password : NULL);
		free(hdr);
		if (rc != CK_OK || req->cc != CURLE_OK || req->status != 401 || attempt == 1)
			return rc;
		/* 401: learn (again) what the registry wants, then try once more */
		if (!req->www_authenticate)
			return CK_OK;
		enum ck__reg_auth before = r->auth;
		if ((rc = learn_challenge(r, req->www_authenticate)) != CK_OK)
			return rc;
		if (r->auth == CK__AUTH_BASIC && (!r->username || before == CK__AUTH_BASIC))
			return CK_OK; /* nothing new to send: the caller reports the 401 */
		if (r->auth == CK__AUTH_BEARER) {
			free(r->token);
			r->token = NULL;
			r->token_scope = 0;
		}
	}
}

/* ---- errors ---- */

static void registry_error_json(const ck__req *req, char *buf, size_t size)
{
	yajl_val doc = NULL, errs, e;
	char err[8];

	buf[0] = '\0';
	if (!req->resp.data || !req->resp.len || req->resp.data[0] != '{')
		return;
	doc = yajl_tree_parse(req->resp.data, err, sizeof(err));
	if ((errs = ck__json_arr(doc, "errors")) && errs->u.array.len > 0 &&
	    YAJL_IS_OBJECT(e = errs->u.array.values[0])) {
		const char *code = ck__json_str(e, "code"), *msg = ck__json_str(e, "message");
		snprintf(buf, size, "%s%s%s", code ? code : "", code && msg ? ": " : "", msg ? msg : "");
	}
	yajl_tree_free(doc);
}

int ck__reg_http_error(ck__registry *r, const ck__req *req, const char *what)
{
	char name[512], detail[512], hint[300] = "";
	int code;

	ck__reg_name(r, name, sizeof(name));
	registry_error_json(req, detail, sizeof(detail));
	if (req->status == 401 || req->status == 403) {
		code = CK_EAUTH;
		if (req->status == 403)
			snprintf(hint, sizeof(hint), "; access denied%s%s%s", r->username ? " to user \"" : "",
			         r->username ? r->username : "", r->username ? "\"" : "");
		else if (r->username)
			snprintf(hint, sizeof(hint), "; the credentials of user \"%s\" were refused", r->username);
		else
			snprintf(hint, sizeof(hint), "; no credentials were given (log in first)");
	} else if (req->status == 404) {
		code = CK_ENOTFOUND;
	} else {
		code = CK_ENETWORK;
	}
	if (!detail[0] && req->resp.len && req->resp.len < 200 && req->resp.data) {
		/* a short plain-text answer says more than the status alone */
		size_t i, n = 0;
		for (i = 0; i < req->resp.len && n + 1 < sizeof(detail); i++)
			detail[n++] = isprint((unsigned char)req->resp.data[i]) ? req->resp.data[i] : ' ';
		while (n && detail[n - 1] == ' ')
			n--;
		detail[n] = '\0';
	}
	return ck__error_set(code, "%s %s: the registry answered HTTP %ld%s%s%s%s", what, name, req->status,
	                     detail[0] ? " (" : "", detail, detail[0] ? ")" : "", hint);
}

int ck__reg_curl_error(ck__registry *r, const ck__req *req, const char *what)
{
	char name[512], hint[400] = "";
	const char *why = r->errbuf[0] ? r->errbuf : curl_easy_strerror(req->cc);

	ck__reg_name(r, name, sizeof(name));
	switch (req->cc) {
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
		snprintf(hint, sizeof(hint), "; the registry's certificate is not trusted: put its CA certificate "
		         "(*.crt) in /etc/containers/certs.d/%s/ or in a certificate directory given with "
		         "--cert-dir, or turn TLS verification off for this registry (--tls-verify=false)",
		         r->registry);
		break;
	case CURLE_SSL_CONNECT_ERROR:
		if (!r->insecure)
			snprintf(hint, sizeof(hint), "; if the registry speaks plain HTTP, turn TLS verification off "
			         "for it (--tls-verify=false or insecure_registries)");
		break;
	default:
		break;
	}
	return ck__error_set(CK_ENETWORK, "%s %s (%s): %s%s", what, name, req->url, why, hint);
}

bool ck__reg_transient(const ck__req *req)
{
	switch (req->cc) {
	case CURLE_OK:
		return req->status == 408 || req->status == 429 || (req->status >= 500 && req->status <= 504);
	case CURLE_PARTIAL_FILE:
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_COULDNT_CONNECT:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
	case CURLE_SSL_CONNECT_ERROR:
		return true;
	default:
		return false;
	}
}

void ck__reg_backoff(int attempt)
{
	int ms = 250 << (attempt < 4 ? attempt : 4);
	ck__sleep_ms(ms > 4000 ? 4000 : ms);
}

int ck__reg_retry(int tries, ck__reg_once_fn once, void *payload)
{
	for (int attempt = 0;; attempt++) {
		bool again = false;
		int rc = once(payload, attempt, &again);
		if (!again || attempt + 1 >= tries)
			return rc;
		ck__reg_backoff(attempt);
	}
}

struct do_once {
	ck__registry *r;
	ck__req *req;
};

static int do_once(void *payload, int attempt, bool *again)
{
	struct do_once *d = payload;
	int rc = ck__reg_do(d->r, d->req);

	(void)attempt;
	*again = rc == CK_OK && ck__reg_transient(d->req);
	return rc;
}

int ck__reg_do_retry(ck__registry *r, ck__req *req)
{
	struct do_once d = { r, req };

	return ck__reg_retry(3, do_once, &d);
}

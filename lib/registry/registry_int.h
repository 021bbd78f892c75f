/* Private to lib/registry: the session, one HTTP exchange, and the helpers
 * that the endpoint files (session.c, http.c, auth.c, v2.c, transfer.c)
 * share.  Included only inside lib/registry. */
#ifndef CK_REGISTRY_INT_H
#define CK_REGISTRY_INT_H

#include "registry/registry.h"

#include "registry/libcurl.h"

#define CK__REG_MAX_MANIFEST (4u << 20)  /* as containers/image: bigger is hostile */
#define CK__REG_MAX_SMALL (1u << 20)     /* tokens, error bodies */
#define CK__REG_RETRIES 5                /* after a dropped blob download */

enum ck__reg_auth { CK__AUTH_NONE, CK__AUTH_BASIC, CK__AUTH_BEARER };

struct ck__registry {
	ck_context *ctx;
	char *registry;       /* as named, "127.0.0.1:5000" or "docker.io" */
	char *endpoint;       /* host[:port] connected to ("registry-1.docker.io" for docker.io) */
	char *repo;           /* NULL for a login check */
	const char *scheme;   /* "https", or "http" after an insecure fallback */
	bool pinged;          /* /v2/ answered: scheme and challenge are known */
	bool verify;          /* verify the server's certificate */
	bool insecure;        /* plain HTTP may be tried when HTTPS fails */
	char *ca_blob;        /* system roots + the cert dir's *.crt, or NULL for curl's default */
	size_t ca_len;
	char *client_cert, *client_key; /* a cert dir's NAME.cert and NAME.key, or NULL */
	char *username, *password;      /* NULL: anonymous */
	bool writing;                   /* ck__reg_set_push: tokens with push scope throughout */

	enum ck__reg_auth auth;         /* what the registry asked for */
	char *realm, *service;          /* the Bearer challenge */
	char *token;                    /* Bearer token, or NULL */
	int token_scope;                /* 0 none, 1 pull, 2 pull+push */

	CURL *curl;
	char errbuf[CURL_ERROR_SIZE];
};

/* One HTTP exchange.  The caller fills in the request part; ck__reg_do
 * fills in the response part. */
typedef struct ck__req {
	const char *method;            /* GET, HEAD, PUT, POST */
	const char *url;
	struct curl_slist *headers;    /* the caller's extra headers (owned by the caller) */
	bool push;                     /* needs a token with push scope */
	const char *body;              /* request body in memory, or */
	size_t body_len;
	FILE *upload;                  /* a file streamed as the body (rewound before each try) */
	int64_t upload_size;
	/* Streams a 2xx response body; NULL keeps it in `resp` (up to `max`).
	 * A non-2xx body (the registry's error JSON) always goes to `resp`. */
	size_t (*write)(void *payload, const char *data, size_t len);
	void *write_payload;
	size_t max;                    /* 0: CK__REG_MAX_SMALL */
	/* upload progress */
	void (*read_progress)(void *payload, uint64_t done);
	void *read_payload;

	/* response */
	long status;
	ck__buf resp;
	bool truncated;                /* resp hit `max` */
	char *location, *content_type, *docker_digest, *content_range;
	char *www_authenticate;        /* the challenge to follow (Bearer preferred) */
	int64_t content_length;        /* -1 unknown */
	CURLcode cc;
	uint64_t sent;
} ck__req;

/* session.c */
/* "https://endpoint/v2/<repo>/<rest>" with the session's scheme. */
char *ck__reg_url(const ck__registry *r, const char *fmt, ...) CK_PRINTF(2, 3);
/* Applies the session's TLS settings to a handle that was just reset. */
void ck__reg_tls(ck__registry *r, CURL *c);
/* The repository for messages: "127.0.0.1:5000/busybox". */
const char *ck__reg_name(const ck__registry *r, char *buf, size_t size);

/* http.c */
/* Runs one request: learns the scheme and the auth challenge on first use
 * (GET /v2/, https then http when insecure), sends credentials or a token,
 * and follows one 401 by authenticating and trying again.  CK_OK whenever
 * an HTTP answer came back (the caller judges req->status); CK_ENETWORK
 * naming the URL and curl's reason when none did; CK_EAUTH when a token
 * was refused. */
int ck__reg_do(ck__registry *r, ck__req *req);
/* The first contact alone (GET /v2/): call it before building URLs, which
 * depend on the scheme it settles. */
int ck__reg_ready(ck__registry *r);
/* Only sends: no ping, no auth handling (the token request itself). */
int ck__reg_perform(ck__registry *r, ck__req *req, const char *auth_header, const char *user,
                    const char *pass);
void ck__req_reset(ck__req *req);   /* frees the response part, keeps the request part */
void ck__req_free(ck__req *req);
/* Sets the thread's error for an HTTP answer that is not what `what`
 * expected: CK_EAUTH for 401/403, CK_ENOTFOUND for 404, CK_ENETWORK else;
 * the message names the registry, the repository, the status and the
 * registry's error code and message. */
int ck__reg_http_error(ck__registry *r, const ck__req *req, const char *what);
/* Sets CK_ENETWORK for a transport failure (curl's reason and a hint). */
int ck__reg_curl_error(ck__registry *r, const ck__req *req, const char *what);
/* True for a transient transport failure worth retrying. */
bool ck__reg_transient(const ck__req *req);
/* Parses a WWW-Authenticate value.  *scheme is CK__AUTH_BASIC or
 * CK__AUTH_BEARER (CK__AUTH_NONE if unknown); realm/service may be NULL. */
int ck__reg_parse_challenge(enum ck__reg_auth *scheme, char **realm, char **service, const char *value);
/* Fetches a Bearer token for `scope` (NULL: none, for a login check). */
int ck__reg_fetch_token(ck__registry *r, const char *scope, int scope_level);
/* Sleeps 250 ms << attempt (at most 4 s). */
void ck__reg_backoff(int attempt);
/* The one retry loop of every registry exchange: calls `once` (attempt 0,
 * 1, ...) until it sets *again to false or `tries` calls were made,
 * sleeping ck__reg_backoff(attempt) in between; returns what the last call
 * returned.  *again means the failure was transient. */
typedef int (*ck__reg_once_fn)(void *payload, int attempt, bool *again);
int ck__reg_retry(int tries, ck__reg_once_fn once, void *payload);
/* ck__reg_do, tried up to three times while the transport fails in a
 * transient way (ck__reg_transient); the answer is the last one. */
int ck__reg_do_retry(ck__registry *r, ck__req *req);

/* auth.c */
int ck__base64_encode(char **out, const void *data, size_t len);
int ck__base64_decode(char **out, size_t *len, const char *text);

#endif

/* Moving blobs: downloads that follow redirects and resume with a Range
 * request after a dropped connection, and monolithic uploads (POST an
 * upload session, then PUT the file to its Location with ?digest=). */
#define _GNU_SOURCE
#include "registry_int.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

typedef struct download {
	ck__registry *r;
	ck__req *req;
	const ck__blob_sink *sink;
	const char *digest;
	int64_t size;
	uint64_t start;   /* what the sink held when this attempt began */
	uint64_t skip;    /* bytes to drop: the server started before `start` */
	bool started;     /* the first body byte of this attempt was seen */
	int rc;           /* why the transfer was stopped from our side */
	ck_progress_fn progress;
	void *payload;
	uint64_t reported;
	bool finished;    /* the last progress call has been made */
	const char *what, *name; /* for messages: "reading blob D of", the repository */
} download;

static void report(download *d, bool force)
{
	uint64_t done = d->sink->offset(d->sink->payload);
	uint64_t step = d->size > 0 ? (uint64_t)d->size / 100 : 0;

	if (step < (256u << 10))
		step = 256u << 10;
	if (d->progress && (force || done >= d->reported + step || (d->size >= 0 && done == (uint64_t)d->size))) {
		if (d->finished)
			return; /* the end is told once */
		d->finished = d->size < 0 ? force : done == (uint64_t)d->size;
		d->reported = done;
		d->progress("copy", d->digest, done, d->size > 0 ? (uint64_t)d->size : 0, d->payload);
	}
}

/* "bytes START-END/TOTAL" -> START (and TOTAL, -1 when "*") */
static bool parse_range(const char *v, uint64_t *first, int64_t *total)
{
	char *end;
	const char *slash;

	if (!v || strncasecmp(v, "bytes ", 6) != 0)
		return false;
	*first = strtoull(v + 6, &end, 10);
	if (end == v + 6 || *end != '-')
		return false;
	slash = strchr(end, '/');
	*total = slash && slash[1] != '*' ? strtoll(slash + 1, NULL, 10) : -1;
	return true;
}

/* The first bytes of an answer: decide what to drop and check the length
 * the registry announces against the manifest's. */
static int begin_body(download *d)
{
	char name[512];
	ck__req *req = d->req;

	ck__reg_name(d->r, name, sizeof(name));
	if (req->status == 206) {
		uint64_t first;
		int64_t total;
		if (!parse_range(req->content_range, &first, &total) || first > d->start)
			return ck__error_set(CK_ENETWORK, "reading blob %s of %s: the registry answered a range "
			                     "request with an unusable Content-Range (%s)", d->digest, name,
			                     req->content_range ? req->content_range : "none");
		d->skip = d->start - first;
		if (d->size >= 0 && total >= 0 && total != d->size)
			return ck__error_set(CK_EDIGEST, "reading blob %s of %s: the registry has %" PRId64 " bytes but "
			                     "the manifest says %" PRId64, d->digest, name, total, d->size);
	} else {
		d->skip = d->start; /* the registry ignored Range: the whole blob again */
		if (d->size >= 0 && req->content_length >= 0 && req->content_length != d->size)
			return ck__error_set(CK_EDIGEST, "reading blob %s of %s: the registry sends %" PRId64 " bytes but "
			                     "the manifest says %" PRId64, d->digest, name, req->content_length,
			                     d->size);
	}
	return CK_OK;
}

static size_t on_blob(void *payload, const char *data, size_t len)
{
	download *d = payload;
	size_t n = len;

	if (!d->started) {
		d->started = true;
		if ((d->rc = begin_body(d)) != CK_OK)
			return 0;
	}
	if (d->skip) {
		size_t k = d->skip < n ? (size_t)d->skip : n;
		data += k;
		n -= k;
		d->skip -= k;
	}
	if (n && (d->rc = d->sink->write(d->sink->payload, data, n)) != CK_OK)
		return 0;
	report(d, false);
	return len;
}

/* One GET of the blob, from what the sink already holds; *again after a
 * drop or a short answer, while retries are left. */
static int download_once(void *payload, int attempt, bool *again)
{
	download *d = payload;
	ck__registry *r = d->r;
	ck__req *req = d->req;
	const ck__blob_sink *sink = d->sink;
	struct curl_slist *hdrs = NULL;
	char range[64];
	int rc;

	*again = false;
	d->start = sink->offset(sink->payload);
	d->started = false;
	d->skip = 0;
	if (d->size >= 0 && d->start == (uint64_t)d->size && attempt > 0)
		return CK_OK; /* everything arrived before the connection dropped */
	if (d->start > 0) {
		snprintf(range, sizeof(range), "Range: bytes=%" PRIu64 "-", d->start);
		if (!(hdrs = curl_slist_append(NULL, range)))
			return ck__oom();
	}
	req->headers = hdrs;
	rc = ck__reg_do(r, req);
	curl_slist_free_all(hdrs);
	req->headers = NULL;
	if (rc != CK_OK)
		return rc;
	if (d->rc != CK_OK)
		return d->rc;
	if (req->cc == CURLE_OK && (req->status == 200 || req->status == 206)) {
		uint64_t got = sink->offset(sink->payload);
		if (d->size < 0 || got == (uint64_t)d->size)
			return CK_OK;
		/* the answer ended early without an error: resume it like a drop */
	} else if (req->cc == CURLE_OK && req->status == 416 && d->size >= 0 && d->start == (uint64_t)d->size) {
		return CK_OK;
	} else if (!ck__reg_transient(req)) {
		return req->cc != CURLE_OK ? ck__reg_curl_error(r, req, d->what) : ck__reg_http_error(r, req, d->what);
	}
	if (attempt >= CK__REG_RETRIES) {
		if (req->cc != CURLE_OK)
			ck__reg_curl_error(r, req, d->what);
		else if (req->status != 200 && req->status != 206)
			ck__reg_http_error(r, req, d->what);
		else
			ck__error_set(CK_ENETWORK, "%s %s: the answer ended after %" PRIu64 " of %" PRId64 " bytes",
			              d->what, d->name, sink->offset(sink->payload), d->size);
		return ck__error_wrap(CK_ENETWORK, "giving up after %d retries", CK__REG_RETRIES);
	}
	ck__log(r->ctx, CK_LOG_INFO, "%s %s: transfer interrupted at %" PRIu64 " bytes (%s); retrying", d->what,
	        d->name, sink->offset(sink->payload), req->cc != CURLE_OK ? curl_easy_strerror(req->cc) : "short answer");
	*again = true;
	return CK_OK;
}

int ck__reg_get_blob(ck__registry *r, const char *digest, int64_t size, const ck__blob_sink *sink,
                          ck_progress_fn progress, void *payload)
{
	ck__req req = { .method = "GET", .write = on_blob };
	download d = { .r = r, .req = &req, .sink = sink, .digest = digest, .size = size,
	               .progress = progress, .payload = payload };
	char name[512], what[512], *url;
	int rc = CK_OK;

	ck__reg_name(r, name, sizeof(name));
	d.what = what;
	d.name = name;
	snprintf(what, sizeof(what), "reading blob %s of", digest);
	if ((rc = ck__reg_ready(r)) != CK_OK)
		return rc;
	if (!(url = ck__reg_url(r, "blobs/%s", digest)))
		return CK_ENOMEM;
	req.url = url;
	req.write_payload = &d;
	d.reported = sink->offset(sink->payload);
	if (progress)
		progress("copy", digest, d.reported, size > 0 ? (uint64_t)size : 0, payload);
	rc = ck__reg_retry(CK__REG_RETRIES + 1, download_once, &d);
	if (rc == CK_OK)
		report(&d, true);
	free(url);
	ck__req_free(&req);
	return rc;
}

/* ---- uploads ---- */

typedef struct upload {
	ck__registry *r;
	FILE *f;
	int64_t size;
	const char *what;
	const char *digest;
	uint64_t total;
	ck_progress_fn progress;
	void *payload;
	uint64_t reported;
} upload;

static void on_sent(void *payload, uint64_t done)
{
	upload *u = payload;
	uint64_t step = u->total / 100 > (256u << 10) ? u->total / 100 : (256u << 10);

	if (u->progress && (done >= u->reported + step || done == u->total)) {
		u->reported = done;
		u->progress("copy", u->digest, done, u->total, u->payload);
	}
}

/* The PUT URL: the upload's Location (absolute, or relative to the POST
 * URL), with digest= appended to whatever query it carries. */
static int put_url(char **out, ck__registry *r, const char *base, const char *location, const char *digest)
{
	CURLU *u = curl_url();
	char *q = ck__asprintf("digest=%s", digest), *s = NULL;
	int rc = CK_OK;

	*out = NULL;
	if (!u || !q) {
		rc = ck__oom();
	} else if (curl_url_set(u, CURLUPART_URL, base, 0) != CURLUE_OK ||
	           curl_url_set(u, CURLUPART_URL, location, 0) != CURLUE_OK) {
		char name[512];
		rc = ck__error_set(CK_ENETWORK, "uploading blob %s to %s: the registry gave an unusable upload "
		                   "location \"%s\"", digest, ck__reg_name(r, name, sizeof(name)), location);
	} else if (curl_url_set(u, CURLUPART_QUERY, q, CURLU_APPENDQUERY | CURLU_URLENCODE) != CURLUE_OK ||
	           curl_url_get(u, CURLUPART_URL, &s, 0) != CURLUE_OK) {
		rc = ck__oom();
	} else if (!(*out = ck__strdup(s))) {
		rc = ck__oom();
	}
	curl_free(s);
	free(q);
	curl_url_cleanup(u);
	return rc;
}

static int upload_once(void *payload, int attempt, bool *retry)
{
	upload *up = payload;
	ck__registry *r = up->r;
	const char *digest = up->digest, *what = up->what;
	FILE *f = up->f;
	int64_t size = up->size;
	ck__req post = { .method = "POST", .push = true };
	ck__req put = { .method = "PUT", .push = true, .upload = f, .upload_size = size,
	                .read_progress = on_sent, .read_payload = up };
	struct curl_slist *hdrs = NULL;
	char *url = ck__reg_url(r, "blobs/uploads/"), *target = NULL;
	int rc;

	(void)attempt;
	*retry = false;
	if (!url)
		return CK_ENOMEM;
	post.url = url;
	rc = ck__reg_do(r, &post);
	if (rc == CK_OK && (post.cc != CURLE_OK || post.status != 202)) {
		*retry = ck__reg_transient(&post);
		rc = post.cc != CURLE_OK ? ck__reg_curl_error(r, &post, what) : ck__reg_http_error(r, &post, what);
	} else if (rc == CK_OK && !post.location) {
		rc = ck__error_set(CK_ENETWORK, "%s %s/%s: the registry started an upload without a Location",
		                   what, r->registry, r->repo);
	}
	if (rc == CK_OK)
		rc = put_url(&target, r, url, post.location, digest);
	if (rc == CK_OK && !(hdrs = curl_slist_append(NULL, "Content-Type: application/octet-stream")))
		rc = ck__oom();
	if (rc == CK_OK) {
		put.url = target;
		put.headers = hdrs;
		rc = ck__reg_do(r, &put);
		if (rc == CK_OK && (put.cc != CURLE_OK || put.status != 201)) {
			*retry = ck__reg_transient(&put);
			rc = put.cc != CURLE_OK ? ck__reg_curl_error(r, &put, what) : ck__reg_http_error(r, &put, what);
		}
	}
	curl_slist_free_all(hdrs);
	free(target);
	free(url);
	ck__req_free(&post);
	ck__req_free(&put);
	return rc;
}

int ck__reg_put_blob(ck__registry *r, const char *digest, const char *path, int64_t size,
                          ck_progress_fn progress, void *payload)
{
	upload up = { .digest = digest, .progress = progress, .payload = payload };
	char what[512];
	struct stat st;
	FILE *f;
	int rc;

	snprintf(what, sizeof(what), "uploading blob %s to", digest);
	if (!(f = fopen(path, "rbe")))
		return ck__error_errno(ck__errno_code(errno), "uploading blob %s: cannot open %s", digest, path);
	if (fstat(fileno(f), &st) < 0) {
		rc = ck__error_errno(CK_EIO, "uploading blob %s: cannot stat %s", digest, path);
		fclose(f);
		return rc;
	}
	if (size >= 0 && st.st_size != size) {
		fclose(f);
		return ck__error_set(CK_ECORRUPT, "uploading blob %s: %s has %lld bytes but the manifest says %lld",
		                     digest, path, (long long)st.st_size, (long long)size);
	}
	up.total = (uint64_t)st.st_size;
	if ((rc = ck__reg_ready(r)) != CK_OK) {
		fclose(f);
		return rc;
	}
	if (progress)
		progress("copy", digest, 0, up.total, payload);
	up.r = r;
	up.f = f;
	up.size = st.st_size;
	up.what = what;
	rc = ck__reg_retry(3, upload_once, &up);
	if (rc == CK_OK && progress && up.reported != up.total)
		progress("copy", digest, up.total, up.total, payload);
	fclose(f);
	return rc;
}

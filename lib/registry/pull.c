/* ck_image_pull: a reference (short names through the search registries)
 * -> manifest (an index resolved to this platform) -> every blob streamed
 * and verified into the store -> the image record, which appears only when
 * everything is in. */
#define _GNU_SOURCE
#include "image/image.h"
#include "registry/registry.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define CONFIG_MAX (64 * 1024 * 1024) /* no real image config comes close */

typedef struct pull {
	ck_context *ctx;
	ck__registry *reg;
	const ck_registry_options *opts;
	const char *what; /* "127.0.0.1:5000/busybox:latest", for messages */
} pull;

static void progress(const pull *p, const char *phase, const char *digest, uint64_t done, uint64_t total)
{
	if (p->opts && p->opts->progress)
		p->opts->progress(phase, digest, done, total, p->opts->progress_payload);
}

static int sink_write(void *payload, const void *data, size_t len)
{
	return ck__blob_writer_write(payload, data, len);
}

static uint64_t sink_offset(void *payload)
{
	return ck__blob_writer_offset(payload);
}

/* One blob into the store, unless it is there already. */
static int fetch_blob(pull *p, const ck__descriptor *d)
{
	ck__blob_writer *w = NULL;
	ck__blob_sink sink = { sink_write, sink_offset, NULL };
	int rc;

	if (ck__blob_exists(p->ctx, d->digest)) {
		progress(p, "skip", d->digest, (uint64_t)d->size, (uint64_t)d->size);
		return CK_OK;
	}
	if ((rc = ck__blob_writer_new(&w, p->ctx, d->digest, d->size)) != CK_OK)
		return rc;
	sink.payload = w;
	rc = ck__registry_get_blob(p->reg, d->digest, d->size, &sink,
	                           p->opts ? p->opts->progress : NULL, p->opts ? p->opts->progress_payload : NULL);
	if (rc != CK_OK) {
		ck__blob_writer_abort(w);
		return rc;
	}
	/* the writer checks digest and size and throws the file away on a mismatch */
	return ck__blob_writer_commit(NULL, w);
}

static bool is_index(const char *mt)
{
	return !strcmp(mt, CK_MT_OCI_INDEX) || !strcmp(mt, CK_MT_DOCKER_LIST);
}

/* The manifest to pull: `ref`'s own, or the platform's entry of an index. */
static int resolve_manifest(char **body, size_t *len, char **digest, pull *p, const char *ref)
{
	char *mt = NULL, *kind = NULL, *ibody = NULL, *idigest = NULL, what[600];
	ck__index *idx = NULL;
	const ck__descriptor *d;
	size_t ilen;
	int rc;

	*body = *digest = NULL;
	snprintf(what, sizeof(what), "the manifest of %s", p->what);
	if ((rc = ck__registry_get_manifest(&ibody, &ilen, &mt, &idigest, p->reg, ref)) != CK_OK)
		return rc;
	if ((rc = ck__manifest_kind(&kind, ibody, ilen, what)) != CK_OK)
		goto out;
	if (!is_index(kind)) {
		*body = ibody;
		*len = ilen;
		*digest = idigest;
		ibody = idigest = NULL;
		goto out;
	}
	snprintf(what, sizeof(what), "the image index of %s", p->what);
	if ((rc = ck__index_parse(&idx, ibody, ilen, what)) != CK_OK ||
	    (rc = ck__index_select(&d, idx, p->opts ? p->opts->platform : NULL)) != CK_OK)
		goto out;
	if ((rc = ck__registry_get_manifest(body, len, NULL, digest, p->reg, d->digest)) != CK_OK)
		goto out;
	free(kind);
	kind = NULL;
	snprintf(what, sizeof(what), "the manifest %s of %s", d->digest, p->what);
	if ((rc = ck__manifest_kind(&kind, *body, *len, what)) != CK_OK)
		goto out;
	if (is_index(kind))
		rc = ck__error_set(CK_EUNSUPPORTED, "%s: an index nested in an index is not supported", what);
	else if (d->size >= 0 && (size_t)d->size != *len)
		rc = ck__error_set(CK_EDIGEST, "%s: the index says %lld bytes but the manifest has %zu", what,
		                   (long long)d->size, *len);
out:
	if (rc != CK_OK) {
		free(*body);
		free(*digest);
		*body = *digest = NULL;
	}
	ck__index_free(idx);
	free(ibody);
	free(idigest);
	free(mt);
	free(kind);
	return rc;
}

/* Pulls one fully qualified reference. */
static int pull_one(ck_image **out, ck_context *ctx, const ck__ref *ref, const ck_registry_options *opts)
{
	pull p = { .ctx = ctx, .opts = opts };
	char *name = NULL, *body = NULL, *digest = NULL, hex[65], what[600];
	ck__manifest *m = NULL;
	ck__lock lk = CK__LOCK_INIT;
	size_t len = 0;
	int rc;

	/* by digest the image gets no tag, only its digested name */
	if (ref->digest)
		name = ck__asprintf("%s/%s@%s", ref->registry, ref->repo, ref->digest);
	else
		name = ck__ref_string(ref);
	if (!name)
		return ck__oom();
	p.what = name;
	if ((rc = ck__registry_open(&p.reg, ctx, ref->registry, ref->repo, opts)) != CK_OK)
		goto out;
	if ((rc = resolve_manifest(&body, &len, &digest, &p, ref->digest ? ref->digest : ref->tag)) != CK_OK)
		goto out;
	snprintf(what, sizeof(what), "the manifest %s of %s", digest, name);
	if ((rc = ck__manifest_parse(&m, body, len, what)) != CK_OK)
		goto out;
	if (m->config.media_type && strcmp(m->config.media_type, CK_MT_OCI_CONFIG) != 0 &&
	    strcmp(m->config.media_type, CK_MT_DOCKER_CONFIG) != 0) {
		rc = ck__error_set(CK_EUNSUPPORTED, "%s: not a container image (its config has media type \"%s\"; "
		                   "an OCI artifact?)", what, m->config.media_type);
		goto out;
	}
	if (m->config.size < 0 || m->config.size > CONFIG_MAX) {
		rc = ck__error_set(CK_ECORRUPT, "%s: the config's size %lld is out of range", what,
		                   (long long)m->config.size);
		goto out;
	}
	/* Two pulls of one image take turns: the second finds every blob in
	 * place and only adds its names. */
	if ((rc = ck__digest_parse(digest, hex)) != CK_OK || (rc = ck__lock_object(&lk, ctx, "pull", hex)) != CK_OK)
		goto out;
	ck__image_progress_expect(opts, m->n_layers + 2); /* the layers, the config and the manifest */
	for (size_t i = 0; i < m->n_layers && rc == CK_OK; i++)
		rc = fetch_blob(&p, &m->layers[i]);
	if (rc == CK_OK)
		rc = fetch_blob(&p, &m->config);
	if (rc != CK_OK)
		goto out;
	if ((rc = ck__blob_put(NULL, ctx, body, len, digest)) != CK_OK)
		goto out;
	progress(&p, "write", digest, len, len);
	rc = ck__image_commit(out, ctx, digest, (const char *const[]){ name, NULL },
	                      opts ? opts->progress : NULL, opts ? opts->progress_payload : NULL);
out:
	ck__lock_release(&lk);
	if (rc != CK_OK && rc != CK_ENOMEM && !ck__str_has_prefix(ck_error_last()->message, "pulling"))
		ck__error_wrap(rc, "pulling %s", name);
	ck__manifest_free(m);
	ck__registry_free(p.reg);
	free(body);
	free(digest);
	free(name);
	return rc;
}

/* Whether a failed candidate of a short name lets the search go on. */
static bool try_next(int rc)
{
	return rc == CK_ENOTFOUND || rc == CK_EAUTH || rc == CK_ENETWORK;
}

/* Pulls `ref`, trying each candidate a short name expands to. */
static int pull_ref(ck_image **out, ck_context *ctx, const char *ref, const ck_registry_options *opts)
{
	char **cands = NULL;
	ck__buf errs = { 0 };
	int rc = CK_ENOTFOUND, first = CK_OK;
	size_t tried = 0;

	if (ck__str_has_prefix(ref, "docker://"))
		ref += 9;
	if ((rc = ck__ref_candidates(&cands, ctx, ref)) != CK_OK)
		return rc;
	rc = CK_ENOTFOUND;
	for (size_t i = 0; cands[i]; i++) {
		ck__ref r;
		if ((rc = ck__ref_parse(&r, cands[i], NULL)) != CK_OK)
			break;
		if (!strcmp(r.registry, "localhost")) {
			/* names under localhost/ are local images; no registry serves them */
			ck__ref_free(&r);
			rc = CK_ENOTFOUND;
			continue;
		}
		tried++;
		rc = pull_one(out, ctx, &r, opts);
		ck__ref_free(&r);
		if (rc == CK_OK || !try_next(rc))
			break;
		/* remember why this candidate failed; the search goes on */
		if (first == CK_OK || first == CK_ENOTFOUND)
			first = rc;
		ck__buf_printf(&errs, "%s%s", errs.len ? "; " : "", ck_error_last()->message);
	}
	if (rc != CK_OK && try_next(rc) && tried > 1)
		rc = ck__error_set(first, "%s was not pulled from any of the search registries: %s", ref,
		                   errs.data ? errs.data : "");
	else if (rc != CK_OK && try_next(rc) && tried == 0)
		rc = ck__error_set(CK_ENOTFOUND, "%s names a local image (localhost/); there is no registry to "
		                   "pull it from", cands[0]);
	ck__buf_free(&errs);
	ck_strv_free(cands);
	return rc;
}

static int check_args(const char *fn, ck_context *ctx, const char *ref, const ck_registry_options *opts)
{
	if (!ctx || !ref || !*ref)
		return ck__error_set(CK_EINVAL, "%s: %s is NULL or empty", fn, !ctx ? "ctx" : "ref");
	if (opts && (opts->version == 0 || opts->version > CK_REGISTRY_OPTIONS_VERSION))
		return ck__error_set(CK_EVERSION, "unknown ck_registry_options version %u", opts->version);
	return CK_OK;
}

/* pull_ref() with the options at the current version (progress relayed). */
static int pull_loaded(ck_image **out, ck_context *ctx, const char *ref, const ck_registry_options *opts)
{
	ck_registry_options o;
	ck__image_progress relay;
	int rc = ck__registry_options_load(&o, &relay, opts);

	if (rc == CK_OK)
		rc = pull_ref(out, ctx, ref, &o);
	ck__image_progress_free(&relay);
	return rc;
}

int ck_image_pull(ck_image **out, ck_context *ctx, const char *ref, const ck_registry_options *opts)
{
	int rc;

	CK_ENTER();
	if (out)
		*out = NULL;
	if ((rc = check_args("ck_image_pull", ctx, ref, opts)) != CK_OK)
		return rc;
	return pull_loaded(out, ctx, ref, opts);
}

int ck_image_pull_policy_parse(ck_image_pull_policy *out, const char *text)
{
	static const struct {
		const char *name;
		ck_image_pull_policy policy;
	} names[] = {
		{ "missing", CK_PULL_MISSING }, { "always", CK_PULL_ALWAYS }, { "never", CK_PULL_NEVER },
		{ "newer", CK_PULL_NEWER },
		/* podman's spellings of the same */
		{ "ifmissing", CK_PULL_MISSING }, { "ifnewer", CK_PULL_NEWER }, { "true", CK_PULL_ALWAYS },
		{ "false", CK_PULL_NEVER },
	};

	CK_ENTER();
	if (!out || !text)
		return ck__error_set(CK_EINVAL, "ck_image_pull_policy_parse: %s is NULL", !out ? "out" : "text");
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcasecmp(text, names[i].name)) {
			*out = names[i].policy;
			return CK_OK;
		}
	return ck__error_set(CK_EINVAL, "invalid pull policy \"%s\": use always, missing, never or newer", text);
}

int ck_image_get(ck_image **out, ck_context *ctx, const char *ref, ck_image_pull_policy policy,
                 const ck_registry_options *opts)
{
	ck_image *local = NULL;
	char *id = NULL;
	int rc;

	CK_ENTER();
	if (!out)
		return ck__error_set(CK_EINVAL, "ck_image_get: out is NULL");
	*out = NULL;
	if ((rc = check_args("ck_image_get", ctx, ref, opts)) != CK_OK)
		return rc;
	if (policy < CK_PULL_MISSING || policy > CK_PULL_NEWER)
		return ck__error_set(CK_EINVAL, "ck_image_get: unknown pull policy %d", (int)policy);
	if (policy != CK_PULL_ALWAYS) {
		rc = ck__image_resolve(&id, ctx, ref);
		if (rc == CK_OK)
			rc = ck__image_load(&local, ctx, id);
		free(id);
		if (rc != CK_OK && rc != CK_ENOTFOUND)
			return rc;
		if (local && policy != CK_PULL_NEWER) {
			*out = local;
			return CK_OK;
		}
		if (!local && policy == CK_PULL_NEVER)
			return ck__error_set(CK_ENOTFOUND, "%s: image not known, and the pull policy is never", ref);
	}
	rc = pull_loaded(out, ctx, ref, opts);
	if (rc != CK_OK && local) {
		/* newer: the registry could not say; the local image stands */
		ck__error_clear();
		*out = local;
		return CK_OK;
	}
	ck_image_free(local);
	return rc;
}

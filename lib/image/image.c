/* Finding images (by name through the short-name candidates, full id, id
 * prefix, "sha256:ID" or name@digest), the handle's getters, and tagging. */
#define _GNU_SOURCE
#include "image/image_int.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

static bool all_hex(const char *s)
{
	return *s && ck__is_hex(s, strlen(s));
}

struct digest_match {
	const char *digest, *repo; /* repo: "registry/repo" or NULL for any */
	char *id;
	int count;
};

/* The repository part of a stored name: up to its tag or digest. */
static size_t repo_len(const char *name)
{
	const char *at = strchr(name, '@'), *slash = strrchr(name, '/'), *colon;
	size_t end = at ? (size_t)(at - name) : strlen(name);

	colon = memrchr(name, ':', end);
	if (colon && (!slash || colon > slash))
		end = (size_t)(colon - name);
	return end;
}

static int digest_scan_fn(const char *id, const char *config, const char *state, void *payload)
{
	struct digest_match *m = payload;
	ck__image_state st;
	yajl_val tree = NULL;
	bool match;

	if (ck__json_parse(&tree, config, "image record", CK_ECORRUPT) != CK_OK) {
		ck__error_clear(); /* a damaged record is the check's business */
		return 0;
	}
	match = ck__json_str(tree, "digest") && !strcmp(ck__json_str(tree, "digest"), m->digest);
	yajl_tree_free(tree);
	if (!match)
		return 0;
	if (m->repo) {
		match = false;
		if (ck__image_state_parse(&st, state, id) != CK_OK) {
			ck__error_clear();
			return 0;
		}
		for (char **n = st.names; *n && !match; n++)
			match = repo_len(*n) == strlen(m->repo) && !strncmp(*n, m->repo, strlen(m->repo));
		ck__image_state_free(&st);
		if (!match)
			return 0;
	}
	if (m->count++ == 0 && !(m->id = ck__strdup(id)))
		return ck__oom();
	return 0;
}

/* Images with manifest digest `digest` (and a name in `repo`, if given). */
static int find_by_digest(char **id, ck_state_txn *txn, const char *digest, const char *repo)
{
	struct digest_match m = { digest, repo, NULL, 0 };
	int rc = ck__rec_foreach(txn, CK__KIND_IMAGE, digest_scan_fn, &m);

	*id = NULL;
	if (rc == CK_OK && m.count == 1) {
		*id = m.id;
		return CK_OK;
	}
	free(m.id);
	if (rc != CK_OK)
		return rc;
	return m.count ? CK_EAMBIGUOUS : CK_ENOTFOUND;
}

static int tag_get(char **id, ck_state_txn *txn, const char *name)
{
	int rc = ck__txn_get(id, NULL, txn, "images.tags", name);
	if (rc == CK_OK) {
		/* A tag whose image is gone counts as no tag. */
		char *cfg = NULL;
		int rc2 = ck__txn_get(&cfg, NULL, txn, "images", *id);
		free(cfg);
		if (rc2 != CK_OK) {
			free(*id);
			*id = NULL;
			return rc2;
		}
	}
	return rc;
}

/* One fully qualified candidate name. */
static int resolve_name(char **id, ck_state_txn *txn, const char *cand)
{
	ck__ref ref;
	char *repo = NULL;
	int rc = tag_get(id, txn, cand);

	if (rc != CK_ENOTFOUND)
		return rc;
	if (ck__ref_parse(&ref, cand, NULL) != CK_OK) {
		ck__error_clear();
		return CK_ENOTFOUND;
	}
	if (!ref.digest)
		goto out;
	rc = CK_ENOMEM;
	if (!(repo = ck__ref_repo_string(&ref)))
		goto out;
	/* As docker: with a digest, a tag says nothing more. */
	rc = find_by_digest(id, txn, ref.digest, repo);
out:
	free(repo);
	ck__ref_free(&ref);
	if (rc == CK_ENOMEM)
		return ck__oom();
	return rc;
}

/* Ids go through the shared lookup (ck__rec_resolve); names do not, since
 * an image's names are its tags, normalised first (busybox is
 * docker.io/library/busybox:latest) and also found by manifest digest, and
 * an ambiguous id is worded with the form the user gave (sha256:...). */
static int resolve_id(char **id, ck_state_txn *txn, const char *ref, const char *shown)
{
	int rc = ck__rec_resolve(id, txn, CK__KIND_IMAGE, ref);

	if (rc == CK_EAMBIGUOUS)
		return ck__error_set(CK_EAMBIGUOUS, "\"%s\" matches more than one image id; give more of the id",
		                     shown);
	return rc;
}

static int resolve_txn(char **id, char **name, ck_state_txn *txn, const char *ref)
{
	char **cands = NULL;
	int rc, parse_rc;

	*id = NULL;
	if (name)
		*name = NULL;
	if (!ref || !*ref)
		return ck__error_set(CK_EINVAL, "the image name or id is empty");
	if (ck__str_has_prefix(ref, "sha256:")) {
		const char *hex = ref + 7;
		if (!all_hex(hex) || strlen(hex) > 64)
			return ck__error_set(CK_EINVAL, "invalid image id \"%s\": expected sha256: and up to 64 "
			                                "lowercase hex digits", ref);
		rc = resolve_id(id, txn, hex, ref);
		if (rc == CK_ENOTFOUND && strlen(hex) == 64 && (rc = find_by_digest(id, txn, ref, NULL)) == CK_EAMBIGUOUS)
			return ck__error_set(CK_EAMBIGUOUS, "more than one image has manifest digest %s", ref);
		goto out;
	}
	if (strlen(ref) == 64 && all_hex(ref)) {
		rc = resolve_id(id, txn, ref, ref);
		goto out;
	}
	parse_rc = ck__ref_candidates(&cands, ck__txn_context(txn), ref);
	if (parse_rc != CK_OK && !all_hex(ref))
		return parse_rc;
	ck__error_clear();
	rc = CK_ENOTFOUND;
	for (char **c = cands; c && *c && rc == CK_ENOTFOUND; c++)
		if ((rc = resolve_name(id, txn, *c)) == CK_OK && name && !(*name = strdup(*c)))
			rc = ck__oom();
	ck_strv_free(cands);
	if (rc == CK_EAMBIGUOUS)
		return ck__error_set(CK_EAMBIGUOUS, "more than one image matches \"%s\"; use an image id", ref);
	if (rc == CK_ENOTFOUND && all_hex(ref))
		rc = resolve_id(id, txn, ref, ref);
out:
	if (rc == CK_ENOTFOUND)
		return ck__error_set(CK_ENOTFOUND, "%s: image not known", ref);
	if (rc == CK_OK)
		ck__error_clear();
	return rc;
}

int ck__image_resolve_txn(char **id, ck_state_txn *txn, const char *ref)
{
	return resolve_txn(id, NULL, txn, ref);
}

struct resolve_args {
	const char *ref;
	char *id, *config, *state, *name;
};

static void resolve_args_clear(struct resolve_args *a)
{
	free(a->id);
	free(a->config);
	free(a->state);
	free(a->name);
	a->id = a->config = a->state = a->name = NULL;
}

static int resolve_fn(ck_state_txn *txn, void *payload)
{
	struct resolve_args *a = payload;
	free(a->name);
	a->name = NULL;
	return resolve_txn(&a->id, &a->name, txn, a->ref);
}

int ck__image_resolve_named(char **id, char **name, ck_context *ctx, const char *ref)
{
	struct resolve_args a = { ref, NULL, NULL, NULL, NULL };
	int rc;

	*id = NULL;
	if (name)
		*name = NULL;
	rc = ck__state_read(ctx, resolve_fn, &a);
	if (rc == CK_OK) {
		*id = a.id;
		a.id = NULL;
		if (name) {
			*name = a.name;
			a.name = NULL;
		}
	}
	resolve_args_clear(&a);
	return rc;
}

int ck__image_resolve(char **id, ck_context *ctx, const char *ref)
{
	return ck__image_resolve_named(id, NULL, ctx, ref);
}

static int load_fn(ck_state_txn *txn, void *payload)
{
	struct resolve_args *a = payload;

	free(a->config);
	free(a->state);
	a->config = a->state = NULL;
	return ck__rec_get(&a->config, &a->state, txn, CK__KIND_IMAGE, a->id);
}

int ck__image_load(ck_image **out, ck_context *ctx, const char *id)
{
	struct resolve_args a = { id, NULL, NULL, NULL, NULL };
	int rc;

	*out = NULL;
	if (!(a.id = ck__strdup(id)))
		return ck__oom();
	rc = ck__state_read(ctx, load_fn, &a);
	if (rc == CK_ENOTFOUND)
		rc = ck__error_set(CK_ENOTFOUND, "image %.12s does not exist (any more)", id);
	if (rc == CK_OK)
		rc = ck__image_from_record(out, ctx, a.id, a.config, a.state);
	resolve_args_clear(&a);
	return rc;
}

static int lookup_fn(ck_state_txn *txn, void *payload)
{
	struct resolve_args *a = payload;
	int rc;

	resolve_args_clear(a); /* the body may run more than once */
	if ((rc = ck__image_resolve_txn(&a->id, txn, a->ref)) != CK_OK)
		return rc;
	return ck__rec_get(&a->config, &a->state, txn, CK__KIND_IMAGE, a->id);
}

int ck_image_lookup(ck_image **out, ck_context *ctx, const char *ref)
{
	struct resolve_args a = { ref, NULL, NULL, NULL, NULL };
	int rc;

	CK_ENTER();
	if (!out)
		return ck__error_set(CK_EINVAL, "ck_image_lookup: out is NULL");
	*out = NULL;
	if (!ctx)
		return ck__error_set(CK_EINVAL, "ck_image_lookup: ctx is NULL");
	if (!ref || !*ref)
		return ck__error_set(CK_EINVAL, "ck_image_lookup: the image reference is %s", ref ? "empty" : "NULL");
	rc = ck__state_read(ctx, lookup_fn, &a);
	if (rc == CK_OK)
		rc = ck__image_from_record(out, ctx, a.id, a.config, a.state);
	resolve_args_clear(&a);
	return rc;
}

int ck__image_manifest(char **json, size_t *len, char **digest, char **media_type, ck_context *ctx,
                       const char *id)
{
	ck_image *img = NULL;
	char *body = NULL;
	size_t blen = 0;
	int rc;

	if (json)
		*json = NULL;
	if (len)
		*len = 0;
	if (digest)
		*digest = NULL;
	if (media_type)
		*media_type = NULL;
	if ((rc = ck__image_load(&img, ctx, id)) != CK_OK)
		return rc;
	if (json && (rc = ck__blob_read(&body, &blen, ctx, img->digest, 4u << 20)) != CK_OK) {
		rc = ck__error_wrap(rc, "image %.12s: cannot read its manifest", id);
		goto out;
	}
	if ((digest && !(*digest = ck__strdup(img->digest))) ||
	    (media_type && !(*media_type = ck__strdup(img->manifest_media_type ? img->manifest_media_type
	                                                                       : CK_MT_OCI_MANIFEST)))) {
		rc = ck__oom();
		goto out;
	}
	if (json) {
		*json = body;
		body = NULL;
		if (len)
			*len = blen;
	}
out:
	if (rc != CK_OK) {
		if (digest) {
			free(*digest);
			*digest = NULL;
		}
		if (media_type) {
			free(*media_type);
			*media_type = NULL;
		}
	}
	free(body);
	ck_image_free(img);
	return rc;
}

/* ---- getters ---- */

const char *ck_image_id(const ck_image *img)
{
	return img ? img->id : NULL;
}

const char *ck_image_digest(const ck_image *img)
{
	return img ? img->digest : NULL;
}

const char *const *ck_image_names(const ck_image *img)
{
	static const char *const none[] = { NULL };
	return img && img->names ? (const char *const *)img->names : none;
}

int64_t ck_image_created(const ck_image *img)
{
	return img ? img->created : 0;
}

uint64_t ck_image_size(const ck_image *img)
{
	return img ? img->size : 0;
}

int ck_registry_options_init(ck_registry_options *opts, unsigned int version)
{
	static const ck_registry_options init = CK_REGISTRY_OPTIONS_INIT;

	CK_ENTER();
	if (!opts)
		return ck__error_set(CK_EINVAL, "ck_registry_options_init: opts is NULL");
	if (version == 0 || version > CK_REGISTRY_OPTIONS_VERSION)
		return ck__error_set(CK_EVERSION, "ck_registry_options_init: unknown version %u (this library "
		                                  "knows 1..%d)", version, CK_REGISTRY_OPTIONS_VERSION);
	/* a version 1 caller's struct ends before the fields of version 2 */
	memcpy(opts, &init, version == 1 ? offsetof(ck_registry_options, transfer_progress) : sizeof(init));
	opts->version = version;
	return CK_OK;
}

/* ---- names ---- */

struct tag_args {
	const char *id, *name; /* name normalized */
	const char *given;     /* untag: as the caller wrote it (NULL: every name) */
	char **cands;          /* untag: the names `given` may stand for */
	char *removed;         /* untag: the name that went */
};

static int tag_fn(ck_state_txn *txn, void *payload)
{
	struct tag_args *a = payload;
	int rc = ck__rec_get(NULL, NULL, txn, CK__KIND_IMAGE, a->id);

	if (rc == CK_ENOTFOUND)
		return ck__error_set(CK_ENOTFOUND, "image %.12s does not exist (any more)", a->id);
	if (rc != CK_OK)
		return rc;
	return ck__image_tag_txn(txn, a->id, a->name);
}

int ck_image_tag(ck_image *img, const char *name)
{
	struct tag_args a = { NULL, NULL, NULL, NULL, NULL };
	char *norm = NULL;
	int rc;

	CK_ENTER();
	if (!img)
		return ck__error_set(CK_EINVAL, "ck_image_tag: img is NULL");
	if (!name || !*name)
		return ck__error_set(CK_EINVAL, "ck_image_tag: the name is %s", name ? "empty" : "NULL");
	if (strchr(name, '@'))
		return ck__error_set(CK_EINVAL, "cannot tag image %.12s as \"%s\": a tag cannot name a digest",
		                     img->id, name);
	if ((rc = ck__image_name_normalize(&norm, name)) != CK_OK)
		return rc;
	a.id = img->id;
	a.name = norm;
	rc = ck__state_write(img->ctx, tag_fn, &a);
	if (rc == CK_OK)
		rc = ck__strv_add_unique(&img->names, norm, NULL);
	if (rc == CK_OK)
		ck__log(img->ctx, CK_LOG_DEBUG, "image %.12s: tagged %s", img->id, norm);
	free(norm);
	return rc;
}

static int untag_fn(ck_state_txn *txn, void *payload)
{
	struct tag_args *a = payload;
	ck__image_state st;
	int rc;

	free(a->removed);
	a->removed = NULL;
	if ((rc = ck__image_state_read(&st, NULL, txn, a->id, true)) != CK_OK)
		return rc;
	if (!a->given) {
		for (char **n = st.names; rc == CK_OK && *n; n++)
			rc = ck__image_untag_txn(txn, a->id, *n);
		ck__image_state_free(&st);
		return rc;
	}
	/* The first candidate the image holds, in resolution order. */
	rc = CK_ENOTFOUND;
	for (char **c = a->cands; c && *c && rc == CK_ENOTFOUND; c++) {
		if (!ck__strv_has(st.names, *c)) {
			char *holder = NULL;
			int r = ck__txn_get(&holder, NULL, txn, "images.tags", *c);
			bool mine = r == CK_OK && !strcmp(holder, a->id);
			free(holder);
			if (r != CK_OK && r != CK_ENOTFOUND) {
				rc = r;
				break;
			}
			if (!mine)
				continue;
		}
		rc = ck__image_untag_txn(txn, a->id, *c);
		if (rc == CK_OK && !(a->removed = ck__strdup(*c)))
			rc = ck__oom();
	}
	ck__image_state_free(&st);
	if (rc == CK_ENOTFOUND)
		return ck__error_set(CK_ENOTFOUND, "image %.12s has no name \"%s\"", a->id, a->given);
	return rc;
}

int ck_image_untag(ck_image *img, const char *name)
{
	struct tag_args a = { NULL, NULL, name, NULL, NULL };
	int rc;

	CK_ENTER();
	if (!img)
		return ck__error_set(CK_EINVAL, "ck_image_untag: img is NULL");
	if (name && !*name)
		return ck__error_set(CK_EINVAL, "ck_image_untag: the name is empty");
	if (name && (rc = ck__ref_candidates(&a.cands, img->ctx, name)) != CK_OK)
		return rc;
	a.id = img->id;
	rc = ck__state_write(img->ctx, untag_fn, &a);
	if (rc == CK_OK && !name) {
		ck_strv_free(img->names);
		img->names = calloc(1, sizeof(*img->names));
		if (!img->names)
			rc = ck__oom();
	} else if (rc == CK_OK) {
		ck__strv_remove(img->names, a.removed);
	}
	ck_strv_free(a.cands);
	free(a.removed);
	return rc;
}

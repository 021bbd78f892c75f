/* Listing images through podman's filters (reference, label, dangling,
 * before, since), newest first. */
#define _GNU_SOURCE
#include "image/record_int.h"

#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

typedef struct image_filter {
	char **refs, **labels;
	bool dangling_true, dangling_false;
	bool have_before, have_since;
	int64_t before, since;
} image_filter;

static void filter_free(image_filter *f)
{
	ck_strv_free(f->refs);
	ck_strv_free(f->labels);
	memset(f, 0, sizeof(*f));
}

/* The creation time of the image `ref` names, for before= and since=. */
static int created_of(int64_t *out, ck_context *ctx, const char *flt, const char *ref)
{
	ck_image *img = NULL;
	char *id = NULL;
	int rc = ck__image_resolve(&id, ctx, ref);

	if (rc == CK_OK)
		rc = ck__image_load(&img, ctx, id);
	if (rc == CK_OK)
		*out = img->created;
	else
		rc = ck__error_wrap(rc, "invalid image filter \"%s\"", flt);
	ck_image_free(img);
	free(id);
	return rc;
}

static int filter_parse(image_filter *f, ck_context *ctx, const char *const *filters)
{
	int rc = CK_OK;

	memset(f, 0, sizeof(*f));
	for (size_t i = 0; filters && filters[i] && rc == CK_OK; i++) {
		const char *flt = filters[i], *eq = strchr(flt, '='), *val;
		size_t klen;
		int64_t t = 0;

		if (!eq || eq == flt) {
			rc = ck__error_set(CK_EINVAL, "invalid image filter \"%s\": use KEY=VALUE", flt);
			break;
		}
		klen = (size_t)(eq - flt);
		val = eq + 1;
#define KEY_IS(k) (klen == strlen(k) && !strncmp(flt, k, klen))
		if (!*val) {
			rc = ck__error_set(CK_EINVAL, "invalid image filter \"%s\": the value is empty", flt);
		} else if (KEY_IS("reference")) {
			rc = ck__strv_push(&f->refs, val);
		} else if (KEY_IS("label")) {
			if (*val == '=')
				rc = ck__error_set(CK_EINVAL, "invalid image filter \"%s\": the label key is empty", flt);
			else
				rc = ck__strv_push(&f->labels, val);
		} else if (KEY_IS("dangling")) {
			if (!strcmp(val, "true") || !strcmp(val, "1"))
				f->dangling_true = true;
			else if (!strcmp(val, "false") || !strcmp(val, "0"))
				f->dangling_false = true;
			else
				rc = ck__error_set(CK_EINVAL, "invalid image filter \"%s\": dangling takes true or "
				                              "false", flt);
		} else if (KEY_IS("before")) {
			if ((rc = created_of(&t, ctx, flt, val)) == CK_OK && (!f->have_before || t < f->before)) {
				f->before = t;
				f->have_before = true;
			}
		} else if (KEY_IS("since") || KEY_IS("after")) {
			if ((rc = created_of(&t, ctx, flt, val)) == CK_OK && (!f->have_since || t > f->since)) {
				f->since = t;
				f->have_since = true;
			}
		} else {
			rc = ck__error_set(CK_EINVAL, "invalid image filter \"%s\": unknown key \"%.*s\" (known: "
			                              "reference, label, dangling, before, since)",
			                   flt, (int)klen, flt);
		}
#undef KEY_IS
	}
	if (rc != CK_OK)
		filter_free(f);
	return rc;
}

static bool label_matches(const ck_image *img, const char *want)
{
	const char *eq = strchr(want, '='), *have;
	char key[256];

	if (!eq)
		return ck__image_label(img, want) != NULL;
	if ((size_t)(eq - want) >= sizeof(key))
		return false;
	snprintf(key, sizeof(key), "%.*s", (int)(eq - want), want);
	have = ck__image_label(img, key);
	return have && !strcmp(have, eq + 1);
}

/* `pattern` against one stored name, in full and in its short forms:
 * "docker.io/library/busybox:latest" is also "library/busybox:latest" and
 * "busybox:latest", each with and without its tag. */
static bool name_matches(const char *pattern, const char *name)
{
	const char *forms[3];
	size_t nf = 0;
	const char *slash = strchr(name, '/');

	forms[nf++] = name;
	if (slash) {
		forms[nf++] = slash + 1;
		if (ck__str_has_prefix(name, "docker.io/library/"))
			forms[nf++] = name + strlen("docker.io/library/");
	}
	for (size_t i = 0; i < nf; i++) {
		const char *f = forms[i], *at = strchr(f, '@'), *last = strrchr(f, '/');
		const char *colon = strrchr(f, ':');
		size_t repo_end = at ? (size_t)(at - f) : strlen(f);
		char repo[512];

		if (colon && (!last || colon > last) && (!at || colon < at))
			repo_end = (size_t)(colon - f);
		if (!fnmatch(pattern, f, 0))
			return true;
		if (repo_end < sizeof(repo)) {
			memcpy(repo, f, repo_end);
			repo[repo_end] = '\0';
			if (!fnmatch(pattern, repo, 0))
				return true;
		}
	}
	return false;
}

/* `dangling`: untagged and no image built on it (podman's meaning). */
static bool filter_match(const image_filter *f, const ck_image *img, bool dangling)
{
	bool any;

	if (f->refs) {
		any = false;
		for (char **p = f->refs; *p && !any; p++)
			for (char **n = img->names; *n && !any; n++)
				any = name_matches(*p, *n);
		if (!any)
			return false;
	}
	/* Labels must all be there (podman ANDs them). */
	for (char **p = f->labels; p && *p; p++)
		if (!label_matches(img, *p))
			return false;
	if ((f->dangling_true || f->dangling_false) &&
	    !((f->dangling_true && dangling) || (f->dangling_false && !dangling)))
		return false;
	if (f->have_before && !(img->created < f->before))
		return false;
	if (f->have_since && !(img->created > f->since))
		return false;
	return true;
}

struct collect {
	ck_context *ctx;
	ck_image **imgs;
	size_t n, cap;
};

static void collect_clear(struct collect *c)
{
	ck_image_list_free(c->imgs, c->n);
	c->imgs = NULL;
	c->n = c->cap = 0;
}

static int collect_fn(const char *id, const char *config, const char *state, void *payload)
{
	struct collect *c = payload;
	ck_image *img;
	int rc = ck__image_from_record(&img, c->ctx, id, config, state);

	if (rc == CK_ENOMEM)
		return rc;
	if (rc != CK_OK) {
		/* One damaged record must not hide every other image. */
		ck__log(c->ctx, CK_LOG_WARN, "skipping a damaged image record: %s (run `ck system check`)",
		        ck_error_last()->message);
		ck__error_clear();
		return 0;
	}
	if (c->n == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 16;
		ck_image **nv = realloc(c->imgs, cap * sizeof(*nv));
		if (!nv) {
			ck_image_free(img);
			return ck__oom();
		}
		c->imgs = nv;
		c->cap = cap;
	}
	c->imgs[c->n++] = img;
	return 0;
}

static int list_txn(ck_state_txn *txn, void *payload)
{
	collect_clear(payload); /* the body may run more than once */
	return ck__rec_foreach(txn, CK__KIND_IMAGE, collect_fn, payload);
}

static int newest_first(const void *a, const void *b)
{
	const ck_image *x = *(ck_image *const *)a, *y = *(ck_image *const *)b;

	if (x->created != y->created)
		return x->created > y->created ? -1 : 1;
	return strcmp(x->id, y->id);
}

/* An untagged image that another image is built on (its layers are the
 * start of the other's): podman's "intermediate" images, which `images`
 * shows only with -a. */
static bool intermediate(ck_image *const *imgs, size_t n, const ck_image *x)
{
	if (x->names[0])
		return false;
	for (size_t i = 0; i < n; i++) {
		const ck_image *y = imgs[i];
		size_t k = 0;
		if (y == x || y->n_layers <= x->n_layers)
			continue;
		while (k < x->n_layers && !strcmp(x->layers[k].diff_id, y->layers[k].diff_id))
			k++;
		if (k == x->n_layers)
			return true;
	}
	return false;
}

int ck_image_list(ck_image ***out, size_t *count, ck_context *ctx, unsigned int flags,
                  const char *const *filters)
{
	const unsigned int known = CK_IMAGE_LIST_ALL | CK_IMAGE_LIST_DANGLING;
	bool *keep = NULL;
	image_filter f;
	struct collect c = { ctx, NULL, 0, 0 };
	size_t kept = 0;
	int rc;

	CK_ENTER();
	if (!out || !count)
		return ck__error_set(CK_EINVAL, "ck_image_list: %s is NULL", out ? "count" : "out");
	*out = NULL;
	*count = 0;
	if (!ctx)
		return ck__error_set(CK_EINVAL, "ck_image_list: ctx is NULL");
	if (flags & ~known)
		return ck__error_set(CK_EINVAL, "ck_image_list: unknown flags 0x%x", flags & ~known);
	if ((rc = filter_parse(&f, ctx, filters)) != CK_OK)
		return rc;
	/* Asking for dangling images shows them without -a, as podman does. */
	if (f.dangling_true)
		flags |= CK_IMAGE_LIST_ALL;
	if ((rc = ck__state_read(ctx, list_txn, &c)) != CK_OK) {
		collect_clear(&c);
		filter_free(&f);
		return rc;
	}
	/* decided over the whole store before any is dropped */
	if (c.n && !(keep = calloc(c.n, sizeof(*keep)))) {
		collect_clear(&c);
		filter_free(&f);
		return ck__oom();
	}
	for (size_t i = 0; i < c.n; i++) {
		bool inter = intermediate(c.imgs, c.n, c.imgs[i]);
		keep[i] = (c.imgs[i]->names[0] || (flags & CK_IMAGE_LIST_ALL) ||
		           ((flags & CK_IMAGE_LIST_DANGLING) && !inter)) &&
		          filter_match(&f, c.imgs[i], !c.imgs[i]->names[0] && !inter);
	}
	for (size_t i = 0; i < c.n; i++) {
		if (keep[i])
			c.imgs[kept++] = c.imgs[i];
		else
			ck_image_free(c.imgs[i]);
	}
	free(keep);
	c.n = kept;
	filter_free(&f);
	if (c.n)
		qsort(c.imgs, c.n, sizeof(*c.imgs), newest_first);
	if (!c.imgs && !(c.imgs = calloc(1, sizeof(*c.imgs))))
		return ck__oom();
	*out = c.imgs;
	*count = c.n;
	return CK_OK;
}

void ck_image_list_free(ck_image **list, size_t count)
{
	if (!list)
		return;
	for (size_t i = 0; i < count; i++)
		ck_image_free(list[i]);
	free(list);
}

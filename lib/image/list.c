/* Listing images through podman's filters (reference, label, dangling,
 * before, since), newest first. */
#define _GNU_SOURCE
#include "image/image_int.h"

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

static const char *const filter_keys[] = { "reference", "label", "dangling", "before", "since", "after", NULL };

struct parse {
	image_filter *f;
	ck_context *ctx;
};

static int filter_one(size_t key, const char *val, const char *flt, void *payload)
{
	struct parse *p = payload;
	image_filter *f = p->f;
	bool dangling;
	int64_t t = 0;
	int rc;

	switch (key) {
	case 0: return ck__strv_push(&f->refs, val);
	case 1: return ck__strv_push(&f->labels, val);
	case 2:
		if ((rc = ck__filter_bool(&dangling, "image", flt, val)) == CK_OK)
			*(dangling ? &f->dangling_true : &f->dangling_false) = true;
		return rc;
	case 3:
		if ((rc = created_of(&t, p->ctx, flt, val)) == CK_OK && (!f->have_before || t < f->before)) {
			f->before = t;
			f->have_before = true;
		}
		return rc;
	default: /* since, after */
		if ((rc = created_of(&t, p->ctx, flt, val)) == CK_OK && (!f->have_since || t > f->since)) {
			f->since = t;
			f->have_since = true;
		}
		return rc;
	}
}

static int filter_parse(image_filter *f, ck_context *ctx, const char *const *filters)
{
	struct parse p = { f, ctx };
	int rc;

	memset(f, 0, sizeof(*f));
	rc = ck__filters_parse("image", filter_keys, CK__FILTER_NONEMPTY, filters, filter_one, &p);
	if (rc != CK_OK)
		filter_free(f);
	return rc;
}

static const char *label_of(const void *img, const char *key)
{
	return ck__image_label(img, key);
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
		if (!ck__label_filter_match(*p, label_of, img))
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

static int make_image(void *slot, ck_context *ctx, const char *id, const char *config, const char *state)
{
	return ck__image_from_record(slot, ctx, id, config, state);
}

static void free_images(void *items, size_t n)
{
	ck_image_list_free(items, n);
}

static const ck__rec_collector image_collector = {
	.kind = CK__KIND_IMAGE, .size = sizeof(ck_image *), .make = make_image, .free_list = free_images,
	.warn_damaged = true,
};

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
	struct {
		ck_image **imgs;
		size_t n;
	} c;
	void *items;
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
	if ((rc = ck__rec_collect(&items, &c.n, ctx, &image_collector)) != CK_OK) {
		filter_free(&f);
		return rc;
	}
	c.imgs = items;
	/* decided over the whole store before any is dropped */
	if (c.n && !(keep = calloc(c.n, sizeof(*keep)))) {
		for (size_t i = 0; i < c.n; i++)
			ck_image_free(c.imgs[i]);
		free(c.imgs);
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

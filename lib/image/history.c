/* The history of an image as a typed list (ck_image_history_read), newest
 * first as `podman history` shows it, and its JSON rendering. */
#define _GNU_SOURCE
#include "image/image_int.h"

#include <stdlib.h>
#include <string.h>

struct ck_image_history_list {
	ck_image_history_entry *entries;
	size_t n;
};

void ck_image_history_list_free(ck_image_history_list *h)
{
	if (!h)
		return;
	for (size_t i = 0; i < h->n; i++) {
		free((char *)h->entries[i].id);
		free((char *)h->entries[i].created_by);
		free((char *)h->entries[i].comment);
	}
	free(h->entries);
	free(h);
}

size_t ck_image_history_list_count(const ck_image_history_list *h)
{
	return h ? h->n : 0;
}

const ck_image_history_entry *ck_image_history_list_byindex(const ck_image_history_list *h, size_t i)
{
	return h && i < h->n ? &h->entries[i] : NULL;
}

static int add(ck_image_history_list *h, const char *id, int64_t created, const char *by, uint64_t size,
               const char *comment, bool empty)
{
	ck_image_history_entry *e = &h->entries[h->n];

	e->version = CK_IMAGE_HISTORY_ENTRY_VERSION;
	e->created = created;
	e->size = size;
	e->empty_layer = empty;
	if (!(e->id = strdup(id)) || !(e->created_by = strdup(by ? by : "")) ||
	    !(e->comment = strdup(comment ? comment : ""))) {
		free((char *)e->id);
		free((char *)e->created_by);
		return ck__oom();
	}
	h->n++;
	return CK_OK;
}

/* Builds the list from the image's config. */
static int history_read(ck_image_history_list **out, const ck_image *img)
{
	ck_image_history_list *h = NULL;
	yajl_val cfg = NULL, hist;
	uint64_t *sizes = NULL;
	size_t n, layer = 0;
	int rc;

	*out = NULL;
	if ((rc = ck__image_read_config(&cfg, img)) != CK_OK)
		return rc;
	hist = ck__json_arr(cfg, "history");
	n = hist ? hist->u.array.len : 0;
	rc = CK_ENOMEM;
	if (!(h = calloc(1, sizeof(*h))) || !(h->entries = calloc((n ? n : img->n_layers) + 1, sizeof(*h->entries))) ||
	    (n && !(sizes = calloc(n, sizeof(*sizes)))))
		goto out;
	rc = CK_OK;
	/* Entries that made a layer take the layers' sizes, base first. */
	for (size_t i = 0; i < n; i++) {
		bool empty = false;
		ck__json_bool(hist->u.array.values[i], "empty_layer", &empty);
		if (!empty && layer < img->n_layers)
			sizes[i] = img->layers[layer++].unpacked_size;
	}
	/* No history: one entry per layer, as podman shows it. */
	for (size_t i = n ? 0 : img->n_layers; rc == CK_OK && i-- > 0;)
		rc = add(h, i + 1 == img->n_layers ? img->id : "<missing>", img->created, "",
		         img->layers[i].unpacked_size, "", false);
	for (size_t i = n; rc == CK_OK && i-- > 0;) {
		yajl_val e = hist->u.array.values[i];
		int64_t when = 0;
		bool empty = false;
		if (!ck__json_str(e, "created") || !ck__rfc3339_parse(&when, ck__json_str(e, "created")))
			when = 0;
		ck__json_bool(e, "empty_layer", &empty);
		rc = add(h, i + 1 == n ? img->id : "<missing>", when, ck__json_str(e, "created_by"), sizes[i],
		         ck__json_str(e, "comment"), empty);
	}
out:
	if (rc == CK_ENOMEM)
		rc = ck__oom();
	if (rc == CK_OK) {
		*out = h;
		h = NULL;
	}
	ck_image_history_list_free(h);
	free(sizes);
	yajl_tree_free(cfg);
	return rc;
}

int ck_image_history_read(ck_image_history_list **out, const ck_image *img)
{
	CK_ENTER();
	if (!out)
		return ck__error_set(CK_EINVAL, "ck_image_history_read: out is NULL");
	*out = NULL;
	if (!img)
		return ck__error_set(CK_EINVAL, "ck_image_history_read: img is NULL");
	return history_read(out, img);
}

int ck_image_history(char **out, const ck_image *img)
{
	ck_image_history_list *h = NULL;
	yajl_gen g;
	int rc;

	CK_ENTER();
	if (!out)
		return ck__error_set(CK_EINVAL, "ck_image_history: out is NULL");
	*out = NULL;
	if (!img)
		return ck__error_set(CK_EINVAL, "ck_image_history: img is NULL");
	if ((rc = history_read(&h, img)) != CK_OK)
		return rc;
	if (!(g = ck__json_gen_new(false))) {
		ck_image_history_list_free(h);
		return ck__oom();
	}
	yajl_gen_array_open(g);
	for (size_t i = 0; i < h->n; i++) {
		const ck_image_history_entry *e = &h->entries[i];
		char when[40];
		ck__rfc3339(when, sizeof(when), e->created * 1000000000);
		yajl_gen_map_open(g);
		ck__json_key_str(g, "id", e->id);
		ck__json_key_str(g, "created", when);
		ck__json_key_str(g, "createdBy", e->created_by);
		ck__json_key_int(g, "size", (long long)e->size);
		ck__json_key_str(g, "comment", e->comment);
		yajl_gen_map_close(g);
	}
	yajl_gen_array_close(g);
	ck_image_history_list_free(h);
	return ck__json_gen_finish(out, g);
}

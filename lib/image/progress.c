/* Versioned progress (ck_image_progress) over the transfer code's plain
 * callback: a relay counts finished objects and fills the struct, and the
 * registry options of either version are brought to the current one. */
#include "image.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* An object is finished once copied, skipped or written; its unpack that
 * follows is more work on the same object, so each digest counts once. */
static bool seen_before(ck__image_progress *r, const char *digest)
{
	char **grown;

	for (size_t i = 0; i < r->n_finished; i++)
		if (!strcmp(r->finished[i], digest))
			return true;
	if (!(grown = realloc(r->finished, (r->n_finished + 1) * sizeof(*grown))))
		return true; /* out of memory: the count only lags */
	r->finished = grown;
	if ((r->finished[r->n_finished] = ck__strdup(digest)))
		r->n_finished++;
	return false;
}

void ck__image_progress_relay(const char *phase, const char *digest, uint64_t done, uint64_t total, void *self)
{
	ck__image_progress *r = self;
	bool finished = !strcmp(phase, "skip") || !strcmp(phase, "write") ||
	                (!strcmp(phase, "copy") && total > 0 && done >= total);

	if (finished && digest && !seen_before(r, digest))
		r->objects_done++;
	if (r->old)
		r->old(phase, digest, done, total, r->old_payload);
	if (r->fn) {
		ck_image_progress p = {
			.version = CK_IMAGE_PROGRESS_VERSION, .phase = phase, .object = digest ? digest : "",
			.bytes_done = done, .bytes_total = total, .objects_done = r->objects_done,
			.objects_total = r->objects_total < r->objects_done ? r->objects_done : r->objects_total,
		};
		r->fn(&p, r->payload);
	}
}

void ck__image_progress_free(ck__image_progress *r)
{
	for (size_t i = 0; i < r->n_finished; i++)
		free(r->finished[i]);
	free(r->finished);
	r->finished = NULL;
	r->n_finished = 0;
}

void ck__image_progress_expect(const ck_registry_options *opts, uint64_t objects)
{
	if (opts && opts->progress == ck__image_progress_relay)
		((ck__image_progress *)opts->progress_payload)->objects_total += objects;
}

int ck__registry_options_load(ck_registry_options *dst, ck__image_progress *relay, const ck_registry_options *src)
{
	static const ck_registry_options dflt = CK_REGISTRY_OPTIONS_INIT;
	size_t size;

	memset(relay, 0, sizeof(*relay));
	*dst = dflt;
	if (!src)
		return CK_OK;
	if (src->version == 1)
		size = offsetof(ck_registry_options, transfer_progress);
	else if (src->version == CK_REGISTRY_OPTIONS_VERSION)
		size = sizeof(*src);
	else
		return ck__error_set(CK_EVERSION, "unknown ck_registry_options version %u (this library knows 1..%d)",
		                     src->version, CK_REGISTRY_OPTIONS_VERSION);
	memcpy(dst, src, size);
	dst->version = CK_REGISTRY_OPTIONS_VERSION;
	if (dst->transfer_progress) {
		relay->fn = dst->transfer_progress;
		relay->payload = dst->transfer_payload;
		relay->old = dst->progress;
		relay->old_payload = dst->progress_payload;
		dst->progress = ck__image_progress_relay;
		dst->progress_payload = relay;
	}
	return CK_OK;
}

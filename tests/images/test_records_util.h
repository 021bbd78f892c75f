/* Helpers for the image record tests: contexts on either backend, images
 * built in memory (one small gzip layer per name, shared when the names
 * are), and peeks at the records, tags and store directories. */
#ifndef CK_TEST_RECORDS_UTIL_H
#define CK_TEST_RECORDS_UTIL_H

#include "image/image_int.h"
#include "harness.h"

#define TR_MAX_LAYERS 4

typedef struct tr_image {
	char manifest[72], config[72];
	char layer[TR_MAX_LAYERS][72], diff[TR_MAX_LAYERS][72];
	int64_t layer_size[TR_MAX_LAYERS];
	size_t n;
} tr_image;

/* A context on `root` with `backend`, or abort(). */
ck_context *tr_open(const char *root, const char *backend);

/* Stores an image whose layers are the comma-separated `layers` (each one
 * file named and filled with its word), created at the RFC 3339 `created`,
 * with `labels` (a JSON object, or NULL), and commits it under `names`.
 * Returns its id (malloc'd), or NULL after printing the error. */
char *tr_build(tr_image *out, ck_context *ctx, const char *layers, const char *created, const char *labels,
               const char *const *names);
void tr_image_clear(tr_image *img);

/* Blobs for an image that is wrong in one way; returns the digest to
 * commit (malloc'd). */
enum { TR_OK, TR_MISSING_LAYER, TR_WRONG_SIZE, TR_WRONG_DIFF_ID, TR_EXTRA_DIFF_ID, TR_INDEX };
char *tr_manifest_for(ck_context *ctx, const char *layers, int mode);

/* The image's record and state JSON (either may be NULL). */
int tr_record(char **config, char **state, ck_context *ctx, const char *id);
/* `json` has "key":"value". */
bool tr_json_has(const char *json, const char *key, const char *value);
size_t tr_count_images(ck_context *ctx);
size_t tr_count_tags(ck_context *ctx);
/* Marks (add) or unmarks image `id` as used by `user`. */
int tr_user(ck_context *ctx, const char *id, const char *user, bool add);
/* Entries in root/rel (0 if missing). */
int tr_dir_entries(const char *root, const char *rel);

#endif

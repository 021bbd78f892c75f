/* Private to the record side of the image module (ref.c, manifest.c,
 * config.c, record.c, state.c, image.c, inspect.c, list.c, remove.c, check.c,
 * import.c, archive_load.c): the handle's layout, the record and state
 * JSON, tags inside a transaction, commits of several images at once, the
 * store lock, and the helpers that validate documents.
 *
 * Record (bucket "images", key = image id = config digest hex):
 *   {"id","digest" (manifest),"manifest_media_type","config_digest",
 *    "config_media_type","layers":[{"digest","diff_id","size","media_type",
 *    "unpacked_size"}] base first,"created","os","arch","variant",
 *    "size" (unpacked, summed),"labels":{}}
 * State (bucket "images.state"): {"names":[...]} (stores written before
 *   also list "users":[...], moved to keys at the image's next change)
 * Users (bucket "images.users"): "<image id>/<user>" -> "1"
 * Tags (bucket "images.tags"): normalized name -> image id. */
#ifndef CK_IMAGE_RECORD_INT_H
#define CK_IMAGE_RECORD_INT_H

#include "image/image.h"

/* ---- document helpers (manifest.c) ---- */
/* Parses a document that must be a JSON object (CK_ECORRUPT naming `what`). */
int ck__doc_parse(yajl_val *tree, const char *json, size_t len, const char *what);
/* Typed members; `prefix` is the path of `obj` ("layers[2]", or NULL at the
 * top), used in messages.  Missing or null members give NULL / !present
 * unless `required`. */
int ck__doc_str(const char **out, const char *what, yajl_val obj, const char *prefix, const char *key,
                bool required);
int ck__doc_int(long long *out, bool *present, const char *what, yajl_val obj, const char *prefix,
                const char *key, bool required);
int ck__doc_typed(yajl_val *out, const char *what, yajl_val obj, const char *prefix, const char *key,
                  bool required, bool want_array);
/* An optional object whose values are all strings (labels, annotations). */
int ck__doc_string_map(const char *what, yajl_val obj, const char *prefix, const char *key);
int ck__doc_wrong_type(const char *what, const char *field, const char *want, yajl_val v);
yajl_val ck__doc_member(yajl_val obj, const char *key);

/* ---- configs and platforms (config.c) ---- */
/* The OCI name of this host's architecture ("amd64", "arm64", ...). */
const char *ck__image_host_arch(void);
/* RFC 3339 ("2023-05-19T20:29:37.123Z", "...+02:00") to seconds. */
bool ck__rfc3339_parse(int64_t *secs, const char *s);

/* ---- the handle (record.c) ---- */

struct ck_image {
	ck_context *ctx;
	char *id, *digest, *manifest_media_type, *config_digest, *config_media_type;
	char *os, *arch, *variant;
	int64_t created;
	uint64_t size;
	ck__image_layer *layers; /* base first */
	size_t n_layers;
	char **label_keys, **label_vals; /* NULL-terminated, parallel */
	char **names;                    /* NULL-terminated, never NULL */
};

int ck__image_from_record(ck_image **out, ck_context *ctx, const char *id, const char *config,
                          const char *state);
const char *ck__image_label(const ck_image *img, const char *key);
/* The image's config from the blob store, parsed (inspect.c). */
int ck__image_read_config(yajl_val *tree, const ck_image *img);
/* "repo@digest" for every repository the image is named in (inspect.c). */
int ck__image_repo_digests(char ***out, const ck_image *img);

/* ---- state JSON and users (state.c) ---- */
typedef struct ck__image_state {
	char **names, **users; /* NULL-terminated, never NULL after parse */
} ck__image_state;
int ck__image_state_parse(ck__image_state *st, const char *json, const char *id);
/* Reads and parses the state of image `id` in `txn`.  A missing image is
 * CK_ENOTFOUND worded as one removed meanwhile (`missing_words`) or left
 * for the caller to word; `*damaged` (if not NULL) tells a state that does
 * not parse from a failed read. */
int ck__image_state_read(ck__image_state *st, bool *damaged, ck_state_txn *txn, const char *id,
                         bool missing_words);
/* The users of image `id`: its keys, and those an older state lists (`st`,
 * or NULL).  NULL-terminated, never NULL on success. */
int ck__image_users(char ***out, ck_state_txn *txn, const char *id, const ck__image_state *st);
/* Deletes the user keys of image `id` (its removal by force). */
int ck__image_users_delete(ck_state_txn *txn, const char *id);
int ck__image_state_json(char **out, const ck__image_state *st);
void ck__image_state_free(ck__image_state *st);
/* Adds (no duplicates) or removes a string; `*changed` tells whether it did. */
int ck__strv_add_unique(char ***v, const char *s, bool *changed);
bool ck__strv_remove(char **v, const char *s);
bool ck__strv_has(char *const *v, const char *s);
/* Makes a NULL vector an empty one. */
int ck__strv_empty(char ***v);

/* ---- tags in a write transaction (state.c) ---- */
/* Points `name` at image `id`; a name held by another image leaves that
 * image's state.  Both states are rewritten. */
int ck__image_tag_txn(ck_state_txn *txn, const char *id, const char *name);
/* Removes `name` from image `id` (CK_ENOTFOUND if it does not hold it). */
int ck__image_untag_txn(ck_state_txn *txn, const char *id, const char *name);

/* A name as stored: fully qualified, ":latest" by default; a short name
 * means a local image ("x" -> "localhost/x:latest"). */
int ck__image_name_normalize(char **out, const char *name);

/* Unpacked size of a layer directory (regular files once per inode, and
 * symlink targets). */
uint64_t ck__image_dir_size(const char *path);

#endif

/* Shared by the archive files (archive_*.c): the staged contents of an
 * archive or layout being loaded, the load plan, and the writers that save
 * images.  Included only inside lib/archive. */
#ifndef CK_ARCHIVE_ARCHIVE_INT_H
#define CK_ARCHIVE_ARCHIVE_INT_H

#include "image/image.h"

/* ---- the contents of an archive or OCI layout (archive_src.c) ---- */
typedef struct ck__arc_entry {
	char *name;          /* path inside the archive, normalized */
	char *link;          /* symlink or hardlink: normalized target path; no content */
	char *data;          /* small files: the content, NUL-terminated */
	char *staged;        /* large files: the staged copy in the temporary directory */
	bool in_store;       /* not copied: the blob store holds this content already */
	uint64_t size;
	char digest[72];     /* "sha256:HEX" of the content */
	unsigned char magic[6];
	size_t magic_len;
	size_t seq;          /* order in the archive */
} ck__arc_entry;

typedef struct ck__arc {
	ck_context *ctx;
	char *path;          /* as the caller gave it, for messages */
	bool is_dir;         /* an OCI layout directory: entries are read on demand */
	ck__tmpdir tmp;
	ck__arc_entry **e;   /* each allocated on its own: plans keep pointers while entries are added */
	size_t n, cap;
	bool sorted;
	uint64_t mem_bytes;  /* held in memory across entries */
	ck_progress_fn progress;
	void *payload;
} ck__arc;

/* Opens `path`: an OCI layout directory (checked for oci-layout) or an
 * archive, which is read once, entry by entry, with every content hashed and
 * either kept in memory or staged under a private temporary directory.
 * Absolute paths, ".." components, links leading outside the archive and
 * entry types other than files, directories and links are refused. */
int ck__arc_open(ck__arc *a, ck_context *ctx, const char *path, ck_progress_fn progress, void *payload);
void ck__arc_close(ck__arc *a);
/* The entry named `name` with links resolved; *out is NULL when there is
 * none.  Fails only on read errors (a layout directory is read on demand). */
int ck__arc_find(ck__arc_entry **out, ck__arc *a, const char *name);
/* Like ck__arc_find but sets CK_ECORRUPT naming `what` when missing. */
int ck__arc_get(ck__arc_entry **out, ck__arc *a, const char *name, const char *what);
/* The entry of blob `digest`, checked against it and against `size` (when
 * >= 0): CK_EDIGEST or CK_ECORRUPT naming the archive, the entry and `what`. */
int ck__arc_blob(ck__arc_entry **out, ck__arc *a, const char *digest, int64_t size, const char *what);
/* The content of an entry of at most `max` bytes, NUL-terminated; the
 * caller frees it. */
int ck__arc_read(char **data, size_t *len, ck__arc *a, const ck__arc_entry *e, size_t max);
/* Stores the entry's content in the blob store under its digest (a no-op
 * when the store has it). */
int ck__arc_ingest(ck__arc *a, const ck__arc_entry *e);

/* ---- the load plan (archive_oci.c, archive_docker.c) ---- */
typedef struct ck__arc_image {
	char *what;            /* where the archive lists it: "manifest.json[2] (localhost/a:1)" */
	char *manifest_digest;
	char *manifest;        /* built for a docker-archive; NULL when the archive has it */
	size_t manifest_len;
	char *config_digest;
	char **names;          /* normalized, NULL-terminated, or NULL */
	ck__arc_entry **blobs; /* config and layers */
	size_t n_blobs;
	char **layer_digests;  /* NULL-terminated; NULL when there are no layers */
	char **diff_ids;       /* likewise */
	ck__arc_entry *manifest_entry; /* OCI: the manifest's own entry */
} ck__arc_image;

typedef struct ck__arc_plan {
	ck__arc_image *v;
	size_t n;
} ck__arc_plan;

/* Reads and parses the JSON entry `name` (CK_ECORRUPT naming it). */
int ck__arc_read_json(yajl_val *out, ck__arc *a, const char *name, size_t max);
/* The member `key` of a JSON object, of any type, or NULL. */
yajl_val ck__arc_json_get(yajl_val obj, const char *key);
int ck__arc_plan_oci(ck__arc_plan *p, ck__arc *a);
int ck__arc_plan_docker(ck__arc_plan *p, ck__arc *a);
void ck__arc_plan_free(ck__arc_plan *p);
/* The plan image with manifest `digest`, adding one if missing. */
int ck__arc_plan_image(ck__arc_image **out, ck__arc_plan *p, const char *manifest_digest);
/* Adds `name` (normalized against `default_registry`: "localhost" for OCI
 * annotations, "docker.io" for docker RepoTags, as podman does) to image i. */
int ck__arc_plan_add_name(ck__arc_image *img, ck__arc *a, const char *name, const char *default_registry,
                          const char *what);
/* Checks the config against the layers and records blobs, diff ids and
 * `what` (the image's place in the archive, for messages). */
int ck__arc_plan_fill(ck__arc_image *img, ck__arc *a, ck__arc_entry *config, char *const *layer_digests,
                      ck__arc_entry *const *layers, size_t n_layers, const char *what);

/* ---- writing archives (archive_sink.c) ---- */
/* A destination for ck_image_save: a tar file (through a temporary next to
 * it, renamed at the end) or an OCI layout directory (likewise). */
typedef struct ck__sink ck__sink;
int ck__sink_open(ck__sink **out, ck_context *ctx, const char *path, bool dir);
int ck__sink_add(ck__sink *s, const char *name, const void *data, size_t len);
/* Adds a file's content (`size` bytes read from `fd`). */
int ck__sink_add_fd(ck__sink *s, const char *name, int fd, uint64_t size);
/* Renames into place.  Frees s. */
int ck__sink_commit(ck__sink *s);
/* Removes the temporary.  Frees s; accepts NULL. */
void ck__sink_abort(ck__sink *s);


#endif

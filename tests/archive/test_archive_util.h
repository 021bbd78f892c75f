/* Helpers shared by the archive tests (test_archive.c, test_archive_bad.c):
 * contexts on temporary roots, mkimage.py fixtures, and tars crafted or
 * edited with libarchive. */
#ifndef CK_TEST_ARCHIVE_UTIL_H
#define CK_TEST_ARCHIVE_UTIL_H

#include <containerkit.h>
#include <stdbool.h>
#include <stddef.h>

#include "harness.h"

#define BB "--busybox --cmd '[\"sh\"]'"

char *at(const char *dir, const char *rel);                 /* "dir/rel", malloc'd */
ck_context *open_ctx(const char *root);                     /* store in root/store, run root root/run */
ck_context *open_ctx_backend(const char *root, const char *backend); /* same, on that state backend */
int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2))); /* exit status of a shell command */
void mk(const char *out, const char *args);                 /* tests/fixtures/mkimage.py OUT ARGS */
char *mk_id(const char *out, const char *args);             /* same, returning the image id (hex) */
size_t count_images(ck_context *ctx);
char *image_id(ck_context *ctx, const char *ref);           /* NULL if there is none */
size_t count_entries(const char *dir);
size_t count_prefix(const char *dir, const char *prefix);
bool store_empty(const char *root);                         /* no blob, nothing in images/tmp */
char *slurp(const char *path);
/* The first line of a shell command's output, or "". */
void first_line(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* The message of the last failed load (later calls clear the library's). */
extern char last_msg[2048];
/* Loads `path`; checks it fails with `code` and a message containing
 * `needle`, and that nothing was stored. */
void expect_load_fails(ck_context *ctx, const char *root, const char *path, int code, const char *needle);

/* tests/archive/test_archive_spoil.py: spoils entry `entry` of the OCI
 * layout `dir` so that it still plans but fails once committed, every blob
 * digest staying right: "bad-layer" replaces its last layer by a gzip layer
 * that is not the config's diff id; "artifact" gives its config a media type
 * that is not an image config's. */
void oci_spoil(const char *dir, int entry, const char *how);
/* An entry to write into a tar. */
typedef struct tent {
	const char *name;
	char type; /* 'f' file, 'd' dir, 's' symlink, 'h' hardlink, 'c' char device */
	const char *data;
	const char *link;
} tent;
/* Copies the tar `in` to `out`, replacing the content of entry `name` by
 * `content` (NULL: dropping the entry), then appending `extra`. */
void tar_edit(const char *in, const char *out, const char *name, const char *content, const tent *extra,
              size_t n_extra);

#endif

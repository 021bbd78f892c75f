/* Helpers shared by the state tests: contexts on temporary roots, and raw
 * puts and gets through the public containerkit/sys/state.h. */
#ifndef CK_TEST_STATE_COMMON_H
#define CK_TEST_STATE_COMMON_H

#include <containerkit.h>
#include <containerkit/sys/state.h>

extern const char *const ck_test_backends[];

/* Opens a context on root (run root root/run) with the given backend (NULL:
 * the store's own); aborts the test process if that fails. */
ck_context *ck_test_open(const char *root, const char *backend);
/* Durable single-pair operations; return the library's code. */
int ck_test_put(ck_context *ctx, const char *bucket, const char *key, const char *val);
int ck_test_del(ck_context *ctx, const char *bucket, const char *key);
/* *out is a new string (free()), or NULL when missing. */
int ck_test_get(char **out, ck_context *ctx, const char *bucket, const char *key);
/* Number of pairs in a bucket, or a negative code. */
long ck_test_count(ck_context *ctx, const char *bucket);

#endif

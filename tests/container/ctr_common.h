/* Helpers shared by the container tests (public API only): a context on a
 * temporary root with the busybox test image loaded, specs that run a
 * shell script, and running a container to its end. */
#ifndef CK_TEST_CTR_COMMON_H
#define CK_TEST_CTR_COMMON_H

#include "harness.h"

#include <containerkit.h>
#include <stdbool.h>

#define TC_IMAGE "localhost/busybox:latest"

/* The OCI runtime the tests use: CK_TEST_RUNTIME (build define or env), else crun. */
const char *tc_runtime(void);

/* Exits 77 (skipped) with a reason unless containers can run here as this
 * user (root, or a rootless user with subordinate ids); called by tc_ctx. */
void tc_require_containers(void);

/* The shared context of this process: root, run root and image, made on
 * first use.  Removed (with every container in it) at exit. */
ck_context *tc_ctx(void);
const char *tc_tmp(void);

/* A new context on the same roots (as another process would open). */
ck_context *tc_ctx_new(void);

/* A spec for the test image running `sh -c script` (script NULL: the
 * image's command). */
ck_container_spec *tc_spec(const char *script);

/* Creates a container from `spec` (consumed), or NULL after a failed check. */
ck_container *tc_create(ck_container_spec *spec);

/* Creates, starts and waits for `sh -c script`; returns the exit code and
 * (if `logs` is not NULL) the combined log; the container is removed. */
int tc_run(const char *script, char **logs);

/* The whole log of a container (stdout and stderr, in order). */
char *tc_logs(ck_container *ctr);

/* The string value of a top-level or nested key of a JSON text, as a
 * quick check: finds "key":VALUE and returns VALUE's text (free()). */
char *tc_json_field(const char *json, const char *key);

/* Writes a file; returns its path (free()). */
char *tc_write_file(const char *name, const char *content);

/* Number of containers in the store (all states). */
size_t tc_count_containers(ck_context *ctx);

/* Whether anything is still mounted under the test's root. */
bool tc_mounts_under_root(void);

/* Reads what is in a pipe's read end now (non-blocking), as a string. */
char *tc_drain(int fd);

/* Waits until `ref` no longer exists (a --rm container), at most ms. */
bool tc_wait_gone(const char *ref, int ms);
/* Waits (at most `ms`) for `path` to be gone: the monitor of a --rm
 * container deletes its directories right after its record. */
bool tc_wait_no_path(const char *path, int ms);

/* Milliseconds on a monotonic clock. */
long long tc_now_ms(void);

#endif

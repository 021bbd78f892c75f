/* Helpers shared by the runtime module's tests: a context on a temporary
 * run root, a busybox root filesystem, default container parameters, and
 * running one container to its end with its output captured. */
#ifndef CK_TEST_RT_COMMON_H
#define CK_TEST_RT_COMMON_H

#include "harness.h"
#include "runtime/runtime.h"

#include <stdbool.h>

/* A context whose root and run root live in one temporary directory;
 * created on first use, shared by the whole test process. */
ck_context *rt_ctx(void);
/* The temporary directory everything of this process lives in. */
const char *rt_tmp(void);

/* A busybox root filesystem (bin/ with the applets the tests use, and the
 * mount points), made once per process.  Its absolute path. */
const char *rt_rootfs(void);

/* A new, empty bundle directory (free() the string). */
char *rt_bundle_dir(void);

/* A fresh container id, unique in this process. */
void rt_new_id(char out[64]);

/* Fills `p` with what most tests want: the shared rootfs, sh -c SCRIPT,
 * network none, the seccomp profile, a hostname, and when rootless the
 * user's podman-style id mappings.  `args` is owned by the
 * caller (a static array is fine). */
void rt_params(ck__oci_params *p, char **args);

/* Rootless only: whether this user has subordinate id ranges (which
 * rt_params puts in the parameters). */
bool rt_have_idmaps(void);

/* The host probe; aborts if it fails. */
const ck__host *rt_host(void);

typedef struct rt_run_result {
	int rc;          /* first failure of write/create/start, or 0 */
	char *output;    /* stdout and stderr of the container, combined */
	char *message;   /* the library's message when rc != 0 */
} rt_run_result;

/* Writes the config, creates and starts the container with `runtime`,
 * reads its output until it exits (at most 30 s, then it is killed),
 * waits for its process to end and deletes it. */
rt_run_result rt_run(ck__runtime *rt, const ck__oci_params *p);
void rt_result_free(rt_run_result *r);

/* Runs sh -c SCRIPT with rt_params' defaults; returns the output (free()),
 * or NULL after recording a failed check. */
char *rt_sh(ck__runtime *rt, const char *script);

/* Waits until process `pid` (not a child of ours) is gone, through a
 * pidfd; false after timeout_ms. */
bool rt_wait_pid_gone(int pid, int timeout_ms);

/* Opens the runtime this test binary is about (CK_TEST_RUNTIME), running
 * the host check first.  Returns false (and the test exits with 77,
 * skipped) when it cannot run here; prints why. */
bool rt_open_runtime(ck__runtime *rt, const char *name);

/* "ck-test-<pid>": the parent of the cgroups this process asks for. */
const char *rt_cgroup_parent(void);

/* Removes this process's temporary directory and the test cgroups' parent. */
void rt_cleanup(void);

#endif

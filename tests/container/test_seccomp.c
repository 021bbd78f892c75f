/* The seccomp filter of containers run through the library: crun is handed
 * the profile compiled (annotation run.oci.seccomp_bpf_data, from the cache
 * in the run root), runc is not, and with either the filter holds. */
#define _GNU_SOURCE
#include "ctr_common.h"

#include <fcntl.h>
#include <glob.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ANNOTATION "run.oci.seccomp_bpf_data"

/* mount(2) needs CAP_SYS_ADMIN anyway; unshare(CLONE_NEWUSER) needs no
 * capability, so only the filter refuses it. */
static const char *const probe =
	"grep '^Seccomp:' /proc/self/status; "
	"mount -t tmpfs none /tmp && echo mount-ok || echo mount-refused; "
	"busybox unshare -U true && echo unshare-ok || echo unshare-refused; "
	"echo ordinary-ok";

typedef struct run_result {
	int code;
	char *logs;
	char *config; /* the bundle's config.json */
} run_result;

static run_result run_probe(const char *runtime, const char *cap)
{
	ck_container_spec *spec = tc_spec(probe);
	run_result r = { -1, NULL, NULL };
	ck_container *ctr;
	char path[4400];

	CK_CHECK_OK(ck_container_spec_set_runtime(spec, runtime));
	if (cap)
		CK_CHECK_OK(ck_container_spec_add_cap(spec, cap));
	if (!(ctr = tc_create(spec)))
		return r;
	CK_CHECK_OK(ck_container_start(ctr));
	CK_CHECK_OK(ck_container_wait(&r.code, ctr, 60000));
	r.logs = tc_logs(ctr);
	snprintf(path, sizeof(path), "%s/root/containers/%s/userdata/config.json", tc_tmp(), ck_container_id(ctr));
	r.config = ck_test_read_file(path, NULL);
	CK_CHECK(r.config != NULL);
	CK_CHECK_OK(ck_container_remove(ctr, CK_REMOVE_FORCE));
	ck_container_free(ctr);
	return r;
}

static void run_result_free(run_result *r)
{
	free(r->logs);
	free(r->config);
}

/* The annotation's value in a config.json, or NULL. */
static char *annotation(const char *config)
{
	const char *key = "\"" ANNOTATION "\":\"", *at = config ? strstr(config, key) : NULL;

	if (!at)
		return NULL;
	at += strlen(key);
	return strndup(at, strcspn(at, "\""));
}


/* The run root's compiled programs. */
static size_t cache_files(glob_t *g)
{
	char pattern[4300];

	snprintf(pattern, sizeof(pattern), "%s/run/seccomp/*.bpf", tc_tmp());
	if (glob(pattern, 0, NULL, g) != 0) {
		g->gl_pathc = 0;
		g->gl_pathv = NULL;
		return 0;
	}
	return g->gl_pathc;
}

/* The annotation is base64 of a program that a cache file holds. */
static void check_annotation_is_cached(const char *value)
{
	unsigned char *prog;
	size_t len = 0;
	bool found = false;
	glob_t g;

	CK_CHECK(value != NULL);
	if (!value)
		return;
	prog = ck_test_unbase64(value, &len);
	CK_CHECK(prog && len > 0 && len % 8 == 0);
	size_t n = cache_files(&g);
	for (size_t i = 0; prog && i < n && !found; i++) {
		size_t flen = 0;
		char *file = ck_test_read_file(g.gl_pathv[i], &flen);
		found = file && flen == len && memcmp(file, prog, len) == 0;
		free(file);
	}
	if (g.gl_pathv)
		globfree(&g);
	CK_CHECK(found);
	free(prog);
}

static void check_filter_holds(const run_result *r)
{
	CK_CHECK(r->code == 0);
	CK_CHECK_CONTAINS(r->logs, "Seccomp:\t2");
	CK_CHECK_CONTAINS(r->logs, "mount-refused");
	CK_CHECK_CONTAINS(r->logs, "unshare-refused");
	CK_CHECK_CONTAINS(r->logs, "ordinary-ok");
	/* The JSON section stays, for runc and for readers. */
	CK_CHECK_CONTAINS(r->config, "\"seccomp\":{");
}

static void container_crun_gets_the_compiled_seccomp_profile_and_it_holds(void)
{
	run_result r = run_probe("crun", NULL);
	char *value = annotation(r.config);

	check_filter_holds(&r);
	check_annotation_is_cached(value);
	free(value);
	run_result_free(&r);
}

static void container_crun_seccomp_with_cap_sys_admin_allows_mount_and_unshare(void)
{
	run_result plain = run_probe("crun", NULL), admin = run_probe("crun", "SYS_ADMIN");
	char *plain_value = annotation(plain.config), *admin_value = annotation(admin.config);

	CK_CHECK(admin.code == 0);
	CK_CHECK_CONTAINS(admin.logs, "Seccomp:\t2");
	CK_CHECK_CONTAINS(admin.logs, "mount-ok");
	CK_CHECK_CONTAINS(admin.logs, "unshare-ok");
	check_annotation_is_cached(admin_value);
	CK_CHECK(plain_value && admin_value && strcmp(plain_value, admin_value) != 0);
	free(plain_value);
	free(admin_value);
	run_result_free(&plain);
	run_result_free(&admin);
}

static void container_runc_seccomp_has_no_bpf_annotation_and_holds(void)
{
	run_result r = run_probe("runc", NULL);

	check_filter_holds(&r);
	CK_CHECK(r.config && strstr(r.config, ANNOTATION) == NULL);
	run_result_free(&r);
}

static void container_crun_seccomp_damaged_cache_file_is_replaced(void)
{
	run_result first = run_probe("crun", NULL), second;
	char *value, *first_value = annotation(first.config);
	glob_t g;
	size_t n = cache_files(&g);

	CK_CHECK(first.code == 0);
	CK_CHECK(n > 0);
	for (size_t i = 0; i < n; i++) {
		int fd = open(g.gl_pathv[i], O_WRONLY | O_TRUNC | O_CLOEXEC);
		CK_CHECK(fd >= 0 && write(fd, "garbage", 7) == 7);
		if (fd >= 0)
			close(fd);
	}
	if (g.gl_pathv)
		globfree(&g);

	second = run_probe("crun", NULL);
	check_filter_holds(&second);
	value = annotation(second.config);
	check_annotation_is_cached(value);
	CK_CHECK(value && first_value && strcmp(value, first_value) == 0);
	free(value);
	free(first_value);
	run_result_free(&first);
	run_result_free(&second);
}

CK_TESTS(CK_TEST(container_crun_gets_the_compiled_seccomp_profile_and_it_holds),
         CK_TEST(container_crun_seccomp_with_cap_sys_admin_allows_mount_and_unshare),
         CK_TEST(container_runc_seccomp_has_no_bpf_annotation_and_holds),
         CK_TEST(container_crun_seccomp_damaged_cache_file_is_replaced))

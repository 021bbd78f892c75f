/* The seccomp profile compiled to BPF for crun (lib/runtime/seccomp_bpf.c):
 * the program is byte for byte what crun itself compiles from the config's
 * JSON section, it is cached in the run root (and a damaged cache file is
 * replaced), and it reaches config.json only when asked for. */
#define _GNU_SOURCE
#include "rt_common.h"
#include "runtime/libseccomp.h"
#include "runtime/runtime_int.h"

#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static void write_whole(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, data, len) != (ssize_t)len)
		abort();
	close(fd);
}

static uint64_t caps_with(char **cap_add)
{
	uint64_t caps = 0;
	if (ck__caps_compute(&caps, cap_add, NULL) != CK_OK)
		abort();
	return caps;
}

static bool compiled(unsigned char **prog, size_t *len, uint64_t caps, const char *cache_dir)
{
	int rc = ck__seccomp_bpf(prog, len, rt_ctx(), caps, cache_dir);
	if (rc != CK_OK)
		fprintf(stderr, "  compiling failed: %s\n", ck_error_last()->message);
	return rc == CK_OK;
}

static bool same_program(const unsigned char *a, size_t a_len, const unsigned char *b, size_t b_len)
{
	if (a_len != b_len) {
		fprintf(stderr, "  programs differ in length: %zu and %zu bytes\n", a_len, b_len);
		return false;
	}
	for (size_t i = 0; i < a_len; i += 8)
		if (memcmp(a + i, b + i, 8) != 0) {
			fprintf(stderr, "  programs differ at instruction %zu of %zu\n", i / 8, a_len / 8);
			return false;
		}
	return true;
}

/* The single file in `dir` named <16 hex digits>.bpf, or NULL. */
static char *the_cache_file(const char *dir)
{
	char pattern[4200], *path = NULL;
	glob_t g;

	snprintf(pattern, sizeof(pattern), "%s/*.bpf", dir);
	if (glob(pattern, 0, NULL, &g) == 0) {
		if (g.gl_pathc == 1 && strlen(strrchr(g.gl_pathv[0], '/') + 1) == 16 + 4)
			path = strdup(g.gl_pathv[0]);
		else
			fprintf(stderr, "  %zu files match %s\n", g.gl_pathc, pattern);
		globfree(&g);
	}
	return path;
}

static char *new_cache_dir(void)
{
	static int n;
	char *dir = NULL;
	if (asprintf(&dir, "%s/seccomp-cache-%d", rt_tmp(), n++) < 0)
		abort();
	return dir;
}

/* ---- against crun ---- */

/* Whether crun can run containers here; the test is skipped if not. */
static bool need_crun(ck__runtime *rt)
{
	if (geteuid() != 0) {
		CK_SKIP("comparing with crun needs root");
		return false;
	}
	if (!rt_open_runtime(rt, "crun")) {
		CK_SKIP("crun cannot run here (the reason is above)");
		return false;
	}
	return true;
}

/* Runs a sleeping container with crun from the config's JSON section (no
 * annotation) and returns the program crun compiled: its state directory's
 * seccomp.bpf. */
static unsigned char *crun_compiled(size_t *len, char **cap_add)
{
	char *args[] = { "sleep", "600", NULL };
	char id[64], state[4200], cmd[16384], file[4300];
	unsigned char *prog = NULL;
	ck__runtime rt;
	ck__oci_params p;
	char *bundle = rt_bundle_dir();

	if (!need_crun(&rt)) {
		free(bundle);
		return NULL;
	}
	rt_params(&p, args);
	p.cap_add = cap_add;
	rt_new_id(id);
	snprintf(state, sizeof(state), "%s/crun-state", rt_tmp());
	CK_CHECK_OK(ck__oci_config_write(rt_ctx(), bundle, &p, rt_host()));
	snprintf(cmd, sizeof(cmd), "'%s' --root '%s' run -d --bundle '%s' %s </dev/null >'%s/crun.out' 2>&1",
	         rt.path, state, bundle, id, bundle);
	if (system(cmd) != 0) {
		char out[4300];
		snprintf(out, sizeof(out), "%s/crun.out", bundle);
		char *text = ck_test_read_file(out, NULL);
		fprintf(stderr, "  %s failed: %s\n", cmd, text ? text : "?");
		free(text);
		ck_test_failed_checks++;
	} else {
		snprintf(file, sizeof(file), "%s/%s/seccomp.bpf", state, id);
		prog = (unsigned char *)ck_test_read_file(file, len);
		if (!prog)
			fprintf(stderr, "  crun left no %s\n", file);
		CK_CHECK(prog != NULL);
	}
	snprintf(cmd, sizeof(cmd), "'%s' --root '%s' delete -f %s >/dev/null 2>&1", rt.path, state, id);
	CK_CHECK(system(cmd) == 0);
	ck__runtime_close(&rt);
	ck_test_rmtree(bundle);
	free(bundle);
	return prog;
}

static void compare_with_crun(char **cap_add)
{
	unsigned char *ours = NULL, *theirs;
	size_t ours_len = 0, theirs_len = 0;

	theirs = crun_compiled(&theirs_len, cap_add);
	CK_CHECK(compiled(&ours, &ours_len, caps_with(cap_add), NULL));
	if (theirs && ours)
		CK_CHECK(same_program(ours, ours_len, theirs, theirs_len));
	free(ours);
	free(theirs);
}

static void seccomp_bpf_default_caps_is_what_crun_compiles(void)
{
	compare_with_crun(NULL);
}

static void seccomp_bpf_with_cap_sys_admin_is_what_crun_compiles(void)
{
	char *admin[] = { "SYS_ADMIN", NULL };
	compare_with_crun(admin);
}

/* ---- the cache ---- */

static void seccomp_bpf_cache_is_written_and_then_read(void)
{
	char *admin[] = { "SYS_ADMIN", NULL };
	unsigned char *plain = NULL, *again = NULL, *root_prog = NULL;
	size_t plain_len = 0, again_len = 0, root_len = 0, file_len = 0;
	char *dir = new_cache_dir(), *path, *file;

	CK_CHECK(compiled(&plain, &plain_len, caps_with(NULL), NULL));
	CK_CHECK(compiled(&again, &again_len, caps_with(NULL), dir));
	CK_CHECK(same_program(plain, plain_len, again, again_len));
	CK_CHECK((path = the_cache_file(dir)) != NULL);
	file = path ? ck_test_read_file(path, &file_len) : NULL;
	CK_CHECK(file && same_program((unsigned char *)file, file_len, plain, plain_len));
	free(again);
	free(file);

	/* A different (valid) program under the same key is what comes back:
	 * the second call read the file rather than compiling. */
	CK_CHECK(compiled(&root_prog, &root_len, caps_with(admin), NULL));
	CK_CHECK(root_len != plain_len || memcmp(root_prog, plain, plain_len) != 0);
	if (path) {
		write_whole(path, root_prog, root_len);
		CK_CHECK(compiled(&again, &again_len, caps_with(NULL), dir));
		CK_CHECK(same_program(again, again_len, root_prog, root_len));
		free(again);
	}

	/* Capabilities the profile does not look at share the program (the
	 * file changed above is what comes back). */
	char *drop_chown[] = { "CHOWN", NULL };
	uint64_t without_chown = 0;
	CK_CHECK_OK(ck__caps_compute(&without_chown, NULL, drop_chown));
	CK_CHECK(compiled(&again, &again_len, without_chown, dir));
	CK_CHECK(same_program(again, again_len, root_prog, root_len));
	free(again);

	free(plain);
	free(root_prog);
	free(path);
	free(dir);
}

static void seccomp_bpf_damaged_cache_file_is_replaced(void)
{
	static const struct {
		const char *what;
		size_t len;
	} damage[] = {
		{ "short, not whole instructions", 5 },
		{ "12 bytes, not whole instructions", 12 },
		{ "whole instructions not ending in a return", 16 },
		{ "empty", 0 },
	};
	unsigned char *good = NULL, *got = NULL, junk[16];
	size_t good_len = 0, got_len = 0, file_len = 0;
	char *dir = new_cache_dir(), *path, *file;

	memset(junk, 0, sizeof(junk));
	CK_CHECK(compiled(&good, &good_len, caps_with(NULL), dir));
	CK_CHECK((path = the_cache_file(dir)) != NULL);
	for (size_t i = 0; path && i < sizeof(damage) / sizeof(damage[0]); i++) {
		fprintf(stderr, "  cache file %s\n", damage[i].what);
		write_whole(path, junk, damage[i].len);
		CK_CHECK(compiled(&got, &got_len, caps_with(NULL), dir));
		CK_CHECK(same_program(got, got_len, good, good_len));
		free(got);
		file = ck_test_read_file(path, &file_len);
		CK_CHECK(file && same_program((unsigned char *)file, file_len, good, good_len));
		free(file);
	}
	/* Nothing else (no temporary file) is left behind. */
	free(path);
	CK_CHECK((path = the_cache_file(dir)) != NULL);
	free(path);
	free(good);
	free(dir);
}

/* ---- config.json ---- */


/* Writes config.json for `p` and returns the annotation's value (NULL if
 * absent) and how often the key appears. */
static char *annotation_in_config(const ck__oci_params *p, int *count)
{
	char *bundle = rt_bundle_dir(), path[4200], *json, *value = NULL;
	const char *at, *key = "\"" CK__SECCOMP_BPF_ANNOTATION "\":\"";

	*count = 0;
	snprintf(path, sizeof(path), "%s/config.json", bundle);
	CK_CHECK_OK(ck__oci_config_write(rt_ctx(), bundle, p, rt_host()));
	json = ck_test_read_file(path, NULL);
	CK_CHECK(json && (strstr(json, "\"seccomp\"") != NULL) == p->seccomp);
	for (at = json; at && (at = strstr(at, key)); at += strlen(key)) {
		if (!value)
			value = strndup(at + strlen(key), strcspn(at + strlen(key), "\""));
		(*count)++;
	}
	free(json);
	ck_test_rmtree(bundle);
	free(bundle);
	return value;
}

static void seccomp_bpf_annotation_only_when_asked_for(void)
{
	char *args[] = { "true", NULL };
	unsigned char *prog = NULL, *decoded;
	size_t prog_len = 0, decoded_len = 0;
	char *dir = new_cache_dir(), *value;
	ck__oci_params p;
	int count;

	rt_params(&p, args);
	CK_CHECK(compiled(&prog, &prog_len, caps_with(NULL), NULL));

	/* Asked for (crun): base64 of the program. */
	p.seccomp_bpf = true;
	p.seccomp_cache_dir = dir;
	value = annotation_in_config(&p, &count);
	CK_CHECK(count == 1);
	decoded = value ? ck_test_unbase64(value, &decoded_len) : NULL;
	CK_CHECK(decoded && same_program(decoded, decoded_len, prog, prog_len));
	free(decoded);
	free(value);
	CK_CHECK(ck__path_exists(dir));

	/* Not asked for (runc), or no profile at all. */
	p.seccomp_bpf = false;
	value = annotation_in_config(&p, &count);
	CK_CHECK(value == NULL && count == 0);
	p.seccomp_bpf = true;
	p.seccomp = false;
	value = annotation_in_config(&p, &count);
	CK_CHECK(value == NULL && count == 0);

	/* The caller's own value wins, and the key appears once. */
	char *annotations[] = { CK__SECCOMP_BPF_ANNOTATION "=AAAA", NULL };
	p.seccomp = true;
	p.annotations = annotations;
	value = annotation_in_config(&p, &count);
	CK_CHECK_STR(value, "AAAA");
	CK_CHECK(count == 1);
	free(value);
	free(prog);
	free(dir);
}

/* Without libseccomp the config is written as before, and no error is left
 * behind; in a child, as the library is loaded once per process. */
static void seccomp_bpf_without_libseccomp_leaves_the_annotation_out(void)
{
	char *args[] = { "true", NULL };
	char *dir = new_cache_dir();
	ck__oci_params p;
	pid_t pid;
	int status = 0;

	rt_params(&p, args);
	p.seccomp_bpf = true;
	p.seccomp_cache_dir = dir;
	fflush(NULL);
	if ((pid = fork()) == 0) {
		int count;
		ck__seccomp_lib.soname = "libseccomp-not-installed.so.2";
		__atomic_store_n(&ck__seccomp_lib.state, 0, __ATOMIC_RELEASE);
		char *value = annotation_in_config(&p, &count);
		CK_CHECK(value == NULL && count == 0);
		CK_CHECK(ck_error_last()->code == CK_OK);
		CK_CHECK(!ck__path_exists(dir));
		_exit(ck_test_failed_checks ? 1 : 0);
	}
	CK_CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
	CK_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	free(dir);
}

int main(int argc, char **argv)
{
	static const struct ck_test tests[] = {
		CK_TEST(seccomp_bpf_default_caps_is_what_crun_compiles),
		CK_TEST(seccomp_bpf_with_cap_sys_admin_is_what_crun_compiles),
		CK_TEST(seccomp_bpf_cache_is_written_and_then_read),
		CK_TEST(seccomp_bpf_damaged_cache_file_is_replaced),
		CK_TEST(seccomp_bpf_annotation_only_when_asked_for),
		CK_TEST(seccomp_bpf_without_libseccomp_leaves_the_annotation_out),
		{ NULL, NULL },
	};
	int rc;

	if (ck__seccomp_require() != CK_OK) {
		fprintf(stderr, "SKIP: %s\n", ck_error_last()->message);
		return 77;
	}
	rc = ck_test_main(tests, argc, argv);
	rt_cleanup();
	return rc;
}

/* Implementation of the container tests' helpers (ctr_common.h). */
#define _GNU_SOURCE
#include "ctr_common.h"

#include <errno.h>
#include <fcntl.h>
#include <time.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef CK_MKIMAGE
#error "CK_MKIMAGE must name tests/fixtures/mkimage.py"
#endif

static char *tmp;
static ck_context *shared;

const char *tc_runtime(void)
{
	const char *env = getenv("CK_TEST_RUNTIME");
	if (env && *env)
		return env;
#ifdef CK_TEST_RUNTIME
	return CK_TEST_RUNTIME;
#else
	return "crun";
#endif
}

void tc_require_containers(void)
{
	if (geteuid() != 0 && access("/etc/subuid", R_OK) != 0) {
		printf("SKIP: containers need root or subordinate ids\n");
		exit(77);
	}
}

static void log_fn(int level, const char *message, void *payload)
{
	(void)payload;
	if (level <= CK_LOG_WARN || getenv("CK_TEST_VERBOSE"))
		fprintf(stderr, "  [log %d] %s\n", level, message);
}

static ck_context *open_ctx(void)
{
	ck_context_options o = CK_CONTEXT_OPTIONS_INIT;
	char root[4200], run[4200];
	ck_context *ctx = NULL;

	snprintf(root, sizeof(root), "%s/root", tmp);
	snprintf(run, sizeof(run), "%s/run", tmp);
	o.root = root;
	o.runroot = run;
	o.runtime = tc_runtime();
	o.flags = CK_CONTEXT_NO_CONFIG;
	o.log_fn = log_fn;
	o.log_level = getenv("CK_TEST_VERBOSE") ? CK_LOG_DEBUG : CK_LOG_WARN;
	if (ck_context_open(&ctx, &o) != CK_OK) {
		fprintf(stderr, "cannot open a context: %s\n", ck_error_last()->message);
		abort();
	}
	return ctx;
}

ck_context *tc_ctx_new(void)
{
	tc_ctx();
	return open_ctx();
}

static void cleanup(void)
{
	ck_container **list = NULL;
	size_t n = 0;

	if (!shared)
		return;
	if (ck_container_list(&list, &n, shared, CK_CONTAINER_LIST_ALL, NULL) == CK_OK) {
		for (size_t i = 0; i < n; i++)
			ck_container_remove(list[i], CK_REMOVE_FORCE | CK_REMOVE_VOLUMES);
		ck_container_list_free(list, n);
	}
	if (!getenv("CK_TEST_KEEP")) {
		ck_system_reset(shared);
		ck_context_free(shared);
		shared = NULL;
		ck_test_rmtree(tmp);
	}
}

static void setup(void)
{
	char cmd[8600], archive[4200];
	char **names = NULL;

	tc_require_containers();
	tmp = ck_test_tmpdir("containers");
	chmod(tmp, 0755);
	snprintf(archive, sizeof(archive), "%s/busybox.tar", tmp);
	snprintf(cmd, sizeof(cmd), "python3 '%s' '%s' --format oci-archive --busybox --name %s", CK_MKIMAGE,
	         archive, TC_IMAGE);
	if (system(cmd) != 0) {
		fprintf(stderr, "cannot build the test image: %s\n", cmd);
		abort();
	}
	shared = open_ctx();
	if (ck_image_load(&names, shared, archive, NULL, NULL) != CK_OK) {
		fprintf(stderr, "cannot load the test image: %s\n", ck_error_last()->message);
		abort();
	}
	ck_strv_free(names);
	atexit(cleanup);
}

ck_context *tc_ctx(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, setup);
	return shared;
}

const char *tc_tmp(void)
{
	tc_ctx();
	return tmp;
}

ck_container_spec *tc_spec(const char *script)
{
	ck_container_spec *spec = NULL;

	if (ck_container_spec_new(&spec) != CK_OK || ck_container_spec_set_image(spec, TC_IMAGE) != CK_OK)
		abort();
	if (script) {
		const char *argv[] = { "sh", "-c", script, NULL };
		if (ck_container_spec_set_command(spec, argv) != CK_OK)
			abort();
	}
	return spec;
}

ck_container *tc_create(ck_container_spec *spec)
{
	ck_container *ctr = NULL;
	CK_CHECK_OK(ck_container_create(&ctr, tc_ctx(), spec));
	ck_container_spec_free(spec);
	return ctr;
}

static int collect(const ck_log_entry *e, void *payload)
{
	const char *data = e->data;
	size_t len = e->len;
	char **buf = payload;
	size_t have = *buf ? strlen(*buf) : 0;
	char *n = realloc(*buf, have + len + 1);
	if (!n)
		abort();
	memcpy(n + have, data, len);
	n[have + len] = '\0';
	*buf = n;
	return 0;
}

char *tc_logs(ck_container *ctr)
{
	char *buf = strdup("");
	CK_CHECK_OK(ck_container_logs_v2(ctr, NULL, collect, &buf));
	return buf;
}

int tc_run(const char *script, char **logs)
{
	ck_container *ctr = tc_create(tc_spec(script));
	int code = -1;

	if (logs)
		*logs = NULL;
	if (!ctr)
		return -1;
	CK_CHECK_OK(ck_container_start(ctr));
	CK_CHECK_OK(ck_container_wait(&code, ctr, 60000));
	if (logs)
		*logs = tc_logs(ctr);
	CK_CHECK_OK(ck_container_remove(ctr, CK_REMOVE_FORCE));
	ck_container_free(ctr);
	return code;
}

char *tc_json_field(const char *json, const char *key)
{
	char pat[256];
	const char *p, *end;

	snprintf(pat, sizeof(pat), "\"%s\":", key);
	if (!json || !(p = strstr(json, pat)))
		return NULL;
	p += strlen(pat);
	if (*p == '"') {
		p++;
		for (end = p; *end && !(*end == '"' && end[-1] != '\\'); end++)
			;
	} else {
		for (end = p; *end && *end != ',' && *end != '}' && *end != ']'; end++)
			;
	}
	return strndup(p, (size_t)(end - p));
}

char *tc_write_file(const char *name, const char *content)
{
	char *path = NULL;
	FILE *f;

	if (asprintf(&path, "%s/%s", tc_tmp(), name) < 0)
		abort();
	if (!(f = fopen(path, "w")) || fputs(content, f) < 0 || fclose(f) != 0)
		abort();
	return path;
}

size_t tc_count_containers(ck_context *ctx)
{
	ck_container **list = NULL;
	size_t n = 0;
	if (ck_container_list(&list, &n, ctx, CK_CONTAINER_LIST_ALL, NULL) != CK_OK)
		return (size_t)-1;
	ck_container_list_free(list, n);
	return n;
}

bool tc_mounts_under_root(void)
{
	char root[4200], line[8192];
	bool found = false;
	FILE *f = fopen("/proc/self/mountinfo", "re");

	snprintf(root, sizeof(root), "%s/root/", tc_tmp());
	while (f && fgets(line, sizeof(line), f))
		if (strstr(line, root))
			found = true;
	if (f)
		fclose(f);
	return found;
}

char *tc_drain(int fd)
{
	char *buf = calloc(1, 1), chunk[4096];
	size_t len = 0;
	int fl = fcntl(fd, F_GETFL);

	fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));
		if (n <= 0)
			break;
		buf = realloc(buf, len + (size_t)n + 1);
		memcpy(buf + len, chunk, (size_t)n);
		len += (size_t)n;
		buf[len] = '\0';
	}
	return buf;
}

long long tc_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

bool tc_wait_no_path(const char *path, int ms)
{
	long long end = tc_now_ms() + ms;
	while (access(path, F_OK) == 0) {
		if (tc_now_ms() > end)
			return false;
		usleep(10000);
	}
	return true;
}

bool tc_wait_gone(const char *ref, int ms)
{
	long long end = tc_now_ms() + ms;
	for (;;) {
		ck_container *c = NULL;
		int rc = ck_container_lookup(&c, tc_ctx(), ref);
		ck_container_free(c);
		if (rc == CK_ENOTFOUND)
			return true;
		if (tc_now_ms() > end)
			return false;
		usleep(20000);
	}
}

/* Implementation of the runtime tests' helpers (rt_common.h). */
#define _GNU_SOURCE
#include "rt_common.h"

#include <errno.h>
#include <glob.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static pthread_once_t once = PTHREAD_ONCE_INIT;
static char *tmp_dir;
static char rootfs_path[4096];
static ck_context *ctx;
static ck__host host;
static atomic_int id_counter;
static ck__idmap uid_maps[2], gid_maps[2];
static size_t n_uid_maps, n_gid_maps;

static void log_to_stderr(int level, const char *message, void *payload)
{
	(void)payload;
	fprintf(stderr, "  [log %d] %s\n", level, message);
}

static void copy_file(const char *from, const char *to, mode_t mode)
{
	char buf[65536];
	int in = open(from, O_RDONLY | O_CLOEXEC);
	int out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	ssize_t n;

	if (in < 0 || out < 0) {
		perror(from);
		abort();
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			abort();
	close(in);
	close(out);
}

static void setup(void)
{
	static const char *const dirs[] = { "bin", "etc", "proc", "sys", "dev", "tmp", NULL };
	static const char *const applets[] = {
		"sh", "echo", "cat", "id", "sleep", "ls", "grep", "hostname", "mount", "unshare",
		"touch", "pwd", "wc", "env", "true", "false", "head", "tr", "readlink", NULL,
	};
	const char *busybox = access("/bin/busybox", X_OK) == 0 ? "/bin/busybox" : "/usr/bin/busybox";
	ck_context_options opts = CK_CONTEXT_OPTIONS_INIT;
	char path[4200];

	tmp_dir = ck_test_tmpdir("runtime");
	snprintf(rootfs_path, sizeof(rootfs_path), "%s/rootfs", tmp_dir);
	mkdir(rootfs_path, 0755);
	for (int i = 0; dirs[i]; i++) {
		snprintf(path, sizeof(path), "%s/%s", rootfs_path, dirs[i]);
		mkdir(path, 0755);
	}
	snprintf(path, sizeof(path), "%s/tmp", rootfs_path);
	chmod(path, 01777);
	snprintf(path, sizeof(path), "%s/bin/busybox", rootfs_path);
	copy_file(busybox, path, 0755);
	for (int i = 0; applets[i]; i++) {
		snprintf(path, sizeof(path), "%s/bin/%s", rootfs_path, applets[i]);
		if (symlink("busybox", path) < 0 && errno != EEXIST)
			abort();
	}

	char root[4200], run[4200];
	snprintf(root, sizeof(root), "%s/root", tmp_dir);
	snprintf(run, sizeof(run), "%s/run", tmp_dir);
	opts.root = root;
	opts.runroot = run;
	opts.flags = CK_CONTEXT_NO_ENV | CK_CONTEXT_NO_CONFIG;
	opts.log_fn = log_to_stderr;
	opts.log_level = CK_LOG_INFO;
	if (ck_context_open(&ctx, &opts) < 0) {
		fprintf(stderr, "cannot open a context: %s\n", ck_error_last()->message);
		abort();
	}
	if (ck__host_probe(&host) < 0) {
		fprintf(stderr, "host probe failed: %s\n", ck_error_last()->message);
		abort();
	}
	if (host.rootless && ck__host_idmaps(uid_maps, &n_uid_maps, gid_maps, &n_gid_maps) < 0)
		fprintf(stderr, "no subordinate ids for this user: %s\n", ck_error_last()->message);
}

bool rt_have_idmaps(void)
{
	pthread_once(&once, setup);
	return n_uid_maps > 0;
}

ck_context *rt_ctx(void)
{
	pthread_once(&once, setup);
	return ctx;
}

const char *rt_tmp(void)
{
	pthread_once(&once, setup);
	return tmp_dir;
}

const char *rt_rootfs(void)
{
	pthread_once(&once, setup);
	return rootfs_path;
}

const ck__host *rt_host(void)
{
	pthread_once(&once, setup);
	return &host;
}

char *rt_bundle_dir(void)
{
	char *dir = NULL;

	if (asprintf(&dir, "%s/bundle-XXXXXX", rt_tmp()) < 0 || !mkdtemp(dir))
		abort();
	return dir;
}

void rt_new_id(char out[64])
{
	snprintf(out, 64, "ckt-%d-%d", (int)getpid(), atomic_fetch_add(&id_counter, 1));
}

void rt_params(ck__oci_params *p, char **args)
{
	memset(p, 0, sizeof(*p));
	p->rootfs = rt_rootfs();
	p->args = args;
	p->network = "none";
	p->seccomp = true;
	p->hostname = "ckhost";
	p->rootless = rt_host()->rootless;
	if (p->rootless) {
		p->uid_maps = uid_maps;
		p->gid_maps = gid_maps;
		p->n_uid_maps = n_uid_maps;
		p->n_gid_maps = n_gid_maps;
	}
}

bool rt_wait_pid_gone(int pid, int timeout_ms)
{
	int fd = (int)syscall(SYS_pidfd_open, pid, 0);
	struct pollfd pfd;
	bool gone;

	if (fd < 0)
		return errno == ESRCH;
	pfd = (struct pollfd){ fd, POLLIN, 0 };
	gone = poll(&pfd, 1, timeout_ms) == 1;
	close(fd);
	return gone;
}

static int read_pid_file(const char *path)
{
	FILE *f = fopen(path, "re");
	int pid = 0;

	if (!f)
		return 0;
	if (fscanf(f, "%d", &pid) != 1)
		pid = 0;
	fclose(f);
	return pid;
}

/* Reads fd until EOF or the deadline; false on timeout. */
static bool read_all(int fd, char **out, int timeout_ms)
{
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);
	struct timespec start, now;

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		struct pollfd pfd = { fd, POLLIN, 0 };
		clock_gettime(CLOCK_MONOTONIC, &now);
		long spent = (now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000;
		if (spent >= timeout_ms || poll(&pfd, 1, (int)(timeout_ms - spent)) == 0) {
			buf[len] = '\0';
			*out = buf;
			return false;
		}
		if (len + 1024 >= cap)
			buf = realloc(buf, cap *= 2);
		ssize_t n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	*out = buf;
	return true;
}

rt_run_result rt_run(ck__runtime *rt, const ck__oci_params *p)
{
	rt_run_result r = { 0, NULL, NULL };
	char id[64], pid_file[4200];
	char *bundle = rt_bundle_dir();
	int fds[2] = { -1, -1 }, pid = 0;

	rt_new_id(id);
	snprintf(pid_file, sizeof(pid_file), "%s/pid", bundle);
	if ((r.rc = ck__oci_config_write(rt_ctx(), bundle, p, rt_host())) < 0)
		goto fail;
	if (pipe2(fds, O_CLOEXEC) < 0)
		abort();
	r.rc = ck__runtime_create(rt, id, bundle, pid_file, -1, fds[1], fds[1], NULL);
	close(fds[1]);
	if (r.rc < 0)
		goto fail;
	pid = read_pid_file(pid_file);
	if ((r.rc = ck__runtime_start(rt, id)) < 0) {
		r.message = strdup(ck_error_last()->message);
		ck__runtime_delete(rt, id, true);
		goto out;
	}
	if (!read_all(fds[0], &r.output, 30000)) {
		fprintf(stderr, "  container %s did not finish in 30 s; killing it\n", id);
		ck__runtime_kill(rt, id, SIGKILL, true);
	}
	if (pid > 0 && !rt_wait_pid_gone(pid, 10000))
		fprintf(stderr, "  container %s: pid %d still there\n", id, pid);
	if (ck__runtime_delete(rt, id, false) < 0) {
		fprintf(stderr, "  delete %s: %s\n", id, ck_error_last()->message);
		ck__runtime_delete(rt, id, true);
	}
	goto out;
fail:
	r.message = strdup(ck_error_last()->message);
out:
	if (fds[0] >= 0)
		close(fds[0]);
	ck_test_rmtree(bundle);
	free(bundle);
	return r;
}

void rt_result_free(rt_run_result *r)
{
	free(r->output);
	free(r->message);
	r->output = r->message = NULL;
}

char *rt_sh(ck__runtime *rt, const char *script)
{
	char *args[] = { "sh", "-c", (char *)script, NULL };
	ck__oci_params p;
	rt_run_result r;

	rt_params(&p, args);
	r = rt_run(rt, &p);
	if (r.rc != 0) {
		fprintf(stderr, "  running `%s` failed: %s\n", script, r.message ? r.message : "?");
		ck_test_failed_checks++;
		rt_result_free(&r);
		return NULL;
	}
	free(r.message);
	return r.output;
}

bool rt_open_runtime(ck__runtime *rt, const char *name)
{
	ck_context *c = rt_ctx();

	if (ck__runtime_open(rt, c, name) < 0) {
		fprintf(stderr, "SKIP: %s\n", ck_error_last()->message);
		return false;
	}
	if (ck__runtime_host_check(c, rt_host(), rt->path) < 0) {
		fprintf(stderr, "SKIP: %s\n", ck_error_last()->message);
		ck__runtime_close(rt);
		return false;
	}
	/* The check may have changed the host (the hybrid fix). */
	ck__host_probe((ck__host *)rt_host());
	return true;
}

const char *rt_cgroup_parent(void)
{
	static char name[32];
	if (!name[0])
		snprintf(name, sizeof(name), "ck-test-%d", (int)getpid());
	return name;
}

void rt_cleanup(void)
{
	glob_t g;
	char pattern[128];

	/* runc and crun leave the parent of the cgroups they made. */
	snprintf(pattern, sizeof(pattern), "/sys/fs/cgroup/*/%s", rt_cgroup_parent());
	if (glob(pattern, GLOB_NOSORT, NULL, &g) == 0) {
		for (size_t i = 0; i < g.gl_pathc; i++)
			rmdir(g.gl_pathv[i]);
		globfree(&g);
	}
	snprintf(pattern, sizeof(pattern), "/sys/fs/cgroup/%s", rt_cgroup_parent());
	rmdir(pattern);
	if (tmp_dir)
		ck_test_rmtree(tmp_dir);
}

/* The typed info report (ck_system_info_report): the host and the store,
 * looked at once, and the versioned structs that read it. */
#define _GNU_SOURCE
#include "state/state.h"
#include "system_int.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

extern char **environ;

/* Architecture names as the OCI image spec (and podman) spell them. */
static const char *oci_arch(const char *machine)
{
	static const struct {
		const char *uname, *oci;
	} map[] = {
		{ "x86_64", "amd64" }, { "aarch64", "arm64" }, { "i386", "386" },   { "i686", "386" },
		{ "armv7l", "arm" },   { "armv6l", "arm" },    { "ppc64le", "ppc64le" }, { "s390x", "s390x" },
		{ "riscv64", "riscv64" },
	};
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcmp(machine, map[i].uname))
			return map[i].oci;
	return machine;
}

static bool is_cgroup2(const char *path)
{
	struct statfs fs;
	return statfs(path, &fs) == 0 && (unsigned long)fs.f_type == (unsigned long)CGROUP2_SUPER_MAGIC;
}

static const char *cgroup_version(void)
{
	if (is_cgroup2("/sys/fs/cgroup"))
		return "v2";
	if (is_cgroup2("/sys/fs/cgroup/unified"))
		return "hybrid";
	return "v1";
}

/* The first executable `name` in $PATH, then the sbin directories root's
 * PATH often lacks, then `extra` (podman's helper directories); NULL if
 * none.  A name with a slash is taken as it is. */
static char *find_program(const char *name, const char *extra)
{
	const char *env = getenv("PATH");
	char *dirs, *save = NULL;

	if (strchr(name, '/'))
		return access(name, X_OK) == 0 ? ck__strdup(name) : NULL;
	if (!(dirs = ck__asprintf("%s:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:%s",
	                          env ? env : "", extra ? extra : "")))
		return NULL;
	for (char *d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		char *cand = d[0] == '/' ? ck__path_join(d, name) : NULL;
		if (cand && access(cand, X_OK) == 0) {
			free(dirs);
			return cand;
		}
		free(cand);
	}
	free(dirs);
	return NULL;
}

/* The first line `PROGRAM --version` prints, or NULL.  A helper that does
 * not answer within two seconds is killed: info must not hang on it. */
static char *program_version(const char *path)
{
	char *argv[] = { (char *)path, (char *)"--version", NULL };
	posix_spawn_file_actions_t fa;
	char buf[512];
	size_t len = 0;
	int p[2], status;
	pid_t pid;
	bool spawned;

	if (pipe2(p, O_CLOEXEC) < 0)
		return NULL;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, p[1], 1);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	spawned = posix_spawn(&pid, path, &fa, NULL, argv, environ) == 0;
	posix_spawn_file_actions_destroy(&fa);
	close(p[1]);
	if (!spawned) {
		close(p[0]);
		return NULL;
	}
	for (;;) {
		struct pollfd pfd = { .fd = p[0], .events = POLLIN };
		ssize_t n;
		if (len >= sizeof(buf) - 1 || poll(&pfd, 1, 2000) <= 0)
			break;
		if ((n = read(p[0], buf + len, sizeof(buf) - 1 - len)) <= 0)
			break;
		len += (size_t)n;
	}
	close(p[0]);
	kill(pid, SIGKILL); /* it has exited already, unless it hung */
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	buf[len] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return ck__strdup(buf);
}

/* Takes `s` (which may be NULL: "") into the report's string `*slot`;
 * false when memory ran out. */
static bool own(char **slot, char *s)
{
	*slot = s ? s : ck__strdup("");
	return *slot != NULL;
}

static bool dup_into(char **slot, const char *s)
{
	return own(slot, ck__strdup(s ? s : ""));
}

static bool gather_host(ck_system_info_report *r, ck_context *ctx)
{
	const char *rt = ck_context_runtime(ctx), *base = strrchr(rt, '/');
	const char *helpers = "/usr/libexec/podman:/usr/lib/podman:/usr/local/libexec/podman";
	const char *nv_env = getenv("CK_NETAVARK"), *events = getenv("CK_EVENTS_BACKEND");
	struct utsname u;
	struct sysinfo si;
	char host[256] = "", boot[40];
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	if (uname(&u) < 0)
		memset(&u, 0, sizeof(u));
	if (gethostname(host, sizeof(host) - 1) < 0)
		snprintf(host, sizeof(host), "%s", u.nodename);
	ck__boot_id(boot);
	if (sysinfo(&si) == 0) {
		r->mem_total = (uint64_t)si.totalram * si.mem_unit;
		r->mem_free = (uint64_t)si.freeram * si.mem_unit;
		r->swap_total = (uint64_t)si.totalswap * si.mem_unit;
		r->swap_free = (uint64_t)si.freeswap * si.mem_unit;
	}
	r->cpus = cpus > 0 ? (unsigned int)cpus : 0;
	r->rootless = ck_context_is_rootless(ctx) != 0;
	if (!dup_into(&r->kernel, u.release) || !dup_into(&r->arch, oci_arch(u.machine)) ||
	    !dup_into(&r->hostname, host) || !dup_into(&r->cgroup_version, cgroup_version()) ||
	    !dup_into(&r->rt_name, base ? base + 1 : rt) || !own(&r->rt_path, find_program(rt, NULL)) ||
	    !own(&r->netavark_path, nv_env && *nv_env ? find_program(nv_env, NULL)
	                                              : find_program("netavark", helpers)) ||
	    !own(&r->slirp_path, find_program("slirp4netns", NULL)) ||
	    !dup_into(&r->event_logger, events && !strcmp(events, "none") ? "none" : "file") ||
	    !dup_into(&r->boot_id, boot))
		return false;
	return own(&r->rt_version, *r->rt_path ? program_version(r->rt_path) : NULL) &&
	       own(&r->netavark_version, *r->netavark_path ? program_version(r->netavark_path) : NULL) &&
	       own(&r->slirp_version, *r->slirp_path ? program_version(r->slirp_path) : NULL);
}

struct counts {
	size_t n[CK__KIND_COUNT];
};

static int count_fn(ck_state_txn *txn, void *payload)
{
	struct counts *c = payload;
	for (int k = 0; k < CK__KIND_COUNT; k++) {
		int rc = ck__rec_count(&c->n[k], txn, (ck__kind)k);
		if (rc != CK_OK)
			return rc;
	}
	return CK_OK;
}

/* Containers by state, from the same listing `ps -a` reads. */
static int count_states(ck_system_info_report *r, ck_context *ctx)
{
	ck_container **list = NULL;
	size_t n = 0;
	int rc = ck_container_list(&list, &n, ctx, CK_CONTAINER_LIST_ALL, NULL);

	if (rc != CK_OK)
		return rc;
	for (size_t i = 0; i < n; i++) {
		const char *st = ck_container_status(list[i]);
		if (!strcmp(st, "paused"))
			r->paused++;
		else if (!strcmp(st, "running") || !strcmp(st, "starting") || !strcmp(st, "stopping") ||
		         !strcmp(st, "restarting"))
			r->running++;
		else
			r->stopped++;
	}
	ck_container_list_free(list, n);
	return CK_OK;
}

static int gather_store(ck_system_info_report *r, ck_context *ctx)
{
	const char *copy = getenv("CK_ROOTFS_FORCE_COPY");
	struct counts c = { { 0 } };
	int rc;

	if ((rc = ck__state_read(ctx, count_fn, &c)) != CK_OK || (rc = count_states(r, ctx)) != CK_OK)
		return rc;
	r->images = c.n[CK__KIND_IMAGE];
	r->containers = c.n[CK__KIND_CONTAINER];
	r->pods = c.n[CK__KIND_POD];
	r->volumes = c.n[CK__KIND_VOLUME];
	if (!dup_into(&r->graph_root, ck_context_root(ctx)) || !dup_into(&r->run_root, ck_context_runroot(ctx)) ||
	    !dup_into(&r->config_file, ck_context_config_path(ctx)) ||
	    !dup_into(&r->backend, ck_context_db_backend(ctx)) ||
	    !own(&r->volume_path, ck__path_join(ck_context_root(ctx), "volumes")) ||
	    !dup_into(&r->graph_driver, copy && *copy && strcmp(copy, "0") ? "vfs" : "overlay"))
		return ck__oom();
	return CK_OK;
}

void ck__sys_info_free(ck_system_info_report *r)
{
	if (!r)
		return;
	char *strings[] = { r->kernel,       r->arch,         r->hostname,      r->cgroup_version, r->rt_name,
		            r->rt_path,      r->rt_version,   r->netavark_path, r->netavark_version, r->slirp_path,
		            r->slirp_version, r->event_logger, r->boot_id,       r->graph_root,       r->run_root,
		            r->config_file,  r->backend,      r->volume_path,   r->graph_driver };
	for (size_t i = 0; i < sizeof(strings) / sizeof(strings[0]); i++)
		free(strings[i]);
	free(r);
}

void ck_system_info_report_free(ck_system_info_report *r)
{
	ck__sys_info_free(r);
}

int ck__sys_info_gather(ck_system_info_report **out, ck_context *ctx)
{
	ck_system_info_report *r;
	int rc;

	*out = NULL;
	if (!(r = calloc(1, sizeof(*r))))
		return ck__oom();
	if ((rc = gather_store(r, ctx)) == CK_OK && !gather_host(r, ctx))
		rc = ck__oom();
	if (rc != CK_OK) {
		ck__sys_info_free(r);
		return rc;
	}
	*out = r;
	return CK_OK;
}

int ck_system_info_report_new(ck_system_info_report **out, ck_context *ctx)
{
	CK_ENTER();
	if (!out)
		return ck__error_set(CK_EINVAL, "ck_system_info_report_new: out is NULL");
	*out = NULL;
	if (!ctx)
		return ck__error_set(CK_EINVAL, "ck_system_info_report_new: ctx is NULL");
	return ck__sys_info_gather(out, ctx);
}

int ck_system_host_info_init(ck_system_host_info *out, unsigned int version)
{
	return ck__versioned_init(out, NULL, sizeof(*out), version, CK_SYSTEM_HOST_INFO_VERSION,
	                          "ck_system_host_info_init: out", "ck_system_host_info");
}

int ck_system_store_info_init(ck_system_store_info *out, unsigned int version)
{
	return ck__versioned_init(out, NULL, sizeof(*out), version, CK_SYSTEM_STORE_INFO_VERSION,
	                          "ck_system_store_info_init: out", "ck_system_store_info");
}

/* The size of each version of the structs (a version 2 appends fields,
 * and version 1's size becomes offsetof its first new field). */
static const size_t host_sizes[CK_SYSTEM_HOST_INFO_VERSION + 1] = { 0, sizeof(ck_system_host_info) };
static const size_t store_sizes[CK_SYSTEM_STORE_INFO_VERSION + 1] = { 0, sizeof(ck_system_store_info) };

/* The current version of both structs, filled from the report (the
 * strings are the report's). */
void ck__sys_info_host(ck_system_host_info *out, const ck_system_info_report *r)
{
	ck_system_host_info full = {
		.version = CK_SYSTEM_HOST_INFO_VERSION, .os = "linux", .kernel = r->kernel, .arch = r->arch,
		.hostname = r->hostname, .cgroup_version = r->cgroup_version, .cgroup_manager = "cgroupfs",
		.rootless = r->rootless, .oci_runtime_name = r->rt_name, .oci_runtime_path = r->rt_path,
		.oci_runtime_version = r->rt_version, .network_backend = "netavark",
		.netavark_path = r->netavark_path, .netavark_version = r->netavark_version,
		.slirp4netns_path = r->slirp_path, .slirp4netns_version = r->slirp_version,
		.event_logger = r->event_logger, .log_driver = "k8s-file", .boot_id = r->boot_id,
		.mem_total = r->mem_total, .mem_free = r->mem_free, .swap_total = r->swap_total,
		.swap_free = r->swap_free, .cpus = r->cpus, .library_version = ck_version(),
		.library_version_number = ck_version_number(),
	};
	*out = full;
}

void ck__sys_info_store(ck_system_store_info *out, const ck_system_info_report *r)
{
	ck_system_store_info full = {
		.version = CK_SYSTEM_STORE_INFO_VERSION, .graph_root = r->graph_root, .run_root = r->run_root,
		.config_file = r->config_file, .state_backend = r->backend, .volume_path = r->volume_path,
		.graph_driver = r->graph_driver, .images = r->images, .containers = r->containers,
		.containers_running = r->running, .containers_paused = r->paused,
		.containers_stopped = r->stopped, .pods = r->pods, .volumes = r->volumes,
	};
	*out = full;
}

int ck_system_info_report_host(ck_system_host_info *out, const ck_system_info_report *r)
{
	CK_ENTER();
	if (!out || !r)
		return ck__error_set(CK_EINVAL, "ck_system_info_report_host: %s is NULL", out ? "report" : "out");
	if (out->version == 0 || out->version > CK_SYSTEM_HOST_INFO_VERSION)
		return ck__error_set(CK_EVERSION, "ck_system_host_info version %u is not known", out->version);
	/* Built whole, then copied up to the size of the caller's version: a
	 * caller built against an older header has a shorter struct. */
	ck_system_host_info full;
	ck__sys_info_host(&full, r);
	full.version = out->version;
	memcpy(out, &full, host_sizes[out->version]);
	return CK_OK;
}

int ck_system_info_report_store(ck_system_store_info *out, const ck_system_info_report *r)
{
	CK_ENTER();
	if (!out || !r)
		return ck__error_set(CK_EINVAL, "ck_system_info_report_store: %s is NULL", out ? "report" : "out");
	if (out->version == 0 || out->version > CK_SYSTEM_STORE_INFO_VERSION)
		return ck__error_set(CK_EVERSION, "ck_system_store_info version %u is not known", out->version);
	ck_system_store_info full;
	ck__sys_info_store(&full, r);
	full.version = out->version;
	memcpy(out, &full, store_sizes[out->version]);
	return CK_OK;
}

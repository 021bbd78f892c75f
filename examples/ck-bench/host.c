/* ck-bench run: the host record kept with every result, so that figures
 * taken on different set-ups are never compared without a warning. */
#define _GNU_SOURCE
#include "run.h"

#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif
#ifndef TMPFS_MAGIC
#define TMPFS_MAGIC 0x01021994
#endif

const char *const cb_host_keys[CB_HOST_FIELDS] = { "kernel", "cpu",     "cores",   "memory",   "distro",
	                                           "fs",     "cgroups", "runtime", "hostname", "date" };
enum { H_KERNEL, H_CPU, H_CORES, H_MEMORY, H_DISTRO, H_FS, H_CGROUPS, H_RUNTIME, H_HOSTNAME, H_DATE };

/* The value of the first line of `path` that starts with `key`, after the
 * separator `sep`, unquoted. */
static char *field_of(const char *path, const char *key, char sep)
{
	FILE *f = fopen(path, "re");
	char line[512];
	char *val = NULL;

	if (!f)
		return NULL;
	while (!val && fgets(line, sizeof(line), f)) {
		if (strncmp(line, key, strlen(key)))
			continue;
		char *p = strchr(line, sep);
		if (!p)
			continue;
		p++;
		while (*p == ' ' || *p == '\t' || *p == '"')
			p++;
		size_t n = strlen(p);
		while (n && (p[n - 1] == '\n' || p[n - 1] == '"' || p[n - 1] == ' '))
			p[--n] = '\0';
		val = cb_strdup(p);
	}
	fclose(f);
	return val;
}

static char *fs_type(const char *path)
{
	static const struct {
		long magic;
		const char *name;
	} known[] = {
		{ 0xEF53, "ext4" },       { 0x58465342, "xfs" },   { 0x9123683E, "btrfs" },    { 0x01021994, "tmpfs" },
		{ 0x794c7630, "overlay" }, { 0x6969, "nfs" },      { 0x2FC12FC1, "zfs" },      { 0xF2F52010, "f2fs" },
		{ 0x65735546, "fuse" },    { 0x858458f6, "ramfs" }, { 0x01021997, "v9fs" },
	};
	struct statfs sf;
	if (statfs(path, &sf) != 0)
		return cb_printf("unknown (%s: %m)", path);
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if ((long)sf.f_type == known[i].magic)
			return cb_printf("%s (%s)", known[i].name, path);
	return cb_printf("0x%lx (%s)", (long)sf.f_type, path);
}

static char *cgroup_mode(void)
{
	struct statfs sf;
	if (statfs("/sys/fs/cgroup", &sf) != 0)
		return cb_strdup("none");
	if ((long)sf.f_type == CGROUP2_SUPER_MAGIC)
		return cb_strdup("v2");
	if ((long)sf.f_type == TMPFS_MAGIC && statfs("/sys/fs/cgroup/unified", &sf) == 0 &&
	    (long)sf.f_type == CGROUP2_SUPER_MAGIC)
		return cb_strdup("hybrid");
	return cb_strdup("v1");
}

/* crun unless told otherwise, else runc: the runtime the engines most
 * likely use; the suite or --runtime says which when it matters. */
static char *runtime_version(const char *runtime)
{
	const char *names[] = { runtime, "crun", "runc" };
	for (size_t i = runtime ? 0 : 1; i < 3; i++) {
		char *cmd = cb_printf("%s --version 2>/dev/null | head -1", names[i]);
		char *v = cb_proc_capture(cmd, 200, 10);
		free(cmd);
		if (v && *v)
			return v;
		free(v);
		if (runtime)
			return cb_printf("%s (no version)", runtime);
	}
	return cb_strdup("none found");
}

void cb_host_load(double out[3])
{
	if (getloadavg(out, 3) != 3)
		out[0] = out[1] = out[2] = -1;
}

void cb_host_collect(cb_host *h, const char *storage_root, const char *runtime)
{
	struct utsname u;
	char buf[256];
	time_t now = time(NULL);
	struct tm tm;

	memset(h, 0, sizeof(*h));
	if (uname(&u) == 0)
		h->field[H_KERNEL] = cb_printf("%s %s %s", u.sysname, u.release, u.machine);
	h->field[H_CPU] = field_of("/proc/cpuinfo", "model name", ':');
	h->field[H_CORES] = cb_printf("%ld", sysconf(_SC_NPROCESSORS_ONLN));
	char *mem = field_of("/proc/meminfo", "MemTotal", ':');
	h->field[H_MEMORY] = mem ? cb_printf("%.1f GiB", atof(mem) / 1048576.0) : NULL;
	free(mem);
	h->field[H_DISTRO] = field_of("/etc/os-release", "PRETTY_NAME", '=');
	h->field[H_FS] = fs_type(storage_root);
	h->field[H_CGROUPS] = cgroup_mode();
	h->field[H_RUNTIME] = runtime_version(runtime);
	if (gethostname(buf, sizeof(buf)) == 0) {
		buf[sizeof(buf) - 1] = '\0';
		h->field[H_HOSTNAME] = cb_strdup(buf);
	}
	gmtime_r(&now, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	h->field[H_DATE] = cb_strdup(buf);
	for (int i = 0; i < CB_HOST_FIELDS; i++)
		if (!h->field[i])
			h->field[i] = cb_strdup("unknown");
	cb_host_load(h->load_before);
}

void cb_host_free(cb_host *h)
{
	for (int i = 0; i < CB_HOST_FIELDS; i++)
		free(h->field[i]);
	memset(h, 0, sizeof(*h));
}

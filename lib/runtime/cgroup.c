/* A running container's resource usage, read from its cgroup (v1, v2, or
 * the v1 controllers of a hybrid host) and its network namespace.  The
 * cgroup is found through /proc/<pid>/cgroup and the mount table rather
 * than by guessing where crun or runc put it: runc places relative paths
 * under its own cgroup, and v1 controllers may be co-mounted
 * ("cpu,cpuacct") or mounted from a subtree. */
#define _GNU_SOURCE
#include "runtime_int.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysinfo.h>

typedef struct cg_line {
	char *controllers; /* "memory", "cpu,cpuacct", "" for v2 */
	char *path;
} cg_line;

typedef struct cg_mount {
	bool v2;
	char *options;  /* super options: "rw,memory" */
	char *root;     /* the hierarchy's subtree mounted there */
	char *point;
} cg_mount;

typedef struct cg_ctx {
	cg_line *lines;
	size_t n_lines;
	cg_mount *mounts;
	size_t n_mounts;
	const char *fallback; /* cgroupsPath from the config */
} cg_ctx;

static bool list_has(const char *list, const char *item)
{
	size_t n = strlen(item);
	for (const char *p = list; p && *p;) {
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		if (len == n && strncmp(p, item, n) == 0)
			return true;
		p = e ? e + 1 : NULL;
	}
	return false;
}

/* A zombie has left its cgroups already (its /proc/<pid>/cgroup names the
 * root), and a runtime's kill is followed by one until its parent reaps it. */
static bool alive(int pid)
{
	char path[64], buf[512];
	FILE *f;
	size_t n;
	const char *paren;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "re");
	if (!f)
		return false;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	paren = strrchr(buf, ')');
	return paren && paren[1] == ' ' && paren[2] != 'Z' && paren[2] != 'X' && paren[2] != 'x';
}

/* Calls `fn` on each line of the file at `path` until it returns false
 * (out of memory: what was read so far is kept).  False if it cannot be
 * opened. */
static bool each_line(const char *path, bool (*fn)(char *line, void *arg), void *arg)
{
	FILE *f = fopen(path, "re");
	char *line = NULL;
	size_t cap = 0;

	if (!f)
		return false;
	while (getline(&line, &cap, f) > 0 && fn(line, arg))
		;
	free(line);
	fclose(f);
	return true;
}

/* "ID:CONTROLLERS:PATH" */
static bool cgroup_line(char *line, void *arg)
{
	cg_ctx *c = arg;
	char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	if (!c2)
		return true;
	*c2 = '\0';
	c2[1 + strcspn(c2 + 1, "\n")] = '\0';
	cg_line *nl = realloc(c->lines, (c->n_lines + 1) * sizeof(*nl));
	if (!nl)
		return false;
	c->lines = nl;
	nl[c->n_lines].controllers = ck__strdup(c1 + 1);
	nl[c->n_lines].path = ck__strdup(c2 + 1);
	if (!nl[c->n_lines].controllers || !nl[c->n_lines].path) {
		free(nl[c->n_lines].controllers);
		free(nl[c->n_lines].path);
		return false;
	}
	c->n_lines++;
	return true;
}

static int read_proc_cgroup(cg_ctx *c, int pid)
{
	char path[64];

	if (!alive(pid))
		return CK_ENOTFOUND;
	snprintf(path, sizeof(path), "/proc/%d/cgroup", pid);
	return each_line(path, cgroup_line, c) ? CK_OK : CK_ENOTFOUND;
}

/* A line of mountinfo: the cgroup and cgroup2 mounts. */
static bool mount_line(char *line, void *arg)
{
	cg_ctx *c = arg;
	char root[4096], point[4096], fstype[64], source[256], options[1024];
	const char *sep = strstr(line, " - ");
	if (!sep || sscanf(line, "%*s %*s %*s %4095s %4095s", root, point) != 2 ||
	    sscanf(sep + 3, "%63s %255s %1023s", fstype, source, options) != 3)
		return true;
	bool v2 = strcmp(fstype, "cgroup2") == 0;
	if (!v2 && strcmp(fstype, "cgroup") != 0)
		return true;
	cg_mount *nm = realloc(c->mounts, (c->n_mounts + 1) * sizeof(*nm));
	if (!nm)
		return false;
	c->mounts = nm;
	nm[c->n_mounts] = (cg_mount){ v2, ck__strdup(options), ck__strdup(root), ck__strdup(point) };
	if (!nm[c->n_mounts].options || !nm[c->n_mounts].root || !nm[c->n_mounts].point) {
		free(nm[c->n_mounts].options);
		free(nm[c->n_mounts].root);
		free(nm[c->n_mounts].point);
		return false;
	}
	c->n_mounts++;
	return true;
}

static void read_mounts(cg_ctx *c)
{
	each_line("/proc/self/mountinfo", mount_line, c);
}

static void cg_ctx_free(cg_ctx *c)
{
	for (size_t i = 0; i < c->n_lines; i++) {
		free(c->lines[i].controllers);
		free(c->lines[i].path);
	}
	for (size_t i = 0; i < c->n_mounts; i++) {
		free(c->mounts[i].options);
		free(c->mounts[i].root);
		free(c->mounts[i].point);
	}
	free(c->lines);
	free(c->mounts);
}

/* The directory of the container's cgroup for controller `ctl` (v1) or of
 * its unified cgroup (ctl NULL); NULL if there is none. */
static char *cg_dir(const cg_ctx *c, const char *ctl)
{
	const char *path = NULL;
	const cg_mount *m = NULL;

	for (size_t i = 0; i < c->n_lines && !path; i++) {
		if (ctl ? list_has(c->lines[i].controllers, ctl) : c->lines[i].controllers[0] == '\0')
			path = c->lines[i].path;
	}
	if (!path)
		path = c->fallback;
	for (size_t i = 0; i < c->n_mounts && !m; i++) {
		if (ctl ? (!c->mounts[i].v2 && list_has(c->mounts[i].options, ctl)) : c->mounts[i].v2)
			m = &c->mounts[i];
	}
	if (!path || !m)
		return NULL;
	/* A mount of a subtree shows paths below its root. */
	if (strcmp(m->root, "/") != 0 && ck__str_has_prefix(path, m->root))
		path += strlen(m->root);
	return ck__asprintf("%s%s%s", m->point, path[0] == '/' ? "" : "/", path);
}

static bool read_u64(uint64_t *out, const char *dir, const char *file)
{
	char path[4200], buf[64];
	FILE *f;
	bool ok = false;

	if (!dir)
		return false;
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	f = fopen(path, "re");
	if (!f)
		return false;
	if (fgets(buf, sizeof(buf), f)) {
		if (strncmp(buf, "max", 3) == 0) {
			*out = UINT64_MAX;
			ok = true;
		} else {
			char *end;
			errno = 0;
			unsigned long long v = strtoull(buf, &end, 10);
			ok = errno == 0 && end != buf;
			if (ok)
				*out = v;
		}
	}
	fclose(f);
	return ok;
}

/* Calls fn for each line of dir/file. */
static bool each_stat_line(const char *dir, const char *file, bool (*fn)(char *line, void *st), ck__stats *st)
{
	char path[4200];

	if (!dir)
		return false;
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	return each_line(path, fn, st);
}

/* "8:0 Read 4096" */
static bool blkio_line(char *line, void *arg)
{
	ck__stats *st = arg;
	char op[32];
	unsigned long long v;
	if (sscanf(line, "%*s %31s %llu", op, &v) != 2)
		return true;
	if (strcmp(op, "Read") == 0)
		st->blk_read += v;
	else if (strcmp(op, "Write") == 0)
		st->blk_write += v;
	return true;
}

/* "8:0 rbytes=4096 wbytes=0 rios=1 ..." */
static bool iostat_line(char *line, void *arg)
{
	ck__stats *st = arg;
	const char *r = strstr(line, " rbytes="), *w = strstr(line, " wbytes=");
	if (r)
		st->blk_read += strtoull(r + 8, NULL, 10);
	if (w)
		st->blk_write += strtoull(w + 8, NULL, 10);
	return true;
}

/* "usage_usec 1234" */
static bool cpustat_line(char *line, void *arg)
{
	ck__stats *st = arg;
	unsigned long long v;
	if (sscanf(line, "usage_usec %llu", &v) == 1)
		st->cpu_ns = v * 1000;
	return true;
}

static uint64_t host_memory(void)
{
	struct sysinfo si;
	if (sysinfo(&si) < 0)
		return 0;
	return (uint64_t)si.totalram * si.mem_unit;
}

/* A line of /proc/PID/net/dev ("  eth0: rx_bytes ... tx_bytes ..."). */
static bool netdev_line(char *line, void *arg)
{
	ck__stats *st = arg;
	char *colon = strchr(line, ':'), *name = line;
	unsigned long long rx, tx;
	if (!colon)
		return true; /* the two header lines */
	*colon = '\0';
	while (*name == ' ')
		name++;
	if (strcmp(name, "lo") == 0)
		return true;
	/* rx: bytes packets errs drop fifo frame compressed multicast; tx: bytes ... */
	if (sscanf(colon + 1, "%llu %*u %*u %*u %*u %*u %*u %*u %llu", &rx, &tx) == 2) {
		st->net_rx += rx;
		st->net_tx += tx;
	}
	return true;
}

/* Sums the interfaces of the container's network namespace, without lo. */
static void net_stats(ck__stats *st, int pid)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/net/dev", pid);
	each_line(path, netdev_line, st);
}

int ck__cgroup_stats(ck__stats *out, const ck__host *host, const char *cgroups_path, int pid)
{
	cg_ctx c = { .fallback = cgroups_path };
	char *cpu = NULL, *mem = NULL, *pids = NULL, *blk = NULL, *uni = NULL;
	uint64_t limit = 0, ram;
	bool found = false;
	char fallback[4096];

	memset(out, 0, sizeof(*out));
	out->sampled_ns = ck__mono_ns();
	if (host->rootless && host->cgroup_mode != CK__CGROUP_V2)
		return ck__error_set(CK_EUNSUPPORTED,
		                     "statistics of container pid %d: rootless containers on a cgroup v1 "
		                     "host have no cgroup of their own", pid);
	if (cgroups_path && *cgroups_path && cgroups_path[0] != '/') {
		/* As oci_config.c wrote it. */
		snprintf(fallback, sizeof(fallback), "/%s", cgroups_path);
		c.fallback = fallback;
	}
	if (pid > 0 && read_proc_cgroup(&c, pid) != CK_OK && !c.fallback)
		return ck__error_set(CK_ENOTFOUND, "container process %d is gone and no cgroup path was given",
		                     pid);
	read_mounts(&c);
	ram = host_memory();
	if (host->cgroup_mode == CK__CGROUP_V2) {
		uni = cg_dir(&c, NULL);
		found = each_stat_line(uni, "cpu.stat", cpustat_line, out);
		found |= read_u64(&out->mem_usage, uni, "memory.current");
		found |= read_u64(&limit, uni, "memory.max");
		found |= read_u64(&out->pids, uni, "pids.current");
		found |= each_stat_line(uni, "io.stat", iostat_line, out);
	} else {
		cpu = cg_dir(&c, "cpuacct");
		mem = cg_dir(&c, "memory");
		pids = cg_dir(&c, "pids");
		blk = cg_dir(&c, "blkio");
		found = read_u64(&out->cpu_ns, cpu, "cpuacct.usage");
		found |= read_u64(&out->mem_usage, mem, "memory.usage_in_bytes");
		found |= read_u64(&limit, mem, "memory.limit_in_bytes");
		found |= read_u64(&out->pids, pids, "pids.current");
		if (!each_stat_line(blk, "blkio.throttle.io_service_bytes_recursive", blkio_line, out))
			found |= each_stat_line(blk, "blkio.throttle.io_service_bytes", blkio_line, out);
		else
			found = true;
	}
	/* No limit ("max", or v1's page-rounded 2^63-1): report the host's RAM,
	 * as podman does, so that usage/limit stays meaningful. */
	out->mem_limit = (limit == 0 || limit >= ((uint64_t)1 << 62) || (ram && limit > ram)) ? ram : limit;
	if (pid > 0 && c.n_lines)
		net_stats(out, pid);
	free(cpu);
	free(mem);
	free(pids);
	free(blk);
	free(uni);
	cg_ctx_free(&c);
	if (!found)
		return ck__error_set(CK_ENOTFOUND,
		                     "no cgroup statistics for container pid %d (cgroup path %s): the "
		                     "container is gone or its cgroup is not mounted here",
		                     pid, cgroups_path ? cgroups_path : "unknown");
	return CK_OK;
}

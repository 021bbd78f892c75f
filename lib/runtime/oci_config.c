/* Writes a bundle's config.json (OCI runtime spec 1.0.2) from plain
 * parameters, and an exec's process.json from the same parameters.  Every
 * value the host cannot grant is refused here, with its name, before the
 * runtime runs: the runtime's own messages ("operation not permitted")
 * would not say which value was wrong. */
#define _GNU_SOURCE
#include "runtime_int.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DEFAULT_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define MIN_MEMORY (6 * 1024 * 1024) /* podman's minimum; runtimes fail below it */
#define CPU_PERIOD 100000

void ck__json_u64(yajl_gen g, uint64_t v)
{
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%" PRIu64, v);
	yajl_gen_number(g, buf, (size_t)n);
}

static void strv_gen(yajl_gen g, const char *key, const char *const *v)
{
	ck__json_key(g, key);
	yajl_gen_array_open(g);
	for (size_t i = 0; v && v[i]; i++)
		ck__json_str_val(g, v[i]);
	yajl_gen_array_close(g);
}

static bool env_has(char *const *env, const char *name)
{
	size_t n = strlen(name);
	for (size_t i = 0; env && env[i]; i++)
		if (strncmp(env[i], name, n) == 0 && env[i][n] == '=')
			return true;
	return false;
}

/* ---- process ---- */

typedef struct rlim {
	int resource;
	uint64_t soft, hard;
} rlim;

/* The rlimits the container gets: the caller's RLIMIT_NOFILE and
 * RLIMIT_NPROC (what podman inherits), replaced by explicit values.  A hard
 * limit above the host's needs CAP_SYS_RESOURCE in the initial user
 * namespace; without it setrlimit fails with EPERM inside the runtime,
 * which names nothing, so it is refused here (docs/HOST-SETUP.md: root without
 * CAP_SYS_RESOURCE and a hard RLIMIT_NOFILE of 20000). */
static int rlimits_compute(rlim *out, size_t *n, const ck__oci_params *p, const ck__host *host)
{
	bool can_raise = !host->rootless && ck__caller_has_cap(CK__CAP_SYS_RESOURCE);

	*n = 0;
	out[(*n)++] = (rlim){ RLIMIT_NOFILE, host->nofile.rlim_cur, host->nofile.rlim_max };
	out[(*n)++] = (rlim){ RLIMIT_NPROC, host->nproc.rlim_cur, host->nproc.rlim_max };
	for (size_t i = 0; i < p->n_rlimits; i++) {
		int res = p->rlimits[i].resource;
		uint64_t soft = p->rlimits[i].soft, hard = p->rlimits[i].hard;
		const char *name = ck__rlimit_name(res), *shortname = ck__rlimit_short_name(res);
		struct rlimit cur;

		if (!name)
			return ck__error_set(CK_EINVAL, "ulimit: unknown resource number %d", res);
		if (soft > hard)
			return ck__error_set(CK_EINVAL,
			                     "ulimit %s=%" PRIu64 ":%" PRIu64 ": the soft limit is above the hard limit",
			                     shortname, soft, hard);
		if (res == RLIMIT_NOFILE)
			cur = host->nofile;
		else if (res == RLIMIT_NPROC)
			cur = host->nproc;
		else if (getrlimit(res, &cur) < 0)
			return ck__error_errno(CK_EIO, "ulimit %s: cannot read this process's limit", shortname);
		if (hard > (uint64_t)cur.rlim_max && !can_raise)
			return ck__error_set(CK_EPERM,
			                     "ulimit %s=%" PRIu64 ":%" PRIu64 ": the hard limit is above this "
			                     "host's hard limit for %s, %" PRIu64 ", and raising it needs "
			                     "CAP_SYS_RESOURCE, which this process lacks; ask for at most %" PRIu64,
			                     shortname, soft, hard, name, (uint64_t)cur.rlim_max,
			                     (uint64_t)cur.rlim_max);
		size_t j = 0;
		while (j < *n && out[j].resource != res)
			j++;
		out[j] = (rlim){ res, soft, hard };
		if (j == *n)
			(*n)++;
	}
	return CK_OK;
}

int ck__process_gen(yajl_gen g, const ck__oci_params *p, const ck__host *host)
{
	rlim lims[2 + 32];
	size_t nlims;
	uint64_t caps;
	int rc;

	if (!p->args || !p->args[0] || !p->args[0][0])
		return ck__error_set(CK_EINVAL, "the container's command is empty");
	if (p->cwd && p->cwd[0] != '/')
		return ck__error_set(CK_EINVAL, "working directory \"%s\" is not an absolute path", p->cwd);
	for (size_t i = 0; p->env && p->env[i]; i++)
		if (!strchr(p->env[i], '=') || p->env[i][0] == '=')
			return ck__error_set(CK_EINVAL, "environment entry \"%s\" is not of the form NAME=VALUE",
			                     p->env[i]);
	if (p->n_rlimits > 32)
		return ck__error_set(CK_EINVAL, "too many ulimit values (%zu)", p->n_rlimits);
	if ((rc = ck__caps_compute(&caps, p->cap_add, p->cap_drop)) != CK_OK)
		return rc;
	if ((rc = rlimits_compute(lims, &nlims, p, host)) != CK_OK)
		return rc;

	yajl_gen_map_open(g);
	ck__json_key_bool(g, "terminal", p->terminal);
	ck__json_key(g, "user");
	yajl_gen_map_open(g);
	ck__json_key_int(g, "uid", p->uid);
	ck__json_key_int(g, "gid", p->gid);
	ck__json_key_int(g, "umask", p->umask ? strtol(p->umask, NULL, 8) : 022);
	if (p->n_additional_gids) {
		ck__json_key(g, "additionalGids");
		yajl_gen_array_open(g);
		for (size_t i = 0; i < p->n_additional_gids; i++)
			yajl_gen_integer(g, p->additional_gids[i]);
		yajl_gen_array_close(g);
	}
	yajl_gen_map_close(g);
	strv_gen(g, "args", (const char *const *)p->args);
	ck__json_key(g, "env");
	yajl_gen_array_open(g);
	if (!p->env_complete && !env_has(p->env, "PATH"))
		ck__json_str_val(g, DEFAULT_PATH);
	if (!p->env_complete && p->terminal && !env_has(p->env, "TERM"))
		ck__json_str_val(g, "TERM=xterm");
	for (size_t i = 0; p->env && p->env[i]; i++)
		ck__json_str_val(g, p->env[i]);
	yajl_gen_array_close(g);
	ck__json_key_str(g, "cwd", p->cwd && *p->cwd ? p->cwd : "/");

	ck__json_key(g, "capabilities");
	yajl_gen_map_open(g);
	ck__json_key(g, "bounding");
	ck__caps_gen(g, caps);
	ck__json_key(g, "effective");
	ck__caps_gen(g, caps);
	ck__json_key(g, "permitted");
	ck__caps_gen(g, caps);
	ck__json_key(g, "inheritable");
	ck__caps_gen(g, 0);
	ck__json_key(g, "ambient");
	ck__caps_gen(g, 0);
	yajl_gen_map_close(g);

	ck__json_key(g, "rlimits");
	yajl_gen_array_open(g);
	for (size_t i = 0; i < nlims; i++) {
		yajl_gen_map_open(g);
		ck__json_key_str(g, "type", ck__rlimit_name(lims[i].resource));
		ck__json_key(g, "hard");
		ck__json_u64(g, lims[i].hard);
		ck__json_key(g, "soft");
		ck__json_u64(g, lims[i].soft);
		yajl_gen_map_close(g);
	}
	yajl_gen_array_close(g);
	ck__json_key_bool(g, "noNewPrivileges", p->no_new_privileges);
	/* oomScoreAdj is left out: the container inherits the caller's. */
	yajl_gen_map_close(g);
	return CK_OK;
}

/* ---- namespaces ---- */

typedef enum ns_kind { NS_NEW, NS_HOST, NS_JOIN } ns_kind;

typedef struct ns_spec {
	ns_kind kind;
	const char *path;
} ns_spec;

/* NULL, "", "private" (and "none" for the network): a new namespace;
 * "host": the caller's; "ns:PATH" or "/PATH": join that namespace. */
static int ns_parse(ns_spec *out, const char *spec, const char *what, bool is_net)
{
	out->path = NULL;
	if (!spec || !*spec || strcmp(spec, "private") == 0 || (is_net && strcmp(spec, "none") == 0)) {
		out->kind = NS_NEW;
	} else if (strcmp(spec, "host") == 0) {
		out->kind = NS_HOST;
	} else if (ck__str_has_prefix(spec, "ns:") && spec[3] == '/') {
		out->kind = NS_JOIN;
		out->path = spec + 3;
	} else if (spec[0] == '/') {
		out->kind = NS_JOIN;
		out->path = spec;
	} else {
		return ck__error_set(CK_EINVAL,
		                     "%s namespace \"%s\": expected %s\"host\", or \"ns:/proc/PID/ns/...\"",
		                     what, spec, is_net ? "\"none\", " : "\"private\", ");
	}
	return CK_OK;
}

static void ns_gen(yajl_gen g, const char *type, const ns_spec *ns)
{
	if (ns->kind == NS_HOST)
		return;
	yajl_gen_map_open(g);
	ck__json_key_str(g, "type", type);
	if (ns->kind == NS_JOIN)
		ck__json_key_str(g, "path", ns->path);
	yajl_gen_map_close(g);
}

/* ---- mounts ---- */

static bool caller_mounts(const ck__oci_params *p, const char *dest)
{
	for (size_t i = 0; i < p->n_mounts; i++)
		if (p->mounts[i].destination && strcmp(p->mounts[i].destination, dest) == 0)
			return true;
	return false;
}

static void mount_gen(yajl_gen g, const ck__oci_params *p, const char *dest, const char *type,
                      const char *source, const char *const *options)
{
	/* A caller's mount on the same destination replaces the standard one. */
	if (caller_mounts(p, dest))
		return;
	yajl_gen_map_open(g);
	ck__json_key_str(g, "destination", dest);
	ck__json_key_str(g, "type", type);
	ck__json_key_str(g, "source", source);
	strv_gen(g, "options", options);
	yajl_gen_map_close(g);
}

static bool gid_mapped(const ck__oci_params *p, uint32_t gid)
{
	if (!p->rootless)
		return true;
	if (p->n_gid_maps) {
		for (size_t i = 0; i < p->n_gid_maps; i++)
			if (gid >= p->gid_maps[i].container_id &&
			    gid - p->gid_maps[i].container_id < p->gid_maps[i].size)
				return true;
		return false;
	}
	return gid < p->map_size;
}

static int mounts_validate(const ck__oci_params *p)
{
	for (size_t i = 0; i < p->n_mounts; i++) {
		const ck__mount *m = &p->mounts[i];
		if (!m->destination || m->destination[0] != '/')
			return ck__error_set(CK_EINVAL, "mount destination \"%s\" is not an absolute path",
			                     m->destination ? m->destination : "");
		if (!m->source && (!m->type || strcmp(m->type, "bind") == 0))
			return ck__error_set(CK_EINVAL, "bind mount on %s has no source", m->destination);
	}
	return CK_OK;
}

static void mounts_gen(yajl_gen g, const ck__oci_params *p, const ck__host *host, const ns_spec *net,
                       const ns_spec *ipc)
{
	static const char *const proc_o[] = { "nosuid", "noexec", "nodev", NULL };
	static const char *const dev_o[] = { "nosuid", "strictatime", "mode=755", "size=65536k", NULL };
	static const char *const pts_o[] = { "nosuid", "noexec", "newinstance", "ptmxmode=0666",
		                             "mode=0620", "gid=5", NULL };
	static const char *const pts_nogid_o[] = { "nosuid", "noexec", "newinstance", "ptmxmode=0666",
		                                   "mode=0620", NULL };
	char shm_size[40] = "size=65536k";
	const char *const shm_o[] = { "nosuid", "noexec", "nodev", "mode=1777", shm_size, NULL };
	static const char *const mq_o[] = { "nosuid", "noexec", "nodev", NULL };
	static const char *const rbind_o[] = { "rbind", "nosuid", "noexec", "nodev", NULL };
	static const char *const sys_o[] = { "nosuid", "noexec", "nodev", "ro", NULL };
	static const char *const sys_rbind_o[] = { "rbind", "nosuid", "noexec", "nodev", "ro", NULL };
	static const char *const cg_o[] = { "nosuid", "noexec", "nodev", "relatime", "ro", NULL };

	if (p->shm_size > 0)
		snprintf(shm_size, sizeof(shm_size), "size=%lld", (long long)p->shm_size);
	ck__json_key(g, "mounts");
	yajl_gen_array_open(g);
	mount_gen(g, p, "/proc", "proc", "proc", proc_o);
	mount_gen(g, p, "/dev", "tmpfs", "tmpfs", dev_o);
	/* gid=5 (tty) must exist in a rootless container's user namespace. */
	mount_gen(g, p, "/dev/pts", "devpts", "devpts", gid_mapped(p, 5) ? pts_o : pts_nogid_o);
	if (ipc->kind == NS_HOST)
		mount_gen(g, p, "/dev/shm", "bind", "/dev/shm", rbind_o);
	else
		mount_gen(g, p, "/dev/shm", "tmpfs", "shm", shm_o);
	/* A user namespace cannot mount the host ipc namespace's mqueue. */
	if (ipc->kind == NS_HOST && p->rootless)
		mount_gen(g, p, "/dev/mqueue", "bind", "/dev/mqueue", rbind_o);
	else
		mount_gen(g, p, "/dev/mqueue", "mqueue", "mqueue", mq_o);
	/* sysfs can only be mounted by the owner of the network namespace: a
	 * rootless container or one on the host's network gets the host's /sys. */
	if (p->rootless || net->kind == NS_HOST)
		mount_gen(g, p, "/sys", "bind", "/sys", sys_rbind_o);
	else
		mount_gen(g, p, "/sys", "sysfs", "sysfs", sys_o);
	/* A rootless container on v1 has no cgroup of its own to show. */
	if (!p->rootless || host->cgroup_mode == CK__CGROUP_V2)
		mount_gen(g, p, "/sys/fs/cgroup", "cgroup", "cgroup", cg_o);
	for (size_t i = 0; i < p->n_mounts; i++) {
		const ck__mount *m = &p->mounts[i];
		const char *type = m->type ? m->type : "bind";
		yajl_gen_map_open(g);
		ck__json_key_str(g, "destination", m->destination);
		ck__json_key_str(g, "type", type);
		ck__json_key_str(g, "source", m->source ? m->source : type);
		strv_gen(g, "options", (const char *const *)m->options);
		yajl_gen_map_close(g);
	}
	yajl_gen_array_close(g);
}

/* ---- linux ---- */

static void idmaps_gen(yajl_gen g, const char *key, const ck__idmap *maps, size_t n, uint32_t host_id,
                       uint32_t size)
{
	ck__json_key(g, key);
	yajl_gen_array_open(g);
	if (!n) {
		yajl_gen_map_open(g);
		ck__json_key_int(g, "containerID", 0);
		ck__json_key_int(g, "hostID", host_id);
		ck__json_key_int(g, "size", size);
		yajl_gen_map_close(g);
	}
	for (size_t i = 0; i < n; i++) {
		yajl_gen_map_open(g);
		ck__json_key_int(g, "containerID", maps[i].container_id);
		ck__json_key_int(g, "hostID", maps[i].host_id);
		ck__json_key_int(g, "size", maps[i].size);
		yajl_gen_map_close(g);
	}
	yajl_gen_array_close(g);
}

static void device_rule(yajl_gen g, bool allow, const char *type, int64_t major, int64_t minor,
                        const char *access)
{
	yajl_gen_map_open(g);
	ck__json_key_bool(g, "allow", allow);
	if (type)
		ck__json_key_str(g, "type", type);
	if (major >= 0)
		ck__json_key_int(g, "major", major);
	if (minor >= 0)
		ck__json_key_int(g, "minor", minor);
	ck__json_key_str(g, "access", access);
	yajl_gen_map_close(g);
}

static int resources_check(const ck__oci_params *p, const ck__host *host)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	bool limits = p->memory_limit > 0 || p->cpus > 0 || p->pids_limit > 0;

	if (p->memory_limit < 0 || p->pids_limit < 0 || p->cpus < 0)
		return ck__error_set(CK_EINVAL, "a negative memory, cpus or pids limit");
	if (p->memory_limit > 0 && p->memory_limit < MIN_MEMORY)
		return ck__error_set(CK_EINVAL, "memory limit %" PRId64 " bytes is below the minimum of 6MB",
		                     p->memory_limit);
	if (p->cpus > 0 && (p->cpus < 0.01 || (ncpu > 0 && p->cpus > (double)ncpu)))
		return ck__error_set(CK_EINVAL, "cpus %.2f: the range of CPUs is from 0.01 to %ld.00, as "
		                     "this host has %ld", p->cpus, ncpu, ncpu);
	if (limits && p->rootless && host->cgroup_mode != CK__CGROUP_V2)
		return ck__error_set(CK_EUNSUPPORTED,
		                     "%s: cgroup limits are not available to rootless containers on a cgroup "
		                     "v1 host",
		                     p->memory_limit > 0 ? "memory limit" : p->cpus > 0 ? "cpus limit"
		                                                                       : "pids limit");
	return CK_OK;
}

static void resources_gen(yajl_gen g, const ck__oci_params *p)
{
	ck__json_key(g, "resources");
	yajl_gen_map_open(g);
	if (!p->rootless) {
		/* Deny everything, then podman's standard list; the runtime adds
		 * the nodes themselves. */
		ck__json_key(g, "devices");
		yajl_gen_array_open(g);
		device_rule(g, false, NULL, -1, -1, "rwm");
		device_rule(g, true, "c", 1, 3, "rwm");   /* null */
		device_rule(g, true, "c", 1, 5, "rwm");   /* zero */
		device_rule(g, true, "c", 1, 7, "rwm");   /* full */
		device_rule(g, true, "c", 5, 0, "rwm");   /* tty */
		device_rule(g, true, "c", 1, 8, "rwm");   /* random */
		device_rule(g, true, "c", 1, 9, "rwm");   /* urandom */
		device_rule(g, true, "c", 136, -1, "rwm"); /* pts/N */
		device_rule(g, true, "c", 5, 2, "rwm");   /* ptmx */
		for (size_t i = 0; i < p->n_devices; i++) /* --device */
			device_rule(g, true, (char[]){ p->devices[i].type, 0 }, p->devices[i].major,
			            p->devices[i].minor, p->devices[i].access);
		yajl_gen_array_close(g);
	}
	if (p->memory_limit > 0) {
		ck__json_key(g, "memory");
		yajl_gen_map_open(g);
		ck__json_key_int(g, "limit", p->memory_limit);
		yajl_gen_map_close(g);
	}
	if (p->cpus > 0) {
		ck__json_key(g, "cpu");
		yajl_gen_map_open(g);
		ck__json_key_int(g, "quota", (long long)(p->cpus * CPU_PERIOD + 0.5));
		ck__json_key(g, "period");
		ck__json_u64(g, CPU_PERIOD);
		yajl_gen_map_close(g);
	}
	if (p->pids_limit > 0) {
		ck__json_key(g, "pids");
		yajl_gen_map_open(g);
		ck__json_key_int(g, "limit", p->pids_limit);
		yajl_gen_map_close(g);
	}
	yajl_gen_map_close(g);
}

static int linux_gen(yajl_gen g, const ck__oci_params *p, const ck__host *host, const ns_spec ns[5])
{
	const ns_spec *net = &ns[0], *ipc = &ns[1], *uts = &ns[2], *pid = &ns[3];
	uint64_t caps;
	int rc;

	if ((rc = ck__caps_compute(&caps, p->cap_add, p->cap_drop)) != CK_OK)
		return rc;
	ck__json_key(g, "linux");
	yajl_gen_map_open(g);
	/* A user namespace that is joined has its mappings already.  runc
	 * 1.1 refuses a config without them even then ("User namespaces
	 * enabled, but no uid mappings found") and writes none for a joined
	 * namespace; crun runs with or without them.  They are the same
	 * mappings as the joined namespace's either way. */
	if (p->rootless) {
		idmaps_gen(g, "uidMappings", p->uid_maps, p->n_uid_maps, p->uid_map_host, p->map_size);
		idmaps_gen(g, "gidMappings", p->gid_maps, p->n_gid_maps, p->gid_map_host, p->map_size);
	}
	ck__json_key(g, "namespaces");
	yajl_gen_array_open(g);
	ns_gen(g, "pid", pid);
	ns_gen(g, "network", net);
	ns_gen(g, "ipc", ipc);
	ns_gen(g, "uts", uts);
	ns_gen(g, "mount", &(ns_spec){ NS_NEW, NULL });
	if (host->cgroup_mode == CK__CGROUP_V2)
		ns_gen(g, "cgroup", &ns[4]);
	if (p->rootless)
		ns_gen(g, "user", &(ns_spec){ p->userns ? NS_JOIN : NS_NEW, p->userns });
	yajl_gen_array_close(g);
	if (p->n_devices && !p->rootless) {
		ck__json_key(g, "devices");
		yajl_gen_array_open(g);
		for (size_t i = 0; i < p->n_devices; i++) {
			const ck__oci_device *d = &p->devices[i];
			yajl_gen_map_open(g);
			ck__json_key_str(g, "path", d->path);
			ck__json_key_str(g, "type", (char[]){ d->type, 0 });
			ck__json_key_int(g, "major", d->major);
			ck__json_key_int(g, "minor", d->minor);
			ck__json_key_int(g, "fileMode", d->mode);
			ck__json_key_int(g, "uid", d->uid);
			ck__json_key_int(g, "gid", d->gid);
			yajl_gen_map_close(g);
		}
		yajl_gen_array_close(g);
	}
	strv_gen(g, "maskedPaths", ck__masked_paths);
	strv_gen(g, "readonlyPaths", ck__readonly_paths);
	if (p->cgroups_path && *p->cgroups_path && (!p->rootless || host->cgroup_mode == CK__CGROUP_V2)) {
		/* Absolute, so that crun and runc agree on where it is. */
		char *cg = p->cgroups_path[0] == '/' ? ck__strdup(p->cgroups_path)
		                                     : ck__asprintf("/%s", p->cgroups_path);
		if (!cg)
			return ck__oom();
		ck__json_key_str(g, "cgroupsPath", cg);
		free(cg);
	}
	resources_gen(g, p);
	if (p->seccomp) {
		ck__json_key(g, "seccomp");
		ck__seccomp_gen(g, caps);
	}
	yajl_gen_map_close(g);
	return CK_OK;
}

static int params_check(const ck__oci_params *p, const ck__host *host, ns_spec ns[5])
{
	int rc;

	if (!p->rootfs || p->rootfs[0] != '/')
		return ck__error_set(CK_EINVAL, "root filesystem \"%s\" is not an absolute path",
		                     p->rootfs ? p->rootfs : "");
	if (!ck__is_dir(p->rootfs))
		return ck__error_set(CK_ENOTFOUND, "root filesystem %s is not a directory", p->rootfs);
	if ((rc = ns_parse(&ns[0], p->network, "network", true)) != CK_OK ||
	    (rc = ns_parse(&ns[1], p->ipc, "ipc", false)) != CK_OK ||
	    (rc = ns_parse(&ns[2], p->uts, "uts", false)) != CK_OK ||
	    (rc = ns_parse(&ns[3], p->pid, "pid", false)) != CK_OK ||
	    (rc = ns_parse(&ns[4], p->cgroupns, "cgroup", false)) != CK_OK)
		return rc;
	if (p->hostname && *p->hostname && ns[2].kind == NS_HOST)
		return ck__error_set(CK_EINVAL, "cannot set the hostname \"%s\" when sharing the host's UTS "
		                     "namespace", p->hostname);
	if (p->userns && (!p->rootless || p->userns[0] != '/'))
		return ck__error_set(CK_EINVAL, "user namespace \"%s\": only a rootless container joins one, by "
		                     "absolute path", p->userns);
	if (p->rootless && !p->n_uid_maps && !p->map_size)
		return ck__error_set(CK_EINVAL, "a rootless container needs a uid/gid mapping");
	if (p->rootless && (!p->n_uid_maps) != (!p->n_gid_maps))
		return ck__error_set(CK_EINVAL, "a rootless container needs both uid and gid mappings");
	for (size_t i = 0; p->annotations && p->annotations[i]; i++)
		if (!strchr(p->annotations[i], '=') || p->annotations[i][0] == '=')
			return ck__error_set(CK_EINVAL, "annotation \"%s\" is not of the form key=value",
			                     p->annotations[i]);
	if ((rc = mounts_validate(p)) != CK_OK || (rc = resources_check(p, host)) != CK_OK)
		return rc;
	return CK_OK;
}

static bool has_annotation(char *const *annotations, const char *key)
{
	size_t n = strlen(key);
	for (size_t i = 0; annotations && annotations[i]; i++)
		if (strncmp(annotations[i], key, n) == 0 && annotations[i][n] == '=')
			return true;
	return false;
}

/* `seccomp_bpf`: the compiled profile for crun, or NULL. */
static void annotations_gen(yajl_gen g, char *const *annotations, const char *seccomp_bpf)
{
	ck__json_key(g, "annotations");
	yajl_gen_map_open(g);
	for (size_t i = 0; annotations && annotations[i]; i++) {
		const char *eq = strchr(annotations[i], '=');
		yajl_gen_string(g, (const unsigned char *)annotations[i], (size_t)(eq - annotations[i]));
		ck__json_str_val(g, eq + 1);
	}
	if (seccomp_bpf)
		ck__json_key_str(g, CK__SECCOMP_BPF_ANNOTATION, seccomp_bpf);
	yajl_gen_map_close(g);
}

/* The profile compiled for crun (seccomp_bpf.c says why), or NULL: then
 * crun compiles the JSON section itself, as it always could, so a failure
 * here (no libseccomp, say) is only logged.  The caller's own value of the
 * annotation wins. */
static char *seccomp_bpf_gen(ck_context *ctx, const ck__oci_params *p)
{
	uint64_t caps;
	char *b64 = NULL;

	if (!p->seccomp || !p->seccomp_bpf || has_annotation(p->annotations, CK__SECCOMP_BPF_ANNOTATION))
		return NULL;
	/* A capability the config cannot have is config_gen's to report. */
	if (ck__caps_compute(&caps, p->cap_add, p->cap_drop) != CK_OK) {
		ck__error_clear();
		return NULL;
	}
	if (ck__seccomp_bpf_base64(&b64, ctx, caps, p->seccomp_cache_dir) != CK_OK) {
		ck__log(ctx, CK_LOG_DEBUG, "seccomp: the runtime compiles the profile itself: %s",
		        ck_error_last()->message);
		ck__error_clear();
		return NULL;
	}
	return b64;
}

static int config_gen(char **out, const ck__oci_params *p, const ck__host *host, const char *seccomp_bpf)
{
	/* Compact: the runtime parses it at every start. */
	yajl_gen g = ck__json_gen_new(false);
	ns_spec ns[5];
	int rc;

	*out = NULL;
	if (!g)
		return ck__oom();
	if ((rc = params_check(p, host, ns)) != CK_OK)
		goto fail;
	yajl_gen_map_open(g);
	ck__json_key_str(g, "ociVersion", "1.0.2");
	ck__json_key(g, "process");
	if ((rc = ck__process_gen(g, p, host)) != CK_OK)
		goto fail;
	ck__json_key(g, "root");
	yajl_gen_map_open(g);
	ck__json_key_str(g, "path", p->rootfs);
	ck__json_key_bool(g, "readonly", p->readonly_rootfs);
	yajl_gen_map_close(g);
	/* A joined UTS namespace keeps its owner's hostname. */
	if (p->hostname && *p->hostname && ns[2].kind == NS_NEW)
		ck__json_key_str(g, "hostname", p->hostname);
	mounts_gen(g, p, host, &ns[0], &ns[1]);
	if ((rc = linux_gen(g, p, host, ns)) != CK_OK)
		goto fail;
	annotations_gen(g, p->annotations, seccomp_bpf);
	yajl_gen_map_close(g);
	return ck__json_gen_finish(out, g);
fail:
	yajl_gen_free(g);
	return rc;
}

int ck__oci_config_check(const ck__oci_params *p, const ck__host *host)
{
	/* The root filesystem need not exist yet, and the seccomp profile,
	 * generated from the capabilities alone, cannot fail. */
	ck__oci_params q = *p;
	char *json = NULL;
	int rc;

	q.rootfs = "/";
	q.seccomp = false;
	rc = config_gen(&json, &q, host, NULL);
	free(json);
	return rc;
}

int ck__oci_config_write(ck_context *ctx, const char *bundle, const ck__oci_params *p, const ck__host *host)
{
	char *json = NULL, *path = NULL, *seccomp_bpf;
	int rc;

	if (!bundle || bundle[0] != '/')
		return ck__error_set(CK_EINVAL, "bundle directory \"%s\" is not an absolute path",
		                     bundle ? bundle : "");
	seccomp_bpf = seccomp_bpf_gen(ctx, p);
	rc = config_gen(&json, p, host, seccomp_bpf);
	free(seccomp_bpf);
	if (rc != CK_OK)
		return ck__error_wrap(rc, "cannot write the OCI config of bundle %s", bundle);
	path = ck__path_join(bundle, "config.json");
	if (!path) {
		free(json);
		return ck__oom();
	}
	/* 0600: the environment may carry secrets.  Made again at every start,
	 * so it is not synced. */
	rc = ck__write_file_replace(path, json, strlen(json), 0600, false);
	if (rc == CK_OK)
		ck__log(ctx, CK_LOG_DEBUG, "wrote %s", path);
	free(path);
	free(json);
	return rc;
}

int ck__oci_process_write(const char *path, const ck__oci_params *p)
{
	yajl_gen g;
	ck__host host;
	char *json = NULL;
	int rc;

	if (!path)
		return ck__error_set(CK_EINVAL, "no path for the exec process.json");
	if ((rc = ck__host_probe(&host)) != CK_OK)
		return rc;
	g = ck__json_gen_new(true);
	if (!g)
		return ck__oom();
	if ((rc = ck__process_gen(g, p, &host)) != CK_OK) {
		yajl_gen_free(g);
		return ck__error_wrap(rc, "cannot write the exec process %s", path);
	}
	if ((rc = ck__json_gen_finish(&json, g)) != CK_OK)
		return rc;
	rc = ck__write_file_atomic(path, json, strlen(json), 0600);
	free(json);
	return rc;
}

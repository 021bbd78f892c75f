/* From a container's record to the runtime module's parameters: mounts
 * (volumes, binds, tmpfs, the generated /etc files, the init), limits, user
 * namespace mappings, and the bundle's config.json. */
#define _GNU_SOURCE
#include "container_int.h"
#include "volume/volume.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

static bool has_dest(const ck__ctr_config *c, const char *dest)
{
	for (size_t i = 0; i < c->n_mounts; i++)
		if (strcmp(c->mounts[i].destination, dest) == 0)
			return true;
	return false;
}

static bool is_propagation(const char *o)
{
	return strstr(o, "private") || strstr(o, "shared") || strstr(o, "slave") || strstr(o, "bindable");
}

static bool has_str(char *const *v, const char *s)
{
	for (; v && *v; v++)
		if (!strcmp(*v, s))
			return true;
	return false;
}

/* A record read back has "" for a string it does not hold. */
static const char *nz(const char *s)
{
	return s && *s ? s : NULL;
}

static int add_mount(ck__oci_build *b, const char *dest, const char *type, const char *source, char **options)
{
	ck__mount *nm = realloc(b->mounts, (b->n_mounts + 1) * sizeof(*nm));

	if (!nm) {
		ck_strv_free(options);
		return ck__oom();
	}
	b->mounts = nm;
	nm[b->n_mounts].destination = ck__strdup(dest);
	nm[b->n_mounts].type = ck__strdup(type);
	nm[b->n_mounts].source = ck__strdup(source);
	nm[b->n_mounts].options = options;
	b->n_mounts++;
	if (!nm[b->n_mounts - 1].destination || !nm[b->n_mounts - 1].type || !nm[b->n_mounts - 1].source)
		return ck__oom();
	return CK_OK;
}

/* --device: rootful, a node made by the runtime with the host node's
 * numbers, mode and owner, and a device cgroup rule; rootless, a bind
 * mount of the host's node (a user namespace cannot make nodes, nor has it
 * a device cgroup), as podman does. */
static int devices_from(ck__oci_build *b, const ck__ctr_config *c, bool rootless)
{
	size_t n = ck__strv_len(c->extra.devices);
	int rc = CK_OK;

	if (!n)
		return CK_OK;
	if (!rootless && !(b->devices = calloc(n, sizeof(*b->devices))))
		return ck__oom();
	for (size_t i = 0; i < n && rc == CK_OK; i++) {
		const char *host, *ctr, *perms;
		char *buf = malloc(strlen(c->extra.devices[i]) + 1);
		struct stat st;

		if (!buf || (rc = ck__strv_push(&b->device_bufs, "")) != CK_OK) {
			free(buf);
			return rc ? rc : ck__oom();
		}
		free(b->device_bufs[i]);
		b->device_bufs[i] = buf;
		ck__ctr_device_split(c->extra.devices[i], buf, &host, &ctr, &perms);
		if (stat(host, &st) < 0)
			return ck__error_errno(errno == ENOENT ? CK_ENOTFOUND : CK_EIO, "--device: stat %s", host);
		if (!S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode))
			return ck__error_set(CK_EINVAL, "%s is not a valid device: not a device node", host);
		if (rootless) {
			char **o = NULL;
			if ((rc = ck__strv_push(&o, "bind")) || (rc = ck__strv_push(&o, "private")))
				ck_strv_free(o);
			else
				rc = add_mount(b, ctr, "bind", host, o);
			continue;
		}
		b->devices[i] = (ck__oci_device){ .path = ctr, .type = S_ISCHR(st.st_mode) ? 'c' : 'b',
		                                  .major = major(st.st_rdev), .minor = minor(st.st_rdev),
		                                  .mode = st.st_mode & 07777, .uid = st.st_uid, .gid = st.st_gid,
		                                  .access = perms };
		b->p.n_devices++;
	}
	b->p.devices = b->devices;
	return rc;
}

static int mount_from(ck__oci_build *b, ck_context *ctx, const ck__mnt *m)
{
	char **o = NULL, *src = NULL, buf[64];
	bool recursive = true, prop = false;
	int rc = CK_OK;

	if (m->type == CK__MNT_TMPFS) {
		rc = ck__strv_push(&o, "nosuid");
		if (rc == CK_OK)
			rc = ck__strv_push(&o, "nodev");
		if (rc == CK_OK && m->tmpfs_size) {
			snprintf(buf, sizeof(buf), "size=%lld", (long long)m->tmpfs_size);
			rc = ck__strv_push(&o, buf);
		}
		if (rc == CK_OK && m->tmpfs_mode >= 0) {
			snprintf(buf, sizeof(buf), "mode=%o", m->tmpfs_mode);
			rc = ck__strv_push(&o, buf);
		}
		for (size_t i = 0; rc == CK_OK && m->options && m->options[i]; i++)
			rc = ck__strv_push(&o, m->options[i]);
		if (rc == CK_OK)
			rc = ck__strv_push(&o, m->ro ? "ro" : "rw");
		if (rc != CK_OK) {
			ck_strv_free(o);
			return rc;
		}
		return add_mount(b, m->destination, "tmpfs", "tmpfs", o);
	}
	if (m->type == CK__MNT_VOLUME) {
		if ((rc = ck__volume_path(&src, ctx, m->source)) != CK_OK)
			return rc;
	} else if (!(src = strdup(m->source))) {
		return ck__oom();
	}
	for (size_t i = 0; m->options && m->options[i]; i++) {
		if (!strcmp(m->options[i], "bind"))
			recursive = false;
		if (is_propagation(m->options[i]))
			prop = true;
	}
	rc = ck__strv_push(&o, recursive ? "rbind" : "bind");
	if (rc == CK_OK)
		rc = ck__strv_push(&o, m->ro ? "ro" : "rw");
	for (size_t i = 0; rc == CK_OK && m->options && m->options[i]; i++)
		if (strcmp(m->options[i], "bind") && strcmp(m->options[i], "rbind"))
			rc = ck__strv_push(&o, m->options[i]);
	if (rc == CK_OK && !prop)
		rc = ck__strv_push(&o, "rprivate");
	if (rc == CK_OK)
		rc = add_mount(b, m->destination, "bind", src, o);
	else
		ck_strv_free(o);
	free(src);
	return rc;
}

static int bind_file(ck__oci_build *b, const ck__ctr_config *c, const char *userdata, const char *name,
                     const char *dest)
{
	char **o = NULL;
	char *src;
	int rc;

	if (has_dest(c, dest))
		return CK_OK;
	if (!(src = ck__path_join(userdata, name)))
		return ck__oom();
	if ((rc = ck__strv_push(&o, "rbind")) == CK_OK && (rc = ck__strv_push(&o, "rprivate")) == CK_OK)
		rc = add_mount(b, dest, "bind", src, o);
	else
		ck_strv_free(o);
	free(src);
	return rc;
}

static int tmpfs_at(ck__oci_build *b, const ck__ctr_config *c, const char *dest, const char *mode)
{
	char **o = NULL;
	int rc;

	if (has_dest(c, dest))
		return CK_OK;
	if ((rc = ck__strv_push(&o, "rw")) || (rc = ck__strv_push(&o, "nosuid")) ||
	    (rc = ck__strv_push(&o, "nodev")) || (rc = ck__strv_push(&o, mode))) {
		ck_strv_free(o);
		return rc;
	}
	return add_mount(b, dest, "tmpfs", "tmpfs", o);
}

/* --sdnotify=container: the caller's notify socket is bind-mounted into the
 * container and named by its NOTIFY_SOCKET, as podman does, so that the
 * container's own process says READY=1. */
static int notify_socket_in(ck__oci_build *b, const ck__ctr_config *c)
{
	const char *sock = ck__ctr_notify_socket(c);
	char **o = NULL;
	int rc;

	if (!sock || !c->sdnotify || strcmp(c->sdnotify, "container") != 0)
		return CK_OK;
	if (sock[0] != '/')
		return ck__error_set(CK_EUNSUPPORTED, "--sdnotify=container: the notify socket \"%s\" is abstract "
		                                      "and cannot be mounted into the container", sock);
	if ((rc = ck__strv_dup(&b->env, (const char *const *)c->env)) != CK_OK)
		return rc;
	for (size_t i = 0; b->env && b->env[i]; i++)
		if (!strncmp(b->env[i], "NOTIFY_SOCKET=", 14)) {
			free(b->env[i]);
			if (!(b->env[i] = strdup("NOTIFY_SOCKET=" CK__NOTIFY_DEST)))
				return ck__oom();
			b->p.env = b->env;
			goto mount;
		}
	if ((rc = ck__strv_push(&b->env, "NOTIFY_SOCKET=" CK__NOTIFY_DEST)) != CK_OK)
		return rc;
	b->p.env = b->env;
mount:
	if ((rc = ck__strv_push(&o, "bind")) || (rc = ck__strv_push(&o, "rprivate"))) {
		ck_strv_free(o);
		return rc;
	}
	return add_mount(b, CK__NOTIFY_DEST, "bind", sock, o);
}

int ck__ctr_oci_build(ck__oci_build *b, ck_context *ctx, const ck__ctr_config *c, const char *rootfs,
                      const ck__host *host)
{
	ck__oci_params *p = &b->p;
	char *userdata = NULL;
	size_t n_args = ck__strv_len(c->args), k = 0;
	int rc = CK_OK;

	memset(b, 0, sizeof(*b));
	p->rootfs = rootfs;
	p->readonly_rootfs = c->read_only;
	p->env = c->env;
	p->env_complete = true; /* create added the defaults (or --unsetenv took them) */
	p->cwd = c->workdir && *c->workdir ? c->workdir : "/";
	p->uid = c->uid;
	p->gid = c->gid;
	p->additional_gids = c->groups;
	p->n_additional_gids = c->n_groups;
	/* the host's UTS namespace keeps the host's name (create recorded it) */
	p->hostname = nz(c->extra.uts) ? NULL : c->hostname;
	p->terminal = c->tty;
	p->cap_add = c->cap_add;
	p->cap_drop = c->cap_drop;
	p->seccomp = !c->extra.seccomp_unconfined && !c->extra.privileged;
	p->no_new_privileges = c->extra.no_new_privileges;
	if (c->extra.privileged) { /* every capability the caller has (podman's --privileged) */
		static char *all_caps[] = { "ALL", NULL };
		p->cap_add = all_caps;
	}
	p->annotations = c->extra.annotations;
	p->shm_size = c->extra.shm_size;
	p->umask = nz(c->extra.umask);
	p->init = c->init;
	p->network = c->network;
	if (!strcmp(c->network, "bridge")) {
		char *ns = ck__net_netns_path(ctx, c->id);
		if (!ns)
			return ck__oom();
		snprintf(b->netns, sizeof(b->netns), "%s", ns);
		free(ns);
		p->network = b->netns;
	} else if (!strcmp(c->network, "slirp4netns")) {
		/* A namespace of its own, made by the runtime (inside the
		 * container's user namespace when rootless), that the monitor
		 * hands to slirp4netns. */
		p->network = "private";
	} else if (ck__str_has_prefix(c->network, "container:")) {
		/* The namespace of the other container's running init, as podman
		 * joins it; it must run for as long as this one needs it. */
		ck__ctr_state st;
		const char *other = c->network + strlen("container:");
		if ((rc = ck__ctr_read(NULL, &st, ctx, other)) != CK_OK)
			return ck__error_wrap(rc, "cannot join the network of container %.12s", other);
		bool up = ck__ctr_status_live(st.status) && st.pid > 0;
		snprintf(b->netns, sizeof(b->netns), "/proc/%d/ns/net", st.pid);
		ck__ctr_state_free(&st);
		if (!up)
			return ck__error_set(CK_ESTATE, "cannot join the network of container %.12s: it is not running",
			                     other);
		p->network = b->netns;
	}
	p->ipc = nz(c->extra.ipc); /* NULL or "host"; a pod's shares win below */
	p->pid = nz(c->extra.pid);
	p->uts = nz(c->extra.uts);
	ck__ctr_pod_namespaces(b, c);
	p->memory_limit = c->memory;
	p->cpus = c->cpus;
	p->pids_limit = c->pids_limit;
	p->rootless = host->rootless;

	/* argv, with the init in front for --init */
	char **args = calloc(n_args + 3, sizeof(*args));
	if (!args)
		return ck__oom();
	b->argv = args;
	if (c->init) {
		args[k++] = CK__CTR_INIT_DEST;
		args[k++] = "--";
	}
	for (size_t i = 0; i < n_args; i++)
		args[k++] = c->args[i];
	p->args = args;


	for (size_t i = 0; i < c->n_ulimits && i < sizeof(b->rl) / sizeof(b->rl[0]); i++) {
		b->rl[i].resource = c->ulimits[i].resource;
		b->rl[i].soft = c->ulimits[i].soft < 0 ? (uint64_t)-1 : (uint64_t)c->ulimits[i].soft;
		b->rl[i].hard = c->ulimits[i].hard < 0 ? (uint64_t)-1 : (uint64_t)c->ulimits[i].hard;
		p->n_rlimits++;
	}
	p->rlimits = (void *)b->rl;

	snprintf(b->cgroups_path, sizeof(b->cgroups_path), "containerkit/%s", c->id);
	p->cgroups_path = b->cgroups_path;

	if (host->rootless) {
		/* A rootless member joins its infra's user namespace: the
		 * namespaces it shares are owned by it, and only from inside
		 * can they be joined. */
		ck__ctr_pod_userns(b, c);
		if ((rc = ck__host_idmaps(b->uid_maps, &p->n_uid_maps, b->gid_maps, &p->n_gid_maps)) != CK_OK)
			return rc;
		p->uid_maps = b->uid_maps;
		p->gid_maps = b->gid_maps;
	}

	if (!(userdata = ck__ctr_userdata(ctx, c->id)))
		return ck__oom();
	for (size_t i = 0; i < c->n_mounts && rc == CK_OK; i++)
		rc = mount_from(b, ctx, &c->mounts[i]);
	if (rc == CK_OK)
		rc = bind_file(b, c, userdata, "hostname", "/etc/hostname");
	if (rc == CK_OK)
		rc = c->extra.no_hosts ? CK_OK : bind_file(b, c, userdata, "hosts", "/etc/hosts");
	if (rc == CK_OK)
		rc = has_str(c->extra.dns, "none") ? CK_OK
		     : bind_file(b, c, userdata, "resolv.conf", "/etc/resolv.conf");
	if (rc == CK_OK && c->read_only) {
		rc = tmpfs_at(b, c, "/tmp", "mode=1777");
		if (rc == CK_OK)
			rc = tmpfs_at(b, c, "/var/tmp", "mode=1777");
		if (rc == CK_OK)
			rc = tmpfs_at(b, c, "/run", "mode=755");
	}
	/* after the tmpfs on /run of --read-only, which would hide it */
	if (rc == CK_OK)
		rc = bind_file(b, c, userdata, "containerenv", "/run/.containerenv");
	if (rc == CK_OK && nz(c->extra.tz)) {
		char **o = NULL, *zone = ck__ctr_tz_path(c->extra.tz);
		if (!zone || (rc = ck__strv_push(&o, "bind")) || (rc = ck__strv_push(&o, "ro")) ||
		    (rc = ck__strv_push(&o, "rprivate")))
			ck_strv_free(o);
		else
			rc = add_mount(b, "/etc/localtime", "bind", zone, o);
		if (!zone)
			rc = ck__oom();
		free(zone);
	}
	if (rc == CK_OK && c->init) {
		char **o = NULL;
		if ((rc = ck__strv_push(&o, "bind")) || (rc = ck__strv_push(&o, "ro")) ||
		    (rc = ck__strv_push(&o, "rprivate")))
			ck_strv_free(o);
		else
			rc = add_mount(b, CK__CTR_INIT_DEST, "bind", c->init_path, o);
	}
	if (rc == CK_OK)
		rc = notify_socket_in(b, c);
	if (rc == CK_OK)
		rc = devices_from(b, c, host->rootless);
	free(userdata);
	p->mounts = b->mounts;
	p->n_mounts = b->n_mounts;
	/* crun is handed the seccomp profile compiled, from a cache in the run
	 * root (runtime/seccomp_bpf.c); runc does not know the annotation. */
	p->seccomp_bpf = ck__runtime_is_crun(c->runtime && *c->runtime ? c->runtime : ctx->runtime);
	if (rc == CK_OK && p->seccomp_bpf && !(p->seccomp_cache_dir = ck__runroot_path(ctx, "seccomp")))
		rc = ck__oom();
	return rc;
}

void ck__ctr_oci_build_free(ck__oci_build *b)
{
	for (size_t i = 0; i < b->n_mounts; i++) {
		free(b->mounts[i].destination);
		free(b->mounts[i].type);
		free(b->mounts[i].source);
		ck_strv_free(b->mounts[i].options);
	}
	free(b->mounts);
	free(b->devices);
	ck_strv_free(b->device_bufs);
	free(b->argv);
	ck_strv_free(b->env);
	free((char *)b->p.seccomp_cache_dir);
	memset(b, 0, sizeof(*b));
}

int ck__ctr_check_bundle(ck_context *ctx, const ck__ctr_config *c)
{
	ck__oci_build b;
	ck__host host;
	char *rootfs;
	int rc;

	if ((rc = ck__host_probe(&host)) != CK_OK)
		return rc;
	if (!(rootfs = ck__asprintf("%s/rootfs/%s/merged", ctx->root, c->id)))
		return ck__oom();
	rc = ck__ctr_oci_build(&b, ctx, c, rootfs, &host);
	if (rc == CK_OK)
		rc = ck__oci_config_check(&b.p, &host);
	ck__ctr_oci_build_free(&b);
	free(rootfs);
	return rc;
}

int ck__ctr_write_bundle(ck_context *ctx, const ck__ctr_config *c, const char *rootfs)
{
	ck__oci_build b;
	ck__host host;
	char *userdata = NULL;
	int rc;

	if ((rc = ck__host_probe(&host)) != CK_OK)
		return rc;
	if (!(userdata = ck__ctr_userdata(ctx, c->id)))
		return ck__oom();
	rc = ck__ctr_oci_build(&b, ctx, c, rootfs, &host);
	if (rc == CK_OK)
		rc = ck__oci_config_write(ctx, userdata, &b.p, &host);
	ck__ctr_oci_build_free(&b);
	free(userdata);
	return rc;
}

const char *ck__ctr_runtime_name(const ck_context *ctx, const ck__ctr_config *c)
{
	return c->runtime && *c->runtime ? c->runtime : ctx->runtime;
}

int ck__ctr_runtime_open(ck__runtime *rt, ck_context *ctx, const ck__ctr_config *c)
{
	int rc = ck__runtime_open(rt, ctx, ck__ctr_runtime_name(ctx, c));
	if (rc != CK_OK)
		return ck__error_wrap(rc, "container %s", c->name);
	return CK_OK;
}

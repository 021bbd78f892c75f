/* ck_container_create: from a spec and an image to a container record.
 *
 * Everything is worked out first, the user's ids from the image's layers
 * included; volumes named by the spec are made; then one transaction
 * inserts the record as "created" and marks the image and the volumes as
 * used.  Nothing outside the store exists until the first start makes the
 * root filesystem, the bundle and the /etc files (start.c, materialize.c),
 * so a create killed at any point leaves nothing, or a whole container.
 * A failure removes the volumes it made. */
#define _GNU_SOURCE
#include "container_int.h"
#include "imagecfg.h"
#include "image/image.h"
#include "volume/volume.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern char **environ;

static const char *const init_candidates[] = {
	"/usr/libexec/podman/catatonit", "/usr/bin/catatonit", "/usr/libexec/catatonit/catatonit",
	"/usr/bin/tini-static", "/usr/bin/tini", NULL,
};

static int find_init(char **out, const char *given)
{
	*out = NULL;
	if (given) {
		if (access(given, X_OK) != 0)
			return ck__error_errno(ck__errno_code(errno), "--init-path %s cannot be used", given);
		*out = strdup(given);
		return *out ? CK_OK : ck__oom();
	}
	for (size_t i = 0; init_candidates[i]; i++) {
		if (access(init_candidates[i], X_OK) == 0) {
			*out = realpath(init_candidates[i], NULL);
			return *out ? CK_OK : ck__oom();
		}
	}
	return ck__error_set(CK_ENOTFOUND, "--init needs an init binary, and none was found (looked for "
	                                   "catatonit and tini in /usr/libexec/podman, /usr/bin); install "
	                                   "one (apt-get install catatonit) or give --init-path");
}

/* podman-like names: adjective_scientist. */
static void generate_name(char out[64], bool suffix)
{
	static const char *const adj[] = { "agile", "bold", "brave", "calm", "eager", "fervent", "gentle",
		                           "happy", "jolly", "keen", "lucid", "merry", "nifty", "quirky",
		                           "sharp", "vibrant" };
	static const char *const who[] = { "bohr", "curie", "darwin", "euler", "fermi", "gauss", "hopper",
		                           "kepler", "lovelace", "meitner", "noether", "pascal", "ritchie",
		                           "shannon", "turing", "wozniak" };
	char hex[65];

	if (ck__random_id(hex) != CK_OK)
		snprintf(hex, sizeof(hex), "%064d", 0);
	/* one hex digit picks each word */
	int a = (int)strtol((char[]){ hex[0], 0 }, NULL, 16), w = (int)strtol((char[]){ hex[1], 0 }, NULL, 16);
	snprintf(out, 64, "%s_%s%s%.*s", adj[a], who[w], suffix ? "_" : "", suffix ? 6 : 0, hex + 2);
}

/* ---- environment and command ---- */

static int build_env(ck__strmap *env, const ck__imagecfg *ic, const ck_container_spec *spec)
{
	int rc = CK_OK;

	for (size_t i = 0; ic->env && ic->env[i] && rc == CK_OK; i++) {
		const char *eq = strchr(ic->env[i], '=');
		char *k = eq ? strndup(ic->env[i], (size_t)(eq - ic->env[i])) : strdup(ic->env[i]);
		rc = k ? ck__strmap_set(env, k, eq ? eq + 1 : "") : ck__oom();
		free(k);
	}
	if (rc == CK_OK && !ck__strmap_get(env, "PATH"))
		rc = ck__strmap_set(env, "PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
	if (rc == CK_OK && spec->tty && !ck__strmap_get(env, "TERM"))
		rc = ck__strmap_set(env, "TERM", "xterm");
	/* podman's value, not "ck" or "containerkit": programs test
	 * container=podman to learn what kind of container they run in */
	if (rc == CK_OK)
		rc = ck__strmap_set(env, "container", "podman");
	/* --unsetenv and --unsetenv-all take defaults away (the image's, PATH,
	 * TERM, container); what the caller gives below stays, as podman does */
	if (rc == CK_OK && (spec->unset_env_all || spec->unset_env)) {
		ck__strmap kept = { 0 };
		for (size_t i = 0; i < env->n && rc == CK_OK && !spec->unset_env_all; i++) {
			bool drop = false;
			for (char **u = spec->unset_env; u && *u && !drop; u++)
				drop = !strcmp(*u, env->keys[i]);
			if (!drop)
				rc = ck__strmap_set(&kept, env->keys[i], env->vals[i]);
		}
		ck__strmap_free(env);
		*env = kept;
	}
	for (size_t i = 0; spec->env_files && spec->env_files[i] && rc == CK_OK; i++)
		rc = ck__envfile_read(env, spec->env_files[i]);
	for (size_t i = 0; i < spec->env.n && rc == CK_OK; i++)
		rc = ck__strmap_set(env, spec->env.keys[i], spec->env.vals[i]);
	return rc;
}

static int env_to_strv(char ***out, const ck__strmap *env)
{
	char **v = calloc(env->n + 1, sizeof(*v));

	*out = NULL;
	if (!v)
		return ck__oom();
	for (size_t i = 0; i < env->n; i++) {
		if (!(v[i] = ck__asprintf("%s=%s", env->keys[i], env->vals[i]))) {
			ck_strv_free(v);
			return ck__oom();
		}
	}
	*out = v;
	return CK_OK;
}

static int build_args(ck__ctr_config *c, const ck__imagecfg *ic, const ck_container_spec *spec)
{
	const char *const *ep = spec->entrypoint_set ? (const char *const *)spec->entrypoint
	                                             : (const char *const *)ic->entrypoint;
	const char *const *cmd = spec->command_set ? (const char *const *)spec->command
	                         : spec->entrypoint_set ? NULL
	                                                : (const char *const *)ic->cmd;
	int rc;

	if ((rc = ck__strv_dup(&c->entrypoint, ep)) != CK_OK || (rc = ck__strv_dup(&c->command, cmd)) != CK_OK)
		return rc;
	for (size_t i = 0; ep && ep[i] && rc == CK_OK; i++)
		rc = ck__strv_push(&c->args, ep[i]);
	for (size_t i = 0; cmd && cmd[i] && rc == CK_OK; i++)
		rc = ck__strv_push(&c->args, cmd[i]);
	if (rc == CK_OK && !c->args)
		rc = ck__error_set(CK_EINVAL, "no command or entrypoint provided, and no Cmd or Entrypoint in "
		                              "image %s", spec->image);
	if (rc == CK_OK && !c->entrypoint)
		rc = (c->entrypoint = calloc(1, sizeof(char *))) ? CK_OK : ck__oom();
	if (rc == CK_OK && !c->command)
		rc = (c->command = calloc(1, sizeof(char *))) ? CK_OK : ck__oom();
	return rc;
}

/* ---- mounts ---- */

/* A bind source that cannot be resolved: say what was looked for, and for a
 * relative one, how it was read (from the current directory; a name without
 * '/' or a leading '.' would have been a named volume). */
static int bind_source_error(const ck__mnt *m)
{
	int err = errno;
	char cwd[4096];
	const char *rel = m->source;

	if (err != ENOENT)
		return ck__error_sys(ck__errno_code(err), err, "bind mount source %s (for %s) cannot be used",
		                     m->source, m->destination);
	if (m->source[0] == '/')
		return ck__error_set(CK_ENOTFOUND, "bind mount source %s (for %s) does not exist", m->source,
		                     m->destination);
	if (!getcwd(cwd, sizeof(cwd)))
		snprintf(cwd, sizeof(cwd), "the current directory");
	while (rel[0] == '.' && rel[1] == '/')
		rel += 2;
	return ck__error_set(CK_ENOTFOUND,
	                     "bind mount source %s (for %s) does not exist: it was looked for as %s/%s, since a "
	                     "source with a '/' or a leading '.' is a host path, relative to the current directory "
	                     "(a named volume's name has no '/': [a-zA-Z0-9][a-zA-Z0-9_.-]*)",
	                     m->source, m->destination, cwd, rel);
}

/* Resolves the spec's mounts for the record: bind sources must exist and
 * are made canonical; named volumes are looked up or created, anonymous
 * ones created (marked created_volume, so that a failure removes them). */
static int prepare_mounts(ck__ctr_config *c, ck_context *ctx, const ck_container_spec *spec)
{
	ck__host host;
	bool selinux;
	int rc = CK_OK;

	if (!spec->n_mounts)
		return CK_OK;
	/* z and Z relabel only where SELinux is enabled; elsewhere they are no-ops. */
	selinux = ck__host_probe(&host) == CK_OK && host.selinux_enabled;
	ck__error_clear();
	if (!(c->mounts = calloc(spec->n_mounts, sizeof(*c->mounts))))
		return ck__oom();
	for (size_t i = 0; i < spec->n_mounts && rc == CK_OK; i++) {
		ck__mnt *m = &c->mounts[i];
		if ((rc = ck__mnt_copy(m, &spec->mounts[i])) != CK_OK)
			break;
		c->n_mounts++;
		if (m->type == CK__MNT_BIND) {
			char *real = realpath(m->source, NULL);
			if (!real) {
				rc = bind_source_error(m);
				break;
			}
			free(m->source);
			m->source = real;
			rc = ck__mnt_check_relabel(m);
			if (rc == CK_OK && m->relabel && selinux)
				rc = ck__mnt_relabel(m);
		} else if (m->type == CK__MNT_VOLUME) {
			ck_volume *vol = NULL;
			if (m->source) {
				rc = ck_volume_lookup(&vol, ctx, m->source);
				if (rc == CK_OK && strcmp(ck_volume_name(vol), m->source) != 0)
					rc = CK_ENOTFOUND; /* a prefix of another volume's name */
				ck_volume_free(vol);
				vol = NULL;
				if (rc != CK_ENOTFOUND)
					continue;
				ck__error_clear();
			}
			ck_volume_spec *vs = NULL;
			rc = ck_volume_spec_new(&vs);
			if (rc == CK_OK && m->source)
				rc = ck_volume_spec_set_name(vs, m->source);
			if (rc == CK_OK && m->anonymous)
				rc = ck_volume_spec_set_label(vs, "containerkit.anonymous", c->id);
			if (rc == CK_OK)
				rc = ck_volume_create(&vol, ctx, vs);
			ck_volume_spec_free(vs);
			if (rc == CK_OK) {
				m->created_volume = true;
				if (!m->source && !(m->source = ck__strdup(ck_volume_name(vol))))
					rc = ck__oom();
			}
			ck_volume_free(vol);
		}
	}
	return rc;
}

static void remove_created_volumes(ck_context *ctx, const ck__ctr_config *c)
{
	for (size_t i = 0; i < c->n_mounts; i++) {
		const ck__mnt *m = &c->mounts[i];
		if (m->type == CK__MNT_VOLUME && m->created_volume && m->source &&
		    ck__volume_remove_name(ctx, m->source, true) != CK_OK)
			ck__log(ctx, CK_LOG_WARN, "container %.12s: cannot remove volume %s after a failed create: %s",
			        c->id, m->source, ck_error_last()->message);
	}
}

/* ---- transactions ---- */

struct insert_args {
	const ck__ctr_config *c;
	const char *config;
	const ck_container_spec *spec;
};

static int insert_fn(ck_state_txn *txn, void *payload)
{
	struct insert_args *a = payload;
	int rc = ck__rec_insert(txn, CK__KIND_CONTAINER, a->c->id, a->c->name, a->config,
	                        "{\"status\":\"created\",\"pid\":0,\"exit_code\":-1}");

	if (rc == CK_EEXISTS)
		return ck__error_set(CK_EEXISTS, "the container name \"%s\" is already in use; remove that "
		                                 "container or pod first, or use replace", a->c->name);
	if (rc == CK_OK)
		rc = ck__ctr_pod_insert_txn(txn, a->c, a->spec);
	if (rc == CK_OK)
		rc = ck__image_add_user(txn, a->c->image_id, a->c->id);
	if (rc == CK_OK)
		rc = ck__net_add_users(txn, a->c->id, a->c->nets, a->c->n_nets);
	for (size_t i = 0; i < a->c->n_mounts && rc == CK_OK; i++)
		if (a->c->mounts[i].type == CK__MNT_VOLUME)
			rc = ck__volume_add_user(txn, a->c->mounts[i].source, a->c->id);
	return rc;
}

/* ---- the whole ---- */

static int validate(const ck_container_spec *spec, const char *network)
{
	if (!spec->image)
		return ck__error_set(CK_EINVAL, "cannot create a container: no image given");
	if (spec->remove && spec->restart_policy && strcmp(spec->restart_policy, "no") != 0)
		return ck__error_set(CK_EINVAL, "--rm conflicts with --restart %s: a container that is removed when "
		                                "it exits cannot be restarted; drop --rm, or use --restart no",
		                     spec->restart_policy);
	if (spec->n_ports && strcmp(network, "bridge") != 0 && strcmp(network, "slirp4netns") != 0)
		return ck__error_set(CK_EUNSUPPORTED, "cannot publish ports with network mode \"%s\": only bridge "
		                                      "networks and slirp4netns forward ports (--network bridge, "
		                                      "or slirp4netns when rootless)", network);
	if (spec->init_path && !spec->init)
		return ck__error_set(CK_EINVAL, "--init-path needs --init");
	return CK_OK;
}

/* The published ports, a port without a host port given a free one now, as
 * podman does: it stays the same across restarts, and `port` shows it. */
static int copy_ports(ck__ctr_config *c, const ck_container_spec *spec)
{
	int rc;

	if (!spec->n_ports)
		return CK_OK;
	if (!(c->ports = calloc(spec->n_ports, sizeof(*c->ports))))
		return ck__oom();
	for (size_t i = 0; i < spec->n_ports; i++) {
		ck__port *p = &c->ports[c->n_ports];
		*p = spec->ports[i];
		p->host_ip = NULL;
		c->n_ports++;
		if (spec->ports[i].host_ip && !(p->host_ip = strdup(spec->ports[i].host_ip)))
			return ck__oom();
		if (p->range < 1)
			p->range = 1;
		if (!p->host_port && (rc = ck__net_port_pick(&p->host_port, p->host_ip, p->protocol, p->range)) != CK_OK)
			return ck__error_wrap(rc, "cannot publish container port %u/%s", p->container_port, p->protocol);
	}
	return CK_OK;
}

static int fill_config(ck__ctr_config *c, ck_context *ctx, const ck_container_spec *spec, const ck__imagecfg *ic,
                       const char *image_id, const char *image_name, const char *network, const char *name,
                       const char *id, const char *pod_hostname)
{
	ck__strmap env = { 0 };
	int rc;

	c->id = strdup(id);
	c->name = strdup(name);
	c->image_id = strdup(image_id);
	c->image_name = strdup(image_name);
	c->image_ref = strdup(spec->image);
	c->pod = strdup("");
	c->network = strdup(network);
	c->runtime = strdup(spec->runtime ? spec->runtime : ctx->runtime);
	c->restart_policy = strdup(spec->restart_policy ? spec->restart_policy : "no");
	c->workdir = strdup(spec->workdir ? spec->workdir : ic->workdir ? ic->workdir : "/");
	c->user = strdup(spec->user ? spec->user : ic->user ? ic->user : "");
	if (!c->id || !c->name || !c->image_id || !c->image_name || !c->image_ref || !c->pod || !c->network || !c->runtime ||
	    !c->restart_policy || !c->workdir || !c->user)
		return ck__oom();
	/* podman's words: a container asked to have no network has no
	 * resolver (the library's default, none, is not an explicit ask) */
	if (spec->network && !strcmp(spec->network, "none") &&
	    (spec->extra.dns || spec->extra.dns_search || spec->extra.dns_options))
		return ck__error_set(CK_EINVAL, "conflicting options: dns and the network mode: none");
	if (spec->hostname && spec->extra.uts && !strcmp(spec->extra.uts, "host"))
		return ck__error_set(CK_EINVAL, "cannot set the hostname \"%s\" of a container that shares the host's "
		                                "UTS namespace (--uts host)", spec->hostname);
	if (spec->hostname || (pod_hostname && *pod_hostname)) {
		c->hostname = strdup(spec->hostname ? spec->hostname : pod_hostname);
	} else if (!strcmp(network, "host") || (spec->extra.uts && !strcmp(spec->extra.uts, "host"))) {
		char h[256] = "";
		gethostname(h, sizeof(h) - 1);
		c->hostname = strdup(*h ? h : "localhost");
	} else {
		c->hostname = strndup(id, 12);
	}
	if (!c->hostname)
		return ck__oom();
	c->created = ck__now_ns();
	c->restart_max = spec->restart_max;
	c->read_only = spec->read_only;
	c->init = spec->init;
	c->tty = spec->tty;
	c->stdin_open = spec->stdin_open;
	c->remove = spec->remove;
	c->rootless = ctx->rootless;
	c->memory = spec->memory;
	c->cpus = spec->cpus;
	c->pids_limit = spec->pids_limit;
	c->log_size_max = spec->log_size_max ? spec->log_size_max : CK__CTR_DEFAULT_LOG_MAX;
	c->stop_timeout = spec->stop_timeout;
	if ((rc = ck__ctr_extra_copy(&c->extra, &spec->extra)) != CK_OK)
		return rc;
	c->stop_signal = spec->stop_signal;
	if (!c->stop_signal && (!ic->stop_signal || ck__signal_parse(&c->stop_signal, ic->stop_signal) != CK_OK)) {
		ck__error_clear();
		c->stop_signal = 15;
	}
	if (c->init && (rc = find_init(&c->init_path, spec->init_path)) != CK_OK)
		return rc;
	if (!c->init_path && !(c->init_path = strdup("")))
		return ck__oom();
	if ((rc = ck__strv_dup(&c->cap_add, (const char *const *)spec->cap_add)) ||
	    (rc = ck__strv_dup(&c->cap_drop, (const char *const *)spec->cap_drop)) ||
	    (rc = ck__strv_dup(&c->exposed, (const char *const *)ic->exposed)) ||
	    (rc = ck__strv_dup(&c->create_command, (const char *const *)spec->create_command)))
		return rc;
	if (spec->monitor_pid_file && !(c->monitor_pid_file = strdup(spec->monitor_pid_file)))
		return ck__oom();
	if (spec->n_ulimits) {
		if (!(c->ulimits = calloc(spec->n_ulimits, sizeof(*c->ulimits))))
			return ck__oom();
		memcpy(c->ulimits, spec->ulimits, spec->n_ulimits * sizeof(*c->ulimits));
		c->n_ulimits = spec->n_ulimits;
	}
	for (size_t i = 0; i < ic->labels.n; i++)
		if ((rc = ck__strmap_set(&c->labels, ic->labels.keys[i], ic->labels.vals[i])) != CK_OK)
			return rc;
	for (size_t i = 0; i < spec->labels.n; i++)
		if ((rc = ck__strmap_set(&c->labels, spec->labels.keys[i], spec->labels.vals[i])) != CK_OK)
			return rc;
	if ((rc = copy_ports(c, spec)) != CK_OK)
		return rc;
	if ((rc = build_args(c, ic, spec)) != CK_OK)
		return rc;
	rc = build_env(&env, ic, spec);
	if (rc == CK_OK && !ck__strmap_get(&env, "HOSTNAME"))
		rc = ck__strmap_set(&env, "HOSTNAME", c->hostname);

	if (rc == CK_OK)
		rc = env_to_strv(&c->env, &env);
	ck__strmap_free(&env);
	return rc;
}

/* The user's ids and groups, and HOME, from the image's /etc/passwd and
 * /etc/group read straight from its layers: nothing is mounted at create. */
static int finish_user(ck__ctr_config *c, ck_context *ctx, const ck_container_spec *spec)
{
	char **dirs = NULL, *home = NULL;
	size_t n = 0;
	ck__userdb db = { 0 };
	bool have_home = false;
	int rc;

	if ((rc = ck__layer_dirs(&dirs, &n, ctx, c->image_id, NULL)) != CK_OK)
		return rc;
	rc = ck__userdb_from_layers(&db, dirs, n, ctx->rootless);
	ck__layer_dirs_free(dirs, n);
	if (rc != CK_OK)
		return rc;
	/* runc cannot set supplementary groups in a rootless container: only
	 * those asked for explicitly are kept there (and refused by runc). */
	bool with_groups = !(c->rootless && strstr(c->runtime, "runc"));
	rc = ck__user_resolve(&c->uid, &c->gid, &c->groups, &c->n_groups, &home, &db, c->user, with_groups);
	for (size_t i = 0; rc == CK_OK && spec->groups && spec->groups[i]; i++) {
		uint32_t g, *ng;
		if ((rc = ck__group_resolve(&g, &db, spec->groups[i])) != CK_OK)
			break;
		if (!(ng = realloc(c->groups, (c->n_groups + 1) * sizeof(*ng)))) {
			rc = ck__oom();
			break;
		}
		c->groups = ng;
		c->groups[c->n_groups++] = g;
	}
	ck__userdb_free(&db);
	for (size_t i = 0; rc == CK_OK && c->env[i]; i++)
		have_home |= ck__str_has_prefix(c->env[i], "HOME=");
	if (rc == CK_OK && !have_home) {
		char *h = ck__asprintf("HOME=%s", home && *home ? home : "/");
		if (!h || (rc = ck__strv_push(&c->env, h)) != CK_OK)
			rc = ck__oom();
		free(h);
	}
	free(home);
	return rc;
}

/* "container:REF" is kept as "container:<full id>": the name may change. */
static int resolve_container_mode(char **network, ck_context *ctx)
{
	ck_container *other = NULL;
	char *full;
	int rc;

	if (!ck__str_has_prefix(*network, "container:"))
		return CK_OK;
	rc = ck_container_lookup(&other, ctx, *network + strlen("container:"));
	if (rc == CK_ENOTFOUND)
		return ck__error_set(CK_ENOTFOUND, "network mode \"%s\": no such container", *network);
	if (rc != CK_OK)
		return rc;
	full = ck__asprintf("container:%s", ck_container_id(other));
	ck_container_free(other);
	if (!full)
		return ck__oom();
	free(*network);
	*network = full;
	return CK_OK;
}

/* Removes what create made, keeping the message of the failure. */
static int undo(ck_context *ctx, ck__ctr_config *c, int code)
{
	char saved[1024];
	int err = ck_error_last()->sys_errno;

	snprintf(saved, sizeof(saved), "%s", ck_error_last()->message);
	remove_created_volumes(ctx, c);
	return ck__error_sys(code, err, "%s", saved);
}

int ck_container_create(ck_container **out, ck_context *ctx, const ck_container_spec *spec)
{
	ck__ctr_config c = { 0 };
	ck__imagecfg ic = { 0 };
	ck__lock lk = CK__LOCK_INIT;
	ck__pod_join pj = { 0 };
	char id[65], name[64], *image_id = NULL, *image_name = NULL, *config = NULL, *rt_path = NULL;
	char *network = NULL;
	ck__net_req *nets = NULL;
	size_t n_nets = 0;
	int rc;

	CK_ENTER();
	if (out)
		*out = NULL;
	if (!ctx)
		return ck__error_set(CK_EINVAL, "ck_container_create: ctx is NULL");
	if (!spec)
		return ck__error_set(CK_EINVAL, "ck_container_create: spec is NULL");
	/* A pod's own errors (an unknown pod, ports that the pod publishes)
	 * come before the generic ones. */
	if ((rc = ck__ctr_pod_resolve(&pj, ctx, spec)) != CK_OK ||
	    (rc = ck__spec_nets_resolve(&network, &nets, &n_nets, spec, ctx)) != CK_OK)
		goto out;
	if ((rc = validate(spec, network)) != CK_OK || (rc = ck__net_validate(ctx, nets, n_nets)) != CK_OK ||
	    (rc = resolve_container_mode(&network, ctx)) != CK_OK)
		goto out;
	if ((rc = ck__runtime_find(&rt_path, spec->runtime ? spec->runtime : ctx->runtime)) != CK_OK) {
		rc = ck__error_wrap(rc, "cannot create a container");
		goto out;
	}
	free(rt_path);
	rc = ck__image_resolve_named(&image_id, &image_name, ctx, spec->image);
	if (rc == CK_ENOTFOUND) {
		rc = ck__error_set(CK_ENOTFOUND, "image \"%s\" not found in local storage (pull or load it "
		                                 "first)", spec->image);
		goto out;
	}
	if (rc != CK_OK || (rc = ck__imagecfg_read(&ic, ctx, image_id)) != CK_OK)
		goto out;
	/* Before --replace removes anything: a bad healthcheck changes nothing. */
	if ((rc = ck__ctr_health_config(&c, spec, &ic.health)) != CK_OK)
		goto out;
	if (spec->replace && spec->name) {
		ck_container *old = NULL;
		if (ck_container_lookup(&old, ctx, spec->name) == CK_OK && !strcmp(old->cfg.name, spec->name))
			rc = ck__ctr_remove_id(ctx, old->cfg.id, true, false, false);
		ck_container_free(old);
		ck__error_clear();
		if (rc != CK_OK && rc != CK_ENOTFOUND)
			goto out;
		rc = CK_OK;
	}
	if ((rc = ck__random_id(id)) != CK_OK)
		goto out;
	if (spec->name)
		snprintf(name, sizeof(name), "%s", spec->name);
	else
		generate_name(name, false);
	rc = fill_config(&c, ctx, spec, &ic, image_id, image_name ? image_name : spec->image, network, name, id,
	                 ck__ctr_pod_shares_ns(pj.shares, "uts") && !spec->infra_pod_id ? pj.hostname : NULL);
	if (c.network && !strcmp(c.network, "bridge")) { /* the requests moved into the config */
		c.nets = nets;
		c.n_nets = n_nets;
		nets = NULL;
		n_nets = 0;
	}
	if (rc != CK_OK || (rc = ck__ctr_pod_apply(&c, &pj, spec->infra_pod_id != NULL)) != CK_OK ||
	    (rc = finish_user(&c, ctx, spec)) != CK_OK || (rc = ck__ctr_check_bundle(ctx, &c)) != CK_OK)
		goto out;
	if ((rc = ck__ctr_lock(&lk, ctx, id)) != CK_OK)
		goto out;
	if ((rc = prepare_mounts(&c, ctx, spec)) != CK_OK) {
		rc = undo(ctx, &c, rc);
		goto out;
	}
	/* One commit makes the container: nothing exists outside the store
	 * until its first start (root filesystem, bundle, /etc files), so a
	 * create killed at any point leaves either nothing or a container. */
	struct insert_args ia = { &c, NULL, spec };
	for (int attempt = 0;; attempt++) {
		if ((rc = ck__ctr_config_json(&config, &c)) != CK_OK)
			break;
		ia.config = config;
		rc = ck__state_write(ctx, insert_fn, &ia);
		if (rc != CK_EEXISTS || spec->name || attempt == 5)
			break;
		generate_name(name, true); /* a generated name that is taken: another one */
		free(c.name);
		free(config);
		config = NULL;
		if (!(c.name = strdup(name))) {
			rc = ck__oom();
			break;
		}
	}
	if (rc != CK_OK) {
		rc = undo(ctx, &c, rc);
		goto out;
	}
	ck__ctr_event(ctx, &c, "create", -1);
	ck__log(ctx, CK_LOG_DEBUG, "container %s (%.12s): created from image %.12s", c.name, id, image_id);
	if (out) {
		ck__ctr_state st;
		char *sj = NULL;
		ck__ctr_state_init(&st, "created");
		if ((rc = ck__ctr_state_json(&sj, &st)) == CK_OK)
			rc = ck__ctr_handle(out, ctx, id, config, sj);
		free(sj);
	}
out:
	ck__lock_release(&lk);
	ck__pod_join_free(&pj);
	ck__ctr_config_free(&c);
	ck__imagecfg_free(&ic);
	free(image_id);
	free(image_name);
	free(config);
	free(network);
	for (size_t i = 0; i < n_nets; i++)
		ck__net_req_free(&nets[i]);
	free(nets);
	return rc;
}

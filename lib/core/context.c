/* The context: resolves every setting from the options, the environment, the
 * configuration file and the defaults, and creates the two roots. */
#define _GNU_SOURCE
#include "core_int.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int ck_context_options_init(ck_context_options *opts, unsigned int version)
{
	CK_ENTER();
	if (!opts)
		return ck__error_set(CK_EINVAL, "ck_context_options_init: opts is NULL");
	if (version == 0 || version > CK_CONTEXT_OPTIONS_VERSION)
		return ck__error_set(CK_EVERSION, "ck_context_options version %u is unknown to libcontainerkit %s "
		                                  "(it knows 1..%d)", version, CK_VERSION_STRING,
		                     CK_CONTEXT_OPTIONS_VERSION);
	ck_context_options init = CK_CONTEXT_OPTIONS_INIT;
	init.version = version;
	/* A caller built against older headers has a shorter struct: write
	 * only the fields its version has. */
	memcpy(opts, &init, version == 1 ? offsetof(ck_context_options, libexec_dir) : sizeof(init));
	return CK_OK;
}

/* The version 2 field, or NULL for a version 1 struct (which has none). */
static const char *opt_libexec_dir(const ck_context_options *o)
{
	return o && o->version >= 2 ? o->libexec_dir : NULL;
}

static const char *env_of(const ck_context_options *o, const char *name)
{
	const char *v;
	if (o && (o->flags & CK_CONTEXT_NO_ENV))
		return NULL;
	v = getenv(name);
	return v && *v ? v : NULL;
}

static const char *pick(const char *opt, const char *env, const char *cfg)
{
	return opt ? opt : env ? env : cfg;
}

/* Makes a relative path absolute, so that a context never depends on the
 * working directory after it is opened. */
static int absolute(char **out, const char *path, const char *what)
{
	if (!*path)
		return ck__error_set(CK_ECONFIG, "%s is an empty path", what);
	if (path[0] == '/') {
		*out = ck__strdup(path);
	} else {
		char *cwd = getcwd(NULL, 0);
		if (!cwd)
			return ck__error_errno(CK_EIO, "cannot resolve relative %s \"%s\"", what, path);
		*out = ck__path_join(cwd, path);
		free(cwd);
	}
	if (!*out)
		return ck__oom();
	size_t n = strlen(*out);
	while (n > 1 && (*out)[n - 1] == '/')
		(*out)[--n] = '\0';
	return CK_OK;
}

static int default_paths(ck__config *def, uid_t uid)
{
	if (uid == 0) {
		def->root = ck__strdup("/var/lib/containerkit");
		def->runroot = ck__strdup("/run/containerkit");
	} else {
		const char *data = getenv("XDG_DATA_HOME"), *run = getenv("XDG_RUNTIME_DIR");
		const char *home = getenv("HOME");
		if (data && *data)
			def->root = ck__path_join(data, "containerkit");
		else if (home && *home)
			def->root = ck__asprintf("%s/.local/share/containerkit", home);
		else
			return ck__error_set(CK_ECONFIG, "neither XDG_DATA_HOME nor HOME is set: "
			                                 "set one, or pass a storage root");
		if (run && *run)
			def->runroot = ck__path_join(run, "containerkit");
		else
			def->runroot = ck__asprintf("/tmp/containerkit-%u", (unsigned)uid);
	}
	return def->root && def->runroot ? CK_OK : ck__oom();
}

static char *default_config_path(uid_t uid)
{
	if (uid == 0)
		return ck__strdup("/etc/containerkit/containerkit.conf");
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	if (xdg && *xdg)
		return ck__path_join(xdg, "containerkit/containerkit.conf");
	if (home && *home)
		return ck__asprintf("%s/.config/containerkit/containerkit.conf", home);
	return NULL;
}

static int load_config(ck_context *ctx, ck__config *cfg, const ck_context_options *o)
{
	const char *explicit_path = o && o->config_path ? o->config_path : env_of(o, "CK_CONFIG");
	int rc;

	if (o && (o->flags & CK_CONTEXT_NO_CONFIG) && !(o->config_path))
		return CK_OK;
	if (explicit_path) {
		rc = ck__config_load(cfg, explicit_path, true);
		if (rc == CK_OK)
			ctx->config_path = ck__strdup(explicit_path);
		return rc;
	}
	char *path = default_config_path(ctx->uid);
	if (!path)
		return CK_OK;
	rc = ck__config_load(cfg, path, false);
	if (rc == CK_OK) {
		ctx->config_path = path;
		return CK_OK;
	}
	free(path);
	return rc == CK_ENOTFOUND ? CK_OK : rc;
}

static bool valid_backend_name(const char *s)
{
	if (!*s || strlen(s) > 31)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9')))
			return false;
	return true;
}

static int make_root(const char *path, const char *what)
{
	int rc = ck__mkdir_p(path, 0700);
	if (rc != CK_OK)
		return ck__error_wrap(rc, "cannot use %s %s", what, path);
	if (access(path, R_OK | W_OK | X_OK) < 0)
		return ck__error_errno(CK_EPERM, "cannot use %s %s", what, path);
	return CK_OK;
}

/* "a, b,c" -> {"a","b","c",NULL}; an empty list is an empty array. */
static int split_list(char ***out, const char *text)
{
	char *copy = ck__strdup(text), *save = NULL, *tok;
	int rc = CK_OK;

	if (!copy)
		return ck__oom();
	*out = calloc(1, sizeof(char *));
	if (!*out) {
		free(copy);
		return ck__oom();
	}
	for (tok = strtok_r(copy, ", \t", &save); tok && rc == CK_OK; tok = strtok_r(NULL, ", \t", &save))
		rc = ck__strv_push(out, tok);
	free(copy);
	return rc;
}

static int resolve(ck_context *ctx, const ck_context_options *o)
{
	ck__config cfg = { 0 }, def = { 0 };
	const char *v;
	int rc;

	rc = load_config(ctx, &cfg, o);
	if (rc == CK_OK)
		rc = default_paths(&def, ctx->uid);
	if (rc != CK_OK)
		goto out;

	v = pick(o ? o->root : NULL, env_of(o, "CK_ROOT"), cfg.root);
	if ((rc = absolute(&ctx->root, v ? v : def.root, "storage root")) != CK_OK)
		goto out;
	v = pick(o ? o->runroot : NULL, env_of(o, "CK_RUNROOT"), cfg.runroot);
	if ((rc = absolute(&ctx->runroot, v ? v : def.runroot, "run root")) != CK_OK)
		goto out;

	v = pick(o ? o->db_backend : NULL, env_of(o, "CK_DB_BACKEND"), NULL);
	ctx->db_backend_explicit = v != NULL;
	if (!v)
		v = cfg.db_backend ? cfg.db_backend : "sqlite";
	if (!valid_backend_name(v)) {
		rc = ck__error_set(CK_ECONFIG, "invalid state backend name \"%s\" (use sqlite or lmdb)", v);
		goto out;
	}
	ctx->db_backend = ck__strdup(v);

	v = pick(o ? o->runtime : NULL, env_of(o, "CK_RUNTIME"), cfg.runtime);
	ctx->runtime = ck__strdup(v ? v : "crun");
	if (!ctx->db_backend || !ctx->runtime) {
		rc = ck__oom();
		goto out;
	}
	if (!*ctx->runtime) {
		rc = ck__error_set(CK_ECONFIG, "the OCI runtime name is empty");
		goto out;
	}

	ctx->log_level = CK_LOG_WARN;
	v = env_of(o, "CK_LOG_LEVEL");
	if (!v)
		v = cfg.log_level;
	if (v && (rc = ck__parse_log_level(v, &ctx->log_level)) != CK_OK)
		goto out;
	if (o && o->log_level >= 0) {
		if (o->log_level > CK_LOG_TRACE) {
			rc = ck__error_set(CK_EINVAL, "log level %d is out of range (0..%d)", o->log_level,
			                   CK_LOG_TRACE);
			goto out;
		}
		ctx->log_level = o->log_level;
	}
	if (o) {
		ctx->log_fn = o->log_fn;
		ctx->log_payload = o->log_payload;
	}

	v = env_of(o, "CK_SEARCH_REGISTRIES");
	if ((rc = split_list(&ctx->search_registries, v ? v : cfg.search_registries ? cfg.search_registries
	                                                                            : "docker.io")) != CK_OK)
		goto out;
	v = env_of(o, "CK_INSECURE_REGISTRIES");
	if ((rc = split_list(&ctx->insecure_registries, v ? v : cfg.insecure_registries ? cfg.insecure_registries
	                                                                                : "")) != CK_OK)
		goto out;
	/* Unset: the helpers are looked for where the install put them, when
	 * they are needed (lib/runtime/libexec.c). */
	if ((v = opt_libexec_dir(o)))
		ctx->libexec_dir_origin = "libexec_dir of ck_context_options";
	else if ((v = env_of(o, "CK_LIBEXEC_DIR")))
		ctx->libexec_dir_origin = "CK_LIBEXEC_DIR";
	if (v && (rc = absolute(&ctx->libexec_dir, v, ctx->libexec_dir_origin)) != CK_OK)
		goto out;

	if ((rc = make_root(ctx->root, "storage root")) == CK_OK)
		rc = make_root(ctx->runroot, "run root");
out:
	ck__config_free(&cfg);
	ck__config_free(&def);
	return rc;
}

int ck_context_open(ck_context **out, const ck_context_options *opts)
{
	ck_context *ctx;
	int rc;

	CK_ENTER();
	if (!out)
		return ck__error_set(CK_EINVAL, "ck_context_open: out is NULL");
	*out = NULL;
	if (opts && (opts->version == 0 || opts->version > CK_CONTEXT_OPTIONS_VERSION))
		return ck__error_set(CK_EVERSION, "ck_context_options version %u is unknown to libcontainerkit %s "
		                                  "(it knows 1..%d)", opts->version, CK_VERSION_STRING,
		                     CK_CONTEXT_OPTIONS_VERSION);
	ctx = calloc(1, sizeof(*ctx));
	if (!ctx)
		return ck__oom();
	pthread_mutex_init(&ctx->log_lock, NULL);
	pthread_mutex_init(&ctx->state_lock, NULL);
	ctx->uid = geteuid();
	ctx->rootless = ctx->uid != 0;
	rc = resolve(ctx, opts);
	if (rc != CK_OK) {
		/* Keep the message: freeing must not clear it. */
		ck_context_free(ctx);
		return rc;
	}
	ck__log(ctx, CK_LOG_DEBUG, "context: root %s, run root %s, backend %s, runtime %s", ctx->root,
	        ctx->runroot, ctx->db_backend, ctx->runtime);
	*out = ctx;
	return CK_OK;
}

void ck_context_free(ck_context *ctx)
{
	if (!ctx)
		return;
	if (ctx->state && ctx->state_close)
		ctx->state_close(ctx->state);
	free(ctx->root);
	free(ctx->runroot);
	free(ctx->db_backend);
	free(ctx->runtime);
	free(ctx->config_path);
	ck_strv_free(ctx->search_registries);
	ck_strv_free(ctx->insecure_registries);
	free(ctx->libexec_dir);
	pthread_mutex_destroy(&ctx->log_lock);
	pthread_mutex_destroy(&ctx->state_lock);
	free(ctx);
}

int ck_context_set_log(ck_context *ctx, int level, ck_log_fn fn, void *payload)
{
	CK_ENTER();
	if (!ctx)
		return ck__error_set(CK_EINVAL, "ck_context_set_log: ctx is NULL");
	if (level < CK_LOG_ERROR || level > CK_LOG_TRACE)
		return ck__error_set(CK_EINVAL, "log level %d is out of range (0..%d)", level, CK_LOG_TRACE);
	pthread_mutex_lock(&ctx->log_lock);
	ctx->log_fn = fn;
	ctx->log_payload = payload;
	ctx->log_level = level;
	pthread_mutex_unlock(&ctx->log_lock);
	return CK_OK;
}

const char *ck_context_root(const ck_context *ctx)
{
	return ctx ? ctx->root : NULL;
}

const char *ck_context_runroot(const ck_context *ctx)
{
	return ctx ? ctx->runroot : NULL;
}

const char *ck_context_db_backend(const ck_context *ctx)
{
	if (!ctx)
		return NULL;
	if (ctx->active_backend[0])
		return ctx->active_backend;
	/* Before the store is opened, an existing store's marker decides. */
	/* A getter must not disturb the thread's error, so plain stdio here. */
	char *path = ck__root_path(ctx, "state/backend"), line[64];
	ck_context *mut = (ck_context *)ctx;
	FILE *f = path ? fopen(path, "re") : NULL;
	pthread_mutex_lock(&mut->state_lock);
	if (f && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		/* Only a name a backend may have ([a-z0-9]+): a garbled marker is
		 * no answer, and `ck system check` reports it. */
		if (*line && strlen(line) < sizeof(mut->marker_backend) &&
		    strspn(line, "abcdefghijklmnopqrstuvwxyz0123456789") == strlen(line))
			strcpy(mut->marker_backend, line);
	}
	pthread_mutex_unlock(&mut->state_lock);
	if (f)
		fclose(f);
	free(path);
	if (!ctx->db_backend_explicit && ctx->marker_backend[0])
		return ctx->marker_backend;
	return ctx->db_backend;
}

const char *ck_context_runtime(const ck_context *ctx)
{
	return ctx ? ctx->runtime : NULL;
}

const char *ck_context_config_path(const ck_context *ctx)
{
	return ctx ? ctx->config_path : NULL;
}

int ck_context_is_rootless(const ck_context *ctx)
{
	return ctx ? ctx->rootless : 0;
}

char *ck__root_path(const ck_context *ctx, const char *rel)
{
	return ck__path_join(ctx->root, rel);
}

char *ck__runroot_path(const ck_context *ctx, const char *rel)
{
	return ck__path_join(ctx->runroot, rel);
}

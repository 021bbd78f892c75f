/* ck_container_exec: another process in a running container, through the
 * runtime's exec with a process.json built from the container's own
 * configuration (user, environment, capabilities, limits). */
#define _GNU_SOURCE
#include "container_int.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int ck_container_exec_options_init(ck_exec_options *opts, unsigned int version)
{
	static const ck_exec_options init = CK_EXEC_OPTIONS_INIT;

	return ck__versioned_init(opts, &init, sizeof(init), version, CK_EXEC_OPTIONS_VERSION,
	                          "ck_container_exec_options_init: opts", "ck_exec_options");
}

/* The container's environment with `extra` ("K=V") replacing or adding. */
static int merge_env(char ***out, char *const *base, const char *const *extra)
{
	ck__strmap env = { 0 };
	int rc = CK_OK;

	for (size_t pass = 0; pass < 2 && rc == CK_OK; pass++) {
		const char *const *v = pass ? extra : (const char *const *)base;
		for (size_t i = 0; v && v[i] && rc == CK_OK; i++) {
			const char *eq = strchr(v[i], '=');
			if (!eq || eq == v[i]) {
				rc = ck__error_set(CK_EINVAL, "invalid exec environment \"%s\": use KEY=VALUE", v[i]);
				break;
			}
			char *k = strndup(v[i], (size_t)(eq - v[i]));
			rc = k ? ck__strmap_set(&env, k, eq + 1) : ck__oom();
			free(k);
		}
	}
	*out = NULL;
	for (size_t i = 0; i < env.n && rc == CK_OK; i++) {
		char *kv = ck__asprintf("%s=%s", env.keys[i], env.vals[i]);
		rc = kv ? ck__strv_push(out, kv) : ck__oom();
		free(kv);
	}
	ck__strmap_free(&env);
	if (rc != CK_OK) {
		ck_strv_free(*out);
		*out = NULL;
	}
	return rc;
}

int ck_container_exec(int *exit_code, ck_container *ctr, const char *const *argv, const ck_exec_options *opts)
{
	CK_ENTER();
	if (exit_code)
		*exit_code = -1;
	if (!ctr)
		return ck__error_set(CK_EINVAL, "ck_container_exec: ctr is NULL");
	CK__CTR_FULL(ctr);
	return ck__ctr_exec(exit_code, NULL, ctr->ctx, &ctr->cfg, argv, opts, true, 0);
}

int ck__ctr_exec(int *exit_code, bool *timed_out, ck_context *ctx, const ck__ctr_config *cfg,
                 const char *const *argv, const ck_exec_options *opts, bool event, int timeout_ms)
{
	ck_exec_options dflt = CK_EXEC_OPTIONS_INIT;
	ck__oci_build b;
	ck__ctr_state st;
	ck__runtime rt;
	ck__host host;
	char **env = NULL, *rundir = NULL, *path = NULL, *rootfs = NULL, rnd[65];
	uint32_t *groups = NULL;
	size_t n_groups = 0;
	bool built = false, rt_open = false;
	char *pidfile = NULL;
	int rc, code = -1;

	if (exit_code)
		*exit_code = -1;
	if (!argv || !argv[0] || !*argv[0])
		return ck__error_set(CK_EINVAL, "ck_container_exec: no command given");
	if (!opts)
		opts = &dflt;
	if (opts->version == 0 || opts->version > CK_EXEC_OPTIONS_VERSION)
		return ck__error_set(CK_EVERSION, "ck_exec_options version %u is not known", opts->version);
	if (opts->tty && opts->detach)
		return ck__error_set(CK_EINVAL, "exec: a terminal (-t) cannot be detached (-d)");
	if (opts->workdir && opts->workdir[0] != '/')
		return ck__error_set(CK_EINVAL, "exec: the working directory \"%s\" is not absolute", opts->workdir);
	if ((rc = ck__ctr_read(NULL, &st, ctx, cfg->id)) != CK_OK)
		return rc;
	bool running = !strcmp(st.status, "running") && ck__ctr_monitor_alive(&st), paused = st.paused;
	ck__ctr_state_free(&st);
	if (!running)
		return ck__error_set(CK_ESTATE, "cannot exec in container %s: it is not running", cfg->name);
	if (paused) /* the process would join frozen ones and hang */
		return ck__error_set(CK_ESTATE, "cannot exec in container %s: it is paused (unpause it first)",
		                     cfg->name);
	if ((rc = ck__host_probe(&host)) != CK_OK)
		return rc;
	if (!(rootfs = ck__asprintf("%s/rootfs/%s/merged", ctx->root, cfg->id)) ||
	    !(rundir = ck__ctr_rundir(ctx, cfg->id))) {
		rc = ck__oom();
		goto out;
	}
	if ((rc = ck__ctr_oci_build(&b, ctx, cfg, rootfs, &host)) != CK_OK)
		goto out;
	built = true;
	if ((rc = merge_env(&env, cfg->env, opts->env)) != CK_OK)
		goto out;
	b.p.args = (char **)argv;
	b.p.env = env;
	b.p.init = false;
	b.p.terminal = opts->tty != 0;
	if (opts->workdir)
		b.p.cwd = opts->workdir;
	if (opts->user) {
		uint32_t uid, gid;
		bool with_groups = !(cfg->rootless && strstr(cfg->runtime, "runc"));
		ck__userdb db;
		if ((rc = ck__userdb_from_rootfs(&db, rootfs)) != CK_OK)
			goto out;
		rc = ck__user_resolve(&uid, &gid, &groups, &n_groups, NULL, &db, opts->user, with_groups);
		ck__userdb_free(&db);
		if (rc != CK_OK)
			goto out;
		b.p.uid = uid;
		b.p.gid = gid;
		b.p.additional_gids = groups;
		b.p.n_additional_gids = n_groups;
	}
	if ((rc = ck__random_id(rnd)) != CK_OK)
		goto out;
	if (!(path = ck__asprintf("%s/exec-%.16s.json", rundir, rnd))) {
		rc = ck__oom();
		goto out;
	}
	if ((rc = ck__oci_process_write(path, &b.p)) != CK_OK || (rc = ck__ctr_runtime_open(&rt, ctx, cfg)) != CK_OK)
		goto out;
	rt_open = true;
	if (event)
		ck__ctr_event(ctx, cfg, "exec", -1);
	if (timeout_ms > 0 && !(pidfile = ck__asprintf("%s/exec-%.16s.pid", rundir, rnd))) {
		rc = ck__oom();
		goto out;
	}
	rc = ck__runtime_exec_timed(&code, timed_out, &rt, cfg->id, path, opts->interactive ? opts->stdin_fd : -1,
	                            opts->stdout_fd, opts->stderr_fd, opts->tty != 0, opts->detach != 0, timeout_ms,
	                            pidfile);
	if (rc == CK_OK && exit_code)
		*exit_code = opts->detach ? -1 : code;
	if (rc != CK_OK)
		rc = ck__error_wrap(rc, "exec in container %s", cfg->name);
out:
	if (path)
		unlink(path);
	if (pidfile)
		unlink(pidfile);
	free(pidfile);
	if (rt_open)
		ck__runtime_close(&rt);
	if (built)
		ck__ctr_oci_build_free(&b);
	ck_strv_free(env);
	free(groups);
	free(path);
	free(rundir);
	free(rootfs);
	return rc;
}

/* The names these functions had before 1.1 (deprecated.h). */
CK__ALIAS(ck_exec_options_init, ck_container_exec_options_init);

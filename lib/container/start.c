/* Starting a container.  The library spawns the monitor (ck-monitor,
 * posix_spawn: the library lives in multithreaded programs) first, so that
 * it sets itself up while the library prepares the root filesystem and the
 * bundle and marks the record "starting"; then it says "go" on the
 * monitor's socket.  The monitor runs the OCI runtime and reports:
 *   "created\n"          (attached starts: the attach socket is listening)
 *   "ok PID\n"           the container runs
 *   "err CODE MESSAGE\n" it could not be started (the monitor has put the
 *                        record back)
 * The socket closing without a word means the monitor died; the library
 * closing it without "go" (the preparation failed) sends the monitor away
 * before it has touched the record. */
#define _GNU_SOURCE
#include "container_int.h"
#include "rootfs/rootfs.h"
#include "runtime/userns.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

int ck__monitor_path(char **out, ck_context *ctx)
{
	/* The rules of every helper program (lib/runtime/libexec.c). */
	return ck__libexec_find(out, ctx, "ck-monitor");
}

/* Spawns the monitor; `*sync_fd` is the library's end of its socket and
 * `*first` the process to reap (it forks the real monitor and exits). */
static int spawn_monitor(int *sync_fd, pid_t *first, ck_context *ctx, const ck__ctr_config *cfg, bool attach)
{
	char *path = NULL, *rundir = NULL, *logpath = NULL, level[8];
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, all;
	int p[2] = { -1, -1 }, rc, err;

	*sync_fd = -1;
	*first = -1;
	if ((rc = ck__monitor_path(&path, ctx)) != CK_OK)
		return rc;
	const char *id = cfg->id, *runtime = ck__ctr_runtime_name(ctx, cfg);
	if (!(rundir = ck__ctr_rundir(ctx, id)) || !(logpath = ck__path_join(rundir, "monitor.log"))) {
		rc = ck__oom();
		goto out;
	}
	if ((rc = ck__mkdir_p(rundir, 0700)) != CK_OK)
		goto out;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, p) < 0) {
		rc = ck__error_errno(CK_EIO, "cannot create a socket for the monitor");
		goto out;
	}
	snprintf(level, sizeof(level), "%d", ctx->log_level);
	const char *argv[20] = { path, "--root", ctx->root, "--runroot", ctx->runroot, "--backend",
		                 ck_context_db_backend(ctx), "--runtime", runtime, "--id", id, "--sync-fd", "3",
		                 "--log-level", level };
	size_t argc = 15;
	if (attach)
		argv[argc++] = "--attach";
	if (cfg->tty)
		argv[argc++] = "--tty";
	if (cfg->stdin_open)
		argv[argc++] = "--interactive";
	argv[argc] = NULL;
	posix_spawn_file_actions_init(&fa);
	posix_spawnattr_init(&attr);
	err = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	if (!err)
		err = posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	if (!err)
		err = posix_spawn_file_actions_addopen(&fa, 2, logpath, O_WRONLY | O_CREAT | O_APPEND, 0600);
	if (!err)
		err = posix_spawn_file_actions_adddup2(&fa, p[1], 3);
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
	if (!err)
		err = posix_spawn_file_actions_addclosefrom_np(&fa, 4);
#endif
	sigemptyset(&none);
	sigfillset(&all);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &all);
	/* A session of its own: the caller's terminal and its signals are not
	 * the monitor's (which forks once more to leave the session lead). */
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSID);
	if (!err)
		err = posix_spawn(first, path, &fa, &attr, (char *const *)argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	close(p[1]);
	p[1] = -1;
	if (err) {
		*first = -1;
		rc = ck__error_sys(ck__errno_code(err), err, "cannot run the container monitor %s", path);
		goto out;
	}
	*sync_fd = p[0];
	p[0] = -1;
out:
	if (p[0] >= 0)
		close(p[0]);
	free(path);
	free(rundir);
	free(logpath);
	return rc;
}

static void reap_first(pid_t *first)
{
	if (*first <= 0)
		return;
	while (waitpid(*first, NULL, 0) < 0 && errno == EINTR)
		;
	*first = -1;
}

/* Tells the monitor to take the container.  A monitor that has died
 * already has left its report (or nothing) to read. */
static void send_go(int fd)
{
	ssize_t n;

	do
		n = send(fd, "go\n", 3, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
}

/* Reads one report line (without its newline); CK_EIO at EOF. */
static int read_line(char *buf, size_t size, int fd)
{
	size_t n = 0;

	for (;;) {
		char c;
		ssize_t r = read(fd, &c, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return CK_EIO;
		if (c == '\n')
			break;
		if (n + 1 < size)
			buf[n++] = c;
	}
	buf[n] = '\0';
	return CK_OK;
}

/* The end of monitor.log, for a monitor that died without a word. */
static void monitor_log_tail(char *buf, size_t size, ck_context *ctx, const char *id)
{
	char *run = ck__ctr_rundir(ctx, id), *path = run ? ck__path_join(run, "monitor.log") : NULL, *text = NULL;
	size_t len = 0;

	buf[0] = '\0';
	if (path && ck__read_file(&text, &len, path, 1 << 20) == CK_OK && len) {
		while (len && text[len - 1] == '\n')
			text[--len] = '\0';
		const char *start = len > size - 1 ? text + len - (size - 1) : text;
		snprintf(buf, size, "%s", start);
		for (char *q = buf; *q; q++)
			if (*q == '\n')
				*q = ' ';
	}
	ck__error_clear();
	free(text);
	free(path);
	free(run);
}

/* Interprets a report line other than "created". */
static int report(ck_context *ctx, const char *id, const char *name, int rc_read, const char *line)
{
	char tail[400];
	int code;

	if (rc_read != CK_OK) {
		monitor_log_tail(tail, sizeof(tail), ctx, id);
		ck__ctr_reconcile(ctx, id, NULL);
		return ck__error_set(CK_ERUNTIME, "cannot start container %s: its monitor exited without reporting%s%s",
		                     name, *tail ? ": " : "", tail);
	}
	if (!strncmp(line, "ok ", 3))
		return CK_OK;
	if (!strncmp(line, "err ", 4) && sscanf(line + 4, "%d", &code) == 1 && code < 0) {
		const char *msg = strchr(line + 4, ' ');
		char saved[1100];
		snprintf(saved, sizeof(saved), "%s", msg ? msg + 1 : "the monitor failed");
		/* A monitor that failed before it took the container leaves it "starting". */
		if (ck__ctr_reconcile(ctx, id, NULL) != CK_OK)
			ck__error_clear();
		ck__error_set(code, "%s", saved);
		/* the report carries the runtime's words only: its errno is read again */
		if (code == CK_ERUNTIME)
			ck__error_note_errno(ck__runtime_exec_errno(saved));
		return code;
	}
	return ck__error_set(CK_ERUNTIME, "cannot start container %s: unexpected report from its monitor: %.200s",
	                     name, line);
}

static int mark_starting(ck__ctr_state *st, void *payload)
{
	snprintf(st->status, sizeof(st->status), "starting");
	st->stop_requested = false;
	st->monitor_pid = 0;
	st->monitor_start = 0;
	st->pid = 0;
	free(st->error);
	st->error = NULL;
	return CK_OK;
}

/* The "starting" mark, with the record of a root filesystem mounted for
 * the first time: one commit. */
struct starting_args {
	const char *id;
	const ck_rootfs *rootfs;
};

static int starting_fn(ck_state_txn *txn, void *payload)
{
	struct starting_args *a = payload;
	int rc = ck__rootfs_record_put(txn, a->rootfs);

	return rc == CK_OK ? ck__ctr_update_txn(txn, a->id, mark_starting, NULL) : rc;
}

/* The network namespace of a bridge container, set up before the runtime
 * runs: the runtime joins it by path. */
static int setup_network(ck__net_result *net, ck_context *ctx, const ck__ctr_config *cfg)
{
	ck__net_port *ports = cfg->n_ports ? calloc(cfg->n_ports, sizeof(*ports)) : NULL;
	int rc;

	if (cfg->n_ports && !ports)
		return ck__oom();
	for (size_t i = 0; i < cfg->n_ports; i++)
		ports[i] = (ck__net_port){ cfg->ports[i].host_ip, cfg->ports[i].host_port, cfg->ports[i].container_port,
			                   cfg->ports[i].range, cfg->ports[i].protocol };
	ck__net_setup_args a = { cfg->id, cfg->name, cfg->hostname, cfg->nets, cfg->n_nets, ports, cfg->n_ports };
	rc = ck__net_setup(net, ctx, &a);
	free(ports);
	return rc;
}

/* Everything on disk, then the "starting" mark. */
static int prepare(ck_context *ctx, const ck__ctr_config *cfg)
{
	ck_rootfs *rootfs = NULL;
	ck__runtime rt;
	ck__host host;
	int rc;

	if ((rc = ck__host_probe(&host)) != CK_OK || (rc = ck__ctr_runtime_open(&rt, ctx, cfg)) != CK_OK)
		return rc;
	rc = ck__runtime_host_check(ctx, &host, rt.path);
	/* Only a runtime that was killed, or a monitor that died, leaves the
	 * runtime's state of a container that is not running: look before
	 * running a command. */
	if (rc == CK_OK && ck__runtime_has(&rt, cfg->id) && ck__runtime_delete(&rt, cfg->id, true) != CK_OK)
		ck__error_clear(); /* the monitor's run reports what is wrong */
	ck__runtime_close(&rt);
	if (rc != CK_OK)
		return rc;
	if (!strcmp(cfg->network, "slirp4netns")) {
		/* What the monitor's slirp4netns needs, checked before anything
		 * runs: the host's tun device, and host ports nobody holds. */
		rc = ck__slirp_check_host();
		for (size_t i = 0; i < cfg->n_ports && rc == CK_OK; i++)
			rc = ck__net_port_check(cfg->ports[i].host_ip, cfg->ports[i].protocol, cfg->ports[i].host_port,
			                        cfg->ports[i].range ? cfg->ports[i].range : 1, cfg->name);
		if (rc != CK_OK)
			return rc;
	}
	/* Mounts the root filesystem (the first time, or again after a reboot
	 * or an unmount), then makes what the bundle refers to.  A --rm
	 * container's upper layer goes with it: it is never synced. */
	if ((rc = ck__rootfs_prepare(&rootfs, ctx, cfg->image_id, cfg->id,
	                             CK__ROOTFS_RECORD_LATER | (cfg->remove ? CK__ROOTFS_VOLATILE : 0))) != CK_OK)
		return rc;
	ck__net_result net = { 0 };
	bool bridge = !strcmp(cfg->network, "bridge");
	if (bridge)
		rc = setup_network(&net, ctx, cfg);
	char *slirp_dns[] = { CK__SLIRP_DNS_IP, NULL };
	ck__net_result slirp = { .dns = slirp_dns };
	const ck__net_result *etc = bridge ? &net : !strcmp(cfg->network, "slirp4netns") ? &slirp : NULL;
	if (rc == CK_OK)
		rc = ck__ctr_materialize(ctx, cfg, ck_rootfs_path(rootfs), etc);
	if (rc == CK_OK)
		rc = ck__ctr_write_bundle(ctx, cfg, ck_rootfs_path(rootfs));
	struct starting_args sa = { cfg->id, rootfs };
	if (rc == CK_OK)
		rc = ck__state_write_relaxed(ctx, starting_fn, &sa);
	if (rc != CK_OK && bridge && net.netns) {
		/* No monitor will run it: nobody else tears it down. */
		char saved[1024];
		int code = ck_error_last()->code;
		snprintf(saved, sizeof(saved), "%s", ck_error_last()->message);
		if (ck__net_teardown(ctx, cfg->id) != CK_OK)
			ck__log(ctx, CK_LOG_WARN, "container %s: %s", cfg->name, ck_error_last()->message);
		ck__error_set(code, "%s", saved);
	}
	ck__net_result_free(&net);
	ck_rootfs_free(rootfs);
	return rc;
}

static int start_infra(ck__ctr_config *cfg, ck_context *ctx);

/* With the lock held: everything up to the monitor's first report.  For an
 * attached start `*sync_fd` stays open after "created"; *already is set
 * when the container was running. */
static int start_locked(int *sync_fd, bool *already, ck_context *ctx, const char *id, bool attach)
{
	ck__ctr_config cfg;
	ck__ctr_state st;
	char line[1200];
	pid_t first = -1;
	int rc;

	*sync_fd = -1;
	*already = false;
	if ((rc = ck__ctr_read(&cfg, &st, ctx, id)) != CK_OK)
		return rc;
	if (ck__ctr_status_live(st.status) || st.pid > 0) {
		if (ck__ctr_monitor_alive(&st)) {
			if (!strcmp(st.status, "running"))
				*already = true;
			else
				rc = ck__error_set(CK_ESTATE, "cannot start container %s: it is %s", cfg.name, st.status);
			goto out;
		}
		if ((rc = ck__ctr_reconcile(ctx, id, NULL)) != CK_OK)
			goto out;
	}
	if (!strcmp(st.status, "creating") || !strcmp(st.status, "removing")) {
		rc = ck__error_set(CK_ESTATE, "cannot start container %s: %s", cfg.name,
		                   st.status[0] == 'c' ? "it was left half-made by an interrupted create (remove it)"
		                                       : "it is being removed");
		goto out;
	}
	if ((rc = start_infra(&cfg, ctx)) != CK_OK)
		goto out;
	/* The monitor starts up while the container is prepared. */
	if ((rc = spawn_monitor(sync_fd, &first, ctx, &cfg, attach)) != CK_OK)
		goto out;
	rc = prepare(ctx, &cfg);
	if (rc != CK_OK) {
		close(*sync_fd); /* no "go": the monitor leaves */
		*sync_fd = -1;
		reap_first(&first);
		goto out;
	}
	send_go(*sync_fd);
	reap_first(&first);
	rc = read_line(line, sizeof(line), *sync_fd);
	if (!(attach && rc == CK_OK && !strcmp(line, "created")))
		rc = report(ctx, id, cfg.name, rc, line);
out:
	if (rc != CK_OK && *sync_fd >= 0) {
		close(*sync_fd);
		*sync_fd = -1;
	}
	if (rc != CK_OK && rc != CK_ESTATE)
		rc = ck__error_wrap(rc, "cannot start container %s", cfg.name);
	ck__ctr_config_free(&cfg);
	ck__ctr_state_free(&st);
	return rc;
}

/* A member of a pod joins its infra container's namespaces: the infra
 * runs first (started here if it does not), and its pid goes into the
 * member's config for the bundle.  The member's lock is held; the infra's
 * is taken after it, always in that order. */
static int start_infra(ck__ctr_config *cfg, ck_context *ctx)
{
	ck__lock lk = CK__LOCK_INIT;
	ck__ctr_state st;
	bool already;
	int rc, fd = -1;

	if (!cfg->pod_infra || !*cfg->pod_infra)
		return CK_OK;
	if ((rc = ck__ctr_lock(&lk, ctx, cfg->pod_infra)) != CK_OK)
		return rc;
	rc = start_locked(&fd, &already, ctx, cfg->pod_infra, false);
	if (fd >= 0)
		close(fd);
	if (rc == CK_OK && (rc = ck__ctr_read(NULL, &st, ctx, cfg->pod_infra)) == CK_OK) {
		cfg->pod_infra_pid = st.pid;
		if (st.pid <= 0 || strcmp(st.status, "running"))
			rc = ck__error_set(CK_ESTATE, "the infra container of its pod is %s", st.status);
		ck__ctr_state_free(&st);
	}
	ck__lock_release(&lk);
	if (rc == CK_ENOTFOUND)
		return ck__error_set(CK_ENOTFOUND, "the infra container %.12s of its pod is gone (remove the pod "
		                                   "with 'ck pod rm -f', or run 'ck system check --repair')",
		                     cfg->pod_infra);
	return rc;
}

int ck__ctr_start(ck_container *ctr)
{
	ck__lock lk = CK__LOCK_INIT;
	bool already;
	int rc, fd = -1;

	CK__CTR_FULL(ctr);
	if ((rc = ck__ctr_lock(&lk, ctr->ctx, ctr->cfg.id)) != CK_OK)
		return rc;
	rc = start_locked(&fd, &already, ctr->ctx, ctr->cfg.id, false);
	if (fd >= 0)
		close(fd);
	ck__lock_release(&lk);
	if (rc == CK_OK)
		rc = ck__ctr_load(ctr, ctr->ctx, ctr->cfg.id);
	if (rc == CK_ENOTFOUND && ctr->cfg.remove) { /* a --rm container that ran already */
		ck__error_clear();
		rc = CK_OK;
	}
	return rc;
}

int ck_container_start(ck_container *ctr)
{
	CK_ENTER();
	if (!ctr)
		return ck__error_set(CK_EINVAL, "ck_container_start: ctr is NULL");
	return ck__ctr_start(ctr);
}

int ck_container_attach_options_init(ck_attach_options *opts, unsigned int version)
{
	static const ck_attach_options init = CK_ATTACH_OPTIONS_INIT;

	return ck__versioned_init(opts, &init, sizeof(init), version, CK_ATTACH_OPTIONS_VERSION,
	                          "ck_container_attach_options_init: opts", "ck_attach_options");
}

static int check_attach_opts(const ck_attach_options *opts)
{
	if (opts && (opts->version == 0 || opts->version > CK_ATTACH_OPTIONS_VERSION))
		return ck__error_set(CK_EVERSION, "ck_attach_options version %u is not known", opts->version);
	return CK_OK;
}

/* A --rm container's monitor removes it before it sends the exit frame;
 * without a frame, the removal is over when the monitor has exited
 * (`mon_pidfd`, taken while the attach was connected). */
static void await_removal(int mon_pidfd)
{
	struct pollfd p = { mon_pidfd, POLLIN, 0 };

	if (mon_pidfd < 0)
		return;
	while (poll(&p, 1, 30000) < 0 && errno == EINTR)
		;
}

/* After the attach ended: the exit code from the frame, or from the record. */
static int finish_attach(int *exit_code, ck_container *ctr, int code, int mon_pidfd)
{
	int rc = CK_OK;

	if (code < 0) {
		rc = ck__ctr_wait(&code, ctr, -1);
		if (rc == CK_OK && ctr->cfg.remove)
			await_removal(mon_pidfd);
	}
	if (exit_code)
		*exit_code = code;
	if (ck__ctr_load(ctr, ctr->ctx, ctr->cfg.id) != CK_OK)
		ck__error_clear();
	return rc;
}

int ck_container_start_attached(int *exit_code, ck_container *ctr, const ck_attach_options *opts)
{
	ck_attach_options dflt = CK_ATTACH_OPTIONS_INIT;
	ck__lock lk = CK__LOCK_INIT;
	char *run = NULL, line[1200];
	bool already;
	int rc, fd = -1, sock = -1, code = -1, mon_pidfd = -1;

	CK_ENTER();
	if (exit_code)
		*exit_code = -1;
	if (!ctr)
		return ck__error_set(CK_EINVAL, "ck_container_start_attached: ctr is NULL");
	CK__CTR_FULL(ctr);
	if ((rc = check_attach_opts(opts)) != CK_OK)
		return rc;
	if (!opts)
		opts = &dflt;
	if (!(run = ck__ctr_rundir(ctr->ctx, ctr->cfg.id)))
		return ck__oom();
	if ((rc = ck__ctr_lock(&lk, ctr->ctx, ctr->cfg.id)) != CK_OK)
		goto out;
	if ((rc = start_locked(&fd, &already, ctr->ctx, ctr->cfg.id, true)) != CK_OK) {
		ck__lock_release(&lk);
		goto out;
	}
	if (already) {
		ck__lock_release(&lk);
		free(run);
		return ck_container_attach(exit_code, ctr, opts);
	}
	rc = ck__unix_connect(&sock, run, "attach");
	/* Whatever came of the connect, the monitor says whether it started. */
	int rr = read_line(line, sizeof(line), fd);
	int rep = report(ctr->ctx, ctr->cfg.id, ctr->cfg.name, rr, line);
	ck__lock_release(&lk);
	if (rep != CK_OK) {
		rc = ck__error_wrap(rep, "cannot start container %s", ctr->cfg.name);
		goto out;
	}
	if (rc != CK_OK)
		goto out;
	mon_pidfd = ck__attach_peer_pidfd(sock);
	rc = ck__attach_run(&code, sock, opts, ctr->cfg.tty, ctr->cfg.stdin_open);
	if (rc == CK_OK)
		rc = finish_attach(exit_code, ctr, code, mon_pidfd);
out:
	if (fd >= 0)
		close(fd);
	if (sock >= 0)
		close(sock);
	if (mon_pidfd >= 0)
		close(mon_pidfd);
	free(run);
	return rc;
}

int ck_container_attach(int *exit_code, ck_container *ctr, const ck_attach_options *opts)
{
	ck_attach_options dflt = CK_ATTACH_OPTIONS_INIT;
	ck__ctr_state st;
	char *run = NULL;
	int rc, sock = -1, code = -1;

	CK_ENTER();
	if (exit_code)
		*exit_code = -1;
	if (!ctr)
		return ck__error_set(CK_EINVAL, "ck_container_attach: ctr is NULL");
	CK__CTR_FULL(ctr);
	if ((rc = check_attach_opts(opts)) != CK_OK)
		return rc;
	if (!opts)
		opts = &dflt;
	if ((rc = ck__ctr_read(NULL, &st, ctr->ctx, ctr->cfg.id)) != CK_OK)
		return rc;
	bool running = !strcmp(st.status, "running") && ck__ctr_monitor_alive(&st);
	ck__ctr_state_free(&st);
	if (!running)
		return ck__error_set(CK_ESTATE, "cannot attach to container %s: it is not running", ctr->cfg.name);
	if (!(run = ck__ctr_rundir(ctr->ctx, ctr->cfg.id)))
		return ck__oom();
	rc = ck__unix_connect(&sock, run, "attach");
	free(run);
	if (rc != CK_OK)
		return ck__error_wrap(rc, "cannot attach to container %s", ctr->cfg.name);
	ck__ctr_event(ctr->ctx, &ctr->cfg, "attach", -1);
	int mon_pidfd = ck__attach_peer_pidfd(sock);
	rc = ck__attach_run(&code, sock, opts, ctr->cfg.tty, ctr->cfg.stdin_open);
	close(sock);
	if (rc == CK_OK)
		rc = finish_attach(exit_code, ctr, code, mon_pidfd);
	if (mon_pidfd >= 0)
		close(mon_pidfd);
	return rc;
}

/* The names these functions had before 1.1 (deprecated.h). */
CK__ALIAS(ck_attach_options_init, ck_container_attach_options_init);

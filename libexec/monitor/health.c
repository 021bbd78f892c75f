/* The monitor's healthchecks and sd_notify.  Checks run on schedule in a
 * worker process of their own (ck-monitor --health-worker), spawned for
 * each run and killed when it ends: the monitor reaps every child as the
 * subreaper, so a thread of its own could not wait for the runtime's exec,
 * and a check that hangs must not stall the container's output. */
#define _GNU_SOURCE
#include "monitor.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* The socket to tell, or NULL: the starting process's $NOTIFY_SOCKET
 * (which main() took out of the environment, so that the OCI runtime does
 * not act on it), else the one recorded at create. */
static const char *notify_socket(const mon *m)
{
	if (m->cfg.sdnotify && !strcmp(m->cfg.sdnotify, "ignore"))
		return NULL;
	if (m->notify_env && *m->notify_env)
		return m->notify_env;
	return ck__ctr_notify_socket(&m->cfg);
}

void mon_notify_running(mon *m)
{
	const char *sock = notify_socket(m);
	const char *mode = m->cfg.sdnotify && *m->cfg.sdnotify ? m->cfg.sdnotify : "conmon";
	char msg[64];

	if (!sock)
		return;
	/* systemd follows the monitor, which outlives the caller; READY comes
	 * from here (conmon), from the container (container) or after the first
	 * passing check (healthy, the worker). */
	snprintf(msg, sizeof(msg), "MAINPID=%d%s", (int)getpid(), !strcmp(mode, "conmon") ? "\nREADY=1" : "");
	if (ck__notify_send(sock, msg) != CK_OK)
		ck__log(m->ctx, CK_LOG_WARN, "container %s: %s", m->cfg.name, ck_error_last()->message);
}

void mon_health_start(mon *m)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none;
	char parent[16], *argv[64];
	const char *sock = notify_socket(m);
	int argc = 0, err;

	if (!m->cfg.health_test || m->cfg.health_interval <= 0 || m->health_pid > 0)
		return;
	snprintf(parent, sizeof(parent), "%d", (int)getpid());
	argv[argc++] = "ck-monitor";
	argv[argc++] = "--health-worker";
	argv[argc++] = "--parent";
	argv[argc++] = parent;
	if (sock && m->cfg.sdnotify && !strcmp(m->cfg.sdnotify, "healthy")) {
		argv[argc++] = "--notify-socket";
		argv[argc++] = (char *)sock;
	}
	for (int i = 1; i < m->argc && argc < 63; i++)
		argv[argc++] = m->argv[i];
	argv[argc] = NULL;
	sigemptyset(&none);
	posix_spawn_file_actions_init(&fa);
	posix_spawnattr_init(&attr);
	err = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	if (!err)
		err = posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	if (!err)
		err = posix_spawn_file_actions_addclosefrom_np(&fa, 3);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
	if (!err)
		err = posix_spawn(&m->health_pid, "/proc/self/exe", &fa, &attr, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	if (err) {
		m->health_pid = 0;
		ck__log(m->ctx, CK_LOG_ERROR, "container %s: cannot start its healthchecks: %s", m->cfg.name,
		        strerror(err));
	}
}

void mon_health_stop(mon *m)
{
	int status, pfd;

	if (m->health_pid <= 0)
		return;
	/* SIGTERM ends it at once between checks; a check under way (an
	 * on-failure stop waits for the exit just recorded) gets a few
	 * seconds.  Then SIGKILL, wherever it is: a killed writer's
	 * transaction is rolled back and its locks go with it. */
	kill(m->health_pid, SIGTERM);
	if ((pfd = (int)syscall(SYS_pidfd_open, m->health_pid, 0)) >= 0) {
		struct pollfd p = { pfd, POLLIN, 0 };
		int r;
		do
			r = poll(&p, 1, 3000);
		while (r < 0 && errno == EINTR);
		close(pfd);
	}
	kill(m->health_pid, SIGKILL);
	while (waitpid(m->health_pid, &status, 0) < 0 && errno == EINTR)
		;
	m->health_pid = 0;
}

/* ---- the worker ---- */

static volatile sig_atomic_t busy, term;

static void on_term(int sig)
{
	(void)sig;
	if (!busy)
		_exit(0);
	term = 1;
}

static const char *warg(int argc, char **argv, const char *name)
{
	for (int i = 1; i + 1 < argc; i++)
		if (!strcmp(argv[i], name))
			return argv[i + 1];
	return NULL;
}

int mon_health_worker(int argc, char **argv)
{
	ck_context_options o = CK_CONTEXT_OPTIONS_INIT;
	ck_context *ctx = NULL;
	ck__ctr_config cfg = { 0 };
	const char *id = warg(argc, argv, "--id"), *sock = warg(argc, argv, "--notify-socket");
	const char *parent_s = warg(argc, argv, "--parent");
	pid_t parent = parent_s ? (pid_t)atoi(parent_s) : 0;
	bool told = false;

	/* Dies with the monitor, which normally kills it first. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (!id || parent <= 0 || getppid() != parent)
		return 2;
	o.root = warg(argc, argv, "--root");
	o.runroot = warg(argc, argv, "--runroot");
	o.db_backend = warg(argc, argv, "--backend");
	o.runtime = warg(argc, argv, "--runtime");
	o.log_fn = mon_log_to_stderr;
	o.log_level = warg(argc, argv, "--log-level") ? atoi(warg(argc, argv, "--log-level")) : CK_LOG_WARN;
	o.flags = CK_CONTEXT_NO_ENV | CK_CONTEXT_NO_CONFIG;
	if (ck_context_open(&ctx, &o) != CK_OK || ck__ctr_read(&cfg, NULL, ctx, id) != CK_OK) {
		fprintf(stderr, "ck-monitor --health-worker: %s\n", ck_error_last()->message);
		ck_context_free(ctx);
		return 1;
	}
	struct sigaction sa = { .sa_handler = on_term };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	int interval_ms = (int)(cfg.health_interval / 1000000);
	while (getppid() == parent && !term) {
		ck_health_status status;
		ck__sleep_ms(interval_ms);
		if (getppid() != parent || term)
			break;
		busy = 1;
		int rc = ck__ctr_health_check(&status, NULL, ctx, &cfg);
		busy = 0;
		if (rc != CK_OK) {
			ck__log(ctx, CK_LOG_INFO, "container %s: healthcheck: %s", cfg.name, ck_error_last()->message);
			continue;
		}
		if (status == CK_HEALTH_HEALTHY && sock && !told) {
			if (ck__notify_send(sock, "READY=1") != CK_OK)
				ck__log(ctx, CK_LOG_WARN, "container %s: %s", cfg.name, ck_error_last()->message);
			told = true;
		}
	}
	ck__ctr_config_free(&cfg);
	ck_context_free(ctx);
	return 0;
}

/* ck-monitor's life: detach, register in the container's record, run the
 * container through the OCI runtime (again, as its restart policy says),
 * record each exit, and remove a --rm container at the end, before its
 * attach clients get the exit code.
 *
 * usage: ck-monitor --root R --runroot RR --backend B --runtime RT --id ID
 *                   --sync-fd FD [--log-level N] [--attach] [--tty] [--interactive]
 * (RT: the container's runtime; --tty, --interactive: its terminal and
 * stdin settings, which the first run needs before the record is read) */
#define _GNU_SOURCE
#include "monitor.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

void mon_log_to_stderr(int level, const char *message, void *payload)
{
	static const char *const names[] = { "error", "warn", "info", "debug", "trace" };
	char ts[48];

	ck__rfc3339_nano(ts, sizeof(ts), ck__now_ns());
	fprintf(stderr, "%s [%d] %s: %s\n", ts, (int)getpid(), names[level >= 0 && level <= 4 ? level : 0], message);
	fflush(stderr);
}

/* The first report goes through the pipe the library waits on. */
void mon_report(mon *m, const char *line)
{
	if (m->sync_fd < 0)
		return;
	size_t len = strlen(line);
	while (len) {
		ssize_t n = write(m->sync_fd, line, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		line += n;
		len -= (size_t)n;
	}
}

static void report_done(mon *m)
{
	if (m->sync_fd >= 0)
		close(m->sync_fd);
	m->sync_fd = -1;
}

static void report_error(mon *m, int code, const char *msg)
{
	char line[1100];
	snprintf(line, sizeof(line), "err %d %.1000s\n", code, msg);
	for (char *p = line; p[1]; p++)
		if (*p == '\n')
			*p = ' ';
	mon_report(m, line);
	report_done(m);
}

/* ---- state transitions ---- */

struct running_args {
	mon *m;
	bool stop_now;
};

static int running_fn(ck__ctr_state *st, void *payload)
{
	struct running_args *a = payload;
	if (st->monitor_pid != (int)getpid())
		return ck__error_set(CK_ESTATE, "container %s was taken over (monitor %d)", a->m->cfg.name,
		                     st->monitor_pid);
	a->stop_now = st->stop_requested || !strcmp(st->status, "removing");
	if (!a->stop_now && strcmp(st->status, "stopping") != 0)
		snprintf(st->status, sizeof(st->status), "running");
	st->pid = (int)a->m->init_pid;
	st->init_start = a->m->init_start;
	st->started_at = ck__now_ns();
	ck__ctr_health_reset(st, &a->m->cfg);
	free(st->error);
	st->error = NULL;
	return CK_OK;
}

struct failed_args {
	const char *msg;
};

/* The start failed: the record goes back to where it was. */
static int failed_fn(ck__ctr_state *st, void *payload)
{
	struct failed_args *a = payload;
	if (st->monitor_pid != (int)getpid())
		return CK_OK;
	if (strcmp(st->status, "removing") != 0)
		snprintf(st->status, sizeof(st->status), "%s", st->started_at ? "exited" : "created");
	st->pid = 0;
	st->monitor_pid = 0;
	st->monitor_start = 0;
	free(st->error);
	st->error = ck__strdup(a->msg);
	return CK_OK;
}

struct exit_args {
	mon *m;
	int code;
	bool restart;
	bool removing; /* --rm: the removal starts in the same transaction */
};

static bool policy_restarts(const ck__ctr_config *c, const ck__ctr_state *st, int code)
{
	if (st->stop_requested || !strcmp(st->status, "removing"))
		return false;
	if (st->health_restart) /* --health-on-failure=restart killed it */
		return true;
	if (!strcmp(c->restart_policy, "always") || !strcmp(c->restart_policy, "unless-stopped"))
		return true;
	if (!strcmp(c->restart_policy, "on-failure"))
		return code != 0 && (c->restart_max == 0 || st->restart_count < (unsigned int)c->restart_max);
	return false;
}

static int exit_fn(ck__ctr_state *st, void *payload)
{
	struct exit_args *a = payload;

	st->exit_code = a->code;
	st->finished_at = ck__now_ns();
	st->pid = 0;
	a->restart = policy_restarts(&a->m->cfg, st, a->code);
	st->health_restart = false;
	if (a->restart) {
		snprintf(st->status, sizeof(st->status), "restarting");
		st->restart_count++;
		return CK_OK;
	}
	/* A --rm container is marked for removal by the same commit that
	 * records its exit; an interrupted removal is finished by `rm -f` or
	 * `system check --repair`, as after remove.c's own first step. */
	if (a->removing) {
		snprintf(st->status, sizeof(st->status), "removing");
		st->stop_requested = true;
	} else if (strcmp(st->status, "removing") != 0) {
		snprintf(st->status, sizeof(st->status), "exited");
	}
	st->monitor_pid = 0;
	st->monitor_start = 0;
	return CK_OK;
}

/* ---- the network (lib/net) ---- */

static void net_down(mon *m)
{
	mon_net_stop(m);
	if (!m->cfg.network || strcmp(m->cfg.network, "bridge") != 0)
		return;
	if (ck__net_teardown(m->ctx, m->id) != CK_OK) {
		/* `rm`, `start` and `system check --repair` finish it. */
		ck__log(m->ctx, CK_LOG_WARN, "container %s: %s", m->cfg.name, ck_error_last()->message);
		ck__error_clear();
	}
}

/* The bridge's teardown (netavark, most of it), or slirp4netns's end (the
 * kernel takes 15-25 ms to free its tap device as it exits), runs beside
 * the runtime's delete of the run that ended: neither needs the other, and
 * the exit is recorded after both.  The thread only tears down; its
 * children are reaped by pid, before mon_kill_strays() looks for leftover
 * children. */
struct net_down_job {
	mon *m;
	pthread_t thread;
	bool started;
};

static void *net_down_thread(void *arg)
{
	net_down(((struct net_down_job *)arg)->m);
	return NULL;
}

static void net_down_begin(struct net_down_job *j, mon *m)
{
	j->m = m;
	j->started = false;
	if ((m->cfg.network && !strcmp(m->cfg.network, "bridge")) || m->slirp.pid > 0)
		j->started = pthread_create(&j->thread, NULL, net_down_thread, j) == 0;
	if (!j->started)
		net_down(m);
}

static void net_down_end(struct net_down_job *j)
{
	if (j->started)
		pthread_join(j->thread, NULL);
	j->started = false;
}

/* Whether the exit about to be recorded restarts the container (exit_fn
 * decides it for good, in its transaction). */
static bool restart_expected(mon *m, int code)
{
	ck__ctr_state st;
	bool r;

	if (ck__ctr_read(NULL, &st, m->ctx, m->id) != CK_OK) {
		ck__error_clear();
		return false;
	}
	r = policy_restarts(&m->cfg, &st, code);
	ck__ctr_state_free(&st);
	return r;
}

/* ---- one run (the start of each is start.c's) ---- */

static int exit_code_of(int status)
{
	if (status == -1)
		return -1; /* gone without a status */
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return -1;
}

/* The exit code of the run that has just ended: the init's status when
 * this process reaped it, else crun's foreground run's (which is the
 * init's); -1 when nobody knows it. */
static int run_exit_code(mon *m)
{
	if (m->init_exited)
		return exit_code_of(m->init_status);
	if (m->run.foreground && m->rt_exited && WIFEXITED(m->rt_status)) {
		char *errors = ck__runtime_log_errors(m->rtlog);
		if (errors)
			ck__log(m->ctx, CK_LOG_WARN, "container %s: %s: %s", m->cfg.name, m->rt.name, errors);
		free(errors);
		return WEXITSTATUS(m->rt_status);
	}
	ck__log(m->ctx, CK_LOG_WARN, "container %s: its init %d is gone without an exit status", m->cfg.name,
	        (int)m->init_pid);
	return -1;
}

/* Tells whoever waits for an exit (stop, wait, rm) that one is recorded:
 * a writer opening and closing the FIFO wakes every reader (POLLHUP).
 * Nobody waiting (ENXIO) is fine. */
static void signal_exit(mon *m)
{
	int fd = open(m->exitfifo, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd >= 0)
		close(fd);
}

/* Runs the container until it stops for good; returns the last exit code.
 * `*clients_open` is set when the attach clients still wait for it (a
 * --rm container's clients get it after the removal). */
static int run(mon *m, bool *clients_open)
{
	bool first = true;
	int code = -1;

	*clients_open = false;
	for (;;) {
		int rc = mon_run_start(m, first);
		if (rc != CK_OK) {
			char msg[1024];
			snprintf(msg, sizeof(msg), "%s", ck_error_last()->message);
			ck__log(m->ctx, CK_LOG_ERROR, "%s", msg);
			mon_start_cleanup(m);
			net_down(m);
			struct failed_args fa = { msg };
			if (ck__ctr_update(m->ctx, m->id, failed_fn, &fa) != CK_OK)
				ck__log(m->ctx, CK_LOG_ERROR, "%s", ck_error_last()->message);
			report_error(m, rc, msg);
			mon_clients_exit(m, first ? 127 : code);
			return first ? -1 : code;
		}
		struct running_args ra = { m, false };
		if ((rc = ck__ctr_update_relaxed(m->ctx, m->id, running_fn, &ra)) != CK_OK || ra.stop_now) {
			/* Removed, taken over or stopped meanwhile: do not keep it. */
			ck__log(m->ctx, CK_LOG_INFO, "container %s: stopping at once (%s)", m->cfg.name,
			        rc != CK_OK ? ck_error_last()->message : "a stop was requested");
			if (ck__runtime_kill(&m->rt, m->id, SIGKILL, true) != CK_OK)
				ck__error_clear();
		}
		if (rc == CK_OK) {
			ck__ctr_event(m->ctx, &m->cfg, first ? "start" : "restart", -1);
			if (first)
				mon_notify_running(m);
			mon_health_start(m);
			char line[32];
			snprintf(line, sizeof(line), "ok %d\n", (int)m->init_pid);
			mon_report(m, line);
		} else {
			report_error(m, rc, ck_error_last()->message);
		}
		report_done(m);
		mon_io_loop(m);
		mon_close_fd(&m->out_fd);
		mon_close_fd(&m->err_fd);
		mon_close_fd(&m->in_fd);
		mon_close_fd(&m->init_pidfd);
		code = run_exit_code(m);
		/* The network goes before the exit is recorded: a start that
		 * follows the record must not meet this run's teardown. */
		bool will_restart = rc == CK_OK && restart_expected(m, code);
		struct net_down_job nd = { 0 };
		if (!will_restart)
			net_down_begin(&nd, m);
		/* crun's foreground run deleted its state; a detached run (runc),
		 * or a runtime that was killed, left it. */
		if (ck__runtime_has(&m->rt, m->id) && ck__runtime_delete(&m->rt, m->id, true) != CK_OK)
			ck__log(m->ctx, CK_LOG_WARN, "%s", ck_error_last()->message);
		net_down_end(&nd);
		mon_kill_strays(m);
		/* slirp4netns served this run's namespace only; its ports are
		 * free again before the exit is recorded (or a restart). */
		mon_net_stop(m);
		struct exit_args ea = { m, code, false, m->cfg.remove };
		if (rc != CK_OK || ck__ctr_update_relaxed(m->ctx, m->id, exit_fn, &ea) != CK_OK) {
			mon_health_stop(m);
			mon_clients_exit(m, code);
			return code;
		}
		if (will_restart && !ea.restart)
			net_down(m); /* a stop came in between */
		ck__log(m->ctx, CK_LOG_DEBUG, "container %s exited with %d%s", m->cfg.name, code,
		        ea.restart ? "; restarting" : "");
		ck__ctr_event(m->ctx, &m->cfg, "died", code);
		signal_exit(m);
		/* Only now: an on-failure stop of the health worker waits for
		 * the exit just recorded. */
		mon_health_stop(m);
		if (!ea.restart)
			ck__ctr_pod_exited(m->ctx, &m->cfg);
		if (!ea.restart && m->cfg.remove) {
			*clients_open = true;
			return code;
		}
		mon_clients_exit(m, code);
		if (!ea.restart)
			return code;
		first = false;
		ck__sleep_ms(100);
	}
}

/* ---- setup ---- */

static const char *arg(int argc, char **argv, const char *name)
{
	for (int i = 1; i + 1 < argc; i++)
		if (!strcmp(argv[i], name))
			return argv[i + 1];
	return NULL;
}

static bool flag(int argc, char **argv, const char *name)
{
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], name))
			return true;
	return false;
}

static int setup(mon *m, int argc, char **argv)
{
	ck_context_options o = CK_CONTEXT_OPTIONS_INIT;
	sigset_t set;
	int rc;

	o.root = arg(argc, argv, "--root");
	o.runroot = arg(argc, argv, "--runroot");
	o.db_backend = arg(argc, argv, "--backend");
	o.runtime = arg(argc, argv, "--runtime");
	o.log_fn = mon_log_to_stderr;
	o.log_level = arg(argc, argv, "--log-level") ? atoi(arg(argc, argv, "--log-level")) : CK_LOG_WARN;
	o.flags = CK_CONTEXT_NO_ENV | CK_CONTEXT_NO_CONFIG;
	if ((rc = ck_context_open(&m->ctx, &o)) != CK_OK)
		return rc;
	/* What the first run needs comes with the arguments; the record is
	 * read once the runtime runs (late_setup(), start.c). */
	m->cfg.tty = flag(argc, argv, "--tty");
	m->cfg.stdin_open = flag(argc, argv, "--interactive");
	if ((rc = ck__runtime_open(&m->rt, m->ctx, o.runtime)) != CK_OK)
		return rc;
	m->userdata = ck__ctr_userdata(m->ctx, m->id);
	m->rundir = ck__ctr_rundir(m->ctx, m->id);
	m->logpath = m->userdata ? ck__path_join(m->userdata, "ctr.log") : NULL;
	m->logpath1 = m->userdata ? ck__path_join(m->userdata, "ctr.log.1") : NULL;
	m->pidfile = m->rundir ? ck__path_join(m->rundir, "pidfile") : NULL;
	m->rtlog = m->rundir ? ck__path_join(m->rundir, "runtime.log") : NULL;
	m->exitfifo = m->rundir ? ck__path_join(m->rundir, CK__CTR_EXIT_FIFO) : NULL;
	if (!m->userdata || !m->rundir || !m->logpath || !m->logpath1 || !m->pidfile || !m->rtlog || !m->exitfifo)
		return ck__oom();
	if (mkfifo(m->exitfifo, 0600) < 0 && errno != EEXIST)
		return ck__error_errno(CK_EIO, "monitor: cannot create %s", m->exitfifo);
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	if ((m->sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK)) < 0)
		return ck__error_errno(CK_EIO, "monitor: signalfd");
	return ck__unix_listen(&m->listen_fd, m->rundir, "attach");
}

/* Waits for the library's "go": it has prepared the container and marked
 * it "starting".  Without it (the socket closed: the preparation failed, or
 * the library died), the container is not this monitor's. */
static bool await_go(mon *m)
{
	char buf[4];
	size_t n = 0;

	while (n < 3) {
		ssize_t r = read(m->sync_fd, buf + n, 3 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return false;
		n += (size_t)r;
	}
	return !memcmp(buf, "go\n", 3);
}

int main(int argc, char **argv)
{
	mon m = { .sync_fd = -1, .sigfd = -1, .listen_fd = -1, .out_fd = -1, .err_fd = -1, .in_fd = -1,
		  .log_fd = -1, .init_pidfd = -1, .slirp = { 0, -1, -1 } };
	bool clients_open = false, went = false;
	const char *sync = arg(argc, argv, "--sync-fd");
	int code = -1, rc;

	if (flag(argc, argv, "--health-worker"))
		return mon_health_worker(argc, argv);
	m.argc = argc;
	m.argv = argv;
	/* The OCI runtime would act on $NOTIFY_SOCKET itself; the monitor
	 * speaks to it (health.c). */
	if (getenv("NOTIFY_SOCKET")) {
		m.notify_env = strdup(getenv("NOTIFY_SOCKET"));
		unsetenv("NOTIFY_SOCKET");
	}
	m.id = arg(argc, argv, "--id");
	m.sync_fd = sync ? atoi(sync) : -1;
	m.attach_wait = flag(argc, argv, "--attach");
	if (!m.id || m.sync_fd < 3) {
		fprintf(stderr, "usage: ck-monitor --root R --runroot RR --backend B --runtime RT --id ID --sync-fd FD "
		                "[--log-level N] [--attach] [--tty] [--interactive]\n");
		return 2;
	}
	/* Nothing the spawner may have leaked reaches the container. */
	syscall(SYS_close_range, (unsigned int)m.sync_fd + 1, ~0U, 0);
	for (int fd = 3; fd < m.sync_fd; fd++)
		close(fd);
	/* Leave the spawner: it waits for this first process only. */
	pid_t pid = fork();
	if (pid < 0) {
		report_error(&m, CK_EIO, "the monitor cannot fork");
		return 1;
	}
	if (pid > 0)
		_exit(0);
	/* The container's init is orphaned when the runtime exits; as
	 * subreaper this process becomes its parent and gets its status. */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0) {
		report_error(&m, CK_EIO, "the monitor cannot become a subreaper");
		return 1;
	}
	mon_cgroup_start(&m);
	if ((rc = setup(&m, argc, argv)) != CK_OK) {
		char msg[1024];
		snprintf(msg, sizeof(msg), "%s", ck_error_last()->message);
		/* Nothing is registered yet: the library puts the record back. */
		if (m.ctx) {
			ck__log(m.ctx, CK_LOG_ERROR, "%s", msg);
		} else {
			fprintf(stderr, "ck-monitor: %s\n", msg);
		}
		report_error(&m, rc, msg);
		goto out;
	}
	if (!(went = await_go(&m))) {
		ck__log(m.ctx, CK_LOG_DEBUG, "container %.12s: not started (the library sent no go)", m.id);
		report_done(&m);
		goto out;
	}
	code = run(&m, &clients_open);
	ck__ctr_leftovers *later = NULL;
	if (m.cfg.remove && ck__ctr_remove_deferred(&later, m.ctx, m.id) != CK_OK &&
	    ck_error_last()->code != CK_ENOTFOUND)
		ck__log(m.ctx, CK_LOG_ERROR, "--rm: %s", ck_error_last()->message);
	/* Whoever waits for a --rm container learns its exit code once it is
	 * gone (its record; its files go next). */
	if (clients_open)
		mon_clients_exit(&m, code);
	ck__ctr_leftovers_finish(later);
out:
	mon_net_stop(&m);
	mon_cgroup_finish(&m);
	mon_clients_close(&m);
	mon_log_close(&m);
	if (m.listen_fd >= 0) {
		close(m.listen_fd);
		char *sock = m.rundir ? ck__path_join(m.rundir, "attach") : NULL;
		if (sock && (!went || !m.cfg.remove)) /* a removed container's run directory goes whole */
			unlink(sock);
		free(sock);
	}
	if (m.sigfd >= 0)
		close(m.sigfd);
	ck__runtime_close(&m.rt);
	ck__ctr_config_free(&m.cfg);
	free(m.userdata);
	free(m.rundir);
	free(m.logpath);
	free(m.logpath1);
	free(m.pidfile);
	free(m.rtlog);
	free(m.exitfifo);
	free(m.notify_env);
	ck_context_free(m.ctx);
	(void)code;
	return 0;
}

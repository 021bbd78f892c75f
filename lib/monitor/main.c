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

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define ATTACH_WAIT_MS 60000

static void log_to_stderr(int level, const char *message, void *payload)
{
	static const char *const names[] = { "error", "warn", "info", "debug", "trace" };
	char ts[48];

	ck__rfc3339_nano(ts, sizeof(ts), ck__now_ns());
	fprintf(stderr, "%s [%d] %s: %s\n", ts, (int)getpid(), names[level >= 0 && level <= 4 ? level : 0], message);
	fflush(stderr);
}

/* The first report goes through the pipe the library waits on. */
static void report(mon *m, const char *line)
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
	report(m, line);
	report_done(m);
}

/* ---- state transitions ---- */

static int register_fn(ck__ctr_state *st, void *payload)
{
	mon *m = payload;
	if (strcmp(st->status, "starting") != 0 || st->monitor_pid != 0)
		return ck__error_set(CK_ESTATE, "container %s is %s (monitor %d): not starting", m->cfg.name, st->status,
		                     st->monitor_pid);
	st->monitor_pid = (int)getpid();
	st->monitor_start = ck__proc_start_time(st->monitor_pid);
	return CK_OK;
}

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

/* ---- one run ---- */

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static int read_pidfile(pid_t *pid, const char *path)
{
	char *text = NULL;
	int rc = ck__read_file(&text, NULL, path, 64);
	if (rc == CK_OK) {
		long v = strtol(text, NULL, 10);
		if (v <= 0)
			rc = ck__error_set(CK_ERUNTIME, "the runtime wrote no pid to %s", path);
		*pid = (pid_t)v;
	}
	free(text);
	return rc;
}

/* The console socket's path must fit sun_path, and the runtime is another
 * process, so /proc/self/fd cannot help: the run directory, or a private
 * directory in /tmp when that is too long. */
static int console_listen(int *fd, char **path, char **tmpdir, mon *m)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char *p = ck__path_join(m->rundir, "console");

	*tmpdir = NULL;
	if (p && strlen(p) >= sizeof(sa.sun_path)) {
		free(p);
		char tmpl[] = "/tmp/ck-console-XXXXXX";
		if (!mkdtemp(tmpl))
			return ck__error_errno(CK_EIO, "cannot create a directory for the console socket");
		*tmpdir = strdup(tmpl);
		p = ck__path_join(tmpl, "sock");
	}
	if (!p)
		return ck__oom();
	unlink(p);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", p);
	*fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (*fd < 0 || bind(*fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(*fd, 1) < 0) {
		int rc = ck__error_errno(CK_EIO, "cannot listen on the console socket %s", p);
		free(p);
		return rc;
	}
	*path = p;
	return CK_OK;
}

/* Receives the terminal's master that the runtime sends (it has connected:
 * the listening socket is readable). */
static int console_receive(int *master, int lfd)
{
	char data[256], ctl[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { data, sizeof(data) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof(ctl) };
	int c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

	if (c < 0)
		return ck__error_set(CK_ERUNTIME, "the runtime did not connect to the console socket");
	struct pollfd p = { c, POLLIN, 0 };
	ssize_t n = poll(&p, 1, 10000) > 0 ? recvmsg(c, &msg, MSG_CMSG_CLOEXEC) : -1;
	close(c);
	struct cmsghdr *cm = n >= 0 ? CMSG_FIRSTHDR(&msg) : NULL;
	if (!cm || cm->cmsg_type != SCM_RIGHTS)
		return ck__error_set(CK_ERUNTIME, "the runtime sent no terminal on the console socket");
	memcpy(master, CMSG_DATA(cm), sizeof(int));
	return CK_OK;
}

/* Reaps the runtime only: until the pid file names the init, an init
 * that has already exited (a zombie orphaned to us when a detached run
 * exits) must wait for mon_reap() to recognise it. */
static void reap_runtime(mon *m)
{
	struct signalfd_siginfo si;
	int status;

	while (read(m->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
		;
	if (!m->rt_exited && waitpid(m->run.pid, &status, WNOHANG) == m->run.pid) {
		m->rt_exited = true;
		m->rt_status = status;
	}
}

/* Reads the pid crun's foreground run wrote into the pipe whose write end
 * it was given as its pid file (/proc/<monitor>/fd/<N>): it writes it once
 * the container runs.  A monitor that died leaves no such path, and crun
 * then fails and removes the container rather than leave it unowned. */
static bool read_pid_pipe(mon *m, int fd)
{
	char buf[32];
	ssize_t n;

	do
		n = read(fd, buf, sizeof(buf) - 1);
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	long v = strtol(buf, NULL, 10);
	if (v <= 0)
		return false;
	m->init_pid = (pid_t)v;
	/* The pid file, for whoever looks; made again at every start. */
	int pf = open(m->pidfile, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (pf >= 0) {
		if (write(pf, buf, (size_t)n) != n)
			ck__log(m->ctx, CK_LOG_DEBUG, "cannot write %s", m->pidfile);
		close(pf);
	}
	return true;
}

static bool runtime_wait(mon *m, int ms);

/* Waits for the start: the init's pid (crun's foreground run writes it to
 * `pid_rd` once the container runs; runc's detached run writes the pid
 * file before it exits), the terminal's master with -t, or the runtime's
 * exit. */
static int await_start(mon *m, int pid_rd, int lfd, int *master)
{
	bool have_pid = false;
	int rc = CK_OK;

	while (!m->rt_exited && !(have_pid && (lfd < 0 || *master >= 0))) {
		struct pollfd p[3] = { { m->sigfd, POLLIN, 0 },
			               { have_pid ? -1 : pid_rd, POLLIN, 0 },
			               { *master >= 0 ? -1 : lfd, POLLIN, 0 } };
		int r = poll(p, 3, -1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return ck__error_errno(CK_EIO, "monitor: poll");
		if (p[0].revents)
			reap_runtime(m);
		if (p[1].revents)
			have_pid = read_pid_pipe(m, pid_rd);
		if (p[2].revents && (rc = console_receive(master, lfd)) != CK_OK) {
			/* A runtime that failed (a missing executable) may close the
			 * console socket without a terminal: its own error says more. */
			if (runtime_wait(m, 2000) && !(WIFEXITED(m->rt_status) && WEXITSTATUS(m->rt_status) == 0)) {
				ck__error_clear();
				return ck__runtime_run_failed(&m->rt, m->id, m->userdata, m->rtlog, m->rt_status);
			}
			return rc;
		}
	}
	if (m->rt_exited) {
		/* It may have run and ended already: what it wrote is there. */
		bool started = m->run.foreground ? (have_pid || read_pid_pipe(m, pid_rd))
		                                 : WIFEXITED(m->rt_status) && WEXITSTATUS(m->rt_status) == 0 &&
		                                           read_pidfile(&m->init_pid, m->pidfile) == CK_OK;
		if (!started) {
			ck__error_clear();
			return ck__runtime_run_failed(&m->rt, m->id, m->userdata, m->rtlog, m->rt_status);
		}
		if (lfd >= 0 && *master < 0) {
			/* The runtime has gone: its connection waits in the backlog. */
			struct pollfd p = { lfd, POLLIN, 0 };
			if (poll(&p, 1, 0) <= 0)
				return ck__error_set(CK_ERUNTIME, "the runtime did not connect to the console socket");
			if ((rc = console_receive(master, lfd)) != CK_OK)
				return rc;
		}
	}
	return CK_OK;
}

/* While the first run starts: the record (the name, the restart policy,
 * --rm), the log, and the registration of this monitor in the record. */
static int late_setup(mon *m)
{
	bool tty = m->cfg.tty, in = m->cfg.stdin_open;
	int rc = ck__ctr_read(&m->cfg, NULL, m->ctx, m->id);

	if (rc != CK_OK)
		return rc;
	if (m->cfg.tty != tty || m->cfg.stdin_open != in)
		return ck__error_set(CK_ESTATE, "container %s: the monitor was started with other terminal settings "
		                                "than its record's", m->cfg.name);
	m->log_max = m->cfg.log_size_max;
	if ((rc = mon_log_open(m)) != CK_OK)
		return rc;
	/* The record names this monitor while the runtime starts up; a
	 * monitor that dies before it has left the runtime without its pid
	 * file path, and the run fails (see read_pid_pipe). */
	return ck__ctr_update_relaxed(m->ctx, m->id, register_fn, m);
}

/* `runtime run` with the container's stdio set up; returns once the
 * container runs (its init is known) or the runtime has failed. */
static int run_start(mon *m, bool first)
{
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, err[2] = { -1, -1 }, pp[2] = { -1, -1 }, lfd = -1, master = -1, rc;
	char *console = NULL, *tmpdir = NULL, pipe_path[64];
	const char *pid_file = m->pidfile;

	m->init_pid = 0;
	m->init_start = 0;
	m->init_exited = m->init_gone = false;
	m->run.pid = 0;
	m->rt_exited = false;
	close_fd(&m->init_pidfd);
	if (m->cfg.tty) {
		if ((rc = console_listen(&lfd, &console, &tmpdir, m)) != CK_OK)
			goto out;
	} else if (pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0 ||
	           (m->cfg.stdin_open && pipe2(in, O_CLOEXEC) < 0)) {
		rc = ck__error_errno(CK_EIO, "cannot create the container's stdio pipes");
		goto out;
	}
	unlink(m->pidfile);
	/* A runtime killed during an earlier run left its state; the id is
	 * this monitor's. */
	if (ck__runtime_has(&m->rt, m->id) && ck__runtime_delete(&m->rt, m->id, true) != CK_OK)
		ck__error_clear(); /* the run says what is wrong */
	/* The client connects while the runtime starts. */
	if (first && m->attach_wait)
		report(m, "created\n");
	if (ck__runtime_run_foreground(&m->rt)) {
		if (pipe2(pp, O_CLOEXEC) < 0 || fcntl(pp[0], F_SETFL, O_NONBLOCK) < 0) {
			rc = ck__error_errno(CK_EIO, "cannot create a pipe for the container's pid");
			goto out;
		}
		snprintf(pipe_path, sizeof(pipe_path), "/proc/%d/fd/%d", (int)getpid(), pp[1]);
		pid_file = pipe_path;
	}
	rc = ck__runtime_run_spawn(&m->run, &m->rt, m->id, m->userdata, pid_file, m->rtlog, in[0], out[1], err[1],
	                           console);
	close_fd(&in[0]);
	close_fd(&out[1]);
	close_fd(&err[1]);
	if (rc == CK_OK && first)
		rc = late_setup(m);
	/* Nothing is read from the container before its client is there: it
	 * sees every byte. */
	if (rc == CK_OK && first && m->attach_wait)
		mon_accept_wait(m, ATTACH_WAIT_MS);
	if (rc != CK_OK || (rc = await_start(m, pp[0], lfd, &master)) != CK_OK)
		goto out;
	m->init_start = ck__proc_start_time(m->init_pid);
	m->init_pidfd = (int)syscall(SYS_pidfd_open, m->init_pid, 0);
	if (m->init_pidfd >= 0 && ck__proc_start_time(m->init_pid) != m->init_start)
		close_fd(&m->init_pidfd); /* gone already (or its pid reused): looked at by /proc */
	if (m->cfg.tty) {
		m->out_fd = master;
		m->in_fd = fcntl(master, F_DUPFD_CLOEXEC, 3);
		master = -1;
	} else {
		m->out_fd = out[0];
		m->err_fd = err[0];
		m->in_fd = in[1];
		out[0] = err[0] = in[1] = -1;
	}
out:
	close_fd(&in[0]);
	close_fd(&in[1]);
	close_fd(&out[0]);
	close_fd(&out[1]);
	close_fd(&err[0]);
	close_fd(&err[1]);
	close_fd(&lfd);
	close_fd(&pp[0]);
	close_fd(&pp[1]);
	close_fd(&master);
	if (console)
		unlink(console);
	if (tmpdir)
		rmdir(tmpdir);
	free(console);
	free(tmpdir);
	return rc;
}

/* Kills what the runtime left among our children (such as a helper that
 * outlived a failed run), except the init while it runs, and reaps them.
 * Without children left there is nothing to look for. */
static void kill_strays(mon *m)
{
	siginfo_t info = { 0 };
	DIR *d;
	pid_t self = getpid();

	mon_reap(m);
	if (waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT) < 0)
		return; /* ECHILD */
	if (!(d = opendir("/proc")))
		return;
	for (struct dirent *de; (de = readdir(d));) {
		char path[64], buf[512];
		int pid = atoi(de->d_name), ppid = 0;
		if (pid <= 0 || (pid == m->init_pid && !m->init_exited && !m->init_gone))
			continue;
		snprintf(path, sizeof(path), "/proc/%d/stat", pid);
		FILE *f = fopen(path, "re");
		size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
		if (f)
			fclose(f);
		buf[n] = '\0';
		char *p = strrchr(buf, ')');
		if (p && sscanf(p + 2, "%*c %d", &ppid) == 1 && ppid == self) {
			ck__log(m->ctx, CK_LOG_DEBUG, "killing leftover process %d of the runtime", pid);
			kill(pid, SIGKILL);
		}
	}
	closedir(d);
	mon_reap(m);
}

/* Waits (at most `ms`) for the runtime process to exit. */
static bool runtime_wait(mon *m, int ms)
{
	int fd = m->rt_exited ? -1 : (int)syscall(SYS_pidfd_open, m->run.pid, 0);
	if (fd >= 0) {
		struct pollfd p = { fd, POLLIN, 0 };
		while (poll(&p, 1, ms) < 0 && errno == EINTR)
			;
		close(fd);
	}
	mon_reap(m);
	return m->rt_exited;
}

/* After a failed start: whatever started goes (the init, the runtime's
 * container, the runtime process). */
static void start_cleanup(mon *m)
{
	if (m->init_pid > 0 && !m->init_exited && ck__proc_alive(m->init_pid, m->init_start))
		kill(m->init_pid, SIGKILL);
	if (ck__runtime_has(&m->rt, m->id) && ck__runtime_delete(&m->rt, m->id, true) != CK_OK)
		ck__error_clear();
	if (m->run.pid > 0 && !runtime_wait(m, 5000)) {
		kill(m->run.pid, SIGKILL);
		runtime_wait(m, 5000);
		if (ck__runtime_has(&m->rt, m->id) && ck__runtime_delete(&m->rt, m->id, true) != CK_OK)
			ck__error_clear();
	}
	kill_strays(m);
}

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
		int rc = run_start(m, first);
		if (rc != CK_OK) {
			char msg[1024];
			snprintf(msg, sizeof(msg), "%s", ck_error_last()->message);
			ck__log(m->ctx, CK_LOG_ERROR, "%s", msg);
			start_cleanup(m);
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
			char line[32];
			snprintf(line, sizeof(line), "ok %d\n", (int)m->init_pid);
			report(m, line);
		} else {
			report_error(m, rc, ck_error_last()->message);
		}
		report_done(m);
		mon_io_loop(m);
		close_fd(&m->out_fd);
		close_fd(&m->err_fd);
		close_fd(&m->in_fd);
		close_fd(&m->init_pidfd);
		code = run_exit_code(m);
		/* crun's foreground run deleted its state; a detached run (runc),
		 * or a runtime that was killed, left it. */
		if (ck__runtime_has(&m->rt, m->id) && ck__runtime_delete(&m->rt, m->id, true) != CK_OK)
			ck__log(m->ctx, CK_LOG_WARN, "%s", ck_error_last()->message);
		kill_strays(m);
		struct exit_args ea = { m, code, false, m->cfg.remove };
		if (rc != CK_OK || ck__ctr_update_relaxed(m->ctx, m->id, exit_fn, &ea) != CK_OK) {
			mon_clients_exit(m, code);
			return code;
		}
		ck__log(m->ctx, CK_LOG_DEBUG, "container %s exited with %d%s", m->cfg.name, code,
		        ea.restart ? "; restarting" : "");
		ck__ctr_event(m->ctx, &m->cfg, "died", code);
		signal_exit(m);
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
	o.log_fn = log_to_stderr;
	o.log_level = arg(argc, argv, "--log-level") ? atoi(arg(argc, argv, "--log-level")) : CK_LOG_WARN;
	o.flags = CK_CONTEXT_NO_ENV | CK_CONTEXT_NO_CONFIG;
	if ((rc = ck_context_open(&m->ctx, &o)) != CK_OK)
		return rc;
	/* What the first run needs comes with the arguments; the record is
	 * read once the runtime runs (late_setup()). */
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
		  .log_fd = -1, .init_pidfd = -1 };
	bool clients_open = false, went = false;
	const char *sync = arg(argc, argv, "--sync-fd");
	int code = -1, rc;

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
	ck_context_free(m.ctx);
	(void)code;
	return 0;
}

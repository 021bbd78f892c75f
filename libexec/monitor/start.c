/* The start of one run of the container: the first run's late setup (the
 * record, the log, the monitor's registration), the container's stdio or
 * terminal, `runtime run`, the wait for the init's pid, and the cleanup
 * after a start that failed. */
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
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define ATTACH_WAIT_MS 60000

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
/* The monitor's pid, as conmon's pid file holds conmon's: what a service
 * manager follows for a unit of Type=forking (`ck generate systemd`).  It
 * goes to <runroot>/containers/<id>/monitor.pid, and to the file the
 * container's create named (--conmon-pidfile), written whole before the
 * start returns. */
static void write_monitor_pid(mon *m)
{
	char *own = ck__path_join(m->rundir, "monitor.pid");
	const char *paths[2] = { own, m->cfg.monitor_pid_file };
	char line[32];
	int len = snprintf(line, sizeof(line), "%d\n", (int)getpid());

	for (size_t i = 0; i < 2; i++) {
		if (!paths[i] || !*paths[i])
			continue;
		if (ck__write_file_replace(paths[i], line, (size_t)len, 0644, false) != CK_OK) {
			ck__log(m->ctx, CK_LOG_WARN, "container %.12s: %s", m->id, ck_error_last()->message);
			ck__error_clear();
		}
	}
	free(own);
}

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
	/* --log-driver none: no log file (log_line writes where log_fd is open) */
	bool no_log = m->cfg.extra.log_driver && !strcmp(m->cfg.extra.log_driver, "none");
	if (!no_log && (rc = mon_log_open(m)) != CK_OK)
		return rc;
	/* The record names this monitor while the runtime starts up; a
	 * monitor that dies before it has left the runtime without its pid
	 * file path, and the run fails (see read_pid_pipe). */
	if ((rc = ck__ctr_update_relaxed(m->ctx, m->id, register_fn, m)) != CK_OK)
		return rc;
	write_monitor_pid(m);
	return CK_OK;
}

/* `runtime run` with the container's stdio set up; returns once the
 * container runs (its init is known) or the runtime has failed. */
int mon_run_start(mon *m, bool first)
{
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, err[2] = { -1, -1 }, pp[2] = { -1, -1 }, lfd = -1, master = -1, rc;
	char *console = NULL, *tmpdir = NULL, pipe_path[64];
	const char *pid_file = m->pidfile;

	m->init_pid = 0;
	m->init_start = 0;
	m->init_exited = m->init_gone = false;
	m->run.pid = 0;
	m->rt_exited = false;
	mon_close_fd(&m->init_pidfd);
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
		mon_report(m, "created\n");
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
	mon_close_fd(&in[0]);
	mon_close_fd(&out[1]);
	mon_close_fd(&err[1]);
	if (rc == CK_OK && first)
		rc = late_setup(m);
	/* Nothing is read from the container before its client is there: it
	 * sees every byte. */
	if (rc == CK_OK && first && m->attach_wait)
		mon_accept_wait(m, ATTACH_WAIT_MS);
	if (rc != CK_OK || (rc = await_start(m, pp[0], lfd, &master)) != CK_OK)
		goto out;
	m->init_start = ck__proc_start_time(m->init_pid);
	if (m->cfg.extra.pid_file && *m->cfg.extra.pid_file) {
		/* --pidfile: the init's pid, before the start is reported (a
		 * failure to write it is logged: the container runs) */
		char line[32];
		int len = snprintf(line, sizeof(line), "%d\n", (int)m->init_pid);
		if (ck__write_file_replace(m->cfg.extra.pid_file, line, (size_t)len, 0644, false) != CK_OK) {
			ck__log(m->ctx, CK_LOG_WARN, "container %.12s: %s", m->id, ck_error_last()->message);
			ck__error_clear();
		}
	}
	m->init_pidfd = (int)syscall(SYS_pidfd_open, m->init_pid, 0);
	if (m->init_pidfd >= 0 && ck__proc_start_time(m->init_pid) != m->init_start)
		mon_close_fd(&m->init_pidfd); /* gone already (or its pid reused): looked at by /proc */
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
	rc = mon_net_start(m);
out:
	mon_close_fd(&in[0]);
	mon_close_fd(&in[1]);
	mon_close_fd(&out[0]);
	mon_close_fd(&out[1]);
	mon_close_fd(&err[0]);
	mon_close_fd(&err[1]);
	mon_close_fd(&lfd);
	mon_close_fd(&pp[0]);
	mon_close_fd(&pp[1]);
	mon_close_fd(&master);
	if (console)
		unlink(console);
	if (tmpdir)
		rmdir(tmpdir);
	free(console);
	free(tmpdir);
	return rc;
}

/* slirp4netns gives the init's network namespace (made by the runtime, in
 * the container's user namespace when rootless) its tap0 and forwards the
 * ports; a pod's infra does this for the whole pod. */
int mon_net_start(mon *m)
{
	ck__net_port *ports = NULL;
	int rc;

	if (!m->cfg.network || strcmp(m->cfg.network, "slirp4netns") != 0)
		return CK_OK;
	if (m->cfg.n_ports && !(ports = calloc(m->cfg.n_ports, sizeof(*ports))))
		return ck__oom();
	for (size_t i = 0; i < m->cfg.n_ports; i++)
		ports[i] = (ck__net_port){ m->cfg.ports[i].host_ip, m->cfg.ports[i].host_port,
			                   m->cfg.ports[i].container_port, m->cfg.ports[i].range, m->cfg.ports[i].protocol };
	rc = ck__slirp_start(&m->slirp, m->rundir, m->init_pid, ports, m->cfg.n_ports, m->cfg.name);
	free(ports);
	return rc;
}

void mon_net_stop(mon *m)
{
	if (m->slirp.pid > 0 || m->slirp.exit_fd >= 0)
		ck__slirp_stop(&m->slirp, m->rundir);
}

/* Kills what the runtime left among our children (such as a helper that
 * outlived a failed run), except the init while it runs, and reaps them.
 * Without children left there is nothing to look for. */
void mon_kill_strays(mon *m)
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
		if (pid <= 0 || (pid == m->init_pid && !m->init_exited && !m->init_gone) ||
		    (m->health_pid > 0 && pid == m->health_pid) || (pid == m->slirp.pid && m->slirp.pid > 0))
			continue; /* the health worker and slirp4netns end with the run (mon_net_stop) */
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

/* After a failed start: whatever started goes (the init, the runtime's
 * container, the runtime process). */
void mon_start_cleanup(mon *m)
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
	mon_kill_strays(m);
}

/* ck-monitor's life: detach, register in the container's record, run the
 * container through the OCI runtime (again, as its restart policy says),
 * record each exit, and remove a --rm container at the end.
 *
 * usage: ck-monitor --root R --runroot RR --backend B --runtime RT --id ID
 *                   --sync-fd FD [--log-level N] [--attach] */
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
	if (strcmp(st->status, "removing") != 0)
		snprintf(st->status, sizeof(st->status), "exited");
	st->monitor_pid = 0;
	st->monitor_start = 0;
	return CK_OK;
}

/* ---- one run ---- */

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

/* Receives the terminal's master that the runtime sends. */
static int console_receive(int *master, int lfd)
{
	struct pollfd p = { lfd, POLLIN, 0 };
	char data[256], ctl[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { data, sizeof(data) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof(ctl) };
	int c;

	if (poll(&p, 1, 10000) <= 0 || (c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) < 0)
		return ck__error_set(CK_ERUNTIME, "the runtime did not connect to the console socket");
	ssize_t n = recvmsg(c, &msg, MSG_CMSG_CLOEXEC);
	close(c);
	struct cmsghdr *cm = n >= 0 ? CMSG_FIRSTHDR(&msg) : NULL;
	if (!cm || cm->cmsg_type != SCM_RIGHTS)
		return ck__error_set(CK_ERUNTIME, "the runtime sent no terminal on the console socket");
	memcpy(master, CMSG_DATA(cm), sizeof(int));
	return CK_OK;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* `runtime create` and `start`, with the container's stdio set up. */
static int run_start(mon *m, bool first)
{
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, err[2] = { -1, -1 }, lfd = -1, rc;
	char *console = NULL, *tmpdir = NULL;

	m->init_pid = 0;
	m->init_exited = false;
	if (m->cfg.tty) {
		if ((rc = console_listen(&lfd, &console, &tmpdir, m)) != CK_OK)
			goto out;
	} else if (pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0 ||
	           (m->cfg.stdin_open && pipe2(in, O_CLOEXEC) < 0)) {
		rc = ck__error_errno(CK_EIO, "cannot create the container's stdio pipes");
		goto out;
	}
	unlink(m->pidfile);
	rc = ck__runtime_create(&m->rt, m->id, m->userdata, m->pidfile, in[0], out[1], err[1], console);
	close_fd(&in[0]);
	close_fd(&out[1]);
	close_fd(&err[1]);
	if (rc != CK_OK)
		goto out;
	if (m->cfg.tty) {
		int master = -1;
		if ((rc = console_receive(&master, lfd)) != CK_OK)
			goto out;
		m->out_fd = master;
		m->in_fd = fcntl(master, F_DUPFD_CLOEXEC, 3);
	} else {
		m->out_fd = out[0];
		m->err_fd = err[0];
		m->in_fd = in[1];
		out[0] = err[0] = in[1] = -1;
	}
	if ((rc = read_pidfile(&m->init_pid, m->pidfile)) != CK_OK)
		goto out;
	m->init_start = ck__proc_start_time(m->init_pid);
	if (first && m->attach_wait) {
		report(m, "created\n");
		mon_accept_wait(m, ATTACH_WAIT_MS);
	}
	rc = ck__runtime_start(&m->rt, m->id);
out:
	close_fd(&in[0]);
	close_fd(&in[1]);
	close_fd(&out[0]);
	close_fd(&out[1]);
	close_fd(&err[0]);
	close_fd(&err[1]);
	close_fd(&lfd);
	if (console)
		unlink(console);
	if (tmpdir)
		rmdir(tmpdir);
	free(console);
	free(tmpdir);
	return rc;
}

/* Kills what the runtime left among our children (such as crun start's
 * helper blocked on the exec fifo of a container that died before its
 * start), except the init while it runs, and reaps them. */
static void kill_strays(mon *m)
{
	DIR *d = opendir("/proc");
	pid_t self = getpid();

	for (struct dirent *de; d && (de = readdir(d));) {
		char path[64], buf[512];
		int pid = atoi(de->d_name), ppid = 0;
		if (pid <= 0 || (pid == m->init_pid && !m->init_exited))
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
	if (d)
		closedir(d);
	mon_reap(m);
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

/* Runs the container until it stops for good; returns the last exit code. */
static int run(mon *m)
{
	bool first = true;
	int code = -1;

	for (;;) {
		int rc = run_start(m, first);
		if (rc != CK_OK) {
			char msg[1024];
			snprintf(msg, sizeof(msg), "%s", ck_error_last()->message);
			ck__log(m->ctx, CK_LOG_ERROR, "%s", msg);
			/* Whatever started goes: the runtime's container and its init. */
			if (m->init_pid > 0 && ck__proc_alive(m->init_pid, m->init_start))
				kill(m->init_pid, SIGKILL);
			if (ck__runtime_delete(&m->rt, m->id, true) != CK_OK)
				ck__error_clear();
			kill_strays(m);
			struct failed_args fa = { msg };
			if (ck__ctr_update(m->ctx, m->id, failed_fn, &fa) != CK_OK)
				ck__log(m->ctx, CK_LOG_ERROR, "%s", ck_error_last()->message);
			report_error(m, rc, msg);
			mon_clients_exit(m, first ? 127 : code);
			return first ? -1 : code;
		}
		struct running_args ra = { m, false };
		if ((rc = ck__ctr_update(m->ctx, m->id, running_fn, &ra)) != CK_OK || ra.stop_now) {
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
		code = m->init_exited ? exit_code_of(m->init_status) : -1;
		if (ck__runtime_delete(&m->rt, m->id, true) != CK_OK)
			ck__log(m->ctx, CK_LOG_WARN, "%s", ck_error_last()->message);
		kill_strays(m);
		struct exit_args ea = { m, code, false };
		if (rc != CK_OK || ck__ctr_update(m->ctx, m->id, exit_fn, &ea) != CK_OK) {
			mon_clients_exit(m, code);
			return code;
		}
		ck__log(m->ctx, CK_LOG_DEBUG, "container %s exited with %d%s", m->cfg.name, code,
		        ea.restart ? "; restarting" : "");
		ck__ctr_event(m->ctx, &m->cfg, "died", code);
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
	if ((rc = ck__ctr_read(&m->cfg, NULL, m->ctx, m->id)) != CK_OK ||
	    (rc = ck__ctr_runtime_open(&m->rt, m->ctx, &m->cfg)) != CK_OK)
		return rc;
	m->userdata = ck__ctr_userdata(m->ctx, m->id);
	m->rundir = ck__ctr_rundir(m->ctx, m->id);
	m->logpath = m->userdata ? ck__path_join(m->userdata, "ctr.log") : NULL;
	m->logpath1 = m->userdata ? ck__path_join(m->userdata, "ctr.log.1") : NULL;
	m->pidfile = m->rundir ? ck__path_join(m->rundir, "pidfile") : NULL;
	if (!m->userdata || !m->rundir || !m->logpath || !m->logpath1 || !m->pidfile)
		return ck__oom();
	m->log_max = m->cfg.log_size_max;
	if ((rc = mon_log_open(m)) != CK_OK)
		return rc;
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	if ((m->sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK)) < 0)
		return ck__error_errno(CK_EIO, "monitor: signalfd");
	if ((rc = ck__unix_listen(&m->listen_fd, m->rundir, "attach")) != CK_OK)
		return rc;
	return ck__ctr_update(m->ctx, m->id, register_fn, m);
}

int main(int argc, char **argv)
{
	mon m = { .sync_fd = -1, .sigfd = -1, .listen_fd = -1, .out_fd = -1, .err_fd = -1, .in_fd = -1,
		  .log_fd = -1 };
	const char *sync = arg(argc, argv, "--sync-fd");
	int code = -1, rc;

	m.id = arg(argc, argv, "--id");
	m.sync_fd = sync ? atoi(sync) : -1;
	m.attach_wait = flag(argc, argv, "--attach");
	if (!m.id || m.sync_fd < 3) {
		fprintf(stderr, "usage: ck-monitor --root R --runroot RR --backend B --runtime RT --id ID --sync-fd FD "
		                "[--log-level N] [--attach]\n");
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
	if ((rc = setup(&m, argc, argv)) != CK_OK) {
		char msg[1024];
		snprintf(msg, sizeof(msg), "%s", ck_error_last()->message);
		if (m.ctx) {
			ck__log(m.ctx, CK_LOG_ERROR, "%s", msg);
			struct failed_args fa = { msg };
			if (rc != CK_ESTATE && ck__ctr_update(m.ctx, m.id, failed_fn, &fa) != CK_OK)
				ck__error_clear();
		} else {
			fprintf(stderr, "ck-monitor: %s\n", msg);
		}
		report_error(&m, rc, msg);
		goto out;
	}
	code = run(&m);
	if (m.cfg.remove && ck__ctr_remove_id(m.ctx, m.id, true, true, false) != CK_OK &&
	    ck_error_last()->code != CK_ENOTFOUND)
		ck__log(m.ctx, CK_LOG_ERROR, "--rm: %s", ck_error_last()->message);
out:
	mon_clients_close(&m);
	mon_log_close(&m);
	if (m.listen_fd >= 0) {
		close(m.listen_fd);
		char *sock = m.rundir ? ck__path_join(m.rundir, "attach") : NULL;
		if (sock && !m.cfg.remove)
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
	ck_context_free(m.ctx);
	(void)code;
	return 0;
}

/* ck-bench run: one command as a timed process.  `sh -c CMD` in its own
 * process group, timed from fork to reaping, with user and system time and
 * peak RSS from wait4(); the whole group is killed when it overruns. */
#define _GNU_SOURCE
#include "run.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void on_chld(int sig)
{
	(void)sig;
}

static void tail_of(char *buf, size_t size, const char *path)
{
	int fd = path ? open(path, O_RDONLY | O_CLOEXEC) : -1;
	buf[0] = '\0';
	if (fd < 0)
		return;
	off_t end = lseek(fd, 0, SEEK_END);
	off_t from = end > (off_t)(size - 1) ? end - (off_t)(size - 1) : 0;
	ssize_t n = pread(fd, buf, size - 1, from);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = '\0';
	/* One line for a table cell: newlines become " | ". */
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	for (char *p = buf; *p; p++)
		if (*p == '\n' || *p == '\r' || *p == '\t')
			*p = ' ';
}

static int spawn(cb_proc *p, const char *cmd, double timeout_s, const char *outfile, const char *errfile)
{
	sigset_t chld, old;
	struct sigaction sa = { .sa_handler = on_chld }, oldsa;
	struct rusage ru = { 0 };
	int status = 0;
	pid_t pid;

	memset(p, 0, sizeof(*p));
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigaction(SIGCHLD, &sa, &oldsa);
	sigprocmask(SIG_BLOCK, &chld, &old);
	double t0 = cb_now_ms();
	pid = fork();
	if (pid < 0) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		sigaction(SIGCHLD, &oldsa, NULL);
		p->spawn_failed = true;
		p->exit_code = -1;
		snprintf(p->err_tail, sizeof(p->err_tail), "fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		int in = open("/dev/null", O_RDONLY);
		int out = open(outfile ? outfile : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0600);
		int err = open(errfile ? errfile : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0600);
		setpgid(0, 0);
		sigprocmask(SIG_SETMASK, &old, NULL);
		signal(SIGCHLD, SIG_DFL);
		if (in < 0 || out < 0 || err < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0)
			_exit(126);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	/* Also from the parent, so that a kill of the group cannot miss a child
	 * that has not yet run setpgid. */
	setpgid(pid, pid);
	for (;;) {
		pid_t w = wait4(pid, &status, WNOHANG, &ru);
		if (w == pid)
			break;
		if (w < 0 && errno != EINTR) {
			p->spawn_failed = true;
			break;
		}
		double left_ms = timeout_s > 0 ? timeout_s * 1e3 - (cb_now_ms() - t0) : 1e9;
		if (left_ms <= 0) {
			p->timed_out = true;
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			while (wait4(pid, &status, 0, &ru) < 0 && errno == EINTR)
				;
			break;
		}
		if (left_ms > 1e6)
			left_ms = 1e6;
		struct timespec ts = { (time_t)(left_ms / 1e3), (long)((left_ms - (double)(long)(left_ms / 1e3) * 1e3) * 1e6) };
		sigtimedwait(&chld, NULL, &ts);
	}
	double t1 = cb_now_ms();
	sigprocmask(SIG_SETMASK, &old, NULL);
	sigaction(SIGCHLD, &oldsa, NULL);
	if (p->timed_out) {
		p->exit_code = -1;
		p->signal = SIGKILL;
		/* Whatever the command left running in its group goes too. */
		kill(-pid, SIGKILL);
	} else if (WIFEXITED(status)) {
		p->exit_code = WEXITSTATUS(status);
	} else {
		p->exit_code = -1;
		p->signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
	}
	p->sample.wall_ms = t1 - t0;
	p->sample.user_ms = (double)ru.ru_utime.tv_sec * 1e3 + (double)ru.ru_utime.tv_usec / 1e3;
	p->sample.sys_ms = (double)ru.ru_stime.tv_sec * 1e3 + (double)ru.ru_stime.tv_usec / 1e3;
	p->sample.maxrss_kb = ru.ru_maxrss;
	tail_of(p->err_tail, sizeof(p->err_tail), errfile);
	return p->exit_code == 0 && !p->timed_out && !p->spawn_failed ? 0 : -1;
}

int cb_proc_run(cb_proc *p, const char *cmd, double timeout_s, const char *errfile)
{
	return spawn(p, cmd, timeout_s, NULL, errfile);
}

char *cb_proc_capture(const char *cmd, size_t max, double timeout_s)
{
	char path[] = "/tmp/ck-bench-out.XXXXXX";
	int fd = mkstemp(path);
	cb_proc p;
	char *buf = NULL;

	if (fd < 0)
		return NULL;
	close(fd);
	if (spawn(&p, cmd, timeout_s, path, NULL) == 0 && (buf = calloc(1, max + 1))) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		ssize_t n = fd >= 0 ? read(fd, buf, max) : -1;
		if (fd >= 0)
			close(fd);
		if (n < 0)
			n = 0;
		buf[n] = '\0';
		while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
			buf[--n] = '\0';
	}
	unlink(path);
	return buf;
}

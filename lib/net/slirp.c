/* slirp4netns, the network of a rootless container (network mode
 * "slirp4netns"): started by the container's monitor for the namespace of
 * its init, ports forwarded through its API socket, ended with the run. */
#define _GNU_SOURCE
#include "net_int.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define SLIRP_SOCK "slirp4netns.sock"
#define SLIRP_LOG "slirp4netns.log"
#define SLIRP_PID "slirp4netns.pid"
#define SLIRP_READY_MS 10000
#define SLIRP_STOP_MS 5000

extern char **environ;

int ck__slirp_check_host(void)
{
	if (access("/dev/net/tun", R_OK | W_OK) == 0)
		return CK_OK;
	/* Hosts without udev leave the device root's alone (HOST-NOTES). */
	struct stat st;
	int err = errno;
	if (stat("/dev/net/tun", &st) < 0)
		return ck__error_sys(CK_EUNSUPPORTED, errno, "slirp4netns needs /dev/net/tun, which this host lacks: "
		                     "load the tun module (modprobe tun) as root, see docs/HOST-SETUP.md");
	return ck__error_sys(CK_EPERM, err, "slirp4netns cannot open /dev/net/tun (mode %04o): run `chmod 0666 "
	                     "/dev/net/tun` as root, see docs/HOST-SETUP.md (Rootless networking)",
	                     (unsigned)(st.st_mode & 07777));
}

static char *find_slirp(void)
{
	const char *path = getenv("PATH");
	char *copy = strdup(path && *path ? path : "/usr/local/bin:/usr/bin:/bin"), *save = NULL;

	if (!copy)
		return NULL;
	for (char *d = strtok_r(copy, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		char *p = ck__asprintf("%s/slirp4netns", d);
		if (p && access(p, X_OK) == 0) {
			free(copy);
			return p;
		}
		free(p);
	}
	free(copy);
	return access("/usr/bin/slirp4netns", X_OK) == 0 ? strdup("/usr/bin/slirp4netns") : NULL;
}

/* What slirp4netns said before it died, for the error. */
static int failed(const char *rundir, const char *what, const char *ctr_name)
{
	char *log = ck__path_join(rundir, SLIRP_LOG), *text = NULL;
	int rc;

	if (log && ck__read_file(&text, NULL, log, 4096) == CK_OK) {
		for (char *p = text; *p; p++)
			if (*p == '\n')
				*p = *(p + 1) ? ' ' : '\0';
	}
	if (text && strstr(text, "/dev/net/tun") && ck__slirp_check_host() != CK_OK)
		rc = ck__error_wrap(ck_error_last()->code, "container %s", ctr_name);
	else
		rc = ck__error_set(CK_ENETWORK, "container %s: slirp4netns %s%s%s", ctr_name, what,
		                   text && *text ? ": " : "", text ? text : "");
	free(text);
	free(log);
	return rc;
}

/* The API socket's path may be past sun_path's limit under a deep run
 * root: it is reached through the directory's descriptor then. */
static int api_call(const char *rundir, const char *request, char *reply, size_t cap)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int dfd = -1, fd = -1, rc = CK_OK;
	size_t len = strlen(request), got = 0;

	if (strlen(rundir) + sizeof(SLIRP_SOCK) + 1 < sizeof(sa.sun_path)) {
		snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/%s", rundir, SLIRP_SOCK);
	} else {
		if ((dfd = open(rundir, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
			return ck__error_errno(CK_EIO, "cannot open %s", rundir);
		snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/self/fd/%d/%s", dfd, SLIRP_SOCK);
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		rc = ck__error_errno(CK_ENETWORK, "cannot connect to slirp4netns's API socket in %s", rundir);
		goto out;
	}
	if ((rc = ck__write_all(fd, request, len)) != CK_OK)
		goto out;
	shutdown(fd, SHUT_WR);
	while (got + 1 < cap) {
		struct pollfd p = { fd, POLLIN, 0 };
		if (poll(&p, 1, SLIRP_READY_MS) <= 0) {
			rc = ck__error_set(CK_ENETWORK, "slirp4netns did not answer on its API socket");
			goto out;
		}
		ssize_t n = read(fd, reply + got, cap - 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	reply[got] = '\0';
out:
	if (fd >= 0)
		close(fd);
	if (dfd >= 0)
		close(dfd);
	return rc;
}

static int add_forward(const char *rundir, const ck__net_port *p, unsigned int k, const char *ctr_name)
{
	char req[512], reply[1024];
	const char *host_ip = p->host_ip && *p->host_ip ? p->host_ip : "0.0.0.0";
	const char *proto = p->protocol && *p->protocol ? p->protocol : "tcp";
	int rc;

	snprintf(req, sizeof(req),
	         "{\"execute\":\"add_hostfwd\",\"arguments\":{\"proto\":\"%s\",\"host_addr\":\"%s\",\"host_port\":%u,"
	         "\"guest_addr\":\"%s\",\"guest_port\":%u}}",
	         proto, host_ip, p->host_port + k, CK__SLIRP_GUEST_IP, p->container_port + k);
	if ((rc = api_call(rundir, req, reply, sizeof(reply))) != CK_OK)
		return ck__error_wrap(rc, "container %s: cannot publish %s:%u/%s", ctr_name, host_ip, p->host_port + k,
		                      proto);
	if (!strstr(reply, "\"return\"") || strstr(reply, "\"error\""))
		return ck__error_set(CK_EINUSE, "container %s: cannot publish %s:%u/%s: slirp4netns refused it (%s); "
		                     "is the port in use?", ctr_name, host_ip, p->host_port + k, proto, reply);
	return CK_OK;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* Files of a run: socket, log and pid file. */
static void remove_files(const char *rundir)
{
	static const char *const names[] = { SLIRP_SOCK, SLIRP_PID, NULL };
	for (size_t i = 0; names[i]; i++) {
		char *p = ck__path_join(rundir, names[i]);
		if (p)
			unlink(p);
		free(p);
	}
}

static bool wait_gone(int pidfd, int ms)
{
	struct pollfd p = { pidfd, POLLIN, 0 };
	int r;
	while ((r = poll(&p, 1, ms)) < 0 && errno == EINTR)
		;
	return r > 0;
}

void ck__slirp_stop(ck__slirp *s, const char *rundir)
{
	if (s->pid > 0) {
		/* Closing the exit descriptor ends it; SIGKILL if it lingers. */
		close_fd(&s->exit_fd);
		if (s->pidfd >= 0 && !wait_gone(s->pidfd, SLIRP_STOP_MS)) {
			kill(s->pid, SIGKILL);
			wait_gone(s->pidfd, SLIRP_STOP_MS);
		}
		/* Our child: reap it (a caller's reaper may have done so). */
		waitpid(s->pid, NULL, WNOHANG);
	}
	close_fd(&s->exit_fd);
	close_fd(&s->pidfd);
	s->pid = 0;
	if (rundir)
		remove_files(rundir);
}

/* Whether process `target` has ended or is ending: an exiting process
 * loses its namespaces before it becomes a zombie. */
static bool target_ended(pid_t target)
{
	char path[64];
	int fd;

	if (ck__proc_start_time(target) == 0)
		return true;
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)target);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) >= 0) {
		close(fd);
		return false;
	}
	return errno == ENOENT || errno == ESRCH;
}

/* The OCI runtime's init makes itself non-dumpable until it executes the
 * container's program, and its /proc/PID/ns files are root's meanwhile:
 * slirp4netns, run as the user, could not open them.  The runtime reports
 * the pid before that exec, and no event tells of the exec: a short
 * wait for the namespace to open, bounded. */
static int await_namespace(pid_t target, const char *ctr_name)
{
	char path[64];
	int64_t deadline = ck__now_ns() + (int64_t)SLIRP_READY_MS * 1000000;

	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)target);
	for (unsigned ms = 1;; ms = ms < 16 ? ms * 2 : 16) {
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			close(fd);
			return CK_OK;
		}
		int err = errno;
		if (err == ENOENT || err == ESRCH || ck__proc_start_time(target) == 0)
			return CK_ENOTFOUND; /* it has ended already */
		if (err != EACCES && err != EPERM)
			return ck__error_sys(CK_ESTATE, err, "container %s: cannot open the network namespace of its "
			                     "init %d", ctr_name, (int)target);
		if (ck__now_ns() > deadline)
			return ck__error_sys(CK_ETIMEOUT, err, "container %s: the network namespace of its init %d "
			                     "stayed closed to this user", ctr_name, (int)target);
		ck__sleep_ms(ms);
	}
}

int ck__slirp_start(ck__slirp *s, const char *rundir, pid_t target, const ck__net_port *ports, size_t n_ports,
                    const char *ctr_name)
{
	int ex[2] = { -1, -1 }, rd[2] = { -1, -1 }, logfd = -1, rc = CK_OK;
	char *bin = NULL, *logpath = NULL, *pidpath = NULL, pidarg[24], exfd[8], rdfd[8];
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none;

	s->pid = 0;
	s->exit_fd = s->pidfd = -1;
	if ((rc = ck__slirp_check_host()) != CK_OK)
		return ck__error_wrap(rc, "container %s", ctr_name);
	if (!(bin = find_slirp())) {
		return ck__error_set(CK_EUNSUPPORTED, "container %s: network mode slirp4netns needs the slirp4netns "
		                     "program (Debian package slirp4netns), which is not installed", ctr_name);
	}
	if (geteuid() != 0 && (rc = await_namespace(target, ctr_name)) != CK_OK) {
		if (rc == CK_ENOTFOUND)
			rc = CK_OK; /* a short run that has ended needs no network */
		goto out;
	}
	logpath = ck__path_join(rundir, SLIRP_LOG);
	pidpath = ck__path_join(rundir, SLIRP_PID);
	if (!logpath || !pidpath) {
		rc = ck__oom();
		goto out;
	}
	remove_files(rundir);
	/* The exit pipe's write end stays with the caller only (close-on-exec):
	 * when the caller dies, slirp4netns sees the hang-up and exits. */
	if (pipe2(ex, O_CLOEXEC) < 0 || pipe2(rd, O_CLOEXEC) < 0 ||
	    (logfd = open(logpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0) {
		rc = ck__error_errno(CK_EIO, "container %s: cannot prepare slirp4netns", ctr_name);
		goto out;
	}
	snprintf(pidarg, sizeof(pidarg), "%d", (int)target);
	snprintf(exfd, sizeof(exfd), "%d", 3);
	snprintf(rdfd, sizeof(rdfd), "%d", 4);
	char *argv[] = { bin, "--configure", "--mtu=65520", "--disable-host-loopback", "--enable-sandbox",
		         "--enable-seccomp", "--api-socket", SLIRP_SOCK, "--exit-fd", exfd, "--ready-fd", rdfd,
		         pidarg, "tap0", NULL };
	posix_spawn_file_actions_init(&fa);
	posix_spawnattr_init(&attr);
	sigemptyset(&none);
	posix_spawnattr_setsigmask(&attr, &none);
	{
		sigset_t all;
		sigfillset(&all);
		posix_spawnattr_setsigdefault(&attr, &all);
	}
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSID);
	/* dup2 onto 3 and 4 must not clobber a source: move them above first. */
	int hi_ex = fcntl(ex[0], F_DUPFD_CLOEXEC, 10), hi_rd = fcntl(rd[1], F_DUPFD_CLOEXEC, 10);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, logfd, 1);
	posix_spawn_file_actions_adddup2(&fa, logfd, 2);
	posix_spawn_file_actions_adddup2(&fa, hi_ex, 3);
	posix_spawn_file_actions_adddup2(&fa, hi_rd, 4);
	/* The API socket's path is relative to the run directory. */
	posix_spawn_file_actions_addchdir_np(&fa, rundir);
	pid_t pid = 0;
	/* The caller's environment plus the mark that names the run directory
	 * (slirp_check.c). */
	size_t n_env = 0;
	while (environ[n_env])
		n_env++;
	char **envp = calloc(n_env + 2, sizeof(char *)), *mark = ck__asprintf(CK__SLIRP_ENV "=%s", rundir);
	int err = !envp || !mark ? ENOMEM : hi_ex < 0 || hi_rd < 0 ? errno : 0;
	if (!err) {
		size_t k = 0;
		for (size_t i = 0; i < n_env; i++)
			if (!ck__str_has_prefix(environ[i], CK__SLIRP_ENV "="))
				envp[k++] = environ[i];
		envp[k++] = mark;
		envp[k] = NULL;
		err = posix_spawn(&pid, bin, &fa, &attr, argv, envp);
	}
	free(envp);
	free(mark);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	if (hi_ex >= 0)
		close(hi_ex);
	if (hi_rd >= 0)
		close(hi_rd);
	close_fd(&ex[0]);
	close_fd(&rd[1]);
	close_fd(&logfd);
	if (err) {
		rc = ck__error_sys(CK_EIO, err, "container %s: cannot run %s", ctr_name, bin);
		goto out;
	}
	s->pid = pid;
	s->exit_fd = ex[1];
	ex[1] = -1;
	s->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	{
		FILE *f = fopen(pidpath, "we");
		if (f) {
			fprintf(f, "%d %llu\n", (int)pid, ck__proc_start_time(pid));
			fclose(f);
		}
	}
	/* Ready: "1" on the ready pipe; its death first is a failure. */
	struct pollfd p[2] = { { rd[0], POLLIN, 0 }, { s->pidfd, POLLIN, 0 } };
	char c = 0;
	int r;
	while ((r = poll(p, s->pidfd >= 0 ? 2 : 1, SLIRP_READY_MS)) < 0 && errno == EINTR)
		;
	if (r > 0 && (p[0].revents & POLLIN) && read(rd[0], &c, 1) == 1 && c == '1') {
		for (size_t i = 0; i < n_ports && rc == CK_OK; i++)
			for (unsigned k = 0; k < (ports[i].range ? ports[i].range : 1) && rc == CK_OK; k++)
				rc = add_forward(rundir, &ports[i], k, ctr_name);
	} else {
		ck__slirp_stop(s, rundir);
		/* The init may end before slirp4netns joins its namespace: a
		 * short run needs no network then, and nothing is wrong. */
		rc = target_ended(target) ? CK_OK
		                                      : failed(rundir, r == 0 ? "was not ready in time" : "failed", ctr_name);
	}
	if (rc != CK_OK)
		ck__slirp_stop(s, rundir);
out:
	close_fd(&ex[0]);
	close_fd(&ex[1]);
	close_fd(&rd[0]);
	close_fd(&rd[1]);
	close_fd(&logfd);
	free(bin);
	free(logpath);
	free(pidpath);
	return rc;
}

/* A slirp4netns whose monitor died: it ends by itself once it sees its
 * exit descriptor hang up (not at once); this makes sure of it (the
 * recorded process, if it still runs with its start time), and removes
 * its files. */
int ck__slirp_cleanup(const char *rundir)
{
	char *pidpath = ck__path_join(rundir, SLIRP_PID), *text = NULL;
	int rc = CK_OK;

	if (!pidpath)
		return ck__oom();
	if (ck__read_file(&text, NULL, pidpath, 64) == CK_OK) {
		int pid = 0;
		unsigned long long start = 0;
		if (sscanf(text, "%d %llu", &pid, &start) == 2 && pid > 0 && start &&
		    ck__proc_start_time(pid) == start) {
			int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
			if (pidfd >= 0 && ck__proc_start_time(pid) == start) {
				kill(pid, SIGKILL);
				if (!wait_gone(pidfd, SLIRP_STOP_MS))
					rc = ck__error_set(CK_EBUSY, "slirp4netns %d (%s) outlived SIGKILL", pid, rundir);
			}
			if (pidfd >= 0)
				close(pidfd);
		}
	}
	if (rc == CK_OK)
		ck__error_clear(); /* no pid file: nothing ran */
	free(text);
	free(pidpath);
	if (rc == CK_OK)
		remove_files(rundir);
	return rc;
}

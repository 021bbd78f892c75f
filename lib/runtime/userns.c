/* Both ends of a job run in a new user namespace (userns.h).  The library
 * and ck-userns talk over a socket pair, one line at a time:
 *   helper: "ready"            the namespace exists, not yet mapped
 *   library: "go"              newuidmap and newgidmap have mapped it
 *   helper: "p ..."            progress, any number of times
 *   helper: "ok [TEXT]"        the job is done
 *   helper: "err CODE ERRNO MESSAGE"   it failed (the message of ck_error_last)
 * A socket rather than pipes: the library writes with MSG_NOSIGNAL, so a
 * helper that died costs no SIGPIPE in the caller. */
#define _GNU_SOURCE
#include "runtime/userns.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define LINE_MAX_LEN 4096

extern char **environ;

struct reader {
	int fd;
	char buf[LINE_MAX_LEN];
	size_t len;
};

/* Reads one line into `line` (without its newline); -1 at EOF or on an
 * error, or for a line too long to be ours. */
static int read_line(struct reader *r, char *line, size_t size)
{
	for (;;) {
		char *nl = memchr(r->buf, '\n', r->len);
		if (nl) {
			size_t n = (size_t)(nl - r->buf);
			if (n >= size)
				return -1;
			memcpy(line, r->buf, n);
			line[n] = '\0';
			memmove(r->buf, nl + 1, r->len - n - 1);
			r->len -= n + 1;
			return 0;
		}
		if (r->len == sizeof(r->buf))
			return -1;
		ssize_t got = read(r->fd, r->buf + r->len, sizeof(r->buf) - r->len);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			return -1;
		r->len += (size_t)got;
	}
}

/* A copy of `fd` at or above `min`, close-on-exec, so that the spawn's
 * dup2 actions never land on one another's sources. */
static int dup_high(int fd, int min)
{
	return fcntl(fd, F_DUPFD_CLOEXEC, min);
}

static void init_spawn(posix_spawn_file_actions_t *fa, posix_spawnattr_t *attr)
{
	sigset_t none, all;

	posix_spawn_file_actions_init(fa);
	posix_spawnattr_init(attr);
	sigemptyset(&none);
	sigfillset(&all);
	posix_spawnattr_setsigmask(attr, &none);
	posix_spawnattr_setsigdefault(attr, &all);
	posix_spawnattr_setflags(attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
}

static int close_from(posix_spawn_file_actions_t *fa, int fd)
{
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
	return posix_spawn_file_actions_addclosefrom_np(fa, fd);
#else
	(void)fa;
	(void)fd;
	return 0; /* every fd of ours is close-on-exec */
#endif
}

static int wait_child(pid_t pid, int *status)
{
	while (waitpid(pid, status, 0) < 0) {
		if (errno != EINTR)
			return -1;
	}
	return 0;
}

static void describe_status(char *buf, size_t size, int status)
{
	if (WIFEXITED(status))
		snprintf(buf, size, "exit status %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, size, "killed by signal %d", WTERMSIG(status));
	else
		snprintf(buf, size, "status 0x%x", (unsigned)status);
}

/* Runs newuidmap or newgidmap for `pid`; its stderr becomes the message. */
static int write_map(const char *tool, pid_t pid, const ck__idmap *maps, size_t n)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	char *path = NULL, *argv[2 + 1 + 3 * 4 + 1], nums[1 + 3 * 4][16], msg[512] = "", how[64];
	int p[2] = { -1, -1 }, hi = -1, err, status = 0, rc;
	size_t k = 0, used = 0;
	pid_t child;

	if (n > 4)
		return ck__error_set(CK_EINVAL, "%s: more than 4 ranges", tool);
	if ((rc = ck__userns_tool(&path, tool)) != CK_OK)
		return rc;
	argv[k++] = path;
	snprintf(nums[0], sizeof(nums[0]), "%d", (int)pid);
	argv[k++] = nums[0];
	for (size_t i = 0; i < n; i++) {
		snprintf(nums[1 + 3 * i], sizeof(nums[0]), "%u", maps[i].container_id);
		snprintf(nums[2 + 3 * i], sizeof(nums[0]), "%u", maps[i].host_id);
		snprintf(nums[3 + 3 * i], sizeof(nums[0]), "%u", maps[i].size);
		argv[k++] = nums[1 + 3 * i];
		argv[k++] = nums[2 + 3 * i];
		argv[k++] = nums[3 + 3 * i];
	}
	argv[k] = NULL;
	if (pipe2(p, O_CLOEXEC) < 0 || (hi = dup_high(p[1], 3)) < 0) {
		rc = ck__error_errno(CK_EIO, "cannot run %s", tool);
		goto out;
	}
	init_spawn(&fa, &attr);
	err = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	if (!err)
		err = posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	if (!err)
		err = posix_spawn_file_actions_adddup2(&fa, hi, 2);
	if (!err)
		err = close_from(&fa, 3);
	if (!err)
		err = posix_spawn(&child, path, &fa, &attr, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	close(hi);
	close(p[1]);
	p[1] = -1;
	if (err) {
		rc = ck__error_sys(ck__errno_code(err), err, "cannot run %s", path);
		goto out;
	}
	for (;;) {
		ssize_t got = read(p[0], msg + used, sizeof(msg) - 1 - used);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		used += (size_t)got;
		if (used == sizeof(msg) - 1) {
			char sink[256];
			while (read(p[0], sink, sizeof(sink)) > 0 || errno == EINTR)
				;
			break;
		}
	}
	msg[used] = '\0';
	while (used && (msg[used - 1] == '\n' || msg[used - 1] == ' '))
		msg[--used] = '\0';
	for (char *c = msg; *c; c++)
		if (*c == '\n')
			*c = ' ';
	if (wait_child(child, &status) < 0) {
		rc = ck__error_errno(CK_EIO, "cannot wait for %s", tool);
		goto out;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		describe_status(how, sizeof(how), status);
		rc = ck__error_set(CK_EPERM, "%s refused the mapping (%s)%s%s; the ranges come from /etc/subuid and "
		                             "/etc/subgid", tool, how, *msg ? ": " : "", msg);
	}
out:
	if (p[0] >= 0)
		close(p[0]);
	if (p[1] >= 0)
		close(p[1]);
	free(path);
	return rc;
}

/* "err CODE ERRNO MESSAGE" as the thread's error. */
static int job_error(const char *line)
{
	char *end;
	long code = strtol(line + 4, &end, 10), err;

	if (*end != ' ')
		return ck__error_set(CK_EIO, "the user namespace helper sent a bad reply \"%.100s\"", line);
	err = strtol(end + 1, &end, 10);
	if (*end == ' ')
		end++;
	if (code >= 0 || code < -1000)
		code = CK_ERROR;
	return ck__error_sys((int)code, (int)err, "%s", end);
}

static int spawn_helper(pid_t *pid, const char *path, int sock, const ck__userns_job *job)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	size_t n_args = 0;
	int hi[16], n_hi = 0, err = 0, first_free = CK__USERNS_FIRST_JOB_FD + (int)job->n_fds;
	char **argv;

	if (job->n_fds > 8)
		return ck__error_set(CK_EINVAL, "a user namespace job takes at most 8 descriptors");
	while (job->argv[n_args])
		n_args++;
	if (!(argv = calloc(n_args + 2, sizeof(*argv))))
		return ck__oom();
	argv[0] = (char *)path;
	memcpy(argv + 1, job->argv, n_args * sizeof(*argv));
	if ((hi[n_hi++] = dup_high(sock, first_free)) < 0)
		err = errno;
	for (size_t i = 0; !err && i < job->n_fds; i++)
		if ((hi[n_hi++] = dup_high(job->fds[i], first_free)) < 0)
			err = errno;
	if (err) {
		for (int i = 0; i < n_hi; i++)
			if (hi[i] >= 0)
				close(hi[i]);
		free(argv);
		return ck__error_sys(CK_EIO, err, "cannot prepare the user namespace helper's descriptors");
	}
	init_spawn(&fa, &attr);
	err = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	if (!err)
		err = posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	if (!err)
		err = posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	if (!err)
		err = posix_spawn_file_actions_adddup2(&fa, hi[0], CK__USERNS_FD);
	for (size_t i = 0; !err && i < job->n_fds; i++)
		err = posix_spawn_file_actions_adddup2(&fa, hi[1 + i], CK__USERNS_FIRST_JOB_FD + (int)i);
	if (!err)
		err = close_from(&fa, first_free);
	if (!err)
		err = posix_spawn(pid, path, &fa, &attr, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	for (int i = 0; i < n_hi; i++)
		close(hi[i]);
	free(argv);
	if (err)
		return ck__error_sys(ck__errno_code(err), err, "cannot run the user namespace helper %s", path);
	return CK_OK;
}

static int send_line(int fd, const char *s)
{
	size_t len = strlen(s);

	while (len) {
		ssize_t n = send(fd, s, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		s += n;
		len -= (size_t)n;
	}
	return 0;
}

int ck__userns_run(char **result, ck_context *ctx, const ck__userns_job *job)
{
	struct reader *r = NULL;
	char *path = NULL, line[LINE_MAX_LEN], how[64];
	int sv[2] = { -1, -1 }, rc, status = 0;
	bool done = false;
	pid_t pid = -1;

	if (result)
		*result = NULL;
	if ((rc = ck__libexec_find(&path, ctx, "ck-userns")) != CK_OK)
		return rc;
	if (!(r = calloc(1, sizeof(*r)))) {
		rc = ck__oom();
		goto out;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		rc = ck__error_errno(CK_EIO, "cannot create a socket pair for the user namespace helper");
		goto out;
	}
	if ((rc = spawn_helper(&pid, path, sv[1], job)) != CK_OK)
		goto out;
	close(sv[1]);
	sv[1] = -1;
	r->fd = sv[0];
	if (read_line(r, line, sizeof(line)) < 0)
		goto died;
	if (!strncmp(line, "err ", 4)) {
		rc = job_error(line);
		goto out;
	}
	if (strcmp(line, "ready") != 0) {
		rc = ck__error_set(CK_EIO, "the user namespace helper sent \"%.100s\" instead of \"ready\"", line);
		goto out;
	}
	if ((rc = write_map("newuidmap", pid, job->uid_maps, job->n_uid_maps)) != CK_OK ||
	    (rc = write_map("newgidmap", pid, job->gid_maps, job->n_gid_maps)) != CK_OK)
		goto out;
	if (send_line(sv[0], "go\n") < 0)
		goto died;
	while (!done) {
		if (read_line(r, line, sizeof(line)) < 0)
			goto died;
		if (!strncmp(line, "p ", 2)) {
			if (job->on_line)
				job->on_line(line, job->payload);
		} else if (!strcmp(line, "ok") || !strncmp(line, "ok ", 3)) {
			if (result && !(*result = ck__strdup(line[2] ? line + 3 : "")))
				rc = ck__oom();
			done = true;
		} else if (!strncmp(line, "err ", 4)) {
			rc = job_error(line);
			done = true;
		} else {
			rc = ck__error_set(CK_EIO, "the user namespace helper sent a bad reply \"%.100s\"", line);
			done = true;
		}
	}
	goto out;
died:
	/* Closed without a word: its exit status says why. */
	close(sv[0]);
	sv[0] = -1;
	if (wait_child(pid, &status) == 0) {
		pid = -1;
		describe_status(how, sizeof(how), status);
	} else {
		snprintf(how, sizeof(how), "unknown status");
	}
	rc = ck__error_set(CK_EIO, "the user namespace helper %s ended without a reply (%s)", path, how);
out:
	if (sv[0] >= 0)
		close(sv[0]);
	if (sv[1] >= 0)
		close(sv[1]);
	/* The helper ends once the socket closes, whatever state it was in. */
	if (pid > 0 && wait_child(pid, &status) == 0 && rc == CK_OK && !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
		describe_status(how, sizeof(how), status);
		rc = ck__error_set(CK_EIO, "the user namespace helper %s failed after its reply (%s)", path, how);
	}
	if (rc != CK_OK && result) {
		free(*result);
		*result = NULL;
	}
	free(r);
	free(path);
	return rc;
}

/* ---- the helper's side ---- */

static struct reader helper_in = { .fd = CK__USERNS_FD };

void ck__userns_say(const char *fmt, ...)
{
	char buf[LINE_MAX_LEN];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof(buf) - 2)
		n = (int)sizeof(buf) - 2;
	for (int i = 0; i < n; i++)
		if (buf[i] == '\n')
			buf[i] = ' ';
	buf[n++] = '\n';
	for (const char *p = buf; n > 0;) {
		ssize_t w = write(CK__USERNS_FD, p, (size_t)n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			_exit(1); /* the library is gone */
		p += w;
		n -= (int)w;
	}
}

void ck__userns_say_error(void)
{
	const ck_error *e = ck_error_last();

	ck__userns_say("err %d %d %s", e->code < 0 ? e->code : CK_ERROR, e->sys_errno,
	               e->message[0] ? e->message : "unknown error");
}

int ck__userns_enter(void)
{
	pid_t parent = getppid();
	char line[64];

	if (unshare(CLONE_NEWUSER) < 0) {
		int e = errno;
		return ck__error_sys(e == EPERM || e == EINVAL || e == ENOSPC || e == EUSERS ? CK_EUNSUPPORTED : CK_EIO,
		                     e, "cannot create a user namespace%s",
		                     e == EPERM || e == ENOSPC ? " (are unprivileged user namespaces disabled? see "
		                                                 "/proc/sys/user/max_user_namespaces)" : "");
	}
	ck__userns_say("ready");
	if (read_line(&helper_in, line, sizeof(line)) < 0 || strcmp(line, "go") != 0)
		_exit(1); /* the library gave up */
	if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
		return ck__error_errno(CK_EIO, "cannot become root in the user namespace (is 0 mapped?)");
	/* newgidmap may have denied setgroups; then there are none to drop. */
	if (setgroups(0, NULL) < 0 && errno != EPERM)
		return ck__error_errno(CK_EIO, "cannot drop the supplementary groups in the user namespace");
	/* The job dies with the thread that waits for it.  Set last: a change
	 * of credentials (the new namespace, root in it) clears it. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
		return ck__error_errno(CK_EIO, "prctl(PR_SET_PDEATHSIG)");
	if (getppid() != parent)
		_exit(1); /* it died before that */
	return CK_OK;
}

/* The ids mapped without a gap from 0 in a /proc/self/{u,g}id_map. */
static uint32_t span_of(const char *file)
{
	struct range {
		uint32_t inside, size;
	} r[64];
	FILE *f = fopen(file, "re");
	unsigned long a, b, c;
	size_t n = 0;
	uint64_t end = 0;
	bool grew = true;

	if (!f)
		return 0;
	while (n < 64 && fscanf(f, "%lu %lu %lu", &a, &b, &c) == 3)
		r[n++] = (struct range){ (uint32_t)a, (uint32_t)c };
	fclose(f);
	while (grew) {
		grew = false;
		for (size_t i = 0; i < n; i++) {
			if (r[i].inside <= end && (uint64_t)r[i].inside + r[i].size > end) {
				end = (uint64_t)r[i].inside + r[i].size;
				grew = true;
			}
		}
	}
	return end > UINT32_MAX ? UINT32_MAX : (uint32_t)end;
}

void ck__userns_span(uint32_t *uids, uint32_t *gids)
{
	*uids = span_of("/proc/self/uid_map");
	*gids = span_of("/proc/self/gid_map");
}

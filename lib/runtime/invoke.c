/* Runs the OCI runtime (crun, runc) as a child process: posix_spawn (safe
 * in a multithreaded caller, unlike fork), only the stdio fds passed on,
 * the runtime's own state root, and its errors turned into the message of
 * a CK_ERUNTIME.
 *
 * Errors come from the runtime's --log file (JSON lines), because for
 * create and exec the runtime's stderr is the container's stderr and
 * cannot be captured; commands without container stdio also have their
 * stderr captured through a pipe, for what a runtime prints before its
 * logging is set up (a Go panic, a usage error). */
#define _GNU_SOURCE
#include "invoke_int.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define CAPTURE_MAX (1 << 20)   /* captured stdout (state JSON) */

int ck__runtime_open(ck__runtime *rt, ck_context *ctx, const char *name_or_path)
{
	const char *base;
	int rc;

	memset(rt, 0, sizeof(*rt));
	if ((rc = ck__runtime_find(&rt->path, name_or_path)) != CK_OK)
		return rc;
	base = strrchr(rt->path, '/');
	base = base ? base + 1 : rt->path;
	rt->name = ck__strdup(strchr(name_or_path, '/') ? base : name_or_path);
	if (rt->name)
		rt->state_root = ck__asprintf("%s/runtime/%s", ctx->runroot, rt->name);
	if (!rt->name || !rt->state_root) {
		ck__runtime_close(rt);
		return ck__oom();
	}
	if ((rc = ck__mkdir_p(rt->state_root, 0700)) != CK_OK) {
		ck__error_wrap(rc, "cannot create the state root of OCI runtime %s", rt->name);
		ck__runtime_close(rt);
		return rc;
	}
	return CK_OK;
}

void ck__runtime_close(ck__runtime *rt)
{
	if (!rt)
		return;
	free(rt->path);
	free(rt->name);
	free(rt->state_root);
	memset(rt, 0, sizeof(*rt));
}

bool ck__inv_is_crun(const ck__runtime *rt)
{
	return strncmp(rt->name, "crun", 4) == 0;
}

/* ---- one invocation ---- */


static void close_fd(int *fd)
{
	if (*fd >= 0) {
		close(*fd);
		*fd = -1;
	}
}

static int pidfd_open_(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

/* Reads what a pipe holds without waiting; closes it at EOF. */
static void read_ready(ck__invocation *inv, int *fd, bool is_out)
{
	char chunk[8192];
	ck__buf *b = is_out ? &inv->out : &inv->err;

	for (;;) {
		struct pollfd p = { *fd, POLLIN, 0 };
		if (*fd < 0 || poll(&p, 1, 0) <= 0)
			return;
		ssize_t r = read(*fd, chunk, sizeof(chunk));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			close_fd(fd);
			return;
		}
		if (is_out && b->len + (size_t)r > CAPTURE_MAX)
			continue; /* keep reading so the runtime does not block */
		if (!is_out && b->len > 16 * CK__INV_MSG_MAX) {
			/* keep the tail: the last lines say why */
			memmove(b->data, b->data + b->len - 8 * CK__INV_MSG_MAX, 8 * CK__INV_MSG_MAX);
			b->len = 8 * CK__INV_MSG_MAX;
		}
		ck__buf_add(b, chunk, (size_t)r);
	}
}

/* Reads both capture pipes until both reach EOF or the runtime has
 * exited, without blocking on one while the other fills.  A process the
 * runtime left behind may hold the pipes open (crun start's helper waits
 * on the exec fifo for ever when the container died before its start):
 * once the runtime itself has exited (`*reaped`, status in inv->status),
 * everything it wrote is in the pipes already, so what they hold is read
 * and they are let go.  The runtime's exit is seen through a pidfd; a
 * kernel without pidfd_open() makes this look every 50 ms. */
static int drain(ck__invocation *inv, int out_fd, int err_fd, pid_t pid, bool *reaped)
{
	int pidfd = pidfd_open_(pid), rc = CK_OK;

	*reaped = false;
	while (out_fd >= 0 || err_fd >= 0) {
		struct pollfd pfd[3];
		nfds_t n = 0;

		if (out_fd >= 0)
			pfd[n++] = (struct pollfd){ out_fd, POLLIN, 0 };
		if (err_fd >= 0)
			pfd[n++] = (struct pollfd){ err_fd, POLLIN, 0 };
		if (pidfd >= 0)
			pfd[n++] = (struct pollfd){ pidfd, POLLIN, 0 };
		int ready = poll(pfd, n, pidfd >= 0 ? -1 : 50);
		if (ready < 0) {
			if (errno == EINTR)
				continue;
			rc = ck__error_errno(CK_EIO, "%s %s: cannot poll the runtime's output", inv->rt->name, inv->verb);
			break;
		}
		bool exited = pidfd >= 0 ? (pfd[n - 1].revents != 0) : ready == 0;
		pid_t w = exited ? waitpid(pid, &inv->status, WNOHANG) : 0;
		if (w == pid) {
			*reaped = true;
			read_ready(inv, &out_fd, true);
			read_ready(inv, &err_fd, false);
			break;
		}
		if (w < 0 && errno != EINTR)
			close_fd(&pidfd); /* reaped elsewhere: the caller's waitpid says so */
		for (nfds_t i = 0; i < n; i++) {
			if (!pfd[i].revents || pfd[i].fd == pidfd)
				continue;
			if (pfd[i].fd == out_fd)
				read_ready(inv, &out_fd, true);
			else if (pfd[i].fd == err_fd)
				read_ready(inv, &err_fd, false);
		}
	}
	close_fd(&out_fd);
	close_fd(&err_fd);
	close_fd(&pidfd);
	return rc;
}

/* Collects the "msg" of every error-level line of a JSON-lines log. */
char *ck__inv_log_errors(const char *path)
{
	char *text = NULL, *save = NULL;
	ck__buf b = { 0 };

	if (ck__read_file(&text, NULL, path, 4 << 20) != CK_OK) {
		ck__error_clear();
		return NULL;
	}
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		yajl_val v = yajl_tree_parse(line, NULL, 0);
		const char *level = ck__json_str(v, "level"), *msg = ck__json_str(v, "msg");
		if (msg && level &&
		    (!strcmp(level, "error") || !strcmp(level, "fatal") || !strcmp(level, "panic"))) {
			if (b.len)
				ck__buf_puts(&b, "; ");
			ck__buf_puts(&b, msg);
		} else if (!v && *line) {
			if (b.len)
				ck__buf_puts(&b, "; ");
			ck__buf_puts(&b, line); /* not JSON: keep it as it is */
		}
		yajl_tree_free(v);
	}
	free(text);
	if (!b.len) {
		ck__buf_free(&b);
		return NULL;
	}
	char *s = ck__buf_take(&b);
	if (!s)
		ck__error_clear();
	return s;
}

/* Turns the runtime's output into one line of at most CK__INV_MSG_MAX characters,
 * keeping the end, where the cause is. */
static void one_line(char *out, size_t size, const char *text)
{
	size_t n = strlen(text), o = 0;
	const char *p = text;

	while (n && (text[n - 1] == '\n' || text[n - 1] == ' ' || text[n - 1] == '\r'))
		n--;
	if (n > CK__INV_MSG_MAX) {
		p = text + n - CK__INV_MSG_MAX;
		n = CK__INV_MSG_MAX;
		o = (size_t)snprintf(out, size, "...");
	}
	for (size_t i = 0; i < n && o + 1 < size; i++)
		out[o++] = (p[i] == '\n' || p[i] == '\r' || p[i] == '\t') ? ' ' : p[i];
	out[o < size ? o : size - 1] = '\0';
}

/* The runtime's own explanation of a failure. */
void ck__inv_failure_text(char *buf, size_t size, const ck__invocation *inv)
{
	if (inv->log_errors && *inv->log_errors) {
		one_line(buf, size, inv->log_errors);
	} else if (inv->err.len && inv->err.data) {
		char *copy = strndup(inv->err.data, inv->err.len);
		one_line(buf, size, copy ? copy : "");
		free(copy);
	} else if (WIFSIGNALED(inv->status)) {
		snprintf(buf, size, "killed by signal %d", WTERMSIG(inv->status));
	} else {
		snprintf(buf, size, "exited with status %d", WEXITSTATUS(inv->status));
	}
}

static int build_argv(const char **argv, size_t max, ck__invocation *inv, const char *log_path,
                      char **owned)
{
	size_t n = 0;

	argv[n++] = inv->rt->path;
	owned[0] = ck__asprintf("--root=%s", inv->rt->state_root);
	owned[1] = ck__asprintf("--log=%s", log_path);
	if (!owned[0] || !owned[1])
		return ck__oom();
	argv[n++] = owned[0];
	argv[n++] = owned[1];
	argv[n++] = "--log-format=json";
	/* cgroupsPath is written as a path, which only the cgroupfs manager
	 * reads (runc's default; crun picks systemd where it runs). */
	if (ck__inv_is_crun(inv->rt))
		argv[n++] = "--cgroup-manager=cgroupfs";
	argv[n++] = inv->verb;
	for (size_t i = 0; inv->args[i] && n + 2 < max; i++)
		argv[n++] = inv->args[i];
	if (inv->id)
		argv[n++] = inv->id;
	if (inv->after_id)
		argv[n++] = inv->after_id;
	argv[n] = NULL;
	return CK_OK;
}

/* The caller's environment without what would make the runtime act for a
 * service manager the caller runs under (runc and crun proxy
 * NOTIFY_SOCKET into the container; socket activation is not theirs). */
static char **runtime_env(void)
{
	static const char *const drop[] = { "NOTIFY_SOCKET=", "LISTEN_PID=", "LISTEN_FDS=",
		                            "LISTEN_FDNAMES=", NULL };
	size_t n = 0, k = 0;
	char **env;

	while (environ && environ[n])
		n++;
	env = calloc(n + 1, sizeof(*env));
	if (!env)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		bool keep = true;
		for (size_t j = 0; drop[j] && keep; j++)
			keep = !ck__str_has_prefix(environ[i], drop[j]);
		if (keep)
			env[k++] = environ[i];
	}
	env[k] = NULL;
	return env;
}

/* Spawns the runtime; `*out_fd` and `*err_fd` get the read ends of the
 * capture pipes (or -1).  The log file is inv->log_path. */
int ck__inv_spawn(pid_t *pid, int *out_fd, int *err_fd, ck__invocation *inv)
{
	const char *argv[32];
	char *owned[2] = { NULL, NULL };
	int child_fds[3] = { -1, -1, -1 }; /* CLOEXEC copies in this process */
	int out_pipe[2] = { -1, -1 }, err_pipe[2] = { -1, -1 };
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, all;
	char **env;
	int rc = CK_OK, err, log_fd;
	bool fa_ok = false, attr_ok = false;

	*out_fd = *err_fd = -1;
	inv->status = 0;
	if (inv->log_given) {
		snprintf(inv->log_path, sizeof(inv->log_path), "%s", inv->log_given);
		log_fd = open(inv->log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	} else {
		snprintf(inv->log_path, sizeof(inv->log_path), "%s/log-XXXXXX", inv->rt->state_root);
		log_fd = mkostemp(inv->log_path, O_CLOEXEC);
	}
	if (log_fd < 0)
		return ck__error_errno(CK_EIO, "cannot create the log file %s for %s", inv->log_path, inv->rt->name);
	close(log_fd);
	if ((rc = build_argv(argv, sizeof(argv) / sizeof(argv[0]), inv, inv->log_path, owned)) != CK_OK)
		goto out;

	/* Copies above 2 first, so that no dup2 below can clobber a source
	 * that is itself 0, 1 or 2. */
	for (int i = 0; i < 3; i++) {
		if (inv->fds[i] < 0)
			continue;
		child_fds[i] = fcntl(inv->fds[i], F_DUPFD_CLOEXEC, 3);
		if (child_fds[i] < 0) {
			rc = ck__error_errno(CK_EINVAL, "%s %s: fd %d for the runtime's stdio", inv->rt->name,
			                     inv->verb, inv->fds[i]);
			goto out;
		}
	}
	if ((inv->capture_out && pipe2(out_pipe, O_CLOEXEC) < 0) ||
	    (inv->capture_err && pipe2(err_pipe, O_CLOEXEC) < 0)) {
		rc = ck__error_errno(CK_EIO, "cannot create a pipe for %s %s", inv->rt->name, inv->verb);
		goto out;
	}
	if (inv->capture_out) {
		close_fd(&child_fds[1]);
		child_fds[1] = out_pipe[1];
		out_pipe[1] = -1;
	}
	if (inv->capture_err) {
		close_fd(&child_fds[2]);
		child_fds[2] = err_pipe[1];
		err_pipe[1] = -1;
	}

	if ((err = posix_spawn_file_actions_init(&fa)) != 0) {
		rc = ck__error_sys(CK_ENOMEM, err, "posix_spawn_file_actions_init");
		goto out;
	}
	fa_ok = true;
	for (int i = 0; i < 3; i++) {
		if (child_fds[i] >= 0)
			err = posix_spawn_file_actions_adddup2(&fa, child_fds[i], i);
		else
			err = posix_spawn_file_actions_addopen(&fa, i, "/dev/null", i ? O_WRONLY : O_RDONLY, 0);
		if (err)
			break;
	}
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
	/* The library opens everything O_CLOEXEC; this also keeps out what the
	 * embedding program opened without it. */
	if (!err)
		err = posix_spawn_file_actions_addclosefrom_np(&fa, 3);
#endif
	if (err) {
		rc = ck__error_sys(CK_ENOMEM, err, "cannot prepare the stdio of %s %s", inv->rt->name, inv->verb);
		goto out;
	}
	if ((err = posix_spawnattr_init(&attr)) != 0) {
		rc = ck__error_sys(CK_ENOMEM, err, "posix_spawnattr_init");
		goto out;
	}
	attr_ok = true;
	/* The calling thread's blocked signals and handlers are not the
	 * runtime's business: it starts with an empty mask and defaults. */
	sigemptyset(&none);
	sigfillset(&all);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &all);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF |
	                                 (inv->new_session ? POSIX_SPAWN_SETSID : 0));

	env = runtime_env();
	if (!env) {
		rc = ck__oom();
		goto out;
	}
	err = posix_spawn(pid, inv->rt->path, &fa, &attr, (char *const *)argv, env);
	free(env);
	for (int i = 0; i < 3; i++)
		close_fd(&child_fds[i]);
	if (err) {
		rc = ck__error_sys(ck__errno_code(err), err, "cannot run %s (%s)", inv->rt->name, inv->rt->path);
		goto out;
	}
	*out_fd = out_pipe[0];
	*err_fd = err_pipe[0];
	out_pipe[0] = err_pipe[0] = -1;
out:
	if (rc != CK_OK && !inv->log_given)
		unlink(inv->log_path);
	for (int i = 0; i < 3; i++)
		close_fd(&child_fds[i]);
	close_fd(&out_pipe[0]);
	close_fd(&out_pipe[1]);
	close_fd(&err_pipe[0]);
	close_fd(&err_pipe[1]);
	if (fa_ok)
		posix_spawn_file_actions_destroy(&fa);
	if (attr_ok)
		posix_spawnattr_destroy(&attr);
	free(owned[0]);
	free(owned[1]);
	return rc;
}

/* Spawns the runtime and waits for it.  Returns CK_OK once it has exited,
 * whatever its status (inv->status); a negative code if it could not be
 * run or waited for. */
/* Waits for the runtime at most inv->timeout_ms; past that kills the
 * process it runs for us (its pid file), and the runtime if it does not
 * follow within a few seconds.  Leaves the reaping to the caller. */
static void enforce_timeout(ck__invocation *inv, pid_t pid)
{
	int pfd = (int)syscall(SYS_pidfd_open, pid, 0);
	struct pollfd p = { pfd, POLLIN, 0 };
	int r;

	if (pfd < 0)
		return;
	do
		r = poll(&p, 1, inv->timeout_ms);
	while (r < 0 && errno == EINTR);
	if (r == 0) {
		inv->timed_out = true;
		char *text = NULL;
		size_t len = 0;
		if (inv->kill_pidfile && ck__read_file(&text, &len, inv->kill_pidfile, 64) == CK_OK) {
			int victim = atoi(text);
			if (victim > 1)
				kill(victim, SIGKILL);
		}
		free(text);
		ck__error_clear();
		do
			r = poll(&p, 1, 5000);
		while (r < 0 && errno == EINTR);
		if (r == 0)
			kill(pid, SIGKILL);
	}
	close(pfd);
}

int ck__inv_run(ck__invocation *inv)
{
	int out_fd, err_fd, rc;
	bool reaped = false;
	pid_t pid;

	if ((rc = ck__inv_spawn(&pid, &out_fd, &err_fd, inv)) != CK_OK)
		return rc;
	rc = drain(inv, out_fd, err_fd, pid, &reaped);
	if (!reaped && inv->timeout_ms > 0)
		enforce_timeout(inv, pid);
	while (!reaped && waitpid(pid, &inv->status, 0) < 0) {
		if (errno == EINTR)
			continue;
		rc = ck__error_errno(CK_EIO,
		                     "cannot wait for %s %s (pid %d); is SIGCHLD ignored, or does another "
		                     "thread reap every child?",
		                     inv->rt->name, inv->verb, (int)pid);
		break;
	}
	if (rc == CK_OK && !(WIFEXITED(inv->status) && WEXITSTATUS(inv->status) == 0))
		inv->log_errors = ck__inv_log_errors(inv->log_path);
	if (!inv->log_given)
		unlink(inv->log_path);
	return rc;
}

void ck__inv_free(ck__invocation *inv)
{
	ck__buf_free(&inv->out);
	ck__buf_free(&inv->err);
	free(inv->log_errors);
}

bool ck__inv_succeeded(const ck__invocation *inv)
{
	return WIFEXITED(inv->status) && WEXITSTATUS(inv->status) == 0;
}

/* Whether the runtime has a state directory for the container: both crun
 * and runc keep one at <root>/<id>, so its absence means "unknown id"
 * whatever words the runtime chose. */
bool ck__inv_known(const ck__runtime *rt, const char *id)
{
	char *dir = ck__path_join(rt->state_root, id);
	bool ok = !dir || ck__path_exists(dir);
	free(dir);
	return ok;
}

static bool contains_ci(const char *hay, const char *needle)
{
	return hay && strcasestr(hay, needle) != NULL;
}

int ck__runtime_exec_errno(const char *text)
{
	if (contains_ci(text, "not found") || contains_ci(text, "no such file"))
		return ENOENT;
	if (contains_ci(text, "permission denied") || contains_ci(text, "is a directory"))
		return EACCES;
	if (contains_ci(text, "exec format error"))
		return ENOEXEC;
	return 0;
}

/* The error of a failed invocation: CK_ENOTFOUND for an unknown container,
 * CK_ESTATE when it is in the wrong state, CK_ERUNTIME otherwise (with the
 * errno of a process that could not be started, for the verbs that start
 * one). */
int ck__inv_failure(const ck__invocation *inv)
{
	char text[CK__INV_MSG_MAX + 8];
	int code = CK_ERUNTIME;

	ck__inv_failure_text(text, sizeof(text), inv);
	if (inv->id && !ck__inv_known(inv->rt, inv->id))
		return ck__error_set(CK_ENOTFOUND, "container %s is not known to %s (%s %s: %s)", inv->id,
		                     inv->rt->name, inv->rt->name, inv->verb, text);
	if (contains_ci(text, "not running") || contains_ci(text, "not stopped") ||
	    contains_ci(text, "is not in") || contains_ci(text, "cannot start") ||
	    contains_ci(text, "is stopped") || contains_ci(text, "already running") ||
	    contains_ci(text, "not in created state") ||
	    (strcmp(inv->verb, "kill") == 0 && contains_ci(text, "no such process")))
		code = CK_ESTATE;
	ck__error_set(code, "%s %s of container %s failed: %s", inv->rt->name, inv->verb, inv->id ? inv->id : "",
	              text);
	if (code == CK_ERUNTIME && (!strcmp(inv->verb, "exec") || !strcmp(inv->verb, "run") ||
	                            !strcmp(inv->verb, "create") || !strcmp(inv->verb, "start")))
		ck__error_note_errno(ck__runtime_exec_errno(text));
	return code;
}

int ck__inv_check_id(const char *id)
{
	return ck__validate_name(id, "container id");
}

/* Runs a command that has no container stdio. */
int ck__inv_simple(ck__invocation *inv)
{
	int rc;

	inv->fds[0] = inv->fds[1] = inv->fds[2] = -1;
	inv->capture_err = true;
	if ((rc = ck__inv_run(inv)) == CK_OK && !ck__inv_succeeded(inv))
		rc = ck__inv_failure(inv);
	ck__inv_free(inv);
	return rc;
}

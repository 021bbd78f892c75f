/* The OCI runtime's commands (create, run, start, kill, delete, state,
 * exec), each one invocation of it (invoke.c). */
#define _GNU_SOURCE
#include "invoke_int.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* What create and run share: a free id, and --bundle, --pid-file and
 * --console-socket (the last two when given) appended to inv->args at *n.
 * The strings go in owned[], for the caller to free. */
static int bundle_args(ck__invocation *inv, size_t *n, char *owned[3], const char *bundle, const char *pid_file,
                       const char *console_socket)
{
	const ck__runtime *rt = inv->rt;

	if (ck__runtime_has(rt, inv->id))
		return ck__error_set(CK_EEXISTS, "container %s already exists in %s's state (%s/%s)", inv->id,
		                     rt->name, rt->state_root, inv->id);
	owned[0] = ck__asprintf("--bundle=%s", bundle);
	owned[1] = pid_file ? ck__asprintf("--pid-file=%s", pid_file) : NULL;
	owned[2] = console_socket ? ck__asprintf("--console-socket=%s", console_socket) : NULL;
	if (!owned[0] || (pid_file && !owned[1]) || (console_socket && !owned[2]))
		return ck__oom();
	for (int i = 0; i < 3; i++)
		if (owned[i])
			inv->args[(*n)++] = owned[i];
	return CK_OK;
}

int ck__runtime_create(const ck__runtime *rt, const char *id, const char *bundle, const char *pid_file,
                       int stdin_fd, int stdout_fd, int stderr_fd, const char *console_socket)
{
	ck__invocation inv = { .rt = rt, .id = id, .verb = "create" };
	char *owned[3] = { NULL, NULL, NULL };
	size_t n = 0;
	int rc;

	if ((rc = ck__inv_check_id(id)) != CK_OK)
		return rc;
	if (!bundle || bundle[0] != '/')
		return ck__error_set(CK_EINVAL, "container %s: bundle \"%s\" is not an absolute path", id,
		                     bundle ? bundle : "");
	if ((rc = bundle_args(&inv, &n, owned, bundle, pid_file, console_socket)) != CK_OK)
		goto out;
	inv.fds[0] = stdin_fd;
	inv.fds[1] = stdout_fd;
	inv.fds[2] = stderr_fd;
	/* The container's init is left in a session of its own: a ^C on the
	 * caller's terminal is not meant for it. */
	inv.new_session = true;
	if ((rc = ck__inv_run(&inv)) == CK_OK && !ck__inv_succeeded(&inv)) {
		char text[CK__INV_MSG_MAX + 8];
		ck__invocation del = { .rt = rt, .id = id, .verb = "delete", .args = { "--force" } };

		ck__inv_failure_text(text, sizeof(text), &inv);
		/* Whatever the runtime left of the container goes: the id was
		 * free before this call, so it is ours to clean. */
		ck__inv_simple(&del);
		rc = ck__error_set(CK_ERUNTIME, "%s create of container %s (bundle %s) failed: %s", rt->name,
		                   id, bundle, text);
	}
out:
	ck__inv_free(&inv);
	for (int i = 0; i < 3; i++)
		free(owned[i]);
	return rc;
}

bool ck__runtime_run_foreground(const ck__runtime *rt)
{
	return ck__inv_is_crun(rt);
}

int ck__runtime_run_spawn(ck__runtime_run *run, const ck__runtime *rt, const char *id, const char *bundle,
                          const char *pid_file, const char *log_path, int stdin_fd, int stdout_fd, int stderr_fd,
                          const char *console_socket)
{
	ck__invocation inv = { .rt = rt, .id = id, .verb = "run", .log_given = log_path };
	char *owned[3] = { NULL, NULL, NULL };
	int out_fd = -1, err_fd = -1, rc;
	size_t n = 0;

	run->pid = 0;
	run->foreground = ck__runtime_run_foreground(rt);
	if ((rc = ck__inv_check_id(id)) != CK_OK)
		return rc;
	if (!bundle || bundle[0] != '/' || !pid_file || !log_path)
		return ck__error_set(CK_EINVAL, "container %s: run needs an absolute bundle path, a pid file and a log",
		                     id);
	if ((rc = bundle_args(&inv, &n, owned, bundle, pid_file, console_socket)) != CK_OK)
		goto out;
	if (!run->foreground)
		inv.args[n++] = "--detach";
	inv.fds[0] = stdin_fd;
	inv.fds[1] = stdout_fd;
	inv.fds[2] = stderr_fd;
	/* The runtime and the container's init are left in a session of
	 * their own: a ^C on the caller's terminal is not meant for them. */
	inv.new_session = true;
	rc = ck__inv_spawn(&run->pid, &out_fd, &err_fd, &inv);
out:
	ck__inv_free(&inv);
	for (int i = 0; i < 3; i++)
		free(owned[i]);
	return rc;
}

char *ck__runtime_log_errors(const char *log_path)
{
	return ck__inv_log_errors(log_path);
}

int ck__runtime_run_failed(const ck__runtime *rt, const char *id, const char *bundle, const char *log_path,
                           int status)
{
	ck__invocation inv = { .rt = rt, .id = id, .verb = "run", .status = status };
	char text[CK__INV_MSG_MAX + 8];

	inv.log_errors = ck__inv_log_errors(log_path);
	ck__inv_failure_text(text, sizeof(text), &inv);
	ck__inv_free(&inv);
	/* Whatever the runtime left of the container goes: the id was free
	 * before the run, so it is the caller's to clean. */
	if (ck__runtime_has(rt, id) && ck__runtime_delete(rt, id, true) != CK_OK)
		ck__error_clear();
	return ck__error_set(CK_ERUNTIME, "%s run of container %s (bundle %s) failed: %s", rt->name, id, bundle,
	                     text);
}

bool ck__runtime_has(const ck__runtime *rt, const char *id)
{
	return ck__inv_known(rt, id);
}

int ck__runtime_start(const ck__runtime *rt, const char *id)
{
	ck__invocation inv = { .rt = rt, .id = id, .verb = "start" };
	char msg[1024], *status = NULL;
	int rc = ck__inv_check_id(id);

	if (rc || (rc = ck__inv_simple(&inv)) != CK_ERUNTIME)
		return rc;
	/* crun's words for "not in the created state" name only a missing
	 * fifo: ask for the state to tell a wrong state from a failure. */
	snprintf(msg, sizeof(msg), "%s", ck_error_last()->message);
	if (ck__runtime_state(&status, NULL, rt, id) == CK_OK && strcmp(status, "created") != 0)
		rc = ck__error_set(CK_ESTATE, "container %s cannot be started: it is %s (%s)", id, status, msg);
	else
		rc = ck__error_set(CK_ERUNTIME, "%s", msg);
	free(status);
	return rc;
}

int ck__runtime_kill(const ck__runtime *rt, const char *id, int signal, bool all)
{
	ck__invocation inv = { .rt = rt, .id = id, .verb = "kill" };
	char sig[16];
	int rc;

	if ((rc = ck__inv_check_id(id)) != CK_OK)
		return rc;
	if (signal <= 0 || signal >= 65)
		return ck__error_set(CK_EINVAL, "container %s: invalid signal %d", id, signal);
	if (all) {
		/* --all finds the processes through the container's cgroup, which
		 * a rootless container on a v1 host does not have: runc then fails
		 * and crun signals nothing.  Its init is signalled instead; in a
		 * pid namespace of its own, SIGKILL to it ends them all. */
		ck__host host;
		if (ck__host_probe(&host) == CK_OK && host.rootless && host.cgroup_mode != CK__CGROUP_V2)
			all = false;
		ck__error_clear();
	}
	if (all)
		inv.args[0] = "--all";
	snprintf(sig, sizeof(sig), "%d", signal);
	inv.after_id = sig;
	return ck__inv_simple(&inv);
}

int ck__runtime_delete(const ck__runtime *rt, const char *id, bool force)
{
	ck__invocation inv = { .rt = rt, .id = id, .verb = "delete" };
	int rc = ck__inv_check_id(id);

	if (rc)
		return rc;
	if (force)
		inv.args[0] = "--force";
	return ck__inv_simple(&inv);
}

int ck__runtime_state(char **status, int *pid, const ck__runtime *rt, const char *id)
{
	ck__invocation inv = { .rt = rt, .id = id, .verb = "state" };
	yajl_val v = NULL;
	const char *st;
	long long p = 0;
	int rc;

	if (status)
		*status = NULL;
	if (pid)
		*pid = 0;
	if ((rc = ck__inv_check_id(id)) != CK_OK)
		return rc;
	inv.fds[0] = inv.fds[1] = inv.fds[2] = -1;
	inv.capture_out = inv.capture_err = true;
	if ((rc = ck__inv_run(&inv)) != CK_OK)
		goto out;
	if (!ck__inv_succeeded(&inv)) {
		rc = ck__inv_failure(&inv);
		goto out;
	}
	ck__buf_add(&inv.out, "", 1);
	if (inv.out.oom) {
		rc = ck__oom();
		goto out;
	}
	if ((rc = ck__json_parse(&v, inv.out.data, "the runtime's state output", CK_ERUNTIME)) != CK_OK) {
		ck__error_wrap(rc, "%s state of container %s", rt->name, id);
		goto out;
	}
	st = ck__json_str(v, "status");
	if (!st) {
		rc = ck__error_set(CK_ERUNTIME, "%s state of container %s: no \"status\" in its output",
		                   rt->name, id);
		goto out;
	}
	ck__json_int(v, "pid", &p);
	if (status && !(*status = ck__strdup(st))) {
		rc = ck__oom();
		goto out;
	}
	if (pid)
		*pid = (int)p;
out:
	yajl_tree_free(v);
	ck__inv_free(&inv);
	return rc;
}

int ck__runtime_exec(int *exit_code, const ck__runtime *rt, const char *id, const char *process_json_path,
                     int stdin_fd, int stdout_fd, int stderr_fd, bool tty, bool detach)
{
	return ck__runtime_exec_timed(exit_code, NULL, rt, id, process_json_path, stdin_fd, stdout_fd, stderr_fd, tty,
	                              detach, 0, NULL);
}

int ck__runtime_exec_timed(int *exit_code, bool *timed_out, const ck__runtime *rt, const char *id,
                           const char *process_json_path, int stdin_fd, int stdout_fd, int stderr_fd, bool tty,
                           bool detach, int timeout_ms, const char *pid_file)
{
	ck__invocation inv = { .rt = rt, .id = id, .verb = "exec" };
	char *proc = NULL, *pidarg = NULL;
	size_t n = 0;
	int rc;

	if (timed_out)
		*timed_out = false;
	if (exit_code)
		*exit_code = -1;
	if ((rc = ck__inv_check_id(id)) != CK_OK)
		return rc;
	if (!process_json_path)
		return ck__error_set(CK_EINVAL, "exec in container %s: no process.json", id);
	if (tty && detach)
		return ck__error_set(CK_EINVAL, "exec in container %s: a detached exec with a terminal "
		                     "needs a console socket, which this call does not take", id);
	proc = ck__asprintf("--process=%s", process_json_path);
	if (!proc)
		return ck__oom();
	inv.args[n++] = proc;
	if (timeout_ms > 0 && pid_file) {
		if (!(pidarg = ck__asprintf("--pid-file=%s", pid_file))) {
			free(proc);
			return ck__oom();
		}
		inv.args[n++] = pidarg;
		inv.timeout_ms = timeout_ms;
		inv.kill_pidfile = pid_file;
	}
	if (detach)
		inv.args[n++] = "--detach";
	if (tty)
		inv.args[n++] = "--tty";
	inv.fds[0] = stdin_fd;
	inv.fds[1] = stdout_fd;
	inv.fds[2] = stderr_fd;
	if ((rc = ck__inv_run(&inv)) != CK_OK)
		goto out;
	if (timed_out)
		*timed_out = inv.timed_out;
	/* The runtime exits with the process's status; a failure of its own
	 * is told apart by what it logged. */
	if (inv.log_errors || !ck__inv_known(rt, id)) {
		rc = ck__inv_failure(&inv);
	} else if (exit_code) {
		*exit_code = WIFEXITED(inv.status) ? WEXITSTATUS(inv.status) : 128 + WTERMSIG(inv.status);
	}
out:
	ck__inv_free(&inv);
	free(proc);
	free(pidarg);
	return rc;
}

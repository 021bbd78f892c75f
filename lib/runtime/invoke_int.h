/* Private to lib/runtime: one invocation of the OCI runtime (invoke.c),
 * shared by the files that run its commands (commands.c). */
#ifndef CK_RUNTIME_INVOKE_INT_H
#define CK_RUNTIME_INVOKE_INT_H

#include "runtime_int.h"

#include <sys/types.h>

#define CK__INV_MSG_MAX 400 /* runtime output kept in an error message */

typedef struct ck__invocation {
	const ck__runtime *rt;
	const char *id, *verb;
	const char *args[12];   /* after the verb, NULL-terminated */
	const char *after_id;   /* an argument after the id (kill's signal) */
	int fds[3];             /* the child's 0, 1, 2; -1: /dev/null */
	bool capture_out;       /* fds[1] is replaced by a pipe read into `out` */
	bool capture_err;       /* fds[2] is replaced by a pipe read into `err` */
	bool new_session;
	const char *log_given;  /* --log at this path (kept); NULL: a temporary file */
	char log_path[4096];
	/* A limit on the run (ms, 0: none): past it the process whose pid the
	 * runtime wrote to `kill_pidfile` is killed (an exec's), then the
	 * runtime itself if it lingers; `timed_out` says so. */
	int timeout_ms;
	const char *kill_pidfile;
	bool timed_out;
	/* results */
	int status;
	ck__buf out, err;
	char *log_errors;       /* error messages from the runtime's log, or NULL */
} ck__invocation;

bool ck__inv_is_crun(const ck__runtime *rt);
/* Spawns the runtime with inv's stdio; *out_fd and *err_fd are the capture
 * pipes (or -1). */
int ck__inv_spawn(pid_t *pid, int *out_fd, int *err_fd, ck__invocation *inv);
/* Spawns the runtime and waits for it: CK_OK once it has exited, whatever
 * its status (inv->status). */
int ck__inv_run(ck__invocation *inv);
void ck__inv_free(ck__invocation *inv);
bool ck__inv_succeeded(const ck__invocation *inv);
/* Whether the runtime keeps a state directory for `id`. */
bool ck__inv_known(const ck__runtime *rt, const char *id);
/* The error of a failed invocation: CK_ENOTFOUND, CK_ESTATE or CK_ERUNTIME. */
int ck__inv_failure(const ck__invocation *inv);
/* What the runtime said, on one line, for a message. */
void ck__inv_failure_text(char *buf, size_t size, const ck__invocation *inv);
/* The error messages in a runtime's --log file, or NULL. */
char *ck__inv_log_errors(const char *path);
int ck__inv_check_id(const char *id);
/* Runs a command that has no container stdio; its failure is the error. */
int ck__inv_simple(ck__invocation *inv);

#endif

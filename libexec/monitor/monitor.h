/* ck-monitor: the process that owns one running container (see
 * include/containerkit/container.h and lib/container/start.c for how it is
 * started).  It is the subreaper of the container's init, holds its stdio,
 * writes the k8s-file log, serves the attach socket, records every exit in
 * the state store, applies the restart policy and removes --rm containers.
 * It links the static build of the library (containerkit_internal) and uses
 * the container module's interface for it, container/monitor_api.h. */
#ifndef CK_MONITOR_H
#define CK_MONITOR_H

#include "container/monitor_api.h"

#include <pthread.h>
#include <sys/types.h>
#include <unistd.h>

#define MON_MAX_CLIENTS 16

typedef struct mon_client {
	int fd;
	unsigned char hdr[5];
	size_t got, len;
	char *payload;
} mon_client;

typedef struct mon {
	ck_context *ctx;
	const char *id;
	ck__ctr_config cfg;
	ck__runtime rt;
	char *userdata, *rundir, *logpath, *logpath1, *pidfile;
	char *rtlog;          /* the runtime's --log */
	char *exitfifo;       /* opened and closed after each recorded exit: wakes its readers */
	int sync_fd;          /* the report pipe until the first report, then -1 */
	bool attach_wait;     /* wait for an attach client before the runtime runs it */
	int sigfd;            /* signalfd: SIGCHLD, SIGTERM, SIGINT, SIGHUP */
	int listen_fd;        /* the attach socket */
	mon_client clients[MON_MAX_CLIENTS];
	size_t n_clients;
	int out_fd, err_fd;   /* read ends of the container's stdout/stderr (tty: out_fd is the master) */
	int in_fd;            /* write end of its stdin (tty: a dup of the master), or -1 */
	ck__runtime_run run;  /* the runtime's process (run.pid 0: none) */
	bool rt_exited;
	int rt_status;
	pid_t init_pid;
	unsigned long long init_start;
	int init_pidfd;       /* tells when the init is gone, child of ours or not; -1 */
	int init_status;
	bool init_exited;     /* reaped by this process: init_status is its status */
	bool init_gone;       /* gone, reaped by someone else (its runtime) */
	int log_fd;
	int64_t log_size, log_max;
	char log_partial[2]; /* per stream: the last line written was partial */
	pid_t self;           /* this process, for the cgroup thread */
	pthread_t cgroup_thread;
	bool cgroup_started;
	int cgroup_err;       /* the first errno of the cgroup thread, and where */
	char cgroup_failed[256];
	int argc;             /* this process's arguments, for the health worker */
	char **argv;
	char *notify_env;     /* $NOTIFY_SOCKET as the monitor got it (then unset), or NULL */
	pid_t health_pid;     /* the health worker of this run, or 0 */
	ck__slirp slirp;      /* network mode slirp4netns: its process, while a run lasts */
} mon;

/* main.c: the log callback of the monitor's contexts. */
void mon_log_to_stderr(int level, const char *message, void *payload);

/* health.c: sd_notify once the container runs (MAINPID, and READY=1 for
 * --sdnotify=conmon); the health worker of a run, started once it runs and
 * killed when it has ended; the worker's own main (--health-worker). */
void mon_notify_running(mon *m);
void mon_health_start(mon *m);
void mon_health_stop(mon *m);
int mon_health_worker(int argc, char **argv);

/* main.c: the first report, through the pipe the library waits on. */
void mon_report(mon *m, const char *line);

/* start.c: starts one run (`first`: the first, which also reads the record,
 * opens the log and registers the monitor); returns once the container runs
 * (its init is known) or the runtime has failed. */
int mon_run_start(mon *m, bool first);
/* start.c: slirp4netns for the run that has started (network mode
 * slirp4netns), and its end. */
int mon_net_start(mon *m);
void mon_net_stop(mon *m);
/* start.c: after a failed start, whatever started goes (the init, the
 * runtime's container, the runtime process). */
void mon_start_cleanup(mon *m);
/* start.c: kills and reaps what the runtime left among our children. */
void mon_kill_strays(mon *m);

static inline void mon_close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* cgroup.c: moves this process to the monitors' cgroup from a thread of
 * its own (root only); mon_cgroup_finish() waits for it and logs a failure. */
void mon_cgroup_start(mon *m);
void mon_cgroup_finish(mon *m);

/* io.c: the log file */
int mon_log_open(mon *m);
void mon_log_write(mon *m, int stream, const char *data, size_t len);
void mon_log_close(mon *m);

/* io.c: whether the run has ended: the runtime process has exited (crun's
 * foreground run outlives the init) and the init is gone. */
bool mon_ended(mon *m);
/* io.c: the container's stdio and the attach clients, until the run has
 * ended and its output is drained. */
int mon_io_loop(mon *m);
/* io.c: accepts one client (attached starts), waiting at most timeout_ms. */
void mon_accept_wait(mon *m, int timeout_ms);
/* io.c: sends the exit frame to every client and closes them. */
void mon_clients_exit(mon *m, int code);
void mon_clients_close(mon *m);
/* io.c: reaps children; records the runtime's and the init's status when
 * they are among them. */
void mon_reap(mon *m);

#endif

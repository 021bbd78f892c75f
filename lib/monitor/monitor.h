/* ck-monitor: the process that owns one running container (see
 * include/containerkit/container.h and lib/container/start.c for how it is
 * started).  It is the subreaper of the container's init, holds its stdio,
 * writes the k8s-file log, serves the attach socket, records every exit in
 * the state store, applies the restart policy and removes --rm containers.
 * It links the static build of the library and uses the container
 * module's internal API. */
#ifndef CK_MONITOR_H
#define CK_MONITOR_H

#include "container/container_int.h"

#include <sys/types.h>

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
	int sync_fd;          /* the report pipe until the first report, then -1 */
	bool attach_wait;     /* wait for an attach client before `runtime start` */
	int sigfd;            /* signalfd: SIGCHLD, SIGTERM, SIGINT, SIGHUP */
	int listen_fd;        /* the attach socket */
	mon_client clients[MON_MAX_CLIENTS];
	size_t n_clients;
	int out_fd, err_fd;   /* read ends of the container's stdout/stderr (tty: out_fd is the master) */
	int in_fd;            /* write end of its stdin (tty: a dup of the master), or -1 */
	pid_t init_pid;
	unsigned long long init_start;
	int init_status;
	bool init_exited;
	int log_fd;
	int64_t log_size, log_max;
	char log_partial[2]; /* per stream: the last line written was partial */
} mon;

/* io.c: the log file */
int mon_log_open(mon *m);
void mon_log_write(mon *m, int stream, const char *data, size_t len);
void mon_log_close(mon *m);

/* io.c: the container's stdio and the attach clients, until the init has
 * exited and its output is drained. */
int mon_io_loop(mon *m);
/* io.c: accepts one client (attached starts), waiting at most timeout_ms. */
void mon_accept_wait(mon *m, int timeout_ms);
/* io.c: sends the exit frame to every client and closes them. */
void mon_clients_exit(mon *m, int code);
void mon_clients_close(mon *m);
/* io.c: reaps children; records the init's status when it is one of them. */
void mon_reap(mon *m);

#endif

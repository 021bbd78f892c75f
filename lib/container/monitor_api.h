/* The container module's interface for ck-monitor (libexec/monitor), which
 * includes this header and not container_int.h: the record it reads, the
 * state it updates, and the calls it makes on a container's behalf.  The
 * container module implements them (record.c, events.c, health.c, notify.c,
 * podmember.c, attach.c, util.c) and includes this header through
 * container_int.h. */
#ifndef CK_CONTAINER_MONITOR_API_H
#define CK_CONTAINER_MONITOR_API_H

#include "container/container.h"
#include "runtime/runtime.h"
#include "net/net.h"

/* ---- the record: what create wrote (config) and the state it moves
 * through (record.c) ---- */
enum { CK__MNT_BIND = 0, CK__MNT_VOLUME = 1, CK__MNT_TMPFS = 2 };

typedef struct ck__mnt {
	int type;
	char *source;      /* bind: absolute host path; volume: name (NULL: anonymous, named at create) */
	char *destination;
	bool ro;
	char relabel;      /* 0, 'z' or 'Z' */
	bool nocopy;
	char **options;    /* further mount options (propagation, nosuid...), NULL-terminated */
	int64_t tmpfs_size;
	int tmpfs_mode;    /* -1: default */
	bool anonymous;    /* a volume made for this container alone */
	bool created_volume; /* the volume was created by this container's create */
} ck__mnt;

typedef struct ck__ulimit {
	int resource;
	int64_t soft, hard; /* -1: unlimited */
} ck__ulimit;

/* The run settings of podman's run/create flags that 1.1 added (spec_extra.c):
 * the same in the spec and the record (config JSON members of the same names,
 * written only when set). */
typedef struct ck__ctr_extra {
	char **annotations;        /* "KEY=VALUE" */
	char *ipc, *pid, *uts;     /* NULL: private; "host" */
	bool privileged, seccomp_unconfined, no_new_privileges;
	int64_t shm_size;          /* bytes of /dev/shm; 0: 64 MiB */
	char *umask;               /* octal text; NULL: 0022 */
	char *tz;                  /* --tz: a zone of /usr/share/zoneinfo, or "local"; NULL: the image's */
	char *systemd;             /* --systemd as given ("true", "false", "always"), recorded */
	char *log_driver;          /* "none"; NULL or "k8s-file": the log file */
	unsigned int timeout;      /* --timeout: seconds a run may last before its monitor kills it; 0: none */
	/* --add-host ("HOST:IP"), --dns, --dns-search, --dns-option: for
	 * /etc/hosts and resolv.conf; a pod member sharing the pod's network
	 * gets its pod's at create (spec_dns.c). */
	char **add_hosts, **dns, **dns_search, **dns_options;
	char **devices;            /* --device, "HOST:CONTAINER:PERMS" (all three, checked) */
	bool no_hosts;             /* --no-hosts: the image's /etc/hosts */
	char *pid_file;            /* --pidfile: absolute; the init's pid, written at each start */
} ck__ctr_extra;

typedef struct ck__ctr_config {
	ck__ctr_extra extra;
	char *id, *name, *image_id, *image_name, *pod;
	char *image_ref; /* the image as the spec named it (absent in older records) */
	int64_t created;
	char **entrypoint, **command, **args, **env, **cap_add, **cap_drop, **exposed;
	ck__strmap labels;
	char *workdir, *user, *hostname, *init_path, *restart_policy, *runtime, *network;
	uint32_t uid, gid;
	uint32_t *groups;
	size_t n_groups;
	ck__mnt *mounts;
	size_t n_mounts;
	bool read_only, init, tty, stdin_open, remove, rootless;
	ck__ulimit *ulimits;
	size_t n_ulimits;
	int64_t memory, pids_limit, log_size_max;
	double cpus;
	int restart_max;
	ck__port *ports;
	size_t n_ports;
	ck__net_req *nets; /* network "bridge": the networks joined */
	size_t n_nets;
	int stop_signal;
	unsigned int stop_timeout;
	/* In a pod: whether this is its infra container; the infra's id (for a
	 * member of a pod with one); the namespaces it shares ("net", "ipc",
	 * "uts", "pid", "cgroup"), taken from the pod at create. */
	bool pod_infra_self;
	char *pod_infra;
	char **pod_shares;
	/* The argv that created it (empty: made through the API without one)
	 * and the extra file its monitor writes its pid to ("" none). */
	char **create_command;
	char *monitor_pid_file;
	/* The healthcheck (NULL test: none) and sd_notify mode, and the
	 * $NOTIFY_SOCKET of the process that created it ("" if none). */
	char **health_test;
	int64_t health_interval, health_timeout, health_start_period;
	int health_retries, health_on_failure;
	char *sdnotify, *notify_socket;
	/* Not recorded: the infra's pid when a member starts (start.c). */
	int pod_infra_pid;
} ck__ctr_config;
void ck__ctr_config_free(ck__ctr_config *c);

typedef struct ck__ctr_state {
	char status[16];
	int pid, exit_code, monitor_pid;
	int64_t started_at, finished_at;
	unsigned int restart_count;
	unsigned long long monitor_start, init_start;
	bool stop_requested;
	/* Frozen by ck_container_pause(); recorded only while "running", so
	 * any transition out of it (stop, exit) thaws the record too. */
	bool paused;
	char *error;
	/* Health (health.c): "" (none), "starting", "healthy", "unhealthy";
	 * the failing streak; the last results as JSON text (an array of
	 * {"start","end","exit_code","output"}), kept opaque here so that a
	 * listing does not parse it; whether the monitor is to run it again
	 * after it dies (--health-on-failure=restart). */
	char health[12];
	unsigned int health_streak;
	char *health_log;
	bool health_restart;
} ck__ctr_state;
void ck__ctr_state_free(ck__ctr_state *s);

/* Reads the record (either output may be NULL); CK_ENOTFOUND naming it. */
int ck__ctr_read(ck__ctr_config *cfg, ck__ctr_state *st, ck_context *ctx, const char *id);
/* A write transaction over the state: `fn` changes `st` (or returns an
 * error, which aborts); CK_ENOTFOUND when the record is gone. */
typedef int (*ck__ctr_state_fn)(ck__ctr_state *st, void *payload);
int ck__ctr_update(ck_context *ctx, const char *id, ck__ctr_state_fn fn, void *payload);
/* The same with a commit that need not wait for the disk, for the
 * transitions of a run (starting, running, exited), which the boot
 * reconciles: after a power loss the record may show the one before. */
int ck__ctr_update_relaxed(ck_context *ctx, const char *id, ck__ctr_state_fn fn, void *payload);

/* ---- a run's exits, events, pods (util.c, events.c, podmember.c) ----
 * After each exit it records, the monitor opens and closes the FIFO
 * <rundir>/exit.fifo for writing (container_int.h: ck__ctr_watch). */
#define CK__CTR_EXIT_FIFO "exit.fifo"
/* Whether `pid` runs and started at `start` (0: any start time). */
bool ck__proc_alive(int pid, unsigned long long start);
/* Appends a container event (never fails the caller). */
void ck__ctr_event(ck_context *ctx, const ck__ctr_config *c, const char *status, int exit_code);
/* For the monitor, after a member's exit was recorded: with the pod's
 * exit policy "stop" and no other member running, stops the infra. */
void ck__ctr_pod_exited(ck_context *ctx, const ck__ctr_config *c);

/* ---- the attach protocol (attach.c, the monitor) ----
 * Frames on the attach socket: 1 byte type, 4 bytes big-endian length,
 * payload.  Monitor to client: STDOUT, STDERR, EXIT ("CODE").  Client to
 * monitor: STDIN, STDIN_EOF, RESIZE ("ROWS COLS"). */
enum {
	CK__FRAME_STDIN = 0,
	CK__FRAME_STDOUT = 1,
	CK__FRAME_STDERR = 2,
	CK__FRAME_EXIT = 3,
	CK__FRAME_RESIZE = 4,
	CK__FRAME_STDIN_EOF = 5
};
#define CK__FRAME_MAX 65536
/* Binds or connects a unix socket at a path of any length (through
 * /proc/self/fd/DIRFD/NAME). */
int ck__unix_listen(int *out, const char *dir, const char *name);

/* ---- health and sd_notify (health.c, notify.c) ---- */
/* Runs the check once in the running container and records it (as
 * ck_container_healthcheck_run); `*status` the recorded status after it,
 * `*result` (if not NULL) this run's result.  Applies the on-failure action
 * when it turns unhealthy. */
int ck__ctr_health_check(ck_health_status *status, ck_health_status *result, ck_context *ctx,
                         const ck__ctr_config *c);
/* The socket to notify for this container: $NOTIFY_SOCKET of this
 * process, else the one recorded at create; NULL when none. */
const char *ck__ctr_notify_socket(const ck__ctr_config *c);
/* Sends one sd_notify datagram (a path, or "@name" for an abstract
 * socket); CK_EIO naming the socket. */
int ck__notify_send(const char *socket_path, const char *message);
/* Sets the state's health at a start: "starting" with a healthcheck. */
void ck__ctr_health_reset(ck__ctr_state *st, const ck__ctr_config *c);

#endif

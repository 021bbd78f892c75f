/* Private to the container module (and the monitor, which is its other
 * half): the spec and handle layouts, the record's config and state, state
 * transitions, the pieces create and start share, and small helpers.
 *
 * Config JSON (bucket "containers"), written at create; only "name" changes:
 *   {"id","name","image_id","image_name","pod","created" (ns),
 *    "image_ref" (the image as the spec named it; older records lack it),
 *    "entrypoint":[],"command":[],"args":[] (what runs),"env":[],"labels":{},
 *    "workdir","user","uid","gid","groups":[],"hostname",
 *    "mounts":[{"type","source","destination","ro","relabel","nocopy",
 *               "options":[],"tmpfs_size","tmpfs_mode","anonymous","created_volume"}],
 *    "read_only","init","init_path","tty","stdin","remove","rootless",
 *    "cap_add":[],"cap_drop":[],"ulimits":[{"name","resource","soft","hard"}],
 *    "memory","cpus","pids_limit","restart_policy","restart_max","runtime",
 *    "network" (none, host, private, ns:PATH, container:ID, bridge, slirp4netns),
 *    "networks":[{"name","ip","mac","aliases":[]}] (bridge: the networks joined),
 *    "ports":[{"host_ip","host_port","container_port","range","protocol"}],
 *    "exposed_ports":[],"stop_signal","stop_timeout","log_size_max",
 *    in a pod only: "pod_infra_self","pod_infra","pod_shares":[],
 *    with a healthcheck: "health_test":[],"health_interval","health_timeout",
 *    "health_start_period","health_retries","health_on_failure";
 *    "sdnotify","notify_socket"}
 * State JSON (bucket "containers.state"):
 *   {"status","pid","exit_code","started_at","finished_at","restart_count",
 *    "monitor_pid","monitor_start","init_start","stop_requested","paused","error",
 *    with a healthcheck: "health","health_streak","health_log" (JSON text),
 *    "health_restart"}
 *
 * Status values: "creating" (create in progress), "created", "starting"
 * (the library spawned a monitor), "running", "stopping", "restarting"
 * (the monitor applies the restart policy), "exited", "removing" (remove
 * in progress).  A live status whose monitor is gone reads as "unknown".
 * A running container with "paused" true reads as "paused" (pause.c). */
#ifndef CK_CONTAINER_INT_H
#define CK_CONTAINER_INT_H

#include "container.h"
#include "runtime/runtime.h"
#include "net/net.h"
#include "container/monitor_api.h"

#define CK__CTR_DEFAULT_STOP_TIMEOUT 10
#define CK__CTR_DEFAULT_LOG_MAX (10 * 1024 * 1024)
#define CK__CTR_INIT_DEST "/run/ck-init"

/* ---- small containers of strings (util.c) ---- */
/* Copies a NULL-terminated array (NULL gives NULL); CK_ENOMEM. */
int ck__strv_dup(char ***out, const char *const *v);
/* A JSON array of strings, or [] for NULL. */
void ck__strv_gen(yajl_gen g, const char *key, char *const *v);
/* Reads a JSON array of strings into a new NULL-terminated array (never NULL
 * on success). */
int ck__strv_from_json(char ***out, yajl_val arr);

/* ---- processes (util.c) ---- */
/* Waits at most timeout_ms for `pid` to be gone (pidfd); true if it is. */
bool ck__proc_wait_gone(int pid, int timeout_ms);

/* ---- waiting for a monitor to record an exit (util.c) ----
 * After each exit it records, the monitor opens and closes the FIFO
 * <rundir>/exit.fifo for writing, which wakes every reader (POLLHUP).  A
 * waiter opens it before it reads the record, so that nothing recorded
 * after the read goes unseen, and also watches the monitor (a pidfd): its
 * death ends the wait too. */
typedef struct ck__ctr_watch {
	char *fifo;
	int fd;     /* the FIFO's read end, or -1 (opened again when it appears) */
	int pidfd;  /* the monitor, or -1 */
	int pid;
} ck__ctr_watch;
void ck__ctr_watch_open(ck__ctr_watch *w, ck_context *ctx, const char *id);
/* Waits at most `timeout_ms` (-1: no limit) for an exit to be recorded or
 * monitor `pid` (started at `start`) to exit; then the caller reads the
 * record again.  False at once when there is no FIFO: the caller naps. */
bool ck__ctr_watch_wait(ck__ctr_watch *w, int pid, unsigned long long start, int timeout_ms);
void ck__ctr_watch_close(ck__ctr_watch *w);

/* ---- signals (signal.c) ---- */
int ck__signal_parse(int *out, const char *text);
const char *ck__signal_name(int sig); /* "SIGTERM"; NULL for unnamed */

/* ---- the spec (spec.c, envfile.c, mounts.c) ----
 * The types ck__mnt, ck__ulimit and ck__ctr_extra are in monitor_api.h. */
void ck__mnt_free(ck__mnt *m);
int ck__mnt_copy(ck__mnt *dst, const ck__mnt *src);
/* Parses -v and --mount arguments into `m` (CK_EINVAL naming the text). */
int ck__mnt_parse_volume(ck__mnt *m, const char *source, const char *dest, const char *options);
int ck__mnt_parse_mount(ck__mnt *m, const char *text);
/* Refuses z/Z on a system directory (whatever SELinux says). */
int ck__mnt_check_relabel(const ck__mnt *m);
/* Gives a bind mount's source the shared container label (z, and Z for
 * now); called only where SELinux is enabled. */
int ck__mnt_relabel(const ck__mnt *m);

int ck__rlimit_from_name(const char *name);
const char *ck__rlimit_podman_name(int resource);


int ck__ctr_extra_copy(ck__ctr_extra *dst, const ck__ctr_extra *src);
void ck__ctr_extra_free(ck__ctr_extra *x);
void ck__ctr_extra_gen(yajl_gen g, const ck__ctr_extra *x);
/* What the host must have: the zone file of --tz, and each --device a
 * device node (CK_EINVAL, CK_ENOTFOUND naming it). */
int ck__ctr_extra_check(const ck__ctr_extra *x);
/* One recorded --device split in place of a copy: host, container, perms
 * point into `buf` (at least as long as `dev`). */
void ck__ctr_device_split(const char *dev, char *buf, const char **host, const char **ctr, const char **perms);
/* The host's zone file for `tz` (new string). */
char *ck__ctr_tz_path(const char *tz);

struct ck_container_spec {
	ck__ctr_extra extra;
	char *image, *name;
	char **command, **entrypoint;
	bool command_set, entrypoint_set;
	ck__strmap labels;
	ck__strmap env;
	char **env_files;
	char **unset_env;     /* --unsetenv: defaults not given (create only) */
	bool unset_env_all;   /* --unsetenv-all */
	ck__mnt *mounts;
	size_t n_mounts;
	char *workdir, *user, *hostname, *init_path, *runtime, *network;
	char **groups;
	bool replace, init, read_only, remove, tty, stdin_open;
	char **cap_add, **cap_drop;
	ck__ulimit *ulimits;
	size_t n_ulimits;
	int64_t memory, pids_limit, log_size_max;
	double cpus;
	char *restart_policy;
	int restart_max;
	ck__port *ports;
	size_t n_ports;
	ck__net_req *nets; /* networks named by set_network */
	size_t n_nets;
	char *ip, *mac;    /* --ip, --mac-address: for the only network */
	char **aliases;    /* --network-alias */
	int stop_signal;
	unsigned int stop_timeout;
	char *pod;             /* the pod to join (name or id), resolved at create */
	/* Set by lib/pod for an infra container: the pod's id, name and config
	 * record, inserted in the commit that inserts the container. */
	char *infra_pod_id, *infra_pod_name, *infra_pod_config;
	char **infra_pod_shares;
	/* Recorded, never interpreted: the argv that created it, and where
	 * its monitor also writes its pid (podman's --conmon-pidfile). */
	char **create_command;
	char *monitor_pid_file;
	/* Healthcheck and sd_notify (health_spec.c); each *_set says the
	 * caller set it, else the image's HEALTHCHECK or the default applies. */
	char **health_test;    /* NULL: the image's; ["NONE"]: none */
	int64_t health_interval, health_timeout, health_start_period;
	unsigned int health_retries;
	bool health_interval_set, health_timeout_set, health_start_period_set, health_retries_set;
	bool no_healthcheck;
	int health_on_failure;
	char *sdnotify;        /* NULL: "conmon" */
};

/* The network part of the spec (netspec.c): frees the mode, the networks,
 * --ip, --mac-address and the aliases. */
void ck__spec_nets_clear(ck_container_spec *spec);
/* The networks a create records: the mode ("bridge" when networks are
 * joined) and the requests with --ip/--mac-address/--network-alias
 * applied; the default is the default network for a rootful context. */
int ck__spec_nets_resolve(char **mode, ck__net_req **nets, size_t *n, const ck_container_spec *spec,
                          const ck_context *ctx);

/* The first lines of a spec setter: clear the thread's error, refuse a NULL
 * spec or argument, naming the function (spec.c, spec_limits.c, netspec.c,
 * health_spec.c). */
#define NEED_SPEC(fn)                                                                  \
	do {                                                                           \
		CK_ENTER();                                                            \
		if (!spec)                                                             \
			return ck__error_set(CK_EINVAL, "ck_container_spec_" fn ": spec is NULL"); \
	} while (0)
#define NEED_ARG(fn, arg)                                                                  \
	do {                                                                               \
		if (!(arg))                                                                \
			return ck__error_set(CK_EINVAL, "ck_container_spec_" fn ": " #arg " is NULL"); \
	} while (0)

/* Reads an env file into `env` with podman's rules (ck_container_spec_add_env_file). */
int ck__envfile_read(ck__strmap *env, const char *path);
/* Applies one -e text ("K=V", "K", "K*") to `env`; `where` prefixes errors. */
int ck__env_apply(ck__strmap *env, const char *text, const char *where);

/* ---- the record (record.c) ----
 * ck__ctr_config and ck__ctr_state, and the reads and updates the monitor
 * makes, are in monitor_api.h. */

int ck__ctr_config_json(char **out, const ck__ctr_config *c);
/* Streams the JSON (record_parse.c): no tree for the flat fields. */
int ck__ctr_config_parse(ck__ctr_config *c, const char *json);
/* Only the members a listing shows (id, name, image, pod, created, args,
 * labels, runtime, ports); the others stay NULL. */
int ck__ctr_config_parse_summary(ck__ctr_config *c, const char *json);
/* Reads the rest of a summary's record; the summary's members stay where
 * they are (getters handed them out). */
int ck__ctr_config_complete(ck__ctr_config *c, const char *json);
/* A member of a parsed record, or the default. */
long long ck__ctr_json_int(yajl_val t, const char *key, long long dflt);
bool ck__ctr_json_bool(yajl_val t, const char *key);


int ck__ctr_state_json(char **out, const ck__ctr_state *s);
int ck__ctr_state_parse(ck__ctr_state *s, const char *json);
void ck__ctr_state_init(ck__ctr_state *s, const char *status);
/* "running", "starting", "stopping", "restarting": a monitor owns it. */
bool ck__ctr_status_live(const char *status);
/* Whether the recorded monitor still runs. */
bool ck__ctr_monitor_alive(const ck__ctr_state *s);

/* The same inside the caller's write transaction. */
int ck__ctr_update_txn(ck_state_txn *txn, const char *id, ck__ctr_state_fn fn, void *payload);
/* Sets the status only. */
int ck__ctr_set_status(ck_context *ctx, const char *id, const char *status);

/* ---- the handle (container.c) ---- */
struct ck_container {
	ck_context *ctx;
	ck__ctr_config cfg;
	ck__ctr_state st;
	const char *status; /* st.status, or "unknown" when its monitor is gone */
	char *record;       /* a listed handle's config text: cfg holds only the summary */
	ck_port_mapping *port_maps; /* ck_container_port_byindex's copies, made on first use */
};
int ck__ctr_handle(ck_container **out, ck_context *ctx, const char *id, const char *config,
                   const char *state);
/* The same with only the summary read (ck_container_list); the rest is read
 * by ck__ctr_full, which every entry point taking a handle calls first. */
int ck__ctr_handle_summary(ck_container **out, ck_context *ctx, const char *id, const char *config,
                           const char *state);
int ck__ctr_full(ck_container *ctr);
#define CK__CTR_FULL(ctr)                                  \
	do {                                               \
		int full_rc_ = ck__ctr_full(ctr);          \
		if (full_rc_ != CK_OK)                     \
			return full_rc_;                   \
	} while (0)
/* The mounts as the typed list (details.c); the handle is full. */
int ck__ctr_mounts(ck_container_mount_list **out, const ck_container *c);
/* The bodies of ck_container_start and ck_container_wait, for the entry
 * points that start or wait on the way (restart, an attached start): they
 * leave the thread's error to their caller (start.c, wait.c). */
int ck__ctr_start(ck_container *ctr);
int ck__ctr_wait(int *exit_code, ck_container *ctr, int timeout_ms);
/* Resolves a reference and reads the record into the handle. */
int ck__ctr_load(ck_container *ctr, ck_context *ctx, const char *ref);
int ck__ctr_lock(ck__lock *lk, ck_context *ctx, const char *id);

/* ---- running (start.c, oci.c) ---- */
/* The OCI parameters of a container; mounts are owned, the rest borrowed from the config. */
typedef struct ck__oci_build {
	ck__oci_params p;
	ck__mount *mounts;
	size_t n_mounts;
	char **argv;        /* the array only: its strings belong to the config */
	ck__idmap uid_maps[2], gid_maps[2];
	char cgroups_path[96];
	char netns[512];    /* "bridge": the namespace ck__net_setup makes */
	struct { int resource; uint64_t soft, hard; } rl[32];
	char ns_paths[5][48]; /* a pod member's namespaces (podmember.c) */
	char **env;           /* owned when the build adds to the config's (--sdnotify=container) */
	char userns_path[48]; /* a rootless member's: its infra's user namespace */
	ck__oci_device *devices; /* --device, rootful */
	char **device_bufs;      /* their strings (ck__ctr_device_split) */
} ck__oci_build;
int ck__ctr_oci_build(ck__oci_build *b, ck_context *ctx, const ck__ctr_config *c, const char *rootfs,
                      const ck__host *host);
void ck__ctr_oci_build_free(ck__oci_build *b);
/* Writes <userdata>/config.json for the container. */
/* What ck__ctr_write_bundle would refuse, checked at create (nothing is
 * written then). */
int ck__ctr_check_bundle(ck_context *ctx, const ck__ctr_config *c);
int ck__ctr_write_bundle(ck_context *ctx, const ck__ctr_config *c, const char *rootfs);
/* The runtime of the container. */
/* The container's runtime: its own, or the context's. */
const char *ck__ctr_runtime_name(const ck_context *ctx, const ck__ctr_config *c);
int ck__ctr_runtime_open(ck__runtime *rt, ck_context *ctx, const ck__ctr_config *c);

/* Brings a live record whose monitor is gone back to the truth: kills what
 * is left of it, deletes it from the runtime and marks it exited (exit code
 * -1) or created.  Caller holds the lock.  `*fixed` (if not NULL) says
 * whether anything changed. */
int ck__ctr_reconcile(ck_context *ctx, const char *id, bool *fixed);
/* Pauses or resumes a container by id whose lock the caller holds
 * (pause.c); CK_EUNSUPPORTED where it has no cgroup to freeze. */
int ck__ctr_pause_id(ck_context *ctx, const char *id, bool pause);
/* Stops a container by id (stop.c); `locked`: the caller holds its lock. */
int ck__ctr_stop_id(ck_context *ctx, const char *id, int timeout_s, bool locked);
/* Waits (holding nothing) until the monitor has recorded the end of the
 * run: status not live and pid 0, or the monitor gone.  `timeout_ms` -1:
 * for ever.  CK_ETIMEOUT; CK_ENOTFOUND when the record went away. */
int ck__ctr_wait_stopped(ck_context *ctx, const char *id, int timeout_ms, ck__ctr_state *out);

/* ck_container_exec() for a record already read (exec.c): `event`: log an
 * exec event; `timeout_ms` > 0: kill the process past it (`*timed_out`). */
int ck__ctr_exec(int *exit_code, bool *timed_out, ck_context *ctx, const ck__ctr_config *cfg,
                 const char *const *argv, const ck_exec_options *opts, bool event, int timeout_ms);

/* ---- pods (podmember.c) ---- */
/* What a container takes from the pod it joins (or, for an infra
 * container, from the pod being made). */
typedef struct ck__pod_join {
	char *id, *name, *infra, *hostname;
	char **shares;
	/* The pod's --add-host and --dns*: copied into a member that shares
	 * the pod's network. */
	char **add_hosts, **dns, **dns_search, **dns_options;
} ck__pod_join;
/* Resolves the spec's pod (nothing when it has none): CK_ENOTFOUND naming
 * an unknown pod; CK_EINVAL for what only the pod may set (ports, network,
 * hostname). */
int ck__ctr_pod_resolve(ck__pod_join *j, ck_context *ctx, const ck_container_spec *spec);
void ck__pod_join_free(ck__pod_join *j);
bool ck__ctr_pod_shares_ns(char *const *shares, const char *ns);
/* CK_EINVAL naming the flag when a member that shares its pod's network
 * sets --add-host or --dns* of its own (spec_dns.c). */
int ck__ctr_dns_for_member(const ck_container_spec *spec, const char *pod);
/* Fills the config's pod members from `j`. */
int ck__ctr_pod_apply(ck__ctr_config *c, const ck__pod_join *j, bool infra);
/* In the create's commit: an infra container inserts its pod's record;
 * a member checks that the pod is still there; both record membership. */
int ck__ctr_pod_insert_txn(ck_state_txn *txn, const ck__ctr_config *c, const ck_container_spec *spec);
/* Points a member's shared namespaces at its infra's (c->pod_infra_pid). */
void ck__ctr_pod_namespaces(ck__oci_build *b, const ck__ctr_config *c);
/* Rootless: a member that shares namespaces with its infra joins the
 * infra's user namespace, which owns them. */
void ck__ctr_pod_userns(ck__oci_build *b, const ck__ctr_config *c);
/* The slirp4netns of a container whose monitor died (ends it, removes
 * its files in the run directory); nothing recorded is success. */
int ck__ctr_slirp_cleanup(ck_context *ctx, const char *id);
/* What the network check needs of container `id` (netuse.c, a
 * ck__net_owner_fn): 0 gone, 1 idle, 2 running or held. */
int ck__ctr_net_owner(ck_context *ctx, const char *id, void *payload);

/* ---- the attach protocol (attach.c; frames: monitor_api.h) ---- */
/* Writes one whole frame (blocking); CK_EIO. */
int ck__frame_write(int fd, int type, const void *data, size_t len);
/* The client side of ck__unix_listen (monitor_api.h). */
int ck__unix_connect(int *out, const char *dir, const char *name);
/* Runs the client side of an attach on a connected socket until the exit
 * frame or EOF.  `*exit_code` -1 when no exit frame came. */
int ck__attach_run(int *exit_code, int sock, const ck_attach_options *opts, bool tty, bool stdin_open);
/* A pidfd of the process at the other end of a connected attach socket
 * (the monitor), or -1. */
int ck__attach_peer_pidfd(int sock);

/* ---- the monitor's side (spawned by start.c) ---- */
/* Path of the ck-monitor executable (ck__libexec_find()). */
int ck__monitor_path(char **out, ck_context *ctx);

/* ---- events: ck__ctr_event (monitor_api.h) ---- */

/* ---- health and sd_notify (health.c, health_spec.c, notify.c) ---- */
#define CK__HEALTH_LOG_MAX 5
#define CK__HEALTH_OUTPUT_MAX 4096
#define CK__NOTIFY_DEST "/run/notify/notify.sock"
/* Podman's defaults. */
#define CK__HEALTH_DEFAULT_INTERVAL (30LL * 1000000000)
#define CK__HEALTH_DEFAULT_TIMEOUT (30LL * 1000000000)
#define CK__HEALTH_DEFAULT_RETRIES 3
/* An image's HEALTHCHECK (config.Healthcheck: Test, Interval, Timeout,
 * StartPeriod, Retries; 0 where unset). */
typedef struct ck__health_image {
	char **test;
	int64_t interval, timeout, start_period;
	int retries;
} ck__health_image;
/* Fills the config's healthcheck from the spec and the image's, checks
 * --sdnotify against it, and records $NOTIFY_SOCKET.  CK_EINVAL for a
 * conflict. */
int ck__ctr_health_config(ck__ctr_config *c, const ck_container_spec *spec, const ck__health_image *img);
ck_health_status ck__health_status_parse(const char *text);

/* ---- files inside a root filesystem (rootpath.c) ---- */
/* Opens `path` inside the root `root_fd` with every symbolic link resolved
 * inside it (openat2 RESOLVE_IN_ROOT). */
int ck__root_open(int *out, int root_fd, const char *path, int flags, mode_t mode);
/* mkdir -p of `path` inside the root. */
int ck__root_mkdir_p(int root_fd, const char *path, mode_t mode);
/* Copies what directory `sdir` holds into directory `ddir` (cp.c), with
 * *at() calls and O_NOFOLLOW. */
int ck__copy_dir_contents(int sdir, int ddir, const char *shown);

/* ---- before a start (materialize.c) ---- */
/* Makes the container's directories, its working directory in `rootfs`,
 * the copy-up of its new volumes and its /etc files (not synced). */
/* `net` (NULL without a bridge network): the addresses and resolvers for
 * /etc/hosts and /etc/resolv.conf. */
int ck__ctr_materialize(ck_context *ctx, const ck__ctr_config *c, const char *rootfs, const ck__net_result *net);

/* ---- users (user.c) ---- */
/* Reads a small file (<= 4 MiB) of the root filesystem resolved inside it;
 * "" when it does not exist. */
int ck__root_read_file(char **out, const char *rootfs, const char *file);
/* An image's /etc/passwd and /etc/group ("" when absent), read from a
 * mounted root filesystem or straight from the image's layers. */
typedef struct ck__userdb {
	char *passwd, *group;
} ck__userdb;
int ck__userdb_from_rootfs(ck__userdb *db, const char *rootfs);
int ck__userdb_from_layers(ck__userdb *db, char **dirs, size_t n, bool rootless);
void ck__userdb_free(ck__userdb *db);
/* Resolves "UID[:GID]" or "NAME[:GROUP]" against the database; adds the
 * user's supplementary groups when `with_groups`; `*home` (if not NULL)
 * gets the home directory or NULL. */
int ck__user_resolve(uint32_t *uid, uint32_t *gid, uint32_t **groups, size_t *n_groups, char **home,
                     const ck__userdb *db, const char *user, bool with_groups);
/* Resolves one group name or number. */
int ck__group_resolve(uint32_t *gid, const ck__userdb *db, const char *group);

#endif

/* Internal API of the runtime module, for the container and pod modules:
 * what the host can do (cgroup mode, rlimits, runtimes), the OCI runtime
 * configuration (config.json) a container runs with, the OCI runtime's
 * command line (crun or runc), and cgroup limits and statistics.  It knows
 * nothing about records: the container module hands it plain parameters. */
#ifndef CK_RUNTIME_H
#define CK_RUNTIME_H

#include "core/core.h"

#include <sys/resource.h>

/* ---- the runtime's words (invoke.c) ---- */
/* The errno behind a runtime's failure to start a container's process, read
 * from its message: ENOENT (not found, no such file), EACCES (permission
 * denied, a directory), ENOEXEC (exec format error), or 0.  crun and runc
 * report these only as text; callers get them typed in sys_errno. */
int ck__runtime_exec_errno(const char *text);

/* ---- host (host.c) ---- */
typedef enum ck__cgroup_mode { CK__CGROUP_V1, CK__CGROUP_V2, CK__CGROUP_HYBRID } ck__cgroup_mode;

typedef struct ck__host {
	ck__cgroup_mode cgroup_mode;
	/* Hybrid host whose cgroup2 hierarchy still has controllers bound
	 * (crun refuses to run there); the fix is named in messages. */
	bool hybrid_controllers_on_v2;
	bool rootless;
	bool selinux_enabled;
	struct rlimit nofile, nproc; /* the caller's limits, inherited by containers */
} ck__host;

/* Probes the host once per call (cheap: a few stat/read calls). */
int ck__host_probe(ck__host *out);

/* Resolves a runtime name ("crun", "runc") or absolute path to an
 * executable path.  CK_ENOTFOUND naming the runtime and the fix
 * ("apt-get install crun") when missing. */
int ck__runtime_find(char **path, const char *name);
/* Whether a runtime name or path is crun (its builds are named crun*). */
bool ck__runtime_is_crun(const char *name_or_path);

/* Checks that `runtime` can run on this host; on a hybrid host with crun,
 * either applies the documented fix (rebinding hugetlb to v1, when root and
 * allowed by CK_FIX_HYBRID_CGROUPS != 0) or fails with CK_EUNSUPPORTED
 * naming the command that fixes it and that runc works.  The fix is
 * logged at CK_LOG_INFO, changes the host for every process, and is
 * idempotent; probe again afterwards (`host` is not updated). */
int ck__runtime_host_check(ck_context *ctx, const ck__host *host, const char *runtime_path);

/* ---- OCI config (oci_config.c, oci_defaults.c, seccomp.c) ---- */
typedef struct ck__idmap {
	uint32_t container_id, host_id, size;
} ck__idmap;

/* podman's rootless mappings for the calling user: container 0 -> the
 * user's own uid/gid, container 1.. -> the user's range in /etc/subuid and
 * /etc/subgid.  CK_ENOTFOUND naming the file and the usermod command that
 * adds a range. */
int ck__host_idmaps(ck__idmap uid_maps[2], size_t *n_uid, ck__idmap gid_maps[2], size_t *n_gid);

typedef struct ck__mount {
	char *destination, *type, *source;
	char **options; /* NULL-terminated */
} ck__mount;

/* A host device made in the container (linux.devices) and allowed by its
 * device cgroup with `access` ("rwm" or a part of it). */
typedef struct ck__oci_device {
	const char *path;             /* in the container */
	char type;                    /* 'c' or 'b' */
	int64_t major, minor;
	uint32_t mode, uid, gid;      /* the node's permission bits and owner */
	const char *access;
} ck__oci_device;

typedef struct ck__oci_params {
	const char *rootfs;           /* absolute path of the root filesystem */
	bool readonly_rootfs;
	char **args;                  /* NULL-terminated, non-empty */
	char **env;                   /* "K=V", NULL-terminated */
	const char *cwd;              /* default "/" */
	uint32_t uid, gid;
	uint32_t *additional_gids;
	size_t n_additional_gids;
	const char *hostname;
	bool terminal;
	ck__mount *mounts;            /* in addition to the standard ones */
	size_t n_mounts;
	char **cap_add, **cap_drop;   /* "CAP_NET_ADMIN" or "NET_ADMIN"; "ALL" allowed */
	struct { int resource; uint64_t soft, hard; } *rlimits; /* RLIMIT_*; extra --ulimit values */
	size_t n_rlimits;
	bool no_new_privileges;
	bool seccomp;                 /* the default profile (podman's default blocks) */
	/* With `seccomp`, also hand the profile over compiled to BPF, in crun's
	 * annotation run.oci.seccomp_bpf_data, so that crun does not compile it
	 * at every start.  For crun only: runc does not know the annotation.
	 * Compiled programs are kept in seccomp_cache_dir (NULL: not kept). */
	bool seccomp_bpf;
	const char *seccomp_cache_dir;
	bool init;                    /* --init: the caller puts an init binary as args[0] */
	/* Namespaces: "none" or NULL (new, loopback only), "host" (share the
	 * host's), or "ns:/proc/PID/ns/net"-style paths to join (pods). */
	const char *network;
	/* NULL or "private": new namespace; "host": the host's (no hostname
	 * then); "ns:PATH" or an absolute path: join it (hostname ignored). */
	const char *ipc, *uts, *pid;
	/* The cgroup namespace, as ipc; used only on a cgroup v2 host (others
	 * give containers none). */
	const char *cgroupns;
	/* Rootless: NULL, a new user namespace mapped as below; or an
	 * absolute path (a pod's infra's /proc/PID/ns/user) to join, which
	 * must be joined for the namespaces that the infra's user namespace
	 * owns (net, ipc, uts).  Joined, the mappings are that namespace's. */
	const char *userns;
	/* "ck/<id>" (v1/v2 path under the root; written absolute, "/ck/<id>",
	 * so crun and runc agree; left out for a rootless v1 container). */
	const char *cgroups_path;
	int64_t memory_limit;         /* bytes, 0 none */
	double cpus;                  /* 0 none */
	int64_t pids_limit;           /* 0 none */
	bool rootless;                /* user namespace mapped from subuid/subgid */
	uint32_t uid_map_host, gid_map_host, map_size; /* rootless: container 0 -> host id */
	char **annotations;           /* "k=v" */
	int64_t shm_size;             /* bytes of the /dev/shm tmpfs; 0: 64 MiB */
	const char *umask;            /* the process's umask, octal text; NULL: 0022 */
	/* Rootless: explicit mappings (podman's layout needs two ranges:
	 * 0 -> the user's own id, 1.. -> the subordinate range; see
	 * ck__host_idmaps).  When n_uid_maps is 0 the single range above is used. */
	const struct ck__idmap *uid_maps, *gid_maps;
	size_t n_uid_maps, n_gid_maps;
	/* The env is whole (a container's, made at create): no PATH or TERM is
	 * added, so that what --unsetenv took away stays away. */
	bool env_complete;
	const ck__oci_device *devices; /* --device, rootful (rootless binds them) */
	size_t n_devices;
} ck__oci_params;

/* Writes <bundle>/config.json (atomically, mode 0600).  Every value the
 * host cannot grant (an rlimit above the hard limit: CK_EPERM; a cgroup
 * limit on a rootless v1 host: CK_EUNSUPPORTED; a capability outside the
 * caller's bounding set: CK_EPERM) fails with a message naming it, or is
 * clamped where podman clamps (rlimits inherited from the caller are never
 * raised; the default and "ALL" capability sets are cut to the bounding
 * set).  Nothing is written when it fails.  The seccomp profile is an
 * allow-list equivalent to podman's default (seccomp.c says why). */
int ck__oci_config_write(ck_context *ctx, const char *bundle, const ck__oci_params *p, const ck__host *host);
/* Everything ck__oci_config_write would refuse (capabilities, rlimits
 * above the host's ...), without writing anything. */
int ck__oci_config_check(const ck__oci_params *p, const ck__host *host);

/* ---- invoking the runtime (invoke.c, commands.c) ---- */
/* Every invocation uses posix_spawn (safe in multithreaded callers), passes
 * only the given fds (others are CLOEXEC, and closefrom(3) runs in the
 * child), starts the runtime with no blocked signals and default handlers,
 * hides NOTIFY_SOCKET/LISTEN_* from it, turns its --log (and, where it has
 * no container stdio, its stderr) into the error message on failure (the
 * end of it, <= ~400 characters), and gives it its own state root under the
 * run root (--root <runroot>/runtime/<name>); crun also gets
 * --cgroup-manager=cgroupfs, as cgroupsPath is a path.
 * Failures: CK_ENOTFOUND when the runtime does not know the id, CK_ESTATE
 * when the container is in the wrong state for the command, CK_ERUNTIME
 * otherwise; CK_EINVAL for an id that is not [a-zA-Z0-9][a-zA-Z0-9_.-]*.
 * The runtime is waited for with waitpid(): a caller that ignores SIGCHLD
 * or reaps every child elsewhere breaks that (CK_EIO). */
typedef struct ck__runtime {
	char *path;       /* resolved executable */
	char *name;       /* "crun", "runc" */
	char *state_root; /* --root */
} ck__runtime;
int ck__runtime_open(ck__runtime *rt, ck_context *ctx, const char *name_or_path);
void ck__runtime_close(ck__runtime *rt);
/* `create` with stdio fds (-1: /dev/null) and a pid file; does not wait for
 * the container process.  The container's init is the child of the
 * runtime, which exits: it is not the caller's child (a subreaper, such as
 * the monitor, gets its exit status; pidfd_open() can wait for it), and it
 * runs in a session of its own.  CK_EEXISTS when the runtime already has
 * the id; on failure whatever the runtime left is deleted. */
int ck__runtime_create(const ck__runtime *rt, const char *id, const char *bundle, const char *pid_file,
                       int stdin_fd, int stdout_fd, int stderr_fd, const char *console_socket);
int ck__runtime_start(const ck__runtime *rt, const char *id);
/* `run`: the container is created and started by one command, which the
 * caller waits for (it is the caller's child; reap it).  crun's run stays
 * in the foreground (`foreground`): the container's init is its child, and
 * when the init exits it removes its own state and exits with the init's
 * status (128+N after signal N).  It writes the pid file (opened, written,
 * closed: it may name the write end of the caller's pipe, /proc/PID/fd/N)
 * once the container runs; if it fails before, it exits non-zero with no
 * pid written.  runc's foreground run would keep a terminal to itself, so
 * runc gets `run --detach`, which exits once the container runs, like
 * create+start: its init is orphaned (a subreaper gets it) and its state
 * stays until a delete.  `log_path` is the runtime's --log (truncated
 * first, left to the caller); the container runs in a session of its own.
 * CK_EEXISTS when the runtime already has the id. */
typedef struct ck__runtime_run {
	pid_t pid;       /* the runtime's process */
	bool foreground; /* it lives as long as the container */
} ck__runtime_run;
bool ck__runtime_run_foreground(const ck__runtime *rt);
int ck__runtime_run_spawn(ck__runtime_run *run, const ck__runtime *rt, const char *id, const char *bundle,
                          const char *pid_file, const char *log_path, int stdin_fd, int stdout_fd, int stderr_fd,
                          const char *console_socket);
/* The error of a `run` that exited with `status` before the container ran
 * (CK_ERUNTIME with the runtime's words); deletes what it left. */
int ck__runtime_run_failed(const ck__runtime *rt, const char *id, const char *bundle, const char *log_path,
                           int status);
/* The error messages a runtime wrote to its --log, or NULL. */
char *ck__runtime_log_errors(const char *log_path);
/* Whether the runtime keeps state for the container (a stat of its
 * directory under --root: no command runs). */
bool ck__runtime_has(const ck__runtime *rt, const char *id);
/* `all` signals every process of the container's cgroup; a rootless
 * container on a v1 host has none, so there only init is signalled. */
int ck__runtime_kill(const ck__runtime *rt, const char *id, int signal, bool all);
/* `pause` (freezes every process of the container's cgroup) or `resume`
 * (thaws them).  The caller refuses a container without a cgroup (rootless
 * on a v1 host), where both runtimes would fail less clearly. */
int ck__runtime_pause(const ck__runtime *rt, const char *id, bool pause);
/* Without `force`, CK_ESTATE for a running container; with it, an unknown
 * id is not an error (both runtimes say so). */
int ck__runtime_delete(const ck__runtime *rt, const char *id, bool force);
/* `state`: status ("created", "running", "stopped") and pid; CK_ENOTFOUND
 * when the runtime does not know the container. */
int ck__runtime_state(char **status, int *pid, const ck__runtime *rt, const char *id);
/* `exec` of a process.json written by the caller; waits when !detach and
 * sets *exit_code to the process's status (128+N for signal N); a failure
 * of the runtime itself (say, no such command) is CK_ERUNTIME, told apart
 * by what the runtime logged.  The process's terminal setting comes from
 * process.json; with `tty` the runtime needs a terminal on stdin, and
 * `tty` with `detach` is CK_EINVAL (it needs a console socket). */
int ck__runtime_exec(int *exit_code, const ck__runtime *rt, const char *id, const char *process_json_path,
                     int stdin_fd, int stdout_fd, int stderr_fd, bool tty, bool detach);
/* The same, killing the process after `timeout_ms` (0: no limit): the
 * runtime writes its pid to `pid_file`.  `*timed_out` says it was killed. */
int ck__runtime_exec_timed(int *exit_code, bool *timed_out, const ck__runtime *rt, const char *id,
                           const char *process_json_path, int stdin_fd, int stdout_fd, int stderr_fd, bool tty,
                           bool detach, int timeout_ms, const char *pid_file);
/* Writes the process.json for exec (args, env, cwd, user, terminal) using
 * the container's config as a base. */
int ck__oci_process_write(const char *path, const ck__oci_params *p);

/* ---- cgroups (cgroup.c) ---- */
typedef struct ck__stats {
	uint64_t cpu_ns;           /* total CPU time */
	uint64_t mem_usage;
	uint64_t mem_limit;        /* the host's RAM when there is no limit */
	uint64_t pids;
	uint64_t blk_read, blk_write;
	uint64_t net_rx, net_tx;   /* from /proc/<pid>/net/dev inside the netns */
	int64_t sampled_ns;        /* CLOCK_MONOTONIC, for rates */
} ck__stats;
/* Reads the statistics of the container whose cgroup path is
 * `cgroups_path` (as given in the config) and whose init pid is `pid`, on
 * v1, v2 and hybrid hosts.  The cgroup is found through /proc/<pid>/cgroup
 * (cgroups_path when the pid is gone); counters a host lacks stay 0.
 * CK_ENOTFOUND when neither leads to a cgroup (the container is gone);
 * CK_EUNSUPPORTED for a rootless container on a v1 host (no cgroup). */
int ck__cgroup_stats(ck__stats *out, const ck__host *host, const char *cgroups_path, int pid);

#endif

/* Containers: the lifecycle of OCI containers run from local images, as
 * `podman create/start/run/stop/kill/rm/wait/logs/exec/inspect/ps/port/
 * rename/stats/top/cp` manage them.
 *
 * A container is a record in the state store plus a root filesystem and a
 * bundle on disk.  While it runs, a small monitor process shipped with the
 * library (ck-monitor, found as context.h says under "Helper programs")
 * owns it: it runs the OCI runtime (crun or runc),
 * writes the container's output to a log file, serves attach, records the
 * exit code, applies the restart policy and removes --rm containers.  The
 * calling program may exit at any time: containers keep running.
 *
 * A ck_container handle is a snapshot of the record taken when it was looked
 * up (or last refreshed); it is not thread-safe, but several handles to the
 * same container may be used from several threads or processes: every
 * operation is serialized per container.  Getters return borrowed values that
 * live until the handle is freed or refreshed.
 *
 * A ck_container_spec is a builder filled in before ck_container_create(); it
 * is not thread-safe.  Setters validate what they can at once (CK_EINVAL
 * naming the bad value); everything that depends on the image or the host is
 * checked by ck_container_create(). */
#ifndef CONTAINERKIT_CONTAINER_H
#define CONTAINERKIT_CONTAINER_H

#include "common.h"
#include "image.h"

CK_BEGIN_DECLS

typedef struct ck_container ck_container;
typedef struct ck_container_spec ck_container_spec;

/* ------------------------------------------------------------------ spec */

/** A new, empty spec.  Everything not set comes from the image's config
 *  (Entrypoint, Cmd, Env, WorkingDir, User, ExposedPorts) or from podman's
 *  defaults: a generated name, network "none" (as in 1.0: the ck CLI, as
 *  podman, asks for "bridge" when rootful), restart policy "no", the
 *  context's OCI runtime, stop signal SIGTERM with a 10 s timeout, a 10 MiB
 *  log.  Free with ck_container_spec_free(). */
CK_EXTERN int ck_container_spec_new(ck_container_spec **out);
/** Accepts NULL. */
CK_EXTERN void ck_container_spec_free(ck_container_spec *spec);

/** The image to run: a name (normalized as for ck_image_lookup()), a full or
 *  prefix id, or a digest reference.  Required. */
CK_EXTERN int ck_container_spec_set_image(ck_container_spec *spec, const char *image);
/** The container's name: [a-zA-Z0-9][a-zA-Z0-9_.-]*, at most 253 bytes.
 *  Containers and pods share one namespace of names. */
CK_EXTERN int ck_container_spec_set_name(ck_container_spec *spec, const char *name);
/** The command (NULL-terminated), replacing the image's Cmd.  NULL restores
 *  the image's Cmd. */
CK_EXTERN int ck_container_spec_set_command(ck_container_spec *spec, const char *const *argv);
/** The entrypoint (NULL-terminated), replacing the image's Entrypoint.  An
 *  empty array (just NULL) means none, as `--entrypoint ""`; the argument
 *  NULL restores the image's. */
CK_EXTERN int ck_container_spec_set_entrypoint(ck_container_spec *spec, const char *const *argv);

/** Adds or replaces a label.  `key` must be non-empty; `value` may be "". */
CK_EXTERN int ck_container_spec_set_label(ck_container_spec *spec, const char *key, const char *value);
/** Adds a label from "KEY=VALUE" (or "KEY": empty value), as --label. */
CK_EXTERN int ck_container_spec_add_label_string(ck_container_spec *spec, const char *key_value);

/** Sets one environment variable.  `key` must be non-empty, without '=' or
 *  whitespace.  Variables set here win over env files and the image's Env. */
CK_EXTERN int ck_container_spec_set_env(ck_container_spec *spec, const char *key, const char *value);
/** Adds environment from one -e argument, with podman's rules: "K=V" sets
 *  K; a bare "K" copies K from the caller's environment (nothing if unset);
 *  "K*" copies every variable of the caller whose name starts with K.  The
 *  caller's environment is read here, when the setter is called. */
CK_EXTERN int ck_container_spec_add_env_string(ck_container_spec *spec, const char *text);
/** Adds an env file (--env-file), read at ck_container_create() with
 *  podman's rules: leading whitespace is ignored; empty lines and lines
 *  starting with '#' are skipped; "K=V" sets K to V exactly (no quoting);
 *  a bare "K" copies K from the caller's environment; "K*" copies every
 *  variable with that prefix.  A bad line ("=V", a name with whitespace)
 *  fails with CK_EINVAL naming the file and the line number.  Files are
 *  applied in the order they were added, after the image's Env and before
 *  the variables set with the two setters above. */
CK_EXTERN int ck_container_spec_add_env_file(ck_container_spec *spec, const char *path);

/** Adds a volume, as -v SRC:DST[:OPTIONS].  `source` is an absolute host
 *  path (or one starting with "./" or "../", made absolute against the
 *  current directory), or the name of a named volume, created on first use;
 *  NULL makes an anonymous volume.  `destination` is an absolute path in the
 *  container.  `options` is NULL or a comma-separated list of: ro, rw, z, Z
 *  (SELinux relabelling of a host path with the shared container label,
 *  done at create where SELinux is enabled and accepted as a no-op where it
 *  is not; refused for system directories such as /, /usr, /etc, /home,
 *  /var), nosuid, nodev, noexec, suid, dev, exec, bind, rbind,
 *  private, rprivate, shared, rshared, slave, rslave, nocopy. */
CK_EXTERN int ck_container_spec_add_volume(ck_container_spec *spec, const char *source,
                                           const char *destination, const char *options);
/** The same from one -v argument: "SRC:DST[:OPTIONS]" or "DST" (anonymous). */
CK_EXTERN int ck_container_spec_add_volume_string(ck_container_spec *spec, const char *text);
/** Adds a mount from one --mount argument: comma-separated key=value pairs,
 *  "type=bind|volume|tmpfs" first or anywhere; "source"/"src",
 *  "target"/"destination"/"dst", "ro"/"readonly"[=true|false], "rw",
 *  "relabel=shared|private" (as z and Z), "bind-propagation=...",
 *  "tmpfs-size=BYTES[kmg]", "tmpfs-mode=OCTAL", "nosuid", "nodev",
 *  "noexec", "volume-nocopy".  A tmpfs has no source. */
CK_EXTERN int ck_container_spec_add_mount_string(ck_container_spec *spec, const char *text);

/** The working directory (absolute), replacing the image's WorkingDir.  It is
 *  created in the root filesystem if it does not exist. */
CK_EXTERN int ck_container_spec_set_workdir(ck_container_spec *spec, const char *dir);
/** The user: "UID[:GID]", "NAME[:GROUP]" (looked up in the image's
 *  /etc/passwd and /etc/group at create), replacing the image's User. */
CK_EXTERN int ck_container_spec_set_user(ck_container_spec *spec, const char *user);
/** Adds a supplementary group (--group-add): a number or a group name of the
 *  image's /etc/group. */
CK_EXTERN int ck_container_spec_add_group(ck_container_spec *spec, const char *group);
/** The hostname; default: the first 12 characters of the id. */
CK_EXTERN int ck_container_spec_set_hostname(ck_container_spec *spec, const char *hostname);

/** Boolean settings, each off by default; `on` is 0 or 1. */
/** --replace: remove an existing container of the same name first (with
 *  force, as `podman run --replace`). */
CK_EXTERN int ck_container_spec_set_replace(ck_container_spec *spec, int on);
/** --init: run an init (catatonit or tini) as PID 1 that reaps zombies and
 *  forwards signals.  The init is taken from ck_container_spec_set_init_path(),
 *  else found on the host (/usr/libexec/podman/catatonit,
 *  /usr/bin/catatonit, /usr/bin/tini-static, /usr/bin/tini); create fails
 *  with CK_ENOTFOUND naming the package to install when there is none. */
CK_EXTERN int ck_container_spec_set_init(ck_container_spec *spec, int on);
/** --init-path: the host's init binary (statically linked) for --init. */
CK_EXTERN int ck_container_spec_set_init_path(ck_container_spec *spec, const char *path);
/** --read-only: mount the root filesystem read-only (/tmp, /run and
 *  /var/tmp get a tmpfs, as podman's --read-only-tmpfs default). */
CK_EXTERN int ck_container_spec_set_read_only(ck_container_spec *spec, int on);
/** --rm: remove the container (record, root filesystem, anonymous volumes)
 *  once it has exited.  Conflicts with a restart policy other than "no".
 *  Its root filesystem is mounted overlay "volatile" (never synced, as
 *  podman does for --rm): after a crash of the host its files may be lost,
 *  which matters to nobody, as the container goes anyway. */
CK_EXTERN int ck_container_spec_set_remove(ck_container_spec *spec, int on);
/** -t: give the container a pseudo-terminal. */
CK_EXTERN int ck_container_spec_set_tty(ck_container_spec *spec, int on);
/** -i: keep the container's stdin open for attach. */
CK_EXTERN int ck_container_spec_set_stdin(ck_container_spec *spec, int on);

/** --cap-add / --cap-drop: "NET_ADMIN" or "CAP_NET_ADMIN" (any case), or
 *  "ALL". */
CK_EXTERN int ck_container_spec_add_cap(ck_container_spec *spec, const char *cap);
CK_EXTERN int ck_container_spec_drop_cap(ck_container_spec *spec, const char *cap);
/** --ulimit: `name` as podman names them ("nofile", "nproc", "core",
 *  "memlock", "stack", ... with or without "RLIMIT_"); -1 means unlimited.
 *  A limit above the host's hard limit fails at create with CK_EPERM. */
CK_EXTERN int ck_container_spec_set_ulimit(ck_container_spec *spec, const char *name, int64_t soft,
                                           int64_t hard);
/** The same from one --ulimit argument: "NAME=SOFT[:HARD]". */
CK_EXTERN int ck_container_spec_add_ulimit_string(ck_container_spec *spec, const char *text);
/** --memory in bytes (0: no limit). */
CK_EXTERN int ck_container_spec_set_memory(ck_container_spec *spec, int64_t bytes);
/** --memory from podman's grammar: "NUMBER[b|k|m|g]" (1024-based). */
CK_EXTERN int ck_container_spec_set_memory_string(ck_container_spec *spec, const char *text);
/** --cpus: a number of CPUs, such as 0.5 (0: no limit). */
CK_EXTERN int ck_container_spec_set_cpus(ck_container_spec *spec, double cpus);
/** --pids-limit (0: no limit). */
CK_EXTERN int ck_container_spec_set_pids_limit(ck_container_spec *spec, int64_t limit);

/** --restart: "no", "on-failure[:MAX]" (restart after a non-zero exit, at
 *  most MAX times when given), "always" or "unless-stopped" (restart after
 *  any exit).  A container stopped with ck_container_stop() is never
 *  restarted by its policy. */
CK_EXTERN int ck_container_spec_set_restart_policy(ck_container_spec *spec, const char *policy);
/** --runtime: "crun", "runc" or an absolute path; default: the context's. */
CK_EXTERN int ck_container_spec_set_runtime(ck_container_spec *spec, const char *runtime);
/** --network, in podman's grammar: "bridge" (the default network: what
 *  `ck run` uses when rootful, as podman does), a network NAME, several
 *  names ("a,b", or one call per network), "NAME:ip=A.B.C.D,mac=M,alias=N"
 *  (per-network options), "none" (a namespace with loopback only: the
 *  library's default when this is not called), "private" (the same), "host", or
 *  "ns:PATH" (join that namespace), or "container:REF" (join the network
 *  namespace of that container's running init at start: CK_ESTATE when it
 *  does not run), or "slirp4netns" (a namespace of its own given a
 *  user-mode network by slirp4netns for as long as the container runs:
 *  what `ck run` uses when rootless, as podman 4 does; the start fails
 *  with CK_EPERM naming the fix when the user cannot open /dev/net/tun).
 *  "pasta" is CK_EUNSUPPORTED.  Rootless bridge networks are
 *  CK_EUNSUPPORTED in this version; unknown networks and containers fail
 *  at create with CK_ENOTFOUND. */
CK_EXTERN int ck_container_spec_set_network(ck_container_spec *spec, const char *mode);
/** --ip: the container's address on its only bridge network. */
CK_EXTERN int ck_container_spec_set_ip(ck_container_spec *spec, const char *ip);
/** --mac-address: "xx:xx:xx:xx:xx:xx" on its only bridge network. */
CK_EXTERN int ck_container_spec_set_mac_address(ck_container_spec *spec, const char *mac);
/** --network-alias: one more name in the DNS of each network it joins. */
CK_EXTERN int ck_container_spec_add_network_alias(ck_container_spec *spec, const char *alias);
/* --add-host, --dns* and --tz: spec_host.h. */
/** -p: "[[IP:][HOSTPORT]:]CONTAINERPORT[-END][/PROTOCOL]".  Forwarded by
 *  the bridge network's rules, or by slirp4netns (network mode
 *  "slirp4netns"), while the container runs; other network modes fail at
 *  create with CK_EUNSUPPORTED, and a host port already in use fails the
 *  start with CK_EINUSE.  A port without a host port gets a free one at
 *  create, kept across restarts. */
CK_EXTERN int ck_container_spec_add_port_string(ck_container_spec *spec, const char *text);
/** --pod: the pod the container joins (its name, full id or unique id
 *  prefix; NULL: none).  The container shares the namespaces the pod
 *  shares (ck_pod_spec_set_share()), held by the pod's infra container,
 *  which is started before the container whenever it starts; with "uts"
 *  it gets the pod's hostname, and with "net" its network.  Ports,
 *  a network and (with "uts") a hostname belong to the pod: create fails
 *  with CK_EINVAL when the spec sets them, CK_ENOTFOUND for an unknown
 *  pod.  Since 1.1. */
CK_EXTERN int ck_container_spec_set_pod(ck_container_spec *spec, const char *pod);
/** The command line that creates this container (podman's
 *  CreateCommand: the argv of `ck run ...`, NULL-terminated; NULL: none).
 *  It is recorded as given, never interpreted; `ck generate systemd --new`
 *  replays it.  A container without one cannot be replayed.  Since 1.1. */
CK_EXTERN int ck_container_spec_set_create_command(ck_container_spec *spec, const char *const *argv);
/** An absolute path where the container's monitor writes its pid at every
 *  start, besides <runroot>/containers/<id>/monitor.pid (podman's
 *  --conmon-pidfile; NULL: none).  CK_EINVAL for a relative path.
 *  Since 1.1. */
CK_EXTERN int ck_container_spec_set_monitor_pid_file(ck_container_spec *spec, const char *path);
/** --stop-signal, by name or number ("SIGTERM", "TERM", "15"). */
CK_EXTERN int ck_container_spec_set_stop_signal(ck_container_spec *spec, const char *signal);
/** --stop-timeout in seconds (default 10). */
CK_EXTERN int ck_container_spec_set_stop_timeout(ck_container_spec *spec, unsigned int seconds);
/** --log-opt max-size: the size at which the log file is rotated (one
 *  rotated file is kept); 0 restores the default of 10 MiB, -1 means never. */
CK_EXTERN int ck_container_spec_set_log_size_max(ck_container_spec *spec, int64_t bytes);

/** --annotation: "KEY=VALUE", handed to the OCI runtime.  Since 1.1. */
CK_EXTERN int ck_container_spec_add_annotation(ck_container_spec *spec, const char *key_value);
/** --ipc, --pid, --uts: `ns` is "ipc", "pid" or "uts"; `mode` "private"
 *  (NULL, the default; "shareable" for ipc) or "host".  Joining another
 *  container's namespace is CK_EUNSUPPORTED (pods do that).  A pod's shared
 *  namespaces win over these.  Since 1.1. */
CK_EXTERN int ck_container_spec_set_namespace(ck_container_spec *spec, const char *ns, const char *mode);
/** --privileged: every capability the caller has, and no seccomp filter.
 *  Unlike podman, host devices are not added and /proc is masked as
 *  usual.  Since 1.1. */
CK_EXTERN int ck_container_spec_set_privileged(ck_container_spec *spec, int on);
/** --security-opt: "seccomp=unconfined" (no seccomp filter),
 *  "no-new-privileges[=true|false]", "label=disable" (accepted: ck does
 *  not label processes).  Others are CK_EUNSUPPORTED naming them.  Since 1.1. */
CK_EXTERN int ck_container_spec_add_security_opt(ck_container_spec *spec, const char *opt);
/** --shm-size: bytes of the /dev/shm tmpfs (0: 64 MiB).  Since 1.1. */
CK_EXTERN int ck_container_spec_set_shm_size(ck_container_spec *spec, int64_t bytes);
/** --umask: the container process's umask, octal text ("0022").  Since 1.1. */
CK_EXTERN int ck_container_spec_set_umask(ck_container_spec *spec, const char *mask);
/** --systemd: "true", "false" or "always", recorded with the container.
 *  ck runs no systemd-specific setup (there is no systemd here to run in a
 *  container's init); the mode is kept for inspect.  Since 1.1. */
CK_EXTERN int ck_container_spec_set_systemd(ck_container_spec *spec, const char *mode);

/** --log-driver: "k8s-file" (NULL, the default: the log file that
 *  ck_container_logs() reads) or "none" (no log is kept; reading it is
 *  CK_EUNSUPPORTED).  "journald" and "passthrough" are CK_EUNSUPPORTED,
 *  with the reason.  Since 1.1. */
CK_EXTERN int ck_container_spec_set_log_driver(ck_container_spec *spec, const char *driver);

/** --timeout: the most seconds a run may last; then the container's
 *  monitor kills it (SIGKILL, exit code 137), as podman's conmon does.
 *  0: no limit (the default).  Since 1.1. */
CK_EXTERN int ck_container_spec_set_timeout(ck_container_spec *spec, unsigned int seconds);

/* ------------------------------------------------------------- lifecycle */

/** Creates the container: resolves the image and the defaults it gives,
 *  reads the env files, checks the mounts (creating named volumes used for
 *  the first time), reserves the name and the id, prepares the root
 *  filesystem and writes the OCI bundle.  Status "created".  On failure
 *  nothing is left behind (no record, mount, directory or volume created by
 *  this call).  Fails with CK_ENOTFOUND for an unknown image or a missing
 *  volume source, CK_EEXISTS for a name in use (see set_replace),
 *  CK_EINVAL for conflicting options, CK_EUNSUPPORTED for what this host
 *  cannot do.  `*out` (if not NULL) belongs to the caller. */
CK_EXTERN int ck_container_create(ck_container **out, ck_context *ctx, const ck_container_spec *spec);

/** Looks a container up by name, full id or unique id prefix.
 *  CK_ENOTFOUND if nothing matches, CK_EAMBIGUOUS if several do. */
CK_EXTERN int ck_container_lookup(ck_container **out, ck_context *ctx, const char *ref);

/** Re-reads the handle's snapshot.  CK_ENOTFOUND once the container is
 *  gone. */
CK_EXTERN int ck_container_refresh(ck_container *ctr);

/** Starts the container, detached: returns once the OCI runtime has started
 *  it (status "running"), or with the runtime's error.  Starting a running
 *  container does nothing.  When its command cannot be run the error is
 *  CK_ERUNTIME and ck_error_last()->sys_errno says why: ENOENT (not found),
 *  EACCES (not executable, a directory) or ENOEXEC (an unknown format), the
 *  cases podman exits 127 and 126 for; 0 for other runtime failures.  The
 *  same holds for the other calls that start a container's process
 *  (ck_container_start_attached(), ck_container_restart(), exec). */
CK_EXTERN int ck_container_start(ck_container *ctr);

#define CK_CONTAINER_ATTACH_OPTIONS_VERSION 1

/** How a caller's descriptors are connected to a container (attach, start
 *  attached).  The library reads `stdin_fd` and writes the others; it never
 *  closes them.  -1 means "not connected". */
typedef struct ck_attach_options {
	unsigned int version; /**< CK_CONTAINER_ATTACH_OPTIONS_VERSION */
	int stdin_fd;         /**< forwarded to the container (needs -i); -1: none */
	int stdout_fd;        /**< the container's stdout (with -t: the terminal's output) */
	int stderr_fd;        /**< the container's stderr (not used with -t) */
	/** With -t: a terminal whose size is copied to the container's
	 *  (at attach and whenever SIGWINCH-like changes are seen); -1: none. */
	int tty_fd;
} ck_container_attach_options;

#define CK_CONTAINER_ATTACH_OPTIONS_INIT { CK_CONTAINER_ATTACH_OPTIONS_VERSION, -1, -1, -1, -1 }

/** Initialises `opts` for the given struct version; CK_EVERSION if unknown. */
CK_EXTERN int ck_container_attach_options_init(ck_container_attach_options *opts, unsigned int version);

/** Starts the container attached, as `podman start -a` and `podman run`
 *  without -d: no output is lost between the start and the attach.  Returns
 *  when the container exits (or the caller's stdout is closed); `*exit_code`
 *  (if not NULL) gets its exit code (128+N after signal N), also for a --rm
 *  container that is already removed on return: its record is gone, and
 *  its monitor deletes its directories in the moments after, holding the
 *  container's lock (so that `ck system check` takes them for work in
 *  progress, not for leftovers). */
CK_EXTERN int ck_container_start_attached(int *exit_code, ck_container *ctr, const ck_container_attach_options *opts);

/** Attaches to a running container until it exits, as `podman attach`.
 *  Output from before the attach is in the log (ck_container_logs()). */
CK_EXTERN int ck_container_attach(int *exit_code, ck_container *ctr, const ck_container_attach_options *opts);

/** Stops the container: its stop signal (SIGTERM by default), then SIGKILL to
 *  every process after `timeout_s` seconds (-1: the container's
 *  stop timeout).  Returns once it has exited.  Stopping a container that is
 *  not running does nothing.  Its restart policy does not apply afterwards. */
CK_EXTERN int ck_container_stop(ck_container *ctr, int timeout_s);

/** Pauses the running container, as `podman pause`: the OCI runtime
 *  freezes every process of its cgroup, and its status reads "paused"
 *  (ck_container_status(), inspect, list) until ck_container_unpause().
 *  CK_ESTATE if it is not running or already paused (unpause: not
 *  paused); CK_EUNSUPPORTED for a rootless container on a cgroup v1 host,
 *  which has no cgroup to freeze.  Stopping or removing a paused container
 *  resumes it after signalling it; exec into it is refused (CK_ESTATE).
 *  Since 1.1. */
CK_EXTERN int ck_container_pause(ck_container *ctr);
CK_EXTERN int ck_container_unpause(ck_container *ctr);

/** Sends `signal` to the container's init (to every process of the
 *  container for SIGKILL).  CK_ESTATE if it is not running, CK_EINVAL for a
 *  signal out of range. */
CK_EXTERN int ck_container_kill(ck_container *ctr, int signal);

/** Parses a signal as `podman kill --signal` takes it: "KILL", "SIGKILL",
 *  "9", "RTMIN+3" (any case).  CK_EINVAL naming the text otherwise. */
CK_EXTERN int ck_container_signal_parse(int *signal, const char *text);

/** Stops (as ck_container_stop()) and starts the container again. */
CK_EXTERN int ck_container_restart(ck_container *ctr, int timeout_s);

/** Removes the container: its record, root filesystem, bundle and logs.  A
 *  running container fails with CK_ESTATE unless `flags` has
 *  CK_REMOVE_FORCE (then it is killed first).  CK_REMOVE_VOLUMES also
 *  removes its anonymous volumes.  With force, a container left half-made
 *  by an interrupted create, start or remove, or whose monitor died, is
 *  removed too.  The handle stays valid (as a snapshot) and must be freed. */
CK_EXTERN int ck_container_remove(ck_container *ctr, unsigned int flags);

/** Waits until the container has exited and gives its exit code.  A
 *  container that was created and never started returns at once with 0,
 *  as podman's wait does.  A container that will be
 *  restarted by its policy has not exited.  `timeout_ms` -1 waits for
 *  ever; CK_ETIMEOUT when it runs out.  A --rm container removed meanwhile
 *  still gives its exit code (from the event log). */
CK_EXTERN int ck_container_wait(int *exit_code, ck_container *ctr, int timeout_ms);

/** Renames the container.  CK_EEXISTS if the name is taken. */
CK_EXTERN int ck_container_rename(ck_container *ctr, const char *new_name);

/** Releases a handle.  Accepts NULL. */
CK_EXTERN void ck_container_free(ck_container *ctr);

/* ------------------------------------------------------------------ list */

/** List flags. */
#define CK_CONTAINER_LIST_ALL (1u << 0) /**< -a: also containers that are not running */

/** Lists containers, newest first.  `filters` is NULL or a NULL-terminated
 *  array of podman ps filters: "id=PREFIX", "name=SUBSTRING",
 *  "label=KEY[=VALUE]", "status=created|running|exited|stopping|restarting|
 *  removing|unknown", "ancestor=IMAGE" (name, id or id prefix),
 *  "exited=CODE".  Filters of different keys must all match; several of the
 *  same key match if any does (labels: all).  `*out` holds `*count` handles
 *  (ck_container_list_free()). */
CK_EXTERN int ck_container_list(ck_container ***out, size_t *count, ck_context *ctx, unsigned int flags,
                                const char *const *filters);
/** Removes every container that is not running (exited or created), as
 *  `podman container prune`; `filters` as ck_container_list() takes them
 *  (NULL: all).  `*removed` (if not NULL) gets their ids (ck_strv_free()).
 *  A failure on one does not keep the others from going; the first is
 *  returned.  Since 1.1. */
CK_EXTERN int ck_container_prune(char ***removed, ck_context *ctx, const char *const *filters);
/** Frees a list returned by ck_container_list().  Accepts NULL. */
CK_EXTERN void ck_container_list_free(ck_container **list, size_t count);

/* --------------------------------------------------------------- getters */

/** The full id (64 hex digits). */
CK_EXTERN const char *ck_container_id(const ck_container *ctr);
CK_EXTERN const char *ck_container_name(const ck_container *ctr);
/** The image as the spec named it ("localhost/busybox:latest"). */
CK_EXTERN const char *ck_container_image_name(const ck_container *ctr);
/** The image id (64 hex digits). */
CK_EXTERN const char *ck_container_image_id(const ck_container *ctr);
/** "created", "running", "paused", "stopping", "exited", "restarting", "removing",
 *  "creating" or "starting" (briefly, while another call works on it), or
 *  "unknown" (its monitor died: ck_container_stop(), ck_container_wait(),
 *  ck_container_remove() with force or `ck system check --repair` settle
 *  it). */
CK_EXTERN const char *ck_container_status(const ck_container *ctr);
/** The command the container runs (entrypoint and command), NULL-terminated. */
CK_EXTERN const char *const *ck_container_command(const ck_container *ctr);
/** The value of label `key`, or NULL if it is not set. */
CK_EXTERN const char *ck_container_label(const ck_container *ctr, const char *key);
/** The pid of the container's init on the host, 0 when it is not running. */
CK_EXTERN int ck_container_pid(const ck_container *ctr);
/** The last exit code (128+N after signal N), -1 if it never exited or its
 *  exit code is unknown. */
CK_EXTERN int ck_container_exit_code(const ck_container *ctr);
/** Times in nanoseconds since the epoch; 0 when it never happened. */
CK_EXTERN int64_t ck_container_created(const ck_container *ctr);
CK_EXTERN int64_t ck_container_started_at(const ck_container *ctr);
CK_EXTERN int64_t ck_container_finished_at(const ck_container *ctr);
/** How many times the restart policy restarted it. */
CK_EXTERN unsigned int ck_container_restart_count(const ck_container *ctr);
/** The id of the pod the container is in, or NULL.  Since 1.1. */
CK_EXTERN const char *ck_container_pod_id(const ck_container *ctr);
/** The OCI runtime it runs with ("crun", "runc" or a path). */
CK_EXTERN const char *ck_container_runtime(const ck_container *ctr);
/** The command line that created it (ck_container_spec_set_create_command()),
 *  as a new NULL-terminated array in `*out` (ck_strv_free()); empty when
 *  none was recorded.  Since 1.1. */
CK_EXTERN int ck_container_create_command(char ***out, const ck_container *ctr);

/** Configuration a listing does not carry: read from the record on first
 *  use, so they may fail (NULL, with ck_error_last() saying why).  Strings
 *  are borrowed and live as long as the handle (until ck_container_refresh()
 *  or ck_container_free()).  The restart policy is its name ("no",
 *  "on-failure", "always", "unless-stopped"; "no" when unset) and the network
 *  mode "none" when unset; arrays are NULL-terminated, empty when unset. */
CK_EXTERN const char *ck_container_hostname(const ck_container *ctr);
CK_EXTERN const char *ck_container_user(const ck_container *ctr);
CK_EXTERN const char *ck_container_workdir(const ck_container *ctr);
CK_EXTERN const char *ck_container_restart_policy(const ck_container *ctr);
CK_EXTERN const char *ck_container_network_mode(const ck_container *ctr);
CK_EXTERN const char *const *ck_container_entrypoint(const ck_container *ctr);
CK_EXTERN const char *const *ck_container_env(const ck_container *ctr);
/** The restart policy's retry limit ("on-failure:N"), 0 for no limit, -1
 *  if the record cannot be read. */
CK_EXTERN int ck_container_restart_max(const ck_container *ctr);
/** 1 if the container is removed once it exits (ck_container_spec_set_remove(),
 *  `--rm`), 0 if not, -1 if the record cannot be read (ck_error_last() says
 *  why).  Since 1.1. */
CK_EXTERN int ck_container_auto_remove(const ck_container *ctr);
/** The number of labels, and label `i` (in the order they were given);
 *  CK_ENOTFOUND past the end.  Borrowed, as above. */
CK_EXTERN size_t ck_container_label_count(const ck_container *ctr);
CK_EXTERN int ck_container_label_byindex(const char **key, const char **value, const ck_container *ctr, size_t i);

/** Kinds of mount. */
typedef enum ck_mount_type {
	CK_MOUNT_BIND = 0,   /**< a host path */
	CK_MOUNT_VOLUME = 1, /**< a named or anonymous volume */
	CK_MOUNT_TMPFS = 2   /**< a tmpfs */
} ck_container_mount_type;

#define CK_CONTAINER_MOUNT_VERSION 1

/** One mount of a container, as `podman inspect` lists it.  The library
 *  fills it; fields are only ever appended, and `version` says which a
 *  caller may read. */
typedef struct ck_container_mount {
	unsigned int version;     /**< CK_CONTAINER_MOUNT_VERSION of the library that made it */
	ck_container_mount_type type;
	const char *source;       /**< host path (a volume's _data directory; "tmpfs" for tmpfs) */
	const char *destination;  /**< path in the container */
	const char *name;         /**< the volume's name, or NULL for other kinds */
	const char *mode;         /**< "z", "Z" (relabel) or "" */
	const char *const *options; /**< further mount options, NULL-terminated */
	int read_only;            /**< 1 if mounted read-only */
} ck_container_mount;

/** A container's mounts, in the order they were given. */
typedef struct ck_container_mount_list ck_container_mount_list;

/** Reads the container's mounts.  `*out` belongs to the caller
 *  (ck_container_mount_list_free()). */
CK_EXTERN int ck_container_mounts_read(ck_container_mount_list **out, const ck_container *ctr);
CK_EXTERN size_t ck_container_mount_list_count(const ck_container_mount_list *list);
/** Mount `i`, or NULL past the end.  Borrowed: lives as long as the list. */
CK_EXTERN const ck_container_mount *ck_container_mount_list_byindex(const ck_container_mount_list *list, size_t i);
/** Accepts NULL. */
CK_EXTERN void ck_container_mount_list_free(ck_container_mount_list *list);

/** The container as JSON in the shape of `podman container inspect` (one
 *  object).  `*out` belongs to the caller (ck_free()). */
CK_EXTERN int ck_container_inspect(char **out, const ck_container *ctr);

#define CK_PORT_MAPPING_VERSION 1

/** One published port range of a container.  The library fills it; fields
 *  are only ever appended, and `version` says which a caller may read. */
typedef struct ck_port_mapping {
	unsigned int version;        /**< CK_PORT_MAPPING_VERSION of the library that made it */
	const char *host_ip;         /**< the host address it listens on, "" for every address */
	unsigned int host_port;      /**< the first host port (chosen at create when none was given) */
	unsigned int container_port; /**< the first port in the container */
	unsigned int range;          /**< how many consecutive ports, 1 or more */
	const char *protocol;        /**< "tcp", "udp" or "sctp" */
} ck_container_port_mapping;

/** The number of published port ranges, and range `i` in the order they
 *  were given, or NULL past the end.  Borrowed: lives as long as the handle
 *  (a listed handle has them too). */
CK_EXTERN size_t ck_container_port_count(const ck_container *ctr);
CK_EXTERN const ck_container_port_mapping *ck_container_port_byindex(const ck_container *ctr, size_t i);

/** The published ports as `podman port` prints them, one string per
 *  mapping ("80/tcp -> 0.0.0.0:8080"), NULL-terminated (ck_strv_free()). */
CK_EXTERN int ck_container_ports(char ***out, const ck_container *ctr);

/* ------------------------------------------------------------------ logs */

#define CK_CONTAINER_LOGS_OPTIONS_VERSION 1

/** Options for ck_container_logs(). */
typedef struct ck_logs_options {
	unsigned int version; /**< CK_CONTAINER_LOGS_OPTIONS_VERSION */
	int follow;           /**< keep reading until the container exits (-f) */
	int timestamps;       /**< prefix each line with its RFC 3339 time and a space (-t) */
	int64_t since_ns;     /**< only lines at or after this time (ns since the epoch); 0: all */
	int64_t until_ns;     /**< only lines before this time; 0: no limit */
	int64_t tail;         /**< only the last N lines (before following); -1: all */
} ck_container_logs_options;

#define CK_CONTAINER_LOGS_OPTIONS_INIT { CK_CONTAINER_LOGS_OPTIONS_VERSION, 0, 0, 0, 0, -1 }

/** Initialises `opts` to the defaults of `version`; CK_EVERSION for a
 *  version this library does not know. */
CK_EXTERN int ck_container_logs_options_init(ck_container_logs_options *opts, unsigned int version);

/** Streams. */
#define CK_STREAM_STDOUT 1
#define CK_STREAM_STDERR 2

#define CK_CONTAINER_LOG_ENTRY_VERSION 1

/** One line of a container's log, or part of one that the container wrote
 *  without a newline.  The library fills it; fields are only ever
 *  appended, and `version` says which a caller may read. */
typedef struct ck_log_entry {
	unsigned int version; /**< CK_CONTAINER_LOG_ENTRY_VERSION of the library that made it */
	int stream;           /**< CK_STREAM_STDOUT or CK_STREAM_STDERR */
	int64_t time_ns;      /**< when the container wrote it, ns since the epoch */
	const char *data;     /**< the text, with its newline when it had one (and the timestamp first
	                           with `timestamps`); not NUL-terminated */
	size_t len;
	int partial;          /**< 1 if the container wrote it without a newline */
} ck_container_log_entry;

/** Receives one entry; `entry` and its data are valid only during the
 *  call.  Return non-zero to stop. */
typedef int (*ck_container_log_entry_fn)(const ck_container_log_entry *entry, void *payload);

/** Reads the container's log (the current file and the rotated one), as
 *  `podman logs`.  With `follow`, waits for new lines until the container
 *  exits or `fn` returns non-zero.  Returns CK_OK, or the callback's
 *  non-zero value if it stopped the reading; CK_EVERSION for unknown
 *  options. */
CK_EXTERN int ck_container_logs_v2(ck_container *ctr, const ck_container_logs_options *opts, ck_container_log_entry_fn fn,
                                   void *payload);

/* ------------------------------------------------------------------ exec */

#define CK_CONTAINER_EXEC_OPTIONS_VERSION 1

/** Options for ck_container_exec().  Descriptors are the caller's; the
 *  library never closes them; -1 means /dev/null. */
typedef struct ck_exec_options {
	unsigned int version;     /**< CK_CONTAINER_EXEC_OPTIONS_VERSION */
	const char *const *env;   /**< extra "K=V" (NULL-terminated) or NULL */
	const char *user;         /**< "UID[:GID]" or a name of the image's /etc/passwd; NULL: the container's */
	const char *workdir;      /**< NULL: the container's */
	int tty;                  /**< allocate a terminal: stdin_fd must be a terminal (-t) */
	int interactive;          /**< connect stdin_fd (-i); otherwise stdin is /dev/null */
	int detach;               /**< do not wait (-d); the exit code is not known then */
	int stdin_fd, stdout_fd, stderr_fd;
} ck_container_exec_options;

#define CK_CONTAINER_EXEC_OPTIONS_INIT { CK_CONTAINER_EXEC_OPTIONS_VERSION, NULL, NULL, NULL, 0, 0, 0, -1, -1, -1 }

/** Initialises `opts` to the defaults of `version`; CK_EVERSION for a
 *  version this library does not know. */
CK_EXTERN int ck_container_exec_options_init(ck_container_exec_options *opts, unsigned int version);

/** Runs `argv` (NULL-terminated) in the running container, as `podman exec`.
 *  `*exit_code` (if not NULL) gets its exit status (128+N after signal N);
 *  a command that cannot be run gives CK_ERUNTIME with the runtime's words
 *  and sys_errno as ck_container_start() describes (podman's 126/127
 *  cases).  `opts` may be NULL (no stdio). */
CK_EXTERN int ck_container_exec(int *exit_code, ck_container *ctr, const char *const *argv,
                                const ck_container_exec_options *opts);

/* ---------------------------------------------------- stats, top, copy */

#define CK_CONTAINER_STATS_SAMPLE_VERSION 1

/** One sample of a container's resource use (ck_container_stats_read()).
 *  Fields are only ever appended; the caller sets `version` (with
 *  CK_CONTAINER_STATS_SAMPLE_INIT or ck_container_stats_sample_init()) and
 *  the library fills the fields that version has.  Counters the host does
 *  not keep are 0. */
typedef struct ck_container_stats_sample {
	unsigned int version;  /**< CK_CONTAINER_STATS_SAMPLE_VERSION */
	int64_t sampled_at;    /**< wall clock of the sample, ns since the epoch */
	int64_t uptime_ns;     /**< since the container's last start */
	uint64_t cpu_ns;       /**< CPU time its processes used, ns */
	double cpu_percent;    /**< average over its uptime (100 = one core); see
	                            ck_container_stats_cpu_percent() for a rate */
	uint64_t mem_usage;    /**< bytes */
	uint64_t mem_limit;    /**< bytes; the host's memory when it has no limit */
	double mem_percent;    /**< 100 * mem_usage / mem_limit */
	uint64_t net_rx;       /**< bytes received by its network namespace */
	uint64_t net_tx;       /**< bytes sent */
	uint64_t block_read;   /**< bytes read from block devices */
	uint64_t block_write;  /**< bytes written to block devices */
	uint64_t pids;         /**< processes (and threads) in it */
} ck_container_stats_sample;

#define CK_CONTAINER_STATS_SAMPLE_INIT { CK_CONTAINER_STATS_SAMPLE_VERSION, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }

/** Zeroes `sample` and sets its version.  CK_EVERSION for a version this
 *  library does not know. */
CK_EXTERN int ck_container_stats_sample_init(ck_container_stats_sample *sample, unsigned int version);

/** Fills `*out` (whose `version` the caller set) with one sample of the
 *  running container.  CK_ESTATE if it is not running; CK_EUNSUPPORTED for
 *  a rootless container on a cgroup v1 host (there is no cgroup to read);
 *  CK_EVERSION for an unknown `out->version`.  Works on cgroup v1, v2 and
 *  hybrid hosts. */
CK_EXTERN int ck_container_stats_read(ck_container_stats_sample *out, ck_container *ctr);

/** The CPU use between two samples of the same container, in percent of
 *  one core, as `podman stats` shows it while refreshing: the CPU time
 *  used over the wall time passed.  With `prev` NULL (or not older than
 *  `cur`), `cur`'s average over its uptime. */
CK_EXTERN double ck_container_stats_cpu_percent(const ck_container_stats_sample *prev,
                                                const ck_container_stats_sample *cur);

/** One sample of the container's resource use as JSON, in the shape of
 *  podman's stats API: {"ContainerID","Name","CPU" (percent over its
 *  lifetime),"CPUNano","SystemNano","MemUsage","MemLimit","MemPerc",
 *  "NetInput","NetOutput","BlockInput","BlockOutput","PIDs","UpTime"}.
 *  Works on cgroup v1, v2 and hybrid hosts.  CK_ESTATE if it is not
 *  running; CK_EUNSUPPORTED for a rootless container on a v1 host. */
CK_EXTERN int ck_container_stats(char **out, ck_container *ctr);

/** The processes of a running container as a table of text cells, one
 *  column per descriptor (ck_container_top_read()).  Immutable; it may be
 *  read from several threads. */
typedef struct ck_container_top_table ck_container_top_table;

/** Lists the container's processes (read from /proc), sorted by pid, with
 *  the columns `descriptors` names (NULL for podman's default: user pid
 *  ppid %cpu etime tty time args; the descriptors are those of
 *  ck_container_top()).  `*out` belongs to the caller
 *  (ck_container_top_table_free()).  CK_EINVAL names an unknown
 *  descriptor; CK_ESTATE if the container is not running. */
CK_EXTERN int ck_container_top_read(ck_container_top_table **out, ck_container *ctr,
                                    const char *const *descriptors);
/** The number of columns. */
CK_EXTERN size_t ck_container_top_table_columns(const ck_container_top_table *table);
/** Column `col`'s header as podman prints it ("USER", "PID", "%CPU"...), or
 *  NULL past the end.  Borrowed: lives as long as the table. */
CK_EXTERN const char *ck_container_top_table_header(const ck_container_top_table *table, size_t col);
/** The number of processes (rows). */
CK_EXTERN size_t ck_container_top_table_count(const ck_container_top_table *table);
/** The cell of process `row`, column `col`, or NULL past the end.
 *  Borrowed: lives as long as the table. */
CK_EXTERN const char *ck_container_top_table_cell(const ck_container_top_table *table, size_t row, size_t col);
/** The host pid of process `row`, or -1 past the end. */
CK_EXTERN int ck_container_top_table_pid(const ck_container_top_table *table, size_t row);
/** Frees the table; NULL is ignored. */
CK_EXTERN void ck_container_top_table_free(ck_container_top_table *table);

/** The container's processes as a table, as `podman top` prints it (read
 *  from /proc).  `descriptors` is NULL for the default columns (user pid
 *  ppid %cpu etime tty time args) or a NULL-terminated list of podman's
 *  descriptors: user, group, pid, ppid, pgid, %cpu, etime, tty, time,
 *  args, comm, nice, vsz, rss, state, huser, hpid.  `*out` is the text,
 *  one line per process after a header line (ck_free()). */
CK_EXTERN int ck_container_top(char **out, ck_container *ctr, const char *const *descriptors);

/** Copies the host path `src` into the container at `dest`, as `podman cp
 *  SRC CTR:DEST`: into `dest` when it is an existing directory, else as
 *  `dest`.  Paths in the container are resolved inside its root filesystem
 *  (and its volumes); symbolic links never lead out of it. */
CK_EXTERN int ck_container_copy_to(ck_container *ctr, const char *src, const char *dest);
/** Copies `src` from the container to the host path `dest`, as `podman cp
 *  CTR:SRC DEST`.  A path that escapes the root filesystem is refused
 *  (CK_EPERM). */
CK_EXTERN int ck_container_copy_from(ck_container *ctr, const char *src, const char *dest);

/* The root filesystem (mount, unmount, diff, export, init) and commit:
 * container_fs.h. */

CK_END_DECLS

#endif

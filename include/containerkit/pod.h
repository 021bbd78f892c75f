/* Pods: groups of containers that share namespaces, as `podman pod
 * create/start/stop/restart/kill/rm/prune/ps/inspect/exists` manage them.
 *
 * A pod is a record in the state store plus, unless made without one, an
 * infra container that holds the namespaces its members share (by default
 * the network, IPC and UTS namespaces: members reach each other on
 * 127.0.0.1 and have the pod's hostname).  The infra runs catatonit from
 * the image localhost/ck-pause:<version>, made on first use from the
 * host's catatonit (package catatonit) and never pulled.  A container
 * joins a pod with ck_container_spec_set_pod().
 *
 * A ck_pod handle is a snapshot of the pod and its members taken when it
 * was looked up or listed; it is not thread-safe, but several handles to
 * one pod may be used from several threads or processes.  Getters return
 * borrowed values that live until the handle is freed.  Operations on a pod
 * act on its members one by one; each is serialized per container. */
#ifndef CONTAINERKIT_POD_H
#define CONTAINERKIT_POD_H

#include "common.h"

CK_BEGIN_DECLS

typedef struct ck_pod ck_pod;
typedef struct ck_pod_spec ck_pod_spec;

/* ------------------------------------------------------------------ spec */

/** A new spec: a generated name, sharing "ipc,net,uts", an infra container
 *  from localhost/ck-pause, network "none", exit policy "continue".  Free
 *  with ck_pod_spec_free().  Since 1.1, as everything in this header. */
CK_EXTERN int ck_pod_spec_new(ck_pod_spec **out);
/** Accepts NULL. */
CK_EXTERN void ck_pod_spec_free(ck_pod_spec *spec);
/** The pod's name: [a-zA-Z0-9][a-zA-Z0-9_.-]*; pods and containers share
 *  one namespace of names. */
CK_EXTERN int ck_pod_spec_set_name(ck_pod_spec *spec, const char *name);
/** The command line that creates this pod (the argv of `ck pod create ...`,
 *  NULL-terminated; NULL: none), recorded as podman's CreateCommand and
 *  replayed by `ck generate systemd --new`. */
CK_EXTERN int ck_pod_spec_set_create_command(ck_pod_spec *spec, const char *const *argv);
/** An absolute path where the infra container's monitor writes its pid at
 *  every start (podman's --infra-conmon-pidfile; NULL: none). */
CK_EXTERN int ck_pod_spec_set_infra_monitor_pid_file(ck_pod_spec *spec, const char *path);
/** Adds or replaces a label; `value` may be "". */
CK_EXTERN int ck_pod_spec_set_label(ck_pod_spec *spec, const char *key, const char *value);
/** A label from "KEY=VALUE" (or "KEY"), as --label. */
CK_EXTERN int ck_pod_spec_add_label_string(ck_pod_spec *spec, const char *key_value);
/** The pod's hostname (needs "uts" shared); default: the pod's name. */
CK_EXTERN int ck_pod_spec_set_hostname(ck_pod_spec *spec, const char *hostname);
/** --share: a comma-separated list of "net", "ipc", "uts", "pid",
 *  "cgroup" ("" shares nothing).  CK_EINVAL naming an unknown namespace. */
CK_EXTERN int ck_pod_spec_set_share(ck_pod_spec *spec, const char *list);
/** --infra / --no-infra (`on` 0 or 1; default 1).  Without an infra
 *  nothing is shared, so sharing must be empty. */
CK_EXTERN int ck_pod_spec_set_infra(ck_pod_spec *spec, int on);
/** --infra-image: the infra's image (it must be in local storage). */
CK_EXTERN int ck_pod_spec_set_infra_image(ck_pod_spec *spec, const char *image);
/** --infra-command: the infra's command (NULL-terminated). */
CK_EXTERN int ck_pod_spec_set_infra_command(ck_pod_spec *spec, const char *const *argv);
/** --add-host "HOST:IP" for the pod's /etc/hosts: the infra's and every
 *  member's that shares the pod's network (--dns* likewise for resolv.conf,
 *  with the meaning they have for a container, container.h). */
CK_EXTERN int ck_pod_spec_add_host(ck_pod_spec *spec, const char *host_ip);
/** --dns: a name server address, recorded for the pod's resolv.conf. */
CK_EXTERN int ck_pod_spec_add_dns(ck_pod_spec *spec, const char *server);
/** --dns-search: a search domain for the pod's resolv.conf ("." for none). */
CK_EXTERN int ck_pod_spec_add_dns_search(ck_pod_spec *spec, const char *domain);
/** --dns-option: one resolver option ("ndots:2") for the pod's resolv.conf. */
CK_EXTERN int ck_pod_spec_add_dns_option(ck_pod_spec *spec, const char *option);
/** --exit-policy: "continue" (default) or "stop": the pod stops when its
 *  last member exits. */
CK_EXTERN int ck_pod_spec_set_exit_policy(ck_pod_spec *spec, const char *policy);
/** -p "[IP:][HOSTPORT:]CPORT[-END][/tcp|udp]": published by the infra
 *  container, on the pod's network.  Recorded; create fails with
 *  CK_EUNSUPPORTED when the pod's network cannot publish ports. */
CK_EXTERN int ck_pod_spec_add_port_string(ck_pod_spec *spec, const char *text);
/** --network: the infra container's network mode (as
 *  ck_container_spec_set_network()); default "none". */
CK_EXTERN int ck_pod_spec_set_network(ck_pod_spec *spec, const char *mode);
/** --replace: remove a pod of the same name first (with force). */
CK_EXTERN int ck_pod_spec_set_replace(ck_pod_spec *spec, int on);

/* ------------------------------------------------------------- lifecycle */

/** Creates the pod and its infra container (not started) in one commit of
 *  the state store, making the infra image first if it does not exist.
 *  CK_EEXISTS for a name in use, CK_EINVAL for conflicting options,
 *  CK_EUNSUPPORTED for ports on a network without port publishing.  On
 *  failure nothing is left behind.  `*out` (if not NULL) is the caller's. */
CK_EXTERN int ck_pod_create(ck_pod **out, ck_context *ctx, const ck_pod_spec *spec);
/** By name, full id or unique id prefix; CK_ENOTFOUND, CK_EAMBIGUOUS. */
CK_EXTERN int ck_pod_lookup(ck_pod **out, ck_context *ctx, const char *ref);
/** Whether a pod matches `ref`: 1 yes, 0 no, or a negative error. */
CK_EXTERN int ck_pod_exists(ck_context *ctx, const char *ref);
/** Re-reads the handle's snapshot; CK_ENOTFOUND once the pod is gone. */
CK_EXTERN int ck_pod_refresh(ck_pod *pod);
/** Starts the infra container, then every member.  The first failure is
 *  returned after the others were tried. */
CK_EXTERN int ck_pod_start(ck_pod *pod);
/** Stops every member (`timeout_s` as ck_container_stop()), then the
 *  infra. */
CK_EXTERN int ck_pod_stop(ck_pod *pod, int timeout_s);
/** Stops, then starts the pod. */
CK_EXTERN int ck_pod_restart(ck_pod *pod, int timeout_s);
/** Sends `signal` to every running member, then to the infra. */
CK_EXTERN int ck_pod_kill(ck_pod *pod, int signal);
/** Pauses every running member, then the infra (ck_container_pause());
 *  unpause resumes the infra first, then every paused member.  CK_ESTATE
 *  when no container of the pod is running (paused); the first failure is
 *  returned after the others were tried.  Since 1.1. */
CK_EXTERN int ck_pod_pause(ck_pod *pod);
CK_EXTERN int ck_pod_unpause(ck_pod *pod);
/** Removes the members, then the infra and the pod's record.  With
 *  running members CK_ESTATE unless `flags` has CK_REMOVE_FORCE.  Also
 *  finishes the removal of a pod left half-removed. */
CK_EXTERN int ck_pod_remove(ck_pod *pod, unsigned int flags);
/** Removes every pod none of whose containers runs; `*removed` (if not
 *  NULL) gets their ids (ck_strv_free()). */
CK_EXTERN int ck_pod_prune(char ***removed, ck_context *ctx);
/** Releases a handle.  Accepts NULL. */
CK_EXTERN void ck_pod_free(ck_pod *pod);

/** Lists pods, newest first.  `filters` is NULL or a NULL-terminated array
 *  of podman pod ps filters: "id=PREFIX", "name=SUBSTRING",
 *  "label=KEY[=VALUE]", "status=created|running|degraded|exited|paused".
 *  `*out` holds `*count` handles (ck_pod_list_free()). */
CK_EXTERN int ck_pod_list(ck_pod ***out, size_t *count, ck_context *ctx, const char *const *filters);
/** Accepts NULL. */
CK_EXTERN void ck_pod_list_free(ck_pod **list, size_t count);

/* --------------------------------------------------------------- getters */

/** A pod's state, from its containers' statuses. */
typedef enum ck_pod_state {
	CK_POD_CREATED = 0,  /**< no container ran yet (or it has none) */
	CK_POD_RUNNING = 1,  /**< every container runs */
	CK_POD_DEGRADED = 2, /**< some run, some do not */
	CK_POD_EXITED = 3,   /**< none runs, and some ran */
	CK_POD_STOPPED = 4,  /**< reserved: podman's stopped-but-not-cleaned state */
	CK_POD_PAUSED = 5    /**< every container is paused */
} ck_pod_state;

/** The pod's id (64 hex digits) and name, and its state as computed from
 *  its containers when the handle was read (ck_pod_refresh() reads it
 *  again).  Strings are borrowed and live as long as the handle. */
CK_EXTERN const char *ck_pod_id(const ck_pod *pod);
CK_EXTERN const char *ck_pod_name(const ck_pod *pod);
CK_EXTERN ck_pod_state ck_pod_get_state(const ck_pod *pod);
/** "Created", "Running", "Degraded", "Exited", "Stopped", "Paused". */
CK_EXTERN const char *ck_pod_state_name(ck_pod_state state);
/** The infra container's id, or NULL for a pod without one. */
CK_EXTERN const char *ck_pod_infra_id(const ck_pod *pod);
/** The command line that created the pod, as a new NULL-terminated array
 *  in `*out` (ck_strv_free()); empty when none was recorded. */
CK_EXTERN int ck_pod_create_command(char ***out, const ck_pod *pod);
/** The members (the infra excluded), in id order. */
CK_EXTERN size_t ck_pod_member_count(const ck_pod *pod);
CK_EXTERN const char *ck_pod_member_id(const ck_pod *pod, size_t i);
/** The value of label `key`, or NULL. */
CK_EXTERN const char *ck_pod_label(const ck_pod *pod, const char *key);
CK_EXTERN size_t ck_pod_label_count(const ck_pod *pod);
/** The i-th label (in key order); CK_EINVAL out of range. */
CK_EXTERN int ck_pod_label_byindex(const char **key, const char **value, const ck_pod *pod, size_t i);
/** Creation time, in nanoseconds since the epoch. */
CK_EXTERN int64_t ck_pod_created(const ck_pod *pod);
CK_EXTERN const char *ck_pod_hostname(const ck_pod *pod);
/** The shared namespaces ("net", "ipc", ...), NULL-terminated. */
CK_EXTERN const char *const *ck_pod_shares(const ck_pod *pod);
/** "continue" or "stop". */
CK_EXTERN const char *ck_pod_exit_policy(const ck_pod *pod);
/** The infra's network mode ("none", "host", ...). */
CK_EXTERN const char *ck_pod_network(const ck_pod *pod);
/** The published ports as `podman port` prints them ("80/tcp ->
 *  127.0.0.1:8080"), NULL-terminated (ck_strv_free()). */
CK_EXTERN int ck_pod_ports(char ***out, const ck_pod *pod);
/** The pod as JSON in the shape of `podman pod inspect` (ck_free()). */
CK_EXTERN int ck_pod_inspect(char **out, const ck_pod *pod);

CK_END_DECLS

#endif

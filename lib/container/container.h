/* Internal API of the container module for the modules above it (system)
 * and for the monitor (libexec/monitor), which links the static build: the
 * record of a container, its state transitions, paths, removal and the
 * consistency check.
 *
 * On disk:
 *   <root>/containers/<id>/userdata/   the OCI bundle (config.json), ctr.log and
 *                                      ctr.log.1, hostname, hosts, resolv.conf
 *   <runroot>/containers/<id>/         pidfile, attach socket, monitor.log
 *   <runroot>/events/events.log        the event log (lib/core/events.c)
 * In the state store: kind CK__KIND_CONTAINER; config JSON (immutable but for
 * the name) and state JSON, both described in container_int.h. */
#ifndef CK_CONTAINER_H
#define CK_CONTAINER_H

#include "state/state.h"

/* A published port: "[IP:][HOSTPORT:]CPORT[-END][/PROTO]" parsed
 * (ck__port_parse, spec.c; CK_EINVAL naming the text).  host_port 0: any;
 * host_ip NULL: every address. */
typedef struct ck__port {
	char *host_ip;
	unsigned int host_port, container_port, range;
	char protocol[8];
} ck__port;
/* Writes `key` and the ports as the records keep them (record.c). */
void ck__ports_gen(yajl_gen g, const char *key, const ck__port *ports, size_t n);
int ck__port_parse(ck__port *out, const char *text);
/* Parses `text` onto the end of a spec's ports (spec.c). */
int ck__port_append(ck__port **ports, size_t *n, const char *text);
/* The ports as ck_container_ports() and ck_pod_ports() give them, one line
 * a port ("80/tcp -> 0.0.0.0:8080"), a range spelt out (record.c). */
int ck__ports_lines(char ***out, const ck__port *ports, size_t n);
/* The ports as podman's inspect shows them (PortBindings, Ports): a map of
 * "80/tcp" to [{"HostIp", "HostPort"}], a range spelt out (record.c). */
void ck__ports_bindings_gen(yajl_gen g, const ck__port *ports, size_t n);

/* For lib/pod: makes the spec that of pod `pod_id`'s infra container.
 * ck_container_create() then inserts the pod's record (`pod_config`,
 * named `pod_name`) and the container in one commit. */
int ck__ctr_spec_set_infra(ck_container_spec *spec, const char *pod_id, const char *pod_name,
                                 const char *pod_config, const char *const *shares);

/* Takes container `id` out of its pod inside the caller's write
 * transaction: its record no longer names a pod, an infra or shared
 * namespaces (its next start makes namespaces of its own), and its
 * membership key goes.  For the check's repair of a container whose pod,
 * or whose pod's infra, is gone. */
int ck__ctr_pod_detach(ck_state_txn *txn, const char *id);

/* A new spec that creates container `ctr` again as it was made (respec.c):
 * its name, image reference, pod, mounts (the same volumes), environment,
 * labels, network and ports, limits and command, less what came from its
 * image's config, which the image named then gives anew.  CK_EUNSUPPORTED
 * for a pod's infra container and for a --rm container (removed, with its
 * anonymous volumes, as soon as it stops).  The caller frees it. */
int ck__ctr_spec_from_record(ck_container_spec **out, ck_container *ctr);
/* The image as the container's create named it (its resolved name for a
 * record older than that member); borrowed from the handle. */
int ck__ctr_image_ref(const char **out, ck_container *ctr);

/* The container's paths, as new strings (NULL on OOM). */
char *ck__ctr_dir(const ck_context *ctx, const char *id);      /* <root>/containers/<id> */
char *ck__ctr_userdata(const ck_context *ctx, const char *id); /* .../userdata (the bundle) */
char *ck__ctr_rundir(const ck_context *ctx, const char *id);   /* <runroot>/containers/<id> */

/* For lib/systemd: what a unit needs of a container beyond the public
 * getters (read from the whole record, also for a listing's handle). */
typedef struct ck__ctr_unit_facts {
	unsigned int stop_timeout;
	char *restart_policy;  /* "no", "always", "on-failure", "unless-stopped" */
	int restart_max;
	char **env;            /* "K=V", never NULL */
} ck__ctr_unit_facts;
int ck__ctr_unit_facts_read(ck__ctr_unit_facts *out, const ck_container *ctr);
void ck__ctr_unit_facts_free(ck__ctr_unit_facts *f);

/* Removes a container by full id: kills it if it runs (force), waits for its
 * monitor, deletes the runtime's container, the root filesystem, the
 * directories and the record (and, with `volumes`, its anonymous volumes).
 * `locked`: the caller holds the container's lock.  CK_ENOTFOUND if there
 * is no such record. */
int ck__ctr_remove_id(ck_context *ctx, const char *id, bool force, bool volumes, bool locked);

/* ck__ctr_remove_id() with force and volumes, for the monitor of a --rm
 * container and for a pod's removal of its infra: the record is gone when
 * it returns, and *later holds what is left to delete (the root
 * filesystem's trash, the container's directories) and the container's
 * lock, for ck__ctr_leftovers_finish() once the exit code has been sent
 * (or the pod's record deleted).  A crash in between leaves directories
 * without a record, which `ck system check --repair` deletes.  The commit
 * that deletes the record is relaxed (CK_BACKEND_TXN_RELAXED): after a
 * power cut the container may be back, "removing", for rm -f or the check
 * to finish. */
typedef struct ck__ctr_leftovers ck__ctr_leftovers;
int ck__ctr_remove_deferred(ck__ctr_leftovers **later, ck_context *ctx, const char *id);
void ck__ctr_leftovers_finish(ck__ctr_leftovers *later); /* NULL: nothing */

/* Removes every container with force (ck_system_reset()).  A store that
 * cannot be read has none to remove. */
int ck__ctr_remove_all(ck_context *ctx);

/* Reports containers left by interrupted operations (CK_CHECK_LEFTOVER),
 * containers whose monitor died (CK_CHECK_MONITOR_GONE) and container
 * directories, runtime state and root filesystems without a record
 * (CK_CHECK_LEFTOVER); with r->repair reconciles or removes them. */
int ck__ctr_check(ck_context *ctx, ck__check_report *r);

#endif

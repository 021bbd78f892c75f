/* containerkit/kube.h: Kubernetes YAML played as pods (podman's `kube play`,
 * `kube down` and `generate kube`).  Since 1.1, as everything in this header.
 *
 * Kinds read: Pod; Deployment (its pod template, one replica), named
 * `<name>-pod` as podman names it; PersistentVolumeClaim (a named volume);
 * ConfigMap (for env valueFrom.configMapKeyRef and envFrom.configMapRef);
 * Service (read and ignored: it describes a cluster's routing).  Several
 * documents may follow each other, separated by `---`.  A pod gets the
 * name in metadata.name and an infra container; its containers are named
 * `POD-CONTAINER`.  Every field the library does not act on is refused with
 * CK_EUNSUPPORTED naming the kind, the field and its line:column, except for
 * a short list with no effect on a single host (status, creationTimestamp,
 * terminationMessagePath, dnsPolicy, ...).
 *
 * The functions are safe to call from several threads; a report handle is
 * read-only once made, and its strings live until it is freed. */
#ifndef CONTAINERKIT_KUBE_H
#define CONTAINERKIT_KUBE_H

#include "common.h"
#include "registry.h"

CK_BEGIN_DECLS

/** Flags of ck_kube_play_options. */
#define CK_KUBE_REPLACE (1u << 0)  /**< remove pods of the same names first (--replace) */
#define CK_KUBE_NO_START (1u << 1) /**< create the pods without starting them (--start=false) */

#define CK_KUBE_PLAY_OPTIONS_VERSION 2
/** How YAML is played.  Strings and arrays are borrowed for the call;
 *  arrays are NULL-terminated, and NULL means empty.  Version 1 ends at
 *  `infra_pid_file`; version 2 adds `registry`. */
typedef struct ck_kube_play_options {
	unsigned int version;            /**< CK_KUBE_PLAY_OPTIONS_VERSION */
	unsigned int flags;              /**< CK_KUBE_* */
	const char *network;             /**< the pods' network mode; NULL: "bridge" (hostNetwork: "host") */
	const char *const *configmaps;   /**< paths of YAML files holding ConfigMaps (--configmap) */
	const char *const *publish;      /**< extra "[[IP:]HOSTPORT:]CPORT[/PROTO]" for every pod (--publish) */
	/** "KEY=VALUE" annotations for every container (--annotation), as the
	 *  pods' metadata.annotations are.  io.containers.autoupdate=POLICY (or
	 *  io.containers.autoupdate/CONTAINER=POLICY for one container) also
	 *  becomes the container's auto-update label, as podman makes it. */
	const char *const *annotations;
	const char *log_driver;          /**< the containers' log driver (--log-driver); NULL: the default */
	/** Where the first pod's infra monitor writes its pid at each start (a
	 *  systemd unit's PIDFile=); NULL: nowhere. */
	const char *infra_pid_file;
	/* Version 2. */
	/** How the images the containers name are pulled (--tls-verify,
	 *  --authfile, --creds, --cert-dir); NULL: the defaults. */
	const ck_registry_options *registry;
} ck_kube_play_options;

#define CK_KUBE_PLAY_OPTIONS_INIT { CK_KUBE_PLAY_OPTIONS_VERSION, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL }
/** Fills `opts` with the defaults of `version` (1 or 2); CK_EVERSION for
 *  one this library does not know. */
CK_EXTERN int ck_kube_play_options_init(ck_kube_play_options *opts, unsigned int version);

/** What a play made or a down removed: pods (id and name), containers
 *  (id and name, the infra containers left out) and volumes (names). */
typedef struct ck_kube_report ck_kube_report;

/** Plays `len` bytes of YAML.  `source` names the input in errors (a
 *  path, or "-" for standard input).  Everything is checked before
 *  anything is made: malformed YAML is CK_EINVAL with libyaml's reason and
 *  its line:column, an unknown kind or a field that is not acted on is
 *  CK_EUNSUPPORTED naming it and its line:column, a reference that does not
 *  resolve (a volume name, a ConfigMap) is CK_EINVAL.  Next, each
 *  container's image is made ready as its imagePullPolicy says (Always,
 *  IfNotPresent or Never, as ck_image_get() does with `registry`); without
 *  one, an image tagged `latest` or not tagged is pulled always, and any
 *  other only when missing, as Kubernetes and podman do, except that a
 *  `localhost/` image or an image id (which no registry serves) is only
 *  looked up.  A
 *  failed pull or a missing image under Never stops the play before
 *  anything is made, naming the pod and container.  Then the volumes of
 *  the claims are made (one that exists is used), the pods and their
 *  containers are created and, without CK_KUBE_NO_START, started.  A
 *  failure on the way (a missing image, a host port in use) removes what
 *  this call made, and the error names the pod and container.  `*out` (if
 *  not NULL) is the caller's: ck_kube_report_free(). */
CK_EXTERN int ck_kube_play(ck_kube_report **out, ck_context *ctx, const char *yaml, size_t len,
                           const char *source, const ck_kube_play_options *opts);
/** Stops and removes the pods the YAML describes (and their containers);
 *  volumes are kept, as podman keeps them.  A pod that does not exist is
 *  skipped; CK_ENOTFOUND if none of them exists.  The report lists the pods
 *  removed. */
CK_EXTERN int ck_kube_down(ck_kube_report **out, ck_context *ctx, const char *yaml, size_t len,
                           const char *source);

/** How many pods the report lists (0 for NULL). */
CK_EXTERN size_t ck_kube_report_pod_count(const ck_kube_report *report);
/** The i-th pod's id and name; NULL out of range. */
CK_EXTERN const char *ck_kube_report_pod_id(const ck_kube_report *report, size_t i);
CK_EXTERN const char *ck_kube_report_pod_name(const ck_kube_report *report, size_t i);
/** How many containers the report lists (0 for NULL). */
CK_EXTERN size_t ck_kube_report_container_count(const ck_kube_report *report);
/** The i-th container's id and name; NULL out of range. */
CK_EXTERN const char *ck_kube_report_container_id(const ck_kube_report *report, size_t i);
CK_EXTERN const char *ck_kube_report_container_name(const ck_kube_report *report, size_t i);
/** How many volumes the report lists (0 for NULL); a claim's volume that
 *  existed already is listed too. */
CK_EXTERN size_t ck_kube_report_volume_count(const ck_kube_report *report);
/** The i-th volume's name; NULL out of range. */
CK_EXTERN const char *ck_kube_report_volume_name(const ck_kube_report *report, size_t i);
/** Accepts NULL. */
CK_EXTERN void ck_kube_report_free(ck_kube_report *report);

/** Flags of ck_kube_generate(). */
#define CK_KUBE_SERVICE (1u << 0) /**< also a Service document for the published ports (--service) */

/** Kubernetes YAML for the pods and containers `refs` (names or ids,
 *  NULL-terminated; a pod is looked for after a container, as podman does):
 *  a Pod document each, which ck_kube_play() reads back to the same pod.
 *  A container outside a pod becomes a pod named `<container>-pod`.  The
 *  pod's containers are named without their `POD-` prefix, and the values
 *  equal to the image's defaults (environment, command) are left out.
 *  `*out` is the caller's (ck_free()). */
CK_EXTERN int ck_kube_generate(char **out, ck_context *ctx, const char *const *refs, unsigned int flags);

CK_END_DECLS

#endif

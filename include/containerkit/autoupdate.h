/* Auto-update: containers labelled io.containers.autoupdate are moved to the
 * newest image their name points to, in the registry or the local store, and
 * rolled back when the updated container does not keep running.
 * Thread safety: ck_autoupdate_run() may be called from several threads (two
 * runs take turns on each container through a lock per name); a report
 * handle is used from one thread at a time. */
#ifndef CONTAINERKIT_AUTOUPDATE_H
#define CONTAINERKIT_AUTOUPDATE_H

#include "common.h"

CK_BEGIN_DECLS

/** The label that opts a container in, and its values: "registry" (alias
 *  "image") compares the manifest digest in the registry with the one the
 *  container's image was pulled with; "local" compares the image the
 *  container's image name points to now in the local store with the
 *  container's image.  "disabled" (or "") leaves the container out. */
#define CK_AUTOUPDATE_LABEL "io.containers.autoupdate"
/** The label that names a container's systemd unit (set by generated units). */
#define CK_AUTOUPDATE_UNIT_LABEL "PODMAN_SYSTEMD_UNIT"

#define CK_AUTOUPDATE_OPTIONS_VERSION 1

/** Options of ck_autoupdate_run(). */
typedef struct ck_autoupdate_options {
	unsigned int version;       /**< CK_AUTOUPDATE_OPTIONS_VERSION */
	int dry_run;                /**< 1: only report what is pending; nothing changes */
	int rollback;               /**< 1 (default): a failed update restores the previous container */
	int tls_verify;             /**< 1, 0, or -1 for the registry's default (ck_registry_options) */
	const char *authfile;       /**< auth.json for registry requests; NULL: podman's locations */
	unsigned int gate_seconds;  /**< without a healthcheck, how long an updated container must keep
	                                 running before the update counts as good (0: 5 seconds); with
	                                 one, how long it may take to turn healthy (0: its start period
	                                 plus one interval plus one check's timeout) */
} ck_autoupdate_options;

#define CK_AUTOUPDATE_OPTIONS_INIT { CK_AUTOUPDATE_OPTIONS_VERSION, 0, 1, -1, NULL, 0 }

/** Initialises `opts` for the given struct version; CK_EVERSION if unknown. */
CK_EXTERN int ck_autoupdate_options_init(ck_autoupdate_options *opts, unsigned int version);

/** What happened to one container. */
typedef enum ck_autoupdate_result {
	CK_AUTOUPDATE_FALSE = 0,       /**< up to date: nothing to do */
	CK_AUTOUPDATE_PENDING = 1,     /**< an update is available (dry run) */
	CK_AUTOUPDATE_UPDATED = 2,     /**< moved to the new image, and it keeps running */
	CK_AUTOUPDATE_ROLLED_BACK = 3, /**< the update failed; the previous container and image are back */
	CK_AUTOUPDATE_FAILED = 4       /**< the container could not be checked or updated (see `reason`) */
} ck_autoupdate_result;

/** "false", "pending", "true" (updated), "rolled back", "failed": the words
 *  podman prints in its UPDATED column.  NULL for an unknown value. */
CK_EXTERN const char *ck_autoupdate_result_name(ck_autoupdate_result result);

#define CK_AUTOUPDATE_ENTRY_VERSION 1

/** One container's outcome.  The library fills it; fields are only ever
 *  appended, and `version` says which a caller may read. */
typedef struct ck_autoupdate_entry {
	unsigned int version;        /**< CK_AUTOUPDATE_ENTRY_VERSION of the library that made it */
	const char *unit;            /**< the PODMAN_SYSTEMD_UNIT label, or "" */
	const char *container_id;    /**< the container's id (the new one's after an update) */
	const char *container_name;
	const char *image;           /**< the image name the container was created from */
	const char *policy;          /**< "registry", "local", or the label's value when unknown */
	ck_autoupdate_result result;
	const char *reason;          /**< why it failed or was rolled back, else "" */
} ck_autoupdate_entry;

/** The outcome of one run, one entry per labelled container, in the order
 *  of the container list. */
typedef struct ck_autoupdate_report ck_autoupdate_report;

/** Checks every running container labelled CK_AUTOUPDATE_LABEL (pod members
 *  too) and updates those whose image changed.  A container labelled with
 *  its unit (CK_AUTOUPDATE_UNIT_LABEL) while systemd runs as PID 1 is
 *  updated by restarting that unit (`systemctl restart`), which must create
 *  it again from its image name (`generate systemd --new`, Quadlet files);
 *  the gate below then applies to the container the unit brought up, and a
 *  rollback tags the previous image again and restarts the unit once more.
 *  Otherwise a container is made
 *  again from its own record under the same name, pod, volumes, ports and
 *  labels, from the new image, and started; the update counts as good when
 *  it is still running after the gate period, or, when it has a
 *  healthcheck, once it turns healthy within its start period.  Otherwise (with `rollback`)
 *  the new container is removed, the previous one renamed back and started
 *  again if it ran, and the previous image tagged again under the name.
 *  Volumes and their data are never removed.  A problem with one container
 *  is reported in its entry (CK_AUTOUPDATE_FAILED) and the run goes on; the
 *  call fails only when the containers cannot be listed.  `*out` belongs to
 *  the caller (ck_autoupdate_report_free()).  `opts` may be NULL. */
CK_EXTERN int ck_autoupdate_run(ck_autoupdate_report **out, ck_context *ctx, const ck_autoupdate_options *opts);
/** The number of entries (0 for NULL). */
CK_EXTERN size_t ck_autoupdate_report_count(const ck_autoupdate_report *report);
/** Entry `i`, or NULL past the end.  Borrowed, lives as long as the report. */
CK_EXTERN const ck_autoupdate_entry *ck_autoupdate_report_byindex(const ck_autoupdate_report *report, size_t i);
/** The report as a JSON array in the shape of `podman auto-update --format
 *  json`: {"Unit","Container" ("ID12 (name)"),"ContainerID","ContainerName",
 *  "Image","Policy","Updated","Reason"}.  `*out` belongs to the caller (ck_free()). */
CK_EXTERN int ck_autoupdate_report_json(char **out, const ck_autoupdate_report *report);
/** Accepts NULL. */
CK_EXTERN void ck_autoupdate_report_free(ck_autoupdate_report *report);

CK_END_DECLS

#endif

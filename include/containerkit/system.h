/* Whole-store operations: information, migration between state backends,
 * consistency checks and repair, and reset. */
#ifndef CONTAINERKIT_SYSTEM_H
#define CONTAINERKIT_SYSTEM_H

#include "common.h"

CK_BEGIN_DECLS

/** A description of the host and the store as JSON, in the spirit of
 *  `podman info`: paths, backend, runtime, cgroup mode, kernel, versions and
 *  record counts; the rendering of ck_system_info_report_new()'s typed
 *  report (ck_system_info_report_json()).  `*out` belongs to the caller
 *  (ck_free()). */
CK_EXTERN int ck_system_info(char **out, ck_context *ctx);

/** What ck_system_info() describes, typed: a snapshot taken once, whose
 *  parts are read into the versioned structs below.  Immutable once made;
 *  may be shared by threads.  Free with ck_system_info_report_free().
 *  Since 1.1. */
typedef struct ck_system_info_report ck_system_info_report;

#define CK_SYSTEM_HOST_INFO_VERSION 1

/** The host, as `podman info` shows it under "host".  Fields are only ever
 *  appended; the caller sets `version` (ck_system_host_info_init()).  Every
 *  string is borrowed from the report and lives as long as it; a string is
 *  "" (never NULL) when the value is not known.  Since 1.1. */
typedef struct ck_system_host_info {
	unsigned int version;         /**< CK_SYSTEM_HOST_INFO_VERSION */
	const char *os;               /**< "linux" */
	const char *kernel;           /**< the kernel's release (uname -r) */
	const char *arch;             /**< as OCI spells it: "amd64", "arm64", ... */
	const char *hostname;
	const char *cgroup_version;   /**< "v1", "v2", or "hybrid" (v1 controllers with a cgroup2 mount beside them) */
	const char *cgroup_manager;   /**< "cgroupfs": the library writes cgroups itself */
	int rootless;                 /**< 1 for a rootless context */
	const char *oci_runtime_name; /**< "crun", "runc", or the configured one's base name */
	const char *oci_runtime_path; /**< its executable; "" when it is not installed */
	const char *oci_runtime_version; /**< the first line of `RUNTIME --version` */
	const char *network_backend;  /**< "netavark": the driver of bridge networks */
	const char *netavark_path;    /**< "" when netavark is not installed */
	const char *netavark_version; /**< the first line of `netavark --version` */
	const char *slirp4netns_path; /**< "" when slirp4netns is not installed */
	const char *slirp4netns_version; /**< the first line of `slirp4netns --version` */
	const char *event_logger;     /**< "file", or "none" when CK_EVENTS_BACKEND=none */
	const char *log_driver;       /**< "k8s-file" */
	const char *boot_id;          /**< the kernel's boot id */
	uint64_t mem_total;           /**< bytes of RAM */
	uint64_t mem_free;
	uint64_t swap_total;
	uint64_t swap_free;
	unsigned int cpus;            /**< online processors */
	const char *library_version;  /**< ck_version() of the library that made the report */
	int library_version_number;   /**< ck_version_number() of that library */
} ck_system_host_info;

#define CK_SYSTEM_HOST_INFO_INIT { CK_SYSTEM_HOST_INFO_VERSION, NULL, NULL, NULL, NULL, NULL, NULL, 0, NULL, \
	NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0, 0, 0, 0, 0, NULL, 0 }

#define CK_SYSTEM_STORE_INFO_VERSION 1

/** The store, as `podman info` shows it under "store".  Same rules as
 *  ck_system_host_info.  Since 1.1. */
typedef struct ck_system_store_info {
	unsigned int version;         /**< CK_SYSTEM_STORE_INFO_VERSION */
	const char *graph_root;       /**< the context's root */
	const char *run_root;         /**< the context's run root */
	const char *config_file;      /**< the containerkit.conf read, "" if none */
	const char *state_backend;    /**< "sqlite" or "lmdb" */
	const char *volume_path;      /**< where volumes' data lives */
	const char *graph_driver;     /**< "overlay", or "vfs" when CK_ROOTFS_FORCE_COPY makes copies */
	uint64_t images;
	uint64_t containers;
	uint64_t containers_running;  /**< running (or starting, stopping, restarting) */
	uint64_t containers_paused;
	uint64_t containers_stopped;  /**< the others: created, exited, stopped */
	uint64_t pods;
	uint64_t volumes;
} ck_system_store_info;

#define CK_SYSTEM_STORE_INFO_INIT { CK_SYSTEM_STORE_INFO_VERSION, NULL, NULL, NULL, NULL, NULL, NULL, \
	0, 0, 0, 0, 0, 0, 0 }

/** Zeroes `out` and sets its version; CK_EVERSION if unknown, CK_EINVAL
 *  for NULL.  Since 1.1. */
CK_EXTERN int ck_system_host_info_init(ck_system_host_info *out, unsigned int version);
/** Zeroes `out` and sets its version; CK_EVERSION if unknown, CK_EINVAL
 *  for NULL.  Since 1.1. */
CK_EXTERN int ck_system_store_info_init(ck_system_store_info *out, unsigned int version);

/** Looks at the host and the store once: counts the records (opening the
 *  store: CK_ECONFIG and the other errors of opening it), locates the OCI
 *  runtime, netavark and slirp4netns and runs each one's `--version` (a
 *  helper that is missing or fails leaves its path or version ""; it is
 *  not an error).  `*out` belongs to the caller
 *  (ck_system_info_report_free()).  CK_EINVAL for a NULL argument,
 *  CK_ENOMEM.  Since 1.1. */
CK_EXTERN int ck_system_info_report_new(ck_system_info_report **out, ck_context *ctx);
/** Frees a report; accepts NULL.  Since 1.1. */
CK_EXTERN void ck_system_info_report_free(ck_system_info_report *report);
/** Fills `*out` (whose version the caller set); its strings are borrowed
 *  from `report`.  CK_EVERSION for an unknown version, CK_EINVAL for NULL.
 *  Since 1.1. */
CK_EXTERN int ck_system_info_report_host(ck_system_host_info *out, const ck_system_info_report *report);
/** Fills `*out` (whose version the caller set); its strings are borrowed
 *  from `report`.  CK_EVERSION for an unknown version, CK_EINVAL for NULL.
 *  Since 1.1. */
CK_EXTERN int ck_system_info_report_store(ck_system_store_info *out, const ck_system_info_report *report);
/** The report as JSON, as ck_system_info() gives it: `podman info`'s keys
 *  where ck has the value ("host", "store", "plugins", "version": host.os,
 *  host.ociRuntime.name, store.graphRoot, store.containerStore.running,
 *  version.Version, ...) and the keys of 1.0 beside them.  `*out` is the
 *  caller's (ck_free()).  CK_EINVAL for NULL, CK_ENOMEM.  Since 1.1. */
CK_EXTERN int ck_system_info_report_json(char **out, const ck_system_info_report *report);

#define CK_SYSTEM_MIGRATE_PROGRESS_VERSION 1

/** Progress of a migration.  The library fills it; fields are only ever
 *  appended, and `version` says which a caller may read.  It and its
 *  strings are valid only during the callback.  Since 1.1. */
typedef struct ck_system_migrate_progress {
	unsigned int version;   /**< CK_SYSTEM_MIGRATE_PROGRESS_VERSION of the library that made it */
	const char *phase;      /**< "copy" (records written to the new store) or "verify" (compared) */
	const char *object;     /**< the bucket being copied ("containers", ...); "" while verifying */
	uint64_t bytes_done;    /**< bytes of keys and values copied (verified) so far */
	uint64_t bytes_total;   /**< bytes of keys and values in the store */
	uint64_t objects_done;  /**< records copied (verified) so far */
	uint64_t objects_total; /**< records in the store */
} ck_system_migrate_progress;

/** Receives migration progress, on the calling thread, after each batch
 *  of records and at the end of each phase.  Since 1.1. */
typedef void (*ck_system_migrate_progress_fn)(const ck_system_migrate_progress *progress, void *payload);

/** Copies every record to the backend `to` ("sqlite" or "lmdb"), verifies
 *  that the copy is identical, switches the store to it atomically, and keeps
 *  the old store as a backup beside it (its path in `*backup_path` when that
 *  is not NULL; ck_free()).  Other processes wait while it runs.  If it is
 *  interrupted, the old store stays in charge.  Migrating to the backend
 *  already in charge fails with CK_EINVAL, an unknown backend with
 *  CK_EINVAL.  `progress` may be NULL.  Since 1.1; ck_system_migrate()
 *  (deprecated.h) takes the old callback. */
CK_EXTERN int ck_system_migrate_v2(char **backup_path, ck_context *ctx, const char *to,
                                   ck_system_migrate_progress_fn progress, void *payload);

/** Kinds of problem ck_system_check() reports. */
#define CK_CHECK_INTEGRITY      "integrity"       /* backend storage is damaged */
#define CK_CHECK_DANGLING_NAME  "dangling-name"   /* a name points to no record */
#define CK_CHECK_ORPHAN_STATE   "orphan-state"    /* mutable state without a record */
#define CK_CHECK_MISSING_STATE  "missing-state"   /* a record without its state */
#define CK_CHECK_BAD_RECORD     "bad-record"      /* a record that is not valid JSON of its kind */
#define CK_CHECK_MISSING_POD    "missing-pod"     /* a container whose pod is gone */
#define CK_CHECK_MISSING_IMAGE  "missing-image"   /* a container whose image is gone */
#define CK_CHECK_MISSING_INFRA  "missing-infra"   /* a pod whose infra container is gone (since 1.1) */
#define CK_CHECK_ORPHAN_VOLUME_DIR "orphan-volume-dir" /* a volume directory without a record */
#define CK_CHECK_MISSING_VOLUME_DIR "missing-volume-dir" /* a volume record without a directory */
#define CK_CHECK_LEFTOVER       "leftover"        /* temporary files of an interrupted operation */
#define CK_CHECK_DAMAGED_IMAGE  "damaged-image"   /* an image whose blobs or unpacked layers are missing */
#define CK_CHECK_MONITOR_GONE   "monitor-gone"    /* a running container whose monitor process died */
#define CK_CHECK_AUTOUPDATE_PREVIOUS "autoupdate-previous" /* a container an interrupted auto-update left aside (since 1.1) */

/** Check flags. */
#define CK_CHECK_REPAIR (1u << 0) /**< fix what can be fixed without losing data */

/** Runs the backend's integrity check, then looks for logical inconsistencies
 *  in the records and on disk (ck_system_check_report_new() gives the same report
 *  typed).  With CK_CHECK_REPAIR, fixes every problem that
 *  can be fixed without losing data.  `*report` (if not NULL) receives JSON:
 *  {"backend":..., "ok":bool, "problems":[{"kind":..., "object":...,
 *  "detail":..., "repairable":bool, "repaired":bool, "hint":...}, ...]}.
 *  `detail` says what was found and names the file or object; `hint` says
 *  the next step (the backup to restore and how, `ck system reset`, the
 *  command that removes the object, or "run 'ck system check --repair'").
 *  It runs on a damaged store too: a store whose marker (<root>/state/backend)
 *  is missing or garbled, or whose backend file is missing, empty, truncated
 *  or damaged, is reported as CK_CHECK_INTEGRITY problems, and the records
 *  are then not checked.  Without CK_CHECK_REPAIR it writes nothing to a
 *  damaged store; with it, the only repair of a damaged store is writing a
 *  lost marker again when exactly one backend's directory holds a store.
 *  Returns CK_OK when the store is consistent after the call (so a repaired
 *  store returns CK_OK), CK_ECORRUPT when problems remain (with the report). */
CK_EXTERN int ck_system_check(char **report, ck_context *ctx, unsigned int flags);

#define CK_SYSTEM_DF_REPORT_VERSION 1

/** The store's disk use, as `podman system df` shows it.  Fields are only
 *  ever appended; the caller sets `version` (ck_system_df_report_init()).  Sizes
 *  are bytes: images' unpacked layers (a layer two images share counts for
 *  each), containers' writable layers, volumes' data.  "Active" means used
 *  by a container (images), running or paused (containers), or used by a
 *  container (volumes); what is not active is reclaimable.  Since 1.1. */
typedef struct ck_system_df_report {
	unsigned int version; /**< CK_SYSTEM_DF_REPORT_VERSION */
	uint64_t images, images_active, images_size, images_reclaimable;
	uint64_t containers, containers_active, containers_size, containers_reclaimable;
	uint64_t volumes, volumes_active, volumes_size, volumes_reclaimable;
} ck_system_df_report;

/** Zeroes `out` and sets its version; CK_EVERSION if unknown.  Since 1.1. */
CK_EXTERN int ck_system_df_report_init(ck_system_df_report *out, unsigned int version);
/** Fills `*out` (whose version the caller set).  Since 1.1. */
CK_EXTERN int ck_system_df(ck_system_df_report *out, ck_context *ctx);

/** ck_system_prune() flags. */
#define CK_SYSTEM_PRUNE_ALL (1u << 0)     /**< -a: every unused image, not only dangling ones */
#define CK_SYSTEM_PRUNE_VOLUMES (1u << 1) /**< --volumes: also unused volumes */

/** Removes what nothing uses, as `podman system prune`: stopped containers,
 *  pods with no running container, dangling images (every unused one with
 *  CK_SYSTEM_PRUNE_ALL) and, with CK_SYSTEM_PRUNE_VOLUMES, unused volumes.
 *  `*removed` (if not NULL) gets "KIND ID" for each ("container ...",
 *  "pod ...", "volume NAME", "image ..."; ck_strv_free()).  Since 1.1. */
CK_EXTERN int ck_system_prune(char ***removed, ck_context *ctx, unsigned int flags);

/** The kind of an object ck_system_prune_v2() removed. */
typedef enum ck_system_pruned_kind {
	CK_PRUNED_CONTAINER = 0,
	CK_PRUNED_POD = 1,
	CK_PRUNED_VOLUME = 2,
	CK_PRUNED_IMAGE = 3
} ck_system_pruned_kind;

/** What ck_system_prune_v2() removed; immutable, may be read from several
 *  threads. */
typedef struct ck_system_prune_list ck_system_prune_list;

/** ck_system_prune() with what it removed as a typed list, in the order it
 *  removed them (containers, pods, volumes, images), so that nothing needs
 *  to split "KIND ID" strings.  `*out` belongs to the caller
 *  (ck_system_prune_list_free()); NULL on failure.  Errors as
 *  ck_system_prune().  Since 1.1. */
CK_EXTERN int ck_system_prune_v2(ck_system_prune_list **out, ck_context *ctx, unsigned int flags);
/** The number of objects removed. */
CK_EXTERN size_t ck_system_prune_list_count(const ck_system_prune_list *list);
/** Object `i`'s kind (a ck_system_pruned_kind), or -1 past the end. */
CK_EXTERN int ck_system_prune_list_kind(const ck_system_prune_list *list, size_t i);
/** Object `i`'s id (a volume's name), or NULL past the end.  Borrowed: lives
 *  as long as the list. */
CK_EXTERN const char *ck_system_prune_list_id(const ck_system_prune_list *list, size_t i);
/** Frees the list; NULL is ignored. */
CK_EXTERN void ck_system_prune_list_free(ck_system_prune_list *list);
/** The typed result of a check: the problems found, each with what was
 *  found and the next step.  Not thread-safe; free with
 *  ck_system_check_report_free().  ck_system_check()'s JSON renders the same data. */
typedef struct ck_check_report ck_system_check_report;
/** One problem of a report, borrowed from it: valid until the report is freed. */
typedef struct ck_check_problem ck_system_check_problem;

/** Runs the same check as ck_system_check() and hands over the typed
 *  report in `*out` (the caller's, ck_system_check_report_free()).  Returns CK_OK
 *  when the store is consistent after the call, CK_ECORRUPT when problems
 *  remain (`*out` is set in both cases), or another error (`*out` NULL). */
CK_EXTERN int ck_system_check_report_new(ck_system_check_report **out, ck_context *ctx, unsigned int flags);
/** Frees a report and its problems; accepts NULL. */
CK_EXTERN void ck_system_check_report_free(ck_system_check_report *report);
/** The backend of the store checked ("sqlite", "lmdb"; "" when unknown). */
CK_EXTERN const char *ck_system_check_report_backend(const ck_system_check_report *report);
/** The number of problems found (repaired ones included). */
CK_EXTERN size_t ck_system_check_report_count(const ck_system_check_report *report);
/** The number of problems that remain (not repaired). */
CK_EXTERN size_t ck_system_check_report_remaining(const ck_system_check_report *report);
/** Problem `i` (0 <= i < count), or NULL out of range. */
CK_EXTERN const ck_system_check_problem *ck_system_check_report_byindex(const ck_system_check_report *report, size_t i);
/** The report as ck_system_check() gives it; `*out` is the caller's (ck_free()). */
CK_EXTERN int ck_system_check_report_json(char **out, const ck_system_check_report *report);
/** The kind (one of CK_CHECK_INTEGRITY ...), never NULL for a problem. */
CK_EXTERN const char *ck_system_check_problem_kind(const ck_system_check_problem *problem);
/** The object concerned: an id, a name, a file or "state store". */
CK_EXTERN const char *ck_system_check_problem_object(const ck_system_check_problem *problem);
/** What was found, naming the file or the object. */
CK_EXTERN const char *ck_system_check_problem_detail(const ck_system_check_problem *problem);
/** The next step for the user: a backup to restore and the commands that
 *  restore it, `ck system reset`, the command that removes the object, or
 *  "run 'ck system check --repair'"; "none: it was repaired" once repaired. */
CK_EXTERN const char *ck_system_check_problem_hint(const ck_system_check_problem *problem);
/** 1 if a repair can fix it without losing data, else 0. */
CK_EXTERN int ck_system_check_problem_repairable(const ck_system_check_problem *problem);
/** 1 if this call repaired it, else 0. */
CK_EXTERN int ck_system_check_problem_repaired(const ck_system_check_problem *problem);

/** Removes every record, volume and image, and both roots' contents.  The
 *  context stays usable and sees an empty store afterwards. */
CK_EXTERN int ck_system_reset(ck_context *ctx);

CK_END_DECLS

#endif

/* Whole-store operations: information, migration between state backends,
 * consistency checks and repair, and reset. */
#ifndef CONTAINERKIT_SYSTEM_H
#define CONTAINERKIT_SYSTEM_H

#include "common.h"

CK_BEGIN_DECLS

/** A description of the host and the store as JSON, in the spirit of
 *  `podman info`: paths, backend, runtime, cgroup mode, kernel, versions and
 *  record counts.  `*out` belongs to the caller (ck_free()). */
CK_EXTERN int ck_system_info(char **out, ck_context *ctx);

/** Progress of a migration: `done` of `total` records copied or verified.
 *  `phase` is "copy" or "verify". */
typedef void (*ck_migrate_progress_fn)(const char *phase, uint64_t done, uint64_t total, void *payload);

/** Copies every record to the backend `to` ("sqlite" or "lmdb"), verifies
 *  that the copy is identical, switches the store to it atomically, and keeps
 *  the old store as a backup beside it (its path in `*backup_path` when that
 *  is not NULL; ck_free()).  Other processes wait while it runs.  If it is
 *  interrupted, the old store stays in charge.  Migrating to the backend
 *  already in charge fails with CK_EINVAL. */
CK_EXTERN int ck_system_migrate(char **backup_path, ck_context *ctx, const char *to,
                                ck_migrate_progress_fn progress, void *payload);

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

/** Check flags. */
#define CK_CHECK_REPAIR (1u << 0) /**< fix what can be fixed without losing data */

/** Runs the backend's integrity check, then looks for logical inconsistencies
 *  in the records and on disk.  With CK_CHECK_REPAIR, fixes every problem that
 *  can be fixed without losing data.  `*report` (if not NULL) receives JSON:
 *  {"backend":..., "ok":bool, "problems":[{"kind":..., "object":...,
 *  "detail":..., "repairable":bool, "repaired":bool}, ...]}.
 *  Returns CK_OK when the store is consistent after the call (so a repaired
 *  store returns CK_OK), CK_ECORRUPT when problems remain. */
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

/** Removes every record, volume and image, and both roots' contents.  The
 *  context stays usable and sees an empty store afterwards. */
CK_EXTERN int ck_system_reset(ck_context *ctx);

CK_END_DECLS

#endif

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

/** Removes every record, volume and image, and both roots' contents.  The
 *  context stays usable and sees an empty store afterwards. */
CK_EXTERN int ck_system_reset(ck_context *ctx);

CK_END_DECLS

#endif

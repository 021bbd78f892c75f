/* Deprecated parts of the public API, fenced off in one place.  A deprecated
 * function keeps its symbol and its behaviour for the whole major version
 * (ABI.md); it moves here with CK_DEPRECATED naming its replacement, and goes
 * away only at the next major version.  Each keeps the thread safety its
 * replacement's header states. */
#ifndef CONTAINERKIT_DEPRECATED_H
#define CONTAINERKIT_DEPRECATED_H

#include "common.h"
#include "container.h"
#include "container_fs.h"
#include "context.h"
#include "image.h"
#include "system.h"

/** Marks a declaration as deprecated; `msg` names the replacement, as in
 *  `CK_EXTERN CK_DEPRECATED("use ck_x_v2()") int ck_x(void);`.  Define
 *  CK_NO_DEPRECATION_WARNINGS before including containerkit.h to silence
 *  the compiler's warnings. */
#if (defined(__GNUC__) || defined(__clang__)) && !defined(CK_NO_DEPRECATION_WARNINGS)
#define CK_DEPRECATED(msg) __attribute__((deprecated(msg)))
#else
#define CK_DEPRECATED(msg)
#endif

CK_BEGIN_DECLS

/* ---- 1.0 names of types that left out their module (renamed in 1.1 to
 * ck_<module>_<noun>; the struct and enum tags keep the 1.0 names, which
 * the ABI records) ---- */

typedef ck_container_attach_options ck_attach_options; /**< old name of ck_container_attach_options */
typedef ck_container_exec_options ck_exec_options; /**< old name of ck_container_exec_options */
typedef ck_container_logs_options ck_logs_options; /**< old name of ck_container_logs_options */
typedef ck_container_log_entry ck_log_entry; /**< old name of ck_container_log_entry */
typedef ck_container_log_entry_fn ck_log_entry_fn; /**< old name of ck_container_log_entry_fn */
typedef ck_container_mount_type ck_mount_type; /**< old name of ck_container_mount_type */
typedef ck_container_port_mapping ck_port_mapping; /**< old name of ck_container_port_mapping */
typedef ck_container_change_kind ck_change_kind; /**< old name of ck_container_change_kind */
typedef ck_container_change_list ck_change_list; /**< old name of ck_container_change_list */
typedef ck_container_commit_options ck_commit_options; /**< old name of ck_container_commit_options */
typedef ck_system_check_report ck_check_report; /**< old name of ck_system_check_report */
typedef ck_system_check_problem ck_check_problem; /**< old name of ck_system_check_problem */

#define CK_ATTACH_OPTIONS_VERSION CK_CONTAINER_ATTACH_OPTIONS_VERSION
#define CK_ATTACH_OPTIONS_INIT CK_CONTAINER_ATTACH_OPTIONS_INIT
#define CK_EXEC_OPTIONS_VERSION CK_CONTAINER_EXEC_OPTIONS_VERSION
#define CK_EXEC_OPTIONS_INIT CK_CONTAINER_EXEC_OPTIONS_INIT
#define CK_LOGS_OPTIONS_VERSION CK_CONTAINER_LOGS_OPTIONS_VERSION
#define CK_LOGS_OPTIONS_INIT CK_CONTAINER_LOGS_OPTIONS_INIT
#define CK_COMMIT_OPTIONS_VERSION CK_CONTAINER_COMMIT_OPTIONS_VERSION
#define CK_COMMIT_OPTIONS_INIT CK_CONTAINER_COMMIT_OPTIONS_INIT
#define CK_LOG_ENTRY_VERSION CK_CONTAINER_LOG_ENTRY_VERSION

/** Receives one line (or part of a line that the container wrote without a
 *  newline, `partial` 1) of the log, with its newline when it had one.
 *  `data` is valid only during the call.  Return non-zero to stop. */
typedef int (*ck_log_line_fn)(int stream, int64_t time_ns, const char *data, size_t len, int partial,
                              void *payload);

/** Superseded by ck_container_logs_v2(), whose callback takes a versioned
 *  struct that can grow.  Reads the container's log (the current file and
 *  the rotated one), as `podman logs`.  With `follow`, waits for new lines until the container
 *  exits or `fn` returns non-zero.  Returns CK_OK, or the callback's
 *  non-zero value if it stopped the reading. */
CK_EXTERN CK_DEPRECATED("use ck_container_logs_v2()") int ck_container_logs(ck_container *ctr,
                                                                           const ck_logs_options *opts,
                                                                           ck_log_line_fn fn, void *payload);

/** Superseded by ck_image_load_v2(), whose callback takes a versioned
 *  struct that can grow (ck_image_progress).  Loads every image of an
 *  archive as ck_image_load_v2() does, reporting with the old callback. */
CK_EXTERN CK_DEPRECATED("use ck_image_load_v2()") int ck_image_load(char ***names, ck_context *ctx,
                                                                   const char *path, ck_progress_fn progress,
                                                                   void *payload);

/* ck_registry_options.progress (a ck_progress_fn) is superseded by its
 * `transfer_progress` (a ck_image_progress_fn, options version 2); both
 * are called when both are set. */

/** Superseded by ck_system_migrate_progress_fn (ck_system_migrate_v2()):
 *  progress of a migration, `done` of `total` records copied or verified;
 *  `phase` is "copy" or "verify". */
typedef void (*ck_migrate_progress_fn)(const char *phase, uint64_t done, uint64_t total, void *payload);

/** Superseded by ck_system_migrate_v2(), whose callback takes a versioned
 *  struct.  Migrates the store as ck_system_migrate_v2() does. */
CK_EXTERN CK_DEPRECATED("use ck_system_migrate_v2()") int ck_system_migrate(char **backup_path, ck_context *ctx,
                                                                           const char *to,
                                                                           ck_migrate_progress_fn progress,
                                                                           void *payload);

/* ---- 1.0 and 1.1 names of functions named after those types: the same
 * functions, exported under both names ---- */

/** Old name of ck_container_attach_options_init(). */
CK_EXTERN CK_DEPRECATED("use ck_container_attach_options_init()")
int ck_attach_options_init(ck_container_attach_options *opts, unsigned int version);
/** Old name of ck_container_exec_options_init(). */
CK_EXTERN CK_DEPRECATED("use ck_container_exec_options_init()")
int ck_exec_options_init(ck_container_exec_options *opts, unsigned int version);
/** Old name of ck_container_logs_options_init(). */
CK_EXTERN CK_DEPRECATED("use ck_container_logs_options_init()")
int ck_logs_options_init(ck_container_logs_options *opts, unsigned int version);
/** Old name of ck_container_commit_options_init(). */
CK_EXTERN CK_DEPRECATED("use ck_container_commit_options_init()")
int ck_commit_options_init(ck_container_commit_options *opts, unsigned int version);
/** Old name of ck_container_change_list_count(). */
CK_EXTERN CK_DEPRECATED("use ck_container_change_list_count()")
size_t ck_change_list_count(const ck_container_change_list *list);
/** Old name of ck_container_change_list_path(). */
CK_EXTERN CK_DEPRECATED("use ck_container_change_list_path()")
const char *ck_change_list_path(const ck_container_change_list *list, size_t i);
/** Old name of ck_container_change_list_kind(). */
CK_EXTERN CK_DEPRECATED("use ck_container_change_list_kind()")
int ck_change_list_kind(const ck_container_change_list *list, size_t i);
/** Old name of ck_container_change_list_free(). */
CK_EXTERN CK_DEPRECATED("use ck_container_change_list_free()")
void ck_change_list_free(ck_container_change_list *list);
/** Old name of ck_system_check_report_new(). */
CK_EXTERN CK_DEPRECATED("use ck_system_check_report_new()")
int ck_check_report_new(ck_system_check_report **out, ck_context *ctx, unsigned int flags);
/** Old name of ck_system_check_report_free(). */
CK_EXTERN CK_DEPRECATED("use ck_system_check_report_free()")
void ck_check_report_free(ck_system_check_report *report);
/** Old name of ck_system_check_report_backend(). */
CK_EXTERN CK_DEPRECATED("use ck_system_check_report_backend()")
const char *ck_check_report_backend(const ck_system_check_report *report);
/** Old name of ck_system_check_report_count(). */
CK_EXTERN CK_DEPRECATED("use ck_system_check_report_count()")
size_t ck_check_report_count(const ck_system_check_report *report);
/** Old name of ck_system_check_report_remaining(). */
CK_EXTERN CK_DEPRECATED("use ck_system_check_report_remaining()")
size_t ck_check_report_remaining(const ck_system_check_report *report);
/** Old name of ck_system_check_report_byindex(). */
CK_EXTERN CK_DEPRECATED("use ck_system_check_report_byindex()")
const ck_system_check_problem *ck_check_report_byindex(const ck_system_check_report *report, size_t i);
/** Old name of ck_system_check_report_json(). */
CK_EXTERN CK_DEPRECATED("use ck_system_check_report_json()")
int ck_check_report_json(char **out, const ck_system_check_report *report);
/** Old name of ck_system_check_problem_kind(). */
CK_EXTERN CK_DEPRECATED("use ck_system_check_problem_kind()")
const char *ck_check_problem_kind(const ck_system_check_problem *problem);
/** Old name of ck_system_check_problem_object(). */
CK_EXTERN CK_DEPRECATED("use ck_system_check_problem_object()")
const char *ck_check_problem_object(const ck_system_check_problem *problem);
/** Old name of ck_system_check_problem_detail(). */
CK_EXTERN CK_DEPRECATED("use ck_system_check_problem_detail()")
const char *ck_check_problem_detail(const ck_system_check_problem *problem);
/** Old name of ck_system_check_problem_hint(). */
CK_EXTERN CK_DEPRECATED("use ck_system_check_problem_hint()")
const char *ck_check_problem_hint(const ck_system_check_problem *problem);
/** Old name of ck_system_check_problem_repairable(). */
CK_EXTERN CK_DEPRECATED("use ck_system_check_problem_repairable()")
int ck_check_problem_repairable(const ck_system_check_problem *problem);
/** Old name of ck_system_check_problem_repaired(). */
CK_EXTERN CK_DEPRECATED("use ck_system_check_problem_repaired()")
int ck_check_problem_repaired(const ck_system_check_problem *problem);

CK_END_DECLS

#endif

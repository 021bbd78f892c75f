/* Deprecated parts of the public API, fenced off in one place.  A deprecated
 * function keeps its symbol and its behaviour for the whole major version
 * (ABI.md); it moves here with CK_DEPRECATED naming its replacement, and goes
 * away only at the next major version.  */
#ifndef CONTAINERKIT_DEPRECATED_H
#define CONTAINERKIT_DEPRECATED_H

#include "common.h"
#include "container.h"
#include "image.h"

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

CK_END_DECLS

#endif

/* Deprecated parts of the public API, fenced off in one place.  A deprecated
 * function keeps its symbol and its behaviour for the whole major version
 * (ABI.md); it moves here with CK_DEPRECATED naming its replacement, and goes
 * away only at the next major version.  */
#ifndef CONTAINERKIT_DEPRECATED_H
#define CONTAINERKIT_DEPRECATED_H

#include "common.h"
#include "container.h"

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

CK_END_DECLS

#endif

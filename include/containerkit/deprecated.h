/* Deprecated parts of the public API, fenced off in one place.  A deprecated
 * function keeps its symbol and its behaviour for the whole major version
 * (ABI.md); it moves here with CK_DEPRECATED naming its replacement, and goes
 * away only at the next major version.  Nothing is deprecated yet. */
#ifndef CONTAINERKIT_DEPRECATED_H
#define CONTAINERKIT_DEPRECATED_H

#include "common.h"

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

CK_END_DECLS

#endif

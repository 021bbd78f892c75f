/* Version of the library, at compile time and at run time, and the query for
 * the optional features compiled into it.  Every function here is safe to
 * call from any thread. */
#ifndef CONTAINERKIT_VERSION_H
#define CONTAINERKIT_VERSION_H

#include "common.h"

CK_BEGIN_DECLS

#define CK_VERSION_MAJOR 1
#define CK_VERSION_MINOR 1
#define CK_VERSION_PATCH 0
#define CK_VERSION_STRING "1.1.0"
/** MAJOR * 10000 + MINOR * 100 + PATCH, comparable with `>=`. */
#define CK_VERSION_NUMBER (CK_VERSION_MAJOR * 10000 + CK_VERSION_MINOR * 100 + CK_VERSION_PATCH)

/** The version of the library actually loaded, as "MAJOR.MINOR.PATCH".
 *  The string is static. */
CK_EXTERN const char *ck_version(void);

/** The version of the library actually loaded, as CK_VERSION_NUMBER. */
CK_EXTERN int ck_version_number(void);

/** Feature names for ck_feature_enabled(). */
#define CK_FEATURE_BACKEND_SQLITE "backend.sqlite"
#define CK_FEATURE_BACKEND_LMDB   "backend.lmdb"
#define CK_FEATURE_RUNTIME_CRUN   "runtime.crun"
#define CK_FEATURE_RUNTIME_RUNC   "runtime.runc"

/** Returns 1 if the named feature (one of the CK_FEATURE_ names, or any name
 *  listed by ck_features()) is compiled in, 0 if not. */
CK_EXTERN int ck_feature_enabled(const char *name);

/** All compiled-in feature names, as a static NULL-terminated array. */
CK_EXTERN const char *const *ck_features(void);

CK_END_DECLS

#endif

/* Shared definitions for every public libcontainerkit header: export macro,
 * allocation helpers and the handle type of the root object.  ck_free() and
 * ck_strv_free() are safe to call from any thread. */
#ifndef CONTAINERKIT_COMMON_H
#define CONTAINERKIT_COMMON_H

#include <stddef.h>
#include <stdint.h>

#if defined(__GNUC__) && !defined(CK_STATIC)
#define CK_EXTERN __attribute__((visibility("default")))
#else
#define CK_EXTERN
#endif

#ifdef __cplusplus
#define CK_BEGIN_DECLS extern "C" {
#define CK_END_DECLS }
#else
#define CK_BEGIN_DECLS
#define CK_END_DECLS
#endif

CK_BEGIN_DECLS

/** The root object: storage paths, state backend, runtime and logging.
 *  See containerkit/context.h. */
typedef struct ck_context ck_context;

/** Releases a string or buffer that the library allocated and handed to the
 *  caller (every `char **out` parameter).  Accepts NULL. */
CK_EXTERN void ck_free(void *ptr);

/** Releases a NULL-terminated array of strings that the library allocated,
 *  and every string in it.  Accepts NULL. */
CK_EXTERN void ck_strv_free(char **strv);

/** Flags accepted by the remove functions of every object kind. */
#define CK_REMOVE_FORCE   (1u << 0) /**< remove even if in use / running */
#define CK_REMOVE_VOLUMES (1u << 1) /**< also remove anonymous volumes */

/** Output formats understood by the functions that describe objects. */
#define CK_FORMAT_TEXT 0
#define CK_FORMAT_JSON 1

CK_END_DECLS

#endif

/* Error codes and the per-thread description of the last failure. */
#ifndef CONTAINERKIT_ERROR_H
#define CONTAINERKIT_ERROR_H

#include "common.h"

CK_BEGIN_DECLS

/** Return codes.  Every function that returns int returns CK_OK (0) on
 *  success or one of these negative codes.  Codes are never renumbered; a
 *  retired code stays reserved. */
typedef enum ck_error_code {
	CK_OK          = 0,
	CK_ERROR       = -1,  /**< failure that fits no other code */
	CK_ENOMEM      = -2,  /**< out of memory */
	CK_EINVAL      = -3,  /**< an argument or input is malformed */
	CK_ENOTFOUND   = -4,  /**< the named object, file or key does not exist */
	CK_EEXISTS     = -5,  /**< the name or id is already taken */
	CK_EAMBIGUOUS  = -6,  /**< an id prefix matches more than one object */
	CK_EINUSE      = -7,  /**< the object is used by another one (see CK_REMOVE_FORCE) */
	CK_EIO         = -8,  /**< a system call failed; see ck_error.sys_errno */
	CK_ECORRUPT    = -9,  /**< stored data is damaged or of the wrong type */
	CK_EPERM       = -10, /**< not permitted for this user */
	CK_EUNSUPPORTED = -11, /**< not supported on this host or build */
	CK_ECONFIG     = -12, /**< a configuration file or value is wrong */
	CK_ESTATE      = -13, /**< the object is in the wrong state for the call */
	CK_EBUSY       = -14, /**< the store or object stayed locked past the deadline */
	CK_EVERSION    = -15, /**< an options struct or stored data has an unknown version */
	CK_ERUNTIME    = -16, /**< the OCI runtime failed */
	CK_EDIGEST     = -17, /**< content does not match its digest */
	CK_ENETWORK    = -18, /**< a network or registry operation failed */
	CK_ETIMEOUT    = -19, /**< a wait ran out of time */
	CK_EAUTH       = -20  /**< authentication was refused */
} ck_error_code;

/** What went wrong in the last failed call on this thread.
 *  The library owns it; fields may only be appended in later versions. */
typedef struct ck_error {
	int code;            /**< a ck_error_code, CK_OK if nothing failed */
	int sys_errno;       /**< errno of the failing system call, or 0 */
	const char *message; /**< names the object and the cause; never NULL */
} ck_error;

/** The last error of the calling thread.  Every public function clears it on
 *  entry, so it always describes the most recent call.  Never returns NULL;
 *  the pointer stays valid until the next library call on this thread. */
CK_EXTERN const ck_error *ck_error_last(void);

/** The symbolic name of a code, such as "CK_ENOTFOUND".  Static string;
 *  "CK_E?" for a code this version does not know. */
CK_EXTERN const char *ck_error_name(int code);

/** A short generic description of a code.  Static string. */
CK_EXTERN const char *ck_error_describe(int code);

CK_END_DECLS

#endif

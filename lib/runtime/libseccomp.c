/* The table behind runtime/libseccomp.h. */
#define _GNU_SOURCE
#define CK__DYNLIB_BIND
#include "runtime/libseccomp.h"

#include <dlfcn.h>
#include <stddef.h>

CK__DYNLIB_DEFINE(seccomp, CK__SECCOMP_SYMS, CK_SONAME_LIBSECCOMP, "libseccomp2")

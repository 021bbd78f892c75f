/* The table behind core/libcrypto.h. */
#define _GNU_SOURCE
#define CK__DYNLIB_BIND
#include "core/libcrypto.h"

#include <dlfcn.h>

CK__DYNLIB_DEFINE(crypto, CK__CRYPTO_SYMS, CK_SONAME_LIBCRYPTO, "libssl3")

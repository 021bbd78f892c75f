/* The table behind registry/libcurl.h. */
#define _GNU_SOURCE
#define CK__DYNLIB_BIND
#include "registry/libcurl.h"

#include <dlfcn.h>

CK__DYNLIB_DEFINE(curl, CK__CURL_SYMS, CK_SONAME_LIBCURL, "libcurl4")

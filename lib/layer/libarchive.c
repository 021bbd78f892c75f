/* The table behind layer/libarchive.h. */
#define _GNU_SOURCE
#define CK__DYNLIB_BIND
#include "layer/libarchive.h"

#include <dlfcn.h>

CK__DYNLIB_DEFINE(archive, CK__ARCHIVE_SYMS, CK_SONAME_LIBARCHIVE, "libarchive13")

/* libcurl, loaded on first use (core/dynlib.h): include this instead of
 * <curl/curl.h>.  Only the functions listed here may be called. */
#ifndef CK_REGISTRY_LIBCURL_H
#define CK_REGISTRY_LIBCURL_H

/* curl's type-checking macros would hide the table's names. */
#define CURL_DISABLE_TYPECHECK 1
#include <curl/curl.h>
#include "core/dynlib.h"

#define CK__CURL_SYMS(X) \
	X(curl_easy_cleanup) \
	X(curl_easy_escape) \
	X(curl_easy_init) \
	X(curl_easy_perform) \
	X(curl_easy_reset) \
	X(curl_easy_setopt) \
	X(curl_easy_strerror) \
	X(curl_free) \
	X(curl_global_init) \
	X(curl_slist_append) \
	X(curl_slist_free_all) \
	X(curl_url) \
	X(curl_url_cleanup) \
	X(curl_url_get) \
	X(curl_url_set) \
	X(curl_version_info)

CK__DYNLIB_DECLARE(curl, CK__CURL_SYMS)

/* The library's own names, routed through the table. */
#ifndef CK__DYNLIB_BIND
#undef curl_easy_cleanup
#define curl_easy_cleanup   (ck__curl()->curl_easy_cleanup)
#undef curl_easy_escape
#define curl_easy_escape    (ck__curl()->curl_easy_escape)
#undef curl_easy_init
#define curl_easy_init      (ck__curl()->curl_easy_init)
#undef curl_easy_perform
#define curl_easy_perform   (ck__curl()->curl_easy_perform)
#undef curl_easy_reset
#define curl_easy_reset     (ck__curl()->curl_easy_reset)
#undef curl_easy_setopt
#define curl_easy_setopt    (ck__curl()->curl_easy_setopt)
#undef curl_easy_strerror
#define curl_easy_strerror  (ck__curl()->curl_easy_strerror)
#undef curl_free
#define curl_free           (ck__curl()->curl_free)
#undef curl_global_init
#define curl_global_init    (ck__curl()->curl_global_init)
#undef curl_slist_append
#define curl_slist_append   (ck__curl()->curl_slist_append)
#undef curl_slist_free_all
#define curl_slist_free_all (ck__curl()->curl_slist_free_all)
#undef curl_url
#define curl_url            (ck__curl()->curl_url)
#undef curl_url_cleanup
#define curl_url_cleanup    (ck__curl()->curl_url_cleanup)
#undef curl_url_get
#define curl_url_get        (ck__curl()->curl_url_get)
#undef curl_url_set
#define curl_url_set        (ck__curl()->curl_url_set)
#undef curl_version_info
#define curl_version_info   (ck__curl()->curl_version_info)
#endif

#endif

/* The on-first-use loader (lib/core/dynlib.h): a library that cannot be
 * opened, or lacks a symbol, is a clear CK_EUNSUPPORTED naming the file and
 * the package, decided once; a real library's table works. */
#include "core/core.h"
#include "core/dynlib.h"
#include "core/libcrypto.h"
#include "harness.h"

#include <dlfcn.h>
#include <stdio.h>

static const char *bind_nothing(void *h)
{
	return NULL;
}

static const char *bind_missing(void *h)
{
	return dlsym(h, "ck_no_such_symbol_anywhere") ? NULL : "ck_no_such_symbol_anywhere";
}

static void missing_library_is_a_clear_error(void)
{
	ck__dynlib lib = { .soname = "libck-does-not-exist.so.7", .package = "libck-nothing7", .bind = bind_nothing };

	CK_CHECK_RC(ck__dynlib_require(&lib), CK_EUNSUPPORTED);
	CK_CHECK_CONTAINS(ck_error_last()->message, "cannot load libck-does-not-exist.so.7");
	CK_CHECK_CONTAINS(ck_error_last()->message, "install the libck-nothing7 package");
	CK_CHECK(!ck__dynlib_ready(&lib));
	/* Decided once: the second call fails the same way without retrying. */
	CK_CHECK(lib.state == -1);
	CK_CHECK_RC(ck__dynlib_require(&lib), CK_EUNSUPPORTED);
	CK_CHECK_CONTAINS(ck_error_last()->message, "libck-does-not-exist.so.7");
}

static void missing_symbol_is_named(void)
{
	ck__dynlib lib = { .soname = "libc.so.6", .package = "libc6", .bind = bind_missing };

	CK_CHECK_RC(ck__dynlib_require(&lib), CK_EUNSUPPORTED);
	CK_CHECK_CONTAINS(ck_error_last()->message, "has no symbol ck_no_such_symbol_anywhere");
}

static void crypto_table_computes_sha256(void)
{
	char hex[65];

	CK_CHECK_OK(ck__crypto_require());
	CK_CHECK(ck__dynlib_ready(&ck__crypto_lib));
	CK_CHECK_OK(ck__sha256_hex(hex, "abc", 3));
	CK_CHECK_STR(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

/* A call through a table whose library is not loaded (an entry point that
 * forgot require()) is the library's failure plus a CK_EUNSUPPORTED error:
 * never a message on stderr and never an abort. */
static void call_without_require_fails_with_an_error(void)
{
	int was = __atomic_load_n(&ck__crypto_lib.state, __ATOMIC_ACQUIRE);
	EVP_MD_CTX *md;

	__atomic_store_n(&ck__crypto_lib.state, -1, __ATOMIC_RELEASE);
	snprintf(ck__crypto_lib.error, sizeof(ck__crypto_lib.error), "made unavailable by the test");
	ck__error_clear();
	CK_CHECK(EVP_sha256() == NULL);
	CK_CHECK(ck_error_last()->code == CK_EUNSUPPORTED);
	CK_CHECK_CONTAINS(ck_error_last()->message, "made unavailable by the test");
	CK_CHECK_CONTAINS(ck_error_last()->message, "install the libssl3 package");
	md = EVP_MD_CTX_new();
	CK_CHECK(md == NULL);
	CK_CHECK(EVP_DigestInit_ex(md, NULL, NULL) == 0); /* OpenSSL's failure value */
	EVP_MD_CTX_free(md);
	ck__crypto_lib.error[0] = '\0';
	__atomic_store_n(&ck__crypto_lib.state, was, __ATOMIC_RELEASE);
}

CK_TESTS(CK_TEST(missing_library_is_a_clear_error), CK_TEST(missing_symbol_is_named),
         CK_TEST(crypto_table_computes_sha256), CK_TEST(call_without_require_fails_with_an_error))

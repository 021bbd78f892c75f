/* libcrypto, loaded on first use (core/dynlib.h): include this instead of
 * <openssl/evp.h>.  Only the functions listed here may be called. */
#ifndef CK_CORE_LIBCRYPTO_H
#define CK_CORE_LIBCRYPTO_H

#include <openssl/evp.h>
#include "core/dynlib.h"

#define CK__CRYPTO_SYMS(X) \
	X(EVP_DecodeBlock) \
	X(EVP_Digest) \
	X(EVP_DigestFinal_ex) \
	X(EVP_DigestInit_ex) \
	X(EVP_DigestUpdate) \
	X(EVP_EncodeBlock) \
	X(EVP_MD_CTX_free) \
	X(EVP_MD_CTX_new) \
	X(EVP_sha256)

CK__DYNLIB_DECLARE(crypto, CK__CRYPTO_SYMS)

/* The library's own names, routed through the table. */
#ifndef CK__DYNLIB_BIND
#undef EVP_DecodeBlock
#define EVP_DecodeBlock    (ck__crypto()->EVP_DecodeBlock)
#undef EVP_Digest
#define EVP_Digest         (ck__crypto()->EVP_Digest)
#undef EVP_DigestFinal_ex
#define EVP_DigestFinal_ex (ck__crypto()->EVP_DigestFinal_ex)
#undef EVP_DigestInit_ex
#define EVP_DigestInit_ex  (ck__crypto()->EVP_DigestInit_ex)
#undef EVP_DigestUpdate
#define EVP_DigestUpdate   (ck__crypto()->EVP_DigestUpdate)
#undef EVP_EncodeBlock
#define EVP_EncodeBlock    (ck__crypto()->EVP_EncodeBlock)
#undef EVP_MD_CTX_free
#define EVP_MD_CTX_free    (ck__crypto()->EVP_MD_CTX_free)
#undef EVP_MD_CTX_new
#define EVP_MD_CTX_new     (ck__crypto()->EVP_MD_CTX_new)
#undef EVP_sha256
#define EVP_sha256         (ck__crypto()->EVP_sha256)
#endif

#endif

/* Content digests: validation of "sha256:<hex>" strings and a streaming
 * SHA-256 over libcrypto's EVP interface, so that content is hashed while it
 * is written or read, never in a second pass. */
#include "layer_int.h"

#include "core/libcrypto.h"
#include <string.h>

int ck__digest_parse(const char *digest, char hex[65])
{
	const char *colon;
	size_t n;

	if (!digest || !*digest)
		return ck__error_set(CK_EINVAL, "invalid digest: the digest is %s", digest ? "empty" : "NULL");
	colon = strchr(digest, ':');
	if (!colon)
		return ck__error_set(CK_EINVAL, "invalid digest \"%.80s\": expected \"sha256:<64 hex digits>\"",
		                     digest);
	if ((size_t)(colon - digest) != 6 || strncmp(digest, "sha256", 6) != 0) {
		/* A well-formed algorithm name we do not implement is not malformed input. */
		bool ok = colon != digest;
		for (const char *p = digest; p < colon; p++)
			ok = ok && ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '+' ||
			            *p == '.' || *p == '_' || *p == '-');
		if (!ok)
			return ck__error_set(CK_EINVAL, "invalid digest \"%.80s\": bad algorithm name", digest);
		return ck__error_set(CK_EUNSUPPORTED, "digest \"%.80s\": algorithm \"%.*s\" is not supported "
		                                      "(only sha256)", digest, (int)(colon - digest), digest);
	}
	n = strlen(colon + 1);
	if (n != 64 || !ck__is_hex(colon + 1, 64))
		return ck__error_set(CK_EINVAL, "invalid digest \"%.80s\": expected 64 lowercase hex digits "
		                                "after \"sha256:\"", digest);
	if (hex)
		memcpy(hex, colon + 1, 65);
	return CK_OK;
}

int ck__sha256_init(ck__sha256 *h)
{
	EVP_MD_CTX *md;

	h->md = NULL;
	if (ck__crypto_require() != CK_OK)
		return CK_EUNSUPPORTED;
	if (!(md = EVP_MD_CTX_new()))
		return ck__oom();
	if (EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(md);
		return ck__error_set(CK_EIO, "cannot start a SHA-256 computation (libcrypto)");
	}
	h->md = md;
	return CK_OK;
}

void ck__sha256_update(ck__sha256 *h, const void *data, size_t len)
{
	/* EVP_DigestUpdate cannot fail for an initialised software SHA-256;
	 * a failure would still surface as a wrong digest at the end. */
	if (h->md && len)
		EVP_DigestUpdate(h->md, data, len);
}

int ck__sha256_final(ck__sha256 *h, char hex[65])
{
	static const char digits[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	int ok;

	if (!h->md)
		return ck__error_set(CK_EIO, "SHA-256 computation was not started");
	ok = EVP_DigestFinal_ex(h->md, md, &n) == 1 && n == 32;
	ck__sha256_free(h);
	if (!ok)
		return ck__error_set(CK_EIO, "SHA-256 computation failed (libcrypto)");
	for (unsigned int i = 0; i < 32; i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 15];
	}
	hex[64] = '\0';
	return CK_OK;
}

void ck__sha256_free(ck__sha256 *h)
{
	if (h && h->md) {
		EVP_MD_CTX_free(h->md);
		h->md = NULL;
	}
}

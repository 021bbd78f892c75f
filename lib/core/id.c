/* Identifiers: random 256-bit ids (getrandom), SHA-256 digests (libcrypto),
 * and the name rules shared by every object kind. */
#include "core.h"

#include "core/libcrypto.h"
#include <errno.h>
#include <string.h>
#include <sys/random.h>

static void to_hex(char *out, const unsigned char *in, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hex[in[i] >> 4];
		out[2 * i + 1] = hex[in[i] & 15];
	}
	out[2 * n] = '\0';
}

int ck__random_id(char out[65])
{
	unsigned char raw[32];
	size_t got = 0;
	while (got < sizeof(raw)) {
		ssize_t n = getrandom(raw + got, sizeof(raw) - got, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return ck__error_errno(CK_EIO, "cannot generate a random id: getrandom failed");
		got += (size_t)n;
	}
	to_hex(out, raw, sizeof(raw));
	return CK_OK;
}

int ck__sha256_hex(char out[65], const void *data, size_t len)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	if (ck__crypto_require() != CK_OK)
		return CK_EUNSUPPORTED;
	if (EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen != 32)
		return ck__error_set(CK_EIO, "SHA-256 computation failed");
	to_hex(out, md, 32);
	return CK_OK;
}

bool ck__is_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

static bool name_char(char c, bool first)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return true;
	return !first && (c == '_' || c == '.' || c == '-');
}

int ck__validate_name(const char *name, const char *what)
{
	size_t n;

	if (!name || !*name)
		return ck__error_set(CK_EINVAL, "invalid %s name: the name is empty", what);
	n = strlen(name);
	if (n > 253)
		return ck__error_set(CK_EINVAL, "invalid %s name \"%.40s...\": longer than 253 characters",
		                     what, name);
	for (size_t i = 0; i < n; i++) {
		if (!name_char(name[i], i == 0))
			return ck__error_set(CK_EINVAL,
			                     "invalid %s name \"%s\": character %zu ('%c') is not allowed; "
			                     "names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*",
			                     what, name, i + 1, (name[i] >= 32 && name[i] < 127) ? name[i] : '?');
	}
	return CK_OK;
}

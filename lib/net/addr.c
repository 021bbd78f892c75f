/* IPv4 addresses and CIDR networks, as the network records and the address
 * allocator use them (host byte order throughout). */
#define _GNU_SOURCE
#include "net_int.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int ck__ip4_parse(uint32_t *out, const char *text)
{
	struct in_addr a;

	if (!text || inet_pton(AF_INET, text, &a) != 1)
		return ck__error_set(CK_EINVAL, "\"%s\" is not an IPv4 address", text ? text : "");
	*out = ntohl(a.s_addr);
	return CK_OK;
}

void ck__ip4_format(char buf[16], uint32_t addr)
{
	snprintf(buf, 16, "%u.%u.%u.%u", addr >> 24, (addr >> 16) & 255, (addr >> 8) & 255, addr & 255);
}

int ck__cidr_parse(uint32_t *net, unsigned *prefix, const char *text, const char *what)
{
	char buf[64], *slash, *end;
	unsigned long p;

	if (!text || !*text)
		return ck__error_set(CK_EINVAL, "invalid %s: it is empty", what);
	if (strchr(text, ':'))
		return ck__error_set(CK_EUNSUPPORTED, "invalid %s \"%s\": IPv6 networks are not supported", what,
		                     text);
	if (strlen(text) >= sizeof(buf) || !(slash = strchr(strcpy(buf, text), '/')))
		return ck__error_set(CK_EINVAL, "invalid %s \"%s\": expected ADDRESS/PREFIX, as 10.89.0.0/24", what,
		                     text);
	*slash = '\0';
	p = strtoul(slash + 1, &end, 10);
	if (!slash[1] || *end || p > 32)
		return ck__error_set(CK_EINVAL, "invalid %s \"%s\": the prefix length must be 0 to 32", what, text);
	if (ck__ip4_parse(net, buf) != CK_OK)
		return ck__error_set(CK_EINVAL, "invalid %s \"%s\": \"%s\" is not an IPv4 address", what, text, buf);
	*prefix = (unsigned)p;
	*net &= ck__cidr_mask(*prefix);
	return CK_OK;
}

bool ck__cidr_contains(uint32_t net, unsigned prefix, uint32_t addr)
{
	return (addr & ck__cidr_mask(prefix)) == net;
}

bool ck__cidr_overlap(uint32_t a, unsigned pa, uint32_t b, unsigned pb)
{
	unsigned p = pa < pb ? pa : pb;
	return (a & ck__cidr_mask(p)) == (b & ck__cidr_mask(p));
}

/* --add-host, --dns, --dns-search and --dns-option of a container: the
 * setters, and the check that a pod member leaves them to its pod (whose
 * network namespace, and so whose /etc/hosts and resolv.conf, it shares). */
#define _GNU_SOURCE
#include "container_int.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

static bool is_ip(const char *s)
{
	unsigned char addr[16];
	return s && (inet_pton(AF_INET, s, addr) == 1 || inet_pton(AF_INET6, s, addr) == 1);
}

static bool is_word(const char *s)
{
	return s && *s && !strpbrk(s, " \t\r\n");
}

int ck_container_spec_add_host(ck_container_spec *spec, const char *host_ip)
{
	const char *colon;

	NEED_SPEC("add_host");
	colon = host_ip ? strchr(host_ip, ':') : NULL;
	if (!colon || colon == host_ip || !is_ip(colon + 1) || strpbrk(host_ip, " \t\r\n"))
		return ck__error_set(CK_EINVAL, "invalid --add-host \"%s\": use HOST:IP", host_ip ? host_ip : "");
	return ck__strv_push(&spec->extra.add_hosts, host_ip);
}

int ck_container_spec_add_dns(ck_container_spec *spec, const char *server)
{
	NEED_SPEC("add_dns");
	/* "none", as podman's: no resolv.conf of ck's, the image's stays */
	if (!is_ip(server) && !(server && !strcmp(server, "none")))
		return ck__error_set(CK_EINVAL, "invalid --dns \"%s\": expected an IP address or \"none\"",
		                     server ? server : "");
	return ck__strv_push(&spec->extra.dns, server);
}

int ck_container_spec_add_dns_search(ck_container_spec *spec, const char *domain)
{
	NEED_SPEC("add_dns_search");
	if (!is_word(domain))
		return ck__error_set(CK_EINVAL, "invalid --dns-search \"%s\": expected a domain without spaces",
		                     domain ? domain : "");
	return ck__strv_push(&spec->extra.dns_search, domain);
}

int ck_container_spec_add_dns_option(ck_container_spec *spec, const char *option)
{
	NEED_SPEC("add_dns_option");
	if (!is_word(option))
		return ck__error_set(CK_EINVAL, "invalid --dns-option \"%s\": expected one resolver option without "
		                                "spaces", option ? option : "");
	return ck__strv_push(&spec->extra.dns_options, option);
}

int ck__ctr_dns_for_member(const ck_container_spec *spec, const char *pod)
{
	const char *flag = spec->extra.add_hosts ? "--add-host" : spec->extra.dns ? "--dns" :
	                   spec->extra.dns_search ? "--dns-search" : spec->extra.dns_options ? "--dns-option" : NULL;

	if (!flag)
		return CK_OK;
	return ck__error_set(CK_EINVAL, "a container in pod %s cannot set %s: it shares the pod's network, "
	                                "/etc/hosts and resolv.conf (give %s to 'ck pod create')", pod, flag, flag);
}

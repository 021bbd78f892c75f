/* Host ports of published container ports: a random free one for a port
 * published without a host port (chosen at create, as podman does, so that
 * it stays the same across restarts), and the check at start that nothing
 * on the host listens on a port already. */
#define _GNU_SOURCE
#include "net_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static bool is_udp(const char *protocol)
{
	return protocol && !strcmp(protocol, "udp");
}

/* A socket of the port's protocol bound to host_ip:port (port 0: the kernel
 * picks one).  Returns the fd, or -1 with errno. */
static int bind_port(unsigned *bound, const char *host_ip, const char *protocol, unsigned port)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, (is_udp(protocol) ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0), one = 1;

	if (fd < 0)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	if (host_ip && *host_ip && inet_pton(AF_INET, host_ip, &sa.sin_addr) != 1) {
		close(fd);
		errno = EAFNOSUPPORT;
		return -1;
	}
	/* A port in TIME_WAIT is free for netavark's rules. */
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    (bound && getsockname(fd, (struct sockaddr *)&sa, &len) < 0)) {
		int err = errno;
		close(fd);
		errno = err;
		return -1;
	}
	if (bound)
		*bound = ntohs(sa.sin_port);
	return fd;
}

static int bad_ip(const char *host_ip)
{
	return ck__error_set(CK_EINVAL, "published port: \"%s\" is not an IPv4 address (IPv6 host addresses are "
	                                "not supported in this version)", host_ip);
}

int ck__net_port_pick(unsigned *port, const char *host_ip, const char *protocol, unsigned range)
{
	if (!protocol || (strcmp(protocol, "tcp") && !is_udp(protocol)))
		return ck__error_set(CK_EUNSUPPORTED, "cannot pick a host port for protocol %s: give one",
		                     protocol ? protocol : "(none)");
	if (range < 1)
		range = 1;
	/* The kernel's choice for the first port; the rest of a range must be
	 * free too, else another try. */
	for (int attempt = 0; attempt < 32; attempt++) {
		unsigned base;
		int fd = bind_port(&base, host_ip, protocol, 0);
		bool ok = true;
		if (fd < 0) {
			if (errno == EAFNOSUPPORT)
				return bad_ip(host_ip);
			if (errno == EADDRNOTAVAIL)
				return ck__error_set(CK_EINVAL, "cannot publish a port on %s: it is not an address of "
				                                "this host", host_ip);
			return ck__error_errno(CK_EIO, "cannot find a free host port");
		}
		close(fd);
		if (base + range - 1 > 65535)
			continue;
		for (unsigned i = 1; i < range && ok; i++) {
			int f = bind_port(NULL, host_ip, protocol, base + i);
			ok = f >= 0;
			if (f >= 0)
				close(f);
		}
		if (ok) {
			*port = base;
			return CK_OK;
		}
	}
	return ck__error_set(CK_EINUSE, "cannot find %u consecutive free host ports", range);
}

int ck__net_port_check(const char *host_ip, const char *protocol, unsigned port, unsigned range,
                       const char *ctr_name)
{
	if (protocol && strcmp(protocol, "tcp") && !is_udp(protocol))
		return CK_OK; /* sctp: the kernel here has no listener of it to meet */
	for (unsigned i = 0; i < (range ? range : 1); i++) {
		int fd = bind_port(NULL, host_ip, protocol, port + i);
		if (fd >= 0) {
			close(fd);
			continue;
		}
		if (errno == EAFNOSUPPORT)
			return bad_ip(host_ip);
		if (errno == EADDRINUSE)
			return ck__error_set(CK_EINUSE, "cannot publish port %s%s%u/%s of container %s: the address is "
			                     "already in use", host_ip && *host_ip ? host_ip : "",
			                     host_ip && *host_ip ? ":" : "", port + i, is_udp(protocol) ? "udp" : "tcp",
			                     ctr_name);
		if (errno == EADDRNOTAVAIL)
			return ck__error_set(CK_EINVAL, "cannot publish port %u of container %s: %s is not an address "
			                     "of this host", port + i, ctr_name, host_ip);
		return ck__error_errno(CK_EIO, "cannot check host port %u", port + i);
	}
	return CK_OK;
}

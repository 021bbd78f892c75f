/* sd_notify without libsystemd: one datagram to the socket that
 * $NOTIFY_SOCKET names (a path, or "@name" in the abstract namespace), as
 * systemd's protocol describes it. */
#define _GNU_SOURCE
#include "container_int.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

const char *ck__ctr_notify_socket(const ck__ctr_config *c)
{
	const char *env = getenv("NOTIFY_SOCKET");

	if (c->sdnotify && !strcmp(c->sdnotify, "ignore"))
		return NULL;
	if (env && *env)
		return env;
	return c->notify_socket && *c->notify_socket ? c->notify_socket : NULL;
}

int ck__notify_send(const char *socket_path, const char *message)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t len = strlen(socket_path);
	socklen_t salen;
	int fd, rc = CK_OK;

	if (len < 2 || len >= sizeof(sa.sun_path) || (socket_path[0] != '/' && socket_path[0] != '@'))
		return ck__error_set(CK_EINVAL, "NOTIFY_SOCKET \"%s\" is neither an absolute path nor an abstract "
		                                "socket name", socket_path);
	memcpy(sa.sun_path, socket_path, len);
	if (sa.sun_path[0] == '@')
		sa.sun_path[0] = '\0';
	salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len + (socket_path[0] == '/'));
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
		return ck__error_errno(CK_EIO, "sd_notify: socket");
	ssize_t n;
	do
		n = sendto(fd, message, strlen(message), MSG_NOSIGNAL, (struct sockaddr *)&sa, salen);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		rc = ck__error_errno(CK_EIO, "sd_notify: cannot send \"%s\" to %s", message, socket_path);
	close(fd);
	return rc;
}

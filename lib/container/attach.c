/* The attach socket: unix sockets at paths of any length, the frame
 * format shared with the monitor, and the client side of an attach, which
 * copies frames to the caller's descriptors and the caller's input to the
 * container. */
#define _GNU_SOURCE
#include "container_int.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

/* sun_path is 108 bytes: the directory is reached through its descriptor. */
static int unix_addr(struct sockaddr_un *sa, int *dirfd, const char *dir, const char *name)
{
	*dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (*dirfd < 0)
		return ck__error_errno(ck__errno_code(errno), "cannot open %s", dir);
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	snprintf(sa->sun_path, sizeof(sa->sun_path), "/proc/self/fd/%d/%s", *dirfd, name);
	return CK_OK;
}

int ck__unix_listen(int *out, const char *dir, const char *name)
{
	struct sockaddr_un sa;
	int dirfd, fd, rc;

	*out = -1;
	if ((rc = unix_addr(&sa, &dirfd, dir, name)) != CK_OK)
		return rc;
	unlinkat(dirfd, name, 0);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 16) < 0) {
		rc = ck__error_errno(CK_EIO, "cannot listen on %s/%s", dir, name);
		if (fd >= 0)
			close(fd);
		close(dirfd);
		return rc;
	}
	close(dirfd);
	*out = fd;
	return CK_OK;
}

int ck__unix_connect(int *out, const char *dir, const char *name)
{
	struct sockaddr_un sa;
	int dirfd, fd, rc, r;

	*out = -1;
	if ((rc = unix_addr(&sa, &dirfd, dir, name)) != CK_OK)
		return rc;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		close(dirfd);
		return ck__error_errno(CK_EIO, "cannot create a socket");
	}
	do
		r = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	while (r < 0 && errno == EINTR);
	if (r < 0) {
		rc = ck__error_errno(CK_EIO, "cannot connect to %s/%s", dir, name);
		close(fd);
		close(dirfd);
		return rc;
	}
	close(dirfd);
	*out = fd;
	return CK_OK;
}

int ck__attach_peer_pidfd(int sock)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (getsockopt(sock, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 || cred.pid <= 0)
		return -1;
	return (int)syscall(SYS_pidfd_open, cred.pid, 0);
}

/* Writes all of data, waiting while a non-blocking `fd` is full; a socket
 * is written with MSG_NOSIGNAL.  CK_EIO (errno set) when it fails. */
static int write_all(int fd, const void *data, size_t len, bool sock)
{
	const char *p = data;
	while (len) {
		ssize_t n = sock ? send(fd, p, len, MSG_NOSIGNAL) : write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			struct pollfd pfd = { fd, POLLOUT, 0 };
			poll(&pfd, 1, 1000);
			continue;
		}
		if (n <= 0)
			return CK_EIO;
		p += n;
		len -= (size_t)n;
	}
	return CK_OK;
}

int ck__frame_write(int fd, int type, const void *data, size_t len)
{
	unsigned char hdr[5] = { (unsigned char)type, (unsigned char)(len >> 24), (unsigned char)(len >> 16),
		                 (unsigned char)(len >> 8), (unsigned char)len };
	if (len > CK__FRAME_MAX)
		return CK_EINVAL;
	if (write_all(fd, hdr, sizeof(hdr), true) != CK_OK || (len && write_all(fd, data, len, true) != CK_OK))
		return ck__error_errno(CK_EIO, "cannot write to the attach socket");
	return CK_OK;
}

/* Writes to a caller's descriptor without letting SIGPIPE kill the
 * caller: the signal is blocked in this thread and a pending one consumed. */
static int write_caller(int fd, const char *p, size_t len)
{
	sigset_t pipe_set, old;
	int rc = CK_OK;

	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
	if ((rc = write_all(fd, p, len, false)) != CK_OK && errno == EPIPE) {
		struct timespec zero = { 0, 0 };
		sigtimedwait(&pipe_set, NULL, &zero);
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return rc;
}

static void send_size(int sock, int tty_fd, struct winsize *last)
{
	struct winsize ws;
	char buf[32];

	if (tty_fd < 0 || ioctl(tty_fd, TIOCGWINSZ, &ws) < 0)
		return;
	if (last && ws.ws_row == last->ws_row && ws.ws_col == last->ws_col)
		return;
	if (last)
		*last = ws;
	int n = snprintf(buf, sizeof(buf), "%u %u", ws.ws_row, ws.ws_col);
	ck__frame_write(sock, CK__FRAME_RESIZE, buf, (size_t)n);
	ck__error_clear();
}

typedef struct reader {
	unsigned char hdr[5];
	size_t got;       /* bytes of header + payload so far */
	size_t len;       /* payload length, once the header is in */
	char *payload;
} reader;

int ck__attach_run(int *exit_code, int sock, const ck_attach_options *opts, bool tty, bool stdin_open)
{
	struct winsize last = { 0 };
	reader r = { 0 };
	bool stdin_on = stdin_open && opts->stdin_fd >= 0, out_ok = true;
	char buf[16384];
	int rc = CK_OK;

	*exit_code = -1;
	if (!(r.payload = malloc(CK__FRAME_MAX)))
		return ck__oom();
	if (tty)
		send_size(sock, opts->tty_fd, &last);
	for (;;) {
		struct pollfd pfd[2] = { { sock, POLLIN, 0 }, { stdin_on ? opts->stdin_fd : -1, POLLIN, 0 } };
		int n = poll(pfd, 2, tty && opts->tty_fd >= 0 ? 250 : -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = ck__error_errno(CK_EIO, "attach: poll");
			break;
		}
		if (tty)
			send_size(sock, opts->tty_fd, &last);
		if (pfd[1].revents) {
			ssize_t got = read(opts->stdin_fd, buf, sizeof(buf));
			if (got < 0 && (errno == EINTR || errno == EAGAIN))
				continue;
			if (got > 0) {
				if (ck__frame_write(sock, CK__FRAME_STDIN, buf, (size_t)got) != CK_OK)
					ck__error_clear(); /* the container's end is gone: the output decides */
			} else {
				stdin_on = false;
				if (ck__frame_write(sock, CK__FRAME_STDIN_EOF, NULL, 0) != CK_OK)
					ck__error_clear();
			}
		}
		if (!pfd[0].revents)
			continue;
		size_t want = r.got < 5 ? 5 - r.got : r.len - (r.got - 5);
		char *dst = r.got < 5 ? (char *)r.hdr + r.got : r.payload + (r.got - 5);
		ssize_t got = want ? recv(sock, dst, want, 0) : 0;
		if (got < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (want && got <= 0)
			break; /* the monitor closed the socket without an exit frame */
		r.got += (size_t)got;
		if (r.got == 5) {
			r.len = (size_t)r.hdr[1] << 24 | (size_t)r.hdr[2] << 16 | (size_t)r.hdr[3] << 8 | r.hdr[4];
			if (r.len > CK__FRAME_MAX) {
				rc = ck__error_set(CK_ECORRUPT, "attach: a frame of %zu bytes from the monitor", r.len);
				break;
			}
		}
		if (r.got < 5 || r.got - 5 < r.len)
			continue;
		int type = r.hdr[0];
		if ((type == CK__FRAME_STDOUT || type == CK__FRAME_STDERR) && out_ok) {
			int fd = type == CK__FRAME_STDERR && opts->stderr_fd >= 0 ? opts->stderr_fd : opts->stdout_fd;
			if (type == CK__FRAME_STDERR && opts->stderr_fd < 0)
				fd = -1;
			if (fd >= 0 && write_caller(fd, r.payload, r.len) != CK_OK && type == CK__FRAME_STDOUT)
				out_ok = false; /* the caller's reader went away: keep draining */
		} else if (type == CK__FRAME_EXIT) {
			char code[16];
			snprintf(code, sizeof(code), "%.*s", (int)(r.len < 15 ? r.len : 15), r.payload);
			*exit_code = atoi(code);
			break;
		}
		r.got = r.len = 0;
	}
	free(r.payload);
	return rc;
}

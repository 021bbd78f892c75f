/* The monitor's I/O: the container's output into the k8s-file log (with
 * size-based rotation, one rotated file kept) and to attach clients; the
 * clients' input and terminal size to the container; reaping. */
#define _GNU_SOURCE
#include "monitor.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#define DRAIN_MS 2000

/* ---- log ---- */

int mon_log_open(mon *m)
{
	struct stat st;

	m->log_fd = open(m->logpath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (m->log_fd < 0)
		return ck__error_errno(CK_EIO, "cannot open the log %s", m->logpath);
	m->log_size = fstat(m->log_fd, &st) == 0 ? st.st_size : 0;
	return CK_OK;
}

void mon_log_close(mon *m)
{
	if (m->log_fd >= 0)
		close(m->log_fd);
	m->log_fd = -1;
}

static void rotate(mon *m)
{
	mon_log_close(m);
	if (rename(m->logpath, m->logpath1) < 0)
		ck__log(m->ctx, CK_LOG_WARN, "cannot rotate %s: %s", m->logpath, strerror(errno));
	if (mon_log_open(m) != CK_OK)
		ck__log(m->ctx, CK_LOG_ERROR, "%s", ck_error_last()->message);
}

static void log_line(mon *m, const char *ts, const char *stream, char tag, const char *data, size_t len)
{
	size_t hlen = strlen(ts) + strlen(stream) + 5;
	char *line = malloc(hlen + len + 1);

	if (!line)
		return;
	int n = snprintf(line, hlen + 1, "%s %s %c ", ts, stream, tag);
	memcpy(line + n, data, len);
	line[n + len] = '\n';
	size_t total = (size_t)n + len + 1;
	if (m->log_max > 0 && m->log_size > 0 && m->log_size + (int64_t)total > m->log_max)
		rotate(m);
	if (m->log_fd >= 0) {
		const char *p = line;
		size_t left = total;
		while (left) {
			ssize_t w = write(m->log_fd, p, left);
			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0)
				break;
			p += w;
			left -= (size_t)w;
		}
		m->log_size += (int64_t)(total - left);
	}
	free(line);
}

void mon_log_write(mon *m, int stream, const char *data, size_t len)
{
	const char *name = stream == CK_STREAM_STDERR ? "stderr" : "stdout";
	char ts[48];

	ck__rfc3339_nano(ts, sizeof(ts), ck__now_ns());
	while (len) {
		const char *nl = memchr(data, '\n', len);
		size_t seg = nl ? (size_t)(nl - data) : len;
		log_line(m, ts, name, nl ? 'F' : 'P', data, seg);
		if (!nl)
			break;
		data += seg + 1;
		len -= seg + 1;
	}
}

/* ---- clients ---- */

static void client_drop(mon *m, size_t i)
{
	close(m->clients[i].fd);
	free(m->clients[i].payload);
	m->clients[i] = m->clients[--m->n_clients];
}

static void client_add(mon *m, int fd)
{
	if (m->n_clients == MON_MAX_CLIENTS) {
		close(fd);
		return;
	}
	mon_client *c = &m->clients[m->n_clients];
	memset(c, 0, sizeof(*c));
	c->fd = fd;
	if (!(c->payload = malloc(CK__FRAME_MAX))) {
		close(fd);
		return;
	}
	m->n_clients++;
}

static void accept_one(mon *m)
{
	int fd = accept4(m->listen_fd, NULL, NULL, SOCK_CLOEXEC);
	if (fd >= 0)
		client_add(m, fd);
}

void mon_accept_wait(mon *m, int timeout_ms)
{
	struct pollfd p = { m->listen_fd, POLLIN, 0 };
	int r;

	do
		r = poll(&p, 1, timeout_ms);
	while (r < 0 && errno == EINTR);
	if (r > 0)
		accept_one(m);
	else
		ck__log(m->ctx, CK_LOG_WARN, "no attach client within %d ms; starting anyway", timeout_ms);
}

/* A client that cannot keep up is dropped rather than stall the container. */
static void broadcast(mon *m, int type, const char *data, size_t len)
{
	unsigned char hdr[5] = { (unsigned char)type, (unsigned char)(len >> 24), (unsigned char)(len >> 16),
		                 (unsigned char)(len >> 8), (unsigned char)len };
	for (size_t i = 0; i < m->n_clients;) {
		struct iovec iov[2] = { { hdr, 5 }, { (void *)data, len } };
		struct msghdr msg = { .msg_iov = iov, .msg_iovlen = 2 };
		ssize_t n;
		do
			n = sendmsg(m->clients[i].fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
		while (n < 0 && errno == EINTR);
		if (n != (ssize_t)(len + 5)) {
			/* A partial frame cannot wait in a queue: finish it, briefly. */
			size_t done = n > 0 ? (size_t)n : 0;
			bool ok = n >= 0;
			while (ok && done < len + 5) {
				struct pollfd p = { m->clients[i].fd, POLLOUT, 0 };
				if (poll(&p, 1, 1000) <= 0) {
					ok = false;
					break;
				}
				const char *src = done < 5 ? (const char *)hdr + done : data + (done - 5);
				size_t cnt = done < 5 ? 5 - done : len - (done - 5);
				ssize_t w = send(m->clients[i].fd, src, cnt, MSG_NOSIGNAL | MSG_DONTWAIT);
				if (w < 0 && (errno == EAGAIN || errno == EINTR))
					continue;
				if (w <= 0)
					ok = false;
				else
					done += (size_t)w;
			}
			if (!ok) {
				client_drop(m, i);
				continue;
			}
		}
		i++;
	}
	ck__error_clear();
}

void mon_clients_exit(mon *m, int code)
{
	char buf[16];
	int n = snprintf(buf, sizeof(buf), "%d", code);
	broadcast(m, CK__FRAME_EXIT, buf, (size_t)n);
	mon_clients_close(m);
}

void mon_clients_close(mon *m)
{
	while (m->n_clients)
		client_drop(m, m->n_clients - 1);
}

static void write_stdin(mon *m, const char *data, size_t len)
{
	while (len && m->in_fd >= 0) {
		ssize_t n = write(m->in_fd, data, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			struct pollfd p = { m->in_fd, POLLOUT, 0 };
			if (poll(&p, 1, 5000) <= 0)
				return;
			continue;
		}
		if (n <= 0)
			return;
		data += n;
		len -= (size_t)n;
	}
}

/* Handles a complete frame from client `c`. */
static void client_frame(mon *m, mon_client *c)
{
	switch (c->hdr[0]) {
	case CK__FRAME_STDIN:
		write_stdin(m, c->payload, c->len);
		break;
	case CK__FRAME_STDIN_EOF:
		if (m->cfg.tty && m->in_fd >= 0) {
			write_stdin(m, "\x04", 1); /* the terminal's end-of-file */
		} else if (m->in_fd >= 0) {
			close(m->in_fd);
			m->in_fd = -1;
		}
		break;
	case CK__FRAME_RESIZE: {
		char buf[32];
		unsigned rows = 0, cols = 0;
		snprintf(buf, sizeof(buf), "%.*s", (int)(c->len < 31 ? c->len : 31), c->payload);
		if (m->cfg.tty && sscanf(buf, "%u %u", &rows, &cols) == 2 && m->out_fd >= 0) {
			struct winsize ws = { (unsigned short)rows, (unsigned short)cols, 0, 0 };
			ioctl(m->out_fd, TIOCSWINSZ, &ws);
		}
		break;
	}
	default:
		break;
	}
}

/* Reads from client i; false when it is gone. */
static bool client_read(mon *m, size_t i)
{
	mon_client *c = &m->clients[i];
	size_t want = c->got < 5 ? 5 - c->got : c->len - (c->got - 5);
	char *dst = c->got < 5 ? (char *)c->hdr + c->got : c->payload + (c->got - 5);
	ssize_t n = want ? recv(c->fd, dst, want, MSG_DONTWAIT) : 0;

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return true;
	if (want && n <= 0)
		return false;
	c->got += (size_t)n;
	if (c->got == 5) {
		c->len = (size_t)c->hdr[1] << 24 | (size_t)c->hdr[2] << 16 | (size_t)c->hdr[3] << 8 | c->hdr[4];
		if (c->len > CK__FRAME_MAX)
			return false;
	}
	if (c->got >= 5 && c->got - 5 == c->len) {
		client_frame(m, c);
		c->got = c->len = 0;
	}
	return true;
}

/* ---- reaping and the loop ---- */

void mon_reap(mon *m)
{
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if (pid == m->run.pid && !m->rt_exited) {
			m->rt_exited = true;
			m->rt_status = status;
		} else if (pid == m->init_pid && !m->init_exited) {
			m->init_exited = true;
			m->init_status = status;
		} else if (pid == m->health_pid) {
			m->health_pid = 0;
		}
	}
}

bool mon_ended(mon *m)
{
	if (m->run.pid > 0 && !m->rt_exited)
		return false;
	if (m->init_exited || m->init_gone)
		return true;
	if (m->init_pidfd >= 0 || ck__proc_alive(m->init_pid, m->init_start))
		return false; /* a pidfd that fired is closed */
	/* Dead, or a zombie of ours: reaping after seeing it dead collects a
	 * zombie's status. */
	mon_reap(m);
	if (!m->init_exited)
		m->init_gone = true;
	return true;
}

static void pump(mon *m, int *fd, int stream)
{
	char buf[16384];
	ssize_t n = read(*fd, buf, sizeof(buf));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) { /* EOF, or EIO from a master whose terminal closed */
		close(*fd);
		*fd = -1;
		return;
	}
	mon_log_write(m, stream, buf, (size_t)n);
	broadcast(m, stream == CK_STREAM_STDERR ? CK__FRAME_STDERR : CK__FRAME_STDOUT, buf, (size_t)n);
}

int mon_io_loop(mon *m)
{
	int64_t drain_deadline = 0;
	/* --timeout: the run is killed once it has lasted that long (podman's
	 * conmon does the same) */
	int64_t kill_at = m->cfg.extra.timeout ? ck__mono_ns() + (int64_t)m->cfg.extra.timeout * 1000000000 : 0;

	for (;;) {
		struct pollfd p[5 + MON_MAX_CLIENTS];
		nfds_t n = 0;
		int timeout = -1;

		if (kill_at && !mon_ended(m) && ck__mono_ns() >= kill_at) {
			ck__log(m->ctx, CK_LOG_INFO, "container %s ran for its --timeout of %u s: killing it", m->cfg.name,
			        m->cfg.extra.timeout);
			if (ck__runtime_kill(&m->rt, m->id, SIGKILL, true) != CK_OK)
				ck__error_clear();
			kill_at = 0;
		}

		/* The init's end is seen through its pidfd even when it is not our
		 * child: its runtime (crun's foreground run) reaps it, or a kill
		 * raced a detached run and the runtime reaped it before it exited.
		 * The runtime is our child: SIGCHLD tells of it. */
		if (mon_ended(m)) {
			if (!drain_deadline)
				drain_deadline = ck__mono_ns() + (int64_t)DRAIN_MS * 1000000;
			if ((m->out_fd < 0 && m->err_fd < 0) || ck__mono_ns() >= drain_deadline)
				break;
			timeout = (int)((drain_deadline - ck__mono_ns()) / 1000000) + 1;
		} else if (m->init_pidfd < 0 && (m->run.pid <= 0 || m->rt_exited)) {
			timeout = 500; /* no pidfd (an old kernel): look again */
		}
		if (kill_at && !drain_deadline) {
			int64_t left = (kill_at - ck__mono_ns()) / 1000000 + 1;
			if (timeout < 0 || left < timeout)
				timeout = left < 0 ? 0 : (int)left;
		}
		p[n++] = (struct pollfd){ m->sigfd, POLLIN, 0 };
		p[n++] = (struct pollfd){ m->out_fd, POLLIN, 0 };
		p[n++] = (struct pollfd){ m->err_fd, POLLIN, 0 };
		p[n++] = (struct pollfd){ m->listen_fd, POLLIN, 0 };
		p[n++] = (struct pollfd){ m->init_pidfd, POLLIN, 0 };
		for (size_t i = 0; i < m->n_clients; i++)
			p[n++] = (struct pollfd){ m->clients[i].fd, POLLIN, 0 };
		int r = poll(p, n, timeout);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return ck__error_errno(CK_EIO, "monitor: poll");
		if (p[0].revents) {
			struct signalfd_siginfo si;
			while (read(m->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
				;
			mon_reap(m);
		}
		if (p[1].revents && m->out_fd >= 0)
			pump(m, &m->out_fd, CK_STREAM_STDOUT);
		if (p[2].revents && m->err_fd >= 0)
			pump(m, &m->err_fd, CK_STREAM_STDERR);
		if (p[3].revents & POLLIN)
			accept_one(m);
		if (p[4].revents && m->init_pidfd >= 0) {
			/* Readable for good once it has exited: looked at once. */
			close(m->init_pidfd);
			m->init_pidfd = -1;
			mon_reap(m);
		}
		/* Clients from the end, so that a drop does not skip one. */
		for (size_t i = m->n_clients; i-- > 0;) {
			if (5 + i < n && p[5 + i].revents && p[5 + i].fd == m->clients[i].fd && !client_read(m, i))
				client_drop(m, i);
		}
	}
	return CK_OK;
}

/* Small helpers of the container module: string arrays with their JSON
 * forms, questions about processes asked through /proc, and the watch that
 * waits for a monitor to record an exit. */
#define _GNU_SOURCE
#include "container_int.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int ck__strv_dup(char ***out, const char *const *v)
{
	size_t n = 0;
	char **copy;

	*out = NULL;
	if (!v)
		return CK_OK;
	while (v[n])
		n++;
	if (!(copy = calloc(n + 1, sizeof(*copy))))
		return ck__oom();
	for (size_t i = 0; i < n; i++) {
		if (!(copy[i] = strdup(v[i]))) {
			ck_strv_free(copy);
			return ck__oom();
		}
	}
	*out = copy;
	return CK_OK;
}

void ck__strv_gen(yajl_gen g, const char *key, char *const *v)
{
	if (key)
		ck__json_key(g, key);
	yajl_gen_array_open(g);
	for (size_t i = 0; v && v[i]; i++)
		ck__json_str_val(g, v[i]);
	yajl_gen_array_close(g);
}

int ck__strv_from_json(char ***out, yajl_val arr)
{
	size_t n = arr && YAJL_IS_ARRAY(arr) ? arr->u.array.len : 0, k = 0;
	char **v = calloc(n + 1, sizeof(*v));

	*out = NULL;
	if (!v)
		return ck__oom();
	for (size_t i = 0; i < n; i++) {
		yajl_val s = arr->u.array.values[i];
		if (!YAJL_IS_STRING(s))
			continue;
		if (!(v[k++] = strdup(s->u.string))) {
			ck_strv_free(v);
			return ck__oom();
		}
	}
	*out = v;
	return CK_OK;
}

/* ---- processes ---- */

bool ck__proc_alive(int pid, unsigned long long start)
{
	unsigned long long now = ck__proc_start_time(pid);
	return now != 0 && (start == 0 || now == start);
}

bool ck__proc_wait_gone(int pid, int timeout_ms)
{
	int64_t deadline = ck__mono_ns() + (int64_t)timeout_ms * 1000000;
	int fd = (int)syscall(SYS_pidfd_open, pid, 0);

	if (fd < 0)
		return errno == ESRCH || !ck__proc_alive(pid, 0);
	for (;;) {
		int64_t left = (deadline - ck__mono_ns()) / 1000000;
		if (timeout_ms >= 0 && left <= 0)
			break;
		struct pollfd p = { fd, POLLIN, 0 };
		int r = poll(&p, 1, timeout_ms < 0 ? 1000 : (int)(left > 1000 ? 1000 : left));
		/* A zombie that its parent has not reaped yet counts as gone. */
		if (r > 0 || !ck__proc_alive(pid, 0)) {
			close(fd);
			return true;
		}
		if (r < 0 && errno != EINTR)
			break;
	}
	close(fd);
	return !ck__proc_alive(pid, 0);
}

/* ---- waiting for a monitor ---- */

/* A reader of the FIFO is woken once by each writer that comes and goes:
 * it is opened again for the next wait. */
static bool fifo_open(ck__ctr_watch *w)
{
	if (w->fd >= 0)
		close(w->fd);
	w->fd = w->fifo ? open(w->fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC) : -1;
	return w->fd >= 0;
}

void ck__ctr_watch_open(ck__ctr_watch *w, ck_context *ctx, const char *id)
{
	char *run = ck__ctr_rundir(ctx, id);

	w->fifo = run ? ck__path_join(run, CK__CTR_EXIT_FIFO) : NULL;
	w->fd = w->pidfd = -1;
	w->pid = 0;
	fifo_open(w);
	free(run);
}

void ck__ctr_watch_close(ck__ctr_watch *w)
{
	if (w->fd >= 0)
		close(w->fd);
	if (w->pidfd >= 0)
		close(w->pidfd);
	free(w->fifo);
	w->fifo = NULL;
	w->fd = w->pidfd = -1;
}

bool ck__ctr_watch_wait(ck__ctr_watch *w, int pid, unsigned long long start, int timeout_ms)
{
	if (pid > 0 && pid != w->pid) {
		if (w->pidfd >= 0)
			close(w->pidfd);
		w->pid = pid;
		w->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
		/* Gone already, or its pid reused: the record is to be read again. */
		if (w->pidfd >= 0 && !ck__proc_alive(pid, start))
			return true;
	}
	/* A FIFO that appeared after the record was read may have missed an
	 * exit: the record is read again first.  Without one (a monitor of an
	 * older version) the caller looks again after a nap. */
	if (w->fd < 0)
		return fifo_open(w);
	for (;;) {
		struct pollfd p[2] = { { w->fd, POLLIN, 0 }, { w->pidfd, POLLIN, 0 } };
		int r = poll(p, 2, timeout_ms);
		if (r < 0 && errno == EINTR)
			continue; /* the caller's deadline bounds the wait */
		if (r > 0 && p[0].revents)
			fifo_open(w);
		return true;
	}
}

/* ---- paths ---- */

char *ck__ctr_dir(const ck_context *ctx, const char *id)
{
	return ck__asprintf("%s/containers/%s", ctx->root, id);
}

char *ck__ctr_userdata(const ck_context *ctx, const char *id)
{
	return ck__asprintf("%s/containers/%s/userdata", ctx->root, id);
}

char *ck__ctr_rundir(const ck_context *ctx, const char *id)
{
	return ck__asprintf("%s/containers/%s", ctx->runroot, id);
}

int ck__ctr_slirp_cleanup(ck_context *ctx, const char *id)
{
	char *run = ck__ctr_rundir(ctx, id);
	int rc = run ? ck__slirp_cleanup(run) : ck__oom();
	free(run);
	return rc;
}

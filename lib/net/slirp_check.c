/* Stray slirp4netns processes, for `system check`: one whose container is
 * gone or no longer runs.  slirp4netns ends when its monitor's exit pipe
 * hangs up, and teardown kills the one its pid file names; a process that
 * outlived both (stopped when its monitor was killed, or started by a
 * monitor killed before it wrote the pid file) would hold its published
 * ports for good.  slirp4netns sandboxes itself (its cwd becomes its own
 * root), so the monitor marks it in its environment with its run directory
 * (CK__SLIRP_ENV), which /proc shows to its user and to root. */
#define _GNU_SOURCE
#include "net_int.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The run directory in the environment of process `pid`, if it is one of
 * ours (new string), else NULL. */
static char *marked_dir(pid_t pid)
{
	char path[64], *text = NULL, *dir = NULL;
	size_t len = 0;

	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	if (ck__read_file(&text, NULL, path, 64) != CK_OK || strncmp(text, "slirp4netns", 11) != 0) {
		ck__error_clear();
		free(text);
		return NULL;
	}
	free(text);
	text = NULL;
	snprintf(path, sizeof(path), "/proc/%d/environ", (int)pid);
	if (ck__read_file(&text, &len, path, 1u << 20) != CK_OK) {
		ck__error_clear(); /* another user's, or gone */
		return NULL;
	}
	for (size_t off = 0; off < len && !dir; off += strlen(text + off) + 1)
		if (ck__str_has_prefix(text + off, CK__SLIRP_ENV "="))
			dir = strdup(text + off + strlen(CK__SLIRP_ENV "="));
	free(text);
	return dir;
}

static bool kill_and_wait(pid_t pid)
{
	int fd = (int)syscall(SYS_pidfd_open, pid, 0);
	struct pollfd p = { fd, POLLIN, 0 };
	int r;

	if (fd < 0)
		return errno == ESRCH;
	/* Through the descriptor: the pid cannot have been reused meanwhile. */
	if (syscall(SYS_pidfd_send_signal, fd, SIGKILL, NULL, 0) < 0 && errno != ESRCH) {
		close(fd);
		return false;
	}
	while ((r = poll(&p, 1, 5000)) < 0 && errno == EINTR)
		;
	close(fd);
	return r > 0;
}

int ck__slirp_check(ck_context *ctx, ck__check_report *r, ck__net_owner_fn owner, void *payload)
{
	char *base = ck__runroot_path(ctx, "containers"), *real = NULL, detail[600];
	DIR *d;
	struct dirent *de;

	if (!base)
		return ck__oom();
	real = realpath(base, NULL);
	if (!(d = opendir("/proc"))) {
		free(real);
		free(base);
		return CK_OK;
	}
	while ((de = readdir(d))) {
		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		pid_t pid = (pid_t)atoi(de->d_name);
		char *dir = marked_dir(pid);
		const char *prefix = NULL;
		if (!dir)
			continue;
		size_t bl = strlen(base), rl = real ? strlen(real) : 0;
		if (!strncmp(dir, base, bl) && dir[bl] == '/')
			prefix = dir + bl + 1;
		else if (real && !strncmp(dir, real, rl) && dir[rl] == '/')
			prefix = dir + rl + 1;
		/* Another store's, or not a container's run directory. */
		if (!prefix || !*prefix || strchr(prefix, '/')) {
			free(dir);
			continue;
		}
		int o = owner(ctx, prefix, payload);
		if (o == 2) { /* it runs, or someone is starting or stopping it */
			free(dir);
			continue;
		}
		bool repaired = r->repair && kill_and_wait(pid);
		snprintf(detail, sizeof(detail), "slirp4netns process %d serves container %.12s, which %s; it can be "
		         "killed", (int)pid, prefix, o == 0 ? "no longer exists" : "is not running");
		ck__check_add(r, CK_CHECK_LEFTOVER, prefix, detail, true, repaired);
		ck__error_clear();
		free(dir);
	}
	closedir(d);
	free(real);
	free(base);
	return CK_OK;
}

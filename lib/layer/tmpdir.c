/* Private temporary directories for loads and saves, in the images/tmp
 * convention of blob.c (a directory locked with flock by its owner), named
 * <op>-<pid>-<random> so that one whose owner died can be removed at once
 * instead of after the minute the general sweep waits. */
#define _GNU_SOURCE
#include "layer_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

int ck__tmpdir_create(ck__tmpdir *t, ck_context *ctx, const char *op)
{
	char prefix[64];

	snprintf(prefix, sizeof(prefix), "%s-%ld", op, (long)getpid());
	return ck__store_tmp_mkdir(&t->path, &t->fd, ctx, prefix);
}

void ck__tmpdir_remove(ck__tmpdir *t)
{
	/* Removed while still locked, so no sweeper races the removal. */
	if (t->path)
		ck__rm_rf(t->path);
	if (t->fd >= 0)
		close(t->fd);
	free(t->path);
	t->path = NULL;
	t->fd = -1;
}

bool ck__tmpdir_name_parse(const char *name, long *pid)
{
	const char *p = name;
	char *end;
	long v;

	while (*p >= 'a' && *p <= 'z')
		p++;
	if (p == name || *p != '-' || p[1] < '1' || p[1] > '9')
		return false;
	errno = 0;
	v = strtol(p + 1, &end, 10);
	if (errno || *end != '-' || v <= 0 || strlen(end + 1) != 16 || !ck__is_hex(end + 1, 16))
		return false;
	if (pid)
		*pid = v;
	return true;
}

static bool pid_alive(long pid)
{
	return kill((pid_t)pid, 0) == 0 || errno == EPERM;
}

size_t ck__tmpdir_sweep(ck_context *ctx)
{
	char *root = ck__store_path(ctx, "tmp"), saved[1024];
	int saved_code = ck_error_last()->code, removed;
	struct dirent *d;
	DIR *dir;

	snprintf(saved, sizeof(saved), "%s", ck_error_last()->message);
	removed = ck__store_tmp_sweep(ctx);
	if (removed < 0)
		removed = 0;
	if (root && (dir = opendir(root))) {
		while ((d = readdir(dir))) {
			long pid;
			int fd;
			if (!ck__tmpdir_name_parse(d->d_name, &pid) || pid_alive(pid))
				continue;
			fd = openat(dirfd(dir), d->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (fd < 0)
				continue;
			/* A dead pid and a free lock: the owner is gone (a live owner
			 * in another pid namespace would still hold its lock). */
			if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
				char shown[320];
				snprintf(shown, sizeof(shown), "images/tmp/%s", d->d_name);
				if (ck__rm_at(dirfd(dir), d->d_name, shown) == CK_OK) {
					removed++;
					ck__log(ctx, CK_LOG_INFO, "removed %s, left by process %ld", shown, pid);
				}
			}
			close(fd);
		}
		closedir(dir);
	}
	free(root);
	/* A sweep never changes the caller's error. */
	if (saved_code)
		ck__error_set(saved_code, "%s", saved);
	else
		ck__error_clear();
	return (size_t)removed;
}

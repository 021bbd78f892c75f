/* Lock files: flock(2) locks that the kernel drops when their holder dies, so
 * a killed process never leaves an object locked. */
#define _GNU_SOURCE
#include "core.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/file.h>
#include <unistd.h>

int ck__lock_acquire(ck__lock *lk, const char *path, bool exclusive, int timeout_ms)
{
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	int op = exclusive ? LOCK_EX : LOCK_SH;
	int64_t deadline = ck__mono_ns() + (int64_t)timeout_ms * 1000000;
	int wait_ms = 1;

	lk->fd = -1;
	if (fd < 0)
		return ck__error_errno(ck__errno_code(errno), "cannot open lock file %s", path);
	if (timeout_ms < 0) {
		while (flock(fd, op) < 0) {
			if (errno == EINTR)
				continue;
			int rc = ck__error_errno(CK_EIO, "cannot lock %s", path);
			close(fd);
			return rc;
		}
		lk->fd = fd;
		return CK_OK;
	}
	while (flock(fd, op | LOCK_NB) < 0) {
		if (errno != EWOULDBLOCK && errno != EINTR) {
			int rc = ck__error_errno(CK_EIO, "cannot lock %s", path);
			close(fd);
			return rc;
		}
		if (ck__mono_ns() >= deadline) {
			close(fd);
			return ck__error_set(CK_EBUSY, "%s is still locked by another process after %d ms",
			                     path, timeout_ms);
		}
		ck__sleep_ms(wait_ms);
		if (wait_ms < 50)
			wait_ms *= 2;
	}
	lk->fd = fd;
	return CK_OK;
}

void ck__lock_release(ck__lock *lk)
{
	if (lk && lk->fd >= 0) {
		close(lk->fd); /* closing drops the flock */
		lk->fd = -1;
	}
}

int ck__lock_object(ck__lock *lk, ck_context *ctx, const char *kind, const char *id)
{
	char *dir = ck__runroot_path(ctx, "locks");
	char *path = NULL;
	int rc;

	if (!dir)
		return ck__oom();
	rc = ck__mkdir_p(dir, 0700);
	if (rc == CK_OK) {
		path = ck__asprintf("%s/%s-%s.lock", dir, kind, id);
		rc = path ? ck__lock_acquire(lk, path, true, -1) : ck__oom();
	}
	free(path);
	free(dir);
	return rc;
}

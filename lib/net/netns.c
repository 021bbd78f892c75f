/* Network namespaces that outlive the processes in them: a new namespace
 * bind-mounted on a file under <runroot>/netns, as `ip netns add` does,
 * so that the driver can set it up before the container exists and tear it
 * down after it is gone. */
#define _GNU_SOURCE
#include "net_int.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

char *ck__netns_dir(const ck_context *ctx)
{
	return ck__runroot_path(ctx, "netns");
}

char *ck__net_netns_path(const ck_context *ctx, const char *id)
{
	char *dir = ck__netns_dir(ctx), *path = dir ? ck__asprintf("%s/ck-%.64s", dir, id) : NULL;
	free(dir);
	return path;
}

/* The child does only system calls (the library may live in a threaded
 * program): a namespace of its own, then its namespace file bound onto
 * the target. */
int ck__netns_create(const char *path)
{
	int fd, status = 0;
	pid_t pid;

	fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444);
	if (fd < 0)
		return ck__error_errno(errno == EEXIST ? CK_EEXISTS : CK_EIO, "cannot create the network namespace "
		                       "file %s", path);
	close(fd);
	pid = (pid_t)syscall(SYS_clone, SIGCHLD, NULL, NULL, NULL, NULL);
	if (pid == 0) {
		if (unshare(CLONE_NEWNET) < 0)
			_exit(1);
		if (mount("/proc/self/ns/net", path, NULL, MS_BIND, NULL) < 0)
			_exit(2);
		_exit(0);
	}
	if (pid < 0) {
		int err = errno;
		unlink(path);
		return ck__error_sys(CK_EIO, err, "cannot create the network namespace %s: fork failed", path);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		unlink(path);
		return ck__error_set(CK_EPERM, "cannot create the network namespace %s: %s failed", path,
		                     WIFEXITED(status) && WEXITSTATUS(status) == 1 ? "unshare(CLONE_NEWNET)"
		                                                                   : "the bind mount");
	}
	return CK_OK;
}

int ck__netns_remove(const char *path)
{
	if (umount2(path, MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
		return ck__error_errno(CK_EIO, "cannot unmount the network namespace %s", path);
	if (unlink(path) < 0 && errno != ENOENT)
		return ck__error_errno(CK_EIO, "cannot remove the network namespace file %s", path);
	return CK_OK;
}

/* Paths inside a container's root filesystem, resolved as the container
 * would see them: every symbolic link and ".." stays inside the root
 * (openat2 with RESOLVE_IN_ROOT), so a hostile image cannot make the
 * library touch a host file. */
#define _GNU_SOURCE
#include "container_int.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

int ck__root_open(int *out, int root_fd, const char *path, int flags, mode_t mode)
{
	struct open_how how = { 0 };
	const char *rel = path;
	int fd;

	*out = -1;
	while (*rel == '/')
		rel++;
	if (!*rel)
		rel = ".";
	how.flags = (uint64_t)(flags | O_CLOEXEC);
	how.mode = (flags & (O_CREAT | O_TMPFILE)) ? mode : 0;
	how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
	do
		fd = (int)syscall(SYS_openat2, root_fd, rel, &how, sizeof(how));
	while (fd < 0 && (errno == EINTR || errno == EAGAIN));
	if (fd < 0) {
		if (errno == ENOSYS)
			return ck__error_sys(CK_EUNSUPPORTED, ENOSYS, "cannot resolve %s safely inside the container: "
			                                              "this kernel lacks openat2 (Linux 5.6+)", path);
		return ck__error_errno(ck__errno_code(errno), "%s (in the container)", path);
	}
	*out = fd;
	return CK_OK;
}

int ck__root_mkdir_p(int root_fd, const char *path, mode_t mode)
{
	char *copy = strdup(path);
	int rc = CK_OK;

	if (!copy)
		return ck__oom();
	for (char *p = copy + 1; rc == CK_OK; p++) {
		bool end = *p == '\0';
		if (*p != '/' && !end)
			continue;
		*p = '\0';
		int fd = -1;
		if (*copy && strcmp(copy, "/") != 0) {
			rc = ck__root_open(&fd, root_fd, copy, O_PATH | O_DIRECTORY, 0);
			if (rc == CK_ENOTFOUND) {
				ck__error_clear();
				char *slash = strrchr(copy, '/');
				int parent = -1;
				*slash = '\0';
				rc = ck__root_open(&parent, root_fd, *copy ? copy : "/", O_PATH | O_DIRECTORY, 0);
				*slash = '/';
				if (rc == CK_OK && mkdirat(parent, slash + 1, mode) < 0 && errno != EEXIST)
					rc = ck__error_errno(ck__errno_code(errno), "cannot create %s in the container", copy);
				if (parent >= 0)
					close(parent);
			}
			if (fd >= 0)
				close(fd);
		}
		if (end)
			break;
		*p = '/';
	}
	free(copy);
	return rc;
}

/* Paths beneath a layer root: archive entry names cleaned and checked, and
 * directories opened without ever leaving the root (openat2 RESOLVE_BENEATH,
 * or a walk of O_NOFOLLOW opens where openat2 is missing); plus the overlay
 * conventions for whiteouts and opaque directories. */
#define _GNU_SOURCE
#include "layer_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

bool ck__beneath_force_walk;

/* 0 until openat2 is found missing (ENOSYS), then -1. */
static int openat2_state;

int ck__layer_clean_path(char **out, const char *name, const char *what)
{
	ck__buf b = { 0 };
	const char *p = name;

	*out = NULL;
	if (!name || !*name)
		return ck__error_set(CK_EINVAL, "%s: an entry has an empty name", what);
	if (name[0] == '/')
		return ck__error_set(CK_EINVAL, "%s: entry \"%.200s\" is an absolute path", what, name);
	while (*p) {
		const char *end = strchr(p, '/');
		size_t n = end ? (size_t)(end - p) : strlen(p);

		if (n == 2 && p[0] == '.' && p[1] == '.') {
			ck__buf_free(&b);
			return ck__error_set(CK_EINVAL, "%s: entry \"%.200s\" has a \"..\" component and would "
			                                "leave the layer", what, name);
		}
		if (n > NAME_MAX) {
			ck__buf_free(&b);
			return ck__error_set(CK_EINVAL, "%s: entry \"%.200s\" has a component longer than %d bytes",
			                     what, name, NAME_MAX);
		}
		if (n && !(n == 1 && p[0] == '.')) {
			if (b.len)
				ck__buf_add(&b, "/", 1);
			ck__buf_add(&b, p, n);
		}
		p += n;
		while (*p == '/')
			p++;
	}
	if (b.len >= PATH_MAX) {
		ck__buf_free(&b);
		return ck__error_set(CK_EINVAL, "%s: entry \"%.200s...\" is longer than %d bytes", what, name,
		                     PATH_MAX);
	}
	ck__buf_add(&b, "", 0);
	*out = ck__buf_take(&b);
	return *out ? CK_OK : CK_ENOMEM;
}

static int open_root(int rootfd)
{
	int fd = openat(rootfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/* Opens `rel` (non-empty, clean) beneath `rootfd`, or returns -errno. */
static int open_beneath(int rootfd, const char *rel)
{
	if (!*rel)
		return open_root(rootfd);
	if (!ck__beneath_force_walk && __atomic_load_n(&openat2_state, __ATOMIC_RELAXED) >= 0) {
		struct open_how how = {
			.flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
			.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV,
		};
		for (int tries = 0; tries < 16; tries++) {
			long fd = syscall(SYS_openat2, rootfd, rel, &how, sizeof(how));
			if (fd >= 0)
				return (int)fd;
			/* EAGAIN: a concurrent rename somewhere; the kernel asks
			 * for a retry. */
			if (errno != EAGAIN)
				break;
		}
		if (errno != ENOSYS)
			return -errno;
		__atomic_store_n(&openat2_state, -1, __ATOMIC_RELAXED);
	}
	/* The manual walk cannot tell a symbolic link that stays inside the
	 * root from one that leaves it, so it refuses them all. */
	int cur = open_root(rootfd);
	const char *p = rel;
	char comp[NAME_MAX + 1];

	while (cur >= 0 && *p) {
		const char *end = strchr(p, '/');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		if (n > NAME_MAX) {
			close(cur);
			return -ENAMETOOLONG;
		}
		memcpy(comp, p, n);
		comp[n] = '\0';
		int fd = openat(cur, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0) {
			int e = errno;
			struct stat st;
			if (e == ENOTDIR && fstatat(cur, comp, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
				e = ELOOP;
			close(cur);
			return -e;
		}
		close(cur);
		cur = fd;
		p += n;
		while (*p == '/')
			p++;
	}
	return cur;
}

int ck__beneath_open_dir(int rootfd, const char *rel, bool create)
{
	int fd = open_beneath(rootfd, rel);
	char *prefix;
	int parent;

	if (fd != -ENOENT || !create)
		return fd;
	/* Make the missing ones, each resolved again from the root so that a
	 * symbolic link among them is judged like any other. */
	if (!(prefix = strdup(rel)))
		return -ENOMEM;
	parent = open_root(rootfd);
	for (char *p = prefix; parent >= 0;) {
		char *slash = strchr(p, '/');
		if (slash)
			*slash = '\0';
		fd = open_beneath(rootfd, prefix);
		if (fd == -ENOENT) {
			if (mkdirat(parent, p, 0755) < 0 && errno != EEXIST) {
				fd = -errno;
			} else {
				fd = open_beneath(rootfd, prefix);
			}
		}
		close(parent);
		parent = fd;
		if (!slash)
			break;
		*slash = '/';
		p = slash + 1;
	}
	free(prefix);
	return parent;
}

int ck__rm_at(int at, const char *name, const char *shown)
{
	struct stat st;

	if (fstatat(at, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? CK_OK : ck__error_errno(CK_EIO, "cannot stat %s", shown);
	if (S_ISDIR(st.st_mode)) {
		int fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		DIR *d;
		struct dirent *de;
		int rc = CK_OK;

		if (fd < 0 && errno == EACCES && fchmodat(at, name, 0700, 0) == 0)
			fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return ck__error_errno(CK_EIO, "cannot open %s", shown);
		if (!(d = fdopendir(fd))) {
			close(fd);
			return ck__error_errno(CK_EIO, "cannot read %s", shown);
		}
		while (rc == CK_OK && (de = readdir(d))) {
			if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
				continue;
			rc = ck__rm_at(dirfd(d), de->d_name, shown);
			/* A directory without write permission (possible for a
			 * non-root owner) is opened up once and retried. */
			if (rc != CK_OK && ck_error_last()->sys_errno == EACCES && fchmod(dirfd(d), 0700) == 0) {
				ck__error_clear();
				rc = ck__rm_at(dirfd(d), de->d_name, shown);
			}
		}
		closedir(d);
		if (rc != CK_OK)
			return rc;
		if (unlinkat(at, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
			return ck__error_errno(CK_EIO, "cannot remove a directory in %s", shown);
		return CK_OK;
	}
	if (unlinkat(at, name, 0) < 0 && errno != ENOENT)
		return ck__error_errno(ck__errno_code(errno) == CK_EPERM ? CK_EPERM : CK_EIO,
		                       "cannot remove a file in %s", shown);
	return CK_OK;
}

const char *ck__overlay_xattr(bool rootless, const char *what)
{
	if (!strcmp(what, "opaque"))
		return rootless ? "user.overlay.opaque" : "trusted.overlay.opaque";
	return rootless ? "user.overlay.whiteout" : "trusted.overlay.whiteout";
}

static ssize_t xattr_at(int dirfd, const char *name, const char *attr, char *buf, size_t size, int flags)
{
	int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | flags);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = fgetxattr(fd, attr, buf, size);
	close(fd);
	return n;
}

bool ck__is_whiteout(int dirfd, const char *name, const struct stat *st, bool rootless)
{
	char v[8];

	if (S_ISCHR(st->st_mode) && st->st_rdev == makedev(0, 0))
		return true;
	return S_ISREG(st->st_mode) && st->st_size == 0 &&
	       xattr_at(dirfd, name, ck__overlay_xattr(rootless, "whiteout"), v, sizeof(v), 0) >= 0;
}

bool ck__is_opaque(int dirfd, const char *name, bool rootless)
{
	char v[8];
	ssize_t n = xattr_at(dirfd, name, ck__overlay_xattr(rootless, "opaque"), v, sizeof(v), O_DIRECTORY);
	return n == 1 && v[0] == 'y';
}

bool ck__xattr_reserved(const char *name)
{
	return ck__str_has_prefix(name, "trusted.overlay.") || ck__str_has_prefix(name, "user.overlay.") ||
	       ck__str_has_prefix(name, "user.fuseoverlayfs.") || !strcmp(name, CK__XATTR_OVERRIDE);
}

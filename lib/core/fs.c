/* File-system helpers: recursive mkdir and removal, atomic replacement of a
 * file, whole-file reads, and paths cleaned lexically.  Removal never
 * follows symbolic links. */
#define _GNU_SOURCE
#include "core.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int ck__mkdir_p(const char *path, mode_t mode)
{
	char *copy;
	int rc = CK_OK;

	/* Usually there already, or only the last part missing: one call. */
	if (mkdir(path, mode) == 0 || (errno == EEXIST && ck__is_dir(path)))
		return CK_OK;
	if (errno != ENOENT)
		return errno == EEXIST ? ck__error_set(CK_EIO, "%s exists and is not a directory", path)
		                       : ck__error_errno(ck__errno_code(errno), "cannot create directory %s", path);
	if (!(copy = ck__strdup(path)))
		return ck__oom();
	for (char *p = copy + 1;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char saved = *p;
		*p = '\0';
		if (mkdir(copy, mode) < 0 && errno != EEXIST) {
			rc = ck__error_errno(ck__errno_code(errno), "cannot create directory %s", copy);
			break;
		}
		*p = saved;
		if (saved == '\0')
			break;
	}
	if (rc == CK_OK && !ck__is_dir(path))
		rc = ck__error_set(CK_EIO, "%s exists and is not a directory", path);
	free(copy);
	return rc;
}

int ck__fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return ck__error_errno(CK_EIO, "cannot open directory %s", dir);
	if (fsync(fd) < 0 && errno != EINVAL) {
		int rc = ck__error_errno(CK_EIO, "cannot sync directory %s", dir);
		close(fd);
		return rc;
	}
	close(fd);
	return CK_OK;
}

int ck__write_all(int fd, const void *data, size_t len)
{
	const char *p = data;
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int ck__write_file_atomic(const char *path, const void *data, size_t len, mode_t mode)
{
	return ck__write_file_replace(path, data, len, mode, true);
}

int ck__write_file_replace(const char *path, const void *data, size_t len, mode_t mode, bool durable)
{
	char *tmp = ck__asprintf("%s.tmp-%d", path, (int)getpid());
	char *dir = NULL, *slash;
	int fd, rc = CK_OK;

	if (!tmp)
		return ck__oom();
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0) {
		rc = ck__error_errno(ck__errno_code(errno), "cannot create %s", tmp);
		goto out;
	}
	if (ck__write_all(fd, data, len) < 0 || (durable && fsync(fd) < 0)) {
		rc = ck__error_errno(CK_EIO, "cannot write %s", tmp);
		close(fd);
		unlink(tmp);
		goto out;
	}
	close(fd);
	if (rename(tmp, path) < 0) {
		rc = ck__error_errno(CK_EIO, "cannot rename %s to %s", tmp, path);
		unlink(tmp);
		goto out;
	}
	if (!durable)
		goto out;
	dir = ck__strdup(path);
	if (!dir) {
		rc = ck__oom();
		goto out;
	}
	slash = strrchr(dir, '/');
	if (slash) {
		if (slash == dir)
			slash[1] = '\0';
		else
			*slash = '\0';
		rc = ck__fsync_dir(dir);
	}
out:
	free(dir);
	free(tmp);
	return rc;
}

int ck__read_file(char **out, size_t *len, const char *path, size_t max)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ck__buf b = { 0 };
	char chunk[8192];

	if (fd < 0)
		return ck__error_errno(ck__errno_code(errno), "cannot open %s", path);
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			int rc = ck__error_errno(CK_EIO, "cannot read %s", path);
			close(fd);
			ck__buf_free(&b);
			return rc;
		}
		if (n == 0)
			break;
		if (b.len + (size_t)n > max) {
			close(fd);
			ck__buf_free(&b);
			return ck__error_set(CK_EINVAL, "%s is larger than %zu bytes", path, max);
		}
		ck__buf_add(&b, chunk, (size_t)n);
	}
	close(fd);
	if (!b.data)
		ck__buf_add(&b, "", 0);
	size_t l = b.len;
	*out = ck__buf_take(&b);
	if (!*out)
		return CK_ENOMEM;
	if (len)
		*len = l;
	return CK_OK;
}

static int rm_at(int parent, const char *name, const char *shown)
{
	struct stat st;

	if (fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? CK_OK : ck__error_errno(CK_EIO, "cannot stat %s", shown);
	if (S_ISDIR(st.st_mode)) {
		int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		DIR *d;
		struct dirent *de;
		int rc = CK_OK;

		if (fd < 0)
			return ck__error_errno(CK_EIO, "cannot open %s", shown);
		d = fdopendir(fd);
		if (!d) {
			close(fd);
			return ck__error_errno(CK_EIO, "cannot read %s", shown);
		}
		while (rc == CK_OK && (de = readdir(d))) {
			if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
				continue;
			rc = rm_at(dirfd(d), de->d_name, shown);
		}
		closedir(d);
		if (rc != CK_OK)
			return rc;
		if (unlinkat(parent, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
			return ck__error_errno(CK_EIO, "cannot remove directory in %s", shown);
		return CK_OK;
	}
	if (unlinkat(parent, name, 0) < 0 && errno != ENOENT)
		return ck__error_errno(CK_EIO, "cannot remove a file in %s", shown);
	return CK_OK;
}

int ck__rm_rf(const char *path)
{
	return rm_at(AT_FDCWD, path, path);
}

bool ck__path_exists(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0;
}

bool ck__is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

char *ck__path_clean(const char *path, bool *climbed)
{
	char *out = malloc(strlen(path) + 2), *o = out;

	if (climbed)
		*climbed = false;
	if (!out)
		return NULL;
	*o++ = '/';
	/* o ends in '/' after each component kept; a ".." drops the last one */
	for (const char *p = path; *p;) {
		while (*p == '/')
			p++;
		const char *e = p;
		while (*e && *e != '/')
			e++;
		size_t len = (size_t)(e - p);
		if (len == 2 && p[0] == '.' && p[1] == '.') {
			if (o == out + 1 && climbed)
				*climbed = true;
			if (o > out + 1)
				o--;
			while (o > out + 1 && o[-1] != '/')
				o--;
		} else if (len && !(len == 1 && p[0] == '.')) {
			memcpy(o, p, len);
			o += len;
			*o++ = '/';
		}
		p = e;
	}
	if (o > out + 1)
		o--;
	*o = '\0';
	return out;
}

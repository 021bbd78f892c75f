/* Where ck_image_save writes: a tar file or an OCI layout directory, built
 * under a temporary name next to the destination and renamed into place,
 * so readers never see half an archive.  A destination that is not a
 * regular file (a pipe, /dev/stdout) is written directly. */
#define _GNU_SOURCE
#include "archive_int.h"

#include "layer/libarchive.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define BUF_SIZE (1u << 20)

struct ck__sink {
	ck_context *ctx;
	char *path;       /* the destination */
	char *tmp;        /* what is being written, or NULL when writing to path directly */
	bool dir;
	int fd;           /* tar: the output */
	struct archive *ar;
	char **dirs;      /* tar: directories already emitted */
	char *buf;
};

static int fail_ar(ck__sink *s, const char *what)
{
	const char *msg = archive_error_string(s->ar);
	int err = archive_errno(s->ar);
	if (err > 0)
		return ck__error_sys(CK_EIO, err, "cannot write %s: %s: %s", s->path, what, msg ? msg : "error");
	return ck__error_set(CK_EIO, "cannot write %s: %s: %s", s->path, what, msg ? msg : "error");
}

int ck__sink_open(ck__sink **out, ck_context *ctx, const char *path, bool dir)
{
	ck__sink *s = calloc(1, sizeof(*s));
	char rnd[65], *slash;
	struct stat st;
	bool direct;
	int rc = CK_OK;

	*out = NULL;
	if (!s || !(s->path = ck__strdup(path)) || !(s->buf = malloc(BUF_SIZE))) {
		rc = ck__oom();
		goto fail;
	}
	s->ctx = ctx;
	s->dir = dir;
	s->fd = -1;
	direct = !dir && stat(path, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode);
	if (!direct && stat(path, &st) == 0 && S_ISDIR(st.st_mode) != dir) {
		rc = ck__error_set(CK_EINVAL, "%s exists and is %s", path, dir ? "not a directory" : "a directory");
		goto fail;
	}
	if (!direct && lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) {
		/* Replace what the link points to, never the link itself. */
		char *real = realpath(path, NULL);
		if (!real) {
			rc = ck__error_errno(CK_EINVAL, "%s is a symbolic link that cannot be followed", path);
			goto fail;
		}
		free(s->path);
		s->path = real;
	}
	if (!direct) {
		if ((rc = ck__random_id(rnd)) < 0)
			goto fail;
		rnd[12] = '\0';
		slash = strrchr(s->path, '/');
		if (slash)
			s->tmp = ck__asprintf("%.*s/.%s.ck-save-%s", (int)(slash - s->path), s->path, slash + 1, rnd);
		else
			s->tmp = ck__asprintf(".%s.ck-save-%s", s->path, rnd);
		if (!s->tmp) {
			rc = ck__oom();
			goto fail;
		}
	}
	if (dir) {
		if (mkdir(s->tmp, 0755) < 0) {
			rc = ck__error_errno(CK_EIO, "cannot create %s", s->tmp);
			free(s->tmp);
			s->tmp = NULL;
			goto fail;
		}
		*out = s;
		return CK_OK;
	}
	s->fd = direct ? open(path, O_WRONLY | O_CLOEXEC | O_TRUNC)
	               : open(s->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (s->fd < 0) {
		rc = ck__error_errno(CK_EIO, "cannot create %s", direct ? path : s->tmp);
		free(s->tmp);
		s->tmp = NULL;
		goto fail;
	}
	if (!(s->ar = archive_write_new()) || archive_write_set_format_pax_restricted(s->ar) != ARCHIVE_OK ||
	    archive_write_set_bytes_in_last_block(s->ar, 1) != ARCHIVE_OK ||
	    archive_write_open_fd(s->ar, s->fd) != ARCHIVE_OK) {
		rc = s->ar ? fail_ar(s, "opening") : ck__oom();
		goto fail;
	}
	*out = s;
	return CK_OK;
fail:
	ck__sink_abort(s);
	return rc;
}

static struct archive_entry *tar_entry(const char *name, mode_t type, mode_t perm, uint64_t size)
{
	struct archive_entry *e = archive_entry_new();

	if (e) {
		archive_entry_set_pathname(e, name);
		archive_entry_set_filetype(e, type);
		archive_entry_set_perm(e, perm);
		archive_entry_set_size(e, (la_int64_t)size);
		archive_entry_set_mtime(e, 0, 0);
		archive_entry_set_uid(e, 0);
		archive_entry_set_gid(e, 0);
	}
	return e;
}

/* Emits the directories above `name` once each (tar readers like them). */
static int tar_parents(ck__sink *s, const char *name)
{
	for (const char *p = strchr(name, '/'); p; p = strchr(p + 1, '/')) {
		char *d = ck__asprintf("%.*s/", (int)(p - name), name);
		bool seen = false;
		int rc = CK_OK;
		if (!d)
			return ck__oom();
		for (size_t i = 0; s->dirs && s->dirs[i] && !seen; i++)
			seen = !strcmp(s->dirs[i], d);
		if (!seen) {
			struct archive_entry *e = tar_entry(d, AE_IFDIR, 0755, 0);
			if (!e)
				rc = ck__oom();
			else if (archive_write_header(s->ar, e) != ARCHIVE_OK)
				rc = fail_ar(s, d);
			archive_entry_free(e);
			if (rc == CK_OK)
				rc = ck__strv_push(&s->dirs, d);
		}
		free(d);
		if (rc < 0)
			return rc;
	}
	return CK_OK;
}

/* Opens the file `name` inside the directory being written. */
static int dir_create(int *fd, ck__sink *s, const char *name)
{
	char *path = ck__path_join(s->tmp ? s->tmp : s->path, name), *slash;
	int rc = CK_OK;

	if (!path)
		return ck__oom();
	slash = strrchr(path, '/');
	*slash = '\0';
	rc = ck__mkdir_p(path, 0755);
	*slash = '/';
	if (rc == CK_OK && (*fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0)
		rc = ck__error_errno(CK_EIO, "cannot create %s", path);
	free(path);
	return rc;
}

int ck__sink_add(ck__sink *s, const char *name, const void *data, size_t len)
{
	int fd = -1, rc;

	if (s->dir) {
		if ((rc = dir_create(&fd, s, name)) < 0)
			return rc;
		if (ck__write_all(fd, data, len) < 0 || fsync(fd) < 0)
			rc = ck__error_errno(CK_EIO, "cannot write %s/%s", s->path, name);
		close(fd);
		return rc;
	}
	struct archive_entry *e = tar_entry(name, AE_IFREG, 0644, len);
	if (!e)
		return ck__oom();
	if ((rc = tar_parents(s, name)) == CK_OK &&
	    (archive_write_header(s->ar, e) != ARCHIVE_OK || (len && archive_write_data(s->ar, data, len) < 0)))
		rc = fail_ar(s, name);
	archive_entry_free(e);
	return rc;
}

int ck__sink_add_fd(ck__sink *s, const char *name, int in, uint64_t size)
{
	struct archive_entry *e = NULL;
	uint64_t done = 0;
	int out = -1, rc = CK_OK;

	if (s->dir)
		rc = dir_create(&out, s, name);
	else if (!(e = tar_entry(name, AE_IFREG, 0644, size)))
		rc = ck__oom();
	else if ((rc = tar_parents(s, name)) == CK_OK && archive_write_header(s->ar, e) != ARCHIVE_OK)
		rc = fail_ar(s, name);
	while (rc == CK_OK && done < size) {
		size_t want = size - done < BUF_SIZE ? (size_t)(size - done) : BUF_SIZE;
		ssize_t n = read(in, s->buf, want);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			rc = n < 0 ? ck__error_errno(CK_EIO, "cannot read the content of %s", name)
			           : ck__error_set(CK_ECORRUPT, "the content of %s ended after %llu of %llu bytes", name,
			                           (unsigned long long)done, (unsigned long long)size);
			break;
		}
		if (s->dir ? ck__write_all(out, s->buf, (size_t)n) < 0 : archive_write_data(s->ar, s->buf, (size_t)n) < 0)
			rc = s->dir ? ck__error_errno(CK_EIO, "cannot write %s/%s", s->path, name) : fail_ar(s, name);
		done += (uint64_t)n;
	}
	if (out >= 0) {
		if (rc == CK_OK && fsync(out) < 0)
			rc = ck__error_errno(CK_EIO, "cannot write %s/%s", s->path, name);
		close(out);
	}
	archive_entry_free(e);
	return rc;
}

static void sink_free(ck__sink *s)
{
	if (s->ar)
		archive_write_free(s->ar);
	if (s->fd >= 0)
		close(s->fd);
	ck_strv_free(s->dirs);
	free(s->buf);
	free(s->tmp);
	free(s->path);
	free(s);
}

int ck__sink_commit(ck__sink *s)
{
	int rc = CK_OK;

	if (!s->dir) {
		if (archive_write_close(s->ar) != ARCHIVE_OK)
			rc = fail_ar(s, "closing");
		if (rc == CK_OK && s->tmp && fsync(s->fd) < 0)
			rc = ck__error_errno(CK_EIO, "cannot write %s", s->tmp);
		if (close(s->fd) < 0 && rc == CK_OK)
			rc = ck__error_errno(CK_EIO, "cannot write %s", s->tmp ? s->tmp : s->path);
		s->fd = -1;
	} else if (rc == CK_OK) {
		rc = ck__fsync_dir(s->tmp);
		/* An existing empty directory is replaced; a non-empty one is not
		 * ours to overwrite. */
		if (rc == CK_OK && ck__is_dir(s->path) && rmdir(s->path) < 0 && errno != ENOENT)
			rc = errno == ENOTEMPTY || errno == EEXIST
				? ck__error_set(CK_EEXISTS, "%s exists and is not empty; refusing to overwrite it", s->path)
				: ck__error_errno(CK_EIO, "cannot replace %s", s->path);
	}
	if (rc == CK_OK && s->tmp && rename(s->tmp, s->path) < 0)
		rc = ck__error_errno(CK_EIO, "cannot rename %s to %s", s->tmp, s->path);
	if (rc == CK_OK && s->tmp) {
		char *dir = ck__strdup(s->path), *slash = dir ? strrchr(dir, '/') : NULL;
		if (!dir)
			rc = ck__oom();
		else {
			if (slash)
				*(slash == dir ? slash + 1 : slash) = '\0';
			rc = ck__fsync_dir(slash ? dir : ".");
		}
		free(dir);
		free(s->tmp);
		s->tmp = NULL; /* in place now: nothing to clean up */
	}
	if (rc < 0) {
		ck__sink_abort(s);
		return rc;
	}
	sink_free(s);
	return CK_OK;
}

void ck__sink_abort(ck__sink *s)
{
	if (!s)
		return;
	if (s->ar) {
		archive_write_free(s->ar); /* closes without flushing more than it must */
		s->ar = NULL;
	}
	if (s->fd >= 0) {
		close(s->fd);
		s->fd = -1;
	}
	if (s->tmp)
		ck__rm_rf(s->tmp);
	sink_free(s);
}

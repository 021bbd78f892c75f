/* A directory tree written as a tar stream: a container's root filesystem
 * (export), an overlay upper directory as an image layer (commit), whose
 * whiteouts become the .wh. entries of the OCI layer format, or one path
 * (cp to stdout); and a tar stream unpacked safely (cp from stdin). */
#define _GNU_SOURCE
#include "image/image.h"
#include "layer/libarchive.h"
#include "layer_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#define CHUNK (64u << 10)

typedef struct tw {
	struct archive *a;
	unsigned flags;
	char *buf;
} tw;

static int arc_err(tw *w)
{
	return ck__error_set(CK_EIO, "cannot write the tar stream: %s", archive_error_string(w->a));
}

/* One entry; `fd` is the open file for a regular file (else -1). */
static int put(tw *w, const char *path, const struct stat *st, const char *link, int fd)
{
	struct archive_entry *e = archive_entry_new();
	int rc = CK_OK;

	if (!e)
		return ck__oom();
	archive_entry_set_pathname(e, path);
	archive_entry_set_filetype(e, st->st_mode & S_IFMT);
	archive_entry_set_perm(e, st->st_mode & 07777);
	archive_entry_set_uid(e, st->st_uid);
	archive_entry_set_gid(e, st->st_gid);
	archive_entry_set_mtime(e, st->st_mtime, st->st_mtim.tv_nsec);
	archive_entry_set_size(e, S_ISREG(st->st_mode) ? st->st_size : 0);
	if (link)
		archive_entry_set_symlink(e, link);
	if (S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode))
		archive_entry_set_rdev(e, st->st_rdev);
	if (archive_write_header(w->a, e) != ARCHIVE_OK)
		rc = arc_err(w);
	for (ssize_t n; rc == CK_OK && fd >= 0 && (n = read(fd, w->buf, CHUNK)) != 0;) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			rc = ck__error_errno(CK_EIO, "cannot read /%s", path);
		else if (archive_write_data(w->a, w->buf, (size_t)n) != n)
			rc = arc_err(w);
	}
	archive_entry_free(e);
	return rc;
}

/* An empty regular file: the layer format's whiteouts. */
static int put_marker(tw *w, const char *path, const struct stat *like)
{
	struct stat st = *like;
	st.st_mode = S_IFREG | 0;
	st.st_size = 0;
	return put(w, path, &st, NULL, -1);
}

static bool is_opaque(int dfd)
{
	char v[2] = "";
	char self[32];
	snprintf(self, sizeof(self), "/proc/self/fd/%d", dfd);
	return (getxattr(self, "trusted.overlay.opaque", v, sizeof(v)) == 1 ||
	        getxattr(self, "user.overlay.opaque", v, sizeof(v)) == 1) &&
	       v[0] == 'y';
}

static int cmp_names(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

static int walk(tw *w, int dfd, const char *prefix, int depth);

/* Entry `name` of `dfd`, shown as `path`, and what is under it. */
static int one(tw *w, int dfd, const char *name, const char *path, int depth)
{
	struct stat st;
	int rc = CK_OK;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		rc = errno == ENOENT ? CK_OK : ck__error_errno(CK_EIO, "cannot stat /%s", path);
	} else if ((w->flags & CK__TAR_LAYER) && S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0)) {
		const char *slash = strrchr(path, '/');
		char *wh = slash ? ck__asprintf("%.*s/.wh.%s", (int)(slash - path), path, name)
		                 : ck__asprintf(".wh.%s", name);
		rc = wh ? put_marker(w, wh, &st) : ck__oom();
		free(wh);
	} else if (S_ISDIR(st.st_mode)) {
		int sub = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub < 0) {
			rc = ck__error_errno(CK_EIO, "cannot open /%s", path);
		} else {
			rc = put(w, path, &st, NULL, -1);
			if (rc == CK_OK && (w->flags & CK__TAR_LAYER) && is_opaque(sub)) {
				char *opq = ck__asprintf("%s/.wh..wh..opq", path);
				rc = opq ? put_marker(w, opq, &st) : ck__oom();
				free(opq);
			}
			if (rc == CK_OK)
				rc = walk(w, sub, path, depth + 1);
			close(sub);
		}
	} else if (S_ISLNK(st.st_mode)) {
		char link[4096];
		ssize_t l = readlinkat(dfd, name, link, sizeof(link) - 1);
		if (l < 0)
			rc = ck__error_errno(CK_EIO, "cannot read link /%s", path);
		else {
			link[l] = '\0';
			rc = put(w, path, &st, link, -1);
		}
	} else if (S_ISREG(st.st_mode)) {
		int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			rc = ck__error_errno(CK_EIO, "cannot open /%s", path);
		else {
			rc = put(w, path, &st, NULL, fd);
			close(fd);
		}
	} else if (!S_ISSOCK(st.st_mode)) { /* tar has no sockets */
		rc = put(w, path, &st, NULL, -1);
	}
	return rc;
}

/* The entries of directory `dfd` shown as `prefix` ("" for the root),
 * sorted so that the stream is the same for the same tree. */
static int walk(tw *w, int dfd, const char *prefix, int depth)
{
	DIR *d;
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, cap = 0;
	int rc = CK_OK, fd2 = dup(dfd);

	if (depth > 256)
		return ck__error_set(CK_EINVAL, "/%s: directories nested too deep", prefix);
	if (fd2 < 0 || !(d = fdopendir(fd2))) {
		if (fd2 >= 0)
			close(fd2);
		return ck__error_errno(CK_EIO, "cannot read directory /%s", prefix);
	}
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (n == cap) {
			char **nn = realloc(names, (cap = cap ? cap * 2 : 32) * sizeof(*names));
			if (!nn) {
				rc = ck__oom();
				break;
			}
			names = nn;
		}
		if (!(names[n] = strdup(de->d_name))) {
			rc = ck__oom();
			break;
		}
		n++;
	}
	closedir(d);
	if (rc == CK_OK && n)
		qsort(names, n, sizeof(*names), cmp_names);
	for (size_t i = 0; rc == CK_OK && i < n; i++) {
		char *path = *prefix ? ck__asprintf("%s/%s", prefix, names[i]) : ck__strdup(names[i]);
		rc = path ? one(w, dfd, names[i], path, depth) : ck__oom();
		free(path);
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc;
}

int ck__tar_tree(int out_fd, const char *dir, unsigned flags)
{
	int dfd, rc;

	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return ck__error_errno(ck__errno_code(errno), "cannot open %s", dir);
	rc = ck__tar_tree_at(out_fd, dfd, NULL, flags);
	close(dfd);
	return rc;
}

int ck__tar_tree_at(int out_fd, int dfd, const char *name, unsigned flags)
{
	tw w = { .flags = flags };
	int rc;

	if ((rc = ck__archive_require()) != CK_OK)
		return rc;
	if (!(w.a = archive_write_new()) || !(w.buf = malloc(CHUNK))) {
		rc = ck__oom();
		goto out;
	}
	if (archive_write_set_format_pax_restricted(w.a) != ARCHIVE_OK ||
	    archive_write_set_bytes_in_last_block(w.a, 1) != ARCHIVE_OK ||
	    archive_write_open_fd(w.a, out_fd) != ARCHIVE_OK) {
		rc = arc_err(&w);
		goto out;
	}
	rc = name ? one(&w, dfd, name, name, 0) : walk(&w, dfd, "", 0);
	if (rc == CK_OK && archive_write_close(w.a) != ARCHIVE_OK)
		rc = arc_err(&w);
out:
	if (w.a)
		archive_write_free(w.a);
	free(w.buf);
	return rc;
}

int ck__untar_at(int in_fd, int rootfd, bool rootless, const char *what)
{
	ck__extract x = { .rootfd = rootfd, .rootless = rootless, .what = what, .max_bytes = UINT64_MAX };
	struct archive *a;
	struct archive_entry *e;
	int r, rc;

	if ((rc = ck__archive_require()) != CK_OK)
		return rc;
	if (!(a = archive_read_new()))
		return ck__oom();
	/* podman's cp takes a compressed stream too */
	archive_read_support_filter_all(a);
	archive_read_support_format_tar(a);
	archive_read_support_format_empty(a);
	if (archive_read_open_fd(a, in_fd, CHUNK) != ARCHIVE_OK)
		rc = ck__error_set(CK_ECORRUPT, "%s must be a (compressed) tar archive: %s", what, archive_error_string(a));
	while (rc == CK_OK) {
		r = archive_read_next_header(a, &e);
		if (r == ARCHIVE_EOF)
			break;
		if (r != ARCHIVE_OK && r != ARCHIVE_WARN)
			rc = ck__error_set(CK_ECORRUPT, "%s must be a (compressed) tar archive: %s", what,
			                   archive_error_string(a));
		else
			rc = ck__extract_entry(&x, a, e);
	}
	if (rc == CK_OK)
		rc = ck__extract_finish(&x);
	ck__extract_free(&x);
	archive_read_free(a);
	return rc;
}

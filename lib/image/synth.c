/* Images made here from host files, never pulled: a layer written with
 * libarchive into a private temporary directory and imported through the
 * path `ck import` takes (the pods' infra image is one). */
#define _GNU_SOURCE
#include "layer/libarchive.h"
#include "image/image_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CHUNK (64u << 10)

static int add_dir(struct archive *a, const char *path, time_t mtime)
{
	struct archive_entry *e = archive_entry_new();
	int r;

	if (!e)
		return ck__oom();
	archive_entry_set_pathname(e, path);
	archive_entry_set_filetype(e, AE_IFDIR);
	archive_entry_set_perm(e, 0755);
	archive_entry_set_uid(e, 0);
	archive_entry_set_gid(e, 0);
	archive_entry_set_mtime(e, mtime, 0);
	r = archive_write_header(a, e);
	archive_entry_free(e);
	return r == ARCHIVE_OK ? CK_OK : ck__error_set(CK_EIO, "cannot write a layer: %s", archive_error_string(a));
}

/* A tar of the image's directories (every parent of `image_path`, plus /tmp
 * and /etc, which a runtime may need) and the file. */
static int write_layer(int out_fd, const char *host_path, const char *image_path)
{
	struct archive *a = archive_write_new();
	struct archive_entry *e = NULL;
	char *buf = malloc(CHUNK), *dirs = ck__strdup(image_path + 1);
	struct stat st;
	int fd = -1, rc = CK_OK;
	ssize_t n;

	if (!a || !buf || !dirs) {
		rc = ck__oom();
		goto out;
	}
	if ((fd = open(host_path, O_RDONLY | O_CLOEXEC)) < 0 || fstat(fd, &st) < 0) {
		rc = ck__error_errno(ck__errno_code(errno), "cannot read %s", host_path);
		goto out;
	}
	if (archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
	    archive_write_set_bytes_in_last_block(a, 1) != ARCHIVE_OK || archive_write_open_fd(a, out_fd) != ARCHIVE_OK) {
		rc = ck__error_set(CK_EIO, "cannot write a layer: %s", archive_error_string(a));
		goto out;
	}
	if ((rc = add_dir(a, "etc", st.st_mtime)) != CK_OK || (rc = add_dir(a, "tmp", st.st_mtime)) != CK_OK)
		goto out;
	for (char *slash = strchr(dirs, '/'); slash && rc == CK_OK; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		rc = add_dir(a, dirs, st.st_mtime);
		*slash = '/';
	}
	if (rc != CK_OK || !(e = archive_entry_new())) {
		rc = rc != CK_OK ? rc : ck__oom();
		goto out;
	}
	archive_entry_set_pathname(e, image_path + 1);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0755);
	archive_entry_set_uid(e, 0);
	archive_entry_set_gid(e, 0);
	archive_entry_set_size(e, st.st_size);
	archive_entry_set_mtime(e, st.st_mtime, 0);
	if (archive_write_header(a, e) != ARCHIVE_OK) {
		rc = ck__error_set(CK_EIO, "cannot write a layer: %s", archive_error_string(a));
		goto out;
	}
	while (rc == CK_OK && (n = read(fd, buf, CHUNK)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			rc = ck__error_errno(CK_EIO, "cannot read %s", host_path);
		} else if (archive_write_data(a, buf, (size_t)n) != n) {
			rc = ck__error_set(CK_EIO, "cannot write a layer: %s", archive_error_string(a));
		}
	}
	if (rc == CK_OK && archive_write_close(a) != ARCHIVE_OK)
		rc = ck__error_set(CK_EIO, "cannot write a layer: %s", archive_error_string(a));
out:
	if (e)
		archive_entry_free(e);
	if (a)
		archive_write_free(a);
	if (fd >= 0)
		close(fd);
	free(buf);
	free(dirs);
	return rc;
}

int ck__image_from_file(ck_image **out, ck_context *ctx, const char *name, const char *host_path,
                        const char *image_path, const char *const *entrypoint)
{
	ck__tmpdir t = CK__TMPDIR_INIT;
	char *tar = NULL, *by = NULL;
	int fd = -1, rc;

	*out = NULL;
	if ((rc = ck_image_lookup(out, ctx, name)) != CK_ENOTFOUND)
		return rc;
	ck__error_clear();
	if (!image_path || image_path[0] != '/' || !image_path[1])
		return ck__error_set(CK_EINVAL, "%s: the file's path in the image must be absolute", name);
	if ((rc = ck__archive_require()) != CK_OK || (rc = ck__tmpdir_create(&t, ctx, "synth")) != CK_OK)
		return rc;
	if (!(tar = ck__path_join(t.path, "layer.tar")) || !(by = ck__asprintf("containerkit: %s", host_path))) {
		rc = ck__oom();
		goto out;
	}
	if ((fd = open(tar, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) < 0) {
		rc = ck__error_errno(CK_EIO, "cannot create %s", tar);
		goto out;
	}
	rc = write_layer(fd, host_path, image_path);
	close(fd);
	if (rc == CK_OK)
		rc = ck__image_import_tar(out, ctx, tar, name, entrypoint, by);
	if (rc != CK_OK)
		rc = ck__error_wrap(rc, "cannot make image %s from %s", name, host_path);
out:
	ck__tmpdir_remove(&t);
	free(tar);
	free(by);
	return rc;
}

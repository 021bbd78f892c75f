/* The content store: blobs/sha256/<hex>, written once through a locked
 * temporary file in images/tmp that is hashed as it is written, checked,
 * synced and renamed into place; and the housekeeping of images/tmp. */
#define _GNU_SOURCE
#include "layer_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* A temporary entry this much older than now, that nobody holds locked, was
 * left by a writer that died. */
int ck__image_tmp_stale_seconds = 60;

struct ck__blob_writer {
	ck_context *ctx;
	char *tmp_path;
	int fd;
	ck__sha256 hash;
	uint64_t offset;
	int64_t expected_size;
	char expected[72]; /* "sha256:HEX", or "" when the digest is computed */
	bool failed;
};

char *ck__store_path(const ck_context *ctx, const char *rel)
{
	char *base = ck__root_path(ctx, "images"), *p;

	if (!base || !rel || !*rel)
		return base;
	p = ck__path_join(base, rel);
	free(base);
	return p;
}

char *ck__blob_path(const ck_context *ctx, const char *digest)
{
	char hex[65], rel[96];

	if (ck__digest_parse(digest, hex) != CK_OK)
		return NULL;
	snprintf(rel, sizeof(rel), "blobs/sha256/%s", hex);
	char *p = ck__store_path(ctx, rel);
	if (!p)
		ck__oom();
	return p;
}

bool ck__blob_exists(const ck_context *ctx, const char *digest)
{
	char *path = ck__blob_path(ctx, digest);
	struct stat st;
	bool ok = path && lstat(path, &st) == 0 && S_ISREG(st.st_mode);

	free(path);
	return ok;
}

static int ensure_dir(char **out, ck_context *ctx, const char *rel)
{
	char *p = ck__store_path(ctx, rel);
	int rc;

	if (!p)
		return ck__oom();
	if ((rc = ck__mkdir_p(p, 0700)) != CK_OK) {
		free(p);
		return rc;
	}
	if (out)
		*out = p;
	else
		free(p);
	return CK_OK;
}

int ck__store_tmp_dir(char **out, ck_context *ctx)
{
	return ensure_dir(out, ctx, "tmp");
}

static int tmp_name(char *buf, size_t size, const char *prefix)
{
	char rnd[65];
	int rc = ck__random_id(rnd);

	if (rc == CK_OK)
		snprintf(buf, size, "%s-%.16s", prefix, rnd);
	return rc;
}

int ck__store_tmp_mkdir(char **path, int *fd, ck_context *ctx, const char *prefix)
{
	char *dir = NULL, name[64];
	int rc;

	*path = NULL;
	*fd = -1;
	if ((rc = ck__store_tmp_dir(&dir, ctx)) != CK_OK || (rc = tmp_name(name, sizeof(name), prefix)) != CK_OK)
		goto out;
	if (!(*path = ck__path_join(dir, name))) {
		rc = ck__oom();
		goto out;
	}
	if (mkdir(*path, 0700) < 0) {
		rc = ck__error_errno(ck__errno_code(errno), "cannot create temporary directory %s", *path);
		goto out;
	}
	*fd = open(*path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (*fd < 0 || flock(*fd, LOCK_EX | LOCK_NB) < 0) {
		rc = ck__error_errno(CK_EIO, "cannot open and lock temporary directory %s", *path);
		if (*fd >= 0)
			close(*fd);
		*fd = -1;
		rmdir(*path);
	}
out:
	if (rc != CK_OK) {
		free(*path);
		*path = NULL;
	}
	free(dir);
	return rc;
}

int ck__store_tmp_sweep(ck_context *ctx)
{
	char *dir = ck__store_path(ctx, "tmp");
	time_t now = time(NULL);
	int removed = 0, dfd;
	DIR *d;
	struct dirent *de;

	if (!dir)
		return ck__oom();
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(dir);
	if (dfd < 0)
		return 0;
	if (!(d = fdopendir(dfd))) {
		close(dfd);
		return 0;
	}
	while ((de = readdir(d))) {
		struct stat st;
		int fd;

		if (de->d_name[0] == '.')
			continue;
		fd = openat(dirfd(d), de->d_name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
		if (fd < 0)
			continue;
		/* Held by a live writer, or too young to tell (the creator may
		 * not have taken its lock yet). */
		if (flock(fd, LOCK_EX | LOCK_NB) == 0 && fstat(fd, &st) == 0 &&
		    st.st_mtime < now - ck__image_tmp_stale_seconds && st.st_ctime < now - ck__image_tmp_stale_seconds) {
			char shown[320];
			snprintf(shown, sizeof(shown), "images/tmp/%s", de->d_name);
			if (ck__store_remove(ctx, dirfd(d), de->d_name, shown) == CK_OK)
				removed++;
			else
				ck__error_clear();
		}
		close(fd);
	}
	closedir(d);
	return removed;
}

/* What the error messages call the blob. */
static const char *writer_name(const ck__blob_writer *w)
{
	return w->expected[0] ? w->expected : w->tmp_path;
}

/* Drops the temporary file at the first failure, so that nothing is left
 * behind whatever the caller does next. */
static void writer_discard(ck__blob_writer *w)
{
	if (w->fd >= 0) {
		unlink(w->tmp_path);
		close(w->fd);
		w->fd = -1;
	}
	ck__sha256_free(&w->hash);
	w->failed = true;
}

int ck__blob_writer_new(ck__blob_writer **out, ck_context *ctx, const char *expected_digest,
                        int64_t expected_size)
{
	ck__blob_writer *w;
	char *tmpdir = NULL, name[64];
	int rc;

	*out = NULL;
	if (expected_digest && (rc = ck__digest_parse(expected_digest, NULL)) != CK_OK)
		return rc;
	if (!(w = calloc(1, sizeof(*w))))
		return ck__oom();
	w->ctx = ctx;
	w->fd = -1;
	w->expected_size = expected_size;
	if (expected_digest)
		snprintf(w->expected, sizeof(w->expected), "%s", expected_digest);
	ck__store_tmp_sweep(ctx);
	if ((rc = ensure_dir(NULL, ctx, "blobs/sha256")) != CK_OK || (rc = ck__store_tmp_dir(&tmpdir, ctx)) != CK_OK ||
	    (rc = tmp_name(name, sizeof(name), "blob")) != CK_OK)
		goto fail;
	if (!(w->tmp_path = ck__path_join(tmpdir, name))) {
		rc = ck__oom();
		goto fail;
	}
	w->fd = open(w->tmp_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (w->fd < 0) {
		rc = ck__error_errno(ck__errno_code(errno), "cannot create temporary file %s", w->tmp_path);
		goto fail;
	}
	if (flock(w->fd, LOCK_EX | LOCK_NB) < 0) {
		rc = ck__error_errno(CK_EIO, "cannot lock temporary file %s", w->tmp_path);
		goto fail;
	}
	if ((rc = ck__sha256_init(&w->hash)) != CK_OK)
		goto fail;
	free(tmpdir);
	*out = w;
	return CK_OK;
fail:
	if (w->expected[0])
		rc = ck__error_wrap(rc, "cannot store blob %s", w->expected);
	ck__blob_writer_abort(w);
	free(tmpdir);
	return rc;
}

int ck__blob_writer_write(ck__blob_writer *w, const void *data, size_t len)
{
	if (!w)
		return ck__error_set(CK_EINVAL, "ck__blob_writer_write: no writer");
	if (w->failed)
		return ck__error_set(CK_ESTATE, "blob %s: writing after a failure", writer_name(w));
	if (w->expected_size >= 0 && w->offset + len > (uint64_t)w->expected_size) {
		int rc = ck__error_set(CK_EDIGEST, "blob %s: content is larger than the expected %lld bytes",
		                       writer_name(w), (long long)w->expected_size);
		writer_discard(w);
		return rc;
	}
	ck__sha256_update(&w->hash, data, len);
	if (ck__write_all(w->fd, data, len) < 0) {
		int rc = ck__error_errno(ck__errno_code(errno) == CK_ENOMEM ? CK_ENOMEM : CK_EIO,
		                         "blob %s: cannot write %s", writer_name(w), w->tmp_path);
		writer_discard(w);
		return rc;
	}
	w->offset += len;
	return CK_OK;
}

uint64_t ck__blob_writer_offset(const ck__blob_writer *w)
{
	return w ? w->offset : 0;
}

/* Moves the verified file into place without replacing a blob another
 * writer stored meanwhile: same digest, same content, one copy. */
static int place(const char *tmp, const char *final, const char *digest)
{
	if (renameat2(AT_FDCWD, tmp, AT_FDCWD, final, RENAME_NOREPLACE) == 0)
		return CK_OK;
	if (errno == EEXIST) {
		unlink(tmp);
		return CK_OK;
	}
	if ((errno == EINVAL || errno == ENOSYS) && rename(tmp, final) == 0)
		return CK_OK;
	int rc = ck__error_errno(CK_EIO, "blob %s: cannot rename %s to %s", digest, tmp, final);
	unlink(tmp);
	return rc;
}

int ck__blob_writer_commit(char **digest, ck__blob_writer *w)
{
	char hex[65], got[72], *final = NULL, *dir = NULL;
	int rc;

	if (digest)
		*digest = NULL;
	if (!w)
		return ck__error_set(CK_EINVAL, "ck__blob_writer_commit: no writer");
	if (w->failed) {
		rc = ck__error_set(CK_ESTATE, "blob %s: committing after a failure", writer_name(w));
		goto out;
	}
	if ((rc = ck__sha256_final(&w->hash, hex)) != CK_OK) {
		writer_discard(w);
		goto out;
	}
	snprintf(got, sizeof(got), "sha256:%s", hex);
	if (w->expected[0] && strcmp(got, w->expected) != 0) {
		rc = ck__error_set(CK_EDIGEST, "blob %s: content has digest %s", w->expected, got);
		writer_discard(w);
		goto out;
	}
	if (w->expected_size >= 0 && w->offset != (uint64_t)w->expected_size) {
		rc = ck__error_set(CK_EDIGEST, "blob %s: content is %llu bytes, expected %lld", got,
		                   (unsigned long long)w->offset, (long long)w->expected_size);
		writer_discard(w);
		goto out;
	}
	if (fsync(w->fd) < 0) {
		rc = ck__error_errno(CK_EIO, "blob %s: cannot sync %s", got, w->tmp_path);
		writer_discard(w);
		goto out;
	}
	if (!(final = ck__blob_path(w->ctx, got)) || !(dir = ck__store_path(w->ctx, "blobs/sha256"))) {
		rc = ck__oom();
		writer_discard(w);
		goto out;
	}
	/* The lock goes with the descriptor only after the name is gone. */
	rc = place(w->tmp_path, final, got);
	close(w->fd);
	w->fd = -1;
	if (rc == CK_OK)
		rc = ck__fsync_dir(dir);
	if (rc == CK_OK && digest && !(*digest = ck__strdup(got)))
		rc = ck__oom();
out:
	free(final);
	free(dir);
	ck__blob_writer_abort(w);
	return rc;
}

void ck__blob_writer_abort(ck__blob_writer *w)
{
	if (!w)
		return;
	if (w->fd >= 0) {
		unlink(w->tmp_path);
		close(w->fd);
	}
	ck__sha256_free(&w->hash);
	free(w->tmp_path);
	free(w);
}

int ck__blob_put(char **digest, ck_context *ctx, const void *data, size_t len, const char *expected_digest)
{
	ck__blob_writer *w = NULL;
	ck__sha256 h;
	char hex[65], got[72];
	int rc;

	if (digest)
		*digest = NULL;
	if (expected_digest && (rc = ck__digest_parse(expected_digest, NULL)) != CK_OK)
		return rc;
	/* Small: hash first, and skip the write when the blob is there. */
	if ((rc = ck__sha256_init(&h)) != CK_OK)
		return rc;
	ck__sha256_update(&h, data, len);
	if ((rc = ck__sha256_final(&h, hex)) != CK_OK)
		return rc;
	snprintf(got, sizeof(got), "sha256:%s", hex);
	if (expected_digest && strcmp(got, expected_digest) != 0)
		return ck__error_set(CK_EDIGEST, "blob %s: content has digest %s", expected_digest, got);
	if (!ck__blob_exists(ctx, got)) {
		if ((rc = ck__blob_writer_new(&w, ctx, got, (int64_t)len)) != CK_OK ||
		    (rc = ck__blob_writer_write(w, data, len)) != CK_OK)
			goto fail;
		rc = ck__blob_writer_commit(NULL, w);
		w = NULL;
		if (rc != CK_OK)
			return rc;
	}
	if (digest && !(*digest = ck__strdup(got)))
		return ck__oom();
	return CK_OK;
fail:
	ck__blob_writer_abort(w);
	return rc;
}

int ck__blob_read(char **data, size_t *len, ck_context *ctx, const char *digest, size_t max)
{
	char *path, *buf = NULL, hex[65], got[65];
	struct stat st;
	size_t have = 0;
	ck__sha256 h = { 0 };
	int fd, rc = CK_OK;

	*data = NULL;
	if (len)
		*len = 0;
	if (!(path = ck__blob_path(ctx, digest)))
		return ck_error_last()->code ? ck_error_last()->code : ck__oom();
	ck__digest_parse(digest, hex);
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		rc = errno == ENOENT ? ck__error_set(CK_ENOTFOUND, "blob %s is not in the store", digest)
		                     : ck__error_errno(CK_EIO, "blob %s: cannot open %s", digest, path);
		goto out;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		rc = ck__error_errno(CK_ECORRUPT, "blob %s: %s is not a readable file", digest, path);
		goto out;
	}
	if ((uint64_t)st.st_size > max) {
		rc = ck__error_set(CK_EINVAL, "blob %s is %lld bytes, more than the %zu allowed here", digest,
		                   (long long)st.st_size, max);
		goto out;
	}
	if (!(buf = malloc((size_t)st.st_size + 1))) {
		rc = ck__oom();
		goto out;
	}
	while (have < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + have, (size_t)st.st_size - have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			rc = n < 0 ? ck__error_errno(CK_EIO, "blob %s: cannot read %s", digest, path)
			           : ck__error_set(CK_ECORRUPT, "blob %s: %s shrank while being read", digest, path);
			goto out;
		}
		have += (size_t)n;
	}
	buf[have] = '\0';
	if ((rc = ck__sha256_init(&h)) != CK_OK)
		goto out;
	ck__sha256_update(&h, buf, have);
	if ((rc = ck__sha256_final(&h, got)) != CK_OK)
		goto out;
	if (strcmp(got, hex) != 0) {
		rc = ck__error_set(CK_EDIGEST, "blob %s: content has digest sha256:%s", digest, got);
		goto out;
	}
	*data = buf;
	buf = NULL;
	if (len)
		*len = have;
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	free(path);
	return rc;
}

int ck__blob_remove(ck_context *ctx, const char *digest)
{
	char *path = ck__blob_path(ctx, digest);

	if (!path)
		return ck_error_last()->code ? ck_error_last()->code : ck__oom();
	if (unlink(path) < 0 && errno != ENOENT) {
		int rc = ck__error_errno(ck__errno_code(errno), "blob %s: cannot remove %s", digest, path);
		free(path);
		return rc;
	}
	free(path);
	return CK_OK;
}

/* Unpacking layer blobs in one pass over the stored file: an outer
 * libarchive reader (every filter, "raw" format) decompresses while the
 * compressed bytes are hashed against the blob's digest; its output feeds an
 * inner tar reader through a callback that hashes the uncompressed stream
 * (the diff id) and enforces the size limit.  The layer is built in a locked
 * directory under images/tmp and renamed to images/layers/<diffid-hex>. */
#define _GNU_SOURCE
#include "layer_int.h"
#include "layer/layer.h"

#include "layer/libarchive.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define READ_BLOCK (1u << 20)
#define PROGRESS_STEP (4u << 20)
#define DEFAULT_MAX_BYTES (64ull << 30)
#define DEFAULT_MAX_ENTRIES 10000000ull

struct stream {
	int fd;
	char *buf;
	ck__sha256 blob_hash, diff_hash;
	bool plain;      /* no compression: the diff id is the blob digest */
	struct archive *outer;
	uint64_t compressed, total, uncompressed, max_bytes, next_progress;
	bool over_limit, read_error, outer_error;
	int read_errno;
	char outer_msg[256];
	ck_progress_fn progress;
	void *payload;
	const char *digest;
};

static la_ssize_t outer_read(struct archive *a, void *p, const void **buf)
{
	struct stream *s = p;
	ssize_t n;

	do
		n = read(s->fd, s->buf, READ_BLOCK);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		s->read_error = true;
		s->read_errno = errno;
		archive_set_error(a, errno, "read error");
		return -1;
	}
	ck__sha256_update(&s->blob_hash, s->buf, (size_t)n);
	s->compressed += (uint64_t)n;
	if (s->progress && (s->compressed >= s->next_progress || n == 0)) {
		s->progress("unpack", s->digest, s->compressed, s->total, s->payload);
		s->next_progress = s->compressed + PROGRESS_STEP;
	}
	*buf = s->buf;
	return n;
}

/* Pulls the next decompressed block; 0 at the end, -1 on an error (whose
 * text goes to the archive `a` for the caller's message). */
static la_ssize_t next_block(struct stream *s, struct archive *a, const void **buf)
{
	size_t size = 0;
	la_int64_t off;
	int r = archive_read_data_block(s->outer, buf, &size, &off);

	if (r == ARCHIVE_EOF)
		return 0;
	if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
		s->outer_error = true;
		snprintf(s->outer_msg, sizeof(s->outer_msg), "%s",
		         archive_error_string(s->outer) ? archive_error_string(s->outer) : "decompression failed");
		if (a)
			archive_set_error(a, EIO, "%s", s->outer_msg);
		return -1;
	}
	s->uncompressed += size;
	if (s->uncompressed > s->max_bytes) {
		s->over_limit = true;
		if (a)
			archive_set_error(a, EFBIG, "size limit exceeded");
		return -1;
	}
	if (!s->plain)
		ck__sha256_update(&s->diff_hash, *buf, size);
	return (la_ssize_t)size;
}

static la_ssize_t inner_read(struct archive *a, void *p, const void **buf)
{
	return next_block(p, a, buf);
}

/* The message for a failure of the inner archive, preferring the cause the
 * stream knows about. */
static int stream_error(struct stream *s, struct archive *inner, const char *what, const char *entry)
{
	char where[360] = "";

	if (entry)
		snprintf(where, sizeof(where), " after entry \"%.300s\"", entry);
	if (s->over_limit)
		return ck__error_set(CK_EINVAL, "%s: the uncompressed layer exceeds the size limit of %llu bytes "
		                                "(CK_LAYER_MAX_BYTES)%s", what, (unsigned long long)s->max_bytes, where);
	if (s->read_error)
		return ck__error_sys(CK_EIO, s->read_errno, "%s: cannot read the blob", what);
	if (s->outer_error)
		return ck__error_set(CK_ECORRUPT, "%s: cannot decompress the layer%s: %s", what, where, s->outer_msg);
	return ck__error_set(CK_ECORRUPT, "%s: cannot read the tar archive%s: %s", what, where,
	                     inner && archive_error_string(inner) ? archive_error_string(inner) : "unknown error");
}

static uint64_t limit_from_env(void)
{
	const char *v = getenv("CK_LAYER_MAX_BYTES");
	char *end;
	unsigned long long n;

	if (!v || !*v)
		return DEFAULT_MAX_BYTES;
	errno = 0;
	n = strtoull(v, &end, 10);
	return (errno || *end || n == 0) ? DEFAULT_MAX_BYTES : n;
}

char *ck__layer_path(const ck_context *ctx, const char *diff_id)
{
	char hex[65], rel[96];

	if (ck__digest_parse(diff_id, hex) != CK_OK)
		return NULL;
	snprintf(rel, sizeof(rel), "layers/%s", hex);
	char *p = ck__store_path(ctx, rel);
	if (!p)
		ck__oom();
	return p;
}

bool ck__layer_exists(const ck_context *ctx, const char *diff_id)
{
	char *path = ck__layer_path(ctx, diff_id);
	struct stat st;
	bool ok = path && lstat(path, &st) == 0 && S_ISDIR(st.st_mode);

	free(path);
	return ok;
}

/* Runs the two readers over the blob, extracting into x.  Fills the
 * hex digests of the compressed and uncompressed streams. */
static int run(struct stream *s, ck__extract *x, uint64_t max_entries, char blob_hex[65], char diff_hex[65])
{
	struct archive *inner = NULL;
	struct archive_entry *e;
	const void *blk;
	char last[320] = "";
	uint64_t entries = 0;
	la_ssize_t n;
	int r, rc = CK_OK;

	if (!(s->outer = archive_read_new()) || !(inner = archive_read_new())) {
		rc = ck__oom();
		goto out;
	}
	archive_read_support_filter_all(s->outer);
	archive_read_support_format_raw(s->outer);
	archive_read_support_format_tar(inner);
	archive_read_support_format_empty(inner);
	if (archive_read_open(s->outer, s, NULL, outer_read, NULL) != ARCHIVE_OK) {
		rc = stream_error(s, NULL, x->what, NULL);
		if (!s->read_error)
			rc = ck__error_set(CK_ECORRUPT, "%s: cannot open the blob: %s", x->what,
			                   archive_error_string(s->outer));
		goto out;
	}
	r = archive_read_next_header(s->outer, &e);
	if (r == ARCHIVE_EOF) {
		/* An empty blob is an empty layer. */
	} else if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
		rc = s->read_error ? stream_error(s, NULL, x->what, NULL)
		                   : ck__error_set(CK_ECORRUPT, "%s: cannot read the blob: %s", x->what,
		                                   archive_error_string(s->outer));
		goto out;
	}
	s->plain = archive_filter_count(s->outer) <= 1 || archive_filter_code(s->outer, 0) == ARCHIVE_FILTER_NONE;
	if (r == ARCHIVE_EOF)
		goto hashes;
	if (archive_read_open(inner, s, NULL, inner_read, NULL) != ARCHIVE_OK) {
		rc = stream_error(s, inner, x->what, NULL);
		goto out;
	}
	for (;;) {
		r = archive_read_next_header(inner, &e);
		if (r == ARCHIVE_EOF)
			break;
		if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
			rc = stream_error(s, inner, x->what, last[0] ? last : NULL);
			goto out;
		}
		if (++entries > max_entries) {
			rc = ck__error_set(CK_EINVAL, "%s: the layer has more than %llu entries", x->what,
			                   (unsigned long long)max_entries);
			goto out;
		}
		const char *name = archive_entry_pathname(e);
		snprintf(last, sizeof(last), "%s", name ? name : "?");
		if ((rc = ck__extract_entry(x, inner, e)) != CK_OK) {
			/* A data read that failed because of the stream says why. */
			if (s->over_limit || s->read_error || s->outer_error)
				rc = stream_error(s, inner, x->what, last);
			goto out;
		}
	}
	/* The tar reader stops at its end marker; the diff id covers the whole
	 * stream, padding included. */
	while ((n = next_block(s, NULL, &blk)) > 0)
		;
	if (n < 0) {
		rc = stream_error(s, inner, x->what, last[0] ? last : NULL);
		goto out;
	}
hashes:
	if ((rc = ck__sha256_final(&s->blob_hash, blob_hex)) != CK_OK)
		goto out;
	if (s->plain)
		memcpy(diff_hex, blob_hex, 65);
	else
		rc = ck__sha256_final(&s->diff_hash, diff_hex);
out:
	archive_read_free(inner);
	archive_read_free(s->outer);
	s->outer = NULL;
	return rc;
}

/* After an unreadable archive: hashes what the reader did not reach, to
 * tell a damaged blob (the store's fault) from a bad layer. */
static bool blob_damaged(struct stream *s, const char *want, char got[65])
{
	ssize_t n;

	if (!s->blob_hash.md)
		return false;
	while ((n = read(s->fd, s->buf, READ_BLOCK)) > 0 || (n < 0 && errno == EINTR))
		if (n > 0)
			ck__sha256_update(&s->blob_hash, s->buf, (size_t)n);
	if (n < 0 || ck__sha256_final(&s->blob_hash, got) != CK_OK)
		return false;
	return strcmp(got, want) != 0;
}

/* Removes a temporary layer directory; the error of the failure stays.
 * With a context, what the user cannot remove goes in the store's user
 * namespace. */
static void discard(ck_context *ctx, const char *tmp)
{
	const ck_error *e = ck_error_last();
	char saved[1024];
	int code = e->code, err = e->sys_errno;

	snprintf(saved, sizeof(saved), "%s", e->message);
	if (ctx)
		ck__store_remove(ctx, AT_FDCWD, tmp, tmp);
	else
		ck__rm_at(AT_FDCWD, tmp, tmp);
	ck__error_sys(code, err, "%s", saved);
}

static void discard_tmp(const char *tmp)
{
	discard(NULL, tmp);
}

int ck__layer_unpack_at(char diff_hex[65], int blob_fd, int rootfd, const ck__unpack_job *j)
{
	struct stream s = { .fd = blob_fd };
	ck__extract x = { .rootfd = rootfd };
	char got_blob[65], got_diff[65], *final = NULL;
	struct stat st;
	int rc;

	s.max_bytes = j->max_bytes;
	s.progress = j->progress;
	s.payload = j->payload;
	s.digest = j->blob_digest;
	if (fstat(blob_fd, &st) == 0)
		s.total = (uint64_t)st.st_size;
	x.rootless = j->rootless;
	x.shifted = j->shifted;
	x.uid_end = j->uid_end;
	x.gid_end = j->gid_end;
	x.what = j->what;
	x.max_bytes = j->max_bytes;
	if (!(s.buf = malloc(READ_BLOCK))) {
		rc = ck__oom();
		goto fail;
	}
	if ((rc = ck__sha256_init(&s.blob_hash)) != CK_OK || (rc = ck__sha256_init(&s.diff_hash)) != CK_OK)
		goto fail;
	rc = run(&s, &x, j->max_entries, got_blob, got_diff);
	if (rc == CK_ECORRUPT && blob_damaged(&s, j->blob_hex, got_blob))
		rc = CK_OK; /* the digest check below says what is wrong */
	if (rc == CK_OK && strcmp(got_blob, j->blob_hex) != 0)
		rc = ck__error_set(CK_EDIGEST, "blob %s: content has digest sha256:%s", j->blob_digest, got_blob);
	if (rc == CK_OK && *j->want_hex && strcmp(got_diff, j->want_hex) != 0)
		rc = ck__error_set(CK_EDIGEST, "%s: uncompressed content has digest sha256:%s, expected diff id "
		                               "sha256:%s", j->what, got_diff, j->want_hex);
	if (rc == CK_OK)
		rc = ck__extract_finish(&x);
	if (rc == CK_OK && syncfs(rootfd) < 0)
		rc = ck__error_errno(CK_EIO, "%s: cannot sync %s", j->what, j->tmp);
	if (rc != CK_OK)
		goto fail;
	if (!(final = ck__asprintf("%s/%s", j->layers, got_diff))) {
		rc = ck__oom();
		goto fail;
	}
	if (rename(j->tmp, final) < 0) {
		if (errno != EEXIST && errno != ENOTEMPTY) {
			rc = ck__error_errno(CK_EIO, "%s: cannot rename %s to %s", j->what, j->tmp, final);
			goto fail;
		}
		/* Unpacked meanwhile under another lock key: one copy stays. */
		discard_tmp(j->tmp);
	}
	memcpy(diff_hex, got_diff, 65);
	goto out;
fail:
	discard_tmp(j->tmp);
out:
	ck__extract_free(&x);
	ck__sha256_free(&s.blob_hash);
	ck__sha256_free(&s.diff_hash);
	free(s.buf);
	free(final);
	return rc;
}

int ck__layer_unpack(char **diff_id, ck_context *ctx, const char *blob_digest, const char *expected_diff_id,
                     const ck__layer_limits *limits, ck_progress_fn progress, void *payload)
{
	ck__unpack_job j = { .rootless = ctx->rootless, .progress = progress, .payload = payload };
	ck__lock lk = CK__LOCK_INIT;
	ck__shift sh;
	char what[96], diff[72], got[65];
	char *blob_path = NULL, *layers = NULL, *tmp = NULL;
	int rc, blob_fd = -1, rootfd = -1;

	if (diff_id)
		*diff_id = NULL;
	if ((rc = ck__archive_require()) != CK_OK)
		return rc;
	if ((rc = ck__digest_parse(blob_digest, j.blob_hex)) != CK_OK)
		return ck__error_wrap(rc, "cannot unpack layer");
	if (expected_diff_id && (rc = ck__digest_parse(expected_diff_id, j.want_hex)) != CK_OK)
		return ck__error_wrap(rc, "cannot unpack layer %s: bad diff id", blob_digest);
	snprintf(what, sizeof(what), "layer %s", blob_digest);
	j.what = what;
	j.blob_digest = blob_digest;
	j.max_bytes = limits && limits->max_bytes ? limits->max_bytes : limit_from_env();
	j.max_entries = limits && limits->max_entries ? limits->max_entries : DEFAULT_MAX_ENTRIES;

	if (*j.want_hex && ck__layer_exists(ctx, expected_diff_id)) {
		snprintf(diff, sizeof(diff), "sha256:%s", j.want_hex);
		goto done;
	}
	ck__store_tmp_sweep(ctx);
	/* One unpack of a layer at a time; the next finds it done. */
	if ((rc = ck__lock_object(&lk, ctx, "layer", *j.want_hex ? j.want_hex : j.blob_hex)) != CK_OK)
		goto out;
	if (*j.want_hex && ck__layer_exists(ctx, expected_diff_id)) {
		snprintf(diff, sizeof(diff), "sha256:%s", j.want_hex);
		goto done;
	}
	if (!(blob_path = ck__blob_path(ctx, blob_digest)) || !(layers = ck__store_path(ctx, "layers"))) {
		rc = ck__oom();
		goto out;
	}
	if ((rc = ck__mkdir_p(layers, 0700)) != CK_OK || (rc = ck__layer_shift(&sh, ctx, true)) != CK_OK)
		goto out;
	blob_fd = open(blob_path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (blob_fd < 0) {
		rc = errno == ENOENT ? ck__error_set(CK_ENOTFOUND, "%s: blob %s is not in the store", what, blob_digest)
		                     : ck__error_errno(CK_EIO, "%s: cannot open %s", what, blob_path);
		goto out;
	}
	if ((rc = ck__store_tmp_mkdir(&tmp, &rootfd, ctx, "layer")) != CK_OK)
		goto out;
	j.tmp = tmp;
	j.layers = layers;
	/* A shifted store's files are written in its user namespace, where
	 * the owners can be set; rootful and unshifted stores write here. */
	rc = sh.on ? ck__layer_unpack_shifted(got, ctx, &sh, blob_fd, rootfd, &j)
	           : ck__layer_unpack_at(got, blob_fd, rootfd, &j);
	if (rc != CK_OK)
		goto out;
	snprintf(diff, sizeof(diff), "sha256:%s", got);
	if ((rc = ck__fsync_dir(layers)) != CK_OK)
		goto out;
done:
	if (diff_id && !(*diff_id = ck__strdup(diff)))
		rc = ck__oom();
out:
	if (rootfd >= 0)
		close(rootfd);
	if (blob_fd >= 0)
		close(blob_fd);
	ck__lock_release(&lk);
	free(blob_path);
	free(layers);
	free(tmp);
	return rc;
}

int ck__layer_remove(ck_context *ctx, const char *diff_id)
{
	char hex[65], *path = NULL, *trash = NULL, *dest = NULL;
	ck__lock lk = CK__LOCK_INIT;
	int rc, fd = -1;

	if ((rc = ck__digest_parse(diff_id, hex)) != CK_OK)
		return ck__error_wrap(rc, "cannot remove layer");
	if (!(path = ck__layer_path(ctx, diff_id)))
		return ck__oom();
	if ((rc = ck__lock_object(&lk, ctx, "layer", hex)) != CK_OK)
		goto out;
	if (!ck__path_exists(path))
		goto out;
	/* One rename takes it out of sight; a crash during the delete leaves
	 * an unlocked leftover in images/tmp that the next sweep removes. */
	if ((rc = ck__store_tmp_mkdir(&trash, &fd, ctx, "trash")) != CK_OK)
		goto out;
	if (!(dest = ck__path_join(trash, hex))) {
		rc = ck__oom();
		goto out;
	}
	if (rename(path, dest) < 0) {
		/* Moving a directory updates its "..", which needs write access
		 * to a layer root that a subordinate id may own. */
		char *argv[] = { "move", path, dest, NULL };
		if (!(errno == EACCES && ctx->rootless && geteuid() != 0)) {
			rc = ck__error_errno(CK_EIO, "layer %s: cannot move %s out of the store", diff_id, path);
			goto out;
		}
		if ((rc = ck__layer_removal_job(ctx, argv, path)) != CK_OK)
			goto out;
	}
out:
	if (trash && rc != CK_OK) {
		discard(ctx, trash);
	} else if (trash && (rc = ck__store_remove(ctx, AT_FDCWD, trash, trash)) != CK_OK) {
		rc = ck__error_wrap(rc, "layer %s: removed from the store, but its files remain in %s", diff_id,
		                    trash);
	}
	if (fd >= 0)
		close(fd);
	ck__lock_release(&lk);
	free(dest);
	free(trash);
	free(path);
	return rc;
}

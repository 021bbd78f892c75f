/* `podman import`: a tarball of a root filesystem becomes a one-layer image.
 * The tarball's bytes are the layer blob (gzip and zstd stay compressed;
 * other compressions are stored decompressed, since layers are tar, gzip or
 * zstd), then a config and a manifest are written and the image committed. */
#define _GNU_SOURCE
#include "image/image_int.h"

#include "layer/libarchive.h"
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CHUNK (256u << 10)

enum compression { COMP_NONE, COMP_GZIP, COMP_ZSTD, COMP_OTHER };

static enum compression sniff(const unsigned char *b, size_t n)
{
	if (n >= 2 && b[0] == 0x1f && b[1] == 0x8b)
		return COMP_GZIP;
	if (n >= 4 && b[0] == 0x28 && b[1] == 0xb5 && b[2] == 0x2f && b[3] == 0xfd)
		return COMP_ZSTD;
	if ((n >= 6 && !memcmp(b, "\xfd" "7zXZ\0", 6)) || (n >= 3 && !memcmp(b, "BZh", 3)) ||
	    (n >= 4 && !memcmp(b, "\x04\x22\x4d\x18", 4)) || (n >= 3 && b[0] == 0x5d && b[1] == 0 && b[2] == 0))
		return COMP_OTHER;
	return COMP_NONE;
}

static const char *media_type(enum compression c)
{
	return c == COMP_GZIP ? CK_MT_OCI_LAYER_GZIP : c == COMP_ZSTD ? CK_MT_OCI_LAYER_ZSTD : CK_MT_OCI_LAYER;
}

/* Decompresses as far as the first entry header: only a tar gets through. */
static int check_tar(const char *path)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	int r, rc = CK_OK;

	if (!a)
		return ck__oom();
	archive_read_support_filter_all(a);
	archive_read_support_format_tar(a);
	archive_read_support_format_gnutar(a);
	r = archive_read_open_filename(a, path, CHUNK);
	if (r == ARCHIVE_OK)
		r = archive_read_next_header(a, &e);
	if (r != ARCHIVE_OK && r != ARCHIVE_EOF && r != ARCHIVE_WARN)
		rc = ck__error_set(CK_EINVAL, "%s is not a tar archive (%s)", path,
		                   archive_error_string(a) ? archive_error_string(a) : "unrecognized format");
	archive_read_free(a);
	return rc;
}

/* Streams the file as it is into the blob store. */
static int store_raw(ck__blob_writer *w, int fd, const char *path)
{
	char *buf = malloc(CHUNK);
	ssize_t n;
	int rc = CK_OK;

	if (!buf)
		return ck__oom();
	while (rc == CK_OK && (n = read(fd, buf, CHUNK)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			rc = ck__error_errno(CK_EIO, "cannot read %s", path);
			break;
		}
		rc = ck__blob_writer_write(w, buf, (size_t)n);
	}
	free(buf);
	return rc;
}

/* Streams the decompressed file into the blob store. */
static int store_decompressed(ck__blob_writer *w, const char *path)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	char *buf = malloc(CHUNK);
	la_ssize_t n;
	int rc = CK_OK;

	if (!a || !buf) {
		rc = ck__oom();
		goto out;
	}
	archive_read_support_filter_all(a);
	archive_read_support_format_raw(a);
	if (archive_read_open_filename(a, path, CHUNK) != ARCHIVE_OK || archive_read_next_header(a, &e) != ARCHIVE_OK) {
		rc = ck__error_set(CK_EINVAL, "cannot decompress %s: %s", path,
		                   archive_error_string(a) ? archive_error_string(a) : "unknown compression");
		goto out;
	}
	while (rc == CK_OK && (n = archive_read_data(a, buf, CHUNK)) != 0) {
		if (n < 0) {
			rc = ck__error_set(CK_EINVAL, "cannot decompress %s: %s", path, archive_error_string(a));
			break;
		}
		rc = ck__blob_writer_write(w, buf, (size_t)n);
	}
out:
	if (a)
		archive_read_free(a);
	free(buf);
	return rc;
}

static int put_config(char **digest, int64_t *size, ck_context *ctx, const char *diff_id, const char *source,
                      const char *const *entrypoint, const char *created_by)
{
	char now[40], *copy = ck__strdup(source);
	yajl_gen g = ck__json_gen_new(false);

	*digest = NULL;
	if (!g || !copy) {
		if (g)
			yajl_gen_free(g);
		free(copy);
		return ck__oom();
	}
	ck__rfc3339(now, sizeof(now), ck__now_ns());
	yajl_gen_map_open(g);
	ck__json_key_str(g, "created", now);
	ck__json_key_str(g, "architecture", ck__image_host_arch());
	ck__json_key_str(g, "os", "linux");
	ck__json_key(g, "config");
	yajl_gen_map_open(g);
	if (entrypoint) {
		ck__json_key(g, "Entrypoint");
		yajl_gen_array_open(g);
		for (size_t i = 0; entrypoint[i]; i++)
			ck__json_str_val(g, entrypoint[i]);
		yajl_gen_array_close(g);
	}
	yajl_gen_map_close(g);
	ck__json_key(g, "rootfs");
	yajl_gen_map_open(g);
	ck__json_key_str(g, "type", "layers");
	ck__json_key(g, "diff_ids");
	yajl_gen_array_open(g);
	ck__json_str_val(g, diff_id);
	yajl_gen_array_close(g);
	yajl_gen_map_close(g);
	ck__json_key(g, "history");
	yajl_gen_array_open(g);
	yajl_gen_map_open(g);
	ck__json_key_str(g, "created", now);
	ck__json_key_str(g, "created_by", created_by);
	ck__json_key_str(g, "comment", basename(copy));
	yajl_gen_map_close(g);
	yajl_gen_array_close(g);
	yajl_gen_map_close(g);
	free(copy);
	return ck__image_put_json(digest, size, ctx, g);
}

static int put_manifest(char **digest, ck_context *ctx, const char *config, int64_t config_size,
                        const char *layer, int64_t layer_size, const char *layer_type)
{
	yajl_gen g = ck__json_gen_new(false);

	*digest = NULL;
	if (!g)
		return ck__oom();
	ck__manifest_gen_open(g, CK_MT_OCI_MANIFEST, CK_MT_OCI_CONFIG, config, config_size);
	ck__manifest_gen_desc(g, layer_type, layer, layer_size);
	ck__manifest_gen_close(g);
	return ck__image_put_json(digest, NULL, ctx, g);
}

void ck__image_undo_one_layer(ck_context *ctx, const char *what, char *manifest, char *config, char *layer,
                              char *diff_id)
{
	const ck_error *e = ck_error_last();
	ck__image_layer l = { layer, diff_id, NULL, 0, 0 };
	ck_image gone;
	char saved[1024];
	int code = e->code;

	snprintf(saved, sizeof(saved), "%s", e->message);
	memset(&gone, 0, sizeof(gone));
	gone.id = (char *)what;
	gone.digest = manifest;
	gone.config_digest = config;
	gone.layers = &l;
	gone.n_layers = 1;
	ck__image_gc(ctx, &gone);
	ck__error_set(code, "%s", saved);
}

int ck__image_import_tar(ck_image **out, ck_context *ctx, const char *tarball, const char *norm,
                         const char *const *entrypoint, const char *created_by)
{
	ck__lock lk = CK__LOCK_INIT;
	ck__blob_writer *w = NULL;
	char *layer = NULL, *diff_id = NULL, *config = NULL, *manifest = NULL;
	unsigned char head[8];
	const char *names[2] = { norm, NULL };
	enum compression comp;
	int64_t layer_size = 0, config_size = 0;
	struct stat st;
	ssize_t n;
	int fd = -1, rc;

	if (out)
		*out = NULL;
	if ((rc = ck__archive_require()) != CK_OK)
		return rc;
	if ((fd = open(tarball, O_RDONLY | O_CLOEXEC)) < 0)
		return ck__error_errno(ck__errno_code(errno), "cannot open %s", tarball);
	if (fstat(fd, &st) < 0) {
		rc = ck__error_errno(CK_EIO, "cannot stat %s", tarball);
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = ck__error_set(CK_EINVAL, "%s is not a tar archive (it is not a regular file)", tarball);
		goto out;
	}
	if (st.st_size == 0) {
		rc = ck__error_set(CK_EINVAL, "%s is empty, not a tar archive", tarball);
		goto out;
	}
	n = pread(fd, head, sizeof(head), 0);
	comp = sniff(head, n > 0 ? (size_t)n : 0);
	if ((rc = check_tar(tarball)) != CK_OK)
		goto out;
	/* Held until the commit: no removal may take the new layer meanwhile. */
	if ((rc = ck__image_store_lock(&lk, ctx, false, -1)) != CK_OK ||
	    (rc = ck__blob_writer_new(&w, ctx, NULL, -1)) != CK_OK)
		goto out;
	rc = comp == COMP_OTHER ? store_decompressed(w, tarball) : store_raw(w, fd, tarball);
	layer_size = (int64_t)ck__blob_writer_offset(w);
	if (rc != CK_OK) {
		ck__blob_writer_abort(w);
		goto out;
	}
	rc = ck__blob_writer_commit(&layer, w);
	if (rc != CK_OK)
		goto out;
	if ((rc = ck__layer_unpack(&diff_id, ctx, layer, NULL, NULL, NULL, NULL)) != CK_OK) {
		rc = ck__error_wrap(rc, "cannot import %s", tarball);
		goto undo;
	}
	if ((rc = put_config(&config, &config_size, ctx, diff_id, tarball, entrypoint, created_by)) != CK_OK ||
	    (rc = put_manifest(&manifest, ctx, config, config_size, layer, layer_size, media_type(comp))) != CK_OK)
		goto undo;
	rc = ck__image_commit(out, ctx, manifest, norm ? names : NULL, NULL, NULL);
	if (rc == CK_OK) {
		ck__log(ctx, CK_LOG_DEBUG, "imported %s as image %s", tarball, config + 7);
		goto out;
	}
undo:
	ck__lock_release(&lk);
	ck__image_undo_one_layer(ctx, "(import)", manifest, config, layer, diff_id);
out:
	ck__lock_release(&lk);
	if (fd >= 0)
		close(fd);
	free(layer);
	free(diff_id);
	free(config);
	free(manifest);
	return rc;
}

int ck_image_import(ck_image **out, ck_context *ctx, const char *tarball, const char *name)
{
	char *norm = NULL;
	int rc;

	CK_ENTER();
	if (out)
		*out = NULL;
	if (!ctx)
		return ck__error_set(CK_EINVAL, "ck_image_import: ctx is NULL");
	if (!tarball || !*tarball)
		return ck__error_set(CK_EINVAL, "ck_image_import: the tarball path is %s", tarball ? "empty" : "NULL");
	if ((rc = ck__archive_require()) != CK_OK)
		return rc;
	if (name && (rc = ck__image_name_normalize(&norm, name)) != CK_OK)
		return rc;
	if (norm && strchr(norm, '@'))
		rc = ck__error_set(CK_EINVAL, "cannot import %s as \"%s\": the name of an imported image cannot "
		                              "have a digest", tarball, name);
	else
		rc = ck__image_import_tar(out, ctx, tarball, norm, NULL, "ck import");
	free(norm);
	return rc;
}

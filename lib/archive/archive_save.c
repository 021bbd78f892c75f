/* ck_image_save: images into an oci-archive, a docker-archive or an OCI
 * layout directory, in the shapes podman and skopeo write and read. */
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

#define MANIFEST_MAX ((size_t)4 << 20)
#define CONFIG_MAX ((size_t)16 << 20)
#define REF_NAME "org.opencontainers.image.ref.name"

/* One image to save, as the caller named it. */
typedef struct item {
	char *id;
	char *name;            /* the name to record, NULL when saved by id */
	char *manifest;        /* bytes to write (converted to OCI for OCI formats) */
	size_t manifest_len;
	char manifest_digest[72];
	ck__manifest *m;
	ck__image_config cfg;
} item;

typedef struct save {
	ck_context *ctx;
	const char *path;
	int format;
	item *v;
	size_t n;
	ck__sink *sink;
	char **written;        /* entries already in the output */
	ck__tmpdir tmp;        /* for decompressed layers (docker-archive) */
} save;

static bool was_written(save *s, const char *name)
{
	for (size_t i = 0; s->written && s->written[i]; i++)
		if (!strcmp(s->written[i], name))
			return true;
	return false;
}

/* The name `ref` resolved to, when it is a name and not an id. */
static int save_name(char **out, save *s, const char *ref, const char *id)
{
	const char *hex = ck__str_has_prefix(ref, "sha256:") ? ref + 7 : ref;
	char **cands = NULL;
	ck_image *img = NULL;
	const char *const *names;
	int rc;

	*out = NULL;
	if (*hex && strlen(hex) <= 64 && ck__is_hex(hex, strlen(hex)) && ck__str_has_prefix(id, hex))
		return CK_OK;
	if ((rc = ck_image_lookup(&img, s->ctx, id)) < 0)
		return rc;
	names = ck_image_names(img);
	if ((rc = ck__ref_candidates(&cands, s->ctx, ref)) == CK_OK) {
		for (size_t c = 0; cands && cands[c] && !*out; c++)
			for (size_t i = 0; names && names[i] && !*out; i++)
				if (!strcmp(cands[c], names[i]) && !(*out = ck__strdup(names[i])))
					rc = ck__oom();
	} else {
		ck__error_clear(); /* not a parseable name (a digest reference, say): save it unnamed */
		rc = CK_OK;
	}
	ck_strv_free(cands);
	ck_image_free(img);
	return rc;
}

static const char *oci_media_type(const char *mt, const char *what_kind)
{
	static const char *const map[][2] = {
		{ CK_MT_DOCKER_CONFIG, CK_MT_OCI_CONFIG },
		{ CK_MT_DOCKER_LAYER, CK_MT_OCI_LAYER_GZIP },
		{ "application/vnd.docker.image.rootfs.diff.tar", CK_MT_OCI_LAYER },
		{ "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
		  "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip" },
	};
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (mt && !strcmp(mt, map[i][0]))
			return map[i][1];
	return mt ? mt : what_kind;
}

/* An OCI manifest for a Docker schema 2 one: same config bytes, so the same
 * image id; media types translated. */
static int to_oci(item *it)
{
	yajl_gen g = ck__json_gen_new(false);
	char hex[65];
	int rc;

	if (!g)
		return ck__oom();
	ck__manifest_gen_open(g, CK_MT_OCI_MANIFEST, oci_media_type(it->m->config.media_type, CK_MT_OCI_CONFIG),
	                      it->m->config.digest, it->m->config.size);
	for (size_t i = 0; i < it->m->n_layers; i++)
		ck__manifest_gen_desc(g, oci_media_type(it->m->layers[i].media_type, CK_MT_OCI_LAYER),
		                      it->m->layers[i].digest, it->m->layers[i].size);
	ck__manifest_gen_close(g);
	free(it->manifest);
	it->manifest = NULL;
	if ((rc = ck__json_gen_finish(&it->manifest, g)) < 0)
		return rc;
	it->manifest_len = strlen(it->manifest);
	if ((rc = ck__sha256_hex(hex, it->manifest, it->manifest_len)) < 0)
		return rc;
	snprintf(it->manifest_digest, sizeof(it->manifest_digest), "sha256:%s", hex);
	return CK_OK;
}

static int prepare(save *s, item *it, const char *ref)
{
	char *digest = NULL, *mt = NULL, *config = NULL, *what = NULL;
	size_t clen;
	int rc;

	if ((rc = ck__image_resolve(&it->id, s->ctx, ref)) < 0)
		return rc;
	if ((rc = save_name(&it->name, s, ref, it->id)) < 0)
		return rc;
	if (!(what = ck__asprintf("image %s", it->id)))
		return ck__oom();
	if ((rc = ck__image_manifest(&it->manifest, &it->manifest_len, &digest, &mt, s->ctx, it->id)) < 0 ||
	    (rc = ck__manifest_parse(&it->m, it->manifest, it->manifest_len, what)) < 0 ||
	    (rc = ck__blob_read(&config, &clen, s->ctx, it->m->config.digest, CONFIG_MAX)) < 0 ||
	    (rc = ck__image_config_parse(&it->cfg, config, clen, what)) < 0)
		goto out;
	if (ck__strv_len(it->cfg.diff_ids) != it->m->n_layers) {
		rc = ck__error_set(CK_ECORRUPT, "%s: its config lists %zu layers but its manifest %zu", what,
		                   ck__strv_len(it->cfg.diff_ids), it->m->n_layers);
		goto out;
	}
	snprintf(it->manifest_digest, sizeof(it->manifest_digest), "%s", digest);
	if (s->format != CK_ARCHIVE_DOCKER && strcmp(it->m->media_type, CK_MT_OCI_MANIFEST))
		rc = to_oci(it);
out:
	free(digest);
	free(mt);
	free(config);
	free(what);
	return rc;
}

/* Copies a stored blob into the output as `name`. */
static int add_blob(save *s, const char *name, const char *digest)
{
	char *path = NULL;
	struct stat st;
	int fd = -1, rc;

	if (was_written(s, name))
		return CK_OK;
	if (!(path = ck__blob_path(s->ctx, digest)))
		return ck__oom();
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0 || fstat(fd, &st) < 0)
		rc = ck__error_errno(errno == ENOENT ? CK_ECORRUPT : CK_EIO, "blob %s of the store (%s)", digest, path);
	else
		rc = ck__sink_add_fd(s->sink, name, fd, (uint64_t)st.st_size);
	if (fd >= 0)
		close(fd);
	free(path);
	return rc == CK_OK ? ck__strv_push(&s->written, name) : rc;
}

static int save_oci(save *s)
{
	yajl_gen g;
	char *index = NULL, name[96];
	static const char layout[] = "{\"imageLayoutVersion\":\"1.0.0\"}";
	int rc = ck__sink_add(s->sink, "oci-layout", layout, strlen(layout));

	for (size_t i = 0; rc == CK_OK && i < s->n; i++) {
		item *it = &s->v[i];
		snprintf(name, sizeof(name), "blobs/sha256/%s", it->m->config.digest + 7);
		rc = add_blob(s, name, it->m->config.digest);
		for (size_t l = 0; rc == CK_OK && l < it->m->n_layers; l++) {
			snprintf(name, sizeof(name), "blobs/sha256/%s", it->m->layers[l].digest + 7);
			rc = add_blob(s, name, it->m->layers[l].digest);
		}
		snprintf(name, sizeof(name), "blobs/sha256/%s", it->manifest_digest + 7);
		if (rc == CK_OK && !was_written(s, name) &&
		    (rc = ck__sink_add(s->sink, name, it->manifest, it->manifest_len)) == CK_OK)
			rc = ck__strv_push(&s->written, name);
	}
	if (rc < 0)
		return rc;
	if (!(g = ck__json_gen_new(false)))
		return ck__oom();
	yajl_gen_map_open(g);
	ck__json_key_int(g, "schemaVersion", 2);
	ck__json_key_str(g, "mediaType", CK_MT_OCI_INDEX);
	ck__json_key(g, "manifests");
	yajl_gen_array_open(g);
	for (size_t i = 0; i < s->n; i++) {
		yajl_gen_map_open(g);
		ck__json_key_str(g, "mediaType", CK_MT_OCI_MANIFEST);
		ck__json_key_str(g, "digest", s->v[i].manifest_digest);
		ck__json_key_int(g, "size", (long long)s->v[i].manifest_len);
		if (s->v[i].name) {
			ck__json_key(g, "annotations");
			yajl_gen_map_open(g);
			ck__json_key_str(g, REF_NAME, s->v[i].name);
			yajl_gen_map_close(g);
		}
		yajl_gen_map_close(g);
	}
	yajl_gen_array_close(g);
	yajl_gen_map_close(g);
	if ((rc = ck__json_gen_finish(&index, g)) == CK_OK)
		rc = ck__sink_add(s->sink, "index.json", index, strlen(index));
	free(index);
	return rc;
}

/* A stored layer as a plain tar: decompressed into the private temporary
 * directory when it is compressed, checked against its diff id. */
static int plain_layer(int *fd, uint64_t *size, save *s, const char *digest, const char *diff_id)
{
	char *path = ck__blob_path(s->ctx, digest), *out = NULL, got[72];
	struct archive *ar = NULL;
	struct archive_entry *ent;
	unsigned char magic[2] = { 0 };
	ck__sha256 h = { 0 };
	char hex[65];
	struct stat st;
	int in = -1, rc = CK_OK;

	*fd = -1;
	if (!path)
		return ck__oom();
	if ((in = open(path, O_RDONLY | O_CLOEXEC)) < 0 || fstat(in, &st) < 0) {
		rc = ck__error_errno(errno == ENOENT ? CK_ECORRUPT : CK_EIO, "layer blob %s of the store (%s)", digest,
		                     path);
		goto out;
	}
	if (pread(in, magic, 2, 0) == 2 && !(magic[0] == 0x1f && magic[1] == 0x8b) &&
	    !(magic[0] == 0x28 && magic[1] == 0xb5)) {
		*fd = in; /* a plain tar already: its digest is its diff id */
		*size = (uint64_t)st.st_size;
		in = -1;
		goto out;
	}
	if (!s->tmp.path && (rc = ck__tmpdir_create(&s->tmp, s->ctx, "save")) < 0)
		goto out;
	if (!(out = ck__asprintf("%s/%s.tar", s->tmp.path, diff_id + 7)) || (rc = ck__sha256_init(&h)) < 0 ||
	    !(ar = archive_read_new())) {
		rc = ck__oom();
		goto out;
	}
	int wfd = open(out, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (wfd < 0) {
		rc = ck__error_errno(CK_EIO, "cannot create %s", out);
		goto out;
	}
	unlink(out); /* anonymous from now on: it goes when closed */
	archive_read_support_filter_all(ar);
	archive_read_support_format_raw(ar);
	if (archive_read_open_fd(ar, in, 1 << 20) != ARCHIVE_OK || archive_read_next_header(ar, &ent) != ARCHIVE_OK)
		rc = ck__error_set(CK_ECORRUPT, "layer %s: cannot decompress: %s", digest, archive_error_string(ar));
	*size = 0;
	char buf[1 << 16];
	for (;;) {
		if (rc < 0)
			break;
		la_ssize_t n = archive_read_data(ar, buf, sizeof(buf));
		if (n == 0)
			break;
		if (n < 0) {
			rc = ck__error_set(CK_ECORRUPT, "layer %s: cannot decompress: %s", digest, archive_error_string(ar));
			break;
		}
		ck__sha256_update(&h, buf, (size_t)n);
		for (la_ssize_t off = 0; off < n && rc == CK_OK;) {
			ssize_t w = write(wfd, buf + off, (size_t)(n - off));
			if (w < 0 && errno != EINTR)
				rc = ck__error_errno(CK_EIO, "cannot write %s", out);
			off += w > 0 ? w : 0;
		}
		*size += (uint64_t)n;
	}
	if (rc == CK_OK && (rc = ck__sha256_final(&h, hex)) == CK_OK)
		snprintf(got, sizeof(got), "sha256:%s", hex);
	if (rc == CK_OK && strcmp(got, diff_id))
		rc = ck__error_set(CK_EDIGEST, "layer %s decompresses to %s, but the image's config expects %s", digest,
		                   got, diff_id);
	if (rc == CK_OK && lseek(wfd, 0, SEEK_SET) < 0)
		rc = ck__error_errno(CK_EIO, "cannot rewind %s", out);
	if (rc == CK_OK)
		*fd = wfd;
	else
		close(wfd);
out:
	if (ar)
		archive_read_free(ar);
	ck__sha256_free(&h);
	if (in >= 0)
		close(in);
	free(out);
	free(path);
	return rc;
}

/* "repo:tag" split for the repositories file; false for digest names. */
static bool split_tag(const char *name, char **repo, const char **tag)
{
	const char *slash = strrchr(name, '/'), *colon = strrchr(name, ':');

	if (strchr(name, '@') || !colon || (slash && colon < slash))
		return false;
	*repo = strndup(name, (size_t)(colon - name));
	*tag = colon + 1;
	return *repo != NULL;
}

/* The legacy "repositories" file: {"repo": {"tag": "<top layer>"}}. */
static int repositories(char **out, save *s)
{
	yajl_gen g = ck__json_gen_new(false);
	char **done = NULL;
	int rc = CK_OK;

	if (!g)
		return ck__oom();
	yajl_gen_map_open(g);
	for (size_t i = 0; rc == CK_OK && i < s->n; i++) {
		char *repo = NULL;
		const char *tag;
		if (!s->v[i].name || !s->v[i].m->n_layers || !split_tag(s->v[i].name, &repo, &tag))
			continue;
		bool seen = false;
		for (size_t k = 0; done && done[k] && !seen; k++)
			seen = !strcmp(done[k], repo);
		if (!seen && (rc = ck__strv_push(&done, repo)) == CK_OK) {
			ck__json_key(g, repo);
			yajl_gen_map_open(g);
			for (size_t k = i; k < s->n; k++) {
				char *r2 = NULL;
				const char *t2;
				item *it = &s->v[k];
				if (it->name && it->m->n_layers && split_tag(it->name, &r2, &t2) && !strcmp(r2, repo))
					ck__json_key_str(g, t2, it->cfg.diff_ids[it->m->n_layers - 1] + 7);
				free(r2);
			}
			yajl_gen_map_close(g);
		}
		free(repo);
	}
	yajl_gen_map_close(g);
	ck_strv_free(done);
	if (rc < 0) {
		yajl_gen_free(g);
		return rc;
	}
	return ck__json_gen_finish(out, g);
}

static int save_docker(save *s)
{
	yajl_gen g = ck__json_gen_new(false);
	char *manifest = NULL, *repos = NULL, name[96];
	int rc = CK_OK;

	if (!g)
		return ck__oom();
	yajl_gen_array_open(g);
	for (size_t i = 0; rc == CK_OK && i < s->n; i++) {
		item *it = &s->v[i];
		bool first = true;
		/* One manifest.json item per image, with all the names it was
		 * asked for under. */
		for (size_t k = 0; k < i && first; k++)
			first = strcmp(s->v[k].id, it->id) != 0;
		if (!first)
			continue;
		snprintf(name, sizeof(name), "%s.json", it->id);
		rc = add_blob(s, name, it->m->config.digest);
		yajl_gen_map_open(g);
		ck__json_key_str(g, "Config", name);
		ck__json_key(g, "RepoTags");
		yajl_gen_array_open(g);
		for (size_t k = i; k < s->n; k++) {
			char *repo = NULL;
			const char *tag;
			if (!strcmp(s->v[k].id, it->id) && s->v[k].name && split_tag(s->v[k].name, &repo, &tag))
				ck__json_str_val(g, s->v[k].name);
			free(repo);
		}
		yajl_gen_array_close(g);
		ck__json_key(g, "Layers");
		yajl_gen_array_open(g);
		for (size_t l = 0; rc == CK_OK && l < it->m->n_layers; l++) {
			int fd;
			uint64_t size;
			snprintf(name, sizeof(name), "%s.tar", it->cfg.diff_ids[l] + 7);
			ck__json_str_val(g, name);
			if (was_written(s, name))
				continue;
			if ((rc = plain_layer(&fd, &size, s, it->m->layers[l].digest, it->cfg.diff_ids[l])) < 0)
				break;
			rc = ck__sink_add_fd(s->sink, name, fd, size);
			close(fd);
			if (rc == CK_OK)
				rc = ck__strv_push(&s->written, name);
		}
		yajl_gen_array_close(g);
		yajl_gen_map_close(g);
	}
	yajl_gen_array_close(g);
	if (rc < 0) {
		yajl_gen_free(g);
		return rc;
	}
	if ((rc = ck__json_gen_finish(&manifest, g)) == CK_OK &&
	    (rc = ck__sink_add(s->sink, "manifest.json", manifest, strlen(manifest))) == CK_OK &&
	    (rc = repositories(&repos, s)) == CK_OK)
		rc = ck__sink_add(s->sink, "repositories", repos, strlen(repos));
	free(manifest);
	free(repos);
	return rc;
}

int ck_image_save(ck_context *ctx, const char *path, int format, const char *const *images)
{
	save s = { .ctx = ctx, .path = path, .format = format, .tmp = CK__TMPDIR_INIT };
	int rc = CK_OK;

	CK_ENTER();
	if (!ctx || !path || !*path || !images || !images[0])
		return ck__error_set(CK_EINVAL, "ck_image_save: a context, a path and at least one image are required");
	if (format != CK_ARCHIVE_OCI && format != CK_ARCHIVE_DOCKER && format != CK_ARCHIVE_OCI_DIR)
		return ck__error_set(CK_EINVAL, "ck_image_save: unknown format %d (CK_ARCHIVE_OCI, CK_ARCHIVE_DOCKER or "
		                     "CK_ARCHIVE_OCI_DIR)", format);
	if ((rc = ck__archive_require()) != CK_OK)
		return rc;
	while (images[s.n])
		s.n++;
	if (!(s.v = calloc(s.n, sizeof(*s.v))))
		return ck__oom();
	for (size_t i = 0; rc == CK_OK && i < s.n; i++)
		if ((rc = prepare(&s, &s.v[i], images[i])) < 0)
			ck__error_wrap(rc, "cannot save %s", images[i]);
	if (rc == CK_OK)
		rc = ck__sink_open(&s.sink, ctx, path, format == CK_ARCHIVE_OCI_DIR);
	if (rc == CK_OK)
		rc = format == CK_ARCHIVE_DOCKER ? save_docker(&s) : save_oci(&s);
	if (rc == CK_OK) {
		rc = ck__sink_commit(s.sink);
		s.sink = NULL;
	}
	ck__sink_abort(s.sink);
	ck__tmpdir_remove(&s.tmp);
	for (size_t i = 0; i < s.n; i++) {
		free(s.v[i].id);
		free(s.v[i].name);
		free(s.v[i].manifest);
		ck__manifest_free(s.v[i].m);
		ck__image_config_free(&s.v[i].cfg);
	}
	free(s.v);
	ck_strv_free(s.written);
	return rc;
}

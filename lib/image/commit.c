/* A new image from a container's changes (podman commit): the overlay upper
 * directory, written as one more layer on top of the base image's layers,
 * and the base image's config with the container's settings and the
 * caller's changes applied. */
#define _GNU_SOURCE
#include "image/image_int.h"
#include "layer/libarchive.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CHUNK (256u << 10)

/* The layer blob from the tar of `dir` (NULL: an empty layer). */
static int put_layer(char **digest, int64_t *size, ck_context *ctx, const char *dir, const char *tmp)
{
	char *tar = ck__path_join(tmp, "layer.tar"), *empty = ck__path_join(tmp, "empty"), *buf = malloc(CHUNK);
	ck__blob_writer *w = NULL;
	int fd = -1, rc = CK_OK;
	ssize_t n;

	if (!tar || !empty || !buf) {
		rc = ck__oom();
		goto out;
	}
	if (!dir && (rc = ck__mkdir_p(empty, 0755)) != CK_OK)
		goto out;
	if ((fd = open(tar, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) < 0) {
		rc = ck__error_errno(CK_EIO, "cannot create %s", tar);
		goto out;
	}
	if ((rc = ck__tar_tree(fd, dir ? dir : empty, CK__TAR_LAYER)) != CK_OK ||
	    (rc = ck__blob_writer_new(&w, ctx, NULL, -1)) != CK_OK)
		goto out;
	if (lseek(fd, 0, SEEK_SET) < 0)
		rc = ck__error_errno(CK_EIO, "cannot read %s", tar);
	while (rc == CK_OK && (n = read(fd, buf, CHUNK)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		rc = n < 0 ? ck__error_errno(CK_EIO, "cannot read %s", tar) : ck__blob_writer_write(w, buf, (size_t)n);
	}
	*size = (int64_t)ck__blob_writer_offset(w);
	if (rc != CK_OK)
		ck__blob_writer_abort(w);
	else
		rc = ck__blob_writer_commit(digest, w);
out:
	if (fd >= 0)
		close(fd);
	free(tar);
	free(empty);
	free(buf);
	return rc;
}

static void strv_val(yajl_gen g, char *const *v)
{
	yajl_gen_array_open(g);
	for (size_t i = 0; v && v[i]; i++)
		ck__json_str_val(g, v[i]);
	yajl_gen_array_close(g);
}

/* {"k":{}} for each of `keys` merged with the object `base`. */
static void set_val(yajl_gen g, yajl_val base, char *const *keys)
{
	yajl_gen_map_open(g);
	for (size_t i = 0; base && YAJL_IS_OBJECT(base) && i < base->u.object.len; i++) {
		bool dup = false;
		for (size_t k = 0; keys && keys[k]; k++)
			dup |= !strcmp(keys[k], base->u.object.keys[i]);
		if (!dup) {
			ck__json_key(g, base->u.object.keys[i]);
			ck__json_emit(g, base->u.object.values[i]);
		}
	}
	for (size_t k = 0; keys && keys[k]; k++) {
		ck__json_key(g, keys[k]);
		yajl_gen_map_open(g);
		yajl_gen_map_close(g);
	}
	yajl_gen_map_close(g);
}

static void emit_config(yajl_gen g, yajl_val base, const ck__commit_cfg *c)
{
	static const char *const own[] = { "Cmd", "Entrypoint", "Env", "Labels", "WorkingDir", "User",
		                           "ExposedPorts", "Volumes", "StopSignal", NULL };
	yajl_gen_map_open(g);
	for (size_t i = 0; base && YAJL_IS_OBJECT(base) && i < base->u.object.len; i++) {
		const char *k = base->u.object.keys[i];
		bool mine = false;
		for (size_t j = 0; own[j]; j++)
			mine |= !strcmp(own[j], k);
		if (!mine) {
			ck__json_key(g, k);
			ck__json_emit(g, base->u.object.values[i]);
		}
	}
	const char *path[2] = { NULL, NULL };
#define BASE(name) (path[0] = (name), base ? yajl_tree_get(base, path, yajl_t_any) : NULL)
	ck__json_key(g, "Env");
	strv_val(g, c->env);
	if (c->entrypoint) {
		ck__json_key(g, "Entrypoint");
		strv_val(g, c->entrypoint);
	}
	if (c->cmd) {
		ck__json_key(g, "Cmd");
		strv_val(g, c->cmd);
	}
	if (c->workdir && *c->workdir)
		ck__json_key_str(g, "WorkingDir", c->workdir);
	if (c->user && *c->user)
		ck__json_key_str(g, "User", c->user);
	if (c->stop_signal && *c->stop_signal)
		ck__json_key_str(g, "StopSignal", c->stop_signal);
	else if (BASE("StopSignal")) {
		ck__json_key(g, "StopSignal");
		ck__json_emit(g, BASE("StopSignal"));
	}
	ck__json_key(g, "ExposedPorts");
	set_val(g, BASE("ExposedPorts"), c->exposed);
	ck__json_key(g, "Volumes");
	set_val(g, BASE("Volumes"), c->volumes);
	ck__json_key(g, "Labels");
	yajl_gen_map_open(g);
	for (size_t i = 0; c->label_keys && c->label_keys[i]; i++)
		ck__json_key_str(g, c->label_keys[i], c->label_vals[i]);
	yajl_gen_map_close(g);
#undef BASE
	yajl_gen_map_close(g);
}

static int put_config(char **digest, int64_t *size, ck_context *ctx, yajl_val base, const char *diff_id,
                      const ck__commit_cfg *c)
{
	yajl_gen g = ck__json_gen_new(false);
	char now[40];

	if (!g)
		return ck__oom();
	ck__rfc3339(now, sizeof(now), ck__now_ns());
	yajl_gen_map_open(g);
	for (size_t i = 0; YAJL_IS_OBJECT(base) && i < base->u.object.len; i++) {
		const char *k = base->u.object.keys[i];
		yajl_val v = base->u.object.values[i];
		if (!strcmp(k, "created") || !strcmp(k, "author") || !strcmp(k, "config") || !strcmp(k, "history") ||
		    !strcmp(k, "rootfs") || !strcmp(k, "container_config"))
			continue;
		ck__json_key(g, k);
		ck__json_emit(g, v);
	}
	ck__json_key_str(g, "created", now);
	if (c->author && *c->author)
		ck__json_key_str(g, "author", c->author);
	const char *cp[] = { "config", NULL }, *rp[] = { "rootfs", "diff_ids", NULL }, *hp[] = { "history", NULL };
	ck__json_key(g, "config");
	emit_config(g, yajl_tree_get(base, cp, yajl_t_object), c);
	ck__json_key(g, "rootfs");
	yajl_gen_map_open(g);
	ck__json_key_str(g, "type", "layers");
	ck__json_key(g, "diff_ids");
	yajl_gen_array_open(g);
	yajl_val ids = yajl_tree_get(base, rp, yajl_t_array);
	for (size_t i = 0; ids && i < ids->u.array.len; i++)
		ck__json_emit(g, ids->u.array.values[i]);
	ck__json_str_val(g, diff_id);
	yajl_gen_array_close(g);
	yajl_gen_map_close(g);
	ck__json_key(g, "history");
	yajl_gen_array_open(g);
	yajl_val hist = yajl_tree_get(base, hp, yajl_t_array);
	for (size_t i = 0; hist && i < hist->u.array.len; i++)
		ck__json_emit(g, hist->u.array.values[i]);
	yajl_gen_map_open(g);
	ck__json_key_str(g, "created", now);
	ck__json_key_str(g, "created_by", c->created_by ? c->created_by : "ck commit");
	if (c->author && *c->author)
		ck__json_key_str(g, "author", c->author);
	if (c->message && *c->message)
		ck__json_key_str(g, "comment", c->message);
	yajl_gen_map_close(g);
	yajl_gen_array_close(g);
	yajl_gen_map_close(g);
	return ck__image_put_json(digest, size, ctx, g);
}

/* docker's types for --format docker, OCI's otherwise; a base layer keeps
 * its compression. */
static const char *layer_type(const char *mt, bool docker)
{
	bool gz = mt && strstr(mt, "gzip"), zst = mt && strstr(mt, "zstd");
	if (docker)
		return gz ? CK_MT_DOCKER_LAYER : "application/vnd.docker.image.rootfs.diff.tar";
	return gz ? CK_MT_OCI_LAYER_GZIP : zst ? CK_MT_OCI_LAYER_ZSTD : CK_MT_OCI_LAYER;
}

static int put_manifest(char **digest, ck_context *ctx, const ck_image *base, const char *config,
                        int64_t config_size, const char *layer, int64_t layer_size, bool docker)
{
	yajl_gen g = ck__json_gen_new(false);

	if (!g)
		return ck__oom();
	ck__manifest_gen_open(g, docker ? CK_MT_DOCKER_MANIFEST : CK_MT_OCI_MANIFEST,
	                      docker ? CK_MT_DOCKER_CONFIG : CK_MT_OCI_CONFIG, config, config_size);
	for (size_t i = 0; i < base->n_layers; i++)
		ck__manifest_gen_desc(g, layer_type(base->layers[i].media_type, docker), base->layers[i].digest,
		                      base->layers[i].size);
	ck__manifest_gen_desc(g, layer_type(NULL, docker), layer, layer_size);
	ck__manifest_gen_close(g);
	return ck__image_put_json(digest, NULL, ctx, g);
}

int ck__image_commit_tree(ck_image **out, ck_context *ctx, const char *base_id, const char *upper,
                          const ck__commit_cfg *c)
{
	ck__tmpdir t = CK__TMPDIR_INIT;
	ck__lock lk = CK__LOCK_INIT;
	ck_image *base = NULL;
	yajl_val cfg = NULL;
	char *layer = NULL, *diff_id = NULL, *config = NULL, *manifest = NULL;
	char *norm = NULL;
	const char *names[2] = { NULL, NULL };
	int64_t layer_size = 0, config_size = 0;
	int rc;

	*out = NULL;
	if (c->name && (rc = ck__image_name_normalize(&norm, c->name)) != CK_OK)
		return rc;
	if (norm && strchr(norm, '@')) {
		rc = ck__error_set(CK_EINVAL, "\"%s\": the name of a committed image cannot have a digest", c->name);
		free(norm);
		return rc;
	}
	names[0] = norm;
	if ((rc = ck__archive_require()) != CK_OK || (rc = ck__image_load(&base, ctx, base_id)) != CK_OK ||
	    (rc = ck__image_read_config(&cfg, base)) != CK_OK || (rc = ck__tmpdir_create(&t, ctx, "commit")) != CK_OK)
		goto out;
	/* Held until the commit: no removal may take the new layer meanwhile. */
	if ((rc = ck__image_store_lock(&lk, ctx, false, -1)) != CK_OK ||
	    (rc = put_layer(&layer, &layer_size, ctx, upper, t.path)) != CK_OK ||
	    (rc = ck__layer_unpack(&diff_id, ctx, layer, NULL, NULL, NULL, NULL)) != CK_OK ||
	    (rc = put_config(&config, &config_size, ctx, cfg, diff_id, c)) != CK_OK ||
	    (rc = put_manifest(&manifest, ctx, base, config, config_size, layer, layer_size, c->docker)) != CK_OK)
		goto out;
	rc = ck__image_commit(out, ctx, manifest, norm ? names : NULL, NULL, NULL);
out:
	ck__lock_release(&lk);
	if (rc != CK_OK && layer) /* what this commit stored goes again, unless an image uses it */
		ck__image_undo_one_layer(ctx, "(commit)", manifest, config, layer, diff_id);
	ck__tmpdir_remove(&t);
	yajl_tree_free(cfg);
	ck_image_free(base);
	free(layer);
	free(diff_id);
	free(config);
	free(manifest);
	free(norm);
	return rc;
}

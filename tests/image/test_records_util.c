/* Implementation of the image record test helpers (test_records_util.h). */
#define _GNU_SOURCE
#include "test_records_util.h"
#include "layer/test_layer_util.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

ck_context *tr_open(const char *root, const char *backend)
{
	ck_context_options o = CK_CONTEXT_OPTIONS_INIT;
	ck_context *ctx = NULL;
	char run[4096];

	snprintf(run, sizeof(run), "%s/run", root);
	o.root = root;
	o.runroot = run;
	o.db_backend = backend;
	o.flags = CK_CONTEXT_NO_ENV | CK_CONTEXT_NO_CONFIG;
	if (ck_context_open(&ctx, &o) != 0) {
		fprintf(stderr, "cannot open context on %s: %s\n", root, ck_error_last()->message);
		abort();
	}
	return ctx;
}

void tr_image_clear(tr_image *img)
{
	memset(img, 0, sizeof(*img));
}

static void put(char out[72], ck_context *ctx, const char *data, size_t len)
{
	char *d = tl_put(ctx, data, len);
	snprintf(out, 72, "%s", d);
	free(d);
}

/* gzip stamps the time: one word compresses to one blob for the whole
 * process, so that images built from the same word share it. */
static struct {
	char word[64];
	char *tar, *gz;
	size_t tlen, clen;
} cache[64];

static void layer_of(const char *word, char **tar, size_t *tlen, char **gz, size_t *clen)
{
	size_t i = 0;

	while (i < 64 && cache[i].tar && strcmp(cache[i].word, word))
		i++;
	if (i == 64)
		abort();
	if (!cache[i].tar) {
		tl_ent e = { .path = word, .data = word };
		snprintf(cache[i].word, sizeof(cache[i].word), "%s", word);
		cache[i].tar = tl_tar(&cache[i].tlen, &e, 1);
		cache[i].gz = tl_compress(&cache[i].clen, cache[i].tar, cache[i].tlen, "gzip");
	}
	*tar = cache[i].tar;
	*gz = cache[i].gz;
	*tlen = cache[i].tlen;
	*clen = cache[i].clen;
}

/* Layers, config and manifest; `mode` spoils one thing. */
static char *store(tr_image *out, ck_context *ctx, const char *layers, const char *created, const char *labels,
                   int mode)
{
	char *words = strdup(layers), *save = NULL, cfg[8192], man[8192], ids[2048] = "", descs[4096] = "";
	char hist[4096] = "";
	size_t n = 0;

	memset(out, 0, sizeof(*out));
	for (char *w = strtok_r(words, ",", &save); w && n < TR_MAX_LAYERS; w = strtok_r(NULL, ",", &save), n++) {
		size_t tlen, clen;
		char *tar, *gz;

		layer_of(w, &tar, &tlen, &gz, &clen);

		tl_digest(out->diff[n], tar, tlen);
		if (mode == TR_MISSING_LAYER)
			tl_digest(out->layer[n], gz, clen);
		else
			put(out->layer[n], ctx, gz, clen);
		out->layer_size[n] = (int64_t)clen;
		snprintf(ids + strlen(ids), sizeof(ids) - strlen(ids), "%s\"%s\"", n ? "," : "",
		         mode == TR_WRONG_DIFF_ID ? "sha256:1111111111111111111111111111111111111111111111111111111111111111"
		                                  : out->diff[n]);
		snprintf(descs + strlen(descs), sizeof(descs) - strlen(descs),
		         "%s{\"mediaType\":\"%s\",\"digest\":\"%s\",\"size\":%lld}", n ? "," : "", CK_MT_OCI_LAYER_GZIP,
		         out->layer[n], (long long)clen + (mode == TR_WRONG_SIZE));
		snprintf(hist + strlen(hist), sizeof(hist) - strlen(hist),
		         "%s{\"created\":\"%s\",\"created_by\":\"ADD %s\"},{\"created\":\"%s\",\"created_by\":"
		         "\"ENV X=%s\",\"empty_layer\":true,\"comment\":\"env\"}",
		         n ? "," : "", created, w, created, w);
	}
	out->n = n;
	free(words);
	if (mode == TR_EXTRA_DIFF_ID)
		strcat(ids, ",\"sha256:2222222222222222222222222222222222222222222222222222222222222222\"");
	snprintf(cfg, sizeof(cfg),
	         "{\"created\":\"%s\",\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Env\":"
	         "[\"PATH=/usr/bin:/bin\"],\"Cmd\":[\"sh\"],\"Labels\":%s},\"rootfs\":{\"type\":\"layers\","
	         "\"diff_ids\":[%s]},\"history\":[%s]}",
	         created, labels ? labels : "null", ids, hist);
	put(out->config, ctx, cfg, strlen(cfg));
	snprintf(man, sizeof(man),
	         "{\"schemaVersion\":2,\"mediaType\":\"%s\",\"config\":{\"mediaType\":\"%s\",\"digest\":\"%s\","
	         "\"size\":%zu},\"layers\":[%s]}",
	         CK_MT_OCI_MANIFEST, CK_MT_OCI_CONFIG, out->config, strlen(cfg), descs);
	put(out->manifest, ctx, man, strlen(man));
	if (mode == TR_INDEX) {
		char idx[1024], d[72];
		snprintf(idx, sizeof(idx),
		         "{\"schemaVersion\":2,\"mediaType\":\"%s\",\"manifests\":[{\"mediaType\":\"%s\",\"digest\":"
		         "\"%s\",\"size\":%zu,\"platform\":{\"os\":\"linux\",\"architecture\":\"amd64\"}}]}",
		         CK_MT_OCI_INDEX, CK_MT_OCI_MANIFEST, out->manifest, strlen(man));
		put(d, ctx, idx, strlen(idx));
		return strdup(d);
	}
	return strdup(out->manifest);
}

char *tr_manifest_for(ck_context *ctx, const char *layers, int mode)
{
	tr_image img;
	return store(&img, ctx, layers, "2023-01-01T00:00:00Z", NULL, mode);
}

char *tr_build(tr_image *out, ck_context *ctx, const char *layers, const char *created, const char *labels,
               const char *const *names)
{
	char *m = store(out, ctx, layers, created, labels, TR_OK), *id = NULL;
	ck_image *img = NULL;

	if (ck__image_commit(&img, ctx, m, names, NULL, NULL) != 0) {
		fprintf(stderr, "  commit of %s failed: %s\n", layers, ck_error_last()->message);
		ck_test_failed_checks++;
	} else {
		id = strdup(ck_image_id(img));
	}
	ck_image_free(img);
	free(m);
	return id;
}

struct rec_args {
	const char *id;
	char *config, *state;
	bool want_config, want_state;
};

static int rec_fn(ck_state_txn *txn, void *payload)
{
	struct rec_args *a = payload;
	free(a->config);
	free(a->state);
	a->config = a->state = NULL;
	return ck__rec_get(a->want_config ? &a->config : NULL, a->want_state ? &a->state : NULL, txn,
	                   CK__KIND_IMAGE, a->id);
}

int tr_record(char **config, char **state, ck_context *ctx, const char *id)
{
	struct rec_args a = { id, NULL, NULL, config != NULL, state != NULL };
	int rc = ck__state_read(ctx, rec_fn, &a);

	if (config)
		*config = a.config;
	else
		free(a.config);
	if (state)
		*state = a.state;
	else
		free(a.state);
	return rc;
}

bool tr_json_has(const char *json, const char *key, const char *value)
{
	char want[512];

	snprintf(want, sizeof(want), "\"%s\":\"%s\"", key, value);
	if (json && strstr(json, want))
		return true;
	fprintf(stderr, "  %s lacks %s\n", json ? json : "(null)", want);
	return false;
}

static int count_fn(const char *key, const void *val, size_t len, void *payload)
{
	(*(size_t *)payload)++;
	return 0;
}

struct count_args {
	const char *bucket;
	size_t n;
};

static int count_txn(ck_state_txn *txn, void *payload)
{
	struct count_args *a = payload;
	a->n = 0;
	return ck__txn_scan(txn, a->bucket, "", count_fn, &a->n);
}

static size_t count_bucket(ck_context *ctx, const char *bucket)
{
	struct count_args a = { bucket, 0 };
	return ck__state_read(ctx, count_txn, &a) == 0 ? a.n : (size_t)-1;
}

size_t tr_count_images(ck_context *ctx)
{
	size_t a = count_bucket(ctx, "images"), b = count_bucket(ctx, "images.state");
	return a == b ? a : (size_t)-2;
}

size_t tr_count_tags(ck_context *ctx)
{
	return count_bucket(ctx, "images.tags");
}

struct user_args {
	const char *id, *user;
	bool add;
};

static int user_fn(ck_state_txn *txn, void *payload)
{
	struct user_args *a = payload;
	return a->add ? ck__image_add_user(txn, a->id, a->user) : ck__image_remove_user(txn, a->id, a->user);
}

int tr_user(ck_context *ctx, const char *id, const char *user, bool add)
{
	struct user_args a = { id, user, add };
	return ck__state_write(ctx, user_fn, &a);
}

int tr_dir_entries(const char *root, const char *rel)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	return tl_count(path);
}

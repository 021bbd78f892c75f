/* ck-bench state: the scratch store, the context that opens it, and the
 * fast pre-population of N volumes through batched write transactions. */
#define _GNU_SOURCE
#include "state.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Pairs per pre-population transaction: a config and a state per volume. */
#define POPULATE_PAIRS 5000
#define RECORD_SIZE 300
#define STATE_EMPTY "{\"users\":[]}"

static void log_cb(int level, const char *message, void *payload)
{
	long *warnings = payload;

	if (level <= CK_LOG_WARN && warnings)
		(*warnings)++;
	fprintf(stderr, "ck-bench: library: %s\n", message);
}

int bench_state_fail(const char *what, int rc)
{
	const ck_error *e = ck_error_last();
	fprintf(stderr, "ck-bench: %s: %s (%s)\n", what, e->message, ck_error_name(rc));
	return -1;
}

int bench_state_open_ctx(ck_context **out, bench_state *b)
{
	ck_context_options o = CK_CONTEXT_OPTIONS_INIT;
	int rc;

	o.root = b->root;
	o.runroot = b->runroot;
	o.db_backend = b->backend;
	o.flags = CK_CONTEXT_NO_ENV | CK_CONTEXT_NO_CONFIG;
	o.log_fn = log_cb;
	o.log_payload = &b->warnings;
	o.log_level = CK_LOG_WARN;
	if ((rc = ck_context_open(out, &o)) != CK_OK)
		return bench_state_fail("cannot open a context", rc);
	return 0;
}

int bench_state_config(char *buf, size_t size, const bench_state *b, const char *name, int64_t created)
{
	int n = snprintf(buf, size,
	                 "{\"name\":\"%s\",\"driver\":\"local\",\"labels\":{\"" LABEL_KEY "\":\"%s\"},"
	                 "\"mountpoint\":\"%s/%s/_data\",\"created\":%lld,\"options\":{}}",
	                 name, b->pad, b->volbase, name, (long long)created);
	return n < 0 || (size_t)n >= size ? -1 : n;
}

void bench_state_name(char *buf, size_t size, const char *prefix, long i)
{
	snprintf(buf, size, "%s-%08ld", prefix, i);
}

/* ---- setup: the scratch store and the layout of volumes ---- */

struct probe_read {
	int config_rc, state_rc;
};

static int probe_fn(ck_state_txn *txn, void *payload)
{
	struct probe_read *p = payload;
	void *v = NULL;
	size_t len;

	p->config_rc = ck_state_txn_get(&v, &len, txn, "volumes", "ck-bench-probe");
	ck_free(v);
	v = NULL;
	p->state_rc = ck_state_txn_get(&v, &len, txn, "volumes.state", "ck-bench-probe");
	ck_free(v);
	return CK_OK;
}

/* Creates one volume through the API to learn where volume directories go,
 * and checks that its record sits in the buckets this benchmark writes. */
static int probe_layout(bench_state *b)
{
	struct probe_read p = { 0, 0 };
	ck_volume_spec *spec = NULL;
	ck_volume *vol = NULL;
	char *slash;
	int rc;

	if ((rc = ck_volume_spec_new(&spec)) != CK_OK ||
	    (rc = ck_volume_spec_set_name(spec, "ck-bench-probe")) != CK_OK) {
		ck_volume_spec_free(spec);
		return bench_state_fail("volume spec", rc);
	}
	rc = ck_volume_create(&vol, b->ctx, spec);
	ck_volume_spec_free(spec);
	if (rc != CK_OK)
		return bench_state_fail("creating a probe volume", rc);
	b->volbase = strdup(ck_volume_mountpoint(vol));
	if (!b->volbase || !(slash = strrchr(b->volbase, '/')) || strcmp(slash, "/_data") != 0) {
		fprintf(stderr, "ck-bench: unexpected volume mountpoint %s\n", ck_volume_mountpoint(vol));
		ck_volume_free(vol);
		return -1;
	}
	*slash = '\0'; /* <volbase>/<name>/_data */
	if ((slash = strrchr(b->volbase, '/')))
		*slash = '\0';
	if ((rc = ck_state_read(b->st, probe_fn, &p)) != CK_OK) {
		ck_volume_free(vol);
		return bench_state_fail("reading the probe volume's record", rc);
	}
	if (p.config_rc != CK_OK || p.state_rc != CK_OK) {
		fprintf(stderr, "ck-bench: the %s backend does not keep a volume in buckets \"volumes\" and "
		                "\"volumes.state\" (%s, %s): the benchmark's records would not be volumes\n",
		        b->backend, ck_error_name(p.config_rc), ck_error_name(p.state_rc));
		ck_volume_free(vol);
		return -1;
	}
	rc = ck_volume_remove(vol, 0);
	ck_volume_free(vol);
	return rc == CK_OK ? 0 : bench_state_fail("removing the probe volume", rc);
}

int bench_state_setup(bench_state *b)
{
	const char *parent = b->parent ? b->parent : getenv("TMPDIR");
	char *tmpl;
	size_t fixed;
	int rc;

	if (!parent || !*parent)
		parent = "/var/tmp";
	if (asprintf(&tmpl, "%s/ck-bench-XXXXXX", parent) < 0)
		return -1;
	if (!mkdtemp(tmpl)) {
		fprintf(stderr, "ck-bench: cannot create a directory in %s: %m\n", parent);
		free(tmpl);
		return -1;
	}
	b->tmp = tmpl;
	if (asprintf(&b->root, "%s/root", b->tmp) < 0 || asprintf(&b->runroot, "%s/run", b->tmp) < 0)
		return -1;
	if (mkdir(b->root, 0700) < 0 || mkdir(b->runroot, 0700) < 0) {
		fprintf(stderr, "ck-bench: mkdir in %s: %m\n", b->tmp);
		return -1;
	}
	if (bench_state_open_ctx(&b->ctx, b) != 0)
		return -1;
	if ((rc = ck_state_open(&b->st, b->ctx)) != CK_OK)
		return bench_state_fail("cannot open the state store", rc);
	if (strcmp(ck_state_backend(b->st), b->backend) != 0) {
		fprintf(stderr, "ck-bench: asked for the %s backend, got %s\n", b->backend, ck_state_backend(b->st));
		return -1;
	}
	if (probe_layout(b) != 0)
		return -1;
	/* Pad the label so that a record is about RECORD_SIZE bytes. */
	b->pad[0] = '\0';
	char name[64], config[1024];
	bench_state_name(name, sizeof(name), "vol", 0);
	fixed = (size_t)bench_state_config(config, sizeof(config), b, name, (int64_t)time(NULL));
	if (fixed < RECORD_SIZE && RECORD_SIZE - fixed < sizeof(b->pad)) {
		memset(b->pad, 'x', RECORD_SIZE - fixed);
		b->pad[RECORD_SIZE - fixed] = '\0';
	}
	return 0;
}

/* ---- pre-population ---- */

struct batch {
	bench_state *b;
	long from, to;
	int64_t created;
};

static int put_batch(ck_state_txn *txn, void *payload)
{
	struct batch *bt = payload;
	char name[64], config[1024];
	int rc, len;

	for (long i = bt->from; i < bt->to; i++) {
		bench_state_name(name, sizeof(name), "vol", i);
		if ((len = bench_state_config(config, sizeof(config), bt->b, name, bt->created)) < 0)
			return CK_EINVAL;
		if ((rc = ck_state_txn_put(txn, "volumes", name, config, (size_t)len)) != CK_OK ||
		    (rc = ck_state_txn_put(txn, "volumes.state", name, STATE_EMPTY, strlen(STATE_EMPTY))) != CK_OK)
			return rc;
	}
	return CK_OK;
}

long bench_state_pick(uint64_t *seed, const bench_state *b)
{
	return (long)(bench_rand(seed) % (uint64_t)(b->records + b->ops));
}

static int make_dir(const bench_state *b, long i)
{
	char name[64], path[4096];

	bench_state_name(name, sizeof(name), "vol", i);
	snprintf(path, sizeof(path), "%s/%s", b->volbase, name);
	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		goto fail;
	snprintf(path, sizeof(path), "%s/%s/_data", b->volbase, name);
	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		goto fail;
	return 0;
fail:
	fprintf(stderr, "ck-bench: mkdir %s: %m\n", path);
	return -1;
}

/* Every volume gets its directories, as ck_volume_create() would have made
 * them: lookups and lists stat them and recreate a missing one (with a
 * warning), which would time mkdirs instead of reads. */
static int make_dirs(const bench_state *b)
{
	for (long i = 0; i < b->records; i++)
		if (make_dir(b, i) != 0)
			return -1;
	return 0;
}

int bench_state_populate(bench_state *b)
{
	const long per_txn = POPULATE_PAIRS / 2;
	struct batch bt = { b, 0, 0, (int64_t)time(NULL) };
	int64_t t0 = bench_now_ns(), txn_ns;
	int rc;

	for (long from = 0; from < b->records; from += per_txn) {
		bt.from = from;
		bt.to = from + per_txn < b->records ? from + per_txn : b->records;
		if ((rc = ck_state_write(b->st, put_batch, &bt)) != CK_OK)
			return bench_state_fail("pre-populating the store", rc);
	}
	txn_ns = bench_now_ns() - t0;
	t0 = bench_now_ns();
	if (make_dirs(b) != 0)
		return -1;
	bench_report_num(&b->rep, "populate_txn_s", "pre-population, batched transactions", txn_ns / 1e9, "s", 2);
	bench_report_num(&b->rep, "populate_records_per_s", "pre-population, batched rate",
	                 txn_ns > 0 ? b->records / (txn_ns / 1e9) : 0, "records/s", 0);
	bench_report_num(&b->rep, "populate_dirs_s", "pre-population, volume directories",
	                 (bench_now_ns() - t0) / 1e9, "s", 2);
	return 0;
}

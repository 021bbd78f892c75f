/* ck-bench state: throughput of the volume operations on a scratch store of
 * N pre-written records (state_setup.c), each operation its own durable
 * transaction as a user's command runs it; state_latency.c adds the commit
 * latencies. */
#define _GNU_SOURCE
#include "state.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Records deleted per transaction when the raw ones are taken out again. */
#define DELETE_BATCH 5000

static void usage(FILE *out)
{
	fprintf(out,
	        "usage: ck-bench state [--backend sqlite|lmdb] [--records N] [--ops M] [--root DIR]\n"
	        "                      [--format json|text] [--populate-only]\n"
	        "  --records N      volumes written before measuring (default 1000)\n"
	        "  --ops M          operations per figure (default 1000)\n"
	        "  --root DIR       where the scratch store is made, and removed afterwards\n"
	        "                   (default $TMPDIR, else /var/tmp)\n"
	        "  --populate-only  write the N volumes, print the store's paths and keep it\n");
}

/* ---- the measured operations ---- */

static double per_s(long n, int64_t ns)
{
	return ns > 0 ? (double)n / ((double)ns / 1e9) : 0;
}

static int bench_create_api(bench_state *b, ck_volume **made)
{
	char name[64];
	int64_t total = 0;
	int rc;

	for (long i = 0; i < b->ops; i++) {
		ck_volume_spec *spec = NULL;
		bench_state_name(name, sizeof(name), "new", i);
		if ((rc = ck_volume_spec_new(&spec)) != CK_OK || (rc = ck_volume_spec_set_name(spec, name)) != CK_OK ||
		    (rc = ck_volume_spec_set_label(spec, LABEL_KEY, b->pad)) != CK_OK) {
			ck_volume_spec_free(spec);
			return bench_state_fail("volume spec", rc);
		}
		int64_t t0 = bench_now_ns();
		rc = ck_volume_create(&made[i], b->ctx, spec);
		total += bench_now_ns() - t0;
		ck_volume_spec_free(spec);
		if (rc != CK_OK)
			return bench_state_fail("ck_volume_create", rc);
	}
	bench_report_num(&b->rep, "create_api_ops_per_s", "create (ck_volume_create)", per_s(b->ops, total),
	                 "ops/s", 1);
	return 0;
}

struct raw_put {
	const char *key, *val;
	size_t len;
};

static int raw_put_fn(ck_state_txn *txn, void *payload)
{
	struct raw_put *p = payload;
	return ck_state_txn_put(txn, "volumes", p->key, p->val, p->len);
}

struct raw_del {
	long from, to;
};

static int raw_del_fn(ck_state_txn *txn, void *payload)
{
	struct raw_del *d = payload;
	char name[64];
	int rc;

	for (long i = d->from; i < d->to; i++) {
		bench_state_name(name, sizeof(name), "raw", i);
		if ((rc = ck_state_txn_delete(txn, "volumes", name)) != CK_OK)
			return rc;
	}
	return CK_OK;
}

/* One put of a volume's config per durable transaction: the state layer
 * alone, without the directories, lock and JSON work of the API. */
static int bench_create_raw(bench_state *b)
{
	char name[64], config[1024];
	int64_t total = 0, now = (int64_t)time(NULL);
	struct raw_put p = { name, config, 0 };
	int rc, len;

	for (long i = 0; i < b->ops; i++) {
		bench_state_name(name, sizeof(name), "raw", i);
		if ((len = bench_state_config(config, sizeof(config), b, name, now)) < 0)
			return -1;
		p.len = (size_t)len;
		int64_t t0 = bench_now_ns();
		rc = ck_state_write(b->st, raw_put_fn, &p);
		total += bench_now_ns() - t0;
		if (rc != CK_OK)
			return bench_state_fail("ck_state_write (one put)", rc);
	}
	bench_report_num(&b->rep, "create_raw_ops_per_s", "create (raw record, one put)", per_s(b->ops, total),
	                 "ops/s", 1);
	/* Take them out again (untimed): they are not volumes. */
	for (long from = 0; from < b->ops; from += DELETE_BATCH) {
		struct raw_del d = { from, from + DELETE_BATCH < b->ops ? from + DELETE_BATCH : b->ops };
		if ((rc = ck_state_write(b->st, raw_del_fn, &d)) != CK_OK)
			return bench_state_fail("deleting the raw records", rc);
	}
	return 0;
}

static int bench_lookup(bench_state *b)
{
	uint64_t seed = BENCH_STATE_SEED;
	char name[64];
	int64_t total = 0;
	int rc;

	for (long i = 0; i < b->ops; i++) {
		long r = bench_state_pick(&seed, b);
		ck_volume *vol = NULL;
		if (r < b->records)
			bench_state_name(name, sizeof(name), "vol", r);
		else
			bench_state_name(name, sizeof(name), "new", r - b->records);
		int64_t t0 = bench_now_ns();
		rc = ck_volume_lookup(&vol, b->ctx, name);
		total += bench_now_ns() - t0;
		if (rc == CK_OK && strcmp(ck_volume_name(vol), name) != 0) {
			fprintf(stderr, "ck-bench: looking up %s found %s\n", name, ck_volume_name(vol));
			rc = CK_ERROR;
		}
		ck_volume_free(vol);
		if (rc != CK_OK)
			return bench_state_fail("ck_volume_lookup", rc);
	}
	bench_report_num(&b->rep, "lookup_ops_per_s", "lookup by name", per_s(b->ops, total), "ops/s", 1);
	return 0;
}

static int bench_list(bench_state *b)
{
	const int64_t min_ns = 1000000000;
	size_t expect = (size_t)b->records, count = 0;
	int64_t total = 0;
	long runs = 0;
	int rc;

	while (runs < 3 || total < min_ns) {
		ck_volume **list = NULL;
		int64_t t0 = bench_now_ns();
		rc = ck_volume_list(&list, &count, b->ctx, NULL);
		total += bench_now_ns() - t0;
		ck_volume_list_free(list, count);
		if (rc != CK_OK)
			return bench_state_fail("ck_volume_list", rc);
		if (count != expect) {
			fprintf(stderr, "ck-bench: ck_volume_list returned %zu volumes, expected %zu\n", count, expect);
			return -1;
		}
		runs++;
	}
	bench_report_num(&b->rep, "list_per_s", "list all", per_s(runs, total), "lists/s", 2);
	bench_report_num(&b->rep, "list_records_per_s", "list all (records)", per_s(runs * (long)count, total),
	                 "records/s", 0);
	bench_report_num(&b->rep, "list_count", "volumes per list", (double)count, "", 0);
	bench_report_num(&b->rep, "list_runs", "lists timed", (double)runs, "", 0);
	return 0;
}

static int bench_delete(bench_state *b, ck_volume **made)
{
	int64_t total = 0;
	int rc;

	for (long i = 0; i < b->ops; i++) {
		int64_t t0 = bench_now_ns();
		rc = ck_volume_remove(made[i], 0);
		total += bench_now_ns() - t0;
		if (rc != CK_OK)
			return bench_state_fail("ck_volume_remove", rc);
	}
	bench_report_num(&b->rep, "delete_ops_per_s", "delete (ck_volume_remove)", per_s(b->ops, total), "ops/s",
	                 1);
	return 0;
}

/* The store must hold exactly the pre-written volumes again. */
static int verify_after(bench_state *b)
{
	ck_volume **list = NULL;
	size_t count = 0;
	int rc = ck_volume_list(&list, &count, b->ctx, NULL);

	ck_volume_list_free(list, count);
	if (rc != CK_OK)
		return bench_state_fail("ck_volume_list after the deletes", rc);
	if (count != (size_t)b->records) {
		fprintf(stderr, "ck-bench: %zu volumes left after the deletes, expected %ld\n", count, b->records);
		return -1;
	}
	return 0;
}

static int measure(bench_state *b)
{
	ck_volume **made = calloc((size_t)b->ops, sizeof(*made));
	int rc = -1;

	if (!made)
		return -1;
	/* Each step starts on a clean file system (see bench_settle()).  The
	 * list comes first, so that it lists exactly the N volumes. */
	bench_settle(b->root);
	if (bench_list(b) != 0)
		goto out;
	bench_settle(b->root);
	if (bench_create_api(b, made) != 0)
		goto out;
	bench_settle(b->root);
	if (bench_create_raw(b) != 0)
		goto out;
	bench_settle(b->root);
	if (bench_lookup(b) != 0)
		goto out;
	bench_settle(b->root);
	if (bench_delete(b, made) != 0)
		goto out;
	rc = verify_after(b);
out:
	for (long i = 0; i < b->ops; i++)
		ck_volume_free(made[i]);
	free(made);
	return rc;
}

static int parse_args(bench_state *b, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "backend", required_argument, NULL, 'b' }, { "records", required_argument, NULL, 'n' },
		{ "ops", required_argument, NULL, 'm' },     { "root", required_argument, NULL, 'r' },
		{ "format", required_argument, NULL, 'f' },  { "populate-only", no_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },          { NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'b':
			b->backend = optarg;
			break;
		case 'n':
			if (!bench_parse_count(&b->records, optarg))
				goto bad;
			break;
		case 'm':
			if (!bench_parse_count(&b->ops, optarg))
				goto bad;
			break;
		case 'r':
			b->parent = optarg;
			break;
		case 'f':
			if (strcmp(optarg, "json") && strcmp(optarg, "text"))
				goto bad;
			b->json = !strcmp(optarg, "json");
			break;
		case 'p':
			b->populate_only = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "ck-bench state: unexpected argument %s\n", argv[optind]);
		return -1;
	}
	if (strcmp(b->backend, "sqlite") && strcmp(b->backend, "lmdb")) {
		fprintf(stderr, "ck-bench state: unknown backend %s (sqlite or lmdb)\n", b->backend);
		return -1;
	}
	return 0;
bad:
	fprintf(stderr, "ck-bench state: bad value \"%s\"\n", optarg);
	usage(stderr);
	return -1;
}

int bench_state_main(int argc, char **argv)
{
	bench_state b;
	char title[512], feature[64];
	int rc = -1;

	memset(&b, 0, sizeof(b));
	b.backend = "sqlite";
	b.records = 1000;
	b.ops = 1000;
	if (parse_args(&b, argc, argv) != 0)
		return 2;
	snprintf(feature, sizeof(feature), "backend.%s", b.backend);
	if (!ck_feature_enabled(feature)) {
		fprintf(stderr, "ck-bench state: this libcontainerkit has no %s backend\n", b.backend);
		return 2;
	}
	umask(022);
	if (bench_state_setup(&b) != 0)
		goto out;
	snprintf(title, sizeof(title), "ck-bench state: %s backend, %ld records, %ld ops, on %s (%s)", b.backend,
	         b.records, b.ops, bench_fs_name(b.root), b.tmp);
	b.rep.title = title;
	bench_report_str(&b.rep, "group", "group", "state");
	bench_report_str(&b.rep, "version", "libcontainerkit", ck_version());
	bench_report_str(&b.rep, "backend", "backend", b.backend);
	bench_report_num(&b.rep, "records", "records", (double)b.records, "", 0);
	bench_report_num(&b.rep, "ops", "ops", (double)b.ops, "", 0);
	bench_report_str(&b.rep, "fs", "file system", bench_fs_name(b.root));
	bench_report_str(&b.rep, "root", "storage root", b.root);
	if (b.populate_only)
		bench_report_str(&b.rep, "runroot", "run root", b.runroot);
	if (bench_state_populate(&b) != 0)
		goto out;
	if (!b.populate_only) {
		if (measure(&b) != 0 || bench_state_latency(&b) != 0)
			goto out;
		bench_report_num(&b.rep, "warnings", "library warnings", (double)b.warnings, "", 0);
	}
	rc = 0;
	bench_report_print(stdout, &b.rep, b.json);
out:
	ck_state_free(b.st);
	ck_context_free(b.ctx);
	if (b.tmp && (rc != 0 || !b.populate_only) && bench_rm_rf(b.tmp) != 0)
		fprintf(stderr, "ck-bench: could not remove all of %s\n", b.tmp);
	bench_report_free(&b.rep);
	free(b.tmp);
	free(b.root);
	free(b.runroot);
	free(b.volbase);
	return rc == 0 ? 0 : 1;
}

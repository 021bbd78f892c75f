/* A multi-image load SIGKILLed at many moments: after each kill every image
 * of the archive is visible with all its names, or none is (and a name the
 * archive would have moved still points where it did); a reader polling
 * meanwhile never sees part of the archive; the next load removes the dead
 * load's staging, and `ck system check --repair` leaves a consistent store
 * holding exactly what the visible images use. */
#define _GNU_SOURCE
#include "test_archive_util.h"

#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define IMAGES 3
#define LAYER_MB 24 /* random, so that staging, storing and unpacking take a while */

/* The names each image of the archive gets; "localhost/moved:1" belongs to
 * the old image before the load and to image 2 after it. */
static const char *const names_of[IMAGES][3] = {
	{ "localhost/kill0:1", NULL, NULL },
	{ "localhost/kill1:1", "localhost/kill1:latest", NULL },
	{ "localhost/moved:1", NULL, NULL },
};

typedef struct fixture {
	const char *backend;
	char *root, *archive, *old_archive, *old_id, *ids[IMAGES];
	char *next_archive; /* the old image without a name: loading it changes nothing */
	char *tmp, *blobs, *layers;
	char *log;        /* the file a commit writes: SQLite's write-ahead log, LMDB's data file */
	bool armed;       /* ON_COMMIT: every layer is in place; the next write of the log is the commit */
	struct stat log0; /* the log when it was armed */
	size_t blobs_none, layers_none, blobs_all, layers_all; /* what each outcome keeps */
} fixture;

typedef enum seen { SEEN_NONE, SEEN_ALL, SEEN_PART } seen;

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* The image that holds `name` in one listing, or NULL. */
static const char *holder(ck_image **v, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		for (const char *const *p = ck_image_names(v[i]); p && *p; p++)
			if (!strcmp(*p, name))
				return ck_image_id(v[i]);
	return NULL;
}

/* What one snapshot of the store (a single listing) shows of the archive. */
static seen snapshot(ck_context *ctx, const fixture *f, char *why, size_t size)
{
	ck_image **v = NULL;
	size_t n = 0, present = 0, named = 0, want_named = 0;
	bool old_there = false;

	why[0] = '\0';
	if (ck_image_list(&v, &n, ctx, CK_IMAGE_LIST_ALL, NULL) != 0) {
		snprintf(why, size, "ck_image_list: %s", ck_error_last()->message);
		return SEEN_PART;
	}
	for (size_t i = 0; i < n; i++) {
		old_there |= !strcmp(ck_image_id(v[i]), f->old_id);
		for (int k = 0; k < IMAGES; k++)
			present += !strcmp(ck_image_id(v[i]), f->ids[k]);
	}
	for (int k = 0; k < IMAGES; k++)
		for (int j = 0; names_of[k][j]; j++) {
			const char *h = holder(v, n, names_of[k][j]);
			want_named++;
			named += h && !strcmp(h, f->ids[k]);
		}
	const char *moved = holder(v, n, "localhost/moved:1");
	seen s = SEEN_PART;
	if (old_there && present == 0 && named == 0 && moved && !strcmp(moved, f->old_id) && n == 1)
		s = SEEN_NONE;
	else if (old_there && present == IMAGES && named == want_named && n == IMAGES + 1)
		s = SEEN_ALL;
	else
		snprintf(why, size, "%zu images, %zu of the archive's %d, %zu of its %zu names, moved:1 on %.12s",
		         n, present, IMAGES, named, want_named, moved ? moved : "nothing");
	ck_image_list_free(v, n);
	return s;
}

/* A fresh store holding only the old image, which has localhost/moved:1. */
static void prepare_store(fixture *f)
{
	char *store = at(f->root, "store"), *run = at(f->root, "run");
	ck_test_rmtree(store);
	ck_test_rmtree(run);
	ck_context *ctx = open_ctx_backend(f->root, f->backend);
	CK_CHECK_OK(ck_image_load(NULL, ctx, f->old_archive, NULL, NULL));
	ck_context_free(ctx);
	f->armed = false;
	free(store);
	free(run);
}

static pid_t start_load(const fixture *f)
{
	pid_t pid = fork();
	if (pid == 0) {
		ck_context *ctx = open_ctx_backend(f->root, f->backend);
		int rc = ck_image_load(NULL, ctx, f->archive, NULL, NULL);
		if (rc != 0)
			fprintf(stderr, "  load: %s\n", ck_error_last()->message);
		_exit(rc == 0 ? 0 : 1);
	}
	return pid;
}

/* When to kill the load. */
typedef enum trigger {
	AFTER_MS,      /* a fixed delay */
	ON_STAGING,    /* its staging directory holds a second entry */
	ON_BLOB,       /* a first blob of the archive is in the store */
	ON_LAYER_TMP,  /* a layer is being unpacked */
	ON_LAYER,      /* a first layer of the archive is unpacked */
	ON_LAYERS,     /* every layer of the archive is unpacked */
	ON_COMMIT,     /* then the store's file is written: the transaction is under way */
	ON_VISIBLE,    /* anything of the archive shows in a listing */
} trigger;
static const char *const trigger_names[] = { "after", "staging", "blob", "layer-tmp", "layer", "layers", "commit",
                                             "visible" };

/* How many entries the directory of images/tmp named `prefix`... holds. */
static size_t staged(const char *tmp, const char *prefix)
{
	DIR *d = opendir(tmp);
	struct dirent *e;
	size_t n = 0;

	while (d && (e = readdir(d)))
		if (!strncmp(e->d_name, prefix, strlen(prefix))) {
			char *p = at(tmp, e->d_name);
			n = count_entries(p);
			free(p);
		}
	if (d)
		closedir(d);
	return n;
}

/* Whether the trigger fired.  `*partial` counts the listings that showed
 * part of the archive. */
static bool fired(trigger t, fixture *f, pid_t pid, ck_context *ctx, int *partial)
{
	char prefix[64], why[256];

	switch (t) {
	case ON_STAGING:
		snprintf(prefix, sizeof(prefix), "load-%ld-", (long)pid);
		return staged(f->tmp, prefix) >= 2;
	case ON_BLOB:
		return count_entries(f->blobs) > f->blobs_none;
	case ON_LAYER_TMP:
		return count_prefix(f->tmp, "layer-") > 0;
	case ON_LAYER:
		return count_entries(f->layers) > f->layers_none;
	case ON_LAYERS:
		return count_entries(f->layers) >= f->layers_all;
	case ON_COMMIT: {
		/* The load writes the store only once its layers are in: SQLite
		 * appends to its log, LMDB writes its data file. */
		struct stat st;
		if (!f->armed) {
			if (count_entries(f->layers) < f->layers_all)
				return false;
			f->armed = true;
			memset(&f->log0, 0, sizeof(f->log0));
			stat(f->log, &f->log0);
			return false;
		}
		return stat(f->log, &st) == 0 &&
		       (st.st_size != f->log0.st_size || st.st_mtim.tv_sec != f->log0.st_mtim.tv_sec ||
		        st.st_mtim.tv_nsec != f->log0.st_mtim.tv_nsec);
	}
	case ON_VISIBLE: {
		seen s = snapshot(ctx, f, why, sizeof(why));
		if (s == SEEN_PART) {
			fprintf(stderr, "  a reader saw part of the load: %s\n", why);
			(*partial)++;
		}
		return s != SEEN_NONE;
	}
	default:
		return true;
	}
}

/* After a kill: all or nothing, the next load sweeps the dead load's
 * staging, and repair leaves exactly what the visible images use. */
static int verify_round(const fixture *f, const char *label)
{
	ck_context *ctx = open_ctx_backend(f->root, f->backend);
	char why[256], *report = NULL;
	int bad = 0;
	seen s = snapshot(ctx, f, why, sizeof(why));

	if (s == SEEN_PART) {
		fprintf(stderr, "  %s: part of the archive is visible: %s\n", label, why);
		bad++;
	}
	/* The next operation (a load that changes no image) removes the
	 * staging of the load that died. */
	CK_CHECK_OK(ck_image_load(NULL, ctx, f->next_archive, NULL, NULL));
	if (count_prefix(f->tmp, "load-") != 0) {
		fprintf(stderr, "  %s: the next load left a dead load's staging\n", label);
		sh("ls -la %s >&2", f->tmp);
		bad++;
	}
	/* Blobs no image uses and temporary entries nobody holds are removed
	 * once old enough that no live writer can own them (10 and 1 minutes):
	 * age them, as time would. */
	sh("find %s %s -mindepth 1 -maxdepth 1 -exec touch -h -d '-20 minutes' {} +", f->tmp, f->blobs);
	if (ck_system_check(&report, ctx, CK_CHECK_REPAIR) != 0) {
		fprintf(stderr, "  %s: check --repair: %s\n%s\n", label, ck_error_last()->message,
		        report ? report : "");
		bad++;
	}
	ck_free(report);
	report = NULL;
	if (ck_system_check(&report, ctx, 0) != 0 || !strstr(report ? report : "", "\"ok\":true")) {
		fprintf(stderr, "  %s: check after repair: %s\n", label, report ? report : ck_error_last()->message);
		bad++;
	}
	ck_free(report);
	seen after = snapshot(ctx, f, why, sizeof(why));
	size_t nb = count_entries(f->blobs), nl = count_entries(f->layers), nt = count_entries(f->tmp);
	size_t want_b = s == SEEN_ALL ? f->blobs_all : f->blobs_none;
	size_t want_l = s == SEEN_ALL ? f->layers_all : f->layers_none;
	if (after != s || nb != want_b || nl != want_l || nt != 0) {
		fprintf(stderr, "  %s: after repair: %s, %zu blobs (want %zu), %zu layers (want %zu), %zu in tmp\n",
		        label, after == s ? "same images" : "other images", nb, want_b, nl, want_l, nt);
		bad++;
	}
	ck_context_free(ctx);
	return s == SEEN_ALL ? (bad ? -1 : 1) : (bad ? -1 : 0);
}

/* One round: a fresh store, a load killed when `t` fires (or after `ms`),
 * then the checks.  Returns -1 on a failure, 1 if the archive was loaded,
 * 0 if not. */
static int kill_round(fixture *f, trigger t, double ms)
{
	char label[64];
	int bad = 0, status = 0;
	bool exited = false;

	if (t == AFTER_MS)
		snprintf(label, sizeof(label), "kill after %.0f ms", ms);
	else
		snprintf(label, sizeof(label), "kill on %s", trigger_names[t]);
	prepare_store(f);
	pid_t pid = start_load(f);
	/* Opened after the fork: the child inherits no open store. */
	ck_context *ctx = t == ON_VISIBLE ? open_ctx_backend(f->root, f->backend) : NULL;
	double start = now_ms();
	if (t == AFTER_MS) {
		usleep((useconds_t)(ms * 1000));
	} else {
		while (!fired(t, f, pid, ctx, &bad)) {
			if (waitpid(pid, &status, WNOHANG) == pid) {
				exited = true;
				break;
			}
			if (now_ms() - start > 120000)
				break;
			usleep(200);
		}
	}
	double at_ms = now_ms() - start;
	if (!exited) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
	}
	ck_context_free(ctx);
	if (WIFEXITED(status) && WEXITSTATUS(status) != 0) {
		fprintf(stderr, "  %s: the load failed on its own\n", label);
		bad++;
	}
	int r = verify_round(f, label);
	fprintf(stderr, "  %s (%s %.0f ms in): %s\n", label, exited ? "finished" : "killed", at_ms,
	        r < 0 || bad ? "FAILED" : r ? "all images" : "no image");
	return bad ? -1 : r;
}

static void kill_loop(const char *backend)
{
	fixture f;
	char *lay, args[1024];

	memset(&f, 0, sizeof(f));
	f.backend = backend;
	f.root = ck_test_tmpdir("archive");
	f.archive = at(f.root, "multi.tar");
	f.old_archive = at(f.root, "old.tar");
	f.next_archive = at(f.root, "next.tar");
	f.tmp = at(f.root, "store/images/tmp");
	f.blobs = at(f.root, "store/images/blobs/sha256");
	f.layers = at(f.root, "store/images/layers");
	f.log = at(f.root, !strcmp(backend, "sqlite") ? "store/state/sqlite/state.db-wal"
	                                               : "store/state/lmdb/data.mdb");
	lay = at(f.root, "lay");
	srand((unsigned)time(NULL) ^ (unsigned)getpid());

	f.old_id = mk_id(f.old_archive, "--format docker-archive --name localhost/moved:1 " BB " --label old=1");
	mk(f.next_archive, "--format docker-archive " BB " --label old=1");
	for (int k = 0; k < IMAGES; k++) {
		int off = snprintf(args, sizeof(args), "--format oci-dir %s " BB " --label k=%d --layer-dir %s/l%d",
		                   k ? "--append" : "", k, f.root, k);
		for (int j = 0; names_of[k][j]; j++)
			off += snprintf(args + off, sizeof(args) - (size_t)off, " --name %s", names_of[k][j]);
		CK_CHECK(sh("mkdir -p %s/l%d && head -c %d /dev/urandom > %s/l%d/data", f.root, k, LAYER_MB << 20,
		            f.root, k) == 0);
		f.ids[k] = mk_id(lay, args);
		CK_CHECK(f.ids[k] != NULL);
		if (!f.ids[k])
			goto out;
	}
	/* A docker-archive: its layers are plain tars, the largest to stage,
	 * hash and unpack. */
	snprintf(args, sizeof(args), "--format docker-archive --from-dir %s", lay);
	mk(f.archive, args);
	ck_test_rmtree(lay);

	/* A load left to finish: how long it takes, and what it stores. */
	prepare_store(&f);
	f.blobs_none = count_entries(f.blobs);
	f.layers_none = count_entries(f.layers);
	double t0 = now_ms();
	pid_t pid = start_load(&f);
	int st = 0;
	waitpid(pid, &st, 0);
	double full = now_ms() - t0;
	CK_CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	f.blobs_all = count_entries(f.blobs);
	f.layers_all = count_entries(f.layers);
	fprintf(stderr, "  a whole load takes %.0f ms; it adds %zu blobs and %zu layers\n", full,
	        f.blobs_all - f.blobs_none, f.layers_all - f.layers_none);
	CK_CHECK(verify_round(&f, "whole load") == 1);

	int failures = 0, all = 0, none = 0;
	/* Kills at moments spread over the whole load, and a few early ones. */
	static const double early[] = { 5, 10, 20, 50 };
	for (size_t i = 0; i < sizeof(early) / sizeof(early[0]); i++) {
		int r = kill_round(&f, AFTER_MS, early[i]);
		failures += r < 0;
		all += r == 1;
		none += r == 0;
	}
	for (int i = 1; i <= 12; i++) {
		double ms = full * (i - 0.5 + (double)rand() / RAND_MAX) / 12.0;
		int r = kill_round(&f, AFTER_MS, ms);
		failures += r < 0;
		all += r == 1;
		none += r == 0;
	}
	/* Kills when a step of the load begins; the last one as soon as a
	 * reader could see anything. */
	for (trigger t = ON_STAGING; t <= ON_VISIBLE; t++) {
		int r = kill_round(&f, t, 0);
		failures += r < 0;
		all += r == 1;
		none += r == 0;
	}
	fprintf(stderr, "  %s: %d rounds: %d with every image, %d with none, %d failed\n", backend,
	        all + none + failures, all, none, failures);
	CK_CHECK(failures == 0);
	CK_CHECK(none > 0); /* the kills did land before the end */
out:
	for (int k = 0; k < IMAGES; k++)
		free(f.ids[k]);
	free(f.old_id);
	ck_test_rmtree(f.root);
	free(lay);
	free(f.tmp);
	free(f.blobs);
	free(f.layers);
	free(f.log);
	free(f.archive);
	free(f.old_archive);
	free(f.next_archive);
	free(f.root);
}

static void archive_load_killed_at_any_moment_is_all_or_nothing_sqlite(void)
{
	kill_loop("sqlite");
}

static void archive_load_killed_at_any_moment_is_all_or_nothing_lmdb(void)
{
	kill_loop("lmdb");
}

CK_TESTS(CK_TEST(archive_load_killed_at_any_moment_is_all_or_nothing_sqlite),
         CK_TEST(archive_load_killed_at_any_moment_is_all_or_nothing_lmdb))

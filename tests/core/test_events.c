/* The event log rotates past 1 MiB into events.log.1; readers see every
 * event across the rotation, whether they read once or follow. */
#define _GNU_SOURCE
#include "core/core.h"
#include "harness.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define N_EVENTS 6000 /* about 1.4 MiB of log: one rotation */

static int count_fn(const char *json, void *payload)
{
	if (json && strstr(json, "\"rotation-test\""))
		(*(int *)payload)++;
	return 0;
}

struct follower {
	ck_context *ctx;
	int64_t until;
	int seen, rc;
};

/* Stops following once every event is in. */
static int follow_fn(const char *json, void *payload)
{
	int *seen = payload;
	count_fn(json, seen);
	return __atomic_load_n(seen, __ATOMIC_RELAXED) >= N_EVENTS;
}

/* Counts events, and notes the first heartbeat: by then the follower has
 * looked for the log at least once. */
struct watcher {
	int seen, beats;
};

static int watch_fn(const char *json, void *payload)
{
	struct watcher *w = payload;
	if (!json)
		__atomic_add_fetch(&w->beats, 1, __ATOMIC_RELAXED);
	else if (strstr(json, "\"rotation-test\""))
		__atomic_add_fetch(&w->seen, 1, __ATOMIC_RELAXED);
	return __atomic_load_n(&w->seen, __ATOMIC_RELAXED) >= N_EVENTS;
}

struct late {
	ck_context *ctx;
	int64_t until;
	struct watcher w;
	int rc;
};

static void *follow_late(void *arg)
{
	struct late *l = arg;
	ck_events_options o = CK_EVENTS_OPTIONS_INIT;
	o.follow = 1;
	o.until_ns = l->until;
	l->rc = ck_events_read(l->ctx, &o, watch_fn, &l->w);
	return NULL;
}

static void *follow(void *arg)
{
	struct follower *f = arg;
	ck_events_options o = CK_EVENTS_OPTIONS_INIT;
	o.follow = 1;
	o.until_ns = f->until;
	f->rc = ck_events_read(f->ctx, &o, follow_fn, &f->seen);
	return NULL;
}

static void log_rotates_and_readers_miss_nothing(void)
{
	ck_context_options o = CK_CONTEXT_OPTIONS_INIT;
	ck_context *ctx = NULL;
	char *dir = ck_test_tmpdir("events"), root[1024], run[1024], path[1100];
	struct stat st;
	pthread_t t;

	snprintf(root, sizeof(root), "%s/root", dir);
	snprintf(run, sizeof(run), "%s/run", dir);
	o.root = root;
	o.runroot = run;
	o.flags = CK_CONTEXT_NO_ENV | CK_CONTEXT_NO_CONFIG;
	CK_CHECK_OK(ck_context_open(&ctx, &o));
	struct follower f = { ctx, ck__now_ns() + 20000000000LL, 0, 0 };
	CK_CHECK(pthread_create(&t, NULL, follow, &f) == 0);
	for (int i = 0; i < N_EVENTS; i++) {
		char name[64];
		snprintf(name, sizeof(name), "ctr-%05d-padding-padding-padding", i);
		ck__event_write(ctx, "container", "rotation-test", "0123456789abcdef0123456789abcdef", name,
		                "localhost/busybox:latest", NULL, -1);
	}
	snprintf(path, sizeof(path), "%s/events/events.log.1", run);
	CK_CHECK(stat(path, &st) == 0 && st.st_size >= (1 << 20));
	snprintf(path, sizeof(path), "%s/events/events.log", run);
	CK_CHECK(stat(path, &st) == 0 && st.st_size > 0 && st.st_size < (1 << 20));
	int seen = 0;
	CK_CHECK_OK(ck_events_read(ctx, NULL, count_fn, &seen));
	CK_CHECK(seen == N_EVENTS);
	/* the follower ends when everything is in (or at its deadline) */
	pthread_join(t, NULL);
	CK_CHECK(f.seen == N_EVENTS);
	if (f.seen != N_EVENTS)
		fprintf(stderr, "  the follower saw %d of %d\n", f.seen, N_EVENTS);
	ck_context_free(ctx);
	ck_test_rmtree(dir);
	free(dir);
}

/* A follower that found no log, and then finds one that has already
 * rotated, reads events.log.1 before events.log. */
static void follower_that_found_no_log_reads_the_rotated_half(void)
{
	ck_context_options o = CK_CONTEXT_OPTIONS_INIT;
	ck_context *ctx = NULL, *staging = NULL;
	char *dir = ck_test_tmpdir("events-late"), root[1024], run[1024], srun[1024], from[1100], to[1100];
	pthread_t t;

	snprintf(root, sizeof(root), "%s/root", dir);
	snprintf(run, sizeof(run), "%s/run", dir);
	snprintf(srun, sizeof(srun), "%s/staging", dir);
	o.root = root;
	o.runroot = run;
	o.flags = CK_CONTEXT_NO_ENV | CK_CONTEXT_NO_CONFIG;
	CK_CHECK_OK(ck_context_open(&ctx, &o));
	o.runroot = srun;
	CK_CHECK_OK(ck_context_open(&staging, &o));
	/* The whole log, rotated once, is written aside first... */
	for (int i = 0; i < N_EVENTS; i++)
		ck__event_write(staging, "container", "rotation-test", "0123456789abcdef0123456789abcdef",
		                "ctr-late-padding-padding-padding", "localhost/busybox:latest", NULL, -1);
	struct late l = { ctx, ck__now_ns() + 20000000000LL, { 0, 0 }, 0 };
	CK_CHECK(pthread_create(&t, NULL, follow_late, &l) == 0);
	/* ... and moved in once the follower has looked and found nothing. */
	for (int i = 0; i < 400 && !__atomic_load_n(&l.w.beats, __ATOMIC_RELAXED); i++)
		ck__sleep_ms(10);
	CK_CHECK(l.w.beats > 0);
	snprintf(to, sizeof(to), "%s/events", run);
	CK_CHECK(mkdir(to, 0700) == 0);
	for (int i = 0; i < 2; i++) {
		const char *name = i == 0 ? "events.log.1" : "events.log";
		snprintf(from, sizeof(from), "%s/events/%s", srun, name);
		snprintf(to, sizeof(to), "%s/events/%s", run, name);
		CK_CHECK(rename(from, to) == 0);
	}
	pthread_join(t, NULL);
	CK_CHECK(l.rc == 1); /* the callback stopped it, having seen everything */
	CK_CHECK(l.w.seen == N_EVENTS);
	if (l.w.seen != N_EVENTS)
		fprintf(stderr, "  the follower saw %d of %d\n", l.w.seen, N_EVENTS);
	ck_context_free(staging);
	ck_context_free(ctx);
	ck_test_rmtree(dir);
	free(dir);
}

CK_TESTS(CK_TEST(log_rotates_and_readers_miss_nothing), CK_TEST(follower_that_found_no_log_reads_the_rotated_half))

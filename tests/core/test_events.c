/* The event log rotates past 1 MiB into events.log.1; readers see every
 * event across the rotation, whether they read once or follow.  The typed
 * reader gives the same events, filtered the same way, as its JSON. */
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

/* ---- the typed form ---- */

#define TYPED_MAX 8

struct typed {
	int n;
	char json[TYPED_MAX][1024]; /* ck_event_json() of each typed event */
	char line[TYPED_MAX][1024]; /* what ck_events_read() gave for it */
	ck_event first;             /* fields of the first, strings copied below */
	char status[32], name[64], attr[32];
	const char *missing;        /* ck_event_attribute() of a key it lacks */
	size_t attrs;
};

static int typed_fn(const ck_event *ev, void *payload)
{
	struct typed *t = payload;
	char *json = NULL;

	if (!ev || t->n >= TYPED_MAX)
		return 0;
	if (t->n == 0) {
		const char *tier = ck_event_attribute(ev, "tier");
		t->first = *ev;
		snprintf(t->status, sizeof(t->status), "%s", ev->status);
		snprintf(t->name, sizeof(t->name), "%s", ev->name);
		snprintf(t->attr, sizeof(t->attr), "%s", tier ? tier : "(none)");
		t->missing = ck_event_attribute(ev, "nosuch");
		t->attrs = ev->attribute_count;
	}
	if (ck_event_json(&json, ev) == CK_OK)
		snprintf(t->json[t->n], sizeof(t->json[0]), "%s", json);
	ck_free(json);
	t->n++;
	return 0;
}

static int lines_fn(const char *json, void *payload)
{
	struct typed *t = payload;
	if (json && t->n < TYPED_MAX)
		snprintf(t->line[t->n++], sizeof(t->line[0]), "%s", json);
	return 0;
}

static ck_context *typed_ctx(char **dir)
{
	ck_context_options o = CK_CONTEXT_OPTIONS_INIT;
	ck_context *ctx = NULL;
	char root[1024], run[1024];

	*dir = ck_test_tmpdir("events-typed");
	snprintf(root, sizeof(root), "%s/root", *dir);
	snprintf(run, sizeof(run), "%s/run", *dir);
	o.root = root;
	o.runroot = run;
	o.flags = CK_CONTEXT_NO_ENV | CK_CONTEXT_NO_CONFIG;
	CK_CHECK_OK(ck_context_open(&ctx, &o));
	return ctx;
}

static void events_read_v2_hands_over_typed_events_equal_to_the_json(void)
{
	const char *labels[] = { "name", "web", "tier", "front", "image", "localhost/busybox:latest", NULL };
	char *dir;
	ck_context *ctx = typed_ctx(&dir);
	int64_t before = ck__now_ns(), after;
	struct typed t = { 0 }, l = { 0 };

	ck__event_write(ctx, "container", "died", "abcdef0123456789", "web", "localhost/busybox:latest", labels, 3);
	ck__event_write(ctx, "volume", "create", NULL, "data", NULL, NULL, -1);
	ck__event_write(ctx, "container", "start", "abcdef0123456789", "web", "localhost/busybox:latest", labels, -1);
	after = ck__now_ns();
	CK_CHECK_OK(ck_events_read_v2(ctx, NULL, typed_fn, &t));
	CK_CHECK(t.n == 3);
	CK_CHECK(t.first.version == CK_EVENT_VERSION);
	CK_CHECK_STR(t.status, "died");
	CK_CHECK_STR(t.name, "web");
	CK_CHECK_STR(t.attr, "front");
	CK_CHECK(t.missing == NULL);
	CK_CHECK(t.attrs == 3);
	CK_CHECK(t.first.has_exit_code == 1 && t.first.exit_code == 3);
	CK_CHECK(t.first.time_ns >= before && t.first.time_ns <= after);
	/* the JSON rendered from the typed event is the line as recorded */
	CK_CHECK_OK(ck_events_read(ctx, NULL, lines_fn, &l));
	CK_CHECK(l.n == 3);
	for (int i = 0; i < 3 && i < l.n; i++)
		CK_CHECK_STR(t.json[i], l.line[i]);
	CK_CHECK_CONTAINS(t.json[1], "\"Type\":\"volume\"");
	CK_CHECK(!strstr(t.json[1], "ContainerExitCode"));
	CK_CHECK_CONTAINS(t.json[0], "\"ContainerExitCode\":3");
	ck_context_free(ctx);
	ck_test_rmtree(dir);
	free(dir);
}

static void events_read_v2_filters_and_time_bounds_apply(void)
{
	const char *a[] = { "tier", "front", NULL }, *b[] = { "tier", "back", NULL };
	char *dir;
	ck_context *ctx = typed_ctx(&dir);
	ck_events_options o = CK_EVENTS_OPTIONS_INIT;
	const char *label[] = { "label=tier=back", NULL }, *two[] = { "event=start", "event=died", "type=container", NULL };
	const char *bad[] = { "colour=red", NULL };
	struct typed t = { 0 };
	int64_t mid;

	ck__event_write(ctx, "container", "create", "1111", "one", "img", a, -1);
	ck__event_write(ctx, "container", "start", "2222", "two", "img", b, -1);
	mid = ck__now_ns();
	ck__event_write(ctx, "container", "died", "2222", "two", "img", b, 0);
	ck__event_write(ctx, "image", "pull", "3333", "img", NULL, NULL, -1);

	o.filters = label;
	CK_CHECK_OK(ck_events_read_v2(ctx, &o, typed_fn, &t));
	CK_CHECK(t.n == 2);
	CK_CHECK_STR(t.name, "two");
	memset(&t, 0, sizeof(t));
	o.filters = two;
	CK_CHECK_OK(ck_events_read_v2(ctx, &o, typed_fn, &t));
	CK_CHECK(t.n == 2);
	CK_CHECK_STR(t.status, "start");
	memset(&t, 0, sizeof(t));
	o.filters = NULL;
	o.since_ns = mid;
	CK_CHECK_OK(ck_events_read_v2(ctx, &o, typed_fn, &t));
	CK_CHECK(t.n == 2);
	CK_CHECK_STR(t.status, "died");
	memset(&t, 0, sizeof(t));
	o.since_ns = 0;
	o.until_ns = mid;
	CK_CHECK_OK(ck_events_read_v2(ctx, &o, typed_fn, &t));
	CK_CHECK(t.n == 2);
	CK_CHECK_STR(t.status, "create");

	o.filters = bad;
	CK_CHECK_RC(ck_events_read_v2(ctx, &o, typed_fn, &t), CK_EINVAL);
	CK_CHECK_CONTAINS(ck_error_last()->message, "colour=red");
	CK_CHECK_RC(ck_events_read_v2(ctx, NULL, NULL, NULL), CK_EINVAL);
	CK_CHECK_RC(ck_events_read_v2(NULL, NULL, typed_fn, &t), CK_EINVAL);
	o.version = 99;
	CK_CHECK_RC(ck_events_read_v2(ctx, &o, typed_fn, &t), CK_EVERSION);
	{
		char *json = (char *)"untouched";
		CK_CHECK_RC(ck_event_json(&json, NULL), CK_EINVAL);
		CK_CHECK(json == NULL);
		CK_CHECK(ck_event_attribute(NULL, "x") == NULL);
	}
	ck_context_free(ctx);
	ck_test_rmtree(dir);
	free(dir);
}

CK_TESTS(CK_TEST(log_rotates_and_readers_miss_nothing), CK_TEST(follower_that_found_no_log_reads_the_rotated_half),
         CK_TEST(events_read_v2_hands_over_typed_events_equal_to_the_json),
         CK_TEST(events_read_v2_filters_and_time_bounds_apply))

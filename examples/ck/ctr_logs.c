/* ck logs and ck events: a container's output and the engine's event log,
 * read once or followed. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctr.h"
#include "template/tmpl.h"

/* ----------------------------------------------------------------- logs */

struct log_ctx {
	const char *prefix; /* the container's short id when several are read */
	int timestamps;
};

static int log_line(const ck_log_entry *e, void *payload)
{
	struct log_ctx *lc = payload;
	FILE *f = e->stream == CK_STREAM_STDERR ? stderr : stdout;

	if (lc->prefix)
		fprintf(f, "%s ", lc->prefix);
	/* with -t the library has put the timestamp in `data` */
	if (fwrite(e->data, 1, e->len, f) != e->len || fflush(f) != 0)
		return errno == EPIPE ? 1 : 2; /* reader gone / write error */
	return 0;
}

static const char logs_usage[] =
	"Fetch the logs of one or more containers\n\n"
	"Usage:\n  ck logs [options] CONTAINER [CONTAINER...]\n\nOptions:\n"
	"  -f, --follow         Follow log output\n"
	"      --since string   Show logs since TIMESTAMP (RFC 3339, Unix seconds or a duration like 10m)\n"
	"  -n, --tail int       Output the specified number of LINES at the end of the logs (default -1)\n"
	"  -t, --timestamps     Output the timestamps in the log\n"
	"      --until string   Show logs until TIMESTAMP\n";

int ctr_logs(ck_app *app, int argc, char **argv)
{
	ck_logs_options lo = CK_LOGS_OPTIONS_INIT;
	strv names = { 0 };
	long long tail = lo.tail;
	int rc = parse_flags_in(app, argc, argv, true, (const flag_def[]){
		{ "follow", 'f', F_ONOFF, &lo.follow, 0 },
		{ "since", 0, F_TIME, &lo.since_ns, 0 },
		{ "tail", 'n', F_INT, &tail, -1 },
		{ "timestamps", 't', F_ONOFF, &lo.timestamps, 0 },
		{ "until", 0, F_TIME, &lo.until_ns, 0 },
		{ "latest", 'l', F_REFUSE, "--latest is not supported", 0 },
		{ "names", 0, F_IGNORE, NULL, 0 },
		{ NULL, 0, F_IGNORE, NULL, 0 },
	}, logs_usage, &names);

	if (rc < 0)
		return 0;
	lo.tail = tail;
	if (rc == 0 && names.n == 0)
		rc = die_args(logs_usage, "a container is required");
	signal(SIGPIPE, SIG_IGN);
	for (size_t i = 0; rc == 0 && i < names.n; i++) {
		ck_container *ctr = NULL;
		char sid[13];
		struct log_ctx lc = { NULL, lo.timestamps };
		if ((rc = ctr_lookup(&ctr, app, names.v[i])) != 0)
			break;
		short_id(sid, ck_container_id(ctr));
		if (names.n > 1)
			lc.prefix = sid;
		int r = ck_container_logs_v2(ctr, &lo, log_line, &lc);
		if (r < 0)
			rc = die_ck();
		else if (r == 2)
			rc = die("writing the logs: %s", strerror(errno));
		ck_container_free(ctr);
	}
	strv_clear(&names);
	return rc;
}

/* --------------------------------------------------------------- events */

struct ev_ctx {
	const char *format;
	int rc;
};

static volatile sig_atomic_t ev_stop;

static void ev_on_signal(int sig)
{
	(void)sig;
	ev_stop = 1;
}

/* "2023-11-23 02:20:00.123456789 +0000 UTC", as Go prints a time.Time. */
static void go_time(char *buf, size_t size, int64_t ns)
{
	time_t t = (time_t)(ns / 1000000000);
	struct tm tm;
	char frac[16] = "", rest[32];

	localtime_r(&t, &tm);
	size_t n = strftime(buf, size, "%Y-%m-%d %H:%M:%S", &tm);
	if (ns % 1000000000) {
		snprintf(frac, sizeof(frac), ".%09lld", (long long)(ns % 1000000000));
		for (size_t l = strlen(frac); frac[l - 1] == '0'; l--)
			frac[l - 1] = '\0';
	}
	strftime(rest, sizeof(rest), " %z %Z", &tm);
	snprintf(buf + n, size - n, "%s%s", frac, rest);
}

/* podman's ToHumanReadable() */
static void print_event_text(const ck_event *ev)
{
	char when[96];

	go_time(when, sizeof(when), ev->time_ns);
	if (!strcmp(ev->type, "container") || !strcmp(ev->type, "pod")) {
		printf("%s %s %s %s (image=%s, name=%s", when, ev->type, ev->status, ev->id, ev->image, ev->name);
		for (size_t i = 0; i < ev->attribute_count; i++) {
			const char *k = ev->attributes[2 * i];
			if (strcmp(k, "image") && strcmp(k, "name"))
				printf(", %s=%s", k, ev->attributes[2 * i + 1]);
		}
		printf(")\n");
	} else if (!strcmp(ev->type, "image")) {
		printf("%s %s %s %s %s\n", when, ev->type, ev->status, ev->id, ev->name);
	} else {
		printf("%s %s %s %s\n", when, ev->type, ev->status, *ev->name ? ev->name : ev->id);
	}
}

/* An event as a template tree (template/tmpl.h): a map of podman's
 * fields, Attributes a map of strings.  Made per event; the nodes point
 * into the event, which lives for the callback. */
typedef struct evnode {
	tmpl_kind kind;
	const char *text;
	size_t n;
	const struct evnode *items;
	const char *const *keys;
} evnode;

static tmpl_kind ev_kind(const void *p) { return ((const evnode *)p)->kind; }
static bool ev_bool(const void *p) { (void)p; return false; }
static const char *ev_text(const void *p) { return ((const evnode *)p)->text; }
static size_t ev_count(const void *p) { return ((const evnode *)p)->n; }
static const void *ev_item(const void *p, size_t i) { return &((const evnode *)p)->items[i]; }
static const char *ev_key(const void *p, size_t i) { return ((const evnode *)p)->keys[i]; }

static const void *ev_field(const void *p, const char *name)
{
	const evnode *n = p;
	/* exact first, then any case, as the JSON tree (podman's TimeNano is
	 * "timeNano" in the JSON) */
	for (size_t i = 0; n->keys && i < n->n; i++)
		if (!strcmp(n->keys[i], name))
			return &n->items[i];
	for (size_t i = 0; n->keys && i < n->n; i++)
		if (!strcasecmp(n->keys[i], name))
			return &n->items[i];
	return NULL;
}

static const tmpl_ops ev_ops = { ev_kind, ev_bool, ev_text, ev_count, ev_item, ev_key, ev_field };

static int print_event_template(const char *format, const ck_event *ev)
{
	enum { N = 9 };
	const char *keys[N] = { "ID", "Image", "Name", "Status", "Time", "timeNano", "Type", "Attributes",
		                "ContainerExitCode" };
	char when[48], nano[24], code[16];
	evnode items[N], *attrs = calloc(ev->attribute_count + 1, sizeof(*attrs));
	const char **akeys = calloc(ev->attribute_count + 1, sizeof(*akeys));
	time_t secs = (time_t)(ev->time_ns / 1000000000);
	struct tm tm;
	int rc;

	if (!attrs || !akeys) {
		free(attrs);
		free(akeys);
		return die("out of memory");
	}
	gmtime_r(&secs, &tm);
	strftime(when, 24, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(when + strlen(when), sizeof(when) - strlen(when), ".%09lldZ",
	         (long long)(ev->time_ns % 1000000000));
	snprintf(nano, sizeof(nano), "%lld", (long long)ev->time_ns);
	snprintf(code, sizeof(code), "%d", ev->exit_code);
	for (size_t i = 0; i < ev->attribute_count; i++) {
		akeys[i] = ev->attributes[2 * i];
		attrs[i] = (evnode){ TMPL_STRING, ev->attributes[2 * i + 1], 0, NULL, NULL };
	}
	const char *texts[N] = { ev->id, ev->image, ev->name, ev->status, when, nano, ev->type, NULL, code };
	for (size_t i = 0; i < N; i++)
		items[i] = (evnode){ TMPL_STRING, texts[i], 0, NULL, NULL };
	items[4].kind = TMPL_TIME;
	items[5].kind = items[8].kind = TMPL_INT;
	items[7] = (evnode){ TMPL_MAP, NULL, ev->attribute_count, attrs, akeys };
	/* ContainerExitCode is only in died events, as in the JSON */
	evnode root = { TMPL_MAP, NULL, ev->has_exit_code ? N : N - 1, items, keys };
	rc = print_template_ops(format, &ev_ops, &root);
	free(attrs);
	free(akeys);
	return rc;
}

static int on_event(const ck_event *ev, void *payload)
{
	struct ev_ctx *e = payload;

	if (ev_stop)
		return 1;
	if (!ev)
		return 0;
	if (e->format && !strcmp(e->format, "json")) {
		char *json = NULL;
		if (ck_event_json(&json, ev) < 0) {
			e->rc = die_ck();
			return 1;
		}
		puts(json);
		ck_free(json);
	} else if (e->format) {
		e->rc = print_event_template(e->format, ev);
	} else {
		print_event_text(ev);
	}
	if (fflush(stdout) != 0 || ferror(stdout))
		return 1; /* the reader went away */
	return e->rc ? 1 : 0;
}

static const char events_usage[] =
	"Show containerkit events\n\nUsage:\n  ck events [options]\n\nOptions:\n"
	"  -f, --filter stringArray   filter output (container=, event=, type=, image=, label=)\n"
	"      --format string        format the output using a Go template or json\n"
	"      --no-trunc             do not truncate the output (default true)\n"
	"      --since string         show all events created since timestamp\n"
	"      --stream               stream events and do not exit when returning the last known event "
	"(default true)\n"
	"      --until string         show all events until timestamp\n";

int ctr_events(ck_app *app, int argc, char **argv)
{
	ck_events_options eo = CK_EVENTS_OPTIONS_INIT;
	struct ev_ctx e = { NULL, 0 };
	strv filters = { 0 };
	int rc;

	eo.follow = 1;
	rc = parse_flags_noargs(app, argc, argv, true, (const flag_def[]){
		{ "filter", 'f', F_STRV, &filters, 0 },
		{ "format", 0, F_STR, &e.format, 0 },
		{ "since", 0, F_TIME, &eo.since_ns, 0 },
		{ "until", 0, F_TIME, &eo.until_ns, 0 },
		{ "stream", 0, F_ONOFF, &eo.follow, 0 },
		{ "no-trunc", 0, F_IGNORE, NULL, 0 },
		{ NULL, 0, F_IGNORE, NULL, 0 },
	}, events_usage, "events");
	if (rc < 0) {
		strv_clear(&filters);
		return 0;
	}
	if (rc == 0 && !app_context(app))
		rc = EXIT_CK;
	if (rc == 0) {
		struct sigaction sa;
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = ev_on_signal;
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
		signal(SIGPIPE, SIG_IGN);
		eo.filters = filters.v;
		int r = ck_events_read_v2(app->ctx, &eo, on_event, &e);
		if (r < 0)
			rc = die_ck();
		else if (e.rc)
			rc = e.rc;
	}
	strv_clear(&filters);
	return rc;
}

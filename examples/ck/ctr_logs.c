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
static void print_event_text(const jnode *ev)
{
	const char *type = json_get_str(ev, "Type"), *status = json_get_str(ev, "Status");
	const char *id = json_get_str(ev, "ID"), *name = json_get_str(ev, "Name");
	const jnode *tn = json_get(ev, "timeNano");
	char when[96] = "";

	if (tn && tn->type == J_NUM)
		go_time(when, sizeof(when), strtoll(tn->str, NULL, 10));
	else if (json_get_str(ev, "Time"))
		snprintf(when, sizeof(when), "%s", json_get_str(ev, "Time"));
	type = type ? type : "";
	status = status ? status : "";
	if (!strcmp(type, "container") || !strcmp(type, "pod")) {
		const jnode *attrs = json_get(ev, "Attributes");
		const char *image = json_get_str(ev, "Image");
		printf("%s %s %s %s (image=%s, name=%s", when, type, status, id ? id : "", image ? image : "",
		       name ? name : "");
		for (size_t i = 0; attrs && attrs->type == J_OBJ && i < attrs->n; i++)
			if (attrs->vals[i]->type == J_STR && strcmp(attrs->keys[i], "image") &&
			    strcmp(attrs->keys[i], "name"))
				printf(", %s=%s", attrs->keys[i], attrs->vals[i]->str);
		printf(")\n");
	} else if (!strcmp(type, "image")) {
		printf("%s %s %s %s %s\n", when, type, status, id ? id : "", name ? name : "");
	} else {
		printf("%s %s %s %s\n", when, type, status, name ? name : id ? id : "");
	}
}

static int on_event(const char *event_json, void *payload)
{
	struct ev_ctx *e = payload;
	jnode *ev;

	if (ev_stop)
		return 1;
	if (!event_json)
		return 0;
	if (e->format && !strcmp(e->format, "json")) {
		ev = json_parse(event_json);
		if (ev)
			json_print_compact(stdout, ev);
		else
			fputs(event_json, stdout);
		putchar('\n');
		json_free(ev);
	} else if (!(ev = json_parse(event_json))) {
		fprintf(stderr, "WARN[0000] skipping a malformed event: %s\n", event_json);
	} else {
		if (e->format)
			e->rc = print_template(e->format, ev);
		else
			print_event_text(ev);
		json_free(ev);
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
		int r = ck_events_read(app->ctx, &eo, on_event, &e);
		if (r < 0)
			rc = die_ck();
		else if (e.rc)
			rc = e.rc;
	}
	strv_clear(&filters);
	return rc;
}

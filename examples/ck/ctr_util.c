/* Shared by the container commands: their option parser, podman's ways of
 * printing times and sizes, exit codes, signal proxying and raw terminals. */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "ctr.h"
#include "template/tmpl.h"

/* ------------------------------------------------------------- options */

bool flag_on(const char *val)
{
	return !val || strcmp(val, "false") != 0;
}

/* --------------------------------------------------------------- texts */

void short_id(char out[13], const char *id)
{
	size_t n = id ? strnlen(id, 12) : 0;
	memcpy(out, id, n);
	out[n] = '\0';
}

void human_duration(char *buf, size_t size, int64_t secs)
{
	tmpl_human_duration(buf, size, (double)secs); /* the templates' own, go-units' wording */
}

void human_size_fmt(char *buf, size_t size, double bytes, int digits, const char *sep)
{
	static const char *const units[] = { "B", "kB", "MB", "GB", "TB", "PB", "EB" };
	size_t u = 0;

	while (bytes >= 1000.0 && u + 1 < sizeof(units) / sizeof(units[0])) {
		bytes /= 1000.0;
		u++;
	}
	snprintf(buf, size, "%.*g%s%s", digits, bytes, sep, units[u]);
}

void human_size(char *buf, size_t size, double bytes)
{
	human_size_fmt(buf, size, bytes, 4, "");
}

/* Go's fmtFrac/fmtInt: "1.5" from 1500 with 3 digits. */
static void frac(char *buf, size_t size, const char *unit, int64_t v, int digits)
{
	int64_t div = 1;
	for (int i = 0; i < digits; i++)
		div *= 10;
	int64_t ip = v / div, fp = v % div;
	char f[32] = "";
	if (fp) {
		snprintf(f, sizeof(f), ".%0*lld", digits, (long long)fp);
		size_t l = strlen(f);
		while (l > 1 && f[l - 1] == '0')
			f[--l] = '\0';
	}
	snprintf(buf, size, "%lld%s%s", (long long)ip, f, unit);
}

void go_duration(char *buf, size_t size, int64_t ns)
{
	char sec[48];

	if (ns == 0) {
		snprintf(buf, size, "0s");
	} else if (ns < 1000) {
		snprintf(buf, size, "%lldns", (long long)ns);
	} else if (ns < 1000000) {
		frac(buf, size, "µs", ns, 3);
	} else if (ns < 1000000000) {
		frac(buf, size, "ms", ns, 6);
	} else {
		int64_t s = ns / 1000000000, h = s / 3600, m = s / 60 % 60;
		frac(sec, sizeof(sec), "s", ns % 60000000000LL, 9);
		if (h)
			snprintf(buf, size, "%lldh%lldm%s", (long long)h, (long long)m, sec);
		else if (m)
			snprintf(buf, size, "%lldm%s", (long long)m, sec);
		else
			snprintf(buf, size, "%s", sec);
	}
}

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* "1h30m5.5s" -> ns; false if it is not a Go duration. */
static bool parse_go_duration(const char *s, int64_t *ns)
{
	static const struct {
		const char *unit;
		double mult;
	} units[] = { { "ns", 1 },     { "us", 1e3 },  { "µs", 1e3 },   { "ms", 1e6 },
		      { "s", 1e9 },    { "m", 60e9 }, { "h", 3600e9 } };
	double total = 0;

	if (!*s)
		return false;
	while (*s) {
		char *end;
		double v = strtod(s, &end);
		size_t best = 0, k = 0;
		if (end == s || v < 0)
			return false;
		for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
			size_t l = strlen(units[i].unit);
			if (!strncmp(end, units[i].unit, l) && l > best)
				best = l, k = i;
		}
		if (!best)
			return false;
		total += v * units[k].mult;
		s = end + best;
	}
	*ns = (int64_t)total;
	return true;
}

bool parse_time_arg(const char *text, int64_t *ns)
{
	struct tm tm;
	const char *p;
	char *end;
	int64_t d;

	/* Unix seconds, possibly with a fraction */
	double secs = strtod(text, &end);
	if (end != text && !*end && isdigit((unsigned char)text[0]) && !strchr(text, 'e')) {
		*ns = (int64_t)(secs * 1e9);
		return true;
	}
	if (parse_go_duration(text, &d)) {
		*ns = now_ns() - d;
		return true;
	}
	memset(&tm, 0, sizeof(tm));
	p = strptime(text, "%Y-%m-%d", &tm);
	if (!p)
		return false;
	int64_t frac_ns = 0, offset = 0;
	bool local = true;
	if (*p == 'T' || *p == ' ') {
		p = strptime(p + 1, "%H:%M", &tm);
		if (!p)
			return false;
		if (*p == ':' && !(p = strptime(p + 1, "%S", &tm)))
			return false;
		if (*p == '.') {
			int64_t scale = 100000000;
			for (p++; isdigit((unsigned char)*p); p++, scale /= 10)
				frac_ns += (*p - '0') * scale;
		}
		if (*p == 'Z') {
			local = false;
			p++;
		} else if (*p == '+' || *p == '-') {
			int hh, mm;
			if (sscanf(p + 1, "%2d:%2d", &hh, &mm) != 2)
				return false;
			offset = (int64_t)(hh * 3600 + mm * 60) * (*p == '-' ? -1 : 1);
			local = false;
			p += 6;
		}
	}
	if (*p)
		return false;
	time_t t;
	if (local) {
		tm.tm_isdst = -1;
		t = mktime(&tm);
	} else {
		t = timegm(&tm) - offset;
	}
	*ns = (int64_t)t * 1000000000 + frac_ns;
	return true;
}

bool parse_int_arg(const char *flag, const char *text, long long min, long long *out)
{
	char *end;
	errno = 0;
	long long v = strtoll(text, &end, 10);
	if (errno || end == text || *end || v < min) {
		die("invalid argument \"%s\" for \"%s\" flag: must be an integer%s", text, flag,
		    min >= 0 ? " of at least 0" : "");
		return false;
	}
	*out = v;
	return true;
}

/* -------------------------------------------------------------- errors */

int die_runtime(void)
{
	const ck_error *e = ck_error_last();
	int code = e->code, err = e->sys_errno;

	print_ck_error();
	if (code != CK_ERUNTIME)
		return EXIT_CK;
	/* podman's codes for a command that cannot be run */
	if (err == ENOENT)
		return 127;
	if (err == EACCES || err == ENOEXEC)
		return 126;
	return EXIT_CK;
}

int ctr_lookup(ck_container **out, ck_app *app, const char *ref)
{
	*out = NULL;
	if (!app_context(app))
		return EXIT_CK;
	if (ck_container_lookup(out, app->ctx, ref) < 0)
		return die_ck();
	return 0;
}

/* --------------------------------------------------------- signal proxy */

static int proxy_pipe[2] = { -1, -1 };
static pthread_t proxy_thread;
static bool proxy_running;
static const int proxied[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 };

static void proxy_handler(int sig)
{
	unsigned char b = (unsigned char)sig;
	int saved = errno;
	if (write(proxy_pipe[1], &b, 1) < 0) {
		/* nothing to do in a handler */
	}
	errno = saved;
}

struct proxy_arg {
	ck_app *app;
	char id[80];
};

/* Runs on its own thread with its own handle: handles are not shared
 * between threads. */
static void *proxy_main(void *p)
{
	struct proxy_arg *a = p;
	unsigned char b;
	ck_container *ctr = NULL;

	while (read(proxy_pipe[0], &b, 1) == 1) {
		if (b == 0)
			break;
		if (!ctr && ck_container_lookup(&ctr, a->app->ctx, a->id) < 0)
			continue;
		ck_container_kill(ctr, b);
	}
	ck_container_free(ctr);
	free(a);
	return NULL;
}

void proxy_start(ck_app *app, const char *id)
{
	struct proxy_arg *a = calloc(1, sizeof(*a));
	struct sigaction sa;

	if (!a || pipe2(proxy_pipe, O_CLOEXEC) < 0) {
		free(a);
		return;
	}
	a->app = app;
	snprintf(a->id, sizeof(a->id), "%s", id);
	if (pthread_create(&proxy_thread, NULL, proxy_main, a) != 0) {
		free(a);
		return;
	}
	proxy_running = true;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = proxy_handler;
	sa.sa_flags = SA_RESTART;
	for (size_t i = 0; i < sizeof(proxied) / sizeof(proxied[0]); i++)
		sigaction(proxied[i], &sa, NULL);
}

void proxy_stop(void)
{
	unsigned char z = 0;

	if (!proxy_running)
		return;
	for (size_t i = 0; i < sizeof(proxied) / sizeof(proxied[0]); i++)
		signal(proxied[i], SIG_DFL);
	if (write(proxy_pipe[1], &z, 1) == 1)
		pthread_join(proxy_thread, NULL);
	close(proxy_pipe[0]);
	close(proxy_pipe[1]);
	proxy_running = false;
}

/* ------------------------------------------------------------ terminal */

static struct termios saved_tio;
static int raw_fd = -1;

void tty_raw(int fd)
{
	struct termios t;

	if (tcgetattr(fd, &saved_tio) < 0)
		return;
	t = saved_tio;
	cfmakeraw(&t);
	t.c_oflag = saved_tio.c_oflag; /* keep \n -> \r\n for our own messages */
	if (tcsetattr(fd, TCSANOW, &t) == 0)
		raw_fd = fd;
}

void tty_restore(void)
{
	if (raw_fd >= 0)
		tcsetattr(raw_fd, TCSANOW, &saved_tio);
	raw_fd = -1;
}

/* ck_container_logs: reading the k8s-file log the monitor writes
 * ("<RFC3339Nano> stdout|stderr F|P <text>" lines; F ends a line, P is part
 * of one), the rotated file first, with since/until/tail, and following
 * the live file across rotations until the container stops. */
#define _GNU_SOURCE
#include "container_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define LOG_READ_MAX (256u << 20)

int ck_container_logs_options_init(ck_logs_options *opts, unsigned int version)
{
	static const ck_logs_options init = CK_LOGS_OPTIONS_INIT;

	return ck__versioned_init(opts, &init, sizeof(init), version, CK_LOGS_OPTIONS_VERSION,
	                          "ck_container_logs_options_init: opts", "ck_logs_options");
}

static bool parse_time(const char *s, int64_t *ns)
{
	struct tm tm = { 0 };
	long frac = 0;
	int digits = 0;
	const char *p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);

	if (!p)
		return false;
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++, digits++)
			if (digits < 9)
				frac = frac * 10 + (*p - '0');
		for (; digits < 9; digits++)
			frac *= 10;
	}
	if (*p != 'Z')
		return false;
	*ns = (int64_t)timegm(&tm) * 1000000000 + frac;
	return true;
}

typedef struct entry {
	int stream;
	int64_t t;
	bool partial;
	const char *data; /* in the file's buffer */
	size_t len;
} entry;

/* Parses one line (without its newline); false for a malformed one. */
static bool parse_entry(entry *e, const char *line, size_t len)
{
	const char *sp1 = memchr(line, ' ', len), *sp2, *sp3;
	char ts[64];

	if (!sp1 || (size_t)(sp1 - line) >= sizeof(ts))
		return false;
	memcpy(ts, line, (size_t)(sp1 - line));
	ts[sp1 - line] = '\0';
	if (!parse_time(ts, &e->t))
		return false;
	sp2 = memchr(sp1 + 1, ' ', len - (size_t)(sp1 + 1 - line));
	if (!sp2)
		return false;
	if (sp2 - sp1 - 1 == 6 && !memcmp(sp1 + 1, "stdout", 6))
		e->stream = CK_STREAM_STDOUT;
	else if (sp2 - sp1 - 1 == 6 && !memcmp(sp1 + 1, "stderr", 6))
		e->stream = CK_STREAM_STDERR;
	else
		return false;
	sp3 = sp2 + 2;
	if (sp3 > line + len || (sp2[1] != 'F' && sp2[1] != 'P') || (sp3 < line + len && *sp3 != ' '))
		return false;
	e->partial = sp2[1] == 'P';
	e->data = sp3 < line + len ? sp3 + 1 : sp3;
	e->len = (size_t)(line + len - e->data);
	return true;
}

typedef struct out {
	const ck_logs_options *o;
	ck_log_line_fn fn;      /* one of the two */
	ck_log_entry_fn fn2;
	void *payload;
	ck__buf line;
} out;

static int emit(out *w, const entry *e)
{
	char ts[48];
	int rc;

	if (e->t < w->o->since_ns || (w->o->until_ns && e->t >= w->o->until_ns))
		return 0;
	w->line.len = 0;
	if (w->o->timestamps) {
		ck__rfc3339_nano(ts, sizeof(ts), e->t);
		ck__buf_printf(&w->line, "%s ", ts);
	}
	ck__buf_add(&w->line, e->data, e->len);
	if (!e->partial)
		ck__buf_add(&w->line, "\n", 1);
	if (w->line.oom)
		return ck__oom();
	if (w->fn2) {
		ck_log_entry le = { CK_LOG_ENTRY_VERSION, e->stream, e->t, w->line.data, w->line.len, e->partial };
		return w->fn2(&le, w->payload);
	}
	rc = w->fn(e->stream, e->t, w->line.data, w->line.len, e->partial, w->payload);
	return rc;
}

/* Reads a whole file into memory ("" when missing). */
static int slurp(char **text, size_t *len, const char *path)
{
	int rc = ck__read_file(text, len, path, LOG_READ_MAX);
	if (rc == CK_ENOTFOUND) {
		ck__error_clear();
		*text = strdup("");
		*len = 0;
		return *text ? CK_OK : ck__oom();
	}
	return rc;
}

/* Splits complete lines of `text` into entries; `*used` gets the bytes consumed. */
static int split(entry **list, size_t *n, char *text, size_t len, size_t *used)
{
	size_t start = 0, cap = *n;

	for (size_t i = 0; i < len; i++) {
		if (text[i] != '\n')
			continue;
		entry e;
		if (parse_entry(&e, text + start, i - start)) {
			if (*n == cap) {
				cap = cap ? 2 * cap : 256;
				entry *nl = realloc(*list, cap * sizeof(*nl));
				if (!nl)
					return ck__oom();
				*list = nl;
			}
			(*list)[(*n)++] = e;
		}
		start = i + 1;
	}
	if (used)
		*used = start;
	return CK_OK;
}

/* Whether the container may still write to its log. */
static bool still_running(ck_context *ctx, const char *id)
{
	ck__ctr_state st;
	if (ck__ctr_read(NULL, &st, ctx, id) != CK_OK) {
		ck__error_clear();
		return false;
	}
	bool live = (ck__ctr_status_live(st.status) || st.pid > 0) && ck__ctr_monitor_alive(&st);
	live |= !strcmp(st.status, "starting") && st.monitor_pid == 0;
	ck__ctr_state_free(&st);
	return live;
}

/* Follows the live file from offset `off` until the container stops. */
static int follow(out *w, ck_container *ctr, const char *path, off_t off)
{
	ck__buf pending = { 0 };
	char chunk[16384];
	struct stat st, now;
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc = CK_OK;
	bool stopping = false;

	if (fd >= 0 && lseek(fd, off, SEEK_SET) < 0)
		off = 0;
	for (;;) {
		ssize_t n = fd >= 0 ? read(fd, chunk, sizeof(chunk)) : 0;
		if (n < 0 && errno == EINTR)
			continue;
		if (n > 0) {
			ck__buf_add(&pending, chunk, (size_t)n);
			entry *list = NULL;
			size_t cnt = 0, used = 0;
			if (pending.oom || (rc = split(&list, &cnt, pending.data, pending.len, &used)) != CK_OK) {
				free(list);
				rc = rc ? rc : ck__oom();
				break;
			}
			for (size_t i = 0; i < cnt && rc == 0; i++)
				rc = emit(w, &list[i]);
			free(list);
			memmove(pending.data, pending.data + used, pending.len - used);
			pending.len -= used;
			if (rc)
				break;
			continue;
		}
		/* At the end: a rotation replaces the file under its name. */
		if (stat(path, &now) == 0 && (fd < 0 || (fstat(fd, &st) == 0 && st.st_ino != now.st_ino))) {
			if (fd >= 0)
				close(fd);
			fd = open(path, O_RDONLY | O_CLOEXEC);
			pending.len = 0;
			continue;
		}
		if (stopping)
			break;
		if (!still_running(ctr->ctx, ctr->cfg.id))
			stopping = true; /* one more read for what it wrote last */
		else
			ck__sleep_ms(100);
	}
	if (fd >= 0)
		close(fd);
	ck__buf_free(&pending);
	return rc;
}

/* The reading behind both entry points: `fn` or `fn2` gets the lines. */
static int logs_read(ck_container *ctr, const ck_logs_options *opts, ck_log_line_fn fn, ck_log_entry_fn fn2,
                     void *payload)
{
	ck_logs_options dflt = CK_LOGS_OPTIONS_INIT;
	char *userdata = NULL, *p0 = NULL, *p1 = NULL, *t0 = NULL, *t1 = NULL;
	size_t l0 = 0, l1 = 0, n = 0, used = 0, first = 0;
	entry *list = NULL;
	out w = { 0 };
	int rc;

	CK__CTR_FULL(ctr);
	if (!opts)
		opts = &dflt;
	if (opts->version == 0 || opts->version > CK_LOGS_OPTIONS_VERSION)
		return ck__error_set(CK_EVERSION, "ck_logs_options version %u is not known", opts->version);
	if (ctr->cfg.extra.log_driver && !strcmp(ctr->cfg.extra.log_driver, "none"))
		return ck__error_set(CK_EUNSUPPORTED, "container %s uses the \"none\" log driver: it keeps no log to "
		                                      "read", ctr->cfg.name);
	w.o = opts;
	w.fn = fn;
	w.fn2 = fn2;
	w.payload = payload;
	if (!(userdata = ck__ctr_userdata(ctr->ctx, ctr->cfg.id)) || !(p0 = ck__path_join(userdata, "ctr.log")) ||
	    !(p1 = ck__path_join(userdata, "ctr.log.1"))) {
		rc = ck__oom();
		goto out;
	}
	/* The live file first: a rotation between the two reads then only
	 * shows lines twice at worst, never loses them. */
	if ((rc = slurp(&t0, &l0, p0)) != CK_OK || (rc = slurp(&t1, &l1, p1)) != CK_OK)
		goto out;
	if ((rc = split(&list, &n, t1, l1, NULL)) != CK_OK || (rc = split(&list, &n, t0, l0, &used)) != CK_OK)
		goto out;
	if (opts->tail >= 0) {
		/* The last N lines: a line ends with an F entry. */
		int64_t lines = 0;
		first = n;
		while (first > 0) {
			if (!list[first - 1].partial) {
				if (lines == opts->tail)
					break;
				lines++;
			}
			first--;
		}
	}
	rc = 0;
	for (size_t i = first; i < n && rc == 0; i++)
		rc = emit(&w, &list[i]);
	if (rc == 0 && opts->follow)
		rc = follow(&w, ctr, p0, (off_t)used);
out:
	ck__buf_free(&w.line);
	free(list);
	free(t0);
	free(t1);
	free(userdata);
	free(p0);
	free(p1);
	return rc;
}

int ck_container_logs(ck_container *ctr, const ck_logs_options *opts, ck_log_line_fn fn, void *payload)
{
	CK_ENTER();
	if (!ctr || !fn)
		return ck__error_set(CK_EINVAL, "ck_container_logs: %s is NULL", ctr ? "fn" : "ctr");
	return logs_read(ctr, opts, fn, NULL, payload);
}

int ck_container_logs_v2(ck_container *ctr, const ck_logs_options *opts, ck_log_entry_fn fn, void *payload)
{
	CK_ENTER();
	if (!ctr || !fn)
		return ck__error_set(CK_EINVAL, "ck_container_logs_v2: %s is NULL", ctr ? "fn" : "ctr");
	return logs_read(ctr, opts, NULL, fn, payload);
}

/* The names these functions had before 1.1 (deprecated.h). */
CK__ALIAS(ck_logs_options_init, ck_container_logs_options_init);

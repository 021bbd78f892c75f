/* The event log: JSON lines appended to <runroot>/events/events.log (one
 * write(2) per event on an O_APPEND descriptor, so concurrent writers never
 * interleave), and ck_events_read()/ck_events_read_v2(), which filter and
 * follow it (the typed event, its filters and its JSON: event.c).  Past
 * CK__EVENTS_MAX bytes the log is renamed to events.log.1 (replacing the
 * previous one) and starts again, as podman's events_logfile_max_size;
 * readers read events.log.1 first and follow the log across a rotation. */
#define _GNU_SOURCE
#include "core.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define LINE_MAX_LEN (64 * 1024)
#define CK__EVENTS_MAX (1u << 20)

void ck__rfc3339_nano(char *buf, size_t size, int64_t ns)
{
	time_t secs = (time_t)(ns / 1000000000);
	long frac = (long)(ns % 1000000000);
	struct tm tm;
	char base[32];

	if (frac < 0) {
		frac += 1000000000;
		secs--;
	}
	gmtime_r(&secs, &tm);
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, size, "%s.%09ldZ", base, frac);
}

char *ck__events_path(const ck_context *ctx)
{
	return ck__asprintf("%s/events/events.log", ctx->runroot);
}

/* Renames a full log aside.  Writers that still hold the old file append
 * to events.log.1, where readers find them; the lock and the second look
 * keep two writers from rotating twice. */
static void rotate(int fd, const char *path)
{
	struct stat a, b;
	char *old;

	if (fstat(fd, &a) < 0 || a.st_size < (off_t)CK__EVENTS_MAX || flock(fd, LOCK_EX) < 0)
		return;
	if (stat(path, &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev && (old = ck__asprintf("%s.1", path))) {
		rename(path, old);
		free(old);
	}
	flock(fd, LOCK_UN);
}

void ck__event_write(ck_context *ctx, const char *type, const char *status, const char *id, const char *name,
                     const char *image, const char *const *attrs, int exit_code)
{
	/* CK_EVENTS_BACKEND=none (podman's --events-backend none) keeps no
	 * log; read here, not at context open, so that the monitors, which
	 * open their contexts without the environment, inherit it too. */
	const char *backend = getenv("CK_EVENTS_BACKEND");
	if (backend && !strcmp(backend, "none"))
		return;
	char *path = ck__events_path(ctx), *dir = ck__runroot_path(ctx, "events"), *line = NULL;
	size_t n_attrs = 0;
	int fd = -1;

	while (attrs && attrs[n_attrs] && attrs[n_attrs + 1])
		n_attrs += 2;
	ck_event ev = {
		.version = CK_EVENT_VERSION, .type = type, .status = status, .id = id, .name = name,
		.image = image, .time_ns = ck__now_ns(),
		.has_exit_code = exit_code >= 0 || (exit_code == -1 && status && !strcmp(status, "died")),
		.exit_code = exit_code, .attribute_count = n_attrs / 2, .attributes = attrs,
	};
	if (!path || !dir || ck__event_render(&line, &ev) != CK_OK)
		goto out;
	size_t len = strlen(line);
	line[len] = '\n'; /* replaces the NUL: written with its length below */
	if (ck__mkdir_p(dir, 0700) != CK_OK)
		goto out;
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, line, len + 1) != (ssize_t)(len + 1))
		ck__log(ctx, CK_LOG_WARN, "cannot append to the event log %s: %s", path, strerror(errno));
	else
		rotate(fd, path);
out:
	if (fd >= 0)
		close(fd);
	free(line);
	free(path);
	free(dir);
}

/* ---- reading ---- */

int ck_events_options_init(ck_events_options *opts, unsigned int version)
{
	CK_ENTER();
	if (!opts)
		return ck__error_set(CK_EINVAL, "ck_events_options_init: opts is NULL");
	if (version == 0 || version > CK_EVENTS_OPTIONS_VERSION)
		return ck__error_set(CK_EVERSION, "ck_events_options version %u is not known (this library "
		                                  "knows 1..%d)", version, CK_EVENTS_OPTIONS_VERSION);
	memset(opts, 0, sizeof(*opts));
	opts->version = version;
	return CK_OK;
}

typedef struct reader {
	const ck_events_options *o;
	ck_event_fn fn;          /* the JSON line, or */
	ck_event_entry_fn typed; /* the typed event */
	void *payload;
	ck__event_line line;
	ck__buf pending; /* a line not yet terminated */
	bool done;       /* until_ns passed */
} reader;

/* Handles complete lines; returns the callback's stop value or 0. */
static int feed(reader *r, const char *data, size_t len)
{
	ck__buf_add(&r->pending, data, len);
	if (r->pending.oom)
		return ck__oom();
	size_t start = 0;
	for (size_t i = 0; i < r->pending.len; i++) {
		if (r->pending.data[i] != '\n')
			continue;
		r->pending.data[i] = '\0';
		const char *line = r->pending.data + start;
		start = i + 1;
		if (!ck__event_line_parse(&r->line, line))
			continue; /* a damaged line is skipped, never fatal */
		const ck_event *ev = &r->line.ev;
		int stop = 0;
		if (r->o->until_ns && ev->time_ns >= r->o->until_ns)
			r->done = true;
		else if (ev->time_ns >= r->o->since_ns && ck__event_matches(ev, r->o->filters))
			stop = r->fn ? r->fn(line, r->payload) : r->typed(ev, r->payload);
		if (stop)
			return stop;
		if (r->done)
			return 0;
	}
	memmove(r->pending.data, r->pending.data + start, r->pending.len - start);
	r->pending.len -= start;
	return 0;
}

/* Where a reader is in the chain of log files.  A rotation renames
 * events.log to events.log.1, so the file after the one just read is
 * events.log.1 if that is a file not read yet (the log rotated again, or for
 * the first time since the reader found no log), else events.log.  The file
 * last read stays open: while it is, its inode cannot be reused by a new log
 * and mistaken for it. */
typedef struct cursor {
	const char *path, *rotated;
	int fd, prev_fd;
	struct stat st, prev_st; /* st.st_ino 0: fstat failed */
	bool in_rotated;         /* fd is events.log.1 */
} cursor;

static bool same_file(const struct stat *a, const struct stat *b)
{
	return a->st_ino == b->st_ino && a->st_dev == b->st_dev;
}

/* Opens the next file; fd stays -1 when there is no log yet. */
static int cursor_next(cursor *c, bool first)
{
	struct stat st;

	c->in_rotated = false;
	if (first || (stat(c->rotated, &st) == 0 && (c->prev_fd < 0 || !same_file(&st, &c->prev_st)))) {
		c->fd = open(c->rotated, O_RDONLY | O_CLOEXEC);
		if (c->fd >= 0) {
			c->in_rotated = true;
			goto opened;
		}
		if (errno != ENOENT)
			return ck__error_errno(CK_EIO, "cannot read the event log %s", c->rotated);
	}
	c->fd = open(c->path, O_RDONLY | O_CLOEXEC);
	if (c->fd < 0)
		return errno == ENOENT ? CK_OK : ck__error_errno(CK_EIO, "cannot read the event log %s", c->path);
opened:
	if (fstat(c->fd, &c->st) < 0)
		c->st.st_ino = 0;
	return CK_OK;
}

/* Done with the current file: it becomes the one last read. */
static void cursor_finish(cursor *c)
{
	if (c->prev_fd >= 0)
		close(c->prev_fd);
	c->prev_fd = c->fd;
	c->prev_st = c->st;
	c->fd = -1;
}

/* One reader for both forms: exactly one of `fn` and `typed` is set. */
static int events_read(ck_context *ctx, const ck_events_options *opts, ck_event_fn fn, ck_event_entry_fn typed,
                       void *payload)
{
	ck_events_options dflt = CK_EVENTS_OPTIONS_INIT;
	reader r = { 0 };
	char *path = NULL, *rotated = NULL, chunk[8192];
	struct stat now_st;
	cursor c = { .fd = -1, .prev_fd = -1 };
	bool draining = false, first = true;
	int rc = CK_OK;
	int64_t last_beat = ck__mono_ns();

	if (!opts)
		opts = &dflt;
	if (opts->version == 0 || opts->version > CK_EVENTS_OPTIONS_VERSION)
		return ck__error_set(CK_EVERSION, "ck_events_options version %u is not known", opts->version);
	if ((rc = ck__event_filters_check(opts->filters)) != CK_OK)
		return rc;
	r.o = opts;
	r.fn = fn;
	r.typed = typed;
	r.payload = payload;
	if (!(path = ck__events_path(ctx)) || !(rotated = ck__asprintf("%s.1", path))) {
		free(path);
		return ck__oom();
	}
	c.path = path;
	c.rotated = rotated;
	for (;;) {
		if (c.fd < 0) {
			if ((rc = cursor_next(&c, first)) != CK_OK)
				break;
			first = false;
		}
		ssize_t n = c.fd >= 0 ? read(c.fd, chunk, sizeof(chunk)) : 0;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = ck__error_errno(CK_EIO, "cannot read the event log %s", c.in_rotated ? rotated : path);
			break;
		}
		if (n > 0) {
			if ((rc = feed(&r, chunk, (size_t)n)) != 0 || r.done)
				break;
			if (r.pending.len > LINE_MAX_LEN)
				r.pending.len = 0; /* no event is that long: drop the garbage */
			continue;
		}
		/* At the end of a file: events.log.1 is followed by what came
		 * after it, and events.log once a rotation renamed it away. */
		bool moved = c.fd >= 0 && !c.in_rotated && c.st.st_ino &&
		             (stat(path, &now_st) < 0 || !same_file(&now_st, &c.st));
		if (moved && !draining) {
			draining = true; /* a writer may have added to it meanwhile */
			continue;
		}
		if (c.fd >= 0 && (c.in_rotated || !c.st.st_ino || moved)) {
			draining = false;
			cursor_finish(&c);
			r.pending.len = 0;
			if (c.in_rotated || !c.prev_st.st_ino || opts->follow)
				continue;
		}
		if (!opts->follow)
			break;
		if (opts->until_ns && ck__now_ns() >= opts->until_ns)
			break;
		if (ck__mono_ns() - last_beat >= 1000000000) {
			last_beat = ck__mono_ns();
			if ((rc = fn ? fn(NULL, payload) : typed(NULL, payload)) != 0)
				break;
		}
		ck__sleep_ms(50);
	}
	if (c.fd >= 0)
		close(c.fd);
	if (c.prev_fd >= 0)
		close(c.prev_fd);
	ck__buf_free(&r.pending);
	ck__event_line_free(&r.line);
	free(path);
	free(rotated);
	return rc;
}

int ck_events_read(ck_context *ctx, const ck_events_options *opts, ck_event_fn fn, void *payload)
{
	CK_ENTER();
	if (!ctx || !fn)
		return ck__error_set(CK_EINVAL, "ck_events_read: %s is NULL", ctx ? "fn" : "ctx");
	return events_read(ctx, opts, fn, NULL, payload);
}

int ck_events_read_v2(ck_context *ctx, const ck_events_options *opts, ck_event_entry_fn fn, void *payload)
{
	CK_ENTER();
	if (!ctx || !fn)
		return ck__error_set(CK_EINVAL, "ck_events_read_v2: %s is NULL", ctx ? "fn" : "ctx");
	return events_read(ctx, opts, NULL, fn, payload);
}

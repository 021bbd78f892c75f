/* ck_container_top_read and ck_container_top: the processes of a running
 * container as a typed table (and its text form), read
 * from /proc: every process in the init's pid namespace, with pids as the
 * container sees them and users named from its /etc/passwd. */
#define _GNU_SOURCE
#include "container_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

typedef struct proc {
	int hpid, pid, ppid_host, pgid, nice, tty;
	uint32_t uid, gid, huid;
	char state;
	char comm[64];
	char *args;
	unsigned long long start, utime, stime, vsz, rss;
} proc;

typedef struct desc {
	const char *name, *header;
} desc;

static const desc descs[] = {
	{ "user", "USER" },   { "group", "GROUP" }, { "pid", "PID" },     { "ppid", "PPID" },
	{ "pgid", "PGID" },   { "%cpu", "%CPU" },   { "etime", "ELAPSED" }, { "tty", "TTY" },
	{ "time", "TIME" },   { "args", "COMMAND" }, { "comm", "COMMAND" }, { "nice", "NI" },
	{ "vsz", "VSZ" },     { "rss", "RSS" },     { "state", "STATE" }, { "huser", "HUSER" },
	{ "hpid", "HPID" },
};
static const char *const default_descs[] = { "user", "pid", "ppid", "%cpu", "etime", "tty", "time", "args", NULL };

static const desc *find_desc(const char *name)
{
	for (size_t i = 0; i < sizeof(descs) / sizeof(descs[0]); i++)
		if (!strcmp(descs[i].name, name))
			return &descs[i];
	return NULL;
}

static char *read_small(const char *path, size_t *len)
{
	char *text = NULL;
	if (ck__read_file(&text, len, path, 1 << 20) != CK_OK) {
		ck__error_clear();
		return NULL;
	}
	return text;
}

/* The pid as the container sees it: the last NSpid of /proc/PID/status. */
static void status_fields(proc *p)
{
	char path[64], *text, *save = NULL;

	snprintf(path, sizeof(path), "/proc/%d/status", p->hpid);
	if (!(text = read_small(path, NULL)))
		return;
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(line, "NSpid:", 6)) {
			char *last = strrchr(line, '\t');
			if (!last)
				last = strrchr(line, ' ');
			p->pid = last ? atoi(last + 1) : p->hpid;
		} else if (!strncmp(line, "Uid:", 4)) {
			p->huid = (uint32_t)strtoul(line + 4, NULL, 10);
		} else if (!strncmp(line, "Gid:", 4)) {
			p->gid = (uint32_t)strtoul(line + 4, NULL, 10);
		}
	}
	free(text);
}

/* The uid inside the container's user namespace (rootless), from uid_map. */
static uint32_t ns_uid(int hpid, uint32_t huid)
{
	char path[64], *text, *save = NULL;
	uint32_t out = huid;

	snprintf(path, sizeof(path), "/proc/%d/uid_map", hpid);
	if (!(text = read_small(path, NULL)))
		return huid;
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		unsigned long inside, host, count;
		if (sscanf(line, "%lu %lu %lu", &inside, &host, &count) == 3 && huid >= host && huid - host < count) {
			out = (uint32_t)(inside + (huid - host));
			break;
		}
	}
	free(text);
	return out;
}

static bool read_proc(proc *p, int hpid)
{
	char path[64], *text;
	size_t len = 0;

	memset(p, 0, sizeof(*p));
	p->hpid = hpid;
	p->pid = hpid;
	snprintf(path, sizeof(path), "/proc/%d/stat", hpid);
	if (!(text = read_small(path, NULL)))
		return false;
	char *open = strchr(text, '('), *close = strrchr(text, ')');
	if (!open || !close || close < open) {
		free(text);
		return false;
	}
	snprintf(p->comm, sizeof(p->comm), "%.*s", (int)(close - open - 1), open + 1);
	long long f[24] = { 0 };
	char state = '?';
	/* fields 3.. after the command */
	int n = sscanf(close + 2, "%c %lld %lld %lld %lld %lld %lld %lld %lld %lld %lld %lld %lld %lld %lld %lld %lld %lld %lld %lld %lld",
	               &state, &f[4], &f[5], &f[6], &f[7], &f[8], &f[9], &f[10], &f[11], &f[12], &f[13], &f[14],
	               &f[15], &f[16], &f[17], &f[18], &f[19], &f[20], &f[21], &f[22], &f[23]);
	free(text);
	if (n < 21)
		return false;
	p->state = state;
	p->ppid_host = (int)f[4];
	p->pgid = (int)f[5];
	p->tty = (int)f[7];
	p->utime = (unsigned long long)f[14];
	p->stime = (unsigned long long)f[15];
	p->nice = (int)f[19];
	p->start = (unsigned long long)f[22];
	p->vsz = (unsigned long long)f[23];
	status_fields(p);
	p->uid = ns_uid(hpid, p->huid);
	snprintf(path, sizeof(path), "/proc/%d/statm", hpid);
	if ((text = read_small(path, NULL))) {
		unsigned long long size, res;
		if (sscanf(text, "%llu %llu", &size, &res) == 2)
			p->rss = res * (unsigned long long)sysconf(_SC_PAGESIZE) / 1024;
		free(text);
	}
	p->vsz /= 1024;
	snprintf(path, sizeof(path), "/proc/%d/cmdline", hpid);
	if ((text = read_small(path, &len)) && len) {
		for (size_t i = 0; i + 1 < len; i++)
			if (!text[i])
				text[i] = ' ';
		p->args = text;
	} else {
		free(text);
		p->args = ck__asprintf("[%s]", p->comm);
	}
	return p->args != NULL;
}

static bool same_ns(int hpid, const char *want)
{
	char path[64], link[128];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/ns/pid", hpid);
	n = readlink(path, link, sizeof(link) - 1);
	if (n <= 0)
		return false;
	link[n] = '\0';
	return !strcmp(link, want);
}

/* Name of an id in the container's passwd or group file, or the number. */
static void name_of(char *out, size_t size, const char *rootfs, const char *file, uint32_t id)
{
	char *text = NULL, *save = NULL;
	snprintf(out, size, "%u", id);
	if (ck__root_read_file(&text, rootfs, file) != CK_OK)
		ck__error_clear();
	else {
		for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
			if (c2 && strtoul(c2 + 1, NULL, 10) == id && c2[1] >= '0' && c2[1] <= '9') {
				snprintf(out, size, "%.*s", (int)(c1 - line), line);
				break;
			}
		}
	}
	free(text);
}

static void fmt_clock(char *out, size_t size, unsigned long long secs, bool days)
{
	unsigned long long d = secs / 86400, h = secs / 3600 % 24, m = secs / 60 % 60, s = secs % 60;
	if (days && d)
		snprintf(out, size, "%llu-%02llu:%02llu:%02llu", d, h, m, s);
	else if (h || d)
		snprintf(out, size, "%02llu:%02llu:%02llu", h + 24 * d, m, s);
	else
		snprintf(out, size, "%02llu:%02llu", m, s);
}

static void cell(char *out, size_t size, const char *d, const proc *p, const proc *all, size_t n, const char *rootfs)
{
	long hz = sysconf(_SC_CLK_TCK);
	double uptime = 0;
	char *up = read_small("/proc/uptime", NULL);

	if (up) {
		uptime = strtod(up, NULL);
		free(up);
	}
	double elapsed = uptime - (double)p->start / (double)hz;
	if (elapsed < 0)
		elapsed = 0;
	if (!strcmp(d, "user"))
		name_of(out, size, rootfs, "/etc/passwd", p->uid);
	else if (!strcmp(d, "group"))
		name_of(out, size, rootfs, "/etc/group", p->gid);
	else if (!strcmp(d, "huser"))
		snprintf(out, size, "%u", p->huid);
	else if (!strcmp(d, "pid"))
		snprintf(out, size, "%d", p->pid);
	else if (!strcmp(d, "hpid"))
		snprintf(out, size, "%d", p->hpid);
	else if (!strcmp(d, "ppid")) {
		int ppid = 0;
		for (size_t i = 0; i < n; i++)
			if (all[i].hpid == p->ppid_host)
				ppid = all[i].pid;
		snprintf(out, size, "%d", ppid);
	} else if (!strcmp(d, "pgid"))
		snprintf(out, size, "%d", p->pgid);
	else if (!strcmp(d, "%cpu"))
		snprintf(out, size, "%.3f", elapsed > 0 ? 100.0 * (double)(p->utime + p->stime) / (double)hz / elapsed : 0.0);
	else if (!strcmp(d, "etime"))
		fmt_clock(out, size, (unsigned long long)elapsed, true);
	else if (!strcmp(d, "time"))
		fmt_clock(out, size, (p->utime + p->stime) / (unsigned long long)hz, true);
	else if (!strcmp(d, "tty"))
		snprintf(out, size, p->tty ? "pts/%d" : "?", (p->tty & 0xff) | ((p->tty >> 12) & 0xfff00));
	else if (!strcmp(d, "args"))
		snprintf(out, size, "%s", p->args);
	else if (!strcmp(d, "comm"))
		snprintf(out, size, "%s", p->comm);
	else if (!strcmp(d, "nice"))
		snprintf(out, size, "%d", p->nice);
	else if (!strcmp(d, "vsz"))
		snprintf(out, size, "%llu", p->vsz);
	else if (!strcmp(d, "rss"))
		snprintf(out, size, "%llu", p->rss);
	else if (!strcmp(d, "state"))
		snprintf(out, size, "%c", p->state);
}

static int by_pid(const void *a, const void *b)
{
	return ((const proc *)a)->pid - ((const proc *)b)->pid;
}

/* The typed table: cells[(row + 1) * ncol + col], row -1 the headers. */
struct ck_container_top_table {
	size_t ncol, nrow;
	char **cells;
	int *pids;
};

void ck_container_top_table_free(ck_container_top_table *t)
{
	if (!t)
		return;
	for (size_t i = 0; t->cells && i < (t->nrow + 1) * t->ncol; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t->pids);
	free(t);
}

/* Reads the processes into a new table. */
static int top_read(ck_container_top_table **out, ck_container *ctr, const char *const *descriptors)
{
	const char *const *want = descriptors && descriptors[0] ? descriptors : default_descs;
	ck_container_top_table *t = NULL;
	ck__ctr_state st;
	proc *procs = NULL;
	size_t n = 0, cap = 0, ncol = 0;
	char ns[128], path[64], *rootfs = NULL, buf[512];
	DIR *d = NULL;
	int rc;

	*out = NULL;
	CK__CTR_FULL(ctr);
	for (ncol = 0; want[ncol]; ncol++)
		if (!find_desc(want[ncol]))
			return ck__error_set(CK_EINVAL, "unknown top descriptor \"%s\" (use user, group, pid, ppid, pgid, "
			                                "%%cpu, etime, tty, time, args, comm, nice, vsz, rss, state, huser, "
			                                "hpid)", want[ncol]);
	if ((rc = ck__ctr_read(NULL, &st, ctr->ctx, ctr->cfg.id)) != CK_OK)
		return rc;
	int init = st.pid;
	bool running = !strcmp(st.status, "running") && init > 0 && ck__proc_alive(init, st.init_start);
	ck__ctr_state_free(&st);
	snprintf(path, sizeof(path), "/proc/%d/ns/pid", init);
	ssize_t len = running ? readlink(path, ns, sizeof(ns) - 1) : -1;
	if (!running || len <= 0)
		return ck__error_set(CK_ESTATE, "cannot list the processes of container %s: it is not running",
		                     ctr->cfg.name);
	ns[len] = '\0';
	if (!(rootfs = ck__asprintf("%s/rootfs/%s/merged", ctr->ctx->root, ctr->cfg.id)) || !(d = opendir("/proc"))) {
		rc = rootfs ? ck__error_errno(CK_EIO, "cannot read /proc") : ck__oom();
		goto out;
	}
	for (struct dirent *de; (de = readdir(d));) {
		int hpid = atoi(de->d_name);
		if (hpid <= 0 || !same_ns(hpid, ns))
			continue;
		if (n == cap) {
			proc *np = realloc(procs, (cap = cap ? 2 * cap : 16) * sizeof(*np));
			if (!np) {
				rc = ck__oom();
				goto out;
			}
			procs = np;
		}
		if (read_proc(&procs[n], hpid))
			n++;
	}
	qsort(procs, n, sizeof(*procs), by_pid);
	rc = CK_ENOMEM;
	if (!(t = calloc(1, sizeof(*t))) || !(t->cells = calloc((n + 1) * ncol, sizeof(char *))) ||
	    !(t->pids = calloc(n ? n : 1, sizeof(int))))
		goto out;
	t->ncol = ncol;
	t->nrow = n;
	for (size_t c = 0; c < ncol; c++) {
		if (!(t->cells[c] = strdup(find_desc(want[c])->header)))
			goto out;
		for (size_t i = 0; i < n; i++) {
			cell(buf, sizeof(buf), want[c], &procs[i], procs, n, rootfs);
			if (!(t->cells[(i + 1) * ncol + c] = strdup(buf)))
				goto out;
		}
	}
	for (size_t i = 0; i < n; i++)
		t->pids[i] = procs[i].hpid;
	*out = t;
	t = NULL;
	rc = CK_OK;
out:
	if (rc == CK_ENOMEM)
		rc = ck__oom();
	ck_container_top_table_free(t);
	if (d)
		closedir(d);
	for (size_t i = 0; i < n; i++)
		free(procs[i].args);
	free(procs);
	free(rootfs);
	return rc;
}

int ck_container_top_read(ck_container_top_table **out, ck_container *ctr, const char *const *descriptors)
{
	CK_ENTER();
	if (!out)
		return ck__error_set(CK_EINVAL, "ck_container_top_read: out is NULL");
	*out = NULL;
	if (!ctr)
		return ck__error_set(CK_EINVAL, "ck_container_top_read: ctr is NULL");
	return top_read(out, ctr, descriptors);
}

size_t ck_container_top_table_columns(const ck_container_top_table *t)
{
	return t ? t->ncol : 0;
}

const char *ck_container_top_table_header(const ck_container_top_table *t, size_t col)
{
	return t && col < t->ncol ? t->cells[col] : NULL;
}

size_t ck_container_top_table_count(const ck_container_top_table *t)
{
	return t ? t->nrow : 0;
}

const char *ck_container_top_table_cell(const ck_container_top_table *t, size_t row, size_t col)
{
	return t && row < t->nrow && col < t->ncol ? t->cells[(row + 1) * t->ncol + col] : NULL;
}

int ck_container_top_table_pid(const ck_container_top_table *t, size_t row)
{
	return t && row < t->nrow ? t->pids[row] : -1;
}

/* The text form: every cell but the last column's padded to its width. */
int ck_container_top(char **out, ck_container *ctr, const char *const *descriptors)
{
	ck_container_top_table *t = NULL;
	ck__buf b = { 0 };
	size_t *width = NULL;
	int rc;

	CK_ENTER();
	if (!out)
		return ck__error_set(CK_EINVAL, "ck_container_top: out is NULL");
	*out = NULL;
	if (!ctr)
		return ck__error_set(CK_EINVAL, "ck_container_top: ctr is NULL");
	if ((rc = top_read(&t, ctr, descriptors)) != CK_OK)
		return rc;
	if (!(width = calloc(t->ncol, sizeof(*width)))) {
		ck_container_top_table_free(t);
		return ck__oom();
	}
	for (size_t i = 0; i < (t->nrow + 1) * t->ncol; i++) {
		size_t l = strlen(t->cells[i]);
		if (l > width[i % t->ncol])
			width[i % t->ncol] = l;
	}
	for (size_t i = 0; i < (t->nrow + 1) * t->ncol; i++) {
		size_t c = i % t->ncol;
		if (c + 1 < t->ncol)
			ck__buf_printf(&b, "%-*s   ", (int)width[c], t->cells[i]);
		else
			ck__buf_printf(&b, "%s\n", t->cells[i]);
	}
	free(width);
	ck_container_top_table_free(t);
	*out = ck__buf_take(&b);
	ck__buf_free(&b);
	return *out ? CK_OK : ck__oom();
}

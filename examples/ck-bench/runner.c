/* ck-bench run: the runner.  Resolves engines and placeholders, prepares
 * each case, runs the engines interleaved in a seeded random order (each
 * round a fresh shuffle, so no engine always goes first), throws away the
 * first runs of each engine, and hands the samples to stats and outputs. */
#define _GNU_SOURCE
#include "bench.h"
#include "run.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

uint64_t cb_rand(uint64_t *state)
{
	/* splitmix64: small, fast, and the same everywhere, so a seed replays. */
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

typedef struct ctx {
	cb_run *r;
	cb_kv *globals; /* params, --set, and the built-in placeholders */
	size_t nglobals;
	bool tty;
	char *errfile;
	size_t row_total;
} ctx;

static void set_var(cb_kv **v, size_t *n, const char *key, const char *val)
{
	for (size_t i = 0; i < *n; i++)
		if (!strcmp((*v)[i].key, key)) {
			free((*v)[i].val);
			(*v)[i].val = cb_strdup(val);
			return;
		}
	size_t cap = *n;
	*v = cb_grow(*v, &cap, *n, sizeof(cb_kv));
	(*v)[*n].key = cb_strdup(key);
	(*v)[*n].val = cb_strdup(val);
	(*n)++;
}

static void free_vars(cb_kv *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].key);
		free(v[i].val);
	}
	free(v);
}

/* A command for one engine at one size.  NULL (after printing why) when a
 * placeholder is unknown; checked once for every template before anything
 * runs. */
static char *expand(ctx *c, const cb_engine *e, long size, const char *casename, const char *tmpl, int line)
{
	char sz[32], *err = NULL;
	snprintf(sz, sizeof(sz), "%ld", size);
	cb_kv local[] = {
		{ "engine", e->prefix, 0 }, { "name", e->name, 0 },           { "scratch", e->scratch, 0 },
		{ "size", sz, 0 },          { "case", (char *)casename, 0 },
	};
	char *out = cb_expand(tmpl, local, sizeof(local) / sizeof(local[0]), c->globals, c->nglobals, &err);
	if (!out) {
		const cb_suite *s = c->r->suite;
		if (s->path)
			fprintf(stderr, "%s:%d: %s%s%s\n", s->path, line, casename ? casename : "", casename ? ": " : "",
			        err);
		else
			fprintf(stderr, "ck-bench run: case \"%s\": %s\n", casename ? casename : "", err);
		free(err);
	}
	return out;
}

static int check_templates(ctx *c)
{
	const cb_suite *s = c->r->suite;
	const cb_engine *e = &c->r->engines[0];
	const char *top[] = { s->prepare, s->populate, s->finish, s->version_cmd, s->driver_cmd };
	int bad = 0;

	for (size_t i = 0; i < sizeof(top) / sizeof(top[0]); i++) {
		char *x = top[i] ? expand(c, e, 0, NULL, top[i], 1) : NULL;
		bad |= top[i] && !x;
		free(x);
	}
	for (size_t i = 0; i < s->ncases; i++) {
		const cb_case *k = &s->cases[i];
		const char *t[] = { k->prepare, k->setup, k->command, k->cleanup, k->finish };
		for (size_t j = 0; j < 5; j++) {
			char *x = t[j] ? expand(c, e, 0, k->name, t[j], k->line) : NULL;
			bad |= t[j] && !x;
			free(x);
		}
	}
	return bad ? -1 : 0;
}

static void progress(ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void progress(ctx *c, const char *fmt, ...)
{
	va_list ap;
	if (c->r->o->quiet || !c->tty)
		return;
	va_start(ap, fmt);
	fputs("\r\033[K", stderr);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fflush(stderr);
}

static void fail(cb_result *res, enum cb_status st, const char *what, const cb_proc *p)
{
	char how[64];
	if (p->timed_out)
		snprintf(how, sizeof(how), "no exit within the timeout, killed");
	else if (p->signal)
		snprintf(how, sizeof(how), "killed by signal %d", p->signal);
	else
		snprintf(how, sizeof(how), "exit %d", p->exit_code);
	res->status = st;
	free(res->error);
	res->error = cb_printf("%s: %s%s%s", what, how, p->err_tail[0] ? ": " : "", p->err_tail);
}

/* Runs an untimed step; on failure marks `res` (when given) and says so. */
static int step(ctx *c, const cb_engine *e, cb_result *res, enum cb_status st, const char *what, const char *cmd,
                double timeout)
{
	cb_proc p;
	if (!cmd)
		return 0;
	if (cb_proc_run(&p, cmd, timeout, c->errfile) == 0)
		return 0;
	if (res)
		fail(res, p.timed_out ? CB_TIMEOUT : st, what, &p);
	if (!c->r->o->quiet) {
		char how[64];
		if (p.timed_out)
			snprintf(how, sizeof(how), "no exit within %g s, killed", timeout);
		else
			snprintf(how, sizeof(how), "exit %d", p.exit_code);
		fprintf(stderr, "%sck-bench: %s: %s failed (%s)%s%s\n", c->tty ? "\r\033[K" : "", e->name, what, how,
		        p.err_tail[0] ? ": " : "", p.err_tail);
	}
	return -1;
}

static void pause_ms(double ms)
{
	if (ms <= 0)
		return;
	struct timespec ts = { (time_t)(ms / 1e3), (long)((ms - (double)(long)(ms / 1e3) * 1e3) * 1e6) };
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* One case at one size: prepare, the interleaved runs, finish. */
static void run_row(ctx *c, cb_row *row, size_t rowi, const bool *engine_ok, char **engine_err)
{
	cb_run *r = c->r;
	const cb_case *k = row->c;
	size_t ne = r->nengines, discard = 1 + (size_t)r->o->warmup, rounds = discard + (size_t)r->o->runs;
	double timeout = k->timeout > 0 ? k->timeout : r->o->timeout_s;
	bool *live = calloc(ne, sizeof(bool));
	size_t *done = calloc(ne, sizeof(size_t)), *perm = calloc(ne, sizeof(size_t));
	uint64_t rng = r->seed ^ (0xa0761d6478bd642fULL * (rowi + 1));
	char **cmd = calloc(ne, sizeof(char *)), **setup = calloc(ne, sizeof(char *)),
	     **cleanup = calloc(ne, sizeof(char *));
	size_t ordcap = 0, ordlen = 0;

	if (!live || !done || !perm || !cmd || !setup || !cleanup) {
		fputs("ck-bench: out of memory\n", stderr);
		exit(CB_EXIT_USAGE);
	}
	for (size_t i = 0; i < ne; i++) {
		cb_engine *e = &r->engines[i];
		cb_result *res = &row->res[i];
		if (!engine_ok[i]) {
			res->status = CB_FAILED_PREPARE;
			res->error = cb_strdup(engine_err[i]);
			continue;
		}
		cmd[i] = expand(c, e, row->size, k->name, k->command, k->line);
		setup[i] = k->setup ? expand(c, e, row->size, k->name, k->setup, k->line) : NULL;
		cleanup[i] = k->cleanup ? expand(c, e, row->size, k->name, k->cleanup, k->line) : NULL;
		char *prep = k->prepare ? expand(c, e, row->size, k->name, k->prepare, k->line) : NULL;
		progress(c, "[%zu/%zu] %s: prepare %s", rowi + 1, c->row_total, row->label, e->name);
		live[i] = step(c, e, res, CB_FAILED_PREPARE, "prepare", prep, r->o->prepare_timeout_s) == 0;
		free(prep);
	}
	/* The schedule depends on the seed and the row only, never on what
	 * failed, so that a seed replays the same order. */
	for (size_t round = 0; round < rounds; round++) {
		for (size_t i = 0; i < ne; i++)
			perm[i] = i;
		for (size_t i = ne; i > 1; i--) {
			size_t j = (size_t)(cb_rand(&rng) % i), t = perm[i - 1];
			perm[i - 1] = perm[j];
			perm[j] = t;
		}
		for (size_t pi = 0; pi < ne; pi++) {
			size_t i = perm[pi];
			cb_engine *e = &r->engines[i];
			cb_result *res = &row->res[i];
			const char *nm = e->name;
			size_t add = strlen(nm) + 2;
			row->order = cb_grow(row->order, &ordcap, ordlen + add, 1);
			ordlen += (size_t)sprintf(row->order + ordlen, "%s%s", ordlen ? " " : "", nm);
			if (!live[i])
				continue;
			progress(c, "[%zu/%zu] %s: %s run %zu/%zu%s", rowi + 1, c->row_total, row->label, nm, done[i] + 1,
			         rounds, done[i] < discard ? " (discarded)" : "");
			if (step(c, e, res, CB_FAILED_SETUP, "setup", setup[i], timeout) != 0) {
				live[i] = false;
				continue;
			}
			cb_proc p;
			if (cb_proc_run(&p, cmd[i], timeout, c->errfile) != 0) {
				char what[64];
				snprintf(what, sizeof(what), "run %zu", done[i] + 1);
				fail(res, p.timed_out ? CB_TIMEOUT : CB_FAILED_RUN, what, &p);
				if (!r->o->quiet)
					fprintf(stderr, "%sck-bench: %s: %s: %s\n", c->tty ? "\r\033[K" : "", row->label, nm,
					        res->error);
				live[i] = false;
				step(c, e, NULL, CB_FAILED_CLEANUP, "cleanup", cleanup[i], timeout);
				continue;
			}
			if (done[i]++ >= discard) {
				res->s = cb_grow(res->s, &res->cap, res->n, sizeof(cb_sample));
				res->s[res->n++] = p.sample;
			}
			if (step(c, e, res, CB_FAILED_CLEANUP, "cleanup", cleanup[i], timeout) != 0)
				live[i] = false;
			pause_ms(r->o->pause_ms);
		}
	}
	for (size_t i = 0; i < ne; i++) {
		cb_engine *e = &r->engines[i];
		if (engine_ok[i] && k->finish) {
			char *fin = expand(c, e, row->size, k->name, k->finish, k->line);
			step(c, e, row->res[i].status == CB_OK ? &row->res[i] : NULL, CB_FAILED_CLEANUP, "finish", fin,
			     r->o->prepare_timeout_s);
			free(fin);
		}
		cb_result *res = &row->res[i];
		if (res->status != CB_OK) {
			r->any_failed = true;
		}
		cb_stats_compute(&res->st, res->s, res->n, r->o->confidence, r->seed + rowi * 131 + i);
		free(cmd[i]);
		free(setup[i]);
		free(cleanup[i]);
	}
	for (size_t i = 1; i < ne; i++)
		if (row->res[i].status == CB_OK && row->res[0].status == CB_OK)
			cb_stats_ratio(&row->cmp[i], row->res[i].s, row->res[i].n, row->res[0].s, row->res[0].n,
			               r->o->confidence, r->seed + rowi * 7919 + i);
	if (!r->o->quiet) {
		fprintf(stderr, "%s[%zu/%zu] %s:", c->tty ? "\r\033[K" : "", rowi + 1, c->row_total, row->label);
		for (size_t i = 0; i < ne; i++) {
			const cb_result *res = &row->res[i];
			if (res->status == CB_OK)
				fprintf(stderr, " %s %.2f ms", r->engines[i].name, res->st.median);
			else
				fprintf(stderr, " %s %s", r->engines[i].name, cb_status_name(res->status));
		}
		fputc('\n', stderr);
	}
	free(live);
	free(done);
	free(perm);
	free(cmd);
	free(setup);
	free(cleanup);
}

/* The engine's program must exist: a typo in a prefix is reported before a
 * suite spends minutes preparing. */
static int check_program(const cb_engine *e)
{
	char *copy = cb_strdup(e->prefix), *save = NULL;
	char *prog = strtok_r(copy, " \t", &save);
	int ok = 0;

	while (prog && strchr(prog, '=') && prog[0] != '=')
		prog = strtok_r(NULL, " \t", &save); /* VAR=value prefixes */
	if (!prog) {
		fprintf(stderr, "ck-bench run: engine \"%s\" has an empty prefix\n", e->name);
		free(copy);
		return -1;
	}
	if (strchr(prog, '/')) {
		ok = access(prog, X_OK) == 0;
	} else {
		const char *path = getenv("PATH");
		char *p = cb_strdup(path ? path : "/usr/bin:/bin"), *s2 = NULL;
		for (char *d = strtok_r(p, ":", &s2); d && !ok; d = strtok_r(NULL, ":", &s2)) {
			char *full = cb_printf("%s/%s", *d ? d : ".", prog);
			ok = access(full, X_OK) == 0;
			free(full);
		}
		free(p);
		/* Shell built-ins and keywords are programs too, as far as sh -c goes. */
		ok = ok || !strcmp(prog, "exec") || !strcmp(prog, "command") || !strcmp(prog, "env");
	}
	if (!ok)
		fprintf(stderr, "ck-bench run: engine \"%s\": program \"%s\" not found or not executable\n", e->name,
		        prog);
	free(copy);
	return ok ? 0 : -1;
}

static int setup_engines(ctx *c)
{
	cb_run *r = c->r;
	cb_opts *o = r->o;
	cb_suite *s = r->suite;
	size_t n = o->nengines ? o->nengines : s->nengines;

	if (!n) {
		fprintf(stderr, "ck-bench run: no engines: give --engine NAME=PREFIX%s\n",
		        s->path ? " (the suite defines none)" : "");
		return -1;
	}
	r->engines = calloc(n, sizeof(cb_engine));
	for (size_t i = 0; i < n; i++) {
		cb_engine *e = &r->engines[i];
		const char *name = o->nengines ? o->engines[i].key : s->engines[i].key;
		const char *prefix = o->nengines ? o->engines[i].val : s->engines[i].val;
		if (!prefix) {
			for (size_t j = 0; j < s->nengines && !prefix; j++)
				if (!strcmp(s->engines[j].key, name))
					prefix = s->engines[j].val;
			if (!prefix) {
				fprintf(stderr, "ck-bench run: unknown engine \"%s\": ", name);
				if (!s->nengines)
					fprintf(stderr, "give it as --engine %s=PREFIX\n", name);
				else {
					fprintf(stderr, "the suite defines");
					for (size_t j = 0; j < s->nengines; j++)
						fprintf(stderr, "%s %s", j ? "," : "", s->engines[j].key);
					fprintf(stderr, "; or give --engine %s=PREFIX\n", name);
				}
				r->nengines = i;
				return -1;
			}
		}
		e->name = cb_strdup(name);
		e->scratch = cb_printf("%s/%s", r->workdir, name);
		r->nengines = i + 1;
		if (mkdir(e->scratch, 0700) != 0 && errno != EEXIST) {
			fprintf(stderr, "ck-bench run: cannot make %s: %m\n", e->scratch);
			return -1;
		}
		cb_engine tmp = { .name = e->name, .prefix = "", .scratch = e->scratch };
		if (!(e->prefix = expand(c, &tmp, 0, NULL, prefix, 0)) || check_program(e) != 0)
			return -1;
	}
	return 0;
}

static void engine_records(ctx *c)
{
	cb_run *r = c->r;
	for (size_t i = 0; i < r->nengines; i++) {
		cb_engine *e = &r->engines[i];
		const char *vt = r->suite->version_cmd ? r->suite->version_cmd : "{engine} version";
		char *cmd = expand(c, e, 0, NULL, vt, 1);
		e->version = cmd ? cb_proc_capture(cmd, 400, 30) : NULL;
		if (!e->version || !*e->version) {
			free(e->version);
			e->version = cb_strdup("unknown (the version command failed)");
		}
		free(cmd);
		if (r->suite->driver_cmd && (cmd = expand(c, e, 0, NULL, r->suite->driver_cmd, 1))) {
			e->driver = cb_proc_capture(cmd, 200, 30);
			free(cmd);
		}
		if (!e->driver || !*e->driver) {
			free(e->driver);
			e->driver = cb_strdup("unknown");
		}
	}
}

static char *self_exe(void)
{
	char buf[4096];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
	if (n <= 0)
		return cb_strdup("ck-bench");
	buf[n] = '\0';
	return cb_strdup(buf);
}

static int make_globals(ctx *c)
{
	cb_run *r = c->r;
	cb_suite *s = r->suite;
	char *self = self_exe();

	set_var(&c->globals, &c->nglobals, "image", "localhost/busybox:latest");
	for (size_t i = 0; i < s->nparams; i++)
		set_var(&c->globals, &c->nglobals, s->params[i].key, s->params[i].val);
	for (size_t i = 0; i < r->o->nsets; i++) {
		bool known = !strcmp(r->o->sets[i].key, "image");
		for (size_t j = 0; j < s->nparams; j++)
			known = known || !strcmp(s->params[j].key, r->o->sets[i].key);
		if (!known && s->path) {
			fprintf(stderr, "ck-bench run: --set %s: the suite has no parameter \"%s\"", r->o->sets[i].key,
			        r->o->sets[i].key);
			for (size_t j = 0; j < s->nparams; j++)
				fprintf(stderr, "%s%s", j ? ", " : " (it has: ", s->params[j].key);
			fprintf(stderr, "%s\n", s->nparams ? ")" : "");
			free(self);
			return -1;
		}
		set_var(&c->globals, &c->nglobals, r->o->sets[i].key, r->o->sets[i].val);
	}
	set_var(&c->globals, &c->nglobals, "work", r->workdir);
	set_var(&c->globals, &c->nglobals, "suite_dir", s->dir);
	set_var(&c->globals, &c->nglobals, "ck_bench", self);
	free(self);
	return 0;
}

static int make_workdir(cb_run *r)
{
	if (r->o->workdir) {
		if (mkdir(r->o->workdir, 0700) != 0 && errno != EEXIST) {
			fprintf(stderr, "ck-bench run: cannot make --workdir %s: %m\n", r->o->workdir);
			return -1;
		}
		r->workdir = realpath(r->o->workdir, NULL);
		return r->workdir ? 0 : -1;
	}
	const char *tmp = getenv("TMPDIR");
	char *t = cb_printf("%s/ck-bench.XXXXXX", tmp && *tmp ? tmp : "/var/tmp");
	if (!mkdtemp(t)) {
		fprintf(stderr, "ck-bench run: cannot make a work directory %s: %m\n", t);
		free(t);
		return -1;
	}
	r->workdir = t;
	return 0;
}

/* Runs everything; returns the exit code. */
static int run_all(ctx *c)
{
	cb_run *r = c->r;
	cb_suite *s = r->suite;
	cb_opts *o = r->o;
	size_t ne = r->nengines;
	long deflt = 0, *sizes = o->nsizes ? o->sizes : s->nsizes ? s->sizes : &deflt;
	size_t nsizes = o->nsizes ? o->nsizes : s->nsizes ? s->nsizes : 1;
	bool labelled = o->nsizes || s->nsizes;
	bool *ok = calloc(ne, sizeof(bool));
	char **err = calloc(ne, sizeof(char *));

	for (size_t z = 0; z < nsizes; z++)
		for (size_t i = 0; i < s->ncases; i++)
			c->row_total += z == 0 || s->cases[i].scaled;
	r->rows = calloc(c->row_total, sizeof(cb_row));
	for (size_t i = 0; i < ne; i++) {
		cb_engine *e = &r->engines[i];
		cb_result dummy = { 0 };
		char *cmd = s->prepare ? expand(c, e, sizes[0], NULL, s->prepare, 1) : NULL;
		progress(c, "preparing %s", e->name);
		ok[i] = step(c, e, &dummy, CB_FAILED_PREPARE, "suite prepare", cmd, o->prepare_timeout_s) == 0;
		err[i] = dummy.error ? dummy.error : NULL;
		free(cmd);
	}
	for (size_t z = 0; z < nsizes; z++) {
		bool *ok_here = calloc(ne, sizeof(bool));
		char **err_here = calloc(ne, sizeof(char *));
		for (size_t i = 0; i < ne; i++) {
			ok_here[i] = ok[i];
			err_here[i] = ok[i] ? NULL : cb_strdup(err[i]);
			if (ok[i] && s->populate) {
				cb_engine *e = &r->engines[i];
				cb_result dummy = { 0 };
				char *cmd = expand(c, e, sizes[z], NULL, s->populate, 1);
				progress(c, "populating %s to %ld containers", e->name, sizes[z]);
				ok_here[i] = step(c, e, &dummy, CB_FAILED_PREPARE, "populate", cmd, o->prepare_timeout_s) == 0;
				err_here[i] = dummy.error;
				free(cmd);
			}
		}
		for (size_t k = 0; k < s->ncases; k++) {
			if (z > 0 && !s->cases[k].scaled)
				continue;
			cb_row *row = &r->rows[r->nrows];
			row->c = &s->cases[k];
			row->size = sizes[z];
			row->label = labelled ? cb_printf("%s @%ld", row->c->name, sizes[z]) : cb_strdup(row->c->name);
			row->res = calloc(ne, sizeof(cb_result));
			row->cmp = calloc(ne, sizeof(cb_cmp));
			row->base = calloc(ne, sizeof(cb_cmp));
			run_row(c, row, r->nrows, ok_here, err_here);
			r->nrows++;
		}
		for (size_t i = 0; i < ne; i++)
			free(err_here[i]);
		free(ok_here);
		free(err_here);
	}
	for (size_t i = 0; i < ne; i++) {
		cb_engine *e = &r->engines[i];
		char *cmd = s->finish && ok[i] ? expand(c, e, 0, NULL, s->finish, 1) : NULL;
		progress(c, "finishing %s", e->name);
		step(c, e, NULL, CB_FAILED_CLEANUP, "suite finish", cmd, o->prepare_timeout_s);
		free(cmd);
		free(err[i]);
	}
	progress(c, "%s", "");
	free(ok);
	free(err);
	return 0;
}

static void free_run(cb_run *r)
{
	for (size_t i = 0; i < r->nrows; i++) {
		cb_row *row = &r->rows[i];
		for (size_t j = 0; j < r->nengines; j++) {
			free(row->res[j].s);
			free(row->res[j].error);
		}
		free(row->res);
		free(row->cmp);
		free(row->base);
		free(row->label);
		free(row->order);
	}
	free(r->rows);
	for (size_t i = 0; i < r->nengines; i++) {
		free(r->engines[i].name);
		free(r->engines[i].prefix);
		free(r->engines[i].scratch);
		free(r->engines[i].version);
		free(r->engines[i].driver);
	}
	free(r->engines);
	for (size_t i = 0; i < r->nwarnings; i++)
		free(r->warnings[i]);
	free(r->warnings);
	cb_host_free(&r->host);
	free(r->workdir);
	free(r->baseline_name);
}

int cb_run_main(int argc, char **argv)
{
	cb_opts o;
	cb_suite s;
	cb_run r = { 0 };
	ctx c = { 0 };
	int rc = cb_args_parse(&o, argc, argv);

	if (rc) {
		cb_args_free(&o);
		return rc;
	}
	if ((o.suite ? cb_suite_load(&s, o.suite) : cb_suite_adhoc(&s, &o)) != 0) {
		cb_args_free(&o);
		return CB_EXIT_USAGE;
	}
	r.o = &o;
	r.suite = &s;
	c.r = &r;
	c.tty = isatty(2);
	r.seed = o.seed_given ? o.seed : ((uint64_t)time(NULL) * 1000003u ^ (uint64_t)getpid()) % 1000000000u;
	rc = CB_EXIT_USAGE;
	if (make_workdir(&r) != 0 || make_globals(&c) != 0 || setup_engines(&c) != 0 || check_templates(&c) != 0)
		goto out;
	if (o.compare) {
		/* A missing baseline is bad input: say so before the long part. */
		char *dir = cb_baseline_dir(&o), *p = cb_printf("%s/%s.json", dir, o.compare);
		int missing = access(p, R_OK) != 0;
		if (missing)
			fprintf(stderr, "ck-bench run: no baseline \"%s\" (%s: %m)\n", o.compare, p);
		free(dir);
		free(p);
		if (missing)
			goto out;
	}
	c.errfile = cb_printf("%s/stderr.txt", r.workdir);
	/* The runtime of the host record: --runtime, else the suite's own. */
	const char *runtime = o.runtime;
	for (size_t i = 0; !runtime && i < c.nglobals; i++)
		if (!strcmp(c.globals[i].key, "runtime"))
			runtime = c.globals[i].val;
	cb_host_collect(&r.host, r.workdir, runtime);
	engine_records(&c);
	if (!o.quiet)
		fprintf(stderr, "ck-bench: seed %llu (replay the order with --seed %llu), %d runs per engine after %d "
		                "discarded, work directory %s\n",
		        (unsigned long long)r.seed, (unsigned long long)r.seed, o.runs, 1 + o.warmup, r.workdir);
	run_all(&c);
	cb_host_load(r.host.load_after);
	rc = CB_EXIT_OK;
	if (o.compare && cb_baseline_compare(&r, o.compare) != 0)
		rc = CB_EXIT_USAGE;
	cb_out_table(stdout, &r);
	fflush(stdout);
	if (o.json && cb_write_file(o.json, cb_out_json, &r) != 0)
		rc = CB_EXIT_USAGE;
	if (o.markdown && cb_write_file(o.markdown, cb_out_markdown, &r) != 0)
		rc = CB_EXIT_USAGE;
	if (o.svg && cb_write_file(o.svg, cb_out_svg, &r) != 0)
		rc = CB_EXIT_USAGE;
	if (o.save && cb_baseline_save(&r, o.save) != 0)
		rc = CB_EXIT_USAGE;
	if (rc == CB_EXIT_OK && r.any_regression)
		rc = CB_EXIT_REGRESSION;
	else if (rc == CB_EXIT_OK && r.any_failed)
		rc = CB_EXIT_FAILED;
out:
	if (c.errfile)
		unlink(c.errfile);
	free(c.errfile);
	if (r.workdir && !o.workdir) {
		/* Engines may leave read-only layers or mounts behind; what cannot be
		 * removed is named, not hidden. */
		if (bench_rm_rf(r.workdir) != 0 && !o.quiet)
			fprintf(stderr, "ck-bench: could not remove all of %s\n", r.workdir);
	}
	free_vars(c.globals, c.nglobals);
	free_run(&r);
	cb_suite_free(&s);
	cb_args_free(&o);
	return rc;
}

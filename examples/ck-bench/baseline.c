/* ck-bench run: baselines.  A baseline is the JSON of an earlier run, kept
 * under a name; a comparison reads its samples back (yajl's tree parser)
 * and applies the same bootstrap to the ratio now / then. */
#define _GNU_SOURCE
#include "run.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <yajl/yajl_tree.h>

char *cb_baseline_dir(const cb_opts *o)
{
	const char *e;
	if (o->baseline_dir)
		return cb_strdup(o->baseline_dir);
	if ((e = getenv("CK_BENCH_BASELINES")) && *e)
		return cb_strdup(e);
	if ((e = getenv("XDG_DATA_HOME")) && *e)
		return cb_printf("%s/ck-bench", e);
	return cb_printf("%s/.local/share/ck-bench", getenv("HOME") ? getenv("HOME") : "/root");
}

static int mkdir_p(const char *dir)
{
	char *p = cb_strdup(dir);
	int rc = 0;
	for (char *s = p + 1; *s && rc == 0; s++)
		if (*s == '/') {
			*s = '\0';
			if (mkdir(p, 0755) != 0 && errno != EEXIST)
				rc = -1;
			*s = '/';
		}
	if (rc == 0 && mkdir(p, 0755) != 0 && errno != EEXIST)
		rc = -1;
	free(p);
	return rc;
}

int cb_baseline_save(const cb_run *r, const char *name)
{
	char *dir = cb_baseline_dir(r->o), *path = cb_printf("%s/%s.json", dir, name);
	int rc = -1;
	if (mkdir_p(dir) != 0)
		fprintf(stderr, "ck-bench run: cannot make the baseline directory %s: %m\n", dir);
	else if ((rc = cb_write_file(path, cb_out_json, r)) == 0 && !r->o->quiet)
		fprintf(stderr, "ck-bench: saved baseline \"%s\" (%s)\n", name, path);
	free(dir);
	free(path);
	return rc;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t len = 0, cap = 0, n;
	if (!f)
		return NULL;
	do {
		buf = cb_grow(buf, &cap, len + 65536, 1);
		n = fread(buf + len, 1, 65536, f);
		len += n;
	} while (n > 0);
	buf[len] = '\0';
	fclose(f);
	return buf;
}

static yajl_val get(yajl_val obj, const char *key)
{
	if (!YAJL_IS_OBJECT(obj))
		return NULL;
	for (size_t i = 0; i < obj->u.object.len; i++)
		if (!strcmp(obj->u.object.keys[i], key))
			return obj->u.object.values[i];
	return NULL;
}

static const char *get_str(yajl_val obj, const char *key)
{
	yajl_val v = get(obj, key);
	return YAJL_IS_STRING(v) ? YAJL_GET_STRING(v) : NULL;
}

static double get_num(yajl_val obj, const char *key)
{
	yajl_val v = get(obj, key);
	return YAJL_IS_NUMBER(v) ? YAJL_GET_DOUBLE(v) : 0;
}

static void warn(cb_run *r, char *msg)
{
	size_t cap = r->nwarnings;
	r->warnings = cb_grow(r->warnings, &cap, r->nwarnings, sizeof(char *));
	r->warnings[r->nwarnings++] = msg;
}

/* Host fields that change nothing about the speed (name, date) are left out. */
static void compare_hosts(cb_run *r, yajl_val base)
{
	yajl_val host = get(base, "host"), engines = get(base, "engines");
	for (int i = 0; i < CB_HOST_FIELDS; i++) {
		const char *k = cb_host_keys[i], *then = get_str(host, k);
		if (!strcmp(k, "hostname") || !strcmp(k, "date"))
			continue;
		if (!then || strcmp(then, r->host.field[i]))
			warn(r, cb_printf("host %s differs: baseline \"%s\", now \"%s\"", k, then ? then : "(none)",
			                  r->host.field[i]));
	}
	for (size_t i = 0; i < r->nengines; i++) {
		const cb_engine *e = &r->engines[i];
		for (size_t j = 0; YAJL_IS_ARRAY(engines) && j < engines->u.array.len; j++) {
			yajl_val be = engines->u.array.values[j];
			const char *n = get_str(be, "name"), *v = get_str(be, "version"), *d = get_str(be, "driver");
			if (!n || strcmp(n, e->name))
				continue;
			if (!v || strcmp(v, e->version))
				warn(r, cb_printf("engine %s: version differs from the baseline", e->name));
			if (!d || strcmp(d, e->driver))
				warn(r, cb_printf("engine %s: storage driver differs: baseline \"%s\", now \"%s\"", e->name,
				                  d ? d : "(none)", e->driver));
		}
	}
}

static cb_sample *samples_of(yajl_val res, size_t *n)
{
	yajl_val arr = get(res, "samples");
	*n = 0;
	if (!YAJL_IS_ARRAY(arr) || !arr->u.array.len)
		return NULL;
	cb_sample *s = calloc(arr->u.array.len, sizeof(cb_sample));
	if (!s)
		return NULL;
	for (size_t i = 0; i < arr->u.array.len; i++) {
		yajl_val v = arr->u.array.values[i];
		s[*n].wall_ms = get_num(v, "wall_ms");
		s[*n].user_ms = get_num(v, "user_ms");
		s[*n].sys_ms = get_num(v, "sys_ms");
		s[*n].maxrss_kb = (long)get_num(v, "max_rss_kb");
		if (s[*n].wall_ms > 0)
			(*n)++;
	}
	return s;
}

int cb_baseline_compare(cb_run *r, const char *name)
{
	char *dir = cb_baseline_dir(r->o), *path = cb_printf("%s/%s.json", dir, name), *text = slurp(path);
	char err[256] = "";
	yajl_val doc = text ? yajl_tree_parse(text, err, sizeof(err)) : NULL;
	size_t matched = 0;
	int rc = -1;

	if (!text)
		fprintf(stderr, "ck-bench run: cannot read baseline %s: %m\n", path);
	else if (!doc || !YAJL_IS_ARRAY(get(doc, "cases")))
		fprintf(stderr, "ck-bench run: baseline %s is not a ck-bench result: %s\n", path,
		        *err ? err : "no \"cases\" list");
	if (!doc || !YAJL_IS_ARRAY(get(doc, "cases")))
		goto out;
	r->baseline_name = cb_strdup(name);
	compare_hosts(r, doc);
	yajl_val cases = get(doc, "cases");
	for (size_t i = 0; i < r->nrows; i++) {
		cb_row *row = &r->rows[i];
		for (size_t j = 0; j < cases->u.array.len; j++) {
			yajl_val bc = cases->u.array.values[j], results = get(bc, "results");
			const char *label = get_str(bc, "name");
			if (!label || strcmp(label, row->label) || !YAJL_IS_ARRAY(results))
				continue;
			for (size_t e = 0; e < r->nengines; e++) {
				for (size_t k = 0; k < results->u.array.len; k++) {
					yajl_val br = results->u.array.values[k];
					const char *en = get_str(br, "engine");
					size_t nb;
					if (!en || strcmp(en, r->engines[e].name) || row->res[e].status != CB_OK)
						continue;
					cb_sample *bs = samples_of(br, &nb);
					cb_cmp *c = &row->base[e];
					if (cb_stats_ratio(c, row->res[e].s, row->res[e].n, bs, nb, r->o->confidence,
					                   r->seed + i * 104729 + e)) {
						matched++;
						/* Significant, and beyond the threshold even at the
						 * favourable end of the interval. */
						c->regression = c->lo > 1 + r->o->threshold_pct / 100;
						r->any_regression |= c->regression;
					}
					free(bs);
				}
			}
		}
	}
	if (!matched)
		warn(r, cb_printf("baseline \"%s\" has no case and engine in common with this run", name));
	if (!r->o->quiet)
		for (size_t i = 0; i < r->nwarnings; i++)
			fprintf(stderr, "ck-bench: warning: %s\n", r->warnings[i]);
	rc = 0;
out:
	yajl_tree_free(doc);
	free(text);
	free(dir);
	free(path);
	return rc;
}

/* ck-bench run: the command line.  Every bad option is named, and nothing
 * is started before all of them are known to be good. */
#define _GNU_SOURCE
#include "run.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void cb_args_usage(FILE *out)
{
	fprintf(out,
	        "usage: ck-bench run [--suite FILE] [--engine NAME=PREFIX]... [--case NAME=COMMAND]...\n"
	        "                    [--runs N] [--warmup N] [--seed N] [--pause MS] [--timeout S]\n"
	        "                    [--prepare-timeout S] [--sizes N,N,...] [--set KEY=VALUE]...\n"
	        "                    [--json FILE] [--svg FILE] [--markdown FILE] [--quiet]\n"
	        "                    [--save NAME] [--compare NAME] [--threshold PCT] [--baseline-dir DIR]\n"
	        "                    [--workdir DIR] [--runtime NAME] [--confidence PCT]\n"
	        "  --engine NAME=PREFIX  an engine: the command prefix that {engine} stands for in\n"
	        "                        commands (repeat for more; replaces the suite's engines)\n"
	        "  --engine NAME         one of the suite's engines (repeat for more)\n"
	        "  --case NAME=COMMAND   an ad hoc case (a shell command using {engine}, {image}...)\n"
	        "  --suite FILE          a YAML suite (bench/*.yaml)\n"
	        "  --runs N              timed runs per engine and case (default 10)\n"
	        "  --warmup N            runs discarded per engine besides the first (default 0)\n"
	        "  --seed N              the seed of the run order (printed; replays an order)\n"
	        "  --pause MS            pause between runs (default 0)\n"
	        "  --timeout S           limit of one run, setup or cleanup (default 60)\n"
	        "  --prepare-timeout S   limit of a prepare or populate step (default 3600)\n"
	        "  --sizes N,N,...       replace the suite's sizes ({size}: existing containers)\n"
	        "  --set KEY=VALUE       set a suite parameter ({KEY} in commands)\n"
	        "  --save NAME           store the result as baseline NAME\n"
	        "  --compare NAME        compare with baseline NAME; exit 1 on a significant\n"
	        "                        regression beyond --threshold PCT (default 10)\n"
	        "  --confidence PCT      level of the bootstrap intervals (default 95)\n"
	        "exit: 0 all well, 1 regression, 2 bad input, 3 a case failed\n");
}

static int bad(const char *fmt, const char *arg)
{
	fprintf(stderr, "ck-bench run: ");
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	return CB_EXIT_USAGE;
}

static bool parse_long(long *out, const char *s, long min, long max)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		return false;
	*out = v;
	return true;
}

static bool parse_double(double *out, const char *s, double min, double max)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(v) || v < min || v > max)
		return false;
	*out = v;
	return true;
}

static bool valid_name(const char *s, size_t len)
{
	if (!len)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("._-@+", s[i]))
			return false;
	return true;
}

/* NAME=VALUE into a list; names given twice are an error, since the second
 * would silently win. */
static int add_kv(cb_kv **v, size_t *n, const char *opt, const char *arg, bool strict_name, bool bare_ok)
{
	const char *eq = strchr(arg, '=');
	if (!eq && bare_ok)
		eq = arg + strlen(arg);
	if (!eq || eq == arg || (*eq && !eq[1])) {
		fprintf(stderr, "ck-bench run: %s wants NAME=VALUE, got \"%s\"\n", opt, arg);
		return CB_EXIT_USAGE;
	}
	if (strict_name && !valid_name(arg, (size_t)(eq - arg))) {
		fprintf(stderr, "ck-bench run: %s: bad name \"%.*s\" (letters, digits and ._-@+ only)\n", opt,
		        (int)(eq - arg), arg);
		return CB_EXIT_USAGE;
	}
	for (size_t i = 0; i < *n; i++)
		if (strlen((*v)[i].key) == (size_t)(eq - arg) && !strncmp((*v)[i].key, arg, (size_t)(eq - arg))) {
			fprintf(stderr, "ck-bench run: %s: \"%.*s\" is given twice\n", opt, (int)(eq - arg), arg);
			return CB_EXIT_USAGE;
		}
	cb_kv *nv = realloc(*v, (*n + 1) * sizeof(**v));
	if (!nv)
		return bad("%s", "out of memory");
	*v = nv;
	nv[*n].key = strndup(arg, (size_t)(eq - arg));
	nv[*n].val = *eq ? cb_strdup(eq + 1) : NULL;
	nv[*n].line = 0;
	(*n)++;
	return 0;
}

static int parse_sizes(cb_opts *o, const char *arg)
{
	char *copy = cb_strdup(arg), *save = NULL;
	free(o->sizes);
	o->sizes = NULL;
	o->nsizes = 0;
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		long v;
		if (!parse_long(&v, t, 0, 100000000)) {
			free(copy);
			return bad("--sizes: \"%s\" is not a list of counts (e.g. 0,1000)", arg);
		}
		long *ns = realloc(o->sizes, (o->nsizes + 1) * sizeof(long));
		if (!ns) {
			free(copy);
			return bad("%s", "out of memory");
		}
		o->sizes = ns;
		o->sizes[o->nsizes++] = v;
	}
	free(copy);
	if (!o->nsizes)
		return bad("--sizes: \"%s\" names no size", arg);
	return 0;
}

int cb_args_parse(cb_opts *o, int argc, char **argv)
{
	enum { O_SUITE = 256, O_ENGINE, O_CASE, O_RUNS, O_WARMUP, O_SEED, O_PAUSE, O_TIMEOUT, O_PTIMEOUT, O_SIZES,
	       O_SET, O_JSON, O_SVG, O_MD, O_SAVE, O_COMPARE, O_THRESHOLD, O_BDIR, O_WORKDIR, O_RUNTIME, O_CONF,
	       O_QUIET, O_HELP };
	static const struct option lo[] = {
		{ "suite", required_argument, NULL, O_SUITE },
		{ "engine", required_argument, NULL, O_ENGINE },
		{ "case", required_argument, NULL, O_CASE },
		{ "runs", required_argument, NULL, O_RUNS },
		{ "warmup", required_argument, NULL, O_WARMUP },
		{ "seed", required_argument, NULL, O_SEED },
		{ "pause", required_argument, NULL, O_PAUSE },
		{ "timeout", required_argument, NULL, O_TIMEOUT },
		{ "prepare-timeout", required_argument, NULL, O_PTIMEOUT },
		{ "sizes", required_argument, NULL, O_SIZES },
		{ "set", required_argument, NULL, O_SET },
		{ "json", required_argument, NULL, O_JSON },
		{ "svg", required_argument, NULL, O_SVG },
		{ "markdown", required_argument, NULL, O_MD },
		{ "save", required_argument, NULL, O_SAVE },
		{ "compare", required_argument, NULL, O_COMPARE },
		{ "threshold", required_argument, NULL, O_THRESHOLD },
		{ "baseline-dir", required_argument, NULL, O_BDIR },
		{ "workdir", required_argument, NULL, O_WORKDIR },
		{ "runtime", required_argument, NULL, O_RUNTIME },
		{ "confidence", required_argument, NULL, O_CONF },
		{ "quiet", no_argument, NULL, O_QUIET },
		{ "help", no_argument, NULL, O_HELP },
		{ NULL, 0, NULL, 0 },
	};
	long v;
	int c, rc;

	memset(o, 0, sizeof(*o));
	o->runs = 10;
	o->timeout_s = 60;
	o->prepare_timeout_s = 3600;
	o->threshold_pct = 10;
	o->confidence = 95;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+:", lo, NULL)) != -1) {
		const char *a = optarg;
		switch (c) {
		case O_SUITE: o->suite = a; break;
		case O_ENGINE:
			if ((rc = add_kv(&o->engines, &o->nengines, "--engine", a, true, true)))
				return rc;
			break;
		case O_CASE:
			if ((rc = add_kv(&o->cases, &o->ncases, "--case", a, false, false)))
				return rc;
			break;
		case O_SET:
			if ((rc = add_kv(&o->sets, &o->nsets, "--set", a, true, false)))
				return rc;
			break;
		case O_RUNS:
			if (!parse_long(&v, a, 2, 100000))
				return bad("--runs: \"%s\" is not a count of at least 2", a);
			o->runs = (int)v;
			break;
		case O_WARMUP:
			if (!parse_long(&v, a, 0, 100000))
				return bad("--warmup: \"%s\" is not a count", a);
			o->warmup = (int)v;
			break;
		case O_SEED: {
			char *end;
			errno = 0;
			unsigned long long s = strtoull(a, &end, 10);
			if (errno || end == a || *end || *a == '-')
				return bad("--seed: \"%s\" is not a non-negative integer", a);
			o->seed = s;
			o->seed_given = true;
			break;
		}
		case O_PAUSE:
			if (!parse_double(&o->pause_ms, a, 0, 3600e3))
				return bad("--pause: \"%s\" is not a number of milliseconds", a);
			break;
		case O_TIMEOUT:
			if (!parse_double(&o->timeout_s, a, 0.001, 1e6))
				return bad("--timeout: \"%s\" is not a positive number of seconds", a);
			break;
		case O_PTIMEOUT:
			if (!parse_double(&o->prepare_timeout_s, a, 0.001, 1e6))
				return bad("--prepare-timeout: \"%s\" is not a positive number of seconds", a);
			break;
		case O_SIZES:
			if ((rc = parse_sizes(o, a)))
				return rc;
			break;
		case O_THRESHOLD:
			if (!parse_double(&o->threshold_pct, a, 0, 10000))
				return bad("--threshold: \"%s\" is not a percentage", a);
			break;
		case O_CONF:
			if (!parse_double(&o->confidence, a, 50, 99.9))
				return bad("--confidence: \"%s\" is not a percentage between 50 and 99.9", a);
			break;
		case O_JSON: o->json = a; break;
		case O_SVG: o->svg = a; break;
		case O_MD: o->markdown = a; break;
		case O_SAVE:
		case O_COMPARE:
			if (!valid_name(a, strlen(a)) || a[0] == '.')
				return bad(c == O_SAVE ? "--save: bad baseline name \"%s\" (letters, digits and ._-@+)"
				                       : "--compare: bad baseline name \"%s\" (letters, digits and ._-@+)",
				           a);
			*(c == O_SAVE ? &o->save : &o->compare) = a;
			break;
		case O_BDIR: o->baseline_dir = a; break;
		case O_WORKDIR: o->workdir = a; break;
		case O_RUNTIME: o->runtime = a; break;
		case O_QUIET: o->quiet = true; break;
		case O_HELP: cb_args_usage(stdout); exit(0);
		case ':': return bad("option %s needs a value", argv[optind - 1]);
		default: return bad("unknown option \"%s\" (ck-bench run --help)", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return bad("unexpected argument \"%s\"", argv[optind]);
	if (!o->suite && !o->ncases)
		return bad("%s", "nothing to run: give --suite FILE or at least one --case NAME=COMMAND");
	if (o->suite && o->ncases)
		return bad("%s", "--suite and --case do not go together");
	return 0;
}

static void free_kv(cb_kv *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].key);
		free(v[i].val);
	}
	free(v);
}

void cb_args_free(cb_opts *o)
{
	free_kv(o->engines, o->nengines);
	free_kv(o->cases, o->ncases);
	free_kv(o->sets, o->nsets);
	free(o->sizes);
}

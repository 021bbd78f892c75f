/* ck-bench run: suite files (YAML, read with libyaml's document loader) and
 * the ad hoc suite of --case options.  Every problem is reported as
 * FILE:LINE: what, so that a suite can be fixed without guessing. */
#define _GNU_SOURCE
#include "run.h"

#include <errno.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

typedef struct loader {
	const char *path;
	yaml_document_t *doc;
	int failed;
} loader;

static void problem(loader *l, const yaml_node_t *n, const char *fmt, const char *a, const char *b)
{
	fprintf(stderr, "%s:%lu: ", l->path, n ? (unsigned long)n->start_mark.line + 1 : 1UL);
	fprintf(stderr, fmt, a, b);
	fputc('\n', stderr);
	l->failed = 1;
}

static const char *scalar(loader *l, yaml_node_t *n, const char *what)
{
	if (!n || n->type != YAML_SCALAR_NODE) {
		problem(l, n, "%s must be a string%s", what, "");
		return NULL;
	}
	return (const char *)n->data.scalar.value;
}

static char *dup_scalar(loader *l, yaml_node_t *n, const char *what)
{
	const char *s = scalar(l, n, what);
	return s ? cb_strdup(s) : NULL;
}

static bool parse_bool(loader *l, yaml_node_t *n, const char *what)
{
	const char *s = scalar(l, n, what);
	if (!s)
		return false;
	if (!strcmp(s, "true") || !strcmp(s, "yes"))
		return true;
	if (!strcmp(s, "false") || !strcmp(s, "no"))
		return false;
	problem(l, n, "%s must be true or false, not \"%s\"", what, s);
	return false;
}

static long parse_count(loader *l, yaml_node_t *n, const char *what)
{
	const char *s = scalar(l, n, what);
	char *end;
	if (!s)
		return 0;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 0) {
		problem(l, n, "%s must be a non-negative integer, not \"%s\"", what, s);
		return 0;
	}
	return v;
}

static double parse_seconds(loader *l, yaml_node_t *n, const char *what)
{
	const char *s = scalar(l, n, what);
	char *end;
	if (!s)
		return 0;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || *end || !(v > 0)) {
		problem(l, n, "%s must be a positive number of seconds, not \"%s\"", what, s);
		return 0;
	}
	return v;
}

/* A mapping of names to strings: params and engines. */
static void parse_map(loader *l, yaml_node_t *n, const char *what, cb_kv **out, size_t *count)
{
	if (n->type != YAML_MAPPING_NODE) {
		problem(l, n, "%s must be a mapping of names to strings%s", what, "");
		return;
	}
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(l->doc, p->key), *v = yaml_document_get_node(l->doc, p->value);
		const char *ks = scalar(l, k, "a name"), *vs = scalar(l, v, what);
		if (!ks || !vs)
			continue;
		cb_kv *nv = realloc(*out, (*count + 1) * sizeof(**out));
		if (!nv)
			return problem(l, n, "%s%s: out of memory", what, "");
		*out = nv;
		nv[*count] = (cb_kv){ cb_strdup(ks), cb_strdup(vs), (int)k->start_mark.line + 1 };
		(*count)++;
	}
}

static void parse_case(loader *l, yaml_node_t *n, cb_case *c)
{
	c->line = (int)n->start_mark.line + 1;
	c->scaled = true;
	if (n->type != YAML_MAPPING_NODE)
		return problem(l, n, "a case must be a mapping (name:, command:, ...)%s%s", "", "");
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(l->doc, p->key), *v = yaml_document_get_node(l->doc, p->value);
		const char *key = scalar(l, k, "a key");
		char **slot = NULL;
		if (!key)
			continue;
		if (!strcmp(key, "name"))
			slot = &c->name;
		else if (!strcmp(key, "command"))
			slot = &c->command;
		else if (!strcmp(key, "prepare"))
			slot = &c->prepare;
		else if (!strcmp(key, "setup"))
			slot = &c->setup;
		else if (!strcmp(key, "cleanup"))
			slot = &c->cleanup;
		else if (!strcmp(key, "finish"))
			slot = &c->finish;
		else if (!strcmp(key, "timeout"))
			c->timeout = parse_seconds(l, v, "timeout");
		else if (!strcmp(key, "scaled"))
			c->scaled = parse_bool(l, v, "scaled");
		else
			problem(l, k, "unknown key \"%s\" in a case (name, command, prepare, setup, cleanup, finish, "
			              "timeout, scaled)%s",
			        key, "");
		if (slot) {
			free(*slot);
			*slot = dup_scalar(l, v, key);
		}
	}
	if (!c->name)
		problem(l, n, "a case has no name%s%s", "", "");
	else if (!c->command)
		problem(l, n, "case \"%s\" has no command%s", c->name, "");
}

static void parse_top(loader *l, cb_suite *s, yaml_node_t *root)
{
	if (!root || root->type != YAML_MAPPING_NODE)
		return problem(l, root, "a suite is a mapping with at least cases:%s%s", "", "");
	for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(l->doc, p->key), *v = yaml_document_get_node(l->doc, p->value);
		const char *key = scalar(l, k, "a key");
		char **slot = NULL;
		if (!key)
			continue;
		if (!strcmp(key, "name"))
			slot = &s->name;
		else if (!strcmp(key, "prepare"))
			slot = &s->prepare;
		else if (!strcmp(key, "populate"))
			slot = &s->populate;
		else if (!strcmp(key, "finish"))
			slot = &s->finish;
		else if (!strcmp(key, "version"))
			slot = &s->version_cmd;
		else if (!strcmp(key, "driver"))
			slot = &s->driver_cmd;
		else if (!strcmp(key, "params"))
			parse_map(l, v, "params", &s->params, &s->nparams);
		else if (!strcmp(key, "engines"))
			parse_map(l, v, "an engine's prefix", &s->engines, &s->nengines);
		else if (!strcmp(key, "sizes")) {
			if (v->type != YAML_SEQUENCE_NODE) {
				problem(l, v, "sizes must be a list of container counts, e.g. [0, 1000]%s%s", "", "");
				continue;
			}
			size_t n = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
			free(s->sizes);
			s->sizes = calloc(n ? n : 1, sizeof(long));
			s->nsizes = 0;
			for (yaml_node_item_t *i = v->data.sequence.items.start; i < v->data.sequence.items.top; i++)
				s->sizes[s->nsizes++] = parse_count(l, yaml_document_get_node(l->doc, *i), "a size");
		} else if (!strcmp(key, "cases")) {
			if (v->type != YAML_SEQUENCE_NODE) {
				problem(l, v, "cases must be a list%s%s", "", "");
				continue;
			}
			size_t n = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
			s->cases = calloc(n ? n : 1, sizeof(cb_case));
			for (yaml_node_item_t *i = v->data.sequence.items.start; i < v->data.sequence.items.top; i++)
				parse_case(l, yaml_document_get_node(l->doc, *i), &s->cases[s->ncases++]);
		} else
			problem(l, k,
			        "unknown key \"%s\" (name, params, engines, sizes, prepare, populate, finish, version, "
			        "driver, cases)%s",
			        key, "");
		if (slot) {
			free(*slot);
			*slot = dup_scalar(l, v, key);
		}
	}
	if (!s->ncases && !l->failed)
		problem(l, root, "the suite has no cases%s%s", "", "");
	for (size_t i = 0; i < s->ncases; i++)
		for (size_t j = 0; j < i; j++)
			if (s->cases[i].name && s->cases[j].name && !strcmp(s->cases[i].name, s->cases[j].name)) {
				fprintf(stderr, "%s:%d: case \"%s\" is already defined on line %d\n", l->path, s->cases[i].line,
				        s->cases[i].name, s->cases[j].line);
				l->failed = 1;
			}
}

int cb_suite_load(cb_suite *s, const char *path)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	loader l = { path, &doc, 0 };
	FILE *f = fopen(path, "rb");

	memset(s, 0, sizeof(*s));
	if (!f) {
		fprintf(stderr, "ck-bench run: cannot read suite %s: %m\n", path);
		return -1;
	}
	if (!yaml_parser_initialize(&parser)) {
		fclose(f);
		fprintf(stderr, "ck-bench run: out of memory\n");
		return -1;
	}
	yaml_parser_set_input_file(&parser, f);
	if (!yaml_parser_load(&parser, &doc)) {
		fprintf(stderr, "%s:%lu:%lu: %s", path, (unsigned long)parser.problem_mark.line + 1,
		        (unsigned long)parser.problem_mark.column + 1, parser.problem ? parser.problem : "syntax error");
		if (parser.context)
			fprintf(stderr, " (%s, line %lu)", parser.context, (unsigned long)parser.context_mark.line + 1);
		fputc('\n', stderr);
		yaml_parser_delete(&parser);
		fclose(f);
		return -1;
	}
	yaml_node_t *root = yaml_document_get_root_node(&doc);
	if (!root) {
		fprintf(stderr, "%s:1: the suite is empty\n", path);
		l.failed = 1;
	} else {
		parse_top(&l, s, root);
	}
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	fclose(f);
	s->path = cb_strdup(path);
	/* Absolute, so that {suite_dir} still names the suite's directory in
	 * a command that runs elsewhere (an engine's helper, a cd). */
	char *copy = cb_strdup(path), *dir = dirname(copy), *abs = realpath(dir, NULL);
	s->dir = abs ? abs : cb_strdup(dir);
	free(copy);
	if (!s->name) {
		copy = cb_strdup(path);
		char *b = basename(copy), *dot = strrchr(b, '.');
		if (dot && dot != b)
			*dot = '\0';
		s->name = cb_strdup(b);
		free(copy);
	}
	if (l.failed) {
		cb_suite_free(s);
		return -1;
	}
	return 0;
}

int cb_suite_adhoc(cb_suite *s, const cb_opts *o)
{
	memset(s, 0, sizeof(*s));
	s->name = cb_strdup("ad hoc");
	s->dir = cb_strdup(".");
	s->cases = calloc(o->ncases, sizeof(cb_case));
	if (!s->cases)
		return -1;
	for (size_t i = 0; i < o->ncases; i++) {
		s->cases[i].name = cb_strdup(o->cases[i].key);
		s->cases[i].command = cb_strdup(o->cases[i].val);
		s->cases[i].scaled = true;
	}
	s->ncases = o->ncases;
	return 0;
}

void cb_suite_free(cb_suite *s)
{
	for (size_t i = 0; i < s->ncases; i++) {
		cb_case *c = &s->cases[i];
		free(c->name);
		free(c->prepare);
		free(c->setup);
		free(c->command);
		free(c->cleanup);
		free(c->finish);
	}
	for (size_t i = 0; i < s->nparams; i++) {
		free(s->params[i].key);
		free(s->params[i].val);
	}
	for (size_t i = 0; i < s->nengines; i++) {
		free(s->engines[i].key);
		free(s->engines[i].val);
	}
	free(s->cases);
	free(s->params);
	free(s->engines);
	free(s->path);
	free(s->name);
	free(s->dir);
	free(s->prepare);
	free(s->populate);
	free(s->finish);
	free(s->version_cmd);
	free(s->driver_cmd);
	free(s->sizes);
	memset(s, 0, sizeof(*s));
}

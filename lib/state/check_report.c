/* The report of a consistency check: typed problems (kind, object, detail,
 * the next step, repairable, repaired) that the checks of every module add,
 * their accessors (containerkit/system.h), and their JSON rendering. */
#define _GNU_SOURCE
#include "state_int.h"

#include <stdlib.h>
#include <string.h>

struct ck_check_problem {
	char *kind, *object, *detail, *hint;
	bool repairable, repaired;
};

struct ck_check_report {
	char *backend;
	ck_check_problem *v;
	size_t n, cap, remaining;
};

int ck__check_report_init(ck__check_report *r, bool repair)
{
	memset(r, 0, sizeof(*r));
	r->repair = repair;
	if (!(r->out = calloc(1, sizeof(*r->out))))
		return ck__oom();
	return CK_OK;
}

/* The next step when the finder of a problem names none. */
static const char *default_hint(const ck__check_report *r, bool repairable, bool repaired)
{
	if (repaired)
		return "none: it was repaired";
	if (repairable && r->repair)
		return "see why the repair failed in the detail, deal with that cause, and run "
		       "'ck system check --repair' again";
	if (repairable)
		return "run 'ck system check --repair'";
	return "follow the detail";
}

void ck__check_add(ck__check_report *r, const char *kind, const char *object, const char *detail,
                   bool repairable, bool repaired)
{
	ck__check_add_hint(r, kind, object, detail, NULL, repairable, repaired);
}

void ck__check_add_hint(ck__check_report *r, const char *kind, const char *object, const char *detail,
                        const char *hint, bool repairable, bool repaired)
{
	ck_check_report *out = r->out;
	ck_check_problem *p;

	r->found++;
	if (!repaired)
		r->remaining++;
	if (!out || r->oom)
		return;
	if (out->n == out->cap) {
		size_t cap = out->cap ? out->cap * 2 : 16;
		ck_check_problem *v = realloc(out->v, cap * sizeof(*v));
		if (!v) {
			r->oom = true;
			return;
		}
		out->v = v;
		out->cap = cap;
	}
	p = &out->v[out->n];
	p->kind = ck__strdup(kind);
	p->object = ck__strdup(object ? object : "");
	p->detail = ck__strdup(detail ? detail : "");
	p->hint = ck__strdup(hint && !(repairable && repaired) ? hint : default_hint(r, repairable, repaired));
	p->repairable = repairable;
	p->repaired = repairable && repaired;
	if (!p->kind || !p->object || !p->detail || !p->hint) {
		free(p->kind);
		free(p->object);
		free(p->detail);
		free(p->hint);
		r->oom = true;
		return;
	}
	out->n++;
}

int ck__check_report_finish(ck_check_report **out, ck__check_report *r, const char *backend)
{
	ck_check_report *rep = r->out;

	*out = NULL;
	r->out = NULL;
	if (!rep || r->oom) {
		ck_system_check_report_free(rep);
		return ck__oom();
	}
	rep->remaining = r->remaining;
	if (!(rep->backend = ck__strdup(backend ? backend : ""))) {
		ck_system_check_report_free(rep);
		return ck__oom();
	}
	*out = rep;
	return CK_OK;
}

void ck__check_report_discard(ck__check_report *r)
{
	ck_system_check_report_free(r->out);
	r->out = NULL;
}

/* ---- the public accessors ---- */

void ck_system_check_report_free(ck_check_report *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++) {
		free(r->v[i].kind);
		free(r->v[i].object);
		free(r->v[i].detail);
		free(r->v[i].hint);
	}
	free(r->v);
	free(r->backend);
	free(r);
}

const char *ck_system_check_report_backend(const ck_check_report *r)
{
	return r ? r->backend : NULL;
}

size_t ck_system_check_report_count(const ck_check_report *r)
{
	return r ? r->n : 0;
}

size_t ck_system_check_report_remaining(const ck_check_report *r)
{
	return r ? r->remaining : 0;
}

const ck_check_problem *ck_system_check_report_byindex(const ck_check_report *r, size_t i)
{
	return r && i < r->n ? &r->v[i] : NULL;
}

const char *ck_system_check_problem_kind(const ck_check_problem *p)
{
	return p ? p->kind : NULL;
}

const char *ck_system_check_problem_object(const ck_check_problem *p)
{
	return p ? p->object : NULL;
}

const char *ck_system_check_problem_detail(const ck_check_problem *p)
{
	return p ? p->detail : NULL;
}

const char *ck_system_check_problem_hint(const ck_check_problem *p)
{
	return p ? p->hint : NULL;
}

int ck_system_check_problem_repairable(const ck_check_problem *p)
{
	return p && p->repairable;
}

int ck_system_check_problem_repaired(const ck_check_problem *p)
{
	return p && p->repaired;
}

int ck_system_check_report_json(char **out, const ck_check_report *r)
{
	yajl_gen g;

	CK_ENTER();
	if (!out)
		return ck__error_set(CK_EINVAL, "ck_system_check_report_json: out is NULL");
	*out = NULL;
	if (!r)
		return ck__error_set(CK_EINVAL, "ck_system_check_report_json: the report is NULL");
	if (!(g = ck__json_gen_new(false)))
		return ck__oom();
	yajl_gen_map_open(g);
	/* The name may come from a damaged marker: quoted by the generator. */
	ck__json_key_str(g, "backend", r->backend);
	ck__json_key_bool(g, "ok", r->remaining == 0);
	ck__json_key_int(g, "found", (long long)r->n);
	ck__json_key_int(g, "remaining", (long long)r->remaining);
	ck__json_key(g, "problems");
	yajl_gen_array_open(g);
	for (size_t i = 0; i < r->n; i++) {
		const ck_check_problem *p = &r->v[i];
		yajl_gen_map_open(g);
		ck__json_key_str(g, "kind", p->kind);
		ck__json_key_str(g, "object", p->object);
		ck__json_key_str(g, "detail", p->detail);
		ck__json_key_bool(g, "repairable", p->repairable);
		ck__json_key_bool(g, "repaired", p->repaired);
		/* Appended last: readers of the first members keep working. */
		ck__json_key_str(g, "hint", p->hint);
		yajl_gen_map_close(g);
	}
	yajl_gen_array_close(g);
	yajl_gen_map_close(g);
	return ck__json_gen_finish(out, g);
}

/* The names these functions had before 1.1 (deprecated.h). */
CK__ALIAS(ck_check_report_free, ck_system_check_report_free);
CK__ALIAS(ck_check_report_backend, ck_system_check_report_backend);
CK__ALIAS(ck_check_report_count, ck_system_check_report_count);
CK__ALIAS(ck_check_report_remaining, ck_system_check_report_remaining);
CK__ALIAS(ck_check_report_byindex, ck_system_check_report_byindex);
CK__ALIAS(ck_check_report_json, ck_system_check_report_json);
CK__ALIAS(ck_check_problem_kind, ck_system_check_problem_kind);
CK__ALIAS(ck_check_problem_object, ck_system_check_problem_object);
CK__ALIAS(ck_check_problem_detail, ck_system_check_problem_detail);
CK__ALIAS(ck_check_problem_hint, ck_system_check_problem_hint);
CK__ALIAS(ck_check_problem_repairable, ck_system_check_problem_repairable);
CK__ALIAS(ck_check_problem_repaired, ck_system_check_problem_repaired);

/* ck_autoupdate_run: finds the containers labelled io.containers.autoupdate,
 * checks each one's policy, and updates those whose image changed; the typed
 * report of what happened and its JSON rendering. */
#define _GNU_SOURCE
#include "autoupdate_int.h"
#include "container/container.h"
#include "systemd/systemctl.h"

#include <stdlib.h>
#include <string.h>

int ck_autoupdate_options_init(ck_autoupdate_options *opts, unsigned int version)
{
	static const ck_autoupdate_options init = CK_AUTOUPDATE_OPTIONS_INIT;

	CK_ENTER();
	if (!opts)
		return ck__error_set(CK_EINVAL, "ck_autoupdate_options_init: opts is NULL");
	if (version != CK_AUTOUPDATE_OPTIONS_VERSION)
		return ck__error_set(CK_EVERSION, "ck_autoupdate_options_init: unknown version %u (this library "
		                                  "knows %d)", version, CK_AUTOUPDATE_OPTIONS_VERSION);
	*opts = init;
	return CK_OK;
}

const char *ck_autoupdate_result_name(ck_autoupdate_result result)
{
	switch (result) {
	case CK_AUTOUPDATE_FALSE: return "false";
	case CK_AUTOUPDATE_PENDING: return "pending";
	case CK_AUTOUPDATE_UPDATED: return "true";
	case CK_AUTOUPDATE_ROLLED_BACK: return "rolled back";
	case CK_AUTOUPDATE_FAILED: return "failed";
	}
	return NULL;
}

static int parse_policy(const char *v)
{
	if (!strcmp(v, "registry") || !strcmp(v, "image"))
		return CK__AU_REGISTRY;
	if (!strcmp(v, "local"))
		return CK__AU_LOCAL;
	return 0;
}

/* Answers already found in this run: containers made from the same image
 * under the same name and policy get the same answer, so a registry is asked
 * once per image, not once per container. */
typedef struct seen {
	int policy;
	char *ref, *image_id;
	bool pending;
} seen;

typedef struct run {
	ck_context *ctx;
	const ck_autoupdate_options *o;
	seen *seen;
	size_t n_seen;
} run;

static int check_cached(bool *pending, run *r, ck_container *c, int policy)
{
	const char *ref = NULL, *img = ck_container_image_id(c);
	seen *s;
	int rc;

	if ((rc = ck__ctr_image_ref(&ref, c)) != CK_OK)
		return rc;
	for (size_t i = 0; i < r->n_seen; i++) {
		s = &r->seen[i];
		if (s->policy == policy && !strcmp(s->ref, ref) && !strcmp(s->image_id, img)) {
			*pending = s->pending;
			return CK_OK;
		}
	}
	if ((rc = ck__au_check(pending, NULL, r->ctx, c, policy, r->o)) != CK_OK)
		return rc;
	if (!(s = realloc(r->seen, (r->n_seen + 1) * sizeof(*s))))
		return CK_OK; /* only a lost shortcut */
	r->seen = s;
	s = &s[r->n_seen];
	s->policy = policy;
	s->pending = *pending;
	s->ref = strdup(ref);
	s->image_id = strdup(img);
	if (s->ref && s->image_id)
		r->n_seen++;
	else {
		free(s->ref);
		free(s->image_id);
	}
	return CK_OK;
}

static void item_free(ck__au_item *it)
{
	free(it->unit);
	free(it->id);
	free(it->name);
	free(it->image);
	free(it->policy);
	free(it->reason);
}

void ck_autoupdate_report_free(ck_autoupdate_report *report)
{
	if (!report)
		return;
	for (size_t i = 0; i < report->n; i++)
		item_free(&report->items[i]);
	free(report->items);
	free(report);
}

static int item_new(ck__au_item **out, ck_autoupdate_report *r, ck_container *c, const char *policy)
{
	ck__au_item *items = realloc(r->items, (r->n + 1) * sizeof(*items)), *it;
	const char *unit = ck_container_label(c, CK_AUTOUPDATE_UNIT_LABEL);

	if (!items)
		return ck__oom();
	r->items = items;
	it = &items[r->n];
	memset(it, 0, sizeof(*it));
	it->unit = strdup(unit ? unit : "");
	it->id = strdup(ck_container_id(c));
	it->name = strdup(ck_container_name(c));
	it->image = strdup(ck_container_image_name(c));
	it->policy = strdup(policy);
	it->reason = strdup("");
	r->n++;
	if (!it->unit || !it->id || !it->name || !it->image || !it->policy || !it->reason)
		return ck__oom();
	it->e = (ck_autoupdate_entry){ CK_AUTOUPDATE_ENTRY_VERSION, it->unit, it->id, it->name, it->image,
		                       it->policy, CK_AUTOUPDATE_FALSE, it->reason };
	*out = it;
	return CK_OK;
}

static void one(ck__au_item *it, run *r, ck_container *c)
{
	ck_context *ctx = r->ctx;
	const ck_autoupdate_options *o = r->o;
	int policy = parse_policy(it->policy);
	bool pending = false;

	if (!policy) {
		ck__error_set(CK_EINVAL, "unknown policy \"%s\" in label %s (use registry, image or local); nothing "
		                         "was changed", it->policy, CK_AUTOUPDATE_LABEL);
		it->e.result = CK_AUTOUPDATE_FAILED;
		ck__au_reason(it, "cannot update");
		return;
	}
	if (!strcmp(it->policy, "image")) { /* reported under its canonical name, as podman does */
		char *p = strdup("registry");
		if (p) {
			free(it->policy);
			it->policy = p;
			it->e.policy = p;
		}
	}
	if (check_cached(&pending, r, c, policy) != CK_OK) {
		it->e.result = CK_AUTOUPDATE_FAILED;
		ck__au_reason(it, "cannot check for an update");
		return;
	}
	if (!pending) {
		it->e.result = CK_AUTOUPDATE_FALSE;
		return;
	}
	if (o->dry_run) {
		it->e.result = CK_AUTOUPDATE_PENDING;
		return;
	}
	/* Under systemd the unit owns the container (a --new unit makes it
	 * afresh at every start): the unit is restarted, not the container
	 * re-created behind its back.  Without systemd, a unit's label is only
	 * a name, and the container is re-created in place. */
	if (*it->unit && ck__systemd_running()) {
		ck__au_restart_unit(it, ctx, c, policy, o);
		return;
	}
	ck__au_replace(it, ctx, c, policy, o);
}

int ck_autoupdate_run(ck_autoupdate_report **out, ck_context *ctx, const ck_autoupdate_options *opts)
{
	ck_autoupdate_options defaults = CK_AUTOUPDATE_OPTIONS_INIT;
	const ck_autoupdate_options *o = opts ? opts : &defaults;
	ck_autoupdate_report *r = NULL;
	run state = { ctx, o, NULL, 0 };
	ck_container **list = NULL;
	size_t n = 0;
	int rc;

	CK_ENTER();
	if (!out)
		return ck__error_set(CK_EINVAL, "ck_autoupdate_run: out is NULL");
	*out = NULL;
	if (!ctx)
		return ck__error_set(CK_EINVAL, "ck_autoupdate_run: ctx is NULL");
	if (o->version != CK_AUTOUPDATE_OPTIONS_VERSION)
		return ck__error_set(CK_EVERSION, "ck_autoupdate_run: unknown options version %u (this library "
		                                  "knows %d)", o->version, CK_AUTOUPDATE_OPTIONS_VERSION);
	if (o->tls_verify < -1 || o->tls_verify > 1)
		return ck__error_set(CK_EINVAL, "ck_autoupdate_run: tls_verify is %d (1, 0 or -1)", o->tls_verify);
	if (!(r = calloc(1, sizeof(*r))))
		return ck__oom();
	/* What an interrupted run left aside is put right first (a previous
	 * container put back runs again, and is then checked as any other). */
	if (!o->dry_run && ck__au_leftovers(ctx) != CK_OK)
		ck__log(ctx, CK_LOG_WARN, "auto-update: cannot look for containers left by an interrupted update: %s",
		        ck_error_last()->message);
	if ((rc = ck_container_list(&list, &n, ctx, CK_CONTAINER_LIST_ALL, NULL)) != CK_OK) {
		ck_autoupdate_report_free(r);
		return rc;
	}
	for (size_t i = 0; i < n && rc == CK_OK; i++) {
		const char *label = ck_container_label(list[i], CK_AUTOUPDATE_LABEL);
		ck__au_item *it = NULL;
		/* Only running containers, as podman does: a stopped one has no
		 * service to keep up, and a previous container left aside by an
		 * interrupted update (stopped) is not taken for a new one. */
		if (!label || !*label || !strcmp(label, "disabled") || strcmp(ck_container_status(list[i]), "running") != 0)
			continue;
		if ((rc = item_new(&it, r, list[i], label)) == CK_OK)
			one(it, &state, list[i]);
	}
	ck_container_list_free(list, n);
	for (size_t i = 0; i < state.n_seen; i++) {
		free(state.seen[i].ref);
		free(state.seen[i].image_id);
	}
	free(state.seen);
	if (rc != CK_OK) {
		ck_autoupdate_report_free(r);
		return rc;
	}
	/* Per-container failures are in the report, not the thread's error. */
	ck__error_clear();
	*out = r;
	return CK_OK;
}

size_t ck_autoupdate_report_count(const ck_autoupdate_report *report)
{
	return report ? report->n : 0;
}

const ck_autoupdate_entry *ck_autoupdate_report_byindex(const ck_autoupdate_report *report, size_t i)
{
	return report && i < report->n ? &report->items[i].e : NULL;
}

int ck_autoupdate_report_json(char **out, const ck_autoupdate_report *report)
{
	yajl_gen g;

	CK_ENTER();
	if (!out)
		return ck__error_set(CK_EINVAL, "ck_autoupdate_report_json: out is NULL");
	*out = NULL;
	if (!report)
		return ck__error_set(CK_EINVAL, "ck_autoupdate_report_json: report is NULL");
	if (!(g = ck__json_gen_new(false)))
		return ck__oom();
	yajl_gen_array_open(g);
	for (size_t i = 0; i < report->n; i++) {
		const ck_autoupdate_entry *e = &report->items[i].e;
		char shown[400];
		snprintf(shown, sizeof(shown), "%.12s (%s)", e->container_id, e->container_name);
		yajl_gen_map_open(g);
		ck__json_key_str(g, "Unit", e->unit);
		ck__json_key_str(g, "Container", shown);
		ck__json_key_str(g, "ContainerID", e->container_id);
		ck__json_key_str(g, "ContainerName", e->container_name);
		ck__json_key_str(g, "Image", e->image);
		ck__json_key_str(g, "Policy", e->policy);
		ck__json_key_str(g, "Updated", ck_autoupdate_result_name(e->result));
		ck__json_key_str(g, "Reason", e->reason);
		yajl_gen_map_close(g);
	}
	yajl_gen_array_close(g);
	return ck__json_gen_finish(out, g);
}

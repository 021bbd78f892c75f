/* The typed event (ck_event): made from a line of the event log, matched
 * against podman's event filters, and rendered back to the log's JSON, so
 * that the JSON form and the typed form are one data. */
#define _GNU_SOURCE
#include "core.h"

#include <stdlib.h>
#include <string.h>

void ck__event_line_free(ck__event_line *l)
{
	yajl_tree_free(l->tree);
	free(l->attrs);
	memset(l, 0, sizeof(*l));
}

/* Fills `l->ev` from one JSON line; false for a line that is not an event
 * (damaged lines are skipped by readers, never fatal). */
bool ck__event_line_parse(ck__event_line *l, const char *line)
{
	yajl_val tree = yajl_tree_parse(line, NULL, 0), attrs;
	long long t = 0, code = -1;
	const char *s;
	size_t n;

	yajl_tree_free(l->tree);
	l->tree = tree;
	if (!tree || !YAJL_IS_OBJECT(tree) || !ck__json_int(tree, "timeNano", &t))
		return false;
	memset(&l->ev, 0, sizeof(l->ev));
	l->ev.version = CK_EVENT_VERSION;
	l->ev.type = (s = ck__json_str(tree, "Type")) ? s : "";
	l->ev.status = (s = ck__json_str(tree, "Status")) ? s : "";
	l->ev.id = (s = ck__json_str(tree, "ID")) ? s : "";
	l->ev.name = (s = ck__json_str(tree, "Name")) ? s : "";
	l->ev.image = (s = ck__json_str(tree, "Image")) ? s : "";
	l->ev.time_ns = t;
	l->ev.has_exit_code = ck__json_int(tree, "ContainerExitCode", &code);
	l->ev.exit_code = l->ev.has_exit_code ? (int)code : -1;
	attrs = ck__json_obj(tree, "Attributes");
	n = attrs ? attrs->u.object.len : 0;
	if (2 * n > l->cap) {
		const char **grown = realloc(l->attrs, 2 * n * sizeof(*grown));
		if (!grown)
			return false;
		l->attrs = grown;
		l->cap = 2 * n;
	}
	for (size_t i = 0; i < n; i++) {
		yajl_val v = attrs->u.object.values[i];
		if (!YAJL_IS_STRING(v))
			continue; /* the writer writes strings only */
		l->attrs[2 * l->ev.attribute_count] = attrs->u.object.keys[i];
		l->attrs[2 * l->ev.attribute_count + 1] = v->u.string;
		l->ev.attribute_count++;
	}
	l->ev.attributes = l->attrs;
	return true;
}

static const char *attribute_of(const void *obj, const char *key)
{
	const ck_event *ev = obj;

	for (size_t i = 0; ev && key && i < ev->attribute_count; i++)
		if (!strcmp(ev->attributes[2 * i], key))
			return ev->attributes[2 * i + 1];
	return NULL;
}

const char *ck_event_attribute(const ck_event *ev, const char *key)
{
	CK_ENTER();
	return attribute_of(ev, key);
}

static const char *const filter_keys[] = { "container", "event", "type", "image", "label", NULL };

int ck__event_filters_check(const char *const *filters)
{
	return ck__filters_parse("event", filter_keys, 0, filters, NULL, NULL);
}

static bool one_matches(const ck_event *ev, const char *key, size_t klen, const char *val)
{
	if (klen == 9 && !strncmp(key, "container", 9))
		return (*val && ck__str_has_prefix(ev->id, val)) || !strcmp(ev->name, val);
	if (klen == 5 && !strncmp(key, "event", 5))
		return !strcmp(ev->status, val);
	if (klen == 4 && !strncmp(key, "type", 4))
		return !strcmp(ev->type, val);
	if (klen == 5 && !strncmp(key, "image", 5))
		return !strcmp(ev->image, val) || (*val && ck__str_has_prefix(ev->image, val));
	if (klen == 5 && !strncmp(key, "label", 5))
		return ck__label_filter_match(val, attribute_of, ev);
	return false;
}

/* Filters of different keys must all match; one of several of the same key. */
bool ck__event_matches(const ck_event *ev, const char *const *filters)
{
	for (size_t i = 0; filters && filters[i]; i++) {
		const char *eq = strchr(filters[i], '=');
		size_t klen = (size_t)(eq - filters[i]);
		bool any = false, seen_before = false;
		for (size_t j = 0; j < i; j++)
			seen_before |= !strncmp(filters[j], filters[i], klen + 1);
		if (seen_before)
			continue;
		for (size_t j = i; filters[j] && !any; j++)
			if (!strncmp(filters[j], filters[i], klen + 1))
				any = one_matches(ev, filters[i], klen, filters[j] + klen + 1);
		if (!any)
			return false;
	}
	return true;
}

int ck__event_render(char **out, const ck_event *ev)
{
	yajl_gen g = ck__json_gen_new(false);
	char when[48];

	*out = NULL;
	if (!g)
		return ck__oom();
	ck__rfc3339_nano(when, sizeof(when), ev->time_ns);
	yajl_gen_map_open(g);
	ck__json_key_str(g, "ID", ev->id ? ev->id : "");
	ck__json_key_str(g, "Image", ev->image ? ev->image : "");
	ck__json_key_str(g, "Name", ev->name ? ev->name : "");
	ck__json_key_str(g, "Status", ev->status ? ev->status : "");
	ck__json_key_str(g, "Time", when);
	ck__json_key_int(g, "timeNano", ev->time_ns);
	ck__json_key_str(g, "Type", ev->type ? ev->type : "");
	if (ev->has_exit_code)
		ck__json_key_int(g, "ContainerExitCode", ev->exit_code);
	ck__json_key(g, "Attributes");
	yajl_gen_map_open(g);
	for (size_t i = 0; ev->attributes && i < ev->attribute_count; i++)
		ck__json_key_str(g, ev->attributes[2 * i], ev->attributes[2 * i + 1]);
	yajl_gen_map_close(g);
	yajl_gen_map_close(g);
	return ck__json_gen_finish(out, g);
}

int ck_event_json(char **out, const ck_event *ev)
{
	CK_ENTER();
	if (!out)
		return ck__error_set(CK_EINVAL, "ck_event_json: out is NULL");
	*out = NULL;
	if (!ev)
		return ck__error_set(CK_EINVAL, "ck_event_json: event is NULL");
	if (ev->version == 0)
		return ck__error_set(CK_EVERSION, "ck_event version 0 is not known");
	return ck__event_render(out, ev);
}

/* Reading a container's config record.  `ck ps` reads every record, so the
 * flat fields and the labels are taken straight from yajl's event stream;
 * only the few nested arrays (mounts, ulimits, ports) are cut out of the
 * text by offset and parsed as small trees.  A listing reads only the members its
 * getters show (the summary), and the rest of the record when it is used. */
#define _GNU_SOURCE
#include "container_int.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_parse.h>

enum kind { K_STR, K_STRV, K_I64, K_U32, K_INT, K_UINT, K_BOOL, K_DOUBLE, K_GROUPS, K_LABELS, K_NESTED };

struct field {
	const char *key;
	size_t key_len;
	enum kind kind;
	size_t off;
	bool summary; /* read by a listing too */
};

#define F(k, kind, member) { k, sizeof(k) - 1, kind, offsetof(ck__ctr_config, member), false }
#define S(k, kind, member) { k, sizeof(k) - 1, kind, offsetof(ck__ctr_config, member), true }
static const struct field fields[] = {
	S("id", K_STR, id), S("name", K_STR, name), S("image_id", K_STR, image_id),
	S("image_name", K_STR, image_name), F("image_ref", K_STR, image_ref), S("pod", K_STR, pod), S("created", K_I64, created),
	F("entrypoint", K_STRV, entrypoint), F("command", K_STRV, command), S("args", K_STRV, args),
	F("env", K_STRV, env), S("labels", K_LABELS, labels), F("workdir", K_STR, workdir),
	F("user", K_STR, user), F("uid", K_U32, uid), F("gid", K_U32, gid), F("groups", K_GROUPS, groups),
	F("hostname", K_STR, hostname), F("mounts", K_NESTED, mounts), F("read_only", K_BOOL, read_only),
	F("init", K_BOOL, init), F("init_path", K_STR, init_path), F("tty", K_BOOL, tty),
	F("stdin", K_BOOL, stdin_open), F("remove", K_BOOL, remove), F("rootless", K_BOOL, rootless),
	F("cap_add", K_STRV, cap_add), F("cap_drop", K_STRV, cap_drop), F("ulimits", K_NESTED, ulimits),
	F("memory", K_I64, memory), F("cpus", K_DOUBLE, cpus), F("pids_limit", K_I64, pids_limit),
	F("restart_policy", K_STR, restart_policy), F("restart_max", K_INT, restart_max),
	S("runtime", K_STR, runtime), F("network", K_STR, network), F("networks", K_NESTED, nets),
	S("ports", K_NESTED, ports),
	F("exposed_ports", K_STRV, exposed), F("stop_signal", K_INT, stop_signal),
	F("stop_timeout", K_UINT, stop_timeout), F("log_size_max", K_I64, log_size_max),
	F("pod_infra_self", K_BOOL, pod_infra_self), F("pod_infra", K_STR, pod_infra),
	F("pod_shares", K_STRV, pod_shares),
	F("annotations", K_STRV, extra.annotations), F("ipc", K_STR, extra.ipc), F("pid_ns", K_STR, extra.pid),
	F("uts", K_STR, extra.uts), F("privileged", K_BOOL, extra.privileged),
	F("seccomp_unconfined", K_BOOL, extra.seccomp_unconfined),
	F("no_new_privileges", K_BOOL, extra.no_new_privileges), F("shm_size", K_I64, extra.shm_size),
	F("umask", K_STR, extra.umask), F("tz", K_STR, extra.tz), F("systemd", K_STR, extra.systemd),
	F("log_driver", K_STR, extra.log_driver), F("timeout", K_UINT, extra.timeout),
	F("add_hosts", K_STRV, extra.add_hosts), F("dns", K_STRV, extra.dns),
	F("dns_search", K_STRV, extra.dns_search), F("dns_options", K_STRV, extra.dns_options),
	F("devices", K_STRV, extra.devices), F("no_hosts", K_BOOL, extra.no_hosts),
	F("pid_file", K_STR, extra.pid_file),
	F("create_command", K_STRV, create_command), F("monitor_pid_file", K_STR, monitor_pid_file),
	F("health_test", K_STRV, health_test),
	F("health_interval", K_I64, health_interval), F("health_timeout", K_I64, health_timeout),
	F("health_start_period", K_I64, health_start_period), F("health_retries", K_INT, health_retries),
	F("health_on_failure", K_INT, health_on_failure), F("sdnotify", K_STR, sdnotify),
	F("notify_socket", K_STR, notify_socket),
};
#undef F
#undef S
#define N_FIELDS (sizeof(fields) / sizeof(fields[0]))

typedef struct parse {
	ck__ctr_config *c;
	yajl_handle h;
	const char *text;
	int depth;                 /* 1 inside the record's object */
	const struct field *cur;   /* the member whose value comes next (depth 1) */
	const struct field *inside; /* the array or object being read */
	size_t hint;               /* where to look for the next key */
	size_t nested_start;       /* offset of a nested value's opening bracket */
	bool nested_items;         /* it has something inside */
	int rc;
	bool seen_args;
	char *label_key;           /* a label whose value comes next */
	bool summary;              /* only the summary members */
	size_t summary_seen;       /* how many of them were read */
	size_t summary_total;
	bool done;                 /* all of them: the parse stopped early */
} parse;

static void *slot(parse *p, const struct field *f)
{
	return (char *)p->c + f->off;
}

static int fail(parse *p, int rc)
{
	p->rc = rc;
	return 0; /* stops yajl */
}

static int on_key(void *ctx, const unsigned char *key, size_t len)
{
	parse *p = ctx;
	if (p->depth == 2 && p->inside && p->inside->kind == K_LABELS) {
		free(p->label_key);
		if (!(p->label_key = strndup((const char *)key, len)))
			return fail(p, ck__oom());
		return 1;
	}
	if (p->depth >= 2)
		p->nested_items = true;
	if (p->depth != 1)
		return 1;
	p->cur = NULL;
	if (p->summary && p->summary_seen == p->summary_total) {
		/* Records list the summary first (record.c): the rest is read
		 * when it is used. */
		p->done = true;
		return 0;
	}
	for (size_t k = 0; k < N_FIELDS; k++) {
		const struct field *f = &fields[(p->hint + k) % N_FIELDS];
		if (f->key_len == len && !memcmp(f->key, key, len)) {
			p->cur = f->summary || !p->summary ? f : NULL;
			p->summary_seen += f->summary;
			p->hint = (size_t)(f - fields) + 1;
			break;
		}
	}
	return 1;
}

static int on_string(void *ctx, const unsigned char *s, size_t len)
{
	parse *p = ctx;
	if (p->depth >= 2)
		p->nested_items = true;
	if (p->depth == 2 && p->inside && p->inside->kind == K_LABELS) {
		/* labels are read straight into the map: most containers have
		 * some, and a listing reads them all */
		char *v = p->label_key ? strndup((const char *)s, len) : NULL;
		int rc = !p->label_key ? CK_OK : v ? ck__strmap_set(&p->c->labels, p->label_key, v) : ck__oom();
		free(v);
		free(p->label_key);
		p->label_key = NULL;
		if (rc != CK_OK)
			return fail(p, rc);
	} else if (p->depth == 1 && p->cur && p->cur->kind == K_STR) {
		char **dst = slot(p, p->cur);
		free(*dst);
		if (!(*dst = strndup((const char *)s, len)))
			return fail(p, ck__oom());
	} else if (p->depth == 2 && p->inside && p->inside->kind == K_STRV) {
		char ***v = slot(p, p->inside), **nv;
		size_t n = ck__strv_len(*v);
		if (!(nv = realloc(*v, (n + 2) * sizeof(*nv))))
			return fail(p, ck__oom());
		*v = nv;
		nv[n + 1] = NULL;
		if (!(nv[n] = strndup((const char *)s, len)))
			return fail(p, ck__oom());
	}
	return 1;
}

static int on_number(void *ctx, const char *s, size_t len)
{
	parse *p = ctx;
	char buf[64];
	len = len < sizeof(buf) - 1 ? len : sizeof(buf) - 1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (p->depth >= 2)
		p->nested_items = true;
	if (p->depth == 2 && p->inside && p->inside->kind == K_GROUPS) {
		ck__ctr_config *c = p->c;
		uint32_t *ng = realloc(c->groups, (c->n_groups + 1) * sizeof(*ng));
		if (!ng)
			return fail(p, ck__oom());
		c->groups = ng;
		c->groups[c->n_groups++] = (uint32_t)strtoull(buf, NULL, 10);
		return 1;
	}
	if (p->depth != 1 || !p->cur)
		return 1;
	void *dst = slot(p, p->cur);
	switch (p->cur->kind) {
	case K_I64: *(int64_t *)dst = strtoll(buf, NULL, 10); break;
	case K_U32: *(uint32_t *)dst = (uint32_t)strtoull(buf, NULL, 10); break;
	case K_INT: *(int *)dst = (int)strtol(buf, NULL, 10); break;
	case K_UINT: *(unsigned int *)dst = (unsigned int)strtoul(buf, NULL, 10); break;
	case K_DOUBLE: *(double *)dst = strtod(buf, NULL); break;
	default: break;
	}
	return 1;
}

static int on_bool(void *ctx, int v)
{
	parse *p = ctx;
	if (p->depth >= 2)
		p->nested_items = true;
	if (p->depth == 1 && p->cur && p->cur->kind == K_BOOL)
		*(bool *)slot(p, p->cur) = v != 0;
	return 1;
}

static int on_null(void *ctx)
{
	parse *p = ctx;
	if (p->depth >= 2)
		p->nested_items = true;
	return 1;
}

/* ---- nested values, parsed as trees ---- */

static int dup_str(char **out, yajl_val t, const char *key)
{
	const char *s = ck__json_str(t, key);
	*out = ck__strdup(s ? s : "");
	return *out ? CK_OK : ck__oom();
}

static int mnt_parse(ck__mnt *m, yajl_val t)
{
	const char *type = ck__json_str(t, "type"), *src = ck__json_str(t, "source"),
	           *rel = ck__json_str(t, "relabel");
	int rc;

	memset(m, 0, sizeof(*m));
	m->type = type && !strcmp(type, "volume") ? CK__MNT_VOLUME : type && !strcmp(type, "tmpfs") ? CK__MNT_TMPFS
	                                                                                          : CK__MNT_BIND;
	if (src && !(m->source = strdup(src)))
		return ck__oom();
	if ((rc = dup_str(&m->destination, t, "destination")) != CK_OK)
		return rc;
	m->ro = ck__ctr_json_bool(t, "ro");
	m->relabel = rel && (rel[0] == 'z' || rel[0] == 'Z') ? rel[0] : 0;
	m->nocopy = ck__ctr_json_bool(t, "nocopy");
	m->tmpfs_size = ck__ctr_json_int(t, "tmpfs_size", 0);
	m->tmpfs_mode = (int)ck__ctr_json_int(t, "tmpfs_mode", -1);
	m->anonymous = ck__ctr_json_bool(t, "anonymous");
	m->created_volume = ck__ctr_json_bool(t, "created_volume");
	return ck__strv_from_json(&m->options, ck__json_arr(t, "options"));
}

static int nested_array(ck__ctr_config *c, const char *key, yajl_val a)
{
	size_t n = YAJL_IS_ARRAY(a) ? a->u.array.len : 0;
	int rc = CK_OK;

	if (!n)
		return CK_OK;
	if (!strcmp(key, "mounts")) {
		if (!(c->mounts = calloc(n, sizeof(*c->mounts))))
			return ck__oom();
		for (size_t i = 0; i < n && rc == CK_OK; i++, c->n_mounts++)
			rc = mnt_parse(&c->mounts[i], a->u.array.values[i]);
	} else if (!strcmp(key, "ulimits")) {
		if (!(c->ulimits = calloc(n, sizeof(*c->ulimits))))
			return ck__oom();
		for (size_t i = 0; i < n; i++, c->n_ulimits++) {
			yajl_val u = a->u.array.values[i];
			c->ulimits[i] = (ck__ulimit){ (int)ck__ctr_json_int(u, "resource", 0), ck__ctr_json_int(u, "soft", -1),
				                      ck__ctr_json_int(u, "hard", -1) };
		}
	} else if (!strcmp(key, "networks")) {
		if (!(c->nets = calloc(n, sizeof(*c->nets))))
			return ck__oom();
		for (size_t i = 0; i < n && rc == CK_OK; i++, c->n_nets++) {
			yajl_val q = a->u.array.values[i];
			if ((rc = dup_str(&c->nets[i].network, q, "name")) == CK_OK && ck__json_str(q, "ip"))
				rc = dup_str(&c->nets[i].ip, q, "ip");
			if (rc == CK_OK && ck__json_str(q, "mac"))
				rc = dup_str(&c->nets[i].mac, q, "mac");
			if (rc == CK_OK && ck__json_arr(q, "aliases") && ck__json_arr(q, "aliases")->u.array.len)
				rc = ck__strv_from_json(&c->nets[i].aliases, ck__json_arr(q, "aliases"));
		}
	} else if (!strcmp(key, "ports")) {
		if (!(c->ports = calloc(n, sizeof(*c->ports))))
			return ck__oom();
		for (size_t i = 0; i < n && rc == CK_OK; i++, c->n_ports++) {
			yajl_val q = a->u.array.values[i];
			const char *ip = ck__json_str(q, "host_ip"), *proto = ck__json_str(q, "protocol");
			c->ports[i].host_port = (unsigned int)ck__ctr_json_int(q, "host_port", 0);
			c->ports[i].container_port = (unsigned int)ck__ctr_json_int(q, "container_port", 0);
			c->ports[i].range = (unsigned int)ck__ctr_json_int(q, "range", 1);
			snprintf(c->ports[i].protocol, sizeof(c->ports[i].protocol), "%s", proto ? proto : "tcp");
			if (ip && *ip && !(c->ports[i].host_ip = strdup(ip)))
				rc = ck__oom();
		}
	}
	return rc;
}

/* The text from the opening bracket to the closing one, as a tree. */
static int nested_done(parse *p)
{
	size_t end = yajl_get_bytes_consumed(p->h);
	char *text = strndup(p->text + p->nested_start, end - p->nested_start);
	yajl_val t = NULL;
	int rc;

	if (!text)
		return fail(p, ck__oom());
	rc = ck__json_parse(&t, text, "container record", CK_ECORRUPT);
	free(text);
	if (rc == CK_OK)
		rc = nested_array(p->c, p->inside->key, t);
	yajl_tree_free(t);
	return rc == CK_OK ? 1 : fail(p, rc);
}

static int open_any(parse *p)
{
	if (p->depth >= 2)
		p->nested_items = true;
	if (++p->depth == 2 && p->cur) {
		p->nested_items = false;
		p->inside = p->cur;
		/* just past the bracket: back up to include it */
		p->nested_start = yajl_get_bytes_consumed(p->h) - 1;
		if (!strcmp(p->cur->key, "args"))
			p->seen_args = true;
	}
	return 1;
}

static int close_any(parse *p)
{
	int ok = 1;
	if (p->depth == 2 && p->inside) {
		if (p->inside->kind == K_NESTED && p->nested_items)
			ok = nested_done(p);
		p->inside = NULL;
	}
	if (p->depth-- == 2)
		p->cur = NULL;
	return ok;
}

static int on_map_open(void *ctx)
{
	return open_any(ctx);
}

static int on_map_close(void *ctx)
{
	return close_any(ctx);
}

static int on_array_open(void *ctx)
{
	return open_any(ctx);
}

static int on_array_close(void *ctx)
{
	return close_any(ctx);
}

static const yajl_callbacks callbacks = {
	.yajl_null = on_null,
	.yajl_boolean = on_bool,
	.yajl_number = on_number,
	.yajl_string = on_string,
	.yajl_start_map = on_map_open,
	.yajl_map_key = on_key,
	.yajl_end_map = on_map_close,
	.yajl_start_array = on_array_open,
	.yajl_end_array = on_array_close,
};

static int config_parse(ck__ctr_config *c, const char *json, bool summary)
{
	parse p = { .c = c, .text = json, .rc = CK_OK, .summary = summary };
	ck__json_stream js;
	yajl_status st;
	char err[256];

	for (size_t k = 0; k < N_FIELDS; k++)
		p.summary_total += fields[k].summary;
	memset(c, 0, sizeof(*c));
	c->stop_signal = 15;
	c->stop_timeout = CK__CTR_DEFAULT_STOP_TIMEOUT;
	if (ck__json_stream_open(&js, &callbacks, &p) != CK_OK)
		return CK_ENOMEM;
	p.h = js.h;
	st = ck__json_stream_parse(&js, json, err, sizeof(err));
	if (st == yajl_status_client_canceled && p.done)
		st = yajl_status_ok;
	if (st != yajl_status_ok && p.rc == CK_OK)
		p.rc = ck__error_set(CK_ECORRUPT, "container record is not valid JSON: %s", err);
	ck__json_stream_close(&js);
	free(p.label_key);
	if (p.rc == CK_OK && (!c->id || !p.seen_args))
		p.rc = ck__error_set(CK_ECORRUPT, "a container record lacks \"id\" or \"args\"");
	/* Absent members read as the defaults: "" and empty lists. */
	for (size_t k = 0; p.rc == CK_OK && k < N_FIELDS; k++) {
		void *dst = (char *)c + fields[k].off;
		if (summary && !fields[k].summary)
			continue; /* stays NULL until the whole record is read */
		if (fields[k].kind == K_STR && !*(char **)dst && !(*(char **)dst = strdup("")))
			p.rc = ck__oom();
		if (fields[k].kind == K_STRV && !*(char ***)dst && !(*(char ***)dst = calloc(1, sizeof(char *))))
			p.rc = ck__oom();
	}
	/* No healthcheck is NULL, not an empty test. */
	if (c->health_test && !c->health_test[0]) {
		free(c->health_test);
		c->health_test = NULL;
	}
	if (p.rc != CK_OK)
		ck__ctr_config_free(c);
	return p.rc;
}

int ck__ctr_config_parse(ck__ctr_config *c, const char *json)
{
	return config_parse(c, json, false);
}

int ck__ctr_config_parse_summary(ck__ctr_config *c, const char *json)
{
	return config_parse(c, json, true);
}

int ck__ctr_config_complete(ck__ctr_config *c, const char *json)
{
	ck__ctr_config full;
	int rc = config_parse(&full, json, false);

	if (rc != CK_OK)
		return rc;
	/* The summary's strings were handed out by getters and must outlive
	 * this: they move into the full config in place of its copies. */
	for (size_t k = 0; k < N_FIELDS; k++) {
		const struct field *f = &fields[k];
		void *have = (char *)c + f->off, *fresh = (char *)&full + f->off;
		if (!f->summary)
			continue;
		if (f->kind == K_STR) {
			free(*(char **)fresh);
			*(char **)fresh = *(char **)have;
			*(char **)have = NULL;
		} else if (f->kind == K_STRV) {
			ck_strv_free(*(char ***)fresh);
			*(char ***)fresh = *(char ***)have;
			*(char ***)have = NULL;
		}
	}
	ck__strmap_free(&full.labels);
	full.labels = c->labels;
	memset(&c->labels, 0, sizeof(c->labels));
	for (size_t i = 0; i < full.n_ports; i++)
		free(full.ports[i].host_ip);
	free(full.ports);
	full.ports = c->ports;
	full.n_ports = c->n_ports;
	c->ports = NULL;
	c->n_ports = 0;
	ck__ctr_config_free(c);
	*c = full;
	return CK_OK;
}

/* ---- state: a flat object, read from the event stream ---- */

enum state_member { SM_NONE, SM_STATUS, SM_PID, SM_EXIT, SM_STARTED, SM_FINISHED, SM_RESTARTS, SM_MONITOR,
	            SM_MONITOR_START, SM_INIT_START, SM_STOP, SM_ERROR, SM_PAUSED, SM_HEALTH, SM_HEALTH_STREAK,
	            SM_HEALTH_LOG, SM_HEALTH_RESTART };

typedef struct state_parse {
	ck__ctr_state *s;
	int depth;
	enum state_member cur;
	int rc;
} state_parse;

static int st_key(void *ctx, const unsigned char *key, size_t len)
{
	static const char *const names[] = { "", "status", "pid", "exit_code", "started_at", "finished_at",
		                             "restart_count", "monitor_pid", "monitor_start", "init_start",
		                             "stop_requested", "error", "paused", "health", "health_streak",
		                             "health_log", "health_restart" };
	state_parse *p = ctx;

	p->cur = SM_NONE;
	for (size_t k = 1; p->depth == 1 && k < sizeof(names) / sizeof(names[0]); k++)
		if (strlen(names[k]) == len && !memcmp(names[k], key, len)) {
			p->cur = (enum state_member)k;
			break;
		}
	return 1;
}

static int st_string(void *ctx, const unsigned char *v, size_t len)
{
	state_parse *p = ctx;

	if (p->depth != 1)
		return 1;
	if (p->cur == SM_STATUS)
		snprintf(p->s->status, sizeof(p->s->status), "%.*s", (int)len, (const char *)v);
	else if (p->cur == SM_HEALTH)
		snprintf(p->s->health, sizeof(p->s->health), "%.*s", (int)len, (const char *)v);
	else if (p->cur == SM_HEALTH_LOG) {
		free(p->s->health_log);
		if (!(p->s->health_log = strndup((const char *)v, len))) {
			p->rc = ck__oom();
			return 0;
		}
	} else if (p->cur == SM_ERROR && len) {
		free(p->s->error);
		if (!(p->s->error = strndup((const char *)v, len))) {
			p->rc = ck__oom();
			return 0;
		}
	}
	return 1;
}

static int st_number(void *ctx, const char *v, size_t len)
{
	state_parse *p = ctx;
	ck__ctr_state *s = p->s;
	char buf[32];
	long long n;

	if (p->depth != 1 || len >= sizeof(buf))
		return 1;
	memcpy(buf, v, len);
	buf[len] = '\0';
	n = strtoll(buf, NULL, 10);
	switch (p->cur) {
	case SM_PID: s->pid = (int)n; break;
	case SM_EXIT: s->exit_code = (int)n; break;
	case SM_STARTED: s->started_at = n; break;
	case SM_FINISHED: s->finished_at = n; break;
	case SM_RESTARTS: s->restart_count = (unsigned int)n; break;
	case SM_MONITOR: s->monitor_pid = (int)n; break;
	case SM_MONITOR_START: s->monitor_start = (unsigned long long)n; break;
	case SM_INIT_START: s->init_start = (unsigned long long)n; break;
	case SM_HEALTH_STREAK: s->health_streak = (unsigned int)n; break;
	default: break;
	}
	return 1;
}

static int st_bool(void *ctx, int v)
{
	state_parse *p = ctx;
	if (p->depth == 1 && p->cur == SM_STOP)
		p->s->stop_requested = v != 0;
	else if (p->depth == 1 && p->cur == SM_PAUSED)
		p->s->paused = v != 0;
	else if (p->depth == 1 && p->cur == SM_HEALTH_RESTART)
		p->s->health_restart = v != 0;
	return 1;
}

static int st_open(void *ctx)
{
	((state_parse *)ctx)->depth++;
	return 1;
}

static int st_close(void *ctx)
{
	((state_parse *)ctx)->depth--;
	return 1;
}

static const yajl_callbacks state_callbacks = {
	.yajl_boolean = st_bool,
	.yajl_number = st_number,
	.yajl_string = st_string,
	.yajl_start_map = st_open,
	.yajl_map_key = st_key,
	.yajl_end_map = st_close,
	.yajl_start_array = st_open,
	.yajl_end_array = st_close,
};

int ck__ctr_state_parse(ck__ctr_state *s, const char *json)
{
	state_parse p = { .s = s, .rc = CK_OK };
	ck__json_stream js;
	yajl_status st;
	char err[256];

	ck__ctr_state_init(s, "exited");
	if (ck__json_stream_open(&js, &state_callbacks, &p) != CK_OK)
		return CK_ENOMEM;
	st = ck__json_stream_parse(&js, json, err, sizeof(err));
	if (st != yajl_status_ok && p.rc == CK_OK)
		p.rc = ck__error_set(CK_ECORRUPT, "container state is not valid JSON: %s", err);
	ck__json_stream_close(&js);
	if (p.rc != CK_OK)
		ck__ctr_state_free(s);
	return p.rc;
}

/* A container's record: its config and state JSON (layouts in
 * container_int.h), reading them, and short state transitions. */
#define _GNU_SOURCE
#include "container_int.h"

#include <stdlib.h>
#include <string.h>

int ck__ports_lines(char ***out, const ck__port *ports, size_t n)
{
	char **v = calloc(1, sizeof(*v));

	if (!v)
		return ck__oom();
	for (size_t i = 0; i < n; i++) {
		const ck__port *p = &ports[i];
		for (unsigned int k = 0; k < (p->range ? p->range : 1); k++) {
			char line[128];
			snprintf(line, sizeof(line), "%u/%s -> %s:%u", p->container_port + k, p->protocol,
			         p->host_ip ? p->host_ip : "0.0.0.0", p->host_port ? p->host_port + k : 0);
			if (ck__strv_push(&v, line) != CK_OK) {
				ck_strv_free(v);
				return ck__oom();
			}
		}
	}
	*out = v;
	return CK_OK;
}

void ck__ports_bindings_gen(yajl_gen g, const ck__port *ports, size_t n)
{
	yajl_gen_map_open(g);
	for (size_t i = 0; i < n; i++) {
		const ck__port *p = &ports[i];
		for (unsigned int k = 0; k < (p->range ? p->range : 1); k++) {
			char key[32], hp[16];
			snprintf(key, sizeof(key), "%u/%s", p->container_port + k, p->protocol);
			snprintf(hp, sizeof(hp), "%u", p->host_port ? p->host_port + k : 0);
			ck__json_key(g, key);
			yajl_gen_array_open(g);
			yajl_gen_map_open(g);
			ck__json_key_str(g, "HostIp", p->host_ip ? p->host_ip : "");
			ck__json_key_str(g, "HostPort", hp);
			yajl_gen_map_close(g);
			yajl_gen_array_close(g);
		}
	}
	yajl_gen_map_close(g);
}

void ck__ports_gen(yajl_gen g, const char *key, const ck__port *ports, size_t n)
{
	ck__json_key(g, key);
	yajl_gen_array_open(g);
	for (size_t i = 0; i < n; i++) {
		yajl_gen_map_open(g);
		ck__json_key_str(g, "host_ip", ports[i].host_ip ? ports[i].host_ip : "");
		ck__json_key_int(g, "host_port", ports[i].host_port);
		ck__json_key_int(g, "container_port", ports[i].container_port);
		ck__json_key_int(g, "range", ports[i].range);
		ck__json_key_str(g, "protocol", ports[i].protocol);
		yajl_gen_map_close(g);
	}
	yajl_gen_array_close(g);
}

/* ---- config ---- */

static void mnt_gen(yajl_gen g, const ck__mnt *m)
{
	static const char *const types[] = { "bind", "volume", "tmpfs" };
	char relabel[2] = { m->relabel, '\0' };

	yajl_gen_map_open(g);
	ck__json_key_str(g, "type", types[m->type]);
	ck__json_key_str(g, "source", m->source);
	ck__json_key_str(g, "destination", m->destination);
	ck__json_key_bool(g, "ro", m->ro);
	ck__json_key_str(g, "relabel", relabel);
	ck__json_key_bool(g, "nocopy", m->nocopy);
	ck__strv_gen(g, "options", m->options);
	ck__json_key_int(g, "tmpfs_size", m->tmpfs_size);
	ck__json_key_int(g, "tmpfs_mode", m->tmpfs_mode);
	ck__json_key_bool(g, "anonymous", m->anonymous);
	ck__json_key_bool(g, "created_volume", m->created_volume);
	yajl_gen_map_close(g);
}

int ck__ctr_config_json(char **out, const ck__ctr_config *c)
{
	yajl_gen g = ck__json_gen_new(false);
	char cpus[32];

	*out = NULL;
	if (!g)
		return ck__oom();
	yajl_gen_map_open(g);
	ck__json_key_str(g, "id", c->id);
	ck__json_key_str(g, "name", c->name);
	ck__json_key_str(g, "image_id", c->image_id);
	ck__json_key_str(g, "image_name", c->image_name);
	ck__json_key_str(g, "pod", c->pod ? c->pod : "");
	ck__json_key_int(g, "created", c->created);
	ck__strv_gen(g, "args", c->args);
	ck__json_key(g, "labels");
	ck__strmap_gen(g, &c->labels);
	ck__json_key_str(g, "runtime", c->runtime);
	ck__ports_gen(g, "ports", c->ports, c->n_ports);
	/* The members above are what a listing reads (record_parse.c): it
	 * stops at the first one below. */
	if (c->image_ref)
		ck__json_key_str(g, "image_ref", c->image_ref);
	ck__strv_gen(g, "entrypoint", c->entrypoint);
	ck__strv_gen(g, "command", c->command);
	ck__strv_gen(g, "env", c->env);
	ck__json_key_str(g, "workdir", c->workdir);
	ck__json_key_str(g, "user", c->user);
	ck__json_key_int(g, "uid", c->uid);
	ck__json_key_int(g, "gid", c->gid);
	ck__json_key(g, "groups");
	yajl_gen_array_open(g);
	for (size_t i = 0; i < c->n_groups; i++)
		yajl_gen_integer(g, c->groups[i]);
	yajl_gen_array_close(g);
	ck__json_key_str(g, "hostname", c->hostname);
	ck__json_key(g, "mounts");
	yajl_gen_array_open(g);
	for (size_t i = 0; i < c->n_mounts; i++)
		mnt_gen(g, &c->mounts[i]);
	yajl_gen_array_close(g);
	ck__json_key_bool(g, "read_only", c->read_only);
	ck__json_key_bool(g, "init", c->init);
	ck__json_key_str(g, "init_path", c->init_path);
	ck__json_key_bool(g, "tty", c->tty);
	ck__json_key_bool(g, "stdin", c->stdin_open);
	ck__json_key_bool(g, "remove", c->remove);
	ck__json_key_bool(g, "rootless", c->rootless);
	ck__strv_gen(g, "cap_add", c->cap_add);
	ck__strv_gen(g, "cap_drop", c->cap_drop);
	ck__json_key(g, "ulimits");
	yajl_gen_array_open(g);
	for (size_t i = 0; i < c->n_ulimits; i++) {
		yajl_gen_map_open(g);
		ck__json_key_str(g, "name", ck__rlimit_podman_name(c->ulimits[i].resource));
		ck__json_key_int(g, "resource", c->ulimits[i].resource);
		ck__json_key_int(g, "soft", c->ulimits[i].soft);
		ck__json_key_int(g, "hard", c->ulimits[i].hard);
		yajl_gen_map_close(g);
	}
	yajl_gen_array_close(g);
	ck__json_key_int(g, "memory", c->memory);
	snprintf(cpus, sizeof(cpus), "%.17g", c->cpus);
	ck__json_key(g, "cpus");
	yajl_gen_number(g, cpus, strlen(cpus));
	ck__json_key_int(g, "pids_limit", c->pids_limit);
	ck__json_key_str(g, "restart_policy", c->restart_policy ? c->restart_policy : "no");
	ck__json_key_int(g, "restart_max", c->restart_max);
	ck__json_key_str(g, "network", c->network);
	ck__json_key(g, "networks");
	yajl_gen_array_open(g);
	for (size_t i = 0; i < c->n_nets; i++) {
		yajl_gen_map_open(g);
		ck__json_key_str(g, "name", c->nets[i].network);
		if (c->nets[i].ip)
			ck__json_key_str(g, "ip", c->nets[i].ip);
		if (c->nets[i].mac)
			ck__json_key_str(g, "mac", c->nets[i].mac);
		ck__strv_gen(g, "aliases", c->nets[i].aliases);
		yajl_gen_map_close(g);
	}
	yajl_gen_array_close(g);
	ck__strv_gen(g, "exposed_ports", c->exposed);
	ck__json_key_int(g, "stop_signal", c->stop_signal);
	ck__json_key_int(g, "stop_timeout", c->stop_timeout);
	ck__json_key_int(g, "log_size_max", c->log_size_max);
	ck__ctr_extra_gen(g, &c->extra);
	/* Written only when set, so that older records keep their shape. */
	if (c->create_command && c->create_command[0])
		ck__strv_gen(g, "create_command", c->create_command);
	if (c->monitor_pid_file && *c->monitor_pid_file)
		ck__json_key_str(g, "monitor_pid_file", c->monitor_pid_file);
	/* Written only when set, so that other records keep their shape. */
	if (c->health_test) {
		ck__strv_gen(g, "health_test", c->health_test);
		ck__json_key_int(g, "health_interval", c->health_interval);
		ck__json_key_int(g, "health_timeout", c->health_timeout);
		ck__json_key_int(g, "health_start_period", c->health_start_period);
		ck__json_key_int(g, "health_retries", c->health_retries);
		ck__json_key_int(g, "health_on_failure", c->health_on_failure);
	}
	if (c->sdnotify && *c->sdnotify)
		ck__json_key_str(g, "sdnotify", c->sdnotify);
	if (c->notify_socket && *c->notify_socket)
		ck__json_key_str(g, "notify_socket", c->notify_socket);
	/* Pods (lib/pod): written only for a container in one, so that records
	 * of containers without a pod keep their shape. */
	if (c->pod && *c->pod) {
		ck__json_key_bool(g, "pod_infra_self", c->pod_infra_self);
		ck__json_key_str(g, "pod_infra", c->pod_infra ? c->pod_infra : "");
		ck__strv_gen(g, "pod_shares", c->pod_shares);
	}
	yajl_gen_map_close(g);
	return ck__json_gen_finish(out, g);
}

long long ck__ctr_json_int(yajl_val t, const char *key, long long dflt)
{
	long long v;
	return ck__json_int(t, key, &v) ? v : dflt;
}

bool ck__ctr_json_bool(yajl_val t, const char *key)
{
	bool v = false;
	return ck__json_bool(t, key, &v) && v;
}

void ck__ctr_config_free(ck__ctr_config *c)
{
	if (!c)
		return;
	ck__ctr_extra_free(&c->extra);
	free(c->id);
	free(c->name);
	free(c->image_id);
	free(c->image_name);
	free(c->image_ref);
	free(c->pod);
	free(c->pod_infra);
	ck_strv_free(c->pod_shares);
	ck_strv_free(c->create_command);
	free(c->monitor_pid_file);
	ck_strv_free(c->entrypoint);
	ck_strv_free(c->command);
	ck_strv_free(c->args);
	ck_strv_free(c->env);
	ck_strv_free(c->cap_add);
	ck_strv_free(c->cap_drop);
	ck_strv_free(c->exposed);
	ck__strmap_free(&c->labels);
	free(c->workdir);
	free(c->user);
	free(c->hostname);
	free(c->init_path);
	free(c->restart_policy);
	free(c->runtime);
	free(c->network);
	ck_strv_free(c->health_test);
	free(c->sdnotify);
	free(c->notify_socket);
	free(c->groups);
	for (size_t i = 0; i < c->n_mounts; i++)
		ck__mnt_free(&c->mounts[i]);
	free(c->mounts);
	free(c->ulimits);
	for (size_t i = 0; i < c->n_ports; i++)
		free(c->ports[i].host_ip);
	free(c->ports);
	for (size_t i = 0; i < c->n_nets; i++)
		ck__net_req_free(&c->nets[i]);
	free(c->nets);
	memset(c, 0, sizeof(*c));
}

/* ---- state ---- */

void ck__ctr_state_init(ck__ctr_state *s, const char *status)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->status, sizeof(s->status), "%s", status);
	s->exit_code = -1;
}

int ck__ctr_state_json(char **out, const ck__ctr_state *s)
{
	yajl_gen g = ck__json_gen_new(false);

	*out = NULL;
	if (!g)
		return ck__oom();
	yajl_gen_map_open(g);
	ck__json_key_str(g, "status", s->status);
	ck__json_key_int(g, "pid", s->pid);
	ck__json_key_int(g, "exit_code", s->exit_code);
	ck__json_key_int(g, "started_at", s->started_at);
	ck__json_key_int(g, "finished_at", s->finished_at);
	ck__json_key_int(g, "restart_count", s->restart_count);
	ck__json_key_int(g, "monitor_pid", s->monitor_pid);
	ck__json_key_int(g, "monitor_start", (long long)s->monitor_start);
	ck__json_key_int(g, "init_start", (long long)s->init_start);
	ck__json_key_bool(g, "stop_requested", s->stop_requested);
	if (s->paused && !strcmp(s->status, "running"))
		ck__json_key_bool(g, "paused", true);
	ck__json_key_str(g, "error", s->error ? s->error : "");
	if (s->health[0]) {
		ck__json_key_str(g, "health", s->health);
		ck__json_key_int(g, "health_streak", s->health_streak);
		ck__json_key_str(g, "health_log", s->health_log ? s->health_log : "[]");
	}
	if (s->health_restart)
		ck__json_key_bool(g, "health_restart", true);
	yajl_gen_map_close(g);
	return ck__json_gen_finish(out, g);
}

void ck__ctr_state_free(ck__ctr_state *s)
{
	if (s) {
		free(s->error);
		s->error = NULL;
		free(s->health_log);
		s->health_log = NULL;
	}
}

bool ck__ctr_status_live(const char *status)
{
	return !strcmp(status, "running") || !strcmp(status, "starting") || !strcmp(status, "stopping") ||
	       !strcmp(status, "restarting");
}

bool ck__ctr_monitor_alive(const ck__ctr_state *s)
{
	return s->monitor_pid > 0 && ck__proc_alive(s->monitor_pid, s->monitor_start);
}

/* ---- reading and transitions ---- */

struct read_args {
	const char *id;
	char *config, *state;
};

static int read_fn(ck_state_txn *txn, void *payload)
{
	struct read_args *a = payload;

	free(a->config);
	free(a->state);
	a->config = a->state = NULL;
	return ck__rec_get(&a->config, &a->state, txn, CK__KIND_CONTAINER, a->id);
}

int ck__ctr_read(ck__ctr_config *cfg, ck__ctr_state *st, ck_context *ctx, const char *id)
{
	struct read_args a = { id, NULL, NULL };
	int rc = ck__state_read(ctx, read_fn, &a);

	if (rc == CK_ENOTFOUND)
		rc = ck__error_set(CK_ENOTFOUND, "no container with id %s", id);
	if (rc == CK_OK && cfg)
		rc = ck__ctr_config_parse(cfg, a.config);
	if (rc == CK_OK && st) {
		if (a.state)
			rc = ck__ctr_state_parse(st, a.state);
		else
			ck__ctr_state_init(st, "exited");
		if (rc != CK_OK && cfg)
			ck__ctr_config_free(cfg);
	}
	free(a.config);
	free(a.state);
	return rc;
}

struct update_args {
	const char *id;
	ck__ctr_state_fn fn;
	void *payload;
};

int ck__ctr_update_txn(ck_state_txn *txn, const char *id, ck__ctr_state_fn fn, void *payload)
{
	ck__ctr_state st;
	char *state = NULL, *json = NULL;
	int rc = ck__rec_get(NULL, &state, txn, CK__KIND_CONTAINER, id);

	if (rc == CK_ENOTFOUND)
		return ck__error_set(CK_ENOTFOUND, "no container with id %s", id);
	if (rc != CK_OK)
		return rc;
	if (state)
		rc = ck__ctr_state_parse(&st, state);
	else
		ck__ctr_state_init(&st, "exited");
	free(state);
	if (rc != CK_OK)
		return rc;
	if ((rc = fn(&st, payload)) == CK_OK && (rc = ck__ctr_state_json(&json, &st)) == CK_OK)
		rc = ck__rec_put_state(txn, CK__KIND_CONTAINER, id, json);
	free(json);
	ck__ctr_state_free(&st);
	return rc;
}

static int update_fn(ck_state_txn *txn, void *payload)
{
	struct update_args *a = payload;
	return ck__ctr_update_txn(txn, a->id, a->fn, a->payload);
}

int ck__ctr_update(ck_context *ctx, const char *id, ck__ctr_state_fn fn, void *payload)
{
	struct update_args a = { id, fn, payload };
	return ck__state_write(ctx, update_fn, &a);
}

static int status_fn(ck__ctr_state *st, void *payload)
{
	snprintf(st->status, sizeof(st->status), "%s", (const char *)payload);
	return CK_OK;
}

int ck__ctr_update_relaxed(ck_context *ctx, const char *id, ck__ctr_state_fn fn, void *payload)
{
	struct update_args a = { id, fn, payload };
	return ck__state_write_relaxed(ctx, update_fn, &a);
}

int ck__ctr_set_status(ck_context *ctx, const char *id, const char *status)
{
	return ck__ctr_update(ctx, id, status_fn, (void *)status);
}

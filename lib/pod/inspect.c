/* A pod's getters, and its inspect JSON (podman pod inspect's shape)
 * built from the same data. */
#define _GNU_SOURCE
#include "pod_int.h"

#include <stdlib.h>
#include <string.h>

const char *ck_pod_id(const ck_pod *pod)
{
	return pod ? pod->cfg.id : NULL;
}

const char *ck_pod_name(const ck_pod *pod)
{
	return pod ? pod->cfg.name : NULL;
}

ck_pod_state ck_pod_get_state(const ck_pod *pod)
{
	return pod ? pod->state : CK_POD_CREATED;
}

const char *ck_pod_state_name(ck_pod_state state)
{
	static const char *const names[] = { "Created", "Running", "Degraded", "Exited", "Stopped", "Paused" };
	return (unsigned)state < sizeof(names) / sizeof(names[0]) ? names[state] : "Unknown";
}

const char *ck_pod_infra_id(const ck_pod *pod)
{
	return pod ? pod->infra_id : NULL;
}

size_t ck_pod_member_count(const ck_pod *pod)
{
	return pod ? ck__strv_len(pod->members) : 0;
}

const char *ck_pod_member_id(const ck_pod *pod, size_t i)
{
	return pod && i < ck__strv_len(pod->members) ? pod->members[i] : NULL;
}

const char *ck_pod_label(const ck_pod *pod, const char *key)
{
	return pod && key ? ck__strmap_get(&pod->cfg.labels, key) : NULL;
}

size_t ck_pod_label_count(const ck_pod *pod)
{
	return pod ? pod->cfg.labels.n : 0;
}

int ck_pod_label_byindex(const char **key, const char **value, const ck_pod *pod, size_t i)
{
	CK_ENTER();
	if (!pod || i >= pod->cfg.labels.n)
		return ck__error_set(CK_EINVAL, "ck_pod_label_byindex: no label %zu", i);
	if (key)
		*key = pod->cfg.labels.keys[i];
	if (value)
		*value = pod->cfg.labels.vals[i];
	return CK_OK;
}

int64_t ck_pod_created(const ck_pod *pod)
{
	return pod ? pod->cfg.created : 0;
}

const char *ck_pod_hostname(const ck_pod *pod)
{
	return pod ? pod->cfg.hostname : NULL;
}

const char *const *ck_pod_shares(const ck_pod *pod)
{
	static const char *const none[] = { NULL };
	return pod && pod->cfg.shares ? (const char *const *)pod->cfg.shares : none;
}

const char *ck_pod_exit_policy(const ck_pod *pod)
{
	return pod ? pod->cfg.exit_policy : NULL;
}

const char *ck_pod_network(const ck_pod *pod)
{
	return pod ? pod->cfg.network : NULL;
}

int ck_pod_ports(char ***out, const ck_pod *pod)
{
	CK_ENTER();
	if (!out || !pod)
		return ck__error_set(CK_EINVAL, "ck_pod_ports: %s is NULL", !out ? "out" : "pod");
	*out = NULL;
	return ck__ports_lines(out, pod->cfg.ports, pod->cfg.n_ports);
}

static void container_gen(yajl_gen g, ck_context *ctx, const char *id)
{
	ck_container *c = NULL;

	if (ck_container_lookup(&c, ctx, id) != CK_OK) {
		ck__error_clear();
		return;
	}
	yajl_gen_map_open(g);
	ck__json_key_str(g, "Id", id);
	ck__json_key_str(g, "Name", ck_container_name(c));
	ck__json_key_str(g, "State", ck_container_status(c));
	yajl_gen_map_close(g);
	ck_container_free(c);
}

int ck_pod_inspect(char **out, const ck_pod *pod)
{
	yajl_gen g;
	char created[40];

	CK_ENTER();
	if (!out || !pod)
		return ck__error_set(CK_EINVAL, "ck_pod_inspect: %s is NULL", !out ? "out" : "pod");
	*out = NULL;
	if (!(g = ck__json_gen_new(true)))
		return ck__oom();
	ck__rfc3339(created, sizeof(created), pod->cfg.created);
	yajl_gen_map_open(g);
	ck__json_key_str(g, "Id", pod->cfg.id);
	ck__json_key_str(g, "Name", pod->cfg.name);
	ck__json_key_str(g, "Created", created);
	ck__json_key(g, "CreateCommand");
	yajl_gen_array_open(g);
	for (size_t i = 0; pod->cfg.create_command && pod->cfg.create_command[i]; i++)
		ck__json_str_val(g, pod->cfg.create_command[i]);
	yajl_gen_array_close(g);
	ck__json_key_str(g, "State", ck_pod_state_name(pod->state));
	ck__json_key_str(g, "Hostname", pod->cfg.hostname);
	ck__json_key(g, "Labels");
	ck__strmap_gen(g, &pod->cfg.labels);
	ck__json_key_str(g, "ExitPolicy", pod->cfg.exit_policy);
	ck__json_key_bool(g, "CreateInfra", pod->cfg.infra);
	ck__json_key_str(g, "InfraContainerId", pod->infra_id ? pod->infra_id : "");
	ck__json_key(g, "SharedNamespaces");
	yajl_gen_array_open(g);
	for (size_t i = 0; pod->cfg.shares && pod->cfg.shares[i]; i++) {
		ck__json_str_val(g, pod->cfg.shares[i]);
	}
	yajl_gen_array_close(g);
	ck__json_key(g, "InfraConfig");
	yajl_gen_map_open(g);
	ck__json_key(g, "PortBindings");
	ck__ports_bindings_gen(g, pod->cfg.ports, pod->cfg.n_ports);
	ck__json_key(g, "Networks");
	yajl_gen_array_open(g);
	ck__json_str_val(g, pod->cfg.network);
	yajl_gen_array_close(g);
	ck__json_key(g, "DNSServer");
	yajl_gen_array_open(g);
	for (size_t i = 0; pod->cfg.dns && pod->cfg.dns[i]; i++)
		ck__json_str_val(g, pod->cfg.dns[i]);
	yajl_gen_array_close(g);
	const struct { const char *key; char *const *v; } more[] = { { "DNSSearch", pod->cfg.dns_search },
		{ "DNSOption", pod->cfg.dns_options } };
	for (size_t k = 0; k < sizeof(more) / sizeof(more[0]); k++) {
		ck__json_key(g, more[k].key);
		yajl_gen_array_open(g);
		for (size_t i = 0; more[k].v && more[k].v[i]; i++)
			ck__json_str_val(g, more[k].v[i]);
		yajl_gen_array_close(g);
	}
	ck__json_key(g, "HostAdd");
	yajl_gen_array_open(g);
	for (size_t i = 0; pod->cfg.add_hosts && pod->cfg.add_hosts[i]; i++)
		ck__json_str_val(g, pod->cfg.add_hosts[i]);
	yajl_gen_array_close(g);
	ck__json_key_str(g, "InfraImage", pod->cfg.infra_image);
	ck__json_key(g, "InfraCommand");
	yajl_gen_array_open(g);
	for (size_t i = 0; pod->cfg.infra_command && pod->cfg.infra_command[i]; i++)
		ck__json_str_val(g, pod->cfg.infra_command[i]);
	yajl_gen_array_close(g);
	yajl_gen_map_close(g);
	ck__json_key_int(g, "NumContainers", (long long)(ck__strv_len(pod->members) + (pod->infra_id ? 1 : 0)));
	ck__json_key(g, "Containers");
	yajl_gen_array_open(g);
	if (pod->infra_id)
		container_gen(g, pod->ctx, pod->infra_id);
	for (size_t i = 0; pod->members[i]; i++)
		container_gen(g, pod->ctx, pod->members[i]);
	yajl_gen_array_close(g);
	yajl_gen_map_close(g);
	return ck__json_gen_finish(out, g);
}

int ck_pod_create_command(char ***out, const ck_pod *pod)
{
	int rc;

	CK_ENTER();
	if (!out || !pod)
		return ck__error_set(CK_EINVAL, "ck_pod_create_command: %s is NULL", !out ? "out" : "pod");
	if ((rc = ck__pod_strv_dup(out, (const char *const *)pod->cfg.create_command)) == CK_OK && !*out &&
	    !(*out = calloc(1, sizeof(char *))))
		rc = ck__oom();
	return rc;
}

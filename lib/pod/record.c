/* A pod's config record: written once at create, read by every handle. */
#define _GNU_SOURCE
#include "pod_int.h"

#include <stdlib.h>
#include <string.h>

int ck__pod_strv_dup(char ***out, const char *const *v)
{
	*out = NULL;
	for (size_t i = 0; v && v[i]; i++) {
		if (ck__strv_push(out, v[i]) != CK_OK) {
			ck_strv_free(*out);
			*out = NULL;
			return ck__oom();
		}
	}
	return CK_OK;
}

int ck__pod_strv_from_json(char ***out, yajl_val arr)
{
	char **v = calloc(1, sizeof(*v));

	*out = NULL;
	if (!v)
		return ck__oom();
	for (size_t i = 0; arr && YAJL_IS_ARRAY(arr) && i < arr->u.array.len; i++) {
		const char *s = YAJL_GET_STRING(arr->u.array.values[i]);
		if (s && ck__strv_push(&v, s) != CK_OK) {
			ck_strv_free(v);
			return ck__oom();
		}
	}
	*out = v;
	return CK_OK;
}

static void strv_gen(yajl_gen g, const char *key, char *const *v)
{
	ck__json_key(g, key);
	yajl_gen_array_open(g);
	for (size_t i = 0; v && v[i]; i++)
		ck__json_str_val(g, v[i]);
	yajl_gen_array_close(g);
}

int ck__pod_config_json(char **out, const ck__pod_config *c)
{
	yajl_gen g = ck__json_gen_new(false);

	*out = NULL;
	if (!g)
		return ck__oom();
	yajl_gen_map_open(g);
	ck__json_key_str(g, "id", c->id);
	ck__json_key_str(g, "name", c->name);
	ck__json_key_int(g, "created", c->created);
	ck__json_key(g, "labels");
	ck__strmap_gen(g, &c->labels);
	ck__json_key_str(g, "hostname", c->hostname);
	strv_gen(g, "shares", c->shares);
	ck__json_key_bool(g, "infra", c->infra);
	ck__json_key_str(g, "infra_image", c->infra_image ? c->infra_image : "");
	strv_gen(g, "infra_command", c->infra_command);
	strv_gen(g, "add_hosts", c->add_hosts);
	strv_gen(g, "dns", c->dns);
	strv_gen(g, "dns_search", c->dns_search);
	strv_gen(g, "dns_options", c->dns_options);
	strv_gen(g, "create_command", c->create_command);
	ck__json_key_str(g, "exit_policy", c->exit_policy);
	ck__json_key_str(g, "network", c->network);
	ck__ports_gen(g, "ports", c->ports, c->n_ports);
	yajl_gen_map_close(g);
	return ck__json_gen_finish(out, g);
}

static int dup_member(char **out, yajl_val t, const char *key, const char *dflt)
{
	const char *s = ck__json_str(t, key);
	return (*out = strdup(s ? s : dflt)) ? CK_OK : ck__oom();
}

static int ports_parse(ck__pod_config *c, yajl_val arr)
{
	if (!arr || !arr->u.array.len)
		return CK_OK;
	if (!(c->ports = calloc(arr->u.array.len, sizeof(*c->ports))))
		return ck__oom();
	for (size_t i = 0; i < arr->u.array.len; i++) {
		yajl_val o = arr->u.array.values[i];
		ck__port *p = &c->ports[c->n_ports++];
		const char *ip = ck__json_str(o, "host_ip"), *proto = ck__json_str(o, "protocol");
		long long v;
		if (ip && *ip && !(p->host_ip = strdup(ip)))
			return ck__oom();
		p->host_port = ck__json_int(o, "host_port", &v) ? (unsigned int)v : 0;
		p->container_port = ck__json_int(o, "container_port", &v) ? (unsigned int)v : 0;
		p->range = ck__json_int(o, "range", &v) ? (unsigned int)v : 1;
		snprintf(p->protocol, sizeof(p->protocol), "%s", proto ? proto : "tcp");
	}
	return CK_OK;
}

int ck__pod_config_parse(ck__pod_config *c, const char *json)
{
	yajl_val t = NULL;
	long long created = 0;
	bool infra = true;
	int rc;

	memset(c, 0, sizeof(*c));
	if ((rc = ck__json_parse(&t, json, "a pod's record", CK_ECORRUPT)) != CK_OK)
		return rc;
	if ((rc = dup_member(&c->id, t, "id", "")) || (rc = dup_member(&c->name, t, "name", "")) ||
	    (rc = dup_member(&c->hostname, t, "hostname", "")) ||
	    (rc = dup_member(&c->infra_image, t, "infra_image", "")) ||
	    (rc = dup_member(&c->exit_policy, t, "exit_policy", "continue")) ||
	    (rc = dup_member(&c->network, t, "network", "none")) ||
	    (rc = ck__pod_strv_from_json(&c->shares, ck__json_arr(t, "shares"))) ||
	    (rc = ck__pod_strv_from_json(&c->infra_command, ck__json_arr(t, "infra_command"))) ||
	    (rc = ck__pod_strv_from_json(&c->add_hosts, ck__json_arr(t, "add_hosts"))) ||
	    (rc = ck__pod_strv_from_json(&c->dns, ck__json_arr(t, "dns"))) ||
	    (rc = ck__pod_strv_from_json(&c->dns_search, ck__json_arr(t, "dns_search"))) ||
	    (rc = ck__pod_strv_from_json(&c->dns_options, ck__json_arr(t, "dns_options"))) ||
	    (rc = ck__pod_strv_from_json(&c->create_command, ck__json_arr(t, "create_command"))) ||
	    (rc = ports_parse(c, ck__json_arr(t, "ports"))))
		goto out;
	if (ck__json_obj(t, "labels") && (rc = ck__strmap_from_json(&c->labels, ck__json_obj(t, "labels"))) != CK_OK)
		goto out;
	ck__json_int(t, "created", &created);
	ck__json_bool(t, "infra", &infra);
	c->created = created;
	c->infra = infra;
out:
	yajl_tree_free(t);
	if (rc != CK_OK)
		ck__pod_config_free(c);
	return rc;
}

void ck__pod_config_free(ck__pod_config *c)
{
	if (!c)
		return;
	free(c->id);
	free(c->name);
	free(c->hostname);
	free(c->infra_image);
	ck_strv_free(c->create_command);
	free(c->exit_policy);
	free(c->network);
	ck__strmap_free(&c->labels);
	ck_strv_free(c->shares);
	ck_strv_free(c->infra_command);
	ck_strv_free(c->add_hosts);
	ck_strv_free(c->dns);
	ck_strv_free(c->dns_search);
	ck_strv_free(c->dns_options);
	for (size_t i = 0; i < c->n_ports; i++)
		free(c->ports[i].host_ip);
	free(c->ports);
	memset(c, 0, sizeof(*c));
}

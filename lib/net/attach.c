/* A container's attachment to its networks: the record in bucket
 * networks.attach (with the addresses, allocated in the same transaction),
 * the namespace file, and the driver's set-up, done and undone together. */
#define _GNU_SOURCE
#include "net_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

void ck__net_req_free(ck__net_req *r)
{
	if (!r)
		return;
	free(r->network);
	free(r->ip);
	free(r->mac);
	ck_strv_free(r->aliases);
	memset(r, 0, sizeof(*r));
}

void ck__net_result_free(ck__net_result *r)
{
	if (!r)
		return;
	free(r->netns);
	ck_strv_free(r->ips);
	ck_strv_free(r->dns);
	memset(r, 0, sizeof(*r));
}

void ck__net_attach_free(ck__net_attach *a)
{
	if (!a)
		return;
	free(a->ctr_id);
	free(a->ctr_name);
	free(a->netns);
	free(a->driver);
	for (size_t i = 0; i < a->n_eps; i++) {
		ck__net_free(&a->eps[i].net);
		free(a->eps[i].mac);
		ck_strv_free(a->eps[i].aliases);
	}
	free(a->eps);
	for (size_t i = 0; i < a->n_ports; i++) {
		free(a->ports[i].host_ip);
		free(a->ports[i].protocol);
	}
	free(a->ports);
	memset(a, 0, sizeof(*a));
}

/* ---- the record ---- */

static int strv_from_json(char ***out, yajl_val arr)
{
	int rc = CK_OK;

	*out = NULL;
	for (size_t i = 0; arr && YAJL_IS_ARRAY(arr) && i < arr->u.array.len && rc == CK_OK; i++)
		if (YAJL_IS_STRING(arr->u.array.values[i]))
			rc = ck__strv_push(out, YAJL_GET_STRING(arr->u.array.values[i]));
	return rc;
}

int ck__net_attach_json(char **out, const ck__net_attach *a)
{
	yajl_gen g = ck__json_gen_new(false);

	if (!g)
		return ck__oom();
	yajl_gen_map_open(g);
	ck__json_key_str(g, "ctr_id", a->ctr_id);
	ck__json_key_str(g, "ctr_name", a->ctr_name);
	ck__json_key_str(g, "netns", a->netns);
	ck__json_key_str(g, "driver", a->driver);
	ck__json_key(g, "endpoints");
	yajl_gen_array_open(g);
	for (size_t i = 0; i < a->n_eps; i++) {
		const ck__net_ep *e = &a->eps[i];
		char *nj = NULL;
		yajl_gen_map_open(g);
		ck__json_key_str(g, "ip", e->ip);
		ck__json_key_str(g, "mac", e->mac);
		ck__json_key_str(g, "ifname", e->ifname);
		ck__json_key(g, "aliases");
		yajl_gen_array_open(g);
		for (size_t k = 0; e->aliases && e->aliases[k]; k++)
			ck__json_str_val(g, e->aliases[k]);
		yajl_gen_array_close(g);
		/* The network as it was: teardown works after it changed or went. */
		if (ck__net_json(&nj, &e->net) != CK_OK) {
			yajl_gen_free(g);
			return ck__oom();
		}
		yajl_val nt = NULL;
		if (ck__json_parse(&nt, nj, "a network record", CK_ECORRUPT) != CK_OK) {
			free(nj);
			yajl_gen_free(g);
			return CK_ECORRUPT;
		}
		ck__json_key(g, "network");
		ck__json_emit(g, nt);
		yajl_tree_free(nt);
		free(nj);
		yajl_gen_map_close(g);
	}
	yajl_gen_array_close(g);
	ck__json_key(g, "ports");
	yajl_gen_array_open(g);
	for (size_t i = 0; i < a->n_ports; i++) {
		yajl_gen_map_open(g);
		ck__json_key_str(g, "host_ip", a->ports[i].host_ip);
		ck__json_key_int(g, "host_port", a->ports[i].host_port);
		ck__json_key_int(g, "container_port", a->ports[i].container_port);
		ck__json_key_int(g, "range", a->ports[i].range);
		ck__json_key_str(g, "protocol", a->ports[i].protocol);
		yajl_gen_map_close(g);
	}
	yajl_gen_array_close(g);
	yajl_gen_map_close(g);
	return ck__json_gen_finish(out, g);
}

static char *dup_str(yajl_val t, const char *key)
{
	const char *s = ck__json_str(t, key);
	return s ? strdup(s) : NULL;
}

int ck__net_attach_parse(ck__net_attach *a, const char *json)
{
	yajl_val t = NULL, eps, ports;
	int rc = CK_OK;

	memset(a, 0, sizeof(*a));
	if (ck__json_parse(&t, json, "a network attachment", CK_ECORRUPT) != CK_OK)
		return CK_ECORRUPT;
	a->ctr_id = dup_str(t, "ctr_id");
	a->ctr_name = dup_str(t, "ctr_name");
	a->netns = dup_str(t, "netns");
	a->driver = dup_str(t, "driver");
	eps = ck__json_arr(t, "endpoints");
	ports = ck__json_arr(t, "ports");
	if (!a->ctr_id || !a->ctr_name || !a->netns || !eps || !ports) {
		rc = ck__error_set(CK_ECORRUPT, "a network attachment record is damaged");
		goto out;
	}
	a->eps = calloc(eps->u.array.len + 1, sizeof(*a->eps));
	a->ports = calloc(ports->u.array.len + 1, sizeof(*a->ports));
	if (!a->eps || !a->ports) {
		rc = ck__oom();
		goto out;
	}
	for (size_t i = 0; i < eps->u.array.len && rc == CK_OK; i++) {
		yajl_val e = eps->u.array.values[i], nv = ck__json_obj(e, "network");
		ck__net_ep *ep = &a->eps[a->n_eps];
		char *nj = NULL;
		yajl_gen g = ck__json_gen_new(false);
		if (!g)
			return ck__oom();
		if (nv)
			ck__json_emit(g, nv);
		if ((rc = ck__json_gen_finish(&nj, g)) != CK_OK)
			break;
		rc = nv ? ck__net_parse(&ep->net, "of an attachment", nj)
		        : ck__error_set(CK_ECORRUPT, "a network attachment record is damaged");
		free(nj);
		if (rc != CK_OK)
			break;
		a->n_eps++;
		snprintf(ep->ip, sizeof(ep->ip), "%s", ck__json_str(e, "ip") ? ck__json_str(e, "ip") : "");
		snprintf(ep->ifname, sizeof(ep->ifname), "%s",
		         ck__json_str(e, "ifname") ? ck__json_str(e, "ifname") : "eth0");
		ep->mac = dup_str(e, "mac");
		rc = strv_from_json(&ep->aliases, ck__json_arr(e, "aliases"));
	}
	for (size_t i = 0; i < ports->u.array.len && rc == CK_OK; i++) {
		yajl_val p = ports->u.array.values[i];
		long long hp = 0, cp = 0, r = 1;
		struct ck__net_pm *pm = &a->ports[a->n_ports++];
		ck__json_int(p, "host_port", &hp);
		ck__json_int(p, "container_port", &cp);
		ck__json_int(p, "range", &r);
		pm->host_ip = dup_str(p, "host_ip");
		pm->protocol = dup_str(p, "protocol");
		pm->host_port = (unsigned)hp;
		pm->container_port = (unsigned)cp;
		pm->range = (unsigned)r;
	}
out:
	yajl_tree_free(t);
	if (rc != CK_OK)
		ck__net_attach_free(a);
	return rc;
}

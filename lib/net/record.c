/* The network record: config JSON in bucket "networks" keyed by name, the
 * default network (never stored), lookups by name, id or id prefix. */
#define _GNU_SOURCE
#include "net_int.h"

#include <stdlib.h>
#include <string.h>

int ck__net_scan(ck_state_txn *txn, const char *bucket, const char *prefix, ck_state_scan_fn fn, void *payload)
{
	int rc = ck__txn_scan(txn, bucket, prefix, fn, payload);
	if (rc == CK_ENOTFOUND) {
		ck__error_clear();
		rc = CK_OK;
	}
	return rc;
}

void ck__net_free(ck__net *n)
{
	if (!n)
		return;
	free(n->name);
	free(n->id);
	free(n->driver);
	free(n->iface);
	free(n->subnet);
	free(n->gateway);
	free(n->ip_range);
	ck__strmap_free(&n->labels);
	ck__strmap_free(&n->options);
	memset(n, 0, sizeof(*n));
}

/* The allocation range and gateway from the text fields. */
int ck__net_derive(ck__net *n)
{
	uint32_t rnet;
	unsigned rp;
	int rc;

	if ((rc = ck__cidr_parse(&n->net, &n->prefix, n->subnet, "subnet")) != CK_OK)
		return rc;
	if (n->prefix > 30)
		return ck__error_set(CK_EINVAL, "invalid subnet \"%s\": a prefix longer than /30 leaves no address "
		                                "for containers", n->subnet);
	if (n->gateway && *n->gateway) {
		if ((rc = ck__ip4_parse(&n->gw, n->gateway)) != CK_OK)
			return ck__error_set(CK_EINVAL, "invalid gateway \"%s\": not an IPv4 address", n->gateway);
	} else {
		n->gw = n->net + 1;
	}
	uint32_t bcast = n->net | ~ck__cidr_mask(n->prefix);
	if (!ck__cidr_contains(n->net, n->prefix, n->gw) || n->gw == n->net || n->gw == bcast)
		return ck__error_set(CK_EINVAL, "gateway %s is not a host address of subnet %s",
		                     n->gateway ? n->gateway : "?", n->subnet);
	n->lo = n->net + 1;
	n->hi = bcast - 1;
	if (n->ip_range && *n->ip_range) {
		if ((rc = ck__cidr_parse(&rnet, &rp, n->ip_range, "ip range")) != CK_OK)
			return rc;
		if (rp < n->prefix || !ck__cidr_contains(n->net, n->prefix, rnet))
			return ck__error_set(CK_EINVAL, "ip range %s is not inside subnet %s", n->ip_range, n->subnet);
		uint32_t rb = rnet | ~ck__cidr_mask(rp);
		n->lo = rnet > n->lo ? rnet : n->lo;
		n->hi = rb < n->hi ? rb : n->hi;
		if (n->lo > n->hi)
			return ck__error_set(CK_EINVAL, "ip range %s has no host address of subnet %s", n->ip_range,
			                     n->subnet);
	}
	return CK_OK;
}

int ck__net_default(ck__net *n)
{
	char id[65];

	memset(n, 0, sizeof(*n));
	/* podman's default network id is the digest of its name. */
	ck__sha256_hex(id, CK_NETWORK_DEFAULT, strlen(CK_NETWORK_DEFAULT));
	n->name = strdup(CK_NETWORK_DEFAULT);
	n->id = strdup(id);
	n->driver = strdup("bridge");
	n->iface = strdup("podman0");
	n->subnet = strdup("10.88.0.0/16");
	n->gateway = strdup("10.88.0.1");
	n->is_default = true;
	if (!n->name || !n->id || !n->driver || !n->iface || !n->subnet || !n->gateway) {
		ck__net_free(n);
		return ck__oom();
	}
	return ck__net_derive(n);
}

int ck__net_json(char **out, const ck__net *n)
{
	yajl_gen g = ck__json_gen_new(false);

	if (!g)
		return ck__oom();
	yajl_gen_map_open(g);
	ck__json_key_str(g, "name", n->name);
	ck__json_key_str(g, "id", n->id);
	ck__json_key_str(g, "driver", n->driver);
	ck__json_key_str(g, "network_interface", n->iface);
	ck__json_key_str(g, "subnet", n->subnet);
	ck__json_key_str(g, "gateway", n->gateway);
	if (n->ip_range)
		ck__json_key_str(g, "ip_range", n->ip_range);
	ck__json_key_bool(g, "internal", n->internal);
	ck__json_key_bool(g, "dns_enabled", n->dns);
	ck__json_key(g, "labels");
	ck__strmap_gen(g, &n->labels);
	ck__json_key(g, "options");
	ck__strmap_gen(g, &n->options);
	ck__json_key_int(g, "created", n->created);
	yajl_gen_map_close(g);
	return ck__json_gen_finish(out, g);
}

void ck__net_gen_podman(yajl_gen g, const ck__net *n, const char *created)
{
	ck__json_key_str(g, "name", n->name);
	ck__json_key_str(g, "id", n->id);
	ck__json_key_str(g, "driver", n->driver);
	ck__json_key_str(g, "network_interface", n->iface);
	if (created)
		ck__json_key_str(g, "created", created);
	ck__json_key(g, "subnets");
	yajl_gen_array_open(g);
	yajl_gen_map_open(g);
	ck__json_key_str(g, "subnet", n->subnet);
	ck__json_key_str(g, "gateway", n->gateway);
	if (created && n->ip_range) {
		char lo[16], hi[16];
		ck__ip4_format(lo, n->lo);
		ck__ip4_format(hi, n->hi);
		ck__json_key(g, "lease_range");
		yajl_gen_map_open(g);
		ck__json_key_str(g, "start_ip", lo);
		ck__json_key_str(g, "end_ip", hi);
		yajl_gen_map_close(g);
	}
	yajl_gen_map_close(g);
	yajl_gen_array_close(g);
	ck__json_key_bool(g, "ipv6_enabled", false);
	ck__json_key_bool(g, "internal", n->internal);
	ck__json_key_bool(g, "dns_enabled", n->dns);
	if (created) {
		ck__json_key(g, "labels");
		ck__strmap_gen(g, &n->labels);
	}
	if (created || n->options.n) {
		ck__json_key(g, "options");
		ck__strmap_gen(g, &n->options);
	}
	ck__json_key(g, "ipam_options");
	yajl_gen_map_open(g);
	ck__json_key_str(g, "driver", "host-local");
	yajl_gen_map_close(g);
}

static char *dup_member(yajl_val t, const char *key)
{
	const char *s = ck__json_str(t, key);
	return s ? strdup(s) : NULL;
}

int ck__net_parse(ck__net *n, const char *name, const char *json)
{
	yajl_val t = NULL;
	long long created = 0;
	int rc;

	memset(n, 0, sizeof(*n));
	if (ck__json_parse(&t, json, "the network record", CK_ECORRUPT) != CK_OK || !YAJL_IS_OBJECT(t)) {
		if (t)
			yajl_tree_free(t);
		return ck__error_set(CK_ECORRUPT, "the record of network %s is damaged", name);
	}
	n->name = dup_member(t, "name");
	n->id = dup_member(t, "id");
	n->driver = dup_member(t, "driver");
	n->iface = dup_member(t, "network_interface");
	n->subnet = dup_member(t, "subnet");
	n->gateway = dup_member(t, "gateway");
	n->ip_range = dup_member(t, "ip_range");
	ck__json_bool(t, "internal", &n->internal);
	ck__json_bool(t, "dns_enabled", &n->dns);
	ck__json_int(t, "created", &created);
	n->created = created;
	rc = ck__strmap_from_json(&n->labels, ck__json_obj(t, "labels"));
	if (rc == CK_OK)
		rc = ck__strmap_from_json(&n->options, ck__json_obj(t, "options"));
	yajl_tree_free(t);
	if (rc == CK_OK && (!n->name || !n->id || !n->driver || !n->iface || !n->subnet || !n->gateway))
		rc = ck__error_set(CK_ECORRUPT, "the record of network %s lacks a member", name);
	if (rc == CK_OK && (rc = ck__net_derive(n)) != CK_OK)
		rc = ck__error_set(CK_ECORRUPT, "the record of network %s is damaged: %s", name,
		                   ck_error_last()->message);
	if (rc != CK_OK)
		ck__net_free(n);
	return rc;
}

int ck__net_copy(ck__net *dst, const ck__net *src)
{
	char *json = NULL;
	int rc = ck__net_json(&json, src);

	if (rc == CK_OK)
		rc = ck__net_parse(dst, src->name, json);
	dst->is_default = src->is_default;
	free(json);
	return rc;
}

struct id_match {
	const char *prefix;
	char *name;
	int count;
};

static int id_one(const char *key, const void *val, size_t len, void *payload)
{
	struct id_match *m = payload;
	char *text = strndup(val, len);
	yajl_val t = NULL;

	if (!text)
		return ck__oom();
	if (ck__json_parse(&t, text, "network", CK_ECORRUPT) == CK_OK) {
		const char *id = ck__json_str(t, "id");
		if (id && ck__str_has_prefix(id, m->prefix) && ++m->count == 1 && !(m->name = strdup(key)))
			m->count = -1000;
	}
	ck__error_clear();
	if (t)
		yajl_tree_free(t);
	free(text);
	return m->count < 0 ? ck__oom() : 0;
}

/* Not ck__rec_resolve, which the other kinds share: a network's record is
 * keyed by its name and its id is inside the record (so a prefix is matched
 * against each record's id, not against the keys), and the default network
 * exists without a record. */
int ck__net_get(ck__net *n, ck_state_txn *txn, const char *ref)
{
	char *json = NULL;
	int rc;

	if (!ref || !*ref)
		return ck__error_set(CK_EINVAL, "an empty network name was given");
	if ((rc = ck__net_default(n)) != CK_OK)
		return rc;
	if (!strcmp(ref, n->name) || (strlen(ref) >= 3 && ck__str_has_prefix(n->id, ref)))
		return CK_OK;
	ck__net_free(n);
	rc = ck__txn_get(&json, NULL, txn, ck__kind_bucket(CK__KIND_NETWORK), ref);
	if (rc == CK_OK) {
		rc = ck__net_parse(n, ref, json);
		free(json);
		return rc;
	}
	if (rc != CK_ENOTFOUND)
		return rc;
	ck__error_clear();
	struct id_match m = { ref, NULL, 0 };
	if (ck__is_hex(ref, strlen(ref)) &&
	    (rc = ck__net_scan(txn, ck__kind_bucket(CK__KIND_NETWORK), "", id_one, &m)) != CK_OK) {
		free(m.name);
		return rc;
	}
	if (m.count > 1) {
		free(m.name);
		return ck__error_set(CK_EAMBIGUOUS, "\"%s\" matches more than one network; give more of the id", ref);
	}
	if (m.count == 1) {
		rc = ck__txn_get(&json, NULL, txn, ck__kind_bucket(CK__KIND_NETWORK), m.name);
		if (rc == CK_OK)
			rc = ck__net_parse(n, m.name, json);
		free(json);
		free(m.name);
		return rc;
	}
	return ck__error_set(CK_ENOTFOUND, "unable to find network with name or ID %s: network not found", ref);
}

struct each {
	ck__net_fn fn;
	void *payload;
};

static int each_one(const char *key, const void *val, size_t len, void *payload)
{
	struct each *e = payload;
	char *text = strndup(val, len);
	ck__net n;
	int rc;

	if (!text)
		return ck__oom();
	rc = ck__net_parse(&n, key, text);
	free(text);
	if (rc != CK_OK)
		return rc;
	rc = e->fn(&n, e->payload);
	ck__net_free(&n);
	return rc;
}

int ck__net_foreach(ck_state_txn *txn, ck__net_fn fn, void *payload)
{
	struct each e = { fn, payload };
	ck__net d;
	int rc = ck__net_default(&d);

	if (rc != CK_OK)
		return rc;
	rc = fn(&d, payload);
	ck__net_free(&d);
	if (rc != CK_OK)
		return rc;
	return ck__net_scan(txn, ck__kind_bucket(CK__KIND_NETWORK), "", each_one, &e);
}

static int count_one(const char *key, const void *val, size_t len, void *payload)
{
	(*(size_t *)payload)++;
	return 0;
}

int ck__net_count_users(size_t *n, ck_state_txn *txn, const char *name)
{
	char *prefix = ck__asprintf("%s/", name);
	int rc;

	*n = 0;
	if (!prefix)
		return ck__oom();
	rc = ck__net_scan(txn, CK__NET_B_USERS, prefix, count_one, n);
	free(prefix);
	return rc;
}

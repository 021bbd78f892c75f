/* The network spec builder, creating, looking up and removing network
 * records, and the handle's getters. */
#define _GNU_SOURCE
#include "net_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ck_network_spec {
	char *name, *subnet, *gateway, *ip_range;
	bool internal, disable_dns;
	ck__strmap labels, options;
};

#define NEED_SPEC(fn)                                                                       \
	do {                                                                                \
		CK_ENTER();                                                                 \
		if (!spec)                                                                  \
			return ck__error_set(CK_EINVAL, "ck_network_spec_" fn ": spec is NULL"); \
	} while (0)

int ck_network_spec_new(ck_network_spec **out)
{
	CK_ENTER();
	if (!out)
		return ck__error_set(CK_EINVAL, "ck_network_spec_new: out is NULL");
	*out = calloc(1, sizeof(**out));
	return *out ? CK_OK : ck__oom();
}

void ck_network_spec_free(ck_network_spec *spec)
{
	if (!spec)
		return;
	free(spec->name);
	free(spec->subnet);
	free(spec->gateway);
	free(spec->ip_range);
	ck__strmap_free(&spec->labels);
	ck__strmap_free(&spec->options);
	free(spec);
}

static int set_str(char **dst, const char *val)
{
	char *copy = val ? strdup(val) : NULL;
	if (val && !copy)
		return ck__oom();
	free(*dst);
	*dst = copy;
	return CK_OK;
}

int ck_network_spec_set_name(ck_network_spec *spec, const char *name)
{
	int rc;
	NEED_SPEC("set_name");
	if ((rc = ck__validate_name(name, "network")) != CK_OK)
		return rc;
	return set_str(&spec->name, name);
}

int ck_network_spec_set_driver(ck_network_spec *spec, const char *driver)
{
	NEED_SPEC("set_driver");
	if (!driver || strcmp(driver, "bridge") != 0)
		return ck__error_set(CK_EUNSUPPORTED, "network driver \"%s\" is not supported (only bridge)",
		                     driver ? driver : "");
	return CK_OK;
}

int ck_network_spec_set_subnet(ck_network_spec *spec, const char *cidr)
{
	uint32_t net;
	unsigned p;
	int rc;
	NEED_SPEC("set_subnet");
	if ((rc = ck__cidr_parse(&net, &p, cidr, "subnet")) != CK_OK)
		return rc;
	if (p < 8 || p > 30)
		return ck__error_set(CK_EINVAL, "invalid subnet \"%s\": the prefix length must be 8 to 30", cidr);
	char buf[16], text[24];
	ck__ip4_format(buf, net);
	snprintf(text, sizeof(text), "%s/%u", buf, p);
	return set_str(&spec->subnet, text);
}

int ck_network_spec_set_gateway(ck_network_spec *spec, const char *ip)
{
	uint32_t a;
	NEED_SPEC("set_gateway");
	if (ck__ip4_parse(&a, ip) != CK_OK)
		return ck__error_set(CK_EINVAL, "invalid gateway \"%s\": not an IPv4 address", ip ? ip : "");
	return set_str(&spec->gateway, ip);
}

int ck_network_spec_set_ip_range(ck_network_spec *spec, const char *cidr)
{
	uint32_t net;
	unsigned p;
	int rc;
	NEED_SPEC("set_ip_range");
	if ((rc = ck__cidr_parse(&net, &p, cidr, "ip range")) != CK_OK)
		return rc;
	return set_str(&spec->ip_range, cidr);
}

int ck_network_spec_set_internal(ck_network_spec *spec, int internal)
{
	NEED_SPEC("set_internal");
	spec->internal = internal != 0;
	return CK_OK;
}

int ck_network_spec_set_disable_dns(ck_network_spec *spec, int disable)
{
	NEED_SPEC("set_disable_dns");
	spec->disable_dns = disable != 0;
	return CK_OK;
}

int ck_network_spec_set_label(ck_network_spec *spec, const char *key, const char *value)
{
	NEED_SPEC("set_label");
	if (!key || !*key)
		return ck__error_set(CK_EINVAL, "a network label needs a non-empty key");
	return ck__strmap_set(&spec->labels, key, value ? value : "");
}

int ck_network_spec_set_option(ck_network_spec *spec, const char *key, const char *value)
{
	NEED_SPEC("set_option");
	if (!key || !value)
		return ck__error_set(CK_EINVAL, "ck_network_spec_set_option: key and value are required");
	if (!strcmp(key, "mtu")) {
		char *end;
		unsigned long v = strtoul(value, &end, 10);
		if (!*value || *end || v < 68 || v > 65535)
			return ck__error_set(CK_EINVAL, "invalid mtu \"%s\": a number from 68 to 65535", value);
	} else if (!strcmp(key, "isolate")) {
		if (strcmp(value, "true") && strcmp(value, "false"))
			return ck__error_set(CK_EINVAL, "invalid isolate option \"%s\": true or false", value);
	} else {
		return ck__error_set(CK_EINVAL, "unsupported bridge network option %s (known: mtu, isolate)", key);
	}
	return ck__strmap_set(&spec->options, key, value);
}

/* ---- create ---- */

struct scan_used {
	unsigned char ifaces[1024]; /* podmanN in use */
	ck__net *nets;
	size_t n;
	char taken_name[256];
};

static int used_one(const ck__net *n, void *payload)
{
	struct scan_used *u = payload;
	unsigned long k;
	char *end;

	if (ck__str_has_prefix(n->iface, "podman") && n->iface[6] && (k = strtoul(n->iface + 6, &end, 10), !*end) &&
	    k < sizeof(u->ifaces))
		u->ifaces[k] = 1;
	ck__net *grown = realloc(u->nets, (u->n + 1) * sizeof(*grown));
	if (!grown)
		return ck__oom();
	u->nets = grown;
	int rc = ck__net_copy(&u->nets[u->n], n);
	if (rc == CK_OK)
		u->n++;
	return rc;
}

static void used_free(struct scan_used *u)
{
	for (size_t i = 0; i < u->n; i++)
		ck__net_free(&u->nets[i]);
	free(u->nets);
	u->nets = NULL;
	u->n = 0;
}

static const ck__net *overlapping(const struct scan_used *u, uint32_t net, unsigned prefix)
{
	for (size_t i = 0; i < u->n; i++)
		if (ck__cidr_overlap(u->nets[i].net, u->nets[i].prefix, net, prefix))
			return &u->nets[i];
	return NULL;
}

struct create_args {
	const ck_network_spec *spec;
	ck__net *n; /* filled in by the transaction */
	bool hostwide;
	const ck__net_registry *reg; /* other stores' networks (registry.c) */
};

static int pick_name(char **out, const struct scan_used *u)
{
	for (unsigned k = 1; k < 100000; k++) {
		char name[32];
		bool taken = false;
		snprintf(name, sizeof(name), "podman%u", k);
		for (size_t i = 0; i < u->n && !taken; i++)
			taken = !strcmp(u->nets[i].name, name);
		if (!taken)
			return (*out = strdup(name)) ? CK_OK : ck__oom();
	}
	return ck__error_set(CK_EINUSE, "no free network name podmanN");
}

static int create_fn(ck_state_txn *txn, void *payload)
{
	struct create_args *a = payload;
	const ck_network_spec *spec = a->spec;
	struct scan_used u;
	ck__net *n = a->n;
	char idbuf[65], *config = NULL;
	int rc;

	memset(&u, 0, sizeof(u));
	ck__net_free(n); /* the transaction may run again */
	if ((rc = ck__net_foreach(txn, used_one, &u)) != CK_OK)
		goto out;
	if (spec->name)
		n->name = strdup(spec->name);
	else if ((rc = pick_name(&n->name, &u)) != CK_OK)
		goto out;
	for (size_t i = 0; i < u.n; i++)
		if (!strcmp(u.nets[i].name, n->name ? n->name : "")) {
			rc = ck__error_set(CK_EEXISTS, "network name %s already used: network already exists", n->name);
			goto out;
		}
	/* Bridges are the host's but records are the store's: a rootful store
	 * also skips a bridge that another store (or podman) has up or used
	 * in this boot, else two networks share it and the teardown of one
	 * leaves the other's firewall rules behind. */
	unsigned k = 1;
	char iface[32];
	for (;; k++) {
		snprintf(iface, sizeof(iface), "podman%u", k);
		if (k >= sizeof(u.ifaces) || (!u.ifaces[k] && !(a->hostwide && ck__net_iface_seen(iface)) &&
		                              !ck__net_registry_iface(a->reg, iface)))
			break;
	}
	n->iface = strdup(iface);
	if ((rc = ck__random_id(idbuf)) != CK_OK)
		goto out;
	n->id = strdup(idbuf);
	n->driver = strdup("bridge");
	if (spec->subnet) {
		n->subnet = strdup(spec->subnet);
	} else {
		/* podman's choice: the first free 10.89.N.0/24 */
		for (unsigned s = 0; s < 256 && !n->subnet; s++) {
			uint32_t net = (10u << 24) | (89u << 16) | (s << 8);
			if (!overlapping(&u, net, 24) && !ck__net_registry_overlap(a->reg, net, 24))
				n->subnet = ck__asprintf("10.89.%u.0/24", s);
		}
		if (!n->subnet) {
			rc = ck__error_set(CK_EINUSE, "could not find a free subnet in 10.89.0.0/16; give one with --subnet");
			goto out;
		}
	}
	if (spec->gateway)
		n->gateway = strdup(spec->gateway);
	if (spec->ip_range)
		n->ip_range = strdup(spec->ip_range);
	if (!n->name || !n->iface || !n->id || !n->driver || !n->subnet || (spec->gateway && !n->gateway) ||
	    (spec->ip_range && !n->ip_range)) {
		rc = ck__oom();
		goto out;
	}
	n->internal = spec->internal;
	n->dns = !spec->disable_dns;
	n->created = ck__now_ns() / 1000000000;
	for (size_t i = 0; i < spec->labels.n && rc == CK_OK; i++)
		rc = ck__strmap_set(&n->labels, spec->labels.keys[i], spec->labels.vals[i]);
	for (size_t i = 0; i < spec->options.n && rc == CK_OK; i++)
		rc = ck__strmap_set(&n->options, spec->options.keys[i], spec->options.vals[i]);
	if (rc != CK_OK)
		goto out;
	if ((rc = ck__net_derive(n)) != CK_OK) {
		rc = ck__error_set(CK_EINVAL, "cannot create network %s: %s", n->name, ck_error_last()->message);
		goto out;
	}
	if (!n->gateway) {
		char gw[16];
		ck__ip4_format(gw, n->gw);
		if (!(n->gateway = strdup(gw))) {
			rc = ck__oom();
			goto out;
		}
	}
	const ck__net *other = overlapping(&u, n->net, n->prefix);
	const ck__net_reg_entry *theirs = ck__net_registry_overlap(a->reg, n->net, n->prefix);
	if (other) {
		rc = ck__error_set(CK_EINUSE, "subnet %s is already used on the host or by another network: it "
		                              "overlaps %s of network %s", n->subnet, other->subnet, other->name);
		goto out;
	}
	if (theirs) {
		rc = ck__error_set(CK_EINUSE, "subnet %s is already used on the host by another store's network: it "
		                              "overlaps %s of network %s (bridge %s) of the store in %s", n->subnet,
		                   theirs->subnet, theirs->name, theirs->iface, theirs->root);
		goto out;
	}
	if ((rc = ck__net_json(&config, n)) != CK_OK)
		goto out;
	if (rc == CK_OK)
		rc = ck__rec_insert(txn, CK__KIND_NETWORK, n->name, NULL, config, "{}");
	if (rc == CK_EEXISTS)
		rc = ck__error_set(CK_EEXISTS, "network name %s already used: network already exists", n->name);
out:
	free(config);
	used_free(&u);
	return rc;
}

int ck__net_handle(ck_network **out, ck_context *ctx, const ck__net *n, size_t users)
{
	ck_network *h = calloc(1, sizeof(*h));
	int rc;

	if (!h)
		return ck__oom();
	h->ctx = ctx;
	h->users = users;
	if ((rc = ck__net_copy(&h->n, n)) != CK_OK) {
		free(h);
		return rc;
	}
	*out = h;
	return CK_OK;
}

static int all_fn(ck_state_txn *txn, void *payload)
{
	struct scan_used *u = payload;
	used_free(u);
	return ck__net_foreach(txn, used_one, u);
}

/* The registry's lines of this store, from all its networks. */
static int register_all(ck__net_registry *reg, ck_context *ctx)
{
	struct scan_used u;
	int rc;

	memset(&u, 0, sizeof(u));
	if ((rc = ck__state_read(ctx, all_fn, &u)) == CK_OK)
		rc = ck__net_registry_sync(reg, u.nets, u.n);
	used_free(&u);
	return rc;
}

int ck_network_create(ck_network **out, ck_context *ctx, const ck_network_spec *spec)
{
	ck__net n;
	int rc;

	CK_ENTER();
	if (out)
		*out = NULL;
	if (!ctx || !spec)
		return ck__error_set(CK_EINVAL, "ck_network_create: ctx and spec are required");
	if (spec->name && !strcmp(spec->name, CK_NETWORK_DEFAULT))
		return ck__error_set(CK_EEXISTS, "network name %s already used: it is the default network",
		                     spec->name);
	memset(&n, 0, sizeof(n));
	/* Held from the pick to the registry's update, so that another store
	 * creating a network meanwhile sees this one. */
	ck__net_registry reg;
	if ((rc = ck__net_registry_open(&reg, ctx)) != CK_OK)
		return rc;
	struct create_args a = { spec, &n, ck__net_hostwide(ctx), &reg };
	rc = ck__state_write(ctx, create_fn, &a);
	if (rc == CK_OK && reg.active && register_all(&reg, ctx) != CK_OK) {
		/* The record is made; only other stores' picks are at risk. */
		ck__log(ctx, CK_LOG_WARN, "network %s: cannot record its bridge host-wide: %s", n.name,
		        ck_error_last()->message);
		ck__error_clear();
	}
	ck__net_registry_free(&reg);
	if (rc == CK_OK) {
		ck__log(ctx, CK_LOG_DEBUG, "network %s: created on %s (%s)", n.name, n.subnet, n.iface);
		ck__event_write(ctx, "network", "create", n.id, n.name, NULL, NULL, -1);
		if (out)
			rc = ck__net_handle(out, ctx, &n, 0);
	}
	ck__net_free(&n);
	return rc;
}

/* ---- lookup ---- */

struct get_args {
	const char *ref;
	ck__net n;
	size_t users;
};

static int get_fn(ck_state_txn *txn, void *payload)
{
	struct get_args *a = payload;
	int rc;

	ck__net_free(&a->n);
	if ((rc = ck__net_get(&a->n, txn, a->ref)) == CK_OK)
		rc = ck__net_count_users(&a->users, txn, a->n.name);
	return rc;
}

int ck_network_lookup(ck_network **out, ck_context *ctx, const char *ref)
{
	struct get_args a;
	int rc;

	CK_ENTER();
	if (!out || !ctx)
		return ck__error_set(CK_EINVAL, "ck_network_lookup: out and ctx are required");
	*out = NULL;
	memset(&a, 0, sizeof(a));
	a.ref = ref;
	if ((rc = ck__state_read(ctx, get_fn, &a)) == CK_OK)
		rc = ck__net_handle(out, ctx, &a.n, a.users);
	ck__net_free(&a.n);
	return rc;
}

int ck_network_exists(ck_context *ctx, const char *ref)
{
	ck_network *n = NULL;
	int rc = ck_network_lookup(&n, ctx, ref);

	ck_network_free(n);
	if (rc == CK_ENOTFOUND) {
		ck__error_clear();
		return 0;
	}
	return rc == CK_OK ? 1 : rc;
}

int ck__net_resolve(char **name, ck_context *ctx, const char *ref)
{
	struct get_args a;
	int rc;

	memset(&a, 0, sizeof(a));
	a.ref = ref;
	*name = NULL;
	if ((rc = ck__state_read(ctx, get_fn, &a)) == CK_OK && !(*name = strdup(a.n.name)))
		rc = ck__oom();
	ck__net_free(&a.n);
	return rc;
}

void ck_network_free(ck_network *net)
{
	if (!net)
		return;
	ck__net_free(&net->n);
	free(net);
}

/* ---- removal of the record ---- */

struct rm_args {
	const char *name;
	bool force;
};

static int rm_fn(ck_state_txn *txn, void *payload)
{
	struct rm_args *a = payload;
	size_t users = 0;
	int rc = ck__net_count_users(&users, txn, a->name);

	if (rc == CK_OK && users && !a->force)
		return ck__error_set(CK_EINUSE, "network %s is being used by %zu container%s: remove them first, "
		                                "or use --force", a->name, users, users == 1 ? "" : "s");
	if (rc == CK_OK)
		rc = ck__rec_delete(txn, CK__KIND_NETWORK, a->name, NULL);
	return rc;
}

int ck__net_remove_record(ck_context *ctx, const char *name, bool force)
{
	struct rm_args a = { name, force };
	int rc;

	if (!strcmp(name, CK_NETWORK_DEFAULT))
		return ck__error_set(CK_EINVAL, "default network %s cannot be removed", name);
	rc = ck__state_write(ctx, rm_fn, &a);
	if (rc == CK_OK && ck__net_registry_remove(ctx, name) != CK_OK) {
		/* A line left behind only keeps other stores off its bridge
		 * until this store's next create rewrites its lines. */
		ck__log(ctx, CK_LOG_WARN, "network %s: %s", name, ck_error_last()->message);
		ck__error_clear();
	}
	if (rc == CK_OK)
		ck__event_write(ctx, "network", "remove", NULL, name, NULL, NULL, -1);
	return rc;
}

/* ---- getters ---- */

const char *ck_network_name(const ck_network *net)
{
	return net ? net->n.name : NULL;
}

const char *ck_network_id(const ck_network *net)
{
	return net ? net->n.id : NULL;
}

const char *ck_network_driver(const ck_network *net)
{
	return net ? net->n.driver : NULL;
}

const char *ck_network_interface(const ck_network *net)
{
	return net ? net->n.iface : NULL;
}

size_t ck_network_subnet_count(const ck_network *net)
{
	return net ? 1 : 0;
}

const char *ck_network_subnet_byindex(const ck_network *net, size_t i)
{
	return net && i == 0 ? net->n.subnet : NULL;
}

const char *ck_network_gateway(const ck_network *net)
{
	return net ? net->n.gateway : NULL;
}

const char *ck_network_ip_range(const ck_network *net)
{
	return net ? net->n.ip_range : NULL;
}

int ck_network_internal(const ck_network *net)
{
	return net && net->n.internal;
}

int ck_network_dns_enabled(const ck_network *net)
{
	return net && net->n.dns;
}

const char *ck_network_label(const ck_network *net, const char *key)
{
	return net && key ? ck__strmap_get(&net->n.labels, key) : NULL;
}

size_t ck_network_label_count(const ck_network *net)
{
	return net ? net->n.labels.n : 0;
}

int ck_network_label_byindex(const char **key, const char **value, const ck_network *net, size_t i)
{
	CK_ENTER();
	if (!net || i >= net->n.labels.n)
		return ck__error_set(CK_EINVAL, "ck_network_label_byindex: index %zu is out of range", i);
	if (key)
		*key = net->n.labels.keys[i];
	if (value)
		*value = net->n.labels.vals[i];
	return CK_OK;
}

const char *ck_network_option(const ck_network *net, const char *key)
{
	return net && key ? ck__strmap_get(&net->n.options, key) : NULL;
}

int64_t ck_network_created(const ck_network *net)
{
	return net ? net->n.created : 0;
}

size_t ck_network_containers(const ck_network *net)
{
	return net ? net->users : 0;
}

/* Setting a container's networks up before its start and tearing them down
 * after its end (or after a start that failed half-way, or a monitor that
 * died): addresses and the attachment record first, then the namespace
 * file, then the driver; teardown in the reverse order, each step
 * idempotent, so that a process killed anywhere leaves what the next
 * teardown or `system check --repair` can finish. */
#define _GNU_SOURCE
#include "net_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- at create ---- */

struct validate_args {
	const ck__net_req *reqs;
	size_t n;
};

static int validate_fn(ck_state_txn *txn, void *payload)
{
	struct validate_args *a = payload;
	int rc = CK_OK;

	for (size_t i = 0; i < a->n && rc == CK_OK; i++) {
		ck__net n;
		uint32_t ip;
		for (size_t k = 0; k < i; k++)
			if (!strcmp(a->reqs[k].network, a->reqs[i].network))
				return ck__error_set(CK_EINVAL, "network %s is given twice", a->reqs[i].network);
		if ((rc = ck__net_get(&n, txn, a->reqs[i].network)) != CK_OK)
			return rc;
		if (a->reqs[i].ip) {
			uint32_t bcast = n.net | ~ck__cidr_mask(n.prefix);
			if (ck__ip4_parse(&ip, a->reqs[i].ip) != CK_OK)
				rc = ck__error_set(CK_EINVAL, "invalid static ip \"%s\"", a->reqs[i].ip);
			else if (!ck__cidr_contains(n.net, n.prefix, ip) || ip == n.net || ip == bcast || ip == n.gw)
				rc = ck__error_set(CK_EINVAL, "static ip %s is not a free host address of subnet %s of "
				                              "network %s", a->reqs[i].ip, n.subnet, n.name);
		}
		ck__net_free(&n);
	}
	return rc;
}

int ck__net_validate(ck_context *ctx, const ck__net_req *reqs, size_t n)
{
	struct validate_args a = { reqs, n };
	return n ? ck__state_read(ctx, validate_fn, &a) : CK_OK;
}

int ck__net_add_users(ck_state_txn *txn, const char *id, const ck__net_req *reqs, size_t n)
{
	int rc = CK_OK;

	for (size_t i = 0; i < n && rc == CK_OK; i++) {
		ck__net net;
		/* The network must still exist in this transaction. */
		if ((rc = ck__net_get(&net, txn, reqs[i].network)) != CK_OK)
			return rc;
		char *key = ck__asprintf("%s/%s", net.name, id);
		rc = key ? ck__txn_put_str(txn, CK__NET_B_USERS, key, "1") : ck__oom();
		free(key);
		ck__net_free(&net);
	}
	return rc;
}

int ck__net_remove_users(ck_state_txn *txn, const char *id, const ck__net_req *reqs, size_t n)
{
	int rc = CK_OK;

	for (size_t i = 0; i < n && rc == CK_OK; i++) {
		char *key = ck__asprintf("%s/%s", reqs[i].network, id);
		rc = key ? ck__txn_del(txn, CK__NET_B_USERS, key) : ck__oom();
		if (rc == CK_ENOTFOUND) {
			ck__error_clear();
			rc = CK_OK;
		}
		free(key);
	}
	return rc;
}

struct users_args {
	const char *name;
	char **ids;
};

static int user_one(const char *key, const void *val, size_t len, void *payload)
{
	struct users_args *u = payload;
	const char *slash = strrchr(key, '/');
	return slash ? ck__strv_push(&u->ids, slash + 1) : 0;
}

static int users_fn(ck_state_txn *txn, void *payload)
{
	struct users_args *u = payload;
	char *prefix = ck__asprintf("%s/", u->name);
	int rc;

	ck_strv_free(u->ids);
	u->ids = NULL;
	if (!prefix)
		return ck__oom();
	rc = ck__net_scan(txn, CK__NET_B_USERS, prefix, user_one, u);
	free(prefix);
	return rc;
}

int ck__net_users(char ***ids, ck_context *ctx, const char *name)
{
	struct users_args u = { name, NULL };
	int rc = ck__state_read(ctx, users_fn, &u);

	if (rc != CK_OK) {
		ck_strv_free(u.ids);
		return rc;
	}
	*ids = u.ids;
	return CK_OK;
}

/* ---- start ---- */

struct conflict {
	const ck__net_attach *mine;
	char msg[300];
};

static bool ranges_meet(const struct ck__net_pm *a, const struct ck__net_pm *b)
{
	unsigned ae = a->host_port + (a->range ? a->range : 1), be = b->host_port + (b->range ? b->range : 1);
	bool any_a = !a->host_ip || !*a->host_ip, any_b = !b->host_ip || !*b->host_ip;
	return a->host_port < be && b->host_port < ae && !strcmp(a->protocol ? a->protocol : "tcp",
	                                                        b->protocol ? b->protocol : "tcp") &&
	       (any_a || any_b || !strcmp(a->host_ip, b->host_ip));
}

/* Ports published by our other containers: forwarding rules, no listener. */
static int conflict_one(const char *key, const void *val, size_t len, void *payload)
{
	struct conflict *c = payload;
	ck__net_attach other;
	char *text = strndup(val, len);

	if (!text)
		return ck__oom();
	if (strcmp(key, c->mine->ctr_id) != 0 && ck__net_attach_parse(&other, text) == CK_OK) {
		for (size_t i = 0; i < c->mine->n_ports && !*c->msg; i++)
			for (size_t k = 0; k < other.n_ports && !*c->msg; k++)
				if (ranges_meet(&c->mine->ports[i], &other.ports[k]))
					snprintf(c->msg, sizeof(c->msg), "host port %u/%s is already published by container %s",
					         other.ports[k].host_port, other.ports[k].protocol ? other.ports[k].protocol : "tcp",
					         other.ctr_name);
		ck__net_attach_free(&other);
	}
	ck__error_clear();
	free(text);
	return *c->msg ? 1 : 0;
}

struct setup_txn {
	const ck__net_setup_args *args;
	ck__net_attach *a;
	bool hostwide;
};

/* An address free in this store and, for a rootful one, not leased on the
 * bridge by another store; leased before the transaction commits, so that
 * no other store can take it in between (a lease that outlives a failed
 * transaction is dropped by the caller, or goes stale with its namespace). */
static int allocate(ck__net_ep *ep, ck_state_txn *txn, const char *want, const ck__net_attach *a, bool hostwide)
{
	ck__net_leases l;
	int rc;

	if (!hostwide)
		return ck__ipam_allocate(ep->ip, txn, &ep->net, want, a->ctr_id, NULL, a->netns);
	if ((rc = ck__net_leases_open(&l, ep->net.iface)) != CK_OK)
		return rc;
	rc = ck__ipam_allocate(ep->ip, txn, &ep->net, want, a->ctr_id, &l, a->netns);
	if (rc == CK_OK)
		rc = ck__net_leases_set(&l, a->netns, ep->ip);
	if (rc == CK_OK)
		rc = ck__net_leases_save(&l);
	ck__net_leases_free(&l);
	return rc;
}

/* Drops the host-wide leases of an attachment; a lease left behind is
 * stale once the namespace file is gone, so a failure only costs a line. */
static void release_leases(ck_context *ctx, const ck__net_attach *a)
{
	for (size_t i = 0; i < a->n_eps; i++) {
		bool seen = false;
		for (size_t k = 0; k < i; k++)
			seen |= !strcmp(a->eps[k].net.iface, a->eps[i].net.iface);
		if (seen || !a->eps[i].net.iface)
			continue;
		if (ck__net_leases_release(ctx, a->eps[i].net.iface, a->netns) != CK_OK) {
			ck__log(ctx, CK_LOG_WARN, "container %s: %s", a->ctr_name, ck_error_last()->message);
			ck__error_clear();
		}
	}
}

static int setup_fn(ck_state_txn *txn, void *payload)
{
	struct setup_txn *s = payload;
	ck__net_attach *a = s->a;
	char *json = NULL, *old = NULL;
	int rc = ck__txn_get(&old, NULL, txn, CK__NET_B_ATTACH, a->ctr_id);

	free(old);
	if (rc == CK_OK)
		return ck__error_set(CK_ESTATE, "container %s still has a network attachment", a->ctr_name);
	if (rc != CK_ENOTFOUND)
		return rc;
	ck__error_clear();
	rc = CK_OK;
	for (size_t i = 0; i < a->n_eps; i++) { /* the transaction may run again */
		ck__net_free(&a->eps[i].net);
		ck_strv_free(a->eps[i].aliases);
		free(a->eps[i].mac);
		memset(&a->eps[i], 0, sizeof(a->eps[i]));
	}
	a->n_eps = 0;
	for (size_t i = 0; i < s->args->n_reqs && rc == CK_OK; i++) {
		const ck__net_req *r = &s->args->reqs[i];
		ck__net_ep *ep = &a->eps[i];
		if ((rc = ck__net_get(&ep->net, txn, r->network)) != CK_OK)
			break;
		a->n_eps++;
		snprintf(ep->ifname, sizeof(ep->ifname), "eth%u", (unsigned)(i % 100));
		if (r->mac && !(ep->mac = strdup(r->mac)))
			return ck__oom();
		/* Names in aardvark-dns: the container's name, its short id and
		 * the aliases asked for, as podman gives them. */
		if ((rc = ck__strv_push(&ep->aliases, a->ctr_name)) != CK_OK)
			break;
		char sid[13];
		snprintf(sid, sizeof(sid), "%.12s", a->ctr_id);
		if ((rc = ck__strv_push(&ep->aliases, sid)) != CK_OK)
			break;
		for (size_t k = 0; r->aliases && r->aliases[k] && rc == CK_OK; k++)
			rc = ck__strv_push(&ep->aliases, r->aliases[k]);
		if (rc == CK_OK)
			rc = allocate(ep, txn, r->ip, a, s->hostwide);
	}
	if (rc != CK_OK)
		return rc;
	if (a->n_ports) {
		struct conflict c = { a, "" };
		if ((rc = ck__net_scan(txn, CK__NET_B_ATTACH, "", conflict_one, &c)) != CK_OK)
			return rc;
		if (*c.msg)
			return ck__error_set(CK_EINUSE, "cannot publish the ports of container %s: %s", a->ctr_name,
			                     c.msg);
	}
	if ((rc = ck__net_attach_json(&json, a)) == CK_OK)
		rc = ck__txn_put_str(txn, CK__NET_B_ATTACH, a->ctr_id, json);
	free(json);
	return rc;
}

static int result_fill(ck__net_result *res, const ck__net_attach *a)
{
	int rc = CK_OK;

	if (!(res->netns = strdup(a->netns)))
		return ck__oom();
	for (size_t i = 0; i < a->n_eps && rc == CK_OK; i++) {
		rc = ck__strv_push(&res->ips, a->eps[i].ip);
		if (rc == CK_OK && a->eps[i].net.dns) {
			res->dns_search = true;
			rc = ck__strv_push(&res->dns, a->eps[i].net.gateway);
		}
	}
	return rc;
}

static int release_fn(ck_state_txn *txn, void *payload)
{
	const ck__net_attach *a = payload;
	int rc = CK_OK;

	for (size_t i = 0; i < a->n_eps && rc == CK_OK; i++)
		if (a->eps[i].ip[0])
			rc = ck__ipam_release(txn, a->eps[i].net.name, a->eps[i].ip);
	if (rc == CK_OK)
		rc = ck__txn_del(txn, CK__NET_B_ATTACH, a->ctr_id);
	if (rc == CK_ENOTFOUND) {
		ck__error_clear();
		rc = CK_OK;
	}
	return rc;
}

/* Undoes an attachment whatever got done of it; keeps the caller's error. */
static int undo(ck_context *ctx, const ck__net_attach *a, bool driver)
{
	const ck__net_driver *d = ck__net_driver_find(a->driver);
	int rc = CK_OK;

	if (driver && d && a->n_eps && d->teardown(ctx, a) != CK_OK) {
		/* A namespace whose set-up never finished: netavark says so; the
		 * rest goes anyway. */
		ck__log(ctx, CK_LOG_WARN, "container %s: %s", a->ctr_name, ck_error_last()->message);
		ck__error_clear();
	}
	if (ck__netns_remove(a->netns) != CK_OK)
		rc = ck_error_last()->code;
	if (rc == CK_OK)
		release_leases(ctx, a);
	/* Relaxed: a release lost with the page cache is found after the
	 * reboot as an attachment whose namespace is gone, which teardown and
	 * the check finish. */
	if (rc == CK_OK)
		rc = ck__state_write_relaxed(ctx, release_fn, (void *)a);
	return rc;
}

static void undo_keep_error(ck_context *ctx, const ck__net_attach *a, bool driver)
{
	char saved[1024];
	int code = ck_error_last()->code;

	snprintf(saved, sizeof(saved), "%s", ck_error_last()->message);
	if (undo(ctx, a, driver) != CK_OK)
		ck__log(ctx, CK_LOG_ERROR, "container %s: cannot undo its network set-up: %s", a->ctr_name,
		        ck_error_last()->message);
	ck__error_set(code, "%s", saved);
}

int ck__net_setup(ck__net_result *res, ck_context *ctx, const ck__net_setup_args *args)
{
	ck__net_attach a;
	char *dir = NULL;
	int rc;

	memset(res, 0, sizeof(*res));
	memset(&a, 0, sizeof(a));
	/* What an earlier run left (a monitor killed before its teardown). */
	if ((rc = ck__net_teardown(ctx, args->ctr_id)) != CK_OK)
		return rc;
	a.ctr_id = strdup(args->ctr_id);
	a.ctr_name = strdup(args->ctr_name);
	a.netns = ck__net_netns_path(ctx, args->ctr_id);
	a.driver = strdup(ck__net_netavark.name);
	a.eps = calloc(args->n_reqs + 1, sizeof(*a.eps));
	a.ports = calloc(args->n_ports + 1, sizeof(*a.ports));
	dir = ck__netns_dir(ctx);
	if (!a.ctr_id || !a.ctr_name || !a.netns || !a.driver || !a.eps || !a.ports || !dir) {
		rc = ck__oom();
		goto out;
	}
	for (size_t i = 0; i < args->n_ports; i++) {
		const ck__net_port *p = &args->ports[i];
		struct ck__net_pm *pm = &a.ports[a.n_ports++];
		pm->host_ip = strdup(p->host_ip ? p->host_ip : "");
		pm->protocol = strdup(p->protocol ? p->protocol : "tcp");
		pm->host_port = p->host_port;
		pm->container_port = p->container_port;
		pm->range = p->range ? p->range : 1;
		if (!pm->host_ip || !pm->protocol) {
			rc = ck__oom();
			goto out;
		}
		/* Create picks one; a record written without one gets one now. */
		if (!pm->host_port && (rc = ck__net_port_pick(&pm->host_port, pm->host_ip, pm->protocol, pm->range)) !=
		                              CK_OK)
			goto out;
		if ((rc = ck__net_port_check(pm->host_ip, pm->protocol, pm->host_port, pm->range, args->ctr_name)) !=
		    CK_OK)
			goto out;
	}
	if ((rc = ck__mkdir_p(dir, 0755)) != CK_OK)
		goto out;
	/* The namespace file first: a host-wide lease is live while its
	 * namespace file exists (leases.c).  A start killed before the record
	 * leaves a file that the next teardown or check removes. */
	if ((rc = ck__netns_create(a.netns)) != CK_OK)
		goto out;
	struct setup_txn st = { args, &a, ck__net_hostwide(ctx) };
	/* Relaxed, as the container's own "starting" mark: a reboot takes the
	 * namespace, the veth and the rules with it, so an allocation lost
	 * with the page cache was of nothing left. */
	if ((rc = ck__state_write_relaxed(ctx, setup_fn, &st)) != CK_OK) {
		/* Nothing recorded: the addresses in `a` may be another's now. */
		char saved[1024];
		int code = ck_error_last()->code;
		snprintf(saved, sizeof(saved), "%s", ck_error_last()->message);
		if (ck__netns_remove(a.netns) != CK_OK)
			ck__log(ctx, CK_LOG_WARN, "container %s: %s", a.ctr_name, ck_error_last()->message);
		release_leases(ctx, &a);
		ck__error_set(code, "%s", saved);
		goto out;
	}
	if ((rc = ck__net_netavark.setup(ctx, &a)) != CK_OK) {
		undo_keep_error(ctx, &a, true);
		goto out;
	}
	if ((rc = result_fill(res, &a)) != CK_OK) {
		undo_keep_error(ctx, &a, true);
		ck__net_result_free(res);
	}
out:
	ck__net_attach_free(&a);
	free(dir);
	return rc;
}

/* ---- teardown ---- */

struct get_attach {
	const char *id;
	char *json;
};

static int get_attach_fn(ck_state_txn *txn, void *payload)
{
	struct get_attach *g = payload;
	free(g->json);
	g->json = NULL;
	return ck__txn_get(&g->json, NULL, txn, CK__NET_B_ATTACH, g->id);
}

bool ck__net_attached(ck_context *ctx, const char *id)
{
	struct get_attach g = { id, NULL };
	int rc = ck__state_read(ctx, get_attach_fn, &g);

	free(g.json);
	ck__error_clear();
	return rc == CK_OK;
}

int ck__net_teardown(ck_context *ctx, const char *id)
{
	struct get_attach g = { id, NULL };
	ck__net_attach a;
	char *path = ck__net_netns_path(ctx, id);
	int rc;

	if (!path)
		return ck__oom();
	rc = ck__state_read(ctx, get_attach_fn, &g);
	if (rc == CK_ENOTFOUND) {
		/* Nothing recorded: at most a file whose set-up never recorded. */
		ck__error_clear();
		rc = ck__netns_remove(path);
		free(path);
		return rc;
	}
	free(path);
	if (rc != CK_OK)
		return rc;
	rc = ck__net_attach_parse(&a, g.json);
	free(g.json);
	if (rc != CK_OK)
		return ck__error_wrap(rc, "cannot tear down the network of container %.12s", id);
	rc = undo(ctx, &a, ck__path_exists(a.netns));
	if (rc == CK_OK)
		ck__log(ctx, CK_LOG_DEBUG, "container %s: network torn down", a.ctr_name);
	ck__net_attach_free(&a);
	return rc;
}

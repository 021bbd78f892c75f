/* Where networks and containers meet: removing a network with the
 * containers on it, connecting and disconnecting a container that is not
 * running, and what the network check needs to know of containers. */
#define _GNU_SOURCE
#include "container_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int ck_network_remove(ck_context *ctx, const char *ref, unsigned int flags)
{
	char *name = NULL, **users = NULL;
	int rc;

	CK_ENTER();
	if (!ctx)
		return ck__error_set(CK_EINVAL, "ck_network_remove: ctx is NULL");
	if (flags & ~CK_REMOVE_FORCE)
		return ck__error_set(CK_EINVAL, "ck_network_remove: unknown flags 0x%x", flags & ~CK_REMOVE_FORCE);
	if ((rc = ck__net_resolve(&name, ctx, ref)) != CK_OK)
		return rc;
	if (!strcmp(name, CK_NETWORK_DEFAULT)) {
		rc = ck__error_set(CK_EINVAL, "default network %s cannot be removed", name);
		goto out;
	}
	/* podman's -f: the containers on it go first (killed if running). */
	if ((flags & CK_REMOVE_FORCE) && (rc = ck__net_users(&users, ctx, name)) == CK_OK)
		for (size_t i = 0; users && users[i] && rc == CK_OK; i++) {
			rc = ck__ctr_remove_id(ctx, users[i], true, false, false);
			if (rc == CK_ENOTFOUND) {
				ck__error_clear();
				rc = CK_OK;
			}
		}
	if (rc == CK_OK)
		rc = ck__net_remove_record(ctx, name, false);
out:
	ck_strv_free(users);
	free(name);
	return rc;
}

/* ---- connect / disconnect ---- */

struct netcfg_args {
	const char *id, *network, *ip;
	const char *const *aliases;
	bool connect;
};

static int netcfg_fn(ck_state_txn *txn, void *payload)
{
	struct netcfg_args *a = payload;
	char *config = NULL, *state = NULL, *json = NULL;
	ck__ctr_config cfg;
	ck__ctr_state st;
	int rc;

	if ((rc = ck__rec_get(&config, &state, txn, CK__KIND_CONTAINER, a->id)) != CK_OK)
		return rc;
	rc = ck__ctr_config_parse(&cfg, config);
	if (rc == CK_OK && (rc = ck__ctr_state_parse(&st, state)) != CK_OK)
		ck__ctr_config_free(&cfg);
	free(config);
	free(state);
	if (rc != CK_OK)
		return rc;
	if (ck__ctr_status_live(st.status) || st.pid > 0) {
		rc = ck__error_set(CK_ESTATE, "container %s is %s: connect and disconnect it while it is stopped",
		                   cfg.name, st.status);
		goto out;
	}
	if (strcmp(cfg.network, "bridge") != 0) {
		rc = ck__error_set(CK_EINVAL, "container %s has network mode \"%s\": only bridge containers join "
		                              "networks", cfg.name, cfg.network);
		goto out;
	}
	size_t at = cfg.n_nets;
	for (size_t i = 0; i < cfg.n_nets; i++)
		if (!strcmp(cfg.nets[i].network, a->network))
			at = i;
	if (a->connect) {
		if (at < cfg.n_nets) {
			rc = ck__error_set(CK_EEXISTS, "container %s is already connected to network %s", cfg.name,
			                   a->network);
			goto out;
		}
		ck__net_req *grown = realloc(cfg.nets, (cfg.n_nets + 1) * sizeof(*grown));
		if (!grown) {
			rc = ck__oom();
			goto out;
		}
		cfg.nets = grown;
		ck__net_req *r = &cfg.nets[cfg.n_nets++];
		memset(r, 0, sizeof(*r));
		if (!(r->network = strdup(a->network)) || (a->ip && !(r->ip = strdup(a->ip))))
			rc = ck__oom();
		for (size_t k = 0; rc == CK_OK && a->aliases && a->aliases[k]; k++)
			rc = ck__strv_push(&r->aliases, a->aliases[k]);
		if (rc == CK_OK)
			rc = ck__net_add_users(txn, a->id, r, 1);
	} else {
		if (at == cfg.n_nets) {
			rc = ck__error_set(CK_ENOTFOUND, "container %s is not connected to network %s", cfg.name, a->network);
			goto out;
		}
		if ((rc = ck__net_remove_users(txn, a->id, &cfg.nets[at], 1)) != CK_OK)
			goto out;
		ck__net_req_free(&cfg.nets[at]);
		memmove(&cfg.nets[at], &cfg.nets[at + 1], (cfg.n_nets - at - 1) * sizeof(*cfg.nets));
		cfg.n_nets--;
		/* No network left: the container keeps a namespace of its own. */
		if (!cfg.n_nets) {
			free(cfg.network);
			if (!(cfg.network = strdup("none")))
				rc = ck__oom();
		}
	}
	if (rc == CK_OK && (rc = ck__ctr_config_json(&json, &cfg)) == CK_OK)
		rc = ck__txn_put_str(txn, ck__kind_bucket(CK__KIND_CONTAINER), a->id, json);
out:
	free(json);
	ck__ctr_config_free(&cfg);
	ck__ctr_state_free(&st);
	return rc;
}

static int netcfg(ck_container *ctr, struct netcfg_args *a, const char *what)
{
	ck__lock lk = CK__LOCK_INIT;
	char *name = NULL;
	int rc;

	if (!ctr || !a->network)
		return ck__error_set(CK_EINVAL, "ck_network_%s: ctr and network are required", what);
	CK__CTR_FULL(ctr);
	if ((rc = ck__net_resolve(&name, ctr->ctx, a->network)) != CK_OK)
		return rc;
	if (a->ip && a->connect) {
		ck__net_req r = { name, (char *)a->ip, NULL, NULL };
		if ((rc = ck__net_validate(ctr->ctx, &r, 1)) != CK_OK) {
			free(name);
			return rc;
		}
	}
	a->network = name;
	a->id = ctr->cfg.id;
	if ((rc = ck__ctr_lock(&lk, ctr->ctx, ctr->cfg.id)) == CK_OK) {
		rc = ck__state_write(ctr->ctx, netcfg_fn, a);
		ck__lock_release(&lk);
	}
	if (rc == CK_OK)
		rc = ck__ctr_load(ctr, ctr->ctx, ctr->cfg.id);
	free(name);
	return rc;
}

int ck_network_connect(ck_container *ctr, const char *network, const char *ip, const char *const *aliases)
{
	struct netcfg_args a = { NULL, network, ip, aliases, true };
	CK_ENTER();
	return netcfg(ctr, &a, "connect");
}

int ck_network_disconnect(ck_container *ctr, const char *network)
{
	struct netcfg_args a = { NULL, network, NULL, NULL, false };
	CK_ENTER();
	return netcfg(ctr, &a, "disconnect");
}

/* ---- for the network check ---- */

/* 0: no such container; 1: it exists and nobody runs or starts it (its
 * lock is free); 2: it runs, or someone holds it. */
int ck__ctr_net_owner(ck_context *ctx, const char *id, void *payload)
{
	ck__ctr_state st;
	ck__lock lk = CK__LOCK_INIT;
	char *dir = ck__runroot_path(ctx, "locks"), *path = dir ? ck__asprintf("%s/container-%s.lock", dir, id) : NULL;
	int rc = ck__ctr_read(NULL, &st, ctx, id), owner;

	(void)payload;
	if (rc == CK_ENOTFOUND) {
		ck__error_clear();
		owner = 0;
	} else if (rc != CK_OK) {
		ck__error_clear();
		owner = 2; /* unknown: leave it */
	} else {
		bool live = (ck__ctr_status_live(st.status) || st.pid > 0) && ck__ctr_monitor_alive(&st);
		owner = live ? 2 : 1;
		ck__ctr_state_free(&st);
		if (owner == 1 && (!path || ck__lock_acquire(&lk, path, true, 0) != CK_OK)) {
			ck__error_clear();
			owner = 2;
		}
		ck__lock_release(&lk);
	}
	free(path);
	free(dir);
	return owner;
}

/* The host-wide registry of user networks' bridges and subnets.  Each
 * store names its networks' bridges (podmanN) and picks their subnets
 * (10.89.N.0/24) from its own records, but bridges and routes are the
 * host's: two rootful stores (two --root) would pick the same podman1 and
 * 10.89.0.0/24, and their containers would meet on one bridge whose rules
 * each store's teardown deletes.  So a rootful store's user network is also
 * written to /run/containerkit/bridges/networks (one line: bridge, subnet,
 * name, store root), read and changed under networks.lock, beside the
 * host-wide leases (leases.c).  A line whose store root is gone is stale;
 * a store's own lines are rewritten from its records at each create. */
#define _GNU_SOURCE
#include "net_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REG_DIR "/run/containerkit/bridges"
#define REG_FILE REG_DIR "/networks"
#define REG_LOCK REG_DIR "/networks.lock"

static void entry_free(ck__net_reg_entry *e)
{
	free(e->iface);
	free(e->subnet);
	free(e->name);
	free(e->root);
}

void ck__net_registry_free(ck__net_registry *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++)
		entry_free(&r->e[i]);
	free(r->e);
	free(r->root);
	ck__lock_release(&r->lock);
	memset(r, 0, sizeof(*r));
	r->lock.fd = -1;
}

static int push(ck__net_registry *r, const char *iface, const char *subnet, const char *name, const char *root)
{
	ck__net_reg_entry *grown = realloc(r->e, (r->n + 1) * sizeof(*grown)), *e;

	if (!grown)
		return ck__oom();
	r->e = grown;
	e = &r->e[r->n];
	memset(e, 0, sizeof(*e));
	if (!(e->iface = strdup(iface)) || !(e->subnet = strdup(subnet)) || !(e->name = strdup(name)) ||
	    !(e->root = strdup(root))) {
		entry_free(e);
		return ck__oom();
	}
	if (ck__cidr_parse(&e->net, &e->prefix, subnet, "subnet") != CK_OK) {
		/* A damaged line claims nothing. */
		ck__error_clear();
		entry_free(e);
		return CK_OK;
	}
	r->n++;
	return CK_OK;
}

int ck__net_registry_open(ck__net_registry *r, ck_context *ctx)
{
	char *text = NULL;
	int rc;

	memset(r, 0, sizeof(*r));
	r->lock.fd = -1;
	if (!ck__net_hostwide(ctx))
		return CK_OK;
	/* The root as the host names it, so that two spellings of one store
	 * are one store. */
	if (!(r->root = realpath(ctx->root, NULL)) && !(r->root = strdup(ctx->root)))
		return ck__oom();
	if ((rc = ck__mkdir_p(REG_DIR, 0700)) != CK_OK || (rc = ck__lock_acquire(&r->lock, REG_LOCK, true, 30000)) !=
	                                                          CK_OK) {
		ck__net_registry_free(r);
		return rc;
	}
	r->active = true;
	rc = ck__read_file(&text, NULL, REG_FILE, 16u << 20);
	if (rc == CK_ENOTFOUND) {
		ck__error_clear();
		return CK_OK;
	}
	for (char *line = text, *next; rc == CK_OK && line && *line; line = next) {
		char iface[64], subnet[64], name[256];
		int off = 0;
		if ((next = strchr(line, '\n')))
			*next++ = '\0';
		if (sscanf(line, "%63s %63s %255s %n", iface, subnet, name, &off) != 3 || !off || !line[off])
			continue;
		const char *root = line + off;
		/* The store is gone: its networks went with it. */
		if (!ck__path_exists(root))
			continue;
		rc = push(r, iface, subnet, name, root);
	}
	free(text);
	if (rc != CK_OK)
		ck__net_registry_free(r);
	return rc;
}

const ck__net_reg_entry *ck__net_registry_iface(const ck__net_registry *r, const char *iface)
{
	for (size_t i = 0; r->active && i < r->n; i++)
		if (strcmp(r->e[i].root, r->root) != 0 && !strcmp(r->e[i].iface, iface))
			return &r->e[i];
	return NULL;
}

const ck__net_reg_entry *ck__net_registry_overlap(const ck__net_registry *r, uint32_t net, unsigned prefix)
{
	for (size_t i = 0; r->active && i < r->n; i++)
		if (strcmp(r->e[i].root, r->root) != 0 && ck__cidr_overlap(r->e[i].net, r->e[i].prefix, net, prefix))
			return &r->e[i];
	return NULL;
}

static int save(const ck__net_registry *r)
{
	ck__buf b = { 0 };
	char *text;
	int rc;

	for (size_t i = 0; i < r->n; i++)
		ck__buf_printf(&b, "%s %s %s %s\n", r->e[i].iface, r->e[i].subnet, r->e[i].name, r->e[i].root);
	if (!(text = ck__buf_take(&b)))
		return ck__oom();
	rc = ck__write_file_replace(REG_FILE, text, strlen(text), 0600, false);
	free(text);
	return rc;
}

/* Drops this store's lines whose network is not in `keep` (NULL-terminated
 * names; NULL drops them all). */
static void drop_own(ck__net_registry *r, char *const *keep)
{
	size_t k = 0;

	for (size_t i = 0; i < r->n; i++) {
		bool own = !strcmp(r->e[i].root, r->root), kept = false;
		for (size_t j = 0; own && keep && keep[j] && !kept; j++)
			kept = !strcmp(keep[j], r->e[i].name);
		if (own && !kept) {
			entry_free(&r->e[i]);
			continue;
		}
		r->e[k++] = r->e[i];
	}
	r->n = k;
}

int ck__net_registry_sync(ck__net_registry *r, const ck__net *nets, size_t n)
{
	char **keep = NULL;
	int rc = CK_OK;

	if (!r->active)
		return CK_OK;
	for (size_t i = 0; i < n && rc == CK_OK; i++)
		if (!nets[i].is_default)
			rc = ck__strv_push(&keep, nets[i].name);
	if (rc == CK_OK) {
		drop_own(r, keep);
		/* What the store's records say, for the lines dropped above. */
		for (size_t i = 0; i < n && rc == CK_OK; i++) {
			bool listed = false;
			if (nets[i].is_default)
				continue;
			for (size_t j = 0; j < r->n && !listed; j++)
				listed = !strcmp(r->e[j].root, r->root) && !strcmp(r->e[j].name, nets[i].name);
			if (!listed)
				rc = push(r, nets[i].iface, nets[i].subnet, nets[i].name, r->root);
		}
	}
	ck_strv_free(keep);
	return rc == CK_OK ? save(r) : rc;
}

int ck__net_registry_remove(ck_context *ctx, const char *name)
{
	ck__net_registry r;
	int rc;

	if ((rc = ck__net_registry_open(&r, ctx)) != CK_OK || !r.active) {
		ck__net_registry_free(&r);
		return rc;
	}
	size_t before = r.n;
	char **keep = NULL; /* every own line but `name`'s stays */
	for (size_t i = 0; i < r.n && rc == CK_OK; i++)
		if (!strcmp(r.e[i].root, r.root) && strcmp(r.e[i].name, name) != 0)
			rc = ck__strv_push(&keep, r.e[i].name);
	if (rc == CK_OK) {
		drop_own(&r, keep);
		if (r.n != before)
			rc = save(&r);
	}
	ck_strv_free(keep);
	ck__net_registry_free(&r);
	return rc;
}

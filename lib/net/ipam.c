/* Addresses of containers, handed out by the library as podman does (netavark
 * is given static addresses): one key per address in bucket networks.ipam,
 * written in the transaction that records the container's attachment.  On a
 * rootful store's bridges the allocation goes round the range (leases.c). */
#define _GNU_SOURCE
#include "net_int.h"

#include <stdlib.h>
#include <string.h>

struct taken {
	const ck__net *n;
	unsigned char *bits; /* one per address of [lo, hi] */
	const char *want;
	char *holder; /* the container holding `want` */
};

static int taken_one(const char *key, const void *val, size_t len, void *payload)
{
	struct taken *t = payload;
	const char *ip = strchr(key, '/');
	uint32_t a;

	if (!ip || ck__ip4_parse(&a, ip + 1) != CK_OK) {
		ck__error_clear(); /* a damaged key: the check reports it */
		return 0;
	}
	if (t->want && !strcmp(ip + 1, t->want) && !(t->holder = strndup(val, len)))
		return ck__oom();
	if (a >= t->n->lo && a <= t->n->hi)
		t->bits[(a - t->n->lo) / 8] |= (unsigned char)(1u << ((a - t->n->lo) % 8));
	return 0;
}

/* Who else on the host holds `a` on this network's bridge (NULL: nobody). */
static const char *leased(const ck__net_leases *l, uint32_t a, const char *netns)
{
	char text[16];

	if (!l)
		return NULL;
	ck__ip4_format(text, a);
	return ck__net_leases_holder(l, text, netns);
}

int ck__ipam_allocate(char out[16], ck_state_txn *txn, const ck__net *n, const char *want, const char *ctr_id,
                      ck__net_leases *leases, const char *netns)
{
	size_t count = (size_t)(n->hi - n->lo) + 1;
	struct taken t = { n, calloc(count / 8 + 1, 1), want, NULL };
	char *prefix = ck__asprintf("%s/", n->name), *key = NULL;
	uint32_t a = 0;
	int rc;

	if (!t.bits || !prefix) {
		rc = ck__oom();
		goto out;
	}
	if ((rc = ck__net_scan(txn, CK__NET_B_IPAM, prefix, taken_one, &t)) != CK_OK)
		goto out;
	if (want) {
		uint32_t bcast = n->net | ~ck__cidr_mask(n->prefix);
		if ((rc = ck__ip4_parse(&a, want)) != CK_OK)
			goto out;
		if (!ck__cidr_contains(n->net, n->prefix, a) || a == n->net || a == bcast) {
			rc = ck__error_set(CK_EINVAL, "requested static ip %s is not a host address of subnet %s of "
			                              "network %s", want, n->subnet, n->name);
			goto out;
		}
		if (a == n->gw) {
			rc = ck__error_set(CK_EINUSE, "requested static ip %s is the gateway of network %s", want,
			                   n->name);
			goto out;
		}
		if (t.holder) {
			rc = ck__error_set(CK_EINUSE, "requested ip address %s is already allocated to container %.12s "
			                              "on network %s", want, t.holder, n->name);
			goto out;
		}
		if (leased(leases, a, netns)) {
			rc = ck__error_set(CK_EINUSE, "requested ip address %s is in use on bridge %s by a container of "
			                              "another store (namespace %s)", want, n->iface,
			                   leased(leases, a, netns));
			goto out;
		}
	} else {
		/* Round the range, as podman does, rather than take the first free
		 * address: an address given again at once, to a new veth with a new
		 * MAC, meets the host's neighbour entry for the old one, and packets
		 * to it (a published port's) are lost until that entry is probed
		 * again, seconds later. */
		size_t start = leases && leases->last >= n->lo && leases->last < n->hi ? leases->last - n->lo + 1 : 0;
		bool found = false;
		for (size_t k = 0; k < count && !found; k++) {
			size_t i = (start + k) % count;
			a = n->lo + (uint32_t)i;
			found = a != n->gw && !(t.bits[i / 8] & (1u << (i % 8))) && !leased(leases, a, netns);
		}
		if (!found) {
			rc = ck__error_set(CK_EINUSE, "network %s has no free address left in %s", n->name,
			                   n->ip_range ? n->ip_range : n->subnet);
			goto out;
		}
		if (leases)
			leases->last = a;
	}
	ck__ip4_format(out, a);
	if (!(key = ck__asprintf("%s/%s", n->name, out)))
		rc = ck__oom();
	else
		rc = ck__txn_put_str(txn, CK__NET_B_IPAM, key, ctr_id);
out:
	free(key);
	free(prefix);
	free(t.bits);
	free(t.holder);
	return rc;
}

int ck__ipam_release(ck_state_txn *txn, const char *network, const char *ip)
{
	char *key = ck__asprintf("%s/%s", network, ip);
	int rc;

	if (!key)
		return ck__oom();
	rc = ck__txn_del(txn, CK__NET_B_IPAM, key);
	if (rc == CK_ENOTFOUND) {
		ck__error_clear();
		rc = CK_OK;
	}
	free(key);
	return rc;
}

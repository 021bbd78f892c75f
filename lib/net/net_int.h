/* Private to the network module: addresses, the network record, the
 * attachment of a container, the namespace files, and the driver interface
 * for bridge networks (netavark).  slirp4netns (rootless) is not a driver:
 * it serves a namespace the runtime makes, from the monitor (net.h). */
#ifndef CK_NET_INT_H
#define CK_NET_INT_H

#include "net.h"

#include <stdint.h>

/* Buckets (docs/STATE.md).  "networks" and "networks.state" are the kind's
 * record buckets (record.c in lib/state); these are the module's own. */
#define CK__NET_B_USERS "networks.users"   /* "<network>/<container id>" -> "1" */
#define CK__NET_B_IPAM "networks.ipam"     /* "<network>/<address>" -> container id */
#define CK__NET_B_ATTACH "networks.attach" /* container id -> attachment JSON */

/* ck__txn_scan, with a bucket that was never written read as empty. */
int ck__net_scan(ck_state_txn *txn, const char *bucket, const char *prefix, ck_state_scan_fn fn, void *payload);

/* ---- IPv4 addresses (addr.c) ---- */
int ck__ip4_parse(uint32_t *out, const char *text);
void ck__ip4_format(char buf[16], uint32_t addr);
/* "A.B.C.D/P": the network (host bits cleared) and prefix; `what` names the
 * option in errors ("subnet", "ip range"). */
int ck__cidr_parse(uint32_t *net, unsigned *prefix, const char *text, const char *what);
bool ck__cidr_overlap(uint32_t a, unsigned pa, uint32_t b, unsigned pb);
bool ck__cidr_contains(uint32_t net, unsigned prefix, uint32_t addr);
static inline uint32_t ck__cidr_mask(unsigned prefix)
{
	return prefix ? 0xffffffffu << (32 - prefix) : 0;
}

/* ---- the network record (record.c) ---- */
typedef struct ck__net {
	char *name, *id, *driver, *iface, *subnet, *gateway, *ip_range;
	bool internal, dns, is_default;
	ck__strmap labels, options;
	int64_t created; /* seconds */
	/* derived from the text fields */
	uint32_t net, gw, lo, hi; /* addresses are handed out from [lo, hi] */
	unsigned prefix;
} ck__net;
void ck__net_free(ck__net *n);
int ck__net_copy(ck__net *dst, const ck__net *src);
int ck__net_json(char **out, const ck__net *n);
/* Podman's JSON of a network, into an open map that the caller closes:
 * what `network inspect` shows when `created` (RFC 3339) is given, else
 * what netavark is handed (no labels, options only when there are some). */
void ck__net_gen_podman(yajl_gen g, const ck__net *n, const char *created);
/* Fills the derived fields too; CK_ECORRUPT naming the network. */
int ck__net_parse(ck__net *n, const char *name, const char *json);
int ck__net_default(ck__net *n);
/* Checks the text fields and computes the derived ones (CK_EINVAL). */
int ck__net_derive(ck__net *n);
/* By exact name, id or unique id prefix, the default network included. */
int ck__net_get(ck__net *n, ck_state_txn *txn, const char *ref);
/* Every network, the default one first, then the records in name order. */
typedef int (*ck__net_fn)(const ck__net *n, void *payload);
int ck__net_foreach(ck_state_txn *txn, ck__net_fn fn, void *payload);
/* Number of users of network `name`. */
int ck__net_count_users(size_t *n, ck_state_txn *txn, const char *name);

struct ck_network {
	ck_context *ctx;
	ck__net n;
	size_t users;
};
int ck__net_handle(ck_network **out, ck_context *ctx, const ck__net *n, size_t users);

struct ck__net_leases;
/* ---- addresses of containers (ipam.c) ----
 * Inside the caller's write transaction: the static address if one is
 * asked (CK_EINUSE when taken), else the next free one of the range after
 * the one the bridge's leases handed out last (the first free one without
 * leases); that one becomes the last. */
int ck__ipam_allocate(char out[16], ck_state_txn *txn, const ck__net *n, const char *want, const char *ctr_id,
                      struct ck__net_leases *leases, const char *netns);
int ck__ipam_release(ck_state_txn *txn, const char *network, const char *ip);

/* ---- host-wide leases of bridge addresses (leases.c) ----
 * Only for rootful stores (ck__net_hostwide), which share the host's
 * bridges.  A lease list is read and changed under the bridge's lock, held
 * from ck__net_leases_open to ck__net_leases_free. */
typedef struct ck__net_leases {
	ck__lock lock;
	char *iface;
	char **ips, **holders; /* parallel, NULL-terminated: address, namespace file */
	uint32_t last; /* the address handed out last on the bridge (<iface>.last), 0: none */
} ck__net_leases;
bool ck__net_hostwide(const ck_context *ctx);
/* Whether bridge `iface` is up on the host or was used in this boot by any
 * rootful store (its leases file exists). */
bool ck__net_iface_seen(const char *iface);
int ck__net_leases_open(ck__net_leases *l, const char *iface);
void ck__net_leases_free(ck__net_leases *l);
/* The namespace file, other than `netns`, that holds `ip`, or NULL. */
const char *ck__net_leases_holder(const ck__net_leases *l, const char *ip, const char *netns);
/* Replaces the leases of `netns` by `ip` (NULL: none). */
int ck__net_leases_set(ck__net_leases *l, const char *netns, const char *ip);
int ck__net_leases_save(ck__net_leases *l);
/* Opens, drops the leases of `netns` and saves (nothing when not rootful). */
int ck__net_leases_release(ck_context *ctx, const char *iface, const char *netns);
/* Rewrites every lease file without its stale leases. */
int ck__net_leases_prune(ck_context *ctx);
/* The host-wide lock around netavark runs (nothing when not rootful).  It
 * also waits for a run that outlived the ck that started it (killed). */
int ck__net_driver_lock(ck__lock *lk, ck_context *ctx);
/* Records `pid` as the netavark run in flight under the lock (0: none). */
void ck__net_driver_running(const ck__lock *lk, pid_t pid);

/* ---- the host-wide registry of user networks (registry.c) ----
 * Only for rootful stores: bridges and subnets of every store's user
 * networks, so that a store never picks another's.  Held under a lock from
 * open to free; `active` is false (and nothing is locked) when rootless. */
typedef struct ck__net_reg_entry {
	char *iface, *subnet, *name, *root;
	uint32_t net;
	unsigned prefix;
} ck__net_reg_entry;
typedef struct ck__net_registry {
	ck__lock lock;
	bool active;
	char *root; /* this store's root, resolved */
	ck__net_reg_entry *e;
	size_t n;
} ck__net_registry;
int ck__net_registry_open(ck__net_registry *r, ck_context *ctx);
void ck__net_registry_free(ck__net_registry *r);
/* Another store's network on bridge `iface`, or that overlaps a subnet. */
const ck__net_reg_entry *ck__net_registry_iface(const ck__net_registry *r, const char *iface);
const ck__net_reg_entry *ck__net_registry_overlap(const ck__net_registry *r, uint32_t net, unsigned prefix);
/* Rewrites this store's lines from its networks `nets` and saves. */
int ck__net_registry_sync(ck__net_registry *r, const ck__net *nets, size_t n);
/* Drops this store's network `name` (open, save, free). */
int ck__net_registry_remove(ck_context *ctx, const char *name);

/* ---- the attachment: what was set up for one container (attach.c) ---- */
typedef struct ck__net_ep {
	ck__net net;      /* a snapshot: teardown does not need the record */
	char ip[16];
	char *mac;        /* asked for, or what the driver reported */
	char **aliases;
	char ifname[16];  /* eth0, eth1, ... */
} ck__net_ep;

typedef struct ck__net_attach {
	char *ctr_id, *ctr_name, *netns, *driver;
	ck__net_ep *eps;
	size_t n_eps;
	struct ck__net_pm {
		char *host_ip, *protocol;
		unsigned int host_port, container_port, range;
	} *ports;
	size_t n_ports;
} ck__net_attach;
void ck__net_attach_free(ck__net_attach *a);
int ck__net_attach_json(char **out, const ck__net_attach *a);
int ck__net_attach_parse(ck__net_attach *a, const char *json);

/* ---- network namespaces (netns.c) ---- */
/* A new network namespace bind-mounted on `path` (which must not exist). */
int ck__netns_create(const char *path);
/* Unmounts and removes `path`; a missing file is success. */
int ck__netns_remove(const char *path);
/* <runroot>/netns */
char *ck__netns_dir(const ck_context *ctx);

/* ---- drivers (netavark.c) ---- */
typedef struct ck__net_driver {
	const char *name;
	/* Brings the namespace a->netns onto the networks of `a` with its port
	 * mappings; may fill eps[].mac with what it chose. */
	int (*setup)(ck_context *ctx, ck__net_attach *a);
	/* Undoes setup; must cope with a setup that went half-way. */
	int (*teardown)(ck_context *ctx, const ck__net_attach *a);
} ck__net_driver;
extern const ck__net_driver ck__net_netavark;
const ck__net_driver *ck__net_driver_find(const char *name);

#endif

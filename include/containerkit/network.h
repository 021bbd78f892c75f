/* Networks: bridge networks that containers join, as `podman network`
 * manages them, with addresses handed out by the library and the bridge,
 * firewall and DNS work done by netavark and aardvark-dns.
 *
 * A network named "podman" (a bridge podman0 on 10.88.0.0/16, without DNS)
 * exists without being created and cannot be removed; it is what rootful
 * containers join by default.  Other networks get the next free interface
 * podmanN and, unless a subnet is given, the next free 10.89.N.0/24.
 *
 * A ck_network handle is a snapshot of the record taken when it was looked
 * up; it is not thread-safe.  Getters return borrowed values that live as
 * long as the handle.  A ck_network_spec is a builder, not thread-safe. */
#ifndef CONTAINERKIT_NETWORK_H
#define CONTAINERKIT_NETWORK_H

#include "common.h"

CK_BEGIN_DECLS

typedef struct ck_network ck_network;
typedef struct ck_network_spec ck_network_spec;
typedef struct ck_network_list ck_network_list;
struct ck_container;

/** The name of the network that exists without being created. */
#define CK_NETWORK_DEFAULT "podman"

/* ------------------------------------------------------------------ spec */

/** A new spec: no name (one is generated, podman's "podmanN"), driver
 *  "bridge", a free subnet, DNS enabled.  Free with ck_network_spec_free(). */
CK_EXTERN int ck_network_spec_new(ck_network_spec **out);
/** Accepts NULL. */
CK_EXTERN void ck_network_spec_free(ck_network_spec *spec);
/** The name: [a-zA-Z0-9][a-zA-Z0-9_.-]*, at most 253 bytes. */
CK_EXTERN int ck_network_spec_set_name(ck_network_spec *spec, const char *name);
/** The driver: only "bridge" (CK_EUNSUPPORTED otherwise). */
CK_EXTERN int ck_network_spec_set_driver(ck_network_spec *spec, const char *driver);
/** --subnet: an IPv4 network in CIDR notation, prefix length 8 to 30 (host
 *  bits are cleared, as podman does).  IPv6 is CK_EUNSUPPORTED. */
CK_EXTERN int ck_network_spec_set_subnet(ck_network_spec *spec, const char *cidr);
/** --gateway: an address inside the subnet (default: its first address). */
CK_EXTERN int ck_network_spec_set_gateway(ck_network_spec *spec, const char *ip);
/** --ip-range: a CIDR inside the subnet from which addresses are handed out. */
CK_EXTERN int ck_network_spec_set_ip_range(ck_network_spec *spec, const char *cidr);
/** --internal: no route out and no published ports' masquerading. */
CK_EXTERN int ck_network_spec_set_internal(ck_network_spec *spec, int internal);
/** --disable-dns: containers are not given names in aardvark-dns. */
CK_EXTERN int ck_network_spec_set_disable_dns(ck_network_spec *spec, int disable);
/** Adds or replaces a label; `value` may be "". */
CK_EXTERN int ck_network_spec_set_label(ck_network_spec *spec, const char *key, const char *value);
/** Adds or replaces a driver option (--opt).  Known: "mtu" (a number),
 *  "isolate" ("true"/"false"); others fail with CK_EINVAL. */
CK_EXTERN int ck_network_spec_set_option(ck_network_spec *spec, const char *key, const char *value);

/* -------------------------------------------------------------- networks */

/** Creates the network's record (the bridge appears when the first
 *  container joins).  CK_EEXISTS for a taken name, CK_EINVAL for a gateway
 *  or range outside the subnet, CK_EINUSE for a subnet that overlaps
 *  another network's.  Nothing is written on failure.  `*out` (if not NULL)
 *  belongs to the caller. */
CK_EXTERN int ck_network_create(ck_network **out, ck_context *ctx, const ck_network_spec *spec);
/** By name, full id or unique id prefix; CK_ENOTFOUND, CK_EAMBIGUOUS. */
CK_EXTERN int ck_network_lookup(ck_network **out, ck_context *ctx, const char *ref);
/** 1 if the network exists, 0 if not, a negative code on error. */
CK_EXTERN int ck_network_exists(ck_context *ctx, const char *ref);
/** Removes a network.  Containers using it make it CK_EINUSE, unless
 *  `flags` has CK_REMOVE_FORCE: then they are removed first (stopped if
 *  running), as `podman network rm -f` does.  The default network cannot be
 *  removed (CK_EINVAL). */
CK_EXTERN int ck_network_remove(ck_context *ctx, const char *ref, unsigned int flags);
/** Removes every network (but the default) that no container uses and that
 *  matches `filters` (as for ck_network_list_new()).  `*removed` (if not NULL):
 *  a NULL-terminated array of names, freed with ck_strv_free(). */
CK_EXTERN int ck_network_prune(char ***removed, ck_context *ctx, const char *const *filters);
/** Releases a handle.  Accepts NULL. */
CK_EXTERN void ck_network_free(ck_network *net);

/** The network's name, id (64 hex digits) and driver ("bridge").
 *  Borrowed: they live as long as the handle. */
CK_EXTERN const char *ck_network_name(const ck_network *net);
CK_EXTERN const char *ck_network_id(const ck_network *net);
CK_EXTERN const char *ck_network_driver(const ck_network *net);
/** The bridge interface on the host ("podman0"). */
CK_EXTERN const char *ck_network_interface(const ck_network *net);
/** Number of subnets (1 in this version) and each as CIDR text. */
CK_EXTERN size_t ck_network_subnet_count(const ck_network *net);
CK_EXTERN const char *ck_network_subnet_byindex(const ck_network *net, size_t i);
/** The gateway of subnet 0. */
CK_EXTERN const char *ck_network_gateway(const ck_network *net);
/** The --ip-range of subnet 0, or NULL when addresses come from all of it. */
CK_EXTERN const char *ck_network_ip_range(const ck_network *net);
CK_EXTERN int ck_network_internal(const ck_network *net);
CK_EXTERN int ck_network_dns_enabled(const ck_network *net);
/** The value of label `key`, or NULL.  Labels in key order by index. */
CK_EXTERN const char *ck_network_label(const ck_network *net, const char *key);
CK_EXTERN size_t ck_network_label_count(const ck_network *net);
CK_EXTERN int ck_network_label_byindex(const char **key, const char **value, const ck_network *net, size_t i);
/** The value of driver option `key`, or NULL. */
CK_EXTERN const char *ck_network_option(const ck_network *net, const char *key);
/** Creation time, in seconds since the epoch (0 for the default network). */
CK_EXTERN int64_t ck_network_created(const ck_network *net);
/** Number of containers attached to the network (created or running). */
CK_EXTERN size_t ck_network_containers(const ck_network *net);
/** The network as JSON in the shape of `podman network inspect` (one
 *  object).  `*out` belongs to the caller (ck_free()). */
CK_EXTERN int ck_network_inspect(char **out, const ck_network *net);

/* ------------------------------------------------------------------ list */

/** Lists networks sorted by name, the default one included.  `filters` is
 *  NULL or a NULL-terminated array of podman filters: "name=TEXT"
 *  (substring), "id=PREFIX", "driver=bridge", "label=KEY[=VALUE]".
 *  Different keys must all match; one key matches if any of its values
 *  does.  Free `*out` with ck_network_list_free(). */
CK_EXTERN int ck_network_list_new(ck_network_list **out, ck_context *ctx, const char *const *filters);
CK_EXTERN size_t ck_network_list_count(const ck_network_list *list);
/** A handle borrowed from the list (lives as long as the list). */
CK_EXTERN const ck_network *ck_network_list_byindex(const ck_network_list *list, size_t i);
/** Accepts NULL. */
CK_EXTERN void ck_network_list_free(ck_network_list *list);

/* ------------------------------------------------------------ containers */

/** Connects a created (not running) container to one more network, with
 *  an optional static address (NULL: the next free one at start) and
 *  aliases (NULL-terminated, may be NULL).  A running container fails with
 *  CK_ESTATE in this version.  CK_EEXISTS if it is connected already. */
CK_EXTERN int ck_network_connect(struct ck_container *ctr, const char *network, const char *ip,
                                 const char *const *aliases);
/** Disconnects a container that is not running from a network.
 *  CK_ENOTFOUND if it is not connected to it. */
CK_EXTERN int ck_network_disconnect(struct ck_container *ctr, const char *network);

/** Sets up again the networks of running containers, firewall and
 *  port-forwarding rules included, as `podman network reload` does after
 *  the host's rules were flushed: the driver tears each attachment down and
 *  sets it up with the addresses the container had.  `containers`: a
 *  NULL-terminated list of names or ids (a pod member or a container:ID
 *  container stands for the container whose network it uses), or NULL for
 *  every running container on a bridge network.  A named container that
 *  does not run, or has no bridge network, fails (CK_ESTATE, CK_EINVAL).
 *  One container's failure does not stop the others; the first error is
 *  returned.  `*reloaded` (if not NULL): the ids reloaded, NULL-terminated,
 *  or NULL when none; set on failure too, and freed with ck_strv_free(). */
CK_EXTERN int ck_network_reload(char ***reloaded, ck_context *ctx, const char *const *containers);

CK_END_DECLS

#endif

/* Internal API of the network module for the modules above it (container,
 * system): what a container asks of its networks, the set-up and teardown
 * of its network namespace, the users of a network, and the check. */
#ifndef CK_NET_H
#define CK_NET_H

#include "state/state.h"
#include <containerkit/network.h>

#include <sys/types.h>

/* One network a container joins, as the container's record keeps it. */
typedef struct ck__net_req {
	char *network; /* a network name */
	char *ip;      /* a static address, or NULL */
	char *mac;     /* a static MAC address, or NULL */
	char **aliases; /* NULL-terminated, or NULL */
} ck__net_req;
void ck__net_req_free(ck__net_req *r);

/* A published port (the container module's -p, in netavark's terms). */
typedef struct ck__net_port {
	const char *host_ip; /* NULL or "": every address */
	unsigned int host_port, container_port, range;
	const char *protocol;
} ck__net_port;

/* What a container's start asks for.  Strings are borrowed. */
typedef struct ck__net_setup_args {
	const char *ctr_id, *ctr_name, *hostname;
	const ck__net_req *reqs;
	size_t n_reqs;
	const ck__net_port *ports;
	size_t n_ports;
} ck__net_setup_args;

/* What the set-up gave the container, for its /etc files. */
typedef struct ck__net_result {
	char *netns;    /* the namespace file, for the OCI config */
	char **ips;     /* one per network, in the order asked */
	char **dns;     /* resolvers to put first in resolv.conf (gateways of DNS networks) */
	bool dns_search; /* a network has DNS: search "dns.podman" */
} ck__net_result;
void ck__net_result_free(ck__net_result *r);

/* A free host port (and the range-1 after it) for a port published
 * without one, on host_ip (NULL or "": every address). */
int ck__net_port_pick(unsigned *port, const char *host_ip, const char *protocol, unsigned range);
/* CK_EINUSE naming the port when something on the host listens on one of
 * port..port+range-1 already (netavark's rules would shadow it silently). */
int ck__net_port_check(const char *host_ip, const char *protocol, unsigned port, unsigned range,
                       const char *ctr_name);

/* Checks what a container create asks: the networks exist, static
 * addresses are inside their subnets.  Reads the store. */
int ck__net_validate(ck_context *ctx, const ck__net_req *reqs, size_t n);
/* Marks container `id` as a user of each network, inside the caller's
 * write transaction (so that the network cannot be removed under it). */
int ck__net_add_users(ck_state_txn *txn, const char *id, const ck__net_req *reqs, size_t n);
int ck__net_remove_users(ck_state_txn *txn, const char *id, const ck__net_req *reqs, size_t n);
/* The ids of the containers using network `name` (NULL-terminated). */
int ck__net_users(char ***ids, ck_context *ctx, const char *name);

/* Makes <runroot>/netns/ck-<id>, allocates addresses (recorded with the
 * attachment in one transaction) and has the driver set the namespace up.
 * On failure everything it did is undone. */
int ck__net_setup(ck__net_result *res, ck_context *ctx, const ck__net_setup_args *a);
/* Undoes ck__net_setup for container `id`: driver teardown, namespace
 * unmounted and removed, addresses and attachment released.  Nothing to do
 * is success: it is called wherever a run may have ended. */
int ck__net_teardown(ck_context *ctx, const char *id);
/* The namespace path ck__net_setup uses for container `id` (new string). */
char *ck__net_netns_path(const ck_context *ctx, const char *id);
/* Published ports of a running container, as recorded by its set-up:
 * whether it has an attachment at all. */
bool ck__net_attached(ck_context *ctx, const char *id);
/* The ids of the containers with an attachment (reload.c). */
int ck__net_attached_ids(char ***ids, ck_context *ctx);
/* Has the driver set the attachment of running container `id` up again
 * (teardown, then setup with the recorded addresses): what `network
 * reload` does after the host's firewall rules were flushed.  `name`
 * names the container in errors.  CK_ESTATE when it has no attachment. */
int ck__net_reload(ck_context *ctx, const char *id, const char *name);

/* Attachments, namespace files, addresses and users that outlived their
 * container.  `owner(id)` says what became of container `id`: 0 gone, 1
 * there but not running (its network may go), 2 running or busy. */
typedef int (*ck__net_owner_fn)(ck_context *ctx, const char *id, void *payload);
int ck__net_check(ck_context *ctx, ck__check_report *r, ck__net_owner_fn owner, void *payload);

/* The record of a network without its users (for ck_network_remove in the
 * container module, which removes the users first). */
int ck__net_remove_record(ck_context *ctx, const char *name, bool force);
/* The exact name of network `ref` (new string). */
int ck__net_resolve(char **name, ck_context *ctx, const char *ref);

/* ---- slirp4netns: the network of a rootless container (slirp.c) ----
 * The monitor starts it for its container's init and stops it when the
 * run ends; it holds the write end of slirp4netns's exit pipe, so that
 * slirp4netns also ends when the monitor dies. */
#define CK__SLIRP_GUEST_IP "10.0.2.100" /* tap0 with --configure */
#define CK__SLIRP_DNS_IP "10.0.2.3"
typedef struct ck__slirp {
	pid_t pid;
	int exit_fd; /* the exit pipe's write end: closing it ends slirp4netns */
	int pidfd;
} ck__slirp;
/* CK_EPERM naming the fix when the caller cannot open /dev/net/tun. */
int ck__slirp_check_host(void);
/* Starts slirp4netns for the network namespace of process `target`, its
 * files (API socket, log, pid file) in `rundir`, waits until it is ready
 * and forwards the ports.  On failure nothing is left running. */
int ck__slirp_start(ck__slirp *s, const char *rundir, pid_t target, const ck__net_port *ports, size_t n_ports,
                    const char *ctr_name);
/* Ends and reaps it; removes its files when rundir is given. */
void ck__slirp_stop(ck__slirp *s, const char *rundir);
/* After its monitor died: kills the slirp4netns recorded in rundir if it
 * still runs, waits until it is gone, and removes its files. */
int ck__slirp_cleanup(const char *rundir);
/* The variable in slirp4netns's environment that names its run directory
 * (slirp_check.c finds strays by it). */
#define CK__SLIRP_ENV "CONTAINERKIT_SLIRP_DIR"
/* `system check`: slirp4netns processes of this store whose container is
 * gone or not running (owner() 0 or 1, as for ck__net_check); the repair
 * kills them and waits until they are gone. */
int ck__slirp_check(ck_context *ctx, ck__check_report *r, ck__net_owner_fn owner, void *payload);

#endif

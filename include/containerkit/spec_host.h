/* The container spec's settings of what a container sees of its host:
 * devices, /etc/hosts and resolv.conf, the time zone, the default
 * environment and the pid file (podman's --device, --add-host, --dns*,
 * --tz, --no-hosts, --unsetenv*, --pidfile).  Since 1.1.  A spec is used
 * from one thread at a time, as container.h says. */
#ifndef CONTAINERKIT_SPEC_HOST_H
#define CONTAINERKIT_SPEC_HOST_H

#include "common.h"
#include "container.h"

CK_BEGIN_DECLS

/** --device "HOST[:CONTAINER][:PERMISSIONS]": the host's character or block
 *  device HOST appears in the container at CONTAINER (default: HOST's path),
 *  and the container's device cgroup allows PERMISSIONS on it (a subset of
 *  "rwm", default "rwm").  Rootless, the node is bind-mounted instead (a
 *  user namespace cannot make device nodes), as podman does.  A malformed
 *  value is CK_EINVAL here; a HOST that is missing or not a device node
 *  fails the create (CK_ENOTFOUND, CK_EINVAL).  Since 1.1. */
CK_EXTERN int ck_container_spec_add_device(ck_container_spec *spec, const char *device);

/** --add-host "HOST:IP": one more line in the container's /etc/hosts.
 *  A container that joins a pod sharing its network takes the pod's
 *  entries instead: giving one of these four then fails its create
 *  (CK_EINVAL, naming the flag and `ck pod create`). */
CK_EXTERN int ck_container_spec_add_host(ck_container_spec *spec, const char *host_ip);
/** --dns: a name server (IPv4 or IPv6) for its resolv.conf, replacing the
 *  host's (a network's own resolver stays first); "none": the container
 *  gets no resolv.conf of ck's (the image's stays). */
CK_EXTERN int ck_container_spec_add_dns(ck_container_spec *spec, const char *server);
/** --dns-search: a search domain for its resolv.conf, replacing the
 *  host's; "." alone gives none. */
CK_EXTERN int ck_container_spec_add_dns_search(ck_container_spec *spec, const char *domain);
/** --dns-option: one resolver option ("ndots:2"), replacing the host's. */
CK_EXTERN int ck_container_spec_add_dns_option(ck_container_spec *spec, const char *option);
/** --tz: a zone of the host's /usr/share/zoneinfo ("Europe/Paris") or
 *  "local" (the host's /etc/localtime), bind-mounted read-only at
 *  /etc/localtime; checked at create (CK_EINVAL naming a missing zone).
 *  NULL: the image's.  Since 1.1. */
CK_EXTERN int ck_container_spec_set_timezone(ck_container_spec *spec, const char *tz);
/** --no-hosts: the container keeps its image's /etc/hosts (none is
 *  generated).  Since 1.1. */
CK_EXTERN int ck_container_spec_set_no_hosts(ck_container_spec *spec, int on);
/** --unsetenv NAME: the default NAME (from the image, or PATH, TERM,
 *  container) is not set; one given with the env setters or an env file
 *  still is.  Since 1.1. */
CK_EXTERN int ck_container_spec_unset_env(ck_container_spec *spec, const char *name);
/** --unsetenv-all: none of those defaults is set.  Since 1.1. */
CK_EXTERN int ck_container_spec_set_unset_env_all(ck_container_spec *spec, int on);
/** --pidfile PATH: the container's init pid is written to PATH (relative:
 *  to the caller's current directory) at each start, before the start
 *  returns.  NULL or "": none.  Since 1.1. */
CK_EXTERN int ck_container_spec_set_pid_file(ck_container_spec *spec, const char *path);

CK_END_DECLS

#endif

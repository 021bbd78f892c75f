/* Setting a running container's bridge networks up again (`network
 * reload`): after a firewall flush the rules that publish its ports and
 * route its traffic are gone, while its namespace, veth and addresses are
 * still there.  The driver tears the attachment down and sets it up again
 * with the addresses the record keeps and the MAC addresses the interfaces
 * have now. */
#define _GNU_SOURCE
#include "net_int.h"

#include <fcntl.h>
#include <net/if.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

struct read_attach {
	const char *id;
	char *json;
};

static int read_fn(ck_state_txn *txn, void *payload)
{
	struct read_attach *r = payload;
	free(r->json);
	r->json = NULL;
	return ck__txn_get(&r->json, NULL, txn, CK__NET_B_ATTACH, r->id);
}

static int id_one(const char *key, const void *val, size_t len, void *payload)
{
	(void)val;
	(void)len;
	return ck__strv_push(payload, key);
}

static int ids_fn(ck_state_txn *txn, void *payload)
{
	char ***ids = payload;
	ck_strv_free(*ids);
	*ids = NULL;
	return ck__net_scan(txn, CK__NET_B_ATTACH, "", id_one, ids);
}

int ck__net_attached_ids(char ***ids, ck_context *ctx)
{
	char **list = NULL;
	int rc = ck__state_read(ctx, ids_fn, &list);

	if (rc != CK_OK) {
		ck_strv_free(list);
		return rc;
	}
	*ids = list;
	return CK_OK;
}

/* Reads, in a thread that enters the namespace (the process's own stays),
 * the MAC address of each interface whose address was not asked for. */
static void *read_macs(void *arg)
{
	ck__net_attach *a = arg;
	int nsfd = open(a->netns, O_RDONLY | O_CLOEXEC), s = -1;

	if (nsfd >= 0 && setns(nsfd, CLONE_NEWNET) == 0)
		s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	for (size_t i = 0; s >= 0 && i < a->n_eps; i++) {
		ck__net_ep *e = &a->eps[i];
		struct ifreq ifr;
		char mac[18];
		if (e->mac && *e->mac)
			continue;
		memset(&ifr, 0, sizeof(ifr));
		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", e->ifname);
		if (ioctl(s, SIOCGIFHWADDR, &ifr) != 0)
			continue;
		const unsigned char *h = (const unsigned char *)ifr.ifr_hwaddr.sa_data;
		snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", h[0], h[1], h[2], h[3], h[4], h[5]);
		free(e->mac);
		e->mac = strdup(mac); /* NULL: the driver picks one */
	}
	if (s >= 0)
		close(s);
	if (nsfd >= 0)
		close(nsfd);
	return NULL;
}

int ck__net_reload(ck_context *ctx, const char *id, const char *name)
{
	struct read_attach r = { id, NULL };
	const ck__net_driver *d;
	ck__net_attach a;
	int rc = ck__state_read(ctx, read_fn, &r);

	if (rc == CK_ENOTFOUND) {
		free(r.json);
		return ck__error_set(CK_ESTATE, "container %s has no network set up: it is not running on a bridge "
		                                "network", name);
	}
	if (rc != CK_OK) {
		free(r.json);
		return rc;
	}
	rc = ck__net_attach_parse(&a, r.json);
	free(r.json);
	if (rc != CK_OK)
		return ck__error_wrap(rc, "cannot reload the network of container %s", name);
	if (!ck__path_exists(a.netns)) {
		rc = ck__error_set(CK_ESTATE, "cannot reload the network of container %s: its namespace %s is gone",
		                   name, a.netns);
		goto out;
	}
	if (!(d = ck__net_driver_find(a.driver))) {
		rc = ck__error_set(CK_ECORRUPT, "container %s: unknown network driver \"%s\" in its attachment", name,
		                   a.driver);
		goto out;
	}
	/* The interfaces keep their MAC addresses: with a new one, the host's
	 * neighbour entry for the container's address would still name the
	 * old until it expires, and traffic to the container would stall. */
	pthread_t t;
	if (pthread_create(&t, NULL, read_macs, &a) == 0)
		pthread_join(t, NULL);
	/* What is left of the rules goes first, as netavark's setup would
	 * fail on the interfaces that are still there.  A teardown that finds
	 * nothing (rules flushed) is what reload is for: not an error. */
	if (d->teardown(ctx, &a) != CK_OK) {
		ck__log(ctx, CK_LOG_DEBUG, "container %s: reload's teardown: %s", name, ck_error_last()->message);
		ck__error_clear();
	}
	if ((rc = d->setup(ctx, &a)) != CK_OK)
		rc = ck__error_wrap(rc, "cannot reload the network of container %s", name);
	else
		ck__log(ctx, CK_LOG_DEBUG, "container %s: network reloaded", name);
out:
	ck__net_attach_free(&a);
	return rc;
}

/* Host-wide leases of bridge addresses.  Every store hands out addresses
 * from its own records, but stores share the host's bridges (podman0 for
 * the default network): two stores started side by side would give the same
 * address to two containers on one bridge.  So each address a rootful
 * container takes is also leased in /run/containerkit/bridges/<iface>.leases,
 * under a lock, by the namespace file that holds it; a lease whose
 * namespace file is gone, or that was written in an earlier boot, is stale
 * and free again.  The same directory holds the lock that serialises
 * netavark runs, which create and delete the shared bridges and rules. */
#define _GNU_SOURCE
#include "net_int.h"

#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define HOST_DIR "/run/containerkit/bridges"

bool ck__net_hostwide(const ck_context *ctx)
{
	return !ctx->rootless && geteuid() == 0;
}

static char *host_path(const char *iface, const char *suffix)
{
	return ck__asprintf(HOST_DIR "/%s%s", iface, suffix);
}

bool ck__net_iface_seen(const char *iface)
{
	char path[128];
	struct stat st;

	snprintf(path, sizeof(path), "/sys/class/net/%s", iface);
	if (lstat(path, &st) == 0)
		return true;
	snprintf(path, sizeof(path), HOST_DIR "/%s.leases", iface);
	return lstat(path, &st) == 0;
}

/* A netavark run goes on when the ck that started it is killed, but the
 * lock, which that ck held, is released: the next run (a teardown by `pod rm
 * -f` or the check's repair) would race the set-up it undoes, and the rules
 * and veth that the set-up adds after the teardown stay for good.  So the
 * holder of the lock records the pid and start time of its run beside the
 * lock, and the next holder waits for a recorded run that is still there. */
static bool proc_start(unsigned long long *start, pid_t pid)
{
	char path[64], *text = NULL, *p;
	bool ok = false;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (ck__read_file(&text, NULL, path, 4096) != CK_OK) {
		ck__error_clear();
		return false;
	}
	/* Field 22 (starttime), counted after the command name's ')'. */
	if ((p = strrchr(text, ')'))) {
		int field = 2;
		for (; *p && field < 22; p++)
			if (*p == ' ')
				field++;
		ok = field == 22 && sscanf(p, "%llu", start) == 1;
	}
	free(text);
	return ok;
}

static void wait_orphan(void)
{
	char *text = NULL;
	int pid = 0, fd;
	unsigned long long want = 0, start = 0;

	if (ck__read_file(&text, NULL, HOST_DIR "/netavark.pid", 64) != CK_OK) {
		ck__error_clear();
		return;
	}
	if (sscanf(text, "%d %llu", &pid, &want) == 2 && pid > 0 && proc_start(&start, pid) && start == want &&
	    (fd = (int)syscall(SYS_pidfd_open, pid, 0)) >= 0) {
		/* Readable when the process ends; the same minute as the lock. */
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		while (poll(&pfd, 1, 60000) < 0 && errno == EINTR)
			;
		close(fd);
	}
	free(text);
}

int ck__net_driver_lock(ck__lock *lk, ck_context *ctx)
{
	char *path;
	int rc;

	lk->fd = -1;
	if (!ck__net_hostwide(ctx))
		return CK_OK;
	if ((rc = ck__mkdir_p(HOST_DIR, 0700)) != CK_OK)
		return rc;
	if (!(path = host_path("netavark", ".lock")))
		return ck__oom();
	/* netavark takes a second or so at worst; a minute means a stuck one. */
	rc = ck__lock_acquire(lk, path, true, 60000);
	free(path);
	if (rc == CK_OK)
		wait_orphan();
	return rc;
}

void ck__net_driver_running(const ck__lock *lk, pid_t pid)
{
	char line[64];
	unsigned long long start;
	int n;

	if (lk->fd < 0)
		return;
	if (pid <= 0 || !proc_start(&start, pid)) {
		unlink(HOST_DIR "/netavark.pid");
		return;
	}
	n = snprintf(line, sizeof(line), "%d %llu\n", (int)pid, start);
	/* Best effort: without the record a killed ck's run is not waited for,
	 * which is how things were before it. */
	if (ck__write_file_replace(HOST_DIR "/netavark.pid", line, (size_t)n, 0600, false) != CK_OK)
		ck__error_clear();
}

void ck__net_leases_free(ck__net_leases *l)
{
	if (!l)
		return;
	ck__lock_release(&l->lock);
	ck_strv_free(l->ips);
	ck_strv_free(l->holders);
	free(l->iface);
	memset(l, 0, sizeof(*l));
	l->lock.fd = -1;
}

/* <iface>.last: the address handed out last on the bridge, by any store,
 * where the next allocation starts looking (ipam.c says why).  It is a hint:
 * missing or damaged, the search starts at the beginning of the range. */
static void read_last(ck__net_leases *l)
{
	char *path = host_path(l->iface, ".last"), *text = NULL;
	uint32_t a;

	if (path && ck__read_file(&text, NULL, path, 64) == CK_OK) {
		text[strcspn(text, "\n")] = '\0';
		if (ck__ip4_parse(&a, text) == CK_OK)
			l->last = a;
	}
	ck__error_clear();
	free(text);
	free(path);
}

int ck__net_leases_open(ck__net_leases *l, const char *iface)
{
	char boot[40], *lock = NULL, *data = NULL, *text = NULL;
	int rc;

	memset(l, 0, sizeof(*l));
	l->lock.fd = -1;
	ck__boot_id(boot);
	if (!(l->iface = strdup(iface)) || !(lock = host_path(iface, ".lock")) || !(data = host_path(iface, ".leases"))) {
		rc = ck__oom();
		goto out;
	}
	if ((rc = ck__mkdir_p(HOST_DIR, 0700)) != CK_OK ||
	    (rc = ck__lock_acquire(&l->lock, lock, true, 30000)) != CK_OK)
		goto out;
	read_last(l);
	rc = ck__read_file(&text, NULL, data, 16u << 20);
	if (rc == CK_ENOTFOUND) {
		ck__error_clear();
		rc = CK_OK;
		goto out;
	}
	if (rc != CK_OK)
		goto out;
	/* "IP NETNS-PATH BOOT-ID" per line; the stale ones are dropped here. */
	for (char *line = text, *next; line && *line && rc == CK_OK; line = next) {
		char ip[64], path[4096], bid[64];
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (sscanf(line, "%63s %4095s %63s", ip, path, bid) != 3 || strcmp(bid, boot) != 0 ||
		    !ck__path_exists(path))
			continue;
		if ((rc = ck__strv_push(&l->ips, ip)) == CK_OK)
			rc = ck__strv_push(&l->holders, path);
	}
out:
	free(text);
	free(lock);
	free(data);
	if (rc != CK_OK)
		ck__net_leases_free(l);
	return rc;
}

const char *ck__net_leases_holder(const ck__net_leases *l, const char *ip, const char *netns)
{
	for (size_t i = 0; l->ips && l->ips[i]; i++)
		if (!strcmp(l->ips[i], ip) && strcmp(l->holders[i], netns) != 0)
			return l->holders[i];
	return NULL;
}

/* Removes the leases of `netns` from the list. */
static void drop(ck__net_leases *l, const char *netns)
{
	size_t k = 0;

	for (size_t i = 0; l->ips && l->ips[i]; i++) {
		if (!strcmp(l->holders[i], netns)) {
			free(l->ips[i]);
			free(l->holders[i]);
			continue;
		}
		l->ips[k] = l->ips[i];
		l->holders[k++] = l->holders[i];
	}
	if (l->ips) {
		l->ips[k] = NULL;
		l->holders[k] = NULL;
	}
}

int ck__net_leases_set(ck__net_leases *l, const char *netns, const char *ip)
{
	int rc;

	drop(l, netns);
	if (!ip)
		return CK_OK;
	if ((rc = ck__strv_push(&l->ips, ip)) != CK_OK)
		return rc;
	return ck__strv_push(&l->holders, netns);
}

int ck__net_leases_save(ck__net_leases *l)
{
	ck__buf b = { 0 };
	char boot[40], *data = host_path(l->iface, ".leases");
	int rc;

	if (!data)
		return ck__oom();
	ck__boot_id(boot);
	for (size_t i = 0; l->ips && l->ips[i]; i++) {
		char line[4300];
		int n = snprintf(line, sizeof(line), "%s %s %s\n", l->ips[i], l->holders[i], boot);
		ck__buf_add(&b, line, (size_t)n);
	}
	char *text = ck__buf_take(&b);
	rc = text ? ck__write_file_replace(data, text, strlen(text), 0600, false) : ck__oom();
	free(text);
	free(data);
	if (rc == CK_OK && l->last) {
		char *path = host_path(l->iface, ".last"), addr[20];
		ck__ip4_format(addr, l->last);
		strcat(addr, "\n");
		rc = path ? ck__write_file_replace(path, addr, strlen(addr), 0600, false) : ck__oom();
		free(path);
	}
	return rc;
}

int ck__net_leases_release(ck_context *ctx, const char *iface, const char *netns)
{
	ck__net_leases l;
	int rc;

	if (!ck__net_hostwide(ctx))
		return CK_OK;
	if ((rc = ck__net_leases_open(&l, iface)) != CK_OK)
		return rc;
	rc = ck__net_leases_set(&l, netns, NULL);
	if (rc == CK_OK)
		rc = ck__net_leases_save(&l);
	ck__net_leases_free(&l);
	return rc;
}

int ck__net_leases_prune(ck_context *ctx)
{
	DIR *d;
	struct dirent *de;
	int rc = CK_OK;

	if (!ck__net_hostwide(ctx) || !(d = opendir(HOST_DIR)))
		return CK_OK;
	while (rc == CK_OK && (de = readdir(d))) {
		size_t len = strlen(de->d_name);
		if (len <= 7 || strcmp(de->d_name + len - 7, ".leases") != 0)
			continue;
		char *iface = strndup(de->d_name, len - 7);
		ck__net_leases l;
		if (!iface) {
			rc = ck__oom();
			break;
		}
		/* Reading drops the stale leases; saving writes what is left. */
		if ((rc = ck__net_leases_open(&l, iface)) == CK_OK) {
			rc = ck__net_leases_save(&l);
			ck__net_leases_free(&l);
		}
		free(iface);
	}
	closedir(d);
	return rc;
}

/* What a container needs on disk before the runtime can start it, made at
 * every start from its record (create writes only the record): its
 * directories, the working directory inside the root filesystem, the copy-up
 * of image content into the volumes it created, and its hostname, hosts and
 * resolv.conf.  None of it is synced: all of it is made again next time. */
#define _GNU_SOURCE
#include "container_int.h"
#include "volume/volume.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int write_text(const char *dir, const char *name, const char *text)
{
	char *path = ck__path_join(dir, name);
	int rc = path ? ck__write_file_replace(path, text, strlen(text), 0644, false) : ck__oom();
	free(path);
	return rc;
}

/* Adds the words after the keyword of each host line that starts with
 * `kw` (search, options). */
static void host_words(ck__buf *b, const char *host, const char *kw)
{
	size_t kl = strlen(kw);

	for (const char *p = host; p && *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		if (len > kl && !strncmp(p, kw, kl) && (p[kl] == ' ' || p[kl] == '\t'))
			ck__buf_printf(b, " %.*s", (int)(len - kl - 1), p + kl + 1);
		p += len + (nl ? 1 : 0);
	}
}

/* The host's file as it is, unless a network has DNS or the container set
 * --dns*: then search, nameserver and options lines are made from, in
 * order, the network's resolver (aardvark-dns on its gateway; slirp4netns:
 * its built-in forwarder), --dns (else the host's resolvers that a
 * container can reach: not the host's loopback), --dns-search ("." for
 * none; else the host's, without a DNS network) and --dns-option (else the
 * host's), as podman writes them. */
static char **given(char **v)
{
	return v && v[0] ? v : NULL; /* a record read back holds empty lists */
}

static char *resolv_for(const char *host, const ck__net_result *net, const ck__ctr_extra *extra)
{
	bool net_dns = net && net->dns && net->dns[0];
	ck__ctr_extra given_only = { .dns = given(extra->dns), .dns_search = given(extra->dns_search),
	                             .dns_options = given(extra->dns_options) };
	const ck__ctr_extra *x = &given_only;
	ck__buf b = { 0 }, words = { 0 };

	if (!net_dns && !x->dns && !x->dns_search && !x->dns_options)
		return ck__strdup(host ? host : "");
	if (net_dns && net->dns_search)
		ck__buf_puts(&words, " dns.podman");
	if (x->dns_search) {
		for (size_t i = 0; x->dns_search[i]; i++)
			if (strcmp(x->dns_search[i], ".") != 0)
				ck__buf_printf(&words, " %s", x->dns_search[i]);
	} else if (!net_dns) {
		host_words(&words, host, "search");
	}
	if (words.len)
		ck__buf_printf(&b, "search%.*s\n", (int)words.len, words.data);
	ck__buf_free(&words);
	for (size_t i = 0; net_dns && net->dns[i]; i++)
		ck__buf_printf(&b, "nameserver %s\n", net->dns[i]);
	for (size_t i = 0; x->dns && x->dns[i]; i++)
		ck__buf_printf(&b, "nameserver %s\n", x->dns[i]);
	for (const char *p = host; p && *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		bool ns = ck__str_has_prefix(p, "nameserver"), loop = ck__str_has_prefix(p, "nameserver 127.") ||
		                                                        ck__str_has_prefix(p, "nameserver ::1");
		if (ck__str_has_prefix(p, "search") || ck__str_has_prefix(p, "domain") ||
		    ck__str_has_prefix(p, "options") || (ns && (x->dns || (net_dns && loop))))
			; /* made above or below */
		else
			ck__buf_printf(&b, "%.*s\n", (int)len, p);
		p += len + (nl ? 1 : 0);
	}
	if (x->dns_options) {
		ck__buf_puts(&b, "options");
		for (size_t i = 0; x->dns_options[i]; i++)
			ck__buf_printf(&b, " %s", x->dns_options[i]);
		ck__buf_puts(&b, "\n");
	} else {
		host_words(&words, host, "options");
		if (words.len)
			ck__buf_printf(&b, "options%.*s\n", (int)words.len, words.data);
		ck__buf_free(&words);
	}
	return ck__buf_take(&b);
}

static int write_etc_files(const char *userdata, const ck__ctr_config *c, const ck__net_result *net)
{
	char *resolv = NULL, *hosts = NULL;
	ck__buf b = { 0 };
	int rc;

	if ((rc = ck__read_file(&resolv, NULL, "/etc/resolv.conf", 1 << 20)) != CK_OK) {
		ck__error_clear();
		resolv = NULL;
	}
	/* --add-host lines first, as podman writes them */
	for (char **h = c->extra.add_hosts; h && *h; h++) {
		const char *colon = strchr(*h, ':');
		ck__buf_printf(&b, "%s\t%.*s\n", colon + 1, (int)(colon - *h), *h);
	}
	if (!strcmp(c->network, "host") && ck__read_file(&hosts, NULL, "/etc/hosts", 1 << 20) == CK_OK) {
		ck__buf_puts(&b, hosts);
		if (b.len && b.data[b.len - 1] != '\n')
			ck__buf_puts(&b, "\n");
	} else {
		ck__error_clear();
		ck__buf_puts(&b, "127.0.0.1\tlocalhost localhost.localdomain\n::1\tlocalhost localhost.localdomain\n");
	}
	if (net && net->ips && net->ips[0]) {
		for (size_t i = 0; net->ips[i]; i++)
			ck__buf_printf(&b, "%s\t%s %s\n", net->ips[i], c->hostname, c->name);
	} else {
		ck__buf_printf(&b, "127.0.1.1\t%s %s\n", c->hostname, c->name);
	}
	char *h = ck__buf_take(&b), *rv = resolv_for(resolv, net, &c->extra);
	char *hn = ck__asprintf("%s\n", c->hostname);
	if (!h || !hn || !rv)
		rc = ck__oom();
	else if ((rc = write_text(userdata, "hosts", h)) == CK_OK && (rc = write_text(userdata, "hostname", hn)) == CK_OK)
		rc = write_text(userdata, "resolv.conf", rv);
	free(rv);
	/* /run/.containerenv, as podman writes it (engine named ck) */
	char *env = ck__asprintf("engine=\"ck-%s\"\nname=\"%s\"\nid=\"%s\"\nimage=\"%s\"\nimageid=\"%s\"\n"
	                         "rootless=%d\n",
	                         ck_version(), c->name, c->id, c->image_name ? c->image_name : "", c->image_id,
	                         c->rootless ? 1 : 0);
	if (rc == CK_OK)
		rc = env ? write_text(userdata, "containerenv", env) : ck__oom();
	free(env);
	free(h);
	free(hn);
	free(hosts);
	free(resolv);
	return rc;
}

static bool dir_empty(int fd)
{
	int dup_fd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = dup_fd >= 0 ? fdopendir(dup_fd) : NULL;
	struct dirent *de;
	bool empty = true;

	if (!d) {
		if (dup_fd >= 0)
			close(dup_fd);
		return false;
	}
	while (empty && (de = readdir(d)))
		empty = !strcmp(de->d_name, ".") || !strcmp(de->d_name, "..");
	closedir(d);
	return empty;
}

/* podman's copy-up: a volume made for this container starts with what the
 * image has at its destination (unless nocopy), copied while the volume
 * is still empty, that is at the first start. */
static int copy_up(ck_context *ctx, const ck__ctr_config *c, int root_fd)
{
	int rc = CK_OK;

	for (size_t i = 0; i < c->n_mounts && rc == CK_OK; i++) {
		const ck__mnt *m = &c->mounts[i];
		char *data = NULL;
		int sfd = -1, dfd = -1;
		if (m->type != CK__MNT_VOLUME || !m->created_volume || m->nocopy)
			continue;
		if ((rc = ck__volume_path(&data, ctx, m->source)) == CK_OK &&
		    (dfd = open(data, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
			rc = ck__error_errno(CK_EIO, "cannot open volume %s", m->source);
		if (rc == CK_OK && dir_empty(dfd)) {
			rc = ck__root_open(&sfd, root_fd, m->destination, O_RDONLY | O_DIRECTORY, 0);
			if (rc == CK_ENOTFOUND || (rc != CK_OK && ck_error_last()->sys_errno == ENOTDIR)) {
				/* nothing there, or not a directory: nothing to copy */
				ck__error_clear();
				rc = CK_OK;
			} else if (rc == CK_OK) {
				rc = ck__copy_dir_contents(sfd, dfd, m->destination);
			}
		}
		if (rc != CK_OK)
			rc = ck__error_wrap(rc, "cannot copy %s of the image into volume %s", m->destination, m->source);
		if (sfd >= 0)
			close(sfd);
		if (dfd >= 0)
			close(dfd);
		free(data);
	}
	return rc;
}

int ck__ctr_materialize(ck_context *ctx, const ck__ctr_config *c, const char *rootfs, const ck__net_result *net)
{
	char *userdata = ck__ctr_userdata(ctx, c->id), *run = ck__ctr_rundir(ctx, c->id);
	int rc, root_fd = -1;

	if (!userdata || !run)
		rc = ck__oom();
	else if ((rc = ck__mkdir_p(userdata, 0700)) == CK_OK && (rc = ck__mkdir_p(run, 0700)) == CK_OK)
		rc = write_etc_files(userdata, c, net);
	if (rc == CK_OK && (root_fd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
		rc = ck__error_errno(CK_EIO, "cannot open the root filesystem %s", rootfs);
	if (rc == CK_OK && (rc = ck__root_mkdir_p(root_fd, c->workdir, 0755)) != CK_OK)
		rc = ck__error_wrap(rc, "cannot create the working directory %s", c->workdir);
	if (rc == CK_OK)
		rc = copy_up(ctx, c, root_fd);
	if (root_fd >= 0)
		close(root_fd);
	free(userdata);
	free(run);
	return rc;
}

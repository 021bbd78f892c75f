/* The netavark driver: netavark (podman 4's network stack, packaged by
 * Debian with aardvark-dns) makes the bridge, the veth pair, the firewall
 * and port-forwarding rules, and runs aardvark-dns for names.  It is given
 * the namespace path and the options as JSON on stdin, and answers with
 * JSON on stdout. */
#define _GNU_SOURCE
#include "net_int.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *find_helper(const char *env, const char *name, char *buf, size_t size)
{
	const char *dirs[] = { "/usr/libexec/podman", "/usr/lib/podman", "/usr/local/libexec/podman" };
	const char *e = getenv(env);

	if (e && *e)
		return access(e, X_OK) == 0 ? e : NULL;
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(buf, size, "%s/%s", dirs[i], name);
		if (access(buf, X_OK) == 0)
			return buf;
	}
	return NULL;
}

static void gen_options(yajl_gen g, const ck__net *n)
{
	yajl_gen_map_open(g);
	ck__net_gen_podman(g, n, NULL);
	yajl_gen_map_close(g);
}

static int build_json(char **out, const ck__net_attach *a)
{
	yajl_gen g = ck__json_gen_new(false);

	if (!g)
		return ck__oom();
	yajl_gen_map_open(g);
	ck__json_key_str(g, "container_id", a->ctr_id);
	ck__json_key_str(g, "container_name", a->ctr_name);
	ck__json_key(g, "port_mappings");
	yajl_gen_array_open(g);
	for (size_t i = 0; i < a->n_ports; i++) {
		const struct ck__net_pm *p = &a->ports[i];
		yajl_gen_map_open(g);
		ck__json_key_str(g, "host_ip", p->host_ip ? p->host_ip : "");
		ck__json_key_int(g, "container_port", p->container_port);
		ck__json_key_int(g, "host_port", p->host_port);
		ck__json_key_int(g, "range", p->range ? p->range : 1);
		ck__json_key_str(g, "protocol", p->protocol ? p->protocol : "tcp");
		yajl_gen_map_close(g);
	}
	yajl_gen_array_close(g);
	ck__json_key(g, "networks");
	yajl_gen_map_open(g);
	for (size_t i = 0; i < a->n_eps; i++) {
		const ck__net_ep *e = &a->eps[i];
		ck__json_key(g, e->net.name);
		yajl_gen_map_open(g);
		ck__json_key(g, "static_ips");
		yajl_gen_array_open(g);
		ck__json_str_val(g, e->ip);
		yajl_gen_array_close(g);
		ck__json_key(g, "aliases");
		yajl_gen_array_open(g);
		for (size_t k = 0; e->aliases && e->aliases[k]; k++)
			ck__json_str_val(g, e->aliases[k]);
		yajl_gen_array_close(g);
		ck__json_key_str(g, "interface_name", e->ifname);
		if (e->mac && *e->mac)
			ck__json_key_str(g, "static_mac", e->mac);
		yajl_gen_map_close(g);
	}
	yajl_gen_map_close(g);
	ck__json_key(g, "network_info");
	yajl_gen_map_open(g);
	for (size_t i = 0; i < a->n_eps; i++) {
		ck__json_key(g, a->eps[i].net.name);
		gen_options(g, &a->eps[i].net);
	}
	yajl_gen_map_close(g);
	yajl_gen_map_close(g);
	return ck__json_gen_finish(out, g);
}

static int memfd_with(const char *name, const char *text)
{
	int fd = memfd_create(name, MFD_CLOEXEC);
	size_t len = text ? strlen(text) : 0, off = 0;

	if (fd < 0)
		return -1;
	while (off < len) {
		ssize_t w = write(fd, text + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			close(fd);
			return -1;
		}
		off += (size_t)w;
	}
	lseek(fd, 0, SEEK_SET);
	return fd;
}

static char *memfd_text(int fd)
{
	ck__buf b = { 0 };
	char chunk[4096];
	ssize_t r;

	lseek(fd, 0, SEEK_SET);
	while ((r = read(fd, chunk, sizeof(chunk))) > 0 || (r < 0 && errno == EINTR))
		if (r > 0)
			ck__buf_add(&b, chunk, (size_t)r);
	ck__buf_add(&b, "", 0);
	return ck__buf_take(&b);
}

/* The message netavark gave: {"error": "..."} on stdout, else its stderr
 * without aardvark's complaint about syslog. */
static void failure_text(char *buf, size_t size, const char *out, const char *err)
{
	yajl_val t = NULL;
	const char *msg = NULL;

	if (out && *out && ck__json_parse(&t, out, "netavark", CK_EIO) == CK_OK)
		msg = ck__json_str(t, "error");
	ck__error_clear();
	if (!msg && err) {
		const char *p = err;
		while (*p && (ck__str_has_prefix(p, "failed to connect to syslog") || *p == '\n'))
			p = strchr(p, '\n') ? strchr(p, '\n') + 1 : p + strlen(p);
		msg = *p ? p : err;
	}
	snprintf(buf, size, "%s", msg && *msg ? msg : "no message");
	for (char *q = buf; *q; q++)
		if (*q == '\n')
			*q = ' ';
	size_t l = strlen(buf);
	while (l && buf[l - 1] == ' ')
		buf[--l] = '\0';
	if (t)
		yajl_tree_free(t);
}

static int run(char **out, ck_context *ctx, const char *cmd, const ck__net_attach *a)
{
	char nbuf[512], abuf[512], *json = NULL, *cfgdir = NULL, *o = NULL, *e = NULL, msg[1024];
	const char *netavark = find_helper("CK_NETAVARK", "netavark", nbuf, sizeof(nbuf));
	const char *aardvark = find_helper("CK_AARDVARK_DNS", "aardvark-dns", abuf, sizeof(abuf));
	posix_spawn_file_actions_t fa;
	int in = -1, ofd = -1, efd = -1, rc, err, status = 0;
	ck__lock lk = CK__LOCK_INIT;
	pid_t pid;

	if (out)
		*out = NULL;
	if (!netavark)
		return ck__error_set(CK_EUNSUPPORTED, "cannot set up the network of container %s: netavark is not "
		                     "installed (Debian package netavark, with aardvark-dns and iptables)", a->ctr_name);
	if ((rc = build_json(&json, a)) != CK_OK)
		return rc;
	if (!(cfgdir = ck__runroot_path(ctx, "networks"))) {
		free(json);
		return ck__oom();
	}
	if ((rc = ck__mkdir_p(cfgdir, 0700)) != CK_OK)
		goto out;
	in = memfd_with("netavark-in", json);
	ofd = memfd_with("netavark-out", NULL);
	efd = memfd_with("netavark-err", NULL);
	if (in < 0 || ofd < 0 || efd < 0) {
		rc = ck__error_errno(CK_EIO, "cannot run netavark: memfd_create");
		goto out;
	}
	const char *argv[12] = { netavark, "--config", cfgdir, "--rootless", ctx->rootless ? "true" : "false" };
	size_t n = 5;
	if (aardvark) {
		argv[n++] = "--aardvark-binary";
		argv[n++] = aardvark;
	}
	argv[n++] = cmd;
	argv[n++] = a->netns;
	argv[n] = NULL;
	/* iptables lives in sbin, which a caller's PATH may lack. */
	char *const envp[] = { "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", NULL };
	/* netavark creates a bridge for its first container and deletes it
	 * after its last: runs for different stores on one bridge must not
	 * interleave. */
	if ((rc = ck__net_driver_lock(&lk, ctx)) != CK_OK)
		goto out;
	posix_spawn_file_actions_init(&fa);
	err = posix_spawn_file_actions_adddup2(&fa, in, 0);
	if (!err)
		err = posix_spawn_file_actions_adddup2(&fa, ofd, 1);
	if (!err)
		err = posix_spawn_file_actions_adddup2(&fa, efd, 2);
	if (!err)
		err = posix_spawn(&pid, netavark, &fa, NULL, (char *const *)argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	if (err) {
		rc = ck__error_sys(CK_EIO, err, "cannot run %s", netavark);
		goto out;
	}
	ck__net_driver_running(&lk, pid);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	ck__net_driver_running(&lk, 0);
	ck__lock_release(&lk);
	o = memfd_text(ofd);
	e = memfd_text(efd);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		failure_text(msg, sizeof(msg), o, e);
		rc = ck__error_set(CK_ENETWORK, "netavark %s of container %s failed: %s", cmd, a->ctr_name, msg);
		goto out;
	}
	ck__log(ctx, CK_LOG_DEBUG, "netavark %s %s: ok", cmd, a->netns);
	if (out) {
		*out = o;
		o = NULL;
	}
out:
	ck__lock_release(&lk);
	if (in >= 0)
		close(in);
	if (ofd >= 0)
		close(ofd);
	if (efd >= 0)
		close(efd);
	free(json);
	free(cfgdir);
	free(o);
	free(e);
	return rc;
}

/* Reads the MAC address netavark chose for each interface. */
static void take_macs(ck__net_attach *a, const char *out)
{
	yajl_val t = NULL;

	if (!out || ck__json_parse(&t, out, "netavark's answer", CK_EIO) != CK_OK) {
		ck__error_clear();
		return;
	}
	for (size_t i = 0; i < a->n_eps; i++) {
		yajl_val ifs = ck__json_obj(ck__json_obj(t, a->eps[i].net.name), "interfaces");
		const char *mac = ck__json_str(ck__json_obj(ifs, a->eps[i].ifname), "mac_address");
		if (mac && !a->eps[i].mac)
			a->eps[i].mac = strdup(mac);
	}
	yajl_tree_free(t);
}

static int nv_setup(ck_context *ctx, ck__net_attach *a)
{
	char *out = NULL;
	int rc = run(&out, ctx, "setup", a);

	if (rc == CK_OK)
		take_macs(a, out);
	free(out);
	return rc;
}

static int nv_teardown(ck_context *ctx, const ck__net_attach *a)
{
	return run(NULL, ctx, "teardown", a);
}

const ck__net_driver ck__net_netavark = { "netavark", nv_setup, nv_teardown };

const ck__net_driver *ck__net_driver_find(const char *name)
{
	if (!name || !strcmp(name, "netavark"))
		return &ck__net_netavark;
	return NULL;
}

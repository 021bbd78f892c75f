/* The network options of a container spec, in podman's grammar: --network
 * (a mode, or networks with per-network options), --ip, --mac-address and
 * --network-alias. */
#define _GNU_SOURCE
#include "container_int.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>


void ck__spec_nets_clear(ck_container_spec *spec)
{
	free(spec->network);
	spec->network = NULL;
	for (size_t i = 0; i < spec->n_nets; i++)
		ck__net_req_free(&spec->nets[i]);
	free(spec->nets);
	spec->nets = NULL;
	spec->n_nets = 0;
	free(spec->ip);
	free(spec->mac);
	ck_strv_free(spec->aliases);
	spec->ip = spec->mac = NULL;
	spec->aliases = NULL;
}

static bool is_mode(const char *s)
{
	return !strcmp(s, "none") || !strcmp(s, "host") || !strcmp(s, "private") || !strcmp(s, "bridge") ||
	       ck__str_has_prefix(s, "ns:") || ck__str_has_prefix(s, "container:") ||
	       !strcmp(s, "slirp4netns") || !strcmp(s, "pasta");
}

static bool valid_mac(const char *s)
{
	if (strlen(s) != 17)
		return false;
	for (int i = 0; i < 17; i++)
		if (i % 3 == 2 ? s[i] != ':' : !isxdigit((unsigned char)s[i]))
			return false;
	return true;
}

static int check_ip(const char *ip, const char *what)
{
	unsigned a, b, c, d;
	char end;
	if (sscanf(ip, "%u.%u.%u.%u%c", &a, &b, &c, &d, &end) != 4 || a > 255 || b > 255 || c > 255 || d > 255)
		return ck__error_set(CK_EINVAL, "%s \"%s\" is not an IPv4 address", what, ip);
	return CK_OK;
}

/* One option of "NAME:OPT=V,OPT=V" applied to `r`. */
static int net_option(ck__net_req *r, const char *opt)
{
	const char *eq = strchr(opt, '=');
	if (!eq)
		return ck__error_set(CK_EINVAL, "invalid option \"%s\" of network %s: expected KEY=VALUE", opt,
		                     r->network);
	size_t kl = (size_t)(eq - opt);
	const char *v = eq + 1;
	int rc;
	if (kl == 2 && !strncmp(opt, "ip", 2)) {
		if ((rc = check_ip(v, "static ip")) != CK_OK)
			return rc;
		free(r->ip);
		return (r->ip = strdup(v)) ? CK_OK : ck__oom();
	}
	if (kl == 3 && !strncmp(opt, "mac", 3)) {
		if (!valid_mac(v))
			return ck__error_set(CK_EINVAL, "invalid MAC address \"%s\"", v);
		free(r->mac);
		return (r->mac = strdup(v)) ? CK_OK : ck__oom();
	}
	if (kl == 5 && !strncmp(opt, "alias", 5)) {
		if (!*v)
			return ck__error_set(CK_EINVAL, "an empty alias was given for network %s", r->network);
		return ck__strv_push(&r->aliases, v);
	}
	return ck__error_set(CK_EINVAL, "unknown option \"%.*s\" of network %s (known: ip, mac, alias)", (int)kl, opt,
	                     r->network);
}

static int add_net(ck_container_spec *spec, const char *text, size_t len)
{
	char *t = strndup(text, len), *colon;
	ck__net_req *grown;
	int rc;

	if (!t)
		return ck__oom();
	colon = strchr(t, ':');
	if (colon)
		*colon = '\0';
	if ((rc = ck__validate_name(t, "network")) != CK_OK) {
		free(t);
		return rc;
	}
	for (size_t i = 0; i < spec->n_nets; i++)
		if (!strcmp(spec->nets[i].network, t)) {
			rc = ck__error_set(CK_EINVAL, "network %s is given twice", t);
			free(t);
			return rc;
		}
	if (!(grown = realloc(spec->nets, (spec->n_nets + 1) * sizeof(*grown)))) {
		free(t);
		return ck__oom();
	}
	spec->nets = grown;
	ck__net_req *r = &spec->nets[spec->n_nets++];
	memset(r, 0, sizeof(*r));
	if (!(r->network = strdup(t)))
		rc = ck__oom();
	if (rc == CK_OK && colon)
		rc = net_option(r, colon + 1);
	free(t);
	return rc;
}

int ck_container_spec_set_network(ck_container_spec *spec, const char *mode)
{
	int rc = CK_OK;

	NEED_SPEC("set_network");
	if (!mode || !*mode)
		return ck__error_set(CK_EINVAL, "ck_container_spec_set_network: the mode is %s", mode ? "empty" : "NULL");
	if (is_mode(mode)) {
		if (spec->n_nets)
			return ck__error_set(CK_EINVAL, "network mode \"%s\" cannot be combined with named networks", mode);
		if (ck__str_has_prefix(mode, "ns:") && mode[3] != '/')
			return ck__error_set(CK_EINVAL, "network mode \"%s\": ns: needs an absolute path", mode);
		if (!strcmp(mode, "pasta"))
			return ck__error_set(CK_EUNSUPPORTED, "network mode \"%s\" is not supported yet", mode);
		char *copy = strdup(mode);
		if (!copy)
			return ck__oom();
		free(spec->network);
		spec->network = copy;
		return CK_OK;
	}
	if (spec->network && strcmp(spec->network, "bridge") != 0)
		return ck__error_set(CK_EINVAL, "networks cannot be joined in network mode \"%s\"", spec->network);
	/* "a,b" joins two; "a:ip=X,alias=Y" gives options: a piece with "="
	 * and no ":" belongs to the network before it. */
	const char *p = mode;
	while (rc == CK_OK && *p) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		const char *eq = memchr(p, '=', len), *colon = memchr(p, ':', len);
		if (eq && !colon) {
			if (!spec->n_nets)
				return ck__error_set(CK_EINVAL, "invalid network \"%s\": options come after a name", mode);
			char *opt = strndup(p, len);
			rc = opt ? net_option(&spec->nets[spec->n_nets - 1], opt) : ck__oom();
			free(opt);
		} else if (len) {
			rc = add_net(spec, p, len);
		}
		p += len + (comma ? 1 : 0);
	}
	if (rc == CK_OK && !spec->network && !(spec->network = strdup("bridge")))
		rc = ck__oom();
	return rc;
}

int ck_container_spec_set_ip(ck_container_spec *spec, const char *ip)
{
	int rc;
	NEED_SPEC("set_ip");
	if (!ip || (rc = check_ip(ip, "--ip")) != CK_OK)
		return ip ? rc : ck__error_set(CK_EINVAL, "ck_container_spec_set_ip: ip is NULL");
	free(spec->ip);
	return (spec->ip = strdup(ip)) ? CK_OK : ck__oom();
}

int ck_container_spec_set_mac_address(ck_container_spec *spec, const char *mac)
{
	NEED_SPEC("set_mac_address");
	if (!mac || !valid_mac(mac))
		return ck__error_set(CK_EINVAL, "invalid MAC address \"%s\"", mac ? mac : "");
	free(spec->mac);
	return (spec->mac = strdup(mac)) ? CK_OK : ck__oom();
}

int ck_container_spec_add_network_alias(ck_container_spec *spec, const char *alias)
{
	NEED_SPEC("add_network_alias");
	if (!alias || !*alias)
		return ck__error_set(CK_EINVAL, "an empty network alias was given");
	return ck__strv_push(&spec->aliases, alias);
}

static int req_copy(ck__net_req *dst, const ck__net_req *src)
{
	memset(dst, 0, sizeof(*dst));
	if (!(dst->network = strdup(src->network)) || (src->ip && !(dst->ip = strdup(src->ip))) ||
	    (src->mac && !(dst->mac = strdup(src->mac))))
		return ck__oom();
	for (size_t i = 0; src->aliases && src->aliases[i]; i++)
		if (ck__strv_push(&dst->aliases, src->aliases[i]) != CK_OK)
			return CK_ENOMEM;
	return CK_OK;
}

int ck__spec_nets_resolve(char **mode, ck__net_req **nets, size_t *n, const ck_container_spec *spec,
                          const ck_context *ctx)
{
	const char *m = spec->network;
	ck__net_req *out = NULL;
	size_t count = 0;
	int rc = CK_OK;

	*mode = NULL;
	*nets = NULL;
	*n = 0;
	/* The library's default stays what 1.0 gave: a namespace of the
	 * container's own with loopback only.  The ck CLI asks for "bridge"
	 * when rootful, as podman's default is. */
	if (!m)
		m = "none";
	if (!strcmp(m, "bridge") && ctx->rootless)
		return ck__error_set(CK_EUNSUPPORTED, "bridge networks need root: rootless containers have network "
		                                      "\"none\" or \"host\" in this version");
	if (!strcmp(m, "bridge")) {
		count = spec->n_nets ? spec->n_nets : 1;
		if ((spec->ip || spec->mac) && count > 1)
			return ck__error_set(CK_EINVAL, "--ip and --mac-address need exactly one network; give them per "
			                                "network as NAME:ip=...,mac=...");
		if (!(out = calloc(count, sizeof(*out))))
			return ck__oom();
		if (!spec->n_nets)
			rc = (out[0].network = strdup(CK_NETWORK_DEFAULT)) ? CK_OK : ck__oom();
		for (size_t i = 0; i < spec->n_nets && rc == CK_OK; i++)
			rc = req_copy(&out[i], &spec->nets[i]);
		if (rc == CK_OK && spec->ip && !out[0].ip && !(out[0].ip = strdup(spec->ip)))
			rc = ck__oom();
		if (rc == CK_OK && spec->mac && !out[0].mac && !(out[0].mac = strdup(spec->mac)))
			rc = ck__oom();
		for (size_t i = 0; i < count && rc == CK_OK; i++)
			for (size_t k = 0; spec->aliases && spec->aliases[k] && rc == CK_OK; k++)
				rc = ck__strv_push(&out[i].aliases, spec->aliases[k]);
	} else if (spec->ip || spec->mac || spec->aliases) {
		return ck__error_set(CK_EINVAL, "--ip, --mac-address and --network-alias need a bridge network, not "
		                                "network mode \"%s\"", m);
	} else if (!strcmp(m, "container:")) {
		return ck__error_set(CK_EINVAL, "network mode \"container:\" needs a container name or id");
	}
	if (rc == CK_OK && !(*mode = strdup(m)))
		rc = ck__oom();
	if (rc != CK_OK) {
		for (size_t i = 0; i < count; i++)
			ck__net_req_free(&out[i]);
		free(out);
		return rc;
	}
	*nets = out;
	*n = count;
	return CK_OK;
}

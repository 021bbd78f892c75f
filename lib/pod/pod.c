/* Pods: create (the record and the infra container in one commit), lookup,
 * the handle and its getters, and listing. */
#define _GNU_SOURCE
#include "pod_int.h"
#include "image/image.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- the handle ---- */

struct load_args {
	const char *ref;
	char *id, *config;
	char *infra;
	char **members;
};

static int load_fn(ck_state_txn *txn, void *payload)
{
	struct load_args *a = payload;
	int rc;

	free(a->id);
	free(a->config);
	free(a->infra);
	ck_strv_free(a->members);
	a->id = a->config = a->infra = NULL;
	a->members = NULL;
	if ((rc = ck__rec_resolve(&a->id, txn, CK__KIND_POD, a->ref)) != CK_OK ||
	    (rc = ck__rec_get(&a->config, NULL, txn, CK__KIND_POD, a->id)) != CK_OK)
		return rc;
	return ck__pod_members(&a->members, &a->infra, txn, a->id);
}

/* The state from the containers' statuses (podman's rules). */
static ck_pod_state compute_state(ck_context *ctx, const char *infra, char *const *members)
{
	size_t n = 0, running = 0, paused = 0, created = 0;

	for (size_t i = 0; (infra && i == 0) || (members && members[i - (infra ? 1 : 0)]); i++) {
		const char *id = infra && i == 0 ? infra : members[i - (infra ? 1 : 0)];
		ck_container *c = NULL;
		if (ck_container_lookup(&c, ctx, id) != CK_OK)
			continue;
		const char *st = ck_container_status(c);
		n++;
		running += !strcmp(st, "running") || !strcmp(st, "starting") || !strcmp(st, "restarting");
		paused += !strcmp(st, "paused");
		created += !strcmp(st, "created") || !strcmp(st, "creating");
		ck_container_free(c);
	}
	ck__error_clear();
	if (n == 0 || created == n)
		return CK_POD_CREATED;
	if (running == n)
		return CK_POD_RUNNING;
	if (paused == n)
		return CK_POD_PAUSED;
	if (running + paused > 0)
		return CK_POD_DEGRADED;
	return CK_POD_EXITED;
}

int ck__pod_load(ck_pod **out, ck_context *ctx, const char *ref)
{
	struct load_args a = { ref, NULL, NULL, NULL, NULL };
	ck_pod *pod = NULL;
	int rc;

	*out = NULL;
	if ((rc = ck__state_read(ctx, load_fn, &a)) != CK_OK) {
		if (rc == CK_ENOTFOUND)
			rc = ck__rec_ref_error(CK_ENOTFOUND, CK__KIND_POD, ref);
		goto out;
	}
	if (!(pod = calloc(1, sizeof(*pod)))) {
		rc = ck__oom();
		goto out;
	}
	pod->ctx = ctx;
	if ((rc = ck__pod_config_parse(&pod->cfg, a.config)) != CK_OK)
		goto out;
	pod->infra_id = a.infra;
	pod->members = a.members ? a.members : calloc(1, sizeof(char *));
	a.infra = NULL;
	a.members = NULL;
	if (!pod->members) {
		rc = ck__oom();
		goto out;
	}
	pod->state = compute_state(ctx, pod->infra_id, pod->members);
	*out = pod;
	pod = NULL;
out:
	ck_pod_free(pod);
	free(a.id);
	free(a.config);
	free(a.infra);
	ck_strv_free(a.members);
	return rc;
}

int ck_pod_lookup(ck_pod **out, ck_context *ctx, const char *ref)
{
	CK_ENTER();
	if (!out)
		return ck__error_set(CK_EINVAL, "ck_pod_lookup: out is NULL");
	*out = NULL;
	if (!ctx || !ref || !*ref)
		return ck__error_set(CK_EINVAL, "ck_pod_lookup: %s", !ctx ? "ctx is NULL" : "the pod is empty");
	return ck__pod_load(out, ctx, ref);
}

int ck_pod_exists(ck_context *ctx, const char *ref)
{
	ck_pod *pod = NULL;
	int rc = ck_pod_lookup(&pod, ctx, ref);

	ck_pod_free(pod);
	if (rc == CK_ENOTFOUND) {
		ck__error_clear();
		return 0;
	}
	return rc == CK_OK ? 1 : rc;
}

int ck_pod_refresh(ck_pod *pod)
{
	ck_pod *fresh = NULL;
	int rc;

	CK_ENTER();
	if (!pod)
		return ck__error_set(CK_EINVAL, "ck_pod_refresh: pod is NULL");
	if ((rc = ck__pod_load(&fresh, pod->ctx, pod->cfg.id)) != CK_OK)
		return rc;
	ck__pod_config_free(&pod->cfg);
	free(pod->infra_id);
	ck_strv_free(pod->members);
	*pod = *fresh;
	free(fresh);
	return CK_OK;
}

void ck_pod_free(ck_pod *pod)
{
	if (!pod)
		return;
	ck__pod_config_free(&pod->cfg);
	free(pod->infra_id);
	ck_strv_free(pod->members);
	free(pod);
}

/* ---- create ---- */

static void generate_name(char out[32])
{
	char hex[65];
	if (ck__random_id(hex) != CK_OK)
		snprintf(hex, sizeof(hex), "%064d", 0);
	snprintf(out, 32, "pod_%.10s", hex);
}

static int fill_config(ck__pod_config *c, const ck_pod_spec *spec, const char *id, const char *name)
{
	int rc;

	memset(c, 0, sizeof(*c));
	c->id = strdup(id);
	c->name = strdup(name);
	c->hostname = strdup(spec->hostname ? spec->hostname : name);
	c->infra_image = strdup(spec->no_infra ? "" : spec->infra_image ? spec->infra_image : CK__POD_INFRA_IMAGE);
	c->exit_policy = strdup(spec->exit_policy ? spec->exit_policy : "continue");
	c->network = strdup(spec->network ? spec->network : "none");
	if (!c->id || !c->name || !c->hostname || !c->infra_image || !c->exit_policy || !c->network)
		return ck__oom();
	c->created = ck__now_ns();
	c->infra = !spec->no_infra;
	for (size_t i = 0; i < spec->labels.n; i++)
		if ((rc = ck__strmap_set(&c->labels, spec->labels.keys[i], spec->labels.vals[i])) != CK_OK)
			return rc;
	if ((rc = ck__pod_strv_dup(&c->shares, (const char *const *)spec->shares)) ||
	    (rc = ck__pod_strv_dup(&c->infra_command, (const char *const *)spec->infra_command)) ||
	    (rc = ck__pod_strv_dup(&c->add_hosts, (const char *const *)spec->add_hosts)) ||
	    (rc = ck__pod_strv_dup(&c->dns, (const char *const *)spec->dns)) ||
	    (rc = ck__pod_strv_dup(&c->dns_search, (const char *const *)spec->dns_search)) ||
	    (rc = ck__pod_strv_dup(&c->dns_options, (const char *const *)spec->dns_options)) ||
	    (rc = ck__pod_strv_dup(&c->create_command, (const char *const *)spec->create_command)))
		return rc;
	if (spec->n_ports) {
		if (!(c->ports = calloc(spec->n_ports, sizeof(*c->ports))))
			return ck__oom();
		for (size_t i = 0; i < spec->n_ports; i++) {
			c->ports[i] = spec->ports[i];
			c->ports[i].host_ip = NULL;
			c->n_ports++;
			if (spec->ports[i].host_ip && !(c->ports[i].host_ip = strdup(spec->ports[i].host_ip)))
				return ck__oom();
		}
	}
	return CK_OK;
}

static int validate(const ck_pod_spec *spec)
{
	bool uts = false;
	const char *net = spec->network ? spec->network : "none";

	for (size_t i = 0; spec->shares && spec->shares[i]; i++)
		uts |= !strcmp(spec->shares[i], "uts");
	if (spec->no_infra && spec->shares && spec->shares[0])
		return ck__error_set(CK_EINVAL, "a pod without an infra container cannot share namespaces (give "
		                                "--share= with --infra=false)");
	if (spec->no_infra && (spec->infra_image || spec->infra_command))
		return ck__error_set(CK_EINVAL, "--infra-image and --infra-command need an infra container");
	if (spec->no_infra && (spec->n_ports || spec->network))
		return ck__error_set(CK_EINVAL, "a pod without an infra container has no network of its own: "
		                                "--publish and --network need an infra container");
	if (spec->hostname && !uts)
		return ck__error_set(CK_EINVAL, "a pod's hostname needs the UTS namespace shared (--share uts)");
	/* The infra's network publishes the ports; "none" and "host" have no
	 * port forwarding, whatever networks this build knows. */
	if (spec->n_ports && (!strcmp(net, "none") || !strcmp(net, "host")))
		return ck__error_set(CK_EUNSUPPORTED, "cannot publish ports of a pod on network \"%s\": the pod's "
		                                      "infra container needs a network with port forwarding (a "
		                                      "bridge network), which network \"%s\" is not", net, net);
	return CK_OK;
}

/* The image the infra runs: the spec's, or localhost/ck-pause made from
 * the host's catatonit (static, so the image needs nothing else). */
static int infra_image(char **out, ck_context *ctx, const ck__pod_config *c)
{
	static const char *const candidates[] = { "/usr/libexec/podman/catatonit", "/usr/bin/catatonit",
		                                  "/usr/libexec/catatonit/catatonit", NULL };
	static const char *const ep[] = { "/catatonit", "-P", NULL };
	ck_image *img = NULL;
	int rc;

	*out = NULL;
	if (strcmp(c->infra_image, CK__POD_INFRA_IMAGE) != 0) {
		rc = ck_image_lookup(&img, ctx, c->infra_image);
		if (rc == CK_ENOTFOUND)
			rc = ck__error_set(CK_ENOTFOUND, "infra image \"%s\" not found in local storage (pull or load "
			                                 "it first)", c->infra_image);
	} else {
		const char *bin = NULL;
		for (size_t i = 0; candidates[i] && !bin; i++)
			if (access(candidates[i], X_OK) == 0)
				bin = candidates[i];
		if (!bin)
			return ck__error_set(CK_ENOTFOUND, "the pod's infra image %s is made from catatonit, which was "
			                                   "not found (apt-get install catatonit)", CK__POD_INFRA_IMAGE);
		rc = ck__image_from_file(&img, ctx, CK__POD_INFRA_IMAGE, bin, "/catatonit", ep);
	}
	if (rc == CK_OK && !(*out = strdup(c->infra_image)))
		rc = ck__oom();
	ck_image_free(img);
	return rc;
}

static int infra_create(ck_context *ctx, const ck__pod_config *c, const char *config, const char *pid_file)
{
	ck_container_spec *cs = NULL;
	char name[64], *image = NULL;
	bool uts = false;
	int rc;

	for (size_t i = 0; c->shares && c->shares[i]; i++)
		uts |= !strcmp(c->shares[i], "uts");
	snprintf(name, sizeof(name), "%.12s-infra", c->id);
	if ((rc = infra_image(&image, ctx, c)) != CK_OK || (rc = ck_container_spec_new(&cs)) != CK_OK)
		goto out;
	if ((rc = ck_container_spec_set_image(cs, image)) || (rc = ck_container_spec_set_name(cs, name)) ||
	    (rc = ck_container_spec_set_network(cs, c->network)) ||
	    (uts && (rc = ck_container_spec_set_hostname(cs, c->hostname))) ||
	    (c->infra_command && c->infra_command[0] &&
	     (rc = ck_container_spec_set_entrypoint(cs, (const char *const *)c->infra_command))) ||
	    (rc = ck_container_spec_set_label(cs, "io.containerkit.pod.infra", c->id)) ||
	    (rc = ck_container_spec_set_monitor_pid_file(cs, pid_file)))
		goto out;
	/* The infra's /etc files are the pod's; members sharing its network
	 * copy the same entries at their create (container/podmember.c). */
	for (size_t i = 0; c->add_hosts && c->add_hosts[i] && rc == CK_OK; i++)
		rc = ck_container_spec_add_host(cs, c->add_hosts[i]);
	for (size_t i = 0; c->dns && c->dns[i] && rc == CK_OK; i++)
		rc = ck_container_spec_add_dns(cs, c->dns[i]);
	for (size_t i = 0; c->dns_search && c->dns_search[i] && rc == CK_OK; i++)
		rc = ck_container_spec_add_dns_search(cs, c->dns_search[i]);
	for (size_t i = 0; c->dns_options && c->dns_options[i] && rc == CK_OK; i++)
		rc = ck_container_spec_add_dns_option(cs, c->dns_options[i]);
	if (rc != CK_OK)
		goto out;
	for (size_t i = 0; i < c->n_ports && rc == CK_OK; i++) {
		char text[160], host[32] = "", ctr[16];
		const ck__port *p = &c->ports[i];
		unsigned int n = p->range ? p->range : 1;
		if (p->host_port && n > 1)
			snprintf(host, sizeof(host), "%u-%u:", p->host_port, p->host_port + n - 1);
		else if (p->host_port)
			snprintf(host, sizeof(host), "%u:", p->host_port);
		else if (p->host_ip)
			snprintf(host, sizeof(host), ":");
		if (n > 1)
			snprintf(ctr, sizeof(ctr), "%u-%u", p->container_port, p->container_port + n - 1);
		else
			snprintf(ctr, sizeof(ctr), "%u", p->container_port);
		snprintf(text, sizeof(text), "%s%s%s%s/%s", p->host_ip ? p->host_ip : "", p->host_ip ? ":" : "", host,
		         ctr, p->protocol);
		rc = ck_container_spec_add_port_string(cs, text);
	}
	if (rc == CK_OK)
		rc = ck__ctr_spec_set_infra(cs, c->id, c->name, config, (const char *const *)c->shares);
	if (rc == CK_OK)
		rc = ck_container_create(NULL, ctx, cs);
out:
	ck_container_spec_free(cs);
	free(image);
	return rc;
}

struct insert_args {
	const ck__pod_config *c;
	const char *config;
};

static int insert_fn(ck_state_txn *txn, void *payload)
{
	struct insert_args *a = payload;
	int rc = ck__rec_insert(txn, CK__KIND_POD, a->c->id, a->c->name, a->config, "{}");
	if (rc == CK_EEXISTS)
		return ck__error_set(CK_EEXISTS, "the pod name \"%s\" is already in use; remove that pod or "
		                                 "container first, or use --replace", a->c->name);
	return rc;
}

int ck_pod_create(ck_pod **out, ck_context *ctx, const ck_pod_spec *spec)
{
	ck__pod_config c;
	char id[65], name[32], *config = NULL;
	int rc;

	CK_ENTER();
	if (out)
		*out = NULL;
	if (!ctx || !spec)
		return ck__error_set(CK_EINVAL, "ck_pod_create: %s is NULL", !ctx ? "ctx" : "spec");
	if ((rc = validate(spec)) != CK_OK)
		return rc;
	if (spec->replace && spec->name) {
		ck_pod *old = NULL;
		if (ck_pod_lookup(&old, ctx, spec->name) == CK_OK && !strcmp(old->cfg.name, spec->name))
			rc = ck__pod_remove_id(ctx, old->cfg.id, true);
		ck_pod_free(old);
		if (rc != CK_OK)
			return rc;
		ck__error_clear();
	}
	if ((rc = ck__random_id(id)) != CK_OK)
		return rc;
	if (spec->name)
		snprintf(name, sizeof(name), "%s", spec->name);
	else
		generate_name(name);
	if ((rc = fill_config(&c, spec, id, name)) != CK_OK || (rc = ck__pod_config_json(&config, &c)) != CK_OK)
		goto out;
	/* With an infra container, its create inserts the pod's record in the
	 * same commit: a killed create leaves nothing or a whole pod. */
	if (c.infra)
		rc = infra_create(ctx, &c, config, spec->infra_pid_file);
	else
		rc = ck__state_write(ctx, insert_fn, &(struct insert_args){ &c, config });
	if (rc != CK_OK) {
		rc = ck__error_wrap(rc, "cannot create pod %s", name);
		goto out;
	}
	ck__log(ctx, CK_LOG_DEBUG, "pod %s (%.12s): created", name, id);
	if (out)
		rc = ck__pod_load(out, ctx, id);
out:
	ck__pod_config_free(&c);
	free(config);
	return rc;
}

/* A spec made back from a container's record, so that the container can be
 * created again (from a newer image under the same name) as it was made.
 *
 * The record holds what create worked out, image defaults merged in: the
 * command, environment, labels, working directory and user that came from
 * the image are not told apart from what the caller gave.  They are told
 * apart here by comparing with the config of the image the container was
 * made from (which stays in the store while the container uses it): what
 * equals the image's default is left to the new image, so that an update
 * takes the new image's command and environment, as a re-run of the
 * creating command line would. */
#define _GNU_SOURCE
#include "container_int.h"
#include "imagecfg.h"

#include <stdlib.h>
#include <string.h>

static bool strv_equal(char *const *a, char *const *b)
{
	size_t i = 0;

	if (!a || !b)
		return (!a || !a[0]) && (!b || !b[0]);
	for (; a[i] && b[i]; i++)
		if (strcmp(a[i], b[i]) != 0)
			return false;
	return !a[i] && !b[i];
}

static bool strv_contains(char *const *v, const char *s)
{
	for (size_t i = 0; v && v[i]; i++)
		if (!strcmp(v[i], s))
			return true;
	return false;
}

/* The environment the caller gave: the record's, less the image's entries
 * and what create adds by itself (container=, HOSTNAME= when it is the
 * default hostname); PATH, HOME and TERM stay, harmless when they repeat
 * what create would add. */
static int respec_env(ck_container_spec *s, const ck__ctr_config *c, const ck__imagecfg *ic, bool own_host)
{
	int rc = CK_OK;

	for (size_t i = 0; c->env && c->env[i] && rc == CK_OK; i++) {
		const char *e = c->env[i], *eq = strchr(e, '=');
		if (strv_contains(ic->env, e) || !strcmp(e, "container=podman") || !strcmp(e, "container=containerkit"))
			continue;
		if (!own_host && ck__str_has_prefix(e, "HOSTNAME=") && c->hostname && !strcmp(e + 9, c->hostname))
			continue;
		char *k = eq ? strndup(e, (size_t)(eq - e)) : strdup(e);
		rc = k ? ck__strmap_set(&s->env, k, eq ? eq + 1 : "") : ck__oom();
		free(k);
	}
	return rc;
}

static int respec_mounts(ck_container_spec *s, const ck__ctr_config *c)
{
	if (!c->n_mounts)
		return CK_OK;
	if (!(s->mounts = calloc(c->n_mounts, sizeof(*s->mounts))))
		return ck__oom();
	for (size_t i = 0; i < c->n_mounts; i++) {
		int rc = ck__mnt_copy(&s->mounts[i], &c->mounts[i]);
		if (rc != CK_OK)
			return rc;
		s->n_mounts++;
		/* The volume exists: the new container uses it, and a failed create
		 * must never remove it. */
		s->mounts[i].created_volume = false;
	}
	return CK_OK;
}

static int respec_net(ck_container_spec *s, const ck__ctr_config *c)
{
	/* "none" is the library's default: left unset, as a caller that never
	 * named a network left it (an explicit none refuses --dns) */
	if (strcmp(c->network, "none") && !(s->network = strdup(c->network)))
		return ck__oom();
	if (c->n_nets) {
		if (!(s->nets = calloc(c->n_nets, sizeof(*s->nets))))
			return ck__oom();
		for (size_t i = 0; i < c->n_nets; i++) {
			ck__net_req *d = &s->nets[i];
			const ck__net_req *r = &c->nets[i];
			s->n_nets++;
			d->network = ck__strdup(r->network);
			d->ip = ck__strdup(r->ip);
			d->mac = ck__strdup(r->mac);
			if (!d->network || (r->ip && !d->ip) || (r->mac && !d->mac) ||
			    ck__strv_dup(&d->aliases, (const char *const *)r->aliases) != CK_OK)
				return ck__oom();
		}
	}
	if (c->n_ports) {
		if (!(s->ports = calloc(c->n_ports, sizeof(*s->ports))))
			return ck__oom();
		for (size_t i = 0; i < c->n_ports; i++) {
			s->ports[i] = c->ports[i];
			s->ports[i].host_ip = NULL;
			s->n_ports++;
			if (c->ports[i].host_ip && !(s->ports[i].host_ip = strdup(c->ports[i].host_ip)))
				return ck__oom();
		}
	}
	return CK_OK;
}

/* The healthcheck: what equals the old image's HEALTHCHECK (or the
 * default when the image gave none) is left to the new image's. */
static int respec_health(ck_container_spec *s, const ck__ctr_config *c, const ck__imagecfg *ic)
{
	const ck__health_image *img = &ic->health;
	int rc;

	if (!c->health_test) {
		s->no_healthcheck = img->test && img->test[0] && strcmp(img->test[0], "NONE") != 0;
	} else {
		if (!strv_equal(c->health_test, img->test)) {
			if ((rc = ck__strv_dup(&s->health_test, (const char *const *)c->health_test)) != CK_OK)
				return rc;
		}
		s->health_interval = c->health_interval;
		s->health_interval_set = c->health_interval !=
		                         (img->interval > 0 ? img->interval : CK__HEALTH_DEFAULT_INTERVAL);
		s->health_timeout = c->health_timeout;
		s->health_timeout_set = c->health_timeout != (img->timeout > 0 ? img->timeout : CK__HEALTH_DEFAULT_TIMEOUT);
		s->health_start_period = c->health_start_period;
		s->health_start_period_set = c->health_start_period != (img->start_period > 0 ? img->start_period : 0);
		s->health_retries = c->health_retries > 0 ? (unsigned int)c->health_retries : 0;
		s->health_retries_set = c->health_retries != (img->retries > 0 ? img->retries : CK__HEALTH_DEFAULT_RETRIES);
		s->health_on_failure = c->health_on_failure;
	}
	if (c->sdnotify && *c->sdnotify && !(s->sdnotify = strdup(c->sdnotify)))
		return ck__oom();
	/* The command line that made it made this one too (units replay it). */
	if (c->create_command && c->create_command[0] &&
	    (rc = ck__strv_dup(&s->create_command, (const char *const *)c->create_command)) != CK_OK)
		return rc;
	if (c->monitor_pid_file && *c->monitor_pid_file && !(s->monitor_pid_file = strdup(c->monitor_pid_file)))
		return ck__oom();
	return CK_OK;
}

static int respec(ck_container_spec *s, ck_context *ctx, const ck__ctr_config *c)
{
	ck__imagecfg ic = { 0 };
	bool in_pod = c->pod && *c->pod;
	bool own_host;
	int rc;

	if (c->pod_infra_self)
		return ck__error_set(CK_EUNSUPPORTED, "container %s is the infra container of its pod: it is made "
		                                      "by the pod, not from a record", c->name);
	/* Its monitor removes it (and its anonymous volumes) when it stops:
	 * there would be nothing to roll back to. */
	if (c->remove)
		return ck__error_set(CK_EUNSUPPORTED, "container %s was run with --rm: it is removed when it stops, "
		                                      "so it cannot be replaced in place with a way back; run it "
		                                      "without --rm", c->name);
	if ((rc = ck__imagecfg_read(&ic, ctx, c->image_id)) != CK_OK)
		return ck__error_wrap(rc, "container %s: cannot read the config of its image %.12s", c->name,
		                      c->image_id);
	if (!(s->image = strdup(c->image_ref && *c->image_ref ? c->image_ref : c->image_name)) ||
	    !(s->name = strdup(c->name)))
		goto oom;
	/* Given explicitly unless it is what the image said. */
	if (!strv_equal(c->entrypoint, ic.entrypoint)) {
		if ((rc = ck__strv_dup(&s->entrypoint, (const char *const *)c->entrypoint)) != CK_OK)
			goto out;
		s->entrypoint_set = true;
	}
	if (s->entrypoint_set || !strv_equal(c->command, ic.cmd)) {
		if (c->command && c->command[0]) {
			if ((rc = ck__strv_dup(&s->command, (const char *const *)c->command)) != CK_OK)
				goto out;
			s->command_set = true;
		}
	}
	for (size_t i = 0; i < c->labels.n; i++) {
		const char *img = ck__strmap_get(&ic.labels, c->labels.keys[i]);
		if (img && !strcmp(img, c->labels.vals[i]))
			continue;
		if ((rc = ck__strmap_set(&s->labels, c->labels.keys[i], c->labels.vals[i])) != CK_OK)
			goto out;
	}
	/* The hostname is the caller's unless create chose it: the id's
	 * prefix, the host's name (network host) or the pod's. */
	own_host = !in_pod && c->hostname && strncmp(c->hostname, c->id, 12) != 0 &&
	           strcmp(c->network ? c->network : "", "host") != 0;
	if (own_host && !(s->hostname = strdup(c->hostname)))
		goto oom;
	if ((rc = respec_env(s, c, &ic, own_host)) != CK_OK || (rc = respec_mounts(s, c)) != CK_OK ||
	    (rc = respec_health(s, c, &ic)) != CK_OK)
		goto out;
	if (c->workdir && strcmp(c->workdir, ic.workdir ? ic.workdir : "/") != 0 && !(s->workdir = strdup(c->workdir)))
		goto oom;
	if (c->user && *c->user && strcmp(c->user, ic.user ? ic.user : "") != 0 && !(s->user = strdup(c->user)))
		goto oom;
	if (c->init_path && *c->init_path && !(s->init_path = strdup(c->init_path)))
		goto oom;
	if (!(s->runtime = strdup(c->runtime)) || !(s->restart_policy = strdup(c->restart_policy)))
		goto oom;
	s->init = c->init;
	s->read_only = c->read_only;
	s->remove = c->remove;
	s->tty = c->tty;
	s->stdin_open = c->stdin_open;
	s->memory = c->memory;
	s->cpus = c->cpus;
	s->pids_limit = c->pids_limit;
	s->log_size_max = c->log_size_max;
	s->restart_max = c->restart_max;
	s->stop_timeout = c->stop_timeout;
	/* The stop signal is the caller's unless it is the image's (or the
	 * default when the image has none). */
	int img_sig = 15;
	if (ic.stop_signal && ck__signal_parse(&img_sig, ic.stop_signal) != CK_OK) {
		ck__error_clear();
		img_sig = 15;
	}
	s->stop_signal = c->stop_signal != img_sig ? c->stop_signal : 0;
	if ((rc = ck__strv_dup(&s->cap_add, (const char *const *)c->cap_add)) != CK_OK ||
	    (rc = ck__strv_dup(&s->cap_drop, (const char *const *)c->cap_drop)) != CK_OK)
		goto out;
	if (c->n_ulimits) {
		if (!(s->ulimits = calloc(c->n_ulimits, sizeof(*s->ulimits))))
			goto oom;
		memcpy(s->ulimits, c->ulimits, c->n_ulimits * sizeof(*s->ulimits));
		s->n_ulimits = c->n_ulimits;
	}
	/* A pod member takes its network, ports, hostname and /etc entries
	 * from the pod. */
	if (in_pod) {
		rc = (s->pod = strdup(c->pod)) ? CK_OK : ck__oom();
	} else if ((rc = respec_net(s, c)) == CK_OK &&
	           ((rc = ck__strv_dup(&s->extra.add_hosts, (const char *const *)c->extra.add_hosts)) != CK_OK ||
	            (rc = ck__strv_dup(&s->extra.dns, (const char *const *)c->extra.dns)) != CK_OK ||
	            (rc = ck__strv_dup(&s->extra.dns_search, (const char *const *)c->extra.dns_search)) != CK_OK ||
	            (rc = ck__strv_dup(&s->extra.dns_options, (const char *const *)c->extra.dns_options)) != CK_OK)) {
		goto out;
	}
	goto out;
oom:
	rc = ck__oom();
out:
	ck__imagecfg_free(&ic);
	return rc;
}

int ck__ctr_spec_from_record(ck_container_spec **out, ck_container *ctr)
{
	ck_container_spec *s = NULL;
	int rc;

	*out = NULL;
	CK__CTR_FULL(ctr);
	if ((rc = ck_container_spec_new(&s)) != CK_OK)
		return rc;
	if ((rc = respec(s, ctr->ctx, &ctr->cfg)) != CK_OK) {
		ck_container_spec_free(s);
		return rc;
	}
	*out = s;
	return CK_OK;
}

int ck__ctr_image_ref(const char **out, ck_container *ctr)
{
	*out = NULL;
	CK__CTR_FULL(ctr);
	*out = ctr->cfg.image_ref && *ctr->cfg.image_ref ? ctr->cfg.image_ref : ctr->cfg.image_name;
	return CK_OK;
}

/* `kube play` and `kube down`: the kube model made into volumes, pods and
 * containers through the public API, undone as a whole when any step fails. */
#define _GNU_SOURCE
#include "kube_int.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* What this play made, so that a failure can take it back. */
typedef struct made {
	char **pods, **volumes; /* ids; names */
} made;

/* Removes what was made, keeping the error that caused it. */
static int undo(ck_context *ctx, made *mk, int rc)
{
	char *msg = strdup(ck_error_last()->message);
	for (size_t i = ck__strv_len(mk->pods); i-- > 0;) {
		ck_pod *pod = NULL;
		if (ck_pod_lookup(&pod, ctx, mk->pods[i]) == CK_OK)
			ck_pod_remove(pod, CK_REMOVE_FORCE);
		ck_pod_free(pod);
	}
	for (size_t i = 0; mk->volumes && mk->volumes[i]; i++) {
		ck_volume *vol = NULL;
		if (ck_volume_lookup(&vol, ctx, mk->volumes[i]) == CK_OK)
			ck_volume_remove(vol, CK_REMOVE_FORCE);
		ck_volume_free(vol);
	}
	if (msg)
		ck__error_set(rc, "%s", msg);
	free(msg);
	return rc;
}

/* Every ConfigMap a container names exists, unless it is optional. */
static int check_refs(const kmodel *m, const char *source)
{
	for (size_t p = 0; p < m->n_pods; p++) {
		const kpod *pod = &m->pods[p];
		int rc = ck__validate_name(pod->name, "pod");
		if (rc != CK_OK)
			return ck__error_wrap(rc, "%s:%u:%u: %s", source, pod->pos.line, pod->pos.col, pod->kind);
		for (size_t o = 0; o < p; o++)
			if (!strcmp(m->pods[o].name, pod->name))
				return ck__error_set(CK_EINVAL, "%s:%u:%u: two pods are named %s", source, pod->pos.line,
				                     pod->pos.col, pod->name);
		for (size_t c = 0; c < pod->n_ctrs; c++) {
			const kcontainer *k = &pod->ctrs[c];
			for (size_t e = 0; e < k->n_env; e++) {
				const kenv *env = &k->env[e];
				const kconfigmap *cm = env->cm ? ck__kube_configmap(m, env->cm) : NULL;
				if (!env->name)
					return ck__error_set(CK_EINVAL, "%s:%u:%u: %s %s: an env entry needs a name", source,
					                     env->pos.line, env->pos.col, pod->kind, pod->name);
				if (env->cm && !env->optional && (!cm || !ck__strmap_get(&cm->data, env->cm_key)))
					return ck__error_set(CK_EINVAL, "%s:%u:%u: %s %s: env %s: %s %s", source, env->pos.line,
					                     env->pos.col, pod->kind, pod->name, env->name,
					                     cm ? "no such key in ConfigMap" : "no ConfigMap named", env->cm);
			}
			for (size_t e = 0; e < k->n_env_from; e++)
				if (!k->env_from[e].optional && !ck__kube_configmap(m, k->env_from[e].cm))
					return ck__error_set(CK_EINVAL, "%s:%u:%u: %s %s: envFrom: no ConfigMap named %s",
					                     source, k->env_from[e].pos.line, k->env_from[e].pos.col, pod->kind,
					                     pod->name, k->env_from[e].cm);
			if (k->run_as_group >= 0 && k->run_as_user < 0)
				return ck__error_set(CK_EUNSUPPORTED, "%s:%u:%u: %s %s: container %s: runAsGroup needs "
				                                      "runAsUser", source, k->pos.line, k->pos.col,
				                     pod->kind, pod->name, k->name);
		}
	}
	return CK_OK;
}

/* A hostPath's type checked (or its directory made) before anything is created. */
static int check_host_path(const kpod *pod, const kvolume *v)
{
	struct stat st;
	bool exists = stat(v->path, &st) == 0;
	if (v->path[0] != '/')
		return ck__error_set(CK_EINVAL, "pod %s: volume %s: hostPath %s is not absolute", pod->name, v->name,
		                     v->path);
	if (!strcmp(v->type, "Directory") && !(exists && S_ISDIR(st.st_mode)))
		return ck__error_set(CK_ENOTFOUND, "pod %s: volume %s: hostPath %s is not a directory (type Directory)",
		                     pod->name, v->name, v->path);
	if (!strcmp(v->type, "File") && !(exists && S_ISREG(st.st_mode)))
		return ck__error_set(CK_ENOTFOUND, "pod %s: volume %s: hostPath %s is not a file (type File)",
		                     pod->name, v->name, v->path);
	if (!strcmp(v->type, "DirectoryOrCreate") && !exists && ck__mkdir_p(v->path, 0755) != CK_OK)
		return ck__error_wrap(CK_EIO, "pod %s: volume %s", pod->name, v->name);
	return CK_OK;
}

static int make_volume(ck_context *ctx, made *mk, ck_kube_report *r, const char *name, const ck__strmap *labels)
{
	ck_volume *vol = NULL;
	ck_volume_spec *vs = NULL;
	int rc;

	for (size_t i = 0; i < ck_kube_report_volume_count(r); i++)
		if (!strcmp(ck_kube_report_volume_name(r, i), name))
			return CK_OK; /* a claim's, named by a pod too */
	rc = ck_volume_lookup(&vol, ctx, name);
	if (rc == CK_OK) {
		ck_volume_free(vol);
		return ck__kube_report_add(r, 2, NULL, name);
	}
	if (rc != CK_ENOTFOUND)
		return rc;
	if ((rc = ck_volume_spec_new(&vs)) == CK_OK && (rc = ck_volume_spec_set_name(vs, name)) == CK_OK) {
		for (size_t i = 0; labels && i < labels->n && rc == CK_OK; i++)
			rc = ck_volume_spec_set_label(vs, labels->keys[i], labels->vals[i]);
		if (rc == CK_OK && (rc = ck_volume_create(&vol, ctx, vs)) == CK_OK &&
		    (rc = ck__strv_push(&mk->volumes, name)) == CK_OK)
			rc = ck__kube_report_add(r, 2, NULL, name);
	}
	ck_volume_free(vol);
	ck_volume_spec_free(vs);
	return rc;
}

static const char *restart_policy(const kpod *pod)
{
	if (!pod->restart || !strcmp(pod->restart, "Always"))
		return "always"; /* Kubernetes' default */
	return !strcmp(pod->restart, "OnFailure") ? "on-failure" : "no";
}

static int container_env(ck_container_spec *cs, const kmodel *m, const kcontainer *k)
{
	int rc = CK_OK;
	/* envFrom first: an env entry of the same name wins, as in Kubernetes */
	for (size_t e = 0; e < k->n_env_from && rc == CK_OK; e++) {
		const kconfigmap *cm = ck__kube_configmap(m, k->env_from[e].cm);
		for (size_t i = 0; cm && i < cm->data.n && rc == CK_OK; i++)
			rc = ck_container_spec_set_env(cs, cm->data.keys[i], cm->data.vals[i]);
	}
	for (size_t e = 0; e < k->n_env && rc == CK_OK; e++) {
		const kenv *env = &k->env[e];
		const char *val = env->value ? env->value : "";
		if (env->cm) {
			const kconfigmap *cm = ck__kube_configmap(m, env->cm);
			val = cm ? ck__strmap_get(&cm->data, env->cm_key) : NULL;
			if (!val)
				continue; /* optional, and absent */
		}
		rc = ck_container_spec_set_env(cs, env->name, val);
	}
	return rc;
}

/* An annotation, and the auto-update label podman derives from it. */
static int annotate(ck_container_spec *cs, const kcontainer *k, const char *key, const char *val)
{
	char *kv = ck__asprintf("%s=%s", key, val);
	int rc = kv ? ck_container_spec_add_annotation(cs, kv) : ck__oom();
	free(kv);
	if (rc == CK_OK && ck__str_has_prefix(key, CK_AUTOUPDATE_LABEL)) {
		const char *rest = key + strlen(CK_AUTOUPDATE_LABEL);
		if (!*rest || (*rest == '/' && !strcmp(rest + 1, k->name)))
			rc = ck_container_spec_set_label(cs, CK_AUTOUPDATE_LABEL, val);
	}
	return rc;
}

static int container_spec(ck_container_spec *cs, const kmodel *m, const kpod *pod, const kcontainer *k,
                          const char *pod_id, const char *name, const ck_kube_play_options *o)
{
	int rc;
	if ((rc = ck_container_spec_set_name(cs, name)) || (rc = ck_container_spec_set_image(cs, k->image)) ||
	    (rc = ck_container_spec_set_pod(cs, pod_id)) ||
	    (rc = ck_container_spec_set_restart_policy(cs, restart_policy(pod))) ||
	    (pod->has_grace && (rc = ck_container_spec_set_stop_timeout(cs, (unsigned int)pod->grace))))
		return rc;
	if (k->command) {
		/* Kubernetes' command replaces the entrypoint and drops the image's Cmd */
		char **argv = NULL;
		for (size_t i = 0; k->command[i] && rc == CK_OK; i++)
			rc = ck__strv_push(&argv, k->command[i]);
		for (size_t i = 0; k->args && k->args[i] && rc == CK_OK; i++)
			rc = ck__strv_push(&argv, k->args[i]);
		if (rc == CK_OK && argv && (rc = ck_container_spec_set_entrypoint(cs, (const char *const[]){ NULL })) == CK_OK)
			rc = ck_container_spec_set_command(cs, (const char *const *)argv);
		ck_strv_free(argv);
	} else if (k->args && k->args[0]) {
		rc = ck_container_spec_set_command(cs, (const char *const *)k->args);
	}
	if (rc == CK_OK && (rc = container_env(cs, m, k)) == CK_OK && k->workdir)
		rc = ck_container_spec_set_workdir(cs, k->workdir);
	if (rc == CK_OK && k->run_as_user >= 0) {
		char user[32];
		if (k->run_as_group >= 0)
			snprintf(user, sizeof(user), "%d:%d", k->run_as_user, k->run_as_group);
		else
			snprintf(user, sizeof(user), "%d", k->run_as_user);
		rc = ck_container_spec_set_user(cs, user);
	}
	for (size_t i = 0; k->cap_add && k->cap_add[i] && rc == CK_OK; i++)
		rc = ck_container_spec_add_cap(cs, k->cap_add[i]);
	for (size_t i = 0; k->cap_drop && k->cap_drop[i] && rc == CK_OK; i++)
		rc = ck_container_spec_drop_cap(cs, k->cap_drop[i]);
	if (rc == CK_OK && k->privileged == 1)
		rc = ck_container_spec_set_privileged(cs, 1);
	if (rc == CK_OK && k->read_only == 1)
		rc = ck_container_spec_set_read_only(cs, 1);
	if (rc == CK_OK && k->no_new_privs == 1)
		rc = ck_container_spec_add_security_opt(cs, "no-new-privileges");
	if (rc == CK_OK && k->tty == 1)
		rc = ck_container_spec_set_tty(cs, 1);
	if (rc == CK_OK && k->stdin_open == 1)
		rc = ck_container_spec_set_stdin(cs, 1);
	for (size_t i = 0; i < pod->annotations.n && rc == CK_OK; i++)
		rc = annotate(cs, k, pod->annotations.keys[i], pod->annotations.vals[i]);
	for (size_t i = 0; o->annotations && o->annotations[i] && rc == CK_OK; i++) {
		const char *eq = strchr(o->annotations[i], '=');
		char *key = eq ? strndup(o->annotations[i], (size_t)(eq - o->annotations[i])) : NULL;
		rc = !eq ? ck__error_set(CK_EINVAL, "annotation %s is not KEY=VALUE", o->annotations[i])
		         : key ? annotate(cs, k, key, eq + 1) : ck__oom();
		free(key);
	}
	if (rc == CK_OK && o->log_driver)
		rc = ck_container_spec_set_log_driver(cs, o->log_driver);
	for (size_t i = 0; i < k->n_mounts && rc == CK_OK; i++) {
		const kmount *mt = &k->mounts[i];
		const kvolume *v = NULL;
		for (size_t j = 0; j < pod->n_vols; j++)
			if (!strcmp(pod->vols[j].name, mt->name))
				v = &pod->vols[j];
		rc = ck_container_spec_add_volume(cs, v->kind == KVOL_HOSTPATH ? v->path : v->claim, mt->path,
		                                  mt->read_only ? "ro" : NULL);
	}
	return rc;
}

static int pod_spec(ck_pod_spec *ps, const kpod *pod, const ck_kube_play_options *o, bool first)
{
	int rc;
	if (first && o->infra_pid_file && (rc = ck_pod_spec_set_infra_monitor_pid_file(ps, o->infra_pid_file)))
		return rc;
	if ((rc = ck_pod_spec_set_name(ps, pod->name)) ||
	    (rc = ck_pod_spec_set_network(ps, pod->host_network ? "host" : o->network ? o->network : "bridge")))
		return rc;
	if (pod->hostname && (rc = ck_pod_spec_set_hostname(ps, pod->hostname)))
		return rc;
	for (size_t i = 0; i < pod->labels.n && rc == CK_OK; i++)
		rc = ck_pod_spec_set_label(ps, pod->labels.keys[i], pod->labels.vals[i]);
	for (size_t c = 0; c < pod->n_ctrs && rc == CK_OK; c++)
		for (size_t i = 0; i < pod->ctrs[c].n_ports && rc == CK_OK; i++) {
			const kport *pt = &pod->ctrs[c].ports[i];
			if (!pt->host_port)
				continue; /* podman publishes only ports with a hostPort */
			char *s = ck__asprintf("%s%s%d:%d/%s", pt->host_ip ? pt->host_ip : "", pt->host_ip ? ":" : "",
			                       pt->host_port, pt->container_port, pt->protocol ? pt->protocol : "tcp");
			rc = s ? ck_pod_spec_add_port_string(ps, s) : ck__oom();
			free(s);
		}
	for (size_t i = 0; o->publish && o->publish[i] && rc == CK_OK; i++)
		rc = ck_pod_spec_add_port_string(ps, o->publish[i]);
	return rc;
}

static int play_pod(ck_context *ctx, const kmodel *m, const kpod *pod, const ck_kube_play_options *o, made *mk,
                    ck_kube_report *r, bool first)
{
	ck_pod_spec *ps = NULL;
	ck_pod *handle = NULL;
	int rc;

	for (size_t v = 0; v < pod->n_vols; v++) {
		if (pod->vols[v].kind == KVOL_HOSTPATH && (rc = check_host_path(pod, &pod->vols[v])) != CK_OK)
			return rc;
		if (pod->vols[v].kind == KVOL_PVC && (rc = make_volume(ctx, mk, r, pod->vols[v].claim, NULL)) != CK_OK)
			return ck__error_wrap(rc, "pod %s: volume %s", pod->name, pod->vols[v].name);
	}
	if (o->flags & CK_KUBE_REPLACE && ck_pod_lookup(&handle, ctx, pod->name) == CK_OK) {
		rc = ck_pod_remove(handle, CK_REMOVE_FORCE);
		ck_pod_free(handle);
		handle = NULL;
		if (rc != CK_OK)
			return ck__error_wrap(rc, "replacing pod %s", pod->name);
	}
	if ((rc = ck_pod_spec_new(&ps)) == CK_OK && (rc = pod_spec(ps, pod, o, first)) == CK_OK &&
	    (rc = ck_pod_create(&handle, ctx, ps)) == CK_OK && (rc = ck__strv_push(&mk->pods, ck_pod_id(handle))) == CK_OK)
		rc = ck__kube_report_add(r, 0, ck_pod_id(handle), pod->name);
	ck_pod_spec_free(ps);
	if (rc != CK_OK) {
		ck_pod_free(handle);
		return ck__error_wrap(rc, "%s %s", pod->kind, pod->name);
	}
	for (size_t c = 0; c < pod->n_ctrs && rc == CK_OK; c++) {
		ck_container_spec *cs = NULL;
		ck_container *ctr = NULL;
		char *name = ck__asprintf("%s-%s", pod->name, pod->ctrs[c].name);
		if (!name)
			rc = ck__oom();
		else if ((rc = ck_container_spec_new(&cs)) == CK_OK &&
		         (rc = container_spec(cs, m, pod, &pod->ctrs[c], ck_pod_id(handle), name, o)) == CK_OK &&
		         (rc = ck_container_create(&ctr, ctx, cs)) == CK_OK)
			rc = ck__kube_report_add(r, 1, ck_container_id(ctr), name);
		if (rc != CK_OK)
			ck__error_wrap(rc, "%s %s: container %s", pod->kind, pod->name, pod->ctrs[c].name);
		ck_container_free(ctr);
		ck_container_spec_free(cs);
		free(name);
	}
	ck_pod_free(handle);
	return rc;
}

/* The policy a container's image is fetched with: its own, or Kubernetes'
 * default (Always for `latest` or no tag, else IfNotPresent).  A localhost/
 * image is local by definition, so it is never sent to a registry. */
static ck_image_pull_policy pull_policy(const kcontainer *k)
{
	ck_image_reference *ref = NULL;
	ck_image_pull_policy policy = CK_PULL_MISSING;
	size_t hex = strspn(k->image, "0123456789abcdef");
	if (k->pull >= 0)
		return (ck_image_pull_policy)k->pull;
	/* an image id (all hex, as `ck images` shows it) names a local image */
	if (hex >= 12 && !k->image[hex])
		return CK_PULL_MISSING;
	if (ck_image_reference_parse(&ref, k->image, NULL) == CK_OK &&
	    strcmp(ck_image_reference_registry(ref), "localhost") != 0 && !ck_image_reference_digest(ref) &&
	    !strcmp(ck_image_reference_tag(ref), "latest"))
		policy = CK_PULL_ALWAYS;
	ck_image_reference_free(ref);
	return policy;
}

/* How strongly a policy asks for the registry: an image two containers
 * share is fetched once, with the policy that asks most of the two (as if
 * each container's pull ran in turn: Always pulls, and Never then finds it). */
static int pull_rank(ck_image_pull_policy p)
{
	switch (p) {
	case CK_PULL_ALWAYS: return 3;
	case CK_PULL_NEWER: return 2;
	case CK_PULL_MISSING: return 1;
	default: return 0; /* CK_PULL_NEVER */
	}
}

/* Every container's image, fetched before anything is made, so that a failed
 * pull leaves nothing behind.  An image two containers share is fetched once,
 * named after the first container that wants it with that policy. */
static int pull_images(ck_context *ctx, const kmodel *m, const ck_registry_options *reg)
{
	char **done = NULL;
	int rc = CK_OK;
	for (size_t p = 0; p < m->n_pods && rc == CK_OK; p++) {
		for (size_t c = 0; c < m->pods[p].n_ctrs && rc == CK_OK; c++) {
			const kpod *pod = &m->pods[p];
			const kcontainer *k = &pod->ctrs[c];
			ck_image_pull_policy policy = pull_policy(k);
			ck_image *img = NULL;
			bool seen = false;
			for (size_t i = 0; done && done[i]; i++)
				seen = seen || !strcmp(done[i], k->image);
			if (seen)
				continue;
			/* the strongest policy among the containers of this image */
			for (size_t q = p; q < m->n_pods; q++)
				for (size_t d = q == p ? c + 1 : 0; d < m->pods[q].n_ctrs; d++) {
					const kcontainer *o = &m->pods[q].ctrs[d];
					if (!strcmp(o->image, k->image) && pull_rank(pull_policy(o)) > pull_rank(policy)) {
						policy = pull_policy(o);
						pod = &m->pods[q];
						k = o;
					}
				}
			if ((rc = ck_image_get(&img, ctx, k->image, policy, reg)) == CK_OK)
				rc = ck__strv_push(&done, k->image);
			else
				ck__error_wrap(rc, "%s %s: container %s: image %s", pod->kind, pod->name, k->name, k->image);
			ck_image_free(img);
		}
	}
	ck_strv_free(done);
	return rc;
}

static int parse_all(kmodel *m, const char *yaml, size_t len, const char *source, const char *const *cm_files)
{
	int rc = ck__kube_parse(m, yaml, len, source ? source : "-", false);
	for (size_t i = 0; cm_files && cm_files[i] && rc == CK_OK; i++) {
		char *text = NULL;
		size_t n = 0;
		if ((rc = ck__read_file(&text, &n, cm_files[i], 16u << 20)) != CK_OK)
			rc = ck__error_wrap(rc, "--configmap %s", cm_files[i]);
		else
			rc = ck__kube_parse(m, text, n, cm_files[i], true);
		free(text);
	}
	return rc == CK_OK ? check_refs(m, source ? source : "-") : rc;
}

int ck_kube_play(ck_kube_report **out, ck_context *ctx, const char *yaml, size_t len, const char *source,
                 const ck_kube_play_options *opts)
{
	ck_kube_play_options o = CK_KUBE_PLAY_OPTIONS_INIT;
	ck_kube_report *r = NULL;
	kmodel m = { 0 };
	made mk = { 0 };
	int rc;

	CK_ENTER();
	if (out)
		*out = NULL;
	if (!ctx || !yaml)
		return ck__error_set(CK_EINVAL, "ck_kube_play: %s is NULL", !ctx ? "ctx" : "yaml");
	if (opts) {
		if (opts->version < 1 || opts->version > CK_KUBE_PLAY_OPTIONS_VERSION)
			return ck__error_set(CK_EVERSION, "ck_kube_play_options version %u is not known", opts->version);
		/* a version 1 struct ends before `registry` */
		memcpy(&o, opts, opts->version == 1 ? offsetof(ck_kube_play_options, registry) : sizeof(o));
	}
	if ((rc = parse_all(&m, yaml, len, source, o.configmaps)) != CK_OK ||
	    (rc = pull_images(ctx, &m, o.registry)) != CK_OK || (rc = ck__kube_report_new(&r)) != CK_OK)
		goto out;
	for (size_t i = 0; i < m.n_claims && rc == CK_OK; i++)
		if ((rc = make_volume(ctx, &mk, r, m.claims[i].name, &m.claims[i].labels)) != CK_OK)
			rc = ck__error_wrap(rc, "PersistentVolumeClaim %s", m.claims[i].name);
	for (size_t i = 0; i < m.n_pods && rc == CK_OK; i++)
		rc = play_pod(ctx, &m, &m.pods[i], &o, &mk, r, i == 0);
	for (size_t i = 0; !(o.flags & CK_KUBE_NO_START) && rc == CK_OK && i < ck__strv_len(mk.pods); i++) {
		ck_pod *pod = NULL;
		if ((rc = ck_pod_lookup(&pod, ctx, mk.pods[i])) == CK_OK && (rc = ck_pod_start(pod)) != CK_OK)
			rc = ck__error_wrap(rc, "starting pod %s", ck_pod_name(pod));
		ck_pod_free(pod);
	}
	if (rc != CK_OK)
		undo(ctx, &mk, rc);
out:
	if (rc == CK_OK && out) {
		*out = r;
		r = NULL;
	}
	ck_kube_report_free(r);
	ck_strv_free(mk.pods);
	ck_strv_free(mk.volumes);
	ck__kube_model_free(&m);
	return rc;
}

int ck_kube_down(ck_kube_report **out, ck_context *ctx, const char *yaml, size_t len, const char *source)
{
	ck_kube_report *r = NULL;
	kmodel m = { 0 };
	int rc, first = CK_OK;

	CK_ENTER();
	if (out)
		*out = NULL;
	if (!ctx || !yaml)
		return ck__error_set(CK_EINVAL, "ck_kube_down: %s is NULL", !ctx ? "ctx" : "yaml");
	if ((rc = ck__kube_parse(&m, yaml, len, source ? source : "-", false)) != CK_OK ||
	    (rc = ck__kube_report_new(&r)) != CK_OK)
		goto out;
	for (size_t i = 0; i < m.n_pods && rc == CK_OK; i++) {
		ck_pod *pod = NULL;
		int prc = ck_pod_lookup(&pod, ctx, m.pods[i].name);
		if (prc == CK_ENOTFOUND)
			continue;
		/* each container's stop timeout: terminationGracePeriodSeconds, or 10 s */
		if (prc == CK_OK && (prc = ck_pod_stop(pod, -1)) != CK_OK)
			ck__error_wrap(prc, "stopping pod %s", m.pods[i].name);
		if (prc == CK_OK && (prc = ck_pod_remove(pod, CK_REMOVE_FORCE)) != CK_OK)
			ck__error_wrap(prc, "removing pod %s", m.pods[i].name);
		if (prc == CK_OK)
			rc = ck__kube_report_add(r, 0, ck_pod_id(pod), m.pods[i].name);
		else if (first == CK_OK)
			first = prc;
		ck_pod_free(pod);
	}
	if (rc == CK_OK && first != CK_OK)
		rc = first;
	if (rc == CK_OK && !ck_kube_report_pod_count(r))
		rc = ck__error_set(CK_ENOTFOUND, "%s: none of its pods exists", source ? source : "-");
out:
	if (rc == CK_OK && out) {
		*out = r;
		r = NULL;
	}
	ck_kube_report_free(r);
	ck__kube_model_free(&m);
	return rc;
}

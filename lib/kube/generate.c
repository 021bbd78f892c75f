/* `generate kube`: pods and containers written as Kubernetes YAML (libyaml's
 * emitter does the quoting) in the subset that ck_kube_play() reads back. */
#define _GNU_SOURCE
#include "kube_int.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <yaml.h>

typedef struct kgen {
	yaml_emitter_t em;
	ck__buf out;
	bool failed;
} kgen;

static int write_cb(void *data, unsigned char *buffer, size_t size)
{
	ck__buf_add(&((kgen *)data)->out, buffer, size);
	return 1;
}

static void emit(kgen *g, yaml_event_t *ev, int made)
{
	if (!made || !yaml_emitter_emit(&g->em, ev))
		g->failed = true;
}

enum { MAP, SEQ };

/* Opens a block mapping (MAP) or sequence (SEQ). */
static void open_block(kgen *g, int kind)
{
	yaml_event_t ev;
	emit(g, &ev, kind == SEQ ? yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_SEQUENCE_STYLE)
	                         : yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_MAPPING_STYLE));
}

static void close_block(kgen *g, int kind)
{
	yaml_event_t ev;
	emit(g, &ev, kind == SEQ ? yaml_sequence_end_event_initialize(&ev) : yaml_mapping_end_event_initialize(&ev));
}

/* A string; `plain` 0 forces quotes (a number or a boolean kept a string). */
static void str(kgen *g, const char *s, int plain)
{
	yaml_event_t ev;
	emit(g, &ev, yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)s, (int)strlen(s), plain, 1,
	                                          plain ? YAML_ANY_SCALAR_STYLE : YAML_DOUBLE_QUOTED_SCALAR_STYLE));
}

/* A string YAML would read as something else (a number, a boolean, null)
 * is quoted, so that Kubernetes reads a string. */
static bool looks_typed(const char *s)
{
	static const char *const words[] = { "true", "false", "yes", "no", "on", "off", "null", "~", "y", "n", NULL };
	char *end;
	if (!*s)
		return true;
	for (size_t i = 0; words[i]; i++)
		if (!strcasecmp(s, words[i]))
			return true;
	(void)strtod(s, &end);
	return !*end;
}

static void text(kgen *g, const char *s)
{
	str(g, s, !looks_typed(s));
}

static void num(kgen *g, long v)
{
	char b[32];
	snprintf(b, sizeof(b), "%ld", v);
	str(g, b, 1);
}

static void kv(kgen *g, const char *k, const char *v)
{
	str(g, k, 1);
	text(g, v);
}

static void strlist(kgen *g, const char *key, const char *const *v)
{
	str(g, key, 1);
	open_block(g, SEQ);
	for (; *v; v++)
		text(g, *v);
	close_block(g, SEQ);
}

static bool strv_eq(const char *const *a, const char *const *b)
{
	size_t i;
	for (i = 0; a && b && a[i] && b[i]; i++)
		if (strcmp(a[i], b[i]))
			return false;
	return (!a || !a[i]) && (!b || !b[i]);
}

static bool in_strv(const char *const *v, const char *s)
{
	for (; v && *v; v++)
		if (!strcmp(*v, s))
			return true;
	return false;
}

/* A volume's name in the pod, from its host path or claim ("srv-data-host"). */
static char *volume_name(const ck_container_mount *m)
{
	if (m->type == CK_MOUNT_VOLUME && m->name)
		return ck__asprintf("%s-pvc", m->name);
	char *n = ck__asprintf("%s-host", m->source + (m->source[0] == '/'));
	for (char *c = n; c && *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '-'))
			*c = *c >= 'A' && *c <= 'Z' ? (char)(*c | 0x20) : '-';
	return n;
}

static int container_doc(kgen *g, ck_context *ctx, ck_container *c, const char *pod_name, const ck_container *ports_of)
{
	ck_image *img = NULL;
	ck_image_config *cfg = NULL;
	ck_container_mount_list *ml = NULL;
	const char *name = ck_container_name(c);
	size_t plen = strlen(pod_name);
	int rc;

	if ((rc = ck_image_lookup(&img, ctx, ck_container_image_id(c))) != CK_OK ||
	    (rc = ck_image_config_read(&cfg, img)) != CK_OK || (rc = ck_container_mounts_read(&ml, c)) != CK_OK)
		goto out;
	const char *const *ep = ck_container_entrypoint(c), *const *full = ck_container_command(c);
	const char *const *env = ck_container_env(c);
	const char *wd = ck_container_workdir(c), *user = ck_container_user(c);
	if (!ep || !full || !env) {
		rc = ck_error_last()->code ? ck_error_last()->code : CK_ERROR;
		goto out;
	}
	size_t nep = 0;
	while (ep[nep])
		nep++;
	const char *const *cmd = full;
	for (size_t i = 0; i < nep && *cmd; i++)
		cmd++;
	open_block(g, MAP);
	/* the pod's name, added by play, is taken off again */
	kv(g, "name", !strncmp(name, pod_name, plen) && name[plen] == '-' && name[plen + 1] ? name + plen + 1 : name);
	kv(g, "image", ck_container_image_name(c));
	if (strv_eq(ep, ck_image_config_entrypoint(cfg))) {
		if (!strv_eq(cmd, ck_image_config_cmd(cfg)) && *cmd)
			strlist(g, "args", cmd);
	} else if (!*ep) {
		strlist(g, "command", full);
	} else {
		strlist(g, "command", ep);
		if (*cmd)
			strlist(g, "args", cmd);
	}
	bool any = false;
	for (size_t i = 0; env[i]; i++) {
		const char *eq = strchr(env[i], '=');
		/* the image's own, and what every container gets */
		if (!eq || in_strv(ck_image_config_env(cfg), env[i]) || !strncmp(env[i], "container=", 10) ||
		    !strncmp(env[i], "HOSTNAME=", 9) || !strcmp(env[i], "HOME=/root"))
			continue;
		if (!any)
			str(g, "env", 1), open_block(g, SEQ), any = true;
		char *k = strndup(env[i], (size_t)(eq - env[i]));
		open_block(g, MAP);
		kv(g, "name", k ? k : "");
		str(g, "value", 1);
		str(g, eq + 1, 0);
		close_block(g, MAP);
		free(k);
	}
	if (any)
		close_block(g, SEQ);
	const char *img_wd = ck_image_config_workdir(cfg) && *ck_image_config_workdir(cfg) ? ck_image_config_workdir(cfg) : "/";
	if (wd && *wd && strcmp(wd, img_wd))
		kv(g, "workingDir", wd);
	if (ports_of && ck_container_port_count(ports_of)) {
		str(g, "ports", 1);
		open_block(g, SEQ);
		for (size_t i = 0; i < ck_container_port_count(ports_of); i++) {
			const ck_port_mapping *pm = ck_container_port_byindex(ports_of, i);
			for (unsigned int r = 0; r < pm->range; r++) {
				open_block(g, MAP);
				str(g, "containerPort", 1), num(g, (long)(pm->container_port + r));
				str(g, "hostPort", 1), num(g, (long)(pm->host_port + r));
				if (pm->host_ip && *pm->host_ip)
					kv(g, "hostIP", pm->host_ip);
				kv(g, "protocol", !strcmp(pm->protocol, "udp") ? "UDP" : "TCP");
				close_block(g, MAP);
			}
		}
		close_block(g, SEQ);
	}
	size_t nm = ck_container_mount_list_count(ml);
	if (nm) {
		str(g, "volumeMounts", 1);
		open_block(g, SEQ);
		for (size_t i = 0; i < nm; i++) {
			const ck_container_mount *m = ck_container_mount_list_byindex(ml, i);
			if (m->type == CK_MOUNT_TMPFS)
				continue;
			char *vn = volume_name(m);
			open_block(g, MAP);
			kv(g, "mountPath", m->destination);
			kv(g, "name", vn ? vn : "");
			if (m->read_only)
				str(g, "readOnly", 1), str(g, "true", 1);
			close_block(g, MAP);
			free(vn);
		}
		close_block(g, SEQ);
	}
	/* a numeric user that differs from the image's */
	if (user && *user && strspn(user, "0123456789:") == strlen(user) &&
	    strcmp(user, ck_image_config_user(cfg) ? ck_image_config_user(cfg) : "")) {
		const char *colon = strchr(user, ':');
		str(g, "securityContext", 1);
		open_block(g, MAP);
		str(g, "runAsUser", 1), num(g, strtol(user, NULL, 10));
		if (colon)
			str(g, "runAsGroup", 1), num(g, strtol(colon + 1, NULL, 10));
		close_block(g, MAP);
	}
	close_block(g, MAP);
out:
	ck_container_mount_list_free(ml);
	ck_image_config_free(cfg);
	ck_image_free(img);
	return rc;
}

/* The pod's volumes: one per distinct host path or claim of its members. */
static int pod_volumes(kgen *g, ck_container **ctrs, size_t n)
{
	char **seen = NULL;
	bool any = false;
	int rc = CK_OK;
	for (size_t c = 0; c < n && rc == CK_OK; c++) {
		ck_container_mount_list *ml = NULL;
		if ((rc = ck_container_mounts_read(&ml, ctrs[c])) != CK_OK)
			break;
		for (size_t i = 0; i < ck_container_mount_list_count(ml); i++) {
			const ck_container_mount *m = ck_container_mount_list_byindex(ml, i);
			char *vn = m->type == CK_MOUNT_TMPFS ? NULL : volume_name(m);
			if (!vn || in_strv((const char *const *)seen, vn)) {
				free(vn);
				continue;
			}
			ck__strv_push(&seen, vn);
			if (!any)
				str(g, "volumes", 1), open_block(g, SEQ), any = true;
			open_block(g, MAP);
			kv(g, "name", vn);
			if (m->type == CK_MOUNT_VOLUME) {
				str(g, "persistentVolumeClaim", 1);
				open_block(g, MAP);
				kv(g, "claimName", m->name);
				close_block(g, MAP);
			} else {
				struct stat st;
				str(g, "hostPath", 1);
				open_block(g, MAP);
				kv(g, "path", m->source);
				kv(g, "type", stat(m->source, &st) == 0 && !S_ISDIR(st.st_mode) ? "File" : "Directory");
				close_block(g, MAP);
			}
			close_block(g, MAP);
			free(vn);
		}
		ck_container_mount_list_free(ml);
	}
	if (any)
		close_block(g, SEQ);
	ck_strv_free(seen);
	return rc;
}

static const char *k8s_restart(const char *policy)
{
	if (!policy || !strcmp(policy, "no") || !*policy)
		return "Never";
	return !strcmp(policy, "on-failure") ? "OnFailure" : "Always";
}

/* One Pod document (and a Service after it with CK_KUBE_SERVICE).
 * `ports_of`: the container whose published ports are the pod's. */
static int pod_doc(kgen *g, ck_context *ctx, const char *pod_name, ck_pod *pod, ck_container **ctrs, size_t n,
                   const ck_container *ports_of, unsigned int flags)
{
	yaml_event_t ev;
	int rc = CK_OK;

	emit(g, &ev, yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 0));
	open_block(g, MAP);
	kv(g, "apiVersion", "v1");
	kv(g, "kind", "Pod");
	str(g, "metadata", 1);
	open_block(g, MAP);
	if ((pod && ck_pod_label_count(pod)) || flags & CK_KUBE_SERVICE) {
		str(g, "labels", 1);
		open_block(g, MAP);
		if (flags & CK_KUBE_SERVICE)
			kv(g, "app", pod_name); /* what the Service selects */
		for (size_t i = 0; pod && i < ck_pod_label_count(pod); i++) {
			const char *k, *v;
			if (ck_pod_label_byindex(&k, &v, pod, i) == CK_OK && !(flags & CK_KUBE_SERVICE && !strcmp(k, "app")))
				str(g, k, 1), str(g, v, 0);
		}
		close_block(g, MAP);
	}
	kv(g, "name", pod_name);
	close_block(g, MAP);
	str(g, "spec", 1);
	open_block(g, MAP);
	str(g, "containers", 1);
	open_block(g, SEQ);
	for (size_t i = 0; i < n && rc == CK_OK; i++)
		rc = container_doc(g, ctx, ctrs[i], pod_name, i == 0 ? ports_of : NULL);
	close_block(g, SEQ);
	const char *net = pod ? ck_pod_network(pod) : ck_container_network_mode(ctrs[0]);
	if (net && !strcmp(net, "host"))
		str(g, "hostNetwork", 1), str(g, "true", 1);
	if (pod && ck_pod_hostname(pod) && *ck_pod_hostname(pod) && strcmp(ck_pod_hostname(pod), pod_name))
		kv(g, "hostname", ck_pod_hostname(pod));
	if (n)
		kv(g, "restartPolicy", k8s_restart(ck_container_restart_policy(ctrs[0])));
	if (rc == CK_OK)
		rc = pod_volumes(g, ctrs, n);
	close_block(g, MAP);
	close_block(g, MAP);
	emit(g, &ev, yaml_document_end_event_initialize(&ev, 1));
	if (!(flags & CK_KUBE_SERVICE) || rc != CK_OK)
		return rc;
	emit(g, &ev, yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 0));
	open_block(g, MAP);
	kv(g, "apiVersion", "v1");
	kv(g, "kind", "Service");
	str(g, "metadata", 1);
	open_block(g, MAP);
	kv(g, "name", pod_name);
	close_block(g, MAP);
	str(g, "spec", 1);
	open_block(g, MAP);
	str(g, "ports", 1);
	open_block(g, SEQ);
	for (size_t i = 0; ports_of && i < ck_container_port_count(ports_of); i++) {
		const ck_port_mapping *pm = ck_container_port_byindex(ports_of, i);
		char pname[48];
		snprintf(pname, sizeof(pname), "%u-%s", pm->container_port, pm->protocol);
		open_block(g, MAP);
		kv(g, "name", pname);
		str(g, "port", 1), num(g, (long)pm->container_port);
		kv(g, "protocol", !strcmp(pm->protocol, "udp") ? "UDP" : "TCP");
		str(g, "targetPort", 1), num(g, (long)pm->container_port);
		close_block(g, MAP);
	}
	close_block(g, SEQ);
	str(g, "selector", 1);
	open_block(g, MAP);
	kv(g, "app", pod_name);
	close_block(g, MAP);
	kv(g, "type", "NodePort");
	close_block(g, MAP);
	close_block(g, MAP);
	emit(g, &ev, yaml_document_end_event_initialize(&ev, 1));
	return rc;
}

static int one_ref(kgen *g, ck_context *ctx, const char *ref, unsigned int flags)
{
	ck_container *ctr = NULL, **ctrs = NULL, *infra = NULL;
	ck_pod *pod = NULL;
	size_t n = 0;
	char *name = NULL;
	int rc = ck_container_lookup(&ctr, ctx, ref);

	if (rc == CK_OK) {
		if (ck_container_pod_id(ctr)) {
			rc = ck__error_set(CK_EINVAL, "container %s is in a pod: generate the pod", ref);
			goto out;
		}
		name = ck__asprintf("%s-pod", ck_container_name(ctr));
		rc = name ? pod_doc(g, ctx, name, NULL, &ctr, 1, ctr, flags) : ck__oom();
		goto out;
	}
	if (rc != CK_ENOTFOUND || (rc = ck_pod_lookup(&pod, ctx, ref)) != CK_OK) {
		if (rc == CK_ENOTFOUND)
			rc = ck__error_set(CK_ENOTFOUND, "%s: no such container or pod", ref);
		goto out;
	}
	n = ck_pod_member_count(pod);
	if (!n) {
		rc = ck__error_set(CK_EINVAL, "pod %s has no containers: Kubernetes needs at least one", ref);
		goto out;
	}
	if (!(ctrs = calloc(n, sizeof(*ctrs)))) {
		rc = ck__oom();
		goto out;
	}
	for (size_t i = 0; i < n && rc == CK_OK; i++)
		rc = ck_container_lookup(&ctrs[i], ctx, ck_pod_member_id(pod, i));
	if (rc == CK_OK && ck_pod_infra_id(pod))
		rc = ck_container_lookup(&infra, ctx, ck_pod_infra_id(pod));
	if (rc == CK_OK)
		rc = pod_doc(g, ctx, ck_pod_name(pod), pod, ctrs, n, infra, flags);
out:
	for (size_t i = 0; ctrs && i < n; i++)
		ck_container_free(ctrs[i]);
	free(ctrs);
	free(name);
	ck_container_free(infra);
	ck_container_free(ctr);
	ck_pod_free(pod);
	return rc;
}

int ck_kube_generate(char **out, ck_context *ctx, const char *const *refs, unsigned int flags)
{
	kgen g = { .failed = false };
	yaml_event_t ev;
	int rc = CK_OK;

	CK_ENTER();
	if (out)
		*out = NULL;
	if (!out || !ctx || !refs || !refs[0])
		return ck__error_set(CK_EINVAL, "ck_kube_generate: %s", !out ? "out is NULL" : !ctx ? "ctx is NULL"
		                                                                       : "no container or pod named");
	if (flags & ~CK_KUBE_SERVICE)
		return ck__error_set(CK_EINVAL, "ck_kube_generate: unknown flags 0x%x", flags);
	if (!yaml_emitter_initialize(&g.em))
		return ck__oom();
	yaml_emitter_set_output(&g.em, write_cb, &g);
	yaml_emitter_set_unicode(&g.em, 1);
	yaml_emitter_set_width(&g.em, -1);
	ck__buf_printf(&g.out, "# Created with containerkit %s: `ck kube play` reads it back.\n", ck_version());
	emit(&g, &ev, yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING));
	for (size_t i = 0; refs[i] && rc == CK_OK; i++)
		rc = one_ref(&g, ctx, refs[i], flags);
	emit(&g, &ev, yaml_stream_end_event_initialize(&ev));
	if (rc == CK_OK && g.failed)
		rc = ck__error_set(CK_ERROR, "generate kube: the YAML emitter failed: %s",
		                   g.em.problem ? g.em.problem : "out of memory");
	yaml_emitter_delete(&g.em);
	if (rc == CK_OK && !(*out = ck__buf_take(&g.out)))
		rc = ck__oom();
	ck__buf_free(&g.out);
	return rc;
}

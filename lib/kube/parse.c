/* Kubernetes YAML (Pod, Deployment, PersistentVolumeClaim, ConfigMap,
 * Service) read with libyaml into the kube model; every field is acted on,
 * knowingly ignored, or refused with its line and column. */
#define _GNU_SOURCE
#include "kube_int.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

typedef struct kp {
	yaml_document_t *doc;
	const char *source;
	char *what; /* "Pod web", for messages */
} kp;

static yaml_node_t *node(const kp *p, int idx)
{
	return yaml_document_get_node(p->doc, idx);
}

static int perr(const kp *p, const yaml_node_t *n, int code, const char *fmt, ...) CK_PRINTF(4, 5);
static int perr(const kp *p, const yaml_node_t *n, int code, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return ck__error_set(code, "%s:%zu:%zu: %s%s%s", p->source, n ? n->start_mark.line + 1 : 0,
	                     n ? n->start_mark.column + 1 : 0, p->what ? p->what : "", p->what ? ": " : "", msg);
}

static int unsupported(const kp *p, const yaml_node_t *key, const char *path, const char *name)
{
	return perr(p, key, CK_EUNSUPPORTED, "unsupported field %s%s%s", path, *path ? "." : "", name);
}

static const char *scalar(const yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

/* A value written as null (`key:`, `~`, `null`) counts as absent. */
static bool is_null(const yaml_node_t *n)
{
	const char *s = scalar(n);
	return s && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
	       (!*s || !strcmp(s, "~") || !strcmp(s, "null"));
}

static bool in_list(const char *key, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(key, *list))
			return true;
	return false;
}

static int need(const kp *p, const yaml_node_t *n, yaml_node_type_t type, const char *path)
{
	static const char *const names[] = { "", "a string", "a list", "a mapping" };
	if (n->type != type)
		return perr(p, n, CK_EINVAL, "%s must be %s", path, names[type]);
	return CK_OK;
}

static int get_str(const kp *p, const yaml_node_t *n, const char *path, char **out)
{
	int rc = need(p, n, YAML_SCALAR_NODE, path);
	if (rc != CK_OK)
		return rc;
	free(*out);
	return (*out = strdup(scalar(n))) ? CK_OK : ck__oom();
}

static int get_int(const kp *p, const yaml_node_t *n, const char *path, int lo, int hi, int *out)
{
	const char *s = scalar(n);
	char *end;
	errno = 0;
	long v = s ? strtol(s, &end, 10) : 0;
	if (!s || !*s || *end || errno || v < lo || v > hi)
		return perr(p, n, CK_EINVAL, "%s must be a number from %d to %d", path, lo, hi);
	*out = (int)v;
	return CK_OK;
}

static int get_bool(const kp *p, const yaml_node_t *n, const char *path, int *out)
{
	const char *s = scalar(n);
	if (s && !strcmp(s, "true"))
		return *out = 1, CK_OK;
	if (s && !strcmp(s, "false"))
		return *out = 0, CK_OK;
	return perr(p, n, CK_EINVAL, "%s must be true or false", path);
}

static int get_strv(const kp *p, const yaml_node_t *n, const char *path, char ***out)
{
	int rc = need(p, n, YAML_SEQUENCE_NODE, path);
	ck_strv_free(*out);
	*out = NULL;
	if (rc == CK_OK && !(*out = calloc(1, sizeof(char *))))
		rc = ck__oom();
	for (yaml_node_item_t *it = n->data.sequence.items.start; rc == CK_OK && it < n->data.sequence.items.top; it++) {
		const yaml_node_t *v = node(p, *it);
		if (!scalar(v))
			rc = perr(p, v, CK_EINVAL, "%s must be a list of strings", path);
		else
			rc = ck__strv_push(out, scalar(v));
	}
	return rc;
}

static int get_map(const kp *p, const yaml_node_t *n, const char *path, ck__strmap *m)
{
	int rc = need(p, n, YAML_MAPPING_NODE, path);
	for (yaml_node_pair_t *pr = n->data.mapping.pairs.start; rc == CK_OK && pr < n->data.mapping.pairs.top; pr++) {
		const yaml_node_t *k = node(p, pr->key), *v = node(p, pr->value);
		if (!scalar(k) || !scalar(v))
			return perr(p, scalar(k) ? v : k, CK_EINVAL, "%s must map strings to strings", path);
		if (ck__strmap_set(m, scalar(k), scalar(v)) != CK_OK)
			rc = ck__oom();
	}
	return rc;
}

/* Calls fn for each key of the mapping `n` (NULL values skipped). */
typedef int (*field_fn)(const kp *p, const char *key, const yaml_node_t *k, const yaml_node_t *v,
                        const char *path, void *obj);
static int each_field(const kp *p, const yaml_node_t *n, const char *path, field_fn fn, void *obj)
{
	int rc = need(p, n, YAML_MAPPING_NODE, *path ? path : "the document");
	for (yaml_node_pair_t *pr = n->data.mapping.pairs.start; rc == CK_OK && pr < n->data.mapping.pairs.top; pr++) {
		const yaml_node_t *k = node(p, pr->key), *v = node(p, pr->value);
		if (!scalar(k))
			return perr(p, k, CK_EINVAL, "%s: keys must be strings", *path ? path : "the document");
		if (!is_null(v))
			rc = fn(p, scalar(k), k, v, path, obj);
	}
	return rc;
}

static char *sub(const char *path, const char *key)
{
	return *path ? ck__asprintf("%s.%s", path, key) : strdup(key);
}

/* ------------------------------------------------------------ containers */

static int env_field(const kp *p, const char *key, const yaml_node_t *k, const yaml_node_t *v, const char *path,
                     void *obj)
{
	kenv *e = obj;
	if (!strcmp(key, "name"))
		return get_str(p, v, path, &e->name);
	if (!strcmp(key, "value"))
		return get_str(p, v, path, &e->value);
	if (strcmp(key, "valueFrom"))
		return unsupported(p, k, path, key);
	if (need(p, v, YAML_MAPPING_NODE, "valueFrom") != CK_OK)
		return CK_EINVAL;
	for (yaml_node_pair_t *pr = v->data.mapping.pairs.start; pr < v->data.mapping.pairs.top; pr++) {
		const yaml_node_t *sk = node(p, pr->key), *sv = node(p, pr->value);
		if (!scalar(sk) || strcmp(scalar(sk), "configMapKeyRef"))
			return unsupported(p, sk, path, scalar(sk) ? scalar(sk) : "valueFrom");
		int rc = need(p, sv, YAML_MAPPING_NODE, "configMapKeyRef");
		for (yaml_node_pair_t *q = sv->data.mapping.pairs.start; rc == CK_OK && q < sv->data.mapping.pairs.top; q++) {
			const yaml_node_t *qk = node(p, q->key), *qv = node(p, q->value);
			const char *n = scalar(qk) ? scalar(qk) : "";
			int opt = 0;
			if (!strcmp(n, "name"))
				rc = get_str(p, qv, "configMapKeyRef.name", &e->cm);
			else if (!strcmp(n, "key"))
				rc = get_str(p, qv, "configMapKeyRef.key", &e->cm_key);
			else if (!strcmp(n, "optional")) {
				rc = get_bool(p, qv, "configMapKeyRef.optional", &opt);
				e->optional = opt;
			} else
				rc = unsupported(p, qk, "valueFrom.configMapKeyRef", n);
		}
		if (rc != CK_OK)
			return rc;
		if (!e->cm || !e->cm_key)
			return perr(p, sv, CK_EINVAL, "%s: configMapKeyRef needs a name and a key", path);
	}
	return CK_OK;
}

static int envfrom_field(const kp *p, const char *key, const yaml_node_t *k, const yaml_node_t *v,
                         const char *path, void *obj)
{
	kenvfrom *e = obj;
	if (strcmp(key, "configMapRef"))
		return unsupported(p, k, path, key);
	int rc = need(p, v, YAML_MAPPING_NODE, "configMapRef");
	for (yaml_node_pair_t *q = v->data.mapping.pairs.start; rc == CK_OK && q < v->data.mapping.pairs.top; q++) {
		const yaml_node_t *qk = node(p, q->key), *qv = node(p, q->value);
		const char *n = scalar(qk) ? scalar(qk) : "";
		int opt = 0;
		if (!strcmp(n, "name"))
			rc = get_str(p, qv, "configMapRef.name", &e->cm);
		else if (!strcmp(n, "optional")) {
			rc = get_bool(p, qv, "configMapRef.optional", &opt);
			e->optional = opt;
		} else
			rc = unsupported(p, qk, "envFrom.configMapRef", n);
	}
	if (rc == CK_OK && !e->cm)
		rc = perr(p, v, CK_EINVAL, "%s: configMapRef needs a name", path);
	return rc;
}

static int port_field(const kp *p, const char *key, const yaml_node_t *k, const yaml_node_t *v, const char *path,
                      void *obj)
{
	kport *pt = obj;
	static const char *const ignored[] = { "name", NULL }; /* only names the port for a Service */
	if (!strcmp(key, "containerPort"))
		return get_int(p, v, "containerPort", 1, 65535, &pt->container_port);
	if (!strcmp(key, "hostPort"))
		return get_int(p, v, "hostPort", 1, 65535, &pt->host_port);
	if (!strcmp(key, "hostIP"))
		return get_str(p, v, "hostIP", &pt->host_ip);
	if (!strcmp(key, "protocol")) {
		int rc = get_str(p, v, "protocol", &pt->protocol);
		if (rc == CK_OK && strcasecmp(pt->protocol, "tcp") && strcasecmp(pt->protocol, "udp"))
			rc = perr(p, v, CK_EUNSUPPORTED, "%s.protocol: %s is not supported (TCP or UDP)", path,
			          pt->protocol);
		for (char *c = pt->protocol; rc == CK_OK && *c; c++)
			*c = (char)(*c | 0x20);
		return rc;
	}
	return in_list(key, ignored) ? CK_OK : unsupported(p, k, path, key);
}

static int mount_field(const kp *p, const char *key, const yaml_node_t *k, const yaml_node_t *v, const char *path,
                       void *obj)
{
	kmount *m = obj;
	int ro = 0, rc;
	if (!strcmp(key, "name"))
		return get_str(p, v, "name", &m->name);
	if (!strcmp(key, "mountPath"))
		return get_str(p, v, "mountPath", &m->path);
	if (!strcmp(key, "readOnly")) {
		rc = get_bool(p, v, "readOnly", &ro);
		m->read_only = ro;
		return rc;
	}
	return unsupported(p, k, path, key);
}

static int caps_field(const kp *p, const char *key, const yaml_node_t *k, const yaml_node_t *v, const char *path,
                      void *obj)
{
	kcontainer *c = obj;
	if (!strcmp(key, "add"))
		return get_strv(p, v, "capabilities.add", &c->cap_add);
	if (!strcmp(key, "drop"))
		return get_strv(p, v, "capabilities.drop", &c->cap_drop);
	return unsupported(p, k, path, key);
}

static int secctx_field(const kp *p, const char *key, const yaml_node_t *k, const yaml_node_t *v,
                        const char *path, void *obj)
{
	kcontainer *c = obj;
	int rc, b;
	char *sp = sub(path, key);
	if (!sp)
		return ck__oom();
	if (!strcmp(key, "runAsUser")) {
		rc = get_int(p, v, sp, 0, 2147483647, &c->run_as_user);
	} else if (!strcmp(key, "runAsGroup")) {
		rc = get_int(p, v, sp, 0, 2147483647, &c->run_as_group);
	} else if (!strcmp(key, "privileged")) {
		rc = get_bool(p, v, sp, &c->privileged);
	} else if (!strcmp(key, "readOnlyRootFilesystem")) {
		rc = get_bool(p, v, sp, &c->read_only);
	} else if (!strcmp(key, "allowPrivilegeEscalation")) {
		rc = get_bool(p, v, sp, &b);
		c->no_new_privs = !b;
	} else if (!strcmp(key, "capabilities")) {
		rc = each_field(p, v, sp, caps_field, c);
	} else {
		rc = unsupported(p, k, path, key);
	}
	free(sp);
	return rc;
}

/* Each item of the list `v` into a new element of *arr, read by fn. */
static int each_item(const kp *p, const yaml_node_t *v, const char *path, void **arr, size_t *n, size_t size,
                     field_fn fn, void (*mark)(void *item, kpos pos))
{
	int rc = need(p, v, YAML_SEQUENCE_NODE, path);
	for (yaml_node_item_t *it = v->data.sequence.items.start; rc == CK_OK && it < v->data.sequence.items.top; it++) {
		char *ip = ck__asprintf("%s[%zu]", path, *n);
		void *item = ck__kube_grow(arr, n, size);
		const yaml_node_t *in = node(p, *it);
		if (!ip || !item)
			rc = ck__oom();
		else {
			if (mark)
				mark(item, (kpos){ (unsigned)in->start_mark.line + 1, (unsigned)in->start_mark.column + 1 });
			rc = each_field(p, in, ip, fn, item);
		}
		free(ip);
	}
	return rc;
}

static void mark_env(void *i, kpos pos) { ((kenv *)i)->pos = pos; }
static void mark_envfrom(void *i, kpos pos) { ((kenvfrom *)i)->pos = pos; }
static void mark_mount(void *i, kpos pos) { ((kmount *)i)->pos = pos; }
static void mark_vol(void *i, kpos pos) { ((kvolume *)i)->pos = pos; }

/* Kubernetes spells these in CamelCase; podman also takes them in any case. */
static int pull_policy(const kp *p, const yaml_node_t *v, const char *path, int *out)
{
	char *text = NULL;
	int rc = get_str(p, v, path, &text);
	if (rc != CK_OK)
		return rc;
	if (!strcasecmp(text, "Always"))
		*out = CK_PULL_ALWAYS;
	else if (!strcasecmp(text, "IfNotPresent"))
		*out = CK_PULL_MISSING;
	else if (!strcasecmp(text, "Never"))
		*out = CK_PULL_NEVER;
	else
		rc = perr(p, v, CK_EINVAL, "%s: %s is not Always, IfNotPresent or Never", path, text);
	free(text);
	return rc;
}

static int container_field(const kp *p, const char *key, const yaml_node_t *k, const yaml_node_t *v,
                           const char *path, void *obj)
{
	/* no effect on one host, or the defaults podman's generate writes */
	static const char *const ignored[] = { "terminationMessagePath", "terminationMessagePolicy",
		                               NULL };
	kcontainer *c = obj;
	char *sp = sub(path, key);
	int rc;
	if (!sp)
		return ck__oom();
	if (!strcmp(key, "name"))
		rc = get_str(p, v, sp, &c->name);
	else if (!strcmp(key, "image"))
		rc = get_str(p, v, sp, &c->image);
	else if (!strcmp(key, "imagePullPolicy"))
		rc = pull_policy(p, v, sp, &c->pull);
	else if (!strcmp(key, "command"))
		rc = get_strv(p, v, sp, &c->command);
	else if (!strcmp(key, "args"))
		rc = get_strv(p, v, sp, &c->args);
	else if (!strcmp(key, "workingDir"))
		rc = get_str(p, v, sp, &c->workdir);
	else if (!strcmp(key, "env"))
		rc = each_item(p, v, sp, (void **)&c->env, &c->n_env, sizeof(kenv), env_field, mark_env);
	else if (!strcmp(key, "envFrom"))
		rc = each_item(p, v, sp, (void **)&c->env_from, &c->n_env_from, sizeof(kenvfrom), envfrom_field,
		               mark_envfrom);
	else if (!strcmp(key, "ports"))
		rc = each_item(p, v, sp, (void **)&c->ports, &c->n_ports, sizeof(kport), port_field, NULL);
	else if (!strcmp(key, "volumeMounts"))
		rc = each_item(p, v, sp, (void **)&c->mounts, &c->n_mounts, sizeof(kmount), mount_field, mark_mount);
	else if (!strcmp(key, "securityContext"))
		rc = each_field(p, v, sp, secctx_field, c);
	else if (!strcmp(key, "tty"))
		rc = get_bool(p, v, sp, &c->tty);
	else if (!strcmp(key, "stdin"))
		rc = get_bool(p, v, sp, &c->stdin_open);
	else if (!strcmp(key, "resources") && v->type == YAML_MAPPING_NODE &&
	         v->data.mapping.pairs.start == v->data.mapping.pairs.top)
		rc = CK_OK; /* `resources: {}` asks for nothing */
	else
		rc = in_list(key, ignored) ? CK_OK : unsupported(p, k, path, key);
	free(sp);
	return rc;
}

/* ------------------------------------------------------------------ pods */

static int hostpath_field(const kp *p, const char *key, const yaml_node_t *k, const yaml_node_t *v,
                          const char *path, void *obj)
{
	kvolume *vol = obj;
	if (!strcmp(key, "path"))
		return get_str(p, v, "hostPath.path", &vol->path);
	if (!strcmp(key, "type")) {
		int rc = get_str(p, v, "hostPath.type", &vol->type);
		if (rc == CK_OK && *vol->type && strcmp(vol->type, "Directory") && strcmp(vol->type, "DirectoryOrCreate") &&
		    strcmp(vol->type, "File"))
			rc = perr(p, v, CK_EUNSUPPORTED, "%s.type: %s is not supported (Directory, DirectoryOrCreate or "
			                                 "File)", path, vol->type);
		return rc;
	}
	return unsupported(p, k, path, key);
}

static int pvc_field(const kp *p, const char *key, const yaml_node_t *k, const yaml_node_t *v, const char *path,
                     void *obj)
{
	if (!strcmp(key, "claimName"))
		return get_str(p, v, "persistentVolumeClaim.claimName", &((kvolume *)obj)->claim);
	return unsupported(p, k, path, key);
}

static int volume_field(const kp *p, const char *key, const yaml_node_t *k, const yaml_node_t *v,
                        const char *path, void *obj)
{
	kvolume *vol = obj;
	char *sp = sub(path, key);
	int rc;
	if (!sp)
		return ck__oom();
	if (!strcmp(key, "name")) {
		rc = get_str(p, v, sp, &vol->name);
	} else if (!strcmp(key, "hostPath") || !strcmp(key, "persistentVolumeClaim")) {
		if (vol->path || vol->claim)
			rc = perr(p, k, CK_EINVAL, "%s: a volume has one source", path);
		else if (key[0] == 'h') {
			vol->kind = KVOL_HOSTPATH;
			rc = (vol->type = strdup("")) ? each_field(p, v, sp, hostpath_field, vol) : ck__oom();
			if (rc == CK_OK && !vol->path)
				rc = perr(p, v, CK_EINVAL, "%s needs a path", sp);
		} else {
			vol->kind = KVOL_PVC;
			rc = each_field(p, v, sp, pvc_field, vol);
			if (rc == CK_OK && !vol->claim)
				rc = perr(p, v, CK_EINVAL, "%s needs a claimName", sp);
		}
	} else {
		rc = unsupported(p, k, path, key);
	}
	free(sp);
	return rc;
}

static int podspec_field(const kp *p, const char *key, const yaml_node_t *k, const yaml_node_t *v,
                         const char *path, void *obj)
{
	static const char *const ignored[] = { "dnsPolicy", "enableServiceLinks", "schedulerName", NULL };
	kpod *pod = obj;
	char *sp = sub(path, key);
	int rc, b;
	if (!sp)
		return ck__oom();
	if (!strcmp(key, "containers")) {
		rc = need(p, v, YAML_SEQUENCE_NODE, sp);
		for (yaml_node_item_t *it = v->data.sequence.items.start; rc == CK_OK && it < v->data.sequence.items.top;
		     it++) {
			const yaml_node_t *in = node(p, *it);
			char *ip = ck__asprintf("%s[%zu]", sp, pod->n_ctrs);
			kcontainer *c = ck__kube_grow((void **)&pod->ctrs, &pod->n_ctrs, sizeof(kcontainer));
			if (!ip || !c) {
				free(ip);
				rc = ck__oom();
				break;
			}
			c->privileged = c->read_only = c->no_new_privs = c->tty = c->stdin_open = -1;
			c->run_as_user = c->run_as_group = c->pull = -1;
			c->pos = (kpos){ (unsigned)in->start_mark.line + 1, (unsigned)in->start_mark.column + 1 };
			rc = each_field(p, in, ip, container_field, c);
			if (rc == CK_OK && (!c->name || !c->image))
				rc = perr(p, in, CK_EINVAL, "%s needs a %s", ip, !c->name ? "name" : "image");
			free(ip);
		}
	} else if (!strcmp(key, "volumes")) {
		rc = each_item(p, v, sp, (void **)&pod->vols, &pod->n_vols, sizeof(kvolume), volume_field, mark_vol);
	} else if (!strcmp(key, "restartPolicy")) {
		rc = get_str(p, v, sp, &pod->restart);
		if (rc == CK_OK && strcmp(pod->restart, "Always") && strcmp(pod->restart, "OnFailure") &&
		    strcmp(pod->restart, "Never"))
			rc = perr(p, v, CK_EINVAL, "%s: %s is not Always, OnFailure or Never", sp, pod->restart);
	} else if (!strcmp(key, "terminationGracePeriodSeconds")) {
		rc = get_int(p, v, sp, 0, 2147483647, &pod->grace);
		pod->has_grace = rc == CK_OK;
	} else if (!strcmp(key, "hostname")) {
		rc = get_str(p, v, sp, &pod->hostname);
	} else if (!strcmp(key, "hostNetwork")) {
		rc = get_bool(p, v, sp, &b);
		pod->host_network = b;
	} else {
		rc = in_list(key, ignored) ? CK_OK : unsupported(p, k, path, key);
	}
	free(sp);
	return rc;
}

typedef struct kmeta {
	char **name;
	ck__strmap *labels, *annotations;
} kmeta;

static int meta_field(const kp *p, const char *key, const yaml_node_t *k, const yaml_node_t *v, const char *path,
                      void *obj)
{
	static const char *const ignored[] = { "creationTimestamp", "namespace", "uid", "resourceVersion",
		                               "generation", NULL };
	kmeta *m = obj;
	if (!strcmp(key, "name")) /* read before, for messages */
		return m->name ? get_str(p, v, "metadata.name", m->name) : CK_OK;
	if (!strcmp(key, "labels") && m->labels)
		return get_map(p, v, "metadata.labels", m->labels);
	if (!strcmp(key, "annotations") && m->annotations)
		return get_map(p, v, "metadata.annotations", m->annotations);
	return in_list(key, ignored) ? CK_OK : unsupported(p, k, path, key);
}

/* The mounts of each container name a volume of the pod. */
static int check_pod(const kp *p, const kpod *pod, const yaml_node_t *doc)
{
	for (size_t c = 0; c < pod->n_ctrs; c++) {
		for (size_t o = 0; o < c; o++)
			if (!strcmp(pod->ctrs[o].name, pod->ctrs[c].name))
				return ck__error_set(CK_EINVAL, "%s:%u:%u: %s: two containers are named %s", p->source,
				                     pod->ctrs[c].pos.line, pod->ctrs[c].pos.col, p->what, pod->ctrs[c].name);
		for (size_t m = 0; m < pod->ctrs[c].n_mounts; m++) {
			const kmount *mt = &pod->ctrs[c].mounts[m];
			size_t v;
			if (!mt->name || !mt->path)
				return ck__error_set(CK_EINVAL, "%s:%u:%u: %s: a volumeMount needs a name and a mountPath",
				                     p->source, mt->pos.line, mt->pos.col, p->what);
			for (v = 0; v < pod->n_vols && strcmp(pod->vols[v].name ? pod->vols[v].name : "", mt->name); v++)
				;
			if (v == pod->n_vols)
				return ck__error_set(CK_EINVAL, "%s:%u:%u: %s: volumeMount %s names no volume of the pod",
				                     p->source, mt->pos.line, mt->pos.col, p->what, mt->name);
		}
	}
	for (size_t v = 0; v < pod->n_vols; v++)
		if (!pod->vols[v].name || (!pod->vols[v].path && !pod->vols[v].claim))
			return ck__error_set(CK_EINVAL, "%s:%u:%u: %s: a volume needs a name and a hostPath or "
			                                "persistentVolumeClaim", p->source, pod->vols[v].pos.line,
			                     pod->vols[v].pos.col, p->what);
	if (!pod->n_ctrs)
		return perr(p, doc, CK_EINVAL, "no containers in spec.containers");
	return CK_OK;
}

typedef struct kdoc {
	kmodel *m;
	const char *kind;
	const yaml_node_t *meta, *spec, *data;
} kdoc;

static int doc_field(const kp *p, const char *key, const yaml_node_t *k, const yaml_node_t *v, const char *path,
                     void *obj)
{
	kdoc *d = obj;
	if (!strcmp(key, "apiVersion") || !strcmp(key, "kind") || !strcmp(key, "status"))
		return CK_OK;
	if (!strcmp(key, "metadata"))
		d->meta = v;
	else if (!strcmp(key, "spec") && strcmp(d->kind, "ConfigMap"))
		d->spec = v;
	else if (!strcmp(key, "data") && !strcmp(d->kind, "ConfigMap"))
		d->data = v;
	else
		return unsupported(p, k, path, key);
	return CK_OK;
}

static int template_field(const kp *p, const char *key, const yaml_node_t *k, const yaml_node_t *v,
                          const char *path, void *obj)
{
	kpod *pod = obj;
	if (!strcmp(key, "metadata")) {
		kmeta meta = { NULL, &pod->labels, &pod->annotations };
		return each_field(p, v, "spec.template.metadata", meta_field, &meta);
	}
	if (!strcmp(key, "spec"))
		return each_field(p, v, "spec.template.spec", podspec_field, pod);
	return unsupported(p, k, path, key);
}

static int deploy_field(const kp *p, const char *key, const yaml_node_t *k, const yaml_node_t *v,
                        const char *path, void *obj)
{
	int n;
	if (!strcmp(key, "replicas")) {
		int rc = get_int(p, v, "spec.replicas", 0, 1000000, &n);
		if (rc == CK_OK && n > 1)
			rc = perr(p, v, CK_EUNSUPPORTED, "spec.replicas: %d replicas; one host runs one (replicas: 1)", n);
		return rc;
	}
	if (!strcmp(key, "selector") || !strcmp(key, "strategy"))
		return CK_OK; /* they steer a cluster's controller */
	if (!strcmp(key, "template"))
		return each_field(p, v, "spec.template", template_field, obj);
	return unsupported(p, k, path, key);
}

static int pvc_spec_field(const kp *p, const char *key, const yaml_node_t *k, const yaml_node_t *v,
                          const char *path, void *obj)
{
	/* a local volume has no size, access mode or class */
	static const char *const ignored[] = { "accessModes", "resources", "storageClassName", "volumeMode", NULL };
	return in_list(key, ignored) ? CK_OK : unsupported(p, k, path, key);
}

static int read_doc(kmodel *m, kp *p, const yaml_node_t *root, bool only_cm)
{
	kdoc d = { m, NULL, NULL, NULL, NULL };
	const yaml_node_t *kind_node = NULL;
	char *name = NULL;
	int rc;

	if (need(p, root, YAML_MAPPING_NODE, "a document") != CK_OK)
		return CK_EINVAL;
	for (yaml_node_pair_t *pr = root->data.mapping.pairs.start; pr < root->data.mapping.pairs.top; pr++)
		if (scalar(node(p, pr->key)) && !strcmp(scalar(node(p, pr->key)), "kind"))
			kind_node = node(p, pr->value);
	if (!kind_node || !scalar(kind_node))
		return perr(p, root, CK_EINVAL, "the document has no kind");
	d.kind = scalar(kind_node);
	if (only_cm && strcmp(d.kind, "ConfigMap"))
		return perr(p, kind_node, CK_EINVAL, "kind %s: a --configmap file holds ConfigMaps only", d.kind);
	if (strcmp(d.kind, "Pod") && strcmp(d.kind, "Deployment") && strcmp(d.kind, "PersistentVolumeClaim") &&
	    strcmp(d.kind, "ConfigMap") && strcmp(d.kind, "Service"))
		return perr(p, kind_node, CK_EUNSUPPORTED, "kind %s is not supported (Pod, Deployment, "
		                                          "PersistentVolumeClaim, ConfigMap, Service)", d.kind);
	if (!strcmp(d.kind, "Service"))
		return CK_OK; /* routing inside a cluster; ports are published by the pods */
	if ((rc = each_field(p, root, "", doc_field, &d)) != CK_OK)
		return rc;
	if (!d.meta)
		return perr(p, root, CK_EINVAL, "%s without metadata.name", d.kind);
	for (yaml_node_pair_t *pr = d.meta->data.mapping.pairs.start;
	     d.meta->type == YAML_MAPPING_NODE && pr < d.meta->data.mapping.pairs.top; pr++)
		if (scalar(node(p, pr->key)) && !strcmp(scalar(node(p, pr->key)), "name") &&
		    (rc = get_str(p, node(p, pr->value), "metadata.name", &name)) != CK_OK)
			return rc;
	if (!name || !*name) {
		free(name);
		return perr(p, d.meta, CK_EINVAL, "%s without metadata.name", d.kind);
	}
	free(p->what);
	p->what = ck__asprintf("%s %s", d.kind, name);
	if (!strcmp(d.kind, "ConfigMap")) {
		kconfigmap *cm = ck__kube_grow((void **)&m->cms, &m->n_cms, sizeof(*cm));
		kmeta meta = { NULL, NULL, NULL };
		if (!cm)
			return free(name), ck__oom();
		cm->name = name;
		if ((rc = each_field(p, d.meta, "metadata", meta_field, &meta)) == CK_OK && d.data)
			rc = get_map(p, d.data, "data", &cm->data);
		return rc;
	}
	if (!strcmp(d.kind, "PersistentVolumeClaim")) {
		kclaim *cl = ck__kube_grow((void **)&m->claims, &m->n_claims, sizeof(*cl));
		if (!cl)
			return free(name), ck__oom();
		cl->name = name;
		kmeta meta = { NULL, &cl->labels, NULL };
		rc = each_field(p, d.meta, "metadata", meta_field, &meta);
		if (rc == CK_OK && d.spec)
			rc = each_field(p, d.spec, "spec", pvc_spec_field, NULL);
		return rc;
	}
	kpod *pod = ck__kube_grow((void **)&m->pods, &m->n_pods, sizeof(*pod));
	if (!pod)
		return free(name), ck__oom();
	pod->pos = (kpos){ (unsigned)root->start_mark.line + 1, (unsigned)root->start_mark.column + 1 };
	pod->kind = strdup(d.kind);
	/* podman names a Deployment's pod after it, with "-pod" */
	pod->name = !strcmp(d.kind, "Deployment") ? ck__asprintf("%s-pod", name) : strdup(name);
	free(name);
	if (!pod->name || !pod->kind)
		return ck__oom();
	kmeta meta = { NULL, &pod->labels, &pod->annotations };
	if ((rc = each_field(p, d.meta, "metadata", meta_field, &meta)) != CK_OK)
		return rc;
	if (!d.spec)
		return perr(p, root, CK_EINVAL, "no spec");
	rc = !strcmp(d.kind, "Pod") ? each_field(p, d.spec, "spec", podspec_field, pod)
	                            : each_field(p, d.spec, "spec", deploy_field, pod);
	return rc == CK_OK ? check_pod(p, pod, root) : rc;
}

int ck__kube_parse(kmodel *m, const char *yaml, size_t len, const char *source, bool only_configmaps)
{
	yaml_parser_t parser;
	kp p = { NULL, source, NULL };
	int rc = CK_OK;
	bool any = false;

	if (!yaml_parser_initialize(&parser))
		return ck__oom();
	yaml_parser_set_input_string(&parser, (const unsigned char *)yaml, len);
	while (rc == CK_OK) {
		yaml_document_t doc;
		if (!yaml_parser_load(&parser, &doc)) {
			const yaml_mark_t *mk = parser.problem ? &parser.problem_mark : &parser.context_mark;
			rc = ck__error_set(CK_EINVAL, "%s:%zu:%zu: malformed YAML: %s%s%s", source, mk->line + 1,
			                   mk->column + 1, parser.problem ? parser.problem : "unreadable input",
			                   parser.context ? " " : "", parser.context ? parser.context : "");
			break;
		}
		yaml_node_t *root = yaml_document_get_root_node(&doc);
		if (!root) { /* the end of the stream */
			yaml_document_delete(&doc);
			break;
		}
		p.doc = &doc;
		free(p.what);
		p.what = NULL;
		if (!is_null(root)) {
			rc = read_doc(m, &p, root, only_configmaps);
			any = true;
		}
		yaml_document_delete(&doc);
	}
	free(p.what);
	yaml_parser_delete(&parser);
	if (rc == CK_OK && !any)
		rc = ck__error_set(CK_EINVAL, "%s: no Kubernetes documents in it", source);
	return rc;
}

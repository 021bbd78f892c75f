/* Private to the kube module: Kubernetes YAML read into a model of pods,
 * containers, claims and config maps (parse.c), which play.c turns into
 * ck pods and generate.c writes from them. */
#ifndef CK_KUBE_INT_H
#define CK_KUBE_INT_H

#include <containerkit/kube.h>
#include "core/core.h"

/* Where a value stood in its file (1-based), for errors. */
typedef struct kpos {
	unsigned int line, col;
} kpos;

typedef struct kenv {
	char *name, *value;   /* value: NULL when it comes from a config map */
	char *cm, *cm_key;    /* valueFrom.configMapKeyRef */
	bool optional;
	kpos pos;
} kenv;

typedef struct kenvfrom {
	char *cm;
	bool optional;
	kpos pos;
} kenvfrom;

typedef struct kport {
	int container_port, host_port; /* host_port 0: not published */
	char *host_ip, *protocol;      /* NULL: all addresses; "tcp" */
} kport;

typedef struct kmount {
	char *name, *path;
	bool read_only;
	kpos pos;
} kmount;

enum kvol_kind { KVOL_HOSTPATH, KVOL_PVC };
typedef struct kvolume {
	char *name;
	enum kvol_kind kind;
	char *path, *type; /* hostPath: its path and type ("" when none) */
	char *claim;       /* persistentVolumeClaim.claimName */
	kpos pos;
} kvolume;

typedef struct kcontainer {
	char *name, *image, *workdir;
	int run_as_user, run_as_group; /* -1: the image's */
	char **command, **args;
	kenv *env;
	size_t n_env;
	kenvfrom *env_from;
	size_t n_env_from;
	kport *ports;
	size_t n_ports;
	kmount *mounts;
	size_t n_mounts;
	char **cap_add, **cap_drop;
	int privileged, read_only, no_new_privs, tty, stdin_open; /* -1: not set */
	int pull; /* imagePullPolicy as a ck_image_pull_policy; -1: not set */
	kpos pos;
} kcontainer;

typedef struct kpod {
	char *name, *kind; /* kind: "Pod" or "Deployment", for messages */
	ck__strmap labels, annotations;
	char *restart, *hostname;
	bool host_network;
	bool has_grace; /* terminationGracePeriodSeconds given: */
	int grace;      /* the containers' stop timeout, in seconds */
	kcontainer *ctrs;
	size_t n_ctrs;
	kvolume *vols;
	size_t n_vols;
	kpos pos;
} kpod;

typedef struct kconfigmap {
	char *name;
	ck__strmap data;
} kconfigmap;

typedef struct kclaim {
	char *name;
	ck__strmap labels;
} kclaim;

typedef struct kmodel {
	kpod *pods;
	size_t n_pods;
	kconfigmap *cms;
	size_t n_cms;
	kclaim *claims;
	size_t n_claims;
} kmodel;

/* Reads every document of `yaml` into `m` (which may hold earlier ones).
 * `source` names the input in errors.  With `only_configmaps`, any other
 * kind is refused (a --configmap file). */
int ck__kube_parse(kmodel *m, const char *yaml, size_t len, const char *source, bool only_configmaps);
void ck__kube_model_free(kmodel *m);
/* The config map called `name`, or NULL. */
const kconfigmap *ck__kube_configmap(const kmodel *m, const char *name);

/* Reports: `what` 0 adds a pod (id, name), 1 a container (id, name), 2 a
 * volume (name only). */
int ck__kube_report_new(ck_kube_report **out);
int ck__kube_report_add(ck_kube_report *r, int what, const char *id, const char *name);

/* Grows an array of `size`-byte items by one zeroed item; NULL on OOM. */
void *ck__kube_grow(void **arr, size_t *n, size_t size);

#endif

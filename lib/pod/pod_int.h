/* Private to the pod module: the spec and handle layouts and the pod's
 * config record.
 *
 * Config JSON (bucket "pods"), written at create and never changed:
 *   {"id","name","created" (ns),"labels":{},"hostname","shares":[],
 *    "infra" (bool),"infra_image","infra_command":[],"add_hosts":[],
 *    "dns":[],"exit_policy","network","create_command":[],
 *    "ports":[{"host_ip","host_port","container_port","range","protocol"}]}
 * State JSON (bucket "pods.state"): {} (a pod's state is its containers').
 * Members: bucket "pods.members" (lib/state/state.h). */
#ifndef CK_POD_INT_H
#define CK_POD_INT_H

#include <containerkit/pod.h>
#include "container/container.h"

#define CK__POD_INFRA_IMAGE "localhost/ck-pause:" CK_VERSION_STRING

struct ck_pod_spec {
	char *name, *hostname, *infra_image, *exit_policy, *network;
	ck__strmap labels;
	char **shares, **infra_command, **add_hosts, **dns, **dns_search, **dns_options;
	ck__port *ports;
	size_t n_ports;
	bool no_infra, replace;
	char **create_command;   /* recorded with the pod */
	char *infra_pid_file;    /* handed to the infra's spec */
};

typedef struct ck__pod_config {
	char *id, *name, *hostname, *infra_image, *exit_policy, *network;
	int64_t created;
	ck__strmap labels;
	char **shares, **infra_command, **add_hosts, **dns, **dns_search, **dns_options;
	char **create_command; /* the argv of `ck pod create ...`; empty: none */
	ck__port *ports;
	size_t n_ports;
	bool infra;
} ck__pod_config;

/* Arrays of strings (record.c): a copy (NULL gives NULL); one from JSON
 * (never NULL on success). */
int ck__pod_strv_dup(char ***out, const char *const *v);
int ck__pod_strv_from_json(char ***out, yajl_val arr);

int ck__pod_config_json(char **out, const ck__pod_config *c);
int ck__pod_config_parse(ck__pod_config *c, const char *json);
void ck__pod_config_free(ck__pod_config *c);

struct ck_pod {
	ck_context *ctx;
	ck__pod_config cfg;
	char *infra_id;  /* NULL: none */
	char **members;  /* NULL-terminated, never NULL once loaded */
	ck_pod_state state;
};

/* Reads the pod `id` (config, members, state) into a new handle. */
int ck__pod_load(ck_pod **out, ck_context *ctx, const char *ref);
/* Removes pod `id` and every container in it (pod.c); `force`: running
 * ones too. */
int ck__pod_remove_id(ck_context *ctx, const char *id, bool force);

#endif

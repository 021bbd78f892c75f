/* Containers in pods: the spec's pod, what a member takes from its pod at
 * create (the namespaces it shares, the hostname, the infra container), and
 * the membership written in the commit that inserts the container.  The
 * pods themselves are lib/pod's; this side reads the few members of a
 * pod's record that lib/state/state.h names. */
#define _GNU_SOURCE
#include "container_int.h"

#include <stdlib.h>
#include <string.h>

int ck_container_spec_set_pod(ck_container_spec *spec, const char *pod)
{
	char *copy;

	CK_ENTER();
	if (!spec)
		return ck__error_set(CK_EINVAL, "ck_container_spec_set_pod: spec is NULL");
	if (pod && !*pod)
		return ck__error_set(CK_EINVAL, "ck_container_spec_set_pod: the pod is empty");
	if (pod && !(copy = strdup(pod)))
		return ck__oom();
	free(spec->pod);
	spec->pod = pod ? copy : NULL;
	return CK_OK;
}

int ck__ctr_spec_set_infra(ck_container_spec *spec, const char *pod_id, const char *pod_name,
                                 const char *pod_config, const char *const *shares)
{
	free(spec->infra_pod_id);
	free(spec->infra_pod_name);
	free(spec->infra_pod_config);
	ck_strv_free(spec->infra_pod_shares);
	spec->infra_pod_id = strdup(pod_id);
	spec->infra_pod_name = strdup(pod_name);
	spec->infra_pod_config = strdup(pod_config);
	if (!spec->infra_pod_id || !spec->infra_pod_name || !spec->infra_pod_config)
		return ck__oom();
	return ck__strv_dup(&spec->infra_pod_shares, shares);
}

void ck__pod_join_free(ck__pod_join *j)
{
	free(j->id);
	free(j->name);
	free(j->infra);
	free(j->hostname);
	ck_strv_free(j->shares);
	ck_strv_free(j->add_hosts);
	ck_strv_free(j->dns);
	ck_strv_free(j->dns_search);
	ck_strv_free(j->dns_options);
	memset(j, 0, sizeof(*j));
}

struct resolve_args {
	ck__pod_join *j;
	const char *ref;
};

static int resolve_fn(ck_state_txn *txn, void *payload)
{
	struct resolve_args *a = payload;
	char *config = NULL;
	yajl_val tree = NULL;
	int rc = ck__rec_resolve(&a->j->id, txn, CK__KIND_POD, a->ref);

	if (rc != CK_OK || (rc = ck__rec_get(&config, NULL, txn, CK__KIND_POD, a->j->id)) != CK_OK)
		return rc;
	if ((rc = ck__json_parse(&tree, config, "a pod's record", CK_ECORRUPT)) == CK_OK) {
		const char *name = ck__json_str(tree, "name"), *host = ck__json_str(tree, "hostname");
		yajl_val shares = ck__json_arr(tree, "shares");
		a->j->name = strdup(name ? name : a->j->id);
		a->j->hostname = strdup(host ? host : "");
		if (!a->j->name || !a->j->hostname)
			rc = ck__oom();
		if (rc == CK_OK && shares)
			rc = ck__strv_from_json(&a->j->shares, shares);
		/* What the pod's /etc files have, for a member sharing its net. */
		const struct { const char *key; char ***dst; } lists[] = { { "add_hosts", &a->j->add_hosts },
			{ "dns", &a->j->dns }, { "dns_search", &a->j->dns_search }, { "dns_options", &a->j->dns_options } };
		for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]) && rc == CK_OK; i++) {
			yajl_val v = ck__json_arr(tree, lists[i].key);
			if (v && YAJL_GET_ARRAY(v)->len)
				rc = ck__strv_from_json(lists[i].dst, v);
		}
		yajl_tree_free(tree);
	}
	free(config);
	if (rc == CK_OK)
		rc = ck__pod_members(NULL, &a->j->infra, txn, a->j->id);
	return rc;
}

int ck__ctr_pod_resolve(ck__pod_join *j, ck_context *ctx, const ck_container_spec *spec)
{
	memset(j, 0, sizeof(*j));
	if (spec->infra_pod_id) {
		j->id = strdup(spec->infra_pod_id);
		j->name = strdup(spec->infra_pod_name);
		j->hostname = strdup("");
		if (!j->id || !j->name || !j->hostname)
			return ck__oom();
		return ck__strv_dup(&j->shares, (const char *const *)spec->infra_pod_shares);
	}
	if (!spec->pod)
		return CK_OK;
	struct resolve_args a = { j, spec->pod };
	int rc = ck__state_read(ctx, resolve_fn, &a);
	if (rc != CK_OK) {
		ck__pod_join_free(j);
		return rc;
	}
	/* What the pod decides cannot be set on one of its members. */
	if (spec->n_ports)
		return ck__error_set(CK_EINVAL, "a container in pod %s cannot publish ports of its own: the pod "
		                                "publishes them (give -p to 'ck pod create')", j->name);
	if (spec->network && ck__ctr_pod_shares_ns(j->shares, "net"))
		return ck__error_set(CK_EINVAL, "a container in pod %s cannot set its network (%s): it shares the "
		                                "pod's (give --network to 'ck pod create')", j->name, spec->network);
	if (ck__ctr_pod_shares_ns(j->shares, "net") && ck__ctr_dns_for_member(spec, j->name) != CK_OK)
		return ck_error_last()->code;
	if (spec->hostname && ck__ctr_pod_shares_ns(j->shares, "uts"))
		return ck__error_set(CK_EINVAL, "a container in pod %s cannot set its hostname: it shares the pod's "
		                                "UTS namespace (give --hostname to 'ck pod create')", j->name);
	return CK_OK;
}

bool ck__ctr_pod_shares_ns(char *const *shares, const char *ns)
{
	for (size_t i = 0; shares && shares[i]; i++)
		if (!strcmp(shares[i], ns))
			return true;
	return false;
}

int ck__ctr_pod_apply(ck__ctr_config *c, const ck__pod_join *j, bool infra)
{
	int rc;

	if (!j->id)
		return CK_OK;
	free(c->pod);
	if (!(c->pod = strdup(j->id)))
		return ck__oom();
	c->pod_infra_self = infra;
	if (!infra && j->infra && !(c->pod_infra = strdup(j->infra)))
		return ck__oom();
	if ((rc = ck__strv_dup(&c->pod_shares, (const char *const *)j->shares)) != CK_OK)
		return rc;
	if (!c->pod_shares && !(c->pod_shares = calloc(1, sizeof(char *))))
		return ck__oom();
	/* A member sharing the pod's network writes the pod's entries into
	 * its /etc files (its own were refused at resolve). */
	if (!infra && ck__ctr_pod_shares_ns(j->shares, "net")) {
		const struct { char ***dst; char **src; } lists[] = { { &c->extra.add_hosts, j->add_hosts },
			{ &c->extra.dns, j->dns }, { &c->extra.dns_search, j->dns_search },
			{ &c->extra.dns_options, j->dns_options } };
		for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
			ck_strv_free(*lists[i].dst);
			*lists[i].dst = NULL;
			if ((rc = ck__strv_dup(lists[i].dst, (const char *const *)lists[i].src)) != CK_OK)
				return rc;
		}
	}
	return CK_OK;
}

int ck__ctr_pod_insert_txn(ck_state_txn *txn, const ck__ctr_config *c, const ck_container_spec *spec)
{
	char *config = NULL;
	int rc;

	if (!c->pod || !*c->pod)
		return CK_OK;
	if (spec->infra_pod_id) {
		/* The pod and its infra container are made by one commit. */
		rc = ck__rec_insert(txn, CK__KIND_POD, spec->infra_pod_id, spec->infra_pod_name, spec->infra_pod_config,
		                    "{}");
		if (rc == CK_EEXISTS)
			return ck__error_set(CK_EEXISTS, "the pod name \"%s\" is already in use; remove that pod or "
			                                 "container first, or use --replace", spec->infra_pod_name);
		return rc == CK_OK ? ck__pod_member_put(txn, c->pod, c->id, true) : rc;
	}
	rc = ck__rec_get(&config, NULL, txn, CK__KIND_POD, c->pod);
	free(config);
	if (rc == CK_ENOTFOUND)
		return ck__error_set(CK_ENOTFOUND, "pod %s was removed while container %s was being created",
		                     spec->pod, c->name);
	return rc == CK_OK ? ck__pod_member_put(txn, c->pod, c->id, false) : rc;
}

/* The namespaces of a member, as the runtime module takes them: a path of
 * the infra's for each namespace the pod shares. */
void ck__ctr_pod_namespaces(ck__oci_build *b, const ck__ctr_config *c)
{
	static const char *const ns[] = { "net", "ipc", "uts", "pid", "cgroup" };
	const char **slots[] = { &b->p.network, &b->p.ipc, &b->p.uts, &b->p.pid, &b->p.cgroupns };

	if (!c->pod || !*c->pod || c->pod_infra_self || !c->pod_infra || !*c->pod_infra)
		return;
	for (size_t i = 0; i < sizeof(ns) / sizeof(ns[0]); i++) {
		if (!ck__ctr_pod_shares_ns(c->pod_shares, ns[i]))
			continue;
		/* At create the infra may not run: the path is only checked for
		 * its form then. */
		snprintf(b->ns_paths[i], sizeof(b->ns_paths[i]), "ns:/proc/%d/ns/%s",
		         c->pod_infra_pid > 0 ? c->pod_infra_pid : 1, ns[i]);
		*slots[i] = b->ns_paths[i];
	}
}

void ck__ctr_pod_userns(ck__oci_build *b, const ck__ctr_config *c)
{
	if (!c->pod || !*c->pod || c->pod_infra_self || !c->pod_infra || !*c->pod_infra || !c->pod_shares ||
	    !c->pod_shares[0])
		return;
	snprintf(b->userns_path, sizeof(b->userns_path), "/proc/%d/ns/user",
	         c->pod_infra_pid > 0 ? c->pod_infra_pid : 1);
	b->p.userns = b->userns_path;
}

/* The record is edited as a tree, member by member in place, so that a
 * record this version cannot fully read is still repaired. */
int ck__ctr_pod_detach(ck_state_txn *txn, const char *id)
{
	char *config = NULL, *out = NULL;
	yajl_val t = NULL;
	yajl_gen g = NULL;
	int rc = ck__rec_get(&config, NULL, txn, CK__KIND_CONTAINER, id);

	if (rc != CK_OK)
		return rc;
	if ((rc = ck__json_parse(&t, config, "a container's record", CK_ECORRUPT)) != CK_OK)
		goto out;
	if (!YAJL_IS_OBJECT(t)) {
		rc = ck__error_set(CK_ECORRUPT, "container %s: the record is not a JSON object", id);
		goto out;
	}
	const char *pod = ck__json_str(t, "pod");
	if (pod && *pod && (rc = ck__pod_member_del(txn, pod, id)) != CK_OK)
		goto out;
	if (!(g = ck__json_gen_new(false))) {
		rc = ck__oom();
		goto out;
	}
	yajl_gen_map_open(g);
	for (size_t i = 0; i < t->u.object.len; i++) {
		const char *k = t->u.object.keys[i];
		if (!strcmp(k, "pod_infra") || !strcmp(k, "pod_infra_self") || !strcmp(k, "pod_shares"))
			continue;
		ck__json_key(g, k);
		if (!strcmp(k, "pod"))
			ck__json_str_val(g, "");
		else
			ck__json_emit(g, t->u.object.values[i]);
	}
	yajl_gen_map_close(g);
	rc = ck__json_gen_finish(&out, g);
	g = NULL;
	if (rc == CK_OK)
		rc = ck__txn_put_str(txn, ck__kind_bucket(CK__KIND_CONTAINER), id, out);
out:
	if (g)
		yajl_gen_free(g);
	if (t)
		yajl_tree_free(t);
	free(config);
	free(out);
	return rc;
}

/* ---- the exit policy ---- */

struct policy_args {
	const ck__ctr_config *c;
	bool stop;
	char **members;
};

static int policy_fn(ck_state_txn *txn, void *payload)
{
	struct policy_args *a = payload;
	char *config = NULL;
	yajl_val tree = NULL;
	int rc;

	ck_strv_free(a->members);
	a->members = NULL;
	a->stop = false;
	if ((rc = ck__rec_get(&config, NULL, txn, CK__KIND_POD, a->c->pod)) != CK_OK)
		return rc;
	if ((rc = ck__json_parse(&tree, config, "a pod's record", CK_ECORRUPT)) == CK_OK) {
		const char *policy = ck__json_str(tree, "exit_policy");
		a->stop = policy && !strcmp(policy, "stop");
		yajl_tree_free(tree);
	}
	free(config);
	return rc == CK_OK && a->stop ? ck__pod_members(&a->members, NULL, txn, a->c->pod) : rc;
}

void ck__ctr_pod_exited(ck_context *ctx, const ck__ctr_config *c)
{
	struct policy_args a = { c, false, NULL };

	if (!c->pod || !*c->pod || c->pod_infra_self || !c->pod_infra || !*c->pod_infra)
		return;
	if (ck__state_read(ctx, policy_fn, &a) != CK_OK || !a.stop) {
		ck__error_clear();
		ck_strv_free(a.members);
		return;
	}
	/* Each member records its exit before it looks at the others: of two
	 * that exit together, the later one sees both exited. */
	for (size_t i = 0; a.members && a.members[i]; i++) {
		ck__ctr_state st;
		if (!strcmp(a.members[i], c->id) || ck__ctr_read(NULL, &st, ctx, a.members[i]) != CK_OK)
			continue;
		bool live = (ck__ctr_status_live(st.status) && ck__ctr_monitor_alive(&st)) ||
		            !strcmp(st.status, "starting");
		ck__ctr_state_free(&st);
		if (live) {
			ck_strv_free(a.members);
			ck__error_clear();
			return;
		}
	}
	ck_strv_free(a.members);
	ck__log(ctx, CK_LOG_DEBUG, "pod %.12s: its last container exited, and its exit policy is stop", c->pod);
	if (ck__ctr_stop_id(ctx, c->pod_infra, -1, false) != CK_OK)
		ck__log(ctx, CK_LOG_WARN, "pod %.12s: cannot stop its infra container: %s", c->pod,
		        ck_error_last()->message);
	ck__error_clear();
}

/* The pod spec builder: typed setters that check what they can at once
 * (CK_EINVAL naming the bad value). */
#define _GNU_SOURCE
#include "pod_int.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#define NEED_SPEC(fn)                                                                    \
	do {                                                                             \
		CK_ENTER();                                                              \
		if (!spec)                                                               \
			return ck__error_set(CK_EINVAL, "ck_pod_spec_" fn ": spec is NULL"); \
	} while (0)

static const char *const known_ns[] = { "net", "ipc", "uts", "pid", "cgroup", NULL };

int ck_pod_spec_new(ck_pod_spec **out)
{
	ck_pod_spec *s;

	CK_ENTER();
	if (!out)
		return ck__error_set(CK_EINVAL, "ck_pod_spec_new: out is NULL");
	if (!(*out = s = calloc(1, sizeof(*s))))
		return ck__oom();
	if (ck__strv_push(&s->shares, "ipc") || ck__strv_push(&s->shares, "net") || ck__strv_push(&s->shares, "uts")) {
		ck_pod_spec_free(s);
		*out = NULL;
		return ck__oom();
	}
	return CK_OK;
}

void ck_pod_spec_free(ck_pod_spec *spec)
{
	if (!spec)
		return;
	free(spec->name);
	free(spec->hostname);
	free(spec->infra_image);
	free(spec->exit_policy);
	free(spec->network);
	ck__strmap_free(&spec->labels);
	ck_strv_free(spec->shares);
	ck_strv_free(spec->create_command);
	free(spec->infra_pid_file);
	ck_strv_free(spec->infra_command);
	ck_strv_free(spec->add_hosts);
	ck_strv_free(spec->dns);
	ck_strv_free(spec->dns_search);
	ck_strv_free(spec->dns_options);
	for (size_t i = 0; i < spec->n_ports; i++)
		free(spec->ports[i].host_ip);
	free(spec->ports);
	free(spec);
}

static int set_str(char **slot, const char *value, const char *fn)
{
	char *copy;

	if (!value || !*value)
		return ck__error_set(CK_EINVAL, "ck_pod_spec_%s: the value is %s", fn, value ? "empty" : "NULL");
	if (!(copy = strdup(value)))
		return ck__oom();
	free(*slot);
	*slot = copy;
	return CK_OK;
}

int ck_pod_spec_set_name(ck_pod_spec *spec, const char *name)
{
	int rc;

	NEED_SPEC("set_name");
	if ((rc = ck__validate_name(name, "pod")) != CK_OK)
		return rc;
	return set_str(&spec->name, name, "set_name");
}

int ck_pod_spec_set_label(ck_pod_spec *spec, const char *key, const char *value)
{
	NEED_SPEC("set_label");
	if (!key || !*key)
		return ck__error_set(CK_EINVAL, "invalid pod label: the key is empty");
	return ck__strmap_set(&spec->labels, key, value ? value : "");
}

int ck_pod_spec_add_label_string(ck_pod_spec *spec, const char *kv)
{
	const char *eq;
	char *key;
	int rc;

	NEED_SPEC("add_label_string");
	if (!kv || !*kv || *kv == '=')
		return ck__error_set(CK_EINVAL, "invalid pod label \"%s\": use KEY=VALUE", kv ? kv : "");
	eq = strchr(kv, '=');
	if (!(key = eq ? strndup(kv, (size_t)(eq - kv)) : strdup(kv)))
		return ck__oom();
	rc = ck__strmap_set(&spec->labels, key, eq ? eq + 1 : "");
	free(key);
	return rc;
}

int ck_pod_spec_set_hostname(ck_pod_spec *spec, const char *hostname)
{
	NEED_SPEC("set_hostname");
	if (hostname && (strlen(hostname) > 64 || strchr(hostname, '/') || strchr(hostname, ' ')))
		return ck__error_set(CK_EINVAL, "invalid hostname \"%s\"", hostname);
	return set_str(&spec->hostname, hostname, "set_hostname");
}

int ck_pod_spec_set_share(ck_pod_spec *spec, const char *list)
{
	char **v = NULL, *copy, *save = NULL;
	int rc = CK_OK;

	NEED_SPEC("set_share");
	if (!list)
		return ck__error_set(CK_EINVAL, "ck_pod_spec_set_share: the list is NULL");
	if (!(copy = strdup(list)) || !(v = calloc(1, sizeof(*v)))) {
		free(copy);
		return ck__oom();
	}
	for (char *t = strtok_r(copy, ",", &save); t && rc == CK_OK; t = strtok_r(NULL, ",", &save)) {
		bool known = false, dup = false;
		for (size_t i = 0; known_ns[i]; i++)
			known |= !strcmp(t, known_ns[i]);
		for (size_t i = 0; v[i]; i++)
			dup |= !strcmp(t, v[i]);
		if (!known)
			rc = ck__error_set(CK_EINVAL, "invalid --share \"%s\": unknown namespace \"%s\" (known: net, "
			                              "ipc, uts, pid, cgroup)", list, t);
		else if (!dup)
			rc = ck__strv_push(&v, t);
	}
	free(copy);
	if (rc != CK_OK) {
		ck_strv_free(v);
		return rc;
	}
	ck_strv_free(spec->shares);
	spec->shares = v;
	return CK_OK;
}

int ck_pod_spec_set_infra(ck_pod_spec *spec, int on)
{
	NEED_SPEC("set_infra");
	spec->no_infra = !on;
	return CK_OK;
}

int ck_pod_spec_set_infra_image(ck_pod_spec *spec, const char *image)
{
	NEED_SPEC("set_infra_image");
	return set_str(&spec->infra_image, image, "set_infra_image");
}

int ck_pod_spec_set_infra_command(ck_pod_spec *spec, const char *const *argv)
{
	char **v = NULL;
	int rc;

	NEED_SPEC("set_infra_command");
	if (argv && (!argv[0] || !*argv[0]))
		return ck__error_set(CK_EINVAL, "ck_pod_spec_set_infra_command: the command is empty");
	if ((rc = ck__pod_strv_dup(&v, argv)) != CK_OK)
		return rc;
	ck_strv_free(spec->infra_command);
	spec->infra_command = v;
	return CK_OK;
}

int ck_pod_spec_add_host(ck_pod_spec *spec, const char *host_ip)
{
	const char *colon;
	unsigned char addr[16];

	NEED_SPEC("add_host");
	colon = host_ip ? strchr(host_ip, ':') : NULL;
	if (!colon || colon == host_ip ||
	    (inet_pton(AF_INET, colon + 1, addr) != 1 && inet_pton(AF_INET6, colon + 1, addr) != 1))
		return ck__error_set(CK_EINVAL, "invalid --add-host \"%s\": use HOST:IP", host_ip ? host_ip : "");
	return ck__strv_push(&spec->add_hosts, host_ip);
}

int ck_pod_spec_add_dns(ck_pod_spec *spec, const char *server)
{
	unsigned char addr[16];

	NEED_SPEC("add_dns");
	if (!server || (inet_pton(AF_INET, server, addr) != 1 && inet_pton(AF_INET6, server, addr) != 1))
		return ck__error_set(CK_EINVAL, "invalid --dns \"%s\": expected an IP address", server ? server : "");
	return ck__strv_push(&spec->dns, server);
}

int ck_pod_spec_add_dns_search(ck_pod_spec *spec, const char *domain)
{
	NEED_SPEC("add_dns_search");
	if (!domain || !*domain || strpbrk(domain, " \t\r\n"))
		return ck__error_set(CK_EINVAL, "invalid --dns-search \"%s\": expected a domain without spaces",
		                     domain ? domain : "");
	return ck__strv_push(&spec->dns_search, domain);
}

int ck_pod_spec_add_dns_option(ck_pod_spec *spec, const char *option)
{
	NEED_SPEC("add_dns_option");
	if (!option || !*option || strpbrk(option, " \t\r\n"))
		return ck__error_set(CK_EINVAL, "invalid --dns-option \"%s\": expected one resolver option without "
		                                "spaces", option ? option : "");
	return ck__strv_push(&spec->dns_options, option);
}

int ck_pod_spec_set_exit_policy(ck_pod_spec *spec, const char *policy)
{
	NEED_SPEC("set_exit_policy");
	if (!policy || (strcmp(policy, "continue") && strcmp(policy, "stop")))
		return ck__error_set(CK_EINVAL, "invalid --exit-policy \"%s\": use continue or stop",
		                     policy ? policy : "");
	return set_str(&spec->exit_policy, policy, "set_exit_policy");
}

int ck_pod_spec_add_port_string(ck_pod_spec *spec, const char *text)
{
	NEED_SPEC("add_port_string");
	if (!text)
		return ck__error_set(CK_EINVAL, "ck_pod_spec_add_port_string: text is NULL");
	return ck__port_append(&spec->ports, &spec->n_ports, text);
}

int ck_pod_spec_set_network(ck_pod_spec *spec, const char *mode)
{
	NEED_SPEC("set_network");
	return set_str(&spec->network, mode, "set_network");
}

int ck_pod_spec_set_replace(ck_pod_spec *spec, int on)
{
	NEED_SPEC("set_replace");
	spec->replace = on != 0;
	return CK_OK;
}

int ck_pod_spec_set_create_command(ck_pod_spec *spec, const char *const *argv)
{
	char **v = NULL;
	int rc;

	NEED_SPEC("set_create_command");
	if ((rc = ck__pod_strv_dup(&v, argv)) != CK_OK)
		return rc;
	ck_strv_free(spec->create_command);
	spec->create_command = v;
	return CK_OK;
}

int ck_pod_spec_set_infra_monitor_pid_file(ck_pod_spec *spec, const char *path)
{
	NEED_SPEC("set_infra_monitor_pid_file");
	if (path && *path && path[0] != '/')
		return ck__error_set(CK_EINVAL, "the infra monitor's pid file \"%s\" must be an absolute path", path);
	if (!path || !*path) {
		free(spec->infra_pid_file);
		spec->infra_pid_file = NULL;
		return CK_OK;
	}
	return set_str(&spec->infra_pid_file, path, "set_infra_monitor_pid_file");
}

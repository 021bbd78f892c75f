/* The container spec builder: typed setters that validate what they can
 * before anything is created. */
#define _GNU_SOURCE
#include "container_int.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>


int ck_container_spec_new(ck_container_spec **out)
{
	ck_container_spec *spec;

	CK_ENTER();
	if (!out)
		return ck__error_set(CK_EINVAL, "ck_container_spec_new: out is NULL");
	*out = NULL;
	if (!(spec = calloc(1, sizeof(*spec))))
		return ck__oom();
	spec->stop_signal = 0;
	spec->stop_timeout = CK__CTR_DEFAULT_STOP_TIMEOUT;
	*out = spec;
	return CK_OK;
}

void ck_container_spec_free(ck_container_spec *spec)
{
	if (!spec)
		return;
	ck__ctr_extra_free(&spec->extra);
	free(spec->image);
	free(spec->name);
	ck_strv_free(spec->command);
	ck_strv_free(spec->entrypoint);
	ck__strmap_free(&spec->labels);
	ck__strmap_free(&spec->env);
	ck_strv_free(spec->env_files);
	ck_strv_free(spec->unset_env);
	for (size_t i = 0; i < spec->n_mounts; i++)
		ck__mnt_free(&spec->mounts[i]);
	free(spec->mounts);
	free(spec->workdir);
	free(spec->user);
	free(spec->hostname);
	free(spec->init_path);
	free(spec->runtime);
	ck__spec_nets_clear(spec);
	ck_strv_free(spec->groups);
	ck_strv_free(spec->cap_add);
	ck_strv_free(spec->cap_drop);
	free(spec->ulimits);
	free(spec->restart_policy);
	for (size_t i = 0; i < spec->n_ports; i++)
		free(spec->ports[i].host_ip);
	free(spec->ports);
	free(spec->pod);
	free(spec->infra_pod_id);
	free(spec->infra_pod_name);
	free(spec->infra_pod_config);
	ck_strv_free(spec->infra_pod_shares);
	ck_strv_free(spec->create_command);
	free(spec->monitor_pid_file);
	ck_strv_free(spec->health_test);
	free(spec->sdnotify);
	free(spec);
}

static int set_str(char **slot, const char *value)
{
	char *copy = ck__strdup(value);
	if (value && !copy)
		return ck__oom();
	free(*slot);
	*slot = copy;
	return CK_OK;
}

int ck_container_spec_set_image(ck_container_spec *spec, const char *image)
{
	NEED_SPEC("set_image");
	if (!image || !*image)
		return ck__error_set(CK_EINVAL, "ck_container_spec_set_image: the image is %s",
		                     image ? "empty" : "NULL");
	return set_str(&spec->image, image);
}

int ck_container_spec_set_name(ck_container_spec *spec, const char *name)
{
	int rc;

	NEED_SPEC("set_name");
	NEED_ARG("set_name", name);
	if ((rc = ck__validate_name(name, "container")) != CK_OK)
		return rc;
	return set_str(&spec->name, name);
}

static int set_argv(char ***slot, bool *is_set, const char *const *argv, const char *what, bool empty_ok)
{
	char **copy = NULL;
	int rc;

	if (argv && !argv[0] && !empty_ok)
		return ck__error_set(CK_EINVAL, "the %s is empty (pass NULL for the image's)", what);
	if ((rc = ck__strv_dup(&copy, argv)) != CK_OK)
		return rc;
	ck_strv_free(*slot);
	*slot = copy;
	*is_set = argv != NULL;
	return CK_OK;
}

int ck_container_spec_set_command(ck_container_spec *spec, const char *const *argv)
{
	NEED_SPEC("set_command");
	return set_argv(&spec->command, &spec->command_set, argv, "command", false);
}

int ck_container_spec_set_entrypoint(ck_container_spec *spec, const char *const *argv)
{
	NEED_SPEC("set_entrypoint");
	return set_argv(&spec->entrypoint, &spec->entrypoint_set, argv, "entrypoint", true);
}

static int check_label_key(const char *key, size_t len)
{
	if (len == 0)
		return ck__error_set(CK_EINVAL, "invalid container label: the key is empty");
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)key[i] < 32 || key[i] == '=')
			return ck__error_set(CK_EINVAL, "invalid container label key \"%.*s\": it must not "
			                                "contain '=' or control characters", (int)len, key);
	return CK_OK;
}

int ck_container_spec_set_label(ck_container_spec *spec, const char *key, const char *value)
{
	int rc;

	NEED_SPEC("set_label");
	NEED_ARG("set_label", key);
	NEED_ARG("set_label", value);
	if ((rc = check_label_key(key, strlen(key))) != CK_OK)
		return rc;
	return ck__strmap_set(&spec->labels, key, value);
}

int ck_container_spec_add_label_string(ck_container_spec *spec, const char *key_value)
{
	const char *eq;
	char *key;
	int rc;

	NEED_SPEC("add_label_string");
	NEED_ARG("add_label_string", key_value);
	eq = strchr(key_value, '=');
	if (!eq)
		eq = key_value + strlen(key_value);
	if ((rc = check_label_key(key_value, (size_t)(eq - key_value))) != CK_OK)
		return rc;
	if (!(key = strndup(key_value, (size_t)(eq - key_value))))
		return ck__oom();
	rc = ck__strmap_set(&spec->labels, key, *eq ? eq + 1 : "");
	free(key);
	return rc;
}

int ck_container_spec_set_env(ck_container_spec *spec, const char *key, const char *value)
{
	NEED_SPEC("set_env");
	NEED_ARG("set_env", key);
	NEED_ARG("set_env", value);
	if (!*key || strpbrk(key, "= \t\n\r\v\f"))
		return ck__error_set(CK_EINVAL, "invalid environment variable name \"%s\": it must be "
		                                "non-empty, without '=' or whitespace", key);
	return ck__strmap_set(&spec->env, key, value);
}

int ck_container_spec_add_env_string(ck_container_spec *spec, const char *text)
{
	NEED_SPEC("add_env_string");
	NEED_ARG("add_env_string", text);
	return ck__env_apply(&spec->env, text, "invalid environment variable");
}

int ck_container_spec_add_env_file(ck_container_spec *spec, const char *path)
{
	NEED_SPEC("add_env_file");
	if (!path || !*path)
		return ck__error_set(CK_EINVAL, "ck_container_spec_add_env_file: the path is %s",
		                     path ? "empty" : "NULL");
	return ck__strv_push(&spec->env_files, path);
}

static int add_mount(ck_container_spec *spec, ck__mnt *m)
{
	ck__mnt *nm;

	for (size_t i = 0; i < spec->n_mounts; i++) {
		if (strcmp(spec->mounts[i].destination, m->destination) == 0) {
			int rc = ck__error_set(CK_EINVAL, "%s is the destination of two mounts (duplicate "
			                                  "mount destination)", m->destination);
			ck__mnt_free(m);
			return rc;
		}
	}
	if (!(nm = realloc(spec->mounts, (spec->n_mounts + 1) * sizeof(*nm)))) {
		ck__mnt_free(m);
		return ck__oom();
	}
	spec->mounts = nm;
	spec->mounts[spec->n_mounts++] = *m;
	return CK_OK;
}

int ck_container_spec_add_volume(ck_container_spec *spec, const char *source, const char *destination,
                                 const char *options)
{
	ck__mnt m;
	int rc;

	NEED_SPEC("add_volume");
	NEED_ARG("add_volume", destination);
	if ((rc = ck__mnt_parse_volume(&m, source, destination, options)) != CK_OK)
		return rc;
	return add_mount(spec, &m);
}

int ck_container_spec_add_volume_string(ck_container_spec *spec, const char *text)
{
	char *copy, *parts[4] = { NULL, NULL, NULL, NULL };
	size_t n = 0;
	int rc;

	NEED_SPEC("add_volume_string");
	NEED_ARG("add_volume_string", text);
	if (!(copy = strdup(text)))
		return ck__oom();
	for (char *p = copy, *c; n < 4; p = c + 1) {
		parts[n++] = p;
		if (!(c = strchr(p, ':')))
			break;
		*c = '\0';
	}
	if (n == 4 || !*parts[0] || (n > 1 && !*parts[1])) {
		rc = ck__error_set(CK_EINVAL, "invalid volume \"%s\": use SRC:DST[:OPTIONS] or DST", text);
	} else {
		ck__mnt m;
		if (n == 1)
			rc = ck__mnt_parse_volume(&m, NULL, parts[0], NULL);
		else
			rc = ck__mnt_parse_volume(&m, parts[0], parts[1], n == 3 ? parts[2] : NULL);
		if (rc == CK_OK)
			rc = add_mount(spec, &m);
	}
	free(copy);
	return rc;
}

int ck_container_spec_add_mount_string(ck_container_spec *spec, const char *text)
{
	ck__mnt m;
	int rc;

	NEED_SPEC("add_mount_string");
	NEED_ARG("add_mount_string", text);
	if ((rc = ck__mnt_parse_mount(&m, text)) != CK_OK)
		return rc;
	return add_mount(spec, &m);
}

int ck_container_spec_set_workdir(ck_container_spec *spec, const char *dir)
{
	NEED_SPEC("set_workdir");
	NEED_ARG("set_workdir", dir);
	if (dir[0] != '/')
		return ck__error_set(CK_EINVAL, "invalid working directory \"%s\": it must be an absolute path", dir);
	return set_str(&spec->workdir, dir);
}

int ck_container_spec_set_user(ck_container_spec *spec, const char *user)
{
	NEED_SPEC("set_user");
	NEED_ARG("set_user", user);
	if (!*user || user[0] == ':' || strchr(user, '\n') || (strchr(user, ':') && !strchr(user, ':')[1]))
		return ck__error_set(CK_EINVAL, "invalid user \"%s\": use UID[:GID] or NAME[:GROUP]", user);
	return set_str(&spec->user, user);
}

int ck_container_spec_add_group(ck_container_spec *spec, const char *group)
{
	NEED_SPEC("add_group");
	NEED_ARG("add_group", group);
	if (!*group || strpbrk(group, ":\n"))
		return ck__error_set(CK_EINVAL, "invalid group \"%s\": use a number or a group name", group);
	return ck__strv_push(&spec->groups, group);
}

int ck_container_spec_set_hostname(ck_container_spec *spec, const char *hostname)
{
	size_t n;

	NEED_SPEC("set_hostname");
	NEED_ARG("set_hostname", hostname);
	n = strlen(hostname);
	if (n == 0 || n > 64)
		return ck__error_set(CK_EINVAL, "invalid hostname \"%s\": 1 to 64 characters", hostname);
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)hostname[i]) && hostname[i] != '-' && hostname[i] != '.' &&
		    hostname[i] != '_')
			return ck__error_set(CK_EINVAL, "invalid hostname \"%s\": character %zu is not a letter, "
			                                "digit, '-', '_' or '.'", hostname, i + 1);
	return set_str(&spec->hostname, hostname);
}

static int set_bool(bool *slot, int on, const char *fn)
{
	if (on != 0 && on != 1)
		return ck__error_set(CK_EINVAL, "ck_container_spec_%s: %d is not 0 or 1", fn, on);
	*slot = on;
	return CK_OK;
}

int ck_container_spec_set_replace(ck_container_spec *spec, int on)
{
	NEED_SPEC("set_replace");
	return set_bool(&spec->replace, on, "set_replace");
}

int ck_container_spec_set_init(ck_container_spec *spec, int on)
{
	NEED_SPEC("set_init");
	return set_bool(&spec->init, on, "set_init");
}

int ck_container_spec_set_init_path(ck_container_spec *spec, const char *path)
{
	NEED_SPEC("set_init_path");
	NEED_ARG("set_init_path", path);
	if (path[0] != '/')
		return ck__error_set(CK_EINVAL, "invalid init path \"%s\": it must be absolute", path);
	return set_str(&spec->init_path, path);
}

int ck_container_spec_set_read_only(ck_container_spec *spec, int on)
{
	NEED_SPEC("set_read_only");
	return set_bool(&spec->read_only, on, "set_read_only");
}

int ck_container_spec_set_remove(ck_container_spec *spec, int on)
{
	NEED_SPEC("set_remove");
	return set_bool(&spec->remove, on, "set_remove");
}

int ck_container_spec_set_tty(ck_container_spec *spec, int on)
{
	NEED_SPEC("set_tty");
	return set_bool(&spec->tty, on, "set_tty");
}

int ck_container_spec_set_stdin(ck_container_spec *spec, int on)
{
	NEED_SPEC("set_stdin");
	return set_bool(&spec->stdin_open, on, "set_stdin");
}

static int check_cap(const char *cap)
{
	const char *c = strncasecmp(cap, "CAP_", 4) == 0 ? cap + 4 : cap;
	if (!*c)
		return ck__error_set(CK_EINVAL, "invalid capability \"%s\"", cap);
	for (const char *p = c; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '_')
			return ck__error_set(CK_EINVAL, "invalid capability \"%s\"", cap);
	return CK_OK;
}

int ck_container_spec_add_cap(ck_container_spec *spec, const char *cap)
{
	int rc;
	NEED_SPEC("add_cap");
	NEED_ARG("add_cap", cap);
	if ((rc = check_cap(cap)) != CK_OK)
		return rc;
	return ck__strv_push(&spec->cap_add, cap);
}

int ck_container_spec_drop_cap(ck_container_spec *spec, const char *cap)
{
	int rc;
	NEED_SPEC("drop_cap");
	NEED_ARG("drop_cap", cap);
	if ((rc = check_cap(cap)) != CK_OK)
		return rc;
	return ck__strv_push(&spec->cap_drop, cap);
}

int ck_container_spec_set_restart_policy(ck_container_spec *spec, const char *policy)
{
	const char *colon;
	int max = 0;

	NEED_SPEC("set_restart_policy");
	NEED_ARG("set_restart_policy", policy);
	colon = strchr(policy, ':');
	if (colon) {
		char *end;
		long v;
		if (strncmp(policy, "on-failure:", 11) != 0 || !isdigit((unsigned char)colon[1]))
			goto bad;
		errno = 0;
		v = strtol(colon + 1, &end, 10);
		if (errno || *end || v < 0 || v > 1000000)
			goto bad;
		max = (int)v;
	} else if (strcmp(policy, "no") && strcmp(policy, "on-failure") && strcmp(policy, "always") &&
	           strcmp(policy, "unless-stopped")) {
		goto bad;
	}
	char *name = colon ? strndup(policy, (size_t)(colon - policy)) : strdup(policy);
	if (!name)
		return ck__oom();
	free(spec->restart_policy);
	spec->restart_policy = name;
	spec->restart_max = max;
	return CK_OK;
bad:
	return ck__error_set(CK_EINVAL, "invalid restart policy \"%s\": use no, on-failure[:MAX], always "
	                                "or unless-stopped", policy);
}

int ck_container_spec_set_runtime(ck_container_spec *spec, const char *runtime)
{
	NEED_SPEC("set_runtime");
	if (!runtime || !*runtime)
		return ck__error_set(CK_EINVAL, "ck_container_spec_set_runtime: the runtime is %s",
		                     runtime ? "empty" : "NULL");
	return set_str(&spec->runtime, runtime);
}

static bool parse_port(const char *s, size_t len, unsigned int *out)
{
	unsigned long v = 0;
	if (len == 0 || len > 5)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return false;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v == 0 || v > 65535)
		return false;
	*out = (unsigned int)v;
	return true;
}

/* "START[-END]" */
static bool parse_range(const char *s, size_t len, unsigned int *start, unsigned int *count)
{
	const char *dash = memchr(s, '-', len);
	unsigned int end;

	if (!dash) {
		*count = 1;
		return parse_port(s, len, start);
	}
	if (!parse_port(s, (size_t)(dash - s), start) || !parse_port(dash + 1, len - (size_t)(dash - s) - 1, &end) ||
	    end < *start)
		return false;
	*count = end - *start + 1;
	return true;
}

int ck__port_parse(ck__port *out, const char *text)
{
	ck__port p = { 0 };
	const char *proto, *cport, *hport = NULL, *ip = NULL;
	size_t ip_len = 0, hport_len = 0;
	unsigned int hcount = 1, ccount = 1;

	memset(out, 0, sizeof(*out));
	snprintf(p.protocol, sizeof(p.protocol), "tcp");
	proto = strchr(text, '/');
	if (proto) {
		if (strcmp(proto + 1, "tcp") && strcmp(proto + 1, "udp") && strcmp(proto + 1, "sctp"))
			goto bad;
		snprintf(p.protocol, sizeof(p.protocol), "%s", proto + 1);
	}
	size_t len = proto ? (size_t)(proto - text) : strlen(text);
	const char *s = text;
	if (*s == '[') { /* [IPv6]:HOST:CONTAINER */
		const char *close = memchr(s, ']', len);
		if (!close || close[1] != ':')
			goto bad;
		ip = s + 1;
		ip_len = (size_t)(close - s - 1);
		len -= (size_t)(close + 2 - s);
		s = close + 2;
	}
	const char *last = NULL;
	for (const char *q = s; q < s + len; q++)
		if (*q == ':')
			last = q;
	if (!last) {
		cport = s;
	} else {
		cport = last + 1;
		const char *first = memchr(s, ':', (size_t)(last - s));
		if (first && !ip) {
			ip = s;
			ip_len = (size_t)(first - s);
			hport = first + 1;
			hport_len = (size_t)(last - first - 1);
		} else if (!first) {
			hport = s;
			hport_len = (size_t)(last - s);
		} else {
			goto bad;
		}
	}
	if (!parse_range(cport, len - (size_t)(cport - s), &p.container_port, &ccount))
		goto bad;
	if (hport && hport_len && !parse_range(hport, hport_len, &p.host_port, &hcount))
		goto bad;
	if (hport_len && hcount != ccount)
		goto bad;
	p.range = ccount;
	if (ip && ip_len) {
		char buf[64];
		unsigned char addr[16];
		if (ip_len >= sizeof(buf))
			goto bad;
		memcpy(buf, ip, ip_len);
		buf[ip_len] = '\0';
		if (inet_pton(AF_INET, buf, addr) != 1 && inet_pton(AF_INET6, buf, addr) != 1)
			goto bad;
		if (!(p.host_ip = strdup(buf)))
			return ck__oom();
	}
	*out = p;
	return CK_OK;
bad:
	return ck__error_set(CK_EINVAL, "invalid port \"%s\": use [[IP:][HOSTPORT]:]CONTAINERPORT[-END][/PROTOCOL]",
	                     text);
}

int ck__port_append(ck__port **ports, size_t *n, const char *text)
{
	ck__port p, *np;
	int rc;

	if ((rc = ck__port_parse(&p, text)) != CK_OK)
		return rc;
	if (!(np = realloc(*ports, (*n + 1) * sizeof(*np)))) {
		free(p.host_ip);
		return ck__oom();
	}
	*ports = np;
	(*ports)[(*n)++] = p;
	return CK_OK;
}

int ck_container_spec_add_port_string(ck_container_spec *spec, const char *text)
{
	NEED_SPEC("add_port_string");
	NEED_ARG("add_port_string", text);
	return ck__port_append(&spec->ports, &spec->n_ports, text);
}

int ck_container_spec_set_stop_signal(ck_container_spec *spec, const char *signal)
{
	int sig, rc;

	NEED_SPEC("set_stop_signal");
	if ((rc = ck__signal_parse(&sig, signal)) != CK_OK)
		return rc;
	spec->stop_signal = sig;
	return CK_OK;
}

int ck_container_spec_set_stop_timeout(ck_container_spec *spec, unsigned int seconds)
{
	NEED_SPEC("set_stop_timeout");
	spec->stop_timeout = seconds;
	return CK_OK;
}

int ck_container_spec_set_log_size_max(ck_container_spec *spec, int64_t bytes)
{
	NEED_SPEC("set_log_size_max");
	if (bytes < -1 || (bytes > 0 && bytes < 8192))
		return ck__error_set(CK_EINVAL, "invalid log size %lld: at least 8192 bytes, 0 for the default "
		                                "or -1 for no limit", (long long)bytes);
	spec->log_size_max = bytes;
	return CK_OK;
}

int ck_container_spec_set_create_command(ck_container_spec *spec, const char *const *argv)
{
	char **v = NULL;

	NEED_SPEC("set_create_command");
	for (size_t i = 0; argv && argv[i]; i++) {
		if (ck__strv_push(&v, argv[i]) != CK_OK) {
			ck_strv_free(v);
			return ck__oom();
		}
	}
	ck_strv_free(spec->create_command);
	spec->create_command = v;
	return CK_OK;
}

int ck_container_spec_set_monitor_pid_file(ck_container_spec *spec, const char *path)
{
	char *copy = NULL;

	NEED_SPEC("set_monitor_pid_file");
	if (path && *path) {
		if (path[0] != '/')
			return ck__error_set(CK_EINVAL, "the monitor's pid file \"%s\" must be an absolute path", path);
		if (!(copy = strdup(path)))
			return ck__oom();
	}
	free(spec->monitor_pid_file);
	spec->monitor_pid_file = copy;
	return CK_OK;
}

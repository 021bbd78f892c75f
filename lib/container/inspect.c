/* ck_container_inspect: the record as `podman container inspect` shows it. */
#define _GNU_SOURCE
#include "container_int.h"

#include <stdlib.h>
#include <string.h>

static void time_str(yajl_gen g, const char *key, int64_t ns)
{
	char buf[48];
	if (ns)
		ck__rfc3339_nano(buf, sizeof(buf), ns);
	else
		snprintf(buf, sizeof(buf), "0001-01-01T00:00:00Z");
	ck__json_key_str(g, key, buf);
}

static void gen_health(yajl_gen g, const ck_container *c, const char *key)
{
	yajl_val tree = NULL;

	ck__json_key(g, key);
	yajl_gen_map_open(g);
	ck__json_key_str(g, "Status", c->st.health);
	ck__json_key_int(g, "FailingStreak", c->st.health_streak);
	ck__json_key(g, "Log");
	yajl_gen_array_open(g);
	if (c->st.health_log && ck__json_parse(&tree, c->st.health_log, "health log", CK_ECORRUPT) != CK_OK)
		ck__error_clear();
	for (size_t i = 0; tree && YAJL_IS_ARRAY(tree) && i < tree->u.array.len; i++) {
		yajl_val e = tree->u.array.values[i];
		const char *out = ck__json_str(e, "output");
		yajl_gen_map_open(g);
		time_str(g, "Start", ck__ctr_json_int(e, "start", 0));
		time_str(g, "End", ck__ctr_json_int(e, "end", 0));
		ck__json_key_int(g, "ExitCode", ck__ctr_json_int(e, "exit_code", -1));
		ck__json_key_str(g, "Output", out ? out : "");
		yajl_gen_map_close(g);
	}
	yajl_tree_free(tree);
	yajl_gen_array_close(g);
	yajl_gen_map_close(g);
}

static void gen_state(yajl_gen g, const ck_container *c)
{
	const char *s = c->status;

	ck__json_key(g, "State");
	yajl_gen_map_open(g);
	ck__json_key_str(g, "OciVersion", "1.0.2");
	ck__json_key_str(g, "Status", s);
	/* podman: a paused container is still running */
	ck__json_key_bool(g, "Running", !strcmp(s, "running") || !strcmp(s, "stopping") || !strcmp(s, "paused"));
	ck__json_key_bool(g, "Paused", !strcmp(s, "paused"));
	ck__json_key_bool(g, "Restarting", !strcmp(s, "restarting"));
	ck__json_key_bool(g, "OOMKilled", false);
	ck__json_key_bool(g, "Dead", !strcmp(s, "unknown"));
	ck__json_key_int(g, "Pid", ck_container_pid(c));
	ck__json_key_int(g, "ConmonPid", ck__ctr_monitor_alive(&c->st) ? c->st.monitor_pid : 0);
	ck__json_key_int(g, "ExitCode", c->st.exit_code < 0 ? 0 : c->st.exit_code);
	ck__json_key_str(g, "Error", c->st.error ? c->st.error : "");
	time_str(g, "StartedAt", c->st.started_at);
	time_str(g, "FinishedAt", c->st.finished_at);
	if (c->cfg.health_test) {
		/* Docker's name and podman 4.3's, for the same data. */
		gen_health(g, c, "Health");
		gen_health(g, c, "Healthcheck");
	}
	yajl_gen_map_close(g);
}

static void gen_mounts(yajl_gen g, const ck_container *c)
{
	ck_container_mount_list *l = NULL;
	ck__json_key(g, "Mounts");
	yajl_gen_array_open(g);
	if (ck__ctr_mounts(&l, c) != CK_OK)
		ck__error_clear(); /* out of memory: no mounts rather than no inspect */
	for (size_t i = 0; i < ck_container_mount_list_count(l); i++) {
		const ck_container_mount *m = ck_container_mount_list_byindex(l, i);
		yajl_gen_map_open(g);
		ck__json_key_str(g, "Type", m->type == CK_MOUNT_VOLUME ? "volume" : m->type == CK_MOUNT_TMPFS ? "tmpfs" : "bind");
		if (m->name)
			ck__json_key_str(g, "Name", m->name);
		ck__json_key_str(g, "Source", m->source);
		ck__json_key_str(g, "Destination", m->destination);
		ck__json_key_str(g, "Driver", m->type == CK_MOUNT_VOLUME ? "local" : "");
		ck__json_key_str(g, "Mode", m->mode);
		ck__strv_gen(g, "Options", (char **)m->options);
		ck__json_key_bool(g, "RW", !m->read_only);
		ck__json_key_str(g, "Propagation", "rprivate");
		yajl_gen_map_close(g);
	}
	yajl_gen_array_close(g);
	ck_container_mount_list_free(l);
}

static void gen_config(yajl_gen g, const ck_container *c)
{
	const ck__ctr_config *cfg = &c->cfg;
	const char *sig = ck__signal_name(cfg->stop_signal);
	char num[16];

	snprintf(num, sizeof(num), "%d", cfg->stop_signal);
	ck__json_key(g, "Config");
	yajl_gen_map_open(g);
	ck__json_key_str(g, "Hostname", cfg->hostname);
	ck__json_key_str(g, "User", cfg->user);
	ck__strv_gen(g, "Env", cfg->env);
	ck__strv_gen(g, "Cmd", cfg->command);
	ck__json_key_str(g, "Image", cfg->image_name);
	ck__json_key_str(g, "WorkingDir", cfg->workdir);
	ck__strv_gen(g, "Entrypoint", cfg->entrypoint);
	ck__json_key(g, "Labels");
	ck__strmap_gen(g, &cfg->labels);
	ck__json_key_str(g, "StopSignal", sig ? sig : num);
	ck__json_key_int(g, "StopTimeout", cfg->stop_timeout);
	ck__json_key_bool(g, "Tty", cfg->tty);
	ck__json_key_bool(g, "OpenStdin", cfg->stdin_open);
	ck__strv_gen(g, "CreateCommand", cfg->create_command);
	if (cfg->health_test) {
		static const char *const actions[] = { "none", "kill", "restart", "stop" };
		ck__json_key(g, "Healthcheck");
		yajl_gen_map_open(g);
		ck__strv_gen(g, "Test", cfg->health_test);
		ck__json_key_int(g, "Interval", cfg->health_interval);
		ck__json_key_int(g, "Timeout", cfg->health_timeout);
		ck__json_key_int(g, "StartPeriod", cfg->health_start_period);
		ck__json_key_int(g, "Retries", cfg->health_retries);
		yajl_gen_map_close(g);
		ck__json_key_str(g, "HealthcheckOnFailureAction",
		                 actions[cfg->health_on_failure >= 0 && cfg->health_on_failure < 4 ? cfg->health_on_failure : 0]);
	}
	ck__json_key_str(g, "sdNotifyMode", cfg->sdnotify && *cfg->sdnotify ? cfg->sdnotify : "conmon");
	ck__json_key(g, "ExposedPorts");
	yajl_gen_map_open(g);
	for (size_t i = 0; cfg->exposed && cfg->exposed[i]; i++) {
		ck__json_key(g, cfg->exposed[i]);
		yajl_gen_map_open(g);
		yajl_gen_map_close(g);
	}
	yajl_gen_map_close(g);
	yajl_gen_map_close(g);
}

static void gen_host_config(yajl_gen g, const ck_container *c)
{
	const ck__ctr_config *cfg = &c->cfg;

	ck__json_key(g, "HostConfig");
	yajl_gen_map_open(g);
	ck__json_key(g, "Binds");
	yajl_gen_array_open(g);
	for (size_t i = 0; i < cfg->n_mounts; i++) {
		const ck__mnt *m = &cfg->mounts[i];
		if (m->type == CK__MNT_TMPFS)
			continue;
		char *b = ck__asprintf("%s:%s:%s%s%s", m->source ? m->source : "", m->destination, m->ro ? "ro" : "rw",
		                       m->relabel ? "," : "", m->relabel == 'z' ? "z" : m->relabel == 'Z' ? "Z" : "");
		ck__json_str_val(g, b ? b : "");
		free(b);
	}
	yajl_gen_array_close(g);
	ck__json_key_str(g, "NetworkMode", cfg->network);
	ck__strv_gen(g, "Dns", cfg->extra.dns);
	ck__strv_gen(g, "DnsOptions", cfg->extra.dns_options);
	ck__strv_gen(g, "DnsSearch", cfg->extra.dns_search);
	ck__strv_gen(g, "ExtraHosts", cfg->extra.add_hosts);
	ck__json_key(g, "PortBindings");
	ck__ports_bindings_gen(g, cfg->ports, cfg->n_ports);
	ck__json_key(g, "RestartPolicy");
	yajl_gen_map_open(g);
	ck__json_key_str(g, "Name", strcmp(cfg->restart_policy, "no") ? cfg->restart_policy : "");
	ck__json_key_int(g, "MaximumRetryCount", cfg->restart_max);
	yajl_gen_map_close(g);
	ck__json_key_bool(g, "AutoRemove", cfg->remove);
	ck__strv_gen(g, "CapAdd", cfg->cap_add);
	ck__strv_gen(g, "CapDrop", cfg->cap_drop);
	ck__json_key_bool(g, "ReadonlyRootfs", cfg->read_only);
	ck__json_key_int(g, "Memory", cfg->memory);
	ck__json_key_int(g, "NanoCpus", (long long)(cfg->cpus * 1e9));
	ck__json_key_int(g, "PidsLimit", cfg->pids_limit);
	ck__json_key(g, "Ulimits");
	yajl_gen_array_open(g);
	for (size_t i = 0; i < cfg->n_ulimits; i++) {
		char name[40];
		snprintf(name, sizeof(name), "RLIMIT_%s", ck__rlimit_podman_name(cfg->ulimits[i].resource));
		for (char *p = name; *p; p++)
			*p = (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
		yajl_gen_map_open(g);
		ck__json_key_str(g, "Name", name);
		ck__json_key_int(g, "Soft", cfg->ulimits[i].soft);
		ck__json_key_int(g, "Hard", cfg->ulimits[i].hard);
		yajl_gen_map_close(g);
	}
	yajl_gen_array_close(g);
	ck__json_key(g, "Devices");
	yajl_gen_array_open(g);
	for (char **d = cfg->extra.devices; d && *d; d++) {
		const char *host, *in, *perms;
		char *buf = malloc(strlen(*d) + 1);
		if (!buf)
			continue;
		ck__ctr_device_split(*d, buf, &host, &in, &perms);
		yajl_gen_map_open(g);
		ck__json_key_str(g, "PathOnHost", host);
		ck__json_key_str(g, "PathInContainer", in);
		ck__json_key_str(g, "CgroupPermissions", perms);
		yajl_gen_map_close(g);
		free(buf);
	}
	yajl_gen_array_close(g);
	ck__json_key_bool(g, "Init", cfg->init);
	ck__json_key_str(g, "Runtime", "oci");
	yajl_gen_map_close(g);
}

int ck_container_inspect(char **out, const ck_container *ctr)
{
	const ck__ctr_config *cfg;
	char *userdata = NULL, *p = NULL, created[48];
	yajl_gen g;

	CK_ENTER();
	if (!out)
		return ck__error_set(CK_EINVAL, "ck_container_inspect: out is NULL");
	*out = NULL;
	if (!ctr)
		return ck__error_set(CK_EINVAL, "ck_container_inspect: ctr is NULL");
	CK__CTR_FULL((ck_container *)ctr);
	cfg = &ctr->cfg;
	if (!(userdata = ck__ctr_userdata(ctr->ctx, cfg->id)) || !(g = ck__json_gen_new(false))) {
		free(userdata);
		return ck__oom();
	}
	ck__rfc3339_nano(created, sizeof(created), cfg->created);
	yajl_gen_map_open(g);
	ck__json_key_str(g, "Id", cfg->id);
	ck__json_key_str(g, "Created", created);
	ck__json_key_str(g, "Path", cfg->args && cfg->args[0] ? cfg->args[0] : "");
	ck__strv_gen(g, "Args", cfg->args && cfg->args[0] ? cfg->args + 1 : NULL);
	gen_state(g, ctr);
	ck__json_key_str(g, "Image", cfg->image_id);
	ck__json_key_str(g, "ImageName", cfg->image_name);
	p = ck__asprintf("%s/rootfs/%s/merged", ctr->ctx->root, cfg->id);
	ck__json_key_str(g, "Rootfs", p ? p : "");
	free(p);
	ck__json_key_str(g, "Pod", cfg->pod);
	p = ck__path_join(userdata, "resolv.conf");
	ck__json_key_str(g, "ResolvConfPath", p ? p : "");
	free(p);
	p = ck__path_join(userdata, "hostname");
	ck__json_key_str(g, "HostnamePath", p ? p : "");
	free(p);
	p = ck__path_join(userdata, "hosts");
	ck__json_key_str(g, "HostsPath", p ? p : "");
	free(p);
	ck__json_key_str(g, "StaticDir", userdata);
	ck__json_key_str(g, "OCIRuntime", cfg->runtime);
	ck__json_key_str(g, "ConmonPidFile", "");
	p = ck__path_join(userdata, "ctr.log");
	ck__json_key_str(g, "LogPath", p ? p : "");
	free(p);
	ck__json_key_str(g, "Name", cfg->name);
	ck__json_key_int(g, "RestartCount", ctr->st.restart_count);
	ck__json_key_str(g, "Driver", "overlay");
	ck__json_key_str(g, "MountLabel", "");
	ck__json_key_str(g, "ProcessLabel", "");
	ck__json_key_str(g, "AppArmorProfile", "");
	gen_mounts(g, ctr);
	gen_config(g, ctr);
	gen_host_config(g, ctr);
	ck__json_key(g, "NetworkSettings");
	yajl_gen_map_open(g);
	ck__json_key(g, "Ports");
	ck__ports_bindings_gen(g, cfg->ports, cfg->n_ports);
	yajl_gen_map_close(g);
	ck__json_key_bool(g, "IsInfra", false);
	ck__json_key_bool(g, "Rootless", cfg->rootless);
	yajl_gen_map_close(g);
	free(userdata);
	return ck__json_gen_finish(out, g);
}

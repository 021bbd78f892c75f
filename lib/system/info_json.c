/* ck_system_info() and ck_system_info_report_json(): the typed info report
 * rendered with `podman info`'s keys, and the keys of 1.0 beside them. */
#include "core/core.h"
#include "system_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void gen_program(yajl_gen g, const char *key, const char *path_key, const char *path,
                        const char *version)
{
	ck__json_key(g, key);
	yajl_gen_map_open(g);
	ck__json_key_str(g, path_key, path);
	ck__json_key_str(g, "version", version);
	yajl_gen_map_close(g);
}

static void gen_host(yajl_gen g, const ck_system_host_info *h)
{
	ck__json_key(g, "host");
	yajl_gen_map_open(g);
	ck__json_key_str(g, "arch", h->arch);
	ck__json_key_str(g, "cgroupManager", h->cgroup_manager);
	ck__json_key_str(g, "cgroupVersion", h->cgroup_version);
	ck__json_key_int(g, "cpus", h->cpus);
	ck__json_key_str(g, "eventLogger", h->event_logger);
	ck__json_key_str(g, "hostname", h->hostname);
	ck__json_key_str(g, "kernel", h->kernel);
	ck__json_key_str(g, "logDriver", h->log_driver);
	ck__json_key_int(g, "memFree", (long long)h->mem_free);
	ck__json_key_int(g, "memTotal", (long long)h->mem_total);
	ck__json_key_str(g, "networkBackend", h->network_backend);
	ck__json_key(g, "ociRuntime");
	yajl_gen_map_open(g);
	ck__json_key_str(g, "name", h->oci_runtime_name);
	ck__json_key_str(g, "path", h->oci_runtime_path);
	ck__json_key_str(g, "version", h->oci_runtime_version);
	yajl_gen_map_close(g);
	ck__json_key_str(g, "os", h->os);
	ck__json_key(g, "security");
	yajl_gen_map_open(g);
	ck__json_key_bool(g, "rootless", h->rootless);
	yajl_gen_map_close(g);
	gen_program(g, "slirp4netns", "executable", h->slirp4netns_path, h->slirp4netns_version);
	gen_program(g, "netavark", "path", h->netavark_path, h->netavark_version);
	ck__json_key_int(g, "swapFree", (long long)h->swap_free);
	ck__json_key_int(g, "swapTotal", (long long)h->swap_total);
	/* 1.0's keys */
	ck__json_key_bool(g, "rootless", h->rootless);
	ck__json_key_str(g, "bootId", h->boot_id);
	yajl_gen_map_close(g);
}

static void gen_count(yajl_gen g, const char *key, uint64_t n)
{
	ck__json_key(g, key);
	yajl_gen_map_open(g);
	ck__json_key_int(g, "number", (long long)n);
	yajl_gen_map_close(g);
}

static void gen_store(yajl_gen g, const ck_system_store_info *s)
{
	ck__json_key(g, "store");
	yajl_gen_map_open(g);
	ck__json_key_str(g, "configFile", s->config_file);
	ck__json_key(g, "containerStore");
	yajl_gen_map_open(g);
	ck__json_key_int(g, "number", (long long)s->containers);
	ck__json_key_int(g, "paused", (long long)s->containers_paused);
	ck__json_key_int(g, "running", (long long)s->containers_running);
	ck__json_key_int(g, "stopped", (long long)s->containers_stopped);
	yajl_gen_map_close(g);
	ck__json_key_str(g, "graphDriverName", s->graph_driver);
	ck__json_key_str(g, "graphRoot", s->graph_root);
	gen_count(g, "imageStore", s->images);
	ck__json_key_str(g, "runRoot", s->run_root);
	ck__json_key_str(g, "volumePath", s->volume_path);
	/* 1.0's keys, and what podman does not have */
	ck__json_key_str(g, "databaseBackend", s->state_backend);
	ck__json_key_int(g, "volumeCount", (long long)s->volumes);
	ck__json_key_int(g, "containerCount", (long long)s->containers);
	ck__json_key_int(g, "podCount", (long long)s->pods);
	ck__json_key_int(g, "imageCount", (long long)s->images);
	yajl_gen_map_close(g);
}

static void gen_strings(yajl_gen g, const char *key, const char *const *v)
{
	ck__json_key(g, key);
	yajl_gen_array_open(g);
	for (; *v; v++)
		yajl_gen_string(g, (const unsigned char *)*v, strlen(*v));
	yajl_gen_array_close(g);
}

/* What ck supports, in podman's "plugins" shape. */
static void gen_plugins(yajl_gen g)
{
	static const char *const volume[] = { "local", NULL }, *const network[] = { "bridge", NULL },
	                         *const log[] = { "k8s-file", "none", NULL };
	ck__json_key(g, "plugins");
	yajl_gen_map_open(g);
	gen_strings(g, "volume", volume);
	gen_strings(g, "network", network);
	gen_strings(g, "log", log);
	yajl_gen_map_close(g);
}

static void gen_version(yajl_gen g, const ck_system_host_info *h)
{
	char osarch[64];

	snprintf(osarch, sizeof(osarch), "%s/%s", h->os, h->arch);
	ck__json_key(g, "version");
	yajl_gen_map_open(g);
	ck__json_key_str(g, "APIVersion", h->library_version);
	ck__json_key_str(g, "Version", h->library_version);
	ck__json_key_str(g, "OsArch", osarch);
	ck__json_key_str(g, "Os", h->os);
	/* 1.0's keys */
	ck__json_key_str(g, "library", h->library_version);
	ck__json_key_int(g, "apiVersion", h->library_version_number);
	yajl_gen_map_close(g);
}

int ck__sys_info_json(char **out, const ck_system_info_report *report)
{
	ck_system_host_info h;
	ck_system_store_info s;
	yajl_gen g;

	ck__sys_info_host(&h, report);
	ck__sys_info_store(&s, report);
	if (!(g = ck__json_gen_new(false)))
		return ck__oom();
	yajl_gen_map_open(g);
	gen_host(g, &h);
	gen_store(g, &s);
	gen_plugins(g);
	gen_version(g, &h);
	yajl_gen_map_close(g);
	return ck__json_gen_finish(out, g);
}

int ck_system_info_report_json(char **out, const ck_system_info_report *report)
{
	CK_ENTER();
	if (!out)
		return ck__error_set(CK_EINVAL, "ck_system_info_report_json: out is NULL");
	*out = NULL;
	if (!report)
		return ck__error_set(CK_EINVAL, "ck_system_info_report_json: report is NULL");
	return ck__sys_info_json(out, report);
}

int ck_system_info(char **out, ck_context *ctx)
{
	ck_system_info_report *r = NULL;
	int rc;

	CK_ENTER();
	if (!out)
		return ck__error_set(CK_EINVAL, "ck_system_info: out is NULL");
	*out = NULL;
	if (!ctx)
		return ck__error_set(CK_EINVAL, "ck_system_info: ctx is NULL");
	if ((rc = ck__sys_info_gather(&r, ctx)) == CK_OK)
		rc = ck__sys_info_json(out, r);
	ck__sys_info_free(r);
	return rc;
}

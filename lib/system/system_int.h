/* lib/system's private declarations: the typed info report that info.c
 * gathers and info_json.c renders. */
#ifndef CK_SYSTEM_INT_H
#define CK_SYSTEM_INT_H

#include <containerkit.h>

/* Every string is owned by the report and never NULL once it is made
 * ("" when unknown), so that the out-structs can hand them out as is. */
struct ck_system_info_report {
	char *kernel, *arch, *hostname, *cgroup_version, *rt_name, *rt_path, *rt_version;
	char *netavark_path, *netavark_version, *slirp_path, *slirp_version, *event_logger, *boot_id;
	char *graph_root, *run_root, *config_file, *backend, *volume_path, *graph_driver;
	uint64_t mem_total, mem_free, swap_total, swap_free;
	unsigned int cpus;
	int rootless;
	uint64_t images, containers, running, paused, stopped, pods, volumes;
};

/* The report gathered from the store and the host (info.c), freed, and
 * read into the current version of the public structs: the bodies that
 * the public functions and ck_system_info() share. */
int ck__sys_info_gather(ck_system_info_report **out, ck_context *ctx);
void ck__sys_info_free(ck_system_info_report *r);
void ck__sys_info_host(ck_system_host_info *out, const ck_system_info_report *r);
void ck__sys_info_store(ck_system_store_info *out, const ck_system_info_report *r);
/* The JSON of `ck info` (info_json.c). */
int ck__sys_info_json(char **out, const ck_system_info_report *r);

#endif

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

#endif

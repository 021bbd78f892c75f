/* ck_container_stats: one sample of a running container's resource use, in
 * the shape of podman's stats API. */
#define _GNU_SOURCE
#include "container_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void key_double(yajl_gen g, const char *key, double v)
{
	char buf[64];
	int n = snprintf(buf, sizeof(buf), "%.4f", v);
	ck__json_key(g, key);
	yajl_gen_number(g, buf, (size_t)n);
}

int ck_container_stats(char **out, ck_container *ctr)
{
	ck__ctr_state st;
	ck__stats s;
	ck__host host;
	char path[96];
	yajl_gen g;
	int rc;

	CK_ENTER();
	if (!out)
		return ck__error_set(CK_EINVAL, "ck_container_stats: out is NULL");
	*out = NULL;
	if (!ctr)
		return ck__error_set(CK_EINVAL, "ck_container_stats: ctr is NULL");
	CK__CTR_FULL(ctr);
	if ((rc = ck__ctr_read(NULL, &st, ctr->ctx, ctr->cfg.id)) != CK_OK)
		return rc;
	bool running = (!strcmp(st.status, "running") || !strcmp(st.status, "stopping")) && st.pid > 0 &&
	               ck__ctr_monitor_alive(&st);
	int pid = st.pid;
	int64_t started = st.started_at;
	ck__ctr_state_free(&st);
	if (!running)
		return ck__error_set(CK_ESTATE, "cannot read the statistics of container %s: it is not running",
		                     ctr->cfg.name);
	if ((rc = ck__host_probe(&host)) != CK_OK)
		return rc;
	/* As oci.c names the container's cgroup. */
	snprintf(path, sizeof(path), "containerkit/%s", ctr->cfg.id);
	if ((rc = ck__cgroup_stats(&s, &host, path, pid)) != CK_OK)
		return ck__error_wrap(rc, "container %s", ctr->cfg.name);
	int64_t now = ck__now_ns(), up = started > 0 && now > started ? now - started : 0;
	if (!(g = ck__json_gen_new(false)))
		return ck__oom();
	yajl_gen_map_open(g);
	ck__json_key_str(g, "ContainerID", ctr->cfg.id);
	ck__json_key_str(g, "Name", ctr->cfg.name);
	key_double(g, "CPU", up ? 100.0 * (double)s.cpu_ns / (double)up : 0);
	ck__json_key_int(g, "CPUNano", (long long)s.cpu_ns);
	ck__json_key_int(g, "SystemNano", now);
	ck__json_key_int(g, "MemUsage", (long long)s.mem_usage);
	ck__json_key_int(g, "MemLimit", (long long)s.mem_limit);
	key_double(g, "MemPerc", s.mem_limit ? 100.0 * (double)s.mem_usage / (double)s.mem_limit : 0);
	ck__json_key_int(g, "NetInput", (long long)s.net_rx);
	ck__json_key_int(g, "NetOutput", (long long)s.net_tx);
	ck__json_key_int(g, "BlockInput", (long long)s.blk_read);
	ck__json_key_int(g, "BlockOutput", (long long)s.blk_write);
	ck__json_key_int(g, "PIDs", (long long)s.pids);
	ck__json_key_int(g, "UpTime", up);
	yajl_gen_map_close(g);
	return ck__json_gen_finish(out, g);
}

/* Container statistics: one typed sample of a running container's resource
 * use (ck_container_stats_read), the CPU rate between two samples, and the
 * JSON rendering of a sample in the shape of podman's stats API. */
#define _GNU_SOURCE
#include "container_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int ck_container_stats_sample_init(ck_container_stats_sample *sample, unsigned int version)
{
	CK_ENTER();
	if (!sample)
		return ck__error_set(CK_EINVAL, "ck_container_stats_sample_init: sample is NULL");
	if (version == 0 || version > CK_CONTAINER_STATS_SAMPLE_VERSION)
		return ck__error_set(CK_EVERSION, "ck_container_stats_sample version %u is not known (this library "
		                                  "knows 1..%d)", version, CK_CONTAINER_STATS_SAMPLE_VERSION);
	memset(sample, 0, sizeof(*sample));
	sample->version = version;
	return CK_OK;
}

/* One sample into `out`, whose version is known. */
static int sample(ck_container_stats_sample *out, ck_container *ctr)
{
	ck__ctr_state st;
	ck__stats s;
	ck__host host;
	char path[96];
	int rc;

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
	unsigned int version = out->version;
	memset(out, 0, sizeof(*out));
	out->version = version;
	out->sampled_at = now;
	out->uptime_ns = up;
	out->cpu_ns = s.cpu_ns;
	out->cpu_percent = up ? 100.0 * (double)s.cpu_ns / (double)up : 0;
	out->mem_usage = s.mem_usage;
	out->mem_limit = s.mem_limit;
	out->mem_percent = s.mem_limit ? 100.0 * (double)s.mem_usage / (double)s.mem_limit : 0;
	out->net_rx = s.net_rx;
	out->net_tx = s.net_tx;
	out->block_read = s.blk_read;
	out->block_write = s.blk_write;
	out->pids = s.pids;
	return CK_OK;
}

int ck_container_stats_read(ck_container_stats_sample *out, ck_container *ctr)
{
	CK_ENTER();
	if (!out || !ctr)
		return ck__error_set(CK_EINVAL, "ck_container_stats_read: %s is NULL", !out ? "out" : "ctr");
	if (out->version == 0 || out->version > CK_CONTAINER_STATS_SAMPLE_VERSION)
		return ck__error_set(CK_EVERSION, "ck_container_stats_sample version %u is not known (this library "
		                                  "knows 1..%d)", out->version, CK_CONTAINER_STATS_SAMPLE_VERSION);
	return sample(out, ctr);
}

double ck_container_stats_cpu_percent(const ck_container_stats_sample *prev, const ck_container_stats_sample *cur)
{
	if (!cur)
		return 0;
	if (!prev || prev->sampled_at >= cur->sampled_at || prev->cpu_ns > cur->cpu_ns)
		return cur->cpu_percent;
	return 100.0 * (double)(cur->cpu_ns - prev->cpu_ns) / (double)(cur->sampled_at - prev->sampled_at);
}

static void key_double(yajl_gen g, const char *key, double v)
{
	char buf[64];
	int n = snprintf(buf, sizeof(buf), "%.4f", v);
	ck__json_key(g, key);
	yajl_gen_number(g, buf, (size_t)n);
}

int ck_container_stats(char **out, ck_container *ctr)
{
	ck_container_stats_sample s = CK_CONTAINER_STATS_SAMPLE_INIT;
	yajl_gen g;
	int rc;

	CK_ENTER();
	if (!out)
		return ck__error_set(CK_EINVAL, "ck_container_stats: out is NULL");
	*out = NULL;
	if (!ctr)
		return ck__error_set(CK_EINVAL, "ck_container_stats: ctr is NULL");
	if ((rc = sample(&s, ctr)) != CK_OK)
		return rc;
	if (!(g = ck__json_gen_new(false)))
		return ck__oom();
	yajl_gen_map_open(g);
	ck__json_key_str(g, "ContainerID", ctr->cfg.id);
	ck__json_key_str(g, "Name", ctr->cfg.name);
	key_double(g, "CPU", s.cpu_percent);
	ck__json_key_int(g, "CPUNano", (long long)s.cpu_ns);
	ck__json_key_int(g, "SystemNano", s.sampled_at);
	ck__json_key_int(g, "MemUsage", (long long)s.mem_usage);
	ck__json_key_int(g, "MemLimit", (long long)s.mem_limit);
	key_double(g, "MemPerc", s.mem_percent);
	ck__json_key_int(g, "NetInput", (long long)s.net_rx);
	ck__json_key_int(g, "NetOutput", (long long)s.net_tx);
	ck__json_key_int(g, "BlockInput", (long long)s.block_read);
	ck__json_key_int(g, "BlockOutput", (long long)s.block_write);
	ck__json_key_int(g, "PIDs", (long long)s.pids);
	ck__json_key_int(g, "UpTime", s.uptime_ns);
	yajl_gen_map_close(g);
	return ck__json_gen_finish(out, g);
}

/* The typed info report (ck_system_info_report): every field against what
 * the host says by other means, the counts against real records, and its
 * JSON against the typed values. */
#include "ctr_common.h"
#include "harness.h"

#include <containerkit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

/* The first line of `cmd` run by the shell, or "" (free()). */
static char *first_line(const char *cmd)
{
	char buf[512] = "";
	FILE *p = popen(cmd, "r");

	if (p) {
		if (!fgets(buf, sizeof(buf), p))
			buf[0] = '\0';
		pclose(p);
	}
	buf[strcspn(buf, "\n")] = '\0';
	return strdup(buf);
}

static void system_info_rejects_bad_arguments(void)
{
	ck_system_info_report *r = NULL;
	ck_system_host_info h = CK_SYSTEM_HOST_INFO_INIT;
	ck_system_store_info s;
	char *json = NULL;

	CK_CHECK_RC(ck_system_info_report_new(NULL, tc_ctx()), CK_EINVAL);
	CK_CHECK_RC(ck_system_info_report_new(&r, NULL), CK_EINVAL);
	CK_CHECK(r == NULL);
	CK_CHECK_CONTAINS(ck_error_last()->message, "ctx is NULL");
	CK_CHECK_RC(ck_system_host_info_init(&h, 2), CK_EVERSION);
	CK_CHECK_RC(ck_system_store_info_init(&s, 0), CK_EVERSION);
	CK_CHECK_RC(ck_system_info_report_host(&h, NULL), CK_EINVAL);
	CK_CHECK_RC(ck_system_info_report_json(&json, NULL), CK_EINVAL);
	CK_CHECK(json == NULL);
	CK_CHECK_OK(ck_system_info_report_new(&r, tc_ctx()));
	h.version = 7;
	CK_CHECK_RC(ck_system_info_report_host(&h, r), CK_EVERSION);
	CK_CHECK_CONTAINS(ck_error_last()->message, "version 7");
	s.version = 0;
	CK_CHECK_RC(ck_system_info_report_store(&s, r), CK_EVERSION);
	ck_system_info_report_free(r);
	ck_system_info_report_free(NULL);
}

static void system_info_host_matches_the_host(void)
{
	ck_system_info_report *r = NULL;
	ck_system_host_info h;
	struct utsname u;
	char host[256] = "", *rt_version, *which;

	CK_CHECK_OK(ck_system_host_info_init(&h, CK_SYSTEM_HOST_INFO_VERSION));
	CK_CHECK_OK(ck_system_info_report_new(&r, tc_ctx()));
	CK_CHECK_OK(ck_system_info_report_host(&h, r));
	uname(&u);
	gethostname(host, sizeof(host) - 1);
	CK_CHECK_STR(h.os, "linux");
	CK_CHECK_STR(h.kernel, u.release);
	CK_CHECK_STR(h.arch, !strcmp(u.machine, "x86_64") ? "amd64" : !strcmp(u.machine, "aarch64") ? "arm64" : u.machine);
	CK_CHECK_STR(h.hostname, host);
	CK_CHECK(!strcmp(h.cgroup_version, "v1") || !strcmp(h.cgroup_version, "v2") ||
	         !strcmp(h.cgroup_version, "hybrid"));
	CK_CHECK_STR(h.cgroup_manager, "cgroupfs");
	CK_CHECK(h.rootless == (geteuid() != 0));
	CK_CHECK_STR(h.oci_runtime_name, tc_runtime());
	/* The path and version as the shell finds them. */
	which = first_line(!strcmp(tc_runtime(), "runc") ? "PATH=$PATH:/usr/sbin:/sbin command -v runc"
	                                                   : "PATH=$PATH:/usr/sbin:/sbin command -v crun");
	CK_CHECK_STR(h.oci_runtime_path, which);
	{
		char cmd[600];
		snprintf(cmd, sizeof(cmd), "'%s' --version", which);
		rt_version = first_line(cmd);
		CK_CHECK(*rt_version);
		CK_CHECK_STR(h.oci_runtime_version, rt_version);
		free(rt_version);
	}
	free(which);
	CK_CHECK_STR(h.network_backend, "netavark");
	if (access("/usr/lib/podman/netavark", X_OK) == 0 && !getenv("CK_NETAVARK")) {
		CK_CHECK_STR(h.netavark_path, "/usr/lib/podman/netavark");
		CK_CHECK(!strncmp(h.netavark_version, "netavark ", 9));
	}
	if (access("/usr/bin/slirp4netns", X_OK) == 0) {
		CK_CHECK(*h.slirp4netns_path);
		CK_CHECK(!strncmp(h.slirp4netns_version, "slirp4netns version ", 20));
	}
	CK_CHECK_STR(h.event_logger, getenv("CK_EVENTS_BACKEND") ? "none" : "file");
	CK_CHECK_STR(h.log_driver, "k8s-file");
	CK_CHECK(strlen(h.boot_id) == 36);
	CK_CHECK(h.mem_total > 0 && h.mem_free <= h.mem_total && h.swap_free <= h.swap_total);
	CK_CHECK(h.cpus == (unsigned int)sysconf(_SC_NPROCESSORS_ONLN));
	CK_CHECK_STR(h.library_version, ck_version());
	CK_CHECK(h.library_version_number == ck_version_number());
	ck_system_info_report_free(r);
}

static ck_system_store_info store_now(ck_context *ctx)
{
	ck_system_info_report *r = NULL;
	ck_system_store_info s = CK_SYSTEM_STORE_INFO_INIT;

	CK_CHECK_OK(ck_system_info_report_new(&r, ctx));
	CK_CHECK_OK(ck_system_info_report_store(&s, r));
	ck_system_info_report_free(r);
	return s; /* only the numbers are read after the report is freed */
}

static void system_info_store_counts_records_by_state(void)
{
	ck_context *ctx = tc_ctx();
	ck_volume_spec *vs = NULL;
	ck_volume *vol = NULL;
	ck_container *run, *idle;
	ck_system_store_info before = store_now(ctx), after;
	ck_system_info_report *r = NULL;
	ck_system_store_info s = CK_SYSTEM_STORE_INFO_INIT;

	CK_CHECK(before.images == 1);
	CK_CHECK_OK(ck_volume_spec_new(&vs));
	CK_CHECK_OK(ck_volume_spec_set_name(vs, "info-vol"));
	CK_CHECK_OK(ck_volume_create(&vol, ctx, vs));
	run = tc_create(tc_spec("sleep 300"));
	idle = tc_create(tc_spec("true"));
	CK_CHECK_OK(ck_container_start(run));

	CK_CHECK_OK(ck_system_info_report_new(&r, ctx));
	CK_CHECK_OK(ck_system_info_report_store(&s, r));
	CK_CHECK_STR(s.graph_root, ck_context_root(ctx));
	CK_CHECK_STR(s.run_root, ck_context_runroot(ctx));
	CK_CHECK_STR(s.state_backend, ck_context_db_backend(ctx));
	CK_CHECK(s.config_file != NULL);
	CK_CHECK(s.volume_path && !strncmp(s.volume_path, s.graph_root, strlen(s.graph_root)) &&
	         strstr(s.volume_path, "/volumes"));
	CK_CHECK(!strcmp(s.graph_driver, "overlay") || !strcmp(s.graph_driver, "vfs"));
	CK_CHECK(s.containers == before.containers + 2);
	CK_CHECK(s.containers_running == before.containers_running + 1);
	CK_CHECK(s.containers_stopped == before.containers_stopped + 1);
	CK_CHECK(s.containers_paused == 0);
	CK_CHECK(s.volumes == before.volumes + 1);
	CK_CHECK(s.pods == 0);
	CK_CHECK(s.images == 1);
	{
		/* The JSON is the same data: spot-check values that vary. */
		char *json = NULL, want[256];
		CK_CHECK_OK(ck_system_info_report_json(&json, r));
		snprintf(want, sizeof(want), "\"graphRoot\":\"%s\"", s.graph_root);
		CK_CHECK_CONTAINS(json, want);
		snprintf(want, sizeof(want), "\"running\":%llu", (unsigned long long)s.containers_running);
		CK_CHECK_CONTAINS(json, want);
		snprintf(want, sizeof(want), "\"containerCount\":%llu", (unsigned long long)s.containers);
		CK_CHECK_CONTAINS(json, want);
		ck_free(json);
		CK_CHECK_OK(ck_system_info(&json, ctx));
		CK_CHECK_CONTAINS(json, "\"ociRuntime\":{\"name\":\"");
		ck_free(json);
	}
	ck_system_info_report_free(r);

	CK_CHECK_OK(ck_container_remove(run, CK_REMOVE_FORCE));
	CK_CHECK_OK(ck_container_remove(idle, 0));
	CK_CHECK_OK(ck_volume_remove(vol, 0));
	after = store_now(ctx);
	CK_CHECK(after.containers == before.containers && after.containers_running == before.containers_running);
	CK_CHECK(after.volumes == before.volumes);
	ck_container_free(run);
	ck_container_free(idle);
	ck_volume_free(vol);
	ck_volume_spec_free(vs);
}

CK_TESTS(CK_TEST(system_info_rejects_bad_arguments), CK_TEST(system_info_host_matches_the_host),
         CK_TEST(system_info_store_counts_records_by_state))

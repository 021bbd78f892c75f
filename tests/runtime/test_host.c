/* Host probing, finding runtimes, and the crun-on-hybrid-cgroups check. */
#define _GNU_SOURCE
#include "rt_common.h"
#include "runtime/runtime_int.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

static void host_probe_reports_cgroup_mode_and_callers_rlimits(void)
{
	ck__host h;
	struct statfs sf;
	struct rlimit nofile, nproc;

	CK_CHECK_OK(ck__host_probe(&h));
	CK_CHECK(statfs("/sys/fs/cgroup", &sf) == 0);
	if ((unsigned long)sf.f_type == 0x63677270UL)
		CK_CHECK(h.cgroup_mode == CK__CGROUP_V2);
	else if (statfs("/sys/fs/cgroup/unified", &sf) == 0 && (unsigned long)sf.f_type == 0x63677270UL)
		CK_CHECK(h.cgroup_mode == CK__CGROUP_HYBRID);
	else
		CK_CHECK(h.cgroup_mode == CK__CGROUP_V1);
	if (h.cgroup_mode != CK__CGROUP_HYBRID)
		CK_CHECK(!h.hybrid_controllers_on_v2);
	getrlimit(RLIMIT_NOFILE, &nofile);
	getrlimit(RLIMIT_NPROC, &nproc);
	CK_CHECK(h.nofile.rlim_cur == nofile.rlim_cur && h.nofile.rlim_max == nofile.rlim_max);
	CK_CHECK(h.nproc.rlim_cur == nproc.rlim_cur && h.nproc.rlim_max == nproc.rlim_max);
	CK_CHECK(h.rootless == (geteuid() != 0));
	CK_CHECK(h.selinux_enabled == (access("/sys/fs/selinux/enforce", F_OK) == 0));
	fprintf(stderr, "  cgroup mode %d, controllers on v2: %d\n", (int)h.cgroup_mode,
	        (int)h.hybrid_controllers_on_v2);
}

static void runtime_find_searches_path_and_sbin(void)
{
	char *path = NULL;
	const char *saved = getenv("PATH");
	char *copy = saved ? strdup(saved) : NULL;

	/* runc lives in /usr/sbin on Debian, which a user's PATH may lack. */
	setenv("PATH", "/nonexistent", 1);
	if (access("/usr/sbin/runc", X_OK) == 0) {
		CK_CHECK_OK(ck__runtime_find(&path, "runc"));
		CK_CHECK_STR(path, "/usr/sbin/runc");
		free(path);
		path = NULL;
	}
	if (copy)
		setenv("PATH", copy, 1);
	free(copy);
	CK_CHECK_OK(ck__runtime_find(&path, "/bin/sh"));
	CK_CHECK_STR(path, "/bin/sh");
	free(path);
}

static void runtime_missing_binary_is_not_found_with_the_fix(void)
{
	char *path = (char *)"untouched";
	ck__runtime rt;

	CK_CHECK_RC(ck__runtime_find(&path, "no-such-runtime-xyz"), CK_ENOTFOUND);
	CK_CHECK(path == NULL);
	CK_CHECK_CONTAINS(ck_error_last()->message, "no-such-runtime-xyz");
	CK_CHECK_CONTAINS(ck_error_last()->message, "install");
	CK_CHECK_RC(ck__runtime_open(&rt, rt_ctx(), "no-such-runtime-xyz"), CK_ENOTFOUND);
	CK_CHECK(rt.path == NULL && rt.name == NULL && rt.state_root == NULL);
	ck__runtime_close(&rt);

	/* A named crun or runc that is missing names the package. */
	setenv("PATH", "/nonexistent", 1);
	if (access("/usr/local/bin/crun", F_OK) != 0 && access("/usr/bin/crun", F_OK) != 0 &&
	    access("/usr/sbin/crun", F_OK) != 0 && access("/bin/crun", F_OK) != 0 &&
	    access("/sbin/crun", F_OK) != 0 && access("/usr/local/sbin/crun", F_OK) != 0) {
		CK_CHECK_RC(ck__runtime_find(&path, "crun"), CK_ENOTFOUND);
		CK_CHECK_CONTAINS(ck_error_last()->message, "apt-get install crun");
	}
	CK_CHECK_RC(ck__runtime_find(&path, "/nonexistent/crun"), CK_ENOTFOUND);
	CK_CHECK_CONTAINS(ck_error_last()->message, "/nonexistent/crun");
	CK_CHECK_RC(ck__runtime_find(&path, "/etc/passwd"), CK_ENOTFOUND); /* not executable */
	CK_CHECK_RC(ck__runtime_find(&path, "bin/crun"), CK_EINVAL);
	CK_CHECK_RC(ck__runtime_find(&path, ""), CK_EINVAL);
}

static void runtime_open_makes_a_state_root_under_the_run_root(void)
{
	ck__runtime rt;
	char expect[4200];

	CK_CHECK_OK(ck__runtime_open(&rt, rt_ctx(), "/bin/true"));
	snprintf(expect, sizeof(expect), "%s/runtime/true", ck_context_runroot(rt_ctx()));
	CK_CHECK_STR(rt.state_root, expect);
	CK_CHECK_STR(rt.name, "true");
	struct stat st;
	CK_CHECK(stat(rt.state_root, &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & 0777) == 0700);
	ck__runtime_close(&rt);
	ck__runtime_close(&rt); /* twice is harmless */
}

static void runtime_failure_message_comes_from_the_runtimes_stderr(void)
{
	/* /bin/false as a "runtime": no log, no stderr, a status. */
	ck__runtime rt;
	CK_CHECK_OK(ck__runtime_open(&rt, rt_ctx(), "/bin/false"));
	CK_CHECK(ck__runtime_start(&rt, "abc") < 0);
	CK_CHECK_CONTAINS(ck_error_last()->message, "abc");
	ck__runtime_close(&rt);
}

static void host_check_accepts_runc_anywhere(void)
{
	ck__host h;
	CK_CHECK_OK(ck__host_probe(&h));
	CK_CHECK_OK(ck__runtime_host_check(rt_ctx(), &h, "/usr/sbin/runc"));
}

static void host_check_refuses_crun_on_hybrid_when_the_fix_is_forbidden(void)
{
	ck__host h;

	CK_CHECK_OK(ck__host_probe(&h));
	if (h.cgroup_mode != CK__CGROUP_HYBRID || !h.hybrid_controllers_on_v2) {
		/* Also covers hosts where an earlier run applied the fix. */
		fprintf(stderr, "  (not a hybrid host with controllers on cgroup2: only the no-op is checked)\n");
		CK_CHECK_OK(ck__runtime_host_check(rt_ctx(), &h, "/usr/bin/crun"));
		return;
	}
	setenv("CK_FIX_HYBRID_CGROUPS", "0", 1);
	CK_CHECK_RC(ck__runtime_host_check(rt_ctx(), &h, "/usr/bin/crun"), CK_EUNSUPPORTED);
	unsetenv("CK_FIX_HYBRID_CGROUPS");
	CK_CHECK_CONTAINS(ck_error_last()->message, "mount -t cgroup -o hugetlb cgroup /sys/fs/cgroup/hugetlb");
	CK_CHECK_CONTAINS(ck_error_last()->message, "or use --runtime runc");
	/* Nothing was changed. */
	ck__host again;
	CK_CHECK_OK(ck__host_probe(&again));
	CK_CHECK(again.hybrid_controllers_on_v2);
}

static void host_check_applies_the_hybrid_fix_for_crun_as_root(void)
{
	ck__host h;

	CK_CHECK_OK(ck__host_probe(&h));
	if (h.cgroup_mode != CK__CGROUP_HYBRID || geteuid() != 0) {
		CK_SKIP("not a hybrid host, or not root: nothing to fix");
		return;
	}
	int rc = ck__runtime_host_check(rt_ctx(), &h, "/usr/bin/crun");
	if (rc != CK_OK) {
		/* Allowed only where the controllers are more than hugetlb. */
		CK_CHECK_RC(rc, CK_EUNSUPPORTED);
		CK_CHECK_CONTAINS(ck_error_last()->message, "or use --runtime runc");
		return;
	}
	CK_CHECK_OK(ck__host_probe(&h));
	CK_CHECK(!h.hybrid_controllers_on_v2);
	/* Idempotent: a second check (and a stale probe) change nothing. */
	h.hybrid_controllers_on_v2 = true;
	CK_CHECK_OK(ck__runtime_host_check(rt_ctx(), &h, "/usr/bin/crun"));
	int mounts = 0;
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[1024];
	while (f && fgets(line, sizeof(line), f))
		if (strstr(line, " /sys/fs/cgroup/hugetlb "))
			mounts++;
	if (f)
		fclose(f);
	CK_CHECK(mounts == 1);
}

static void host_idmaps_follow_subuid_or_name_the_fix(void)
{
	ck__idmap u[2], g[2];
	size_t nu = 9, ng = 9;
	int rc = ck__host_idmaps(u, &nu, g, &ng);

	if (rc == CK_OK) {
		CK_CHECK(nu == 2 && ng == 2);
		CK_CHECK(u[0].container_id == 0 && u[0].host_id == geteuid() && u[0].size == 1);
		CK_CHECK(u[1].container_id == 1 && u[1].size > 0);
	} else {
		CK_CHECK_RC(rc, CK_ENOTFOUND);
		CK_CHECK_CONTAINS(ck_error_last()->message, "/etc/sub");
		CK_CHECK(nu == 0 && ng == 0);
	}
}

int main(int argc, char **argv)
{
	static const struct ck_test tests[] = {
		CK_TEST(host_probe_reports_cgroup_mode_and_callers_rlimits),
		CK_TEST(runtime_find_searches_path_and_sbin),
		CK_TEST(runtime_missing_binary_is_not_found_with_the_fix),
		CK_TEST(runtime_open_makes_a_state_root_under_the_run_root),
		CK_TEST(runtime_failure_message_comes_from_the_runtimes_stderr),
		CK_TEST(host_check_accepts_runc_anywhere),
		CK_TEST(host_check_refuses_crun_on_hybrid_when_the_fix_is_forbidden),
		CK_TEST(host_check_applies_the_hybrid_fix_for_crun_as_root),
		CK_TEST(host_idmaps_follow_subuid_or_name_the_fix),
		{ NULL, NULL },
	};
	int rc = ck_test_main(tests, argc, argv);
	rt_cleanup();
	return rc;
}

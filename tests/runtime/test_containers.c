/* Containers run through the runtime module with a real OCI runtime (this
 * file is built once for runc and once for crun; CK_TEST_RUNTIME names
 * it): what the generated config.json promises is what the process inside
 * sees.
 *
 * Waiting: the container's init is the child of the runtime's `create`,
 * which exits, so it is not our child and waitpid cannot reach it.  The
 * tests read the output pipe to EOF and then wait on a pidfd
 * (pidfd_open), which works for any process; the exit status itself is
 * only available to a subreaper (the monitor's job in the container
 * module), so these tests assert on output. */
#define _GNU_SOURCE
#include "rt_common.h"
#include "runtime/runtime_int.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#ifndef CK_TEST_RUNTIME
#error "CK_TEST_RUNTIME must name the runtime"
#endif

static ck__runtime rt;

/* CapEff of podman's default set: CHOWN DAC_OVERRIDE FOWNER FSETID KILL
 * SETGID SETUID SETPCAP NET_BIND_SERVICE SYS_CHROOT SETFCAP. */
#define DEFAULT_CAPS "00000000800405fb"

static void container_echo_output_reaches_stdout_pipe(void)
{
	char *out = rt_sh(&rt, "echo hello from the container; echo to stderr >&2");
	CK_CHECK_CONTAINS(out, "hello from the container\n");
	CK_CHECK_CONTAINS(out, "to stderr\n");
	free(out);
}

static void container_runs_as_requested_uid_gid(void)
{
	char *args[] = { "id", NULL };
	uint32_t groups[] = { 10, 20 };
	ck__oci_params p;
	rt_params(&p, args);
	p.uid = 1000;
	p.gid = 1001;
	p.additional_gids = groups;
	p.n_additional_gids = 2;
	/* runc never sets supplementary groups in a rootless container. */
	bool no_groups = p.rootless && strcmp(CK_TEST_RUNTIME, "runc") == 0;
	if (no_groups)
		p.n_additional_gids = 0;
	rt_run_result r = rt_run(&rt, &p);
	CK_CHECK_RC(r.rc, 0);
	CK_CHECK_CONTAINS(r.output, "uid=1000 gid=1001");
	if (!no_groups) {
		CK_CHECK_CONTAINS(r.output, "10");
		CK_CHECK_CONTAINS(r.output, "20");
	}
	rt_result_free(&r);
	if (no_groups) {
		p.n_additional_gids = 2;
		r = rt_run(&rt, &p);
		CK_CHECK_RC(r.rc, CK_ERUNTIME);
		CK_CHECK_CONTAINS(r.message, "additional groups");
		rt_result_free(&r);
	}
}

static void container_hostname_cwd_and_env_are_set(void)
{
	char *args[] = { "sh", "-c", "hostname; pwd; echo \"FOO=$FOO\"; echo \"PATH=$PATH\"", NULL };
	char *env[] = { "FOO=bar baz", NULL };
	ck__oci_params p;
	rt_params(&p, args);
	p.hostname = "box-one";
	p.cwd = "/tmp";
	p.env = env;
	rt_run_result r = rt_run(&rt, &p);
	CK_CHECK_RC(r.rc, 0);
	CK_CHECK_CONTAINS(r.output, "box-one\n/tmp\nFOO=bar baz\n");
	CK_CHECK_CONTAINS(r.output, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n");
	rt_result_free(&r);
}

static void container_readonly_rootfs_refuses_writes(void)
{
	char *args[] = { "sh", "-c", "touch /newfile || echo write-refused; touch /tmp/x && echo tmp-ok", NULL };
	ck__oci_params p;
	rt_params(&p, args);
	p.readonly_rootfs = true;
	rt_run_result r = rt_run(&rt, &p);
	CK_CHECK_RC(r.rc, 0);
	CK_CHECK_CONTAINS(r.output, "Read-only file system");
	CK_CHECK_CONTAINS(r.output, "write-refused");
	rt_result_free(&r);
	CK_CHECK(access("/nonexistent", F_OK) != 0);
	char path[4200];
	snprintf(path, sizeof(path), "%s/newfile", rt_rootfs());
	CK_CHECK(access(path, F_OK) != 0);
}

static void container_masked_paths_are_empty_and_readonly_paths_refuse_writes(void)
{
	/* Which of podman's masked files exist depends on the kernel's
	 * configuration (this kind of host has no /proc/kcore): check those
	 * the host has, and at least one. */
	static const char *const files[] = { "/proc/kcore", "/proc/keys", "/proc/timer_list", NULL };
	char script[1024] = "", expect[3][64];
	int n = 0;

	for (int i = 0; files[i]; i++) {
		if (access(files[i], F_OK) != 0)
			continue;
		size_t len = strlen(script);
		snprintf(script + len, sizeof(script) - len, "echo %s=$(wc -c < %s); ", files[i], files[i]);
		snprintf(expect[n++], sizeof(expect[0]), "%s=0\n", files[i]);
	}
	CK_CHECK(n > 0);
	size_t len = strlen(script);
	snprintf(script + len, sizeof(script) - len,
	         "echo fw=$(ls /sys/firmware | wc -l); echo 1 > /proc/sys/kernel/domainname || echo sys-refused");
	char *out = rt_sh(&rt, script);
	for (int i = 0; i < n; i++)
		CK_CHECK_CONTAINS(out, expect[i]);
	CK_CHECK_CONTAINS(out, "fw=0\n");
	CK_CHECK_CONTAINS(out, "sys-refused");
	free(out);
}

static void container_capabilities_are_podmans_default_set(void)
{
	char *out = rt_sh(&rt, "grep -E '^Cap(Eff|Prm|Bnd|Inh|Amb)' /proc/self/status");
	CK_CHECK_CONTAINS(out, "CapEff:\t" DEFAULT_CAPS);
	CK_CHECK_CONTAINS(out, "CapPrm:\t" DEFAULT_CAPS);
	CK_CHECK_CONTAINS(out, "CapBnd:\t" DEFAULT_CAPS);
	CK_CHECK_CONTAINS(out, "CapInh:\t0000000000000000");
	CK_CHECK_CONTAINS(out, "CapAmb:\t0000000000000000");
	free(out);
}

static void container_cap_add_and_drop_change_the_set(void)
{
	char *args[] = { "sh", "-c", "grep CapEff /proc/self/status", NULL };
	char *add[] = { "net_admin", "CAP_NET_RAW", NULL };
	char *drop[] = { "CHOWN", NULL };
	ck__oci_params p;
	rt_params(&p, args);
	p.cap_add = add;
	p.cap_drop = drop;
	rt_run_result r = rt_run(&rt, &p);
	CK_CHECK_RC(r.rc, 0);
	/* default - CHOWN(bit 0) + NET_ADMIN(12) + NET_RAW(13) */
	CK_CHECK_CONTAINS(r.output, "CapEff:\t00000000800435fa");
	rt_result_free(&r);
}

static void container_seccomp_blocks_mount_and_unshare(void)
{
	char *script = "grep '^Seccomp:' /proc/self/status; mount -t tmpfs none /tmp; "
	               "unshare -U true && echo unshare-ok || echo unshare-refused";
	char *args[] = { "sh", "-c", script, NULL };
	ck__oci_params p;
	rt_params(&p, args);
	rt_run_result r = rt_run(&rt, &p);
	CK_CHECK_RC(r.rc, 0);
	CK_CHECK_CONTAINS(r.output, "Seccomp:\t2");
	CK_CHECK_CONTAINS(r.output, "Operation not permitted");
	CK_CHECK_CONTAINS(r.output, "unshare-refused");
	rt_result_free(&r);

	/* The control: without the profile, creating a user namespace needs
	 * no capability, so the refusal above came from seccomp. */
	p.seccomp = false;
	r = rt_run(&rt, &p);
	CK_CHECK_RC(r.rc, 0);
	CK_CHECK_CONTAINS(r.output, "Seccomp:\t0");
	CK_CHECK_CONTAINS(r.output, "unshare-ok");
	rt_result_free(&r);
}

/* The rules that look at arguments, with a helper that makes the calls. */
static void container_seccomp_filters_personality_and_clone_flags(void)
{
#ifdef CK_SYSPROBE
	char dest[4200];
	char *args[] = { "/bin/sysprobe", NULL };
	ck__oci_params p;

	snprintf(dest, sizeof(dest), "%s/bin/sysprobe", rt_rootfs());
	if (access(dest, X_OK) != 0) {
		char cmd[8600];
		snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", CK_SYSPROBE, dest);
		CK_CHECK(system(cmd) == 0);
	}
	rt_params(&p, args);
	rt_run_result r = rt_run(&rt, &p);
	CK_CHECK_RC(r.rc, 0);
	CK_CHECK_CONTAINS(r.output, "personality_query=ok\n");
	CK_CHECK_CONTAINS(r.output, "personality_linux=ok\n");
	CK_CHECK_CONTAINS(r.output, "personality_no_randomize=EPERM\n");
	CK_CHECK_CONTAINS(r.output, "clone_plain=ok\n");
	CK_CHECK_CONTAINS(r.output, "clone_newuser=EPERM\n");
	CK_CHECK_CONTAINS(r.output, "clone_newns=EPERM\n");
	CK_CHECK_CONTAINS(r.output, "clone3=ENOSYS\n"); /* so that libc falls back to clone */
	CK_CHECK_CONTAINS(r.output, "keyctl=EPERM\n");
	CK_CHECK_CONTAINS(r.output, "ptrace=EPERM\n");
	rt_result_free(&r);

	/* The control: the kernel itself allows these. */
	p.seccomp = false;
	r = rt_run(&rt, &p);
	CK_CHECK_RC(r.rc, 0);
	CK_CHECK_CONTAINS(r.output, "personality_no_randomize=ok\n");
	CK_CHECK_CONTAINS(r.output, "clone_newuser=ok\n");
	CK_CHECK_CONTAINS(r.output, "ptrace=ok\n");
	rt_result_free(&r);

	/* CAP_SYS_ADMIN opens namespace creation again, as with podman. */
	char *admin[] = { "SYS_ADMIN", NULL };
	p.seccomp = true;
	p.cap_add = admin;
	r = rt_run(&rt, &p);
	CK_CHECK_RC(r.rc, 0);
	CK_CHECK_CONTAINS(r.output, "clone_newns=ok\n");
	CK_CHECK(strstr(r.output ? r.output : "", "clone3=ENOSYS") == NULL);
	rt_result_free(&r);
#else
	CK_SKIP("no static libc to build the probe with");
#endif
}

static void container_inherits_the_callers_rlimits(void)
{
	struct rlimit nofile;
	char expect[64];
	getrlimit(RLIMIT_NOFILE, &nofile);
	char *out = rt_sh(&rt, "echo soft=$(ulimit -n) hard=$(ulimit -Hn)");
	snprintf(expect, sizeof(expect), "soft=%llu hard=%llu\n", (unsigned long long)nofile.rlim_cur,
	         (unsigned long long)nofile.rlim_max);
	CK_CHECK_CONTAINS(out, expect);
	free(out);
}

static void container_ulimit_within_the_hard_limit_applies(void)
{
	char *args[] = { "sh", "-c", "echo soft=$(ulimit -n) hard=$(ulimit -Hn)", NULL };
	struct { int resource; uint64_t soft, hard; } lim = { RLIMIT_NOFILE, 512, 1024 };
	ck__oci_params p;
	rt_params(&p, args);
	p.rlimits = (void *)&lim;
	p.n_rlimits = 1;
	rt_run_result r = rt_run(&rt, &p);
	CK_CHECK_RC(r.rc, 0);
	CK_CHECK_CONTAINS(r.output, "soft=512 hard=1024\n");
	rt_result_free(&r);
}

static void container_ulimit_above_the_hard_limit_fails_before_the_runtime_runs(void)
{
	char *args[] = { "true", NULL };
	struct rlimit nofile;
	getrlimit(RLIMIT_NOFILE, &nofile);
	struct { int resource; uint64_t soft, hard; } lim = { RLIMIT_NOFILE, 100, (uint64_t)nofile.rlim_max + 1000 };
	ck__oci_params p;
	char hard[32];
	rt_params(&p, args);
	p.rlimits = (void *)&lim;
	p.n_rlimits = 1;
	if (nofile.rlim_max == RLIM_INFINITY || ck__caller_has_cap(CK__CAP_SYS_RESOURCE)) {
		CK_SKIP("this process may raise RLIMIT_NOFILE");
		return;
	}
	rt_run_result r = rt_run(&rt, &p);
	CK_CHECK_RC(r.rc, CK_EPERM);
	snprintf(hard, sizeof(hard), "%llu", (unsigned long long)nofile.rlim_max);
	CK_CHECK_CONTAINS(r.message, "RLIMIT_NOFILE");
	CK_CHECK_CONTAINS(r.message, hard);
	CK_CHECK(r.output == NULL);
	rt_result_free(&r);
}

static void container_network_none_has_only_loopback(void)
{
	char *out = rt_sh(&rt, "cat /proc/net/dev");
	int ifaces = 0;

	CK_CHECK_CONTAINS(out, "lo:");
	for (char *l = out; l && (l = strchr(l, ':')); l++)
		ifaces++;
	CK_CHECK(ifaces == 1);
	free(out);
}

static void container_sees_only_its_stdio_fds(void)
{
	/* An fd this process leaks (no O_CLOEXEC) must not reach the runtime
	 * or the container. */
	int leak = open("/dev/null", O_RDONLY);
	/* No pipeline: the shell would hold a pipe's end while ls runs. */
	char *out = rt_sh(&rt, "ls /proc/1/fd; true");
	CK_CHECK(leak >= 3);
	CK_CHECK_STR(out, "0\n1\n2\n");
	free(out);
	close(leak);
}

static void container_lifecycle_state_kill_and_delete(void)
{
	char *args[] = { "sleep", "600", NULL };
	char id[64], pid_file[4200], *status = NULL;
	char *bundle = rt_bundle_dir();
	ck__oci_params p;
	int pid = 0;

	rt_params(&p, args);
	rt_new_id(id);
	snprintf(pid_file, sizeof(pid_file), "%s/pid", bundle);
	CK_CHECK_OK(ck__oci_config_write(rt_ctx(), bundle, &p, rt_host()));
	CK_CHECK_OK(ck__runtime_create(&rt, id, bundle, pid_file, -1, -1, -1, NULL));
	CK_CHECK_OK(ck__runtime_state(&status, &pid, &rt, id));
	CK_CHECK_STR(status, "created");
	CK_CHECK(pid > 0);
	free(status);
	status = NULL;
	CK_CHECK_OK(ck__runtime_start(&rt, id));
	CK_CHECK_OK(ck__runtime_state(&status, &pid, &rt, id));
	CK_CHECK_STR(status, "running");
	free(status);
	status = NULL;
	/* Deleting a running container needs force. */
	CK_CHECK_RC(ck__runtime_delete(&rt, id, false), CK_ESTATE);
	CK_CHECK_CONTAINS(ck_error_last()->message, id);
	CK_CHECK_OK(ck__runtime_kill(&rt, id, SIGKILL, false));
	CK_CHECK(rt_wait_pid_gone(pid, 10000));
	CK_CHECK_OK(ck__runtime_state(&status, NULL, &rt, id));
	CK_CHECK_STR(status, "stopped");
	free(status);
	status = NULL;
	/* Starting a stopped container is a state error, not a crash. */
	CK_CHECK_RC(ck__runtime_start(&rt, id), CK_ESTATE);
	CK_CHECK_CONTAINS(ck_error_last()->message, id);
	/* Signalling a stopped container: runc refuses, crun shrugs. */
	int rc = ck__runtime_kill(&rt, id, SIGTERM, false);
	CK_CHECK(rc == CK_OK || rc == CK_ESTATE);
	if (rc != CK_OK)
		fprintf(stderr, "  kill of a stopped container: %s: %s\n", ck_error_name(rc), ck_error_last()->message);
	CK_CHECK_OK(ck__runtime_delete(&rt, id, false));
	CK_CHECK_RC(ck__runtime_state(&status, &pid, &rt, id), CK_ENOTFOUND);
	CK_CHECK(status == NULL);
	CK_CHECK_RC(ck__runtime_kill(&rt, id, SIGTERM, false), CK_ENOTFOUND);
	CK_CHECK_RC(ck__runtime_delete(&rt, id, false), CK_ENOTFOUND);
	CK_CHECK_OK(ck__runtime_delete(&rt, id, true));
	ck_test_rmtree(bundle);
	free(bundle);
}

static void container_state_of_unknown_id_is_not_found(void)
{
	char *status = NULL;
	int pid = -1;
	CK_CHECK_RC(ck__runtime_state(&status, &pid, &rt, "no-such-container"), CK_ENOTFOUND);
	CK_CHECK_CONTAINS(ck_error_last()->message, "no-such-container");
	CK_CHECK(status == NULL && pid == 0);
	CK_CHECK_RC(ck__runtime_start(&rt, "no-such-container"), CK_ENOTFOUND);
	CK_CHECK_RC(ck__runtime_state(&status, &pid, &rt, "--help"), CK_EINVAL);
}

static void container_create_failure_names_the_container_and_cause(void)
{
	char *args[] = { "/bin/does-not-exist", NULL };
	ck__oci_params p;
	rt_params(&p, args);
	rt_run_result r = rt_run(&rt, &p);
	CK_CHECK(r.rc == CK_ERUNTIME);
	CK_CHECK_CONTAINS(r.message, CK_TEST_RUNTIME);
	CK_CHECK_CONTAINS(r.message, "does-not-exist");
	if (r.message)
		CK_CHECK(strlen(r.message) < 700);
	rt_result_free(&r);
}

/* A sleeping container with limits: the cgroup holds them and the
 * statistics read them back. */
static void container_limits_reach_the_cgroup_and_stats_read_them(void)
{
	char *args[] = { "sh", "-c", "echo ready; exec sleep 600", NULL };
	char id[64], pid_file[4200], path[4300], line[512], *bundle = rt_bundle_dir();
	int fds[2], pid = 0;
	ck__oci_params p;
	ck__stats st;
	FILE *f;

	rt_params(&p, args);
	p.memory_limit = 64 << 20;
	p.pids_limit = 100;
	p.cpus = 0.5;
	rt_new_id(id);
	char cg[128];
	snprintf(cg, sizeof(cg), "%s/%s", rt_cgroup_parent(), id);
	p.cgroups_path = cg;
	snprintf(pid_file, sizeof(pid_file), "%s/pid", bundle);
	if (rt_host()->rootless && rt_host()->cgroup_mode != CK__CGROUP_V2) {
		CK_CHECK_RC(ck__oci_config_write(rt_ctx(), bundle, &p, rt_host()), CK_EUNSUPPORTED);
		CK_CHECK_RC(ck__cgroup_stats(&st, rt_host(), cg, getpid()), CK_EUNSUPPORTED);
		ck_test_rmtree(bundle);
		free(bundle);
		return;
	}
	CK_CHECK_OK(ck__oci_config_write(rt_ctx(), bundle, &p, rt_host()));
	CK_CHECK(pipe2(fds, O_CLOEXEC) == 0);
	CK_CHECK_OK(ck__runtime_create(&rt, id, bundle, pid_file, -1, fds[1], fds[1], NULL));
	close(fds[1]);
	CK_CHECK_OK(ck__runtime_start(&rt, id));
	CK_CHECK(read(fds[0], line, 6) == 6); /* "ready\n": it runs */
	CK_CHECK_OK(ck__runtime_state(NULL, &pid, &rt, id));

	/* Where the memory controller put it, from /proc/<pid>/cgroup. */
	snprintf(path, sizeof(path), "/proc/%d/cgroup", pid);
	f = fopen(path, "re");
	CK_CHECK(f != NULL);
	char mem_dir[4200] = "", *cgp = NULL;
	while (f && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (rt_host()->cgroup_mode == CK__CGROUP_V2 ? strncmp(line, "0::", 3) == 0
		                                            : (cgp = strstr(line, ":memory:")) != NULL) {
			const char *rel = strrchr(line, ':') + 1;
			snprintf(mem_dir, sizeof(mem_dir), "/sys/fs/cgroup%s%s",
			         rt_host()->cgroup_mode == CK__CGROUP_V2 ? "" : "/memory", rel);
		}
	}
	if (f)
		fclose(f);
	CK_CHECK_CONTAINS(mem_dir, id);
	snprintf(path, sizeof(path), "%s/%s", mem_dir,
	         rt_host()->cgroup_mode == CK__CGROUP_V2 ? "memory.max" : "memory.limit_in_bytes");
	f = fopen(path, "re");
	CK_CHECK(f != NULL);
	if (f) {
		CK_CHECK(fgets(line, sizeof(line), f) != NULL);
		CK_CHECK_STR(line, "67108864\n");
		fclose(f);
	}

	CK_CHECK_OK(ck__cgroup_stats(&st, rt_host(), cg, pid));
	CK_CHECK(st.mem_usage > 0);
	CK_CHECK(st.mem_limit == 64 << 20);
	CK_CHECK(st.pids >= 1);
	CK_CHECK(st.cpu_ns > 0);
	CK_CHECK(st.sampled_ns > 0);
	CK_CHECK(st.net_rx == 0 && st.net_tx == 0); /* only lo, which is left out */
	fprintf(stderr, "  stats: cpu %llu ns, mem %llu / %llu, pids %llu, blk %llu/%llu\n",
	        (unsigned long long)st.cpu_ns, (unsigned long long)st.mem_usage,
	        (unsigned long long)st.mem_limit, (unsigned long long)st.pids,
	        (unsigned long long)st.blk_read, (unsigned long long)st.blk_write);

	CK_CHECK_OK(ck__runtime_kill(&rt, id, SIGKILL, true));
	CK_CHECK(rt_wait_pid_gone(pid, 10000));
	CK_CHECK_OK(ck__runtime_delete(&rt, id, false));
	/* Gone: statistics say so rather than report zeros. */
	CK_CHECK_RC(ck__cgroup_stats(&st, rt_host(), cg, pid), CK_ENOTFOUND);
	close(fds[0]);
	ck_test_rmtree(bundle);
	free(bundle);
}

static void container_exec_runs_a_process_and_returns_its_status(void)
{
	char *args[] = { "sleep", "600", NULL };
	char *exec_args[] = { "sh", "-c", "echo exec-says-hi; hostname; exit 3", NULL };
	char id[64], proc_path[4200], *bundle = rt_bundle_dir(), *out = NULL;
	int fds[2], code = -1, pid = 0;
	ck__oci_params p;

	rt_params(&p, args);
	rt_new_id(id);
	CK_CHECK_OK(ck__oci_config_write(rt_ctx(), bundle, &p, rt_host()));
	CK_CHECK_OK(ck__runtime_create(&rt, id, bundle, NULL, -1, -1, -1, NULL));
	CK_CHECK_OK(ck__runtime_start(&rt, id));
	CK_CHECK_OK(ck__runtime_state(NULL, &pid, &rt, id));

	p.args = exec_args;
	snprintf(proc_path, sizeof(proc_path), "%s/exec.json", bundle);
	CK_CHECK_OK(ck__oci_process_write(proc_path, &p));
	CK_CHECK(pipe2(fds, O_CLOEXEC) == 0);
	CK_CHECK_OK(ck__runtime_exec(&code, &rt, id, proc_path, -1, fds[1], fds[1], false, false));
	close(fds[1]);
	CK_CHECK(code == 3);
	char buf[256] = "";
	ssize_t n = read(fds[0], buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = '\0';
	out = buf;
	CK_CHECK_CONTAINS(out, "exec-says-hi\nckhost\n");
	close(fds[0]);

	/* A command that does not exist is the runtime's failure, not a status. */
	char *bad[] = { "/no/such/binary", NULL };
	p.args = bad;
	CK_CHECK_OK(ck__oci_process_write(proc_path, &p));
	CK_CHECK_RC(ck__runtime_exec(&code, &rt, id, proc_path, -1, -1, -1, false, false), CK_ERUNTIME);
	CK_CHECK_CONTAINS(ck_error_last()->message, id);

	/* Detached: returns once the process runs, which keeps going. */
	char *bg[] = { "sh", "-c", "echo detached-ran > /tmp/bg; sleep 2", NULL };
	char *check[] = { "cat", "/tmp/bg", NULL };
	p.args = bg;
	CK_CHECK_OK(ck__oci_process_write(proc_path, &p));
	code = -1;
	CK_CHECK_OK(ck__runtime_exec(&code, &rt, id, proc_path, -1, -1, -1, false, true));
	CK_CHECK(code == 0);
	p.args = check;
	CK_CHECK_OK(ck__oci_process_write(proc_path, &p));
	CK_CHECK(pipe2(fds, O_CLOEXEC) == 0);
	for (int i = 0; i < 50; i++) { /* the detached process may not have written yet */
		CK_CHECK_OK(ck__runtime_exec(&code, &rt, id, proc_path, -1, fds[1], -1, false, false));
		if (code == 0)
			break;
		usleep(20000);
	}
	close(fds[1]);
	n = read(fds[0], buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = '\0';
	CK_CHECK_STR(buf, "detached-ran\n");
	close(fds[0]);

	CK_CHECK_OK(ck__runtime_kill(&rt, id, SIGKILL, true));
	CK_CHECK(rt_wait_pid_gone(pid, 10000));
	CK_CHECK_OK(ck__runtime_delete(&rt, id, true));
	CK_CHECK_RC(ck__runtime_exec(&code, &rt, id, proc_path, -1, -1, -1, false, false), CK_ENOTFOUND);
	CK_CHECK_CONTAINS(ck_error_last()->message, id);
	ck_test_rmtree(bundle);
	free(bundle);
}

/* ---- several threads at once ---- */

struct thread_job {
	int n;
	rt_run_result r;
};

static void *thread_main(void *arg)
{
	struct thread_job *job = arg;
	char script[128];
	char *args[] = { "sh", "-c", script, NULL };
	ck__oci_params p;

	snprintf(script, sizeof(script), "echo thread-%d-ok", job->n);
	rt_params(&p, args);
	job->r = rt_run(&rt, &p);
	return NULL;
}

static void runtime_invocations_work_from_four_threads_at_once(void)
{
	pthread_t th[4];
	struct thread_job jobs[4];

	for (int round = 0; round < 2; round++) {
		for (int i = 0; i < 4; i++) {
			jobs[i].n = i;
			CK_CHECK(pthread_create(&th[i], NULL, thread_main, &jobs[i]) == 0);
		}
		for (int i = 0; i < 4; i++) {
			char expect[32];
			pthread_join(th[i], NULL);
			snprintf(expect, sizeof(expect), "thread-%d-ok\n", i);
			if (jobs[i].r.rc != 0)
				fprintf(stderr, "  thread %d: %s\n", i, jobs[i].r.message);
			CK_CHECK_RC(jobs[i].r.rc, 0);
			CK_CHECK_STR(jobs[i].r.output, expect);
			rt_result_free(&jobs[i].r);
		}
	}
}

int main(int argc, char **argv)
{
	static const struct ck_test tests[] = {
		CK_TEST(container_echo_output_reaches_stdout_pipe),
		CK_TEST(container_runs_as_requested_uid_gid),
		CK_TEST(container_hostname_cwd_and_env_are_set),
		CK_TEST(container_readonly_rootfs_refuses_writes),
		CK_TEST(container_masked_paths_are_empty_and_readonly_paths_refuse_writes),
		CK_TEST(container_capabilities_are_podmans_default_set),
		CK_TEST(container_cap_add_and_drop_change_the_set),
		CK_TEST(container_seccomp_blocks_mount_and_unshare),
		CK_TEST(container_seccomp_filters_personality_and_clone_flags),
		CK_TEST(container_inherits_the_callers_rlimits),
		CK_TEST(container_ulimit_within_the_hard_limit_applies),
		CK_TEST(container_ulimit_above_the_hard_limit_fails_before_the_runtime_runs),
		CK_TEST(container_network_none_has_only_loopback),
		CK_TEST(container_sees_only_its_stdio_fds),
		CK_TEST(container_lifecycle_state_kill_and_delete),
		CK_TEST(container_state_of_unknown_id_is_not_found),
		CK_TEST(container_create_failure_names_the_container_and_cause),
		CK_TEST(container_limits_reach_the_cgroup_and_stats_read_them),
		CK_TEST(container_exec_runs_a_process_and_returns_its_status),
		CK_TEST(runtime_invocations_work_from_four_threads_at_once),
		{ NULL, NULL },
	};
	int rc;

	if (geteuid() != 0 && !rt_have_idmaps()) {
		fprintf(stderr, "SKIP: rootless container tests need this user's ranges in /etc/subuid and /etc/subgid\n");
		return 77;
	}
	if (!rt_open_runtime(&rt, CK_TEST_RUNTIME))
		return 77;
	rc = ck_test_main(tests, argc, argv);
	ck__runtime_close(&rt);
	rt_cleanup();
	return rc;
}

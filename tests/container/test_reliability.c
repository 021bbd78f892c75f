/* Containers under failure and load: a monitor killed with SIGKILL, a ck
 * process killed in the middle of create, start or rm, and many processes
 * working on their own containers at once.  Afterwards `rm -f` and
 * `system check --repair` must always leave a clean store. */
#define _GNU_SOURCE
#include "ctr_common.h"

#include <dirent.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static int monitor_pid(ck_container *ctr)
{
	char *json = NULL, *v;
	int pid = 0;

	CK_CHECK_OK(ck_container_inspect(&json, ctr));
	if ((v = tc_json_field(json, "ConmonPid")))
		pid = atoi(v);
	free(v);
	ck_free(json);
	return pid;
}

static bool pid_gone(int pid, int ms)
{
	long long end = tc_now_ms() + ms;
	char path[64], buf[512];
	while (tc_now_ms() < end) {
		snprintf(path, sizeof(path), "/proc/%d/stat", pid);
		FILE *f = fopen(path, "r");
		if (!f)
			return true;
		size_t n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
		buf[n] = '\0';
		char *p = strrchr(buf, ')');
		if (p && p[2] == 'Z')
			return true;
		usleep(10000);
	}
	return false;
}

/* Entries of a directory, but the runtime module's temporary log files
 * (log-XXXXXX) that a killed process may leave: system check removes
 * those once they are old. */
static size_t entries(const char *dir)
{
	DIR *d = opendir(dir);
	size_t n = 0;
	for (struct dirent *de; d && (de = readdir(d));) {
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") && strncmp(de->d_name, "log-", 4)) {
			fprintf(stderr, "  left in %s: %s\n", dir, de->d_name);
			n++;
		}
	}
	if (d)
		closedir(d);
	return n;
}

/* The store and the disk hold no container of any kind. */
static void expect_clean(void)
{
	char path[4300], *report = NULL;

	CK_CHECK(tc_count_containers(tc_ctx()) == 0);
	CK_CHECK(!tc_mounts_under_root());
	/* The monitor of a --rm container deletes its directories right
	 * after its record. */
	for (int i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/%s/containers", tc_tmp(), i ? "run" : "root");
		for (int t = 0; t < 500 && entries(path) != 0; t++)
			usleep(10000);
		CK_CHECK(entries(path) == 0);
	}
	snprintf(path, sizeof(path), "%s/root/rootfs", tc_tmp());
	CK_CHECK(entries(path) == 0);
	snprintf(path, sizeof(path), "%s/run/runtime/%s", tc_tmp(), tc_runtime());
	size_t left = entries(path);
	CK_CHECK(left == 0);
	if (left && getenv("CK_TEST_DIAG")) {
		char cmd[8800];
		snprintf(cmd, sizeof(cmd), "ps -ef --forest | grep -B1 -A3 ck-monitor >&2; cat %s/*/status >&2; ls -la %s/* >&2",
		         path, path);
		system(cmd);
	}
	CK_CHECK_OK(ck_system_check(&report, tc_ctx(), 0));
	CK_CHECK_CONTAINS(report, "\"ok\":true");
	if (report && !strstr(report, "\"ok\":true"))
		fprintf(stderr, "  check: %s\n", report);
	ck_free(report);
}

static void container_monitor_sigkilled_is_reconciled(void)
{
	ck_container_spec *spec = tc_spec("sleep 1000");
	ck_container *ctr;
	char *report = NULL;
	int code = 0;

	CK_CHECK_OK(ck_container_spec_set_name(spec, "orphaned"));
	if (!(ctr = tc_create(spec)))
		return;
	CK_CHECK_OK(ck_container_start(ctr));
	int mon = monitor_pid(ctr), init = ck_container_pid(ctr);
	CK_CHECK(mon > 0 && init > 0);
	CK_CHECK(kill(mon, SIGKILL) == 0);
	CK_CHECK(pid_gone(mon, 5000));
	CK_CHECK_OK(ck_container_refresh(ctr));
	CK_CHECK_STR(ck_container_status(ctr), "unknown");
	/* check reports it, repair reconciles it */
	CK_CHECK_RC(ck_system_check(&report, tc_ctx(), 0), CK_ECORRUPT);
	CK_CHECK_CONTAINS(report, "\"kind\":\"monitor-gone\"");
	CK_CHECK_CONTAINS(report, "orphaned");
	ck_free(report);
	CK_CHECK_OK(ck_system_check(&report, tc_ctx(), CK_CHECK_REPAIR));
	CK_CHECK_CONTAINS(report, "\"repaired\":true");
	ck_free(report);
	CK_CHECK_OK(ck_container_refresh(ctr));
	CK_CHECK_STR(ck_container_status(ctr), "exited");
	CK_CHECK(ck_container_exit_code(ctr) == -1);
	CK_CHECK(pid_gone(init, 5000));
	CK_CHECK_OK(ck_container_wait(&code, ctr, 1000));
	CK_CHECK(code == -1);
	/* it can be started again and removed */
	CK_CHECK_OK(ck_container_start(ctr));
	CK_CHECK_STR(ck_container_status(ctr), "running");
	CK_CHECK_OK(ck_container_remove(ctr, CK_REMOVE_FORCE));
	ck_container_free(ctr);
	expect_clean();
}

static void container_monitor_sigkilled_then_rm_force_and_wait_work(void)
{
	ck_container *a = tc_create(tc_spec("sleep 1000")), *b = tc_create(tc_spec("sleep 0.3; exit 4"));
	int code = 0;

	if (!a || !b)
		return;
	CK_CHECK_OK(ck_container_start(a));
	CK_CHECK_OK(ck_container_start(b));
	int ma = monitor_pid(a), mb = monitor_pid(b), ib = ck_container_pid(b);
	kill(ma, SIGKILL);
	kill(mb, SIGKILL);
	CK_CHECK(pid_gone(ma, 5000) && pid_gone(mb, 5000));
	/* its init still runs: rm needs force, and rm -f works */
	CK_CHECK_RC(ck_container_remove(a, 0), CK_ESTATE);
	CK_CHECK_OK(ck_container_remove(a, CK_REMOVE_FORCE));
	/* b's init exits by itself; wait notices and gives an unknown code */
	CK_CHECK(pid_gone(ib, 5000));
	CK_CHECK_OK(ck_container_wait(&code, b, 5000));
	CK_CHECK(code == -1);
	CK_CHECK_OK(ck_container_remove(b, 0));
	/* stop of a container whose monitor is gone also works */
	ck_container *c = tc_create(tc_spec("sleep 1000"));
	if (c) {
		CK_CHECK_OK(ck_container_start(c));
		int mc = monitor_pid(c);
		kill(mc, SIGKILL);
		CK_CHECK(pid_gone(mc, 5000));
		CK_CHECK_OK(ck_container_stop(c, 1));
		CK_CHECK_STR(ck_container_status(c), "exited");
		CK_CHECK_OK(ck_container_remove(c, 0));
	}
	ck_container_free(a);
	ck_container_free(b);
	ck_container_free(c);
	expect_clean();
}

/* The first child of `parent` whose command is `comm`, or 0. */
static int child_named(int parent, const char *comm)
{
	DIR *d = opendir("/proc");
	int found = 0;

	for (struct dirent *de; d && !found && (de = readdir(d));) {
		char path[64], buf[512], name[64];
		int pid = atoi(de->d_name), ppid = 0;
		if (pid <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/stat", pid);
		FILE *f = fopen(path, "r");
		size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
		if (f)
			fclose(f);
		buf[n] = '\0';
		char *l = strchr(buf, '('), *r = strrchr(buf, ')');
		if (!l || !r || r - l - 1 >= (long)sizeof(name))
			continue;
		snprintf(name, sizeof(name), "%.*s", (int)(r - l - 1), l + 1);
		if (sscanf(r + 2, "%*c %d", &ppid) == 1 && ppid == parent && !strcmp(name, comm))
			found = pid;
	}
	if (d)
		closedir(d);
	return found;
}

/* crun's foreground run is the monitor's child while the container runs;
 * killed, it leaves the container to the monitor (its subreaper), which
 * still stops it, records the init's own exit code and deletes what crun
 * left of it. */
static void container_runtime_killed_leaves_the_container_to_its_monitor(void)
{
	ck_container_spec *spec = tc_spec("trap 'exit 7' TERM; echo ready; sleep 1000 & wait");
	ck_container *ctr;
	int code = -1;

	if (!(ctr = tc_create(spec)))
		return;
	CK_CHECK_OK(ck_container_start(ctr));
	int mon = monitor_pid(ctr), init = ck_container_pid(ctr), rt = 0;
	for (int i = 0; i < 100 && !(rt = child_named(mon, tc_runtime())); i++)
		usleep(20000);
	if (!rt) {
		fprintf(stderr, "  %s runs detached: no runtime process to kill\n", tc_runtime());
		CK_CHECK_OK(ck_container_remove(ctr, CK_REMOVE_FORCE));
		ck_container_free(ctr);
		return;
	}
	for (int i = 0; i < 100; i++) {
		char *logs = tc_logs(ctr);
		bool ready = logs && strstr(logs, "ready");
		free(logs);
		if (ready)
			break;
		usleep(20000);
	}
	CK_CHECK(kill(rt, SIGKILL) == 0);
	CK_CHECK(pid_gone(rt, 5000));
	usleep(100000);
	CK_CHECK_OK(ck_container_refresh(ctr));
	CK_CHECK_STR(ck_container_status(ctr), "running");
	CK_CHECK(kill(init, 0) == 0);
	CK_CHECK_OK(ck_container_stop(ctr, 10));
	CK_CHECK_STR(ck_container_status(ctr), "exited");
	CK_CHECK_OK(ck_container_wait(&code, ctr, 1000));
	CK_CHECK(code == 7);
	CK_CHECK(pid_gone(init, 5000));
	/* it runs again, and is removed as usual */
	CK_CHECK_OK(ck_container_start(ctr));
	CK_CHECK_STR(ck_container_status(ctr), "running");
	CK_CHECK_OK(ck_container_remove(ctr, CK_REMOVE_FORCE));
	ck_container_free(ctr);
	expect_clean();
}

/* In a child process: create, start and remove containers until killed. */
static void victim(int round)
{
	ck_context *ctx = tc_ctx_new();
	for (int i = 0;; i++) {
		ck_container_spec *spec = NULL;
		ck_container *ctr = NULL;
		char name[64];
		snprintf(name, sizeof(name), "victim-%d-%d", round, i);
		const char *argv[] = { "sh", "-c", "sleep 1000", NULL };
		ck_container_spec_new(&spec);
		ck_container_spec_set_image(spec, TC_IMAGE);
		ck_container_spec_set_command(spec, argv);
		ck_container_spec_set_name(spec, name);
		ck_container_spec_add_volume_string(spec, "/anon");
		if (ck_container_create(&ctr, ctx, spec) == CK_OK && ck_container_start(ctr) == CK_OK)
			ck_container_remove(ctr, CK_REMOVE_FORCE | CK_REMOVE_VOLUMES);
		ck_container_free(ctr);
		ck_container_spec_free(spec);
	}
}

static void container_ck_killed_mid_operation_is_cleaned_by_rm_and_repair(void)
{
	static const int delays_ms[] = { 3, 10, 25, 40, 60, 90, 130, 180, 250, 330, 420, 520 };
	const int rounds = (int)(sizeof(delays_ms) / sizeof(delays_ms[0]));

	tc_ctx();
	for (int round = 0; round < rounds; round++) {
		fflush(NULL);
		pid_t pid = fork();
		if (pid == 0) {
			victim(round);
			_exit(0);
		}
		usleep((useconds_t)delays_ms[round] * 1000 + (useconds_t)(round % 3) * 7000);
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		/* A runtime command the killed process had started (crun delete,
		 * say) still finishes on its own: let it, as time would. */
		usleep(300000);
		if (round % 2 == 0) {
			/* rm -f cleans whatever was left */
			ck_container **list = NULL;
			size_t n = 0;
			CK_CHECK_OK(ck_container_list(&list, &n, tc_ctx(), CK_CONTAINER_LIST_ALL, NULL));
			for (size_t i = 0; i < n; i++) {
				int rc = ck_container_remove(list[i], CK_REMOVE_FORCE | CK_REMOVE_VOLUMES);
				CK_CHECK_RC(rc, CK_OK);
				if (rc != CK_OK && getenv("CK_TEST_DIAG")) {
					char cmd[8192];
					snprintf(cmd, sizeof(cmd), "cat %s/run/containers/%s/monitor.log >&2; ps -ef --forest >&2",
					         tc_tmp(), ck_container_id(list[i]));
					system(cmd);
				}
			}
			ck_container_list_free(list, n);
		}
		/* the repair cleans the rest (and whatever rm left) */
		char *report = NULL;
		int rc = ck_system_check(&report, tc_ctx(), CK_CHECK_REPAIR);
		if (rc != CK_OK)
			fprintf(stderr, "  round %d: %s\n", round, report ? report : ck_error_last()->message);
		CK_CHECK_RC(rc, CK_OK);
		ck_free(report);
		/* what the repair kept (containers that were complete) rm -f removes */
		ck_container **list = NULL;
		size_t n = 0;
		CK_CHECK_OK(ck_container_list(&list, &n, tc_ctx(), CK_CONTAINER_LIST_ALL, NULL));
		for (size_t i = 0; i < n; i++)
			CK_CHECK_OK(ck_container_remove(list[i], CK_REMOVE_FORCE | CK_REMOVE_VOLUMES));
		ck_container_list_free(list, n);
		/* anonymous volumes of containers that never completed */
		ck_volume **vols = NULL;
		CK_CHECK_OK(ck_volume_list(&vols, &n, tc_ctx(), NULL));
		for (size_t i = 0; i < n; i++)
			CK_CHECK_OK(ck_volume_remove(vols[i], 0));
		ck_volume_list_free(vols, n);
		expect_clean();
	}
}

/* One of the concurrent workers: its own context and containers. */
static int worker(int index)
{
	ck_context *ctx = tc_ctx_new();
	int errors = 0;

	for (int i = 0; i < 3; i++) {
		ck_container_spec *spec = NULL;
		ck_container *ctr = NULL;
		char name[64];
		const char *argv[] = { "sh", "-c", "trap 'exit 0' TERM; sleep 1000 & wait", NULL };
		snprintf(name, sizeof(name), "worker-%d-%d", index, i);
		if (ck_container_spec_new(&spec) || ck_container_spec_set_image(spec, TC_IMAGE) ||
		    ck_container_spec_set_command(spec, argv) || ck_container_spec_set_name(spec, name))
			errors++;
#define STEP(call)                                                                           \
	do {                                                                                 \
		int rc_ = (call);                                                            \
		if (rc_ != CK_OK) {                                                          \
			fprintf(stderr, "  worker %d: %s: %s\n", index, #call, ck_error_last()->message); \
			errors++;                                                            \
		}                                                                            \
	} while (0)
		STEP(ck_container_create(&ctr, ctx, spec));
		if (ctr) {
			STEP(ck_container_start(ctr));
			STEP(ck_container_stop(ctr, 30));
			if (strcmp(ck_container_status(ctr), "exited") != 0) {
				fprintf(stderr, "  worker %d: status %s after stop\n", index, ck_container_status(ctr));
				errors++;
			}
			STEP(ck_container_remove(ctr, 0));
		}
		ck_container_free(ctr);
		ck_container_spec_free(spec);
	}
	ck_context_free(ctx);
	return errors;
}

static void container_64_processes_work_concurrently_without_errors(void)
{
	enum { N = 64 };
	pid_t pids[N];
	int failures = 0;
	long long t0;

	tc_ctx();
	fflush(NULL);
	t0 = tc_now_ms();
	for (int i = 0; i < N; i++) {
		pids[i] = fork();
		if (pids[i] == 0)
			_exit(worker(i) ? 1 : 0);
	}
	for (int i = 0; i < N; i++) {
		int status = 0;
		waitpid(pids[i], &status, 0);
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			failures++;
	}
	fprintf(stderr, "  %d processes in %lld ms\n", N, tc_now_ms() - t0);
	CK_CHECK(failures == 0);
	expect_clean();
}

CK_TESTS(CK_TEST(container_monitor_sigkilled_is_reconciled),
         CK_TEST(container_monitor_sigkilled_then_rm_force_and_wait_work),
         CK_TEST(container_runtime_killed_leaves_the_container_to_its_monitor),
         CK_TEST(container_ck_killed_mid_operation_is_cleaned_by_rm_and_repair),
         CK_TEST(container_64_processes_work_concurrently_without_errors))

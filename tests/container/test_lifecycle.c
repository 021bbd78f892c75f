/* Container lifecycle with a real OCI runtime (built once for crun and once
 * for runc): create, start (detached and attached), wait, logs, stop, kill,
 * restart and its policies, rm and --rm, through the public API. */
#define _GNU_SOURCE
#include "ctr_common.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <stdbool.h>
#include <unistd.h>

static ck_container *start_script(const char *name, const char *script)
{
	ck_container_spec *spec = tc_spec(script);
	ck_container *ctr;

	if (name)
		CK_CHECK_OK(ck_container_spec_set_name(spec, name));
	ctr = tc_create(spec);
	if (ctr)
		CK_CHECK_OK(ck_container_start(ctr));
	return ctr;
}

static void remove_ctr(ck_container *ctr)
{
	if (ctr)
		CK_CHECK_OK(ck_container_remove(ctr, CK_REMOVE_FORCE));
	ck_container_free(ctr);
}

static void container_lifecycle_create_start_wait_logs_rm(void)
{
	ck_container_spec *spec = tc_spec("echo out-line; echo err-line >&2; exit 7");
	ck_container *ctr, *gone = NULL;
	char *logs, dir[4300];
	int code = -1;

	CK_CHECK_OK(ck_container_spec_set_name(spec, "lifecycle"));
	ctr = tc_create(spec);
	if (!ctr)
		return;
	CK_CHECK_STR(ck_container_status(ctr), "created");
	CK_CHECK_STR(ck_container_name(ctr), "lifecycle");
	CK_CHECK(strlen(ck_container_id(ctr)) == 64);
	CK_CHECK_OK(ck_container_start(ctr));
	CK_CHECK_OK(ck_container_wait(&code, ctr, 30000));
	CK_CHECK(code == 7);
	CK_CHECK_STR(ck_container_status(ctr), "exited");
	CK_CHECK(ck_container_exit_code(ctr) == 7);
	CK_CHECK(ck_container_started_at(ctr) > 0 && ck_container_finished_at(ctr) >= ck_container_started_at(ctr));
	logs = tc_logs(ctr);
	CK_CHECK_CONTAINS(logs, "out-line\n");
	CK_CHECK_CONTAINS(logs, "err-line\n");
	free(logs);
	/* started again, it runs again */
	CK_CHECK_OK(ck_container_start(ctr));
	CK_CHECK_OK(ck_container_wait(&code, ctr, 30000));
	CK_CHECK(code == 7);
	snprintf(dir, sizeof(dir), "%s/root/containers/%s", tc_tmp(), ck_container_id(ctr));
	CK_CHECK(access(dir, F_OK) == 0);
	CK_CHECK_OK(ck_container_remove(ctr, 0));
	CK_CHECK_RC(ck_container_lookup(&gone, tc_ctx(), "lifecycle"), CK_ENOTFOUND);
	CK_CHECK(access(dir, F_OK) != 0);
	ck_container_free(ctr);
	CK_CHECK(!tc_mounts_under_root());
}

static void container_run_rm_removes_everything_after_exit(void)
{
	ck_container_spec *spec = tc_spec("echo bye; exit 3");
	ck_container *ctr;
	char id[65], dir[4300];
	int code = -1;

	CK_CHECK_OK(ck_container_spec_set_name(spec, "autorm"));
	CK_CHECK_OK(ck_container_spec_set_remove(spec, 1));
	CK_CHECK_OK(ck_container_spec_add_volume_string(spec, "/anon"));
	ctr = tc_create(spec);
	if (!ctr)
		return;
	snprintf(id, sizeof(id), "%s", ck_container_id(ctr));
	CK_CHECK_OK(ck_container_start(ctr));
	CK_CHECK_OK(ck_container_wait(&code, ctr, 30000));
	CK_CHECK(code == 3);
	CK_CHECK(tc_wait_gone(id, 10000));
	snprintf(dir, sizeof(dir), "%s/root/containers/%s", tc_tmp(), id);
	CK_CHECK(tc_wait_no_path(dir, 5000));
	snprintf(dir, sizeof(dir), "%s/run/containers/%s", tc_tmp(), id);
	CK_CHECK(tc_wait_no_path(dir, 5000));
	snprintf(dir, sizeof(dir), "%s/root/rootfs/%s", tc_tmp(), id);
	CK_CHECK(access(dir, F_OK) != 0);
	/* its anonymous volume went with it (right after the record) */
	ck_volume **vols = NULL;
	size_t nvols = 1;
	for (int i = 0; i < 100 && nvols; i++) {
		CK_CHECK_OK(ck_volume_list(&vols, &nvols, tc_ctx(), NULL));
		ck_volume_list_free(vols, nvols);
		if (nvols)
			usleep(20000);
	}
	CK_CHECK(nvols == 0);
	CK_CHECK(!tc_mounts_under_root());
	/* wait on the handle after removal still gives the exit code */
	code = -1;
	CK_CHECK_OK(ck_container_wait(&code, ctr, 5000));
	CK_CHECK(code == 3);
	ck_container_free(ctr);
}

static void container_stop_escalates_to_sigkill_when_sigterm_is_ignored(void)
{
	ck_container_spec *spec = tc_spec("trap '' TERM; echo ready; sleep 1000 & wait; sleep 1000");
	ck_container *ctr;
	long long t0;
	int code = -1;

	CK_CHECK_OK(ck_container_spec_set_stop_timeout(spec, 1));
	ctr = tc_create(spec);
	if (!ctr)
		return;
	CK_CHECK_OK(ck_container_start(ctr));
	CK_CHECK_STR(ck_container_status(ctr), "running");
	CK_CHECK(ck_container_pid(ctr) > 0);
	t0 = tc_now_ms();
	CK_CHECK_OK(ck_container_stop(ctr, -1));
	long long took = tc_now_ms() - t0;
	CK_CHECK(took >= 900 && took < 15000);
	CK_CHECK_STR(ck_container_status(ctr), "exited");
	CK_CHECK_OK(ck_container_wait(&code, ctr, 5000));
	CK_CHECK(code == 137);
	/* stopping a stopped container does nothing */
	CK_CHECK_OK(ck_container_stop(ctr, 1));
	remove_ctr(ctr);
}

static void container_stop_with_sigterm_handler_exits_at_once(void)
{
	ck_container *ctr = start_script(NULL, "trap 'echo got-term; exit 0' TERM; echo trap-set; "
	                                       "while true; do sleep 0.1; done");
	long long t0;
	int code = -1;

	if (!ctr)
		return;
	/* the handler is in place once the script says so: a stop before that
	 * meets the shell's default action instead */
	for (int i = 0; i < 200; i++) {
		char *logs = tc_logs(ctr);
		bool set = logs && strstr(logs, "trap-set");
		free(logs);
		if (set)
			break;
		usleep(50000);
	}
	t0 = tc_now_ms();
	CK_CHECK_OK(ck_container_stop(ctr, 10));
	CK_CHECK(tc_now_ms() - t0 < 5000);
	CK_CHECK_OK(ck_container_wait(&code, ctr, 5000));
	CK_CHECK(code == 0);
	char *logs = tc_logs(ctr);
	CK_CHECK_CONTAINS(logs, "got-term");
	free(logs);
	remove_ctr(ctr);
}

static void container_kill_with_a_signal_name(void)
{
	ck_container *ctr = start_script(NULL, "trap 'echo got-hup; exit 3' HUP; while true; do sleep 0.1; done");
	int sig = 0, code = -1;

	if (!ctr)
		return;
	CK_CHECK_OK(ck_container_signal_parse(&sig, "hup"));
	CK_CHECK(sig == SIGHUP);
	CK_CHECK_OK(ck_container_signal_parse(&sig, "SIGUSR1"));
	CK_CHECK(sig == SIGUSR1);
	CK_CHECK_OK(ck_container_signal_parse(&sig, "9"));
	CK_CHECK(sig == 9);
	CK_CHECK_OK(ck_container_signal_parse(&sig, "RTMIN+2"));
	CK_CHECK(sig == 36);
	CK_CHECK_RC(ck_container_signal_parse(&sig, "SIGFOO"), CK_EINVAL);
	CK_CHECK_CONTAINS(ck_error_last()->message, "SIGFOO");
	CK_CHECK_RC(ck_container_signal_parse(&sig, "0"), CK_EINVAL);
	CK_CHECK_RC(ck_container_signal_parse(&sig, "65"), CK_EINVAL);
	CK_CHECK_RC(ck_container_kill(ctr, 0), CK_EINVAL);
	usleep(300000); /* let the shell set its trap */
	CK_CHECK_OK(ck_container_signal_parse(&sig, "HUP"));
	CK_CHECK_OK(ck_container_kill(ctr, sig));
	CK_CHECK_OK(ck_container_wait(&code, ctr, 10000));
	CK_CHECK(code == 3);
	char *logs = tc_logs(ctr);
	CK_CHECK_CONTAINS(logs, "got-hup");
	free(logs);
	CK_CHECK_RC(ck_container_kill(ctr, SIGKILL), CK_ESTATE);
	CK_CHECK_CONTAINS(ck_error_last()->message, "not running");
	remove_ctr(ctr);
}

static void container_restart_policy_on_failure_counts_restarts(void)
{
	ck_container_spec *spec = tc_spec("echo run; exit 3");
	ck_container *ctr;
	int code = -1;

	CK_CHECK_OK(ck_container_spec_set_restart_policy(spec, "on-failure:2"));
	ctr = tc_create(spec);
	if (!ctr)
		return;
	CK_CHECK_OK(ck_container_start(ctr));
	CK_CHECK_OK(ck_container_wait(&code, ctr, 30000));
	CK_CHECK(code == 3);
	CK_CHECK(ck_container_restart_count(ctr) == 2);
	char *logs = tc_logs(ctr), *p = logs;
	int runs = 0;
	while (p && (p = strstr(p, "run\n"))) {
		runs++;
		p += 4;
	}
	CK_CHECK(runs == 3);
	free(logs);
	char *json = NULL;
	CK_CHECK_OK(ck_container_inspect(&json, ctr));
	CK_CHECK_CONTAINS(json, "\"RestartCount\":2");
	CK_CHECK_CONTAINS(json, "\"Name\":\"on-failure\",\"MaximumRetryCount\":2");
	ck_free(json);
	remove_ctr(ctr);
	/* a success is not restarted */
	spec = tc_spec("exit 0");
	CK_CHECK_OK(ck_container_spec_set_restart_policy(spec, "on-failure"));
	ctr = tc_create(spec);
	if (!ctr)
		return;
	CK_CHECK_OK(ck_container_start(ctr));
	CK_CHECK_OK(ck_container_wait(&code, ctr, 30000));
	CK_CHECK(code == 0 && ck_container_restart_count(ctr) == 0);
	remove_ctr(ctr);
}

static void container_restart_policy_always_ends_with_stop(void)
{
	ck_container_spec *spec = tc_spec("sleep 0.2; exit 1");
	ck_container *ctr;

	CK_CHECK_OK(ck_container_spec_set_restart_policy(spec, "always"));
	ctr = tc_create(spec);
	if (!ctr)
		return;
	CK_CHECK_OK(ck_container_start(ctr));
	usleep(1500000);
	CK_CHECK_OK(ck_container_refresh(ctr));
	CK_CHECK(ck_container_restart_count(ctr) >= 1);
	CK_CHECK_OK(ck_container_stop(ctr, 2));
	CK_CHECK_STR(ck_container_status(ctr), "exited");
	unsigned int count = ck_container_restart_count(ctr);
	usleep(800000);
	CK_CHECK_OK(ck_container_refresh(ctr));
	CK_CHECK_STR(ck_container_status(ctr), "exited");
	CK_CHECK(ck_container_restart_count(ctr) == count);
	remove_ctr(ctr);
}

static void container_restart_runs_it_again(void)
{
	ck_container *ctr = start_script(NULL, "echo started; sleep 1000");
	int pid1, code;

	if (!ctr)
		return;
	pid1 = ck_container_pid(ctr);
	CK_CHECK_OK(ck_container_restart(ctr, 0));
	CK_CHECK_STR(ck_container_status(ctr), "running");
	CK_CHECK(ck_container_pid(ctr) > 0 && ck_container_pid(ctr) != pid1);
	CK_CHECK_OK(ck_container_kill(ctr, SIGKILL));
	CK_CHECK_OK(ck_container_wait(&code, ctr, 10000));
	CK_CHECK(code == 137);
	remove_ctr(ctr);
}

static void container_rm_running_needs_force(void)
{
	ck_container *ctr = start_script("busy", "sleep 1000");

	if (!ctr)
		return;
	CK_CHECK_RC(ck_container_remove(ctr, 0), CK_ESTATE);
	CK_CHECK_CONTAINS(ck_error_last()->message, "busy");
	CK_CHECK_OK(ck_container_refresh(ctr));
	CK_CHECK_STR(ck_container_status(ctr), "running");
	/* starting it again does nothing */
	CK_CHECK_OK(ck_container_start(ctr));
	CK_CHECK_OK(ck_container_remove(ctr, CK_REMOVE_FORCE));
	CK_CHECK(tc_count_containers(tc_ctx()) == 0);
	ck_container_free(ctr);
	CK_CHECK(!tc_mounts_under_root());
}

static void container_start_attached_streams_output_and_exit_code(void)
{
	ck_attach_options o = CK_ATTACH_OPTIONS_INIT;
	ck_container *ctr = tc_create(tc_spec("echo to-out; echo to-err >&2; exit 4"));
	int out[2], err[2], code = -1;

	if (!ctr || pipe(out) < 0 || pipe(err) < 0)
		return;
	o.stdout_fd = out[1];
	o.stderr_fd = err[1];
	CK_CHECK_OK(ck_container_start_attached(&code, ctr, &o));
	CK_CHECK(code == 4);
	char *so = tc_drain(out[0]), *se = tc_drain(err[0]);
	CK_CHECK_STR(so, "to-out\n");
	CK_CHECK_STR(se, "to-err\n");
	free(so);
	free(se);
	close(out[0]);
	close(out[1]);
	close(err[0]);
	close(err[1]);
	remove_ctr(ctr);
}

static void container_run_attached_with_stdin_and_rm(void)
{
	ck_attach_options o = CK_ATTACH_OPTIONS_INIT;
	ck_container_spec *spec = tc_spec("read line; echo \"got $line\"; exit 5");
	ck_container *ctr;
	int in[2], out[2], code = -1;

	CK_CHECK_OK(ck_container_spec_set_stdin(spec, 1));
	CK_CHECK_OK(ck_container_spec_set_remove(spec, 1));
	ctr = tc_create(spec);
	if (!ctr || pipe(in) < 0 || pipe(out) < 0)
		return;
	CK_CHECK(write(in[1], "hello\n", 6) == 6);
	close(in[1]);
	o.stdin_fd = in[0];
	o.stdout_fd = out[1];
	CK_CHECK_OK(ck_container_start_attached(&code, ctr, &o));
	CK_CHECK(code == 5);
	char *so = tc_drain(out[0]);
	CK_CHECK_STR(so, "got hello\n");
	free(so);
	CK_CHECK(tc_wait_gone(ck_container_id(ctr), 10000));
	close(in[0]);
	close(out[0]);
	close(out[1]);
	ck_container_free(ctr);
}

/* A --rm container started attached is gone, with its directories, root
 * filesystem, runtime state and anonymous volume, when the call returns
 * with its exit code: nothing is left to wait for. */
static void container_run_rm_attached_is_gone_when_it_returns(void)
{
	ck_attach_options o = CK_ATTACH_OPTIONS_INIT;
	ck_container_spec *spec = tc_spec("echo bye; exit 6");
	ck_container *ctr, *gone = NULL;
	char id[65], path[4300];
	int out[2], code = -1;

	CK_CHECK_OK(ck_container_spec_set_remove(spec, 1));
	CK_CHECK_OK(ck_container_spec_add_volume_string(spec, "/anon"));
	ctr = tc_create(spec);
	if (!ctr || pipe(out) < 0)
		return;
	snprintf(id, sizeof(id), "%s", ck_container_id(ctr));
	o.stdout_fd = out[1];
	CK_CHECK_OK(ck_container_start_attached(&code, ctr, &o));
	CK_CHECK(code == 6);
	char *so = tc_drain(out[0]);
	CK_CHECK_STR(so, "bye\n");
	free(so);
	CK_CHECK_RC(ck_container_lookup(&gone, tc_ctx(), id), CK_ENOTFOUND);
	CK_CHECK(tc_count_containers(tc_ctx()) == 0);
	ck_volume **vols = NULL;
	size_t nvols = 1;
	CK_CHECK_OK(ck_volume_list(&vols, &nvols, tc_ctx(), NULL));
	ck_volume_list_free(vols, nvols);
	CK_CHECK(nvols == 0);
	CK_CHECK(!tc_mounts_under_root());
	snprintf(path, sizeof(path), "%s/run/runtime/%s/%s", tc_tmp(), tc_runtime(), id);
	CK_CHECK(access(path, F_OK) != 0);
	/* The monitor deletes the directories right after, under the
	 * container's lock: a check at once finds nothing wrong. */
	char *report = NULL;
	CK_CHECK_OK(ck_system_check(&report, tc_ctx(), 0));
	if (report && !strstr(report, "\"problems\":[]"))
		fprintf(stderr, "  check right after the return: %s\n", report);
	CK_CHECK(report && strstr(report, "\"problems\":[]"));
	ck_free(report);
	snprintf(path, sizeof(path), "%s/root/containers/%s", tc_tmp(), id);
	CK_CHECK(tc_wait_no_path(path, 5000));
	snprintf(path, sizeof(path), "%s/run/containers/%s", tc_tmp(), id);
	CK_CHECK(tc_wait_no_path(path, 5000));
	close(out[0]);
	close(out[1]);
	ck_container_free(ctr);
}

static void container_attach_to_a_running_container(void)
{
	ck_attach_options o = CK_ATTACH_OPTIONS_INIT;
	ck_container *ctr = start_script(NULL, "echo early; sleep 1; echo late; exit 2");
	int out[2], code = -1;

	if (!ctr || pipe(out) < 0)
		return;
	usleep(300000); /* "early" is written (and logged) before the attach */
	o.stdout_fd = out[1];
	CK_CHECK_OK(ck_container_attach(&code, ctr, &o));
	CK_CHECK(code == 2);
	char *so = tc_drain(out[0]);
	CK_CHECK_STR(so, "late\n"); /* what came before the attach is in the log */
	free(so);
	char *logs = tc_logs(ctr);
	CK_CHECK_STR(logs, "early\nlate\n");
	free(logs);
	CK_CHECK_RC(ck_container_attach(&code, ctr, &o), CK_ESTATE);
	close(out[0]);
	close(out[1]);
	remove_ctr(ctr);
}

static void container_tty_output_reaches_the_log(void)
{
	ck_container_spec *spec = tc_spec("tty; echo in-tty");
	ck_container *ctr;
	int code = -1;

	CK_CHECK_OK(ck_container_spec_set_tty(spec, 1));
	ctr = tc_create(spec);
	if (!ctr)
		return;
	CK_CHECK_OK(ck_container_start(ctr));
	CK_CHECK_OK(ck_container_wait(&code, ctr, 10000));
	CK_CHECK(code == 0);
	char *logs = tc_logs(ctr);
	CK_CHECK_CONTAINS(logs, "/dev/pts/0");
	CK_CHECK_CONTAINS(logs, "in-tty");
	free(logs);
	remove_ctr(ctr);
}

static void container_wait_times_out_while_running(void)
{
	ck_container *ctr = start_script(NULL, "sleep 1000");
	int code = 0;

	if (!ctr)
		return;
	CK_CHECK_RC(ck_container_wait(&code, ctr, 200), CK_ETIMEOUT);
	remove_ctr(ctr);
}

/* podman 4.3's wait answers at once, with 0, for a container that never ran. */
static void container_wait_on_a_created_container_returns_zero(void)
{
	ck_container *ctr = tc_create(tc_spec("true"));
	int code = -1;

	if (!ctr)
		return;
	CK_CHECK_OK(ck_container_wait(&code, ctr, 5000));
	CK_CHECK(code == 0);
	CK_CHECK_STR(ck_container_status(ctr), "created");
	remove_ctr(ctr);
}

static void container_init_reaps_and_forwards_signals(void)
{
	ck_container_spec *spec = tc_spec("echo pid1=$(cat /proc/1/comm); exit 6");
	ck_container *ctr;
	int code = -1;

	CK_CHECK_OK(ck_container_spec_set_init(spec, 1));
	ctr = tc_create(spec);
	if (!ctr)
		return;
	CK_CHECK_OK(ck_container_start(ctr));
	CK_CHECK_OK(ck_container_wait(&code, ctr, 10000));
	CK_CHECK(code == 6);
	char *logs = tc_logs(ctr);
	CK_CHECK_CONTAINS(logs, "pid1=ck-init");
	free(logs);
	remove_ctr(ctr);
}

static void container_gets_no_descriptors_of_the_caller(void)
{
	/* A descriptor the caller left inheritable must not reach the container. */
	int leak = open("/dev/null", O_RDONLY);
	char *logs = NULL;
	int code = tc_run("ls /proc/self/fd", &logs);

	CK_CHECK(leak >= 3);
	CK_CHECK(code == 0);
	CK_CHECK_STR(logs, "0\n1\n2\n3\n"); /* 3: ls reading the directory */
	free(logs);
	close(leak);
}

CK_TESTS(CK_TEST(container_lifecycle_create_start_wait_logs_rm),
         CK_TEST(container_gets_no_descriptors_of_the_caller),
         CK_TEST(container_run_rm_removes_everything_after_exit),
         CK_TEST(container_stop_escalates_to_sigkill_when_sigterm_is_ignored),
         CK_TEST(container_stop_with_sigterm_handler_exits_at_once),
         CK_TEST(container_kill_with_a_signal_name),
         CK_TEST(container_restart_policy_on_failure_counts_restarts),
         CK_TEST(container_restart_policy_always_ends_with_stop),
         CK_TEST(container_restart_runs_it_again),
         CK_TEST(container_rm_running_needs_force),
         CK_TEST(container_start_attached_streams_output_and_exit_code),
         CK_TEST(container_run_attached_with_stdin_and_rm),
         CK_TEST(container_run_rm_attached_is_gone_when_it_returns),
         CK_TEST(container_attach_to_a_running_container),
         CK_TEST(container_tty_output_reaches_the_log),
         CK_TEST(container_wait_times_out_while_running),
         CK_TEST(container_wait_on_a_created_container_returns_zero),
         CK_TEST(container_init_reaps_and_forwards_signals))

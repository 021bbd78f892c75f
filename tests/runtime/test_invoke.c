/* How the runtime is invoked, checked with a stand-in runtime
 * (fake-runtime.sh): where error messages come from, what the runtime
 * process inherits (fds, signals, environment), and that a failed create
 * leaves nothing behind. */
#define _GNU_SOURCE
#include "rt_common.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef CK_FAKE_RUNTIME
#error "CK_FAKE_RUNTIME must name fake-runtime.sh"
#endif

static ck__runtime fake;

static void open_fake(void)
{
	if (!fake.path && ck__runtime_open(&fake, rt_ctx(), CK_FAKE_RUNTIME) < 0) {
		fprintf(stderr, "cannot open the fake runtime: %s\n", ck_error_last()->message);
		abort();
	}
}

static void invoke_error_comes_from_the_runtime_log(void)
{
	open_fake();
	setenv("FAKE_MODE", "log", 1);
	CK_CHECK_RC(ck__runtime_kill(&fake, "c1", SIGTERM, false), CK_ENOTFOUND); /* no state dir */
	char dir[4200];
	snprintf(dir, sizeof(dir), "%s/c1", fake.state_root);
	mkdir(dir, 0700);
	CK_CHECK_RC(ck__runtime_kill(&fake, "c1", SIGTERM, false), CK_ERUNTIME);
	CK_CHECK_CONTAINS(ck_error_last()->message, "kill of container c1 failed: boom from the log");
	CK_CHECK(strstr(ck_error_last()->message, "just a warning") == NULL);
	rmdir(dir);
	/* The log file is gone afterwards. */
	CK_CHECK_RC(ck__runtime_delete(&fake, "c1", true), CK_ENOTFOUND);
	char cmd[4300];
	snprintf(cmd, sizeof(cmd), "ls %s | grep -q log-", fake.state_root);
	CK_CHECK(system(cmd) != 0);
}

static void invoke_error_falls_back_to_stderr_keeping_its_end(void)
{
	open_fake();
	setenv("FAKE_MODE", "stderr", 1);
	CK_CHECK_RC(ck__runtime_delete(&fake, "c2", false), CK_ENOTFOUND);
	const char *msg = ck_error_last()->message;
	CK_CHECK_CONTAINS(msg, "the real cause");
	CK_CHECK_CONTAINS(msg, "c2");
	CK_CHECK(strstr(msg, "line 0 of") == NULL); /* cut from the front */
	CK_CHECK(strlen(msg) < 600);
	CK_CHECK(strchr(msg, '\n') == NULL);
}

static void invoke_passes_only_stdio_to_the_runtime(void)
{
	char marker[4200];
	open_fake();
	snprintf(marker, sizeof(marker), "%s/leak-marker", rt_tmp());
	int leak = open(marker, O_WRONLY | O_CREAT, 0600); /* no O_CLOEXEC on purpose */
	CK_CHECK(leak >= 0);
	setenv("FAKE_MODE", "fds", 1);
	CK_CHECK(ck__runtime_start(&fake, "c3") < 0);
	const char *msg = ck_error_last()->message;
	CK_CHECK_CONTAINS(msg, "fd 0 -> /dev/null");
	CK_CHECK_CONTAINS(msg, "fd 2 -> pipe:");
	CK_CHECK(strstr(msg, "leak-marker") == NULL);
	close(leak);
	unlink(marker);
}

static void invoke_gives_the_runtime_default_signals_and_no_notify_socket(void)
{
	sigset_t block, old;
	struct sigaction ign = { .sa_handler = SIG_IGN }, old_pipe;

	open_fake();
	setenv("FAKE_MODE", "env", 1);
	setenv("NOTIFY_SOCKET", "/run/systemd/notify", 1);
	setenv("LISTEN_FDS", "2", 1);
	setenv("FAKE_KEEP", "kept", 1);
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGCHLD);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	sigaction(SIGPIPE, &ign, &old_pipe);
	CK_CHECK(ck__runtime_start(&fake, "c4") < 0);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	sigaction(SIGPIPE, &old_pipe, NULL);
	unsetenv("NOTIFY_SOCKET");
	unsetenv("LISTEN_FDS");
	const char *msg = ck_error_last()->message;
	CK_CHECK_CONTAINS(msg, "notify=unset listen=unset keep=kept");
	/* (the message has its tabs turned into spaces) */
	CK_CHECK_CONTAINS(msg, "SigBlk: 0000000000000000");
	const char *ignored = strstr(msg, "SigIgn: ");
	CK_CHECK(ignored != NULL);
	/* glibc's posix_spawn leaves its two internal signals (32, 33) ignored
	 * in the child; nothing else may be, SIGPIPE above all. */
	if (ignored)
		CK_CHECK((strtoull(ignored + 8, NULL, 16) & ~0x180000000ULL) == 0);
}

static void invoke_create_failure_removes_what_the_runtime_left(void)
{
	char trace[4200], dir[4200], *text = NULL;
	open_fake();
	snprintf(trace, sizeof(trace), "%s/trace", rt_tmp());
	unlink(trace);
	setenv("FAKE_TRACE", trace, 1);
	setenv("FAKE_MODE", "create-fails", 1);
	CK_CHECK_RC(ck__runtime_create(&fake, "c5", "/nonexistent-bundle", NULL, -1, -1, -1, NULL), CK_ERUNTIME);
	CK_CHECK_CONTAINS(ck_error_last()->message, "create of container c5");
	CK_CHECK_CONTAINS(ck_error_last()->message, "create went wrong");
	snprintf(dir, sizeof(dir), "%s/c5", fake.state_root);
	CK_CHECK(access(dir, F_OK) != 0);
	CK_CHECK_OK(ck__read_file(&text, NULL, trace, 1 << 16));
	CK_CHECK_CONTAINS(text, "create --bundle=/nonexistent-bundle c5\n");
	CK_CHECK_CONTAINS(text, "delete --force c5\n");
	free(text);
	unsetenv("FAKE_TRACE");
	unlink(trace);
}

static void invoke_create_with_a_taken_id_is_eexists_and_runs_nothing(void)
{
	char trace[4200], dir[4200];
	open_fake();
	snprintf(trace, sizeof(trace), "%s/trace2", rt_tmp());
	snprintf(dir, sizeof(dir), "%s/c6", fake.state_root);
	mkdir(dir, 0700);
	setenv("FAKE_TRACE", trace, 1);
	setenv("FAKE_MODE", "ok", 1);
	CK_CHECK_RC(ck__runtime_create(&fake, "c6", "/b", NULL, -1, -1, -1, NULL), CK_EEXISTS);
	CK_CHECK_CONTAINS(ck_error_last()->message, "c6");
	CK_CHECK(access(trace, F_OK) != 0);
	CK_CHECK(access(dir, F_OK) == 0);
	rmdir(dir);
	unsetenv("FAKE_TRACE");
}

static void invoke_refuses_ids_that_look_like_options(void)
{
	open_fake();
	CK_CHECK_RC(ck__runtime_start(&fake, "--all"), CK_EINVAL);
	CK_CHECK_RC(ck__runtime_delete(&fake, "a/b", true), CK_EINVAL);
	CK_CHECK_RC(ck__runtime_create(&fake, "", "/b", NULL, -1, -1, -1, NULL), CK_EINVAL);
	CK_CHECK_RC(ck__runtime_create(&fake, "ok", "relative", NULL, -1, -1, -1, NULL), CK_EINVAL);
	CK_CHECK_RC(ck__runtime_kill(&fake, "ok", 0, false), CK_EINVAL);
	CK_CHECK_RC(ck__runtime_exec(NULL, &fake, "ok", "/p.json", -1, -1, -1, true, true), CK_EINVAL);
}

int main(int argc, char **argv)
{
	static const struct ck_test tests[] = {
		CK_TEST(invoke_error_comes_from_the_runtime_log),
		CK_TEST(invoke_error_falls_back_to_stderr_keeping_its_end),
		CK_TEST(invoke_passes_only_stdio_to_the_runtime),
		CK_TEST(invoke_gives_the_runtime_default_signals_and_no_notify_socket),
		CK_TEST(invoke_create_failure_removes_what_the_runtime_left),
		CK_TEST(invoke_create_with_a_taken_id_is_eexists_and_runs_nothing),
		CK_TEST(invoke_refuses_ids_that_look_like_options),
		{ NULL, NULL },
	};
	int rc = ck_test_main(tests, argc, argv);
	ck__runtime_close(&fake);
	rt_cleanup();
	return rc;
}

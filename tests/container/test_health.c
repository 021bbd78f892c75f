/* Healthchecks and sd_notify through the public API with a real runtime:
 * checks run on schedule by the monitor, the recorded results, the start
 * period, the on-failure actions, the image's HEALTHCHECK, and READY/MAINPID
 * read from a real AF_UNIX datagram socket made by the test.  Every wait is
 * bounded and ends on a signal (a state, a datagram), never a fixed sleep. */
#define _GNU_SOURCE
#include "ctr_common.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define SEC 1000000000LL

static ck_container *start_spec(ck_container_spec *spec)
{
	ck_container *ctr = tc_create(spec);
	if (ctr && ck_container_start(ctr) != CK_OK) {
		fprintf(stderr, "  start: %s\n", ck_error_last()->message);
		ck_test_failed_checks++;
		ck_container_remove(ctr, CK_REMOVE_FORCE);
		ck_container_free(ctr);
		return NULL;
	}
	return ctr;
}

static void remove_ctr(ck_container *ctr)
{
	if (ctr)
		CK_CHECK_OK(ck_container_remove(ctr, CK_REMOVE_FORCE));
	ck_container_free(ctr);
}

/* A spec running `sleep` with the check `cmd` every second. */
static ck_container_spec *health_spec(const char *cmd, unsigned int retries)
{
	ck_container_spec *spec = tc_spec("exec sleep 1000");
	CK_CHECK_OK(ck_container_spec_set_health_cmd(spec, cmd));
	CK_CHECK_OK(ck_container_spec_set_health_interval(spec, SEC));
	CK_CHECK_OK(ck_container_spec_set_health_retries(spec, retries));
	CK_CHECK_OK(ck_container_spec_set_stop_timeout(spec, 1));
	return spec;
}

static size_t log_count(ck_container *ctr)
{
	ck_container_health *h = NULL;
	size_t n = 0;
	if (ck_container_health_read(&h, ctr) == CK_OK)
		n = ck_container_health_log_count(h);
	ck_container_health_free(h);
	return n;
}

/* Waits (at most ms) until at least `n` results are recorded. */
static bool wait_results(ck_container *ctr, size_t n, int ms)
{
	long long end = tc_now_ms() + ms;
	int nap = 20000;
	while (tc_now_ms() < end) {
		if (log_count(ctr) >= n)
			return true;
		usleep(nap);
		nap = nap < 200000 ? nap * 2 : 200000;
	}
	return false;
}

static void health_passing_check_turns_healthy(void)
{
	ck_container *ctr = start_spec(health_spec("echo fine", 3));
	ck_container_health *h = NULL;
	ck_health_status st = CK_HEALTH_NONE;

	if (!ctr)
		return;
	CK_CHECK(ck_container_health_status(ctr) == CK_HEALTH_STARTING);
	CK_CHECK_OK(ck_container_health_wait(&st, ctr, CK_HEALTH_MASK(CK_HEALTH_HEALTHY), 15000));
	CK_CHECK(st == CK_HEALTH_HEALTHY);
	CK_CHECK(ck_container_health_status(ctr) == CK_HEALTH_HEALTHY); /* the wait refreshed the handle */
	CK_CHECK_OK(ck_container_health_read(&h, ctr));
	if (h) {
		ck_health_log_entry e = CK_HEALTH_LOG_ENTRY_INIT;
		CK_CHECK(ck_container_health_get_status(h) == CK_HEALTH_HEALTHY);
		CK_CHECK(ck_container_health_failing_streak(h) == 0);
		CK_CHECK(ck_container_health_log_count(h) >= 1);
		CK_CHECK_OK(ck_container_health_log_entry(&e, h, 0));
		CK_CHECK(e.exit_code == 0);
		CK_CHECK_STR(e.output, "fine\n");
		CK_CHECK(e.start_ns > 0 && e.end_ns >= e.start_ns);
		CK_CHECK_RC(ck_container_health_log_entry(&e, h, 99), CK_ENOTFOUND);
	}
	ck_container_health_free(h);
	/* The config as recorded, CMD-SHELL form and podman's defaults. */
	ck_healthcheck_config hc = CK_HEALTHCHECK_CONFIG_INIT;
	CK_CHECK_OK(ck_container_healthcheck_config(&hc, ctr));
	CK_CHECK(hc.test && !strcmp(hc.test[0], "CMD-SHELL") && !strcmp(hc.test[1], "echo fine"));
	CK_CHECK(hc.interval_ns == SEC && hc.timeout_ns == 30 * SEC && hc.retries == 3 && hc.start_period_ns == 0);
	char *json = NULL;
	CK_CHECK_OK(ck_container_inspect(&json, ctr));
	CK_CHECK_CONTAINS(json, "\"Health\":{\"Status\":\"healthy\"");
	CK_CHECK_CONTAINS(json, "\"Healthcheck\":{\"Status\":\"healthy\"");
	CK_CHECK_CONTAINS(json, "\"Test\":[\"CMD-SHELL\",\"echo fine\"]");
	ck_free(json);
	remove_ctr(ctr);
}

static void health_failing_check_turns_unhealthy_after_retries(void)
{
	ck_container *ctr = start_spec(health_spec("echo bad; exit 3", 2));
	ck_container_health *h = NULL;
	ck_health_status st;

	if (!ctr)
		return;
	CK_CHECK_OK(ck_container_health_wait(&st, ctr, CK_HEALTH_MASK(CK_HEALTH_HEALTHY) |
	                                                   CK_HEALTH_MASK(CK_HEALTH_UNHEALTHY), 20000));
	CK_CHECK(st == CK_HEALTH_UNHEALTHY);
	CK_CHECK_OK(ck_container_health_read(&h, ctr));
	if (h) {
		ck_health_log_entry e = CK_HEALTH_LOG_ENTRY_INIT;
		/* Unhealthy exactly at the second failure in a row. */
		CK_CHECK(ck_container_health_log_count(h) == 2);
		CK_CHECK(ck_container_health_failing_streak(h) == 2);
		CK_CHECK_OK(ck_container_health_log_entry(&e, h, 1));
		CK_CHECK(e.exit_code == 3);
		CK_CHECK_STR(e.output, "bad\n");
	}
	ck_container_health_free(h);
	/* on-failure none: it keeps running. */
	CK_CHECK_STR(ck_container_status(ctr), "running");
	/* A run now, by hand: still failing, one more in the streak. */
	CK_CHECK_OK(ck_container_healthcheck_run(&st, ctr));
	CK_CHECK(st == CK_HEALTH_UNHEALTHY);
	CK_CHECK_OK(ck_container_health_read(&h, ctr));
	CK_CHECK(h && ck_container_health_failing_streak(h) >= 3);
	ck_container_health_free(h);
	remove_ctr(ctr);
}

static void health_failures_in_the_start_period_do_not_count(void)
{
	ck_container_spec *spec = health_spec("exit 1", 1);
	ck_container *ctr;
	ck_container_health *h = NULL;

	CK_CHECK_OK(ck_container_spec_set_health_start_period(spec, 3 * SEC));
	if (!(ctr = start_spec(spec)))
		return;
	/* One retry would make it unhealthy at once; in the start period the
	 * failures are recorded but not counted. */
	CK_CHECK(wait_results(ctr, 1, 10000));
	CK_CHECK_OK(ck_container_health_read(&h, ctr));
	if (h) {
		ck_health_log_entry e = CK_HEALTH_LOG_ENTRY_INIT;
		CK_CHECK_OK(ck_container_health_log_entry(&e, h, 0));
		if (e.start_ns - ck_container_started_at(ctr) < 3 * SEC) {
			CK_CHECK(ck_container_health_get_status(h) == CK_HEALTH_STARTING);
			CK_CHECK(ck_container_health_failing_streak(h) == 0);
		}
	}
	ck_container_health_free(h);
	ck_health_status st;
	CK_CHECK_OK(ck_container_health_wait(&st, ctr, CK_HEALTH_MASK(CK_HEALTH_UNHEALTHY), 20000));
	/* It turned unhealthy only with a check after the start period. */
	CK_CHECK_OK(ck_container_health_read(&h, ctr));
	if (h) {
		size_t n = ck_container_health_log_count(h);
		ck_health_log_entry e = CK_HEALTH_LOG_ENTRY_INIT;
		CK_CHECK_OK(ck_container_health_log_entry(&e, h, n - 1));
		CK_CHECK(e.start_ns - ck_container_started_at(ctr) >= 3 * SEC);
		CK_CHECK(n >= 2);
	}
	ck_container_health_free(h);
	remove_ctr(ctr);
}

static void health_on_failure_kill_kills_it(void)
{
	ck_container_spec *spec = health_spec("exit 1", 1);
	ck_container *ctr;
	int code = -1;

	CK_CHECK_OK(ck_container_spec_set_health_on_failure(spec, "kill"));
	if (!(ctr = start_spec(spec)))
		return;
	CK_CHECK_OK(ck_container_wait(&code, ctr, 20000));
	CK_CHECK(code == 137);
	CK_CHECK_OK(ck_container_refresh(ctr));
	CK_CHECK_STR(ck_container_status(ctr), "exited");
	CK_CHECK(ck_container_health_status(ctr) == CK_HEALTH_UNHEALTHY);
	remove_ctr(ctr);
}

static void health_on_failure_restart_runs_it_again(void)
{
	ck_container_spec *spec = health_spec("exit 1", 1);
	ck_container *ctr;
	long long end;

	CK_CHECK_OK(ck_container_spec_set_health_on_failure(spec, "restart"));
	if (!(ctr = start_spec(spec)))
		return;
	int first_pid = ck_container_pid(ctr);
	/* Restarted whatever its restart policy ("no"): a new init, counted. */
	for (end = tc_now_ms() + 20000; tc_now_ms() < end; usleep(100000)) {
		CK_CHECK_OK(ck_container_refresh(ctr));
		if (ck_container_restart_count(ctr) >= 1 && !strcmp(ck_container_status(ctr), "running"))
			break;
	}
	CK_CHECK(ck_container_restart_count(ctr) >= 1);
	CK_CHECK_STR(ck_container_status(ctr), "running");
	CK_CHECK(ck_container_pid(ctr) > 0 && ck_container_pid(ctr) != first_pid);
	remove_ctr(ctr);
}

static int count_event(const char *json, void *payload)
{
	if (json)
		(*(int *)payload)++;
	return 0;
}

/* Waits (at most ms) for an event `event=...` of the container. */
static bool wait_event(ck_container *ctr, const char *event, int ms)
{
	char f_ctr[128], f_ev[64];
	const char *filters[] = { f_ctr, f_ev, NULL };
	ck_events_options o = CK_EVENTS_OPTIONS_INIT;
	long long end = tc_now_ms() + ms;

	snprintf(f_ctr, sizeof(f_ctr), "container=%s", ck_container_id(ctr));
	snprintf(f_ev, sizeof(f_ev), "event=%s", event);
	o.filters = filters;
	do {
		int n = 0;
		if (ck_events_read(tc_ctx(), &o, count_event, &n) == CK_OK && n > 0)
			return true;
		usleep(50000);
	} while (tc_now_ms() < end);
	return false;
}

static void health_on_failure_stop_stops_it(void)
{
	ck_container_spec *spec = health_spec("exit 1", 1);
	ck_container *ctr;
	int code = -1;

	CK_CHECK_OK(ck_container_spec_set_health_on_failure(spec, "stop"));
	/* A stop is final: its restart policy does not bring it back. */
	CK_CHECK_OK(ck_container_spec_set_restart_policy(spec, "always"));
	if (!(ctr = start_spec(spec)))
		return;
	CK_CHECK_OK(ck_container_wait(&code, ctr, 30000));
	CK_CHECK_OK(ck_container_refresh(ctr));
	CK_CHECK_STR(ck_container_status(ctr), "exited");
	CK_CHECK(ck_container_restart_count(ctr) == 0);
	CK_CHECK(wait_event(ctr, "health_status", 5000));
	CK_CHECK(wait_event(ctr, "stop", 10000)); /* a stop, as `ck stop` records it */
	remove_ctr(ctr);
}

static void health_timeout_kills_a_slow_check(void)
{
	ck_container_spec *spec = health_spec("sleep 30", 1);
	ck_container *ctr;
	ck_container_health *h = NULL;
	ck_health_status st;

	CK_CHECK_OK(ck_container_spec_set_health_timeout(spec, SEC));
	CK_CHECK_OK(ck_container_spec_set_health_interval(spec, 0)); /* by hand only */
	if (!(ctr = start_spec(spec)))
		return;
	long long t0 = tc_now_ms();
	CK_CHECK_OK(ck_container_healthcheck_run(&st, ctr));
	CK_CHECK(tc_now_ms() - t0 < 10000);
	CK_CHECK(st == CK_HEALTH_UNHEALTHY);
	CK_CHECK_OK(ck_container_health_read(&h, ctr));
	if (h) {
		ck_health_log_entry e = CK_HEALTH_LOG_ENTRY_INIT;
		CK_CHECK_OK(ck_container_health_log_entry(&e, h, 0));
		CK_CHECK(e.exit_code == -1);
		CK_CHECK_CONTAINS(e.output, "timeout");
	}
	ck_container_health_free(h);
	remove_ctr(ctr);
}

/* An image with a HEALTHCHECK, loaded into the shared store. */
static bool load_health_image(void)
{
	static int done;
	char cmd[2048], *archive = NULL, **names = NULL;

	if (done)
		return done > 0;
	if (asprintf(&archive, "%s/hc.tar", tc_tmp()) < 0)
		return false;
	snprintf(cmd, sizeof(cmd),
	         "python3 '%s' '%s' --format oci-archive --busybox --name localhost/hc:latest "
	         "--cmd '[\"sleep\",\"1000\"]' --healthcheck '[\"CMD-SHELL\",\"echo from-image\"]' "
	         "--health-interval 1 --health-retries 4 --health-timeout 7",
	         CK_MKIMAGE, archive);
	done = system(cmd) == 0 && ck_image_load(&names, tc_ctx(), archive, NULL, NULL) == CK_OK ? 1 : -1;
	ck_strv_free(names);
	free(archive);
	return done > 0;
}

static void health_image_healthcheck_is_used_and_no_healthcheck_disables_it(void)
{
	ck_container_spec *spec;
	ck_container *ctr;
	ck_healthcheck_config hc = CK_HEALTHCHECK_CONFIG_INIT;
	ck_health_status st;

	CK_CHECK(load_health_image());
	CK_CHECK_OK(ck_container_spec_new(&spec));
	CK_CHECK_OK(ck_container_spec_set_image(spec, "localhost/hc:latest"));
	CK_CHECK_OK(ck_container_spec_set_health_retries(spec, 2)); /* a flag wins over the image */
	if (!(ctr = start_spec(spec)))
		return;
	CK_CHECK_OK(ck_container_healthcheck_config(&hc, ctr));
	CK_CHECK(hc.test && !strcmp(hc.test[1], "echo from-image"));
	CK_CHECK(hc.interval_ns == SEC && hc.timeout_ns == 7 * SEC && hc.retries == 2);
	CK_CHECK_OK(ck_container_health_wait(&st, ctr, CK_HEALTH_MASK(CK_HEALTH_HEALTHY), 15000));
	remove_ctr(ctr);

	CK_CHECK_OK(ck_container_spec_new(&spec));
	CK_CHECK_OK(ck_container_spec_set_image(spec, "localhost/hc:latest"));
	CK_CHECK_OK(ck_container_spec_set_no_healthcheck(spec, 1));
	if (!(ctr = start_spec(spec)))
		return;
	hc = (ck_healthcheck_config)CK_HEALTHCHECK_CONFIG_INIT;
	CK_CHECK_OK(ck_container_healthcheck_config(&hc, ctr));
	CK_CHECK(hc.test == NULL);
	CK_CHECK(ck_container_health_status(ctr) == CK_HEALTH_NONE);
	CK_CHECK_RC(ck_container_healthcheck_run(&st, ctr), CK_ENOTFOUND);
	CK_CHECK_RC(ck_container_health_wait(&st, ctr, CK_HEALTH_MASK(CK_HEALTH_HEALTHY), 1000), CK_ENOTFOUND);
	remove_ctr(ctr);
}

/* ---- sd_notify ---- */

typedef struct notify_sock {
	int fd;
	char path[108];
} notify_sock;

static bool notify_open(notify_sock *ns)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	snprintf(ns->path, sizeof(ns->path), "%s/notify-%d.sock", tc_tmp(), (int)getpid());
	unlink(ns->path);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", ns->path);
	ns->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (ns->fd < 0 || bind(ns->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "  notify socket %s: %s\n", ns->path, strerror(errno));
		ck_test_failed_checks++;
		return false;
	}
	return true;
}

static void notify_close(notify_sock *ns)
{
	if (ns->fd >= 0)
		close(ns->fd);
	unlink(ns->path);
}

/* The next datagram within `ms`, or NULL. */
static char *notify_recv(notify_sock *ns, int ms)
{
	struct pollfd p = { ns->fd, POLLIN, 0 };
	char buf[4096];

	if (poll(&p, 1, ms) <= 0)
		return NULL;
	ssize_t n = recv(ns->fd, buf, sizeof(buf) - 1, 0);
	if (n < 0)
		return NULL;
	buf[n] = '\0';
	return strdup(buf);
}

/* Creates and starts `spec` with NOTIFY_SOCKET set for both calls, as a
 * unit's ExecStart would have it. */
static ck_container *start_notified(ck_container_spec *spec, const notify_sock *ns)
{
	setenv("NOTIFY_SOCKET", ns->path, 1);
	ck_container *ctr = start_spec(spec);
	unsetenv("NOTIFY_SOCKET");
	return ctr;
}

static int monitor_pid_of(ck_container *ctr)
{
	char *json = NULL, *pid = NULL;
	int v = -1;
	if (ck_container_inspect(&json, ctr) == CK_OK && (pid = tc_json_field(json, "ConmonPid")))
		v = atoi(pid);
	free(pid);
	ck_free(json);
	return v;
}

static void sdnotify_conmon_sends_mainpid_and_ready(void)
{
	notify_sock ns;
	ck_container_spec *spec = tc_spec("exec sleep 1000");
	ck_container *ctr;
	char *msg, want[64];

	if (!notify_open(&ns)) {
		ck_container_spec_free(spec);
		return;
	}
	CK_CHECK_OK(ck_container_spec_set_sdnotify(spec, "conmon"));
	if ((ctr = start_notified(spec, &ns))) {
		CK_CHECK_STR(ck_container_sdnotify(ctr), "conmon");
		msg = notify_recv(&ns, 10000);
		snprintf(want, sizeof(want), "MAINPID=%d\nREADY=1", monitor_pid_of(ctr));
		CK_CHECK_STR(msg, want);
		free(msg);
		remove_ctr(ctr);
	}
	/* ignore: nothing is sent. */
	spec = tc_spec("exec sleep 1000");
	CK_CHECK_OK(ck_container_spec_set_sdnotify(spec, "ignore"));
	if ((ctr = start_notified(spec, &ns))) {
		CK_CHECK_STR(ck_container_status(ctr), "running"); /* start returned: the monitor would have sent */
		msg = notify_recv(&ns, 0);
		CK_CHECK(msg == NULL);
		free(msg);
		remove_ctr(ctr);
	}
	notify_close(&ns);
}

static void sdnotify_healthy_sends_ready_only_once_healthy(void)
{
	notify_sock ns;
	ck_container_spec *spec = health_spec("test -e /tmp/ok", 100);
	ck_container *ctr;
	char *msg, want[64];

	if (!notify_open(&ns)) {
		ck_container_spec_free(spec);
		return;
	}
	CK_CHECK_OK(ck_container_spec_set_sdnotify(spec, "healthy"));
	if (!(ctr = start_notified(spec, &ns))) {
		notify_close(&ns);
		return;
	}
	msg = notify_recv(&ns, 10000);
	snprintf(want, sizeof(want), "MAINPID=%d", monitor_pid_of(ctr));
	CK_CHECK_STR(msg, want);
	free(msg);
	/* A failed check recorded: still no READY. */
	CK_CHECK(wait_results(ctr, 1, 10000));
	msg = notify_recv(&ns, 0);
	CK_CHECK(msg == NULL);
	free(msg);
	CK_CHECK_OK(ck_container_exec(NULL, ctr, (const char *[]){ "sh", "-c", "echo > /tmp/ok", NULL }, NULL));
	msg = notify_recv(&ns, 15000);
	CK_CHECK_STR(msg, "READY=1");
	free(msg);
	CK_CHECK_OK(ck_container_refresh(ctr));
	CK_CHECK(ck_container_health_status(ctr) == CK_HEALTH_HEALTHY);
	remove_ctr(ctr);
	notify_close(&ns);
}

/* A static program that sends its argument to $NOTIFY_SOCKET, as a
 * service in the container would; NULL (skip) without a static libc. */
static char *build_notify_tool(void)
{
	static const char src[] =
		"#include <stdlib.h>\n#include <string.h>\n#include <sys/socket.h>\n#include <sys/un.h>\n"
		"int main(int c, char **v) { const char *p = getenv(\"NOTIFY_SOCKET\");\n"
		"  struct sockaddr_un sa = { .sun_family = AF_UNIX }; int fd;\n"
		"  if (!p || c < 2 || strlen(p) >= sizeof(sa.sun_path)) return 2;\n"
		"  strcpy(sa.sun_path, p); fd = socket(AF_UNIX, SOCK_DGRAM, 0);\n"
		"  return sendto(fd, v[1], strlen(v[1]), 0, (struct sockaddr *)&sa, sizeof(sa)) < 0; }\n";
	char *dir = NULL, *srcpath, cmd[1024];

	if (asprintf(&dir, "%s/notify-tool", tc_tmp()) < 0)
		return NULL;
	snprintf(cmd, sizeof(cmd), "mkdir -p '%s'", dir);
	if (system(cmd) != 0 || !(srcpath = tc_write_file("notify-tool.c", src))) {
		free(dir);
		return NULL;
	}
	snprintf(cmd, sizeof(cmd), "cc -static -o '%s/notify' '%s' 2>/dev/null", dir, srcpath);
	int ok = system(cmd) == 0;
	free(srcpath);
	if (!ok) {
		free(dir);
		return NULL;
	}
	return dir;
}

static void sdnotify_container_lets_the_container_send_ready(void)
{
	notify_sock ns;
	char *tool = build_notify_tool(), *msg, want[64];
	ck_container_spec *spec;
	ck_container *ctr;

	if (!tool) {
		CK_SKIP("no static C toolchain (cc -static) to build the container's notify program");
		return;
	}
	if (!notify_open(&ns)) {
		free(tool);
		return;
	}
	/* The container waits for a file, so that MAINPID comes first. */
	spec = tc_spec("test \"$NOTIFY_SOCKET\" = /run/notify/notify.sock || exit 9; "
	               "while [ ! -e /tmp/go ]; do sleep 0.1; done; /opt/tool/notify 'READY=1\nSTATUS=from inside'; "
	               "exec sleep 1000");
	CK_CHECK_OK(ck_container_spec_add_volume(spec, tool, "/opt/tool", "ro"));
	CK_CHECK_OK(ck_container_spec_set_sdnotify(spec, "container"));
	if ((ctr = start_notified(spec, &ns))) {
		msg = notify_recv(&ns, 10000);
		snprintf(want, sizeof(want), "MAINPID=%d", monitor_pid_of(ctr));
		CK_CHECK_STR(msg, want); /* only MAINPID from the monitor */
		free(msg);
		CK_CHECK_OK(ck_container_exec(NULL, ctr, (const char *[]){ "sh", "-c", "echo > /tmp/go", NULL }, NULL));
		msg = notify_recv(&ns, 15000);
		CK_CHECK_STR(msg, "READY=1\nSTATUS=from inside");
		free(msg);
		remove_ctr(ctr);
	}
	notify_close(&ns);
	free(tool);
}

/* ---- bad input ---- */

static void health_and_sdnotify_bad_input_creates_nothing(void)
{
	ck_context *ctx = tc_ctx();
	ck_container_spec *spec = tc_spec("true");
	ck_container *ctr = NULL;
	int64_t ns;
	size_t before = tc_count_containers(ctx);

	CK_CHECK_RC(ck_duration_parse(&ns, "10x"), CK_EINVAL);
	CK_CHECK_CONTAINS(ck_error_last()->message, "10x");
	CK_CHECK_RC(ck_duration_parse(&ns, ""), CK_EINVAL);
	CK_CHECK_RC(ck_duration_parse(&ns, "-1s"), CK_EINVAL);
	CK_CHECK_OK(ck_duration_parse(&ns, "1m30.5s"));
	CK_CHECK(ns == 90500000000LL);
	CK_CHECK_OK(ck_duration_parse(&ns, "250ms"));
	CK_CHECK(ns == 250000000LL);
	CK_CHECK_RC(ck_container_spec_set_health_interval(spec, SEC / 2), CK_EINVAL);
	CK_CHECK_CONTAINS(ck_error_last()->message, "--health-interval");
	CK_CHECK_RC(ck_container_spec_set_health_timeout(spec, 0), CK_EINVAL);
	CK_CHECK_RC(ck_container_spec_set_health_retries(spec, 0), CK_EINVAL);
	CK_CHECK_CONTAINS(ck_error_last()->message, "--health-retries");
	CK_CHECK_RC(ck_container_spec_set_health_on_failure(spec, "explode"), CK_EINVAL);
	CK_CHECK_CONTAINS(ck_error_last()->message, "explode");
	CK_CHECK_RC(ck_container_spec_set_sdnotify(spec, "loud"), CK_EINVAL);
	CK_CHECK_CONTAINS(ck_error_last()->message, "loud");
	CK_CHECK_RC(ck_container_spec_set_health_cmd(spec, "[\"CMD\", 3]"), CK_EINVAL);
	CK_CHECK_RC(ck_container_spec_set_health_test(spec, (const char *[]){ "CMD-SHELL", NULL }), CK_EINVAL);

	/* healthy needs a healthcheck: refused at create, nothing made. */
	CK_CHECK_OK(ck_container_spec_set_sdnotify(spec, "healthy"));
	CK_CHECK_OK(ck_container_spec_set_name(spec, "hc-bad"));
	CK_CHECK_RC(ck_container_create(&ctr, ctx, spec), CK_EINVAL);
	CK_CHECK_CONTAINS(ck_error_last()->message, "healthy");
	/* --no-healthcheck with a command conflicts. */
	CK_CHECK_OK(ck_container_spec_set_sdnotify(spec, "conmon"));
	CK_CHECK_OK(ck_container_spec_set_health_cmd(spec, "true"));
	CK_CHECK_OK(ck_container_spec_set_no_healthcheck(spec, 1));
	CK_CHECK_RC(ck_container_create(&ctr, ctx, spec), CK_EINVAL);
	CK_CHECK_CONTAINS(ck_error_last()->message, "--no-healthcheck");
	CK_CHECK(ctr == NULL);
	CK_CHECK(tc_count_containers(ctx) == before);
	ck_container_spec_free(spec);
}

CK_TESTS(CK_TEST(health_passing_check_turns_healthy), CK_TEST(health_failing_check_turns_unhealthy_after_retries),
         CK_TEST(health_failures_in_the_start_period_do_not_count), CK_TEST(health_on_failure_kill_kills_it),
         CK_TEST(health_on_failure_restart_runs_it_again), CK_TEST(health_on_failure_stop_stops_it),
         CK_TEST(health_timeout_kills_a_slow_check),
         CK_TEST(health_image_healthcheck_is_used_and_no_healthcheck_disables_it),
         CK_TEST(sdnotify_conmon_sends_mainpid_and_ready), CK_TEST(sdnotify_healthy_sends_ready_only_once_healthy),
         CK_TEST(sdnotify_container_lets_the_container_send_ready),
         CK_TEST(health_and_sdnotify_bad_input_creates_nothing))

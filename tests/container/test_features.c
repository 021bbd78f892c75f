/* What a running container offers (built for crun and for runc): exec,
 * stats, top, cp both ways, rename, inspect, ps filters, ports, events and
 * the log options. */
#define _GNU_SOURCE
#include "ctr_common.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static ck_container *start_spec(ck_container_spec *spec)
{
	ck_container *ctr = tc_create(spec);
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

static void container_exec_output_exit_code_user_env_workdir(void)
{
	ck_container_spec *spec = tc_spec("sleep 1000");
	ck_exec_options o = CK_EXEC_OPTIONS_INIT;
	const char *env[] = { "EXTRA=yes", NULL };
	ck_container *ctr;
	int out[2], code = -1;

	CK_CHECK_OK(ck_container_spec_set_env(spec, "FROM_SPEC", "1"));
	if (!(ctr = start_spec(spec)) || pipe(out) < 0)
		return;
	o.stdout_fd = out[1];
	o.stderr_fd = out[1];
	const char *argv[] = { "sh", "-c", "echo hi; echo \"$FROM_SPEC$EXTRA\"; id -u; pwd; exit 5", NULL };
	o.env = env;
	o.user = "nobody";
	o.workdir = "/tmp";
	CK_CHECK_OK(ck_container_exec(&code, ctr, argv, &o));
	CK_CHECK(code == 5);
	char *text = tc_drain(out[0]);
	CK_CHECK_STR(text, "hi\n1yes\n65534\n/tmp\n");
	free(text);
	/* a command that does not exist */
	const char *missing[] = { "/no/such/binary", NULL };
	ck_exec_options plain = CK_EXEC_OPTIONS_INIT;
	int rc = ck_container_exec(&code, ctr, missing, &plain);
	CK_CHECK(rc == CK_ERUNTIME || (rc == CK_OK && code == 127));
	/* not running: refused */
	CK_CHECK_OK(ck_container_stop(ctr, 0));
	CK_CHECK_RC(ck_container_exec(&code, ctr, argv, &plain), CK_ESTATE);
	close(out[0]);
	close(out[1]);
	remove_ctr(ctr);
}

/* A command that cannot be run: CK_ERUNTIME with the errno behind it, at
 * start (the monitor's report) and at exec (the runtime's own failure), so
 * that a caller tells "not found" from "not executable" without reading
 * the runtime's words. */
static void container_command_that_cannot_run_has_its_errno(void)
{
	static const struct { const char *cmd; int err; } cases[] = {
		{ "/no/such/binary", ENOENT }, { "/etc/passwd", EACCES },
	};
	ck_container *ctr = NULL;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ck_container_spec *spec = tc_spec(NULL);
		CK_CHECK_OK(ck_container_spec_set_command(spec, (const char *const[]){ cases[i].cmd, NULL }));
		if (!(ctr = tc_create(spec)))
			return;
		CK_CHECK_RC(ck_container_start(ctr), CK_ERUNTIME);
		CK_CHECK(ck_error_last()->sys_errno == cases[i].err);
		remove_ctr(ctr);
	}
	if (!(ctr = start_spec(tc_spec("sleep 1000"))))
		return;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ck_exec_options plain = CK_EXEC_OPTIONS_INIT;
		int code = -1;
		CK_CHECK_RC(ck_container_exec(&code, ctr, (const char *const[]){ cases[i].cmd, NULL }, &plain),
		            CK_ERUNTIME);
		CK_CHECK(ck_error_last()->sys_errno == cases[i].err);
	}
	/* an error of another kind carries no errno */
	CK_CHECK_RC(ck_container_exec(NULL, ctr, (const char *const[]){ "true", NULL },
	                              &(ck_exec_options){ .version = 99 }), CK_EVERSION);
	CK_CHECK(ck_error_last()->sys_errno == 0);
	remove_ctr(ctr);
}

static void container_stats_reports_usage_and_the_memory_limit(void)
{
	ck_container_spec *spec = tc_spec("while true; do echo x > /dev/null; done");
	ck_container *ctr = NULL;
	char *json = NULL;

	CK_CHECK_OK(ck_container_spec_set_memory_string(spec, "64m"));
	CK_CHECK_OK(ck_container_spec_set_pids_limit(spec, 100));
	if (geteuid() != 0) {
		/* Rootless on a cgroup v1 host: no limits and no statistics, each
		 * refused with a message that says why. */
		int rc = ck_container_create(&ctr, tc_ctx(), spec);
		ck_container_spec_free(spec);
		if (rc == CK_EUNSUPPORTED) {
			CK_CHECK_CONTAINS(ck_error_last()->message, "rootless");
			ctr = start_spec(tc_spec("sleep 1000"));
			CK_CHECK_RC(ck_container_stats(&json, ctr), CK_EUNSUPPORTED);
			CK_CHECK_CONTAINS(ck_error_last()->message, "rootless");
			remove_ctr(ctr);
			return;
		}
		CK_CHECK_RC(rc, CK_OK); /* a v2 host: as for root */
		if (ctr)
			CK_CHECK_OK(ck_container_start(ctr));
	} else {
		ctr = start_spec(spec);
	}
	if (!ctr)
		return;
	usleep(300000);
	CK_CHECK_OK(ck_container_stats(&json, ctr));
	char *v = tc_json_field(json, "MemLimit");
	CK_CHECK_STR(v, "67108864");
	free(v);
	v = tc_json_field(json, "CPUNano");
	CK_CHECK(v && atoll(v) > 0);
	free(v);
	v = tc_json_field(json, "MemUsage");
	CK_CHECK(v && atoll(v) > 0);
	free(v);
	v = tc_json_field(json, "PIDs");
	CK_CHECK(v && atoll(v) >= 1);
	free(v);
	CK_CHECK_CONTAINS(json, ck_container_id(ctr));
	ck_free(json);
	/* The typed sample says the same, and two give a rate: the loop keeps
	 * a core busy. */
	ck_container_stats_sample a = CK_CONTAINER_STATS_SAMPLE_INIT, b;
	CK_CHECK_OK(ck_container_stats_read(&a, ctr));
	CK_CHECK(a.mem_limit == 64u << 20);
	CK_CHECK(a.cpu_ns > 0 && a.mem_usage > 0 && a.pids >= 1 && a.uptime_ns > 0);
	CK_CHECK(a.mem_percent > 0 && a.mem_percent <= 100);
	CK_CHECK_OK(ck_container_stats_sample_init(&b, CK_CONTAINER_STATS_SAMPLE_VERSION));
	usleep(200000);
	CK_CHECK_OK(ck_container_stats_read(&b, ctr));
	CK_CHECK(b.cpu_ns > a.cpu_ns && b.sampled_at > a.sampled_at);
	double rate = ck_container_stats_cpu_percent(&a, &b);
	CK_CHECK(rate > 20 && rate < 220);
	CK_CHECK(ck_container_stats_cpu_percent(NULL, &b) == b.cpu_percent);
	ck_container_stats_sample future = CK_CONTAINER_STATS_SAMPLE_INIT;
	future.version = 99;
	CK_CHECK_RC(ck_container_stats_read(&future, ctr), CK_EVERSION);
	CK_CHECK_RC(ck_container_stats_sample_init(&future, 99), CK_EVERSION);
	CK_CHECK_OK(ck_container_stop(ctr, 0));
	CK_CHECK_RC(ck_container_stats_read(&a, ctr), CK_ESTATE);
	CK_CHECK_RC(ck_container_stats(&json, ctr), CK_ESTATE);
	remove_ctr(ctr);
}

static void container_top_lists_its_processes(void)
{
	ck_container *ctr = start_spec(tc_spec("sleep 1000 & sleep 2000 & wait"));
	const char *cols[] = { "pid", "user", "args", NULL };
	char *out = NULL;

	if (!ctr)
		return;
	usleep(300000);
	CK_CHECK_OK(ck_container_top(&out, ctr, NULL));
	CK_CHECK_CONTAINS(out, "USER");
	CK_CHECK_CONTAINS(out, "PID");
	CK_CHECK_CONTAINS(out, "COMMAND");
	CK_CHECK_CONTAINS(out, "sleep 1000");
	CK_CHECK_CONTAINS(out, "sleep 2000");
	CK_CHECK_CONTAINS(out, "root");
	ck_free(out);
	CK_CHECK_OK(ck_container_top(&out, ctr, cols));
	CK_CHECK_CONTAINS(out, "\n1 ");
	CK_CHECK_CONTAINS(out, "sh -c sleep 1000");
	ck_free(out);
	const char *bad[] = { "nonsense", NULL };
	CK_CHECK_RC(ck_container_top(&out, ctr, bad), CK_EINVAL);
	/* The typed table: the same columns and processes, nothing to parse. */
	ck_container_top_table *t = NULL;
	CK_CHECK_OK(ck_container_top_read(&t, ctr, cols));
	CK_CHECK(ck_container_top_table_columns(t) == 3);
	CK_CHECK_STR(ck_container_top_table_header(t, 0), "PID");
	CK_CHECK_STR(ck_container_top_table_header(t, 2), "COMMAND");
	CK_CHECK(ck_container_top_table_header(t, 3) == NULL);
	size_t rows = ck_container_top_table_count(t), sleeps = 0;
	CK_CHECK(rows >= 3);
	CK_CHECK_STR(ck_container_top_table_cell(t, 0, 0), "1");
	for (size_t i = 0; i < rows; i++) {
		const char *args = ck_container_top_table_cell(t, i, 2);
		sleeps += args && !strncmp(args, "sleep ", 6);
		CK_CHECK(ck_container_top_table_pid(t, i) > 1);
	}
	CK_CHECK(sleeps == 2);
	CK_CHECK(ck_container_top_table_cell(t, rows, 0) == NULL && ck_container_top_table_pid(t, rows) == -1);
	ck_container_top_table_free(t);
	t = NULL;
	CK_CHECK_RC(ck_container_top_read(&t, ctr, bad), CK_EINVAL);
	CK_CHECK(t == NULL);
	CK_CHECK_CONTAINS(ck_error_last()->message, "nonsense");
	remove_ctr(ctr);
}

static char *read_text(const char *path)
{
	char buf[4096];
	int fd = open(path, O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	if (fd >= 0)
		close(fd);
	if (n < 0)
		return NULL;
	buf[n] = '\0';
	return strdup(buf);
}

static void container_cp_both_ways_and_refuses_escapes(void)
{
	ck_container *ctr = start_spec(tc_spec("ln -s /../../../../../../etc /escdir; mkdir -p /data; "
	                                       "echo inside > /data/in.txt; sleep 1000"));
	char *src = tc_write_file("host.txt", "from the host\n"), path[4300];
	char *dir = NULL;

	if (!ctr)
		return;
	usleep(300000);
	/* host -> container: into a directory, and as a new name */
	CK_CHECK_OK(ck_container_copy_to(ctr, src, "/tmp"));
	CK_CHECK_OK(ck_container_copy_to(ctr, src, "/tmp/renamed.txt"));
	ck_exec_options o = CK_EXEC_OPTIONS_INIT;
	int out[2], code = -1;
	if (pipe(out) < 0)
		return;
	o.stdout_fd = out[1];
	const char *cat[] = { "cat", "/tmp/host.txt", "/tmp/renamed.txt", NULL };
	CK_CHECK_OK(ck_container_exec(&code, ctr, cat, &o));
	char *text = tc_drain(out[0]);
	CK_CHECK_STR(text, "from the host\nfrom the host\n");
	free(text);
	close(out[0]);
	close(out[1]);
	/* container -> host: a file and a directory */
	if (asprintf(&dir, "%s/cpout", tc_tmp()) < 0)
		return;
	mkdir(dir, 0755);
	CK_CHECK_OK(ck_container_copy_from(ctr, "/data/in.txt", dir));
	snprintf(path, sizeof(path), "%s/in.txt", dir);
	text = read_text(path);
	CK_CHECK_STR(text, "inside\n");
	free(text);
	snprintf(path, sizeof(path), "%s/datacopy", dir);
	CK_CHECK_OK(ck_container_copy_from(ctr, "/data", path));
	snprintf(path, sizeof(path), "%s/datacopy/in.txt", dir);
	text = read_text(path);
	CK_CHECK_STR(text, "inside\n");
	free(text);
	/* ".." above the root is refused; a link is resolved inside the root */
	CK_CHECK_RC(ck_container_copy_from(ctr, "../../../../etc/passwd", dir), CK_EPERM);
	CK_CHECK_CONTAINS(ck_error_last()->message, "escapes");
	CK_CHECK_RC(ck_container_copy_to(ctr, src, "/../../tmp"), CK_EPERM);
	/* a link that points above the root is resolved inside the container */
	snprintf(path, sizeof(path), "%s/esc", dir);
	CK_CHECK_OK(ck_container_copy_from(ctr, "/escdir/hostname", path));
	text = read_text(path);
	char hn[16];
	snprintf(hn, sizeof(hn), "%.12s\n", ck_container_id(ctr));
	CK_CHECK_STR(text, hn);
	free(text);
	/* a link itself is copied as a link */
	snprintf(path, sizeof(path), "%s/link", dir);
	CK_CHECK_OK(ck_container_copy_from(ctr, "/escdir", path));
	char target[256] = "";
	CK_CHECK(readlink(path, target, sizeof(target) - 1) > 0);
	CK_CHECK_STR(target, "/../../../../../../etc");
	/* stopped: through the root filesystem */
	CK_CHECK_OK(ck_container_stop(ctr, 0));
	snprintf(path, sizeof(path), "%s/stopped.txt", dir);
	CK_CHECK_OK(ck_container_copy_from(ctr, "/tmp/renamed.txt", path));
	text = read_text(path);
	CK_CHECK_STR(text, "from the host\n");
	free(text);
	CK_CHECK_RC(ck_container_copy_from(ctr, "/no/such/file", dir), CK_ENOTFOUND);
	free(dir);
	free(src);
	remove_ctr(ctr);
}

static void container_rename_changes_the_name_only(void)
{
	ck_container_spec *spec = tc_spec("exit 0");
	ck_container *ctr, *other, *found = NULL;

	CK_CHECK_OK(ck_container_spec_set_name(spec, "before"));
	if (!(ctr = tc_create(spec)))
		return;
	spec = tc_spec("exit 0");
	CK_CHECK_OK(ck_container_spec_set_name(spec, "taken"));
	other = tc_create(spec);
	CK_CHECK_RC(ck_container_rename(ctr, "taken"), CK_EEXISTS);
	CK_CHECK_RC(ck_container_rename(ctr, "bad name"), CK_EINVAL);
	CK_CHECK_OK(ck_container_rename(ctr, "after"));
	CK_CHECK_STR(ck_container_name(ctr), "after");
	CK_CHECK_RC(ck_container_lookup(&found, tc_ctx(), "before"), CK_ENOTFOUND);
	CK_CHECK_OK(ck_container_lookup(&found, tc_ctx(), "after"));
	CK_CHECK_STR(ck_container_id(found), ck_container_id(ctr));
	ck_container_free(found);
	/* the old name is free again */
	spec = tc_spec("exit 0");
	CK_CHECK_OK(ck_container_spec_set_name(spec, "before"));
	ck_container *reuse = tc_create(spec);
	remove_ctr(reuse);
	remove_ctr(other);
	remove_ctr(ctr);
}

static void container_inspect_has_podmans_fields(void)
{
	ck_container_spec *spec = tc_spec("sleep 1000");
	ck_container *ctr;
	char *json = NULL, *v;

	CK_CHECK_OK(ck_container_spec_set_name(spec, "inspected"));
	CK_CHECK_OK(ck_container_spec_set_label(spec, "tier", "web"));
	CK_CHECK_OK(ck_container_spec_set_hostname(spec, "boxy"));
	CK_CHECK_OK(ck_container_spec_set_workdir(spec, "/srv/app"));
	CK_CHECK_OK(ck_container_spec_add_env_string(spec, "MODE=test"));
	CK_CHECK_OK(ck_container_spec_set_restart_policy(spec, "always"));
	if (!(ctr = start_spec(spec)))
		return;
	CK_CHECK_OK(ck_container_inspect(&json, ctr));
	v = tc_json_field(json, "Id");
	CK_CHECK_STR(v, ck_container_id(ctr));
	free(v);
	v = tc_json_field(json, "Name");
	CK_CHECK_STR(v, "inspected");
	free(v);
	CK_CHECK_CONTAINS(json, "\"Status\":\"running\"");
	CK_CHECK_CONTAINS(json, "\"Running\":true");
	CK_CHECK_CONTAINS(json, "\"Path\":\"sh\"");
	CK_CHECK_CONTAINS(json, "\"Args\":[\"-c\",\"sleep 1000\"]");
	CK_CHECK_CONTAINS(json, "\"Hostname\":\"boxy\"");
	CK_CHECK_CONTAINS(json, "\"WorkingDir\":\"/srv/app\"");
	CK_CHECK_CONTAINS(json, "\"tier\":\"web\"");
	CK_CHECK_CONTAINS(json, "MODE=test");
	CK_CHECK_CONTAINS(json, "\"ImageName\":\"" TC_IMAGE "\"");
	CK_CHECK_CONTAINS(json, "\"Image\":\"");
	/* The library's default: a namespace of its own (the CLI asks for the
	 * bridge when rootful). */
	CK_CHECK_CONTAINS(json, "\"NetworkMode\":\"none\"");
	CK_CHECK_CONTAINS(json, "\"OCIRuntime\":\"");
	CK_CHECK_CONTAINS(json, tc_runtime());
	v = tc_json_field(json, "Pid");
	CK_CHECK(v && atoi(v) == ck_container_pid(ctr) && atoi(v) > 0);
	free(v);
	v = tc_json_field(json, "ConmonPid");
	CK_CHECK(v && atoi(v) > 0);
	free(v);
	ck_free(json);
	remove_ctr(ctr);
}

static void container_ps_filters_select_containers(void)
{
	ck_container_spec *spec;
	ck_container *a, *b, *c, **list = NULL;
	size_t n = 0;
	int code;

	spec = tc_spec("sleep 1000");
	CK_CHECK_OK(ck_container_spec_set_name(spec, "ps-running"));
	CK_CHECK_OK(ck_container_spec_set_label(spec, "app", "one"));
	a = start_spec(spec);
	spec = tc_spec("exit 2");
	CK_CHECK_OK(ck_container_spec_set_name(spec, "ps-exited"));
	CK_CHECK_OK(ck_container_spec_set_label(spec, "app", "two"));
	b = start_spec(spec);
	if (b)
		CK_CHECK_OK(ck_container_wait(&code, b, 10000));
	spec = tc_spec("exit 0");
	CK_CHECK_OK(ck_container_spec_set_name(spec, "ps-created"));
	c = tc_create(spec);
	if (!a || !b || !c)
		return;
	CK_CHECK_OK(ck_container_list(&list, &n, tc_ctx(), 0, NULL));
	CK_CHECK(n == 1 && !strcmp(ck_container_name(list[0]), "ps-running"));
	ck_container_list_free(list, n);
	CK_CHECK_OK(ck_container_list(&list, &n, tc_ctx(), CK_CONTAINER_LIST_ALL, NULL));
	CK_CHECK(n == 3);
	/* newest first */
	CK_CHECK(n == 3 && !strcmp(ck_container_name(list[0]), "ps-created"));
	ck_container_list_free(list, n);
#define EXPECT(filters_, flags_, count_, first_)                                              \
	do {                                                                                  \
		const char *f_[] = filters_;                                                  \
		CK_CHECK_OK(ck_container_list(&list, &n, tc_ctx(), flags_, f_));            \
		CK_CHECK(n == (count_));                                                      \
		if (n == (count_) && (first_))                                                \
			CK_CHECK_STR(ck_container_name(list[0]), (first_));                   \
		ck_container_list_free(list, n);                                              \
	} while (0)
#define F(...) { __VA_ARGS__, NULL }
	EXPECT(F("status=exited"), 0, 1, "ps-exited");
	EXPECT(F("status=created", "status=running"), 0, 2, NULL);
	EXPECT(F("exited=2"), 0, 1, "ps-exited");
	EXPECT(F("exited=1"), 0, 0, NULL);
	EXPECT(F("name=ps-run"), CK_CONTAINER_LIST_ALL, 1, "ps-running");
	EXPECT(F("label=app"), CK_CONTAINER_LIST_ALL, 2, NULL);
	EXPECT(F("label=app=two"), CK_CONTAINER_LIST_ALL, 1, "ps-exited");
	EXPECT(F("ancestor=" TC_IMAGE), CK_CONTAINER_LIST_ALL, 3, NULL);
	EXPECT(F("ancestor=localhost/other:1"), CK_CONTAINER_LIST_ALL, 0, NULL);
	char idf[32];
	snprintf(idf, sizeof(idf), "id=%.10s", ck_container_id(a));
	const char *byid[] = { idf, NULL };
	CK_CHECK_OK(ck_container_list(&list, &n, tc_ctx(), CK_CONTAINER_LIST_ALL, byid));
	CK_CHECK(n == 1 && !strcmp(ck_container_name(list[0]), "ps-running"));
	ck_container_list_free(list, n);
	const char *bad[] = { "color=red", NULL };
	CK_CHECK_RC(ck_container_list(&list, &n, tc_ctx(), 0, bad), CK_EINVAL);
	const char *badstatus[] = { "status=sleeping", NULL };
	CK_CHECK_RC(ck_container_list(&list, &n, tc_ctx(), 0, badstatus), CK_EINVAL);
	remove_ctr(a);
	remove_ctr(b);
	remove_ctr(c);
}

struct events {
	char *all;
	int seen_died;
};

static int collect_event(const char *json, void *payload)
{
	struct events *e = payload;
	if (!json)
		return 0;
	size_t have = e->all ? strlen(e->all) : 0;
	e->all = realloc(e->all, have + strlen(json) + 2);
	strcpy(e->all + have, json);
	strcat(e->all, "\n");
	if (strstr(json, "\"Status\":\"died\""))
		return ++e->seen_died; /* stops the follow */
	return 0;
}

struct follower {
	ck_context *ctx;
	const char *filter;
	struct events ev;
	int rc;
};

static void *follow_thread(void *arg)
{
	struct follower *f = arg;
	ck_events_options o = CK_EVENTS_OPTIONS_INIT;
	const char *filters[] = { f->filter, NULL };
	o.filters = filters;
	o.follow = 1;
	o.until_ns = 0;
	f->rc = ck_events_read(f->ctx, &o, collect_event, &f->ev);
	return NULL;
}

static void container_events_are_recorded_and_followable(void)
{
	ck_container_spec *spec = tc_spec("exit 9");
	ck_container *ctr;
	struct follower f = { 0 };
	pthread_t th;
	int code;

	CK_CHECK_OK(ck_container_spec_set_name(spec, "eventful"));
	CK_CHECK_OK(ck_container_spec_set_label(spec, "watch", "me"));
	f.ctx = tc_ctx_new();
	f.filter = "container=eventful";
	pthread_create(&th, NULL, follow_thread, &f);
	usleep(200000);
	if (!(ctr = start_spec(spec)))
		return;
	CK_CHECK_OK(ck_container_wait(&code, ctr, 10000));
	pthread_join(th, NULL);
	CK_CHECK(f.rc == 1);
	CK_CHECK_CONTAINS(f.ev.all, "\"Status\":\"create\"");
	CK_CHECK_CONTAINS(f.ev.all, "\"Status\":\"start\"");
	CK_CHECK_CONTAINS(f.ev.all, "\"ContainerExitCode\":9");
	CK_CHECK_CONTAINS(f.ev.all, "\"watch\":\"me\"");
	free(f.ev.all);
	ck_context_free(f.ctx);
	remove_ctr(ctr);
	/* reading afterwards, filtered */
	struct events ev = { 0 };
	ck_events_options o = CK_EVENTS_OPTIONS_INIT;
	const char *filters[] = { "event=remove", "type=container", NULL };
	o.filters = filters;
	CK_CHECK_OK(ck_events_read(tc_ctx(), &o, collect_event, &ev));
	CK_CHECK_CONTAINS(ev.all, "eventful");
	CK_CHECK(ev.all && !strstr(ev.all, "\"Status\":\"create\""));
	free(ev.all);
	const char *bad[] = { "colour=blue", NULL };
	o.filters = bad;
	CK_CHECK_RC(ck_events_read(tc_ctx(), &o, collect_event, &ev), CK_EINVAL);
}

struct lines {
	char *text;
	int n;
};

static int collect_line(const ck_log_entry *e, void *payload)
{
	const char *data = e->data;
	size_t len = e->len;
	struct lines *l = payload;
	if (e->version != CK_LOG_ENTRY_VERSION || !e->time_ns)
		abort(); /* every entry is a whole, timed one */
	size_t have = l->text ? strlen(l->text) : 0;
	l->text = realloc(l->text, have + len + 1);
	memcpy(l->text + have, data, len);
	l->text[have + len] = '\0';
	l->n++;
	return 0;
}

static void container_logs_tail_since_timestamps_follow_and_rotation(void)
{
	ck_container_spec *spec = tc_spec("for i in 1 2 3 4 5; do echo line$i; done; printf partial; sleep 1; echo late");
	ck_logs_options o = CK_LOGS_OPTIONS_INIT;
	ck_container *ctr;
	struct lines l = { 0 };
	int code;

	if (!(ctr = start_spec(spec)))
		return;
	/* follow returns when the container has exited, with every line */
	o.follow = 1;
	CK_CHECK_OK(ck_container_logs_v2(ctr, &o, collect_line, &l));
	CK_CHECK_CONTAINS(l.text, "line1\nline2\nline3\nline4\nline5\npartiallate\n");
	free(l.text);
	CK_CHECK_OK(ck_container_wait(&code, ctr, 5000));
	/* tail */
	l = (struct lines){ 0 };
	o = (ck_logs_options)CK_LOGS_OPTIONS_INIT;
	o.tail = 2;
	CK_CHECK_OK(ck_container_logs_v2(ctr, &o, collect_line, &l));
	CK_CHECK_STR(l.text, "line5\npartiallate\n");
	free(l.text);
	/* timestamps */
	l = (struct lines){ 0 };
	o.tail = 1;
	o.timestamps = 1;
	CK_CHECK_OK(ck_container_logs_v2(ctr, &o, collect_line, &l));
	CK_CHECK(l.text && strlen(l.text) > 31 && l.text[4] == '-' && l.text[10] == 'T' && strstr(l.text, "Z late\n"));
	free(l.text);
	/* since: nothing is in the future */
	l = (struct lines){ 0 };
	o = (ck_logs_options)CK_LOGS_OPTIONS_INIT;
	o.since_ns = (int64_t)time(NULL) * 1000000000 + 3600LL * 1000000000;
	CK_CHECK_OK(ck_container_logs_v2(ctr, &o, collect_line, &l));
	CK_CHECK(l.n == 0);
	free(l.text);
	remove_ctr(ctr);

	/* rotation: a small maximum keeps the end in ctr.log and one rotated file */
	spec = tc_spec("i=0; while [ $i -lt 2000 ]; do echo \"number $i of the lines\"; i=$((i+1)); done");
	CK_CHECK_OK(ck_container_spec_set_log_size_max(spec, 8192));
	if (!(ctr = start_spec(spec)))
		return;
	CK_CHECK_OK(ck_container_wait(&code, ctr, 20000));
	l = (struct lines){ 0 };
	CK_CHECK_OK(ck_container_logs_v2(ctr, NULL, collect_line, &l));
	CK_CHECK_CONTAINS(l.text, "number 1999 of the lines\n");
	CK_CHECK(l.text && !strstr(l.text, "number 0 of the lines\n"));
	free(l.text);
	char path[4300];
	struct stat st;
	snprintf(path, sizeof(path), "%s/root/containers/%s/userdata/ctr.log", tc_tmp(), ck_container_id(ctr));
	CK_CHECK(stat(path, &st) == 0 && st.st_size <= 8192);
	snprintf(path, sizeof(path), "%s/root/containers/%s/userdata/ctr.log.1", tc_tmp(), ck_container_id(ctr));
	CK_CHECK(stat(path, &st) == 0 && st.st_size <= 8192);
	remove_ctr(ctr);
}

static void container_ports_are_refused_without_a_network(void)
{
	ck_container_spec *spec = tc_spec("exit 0");
	ck_container *ctr = NULL;

	CK_CHECK_OK(ck_container_spec_add_port_string(spec, "127.0.0.1:8080:80/tcp"));
	CK_CHECK_RC(ck_container_spec_add_port_string(spec, "80:90:100"), CK_EINVAL);
	CK_CHECK_RC(ck_container_create(&ctr, tc_ctx(), spec), CK_EUNSUPPORTED);
	CK_CHECK_CONTAINS(ck_error_last()->message, "publish");
	ck_container_spec_free(spec);
	CK_CHECK(tc_count_containers(tc_ctx()) == 0);
	/* without ports: ck_container_ports gives an empty list */
	ctr = tc_create(tc_spec("exit 0"));
	char **ports = NULL;
	CK_CHECK_OK(ck_container_ports(&ports, ctr));
	CK_CHECK(ports && !ports[0]);
	ck_strv_free(ports);
	remove_ctr(ctr);
}

/* What inspect shows, read through typed accessors: nothing to parse. */
static void container_details_are_typed(void)
{
	ck_container_spec *spec = tc_spec("true");
	ck_container *ctr = NULL, *listed = NULL;
	ck_container_mount_list *ml = NULL;
	char host[1024], *json = NULL;
	const char *k = NULL, *v = NULL;

	snprintf(host, sizeof(host), "%s/details-bind", tc_tmp());
	mkdir(host, 0755);
	CK_CHECK_OK(ck_container_spec_set_label(spec, "app", "web"));
	CK_CHECK_OK(ck_container_spec_set_label(spec, "tier", "front"));
	CK_CHECK_OK(ck_container_spec_set_env(spec, "GREETING", "hi"));
	CK_CHECK_OK(ck_container_spec_set_workdir(spec, "/tmp"));
	CK_CHECK_OK(ck_container_spec_set_hostname(spec, "typed-host"));
	CK_CHECK_OK(ck_container_spec_set_restart_policy(spec, "on-failure:3"));
	CK_CHECK_OK(ck_container_spec_add_volume(spec, host, "/data", "ro,Z"));
	CK_CHECK_OK(ck_container_spec_add_volume_string(spec, "typedvol:/v"));
	CK_CHECK_OK(ck_container_spec_add_mount_string(spec, "type=tmpfs,target=/scratch"));
	CK_CHECK_OK(ck_container_create(&ctr, tc_ctx(), spec));
	ck_container_spec_free(spec);
	if (!ctr)
		return;
	/* through a listed handle, which holds only the summary at first */
	const char *filters[] = { "name=", NULL };
	char f[300];
	snprintf(f, sizeof(f), "name=%s", ck_container_name(ctr));
	filters[0] = f;
	ck_container **list = NULL;
	size_t n = 0;
	CK_CHECK_OK(ck_container_list(&list, &n, tc_ctx(), CK_CONTAINER_LIST_ALL, filters));
	CK_CHECK(n == 1);
	listed = n ? list[0] : ctr;
	CK_CHECK_STR(ck_container_hostname(listed), "typed-host");
	CK_CHECK_STR(ck_container_workdir(listed), "/tmp");
	CK_CHECK_STR(ck_container_restart_policy(listed), "on-failure");
	CK_CHECK(ck_container_restart_max(listed) == 3);
	CK_CHECK(ck_container_auto_remove(listed) == 0);
	CK_CHECK(ck_container_network_mode(listed) != NULL);
	bool env = false;
	for (const char *const *e = ck_container_env(listed); e && *e; e++)
		env |= !strcmp(*e, "GREETING=hi");
	CK_CHECK(env);
	CK_CHECK(ck_container_entrypoint(listed) != NULL);
	CK_CHECK(ck_container_label_count(listed) == 2);
	CK_CHECK_OK(ck_container_label_byindex(&k, &v, listed, 1));
	CK_CHECK_STR(k, "tier");
	CK_CHECK_STR(v, "front");
	CK_CHECK_RC(ck_container_label_byindex(&k, &v, listed, 2), CK_ENOTFOUND);
	CK_CHECK_OK(ck_container_mounts_read(&ml, listed));
	CK_CHECK(ck_container_mount_list_count(ml) == 3);
	const ck_container_mount *b = ck_container_mount_list_byindex(ml, 0), *vol = ck_container_mount_list_byindex(ml, 1),
	                         *t = ck_container_mount_list_byindex(ml, 2);
	if (b && vol && t) {
		CK_CHECK(b->version == CK_CONTAINER_MOUNT_VERSION && b->type == CK_MOUNT_BIND && b->read_only);
		CK_CHECK_STR(b->source, host);
		CK_CHECK_STR(b->destination, "/data");
		CK_CHECK_STR(b->mode, "Z");
		CK_CHECK(b->name == NULL);
		CK_CHECK(vol->type == CK_MOUNT_VOLUME && !vol->read_only);
		CK_CHECK_STR(vol->name, "typedvol");
		CK_CHECK(strstr(vol->source, "/volumes/typedvol/_data") != NULL);
		CK_CHECK(t->type == CK_MOUNT_TMPFS);
		CK_CHECK_STR(t->destination, "/scratch");
	}
	CK_CHECK(ck_container_mount_list_byindex(ml, 3) == NULL);
	/* inspect renders the same list */
	CK_CHECK_OK(ck_container_inspect(&json, ctr));
	CK_CHECK_CONTAINS(json, "\"Name\":\"typedvol\"");
	CK_CHECK_CONTAINS(json, "\"Destination\":\"/scratch\"");
	ck_free(json);
	ck_container_mount_list_free(ml);
	ck_container_list_free(list, n);
	remove_ctr(ctr);
}

/* --rm read back through a getter, from a listed handle (which holds only
 * the summary until asked) and from a looked-up one, without inspect. */
static void container_auto_remove_is_typed(void)
{
	ck_container_spec *spec = tc_spec("true");
	ck_container *ctr = NULL, *found = NULL, **list = NULL;
	size_t n = 0;
	char f[300];

	CK_CHECK_OK(ck_container_spec_set_remove(spec, 1));
	if (!(ctr = tc_create(spec)))
		return;
	snprintf(f, sizeof(f), "name=%s", ck_container_name(ctr));
	CK_CHECK_OK(ck_container_list(&list, &n, tc_ctx(), CK_CONTAINER_LIST_ALL, (const char *const[]){ f, NULL }));
	CK_CHECK(n == 1);
	if (n == 1)
		CK_CHECK(ck_container_auto_remove(list[0]) == 1);
	CK_CHECK_OK(ck_container_lookup(&found, tc_ctx(), ck_container_id(ctr)));
	CK_CHECK(found && ck_container_auto_remove(found) == 1);
	CK_CHECK(ck_container_auto_remove(NULL) == -1);
	ck_container_free(found);
	ck_container_list_free(list, n);
	remove_ctr(ctr);
}

CK_TESTS(CK_TEST(container_exec_output_exit_code_user_env_workdir), CK_TEST(container_details_are_typed),
         CK_TEST(container_auto_remove_is_typed), CK_TEST(container_command_that_cannot_run_has_its_errno),
         CK_TEST(container_stats_reports_usage_and_the_memory_limit),
         CK_TEST(container_top_lists_its_processes),
         CK_TEST(container_cp_both_ways_and_refuses_escapes),
         CK_TEST(container_rename_changes_the_name_only),
         CK_TEST(container_inspect_has_podmans_fields),
         CK_TEST(container_ps_filters_select_containers),
         CK_TEST(container_events_are_recorded_and_followable),
         CK_TEST(container_logs_tail_since_timestamps_follow_and_rotation),
         CK_TEST(container_ports_are_refused_without_a_network))

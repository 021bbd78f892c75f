/* A container's record as a listing reads it: only the members ps shows,
 * the rest when an operation needs it, with the listed values staying put;
 * records written before the members were reordered still read whole. */
#define _GNU_SOURCE
#include "container/container_int.h"
#include "harness.h"

#include <stdlib.h>
#include <string.h>

/* A record in the order the library writes since listings stop early. */
static const char record_now[] =
	"{\"id\":\"4f1c\",\"name\":\"web\",\"image_id\":\"abcd\",\"image_name\":\"localhost/busybox:latest\","
	"\"pod\":\"\",\"created\":1700000000000000000,\"args\":[\"httpd\",\"-f\"],"
	"\"labels\":{\"app\":\"web\",\"n\":7,\"tier\":\"front \\\"end\\\"\"},\"runtime\":\"crun\",\"ports\":[{\"host_ip\":\"\",\"host_port\":8080,"
	"\"container_port\":80,\"range\":1,\"protocol\":\"tcp\"}],\"entrypoint\":[],\"command\":[\"httpd\",\"-f\"],"
	"\"env\":[\"A=1\",\"B=2\"],\"workdir\":\"/srv\",\"user\":\"www\",\"uid\":33,\"gid\":33,\"groups\":[4],"
	"\"hostname\":\"web\",\"mounts\":[{\"type\":\"tmpfs\",\"destination\":\"/run\",\"ro\":false,"
	"\"options\":[]}],\"read_only\":true,\"init\":false,\"init_path\":\"\",\"tty\":false,\"stdin\":false,"
	"\"remove\":false,\"rootless\":false,\"cap_add\":[\"CAP_NET_RAW\"],\"cap_drop\":[],\"ulimits\":[],"
	"\"memory\":0,\"cpus\":0,\"pids_limit\":0,\"restart_policy\":\"always\",\"restart_max\":0,"
	"\"network\":\"none\",\"exposed_ports\":[],\"stop_signal\":15,\"stop_timeout\":10,\"log_size_max\":1}";

/* The order of older records: runtime and ports near the end. */
static const char record_old[] =
	"{\"id\":\"77aa\",\"name\":\"old\",\"image_id\":\"abcd\",\"image_name\":\"localhost/busybox:latest\","
	"\"pod\":\"\",\"created\":5,\"entrypoint\":[],\"command\":[\"true\"],\"args\":[\"true\"],"
	"\"env\":[\"OLD=1\"],\"labels\":{},\"workdir\":\"/\",\"runtime\":\"runc\",\"network\":\"none\","
	"\"ports\":[{\"host_ip\":\"127.0.0.1\",\"host_port\":2222,\"container_port\":22,\"range\":1,"
	"\"protocol\":\"tcp\"}],\"exposed_ports\":[],\"stop_signal\":9,\"stop_timeout\":3,\"log_size_max\":1}";

static void container_record_summary_then_the_rest_keeps_listed_values(void)
{
	ck__ctr_config c;
	char *name, **args;

	CK_CHECK_OK(ck__ctr_config_parse_summary(&c, record_now));
	CK_CHECK_STR(c.name, "web");
	CK_CHECK_STR(c.runtime, "crun");
	CK_CHECK(c.n_ports == 1 && c.ports[0].host_port == 8080);
	CK_CHECK_STR(ck__strmap_get(&c.labels, "app"), "web");
	CK_CHECK_STR(ck__strmap_get(&c.labels, "tier"), "front \"end\"");
	CK_CHECK(ck__strmap_get(&c.labels, "n") == NULL); /* only string values are labels */
	CK_CHECK(c.env == NULL && c.workdir == NULL && c.n_mounts == 0); /* not read yet */
	name = c.name;
	args = c.args;
	CK_CHECK_OK(ck__ctr_config_complete(&c, record_now));
	CK_CHECK(c.name == name && c.args == args); /* getters' pointers stay valid */
	CK_CHECK_STR(c.args[1], "-f");
	CK_CHECK(c.env && !strcmp(c.env[1], "B=2") && !c.env[2]);
	CK_CHECK_STR(c.workdir, "/srv");
	CK_CHECK(c.uid == 33 && c.n_groups == 1 && c.groups[0] == 4);
	CK_CHECK(c.n_mounts == 1 && !strcmp(c.mounts[0].destination, "/run"));
	CK_CHECK(c.read_only && !strcmp(c.restart_policy, "always") && !strcmp(c.cap_add[0], "CAP_NET_RAW"));
	CK_CHECK(c.n_ports == 1 && c.ports[0].container_port == 80);
	ck__ctr_config_free(&c);
}

static void container_record_written_now_lists_its_summary_first(void)
{
	ck__ctr_config c, back;
	char *json = NULL;

	CK_CHECK_OK(ck__ctr_config_parse(&c, record_now));
	CK_CHECK_OK(ck__ctr_config_json(&json, &c));
	/* every summary member comes before the first other one */
	const char *first_other = strstr(json, "\"entrypoint\"");
	CK_CHECK(first_other != NULL);
	for (const char *const *k = (const char *const[]){ "\"id\"", "\"name\"", "\"image_id\"", "\"image_name\"",
		                                           "\"pod\"", "\"created\"", "\"args\"", "\"labels\"",
		                                           "\"runtime\"", "\"ports\"", NULL };
	     *k; k++) {
		const char *at = json ? strstr(json, *k) : NULL;
		CK_CHECK(at && first_other && at < first_other);
	}
	CK_CHECK_OK(ck__ctr_config_parse(&back, json));
	CK_CHECK_STR(back.hostname, "web");
	CK_CHECK(back.stop_timeout == 10 && back.n_ports == 1);
	ck__ctr_config_free(&back);
	ck__ctr_config_free(&c);
	free(json);
}

static void container_record_in_the_old_order_reads_whole(void)
{
	ck__ctr_config c;

	CK_CHECK_OK(ck__ctr_config_parse_summary(&c, record_old));
	CK_CHECK_STR(c.runtime, "runc");
	CK_CHECK(c.n_ports == 1 && !strcmp(c.ports[0].host_ip, "127.0.0.1"));
	CK_CHECK_OK(ck__ctr_config_complete(&c, record_old));
	CK_CHECK(c.env && !strcmp(c.env[0], "OLD=1"));
	CK_CHECK(c.stop_signal == 9 && c.stop_timeout == 3);
	ck__ctr_config_free(&c);
}

/* A listing does not read past the summary, so a damaged tail shows only
 * when the rest is needed, as an error naming the record. */
static void container_record_damaged_after_the_summary_fails_when_used(void)
{
	char *bad = strdup(record_now);
	ck__ctr_config c;

	if (!bad)
		return;
	strcpy(strstr(bad, "\"workdir\""), "\"workdir\":"); /* cut off mid-value */
	CK_CHECK_OK(ck__ctr_config_parse_summary(&c, bad));
	CK_CHECK_STR(c.name, "web");
	CK_CHECK_RC(ck__ctr_config_complete(&c, bad), CK_ECORRUPT);
	CK_CHECK_CONTAINS(ck_error_last()->message, "container record is not valid JSON");
	CK_CHECK_STR(c.name, "web"); /* the summary is still there to free */
	ck__ctr_config_free(&c);
	CK_CHECK_RC(ck__ctr_config_parse(&c, bad), CK_ECORRUPT);
	free(bad);
}

static void container_state_reads_back_and_refuses_bad_json(void)
{
	ck__ctr_state s, back;
	char *json = NULL;

	ck__ctr_state_init(&s, "running");
	s.pid = 4242;
	s.exit_code = 3;
	s.started_at = 1700000000123456789LL;
	s.monitor_start = 987654321ULL;
	s.restart_count = 2;
	s.stop_requested = true;
	s.error = strdup("runtime said \"no\"");
	CK_CHECK_OK(ck__ctr_state_json(&json, &s));
	CK_CHECK_OK(ck__ctr_state_parse(&back, json));
	CK_CHECK_STR(back.status, "running");
	CK_CHECK(back.pid == 4242 && back.exit_code == 3 && back.started_at == 1700000000123456789LL);
	CK_CHECK(back.monitor_start == 987654321ULL && back.restart_count == 2 && back.stop_requested);
	CK_CHECK_STR(back.error, "runtime said \"no\"");
	ck__ctr_state_free(&back);
	ck__ctr_state_free(&s);
	free(json);
	CK_CHECK_RC(ck__ctr_state_parse(&back, "{\"status\":\"running\",\"pid\":"), CK_ECORRUPT);
	CK_CHECK_CONTAINS(ck_error_last()->message, "container state is not valid JSON");
	CK_CHECK_OK(ck__ctr_state_parse(&back, "{}"));
	CK_CHECK(!strcmp(back.status, "exited") && back.exit_code == -1);
	ck__ctr_state_free(&back);
}

CK_TESTS(CK_TEST(container_record_summary_then_the_rest_keeps_listed_values),
         CK_TEST(container_record_written_now_lists_its_summary_first),
         CK_TEST(container_record_in_the_old_order_reads_whole),
         CK_TEST(container_record_damaged_after_the_summary_fails_when_used),
         CK_TEST(container_state_reads_back_and_refuses_bad_json))

/* ck pod: create, start, stop, restart, kill, rm, prune, ps, inspect,
 * exists and top, as podman pod. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "ctr.h"

static const char create_usage[] =
	"Create a new empty pod\n\nUsage:\n  ck pod create [options] [NAME]\n\nOptions:\n"
	"      --add-host host:ip      Add a custom host-to-IP mapping\n"
	"      --dns ip                Set custom DNS servers\n"
	"      --exit-policy string    Behaviour when the last container exits: continue or stop\n"
	"      --hostname string       Set a hostname to the pod\n"
	"      --infra                 Create an infra container associated with the pod (default true)\n"
	"      --infra-command string  The command to run on the infra container when the pod is started\n"
	"      --infra-image string    The image of the infra container\n"
	"  -l, --label stringArray     Set metadata on pod (default [])\n"
	"  -n, --name string           Assign a name to the pod\n"
	"      --network string        Connect the pod to a network\n"
	"      --pod-id-file string    Write the pod ID to the file\n"
	"  -p, --publish strings       Publish a container's port, or a range of ports, to the host\n"
	"      --replace               If a pod with the same name exists, replace it\n"
	"      --share string          A comma delimited list of kernel namespaces the pod will share "
	"(default \"ipc,net,uts\")\n";

enum { P_REFUSED = 100, P_ADDHOST = 1, P_DNS, P_EXIT, P_HOST, P_INFRA, P_NOINFRA, P_INFRACMD, P_INFRAIMG, P_LABEL, P_NAME,
       P_NET, P_IDFILE, P_PUBLISH, P_REPLACE, P_SHARE };

static int pod_create(ck_app *app, int argc, char **argv)
{
	static const cli_opt opts[] = {
		{ "add-host", 0, true, P_ADDHOST },       { "dns", 0, true, P_DNS },
		{ "exit-policy", 0, true, P_EXIT },       { "hostname", 0, true, P_HOST },
		{ "infra", 0, false, P_INFRA },           { "no-infra", 0, false, P_NOINFRA },
		{ "infra-command", 0, true, P_INFRACMD }, { "infra-image", 0, true, P_INFRAIMG },
		{ "label", 'l', true, P_LABEL },          { "name", 'n', true, P_NAME },
		{ "network", 0, true, P_NET },            { "net", 0, true, P_NET },
		{ "pod-id-file", 0, true, P_IDFILE },     { "publish", 'p', true, P_PUBLISH },
		{ "replace", 0, false, P_REPLACE },       { "share", 0, true, P_SHARE },
		/* run's settings that a pod does not take (podman gives them to the infra) */
		{ "label-file", 0, true, P_REFUSED },     { "pid", 0, true, P_REFUSED + 1 },
		{ "security-opt", 0, true, P_REFUSED + 2 }, { "shm-size", 0, true, P_REFUSED + 3 },
		{ "uts", 0, true, P_REFUSED + 4 },
		{ NULL, 0, false, 0 },
	};
	ck_pod_spec *spec = NULL;
	ck_pod *pod = NULL;
	const char *val, *idfile = NULL, *name = NULL;
	int id, rc = 0, r = 0, idfd = -1;
	cli c;

	if (ck_pod_spec_new(&spec) < 0)
		return die_ck();
	copts_init(&c, app, argc, argv, opts, true);
	while (rc == 0 && (id = cli_next(&c, &val)) != CLI_END) {
		switch (id) {
		case CLI_HELP: ck_pod_spec_free(spec); return sub_help(create_usage);
		case CLI_ERR: rc = EXIT_CK; break;
		case CLI_POS:
			if (name)
				rc = die("too many arguments, pod create takes at most 1 argument");
			name = val;
			break;
		case P_ADDHOST: r = ck_pod_spec_add_host(spec, val); break;
		case P_DNS: r = ck_pod_spec_add_dns(spec, val); break;
		case P_EXIT: r = ck_pod_spec_set_exit_policy(spec, val); break;
		case P_HOST: r = ck_pod_spec_set_hostname(spec, val); break;
		case P_INFRA: r = ck_pod_spec_set_infra(spec, flag_on(val)); break;
		case P_NOINFRA: r = ck_pod_spec_set_infra(spec, !flag_on(val)); break;
		case P_INFRACMD: {
			const char *argv1[] = { val, NULL };
			r = ck_pod_spec_set_infra_command(spec, argv1);
			break;
		}
		case P_INFRAIMG: r = ck_pod_spec_set_infra_image(spec, val); break;
		case P_LABEL: r = ck_pod_spec_add_label_string(spec, val); break;
		case P_NAME: name = val; break;
		case P_NET: r = ck_pod_spec_set_network(spec, val); break;
		case P_IDFILE: idfile = val; break;
		case P_PUBLISH: r = ck_pod_spec_add_port_string(spec, val); break;
		case P_REPLACE: r = ck_pod_spec_set_replace(spec, flag_on(val)); break;
		case P_SHARE: r = ck_pod_spec_set_share(spec, val); break;
		case P_REFUSED: case P_REFUSED + 1: case P_REFUSED + 2: case P_REFUSED + 3: case P_REFUSED + 4: {
			static const char *const names[] = { "label-file", "pid", "security-opt", "shm-size", "uts" };
			rc = die("--%s is not supported by ck pod create: the pod's infra container takes no such "
			         "setting (set it on the pod's containers)", names[id - P_REFUSED]);
			break;
		}
		}
		if (r < 0)
			rc = die_ck();
	}
	if (rc == 0 && name && ck_pod_spec_set_name(spec, name) < 0)
		rc = die_ck();
	if (rc == 0 && !app_context(app))
		rc = EXIT_CK;
	if (rc == 0 && idfile && (idfd = open(idfile, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644)) < 0)
		rc = errno == EEXIST ? die("pod id file exists. Ensure another pod is not using it or delete %s", idfile)
		                     : die("opening pod id file %s: %s", idfile, strerror(errno));
	if (rc == 0 && ck_pod_create(&pod, app->ctx, spec) < 0)
		rc = die_ck();
	if (idfd >= 0) {
		const char *pid = pod ? ck_pod_id(pod) : "";
		if (rc != 0 || write(idfd, pid, strlen(pid)) != (ssize_t)strlen(pid)) {
			if (rc == 0) {
				ck_pod_remove(pod, CK_REMOVE_FORCE);
				rc = die("writing pod id file %s: %s", idfile, strerror(errno));
			}
			unlink(idfile);
		}
		close(idfd);
	}
	if (rc == 0)
		printf("%s\n", ck_pod_id(pod));
	ck_pod_free(pod);
	ck_pod_spec_free(spec);
	return rc;
}

/* ---- commands on named pods ---- */

enum { ACT_START, ACT_STOP, ACT_RESTART, ACT_KILL, ACT_RM, ACT_PAUSE, ACT_UNPAUSE };

static int act_one(ck_pod *pod, int act, int arg, bool force)
{
	switch (act) {
	case ACT_START: return ck_pod_start(pod);
	case ACT_STOP: return ck_pod_stop(pod, arg);
	case ACT_RESTART: return ck_pod_restart(pod, arg);
	case ACT_KILL: return ck_pod_kill(pod, arg);
	case ACT_PAUSE: return ck_pod_pause(pod);
	case ACT_UNPAUSE: return ck_pod_unpause(pod);
	default: return ck_pod_remove(pod, force ? CK_REMOVE_FORCE : 0);
	}
}

static int pod_action(ck_app *app, int argc, char **argv, int act, const char *usage)
{
	static const cli_opt opts[] = {
		{ "time", 't', true, 1 }, { "signal", 's', true, 2 }, { "force", 'f', false, 3 },
		{ "all", 'a', false, 4 }, { "ignore", 'i', false, 5 }, { "pod-id-file", 0, true, 6 },
		{ NULL, 0, false, 0 },
	};
	strv names = { 0 };
	const char *val;
	long long t = -1;
	int id, rc = 0, sig = 15, status = 0;
	bool force = false, all = false, ignore = false;
	cli c;

	if (act == ACT_KILL)
		sig = 9;
	copts_init(&c, app, argc, argv, opts, true);
	while (rc == 0 && (id = cli_next(&c, &val)) != CLI_END) {
		switch (id) {
		case CLI_HELP: strv_clear(&names); return sub_help(usage);
		case CLI_ERR: rc = EXIT_CK; break;
		case CLI_POS: strv_add(&names, val); break;
		case 1:
			if (act != ACT_STOP && act != ACT_RESTART && act != ACT_RM)
				rc = die("unknown flag: --time");
			else if (!parse_int_arg("--time", val, -1, &t))
				rc = EXIT_CK;
			break;
		case 2:
			if (act != ACT_KILL)
				rc = die("unknown flag: --signal");
			else if (ck_container_signal_parse(&sig, val) < 0)
				rc = die_ck();
			break;
		case 3: force = flag_on(val); break;
		case 4: all = flag_on(val); break;
		case 5: ignore = flag_on(val); break;
		case 6: {
			FILE *f = fopen(val, "r");
			static char buf[128];
			if (!f || !fgets(buf, sizeof(buf), f))
				rc = die("reading pod id file %s: %s", val, strerror(errno ? errno : EIO));
			else
				strv_add(&names, buf);
			if (f)
				fclose(f);
			break;
		}
		}
	}
	if (rc == 0 && !all && !names.n)
		rc = die("you must provide at least one pod name or id");
	if (rc == 0 && !app_context(app))
		rc = EXIT_CK;
	ck_pod **list = NULL;
	size_t n = 0;
	if (rc == 0 && all && ck_pod_list(&list, &n, app->ctx, NULL) < 0)
		rc = die_ck();
	for (size_t i = 0; rc == 0 && i < n; i++) {
		if (act_one(list[i], act, act == ACT_KILL ? sig : (int)t, force) < 0) {
			print_ck_error();
			status = EXIT_CK;
		} else {
			printf("%s\n", ck_pod_id(list[i]));
		}
	}
	ck_pod_list_free(list, n);
	for (size_t i = 0; rc == 0 && i < names.n; i++) {
		ck_pod *pod = NULL;
		int r = ck_pod_lookup(&pod, app->ctx, names.v[i]);
		if (r == CK_ENOTFOUND && (ignore || force) && act == ACT_RM) /* podman: --force implies --ignore */
			continue;
		if (r == 0)
			r = act_one(pod, act, act == ACT_KILL ? sig : (int)t, force);
		if (r < 0) {
			print_ck_error();
			status = act == ACT_RM ? rm_exit_status(status, r, CK_ESTATE) : EXIT_CK;
		} else {
			printf("%s\n", ck_pod_id(pod));
		}
		ck_pod_free(pod);
	}
	strv_clear(&names);
	return rc ? rc : status;
}

#define ACTION(fn, act, summary, usage_tail)                                                             \
	static const char fn##_usage[] = summary "\n\nUsage:\n  ck pod " usage_tail;                     \
	static int fn(ck_app *app, int argc, char **argv)                                                \
	{                                                                                                \
		return pod_action(app, argc, argv, act, fn##_usage);                                     \
	}

ACTION(pod_start, ACT_START, "Start one or more pods", "start [options] POD [POD...]\n")
ACTION(pod_stop, ACT_STOP, "Stop one or more pods",
       "stop [options] POD [POD...]\n\nOptions:\n  -a, --all        Stop all pods\n"
       "  -t, --time int   Seconds to wait for the containers to stop before killing them\n")
ACTION(pod_restart, ACT_RESTART, "Restart one or more pods", "restart [options] POD [POD...]\n")
ACTION(pod_kill, ACT_KILL, "Send the specified signal or SIGKILL to containers in pod",
       "kill [options] POD [POD...]\n\nOptions:\n  -a, --all             Kill all pods\n"
       "  -s, --signal string   Signal to send to the containers in the pod (default \"KILL\")\n")
ACTION(pod_pause, ACT_PAUSE, "Pause one or more pods",
       "pause [options] POD [POD...]\n\nOptions:\n  -a, --all   Pause all running pods\n")
ACTION(pod_unpause, ACT_UNPAUSE, "Unpause one or more pods",
       "unpause [options] POD [POD...]\n\nOptions:\n  -a, --all   Unpause all paused pods\n")
ACTION(pod_rm, ACT_RM, "Remove one or more pods",
       "rm [options] POD [POD...]\n\nOptions:\n  -a, --all      Remove all pods\n"
       "  -f, --force    Stop all running containers in the pod, then remove it\n"
       "  -i, --ignore   Ignore errors when a specified pod is missing\n")

/* ---- prune, exists, inspect, ps ---- */

static const char prune_usage[] =
	"Remove all stopped pods and their containers\n\nUsage:\n  ck pod prune [options]\n\nOptions:\n"
	"  -f, --force   Do not prompt for confirmation\n";

static int pod_prune(ck_app *app, int argc, char **argv)
{
	static const cli_opt opts[] = { { "force", 'f', false, 1 }, { NULL, 0, false, 0 } };
	const char *val;
	bool force = false;
	char **removed = NULL;
	int id, rc = 0;
	cli c;

	copts_init(&c, app, argc, argv, opts, true);
	while (rc == 0 && (id = cli_next(&c, &val)) != CLI_END) {
		if (id == CLI_HELP)
			return sub_help(prune_usage);
		if (id == CLI_ERR)
			rc = EXIT_CK;
		else if (id == CLI_POS)
			rc = die("`ck pod prune` takes no arguments");
		else
			force = flag_on(val);
	}
	if (rc == 0 && !force && !confirm("WARNING! This will remove all stopped/exited pods..\n"
	                                  "Are you sure you want to continue?"))
		return 0;
	if (rc == 0 && !app_context(app))
		rc = EXIT_CK;
	if (rc == 0 && ck_pod_prune(&removed, app->ctx) < 0)
		rc = die_ck();
	for (size_t i = 0; removed && removed[i]; i++)
		printf("%s\n", removed[i]);
	ck_strv_free(removed);
	return rc;
}

static const char exists_usage[] = "Check if a pod exists in local storage\n\nUsage:\n  ck pod exists POD\n";

static int pod_found(ck_app *app, const char *name)
{
	ck_pod *pod = NULL;
	int rc = ck_pod_lookup(&pod, app->ctx, name);

	if (rc == 0)
		rc = !strcmp(ck_pod_name(pod), name) || !strncmp(ck_pod_id(pod), name, strlen(name)) ? 0 : 1;
	ck_pod_free(pod);
	return rc;
}

static int pod_exists(ck_app *app, int argc, char **argv)
{
	return run_exists(app, argc, argv, exists_usage, pod_found);
}

static const char inspect_usage[] =
	"Display a pod configuration\n\nUsage:\n  ck pod inspect [options] POD [POD...]\n\nOptions:\n"
	"  -f, --format string   Format the output using the given Go template\n";

static int pod_inspect(ck_app *app, int argc, char **argv)
{
	static const cli_opt opts[] = { { "format", 'f', true, 1 }, { NULL, 0, false, 0 } };
	strv names = { 0 };
	const char *val, *format = NULL;
	int id, rc = 0;
	cli c;

	copts_init(&c, app, argc, argv, opts, true);
	while (rc == 0 && (id = cli_next(&c, &val)) != CLI_END) {
		if (id == CLI_HELP) {
			strv_clear(&names);
			return sub_help(inspect_usage);
		}
		if (id == CLI_ERR)
			rc = EXIT_CK;
		else if (id == CLI_POS)
			strv_add(&names, val);
		else
			format = val;
	}
	if (rc == 0 && !names.n)
		rc = die("you must provide at least one pod name or id");
	if (rc == 0 && !app_context(app))
		rc = EXIT_CK;
	for (size_t i = 0; rc == 0 && i < names.n; i++) {
		ck_pod *pod = NULL;
		char *text = NULL;
		jnode *j = NULL;
		if (ck_pod_lookup(&pod, app->ctx, names.v[i]) < 0 || ck_pod_inspect(&text, pod) < 0)
			rc = die_ck();
		else if (!(j = json_parse(text)))
			rc = die("cannot parse the pod's inspect data");
		else if (format && strcmp(format, "json"))
			rc = print_template(format, j);
		else
			json_print_line(stdout, j, "     ");
		json_free(j);
		ck_free(text);
		ck_pod_free(pod);
	}
	strv_clear(&names);
	return rc;
}

static const char ps_usage[] =
	"List pods\n\nUsage:\n  ck pod ps [options]\n\nOptions:\n"
	"  -f, --filter strings   Filter output based on conditions given\n"
	"      --format string    Pretty-print pods to JSON or using a Go template\n"
	"      --no-trunc         Do not truncate pod and container IDs\n"
	"  -n, --noheading        Do not print headers\n"
	"  -q, --quiet            Print the numeric IDs of the pods only\n";

/* One pod as `podman pod ps --format json` prints it. */
static jnode *pod_json(ck_pod *pod)
{
	sbuf b = { 0 };
	char created[64];
	jnode *j;

	snprintf(created, sizeof(created), "%lld", (long long)(ck_pod_created(pod) / 1000000000));
	sb_cat(&b, "{\"Id\": ");
	sb_str(&b, ck_pod_id(pod));
	sb_cat(&b, ", \"Name\": ");
	sb_str(&b, ck_pod_name(pod));
	sb_cat(&b, ", \"Status\": ");
	sb_str(&b, ck_pod_state_name(ck_pod_get_state(pod)));
	sb_printf(&b, ", \"Created\": %s, \"InfraId\": ", created);
	sb_str(&b, ck_pod_infra_id(pod) ? ck_pod_infra_id(pod) : "");
	sb_cat(&b, ", \"Networks\": [");
	sb_str(&b, ck_pod_network(pod));
	sb_cat(&b, "], \"Labels\": {");
	for (size_t i = 0; i < ck_pod_label_count(pod); i++) {
		const char *k, *v;
		ck_pod_label_byindex(&k, &v, pod, i);
		sb_cat(&b, i ? ", " : "");
		sb_str(&b, k);
		sb_cat(&b, ": ");
		sb_str(&b, v);
	}
	sb_cat(&b, "}, \"Containers\": [");
	size_t k = 0;
	if (ck_pod_infra_id(pod)) {
		sb_cat(&b, "{\"Id\": ");
		sb_str(&b, ck_pod_infra_id(pod));
		sb_cat(&b, "}");
		k++;
	}
	for (size_t i = 0; i < ck_pod_member_count(pod); i++, k++) {
		sb_cat(&b, k ? ", {\"Id\": " : "{\"Id\": ");
		sb_str(&b, ck_pod_member_id(pod, i));
		sb_cat(&b, "}");
	}
	sb_cat(&b, "]}");
	j = json_parse(b.s);
	free(b.s);
	return j;
}

static int pod_ps(ck_app *app, int argc, char **argv)
{
	static const cli_opt opts[] = {
		{ "filter", 'f', true, 1 },     { "format", 0, true, 2 }, { "no-trunc", 0, false, 3 },
		{ "noheading", 'n', false, 4 }, { "quiet", 'q', false, 5 }, { NULL, 0, false, 0 },
	};
	strv filters = { 0 };
	const char *val, *format = NULL;
	bool no_trunc = false, noheading = false, quiet = false;
	ck_pod **list = NULL;
	size_t n = 0;
	int id, rc = 0;
	cli c;

	copts_init(&c, app, argc, argv, opts, true);
	while (rc == 0 && (id = cli_next(&c, &val)) != CLI_END) {
		switch (id) {
		case CLI_HELP: strv_clear(&filters); return sub_help(ps_usage);
		case CLI_ERR: rc = EXIT_CK; break;
		case CLI_POS: rc = die("`ck pod ps` takes no arguments"); break;
		case 1: strv_add(&filters, val); break;
		case 2: format = val; break;
		case 3: no_trunc = flag_on(val); break;
		case 4: noheading = flag_on(val); break;
		case 5: quiet = flag_on(val); break;
		}
	}
	if (rc == 0 && !app_context(app))
		rc = EXIT_CK;
	if (rc == 0 && ck_pod_list(&list, &n, app->ctx, filters.v) < 0)
		rc = die_ck();
	if (rc == 0 && quiet) {
		for (size_t i = 0; i < n; i++) {
			char sid[13];
			short_id(sid, ck_pod_id(list[i]));
			printf("%s\n", no_trunc ? ck_pod_id(list[i]) : sid);
		}
	} else if (rc == 0 && format) {
		jnode *arr = json_parse("[]");
		arr->vals = calloc(n ? n : 1, sizeof(*arr->vals));
		for (size_t i = 0; arr->vals && i < n; i++)
			if ((arr->vals[arr->n] = pod_json(list[i])))
				arr->n++;
		if (!strcmp(format, "json"))
			json_print_line(stdout, arr, "    ");
		else
			rc = print_list_template(format, arr->vals, arr->n, noheading,
			                         (const char *const[]){ "ID", "POD ID", NULL });
		json_free(arr);
	} else if (rc == 0) {
		table t;
		table_init(&t, 6);
		if (!noheading)
			table_row(&t, (const char *[]){ "POD ID", "NAME", "STATUS", "CREATED", "INFRA ID", "# OF CONTAINERS" });
		for (size_t i = 0; i < n; i++) {
			char sid[13], iid[13] = "", created[96], count[16];
			int64_t secs = (int64_t)time(NULL) - ck_pod_created(list[i]) / 1000000000;
			short_id(sid, ck_pod_id(list[i]));
			if (ck_pod_infra_id(list[i]))
				short_id(iid, ck_pod_infra_id(list[i]));
			human_duration(created, sizeof(created) - 4, secs);
			strcat(created, " ago");
			snprintf(count, sizeof(count), "%zu",
			         ck_pod_member_count(list[i]) + (ck_pod_infra_id(list[i]) ? 1 : 0));
			table_row(&t, (const char *[]){ no_trunc ? ck_pod_id(list[i]) : sid, ck_pod_name(list[i]),
			                                ck_pod_state_name(ck_pod_get_state(list[i])), created,
			                                no_trunc && ck_pod_infra_id(list[i]) ? ck_pod_infra_id(list[i]) : iid,
			                                count });
		}
		table_print(stdout, &t);
		table_free(&t);
	}
	ck_pod_list_free(list, n);
	strv_clear(&filters);
	return rc;
}

static const char top_usage[] =
	"Display the running processes of containers in a pod\n\nUsage:\n  ck pod top POD [DESCRIPTORS...]\n";

static int pod_top(ck_app *app, int argc, char **argv)
{
	ck_pod *pod = NULL;
	int rc = 0;

	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")))
		return sub_help(top_usage);
	if (argc < 2)
		return die("you must provide the name or id of a running pod");
	if (!app_context(app))
		return EXIT_CK;
	if (ck_pod_lookup(&pod, app->ctx, argv[1]) < 0)
		return die_ck();
	const char *const *desc = argc > 2 ? (const char *const *)argv + 2 : NULL;
	bool header = true;
	for (size_t i = 0; rc == 0 && i <= ck_pod_member_count(pod); i++) {
		const char *cid = i == 0 ? ck_pod_infra_id(pod) : ck_pod_member_id(pod, i - 1);
		ck_container *ctr = NULL;
		char *text = NULL;
		if (!cid || ck_container_lookup(&ctr, app->ctx, cid) < 0 ||
		    strcmp(ck_container_status(ctr), "running") || ck_container_top(&text, ctr, desc) < 0) {
			ck_container_free(ctr);
			continue;
		}
		/* one header for the whole pod */
		char *body = header ? text : strchr(text, '\n');
		fputs(body ? body + (header ? 0 : 1) : "", stdout);
		header = false;
		ck_free(text);
		ck_container_free(ctr);
	}
	if (header)
		rc = die("no container of pod %s is running", ck_pod_name(pod));
	ck_pod_free(pod);
	return rc;
}

static const subcommand pod_cmds[] = {
	{ "create", NULL, "Create a new empty pod", create_usage, pod_create },
	{ "exists", NULL, "Check if a pod exists in local storage", exists_usage, pod_exists },
	{ "inspect", NULL, "Display a pod configuration", inspect_usage, pod_inspect },
	{ "kill", NULL, "Send the specified signal or SIGKILL to containers in pod", pod_kill_usage, pod_kill },
	{ "pause", NULL, "Pause one or more pods", pod_pause_usage, pod_pause },
	{ "prune", NULL, "Remove all stopped pods and their containers", prune_usage, pod_prune },
	{ "ps", "ls", "List pods", ps_usage, pod_ps },
	{ "restart", NULL, "Restart one or more pods", pod_restart_usage, pod_restart },
	{ "rm", NULL, "Remove one or more pods", pod_rm_usage, pod_rm },
	{ "start", NULL, "Start one or more pods", pod_start_usage, pod_start },
	{ "stop", NULL, "Stop one or more pods", pod_stop_usage, pod_stop },
	{ "top", NULL, "Display the running processes of containers in a pod", top_usage, pod_top },
	{ "unpause", NULL, "Unpause one or more pods", pod_unpause_usage, pod_unpause },
	{ NULL, NULL, NULL, NULL, NULL },
};

int cmd_pod(ck_app *app, int argc, char **argv)
{
	return run_group(app, "pod", "Manage pods", pod_cmds, argc, argv);
}

/* ck pod: create, start, stop, restart, kill, rm, prune, ps, inspect,
 * exists and top, as podman pod. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "ctr.h"
#include "listing.h"

static const char create_usage[] =
	"Create a new empty pod\n\nUsage:\n  ck pod create [options] [NAME]\n\nOptions:\n"
	"      --add-host host:ip      Add a custom host-to-IP mapping\n"
	"      --dns ip                Set custom DNS servers\n"
	"      --dns-option option     Set custom DNS options\n"
	"      --dns-search domain     Set custom DNS search domains\n"
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

/* run's settings that a pod does not take (podman gives them to the infra) */
#define POD_REFUSED(flag)                                                                                     \
	{ flag, 0, F_REFUSE_VAL,                                                                              \
	  "--" flag " is not supported by ck pod create: the pod's infra container takes no such setting (set it " \
	  "on the pod's containers)", 0 }

/* Gives each value of a repeated flag, in the order given, to `add`. */
static int add_each(ck_pod_spec *spec, const strv *vals, int (*add)(ck_pod_spec *, const char *))
{
	for (size_t i = 0; i < vals->n; i++)
		if (add(spec, vals->v[i]) < 0)
			return die_ck();
	return 0;
}

static int pod_create(ck_app *app, int argc, char **argv)
{
	ck_pod_spec *spec = NULL;
	ck_pod *pod = NULL;
	const char *idfile = NULL, *name = NULL, *exit_policy = NULL, *hostname = NULL, *infra_cmd = NULL,
		   *infra_image = NULL, *network = NULL, *share = NULL, *infra_pidfile = NULL;
	strv args = { 0 }, hosts = { 0 }, dns = { 0 }, dns_search = { 0 }, dns_opts = { 0 }, labels = { 0 },
	     ports = { 0 };
	int rc, idfd = -1, infra = -1, no_infra = -1, replace = -1;

	rc = parse_flags_in(app, argc, argv, true, (const flag_def[]){
		{ "add-host", 0, F_STRV, &hosts, 0 },
		{ "dns", 0, F_STRV, &dns, 0 },
		{ "dns-search", 0, F_STRV, &dns_search, 0 },
		{ "dns-option", 0, F_STRV, &dns_opts, 0 },
		{ "exit-policy", 0, F_STR, &exit_policy, 0 },
		{ "hostname", 0, F_STR, &hostname, 0 },
		{ "infra", 0, F_ONOFF, &infra, 0 },
		{ "no-infra", 0, F_ONOFF, &no_infra, 0 },
		{ "infra-command", 0, F_STR, &infra_cmd, 0 },
		{ "infra-image", 0, F_STR, &infra_image, 0 },
		{ "label", 'l', F_STRV, &labels, 0 },
		{ "name", 'n', F_STR, &name, 0 },
		{ "network", 0, F_STR, &network, 0 },
		{ "net", 0, F_STR, &network, 0 },
		{ "pod-id-file", 0, F_STR, &idfile, 0 },
		{ "publish", 'p', F_STRV, &ports, 0 },
		{ "replace", 0, F_ONOFF, &replace, 0 },
		{ "share", 0, F_STR, &share, 0 },
		POD_REFUSED("label-file"),
		POD_REFUSED("pid"),
		POD_REFUSED("security-opt"),
		POD_REFUSED("shm-size"),
		POD_REFUSED("uts"),
		{ "infra-conmon-pidfile", 0, F_STR, &infra_pidfile, 0 },
		{ NULL, 0, F_IGNORE, NULL, 0 },
	}, create_usage, &args);
	if (rc < 0)
		rc = 0;
	else if (rc == 0 && args.n > 1)
		rc = die("too many arguments, pod create takes at most 1 argument");
	else if (rc == 0 && args.n && name)
		rc = die("--name and a NAME argument cannot both be given");
	else if (rc == 0 && infra >= 0 && no_infra >= 0 && infra == no_infra)
		rc = die("--infra and --no-infra contradict each other");
	else if (rc == 0 && ck_pod_spec_new(&spec) < 0)
		rc = die_ck();
	else if (rc == 0) {
		const char *infra_argv[] = { infra_cmd, NULL };

		if (args.n)
			name = args.v[0];
		if (no_infra >= 0)
			infra = !no_infra;
		if ((exit_policy && ck_pod_spec_set_exit_policy(spec, exit_policy) < 0) ||
		    (hostname && ck_pod_spec_set_hostname(spec, hostname) < 0) ||
		    (infra >= 0 && ck_pod_spec_set_infra(spec, infra) < 0) ||
		    (infra_cmd && ck_pod_spec_set_infra_command(spec, infra_argv) < 0) ||
		    (infra_image && ck_pod_spec_set_infra_image(spec, infra_image) < 0) ||
		    (network && ck_pod_spec_set_network(spec, network) < 0) ||
		    (replace >= 0 && ck_pod_spec_set_replace(spec, replace) < 0) ||
		    /* podman's pod without infra shares nothing unless told to (and then fails) */
		    ((share || infra == 0) && ck_pod_spec_set_share(spec, share ? share : "") < 0) ||
		    (infra_pidfile && ck_pod_spec_set_infra_monitor_pid_file(spec, infra_pidfile) < 0))
			rc = die_ck();
		if (rc == 0)
			rc = add_each(spec, &hosts, ck_pod_spec_add_host);
		if (rc == 0)
			rc = add_each(spec, &dns, ck_pod_spec_add_dns);
		if (rc == 0)
			rc = add_each(spec, &dns_search, ck_pod_spec_add_dns_search);
		if (rc == 0)
			rc = add_each(spec, &dns_opts, ck_pod_spec_add_dns_option);
		if (rc == 0)
			rc = add_each(spec, &labels, ck_pod_spec_add_label_string);
		if (rc == 0)
			rc = add_each(spec, &ports, ck_pod_spec_add_port_string);
		if (rc == 0 && name && ck_pod_spec_set_name(spec, name) < 0)
			rc = die_ck();
	}
	if (!spec) /* --help, or refused before anything was built */
		goto out;
	if (rc == 0 && ck_pod_spec_set_create_command(spec, (const char *const *)app->argv) < 0)
		rc = die_ck();
	if (rc == 0 && !app_context(app))
		rc = EXIT_CK;
	/* podman's default: the bridge network when rootful, slirp4netns when
	 * rootless; a pod without infra has no network of its own (its
	 * members have theirs) */
	if (rc == 0 && !network && infra != 0 && ck_pod_spec_set_network(spec, default_network(app)) < 0)
		rc = die_ck();
	if (rc == 0 && idfile)
		rc = id_file_claim(&idfd, idfile, "pod", "pod id file");
	if (rc == 0 && ck_pod_create(&pod, app->ctx, spec) < 0)
		rc = die_ck();
	if (idfd >= 0 && id_file_finish(idfd, idfile, "pod id file", rc == 0 ? ck_pod_id(pod) : NULL) != 0) {
		ck_pod_remove(pod, CK_REMOVE_FORCE);
		rc = EXIT_CK;
	}
	if (rc == 0)
		printf("%s\n", ck_pod_id(pod));
out:
	ck_pod_free(pod);
	ck_pod_spec_free(spec);
	strv_clear(&args);
	strv_clear(&hosts);
	strv_clear(&dns);
	strv_clear(&dns_search);
	strv_clear(&dns_opts);
	strv_clear(&labels);
	strv_clear(&ports);
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
	strv names = { 0 }, idfiles = { 0 }, owned = { 0 };
	const char *sigtext = NULL;
	long long t = -1;
	int rc, sig = act == ACT_KILL ? 9 : 15, status = 0;
	bool force = false, all = false, ignore = false;
	flag_def defs[8];
	size_t n_defs = 0;

	/* --time and --signal exist only where they mean something, so that
	 * elsewhere they are unknown flags, as in podman. */
	if (act == ACT_STOP || act == ACT_RESTART || act == ACT_RM)
		defs[n_defs++] = (flag_def){ "time", 't', F_INT, &t, -1 };
	if (act == ACT_KILL)
		defs[n_defs++] = (flag_def){ "signal", 's', F_STR, &sigtext, 0 };
	defs[n_defs++] = (flag_def){ "force", 'f', F_BOOL, &force, 0 };
	defs[n_defs++] = (flag_def){ "all", 'a', F_BOOL, &all, 0 };
	defs[n_defs++] = (flag_def){ "ignore", 'i', F_BOOL, &ignore, 0 };
	defs[n_defs++] = (flag_def){ "pod-id-file", 0, F_STRV, &idfiles, 0 };
	defs[n_defs] = (flag_def){ NULL, 0, F_IGNORE, NULL, 0 };
	rc = parse_flags_in(app, argc, argv, true, defs, usage, &names);
	if (rc < 0) {
		strv_clear(&idfiles);
		return 0;
	}
	if (rc == 0 && sigtext && ck_container_signal_parse(&sig, sigtext) < 0)
		rc = die_ck();
	/* A missing id file with --ignore is a pod already gone (the units of
	 * `ck generate systemd --new` stop and remove by id file). */
	if (rc == 0)
		rc = add_id_files(&names, &owned, &idfiles, "pod id file", ignore);
	if (rc == 0 && !all && !names.n && idfiles.n && ignore) {
		strv_clear(&idfiles);
		return 0;
	}
	if (rc != 0) {
		strv_clear(&names);
		strv_clear(&idfiles);
		strv_free_owned(&owned);
		return rc;
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
		/* podman: --force implies --ignore for rm */
		if (r == CK_ENOTFOUND && ((ignore && (act == ACT_RM || act == ACT_STOP)) || (force && act == ACT_RM)))
			continue;
		if (r == 0)
			r = act_one(pod, act, act == ACT_KILL ? sig : (int)t, force);
		/* podman removes the id file with the pod it names */
		if (r == 0 && act == ACT_RM)
			for (size_t k = 0; k < idfiles.n; k++)
				unlink(idfiles.v[k]);
		if (r < 0) {
			print_ck_error();
			status = act == ACT_RM ? rm_exit_status(status, r, CK_ESTATE) : EXIT_CK;
		} else {
			printf("%s\n", ck_pod_id(pod));
		}
		ck_pod_free(pod);
	}
	strv_clear(&names);
	strv_clear(&idfiles);
	strv_free_owned(&owned);
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
	bool force = false;
	char **removed = NULL;
	int rc = 0;

	rc = parse_flags_noargs(app, argc, argv, true, (const flag_def[]){
		{ "force", 'f', F_BOOL, &force, 0 },
		{ NULL, 0, F_IGNORE, NULL, 0 },
	}, prune_usage, "pod prune");
	if (rc < 0)
		return 0;
	if (rc == 0 && !force && !confirm("WARNING! This will remove all stopped/exited pods..\n"
	                                  "Are you sure you want to continue?"))
		return 0;
	if (rc == 0 && !app_context(app))
		rc = EXIT_CK;
	if (rc == 0 && ck_pod_prune(&removed, app->ctx) < 0)
		rc = die_ck();
	print_lines_free(removed);
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
	return run_exists(app, argc, argv, exists_usage, "name", pod_found);
}

static const char inspect_usage[] =
	"Display a pod configuration\n\nUsage:\n  ck pod inspect [options] POD [POD...]\n\nOptions:\n"
	"  -f, --format string   Format the output using the given Go template\n";

static int pod_inspect(ck_app *app, int argc, char **argv)
{
	strv names = { 0 };
	const char *format = NULL;
	int rc = 0;

	rc = parse_flags_in(app, argc, argv, true, (const flag_def[]){
		{ "format", 'f', F_STR, &format, 0 },
		{ NULL, 0, F_IGNORE, NULL, 0 },
	}, inspect_usage, &names);
	if (rc < 0)
		return 0;
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
	j = json_parse(sb_take(&b));
	free(b.s);
	return j;
}

static void pod_quiet(char *buf, size_t size, void *payload, size_t i, const list_flags *f)
{
	const char *id = ck_pod_id(((ck_pod **)payload)[i]);

	snprintf(buf, size, "%.*s", f->no_trunc ? (int)strlen(id) : 12, id);
}

static jnode *pod_item(void *payload, size_t i, const list_flags *f)
{
	jnode *j = pod_json(((ck_pod **)payload)[i]);

	(void)f;
	return j ? j : json_parse("[]"); /* a pod that cannot be shown is left out, as before */
}

static void pod_row(table *t, void *payload, size_t i, const list_flags *f)
{
	ck_pod *pod = ((ck_pod **)payload)[i];
	char sid[13], iid[13] = "", created[96], count[16];
	int64_t secs = (int64_t)time(NULL) - ck_pod_created(pod) / 1000000000;

	short_id(sid, ck_pod_id(pod));
	if (ck_pod_infra_id(pod))
		short_id(iid, ck_pod_infra_id(pod));
	human_duration(created, sizeof(created) - 4, secs);
	strcat(created, " ago");
	snprintf(count, sizeof(count), "%zu", ck_pod_member_count(pod) + (ck_pod_infra_id(pod) ? 1 : 0));
	table_row(t, (const char *[]){ f->no_trunc ? ck_pod_id(pod) : sid, ck_pod_name(pod),
	                               ck_pod_state_name(ck_pod_get_state(pod)), created,
	                               f->no_trunc && ck_pod_infra_id(pod) ? ck_pod_infra_id(pod) : iid,
	                               count });
}

static int pod_ps(ck_app *app, int argc, char **argv)
{
	list_flags f = { 0 };
	ck_pod **list = NULL;
	size_t n = 0;
	int rc = list_begin(app, argc, argv, true,
	                    (const flag_def[]){ LIST_FLAG_DEFS(&f, 'n'), LIST_NOTRUNC_DEF(&f), { NULL, 0, 0, 0, 0 } },
	                    "pod ps", ps_usage, NULL);

	if (rc == 0 && ck_pod_list(&list, &n, app->ctx, f.filters.v) < 0)
		rc = die_ck();
	else if (rc == 0)
		rc = print_listing(&(listing){ .n = n, .payload = list, .quiet_line = pod_quiet,
		                               .json = pod_item, .json_indent = "    ",
		                               .headers = (const char *const[]){ "ID", "POD ID", NULL },
		                               .cols = 6,
		                               .heading = (const char *const[]){ "POD ID", "NAME", "STATUS", "CREATED",
		                                                                 "INFRA ID", "# OF CONTAINERS" },
		                               .rows = pod_row },
		                   &f);
	ck_pod_list_free(list, n);
	strv_clear(&f.filters);
	return rc < 0 ? 0 : rc;
}

static const char top_usage[] =
	"Display the running processes of containers in a pod\n\nUsage:\n  ck pod top POD [DESCRIPTORS...]\n";

static int pod_top(ck_app *app, int argc, char **argv)
{
	ck_pod *pod = NULL;
	strv args = { 0 };
	int rc = parse_flags_in(app, argc, argv, true, (const flag_def[]){ { NULL, 0, F_IGNORE, NULL, 0 } },
	                        top_usage, &args);

	if (rc < 0)
		return 0;
	if (rc == 0 && args.n == 0)
		rc = die("you must provide the name or id of a running pod");
	if (rc == 0 && !app_context(app))
		rc = EXIT_CK;
	if (rc == 0 && ck_pod_lookup(&pod, app->ctx, args.v[0]) < 0)
		rc = die_ck();
	if (rc != 0) {
		strv_clear(&args);
		return rc;
	}
	const char *const *desc = args.n > 1 ? (const char *const *)args.v + 1 : NULL;
	/* One table for the whole pod, from each running member's typed rows. */
	bool header = true;
	table t = { 0 };
	for (size_t i = 0; rc == 0 && i <= ck_pod_member_count(pod); i++) {
		const char *cid = i == 0 ? ck_pod_infra_id(pod) : ck_pod_member_id(pod, i - 1);
		ck_container *ctr = NULL;
		ck_container_top_table *tt = NULL;
		if (!cid || ck_container_lookup(&ctr, app->ctx, cid) < 0 || strcmp(ck_container_status(ctr), "running") ||
		    ck_container_top_read(&tt, ctr, desc) < 0) {
			if (ctr && !strcmp(ck_container_status(ctr), "running") && ck_error_last()->code == CK_EINVAL)
				rc = die_ck(); /* an unknown descriptor */
			ck_container_free(ctr);
			continue;
		}
		size_t cols = ck_container_top_table_columns(tt);
		const char *cells[64];
		if (cols > 64)
			cols = 64;
		if (header) {
			table_init(&t, cols);
			for (size_t k = 0; k < cols; k++)
				cells[k] = ck_container_top_table_header(tt, k);
			table_row(&t, cells);
			header = false;
		}
		for (size_t r = 0; r < ck_container_top_table_count(tt); r++) {
			for (size_t k = 0; k < cols; k++)
				cells[k] = ck_container_top_table_cell(tt, r, k);
			table_row(&t, cells);
		}
		ck_container_top_table_free(tt);
		ck_container_free(ctr);
	}
	if (!header) {
		table_print(stdout, &t);
		table_free(&t);
	}
	if (header && rc == 0)
		rc = die("no container of pod %s is running", ck_pod_name(pod));
	ck_pod_free(pod);
	strv_clear(&args);
	return rc;
}

/* ---- pod stats, pod logs: the container commands over the pod's members ---- */

/* strv borrows its strings: these are copies that `owned` frees
 * (strv_free_owned). */
static void add_copy(strv *out, strv *owned, const char *s)
{
	char *copy = strdup(s);
	if (!copy)
		return;
	strv_add(owned, copy);
	strv_add(out, copy);
}

/* Appends the ids of `pod`'s members (not its infra) to `out`; with `only`,
 * just that member (by name or id). */
static int member_ids(strv *out, strv *owned, ck_app *app, const char *pod_ref, const char *only)
{
	ck_pod *pod = NULL;
	size_t found = 0;

	if (ck_pod_lookup(&pod, app->ctx, pod_ref) < 0)
		return die_ck();
	for (size_t i = 0; i < ck_pod_member_count(pod); i++) {
		const char *id = ck_pod_member_id(pod, i);
		if (only) {
			ck_container *c = NULL;
			bool match = ck_container_lookup(&c, app->ctx, only) == 0 && !strcmp(ck_container_id(c), id);
			ck_container_free(c);
			if (!match)
				continue;
		}
		add_copy(out, owned, id);
		found++;
	}
	ck_pod_free(pod);
	if (only && !found)
		return die("no container %s in pod %s", only, pod_ref);
	return 0;
}

static const char pod_stats_usage[] =
	"Display a live stream of resource usage statistics for the containers in one or more pods\n\n"
	"Usage:\n  ck pod stats [options] [POD...]\n\nOptions:\n"
	"  -a, --all             Provide stats for all running pods\n"
	"      --format string   Pretty-print container statistics to JSON or using a Go template\n"
	"      --no-reset        Disable resetting the screen when streaming\n"
	"      --no-stream       Disable streaming stats and only pull the first result\n";

static int pod_stats(ck_app *app, int argc, char **argv)
{
	strv pods = { 0 }, args = { 0 }, owned = { 0 };
	const char *format = NULL;
	char *fmt = NULL;
	bool all = false, no_reset = false, no_stream = false;
	int rc;

	rc = parse_flags_in(app, argc, argv, true, (const flag_def[]){
		{ "all", 'a', F_BOOL, &all, 0 },
		{ "format", 0, F_STR, &format, 0 },
		{ "no-reset", 0, F_BOOL, &no_reset, 0 },
		{ "no-stream", 0, F_BOOL, &no_stream, 0 },
		{ NULL, 0, F_IGNORE, NULL, 0 },
	}, pod_stats_usage, &pods);
	if (rc < 0)
		return 0;
	/* handed on to ck stats, with the members' ids after them */
	if (no_reset)
		strv_add(&args, "--no-reset");
	if (no_stream)
		strv_add(&args, "--no-stream");
	if (format && (fmt = malloc(strlen(format) + 10)))
		sprintf(fmt, "--format=%s", format);
	if (rc == 0 && all && pods.n)
		rc = die("--all is not allowed with pods named");
	if (rc == 0 && !app_context(app))
		rc = EXIT_CK;
	if (rc == 0 && !pods.n) { /* every pod */
		ck_pod **list = NULL;
		size_t n = 0;
		if (ck_pod_list(&list, &n, app->ctx, NULL) < 0)
			rc = die_ck();
		for (size_t i = 0; rc == 0 && i < n; i++)
			add_copy(&pods, &owned, ck_pod_id(list[i]));
		ck_pod_list_free(list, n);
	}
	if (fmt)
		strv_add(&args, fmt);
	size_t before = args.n;
	for (size_t i = 0; rc == 0 && i < pods.n; i++)
		rc = member_ids(&args, &owned, app, pods.v[i], NULL);
	if (rc == 0 && args.n == before)
		rc = die("no containers in the pods given");
	if (rc == 0)
		rc = ctr_stats(app, (int)args.n, (char **)args.v);
	free(fmt);
	strv_free_owned(&owned);
	strv_clear(&pods);
	strv_clear(&args);
	return rc;
}

static const char pod_logs_usage[] =
	"Fetch logs for pod with one or more containers\n\n"
	"Usage:\n  ck pod logs [options] POD\n\nOptions:\n"
	"  -c, --container string   Filter logs by container name or id which belongs to pod\n"
	"  -f, --follow             Follow log output\n"
	"  -n, --names              Output container names instead of container IDs in the log\n"
	"      --since string       Show logs since TIMESTAMP\n"
	"      --tail int           Output the specified number of LINES at the end of the logs (default -1)\n"
	"  -t, --timestamps         Output the timestamps in the log\n"
	"      --until string       Show logs until TIMESTAMP\n";

static int pod_logs(ck_app *app, int argc, char **argv)
{
	strv pods = { 0 }, args = { 0 }, owned = { 0 };
	const char *only = NULL, *since = NULL, *tail = NULL, *until = NULL;
	bool follow = false, names = false, timestamps = false;
	int rc;

	rc = parse_flags_in(app, argc, argv, true, (const flag_def[]){
		{ "container", 'c', F_STR, &only, 0 },
		{ "follow", 'f', F_BOOL, &follow, 0 },
		{ "names", 'n', F_BOOL, &names, 0 },
		{ "since", 0, F_STR, &since, 0 },
		{ "tail", 0, F_STR, &tail, 0 },
		{ "timestamps", 't', F_BOOL, &timestamps, 0 },
		{ "until", 0, F_STR, &until, 0 },
		{ NULL, 0, F_IGNORE, NULL, 0 },
	}, pod_logs_usage, &pods);
	if (rc < 0)
		return 0;
	/* handed on to ck logs, which checks the values, with the members'
	 * ids after them */
	if (follow)
		strv_add(&args, "--follow");
	if (names)
		strv_add(&args, "--names");
	if (timestamps)
		strv_add(&args, "--timestamps");
	for (int k = 0; k < 3; k++) {
		const char *v = k == 0 ? since : k == 1 ? tail : until;
		char buf[512];

		if (v) {
			snprintf(buf, sizeof(buf), "--%s=%s", k == 0 ? "since" : k == 1 ? "tail" : "until", v);
			add_copy(&args, &owned, buf);
		}
	}
	if (rc == 0 && pods.n != 1)
		rc = die_args(pod_logs_usage, "exactly one pod is required");
	if (rc == 0 && !app_context(app))
		rc = EXIT_CK;
	if (rc == 0)
		rc = member_ids(&args, &owned, app, pods.v[0], only);
	if (rc == 0)
		rc = ctr_logs(app, (int)args.n, (char **)args.v);
	strv_free_owned(&owned);
	strv_clear(&pods);
	strv_clear(&args);
	return rc;
}

static const subcommand pod_cmds[] = {
	{ "create", NULL, "Create a new empty pod", create_usage, pod_create },
	{ "exists", NULL, "Check if a pod exists in local storage", exists_usage, pod_exists },
	{ "inspect", NULL, "Display a pod configuration", inspect_usage, pod_inspect },
	{ "kill", NULL, "Send the specified signal or SIGKILL to containers in pod", pod_kill_usage, pod_kill },
	{ "pause", NULL, "Pause one or more pods", pod_pause_usage, pod_pause },
	{ "logs", NULL, "Fetch logs for pod with one or more containers", pod_logs_usage, pod_logs },
	{ "prune", NULL, "Remove all stopped pods and their containers", prune_usage, pod_prune },
	{ "ps", "ls", "List pods", ps_usage, pod_ps },
	{ "restart", NULL, "Restart one or more pods", pod_restart_usage, pod_restart },
	{ "rm", NULL, "Remove one or more pods", pod_rm_usage, pod_rm },
	{ "start", NULL, "Start one or more pods", pod_start_usage, pod_start },
	{ "stats", NULL, "Display a live stream of resource usage statistics for pods", pod_stats_usage, pod_stats },
	{ "stop", NULL, "Stop one or more pods", pod_stop_usage, pod_stop },
	{ "top", NULL, "Display the running processes of containers in a pod", top_usage, pod_top },
	{ "unpause", NULL, "Unpause one or more pods", pod_unpause_usage, pod_unpause },
	{ NULL, NULL, NULL, NULL, NULL },
};

int cmd_pod(ck_app *app, int argc, char **argv)
{
	return run_group(app, "pod", "Manage pods", pod_cmds, argc, argv);
}

/* ck network: create, ls, inspect, rm, prune, exists, connect, disconnect
 * and reload, as podman network. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "listing.h"

static jnode *network_json(const ck_network *net)
{
	char *text = NULL;
	jnode *j = NULL;

	if (ck_network_inspect(&text, net) == 0)
		j = json_parse(text);
	ck_free(text);
	return j;
}

static const char create_usage[] =
	"Create networks for containers and pods\n\nUsage:\n  ck network create [options] [NAME]\n\nOptions:\n"
	"      --disable-dns         disable dns plugin\n"
	"  -d, --driver string       driver to manage the network (default \"bridge\")\n"
	"      --gateway string      IPv4 or IPv6 gateway for the subnet\n"
	"      --internal            restrict external access from this network\n"
	"      --ip-range string     allocate container IP from range\n"
	"      --label stringArray   set metadata on a network\n"
	"  -o, --opt stringArray     Set driver specific options (mtu, isolate)\n"
	"      --subnet string       subnet in CIDR format\n";

/* Gives each "key=value" of `kv` (a bare "key" has an empty value) to the
 * spec's label or option setter. */
static int set_pairs(ck_network_spec *spec, const strv *kv, bool label)
{
	for (size_t i = 0; i < kv->n; i++) {
		const char *val = kv->v[i], *eq = strchr(val, '=');
		char key[256];

		snprintf(key, sizeof(key), "%.*s", eq ? (int)(eq - val) : (int)strlen(val), val);
		if ((label ? ck_network_spec_set_label(spec, key, eq ? eq + 1 : "")
		           : ck_network_spec_set_option(spec, key, eq ? eq + 1 : "")) < 0)
			return die_ck();
	}
	return 0;
}

static int network_create(ck_app *app, int argc, char **argv)
{
	ck_network_spec *spec = NULL;
	ck_network *net = NULL;
	const char *name = NULL, *driver = NULL, *gateway = NULL, *ip_range = NULL, *subnet = NULL;
	strv args = { 0 }, labels = { 0 }, options = { 0 };
	bool ignore = false, disable_dns = false, internal = false;
	int rc;

	rc = parse_flags(app, argc, argv, (const flag_def[]){
		{ "disable-dns", 0, F_BOOL, &disable_dns, 0 },
		{ "driver", 'd', F_STR, &driver, 0 },
		{ "gateway", 0, F_STR, &gateway, 0 },
		{ "internal", 0, F_BOOL, &internal, 0 },
		{ "ip-range", 0, F_STR, &ip_range, 0 },
		{ "label", 0, F_STRV, &labels, 0 },
		{ "opt", 'o', F_STRV, &options, 0 },
		{ "subnet", 0, F_STR, &subnet, 0 },
		{ "ignore", 0, F_BOOL, &ignore, 0 },
		{ NULL, 0, F_IGNORE, NULL, 0 },
	}, create_usage, &args);
	if (rc < 0)
		rc = 0;
	else if (rc == 0 && args.n > 1)
		rc = die("too many arguments, create takes at most 1 argument");
	else if (rc == 0) {
		name = args.n ? args.v[0] : NULL;
		if (ck_network_spec_new(&spec) < 0 || (disable_dns && ck_network_spec_set_disable_dns(spec, 1) < 0) ||
		    (driver && ck_network_spec_set_driver(spec, driver) < 0) ||
		    (gateway && ck_network_spec_set_gateway(spec, gateway) < 0) ||
		    (internal && ck_network_spec_set_internal(spec, 1) < 0) ||
		    (ip_range && ck_network_spec_set_ip_range(spec, ip_range) < 0) ||
		    (subnet && ck_network_spec_set_subnet(spec, subnet) < 0))
			rc = die_ck();
		if (rc == 0)
			rc = set_pairs(spec, &labels, true);
		if (rc == 0)
			rc = set_pairs(spec, &options, false);
		if (rc == 0 && name && ck_network_spec_set_name(spec, name) < 0)
			rc = die_ck();
		if (rc == 0 && !app_context(app))
			rc = EXIT_CK;
	}
	if (rc == 0 && spec && ck_network_create(&net, app->ctx, spec) < 0) {
		if (ignore && name && ck_error_last()->code == CK_EEXISTS)
			printf("%s\n", name);
		else
			rc = die_ck();
	} else if (rc == 0 && spec) {
		printf("%s\n", ck_network_name(net));
	}
	ck_network_free(net);
	ck_network_spec_free(spec);
	strv_clear(&args);
	strv_clear(&labels);
	strv_clear(&options);
	return rc;
}

static const char ls_usage[] =
	"List networks\n\nUsage:\n  ck network ls [options]\n\nOptions:\n"
	"  -f, --filter strings    Provide filter values (e.g. 'name=podman')\n"
	"      --format string     Pretty-print networks to JSON or using a Go template\n"
	"      --no-trunc          Do not truncate the network ID\n"
	"  -n, --noheading         Do not print headers\n"
	"  -q, --quiet             display only names\n";

static void network_quiet(char *buf, size_t size, void *payload, size_t i, const list_flags *f)
{
	(void)f;
	snprintf(buf, size, "%s", ck_network_name(ck_network_list_byindex(payload, i)));
}

static jnode *network_item(void *payload, size_t i, const list_flags *f)
{
	jnode *j = network_json(ck_network_list_byindex(payload, i));

	(void)f;
	if (!j)
		die_ck();
	return j;
}

static void network_row(table *t, void *payload, size_t i, const list_flags *f)
{
	const ck_network *net = ck_network_list_byindex(payload, i);
	char idbuf[80];

	snprintf(idbuf, sizeof(idbuf), "%.*s", f->no_trunc ? 64 : 12, ck_network_id(net));
	table_row(t, (const char *[]){ idbuf, ck_network_name(net), ck_network_driver(net) });
}

static int network_ls(ck_app *app, int argc, char **argv)
{
	list_flags f = { 0 };
	ck_network_list *l = NULL;
	int rc = list_begin(app, argc, argv, false,
	                    (const flag_def[]){ LIST_FLAG_DEFS(&f, 'n'), LIST_NOTRUNC_DEF(&f), { NULL, 0, 0, 0, 0 } },
	                    "network ls", ls_usage, NULL);

	if (rc == 0 && ck_network_list_new(&l, app->ctx, f.filters.v) < 0)
		rc = die_ck();
	else if (rc == 0)
		rc = print_listing(&(listing){ .n = ck_network_list_count(l), .payload = l,
		                               .quiet_line = network_quiet, .json = network_item,
		                               .json_indent = "    ",
		                               .headers = (const char *const[]){ "ID", "NETWORK ID", NULL },
		                               .cols = 3,
		                               .heading = (const char *const[]){ "NETWORK ID", "NAME", "DRIVER" },
		                               .rows = network_row },
		                   &f);
	ck_network_list_free(l);
	strv_clear(&f.filters);
	return rc < 0 ? 0 : rc;
}

static const char inspect_usage[] =
	"Displays the raw CNI network configuration for one or more networks.\n\n"
	"Usage:\n  ck network inspect [options] NETWORK [NETWORK...]\n\nOptions:\n"
	"  -f, --format string   Pretty-print network to JSON or using a Go template\n";

static char *network_text(ck_app *app, const char *name)
{
	ck_network *net = NULL;
	char *text = NULL;

	if (ck_network_lookup(&net, app->ctx, name) == 0)
		ck_network_inspect(&text, net);
	ck_network_free(net);
	return text;
}

static int network_inspect(ck_app *app, int argc, char **argv)
{
	return inspect_command(app, argc, argv, inspect_usage, "requires at least 1 arg(s), only received 0", false,
	                       network_text);
}

static const char rm_usage[] =
	"Remove networks\n\nUsage:\n  ck network rm [options] NETWORK [NETWORK...]\n\nOptions:\n"
	"  -f, --force   remove any containers using network\n";

static int network_rm(ck_app *app, int argc, char **argv)
{
	strv names = { 0 };
	unsigned int flags = 0;
	int rc = 0, status = 0;

	rc = parse_flags(app, argc, argv, (const flag_def[]){
		{ "force", 'f', F_BIT, &flags, CK_REMOVE_FORCE },
		{ "time", 't', F_IGNORE_VAL, NULL, 0 },
		{ NULL, 0, F_IGNORE, NULL, 0 },
	}, rm_usage, &names);
	if (rc < 0)
		return 0;
	if (rc == 0 && names.n == 0)
		rc = die("requires at least 1 arg(s), only received 0");
	if (rc == 0 && !app_context(app))
		rc = EXIT_CK;
	for (size_t i = 0; rc == 0 && i < names.n; i++) {
		if (ck_network_remove(app->ctx, names.v[i], flags) < 0) {
			print_ck_error();
			status = rm_exit_status(status, ck_error_last()->code, CK_EINUSE);
		} else {
			printf("%s\n", names.v[i]);
		}
	}
	strv_clear(&names);
	return rc ? rc : status;
}

static const char prune_usage[] =
	"Prune unused networks\n\nUsage:\n  ck network prune [options]\n\nOptions:\n"
	"      --filter stringArray   Provide filter values (e.g. 'label=<key>=<value>')\n"
	"  -f, --force                do not prompt for confirmation\n";

static int network_prune(ck_app *app, int argc, char **argv)
{
	strv filters = { 0 };
	char **removed = NULL;
	int rc = 0;

	rc = parse_flags_noargs(app, argc, argv, false, (const flag_def[]){
		{ "filter", 0, F_STRV, &filters, 0 },
		{ "force", 'f', F_IGNORE, NULL, 0 },
		{ NULL, 0, F_IGNORE, NULL, 0 },
	}, prune_usage, "network prune");
	if (rc < 0) {
		strv_clear(&filters);
		return 0;
	}
	if (rc == 0 && !app_context(app))
		rc = EXIT_CK;
	if (rc == 0 && ck_network_prune(&removed, app->ctx, filters.v) < 0)
		rc = die_ck();
	print_lines_free(removed);
	strv_clear(&filters);
	return rc;
}

static const char exists_usage[] =
	"network exists\n\nUsage:\n  ck network exists NETWORK\n";

static int network_found(ck_app *app, const char *name)
{
	int r = ck_network_exists(app->ctx, name);
	return r < 0 ? r : r ? 0 : 1;
}

static int network_exists(ck_app *app, int argc, char **argv)
{
	return run_exists(app, argc, argv, exists_usage, "name", network_found);
}

static const char connect_usage[] =
	"Add container to a network\n\nUsage:\n  ck network connect [options] NETWORK CONTAINER\n\nOptions:\n"
	"      --alias strings   network scoped alias for container\n"
	"      --ip string       set a static ipv4 address for this container network\n";
static const char disconnect_usage[] =
	"Disconnect a container from a network\n\nUsage:\n  ck network disconnect [options] NETWORK CONTAINER\n";

static int connect_common(ck_app *app, int argc, char **argv, bool connect)
{
	strv pos = { 0 }, aliases = { 0 };
	const char *ip = NULL;
	ck_container *ctr = NULL;
	int rc;

	/* One table for both: disconnect accepts --alias and --ip but has no
	 * use for them, and both accept --force and ignore it. */
	rc = parse_flags(app, argc, argv, (const flag_def[]){
		{ "alias", 0, F_STRV, &aliases, 0 },
		{ "ip", 0, F_STR, &ip, 0 },
		{ "force", 'f', F_IGNORE, NULL, 0 },
		{ NULL, 0, F_IGNORE, NULL, 0 },
	}, connect ? connect_usage : disconnect_usage, &pos);
	if (rc < 0) {
		strv_clear(&aliases);
		return 0;
	}
	if (rc == 0 && pos.n != 2)
		rc = die("accepts 2 arg(s), received %zu", pos.n);
	if (rc == 0 && !app_context(app))
		rc = EXIT_CK;
	if (rc == 0 && (ck_container_lookup(&ctr, app->ctx, pos.v[1]) < 0 ||
	                (connect ? ck_network_connect(ctr, pos.v[0], ip, aliases.v)
	                         : ck_network_disconnect(ctr, pos.v[0])) < 0))
		rc = die_ck();
	ck_container_free(ctr);
	strv_clear(&pos);
	strv_clear(&aliases);
	return rc;
}

static int network_connect(ck_app *app, int argc, char **argv)
{
	return connect_common(app, argc, argv, true);
}

static int network_disconnect(ck_app *app, int argc, char **argv)
{
	return connect_common(app, argc, argv, false);
}

static const char reload_usage[] =
	"Reload firewall rules for one or more containers\n\nUsage:\n  ck network reload [options] [CONTAINER...]\n\n"
	"Options:\n"
	"  -a, --all   reload network configuration of all containers\n";

static int network_reload(ck_app *app, int argc, char **argv)
{
	strv names = { 0 };
	char **done = NULL;
	bool all = false;
	int rc;

	rc = parse_flags(app, argc, argv, (const flag_def[]){
		{ "all", 'a', F_BOOL, &all, 0 },
		{ NULL, 0, F_IGNORE, NULL, 0 },
	}, reload_usage, &names);
	if (rc < 0)
		return 0;
	if (rc == 0 && all && names.n)
		rc = die("--all and containers cannot be used together");
	if (rc == 0 && !all && !names.n)
		rc = die("you must provide at least one container name or ID, or --all");
	if (rc == 0 && !app_context(app))
		rc = EXIT_CK;
	if (rc == 0) {
		int r = ck_network_reload(&done, app->ctx, all ? NULL : (const char *const *)names.v);
		print_lines_free(done);
		if (r < 0)
			rc = die_ck();
	}
	strv_clear(&names);
	return rc;
}

static const subcommand network_cmds[] = {
	{ "connect", NULL, "Add container to a network", connect_usage, network_connect },
	{ "create", NULL, "Create networks for containers and pods", create_usage, network_create },
	{ "disconnect", NULL, "Disconnect a container from a network", disconnect_usage, network_disconnect },
	{ "exists", NULL, "Check if network exists", exists_usage, network_exists },
	{ "inspect", NULL, "Displays the raw CNI network configuration for one or more networks.", inspect_usage,
	  network_inspect },
	{ "ls", "list", "List networks", ls_usage, network_ls },
	{ "prune", NULL, "Prune unused networks", prune_usage, network_prune },
	{ "reload", NULL, "Reload firewall rules for one or more containers", reload_usage, network_reload },
	{ "rm", "remove", "Remove networks", rm_usage, network_rm },
	{ NULL, NULL, NULL, NULL, NULL },
};

int cmd_network(ck_app *app, int argc, char **argv)
{
	return run_group(app, "network", "Manage networks", network_cmds, argc, argv);
}

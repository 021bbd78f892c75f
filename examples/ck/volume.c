/* ck volume: create, ls, inspect, rm, prune and exists, as podman volume. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "listing.h"

/* Parses the inspect JSON of each handle into one array node. */
static jnode *volumes_json(ck_volume *const *vols, size_t n)
{
	jnode *arr = calloc(1, sizeof(*arr));

	if (!arr || !(arr->vals = calloc(n ? n : 1, sizeof(*arr->vals)))) {
		free(arr);
		return NULL;
	}
	arr->type = J_ARR;
	for (size_t i = 0; i < n; i++) {
		char *text = NULL;
		if (ck_volume_inspect(&text, vols[i]) < 0 || !(arr->vals[arr->n] = json_parse(text))) {
			ck_free(text);
			json_free(arr);
			return NULL;
		}
		arr->n++;
		ck_free(text);
	}
	return arr;
}

static const char create_usage[] =
	"Create a new volume\n\nUsage:\n  ck volume create [options] [NAME]\n\nOptions:\n"
	"  -d, --driver string   Specify volume driver name (default \"local\")\n"
	"      --ignore          Don't fail if volume already exists\n"
	"  -l, --label strings   Set metadata for a volume (e.g., --label mykey=value)\n";

static int volume_create(ck_app *app, int argc, char **argv)
{
	ck_volume_spec *spec = NULL;
	ck_volume *vol = NULL;
	const char *driver = NULL, *opt = NULL, *name = NULL;
	strv args = { 0 }, labels = { 0 };
	bool ignore = false;
	int rc;

	rc = parse_flags(app, argc, argv, (const flag_def[]){
		{ "driver", 'd', F_STR, &driver, 0 },
		{ "label", 'l', F_STRV, &labels, 0 },
		{ "ignore", 0, F_BOOL, &ignore, 0 },
		{ "opt", 'o', F_STR, &opt, 0 },
		{ NULL, 0, F_IGNORE, NULL, 0 },
	}, create_usage, &args);
	if (rc < 0) {
		strv_clear(&labels);
		return 0;
	}
	if (rc == 0 && opt)
		rc = die("--opt is not supported: the local driver takes no options (got %s)", opt);
	if (rc == 0 && args.n > 1)
		rc = die("too many arguments, create takes at most 1 argument");
	name = args.n ? args.v[0] : NULL;
	if (rc == 0 && ck_volume_spec_new(&spec) < 0)
		rc = die_ck();
	if (rc == 0 && driver && ck_volume_spec_set_driver(spec, driver) < 0)
		rc = die_ck();
	for (size_t i = 0; rc == 0 && i < labels.n; i++)
		if (ck_volume_spec_add_label_string(spec, labels.v[i]) < 0)
			rc = die_ck();
	if (rc == 0 && name && ck_volume_spec_set_name(spec, name) < 0)
		rc = die_ck();
	if (rc == 0 && !app_context(app))
		rc = EXIT_CK;
	if (rc == 0 && ck_volume_create(&vol, app->ctx, spec) < 0) {
		ck_volume *existing = NULL;
		char msg[1024];
		int code = ck_error_last()->code;

		snprintf(msg, sizeof(msg), "%s", ck_error_last()->message);
		/* CK_EEXISTS may also mean a stray directory: only a real volume
		 * satisfies --ignore. */
		if (ignore && code == CK_EEXISTS && name && ck_volume_lookup(&existing, app->ctx, name) == 0)
			printf("%s\n", name);
		else
			rc = die("%s", msg);
		ck_volume_free(existing);
	} else if (rc == 0) {
		printf("%s\n", ck_volume_name(vol));
	}
	ck_volume_free(vol);
	ck_volume_spec_free(spec);
	strv_clear(&args);
	strv_clear(&labels);
	return rc;
}

static const char ls_usage[] =
	"List volumes\n\nUsage:\n  ck volume ls [options]\n\nOptions:\n"
	"  -f, --filter stringArray   Filter volume output (name, label, driver, dangling)\n"
	"      --format string        Format volume output using JSON or a Go template\n"
	"  -n, --noheading            Do not print headers\n"
	"  -q, --quiet                Print volume output in quiet mode\n";

static void volume_quiet(char *buf, size_t size, void *payload, size_t i, const list_flags *f)
{
	(void)f;
	snprintf(buf, size, "%s", ck_volume_name(((ck_volume **)payload)[i]));
}

static jnode *volume_item(void *payload, size_t i, const list_flags *f)
{
	jnode *arr = volumes_json((ck_volume **)payload + i, 1);

	(void)f;
	if (!arr) {
		die_ck();
		return NULL;
	}
	return arr; /* an array of one */
}

static void volume_row(table *t, void *payload, size_t i, const list_flags *f)
{
	ck_volume *vol = ((ck_volume **)payload)[i];

	(void)f;
	table_row(t, (const char *[]){ ck_volume_driver(vol), ck_volume_name(vol) });
}

static int volume_ls(ck_app *app, int argc, char **argv)
{
	list_flags f = { 0 };
	ck_volume **vols = NULL;
	size_t n = 0;
	int rc = list_begin(app, argc, argv, false, (const flag_def[]){ LIST_FLAG_DEFS(&f, 'n'), { NULL, 0, 0, 0, 0 } },
	                    "volume ls", ls_usage, NULL);

	if (rc == 0 && ck_volume_list(&vols, &n, app->ctx, f.filters.v) < 0)
		rc = die_ck();
	else if (rc == 0)
		rc = print_listing(&(listing){ .n = n, .payload = vols, .quiet_line = volume_quiet,
		                               .json = volume_item, .json_indent = "    ",
		                               .headers = (const char *const[]){ "Name", "VOLUME NAME", NULL },
		                               .cols = 2,
		                               .heading = (const char *const[]){ "DRIVER", "VOLUME NAME" },
		                               .rows = volume_row },
		                   &f);
	ck_volume_list_free(vols, n);
	strv_clear(&f.filters);
	return rc < 0 ? 0 : rc;
}

static const char inspect_usage[] =
	"Display detailed information on one or more volumes\n\n"
	"Usage:\n  ck volume inspect [options] VOLUME [VOLUME...]\n\nOptions:\n"
	"  -a, --all             Inspect all volumes\n"
	"  -f, --format string   Format volume output using JSON or a Go template (default \"json\")\n";

static char *volume_text(ck_app *app, const char *name)
{
	ck_volume *vol = NULL;
	char *text = NULL;

	if (ck_volume_lookup(&vol, app->ctx, name) == 0)
		ck_volume_inspect(&text, vol);
	ck_volume_free(vol);
	return text;
}

static int volume_inspect(ck_app *app, int argc, char **argv)
{
	strv names = { 0 };
	const char *format = "json";
	bool all = false;
	ck_volume **vols = NULL;
	size_t n = 0;
	int rc = 0;

	rc = parse_flags(app, argc, argv, (const flag_def[]){
		{ "all", 'a', F_BOOL, &all, 0 },
		{ "format", 'f', F_STR, &format, 0 },
		{ NULL, 0, F_IGNORE, NULL, 0 },
	}, inspect_usage, &names);
	if (rc < 0)
		return 0;
	if (rc == 0 && !all && names.n == 0)
		rc = die("provide one or more volume names or use --all");
	if (rc == 0 && all && names.n)
		rc = die("when using the --all flag, do not give any volume names");
	if (rc == 0 && !app_context(app))
		rc = EXIT_CK;
	if (rc == 0 && all && ck_volume_list(&vols, &n, app->ctx, NULL) < 0)
		rc = die_ck();
	for (size_t i = 0; rc == 0 && i < n; i++)
		strv_add(&names, ck_volume_name(vols[i]));
	if (rc == 0)
		rc = inspect_names(app, &names, format, volume_text);
	ck_volume_list_free(vols, n);
	strv_clear(&names);
	return rc;
}

static const char rm_usage[] =
	"Remove one or more volumes\n\nUsage:\n  ck volume rm [options] VOLUME [VOLUME...]\n\nOptions:\n"
	"  -a, --all    Remove all volumes\n"
	"  -f, --force  Remove a volume by force, even if it is being used by a container\n";

static int volume_rm(ck_app *app, int argc, char **argv)
{
	strv names = { 0 };
	bool all = false;
	unsigned int flags = 0;
	int rc = 0, status = 0;

	rc = parse_flags(app, argc, argv, (const flag_def[]){
		{ "all", 'a', F_BOOL, &all, 0 },
		{ "force", 'f', F_BIT, &flags, CK_REMOVE_FORCE },
		{ "time", 't', F_IGNORE_VAL, NULL, 0 },
		{ NULL, 0, F_IGNORE, NULL, 0 },
	}, rm_usage, &names);
	if (rc < 0)
		return 0;
	if (rc == 0 && !all && names.n == 0)
		rc = die("choose either one or more volumes or all");
	if (rc == 0 && all && names.n)
		rc = die("choose either one or more volumes or all");
	if (rc == 0 && !app_context(app))
		rc = EXIT_CK;
	if (rc == 0 && all) {
		ck_volume **vols = NULL;
		size_t n = 0;
		if (ck_volume_list(&vols, &n, app->ctx, NULL) < 0)
			rc = die_ck();
		for (size_t i = 0; i < n; i++) {
			if (ck_volume_remove(vols[i], flags) < 0) {
				print_ck_error();
				status = rm_exit_status(status, ck_error_last()->code, CK_EINUSE);
			} else {
				printf("%s\n", ck_volume_name(vols[i]));
			}
		}
		ck_volume_list_free(vols, n);
	}
	for (size_t i = 0; rc == 0 && !all && i < names.n; i++) {
		ck_volume *vol = NULL;
		if (ck_volume_lookup(&vol, app->ctx, names.v[i]) < 0 || ck_volume_remove(vol, flags) < 0) {
			/* podman: with --force a missing volume is no error */
			if ((flags & CK_REMOVE_FORCE) && ck_error_last()->code == CK_ENOTFOUND) {
				ck_volume_free(vol);
				continue;
			}
			print_ck_error();
			status = rm_exit_status(status, ck_error_last()->code, CK_EINUSE);
		} else {
			printf("%s\n", ck_volume_name(vol));
		}
		ck_volume_free(vol);
	}
	strv_clear(&names);
	return rc ? rc : status;
}

static const char prune_usage[] =
	"Remove all unused volumes\n\nUsage:\n  ck volume prune [options]\n\nOptions:\n"
	"      --filter stringArray   Provide filter values (e.g. 'label=<key>=<value>')\n"
	"  -f, --force                Do not prompt for confirmation\n";

/* Asks first, then removes exactly the volumes that were shown. */
static int prune_confirmed(ck_app *app, const char *const *filters)
{
	ck_volume **vols = NULL;
	size_t n = 0, unused = 0;
	int status = 0;

	if (ck_volume_list(&vols, &n, app->ctx, filters) < 0)
		return die_ck();
	for (size_t i = 0; i < n; i++)
		unused += ck_volume_users(vols[i]) == 0;
	if (unused == 0) {
		ck_volume_list_free(vols, n);
		return 0;
	}
	printf("WARNING! This will remove all volumes not used by at least one container. "
	       "The following volumes will be removed:\n");
	for (size_t i = 0; i < n; i++)
		if (ck_volume_users(vols[i]) == 0)
			printf("%s\n", ck_volume_name(vols[i]));
	if (!confirm("Are you sure you want to continue?")) {
		ck_volume_list_free(vols, n);
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		if (ck_volume_users(vols[i]) != 0)
			continue;
		if (ck_volume_remove(vols[i], 0) == 0) {
			printf("%s\n", ck_volume_name(vols[i]));
		} else if (ck_error_last()->code != CK_EINUSE && ck_error_last()->code != CK_ENOTFOUND) {
			print_ck_error();
			status = EXIT_CK;
		}
	}
	ck_volume_list_free(vols, n);
	return status;
}

static int volume_prune(ck_app *app, int argc, char **argv)
{
	strv filters = { 0 };
	bool force = false;
	char **removed = NULL;
	int rc = 0;

	rc = parse_flags_noargs(app, argc, argv, false, (const flag_def[]){
		{ "filter", 0, F_STRV, &filters, 0 },
		{ "force", 'f', F_BOOL, &force, 0 },
		{ NULL, 0, F_IGNORE, NULL, 0 },
	}, prune_usage, "volume prune");
	if (rc < 0) {
		strv_clear(&filters);
		return 0;
	}
	if (rc == 0 && !app_context(app))
		rc = EXIT_CK;
	if (rc == 0 && !force) {
		rc = prune_confirmed(app, filters.v);
	} else if (rc == 0) {
		if (ck_volume_prune(&removed, app->ctx, filters.v) < 0)
			rc = die_ck();
		print_lines_free(removed);
	}
	strv_clear(&filters);
	return rc;
}

static const char exists_usage[] =
	"Check if the given volume exists\n\nUsage:\n  ck volume exists VOLUME\n\n"
	"Exits 0 if the volume exists, 1 if it does not, 125 on another error.\n";

/* Exact names only, as podman: a unique prefix does not count. */
static int volume_found(ck_app *app, const char *name)
{
	ck_volume *vol = NULL;
	int rc = ck_volume_lookup(&vol, app->ctx, name);

	if (rc == 0)
		rc = strcmp(ck_volume_name(vol), name) == 0 ? 0 : 1;
	ck_volume_free(vol);
	return rc;
}

static int volume_exists(ck_app *app, int argc, char **argv)
{
	return run_exists(app, argc, argv, exists_usage, "name", volume_found);
}

static const subcommand volume_cmds[] = {
	{ "create", NULL, "Create a new volume", create_usage, volume_create },
	{ "exists", NULL, "Check if volume exists", exists_usage, volume_exists },
	{ "inspect", NULL, "Display detailed information on one or more volumes", inspect_usage,
	  volume_inspect },
	{ "ls", "list", "List volumes", ls_usage, volume_ls },
	{ "prune", NULL, "Remove all unused volumes", prune_usage, volume_prune },
	{ "rm", "remove", "Remove one or more volumes", rm_usage, volume_rm },
	{ NULL, NULL, NULL, NULL, NULL },
};

int cmd_volume(ck_app *app, int argc, char **argv)
{
	return run_group(app, "volume", "Manage volumes", volume_cmds, argc, argv);
}

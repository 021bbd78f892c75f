/* ck system (check, migrate, reset, info), ck info and ck version. */
#include <containerkit/sys/state.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "commands.h"

/* Parses the only option these commands share, --format/-f. */
static int parse_format(ck_app *app, int argc, char **argv, const char *usage, const char **format,
                        bool *help)
{
	strv pos = { 0 };
	int rc = parse_flags(app, argc, argv, (const flag_def[]){
		{ "format", 'f', F_STR, format, 0 },
		{ NULL, 0, F_IGNORE, NULL, 0 },
	}, usage, &pos);

	*help = rc < 0;
	if (rc == 0 && pos.n)
		rc = die("this command takes no arguments");
	strv_clear(&pos);
	return rc < 0 ? 0 : rc;
}

/* Prints library JSON as podman prints its reports: YAML-like text by
 * default, indented JSON for "json", or a template. */
static int print_report(const char *text, const char *format)
{
	jnode *n = json_parse(text);
	int rc = 0;

	if (!n)
		return die("the library returned malformed JSON");
	if (!format)
		yaml_print(stdout, n);
	else if (!strcmp(format, "json"))
		json_print_line(stdout, n, "  ");
	else
		rc = print_template(format, n);
	json_free(n);
	return rc;
}

static const char info_usage[] =
	"Display containerkit related system information\n\nUsage:\n  ck info [options]\n\nOptions:\n"
	"  -f, --format string   Change the output format to JSON or a Go template\n";

int cmd_info(ck_app *app, int argc, char **argv)
{
	const char *format = NULL;
	char *json = NULL;
	bool help;
	int rc = parse_format(app, argc, argv, info_usage, &format, &help);

	if (rc || help)
		return rc;
	if (!app_context(app))
		return EXIT_CK;
	if (ck_system_info(&json, app->ctx) < 0)
		return die_ck();
	rc = print_report(json, format);
	ck_free(json);
	return rc;
}

static const char version_usage[] =
	"Display the containerkit version information\n\nUsage:\n  ck version [options]\n\nOptions:\n"
	"  -f, --format string   Change the output format to JSON or a Go template\n";

int cmd_version(ck_app *app, int argc, char **argv)
{
	const char *format = NULL, *arch;
	struct utsname u;
	char json[512];
	bool help;
	int rc = parse_format(app, argc, argv, version_usage, &format, &help);

	if (rc || help)
		return rc;
	arch = uname(&u) == 0 ? u.machine : "unknown";
	if (!strcmp(arch, "x86_64"))
		arch = "amd64";
	else if (!strcmp(arch, "aarch64"))
		arch = "arm64";
	/* podman's keys; APIVersion is the library's version, as podman gives
	 * its own there, and HeaderVersion the headers ck was built with. */
	if (!format) {
		printf("Client:       ck (libcontainerkit)\n"
		       "Version:      %s\n"
		       "API Version:  %s\n"
		       "Built with:   %s\n"
		       "OS/Arch:      linux/%s\n",
		       ck_version(), ck_version(), CK_VERSION_STRING, arch);
		return 0;
	}
	snprintf(json, sizeof(json),
	         "{\"Client\":{\"APIVersion\":\"%s\",\"Version\":\"%s\",\"OsArch\":\"linux/%s\","
	         "\"Os\":\"linux\",\"HeaderVersion\":\"%s\"}}",
	         ck_version(), ck_version(), arch, CK_VERSION_STRING);
	return print_report(json, format);
}

static const char check_usage[] =
	"Check the state store and the volumes for consistency\n\n"
	"Usage:\n  ck system check [options]\n\nOptions:\n"
	"  -f, --format string   Print the report as JSON (\"json\")\n"
	"  -r, --repair          Repair what can be repaired without losing data\n";

/* Prints the typed report: each problem with its next step, then a summary. */
static void print_problems(const ck_check_report *report)
{
	size_t found = ck_system_check_report_count(report), remaining = 0, fixable = 0;
	const char *backend = ck_system_check_report_backend(report);

	for (size_t i = 0; i < found; i++) {
		const ck_check_problem *p = ck_system_check_report_byindex(report, i);
		bool repaired = ck_system_check_problem_repaired(p), repairable = ck_system_check_problem_repairable(p);
		const char *hint = ck_system_check_problem_hint(p);

		printf("%s %s: %s (%s)\n", ck_system_check_problem_kind(p), ck_system_check_problem_object(p),
		       ck_system_check_problem_detail(p), repaired ? "repaired" : repairable ? "repairable" : "not repairable");
		if (!repaired && hint && *hint)
			printf("  next step: %s\n", hint);
		remaining += !repaired;
		fixable += !repaired && repairable;
	}
	if (found == 0)
		printf("No problems found in the %s store.\n", backend && *backend ? backend : "state");
	else if (remaining == 0)
		printf("%zu problem%s repaired; the store is consistent.\n", found, found == 1 ? "" : "s");
	else if (fixable)
		printf("%zu problem%s remain%s; `ck system check --repair` repairs %zu of them.\n", remaining,
		       remaining == 1 ? "" : "s", remaining == 1 ? "s" : "", fixable);
	else
		printf("%zu problem%s remain%s that need%s attention by hand: see the next step%s above.\n",
		       remaining, remaining == 1 ? "" : "s", remaining == 1 ? "s" : "", remaining == 1 ? "s" : "",
		       remaining == 1 ? "" : "s");
}

static int system_check(ck_app *app, int argc, char **argv)
{
	const char *format = NULL;
	unsigned int flags = 0;
	ck_check_report *report = NULL;
	char *json = NULL;
	jnode *n;
	int rc = parse_flags_noargs(app, argc, argv, false, (const flag_def[]){
		{ "format", 'f', F_STR, &format, 0 },
		{ "repair", 'r', F_BIT, &flags, CK_CHECK_REPAIR },
		{ NULL, 0, F_IGNORE, NULL, 0 },
	}, check_usage, "system check");

	if (rc != 0)
		return rc < 0 ? 0 : rc;
	if (format && strcmp(format, "json") != 0)
		return die("unsupported format \"%s\" for system check: use json", format);
	if (!app_context(app))
		return EXIT_CK;
	rc = ck_system_check_report_new(&report, app->ctx, flags);
	if (!report)
		return die_ck();
	if (!format) {
		print_problems(report);
	} else if (ck_system_check_report_json(&json, report) < 0 || !(n = json_parse(json))) {
		ck_free(json);
		ck_system_check_report_free(report);
		return json ? die("the library returned malformed JSON") : die_ck();
	} else {
		json_print_line(stdout, n, "  ");
		json_free(n);
		ck_free(json);
	}
	ck_system_check_report_free(report);
	return rc == CK_OK ? 0 : 1;
}

static const char migrate_usage[] =
	"Move the state store to another backend\n\nUsage:\n  ck system migrate --to sqlite|lmdb\n\n"
	"Options:\n      --to string   Backend to copy every record to\n";

static void progress(const ck_system_migrate_progress *p, void *payload)
{
	(void)payload;
	fprintf(stderr, "\r%s: %llu/%llu", p->phase, (unsigned long long)p->objects_done,
	        (unsigned long long)p->objects_total);
	if (p->objects_done == p->objects_total)
		fputc('\n', stderr);
}

static int system_migrate(ck_app *app, int argc, char **argv)
{
	const char *to = NULL;
	char *backup = NULL, from[32] = "";
	ck_state *st = NULL;
	int rc = parse_flags_noargs(app, argc, argv, false, (const flag_def[]){
		{ "to", 0, F_STR, &to, 0 },
		{ NULL, 0, F_IGNORE, NULL, 0 },
	}, migrate_usage, "system migrate");

	if (rc != 0)
		return rc < 0 ? 0 : rc;
	if (!to)
		return die("missing --to: name the backend to migrate to (sqlite or lmdb)");
	if (!app_context(app))
		return EXIT_CK;
	/* The backend in charge, read through the store itself. */
	if (ck_state_open(&st, app->ctx) < 0)
		return die_ck();
	snprintf(from, sizeof(from), "%s", ck_state_backend(st));
	ck_state_free(st);
	if (ck_system_migrate_v2(&backup, app->ctx, to, isatty(2) ? progress : NULL, NULL) < 0)
		return die_ck();
	printf("Migrated the state store from %s to %s.\n", from, ck_context_db_backend(app->ctx));
	if (backup)
		printf("The previous store is kept as a backup in %s\n", backup);
	ck_free(backup);
	return 0;
}

static const char reset_usage[] =
	"Reset containerkit storage\n\nUsage:\n  ck system reset [options]\n\nOptions:\n"
	"  -f, --force   Do not prompt for confirmation\n";

static int system_reset(ck_app *app, int argc, char **argv)
{
	bool force = false;
	int rc = parse_flags_noargs(app, argc, argv, false, (const flag_def[]){
		{ "force", 'f', F_BOOL, &force, 0 },
		{ NULL, 0, F_IGNORE, NULL, 0 },
	}, reset_usage, "system reset");

	if (rc != 0)
		return rc < 0 ? 0 : rc;
	if (!app_context(app))
		return EXIT_CK;
	if (!force) {
		printf("WARNING! This will remove:\n"
		       "        - all containers\n"
		       "        - all pods\n"
		       "        - all images\n"
		       "        - all volumes\n"
		       "        - the graphRoot directory: \"%s\"\n"
		       "        - the runRoot directory: \"%s\"\n",
		       ck_context_root(app->ctx), ck_context_runroot(app->ctx));
		if (!confirm("Are you sure you want to continue?"))
			return 0;
	}
	if (ck_system_reset(app->ctx) < 0)
		return die_ck();
	return 0;
}

static int system_info(ck_app *app, int argc, char **argv)
{
	return cmd_info(app, argc, argv);
}

static const subcommand system_cmds[] = {
	{ "check", NULL, "Check the store for consistency and repair it", check_usage, system_check },
	{ "df", NULL, "Show disk usage", NULL, system_df },
	{ "info", NULL, "Display containerkit related system information", info_usage, system_info },
	{ "migrate", NULL, "Move the state store to another backend", migrate_usage, system_migrate },
	{ "prune", NULL, "Remove unused data", NULL, system_prune },
	{ "reset", NULL, "Reset containerkit storage", reset_usage, system_reset },
	{ NULL, NULL, NULL, NULL, NULL },
};

int cmd_system(ck_app *app, int argc, char **argv)
{
	return run_group(app, "system", "Manage containerkit", system_cmds, argc, argv);
}

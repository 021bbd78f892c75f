/* ck auto-update: updates the containers labelled io.containers.autoupdate
 * (ck_autoupdate_run) and prints podman's table, JSON or a template. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "format.h"

static const char usage[] =
	"Auto update containers according to their auto-update policy\n\n"
	"Description:\n"
	"  Auto-update policies are specified with the \"io.containers.autoupdate\" label\n"
	"  (registry, image or local).  Under systemd, the container's unit is restarted;\n"
	"  without it, a container is created again from its record, from the new image.\n"
	"  Either way it is rolled back if it does not keep running (or turn healthy).\n\n"
	"Usage:\n  ck auto-update [options]\n\n"
	"Examples:\n  ck auto-update\n  ck auto-update --authfile ~/authfile.json\n\n"
	"Options:\n"
	"      --authfile string   Path to the authentication file. Use REGISTRY_AUTH_FILE environment "
	"variable to override\n"
	"      --dry-run           Check for pending updates\n"
	"      --format string     Change the output format to JSON or a Go template\n"
	"      --rollback          Rollback to previous image if update fails (default true)\n"
	"      --tls-verify        Require HTTPS and verify certificates when contacting registries "
	"(default true)\n";

/* --gate-seconds N is not podman's: it shortens the time an updated
 * container must keep running, for tests; it is not in the help. */
int cmd_autoupdate(ck_app *app, int argc, char **argv)
{
	ck_autoupdate_options o;
	ck_autoupdate_report *rep = NULL;
	const char *format = NULL, *gate = NULL;
	char *json = NULL;
	strv pos = { 0 };
	int rc = 0;

	ck_autoupdate_options_init(&o, CK_AUTOUPDATE_OPTIONS_VERSION);
	rc = parse_flags(app, argc, argv, (const flag_def[]){
		{ "tls-verify", 0, F_ONOFF, &o.tls_verify, 0 },
		{ "rollback", 0, F_ONOFF, &o.rollback, 0 },
		{ "dry-run", 0, F_ONOFF, &o.dry_run, 0 },
		{ "authfile", 0, F_STR, &o.authfile, 0 },
		{ "format", 0, F_STR, &format, 0 },
		{ "gate-seconds", 0, F_STR, &gate, 0 },
		{ NULL, 0, F_IGNORE, NULL, 0 },
	}, usage, &pos);
	if (rc < 0)
		return 0;
	if (rc == 0 && pos.n)
		rc = die_args(usage, "`ck auto-update` takes no arguments");
	strv_clear(&pos);
	if (rc == 0 && gate) {
		char *end;
		long n = strtol(gate, &end, 10);
		if (*gate == '\0' || *end || n < 1 || n > 3600)
			rc = die("invalid argument \"%s\" for \"--gate-seconds\": a number of seconds, 1 to 3600", gate);
		else
			o.gate_seconds = (unsigned int)n;
	}
	if (rc == 0 && !app_context(app))
		rc = EXIT_CK;
	if (rc == 0 && (ck_autoupdate_run(&rep, app->ctx, &o) < 0 || ck_autoupdate_report_json(&json, rep) < 0))
		rc = die_ck();
	if (rc == 0 && format) {
		jnode *arr = json_parse(json);
		if (!arr)
			rc = die("cannot read the report back");
		else if (!strcmp(format, "json"))
			json_print_line(stdout, arr, "    ");
		else
			rc = print_list_template(format, arr->vals, arr->n, false, NULL);
		json_free(arr);
	} else if (rc == 0) {
		table t;
		table_init(&t, 5);
		table_row(&t, (const char *[]){ "UNIT", "CONTAINER", "IMAGE", "POLICY", "UPDATED" });
		for (size_t i = 0; i < ck_autoupdate_report_count(rep); i++) {
			const ck_autoupdate_entry *e = ck_autoupdate_report_byindex(rep, i);
			char shown[400];
			snprintf(shown, sizeof(shown), "%.12s (%s)", e->container_id, e->container_name);
			table_row(&t, (const char *[]){ e->unit, shown, e->image, e->policy,
			                                ck_autoupdate_result_name(e->result) });
		}
		table_print(stdout, &t);
		table_free(&t);
	}
	/* What went wrong goes to stderr, after the table; a failure (not a
	 * handled rollback) makes the exit code 125, as podman's errors do. */
	for (size_t i = 0; rc == 0 && i < ck_autoupdate_report_count(rep); i++) {
		const ck_autoupdate_entry *e = ck_autoupdate_report_byindex(rep, i);
		if (e->result == CK_AUTOUPDATE_ROLLED_BACK)
			fprintf(stderr, "Warning: %s rolled back: %s\n", e->container_name, e->reason);
	}
	int failed = 0;
	for (size_t i = 0; rc == 0 && i < ck_autoupdate_report_count(rep); i++) {
		const ck_autoupdate_entry *e = ck_autoupdate_report_byindex(rep, i);
		if (e->result == CK_AUTOUPDATE_FAILED) {
			fprintf(stderr, "Error: %s: %s\n", e->container_name, e->reason);
			failed = 1;
		}
	}
	if (rc == 0 && failed)
		rc = EXIT_CK;
	ck_free(json);
	ck_autoupdate_report_free(rep);
	return rc;
}

/* ck healthcheck run: one healthcheck of a container now, with podman's
 * exit codes (0 healthy, 1 unhealthy or still starting, 125 an error). */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "ctr.h"

static const char run_usage[] =
	"Run the health check of a container\n\nUsage:\n  ck healthcheck run CONTAINER\n";

static int health_run(ck_app *app, int argc, char **argv)
{
	const char *val, *name = NULL;
	ck_container *ctr = NULL;
	ck_health_status status = CK_HEALTH_NONE;
	int id, rc = 0;
	cli c;

	copts_init(&c, app, argc, argv, NULL, false);
	while (rc == 0 && (id = cli_next(&c, &val)) != CLI_END) {
		if (id == CLI_HELP) {
			fputs(run_usage, stdout);
			return 0;
		}
		if (id == CLI_ERR)
			rc = EXIT_CK;
		else if (!name)
			name = val;
		else
			rc = die("accepts 1 arg(s), received 2");
	}
	if (rc)
		return rc;
	if (!name)
		return die("accepts 1 arg(s), received 0");
	if ((rc = ctr_lookup(&ctr, app, name)) != 0)
		return rc;
	if (ck_container_healthcheck_run(&status, ctr) < 0) {
		rc = die_ck();
	} else if (status != CK_HEALTH_HEALTHY) {
		printf("%s\n", ck_health_status_name(status));
		rc = 1;
	}
	ck_container_free(ctr);
	return rc;
}

static const subcommand health_cmds[] = {
	{ "run", NULL, "Run the health check of a container", run_usage, health_run },
	{ NULL, NULL, NULL, NULL, NULL },
};

int cmd_healthcheck(ck_app *app, int argc, char **argv)
{
	return run_group(app, "healthcheck", "Manage health checks on containers", health_cmds, argc, argv);
}

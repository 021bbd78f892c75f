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
	ck_container *ctr = NULL;
	ck_health_status status = CK_HEALTH_NONE;
	strv args = { 0 };
	int rc = parse_flags_cmd(app, argc, argv, (const flag_def[]){ { NULL, 0, F_IGNORE, NULL, 0 } },
	                         run_usage, &args);

	if (rc == 0 && args.n != 1)
		rc = die("accepts 1 arg(s), received %zu", args.n);
	if (rc == 0)
		rc = ctr_lookup(&ctr, app, args.v[0]);
	strv_clear(&args);
	if (rc)
		return rc < 0 ? 0 : rc;
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

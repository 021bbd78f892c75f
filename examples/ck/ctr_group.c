/* ck container: the container commands as a group (ck container ls, rm,
 * inspect, ...), beside their top-level spellings registered in main.c. */
#include "commands.h"
#include "ctr.h"

static const subcommand container_cmds[] = {
	{ "attach", NULL, "Attach to a running container", NULL, ctr_attach },
	{ "commit", NULL, "Create new image based on the changed container", NULL, ctr_commit },
	{ "cp", NULL, "Copy files/folders between a container and the local filesystem", NULL, ctr_cp },
	{ "create", NULL, "Create but do not start a container", NULL, ctr_create },
	{ "diff", NULL, "Inspect changes to the container's file systems", NULL, ctr_diff },
	{ "exec", NULL, "Run a process in a running container", NULL, ctr_exec },
	{ "exists", NULL, "Check if a container exists in local storage", NULL, ctr_exists },
	{ "export", NULL, "Export a container's filesystem contents as a tar archive", NULL, ctr_export },
	{ "init", NULL, "Initialize one or more containers", NULL, ctr_init },
	{ "inspect", NULL, "Display the configuration of a container", NULL, ctr_inspect },
	{ "kill", NULL, "Kill one or more running containers with a specific signal", NULL, ctr_kill },
	{ "list", "ls", "List containers", NULL, ctr_ps },
	{ "logs", NULL, "Fetch the logs of one or more containers", NULL, ctr_logs },
	{ "mount", NULL, "Mount a working container's root filesystem", NULL, ctr_mount },
	{ "pause", NULL, "Pause all the processes in one or more containers", NULL, ctr_pause },
	{ "port", NULL, "List port mappings or a specific mapping for the container", NULL, ctr_port },
	{ "prune", NULL, "Remove all non running containers", NULL, ctr_prune },
	{ "ps", NULL, "List containers", NULL, ctr_ps },
	{ "rename", NULL, "Rename an existing container", NULL, ctr_rename },
	{ "restart", NULL, "Restart one or more containers", NULL, ctr_restart },
	{ "rm", "remove", "Remove one or more containers", NULL, ctr_rm },
	{ "run", NULL, "Run a command in a new container", NULL, ctr_run },
	{ "start", NULL, "Start one or more containers", NULL, ctr_start },
	{ "stats", NULL, "Display a live stream of container resource usage statistics", NULL, ctr_stats },
	{ "stop", NULL, "Stop one or more containers", NULL, ctr_stop },
	{ "top", NULL, "Display the running processes of a container", NULL, ctr_top },
	{ "unmount", "umount", "Unmount working container's root filesystem", NULL, ctr_unmount },
	{ "unpause", NULL, "Unpause the processes in one or more containers", NULL, ctr_unpause },
	{ "wait", NULL, "Block on one or more containers", NULL, ctr_wait },
	{ NULL, NULL, NULL, NULL, NULL },
};

int cmd_container(ck_app *app, int argc, char **argv)
{
	return run_group(app, "container", "Manage containers", container_cmds, argc, argv);
}

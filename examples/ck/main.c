/* ck: a podman-compatible command line over libcontainerkit.  Parses the
 * global flags and hands the rest to a command group. */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "ctr.h"

static const struct command {
	const char *name;
	int (*run)(ck_app *app, int argc, char **argv);
	const char *summary;
} commands[] = {
	{ "attach", ctr_attach, "Attach to a running container" },
	{ "auto-update", cmd_autoupdate, "Auto update containers according to their auto-update policy" },
	{ "commit", ctr_commit, "Create new image based on the changed container" },
	{ "container", cmd_container, "Manage containers" },
	{ "cp", ctr_cp, "Copy files/folders between a container and the local filesystem" },
	{ "create", ctr_create, "Create but do not start a container" },
	{ "diff", ctr_diff, "Display the changes to the object's file system" },
	{ "events", ctr_events, "Show containerkit events" },
	{ "exec", ctr_exec, "Run a process in a running container" },
	{ "export", ctr_export, "Export container's filesystem contents as a tar archive" },
	{ "generate", cmd_generate, "Generate structured data based on containers and pods" },
	{ "healthcheck", cmd_healthcheck, "Manage health checks on containers" },
	{ "history", cmd_history, "Show history of a specified image" },
	{ "image", cmd_image, "Manage images" },
	{ "images", cmd_images, "List images in local storage" },
	{ "import", cmd_import, "Import a tarball to create a filesystem image" },
	{ "info", cmd_info, "Display containerkit related system information" },
	{ "init", ctr_init, "Initialize one or more containers" },
	{ "inspect", any_inspect, "Display the configuration of object denoted by ID" },
	{ "kube", cmd_kube, "Play containers, pods or volumes from a structured file" },
	{ "kill", ctr_kill, "Kill one or more running containers with a specific signal" },
	{ "load", cmd_load, "Load image(s) from a tar archive" },
	{ "login", cmd_login, "Log in to a container registry" },
	{ "logout", cmd_logout, "Log out of a container registry" },
	{ "logs", ctr_logs, "Fetch the logs of one or more containers" },
	{ "mount", ctr_mount, "Mount a working container's root filesystem" },
	{ "pause", ctr_pause, "Pause all the processes in one or more containers" },
	{ "play", cmd_play, "Play containers, pods or volumes from a structured file" },
	{ "pod", cmd_pod, "Manage pods" },
	{ "port", ctr_port, "List port mappings or a specific mapping for the container" },
	{ "ps", ctr_ps, "List containers" },
	{ "pull", cmd_pull, "Pull an image from a registry" },
	{ "push", cmd_push, "Push an image to a specified destination" },
	{ "rename", ctr_rename, "Rename an existing container" },
	{ "restart", ctr_restart, "Restart one or more containers" },
	{ "rm", ctr_rm, "Remove one or more containers" },
	{ "rmi", cmd_rmi, "Remove one or more images from local storage" },
	{ "run", ctr_run, "Run a command in a new container" },
	{ "save", cmd_save, "Save image(s) to an archive" },
	{ "start", ctr_start, "Start one or more containers" },
	{ "stats", ctr_stats, "Display a live stream of container resource usage statistics" },
	{ "stop", ctr_stop, "Stop one or more containers" },
	{ "system", cmd_system, "Manage containerkit" },
	{ "systemd", cmd_systemd, "Generate systemd units from Quadlet files" },
	{ "tag", cmd_tag, "Add an additional name to a local image" },
	{ "top", ctr_top, "Display the running processes of a container" },
	{ "untag", cmd_untag, "Remove a name from a local image" },
	{ "unmount", ctr_unmount, "Unmount working container's root filesystem" },
	{ "unpause", ctr_unpause, "Unpause the processes in one or more containers" },
	{ "version", cmd_version, "Display the containerkit version information" },
	{ "volume", cmd_volume, "Manage volumes" },
	{ "network", cmd_network, "Manage networks" },
	{ "wait", ctr_wait, "Block on one or more containers" },
};

static void usage(FILE *f)
{
	fputs("Manage pods, containers and volumes with libcontainerkit\n\n"
	      "Usage:\n  ck [options] [command]\n\nAvailable Commands:\n", f);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-12s%s\n", commands[i].name, commands[i].summary);
	fputs("\nOptions:\n"
	      "      --cgroup-manager string   Cgroup manager: cgroupfs (systemd is refused)\n"
	      "      --db-backend string   State backend: sqlite or lmdb\n"
	      "      --events-backend string   Events backend: file or none\n"
	      "  -h, --help                Help for ck\n"
	      "      --log-level string    Log messages at and above this level "
	      "(error, warn, info, debug, trace)\n"
	      "      --noout               Do not output to stdout\n"
	      "      --root string         Path to the storage root directory\n"
	      "      --runroot string      Path to the run root directory\n"
	      "      --runtime string      Name or path of the OCI runtime\n"
	      "      --storage-driver string   overlay (with a copy fallback) or vfs (copies)\n"
	      "      --tmpdir string       Directory for temporary files (TMPDIR)\n"
	      "  -v, --version             Version of ck\n", f);
}

int main(int argc, char **argv)
{
	ck_app app = { .ctx = NULL };
	int i, rc;

	ck_context_options_init(&app.opts, CK_CONTEXT_OPTIONS_VERSION);
	app.argc = argc;
	app.argv = argv;
	/* installed (linked) as a systemd generator */
	const char *base = strrchr(argv[0], '/');
	if (!strcmp(base ? base + 1 : argv[0], "ck-systemd-generator"))
		return systemd_generator(&app, argc, argv);
	bool help = false, version = false;
	rc = parse_flags_head(&app, argc - 1, argv + 1, (const flag_def[]){
		{ "help", 'h', F_BOOL, &help, 0 },
		{ "version", 'v', F_BOOL, &version, 0 },
		{ NULL, 0, F_IGNORE, NULL, 0 },
	}, &i);
	if (rc)
		return rc;
	if (help) {
		usage(stdout);
		return 0;
	}
	if (version) {
		printf("ck version %s\n", ck_version());
		return 0;
	}
	i++; /* argv[0] is ck */
	if (i >= argc) {
		usage(stderr);
		return die("missing command 'ck COMMAND'");
	}
	if (!strcmp(argv[i], "help")) {
		usage(stdout);
		return 0;
	}
	rc = -1;
	/* podman's alias, not listed in the help */
	const char *name = !strcmp(argv[i], "umount") ? "unmount" : argv[i];
	for (size_t c = 0; c < sizeof(commands) / sizeof(commands[0]); c++)
		if (!strcmp(name, commands[c].name))
			rc = commands[c].run(&app, argc - i - 1, argv + i + 1);
	if (rc == -1) {
		rc = die("unrecognized command `ck %s`", argv[i]);
		fputs("Try 'ck --help' for more information\n", stderr);
	}
	ck_context_free(app.ctx);
	return rc;
}

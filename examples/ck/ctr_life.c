/* ck start, attach, stop, kill, restart, rm, pause, unpause, unmount, init,
 * wait, and container prune and exists: the commands that move containers
 * through their lifecycle. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctr.h"

/* The containers named on the command line, or every one with --all (only
 * the running ones if `running` is set); NULL with the error printed. */
typedef struct targets {
	ck_container **list;
	size_t n;
	strv refs; /* as the user named them, for podman's output */
} targets;

static void targets_free(targets *t)
{
	ck_container_list_free(t->list, t->n);
	strv_clear(&t->refs);
}

/* With --all, fills `t` with every container (those of status `only`
 * when not NULL). */
static int targets_all(targets *t, ck_app *app, const char *only, const strv *extra)
{
	char filter[32];
	strv filters = { 0 };
	int rc = 0;

	if (!app_context(app))
		return EXIT_CK;
	snprintf(filter, sizeof(filter), "status=%s", only ? only : "");
	for (size_t i = 0; extra && i < extra->n; i++)
		strv_add(&filters, extra->v[i]);
	if (only)
		strv_add(&filters, filter);
	if (ck_container_list(&t->list, &t->n, app->ctx, CK_CONTAINER_LIST_ALL, filters.v) < 0)
		rc = die_ck();
	strv_clear(&filters);
	/* The names are the handles' ids, printed from the handle: an
	 * operation reloads it, and a pointer taken before would dangle. */
	for (size_t i = 0; rc == 0 && i < t->n; i++)
		strv_add(&t->refs, "");
	return rc;
}

/* ---------------------------------------------------------------- start */

static int attach_to(ck_app *app, ck_container *ctr, bool interactive, bool sig_proxy, bool start)
{
	ck_attach_options ao = CK_ATTACH_OPTIONS_INIT;
	int code = -1, rc;

	ao.stdin_fd = interactive ? STDIN_FILENO : -1;
	ao.stdout_fd = STDOUT_FILENO;
	ao.stderr_fd = STDERR_FILENO;
	ao.tty_fd = isatty(STDIN_FILENO) ? STDIN_FILENO : -1;
	if (sig_proxy)
		proxy_start(app, ck_container_id(ctr));
	fflush(stdout);
	rc = start ? ck_container_start_attached(&code, ctr, &ao) : ck_container_attach(&code, ctr, &ao);
	proxy_stop();
	if (rc < 0)
		return die_runtime();
	return code < 0 ? EXIT_CK : code;
}

static const char start_usage[] =
	"Start one or more containers\n\nUsage:\n  ck start [options] CONTAINER [CONTAINER...]\n\n"
	"Options:\n"
	"  -a, --attach        Attach container's STDOUT and STDERR\n"
	"      --all           Start all containers regardless of their state or configuration\n"
	"  -f, --filter stringArray   Start the containers that match the filter (as ps --filter)\n"
	"  -i, --interactive   Keep STDIN open even if not attached\n"
	"      --sig-proxy     Proxy received signals to the process (default true if attaching)\n";

int ctr_start(ck_app *app, int argc, char **argv)
{
	struct {
		bool attach, interactive, all, sig_proxy;
		strv filters;
	} f = { .sig_proxy = true };
	targets t = { 0 };
	int rc = parse_flags_in(app, argc, argv, true, (const flag_def[]){
		{ "attach", 'a', F_BOOL, &f.attach, 0 },
		{ "interactive", 'i', F_BOOL, &f.interactive, 0 },
		{ "all", 0, F_BOOL, &f.all, 0 },
		{ "filter", 'f', F_STRV, &f.filters, 0 },
		{ "sig-proxy", 0, F_BOOL, &f.sig_proxy, 0 },
		{ NULL, 0, F_IGNORE, NULL, 0 },
	}, start_usage, &t.refs), status = 0;

	/* --filter picks from every container, as --all does (podman's way) */
	if (rc == 0 && f.filters.n)
		f.all = true;
	if (rc == 0 && f.all && t.refs.n)
		rc = die("--all and --filter cannot be used with container names");
	else if (rc == 0 && !f.all && t.refs.n == 0)
		rc = die_args(start_usage, "a container is required (or --all)");
	else if (rc == 0 && f.attach && (f.all || t.refs.n > 1))
		rc = die("you cannot start and attach multiple containers at once");
	if (rc == 0 && f.all)
		rc = targets_all(&t, app, NULL, &f.filters);
	for (size_t i = 0; rc == 0 && i < t.refs.n; i++) {
		ck_container *ctr = NULL;
		if (t.list)
			ctr = t.list[i];
		else if (ctr_lookup(&ctr, app, t.refs.v[i]) != 0) {
			status = EXIT_CK;
			continue;
		}
		if (f.attach)
			status = attach_to(app, ctr, f.interactive, f.sig_proxy, true);
		else if (ck_container_start(ctr) < 0)
			status = die_runtime();
		else
			printf("%s\n", t.list ? ck_container_id(ctr) : t.refs.v[i]);
		if (!t.list)
			ck_container_free(ctr);
	}
	targets_free(&t);
	strv_clear(&f.filters);
	return rc < 0 ? 0 : rc ? rc : status;
}

static const char attach_usage[] =
	"Attach to a running container\n\nUsage:\n  ck attach [options] CONTAINER\n\nOptions:\n"
	"      --no-stdin      Do not attach STDIN. The default is false\n"
	"      --sig-proxy     Proxy received signals to the process (default true)\n";

int ctr_attach(ck_app *app, int argc, char **argv)
{
	bool no_stdin = false, sig_proxy = true;
	strv names = { 0 };
	ck_container *ctr = NULL;
	int rc = parse_flags_in(app, argc, argv, true, (const flag_def[]){
		{ "no-stdin", 0, F_BOOL, &no_stdin, 0 },
		{ "sig-proxy", 0, F_BOOL, &sig_proxy, 0 },
		{ NULL, 0, F_IGNORE, NULL, 0 },
	}, attach_usage, &names);

	if (rc == 0 && names.n != 1)
		rc = die("attach requires the name or id of one running container");
	if (rc == 0)
		rc = ctr_lookup(&ctr, app, names.v[0]);
	if (rc == 0)
		rc = attach_to(app, ctr, !no_stdin, sig_proxy, false);
	ck_container_free(ctr);
	strv_clear(&names);
	return rc < 0 ? 0 : rc;
}

/* ---------------------------------------------- stop, kill, restart, rm */

struct many_flags {
	bool all, ignore, force, volumes, running;
	long long timeout;
	int signal;
	const char *signal_text;
	strv cidfiles; /* --cidfile, as `ck generate systemd --new` units stop and remove */
};
#define MANY_FLAGS_INIT { .timeout = -1 }

enum { OP_STOP, OP_KILL, OP_RESTART, OP_RM, OP_PAUSE, OP_UNPAUSE, OP_UNMOUNT, OP_INIT };

static int apply(ck_container *ctr, int op, const struct many_flags *f)
{
	int timeout = (int)f->timeout;
	switch (op) {
	case OP_STOP: return ck_container_stop(ctr, timeout);
	case OP_KILL: return ck_container_kill(ctr, f->signal);
	case OP_RESTART: return ck_container_restart(ctr, timeout);
	case OP_PAUSE: return ck_container_pause(ctr);
	case OP_UNPAUSE: return ck_container_unpause(ctr);
	case OP_UNMOUNT: return ck_container_unmount_rootfs(ctr);
	case OP_INIT: return ck_container_init(ctr);
	default:
		return ck_container_remove(ctr, (f->force ? CK_REMOVE_FORCE : 0) |
		                                        (f->volumes ? CK_REMOVE_VOLUMES : 0));
	}
}

/* The body of stop, kill, restart, rm, pause, unpause, unmount and init. */
static int many(ck_app *app, int argc, char **argv, int op, const char *usage)
{
	targets t = { 0 };
	strv owned = { 0 };
	struct many_flags f = MANY_FLAGS_INIT;
	flag_def defs[8];
	size_t nd = 0;

	/* Each command has only the flags podman gives it: the others are
	 * unknown flags, as in podman. */
	defs[nd++] = (flag_def){ "all", 'a', F_BOOL, &f.all, 0 };
	if (op == OP_STOP || op == OP_RM)
		defs[nd++] = (flag_def){ "ignore", 'i', F_BOOL, &f.ignore, 0 };
	if (op == OP_STOP || op == OP_RM) /* as `ck generate systemd --new` units stop and remove */
		defs[nd++] = (flag_def){ "cidfile", 0, F_STRV, &f.cidfiles, 0 };
	if (op == OP_STOP || op == OP_RESTART || op == OP_RM)
		defs[nd++] = (flag_def){ "time", 't', F_INT, &f.timeout, -1 };
	if (op == OP_RM) {
		defs[nd++] = (flag_def){ "force", 'f', F_BOOL, &f.force, 0 };
		defs[nd++] = (flag_def){ "volumes", 'v', F_BOOL, &f.volumes, 0 };
	}
	if (op == OP_KILL)
		defs[nd++] = (flag_def){ "signal", 's', F_STR, &f.signal_text, 0 };
	if (op == OP_RESTART)
		defs[nd++] = (flag_def){ "running", 0, F_BOOL, &f.running, 0 };
	if (op == OP_UNMOUNT) /* a container is unmounted in one go */
		defs[nd++] = (flag_def){ "force", 'f', F_IGNORE, NULL, 0 };
	defs[nd] = (flag_def){ NULL, 0, F_IGNORE, NULL, 0 };

	int rc = parse_flags_in(app, argc, argv, true, defs, usage, &t.refs), status = 0;
	size_t named = t.refs.n;

	/* A missing id file with --ignore is a container already gone. */
	if (rc == 0)
		rc = add_id_files(&t.refs, &owned, &f.cidfiles, "container id file", f.ignore);
	if (rc == 0 && f.cidfiles.n && !named && !t.refs.n) {
		strv_clear(&f.cidfiles);
		strv_clear(&t.refs);
		return 0;
	}

	if (rc == 0 && op == OP_KILL) {
		if (ck_container_signal_parse(&f.signal, f.signal_text ? f.signal_text : "KILL") < 0)
			rc = die_ck();
	}
	if (rc == 0 && f.all && t.refs.n)
		rc = die("--all and containers cannot be used together");
	else if (rc == 0 && !f.all && t.refs.n == 0)
		rc = die("you must provide at least one container name or id");
	if (rc == 0 && f.all)
		rc = targets_all(&t, app, op == OP_UNPAUSE ? "paused" : op == OP_INIT ? "created" :
		                              op == OP_KILL || op == OP_PAUSE || (op == OP_RESTART && f.running) ?
		                              "running" : NULL, NULL);
	for (size_t i = 0; rc == 0 && i < t.refs.n; i++) {
		ck_container *ctr = NULL;
		int e = 0;
		if (t.list)
			ctr = t.list[i];
		else if (!app_context(app))
			return EXIT_CK;
		else if (ck_container_lookup(&ctr, app->ctx, t.refs.v[i]) < 0)
			e = -1;
		if (e == 0)
			e = apply(ctr, op, &f);
		if (e < 0 && (f.ignore || (op == OP_RM && f.force)) && ck_error_last()->code == CK_ENOTFOUND) {
			/* --ignore, and rm's --force, as podman: a missing container is
			 * not an error; an id file naming it names nothing any more */
			if (op == OP_RM && !t.list && i >= named)
				unlink(f.cidfiles.v[i - named]);
		} else if (e < 0) {
			print_ck_error();
			status = op == OP_RM ? rm_exit_status(status, ck_error_last()->code, CK_ESTATE) : EXIT_CK;
		} else {
			printf("%s\n", t.list ? ck_container_id(ctr) : t.refs.v[i]);
			/* podman removes the id file with the container it names */
			if (op == OP_RM && !t.list && i >= named)
				unlink(f.cidfiles.v[i - named]);
		}
		if (!t.list)
			ck_container_free(ctr);
	}
	targets_free(&t);
	strv_free_owned(&owned);
	strv_clear(&f.cidfiles);
	return rc < 0 ? 0 : rc ? rc : status;
}

#define MANY(fn, op, summary, usage_tail)                                                         \
	static const char fn##_usage[] = summary "\n\nUsage:\n  ck " usage_tail;                    \
	int fn(ck_app *app, int argc, char **argv)                                                 \
	{                                                                                          \
		return many(app, argc, argv, op, fn##_usage);                                      \
	}

MANY(ctr_stop, OP_STOP, "Stop one or more containers",
     "stop [options] CONTAINER [CONTAINER...]\n\nOptions:\n"
     "  -a, --all        Stop all running containers\n"
     "      --cidfile    Read the container ID from the file\n"
     "  -i, --ignore     Ignore errors when a specified container is missing\n"
     "  -t, --time int   Seconds to wait for stop before killing the container (default 10)\n")
MANY(ctr_kill, OP_KILL, "Kill one or more running containers with a specific signal",
     "kill [options] CONTAINER [CONTAINER...]\n\nOptions:\n"
     "  -a, --all             Signal all running containers\n"
     "  -s, --signal string   Signal to send to the container (default \"KILL\")\n")
MANY(ctr_restart, OP_RESTART, "Restart one or more containers",
     "restart [options] CONTAINER [CONTAINER...]\n\nOptions:\n"
     "  -a, --all        Restart all non-running containers\n"
     "      --running    Restart only running containers\n"
     "  -t, --time int   Seconds to wait for stop before killing the container (default 10)\n")
MANY(ctr_rm, OP_RM, "Remove one or more containers",
     "rm [options] CONTAINER [CONTAINER...]\n\nOptions:\n"
     "  -a, --all        Remove all containers\n"
     "      --cidfile    Read the container ID from the file\n"
     "  -f, --force      Force removal of a running container\n"
     "  -i, --ignore     Ignore errors when a specified container is missing\n"
     "  -t, --time int   Seconds to wait for stop before killing the container (default 10)\n"
     "  -v, --volumes    Remove anonymous volumes associated with the container\n")
MANY(ctr_unmount, OP_UNMOUNT, "Unmount working container's root filesystem",
     "unmount [options] CONTAINER [CONTAINER...]\n\nOptions:\n"
     "  -a, --all     Unmount all containers that are not running\n"
     "  -f, --force   Accepted: a container is unmounted in one go\n")
MANY(ctr_init, OP_INIT, "Initialize one or more containers",
     "init [options] CONTAINER [CONTAINER...]\n\n"
     "Mounts each container's root filesystem and makes its files, as a start\n"
     "would, without running it (ck has no \"initialized\" state: it stays created).\n\n"
     "Options:\n  -a, --all   Initialize all containers\n")
MANY(ctr_pause, OP_PAUSE, "Pause all the processes in one or more containers",
     "pause [options] CONTAINER [CONTAINER...]\n\nOptions:\n  -a, --all   Pause all running containers\n")
MANY(ctr_unpause, OP_UNPAUSE, "Unpause the processes in one or more containers",
     "unpause [options] CONTAINER [CONTAINER...]\n\nOptions:\n  -a, --all   Unpause all paused containers\n")

/* ----------------------------------------------------------------- wait */

static const char wait_usage[] =
	"Block on one or more containers\n\nUsage:\n  ck wait [options] CONTAINER [CONTAINER...]\n\n"
	"Options:\n"
	"      --condition string   Condition to wait on (default \"stopped\")\n"
	"      --ignore             Ignore if a container does not exist\n"
	"  -i, --interval string    Time interval to wait before polling for completion (ignored)\n";

int ctr_wait(ck_app *app, int argc, char **argv)
{
	struct {
		bool ignore;
	} f = { false };
	strv condition = { 0 }, names = { 0 };
	int rc = parse_flags_in(app, argc, argv, true, (const flag_def[]){
		{ "condition", 0, F_STRV, &condition, 0 },
		{ "interval", 'i', F_IGNORE_VAL, NULL, 0 },
		{ "ignore", 0, F_BOOL, &f.ignore, 0 },
		{ NULL, 0, F_IGNORE, NULL, 0 },
	}, wait_usage, &names), status = 0;

	for (size_t i = 0; rc == 0 && i < condition.n; i++)
		if (strcmp(condition.v[i], "stopped") && strcmp(condition.v[i], "exited"))
			rc = die("--condition %s: only \"stopped\" and \"exited\" are supported", condition.v[i]);
	strv_clear(&condition);

	if (rc == 0 && names.n == 0)
		rc = die("you must provide at least one container name or id");
	if (rc == 0 && !app_context(app))
		rc = EXIT_CK;
	for (size_t i = 0; rc == 0 && i < names.n; i++) {
		ck_container *ctr = NULL;
		int code = -1;
		if (ck_container_lookup(&ctr, app->ctx, names.v[i]) < 0 ||
		    ck_container_wait(&code, ctr, -1) < 0) {
			if (f.ignore && ck_error_last()->code == CK_ENOTFOUND) {
				printf("-1\n");
			} else {
				print_ck_error();
				status = EXIT_CK;
			}
		} else {
			printf("%d\n", code);
		}
		fflush(stdout);
		ck_container_free(ctr);
	}
	strv_clear(&names);
	return rc < 0 ? 0 : rc ? rc : status;
}

/* -------------------------------------------------------- prune, exists */

static const char prune_usage[] =
	"Remove all non running containers\n\nUsage:\n  ck container prune [options]\n\nOptions:\n"
	"      --filter stringArray   Provide filter values (e.g. 'label=<key>=<value>')\n"
	"  -f, --force                Do not prompt for confirmation\n";

int ctr_prune(ck_app *app, int argc, char **argv)
{
	struct {
		bool force;
		strv filters;
	} f = { 0 };
	int rc = parse_flags_noargs(app, argc, argv, true, (const flag_def[]){
		{ "filter", 0, F_STRV, &f.filters, 0 },
		{ "force", 'f', F_BOOL, &f.force, 0 },
		{ NULL, 0, F_IGNORE, NULL, 0 },
	}, prune_usage, "container prune"), status = 0;

	if (rc == 0 && !f.force) {
		printf("WARNING! This will remove all non running containers.\n");
		if (!confirm("Are you sure you want to continue?"))
			rc = -1;
	}
	if (rc == 0 && !app_context(app))
		rc = EXIT_CK;
	char **removed = NULL;
	if (rc == 0 && ck_container_prune(&removed, app->ctx, f.filters.v) < 0)
		status = die_ck(); /* what went is printed all the same */
	print_lines_free(removed); /* NULL unless it ran */
	strv_clear(&f.filters);
	return rc < 0 ? 0 : rc ? rc : status;
}

static const char exists_usage[] =
	"Check if a container exists in local storage\n\nUsage:\n  ck container exists CONTAINER\n\n"
	"Exits 0 if the container exists, 1 if it does not, 125 on another error.\n";

static int container_found(ck_app *app, const char *name)
{
	ck_container *ctr = NULL;
	int rc = ck_container_lookup(&ctr, app->ctx, name);

	ck_container_free(ctr);
	return rc;
}

int ctr_exists(ck_app *app, int argc, char **argv)
{
	return run_exists(app, argc, argv, exists_usage, "container", container_found);
}

/* ck exec, ck cp and ck rename: working inside and on an existing
 * container. */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctr.h"

/* ----------------------------------------------------------------- exec */

/* Owned strings for -e values built here ("K" copied from our env). */
typedef struct owned {
	char **v;
	size_t n;
} owned;

static const char *keep(owned *o, char *s)
{
	char **nv = realloc(o->v, (o->n + 1) * sizeof(*nv));
	if (!nv || !s) {
		fputs("Error: out of memory\n", stderr);
		exit(EXIT_CK);
	}
	nv[o->n++] = s;
	o->v = nv;
	return s;
}

/* One -e value with podman's rules: K=V, or K copied from our environment. */
static int add_env(strv *env, owned *o, const char *text)
{
	const char *eq = strchr(text, '=');
	if (eq == text || !text[0])
		return die("invalid environment variable \"%s\": no name", text);
	if (eq) {
		strv_add(env, text);
	} else if (getenv(text)) {
		char *kv;
		if (asprintf(&kv, "%s=%s", text, getenv(text)) < 0)
			kv = NULL;
		strv_add(env, keep(o, kv));
	}
	return 0;
}

/* --env-file for exec, read here with the rules ck_container_spec_add_env_file() states. */
static int add_env_file(strv *env, owned *o, const char *path)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0, lineno = 0;
	ssize_t len;
	int rc = 0;

	if (!f)
		return die("reading env file %s: %s", path, strerror(errno));
	while (rc == 0 && (len = getline(&line, &cap, f)) >= 0) {
		char *p = line;
		lineno++;
		if (len && line[len - 1] == '\n')
			line[--len] = '\0';
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p || *p == '#')
			continue;
		char *eq = strchr(p, '=');
		size_t namelen = eq ? (size_t)(eq - p) : strlen(p);
		bool bad = namelen == 0;
		for (size_t i = 0; i < namelen; i++)
			bad |= isspace((unsigned char)p[i]) != 0;
		if (bad)
			rc = die("%s:%zu: invalid environment variable \"%s\"", path, lineno, p);
		else
			rc = add_env(env, o, keep(o, strdup(p)));
	}
	free(line);
	fclose(f);
	return rc;
}

static const char exec_usage[] =
	"Run a process in a running container\n\n"
	"Usage:\n  ck exec [options] CONTAINER COMMAND [ARG...]\n\nOptions:\n"
	"  -d, --detach               Run the exec session in detached mode (backgrounded)\n"
	"  -e, --env stringArray      Set environment variables\n"
	"      --env-file strings     Read in a file of environment variables\n"
	"  -i, --interactive          Keep STDIN open even if not attached\n"
	"  -t, --tty                  Allocate a pseudo-TTY\n"
	"  -u, --user string          Sets the username or UID used and optionally the groupname or GID\n"
	"  -w, --workdir string       Working directory inside the container\n";

int ctr_exec(ck_app *app, int argc, char **argv)
{
	ck_exec_options eo = CK_EXEC_OPTIONS_INIT;
	const char *name = NULL;
	strv args = { 0 }, cmd = { 0 }, env = { 0 }, env_args = { 0 }, env_files = { 0 };
	owned own = { 0 };
	ck_container *ctr = NULL;
	int rc, code = -1;

	rc = parse_flags_cmd(app, argc, argv, (const flag_def[]){
		{ "detach", 'd', F_ONOFF, &eo.detach, 0 },
		{ "env", 'e', F_STRV, &env_args, 0 },
		{ "env-file", 0, F_STRV, &env_files, 0 },
		{ "interactive", 'i', F_ONOFF, &eo.interactive, 0 },
		{ "tty", 't', F_ONOFF, &eo.tty, 0 },
		{ "user", 'u', F_STR, &eo.user, 0 },
		{ "workdir", 'w', F_STR, &eo.workdir, 0 },
		{ "privileged", 0, F_REFUSE, "--privileged is not supported", 0 },
		{ "latest", 'l', F_REFUSE, "--latest is not supported", 0 },
		{ NULL, 0, F_IGNORE, NULL, 0 },
	}, exec_usage, &args);
	if (rc < 0) {
		strv_clear(&env_args);
		strv_clear(&env_files);
		return 0;
	}
	name = args.n ? args.v[0] : NULL;
	for (size_t i = 1; i < args.n; i++)
		strv_add(&cmd, args.v[i]);
	/* the files first, then -e, which wins over them, as in podman */
	for (size_t i = 0; rc == 0 && i < env_files.n; i++)
		rc = add_env_file(&env, &own, env_files.v[i]);
	for (size_t i = 0; rc == 0 && i < env_args.n; i++)
		rc = add_env(&env, &own, env_args.v[i]);
	if (rc == 0 && (!name || cmd.n == 0))
		rc = die("exec requires the name or ID of a container and a command to run");
	if (rc == 0 && eo.tty && !isatty(STDIN_FILENO)) {
		fprintf(stderr, "WARN[0000] The input device is not a TTY. The --tty flag is ignored\n");
		eo.tty = 0;
	}
	if (rc == 0)
		rc = ctr_lookup(&ctr, app, name);
	if (rc == 0) {
		eo.env = env.v;
		eo.stdin_fd = eo.interactive ? STDIN_FILENO : -1;
		eo.stdout_fd = STDOUT_FILENO;
		eo.stderr_fd = STDERR_FILENO;
		if (eo.tty && eo.interactive)
			tty_raw(STDIN_FILENO);
		fflush(stdout);
		int r = ck_container_exec(eo.detach ? NULL : &code, ctr, cmd.v, &eo);
		tty_restore();
		if (r < 0)
			rc = die_runtime();
		else if (!eo.detach)
			rc = code < 0 ? EXIT_CK : code;
	}
	ck_container_free(ctr);
	strv_clear(&args);
	strv_clear(&cmd);
	strv_clear(&env);
	strv_clear(&env_args);
	strv_clear(&env_files);
	for (size_t i = 0; i < own.n; i++)
		free(own.v[i]);
	free(own.v);
	return rc;
}

/* ------------------------------------------------------------------- cp */

/* "CTR:PATH" -> the colon, or NULL for a host path (podman: anything
 * starting with / or . is a host path, even with a colon in it). */
static const char *ctr_colon(const char *arg)
{
	const char *colon = strchr(arg, ':');
	if (!colon || arg[0] == '/' || arg[0] == '.' || colon == arg)
		return NULL;
	return colon;
}

static const char cp_usage[] =
	"Copy files/folders between a container and the local filesystem\n\n"
	"Usage:\n  ck cp [options] [CONTAINER:]SRC_PATH [CONTAINER:]DEST_PATH\n\n"
	"SRC_PATH \"-\" reads a tar stream from stdin into the directory DEST_PATH; DEST_PATH \"-\" writes\n"
	"SRC_PATH to stdout as a tar stream.  Both may be in containers.\n\nOptions:\n"
	"  -a, --archive     Chown copied files to the primary uid/gid of the destination container "
	"(default true)\n"
	"      --overwrite   Allow to overwrite directories with non-directories and vice versa\n"
	"      --pause       Pause the running containers while copying (default false)\n";

/* --pause: the running containers of the copy are frozen for its length;
 * `undo` thaws those that this froze. */
static int cp_pause(ck_container **ctrs, size_t n, bool *paused, bool undo)
{
	int rc = 0;

	for (size_t i = 0; i < n; i++) {
		if (!ctrs[i] || (i && ctrs[0] && !strcmp(ck_container_id(ctrs[i]), ck_container_id(ctrs[0]))))
			continue;
		if (undo) {
			if (paused[i] && ck_container_unpause(ctrs[i]) < 0 && rc == 0)
				rc = die_ck();
		} else if (!strcmp(ck_container_status(ctrs[i]), "running")) {
			if (ck_container_pause(ctrs[i]) < 0)
				return die_ck();
			paused[i] = true;
		}
	}
	return rc;
}

int ctr_cp(ck_app *app, int argc, char **argv)
{
	strv args = { 0 };
	ck_container *ctr[2] = { NULL, NULL };
	bool archive = true, pause = false, paused[2] = { false, false };
	unsigned int flags;
	int rc;

	rc = parse_flags_in(app, argc, argv, true, (const flag_def[]){
		{ "archive", 'a', F_BOOL, &archive, 0 },
		{ "overwrite", 0, F_IGNORE, NULL, 0 },
		{ "pause", 0, F_BOOL, &pause, 0 },
		{ NULL, 0, F_IGNORE, NULL, 0 },
	}, cp_usage, &args);
	if (rc < 0)
		return 0;
	flags = archive ? 0 : CK_COPY_KEEP_OWNERS;
	if (rc == 0 && args.n != 2)
		rc = die_args(cp_usage, "a source and a destination are required (%zu argument%s given)", args.n,
		              args.n == 1 ? "" : "s");
	if (rc == 0) {
		const char *src = args.v[0], *dst = args.v[1];
		const char *sc = ctr_colon(src), *dc = ctr_colon(dst);
		bool in = !strcmp(src, "-"), out = !strcmp(dst, "-");
		char cname[256];

		if ((in || out) && !(in ? dc : sc))
			rc = die("invalid arguments %s, %s: a tar stream is copied %s a container", src, dst,
			         in ? "into" : "out of");
		else if (!sc && !dc)
			rc = die("invalid arguments %s, %s: you must use just one container", src, dst);
		for (int k = 0; k < 2 && rc == 0; k++) {
			const char *arg = k ? dst : src, *colon = k ? dc : sc;
			if (!colon)
				continue;
			snprintf(cname, sizeof(cname), "%.*s", (int)(colon - arg), arg);
			rc = ctr_lookup(&ctr[k], app, cname);
		}
		if (rc == 0 && pause)
			rc = cp_pause(ctr, 2, paused, false);
		if (rc == 0) {
			int r;
			fflush(stdout);
			if (in)
				r = ck_container_copy_tar_in(ctr[1], STDIN_FILENO, dc + 1, flags);
			else if (out)
				r = ck_container_copy_tar_out(ctr[0], sc + 1, STDOUT_FILENO);
			else if (sc && dc)
				r = ck_container_copy_between(ctr[0], sc + 1, ctr[1], dc + 1, flags);
			else if (sc)
				r = ck_container_copy_from(ctr[0], sc + 1, dst);
			else
				r = ck_container_copy_to_v2(ctr[1], src, dc + 1, flags);
			if (r < 0)
				rc = die_ck();
		}
		if (pause) {
			int r = cp_pause(ctr, 2, paused, true);
			rc = rc ? rc : r;
		}
	}
	ck_container_free(ctr[0]);
	ck_container_free(ctr[1]);
	strv_clear(&args);
	return rc;
}

/* --------------------------------------------------------------- rename */

static const char rename_usage[] =
	"Rename an existing container\n\nUsage:\n  ck rename CONTAINER NAME\n";

int ctr_rename(ck_app *app, int argc, char **argv)
{
	strv args = { 0 };
	ck_container *ctr = NULL;
	int rc = parse_flags_in(app, argc, argv, true, (const flag_def[]){ { NULL, 0, F_IGNORE, NULL, 0 } },
	                        rename_usage, &args);

	if (rc < 0)
		return 0;
	if (rc == 0 && args.n != 2)
		rc = die_args(rename_usage, "a container and its new name are required (%zu argument%s given)",
		              args.n, args.n == 1 ? "" : "s");
	if (rc == 0)
		rc = ctr_lookup(&ctr, app, args.v[0]);
	if (rc == 0 && ck_container_rename(ctr, args.v[1]) < 0)
		rc = die_ck();
	ck_container_free(ctr);
	strv_clear(&args);
	return rc;
}

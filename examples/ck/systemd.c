/* ck generate systemd, ck systemd generate-units: thin consumers of
 * containerkit/systemd.h that print the units or write them as files. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <containerkit/systemd.h>

#include "commands.h"
#include "ctr.h"

/* The absolute path of this program, for the units' Exec lines. */
static char *self_path(void)
{
	char buf[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);

	if (n <= 0)
		return NULL;
	buf[n] = '\0';
	return strdup(buf);
}

/* The global flags this ck was given, for commands the units run. */
static void global_args(strv *out, const ck_app *app)
{
	const char *const pairs[][2] = { { "--root", app->opts.root },
		                         { "--runroot", app->opts.runroot },
		                         { "--db-backend", app->opts.db_backend } };
	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		if (pairs[i][1]) {
			strv_add(out, pairs[i][0]);
			strv_add(out, pairs[i][1]);
		}
	}
}

static void json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch == '"' || ch == '\\')
			fprintf(f, "\\%c", ch);
		else if (ch == '\n')
			fputs("\\n", f);
		else if (ch == '\t')
			fputs("\\t", f);
		else if (ch < 0x20)
			fprintf(f, "\\u%04x", ch);
		else
			fputc(ch, f);
	}
	fputc('"', f);
}

static void print_json(const ck_systemd_units *u)
{
	fputs("{\n", stdout);
	for (size_t i = 0; i < ck_systemd_units_count(u); i++) {
		fputs("    ", stdout);
		/* podman's keys are the unit names without ".service" */
		const char *name = ck_systemd_units_name(u, i);
		size_t len = strlen(name);
		char *key = strndup(name, len > 8 && !strcmp(name + len - 8, ".service") ? len - 8 : len);
		json_string(stdout, key ? key : name);
		free(key);
		fputs(": ", stdout);
		json_string(stdout, ck_systemd_units_content(u, i));
		fputs(i + 1 < ck_systemd_units_count(u) ? ",\n" : "\n", stdout);
	}
	fputs("}\n", stdout);
}

static const char generate_systemd_usage[] =
	"Generate systemd units\n\n"
	"Usage:\n  ck generate systemd [options] {CONTAINER|POD}\n\nOptions:\n"
	"      --after stringArray           Add dependencies order to the generated unit file\n"
	"      --container-prefix string     Systemd unit name prefix for containers (default \"container\")\n"
	"  -e, --env stringArray             Set environment variables to the systemd unit files\n"
	"  -f, --files                       Generate .service files instead of printing to stdout\n"
	"      --format string               Print the created units in specified format (json)\n"
	"  -n, --name                        Use container/pod names instead of IDs\n"
	"      --new                         Create a new container or pod instead of starting an existing one\n"
	"      --no-header                   Skip header generation\n"
	"      --pod-prefix string           Systemd unit name prefix for pods (default \"pod\")\n"
	"      --requires stringArray        Similar to wants, but declares stronger requirement dependencies\n"
	"      --restart-policy string       Systemd restart-policy (default \"on-failure\")\n"
	"      --restart-sec uint            Configures the time to sleep before restarting a service\n"
	"      --separator string            Systemd unit name separator between name/id and prefix (default \"-\")\n"
	"  -t, --time int                    Stop timeout override (default -1)\n"
	"      --wants stringArray           Add (weak) requirement dependencies to the generated unit file\n";

static int generate_systemd(ck_app *app, int argc, char **argv)
{
	ck_systemd_options o = CK_SYSTEMD_OPTIONS_INIT;
	strv after = { 0 }, wants = { 0 }, requires = { 0 }, env = { 0 }, owned = { 0 }, g = { 0 }, pos = { 0 };
	strv envs = { 0 };
	const char *ref = NULL, *format = NULL;
	bool files = false;
	long long restart_sec = o.restart_sec, stop_timeout = o.stop_timeout;
	ck_systemd_units *units = NULL;
	char *exe = NULL, **paths = NULL;
	int rc = parse_flags_in(app, argc, argv, true, (const flag_def[]){
		{ "after", 0, F_STRV, &after, 0 },
		{ "container-prefix", 0, F_STR, &o.container_prefix, 0 },
		{ "env", 'e', F_STRV, &envs, 0 },
		{ "files", 'f', F_BOOL, &files, 0 },
		{ "format", 0, F_STR, &format, 0 },
		{ "name", 'n', F_BIT, &o.flags, CK_SYSTEMD_NAME },
		{ "new", 0, F_BIT, &o.flags, CK_SYSTEMD_NEW },
		{ "no-header", 0, F_BIT, &o.flags, CK_SYSTEMD_NO_HEADER },
		{ "pod-prefix", 0, F_STR, &o.pod_prefix, 0 },
		{ "requires", 0, F_STRV, &requires, 0 },
		{ "restart-policy", 0, F_STR, &o.restart_policy, 0 },
		{ "restart-sec", 0, F_INT, &restart_sec, 0 },
		{ "separator", 0, F_STR, &o.separator, 0 },
		{ "time", 't', F_INT, &stop_timeout, -1 },
		{ "wants", 0, F_STRV, &wants, 0 },
		{ NULL, 0, F_IGNORE, NULL, 0 },
	}, generate_systemd_usage, &pos);

	ref = pos.n ? pos.v[0] : NULL;
	if (rc == 0 && pos.n > 1)
		rc = die("accepts 1 arg(s), received %zu", pos.n);
	o.restart_sec = (int)restart_sec;
	o.stop_timeout = (int)stop_timeout;
	for (size_t i = 0; rc == 0 && i < envs.n; i++) {
		const char *val = envs.v[i], *v;
		char *kv = NULL;
		if (strchr(val, '=')) {
			strv_add(&env, val);
			continue;
		}
		/* "-e VAR": its value here, as podman takes it */
		if (!(v = getenv(val)))
			continue;
		if (asprintf(&kv, "%s=%s", val, v) < 0) {
			rc = die("out of memory");
			break;
		}
		strv_add(&env, kv);
		strv_add(&owned, kv);
	}
	if (rc)
		goto out;
	if (!ref) {
		rc = die("accepts 1 arg(s), received 0");
		goto out;
	}
	if (format && strcmp(format, "json") != 0) {
		rc = die("unsupported format \"%s\": only json is supported", format);
		goto out;
	}
	if (format && files) {
		rc = die("--format and --files cannot be used together");
		goto out;
	}
	if (!app_context(app)) {
		rc = EXIT_CK;
		goto out;
	}
	exe = self_path();
	global_args(&g, app);
	o.executable = exe;
	o.global_args = g.v;
	o.after = after.v;
	o.wants = wants.v;
	o.requires = requires.v;
	o.env = env.v;
	if (ck_systemd_generate(&units, app->ctx, ref, &o) < 0) {
		rc = die_ck();
	} else if (files) {
		if (ck_systemd_units_write(&paths, units, ".") < 0)
			rc = die_ck();
		for (size_t i = 0; paths && paths[i]; i++)
			printf("%s\n", paths[i]);
	} else if (format) {
		print_json(units);
	} else {
		for (size_t i = 0; i < ck_systemd_units_count(units); i++)
			fputs(ck_systemd_units_content(units, i), stdout);
	}
out:
	strv_clear(&g);
	ck_strv_free(paths);
	ck_systemd_units_free(units);
	free(exe);
	strv_clear(&after);
	strv_clear(&wants);
	strv_clear(&requires);
	strv_clear(&env);
	strv_clear(&envs);
	strv_clear(&pos);
	strv_free_owned(&owned);
	return rc < 0 ? 0 : rc;
}

static const subcommand generate_cmds[] = {
	{ "kube", NULL, "Generate Kubernetes YAML from containers or pods", NULL, kube_generate },
	{ "systemd", NULL, "Generate systemd units", generate_systemd_usage, generate_systemd },
	{ NULL, NULL, NULL, NULL, NULL },
};

int cmd_generate(ck_app *app, int argc, char **argv)
{
	return run_group(app, "generate", "Generate structured data based on containers and pods", generate_cmds,
	                 argc, argv);
}

static const char generate_units_usage[] =
	"Generate systemd service units from Quadlet files\n\n"
	"Usage:\n  ck systemd generate-units [options] SRCDIR|FILE [SRCDIR|FILE...]\n\n"
	"Reads *.container, *.pod, *.volume, *.network and *.kube files and writes NAME.service units.\n\n"
	"Options:\n"
	"      --dryrun          Print the units instead of writing them\n"
	"  -o, --output string   Directory to write the units to (default \".\")\n";

static int generate_units(ck_app *app, int argc, char **argv)
{
	ck_systemd_options o = CK_SYSTEMD_OPTIONS_INIT;
	strv srcs = { 0 }, g = { 0 };
	const char *outdir = ".";
	bool dry = false;
	ck_systemd_units *units = NULL;
	char *exe = NULL, **paths = NULL;
	int rc = parse_flags_in(app, argc, argv, true, (const flag_def[]){
		{ "output", 'o', F_STR, &outdir, 0 },
		{ "dryrun", 0, F_BOOL, &dry, 0 },
		{ NULL, 0, F_IGNORE, NULL, 0 },
	}, generate_units_usage, &srcs);

	if (rc < 0)
		return 0;
	if (rc == 0 && !srcs.n)
		rc = die("requires at least 1 arg(s): the directories or files to read");
	if (rc == 0) {
		exe = self_path();
		global_args(&g, app);
		o.executable = exe;
		o.global_args = g.v;
		if (ck_systemd_quadlet_generate(&units, srcs.v, &o) < 0)
			rc = die_ck();
		else if (dry)
			for (size_t i = 0; i < ck_systemd_units_count(units); i++)
				printf("---%s---\n%s", ck_systemd_units_name(units, i), ck_systemd_units_content(units, i));
		else if (ck_systemd_units_write(&paths, units, outdir) < 0)
			rc = die_ck();
		for (size_t i = 0; paths && paths[i]; i++)
			printf("%s\n", paths[i]);
	}
	ck_strv_free(paths);
	ck_systemd_units_free(units);
	free(exe);
	strv_clear(&srcs);
	strv_clear(&g);
	return rc;
}

static const subcommand systemd_cmds[] = {
	{ "generate-units", NULL, "Generate systemd service units from Quadlet files", generate_units_usage,
	  generate_units },
	{ NULL, NULL, NULL, NULL, NULL },
};

int cmd_systemd(ck_app *app, int argc, char **argv)
{
	return run_group(app, "systemd", "Manage systemd units", systemd_cmds, argc, argv);
}

/* Links unit i of `units` under the targets its [Install] section names,
 * as `systemctl enable` would: a generator's units cannot be enabled, so
 * it links them itself (DIR/TARGET.wants/UNIT -> ../UNIT). */
static int link_install(const char *dir, const ck_systemd_units *units, size_t i)
{
	const char *unit = ck_systemd_units_name(units, i);
	char **targets[2] = { NULL, NULL };
	static const char *const kinds[2] = { "wants", "requires" };
	int rc = 0;

	if (ck_systemd_units_install(&targets[0], &targets[1], units, i) < 0)
		return die_ck();
	for (int k = 0; k < 2 && rc == 0; k++) {
		for (char **t = targets[k]; *t && rc == 0; t++) {
			char *sub = NULL, *link = NULL, *dest = NULL;
			if (asprintf(&sub, "%s/%s.%s", dir, *t, kinds[k]) < 0 || asprintf(&link, "%s/%s", sub, unit) < 0 ||
			    asprintf(&dest, "../%s", unit) < 0)
				rc = die("out of memory");
			else if ((mkdir(sub, 0755) < 0 && errno != EEXIST) || (symlink(dest, link) < 0 && errno != EEXIST))
				rc = die("cannot link %s: %s", link, strerror(errno));
			free(sub);
			free(link);
			free(dest);
		}
	}
	ck_strv_free(targets[0]);
	ck_strv_free(targets[1]);
	return rc;
}

/* ck-systemd-generator NORMAL_DIR [EARLY_DIR LATE_DIR]: ck as a systemd
 * generator (systemd.generator(7)), as podman's quadlet is one: the
 * Quadlet files of /etc/containers/systemd and /usr/share/containers/systemd
 * (for a user's manager, ~/.config/containers/systemd, or
 * $XDG_CONFIG_HOME/containers/systemd), or of the directories in
 * $QUADLET_UNIT_DIRS (separated by ":"), become units in NORMAL_DIR. */
int systemd_generator(ck_app *app, int argc, char **argv)
{
	ck_systemd_options o = CK_SYSTEMD_OPTIONS_INIT;
	const char *env = getenv("QUADLET_UNIT_DIRS"), *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	char *dirs = NULL;
	if (env && *env)
		dirs = strdup(env);
	else if (geteuid() != 0 && xdg && *xdg)
		(void)!asprintf(&dirs, "%s/containers/systemd", xdg);
	else if (geteuid() != 0 && home && *home)
		(void)!asprintf(&dirs, "%s/.config/containers/systemd", home);
	else
		dirs = strdup("/etc/containers/systemd:/usr/share/containers/systemd");
	strv srcs = { 0 };
	ck_systemd_units *units = NULL;
	char *exe = self_path(), *save = NULL;
	int rc = 0;

	(void)app;
	if (argc < 2 || argc > 4) {
		free(dirs);
		free(exe);
		return die("usage: ck-systemd-generator NORMAL_DIR [EARLY_DIR LATE_DIR]");
	}
	for (char *d = dirs ? strtok_r(dirs, ":", &save) : NULL; d; d = strtok_r(NULL, ":", &save))
		if (access(d, F_OK) == 0)
			strv_add(&srcs, d);
	o.executable = exe;
	if (srcs.n == 0) {
		rc = 0; /* nothing to generate */
	} else if (ck_systemd_quadlet_generate(&units, srcs.v, &o) < 0 ||
	           ck_systemd_units_write(NULL, units, argv[1]) < 0) {
		rc = die_ck();
	} else {
		for (size_t i = 0; i < ck_systemd_units_count(units) && rc == 0; i++)
			rc = link_install(argv[1], units, i);
	}
	ck_systemd_units_free(units);
	strv_clear(&srcs);
	free(dirs);
	free(exe);
	return rc;
}

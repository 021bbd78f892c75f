/* The one option parser of ck: pflag's grammar with podman's global flags
 * and refused-flag reasons, driven by each command's flag table (util.h). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctr.h"

/* Option parsing in pflag's grammar: "--name value", "--name=value",
 * "-n value", "-nvalue", clustered short booleans ("-fq"), interspersed
 * positional arguments, and "--" to end the options.  The global flags
 * (--root, --runroot, --log-level, --db-backend, --runtime) are accepted
 * everywhere and applied to the app. */
typedef struct cli_opt {
	const char *name; /* long name without "--" */
	char shortname;   /* 0 for none */
	bool arg;         /* takes a value */
	int id;           /* > 0 */
} cli_opt;

enum { CLI_END = 0, CLI_POS = -1, CLI_HELP = -2, CLI_ERR = -3 };

typedef struct cli {
	ck_app *app;
	int argc;
	char **argv;
	int i;
	const char *cluster; /* rest of a short-option cluster */
	const cli_opt *opts;
	bool no_more_opts;
	/* The container commands' grammar (parse_flags_in): the options may
	 * end at the first positional argument (`ck run IMG ls -l`, `ck exec
	 * CTR sh -c ...`), -h is --help only when the command has no -h of its
	 * own (`ck run -h HOSTNAME`), "-d=false" is a short boolean's value
	 * and "-t=5" is taken as "-t5". */
	bool stop_at_pos, ctr_grammar;
} cli;


static int parse_log_level(const char *s)
{
	static const struct {
		const char *name;
		int level;
	} levels[] = {
		{ "panic", CK_LOG_ERROR }, { "fatal", CK_LOG_ERROR }, { "error", CK_LOG_ERROR },
		{ "warn", CK_LOG_WARN },   { "warning", CK_LOG_WARN }, { "info", CK_LOG_INFO },
		{ "debug", CK_LOG_DEBUG }, { "trace", CK_LOG_TRACE },
	};
	for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++)
		if (!strcmp(s, levels[i].name))
			return levels[i].level;
	return -1;
}

/* Whether a long flag name is global and takes a value. */
static bool global_flag_takes_value(const char *name)
{
	static const char *const names[] = { "root",           "runroot",     "log-level", "db-backend",
		                             "runtime",        "storage-driver", "events-backend",
		                             "cgroup-manager", "tmpdir",      "url",       "connection" };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(name, names[i]))
			return true;
	return false;
}

/* Whether a long flag name is a global boolean (--noout, --remote). */
static bool global_flag_is_bool(const char *name)
{
	return !strcmp(name, "noout") || !strcmp(name, "remote");
}

/* The global flags of podman that need a server, a daemon or a library
 * ck does not have. */
static const char no_remote[] = "ck has no remote support: it manages containers on this host only";

static int set_env(const char *name, const char *value)
{
	if (setenv(name, value, 1) != 0)
		return die("cannot set %s: out of memory", name);
	return 0;
}

static int global_value(const char *name, const char *val)
{
	if (!strcmp(name, "storage-driver")) {
		/* overlay is the default; vfs, root filesystems that are plain
		 * copies of the layers, is the library's copy mode */
		if (!strcmp(val, "overlay"))
			return 0;
		if (!strcmp(val, "vfs"))
			return set_env("CK_ROOTFS_FORCE_COPY", "1");
		return die("unsupported --storage-driver \"%s\": use overlay or vfs", val);
	}
	if (!strcmp(name, "events-backend")) {
		if (!strcmp(val, "file") || !strcmp(val, "none"))
			return set_env("CK_EVENTS_BACKEND", val);
		if (!strcmp(val, "journald"))
			return die("--events-backend journald is not supported: there is no journald on this host "
			           "(use file or none)");
		return die("invalid --events-backend \"%s\": use file or none", val);
	}
	if (!strcmp(name, "cgroup-manager")) {
		if (!strcmp(val, "cgroupfs"))
			return 0;
		if (!strcmp(val, "systemd"))
			return die("--cgroup-manager systemd is not supported: ck manages cgroups through cgroupfs "
			           "and needs no systemd (there is none as PID 1 on this host)");
		return die("invalid --cgroup-manager \"%s\": use cgroupfs", val);
	}
	if (!strcmp(name, "tmpdir"))
		return set_env("TMPDIR", val);
	if (!strcmp(name, "url") || !strcmp(name, "connection"))
		return die("--%s is not supported: %s", name, no_remote);
	return 0;
}

/* Applies one global flag; false if `name` is not one. */
static bool global_flag(ck_app *app, const char *name, const char *val, bool *bad)
{
	*bad = false;
	if (global_flag_is_bool(name)) {
		bool on = !val || !strcmp(val, "true");
		if (val && strcmp(val, "true") && strcmp(val, "false")) {
			die("invalid argument \"%s\" for \"--%s\" flag: use true or false", val, name);
			*bad = true;
		} else if (on && !strcmp(name, "remote")) {
			die("--remote is not supported: %s", no_remote);
			*bad = true;
		} else if (on && !strcmp(name, "noout") && !freopen("/dev/null", "w", stdout)) {
			die("--noout: cannot open /dev/null");
			*bad = true;
		}
		return true;
	}
	if (!strcmp(name, "root"))
		app->opts.root = val;
	else if (!strcmp(name, "runroot"))
		app->opts.runroot = val;
	else if (!strcmp(name, "db-backend"))
		app->opts.db_backend = val;
	else if (!strcmp(name, "runtime"))
		app->opts.runtime = val;
	else if (!strcmp(name, "log-level")) {
		int level = parse_log_level(val);
		if (level < 0) {
			die("invalid log level \"%s\": use error, warn, info, debug or trace", val);
			*bad = true;
		}
		app->opts.log_level = level;
	} else if (global_flag_takes_value(name)) {
		*bad = global_value(name, val) != 0;
	} else {
		return false;
	}
	return true;
}

/* podman's flags that ck knows and refuses, with the reason: asked for
 * where a command does not have the flag, so that the error says why. */
static const struct refused {
	const char *flag, *why;
} refused_flags[] = {
#include "refused.inc"
};

/* Why ck refuses podman's flag `name` (len bytes), or NULL if it does not
 * know the flag. */
static const char *refused_flag(const char *name, size_t len)
{
	for (size_t i = 0; i < sizeof(refused_flags) / sizeof(refused_flags[0]); i++)
		if (strlen(refused_flags[i].flag) == len && !strncmp(refused_flags[i].flag, name, len))
			return refused_flags[i].why;
	return NULL;
}

static void cli_init(cli *c, ck_app *app, int argc, char **argv, const cli_opt *opts)
{
	memset(c, 0, sizeof(*c));
	c->app = app;
	c->argc = argc;
	c->argv = argv;
	c->opts = opts;
}

static const cli_opt *find_long(const cli_opt *opts, const char *name, size_t len)
{
	for (const cli_opt *o = opts; o && o->name; o++)
		if (strlen(o->name) == len && !strncmp(o->name, name, len))
			return o;
	return NULL;
}

static int next_short(cli *c, const char **val)
{
	char ch = *c->cluster++;
	const cli_opt *o = NULL;

	for (const cli_opt *p = c->opts; p && p->name; p++)
		if (p->shortname == ch)
			o = p;
	if (ch == 'h' && (!o || !c->ctr_grammar)) {
		c->cluster = NULL;
		return CLI_HELP;
	}
	if (!o) {
		die("unknown shorthand flag: '%c' in -%c", ch, ch);
		return CLI_ERR;
	}
	*val = NULL;
	if (o->arg) {
		if (c->ctr_grammar && *c->cluster == '=')
			c->cluster++;
		if (*c->cluster) {
			*val = c->cluster;
		} else if (c->i < c->argc) {
			*val = c->argv[c->i++];
		} else {
			die("flag needs an argument: '%c' in -%c", ch, ch);
			return CLI_ERR;
		}
		c->cluster = NULL;
	} else if (c->ctr_grammar && *c->cluster == '=') {
		/* -d=false */
		*val = c->cluster + 1;
		c->cluster = NULL;
		if (strcmp(*val, "true") && strcmp(*val, "false")) {
			die("invalid argument \"%s\" for \"-%c\" flag: use true or false", *val, ch);
			return CLI_ERR;
		}
	}
	if (c->cluster && !*c->cluster)
		c->cluster = NULL;
	return o->id;
}

/* The next option's id with its value in *val (for a boolean NULL, or
 * "true" or "false" when written --flag=true|false),
 * CLI_POS with a positional argument in *val, CLI_END, CLI_HELP for
 * --help/-h, or CLI_ERR after printing the error. */
static int cli_next(cli *c, const char **val)
{
	for (;;) {
		if (c->cluster)
			return next_short(c, val);
		if (c->i >= c->argc)
			return CLI_END;
		const char *a = c->argv[c->i++];
		if (c->no_more_opts || a[0] != '-' || !a[1]) {
			if (c->stop_at_pos)
				c->no_more_opts = true;
			*val = a;
			return CLI_POS;
		}
		if (!strcmp(a, "--")) {
			c->no_more_opts = true;
			continue;
		}
		if (a[1] != '-') {
			c->cluster = a + 1;
			continue;
		}
		const char *name = a + 2, *eq = strchr(name, '=');
		size_t len = eq ? (size_t)(eq - name) : strlen(name);
		const cli_opt *o = find_long(c->opts, name, len);
		char gname[32];

		if (len == 4 && !strncmp(name, "help", 4) && (!o || !c->ctr_grammar))
			return CLI_HELP;
		if (!o && len < sizeof(gname)) {
			memcpy(gname, name, len);
			gname[len] = '\0';
			if (global_flag_takes_value(gname)) {
				const char *v = eq ? eq + 1 : c->i < c->argc ? c->argv[c->i++] : NULL;
				bool bad;
				if (!v) {
					die("flag needs an argument: --%s", gname);
					return CLI_ERR;
				}
				global_flag(c->app, gname, v, &bad);
				if (bad)
					return CLI_ERR;
				continue;
			}
		}
		if (!o && len < sizeof(gname) && global_flag_is_bool(gname)) {
			bool bad;
			global_flag(c->app, gname, eq ? eq + 1 : NULL, &bad);
			if (bad)
				return CLI_ERR;
			continue;
		}
		if (!o) {
			const char *why = refused_flag(name, len);
			if (why)
				die("--%.*s is not supported: %s", (int)len, name, why);
			else
				die("unknown flag: --%.*s", (int)len, name);
			return CLI_ERR;
		}
		*val = NULL;
		if (o->arg) {
			if (eq) {
				*val = eq + 1;
			} else if (c->i < c->argc) {
				*val = c->argv[c->i++];
			} else {
				die("flag needs an argument: --%s", o->name);
				return CLI_ERR;
			}
		} else if (eq) {
			/* pflag accepts --flag=true|false for booleans */
			if (strcmp(eq + 1, "true") && strcmp(eq + 1, "false")) {
				die("invalid argument \"%s\" for \"--%s\" flag: use true or false", eq + 1,
				    o->name);
				return CLI_ERR;
			}
			*val = eq + 1;
		}
		return o->id;
	}
}

static bool takes_value(flag_kind k)
{
	return k != F_BOOL && k != F_ONOFF && k != F_BIT && k != F_IGNORE && k != F_REFUSE && k != F_CALL;
}

static int parse_table(ck_app *app, int argc, char **argv, bool ctr_grammar, bool stop_at_pos,
                       const flag_def *defs, const char *usage, strv *args, int *head)
{
	const char *val;
	size_t n = 0;
	int id, rc = 0;
	cli c;

	while (defs[n].name)
		n++;
	cli_opt *opts = calloc(n + 1, sizeof(*opts));
	if (!opts)
		return die("out of memory");
	for (size_t i = 0; i < n; i++)
		opts[i] = (cli_opt){ defs[i].name, defs[i].shortname, takes_value(defs[i].kind), (int)i + 1 };
	if (head)
		*head = argc;
	cli_init(&c, app, argc, argv, opts);
	c.ctr_grammar = ctr_grammar;
	c.stop_at_pos = stop_at_pos;
	while (rc == 0 && (id = cli_next(&c, &val)) != CLI_END) {
		if (id == CLI_HELP) {
			if (args)
				strv_clear(args);
			sub_help(usage);
			rc = -1;
			break;
		}
		if (id == CLI_ERR) {
			rc = EXIT_CK;
			continue;
		}
		if (id == CLI_POS && head) {
			*head = c.i - 1;
			break;
		}
		if (id == CLI_POS) {
			if (args)
				strv_add(args, val);
			else
				rc = die("unexpected argument \"%s\": the command takes none", val);
			continue;
		}
		const flag_def *d = &defs[id - 1];
		bool on = !val || strcmp(val, "false") != 0;
		switch (d->kind) {
		case F_BOOL: *(bool *)d->where = on; break;
		case F_ONOFF: *(int *)d->where = on; break;
		case F_STR: *(const char **)d->where = val; break;
		case F_STRV: strv_add(d->where, val); break;
		case F_BIT:
			if (on)
				*(unsigned int *)d->where |= (unsigned int)d->arg;
			else
				*(unsigned int *)d->where &= ~(unsigned int)d->arg;
			break;
		case F_IGNORE:
		case F_IGNORE_VAL: break;
		case F_REFUSE:
			if (on)
				rc = die("%s", (const char *)d->where);
			break;
		case F_REFUSE_VAL: rc = die("%s", (const char *)d->where); break;
		case F_INT: {
			char flag[64];
			snprintf(flag, sizeof(flag), "--%s", d->name);
			if (!parse_int_arg(flag, val, d->arg, d->where))
				rc = EXIT_CK;
			break;
		}
		case F_TIME:
			if (!parse_time_arg(val, d->where))
				rc = die("invalid --%s %s: use RFC 3339, Unix seconds or a duration such as 10m", d->name, val);
			break;
		case F_CALL:
		case F_CALL_VAL: {
			const flag_hook *h = d->where;
			rc = h->fn(h->payload, (int)d->arg, val);
			break;
		}
		}
	}
	free(opts);
	return rc;
}

int parse_flags_in(ck_app *app, int argc, char **argv, bool ctr_grammar, const flag_def *defs,
                   const char *usage, strv *args)
{
	return parse_table(app, argc, argv, ctr_grammar, false, defs, usage, args, NULL);
}

int parse_flags_cmd(ck_app *app, int argc, char **argv, const flag_def *defs, const char *usage, strv *args)
{
	return parse_table(app, argc, argv, true, true, defs, usage, args, NULL);
}

int parse_flags(ck_app *app, int argc, char **argv, const flag_def *defs, const char *usage, strv *args)
{
	return parse_flags_in(app, argc, argv, false, defs, usage, args);
}

int parse_flags_noargs(ck_app *app, int argc, char **argv, bool ctr_grammar, const flag_def *defs,
                       const char *usage, const char *cmd)
{
	strv pos = { 0 };
	int rc = parse_flags_in(app, argc, argv, ctr_grammar, defs, usage, &pos);

	if (rc == 0 && pos.n)
		rc = die("`ck %s` takes no arguments", cmd);
	strv_clear(&pos);
	return rc;
}

int parse_flags_head(ck_app *app, int argc, char **argv, const flag_def *defs, int *head)
{
	return parse_table(app, argc, argv, true, true, defs, "", NULL, head);
}

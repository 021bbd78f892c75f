/* Rewriting a recorded create command (`ck run ...`, `ck pod create ...`)
 * into the command a unit with --new runs: the options that a unit sets
 * itself (detaching, removal, id files, notification, replacement) are
 * taken out and set as the unit needs them; everything else is replayed as
 * the user wrote it. */
#define _GNU_SOURCE
#include "replay.h"

#include <stdlib.h>
#include <string.h>

/* The CLI's global flags that take a value (accepted before the command). */
static const char *const global_value_flags[] = { "root", "runroot", "log-level", "db-backend", "runtime", NULL };

/* Boolean flags of `run`/`create` and `pod create`; any other long flag
 * takes a value unless written --flag=value.  Unknown flags are assumed to
 * take one, as nearly all do. */
static const char *const bool_flags[] = { "detach", "rm", "interactive", "tty", "replace", "init", "read-only",
	                                  "quiet", "sig-proxy", "privileged", "no-healthcheck", "no-hosts",
	                                  "publish-all", "rmi", "env-host", "infra", "no-infra", "help", NULL };
static const char short_bools[] = "ditqP";

static bool in_list(const char *const *list, const char *s, size_t len)
{
	for (size_t i = 0; list[i]; i++)
		if (strlen(list[i]) == len && !strncmp(list[i], s, len))
			return true;
	return false;
}

/* One option at argv[i]: its name (long without "--", or the short letter),
 * its value (attached or the next argument), and how many arguments it
 * spans.  A cluster of short booleans ("-dit") has name NULL. */
typedef struct opt {
	const char *name;
	size_t name_len;
	const char *value; /* NULL: none */
	bool attached;     /* the value was part of the argument */
	size_t span;
} opt;

static void parse_opt(opt *o, char *const *argv, size_t i, size_t argc)
{
	const char *a = argv[i];

	memset(o, 0, sizeof(*o));
	o->span = 1;
	if (a[1] == '-') {
		const char *eq = strchr(a + 2, '=');
		o->name = a + 2;
		o->name_len = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
		if (eq) {
			o->value = eq + 1;
			o->attached = true;
		} else if (!in_list(bool_flags, o->name, o->name_len) && i + 1 < argc) {
			o->value = argv[i + 1];
			o->span = 2;
		}
		return;
	}
	/* short: booleans may cluster; the first letter that takes a value
	 * takes the rest of the argument, or the next argument */
	for (const char *p = a + 1; *p; p++) {
		if (strchr(short_bools, *p))
			continue;
		if (p == a + 1) {
			o->name = p;
			o->name_len = 1;
			if (p[1]) {
				o->value = p + 1;
				o->attached = true;
			} else if (i + 1 < argc) {
				o->value = argv[i + 1];
				o->span = 2;
			}
		} else if (!p[1] && i + 1 < argc) {
			o->span = 2; /* "-dp 80": the cluster ends with a valued flag */
		}
		return;
	}
}

static bool is(const opt *o, const char *name)
{
	return o->name && strlen(name) == o->name_len && !strncmp(o->name, name, o->name_len);
}

/* Skips argv[0] and the global flags; `*cmd` is the index of the command.
 * The global flags are copied into `root`. */
static size_t skip_globals(ck__cmd *root, char *const *argv, size_t argc)
{
	size_t i = 1;

	while (i < argc && argv[i][0] == '-' && argv[i][1] == '-' && argv[i][2]) {
		const char *eq = strchr(argv[i] + 2, '=');
		size_t len = eq ? (size_t)(eq - argv[i] - 2) : strlen(argv[i] + 2);
		ck__cmd_add(root, argv[i], false);
		if (!eq && in_list(global_value_flags, argv[i] + 2, len) && i + 1 < argc)
			ck__cmd_add(root, argv[++i], false);
		i++;
	}
	return i;
}

static size_t argv_len(char *const *argv)
{
	size_t n = 0;
	while (argv && argv[n])
		n++;
	return n;
}

/* The text of a create command for messages. */
static char *joined(char *const *argv)
{
	ck__buf b = { 0 };
	for (size_t i = 0; argv && argv[i]; i++)
		ck__buf_printf(&b, "%s%s", i ? " " : "", argv[i]);
	return ck__buf_take(&b);
}

static int not_replayable(char *const *argv, const char *what, const char *expected)
{
	char *text = joined(argv);
	int rc = ck__error_set(CK_EINVAL, "cannot generate a unit with --new for %s: it was created by \"%s\", "
	                                  "not by `ck %s`, so it cannot be replayed", what, text ? text : "?",
	                       expected);
	free(text);
	return rc;
}

/* Ends both replays the same way: --replace for a named object (a unit
 * restarted after a crash finds the old one), the options kept as given,
 * and the global options apart.  Frees root and rest; false when out of
 * memory. */
static bool replay_end(ck__replay *r, ck__cmd *root, ck__cmd *rest, bool named)
{
	if (named)
		ck__cmd_add(&r->start, "--replace", false);
	for (size_t k = 0; k < rest->n; k++)
		ck__cmd_add(&r->start, rest->args[k], rest->raw[k]);
	ck__cmd_addv(&r->root, (const char *const *)root->args, false);
	ck__cmd_free(root);
	ck__cmd_free(rest);
	return !r->start.oom && !r->root.oom;
}

int ck__replay_container(ck__replay *r, char *const *argv, const char *exe, const char *pod_id_file,
                         char *const *ctr_env, const char *what)
{
	size_t argc = argv_len(argv), i;
	ck__cmd root = { 0 }, rest = { 0 };
	const char *sdnotify = NULL;
	bool named = false;
	int rc = CK_OK;

	memset(r, 0, sizeof(*r));
	if (argc == 0)
		return ck__error_set(CK_EINVAL, "cannot generate a unit with --new for %s: it has no create command "
		                                "(it was made through the API, not by `ck run` or `ck create`), so "
		                                "it cannot be replayed", what);
	i = skip_globals(&root, argv, argc);
	if (i < argc && !strcmp(argv[i], "container"))
		i++;
	if (i >= argc || (strcmp(argv[i], "run") && strcmp(argv[i], "create"))) {
		ck__cmd_free(&root);
		return not_replayable(argv, what, "run` or `ck create");
	}
	for (i++; i < argc; i++) {
		const char *a = argv[i];
		opt o;
		if (!strcmp(a, "--")) {
			i++;
			break;
		}
		if (a[0] != '-' || !a[1])
			break; /* the image: the rest is the container's command */
		parse_opt(&o, argv, i, argc);
		if (!o.name) {
			/* a cluster of short booleans: -d goes (the unit detaches) */
			char cluster[64];
			size_t n = 1;
			cluster[0] = '-';
			for (const char *p = a + 1; *p && n < sizeof(cluster) - 1; p++)
				if (*p != 'd')
					cluster[n++] = *p;
			cluster[n] = '\0';
			if (n > 1)
				ck__cmd_add(&rest, cluster, false);
			if (o.span == 2)
				ck__cmd_add(&rest, argv[i + 1], false);
			i += o.span - 1;
			continue;
		}
		i += o.span - 1;
		if (is(&o, "rm") || is(&o, "detach") || is(&o, "d") || is(&o, "replace") || is(&o, "cidfile") ||
		    is(&o, "cgroups") || is(&o, "conmon-pidfile"))
			continue;
		if (is(&o, "restart")) {
			free(r->restart);
			r->restart = o.value ? strdup(o.value) : NULL;
			continue;
		}
		if (is(&o, "sdnotify")) {
			sdnotify = o.value;
			continue;
		}
		if (pod_id_file && (is(&o, "pod") || is(&o, "pod-id-file")))
			continue;
		if (is(&o, "name"))
			named = true;
		if ((is(&o, "env") || is(&o, "e")) && o.value && !strchr(o.value, '=')) {
			/* "-e VAR" takes VAR from ck's environment: the unit's
			 * must hold it, with the value the container got */
			size_t len = strlen(o.value);
			for (size_t k = 0; ctr_env && ctr_env[k]; k++)
				if (!strncmp(ctr_env[k], o.value, len) && ctr_env[k][len] == '=' &&
				    ck__strv_push(&r->env, ctr_env[k]) != CK_OK)
					rc = ck__oom();
		}
		for (size_t k = 0; k < o.span; k++)
			ck__cmd_add(&rest, argv[i - (o.span - 1) + k], false);
	}
	for (; i < argc; i++)
		ck__cmd_add(&rest, argv[i], false);

	ck__cmd_add(&r->start, exe, false);
	ck__cmd_addv(&r->start, (const char *const *)root.args, false);
	ck__cmd_add(&r->start, "run", false);
	ck__cmd_add(&r->start, "--cidfile=%t/%n.ctr-id", true);
	ck__cmd_add(&r->start, "--cgroups=no-conmon", false);
	ck__cmd_add(&r->start, "--rm", false);
	if (pod_id_file) {
		ck__cmd_add(&r->start, "--pod-id-file", false);
		ck__cmd_add(&r->start, pod_id_file, true);
	}
	/* Type=notify needs a notification: "ignore" would never send one */
	if (sdnotify && (!strcmp(sdnotify, "container") || !strcmp(sdnotify, "healthy"))) {
		char *s = ck__asprintf("--sdnotify=%s", sdnotify);
		ck__cmd_add(&r->start, s ? s : "--sdnotify=conmon", false);
		free(s);
	} else {
		ck__cmd_add(&r->start, "--sdnotify=conmon", false);
	}
	ck__cmd_add(&r->start, "-d", false);
	if (!replay_end(r, &root, &rest, named) && rc == CK_OK)
		rc = ck__oom();
	if (rc != CK_OK)
		ck__replay_free(r);
	return rc;
}

int ck__replay_pod(ck__replay *r, char *const *argv, const char *exe, const char *pid_file, const char *id_file,
                   const char *what)
{
	size_t argc = argv_len(argv), i;
	ck__cmd root = { 0 }, rest = { 0 };
	bool named = false, exit_policy = false;

	memset(r, 0, sizeof(*r));
	if (argc == 0)
		return ck__error_set(CK_EINVAL, "cannot generate units with --new for %s: it has no create command "
		                                "(it was made through the API, not by `ck pod create`), so it cannot "
		                                "be replayed", what);
	i = skip_globals(&root, argv, argc);
	if (i + 1 >= argc || strcmp(argv[i], "pod") || strcmp(argv[i + 1], "create")) {
		ck__cmd_free(&root);
		return not_replayable(argv, what, "pod create");
	}
	for (i += 2; i < argc; i++) {
		const char *a = argv[i];
		opt o;
		if (a[0] != '-' || !a[1] || !strcmp(a, "--")) {
			named = named || strcmp(a, "--");
			ck__cmd_add(&rest, a, false);
			continue;
		}
		parse_opt(&o, argv, i, argc);
		i += o.span - 1;
		if (is(&o, "pod-id-file") || is(&o, "infra-conmon-pidfile") || is(&o, "replace"))
			continue;
		if (is(&o, "name") || is(&o, "n"))
			named = true;
		if (is(&o, "exit-policy"))
			exit_policy = true;
		for (size_t k = 0; k < o.span; k++)
			ck__cmd_add(&rest, argv[i - (o.span - 1) + k], false);
	}
	ck__cmd_add(&r->start, exe, false);
	ck__cmd_addv(&r->start, (const char *const *)root.args, false);
	ck__cmd_add(&r->start, "pod", false);
	ck__cmd_add(&r->start, "create", false);
	ck__cmd_add(&r->start, "--infra-conmon-pidfile", false);
	ck__cmd_add(&r->start, pid_file, true);
	ck__cmd_add(&r->start, "--pod-id-file", false);
	ck__cmd_add(&r->start, id_file, true);
	/* the pod's unit stops when its last member stops */
	if (!exit_policy)
		ck__cmd_add(&r->start, "--exit-policy=stop", false);
	if (!replay_end(r, &root, &rest, named)) {
		ck__replay_free(r);
		return ck__oom();
	}
	return CK_OK;
}

void ck__replay_free(ck__replay *r)
{
	ck__cmd_free(&r->start);
	ck__cmd_free(&r->root);
	free(r->restart);
	ck_strv_free(r->env);
	memset(r, 0, sizeof(*r));
}

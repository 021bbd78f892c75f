/* Quadlet-style files made into service units: NAME.container, NAME.pod,
 * NAME.volume, NAME.network and NAME.kube, with the keys podman's quadlet
 * reads, each turned into the `ck` command line the unit runs.  [Unit], [Service] and
 * [Install] entries are passed through. */
#define _GNU_SOURCE
#include "ini.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

enum kind { Q_CONTAINER, Q_POD, Q_VOLUME, Q_NETWORK, Q_KUBE };
static const char *const suffixes[] = { ".container", ".pod", ".volume", ".network", ".kube" };
static const char *const sections[] = { "Container", "Pod", "Volume", "Network", "Kube" };

typedef struct qfile {
	char *path, *base; /* base: the file name without its suffix */
	enum kind kind;
	ck__ini ini;
	char *unit;        /* the service it becomes */
} qfile;

typedef struct qgen {
	qfile *files;
	size_t n, cap;
	char *exe;
	const char *const *globals;
} qgen;

/* How a key of the object's section becomes flags. */
enum how {
	H_VALUE,  /* --flag VALUE, once per entry */
	H_WORDS,  /* --flag WORD, for each word of the value */
	H_BOOL,   /* --flag when the value is true */
	H_INT,    /* --flag N */
	H_SPECIAL /* handled by the code of its kind */
};

typedef struct qkey {
	const char *key, *flag;
	enum how how;
} qkey;

static const qkey container_keys[] = {
	{ "Image", NULL, H_SPECIAL },           { "ContainerName", NULL, H_SPECIAL },
	{ "Pod", NULL, H_SPECIAL },             { "AutoUpdate", NULL, H_SPECIAL },
	{ "Notify", NULL, H_SPECIAL },          { "Exec", NULL, H_SPECIAL },
	{ "PodmanArgs", NULL, H_SPECIAL },      { "Volume", NULL, H_SPECIAL },
	{ "Network", NULL, H_SPECIAL },         { "User", NULL, H_SPECIAL },
	{ "Group", NULL, H_SPECIAL },           { "PublishPort", "--publish", H_VALUE },
	{ "Environment", "--env", H_WORDS },    { "EnvironmentFile", "--env-file", H_VALUE },
	{ "Label", "--label", H_WORDS },        { "AddCapability", "--cap-add", H_WORDS },
	{ "DropCapability", "--cap-drop", H_WORDS }, { "Ulimit", "--ulimit", H_VALUE },
	{ "HealthCmd", "--health-cmd", H_VALUE }, { "HealthInterval", "--health-interval", H_VALUE },
	{ "HealthRetries", "--health-retries", H_INT }, { "HealthStartPeriod", "--health-start-period", H_VALUE },
	{ "HealthTimeout", "--health-timeout", H_VALUE }, { "HealthOnFailure", "--health-on-failure", H_VALUE },
	{ "WorkingDir", "--workdir", H_VALUE }, { "HostName", "--hostname", H_VALUE },
	{ "Entrypoint", "--entrypoint", H_VALUE }, { "StopTimeout", "--stop-timeout", H_INT },
	{ "PidsLimit", "--pids-limit", H_INT }, { "ReadOnly", "--read-only", H_BOOL },
	{ "RunInit", "--init", H_BOOL },        { "Mount", "--mount", H_VALUE },
	{ NULL, NULL, H_VALUE },
};
static const qkey pod_keys[] = {
	{ "PodName", NULL, H_SPECIAL },      { "PodmanArgs", NULL, H_SPECIAL },
	{ "Network", NULL, H_SPECIAL },      { "PublishPort", "--publish", H_VALUE },
	{ "Label", "--label", H_WORDS },     { "AddHost", "--add-host", H_VALUE },
	{ "DNS", "--dns", H_VALUE },         { NULL, NULL, H_VALUE },
};
static const qkey volume_keys[] = {
	{ "VolumeName", NULL, H_SPECIAL }, { "PodmanArgs", NULL, H_SPECIAL },
	{ "Label", "--label", H_WORDS },   { "Driver", "--driver", H_VALUE },
	{ "Options", "--opt", H_VALUE },   { NULL, NULL, H_VALUE },
};
static const qkey network_keys[] = {
	{ "NetworkName", NULL, H_SPECIAL },   { "PodmanArgs", NULL, H_SPECIAL },
	{ "Subnet", "--subnet", H_VALUE },    { "Gateway", "--gateway", H_VALUE },
	{ "IPRange", "--ip-range", H_VALUE }, { "Label", "--label", H_WORDS },
	{ "Driver", "--driver", H_VALUE },    { "Options", "--opt", H_VALUE },
	{ "DNS", "--dns", H_VALUE },          { "Internal", "--internal", H_BOOL },
	{ "IPv6", "--ipv6", H_BOOL },         { "DisableDNS", "--disable-dns", H_BOOL },
	{ NULL, NULL, H_VALUE },
};
static const qkey kube_keys[] = {
	{ "Yaml", NULL, H_SPECIAL },            { "Network", NULL, H_SPECIAL },
	{ "ConfigMap", NULL, H_SPECIAL },       { "AutoUpdate", NULL, H_SPECIAL },
	{ "SetWorkingDirectory", NULL, H_SPECIAL }, { "PublishPort", "--publish", H_VALUE },
	{ "UserNS", "--userns", H_VALUE },      { "LogDriver", "--log-driver", H_VALUE },
	{ NULL, NULL, H_VALUE },
};
static const qkey *const key_tables[] = { container_keys, pod_keys, volume_keys, network_keys, kube_keys };

static const qkey *find_key(const qkey *t, const char *key)
{
	for (; t && t->key; t++)
		if (!strcmp(t->key, key))
			return t;
	return NULL;
}

static bool has_suffix(const char *s, const char *sfx)
{
	size_t n = strlen(s), k = strlen(sfx);
	return n > k && !strcmp(s + n - k, sfx);
}

/* systemd's booleans */
static int parse_bool(bool *out, const ck__ini *ini, const ck__ini_entry *e)
{
	static const char *const yes[] = { "1", "yes", "true", "on", NULL }, *const no[] = { "0", "no", "false",
		                                                                              "off", NULL };
	for (size_t i = 0; yes[i]; i++)
		if (!strcasecmp(e->value, yes[i]))
			return *out = true, CK_OK;
	for (size_t i = 0; no[i]; i++)
		if (!strcasecmp(e->value, no[i]))
			return *out = false, CK_OK;
	return ck__error_set(CK_EINVAL, "%s:%u: %s=%s is not a boolean (true or false)", ini->path, e->line, e->key,
	                     e->value);
}

static int check_int(const ck__ini *ini, const ck__ini_entry *e)
{
	char *end;
	errno = 0;
	long long v = strtoll(e->value, &end, 10);
	if (!*e->value || *end || errno || v < -1)
		return ck__error_set(CK_EINVAL, "%s:%u: %s=%s is not a number", ini->path, e->line, e->key, e->value);
	return CK_OK;
}

static const qfile *find_file(const qgen *g, const char *name, enum kind kind)
{
	for (size_t i = 0; i < g->n; i++)
		if (g->files[i].kind == kind && !strcmp(strrchr(g->files[i].path, '/') + 1, name))
			return &g->files[i];
	return NULL;
}

/* The name a .volume/.network/.pod gives its object: NameKey=, or
 * systemd-BASE as podman's quadlet names them. */
static char *object_name(const qfile *f, const char *name_key)
{
	const char *sect = sections[f->kind];
	for (size_t i = f->ini.n; i-- > 0;)
		if (!strcmp(f->ini.entries[i].section, sect) && !strcmp(f->ini.entries[i].key, name_key))
			return strdup(f->ini.entries[i].value);
	return ck__asprintf("systemd-%s", f->base);
}

/* Checks every entry: sections this kind may have, keys its section knows,
 * and the values that have a fixed form. */
static int validate(const qfile *f)
{
	const char *own = sections[f->kind];
	const qkey *table = key_tables[f->kind];
	bool b;
	int rc;

	for (size_t i = 0; i < f->ini.n; i++) {
		const ck__ini_entry *e = &f->ini.entries[i];
		if (!strcmp(e->section, "Unit") || !strcmp(e->section, "Service") || !strcmp(e->section, "Install") ||
		    !strncmp(e->section, "X-", 2))
			continue;
		if (strcmp(e->section, own) != 0)
			return ck__error_set(CK_EINVAL, "%s:%u: unknown section [%s] in a %s file (use [%s], [Unit], "
			                                "[Service] or [Install])", f->path, e->line, e->section,
			                     suffixes[f->kind], own);
		const qkey *k = find_key(table, e->key);
		if (!k)
			return ck__error_set(CK_EINVAL, "%s:%u: unknown key %s in section [%s]", f->path, e->line, e->key,
			                     own);
		if (k->how == H_BOOL && (rc = parse_bool(&b, &f->ini, e)) != CK_OK)
			return rc;
		if (k->how == H_INT && (rc = check_int(&f->ini, e)) != CK_OK)
			return rc;
		if (k->how != H_BOOL && !*e->value && strcmp(e->key, "Exec") && strcmp(e->key, "PodmanArgs"))
			return ck__error_set(CK_EINVAL, "%s:%u: %s= needs a value", f->path, e->line, e->key);
		/* a .kube file may name the container: AutoUpdate=CONTAINER/POLICY */
		const char *policy = f->kind == Q_KUBE && strchr(e->value, '/') ? strrchr(e->value, '/') + 1 : e->value;
		if (!strcmp(e->key, "AutoUpdate") && strcmp(policy, "registry") && strcmp(policy, "local"))
			return ck__error_set(CK_EINVAL, "%s:%u: AutoUpdate=%s: use registry or local%s", f->path, e->line,
			                     e->value, f->kind == Q_KUBE ? " (or CONTAINER/registry, CONTAINER/local)" : "");
		if (!strcmp(e->key, "SetWorkingDirectory") && strcmp(e->value, "yaml") && strcmp(e->value, "unit"))
			return ck__error_set(CK_EINVAL, "%s:%u: SetWorkingDirectory=%s: use yaml or unit", f->path,
			                     e->line, e->value);
		if (!strcmp(e->key, "Notify") && strcmp(e->value, "healthy") && (rc = parse_bool(&b, &f->ini, e)) != CK_OK)
			return ck__error_set(CK_EINVAL, "%s:%u: Notify=%s: use true, false or healthy", f->path, e->line,
			                     e->value);
		if (!strcmp(e->key, "PublishPort") && strpbrk(e->value, " \t"))
			return ck__error_set(CK_EINVAL, "%s:%u: PublishPort=%s: one port mapping per line, without "
			                                "blanks", f->path, e->line, e->value);
		if (!strcmp(e->key, "Pod") && !has_suffix(e->value, ".pod"))
			return ck__error_set(CK_EINVAL, "%s:%u: Pod=%s must name a .pod file", f->path, e->line, e->value);
	}
	return CK_OK;
}

/* Generic keys of the object's section into flags of `c`. */
static int generic_flags(ck__cmd *c, const qfile *f)
{
	const qkey *table = key_tables[f->kind];
	int rc = CK_OK;

	for (size_t i = 0; i < f->ini.n && rc == CK_OK; i++) {
		const ck__ini_entry *e = &f->ini.entries[i];
		const qkey *k = strcmp(e->section, sections[f->kind]) ? NULL : find_key(table, e->key);
		bool on = false;
		char **words = NULL;
		if (!k || k->how == H_SPECIAL)
			continue;
		switch (k->how) {
		case H_BOOL:
			parse_bool(&on, &f->ini, e);
			if (on)
				ck__cmd_add(c, k->flag, CK__ARG_RAW);
			break;
		case H_WORDS:
			if ((rc = ck__ini_words(&words, e->value, &f->ini, e->line)) != CK_OK)
				break;
			for (size_t w = 0; words[w]; w++) {
				ck__cmd_add(c, k->flag, CK__ARG_RAW);
				ck__cmd_add(c, words[w], CK__ARG_QUOTE);
			}
			ck_strv_free(words);
			break;
		default:
			ck__cmd_add(c, k->flag, CK__ARG_RAW);
			ck__cmd_add(c, e->value, CK__ARG_QUOTE);
			break;
		}
	}
	return rc;
}

/* PodmanArgs= entries, split as systemd splits. */
static int extra_args(ck__cmd *c, const qfile *f)
{
	int rc = CK_OK;
	for (size_t i = 0; i < f->ini.n && rc == CK_OK; i++) {
		const ck__ini_entry *e = &f->ini.entries[i];
		char **words = NULL;
		if (strcmp(e->section, sections[f->kind]) || strcmp(e->key, "PodmanArgs"))
			continue;
		if ((rc = ck__ini_words(&words, e->value, &f->ini, e->line)) == CK_OK)
			ck__cmd_addv(c, (const char *const *)words, CK__ARG_QUOTE);
		ck_strv_free(words);
	}
	return rc;
}

static const char *last_value(const qfile *f, const char *key)
{
	for (size_t i = f->ini.n; i-- > 0;)
		if (!strcmp(f->ini.entries[i].section, sections[f->kind]) && !strcmp(f->ini.entries[i].key, key))
			return f->ini.entries[i].value;
	return NULL;
}

static void cmd_start(ck__cmd *c, const qgen *g, const char *const *words)
{
	ck__cmd_add(c, g->exe, CK__ARG_ESCAPE);
	ck__cmd_addv(c, g->globals, CK__ARG_ESCAPE);
	ck__cmd_addv(c, words, CK__ARG_RAW);
}

static void passthrough(ck__buf *b, const qfile *f, const char *section)
{
	for (size_t i = 0; i < f->ini.n; i++)
		if (!strcmp(f->ini.entries[i].section, section))
			ck__buf_printf(b, "%s=%s\n", f->ini.entries[i].key, f->ini.entries[i].value);
}

static void unit_head(ck__buf *b, const qfile *f)
{
	ck__buf_printf(b, "# %s\n# generated from %s by ck systemd generate-units\n\n[Unit]\n"
	                  "Wants=network-online.target\nAfter=network-online.target\nSourcePath=%s\n"
	                  "RequiresMountsFor=%%t/containers\n",
	               f->unit, f->path, f->path);
	passthrough(b, f, "Unit");
}

static void unit_tail(ck__buf *b, const qfile *f)
{
	passthrough(b, f, "Service");
	for (size_t i = 0; i < f->ini.n; i++)
		if (!strcmp(f->ini.entries[i].section, "Install")) {
			ck__buf_puts(b, "\n[Install]\n");
			passthrough(b, f, "Install");
			break;
		}
}

static void exec_line(ck__buf *b, const char *key, const ck__cmd *c)
{
	ck__buf_printf(b, "%s=", key);
	ck__cmd_render(b, c);
	ck__buf_puts(b, "\n");
}

/* Volume= and Network= naming a .volume or .network file: the object's
 * name, and the unit that makes it as a dependency. */
static int object_ref(char **name, const qgen *g, const qfile *f, const ck__ini_entry *e, const char *ref,
                      enum kind kind, ck__buf *deps)
{
	const qfile *dep = find_file(g, ref, kind);
	if (!dep)
		return ck__error_set(CK_EINVAL, "%s:%u: %s=%s names a %s file that is not among the files read",
		                     f->path, e->line, e->key, e->value, suffixes[kind]);
	*name = object_name(dep, kind == Q_VOLUME ? "VolumeName" : "NetworkName");
	if (!*name)
		return ck__oom();
	ck__buf_printf(deps, "Requires=%s\nAfter=%s\n", dep->unit, dep->unit);
	return CK_OK;
}

static int container_unit(char **out, const qgen *g, const qfile *f)
{
	const char *image = last_value(f, "Image"), *name = last_value(f, "ContainerName");
	const char *notify = last_value(f, "Notify"), *au = last_value(f, "AutoUpdate");
	const char *user = last_value(f, "User"), *group = last_value(f, "Group");
	ck__cmd run = { 0 }, stop = { 0 }, post = { 0 };
	ck__buf b = { 0 }, deps = { 0 };
	char *s = NULL;
	int rc = CK_OK;

	*out = NULL;
	if (!image)
		return ck__error_set(CK_EINVAL, "%s: no Image= in [Container]: a container needs an image", f->path);
	cmd_start(&run, g, (const char *[]){ "run", NULL });
	s = ck__asprintf("--name=%s", name ? name : "systemd-%N");
	ck__cmd_add(&run, s ? s : "", name ? CK__ARG_QUOTE : CK__ARG_RAW);
	free(s);
	ck__cmd_addv(&run, (const char *[]){ "--cidfile=%t/%N.cid", "--replace", "--rm", "--cgroups=no-conmon", NULL },
	             CK__ARG_RAW);
	bool on = false;
	if (notify && !strcmp(notify, "healthy"))
		ck__cmd_add(&run, "--sdnotify=healthy", CK__ARG_RAW);
	else if (notify && parse_bool(&on, &f->ini, &(ck__ini_entry){ .key = "Notify", .value = (char *)notify }) ==
	                               CK_OK && on)
		ck__cmd_add(&run, "--sdnotify=container", CK__ARG_RAW);
	else
		ck__cmd_add(&run, "--sdnotify=conmon", CK__ARG_RAW);
	ck__cmd_add(&run, "-d", CK__ARG_RAW);
	if (au) {
		s = ck__asprintf("io.containers.autoupdate=%s", au);
		ck__cmd_addv(&run, (const char *[]){ "--label", s ? s : "", NULL }, CK__ARG_QUOTE);
		free(s);
	}
	if (user) {
		s = group ? ck__asprintf("%s:%s", user, group) : strdup(user);
		ck__cmd_addv(&run, (const char *[]){ "--user", s ? s : "", NULL }, CK__ARG_QUOTE);
		free(s);
	}
	for (size_t i = 0; i < f->ini.n && rc == CK_OK; i++) {
		const ck__ini_entry *e = &f->ini.entries[i];
		if (strcmp(e->section, "Container"))
			continue;
		if (!strcmp(e->key, "Pod")) {
			const qfile *pod = find_file(g, e->value, Q_POD);
			if (!pod) {
				rc = ck__error_set(CK_EINVAL, "%s:%u: Pod=%s names a .pod file that is not among the files "
				                              "read", f->path, e->line, e->value);
				break;
			}
			s = ck__asprintf("--pod-id-file=%%t/%.*s.pod-id", (int)(strlen(pod->unit) - 8), pod->unit);
			ck__cmd_add(&run, s ? s : "", CK__ARG_RAW);
			free(s);
			ck__buf_printf(&deps, "BindsTo=%s\nAfter=%s\n", pod->unit, pod->unit);
		} else if (!strcmp(e->key, "Volume") || !strcmp(e->key, "Network")) {
			bool vol = e->key[0] == 'V';
			const char *colon = vol ? strchr(e->value, ':') : NULL;
			size_t len = colon ? (size_t)(colon - e->value) : strlen(e->value);
			const char *sfx = vol ? ".volume" : ".network";
			char *src = strndup(e->value, len), *obj = NULL;
			if (!src) {
				rc = ck__oom();
				break;
			}
			if (len > strlen(sfx) && !strcmp(src + len - strlen(sfx), sfx) &&
			    (rc = object_ref(&obj, g, f, e, src, vol ? Q_VOLUME : Q_NETWORK, &deps)) == CK_OK)
				s = ck__asprintf("%s%s", obj, colon ? colon : "");
			else
				s = strdup(e->value);
			if (rc == CK_OK)
				ck__cmd_addv(&run, (const char *[]){ vol ? "--volume" : "--network", s ? s : "", NULL },
				             CK__ARG_QUOTE);
			free(s);
			free(src);
			free(obj);
		}
	}
	if (rc == CK_OK)
		rc = generic_flags(&run, f);
	if (rc == CK_OK)
		rc = extra_args(&run, f);
	ck__cmd_add(&run, image, CK__ARG_QUOTE);
	const char *exec = last_value(f, "Exec");
	char **words = NULL;
	if (rc == CK_OK && exec && (rc = ck__ini_words(&words, exec, &f->ini, 0)) == CK_OK)
		ck__cmd_addv(&run, (const char *const *)words, CK__ARG_QUOTE);
	ck_strv_free(words);
	if (rc != CK_OK)
		goto out;
	cmd_start(&stop, g, (const char *[]){ "rm", "-v", "-f", "-i", "--cidfile=%t/%N.cid", NULL });
	cmd_start(&post, g, (const char *[]){ "rm", "-v", "-f", "-i", "--cidfile=%t/%N.cid", NULL });
	unit_head(&b, f);
	char *d = ck__buf_take(&deps);
	ck__buf_puts(&b, d ? d : "");
	free(d);
	ck__buf_puts(&b, "\n[Service]\nEnvironment=PODMAN_SYSTEMD_UNIT=%n\nKillMode=mixed\nDelegate=yes\n"
	                 "Type=notify\nNotifyAccess=all\nSyslogIdentifier=%N\n"
	                 "ExecStartPre=-/bin/rm -f %t/%N.cid\n");
	exec_line(&b, "ExecStart", &run);
	exec_line(&b, "ExecStop", &stop);
	/* "-": a container already gone is no failure */
	ck__buf_puts(&b, "ExecStopPost=-");
	ck__cmd_render(&b, &post);
	ck__buf_puts(&b, "\n");
	unit_tail(&b, f);
	if (!(*out = ck__buf_take(&b)))
		rc = ck__oom();
out:
	ck__buf_free(&b);
	ck__buf_free(&deps);
	ck__cmd_free(&run);
	ck__cmd_free(&stop);
	ck__cmd_free(&post);
	return rc;
}

static int pod_unit(char **out, const qgen *g, const qfile *f)
{
	ck__cmd create = { 0 }, start = { 0 }, stop = { 0 }, post = { 0 };
	ck__buf b = { 0 }, deps = { 0 };
	char *name = object_name(f, "PodName");
	int rc = CK_OK;

	*out = NULL;
	if (!name)
		return ck__oom();
	cmd_start(&create, g, (const char *[]){ "pod", "create", "--infra-conmon-pidfile=%t/%N.pid",
	                                        "--pod-id-file=%t/%N.pod-id", "--exit-policy=stop", "--replace",
	                                        NULL });
	ck__cmd_addv(&create, (const char *[]){ "--name", name, NULL }, CK__ARG_QUOTE);
	for (size_t i = 0; i < f->ini.n && rc == CK_OK; i++) {
		const ck__ini_entry *e = &f->ini.entries[i];
		char *obj = NULL;
		if (strcmp(e->section, "Pod") || strcmp(e->key, "Network"))
			continue;
		size_t len = strlen(e->value);
		if (len > 8 && !strcmp(e->value + len - 8, ".network")) {
			if ((rc = object_ref(&obj, g, f, e, e->value, Q_NETWORK, &deps)) == CK_OK)
				ck__cmd_addv(&create, (const char *[]){ "--network", obj, NULL }, CK__ARG_QUOTE);
		} else {
			ck__cmd_addv(&create, (const char *[]){ "--network", e->value, NULL }, CK__ARG_QUOTE);
		}
		free(obj);
	}
	if (rc == CK_OK)
		rc = generic_flags(&create, f);
	if (rc == CK_OK)
		rc = extra_args(&create, f);
	if (rc != CK_OK)
		goto out;
	cmd_start(&start, g, (const char *[]){ "pod", "start", "--pod-id-file=%t/%N.pod-id", NULL });
	cmd_start(&stop, g, (const char *[]){ "pod", "stop", "--pod-id-file=%t/%N.pod-id", "--ignore", "--time=10",
	                                      NULL });
	cmd_start(&post, g, (const char *[]){ "pod", "rm", "--pod-id-file=%t/%N.pod-id", "--ignore", "--force", NULL });
	unit_head(&b, f);
	/* the containers whose Pod= names this file */
	const char *name_of_file = strrchr(f->path, '/') + 1;
	for (const char *key = "Wants"; key; key = !strcmp(key, "Wants") ? "Before" : NULL)
		for (size_t i = 0; i < g->n; i++) {
			const qfile *c = &g->files[i];
			if (c->kind == Q_CONTAINER && last_value(c, "Pod") && !strcmp(last_value(c, "Pod"), name_of_file))
				ck__buf_printf(&b, "%s=%s\n", key, c->unit);
		}
	char *d = ck__buf_take(&deps);
	ck__buf_puts(&b, d ? d : "");
	free(d);
	ck__buf_puts(&b, "\n[Service]\nEnvironment=PODMAN_SYSTEMD_UNIT=%n\nType=forking\nRestart=on-failure\n"
	                 "PIDFile=%t/%N.pid\nSyslogIdentifier=%N\nExecStartPre=-/bin/rm -f %t/%N.pid %t/%N.pod-id\n");
	exec_line(&b, "ExecStartPre", &create);
	exec_line(&b, "ExecStart", &start);
	exec_line(&b, "ExecStop", &stop);
	exec_line(&b, "ExecStopPost", &post);
	unit_tail(&b, f);
	if (!(*out = ck__buf_take(&b)))
		rc = ck__oom();
out:
	free(name);
	ck__buf_free(&b);
	ck__buf_free(&deps);
	ck__cmd_free(&create);
	ck__cmd_free(&start);
	ck__cmd_free(&stop);
	ck__cmd_free(&post);
	return rc;
}

/* .volume and .network: a oneshot that makes the object if it is missing. */
static int object_unit(char **out, const qgen *g, const qfile *f)
{
	bool vol = f->kind == Q_VOLUME;
	char *name = object_name(f, vol ? "VolumeName" : "NetworkName");
	ck__cmd c = { 0 };
	ck__buf b = { 0 };
	int rc;

	*out = NULL;
	if (!name)
		return ck__oom();
	cmd_start(&c, g, (const char *[]){ vol ? "volume" : "network", "create", "--ignore", NULL });
	if ((rc = generic_flags(&c, f)) == CK_OK && (rc = extra_args(&c, f)) == CK_OK) {
		ck__cmd_add(&c, name, CK__ARG_QUOTE);
		unit_head(&b, f);
		ck__buf_puts(&b, "\n[Service]\nType=oneshot\nRemainAfterExit=yes\nSyslogIdentifier=%N\n");
		exec_line(&b, "ExecStart", &c);
		unit_tail(&b, f);
		if (!(*out = ck__buf_take(&b)))
			rc = ck__oom();
	}
	free(name);
	ck__buf_free(&b);
	ck__cmd_free(&c);
	return rc;
}

/* A path of a .kube file's key: relative ones are relative to the file. */
static char *beside(const qfile *f, const char *path)
{
	if (path[0] == '/')
		return strdup(path);
	const char *slash = strrchr(f->path, '/');
	return ck__asprintf("%.*s/%s", (int)(slash - f->path), f->path, path);
}

/* .kube: `ck kube play --replace` of the YAML, `ck kube down` to stop.
 * podman's unit holds a service container as its main process; ck's has
 * the first pod's infra monitor, through its pid file (Type=forking). */
static int kube_unit(char **out, const qgen *g, const qfile *f)
{
	ck__cmd play = { 0 }, down = { 0 };
	ck__buf b = { 0 }, deps = { 0 };
	const char *wd = last_value(f, "SetWorkingDirectory");
	char *yaml = NULL, *s = NULL;
	unsigned int n_yaml = 0;
	int rc = CK_OK;

	*out = NULL;
	for (size_t i = 0; i < f->ini.n; i++)
		if (!strcmp(f->ini.entries[i].section, "Kube") && !strcmp(f->ini.entries[i].key, "Yaml") && n_yaml++)
			return ck__error_set(CK_EINVAL, "%s:%u: a second Yaml=: a .kube file plays one YAML file", f->path,
			                     f->ini.entries[i].line);
	if (!last_value(f, "Yaml"))
		return ck__error_set(CK_EINVAL, "%s: no Yaml= in [Kube]: name the Kubernetes YAML to play", f->path);
	if (!(yaml = beside(f, last_value(f, "Yaml"))))
		return ck__oom();
	cmd_start(&play, g, (const char *[]){ "kube", "play", "--replace", "--infra-conmon-pidfile=%t/%N.pid", NULL });
	for (size_t i = 0; i < f->ini.n && rc == CK_OK; i++) {
		const ck__ini_entry *e = &f->ini.entries[i];
		char *obj = NULL;
		size_t len = strlen(e->value);
		if (strcmp(e->section, "Kube"))
			continue;
		if (!strcmp(e->key, "Network") && len > 8 && !strcmp(e->value + len - 8, ".network")) {
			if ((rc = object_ref(&obj, g, f, e, e->value, Q_NETWORK, &deps)) == CK_OK)
				ck__cmd_addv(&play, (const char *[]){ "--network", obj, NULL }, CK__ARG_QUOTE);
		} else if (!strcmp(e->key, "Network")) {
			ck__cmd_addv(&play, (const char *[]){ "--network", e->value, NULL }, CK__ARG_QUOTE);
		} else if (!strcmp(e->key, "ConfigMap")) {
			obj = beside(f, e->value);
			ck__cmd_addv(&play, (const char *[]){ "--configmap", obj ? obj : "", NULL }, CK__ARG_QUOTE);
		} else if (!strcmp(e->key, "AutoUpdate")) {
			const char *slash = strrchr(e->value, '/');
			obj = slash ? ck__asprintf("io.containers.autoupdate/%.*s=%s", (int)(slash - e->value), e->value,
			                           slash + 1)
			            : ck__asprintf("io.containers.autoupdate=%s", e->value);
			ck__cmd_addv(&play, (const char *[]){ "--annotation", obj ? obj : "", NULL }, CK__ARG_QUOTE);
		}
		free(obj);
	}
	if (rc == CK_OK)
		rc = generic_flags(&play, f);
	if (rc != CK_OK)
		goto out;
	ck__cmd_add(&play, yaml, CK__ARG_QUOTE);
	cmd_start(&down, g, (const char *[]){ "kube", "down", NULL });
	ck__cmd_add(&down, yaml, CK__ARG_QUOTE);
	unit_head(&b, f);
	s = ck__buf_take(&deps);
	ck__buf_puts(&b, s ? s : "");
	ck__buf_puts(&b, "\n[Service]\nEnvironment=PODMAN_SYSTEMD_UNIT=%n\nType=forking\nPIDFile=%t/%N.pid\n"
	                 "SyslogIdentifier=%N\n");
	bool own_wd = false;
	for (size_t i = 0; i < f->ini.n; i++)
		own_wd |= !strcmp(f->ini.entries[i].section, "Service") && !strcmp(f->ini.entries[i].key, "WorkingDirectory");
	if (wd && !own_wd) { /* one the user set in [Service] wins */
		const char *from = !strcmp(wd, "yaml") ? yaml : f->path;
		ck__buf_printf(&b, "WorkingDirectory=%.*s\n", (int)(strrchr(from, '/') - from), from);
	}
	ck__buf_puts(&b, "ExecStartPre=-/bin/rm -f %t/%N.pid\n");
	exec_line(&b, "ExecStart", &play);
	exec_line(&b, "ExecStop", &down);
	unit_tail(&b, f);
	if (!(*out = ck__buf_take(&b)))
		rc = ck__oom();
out:
	free(yaml);
	free(s);
	ck__buf_free(&b);
	ck__buf_free(&deps);
	ck__cmd_free(&play);
	ck__cmd_free(&down);
	return rc;
}

static int add_file(qgen *g, const char *path)
{
	const char *slash = strrchr(path, '/'), *fname = slash ? slash + 1 : path;
	size_t flen = strlen(fname);
	int k;

	for (k = 0; k <= Q_KUBE; k++) {
		size_t sl = strlen(suffixes[k]);
		if (flen > sl && !strcmp(fname + flen - sl, suffixes[k]))
			break;
	}
	if (k > Q_KUBE)
		return CK_ENOTFOUND; /* not ours: skipped in a directory */
	if (g->n == g->cap) {
		size_t cap = g->cap ? g->cap * 2 : 8;
		qfile *n = realloc(g->files, cap * sizeof(*n));
		if (!n)
			return ck__oom();
		g->files = n;
		g->cap = cap;
	}
	qfile *f = &g->files[g->n];
	memset(f, 0, sizeof(*f));
	f->kind = (enum kind)k;
	f->path = realpath(path, NULL);
	if (!f->path)
		return ck__error_errno(CK_EIO, "cannot read %s", path);
	f->base = strndup(fname, flen - strlen(suffixes[k]));
	f->unit = !f->base ? NULL
	                   : k == Q_CONTAINER || k == Q_KUBE ? ck__asprintf("%s.service", f->base)
	                                      : ck__asprintf("%s-%s.service", f->base, suffixes[k] + 1);
	g->n++;
	if (!f->base || !f->unit)
		return ck__oom();
	return ck__ini_read(&f->ini, f->path);
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int add_path(qgen *g, const char *path)
{
	struct stat st;
	int rc = CK_OK;

	if (stat(path, &st) < 0)
		return ck__error_errno(CK_ENOTFOUND, "cannot read %s", path);
	if (!S_ISDIR(st.st_mode)) {
		rc = add_file(g, path);
		return rc == CK_ENOTFOUND ? ck__error_set(CK_EINVAL, "%s is not a .container, .pod, .volume, "
		                                                     ".network or .kube file", path)
		                          : rc;
	}
	DIR *d = opendir(path);
	char **names = NULL;
	size_t n = 0;
	if (!d)
		return ck__error_errno(CK_EIO, "cannot read directory %s", path);
	for (struct dirent *de; (de = readdir(d)) && rc == CK_OK;)
		if (de->d_name[0] != '.' && (rc = ck__strv_push(&names, de->d_name)) == CK_OK)
			n++;
	closedir(d);
	if (names)
		qsort(names, n, sizeof(*names), cmp_name);
	for (size_t i = 0; i < n && rc == CK_OK; i++) {
		char *p = ck__path_join(path, names[i]);
		rc = p ? add_file(g, p) : ck__oom();
		if (rc == CK_ENOTFOUND)
			rc = CK_OK;
		free(p);
	}
	ck_strv_free(names);
	return rc;
}

int ck_systemd_quadlet_generate(ck_systemd_units **out, const char *const *paths, const ck_systemd_options *opts)
{
	ck_systemd_options o;
	ck_systemd_units *u = NULL;
	qgen g = { 0 };
	int rc;

	CK_ENTER();
	if (out)
		*out = NULL;
	if (!out || !paths)
		return ck__error_set(CK_EINVAL, "ck_systemd_quadlet_generate: %s is NULL", !out ? "out" : "paths");
	if ((rc = ck__systemd_opts(&o, opts)) != CK_OK || (rc = ck__systemd_executable(&g.exe, &o)) != CK_OK)
		return rc;
	g.globals = o.global_args;
	for (size_t i = 0; paths[i] && rc == CK_OK; i++)
		rc = add_path(&g, paths[i]);
	for (size_t i = 0; i < g.n && rc == CK_OK; i++)
		rc = validate(&g.files[i]);
	if (rc == CK_OK && !(u = calloc(1, sizeof(*u))))
		rc = ck__oom();
	for (size_t i = 0; i < g.n && rc == CK_OK; i++) {
		const qfile *f = &g.files[i];
		char *content = NULL;
		if (ck__units_has(u, f->unit)) {
			rc = ck__error_set(CK_EINVAL, "%s: its unit %s is made by another file too", f->path, f->unit);
			break;
		}
		switch (f->kind) {
		case Q_CONTAINER: rc = container_unit(&content, &g, f); break;
		case Q_POD: rc = pod_unit(&content, &g, f); break;
		case Q_KUBE: rc = kube_unit(&content, &g, f); break;
		default: rc = object_unit(&content, &g, f); break;
		}
		if (rc == CK_OK)
			rc = ck__units_add(u, f->unit, content);
	}
	if (rc == CK_OK && g.n == 0)
		rc = ck__error_set(CK_ENOTFOUND, "no .container, .pod, .volume, .network or .kube files in %s%s",
		                   paths[0] ? paths[0] : "(nothing)", paths[0] && paths[1] ? " and the others" : "");
	if (rc == CK_OK) {
		*out = u;
		u = NULL;
	}
	ck_systemd_units_free(u);
	for (size_t i = 0; i < g.n; i++) {
		free(g.files[i].path);
		free(g.files[i].base);
		free(g.files[i].unit);
		ck__ini_free(&g.files[i].ini);
	}
	free(g.files);
	free(g.exe);
	return rc;
}

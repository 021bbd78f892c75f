/* ck kube play|down|generate, ck play kube and ck generate kube: thin
 * consumers of containerkit/kube.h, printing what podman prints. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <containerkit/kube.h>

#include "commands.h"
#include "ctr.h"

/* The whole of FILE, or of standard input for "-"; NULL after an error. */
static char *read_input(const char *path, size_t *len)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	char *buf = NULL;
	size_t n = 0, cap = 0;

	if (!f) {
		die("cannot read %s: %s", path, strerror(errno));
		return NULL;
	}
	for (;;) {
		if (cap - n < 4096) {
			char *b = realloc(buf, cap = cap ? cap * 2 : 65536);
			if (!b) {
				free(buf);
				buf = NULL;
				die("out of memory reading %s", path);
				break;
			}
			buf = b;
		}
		size_t got = fread(buf + n, 1, cap - n - 1, f);
		n += got;
		if (got == 0) {
			if (ferror(f)) {
				die("cannot read %s: %s", path, strerror(errno));
				free(buf);
				buf = NULL;
			}
			break;
		}
	}
	if (f != stdin)
		fclose(f);
	if (buf)
		buf[n] = '\0';
	*len = n;
	return buf;
}

static const char play_usage[] =
	"Play a pod or volume based on Kubernetes YAML\n\n"
	"Usage:\n  ck kube play [options] KUBEFILE|-\n\nOptions:\n"
	"      --annotation strings           Add annotations to the pods' containers (key=value)\n"
	"      --authfile string              Path of the authentication file for pulling images\n"
	"      --cert-dir string              Directory of TLS certificates for the registries\n"
	"      --configmap stringArray        Path of a YAML file holding Kubernetes ConfigMaps\n"
	"      --down                         Stop and remove the pods the YAML describes\n"
	"      --infra-conmon-pidfile string  Write the first pod's infra monitor pid to this file\n"
	"      --log-driver string            Logging driver for the containers\n"
	"      --network string               Connect the pods to this network or network mode\n"
	"      --publish stringArray          Publish a port of every pod ([[ip:]hostPort:]containerPort)\n"
	"  -q, --quiet                        Print nothing but errors\n"
	"      --replace                      Remove pods of the same names first\n"
	"      --start                        Start the pods after creating them (default true)\n"
	"      --tls-verify                   Require HTTPS and verify certificates when pulling (default true)\n"
	"      --userns string                User namespace: \"\" or host (the only ones ck's pods take)\n";

enum { K_ANNOT = 1, K_CM, K_DOWN, K_PIDFILE, K_LOGDRV, K_NET, K_PUBLISH, K_QUIET, K_REPLACE, K_USERNS,
       K_AUTHFILE, K_CERTDIR, K_REFUSED };

static void print_ids(const char *title, const ck_kube_report *r, size_t n,
                      const char *(*get)(const ck_kube_report *, size_t))
{
	if (!n)
		return;
	printf("%s\n", title);
	for (size_t i = 0; i < n; i++)
		printf("%s\n", get(r, i));
}

/* As podman 4.3 prints a play: the volumes, then each pod with its containers. */
static void print_play(ck_app *app, const ck_kube_report *r)
{
	print_ids("Volumes:", r, ck_kube_report_volume_count(r), ck_kube_report_volume_name); /* podman's, even for one */
	for (size_t p = 0; p < ck_kube_report_pod_count(r); p++) {
		const char *pod = ck_kube_report_pod_id(r, p);
		strv ids = { 0 };
		printf("Pod:\n%s\n", pod);
		for (size_t i = 0; i < ck_kube_report_container_count(r); i++) {
			ck_container *c = NULL;
			if (ck_container_lookup(&c, app->ctx, ck_kube_report_container_id(r, i)) == 0 &&
			    ck_container_pod_id(c) && !strcmp(ck_container_pod_id(c), pod))
				strv_add(&ids, ck_kube_report_container_id(r, i));
			ck_container_free(c);
		}
		if (ids.n)
			printf("%s\n", ids.n == 1 ? "Container:" : "Containers:");
		for (size_t i = 0; i < ids.n; i++)
			printf("%s\n", ids.v[i]);
		putchar('\n');
		strv_clear(&ids);
	}
}

static int down_file(ck_app *app, const char *path, bool quiet)
{
	ck_kube_report *r = NULL;
	size_t len = 0;
	char *yaml = read_input(path, &len);
	int rc = 0;

	if (!yaml)
		return EXIT_CK;
	if (!app_context(app))
		rc = EXIT_CK;
	else if (ck_kube_down(&r, app->ctx, yaml, len, path) < 0)
		rc = die_ck();
	else if (!quiet) {
		print_ids("Pods stopped:", r, ck_kube_report_pod_count(r), ck_kube_report_pod_id);
		print_ids("Pods removed:", r, ck_kube_report_pod_count(r), ck_kube_report_pod_id);
	}
	ck_kube_report_free(r);
	free(yaml);
	return rc;
}

static int kube_play(ck_app *app, int argc, char **argv)
{
	static const cli_opt opts[] = {
		{ "annotation", 0, true, K_ANNOT },       { "configmap", 0, true, K_CM },
		{ "down", 0, false, K_DOWN },             { "infra-conmon-pidfile", 0, true, K_PIDFILE },
		{ "log-driver", 0, true, K_LOGDRV },      { "network", 0, true, K_NET },
		{ "publish", 'p', true, K_PUBLISH },      { "quiet", 'q', false, K_QUIET },
		{ "replace", 0, false, K_REPLACE },       { "userns", 0, true, K_USERNS },
		{ "authfile", 0, true, K_AUTHFILE },      { "cert-dir", 0, true, K_CERTDIR },
		{ "build", 0, false, K_REFUSED },         { "context-dir", 0, true, K_REFUSED + 1 },
		{ "creds", 0, true, K_REFUSED + 2 },      { "log-opt", 0, true, K_REFUSED + 3 },
		{ "seccomp-profile-root", 0, true, K_REFUSED + 4 },
		{ NULL, 0, false, 0 },
	};
	static const char *const refused[][2] = {
		{ "build", "ck builds no images: build them first and name them in the YAML" },
		{ "context-dir", "ck builds no images: build them first and name them in the YAML" },
		{ "creds", "log in first (ck login) or name an auth file (--authfile)" },
		{ "log-opt", "the k8s-file log's size is set per container (--log-opt max-size on ck run)" },
		{ "seccomp-profile-root", "containers get ck's default seccomp profile" },
	};
	ck_kube_play_options o = CK_KUBE_PLAY_OPTIONS_INIT;
	ck_registry_options ro = CK_REGISTRY_OPTIONS_INIT;
	strv annots = { 0 }, cms = { 0 }, pubs = { 0 };
	const char *val, *file = NULL;
	bool quiet = false, down = false;
	int start = 1, id, rc = 0;
	ck_kube_report *r = NULL;
	char *yaml = NULL;
	size_t len = 0;
	cli c;

	if (take_bool_flag(&argc, argv, "start", &start) != 0 ||
	    take_bool_flag(&argc, argv, "tls-verify", &ro.tls_verify) != 0)
		return EXIT_CK;
	copts_init(&c, app, argc, argv, opts, true);
	while (rc == 0 && (id = cli_next(&c, &val)) != CLI_END) {
		switch (id) {
		case CLI_HELP: rc = sub_help(play_usage); goto out;
		case CLI_ERR: rc = EXIT_CK; break;
		case CLI_POS:
			if (file)
				rc = die("accepts 1 arg(s), received 2");
			file = val;
			break;
		case K_ANNOT: strv_add(&annots, val); break;
		case K_CM: {
			/* podman also takes a comma-separated list */
			char *list = strdup(val), *save = NULL;
			for (char *f = list ? strtok_r(list, ",", &save) : NULL; f; f = strtok_r(NULL, ",", &save)) {
				char *one = strdup(f);
				if (one)
					strv_add(&cms, one);
			}
			free(list);
			break;
		}
		case K_AUTHFILE: ro.authfile = val; break;
		case K_CERTDIR: ro.cert_dir = val; break;
		case K_DOWN: down = flag_on(val); break;
		case K_PIDFILE: o.infra_pid_file = val; break;
		case K_LOGDRV: o.log_driver = val; break;
		case K_NET: o.network = val; break;
		case K_PUBLISH: strv_add(&pubs, val); break;
		case K_QUIET: quiet = flag_on(val); break;
		case K_REPLACE: o.flags = flag_on(val) ? o.flags | CK_KUBE_REPLACE : o.flags & ~CK_KUBE_REPLACE; break;
		case K_USERNS:
			if (*val && strcmp(val, "host"))
				rc = die("--userns=%s is not supported by ck kube play: %s", val,
				         "a pod's containers share the store's user namespace (\"\" or host)");
			break;
		default:
			rc = die("--%s is not supported by ck kube play: %s", refused[id - K_REFUSED][0],
			         refused[id - K_REFUSED][1]);
			break;
		}
	}
	if (rc)
		goto out;
	if (!file) {
		rc = die("accepts 1 arg(s), received 0");
		goto out;
	}
	if (down) {
		rc = down_file(app, file, quiet);
		goto out;
	}
	if (!start)
		o.flags |= CK_KUBE_NO_START;
	o.annotations = annots.v;
	o.configmaps = cms.v;
	o.publish = pubs.v;
	o.registry = &ro;
	if (!(yaml = read_input(file, &len))) {
		rc = EXIT_CK;
		goto out;
	}
	if (!app_context(app)) {
		rc = EXIT_CK;
		goto out;
	}
	if (!o.network)
		o.network = default_network(app);
	if (ck_kube_play(&r, app->ctx, yaml, len, file, &o) < 0) {
		rc = die_ck();
		goto out;
	}
	if (!quiet)
		print_play(app, r);
out:
	ck_kube_report_free(r);
	free(yaml);
	strv_clear(&annots);
	strv_free_owned(&cms);
	strv_clear(&pubs);
	return rc;
}

static const char down_usage[] =
	"Remove pods based on Kubernetes YAML\n\n"
	"Usage:\n  ck kube down KUBEFILE|-\n";

static int kube_down(ck_app *app, int argc, char **argv)
{
	static const cli_opt opts[] = { { NULL, 0, false, 0 } };
	const char *val, *file = NULL;
	int id, rc = 0;
	cli c;

	copts_init(&c, app, argc, argv, opts, true);
	while (rc == 0 && (id = cli_next(&c, &val)) != CLI_END) {
		if (id == CLI_HELP)
			return sub_help(down_usage);
		if (id == CLI_ERR)
			rc = EXIT_CK;
		else if (file)
			rc = die("accepts 1 arg(s), received 2");
		else
			file = val;
	}
	if (rc == 0 && !file)
		rc = die("accepts 1 arg(s), received 0");
	return rc ? rc : down_file(app, file, false);
}

static const char generate_usage[] =
	"Generate Kubernetes YAML from containers or pods\n\n"
	"Usage:\n  ck generate kube [options] CONTAINER...|POD...\n\nOptions:\n"
	"  -f, --filename string   Write output to the specified path\n"
	"  -s, --service           Generate YAML for a Kubernetes service object\n";

int kube_generate(ck_app *app, int argc, char **argv)
{
	static const cli_opt opts[] = {
		{ "filename", 'f', true, 1 }, { "service", 's', false, 2 }, { NULL, 0, false, 0 },
	};
	const char *val, *path = NULL;
	unsigned int flags = 0;
	strv refs = { 0 };
	char *yaml = NULL;
	int id, rc = 0;
	cli c;

	copts_init(&c, app, argc, argv, opts, true);
	while (rc == 0 && (id = cli_next(&c, &val)) != CLI_END) {
		switch (id) {
		case CLI_HELP: strv_clear(&refs); return sub_help(generate_usage);
		case CLI_ERR: rc = EXIT_CK; break;
		case CLI_POS: strv_add(&refs, val); break;
		case 1: path = val; break;
		case 2: flags = flag_on(val) ? flags | CK_KUBE_SERVICE : flags & ~CK_KUBE_SERVICE; break;
		}
	}
	if (rc == 0 && !refs.n)
		rc = die("requires at least 1 arg(s), only received 0");
	if (rc == 0 && !app_context(app))
		rc = EXIT_CK;
	if (rc == 0 && ck_kube_generate(&yaml, app->ctx, refs.v, flags) < 0)
		rc = die_ck();
	if (rc == 0 && path) {
		/* a file that exists is not overwritten, as podman refuses it */
		int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (fd < 0)
			rc = die("cannot write to %s: %s", path, strerror(errno));
		else if (write(fd, yaml, strlen(yaml)) != (ssize_t)strlen(yaml) || close(fd) < 0) {
			rc = die("cannot write to %s: %s", path, strerror(errno));
			unlink(path);
		}
	} else if (rc == 0) {
		fputs(yaml, stdout);
	}
	ck_free(yaml);
	strv_clear(&refs);
	return rc;
}

static const subcommand kube_cmds[] = {
	{ "down", NULL, "Remove pods based on Kubernetes YAML", down_usage, kube_down },
	{ "generate", NULL, "Generate Kubernetes YAML from containers or pods", generate_usage, kube_generate },
	{ "play", NULL, "Play a pod or volume based on Kubernetes YAML", play_usage, kube_play },
	{ NULL, NULL, NULL, NULL, NULL },
};

int cmd_kube(ck_app *app, int argc, char **argv)
{
	return run_group(app, "kube", "Play containers, pods or volumes from a structured file", kube_cmds, argc,
	                 argv);
}

static const subcommand play_cmds[] = {
	{ "kube", NULL, "Play a pod or volume based on Kubernetes YAML", play_usage, kube_play },
	{ NULL, NULL, NULL, NULL, NULL },
};

int cmd_play(ck_app *app, int argc, char **argv)
{
	return run_group(app, "play", "Play containers, pods or volumes from a structured file", play_cmds, argc,
	                 argv);
}

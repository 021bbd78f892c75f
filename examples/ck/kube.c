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

/* podman's kube play flags that ck refuses, and why */
#define KUBE_REFUSED(kind, flag, why) { flag, 0, kind, "--" flag " is not supported by ck kube play: " why, 0 }
#define NO_BUILD "ck builds no images: build them first and name them in the YAML"

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
	ck_kube_play_options o = CK_KUBE_PLAY_OPTIONS_INIT;
	ck_registry_options ro = CK_REGISTRY_OPTIONS_INIT;
	strv args = { 0 }, annots = { 0 }, cm_args = { 0 }, cms = { 0 }, pubs = { 0 };
	const char *file = NULL, *userns = NULL;
	bool quiet = false, down = false;
	int start = 1, rc;
	ck_kube_report *r = NULL;
	char *yaml = NULL;
	size_t len = 0;

	rc = parse_flags_in(app, argc, argv, true, (const flag_def[]){
		{ "start", 0, F_ONOFF, &start, 0 },
		{ "tls-verify", 0, F_ONOFF, &ro.tls_verify, 0 },
		{ "annotation", 0, F_STRV, &annots, 0 },
		{ "configmap", 0, F_STRV, &cm_args, 0 },
		{ "down", 0, F_BOOL, &down, 0 },
		{ "infra-conmon-pidfile", 0, F_STR, &o.infra_pid_file, 0 },
		{ "log-driver", 0, F_STR, &o.log_driver, 0 },
		{ "network", 0, F_STR, &o.network, 0 },
		{ "publish", 'p', F_STRV, &pubs, 0 },
		{ "quiet", 'q', F_BOOL, &quiet, 0 },
		{ "replace", 0, F_BIT, &o.flags, CK_KUBE_REPLACE },
		{ "userns", 0, F_STR, &userns, 0 },
		{ "authfile", 0, F_STR, &ro.authfile, 0 },
		{ "cert-dir", 0, F_STR, &ro.cert_dir, 0 },
		KUBE_REFUSED(F_REFUSE, "build", NO_BUILD),
		KUBE_REFUSED(F_REFUSE_VAL, "context-dir", NO_BUILD),
		KUBE_REFUSED(F_REFUSE_VAL, "creds", "log in first (ck login) or name an auth file (--authfile)"),
		KUBE_REFUSED(F_REFUSE_VAL, "log-opt",
		             "the k8s-file log's size is set per container (--log-opt max-size on ck run)"),
		KUBE_REFUSED(F_REFUSE_VAL, "seccomp-profile-root", "containers get ck's default seccomp profile"),
		{ NULL, 0, F_IGNORE, NULL, 0 },
	}, play_usage, &args);
	if (rc < 0) {
		rc = 0;
		goto out;
	}
	if (rc == 0 && args.n > 1)
		rc = die("accepts 1 arg(s), received %zu", args.n);
	if (rc == 0 && userns && *userns && strcmp(userns, "host"))
		rc = die("--userns=%s is not supported by ck kube play: %s", userns,
		         "a pod's containers share the store's user namespace (\"\" or host)");
	/* podman also takes a comma-separated list */
	for (size_t i = 0; rc == 0 && i < cm_args.n; i++) {
		char *list = strdup(cm_args.v[i]), *save = NULL;
		for (char *f = list ? strtok_r(list, ",", &save) : NULL; f; f = strtok_r(NULL, ",", &save)) {
			char *one = strdup(f);
			if (one)
				strv_add(&cms, one);
		}
		free(list);
	}
	file = args.n ? args.v[0] : NULL;
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
	strv_clear(&args);
	strv_clear(&annots);
	strv_clear(&cm_args);
	strv_free_owned(&cms);
	strv_clear(&pubs);
	return rc;
}

static const char down_usage[] =
	"Remove pods based on Kubernetes YAML\n\n"
	"Usage:\n  ck kube down KUBEFILE|-\n";

static int kube_down(ck_app *app, int argc, char **argv)
{
	strv args = { 0 };
	int rc = parse_flags_in(app, argc, argv, true, (const flag_def[]){ { NULL, 0, F_IGNORE, NULL, 0 } },
	                        down_usage, &args);

	if (rc < 0)
		return 0;
	if (rc == 0 && args.n != 1)
		rc = die("accepts 1 arg(s), received %zu", args.n);
	if (rc == 0)
		rc = down_file(app, args.v[0], false);
	strv_clear(&args);
	return rc;
}

static const char generate_usage[] =
	"Generate Kubernetes YAML from containers or pods\n\n"
	"Usage:\n  ck generate kube [options] CONTAINER...|POD...\n\nOptions:\n"
	"  -f, --filename string   Write output to the specified path\n"
	"  -s, --service           Generate YAML for a Kubernetes service object\n";

int kube_generate(ck_app *app, int argc, char **argv)
{
	const char *path = NULL;
	unsigned int flags = 0;
	strv refs = { 0 };
	char *yaml = NULL;
	int rc;

	rc = parse_flags_in(app, argc, argv, true, (const flag_def[]){
		{ "filename", 'f', F_STR, &path, 0 },
		{ "service", 's', F_BIT, &flags, CK_KUBE_SERVICE },
		{ NULL, 0, F_IGNORE, NULL, 0 },
	}, generate_usage, &refs);
	if (rc < 0)
		return 0;
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

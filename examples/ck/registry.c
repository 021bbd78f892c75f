/* ck pull, ck push, ck login and ck logout, as podman's.  Progress goes to
 * stderr: one bar per blob on a terminal, one line per finished blob
 * otherwise. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"

/* ---- progress ---- */

typedef struct blob_line {
	char digest[80];
	uint64_t done, total;
	int state; /* 0 copying, 1 done, 2 skipped */
} blob_line;

typedef struct progress {
	bool tty;
	blob_line *lines;
	size_t n;
	size_t drawn;      /* lines on screen that a redraw moves back over */
	long long last_ns; /* time of the last redraw */
	const char *verb;  /* "Copying blob" */
} progress;

static long long now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void human(char *buf, size_t size, uint64_t n)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double v = (double)n;
	int u = 0;

	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, size, "%llu%s", (unsigned long long)n, units[u]);
	else
		snprintf(buf, size, "%.1f%s", v, units[u]);
}

/* "sha256:0123456789abcdef..." -> "0123456789ab", as podman shows blobs */
static const char *short_digest(const char *digest)
{
	static char buf[16];
	const char *colon = strchr(digest, ':');
	snprintf(buf, sizeof(buf), "%.12s", colon ? colon + 1 : digest);
	return buf;
}

static void draw_line(const progress *p, const blob_line *l)
{
	char done[32], total[32], bar[41];
	int width = 30, fill;

	fprintf(stderr, "\r\033[K%s %s ", p->verb, short_digest(l->digest));
	if (l->state == 2) {
		fputs("skipped: already exists\n", stderr);
		return;
	}
	if (l->state == 1) {
		fputs("done\n", stderr);
		return;
	}
	fill = l->total ? (int)((double)l->done / (double)l->total * width) : 0;
	if (fill > width)
		fill = width;
	for (int i = 0; i < width; i++)
		bar[i] = i < fill ? '=' : i == fill ? '>' : '-';
	bar[width] = '\0';
	human(done, sizeof(done), l->done);
	human(total, sizeof(total), l->total);
	fprintf(stderr, "[%s] %s / %s\n", bar, done, l->total ? total : "?");
}

static void redraw(progress *p)
{
	if (p->drawn)
		fprintf(stderr, "\033[%zuA", p->drawn);
	for (size_t i = 0; i < p->n; i++)
		draw_line(p, &p->lines[i]);
	p->drawn = p->n;
	p->last_ns = now_ns();
	fflush(stderr);
}

static blob_line *find_line(progress *p, const char *digest, bool *added)
{
	blob_line *nl;

	*added = false;
	for (size_t i = 0; i < p->n; i++)
		if (!strcmp(p->lines[i].digest, digest))
			return &p->lines[i];
	if (!(nl = realloc(p->lines, (p->n + 1) * sizeof(*nl))))
		return NULL;
	p->lines = nl;
	nl = &p->lines[p->n++];
	memset(nl, 0, sizeof(*nl));
	snprintf(nl->digest, sizeof(nl->digest), "%s", digest);
	*added = true;
	return nl;
}

static void on_progress(const ck_image_progress *pr, void *payload)
{
	const char *phase = pr->phase, *digest = *pr->object ? pr->object : NULL;
	uint64_t done = pr->bytes_done, total = pr->bytes_total;
	progress *p = payload;
	blob_line *l;
	bool added, finished = false;
	int before;

	if (!strcmp(phase, "write")) {
		if (p->tty && p->drawn)
			redraw(p);
		p->drawn = 0; /* what follows is not redrawn */
		fputs("Writing manifest to image destination\n", stderr);
		return;
	}
	if (!digest || (strcmp(phase, "copy") != 0 && strcmp(phase, "skip") != 0))
		return; /* unpacking is not shown, as podman does not */
	if (!(l = find_line(p, digest, &added)))
		return;
	before = l->state;
	if (!strcmp(phase, "skip")) {
		l->state = 2;
	} else {
		l->done = done;
		l->total = total;
		if (total && done >= total)
			l->state = 1;
	}
	finished = l->state != before;
	if (!p->tty) {
		if (finished)
			fprintf(stderr, "%s %s %s\n", p->verb, l->digest, l->state == 2 ? "skipped: already exists" : "done");
		return;
	}
	if (added || finished || now_ns() - p->last_ns > 100000000LL)
		redraw(p);
}

static void progress_init(progress *p, ck_registry_options *opts, bool quiet)
{
	memset(p, 0, sizeof(*p));
	p->tty = isatty(STDERR_FILENO) && getenv("TERM") && strcmp(getenv("TERM"), "dumb") != 0;
	p->verb = "Copying blob";
	if (quiet)
		return;
	fputs("Getting image source signatures\n", stderr);
	opts->transfer_progress = on_progress;
	opts->transfer_payload = p;
}

static void progress_end(progress *p, bool quiet, bool ok)
{
	if (p->tty && p->drawn)
		redraw(p);
	if (!quiet && ok)
		fputs("Storing signatures\n", stderr);
	free(p->lines);
}

/* ---- options shared by the commands ---- */

/* A password typed at the terminal without echo. */
static char *ask(const char *prompt, bool secret)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	if (secret) {
		char *p = getpass(prompt);
		return p ? strdup(p) : NULL;
	}
	fputs(prompt, stderr);
	fflush(stderr);
	if ((n = getline(&line, &cap, stdin)) < 0) {
		free(line);
		return NULL;
	}
	while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	return line;
}

/* --creds USER[:PASS]; the password is asked for when missing. */
static int split_creds(ck_registry_options *opts, const char *creds, char **user, char **pass)
{
	const char *colon = strchr(creds, ':');

	if (colon == creds || !*creds)
		return die("invalid --creds \"%s\": use USERNAME[:PASSWORD]", creds);
	*user = colon ? strndup(creds, (size_t)(colon - creds)) : strdup(creds);
	if (colon)
		*pass = strdup(colon + 1);
	else if (isatty(STDIN_FILENO))
		*pass = ask("Password: ", true);
	else
		return die("--creds %s has no password and stdin is not a terminal to ask for it", creds);
	if (!*user || !*pass)
		return die("out of memory");
	opts->username = *user;
	opts->password = *pass;
	return 0;
}

/* --authfile, --cert-dir and --tls-verify, which pull, push and login share. */
#define REGISTRY_FLAGS(ro)                                                                    \
	{ "authfile", 0, F_STR, &(ro).authfile, 0 }, { "cert-dir", 0, F_STR, &(ro).cert_dir, 0 }, \
	{ "tls-verify", 0, F_ONOFF, &(ro).tls_verify, 0 }

/* ---- ck pull ---- */

static const char pull_usage[] =
	"Pull an image from a registry\n\nUsage:\n  ck pull [options] IMAGE\n\nOptions:\n"
	"      --arch string       Use ARCH instead of the architecture of the machine for choosing images\n"
	"      --authfile string   Path of the authentication file\n"
	"      --cert-dir string   Use certificates at the specified path to access the registry\n"
	"      --creds string      Use [username[:password]] for accessing the registry\n"
	"      --os string         Use OS instead of the running OS for choosing images\n"
	"      --platform string   Specify the platform for selecting the image (OS/ARCH[/VARIANT])\n"
	"  -q, --quiet             Suppress output information when pulling images\n"
	"      --tls-verify        Require HTTPS and verify certificates when contacting registries "
	"(default true)\n"
	"      --variant string    Use VARIANT instead of the running architecture variant for choosing images\n";

int cmd_pull(ck_app *app, int argc, char **argv)
{
	ck_registry_options ro;
	const char *ref = NULL, *os = NULL, *arch = NULL, *variant = NULL, *creds = NULL;
	char *user = NULL, *pass = NULL, platform[256];
	bool quiet = false;
	ck_image *img = NULL;
	strv pos = { 0 };
	progress pr;
	int rc;

	ck_registry_options_init(&ro, CK_REGISTRY_OPTIONS_VERSION);
	rc = parse_flags(app, argc, argv, (const flag_def[]){
		REGISTRY_FLAGS(ro),
		{ "creds", 0, F_STR, &creds, 0 },
		{ "platform", 0, F_STR, &ro.platform, 0 },
		{ "quiet", 'q', F_BOOL, &quiet, 0 },
		{ "arch", 0, F_STR, &arch, 0 },
		{ "os", 0, F_STR, &os, 0 },
		{ "variant", 0, F_STR, &variant, 0 },
		{ NULL, 0, F_IGNORE, NULL, 0 },
	}, pull_usage, &pos);
	ref = pos.n ? pos.v[0] : NULL;
	if (rc == 0 && pos.n > 1)
		rc = die("too many arguments: ck pull takes one image");
	strv_clear(&pos);
	if (rc < 0)
		return 0;
	if (rc == 0 && creds)
		rc = split_creds(&ro, creds, &user, &pass);
	if (rc == 0 && !ref)
		rc = die_args(pull_usage, "an image is required");
	if (rc == 0 && !ro.platform && (os || arch || variant)) {
		snprintf(platform, sizeof(platform), "%s/%s%s%s", os ? os : "linux", arch ? arch : "amd64",
		         variant ? "/" : "", variant ? variant : "");
		ro.platform = platform;
	}
	if (rc == 0 && !app_context(app))
		rc = EXIT_CK;
	if (rc == 0) {
		progress_init(&pr, &ro, quiet);
		int r = ck_image_pull(&img, app->ctx, ref, &ro);
		progress_end(&pr, quiet, r == 0);
		if (r < 0)
			rc = die_ck();
		else
			printf("%s\n", ck_image_id(img));
	}
	ck_image_free(img);
	free(user);
	free(pass);
	return rc;
}

/* ---- ck push ---- */

static const char push_usage[] =
	"Push an image to a specified destination\n\nUsage:\n  ck push [options] IMAGE [DESTINATION]\n\n"
	"Options:\n"
	"      --authfile string     Path of the authentication file\n"
	"      --cert-dir string     Path to a directory containing TLS certificates and keys\n"
	"      --creds string        Use [username[:password]] for accessing the registry\n"
	"      --digestfile string   Write the digest of the pushed image to the specified file\n"
	"  -q, --quiet               Suppress output information when pushing images\n"
	"      --tls-verify          Require HTTPS and verify certificates when contacting registries "
	"(default true)\n";

int cmd_push(ck_app *app, int argc, char **argv)
{
	ck_registry_options ro;
	const char *image = NULL, *dest = NULL, *digestfile = NULL, *creds = NULL;
	char *user = NULL, *pass = NULL, *digest = NULL;
	bool quiet = false;
	strv pos = { 0 };
	progress pr;
	int rc;

	ck_registry_options_init(&ro, CK_REGISTRY_OPTIONS_VERSION);
	rc = parse_flags(app, argc, argv, (const flag_def[]){
		REGISTRY_FLAGS(ro),
		{ "creds", 0, F_STR, &creds, 0 },
		{ "digestfile", 0, F_STR, &digestfile, 0 },
		{ "quiet", 'q', F_BOOL, &quiet, 0 },
		{ NULL, 0, F_IGNORE, NULL, 0 },
	}, push_usage, &pos);
	image = pos.n ? pos.v[0] : NULL;
	dest = pos.n > 1 ? pos.v[1] : NULL;
	if (rc == 0 && pos.n > 2)
		rc = die("too many arguments: ck push takes IMAGE [DESTINATION]");
	strv_clear(&pos);
	if (rc < 0)
		return 0;
	if (rc == 0 && creds)
		rc = split_creds(&ro, creds, &user, &pass);
	if (rc == 0 && !image)
		rc = die_args(push_usage, "an image is required");
	if (rc == 0 && !app_context(app))
		rc = EXIT_CK;
	if (rc == 0) {
		progress_init(&pr, &ro, quiet);
		int r = ck_image_push(&digest, app->ctx, image, dest, &ro);
		progress_end(&pr, quiet, r == 0);
		if (r < 0)
			rc = die_ck();
	}
	if (rc == 0 && digestfile) {
		FILE *f = fopen(digestfile, "w");
		if (!f || fputs(digest, f) < 0 || fclose(f) != 0)
			rc = die("cannot write the digest to %s", digestfile);
	}
	ck_free(digest);
	free(user);
	free(pass);
	return rc;
}

/* ---- ck login / ck logout ---- */

static const char login_usage[] =
	"Log in to a container registry\n\nUsage:\n  ck login [options] REGISTRY\n\nOptions:\n"
	"      --authfile string   Path of the authentication file\n"
	"      --cert-dir string   Use certificates at the specified path to access the registry\n"
	"  -p, --password string   Password for registry\n"
	"      --password-stdin    Take the password from stdin\n"
	"      --tls-verify        Require HTTPS and verify certificates when contacting registries "
	"(default true)\n"
	"  -u, --username string   Username for registry\n";

int cmd_login(ck_app *app, int argc, char **argv)
{
	ck_registry_options ro;
	const char *registry = NULL, *username = NULL, *password = NULL;
	char *user = NULL, *pass = NULL;
	bool from_stdin = false;
	strv pos = { 0 };
	int rc;

	ck_registry_options_init(&ro, CK_REGISTRY_OPTIONS_VERSION);
	rc = parse_flags(app, argc, argv, (const flag_def[]){
		REGISTRY_FLAGS(ro),
		{ "password", 'p', F_STR, &password, 0 },
		{ "password-stdin", 0, F_BOOL, &from_stdin, 0 },
		{ "username", 'u', F_STR, &username, 0 },
		{ NULL, 0, F_IGNORE, NULL, 0 },
	}, login_usage, &pos);
	registry = pos.n ? pos.v[0] : NULL;
	if (rc == 0 && pos.n > 1)
		rc = die("too many arguments: ck login takes one registry");
	strv_clear(&pos);
	if (rc < 0)
		return 0;
	if (rc == 0 && ((password && !(pass = strdup(password))) || (username && !(user = strdup(username)))))
		rc = die("out of memory");
	if (rc == 0 && !registry)
		rc = die("please provide a registry to log in to");
	if (rc == 0 && from_stdin && pass)
		rc = die("--password and --password-stdin are mutually exclusive");
	if (rc == 0 && from_stdin && !user)
		rc = die("--password-stdin needs a username (-u)");
	if (rc == 0 && !user) {
		if (!isatty(STDIN_FILENO))
			rc = die("a username is required (-u) when stdin is not a terminal");
		else if (!(user = ask("Username: ", false)) || !*user)
			rc = die("a username is required");
	}
	if (rc == 0 && from_stdin) {
		pass = ask("", false);
		if (!pass)
			rc = die("no password on stdin");
	} else if (rc == 0 && !pass) {
		if (!isatty(STDIN_FILENO))
			rc = die("a password is required (-p or --password-stdin) when stdin is not a terminal");
		else if (!(pass = ask("Password: ", true)))
			rc = die("a password is required");
	}
	if (rc == 0 && !app_context(app))
		rc = EXIT_CK;
	if (rc == 0 && ck_registry_login(app->ctx, registry, user, pass, &ro) < 0)
		rc = die_ck();
	if (rc == 0)
		printf("Login Succeeded!\n");
	if (pass)
		memset(pass, 0, strlen(pass));
	free(user);
	free(pass);
	return rc;
}

static const char logout_usage[] =
	"Log out of a container registry\n\nUsage:\n  ck logout [options] REGISTRY\n\nOptions:\n"
	"  -a, --all               Remove the cached credentials for all registries in the auth file\n"
	"      --authfile string   Path of the authentication file\n";

int cmd_logout(ck_app *app, int argc, char **argv)
{
	ck_registry_options ro;
	const char *registry = NULL;
	bool all = false;
	strv pos = { 0 };
	int rc;

	ck_registry_options_init(&ro, CK_REGISTRY_OPTIONS_VERSION);
	rc = parse_flags(app, argc, argv, (const flag_def[]){
		{ "all", 'a', F_BOOL, &all, 0 },
		{ "authfile", 0, F_STR, &ro.authfile, 0 },
		{ NULL, 0, F_IGNORE, NULL, 0 },
	}, logout_usage, &pos);
	registry = pos.n ? pos.v[0] : NULL;
	if (rc == 0 && pos.n > 1)
		rc = die("too many arguments: ck logout takes one registry");
	strv_clear(&pos);
	if (rc < 0)
		return 0;
	if (rc == 0 && all && registry)
		rc = die("--all takes no registry");
	if (rc == 0 && !all && !registry)
		rc = die("please provide a registry to log out of, or --all");
	if (rc == 0 && !app_context(app))
		rc = EXIT_CK;
	if (rc == 0 && ck_registry_logout(app->ctx, all ? NULL : registry, &ro) < 0)
		rc = die_ck();
	if (rc == 0 && all)
		printf("Removed login credentials for all registries\n");
	else if (rc == 0)
		printf("Removed login credentials for %s\n", registry);
	return rc;
}

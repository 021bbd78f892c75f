/* ck mount, diff, export and commit: a container's root filesystem seen
 * from the host. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctr.h"

/* ------------------------------------------------------------------- mount */

static const char mount_usage[] =
	"Mount a working container's root filesystem\n\nUsage:\n  ck mount [options] [CONTAINER...]\n\n"
	"Prints the path where each root filesystem is mounted; it stays mounted\n"
	"until `ck unmount` or the container's removal.  Without a container, lists\n"
	"the mounted ones.\n\nOptions:\n"
	"  -a, --all             Mount all containers (prints ID PATH for each)\n"
	"      --format string   Print the mounted containers in specified format (json)\n"
	"      --no-trunc        Do not truncate output\n";

typedef struct mount_flags {
	bool all, no_trunc;
	const char *format;
} mount_flags;

static int mount_one(ck_container *ctr, bool named)
{
	char *path = NULL;

	if (ck_container_mount_rootfs(&path, ctr) < 0)
		return die_ck();
	if (!named) /* podman lists "ID PATH" then */
		printf("%s %s\n", ck_container_id(ctr), path);
	else
		printf("%s\n", path);
	ck_free(path);
	return 0;
}

static int by_id(const void *a, const void *b)
{
	return strcmp(ck_container_id(*(ck_container *const *)a), ck_container_id(*(ck_container *const *)b));
}

/* `mount` alone: the mounted containers in the order of their ids (as
 * podman lists them), as "ID  PATH" or podman's JSON (the only --format
 * podman takes here). */
static int mount_list(ck_app *app, const mount_flags *f)
{
	ck_container **list = NULL;
	size_t n = 0;
	sbuf b = { 0 };
	int rc = 0, shown = 0;

	if (f->format && strcmp(f->format, "json"))
		return die("unknown --format argument: \"%s\"", f->format);
	if (!app_context(app))
		return EXIT_CK;
	if (ck_container_list(&list, &n, app->ctx, CK_CONTAINER_LIST_ALL, NULL) < 0)
		return die_ck();
	if (n > 1)
		qsort(list, n, sizeof(*list), by_id);
	sb_cat(&b, "[");
	for (size_t i = 0; rc == 0 && i < n; i++) {
		char *path = NULL;
		if (ck_container_rootfs_mounted(&path, list[i]) < 0) {
			rc = die_ck();
		} else if (path && f->format) {
			sb_cat(&b, shown++ ? ", {\"id\": " : "{\"id\": ");
			sb_str(&b, ck_container_id(list[i]));
			sb_cat(&b, ", \"Names\": [");
			sb_str(&b, ck_container_name(list[i]));
			sb_cat(&b, "], \"mountpoint\": ");
			sb_str(&b, path);
			sb_cat(&b, "}");
		} else if (path) {
			printf("%.*s  %s\n", f->no_trunc ? 64 : 12, ck_container_id(list[i]), path);
		}
		ck_free(path);
	}
	sb_cat(&b, "]");
	if (rc == 0 && f->format) {
		jnode *arr = json_parse(sb_take(&b));
		if (arr)
			json_print_line(stdout, arr, " ");
		json_free(arr);
	}
	free(b.s);
	ck_container_list_free(list, n);
	return rc;
}

/* Mounts every container (--all) or each one named, printing where (and
 * under --all which); a container that is not found or fails makes the
 * exit code EXIT_CK, and the others are still done. */
static int mount_each(ck_app *app, bool all, const strv *names)
{
	ck_container **list = NULL;
	size_t n = 0;
	int status = 0;

	if (!app_context(app))
		return EXIT_CK;
	if (all && ck_container_list(&list, &n, app->ctx, CK_CONTAINER_LIST_ALL, NULL) < 0)
		return die_ck();
	for (size_t i = 0; i < (all ? n : names->n); i++) {
		ck_container *ctr = all ? list[i] : NULL;
		if (!all && ctr_lookup(&ctr, app, names->v[i]) != 0)
			status = EXIT_CK;
		else if (mount_one(ctr, !all) != 0)
			status = EXIT_CK;
		if (!all)
			ck_container_free(ctr);
	}
	ck_container_list_free(list, n);
	return status;
}

int ctr_mount(ck_app *app, int argc, char **argv)
{
	strv names = { 0 };
	mount_flags f = { 0 };
	int rc = parse_flags_in(app, argc, argv, true, (const flag_def[]){
		{ "all", 'a', F_BOOL, &f.all, 0 },
		{ "no-trunc", 0, F_BOOL, &f.no_trunc, 0 },
		{ "format", 0, F_STR, &f.format, 0 },
		{ NULL, 0, F_IGNORE, NULL, 0 },
	}, mount_usage, &names);
	bool all = f.all;

	if (rc == 0 && !all && names.n == 0)
		return mount_list(app, &f);
	if (rc == 0 && all && names.n)
		rc = die("--all and containers cannot be used together");
	if (rc == 0)
		rc = mount_each(app, all, &names);
	strv_clear(&names);
	return rc < 0 ? 0 : rc;
}

/* -------------------------------------------------------------------- diff */

static const char diff_usage[] =
	"Inspect changes to the container's file systems\n\nUsage:\n  ck diff [options] CONTAINER\n\n"
	"Options:\n      --format string   Change the output format (json)\n";

static void diff_json(const ck_change_list *l)
{
	static const char *const keys[] = { "changed", "added", "deleted" };
	bool first_key = true;

	printf("{");
	for (int k = 0; k < 3; k++) {
		bool any = false;
		for (size_t i = 0; i < ck_container_change_list_count(l); i++) {
			if (ck_container_change_list_kind(l, i) != k)
				continue;
			printf("%s%s", any ? ",\n    " : first_key ? "\n  \"" : ",\n  \"", any ? "" : keys[k]);
			if (!any)
				printf("\": [\n    ");
			sbuf b = { 0 };
			sb_str(&b, ck_container_change_list_path(l, i));
			fputs(sb_take(&b), stdout);
			free(b.s);
			any = true;
			first_key = false;
		}
		if (any)
			printf("\n  ]");
	}
	printf(first_key ? "}\n" : "\n}\n");
}

int ctr_diff(ck_app *app, int argc, char **argv)
{
	strv names = { 0 };
	const char *format = NULL;
	ck_container *ctr = NULL;
	ck_change_list *l = NULL;
	int rc = parse_flags_in(app, argc, argv, true, (const flag_def[]){
		{ "format", 0, F_STR, &format, 0 },
		{ NULL, 0, F_IGNORE, NULL, 0 },
	}, diff_usage, &names);

	if (rc == 0 && format && strcmp(format, "json") != 0)
		rc = die("unsupported --format \"%s\": use json", format);

	if (rc == 0 && names.n != 1)
		rc = die("diff takes exactly one container");
	if (rc == 0)
		rc = ctr_lookup(&ctr, app, names.v[0]);
	if (rc == 0 && ck_container_diff(&l, ctr) < 0)
		rc = die_ck();
	if (rc == 0 && format) {
		diff_json(l);
	} else if (rc == 0) {
		for (size_t i = 0; i < ck_container_change_list_count(l); i++)
			printf("%c %s\n", "CAD"[ck_container_change_list_kind(l, i)], ck_container_change_list_path(l, i));
	}
	ck_container_change_list_free(l);
	ck_container_free(ctr);
	strv_clear(&names);
	return rc < 0 ? 0 : rc;
}

/* ------------------------------------------------------------------ export */

static const char export_usage[] =
	"Export container's filesystem contents as a tar archive\n\nUsage:\n  ck export [options] CONTAINER\n\n"
	"Options:\n  -o, --output string   Write to a specified file (default: stdout, which must be redirected)\n";

int ctr_export(ck_app *app, int argc, char **argv)
{
	strv names = { 0 };
	const char *output = NULL;
	ck_container *ctr = NULL;
	char *tmp = NULL;
	int fd = STDOUT_FILENO;
	int rc = parse_flags_in(app, argc, argv, true, (const flag_def[]){
		{ "output", 'o', F_STR, &output, 0 },
		{ NULL, 0, F_IGNORE, NULL, 0 },
	}, export_usage, &names);

	if (rc == 0 && names.n != 1)
		rc = die("export takes exactly one container");
	if (rc == 0 && !output && isatty(STDOUT_FILENO))
		rc = die("refusing to export to terminal. Use -o flag or redirect");
	if (rc == 0)
		rc = ctr_lookup(&ctr, app, names.v[0]);
	/* a file is written beside its final name and renamed: no half tar */
	if (rc == 0 && output && (asprintf(&tmp, "%s.ck-export-XXXXXX", output) < 0 || (fd = mkstemp(tmp)) < 0)) {
		rc = die("cannot create %s: %s", output, strerror(errno));
		free(tmp);
		tmp = NULL;
	}
	if (rc == 0 && ck_container_export(ctr, fd) < 0)
		rc = die_ck();
	if (tmp) {
		if (rc == 0 && (fchmod(fd, 0644) < 0 || fsync(fd) < 0 || rename(tmp, output) < 0))
			rc = die("cannot write %s: %s", output, strerror(errno));
		close(fd);
		if (rc != 0)
			unlink(tmp);
		free(tmp);
	}
	ck_container_free(ctr);
	strv_clear(&names);
	return rc < 0 ? 0 : rc;
}

/* ------------------------------------------------------------------ commit */

static const char commit_usage[] =
	"Create new image based on the changed container\n\nUsage:\n  ck commit [options] CONTAINER [IMAGE]\n\n"
	"Options:\n"
	"  -a, --author string        Set the author for the image committed\n"
	"  -c, --change stringArray   Apply the following possible instructions to the created image: CMD | "
	"ENTRYPOINT | ENV | EXPOSE | LABEL | STOPSIGNAL | USER | VOLUME | WORKDIR\n"
	"  -f, --format string        Format of the image manifest and metadata: oci or docker (default \"oci\")\n"
	"      --iidfile file         File to write the image ID to\n"
	"  -m, --message string       Set commit message for imported image\n"
	"  -p, --pause                Pause container during commit\n"
	"  -q, --quiet                Suppress output\n";

int ctr_commit(ck_app *app, int argc, char **argv)
{
	struct {
		ck_commit_options o;
		strv changes;
		const char *iidfile, *format;
		bool quiet;
	} f = { .o = CK_COMMIT_OPTIONS_INIT };
	strv names = { 0 };
	ck_container *ctr = NULL;
	ck_image *img = NULL;
	int rc = parse_flags_in(app, argc, argv, true, (const flag_def[]){
		{ "author", 'a', F_STR, &f.o.author, 0 },
		{ "change", 'c', F_STRV, &f.changes, 0 },
		{ "format", 'f', F_STR, &f.format, 0 },
		{ "iidfile", 0, F_STR, &f.iidfile, 0 },
		{ "message", 'm', F_STR, &f.o.message, 0 },
		{ "pause", 'p', F_ONOFF, &f.o.pause, 0 },
		{ "quiet", 'q', F_BOOL, &f.quiet, 0 },
		{ "include-volumes", 0, F_REFUSE, "--include-volumes is not supported: volumes stay with the container", 0 },
		{ "squash", 's', F_REFUSE, "--squash is not supported: the commit adds one layer on top of the image's", 0 },
		{ NULL, 0, F_IGNORE, NULL, 0 },
	}, commit_usage, &names);

	if (rc == 0 && f.format && strcmp(f.format, "oci") && strcmp(f.format, "docker"))
		rc = die("unrecognized image type \"%s\": use oci or docker", f.format);
	else if (rc == 0 && f.format)
		f.o.format = !strcmp(f.format, "docker") ? CK_COMMIT_FORMAT_DOCKER : CK_COMMIT_FORMAT_OCI;

	if (rc == 0 && (names.n < 1 || names.n > 2))
		rc = die("commit takes a container and, optionally, the name of the new image");
	if (rc == 0)
		rc = ctr_lookup(&ctr, app, names.v[0]);
	f.o.name = names.n > 1 ? names.v[1] : NULL;
	f.o.changes = f.changes.v;
	if (rc == 0 && ck_container_commit(&img, ctr, &f.o) < 0)
		rc = die_ck();
	if (rc == 0 && f.iidfile) {
		FILE *out = fopen(f.iidfile, "w");
		if (!out || fprintf(out, "sha256:%s", ck_image_id(img)) < 0 || fclose(out) != 0)
			rc = die("cannot write the image id to %s: %s", f.iidfile, strerror(errno));
	}
	if (rc == 0)
		printf("%s\n", ck_image_id(img));
	ck_image_free(img);
	ck_container_free(ctr);
	strv_clear(&names);
	strv_clear(&f.changes);
	return rc < 0 ? 0 : rc;
}

/* The ck commands that change images: tag, untag, rmi (image rm), image
 * prune and import. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "image_cmds.h"

/* True when `arg` names the image by its id rather than by a name. */
static bool is_id_ref(const char *arg, const char *id)
{
	if (!strncmp(arg, "sha256:", 7))
		arg += 7;
	return *arg && strlen(arg) <= 64 && !strncmp(id, arg, strlen(arg));
}

/* Collects the positional arguments; returns EXIT_CK after an error, -1
 * after --help (the usage was printed), else 0. */
static int positional(ck_app *app, int argc, char **argv, const char *usage, strv *args)
{
	return parse_flags(app, argc, argv, (const flag_def[]){ { NULL, 0, F_IGNORE, NULL, 0 } }, usage, args);
}

const char image_tag_usage[] =
	"Add an additional name to a local image\n\nUsage:\n  ck tag IMAGE TARGET_NAME [TARGET_NAME...]\n";

const char image_untag_usage[] =
	"Remove a name from a local image\n\nUsage:\n  ck untag IMAGE [IMAGE...]\n\n"
	"Without names, every name of the image is removed.\n";

/* tag adds each TARGET_NAME; untag removes each NAME, or every name. */
static int tag_or_untag(ck_app *app, int argc, char **argv, bool tag)
{
	strv args = { 0 };
	ck_image *img = NULL;
	int rc = positional(app, argc, argv, tag ? image_tag_usage : image_untag_usage, &args);

	if (rc == 0 && args.n < (tag ? 2u : 1u))
		rc = die(tag ? "at least two arguments are required: IMAGE TARGET_NAME [TARGET_NAME...]"
		             : "at least one argument is required: IMAGE [NAME...]");
	if (rc == 0 && !app_context(app))
		rc = EXIT_CK;
	if (rc == 0 && ck_image_lookup(&img, app->ctx, args.v[0]) < 0)
		rc = die_ck();
	if (rc == 0 && !tag && args.n == 1 && ck_image_untag(img, NULL) < 0)
		rc = die_ck();
	for (size_t i = 1; rc == 0 && i < args.n; i++)
		if ((tag ? ck_image_tag(img, args.v[i]) : ck_image_untag(img, args.v[i])) < 0)
			rc = die_ck();
	ck_image_free(img);
	strv_clear(&args);
	return rc < 0 ? 0 : rc;
}

int image_tag(ck_app *app, int argc, char **argv)
{
	return tag_or_untag(app, argc, argv, true);
}

int image_untag(ck_app *app, int argc, char **argv)
{
	return tag_or_untag(app, argc, argv, false);
}

const char image_rm_usage[] =
	"Remove one or more images from local storage\n\nUsage:\n  ck rmi [options] IMAGE [IMAGE...]\n\n"
	"Options:\n"
	"  -a, --all      Remove all images\n"
	"  -f, --force    Force removal of the image, even if containers use it\n"
	"  -i, --ignore   Ignore errors if a specified image does not exist\n";

static char **copy_names(const ck_image *img)
{
	const char *const *names = ck_image_names(img);
	size_t n = 0;
	char **v;

	while (names[n])
		n++;
	if (!(v = calloc(n + 1, sizeof(*v)))) {
		fputs("Error: out of memory\n", stderr);
		exit(EXIT_CK);
	}
	for (size_t i = 0; i < n; i++)
		if (!(v[i] = strdup(names[i]))) {
			fputs("Error: out of memory\n", stderr);
			exit(EXIT_CK);
		}
	return v;
}

static void free_names(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

/* Removes one image, or only the name `arg` when it is one of several. */
static int rm_one(ck_image *img, const char *arg, unsigned int flags)
{
	char **before = copy_names(img);
	size_t n = 0;
	int rc = 0;

	while (before[n])
		n++;
	if (arg && !is_id_ref(arg, ck_image_id(img)) && n > 1) {
		if (ck_image_untag(img, arg) < 0) {
			rc = -1;
		} else {
			const char *const *after = ck_image_names(img);
			for (size_t i = 0; before[i]; i++) {
				bool kept = false;
				for (size_t k = 0; after[k] && !kept; k++)
					kept = !strcmp(after[k], before[i]);
				if (!kept)
					printf("Untagged: %s\n", before[i]);
			}
		}
	} else if (arg && n > 1 && !(flags & CK_REMOVE_FORCE)) {
		fprintf(stderr, "Error: unable to delete image \"%s\" by ID with more than one tag (", arg);
		for (size_t i = 0; before[i]; i++)
			fprintf(stderr, "%s%s", i ? ", " : "", before[i]);
		fprintf(stderr, "): please force removal\n");
		rc = -2;
	} else if (ck_image_remove(img, flags) < 0) {
		rc = -1;
	} else {
		for (size_t i = 0; before[i]; i++)
			printf("Untagged: %s\n", before[i]);
		printf("Deleted: %s\n", ck_image_id(img));
	}
	free_names(before);
	return rc;
}

int image_rm(ck_app *app, int argc, char **argv)
{
	strv names = { 0 };
	bool all = false, ignore = false;
	unsigned int flags = 0;
	int rc = 0, status = 0;

	rc = parse_flags(app, argc, argv, (const flag_def[]){
		{ "all", 'a', F_BOOL, &all, 0 },
		{ "force", 'f', F_BIT, &flags, CK_REMOVE_FORCE },
		{ "ignore", 'i', F_BOOL, &ignore, 0 },
		{ NULL, 0, F_IGNORE, NULL, 0 },
	}, image_rm_usage, &names);
	if (rc < 0)
		return 0;
	if (rc == 0 && !all && names.n == 0)
		rc = die("image name or ID must be specified");
	if (rc == 0 && all && names.n)
		rc = die("when using the --all switch, you may not pass any images names or IDs");
	if (rc == 0 && !app_context(app))
		rc = EXIT_CK;
	if (rc == 0 && all) {
		ck_image **imgs = NULL;
		size_t n = 0;
		if (ck_image_list(&imgs, &n, app->ctx, CK_IMAGE_LIST_ALL, NULL) < 0)
			rc = die_ck();
		for (size_t i = 0; i < n; i++) {
			if (rm_one(imgs[i], NULL, flags) == -1) {
				print_ck_error();
				status = rm_exit_status(status, ck_error_last()->code, CK_EINUSE);
			}
		}
		ck_image_list_free(imgs, n);
	}
	for (size_t i = 0; rc == 0 && !all && i < names.n; i++) {
		ck_image *img = NULL;
		int r = ck_image_lookup(&img, app->ctx, names.v[i]) < 0 ? -1 : rm_one(img, names.v[i], flags);
		/* podman: --force implies --ignore */
		bool missing_ok = ignore || (flags & CK_REMOVE_FORCE);
		if (r == -1 && !(missing_ok && ck_error_last()->code == CK_ENOTFOUND)) {
			print_ck_error();
			status = rm_exit_status(status, ck_error_last()->code, CK_EINUSE);
		} else if (r == -2) {
			status = EXIT_CK;
		}
		ck_image_free(img);
	}
	strv_clear(&names);
	return rc ? rc : status;
}

const char image_prune_usage[] =
	"Remove unused images\n\nUsage:\n  ck image prune [options]\n\nOptions:\n"
	"  -a, --all     Remove all images not in use by containers, not just dangling ones\n"
	"  -f, --force   Do not prompt for confirmation\n";

int image_prune(ck_app *app, int argc, char **argv)
{
	bool force = false;
	unsigned int flags = 0;
	char **removed = NULL;
	int rc = 0;

	rc = parse_flags_noargs(app, argc, argv, false, (const flag_def[]){
		{ "all", 'a', F_BIT, &flags, CK_IMAGE_PRUNE_ALL },
		{ "force", 'f', F_BOOL, &force, 0 },
		{ "filter", 0, F_REFUSE_VAL, "image prune --filter is not supported", 0 },
		{ NULL, 0, F_IGNORE, NULL, 0 },
	}, image_prune_usage, "image prune");
	if (rc < 0)
		return 0;
	if (rc == 0 && !force) {
		printf("%s", flags & CK_IMAGE_PRUNE_ALL
		                     ? "WARNING! This command removes all images without at least one container "
		                       "associated with them.\n"
		                     : "WARNING! This command removes all dangling images.\n");
		if (!confirm("Are you sure you want to continue?"))
			return 0;
	}
	if (rc == 0 && !app_context(app))
		rc = EXIT_CK;
	if (rc == 0 && ck_image_prune(&removed, app->ctx, flags) < 0)
		rc = die_ck();
	print_lines_free(removed);
	return rc;
}

const char image_import_usage[] =
	"Import a tarball to create a filesystem image\n\nUsage:\n  ck import [options] PATH [REFERENCE]\n\n"
	"PATH is a tar archive of a root filesystem (plain or compressed), or - for standard input.\n\n"
	"Options:\n"
	"  -q, --quiet   Suppress output\n";

/* Standard input into a temporary file that ck_image_import can read. */
static int stdin_to_file(char *path, size_t size)
{
	const char *tmp = getenv("TMPDIR");
	char buf[65536];
	ssize_t n;
	int fd;

	snprintf(path, size, "%s/ck-import-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if ((fd = mkstemp(path)) < 0)
		return die("cannot create a temporary file for standard input: %s", strerror(errno));
	while ((n = read(0, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || write(fd, buf, (size_t)n) != n) {
			int e = errno;
			close(fd);
			unlink(path);
			return die("cannot copy standard input to %s: %s", path, strerror(e));
		}
	}
	if (close(fd) < 0) {
		unlink(path);
		return die("cannot write %s: %s", path, strerror(errno));
	}
	return 0;
}

int image_import(ck_app *app, int argc, char **argv)
{
	strv args = { 0 };
	const char *path;
	char tmp[4096] = "";
	ck_image *img = NULL;
	int rc = 0;

	rc = parse_flags(app, argc, argv, (const flag_def[]){
		{ "quiet", 'q', F_IGNORE, NULL, 0 },
		{ "change", 'c', F_REFUSE_VAL, "import --change is not supported", 0 },
		{ "message", 'm', F_REFUSE_VAL, "import --message is not supported", 0 },
		{ NULL, 0, F_IGNORE, NULL, 0 },
	}, image_import_usage, &args);
	if (rc < 0)
		return 0;
	if (rc == 0 && (args.n < 1 || args.n > 2))
		rc = die("import requires 1 or 2 arguments: PATH [REFERENCE]");
	if (rc == 0 && !app_context(app))
		rc = EXIT_CK;
	path = rc == 0 ? args.v[0] : NULL;
	if (rc == 0 && !strcmp(path, "-") && (rc = stdin_to_file(tmp, sizeof(tmp))) == 0)
		path = tmp;
	if (rc == 0 && ck_image_import(&img, app->ctx, path, args.n > 1 ? args.v[1] : NULL) < 0)
		rc = die_ck();
	if (rc == 0)
		printf("sha256:%s\n", ck_image_id(img));
	if (tmp[0])
		unlink(tmp);
	ck_image_free(img);
	strv_clear(&args);
	return rc;
}

int cmd_tag(ck_app *app, int argc, char **argv)
{
	return image_tag(app, argc, argv);
}

int cmd_untag(ck_app *app, int argc, char **argv)
{
	return image_untag(app, argc, argv);
}

int cmd_rmi(ck_app *app, int argc, char **argv)
{
	return image_rm(app, argc, argv);
}

int cmd_import(ck_app *app, int argc, char **argv)
{
	return image_import(app, argc, argv);
}

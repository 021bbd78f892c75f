/* ck load and ck save: images from and into oci-archive, docker-archive and
 * OCI layout directories, as podman load and podman save. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"

/* Prints each blob once as it lands, as podman's copy does. */
static void on_progress(const ck_image_progress *pr, void *payload)
{
	strv *seen = payload;
	const char *phase = pr->phase, *digest = *pr->object ? pr->object : NULL;

	if (!digest || (strcmp(phase, "write") && strcmp(phase, "skip")))
		return;
	for (size_t i = 0; i < seen->n; i++)
		if (!strcmp(seen->v[i], digest))
			return;
	char *copy = strdup(digest);
	if (!copy)
		return;
	strv_add(seen, copy);
	fprintf(stderr, "Copying blob %s%s\n", digest, strcmp(phase, "skip") ? "" : " skipped: already exists");
}

static const char load_usage[] =
	"Load image(s) from a tar archive\n\nUsage:\n  ck load [options]\n\nOptions:\n"
	"  -i, --input string   Read from specified archive file (default: stdin)\n"
	"  -q, --quiet          Suppress the output\n";

int cmd_load(ck_app *app, int argc, char **argv)
{
	strv pos = { 0 };
	const char *input = NULL;
	char **names = NULL;
	bool quiet = false;
	strv seen = { 0 };
	int rc = 0;

	rc = parse_flags(app, argc, argv, (const flag_def[]){
		{ "input", 'i', F_STR, &input, 0 },
		{ "quiet", 'q', F_BOOL, &quiet, 0 },
		{ NULL, 0, F_IGNORE, NULL, 0 },
	}, load_usage, &pos);
	if (rc == 0 && pos.n)
		rc = die("accepts 0 arg(s), received 1: ck load reads the archive given by -i (or stdin)");
	strv_clear(&pos);
	if (rc < 0)
		return 0;
	if (rc == 0 && !input) {
		if (isatty(STDIN_FILENO))
			rc = die("cannot read from terminal, use command-line redirection or the --input flag");
		input = "/dev/stdin";
	}
	if (rc == 0 && !app_context(app))
		rc = EXIT_CK;
	if (rc == 0 && ck_image_load_v2(&names, app->ctx, input, quiet ? NULL : on_progress, &seen) < 0)
		rc = die_ck();
	for (size_t i = 0; rc == 0 && names && names[i]; i++) {
		bool id64 = strlen(names[i]) == 64 && strspn(names[i], "0123456789abcdef") == 64;
		printf("Loaded image: %s%s\n", id64 ? "sha256:" : "", names[i]);
	}
	ck_strv_free(names);
	for (size_t i = 0; i < seen.n; i++)
		free((char *)seen.v[i]);
	strv_clear(&seen);
	return rc;
}

static const char save_usage[] =
	"Save image(s) to an archive\n\nUsage:\n  ck save [options] IMAGE [IMAGE...]\n\nOptions:\n"
	"      --format string         Save image to oci-archive, oci-dir (directory with oci manifest type), "
	"docker-archive (default \"docker-archive\")\n"
	"  -m, --multi-image-archive   Interpret additional arguments as images not tags and create a "
	"multi-image-archive (only for docker-archive)\n"
	"  -o, --output string         Write to a specified file (default: stdout, which must be redirected)\n"
	"  -q, --quiet                 Suppress the output\n";

/* Saves into a private temporary file, then copies it to stdout (which may
 * be a pipe, where nothing can be renamed into place). */
static int save_to_stdout(ck_context *ctx, int fmt, const char *const *images)
{
	const char *dir = getenv("TMPDIR") && *getenv("TMPDIR") ? getenv("TMPDIR") : "/var/tmp";
	char *path = NULL, buf[1 << 16];
	int fd, rc = 0;
	ssize_t n;

	if (asprintf(&path, "%s/ck-save-XXXXXX", dir) < 0)
		return die("out of memory");
	if ((fd = mkstemp(path)) < 0) {
		rc = die("cannot create a temporary file in %s: %s", dir, strerror(errno));
		free(path);
		return rc;
	}
	close(fd);
	fd = -1;
	if (ck_image_save(ctx, path, fmt, images) < 0)
		rc = die_ck();
	else if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		rc = die("cannot read %s: %s", path, strerror(errno));
	while (rc == 0 && (n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || fwrite(buf, 1, (size_t)n, stdout) != (size_t)n)
			rc = die("cannot write the archive to stdout: %s", strerror(errno));
	}
	if (rc == 0 && fflush(stdout) != 0)
		rc = die("cannot write the archive to stdout: %s", strerror(errno));
	if (fd >= 0)
		close(fd);
	unlink(path);
	free(path);
	return rc;
}

int cmd_save(ck_app *app, int argc, char **argv)
{
	const char *output = NULL, *format = "docker-archive";
	strv images = { 0 };
	int rc = 0, fmt = CK_ARCHIVE_DOCKER;

	rc = parse_flags(app, argc, argv, (const flag_def[]){
		{ "output", 'o', F_STR, &output, 0 },
		{ "format", 0, F_STR, &format, 0 },
		/* no progress output; several images always make a multi-image archive;
		 * layers are saved as stored */
		{ "quiet", 'q', F_IGNORE, NULL, 0 },
		{ "multi-image-archive", 'm', F_IGNORE, NULL, 0 },
		{ "compress", 0, F_IGNORE, NULL, 0 },
		{ "uncompressed", 0, F_IGNORE, NULL, 0 },
		{ NULL, 0, F_IGNORE, NULL, 0 },
	}, save_usage, &images);
	if (rc < 0)
		return 0;
	if (rc == 0) {
		if (!strcmp(format, "docker-archive"))
			fmt = CK_ARCHIVE_DOCKER;
		else if (!strcmp(format, "oci-archive"))
			fmt = CK_ARCHIVE_OCI;
		else if (!strcmp(format, "oci-dir"))
			fmt = CK_ARCHIVE_OCI_DIR;
		else if (!strcmp(format, "docker-dir"))
			rc = die("format docker-dir is not supported: use oci-dir, oci-archive or docker-archive");
		else
			rc = die("unknown format \"%s\": use oci-archive, oci-dir or docker-archive", format);
	}
	if (rc == 0 && images.n == 0)
		rc = die_args(save_usage, "an image is required");
	if (rc == 0 && !output) {
		if (fmt == CK_ARCHIVE_OCI_DIR)
			rc = die("--format oci-dir needs an output directory: use -o DIR");
		else if (isatty(STDOUT_FILENO))
			rc = die("refusing to save to terminal. Use -o flag or redirect");
	}
	if (rc == 0 && !app_context(app))
		rc = EXIT_CK;
	if (rc == 0 && output && ck_image_save(app->ctx, output, fmt, images.v) < 0)
		rc = die_ck();
	else if (rc == 0 && !output)
		rc = save_to_stdout(app->ctx, fmt, images.v);
	strv_clear(&images);
	return rc;
}

/* Helpers shared by the archive tests (test_archive_util.h). */
#define _GNU_SOURCE
#include "test_archive_util.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

char *at(const char *dir, const char *rel)
{
	char *p = NULL;
	if (asprintf(&p, "%s/%s", dir, rel) < 0)
		abort();
	return p;
}

ck_context *open_ctx(const char *root)
{
	return open_ctx_backend(root, NULL);
}

ck_context *open_ctx_backend(const char *root, const char *backend)
{
	ck_context_options o = CK_CONTEXT_OPTIONS_INIT;
	ck_context *ctx = NULL;
	char *store = at(root, "store"), *run = at(root, "run");

	o.root = store;
	o.runroot = run;
	o.db_backend = backend;
	o.flags = CK_CONTEXT_NO_ENV | CK_CONTEXT_NO_CONFIG;
	if (ck_context_open(&ctx, &o) != 0) {
		fprintf(stderr, "cannot open a context on %s: %s\n", root, ck_error_last()->message);
		abort();
	}
	free(store);
	free(run);
	return ctx;
}

/* Runs a shell command; returns its exit status. */
int sh(const char *fmt, ...)
{
	char *cmd = NULL;
	va_list ap;
	int st;

	va_start(ap, fmt);
	if (vasprintf(&cmd, fmt, ap) < 0)
		abort();
	va_end(ap);
	st = system(cmd);
	if (st != 0)
		fprintf(stderr, "  command failed (%d): %s\n", st, cmd);
	free(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

/* tests/fixtures/mkimage.py OUT ARGS. */
void mk(const char *out, const char *args)
{
	const char *src = getenv("CK_SOURCE_DIR");
	CK_CHECK(sh("python3 '%s/tests/fixtures/mkimage.py' '%s' %s", src ? src : ".", out, args) == 0);
}

size_t count_images(ck_context *ctx)
{
	ck_image **v = NULL;
	size_t n = 0;
	if (ck_image_list(&v, &n, ctx, CK_IMAGE_LIST_ALL, NULL) != 0) {
		fprintf(stderr, "  ck_image_list: %s\n", ck_error_last()->message);
		return (size_t)-1;
	}
	ck_image_list_free(v, n);
	return n;
}

/* The id of image `ref`, or NULL. */
char *image_id(ck_context *ctx, const char *ref)
{
	ck_image *img = NULL;
	char *id = NULL;
	if (ck_image_lookup(&img, ctx, ref) == 0)
		id = strdup(ck_image_id(img));
	ck_image_free(img);
	return id;
}

size_t count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t n = 0;

	if (!d)
		return 0;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

/* Nothing is left in images/tmp and no blob is stored. */
bool store_empty(const char *root)
{
	char *tmp = at(root, "store/images/tmp"), *blobs = at(root, "store/images/blobs/sha256");
	bool ok = count_entries(tmp) == 0 && count_entries(blobs) == 0;
	if (!ok)
		sh("ls -la '%s' '%s' >&2", tmp, blobs);
	free(tmp);
	free(blobs);
	return ok;
}

char last_msg[2048];

/* Loads `path` into ctx; checks it fails with `code` and a message that
 * contains `needle`, and that nothing was stored. */
void expect_load_fails(ck_context *ctx, const char *root, const char *path, int code, const char *needle)
{
	char **names = NULL;
	CK_CHECK_RC(ck_image_load(&names, ctx, path, NULL, NULL), code);
	snprintf(last_msg, sizeof(last_msg), "%s", ck_error_last()->message);
	CK_CHECK(names == NULL);
	CK_CHECK_CONTAINS(last_msg, needle);
	CK_CHECK(count_images(ctx) == 0);
	CK_CHECK(store_empty(root));
}

static void put_entry(struct archive *w, const tent *t)
{
	struct archive_entry *e = archive_entry_new();
	size_t len = t->data ? strlen(t->data) : 0;

	archive_entry_set_pathname(e, t->name);
	archive_entry_set_mtime(e, 0, 0);
	switch (t->type) {
	case 'd': archive_entry_set_filetype(e, AE_IFDIR); archive_entry_set_perm(e, 0755); break;
	case 's': archive_entry_set_filetype(e, AE_IFLNK); archive_entry_set_symlink(e, t->link);
		archive_entry_set_perm(e, 0777); break;
	case 'h': archive_entry_set_filetype(e, AE_IFREG); archive_entry_set_hardlink(e, t->link); break;
	case 'c': archive_entry_set_filetype(e, AE_IFCHR); archive_entry_set_rdev(e, 0); break;
	default: archive_entry_set_filetype(e, AE_IFREG); archive_entry_set_perm(e, 0644);
		archive_entry_set_size(e, (la_int64_t)len);
	}
	if (archive_write_header(w, e) != ARCHIVE_OK)
		fprintf(stderr, "  write_header %s: %s\n", t->name, archive_error_string(w));
	if (t->type == 'f' && len)
		archive_write_data(w, t->data, len);
	archive_entry_free(e);
}

/* Copies the tar `in` to `out`, replacing the content of entry `name` by
 * `content` (NULL: dropping the entry), then appending `extra`. */
void tar_edit(const char *in, const char *out, const char *name, const char *content, const tent *extra,
                     size_t n_extra)
{
	struct archive *r = archive_read_new(), *w = archive_write_new();
	struct archive_entry *e;
	char buf[65536];

	archive_read_support_filter_all(r);
	archive_read_support_format_tar(r);
	archive_write_set_format_pax_restricted(w);
	if (archive_read_open_filename(r, in, 65536) != ARCHIVE_OK || archive_write_open_filename(w, out) != ARCHIVE_OK)
		abort();
	while (archive_read_next_header(r, &e) == ARCHIVE_OK) {
		bool match = name && !strcmp(archive_entry_pathname(e), name);
		if (match && !content)
			continue;
		if (match) {
			tent t = { name, 'f', content, NULL };
			put_entry(w, &t);
			continue;
		}
		archive_write_header(w, e);
		la_ssize_t got;
		while ((got = archive_read_data(r, buf, sizeof(buf))) > 0)
			archive_write_data(w, buf, (size_t)got);
	}
	for (size_t i = 0; i < n_extra; i++)
		put_entry(w, &extra[i]);
	archive_write_close(w);
	archive_write_free(w);
	archive_read_free(r);
}

/* A regular file's content (NULL-terminated), or NULL. */
char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *data = NULL;
	size_t len = 0;

	if (!f)
		return NULL;
	FILE *m = open_memstream(&data, &len);
	int c;
	while ((c = fgetc(f)) != EOF)
		fputc(c, m);
	fclose(m);
	fclose(f);
	return data;
}

/* The sha256:HEX config digest mkimage reports (--print-id). */
char *mk_id(const char *out, const char *args)
{
	const char *src = getenv("CK_SOURCE_DIR");
	char *cmd = NULL, line[128] = "";
	FILE *p;

	if (asprintf(&cmd, "python3 '%s/tests/fixtures/mkimage.py' '%s' %s --print-id", src ? src : ".", out, args) < 0)
		abort();
	p = popen(cmd, "r");
	if (!p || !fgets(line, sizeof(line), p))
		line[0] = '\0';
	if (p)
		CK_CHECK(pclose(p) == 0);
	free(cmd);
	line[strcspn(line, "\n")] = '\0';
	return strncmp(line, "sha256:", 7) ? NULL : strdup(line + 7);
}

size_t count_prefix(const char *dir, const char *prefix)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t n = 0;

	if (!d)
		return 0;
	while ((e = readdir(d)))
		if (!strncmp(e->d_name, prefix, strlen(prefix)))
			n++;
	closedir(d);
	return n;
}

void first_line(char *buf, size_t size, const char *fmt, ...)
{
	char *cmd = NULL;
	va_list ap;
	FILE *p;

	va_start(ap, fmt);
	if (vasprintf(&cmd, fmt, ap) < 0)
		abort();
	va_end(ap);
	buf[0] = '\0';
	if ((p = popen(cmd, "r")) != NULL) {
		if (!fgets(buf, (int)size, p))
			buf[0] = '\0';
		pclose(p);
	}
	buf[strcspn(buf, "\n")] = '\0';
	free(cmd);
}

void oci_spoil(const char *dir, int entry, const char *how)
{
	const char *src = getenv("CK_SOURCE_DIR");
	CK_CHECK(sh("python3 '%s/tests/archive/test_archive_spoil.py' '%s' %d %s", src ? src : ".", dir, entry,
	            how) == 0);
}

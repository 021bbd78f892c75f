/* Implementation of the layer test helpers (test_layer_util.h). */
#define _GNU_SOURCE
#include "test_layer_util.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <grp.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

ck_context *tl_open(const char *root)
{
	ck_context_options o = CK_CONTEXT_OPTIONS_INIT;
	ck_context *ctx = NULL;
	char run[4096];

	snprintf(run, sizeof(run), "%s/run", root);
	o.root = root;
	o.runroot = run;
	o.flags = CK_CONTEXT_NO_ENV | CK_CONTEXT_NO_CONFIG;
	if (ck_context_open(&ctx, &o) != 0) {
		fprintf(stderr, "cannot open context on %s: %s\n", root, ck_error_last()->message);
		abort();
	}
	return ctx;
}

struct mem {
	char *data;
	size_t len, cap;
};

static la_ssize_t mem_write(struct archive *a, void *p, const void *buf, size_t n)
{
	struct mem *m = p;
	if (m->len + n > m->cap) {
		m->cap = (m->len + n) * 2 + 4096;
		m->data = realloc(m->data, m->cap);
		if (!m->data)
			abort();
	}
	memcpy(m->data + m->len, buf, n);
	m->len += n;
	return (la_ssize_t)n;
}

static void check_ar(struct archive *a, int r)
{
	if (r < ARCHIVE_WARN) {
		fprintf(stderr, "libarchive: %s\n", archive_error_string(a));
		abort();
	}
}

char *tl_tar(size_t *len, const tl_ent *ents, size_t n)
{
	struct archive *a = archive_write_new();
	struct mem m = { 0 };

	check_ar(a, archive_write_set_format_pax_restricted(a));
	check_ar(a, archive_write_set_bytes_in_last_block(a, 1));
	check_ar(a, archive_write_open(a, &m, NULL, mem_write, NULL));
	for (size_t i = 0; i < n; i++) {
		const tl_ent *t = &ents[i];
		struct archive_entry *e = archive_entry_new();
		char type = t->type ? t->type : 'f';
		unsigned zero = t->mode == TL_MODE0;
		size_t size = 0;
		char *gen = NULL;

		archive_entry_set_pathname(e, t->path);
		archive_entry_set_uid(e, t->uid);
		archive_entry_set_gid(e, t->gid);
		archive_entry_set_mtime(e, t->mtime ? t->mtime : 1600000000, 0);
		switch (type) {
		case 'd':
			archive_entry_set_filetype(e, AE_IFDIR);
			archive_entry_set_perm(e, t->mode ? t->mode : 0755);
			break;
		case 'l':
			archive_entry_set_filetype(e, AE_IFLNK);
			archive_entry_set_perm(e, 0777);
			archive_entry_set_symlink(e, t->target);
			break;
		case 'h':
			archive_entry_set_filetype(e, AE_IFREG);
			archive_entry_set_perm(e, t->mode ? t->mode : 0644);
			archive_entry_set_hardlink(e, t->target);
			archive_entry_set_size(e, 0);
			break;
		case 'c':
		case 'b':
			archive_entry_set_filetype(e, type == 'c' ? AE_IFCHR : AE_IFBLK);
			archive_entry_set_perm(e, t->mode ? t->mode : 0666);
			archive_entry_set_rdev(e, makedev(t->major, t->minor));
			break;
		case 'p':
			archive_entry_set_filetype(e, AE_IFIFO);
			archive_entry_set_perm(e, t->mode ? t->mode : 0644);
			break;
		default:
			archive_entry_set_filetype(e, AE_IFREG);
			archive_entry_set_perm(e, t->mode ? t->mode : 0644);
			if (t->size) {
				size = t->size;
				gen = malloc(size);
				for (size_t k = 0; k < size; k++)
					gen[k] = (char)(k * 7 + k / 4096);
			} else {
				size = t->data ? strlen(t->data) : 0;
			}
			archive_entry_set_size(e, (la_int64_t)size);
		}
		if (t->xattr)
			archive_entry_xattr_add_entry(e, t->xattr, t->xattr_value, strlen(t->xattr_value));
		if (zero)
			archive_entry_set_perm(e, 0);
		check_ar(a, archive_write_header(a, e));
		if (size)
			check_ar(a, (int)archive_write_data(a, gen ? gen : t->data, size) < 0 ? ARCHIVE_FATAL : 0);
		free(gen);
		archive_entry_free(e);
	}
	check_ar(a, archive_write_close(a));
	archive_write_free(a);
	*len = m.len;
	return m.data;
}

char *tl_compress(size_t *out_len, const char *data, size_t len, const char *filter)
{
	struct archive *a;
	struct archive_entry *e;
	struct mem m = { 0 };

	if (!strcmp(filter, "none")) {
		char *copy = malloc(len ? len : 1);
		memcpy(copy, data, len);
		*out_len = len;
		return copy;
	}
	a = archive_write_new();
	check_ar(a, archive_write_set_format_raw(a));
	check_ar(a, archive_write_add_filter_by_name(a, filter));
	check_ar(a, archive_write_set_bytes_in_last_block(a, 1));
	check_ar(a, archive_write_open(a, &m, NULL, mem_write, NULL));
	e = archive_entry_new();
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_pathname(e, "layer");
	archive_entry_set_size(e, (la_int64_t)len);
	check_ar(a, archive_write_header(a, e));
	if (len && archive_write_data(a, data, len) < 0)
		check_ar(a, ARCHIVE_FATAL);
	check_ar(a, archive_write_close(a));
	archive_write_free(a);
	archive_entry_free(e);
	*out_len = m.len;
	return m.data;
}

void tl_digest(char out[72], const void *data, size_t len)
{
	char hex[65];
	ck__sha256_hex(hex, data, len);
	snprintf(out, 72, "sha256:%s", hex);
}

char *tl_put(ck_context *ctx, const void *data, size_t len)
{
	char *d = NULL;
	if (ck__blob_put(&d, ctx, data, len, NULL) != 0) {
		fprintf(stderr, "blob put failed: %s\n", ck_error_last()->message);
		abort();
	}
	return d;
}

char *tl_layer(ck_context *ctx, const tl_ent *ents, size_t n, const char *filter)
{
	size_t tlen, clen;
	char *tar = tl_tar(&tlen, ents, n), *comp = tl_compress(&clen, tar, tlen, filter);
	char *blob = tl_put(ctx, comp, clen), *diff = NULL, want[72];

	tl_digest(want, tar, tlen);
	if (ck__layer_unpack(&diff, ctx, blob, want, NULL, NULL, NULL) != 0)
		diff = NULL;
	free(tar);
	free(comp);
	free(blob);
	return diff;
}

int tl_count(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	while (d && (de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	if (d)
		closedir(d);
	return n;
}

int tl_store_clean(ck_context *ctx)
{
	char *tmp = ck__store_path(ctx, "tmp"), *layers = ck__store_path(ctx, "layers");
	int n = tl_count(tmp) + tl_count(layers);

	if (n)
		fprintf(stderr, "  left behind: %d entries in %s and %s\n", n, tmp, layers);
	free(tmp);
	free(layers);
	return n == 0;
}

const char *tl_read(const char *path)
{
	static char buf[4][8192];
	static int k;
	char *b = buf[k++ % 4];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, b, sizeof(buf[0]) - 1) : -1;

	b[n > 0 ? n : 0] = '\0';
	if (fd >= 0)
		close(fd);
	return b;
}

const char *tl_at(const char *dir, const char *rel)
{
	static char buf[8][4096];
	static int k;
	char *b = buf[k++ % 8];
	snprintf(b, sizeof(buf[0]), "%s/%s", dir, rel);
	return b;
}

static void chown_tree(const char *path)
{
	char cmd[4200];
	snprintf(cmd, sizeof(cmd), "chown -R 65534:65534 '%s'", path);
	if (system(cmd) != 0)
		fprintf(stderr, "  cannot hand %s to nobody\n", path);
}

int tl_as_nobody(const char *root, void (*fn)(const char *root))
{
	pid_t pid;
	int st = 0;

	if (geteuid() != 0) {
		fprintf(stderr, "  SKIP: needs root to switch to user nobody\n");
		return 77;
	}
	chown_tree(root);
	pid = fork();
	if (pid == 0) {
		if (setgroups(0, NULL) < 0 || setgid(65534) < 0 || setuid(65534) < 0) {
			perror("  cannot become nobody");
			_exit(1);
		}
		if (access(root, R_OK | W_OK | X_OK) < 0) {
			fprintf(stderr, "  SKIP: user nobody cannot reach %s (a parent directory is not "
			                "searchable)\n", root);
			_exit(77);
		}
		fn(root);
		_exit(ck_test_failed_checks ? 1 : 0);
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return 1;
	return WEXITSTATUS(st);
}

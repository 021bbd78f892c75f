/* What a container changed in its root filesystem (podman diff): its
 * overlay upper directory, read against the image's layers. */
#define _GNU_SOURCE
#include "rootfs_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

typedef struct walk {
	ck__change *v;
	size_t n, cap;
	char **lowers;
	size_t n_lowers;
} walk;

static int add(walk *w, char kind, const char *path)
{
	if (w->n == w->cap) {
		ck__change *nv = realloc(w->v, (w->cap = w->cap ? w->cap * 2 : 32) * sizeof(*nv));
		if (!nv)
			return ck__oom();
		w->v = nv;
	}
	if (!(w->v[w->n].path = ck__strdup(path)))
		return ck__oom();
	w->v[w->n++].kind = kind;
	return CK_OK;
}

/* Whether the image has `path` (a lower layer has it; a whiteout in a
 * higher layer is not looked at: the path then reads as changed, not added). */
static bool in_image(const walk *w, const char *path)
{
	struct stat st;
	for (size_t i = 0; i < w->n_lowers; i++) {
		char *p = ck__asprintf("%s%s", w->lowers[i], path);
		bool has = p && lstat(p, &st) == 0;
		free(p);
		if (has)
			return true;
	}
	return false;
}

static int scan(walk *w, const char *dir, const char *shown, int depth)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int rc = CK_OK;

	if (!d)
		return ck__error_errno(CK_EIO, "cannot read %s", dir);
	if (depth > 256) {
		closedir(d);
		return ck__error_set(CK_EINVAL, "%s: directories nested too deep", shown);
	}
	while (rc == CK_OK && (de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		char *host = ck__path_join(dir, de->d_name);
		char *path = ck__asprintf("%s/%s", *shown ? shown : "", de->d_name);
		struct stat st;
		if (!host || !path)
			rc = ck__oom();
		else if (lstat(host, &st) < 0)
			rc = errno == ENOENT ? CK_OK : ck__error_errno(CK_EIO, "cannot stat %s", host);
		else if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0))
			rc = add(w, 'D', path); /* an overlay whiteout */
		else if ((rc = add(w, in_image(w, path) ? 'C' : 'A', path)) == CK_OK && S_ISDIR(st.st_mode))
			rc = scan(w, host, path, depth + 1);
		free(host);
		free(path);
	}
	closedir(d);
	return rc;
}

static int by_path(const void *a, const void *b)
{
	return strcmp(((const ck__change *)a)->path, ((const ck__change *)b)->path);
}

int ck__rootfs_upper(char **out, ck_context *ctx, const char *id)
{
	ck_rootfs *r = NULL;
	int rc;

	*out = NULL;
	if ((rc = ck_rootfs_lookup(&r, ctx, id)) != CK_OK)
		return rc;
	if (!r->overlay)
		rc = ck__error_set(CK_EUNSUPPORTED, "root filesystem \"%s\" is a copy of its image (vfs), "
		                                    "not an overlay: it has no record of its changes", id);
	else if (!(*out = ck__path_join(r->dir, "upper")))
		rc = ck__oom();
	ck_rootfs_free(r);
	return rc;
}

int ck__rootfs_changes(ck__change **out, size_t *n, ck_context *ctx, const char *id)
{
	walk w = { 0 };
	char *upper = NULL, *image = NULL;
	ck_rootfs *r = NULL;
	int rc;

	*out = NULL;
	*n = 0;
	rc = ck__rootfs_upper(&upper, ctx, id);
	if (rc == CK_ENOTFOUND) { /* never prepared: nothing changed */
		ck__error_clear();
		return CK_OK;
	}
	if (rc == CK_OK && (rc = ck_rootfs_lookup(&r, ctx, id)) == CK_OK &&
	    (rc = ck__layer_dirs(&w.lowers, &w.n_lowers, ctx, r->image, NULL)) == CK_OK)
		rc = scan(&w, upper, "", 0);
	if (rc == CK_OK && w.n)
		qsort(w.v, w.n, sizeof(*w.v), by_path);
	if (rc == CK_OK) {
		*out = w.v;
		*n = w.n;
	} else {
		ck__changes_free(w.v, w.n);
	}
	ck__layer_dirs_free(w.lowers, w.n_lowers);
	ck_rootfs_free(r);
	free(upper);
	free(image);
	return rc;
}

void ck__changes_free(ck__change *c, size_t n)
{
	for (size_t i = 0; c && i < n; i++)
		free(c[i].path);
	free(c);
}

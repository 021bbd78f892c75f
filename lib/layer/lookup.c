/* Reading a file of an image without mounting it.  The layer directories
 * are searched from the top down as overlay would merge them: the topmost
 * layer that has the path wins, and a whiteout, or an opaque directory
 * that lacks the rest of the path, ends the search.  Symbolic links are
 * followed inside the image (never out of it), up to 40 of them.  This is
 * what `create` needs of an image (/etc/passwd, /etc/group) before any
 * root filesystem exists. */
#define _GNU_SOURCE
#include "image/image.h"
#include "layer_int.h"
#include "state/state.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_LINKS 40

struct image_args {
	const char *id;
	char *record;
};

static int record_fn(ck_state_txn *txn, void *payload)
{
	struct image_args *a = payload;
	free(a->record);
	a->record = NULL;
	return ck__rec_get(&a->record, NULL, txn, CK__KIND_IMAGE, a->id);
}

int ck__layer_dirs(char ***out, size_t *n, ck_context *ctx, const char *image_id, const char *record)
{
	struct image_args a = { image_id, NULL };
	yajl_val tree = NULL, layers;
	char **dirs = NULL;
	size_t count;
	int rc = CK_OK;

	*out = NULL;
	*n = 0;
	if (!record) {
		if ((rc = ck__state_read(ctx, record_fn, &a)) != CK_OK) {
			free(a.record);
			return rc == CK_ENOTFOUND ? ck__error_set(rc, "no image with id %s", image_id) : rc;
		}
		record = a.record;
	}
	if ((rc = ck__json_parse(&tree, record, "image record", CK_ECORRUPT)) != CK_OK) {
		free(a.record);
		return ck__error_wrap(rc, "image %.12s", image_id);
	}
	free(a.record);
	if (!(layers = ck__json_arr(tree, "layers"))) {
		yajl_tree_free(tree);
		return ck__error_set(CK_ECORRUPT, "image %.12s: its record has no \"layers\" array", image_id);
	}
	count = layers->u.array.len;
	if (!(dirs = calloc(count + 1, sizeof(*dirs)))) {
		yajl_tree_free(tree);
		return ck__oom();
	}
	for (size_t i = 0; i < count && rc == CK_OK; i++) {
		const char *diff = ck__json_str(layers->u.array.values[i], "diff_id");
		char *p = diff ? ck__layer_path(ctx, diff) : NULL;
		if (!p) {
			rc = ck__error_set(CK_ECORRUPT, "image %.12s: layer %zu has no valid \"diff_id\"", image_id, i);
		} else if (!ck__is_dir(p)) {
			rc = ck__error_set(CK_ECORRUPT, "image %.12s: layer %s is not unpacked (%s is missing); pull or "
			                                "load the image again", image_id, diff, p);
			free(p);
		} else {
			dirs[count - 1 - i] = p;
		}
	}
	yajl_tree_free(tree);
	if (rc != CK_OK) {
		ck__layer_dirs_free(dirs, count);
		return rc;
	}
	*out = dirs;
	*n = count;
	return CK_OK;
}

void ck__layer_dirs_free(char **dirs, size_t n)
{
	for (size_t i = 0; dirs && i < n; i++)
		free(dirs[i]);
	free(dirs);
}

enum found { F_MISSING, F_FILE, F_DIR, F_LINK };

struct hit {
	enum found what;
	size_t layer;  /* where it was found */
	size_t prefix; /* F_LINK: the length of the path up to and with the link */
};

/* What the merged view has at `path` (relative, normalised), in which
 * layer.  The topmost entry at a prefix decides for every layer below,
 * except that a directory continues in lower layers unless opaque. */
static int find(struct hit *h, char **dirs, size_t n, const char *path, bool rootless)
{
	h->what = F_MISSING;
	for (size_t l = 0; l < n; l++) {
		int fd = open(dirs[l], O_PATH | O_DIRECTORY | O_CLOEXEC);
		const char *p = path;
		bool stop = false;

		if (fd < 0)
			return ck__error_errno(CK_EIO, "cannot open layer %s", dirs[l]);
		while (*p) {
			const char *slash = strchr(p, '/');
			size_t len = slash ? (size_t)(slash - p) : strlen(p);
			char name[NAME_MAX + 1];
			struct stat st;

			snprintf(name, sizeof(name), "%.*s", (int)len, p);
			if (fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
				/* Not in this layer: lower ones count unless this directory
				 * is opaque (the layer root never is). */
				stop = p != path && ck__is_opaque(fd, ".", rootless);
				break;
			}
			if (ck__is_whiteout(fd, name, &st, rootless)) {
				stop = true;
				break;
			}
			if (S_ISLNK(st.st_mode)) {
				*h = (struct hit){ F_LINK, l, (size_t)(p + len - path) };
				stop = true;
				break;
			}
			if (!S_ISDIR(st.st_mode) || !slash) {
				/* a file where a directory should be is nothing */
				h->what = S_ISDIR(st.st_mode) ? F_DIR : slash ? F_MISSING : F_FILE;
				h->layer = l;
				stop = true;
				break;
			}
			int sub = openat(fd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			close(fd);
			if ((fd = sub) < 0)
				return ck__error_errno(CK_EIO, "cannot open %s in layer %s", path, dirs[l]);
			p = slash + 1;
		}
		close(fd);
		if (stop)
			break;
	}
	return CK_OK;
}

/* "a/./b/../c" relative to the image root, as the kernel would resolve
 * names inside a chroot: ".." never climbs above the root. */
static void normalise(char *out, size_t size, const char *in)
{
	size_t len = 0;
	out[0] = '\0';
	while (*in) {
		while (*in == '/')
			in++;
		const char *end = strchrnul(in, '/');
		size_t n = (size_t)(end - in);
		if (n == 0)
			break;
		if (n == 1 && in[0] == '.') {
			/* nothing */
		} else if (n == 2 && in[0] == '.' && in[1] == '.') {
			char *cut = len ? memrchr(out, '/', len) : NULL;
			len = cut ? (size_t)(cut - out) : 0;
			out[len] = '\0';
		} else if (len + n + 2 < size) {
			len += (size_t)snprintf(out + len, size - len, "%s%.*s", len ? "/" : "", (int)n, in);
		}
		in = end;
	}
}

int ck__layer_read_file(char **out, size_t *out_len, char **dirs, size_t n, const char *file, size_t max,
                        bool rootless)
{
	char path[PATH_MAX], next[PATH_MAX * 2];
	int rc;

	*out = NULL;
	if (out_len)
		*out_len = 0;
	normalise(path, sizeof(path), file);
	for (int hops = 0;; hops++) {
		struct hit h;
		if (!*path)
			return ck__error_set(CK_EINVAL, "%s names the root directory, not a file", file);
		if ((rc = find(&h, dirs, n, path, rootless)) != CK_OK)
			return rc;
		if (h.what == F_MISSING)
			return ck__error_set(CK_ENOTFOUND, "%s does not exist in the image", file);
		if (h.what == F_DIR)
			return ck__error_set(CK_EINVAL, "%s is a directory in the image", file);
		size_t l = h.layer, prefix = h.prefix;
		if (h.what == F_FILE) {
			char *full = ck__path_join(dirs[l], path);
			rc = full ? ck__read_file(out, out_len, full, max) : ck__oom();
			free(full);
			return rc;
		}
		if (hops == MAX_LINKS)
			return ck__error_set(CK_EINVAL, "%s: too many levels of symbolic links in the image", file);
		char link_at[PATH_MAX], target[PATH_MAX];
		snprintf(link_at, sizeof(link_at), "%s/%.*s", dirs[l], (int)prefix, path);
		ssize_t tl = readlink(link_at, target, sizeof(target) - 1);
		if (tl < 0)
			return ck__error_errno(CK_EIO, "cannot read the symbolic link %s", link_at);
		target[tl] = '\0';
		/* The link's own directory, then its target, then what follows it. */
		const char *rest = path + prefix;
		char *cut = memrchr(path, '/', prefix);
		size_t dir_len = cut ? (size_t)(cut - path) : 0;
		if (target[0] == '/')
			snprintf(next, sizeof(next), "%s%s", target, rest);
		else
			snprintf(next, sizeof(next), "%.*s/%s%s", (int)dir_len, path, target, rest);
		normalise(path, sizeof(path), next);
	}
}

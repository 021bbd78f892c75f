/* The copy fallback of a root filesystem: layer directories merged into one
 * tree, base first, applying each layer's whiteouts and opaque directories
 * to what lies below, so that the result looks as the overlay mount would. */
#define _GNU_SOURCE
#include "layer_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

struct link_seen {
	dev_t dev;
	ino_t ino;
	char *rel; /* where the first copy went, relative to the destination */
};

struct copy {
	bool rootless;
	bool shifted;       /* rootless, in the store's user namespace: owners are set */
	const char *layer;  /* the layer being copied, for messages */
	int dest_root;
	struct link_seen *links;
	size_t n_links, cap_links;
	char rel[PATH_MAX]; /* current path relative to both roots */
	char *buf;          /* data, then xattr names and values (copy_xattrs) */
};

#define DATA_BUF (1 << 20)
#define XATTR_LIST (64 << 10)
#define XATTR_VALUE (64 << 10)

static int copy_err(struct copy *c, const char *name, const char *doing)
{
	return ck__error_errno(ck__errno_code(errno) == CK_ENOMEM ? CK_ENOMEM : CK_EIO,
	                       "copying layer %s: \"%s%s%s\": %s", c->layer, c->rel, *c->rel ? "/" : "", name,
	                       doing);
}

/* Copies xattrs other than the overlay's own (whiteouts and opaque marks
 * are applied, not copied).  `fd` < 0: by path (symlinks, devices). */
static int copy_xattrs(struct copy *c, int sfd, const char *spath, int dfd, const char *dpath, const char *name)
{
	char *list = c->buf + DATA_BUF, *val = list + XATTR_LIST;
	ssize_t n = sfd >= 0 ? flistxattr(sfd, list, XATTR_LIST) : llistxattr(spath, list, XATTR_LIST);

	if (n < 0)
		return (errno == ENOTSUP || errno == EPERM) ? CK_OK : copy_err(c, name, "cannot list xattrs");
	for (char *k = list; k < list + n; k += strlen(k) + 1) {
		if (ck__str_has_prefix(k, "trusted.overlay.") || ck__str_has_prefix(k, "user.overlay."))
			continue;
		ssize_t v = sfd >= 0 ? fgetxattr(sfd, k, val, XATTR_VALUE) : lgetxattr(spath, k, val, XATTR_VALUE);
		if (v < 0)
			continue;
		int r = dfd >= 0 ? fsetxattr(dfd, k, val, (size_t)v, 0) : lsetxattr(dpath, k, val, (size_t)v, 0);
		if (r < 0 && !(errno == EPERM && (c->rootless || dfd < 0)) && errno != ENOTSUP)
			return copy_err(c, name, "cannot set an xattr");
	}
	return CK_OK;
}

static int copy_data(struct copy *c, int sfd, int dfd, const char *name)
{
	for (;;) {
		ssize_t n = copy_file_range(sfd, NULL, dfd, NULL, 1 << 30, 0);
		if (n == 0)
			return CK_OK;
		if (n > 0)
			continue;
		if (errno == EINTR)
			continue;
		if (errno != EXDEV && errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP)
			return copy_err(c, name, "cannot copy the data");
		break;
	}
	for (;;) {
		ssize_t n = read(sfd, c->buf, DATA_BUF);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return copy_err(c, name, "cannot read the data");
		if (n == 0)
			return CK_OK;
		for (ssize_t off = 0; off < n;) {
			ssize_t w = write(dfd, c->buf + off, (size_t)(n - off));
			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0)
				return copy_err(c, name, "cannot write the data");
			off += w;
		}
	}
}

/* Owner, mode and times of `name` in dfd, copied from `st`. */
static int copy_meta(struct copy *c, int dfd, const char *name, const struct stat *st, int fd)
{
	struct timespec ts[2] = { st->st_atim, st->st_mtim };

	if ((!c->rootless || c->shifted) &&
	    (fd >= 0 ? fchown(fd, st->st_uid, st->st_gid) : fchownat(dfd, name, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW)) < 0)
		return copy_err(c, name, "cannot set the owner");
	if (!S_ISLNK(st->st_mode) &&
	    (fd >= 0 ? fchmod(fd, st->st_mode & 07777) : fchmodat(dfd, name, st->st_mode & 07777, 0)) < 0)
		return copy_err(c, name, "cannot set the mode");
	if ((fd >= 0 ? futimens(fd, ts) : utimensat(dfd, name, ts, AT_SYMLINK_NOFOLLOW)) < 0)
		return copy_err(c, name, "cannot set the times");
	return CK_OK;
}

/* NULL when it does not fit. */
static const char *child_rel(struct copy *c, const char *name, char *out, size_t size)
{
	int n = snprintf(out, size, "%s%s%s", c->rel, *c->rel ? "/" : "", name);
	return n >= 0 && (size_t)n < size ? out : NULL;
}

/* A hardlinked file copied earlier in this layer is linked, not copied. */
static int try_link(struct copy *c, const struct stat *st, int dfd, const char *name, bool *done)
{
	char rel[PATH_MAX];

	*done = false;
	if (st->st_nlink < 2)
		return CK_OK;
	for (size_t i = 0; i < c->n_links; i++) {
		if (c->links[i].dev == st->st_dev && c->links[i].ino == st->st_ino) {
			if (linkat(c->dest_root, c->links[i].rel, dfd, name, 0) < 0)
				return copy_err(c, name, "cannot create a hard link");
			*done = true;
			return CK_OK;
		}
	}
	if (c->n_links == c->cap_links) {
		size_t cap = c->cap_links ? 2 * c->cap_links : 32;
		void *p = realloc(c->links, cap * sizeof(*c->links));
		if (!p)
			return ck__oom();
		c->links = p;
		c->cap_links = cap;
	}
	if (!child_rel(c, name, rel, sizeof(rel)))
		return ck__error_set(CK_EINVAL, "copying layer %s: path \"%s/%s\" is too long", c->layer, c->rel, name);
	char *r = ck__strdup(rel);
	if (!r)
		return ck__oom();
	c->links[c->n_links++] = (struct link_seen){ st->st_dev, st->st_ino, r };
	return CK_OK;
}

/* The last steps for a file or a directory copied through open descriptors
 * (after `rc`, its content): xattrs, then owner, mode and times, last so
 * that writing the content or the entries inside does not touch the times.
 * Closes both. */
static int finish_fds(struct copy *c, int s, int d, int dfd, const char *name, const struct stat *st, int rc)
{
	if (rc == CK_OK)
		rc = copy_xattrs(c, s, NULL, d, NULL, name);
	if (rc == CK_OK)
		rc = copy_meta(c, dfd, name, st, d);
	close(s);
	close(d);
	return rc;
}

static int copy_node(struct copy *c, int sfd_dir, int dfd, const char *name, const struct stat *st)
{
	char spath[PATH_MAX + 64], dpath[PATH_MAX + 64];
	bool linked;
	int rc;

	snprintf(spath, sizeof(spath), "/proc/self/fd/%d/%s", sfd_dir, name);
	snprintf(dpath, sizeof(dpath), "/proc/self/fd/%d/%s", dfd, name);
	if (S_ISREG(st->st_mode)) {
		if ((rc = try_link(c, st, dfd, name, &linked)) != CK_OK || linked)
			return rc;
		int s = openat(sfd_dir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (s < 0)
			return copy_err(c, name, "cannot open the file");
		int d = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (d < 0) {
			close(s);
			return copy_err(c, name, "cannot create the file");
		}
		return finish_fds(c, s, d, dfd, name, st, copy_data(c, s, d, name));
	}
	if (S_ISLNK(st->st_mode)) {
		char target[PATH_MAX + 1];
		ssize_t n = readlinkat(sfd_dir, name, target, sizeof(target) - 1);
		if (n < 0)
			return copy_err(c, name, "cannot read the symbolic link");
		target[n] = '\0';
		if (symlinkat(target, dfd, name) < 0)
			return copy_err(c, name, "cannot create the symbolic link");
	} else if (S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode) || S_ISFIFO(st->st_mode)) {
		if (mknodat(dfd, name, (st->st_mode & S_IFMT) | 0600, st->st_rdev) < 0)
			return copy_err(c, name, "cannot create the node");
	} else {
		return CK_OK; /* sockets */
	}
	if ((rc = copy_xattrs(c, -1, spath, -1, dpath, name)) != CK_OK)
		return rc;
	return copy_meta(c, dfd, name, st, -1);
}

static int merge_dir(struct copy *c, int sfd, int dfd);

static int merge_subdir(struct copy *c, int sfd, int dfd, const char *name, const struct stat *st)
{
	struct stat dst;
	size_t saved = strlen(c->rel);
	int rc, s, d;

	if (fstatat(dfd, name, &dst, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(dst.st_mode)) {
		/* An opaque directory hides everything below it. */
		if (ck__is_opaque(sfd, name, c->rootless)) {
			if ((rc = ck__rm_at(dfd, name, c->layer)) != CK_OK)
				return rc;
			if (mkdirat(dfd, name, 0700) < 0)
				return copy_err(c, name, "cannot create the directory");
		}
	} else {
		if ((rc = ck__rm_at(dfd, name, c->layer)) != CK_OK)
			return rc;
		if (mkdirat(dfd, name, 0700) < 0)
			return copy_err(c, name, "cannot create the directory");
	}
	s = openat(sfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (s < 0)
		return copy_err(c, name, "cannot open the directory");
	d = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (d < 0) {
		close(s);
		return copy_err(c, name, "cannot open the copy of the directory");
	}
	if (saved + 1 + strlen(name) >= sizeof(c->rel)) {
		close(s);
		close(d);
		return ck__error_set(CK_EINVAL, "copying layer %s: path \"%s/%s\" is too long", c->layer, c->rel, name);
	}
	snprintf(c->rel + saved, sizeof(c->rel) - saved, "%s%s", saved ? "/" : "", name);
	rc = merge_dir(c, s, d);
	c->rel[saved] = '\0';
	return finish_fds(c, s, d, dfd, name, st, rc);
}

static int merge_dir(struct copy *c, int sfd, int dfd)
{
	int fd = dup(sfd), rc = CK_OK;
	struct dirent *de;
	DIR *dir;

	if (fd < 0 || !(dir = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return copy_err(c, ".", "cannot read the directory");
	}
	while (rc == CK_OK && (de = readdir(dir))) {
		struct stat st;
		const char *name = de->d_name;

		if (!strcmp(name, ".") || !strcmp(name, ".."))
			continue;
		if (fstatat(sfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			rc = copy_err(c, name, "cannot stat it");
			break;
		}
		if (ck__is_whiteout(sfd, name, &st, c->rootless)) {
			rc = ck__rm_at(dfd, name, c->layer);
			continue;
		}
		if (S_ISDIR(st.st_mode)) {
			rc = merge_subdir(c, sfd, dfd, name, &st);
			continue;
		}
		if ((rc = ck__rm_at(dfd, name, c->layer)) == CK_OK)
			rc = copy_node(c, sfd, dfd, name, &st);
	}
	closedir(dir);
	return rc;
}

static void links_clear(struct copy *c)
{
	for (size_t i = 0; i < c->n_links; i++)
		free(c->links[i].rel);
	c->n_links = 0;
}

int ck__layer_copy_stack(const char *dest, char *const *layers, size_t n, bool rootless, bool shifted)
{
	struct copy c = { .rootless = rootless, .shifted = shifted, .dest_root = -1 };
	int rc = CK_OK;

	if (!(c.buf = malloc(DATA_BUF + XATTR_LIST + XATTR_VALUE)))
		return ck__oom();
	c.dest_root = open(dest, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (c.dest_root < 0) {
		rc = ck__error_errno(CK_EIO, "cannot open %s", dest);
		goto out;
	}
	for (size_t i = 0; i < n && rc == CK_OK; i++) {
		struct stat st;
		int sfd = open(layers[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

		c.layer = layers[i];
		c.rel[0] = '\0';
		if (sfd < 0) {
			rc = ck__error_errno(ck__errno_code(errno), "cannot open layer %s", layers[i]);
			break;
		}
		rc = merge_dir(&c, sfd, c.dest_root);
		/* The root takes the attributes of the topmost layer. */
		if (rc == CK_OK && fstat(sfd, &st) == 0)
			rc = copy_meta(&c, c.dest_root, ".", &st, c.dest_root);
		links_clear(&c);
		close(sfd);
	}
out:
	links_clear(&c);
	free(c.links);
	free(c.buf);
	if (c.dest_root >= 0)
		close(c.dest_root);
	return rc;
}

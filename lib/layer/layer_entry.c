/* Extracting one archive entry into a layer directory: every path is
 * resolved beneath the layer root (layer_path.c) and the final component is
 * created with *at() calls that never follow it.  Whiteouts become overlay
 * whiteouts; owners, modes, times and xattrs are kept (rootless: see
 * apply_owner_mode).  Directory modes and times are applied at the end,
 * children first, so that a read-only directory can still be filled. */
#define _GNU_SOURCE
#include "layer_int.h"

#include "layer/libarchive.h"
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

struct ck__deferred_dir {
	char *rel; /* "" for the root */
	size_t index, depth;
	mode_t mode;
	struct timespec times[2];
};

/* One entry being extracted, for the helpers and the messages. */
struct ent {
	ck__extract *x;
	struct archive_entry *e;
	const char *name; /* as in the archive */
	char *rel;        /* cleaned */
	const char *base; /* last component of rel */
	int pfd;          /* its parent directory (O_PATH) */
};

static int fail(struct ent *t, int code, const char *fmt, ...) CK_PRINTF(3, 4);
static int fail(struct ent *t, int code, const char *fmt, ...)
{
	char cause[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cause, sizeof(cause), fmt, ap);
	va_end(ap);
	return ck__error_set(code, "%s: entry \"%.300s\": %s", t->x->what, t->name, cause);
}

static int fail_errno(struct ent *t, const char *doing)
{
	int e = errno, code = ck__errno_code(e);

	if (code != CK_ENOMEM && code != CK_EUNSUPPORTED)
		code = CK_EIO;
	/* ck__error_sys appends strerror(e) and records e. */
	return ck__error_sys(code, e, "%s: entry \"%.300s\": %s", t->x->what, t->name, doing);
}

/* Explains a failed beneath-the-root resolution of `dir`. */
static int fail_resolve(struct ent *t, int neg_errno, const char *dir)
{
	switch (-neg_errno) {
	case EXDEV:
		return fail(t, CK_EINVAL, "directory \"%s\" resolves outside the layer through a symbolic link",
		            dir);
	case ELOOP:
		return fail(t, CK_EINVAL, "directory \"%s\" goes through a symbolic link, which is refused here",
		            dir);
	case ENOTDIR:
		return fail(t, CK_EINVAL, "\"%s\" is not a directory", dir);
	case ENOENT:
		return fail(t, CK_EINVAL, "directory \"%s\" does not exist in the layer", dir);
	default:
		errno = -neg_errno;
		return fail_errno(t, "cannot open its directory");
	}
}

/* Opens the parent of t->rel, making missing directories, and sets
 * t->base. */
static int open_parent(struct ent *t)
{
	char *slash = strrchr(t->rel, '/');
	int fd;

	if (!slash) {
		t->base = t->rel;
		fd = ck__beneath_open_dir(t->x->rootfd, "", false);
		if (fd < 0)
			return fail_resolve(t, fd, ".");
	} else {
		*slash = '\0';
		fd = ck__beneath_open_dir(t->x->rootfd, t->rel, true);
		if (fd < 0) {
			int rc = fail_resolve(t, fd, t->rel);
			*slash = '/';
			return rc;
		}
		*slash = '/';
		t->base = slash + 1;
	}
	t->pfd = fd;
	return CK_OK;
}

/* A descriptor for xattrs and modes on a name that may be a symlink or a
 * device: the /proc path of the parent plus the name, used with the l*
 * calls that do not follow the last component. */
static void proc_path(char *buf, size_t size, int pfd, const char *name)
{
	snprintf(buf, size, "/proc/self/fd/%d/%s", pfd, name);
}

static bool xattr_wanted(const ck__extract *x, const char *name)
{
	if (ck__xattr_reserved(name))
		return false;
	/* A rootless store can only hold user.* names; security.capability
	 * and SELinux labels mean nothing outside the user's namespace. */
	if (x->rootless)
		return ck__str_has_prefix(name, "user.");
	return true;
}

/* Sets the entry's xattrs, on `fd` when there is one, else by path. */
static int apply_xattrs(struct ent *t, int fd)
{
	const char *name;
	const void *value;
	size_t size;
	char path[PATH_MAX + 64];

	if (fd < 0)
		proc_path(path, sizeof(path), t->pfd, t->base);
	archive_entry_xattr_reset(t->e);
	while (archive_entry_xattr_next(t->e, &name, &value, &size) == ARCHIVE_OK) {
		if (!name || !xattr_wanted(t->x, name))
			continue;
		int r = fd >= 0 ? fsetxattr(fd, name, value, size, 0) : lsetxattr(path, name, value, size, 0);
		if (r == 0)
			continue;
		/* user.* is not allowed on symlinks and devices: nothing to keep. */
		if (fd < 0 && errno == EPERM && ck__str_has_prefix(name, "user."))
			continue;
		char doing[300];
		snprintf(doing, sizeof(doing), "cannot set xattr %.200s", name);
		return fail_errno(t, doing);
	}
	return CK_OK;
}

/* Owner and mode.  A rootful store keeps both as they are.  A shifted
 * rootless store runs in its user namespace, where the chown lands in the
 * user's subordinate ids; an owner outside the mapping is an error, as in
 * podman (the overflow id would hide it).  An unshifted rootless store
 * cannot chown and keeps the owner able to read and write (so the store
 * stays removable and copyable); the archive's owner and full mode are then
 * recorded in user.containers.override_stat as "UID:GID:0MODE", the
 * convention fuse-overlayfs reads, whenever they differ from what is on
 * disk.  Rootless stores strip set-id bits (disk_mode).  `mode` < 0: leave
 * the mode (deferred). */
static int apply_owner_mode(struct ent *t, int fd, mode_t type, int mode)
{
	uid_t uid = (uid_t)archive_entry_uid(t->e);
	gid_t gid = (gid_t)archive_entry_gid(t->e);
	mode_t perm = archive_entry_perm(t->e) & 07777;

	if (t->x->shifted && (uid >= t->x->uid_end || gid >= t->x->gid_end))
		return fail(t, CK_EINVAL, "owner %u:%u is outside the user namespace of this rootless store, which "
		                          "maps container ids 0-%u (uids) and 0-%u (gids): the user's own id and "
		                          "the ranges in /etc/subuid and /etc/subgid; give the user a larger range "
		                          "and run `ck system reset`", (unsigned)uid, (unsigned)gid,
		            (unsigned)(t->x->uid_end ? t->x->uid_end - 1 : 0),
		            (unsigned)(t->x->gid_end ? t->x->gid_end - 1 : 0));
	if (!t->x->rootless || t->x->shifted) {
		int r = fd >= 0 ? fchown(fd, uid, gid) : fchownat(t->pfd, t->base, uid, gid, AT_SYMLINK_NOFOLLOW);
		if (r < 0)
			return fail_errno(t, "cannot set the owner");
		/* After chown, which clears set-id bits. */
		if (mode >= 0 && type != S_IFLNK &&
		    (fd >= 0 ? fchmod(fd, (mode_t)mode) : fchmodat(t->pfd, t->base, (mode_t)mode, 0)) < 0)
			return fail_errno(t, "cannot set the mode");
		return CK_OK;
	}
	if (mode >= 0 && fd >= 0 && fchmod(fd, (mode_t)mode) < 0)
		return fail_errno(t, "cannot set the mode");
	mode_t disk = type == S_IFDIR ? ((perm & 0777) | 0700) : ((perm & 0777) | 0600);
	if (fd >= 0 && (uid != 0 || gid != 0 || perm != disk)) {
		char v[64];
		int n = snprintf(v, sizeof(v), "%u:%u:0%o", (unsigned)uid, (unsigned)gid, (unsigned)perm);
		if (fsetxattr(fd, CK__XATTR_OVERRIDE, v, (size_t)n, 0) < 0 && errno != ENOTSUP)
			return fail_errno(t, "cannot record the owner in " CK__XATTR_OVERRIDE);
	}
	return CK_OK;
}

/* The on-disk mode for a non-directory. */
static mode_t disk_mode(const ck__extract *x, mode_t perm)
{
	if (x->shifted)
		return perm & 01777;
	return x->rootless ? ((perm & 0777) | 0600) : (perm & 07777);
}

/* The on-disk mode for a directory (applied last). */
static mode_t dir_mode(const ck__extract *x, mode_t perm)
{
	if (x->shifted)
		return perm & 01777;
	return x->rootless ? ((perm & 0777) | 0700) : perm;
}

static void entry_times(struct archive_entry *e, struct timespec ts[2])
{
	ts[1].tv_sec = archive_entry_mtime(e);
	ts[1].tv_nsec = archive_entry_mtime_nsec(e);
	if (archive_entry_atime_is_set(e)) {
		ts[0].tv_sec = archive_entry_atime(e);
		ts[0].tv_nsec = archive_entry_atime_nsec(e);
	} else {
		ts[0] = ts[1];
	}
}

/* Removes what is in the way: anything but a directory that a directory
 * entry can merge into (later entries replace earlier ones, as in docker). */
static int clear_place(struct ent *t, bool keep_dir)
{
	struct stat st;

	if (fstatat(t->pfd, t->base, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? CK_OK : fail_errno(t, "cannot stat it");
	if (keep_dir && S_ISDIR(st.st_mode))
		return 1;
	char shown[PATH_MAX + 64];
	snprintf(shown, sizeof(shown), "%s: entry \"%.300s\"", t->x->what, t->name);
	int fd = openat(t->pfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return fail_errno(t, "cannot open its directory");
	int rc = ck__rm_at(fd, t->base, shown);
	close(fd);
	return rc;
}

static int defer_dir(ck__extract *x, const char *rel, struct archive_entry *e, mode_t mode)
{
	struct ck__deferred_dir *d;

	if (x->n_dirs == x->cap_dirs) {
		size_t cap = x->cap_dirs ? 2 * x->cap_dirs : 64;
		void *p = realloc(x->dirs, cap * sizeof(*x->dirs));
		if (!p)
			return ck__oom();
		x->dirs = p;
		x->cap_dirs = cap;
	}
	d = &x->dirs[x->n_dirs];
	if (!(d->rel = ck__strdup(rel)))
		return ck__oom();
	d->index = x->n_dirs++;
	d->depth = *rel ? 1 : 0;
	for (const char *p = rel; *p; p++)
		d->depth += *p == '/';
	d->mode = mode;
	entry_times(e, d->times);
	return CK_OK;
}

static int do_dir(struct ent *t)
{
	mode_t mode = dir_mode(t->x, archive_entry_perm(t->e) & 07777);
	int rc, fd;

	if (!*t->rel) {
		/* The layer root itself. */
		fd = openat(t->x->rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		t->x->root_seen = true;
	} else {
		if ((rc = clear_place(t, true)) < 0)
			return rc;
		if (rc == 0 && mkdirat(t->pfd, t->base, 0700) < 0)
			return fail_errno(t, "cannot create the directory");
		fd = openat(t->pfd, t->base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	}
	if (fd < 0)
		return fail_errno(t, "cannot open the directory");
	rc = apply_owner_mode(t, fd, S_IFDIR, -1);
	if (rc == CK_OK)
		rc = apply_xattrs(t, fd);
	close(fd);
	return rc == CK_OK ? defer_dir(t->x, t->rel, t->e, mode) : rc;
}

static int write_data(struct ent *t, struct archive *a, int fd)
{
	const void *buf;
	size_t size;
	la_int64_t offset, end = 0;
	int r;

	while ((r = archive_read_data_block(a, &buf, &size, &offset)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
		const char *p = buf;
		while (size) {
			ssize_t n = pwrite(fd, p, size, offset);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				return fail_errno(t, "cannot write the file");
			p += n;
			size -= (size_t)n;
			offset += n;
		}
		if (offset > end)
			end = offset;
	}
	if (r != ARCHIVE_EOF)
		return fail(t, CK_ECORRUPT, "cannot read its data: %s",
		            archive_error_string(a) ? archive_error_string(a) : "unknown error");
	/* A sparse file may end in a hole. */
	la_int64_t want = archive_entry_size(t->e);
	if (want > end && ftruncate(fd, want) < 0)
		return fail_errno(t, "cannot set the file size");
	return CK_OK;
}

static int do_file(struct ent *t, struct archive *a)
{
	struct timespec ts[2];
	int rc, fd;

	if (archive_entry_size(t->e) > 0) {
		t->x->file_bytes += (uint64_t)archive_entry_size(t->e);
		if (t->x->file_bytes > t->x->max_bytes)
			return fail(t, CK_EINVAL, "the files of the uncompressed layer exceed the size limit of %llu "
			                          "bytes (CK_LAYER_MAX_BYTES)", (unsigned long long)t->x->max_bytes);
	}
	/* Most names are new: try first, clear the place only when taken. */
	fd = openat(t->pfd, t->base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 && errno == EEXIST) {
		if ((rc = clear_place(t, false)) < 0)
			return rc;
		fd = openat(t->pfd, t->base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	}
	if (fd < 0)
		return fail_errno(t, "cannot create the file");
	rc = write_data(t, a, fd);
	if (rc == CK_OK)
		rc = apply_owner_mode(t, fd, S_IFREG, (int)disk_mode(t->x, archive_entry_perm(t->e)));
	if (rc == CK_OK)
		rc = apply_xattrs(t, fd);
	if (rc == CK_OK) {
		entry_times(t->e, ts);
		if (futimens(fd, ts) < 0)
			rc = fail_errno(t, "cannot set the times");
	}
	close(fd);
	return rc;
}

/* Times and metadata of a non-regular, non-directory entry made by name. */
static int finish_by_name(struct ent *t, mode_t type)
{
	struct timespec ts[2];
	int rc = apply_owner_mode(t, -1, type, type == S_IFLNK ? -1 : (int)disk_mode(t->x, archive_entry_perm(t->e)));

	if (rc == CK_OK)
		rc = apply_xattrs(t, -1);
	if (rc != CK_OK)
		return rc;
	entry_times(t->e, ts);
	if (utimensat(t->pfd, t->base, ts, AT_SYMLINK_NOFOLLOW) < 0)
		return fail_errno(t, "cannot set the times");
	return CK_OK;
}

static int do_hardlink(struct ent *t, const char *target)
{
	char *trel = NULL, *slash;
	const char *tbase;
	struct stat st;
	int tpfd, rc;

	if ((rc = ck__layer_clean_path(&trel, target, t->x->what)) != CK_OK) {
		/* Say which entry the bad target belongs to. */
		rc = fail(t, CK_EINVAL, "hard link target \"%.300s\" is outside the layer", target);
		return rc;
	}
	slash = strrchr(trel, '/');
	if (slash) {
		*slash = '\0';
		tbase = slash + 1;
		tpfd = ck__beneath_open_dir(t->x->rootfd, trel, false);
	} else {
		tbase = trel;
		tpfd = ck__beneath_open_dir(t->x->rootfd, "", false);
	}
	if (tpfd < 0) {
		rc = tpfd == -ENOENT ? fail(t, CK_EINVAL, "hard link target \"%.300s\" is not in the layer", target)
		                     : fail_resolve(t, tpfd, slash ? trel : ".");
		goto out;
	}
	if (!*tbase || fstatat(tpfd, tbase, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		rc = fail(t, CK_EINVAL, "hard link target \"%.300s\" is not in the layer", target);
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		rc = fail(t, CK_EINVAL, "hard link target \"%.300s\" is a directory", target);
		goto out;
	}
	if (tpfd >= 0 && t->pfd >= 0) {
		struct stat a, b;
		if (fstat(tpfd, &a) == 0 && fstat(t->pfd, &b) == 0 && a.st_ino == b.st_ino &&
		    a.st_dev == b.st_dev && !strcmp(tbase, t->base)) {
			rc = CK_OK; /* a link to itself: already there */
			goto out;
		}
	}
	if ((rc = clear_place(t, false)) < 0)
		goto out;
	if (linkat(tpfd, tbase, t->pfd, t->base, 0) < 0)
		rc = fail_errno(t, "cannot create the hard link");
	else
		rc = CK_OK;
out:
	if (tpfd >= 0)
		close(tpfd);
	free(trel);
	return rc;
}

/* ".wh..wh..opq" makes its directory opaque; ".wh.NAME" hides NAME of the
 * layers below.  A whiteout is a 0/0 character device, which Linux (5.8+)
 * lets anyone create; where that is refused anyway, a rootless store gets
 * an overlay "xwhiteout" (an empty file with user.overlay.whiteout, in a
 * directory marked user.overlay.opaque=x, kernel 6.7+). */
static int do_whiteout(struct ent *t)
{
	const char *opaque = ck__overlay_xattr(t->x->rootless, "opaque");
	const char *hidden = t->base + strlen(CK__WHITEOUT_PREFIX);
	int dfd, rc;

	dfd = openat(t->pfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return fail_errno(t, "cannot open its directory");
	if (!strcmp(t->base, CK__WHITEOUT_OPAQUE)) {
		rc = fsetxattr(dfd, opaque, "y", 1, 0) < 0 ? fail_errno(t, "cannot mark the directory opaque")
		                                          : CK_OK;
		close(dfd);
		return rc;
	}
	if (!*hidden || !strcmp(hidden, ".") || !strcmp(hidden, "..") || ck__str_has_prefix(hidden, ".wh.")) {
		close(dfd);
		return fail(t, CK_EINVAL, "is not a valid whiteout name");
	}
	struct ent hid = *t;
	hid.base = hidden;
	if ((rc = clear_place(&hid, false)) < 0) {
		close(dfd);
		return rc;
	}
	if (mknodat(dfd, hidden, S_IFCHR, makedev(0, 0)) == 0) {
		rc = CK_OK;
	} else if (errno == EPERM && t->x->rootless) {
		char v[8];
		int fd = openat(dfd, hidden, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		ssize_t n = fgetxattr(dfd, opaque, v, sizeof(v));
		rc = fd < 0 || fsetxattr(fd, ck__overlay_xattr(true, "whiteout"), "y", 1, 0) < 0 ||
		                     (!(n == 1 && v[0] == 'y') && fsetxattr(dfd, opaque, "x", 1, 0) < 0)
		             ? fail_errno(t, "cannot create the whiteout")
		             : CK_OK;
		if (fd >= 0)
			close(fd);
	} else {
		rc = fail_errno(t, "cannot create the whiteout device");
	}
	close(dfd);
	return rc;
}

int ck__extract_entry(ck__extract *x, struct archive *a, struct archive_entry *e)
{
	struct ent t = { x, e, NULL, NULL, NULL, -1 };
	mode_t type = archive_entry_filetype(e);
	const char *link = archive_entry_hardlink(e);
	int rc;

	t.name = archive_entry_pathname(e);
	if (!t.name)
		t.name = archive_entry_pathname_utf8(e);
	if (!t.name)
		return ck__error_set(CK_ECORRUPT, "%s: an entry has a name that cannot be decoded", x->what);
	if ((rc = ck__layer_clean_path(&t.rel, t.name, x->what)) != CK_OK)
		return rc;
	if (!*t.rel) {
		rc = (type == AE_IFDIR && !link) ? do_dir(&t) : fail(&t, CK_EINVAL, "the layer root is not a directory");
		goto out;
	}
	if ((rc = open_parent(&t)) != CK_OK)
		goto out;
	if (ck__str_has_prefix(t.base, CK__WHITEOUT_PREFIX)) {
		rc = do_whiteout(&t);
		goto out;
	}
	if (link) {
		rc = do_hardlink(&t, link);
		goto out;
	}
	switch (type) {
	case AE_IFDIR:
		rc = do_dir(&t);
		break;
	case AE_IFREG:
		rc = do_file(&t, a);
		break;
	case AE_IFLNK: {
		const char *target = archive_entry_symlink(e);
		if (!target || !*target) {
			rc = fail(&t, CK_EINVAL, "symbolic link without a target");
			break;
		}
		if ((rc = clear_place(&t, false)) < 0)
			break;
		rc = symlinkat(target, t.pfd, t.base) < 0 ? fail_errno(&t, "cannot create the symbolic link")
		                                          : finish_by_name(&t, S_IFLNK);
		break;
	}
	case AE_IFCHR:
	case AE_IFBLK:
		if (x->rootless) {
			rc = fail(&t, CK_EPERM, "is a %s device, which a rootless store cannot hold",
			          type == AE_IFCHR ? "character" : "block");
			break;
		}
		/* fallthrough */
	case AE_IFIFO:
		if ((rc = clear_place(&t, false)) < 0)
			break;
		rc = mknodat(t.pfd, t.base, type | (disk_mode(x, archive_entry_perm(e)) & 0777),
		             type == AE_IFIFO ? 0 : archive_entry_rdev(e)) < 0
		             ? fail_errno(&t, "cannot create the node")
		             : finish_by_name(&t, type);
		break;
	case AE_IFSOCK:
		rc = CK_OK; /* sockets are not content; tar writers skip them too */
		break;
	default:
		rc = fail(&t, CK_ECORRUPT, "has an unknown file type 0%o", (unsigned)type);
	}
out:
	if (rc > 0)
		rc = CK_OK;
	if (t.pfd >= 0)
		close(t.pfd);
	free(t.rel);
	return rc;
}

static int deferred_cmp(const void *pa, const void *pb)
{
	const struct ck__deferred_dir *a = pa, *b = pb;
	if (a->depth != b->depth)
		return a->depth > b->depth ? -1 : 1;
	return a->index < b->index ? -1 : a->index > b->index;
}

int ck__extract_finish(ck__extract *x)
{
	int rc = CK_OK;

	if (x->n_dirs)
		qsort(x->dirs, x->n_dirs, sizeof(*x->dirs), deferred_cmp);
	for (size_t i = 0; i < x->n_dirs && rc == CK_OK; i++) {
		struct ck__deferred_dir *d = &x->dirs[i];
		int pfd = ck__beneath_open_dir(x->rootfd, d->rel, false), fd = -1;

		if (pfd >= 0)
			fd = openat(pfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		/* Gone or replaced by a later entry: nothing to apply. */
		if (fd >= 0 && (fchmod(fd, d->mode) < 0 || futimens(fd, d->times) < 0))
			rc = ck__error_errno(CK_EIO, "%s: directory \"%s\": cannot set its mode and times", x->what,
			                     *d->rel ? d->rel : ".");
		if (fd >= 0)
			close(fd);
		if (pfd >= 0)
			close(pfd);
	}
	if (rc == CK_OK && !x->root_seen && fchmod(x->rootfd, 0755) < 0)
		rc = ck__error_errno(CK_EIO, "%s: cannot set the mode of the layer root", x->what);
	ck__extract_free(x);
	return rc;
}

void ck__extract_free(ck__extract *x)
{
	for (size_t i = 0; i < x->n_dirs; i++)
		free(x->dirs[i].rel);
	free(x->dirs);
	x->dirs = NULL;
	x->n_dirs = x->cap_dirs = 0;
}

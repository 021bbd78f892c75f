/* ck_container_copy_to / _from: copying between the host and a container,
 * as `podman cp` does.  On the container's side every path is resolved
 * inside its root (openat2 RESOLVE_IN_ROOT), and the tree is walked with
 * *at() calls and O_NOFOLLOW from there, so that no symbolic link in the
 * container, even one changed while the copy runs, leads out of it.  A
 * running container is reached through /proc/PID/root (its mounts
 * included); a stopped one through its root filesystem and the sources of
 * its bind mounts and volumes. */
#define _GNU_SOURCE
#include "container_int.h"
#include "volume/volume.h"
#include "image/image.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Cleans an absolute container path; CK_EPERM when ".." climbs above "/". */
static int clean(char **out, const char *path)
{
	bool climbed;

	*out = NULL;
	if (!path || !*path)
		return ck__error_set(CK_EINVAL, "the container path is empty");
	if (!(*out = ck__path_clean(path, &climbed)))
		return ck__oom();
	if (climbed) {
		free(*out);
		*out = NULL;
		return ck__error_set(CK_EPERM, "the path \"%s\" escapes the container's root filesystem", path);
	}
	return CK_OK;
}

/* The root to resolve `path` in, and the path inside it. */
static int container_root(int *root_fd, char **rel, ck_container *ctr, const char *path)
{
	ck__ctr_state st;
	char *clean_path = NULL, *base = NULL;
	const ck__mnt *best = NULL;
	size_t best_len = 0;
	int rc;

	*root_fd = -1;
	*rel = NULL;
	if ((rc = clean(&clean_path, path)) != CK_OK)
		return rc;
	if ((rc = ck__ctr_read(NULL, &st, ctr->ctx, ctr->cfg.id)) != CK_OK)
		goto out;
	bool running = st.pid > 0 && ck__proc_alive(st.pid, st.init_start);
	int pid = st.pid;
	ck__ctr_state_free(&st);
	if (running) {
		char proc[64];
		snprintf(proc, sizeof(proc), "/proc/%d/root", pid);
		if ((*root_fd = open(proc, O_PATH | O_DIRECTORY | O_CLOEXEC)) >= 0) {
			*rel = clean_path;
			return CK_OK;
		}
	}
	for (size_t i = 0; i < ctr->cfg.n_mounts; i++) {
		const ck__mnt *m = &ctr->cfg.mounts[i];
		size_t l = strlen(m->destination);
		if (m->type == CK__MNT_TMPFS || l <= best_len)
			continue;
		if (!strncmp(clean_path, m->destination, l) && (clean_path[l] == '/' || clean_path[l] == '\0')) {
			best = m;
			best_len = l;
		}
	}
	if (best && best->type == CK__MNT_VOLUME)
		rc = ck__volume_path(&base, ctr->ctx, best->source);
	else if (best)
		base = ck__strdup(best->source);
	else {
		/* A container that never ran has no root filesystem yet. */
		ck_rootfs *fs = NULL;
		if ((rc = ck_rootfs_prepare(&fs, ctr->ctx, ctr->cfg.image_id, ctr->cfg.id)) == CK_OK)
			base = ck__strdup(ck_rootfs_path(fs));
		ck_rootfs_free(fs);
	}
	if (rc != CK_OK || !base) {
		rc = rc ? rc : ck__oom();
		goto out;
	}
	if (!(*rel = strdup(best ? (clean_path[best_len] ? clean_path + best_len : "/") : clean_path))) {
		rc = ck__oom();
		goto out;
	}
	if ((*root_fd = open(base, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
		rc = ck__error_errno(ck__errno_code(errno), "cannot open %s", base);
out:
	free(clean_path);
	free(base);
	if (rc != CK_OK) {
		free(*rel);
		*rel = NULL;
	}
	return rc;
}

/* Who owns what a copy makes: the copier (a copy to the host), the
 * destination container's user (podman's --archive, the default), or the
 * source's owner (--archive=false). */
typedef struct own {
	int how; /* OWN_CALLER, OWN_FIXED, OWN_SOURCE */
	uid_t uid;
	gid_t gid;
} own;
enum { OWN_CALLER, OWN_FIXED, OWN_SOURCE };
static const own own_caller = { OWN_CALLER, 0, 0 };

/* Before the mode is set, as a chown clears set-id bits. */
static int chown_node(int fd, int ddir, const char *dname, const struct stat *src, const own *o)
{
	uid_t u = o->how == OWN_FIXED ? o->uid : src->st_uid;
	gid_t g = o->how == OWN_FIXED ? o->gid : src->st_gid;
	int r;

	if (o->how == OWN_CALLER)
		return CK_OK;
	r = fd >= 0 ? fchown(fd, u, g) : fchownat(ddir, dname, u, g, AT_SYMLINK_NOFOLLOW);
	return r < 0 ? ck__error_errno(ck__errno_code(errno), "cannot give %s to %u:%u", dname, (unsigned)u,
	                               (unsigned)g)
	             : CK_OK;
}

static int copy_node(int sdir, const char *sname, int ddir, const char *dname, const char *shown, const own *o);

static int copy_file(int sdir, const char *sname, int ddir, const char *dname, const struct stat *st,
                     const char *shown, const own *o)
{
	mode_t mode = st->st_mode;
	char buf[65536];
	int in = openat(sdir, sname, O_RDONLY | O_NOFOLLOW | O_CLOEXEC), out = -1, rc = CK_OK;

	if (in < 0)
		return ck__error_errno(ck__errno_code(errno), "cannot read %s", shown);
	out = openat(ddir, dname, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, mode & 07777);
	if (out < 0) {
		rc = ck__error_errno(ck__errno_code(errno), "cannot write %s", dname);
		goto done;
	}
	for (;;) {
		ssize_t n = read(in, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = ck__error_errno(CK_EIO, "cannot read %s", shown);
			break;
		}
		if (n == 0)
			break;
		for (ssize_t off = 0; off < n;) {
			ssize_t w = write(out, buf + off, (size_t)(n - off));
			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0) {
				rc = ck__error_errno(CK_EIO, "cannot write %s", dname);
				goto done;
			}
			off += w;
		}
	}
	if (rc == CK_OK && (rc = chown_node(out, ddir, dname, st, o)) == CK_OK)
		fchmod(out, mode & 07777);
done:
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	return rc;
}

static int copy_dir(int sdir, const char *sname, int ddir, const char *dname, const struct stat *sst,
                    const char *shown, const own *o)
{
	mode_t mode = sst->st_mode;
	struct stat st;
	int sfd = -1, dfd = -1, rc = CK_OK;
	DIR *d = NULL;

	if (mkdirat(ddir, dname, (mode & 07777) | 0700) < 0 &&
	    !(errno == EEXIST && fstatat(ddir, dname, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode)))
		return ck__error_errno(ck__errno_code(errno), "cannot create directory %s", dname);
	if ((sfd = openat(sdir, sname, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0 ||
	    (dfd = openat(ddir, dname, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		rc = ck__error_errno(ck__errno_code(errno), "cannot open directory %s", sfd < 0 ? shown : dname);
		goto out;
	}
	int list_fd = dup(sfd);
	if (list_fd < 0 || !(d = fdopendir(list_fd))) {
		if (list_fd >= 0)
			close(list_fd);
		rc = ck__error_errno(CK_EIO, "cannot list %s", shown);
		goto out;
	}
	for (struct dirent *de; rc == CK_OK && (de = readdir(d));) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		char *child = ck__asprintf("%s/%s", shown, de->d_name);
		rc = child ? copy_node(sfd, de->d_name, dfd, de->d_name, child, o) : ck__oom();
		free(child);
	}
	if (rc == CK_OK && (rc = chown_node(dfd, ddir, dname, sst, o)) == CK_OK)
		fchmod(dfd, mode & 07777);
out:
	if (d)
		closedir(d);
	if (sfd >= 0)
		close(sfd);
	if (dfd >= 0)
		close(dfd);
	return rc;
}

static int copy_node(int sdir, const char *sname, int ddir, const char *dname, const char *shown, const own *o)
{
	struct stat st;
	char target[4096];

	if (fstatat(sdir, sname, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return ck__error_errno(ck__errno_code(errno), "%s", shown);
	if (S_ISDIR(st.st_mode))
		return copy_dir(sdir, sname, ddir, dname, &st, shown, o);
	if (S_ISREG(st.st_mode))
		return copy_file(sdir, sname, ddir, dname, &st, shown, o);
	if (S_ISLNK(st.st_mode)) {
		ssize_t n = readlinkat(sdir, sname, target, sizeof(target) - 1);
		if (n < 0)
			return ck__error_errno(CK_EIO, "cannot read the link %s", shown);
		target[n] = '\0';
		unlinkat(ddir, dname, 0);
		if (symlinkat(target, ddir, dname) < 0)
			return ck__error_errno(ck__errno_code(errno), "cannot create the link %s", dname);
		return chown_node(-1, ddir, dname, &st, o);
	}
	return ck__error_set(CK_EUNSUPPORTED, "%s is a special file (device, fifo or socket): not copied", shown);
}

/* Splits "dir/name" into an open parent directory (resolved by `open_dir`)
 * and the last component. */
static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');
	return s && s[1] ? s + 1 : s ? "." : path;
}

static char *dir_name(const char *path)
{
	const char *s = strrchr(path, '/');
	if (!s)
		return strdup(".");
	if (s == path)
		return strdup("/");
	return strndup(path, (size_t)(s - path));
}

/* Where a copy lands: into `dest` if it is a directory, else as `dest`. */
typedef int (*open_dir_fn)(int *fd, void *ctx, const char *path);

static int land(int *dir_fd, char **name, open_dir_fn open_dir, void *octx, const char *dest, const char *src_name)
{
	char *parent;
	int rc;

	if (open_dir(dir_fd, octx, dest) == CK_OK) {
		*name = strdup(src_name);
		return *name ? CK_OK : ck__oom();
	}
	ck__error_clear();
	if (!(parent = dir_name(dest)))
		return ck__oom();
	rc = open_dir(dir_fd, octx, parent);
	if (rc != CK_OK)
		rc = ck__error_wrap(rc, "the destination's directory %s", parent);
	free(parent);
	if (rc == CK_OK && !(*name = strdup(base_name(dest)))) {
		close(*dir_fd);
		*dir_fd = -1;
		rc = ck__oom();
	}
	return rc;
}

static int open_host_dir(int *fd, void *octx, const char *path)
{
	(void)octx;
	*fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return *fd >= 0 ? CK_OK : ck__error_errno(ck__errno_code(errno), "%s", path);
}

static int open_ctr_dir(int *fd, void *octx, const char *path)
{
	return ck__root_open(fd, *(int *)octx, path, O_RDONLY | O_DIRECTORY, 0);
}

static int copy_to(ck_container *ctr, const char *src, const char *dest, const own *o)
{
	int root = -1, sdir = -1, ddir = -1, rc;
	char *rel = NULL, *sparent = NULL, *name = NULL;
	struct stat st;

	if (lstat(src, &st) < 0)
		return ck__error_errno(ck__errno_code(errno), "cannot copy %s", src);
	if ((rc = container_root(&root, &rel, ctr, dest)) != CK_OK)
		goto out;
	if (!(sparent = dir_name(src))) {
		rc = ck__oom();
		goto out;
	}
	if ((rc = open_host_dir(&sdir, NULL, sparent)) != CK_OK ||
	    (rc = land(&ddir, &name, open_ctr_dir, &root, rel, base_name(src))) != CK_OK)
		goto out;
	rc = copy_node(sdir, base_name(src), ddir, name, src, o);
out:
	if (rc != CK_OK && rc != CK_EPERM)
		rc = ck__error_wrap(rc, "cannot copy %s into container %s", src, ctr->cfg.name);
	if (root >= 0)
		close(root);
	if (sdir >= 0)
		close(sdir);
	if (ddir >= 0)
		close(ddir);
	free(rel);
	free(sparent);
	free(name);
	return rc;
}

int ck_container_copy_to(ck_container *ctr, const char *src, const char *dest)
{
	CK_ENTER();
	if (!ctr || !src || !dest)
		return ck__error_set(CK_EINVAL, "ck_container_copy_to: %s is NULL", !ctr ? "ctr" : !src ? "src" : "dest");
	CK__CTR_FULL(ctr);
	return copy_to(ctr, src, dest, &own_caller);
}

static int own_for(own *out, ck_container *dst, unsigned int flags)
{
	if (flags & ~CK_COPY_KEEP_OWNERS)
		return ck__error_set(CK_EINVAL, "unknown copy flags 0x%x", flags & ~CK_COPY_KEEP_OWNERS);
	/* A rootless caller cannot give files to the ids of its user
	 * namespace from outside it: what it copies stays its own, which is
	 * the container's root. */
	if (dst->ctx->rootless)
		*out = (own){ OWN_CALLER, 0, 0 };
	else if (flags & CK_COPY_KEEP_OWNERS)
		*out = (own){ OWN_SOURCE, 0, 0 };
	else
		*out = (own){ OWN_FIXED, dst->cfg.uid, dst->cfg.gid };
	return CK_OK;
}

int ck_container_copy_to_v2(ck_container *ctr, const char *src, const char *dest, unsigned int flags)
{
	own o;
	int rc;

	CK_ENTER();
	if (!ctr || !src || !dest)
		return ck__error_set(CK_EINVAL, "ck_container_copy_to_v2: %s is NULL",
		                     !ctr ? "ctr" : !src ? "src" : "dest");
	CK__CTR_FULL(ctr);
	if ((rc = own_for(&o, ctr, flags)) != CK_OK)
		return rc;
	return copy_to(ctr, src, dest, &o);
}

/* The parent directory of container path `rel` in `root` and the entry's
 * name in it ("." for the root itself), checked to exist. */
static int open_src(int *sdir, const char **sname, char **sparent, int root, const char *rel, const char *shown)
{
	struct stat st;
	int rc;

	*sparent = NULL;
	if (!strcmp(rel, "/")) {
		*sname = "."; /* the whole root: its contents */
		rc = ck__root_open(sdir, root, "/", O_RDONLY | O_DIRECTORY, 0);
	} else {
		*sname = base_name(rel);
		if (!(*sparent = dir_name(rel)))
			return ck__oom();
		rc = ck__root_open(sdir, root, *sparent, O_RDONLY | O_DIRECTORY, 0);
	}
	if (rc == CK_OK && fstatat(*sdir, *sname, &st, AT_SYMLINK_NOFOLLOW) < 0)
		rc = ck__error_errno(ck__errno_code(errno), "%s (in the container)", shown);
	return rc;
}

static void close_all(int *fds, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

int ck_container_copy_from(ck_container *ctr, const char *src, const char *dest)
{
	int fds[3] = { -1, -1, -1 }, rc; /* root, source dir, destination dir */
	char *rel = NULL, *sparent = NULL, *name = NULL;
	const char *sname;

	CK_ENTER();
	if (!ctr || !src || !dest)
		return ck__error_set(CK_EINVAL, "ck_container_copy_from: %s is NULL", !ctr ? "ctr" : !src ? "src" : "dest");
	CK__CTR_FULL(ctr);
	if ((rc = container_root(&fds[0], &rel, ctr, src)) == CK_OK &&
	    (rc = open_src(&fds[1], &sname, &sparent, fds[0], rel, src)) == CK_OK &&
	    (rc = land(&fds[2], &name, open_host_dir, NULL, dest, strcmp(sname, ".") ? sname : "rootfs")) == CK_OK)
		rc = copy_node(fds[1], sname, fds[2], name, src, &own_caller);
	if (rc != CK_OK && rc != CK_EPERM)
		rc = ck__error_wrap(rc, "cannot copy %s from container %s", src, ctr->cfg.name);
	close_all(fds, 3);
	free(rel);
	free(sparent);
	free(name);
	return rc;
}

int ck_container_copy_between(ck_container *from, const char *src, ck_container *to, const char *dest,
                              unsigned int flags)
{
	int fds[4] = { -1, -1, -1, -1 }, rc; /* the two roots, source dir, destination dir */
	char *srel = NULL, *drel = NULL, *sparent = NULL, *name = NULL;
	const char *sname;
	own o;

	CK_ENTER();
	if (!from || !src || !to || !dest)
		return ck__error_set(CK_EINVAL, "ck_container_copy_between: %s is NULL",
		                     !from ? "from" : !src ? "src" : !to ? "to" : "dest");
	CK__CTR_FULL(from);
	CK__CTR_FULL(to);
	if ((rc = own_for(&o, to, flags)) != CK_OK)
		return rc;
	if ((rc = container_root(&fds[0], &srel, from, src)) == CK_OK &&
	    (rc = open_src(&fds[2], &sname, &sparent, fds[0], srel, src)) == CK_OK &&
	    (rc = container_root(&fds[1], &drel, to, dest)) == CK_OK &&
	    (rc = land(&fds[3], &name, open_ctr_dir, &fds[1], drel, strcmp(sname, ".") ? sname : "rootfs")) == CK_OK)
		rc = copy_node(fds[2], sname, fds[3], name, src, &o);
	if (rc != CK_OK && rc != CK_EPERM)
		rc = ck__error_wrap(rc, "cannot copy %s from container %s into container %s", src, from->cfg.name,
		                    to->cfg.name);
	close_all(fds, 4);
	free(srel);
	free(drel);
	free(sparent);
	free(name);
	return rc;
}

int ck_container_copy_tar_out(ck_container *ctr, const char *src, int fd)
{
	int fds[2] = { -1, -1 }, rc;
	char *rel = NULL, *sparent = NULL;
	const char *sname;

	CK_ENTER();
	if (!ctr || !src || fd < 0)
		return ck__error_set(CK_EINVAL, "ck_container_copy_tar_out: %s", !ctr ? "ctr is NULL" : !src ? "src is NULL"
		                                                                                  : "fd is negative");
	CK__CTR_FULL(ctr);
	if ((rc = container_root(&fds[0], &rel, ctr, src)) == CK_OK &&
	    (rc = open_src(&fds[1], &sname, &sparent, fds[0], rel, src)) == CK_OK)
		rc = ck__tar_tree_at(fd, fds[1], strcmp(sname, ".") ? sname : NULL, 0);
	if (rc != CK_OK && rc != CK_EPERM)
		rc = ck__error_wrap(rc, "cannot copy %s from container %s", src, ctr->cfg.name);
	close_all(fds, 2);
	free(rel);
	free(sparent);
	return rc;
}

/* The stream is unpacked into a directory of the container's own first
 * (beside its userdata, so a crash leaves it where rm removes it), as a
 * layer is, never following a link; then copied in as a host tree is. */
int ck_container_copy_tar_in(ck_container *ctr, int fd, const char *dest, unsigned int flags)
{
	int fds[3] = { -1, -1, -1 }, rc; /* root, destination dir, staging dir */
	char *rel = NULL, *stage = NULL;
	DIR *d = NULL;
	own o;

	CK_ENTER();
	if (!ctr || !dest || fd < 0)
		return ck__error_set(CK_EINVAL, "ck_container_copy_tar_in: %s", !ctr ? "ctr is NULL" : !dest ? "dest is NULL"
		                                                                                  : "fd is negative");
	CK__CTR_FULL(ctr);
	if ((rc = own_for(&o, ctr, flags)) != CK_OK)
		return rc;
	if ((rc = container_root(&fds[0], &rel, ctr, dest)) != CK_OK)
		goto out;
	if (open_ctr_dir(&fds[1], &fds[0], rel) != CK_OK) {
		rc = ck__error_set(CK_EINVAL, "destination must be a directory when copying from stdin");
		goto out;
	}
	if (!(stage = ck__asprintf("%s/containers/%s/cp-XXXXXX", ctr->ctx->root, ctr->cfg.id))) {
		rc = ck__oom();
		goto out;
	}
	*strrchr(stage, '/') = '\0';
	rc = ck__mkdir_p(stage, 0700);
	stage[strlen(stage)] = '/';
	if (rc != CK_OK)
		goto out;
	if (!mkdtemp(stage)) {
		rc = ck__error_errno(ck__errno_code(errno), "cannot create %s", stage);
		free(stage);
		stage = NULL;
		goto out;
	}
	if ((fds[2] = open(stage, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		rc = ck__error_errno(ck__errno_code(errno), "cannot open %s", stage);
		goto out;
	}
	if ((rc = ck__untar_at(fd, fds[2], ctr->ctx->rootless, "source")) != CK_OK)
		goto out;
	int list_fd = dup(fds[2]);
	if (list_fd < 0 || !(d = fdopendir(list_fd))) {
		if (list_fd >= 0)
			close(list_fd);
		rc = ck__error_errno(CK_EIO, "cannot list %s", stage);
		goto out;
	}
	for (struct dirent *de; rc == CK_OK && (de = readdir(d));)
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			rc = copy_node(fds[2], de->d_name, fds[1], de->d_name, de->d_name, &o);
out:
	if (rc != CK_OK && rc != CK_EPERM)
		rc = ck__error_wrap(rc, "cannot copy a tar stream into %s of container %s", dest, ctr->cfg.name);
	if (d)
		closedir(d);
	close_all(fds, 3);
	if (stage)
		ck__rm_rf(stage);
	free(stage);
	free(rel);
	return rc;
}

int ck__copy_dir_contents(int sdir, int ddir, const char *shown)
{
	int list_fd = dup(sdir), rc = CK_OK;
	DIR *d;

	if (list_fd < 0 || !(d = fdopendir(list_fd))) {
		if (list_fd >= 0)
			close(list_fd);
		return ck__error_errno(CK_EIO, "cannot list %s", shown);
	}
	for (struct dirent *de; rc == CK_OK && (de = readdir(d));) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		char *child = ck__asprintf("%s/%s", shown, de->d_name);
		rc = child ? copy_node(sdir, de->d_name, ddir, de->d_name, child, &own_caller) : ck__oom();
		free(child);
	}
	closedir(d);
	return rc;
}

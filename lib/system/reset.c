/* ck_system_reset(): empties the storage root and the run root while holding
 * the store lock, so that no other process sees a half-deleted store. */
#define _GNU_SOURCE
#include "container/container.h"
#include "layer/layer.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* What survives: the lock file being held and the two roots themselves
 * (either root may lie inside the other). */
struct keep {
	struct stat st[3];
	int n;
};

static bool kept(const struct keep *k, const struct stat *st)
{
	for (int i = 0; i < k->n; i++)
		if (k->st[i].st_dev == st->st_dev && k->st[i].st_ino == st->st_ino)
			return true;
	return false;
}

/* Empties the directory open at `fd` (which it takes over).  `*kept_any`
 * tells the caller that something inside was kept, so that the directory
 * itself must stay. */
static int clear_dir(int fd, const char *shown, const struct keep *k, bool *kept_any)
{
	struct stat dst;
	DIR *d;
	struct dirent *de;
	int rc = CK_OK;

	if (fstat(fd, &dst) < 0 || !(d = fdopendir(fd))) {
		rc = ck__error_errno(CK_EIO, "cannot read %s", shown);
		close(fd);
		return rc;
	}
	while (rc == CK_OK && (de = readdir(d))) {
		const char *name = de->d_name;
		struct stat st;
		bool sub_kept = false;

		if (!strcmp(name, ".") || !strcmp(name, ".."))
			continue;
		if (fstatat(dirfd(d), name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno != ENOENT)
				rc = ck__error_errno(CK_EIO, "cannot stat %s/%s", shown, name);
			continue;
		}
		if (kept(k, &st)) {
			/* A root inside the other is emptied by its own pass. */
			*kept_any = true;
			continue;
		}
		if (!S_ISDIR(st.st_mode)) {
			if (unlinkat(dirfd(d), name, 0) < 0 && errno != ENOENT)
				rc = ck__error_errno(CK_EIO, "cannot remove %s/%s", shown, name);
			continue;
		}
		if (st.st_dev != dst.st_dev) {
			rc = ck__error_set(CK_EBUSY, "%s/%s is a mount point; unmount it and reset again",
			                   shown, name);
			break;
		}
		char *sub = ck__asprintf("%s/%s", shown, name);
		int sfd = openat(dirfd(d), name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (!sub) {
			if (sfd >= 0)
				close(sfd);
			rc = ck__oom();
			break;
		}
		if (sfd < 0)
			rc = errno == ENOENT ? CK_OK : ck__error_errno(CK_EIO, "cannot open %s", sub);
		else
			rc = clear_dir(sfd, sub, k, &sub_kept);
		if (rc == CK_OK && sfd >= 0) {
			if (sub_kept)
				*kept_any = true;
			else if (unlinkat(dirfd(d), name, AT_REMOVEDIR) < 0 && errno != ENOENT)
				rc = ck__error_errno(CK_EIO, "cannot remove %s", sub);
		}
		free(sub);
	}
	closedir(d);
	return rc;
}

static int clear_path(const char *path, const struct keep *k)
{
	bool kept_any = false;
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return errno == ENOENT ? CK_OK : ck__error_errno(CK_EIO, "cannot open %s", path);
	return clear_dir(fd, path, k, &kept_any);
}

int ck_system_reset(ck_context *ctx)
{
	ck__lock lk = CK__LOCK_INIT;
	struct keep k = { .n = 0 };
	char *state_dir = NULL;
	int rc;

	CK_ENTER();
	if (!ctx)
		return ck__error_set(CK_EINVAL, "ck_system_reset: ctx is NULL");
	/* Containers first: their monitors, the runtime's state and their
	 * mounts are not plain files. */
	if ((rc = ck__ctr_remove_all(ctx)) != CK_OK)
		return ck__error_wrap(rc, "cannot reset the store");
	/* Closed before the lock too: our own open store must not be what we
	 * wait for. */
	ck__state_close(ctx);
	if ((rc = ck__state_lock_exclusive(&lk, ctx, 60000)) != CK_OK)
		return ck__error_wrap(rc, "cannot reset the store");
	ck__state_close(ctx);

	if (fstat(lk.fd, &k.st[k.n]) == 0)
		k.n++;
	if (stat(ctx->root, &k.st[k.n]) == 0)
		k.n++;
	if (stat(ctx->runroot, &k.st[k.n]) == 0)
		k.n++;
	/* The records go first: a reset cut short then leaves files that
	 * nothing refers to, which a second reset removes, rather than records
	 * that point to nothing. */
	if (!(state_dir = ck__state_dir(ctx)))
		rc = ck__oom();
	if (rc == CK_OK)
		rc = clear_path(state_dir, &k);
	/* A rootless store's files that subordinate ids own go in its user
	 * namespace first. */
	if (rc == CK_OK)
		rc = ck__store_clear(ctx);
	if (rc == CK_OK)
		rc = clear_path(ctx->root, &k);
	if (rc == CK_OK)
		rc = clear_path(ctx->runroot, &k);
	if (rc != CK_OK)
		rc = ck__error_wrap(rc, "reset incomplete (run it again)");
	else
		ck__log(ctx, CK_LOG_INFO, "reset: emptied %s and %s", ctx->root, ctx->runroot);
	free(state_dir);
	ck__lock_release(&lk);
	return rc;
}

/* Mounting a root filesystem: overlay (the new mount API, one "lowerdir+"
 * per layer, or mount(2) where the kernel lacks it; "volatile" on request),
 * the copy of the layers where overlay cannot be mounted, and the unmount.
 * The records and the removal are rootfs.c's. */
#define _GNU_SOURCE
#include "rootfs_int.h"
#include "layer/layer.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>


static bool is_mounted(const char *dir, const char *path)
{
	struct stat a, b;
	return stat(dir, &a) == 0 && stat(path, &b) == 0 && a.st_dev != b.st_dev;
}

/* The kernel's own words from an fs context, for the message. */
static void fs_log(int fsfd, char *buf, size_t size)
{
	char line[256];
	size_t used = 0;
	ssize_t n;

	buf[0] = '\0';
	while (used + 1 < size && (n = read(fsfd, line, sizeof(line) - 1)) > 0) {
		line[n] = '\0';
		used += (size_t)snprintf(buf + used, size - used, "%s%s", used ? "; " : " (kernel: ", line);
	}
	if (used && used + 2 < size)
		snprintf(buf + used, size - used, ")");
}

/* Mounts with the new mount API: one "lowerdir+" per layer, so that any
 * number of layers fits (kernel 6.8+).  Returns 0, or an errno with
 * `*legacy` set when the API or the parameter is missing. */
static int mount_fsconfig(const char *merged, char **lowers, size_t n, const char *upper, const char *work,
                          bool userxattr, bool vol, bool *legacy, char *msg, size_t msize)
{
	int fsfd = fsopen("overlay", FSOPEN_CLOEXEC), mfd = -1, err = 0;

	*legacy = false;
	msg[0] = '\0';
	if (fsfd < 0) {
		*legacy = errno == ENOSYS;
		return errno;
	}
	for (size_t i = 0; i < n; i++) {
		if (fsconfig(fsfd, FSCONFIG_SET_STRING, "lowerdir+", lowers[i], 0) < 0) {
			err = errno;
			*legacy = i == 0 && err == EINVAL;
			goto out;
		}
	}
	if (fsconfig(fsfd, FSCONFIG_SET_STRING, "upperdir", upper, 0) < 0 ||
	    fsconfig(fsfd, FSCONFIG_SET_STRING, "workdir", work, 0) < 0 ||
	    (userxattr && fsconfig(fsfd, FSCONFIG_SET_FLAG, "userxattr", NULL, 0) < 0) ||
	    (vol && fsconfig(fsfd, FSCONFIG_SET_FLAG, "volatile", NULL, 0) < 0) ||
	    fsconfig(fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0 ||
	    (mfd = fsmount(fsfd, FSMOUNT_CLOEXEC, 0)) < 0 ||
	    move_mount(mfd, "", AT_FDCWD, merged, MOVE_MOUNT_F_EMPTY_PATH) < 0)
		err = errno;
out:
	if (err)
		fs_log(fsfd, msg, msize);
	if (mfd >= 0)
		close(mfd);
	close(fsfd);
	return err;
}

/* mount(2) with one option string, for kernels without "lowerdir+". */
static int mount_legacy(const char *merged, char **lowers, size_t n, const char *upper, const char *work,
                        bool userxattr, bool vol)
{
	ck__buf b = { 0 };
	long page = sysconf(_SC_PAGESIZE);
	int err = 0;

	ck__buf_puts(&b, "lowerdir=");
	for (size_t i = 0; i < n; i++)
		ck__buf_printf(&b, "%s%s", i ? ":" : "", lowers[i]);
	ck__buf_printf(&b, ",upperdir=%s,workdir=%s%s%s", upper, work, userxattr ? ",userxattr" : "",
	               vol ? ",volatile" : "");
	if (b.oom)
		err = ENOMEM;
	else if (b.len >= (size_t)(page > 0 ? page : 4096))
		err = E2BIG;
	else if (mount("overlay", merged, "overlay", 0, b.data) < 0)
		err = errno;
	ck__buf_free(&b);
	return err;
}

/* The mark a volatile mount leaves (work/work/incompat/volatile). */
static int clear_volatile_mark(ck_rootfs *r, const char *work)
{
	char *mark = ck__asprintf("%s/work/incompat/volatile", work);
	int rc = mark ? CK_OK : ck__oom();

	if (rc == CK_OK && ck__path_exists(mark))
		rc = ck__store_remove(r->ctx, AT_FDCWD, mark, mark);
	free(mark);
	return rc;
}

/* 0 mounted; CK_EUNSUPPORTED (message set) when overlay cannot be used
 * here and a copy should be made; another code for a real failure.  A
 * volatile mount (CK__ROOTFS_VOLATILE) never syncs the upper layer, not
 * even at unmount, and leaves a mark in the work directory that makes
 * overlay refuse the next mount; the mark goes first, so that a
 * filesystem mounted volatile once can be mounted again. */
int ck__rootfs_mount_overlay(ck_rootfs *r, char **lowers, size_t n, unsigned flags)
{
	char *upper = ck__path_join(r->dir, "upper"), *work = ck__path_join(r->dir, "work");
	bool vol = flags & CK__ROOTFS_VOLATILE;
	char msg[512];
	bool legacy;
	int err, rc = CK_OK;

	if (!upper || !work) {
		rc = ck__oom();
		goto out;
	}
	if ((rc = ck__mkdir_p(upper, 0755)) != CK_OK || (rc = ck__mkdir_p(work, 0700)) != CK_OK ||
	    (rc = clear_volatile_mark(r, work)) != CK_OK)
		goto out;
	err = mount_fsconfig(r->path, lowers, n, upper, work, r->ctx->rootless, vol, &legacy, msg, sizeof(msg));
	if (err && legacy) {
		msg[0] = '\0';
		err = mount_legacy(r->path, lowers, n, upper, work, r->ctx->rootless, vol);
		if (err == E2BIG) {
			rc = ck__error_set(CK_EUNSUPPORTED, "root filesystem \"%s\": %zu layers make overlay mount options "
			                                    "longer than a page, and this kernel lacks \"lowerdir+\" "
			                                    "(Linux 6.8+)", r->id, n);
			goto out;
		}
	}
	if (!err)
		goto out;
	rc = ck__error_sys((err == EPERM || err == ENODEV || err == EINVAL || err == ENOSYS) ? CK_EUNSUPPORTED
	                                                                                     : ck__errno_code(err),
	                   err, "root filesystem \"%s\": cannot mount overlay on %s%s", r->id, r->path, msg);
out:
	free(upper);
	free(work);
	return rc;
}

static bool force_copy(void)
{
	const char *v = getenv("CK_ROOTFS_FORCE_COPY");
	return v && *v && strcmp(v, "0") != 0;
}

/* The copy fallback: in a shifted rootless store, in its user namespace,
 * so that the copies keep the layers' owners. */
static int copy_layers(ck_rootfs *r, char **layers, size_t n)
{
	ck__shift sh;
	char **argv;
	int rc;

	if ((rc = ck__layer_shift(&sh, r->ctx, false)) != CK_OK)
		return rc;
	if (!sh.on)
		return ck__layer_copy_stack(r->path, layers, n, r->ctx->rootless, false);
	if (!(argv = calloc(n + 3, sizeof(*argv))))
		return ck__oom();
	argv[0] = "copy";
	argv[1] = r->path;
	memcpy(argv + 2, layers, n * sizeof(*argv));
	rc = ck__layer_job(NULL, r->ctx, &sh, argv, NULL, 0, NULL);
	free(argv);
	return rc;
}

/* Mounts (or copies) the layers at r->path; sets r->overlay. */
int ck__rootfs_materialize(ck_rootfs *r, char **lowers, size_t n, unsigned flags)
{
	char *upper = NULL, *work = NULL;
	int rc;

	if ((rc = ck__mkdir_p(r->path, 0755)) != CK_OK)
		return rc;
	if (!force_copy()) {
		rc = ck__rootfs_mount_overlay(r, lowers, n, flags);
		if (rc != CK_EUNSUPPORTED) {
			r->overlay = rc == CK_OK;
			return rc;
		}
		ck__log(r->ctx, CK_LOG_INFO, "%s; copying the layers instead", ck_error_last()->message);
		ck__error_clear();
	}
	r->overlay = false;
	if (!(upper = ck__path_join(r->dir, "upper")) || !(work = ck__path_join(r->dir, "work"))) {
		rc = ck__oom();
		goto out;
	}
	if ((rc = ck__store_remove(r->ctx, AT_FDCWD, upper, upper)) != CK_OK ||
	    (rc = ck__store_remove(r->ctx, AT_FDCWD, work, work)) != CK_OK)
		goto out;
	/* lowers[] is topmost first; the copy goes base first. */
	for (size_t i = 0; i < n / 2; i++) {
		char *t = lowers[i];
		lowers[i] = lowers[n - 1 - i];
		lowers[n - 1 - i] = t;
	}
	rc = copy_layers(r, lowers, n);
	if (rc != CK_OK)
		rc = ck__error_wrap(rc, "root filesystem \"%s\"", r->id);
out:
	free(upper);
	free(work);
	return rc;
}

int ck__rootfs_unmount(ck_rootfs *r)
{
	if (!is_mounted(r->dir, r->path))
		return CK_OK;
	if (umount2(r->path, UMOUNT_NOFOLLOW) == 0 || errno == EINVAL || errno == ENOENT)
		return CK_OK;
	if (errno == EBUSY)
		return ck__error_sys(CK_EINUSE, EBUSY, "root filesystem \"%s\": %s is still in use", r->id, r->path);
	return ck__error_errno(ck__errno_code(errno), "root filesystem \"%s\": cannot unmount %s", r->id, r->path);
}

bool ck__rootfs_mounted(const ck_rootfs *r)
{
	return is_mounted(r->dir, r->path);
}

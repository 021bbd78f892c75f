/* The store's work that runs in its user namespace (a shifted rootless
 * store, layer_idmap.c): unpacking a layer, copying the layers of a root
 * filesystem, moving and removing trees whose files subordinate ids own.
 * The library side builds a job of ck-userns (runtime/userns.h); the
 * helper's side, ck__layer_userns_main, runs its words:
 *   unpack WHAT BLOB WANT TMP LAYERS MAX_BYTES MAX_ENTRIES   fds 4 (blob), 5 (TMP)
 *   copy DEST LAYER...            the copy fallback of a root filesystem
 *   move SRC DST                  rename(2)
 *   remove PATH                   a file or a whole tree
 * Several jobs may follow one another, separated by ";"; the first failure
 * ends them. */
#define _GNU_SOURCE
#include "layer_int.h"
#include "layer/libarchive.h"
#include "layer/layer.h"
#include "runtime/userns.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- the library's side ---- */

static void relay_progress(const char *line, void *payload)
{
	const ck__unpack_job *j = payload;
	unsigned long long done, total;

	if (j && j->progress && sscanf(line, "p %llu %llu", &done, &total) == 2)
		j->progress("unpack", j->blob_digest, done, total, j->payload);
}

int ck__layer_job(char **result, ck_context *ctx, const ck__shift *sh, char *const *argv, const int *fds,
                  size_t n_fds, const ck__unpack_job *progress)
{
	ck__userns_job job = {
		.uid_maps = sh->uid, .gid_maps = sh->gid, .n_uid_maps = sh->n_uid, .n_gid_maps = sh->n_gid,
		.argv = argv, .fds = fds, .n_fds = n_fds,
		.on_line = progress ? relay_progress : NULL, .payload = (void *)progress,
	};

	return ck__userns_run(result, ctx, &job);
}

int ck__layer_unpack_shifted(char diff_hex[65], ck_context *ctx, const ck__shift *sh, int blob_fd, int rootfd,
                             const ck__unpack_job *j)
{
	char bytes[24], entries[24], *result = NULL;
	int fds[2] = { blob_fd, rootfd }, rc;

	snprintf(bytes, sizeof(bytes), "%" PRIu64, j->max_bytes);
	snprintf(entries, sizeof(entries), "%" PRIu64, j->max_entries);
	char *argv[] = { "unpack", (char *)j->what, (char *)j->blob_digest, *j->want_hex ? (char *)j->want_hex : "-",
		         (char *)j->tmp, (char *)j->layers, bytes, entries, NULL };
	rc = ck__layer_job(&result, ctx, sh, argv, fds, 2, j);
	if (rc == CK_OK && (strlen(result) != 64 || !ck__is_hex(result, 64)))
		rc = ck__error_set(CK_EIO, "%s: the user namespace helper reported \"%.80s\" as the diff id", j->what,
		                   result);
	if (rc == CK_OK)
		memcpy(diff_hex, result, 65);
	else if (ck__path_exists(j->tmp)) {
		/* The helper died before it could clean up. */
		char saved[1024];
		int code = ck_error_last()->code, err = ck_error_last()->sys_errno;
		snprintf(saved, sizeof(saved), "%s", ck_error_last()->message);
		ck__store_remove(ctx, AT_FDCWD, j->tmp, j->tmp);
		ck__error_sys(code, err, "%s", saved);
	}
	free(result);
	return rc;
}

/* The absolute path of `name` in `dirfd`, for the helper. */
static char *path_at(int dirfd, const char *name)
{
	char dir[PATH_MAX], link[64];
	ssize_t n;

	if (name[0] == '/')
		return ck__strdup(name);
	if (dirfd == AT_FDCWD) {
		if (!getcwd(dir, sizeof(dir)))
			return NULL;
	} else {
		snprintf(link, sizeof(link), "/proc/self/fd/%d", dirfd);
		if ((n = readlink(link, dir, sizeof(dir) - 1)) < 0)
			return NULL;
		dir[n] = '\0';
	}
	return ck__path_join(dir, name);
}

int ck__layer_removal_job(ck_context *ctx, char *const *argv, const char *shown)
{
	ck__shift sh;
	int rc = CK_EPERM;

	for (int attempt = 0; attempt < 2 && rc == CK_EPERM; attempt++) {
		if (!ck__layer_shift_for_removal(&sh, ctx, attempt)) {
			if (attempt == 0)
				return ck__error_set(CK_EPERM, "cannot remove %s: it holds files of other users, and this "
				                               "user has no subordinate ids (/etc/subuid) to reach them; "
				                               "root can remove it", shown);
			break;
		}
		rc = ck__layer_job(NULL, ctx, &sh, argv, NULL, 0, NULL);
	}
	if (rc == CK_EPERM)
		rc = ck__error_wrap(rc, "cannot remove %s (files owned by ids outside this user's ranges can only be "
		                        "removed by root)", shown);
	else if (rc != CK_OK)
		rc = ck__error_wrap(rc, "cannot remove %s", shown);
	return rc;
}

int ck__store_remove(ck_context *ctx, int dirfd, const char *name, const char *shown)
{
	char saved[1024], *path = NULL;
	int rc = ck__rm_at(dirfd, name, shown), code, err;

	if (rc == CK_OK || !ctx->rootless || geteuid() == 0)
		return rc;
	code = ck_error_last()->code;
	err = ck_error_last()->sys_errno;
	if (err != EACCES && err != EPERM)
		return rc;
	/* Files of subordinate ids, which the user's own process cannot
	 * remove: the rest goes in a namespace that maps them. */
	snprintf(saved, sizeof(saved), "%s", ck_error_last()->message);
	if (!(path = path_at(dirfd, name)))
		return ck__error_sys(code, err, "%s", saved);
	char *argv[] = { "remove", path, NULL };
	rc = ck__layer_removal_job(ctx, argv, shown);
	free(path);
	return rc;
}

int ck__store_clear(ck_context *ctx)
{
	static const char *const dirs[] = { "rootfs", "images/layers", "images/tmp" };
	int rc = CK_OK;

	/* A rootful store has nothing the reset could not remove (and its
	 * mount points are the reset's to refuse). */
	if (!ctx->rootless || geteuid() == 0)
		return CK_OK;
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]) && rc == CK_OK; i++) {
		char *path = ck__root_path(ctx, dirs[i]);
		rc = path ? ck__store_remove(ctx, AT_FDCWD, path, path) : ck__oom();
		free(path);
	}
	return rc;
}

/* ---- the helper's side ---- */

static void say_progress(const char *phase, const char *digest, uint64_t done, uint64_t total, void *payload)
{
	(void)phase;
	(void)digest;
	(void)payload;
	ck__userns_say("p %" PRIu64 " %" PRIu64, done, total);
}

static int parse_u64(uint64_t *out, const char *s, const char *what)
{
	char *end;

	errno = 0;
	*out = strtoull(s, &end, 10);
	if (errno || *end || !*s)
		return ck__error_set(CK_EINVAL, "ck-userns: bad %s \"%.40s\"", what, s);
	return CK_OK;
}

static int job_unpack(char **result, int argc, char **argv)
{
	ck__unpack_job j = { .rootless = true, .shifted = true, .progress = say_progress };
	char diff[65];
	int rc;

	if (argc != 8)
		return ck__error_set(CK_EINVAL, "ck-userns: unpack takes 7 arguments");
	j.what = argv[1];
	j.blob_digest = argv[2];
	j.tmp = argv[4];
	j.layers = argv[5];
	if ((rc = ck__digest_parse(argv[2], j.blob_hex)) != CK_OK ||
	    (strcmp(argv[3], "-") != 0 && (strlen(argv[3]) != 64 || !ck__is_hex(argv[3], 64))) ||
	    (rc = parse_u64(&j.max_bytes, argv[6], "size limit")) != CK_OK ||
	    (rc = parse_u64(&j.max_entries, argv[7], "entry limit")) != CK_OK)
		return rc != CK_OK ? rc : ck__error_set(CK_EINVAL, "ck-userns: bad diff id \"%.80s\"", argv[3]);
	if (strcmp(argv[3], "-") != 0)
		memcpy(j.want_hex, argv[3], 65);
	ck__userns_span(&j.uid_end, &j.gid_end);
	if ((rc = ck__archive_require()) != CK_OK)
		return rc;
	rc = ck__layer_unpack_at(diff, CK__USERNS_FIRST_JOB_FD, CK__USERNS_FIRST_JOB_FD + 1, &j);
	if (rc == CK_OK && !(*result = ck__strdup(diff)))
		rc = ck__oom();
	return rc;
}

/* One job: argv[0] is its word. */
static int job(char **result, int argc, char **argv)
{
	if (!strcmp(argv[0], "unpack"))
		return job_unpack(result, argc, argv);
	if (!strcmp(argv[0], "copy")) {
		if (argc < 2)
			return ck__error_set(CK_EINVAL, "ck-userns: copy takes a destination and layers");
		return ck__layer_copy_stack(argv[1], argv + 2, (size_t)argc - 2, true, true);
	}
	if (!strcmp(argv[0], "move")) {
		if (argc != 3)
			return ck__error_set(CK_EINVAL, "ck-userns: move takes 2 arguments");
		if (rename(argv[1], argv[2]) < 0)
			return ck__error_errno(CK_EIO, "cannot move %s to %s", argv[1], argv[2]);
		return CK_OK;
	}
	if (!strcmp(argv[0], "remove")) {
		if (argc != 2)
			return ck__error_set(CK_EINVAL, "ck-userns: remove takes 1 argument");
		return ck__rm_at(AT_FDCWD, argv[1], argv[1]);
	}
	return ck__error_set(CK_EINVAL, "ck-userns: unknown job \"%.40s\"", argv[0]);
}

int ck__layer_userns_main(int argc, char **argv)
{
	char *result = NULL;
	int rc = CK_OK, start = 0;

	if (argc < 1) {
		ck__error_set(CK_EINVAL, "ck-userns: no job");
		ck__userns_say_error();
		return 1;
	}
	for (int i = 0; i <= argc && rc == CK_OK; i++) {
		if (i < argc && strcmp(argv[i], ";") != 0)
			continue;
		if (i > start) {
			free(result);
			result = NULL;
			rc = job(&result, i - start, argv + start);
		}
		start = i + 1;
	}
	if (rc != CK_OK) {
		ck__userns_say_error();
	} else {
		ck__userns_say("ok%s%s", result ? " " : "", result ? result : "");
	}
	free(result);
	return rc == CK_OK ? 0 : 1;
}

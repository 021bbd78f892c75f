/* How a rootless store holds owners, recorded in images/idmap the first time
 * a layer is unpacked: "uid C H N" and "gid C H N" lines (container id, host
 * id, count; podman's rootless mapping, ck__host_idmaps) when the files are
 * owned in the user's subordinate ids, or "none" when they are the user's
 * own with their owners in user.containers.override_stat.  A user whose
 * mapping differs is refused: the files would show the wrong owners in his
 * containers, and he could not remove them. */
#define _GNU_SOURCE
#include "layer_int.h"
#include "runtime/userns.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MARKER "idmap"

/* The calling user's mapping; `on` false when he has no ranges. */
static int user_mapping(ck__shift *out)
{
	int rc;

	memset(out, 0, sizeof(*out));
	rc = ck__host_idmaps(out->uid, &out->n_uid, out->gid, &out->n_gid);
	if (rc == CK_ENOTFOUND) {
		ck__error_clear();
		memset(out, 0, sizeof(*out));
		return CK_OK;
	}
	out->on = rc == CK_OK;
	return rc;
}

static bool same(const ck__shift *a, const ck__shift *b)
{
	if (a->on != b->on || a->n_uid != b->n_uid || a->n_gid != b->n_gid)
		return false;
	for (size_t i = 0; i < a->n_uid; i++)
		if (memcmp(&a->uid[i], &b->uid[i], sizeof(a->uid[i])) != 0)
			return false;
	for (size_t i = 0; i < a->n_gid; i++)
		if (memcmp(&a->gid[i], &b->gid[i], sizeof(a->gid[i])) != 0)
			return false;
	return true;
}

void ck__layer_shift_describe(char *buf, size_t size, const ck__shift *sh)
{
	size_t used = 0;

	buf[0] = '\0';
	if (!sh->on) {
		snprintf(buf, size, "none");
		return;
	}
	for (int k = 0; k < 2; k++) {
		const ck__idmap *m = k ? sh->gid : sh->uid;
		size_t n = k ? sh->n_gid : sh->n_uid;
		used += (size_t)snprintf(buf + used, used < size ? size - used : 0, "%s%s ", k ? "; " : "",
		                         k ? "gid" : "uid");
		for (size_t i = 0; i < n && used < size; i++)
			used += (size_t)snprintf(buf + used, size - used, "%s%u:%u:%u", i ? "," : "", m[i].container_id,
			                         m[i].host_id, m[i].size);
	}
}

static char *format(const ck__shift *sh)
{
	ck__buf b = { 0 };

	if (!sh->on) {
		ck__buf_puts(&b, "none\n");
	} else {
		for (size_t i = 0; i < sh->n_uid; i++)
			ck__buf_printf(&b, "uid %u %u %u\n", sh->uid[i].container_id, sh->uid[i].host_id, sh->uid[i].size);
		for (size_t i = 0; i < sh->n_gid; i++)
			ck__buf_printf(&b, "gid %u %u %u\n", sh->gid[i].container_id, sh->gid[i].host_id, sh->gid[i].size);
	}
	ck__buf_add(&b, "", 0);
	return ck__buf_take(&b);
}

static int parse(ck__shift *out, char *text, const char *path)
{
	char *save = NULL;

	memset(out, 0, sizeof(*out));
	if (!strncmp(text, "none", 4) && text[4 + strspn(text + 4, " \t\n")] == '\0')
		return CK_OK;
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char kind[4], extra;
		unsigned c, h, n;
		if (sscanf(line, "%3s %u %u %u %c", kind, &c, &h, &n, &extra) != 4 || n == 0)
			goto bad;
		if (!strcmp(kind, "uid") && out->n_uid < 2)
			out->uid[out->n_uid++] = (ck__idmap){ c, h, n };
		else if (!strcmp(kind, "gid") && out->n_gid < 2)
			out->gid[out->n_gid++] = (ck__idmap){ c, h, n };
		else
			goto bad;
	}
	if (!out->n_uid || !out->n_gid)
		goto bad;
	out->on = true;
	return CK_OK;
bad:
	memset(out, 0, sizeof(*out));
	return ck__error_set(CK_ECORRUPT, "%s is damaged (it says how this rootless store's files are owned); "
	                                  "remove the store's images and containers with `ck system reset`", path);
}

/* The recorded way; `*exists` false when nothing is recorded yet. */
static int read_marker(ck__shift *out, bool *exists, ck_context *ctx)
{
	char *path = ck__store_path(ctx, MARKER), *text = NULL;
	size_t len = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	*exists = false;
	if (!path)
		return ck__oom();
	rc = ck__read_file(&text, &len, path, 4096);
	if (rc == CK_ENOTFOUND || (rc != CK_OK && ck_error_last()->sys_errno == ENOENT)) {
		ck__error_clear();
		rc = CK_OK;
	} else if (rc == CK_OK) {
		*exists = true;
		rc = parse(out, text, path);
	}
	free(text);
	free(path);
	return rc;
}

/* Records `sh` unless another process was first: then what it recorded
 * is read back into `sh`. */
static int write_marker(ck__shift *sh, ck_context *ctx)
{
	char rnd[65], *path = ck__store_path(ctx, MARKER), *tmp = NULL, *text = format(sh), *dir = NULL;
	int rc = CK_OK, fd = -1;
	bool exists;

	if (!path || !text || (rc = ck__random_id(rnd)) != CK_OK || !(tmp = ck__asprintf("%s.tmp-%.16s", path, rnd)) ||
	    !(dir = ck__store_path(ctx, ""))) {
		rc = rc != CK_OK ? rc : ck__oom();
		goto out;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text) || fsync(fd) < 0) {
		rc = ck__error_errno(CK_EIO, "cannot write %s", tmp);
		goto out;
	}
	/* link() does not replace: the first writer's record stands. */
	if (link(tmp, path) < 0 && errno != EEXIST) {
		rc = ck__error_errno(CK_EIO, "cannot create %s", path);
		goto out;
	}
	if ((rc = ck__fsync_dir(dir)) == CK_OK)
		rc = read_marker(sh, &exists, ctx);
out:
	if (fd >= 0) {
		close(fd);
		unlink(tmp);
	}
	free(path);
	free(tmp);
	free(text);
	free(dir);
	return rc;
}

/* Layers unpacked before a marker existed (they are the user's own). */
static bool has_layers(ck_context *ctx)
{
	char *path = ck__store_path(ctx, "layers");
	DIR *d = path ? opendir(path) : NULL;
	struct dirent *de;
	bool found = false;

	while (d && !found && (de = readdir(d)))
		found = strlen(de->d_name) == 64 && ck__is_hex(de->d_name, 64);
	if (d)
		closedir(d);
	free(path);
	return found;
}

/* newuidmap and newgidmap, without which nothing can be shifted. */
static bool tools_installed(ck_context *ctx)
{
	static const char *const tools[] = { "newuidmap", "newgidmap" };

	for (size_t i = 0; i < 2; i++) {
		char *path = NULL;
		if (ck__userns_tool(&path, tools[i]) != CK_OK) {
			ck__log(ctx, CK_LOG_DEBUG, "%s", ck_error_last()->message);
			ck__error_clear();
			return false;
		}
		free(path);
	}
	return true;
}

static bool is_rootless(const ck_context *ctx)
{
	/* A root process that plays rootless (tests) can chown anyway: it
	 * keeps the unshifted policy. */
	return ctx->rootless && geteuid() != 0;
}

int ck__layer_shift(ck__shift *out, ck_context *ctx, bool create)
{
	static int told_unshifted;
	char want[160], have[160];
	ck__shift rec, user;
	bool exists;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!is_rootless(ctx))
		return CK_OK;
	if ((rc = read_marker(&rec, &exists, ctx)) != CK_OK || (rc = user_mapping(&user)) != CK_OK)
		return rc;
	if (!exists) {
		if (user.on && !tools_installed(ctx))
			user.on = false;
		if (has_layers(ctx))
			user.on = false; /* made before owners were shifted */
		else if (!user.on)
			ck__log(ctx, CK_LOG_DEBUG, "rootless store %s: no subordinate id range for this user, so layer "
			                           "files stay the user's own and their owners are recorded in "
			                           CK__XATTR_OVERRIDE, ctx->root);
		if (create && (rc = write_marker(&user, ctx)) != CK_OK)
			return rc;
		*out = user;
		return CK_OK;
	}
	if (!rec.on) {
		if (user.on && !__atomic_exchange_n(&told_unshifted, 1, __ATOMIC_RELAXED))
			ck__log(ctx, CK_LOG_INFO, "rootless store %s keeps layer files owned by the user (it was made "
			                          "without subordinate ids), so containers see them owned by root; "
			                          "`ck system reset` lets new layers be owned in the ranges of /etc/subuid",
			        ctx->root);
		else
			ck__log(ctx, CK_LOG_DEBUG, "rootless store %s: layer files are the user's own, their owners "
			                           "recorded in " CK__XATTR_OVERRIDE, ctx->root);
		return CK_OK;
	}
	if (!same(&rec, &user)) {
		ck__layer_shift_describe(want, sizeof(want), &rec);
		ck__layer_shift_describe(have, sizeof(have), &user);
		return ck__error_set(CK_ESTATE, "rootless store %s has its files owned through the id mapping %s, but "
		                                "this user's mapping (from /etc/subuid and /etc/subgid) is %s; remove "
		                                "its images and containers with `ck system reset`, or restore the "
		                                "old ranges", ctx->root, want, have);
	}
	*out = rec;
	return CK_OK;
}

bool ck__layer_shift_for_removal(ck__shift *out, ck_context *ctx, int attempt)
{
	ck__shift rec, user;
	bool exists, have_rec;

	memset(out, 0, sizeof(*out));
	if (!is_rootless(ctx))
		return false;
	have_rec = read_marker(&rec, &exists, ctx) == CK_OK && exists && rec.on;
	ck__error_clear();
	if (user_mapping(&user) != CK_OK)
		memset(&user, 0, sizeof(user));
	ck__error_clear();
	if (attempt == 0 && (have_rec || user.on))
		*out = have_rec ? rec : user;
	else if (attempt == 1 && have_rec && user.on && !same(&rec, &user))
		*out = user;
	return out->on;
}

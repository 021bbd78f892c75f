/* Users and groups of a container, looked up in its image's /etc/passwd and
 * /etc/group as podman does (numeric ids need no entry). */
#define _GNU_SOURCE
#include "container_int.h"
#include "image/image.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DB_MAX (4u << 20)

static bool parse_id(const char *s, uint32_t *out)
{
	char *end;
	unsigned long v;

	if (!*s || !isdigit((unsigned char)*s))
		return false;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > 0xfffffffeUL)
		return false;
	*out = (uint32_t)v;
	return true;
}

int ck__root_read_file(char **out, const char *rootfs, const char *file)
{
	ck__buf b = { 0 };
	char chunk[8192];
	int root = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC), fd = -1, rc;

	*out = NULL;
	if (root < 0)
		return ck__error_errno(CK_EIO, "cannot open the root filesystem %s", rootfs);
	rc = ck__root_open(&fd, root, file, O_RDONLY, 0);
	close(root);
	if (rc == CK_ENOTFOUND) {
		ck__error_clear();
		*out = strdup("");
		return *out ? CK_OK : ck__oom();
	}
	if (rc != CK_OK)
		return rc;
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (b.len + (size_t)n > DB_MAX)
			break;
		ck__buf_add(&b, chunk, (size_t)n);
	}
	close(fd);
	ck__buf_add(&b, "", 0);
	*out = ck__buf_take(&b);
	return *out ? CK_OK : ck__oom();
}

/* Splits one "a:b:c" line into at most `max` fields (in place). */
static size_t fields(char *line, char **f, size_t max)
{
	size_t n = 0;
	f[n++] = line;
	for (char *p = line; *p && n < max; p++) {
		if (*p == ':') {
			*p = '\0';
			f[n++] = p + 1;
		}
	}
	return n;
}

typedef struct pwent {
	bool found;
	uint32_t uid, gid;
	char name[256], home[1024];
} pwent;

/* Finds a passwd entry by name (when `name`) or by uid. */
static void find_passwd(pwent *pw, char *db, const char *name, uint32_t uid)
{
	char *save = NULL;
	memset(pw, 0, sizeof(*pw));
	for (char *line = strtok_r(db, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *f[7];
		uint32_t u, g;
		if (fields(line, f, 7) < 4 || !parse_id(f[2], &u) || !parse_id(f[3], &g))
			continue;
		if (name ? strcmp(f[0], name) != 0 : u != uid)
			continue;
		pw->found = true;
		pw->uid = u;
		pw->gid = g;
		snprintf(pw->name, sizeof(pw->name), "%s", f[0]);
		snprintf(pw->home, sizeof(pw->home), "%s", f[5] && *f[5] ? f[5] : "/");
		return;
	}
}

static int lookup_group(uint32_t *gid, const char *db_text, const char *group)
{
	char *db = strdup(db_text), *save = NULL;

	if (!db)
		return ck__oom();
	for (char *line = strtok_r(db, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *f[4];
		uint32_t g;
		if (fields(line, f, 4) >= 3 && strcmp(f[0], group) == 0 && parse_id(f[2], &g)) {
			*gid = g;
			free(db);
			return CK_OK;
		}
	}
	free(db);
	return ck__error_set(CK_ENOTFOUND, "group \"%s\" not found in the image's /etc/group", group);
}

int ck__group_resolve(uint32_t *gid, const ck__userdb *db, const char *group)
{
	if (parse_id(group, gid))
		return CK_OK;
	return lookup_group(gid, db->group, group);
}

int ck__userdb_from_rootfs(ck__userdb *db, const char *rootfs)
{
	db->passwd = db->group = NULL;
	if (ck__root_read_file(&db->passwd, rootfs, "/etc/passwd") == CK_OK &&
	    ck__root_read_file(&db->group, rootfs, "/etc/group") == CK_OK)
		return CK_OK;
	ck__userdb_free(db);
	return ck_error_last()->code;
}

static int layer_file(char **out, char **dirs, size_t n, const char *file, bool rootless)
{
	int rc = ck__layer_read_file(out, NULL, dirs, n, file, DB_MAX, rootless);
	if (rc == CK_ENOTFOUND) {
		ck__error_clear();
		*out = strdup("");
		rc = *out ? CK_OK : ck__oom();
	}
	return rc;
}

int ck__userdb_from_layers(ck__userdb *db, char **dirs, size_t n, bool rootless)
{
	int rc;

	db->passwd = db->group = NULL;
	if ((rc = layer_file(&db->passwd, dirs, n, "/etc/passwd", rootless)) == CK_OK &&
	    (rc = layer_file(&db->group, dirs, n, "/etc/group", rootless)) == CK_OK)
		return CK_OK;
	ck__userdb_free(db);
	return rc;
}

void ck__userdb_free(ck__userdb *db)
{
	free(db->passwd);
	free(db->group);
	db->passwd = db->group = NULL;
}

/* The gids of the groups that list `name` as a member. */
static int member_groups(uint32_t **out, size_t *n, const char *db_text, const char *name, uint32_t primary)
{
	char *db = strdup(db_text), *save = NULL;

	if (!db)
		return ck__oom();
	for (char *line = strtok_r(db, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *f[4], *msave = NULL;
		uint32_t g;
		if (fields(line, f, 4) < 4 || !parse_id(f[2], &g) || g == primary)
			continue;
		for (char *m = strtok_r(f[3], ",", &msave); m; m = strtok_r(NULL, ",", &msave)) {
			if (strcmp(m, name) != 0)
				continue;
			uint32_t *ng = realloc(*out, (*n + 1) * sizeof(*ng));
			if (!ng) {
				free(db);
				return ck__oom();
			}
			*out = ng;
			(*out)[(*n)++] = g;
			break;
		}
	}
	free(db);
	return CK_OK;
}

int ck__user_resolve(uint32_t *uid, uint32_t *gid, uint32_t **groups, size_t *n_groups, char **home,
                     const ck__userdb *db, const char *user, bool with_groups)
{
	char *ucopy = NULL, *gpart;
	pwent pw;
	int rc = CK_OK;

	*uid = *gid = 0;
	if (home)
		*home = NULL;
	if (!user || !*user)
		user = "0";
	if (!(ucopy = strdup(user)))
		return ck__oom();
	if ((gpart = strchr(ucopy, ':')))
		*gpart++ = '\0';
	if (parse_id(ucopy, uid)) {
		find_passwd(&pw, db->passwd, NULL, *uid);
	} else {
		find_passwd(&pw, db->passwd, ucopy, 0);
		if (!pw.found) {
			rc = ck__error_set(CK_ENOTFOUND, "user \"%s\" not found in the image's /etc/passwd (use a "
			                                 "numeric UID[:GID])", ucopy);
			goto out;
		}
		*uid = pw.uid;
	}
	*gid = pw.found ? pw.gid : 0;
	if (gpart && !parse_id(gpart, gid) && (rc = lookup_group(gid, db->group, gpart)) != CK_OK)
		goto out;
	if (home && !(*home = strdup(pw.found ? pw.home : "/"))) {
		rc = ck__oom();
		goto out;
	}
	if (with_groups && pw.found && !gpart)
		rc = member_groups(groups, n_groups, db->group, pw.name, *gid);
out:
	if (rc != CK_OK && home) {
		free(*home);
		*home = NULL;
	}
	free(ucopy);
	return rc;
}

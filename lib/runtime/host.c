/* What this host offers a container: the cgroup layout, the caller's
 * rlimits and identity, where the OCI runtimes are, and whether the chosen
 * runtime can run here (with the one fix docs/HOST-SETUP.md documents applied). */
#define _GNU_SOURCE
#include "runtime_int.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

#define CGROUP_ROOT "/sys/fs/cgroup"
#define UNIFIED_CONTROLLERS CGROUP_ROOT "/unified/cgroup.controllers"

static bool is_cgroup2(const char *path)
{
	struct statfs sf;
	return statfs(path, &sf) == 0 && (unsigned long)sf.f_type == (unsigned long)CGROUP2_SUPER_MAGIC;
}

/* The controllers bound to the hybrid host's cgroup2 hierarchy, trimmed;
 * "" when none or unreadable. */
static void unified_controllers(char *buf, size_t size)
{
	int fd = open(UNIFIED_CONTROLLERS, O_RDONLY | O_CLOEXEC);
	ssize_t n = -1;

	buf[0] = '\0';
	if (fd < 0)
		return;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n <= 0) {
		buf[0] = '\0';
		return;
	}
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
}

int ck__host_probe(ck__host *out)
{
	char ctl[256];

	memset(out, 0, sizeof(*out));
	if (is_cgroup2(CGROUP_ROOT))
		out->cgroup_mode = CK__CGROUP_V2;
	else if (is_cgroup2(CGROUP_ROOT "/unified"))
		out->cgroup_mode = CK__CGROUP_HYBRID;
	else
		out->cgroup_mode = CK__CGROUP_V1;
	if (out->cgroup_mode == CK__CGROUP_HYBRID) {
		unified_controllers(ctl, sizeof(ctl));
		out->hybrid_controllers_on_v2 = ctl[0] != '\0';
	}
	out->rootless = geteuid() != 0;
	out->selinux_enabled = access("/sys/fs/selinux/enforce", F_OK) == 0;
	if (getrlimit(RLIMIT_NOFILE, &out->nofile) < 0 || getrlimit(RLIMIT_NPROC, &out->nproc) < 0)
		return ck__error_errno(CK_EIO, "cannot read this process's resource limits");
	return CK_OK;
}

static bool is_executable_file(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

int ck__runtime_find(char **path, const char *name)
{
	/* Root's PATH often lacks the sbin directories, where runc lives on
	 * Debian; they are searched after PATH. */
	static const char fallback[] = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	const char *env_path = getenv("PATH");
	char *dirs = NULL, *save = NULL;

	*path = NULL;
	if (!name || !*name)
		return ck__error_set(CK_EINVAL, "the OCI runtime name is empty");
	if (strchr(name, '/')) {
		if (name[0] != '/')
			return ck__error_set(CK_EINVAL,
			                     "OCI runtime \"%s\": a path to a runtime must be absolute", name);
		if (!is_executable_file(name))
			return ck__error_set(CK_ENOTFOUND,
			                     "OCI runtime %s is not an executable file; install it, or name "
			                     "another runtime (--runtime crun or --runtime runc)", name);
		*path = ck__strdup(name);
		return *path ? CK_OK : ck__oom();
	}
	dirs = ck__asprintf("%s:%s", env_path && *env_path ? env_path : "", fallback);
	if (!dirs)
		return ck__oom();
	for (char *d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		if (d[0] != '/')
			continue; /* a relative PATH entry would depend on the cwd */
		char *cand = ck__path_join(d, name);
		if (!cand) {
			free(dirs);
			return ck__oom();
		}
		if (is_executable_file(cand)) {
			free(dirs);
			*path = cand;
			return CK_OK;
		}
		free(cand);
	}
	free(dirs);
	if (strcmp(name, "crun") == 0 || strcmp(name, "runc") == 0)
		return ck__error_set(CK_ENOTFOUND,
		                     "OCI runtime \"%s\" not found in PATH or the sbin directories; install "
		                     "it (apt-get install %s) or use --runtime %s",
		                     name, name, strcmp(name, "crun") == 0 ? "runc" : "crun");
	return ck__error_set(CK_ENOTFOUND,
	                     "OCI runtime \"%s\" not found in PATH or the sbin directories; install it, "
	                     "or name it by absolute path, or use --runtime crun or --runtime runc",
	                     name);
}

bool ck__runtime_is_crun(const char *name_or_path)
{
	const char *base = name_or_path ? strrchr(name_or_path, '/') : NULL;
	base = base ? base + 1 : name_or_path;
	return base && strncmp(base, "crun", 4) == 0;
}

/* Whether a cgroup v1 hierarchy is mounted at `dir` (in this mount namespace). */
static bool v1_mounted_at(const char *dir)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char *line = NULL;
	size_t cap = 0;
	bool found = false;

	if (!f)
		return false;
	while (!found && getline(&line, &cap, f) > 0) {
		char mnt[4096];
		const char *sep = strstr(line, " - ");
		/* id parent maj:min root mountpoint ... - fstype ... */
		if (sscanf(line, "%*s %*s %*s %*s %4095s", mnt) == 1 && strcmp(mnt, dir) == 0 && sep &&
		    strncmp(sep + 3, "cgroup ", 7) == 0)
			found = true;
	}
	free(line);
	fclose(f);
	return found;
}

/* The command a human would run to move every controller in `ctl` (a space
 * separated list) from cgroup2 to v1 hierarchies of their own. */
static char *fix_command(const char *ctl)
{
	ck__buf b = { 0 };
	char *copy = ck__strdup(ctl), *save = NULL;

	if (!copy) {
		ck__oom();
		return NULL;
	}
	for (char *c = strtok_r(copy, " ", &save); c; c = strtok_r(NULL, " ", &save))
		ck__buf_printf(&b, "%smkdir -p " CGROUP_ROOT "/%s; mount -t cgroup -o %s cgroup " CGROUP_ROOT "/%s",
		               b.len ? "; " : "", c, c, c);
	free(copy);
	return ck__buf_take(&b);
}

/* Rebinds hugetlb to a v1 hierarchy of its own, so that the cgroup2
 * hierarchy has no controllers left.  Concurrent callers (several
 * contexts, several processes) may race here: a second mount of the same
 * v1 hierarchy fails with EBUSY or stacks harmlessly, and the outcome is
 * judged by re-reading the controllers, not by the mount's return. */
static int fix_hybrid(ck_context *ctx)
{
	const char *dir = CGROUP_ROOT "/hugetlb";
	char ctl[256];
	int err = 0;

	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return ck__error_errno(CK_EPERM, "cannot create %s to rebind hugetlb to cgroup v1", dir);
	if (!v1_mounted_at(dir) && mount("cgroup", dir, "cgroup", MS_NOSUID | MS_NODEV | MS_NOEXEC, "hugetlb") < 0)
		err = errno;
	unified_controllers(ctl, sizeof(ctl));
	if (ctl[0] != '\0') {
		return ck__error_sys(CK_EUNSUPPORTED, err,
		                     "crun cannot run on this hybrid cgroup host and rebinding hugetlb to "
		                     "cgroup v1 did not help (cgroup2 still has \"%s\"); run `mkdir -p %s; "
		                     "mount -t cgroup -o hugetlb cgroup %s` as root, or use --runtime runc",
		                     ctl, dir, dir);
	}
	ck__log(ctx, CK_LOG_INFO,
	        "hybrid cgroup host: rebound the hugetlb controller from cgroup2 to a v1 hierarchy at %s "
	        "so that crun can run (set CK_FIX_HYBRID_CGROUPS=0 to forbid this)", dir);
	return CK_OK;
}

int ck__runtime_host_check(ck_context *ctx, const ck__host *host, const char *runtime_path)
{
	char ctl[256];
	const char *allow = getenv("CK_FIX_HYBRID_CGROUPS");
	char *cmd;
	int rc;

	if (!runtime_path || !ck__runtime_is_crun(runtime_path) || host->cgroup_mode != CK__CGROUP_HYBRID ||
	    !host->hybrid_controllers_on_v2)
		return CK_OK;
	unified_controllers(ctl, sizeof(ctl));
	if (ctl[0] == '\0')
		return CK_OK; /* fixed since the probe */
	if (strcmp(ctl, "hugetlb") == 0 && geteuid() == 0 && !(allow && strcmp(allow, "0") == 0))
		return fix_hybrid(ctx);
	cmd = fix_command(ctl);
	if (!cmd)
		return CK_ENOMEM;
	rc = ck__error_set(CK_EUNSUPPORTED,
	                   "crun cannot run on this hybrid cgroup host: the cgroup2 hierarchy at "
	                   CGROUP_ROOT "/unified has controllers bound (%s)%s; run `%s` as root, "
	                   "or use --runtime runc",
	                   ctl,
	                   geteuid() != 0 ? " and only root can move them"
	                   : strcmp(ctl, "hugetlb") != 0 ? " that are not moved automatically"
	                   : " and CK_FIX_HYBRID_CGROUPS=0 forbids moving them",
	                   cmd);
	free(cmd);
	return rc;
}

/* Reads the "name:start:count" line for the user from /etc/subuid or
 * /etc/subgid (by name or by numeric id). */
static int subid_range(uint32_t *start, uint32_t *count, const char *file, const char *user, uid_t uid)
{
	FILE *f = fopen(file, "re");
	char *line = NULL;
	size_t cap = 0;
	char uidstr[16];
	int rc = CK_ENOTFOUND;

	snprintf(uidstr, sizeof(uidstr), "%u", (unsigned)uid);
	if (!f)
		return ck__error_errno(CK_ENOTFOUND,
		                       "cannot read %s for the rootless user %s's subordinate ids", file,
		                       user ? user : uidstr);
	while (getline(&line, &cap, f) > 0) {
		char *save = NULL;
		char *name = strtok_r(line, ":\n", &save);
		char *s = strtok_r(NULL, ":\n", &save);
		char *c = strtok_r(NULL, ":\n", &save);
		if (!name || !s || !c)
			continue;
		if (strcmp(name, uidstr) != 0 && !(user && strcmp(name, user) == 0))
			continue;
		*start = (uint32_t)strtoul(s, NULL, 10);
		*count = (uint32_t)strtoul(c, NULL, 10);
		if (*count > 0) {
			rc = CK_OK;
			break;
		}
	}
	free(line);
	fclose(f);
	if (rc != CK_OK)
		return ck__error_set(CK_ENOTFOUND,
		                     "%s has no range for the rootless user %s; add one with `usermod "
		                     "--add-subuids 100000-165535 --add-subgids 100000-165535 %s`",
		                     file, user ? user : uidstr, user ? user : uidstr);
	return CK_OK;
}

int ck__host_idmaps(ck__idmap uid_maps[2], size_t *n_uid, ck__idmap gid_maps[2], size_t *n_gid)
{
	struct passwd pw, *res = NULL;
	char buf[4096];
	uid_t uid = geteuid();
	gid_t gid = getegid();
	const char *user = NULL;
	uint32_t start, count;
	int rc;

	*n_uid = *n_gid = 0;
	if (getpwuid_r(uid, &pw, buf, sizeof(buf), &res) == 0 && res)
		user = res->pw_name;
	if ((rc = subid_range(&start, &count, "/etc/subuid", user, uid)) != CK_OK)
		return rc;
	uid_maps[0] = (ck__idmap){ 0, (uint32_t)uid, 1 };
	uid_maps[1] = (ck__idmap){ 1, start, count };
	if ((rc = subid_range(&start, &count, "/etc/subgid", user, uid)) != CK_OK)
		return rc;
	gid_maps[0] = (ck__idmap){ 0, (uint32_t)gid, 1 };
	gid_maps[1] = (ck__idmap){ 1, start, count };
	*n_uid = *n_gid = 2;
	return CK_OK;
}

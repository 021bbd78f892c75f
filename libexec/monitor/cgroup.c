/* The monitor's own cgroup.  A root monitor leaves its caller's cgroups for
 * containerkit/monitor in every hierarchy the host mounts (the v1
 * controllers, the named systemd hierarchy and the unified one), as podman
 * moves conmon to libpod_parent/conmon: stopping the caller's service, or
 * limiting it, does not reach the containers' monitors.  cpuset is left
 * alone: a new cpuset cgroup has no CPUs until they are copied in, and
 * nothing is gained by leaving its root.
 *
 * It is done from a thread of its own, so that the start does not wait for
 * it.  The wait is real on cgroup v1: the first migration of a process
 * after a quiet spell waits for an RCU grace period (10 to 30 ms here),
 * and the runtime, which moves the container's init a few milliseconds
 * later, then finds the way open instead of waiting for one too.
 * Best effort: a hierarchy that cannot be joined is logged and skipped. */
#define _GNU_SOURCE
#include "monitor.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <mntent.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MON_CGROUP "containerkit/monitor"

static bool has_option(const char *opts, const char *name)
{
	size_t n = strlen(name);
	for (const char *p = opts; p && *p;) {
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		if (len == n && !strncmp(p, name, n))
			return true;
		p = e ? e + 1 : NULL;
	}
	return false;
}

/* Joins one hierarchy mounted at `point`; 0 or an errno. */
static int join(const char *point, pid_t pid)
{
	char dir[PATH_MAX], file[PATH_MAX + 16], buf[24];

	if (snprintf(dir, sizeof(dir), "%s/containerkit", point) >= (int)sizeof(dir))
		return ENAMETOOLONG;
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return errno;
	snprintf(dir, sizeof(dir), "%s/" MON_CGROUP, point);
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return errno;
	snprintf(file, sizeof(file), "%s/cgroup.procs", dir);
	int fd = open(file, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	int len = snprintf(buf, sizeof(buf), "%d", (int)pid);
	int rc = write(fd, buf, (size_t)len) == len ? 0 : errno;
	close(fd);
	return rc;
}

static void *join_all(void *arg)
{
	mon *m = arg;
	struct mntent ent;
	char buf[4096];
	FILE *f = setmntent("/proc/self/mounts", "re");

	if (!f) {
		m->cgroup_err = errno;
		return NULL;
	}
	while (getmntent_r(f, &ent, buf, sizeof(buf))) {
		bool v2 = !strcmp(ent.mnt_type, "cgroup2");
		if (!v2 && (strcmp(ent.mnt_type, "cgroup") != 0 || has_option(ent.mnt_opts, "cpuset")))
			continue;
		int err = join(ent.mnt_dir, m->self);
		if (err && !m->cgroup_err) {
			m->cgroup_err = err;
			snprintf(m->cgroup_failed, sizeof(m->cgroup_failed), "%s", ent.mnt_dir);
		}
	}
	endmntent(f);
	return NULL;
}

void mon_cgroup_start(mon *m)
{
	pthread_attr_t attr;

	m->self = getpid();
	m->cgroup_started = false;
	if (geteuid() != 0)
		return; /* rootless: the caller's delegated cgroup, if any, is kept */
	/* Started by a service unit (`ck generate systemd` units set this):
	 * the monitor is the unit's main process, and systemd takes a unit
	 * whose cgroup has emptied for a stopped one, so the monitor stays in
	 * it (podman's --cgroups=no-conmon). */
	const char *unit = getenv("PODMAN_SYSTEMD_UNIT");
	if (unit && *unit)
		return;
	/* The thread takes no signal: SIGCHLD is read from the main thread's
	 * signalfd, and one delivered to this thread (whose default action
	 * drops it) would leave an exited runtime unreaped. */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 64 * 1024);
	m->cgroup_started = pthread_create(&m->cgroup_thread, &attr, join_all, m) == 0;
	pthread_attr_destroy(&attr);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

void mon_cgroup_finish(mon *m)
{
	if (!m->cgroup_started)
		return;
	pthread_join(m->cgroup_thread, NULL);
	m->cgroup_started = false;
	if (m->cgroup_err && m->ctx)
		ck__log(m->ctx, CK_LOG_DEBUG, "monitor: cannot join the cgroup %s%s%s: %s", MON_CGROUP,
		        *m->cgroup_failed ? " under " : "", m->cgroup_failed, strerror(m->cgroup_err));
}

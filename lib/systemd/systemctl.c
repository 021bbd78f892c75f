/* Asks the running systemd to act on a unit through the systemctl program:
 * that keeps libsystemd and a D-Bus client out of the library, and systemctl
 * already waits for the job and explains a failure in words. */
#define _GNU_SOURCE
#include "systemctl.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static const char *systemctl_path(void)
{
	static const char *const paths[] = { "/usr/bin/systemctl", "/bin/systemctl" };

	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		if (access(paths[i], X_OK) == 0)
			return paths[i];
	return NULL;
}

bool ck__systemd_running(void)
{
	return access("/run/systemd/system", F_OK) == 0 && systemctl_path() != NULL;
}

/* A unit name as systemd allows it: the label that carries it is the
 * user's to set, and must not pass for an option of systemctl. */
static bool unit_name_ok(const char *unit)
{
	if (!*unit || *unit == '-' || *unit == '.' || strlen(unit) > 255)
		return false;
	for (const char *p = unit; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		      strchr(":_.\\@-", *p)))
			return false;
	return strchr(unit, '.') != NULL;
}

int ck__systemctl_unit(ck_context *ctx, const char *verb, const char *unit)
{
	const char *path = systemctl_path();
	const char *argv[] = { "systemctl", verb, unit, NULL };
	posix_spawn_file_actions_t fa;
	char said[1024];
	size_t n = 0;
	int fds[2], status = 0, err;
	pid_t pid;

	(void)ctx;
	if (!path)
		return ck__error_set(CK_EUNSUPPORTED, "systemctl is not installed (/usr/bin/systemctl): cannot %s %s",
		                     verb, unit);
	if (!unit_name_ok(unit))
		return ck__error_set(CK_EINVAL, "\"%s\" is not a systemd unit name", unit);
	if (pipe2(fds, O_CLOEXEC) < 0)
		return ck__error_set(ck__errno_code(errno), "cannot %s %s: pipe: %s", verb, unit, strerror(errno));
	if ((err = posix_spawn_file_actions_init(&fa)) != 0) {
		close(fds[0]);
		close(fds[1]);
		return ck__error_set(CK_ENOMEM, "cannot %s %s: %s", verb, unit, strerror(err));
	}
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
	posix_spawn_file_actions_adddup2(&fa, fds[1], 2);
	err = posix_spawn(&pid, path, &fa, NULL, (char *const *)argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(fds[1]);
	if (err) {
		close(fds[0]);
		return ck__error_set(ck__errno_code(err), "cannot run %s: %s", path, strerror(err));
	}
	/* Keep the first KiB of what it says; read the rest away so that it
	 * never blocks on a full pipe. */
	for (;;) {
		char chunk[512];
		ssize_t r = read(fds[0], chunk, sizeof(chunk));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		size_t take = (size_t)r < sizeof(said) - 1 - n ? (size_t)r : sizeof(said) - 1 - n;
		memcpy(said + n, chunk, take);
		n += take;
	}
	close(fds[0]);
	said[n] = '\0';
	while (n > 0 && (said[n - 1] == '\n' || said[n - 1] == ' '))
		said[--n] = '\0';
	for (char *p = said; *p; p++)
		if (*p == '\n')
			*p = ' ';
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return ck__error_set(ck__errno_code(errno), "systemctl %s %s: waitpid: %s", verb, unit,
			                     strerror(errno));
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return CK_OK;
	if (WIFSIGNALED(status))
		return ck__error_set(CK_ERUNTIME, "systemctl %s %s was killed by signal %d%s%s", verb, unit,
		                     WTERMSIG(status), n ? ": " : "", said);
	return ck__error_set(CK_ERUNTIME, "systemctl %s %s failed (exit %d)%s%s", verb, unit, WEXITSTATUS(status),
	                     n ? ": " : "", said);
}

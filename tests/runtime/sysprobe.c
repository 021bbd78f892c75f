/* A static helper run inside test containers: it makes the system calls the
 * seccomp profile filters by argument (which busybox cannot make) and
 * prints "name=result" per call, result being "ok" or the errno name. */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *result(long rc, int err)
{
	if (rc >= 0)
		return "ok";
	switch (err) {
	case EPERM: return "EPERM";
	case ENOSYS: return "ENOSYS";
	case EINVAL: return "EINVAL";
	case EACCES: return "EACCES";
	default: return strerror(err);
	}
}

/* Raw clone with `flags`; the child exits at once. */
static void try_clone(const char *name, unsigned long flags)
{
	long rc = syscall(SYS_clone, flags | SIGCHLD, 0, 0, 0, 0);
	int err = errno;

	if (rc == 0)
		_exit(0);
	if (rc > 0)
		waitpid((pid_t)rc, NULL, 0);
	printf("%s=%s\n", name, result(rc, err));
}

int main(void)
{
	long rc;

	rc = personality(0xffffffff);
	printf("personality_query=%s\n", result(rc, errno));
	rc = personality(PER_LINUX);
	printf("personality_linux=%s\n", result(rc, errno));
	rc = personality(PER_LINUX | ADDR_NO_RANDOMIZE);
	printf("personality_no_randomize=%s\n", result(rc, errno));
	try_clone("clone_plain", 0);
	try_clone("clone_newuser", CLONE_NEWUSER);
	try_clone("clone_newns", CLONE_NEWNS);
#ifdef SYS_clone3
	rc = syscall(SYS_clone3, NULL, 0);
	printf("clone3=%s\n", result(rc, errno));
#endif
	rc = syscall(SYS_keyctl, 0, 0, 0, 0, 0);
	printf("keyctl=%s\n", result(rc, errno));
	rc = syscall(SYS_ptrace, 0 /* PTRACE_TRACEME */, 0, 0, 0);
	printf("ptrace=%s\n", result(rc, errno));
	return 0;
}

/* Unit tests of core's lock files (lib/core/lock.c) with real processes:
 * exclusive and shared holders across processes, the timeout and its error,
 * contention without lost updates, and a holder killed with SIGKILL. */
#define _GNU_SOURCE
#include "core/core.h"
#include "harness.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

static char *path_in(const char *dir, const char *name)
{
	char *p = NULL;
	if (asprintf(&p, "%s/%s", dir, name) < 0)
		abort();
	return p;
}

/* A child that takes the lock, writes "L" to `ready`, then waits for a byte
 * on `go` (or for its death) and releases it.  Returns its pid. */
static pid_t holder(const char *path, bool exclusive, int *ready_rd, int *go_wr)
{
	int ready[2], go[2];
	pid_t pid;

	if (pipe2(ready, O_CLOEXEC) < 0 || pipe2(go, O_CLOEXEC) < 0)
		abort();
	pid = fork();
	if (pid < 0)
		abort();
	if (pid == 0) {
		ck__lock lk = CK__LOCK_INIT;
		char c;
		close(ready[0]);
		close(go[1]);
		if (ck__lock_acquire(&lk, path, exclusive, -1) != CK_OK)
			_exit(2);
		if (write(ready[1], "L", 1) != 1)
			_exit(3);
		while (read(go[0], &c, 1) < 0 && errno == EINTR)
			;
		ck__lock_release(&lk);
		_exit(0);
	}
	close(ready[1]);
	close(go[0]);
	*ready_rd = ready[0];
	*go_wr = go[1];
	return pid;
}

static bool wait_ready(int fd)
{
	char c = 0;
	ssize_t n;
	while ((n = read(fd, &c, 1)) < 0 && errno == EINTR)
		;
	return n == 1 && c == 'L';
}

static int reap(pid_t pid)
{
	int status = -1;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return status;
}

static void core_lock_exclusive_holder_makes_another_process_time_out(void)
{
	char *dir = ck_test_tmpdir("lock"), *path = path_in(dir, "obj.lock");
	ck__lock lk = CK__LOCK_INIT;
	int ready, go;
	pid_t pid = holder(path, true, &ready, &go);

	CK_CHECK(wait_ready(ready));
	int64_t t0 = ck__mono_ns();
	CK_CHECK_RC(ck__lock_acquire(&lk, path, true, 100), CK_EBUSY);
	CK_CHECK(ck__mono_ns() - t0 >= 100 * 1000000LL);
	CK_CHECK(lk.fd == -1);
	CK_CHECK_CONTAINS(ck_error_last()->message, path);
	CK_CHECK_CONTAINS(ck_error_last()->message, "still locked by another process after 100 ms");
	/* A shared lock is refused as well, and at once with a zero timeout. */
	CK_CHECK_RC(ck__lock_acquire(&lk, path, false, 0), CK_EBUSY);

	/* Released by its holder: the lock is free. */
	CK_CHECK(write(go, "x", 1) == 1);
	CK_CHECK(WIFEXITED(reap(pid)));
	CK_CHECK_OK(ck__lock_acquire(&lk, path, true, 0));
	CK_CHECK(lk.fd >= 0);
	ck__lock_release(&lk);
	CK_CHECK(lk.fd == -1);
	ck__lock_release(&lk); /* twice is harmless */
	close(ready);
	close(go);
	ck_test_rmtree(dir);
	free(path);
	free(dir);
}

static void core_lock_shared_holders_exclude_only_exclusive(void)
{
	char *dir = ck_test_tmpdir("lock"), *path = path_in(dir, "store.lock");
	ck__lock mine = CK__LOCK_INIT, excl = CK__LOCK_INIT;
	int ready, go;
	pid_t pid = holder(path, false, &ready, &go);

	CK_CHECK(wait_ready(ready));
	CK_CHECK_OK(ck__lock_acquire(&mine, path, false, 0));
	CK_CHECK_RC(ck__lock_acquire(&excl, path, true, 0), CK_EBUSY);
	ck__lock_release(&mine);
	/* The other process still holds it shared. */
	CK_CHECK_RC(ck__lock_acquire(&excl, path, true, 20), CK_EBUSY);
	CK_CHECK(write(go, "x", 1) == 1);
	CK_CHECK(WIFEXITED(reap(pid)));
	CK_CHECK_OK(ck__lock_acquire(&excl, path, true, 0));
	ck__lock_release(&excl);
	close(ready);
	close(go);
	ck_test_rmtree(dir);
	free(path);
	free(dir);
}

static void core_lock_holder_killed_with_sigkill_frees_it(void)
{
	char *dir = ck_test_tmpdir("lock"), *path = path_in(dir, "ctr.lock");
	ck__lock lk = CK__LOCK_INIT;
	int ready, go;
	pid_t pid = holder(path, true, &ready, &go);

	CK_CHECK(wait_ready(ready));
	CK_CHECK_RC(ck__lock_acquire(&lk, path, true, 0), CK_EBUSY);
	CK_CHECK(kill(pid, SIGKILL) == 0);
	int status = reap(pid);
	CK_CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	/* The kernel dropped the flock with the process: free at once. */
	CK_CHECK_OK(ck__lock_acquire(&lk, path, true, 0));
	ck__lock_release(&lk);
	close(ready);
	close(go);
	ck_test_rmtree(dir);
	free(path);
	free(dir);
}

/* Each worker adds 1 to the number in `counter` `rounds` times, reading
 * and rewriting the file under the lock: a lost update shows as a smaller
 * total. */
static void worker(const char *lock, const char *counter, int rounds)
{
	for (int i = 0; i < rounds; i++) {
		ck__lock lk = CK__LOCK_INIT;
		char buf[32] = "";
		if (ck__lock_acquire(&lk, lock, true, -1) != CK_OK)
			_exit(2);
		int fd = open(counter, O_RDWR);
		if (fd < 0)
			_exit(3);
		ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
		if (n < 0)
			_exit(4);
		buf[n] = '\0';
		int len = snprintf(buf, sizeof(buf), "%ld", strtol(buf, NULL, 10) + 1);
		if (ftruncate(fd, 0) < 0 || pwrite(fd, buf, (size_t)len, 0) != len)
			_exit(5);
		close(fd);
		ck__lock_release(&lk);
	}
	_exit(0);
}

static void core_lock_contending_processes_lose_no_update(void)
{
	enum { WORKERS = 4, ROUNDS = 200 };
	char *dir = ck_test_tmpdir("lock"), *lock = path_in(dir, "count.lock"), *counter = path_in(dir, "count");
	pid_t pids[WORKERS];

	CK_CHECK_OK(ck__write_file_atomic(counter, "0", 1, 0644));
	for (int i = 0; i < WORKERS; i++) {
		pids[i] = fork();
		if (pids[i] < 0)
			abort();
		if (pids[i] == 0)
			worker(lock, counter, ROUNDS);
	}
	for (int i = 0; i < WORKERS; i++) {
		int status = reap(pids[i]);
		CK_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	char *text = ck_test_read_file(counter, NULL);
	CK_CHECK(text && atoi(text) == WORKERS * ROUNDS);
	free(text);
	ck_test_rmtree(dir);
	free(lock);
	free(counter);
	free(dir);
}

static void core_lock_in_a_missing_directory_names_the_path(void)
{
	char *dir = ck_test_tmpdir("lock"), *path = path_in(dir, "no/such/dir/x.lock");
	ck__lock lk = CK__LOCK_INIT;

	CK_CHECK(ck__lock_acquire(&lk, path, true, 0) < 0);
	CK_CHECK(lk.fd == -1);
	CK_CHECK_CONTAINS(ck_error_last()->message, "cannot open lock file");
	CK_CHECK_CONTAINS(ck_error_last()->message, path);
	ck_test_rmtree(dir);
	free(path);
	free(dir);
}

CK_TESTS(CK_TEST(core_lock_exclusive_holder_makes_another_process_time_out),
         CK_TEST(core_lock_shared_holders_exclude_only_exclusive),
         CK_TEST(core_lock_holder_killed_with_sigkill_frees_it),
         CK_TEST(core_lock_contending_processes_lose_no_update),
         CK_TEST(core_lock_in_a_missing_directory_names_the_path))

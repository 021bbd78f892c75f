/* ck-bench: concurrent writer processes.  Each writer is a forked process that
 * sets itself up, waits until every writer is ready, times its operations and
 * sends the latencies back through its own pipe.  Processes, not threads, so
 * that each one has its own context, as separate `ck` commands would. */
#define _GNU_SOURCE
#include "bench.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* What a writer sends back before its samples. */
struct writer_head {
	int64_t first_start, last_end;
	int64_t count;
	int32_t status;
};

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Reads exactly `len` bytes; 1 at end of file before any byte, -1 on error or a
 * short read. */
static int read_all(int fd, void *buf, size_t len)
{
	char *p = buf;
	size_t got = 0;

	while (got < len) {
		ssize_t n = read(fd, p + got, len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			return got ? -1 : 1;
		got += (size_t)n;
	}
	return 0;
}

static void run_child(int writer, long per_writer, const bench_writer_ops *ops, void *arg, int ready_fd,
                      int go_fd, int out_fd)
{
	struct writer_head head = { 0, 0, 0, 0 };
	int64_t *lat = calloc((size_t)per_writer, sizeof(*lat));
	void *state = NULL;
	char c, mark = 'R';

	if (!lat || ops->setup(&state, writer, arg) != 0) {
		if (!lat)
			fprintf(stderr, "ck-bench: writer %d: out of memory\n", writer);
		mark = 'E';
		head.status = 1;
	}
	if (write_all(ready_fd, &mark, 1) != 0)
		_exit(2);
	close(ready_fd);
	/* The parent closes its end of the "go" pipe to start everyone at once. */
	while (read(go_fd, &c, 1) < 0 && errno == EINTR)
		;
	close(go_fd);
	for (long i = 0; head.status == 0 && i < per_writer; i++) {
		int64_t t0 = bench_now_ns();
		if (ops->op(state, i) != 0) {
			head.status = 1;
			break;
		}
		int64_t t1 = bench_now_ns();
		if (i == 0)
			head.first_start = t0;
		head.last_end = t1;
		lat[head.count++] = t1 - t0;
	}
	if (mark == 'R' && ops->teardown)
		ops->teardown(state);
	if (write_all(out_fd, &head, sizeof(head)) != 0 ||
	    write_all(out_fd, lat, (size_t)head.count * sizeof(*lat)) != 0)
		_exit(2);
	_exit(head.status ? 1 : 0);
}

int bench_run_writers(bench_samples *lat, double *ops_per_s, int nwriters, long per_writer,
                      const bench_writer_ops *ops, void *arg)
{
	int ready[2] = { -1, -1 }, go[2] = { -1, -1 }, failed = 0, started = 0;
	int *out = calloc((size_t)nwriters, sizeof(*out));
	pid_t *pids = calloc((size_t)nwriters, sizeof(*pids));
	int64_t first = INT64_MAX, last = 0, total = 0;

	*ops_per_s = 0;
	if (!out || !pids || pipe(ready) < 0 || pipe(go) < 0) {
		fprintf(stderr, "ck-bench: cannot set up the writers: %m\n");
		failed = 1;
		goto out;
	}
	fflush(NULL); /* the children must not write the parent's buffers again */
	for (int w = 0; w < nwriters; w++) {
		int res[2];
		if (pipe(res) < 0) {
			fprintf(stderr, "ck-bench: pipe: %m\n");
			failed = 1;
			break;
		}
		pid_t pid = fork();
		if (pid < 0) {
			fprintf(stderr, "ck-bench: fork: %m\n");
			close(res[0]);
			close(res[1]);
			failed = 1;
			break;
		}
		if (pid == 0) {
			close(ready[0]);
			close(go[1]);
			close(res[0]);
			for (int k = 0; k < w; k++)
				close(out[k]);
			run_child(w, per_writer, ops, arg, ready[1], go[0], res[1]);
		}
		close(res[1]);
		out[w] = res[0];
		pids[w] = pid;
		started++;
	}
	close(ready[1]);
	ready[1] = -1;
	/* Wait until every writer has set up (or failed to), then start them. */
	for (int w = 0; w < started; w++) {
		char mark;
		if (read_all(ready[0], &mark, 1) != 0) {
			failed = 1;
			break;
		}
		if (mark != 'R')
			failed = 1;
	}
	close(go[1]);
	go[1] = -1;
	for (int w = 0; w < started; w++) {
		struct writer_head head;
		int rc = read_all(out[w], &head, sizeof(head));
		if (rc != 0) {
			failed = 1;
			continue;
		}
		if (head.status)
			failed = 1;
		for (int64_t i = 0; i < head.count; i++) {
			int64_t ns;
			if (read_all(out[w], &ns, sizeof(ns)) != 0 || bench_samples_add(lat, ns) != 0) {
				failed = 1;
				break;
			}
		}
		if (head.count > 0) {
			first = head.first_start < first ? head.first_start : first;
			last = head.last_end > last ? head.last_end : last;
			total += head.count;
		}
	}
	for (int w = 0; w < started; w++) {
		int status;
		while (waitpid(pids[w], &status, 0) < 0 && errno == EINTR)
			;
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			if (WIFSIGNALED(status))
				fprintf(stderr, "ck-bench: writer %d died of signal %d\n", w, WTERMSIG(status));
			failed = 1;
		}
	}
	if (total > 0 && last > first)
		*ops_per_s = (double)total / ((double)(last - first) / 1e9);
out:
	for (int w = 0; out && w < started; w++)
		close(out[w]);
	for (int i = 0; i < 2; i++) {
		if (ready[i] >= 0)
			close(ready[i]);
		if (go[i] >= 0)
			close(go[i]);
	}
	free(out);
	free(pids);
	if (failed)
		fprintf(stderr, "ck-bench: %d writer(s): at least one failed\n", nwriters);
	return failed ? -1 : 0;
}

/* ck-bench: the clock, samples and percentiles, and scratch directories. */
#define _GNU_SOURCE
#include "bench.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdlib.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

int64_t bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

uint64_t bench_rand(uint64_t *state)
{
	/* xorshift64*: plenty for picking names, and the same on every host. */
	uint64_t x = *state;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * UINT64_C(2685821657736338717);
}

int bench_samples_add(bench_samples *s, int64_t ns)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 1024;
		int64_t *p = realloc(s->ns, cap * sizeof(*p));
		if (!p)
			return -1;
		s->ns = p;
		s->cap = cap;
	}
	s->ns[s->n++] = ns;
	return 0;
}

void bench_samples_free(bench_samples *s)
{
	free(s->ns);
	s->ns = NULL;
	s->n = s->cap = 0;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

double bench_samples_ms(bench_samples *s, double q)
{
	size_t rank;

	if (!s->n)
		return 0;
	qsort(s->ns, s->n, sizeof(*s->ns), cmp_i64);
	rank = (size_t)(q * (double)s->n);
	if ((double)rank < q * (double)s->n)
		rank++; /* ceil without libm */
	if (rank < 1)
		rank = 1;
	if (rank > s->n)
		rank = s->n;
	return (double)s->ns[rank - 1] / 1e6;
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	if (remove(path) < 0 && errno != ENOENT) {
		fprintf(stderr, "ck-bench: cannot remove %s: %m\n", path);
		return -1;
	}
	return 0;
}

int bench_rm_rf(const char *path)
{
	return nftw(path, rm_one, 64, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
}

const char *bench_fs_name(const char *path)
{
	static const struct {
		unsigned long magic;
		const char *name;
	} known[] = {
		{ 0xEF53, "ext4" },          { 0x58465342, "xfs" },      { 0x9123683E, "btrfs" },
		{ 0x01021994, "tmpfs" },     { 0x794c7630, "overlay" },  { 0x2fc12fc1, "zfs" },
		{ 0x6969, "nfs" },           { 0xF2F52010, "f2fs" },     { 0x65735546, "fuse" },
		{ 0x858458f6, "ramfs" },
	};
	struct statfs sfs;

	if (statfs(path, &sfs) < 0)
		return "unknown";
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if ((unsigned long)sfs.f_type == known[i].magic)
			return known[i].name;
	return "other";
}

bool bench_parse_count(long *out, const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v <= 0)
		return false;
	*out = v;
	return true;
}

void bench_settle(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0) {
		syncfs(fd);
		close(fd);
	}
}

/* Implementation of the minimal test harness declared in harness.h. */
#define _GNU_SOURCE
#include <stdarg.h>
#include "harness.h"

#include <ftw.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int ck_test_failed_checks;

static int skip_marked;

void ck_test_skip(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "  skipped: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	skip_marked = 1;
}

int ck_test_main(const struct ck_test *tests, int argc, char **argv)
{
	int passed = 0, failed = 0, skipped = 0;

	for (const struct ck_test *t = tests; t->name; t++) {
		if (argc > 1) {
			int wanted = 0;
			for (int i = 1; i < argc; i++)
				if (strcmp(argv[i], t->name) == 0)
					wanted = 1;
			if (!wanted)
				continue;
		}
		int before = ck_test_failed_checks;
		fprintf(stderr, "RUN  %s\n", t->name);
		skip_marked = 0;
		t->fn();
		if (ck_test_failed_checks == before && skip_marked) {
			skipped++;
			fprintf(stderr, "SKIP %s\n", t->name);
		} else if (ck_test_failed_checks == before) {
			passed++;
			fprintf(stderr, "PASS %s\n", t->name);
		} else {
			failed++;
			fprintf(stderr, "FAIL %s\n", t->name);
		}
	}
	if (skipped)
		printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped);
	else
		printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : passed == 0 && skipped > 0 ? 77 : 0;
}

char *ck_test_tmpdir(const char *tag)
{
	const char *base = getenv("CK_TEST_TMPDIR");
	char *path = NULL;

	if (!base || !*base)
		base = "/tmp";
	if (asprintf(&path, "%s/ck-test-%s-XXXXXX", base, tag) < 0)
		abort();
	if (!mkdtemp(path)) {
		perror(path);
		abort();
	}
	return path;
}

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb; (void)flag; (void)ftw;
	return remove(p);
}

void ck_test_rmtree(const char *path)
{
	if (path)
		nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

unsigned char *ck_test_unbase64(const char *text, size_t *len)
{
	static const char digits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t n = strlen(text), o = 0;
	unsigned char *out = malloc(n / 4 * 3 + 3);
	uint32_t acc = 0;
	int bits = 0;

	for (size_t i = 0; i < n && text[i] != '='; i++) {
		const char *d = strchr(digits, text[i]);
		if (!d || !text[i]) {
			free(out);
			return NULL;
		}
		acc = acc << 6 | (uint32_t)(d - digits);
		if ((bits += 6) >= 8) {
			bits -= 8;
			out[o++] = (unsigned char)(acc >> bits);
		}
	}
	*len = o;
	return out;
}

char *ck_test_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n = 0, got;

	if (!f)
		return NULL;
	do {
		if (n + 4096 > cap && !(buf = realloc(buf, cap = cap * 2 + 4096)))
			abort();
		got = fread(buf + n, 1, cap - n - 1, f);
		n += got;
	} while (got > 0);
	fclose(f);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

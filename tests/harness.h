/* A minimal test harness: each test is a function; CK_CHECK records a failure
 * with its location and goes on; the run ends with "N passed, N failed". */
#ifndef CK_TEST_HARNESS_H
#define CK_TEST_HARNESS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ck_test {
	const char *name;
	void (*fn)(void);
};

extern int ck_test_failed_checks;

#define CK_CHECK(cond)                                                                    \
	do {                                                                              \
		if (!(cond)) {                                                            \
			fprintf(stderr, "  %s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
			ck_test_failed_checks++;                                          \
		}                                                                         \
	} while (0)

/* Checks that a call returned `expect`, printing the library's message if not. */
#define CK_CHECK_RC(call, expect)                                                          \
	do {                                                                               \
		int rc_ = (call);                                                          \
		if (rc_ != (expect)) {                                                     \
			fprintf(stderr, "  %s:%d: %s returned %d, expected %d (%s)\n", __FILE__, \
			        __LINE__, #call, rc_, (int)(expect), ck_error_last()->message); \
			ck_test_failed_checks++;                                           \
		}                                                                          \
	} while (0)

#define CK_CHECK_OK(call) CK_CHECK_RC(call, 0)

#define CK_CHECK_STR(a, b)                                                                  \
	do {                                                                                \
		const char *a_ = (a), *b_ = (b);                                            \
		if (!a_ || !b_ || strcmp(a_, b_) != 0) {                                    \
			fprintf(stderr, "  %s:%d: \"%s\" != \"%s\"\n", __FILE__, __LINE__,  \
			        a_ ? a_ : "(null)", b_ ? b_ : "(null)");                    \
			ck_test_failed_checks++;                                            \
		}                                                                           \
	} while (0)

#define CK_CHECK_CONTAINS(hay, needle)                                                      \
	do {                                                                                \
		const char *h_ = (hay), *n_ = (needle);                                     \
		if (!h_ || !strstr(h_, n_)) {                                               \
			fprintf(stderr, "  %s:%d: \"%s\" does not contain \"%s\"\n", __FILE__, \
			        __LINE__, h_ ? h_ : "(null)", n_);                          \
			ck_test_failed_checks++;                                            \
		}                                                                           \
	} while (0)

/* Marks the running test skipped, with a reason; the test returns right
 * after.  A test that skips has checked nothing, so it is reported as
 * skipped, not passed; a binary whose tests all skipped exits 77 (ctest's
 * SKIP_RETURN_CODE for every test registered through tests/CMakeLists.txt). */
void ck_test_skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#define CK_SKIP(...) ck_test_skip(__VA_ARGS__)

/* Runs the tests named on the command line (all if none); returns the exit
 * code: 1 if a check failed, 77 if every test run was skipped, else 0. */
int ck_test_main(const struct ck_test *tests, int argc, char **argv);

/* A whole file, NUL-terminated (its length in *len if not NULL); NULL if it
 * cannot be opened.  Free it. */
char *ck_test_read_file(const char *path, size_t *len);

/* Decodes standard base64 (stops at '='); NULL on a bad digit.  Free it. */
unsigned char *ck_test_unbase64(const char *text, size_t *len);

/* A fresh temporary directory for one test (removed by ck_test_rmtree). */
char *ck_test_tmpdir(const char *tag);
void ck_test_rmtree(const char *path);

#define CK_TESTS(...)                                                        \
	static const struct ck_test ck_tests_[] = { __VA_ARGS__, { NULL, NULL } }; \
	int main(int argc, char **argv) { return ck_test_main(ck_tests_, argc, argv); }
#define CK_TEST(fn) { #fn, fn }

#endif

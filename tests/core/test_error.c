/* The thread's last error: the cause (strerror of the errno) is said once,
 * also when a message is saved and set again after a cleanup. */
#define _GNU_SOURCE
#include "core/core.h"
#include "harness.h"

#include <errno.h>
#include <string.h>

static size_t occurrences(const char *hay, const char *needle)
{
	size_t n = 0;
	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

static void error_errno_appends_the_cause(void)
{
	errno = ENOENT;
	CK_CHECK_RC(ck__error_errno(CK_ENOTFOUND, "cannot open %s", "/x"), CK_ENOTFOUND);
	CK_CHECK_STR(ck_error_last()->message, "cannot open /x: No such file or directory");
	CK_CHECK(ck_error_last()->sys_errno == ENOENT);
}

static void error_set_again_after_cleanup_says_the_cause_once(void)
{
	char saved[256];
	int err;

	errno = ENOENT;
	ck__error_errno(CK_ENOTFOUND, "bind mount source %s cannot be used", "rel");
	/* The pattern of every undo path: save, clean up, set again. */
	snprintf(saved, sizeof(saved), "%s", ck_error_last()->message);
	err = ck_error_last()->sys_errno;
	ck__error_clear();
	CK_CHECK_RC(ck__error_sys(CK_ENOTFOUND, err, "%s", saved), CK_ENOTFOUND);
	CK_CHECK_STR(ck_error_last()->message, "bind mount source rel cannot be used: No such file or directory");
	CK_CHECK(occurrences(ck_error_last()->message, "No such file or directory") == 1);
	CK_CHECK(ck_error_last()->sys_errno == ENOENT);
}

static void error_sys_keeps_a_cause_quoted_by_another_library(void)
{
	/* libarchive and the helpers put strerror in their own text. */
	ck__error_sys(CK_EIO, EACCES, "cannot read %s: %s", "a.tar", "Failed to open 'a.tar': Permission denied");
	CK_CHECK(occurrences(ck_error_last()->message, "Permission denied") == 1);
	/* A different cause is still added. */
	ck__error_sys(CK_EIO, ENOSPC, "cannot write %s: %s", "b", "short write");
	CK_CHECK_STR(ck_error_last()->message, "cannot write b: short write: No space left on device");
}

CK_TESTS(CK_TEST(error_errno_appends_the_cause), CK_TEST(error_set_again_after_cleanup_says_the_cause_once),
         CK_TEST(error_sys_keeps_a_cause_quoted_by_another_library))

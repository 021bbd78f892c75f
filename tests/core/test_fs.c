/* Unit tests of core helpers that several modules share: absolute paths
 * cleaned lexically (cp's container paths and mount destinations) and the
 * initialisation of versioned structs (the ck_*_init functions). */
#include "core/core.h"
#include "harness.h"

#include <stdlib.h>

static void check_clean(const char *in, const char *want, bool want_climbed)
{
	bool climbed = !want_climbed;
	char *out = ck__path_clean(in, &climbed);

	CK_CHECK(out != NULL);
	if (out)
		CK_CHECK_STR(out, want);
	CK_CHECK(climbed == want_climbed);
	free(out);
}

static void core_path_clean_drops_dots_and_repeated_slashes(void)
{
	check_clean("/", "/", false);
	check_clean("", "/", false);
	check_clean("//a//b/", "/a/b", false);
	check_clean("a/b", "/a/b", false);
	check_clean("/a/./b/.", "/a/b", false);
	check_clean("/a/b/../c", "/a/c", false);
	check_clean("/a/b/../../c/..", "/", false);
	check_clean("/a/..b/.c", "/a/..b/.c", false);
	/* without a flag to set, the same */
	char *out = ck__path_clean("/x/../y", NULL);
	CK_CHECK(out && !strcmp(out, "/y"));
	free(out);
}

static void core_path_clean_above_root_stays_at_root_and_says_so(void)
{
	check_clean("/..", "/", true);
	check_clean("/../etc", "/etc", true);
	check_clean("/a/../../etc/passwd", "/etc/passwd", true);
	check_clean("/a/b/../../..", "/", true);
}

static void core_versioned_init_checks_the_version_and_sets_it(void)
{
	struct two {
		unsigned int version;
		int a, b;
	} init = { 2, 7, 8 }, out = { 99, 1, 1 };

	CK_CHECK_RC(ck__versioned_init(NULL, &init, sizeof(init), 1, 2, "ck_two_init: out", "ck_two"), CK_EINVAL);
	CK_CHECK_STR(ck_error_last()->message, "ck_two_init: out is NULL");
	CK_CHECK_RC(ck__versioned_init(&out, &init, sizeof(init), 0, 2, "ck_two_init: out", "ck_two"), CK_EVERSION);
	CK_CHECK_STR(ck_error_last()->message, "ck_two version 0 is not known");
	CK_CHECK_RC(ck__versioned_init(&out, &init, sizeof(init), 3, 2, "ck_two_init: out", "ck_two"), CK_EVERSION);
	CK_CHECK(out.version == 99 && out.a == 1); /* left alone */
	CK_CHECK_OK(ck__versioned_init(&out, &init, sizeof(init), 1, 2, "ck_two_init: out", "ck_two"));
	CK_CHECK(out.version == 1 && out.a == 7 && out.b == 8);
	CK_CHECK_OK(ck__versioned_init(&out, NULL, sizeof(out), 2, 2, "ck_two_init: out", "ck_two"));
	CK_CHECK(out.version == 2 && out.a == 0 && out.b == 0);
	CK_CHECK(ck_error_last()->code == CK_OK);
}

CK_TESTS(CK_TEST(core_path_clean_drops_dots_and_repeated_slashes),
         CK_TEST(core_path_clean_above_root_stays_at_root_and_says_so),
         CK_TEST(core_versioned_init_checks_the_version_and_sets_it))

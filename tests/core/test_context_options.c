/* ck_context_options across its versions, through the shared library: a
 * program built against version 1 (a shorter struct) keeps working, a
 * version the library does not know is refused, and libexec_dir (version 2)
 * is checked when the context opens. */
#include <containerkit.h>

#include "harness.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define V1_SIZE offsetof(ck_context_options, libexec_dir)

static char *dir;

static void set_roots(ck_context_options *o, char *root, char *run, size_t n)
{
	snprintf(root, n, "%s/root", dir);
	snprintf(run, n, "%s/run", dir);
	o->root = root;
	o->runroot = run;
	o->flags = CK_CONTEXT_NO_ENV | CK_CONTEXT_NO_CONFIG;
}

/* Initialising version 1 writes nothing past it, and a struct of exactly
 * version 1's size opens a context (under ASan, a read past it fails). */
static void context_options_version_1_is_still_accepted(void)
{
	unsigned char buf[sizeof(ck_context_options)];
	ck_context_options full;
	void *v1 = malloc(V1_SIZE);
	ck_context *ctx = NULL;
	char root[1024], run[1024];

	memset(buf, 0xa5, sizeof(buf));
	CK_CHECK_OK(ck_context_options_init((ck_context_options *)(void *)buf, 1));
	CK_CHECK(((ck_context_options *)(void *)buf)->version == 1);
	CK_CHECK(((ck_context_options *)(void *)buf)->log_level == -1);
	for (size_t i = V1_SIZE; i < sizeof(buf); i++)
		CK_CHECK(buf[i] == 0xa5);

	CK_CHECK(v1 != NULL);
	if (!v1)
		return;
	CK_CHECK_OK(ck_context_options_init(&full, 1));
	set_roots(&full, root, run, sizeof(root));
	memcpy(v1, &full, V1_SIZE);
	CK_CHECK_OK(ck_context_open(&ctx, v1));
	CK_CHECK_STR(ctx ? ck_context_root(ctx) : NULL, root);
	ck_context_free(ctx);
	free(v1);
}

static void context_options_unknown_version_is_refused(void)
{
	ck_context_options o = CK_CONTEXT_OPTIONS_INIT;
	ck_context *ctx = NULL;
	char want[64];

	CK_CHECK(o.version == 2 && o.libexec_dir == NULL);
	CK_CHECK_RC(ck_context_options_init(&o, 0), CK_EVERSION);
	CK_CHECK_RC(ck_context_options_init(&o, CK_CONTEXT_OPTIONS_VERSION + 1), CK_EVERSION);
	snprintf(want, sizeof(want), "version %u is unknown", CK_CONTEXT_OPTIONS_VERSION + 1);
	CK_CHECK_CONTAINS(ck_error_last()->message, want);
	o.version = CK_CONTEXT_OPTIONS_VERSION + 1;
	CK_CHECK_RC(ck_context_open(&ctx, &o), CK_EVERSION);
	CK_CHECK(ctx == NULL);
}

/* An empty libexec_dir is a mistake, named as such; a relative one is
 * taken from the working directory. */
static void context_options_libexec_dir_is_checked(void)
{
	ck_context_options o = CK_CONTEXT_OPTIONS_INIT;
	ck_context *ctx = NULL;
	char root[1024], run[1024];

	set_roots(&o, root, run, sizeof(root));
	o.libexec_dir = "";
	CK_CHECK_RC(ck_context_open(&ctx, &o), CK_ECONFIG);
	CK_CHECK_CONTAINS(ck_error_last()->message, "libexec_dir of ck_context_options is an empty path");
	CK_CHECK(ctx == NULL);
	o.libexec_dir = "relative/dir";
	CK_CHECK_OK(ck_context_open(&ctx, &o));
	ck_context_free(ctx);
}

static void setup(void)
{
	dir = ck_test_tmpdir("ctxopts");
}

static const struct ck_test tests[] = {
	CK_TEST(context_options_version_1_is_still_accepted),
	CK_TEST(context_options_unknown_version_is_refused),
	CK_TEST(context_options_libexec_dir_is_checked),
	{ NULL, NULL },
};

int main(int argc, char **argv)
{
	int rc;

	setup();
	rc = ck_test_main(tests, argc, argv);
	ck_test_rmtree(dir);
	free(dir);
	return rc;
}

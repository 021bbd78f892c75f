/* Linked only to libcontainerkit.so: a program that lists containers never
 * maps libarchive, libcurl or libcrypto; importing a tarball maps libarchive
 * and libcrypto, and still not libcurl.  Fails if the library is linked to
 * them again (they cost every process start ~15 ms here). */
#define _GNU_SOURCE
#include <containerkit.h>

#include "harness.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool mapped(const char *prefix)
{
	char line[4096];
	bool found = false;
	FILE *f = fopen("/proc/self/maps", "r");

	if (!f)
		return true; /* fails the caller's check: we cannot tell */
	while (!found && fgets(line, sizeof(line), f)) {
		const char *base = strrchr(line, '/');
		found = base && !strncmp(base + 1, prefix, strlen(prefix));
	}
	fclose(f);
	return found;
}

static void loaded_on_first_use(void)
{
	ck_context_options o = CK_CONTEXT_OPTIONS_INIT;
	ck_context *ctx = NULL;
	ck_container **list = NULL;
	ck_image *img = NULL;
	size_t n = 0;
	char *dir = ck_test_tmpdir("lazy"), root[1024], run[1024], cmd[4096];

	snprintf(root, sizeof(root), "%s/root", dir);
	snprintf(run, sizeof(run), "%s/run", dir);
	o.root = root;
	o.runroot = run;
	o.flags = CK_CONTEXT_NO_ENV | CK_CONTEXT_NO_CONFIG;
	CK_CHECK_OK(ck_context_open(&ctx, &o));
	CK_CHECK_OK(ck_container_list(&list, &n, ctx, CK_CONTAINER_LIST_ALL, NULL));
	ck_container_list_free(list, n);
	CK_CHECK(n == 0);
	CK_CHECK(!mapped("libarchive.so"));
	CK_CHECK(!mapped("libcurl.so"));
	CK_CHECK(!mapped("libcrypto.so"));

	snprintf(cmd, sizeof(cmd), "mkdir -p %s/t/etc && echo hi > %s/t/etc/motd && tar -C %s/t -cf %s/t.tar .", dir, dir,
	         dir, dir);
	CK_CHECK(system(cmd) == 0);
	snprintf(cmd, sizeof(cmd), "%s/t.tar", dir);
	CK_CHECK_OK(ck_image_import(&img, ctx, cmd, "lazy:1"));
	CK_CHECK(img && strlen(ck_image_id(img)) == 64);
	ck_image_free(img);
	CK_CHECK(mapped("libarchive.so"));
	CK_CHECK(mapped("libcrypto.so"));
	CK_CHECK(!mapped("libcurl.so"));
	ck_context_free(ctx);
	ck_test_rmtree(dir);
	free(dir);
}

CK_TESTS(CK_TEST(loaded_on_first_use))

/* Reading a file of an image through its layer directories, as the overlay
 * mount would show it (lib/layer/lookup.c): the top layer wins, whiteouts
 * and opaque directories hide lower layers, links are followed inside the
 * image and never out of it. */
#define _GNU_SOURCE
#include "core/core.h"
#include "image/image.h"
#include "harness.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

static char *dir;
static char *layers[3]; /* topmost first */

static void put(int layer, const char *rel, const char *text)
{
	char path[4096], cmd[4200];
	snprintf(path, sizeof(path), "%s/%s", layers[layer], rel);
	snprintf(cmd, sizeof(cmd), "mkdir -p \"$(dirname '%s')\"", path);
	CK_CHECK(system(cmd) == 0);
	CK_CHECK_OK(ck__write_file_atomic(path, text, strlen(text), 0644));
}

static void whiteout(int layer, const char *rel)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", layers[layer], rel);
	CK_CHECK(mknod(path, S_IFCHR | 0000, makedev(0, 0)) == 0);
}

static void opaque(int layer, const char *rel)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", layers[layer], rel);
	CK_CHECK(setxattr(path, "trusted.overlay.opaque", "y", 1, 0) == 0);
}

static void link_at(int layer, const char *rel, const char *target)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", layers[layer], rel);
	CK_CHECK(symlink(target, path) == 0);
}

static void setup(void)
{
	dir = ck_test_tmpdir("lookup");
	for (int i = 0; i < 3; i++) {
		layers[i] = ck__asprintf("%s/l%d", dir, i);
		CK_CHECK_OK(ck__mkdir_p(layers[i], 0755));
	}
}

static void teardown(void)
{
	for (int i = 0; i < 3; i++)
		free(layers[i]);
	ck_test_rmtree(dir);
	free(dir);
}

/* The content seen at `file`, or NULL with the code in *rc. */
static char *seen(const char *file, int *rc)
{
	char *out = NULL;
	*rc = ck__layer_read_file(&out, NULL, layers, 3, file, 1 << 20, false);
	return out;
}

static void top_layer_wins_and_lower_layers_show_through(void)
{
	int rc;
	setup();
	put(2, "etc/passwd", "bottom\n");
	put(1, "etc/passwd", "middle\n");
	put(2, "etc/group", "groups\n");
	put(0, "etc/hostname", "top\n");
	char *s = seen("/etc/passwd", &rc);
	CK_CHECK_STR(s, "middle\n");
	free(s);
	s = seen("/etc/group", &rc);
	CK_CHECK_STR(s, "groups\n");
	free(s);
	s = seen("etc//./hostname", &rc);
	CK_CHECK_STR(s, "top\n");
	free(s);
	CK_CHECK(!seen("/etc/shadow", &rc) && rc == CK_ENOTFOUND);
	CK_CHECK(!seen("/etc", &rc) && rc == CK_EINVAL);
	teardown();
}

static void whiteouts_and_opaque_directories_hide_lower_layers(void)
{
	int rc;
	setup();
	put(2, "etc/passwd", "bottom\n");
	put(2, "etc/group", "bottom\n");
	put(2, "var/lib/x", "bottom\n");
	put(1, "etc/motd", "middle\n");
	whiteout(1, "etc/passwd");
	/* an opaque /etc in the top layer hides every lower /etc entry */
	put(0, "etc/hosts", "top\n");
	opaque(0, "etc");
	CK_CHECK(!seen("/etc/passwd", &rc) && rc == CK_ENOTFOUND);
	CK_CHECK(!seen("/etc/group", &rc) && rc == CK_ENOTFOUND);
	CK_CHECK(!seen("/etc/motd", &rc) && rc == CK_ENOTFOUND);
	char *s = seen("/etc/hosts", &rc);
	CK_CHECK_STR(s, "top\n");
	free(s);
	/* a whiteout of a directory hides all below it */
	CK_CHECK_OK(ck__mkdir_p(layers[1], 0755));
	whiteout(1, "var");
	CK_CHECK(!seen("/var/lib/x", &rc) && rc == CK_ENOTFOUND);
	teardown();
}

static void links_are_followed_inside_the_image_only(void)
{
	int rc;
	setup();
	put(2, "usr/lib/passwd", "via link\n");
	CK_CHECK_OK(ck__mkdir_p(layers[0], 0755));
	put(1, "etc/.keep", "");
	link_at(1, "etc/passwd", "../usr/lib/passwd");
	link_at(0, "lib", "usr/lib");
	char *s = seen("/etc/passwd", &rc);
	CK_CHECK_STR(s, "via link\n");
	free(s);
	s = seen("/lib/passwd", &rc); /* a link in the middle of the path */
	CK_CHECK_STR(s, "via link\n");
	free(s);
	/* ".." never climbs out of the image, absolute targets are the image's */
	char outside[4096];
	snprintf(outside, sizeof(outside), "%s/secret", dir);
	CK_CHECK_OK(ck__write_file_atomic(outside, "host\n", 5, 0644));
	link_at(1, "etc/escape", "../../../../../../../../secret");
	link_at(1, "etc/absolute", outside);
	CK_CHECK(!seen("/etc/escape", &rc) && rc == CK_ENOTFOUND);
	CK_CHECK(!seen("/etc/absolute", &rc) && rc == CK_ENOTFOUND);
	/* a loop ends with a clear error */
	link_at(0, "loop", "/loop");
	CK_CHECK(!seen("/loop", &rc) && rc == CK_EINVAL);
	CK_CHECK_CONTAINS(ck_error_last()->message, "too many levels of symbolic links");
	teardown();
}

CK_TESTS(CK_TEST(top_layer_wins_and_lower_layers_show_through),
         CK_TEST(whiteouts_and_opaque_directories_hide_lower_layers),
         CK_TEST(links_are_followed_inside_the_image_only))

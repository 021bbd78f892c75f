/* A program built outside the tree against an installed (or the build
 * tree's) libcontainerkit, by tests/install/install-run.sh: it opens a
 * context and, given an image archive, runs one container of it.
 *
 * usage: run DIR [RUNTIME ARCHIVE [LIBEXEC_DIR]]
 *   DIR          an empty directory for the context's roots
 *   RUNTIME      the OCI runtime (runc, crun)
 *   ARCHIVE      an image archive holding localhost/busybox:latest
 *   LIBEXEC_DIR  set as the options' libexec_dir: the start must then fail
 *                with CK_ENOTFOUND (exit 3) and a message naming it
 * Prints "run ok" when everything went as expected. */
#include <stdio.h>
#include <string.h>
#include <containerkit.h>

static int failed(const char *what, int rc)
{
	fprintf(stderr, "%s: %s: %s\n", what, ck_error_name(rc), ck_error_last()->message);
	return 1;
}

int main(int argc, char **argv)
{
	char root[4096], runroot[4096];
	const char *cmd[] = { "echo", "hello from an installed containerkit", NULL };
	ck_context_options opts;
	ck_attach_options att = CK_ATTACH_OPTIONS_INIT;
	ck_container_spec *spec = NULL;
	ck_container *ctr = NULL;
	ck_context *ctx = NULL;
	int rc, code = -1, ret = 1;

	if (argc != 2 && argc != 4 && argc != 5) {
		fprintf(stderr, "usage: %s DIR [RUNTIME ARCHIVE [LIBEXEC_DIR]]\n", argv[0]);
		return 2;
	}
	if ((rc = ck_context_options_init(&opts, CK_CONTEXT_OPTIONS_VERSION)) != CK_OK)
		return failed("ck_context_options_init", rc);
	snprintf(root, sizeof root, "%s/root", argv[1]);
	snprintf(runroot, sizeof runroot, "%s/run", argv[1]);
	opts.root = root;
	opts.runroot = runroot;
	opts.flags = CK_CONTEXT_NO_ENV | CK_CONTEXT_NO_CONFIG;
	if (argc >= 4)
		opts.runtime = argv[2];
	if (argc == 5)
		opts.libexec_dir = argv[4];
	if ((rc = ck_context_open(&ctx, &opts)) != CK_OK)
		return failed("ck_context_open", rc);
	printf("context root %s, library %s\n", ck_context_root(ctx), ck_version());
	if (argc == 2) {
		ret = 0;
		goto out;
	}
	if ((rc = ck_image_load_v2(NULL, ctx, argv[3], NULL, NULL)) != CK_OK) {
		ret = failed("ck_image_load_v2", rc);
		goto out;
	}
	if ((rc = ck_container_spec_new(&spec)) != CK_OK || (rc = ck_container_spec_set_image(spec, "localhost/busybox:latest")) != CK_OK ||
	    (rc = ck_container_spec_set_command(spec, cmd)) != CK_OK || (rc = ck_container_create(&ctr, ctx, spec)) != CK_OK) {
		ret = failed("creating the container", rc);
		goto out;
	}
	att.stdout_fd = 1;
	att.stderr_fd = 2;
	fflush(stdout);
	rc = ck_container_start_attached(&code, ctr, &att);
	if (argc == 5) {
		/* No helper there: the start fails, naming the directory. */
		if (rc == CK_ENOTFOUND && strstr(ck_error_last()->message, argv[4])) {
			printf("start failed as expected: %s\n", ck_error_last()->message);
			ret = 3;
		} else {
			fprintf(stderr, "expected CK_ENOTFOUND naming %s, got %s (%s)\n", argv[4], ck_error_name(rc),
			        ck_error_last()->message);
		}
		goto out;
	}
	if (rc != CK_OK) {
		ret = failed("ck_container_start_attached", rc);
		goto out;
	}
	if (code != 0) {
		fprintf(stderr, "the container exited with %d\n", code);
		goto out;
	}
	ret = 0;
out:
	if (ctr && (rc = ck_container_remove(ctr, CK_REMOVE_FORCE)) != CK_OK) {
		failed("ck_container_remove", rc);
		ret = 1;
	}
	ck_container_free(ctr);
	ck_container_spec_free(spec);
	ck_context_free(ctx);
	if (ret == 0)
		printf("run ok\n");
	return ret;
}

/* An out-of-tree program built against an installed libcontainerkit, through
 * pkg-config and through find_package(), by tests/abi/install-consumers.sh.
 * usage: consumer DIR (an empty directory for the context's roots) */
#include <stdio.h>
#include <string.h>
#include <containerkit.h>

int main(int argc, char **argv)
{
	char root[4096], runroot[4096];
	ck_context_options opts = CK_CONTEXT_OPTIONS_INIT;
	ck_context_options bad;
	ck_context *ctx = NULL;
	const ck_error *err;
	int rc;

	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	printf("header version %s, library version %s\n", CK_VERSION_STRING, ck_version());
	if (strcmp(ck_version(), CK_VERSION_STRING) != 0) {
		fprintf(stderr, "the loaded library is not the one the headers describe\n");
		return 1;
	}

	snprintf(root, sizeof root, "%s/root", argv[1]);
	snprintf(runroot, sizeof runroot, "%s/run", argv[1]);
	opts.root = root;
	opts.runroot = runroot;
	opts.flags = CK_CONTEXT_NO_ENV | CK_CONTEXT_NO_CONFIG;
	if ((rc = ck_context_open(&ctx, &opts)) < 0) {
		fprintf(stderr, "ck_context_open: %s: %s\n", ck_error_name(rc), ck_error_last()->message);
		return 1;
	}
	printf("context root %s\n", ck_context_root(ctx));
	ck_context_free(ctx);

	/* A failing call leaves its description in ck_error_last(). */
	rc = ck_context_options_init(&bad, 9999);
	err = ck_error_last();
	if (rc != CK_EVERSION || err->code != CK_EVERSION || err->message == NULL || !*err->message) {
		fprintf(stderr, "expected CK_EVERSION with a message, got %d (%s)\n", rc, err->message);
		return 1;
	}
	printf("error %s: %s\n", ck_error_name(err->code), err->message);
	printf("consumer ok\n");
	return 0;
}

/* The program the README shows: load an image archive, run a container
 * from it, print what it wrote and its exit code, and remove it.
 * Usage: hello ARCHIVE IMAGE [COMMAND...]; the storage comes from the
 * environment (CK_ROOT, CK_RUNROOT, CK_RUNTIME) or the user's defaults. */
#include <stdio.h>
#include <containerkit.h>

static int print_line(const ck_log_entry *line, void *payload)
{
	(void)payload;
	fprintf(line->stream == CK_STREAM_STDERR ? stderr : stdout, "%.*s", (int)line->len, line->data);
	return 0;
}

int main(int argc, char **argv)
{
	ck_context *ctx = NULL;
	ck_container_spec *spec = NULL;
	ck_container *ctr = NULL;
	int exit_code = -1, rc;

	if (argc < 3) {
		fprintf(stderr, "usage: %s ARCHIVE IMAGE [COMMAND...]\n", argv[0]);
		return 2;
	}
	if ((rc = ck_context_open(&ctx, NULL)) < 0 ||              /* NULL: defaults for this user */
	    (rc = ck_image_load_v2(NULL, ctx, argv[1], NULL, NULL)) < 0)  /* an oci- or docker-archive */
		goto fail;
	if ((rc = ck_container_spec_new(&spec)) < 0 ||
	    (rc = ck_container_spec_set_image(spec, argv[2])) < 0 ||
	    (argc > 3 && (rc = ck_container_spec_set_command(spec, (const char *const *)argv + 3)) < 0))
		goto fail;
	if ((rc = ck_container_create(&ctr, ctx, spec)) < 0 ||
	    (rc = ck_container_start(ctr)) < 0 ||
	    (rc = ck_container_wait(&exit_code, ctr, -1)) < 0 ||     /* -1: no time limit */
	    (rc = ck_container_logs_v2(ctr, NULL, print_line, NULL)) < 0)
		goto fail;
	printf("exit code: %d\n", exit_code);
	rc = ck_container_remove(ctr, CK_REMOVE_FORCE);
	if (rc < 0)
		goto fail;
	goto out;
fail:
	fprintf(stderr, "error: %s\n", ck_error_last()->message); /* names the object and the cause */
out:
	ck_container_free(ctr);
	ck_container_spec_free(spec);
	ck_context_free(ctx);
	return rc < 0 ? 1 : exit_code;
}

/* Bad input to the core and the state layer: each gets a clear error that
 * names what is wrong, and nothing is half-written. */
#define _GNU_SOURCE
#include "harness.h"
#include "common.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static int open_with(ck_context **ctx, const char *root, const char *backend, const char *config)
{
	ck_context_options o = CK_CONTEXT_OPTIONS_INIT;
	char run[4096];
	snprintf(run, sizeof(run), "%s/run", root);
	o.root = root;
	o.runroot = run;
	o.db_backend = backend;
	o.config_path = config;
	o.flags = CK_CONTEXT_NO_ENV | (config ? 0 : CK_CONTEXT_NO_CONFIG);
	return ck_context_open(ctx, &o);
}

static void volume_invalid_names_are_refused(void)
{
	ck_volume_spec *spec = NULL;
	const char *bad[] = { "", "-lead", ".dot", "has space", "slash/inside", "semi;colon", "ünï", NULL };
	CK_CHECK_OK(ck_volume_spec_new(&spec));
	for (int i = 0; bad[i]; i++) {
		CK_CHECK_RC(ck_volume_spec_set_name(spec, bad[i]), CK_EINVAL);
		CK_CHECK_CONTAINS(ck_error_last()->message, "invalid volume name");
	}
	char longname[300];
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	CK_CHECK_RC(ck_volume_spec_set_name(spec, longname), CK_EINVAL);
	CK_CHECK_OK(ck_volume_spec_set_name(spec, "ok_name-1.2"));
	ck_volume_spec_free(spec);
}

static void context_unknown_backend_is_refused_and_writes_nothing(void)
{
	char *root = ck_test_tmpdir("badbackend");
	ck_context *ctx = NULL;
	char path[4096];

	/* A malformed name fails at open. */
	CK_CHECK_RC(open_with(&ctx, root, "Bolt DB", NULL), CK_ECONFIG);
	CK_CHECK_CONTAINS(ck_error_last()->message, "Bolt DB");
	CK_CHECK(ctx == NULL);
	/* A well-formed but unknown one fails on first use, naming the known ones. */
	CK_CHECK_OK(open_with(&ctx, root, "boltdb", NULL));
	char *info = NULL;
	CK_CHECK_RC(ck_system_info(&info, ctx), CK_ECONFIG);
	CK_CHECK_CONTAINS(ck_error_last()->message, "unknown state backend \"boltdb\"");
	CK_CHECK_CONTAINS(ck_error_last()->message, "sqlite");
	ck_free(info);
	ck_context_free(ctx);
	snprintf(path, sizeof(path), "%s/state/backend", root);
	CK_CHECK(access(path, F_OK) != 0);
	snprintf(path, sizeof(path), "%s/state/boltdb", root);
	CK_CHECK(access(path, F_OK) != 0);
	ck_test_rmtree(root);
	free(root);
}

static void damage_and_expect_corrupt(const char *backend, const char *file, int truncate_to)
{
	char *root = ck_test_tmpdir("corrupt");
	ck_context *ctx = ck_test_open(root, backend);
	char path[4096];

	for (int i = 0; i < 200; i++) {
		char key[16];
		snprintf(key, sizeof(key), "k%03d", i);
		CK_CHECK_OK(ck_test_put(ctx, "data", key, "some value that takes a little room in the file"));
	}
	ck_context_free(ctx);
	snprintf(path, sizeof(path), "%s/state/%s/%s", root, backend, file);
	if (truncate_to >= 0) {
		CK_CHECK(truncate(path, truncate_to) == 0);
	} else {
		int fd = open(path, O_WRONLY);
		CK_CHECK(fd >= 0);
		char junk[8192];
		for (size_t i = 0; i < sizeof(junk); i++)
			junk[i] = (char)(i * 131 + 7);
		CK_CHECK(pwrite(fd, junk, sizeof(junk), 0) == (ssize_t)sizeof(junk));
		close(fd);
	}
	/* Remove the WAL so sqlite cannot rebuild from it. */
	if (!strcmp(backend, "sqlite")) {
		snprintf(path, sizeof(path), "%s/state/sqlite/state.db-wal", root);
		unlink(path);
		snprintf(path, sizeof(path), "%s/state/sqlite/state.db-shm", root);
		unlink(path);
	}
	ctx = ck_test_open(root, NULL);
	char *v = NULL;
	int rc = ck_test_get(&v, ctx, "data", "k001");
	CK_CHECK(rc == CK_ECORRUPT);
	if (rc == CK_ECORRUPT)
		CK_CHECK_CONTAINS(ck_error_last()->message, root);
	free(v);
	/* The check still runs, and reports the damage. */
	char *report = NULL;
	CK_CHECK_RC(ck_system_check(&report, ctx, CK_CHECK_REPAIR), CK_ECORRUPT);
	CK_CHECK_CONTAINS(report, "\"kind\":\"integrity\"");
	ck_free(report);
	/* And reset brings back a usable, empty store. */
	CK_CHECK_OK(ck_system_reset(ctx));
	CK_CHECK_OK(ck_test_put(ctx, "data", "k", "v"));
	ck_context_free(ctx);
	ck_test_rmtree(root);
	free(root);
}

static void state_sqlite_garbage_file_is_reported_corrupt(void)
{
	damage_and_expect_corrupt("sqlite", "state.db", -1);
}

static void state_sqlite_truncated_file_is_reported_corrupt(void)
{
	damage_and_expect_corrupt("sqlite", "state.db", 1000);
}

static void state_lmdb_garbage_file_is_reported_corrupt(void)
{
	damage_and_expect_corrupt("lmdb", "data.mdb", -1);
}

static void state_lmdb_truncated_file_is_reported_corrupt(void)
{
	damage_and_expect_corrupt("lmdb", "data.mdb", 12288);
}

static void config_file_with_garbage_names_file_and_line(void)
{
	char *root = ck_test_tmpdir("badconf");
	char conf[4096];
	ck_context *ctx = NULL;
	const char *cases[][2] = {
		{ "root = \"/tmp/x\"\nthis is not a setting\n", ":2:" },
		{ "# comment\n\nfrobnicate = 1\n", "unknown key 'frobnicate'" },
		{ "runtime = \"crun\nlog_level=debug\n", "unterminated" },
		{ "log_level = loud\n", "invalid log level" },
		{ "[engine]\n", "sections" },
		{ "db_backend = \"NO SUCH\"\n", "invalid state backend" },
	};
	snprintf(conf, sizeof(conf), "%s/containerkit.conf", root);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		FILE *f = fopen(conf, "w");
		fputs(cases[i][0], f);
		fclose(f);
		CK_CHECK_RC(open_with(&ctx, root, NULL, conf), CK_ECONFIG);
		CK_CHECK_CONTAINS(ck_error_last()->message, cases[i][1]);
		CK_CHECK(ctx == NULL);
	}
	/* Binary junk. */
	FILE *f = fopen(conf, "w");
	fwrite("a = \0\1\2", 1, 7, f);
	fclose(f);
	CK_CHECK_RC(open_with(&ctx, root, NULL, conf), CK_ECONFIG);
	CK_CHECK_CONTAINS(ck_error_last()->message, conf);
	/* A missing explicit file is an error; a good one is used. */
	CK_CHECK_RC(open_with(&ctx, root, NULL, "/nonexistent/containerkit.conf"), CK_ECONFIG);
	CK_CHECK_CONTAINS(ck_error_last()->message, "/nonexistent/containerkit.conf");
	f = fopen(conf, "w");
	fprintf(f, "# test\nruntime = \"runc\"\ndb_backend = lmdb\nlog_level = debug\n");
	fclose(f);
	CK_CHECK_OK(open_with(&ctx, root, NULL, conf));
	CK_CHECK_STR(ck_context_runtime(ctx), "runc");
	CK_CHECK_STR(ck_context_db_backend(ctx), "lmdb");
	CK_CHECK_STR(ck_context_config_path(ctx), conf);
	ck_context_free(ctx);
	ck_test_rmtree(root);
	free(root);
}

static void context_unusable_directory_is_refused(void)
{
	char *root = ck_test_tmpdir("unreadable");
	char path[4096];
	ck_context *ctx = NULL;

	/* A root below a regular file can never be created, even by root. */
	snprintf(path, sizeof(path), "%s/file", root);
	FILE *f = fopen(path, "w");
	fclose(f);
	snprintf(path, sizeof(path), "%s/file/store", root);
	CK_CHECK(open_with(&ctx, path, NULL, NULL) < 0);
	CK_CHECK_CONTAINS(ck_error_last()->message, path);
	CK_CHECK(ctx == NULL);

	/* An unprivileged user cannot use a root-only directory. */
	snprintf(path, sizeof(path), "%s/private", root);
	CK_CHECK(mkdir(path, 0700) == 0);
	CK_CHECK(chmod(root, 0755) == 0);
	if (geteuid() == 0) {
		pid_t pid = fork();
		if (pid == 0) {
			if (setgid(65534) || setuid(65534))
				_exit(9);
			ck_context *c = NULL;
			int rc = open_with(&c, path, NULL, NULL);
			_exit(rc == CK_EPERM && strstr(ck_error_last()->message, path) ? 0 : 1);
		}
		int status = 0;
		waitpid(pid, &status, 0);
		CK_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	ck_test_rmtree(root);
	free(root);
}

static void context_explicit_backend_must_match_store(void)
{
	char *root = ck_test_tmpdir("mismatch");
	ck_context *ctx = ck_test_open(root, "sqlite");
	CK_CHECK_OK(ck_test_put(ctx, "b", "k", "v"));
	ck_context_free(ctx);
	CK_CHECK_OK(open_with(&ctx, root, "lmdb", NULL));
	char *v = NULL;
	CK_CHECK_RC(ck_test_get(&v, ctx, "b", "k"), CK_ECONFIG);
	CK_CHECK_CONTAINS(ck_error_last()->message, "ck system migrate --to lmdb");
	ck_context_free(ctx);
	ck_test_rmtree(root);
	free(root);
}

static void options_with_unknown_version_are_refused(void)
{
	ck_context_options o = CK_CONTEXT_OPTIONS_INIT;
	ck_context *ctx = NULL;
	o.version = 99;
	CK_CHECK_RC(ck_context_open(&ctx, &o), CK_EVERSION);
	CK_CHECK_RC(ck_context_options_init(&o, 42), CK_EVERSION);
	CK_CHECK_OK(ck_context_options_init(&o, CK_CONTEXT_OPTIONS_VERSION));
	CK_CHECK(o.version == CK_CONTEXT_OPTIONS_VERSION && o.log_level == -1);
}

static void error_is_cleared_by_next_call(void)
{
	ck_volume_spec *spec = NULL;
	CK_CHECK_OK(ck_volume_spec_new(&spec));
	CK_CHECK_RC(ck_volume_spec_set_name(spec, "bad name"), CK_EINVAL);
	CK_CHECK(ck_error_last()->code == CK_EINVAL);
	CK_CHECK_OK(ck_volume_spec_set_name(spec, "good"));
	CK_CHECK(ck_error_last()->code == CK_OK);
	CK_CHECK_STR(ck_error_last()->message, "");
	CK_CHECK_STR(ck_error_name(CK_ENOTFOUND), "CK_ENOTFOUND");
	CK_CHECK_STR(ck_error_name(-12345), "CK_E?");
	ck_volume_spec_free(spec);
}

/* Every kind is looked up by name, full id or unique id prefix; a miss and
 * an ambiguous prefix each get the kind's own words, and change nothing. */
static void lookup_misses_and_ambiguous_prefixes_are_worded_per_kind(void)
{
	char *root = ck_test_tmpdir("lookup");
	ck_context *ctx = ck_test_open(root, NULL);
	ck_volume_spec *spec = NULL;
	ck_volume *v = NULL;
	ck_container *c = NULL;
	ck_pod *p = NULL;
	ck_image *i = NULL;
	ck_network *n = NULL;

	CK_CHECK_OK(ck_volume_spec_new(&spec));
	for (int k = 0; k < 2; k++) {
		CK_CHECK_OK(ck_volume_spec_set_name(spec, k ? "dup-b" : "dup-a"));
		CK_CHECK_OK(ck_volume_create(&v, ctx, spec));
		ck_volume_free(v);
		v = NULL;
	}
	ck_volume_spec_free(spec);
	CK_CHECK_RC(ck_volume_lookup(&v, ctx, "dup-"), CK_EAMBIGUOUS);
	CK_CHECK_STR(ck_error_last()->message, "more than one volume name starts with \"dup-\"; give the full name");
	CK_CHECK(v == NULL);
	CK_CHECK_OK(ck_volume_lookup(&v, ctx, "dup-b"));
	ck_volume_free(v);
	v = NULL;
	CK_CHECK_RC(ck_volume_lookup(&v, ctx, "nosuch"), CK_ENOTFOUND);
	CK_CHECK_STR(ck_error_last()->message, "no volume with name \"nosuch\" found: no such volume");
	CK_CHECK_RC(ck_container_lookup(&c, ctx, "nosuch"), CK_ENOTFOUND);
	CK_CHECK_STR(ck_error_last()->message, "no container with name or ID \"nosuch\" found: no such container");
	CK_CHECK_RC(ck_pod_lookup(&p, ctx, "nosuch"), CK_ENOTFOUND);
	CK_CHECK_STR(ck_error_last()->message, "no pod with name or ID nosuch found: no such pod");
	CK_CHECK_RC(ck_image_lookup(&i, ctx, "nosuch"), CK_ENOTFOUND);
	CK_CHECK_CONTAINS(ck_error_last()->message, "image not known");
	CK_CHECK_RC(ck_network_lookup(&n, ctx, "nosuch"), CK_ENOTFOUND);
	CK_CHECK_STR(ck_error_last()->message, "unable to find network with name or ID nosuch: network not found");
	CK_CHECK(c == NULL && p == NULL && i == NULL && n == NULL);
	ck_context_free(ctx);
	ck_test_rmtree(root);
	free(root);
}

CK_TESTS(CK_TEST(volume_invalid_names_are_refused), CK_TEST(context_unknown_backend_is_refused_and_writes_nothing),
         CK_TEST(state_sqlite_garbage_file_is_reported_corrupt),
         CK_TEST(state_sqlite_truncated_file_is_reported_corrupt),
         CK_TEST(state_lmdb_garbage_file_is_reported_corrupt),
         CK_TEST(state_lmdb_truncated_file_is_reported_corrupt),
         CK_TEST(config_file_with_garbage_names_file_and_line), CK_TEST(context_unusable_directory_is_refused),
         CK_TEST(context_explicit_backend_must_match_store), CK_TEST(options_with_unknown_version_are_refused),
         CK_TEST(error_is_cleared_by_next_call), CK_TEST(lookup_misses_and_ambiguous_prefixes_are_worded_per_kind))

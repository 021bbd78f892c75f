/* Unit tests of containerkit.conf parsing (lib/core/config.c): the accepted
 * forms, and for each mistake an error that names the file and the line,
 * read from real files. */
#define _GNU_SOURCE
#include "core/core_int.h"
#include "harness.h"

static char *write_conf(const char *dir, const char *text, size_t len)
{
	char *p = NULL;
	if (asprintf(&p, "%s/containerkit.conf", dir) < 0)
		abort();
	if (ck__write_file_atomic(p, text, len, 0644) != CK_OK)
		abort();
	return p;
}

static void core_config_reads_every_key_and_form(void)
{
	static const char text[] =
		"# a comment\n"
		"\n"
		"root = /srv/ck\n"
		"   runroot=/run/ck   \n"
		"db_backend = \"lmdb\"\n"
		"runtime = \" runc \"\n"
		"\t# an indented comment\n"
		"log_level = debug\n"
		"search_registries = docker.io, quay.io\n"
		"insecure_registries = \"127.0.0.1:5000\"\n"
		"root = /srv/ck2\n"; /* the last one wins */
	char *dir = ck_test_tmpdir("config"), *path = write_conf(dir, text, sizeof(text) - 1);
	ck__config cfg = { 0 };

	CK_CHECK_OK(ck__config_load(&cfg, path, true));
	CK_CHECK_STR(cfg.root, "/srv/ck2");
	CK_CHECK_STR(cfg.runroot, "/run/ck");
	CK_CHECK_STR(cfg.db_backend, "lmdb");
	CK_CHECK_STR(cfg.runtime, " runc "); /* quotes keep the spaces inside */
	CK_CHECK_STR(cfg.log_level, "debug");
	CK_CHECK_STR(cfg.search_registries, "docker.io, quay.io");
	CK_CHECK_STR(cfg.insecure_registries, "127.0.0.1:5000");
	ck__config_free(&cfg);
	CK_CHECK(cfg.root == NULL);

	/* An empty file, and one of comments only, set nothing. */
	CK_CHECK_OK(ck__config_parse(&cfg, "empty.conf", ""));
	CK_CHECK_OK(ck__config_parse(&cfg, "comments.conf", "# only\n\n   \n# this\n"));
	CK_CHECK(cfg.root == NULL && cfg.runtime == NULL);
	/* No final newline, CRLF line ends and an empty quoted value. */
	CK_CHECK_OK(ck__config_parse(&cfg, "crlf.conf", "runtime = crun\r\nroot = \"\""));
	CK_CHECK_STR(cfg.runtime, "crun");
	CK_CHECK_STR(cfg.root, "");
	ck__config_free(&cfg);
	ck_test_rmtree(dir);
	free(path);
	free(dir);
}

static void core_config_mistakes_name_the_file_and_line(void)
{
	static const struct {
		const char *text, *message;
	} bad[] = {
		{ "root = /a\n[engine]\n", "bad.conf:2: sections are not used; write 'key = value' lines" },
		{ "\n\nroot /a\n", "bad.conf:3: expected 'key = value', got \"root /a\"" },
		{ "storage = overlay\n", "bad.conf:1: unknown key 'storage' (known keys: root, runroot, db_backend, "
		                         "runtime, log_level, search_registries, insecure_registries)" },
		{ "# x\nruntime = \"crun\n", "bad.conf:2: unterminated quoted value for 'runtime'" },
		{ "runtime = \"\n", "bad.conf:1: unterminated quoted value for 'runtime'" },
		{ "root = /a\x01b\n", "bad.conf:1: control character in the value of 'root'" },
		{ "Root = /a\n", "bad.conf:1: unknown key 'Root'" },
		{ NULL, NULL }
	};
	for (int i = 0; bad[i].text; i++) {
		ck__config cfg = { 0 };
		int rc = ck__config_parse(&cfg, "bad.conf", bad[i].text);
		if (rc != CK_ECONFIG)
			fprintf(stderr, "  case %d gave %d\n", i, rc);
		CK_CHECK(rc == CK_ECONFIG);
		CK_CHECK_CONTAINS(ck_error_last()->message, bad[i].message);
		ck__config_free(&cfg);
	}
}

static void core_config_file_that_is_missing_or_not_text(void)
{
	char *dir = ck_test_tmpdir("config"), *missing = NULL;
	ck__config cfg = { 0 };

	if (asprintf(&missing, "%s/absent.conf", dir) < 0)
		abort();
	/* Optional: missing is CK_ENOTFOUND with no error left behind. */
	CK_CHECK_RC(ck__config_load(&cfg, missing, false), CK_ENOTFOUND);
	CK_CHECK(ck_error_last()->code == CK_OK);
	/* Required (a path the user named): an error naming it. */
	CK_CHECK_RC(ck__config_load(&cfg, missing, true), CK_ECONFIG);
	CK_CHECK_CONTAINS(ck_error_last()->message, "cannot read configuration file");
	CK_CHECK_CONTAINS(ck_error_last()->message, missing);

	char *path = write_conf(dir, "root = /a\n\0runtime = runc\n", 26);
	CK_CHECK_RC(ck__config_load(&cfg, path, true), CK_ECONFIG);
	CK_CHECK_CONTAINS(ck_error_last()->message, "contains a NUL byte; it is not a text file");
	CK_CHECK_CONTAINS(ck_error_last()->message, path);
	/* A directory is not a configuration file either. */
	CK_CHECK_RC(ck__config_load(&cfg, dir, true), CK_ECONFIG);
	ck__config_free(&cfg);
	ck_test_rmtree(dir);
	free(path);
	free(missing);
	free(dir);
}

static void core_config_log_levels(void)
{
	static const struct {
		const char *text;
		int level;
	} good[] = { { "error", CK_LOG_ERROR }, { "WARN", CK_LOG_WARN }, { "warning", CK_LOG_WARN },
		     { "Info", CK_LOG_INFO }, { "debug", CK_LOG_DEBUG }, { "trace", CK_LOG_TRACE },
		     { "fatal", CK_LOG_ERROR }, { "panic", CK_LOG_ERROR }, { NULL, 0 } };
	int level = -1;

	for (int i = 0; good[i].text; i++) {
		CK_CHECK_OK(ck__parse_log_level(good[i].text, &level));
		CK_CHECK(level == good[i].level);
	}
	CK_CHECK_RC(ck__parse_log_level("loud", &level), CK_ECONFIG);
	CK_CHECK_CONTAINS(ck_error_last()->message, "invalid log level \"loud\"");
	CK_CHECK_RC(ck__parse_log_level("", &level), CK_ECONFIG);
}

CK_TESTS(CK_TEST(core_config_reads_every_key_and_form),
         CK_TEST(core_config_mistakes_name_the_file_and_line),
         CK_TEST(core_config_file_that_is_missing_or_not_text),
         CK_TEST(core_config_log_levels))

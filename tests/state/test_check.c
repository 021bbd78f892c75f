/* ck_system_check: every kind of fault is injected through the raw state API
 * or on disk, reported, and repaired when that loses no data.  Also reboot
 * detection by boot id. */
#define _GNU_SOURCE
#include "harness.h"
#include "common.h"

#include <sys/stat.h>
#include <unistd.h>

static char *check(ck_context *ctx, unsigned flags, int expect)
{
	char *report = NULL;
	CK_CHECK_RC(ck_system_check(&report, ctx, flags), expect);
	CK_CHECK(report != NULL);
	return report;
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;
	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

static void inject_and_check(const char *backend)
{
	char *root = ck_test_tmpdir("check");
	ck_context *ctx = ck_test_open(root, backend);
	char path[4096], *report;

	/* A clean store passes. */
	report = check(ctx, 0, CK_OK);
	CK_CHECK_CONTAINS(report, "\"ok\":true");
	ck_free(report);

	/* dangling-name: a name whose container record is gone. */
	CK_CHECK_OK(ck_test_put(ctx, "names", "ghost", "container/0123456789abcdef"));
	/* orphan-state: state without a record. */
	CK_CHECK_OK(ck_test_put(ctx, "pods.state", "feedfacefeedface", "{}"));
	/* missing-state, missing-pod, missing-image: a container record alone. */
	CK_CHECK_OK(ck_test_put(ctx, "containers", "c0ffee00c0ffee00",
	                        "{\"id\":\"c0ffee00c0ffee00\",\"pod\":\"deadbeef\",\"image_id\":\"abadcafe\"}"));
	/* bad-record: not JSON. */
	CK_CHECK_OK(ck_test_put(ctx, "pods", "badbadbadbad", "{not json"));
	CK_CHECK_OK(ck_test_put(ctx, "pods.state", "badbadbadbad", "{}"));
	/* A dangling image tag. */
	CK_CHECK_OK(ck_test_put(ctx, "images.tags", "localhost/gone:latest", "0000aaaa"));
	/* orphan-volume-dir and missing-volume-dir. */
	ck_volume_spec *spec = NULL;
	ck_volume *vol = NULL;
	CK_CHECK_OK(ck_volume_spec_new(&spec));
	CK_CHECK_OK(ck_volume_spec_set_name(spec, "keep"));
	CK_CHECK_OK(ck_volume_create(&vol, ctx, spec));
	ck_volume_spec_free(spec);
	snprintf(path, sizeof(path), "%s/volumes/keep", root);
	CK_CHECK(ck_volume_mountpoint(vol) != NULL);
	ck_volume_free(vol);
	{
		char cmd[8400];
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", path);
		CK_CHECK(system(cmd) == 0);
	}
	snprintf(path, sizeof(path), "%s/volumes/adopted/_data", root);
	{
		char cmd[8400];
		snprintf(cmd, sizeof(cmd), "mkdir -p '%s' && echo precious > '%s/file'", path, path);
		CK_CHECK(system(cmd) == 0);
	}
	/* leftover: a temporary store of an interrupted migration. */
	snprintf(path, sizeof(path), "%s/state/lmdb.migrating-99999", root);
	CK_CHECK(mkdir(path, 0700) == 0);

	report = check(ctx, 0, CK_ECORRUPT);
	CK_CHECK_CONTAINS(report, "\"ok\":false");
	const char *kinds[] = { CK_CHECK_DANGLING_NAME, CK_CHECK_ORPHAN_STATE, CK_CHECK_MISSING_STATE,
	                        CK_CHECK_MISSING_POD, CK_CHECK_MISSING_IMAGE, CK_CHECK_BAD_RECORD,
	                        CK_CHECK_ORPHAN_VOLUME_DIR, CK_CHECK_MISSING_VOLUME_DIR, CK_CHECK_LEFTOVER };
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		char want[64];
		snprintf(want, sizeof(want), "\"kind\":\"%s\"", kinds[i]);
		CK_CHECK_CONTAINS(report, want);
	}
	CK_CHECK_CONTAINS(report, "ghost");
	CK_CHECK_CONTAINS(report, "localhost/gone:latest");
	/* Every problem says the next step. */
	CK_CHECK(count(report, "\"kind\":") == count(report, "\"hint\":"));
	CK_CHECK_CONTAINS(report, "\"hint\":\"remove the container with 'ck rm -f c0ffee00c0ffee00'\"");
	CK_CHECK_CONTAINS(report, "\"hint\":\"run 'ck system check --repair'\"");
	/* A record that cannot be read cannot be looked up, so not removed by ck rm. */
	CK_CHECK_CONTAINS(report, "\"hint\":\"no ck command removes a record it cannot read: delete the key "
	                          "\\\"badbadbadbad\\\" of the buckets \\\"pods\\\" and \\\"pods.state\\\"");
	ck_free(report);

	/* Repair fixes what loses no data; the rest is still reported. */
	report = check(ctx, CK_CHECK_REPAIR, CK_ECORRUPT);
	ck_free(report);
	char *v = NULL;
	CK_CHECK_OK(ck_test_get(&v, ctx, "names", "ghost"));
	CK_CHECK(v == NULL);
	CK_CHECK_OK(ck_test_get(&v, ctx, "pods.state", "feedfacefeedface"));
	CK_CHECK(v == NULL);
	CK_CHECK_OK(ck_test_get(&v, ctx, "containers.state", "c0ffee00c0ffee00"));
	CK_CHECK(v != NULL);
	free(v);
	CK_CHECK_OK(ck_test_get(&v, ctx, "pods", "badbadbadbad"));
	CK_CHECK(v != NULL); /* a damaged record is never deleted by a repair */
	free(v);
	snprintf(path, sizeof(path), "%s/volumes/keep/_data", root);
	CK_CHECK(access(path, F_OK) == 0);
	snprintf(path, sizeof(path), "%s/volumes/adopted/_data/file", root);
	CK_CHECK(access(path, F_OK) == 0);
	CK_CHECK_OK(ck_volume_lookup(&vol, ctx, "adopted"));
	ck_volume_free(vol);
	snprintf(path, sizeof(path), "%s/state/lmdb.migrating-99999", root);
	CK_CHECK(access(path, F_OK) != 0);

	report = check(ctx, 0, CK_ECORRUPT);
	CK_CHECK(strstr(report, CK_CHECK_DANGLING_NAME) == NULL);
	CK_CHECK(strstr(report, CK_CHECK_ORPHAN_STATE) == NULL);
	CK_CHECK(strstr(report, CK_CHECK_MISSING_STATE) == NULL);
	CK_CHECK(strstr(report, CK_CHECK_ORPHAN_VOLUME_DIR) == NULL);
	CK_CHECK(strstr(report, CK_CHECK_MISSING_VOLUME_DIR) == NULL);
	CK_CHECK(strstr(report, CK_CHECK_LEFTOVER) == NULL);
	/* The container whose pod is gone was taken out of it, and kept. */
	CK_CHECK(strstr(report, CK_CHECK_MISSING_POD) == NULL);
	CK_CHECK_OK(ck_test_get(&v, ctx, "containers", "c0ffee00c0ffee00"));
	CK_CHECK(v != NULL && strstr(v, "deadbeef") == NULL);
	free(v);
	CK_CHECK_CONTAINS(report, CK_CHECK_MISSING_IMAGE);
	CK_CHECK_CONTAINS(report, CK_CHECK_BAD_RECORD);
	ck_free(report);

	/* Once the unrepairable records are removed by hand, all is well. */
	CK_CHECK_OK(ck_test_del(ctx, "containers", "c0ffee00c0ffee00"));
	CK_CHECK_OK(ck_test_del(ctx, "containers.state", "c0ffee00c0ffee00"));
	CK_CHECK_OK(ck_test_del(ctx, "pods", "badbadbadbad"));
	CK_CHECK_OK(ck_test_del(ctx, "pods.state", "badbadbadbad"));
	report = check(ctx, 0, CK_OK);
	ck_free(report);
	ck_context_free(ctx);
	ck_test_rmtree(root);
	free(root);
}

static void check_sqlite_reports_and_repairs_each_fault(void)
{
	inject_and_check("sqlite");
}

static void check_lmdb_reports_and_repairs_each_fault(void)
{
	inject_and_check("lmdb");
}

/* The typed report of a damaged store: one integrity problem naming the file
 * and the next step, the same data as the JSON, and the file untouched. */
static void typed_report_of_damaged_store(const char *backend, const char *file)
{
	char *root = ck_test_tmpdir("typed");
	ck_context *ctx = ck_test_open(root, backend);
	char path[4096], *before, *after, *json = NULL, *json2 = NULL;
	size_t len_before = 0, len_after = 0;
	ck_check_report *rep = NULL;

	CK_CHECK_OK(ck_test_put(ctx, "data", "k", "v"));
	ck_context_free(ctx);
	snprintf(path, sizeof(path), "%s/state/%s/%s", root, backend, file);
	{
		FILE *f = fopen(path, "r+");
		CK_CHECK(f != NULL);
		if (f) {
			for (int i = 0; i < 8192; i++)
				fputc((i * 131 + 7) & 0xff, f);
			fclose(f);
		}
		char wal[4200];
		snprintf(wal, sizeof(wal), "%s-wal", path);
		unlink(wal);
		snprintf(wal, sizeof(wal), "%s-shm", path);
		unlink(wal);
	}
	before = ck_test_read_file(path, &len_before);
	ctx = ck_test_open(root, NULL);
	CK_CHECK_RC(ck_check_report_new(&rep, ctx, 0), CK_ECORRUPT);
	CK_CHECK(rep != NULL);
	if (rep) {
		CK_CHECK(ck_check_report_count(rep) >= 1);
		CK_CHECK(ck_check_report_remaining(rep) == ck_check_report_count(rep));
		CK_CHECK_STR(ck_check_report_backend(rep), backend);
		for (size_t i = 0; i < ck_check_report_count(rep); i++) {
			const ck_check_problem *p = ck_check_report_byindex(rep, i);
			CK_CHECK_STR(ck_check_problem_kind(p), CK_CHECK_INTEGRITY);
			CK_CHECK_CONTAINS(ck_check_problem_detail(p), path);
			CK_CHECK_CONTAINS(ck_check_problem_hint(p), "'ck system reset --force'");
			CK_CHECK(!ck_check_problem_repairable(p) && !ck_check_problem_repaired(p));
		}
		CK_CHECK(ck_check_report_byindex(rep, ck_check_report_count(rep)) == NULL);
		CK_CHECK_OK(ck_check_report_json(&json, rep));
	}
	CK_CHECK_RC(ck_system_check(&json2, ctx, 0), CK_ECORRUPT);
	CK_CHECK_CONTAINS(ck_error_last()->message, "the store has");
	if (json && json2)
		CK_CHECK_STR(json, json2);
	after = ck_test_read_file(path, &len_after);
	CK_CHECK(before && after && len_before == len_after && memcmp(before, after, len_after) == 0);
	ck_check_report_free(rep);
	ck_check_report_free(NULL);
	ck_free(json);
	ck_free(json2);
	free(before);
	free(after);
	ck_context_free(ctx);
	ck_test_rmtree(root);
	free(root);
}

static void check_sqlite_typed_report_names_damaged_file_and_next_step(void)
{
	typed_report_of_damaged_store("sqlite", "state.db");
}

static void check_lmdb_typed_report_names_damaged_file_and_next_step(void)
{
	typed_report_of_damaged_store("lmdb", "data.mdb");
}

static void reboot(const char *backend)
{
	char *root = ck_test_tmpdir("boot");
	ck_context *ctx = ck_test_open(root, backend);
	char *v = NULL;

	CK_CHECK_OK(ck_test_put(ctx, "containers", "aaaa1111", "{\"id\":\"aaaa1111\"}"));
	CK_CHECK_OK(ck_test_put(ctx, "containers.state", "aaaa1111", "{\"status\":\"running\",\"pid\":4242}"));
	CK_CHECK_OK(ck_test_put(ctx, "containers", "bbbb2222", "{\"id\":\"bbbb2222\"}"));
	CK_CHECK_OK(ck_test_put(ctx, "containers.state", "bbbb2222", "{\"status\":\"exited\",\"exit_code\":3}"));
	/* Same boot: a new context leaves running containers alone. */
	ck_context_free(ctx);
	ctx = ck_test_open(root, NULL);
	CK_CHECK_OK(ck_test_get(&v, ctx, "containers.state", "aaaa1111"));
	CK_CHECK_CONTAINS(v, "\"running\"");
	free(v);
	/* Pretend the store was last used under another boot. */
	CK_CHECK_OK(ck_test_put(ctx, "meta", "boot_id", "00000000-0000-0000-0000-000000000000"));
	ck_context_free(ctx);
	ctx = ck_test_open(root, NULL);
	CK_CHECK_OK(ck_test_get(&v, ctx, "containers.state", "aaaa1111"));
	CK_CHECK_CONTAINS(v, "\"status\":\"exited\"");
	CK_CHECK_CONTAINS(v, "\"pid\":0");
	free(v);
	CK_CHECK_OK(ck_test_get(&v, ctx, "containers.state", "bbbb2222"));
	CK_CHECK_STR(v, "{\"status\":\"exited\",\"exit_code\":3}");
	free(v);
	ck_context_free(ctx);
	ck_test_rmtree(root);
	free(root);
}

static void state_sqlite_marks_running_exited_after_reboot(void)
{
	reboot("sqlite");
}

static void state_lmdb_marks_running_exited_after_reboot(void)
{
	reboot("lmdb");
}

CK_TESTS(CK_TEST(check_sqlite_reports_and_repairs_each_fault), CK_TEST(check_lmdb_reports_and_repairs_each_fault),
         CK_TEST(check_sqlite_typed_report_names_damaged_file_and_next_step),
         CK_TEST(check_lmdb_typed_report_names_damaged_file_and_next_step),
         CK_TEST(state_sqlite_marks_running_exited_after_reboot),
         CK_TEST(state_lmdb_marks_running_exited_after_reboot))

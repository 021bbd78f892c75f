/* The names renamed to ck_<module>_<noun> in 1.1 keep working: the old type
 * names and macros (deprecated.h) are the same types, and the old function
 * symbols are the same functions, exported under both names. */
#include "harness.h"

#include <containerkit.h>
#include <dlfcn.h>
#include <string.h>

static void old_and_new_names_are_the_same_types_and_functions(void)
{
	ck_exec_options a = CK_EXEC_OPTIONS_INIT;
	ck_container_exec_options b = CK_CONTAINER_EXEC_OPTIONS_INIT;
	ck_attach_options at;
	ck_logs_options lo;
	ck_commit_options co;
	ck_container_mount_type mt = CK_MOUNT_BIND;
	ck_mount_type old_mt = mt;
	void *self = dlopen(NULL, RTLD_NOW);
	static const char *const pairs[][2] = {
		{ "ck_attach_options_init", "ck_container_attach_options_init" },
		{ "ck_exec_options_init", "ck_container_exec_options_init" },
		{ "ck_logs_options_init", "ck_container_logs_options_init" },
		{ "ck_commit_options_init", "ck_container_commit_options_init" },
		{ "ck_change_list_count", "ck_container_change_list_count" },
		{ "ck_change_list_free", "ck_container_change_list_free" },
		{ "ck_check_report_new", "ck_system_check_report_new" },
		{ "ck_check_report_json", "ck_system_check_report_json" },
		{ "ck_check_problem_hint", "ck_system_check_problem_hint" },
	};

	CK_CHECK(a.version == b.version && sizeof(a) == sizeof(b));
	CK_CHECK(old_mt == CK_MOUNT_BIND);
	CK_CHECK(CK_LOG_ENTRY_VERSION == CK_CONTAINER_LOG_ENTRY_VERSION);
	CK_CHECK_OK(ck_attach_options_init(&at, CK_ATTACH_OPTIONS_VERSION));
	CK_CHECK_OK(ck_container_logs_options_init(&lo, CK_LOGS_OPTIONS_VERSION));
	CK_CHECK_OK(ck_commit_options_init(&co, CK_CONTAINER_COMMIT_OPTIONS_VERSION));
	CK_CHECK_RC(ck_exec_options_init(&a, 99), CK_EVERSION);
	CK_CHECK_RC(ck_container_exec_options_init(&b, 99), CK_EVERSION);
	CK_CHECK(self != NULL);
	for (size_t i = 0; self && i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		void *o = dlsym(self, pairs[i][0]), *n = dlsym(self, pairs[i][1]);
		CK_CHECK(o != NULL && o == n);
		if (!o || o != n)
			fprintf(stderr, "  %s and %s differ\n", pairs[i][0], pairs[i][1]);
	}
	if (self)
		dlclose(self);
}

CK_TESTS(CK_TEST(old_and_new_names_are_the_same_types_and_functions))

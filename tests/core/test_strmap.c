/* Unit tests of core's string map (lib/core/strmap.c): the ordered map of
 * labels, options and environments, and its JSON object form. */
#include "core/core.h"
#include "harness.h"

#include <yajl/yajl_gen.h>

static void core_strmap_keeps_insertion_order_and_replaces_in_place(void)
{
	ck__strmap m = { 0 };

	CK_CHECK_OK(ck__strmap_set(&m, "b", "1"));
	CK_CHECK_OK(ck__strmap_set(&m, "a", "2"));
	CK_CHECK_OK(ck__strmap_set(&m, "c", "3"));
	CK_CHECK_OK(ck__strmap_set(&m, "a", "two"));
	CK_CHECK(m.n == 3);
	if (m.n == 3) {
		CK_CHECK_STR(m.keys[0], "b");
		CK_CHECK_STR(m.keys[1], "a");
		CK_CHECK_STR(m.keys[2], "c");
	}
	CK_CHECK_STR(ck__strmap_get(&m, "a"), "two");
	CK_CHECK_STR(ck__strmap_get(&m, "b"), "1");
	CK_CHECK(ck__strmap_get(&m, "missing") == NULL);
	/* Keys are compared whole and case-sensitively. */
	CK_CHECK(ck__strmap_get(&m, "A") == NULL);
	CK_CHECK(ck__strmap_get(&m, "") == NULL);
	ck__strmap_free(&m);
	CK_CHECK(m.n == 0 && m.keys == NULL && m.vals == NULL);
	ck__strmap_free(&m); /* a freed map may be freed again */
}

static void core_strmap_null_value_is_stored_as_empty(void)
{
	ck__strmap m = { 0 };

	CK_CHECK_OK(ck__strmap_set(&m, "flag", NULL));
	CK_CHECK_STR(ck__strmap_get(&m, "flag"), "");
	CK_CHECK_OK(ck__strmap_set(&m, "", "empty key"));
	CK_CHECK_STR(ck__strmap_get(&m, ""), "empty key");
	ck__strmap_free(&m);
}

static void core_strmap_many_keys_stay_unique(void)
{
	ck__strmap m = { 0 };
	char key[32], val[32];

	for (int round = 0; round < 2; round++)
		for (int i = 0; i < 500; i++) {
			snprintf(key, sizeof(key), "key%d", i);
			snprintf(val, sizeof(val), "%d-%d", round, i);
			CK_CHECK_OK(ck__strmap_set(&m, key, val));
		}
	CK_CHECK(m.n == 500);
	CK_CHECK_STR(ck__strmap_get(&m, "key0"), "1-0");
	CK_CHECK_STR(ck__strmap_get(&m, "key499"), "1-499");
	CK_CHECK_STR(m.keys[250], "key250");
	ck__strmap_free(&m);
}

static char *gen_map(const ck__strmap *m)
{
	yajl_gen g = ck__json_gen_new(false);
	char *out = NULL;

	if (!g)
		return NULL;
	yajl_gen_map_open(g);
	ck__json_key(g, "labels");
	ck__strmap_gen(g, m);
	yajl_gen_map_close(g);
	if (ck__json_gen_finish(&out, g) != CK_OK)
		return NULL;
	return out;
}

static void core_strmap_json_round_trip_keeps_order_and_escapes(void)
{
	ck__strmap m = { 0 }, back = { 0 };
	yajl_val tree = NULL;
	char *json;

	CK_CHECK_OK(ck__strmap_set(&m, "z", "last\tfirst"));
	CK_CHECK_OK(ck__strmap_set(&m, "quote\"key", "back\\slash"));
	CK_CHECK_OK(ck__strmap_set(&m, "utf8", "h\xc3\xa9llo"));
	CK_CHECK_OK(ck__strmap_set(&m, "nl", "a\nb"));
	json = gen_map(&m);
	CK_CHECK_STR(json, "{\"labels\":{\"z\":\"last\\tfirst\",\"quote\\\"key\":\"back\\\\slash\","
	                   "\"utf8\":\"h\xc3\xa9llo\",\"nl\":\"a\\nb\"}}");
	CK_CHECK_OK(ck__json_parse(&tree, json, "the map", CK_ECORRUPT));
	CK_CHECK_OK(ck__strmap_from_json(&back, ck__json_obj(tree, "labels")));
	CK_CHECK(back.n == m.n);
	for (size_t i = 0; i < m.n && i < back.n; i++) {
		CK_CHECK_STR(back.keys[i], m.keys[i]);
		CK_CHECK_STR(back.vals[i], m.vals[i]);
	}
	yajl_tree_free(tree);
	free(json);
	ck__strmap_free(&back);
	ck__strmap_free(&m);
}

static void core_strmap_from_json_skips_what_is_not_a_string(void)
{
	ck__strmap m = { 0 };
	yajl_val tree = NULL;

	CK_CHECK_OK(ck__json_parse(&tree, "{\"a\":\"1\",\"n\":2,\"o\":{},\"l\":[],\"t\":true,\"z\":null,\"b\":\"x\"}",
	                           "labels", CK_ECORRUPT));
	CK_CHECK_OK(ck__strmap_from_json(&m, tree));
	CK_CHECK(m.n == 2);
	CK_CHECK_STR(ck__strmap_get(&m, "a"), "1");
	CK_CHECK_STR(ck__strmap_get(&m, "b"), "x");
	CK_CHECK(ck__strmap_get(&m, "n") == NULL);
	/* Not an object (or nothing): the map is left as it is. */
	yajl_tree_free(tree);
	CK_CHECK_OK(ck__json_parse(&tree, "[\"a\"]", "labels", CK_ECORRUPT));
	CK_CHECK_OK(ck__strmap_from_json(&m, tree));
	CK_CHECK_OK(ck__strmap_from_json(&m, NULL));
	CK_CHECK(m.n == 2);
	yajl_tree_free(tree);
	ck__strmap_free(&m);
}

CK_TESTS(CK_TEST(core_strmap_keeps_insertion_order_and_replaces_in_place),
         CK_TEST(core_strmap_null_value_is_stored_as_empty),
         CK_TEST(core_strmap_many_keys_stay_unique),
         CK_TEST(core_strmap_json_round_trip_keeps_order_and_escapes),
         CK_TEST(core_strmap_from_json_skips_what_is_not_a_string))

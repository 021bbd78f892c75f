/* The --filter parser every listing shares: keys are checked against the
 * kind's list, bad filters are named, and label= matches key and value. */
#define _GNU_SOURCE
#include "core/core.h"
#include "harness.h"

#include <string.h>

static const char *const keys[] = { "name", "label", "dangling", NULL };

struct seen {
	size_t n, key[8];
	const char *val[8];
};

static int note(size_t key, const char *val, const char *flt, void *payload)
{
	struct seen *s = payload;

	(void)flt;
	s->key[s->n] = key;
	s->val[s->n++] = val;
	return CK_OK;
}

static void filters_give_each_key_index_and_value(void)
{
	struct seen s = { 0 };
	const char *const f[] = { "label=a=b", "name=web", "name=", NULL };

	CK_CHECK_OK(ck__filters_parse("volume", keys, 0, f, note, &s));
	CK_CHECK(s.n == 3);
	CK_CHECK(s.key[0] == 1 && !strcmp(s.val[0], "a=b"));
	CK_CHECK(s.key[1] == 0 && !strcmp(s.val[1], "web"));
	CK_CHECK(s.key[2] == 0 && !strcmp(s.val[2], ""));
	CK_CHECK_OK(ck__filters_parse("volume", keys, 0, NULL, note, &s));
}

static void bad_filters_are_named_with_the_known_keys(void)
{
	struct seen s = { 0 };

	CK_CHECK_RC(ck__filters_parse("volume", keys, 0, (const char *const[]){ "colour=blue", NULL }, note, &s),
	            CK_EINVAL);
	CK_CHECK_STR(ck_error_last()->message,
	             "invalid volume filter \"colour=blue\": unknown key \"colour\" (known: name, label, dangling)");
	CK_CHECK_RC(ck__filters_parse("pod", keys, 0, (const char *const[]){ "name", NULL }, note, &s), CK_EINVAL);
	CK_CHECK_STR(ck_error_last()->message, "invalid pod filter \"name\": use KEY=VALUE");
	CK_CHECK_RC(ck__filters_parse("image", keys, CK__FILTER_NONEMPTY, (const char *const[]){ "name=", NULL },
	                              note, &s),
	            CK_EINVAL);
	CK_CHECK_STR(ck_error_last()->message, "invalid image filter \"name=\": the value is empty");
	CK_CHECK_RC(ck__filters_parse("image", keys, CK__FILTER_NONEMPTY, (const char *const[]){ "label==x", NULL },
	                              note, &s),
	            CK_EINVAL);
	CK_CHECK_STR(ck_error_last()->message, "invalid image filter \"label==x\": the label key is empty");
	CK_CHECK(s.n == 0); /* nothing was handed on */
}

static void boolean_values_are_true_false_1_or_0(void)
{
	bool b = false;

	CK_CHECK_OK(ck__filter_bool(&b, "image", "dangling=1", "1"));
	CK_CHECK(b);
	CK_CHECK_OK(ck__filter_bool(&b, "image", "dangling=false", "false"));
	CK_CHECK(!b);
	CK_CHECK_RC(ck__filter_bool(&b, "image", "dangling=maybe", "maybe"), CK_EINVAL);
	CK_CHECK_STR(ck_error_last()->message, "invalid image filter \"dangling=maybe\": dangling takes true or false");
}

static void label_filters_match_a_key_or_a_key_and_value(void)
{
	ck__strmap m = { 0 };

	CK_CHECK_OK(ck__strmap_set(&m, "app", "web"));
	CK_CHECK_OK(ck__strmap_set(&m, "tier", ""));
	CK_CHECK(ck__label_filter_match_map("app", &m));
	CK_CHECK(ck__label_filter_match_map("app=web", &m));
	CK_CHECK(!ck__label_filter_match_map("app=db", &m));
	CK_CHECK(!ck__label_filter_match_map("ap", &m));
	CK_CHECK(ck__label_filter_match_map("tier=", &m));
	CK_CHECK(!ck__label_filter_match_map("owner", &m));
	ck__strmap_free(&m);
}

CK_TESTS(CK_TEST(filters_give_each_key_index_and_value), CK_TEST(bad_filters_are_named_with_the_known_keys),
         CK_TEST(boolean_values_are_true_false_1_or_0), CK_TEST(label_filters_match_a_key_or_a_key_and_value))

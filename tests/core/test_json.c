/* Unit tests of core's JSON helpers (lib/core/json.c): what the generator
 * writes reads back the same, strings are escaped both ways, and malformed
 * text fails with an error that names the document and yajl's reason. */
#include "core/core.h"
#include "harness.h"

#include <yajl/yajl_gen.h>

static char *finish(yajl_gen g)
{
	char *out = NULL;
	CK_CHECK_OK(ck__json_gen_finish(&out, g));
	return out;
}

static void core_json_members_round_trip(void)
{
	yajl_gen g = ck__json_gen_new(false);
	yajl_val t = NULL;
	long long n = 0;
	bool b = true;
	char *text;

	yajl_gen_map_open(g);
	ck__json_key_str(g, "name", "web");
	ck__json_key_str(g, "none", NULL);
	ck__json_key_int(g, "max", 9223372036854775807LL);
	/* yajl reads INT64_MIN back as out of range (its parser negates after
	 * the digits overflow), so the smallest value that round-trips is one
	 * above it; records hold no such numbers. */
	ck__json_key_int(g, "min", -9223372036854775807LL);
	ck__json_key_bool(g, "off", false);
	ck__json_key(g, "list");
	yajl_gen_array_open(g);
	ck__json_str_val(g, "a");
	ck__json_str_val(g, NULL);
	yajl_gen_array_close(g);
	ck__json_key(g, "obj");
	yajl_gen_map_open(g);
	yajl_gen_map_close(g);
	yajl_gen_map_close(g);
	text = finish(g);
	CK_CHECK_STR(text, "{\"name\":\"web\",\"none\":null,\"max\":9223372036854775807,"
	                   "\"min\":-9223372036854775807,\"off\":false,\"list\":[\"a\",null],\"obj\":{}}");

	CK_CHECK_OK(ck__json_parse(&t, text, "the record", 0));
	CK_CHECK_STR(ck__json_str(t, "name"), "web");
	CK_CHECK(ck__json_str(t, "none") == NULL);
	CK_CHECK(ck__json_str(t, "max") == NULL); /* not a string */
	CK_CHECK(ck__json_int(t, "max", &n) && n == 9223372036854775807LL);
	CK_CHECK(ck__json_int(t, "min", &n) && n == -9223372036854775807LL);
	CK_CHECK(!ck__json_int(t, "name", &n));
	CK_CHECK(ck__json_bool(t, "off", &b) && !b);
	CK_CHECK(!ck__json_bool(t, "max", &b));
	CK_CHECK(ck__json_arr(t, "list") && ck__json_arr(t, "list")->u.array.len == 2);
	CK_CHECK(ck__json_obj(t, "obj") != NULL);
	CK_CHECK(ck__json_obj(t, "list") == NULL && ck__json_arr(t, "obj") == NULL);
	CK_CHECK(ck__json_str(t, "absent") == NULL && ck__json_obj(NULL, "x") == NULL);
	/* Members read out of order are found as well as in order. */
	CK_CHECK(ck__json_bool(t, "off", &b));
	CK_CHECK_STR(ck__json_str(t, "name"), "web");

	/* ck__json_emit writes a parsed tree back as it was. */
	g = ck__json_gen_new(false);
	ck__json_emit(g, t);
	char *again = finish(g);
	CK_CHECK_STR(again, text);
	free(again);
	yajl_tree_free(t);
	free(text);
}

static void core_json_strings_are_escaped_and_read_back(void)
{
	static const char *const samples[] = {
		"plain", "", "quote \" and backslash \\", "tab\tnewline\nreturn\r", "\x01\x1f control",
		"slash / stays", "h\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\xb3", NULL
	};
	for (int i = 0; samples[i]; i++) {
		yajl_gen g = ck__json_gen_new(false);
		yajl_val t = NULL;
		yajl_gen_map_open(g);
		ck__json_key_str(g, samples[i], samples[i]);
		yajl_gen_map_close(g);
		char *text = finish(g);
		/* No raw control character survives into the text. */
		for (const char *p = text; p && *p; p++)
			CK_CHECK((unsigned char)*p >= 0x20);
		CK_CHECK_OK(ck__json_parse(&t, text, "sample", 0));
		CK_CHECK_STR(ck__json_str(t, samples[i]), samples[i]);
		yajl_tree_free(t);
		free(text);
	}
	/* Escapes written by others are decoded, \u ones included. */
	yajl_val t = NULL;
	CK_CHECK_OK(ck__json_parse(&t, "{\"k\":\"a\\u00e9\\n\\/\\\"\"}", "escapes", 0));
	CK_CHECK_STR(ck__json_str(t, "k"), "a\xc3\xa9\n/\"");
	yajl_tree_free(t);
}

static void core_json_numbers_keep_their_spelling(void)
{
	yajl_val t = NULL;
	yajl_gen g;

	CK_CHECK_OK(ck__json_parse(&t, "{\"cpus\":1.50,\"big\":1e400,\"i\":7}", "numbers", 0));
	g = ck__json_gen_new(false);
	ck__json_emit(g, t);
	char *text = finish(g);
	CK_CHECK_STR(text, "{\"cpus\":1.50,\"big\":1e400,\"i\":7}");
	free(text);
	yajl_tree_free(t);
}

static void core_json_malformed_text_names_the_document(void)
{
	static const char *const bad[] = { "", "{", "{\"a\":}", "[1,]", "{\"a\" 1}", "nul", "{\"a\":\"\x01\"}",
		"\"unterminated", "{} trailing", NULL };
	for (int i = 0; bad[i]; i++) {
		yajl_val t = (yajl_val)1;
		int rc = ck__json_parse(&t, bad[i], "container abc's record", 0);
		if (rc != CK_ECORRUPT)
			fprintf(stderr, "  input %d (\"%s\") gave %d\n", i, bad[i], rc);
		CK_CHECK(rc == CK_ECORRUPT);
		CK_CHECK(t == NULL);
		CK_CHECK_CONTAINS(ck_error_last()->message, "container abc's record is not valid JSON: ");
		CK_CHECK(strchr(ck_error_last()->message, '\n') == NULL);
	}
	/* The caller may choose the code. */
	yajl_val t = NULL;
	CK_CHECK_RC(ck__json_parse(&t, "{", "containerkit.json", CK_ECONFIG), CK_ECONFIG);
	CK_CHECK_CONTAINS(ck_error_last()->message, "containerkit.json is not valid JSON");
}

static int count_cb(void *ctx)
{
	(*(int *)ctx)++;
	return 1;
}

static int stop_at_string(void *ctx, const unsigned char *s, size_t len)
{
	(void)s;
	(void)len;
	(*(int *)ctx)++;
	return 0; /* cancels the parse */
}

static void core_json_stream_reports_syntax_errors_and_cancels(void)
{
	yajl_callbacks cb = { 0 };
	ck__json_stream js;
	char err[256] = "";
	int n = 0;

	cb.yajl_start_map = count_cb;
	cb.yajl_end_map = count_cb;
	CK_CHECK_OK(ck__json_stream_open(&js, &cb, &n));
	CK_CHECK(ck__json_stream_parse(&js, "{\"a\":{}}", err, sizeof(err)) == yajl_status_ok);
	ck__json_stream_close(&js);
	CK_CHECK(n == 4);

	n = 0;
	CK_CHECK_OK(ck__json_stream_open(&js, &cb, &n));
	CK_CHECK(ck__json_stream_parse(&js, "{\"a\":{]", err, sizeof(err)) == yajl_status_error);
	CK_CHECK(err[0] != '\0');
	ck__json_stream_close(&js);

	cb.yajl_string = stop_at_string;
	n = 0;
	CK_CHECK_OK(ck__json_stream_open(&js, &cb, &n));
	CK_CHECK(ck__json_stream_parse(&js, "{\"a\":\"x\",\"b\":{}}", err, sizeof(err)) ==
	         yajl_status_client_canceled);
	ck__json_stream_close(&js);
	CK_CHECK(n == 2); /* the opening brace, then the string that stopped it */

	/* Many documents through streams in turn: the arena is reused. */
	for (int i = 0; i < 1000; i++) {
		n = 0;
		cb.yajl_string = NULL;
		CK_CHECK_OK(ck__json_stream_open(&js, &cb, &n));
		CK_CHECK(ck__json_stream_parse(&js, "{\"k\":[1,2,{\"x\":\"y\"}]}", err, sizeof(err)) ==
		         yajl_status_ok);
		ck__json_stream_close(&js);
	}
}

CK_TESTS(CK_TEST(core_json_members_round_trip),
         CK_TEST(core_json_strings_are_escaped_and_read_back),
         CK_TEST(core_json_numbers_keep_their_spelling),
         CK_TEST(core_json_malformed_text_names_the_document),
         CK_TEST(core_json_stream_reports_syntax_errors_and_cancels))

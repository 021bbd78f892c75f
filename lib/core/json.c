/* JSON through yajl: parsing into a tree with messages that name the input,
 * typed getters, and generator helpers that turn yajl's status codes into a
 * single check at the end. */
#include "core.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the event parser over a fixed arena ---- */

/* Each block is preceded by its size; blocks that do not fit come from the
 * heap and are told apart by their address. */
#define ARENA_HDR 16

static bool in_arena(const ck__json_stream *js, const void *p)
{
	const unsigned char *b = p;
	return b >= js->arena && b < js->arena + sizeof(js->arena);
}

static void *arena_malloc(void *ctx, size_t size)
{
	ck__json_stream *js = ctx;
	size_t need = ARENA_HDR + ((size + 15) & ~(size_t)15);

	if (size <= sizeof(js->arena) && need <= sizeof(js->arena) - js->used) {
		unsigned char *b = js->arena + js->used;
		memcpy(b, &size, sizeof(size));
		js->used += need;
		return b + ARENA_HDR;
	}
	return malloc(size);
}

static void arena_free(void *ctx, void *p)
{
	if (p && !in_arena(ctx, p))
		free(p);
}

static void *arena_realloc(void *ctx, void *p, size_t size)
{
	size_t old;
	void *n;

	if (!p)
		return arena_malloc(ctx, size);
	if (!in_arena(ctx, p))
		return realloc(p, size);
	memcpy(&old, (unsigned char *)p - ARENA_HDR, sizeof(old));
	if (size <= old)
		return p;
	if ((n = arena_malloc(ctx, size)))
		memcpy(n, p, old);
	return n;
}

int ck__json_stream_open(ck__json_stream *js, const yajl_callbacks *cb, void *ctx)
{
	yajl_alloc_funcs funcs = { arena_malloc, arena_realloc, arena_free, js };

	js->used = 0;
	if (!(js->h = yajl_alloc(cb, &funcs, ctx)))
		return ck__oom();
	/* The text comes from the library's own records, written by yajl_gen
	 * with validation on; checking every byte's UTF-8 again costs a
	 * listing a third of its time. */
	yajl_config(js->h, yajl_dont_validate_strings, 1);
	return CK_OK;
}

yajl_status ck__json_stream_parse(ck__json_stream *js, const char *text, char *err, size_t err_size)
{
	yajl_status st = yajl_parse(js->h, (const unsigned char *)text, strlen(text));

	if (st == yajl_status_ok)
		st = yajl_complete_parse(js->h);
	if (st == yajl_status_error && err_size) {
		unsigned char *msg = yajl_get_error(js->h, 0, NULL, 0);
		snprintf(err, err_size, "%s", msg ? (const char *)msg : "parse error");
		if (msg)
			yajl_free_error(js->h, msg);
	}
	return st;
}

void ck__json_stream_close(ck__json_stream *js)
{
	if (js->h)
		yajl_free(js->h);
	js->h = NULL;
}

/* ---- trees ---- */

int ck__json_parse(yajl_val *out, const char *text, const char *what, int code)
{
	char err[256] = "";

	*out = yajl_tree_parse(text, err, sizeof(err));
	if (!*out) {
		size_t n = strlen(err);
		while (n && (err[n - 1] == '\n' || err[n - 1] == ' '))
			err[--n] = '\0';
		for (char *p = err; *p; p++)
			if (*p == '\n')
				*p = ' ';
		return ck__error_set(code ? code : CK_ECORRUPT, "%s is not valid JSON: %s", what,
		                     err[0] ? err : "parse error");
	}
	return CK_OK;
}

/* Records are read back mostly in the order their keys were written, so
 * the search starts after the key found last: reading a whole record costs
 * about one comparison per key instead of half the keys per key. */
static _Thread_local size_t member_hint;

static yajl_val member(yajl_val obj, const char *key)
{
	if (!obj || !YAJL_IS_OBJECT(obj))
		return NULL;
	size_t n = obj->u.object.len, i = member_hint < n ? member_hint : 0;
	for (size_t k = 0; k < n; k++, i = i + 1 < n ? i + 1 : 0)
		if (strcmp(obj->u.object.keys[i], key) == 0) {
			member_hint = i + 1;
			return obj->u.object.values[i];
		}
	return NULL;
}

const char *ck__json_str(yajl_val obj, const char *key)
{
	yajl_val v = member(obj, key);
	return v && YAJL_IS_STRING(v) ? v->u.string : NULL;
}

bool ck__json_int(yajl_val obj, const char *key, long long *out)
{
	yajl_val v = member(obj, key);
	if (!v || !YAJL_IS_INTEGER(v))
		return false;
	*out = YAJL_GET_INTEGER(v);
	return true;
}

bool ck__json_bool(yajl_val obj, const char *key, bool *out)
{
	yajl_val v = member(obj, key);
	if (v && YAJL_IS_TRUE(v)) {
		*out = true;
		return true;
	}
	if (v && YAJL_IS_FALSE(v)) {
		*out = false;
		return true;
	}
	return false;
}

yajl_val ck__json_obj(yajl_val obj, const char *key)
{
	yajl_val v = member(obj, key);
	return v && YAJL_IS_OBJECT(v) ? v : NULL;
}

yajl_val ck__json_arr(yajl_val obj, const char *key)
{
	yajl_val v = member(obj, key);
	return v && YAJL_IS_ARRAY(v) ? v : NULL;
}

yajl_gen ck__json_gen_new(bool beautify)
{
	yajl_gen g = yajl_gen_alloc(NULL);
	if (g && beautify) {
		yajl_gen_config(g, yajl_gen_beautify, 1);
		yajl_gen_config(g, yajl_gen_indent_string, "    ");
	}
	return g;
}

void ck__json_str_val(yajl_gen g, const char *val)
{
	if (val)
		yajl_gen_string(g, (const unsigned char *)val, strlen(val));
	else
		yajl_gen_null(g);
}

void ck__json_key(yajl_gen g, const char *key)
{
	yajl_gen_string(g, (const unsigned char *)key, strlen(key));
}

void ck__json_key_str(yajl_gen g, const char *key, const char *val)
{
	ck__json_key(g, key);
	ck__json_str_val(g, val);
}

void ck__json_key_int(yajl_gen g, const char *key, long long val)
{
	ck__json_key(g, key);
	yajl_gen_integer(g, val);
}

void ck__json_key_bool(yajl_gen g, const char *key, bool val)
{
	ck__json_key(g, key);
	yajl_gen_bool(g, val);
}

int ck__json_gen_finish(char **out, yajl_gen g)
{
	const unsigned char *buf;
	size_t len;

	*out = NULL;
	if (!g)
		return ck__oom();
	/* A generator error (an unbalanced call) makes get_buf fail too. */
	if (yajl_gen_get_buf(g, &buf, &len) != yajl_gen_status_ok) {
		yajl_gen_free(g);
		return ck__error_set(CK_ERROR, "internal error: JSON generation failed");
	}
	*out = malloc(len + 1);
	if (!*out) {
		yajl_gen_free(g);
		return ck__oom();
	}
	memcpy(*out, buf, len);
	(*out)[len] = '\0';
	yajl_gen_free(g);
	return CK_OK;
}

void ck__json_emit(yajl_gen g, yajl_val v)
{
	if (!v) {
		yajl_gen_null(g);
	} else if (YAJL_IS_STRING(v)) {
		ck__json_str_val(g, v->u.string);
	} else if (YAJL_IS_INTEGER(v)) {
		yajl_gen_integer(g, YAJL_GET_INTEGER(v));
	} else if (YAJL_IS_NUMBER(v)) {
		/* Keep the original spelling of non-integer numbers. */
		yajl_gen_number(g, v->u.number.r, strlen(v->u.number.r));
	} else if (YAJL_IS_OBJECT(v)) {
		yajl_gen_map_open(g);
		for (size_t i = 0; i < v->u.object.len; i++) {
			ck__json_key(g, v->u.object.keys[i]);
			ck__json_emit(g, v->u.object.values[i]);
		}
		yajl_gen_map_close(g);
	} else if (YAJL_IS_ARRAY(v)) {
		yajl_gen_array_open(g);
		for (size_t i = 0; i < v->u.array.len; i++)
			ck__json_emit(g, v->u.array.values[i]);
		yajl_gen_array_close(g);
	} else if (YAJL_IS_TRUE(v)) {
		yajl_gen_bool(g, 1);
	} else if (YAJL_IS_FALSE(v)) {
		yajl_gen_bool(g, 0);
	} else {
		yajl_gen_null(g);
	}
}

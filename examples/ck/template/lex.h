/* The template lexer's tokens, shared by lex.c and parse.c only. */
#ifndef CK_CLI_TMPL_LEX_H
#define CK_CLI_TMPL_LEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

typedef enum tok_type {
	T_EOF, T_TEXT, T_LEFT, T_RIGHT, T_FIELD, T_VAR, T_DOT, T_IDENT, T_STRING, T_RAW, T_CHAR,
	T_NUMBER, T_PIPE, T_LPAREN, T_RPAREN, T_DECLARE, T_ASSIGN, T_COMMA,
} tok_type;

typedef struct tok {
	tok_type type;
	int pos;
	const char *s;
	size_t len;
	bool space_before; /* ".A .B" are two operands, "(x).B" is a chain */
} tok;

typedef struct lexer {
	const char *src;
	tok *toks;
	size_t n, cap;
	const char *err; /* static text */
	int err_pos;
} lexer;

/* Splits `src` into tokens; false with l->err and l->err_pos set. */
bool tmpl__lex(lexer *l, const char *src);
void tmpl__lex_free(lexer *l);

#endif

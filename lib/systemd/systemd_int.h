/* Private to the systemd module: the unit set, the writer of unit text and
 * the quoting of command lines as systemd reads them. */
#ifndef CK_SYSTEMD_INT_H
#define CK_SYSTEMD_INT_H

#include <containerkit/systemd.h>
#include "core/core.h"

struct ck_systemd_units {
	char **names, **contents;
	size_t n, cap;
};

/* Appends a unit; takes `content` (freed on failure too). */
int ck__units_add(ck_systemd_units *u, const char *name, char *content);
/* A unit name already in the set. */
bool ck__units_has(const ck_systemd_units *u, const char *name);

/* One argument of an Exec line as systemd parses it back: "$" and "%"
 * doubled (no variable or specifier is expanded), quoted with C escapes
 * when it holds blanks, quotes or backslashes. */
void ck__exec_arg(ck__buf *b, const char *arg);
/* One word of an Environment= line: "%" doubled, "$" kept (systemd
 * expands no variables there). */
void ck__env_arg(ck__buf *b, const char *arg);
/* The same as ck__exec_arg, but "%" and "$" are kept: a Quadlet file's values may use
 * specifiers (%h, %N) and variables on purpose. */
void ck__exec_arg_quote(ck__buf *b, const char *arg);
/* A command line as podman lays it out: each option that starts with "-"
 * on a continuation line of its own.  Each argument is written as its mode
 * says. */
enum { CK__ARG_ESCAPE = 0, /* ck__exec_arg: a value replayed as given */
       CK__ARG_RAW = 1,    /* as is: our own, which may hold %t and %n */
       CK__ARG_QUOTE = 2 }; /* ck__exec_arg_quote */
typedef struct ck__cmd {
	char **args; /* NULL-terminated once anything is added */
	unsigned char *raw; /* CK__ARG_* per argument */
	size_t n, cap;
	bool oom;
} ck__cmd;
void ck__cmd_add(ck__cmd *c, const char *arg, int mode);
void ck__cmd_addv(ck__cmd *c, const char *const *args, int mode);
void ck__cmd_render(ck__buf *b, const ck__cmd *c);
void ck__cmd_free(ck__cmd *c);

/* The absolute path Exec lines run (opts->executable or /proc/self/exe). */
int ck__systemd_executable(char **out, const ck_systemd_options *opts);
/* opts checked against the versions this library knows (NULL: defaults). */
int ck__systemd_opts(ck_systemd_options *out, const ck_systemd_options *opts);

#endif

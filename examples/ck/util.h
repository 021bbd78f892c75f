/* Shared by the ck commands: the lazily opened context, podman-style option
 * parsing (flags.c), errors with podman's exit codes, prompts and tables. */
#ifndef CK_CLI_UTIL_H
#define CK_CLI_UTIL_H

#include <containerkit.h>
#include <stdbool.h>
#include <stdio.h>

#include "format.h"
#include "json.h"

/* podman's exit codes */
#define EXIT_CK 125 /* the command itself failed */

typedef struct ck_app {
	ck_context_options opts;
	ck_context *ctx;
	/* The whole command line, recorded as the create command of what
	 * `ck run`, `ck create` and `ck pod create` make. */
	int argc;
	char **argv;
} ck_app;

/* The context, opened on first use with the global flags; NULL (with the
 * error printed) if it cannot be opened. */
ck_context *app_context(ck_app *app);
/* podman's default network mode for a new container or pod: "bridge"
 * when rootful, "slirp4netns" when rootless (needs the context open). */
const char *default_network(ck_app *app);

/* Prints "Error: <message>" on stderr and returns EXIT_CK. */
int die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Same with the library's last error. */
int die_ck(void);
/* Arguments are missing or too many: prints "Error: ck CMD: <what>: <the
 * usage line of `usage`>", so the user sees what is needed and the grammar. */
int die_args(const char *usage, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prints "Error: <message>" without deciding the exit code. */
void print_ck_error(void);

/* A command of a group: its name, an alias, a one-line summary, its usage
 * text and its function. */
typedef struct subcommand {
	const char *name, *alias, *summary, *usage;
	int (*run)(ck_app *app, int argc, char **argv);
} subcommand;
/* Dispatches argv[0] among `subs` (a NULL-name-terminated array), printing
 * podman's errors for a missing or unknown command. */
int run_group(ck_app *app, const char *group, const char *summary, const subcommand *subs, int argc,
              char **argv);
/* Prints a subcommand's usage for --help. */
int sub_help(const char *usage);

/* podman's exit code after a failed removal whose error code is `code`,
 * folded into `worst` (the code so far, 0 at first): 1 if the object did
 * not exist, 2 if it was in use (`in_use`, the CK_E* code meaning that for
 * the kind of object), EXIT_CK for anything else, which always wins. */
int rm_exit_status(int worst, int code, int in_use);

/* The body of an "exists" command (ck image exists, ck volume exists):
 * exactly one name (the error calls it `what`), which `lookup` looks for,
 * returning 0 when it exists, 1 when it does not, or a negative code with
 * the library's error set.  Exits 1 for a name that is not found or
 * ambiguous, as podman. */
int run_exists(ck_app *app, int argc, char **argv, const char *usage, const char *what,
               int (*lookup)(ck_app *app, const char *name));

/* A growable NULL-terminated string array that borrows its strings. */
typedef struct strv {
	const char **v;
	size_t n;
} strv;
void strv_add(strv *s, const char *str);
void strv_clear(strv *s);
/* Frees the strings too (they were malloc'd), then the array. */
void strv_free_owned(strv *s);
/* Prints each string of a NULL-terminated list the library made (what a
 * prune removed) on a line of its own, then frees the list (ck_strv_free). */
void print_lines_free(char **lines);

/* A flag of parse_flags()'s table and where its value goes: F_BOOL a
 * bool (true, or false for --flag=false), F_ONOFF the same as an int
 * (1 or 0, as the library's option structs hold them), F_STR a const char * (the last
 * one given), F_STRV a strv (each one), F_BIT the bit `arg` set in an unsigned
 * int, F_IGNORE and F_IGNORE_VAL (which takes a value) nowhere: accepted
 * for podman's sake.  F_REFUSE and F_REFUSE_VAL: podman's flags that ck
 * does not support; `where` is the message saying why (a boolean is
 * refused only when it is on).  F_INT a long long of at least `arg`;
 * F_TIME an int64_t of nanoseconds from --since/--until's forms (ctr.h's
 * parse_time_arg); F_CALL and F_CALL_VAL below.  A table ends with a NULL
 * name and may be of any length. */
typedef enum flag_kind {
	F_BOOL, F_ONOFF, F_STR, F_STRV, F_BIT, F_IGNORE, F_IGNORE_VAL, F_REFUSE, F_REFUSE_VAL, F_INT, F_TIME,
	F_CALL, F_CALL_VAL
} flag_kind;
/* F_CALL (a boolean) and F_CALL_VAL (a value): for a flag whose value
 * takes more than storing, `where` is a flag_hook whose fn gets the flag's
 * `arg` as its id, in the order given; a boolean's val is NULL, "true" or
 * (the container grammar only) "false".  fn returns 0 or EXIT_CK. */
typedef struct flag_hook {
	int (*fn)(void *payload, int id, const char *val);
	void *payload;
} flag_hook;
typedef struct flag_def {
	const char *name;
	char shortname;
	flag_kind kind;
	void *where;
	long long arg; /* F_BIT: the bit; F_INT: the smallest value allowed */
} flag_def;
/* Parses argv by the table; positional arguments go to *args.  Returns 0,
 * EXIT_CK after printing an error, or -1 after printing `usage` for
 * --help (with *args cleared).  parse_flags_in() with `ctr_grammar` takes
 * the container commands' grammar (see struct cli). */
int parse_flags_in(ck_app *app, int argc, char **argv, bool ctr_grammar, const flag_def *defs,
                   const char *usage, strv *args);
int parse_flags(ck_app *app, int argc, char **argv, const flag_def *defs, const char *usage, strv *args);
/* The container grammar, with the options ending at the first positional
 * argument: it and everything after it go to *args as they are (`ck exec
 * CTR CMD -x`). */
int parse_flags_cmd(ck_app *app, int argc, char **argv, const flag_def *defs, const char *usage, strv *args);
/* The options in front of a command word (`ck [options] COMMAND ...`,
 * `ck volume [options] COMMAND ...`): parses up to the first positional
 * argument, whose index goes to *head (argc if there is none).  A table
 * that wants --help and -h has them as flags of its own. */
int parse_flags_head(ck_app *app, int argc, char **argv, const flag_def *defs, int *head);
/* The same for a command that takes no arguments ("`ck CMD` takes no
 * arguments"). */
int parse_flags_noargs(ck_app *app, int argc, char **argv, bool ctr_grammar, const flag_def *defs,
                       const char *usage, const char *cmd);

/* The id in an id file (--cidfile, --pod-id-file), trimmed, malloc'd; NULL
 * with the error printed. */
char *read_id_file(const char *path, const char *what);
/* Claims an id file (--cidfile, --pod-id-file) before anything is made, as
 * podman refuses one that exists (`kind`: "container" or "pod"; `flag`: the
 * file as errors name it).  *fd is open for id_file_finish().  0 or EXIT_CK. */
int id_file_claim(int *fd, const char *path, const char *kind, const char *flag);
/* Writes `id` and closes fd; with id NULL (the create failed), or when the
 * write fails, the file is removed.  0, or EXIT_CK after a failed write. */
int id_file_finish(int fd, const char *path, const char *flag, const char *id);
/* The ids in the id files `files` appended to *ids and to *owned (for
 * strv_free_owned); with `missing_ok`, a file that does not exist is
 * skipped (--ignore: what it named is gone).  0, or EXIT_CK after an error. */
int add_id_files(strv *ids, strv *owned, const strv *files, const char *what, bool missing_ok);

/* The buffer's text (sbuf is in json.h), or, when memory ran out while it
 * was written, "Error: out of memory" and an exit with EXIT_CK: the CLI's
 * commands stop there.  NULL if nothing was written. */
char *sb_take(sbuf *b);
/* A JSON string literal (sb_json_str()); NULL is null. */
void sb_str(sbuf *b, const char *s);

/* go-units' HumanSize: decimal units, `digits` significant digits, `sep`
 * between the number and the unit ("1.806MB", "1.81 MB"; ctr_util.c). */
void human_size_fmt(char *buf, size_t size, double bytes, int digits, const char *sep);
/* go-units' HumanDuration of a span in seconds ("2 minutes"; ctr_util.c). */
void human_duration(char *buf, size_t size, int64_t secs);

/* Asks `question` followed by " [y/N] " on stdout and reads a line from
 * stdin; only an answer starting with y or Y is a yes.  EOF is a no. */
bool confirm(const char *question);

/* A table printed as podman's tabwriter does: every column but the last is
 * padded to max(12, widest cell + 2), counting runes. */
typedef struct table {
	size_t cols, rows, cap; /* cap: rows allocated */
	char **cells; /* rows * cols, row-major */
} table;
void table_init(table *t, size_t cols);
void table_row(table *t, const char *const *cells);
void table_print(FILE *f, const table *t);
void table_free(table *t);

#endif

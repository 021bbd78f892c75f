/* What every list command (ck ps, images, pod ps, volume ls, network ls)
 * shares: the flags -f/--format/-q/-n/--no-trunc and the three ways of
 * printing the items (-q, --format json or a template, the table). */
#ifndef CK_CLI_LISTING_H
#define CK_CLI_LISTING_H

#include "util.h"

typedef struct list_flags {
	strv filters;
	const char *format; /* NULL: the table */
	bool quiet, noheading, no_trunc;
} list_flags;

/* The shared flags as entries of a command's flag table (flags.c), into
 * the list_flags *f: -f/--filter, --format, -q/--quiet and --noheading
 * with the short letter `nh` that podman gives it for the command (or 0);
 * --no-trunc, which volume ls lacks, on its own. */
#define LIST_FLAG_DEFS(f, nh) \
	{ "filter", 'f', F_STRV, &(f)->filters, 0 }, { "format", 0, F_STR, &(f)->format, 0 }, \
	{ "quiet", 'q', F_BOOL, &(f)->quiet, 0 }, { "noheading", nh, F_BOOL, &(f)->noheading, 0 }
#define LIST_NOTRUNC_DEF(f) { "no-trunc", 0, F_BOOL, &(f)->no_trunc, 0 }

/* Parses a list command's flags by `defs` (with the container grammar if
 * `ctr_grammar`) and opens the context.  Positional arguments go to *args,
 * or are refused ("`ck CMD` takes no arguments") when args is NULL.
 * Returns 0 to go on, -1 after --help, or EXIT_CK after an error. */
int list_begin(ck_app *app, int argc, char **argv, bool ctr_grammar, const flag_def *defs, const char *cmd,
               const char *usage, strv *args);

/* How one command prints its items. */
typedef struct listing {
	size_t n;      /* the items, by index */
	void *payload; /* passed to the callbacks */
	/* -q: item i's line (an id or a name) into buf. */
	void (*quiet_line)(char *buf, size_t size, void *payload, size_t i, const list_flags *f);
	/* --format: item i as an object, for `json` or for a template
	 * (list_for_template); a J_ARR stands for several objects (one row
	 * each).  NULL after printing the error. */
	jnode *(*json)(void *payload, size_t i, const list_flags *f);
	const char *json_indent;     /* podman's indentation of this command's JSON */
	const char *const *headers;  /* a template's column headers (print_list_template) */
	/* The table: its header row (cols cells) and item i's rows. */
	size_t cols;
	const char *const *heading;
	void (*rows)(table *t, void *payload, size_t i, const list_flags *f);
} listing;

/* Whether --format is a template rather than "json". */
bool list_for_template(const list_flags *f);

/* Prints the items as `f` asks; 0 or EXIT_CK after printing the error. */
int print_listing(const listing *l, const list_flags *f);

/* The body of `ck image inspect`, `ck volume inspect` and `ck network
 * inspect`: `one` gives each name's inspect JSON (to free with ck_free;
 * NULL with the library's error set when there is none), printed as one
 * array (`format` "json") or through a template.  As podman, it prints
 * what it found, then an error for each name it did not find, and returns
 * EXIT_CK if there was any. */
int inspect_names(ck_app *app, const strv *names, const char *format,
                  char *(*one)(ck_app *app, const char *name));
/* The whole of `ck image inspect` and `ck network inspect`: -f/--format,
 * then inspect_names() over one or more names.  Without a name the error
 * is `none`, followed by the usage line if `with_usage` (die_args). */
int inspect_command(ck_app *app, int argc, char **argv, const char *usage, const char *none, bool with_usage,
                    char *(*one)(ck_app *app, const char *name));

#endif

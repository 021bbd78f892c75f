/* What every list command (ck ps, images, pod ps, volume ls, network ls)
 * shares: the flags -f/--format/-q/-n/--no-trunc and the three ways of
 * printing the items (-q, --format json or a template, the table). */
#ifndef CK_CLI_LISTING_H
#define CK_CLI_LISTING_H

#include "util.h"

/* The shared flags' ids; a command's cli_opt table gives each the short
 * letter (or none) that podman gives it for that command. */
enum { LS_FILTER = 1000, LS_FORMAT, LS_QUIET, LS_NOHEADING, LS_NOTRUNC };

typedef struct list_flags {
	strv filters;
	const char *format; /* NULL: the table */
	bool quiet, noheading, no_trunc;
} list_flags;

/* The option loop of a list command.  The shared flags go into `f`; every
 * other option id, and each positional argument (CLI_POS), goes to
 * `other`, which returns 0 or an exit code.  Without `other`, a
 * positional argument is refused ("`ck CMD` takes no arguments").
 * Returns 0 to go on, or the exit code to return at once (*done set;
 * after --help, 0).  `f->filters` is the caller's to clear either way. */
int list_parse(list_flags *f, bool *done, cli *c, const char *cmd, const char *usage,
               int (*other)(void *payload, int id, const char *val), void *payload);

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

#endif

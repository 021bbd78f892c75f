/* --format for every ck command that takes one: podman's handling of a Go
 * template (escapes, "table", headers, alignment) over the engine in
 * template/. */
#ifndef CK_CLI_FORMAT_H
#define CK_CLI_FORMAT_H

#include <stdbool.h>
#include <stddef.h>

#include "json.h"

/* Runs `tmpl` on one object and prints the result, ending in a newline
 * (inspect, info, version, events).  Returns EXIT_CK after printing the
 * template's error. */
int print_template(const char *tmpl, const jnode *obj);

/* The same over a tree of the caller's (template/tmpl.h), for typed data
 * that is never JSON in the CLI (events). */
struct tmpl_ops;
int print_template_ops(const char *tmpl, const struct tmpl_ops *ops, const void *root);

/* Runs `tmpl` on each item, as podman's list commands do.  A "table "
 * prefix turns spaces into tabs, adds a header line (unless `noheading`)
 * and aligns the columns; a header is the field's name upper-cased and
 * split into words, or its pair in `headers` ("ID", "CONTAINER ID", ...,
 * NULL), which may be NULL. */
int print_list_template(const char *tmpl, jnode *const *items, size_t n, bool noheading,
                        const char *const *headers);

#endif

/* The list commands' shared option loop and printer, and the inspect
 * commands' printer (listing.h), so that -q, --format and the table behave
 * the same in every one of them. */
#include <stdlib.h>
#include <string.h>

#include "listing.h"

int list_parse(list_flags *f, bool *done, cli *c, const char *cmd, const char *usage,
               int (*other)(void *payload, int id, const char *val), void *payload)
{
	const char *val;
	int id, rc = 0;

	*done = false;
	while (rc == 0 && (id = cli_next(c, &val)) != CLI_END) {
		/* A boolean written --flag=false comes with val "false". */
		bool on = !val || strcmp(val, "false") != 0;

		switch (id) {
		case CLI_HELP: *done = true; return sub_help(usage);
		case CLI_ERR: rc = EXIT_CK; break;
		case LS_FILTER: strv_add(&f->filters, val); break;
		case LS_FORMAT: f->format = val; break;
		case LS_QUIET: f->quiet = on; break;
		case LS_NOHEADING: f->noheading = on; break;
		case LS_NOTRUNC: f->no_trunc = on; break;
		default:
			if (other)
				rc = other(payload, id, val);
			else if (id == CLI_POS)
				rc = die("`ck %s` takes no arguments", cmd);
		}
	}
	*done = rc != 0;
	return rc;
}

/* Appends `j` to `arr`, or its elements when it is an array of them. */
static int add_items(jnode *arr, size_t *cap, jnode *j)
{
	size_t more = j->type == J_ARR ? j->n : 1;

	if (arr->n + more > *cap) {
		size_t ncap = (arr->n + more) * 2;
		jnode **nv = realloc(arr->vals, ncap * sizeof(*nv));
		if (!nv) {
			json_free(j);
			return die("out of memory");
		}
		arr->vals = nv;
		*cap = ncap;
	}
	if (j->type != J_ARR) {
		arr->vals[arr->n++] = j;
		return 0;
	}
	for (size_t i = 0; i < j->n; i++)
		arr->vals[arr->n++] = j->vals[i];
	j->n = 0; /* the elements moved */
	json_free(j);
	return 0;
}

bool list_for_template(const list_flags *f)
{
	return f->format && strcmp(f->format, "json") != 0;
}

static int print_formatted(const listing *l, const list_flags *f)
{
	bool for_template = list_for_template(f);
	jnode *arr = calloc(1, sizeof(*arr));
	size_t cap = 0;
	int rc = 0;

	if (!arr)
		return die("out of memory");
	arr->type = J_ARR;
	for (size_t i = 0; rc == 0 && i < l->n; i++) {
		jnode *j = l->json(l->payload, i, f);
		rc = j ? add_items(arr, &cap, j) : EXIT_CK;
	}
	if (rc == 0 && !for_template)
		json_print_line(stdout, arr, l->json_indent);
	else if (rc == 0)
		rc = print_list_template(f->format, arr->vals, arr->n, f->noheading, l->headers);
	json_free(arr);
	return rc;
}

int print_listing(const listing *l, const list_flags *f)
{
	if (f->quiet) {
		for (size_t i = 0; i < l->n; i++) {
			char line[512];
			l->quiet_line(line, sizeof(line), l->payload, i, f);
			printf("%s\n", line);
		}
		return 0;
	}
	if (f->format)
		return print_formatted(l, f);

	table t;
	table_init(&t, l->cols);
	if (!f->noheading)
		table_row(&t, l->heading);
	for (size_t i = 0; i < l->n; i++)
		l->rows(&t, l->payload, i, f);
	table_print(stdout, &t);
	table_free(&t);
	return 0;
}

int inspect_names(ck_app *app, const strv *names, const char *format,
                  char *(*one)(ck_app *app, const char *name))
{
	jnode *arr = calloc(1, sizeof(*arr));
	int rc = 0, failed = 0;

	if (!arr || !(arr->vals = calloc(names->n ? names->n : 1, sizeof(*arr->vals)))) {
		free(arr);
		return die("out of memory");
	}
	arr->type = J_ARR;
	for (size_t i = 0; rc == 0 && i < names->n; i++) {
		char *text = one(app, names->v[i]);
		if (!text) {
			print_ck_error();
			failed = 1;
		} else if (!(arr->vals[arr->n] = json_parse(text))) {
			rc = die("the library returned malformed JSON");
		} else {
			arr->n++;
		}
		ck_free(text);
	}
	if (rc == 0 && !strcmp(format, "json"))
		json_print_line(stdout, arr, "     ");
	else if (rc == 0)
		rc = print_list_template(format, arr->vals, arr->n, false, NULL);
	json_free(arr);
	return rc ? rc : failed ? EXIT_CK : 0;
}

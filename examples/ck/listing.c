/* The list commands' shared flags and printer, and the inspect
 * commands' printer (listing.h), so that -q, --format and the table behave
 * the same in every one of them. */
#include <stdlib.h>
#include <string.h>

#include "listing.h"

int list_begin(ck_app *app, int argc, char **argv, bool ctr_grammar, const flag_def *defs, const char *cmd,
               const char *usage, strv *args)
{
	int rc = args ? parse_flags_in(app, argc, argv, ctr_grammar, defs, usage, args)
	              : parse_flags_noargs(app, argc, argv, ctr_grammar, defs, usage, cmd);

	if (rc == 0 && !app_context(app))
		rc = EXIT_CK;
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

int inspect_command(ck_app *app, int argc, char **argv, const char *usage, const char *none, bool with_usage,
                    char *(*one)(ck_app *app, const char *name))
{
	strv names = { 0 };
	const char *format = "json";
	int rc = parse_flags(app, argc, argv, (const flag_def[]){
		{ "format", 'f', F_STR, &format, 0 },
		{ NULL, 0, F_IGNORE, NULL, 0 },
	}, usage, &names);

	if (rc == 0 && names.n == 0)
		rc = with_usage ? die_args(usage, "%s", none) : die("%s", none);
	if (rc == 0 && !app_context(app))
		rc = EXIT_CK;
	if (rc == 0)
		rc = inspect_names(app, &names, format, one);
	strv_clear(&names);
	return rc < 0 ? 0 : rc;
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

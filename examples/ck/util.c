/* Helpers shared by the ck commands: context, errors, id files, prompts and
 * tables.  Errors go to stderr as "Error: ..." with exit code 125. */
#define _GNU_SOURCE
#include "util.h"
#include "template/tmpl.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static time_t started;

static void log_to_stderr(int level, const char *message, void *payload)
{
	static const char *const names[] = { "ERRO", "WARN", "INFO", "DEBU", "TRAC" };
	(void)payload;
	fprintf(stderr, "%s[%04ld] %s\n", names[level >= 0 && level <= 4 ? level : 0],
	        (long)(time(NULL) - started), message);
}

ck_context *app_context(ck_app *app)
{
	if (app->ctx)
		return app->ctx;
	started = time(NULL);
	app->opts.log_fn = log_to_stderr;
	if (ck_context_open(&app->ctx, &app->opts) < 0) {
		print_ck_error();
		app->ctx = NULL;
	}
	return app->ctx;
}

const char *default_network(ck_app *app)
{
	return ck_context_is_rootless(app->ctx) ? "slirp4netns" : "bridge";
}

void print_ck_error(void)
{
	fprintf(stderr, "Error: %s\n", ck_error_last()->message);
}

int die_ck(void)
{
	print_ck_error();
	return EXIT_CK;
}

int die_args(const char *usage, const char *fmt, ...)
{
	const char *line = strstr(usage, "Usage:\n  "), *end, *p;
	int cmd_len;
	va_list ap;

	line = line ? line + strlen("Usage:\n  ") : "ck";
	end = line + strcspn(line, "\n");
	/* The command is the words before the first option or operand. */
	for (p = line; p < end && *p != '[' && *p != '{' && !(*p >= 'A' && *p <= 'Z'); p++)
		;
	cmd_len = (int)(p - line);
	while (cmd_len > 0 && line[cmd_len - 1] == ' ')
		cmd_len--;
	fprintf(stderr, "Error: %.*s: ", cmd_len, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, ": %.*s\n", (int)(end - line), line);
	return EXIT_CK;
}

int die(const char *fmt, ...)
{
	va_list ap;

	fputs("Error: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return EXIT_CK;
}

int rm_exit_status(int worst, int code, int in_use)
{
	int s = code == CK_ENOTFOUND ? 1 : code == in_use ? 2 : EXIT_CK;
	return worst == EXIT_CK || s == EXIT_CK ? EXIT_CK : worst > s ? worst : s;
}

/* podman's exit code for "exists" after a lookup returned `rc`: 0 when it
 * found the object, 1 when none or several matched, else EXIT_CK after
 * printing the error. */
static int exists_status(int rc)
{
	if (rc == 0)
		return 0;
	if (ck_error_last()->code == CK_ENOTFOUND || ck_error_last()->code == CK_EAMBIGUOUS)
		return 1;
	return die_ck();
}

int run_exists(ck_app *app, int argc, char **argv, const char *usage, const char *what,
               int (*lookup)(ck_app *app, const char *name))
{
	strv names = { 0 };
	int rc = parse_flags(app, argc, argv, (const flag_def[]){ { NULL, 0, F_IGNORE, NULL, 0 } }, usage, &names);

	if (rc < 0)
		return 0;
	if (rc == 0 && names.n != 1)
		rc = die_args(usage, "one %s is required (%zu given)", what, names.n);
	if (rc == 0 && !app_context(app))
		rc = EXIT_CK;
	if (rc == 0) {
		rc = lookup(app, names.v[0]);
		if (rc < 0)
			rc = exists_status(rc);
	}
	strv_clear(&names);
	return rc;
}

void strv_add(strv *s, const char *str)
{
	const char **nv = realloc(s->v, (s->n + 2) * sizeof(*nv));
	if (!nv) {
		fputs("Error: out of memory\n", stderr);
		exit(EXIT_CK);
	}
	nv[s->n++] = str;
	nv[s->n] = NULL;
	s->v = nv;
}

void print_lines_free(char **lines)
{
	for (size_t i = 0; lines && lines[i]; i++)
		printf("%s\n", lines[i]);
	ck_strv_free(lines);
}

void strv_clear(strv *s)
{
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

char *sb_take(sbuf *b)
{
	if (b->oom) {
		fputs("Error: out of memory\n", stderr);
		exit(EXIT_CK);
	}
	return b->s;
}

void sb_str(sbuf *b, const char *s)
{
	if (!s)
		sb_cat(b, "null");
	else
		sb_json_str(b, s, strlen(s));
}

bool confirm(const char *question)
{
	char line[64];

	printf("%s [y/N] ", question);
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin)) {
		putchar('\n');
		return false;
	}
	return line[0] == 'y' || line[0] == 'Y';
}

void table_init(table *t, size_t cols)
{
	memset(t, 0, sizeof(*t));
	t->cols = cols;
}

void table_row(table *t, const char *const *cells)
{
	if (t->rows == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 64;
		char **nc = realloc(t->cells, cap * t->cols * sizeof(*nc));
		if (!nc) {
			fputs("Error: out of memory\n", stderr);
			exit(EXIT_CK);
		}
		t->cells = nc;
		t->cap = cap;
	}
	for (size_t c = 0; c < t->cols; c++)
		t->cells[t->rows * t->cols + c] = strdup(cells[c] ? cells[c] : "");
	t->rows++;
}

/* The rows as tab-separated lines through the templates' tabwriter, which
 * aligns them as podman's tables are (widths in runes). */
void table_print(FILE *f, const table *t)
{
	sbuf b = { 0 };
	char *out;

	for (size_t r = 0; r < t->rows; r++)
		for (size_t c = 0; c < t->cols; c++) {
			const char *cell = t->cells[r * t->cols + c];
			sb_cat(&b, cell ? cell : "");
			sb_cat(&b, c + 1 < t->cols ? "\t" : "\n");
		}
	if (sb_take(&b) && (out = tmpl_tabwrite(b.s, b.n))) {
		fputs(out, f);
		free(out);
	}
	free(b.s);
}

void table_free(table *t)
{
	for (size_t i = 0; i < t->rows * t->cols; i++)
		free(t->cells[i]);
	free(t->cells);
	memset(t, 0, sizeof(*t));
}

static void group_usage(FILE *f, const char *group, const char *summary, const subcommand *subs)
{
	fprintf(f, "%s\n\nUsage:\n  ck %s [command]\n\nAvailable Commands:\n", summary, group);
	for (const subcommand *s = subs; s->name; s++)
		fprintf(f, "  %-12s%s\n", s->name, s->summary);
}

int run_group(ck_app *app, const char *group, const char *summary, const subcommand *subs, int argc,
              char **argv)
{
	bool help = false;
	int head, rc = parse_flags_head(app, argc, argv, (const flag_def[]){
		{ "help", 'h', F_BOOL, &help, 0 },
		{ NULL, 0, F_IGNORE, NULL, 0 },
	}, &head);

	if (rc)
		return rc;
	argc -= head, argv += head;
	if (help || (argc && !strcmp(argv[0], "help"))) {
		group_usage(stdout, group, summary, subs);
		return 0;
	}
	if (argc == 0) {
		group_usage(stderr, group, summary, subs);
		fputc('\n', stderr);
		return die("missing command 'ck %s COMMAND'", group);
	}
	for (const subcommand *s = subs; s->name; s++)
		if (!strcmp(argv[0], s->name) || (s->alias && !strcmp(argv[0], s->alias)))
			return s->run(app, argc - 1, argv + 1);
	die("unrecognized command `ck %s %s`", group, argv[0]);
	fprintf(stderr, "Try 'ck %s --help' for more information\n", group);
	return EXIT_CK;
}

int sub_help(const char *usage)
{
	fputs(usage, stdout);
	return 0;
}

void strv_free_owned(strv *s)
{
	for (size_t i = 0; i < s->n; i++)
		free((char *)s->v[i]);
	strv_clear(s);
}

static char *read_id_file_opt(const char *path, const char *what, bool missing_ok)
{
	char buf[256];
	size_t n = 0;
	FILE *f = fopen(path, "re");

	if (!f) {
		if (!(missing_ok && errno == ENOENT))
			die("reading %s %s: %s", what, path, strerror(errno));
		return NULL;
	}
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == ' ' || buf[n - 1] == '\r'))
		buf[--n] = '\0';
	if (!n) {
		die("%s %s is empty", what, path);
		return NULL;
	}
	char *id = strdup(buf);
	if (!id)
		die("out of memory");
	return id;
}

char *read_id_file(const char *path, const char *what)
{
	return read_id_file_opt(path, what, false);
}

int id_file_claim(int *fd, const char *path, const char *kind, const char *flag)
{
	*fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (*fd >= 0)
		return 0;
	if (errno == EEXIST)
		return die("%s id file exists. Ensure another %s is not using it or delete %s", kind, kind, path);
	return die("opening %s %s: %s", flag, path, strerror(errno));
}

int id_file_finish(int fd, const char *path, const char *flag, const char *id)
{
	ssize_t w = id ? write(fd, id, strlen(id)) : 0;
	int err = errno;

	close(fd);
	if (id && w == (ssize_t)strlen(id))
		return 0;
	unlink(path);
	return id ? die("writing %s %s: %s", flag, path, strerror(err)) : 0;
}

int add_id_files(strv *ids, strv *owned, const strv *files, const char *what, bool missing_ok)
{
	for (size_t i = 0; i < files->n; i++) {
		char *id = read_id_file_opt(files->v[i], what, missing_ok);
		if (id) {
			strv_add(ids, id);
			strv_add(owned, id);
		} else if (!missing_ok || access(files->v[i], F_OK) == 0) {
			return EXIT_CK;
		}
	}
	return 0;
}

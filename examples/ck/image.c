/* ck images, ck image (ls, inspect, history, exists, tag, untag, rm, prune,
 * import), and the top-level ck tag, untag, rmi, import and history, as
 * podman spells them. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "image_cmds.h"
#include "listing.h"

/* ---- text helpers ---- */

/* Sizes as podman prints images' (go-units, three significant digits). */
static void human_size(char *buf, size_t size, uint64_t bytes)
{
	human_size_fmt(buf, size, (double)bytes, 3, " ");
}

/* "3 weeks ago", as go-units' HumanDuration. */
static void human_ago(char *buf, size_t size, int64_t when)
{
	size_t n;

	human_duration(buf, size, (int64_t)time(NULL) - when);
	n = strlen(buf);
	snprintf(buf + n, size - n, " ago");
}

static void rfc3339(char *buf, size_t size, int64_t when)
{
	time_t t = (time_t)when;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* The REPOSITORY and TAG columns of a name, as the library parses it. */
static void split_name(const char *name, char *repo, size_t rsize, char *tag, size_t tsize)
{
	ck_image_reference *ref = NULL;

	if (ck_image_reference_parse(&ref, name, NULL) < 0) {
		snprintf(repo, rsize, "%s", name); /* stored names parse; show it whole if not */
		snprintf(tag, tsize, "<none>");
		return;
	}
	snprintf(repo, rsize, "%s", ck_image_reference_repository_name(ref));
	snprintf(tag, tsize, "%s", ck_image_reference_tag(ref) ? ck_image_reference_tag(ref) : "<none>");
	ck_image_reference_free(ref);
}

static void short_id(char *buf, size_t size, const char *id, bool no_trunc)
{
	if (no_trunc)
		snprintf(buf, size, "sha256:%s", id);
	else
		snprintf(buf, size, "%.12s", id);
}

static jnode *parse_or_die(const char *text)
{
	jnode *n = text ? json_parse(text) : NULL;
	if (!n)
		die("the library returned malformed JSON");
	return n;
}

/* ---- ck images / ck image ls ---- */

static const char ls_usage[] =
	"List images in local storage\n\nUsage:\n  ck images [options] [IMAGE]\n  ck image ls [options] [IMAGE]\n\n"
	"Options:\n"
	"  -a, --all                  Show all images (default hides intermediate images: untagged ones that\n"
	"                             others are built on)\n"
	"  -f, --filter stringArray   Filter output based on conditions provided (reference, label, dangling,\n"
	"                             before, since)\n"
	"      --format string        Change the output format to JSON or a Go template\n"
	"  -n, --noheading            Do not print column headings\n"
	"      --no-trunc             Do not truncate output\n"
	"  -q, --quiet                Display only image IDs\n";

/* The podman `images --format json` object of one image. */
static void image_summary_json(sbuf *b, ck_image *img)
{
	char when[40], **digests = NULL;
	ck_image_config *cfg = NULL;
	const char *const *names = ck_image_names(img);

	ck_image_config_read(&cfg, img); /* without it, no labels: the listing goes on */
	ck_image_repo_digests(&digests, img);
	rfc3339(when, sizeof(when), ck_image_created(img));
	sb_printf(b, "{\"Id\":");
	sb_str(b, ck_image_id(img));
	sb_printf(b, ",\"ParentId\":\"\",\"RepoTags\":[");
	for (size_t i = 0, k = 0; names[i]; i++) {
		if (strchr(names[i], '@'))
			continue;
		sb_printf(b, "%s", k++ ? "," : "");
		sb_str(b, names[i]);
	}
	sb_printf(b, "],\"RepoDigests\":[");
	for (size_t i = 0; digests && digests[i]; i++) {
		sb_printf(b, "%s", i ? "," : "");
		sb_str(b, digests[i]);
	}
	sb_printf(b, "],\"Size\":%llu,\"SharedSize\":0,\"VirtualSize\":%llu,\"Labels\":{",
	          (unsigned long long)ck_image_size(img), (unsigned long long)ck_image_size(img));
	for (size_t i = 0; i < ck_image_config_label_count(cfg); i++) {
		const char *k = NULL, *v = NULL;
		ck_image_config_label_byindex(&k, &v, cfg, i);
		sb_printf(b, "%s", i ? "," : "");
		sb_str(b, k);
		sb_put(b, ":", 1);
		sb_str(b, v);
	}
	sb_printf(b, "},\"Names\":[");
	for (size_t i = 0; names[i]; i++) {
		sb_printf(b, "%s", i ? "," : "");
		sb_str(b, names[i]);
	}
	sb_printf(b, "],\"Digest\":");
	sb_str(b, ck_image_digest(img));
	sb_printf(b, ",\"Created\":%lld,\"CreatedAt\":\"%s\"}", (long long)ck_image_created(img), when);
	ck_strv_free(digests);
	ck_image_config_free(cfg);
}

/* What `ck images` shows of one name of an image (row k; an untagged
 * image has one "<none>" row), for its table and its templates alike. */
typedef struct image_cells {
	char repo[512], tag[256], id[80], size[32], ago[64], when[40];
} image_cells;

static size_t image_row_count(ck_image *img)
{
	size_t nn = 0;
	for (const char *const *names = ck_image_names(img); names[nn];)
		nn++;
	return nn ? nn : 1;
}

static void image_cells_of(image_cells *c, ck_image *img, size_t k, bool no_trunc)
{
	const char *name = ck_image_names(img)[0] ? ck_image_names(img)[k] : NULL;

	snprintf(c->tag, sizeof(c->tag), "<none>");
	if (name)
		split_name(name, c->repo, sizeof(c->repo), c->tag, sizeof(c->tag));
	else
		snprintf(c->repo, sizeof(c->repo), "<none>");
	short_id(c->id, sizeof(c->id), ck_image_id(img), no_trunc);
	human_size(c->size, sizeof(c->size), ck_image_size(img));
	human_ago(c->ago, sizeof(c->ago), ck_image_created(img));
	rfc3339(c->when, sizeof(c->when), ck_image_created(img));
}

/* One row per name, as objects for templates. */
static jnode *image_rows(ck_image *img, bool no_trunc)
{
	sbuf b = { 0 };
	jnode *arr;
	size_t rows = image_row_count(img);

	sb_put(&b, "[", 1);
	for (size_t k = 0; k < rows; k++) {
		image_cells c;
		image_cells_of(&c, img, k, no_trunc);
		sb_printf(&b, "%s{\"Repository\":", k ? "," : "");
		sb_str(&b, c.repo);
		sb_printf(&b, ",\"Tag\":");
		sb_str(&b, c.tag);
		sb_printf(&b, ",\"ID\":");
		sb_str(&b, c.id);
		sb_printf(&b, ",\"Id\":");
		sb_str(&b, ck_image_id(img));
		sb_printf(&b, ",\"Digest\":");
		sb_str(&b, ck_image_digest(img));
		sb_printf(&b, ",\"Created\":\"%s\",\"CreatedSince\":\"%s\",\"CreatedAt\":\"%s\",\"Size\":\"%s\","
		              "\"VirtualSize\":%llu,\"Dangling\":%s}", c.ago, c.ago, c.when, c.size,
		          (unsigned long long)ck_image_size(img), ck_image_names(img)[0] ? "false" : "true");
	}
	sb_put(&b, "]", 1);
	arr = parse_or_die(sb_take(&b));
	free(b.s);
	return arr;
}

static void image_quiet(char *buf, size_t size, void *payload, size_t i, const list_flags *f)
{
	short_id(buf, size, ck_image_id(((ck_image **)payload)[i]), f->no_trunc);
}

/* `json`: podman's summary of the image; a template: one row per name. */
static jnode *image_item(void *payload, size_t i, const list_flags *f)
{
	ck_image **img = (ck_image **)payload + i;
	sbuf b = { 0 };
	jnode *j;

	if (list_for_template(f))
		return image_rows(*img, f->no_trunc);
	image_summary_json(&b, *img);
	j = parse_or_die(sb_take(&b));
	free(b.s);
	return j;
}

static void image_row(table *t, void *payload, size_t i, const list_flags *f)
{
	ck_image *img = ((ck_image **)payload)[i];

	for (size_t k = 0; k < image_row_count(img); k++) {
		image_cells c;
		image_cells_of(&c, img, k, f->no_trunc);
		table_row(t, (const char *[]){ c.repo, c.tag, c.id, c.ago, c.size });
	}
}

static int images_sort(void *payload, int id, const char *val)
{
	(void)payload, (void)id;
	if (strcmp(val, "created") != 0)
		return die("unsupported --sort value \"%s\": images are listed newest first (created)", val);
	return 0;
}

static int image_ls(ck_app *app, int argc, char **argv)
{
	list_flags f = { 0 };
	/* podman hides only intermediate images */
	unsigned int flags = CK_IMAGE_LIST_DANGLING;
	char *refflt = NULL;
	ck_image **imgs = NULL;
	size_t n = 0;
	strv names = { 0 };
	int rc = list_begin(app, argc, argv, false, (const flag_def[]){
		LIST_FLAG_DEFS(&f, 'n'), LIST_NOTRUNC_DEF(&f),
		{ "all", 'a', F_BIT, &flags, CK_IMAGE_LIST_ALL }, { "digests", 0, F_IGNORE, NULL, 0 },
		{ "sort", 0, F_CALL_VAL, &(flag_hook){ images_sort, NULL }, 0 }, { NULL, 0, 0, 0, 0 },
	}, "images", ls_usage, &names);

	/* a name filters by reference, as `podman images NAME` does */
	if (rc == 0 && names.n > 1)
		rc = die("too many arguments: `ck images` takes at most one image name");
	if (rc == 0 && names.n && asprintf(&refflt, "reference=%s", names.v[0]) < 0) {
		refflt = NULL;
		rc = die("out of memory");
	}
	if (refflt)
		strv_add(&f.filters, refflt);
	if (rc == 0 && ck_image_list(&imgs, &n, app->ctx, flags, f.filters.v) < 0)
		rc = die_ck();
	else if (rc == 0)
		rc = print_listing(&(listing){ .n = n, .payload = imgs, .quiet_line = image_quiet,
		                               .json = image_item, .json_indent = "    ",
		                               .headers = (const char *const[]){ "ID", "IMAGE ID", "ReadOnly", "R/O",
		                                                                 NULL },
		                               .cols = 5,
		                               .heading = (const char *const[]){ "REPOSITORY", "TAG", "IMAGE ID",
		                                                                 "CREATED", "SIZE" },
		                               .rows = image_row },
		                   &f);
	ck_image_list_free(imgs, n);
	strv_clear(&f.filters);
	strv_clear(&names);
	free(refflt);
	return rc < 0 ? 0 : rc;
}

/* ---- inspect, history, exists ---- */

static const char inspect_usage[] =
	"Display the configuration of an image\n\nUsage:\n  ck image inspect [options] IMAGE [IMAGE...]\n\n"
	"Options:\n"
	"  -f, --format string   Format the output to a Go template or json (default \"json\")\n";

static char *image_text(ck_app *app, const char *name)
{
	ck_image *img = NULL;
	char *text = NULL;

	if (ck_image_lookup(&img, app->ctx, name) == 0)
		ck_image_inspect(&text, img);
	ck_image_free(img);
	return text;
}

static int image_inspect(ck_app *app, int argc, char **argv)
{
	return inspect_command(app, argc, argv, inspect_usage, "an image is required", true, image_text);
}

static const char history_usage[] =
	"Show history of a specified image\n\nUsage:\n  ck image history [options] IMAGE\n\nOptions:\n"
	"      --format string   Change the output to JSON or a Go template\n"
	"  -H, --human           Display sizes and dates in human readable format (default true)\n"
	"      --no-trunc        Do not truncate the output\n"
	"  -q, --quiet           Display the numeric IDs only\n";

static int image_history(ck_app *app, int argc, char **argv)
{
	const char *format = NULL, *name = NULL;
	bool no_trunc = false, quiet = false;
	ck_image *img = NULL;
	char *text = NULL;
	jnode *hist = NULL;
	ck_image_history_list *list = NULL;
	strv pos = { 0 };
	int rc = parse_flags(app, argc, argv, (const flag_def[]){
		{ "format", 0, F_STR, &format, 0 },
		{ "human", 'H', F_IGNORE, NULL, 0 },
		{ "no-trunc", 0, F_BOOL, &no_trunc, 0 },
		{ "notruncate", 0, F_BOOL, &no_trunc, 0 },
		{ "quiet", 'q', F_BOOL, &quiet, 0 },
		{ NULL, 0, F_IGNORE, NULL, 0 },
	}, history_usage, &pos);
	int count = (int)pos.n;

	if (rc < 0)
		return 0;
	name = pos.n ? pos.v[0] : NULL;
	strv_clear(&pos);
	if (rc == 0 && count != 1)
		rc = die_args(history_usage, "one image is required (%d given)", count);
	if (rc == 0 && !app_context(app))
		rc = EXIT_CK;
	if (rc == 0 && ck_image_lookup(&img, app->ctx, name) < 0)
		rc = die_ck();
	if (rc == 0 && format) {
		/* JSON and templates: the library's rendering of the same list */
		if (ck_image_history(&text, img) < 0)
			rc = die_ck();
		else if (!(hist = parse_or_die(text)))
			rc = EXIT_CK;
		else if (!strcmp(format, "json"))
			json_print_line(stdout, hist, "    ");
		else
			rc = print_list_template(format, hist->vals, hist->n, false, NULL);
	} else if (rc == 0 && ck_image_history_read(&list, img) < 0) {
		rc = die_ck();
	} else if (rc == 0) {
		table t;
		table_init(&t, quiet ? 1 : 5);
		if (!quiet)
			table_row(&t, (const char *[]){ "ID", "CREATED", "CREATED BY", "SIZE", "COMMENT" });
		for (size_t i = 0; i < ck_image_history_list_count(list); i++) {
			const ck_image_history_entry *h = ck_image_history_list_byindex(list, i);
			const char *by = h->created_by;
			char idbuf[80], ago[64], size[32], byb[64];
			if (strcmp(h->id, "<missing>") && !no_trunc)
				snprintf(idbuf, sizeof(idbuf), "%.12s", h->id);
			else
				snprintf(idbuf, sizeof(idbuf), "%s", h->id);
			if (quiet) {
				table_row(&t, (const char *[]){ idbuf });
				continue;
			}
			human_ago(ago, sizeof(ago), h->created);
			human_size(size, sizeof(size), h->size);
			if (!no_trunc && strlen(by) > 45) {
				snprintf(byb, sizeof(byb), "%.42s...", by);
				by = byb;
			}
			table_row(&t, (const char *[]){ idbuf, ago, by, size, h->comment });
		}
		table_print(stdout, &t);
		table_free(&t);
	}
	ck_image_history_list_free(list);
	json_free(hist);
	ck_free(text);
	ck_image_free(img);
	return rc;
}

static const char exists_usage[] =
	"Check if an image exists in local storage\n\nUsage:\n  ck image exists IMAGE\n\n"
	"Exits 0 if the image exists, 1 if it does not, 125 on another error.\n";

static int image_found(ck_app *app, const char *name)
{
	ck_image *img = NULL;
	int rc = ck_image_lookup(&img, app->ctx, name);

	ck_image_free(img);
	return rc < 0 ? rc : 0;
}

static int image_exists(ck_app *app, int argc, char **argv)
{
	return run_exists(app, argc, argv, exists_usage, "name", image_found);
}

static const subcommand image_cmds[] = {
	{ "exists", NULL, "Check if an image exists in local storage", exists_usage, image_exists },
	{ "history", NULL, "Show history of a specified image", history_usage, image_history },
	{ "import", NULL, "Import a tarball to create a filesystem image", image_import_usage, image_import },
	{ "inspect", NULL, "Display the configuration of an image", inspect_usage, image_inspect },
	{ "load", NULL, "Load image(s) from a tar archive", NULL, cmd_load },
	{ "ls", "list", "List images in local storage", ls_usage, image_ls },
	{ "prune", NULL, "Remove unused images", image_prune_usage, image_prune },
	{ "pull", NULL, "Pull an image from a registry", NULL, cmd_pull },
	{ "push", NULL, "Push an image to a specified destination", NULL, cmd_push },
	{ "rm", "remove", "Remove one or more images from local storage", image_rm_usage, image_rm },
	{ "save", NULL, "Save image(s) to an archive", NULL, cmd_save },
	{ "tag", NULL, "Add an additional name to a local image", image_tag_usage, image_tag },
	{ "untag", NULL, "Remove a name from a local image", image_untag_usage, image_untag },
	{ NULL, NULL, NULL, NULL, NULL },
};

int cmd_image(ck_app *app, int argc, char **argv)
{
	return run_group(app, "image", "Manage images", image_cmds, argc, argv);
}

int cmd_images(ck_app *app, int argc, char **argv)
{
	return image_ls(app, argc, argv);
}

int cmd_history(ck_app *app, int argc, char **argv)
{
	return image_history(app, argc, argv);
}

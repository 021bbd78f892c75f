/* ck system df and ck system prune: the store's disk use and its clean-up. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "ctr.h"

static const char df_usage[] =
	"Show podman disk usage\n\nUsage:\n  ck system df [options]\n\nOptions:\n"
	"      --format string   Pretty-print images using a Go template\n";

static void df_row(sbuf *b, const char *type, uint64_t total, uint64_t active, uint64_t size, uint64_t reclaim)
{
	char sz[32], rc[32], rcp[48];
	human_size(sz, sizeof(sz), (double)size);
	human_size(rc, sizeof(rc), (double)reclaim);
	snprintf(rcp, sizeof(rcp), "%s (%d%%)", rc, size ? (int)(100.0 * (double)reclaim / (double)size) : 0);
	sb_printf(b, "{\"Type\":\"%s\",\"Total\":%" PRIu64 ",\"Active\":%" PRIu64 ",\"Size\":\"%s\","
	             "\"RawSize\":%" PRIu64 ",\"Reclaimable\":\"%s\",\"RawReclaimable\":%" PRIu64 "}",
	          type, total, active, sz, size, rcp, reclaim);
}

int system_df(ck_app *app, int argc, char **argv)
{
	const char *format = NULL;
	ck_system_df_report df;
	int rc = 0;

	rc = parse_flags_noargs(app, argc, argv, false, (const flag_def[]){
		{ "format", 0, F_STR, &format, 0 },
		{ "verbose", 'v', F_REFUSE, "--verbose is not supported: ck system df prints the summary only", 0 },
		{ NULL, 0, F_IGNORE, NULL, 0 },
	}, df_usage, "system df");
	if (rc < 0)
		return 0;
	if (rc == 0 && !app_context(app))
		rc = EXIT_CK;
	if (rc == 0 && ck_system_df_report_init(&df, CK_SYSTEM_DF_REPORT_VERSION) < 0)
		rc = die_ck();
	if (rc == 0 && ck_system_df(&df, app->ctx) < 0)
		rc = die_ck();
	if (rc != 0)
		return rc;
	sbuf b = { 0 };
	jnode *rows[3];
	sb_cat(&b, "[");
	df_row(&b, "Images", df.images, df.images_active, df.images_size, df.images_reclaimable);
	sb_cat(&b, ",");
	df_row(&b, "Containers", df.containers, df.containers_active, df.containers_size, df.containers_reclaimable);
	sb_cat(&b, ",");
	df_row(&b, "Local Volumes", df.volumes, df.volumes_active, df.volumes_size, df.volumes_reclaimable);
	sb_cat(&b, "]");
	jnode *all = json_parse(sb_take(&b));
	free(b.s);
	if (!all)
		return die("out of memory");
	for (int i = 0; i < 3; i++)
		rows[i] = all->vals[i];
	if (format && !strcmp(format, "json")) {
		json_print_line(stdout, all, "    ");
	} else {
		static const char *const headers[] = { "Type", "TYPE", "Total", "TOTAL", "Active", "ACTIVE",
			                               "Size", "SIZE", "Reclaimable", "RECLAIMABLE", NULL };
		rc = print_list_template(format ? format : "table {{.Type}}\t{{.Total}}\t{{.Active}}\t{{.Size}}\t"
		                                           "{{.Reclaimable}}",
		                         rows, 3, false, headers);
	}
	json_free(all);
	return rc;
}

static const char prune_usage[] =
	"Remove unused data\n\nUsage:\n  ck system prune [options]\n\nOptions:\n"
	"  -a, --all       Remove all unused images, not just dangling ones\n"
	"  -f, --force     Do not prompt for confirmation\n"
	"      --volumes   Prune volumes\n";

int system_prune(ck_app *app, int argc, char **argv)
{
	unsigned int flags = 0;
	bool force = false;
	ck_system_prune_list *removed = NULL;
	int rc = 0;

	rc = parse_flags_noargs(app, argc, argv, true, (const flag_def[]){
		{ "all", 'a', F_BIT, &flags, CK_SYSTEM_PRUNE_ALL },
		{ "force", 'f', F_BOOL, &force, 0 },
		{ "volumes", 0, F_BIT, &flags, CK_SYSTEM_PRUNE_VOLUMES },
		{ "filter", 0, F_REFUSE_VAL, "--filter is not supported by ck system prune: prune each kind with its own command", 0 },
		{ "external", 0, F_REFUSE, "--external is not supported: ck has no external (buildah) containers", 0 },
		{ NULL, 0, F_IGNORE, NULL, 0 },
	}, prune_usage, "system prune");
	if (rc < 0)
		return 0;
	if (rc == 0 && !force) {
		printf("WARNING! This command removes:\n"
		       "        - all stopped containers\n"
		       "        - all pods without a running container\n"
		       "%s"
		       "        - all %s images\n\n",
		       (flags & CK_SYSTEM_PRUNE_VOLUMES) ? "        - all volumes not used by at least one container\n" : "",
		       (flags & CK_SYSTEM_PRUNE_ALL) ? "unused" : "dangling");
		if (!confirm("Are you sure you want to continue?"))
			return 0;
	}
	if (rc == 0 && !app_context(app))
		rc = EXIT_CK;
	/* podman ends with the space freed: the disk use before and after */
	ck_system_df_report before, after;
	bool sized = rc == 0 && ck_system_df_report_init(&before, CK_SYSTEM_DF_REPORT_VERSION) == 0 &&
	             ck_system_df_report_init(&after, CK_SYSTEM_DF_REPORT_VERSION) == 0 &&
	             ck_system_df(&before, app->ctx) == 0;
	if (rc == 0 && ck_system_prune_v2(&removed, app->ctx, flags) < 0)
		rc = die_ck();
	/* podman prints the removed ids under a heading per kind */
	static const char *const headings[] = { "Deleted Containers", "Deleted Pods", "Deleted Volumes",
		                                "Deleted Images" };
	static const int kinds[] = { CK_PRUNED_CONTAINER, CK_PRUNED_POD, CK_PRUNED_VOLUME, CK_PRUNED_IMAGE };
	for (int k = 0; rc == 0 && k < 4; k++) {
		bool any = false;
		for (size_t i = 0; i < ck_system_prune_list_count(removed); i++) {
			if (ck_system_prune_list_kind(removed, i) != kinds[k])
				continue;
			if (!any)
				printf("%s\n", headings[k]);
			any = true;
			printf("%s\n", ck_system_prune_list_id(removed, i));
		}
	}
	if (rc == 0 && sized && ck_system_df(&after, app->ctx) == 0) {
		uint64_t b = before.images_size + before.containers_size + before.volumes_size;
		uint64_t a = after.images_size + after.containers_size + after.volumes_size;
		char size[32];
		human_size(size, sizeof(size), (double)(b > a ? b - a : 0));
		printf("Total reclaimed space: %s\n", size);
	}
	ck_system_prune_list_free(removed);
	return rc;
}

/* ck stats: resource use of running containers, one snapshot or refreshed
 * every second, in podman's columns and JSON. */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctr.h"

/* The previous sample of a container, for the CPU % between two. */
typedef struct prev {
	char id[65];
	ck_container_stats_sample s;
} prev;

typedef struct row {
	char id[13], name[256], cpu[32], mem[80], memp[32], net[80], block[80], pids[32], cputime[64],
		avg[32];
} row;

static void pair(char *buf, size_t size, double a, double b)
{
	char x[24], y[24];
	if (a == 0 && b == 0) {
		snprintf(buf, size, "0B / 0B");
		return;
	}
	human_size(x, sizeof(x), a);
	human_size(y, sizeof(y), b);
	snprintf(buf, size, "%s / %s", x, y);
}

/* One row from the library's sample; `p` keeps it for the next round. */
static void fill_row(row *r, const ck_container_stats_sample *s, prev *p)
{
	double pct = ck_container_stats_cpu_percent(p->s.version ? &p->s : NULL, s);

	p->s = *s;
	snprintf(r->cpu, sizeof(r->cpu), "%.2f%%", pct);
	snprintf(r->avg, sizeof(r->avg), "%.2f%%", s->cpu_percent);
	pair(r->mem, sizeof(r->mem), (double)s->mem_usage, (double)s->mem_limit);
	snprintf(r->memp, sizeof(r->memp), "%.2f%%", s->mem_percent);
	pair(r->net, sizeof(r->net), (double)s->net_rx, (double)s->net_tx);
	pair(r->block, sizeof(r->block), (double)s->block_read, (double)s->block_write);
	snprintf(r->pids, sizeof(r->pids), "%llu", (unsigned long long)s->pids);
	/* podman rounds the CPU time to microseconds */
	go_duration(r->cputime, sizeof(r->cputime), ((int64_t)s->cpu_ns + 500) / 1000 * 1000);
}

static void print_json(const row *rows, size_t n)
{
	printf("[\n");
	for (size_t i = 0; i < n; i++) {
		const row *r = &rows[i];
		printf(" {\n  \"id\": \"%s\",\n  \"name\": \"%s\",\n  \"cpu_time\": \"%s\",\n"
		       "  \"cpu_percent\": \"%s\",\n  \"avg_cpu\": \"%s\",\n  \"mem_usage\": \"%s\",\n"
		       "  \"mem_percent\": \"%s\",\n  \"net_io\": \"%s\",\n  \"block_io\": \"%s\",\n"
		       "  \"pids\": \"%s\"\n }%s\n",
		       r->id, r->name, r->cputime, r->cpu, r->avg, r->mem, r->memp, r->net, r->block, r->pids,
		       i + 1 < n ? "," : "");
	}
	printf("]\n");
}

/* podman's stats headers that are not the field name upper-cased. */
static const char *const stats_headers[] = {
	"CPUPerc", "CPU %", "MemUsage", "MEM USAGE / LIMIT", "MemPerc", "MEM %", "NetIO", "NET IO",
	"BlockIO", "BLOCK IO", "PIDs", "PIDS", "UpTime", "CPU TIME", "AVGCPU", "AVG CPU %", NULL,
};

static int print_rows(const row *rows, size_t n, const char *format)
{
	if (format && !strcmp(format, "json")) {
		print_json(rows, n);
		return 0;
	}
	if (format) {
		jnode **items = calloc(n ? n : 1, sizeof(*items));
		int rc = 0;
		size_t k = 0;
		for (size_t i = 0; items && i < n; i++) {
			const row *r = &rows[i];
			char text[2048];
			snprintf(text, sizeof(text),
			         "{\"ID\":\"%s\",\"Name\":\"%s\",\"CPUPerc\":\"%s\",\"MemUsage\":\"%s\","
			         "\"MemPerc\":\"%s\",\"NetIO\":\"%s\",\"BlockIO\":\"%s\",\"PIDS\":\"%s\","
			         "\"CPU\":\"%s\",\"AvgCPU\":\"%s\"}",
			         r->id, r->name, r->cpu, r->mem, r->memp, r->net, r->block, r->pids, r->cputime,
			         r->avg);
			if ((items[k] = json_parse(text)))
				k++;
		}
		rc = print_list_template(format, items, k, false, stats_headers);
		for (size_t i = 0; i < k; i++)
			json_free(items[i]);
		free(items);
		return rc;
	}
	table t;
	table_init(&t, 10);
	table_row(&t, (const char *[]){ "ID", "NAME", "CPU %", "MEM USAGE / LIMIT", "MEM %", "NET IO",
	                                "BLOCK IO", "PIDS", "CPU TIME", "AVG CPU %" });
	for (size_t i = 0; i < n; i++) {
		const row *r = &rows[i];
		table_row(&t, (const char *[]){ r->id, r->name, r->cpu, r->mem, r->memp, r->net, r->block,
		                                r->pids, r->cputime, r->avg });
	}
	table_print(stdout, &t);
	table_free(&t);
	return 0;
}

/* The containers to sample this round: the named ones, or every running
 * one (every one with --all). */
static int gather(ck_app *app, const strv *names, bool all, ck_container ***list, size_t *n)
{
	static const char *const running[] = { "status=running", NULL };

	if (names->n == 0) {
		if (ck_container_list(list, n, app->ctx, all ? CK_CONTAINER_LIST_ALL : 0, all ? NULL : running) < 0)
			return die_ck();
		return 0;
	}
	*list = calloc(names->n, sizeof(**list));
	*n = 0;
	if (!*list)
		return die("out of memory");
	for (size_t i = 0; i < names->n; i++) {
		if (ck_container_lookup(&(*list)[*n], app->ctx, names->v[i]) < 0) {
			int rc = die_ck();
			ck_container_list_free(*list, *n);
			*list = NULL;
			return rc;
		}
		(*n)++;
	}
	return 0;
}

static const char stats_usage[] =
	"Display a live stream of container resource usage statistics\n\n"
	"Usage:\n  ck stats [options] [CONTAINER...]\n\nOptions:\n"
	"  -a, --all             Show all containers. Only running containers are shown by default\n"
	"      --format string   Pretty-print container statistics to JSON or using a Go template\n"
	"  -i, --interval int    Time in seconds between stats reports (default 1)\n"
	"      --no-reset        Disable resetting the screen between intervals\n"
	"      --no-stream       Disable streaming stats and only pull the first result\n";

int ctr_stats(ck_app *app, int argc, char **argv)
{
	const char *format = NULL;
	strv names = { 0 };
	bool all = false, no_reset = false, no_stream = false;
	long long interval = 1;
	prev *prevs = NULL;
	size_t nprev = 0;
	int rc = parse_flags_in(app, argc, argv, true, (const flag_def[]){
		{ "all", 'a', F_BOOL, &all, 0 },
		{ "format", 0, F_STR, &format, 0 },
		{ "interval", 'i', F_INT, &interval, 1 },
		{ "no-reset", 0, F_BOOL, &no_reset, 0 },
		{ "no-stream", 0, F_BOOL, &no_stream, 0 },
		{ "latest", 'l', F_REFUSE, "--latest is not supported", 0 },
		{ NULL, 0, F_IGNORE, NULL, 0 },
	}, stats_usage, &names);

	if (rc < 0)
		return 0;
	if (rc == 0 && all && names.n)
		rc = die("--all is not allowed with containers named");
	if (rc == 0 && !app_context(app))
		rc = EXIT_CK;
	bool reset = !no_reset && !no_stream && isatty(STDOUT_FILENO);
	for (;;) {
		ck_container **list = NULL;
		size_t n = 0, k = 0;
		row *rows = NULL;

		if (rc != 0 || (rc = gather(app, &names, all, &list, &n)) != 0)
			break;
		rows = calloc(n ? n : 1, sizeof(*rows));
		for (size_t i = 0; rows && i < n; i++) {
			ck_container_stats_sample s = CK_CONTAINER_STATS_SAMPLE_INIT;
			row *r = &rows[k];
			prev *p = NULL;

			short_id(r->id, ck_container_id(list[i]));
			snprintf(r->name, sizeof(r->name), "%s", ck_container_name(list[i]));
			for (size_t j = 0; j < nprev && !p; j++)
				if (!strcmp(prevs[j].id, ck_container_id(list[i])))
					p = &prevs[j];
			if (!p && (p = realloc(prevs, (nprev + 1) * sizeof(*prevs)))) {
				prevs = p;
				p = &prevs[nprev++];
				memset(p, 0, sizeof(*p));
				snprintf(p->id, sizeof(p->id), "%s", ck_container_id(list[i]));
			}
			if (!p) {
				rc = die("out of memory");
			} else if (ck_container_stats_read(&s, list[i]) == 0) {
				fill_row(r, &s, p);
				k++;
			} else if (ck_error_last()->code == CK_ESTATE && (all || names.n == 0)) {
				/* not running: podman shows it empty with --all */
				if (all) {
					strcpy(r->cpu, "--"), strcpy(r->mem, "-- / --"), strcpy(r->memp, "--");
					strcpy(r->net, "-- / --"), strcpy(r->block, "-- / --"), strcpy(r->pids, "--");
					strcpy(r->cputime, "--"), strcpy(r->avg, "--");
					k++;
				}
			} else {
				rc = die_ck();
			}
		}
		if (rc == 0 && rows) {
			if (reset)
				fputs("\033[2J\033[H", stdout);
			rc = print_rows(rows, k, format);
			fflush(stdout);
		}
		free(rows);
		ck_container_list_free(list, n);
		if (rc != 0 || no_stream)
			break;
		sleep((unsigned int)interval);
	}
	free(prevs);
	strv_clear(&names);
	return rc;
}

/* typed-reads: what `ck ps`, `ck stats --no-stream`, `ck port` and `ck inspect`
 * show, read through the library's typed API alone (no JSON is parsed), as an
 * embedder would.  tests/examples/test_typed_reads.sh compares it with ck.
 *
 * usage: typed-reads ROOT RUNROOT ps
 *        typed-reads ROOT RUNROOT stats|port|inspect CONTAINER...
 * Each prints one line per container (port: per mapping) in the shape of
 * the ck --format line that the test asks ck for. */
#include <containerkit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(const char *what)
{
	fprintf(stderr, "typed-reads: %s: %s\n", what, ck_error_last()->message);
	return 1;
}

/* podman's sizes: decimal units, four significant digits ("25.28GB"). */
static void human_size(char *buf, size_t size, uint64_t bytes)
{
	static const char *const units[] = { "B", "kB", "MB", "GB", "TB", "PB", "EB" };
	double v = (double)bytes;
	size_t u = 0;

	while (v >= 1000.0 && u + 1 < sizeof(units) / sizeof(units[0])) {
		v /= 1000.0;
		u++;
	}
	snprintf(buf, size, "%.4g%s", v, units[u]);
}

static int by_key(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The labels as Go prints a map: "map[a:b c:d]", keys sorted. */
static void print_labels(const ck_container *ctr)
{
	size_t n = ck_container_label_count(ctr);
	const char **keys = calloc(n ? n : 1, sizeof(*keys)), *value;

	for (size_t i = 0; keys && i < n; i++)
		ck_container_label_byindex(&keys[i], &value, ctr, i);
	if (keys)
		qsort(keys, n, sizeof(*keys), by_key);
	printf("map[");
	for (size_t i = 0; keys && i < n; i++)
		printf("%s%s:%s", i ? " " : "", keys[i], ck_container_label(ctr, keys[i]));
	printf("]");
	free(keys);
}

/* ps's PORTS column: "127.0.0.1:8080->80/tcp, ...". */
static void print_ps_ports(const ck_container *ctr)
{
	for (size_t i = 0; i < ck_container_port_count(ctr); i++) {
		const ck_container_port_mapping *p = ck_container_port_byindex(ctr, i);
		const char *ip = *p->host_ip ? p->host_ip : "0.0.0.0";
		if (p->range > 1)
			printf("%s%s:%u-%u->%u-%u/%s", i ? ", " : "", ip, p->host_port, p->host_port + p->range - 1,
			       p->container_port, p->container_port + p->range - 1, p->protocol);
		else
			printf("%s%s:%u->%u/%s", i ? ", " : "", ip, p->host_port, p->container_port, p->protocol);
	}
}

/* ck ps -a --no-trunc --format '{{.ID}}|{{.Image}}|{{.Command}}|{{.State}}|{{.Ports}}|{{.Names}}' */
static void print_ps(const ck_container *ctr)
{
	const char *const *argv = ck_container_command(ctr);

	printf("%s|%s|", ck_container_id(ctr), ck_container_image_name(ctr));
	for (size_t i = 0; argv && argv[i]; i++)
		printf("%s%s", i ? " " : "", argv[i]);
	printf("|%s|", ck_container_status(ctr));
	print_ps_ports(ctr);
	printf("|%s\n", ck_container_name(ctr));
}

/* ck stats --no-stream --format '{{.ID}}|{{.Name}}|{{.PIDs}}|{{.BlockIO}}' and
 * the limit of {{.MemUsage}} (the usage itself moves between two reads). */
static int print_stats(ck_container *ctr)
{
	ck_container_stats_sample s = CK_CONTAINER_STATS_SAMPLE_INIT;
	char rd[32], wr[32], lim[32];

	if (ck_container_stats_read(&s, ctr) < 0)
		return fail(ck_container_name(ctr));
	human_size(rd, sizeof(rd), s.block_read);
	human_size(wr, sizeof(wr), s.block_write);
	human_size(lim, sizeof(lim), s.mem_limit);
	printf("%.12s|%s|%llu|%s / %s|%s\n", ck_container_id(ctr), ck_container_name(ctr),
	       (unsigned long long)s.pids, rd, wr, lim);
	return 0;
}

/* ck port CONTAINER: "80/tcp -> 127.0.0.1:8080", one line per port. */
static void print_port(const ck_container *ctr)
{
	for (size_t i = 0; i < ck_container_port_count(ctr); i++) {
		const ck_container_port_mapping *p = ck_container_port_byindex(ctr, i);
		for (unsigned int k = 0; k < p->range; k++)
			printf("%u/%s -> %s:%u\n", p->container_port + k, p->protocol,
			       *p->host_ip ? p->host_ip : "0.0.0.0", p->host_port + k);
	}
}

/* ck inspect --format '{{.Id}}|{{.Name}}|{{.State.Status}}|{{.State.Pid}}|
 * {{.Config.Labels}}|{{range .Mounts}}{{.Destination}} {{end}}|{{.NetworkSettings.Ports}}' */
static int print_inspect(const ck_container *ctr)
{
	ck_container_mount_list *mounts = NULL;
	size_t n = ck_container_port_count(ctr);

	if (ck_container_mounts_read(&mounts, ctr) < 0)
		return fail(ck_container_name(ctr));
	printf("%s|%s|%s|%d|", ck_container_id(ctr), ck_container_name(ctr), ck_container_status(ctr),
	       ck_container_pid(ctr));
	print_labels(ctr);
	printf("|");
	for (size_t i = 0; i < ck_container_mount_list_count(mounts); i++)
		printf("%s ", ck_container_mount_list_byindex(mounts, i)->destination);
	/* NetworkSettings.Ports is a map keyed "PORT/PROTO", printed sorted;
	 * each port of a range is its own key */
	printf("|map[");
	{
		char **keys = calloc(1, sizeof(*keys) * 4096), line[256];
		size_t k = 0;
		for (size_t i = 0; keys && i < n; i++) {
			const ck_container_port_mapping *p = ck_container_port_byindex(ctr, i);
			for (unsigned int j = 0; j < p->range && k < 4096; j++) {
				snprintf(line, sizeof(line), "%u/%s:[map[HostIp:%s HostPort:%u]]", p->container_port + j,
				         p->protocol, p->host_ip, p->host_port + j);
				keys[k++] = strdup(line);
			}
		}
		if (keys)
			qsort(keys, k, sizeof(*keys), by_key);
		for (size_t i = 0; i < k; i++) {
			printf("%s%s", i ? " " : "", keys[i]);
			free(keys[i]);
		}
		free(keys);
	}
	printf("]\n");
	ck_container_mount_list_free(mounts);
	return 0;
}

int main(int argc, char **argv)
{
	ck_context_options o = CK_CONTEXT_OPTIONS_INIT;
	ck_context *ctx = NULL;
	int rc = 0;

	if (argc < 4) {
		fprintf(stderr, "usage: typed-reads ROOT RUNROOT ps|stats|port|inspect [CONTAINER...]\n");
		return 2;
	}
	o.root = argv[1];
	o.runroot = argv[2];
	if (ck_context_open(&ctx, &o) < 0)
		return fail("opening the store");
	if (!strcmp(argv[3], "ps")) {
		ck_container **list = NULL;
		size_t n = 0;
		if (ck_container_list(&list, &n, ctx, CK_CONTAINER_LIST_ALL, NULL) < 0)
			rc = fail("listing containers");
		for (size_t i = 0; i < n; i++)
			print_ps(list[i]);
		ck_container_list_free(list, n);
	} else {
		for (int i = 4; i < argc && rc == 0; i++) {
			ck_container *ctr = NULL;
			if (ck_container_lookup(&ctr, ctx, argv[i]) < 0) {
				rc = fail(argv[i]);
				break;
			}
			if (!strcmp(argv[3], "stats"))
				rc = print_stats(ctr);
			else if (!strcmp(argv[3], "port"))
				print_port(ctr);
			else if (!strcmp(argv[3], "inspect"))
				rc = print_inspect(ctr);
			else {
				fprintf(stderr, "typed-reads: unknown command %s\n", argv[3]);
				rc = 2;
			}
			ck_container_free(ctr);
		}
	}
	ck_context_free(ctx);
	return rc;
}

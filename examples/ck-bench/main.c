/* ck-bench: benchmarks.  `ck-bench run` times engines against engines as
 * whole processes (run.h); `ck-bench state` drives libcontainerkit in
 * process through its public API only. */
#include "bench.h"
#include "run.h"

#include <containerkit.h>
#include <string.h>

static const struct {
	const char *name;
	int (*main)(int argc, char **argv);
	const char *what;
} groups[] = {
	{ "run", cb_run_main, "engines against engines: suites or ad hoc cases, baselines, reports" },
	{ "state", bench_state_main, "in process: state store volume create/lookup/list/delete, commit latency" },
};

static void usage(FILE *out)
{
	fprintf(out, "usage: ck-bench GROUP [OPTIONS]   (ck-bench GROUP --help for its options)\n\ngroups:\n");
	for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++)
		fprintf(out, "  %-8s %s\n", groups[i].name, groups[i].what);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("ck-bench, libcontainerkit %s\n", ck_version());
		return 0;
	}
	for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++)
		if (!strcmp(argv[1], groups[i].name))
			return groups[i].main(argc - 1, argv + 1);
	fprintf(stderr, "ck-bench: unknown group \"%s\"\n", argv[1]);
	usage(stderr);
	return 2;
}

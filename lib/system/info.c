/* ck_system_info(): the host and the store as JSON, in the spirit of
 * `podman info`.  Nothing is executed: the runtime is only located. */
#define _GNU_SOURCE
#include "state/state.h"

#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <sys/utsname.h>
#include <unistd.h>

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

/* Architecture names as the OCI image spec (and podman) spell them. */
static const char *oci_arch(const char *machine)
{
	static const struct {
		const char *uname, *oci;
	} map[] = {
		{ "x86_64", "amd64" }, { "aarch64", "arm64" }, { "i386", "386" },   { "i686", "386" },
		{ "armv7l", "arm" },   { "armv6l", "arm" },    { "ppc64le", "ppc64le" }, { "s390x", "s390x" },
		{ "riscv64", "riscv64" },
	};
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcmp(machine, map[i].uname))
			return map[i].oci;
	return machine;
}

static bool is_cgroup2(const char *path)
{
	struct statfs fs;
	return statfs(path, &fs) == 0 && (unsigned long)fs.f_type == (unsigned long)CGROUP2_SUPER_MAGIC;
}

static const char *cgroup_version(void)
{
	if (is_cgroup2("/sys/fs/cgroup"))
		return "v2";
	if (is_cgroup2("/sys/fs/cgroup/unified"))
		return "hybrid";
	return "v1";
}

/* The runtime's executable: the configured path itself, or the first match
 * on $PATH.  NULL if there is none. */
static char *find_runtime(const char *runtime)
{
	const char *path = getenv("PATH");
	char *copy, *save = NULL;

	if (strchr(runtime, '/'))
		return access(runtime, X_OK) == 0 ? ck__strdup(runtime) : NULL;
	if (!path || !*path)
		path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	if (!(copy = ck__strdup(path)))
		return NULL;
	for (char *dir = strtok_r(copy, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
		char *cand = ck__path_join(*dir ? dir : ".", runtime);
		if (cand && access(cand, X_OK) == 0) {
			free(copy);
			return cand;
		}
		free(cand);
	}
	free(copy);
	return NULL;
}

struct counts {
	size_t n[CK__KIND_COUNT];
};

static int count_fn(ck_state_txn *txn, void *payload)
{
	struct counts *c = payload;
	for (int k = 0; k < CK__KIND_COUNT; k++) {
		int rc = ck__rec_count(&c->n[k], txn, (ck__kind)k);
		if (rc != CK_OK)
			return rc;
	}
	return CK_OK;
}

static void gen_host(yajl_gen g, ck_context *ctx)
{
	struct utsname u;
	char boot[40], host[256] = "";
	const char *rt = ck_context_runtime(ctx), *base = strrchr(rt, '/');
	char *rt_path = find_runtime(rt);

	if (uname(&u) < 0)
		memset(&u, 0, sizeof(u));
	if (gethostname(host, sizeof(host) - 1) < 0)
		snprintf(host, sizeof(host), "%s", u.nodename);
	ck__boot_id(boot);

	ck__json_key(g, "host");
	yajl_gen_map_open(g);
	ck__json_key_str(g, "arch", oci_arch(u.machine));
	ck__json_key_str(g, "kernel", u.release);
	ck__json_key_str(g, "os", "linux");
	ck__json_key_str(g, "hostname", host);
	ck__json_key_str(g, "cgroupVersion", cgroup_version());
	ck__json_key_bool(g, "rootless", ck_context_is_rootless(ctx) != 0);
	ck__json_key(g, "ociRuntime");
	yajl_gen_map_open(g);
	ck__json_key_str(g, "name", base ? base + 1 : rt);
	ck__json_key_str(g, "path", rt_path);
	ck__json_key_str(g, "version", NULL);
	yajl_gen_map_close(g);
	ck__json_key_str(g, "bootId", boot);
	yajl_gen_map_close(g);
	free(rt_path);
}

int ck_system_info(char **out, ck_context *ctx)
{
	struct counts c = { { 0 } };
	yajl_gen g;
	int rc;

	CK_ENTER();
	if (!out)
		return ck__error_set(CK_EINVAL, "ck_system_info: out is NULL");
	*out = NULL;
	if (!ctx)
		return ck__error_set(CK_EINVAL, "ck_system_info: ctx is NULL");
	if ((rc = ck__state_read(ctx, count_fn, &c)) != CK_OK)
		return rc;
	if (!(g = ck__json_gen_new(false)))
		return ck__oom();
	yajl_gen_map_open(g);
	gen_host(g, ctx);

	ck__json_key(g, "store");
	yajl_gen_map_open(g);
	ck__json_key_str(g, "graphRoot", ck_context_root(ctx));
	ck__json_key_str(g, "runRoot", ck_context_runroot(ctx));
	ck__json_key_str(g, "configFile", ck_context_config_path(ctx));
	ck__json_key_str(g, "databaseBackend", ck_context_db_backend(ctx));
	ck__json_key_int(g, "volumeCount", (long long)c.n[CK__KIND_VOLUME]);
	ck__json_key_int(g, "containerCount", (long long)c.n[CK__KIND_CONTAINER]);
	ck__json_key_int(g, "podCount", (long long)c.n[CK__KIND_POD]);
	ck__json_key_int(g, "imageCount", (long long)c.n[CK__KIND_IMAGE]);
	yajl_gen_map_close(g);

	ck__json_key(g, "version");
	yajl_gen_map_open(g);
	ck__json_key_str(g, "library", ck_version());
	ck__json_key_int(g, "apiVersion", CK_VERSION_NUMBER);
	yajl_gen_map_close(g);
	yajl_gen_map_close(g);
	return ck__json_gen_finish(out, g);
}

/* config.json and process.json as written, read back with yajl: podman's
 * defaults, the caller's choices, and the refusals that must come before
 * any runtime runs (and leave no file behind). */
#define _GNU_SOURCE
#include "rt_common.h"
#include "runtime/runtime_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

static char *cmd_true[] = { "true", NULL };

/* Writes the config for `p` on `host` into a new bundle and parses it;
 * NULL (with *rc set) when the library refused. */
static yajl_val gen(const ck__oci_params *p, const ck__host *host, int *rc_out)
{
	char *bundle = rt_bundle_dir(), path[4200], *text = NULL;
	yajl_val v = NULL;
	int rc = ck__oci_config_write(rt_ctx(), bundle, p, host ? host : rt_host());

	snprintf(path, sizeof(path), "%s/config.json", bundle);
	if (rc_out)
		*rc_out = rc;
	if (rc == CK_OK) {
		CK_CHECK_OK(ck__read_file(&text, NULL, path, 1 << 20));
		v = text ? yajl_tree_parse(text, NULL, 0) : NULL;
		CK_CHECK(v != NULL);
		free(text);
	} else {
		/* A refusal leaves nothing behind. */
		CK_CHECK(access(path, F_OK) != 0);
		char tmp[4300];
		snprintf(tmp, sizeof(tmp), "%s.tmp-%d", path, (int)getpid());
		CK_CHECK(access(tmp, F_OK) != 0);
	}
	ck_test_rmtree(bundle);
	free(bundle);
	return v;
}

static yajl_val get(yajl_val v, ...)
{
	const char *path[16];
	va_list ap;
	size_t n = 0;

	va_start(ap, v);
	while (n < 15 && (path[n] = va_arg(ap, const char *)))
		n++;
	va_end(ap);
	path[n] = NULL;
	return yajl_tree_get(v, path, yajl_t_any);
}

static const char *get_str(yajl_val v, const char *a, const char *b)
{
	yajl_val x = b ? get(v, a, b, NULL) : get(v, a, NULL);
	return YAJL_IS_STRING(x) ? x->u.string : NULL;
}

static bool arr_has_str(yajl_val arr, const char *s)
{
	for (size_t i = 0; arr && YAJL_IS_ARRAY(arr) && i < arr->u.array.len; i++)
		if (YAJL_IS_STRING(arr->u.array.values[i]) && strcmp(arr->u.array.values[i]->u.string, s) == 0)
			return true;
	return false;
}

static size_t arr_len(yajl_val arr)
{
	return arr && YAJL_IS_ARRAY(arr) ? arr->u.array.len : 0;
}

/* The object in array `arr` whose `key` is `val`. */
static yajl_val find_by(yajl_val arr, const char *key, const char *val)
{
	for (size_t i = 0; i < arr_len(arr); i++) {
		yajl_val o = arr->u.array.values[i];
		const char *s = get_str(o, key, NULL);
		if (s && strcmp(s, val) == 0)
			return o;
	}
	return NULL;
}

static void config_defaults_follow_podman(void)
{
	static const char *caps[] = { "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_FSETID",
		                      "CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_SETFCAP", "CAP_SETGID",
		                      "CAP_SETPCAP", "CAP_SETUID", "CAP_SYS_CHROOT" };
	ck__oci_params p;
	rt_params(&p, cmd_true);
	yajl_val v = gen(&p, NULL, NULL);
	if (!v)
		return;
	CK_CHECK_STR(get_str(v, "ociVersion", NULL), "1.0.2");
	CK_CHECK_STR(get_str(v, "hostname", NULL), "ckhost");
	CK_CHECK_STR(get_str(get(v, "process", NULL), "cwd", NULL), "/");
	CK_CHECK(YAJL_IS_FALSE(get(v, "root", "readonly", NULL)));
	CK_CHECK_STR(get_str(get(v, "root", NULL), "path", NULL), rt_rootfs());
	for (const char *set[] = { "bounding", "effective", "permitted" }, **s = set; s < set + 3; s++) {
		yajl_val arr = get(v, "process", "capabilities", *s, NULL);
		CK_CHECK(arr_len(arr) == 11);
		for (size_t i = 0; i < 11; i++)
			CK_CHECK(arr_has_str(arr, caps[i]));
	}
	CK_CHECK(arr_len(get(v, "process", "capabilities", "inheritable", NULL)) == 0);
	CK_CHECK(arr_len(get(v, "process", "capabilities", "ambient", NULL)) == 0);
	CK_CHECK(get(v, "process", "oomScoreAdj", NULL) == NULL);
	CK_CHECK(YAJL_IS_FALSE(get(v, "process", "noNewPrivileges", NULL)));

	yajl_val masked = get(v, "linux", "maskedPaths", NULL);
	CK_CHECK(arr_len(masked) == 11);
	CK_CHECK(arr_has_str(masked, "/proc/kcore") && arr_has_str(masked, "/sys/firmware") &&
	         arr_has_str(masked, "/sys/dev/block") && arr_has_str(masked, "/proc/sched_debug"));
	yajl_val ro = get(v, "linux", "readonlyPaths", NULL);
	CK_CHECK(arr_len(ro) == 6);
	CK_CHECK(arr_has_str(ro, "/proc/sys") && arr_has_str(ro, "/proc/sysrq-trigger"));

	yajl_val mounts = get(v, "mounts", NULL);
	static const char *dests[] = { "/proc", "/dev", "/dev/pts", "/dev/shm", "/dev/mqueue", "/sys",
		                       "/sys/fs/cgroup" };
	CK_CHECK(arr_len(mounts) == 7);
	for (size_t i = 0; i < 7; i++)
		CK_CHECK(find_by(mounts, "destination", dests[i]) != NULL);
	yajl_val dev = find_by(mounts, "destination", "/dev");
	CK_CHECK(arr_has_str(get(dev, "options", NULL), "mode=755"));
	CK_CHECK(arr_has_str(get(dev, "options", NULL), "size=65536k"));
	CK_CHECK(arr_has_str(get(dev, "options", NULL), "strictatime"));
	yajl_val pts = find_by(mounts, "destination", "/dev/pts");
	CK_CHECK(arr_has_str(get(pts, "options", NULL), "newinstance"));
	CK_CHECK(arr_has_str(get(pts, "options", NULL), "ptmxmode=0666"));
	CK_CHECK(arr_has_str(get(pts, "options", NULL), "gid=5"));
	CK_CHECK_STR(get_str(find_by(mounts, "destination", "/sys"), "type", NULL), "sysfs");
	CK_CHECK(arr_has_str(get(find_by(mounts, "destination", "/sys"), "options", NULL), "ro"));
	CK_CHECK(arr_has_str(get(find_by(mounts, "destination", "/sys/fs/cgroup"), "options", NULL), "ro"));

	yajl_val ns = get(v, "linux", "namespaces", NULL);
	CK_CHECK(find_by(ns, "type", "pid") && find_by(ns, "type", "mount") && find_by(ns, "type", "ipc") &&
	         find_by(ns, "type", "uts") && find_by(ns, "type", "network"));
	CK_CHECK(!find_by(ns, "type", "user"));
	CK_CHECK((find_by(ns, "type", "cgroup") != NULL) == (rt_host()->cgroup_mode == CK__CGROUP_V2));

	yajl_val devs = get(v, "linux", "resources", "devices", NULL);
	CK_CHECK(arr_len(devs) == 9);
	if (arr_len(devs) == 9) {
		CK_CHECK(YAJL_IS_FALSE(get(devs->u.array.values[0], "allow", NULL)));
		CK_CHECK_STR(get_str(devs->u.array.values[0], "access", NULL), "rwm");
	}
	CK_CHECK(get(v, "linux", "resources", "memory", NULL) == NULL);
	yajl_tree_free(v);
}

static void config_env_gets_a_default_path_and_term_with_a_terminal(void)
{
	char *env[] = { "A=1", NULL };
	char *env_path[] = { "PATH=/opt/bin", "TERM=vt100", NULL };
	ck__oci_params p;
	rt_params(&p, cmd_true);
	p.env = env;
	p.terminal = true;
	yajl_val v = gen(&p, NULL, NULL);
	yajl_val e = get(v, "process", "env", NULL);
	CK_CHECK(arr_len(e) == 3);
	CK_CHECK(arr_has_str(e, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"));
	CK_CHECK(arr_has_str(e, "TERM=xterm"));
	CK_CHECK(arr_has_str(e, "A=1"));
	CK_CHECK(YAJL_IS_TRUE(get(v, "process", "terminal", NULL)));
	yajl_tree_free(v);

	p.env = env_path;
	v = gen(&p, NULL, NULL);
	e = get(v, "process", "env", NULL);
	CK_CHECK(arr_len(e) == 2 && arr_has_str(e, "PATH=/opt/bin") && arr_has_str(e, "TERM=vt100"));
	yajl_tree_free(v);

	p.terminal = false;
	p.env = NULL;
	v = gen(&p, NULL, NULL);
	CK_CHECK(arr_len(get(v, "process", "env", NULL)) == 1);
	yajl_tree_free(v);
}

static void config_cap_names_with_or_without_prefix_and_all(void)
{
	char *add[] = { "net_admin", "CAP_SYS_PTRACE", NULL };
	char *drop[] = { "cap_chown", "KILL", NULL };
	char *all[] = { "ALL", NULL };
	char *add_one[] = { "NET_RAW", NULL };
	ck__oci_params p;
	rt_params(&p, cmd_true);
	p.cap_add = add;
	p.cap_drop = drop;
	yajl_val v = gen(&p, NULL, NULL);
	yajl_val eff = get(v, "process", "capabilities", "effective", NULL);
	CK_CHECK(arr_len(eff) == 11);
	CK_CHECK(arr_has_str(eff, "CAP_NET_ADMIN") && arr_has_str(eff, "CAP_SYS_PTRACE"));
	CK_CHECK(!arr_has_str(eff, "CAP_CHOWN") && !arr_has_str(eff, "CAP_KILL"));
	/* CAP_SYS_PTRACE lets ptrace through the seccomp profile. */
	yajl_val rules = get(v, "linux", "seccomp", "syscalls", NULL);
	bool ptrace_allowed = false;
	for (size_t i = 0; i < arr_len(rules); i++)
		if (arr_has_str(get(rules->u.array.values[i], "names", NULL), "ptrace"))
			ptrace_allowed = true;
	CK_CHECK(ptrace_allowed);
	yajl_tree_free(v);

	/* --cap-drop=all --cap-add=NET_RAW: only NET_RAW. */
	p.cap_drop = all;
	p.cap_add = add_one;
	v = gen(&p, NULL, NULL);
	eff = get(v, "process", "capabilities", "bounding", NULL);
	CK_CHECK(arr_len(eff) == 1 && arr_has_str(eff, "CAP_NET_RAW"));
	yajl_tree_free(v);

	/* --cap-add=all --cap-drop=CHOWN: everything the caller may hand on, but CHOWN. */
	p.cap_add = all;
	p.cap_drop = drop;
	v = gen(&p, NULL, NULL);
	eff = get(v, "process", "capabilities", "permitted", NULL);
	CK_CHECK(arr_len(eff) > 30);
	CK_CHECK(arr_has_str(eff, "CAP_SYS_ADMIN") && !arr_has_str(eff, "CAP_CHOWN"));
	if (!ck__caller_has_cap(CK__CAP_SYS_RESOURCE))
		CK_CHECK(!arr_has_str(eff, "CAP_SYS_RESOURCE"));
	yajl_tree_free(v);
}

static void config_unknown_capability_is_einval(void)
{
	char *bad[] = { "CAP_FLY", NULL };
	ck__oci_params p;
	int rc;
	rt_params(&p, cmd_true);
	p.cap_add = bad;
	CK_CHECK(gen(&p, NULL, &rc) == NULL);
	CK_CHECK_RC(rc, CK_EINVAL);
	CK_CHECK_CONTAINS(ck_error_last()->message, "CAP_FLY");
	p.cap_add = NULL;
	p.cap_drop = bad;
	CK_CHECK(gen(&p, NULL, &rc) == NULL);
	CK_CHECK_RC(rc, CK_EINVAL);
}

static void config_cap_add_outside_the_bounding_set_is_eperm(void)
{
	char *add[] = { "SYS_RESOURCE", NULL };
	ck__oci_params p;
	int rc;
	if (ck__caller_has_cap(CK__CAP_SYS_RESOURCE)) {
		CK_SKIP("this process holds CAP_SYS_RESOURCE");
		return;
	}
	rt_params(&p, cmd_true);
	p.cap_add = add;
	CK_CHECK(gen(&p, NULL, &rc) == NULL);
	CK_CHECK_RC(rc, CK_EPERM);
	CK_CHECK_CONTAINS(ck_error_last()->message, "CAP_SYS_RESOURCE");
}

static void config_rlimits_inherit_the_callers_nofile_and_nproc(void)
{
	struct rlimit nofile, nproc;
	ck__oci_params p;
	getrlimit(RLIMIT_NOFILE, &nofile);
	getrlimit(RLIMIT_NPROC, &nproc);
	rt_params(&p, cmd_true);
	yajl_val v = gen(&p, NULL, NULL);
	yajl_val lims = get(v, "process", "rlimits", NULL);
	CK_CHECK(arr_len(lims) == 2);
	yajl_val nf = find_by(lims, "type", "RLIMIT_NOFILE"), np = find_by(lims, "type", "RLIMIT_NPROC");
	CK_CHECK(nf && np);
	/* Compared as text: RLIM_INFINITY does not fit yajl's signed integers. */
	char buf[32];
	yajl_val x = get(nf, "hard", NULL);
	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)nofile.rlim_max);
	CK_CHECK(x && YAJL_IS_NUMBER(x) && strcmp(x->u.number.r, buf) == 0);
	x = get(nf, "soft", NULL);
	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)nofile.rlim_cur);
	CK_CHECK(x && YAJL_IS_NUMBER(x) && strcmp(x->u.number.r, buf) == 0);
	x = get(np, "hard", NULL);
	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)nproc.rlim_max);
	CK_CHECK(x && YAJL_IS_NUMBER(x) && strcmp(x->u.number.r, buf) == 0);
	yajl_tree_free(v);
}

static void config_ulimit_above_the_hard_limit_is_eperm_naming_it(void)
{
	struct rlimit nofile;
	struct { int resource; uint64_t soft, hard; } lim;
	ck__oci_params p;
	char hard[32];
	int rc;

	getrlimit(RLIMIT_NOFILE, &nofile);
	if (nofile.rlim_max == RLIM_INFINITY || ck__caller_has_cap(CK__CAP_SYS_RESOURCE)) {
		CK_SKIP("this process may raise RLIMIT_NOFILE");
		return;
	}
	lim.resource = RLIMIT_NOFILE;
	lim.soft = lim.hard = (uint64_t)nofile.rlim_max + 1;
	rt_params(&p, cmd_true);
	p.rlimits = (void *)&lim;
	p.n_rlimits = 1;
	CK_CHECK(gen(&p, NULL, &rc) == NULL);
	CK_CHECK_RC(rc, CK_EPERM);
	snprintf(hard, sizeof(hard), " %llu", (unsigned long long)nofile.rlim_max);
	CK_CHECK_CONTAINS(ck_error_last()->message, "RLIMIT_NOFILE");
	CK_CHECK_CONTAINS(ck_error_last()->message, hard);
	CK_CHECK_CONTAINS(ck_error_last()->message, "CAP_SYS_RESOURCE");

	/* soft above hard is a plain mistake */
	lim.soft = 100;
	lim.hard = 50;
	CK_CHECK(gen(&p, NULL, &rc) == NULL);
	CK_CHECK_RC(rc, CK_EINVAL);
	/* an explicit value replaces the inherited one */
	lim.soft = 64;
	lim.hard = 128;
	yajl_val v = gen(&p, NULL, &rc);
	yajl_val nf = find_by(get(v, "process", "rlimits", NULL), "type", "RLIMIT_NOFILE");
	CK_CHECK(arr_len(get(v, "process", "rlimits", NULL)) == 2);
	CK_CHECK(nf && YAJL_GET_INTEGER(get(nf, "soft", NULL)) == 64 && YAJL_GET_INTEGER(get(nf, "hard", NULL)) == 128);
	yajl_tree_free(v);
}

static void config_network_modes_choose_namespaces_and_sys(void)
{
	ck__oci_params p;
	rt_params(&p, cmd_true);
	p.network = "host";
	yajl_val v = gen(&p, NULL, NULL);
	CK_CHECK(find_by(get(v, "linux", "namespaces", NULL), "type", "network") == NULL);
	yajl_val sys = find_by(get(v, "mounts", NULL), "destination", "/sys");
	CK_CHECK_STR(get_str(sys, "type", NULL), "bind");
	CK_CHECK(arr_has_str(get(sys, "options", NULL), "rbind") && arr_has_str(get(sys, "options", NULL), "ro"));
	yajl_tree_free(v);

	p.network = "ns:/proc/1/ns/net";
	p.ipc = "/proc/1/ns/ipc";
	p.uts = "host";
	p.hostname = NULL;
	v = gen(&p, NULL, NULL);
	yajl_val net = find_by(get(v, "linux", "namespaces", NULL), "type", "network");
	CK_CHECK_STR(get_str(net, "path", NULL), "/proc/1/ns/net");
	CK_CHECK_STR(get_str(find_by(get(v, "linux", "namespaces", NULL), "type", "ipc"), "path", NULL),
	             "/proc/1/ns/ipc");
	CK_CHECK(find_by(get(v, "linux", "namespaces", NULL), "type", "uts") == NULL);
	CK_CHECK(get(v, "hostname", NULL) == NULL);
	yajl_tree_free(v);

	int rc;
	p.hostname = "h";
	CK_CHECK(gen(&p, NULL, &rc) == NULL);
	CK_CHECK_RC(rc, CK_EINVAL); /* a hostname needs its own UTS namespace */
	p.uts = NULL;
	p.network = "bridge0";
	CK_CHECK(gen(&p, NULL, &rc) == NULL);
	CK_CHECK_RC(rc, CK_EINVAL);
	CK_CHECK_CONTAINS(ck_error_last()->message, "bridge0");
}

static void config_rootless_gets_a_user_namespace_and_mappings(void)
{
	ck__host h = *rt_host();
	ck__idmap um[2] = { { 0, 1000, 1 }, { 1, 100000, 65536 } };
	ck__idmap gm[2] = { { 0, 1000, 1 }, { 1, 100000, 65536 } };
	ck__oci_params p;
	h.rootless = true;
	h.cgroup_mode = CK__CGROUP_V2;
	rt_params(&p, cmd_true);
	p.rootless = true;
	p.uid_maps = um;
	p.gid_maps = gm;
	p.n_uid_maps = p.n_gid_maps = 2;
	p.memory_limit = 32 << 20;
	yajl_val v = gen(&p, &h, NULL);
	CK_CHECK(find_by(get(v, "linux", "namespaces", NULL), "type", "user") != NULL);
	CK_CHECK(find_by(get(v, "linux", "namespaces", NULL), "type", "cgroup") != NULL);
	yajl_val maps = get(v, "linux", "uidMappings", NULL);
	CK_CHECK(arr_len(maps) == 2);
	if (arr_len(maps) == 2)
		CK_CHECK(YAJL_GET_INTEGER(get(maps->u.array.values[1], "hostID", NULL)) == 100000);
	CK_CHECK(arr_len(get(v, "linux", "gidMappings", NULL)) == 2);
	CK_CHECK_STR(get_str(find_by(get(v, "mounts", NULL), "destination", "/sys"), "type", NULL), "bind");
	CK_CHECK(get(v, "linux", "resources", "devices", NULL) == NULL);
	CK_CHECK(get(v, "linux", "resources", "memory", NULL) != NULL); /* v2: delegated */
	yajl_tree_free(v);

	/* The single-range form; gid 5 unmapped means no gid=5 on /dev/pts. */
	p.n_uid_maps = p.n_gid_maps = 0;
	p.uid_map_host = 1000;
	p.gid_map_host = 1000;
	p.map_size = 1;
	v = gen(&p, &h, NULL);
	maps = get(v, "linux", "gidMappings", NULL);
	CK_CHECK(arr_len(maps) == 1);
	CK_CHECK(!arr_has_str(get(find_by(get(v, "mounts", NULL), "destination", "/dev/pts"), "options", NULL), "gid=5"));
	yajl_tree_free(v);
}

/* A rootless pod member joins its infra's user namespace by path (the
 * namespaces it shares are owned by it) and keeps the mappings, which
 * runc 1.1 requires even then. */
static void config_rootless_member_joins_the_infras_user_namespace(void)
{
	ck__host h = *rt_host();
	ck__idmap um[2] = { { 0, 1000, 1 }, { 1, 100000, 65536 } };
	ck__oci_params p;
	int rc;
	h.rootless = true;
	rt_params(&p, cmd_true);
	p.rootless = true;
	p.uid_maps = p.gid_maps = um;
	p.n_uid_maps = p.n_gid_maps = 2;
	p.userns = "/proc/1/ns/user";
	p.network = "ns:/proc/1/ns/net";
	yajl_val v = gen(&p, &h, &rc);
	CK_CHECK_RC(rc, CK_OK);
	yajl_val user = find_by(get(v, "linux", "namespaces", NULL), "type", "user");
	CK_CHECK_STR(get_str(user, "path", NULL), "/proc/1/ns/user");
	CK_CHECK_STR(get_str(find_by(get(v, "linux", "namespaces", NULL), "type", "network"), "path", NULL),
	             "/proc/1/ns/net");
	CK_CHECK(arr_len(get(v, "linux", "uidMappings", NULL)) == 2);
	yajl_tree_free(v);

	/* Only a rootless container joins one, and by absolute path. */
	p.userns = "proc/1/ns/user";
	CK_CHECK(gen(&p, &h, &rc) == NULL);
	CK_CHECK_RC(rc, CK_EINVAL);
	CK_CHECK_CONTAINS(ck_error_last()->message, "proc/1/ns/user");
	p.userns = "/proc/1/ns/user";
	p.rootless = false;
	h.rootless = false;
	CK_CHECK(gen(&p, &h, &rc) == NULL);
	CK_CHECK_RC(rc, CK_EINVAL);
}

static void config_rootless_limits_on_a_v1_host_are_unsupported(void)
{
	ck__host h = *rt_host();
	ck__oci_params p;
	int rc;
	h.rootless = true;
	h.cgroup_mode = CK__CGROUP_V1;
	rt_params(&p, cmd_true);
	p.rootless = true;
	p.map_size = 1;
	p.cgroups_path = "ck/x";
	yajl_val v = gen(&p, &h, &rc);
	CK_CHECK_RC(rc, CK_OK);
	CK_CHECK(get(v, "linux", "cgroupsPath", NULL) == NULL); /* no cgroup of its own */
	CK_CHECK(find_by(get(v, "mounts", NULL), "destination", "/sys/fs/cgroup") == NULL);
	yajl_tree_free(v);
	p.pids_limit = 10;
	CK_CHECK(gen(&p, &h, &rc) == NULL);
	CK_CHECK_RC(rc, CK_EUNSUPPORTED);
	CK_CHECK_CONTAINS(ck_error_last()->message,
	                  "cgroup limits are not available to rootless containers on a cgroup v1 host");
	p.pids_limit = 0;
	p.memory_limit = 64 << 20;
	h.cgroup_mode = CK__CGROUP_HYBRID;
	CK_CHECK(gen(&p, &h, &rc) == NULL);
	CK_CHECK_RC(rc, CK_EUNSUPPORTED);
	CK_CHECK_CONTAINS(ck_error_last()->message, "memory limit");
}

static void config_resources_carry_memory_cpu_and_pids(void)
{
	ck__oci_params p;
	int rc;
	rt_params(&p, cmd_true);
	p.memory_limit = 128 << 20;
	p.cpus = 0.5;
	p.pids_limit = 42;
	p.cgroups_path = "ck/abc";
	yajl_val v = gen(&p, NULL, NULL);
	CK_CHECK(YAJL_GET_INTEGER(get(v, "linux", "resources", "memory", "limit", NULL)) == 128 << 20);
	CK_CHECK(YAJL_GET_INTEGER(get(v, "linux", "resources", "cpu", "quota", NULL)) == 50000);
	CK_CHECK(YAJL_GET_INTEGER(get(v, "linux", "resources", "cpu", "period", NULL)) == 100000);
	CK_CHECK(YAJL_GET_INTEGER(get(v, "linux", "resources", "pids", "limit", NULL)) == 42);
	CK_CHECK_STR(get_str(get(v, "linux", NULL), "cgroupsPath", NULL), "/ck/abc");
	yajl_tree_free(v);
	p.memory_limit = 1024; /* below the minimum */
	CK_CHECK(gen(&p, NULL, &rc) == NULL);
	CK_CHECK_RC(rc, CK_EINVAL);
	p.memory_limit = 0;
	p.cpus = 10000;
	CK_CHECK(gen(&p, NULL, &rc) == NULL);
	CK_CHECK_RC(rc, CK_EINVAL);
	CK_CHECK_CONTAINS(ck_error_last()->message, "CPUs");
}

static void config_seccomp_profile_denies_by_default(void)
{
	char *admin[] = { "SYS_ADMIN", NULL };
	ck__oci_params p;
	rt_params(&p, cmd_true);
	yajl_val v = gen(&p, NULL, NULL);
	yajl_val sc = get(v, "linux", "seccomp", NULL);
	CK_CHECK_STR(get_str(sc, "defaultAction", NULL), "SCMP_ACT_ERRNO");
	CK_CHECK(YAJL_GET_INTEGER(get(sc, "defaultErrnoRet", NULL)) == 1);
#if defined(__x86_64__)
	CK_CHECK(arr_has_str(get(sc, "architectures", NULL), "SCMP_ARCH_X86_64"));
	CK_CHECK(arr_has_str(get(sc, "architectures", NULL), "SCMP_ARCH_X32"));
#endif
	yajl_val rules = get(sc, "syscalls", NULL);
	int personality = 0, clone_masked = 0, clone3_enosys = 0;
	bool mount_allowed = false, read_allowed = false, keyctl_allowed = false;
	for (size_t i = 0; i < arr_len(rules); i++) {
		yajl_val r = rules->u.array.values[i], names = get(r, "names", NULL);
		if (arr_has_str(names, "personality"))
			personality++;
		if (arr_has_str(names, "clone") && get(r, "args", NULL))
			clone_masked++;
		if (arr_has_str(names, "clone3") && YAJL_GET_INTEGER(get(r, "errnoRet", NULL)) == 38)
			clone3_enosys++;
		mount_allowed |= arr_has_str(names, "mount");
		read_allowed |= arr_has_str(names, "read");
		keyctl_allowed |= arr_has_str(names, "keyctl");
	}
	CK_CHECK(personality == 5);
	CK_CHECK(clone_masked == 1 && clone3_enosys == 1);
	CK_CHECK(read_allowed && !mount_allowed && !keyctl_allowed);
	yajl_tree_free(v);

	/* CAP_SYS_ADMIN opens mount, unshare and clone with namespace flags. */
	p.cap_add = admin;
	v = gen(&p, NULL, NULL);
	rules = get(v, "linux", "seccomp", "syscalls", NULL);
	clone_masked = 0;
	mount_allowed = false;
	for (size_t i = 0; i < arr_len(rules); i++) {
		yajl_val r = rules->u.array.values[i], names = get(r, "names", NULL);
		mount_allowed |= arr_has_str(names, "mount") && arr_has_str(names, "unshare");
		if (arr_has_str(names, "clone") && get(r, "args", NULL))
			clone_masked++;
	}
	CK_CHECK(mount_allowed && clone_masked == 0);
	yajl_tree_free(v);

	p.cap_add = NULL;
	p.seccomp = false;
	v = gen(&p, NULL, NULL);
	CK_CHECK(get(v, "linux", "seccomp", NULL) == NULL);
	yajl_tree_free(v);
}

static void config_caller_mounts_follow_and_replace_standard_ones(void)
{
	char *bind_o[] = { "rbind", "ro", NULL };
	char *shm_o[] = { "size=1m", NULL };
	ck__mount m[2] = {
		{ "/data", "bind", "/srv/data", bind_o },
		{ "/dev/shm", "tmpfs", NULL, shm_o },
	};
	ck__oci_params p;
	rt_params(&p, cmd_true);
	p.mounts = m;
	p.n_mounts = 2;
	yajl_val v = gen(&p, NULL, NULL);
	yajl_val mounts = get(v, "mounts", NULL);
	CK_CHECK(arr_len(mounts) == 8);
	yajl_val shm = find_by(mounts, "destination", "/dev/shm");
	CK_CHECK(arr_has_str(get(shm, "options", NULL), "size=1m"));
	CK_CHECK_STR(get_str(shm, "source", NULL), "tmpfs");
	CK_CHECK_STR(get_str(find_by(mounts, "destination", "/data"), "source", NULL), "/srv/data");
	/* The caller's mounts come after the standard ones. */
	if (arr_len(mounts) == 8)
		CK_CHECK_STR(get_str(mounts->u.array.values[7], "destination", NULL), "/dev/shm");
	yajl_tree_free(v);
}

static void config_annotations_become_a_map(void)
{
	char *ann[] = { "io.example.a=1", "b=x=y", NULL };
	ck__oci_params p;
	rt_params(&p, cmd_true);
	p.annotations = ann;
	yajl_val v = gen(&p, NULL, NULL);
	CK_CHECK_STR(get_str(get(v, "annotations", NULL), "io.example.a", NULL), "1");
	CK_CHECK_STR(get_str(get(v, "annotations", NULL), "b", NULL), "x=y");
	yajl_tree_free(v);
}

static void config_bad_input_is_refused_and_leaves_no_file(void)
{
	char *empty[] = { NULL };
	char *bad_env[] = { "NOEQUALS", NULL };
	char *bad_ann[] = { "=x", NULL };
	char *no_opts[] = { NULL };
	ck__mount rel = { "data", "bind", "/srv", no_opts };
	ck__oci_params p;
	int rc;

	rt_params(&p, empty);
	CK_CHECK(gen(&p, NULL, &rc) == NULL);
	CK_CHECK_RC(rc, CK_EINVAL);
	CK_CHECK_CONTAINS(ck_error_last()->message, "command");

	rt_params(&p, cmd_true);
	p.rootfs = "relative/rootfs";
	CK_CHECK(gen(&p, NULL, &rc) == NULL);
	CK_CHECK_RC(rc, CK_EINVAL);
	p.rootfs = "/nonexistent/rootfs";
	CK_CHECK(gen(&p, NULL, &rc) == NULL);
	CK_CHECK_RC(rc, CK_ENOTFOUND);
	CK_CHECK_CONTAINS(ck_error_last()->message, "/nonexistent/rootfs");
	CK_CHECK_CONTAINS(ck_error_last()->message, "bundle");

	rt_params(&p, cmd_true);
	p.env = bad_env;
	CK_CHECK(gen(&p, NULL, &rc) == NULL);
	CK_CHECK_RC(rc, CK_EINVAL);
	CK_CHECK_CONTAINS(ck_error_last()->message, "NOEQUALS");

	rt_params(&p, cmd_true);
	p.annotations = bad_ann;
	CK_CHECK(gen(&p, NULL, &rc) == NULL);
	CK_CHECK_RC(rc, CK_EINVAL);

	rt_params(&p, cmd_true);
	p.cwd = "tmp";
	CK_CHECK(gen(&p, NULL, &rc) == NULL);
	CK_CHECK_RC(rc, CK_EINVAL);

	rt_params(&p, cmd_true);
	p.mounts = &rel;
	p.n_mounts = 1;
	CK_CHECK(gen(&p, NULL, &rc) == NULL);
	CK_CHECK_RC(rc, CK_EINVAL);

	rt_params(&p, cmd_true);
	CK_CHECK_RC(ck__oci_config_write(rt_ctx(), "relative-bundle", &p, rt_host()), CK_EINVAL);
}

static void process_json_for_exec_has_the_process_only(void)
{
	char *args[] = { "sh", "-c", "echo hi", NULL };
	char path[4200], *text = NULL;
	ck__oci_params p;
	rt_params(&p, args);
	p.uid = 7;
	p.cwd = "/tmp";
	p.terminal = true;
	snprintf(path, sizeof(path), "%s/process.json", rt_tmp());
	CK_CHECK_OK(ck__oci_process_write(path, &p));
	CK_CHECK_OK(ck__read_file(&text, NULL, path, 1 << 20));
	yajl_val v = text ? yajl_tree_parse(text, NULL, 0) : NULL;
	CK_CHECK(v != NULL);
	CK_CHECK_STR(get_str(v, "cwd", NULL), "/tmp");
	CK_CHECK(YAJL_GET_INTEGER(get(v, "user", "uid", NULL)) == 7);
	CK_CHECK(arr_len(get(v, "args", NULL)) == 3);
	CK_CHECK(arr_has_str(get(v, "env", NULL), "TERM=xterm"));
	CK_CHECK(arr_len(get(v, "capabilities", "bounding", NULL)) == 11);
	CK_CHECK(get(v, "process", NULL) == NULL && get(v, "mounts", NULL) == NULL);
	yajl_tree_free(v);
	free(text);
	unlink(path);
}

int main(int argc, char **argv)
{
	static const struct ck_test tests[] = {
		CK_TEST(config_defaults_follow_podman),
		CK_TEST(config_env_gets_a_default_path_and_term_with_a_terminal),
		CK_TEST(config_cap_names_with_or_without_prefix_and_all),
		CK_TEST(config_unknown_capability_is_einval),
		CK_TEST(config_cap_add_outside_the_bounding_set_is_eperm),
		CK_TEST(config_rlimits_inherit_the_callers_nofile_and_nproc),
		CK_TEST(config_ulimit_above_the_hard_limit_is_eperm_naming_it),
		CK_TEST(config_network_modes_choose_namespaces_and_sys),
		CK_TEST(config_rootless_gets_a_user_namespace_and_mappings),
		CK_TEST(config_rootless_member_joins_the_infras_user_namespace),
		CK_TEST(config_rootless_limits_on_a_v1_host_are_unsupported),
		CK_TEST(config_resources_carry_memory_cpu_and_pids),
		CK_TEST(config_seccomp_profile_denies_by_default),
		CK_TEST(config_caller_mounts_follow_and_replace_standard_ones),
		CK_TEST(config_annotations_become_a_map),
		CK_TEST(config_bad_input_is_refused_and_leaves_no_file),
		CK_TEST(process_json_for_exec_has_the_process_only),
		{ NULL, NULL },
	};
	int rc = ck_test_main(tests, argc, argv);
	rt_cleanup();
	return rc;
}

/* The spec setters of podman's run/create flags added in 1.1 (--annotation,
 * --ipc/--pid/--uts, --privileged, --security-opt, --shm-size, --umask,
 * --tz, --systemd, --log-driver, --timeout, --device, --add-host, --dns*,
 * --no-hosts), and their record. */
#define _GNU_SOURCE
#include "container_int.h"

#include <stdlib.h>
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SPEC_CHECK(fn)                                                     \
	do {                                                               \
		CK_ENTER();                                                \
		if (!spec)                                                 \
			return ck__error_set(CK_EINVAL, fn ": spec is NULL"); \
	} while (0)

static int set_str(char **dst, const char *val)
{
	char *v = NULL;
	if (val && !(v = strdup(val)))
		return ck__oom();
	free(*dst);
	*dst = v;
	return CK_OK;
}

int ck_container_spec_add_annotation(ck_container_spec *spec, const char *key_value)
{
	SPEC_CHECK("ck_container_spec_add_annotation");
	if (!key_value || !strchr(key_value, '=') || key_value[0] == '=')
		return ck__error_set(CK_EINVAL, "invalid annotation \"%s\": use KEY=VALUE", key_value ? key_value : "");
	return ck__strv_push(&spec->extra.annotations, key_value);
}

int ck_container_spec_set_namespace(ck_container_spec *spec, const char *ns, const char *mode)
{
	char **slot;

	SPEC_CHECK("ck_container_spec_set_namespace");
	if (!ns || (strcmp(ns, "ipc") && strcmp(ns, "pid") && strcmp(ns, "uts")))
		return ck__error_set(CK_EINVAL, "namespace \"%s\": use ipc, pid or uts", ns ? ns : "");
	slot = ns[0] == 'i' ? &spec->extra.ipc : ns[1] == 'i' ? &spec->extra.pid : &spec->extra.uts;
	if (!mode || !strcmp(mode, "private") || (ns[0] == 'i' && !strcmp(mode, "shareable")))
		return set_str(slot, NULL);
	if (!strcmp(mode, "host"))
		return set_str(slot, "host");
	return ck__error_set(CK_EUNSUPPORTED, "--%s %s is not supported: use host or private (joining another "
	                                      "container's namespace is done with pods)", ns, mode);
}

int ck_container_spec_set_privileged(ck_container_spec *spec, int on)
{
	SPEC_CHECK("ck_container_spec_set_privileged");
	spec->extra.privileged = on != 0;
	return CK_OK;
}

int ck_container_spec_add_security_opt(ck_container_spec *spec, const char *opt)
{
	SPEC_CHECK("ck_container_spec_add_security_opt");
	if (!opt)
		return ck__error_set(CK_EINVAL, "ck_container_spec_add_security_opt: opt is NULL");
	if (!strcmp(opt, "seccomp=unconfined")) {
		spec->extra.seccomp_unconfined = true;
		return CK_OK;
	}
	if (!strcmp(opt, "no-new-privileges") || !strcmp(opt, "no-new-privileges=true") ||
	    !strcmp(opt, "no-new-privileges:true")) {
		spec->extra.no_new_privileges = true;
		return CK_OK;
	}
	if (!strcmp(opt, "no-new-privileges=false") || !strcmp(opt, "no-new-privileges:false")) {
		spec->extra.no_new_privileges = false;
		return CK_OK;
	}
	/* ck never labels a container's processes, so there is nothing to
	 * disable; accepted for the scripts that say it. */
	if (!strcmp(opt, "label=disable") || !strcmp(opt, "label:disable"))
		return CK_OK;
	return ck__error_set(CK_EUNSUPPORTED, "--security-opt %s is not supported: use label=disable, "
	                                      "seccomp=unconfined or no-new-privileges", opt);
}

int ck_container_spec_set_shm_size(ck_container_spec *spec, int64_t bytes)
{
	SPEC_CHECK("ck_container_spec_set_shm_size");
	if (bytes < 0)
		return ck__error_set(CK_EINVAL, "invalid --shm-size %lld: must not be negative", (long long)bytes);
	spec->extra.shm_size = bytes;
	return CK_OK;
}

int ck_container_spec_set_umask(ck_container_spec *spec, const char *mask)
{
	char *end = NULL;
	long v;

	SPEC_CHECK("ck_container_spec_set_umask");
	if (!mask || !*mask || (v = strtol(mask, &end, 8), *end) || v < 0 || v > 0777)
		return ck__error_set(CK_EINVAL, "invalid umask \"%s\": use an octal number up to 0777",
		                     mask ? mask : "");
	return set_str(&spec->extra.umask, mask);
}

char *ck__ctr_tz_path(const char *tz)
{
	return !strcmp(tz, "local") ? ck__strdup("/etc/localtime") : ck__asprintf("/usr/share/zoneinfo/%s", tz);
}

int ck_container_spec_set_timezone(ck_container_spec *spec, const char *tz)
{
	SPEC_CHECK("ck_container_spec_set_timezone");
	if (tz && (!*tz || tz[0] == '/' || strstr(tz, "..")))
		return ck__error_set(CK_EINVAL, "invalid time zone \"%s\": use a name such as Europe/Paris, or local", tz);
	return set_str(&spec->extra.tz, tz);
}

int ck_container_spec_set_systemd(ck_container_spec *spec, const char *mode)
{
	SPEC_CHECK("ck_container_spec_set_systemd");
	if (mode && strcmp(mode, "true") && strcmp(mode, "false") && strcmp(mode, "always"))
		return ck__error_set(CK_EINVAL, "invalid --systemd \"%s\": use true, false or always", mode);
	return set_str(&spec->extra.systemd, mode);
}

int ck_container_spec_set_log_driver(ck_container_spec *spec, const char *driver)
{
	SPEC_CHECK("ck_container_spec_set_log_driver");
	if (!driver || !strcmp(driver, "k8s-file"))
		return set_str(&spec->extra.log_driver, NULL);
	if (!strcmp(driver, "none"))
		return set_str(&spec->extra.log_driver, "none");
	if (!strcmp(driver, "journald"))
		return ck__error_set(CK_EUNSUPPORTED, "--log-driver journald is not supported: there is no journald on "
		                                      "this host (use k8s-file or none)");
	if (!strcmp(driver, "passthrough"))
		return ck__error_set(CK_EUNSUPPORTED, "--log-driver passthrough is not supported: the monitor always "
		                                      "holds the container's output (use k8s-file or none)");
	return ck__error_set(CK_EINVAL, "invalid --log-driver \"%s\": use k8s-file or none", driver);
}

int ck_container_spec_set_timeout(ck_container_spec *spec, unsigned int seconds)
{
	SPEC_CHECK("ck_container_spec_set_timeout");
	spec->extra.timeout = seconds;
	return CK_OK;
}

static bool device_perms_ok(const char *p)
{
	if (!*p || strlen(p) > 3)
		return false;
	for (const char *c = p; *c; c++)
		if (!strchr("rwm", *c) || strchr(c + 1, *c))
			return false;
	return true;
}

/* podman's reading of HOST[:CONTAINER][:PERMS]: with two parts, the second
 * is the container's path if it is absolute, else the permissions. */
int ck_container_spec_add_device(ck_container_spec *spec, const char *device)
{
	const char *host = device, *ctr = NULL, *perms = "rwm";
	char *buf = NULL, *c1, *c2, *norm;
	int rc;

	SPEC_CHECK("ck_container_spec_add_device");
	if (!device || !*device)
		return ck__error_set(CK_EINVAL, "invalid --device \"\": use HOST[:CONTAINER][:PERMISSIONS]");
	if (!(buf = strdup(device)))
		return ck__oom();
	host = buf;
	if ((c1 = strchr(buf, ':'))) {
		*c1++ = '\0';
		if ((c2 = strchr(c1, ':'))) {
			*c2++ = '\0';
			ctr = c1;
			perms = c2;
		} else if (c1[0] == '/') {
			ctr = c1;
		} else {
			perms = c1;
		}
	}
	rc = CK_OK;
	if (host[0] != '/')
		rc = ck__error_set(CK_EINVAL, "invalid --device \"%s\": the host's device \"%s\" is not an absolute "
		                   "path", device, host);
	else if (ctr && ctr[0] != '/')
		rc = ck__error_set(CK_EINVAL, "invalid --device \"%s\": the container's path \"%s\" is not absolute",
		                   device, ctr);
	else if (!device_perms_ok(perms))
		rc = ck__error_set(CK_EINVAL, "invalid device mode: %s (in --device \"%s\": use r, w and m)", perms,
		                   device);
	else if (!(norm = ck__asprintf("%s:%s:%s", host, ctr ? ctr : host, perms)))
		rc = ck__oom();
	else {
		rc = ck__strv_push(&spec->extra.devices, norm);
		free(norm);
	}
	free(buf);
	return rc;
}

int ck_container_spec_set_no_hosts(ck_container_spec *spec, int on)
{
	SPEC_CHECK("ck_container_spec_set_no_hosts");
	spec->extra.no_hosts = on != 0;
	return CK_OK;
}

int ck_container_spec_set_pid_file(ck_container_spec *spec, const char *path)
{
	char cwd[4096], *abs;
	int rc;

	SPEC_CHECK("ck_container_spec_set_pid_file");
	if (!path || !*path)
		return set_str(&spec->extra.pid_file, NULL);
	if (path[0] == '/')
		return set_str(&spec->extra.pid_file, path);
	/* relative to the caller's directory, which the monitor does not share */
	if (!getcwd(cwd, sizeof(cwd)))
		return ck__error_errno(CK_EIO, "--pidfile %s: cannot tell the current directory", path);
	if (!(abs = ck__asprintf("%s/%s", cwd, path)))
		return ck__oom();
	rc = set_str(&spec->extra.pid_file, abs);
	free(abs);
	return rc;
}

int ck_container_spec_unset_env(ck_container_spec *spec, const char *name)
{
	SPEC_CHECK("ck_container_spec_unset_env");
	if (!name || !*name)
		return ck__error_set(CK_EINVAL, "invalid --unsetenv \"\": use a variable's name");
	return ck__strv_push(&spec->unset_env, name);
}

int ck_container_spec_set_unset_env_all(ck_container_spec *spec, int on)
{
	SPEC_CHECK("ck_container_spec_set_unset_env_all");
	spec->unset_env_all = on != 0;
	return CK_OK;
}

void ck__ctr_device_split(const char *dev, char *buf, const char **host, const char **ctr, const char **perms)
{
	char *c1, *c2;

	strcpy(buf, dev);
	*host = buf;
	*ctr = buf;
	*perms = "rwm";
	if ((c1 = strchr(buf, ':'))) {
		*c1++ = '\0';
		*ctr = c1;
		if ((c2 = strchr(c1, ':'))) {
			*c2++ = '\0';
			*perms = c2;
		}
	}
}

static int device_check(const char *dev)
{
	const char *host, *ctr, *perms;
	char *buf = malloc(strlen(dev) + 1);
	struct stat st;
	int rc = CK_OK;

	if (!buf)
		return ck__oom();
	ck__ctr_device_split(dev, buf, &host, &ctr, &perms);
	if (stat(host, &st) < 0)
		rc = ck__error_errno(errno == ENOENT ? CK_ENOTFOUND : CK_EIO, "stat %s", host);
	else if (S_ISDIR(st.st_mode))
		rc = ck__error_set(CK_EUNSUPPORTED, "--device %s: a directory of devices is not supported: name each "
		                   "device", host);
	else if (!S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode))
		rc = ck__error_set(CK_EINVAL, "%s is not a valid device: not a device node", host);
	free(buf);
	return rc;
}

int ck__ctr_extra_check(const ck__ctr_extra *x)
{
	for (char **d = x->devices; d && *d; d++) {
		int rc = device_check(*d);
		if (rc != CK_OK)
			return rc;
	}
	if (x->tz && *x->tz) {
		char *path = ck__ctr_tz_path(x->tz);
		bool ok = path && access(path, R_OK) == 0;
		int rc = !path ? ck__oom() : ok ? CK_OK : ck__error_set(CK_EINVAL, "unknown time zone \"%s\": "
		                                                                   "%s does not exist", x->tz, path);
		free(path);
		return rc;
	}
	return CK_OK;
}

int ck__ctr_extra_copy(ck__ctr_extra *dst, const ck__ctr_extra *src)
{
	int rc;

	*dst = *src;
	dst->annotations = dst->devices = dst->add_hosts = dst->dns = dst->dns_search = dst->dns_options = NULL;
	dst->ipc = dst->pid = dst->uts = dst->umask = dst->tz = dst->systemd = dst->log_driver = dst->pid_file = NULL;
	if ((rc = ck__strv_dup(&dst->annotations, (const char *const *)src->annotations)) != CK_OK ||
	    (rc = ck__strv_dup(&dst->devices, (const char *const *)src->devices)) != CK_OK ||
	    (rc = ck__strv_dup(&dst->add_hosts, (const char *const *)src->add_hosts)) != CK_OK ||
	    (rc = ck__strv_dup(&dst->dns, (const char *const *)src->dns)) != CK_OK ||
	    (rc = ck__strv_dup(&dst->dns_search, (const char *const *)src->dns_search)) != CK_OK ||
	    (rc = ck__strv_dup(&dst->dns_options, (const char *const *)src->dns_options)) != CK_OK ||
	    (rc = set_str(&dst->ipc, src->ipc)) || (rc = set_str(&dst->pid, src->pid)) ||
	    (rc = set_str(&dst->uts, src->uts)) || (rc = set_str(&dst->umask, src->umask)) ||
	    (rc = set_str(&dst->tz, src->tz)) || (rc = set_str(&dst->systemd, src->systemd)) ||
	    (rc = set_str(&dst->log_driver, src->log_driver)) || (rc = set_str(&dst->pid_file, src->pid_file)))
		return rc;
	return ck__ctr_extra_check(dst);
}

void ck__ctr_extra_free(ck__ctr_extra *x)
{
	ck_strv_free(x->annotations);
	ck_strv_free(x->devices);
	ck_strv_free(x->add_hosts);
	ck_strv_free(x->dns);
	ck_strv_free(x->dns_search);
	ck_strv_free(x->dns_options);
	free(x->ipc);
	free(x->pid);
	free(x->uts);
	free(x->umask);
	free(x->tz);
	free(x->systemd);
	free(x->log_driver);
	free(x->pid_file);
	memset(x, 0, sizeof(*x));
}

void ck__ctr_extra_gen(yajl_gen g, const ck__ctr_extra *x)
{
	if (x->annotations)
		ck__strv_gen(g, "annotations", x->annotations);
	const struct { const char *key; char **v; } lists[] = { { "devices", x->devices }, { "add_hosts", x->add_hosts },
		{ "dns", x->dns }, { "dns_search", x->dns_search }, { "dns_options", x->dns_options } };
	for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++)
		if (lists[i].v)
			ck__strv_gen(g, lists[i].key, lists[i].v);
	if (x->no_hosts)
		ck__json_key_bool(g, "no_hosts", true);
	const struct { const char *key, *val; } strs[] = { { "ipc", x->ipc }, { "pid_ns", x->pid },
		{ "uts", x->uts }, { "umask", x->umask }, { "tz", x->tz }, { "systemd", x->systemd },
		{ "log_driver", x->log_driver }, { "pid_file", x->pid_file } };
	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		if (strs[i].val && *strs[i].val)
			ck__json_key_str(g, strs[i].key, strs[i].val);
	if (x->privileged)
		ck__json_key_bool(g, "privileged", true);
	if (x->seccomp_unconfined)
		ck__json_key_bool(g, "seccomp_unconfined", true);
	if (x->no_new_privileges)
		ck__json_key_bool(g, "no_new_privileges", true);
	if (x->shm_size)
		ck__json_key_int(g, "shm_size", x->shm_size);
	if (x->timeout)
		ck__json_key_int(g, "timeout", x->timeout);
}

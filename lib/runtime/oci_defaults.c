/* The defaults a container gets when the caller says nothing, as podman
 * gives them: the capability set and its arithmetic, rlimit names, and the
 * masked and read-only paths. */
#define _GNU_SOURCE
#include "runtime_int.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>

/* Indexed by capability number (linux/capability.h). */
static const char *const cap_names[] = {
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID",
	"CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE",
	"CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW",
	"CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT",
	"CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE",
	"CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE",
	"CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE",
	"CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ",
	"CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
};
#define N_CAP_NAMES ((int)(sizeof(cap_names) / sizeof(cap_names[0])))

/* podman's default set (containers.conf default_capabilities). */
static const char *const default_caps[] = {
	"CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "NET_BIND_SERVICE",
	"SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT", NULL,
};

const char *ck__cap_name(int bit)
{
	return bit >= 0 && bit < N_CAP_NAMES ? cap_names[bit] : NULL;
}

int ck__cap_from_name(const char *name)
{
	if (!name)
		return -1;
	if (strncasecmp(name, "CAP_", 4) == 0)
		name += 4;
	for (int i = 0; i < N_CAP_NAMES; i++)
		if (strcasecmp(cap_names[i] + 4, name) == 0)
			return i;
	return -1;
}

/* Reads one hexadecimal mask line ("CapBnd:\t000001ffffffffff") of
 * /proc/self/status; every bit set if it cannot be read, so that a
 * restricted /proc does not take capabilities away. */
static uint64_t status_mask(const char *field)
{
	FILE *f = fopen("/proc/self/status", "re");
	char line[256];
	size_t flen = strlen(field);
	uint64_t mask = ~(uint64_t)0;

	if (!f)
		return mask;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, field, flen) == 0 && line[flen] == ':') {
			mask = strtoull(line + flen + 1, NULL, 16);
			break;
		}
	}
	fclose(f);
	return mask;
}

bool ck__caller_has_cap(int bit)
{
	return ck__cap_has(status_mask("CapEff"), bit);
}

/* Every capability the running kernel knows and this build can name. */
static uint64_t kernel_caps(void)
{
	FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "re");
	int last = N_CAP_NAMES - 1;

	if (f) {
		if (fscanf(f, "%d", &last) != 1 || last < 0)
			last = N_CAP_NAMES - 1;
		fclose(f);
	}
	if (last >= N_CAP_NAMES)
		last = N_CAP_NAMES - 1;
	return last >= 63 ? ~(uint64_t)0 : (((uint64_t)1 << (last + 1)) - 1);
}

static bool list_has_all(char *const *v)
{
	for (size_t i = 0; v && v[i]; i++)
		if (strcasecmp(v[i], "ALL") == 0)
			return true;
	return false;
}

int ck__caps_compute(uint64_t *out, char *const *cap_add, char *const *cap_drop)
{
	/* The runtime cannot hand on what the caller's bounding set lacks (root
	 * without CAP_SYS_RESOURCE on this kind of host), so defaults and "ALL"
	 * are clamped to it, while an explicit request for it fails below. */
	uint64_t grantable = kernel_caps() & status_mask("CapBnd");
	uint64_t caps = 0;

	for (const char *const *c = default_caps; *c; c++)
		caps |= (uint64_t)1 << ck__cap_from_name(*c);
	caps &= grantable;
	/* podman: --cap-drop=all starts from nothing, --cap-add=all from everything. */
	if (list_has_all(cap_drop))
		caps = 0;
	if (list_has_all(cap_add))
		caps = grantable;
	for (size_t i = 0; cap_add && cap_add[i]; i++) {
		if (strcasecmp(cap_add[i], "ALL") == 0)
			continue;
		int bit = ck__cap_from_name(cap_add[i]);
		if (bit < 0)
			return ck__error_set(CK_EINVAL, "cap-add: unknown capability \"%s\"", cap_add[i]);
		if (!ck__cap_has(grantable, bit))
			return ck__error_set(CK_EPERM,
			                     "cap-add: capability %s cannot be granted: the calling process "
			                     "does not hold it in its bounding set (or the kernel lacks it)",
			                     cap_names[bit]);
		caps |= (uint64_t)1 << bit;
	}
	for (size_t i = 0; cap_drop && cap_drop[i]; i++) {
		if (strcasecmp(cap_drop[i], "ALL") == 0)
			continue;
		int bit = ck__cap_from_name(cap_drop[i]);
		if (bit < 0)
			return ck__error_set(CK_EINVAL, "cap-drop: unknown capability \"%s\"", cap_drop[i]);
		caps &= ~((uint64_t)1 << bit);
	}
	*out = caps;
	return CK_OK;
}

void ck__caps_gen(yajl_gen g, uint64_t mask)
{
	yajl_gen_array_open(g);
	for (int i = 0; i < N_CAP_NAMES; i++)
		if (ck__cap_has(mask, i))
			ck__json_str_val(g, cap_names[i]);
	yajl_gen_array_close(g);
}

static const struct {
	int resource;
	const char *name, *short_name;
} rlimits[] = {
	{ RLIMIT_CPU, "RLIMIT_CPU", "cpu" },
	{ RLIMIT_FSIZE, "RLIMIT_FSIZE", "fsize" },
	{ RLIMIT_DATA, "RLIMIT_DATA", "data" },
	{ RLIMIT_STACK, "RLIMIT_STACK", "stack" },
	{ RLIMIT_CORE, "RLIMIT_CORE", "core" },
	{ RLIMIT_RSS, "RLIMIT_RSS", "rss" },
	{ RLIMIT_NPROC, "RLIMIT_NPROC", "nproc" },
	{ RLIMIT_NOFILE, "RLIMIT_NOFILE", "nofile" },
	{ RLIMIT_MEMLOCK, "RLIMIT_MEMLOCK", "memlock" },
	{ RLIMIT_AS, "RLIMIT_AS", "as" },
	{ RLIMIT_LOCKS, "RLIMIT_LOCKS", "locks" },
	{ RLIMIT_SIGPENDING, "RLIMIT_SIGPENDING", "sigpending" },
	{ RLIMIT_MSGQUEUE, "RLIMIT_MSGQUEUE", "msgqueue" },
	{ RLIMIT_NICE, "RLIMIT_NICE", "nice" },
	{ RLIMIT_RTPRIO, "RLIMIT_RTPRIO", "rtprio" },
	{ RLIMIT_RTTIME, "RLIMIT_RTTIME", "rttime" },
};

const char *ck__rlimit_name(int resource)
{
	for (size_t i = 0; i < sizeof(rlimits) / sizeof(rlimits[0]); i++)
		if (rlimits[i].resource == resource)
			return rlimits[i].name;
	return NULL;
}

const char *ck__rlimit_short_name(int resource)
{
	for (size_t i = 0; i < sizeof(rlimits) / sizeof(rlimits[0]); i++)
		if (rlimits[i].resource == resource)
			return rlimits[i].short_name;
	return NULL;
}

/* podman's defaults (containers/common pkg/config). */
const char *const ck__masked_paths[] = {
	"/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
	"/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware", "/sys/fs/selinux",
	"/sys/dev/block", NULL,
};

const char *const ck__readonly_paths[] = {
	"/proc/asound", "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger", NULL,
};

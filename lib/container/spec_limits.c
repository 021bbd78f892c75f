/* The spec's resource limits: rlimits (--ulimit), memory, CPUs and the pids
 * limit, checked as they are set. */
#define _GNU_SOURCE
#include "container_int.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>

static const struct {
	const char *name;
	int resource;
} rlimits[] = {
	{ "as", RLIMIT_AS },           { "core", RLIMIT_CORE },         { "cpu", RLIMIT_CPU },
	{ "data", RLIMIT_DATA },       { "fsize", RLIMIT_FSIZE },       { "locks", RLIMIT_LOCKS },
	{ "memlock", RLIMIT_MEMLOCK }, { "msgqueue", RLIMIT_MSGQUEUE }, { "nice", RLIMIT_NICE },
	{ "nofile", RLIMIT_NOFILE },   { "nproc", RLIMIT_NPROC },       { "rss", RLIMIT_RSS },
	{ "rtprio", RLIMIT_RTPRIO },   { "rttime", RLIMIT_RTTIME },     { "sigpending", RLIMIT_SIGPENDING },
	{ "stack", RLIMIT_STACK },
};

int ck__rlimit_from_name(const char *name)
{
	if (strncasecmp(name, "RLIMIT_", 7) == 0)
		name += 7;
	for (size_t i = 0; i < sizeof(rlimits) / sizeof(rlimits[0]); i++)
		if (strcasecmp(rlimits[i].name, name) == 0)
			return rlimits[i].resource;
	return -1;
}

const char *ck__rlimit_podman_name(int resource)
{
	for (size_t i = 0; i < sizeof(rlimits) / sizeof(rlimits[0]); i++)
		if (rlimits[i].resource == resource)
			return rlimits[i].name;
	return "?";
}

int ck_container_spec_set_ulimit(ck_container_spec *spec, const char *name, int64_t soft, int64_t hard)
{
	ck__ulimit *nu;
	int res;

	NEED_SPEC("set_ulimit");
	NEED_ARG("set_ulimit", name);
	if ((res = ck__rlimit_from_name(name)) < 0)
		return ck__error_set(CK_EINVAL, "invalid ulimit \"%s\": unknown resource (nofile, nproc, core, "
		                                "memlock, stack, ...)", name);
	if (soft < -1 || hard < -1 || (hard != -1 && (soft == -1 || soft > hard)))
		return ck__error_set(CK_EINVAL, "invalid ulimit %s: the soft limit %lld must not exceed the hard "
		                                "limit %lld", name, (long long)soft, (long long)hard);
	for (size_t i = 0; i < spec->n_ulimits; i++) {
		if (spec->ulimits[i].resource == res) {
			spec->ulimits[i].soft = soft;
			spec->ulimits[i].hard = hard;
			return CK_OK;
		}
	}
	if (!(nu = realloc(spec->ulimits, (spec->n_ulimits + 1) * sizeof(*nu))))
		return ck__oom();
	spec->ulimits = nu;
	spec->ulimits[spec->n_ulimits++] = (ck__ulimit){ res, soft, hard };
	return CK_OK;
}

static bool parse_limit(const char *s, int64_t *out)
{
	char *end;
	if (strcmp(s, "-1") == 0 || strcasecmp(s, "unlimited") == 0) {
		*out = -1;
		return true;
	}
	if (!isdigit((unsigned char)*s))
		return false;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno || *end)
		return false;
	*out = v;
	return true;
}

int ck_container_spec_add_ulimit_string(ck_container_spec *spec, const char *text)
{
	char name[32], soft[32], hard[32];
	const char *eq, *colon;
	int64_t s, h;

	NEED_SPEC("add_ulimit_string");
	NEED_ARG("add_ulimit_string", text);
	eq = strchr(text, '=');
	if (!eq || eq == text || (size_t)(eq - text) >= sizeof(name))
		goto bad;
	snprintf(name, sizeof(name), "%.*s", (int)(eq - text), text);
	colon = strchr(eq + 1, ':');
	if (colon) {
		if ((size_t)(colon - eq - 1) >= sizeof(soft) || strlen(colon + 1) >= sizeof(hard))
			goto bad;
		snprintf(soft, sizeof(soft), "%.*s", (int)(colon - eq - 1), eq + 1);
		snprintf(hard, sizeof(hard), "%s", colon + 1);
	} else {
		if (strlen(eq + 1) >= sizeof(soft))
			goto bad;
		snprintf(soft, sizeof(soft), "%s", eq + 1);
		snprintf(hard, sizeof(hard), "%s", eq + 1);
	}
	if (!parse_limit(soft, &s) || !parse_limit(hard, &h))
		goto bad;
	return ck_container_spec_set_ulimit(spec, name, s, h);
bad:
	return ck__error_set(CK_EINVAL, "invalid ulimit \"%s\": use NAME=SOFT[:HARD]", text);
}

int ck_container_spec_set_memory(ck_container_spec *spec, int64_t bytes)
{
	NEED_SPEC("set_memory");
	if (bytes < 0 || (bytes > 0 && bytes < 6 * 1024 * 1024))
		return ck__error_set(CK_EINVAL, "invalid memory limit %lld: the minimum is 6 MiB (podman's)",
		                     (long long)bytes);
	spec->memory = bytes;
	return CK_OK;
}

int ck_container_spec_set_memory_string(ck_container_spec *spec, const char *text)
{
	char *end;
	double v;
	int64_t mult = 1;

	NEED_SPEC("set_memory_string");
	NEED_ARG("set_memory_string", text);
	errno = 0;
	v = strtod(text, &end);
	if (errno || end == text || !isfinite(v) || v < 0 || !isdigit((unsigned char)text[0]))
		goto bad;
	switch (tolower((unsigned char)*end)) {
	case '\0': break;
	case 'b': mult = 1; end++; break;
	case 'k': mult = 1024; end++; break;
	case 'm': mult = 1024 * 1024; end++; break;
	case 'g': mult = 1024LL * 1024 * 1024; end++; break;
	case 't': mult = 1024LL * 1024 * 1024 * 1024; end++; break;
	default: goto bad;
	}
	if (mult > 1 && (*end == 'b' || *end == 'B'))
		end++;
	else if (mult > 1 && (*end == 'i' || *end == 'I') && (end[1] == 'b' || end[1] == 'B'))
		end += 2;
	if (*end || v * (double)mult > 9.0e18)
		goto bad;
	return ck_container_spec_set_memory(spec, (int64_t)(v * (double)mult));
bad:
	return ck__error_set(CK_EINVAL, "invalid memory size \"%s\": use NUMBER[b|k|m|g]", text);
}

int ck_container_spec_set_cpus(ck_container_spec *spec, double cpus)
{
	NEED_SPEC("set_cpus");
	if (!isfinite(cpus) || cpus < 0 || cpus > 4096)
		return ck__error_set(CK_EINVAL, "invalid number of CPUs %g", cpus);
	spec->cpus = cpus;
	return CK_OK;
}

int ck_container_spec_set_pids_limit(ck_container_spec *spec, int64_t limit)
{
	NEED_SPEC("set_pids_limit");
	if (limit < -1)
		return ck__error_set(CK_EINVAL, "invalid pids limit %lld", (long long)limit);
	spec->pids_limit = limit < 0 ? 0 : limit;
	return CK_OK;
}


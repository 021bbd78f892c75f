/* The healthcheck and sd_notify settings of a container spec, Go durations,
 * and how create merges them with the image's HEALTHCHECK (podman's rules:
 * a flag wins over the image, the image over the defaults). */
#define _GNU_SOURCE
#include "container_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>


static const char *const status_names[] = { "none", "starting", "healthy", "unhealthy" };
static const char *const on_failure_names[] = { "none", "kill", "restart", "stop" };

const char *ck_health_status_name(ck_health_status status)
{
	return (unsigned int)status < 4 ? status_names[status] : "";
}

ck_health_status ck__health_status_parse(const char *text)
{
	for (int i = 1; i < 4; i++)
		if (text && !strcmp(text, status_names[i]))
			return (ck_health_status)i;
	return CK_HEALTH_NONE;
}

int ck_duration_parse(int64_t *ns, const char *text)
{
	static const struct { const char *unit; double ns; } units[] = {
		{ "ns", 1 }, { "us", 1e3 }, { "\xc2\xb5s", 1e3 }, { "ms", 1e6 }, { "s", 1e9 }, { "m", 60e9 }, { "h", 3600e9 },
	};
	double total = 0;
	const char *p = text;

	CK_ENTER();
	if (!ns || !text)
		return ck__error_set(CK_EINVAL, "ck_duration_parse: an argument is NULL");
	*ns = 0;
	if (!strcmp(text, "0"))
		return CK_OK;
	if (!*p)
		goto bad;
	while (*p) {
		char *end;
		if (!((*p >= '0' && *p <= '9') || *p == '.'))
			goto bad;
		double v = strtod(p, &end);
		if (end == p)
			goto bad;
		p = end;
		size_t best = 0, best_len = 0;
		for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
			size_t l = strlen(units[i].unit);
			if (!strncmp(p, units[i].unit, l) && l > best_len) {
				best = i;
				best_len = l;
			}
		}
		if (!best_len)
			goto bad;
		p += best_len;
		total += v * units[best].ns;
	}
	if (!isfinite(total) || total > 9.2e18)
		goto bad;
	*ns = (int64_t)(total + 0.5);
	return CK_OK;
bad:
	return ck__error_set(CK_EINVAL, "invalid duration \"%s\": use a number with a unit, such as 30s, 1m30s or "
	                                "500ms", text);
}

static int set_test(ck_container_spec *spec, const char *const *test)
{
	char **copy = NULL;
	int rc;

	if (!test || !test[0])
		return ck__error_set(CK_EINVAL, "healthcheck: the command is empty");
	if (!strcmp(test[0], "NONE")) {
		if (test[1])
			return ck__error_set(CK_EINVAL, "healthcheck: NONE takes no arguments");
	} else if (!strcmp(test[0], "CMD-SHELL")) {
		if (!test[1] || !*test[1] || test[2])
			return ck__error_set(CK_EINVAL, "healthcheck: CMD-SHELL takes exactly one non-empty command "
			                                "string");
	} else if (!strcmp(test[0], "CMD")) {
		if (!test[1] || !*test[1])
			return ck__error_set(CK_EINVAL, "healthcheck: CMD needs a command");
	}
	if (strcmp(test[0], "CMD") && strcmp(test[0], "CMD-SHELL") && strcmp(test[0], "NONE")) {
		/* A bare list is the command itself, as podman takes it. */
		if ((rc = ck__strv_push(&copy, "CMD")) != CK_OK)
			return rc;
	}
	for (size_t i = 0; test[i]; i++)
		if ((rc = ck__strv_push(&copy, test[i])) != CK_OK) {
			ck_strv_free(copy);
			return rc;
		}
	ck_strv_free(spec->health_test);
	spec->health_test = copy;
	return CK_OK;
}

int ck_container_spec_set_health_test(ck_container_spec *spec, const char *const *test)
{
	NEED_SPEC("set_health_test");
	return set_test(spec, test);
}

/* A JSON array of strings, or NULL when `text` is not one. */
static int json_strv(char ***out, const char *text)
{
	yajl_val tree = NULL;
	int rc;

	*out = NULL;
	if ((rc = ck__json_parse(&tree, text, "--health-cmd", CK_EINVAL)) != CK_OK)
		return rc;
	if (!YAJL_IS_ARRAY(tree)) {
		yajl_tree_free(tree);
		return ck__error_set(CK_EINVAL, "invalid --health-cmd %s: a JSON value must be an array of strings",
		                     text);
	}
	for (size_t i = 0; i < tree->u.array.len; i++)
		if (!YAJL_IS_STRING(tree->u.array.values[i])) {
			yajl_tree_free(tree);
			return ck__error_set(CK_EINVAL, "invalid --health-cmd %s: the array must hold strings", text);
		}
	rc = ck__strv_from_json(out, tree);
	yajl_tree_free(tree);
	return rc;
}

int ck_container_spec_set_health_cmd(ck_container_spec *spec, const char *text)
{
	char **v = NULL;
	int rc;

	NEED_SPEC("set_health_cmd");
	if (!text || !*text)
		return ck__error_set(CK_EINVAL, "--health-cmd: the command is empty");
	if (!strcasecmp(text, "none"))
		return set_test(spec, (const char *const[]){ "NONE", NULL });
	if (text[0] == '[') {
		if ((rc = json_strv(&v, text)) != CK_OK)
			return rc;
		rc = set_test(spec, (const char *const *)v);
		ck_strv_free(v);
		return rc;
	}
	return set_test(spec, (const char *const[]){ "CMD-SHELL", text, NULL });
}

static int set_duration(ck_container_spec *spec, int64_t *slot, bool *is_set, int64_t ns, int64_t min,
                        const char *flag, bool zero_ok)
{
	(void)spec;
	if (ns < 0 || (ns < min && !(zero_ok && ns == 0)))
		return ck__error_set(CK_EINVAL, "%s must be at least %s%s", flag, min >= 1000000000 ? "1 second" : "0",
		                     zero_ok && min ? " (or 0 to disable)" : "");
	*slot = ns;
	*is_set = true;
	return CK_OK;
}

int ck_container_spec_set_health_interval(ck_container_spec *spec, int64_t ns)
{
	NEED_SPEC("set_health_interval");
	return set_duration(spec, &spec->health_interval, &spec->health_interval_set, ns, 1000000000,
	                    "--health-interval", true);
}

int ck_container_spec_set_health_timeout(ck_container_spec *spec, int64_t ns)
{
	NEED_SPEC("set_health_timeout");
	return set_duration(spec, &spec->health_timeout, &spec->health_timeout_set, ns, 1000000000,
	                    "--health-timeout", false);
}

int ck_container_spec_set_health_start_period(ck_container_spec *spec, int64_t ns)
{
	NEED_SPEC("set_health_start_period");
	return set_duration(spec, &spec->health_start_period, &spec->health_start_period_set, ns, 0,
	                    "--health-start-period", true);
}

int ck_container_spec_set_health_retries(ck_container_spec *spec, unsigned int retries)
{
	NEED_SPEC("set_health_retries");
	if (retries < 1 || retries > 1000000)
		return ck__error_set(CK_EINVAL, "--health-retries must be at least 1 (got %u)", retries);
	spec->health_retries = retries;
	spec->health_retries_set = true;
	return CK_OK;
}

int ck_container_spec_set_health_on_failure(ck_container_spec *spec, const char *action)
{
	NEED_SPEC("set_health_on_failure");
	for (int i = 0; action && i < 4; i++)
		if (!strcmp(action, on_failure_names[i])) {
			spec->health_on_failure = i;
			return CK_OK;
		}
	return ck__error_set(CK_EINVAL, "invalid --health-on-failure \"%s\": use none, kill, restart or stop",
	                     action ? action : "(null)");
}

int ck_container_spec_set_no_healthcheck(ck_container_spec *spec, int on)
{
	NEED_SPEC("set_no_healthcheck");
	if (on != 0 && on != 1)
		return ck__error_set(CK_EINVAL, "ck_container_spec_set_no_healthcheck: on must be 0 or 1");
	spec->no_healthcheck = on;
	return CK_OK;
}

int ck_container_spec_set_sdnotify(ck_container_spec *spec, const char *mode)
{
	static const char *const modes[] = { "conmon", "container", "healthy", "ignore" };

	NEED_SPEC("set_sdnotify");
	for (size_t i = 0; mode && i < 4; i++)
		if (!strcmp(mode, modes[i])) {
			char *m = strdup(mode);
			if (!m)
				return ck__oom();
			free(spec->sdnotify);
			spec->sdnotify = m;
			return CK_OK;
		}
	return ck__error_set(CK_EINVAL, "invalid --sdnotify \"%s\": use conmon, container, healthy or ignore",
	                     mode ? mode : "(null)");
}

/* ---- at create ---- */

int ck__ctr_health_config(ck__ctr_config *c, const ck_container_spec *spec, const ck__health_image *img)
{
	const char *mode = spec->sdnotify ? spec->sdnotify : "conmon";
	const char *sock = getenv("NOTIFY_SOCKET");
	char *const *test = spec->health_test ? spec->health_test : img->test;
	int rc;

	if (spec->no_healthcheck && spec->health_test && strcmp(spec->health_test[0], "NONE") != 0)
		return ck__error_set(CK_EINVAL, "--no-healthcheck conflicts with --health-cmd");
	if (spec->no_healthcheck || (test && (!test[0] || !strcmp(test[0], "NONE"))))
		test = NULL;
	if (test && strcmp(test[0], "CMD") && strcmp(test[0], "CMD-SHELL"))
		return ck__error_set(CK_EINVAL, "the image's healthcheck \"%s\" is neither CMD nor CMD-SHELL", test[0]);
	if (!strcmp(mode, "healthy") && !test)
		return ck__error_set(CK_EINVAL, "--sdnotify=healthy needs a healthcheck (--health-cmd, or an image "
		                                "with one)");
	if (test) {
		if ((rc = ck__strv_dup(&c->health_test, (const char *const *)test)) != CK_OK)
			return rc;
		c->health_interval = spec->health_interval_set ? spec->health_interval
		                     : img->interval > 0   ? img->interval
		                                           : CK__HEALTH_DEFAULT_INTERVAL;
		c->health_timeout = spec->health_timeout_set ? spec->health_timeout
		                    : img->timeout > 0   ? img->timeout
		                                         : CK__HEALTH_DEFAULT_TIMEOUT;
		c->health_start_period = spec->health_start_period_set ? spec->health_start_period
		                         : img->start_period > 0   ? img->start_period
		                                                   : 0;
		c->health_retries = spec->health_retries_set ? (int)spec->health_retries
		                    : img->retries > 0   ? img->retries
		                                         : CK__HEALTH_DEFAULT_RETRIES;
		c->health_on_failure = spec->health_on_failure;
	}
	if (!(c->sdnotify = strdup(mode)) || !(c->notify_socket = strdup(sock && strcmp(mode, "ignore") ? sock : "")))
		return ck__oom();
	return CK_OK;
}

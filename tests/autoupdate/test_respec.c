/* The spec made back from a container's record (lib/container/respec.c):
 * what the caller gave comes back, what create added by itself does not,
 * and a container created from it is the same container under a new id. */
#define _GNU_SOURCE
#include "container/container_int.h"
#include "container/ctr_common.h"

#include <stdlib.h>
#include <string.h>

static bool strv_has(char *const *v, const char *s)
{
	for (size_t i = 0; v && v[i]; i++)
		if (!strcmp(v[i], s))
			return true;
	return false;
}

static size_t strv_len(const char *const *v)
{
	size_t n = 0;
	while (v && v[n])
		n++;
	return n;
}

static void respec_gives_back_what_the_caller_gave(void)
{
	ck_context *ctx = tc_ctx();
	ck_container_spec *spec = NULL, *again = NULL;
	ck_container *ctr = NULL, *copy = NULL;

	CK_CHECK_OK(ck_container_spec_new(&spec));
	CK_CHECK_OK(ck_container_spec_set_image(spec, "busybox"));
	CK_CHECK_OK(ck_container_spec_set_name(spec, "respec1"));
	CK_CHECK_OK(ck_container_spec_set_command(spec, (const char *[]){ "sleep", "5", NULL }));
	CK_CHECK_OK(ck_container_spec_set_env(spec, "FOO", "bar"));
	CK_CHECK_OK(ck_container_spec_set_label(spec, "io.containers.autoupdate", "local"));
	CK_CHECK_OK(ck_container_spec_set_workdir(spec, "/tmp"));
	CK_CHECK_OK(ck_container_spec_set_hostname(spec, "myhost"));
	CK_CHECK_OK(ck_container_spec_add_volume(spec, "respec-vol", "/data", NULL));
	CK_CHECK_OK(ck_container_spec_set_restart_policy(spec, "on-failure:2"));
	CK_CHECK_OK(ck_container_spec_set_stop_timeout(spec, 3));
	CK_CHECK_OK(ck_container_spec_set_runtime(spec, tc_runtime()));
	CK_CHECK_OK(ck_container_spec_set_health_cmd(spec, "test -d /data"));
	CK_CHECK_OK(ck_container_spec_set_health_interval(spec, 2000000000LL));
	CK_CHECK_OK(ck_container_spec_set_create_command(spec, (const char *[]){ "ck", "run", "busybox", NULL }));
	CK_CHECK_OK(ck_container_spec_add_host(spec, "db.example:192.0.2.7"));
	CK_CHECK_OK(ck_container_spec_add_dns(spec, "192.0.2.53"));
	CK_CHECK_OK(ck_container_spec_add_dns_search(spec, "corp.example"));
	CK_CHECK_OK(ck_container_spec_add_dns_option(spec, "ndots:2"));
	CK_CHECK_OK(ck_container_create(&ctr, ctx, spec));
	ck_container_spec_free(spec);
	if (!ctr)
		return;
	CK_CHECK_OK(ck__ctr_spec_from_record(&again, ctr));
	if (!again)
		goto out;
	/* the image as the caller named it, not as it was resolved */
	CK_CHECK_STR(again->image, "busybox");
	CK_CHECK_STR(again->name, "respec1");
	CK_CHECK(again->command_set && !again->entrypoint_set);
	CK_CHECK(again->command && !strcmp(again->command[0], "sleep") && !strcmp(again->command[1], "5"));
	CK_CHECK_STR(ck__strmap_get(&again->env, "FOO"), "bar");
	CK_CHECK(!ck__strmap_get(&again->env, "container"));   /* create adds it */
	CK_CHECK(!ck__strmap_get(&again->env, "PATH"));        /* the image's */
	CK_CHECK_STR(ck__strmap_get(&again->labels, "io.containers.autoupdate"), "local");
	CK_CHECK_STR(again->workdir, "/tmp");
	CK_CHECK_STR(again->hostname, "myhost");
	CK_CHECK_STR(again->restart_policy, "on-failure");
	CK_CHECK(again->restart_max == 2);
	CK_CHECK(again->stop_timeout == 3);
	/* the healthcheck the caller gave, and the command line that made it */
	CK_CHECK(again->health_test && !strcmp(again->health_test[0], "CMD-SHELL") &&
	         !strcmp(again->health_test[1], "test -d /data"));
	CK_CHECK(again->health_interval_set && again->health_interval == 2000000000LL);
	CK_CHECK(!again->health_timeout_set && !again->health_retries_set && !again->no_healthcheck);
	CK_CHECK(again->create_command && !strcmp(again->create_command[1], "run"));
	/* --add-host and --dns* */
	CK_CHECK(strv_len((const char *const *)again->extra.add_hosts) == 1 &&
	         !strcmp(again->extra.add_hosts[0], "db.example:192.0.2.7"));
	CK_CHECK(strv_len((const char *const *)again->extra.dns) == 1 && !strcmp(again->extra.dns[0], "192.0.2.53"));
	CK_CHECK(strv_len((const char *const *)again->extra.dns_search) == 1 &&
	         !strcmp(again->extra.dns_search[0], "corp.example"));
	CK_CHECK(strv_len((const char *const *)again->extra.dns_options) == 1 &&
	         !strcmp(again->extra.dns_options[0], "ndots:2"));
	CK_CHECK(again->n_mounts == 1);
	if (again->n_mounts == 1) {
		CK_CHECK_STR(again->mounts[0].source, "respec-vol");
		CK_CHECK_STR(again->mounts[0].destination, "/data");
		CK_CHECK(!again->mounts[0].created_volume); /* a failed create must not remove it */
	}
	/* The same container again, once the name is free. */
	CK_CHECK_OK(ck_container_rename(ctr, "respec1-old"));
	CK_CHECK_OK(ck_container_create(&copy, ctx, again));
	if (copy) {
		CK_CHECK(strcmp(ck_container_id(copy), ck_container_id(ctr)) != 0);
		CK_CHECK_STR(ck_container_name(copy), "respec1");
		CK_CHECK_STR(ck_container_image_id(copy), ck_container_image_id(ctr));
		CK_CHECK_STR(ck_container_hostname(copy), "myhost");
		CK_CHECK_STR(ck_container_workdir(copy), "/tmp");
		const char *const *e1 = ck_container_env(ctr), *const *e2 = ck_container_env(copy);
		CK_CHECK(strv_len(e1) == strv_len(e2));
		for (size_t i = 0; e1 && e1[i]; i++)
			CK_CHECK(strv_has((char *const *)e2, e1[i]));
		CK_CHECK(ck_container_label_count(copy) == ck_container_label_count(ctr));
		ck_healthcheck_config h1 = CK_HEALTHCHECK_CONFIG_INIT, h2 = CK_HEALTHCHECK_CONFIG_INIT;
		CK_CHECK_OK(ck_container_healthcheck_config(&h1, ctr));
		CK_CHECK_OK(ck_container_healthcheck_config(&h2, copy));
		CK_CHECK(h2.test && h1.test && !strcmp(h2.test[1], h1.test[1]));
		CK_CHECK(h1.interval_ns == h2.interval_ns && h1.timeout_ns == h2.timeout_ns && h1.retries == h2.retries);
		CK_CHECK_OK(ck_container_remove(copy, CK_REMOVE_FORCE));
	}
	/* the volume outlives both */
	CK_CHECK_OK(ck_container_remove(ctr, CK_REMOVE_FORCE));
	ck_volume *vol = NULL;
	CK_CHECK_OK(ck_volume_lookup(&vol, ctx, "respec-vol"));
	ck_volume_free(vol);
out:
	ck_container_spec_free(again);
	ck_container_free(copy);
	ck_container_free(ctr);
}

static void respec_default_hostname_is_not_carried_over(void)
{
	ck_context *ctx = tc_ctx();
	ck_container_spec *spec = tc_spec("true"), *again = NULL;
	ck_container *ctr = tc_create(spec);

	if (!ctr)
		return;
	CK_CHECK_OK(ck__ctr_spec_from_record(&again, ctr));
	if (again) {
		/* the id's prefix, chosen by create: the new container gets its own */
		CK_CHECK(again->hostname == NULL);
		CK_CHECK(!ck__strmap_get(&again->env, "HOSTNAME"));
	}
	ck_container_spec_free(again);
	CK_CHECK_OK(ck_container_remove(ctr, CK_REMOVE_FORCE));
	ck_container_free(ctr);
	(void)ctx;
}

static void api_refuses_bad_input(void)
{
	ck_autoupdate_options o;
	ck_autoupdate_report *r = NULL;
	char *json = NULL;

	CK_CHECK_RC(ck_autoupdate_options_init(&o, 99), CK_EVERSION);
	CK_CHECK_CONTAINS(ck_error_last()->message, "unknown version 99");
	CK_CHECK_OK(ck_autoupdate_options_init(&o, CK_AUTOUPDATE_OPTIONS_VERSION));
	CK_CHECK(o.rollback == 1 && o.dry_run == 0 && o.tls_verify == -1);
	CK_CHECK_RC(ck_autoupdate_run(NULL, tc_ctx(), &o), CK_EINVAL);
	o.tls_verify = 7;
	CK_CHECK_RC(ck_autoupdate_run(&r, tc_ctx(), &o), CK_EINVAL);
	CK_CHECK_CONTAINS(ck_error_last()->message, "tls_verify");
	CK_CHECK(r == NULL);
	/* nothing labelled: an empty report */
	CK_CHECK_OK(ck_autoupdate_run(&r, tc_ctx(), NULL));
	CK_CHECK(ck_autoupdate_report_count(r) == 0);
	CK_CHECK(ck_autoupdate_report_byindex(r, 0) == NULL);
	CK_CHECK_OK(ck_autoupdate_report_json(&json, r));
	CK_CHECK_STR(json, "[]");
	ck_free(json);
	ck_autoupdate_report_free(r);
	CK_CHECK_STR(ck_autoupdate_result_name(CK_AUTOUPDATE_ROLLED_BACK), "rolled back");
	CK_CHECK_STR(ck_autoupdate_result_name(CK_AUTOUPDATE_UPDATED), "true");
	CK_CHECK(ck_autoupdate_result_name((ck_autoupdate_result)42) == NULL);
}

CK_TESTS(CK_TEST(respec_gives_back_what_the_caller_gave), CK_TEST(respec_default_hostname_is_not_carried_over),
         CK_TEST(api_refuses_bad_input))

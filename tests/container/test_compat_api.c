/* The API added for podman compatibility, without a runtime: the run
 * settings of 1.1 refuse bad input by name and survive a record round trip,
 * and the versioned structs and typed lists refuse what they do not know. */
#define _GNU_SOURCE
#include "container/container_int.h"
#include "harness.h"

#include <stdlib.h>
#include <string.h>

static void compat_spec_settings_refuse_bad_input_by_name(void)
{
	ck_container_spec *s = NULL;

	CK_CHECK_OK(ck_container_spec_new(&s));
	CK_CHECK_RC(ck_container_spec_set_namespace(s, "net", "host"), CK_EINVAL);
	CK_CHECK_CONTAINS(ck_error_last()->message, "\"net\"");
	CK_CHECK_RC(ck_container_spec_set_namespace(s, "ipc", "container:web"), CK_EUNSUPPORTED);
	CK_CHECK_CONTAINS(ck_error_last()->message, "--ipc container:web");
	CK_CHECK_RC(ck_container_spec_add_security_opt(s, "apparmor=unconfined"), CK_EUNSUPPORTED);
	CK_CHECK_CONTAINS(ck_error_last()->message, "apparmor=unconfined");
	CK_CHECK_RC(ck_container_spec_set_umask(s, "0999"), CK_EINVAL);
	CK_CHECK_CONTAINS(ck_error_last()->message, "0999");
	CK_CHECK_RC(ck_container_spec_set_timezone(s, "../etc/passwd"), CK_EINVAL);
	CK_CHECK_RC(ck_container_spec_set_systemd(s, "maybe"), CK_EINVAL);
	CK_CHECK_RC(ck_container_spec_add_annotation(s, "=x"), CK_EINVAL);
	CK_CHECK_RC(ck_container_spec_set_shm_size(s, -1), CK_EINVAL);
	CK_CHECK_RC(ck_container_spec_add_device(s, "dev/zero"), CK_EINVAL);
	CK_CHECK_CONTAINS(ck_error_last()->message, "\"dev/zero\" is not an absolute path");
	CK_CHECK_RC(ck_container_spec_add_device(s, "/dev/zero:/dev/z:rx"), CK_EINVAL);
	CK_CHECK_CONTAINS(ck_error_last()->message, "invalid device mode: rx");
	CK_CHECK_RC(ck_container_spec_add_device(s, "/dev/zero:z:r"), CK_EINVAL);
	CK_CHECK_CONTAINS(ck_error_last()->message, "\"z\" is not absolute");
	CK_CHECK_RC(ck_container_spec_add_device(s, "/dev/zero:rr"), CK_EINVAL);
	CK_CHECK_RC(ck_container_spec_add_device(s, ""), CK_EINVAL);
	CK_CHECK_RC(ck_container_spec_add_host(s, "db"), CK_EINVAL);
	CK_CHECK_RC(ck_container_spec_add_host(s, "db:10.0.0"), CK_EINVAL);
	CK_CHECK_CONTAINS(ck_error_last()->message, "invalid --add-host \"db:10.0.0\"");
	CK_CHECK_RC(ck_container_spec_add_dns(s, "example.com"), CK_EINVAL);
	CK_CHECK_RC(ck_container_spec_add_dns_search(s, "a b"), CK_EINVAL);
	CK_CHECK_RC(ck_container_spec_unset_env(s, ""), CK_EINVAL);
	CK_CHECK_RC(ck_container_spec_unset_env(NULL, "PATH"), CK_EINVAL);
	/* nothing of the refused values was kept */
	CK_CHECK(!s->extra.ipc && !s->extra.umask && !s->extra.tz && !s->extra.systemd && !s->extra.annotations &&
	         !s->extra.devices && !s->extra.add_hosts && !s->extra.dns && !s->extra.dns_search);
	CK_CHECK_OK(ck_container_spec_set_namespace(s, "uts", "host"));
	CK_CHECK_OK(ck_container_spec_set_namespace(s, "uts", "private"));
	CK_CHECK(!s->extra.uts);
	ck_container_spec_free(s);
}

static void compat_settings_survive_the_record(void)
{
	ck_container_spec *s = NULL;
	ck__ctr_config c, back;
	char *json = NULL;

	memset(&c, 0, sizeof(c));
	CK_CHECK_OK(ck_container_spec_new(&s));
	CK_CHECK_OK(ck_container_spec_add_annotation(s, "note=hi"));
	CK_CHECK_OK(ck_container_spec_set_namespace(s, "pid", "host"));
	CK_CHECK_OK(ck_container_spec_set_privileged(s, 1));
	CK_CHECK_OK(ck_container_spec_add_security_opt(s, "no-new-privileges"));
	CK_CHECK_OK(ck_container_spec_set_shm_size(s, 1 << 20));
	CK_CHECK_OK(ck_container_spec_set_umask(s, "0077"));
	CK_CHECK_OK(ck_container_spec_set_systemd(s, "always"));
	CK_CHECK_OK(ck_container_spec_add_device(s, "/dev/zero"));
	CK_CHECK_OK(ck_container_spec_add_device(s, "/dev/null:r"));
	CK_CHECK_OK(ck_container_spec_add_device(s, "/dev/full:/dev/f"));
	CK_CHECK_OK(ck_container_spec_add_host(s, "v6:fd00::1"));
	CK_CHECK_OK(ck_container_spec_add_dns(s, "none"));
	CK_CHECK_OK(ck_container_spec_add_dns_option(s, "ndots:2"));
	CK_CHECK_OK(ck_container_spec_set_no_hosts(s, 1));
	CK_CHECK_OK(ck__ctr_extra_copy(&c.extra, &s->extra));
	c.id = strdup("4f1c");
	c.name = strdup("x");
	CK_CHECK_OK(ck__ctr_config_json(&json, &c));
	CK_CHECK_OK(ck__ctr_config_parse(&back, json));
	CK_CHECK(back.extra.annotations && !strcmp(back.extra.annotations[0], "note=hi"));
	CK_CHECK_STR(back.extra.pid, "host");
	CK_CHECK(back.extra.privileged && back.extra.no_new_privileges && !back.extra.seccomp_unconfined);
	CK_CHECK(back.extra.shm_size == 1 << 20);
	CK_CHECK_STR(back.extra.umask, "0077");
	CK_CHECK_STR(back.extra.systemd, "always");
	/* each --device recorded whole: host, container and permissions */
	CK_CHECK(ck__strv_len(back.extra.devices) == 3);
	if (ck__strv_len(back.extra.devices) == 3) {
		CK_CHECK_STR(back.extra.devices[0], "/dev/zero:/dev/zero:rwm");
		CK_CHECK_STR(back.extra.devices[1], "/dev/null:/dev/null:r");
		CK_CHECK_STR(back.extra.devices[2], "/dev/full:/dev/f:rwm");
	}
	CK_CHECK(back.extra.add_hosts && !strcmp(back.extra.add_hosts[0], "v6:fd00::1"));
	CK_CHECK(back.extra.dns && !strcmp(back.extra.dns[0], "none"));
	CK_CHECK(back.extra.dns_options && !strcmp(back.extra.dns_options[0], "ndots:2") &&
	         (!back.extra.dns_search || !back.extra.dns_search[0]));
	CK_CHECK(back.extra.no_hosts);
	ck__ctr_config_free(&back);
	ck__ctr_config_free(&c);
	free(json);
	ck_container_spec_free(s);
}

static void compat_versioned_structs_and_lists_refuse_the_unknown(void)
{
	ck_commit_options o;
	ck_system_df_report df;

	CK_CHECK_RC(ck_commit_options_init(&o, 99), CK_EVERSION);
	CK_CHECK_OK(ck_commit_options_init(&o, CK_COMMIT_OPTIONS_VERSION));
	CK_CHECK(o.format == CK_COMMIT_FORMAT_OCI && !o.changes && !o.pause);
	CK_CHECK_RC(ck_system_df_report_init(&df, 0), CK_EVERSION);
	CK_CHECK_OK(ck_system_df_report_init(&df, CK_SYSTEM_DF_REPORT_VERSION));
	df.version = 7;
	CK_CHECK_RC(ck_system_df(&df, NULL), CK_EINVAL);
	CK_CHECK(ck_change_list_count(NULL) == 0);
	CK_CHECK(ck_change_list_path(NULL, 0) == NULL);
	CK_CHECK(ck_change_list_kind(NULL, 0) == -1);
	ck_change_list_free(NULL);
	CK_CHECK_RC(ck_container_pause(NULL), CK_EINVAL);
	CK_CHECK_RC(ck_container_commit(NULL, NULL, NULL), CK_EINVAL);
	CK_CHECK_RC(ck_system_prune(NULL, NULL, 0), CK_EINVAL);
	CK_CHECK_RC(ck_pod_pause(NULL), CK_EINVAL);
}

CK_TESTS(CK_TEST(compat_spec_settings_refuse_bad_input_by_name), CK_TEST(compat_settings_survive_the_record),
         CK_TEST(compat_versioned_structs_and_lists_refuse_the_unknown))

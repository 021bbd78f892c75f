/* The public reference API and the pull policy: what a caller gets instead
 * of cutting names up itself, through the shared library only. */
#include <containerkit.h>
#include "harness.h"

#include <stdbool.h>

struct want {
	const char *text, *dflt, *name, *registry, *repo, *repo_name, *tag, *digest;
};

#define D64 "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static void reference_parts_are_normalised(void)
{
	static const struct want cases[] = {
		{ "busybox", NULL, "docker.io/library/busybox:latest", "docker.io", "library/busybox",
		  "docker.io/library/busybox", "latest", NULL },
		{ "docker://quay.io/a/b:v1", NULL, "quay.io/a/b:v1", "quay.io", "a/b", "quay.io/a/b", "v1", NULL },
		{ "127.0.0.1:5000/bb@" D64, NULL, "127.0.0.1:5000/bb@" D64, "127.0.0.1:5000", "bb",
		  "127.0.0.1:5000/bb", NULL, D64 },
		{ "localhost/app:2", NULL, "localhost/app:2", "localhost", "app", "localhost/app", "2", NULL },
		{ "app", "localhost", "localhost/app:latest", "localhost", "app", "localhost/app", "latest", NULL },
		{ "r.io/x:t@" D64, NULL, "r.io/x:t@" D64, "r.io", "x", "r.io/x", "t", D64 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct want *w = &cases[i];
		ck_image_reference *r = NULL;
		CK_CHECK_OK(ck_image_reference_parse(&r, w->text, w->dflt));
		CK_CHECK_STR(ck_image_reference_name(r), w->name);
		CK_CHECK_STR(ck_image_reference_registry(r), w->registry);
		CK_CHECK_STR(ck_image_reference_repository(r), w->repo);
		CK_CHECK_STR(ck_image_reference_repository_name(r), w->repo_name);
		if (w->tag)
			CK_CHECK_STR(ck_image_reference_tag(r), w->tag);
		else
			CK_CHECK(ck_image_reference_tag(r) == NULL);
		if (w->digest)
			CK_CHECK_STR(ck_image_reference_digest(r), w->digest);
		else
			CK_CHECK(ck_image_reference_digest(r) == NULL);
		ck_image_reference_free(r);
	}
	CK_CHECK(ck_image_reference_is_short("busybox") && ck_image_reference_is_short("library/busybox"));
	CK_CHECK(!ck_image_reference_is_short("quay.io/a/b") && !ck_image_reference_is_short("localhost/a"));
	CK_CHECK(!ck_image_reference_is_short("") && !ck_image_reference_is_short(NULL));
	ck_image_reference_free(NULL);
}

static void bad_references_name_the_problem(void)
{
	static const struct {
		const char *text, *says;
	} cases[] = {
		{ "", "empty" },
		{ "Busybox", "must be lowercase" },
		{ "busybox:bad tag", "busybox:bad tag" },
		{ "busybox@sha256:123", "sha256:123" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ck_image_reference *r = (ck_image_reference *)&r; /* must come back NULL */
		CK_CHECK_RC(ck_image_reference_parse(&r, cases[i].text, NULL), CK_EINVAL);
		CK_CHECK(r == NULL);
		CK_CHECK_CONTAINS(ck_error_last()->message, cases[i].says);
	}
}

static void pull_policy_parses_podman_spellings(void)
{
	static const struct {
		const char *text;
		ck_image_pull_policy want;
	} cases[] = {
		{ "missing", CK_PULL_MISSING }, { "always", CK_PULL_ALWAYS }, { "never", CK_PULL_NEVER },
		{ "newer", CK_PULL_NEWER },     { "Always", CK_PULL_ALWAYS }, { "ifnewer", CK_PULL_NEWER },
		{ "true", CK_PULL_ALWAYS },     { "false", CK_PULL_NEVER },
	};
	ck_image_pull_policy p = CK_PULL_NEVER;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CK_CHECK_OK(ck_image_pull_policy_parse(&p, cases[i].text));
		CK_CHECK(p == cases[i].want);
	}
	CK_CHECK_RC(ck_image_pull_policy_parse(&p, "sometimes"), CK_EINVAL);
	CK_CHECK_CONTAINS(ck_error_last()->message, "\"sometimes\"");
}

static void get_with_policy_never_does_not_pull(void)
{
	ck_context_options o = CK_CONTEXT_OPTIONS_INIT;
	ck_context *ctx = NULL;
	ck_image *img = NULL;
	char *dir = ck_test_tmpdir("reference"), root[1024], run[1024];

	snprintf(root, sizeof(root), "%s/root", dir);
	snprintf(run, sizeof(run), "%s/run", dir);
	o.root = root;
	o.runroot = run;
	o.flags = CK_CONTEXT_NO_ENV | CK_CONTEXT_NO_CONFIG;
	CK_CHECK_OK(ck_context_open(&ctx, &o));
	/* 127.0.0.1:1 answers nothing: a pull would fail with a network error */
	CK_CHECK_RC(ck_image_get(&img, ctx, "127.0.0.1:1/none:v1", CK_PULL_NEVER, NULL), CK_ENOTFOUND);
	CK_CHECK_CONTAINS(ck_error_last()->message, "pull policy is never");
	CK_CHECK(img == NULL);
	CK_CHECK(ck_image_get(&img, ctx, "127.0.0.1:1/none:v1", CK_PULL_MISSING, NULL) < 0);
	CK_CHECK_CONTAINS(ck_error_last()->message, "127.0.0.1:1");
	CK_CHECK_RC(ck_image_get(&img, ctx, "127.0.0.1:1/none:v1", (ck_image_pull_policy)7, NULL), CK_EINVAL);
	ck_context_free(ctx);
	ck_test_rmtree(dir);
	free(dir);
}

static ck_context *open_ctx(const char *dir)
{
	ck_context_options o = CK_CONTEXT_OPTIONS_INIT;
	ck_context *ctx = NULL;
	char root[1024], run[1024];

	snprintf(root, sizeof(root), "%s/root", dir);
	snprintf(run, sizeof(run), "%s/run", dir);
	o.root = root;
	o.runroot = run;
	o.flags = CK_CONTEXT_NO_ENV | CK_CONTEXT_NO_CONFIG;
	CK_CHECK_OK(ck_context_open(&ctx, &o));
	return ctx;
}

static bool has(const char *const *v, const char *s)
{
	for (; v && *v; v++)
		if (!strcmp(*v, s))
			return true;
	return false;
}

/* The config, history and digests of a loaded image, typed. */
static void image_config_and_history_are_typed(void)
{
	char *dir = ck_test_tmpdir("imgcfg"), cmd[4096], archive[1100];
	ck_context *ctx = open_ctx(dir);
	ck_image *img = NULL;
	ck_image_config *cfg = NULL;
	ck_image_history_list *h = NULL;
	char **digests = NULL, *json = NULL;
	const char *k = NULL, *v = NULL;

	snprintf(archive, sizeof(archive), "%s/img.tar", dir);
	snprintf(cmd, sizeof(cmd), "python3 '%s' '%s' --format oci-archive --busybox --name localhost/typed:1 "
	         "--env APP=web --label app=web --label tier=front --cmd '[\"httpd\",\"-f\"]' "
	         "--entrypoint '[\"/bin/sh\",\"-c\"]' --workdir /srv --user 33 >/dev/null", CK_MKIMAGE, archive);
	CK_CHECK(system(cmd) == 0);
	CK_CHECK_OK(ck_image_load(NULL, ctx, archive, NULL, NULL));
	CK_CHECK_OK(ck_image_lookup(&img, ctx, "localhost/typed:1"));
	if (!img)
		goto out;
	CK_CHECK_STR(ck_image_os(img), "linux");
	CK_CHECK(ck_image_architecture(img) && *ck_image_architecture(img));
	CK_CHECK_OK(ck_image_config_read(&cfg, img));
	CK_CHECK_STR(ck_image_config_user(cfg), "33");
	CK_CHECK_STR(ck_image_config_workdir(cfg), "/srv");
	CK_CHECK(has(ck_image_config_env(cfg), "APP=web"));
	CK_CHECK_STR(ck_image_config_cmd(cfg)[0], "httpd");
	CK_CHECK_STR(ck_image_config_cmd(cfg)[1], "-f");
	CK_CHECK(ck_image_config_cmd(cfg)[2] == NULL);
	CK_CHECK_STR(ck_image_config_entrypoint(cfg)[0], "/bin/sh");
	CK_CHECK(ck_image_config_exposed_ports(cfg) && !ck_image_config_exposed_ports(cfg)[0]);
	CK_CHECK(ck_image_config_label_count(cfg) == 2);
	CK_CHECK_STR(ck_image_config_label(cfg, "tier"), "front");
	CK_CHECK(ck_image_config_label(cfg, "nope") == NULL);
	CK_CHECK_OK(ck_image_config_label_byindex(&k, &v, cfg, 1));
	CK_CHECK(k && v && !strcmp(ck_image_config_label(cfg, k), v));
	CK_CHECK_RC(ck_image_config_label_byindex(&k, &v, cfg, 2), CK_ENOTFOUND);
	/* the history: the same entries the JSON form shows */
	CK_CHECK_OK(ck_image_history_read(&h, img));
	CK_CHECK_OK(ck_image_history(&json, img));
	size_t n = ck_image_history_list_count(h);
	CK_CHECK(n >= 1);
	const ck_image_history_entry *e = ck_image_history_list_byindex(h, 0);
	CK_CHECK(e && e->version == CK_IMAGE_HISTORY_ENTRY_VERSION);
	if (e) {
		CK_CHECK_STR(e->id, ck_image_id(img));
		CK_CHECK_CONTAINS(json, e->created_by);
	}
	CK_CHECK(ck_image_history_list_byindex(h, n) == NULL);
	/* a name without a digest gets the image's manifest digest */
	CK_CHECK_OK(ck_image_repo_digests(&digests, img));
	CK_CHECK(digests && digests[0] && strstr(digests[0], "localhost/typed@sha256:"));
	CK_CHECK(digests && digests[0] && !strcmp(strchr(digests[0], '@') + 1, ck_image_digest(img)));
out:
	ck_strv_free(digests);
	ck_free(json);
	ck_image_history_list_free(h);
	ck_image_config_free(cfg);
	ck_image_free(img);
	ck_context_free(ctx);
	ck_test_rmtree(dir);
	free(dir);
}

CK_TESTS(CK_TEST(reference_parts_are_normalised), CK_TEST(image_config_and_history_are_typed), CK_TEST(bad_references_name_the_problem),
         CK_TEST(pull_policy_parses_podman_spellings), CK_TEST(get_with_policy_never_does_not_pull))

/* Image references: podman's grammar and normalization, table-driven, and
 * the expansion of short names through the search registries. */
#define _GNU_SOURCE
#include "image/image.h"
#include "harness.h"

#include <stdlib.h>
#include <string.h>

#define HEX64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define D "sha256:" HEX64

struct ref_case {
	const char *in, *default_registry;
	const char *want;   /* ck__ref_string, or NULL when parsing must fail */
	int code;           /* the failure's code */
	const char *reason; /* in the failure's message */
	const char *registry, *repo, *tag, *digest; /* checked when want != NULL and registry != NULL */
};

static const struct ref_case cases[] = {
	/* normalization */
	{ "busybox", "docker.io", "docker.io/library/busybox:latest", 0, NULL, "docker.io", "library/busybox",
	  "latest", NULL },
	{ "docker.io/busybox", NULL, "docker.io/library/busybox:latest", 0, NULL, "docker.io", "library/busybox",
	  "latest", NULL },
	{ "index.docker.io/busybox", NULL, "docker.io/library/busybox:latest", 0, NULL, NULL, NULL, NULL, NULL },
	{ "docker.io/library/busybox:1.36", NULL, "docker.io/library/busybox:1.36", 0, NULL, NULL, NULL, NULL, NULL },
	{ "docker.io/someone/tool", NULL, "docker.io/someone/tool:latest", 0, NULL, NULL, NULL, NULL, NULL },
	{ "library/busybox", "docker.io", "docker.io/library/busybox:latest", 0, NULL, NULL, NULL, NULL, NULL },
	{ "library/busybox", "localhost", "localhost/library/busybox:latest", 0, NULL, NULL, NULL, NULL, NULL },
	{ "busybox", "localhost", "localhost/busybox:latest", 0, NULL, NULL, NULL, NULL, NULL },
	{ "busybox", NULL, "busybox:latest", 0, NULL, NULL, NULL, NULL, NULL },
	{ "localhost/x", NULL, "localhost/x:latest", 0, NULL, "localhost", "x", "latest", NULL },
	{ "localhost/x", "docker.io", "localhost/x:latest", 0, NULL, NULL, NULL, NULL, NULL },
	{ "localhost:5000/a/b:tag", NULL, "localhost:5000/a/b:tag", 0, NULL, "localhost:5000", "a/b", "tag", NULL },
	{ "127.0.0.1:5000/foo", NULL, "127.0.0.1:5000/foo:latest", 0, NULL, "127.0.0.1:5000", "foo", "latest",
	  NULL },
	{ "quay.io/podman/stable:v4", NULL, "quay.io/podman/stable:v4", 0, NULL, NULL, NULL, NULL, NULL },
	{ "Example.COM/x", NULL, "Example.COM/x:latest", 0, NULL, NULL, NULL, NULL, NULL },
	{ "[::1]:5000/x", NULL, "[::1]:5000/x:latest", 0, NULL, "[::1]:5000", "x", "latest", NULL },
	{ "my-registry.example.com:443/team/app", NULL, "my-registry.example.com:443/team/app:latest", 0, NULL,
	  NULL, NULL, NULL, NULL },
	/* a bare host-like word is a repository, and ":5000" its tag */
	{ "localhost", "docker.io", "docker.io/library/localhost:latest", 0, NULL, NULL, NULL, NULL, NULL },
	{ "localhost:5000", "docker.io", "docker.io/library/localhost:5000", 0, NULL, NULL, NULL, NULL, NULL },
	/* digests */
	{ "busybox@" D, "docker.io", "docker.io/library/busybox@" D, 0, NULL, "docker.io", "library/busybox",
	  NULL, D },
	{ "busybox:1.0@" D, "docker.io", "docker.io/library/busybox:1.0@" D, 0, NULL, "docker.io",
	  "library/busybox", "1.0", D },
	{ "localhost:5000/x@" D, NULL, "localhost:5000/x@" D, 0, NULL, NULL, NULL, NULL, NULL },
	/* path components */
	{ "a.b-c/x__y.z-w/q", NULL, "a.b-c/x__y.z-w/q:latest", 0, NULL, "a.b-c", "x__y.z-w/q", "latest", NULL },
	{ "a--b", "localhost", "localhost/a--b:latest", 0, NULL, NULL, NULL, NULL, NULL },
	{ "a_b/c.d", "localhost", "localhost/a_b/c.d:latest", 0, NULL, NULL, NULL, NULL, NULL },
	{ "0/1/2", "localhost", "localhost/0/1/2:latest", 0, NULL, NULL, NULL, NULL, NULL },
	{ "a___b", NULL, NULL, CK_EINVAL, "separators", NULL, NULL, NULL, NULL },
	{ "a..b", NULL, NULL, CK_EINVAL, "separators", NULL, NULL, NULL, NULL },
	{ "a._b", NULL, NULL, CK_EINVAL, "separators", NULL, NULL, NULL, NULL },
	{ "-a", NULL, NULL, CK_EINVAL, "separators", NULL, NULL, NULL, NULL },
	{ "a-", NULL, NULL, CK_EINVAL, "separators", NULL, NULL, NULL, NULL },
	{ "_a", NULL, NULL, CK_EINVAL, "separators", NULL, NULL, NULL, NULL },
	{ "Busybox", NULL, NULL, CK_EINVAL, "repository name must be lowercase", NULL, NULL, NULL, NULL },
	{ "busyBox", NULL, NULL, CK_EINVAL, "repository name must be lowercase", NULL, NULL, NULL, NULL },
	{ "Foo/bar", NULL, NULL, CK_EINVAL, "repository name must be lowercase", NULL, NULL, NULL, NULL },
	{ "quay.io/Foo", NULL, NULL, CK_EINVAL, "repository name must be lowercase", NULL, NULL, NULL, NULL },
	{ "a//b", NULL, NULL, CK_EINVAL, "empty path component", NULL, NULL, NULL, NULL },
	{ "a/", NULL, NULL, CK_EINVAL, "ends with '/'", NULL, NULL, NULL, NULL },
	{ "/a", NULL, NULL, CK_EINVAL, "empty path component", NULL, NULL, NULL, NULL },
	{ "quay.io/", NULL, NULL, CK_EINVAL, "repository name is empty", NULL, NULL, NULL, NULL },
	{ "a/b!c", NULL, NULL, CK_EINVAL, "the character '!'", NULL, NULL, NULL, NULL },
	/* tags */
	{ "busybox:", NULL, NULL, CK_EINVAL, "tag after ':' is empty", NULL, NULL, NULL, NULL },
	{ "busybox:-x", NULL, NULL, CK_EINVAL, "tag must start", NULL, NULL, NULL, NULL },
	{ "busybox:.x", NULL, NULL, CK_EINVAL, "tag must start", NULL, NULL, NULL, NULL },
	{ "busybox:_x.Y-1", NULL, "busybox:_x.Y-1", 0, NULL, NULL, NULL, NULL, NULL },
	{ "busybox:a+b", NULL, NULL, CK_EINVAL, "tag may only have", NULL, NULL, NULL, NULL },
	{ "busybox:a/b", NULL, NULL, CK_EINVAL, NULL, NULL, NULL, NULL, NULL },
	{ ":latest", NULL, NULL, CK_EINVAL, "repository name is empty", NULL, NULL, NULL, NULL },
	/* digests that are wrong */
	{ "busybox@", NULL, NULL, CK_EINVAL, "digest after '@' is empty", NULL, NULL, NULL, NULL },
	{ "busybox@sha256:abc", NULL, NULL, CK_EINVAL, "64 lowercase hex", NULL, NULL, NULL, NULL },
	{ "busybox@sha256:" "0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef", NULL, NULL, CK_EINVAL,
	  "64 lowercase hex", NULL, NULL, NULL, NULL },
	{ "busybox@md5:0123", NULL, NULL, CK_EUNSUPPORTED, "not supported", NULL, NULL, NULL, NULL },
	{ "busybox@" D "@" D, NULL, NULL, CK_EINVAL, "more than one '@'", NULL, NULL, NULL, NULL },
	{ "@" D, NULL, NULL, CK_EINVAL, "repository name is empty", NULL, NULL, NULL, NULL },
	/* registries that are wrong */
	{ "localhost:99999/x", NULL, NULL, CK_EINVAL, "out of range", NULL, NULL, NULL, NULL },
	{ "localhost:0/x", NULL, NULL, CK_EINVAL, "out of range", NULL, NULL, NULL, NULL },
	{ "localhost:/x", NULL, NULL, CK_EINVAL, "port is empty", NULL, NULL, NULL, NULL },
	{ "localhost:50a/x", NULL, NULL, CK_EINVAL, "port is not a number", NULL, NULL, NULL, NULL },
	{ "exa_mple.com/x", NULL, NULL, CK_EINVAL, "registry host may only have", NULL, NULL, NULL, NULL },
	{ "-example.com/x", NULL, NULL, CK_EINVAL, "starts or ends with '-'", NULL, NULL, NULL, NULL },
	{ "example-.com/x", NULL, NULL, CK_EINVAL, "starts or ends with '-'", NULL, NULL, NULL, NULL },
	{ "example..com/x", NULL, NULL, CK_EINVAL, "empty label", NULL, NULL, NULL, NULL },
	{ ".example.com/x", NULL, NULL, CK_EINVAL, "empty label", NULL, NULL, NULL, NULL },
	{ "example.com./x", NULL, NULL, CK_EINVAL, "ends with a dot", NULL, NULL, NULL, NULL },
	{ "[::1/x", NULL, NULL, CK_EINVAL, "not closed", NULL, NULL, NULL, NULL },
	{ ":5000/x", NULL, NULL, CK_EINVAL, "empty host name", NULL, NULL, NULL, NULL },
	/* characters */
	{ "busy box", NULL, NULL, CK_EINVAL, "a space at position 5", NULL, NULL, NULL, NULL },
	{ "busybox\t", NULL, NULL, CK_EINVAL, "control or non-ASCII", NULL, NULL, NULL, NULL },
	{ "b\xc3\xa4r", NULL, NULL, CK_EINVAL, "control or non-ASCII", NULL, NULL, NULL, NULL },
	{ "", NULL, NULL, CK_EINVAL, "the reference is empty", NULL, NULL, NULL, NULL },
};

static void ref_parse_table(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct ref_case *c = &cases[i];
		ck__ref ref;
		int rc = ck__ref_parse(&ref, c->in, c->default_registry);

		if (c->want) {
			char *s = rc == CK_OK ? ck__ref_string(&ref) : NULL;
			if (rc != CK_OK || !s || strcmp(s, c->want)) {
				fprintf(stderr, "  case \"%s\" (default %s): got %s (rc %d: %s), want %s\n", c->in,
				        c->default_registry ? c->default_registry : "NULL", s ? s : "(none)", rc,
				        ck_error_last()->message, c->want);
				ck_test_failed_checks++;
			}
			if (rc == CK_OK && c->registry) {
				CK_CHECK_STR(ref.registry, c->registry);
				CK_CHECK_STR(ref.repo, c->repo);
				CK_CHECK(c->tag ? ref.tag && !strcmp(ref.tag, c->tag) : !ref.tag);
				CK_CHECK(c->digest ? ref.digest && !strcmp(ref.digest, c->digest) : !ref.digest);
			}
			free(s);
			ck__ref_free(&ref);
			continue;
		}
		if (rc != c->code || (c->reason && !strstr(ck_error_last()->message, c->reason))) {
			fprintf(stderr, "  case \"%s\": got rc %d (%s), want %d with \"%s\"\n", c->in, rc,
			        ck_error_last()->message, c->code, c->reason ? c->reason : "");
			ck_test_failed_checks++;
		}
		/* Every message names the reference that was given. */
		if (rc != CK_OK && *c->in && !strstr(ck_error_last()->message, c->in)) {
			fprintf(stderr, "  case \"%s\": the message does not name it: %s\n", c->in,
			        ck_error_last()->message);
			ck_test_failed_checks++;
		}
		CK_CHECK(!ref.registry && !ref.repo && !ref.tag && !ref.digest);
		if (rc == CK_OK)
			ck__ref_free(&ref);
	}
}

static void ref_length_limits(void)
{
	char name[400], tag[200];
	ck__ref ref;

	/* A tag of 128 characters is the longest. */
	memset(tag, 'a', 128);
	tag[128] = '\0';
	snprintf(name, sizeof(name), "x:%s", tag);
	CK_CHECK_OK(ck__ref_parse(&ref, name, "localhost"));
	ck__ref_free(&ref);
	snprintf(name, sizeof(name), "x:%sa", tag);
	CK_CHECK_RC(ck__ref_parse(&ref, name, "localhost"), CK_EINVAL);
	CK_CHECK_CONTAINS(ck_error_last()->message, "longer than 128");
	/* registry/repo of at most 255 characters, counted after normalization. */
	memset(name, 'a', 245);
	name[245] = '\0';
	CK_CHECK_OK(ck__ref_parse(&ref, name, "localhost")); /* "localhost/" + 245 = 255 */
	ck__ref_free(&ref);
	CK_CHECK_RC(ck__ref_parse(&ref, name, "docker.io"), CK_EINVAL); /* + "library/" */
	CK_CHECK_CONTAINS(ck_error_last()->message, "longer than 255");
}

static void ref_strings_and_short_names(void)
{
	ck__ref ref;
	char *s;

	CK_CHECK_OK(ck__ref_parse(&ref, "quay.io/a/b:1@" D, NULL));
	s = ck__ref_repo_string(&ref);
	CK_CHECK_STR(s, "quay.io/a/b");
	free(s);
	ck__ref_free(&ref);
	ck__ref_free(&ref); /* twice is harmless */
	CK_CHECK(ck__ref_is_short("busybox"));
	CK_CHECK(ck__ref_is_short("library/busybox:1"));
	CK_CHECK(ck__ref_is_short("busybox@" D));
	CK_CHECK(ck__ref_is_short("localhost:5000")); /* a repository with a tag */
	CK_CHECK(!ck__ref_is_short("localhost/x"));
	CK_CHECK(!ck__ref_is_short("docker.io/busybox"));
	CK_CHECK(!ck__ref_is_short("127.0.0.1:5000/x"));
	CK_CHECK(!ck__ref_is_short("reg:5000/x"));
}

static void check_strv(char **got, const char *const *want)
{
	size_t i = 0;

	for (; want[i]; i++) {
		if (!got || !got[i] || strcmp(got[i], want[i])) {
			fprintf(stderr, "  candidate %zu: got %s, want %s\n", i, got && got[i] ? got[i] : "(none)",
			        want[i]);
			ck_test_failed_checks++;
			return;
		}
	}
	CK_CHECK(got && !got[i]);
}

static void ref_candidates_short_names_try_localhost_then_search_registries(void)
{
	char *search[] = { "docker.io", "quay.io", "localhost", "", NULL };
	ck_context fake;
	char **v = NULL;

	memset(&fake, 0, sizeof(fake));
	fake.search_registries = search;
	CK_CHECK_OK(ck__ref_candidates(&v, &fake, "busybox"));
	check_strv(v, (const char *const[]){ "localhost/busybox:latest", "docker.io/library/busybox:latest",
	                                     "quay.io/busybox:latest", NULL });
	ck_strv_free(v);
	CK_CHECK_OK(ck__ref_candidates(&v, &fake, "team/app:2"));
	check_strv(v, (const char *const[]){ "localhost/team/app:2", "docker.io/team/app:2", "quay.io/team/app:2",
	                                     NULL });
	ck_strv_free(v);
	CK_CHECK_OK(ck__ref_candidates(&v, &fake, "busybox@" D));
	check_strv(v, (const char *const[]){ "localhost/busybox@" D, "docker.io/library/busybox@" D,
	                                     "quay.io/busybox@" D, NULL });
	ck_strv_free(v);
	/* A qualified name is only itself, normalized. */
	CK_CHECK_OK(ck__ref_candidates(&v, &fake, "docker.io/busybox"));
	check_strv(v, (const char *const[]){ "docker.io/library/busybox:latest", NULL });
	ck_strv_free(v);
	CK_CHECK_OK(ck__ref_candidates(&v, &fake, "localhost/x:1"));
	check_strv(v, (const char *const[]){ "localhost/x:1", NULL });
	ck_strv_free(v);
	/* No search registries: local names only. */
	fake.search_registries = NULL;
	CK_CHECK_OK(ck__ref_candidates(&v, &fake, "x"));
	check_strv(v, (const char *const[]){ "localhost/x:latest", NULL });
	ck_strv_free(v);
	v = NULL;
	CK_CHECK_RC(ck__ref_candidates(&v, &fake, "Bad"), CK_EINVAL);
	CK_CHECK_CONTAINS(ck_error_last()->message, "invalid reference \"Bad\": repository name must be lowercase");
	CK_CHECK(v == NULL);
}

CK_TESTS(CK_TEST(ref_parse_table), CK_TEST(ref_length_limits), CK_TEST(ref_strings_and_short_names),
         CK_TEST(ref_candidates_short_names_try_localhost_then_search_registries))

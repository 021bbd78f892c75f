/* Image configs (the JSON whose digest is the image id): validation and the
 * fields records need; RFC 3339 times; and the choice of a platform's
 * manifest from an index. */
#define _GNU_SOURCE
#include "image/image_int.h"

#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>

static int digits(const char *s, int n)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

bool ck__rfc3339_parse(int64_t *secs, const char *s)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	struct tm tm;
	int year, mon, day, hour, min, sec, off = 0;
	const char *p;
	time_t t;

	if (!s || strlen(s) < 20)
		return false;
	year = digits(s, 4);
	mon = digits(s + 5, 2);
	day = digits(s + 8, 2);
	hour = digits(s + 11, 2);
	min = digits(s + 14, 2);
	sec = digits(s + 17, 2);
	if (year < 0 || mon < 1 || mon > 12 || day < 1 || day > mdays[mon - 1] || hour < 0 || hour > 23 ||
	    min < 0 || min > 59 || sec < 0 || sec > 60 || s[4] != '-' || s[7] != '-' ||
	    (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || s[13] != ':' || s[16] != ':')
		return false;
	p = s + 19;
	if (*p == '.') {
		const char *f = ++p;
		while (*p >= '0' && *p <= '9')
			p++;
		if (p == f)
			return false;
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if ((*p == '+' || *p == '-') && strlen(p) == 6) {
		int oh = digits(p + 1, 2), om = digits(p + 4, 2);
		if (oh < 0 || oh > 23 || p[3] != ':' || om < 0 || om > 59)
			return false;
		off = (oh * 60 + om) * 60 * (*p == '+' ? 1 : -1);
		p += 6;
	} else {
		return false;
	}
	if (*p)
		return false;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = year - 1900;
	tm.tm_mon = mon - 1;
	tm.tm_mday = day;
	tm.tm_hour = hour;
	tm.tm_min = min;
	tm.tm_sec = sec;
	t = timegm(&tm);
	*secs = (int64_t)t - off;
	return true;
}

void ck__image_config_free(ck__image_config *c)
{
	if (!c)
		return;
	ck_strv_free(c->diff_ids);
	free(c->os);
	free(c->arch);
	memset(c, 0, sizeof(*c));
}

/* An optional array of strings (Env, Cmd, Entrypoint, ...). */
static int check_string_array(const char *what, yajl_val obj, const char *prefix, const char *key)
{
	yajl_val a;
	char f[160];
	int rc = ck__doc_typed(&a, what, obj, prefix, key, false, true);

	for (size_t i = 0; rc == CK_OK && a && i < a->u.array.len; i++) {
		if (!YAJL_IS_STRING(a->u.array.values[i])) {
			snprintf(f, sizeof(f), "%s.%s[%zu]", prefix, key, i);
			rc = ck__doc_wrong_type(what, f, "a string", a->u.array.values[i]);
		}
	}
	return rc;
}

/* The runtime part ("config"): only the types, since podman accepts any
 * values and the container module interprets them. */
static int check_runtime_config(const char *what, yajl_val tree)
{
	static const char *const strings[] = { "User", "WorkingDir", "StopSignal", NULL };
	static const char *const arrays[] = { "Env", "Entrypoint", "Cmd", "OnBuild", "Shell", NULL };
	static const char *const objects[] = { "ExposedPorts", "Volumes", NULL };
	yajl_val cfg, o;
	const char *s;
	int rc = ck__doc_typed(&cfg, what, tree, NULL, "config", false, false);

	if (rc != CK_OK || !cfg)
		return rc;
	for (size_t i = 0; rc == CK_OK && strings[i]; i++)
		rc = ck__doc_str(&s, what, cfg, "config", strings[i], false);
	for (size_t i = 0; rc == CK_OK && arrays[i]; i++)
		rc = check_string_array(what, cfg, "config", arrays[i]);
	for (size_t i = 0; rc == CK_OK && objects[i]; i++)
		rc = ck__doc_typed(&o, what, cfg, "config", objects[i], false, false);
	if (rc == CK_OK)
		rc = ck__doc_string_map(what, cfg, "config", "Labels");
	return rc;
}

static int check_history(const char *what, yajl_val tree)
{
	static const char *const strings[] = { "created", "created_by", "author", "comment", NULL };
	yajl_val hist;
	char f[64];
	const char *s;
	int rc = ck__doc_typed(&hist, what, tree, NULL, "history", false, true);

	for (size_t i = 0; rc == CK_OK && hist && i < hist->u.array.len; i++) {
		yajl_val h = hist->u.array.values[i], e;
		snprintf(f, sizeof(f), "history[%zu]", i);
		if (!YAJL_IS_OBJECT(h))
			return ck__doc_wrong_type(what, f, "an object", h);
		for (size_t k = 0; rc == CK_OK && strings[k]; k++)
			rc = ck__doc_str(&s, what, h, f, strings[k], false);
		e = ck__doc_member(h, "empty_layer");
		if (rc == CK_OK && e && !YAJL_IS_NULL(e) && !YAJL_IS_TRUE(e) && !YAJL_IS_FALSE(e)) {
			snprintf(f, sizeof(f), "history[%zu].empty_layer", i);
			rc = ck__doc_wrong_type(what, f, "a boolean", e);
		}
	}
	return rc;
}

int ck__image_config_parse(ck__image_config *out, const char *json, size_t len, const char *what)
{
	yajl_val tree, rootfs, ids;
	const char *s, *created;
	char f[64];
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = ck__doc_parse(&tree, json, len, what)) != CK_OK)
		return rc;
	if ((rc = ck__doc_str(&s, what, tree, NULL, "architecture", true)) != CK_OK ||
	    !(out->arch = ck__strdup(s)))
		goto fail;
	if ((rc = ck__doc_str(&s, what, tree, NULL, "os", true)) != CK_OK || !(out->os = ck__strdup(s)))
		goto fail;
	if ((rc = ck__doc_str(&s, what, tree, NULL, "variant", false)) != CK_OK ||
	    (rc = ck__doc_str(&s, what, tree, NULL, "author", false)) != CK_OK ||
	    (rc = ck__doc_str(&created, what, tree, NULL, "created", false)) != CK_OK)
		goto fail;
	if (created && !ck__rfc3339_parse(&out->created, created)) {
		rc = ck__error_set(CK_ECORRUPT, "%s: created \"%.60s\" is not an RFC 3339 time", what, created);
		goto fail;
	}
	if ((rc = check_runtime_config(what, tree)) != CK_OK || (rc = check_history(what, tree)) != CK_OK ||
	    (rc = ck__doc_typed(&rootfs, what, tree, NULL, "rootfs", true, false)) != CK_OK ||
	    (rc = ck__doc_str(&s, what, rootfs, "rootfs", "type", true)) != CK_OK)
		goto fail;
	if (strcmp(s, "layers") != 0) {
		rc = ck__error_set(CK_ECORRUPT, "%s: rootfs.type is \"%.40s\", not \"layers\"", what, s);
		goto fail;
	}
	if ((rc = ck__doc_typed(&ids, what, rootfs, "rootfs", "diff_ids", true, true)) != CK_OK)
		goto fail;
	if (!(out->diff_ids = calloc(1, sizeof(char *)))) {
		rc = ck__oom();
		goto fail;
	}
	for (size_t i = 0; i < ids->u.array.len; i++) {
		yajl_val v = ids->u.array.values[i];
		snprintf(f, sizeof(f), "rootfs.diff_ids[%zu]", i);
		if (!YAJL_IS_STRING(v)) {
			rc = ck__doc_wrong_type(what, f, "a string", v);
			goto fail;
		}
		if ((rc = ck__digest_parse(v->u.string, NULL)) != CK_OK) {
			rc = ck__error_wrap(rc == CK_EUNSUPPORTED ? rc : CK_ECORRUPT, "%s: %s", what, f);
			goto fail;
		}
		if ((rc = ck__strv_push(&out->diff_ids, v->u.string)) != CK_OK)
			goto fail;
	}
	yajl_tree_free(tree);
	return CK_OK;
fail:
	if (rc == CK_OK)
		rc = ck__oom();
	yajl_tree_free(tree);
	ck__image_config_free(out);
	return rc;
}

/* ---- platforms ---- */

const char *ck__image_host_arch(void)
{
	static const struct {
		const char *uname, *oci;
	} map[] = {
		{ "x86_64", "amd64" }, { "aarch64", "arm64" }, { "arm64", "arm64" },     { "i386", "386" },
		{ "i486", "386" },     { "i586", "386" },      { "i686", "386" },        { "armv5tel", "arm" },
		{ "armv6l", "arm" },   { "armv7l", "arm" },    { "ppc64le", "ppc64le" }, { "s390x", "s390x" },
		{ "riscv64", "riscv64" }, { "mips64", "mips64" }, { "loongarch64", "loong64" },
	};
	static __thread char machine[65];
	struct utsname u;

	if (uname(&u) < 0)
		return "amd64";
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcmp(u.machine, map[i].uname))
			return map[i].oci;
	snprintf(machine, sizeof(machine), "%s", u.machine);
	return machine;
}

/* The host's variant where the architecture has them ("v7" on armv7l). */
static const char *host_variant(const char *arch)
{
	struct utsname u;

	if (!strcmp(arch, "arm64"))
		return "v8";
	if (strcmp(arch, "arm") || uname(&u) < 0)
		return NULL;
	if (!strncmp(u.machine, "armv7", 5))
		return "v7";
	if (!strncmp(u.machine, "armv6", 5))
		return "v6";
	if (!strncmp(u.machine, "armv5", 5))
		return "v5";
	return NULL;
}

/* "os/arch[/variant]" into fixed buffers. */
static int parse_platform(const char *platform, char os[64], char arch[64], char variant[64])
{
	const char *s1 = strchr(platform, '/'), *s2 = s1 ? strchr(s1 + 1, '/') : NULL;
	size_t lo, la, lv;

	if (!s1 || s1 == platform || !s1[1] || (s2 && (!s2[1] || strchr(s2 + 1, '/') || s2 == s1 + 1)))
		return ck__error_set(CK_EINVAL, "invalid platform \"%s\": use os/arch[/variant], such as "
		                                "linux/amd64 or linux/arm/v7", platform);
	lo = (size_t)(s1 - platform);
	la = s2 ? (size_t)(s2 - s1 - 1) : strlen(s1 + 1);
	lv = s2 ? strlen(s2 + 1) : 0;
	if (lo > 63 || la > 63 || lv > 63)
		return ck__error_set(CK_EINVAL, "invalid platform \"%.80s\": a part is too long", platform);
	snprintf(os, 64, "%.*s", (int)lo, platform);
	snprintf(arch, 64, "%.*s", (int)la, s1 + 1);
	snprintf(variant, 64, "%.*s", (int)lv, s2 ? s2 + 1 : "");
	return CK_OK;
}

/* arm64 entries often leave out their (only) variant v8. */
static bool variant_matches(const char *want, const char *arch, const char *have)
{
	if (!strcmp(arch, "arm64")) {
		if (!have || !*have)
			have = "v8";
		if (!*want)
			want = "v8";
	}
	return !strcmp(want, have ? have : "");
}

int ck__index_select(const ck__descriptor **out, const ck__index *idx, const char *platform)
{
	char os[64], arch[64], variant[64];
	const ck__descriptor *loose = NULL;
	ck__buf have = { 0 };
	bool explicit_variant;
	char *list = NULL;
	int rc;

	*out = NULL;
	if (platform && *platform) {
		if ((rc = parse_platform(platform, os, arch, variant)) != CK_OK)
			return rc;
		explicit_variant = variant[0] != '\0';
	} else {
		const char *v;
		snprintf(os, sizeof(os), "linux");
		snprintf(arch, sizeof(arch), "%s", ck__image_host_arch());
		v = host_variant(arch);
		snprintf(variant, sizeof(variant), "%s", v ? v : "");
		explicit_variant = false;
	}
	for (size_t i = 0; i < idx->n_manifests; i++) {
		const ck__descriptor *d = &idx->manifests[i];
		if (!d->platform_os || strcmp(d->platform_os, os) || strcmp(d->platform_arch, arch))
			continue;
		if (variant_matches(variant, arch, d->platform_variant)) {
			*out = d;
			return CK_OK;
		}
		/* Without an asked-for variant, the host's is a preference only. */
		if (!explicit_variant && !loose)
			loose = d;
	}
	if (loose) {
		*out = loose;
		return CK_OK;
	}
	for (size_t i = 0; i < idx->n_manifests; i++) {
		const ck__descriptor *d = &idx->manifests[i];
		if (!d->platform_os)
			continue;
		ck__buf_printf(&have, "%s%s/%s%s%s", have.len ? ", " : "", d->platform_os, d->platform_arch,
		               d->platform_variant ? "/" : "", d->platform_variant ? d->platform_variant : "");
	}
	if (have.len && !(list = ck__buf_take(&have)))
		return CK_ENOMEM;
	rc = ck__error_set(CK_ENOTFOUND, "the image index has no manifest for platform %s/%s%s%s (it has: %s)",
	                   os, arch, variant[0] ? "/" : "", variant, list && *list ? list : "no platforms");
	free(list);
	return rc;
}
